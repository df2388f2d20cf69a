// The autograd all-gather: forward concatenates every rank's rows; backward hands each
// rank the sum over ranks of the gradient for its own rows (checked in closed form).
#include <gtest/gtest.h>

#include "dist/differentiable_collectives.h"
#include "dist/mpi_communicator.h"

namespace {

TEST(AllGatherRowsWithGrad, GradientIsSumOverRanksOfOwnRows) {
  auto world = moe::dist::MpiCommunicator::world();
  const int me = world->rank();
  const int p = world->size();
  // Rank r owns r + 1 rows of width 2.
  torch::Tensor local =
      torch::full({me + 1, 2}, static_cast<float>(me), torch::requires_grad());
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

}  // namespace
