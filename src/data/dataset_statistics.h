// Counts and length statistics of a prepared dataset, per domain and split, read from the
// shards a manifest lists (for `moe_prep inspect`). Reads shards in bounded ranges, so any
// dataset size works.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/manifest.h"

namespace moe::data {

struct LengthSummary {
  int64_t min = 0, max = 0, p50 = 0, p95 = 0;
  double mean = 0.0;
};

struct SplitStatistics {
  std::string domain, split;
  int64_t shards = 0, pairs = 0, positives = 0;
  LengthSummary a_tokens, b_tokens;  // sequence lengths including [CLS] and [SEP]
};

// One entry per (domain, split) present, in manifest domain order then train/valid/test.
// Verifies each shard against the manifest (as the trainer does).
std::vector<SplitStatistics> compute_dataset_statistics(const Manifest& manifest);

// A fixed-width table of the statistics for a terminal.
std::string format_dataset_statistics(const Manifest& manifest,
                                      const std::vector<SplitStatistics>& statistics);

}  // namespace moe::data
