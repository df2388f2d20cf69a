// The small pieces of a training step, against closed forms: learning rate schedule and
// padding (the losses: contrastive_loss_test.cpp).
#include <gtest/gtest.h>

#include "train/learning_rate_schedule.h"
#include "train/token_batch.h"

namespace moe::train {
namespace {

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
