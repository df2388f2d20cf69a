// moe_prep inspect's numbers on a hand-built dataset: counts, positives and exact length
// quantiles per (domain, split); a shard that disagrees with the manifest is an error.
#include "data/dataset_statistics.h"

#include <gtest/gtest.h>
#include <filesystem>

#include "common/error.h"
#include "data/pair_shard.h"
#include "support/scoped_temp_dir.h"

namespace moe::data {
namespace {

namespace fs = std::filesystem;

class DatasetStatisticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "shards");
    manifest_.domains = {"alpha", "beta"};
    manifest_.vocab_file = "vocab.txt";
    manifest_.vocab_hash = 42;
    manifest_.lowercase = true;
    manifest_.max_length = 16;
  }

  // A shard whose pair i has sides of length a_lengths[i] and b_lengths[i].
  void add_shard(const std::string& domain, const std::string& split,
                 const std::vector<int>& a_lengths, const std::vector<int>& b_lengths,
                 const std::vector<float>& labels) {
    const std::string name =
        "shards/" + domain + "-" + split + "-" + std::to_string(manifest_.shards.size()) + ".h5";
    ShardInfo info{domain, split, domain == "alpha" ? 0 : 1, 42, true, 16, "test"};
    PairShardWriter writer((dir_ / name).string(), info);
    for (size_t i = 0; i < labels.size(); ++i)
      writer.add({std::vector<int32_t>(a_lengths[i], 7), std::vector<int32_t>(b_lengths[i], 8),
                  labels[i], info.domain_index});
    writer.finish();
    manifest_.shards.push_back({name, domain, split, static_cast<int64_t>(labels.size())});
  }

  Manifest saved() {
    manifest_.save((dir_ / "manifest.json").string());
    return Manifest::load((dir_ / "manifest.json").string());
  }

  moe::testing_support::ScopedTempDir temp_{"moe_dataset_statistics"};
  const fs::path dir_ = temp_.dir();
  Manifest manifest_;
};

TEST_F(DatasetStatisticsTest, CountsAndExactQuantilesPerDomainAndSplit) {
  add_shard("alpha", "train", {2, 3, 4}, {5, 5, 5}, {1, 1, 1});
  add_shard("alpha", "train", {10}, {6}, {1});  // a second shard of the same split
  add_shard("beta", "test", {3, 3}, {4, 9}, {1, 0});
  const std::vector<SplitStatistics> stats = compute_dataset_statistics(saved());
  ASSERT_EQ(stats.size(), 2u);

  EXPECT_EQ(stats[0].domain, "alpha");
  EXPECT_EQ(stats[0].split, "train");
  EXPECT_EQ(stats[0].shards, 2);
  EXPECT_EQ(stats[0].pairs, 4);
  EXPECT_EQ(stats[0].positives, 4);
  // a lengths 2, 3, 4, 10: median rank (4-1)/2 = 1 -> 3; p95 rank 3*95/100 = 2 -> 4.
  EXPECT_EQ(stats[0].a_tokens.min, 2);
  EXPECT_EQ(stats[0].a_tokens.p50, 3);
  EXPECT_EQ(stats[0].a_tokens.p95, 4);
  EXPECT_EQ(stats[0].a_tokens.max, 10);
  EXPECT_DOUBLE_EQ(stats[0].a_tokens.mean, 19.0 / 4.0);
  EXPECT_DOUBLE_EQ(stats[0].b_tokens.mean, 21.0 / 4.0);

  EXPECT_EQ(stats[1].domain, "beta");
  EXPECT_EQ(stats[1].split, "test");
  EXPECT_EQ(stats[1].pairs, 2);
  EXPECT_EQ(stats[1].positives, 1);
  EXPECT_EQ(stats[1].b_tokens.max, 9);

  const std::string table = format_dataset_statistics(saved(), stats);
  EXPECT_NE(table.find("alpha"), std::string::npos);
  EXPECT_NE(table.find("2/3/4/10"), std::string::npos) << table;
}

TEST_F(DatasetStatisticsTest, ShardDisagreeingWithManifestIsAnError) {
  add_shard("alpha", "valid", {2, 2}, {2, 2}, {1, 0});
  manifest_.shards.back().count = 3;
  try {
    compute_dataset_statistics(saved());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("manifest says 3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace moe::data
