// Implementation of EncoderLayer (see encoder_layer.h).
#include "model/encoder_layer.h"

#include <numeric>

#include "common/error.h"

namespace moe::model {

LayerOutputImpl::LayerOutputImpl(const BertConfig& config) {
  namespace nn = torch::nn;
  layer_norm = register_module(
      "LayerNorm",
      nn::LayerNorm(nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
  dropout = register_module("dropout", ParallelDropout(config.hidden_dropout));
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

torch::Tensor EncoderLayerImpl::run_expert_blocks(const torch::Tensor& rows,
                                                  std::vector<int64_t> rows_per_slot) {
  // The usual case under data dispatch: every row here belongs to one expert.
  if (experts_.size() == 1) return experts_[0](rows);
  // No rows (layer dispatch sent this rank nothing): stay in the graph, so the backward pass
  // still reaches the all-to-all that delivered them and this rank joins its collective.
  if (rows.size(0) == 0) return rows.clone();
  MOE_REQUIRE(rows_per_slot.size() <= experts_.size(),
              "mixture-of-experts layer: an expert slot is outside 0..", experts_.size() - 1);
  rows_per_slot.resize(experts_.size(), 0);
  MOE_REQUIRE(
      std::accumulate(rows_per_slot.begin(), rows_per_slot.end(), int64_t{0}) == rows.size(0),
      "mixture-of-experts layer: the experts' row counts do not add up to the rows");
  return feed_forward_groups(experts_, rows, rows_per_slot);
}

torch::Tensor EncoderLayerImpl::run_experts(const torch::Tensor& rows, const torch::Tensor& slots) {
  if (experts_.size() == 1 || rows.size(0) == 0) return run_expert_blocks(rows, {});
  MOE_REQUIRE(slots.defined() && slots.size(0) == rows.size(0),
              "mixture-of-experts layer: need one expert slot per token");
  MOE_REQUIRE(slots.min().item<int64_t>() >= 0 &&
                  slots.max().item<int64_t>() < static_cast<int64_t>(experts_.size()),
              "mixture-of-experts layer: an expert slot is outside 0..", experts_.size() - 1);
  const torch::Tensor order = std::get<1>(
      slots.sort(c10::optional<bool>(/*stable=*/true), /*dim=*/0, /*descending=*/false));
  const torch::Tensor counts =
      torch::bincount(slots, {}, static_cast<int64_t>(experts_.size())).to(torch::kCPU);
  const torch::Tensor sorted =
      run_expert_blocks(rows.index_select(0, order),
                        std::vector<int64_t>(counts.data_ptr<int64_t>(),
                                             counts.data_ptr<int64_t>() + counts.numel()));
  return torch::empty_like(sorted).index_copy(0, order, sorted);
}

torch::Tensor EncoderLayerImpl::dispatch_tokens(const torch::Tensor& rows, const Routing& routing) {
  return routing.dispatcher->dispatch(
      rows, routing.token_domains,
      [&](const torch::Tensor& received, const torch::Tensor& domains) {
        const torch::Tensor slots = routing.slot_of_domain.index_select(0, domains);
        MOE_REQUIRE(slots.numel() == 0 || (slots >= 0).all().item<bool>(),
                    "layer dispatch: received a token whose expert is not held here");
        return run_experts(received, slots);
      });
}

torch::Tensor EncoderLayerImpl::feed_forward(const torch::Tensor& rows, const Routing& routing) {
  if (!dense_ffn_.is_empty()) return dense_ffn_(rows);
  if (routing.dispatcher != nullptr) return dispatch_tokens(rows, routing);
  return run_expert_blocks(rows, routing.expert_rows);
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& rows, const Routing& routing,
                                        const TokenPacking& packing) {
  torch::Tensor attended = attention_(rows, packing);
  torch::Tensor transformed = output_->dropout(feed_forward(attended, routing));
  return output_->layer_norm(transformed + attended);
}

}  // namespace moe::model
