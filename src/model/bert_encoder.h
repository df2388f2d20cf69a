// The BERT-family sentence encoder: embeddings, a stack of encoder layers (dense or with
// per-domain experts), and pooling. Parameter names follow Hugging Face's BertModel
// ("embeddings.*", "encoder.layer.N.*"); expert parameters sit under
// "encoder.layer.N.experts.<domain>.*" (see parameter_names.h for the mapping).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/bert_config.h"
#include "model/bert_embeddings.h"
#include "model/encoder_layer.h"

namespace moe::model {

class LayerStackImpl : public torch::nn::Module {
 public:
  LayerStackImpl(const BertConfig& config, const std::vector<std::string>& expert_names);
  torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(LayerStack);

class BertEncoderImpl : public torch::nn::Module {
 public:
  // expert_names: the experts (domains) held by this process, empty for a dense model.
  // Experts held elsewhere are not built: nothing here assumes all experts are local.
  BertEncoderImpl(const BertConfig& config, std::vector<std::string> expert_names);

  // input_ids, attention_mask [batch, length]; expert_slot [batch] int64 (index into
  // expert_names). Returns the last hidden states [batch, length, hidden].
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& expert_slot);

  // Mean-pooled sentence embeddings [batch, hidden] over non-padding tokens.
  torch::Tensor embed(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                      const torch::Tensor& expert_slot);

  const BertConfig& config() const { return config_; }
  const std::vector<std::string>& expert_names() const { return expert_names_; }
  bool is_mixture_of_experts() const { return !expert_names_.empty(); }

 private:
  BertConfig config_;
  std::vector<std::string> expert_names_;
  BertEmbeddings embeddings_{nullptr};
  LayerStack encoder_{nullptr};
};
TORCH_MODULE(BertEncoder);

// Mean over positions where attention_mask is 1.
torch::Tensor mean_pool(const torch::Tensor& hidden, const torch::Tensor& attention_mask);

// Hugging Face's initialisation: normal(0, 0.02) weights, zero biases, unit LayerNorm,
// zero padding embedding. Each parameter draws from its own generator seeded by
// (seed, Hugging Face name), so every rank builds identical shared parameters, every
// expert starts as an exact copy of the same feed-forward block (as in the paper), and
// the result does not depend on how experts are spread over ranks.
void initialize_like_bert(BertEncoderImpl& model, uint64_t seed, double std_dev = 0.02);

}  // namespace moe::model
