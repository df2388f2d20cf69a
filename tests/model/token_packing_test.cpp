// Checks TokenPacking: rows ordered by expert slot then length (longest first), unpack puts
// them back with zeros at padding (and passes gradients), per-token values follow their
// sequence, expert row blocks, and attention groups padded to their own longest sequence,
// mixing experts through the attention order.
#include "model/token_packing.h"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using moe::model::AttentionGroup;
using moe::model::TokenPacking;

TEST(TokenPacking, PacksLongestSequencesFirstAndUnpacksWithZerosAtPadding) {
  const torch::Tensor mask = torch::tensor({{1, 1, 0}, {1, 0, 0}, {1, 1, 1}}, torch::kInt64);
  const TokenPacking packing(mask);
  EXPECT_EQ(packing.tokens(), 6);
  const torch::Tensor padded = torch::arange(18, torch::kFloat32).view({3, 3, 2});
  const torch::Tensor rows = packing.pack(padded);
  EXPECT_TRUE(torch::equal(
      rows,
      torch::tensor({{12, 13}, {14, 15}, {16, 17}, {0, 1}, {2, 3}, {6, 7}}, torch::kFloat32)));
  const torch::Tensor back = packing.unpack(rows);
  EXPECT_TRUE(torch::equal(back, padded * mask.unsqueeze(-1).to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(packing.per_token(torch::tensor({7, 8, 9}, torch::kInt64)),
                           torch::tensor({9, 9, 9, 7, 7, 8}, torch::kInt64)));
  EXPECT_TRUE(packing.expert_rows().empty());
  ASSERT_EQ(packing.attention_groups().size(), 1u);
  const AttentionGroup& group = packing.attention_groups()[0];
  EXPECT_EQ(group.rows, 6);
  EXPECT_EQ(group.sequences, 3);
  EXPECT_EQ(group.length, 3);
}

TEST(TokenPacking, EachExpertsRowsFormOneBlockAndGroupsFollowLengthAcrossExperts) {
  // Lengths 2, 3, 1, 3; slots 1, 0, 1, 0: by length the order is the row order already.
  const torch::Tensor mask =
      torch::tensor({{1, 1, 0}, {1, 1, 1}, {1, 0, 0}, {1, 1, 1}}, torch::kInt64);
  const TokenPacking packing(mask, torch::tensor({1, 0, 1, 0}, torch::kInt64), 2);
  EXPECT_EQ(packing.expert_rows(), (std::vector<int64_t>{6, 3}));
  EXPECT_TRUE(torch::equal(packing.per_token(torch::tensor({10, 11, 12, 13}, torch::kInt64)),
                           torch::tensor({11, 11, 11, 13, 13, 13, 10, 10, 12}, torch::kInt64)));
  const torch::Tensor rows = torch::randn({9, 2});
  EXPECT_TRUE(packing.to_attention_order(rows).is_same(rows));  // no permutation needed
  const auto& groups = packing.attention_groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].first_row, 0);
  EXPECT_EQ(groups[0].rows, 6);
  EXPECT_EQ(groups[0].length, 3);
  EXPECT_EQ(groups[1].first_row, 6);
  EXPECT_EQ(groups[1].rows, 3);
  EXPECT_EQ(groups[1].sequences, 2);
  EXPECT_EQ(groups[1].length, 2);  // padded to its own longest, not the batch's 3
  EXPECT_TRUE(torch::equal(groups[1].key_mask, torch::tensor({{1, 1}, {1, 0}}, torch::kInt64)));
}

TEST(TokenPacking, GroupsMixExpertsThroughTheAttentionOrder) {
  // Lengths 3, 1, 2; slots 1, 0, 0. Rows: slot 0 (sequence 2, then 1), then slot 1
  // (sequence 0); by length: sequences 0, 2 | 1.
  const torch::Tensor mask = torch::tensor({{1, 1, 1}, {1, 0, 0}, {1, 1, 0}}, torch::kInt64);
  const TokenPacking packing(mask, torch::tensor({1, 0, 0}, torch::kInt64), 2);
  EXPECT_EQ(packing.expert_rows(), (std::vector<int64_t>{3, 3}));
  const auto& groups = packing.attention_groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].sequences, 2);
  EXPECT_EQ(groups[0].length, 3);
  EXPECT_EQ(groups[0].rows, 5);
  EXPECT_EQ(groups[1].first_row, 5);
  EXPECT_EQ(groups[1].length, 1);

  // Row values say which sequence and token they are: 10 * sequence + token.
  const torch::Tensor padded =
      (torch::arange(3).view({3, 1}) * 10 + torch::arange(3)).to(torch::kFloat32).unsqueeze(-1);
  torch::Tensor rows = packing.pack(padded).detach().requires_grad_(true);
  EXPECT_TRUE(torch::equal(rows.squeeze(1), torch::tensor({20, 21, 10, 0, 1, 2}, torch::kFloat32)));
  const torch::Tensor ordered = packing.to_attention_order(rows);
  EXPECT_TRUE(
      torch::equal(ordered.squeeze(1), torch::tensor({0, 1, 2, 20, 21, 10}, torch::kFloat32)));
  EXPECT_TRUE(torch::equal(groups[0].unpack(ordered.slice(0, 0, 5)).squeeze(-1),
                           torch::tensor({{0, 1, 2}, {20, 21, 0}}, torch::kFloat32)));
  EXPECT_TRUE(torch::equal(packing.from_attention_order(ordered), rows));
  // Gradients come back to each row's own place.
  (packing.to_attention_order(rows) * torch::arange(6).unsqueeze(1)).sum().backward();
  EXPECT_TRUE(
      torch::equal(rows.grad().squeeze(1), torch::tensor({3, 4, 5, 0, 1, 2}, torch::kFloat32)));
}

TEST(TokenPacking, GroupsHoldAtMostTheGivenSequencesAndRoundTripTheirRows) {
  const torch::Tensor lengths = torch::tensor({5, 1, 4, 2, 3}, torch::kInt64);
  const torch::Tensor mask =
      (torch::arange(6).unsqueeze(0) < lengths.unsqueeze(1)).to(torch::kInt64);
  const TokenPacking packing(mask, torch::Tensor(), 2);
  const auto& groups = packing.attention_groups();
  ASSERT_EQ(groups.size(), 3u);
  const std::vector<int64_t> expected_lengths = {5, 3, 1}, expected_rows = {9, 5, 1};
  int64_t next_row = 0;
  const torch::Tensor rows = torch::randn({packing.tokens(), 3});
  for (size_t g = 0; g < groups.size(); ++g) {
    EXPECT_EQ(groups[g].first_row, next_row);
    EXPECT_EQ(groups[g].length, expected_lengths[g]);
    EXPECT_EQ(groups[g].rows, expected_rows[g]);
    next_row += groups[g].rows;
    const torch::Tensor mine = rows.slice(0, groups[g].first_row, next_row);
    const torch::Tensor padded = groups[g].unpack(mine);
    EXPECT_EQ(padded.sizes(), (std::vector<int64_t>{groups[g].sequences, groups[g].length, 3}));
    EXPECT_TRUE(torch::equal(groups[g].pack(padded), mine));
    // Zeros exactly where the key mask says padding.
    EXPECT_TRUE(torch::equal(padded.abs().sum(2) != 0, groups[g].key_mask != 0));
  }
  EXPECT_EQ(next_row, packing.tokens());
}

TEST(TokenPacking, EmptySequencesHaveNoRowsAndNoGroup) {
  const TokenPacking packing(torch::tensor({{0, 0}, {1, 0}}, torch::kInt64));
  EXPECT_EQ(packing.tokens(), 1);
  ASSERT_EQ(packing.attention_groups().size(), 1u);
  EXPECT_EQ(packing.attention_groups()[0].sequences, 1);
  const TokenPacking empty(torch::zeros({0, 4}, torch::kInt64));
  EXPECT_EQ(empty.tokens(), 0);
  EXPECT_TRUE(empty.attention_groups().empty());
}

TEST(TokenPacking, UnpackPassesGradientsToTheRealRowsOnly) {
  const torch::Tensor mask = torch::tensor({{1, 0}, {1, 1}}, torch::kInt64);
  const TokenPacking packing(mask);
  torch::Tensor rows = torch::ones({3, 4}, torch::requires_grad());
  (packing.unpack(rows) * 2.0).sum().backward();
  EXPECT_TRUE(torch::equal(rows.grad(), torch::full({3, 4}, 2.0)));
}

TEST(TokenPacking, PaddingIsZeroInReusedMemoryBothWaysAndPackPassesGradientsBack) {
  const torch::Tensor mask = torch::tensor({{1, 1, 0, 0}, {1, 1, 1, 0}}, torch::kInt64);
  const TokenPacking packing(mask);
  const AttentionGroup& group = packing.attention_groups().at(0);
  const torch::Tensor real = mask.unsqueeze(-1).to(torch::kFloat32).expand({2, 4, 5});
  // The group's layout: longest first, padded to 3.
  const torch::Tensor group_real =
      group.key_mask.unsqueeze(-1).to(torch::kFloat32).expand({2, 3, 5});
  for (int round = 0; round < 3; ++round) {
    // Freed NaN blocks of the same size: the allocator hands them out again.
    { torch::Tensor garbage = torch::full({8, 5}, std::nan("")); }
    torch::Tensor rows = torch::ones({packing.tokens(), 5}, torch::requires_grad());
    const torch::Tensor padded = packing.unpack(rows);
    EXPECT_TRUE(torch::equal(padded, real));
    { torch::Tensor garbage = torch::full({8, 5}, std::nan("")); }
    EXPECT_TRUE(torch::equal(group.unpack(rows.detach()), group_real));
    // The gather's backward: each real row's gradient in its place, zeros at padding.
    torch::Tensor source = torch::full({2, 4, 5}, 3.0, torch::requires_grad());
    { torch::Tensor garbage = torch::full({8, 5}, std::nan("")); }
    (packing.pack(source) * 2.0).sum().backward();
    EXPECT_TRUE(torch::equal(source.grad(), real * 2.0));
    torch::Tensor group_source = torch::full({2, 3, 5}, 1.0, torch::requires_grad());
    group.pack(group_source).sum().backward();
    EXPECT_TRUE(torch::equal(group_source.grad(), group_real));
  }
}

}  // namespace
