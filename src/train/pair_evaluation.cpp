// Implementation of pair_similarities (see pair_evaluation.h).
#include "train/pair_evaluation.h"

#include <algorithm>

#include "train/mnr_loss.h"
#include "train/token_batch.h"

namespace moe::train {

std::vector<float> pair_similarities(model::BertEncoder& encoder,
                                     const std::vector<data::TokenPair>& pairs, int64_t slot,
                                     int64_t batch_size, int32_t pad_id) {
  torch::NoGradGuard no_grad;
  const bool was_training = encoder->is_training();
  encoder->eval();
  std::vector<float> similarities;
  similarities.reserve(pairs.size());
  for (size_t begin = 0; begin < pairs.size(); begin += batch_size) {
    const size_t end = std::min(pairs.size(), begin + static_cast<size_t>(batch_size));
    std::vector<const std::vector<int32_t>*> sequences;
    for (size_t i = begin; i < end; ++i) sequences.push_back(&pairs[i].a);
    for (size_t i = begin; i < end; ++i) sequences.push_back(&pairs[i].b);
    const TokenBatch batch = pad_sequences(sequences, pad_id);
    const int64_t n = static_cast<int64_t>(end - begin);
    torch::Tensor slots = torch::full({2 * n}, slot, torch::kInt64);
    torch::Tensor embeddings = encoder->embed(batch.input_ids, batch.attention_mask, slots);
    torch::Tensor cosine = pairwise_cosine(embeddings.slice(0, 0, n), embeddings.slice(0, n));
    auto values = cosine.accessor<float, 1>();
    for (int64_t i = 0; i < n; ++i) similarities.push_back(values[i]);
  }
  encoder->train(was_training);
  return similarities;
}

}  // namespace moe::train
