// Implementation of EncoderLayer (see encoder_layer.h).
#include "model/encoder_layer.h"

#include "common/error.h"

namespace moe::model {

LayerOutputImpl::LayerOutputImpl(const BertConfig& config) {
  namespace nn = torch::nn;
  layer_norm = register_module(
      "LayerNorm",
      nn::LayerNorm(nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
  dropout = register_module("dropout", nn::Dropout(config.hidden_dropout));
}

EncoderLayerImpl::EncoderLayerImpl(const BertConfig& config,
                                   const std::vector<std::string>& expert_names) {
  attention_ = register_module("attention", SelfAttention(config));
  if (expert_names.empty()) {
    dense_ffn_ = register_module("ffn", FeedForward(config));
  } else {
    auto experts = register_module("experts", torch::nn::ModuleDict());
    for (const std::string& name : expert_names) {
      FeedForward expert(config);
      experts->update({{name, expert.ptr()}});
      experts_.push_back(expert);
    }
  }
  output_ = register_module("output", LayerOutput(config));
}

torch::Tensor EncoderLayerImpl::feed_forward(const torch::Tensor& hidden,
                                             const torch::Tensor& expert_slot) {
  if (!dense_ffn_.is_empty()) return dense_ffn_(hidden);
  // The usual case under data dispatch: every sequence here belongs to one expert.
  if (experts_.size() == 1) return experts_[0](hidden);
  MOE_REQUIRE(expert_slot.defined() && expert_slot.size(0) == hidden.size(0),
              "mixture-of-experts layer: need one expert slot per sequence");
  MOE_REQUIRE(hidden.size(0) == 0 ||
                  (expert_slot.min().item<int64_t>() >= 0 &&
                   expert_slot.max().item<int64_t>() < static_cast<int64_t>(experts_.size())),
              "mixture-of-experts layer: an expert slot is outside 0..", experts_.size() - 1);
  torch::Tensor result = torch::empty_like(hidden);
  for (size_t slot = 0; slot < experts_.size(); ++slot) {
    torch::Tensor rows = (expert_slot == static_cast<int64_t>(slot)).nonzero().squeeze(1);
    if (rows.numel() == 0) continue;
    result = result.index_copy(0, rows, experts_[slot](hidden.index_select(0, rows)));
  }
  return result;
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& hidden,
                                        const torch::Tensor& additive_mask,
                                        const torch::Tensor& expert_slot) {
  torch::Tensor attended = attention_(hidden, additive_mask);
  torch::Tensor transformed = output_->dropout(feed_forward(attended, expert_slot));
  return output_->layer_norm(transformed + attended);
}

}  // namespace moe::model
