// Data dispatch: sends each training example (both token sequences, label, domain) to the
// rank that holds its expert, with one variable-size all-to-all per step. Under enforced
// routing an example's expert is the same in every layer, so moving the example once
// replaces 2 x layers activation exchanges (DESIGN.md, "route data, not activations").
#pragma once

#include <vector>

#include "data/pair_shard.h"
#include "dist/communicator.h"

namespace moe::train {

// destinations[i] is the rank that receives examples[i]. Every rank must call this, also
// with no examples. Returns the examples this rank receives, ordered by source rank and,
// within a source, by their order there (deterministic).
std::vector<data::TokenPair> exchange_examples(dist::Communicator& comm,
                                               const std::vector<data::TokenPair>& examples,
                                               const std::vector<int>& destinations);

}  // namespace moe::train
