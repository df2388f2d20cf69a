// Implementation of FeedForward (see feed_forward.h).
#include "model/feed_forward.h"

namespace moe::model {

DenseHolderImpl::DenseHolderImpl(int64_t in_features, int64_t out_features) {
  dense = register_module("dense", torch::nn::Linear(in_features, out_features));
}

FeedForwardImpl::FeedForwardImpl(const BertConfig& config) {
  intermediate_ =
      register_module("intermediate", DenseHolder(config.hidden_size, config.intermediate_size));
  output_ = register_module("output", DenseHolder(config.intermediate_size, config.hidden_size));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& hidden) {
  return output_->dense(torch::gelu(intermediate_->dense(hidden)));
}

}  // namespace moe::model
