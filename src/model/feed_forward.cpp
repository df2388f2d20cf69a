// Implementation of FeedForward (see feed_forward.h).
#include "model/feed_forward.h"

#include "common/error.h"
#include "model/cpu_matmul.h"

namespace moe::model {

bool is_supported_activation(const std::string& name) {
  return name == "gelu" || name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "relu";
}

torch::Tensor apply_activation(const std::string& name, const torch::Tensor& x) {
  if (name == "gelu") return torch::gelu(x);
  if (name == "gelu_new" || name == "gelu_pytorch_tanh") return torch::gelu(x, "tanh");
  if (name == "relu") return torch::relu(x);
  throw Error(cat("model: unsupported hidden_act \"", name,
                  "\" (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)"));
}

DenseHolderImpl::DenseHolderImpl(int64_t in_features, int64_t out_features) {
  dense = register_module("dense", torch::nn::Linear(in_features, out_features));
}

FeedForwardImpl::FeedForwardImpl(const BertConfig& config) : activation_(config.hidden_act) {
  MOE_REQUIRE(is_supported_activation(activation_), "model: unsupported hidden_act \"", activation_,
              "\" (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)");
  intermediate_ =
      register_module("intermediate", DenseHolder(config.hidden_size, config.intermediate_size));
  output_ = register_module("output", DenseHolder(config.intermediate_size, config.hidden_size));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& hidden) {
  return linear(apply_activation(activation_, linear(hidden, intermediate_->dense)),
                output_->dense);
}

torch::Tensor feed_forward_groups(const std::vector<FeedForward>& blocks, const torch::Tensor& rows,
                                  const std::vector<int64_t>& rows_per_group) {
  std::vector<torch::nn::Linear> intermediate, output;
  for (const FeedForward& block : blocks) {
    intermediate.push_back(block->intermediate());
    output.push_back(block->output());
  }
  const torch::Tensor hidden = grouped_linear(rows, rows_per_group, intermediate);
  return grouped_linear(apply_activation(blocks.at(0)->activation(), hidden), rows_per_group,
                        output);
}

}  // namespace moe::model
