// Implementation of SelfAttention (see self_attention.h).
#include "model/self_attention.h"

#include <cmath>
#include <limits>

#include "common/error.h"
#include "model/cpu_matmul.h"

namespace moe::model {

AttentionKernel parse_attention_kernel(const std::string& name) {
  if (name == "eager") return AttentionKernel::eager;
  if (name == "fused") return AttentionKernel::fused;
  throw Error(cat("attention kernel '", name, "' is not one of eager, fused"));
}

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
  dropout = register_module("dropout", ParallelDropout(config.hidden_dropout));
}

SelfAttentionImpl::SelfAttentionImpl(const BertConfig& config)
    : dropout_probability_(config.attention_dropout),
      num_heads_(config.num_heads),
      head_size_(config.hidden_size / config.num_heads) {
  MOE_REQUIRE(config.hidden_size % config.num_heads == 0, "hidden size ", config.hidden_size,
              " is not a multiple of the number of heads ", config.num_heads);
  projections_ = register_module("self", SelfAttentionProjections(config.hidden_size));
  output_ = register_module("output", AttentionOutput(config));
  attention_dropout_ =
      register_module("attention_dropout", ParallelDropout(config.attention_dropout));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& rows, const TokenPacking& packing) {
  // Projections on the real tokens only; the scores need a padded layout (padding keys are
  // zeros there, and the mask removes them exactly as it removes Hugging Face's), one per
  // attention group. Splitting the rows once keeps the backward to one concatenation.
  const std::vector<AttentionGroup>& groups = packing.attention_groups();
  std::vector<int64_t> group_rows;
  for (const AttentionGroup& group : groups) group_rows.push_back(group.rows);
  const torch::Tensor ordered = packing.to_attention_order(rows);
  // The three projections as one product on weights stacked per call ([3 hidden, hidden]:
  // far smaller than the rows): one unpack per group and one input gradient instead of three
  // (and no sum of three), and the backward stacks the heads' gradients once.
  const SelfAttentionProjectionsImpl& p = *projections_;
  const torch::Tensor projected =
      linear(ordered, torch::cat({p.query->weight, p.key->weight, p.value->weight}),
             torch::cat({p.query->bias, p.key->bias, p.value->bias}));
  const int64_t hidden = num_heads_ * head_size_;
  // No tokens: the (empty) projections keep this rank in the graph (expert_dispatch.h).
  torch::Tensor context = projected.narrow(1, 0, hidden);
  if (!groups.empty()) {
    const std::vector<torch::Tensor> per_group = projected.split_with_sizes(group_rows);
    std::vector<torch::Tensor> contexts;
    for (size_t g = 0; g < groups.size(); ++g) {
      const AttentionGroup& group = groups[g];
      // [sequences, length, 3, heads, head] -> query, key, value as [sequences, heads,
      // length, head] views.
      std::vector<torch::Tensor> heads =
          group.unpack(per_group[g])
              .view({group.sequences, group.length, 3, num_heads_, head_size_})
              .unbind(2);
      for (torch::Tensor& h : heads) h = h.transpose(1, 2);
      const torch::Tensor attended =
          attend(heads[0], heads[1], heads[2],
                 additive_attention_mask(group.key_mask, projected.scalar_type()));
      contexts.push_back(
          group.pack(attended.transpose(1, 2).reshape({group.sequences, group.length, hidden})));
    }
    context =
        packing.from_attention_order(contexts.size() == 1 ? contexts[0] : torch::cat(contexts));
  }
  torch::Tensor projected_context = output_->dropout(linear(context, output_->dense));
  return output_->layer_norm(projected_context + rows);
}

torch::Tensor SelfAttentionImpl::attend(const torch::Tensor& query, const torch::Tensor& key,
                                        const torch::Tensor& value,
                                        const torch::Tensor& additive_mask) {
  if (kernel_ == AttentionKernel::fused) {
    const double dropout = is_training() ? dropout_probability_ : 0.0;
#if TORCH_VERSION_MAJOR >= 2
    return at::scaled_dot_product_attention(query, key, value, additive_mask, dropout);
#else
    // LibTorch 1.13 has the same operator under a private name (it returns the weights too).
    return std::get<0>(
        at::_scaled_dot_product_attention(query, key, value, additive_mask, dropout, false));
#endif
  }
  torch::Tensor scores =
      batched_matmul(query, key.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_size_));
  torch::Tensor probabilities = attention_dropout_(torch::softmax(scores + additive_mask, -1));
  return batched_matmul(probabilities, value);
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
