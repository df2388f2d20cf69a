// Checks the per-rank batch sampler: ranks partition the one-rank global batch, epochs are
// permutations, the sequence is deterministic and portable, and restore() resumes exactly.
#include "data/pair_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "common/error.h"
#include "support/expect_error.h"  // EXPECT_MENTIONS

using moe::data::epoch_permutation;
using moe::data::PairSampler;

namespace {

// The global batches of `steps` steps as a single rank sees them.
std::vector<std::vector<int64_t>> global_batches(int64_t size, int64_t batch, uint64_t seed,
                                                 int steps) {
  PairSampler sampler(size, batch, 0, 1, seed);
  std::vector<std::vector<int64_t>> batches;
  for (int s = 0; s < steps; ++s) batches.push_back(sampler.next_batch());
  return batches;
}

std::string error_of(int64_t size, int64_t batch, int rank, int world) {
  try {
    PairSampler sampler(size, batch, rank, world, 1);
  } catch (const moe::Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a moe::Error";
  return "";
}

}  // namespace

TEST(PairSampler, RanksPartitionTheGlobalBatch) {
  // 12 is divisible by 1..4; 29 examples make batches cross epoch boundaries.
  for (int64_t size : {29, 48, 5}) {
    const auto expected = global_batches(size, 12, 99, 20);
    for (int world = 1; world <= 4; ++world) {
      std::vector<PairSampler> ranks;
      for (int r = 0; r < world; ++r) ranks.emplace_back(size, 12, r, world, 99);
      for (int step = 0; step < 20; ++step) {
        std::vector<int64_t> joined;
        for (PairSampler& rank : ranks) {
          std::vector<int64_t> slice = rank.next_batch();
          EXPECT_EQ(static_cast<int>(slice.size()), 12 / world);
          joined.insert(joined.end(), slice.begin(), slice.end());
        }
        EXPECT_EQ(joined, expected[static_cast<size_t>(step)])
            << "size " << size << " world " << world << " step " << step;
      }
    }
  }
}

TEST(PairSampler, SlicesAreDisjoint) {
  // 48 = 4 batches of 12: no batch crosses an epoch, so no index can repeat within a step.
  for (int world = 2; world <= 4; ++world) {
    std::vector<PairSampler> ranks;
    for (int r = 0; r < world; ++r) ranks.emplace_back(48, 12, r, world, 5);
    for (int step = 0; step < 12; ++step) {
      std::set<int64_t> seen;
      for (PairSampler& rank : ranks) {
        for (int64_t index : rank.next_batch()) {
          EXPECT_TRUE(seen.insert(index).second) << "index " << index << " twice in step " << step;
        }
      }
      EXPECT_EQ(seen.size(), 12u);
    }
  }
}

TEST(PairSampler, EveryIndexOncePerEpoch) {
  // Concatenated global batches are the epoch permutations back to back.
  for (int64_t size : {100, 103, 7}) {
    PairSampler sampler(size, 8, 0, 1, 2024);
    std::vector<int64_t> stream;
    while (static_cast<int64_t>(stream.size()) < 3 * size) {
      std::vector<int64_t> batch = sampler.next_batch();
      stream.insert(stream.end(), batch.begin(), batch.end());
    }
    for (int64_t epoch = 0; epoch < 3; ++epoch) {
      std::vector<int64_t> part(stream.begin() + epoch * size, stream.begin() + (epoch + 1) * size);
      EXPECT_EQ(part, epoch_permutation(size, 2024, epoch)) << "size " << size;
      std::sort(part.begin(), part.end());
      std::vector<int64_t> all(static_cast<size_t>(size));
      std::iota(all.begin(), all.end(), 0);
      EXPECT_EQ(part, all) << "size " << size << " epoch " << epoch;
    }
    EXPECT_NE(epoch_permutation(size, 2024, 0), epoch_permutation(size, 2024, 1));
  }
}

TEST(PairSampler, Deterministic) {
  EXPECT_EQ(global_batches(1000, 32, 7, 50), global_batches(1000, 32, 7, 50));
  EXPECT_NE(global_batches(1000, 32, 7, 5), global_batches(1000, 32, 8, 5));
  // Pinned values: the order must not change between builds or standard libraries, or a
  // resumed run would see different examples.
  EXPECT_EQ(epoch_permutation(10, 42, 0), (std::vector<int64_t>{9, 6, 2, 0, 1, 4, 3, 8, 5, 7}));
}

TEST(PairSampler, EpochAndStep) {
  PairSampler sampler(10, 4, 1, 2, 3);
  EXPECT_EQ(sampler.local_batch_size(), 2);
  EXPECT_EQ(sampler.step(), 0);
  EXPECT_EQ(sampler.epoch(), 0);
  sampler.next_batch();
  sampler.next_batch();
  EXPECT_EQ(sampler.step(), 2);
  EXPECT_EQ(sampler.epoch(), 0);
  sampler.next_batch();  // positions 8..11 cross into epoch 1
  EXPECT_EQ(sampler.step(), 3);
  EXPECT_EQ(sampler.epoch(), 1);
  EXPECT_EQ(sampler.state().position, 2);
}

TEST(PairSampler, BatchLargerThanDataset) {
  PairSampler sampler(3, 8, 0, 1, 11);
  std::vector<int64_t> batch = sampler.next_batch();
  ASSERT_EQ(batch.size(), 8u);
  std::vector<int64_t> expected;
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    std::vector<int64_t> order = epoch_permutation(3, 11, epoch);
    expected.insert(expected.end(), order.begin(), order.end());
  }
  expected.resize(8);
  EXPECT_EQ(batch, expected);
  EXPECT_EQ(sampler.epoch(), 2);
  EXPECT_EQ(sampler.state().position, 2);
}

TEST(PairSampler, RestoreContinuesIdentically) {
  PairSampler original(97, 12, 1, 3, 31);
  for (int i = 0; i < 13; ++i) original.next_batch();
  PairSampler::State state = original.state();

  PairSampler resumed(97, 12, 1, 3, 31);
  resumed.restore(state);
  EXPECT_EQ(resumed.step(), original.step());
  for (int i = 0; i < 30; ++i) EXPECT_EQ(resumed.next_batch(), original.next_batch()) << i;

  // The state does not depend on the rank count: resume a 3-rank run on 4 ranks and the
  // global batches are those of an uninterrupted single-rank run.
  PairSampler reference(97, 12, 0, 1, 31);
  for (int i = 0; i < 13; ++i) reference.next_batch();
  std::vector<PairSampler> ranks;
  for (int r = 0; r < 4; ++r) {
    ranks.emplace_back(97, 12, r, 4, 31);
    ranks.back().restore(state);
  }
  for (int step = 0; step < 10; ++step) {
    std::vector<int64_t> joined;
    for (PairSampler& rank : ranks) {
      std::vector<int64_t> slice = rank.next_batch();
      joined.insert(joined.end(), slice.begin(), slice.end());
    }
    EXPECT_EQ(joined, reference.next_batch()) << step;
  }
}

TEST(PairSampler, UnbiasedOrder) {
  // All 6 orders of 3 elements appear about equally often over many seeds.
  std::map<std::vector<int64_t>, int> counts;
  for (uint64_t seed = 0; seed < 60000; ++seed) ++counts[epoch_permutation(3, seed, 0)];
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [order, count] : counts) {
    EXPECT_NEAR(count, 10000, 500);
  }
}

TEST(PairSampler, Errors) {
  std::string message = error_of(100, 10, 0, 4);
  EXPECT_MENTIONS(message, "global batch size 10");
  EXPECT_MENTIONS(message, "not a multiple of the number of ranks (4)");
  EXPECT_MENTIONS(error_of(100, 8, 4, 4), "rank 4");
  EXPECT_MENTIONS(error_of(100, 8, -1, 4), "rank -1");
  EXPECT_MENTIONS(error_of(0, 8, 0, 1), "empty");
  EXPECT_MENTIONS(error_of(100, 0, 0, 1), "batch size 0");
  EXPECT_MENTIONS(error_of(100, 8, 0, 0), "world size 0");

  PairSampler sampler(10, 2, 0, 1, 0);
  try {
    sampler.restore({0, 10});
    ADD_FAILURE() << "expected a moe::Error";
  } catch (const moe::Error& error) {
    EXPECT_MENTIONS(std::string(error.what()), "position 10");
  }
}
