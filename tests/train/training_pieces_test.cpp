// The small pieces of a training step, against closed forms: MNR loss, cosine, learning
// rate schedule, and padding.
#include <gtest/gtest.h>

#include <cmath>

#include "train/learning_rate_schedule.h"
#include "train/mnr_loss.h"
#include "train/token_batch.h"

namespace moe::train {
namespace {

TEST(MnrLoss, MatchesHandComputedCrossEntropy) {
  // Two anchors, two candidates; unit vectors so cosines are dot products.
  torch::Tensor anchors = torch::tensor({{1.0f, 0.0f}, {0.0f, 2.0f}});
  torch::Tensor candidates = torch::tensor({{1.0f, 0.0f}, {0.6f, 0.8f}});
  torch::Tensor targets = torch::tensor({0, 1}, torch::kInt64);
  const double scale = 20.0;
  // Anchor 0: cosines (1, 0.6) target 0; anchor 1: cosines (0, 0.8) target 1.
  auto ce = [&](double own, double other) {
    return -std::log(std::exp(scale * own) / (std::exp(scale * own) + std::exp(scale * other)));
  };
  const double expected = ce(1.0, 0.6) + ce(0.8, 0.0);
  EXPECT_NEAR(mnr_loss_sum(anchors, candidates, targets, scale).item<double>(), expected, 1e-5);
}

TEST(MnrLoss, IgnoresCandidateOrderWhenTargetsFollow) {
  torch::manual_seed(3);
  torch::Tensor anchors = torch::randn({4, 5});
  torch::Tensor candidates = torch::randn({6, 5});
  torch::Tensor targets = torch::tensor({0, 2, 4, 5}, torch::kInt64);
  torch::Tensor order = torch::tensor({5, 4, 3, 2, 1, 0}, torch::kInt64);
  torch::Tensor moved_targets = torch::tensor({5, 3, 1, 0}, torch::kInt64);
  EXPECT_NEAR(
      mnr_loss_sum(anchors, candidates, targets, 20.0).item<double>(),
      mnr_loss_sum(anchors, candidates.index_select(0, order), moved_targets, 20.0).item<double>(),
      1e-4);
}

TEST(MnrLoss, SameDomainNegativesEqualTheLossOverEachDomainAlone) {
  torch::manual_seed(5);
  const torch::Tensor anchors = torch::randn({6, 8});
  const torch::Tensor candidates = torch::randn({6, 8});
  const torch::Tensor targets = torch::arange(6, torch::kInt64);
  const torch::Tensor domains = torch::tensor({0, 1, 0, 2, 1, 0}, torch::kInt64);
  const double masked =
      mnr_loss_sum(anchors, candidates, targets, 20.0, domains, domains).item<double>();
  double per_domain = 0.0;
  for (int64_t d = 0; d < 3; ++d) {
    const torch::Tensor rows = (domains == d).nonzero().squeeze(1);
    per_domain += mnr_loss_sum(anchors.index_select(0, rows), candidates.index_select(0, rows),
                               torch::arange(rows.size(0), torch::kInt64), 20.0)
                      .item<double>();
  }
  EXPECT_NEAR(masked, per_domain, 1e-4);
  // Fewer negatives: a smaller loss than with every pair of the batch.
  EXPECT_LT(masked, mnr_loss_sum(anchors, candidates, targets, 20.0).item<double>());
}

TEST(PairwiseCosine, ClosedForm) {
  torch::Tensor a = torch::tensor({{3.0f, 4.0f}, {1.0f, 0.0f}});
  torch::Tensor b = torch::tensor({{4.0f, 3.0f}, {-2.0f, 0.0f}});
  torch::Tensor cosine = pairwise_cosine(a, b);
  EXPECT_NEAR(cosine[0].item<float>(), 24.0f / 25.0f, 1e-6);
  EXPECT_NEAR(cosine[1].item<float>(), -1.0f, 1e-6);
}

TEST(LearningRateSchedule, WarmsUpThenDecaysLinearlyToZero) {
  EXPECT_DOUBLE_EQ(learning_rate_at(0, 100, 10, 1.0), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate_at(9, 100, 10, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(10, 100, 10, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(55, 100, 10, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(learning_rate_at(100, 100, 10, 1.0), 0.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(0, 10, 0, 2.0), 2.0);
}

TEST(PadSequences, PadsToLongestWithMask) {
  const std::vector<int32_t> a{5, 6, 7}, b{8}, empty;
  const TokenBatch batch = pad_sequences({&a, &b, &empty}, 0);
  EXPECT_TRUE(torch::equal(batch.input_ids,
                           torch::tensor({{5, 6, 7}, {8, 0, 0}, {0, 0, 0}}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(batch.attention_mask,
                           torch::tensor({{1, 1, 1}, {1, 0, 0}, {0, 0, 0}}, torch::kInt64)));
  const TokenBatch none = pad_sequences({}, 0);
  EXPECT_EQ(none.input_ids.size(0), 0);
  EXPECT_EQ(none.input_ids.size(1), 1);
}

}  // namespace
}  // namespace moe::train
