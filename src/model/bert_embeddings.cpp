// Implementation of BertEmbeddings (see bert_embeddings.h).
#include "model/bert_embeddings.h"

#include "common/error.h"

namespace moe::model {

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertConfig& config) {
  namespace nn = torch::nn;
  word_embeddings_ = register_module(
      "word_embeddings",
      nn::Embedding(nn::EmbeddingOptions(config.vocab_size, config.hidden_size).padding_idx(0)));
  position_embeddings_ = register_module(
      "position_embeddings", nn::Embedding(config.max_position_embeddings, config.hidden_size));
  token_type_embeddings_ = register_module(
      "token_type_embeddings", nn::Embedding(config.type_vocab_size, config.hidden_size));
  layer_norm_ = register_module(
      "LayerNorm",
      nn::LayerNorm(nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
  dropout_ = register_module("dropout", nn::Dropout(config.hidden_dropout));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids) {
  const int64_t length = input_ids.size(1);
  MOE_REQUIRE(length <= position_embeddings_->weight.size(0), "sequence length ", length,
              " exceeds model.max_position_embeddings (", position_embeddings_->weight.size(0),
              ")");
  torch::Tensor positions =
      torch::arange(length, input_ids.options().dtype(torch::kInt64)).unsqueeze(0);
  // Hugging Face's order of additions, (word + token type) + position, so results match
  // to the last bit.
  torch::Tensor embeddings = (word_embeddings_(input_ids) + token_type_embeddings_->weight[0]) +
                             position_embeddings_(positions);
  return dropout_(layer_norm_(embeddings));
}

}  // namespace moe::model
