// The progress line's text in closed form, and the bar's output to a non-terminal stream.
#include "common/progress_bar.h"

#include <gtest/gtest.h>

#include <cstdio>

TEST(ProgressBar, RendersBarPercentRateAndEta) {
  EXPECT_EQ(moe::render_progress("tokenize", 500, 1000, 2.0, 10),
            "tokenize [#####.....]  50%  500/1000  250.0/s  eta 2s");
  EXPECT_EQ(moe::render_progress("write", 1000, 1000, 4.0, 4),
            "write [####] 100%  1000/1000  250.0/s  eta 0s");
  EXPECT_EQ(moe::render_progress("slow", 1, 7201, 1.0, 2),
            "slow [..]   0%  1/7201  1.0/s  eta 2h00m");
  EXPECT_EQ(moe::render_progress("x", 0, 10, 0.0, 2), "x [..]   0%  0/10  0.0/s  eta ?");
}

TEST(ProgressBar, RendersCountWithoutTotal) {
  EXPECT_EQ(moe::render_progress("rows", 300, 0, 3.0), "rows 300  100.0/s");
}

TEST(ProgressBar, WritesAFinalLineToAFile) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    moe::ProgressBar bar("pairs", 3, file);
    bar.advance(2);
    bar.advance();
  }  // the destructor finishes the line
  std::rewind(file);
  char buffer[256] = {0};
  ASSERT_NE(std::fgets(buffer, sizeof(buffer), file), nullptr);
  EXPECT_EQ(std::string(buffer).rfind("pairs [", 0), 0u) << buffer;
  EXPECT_NE(std::string(buffer).find("3/3"), std::string::npos) << buffer;
  std::fclose(file);
}
