// The HDF5 checkpoint file: one file per checkpoint, independent of the number of ranks.
//
// Layout (all parameters float32, Hugging Face names; see parameter_names.h):
//   /shared/<name>             embeddings, attention, LayerNorms, dense feed-forward blocks,
//                              pooler, domain tokens, router, projection head
//   /experts/<domain>/<name>   each domain's feed-forward experts (expert layers only)
//   /tokenizer/vocab           uint8: the vocab.txt bytes (one token per line), so a
//                              checkpoint alone can be exported or used to embed text
//   /train/<name>              optional: what resuming training needs beyond the parameters
//                              (optimizer moments, loader position, counters; written by
//                              train/training_state.h), float32, float64 or int64 as given
//   root attributes: format_version, step, bert_config (JSON), layout (JSON: domains,
//   expert_layers, domain_tokens, router, pooling, projection_head, projection_size,
//   normalize), vocab_hash (decimal string), lowercase, max_length, config_yaml.
// Written under "<path>.tmp" and renamed when complete, so a crash never leaves a
// half-written checkpoint under the final name.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/bert_config.h"
#include "model/encoder_layout.h"

namespace moe::model {

inline constexpr int64_t kCheckpointFormatVersion = 2;

using NamedTensors = std::map<std::string, torch::Tensor>;  // Hugging Face name -> tensor

struct CheckpointContents {
  BertConfig config;
  EncoderLayout layout;  // local_domains empty: a checkpoint holds every expert
  int64_t step = 0;
  std::vector<std::string> vocab_tokens;  // id order
  uint64_t vocab_hash = 0;
  bool lowercase = true;
  int64_t max_length = 0;  // longest sequence the training data held
  std::string config_yaml;
  NamedTensors shared;
  std::map<std::string, NamedTensors> experts;  // domain -> its expert layers' tensors
  NamedTensors training_state;                  // /train/...; empty in a model-only file
};

// JSON text of a layout / config as stored in checkpoints (and read back).
std::string layout_to_json(const EncoderLayout& layout);
EncoderLayout layout_from_json(const std::string& text);
std::string bert_config_to_json(const BertConfig& config);
BertConfig bert_config_from_json(const std::string& text);

// Called after each tensor is written, with the count so far and the total.
using TensorWrittenCallback = std::function<void(int64_t written, int64_t total)>;

// Writes PATH.tmp and renames it to PATH. On failure (a full disk, an I/O error) the partial
// file is removed and the error names the path, the cause and the free space; a previous
// file at PATH is untouched.
void write_checkpoint(const std::string& path, const CheckpointContents& contents,
                      const TensorWrittenCallback& on_tensor_written = {});
// Errors name the file and what is missing or inconsistent.
CheckpointContents read_checkpoint(const std::string& path);

}  // namespace moe::model
