// epoch_permutation: a permutation, deterministic, different per epoch and seed, unbiased,
// and pinned so the order never changes between builds or standard libraries.
#include "data/epoch_permutation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "common/error.h"

using moe::data::epoch_permutation;

TEST(EpochPermutation, IsAPermutation) {
  for (int64_t size : {0, 1, 2, 17, 1000}) {
    std::vector<int64_t> order = epoch_permutation(size, 3, 1);
    std::sort(order.begin(), order.end());
    std::vector<int64_t> expected(static_cast<size_t>(size));
    std::iota(expected.begin(), expected.end(), int64_t{0});
    EXPECT_EQ(order, expected) << size;
  }
}

TEST(EpochPermutation, DeterministicAndDifferentPerEpochAndSeed) {
  EXPECT_EQ(epoch_permutation(1000, 7, 2), epoch_permutation(1000, 7, 2));
  EXPECT_NE(epoch_permutation(1000, 7, 2), epoch_permutation(1000, 7, 3));
  EXPECT_NE(epoch_permutation(1000, 7, 2), epoch_permutation(1000, 8, 2));
  // Pinned values: the order must not change between builds or standard libraries, or a
  // resumed run would see different examples.
  EXPECT_EQ(epoch_permutation(10, 42, 0), (std::vector<int64_t>{9, 6, 2, 0, 1, 4, 3, 8, 5, 7}));
}

TEST(EpochPermutation, Unbiased) {
  // All 6 orders of 3 elements appear about equally often over many seeds.
  std::map<std::vector<int64_t>, int> counts;
  for (uint64_t seed = 0; seed < 60000; ++seed) ++counts[epoch_permutation(3, seed, 0)];
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [order, count] : counts) EXPECT_NEAR(count, 10000, 500);
}

TEST(EpochPermutation, NegativeSizeIsAnError) {
  EXPECT_THROW(epoch_permutation(-1, 0, 0), moe::Error);
}
