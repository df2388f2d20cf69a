// The real (non-padding) tokens of a right-padded batch as packed rows. Every token-wise
// part of a layer (the projections, the feed-forward block or experts, dropout, layer norms)
// runs on [tokens, hidden] rows instead of [batch, length, hidden], so no work is spent on
// padding: with lengths uniform in [L/2, L] that is about a quarter of the rows. Only the
// attention scores need the padded layout; SelfAttention unpacks for them.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace moe::model {

class TokenPacking {
 public:
  // attention_mask [batch, length], nonzero for real tokens.
  explicit TokenPacking(const torch::Tensor& attention_mask);

  // [batch, length, ...] -> [tokens, ...] (real tokens in row-major order).
  torch::Tensor pack(const torch::Tensor& padded) const;
  // [tokens, ...] -> [batch, length, ...] with zeros at padding. Differentiable.
  torch::Tensor unpack(const torch::Tensor& rows) const;
  // [batch] per-sequence values -> [tokens] (each token takes its sequence's value).
  torch::Tensor per_token(const torch::Tensor& per_sequence) const;

  int64_t batch() const { return batch_; }
  int64_t length() const { return length_; }
  int64_t tokens() const { return real_.size(0); }

 private:
  torch::Tensor real_;      // [tokens] int64: positions in the flattened [batch * length]
  torch::Tensor sequence_;  // [tokens] int64: the sequence of each token
  int64_t batch_ = 0, length_ = 0;
};

}  // namespace moe::model
