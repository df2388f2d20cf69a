// One transformer layer: self-attention, then the feed-forward block — either one dense
// block ("ffn") or one expert per domain ("experts.<domain>") chosen per sequence
// (enforced routing) — then dropout, residual and the shared "output.LayerNorm".
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/bert_config.h"
#include "model/feed_forward.h"
#include "model/self_attention.h"

namespace moe::model {

// "output": the LayerNorm (and dropout) after the feed-forward residual, shared by experts.
class LayerOutputImpl : public torch::nn::Module {
 public:
  explicit LayerOutputImpl(const BertConfig& config);
  torch::nn::LayerNorm layer_norm{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(LayerOutput);

class EncoderLayerImpl : public torch::nn::Module {
 public:
  // expert_names empty: a dense layer. Otherwise the experts this process holds, in the
  // order of the expert slots passed to forward().
  EncoderLayerImpl(const BertConfig& config, const std::vector<std::string>& expert_names);

  // expert_slot [batch] int64: index into expert_names per sequence (ignored when dense).
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& additive_mask,
                        const torch::Tensor& expert_slot);
  void set_attention_kernel(AttentionKernel kernel) { attention_->set_kernel(kernel); }

 private:
  torch::Tensor feed_forward(const torch::Tensor& hidden, const torch::Tensor& expert_slot);

  SelfAttention attention_{nullptr};
  FeedForward dense_ffn_{nullptr};
  std::vector<FeedForward> experts_;
  LayerOutput output_{nullptr};
};
TORCH_MODULE(EncoderLayer);

}  // namespace moe::model
