// Seeded, portable permutations of 0..size-1, one per (seed, epoch).
#include "data/epoch_permutation.h"

#include <numeric>
#include <random>
#include <utility>

#include "common/error.h"
#include "common/splitmix64.h"

namespace moe::data {
namespace {

// A uniform draw from [0, range): rejects the lowest 2^64 mod range raw values so that every
// residue is hit by the same number of accepted values (a plain modulo would favour the
// small ones).
uint64_t bounded(std::mt19937_64& generator, uint64_t range) {
  const uint64_t rejected = (0 - range) % range;  // == 2^64 mod range
  for (;;) {
    uint64_t raw = generator();
    if (raw >= rejected) return raw % range;
  }
}

}  // namespace

std::vector<int64_t> epoch_permutation(int64_t size, uint64_t seed, int64_t epoch) {
  MOE_REQUIRE(size >= 0, "epoch_permutation: size ", size, " is negative");
  std::vector<int64_t> order(static_cast<size_t>(size));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::mt19937_64 generator(derive_seed(seed, static_cast<uint64_t>(epoch)));
  for (int64_t i = size - 1; i > 0; --i) {
    auto j = static_cast<int64_t>(bounded(generator, static_cast<uint64_t>(i) + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

}  // namespace moe::data
