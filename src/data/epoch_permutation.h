// The order in which an epoch visits 0..size-1, from (seed, epoch) alone. Portable:
// std::mt19937_64 seeded through SplitMix64's finaliser, then Fisher-Yates with an unbiased
// bounded draw, so every standard library and platform gives the same order (a resumed or
// re-run job sees the same examples). The streaming loader orders chunks and shuffles
// windows with it.
#pragma once

#include <cstdint>
#include <vector>

namespace moe::data {

std::vector<int64_t> epoch_permutation(int64_t size, uint64_t seed, int64_t epoch);

}  // namespace moe::data
