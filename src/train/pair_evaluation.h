// Scores evaluation pairs with the model: cosine similarity of the two embeddings of each
// pair, then the paper's metrics (pair_metrics.h).
#pragma once

#include <vector>

#include "data/pair_shard.h"
#include "model/bert_encoder.h"
#include "train/pair_metrics.h"

namespace moe::train {

struct PairScores {
  std::vector<float> similarities;  // one cosine per pair
  int64_t routed = 0;               // sequences the router saw (0 without router)
  int64_t routed_correctly = 0;     // ... and assigned to `domain`
};

// Embeds both sides as `domain` (batches of batch_size pairs, no gradient, eval mode
// restored to the previous mode afterwards), scores each pair by cosine, and counts how
// often the router (if any) picks `domain`.
PairScores score_pairs(model::BertEncoder& encoder, const std::vector<data::TokenPair>& pairs,
                       int32_t domain, int64_t batch_size, int32_t pad_id);

}  // namespace moe::train
