// Implementation of BertEmbeddings (see bert_embeddings.h).
#include "model/bert_embeddings.h"

#include "common/error.h"

namespace moe::model {

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertConfig& config, int64_t domain_tokens) {
  namespace nn = torch::nn;
  word_embeddings = register_module(
      "word_embeddings", nn::Embedding(nn::EmbeddingOptions(config.vocab_size, config.hidden_size)
                                           .padding_idx(config.pad_token_id)));
  position_embeddings_ = register_module(
      "position_embeddings", nn::Embedding(config.max_position_embeddings, config.hidden_size));
  token_type_embeddings_ = register_module(
      "token_type_embeddings", nn::Embedding(config.type_vocab_size, config.hidden_size));
  layer_norm_ = register_module(
      "LayerNorm",
      nn::LayerNorm(nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
  dropout_ = register_module("dropout", ParallelDropout(config.hidden_dropout));
  if (domain_tokens > 0)
    domain_token_embeddings = register_module("domain_token_embeddings",
                                              nn::Embedding(domain_tokens, config.hidden_size));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids,
                                          const torch::Tensor& domain_ids, torch::Tensor* plain) {
  const int64_t length = input_ids.size(1);
  MOE_REQUIRE(length <= position_embeddings_->weight.size(0), "sequence length ", length,
              " exceeds model.max_position_embeddings (", position_embeddings_->weight.size(0),
              ")");
  const torch::Tensor positions =
      torch::arange(length, input_ids.options().dtype(torch::kInt64)).unsqueeze(0);
  const torch::Tensor type = token_type_embeddings_->weight[0];
  const torch::Tensor position = position_embeddings_(positions);
  // Hugging Face's order of additions, (word + token type) + position, so results match
  // to the last bit.
  const torch::Tensor words = (word_embeddings(input_ids) + type) + position;
  if (plain != nullptr) *plain = dropout_(layer_norm_(words));
  if (!domain_ids.defined() || domain_token_embeddings.is_empty() || length == 0)
    return dropout_(layer_norm_(words));
  // The domain token goes through the same sum, and the whole batch through one LayerNorm
  // call, so a domain token copied from [CLS] reproduces the [CLS] output bit for bit.
  const torch::Tensor first = (domain_token_embeddings(domain_ids) + type) + position.select(1, 0);
  const torch::Tensor replaced = torch::cat({first.unsqueeze(1), words.slice(1, 1)}, 1);
  return dropout_(layer_norm_(replaced));
}

}  // namespace moe::model
