// Every MpiCommunicator collective on 1..4 ranks, with uneven and empty row counts;
// expected values are closed-form functions of the ranks.
#include <gtest/gtest.h>

#include "common/error.h"
#include "dist/mpi_communicator.h"

namespace {

using moe::dist::MpiCommunicator;

// A row's values encode (owner rank, row index, column) so misplaced rows are caught.
float code(int rank, int64_t row, int64_t column) {
  return static_cast<float>(rank * 10000 + row * 10 + column);
}

torch::Tensor rows_of(int rank, int64_t rows, int64_t columns = 3) {
  torch::Tensor t = torch::empty({rows, columns});
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t c = 0; c < columns; ++c) t[i][c] = code(rank, i, c);
  return t;
}

TEST(MpiCommunicator, AllReduceSumAddsEveryRank) {
  auto world = MpiCommunicator::world();
  torch::Tensor t = torch::full({5}, static_cast<double>(world->rank() + 1), torch::kFloat64);
  world->all_reduce_sum(t);
  const int p = world->size();
  EXPECT_TRUE(torch::equal(t, torch::full({5}, p * (p + 1) / 2.0, torch::kFloat64)));
}

TEST(MpiCommunicator, AllGatherRowsWithUnevenAndEmptyContributions) {
  auto world = MpiCommunicator::world();
  // Rank r contributes r rows, so rank 0 contributes none.
  torch::Tensor gathered = world->all_gather_rows(rows_of(world->rank(), world->rank()));
  std::vector<torch::Tensor> expected;
  for (int r = 0; r < world->size(); ++r) expected.push_back(rows_of(r, r));
  EXPECT_TRUE(torch::equal(gathered, torch::cat(expected)));
}

TEST(MpiCommunicator, ReduceScatterRowsSumsEachRanksSlice) {
  auto world = MpiCommunicator::world();
  std::vector<int64_t> rows_per_rank;
  int64_t total = 0;
  for (int r = 0; r < world->size(); ++r) {
    rows_per_rank.push_back(r % 2 == 0 ? 2 : 1);
    total += rows_per_rank.back();
  }
  // Every rank holds the same values times (rank + 1); the sum is values * P(P+1)/2.
  torch::Tensor base = torch::arange(total * 2, torch::kFloat32).reshape({total, 2});
  torch::Tensor mine = world->reduce_scatter_rows(base * (world->rank() + 1), rows_per_rank);
  int64_t offset = 0;
  for (int r = 0; r < world->rank(); ++r) offset += rows_per_rank[r];
  const int p = world->size();
  EXPECT_TRUE(torch::equal(mine, base.slice(0, offset, offset + rows_per_rank[world->rank()]) *
                                     (p * (p + 1) / 2.0f)));
}

TEST(MpiCommunicator, AllToAllRowsDeliversEachBlockToItsRank) {
  auto world = MpiCommunicator::world();
  const int me = world->rank();
  const int p = world->size();
  auto rows_from_to = [](int from, int to) { return static_cast<int64_t>((from + 2 * to) % 3); };
  std::vector<int64_t> send_rows;
  std::vector<torch::Tensor> blocks;
  for (int to = 0; to < p; ++to) {
    send_rows.push_back(rows_from_to(me, to));
    blocks.push_back(rows_of(me * 100 + to, send_rows.back()));
  }
  torch::Tensor received = world->all_to_all_rows(torch::cat(blocks), send_rows);
  std::vector<torch::Tensor> expected;
  for (int from = 0; from < p; ++from)
    expected.push_back(rows_of(from * 100 + me, rows_from_to(from, me)));
  EXPECT_TRUE(torch::equal(received, torch::cat(expected)));
}

TEST(MpiCommunicator, AllToAllRowsRejectsWrongCounts) {
  auto world = MpiCommunicator::world();
  std::vector<int64_t> send_rows(world->size(), 1);
  EXPECT_THROW(world->all_to_all_rows(torch::zeros({world->size() + 1, 2}), send_rows),
               moe::Error);
}

TEST(MpiCommunicator, GatherRowsOnRoot) {
  auto world = MpiCommunicator::world();
  torch::Tensor gathered = world->gather_rows(rows_of(world->rank(), 2), 0);
  if (world->rank() == 0) {
    std::vector<torch::Tensor> expected;
    for (int r = 0; r < world->size(); ++r) expected.push_back(rows_of(r, 2));
    EXPECT_TRUE(torch::equal(gathered, torch::cat(expected)));
  } else {
    EXPECT_EQ(gathered.numel(), 0);
  }
}

TEST(MpiCommunicator, BroadcastFromLastRank) {
  auto world = MpiCommunicator::world();
  const int root = world->size() - 1;
  torch::Tensor t = world->rank() == root ? torch::arange(6, torch::kInt64)
                                          : torch::zeros({6}, torch::kInt64);
  world->broadcast(t, root);
  EXPECT_TRUE(torch::equal(t, torch::arange(6, torch::kInt64)));
}

TEST(MpiCommunicator, SplitFormsIndependentGroups) {
  auto world = MpiCommunicator::world();
  auto group = world->split(world->rank() % 2, world->rank());
  EXPECT_EQ(group->size(), (world->size() + 1 - world->rank() % 2) / 2);
  EXPECT_EQ(group->rank(), world->rank() / 2);
  torch::Tensor t = torch::full({1}, static_cast<int64_t>(world->rank()), torch::kInt64);
  group->all_reduce_sum(t);
  int64_t expected = 0;
  for (int r = world->rank() % 2; r < world->size(); r += 2) expected += r;
  EXPECT_EQ(t.item<int64_t>(), expected);
}

TEST(MpiCommunicator, StatsCountCallsAndBytes) {
  auto world = MpiCommunicator::world();
  world->reset_stats();
  torch::Tensor t = torch::zeros({256}, torch::kFloat32);
  world->all_reduce_sum(t);
  EXPECT_EQ(world->stats().calls, 1);
  EXPECT_EQ(world->stats().bytes_sent, 256 * 4);
  EXPECT_GE(world->stats().seconds, 0.0);
}

TEST(MpiCommunicator, RejectsNonContiguousTensors) {
  auto world = MpiCommunicator::world();
  torch::Tensor t = torch::zeros({4, 4}).t();
  EXPECT_THROW(world->all_reduce_sum(t), moe::Error);
}

}  // namespace
