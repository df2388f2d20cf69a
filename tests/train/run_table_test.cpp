// The start-up table: every fact appears, counts add up, parameter totals include every
// expert once.
#include "train/run_table.h"

#include <gtest/gtest.h>

#include "support/expect_error.h"

namespace moe::train {
namespace {

RunFacts sample() {
  RunFacts f;
  f.ranks = 2;
  f.device = "cpu";
  f.hosts = "node1 -> rank 0; node2 -> rank 1";
  f.global_batch = 64;
  f.steps = 400;
  f.warmup_steps = 20;
  f.lr = 0.001;
  f.schedule = "linear";
  f.loss = "mnr";
  f.dispatch = "data";
  f.hidden = 64;
  f.layers = 2;
  f.heads = 4;
  f.vocabulary = 869;
  f.expert_layers = "0,1";
  f.shared_parameters = 1234567;
  f.parameters_per_expert = 33088;
  f.domains = {{"cardio", 1000, 200, 666, "0"}, {"pulmo", 900, 180, 582, "1"}};
  return f;
}

TEST(RunTable, ListsTheRunTheModelAndEveryDomain) {
  const std::string table = format_run_table(sample());
  EXPECT_MENTIONS(table, "2 rank(s) on cpu, global batch 64 pairs (32 per rank), 400 steps");
  EXPECT_MENTIONS(table, "loss mnr, dispatch data");
  EXPECT_MENTIONS(table, "\nhosts:  node1 -> rank 0; node2 -> rank 1\n");
  // 1,234,567 + 2 x 33,088 = 1,300,743.
  EXPECT_MENTIONS(table, "1,300,743 parameters (shared 1,234,567 + 2 experts x 33,088");
  EXPECT_MENTIONS(table, "cardio");
  EXPECT_MENTIONS(table, "pulmo");
  EXPECT_MENTIONS(table, "total                   1900      380     1248");
}

TEST(RunTable, DenseModelHasNoExpertColumn) {
  RunFacts f = sample();
  f.expert_layers.clear();
  const std::string table = format_run_table(f);
  EXPECT_MENTIONS(table, "1,234,567 parameters (one dense model)");
  EXPECT_EQ(table.find("expert on rank"), std::string::npos);
  EXPECT_EQ(table.find("dispatch"), std::string::npos);
}

}  // namespace
}  // namespace moe::train
