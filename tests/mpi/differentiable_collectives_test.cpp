// The autograd all-gather: forward concatenates every rank's rows; backward hands each
// rank the sum over ranks of the gradient for its own rows (checked in closed form).
#include "dist/differentiable_collectives.h"

#include <gtest/gtest.h>

#include "dist/mpi_communicator.h"

namespace {

TEST(AllGatherRowsWithGrad, GradientIsSumOverRanksOfOwnRows) {
  auto world = moe::dist::MpiCommunicator::world();
  const int me = world->rank();
  const int p = world->size();
  // Rank r owns r + 1 rows of width 2.
  torch::Tensor local = torch::full({me + 1, 2}, static_cast<float>(me), torch::requires_grad());
  torch::Tensor gathered = moe::dist::all_gather_rows_with_grad(*world, local);
  ASSERT_EQ(gathered.size(0), p * (p + 1) / 2);
  // Each rank's loss weights every gathered value by (rank + 1).
  (gathered * static_cast<float>(me + 1)).sum().backward();
  // d(total)/d(local) = sum over ranks of (rank + 1) = P(P+1)/2, for every element.
  EXPECT_TRUE(torch::equal(local.grad(), torch::full({me + 1, 2}, p * (p + 1) / 2.0f)));
}

TEST(AllGatherRowsWithGrad, RankWithNoRowsStillTakesPart) {
  auto world = moe::dist::MpiCommunicator::world();
  const int me = world->rank();
  const int64_t rows = me == 0 ? 0 : 2;
  torch::Tensor local = torch::ones({rows, 3}, torch::requires_grad());
  torch::Tensor gathered = moe::dist::all_gather_rows_with_grad(*world, local);
  EXPECT_EQ(gathered.size(0), 2 * (world->size() - 1));
  // Rank 0 has nothing of its own but its loss still reaches the others' rows.
  gathered.sum().backward();
  EXPECT_EQ(local.grad().size(0), rows);
  if (rows > 0) {
    EXPECT_TRUE(torch::equal(local.grad(), torch::full({rows, 3}, float(world->size()))));
  }
}

TEST(AllToAllRowsWithGrad, RowsReachTheirRankAndGradientsReturn) {
  auto world = moe::dist::MpiCommunicator::world();
  const int r = world->rank(), p = world->size();
  // Rank r sends d + 1 rows of value 10 r + d to rank d (rank 0 gets one row from everyone).
  std::vector<int64_t> send_rows;
  std::vector<torch::Tensor> parts;
  for (int d = 0; d < p; ++d) {
    send_rows.push_back(d + 1);
    parts.push_back(torch::full({d + 1, 3}, 10.0 * r + d));
  }
  torch::Tensor send = torch::cat(parts).requires_grad_(true);
  std::vector<int64_t> received_rows;
  torch::Tensor received =
      moe::dist::all_to_all_rows_with_grad(*world, send, send_rows, &received_rows);
  ASSERT_EQ(received_rows, std::vector<int64_t>(p, r + 1));
  ASSERT_EQ(received.size(0), p * (r + 1));
  for (int source = 0; source < p; ++source)
    EXPECT_TRUE(torch::equal(received.slice(0, source * (r + 1), (source + 1) * (r + 1)),
                             torch::full({r + 1, 3}, 10.0 * source + r)));
  // The receiver weighs its rows by (its rank + 1): each sent row's gradient says where it went.
  (received * static_cast<double>(r + 1)).sum().backward();
  int64_t offset = 0;
  for (int d = 0; d < p; ++d) {
    EXPECT_TRUE(torch::equal(send.grad().slice(0, offset, offset + d + 1),
                             torch::full({d + 1, 3}, static_cast<double>(d + 1))));
    offset += d + 1;
  }
}

TEST(AllToAllRowsWithGrad, RankSendingNothingStillTakesPart) {
  auto world = moe::dist::MpiCommunicator::world();
  const int p = world->size();
  // Only rank 0 sends (one row to every rank); the others send nothing but must join.
  std::vector<int64_t> send_rows(p, world->rank() == 0 ? 1 : 0);
  torch::Tensor send = torch::ones({world->rank() == 0 ? p : 0, 2}).requires_grad_(true);
  torch::Tensor received = moe::dist::all_to_all_rows_with_grad(*world, send, send_rows);
  EXPECT_EQ(received.size(0), 1);
  received.sum().backward();
  EXPECT_EQ(send.grad().size(0), world->rank() == 0 ? p : 0);
}

}  // namespace
