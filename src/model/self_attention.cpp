// Implementation of SelfAttention (see self_attention.h).
#include "model/self_attention.h"

#include <cmath>
#include <limits>

#include "common/error.h"

namespace moe::model {

SelfAttentionProjectionsImpl::SelfAttentionProjectionsImpl(int64_t hidden_size) {
  query = register_module("query", torch::nn::Linear(hidden_size, hidden_size));
  key = register_module("key", torch::nn::Linear(hidden_size, hidden_size));
  value = register_module("value", torch::nn::Linear(hidden_size, hidden_size));
}

AttentionOutputImpl::AttentionOutputImpl(const BertConfig& config) {
  namespace nn = torch::nn;
  dense = register_module("dense", nn::Linear(config.hidden_size, config.hidden_size));
  layer_norm = register_module(
      "LayerNorm",
      nn::LayerNorm(nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
  dropout = register_module("dropout", nn::Dropout(config.hidden_dropout));
}

SelfAttentionImpl::SelfAttentionImpl(const BertConfig& config)
    : num_heads_(config.num_heads), head_size_(config.hidden_size / config.num_heads) {
  MOE_REQUIRE(config.hidden_size % config.num_heads == 0, "hidden size ", config.hidden_size,
              " is not a multiple of the number of heads ", config.num_heads);
  projections_ = register_module("self", SelfAttentionProjections(config.hidden_size));
  output_ = register_module("output", AttentionOutput(config));
  attention_dropout_ =
      register_module("attention_dropout", torch::nn::Dropout(config.attention_dropout));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& hidden,
                                         const torch::Tensor& additive_mask) {
  const int64_t batch = hidden.size(0);
  const int64_t length = hidden.size(1);
  auto split_heads = [&](const torch::Tensor& x) {
    return x.view({batch, length, num_heads_, head_size_}).transpose(1, 2);
  };
  torch::Tensor query = split_heads(projections_->query(hidden));
  torch::Tensor key = split_heads(projections_->key(hidden));
  torch::Tensor value = split_heads(projections_->value(hidden));

  torch::Tensor scores =
      torch::matmul(query, key.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_size_));
  torch::Tensor probabilities = attention_dropout_(torch::softmax(scores + additive_mask, -1));
  torch::Tensor context = torch::matmul(probabilities, value)
                              .transpose(1, 2)
                              .reshape({batch, length, num_heads_ * head_size_});
  torch::Tensor projected = output_->dropout(output_->dense(context));
  return output_->layer_norm(projected + hidden);
}

torch::Tensor additive_attention_mask(const torch::Tensor& attention_mask,
                                      torch::ScalarType dtype) {
  // Hugging Face adds the dtype's lowest value at padding positions (not -inf), so a row
  // stays finite; matching it keeps outputs identical.
  const double lowest = dtype == torch::kFloat64 ? std::numeric_limits<double>::lowest()
                                                 : std::numeric_limits<float>::lowest();
  torch::Tensor keep = attention_mask.to(dtype).unsqueeze(1).unsqueeze(2);
  return (1.0 - keep) * lowest;
}

}  // namespace moe::model
