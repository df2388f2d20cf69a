// Checks TokenPacking: real tokens in row-major order, unpack puts them back with zeros at
// padding (and passes gradients), per-token values follow their sequence.
#include "model/token_packing.h"

#include <gtest/gtest.h>

namespace {

TEST(TokenPacking, PacksRealTokensAndUnpacksWithZerosAtPadding) {
  const torch::Tensor mask = torch::tensor({{1, 1, 0}, {1, 0, 0}, {1, 1, 1}}, torch::kInt64);
  const moe::model::TokenPacking packing(mask);
  EXPECT_EQ(packing.tokens(), 6);
  const torch::Tensor padded = torch::arange(18, torch::kFloat32).view({3, 3, 2});
  const torch::Tensor rows = packing.pack(padded);
  EXPECT_TRUE(torch::equal(
      rows,
      torch::tensor({{0, 1}, {2, 3}, {6, 7}, {12, 13}, {14, 15}, {16, 17}}, torch::kFloat32)));
  const torch::Tensor back = packing.unpack(rows);
  EXPECT_TRUE(torch::equal(back, padded * mask.unsqueeze(-1).to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(packing.per_token(torch::tensor({7, 8, 9}, torch::kInt64)),
                           torch::tensor({7, 7, 8, 9, 9, 9}, torch::kInt64)));
}

TEST(TokenPacking, UnpackPassesGradientsToTheRealRowsOnly) {
  const torch::Tensor mask = torch::tensor({{1, 0}, {1, 1}}, torch::kInt64);
  const moe::model::TokenPacking packing(mask);
  torch::Tensor rows = torch::ones({3, 4}, torch::requires_grad());
  (packing.unpack(rows) * 2.0).sum().backward();
  EXPECT_TRUE(torch::equal(rows.grad(), torch::full({3, 4}, 2.0)));
}

}  // namespace
