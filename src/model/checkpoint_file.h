// The HDF5 checkpoint file: one file per checkpoint, independent of the number of ranks.
//
// Layout (all parameters float32, Hugging Face names; see parameter_names.h):
//   /shared/<name>             embeddings, attention, LayerNorms (and the dense FFN)
//   /experts/<domain>/<name>   each domain's feed-forward expert
//   root attributes: format_version, step, mixture_of_experts, domains (JSON list),
//   bert_config (JSON), vocab_hash (decimal string), config_yaml (the effective config).
// Written under "<path>.tmp" and renamed when complete, so a crash never leaves a
// half-written checkpoint under the final name.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/bert_config.h"

namespace moe::model {

inline constexpr int64_t kCheckpointFormatVersion = 1;

struct CheckpointContents {
  BertConfig config;
  bool mixture_of_experts = false;
  std::vector<std::string> domains;
  int64_t step = 0;
  uint64_t vocab_hash = 0;
  std::string config_yaml;
  std::map<std::string, torch::Tensor> shared;                          // HF name -> tensor
  std::map<std::string, std::map<std::string, torch::Tensor>> experts;  // domain -> ...
};

void write_checkpoint(const std::string& path, const CheckpointContents& contents);
// Errors name the file and what is missing or inconsistent.
CheckpointContents read_checkpoint(const std::string& path);

}  // namespace moe::model
