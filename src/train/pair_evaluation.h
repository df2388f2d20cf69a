// Scores evaluation pairs with the model: cosine similarity of the two embeddings of each
// pair, then the paper's metrics (pair_metrics.h).
#pragma once

#include <vector>

#include "data/pair_shard.h"
#include "model/bert_encoder.h"
#include "train/pair_metrics.h"

namespace moe::train {

// Embeds both sides with the given expert slot (batches of batch_size pairs, no gradient,
// eval mode restored to the previous mode afterwards) and returns one cosine per pair.
std::vector<float> pair_similarities(model::BertEncoder& encoder,
                                     const std::vector<data::TokenPair>& pairs, int64_t slot,
                                     int64_t batch_size, int32_t pad_id);

}  // namespace moe::train
