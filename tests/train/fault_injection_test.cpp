// The fault switches the reliability tests drive moe_train with: each variable is read as
// documented, a malformed value is an error naming the variable, and nothing happens on the
// ranks and steps not named.
#include "train/fault_injection.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "support/expect_error.h"

namespace moe::train {
namespace {

using testing_support::error_of;

// Sets the fault variables for one test and clears them afterwards.
class FaultInjection : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name : {"MOE_FAULT_NONFINITE_STEPS", "MOE_FAULT_KILL_RANK",
                             "MOE_FAULT_STALL_RANK", "MOE_FAULT_KILL_IN_CHECKPOINT"})
      unsetenv(name);
  }
  static void set(const char* name, const char* value) { setenv(name, value, 1); }
};

TEST_F(FaultInjection, NothingIsRequestedByDefault) {
  const FaultPlan plan = requested_faults();
  EXPECT_TRUE(plan.nonfinite_steps.empty());
  EXPECT_FALSE(plan.kill.has_value());
  EXPECT_FALSE(plan.stall.has_value());
  EXPECT_EQ(plan.kill_in_checkpoint_step, 0);
  EXPECT_FALSE(static_cast<bool>(checkpoint_fault_hook(plan, 4)));
}

TEST_F(FaultInjection, ReadsEveryVariable) {
  set("MOE_FAULT_NONFINITE_STEPS", "3,5");
  set("MOE_FAULT_KILL_RANK", "1:7");
  set("MOE_FAULT_STALL_RANK", "0:2");
  set("MOE_FAULT_KILL_IN_CHECKPOINT", "4");
  const FaultPlan plan = requested_faults();
  EXPECT_EQ(plan.nonfinite_steps, (std::vector<int64_t>{3, 5}));
  ASSERT_TRUE(plan.kill.has_value());
  EXPECT_EQ(plan.kill->rank, 1);
  EXPECT_EQ(plan.kill->step, 7);
  ASSERT_TRUE(plan.stall.has_value());
  EXPECT_EQ(plan.stall->rank, 0);
  EXPECT_EQ(plan.stall->step, 2);
  EXPECT_EQ(plan.kill_in_checkpoint_step, 4);
  // Only step 4's checkpoint carries the kill.
  EXPECT_TRUE(static_cast<bool>(checkpoint_fault_hook(plan, 4)));
  EXPECT_FALSE(static_cast<bool>(checkpoint_fault_hook(plan, 2)));
  // Other ranks and steps go on untouched (returning is all there is to see).
  act_on_rank_faults(plan, 0, 7);
  act_on_rank_faults(plan, 1, 6);
  act_on_rank_faults(plan, 1, 2);
}

TEST_F(FaultInjection, MalformedValuesNameTheVariable) {
  set("MOE_FAULT_NONFINITE_STEPS", "3,x");
  EXPECT_MENTIONS(error_of([] { requested_faults(); }), "MOE_FAULT_NONFINITE_STEPS: 'x'");
  unsetenv("MOE_FAULT_NONFINITE_STEPS");
  for (const char* bad : {"1", "1:", ":3", "a:3", "1:0", "-1:3", "1:3:5"}) {
    set("MOE_FAULT_KILL_RANK", bad);
    EXPECT_MENTIONS(error_of([] { requested_faults(); }), "MOE_FAULT_KILL_RANK: '");
  }
  unsetenv("MOE_FAULT_KILL_RANK");
  set("MOE_FAULT_STALL_RANK", "one:two");
  EXPECT_MENTIONS(error_of([] { requested_faults(); }), "is not RANK:STEP");
  unsetenv("MOE_FAULT_STALL_RANK");
  set("MOE_FAULT_KILL_IN_CHECKPOINT", "2,4");
  EXPECT_MENTIONS(error_of([] { requested_faults(); }),
                  "MOE_FAULT_KILL_IN_CHECKPOINT: want one step");
}

}  // namespace
}  // namespace moe::train
