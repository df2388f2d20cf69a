// Implementation of pad_sequences (see token_batch.h).
#include "train/token_batch.h"

#include <algorithm>

namespace moe::train {

TokenBatch pad_sequences(const std::vector<const std::vector<int32_t>*>& sequences,
                         int32_t pad_id) {
  const int64_t batch = static_cast<int64_t>(sequences.size());
  int64_t length = 1;
  for (const auto* s : sequences) length = std::max<int64_t>(length, s->size());
  TokenBatch result;
  result.input_ids = torch::full({batch, length}, pad_id, torch::kInt64);
  result.attention_mask = torch::zeros({batch, length}, torch::kInt64);
  auto ids = result.input_ids.accessor<int64_t, 2>();
  auto mask = result.attention_mask.accessor<int64_t, 2>();
  for (int64_t i = 0; i < batch; ++i) {
    const std::vector<int32_t>& s = *sequences[i];
    for (size_t j = 0; j < s.size(); ++j) {
      ids[i][j] = s[j];
      mask[i][j] = 1;
    }
  }
  return result;
}

}  // namespace moe::train
