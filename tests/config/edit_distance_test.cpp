// Checks the edit distance and the "did you mean" choice behind unknown-key errors.
#include "config/edit_distance.h"

#include <gtest/gtest.h>

namespace moe::config {
namespace {

const std::vector<std::string> kKeys = {
    "run.dir",         "run.seed",          "train.steps",   "train.lr",
    "eval.batch_size", "model.hidden_size", "dist.dispatch", "train.global_batch_size"};

TEST(EditDistance, CountsInsertionsDeletionsSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("steps", "steps"), 0u);
  EXPECT_EQ(edit_distance("step", "steps"), 1u);
}

TEST(EditDistance, AdjacentSwapCostsOne) {
  EXPECT_EQ(edit_distance("stpes", "steps"), 1u);
  EXPECT_EQ(edit_distance("train.stpes", "train.steps"), 1u);
  // Optimal string alignment: a swapped pair is not edited again.
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);
}

TEST(EditDistance, IsSymmetric) {
  EXPECT_EQ(edit_distance("hidden_size", "hiden_sise"), edit_distance("hiden_sise", "hidden_size"));
}

TEST(ClosestKey, FindsTypos) {
  EXPECT_EQ(closest_key("train.stpes", kKeys), "train.steps");
  EXPECT_EQ(closest_key("train.step", kKeys), "train.steps");
  EXPECT_EQ(closest_key("model.hiden_size", kKeys), "model.hidden_size");
  EXPECT_EQ(closest_key("dist.dispach", kKeys), "dist.dispatch");
  EXPECT_EQ(closest_key("trian.lr", kKeys), "train.lr");
}

TEST(ClosestKey, FindsKeyInAnotherSectionByLastComponent) {
  EXPECT_EQ(closest_key("steps", kKeys), "train.steps");
  EXPECT_EQ(closest_key("model.seed", kKeys), "run.seed");
  EXPECT_EQ(closest_key("train.dispatch", kKeys), "dist.dispatch");
}

TEST(ClosestKey, PrefersTheCloserWholeKeyOnTies) {
  // Both end in "batch_size"-like words; the whole key decides.
  EXPECT_EQ(closest_key("eval.batch_sise", kKeys), "eval.batch_size");
  EXPECT_EQ(closest_key("train.global_batch_sise", kKeys), "train.global_batch_size");
}

TEST(ClosestKey, SuggestsNothingWhenFar) {
  EXPECT_EQ(closest_key("wibble", kKeys), std::nullopt);
  EXPECT_EQ(closest_key("optimizer.momentum", kKeys), std::nullopt);
  EXPECT_EQ(closest_key("train.xy", kKeys), std::nullopt);
  EXPECT_EQ(closest_key("train.steps", {}), std::nullopt);
}

}  // namespace
}  // namespace moe::config
