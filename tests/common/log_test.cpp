// Checks the rank bookkeeping behind the log helpers.
#include "common/log.h"

#include <gtest/gtest.h>

TEST(Log, RememberRank) {
  moe::log::set_rank(3, 4);
  EXPECT_EQ(moe::log::rank(), 3);
  moe::log::set_rank(0, 1);
  EXPECT_EQ(moe::log::rank(), 0);
}
