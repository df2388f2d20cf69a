// Implementation of pair_similarities (see pair_evaluation.h).
#include "train/pair_evaluation.h"

#include <algorithm>

#include "train/contrastive_loss.h"
#include "train/token_batch.h"

namespace moe::train {

PairScores score_pairs(model::BertEncoder& encoder, const std::vector<data::TokenPair>& pairs,
                       int32_t domain, int64_t batch_size, int32_t pad_id) {
  torch::NoGradGuard no_grad;
  const bool was_training = encoder->is_training();
  encoder->eval();
  const torch::Device device = encoder->parameters().front().device();
  PairScores scores;
  scores.similarities.reserve(pairs.size());
  for (size_t begin = 0; begin < pairs.size(); begin += batch_size) {
    const size_t end = std::min(pairs.size(), begin + static_cast<size_t>(batch_size));
    std::vector<const std::vector<int32_t>*> sequences;
    for (size_t i = begin; i < end; ++i) sequences.push_back(&pairs[i].a);
    for (size_t i = begin; i < end; ++i) sequences.push_back(&pairs[i].b);
    const TokenBatch batch = pad_sequences(sequences, pad_id).to(device);
    const int64_t n = static_cast<int64_t>(end - begin);
    const torch::Tensor domains =
        torch::full({2 * n}, domain, torch::TensorOptions(torch::kInt64).device(device));
    const model::EncoderOutput out =
        encoder->encode(batch.input_ids, batch.attention_mask, domains);
    const torch::Tensor& embeddings = out.sentence;
    if (out.router_logits.defined()) {
      scores.routed += 2 * n;
      scores.routed_correctly += (out.router_logits.argmax(1) == domain).sum().item<int64_t>();
    }
    torch::Tensor cosine =
        pairwise_cosine(embeddings.slice(0, 0, n), embeddings.slice(0, n)).to(torch::kCPU);
    auto values = cosine.accessor<float, 1>();
    for (int64_t i = 0; i < n; ++i) scores.similarities.push_back(values[i]);
  }
  encoder->train(was_training);
  return scores;
}

}  // namespace moe::train
