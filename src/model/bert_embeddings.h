// Word + position + token-type embeddings, LayerNorm and dropout, as in Hugging Face's
// BertEmbeddings (parameter names included: word_embeddings, position_embeddings,
// token_type_embeddings, LayerNorm).
#pragma once

#include <torch/torch.h>

#include "model/bert_config.h"

namespace moe::model {

class BertEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit BertEmbeddingsImpl(const BertConfig& config);
  // input_ids [batch, length] int64 -> [batch, length, hidden]; token types are all 0.
  torch::Tensor forward(const torch::Tensor& input_ids);

 private:
  torch::nn::Embedding word_embeddings_{nullptr};
  torch::nn::Embedding position_embeddings_{nullptr};
  torch::nn::Embedding token_type_embeddings_{nullptr};
  torch::nn::LayerNorm layer_norm_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(BertEmbeddings);

}  // namespace moe::model
