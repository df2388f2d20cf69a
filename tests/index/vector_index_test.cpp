// Checks the FAISS wrapper: exact search is brute-force cosine, the approximate kinds reach
// recall@10 > 0.9 against it at their default settings, every kind round-trips through its
// file, and misuse (wrong dimension, a missing or foreign file) gives one clear error.
#include "index/vector_index.h"

#include <gtest/gtest.h>

#include <fstream>

#include "index/index_build.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

using moe::index::IndexKind;
using moe::index::IndexParameters;
using moe::index::VectorIndex;
using moe::testing_support::error_of;

namespace {

torch::Tensor unit(const torch::Tensor& x) { return (x / x.norm(2, 1, true)).contiguous(); }

// Vectors around `clusters` random centres: the shape real embeddings have (topics), and the
// case approximate indexes are built for.
torch::Tensor clustered(int64_t count, int64_t dimension, int64_t clusters, uint64_t seed) {
  torch::manual_seed(static_cast<int64_t>(seed));
  const torch::Tensor centres = torch::randn({clusters, dimension});
  const torch::Tensor which = torch::randint(clusters, {count}, torch::kInt64);
  return unit(centres.index_select(0, which) + 0.35 * torch::randn({count, dimension}));
}

VectorIndex filled(IndexKind kind, const torch::Tensor& vectors) {
  VectorIndex index(kind, vectors.size(1), moe::index::resolved({}, vectors.size(0)));
  if (index.needs_training()) index.train(vectors);
  index.add(vectors);
  return index;
}

std::vector<int64_t> no_self(int64_t queries) { return std::vector<int64_t>(queries, -1); }

TEST(VectorIndex, ExactSearchIsBruteForceCosine) {
  const torch::Tensor stored = clustered(600, 32, 12, 1);
  const torch::Tensor queries = unit(torch::randn({25, 32}));
  const VectorIndex index = filled(IndexKind::exact, stored);
  EXPECT_EQ(index.size(), 600);
  const moe::index::Neighbors found = index.search(queries, 10);
  const auto [scores, rows] = torch::mm(queries, stored.t()).topk(10, 1);
  EXPECT_TRUE(torch::equal(found.rows, rows));
  EXPECT_TRUE(torch::allclose(found.scores, scores, 1e-5, 1e-5));
}

TEST(VectorIndex, ApproximateKindsReachRecallAboveNinetyPercentAtDefaults) {
  const torch::Tensor stored = clustered(6000, 64, 40, 2);
  const torch::Tensor queries = clustered(200, 64, 40, 3);
  const torch::Tensor truth = filled(IndexKind::exact, stored).search(queries, 10).rows;
  for (const IndexKind kind : {IndexKind::hnsw, IndexKind::ivf}) {
    const VectorIndex index = filled(kind, stored);
    const double recall =
        moe::index::recall_at_k(truth, index.search(queries, 10).rows, no_self(200), 10);
    std::printf("%s recall@10 at default settings: %.3f\n",
                moe::index::index_kind_name(kind).c_str(), recall);
    ::testing::Test::RecordProperty(moe::index::index_kind_name(kind) + "_recall_at_10",
                                    std::to_string(recall));
    EXPECT_GT(recall, 0.9) << moe::index::index_kind_name(kind);
    EXPECT_LT(recall, 1.0 + 1e-9);
  }
}

TEST(VectorIndex, SearchDepthTradesRecallForSpeed) {
  const torch::Tensor stored = clustered(4000, 48, 30, 4);
  const torch::Tensor queries = clustered(200, 48, 30, 5);
  const torch::Tensor truth = filled(IndexKind::exact, stored).search(queries, 10).rows;
  VectorIndex index = filled(IndexKind::ivf, stored);
  index.set_search_depth(1);
  EXPECT_EQ(index.search_depth(), 1);
  const double shallow =
      moe::index::recall_at_k(truth, index.search(queries, 10).rows, no_self(200), 10);
  index.set_search_depth(1000000);  // capped at the number of lists: exhaustive
  const double deep =
      moe::index::recall_at_k(truth, index.search(queries, 10).rows, no_self(200), 10);
  EXPECT_LT(shallow, deep);
  EXPECT_DOUBLE_EQ(deep, 1.0);
}

TEST(VectorIndex, EveryKindRoundTripsThroughItsFile) {
  moe::testing_support::ScopedTempDir temp("moe_vector_index_test");
  const torch::Tensor stored = clustered(2000, 16, 10, 6);
  const torch::Tensor queries = clustered(30, 16, 10, 7);
  for (const IndexKind kind : {IndexKind::exact, IndexKind::hnsw, IndexKind::ivf}) {
    const std::string file = temp.path(moe::index::index_kind_name(kind) + ".faiss");
    const VectorIndex index = filled(kind, stored);
    index.save(file);
    EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
    const VectorIndex loaded = VectorIndex::load(file);
    EXPECT_EQ(loaded.kind(), kind);
    EXPECT_EQ(loaded.size(), 2000);
    EXPECT_EQ(loaded.dimension(), 16);
    EXPECT_EQ(loaded.search_depth(), index.search_depth());
    const auto before = index.search(queries, 5);
    const auto after = loaded.search(queries, 5);
    EXPECT_TRUE(torch::equal(before.rows, after.rows)) << moe::index::index_kind_name(kind);
    EXPECT_TRUE(torch::equal(before.scores, after.scores));
  }
}

TEST(VectorIndex, FewerVectorsThanKLeaveEmptySlots) {
  const VectorIndex index = filled(IndexKind::exact, unit(torch::randn({3, 8})));
  const auto found = index.search(unit(torch::randn({2, 8})), 5);
  EXPECT_EQ(
      found.rows.index({torch::indexing::Slice(), torch::indexing::Slice(3)}).max().item<int64_t>(),
      -1);
  EXPECT_GE(found.rows.index({torch::indexing::Slice(), torch::indexing::Slice(0, 3)})
                .min()
                .item<int64_t>(),
            0);
}

TEST(VectorIndex, MisuseGivesOneClearError) {
  moe::testing_support::ScopedTempDir temp("moe_vector_index_test");
  VectorIndex index = filled(IndexKind::exact, unit(torch::randn({10, 8})));
  EXPECT_MENTIONS(error_of([&] {
                    index.add(torch::randn({2, 9}));
                  }),
                  "vectors to add have 9 dimensions; the index holds 8-dimensional vectors");
  EXPECT_MENTIONS(error_of([&] {
                    index.search(torch::randn({2, 7}), 3);
                  }),
                  "queries have 7 dimensions");
  EXPECT_MENTIONS(error_of([&] {
                    index.search(torch::randn({2, 8}), 0);
                  }),
                  "-k must be at least 1");
  EXPECT_MENTIONS(error_of([&] {
                    index.add(torch::randn({2, 8}, torch::kFloat64));
                  }),
                  "contiguous float32 CPU tensor");
  VectorIndex ivf(IndexKind::ivf, 8, moe::index::resolved({}, 1000));
  EXPECT_MENTIONS(error_of([&] { ivf.add(torch::randn({2, 8})); }), "must be trained");
  EXPECT_MENTIONS(error_of([] { VectorIndex::load("/nonexistent/x.faiss"); }),
                  "index file /nonexistent/x.faiss is missing");
  const std::string junk = temp.write_file("junk.faiss", "not a faiss index at all");
  EXPECT_MENTIONS(error_of([&] { VectorIndex::load(junk); }), "reading index file " + junk);
  EXPECT_MENTIONS(error_of([] { moe::index::parse_index_kind("flat"); }),
                  "index kind 'flat' is not one of exact, hnsw, ivf");
  IndexParameters bad;
  bad.hnsw_neighbors = 1;
  EXPECT_MENTIONS(error_of([&] { moe::index::resolved(bad, 10); }), "--hnsw-neighbors must be in");
}

TEST(VectorIndex, ResolvedParametersFollowTheSize) {
  const IndexParameters big = moe::index::resolved({}, 1000000);
  EXPECT_EQ(big.ivf_lists, 1000);
  EXPECT_EQ(big.ivf_probes, 62);
  const IndexParameters tiny = moe::index::resolved({}, 20);
  EXPECT_EQ(tiny.ivf_lists, 1);  // fewer than 39 vectors a list would train badly
  EXPECT_EQ(tiny.ivf_probes, 1);
  IndexParameters given;
  given.ivf_lists = 50;
  given.ivf_probes = 80;
  EXPECT_EQ(moe::index::resolved(given, 100000).ivf_probes, 50);
}

TEST(RecallAtK, LeavesTheQueryItselfOut) {
  // Query 0 is stored row 7: exact finds 7, 1, 2; the approximate index 7, 1, 3.
  const torch::Tensor exact = torch::tensor({{7, 1, 2}}, torch::kInt64);
  const torch::Tensor approximate = torch::tensor({{7, 1, 3}}, torch::kInt64);
  EXPECT_DOUBLE_EQ(moe::index::recall_at_k(exact, approximate, {7}, 2), 0.5);
  EXPECT_NEAR(moe::index::recall_at_k(exact, approximate, {-1}, 3), 2.0 / 3.0, 1e-12);
  const torch::Tensor missing = torch::tensor({{-1, -1, -1}}, torch::kInt64);
  EXPECT_DOUBLE_EQ(moe::index::recall_at_k(exact, missing, {-1}, 3), 0.0);
}

}  // namespace
