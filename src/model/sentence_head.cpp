// Implementation of the sentence head (see sentence_head.h).
#include "model/sentence_head.h"

#include "model/cpu_matmul.h"

namespace moe::model {

ProjectionHeadImpl::ProjectionHeadImpl(int64_t hidden_size, int64_t output_size) {
  namespace nn = torch::nn;
  layer_norm = register_module(
      "LayerNorm", nn::LayerNorm(nn::LayerNormOptions({hidden_size}).eps(kHeadLayerNormEps)));
  dense = register_module("dense", nn::Linear(hidden_size, hidden_size));
  out = register_module("out", nn::Linear(hidden_size, output_size));
}

torch::Tensor ProjectionHeadImpl::forward(const torch::Tensor& pooled) {
  return linear(torch::tanh(linear(layer_norm(pooled), dense)), out);
}

torch::Tensor sentence_embedding(const torch::Tensor& hidden, const torch::Tensor& attention_mask,
                                 const EncoderLayout& layout, ProjectionHead& head) {
  torch::Tensor pooled =
      layout.pooling == "cls" ? hidden.select(1, 0) : mean_pool(hidden, attention_mask);
  if (!head.is_empty()) pooled = head(pooled);
  // sentence-transformers' Normalize: F.normalize(p=2, dim=1), eps 1e-12.
  if (layout.normalize) pooled = pooled / pooled.norm(2, 1, true).clamp_min(1e-12);
  return pooled;
}

torch::Tensor mean_pool(const torch::Tensor& hidden, const torch::Tensor& attention_mask) {
  torch::Tensor mask = attention_mask.to(hidden.scalar_type()).unsqueeze(-1);
  torch::Tensor summed = (hidden * mask).sum(1);
  torch::Tensor counts = mask.sum(1).clamp_min(1e-9);
  return summed / counts;
}

}  // namespace moe::model
