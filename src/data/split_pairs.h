// Reads every pair of one split (optionally one domain) listed in a manifest into memory,
// checking that each shard agrees with the manifest (domain, split, count, vocabulary).
#pragma once

#include <string>
#include <vector>

#include "data/manifest.h"
#include "data/pair_shard.h"

namespace moe::data {

std::vector<TokenPair> read_split_pairs(const Manifest& manifest, const std::string& split,
                                        const std::string& domain = "");

}  // namespace moe::data
