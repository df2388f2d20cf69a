// Multi-head self-attention with the padding mask, plus its output projection, residual
// and LayerNorm: Hugging Face's BertAttention ("self.query/key/value", "output.dense",
// "output.LayerNorm"). Two kernels compute the attention itself: "eager" (Hugging Face's
// eager path, operation for operation) and "fused" (LibTorch's scaled-dot-product attention,
// which picks a flash or memory-efficient kernel on GPUs; same results to rounding).
#pragma once

#include <torch/torch.h>

#include <string>

#include "model/bert_config.h"
#include "model/parallel_dropout.h"
#include "model/token_packing.h"

namespace moe::model {

enum class AttentionKernel { eager, fused };
// "eager" or "fused"; throws moe::Error otherwise.
AttentionKernel parse_attention_kernel(const std::string& name);

// Holds query/key/value so their parameter names match Hugging Face's "attention.self.*".
class SelfAttentionProjectionsImpl : public torch::nn::Module {
 public:
  SelfAttentionProjectionsImpl(int64_t hidden_size);
  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr};
};
TORCH_MODULE(SelfAttentionProjections);

// "attention.output": dense + LayerNorm around the residual.
class AttentionOutputImpl : public torch::nn::Module {
 public:
  explicit AttentionOutputImpl(const BertConfig& config);
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
  ParallelDropout dropout{nullptr};
};
TORCH_MODULE(AttentionOutput);

class SelfAttentionImpl : public torch::nn::Module {
 public:
  explicit SelfAttentionImpl(const BertConfig& config);
  // rows [tokens, hidden]: the batch's real tokens packed by `packing`. Attention runs on
  // each of packing's attention groups in its own padded layout. Returns rows of the same
  // shape.
  torch::Tensor forward(const torch::Tensor& rows, const TokenPacking& packing);
  void set_kernel(AttentionKernel kernel) { kernel_ = kernel; }

 private:
  torch::Tensor attend(const torch::Tensor& query, const torch::Tensor& key,
                       const torch::Tensor& value, const torch::Tensor& additive_mask);

  AttentionKernel kernel_ = AttentionKernel::eager;
  double dropout_probability_;
  int64_t num_heads_;
  int64_t head_size_;
  SelfAttentionProjections projections_{nullptr};
  AttentionOutput output_{nullptr};
  ParallelDropout attention_dropout_{nullptr};
};
TORCH_MODULE(SelfAttention);

// [batch, length] 0/1 key mask -> additive [batch, 1, 1, length] mask in the hidden dtype.
torch::Tensor additive_attention_mask(const torch::Tensor& attention_mask, torch::ScalarType dtype);

}  // namespace moe::model
