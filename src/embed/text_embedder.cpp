// Implementation of TextEmbedder (see text_embedder.h).
#include "embed/text_embedder.h"

#include <algorithm>
#include <numeric>

#include "common/error.h"
#include "train/token_batch.h"

namespace moe::embed {

TextEmbedder::TextEmbedder(model::BertEncoder encoder, data::WordPieceTokenizer tokenizer,
                           TextEmbedderOptions options)
    : encoder_(std::move(encoder)),
      tokenizer_(std::move(tokenizer)),
      options_(options),
      device_(encoder_->parameters().front().device()) {
  MOE_REQUIRE(options_.batch_size > 0, "embedding batch size must be positive, got ",
              options_.batch_size);
  MOE_REQUIRE(
      options_.max_length >= 2 && options_.max_length <= encoder_->config().max_position_embeddings,
      "embedding max length ", options_.max_length, " is outside 2..",
      encoder_->config().max_position_embeddings, " (the model's positions)");
  encoder_->eval();
  dimension_ = encoder_->layout().sentence_size(encoder_->config());
}

EmbeddedTexts TextEmbedder::embed(const std::vector<std::string>& texts,
                                  const std::vector<int32_t>& domains) {
  MOE_REQUIRE(texts.size() == domains.size(), "embed: ", texts.size(), " texts but ",
              domains.size(), " domain ids");
  torch::NoGradGuard no_grad;
  const auto count = static_cast<int64_t>(texts.size());
  EmbeddedTexts result;
  result.embeddings = torch::empty({count, dimension_}, torch::kFloat32);
  result.domains = torch::empty({count}, torch::kInt64);

  std::vector<std::vector<int32_t>> tokens(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    tokens[i] = tokenizer_.encode(texts[i], options_.max_length);
    // encode() cuts silently; a text cut exactly at the limit counts as cut.
    if (static_cast<int>(tokens[i].size()) == options_.max_length) ++result.truncated;
  }
  // Longest first, so the first batch shows the peak memory at once.
  std::vector<int64_t> order(texts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return tokens[a].size() > tokens[b].size(); });

  const bool paths = encoder_->is_mixture_of_experts() || encoder_->layout().domain_tokens;
  const bool routed =
      std::any_of(domains.begin(), domains.end(), [](int32_t d) { return d == kRouted; });
  // The router takes a batch without domain ids, so routed and given domains never mix.
  MOE_REQUIRE(!routed || std::all_of(domains.begin(), domains.end(),
                                     [](int32_t d) { return d == kRouted; }),
              "embed: texts must either all name their domain or all be routed");
  const int32_t pad_id = encoder_->config().pad_token_id;
  for (int64_t begin = 0; begin < count; begin += options_.batch_size) {
    const int64_t end = std::min(count, begin + options_.batch_size);
    std::vector<const std::vector<int32_t>*> sequences;
    std::vector<int64_t> batch_domains;
    for (int64_t k = begin; k < end; ++k) {
      sequences.push_back(&tokens[order[k]]);
      batch_domains.push_back(paths && !routed ? domains[order[k]] : 0);
    }
    const train::TokenBatch batch = train::pad_sequences(sequences, pad_id).to(device_);
    const torch::Tensor domain_ids = paths && !routed
                                         ? torch::tensor(batch_domains, torch::kInt64).to(device_)
                                         : torch::Tensor();
    model::EncoderOutput out = encoder_->encode(batch.input_ids, batch.attention_mask, domain_ids);
    torch::Tensor embeddings = out.sentence.to(torch::kCPU, torch::kFloat32);
    if (options_.normalize) {
      embeddings = torch::nn::functional::normalize(
          embeddings, torch::nn::functional::NormalizeFuncOptions().p(2).dim(1));
    }
    const torch::Tensor used = out.domain_ids.defined()
                                   ? out.domain_ids.to(torch::kCPU, torch::kInt64)
                                   : torch::tensor(batch_domains, torch::kInt64);
    const torch::Tensor rows = torch::tensor(
        std::vector<int64_t>(order.begin() + begin, order.begin() + end), torch::kInt64);
    result.embeddings.index_copy_(0, rows, embeddings);
    result.domains.index_copy_(0, rows, used);
  }
  return result;
}

}  // namespace moe::embed
