// Turns token-id sequences into the padded tensors the encoder takes.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace moe::train {

struct TokenBatch {
  torch::Tensor input_ids;       // [batch, length] int64, padded with pad_id
  torch::Tensor attention_mask;  // [batch, length] int64, 1 for real tokens

  // Both tensors on `device` (asynchronous host-to-GPU copies from pinned memory are not
  // worth it at these sizes).
  TokenBatch to(const torch::Device& device) const {
    return {input_ids.to(device), attention_mask.to(device)};
  }
};

// Pads to the longest sequence (at least 1 column, so an empty batch still has a shape).
TokenBatch pad_sequences(const std::vector<const std::vector<int32_t>*>& sequences, int32_t pad_id);

}  // namespace moe::train
