// The transformer feed-forward block: intermediate.dense -> activation (hidden_act; exact
// erf GELU for BERT) -> output.dense. One instance is the dense model's block or one domain's
// expert; the residual and LayerNorm around it are shared by all experts (see encoder_layer.h).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/bert_config.h"

namespace moe::model {

// hidden_act by its Hugging Face name; throws moe::Error for an unsupported one.
torch::Tensor apply_activation(const std::string& name, const torch::Tensor& x);

// Holds one Linear named "dense" so names read "intermediate.dense.weight" as in HF.
class DenseHolderImpl : public torch::nn::Module {
 public:
  DenseHolderImpl(int64_t in_features, int64_t out_features);
  torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(DenseHolder);

class FeedForwardImpl : public torch::nn::Module {
 public:
  explicit FeedForwardImpl(const BertConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden);

  const std::string& activation() const { return activation_; }
  const torch::nn::Linear& intermediate() const { return intermediate_->dense; }
  const torch::nn::Linear& output() const { return output_->dense; }

 private:
  std::string activation_;
  DenseHolder intermediate_{nullptr};
  DenseHolder output_{nullptr};
};
TORCH_MODULE(FeedForward);

// Consecutive row groups, group g through blocks[g] (same configuration): two grouped products
// (cpu_matmul.h: grouped_linear) around one activation over all rows.
torch::Tensor feed_forward_groups(const std::vector<FeedForward>& blocks, const torch::Tensor& rows,
                                  const std::vector<int64_t>& rows_per_group);

}  // namespace moe::model
