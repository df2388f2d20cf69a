// The small pieces of a training step, against closed forms: learning rate schedules and
// padding (the losses: contrastive_loss_test.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "support/expect_error.h"
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

TEST(LearningRateSchedule, LinearScheduleIsTheDefault) {
  for (int64_t step : {0, 4, 9, 10, 37, 55, 99, 100, 120})
    EXPECT_EQ(learning_rate_at(step, 100, 10, 0.5, LrSchedule::kLinear),
              learning_rate_at(step, 100, 10, 0.5))
        << step;
}

TEST(LearningRateSchedule, CosineWarmsUpThenFollowsHalfACosineToZero) {
  // 10 warm-up steps, then 100 steps of decay: step 10 + 100 p is at cos(pi p).
  EXPECT_DOUBLE_EQ(learning_rate_at(0, 110, 10, 2.0, LrSchedule::kCosine), 0.2);
  EXPECT_DOUBLE_EQ(learning_rate_at(9, 110, 10, 2.0, LrSchedule::kCosine), 2.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(10, 110, 10, 2.0, LrSchedule::kCosine), 2.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(35, 110, 10, 2.0, LrSchedule::kCosine),
                   1.0 + std::sqrt(2.0) / 2.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(60, 110, 10, 2.0, LrSchedule::kCosine), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(85, 110, 10, 2.0, LrSchedule::kCosine),
                   1.0 - std::sqrt(2.0) / 2.0);
  EXPECT_EQ(learning_rate_at(110, 110, 10, 2.0, LrSchedule::kCosine), 0.0);
  EXPECT_EQ(learning_rate_at(130, 110, 10, 2.0, LrSchedule::kCosine), 0.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(0, 4, 0, 1.0, LrSchedule::kCosine), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(2, 4, 0, 1.0, LrSchedule::kCosine), 0.5);
}

TEST(LearningRateSchedule, ConstantWarmsUpThenHoldsThePeak) {
  EXPECT_DOUBLE_EQ(learning_rate_at(0, 100, 4, 1.0, LrSchedule::kConstant), 0.25);
  EXPECT_DOUBLE_EQ(learning_rate_at(2, 100, 4, 1.0, LrSchedule::kConstant), 0.75);
  for (int64_t step : {3, 4, 50, 100, 200})
    EXPECT_EQ(learning_rate_at(step, 100, 4, 1.0, LrSchedule::kConstant), 1.0) << step;
  EXPECT_EQ(learning_rate_at(0, 100, 0, 3.0, LrSchedule::kConstant), 3.0);
}

TEST(LearningRateSchedule, ParsesTheThreeNamesAndNamesTheKeyOtherwise) {
  for (LrSchedule schedule : {LrSchedule::kLinear, LrSchedule::kCosine, LrSchedule::kConstant})
    EXPECT_EQ(parse_lr_schedule(to_string(schedule)), schedule);
  EXPECT_EQ(parse_lr_schedule("cosine"), LrSchedule::kCosine);
  const std::string message = testing_support::error_of([] { parse_lr_schedule("Cosine"); });
  EXPECT_MENTIONS(message, "train.schedule");
  EXPECT_MENTIONS(message, "'Cosine'");
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
