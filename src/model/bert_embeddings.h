// Word + position + token-type embeddings, LayerNorm and dropout, as in Hugging Face's
// BertEmbeddings (parameter names included: word_embeddings, position_embeddings,
// token_type_embeddings, LayerNorm), plus optional domain tokens
// ("domain_token_embeddings", one row per domain) that replace the token at position 0.
#pragma once

#include <torch/torch.h>

#include "model/bert_config.h"
#include "model/parallel_dropout.h"

namespace moe::model {

class BertEmbeddingsImpl : public torch::nn::Module {
 public:
  // domain_tokens: rows of domain_token_embeddings (0: none).
  BertEmbeddingsImpl(const BertConfig& config, int64_t domain_tokens);

  // input_ids [batch, length] int64 -> [batch, length, hidden]; token types are all 0.
  // domain_ids [batch] int64 (defined only with domain tokens): position 0 takes that
  // domain's token instead of input_ids[:, 0]. `plain`, when not null, receives the output
  // with input_ids[:, 0] kept (what the router sees, so routing never depends on a domain).
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& domain_ids,
                        torch::Tensor* plain = nullptr);

  torch::nn::Embedding word_embeddings{nullptr};
  torch::nn::Embedding domain_token_embeddings{nullptr};  // null without domain tokens

 private:
  torch::nn::Embedding position_embeddings_{nullptr};
  torch::nn::Embedding token_type_embeddings_{nullptr};
  torch::nn::LayerNorm layer_norm_{nullptr};
  ParallelDropout dropout_{nullptr};
};
TORCH_MODULE(BertEmbeddings);

}  // namespace moe::model
