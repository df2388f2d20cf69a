// exchange_examples moves each example, intact, to its destination rank, in source-rank
// order; ranks that send or receive nothing still take part.
#include <gtest/gtest.h>

#include "common/error.h"
#include "dist/mpi_communicator.h"
#include "train/example_exchange.h"

namespace {

using moe::data::TokenPair;

// Example i of rank r has sequences whose values encode (r, i), and a destination that
// skips rank 0 when there are several ranks (so rank 0 receives nothing).
TokenPair example(int rank, int index) {
  TokenPair pair;
  pair.a = std::vector<int32_t>(1 + index % 4, rank * 100 + index);
  pair.b = std::vector<int32_t>(2 + index % 3, -(rank * 100 + index));
  pair.label = 0.5f * index;
  pair.weight = 2.0f + rank + index;
  pair.domain = index % 3;
  return pair;
}

int destination(int rank, int index, int world) {
  return world == 1 ? 0 : 1 + (rank + index) % (world - 1);
}

TEST(ExchangeExamples, EveryExampleArrivesIntactInSourceOrder) {
  auto world = moe::dist::MpiCommunicator::world();
  const int me = world->rank(), p = world->size();
  const int count = me == p - 1 ? 0 : 5;  // the last rank sends nothing
  std::vector<TokenPair> mine;
  std::vector<int> destinations;
  for (int i = 0; i < count; ++i) {
    mine.push_back(example(me, i));
    destinations.push_back(destination(me, i, p));
  }
  const std::vector<TokenPair> received = moe::train::exchange_examples(*world, mine, destinations);

  std::vector<TokenPair> expected;
  for (int from = 0; from < p; ++from)
    for (int i = 0; i < (from == p - 1 ? 0 : 5); ++i)
      if (destination(from, i, p) == me) expected.push_back(example(from, i));
  ASSERT_EQ(received.size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(received[k].a, expected[k].a);
    EXPECT_EQ(received[k].b, expected[k].b);
    EXPECT_EQ(received[k].label, expected[k].label);
    EXPECT_EQ(received[k].domain, expected[k].domain);
    EXPECT_EQ(received[k].weight, expected[k].weight);
  }
}

TEST(ExchangeExamples, RejectsBadDestinations) {
  auto world = moe::dist::MpiCommunicator::world();
  // Checked before any communication, identically on every rank.
  EXPECT_THROW(moe::train::exchange_examples(*world, {example(0, 0)}, {world->size()}),
               moe::Error);
  EXPECT_THROW(moe::train::exchange_examples(*world, {example(0, 0)}, {}), moe::Error);
}

}  // namespace
