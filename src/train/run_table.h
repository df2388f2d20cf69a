// The table moe_train prints at start: what is about to run, so a wrong setting shows before
// hours are spent (model size, experts and their ranks, pairs per domain and split, batch,
// steps, schedule and loss).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::train {

struct DomainCounts {
  std::string name;
  int64_t train = 0, valid = 0, test = 0;
  std::string ranks;  // where its expert lives ("0", "1,3"); empty for a dense model
};

struct RunFacts {
  int ranks = 1;
  std::string device;
  std::string hosts;  // "node1 -> ranks 0,1; node2 -> ranks 2,3" (dist/host_map.h)
  int64_t global_batch = 0, steps = 0, warmup_steps = 0;
  double lr = 0;
  std::string schedule, loss, dispatch;
  int64_t hidden = 0, layers = 0, heads = 0, vocabulary = 0;
  std::string expert_layers;      // "0,1" or "" for a dense model
  int64_t shared_parameters = 0;  // every parameter not in an expert
  int64_t parameters_per_expert = 0;
  std::vector<DomainCounts> domains;
};

// Multi-line, aligned text (no trailing newline).
std::string format_run_table(const RunFacts& facts);

}  // namespace moe::train
