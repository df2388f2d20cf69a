// Checks building an index folder from an embedding file and searching it: parts per domain
// path map hits back to the right ids, chunked builds equal one-pass builds, an approximate
// build records its recall, and damaged or foreign inputs give one clear error.
#include "index/index_build.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/hdf5_file.h"
#include "embed/embedding_file.h"
#include "index/index_records.h"
#include "index/index_search.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

using moe::index::IndexBuildOptions;
using moe::index::IndexKind;
using moe::index::IndexSearcher;
using moe::testing_support::error_of;

namespace {

class IndexBuildTest : public ::testing::Test {
 protected:
  // An embedding file of `count` clustered vectors; with domains, row r ran as domain r % 2.
  // `topics` centres; as many as vectors make the data near uniform (hard to index).
  std::string embeddings(int64_t count, bool domains, const std::string& name = "e.h5",
                         int64_t topics = 8) {
    torch::manual_seed(11);
    const torch::Tensor centres = torch::randn({topics, 24});
    vectors_ = centres.index_select(0, torch::randint(topics, {count}, torch::kInt64)) +
               0.4 * torch::randn({count, 24});  // not normalised: the build must do it
    moe::embed::EmbeddingFileInfo info;
    info.count = count;
    info.dimension = 24;
    info.routing = domains ? "field" : "none";
    if (domains) info.domain_names = {"cardio", "pulmo"};
    info.checkpoint = "model.h5";
    info.checkpoint_step = 9;
    info.model_fingerprint = "00000000000000aa";
    info.pooling = "mean";
    info.max_length = 16;
    info.input = "corpus.jsonl";
    info.input_format = "jsonl";
    const std::string path = temp_.path(name);
    moe::embed::EmbeddingFileWriter writer(path, info);
    std::vector<std::string> ids;
    for (int64_t r = 0; r < count; ++r) ids.push_back("doc" + std::to_string(r));
    writer.write(0, vectors_, torch::arange(count, torch::kInt64) % 2, ids);
    writer.commit();
    return path;
  }

  std::string folder(const std::string& name) {
    const std::string path = temp_.path(name);
    std::filesystem::create_directory(path);
    return path;
  }

  IndexBuildOptions options(IndexKind kind = IndexKind::exact) {
    IndexBuildOptions result;
    result.kind = kind;
    result.progress = false;
    return result;
  }

  torch::Tensor vectors_;
  moe::testing_support::ScopedTempDir temp_{"moe_index_build_test"};
};

TEST_F(IndexBuildTest, PartsPerDomainFindTheirOwnRecords) {
  const std::string file = embeddings(300, true);
  const std::string out = folder("index");
  const auto manifest = moe::index::build_index(file, out, options(), {});
  ASSERT_EQ(manifest.parts.size(), 2u);
  EXPECT_EQ(manifest.parts[0].name, "cardio");
  EXPECT_EQ(manifest.parts[0].count, 150);
  EXPECT_EQ(manifest.parts[0].recall_at_10, -1);  // exact: nothing to measure
  EXPECT_EQ(manifest.model.fingerprint, "00000000000000aa");
  IndexSearcher searcher(out);
  // Row 7 ran as pulmo: searching pulmo with its own vector finds it first, with cosine 1.
  const auto hits = searcher.search("pulmo", vectors_.slice(0, 7, 8), 3);
  ASSERT_EQ(hits[0].size(), 3u);
  EXPECT_EQ(hits[0][0].id, "doc7");
  EXPECT_EQ(hits[0][0].record, 7);
  EXPECT_NEAR(hits[0][0].score, 1.0, 1e-5);
  for (const auto& hit : hits[0]) EXPECT_EQ(hit.record % 2, 1) << hit.id;  // all pulmo
  // The same vector in the cardio part finds only cardio records.
  const auto cardio = searcher.search("cardio", vectors_.slice(0, 7, 8), 5);
  for (const auto& hit : cardio[0]) EXPECT_EQ(hit.record % 2, 0);
}

TEST_F(IndexBuildTest, ScoresAreCosineOverTheWholeFile) {
  const std::string file = embeddings(200, false);
  const std::string out = folder("index");
  moe::index::build_index(file, out, options(), {});
  IndexSearcher searcher(out);
  const torch::Tensor queries = torch::randn({6, 24});
  const auto hits = searcher.search("all", queries, 10);
  const torch::Tensor unit_stored = vectors_ / vectors_.norm(2, 1, true);
  const torch::Tensor unit_queries = queries / queries.norm(2, 1, true);
  const auto [scores, rows] = torch::mm(unit_queries, unit_stored.t()).topk(10, 1);
  for (int64_t q = 0; q < 6; ++q) {
    for (int64_t i = 0; i < 10; ++i) {
      EXPECT_EQ(hits[q][i].record, rows[q][i].item<int64_t>());
      EXPECT_NEAR(hits[q][i].score, scores[q][i].item<float>(), 1e-5);
    }
  }
}

TEST_F(IndexBuildTest, ChunkedBuildEqualsOnePass) {
  const std::string file = embeddings(500, true);
  IndexBuildOptions small = options(IndexKind::hnsw);
  small.chunk_rows = 37;
  IndexBuildOptions whole = options(IndexKind::hnsw);
  whole.chunk_rows = 100000;
  const auto a = moe::index::build_index(file, folder("a"), small, {});
  const auto b = moe::index::build_index(file, folder("b"), whole, {});
  ASSERT_EQ(a.parts.size(), b.parts.size());
  for (size_t p = 0; p < a.parts.size(); ++p) {
    EXPECT_GT(a.parts[p].recall_at_10, 0.9);
    EXPECT_DOUBLE_EQ(a.parts[p].recall_at_10, b.parts[p].recall_at_10);
  }
  IndexSearcher first(temp_.path("a")), second(temp_.path("b"));
  const torch::Tensor queries = torch::randn({20, 24});
  const auto x = first.search("cardio", queries, 8), y = second.search("cardio", queries, 8);
  for (size_t q = 0; q < x.size(); ++q)
    for (size_t i = 0; i < x[q].size(); ++i) EXPECT_EQ(x[q][i].id, y[q][i].id);
}

TEST_F(IndexBuildTest, SearchDepthGrowsUntilTheTargetRecallOnHardData) {
  const std::string file = embeddings(4000, false, "uniform.h5", 4000);
  IndexBuildOptions as_set = options(IndexKind::ivf);
  as_set.target_recall = 0;
  const auto fixed = moe::index::build_index(file, folder("fixed"), as_set, {});
  const auto tuned = moe::index::build_index(file, folder("tuned"), options(IndexKind::ivf), {});
  const auto& before = fixed.parts[0];
  const auto& after = tuned.parts[0];
  std::printf("ivf on near-uniform vectors: recall@10 %.3f at %lld probes, %.3f at %lld\n",
              before.recall_at_10, static_cast<long long>(before.search_depth), after.recall_at_10,
              static_cast<long long>(after.search_depth));
  EXPECT_EQ(before.search_depth, moe::index::resolved({}, 4000).ivf_probes);
  EXPECT_LT(before.recall_at_10, 0.95);  // the defaults alone fall short on this data
  EXPECT_GE(after.recall_at_10, 0.95);
  EXPECT_GT(after.search_depth, before.search_depth);
  // The tuned depth is saved with the part: a search uses it without being told.
  EXPECT_EQ(moe::index::VectorIndex::load(temp_.path("tuned/all.faiss")).search_depth(),
            after.search_depth);
  EXPECT_EQ(moe::index::read_manifest(temp_.path("tuned/index.json")).parts[0].search_depth,
            after.search_depth);
}

TEST_F(IndexBuildTest, SnippetsAndMetadataTravelWithTheHits) {
  const std::string file = embeddings(40, false);
  moe::index::CorpusExtras extras;
  extras.metadata_names = {"year", "title"};
  extras.metadata.resize(2);
  for (int r = 0; r < 40; ++r) {
    extras.snippets.push_back("text of " + std::to_string(r));
    extras.metadata[0].push_back(std::to_string(2000 + r));
    extras.metadata[1].push_back("Title " + std::to_string(r));
  }
  const std::string out = folder("index");
  const auto manifest = moe::index::build_index(file, out, options(), extras);
  EXPECT_TRUE(manifest.has_snippets);
  EXPECT_EQ(manifest.metadata, extras.metadata_names);
  IndexSearcher searcher(out);
  const auto hits = searcher.search("all", vectors_.slice(0, 12, 13), 1);
  EXPECT_EQ(hits[0][0].snippet, "text of 12");
  EXPECT_EQ(hits[0][0].metadata, (std::vector<std::pair<std::string, std::string>>{
                                     {"year", "2012"}, {"title", "Title 12"}}));
}

TEST_F(IndexBuildTest, DamagedOrForeignInputsGiveOneClearError) {
  const std::string file = embeddings(60, true);
  const std::string out = folder("index");
  const auto manifest = moe::index::build_index(file, out, options(), {});
  IndexSearcher searcher(out);

  // Query vectors of another width, or from another model.
  EXPECT_MENTIONS(error_of([&] {
                    searcher.search("cardio", torch::randn({2, 25}), 3);
                  }),
                  "query vectors have 25 dimensions; index " + out + " holds 24-dimensional");
  EXPECT_MENTIONS(error_of([&] {
                    moe::index::check_query_embeddings(manifest, "q.h5", "00000000000000bb", 24);
                  }),
                  "q.h5 comes from another model (fingerprint 00000000000000bb) than the index "
                  "(fingerprint 00000000000000aa");
  EXPECT_MENTIONS(error_of([&] { moe::index::check_query_embeddings(manifest, "q.h5", "", 12); }),
                  "q.h5 holds 12-dimensional vectors; the index holds 24-dimensional");
  EXPECT_MENTIONS(error_of([&] {
                    searcher.search("derm", torch::randn({1, 24}), 3);
                  }),
                  "has no part derm (parts: cardio, pulmo)");
  EXPECT_MENTIONS(error_of([&] { moe::index::fixed_part(manifest, "", false); }),
                  "name the query's domain with --domain");
  EXPECT_EQ(moe::index::fixed_part(manifest, "pulmo", false), "pulmo");

  // Records without ids, or with fewer than the index counts.
  const std::string records = out + "/records.h5";
  std::filesystem::copy_file(records, temp_.path("records.h5"));
  {
    moe::h5::File damaged = moe::h5::File::create(records);
    damaged.set_attribute("/", "format", "moe-embed index records");
    damaged.set_attribute("/", "count", int64_t{60});
  }
  EXPECT_MENTIONS(error_of([&] { IndexSearcher again(out); }),
                  records + ": /ids is missing, so hits cannot be named");
  moe::index::IndexRecords short_records = moe::index::read_records(temp_.path("records.h5"));
  short_records.ids.pop_back();
  short_records.parts.at("pulmo").pop_back();  // record 59 ran as pulmo
  std::filesystem::remove(records);
  moe::index::write_records(records, short_records);
  EXPECT_MENTIONS(error_of([&] { IndexSearcher again(out); }),
                  "holds 59 records but index.json counts 60");
  std::filesystem::remove(records);
  EXPECT_MENTIONS(error_of([&] { IndexSearcher again(out); }), records + " is missing");

  // A manifest without a key, a part file gone.
  std::filesystem::copy_file(temp_.path("records.h5"), records);
  std::ofstream(out + "/index.json") << "{\"format\": \"moe-embed index\", \"format_version\": 1}";
  EXPECT_MENTIONS(error_of([&] { IndexSearcher again(out); }),
                  out + "/index.json: key kind is missing");
  EXPECT_MENTIONS(error_of([&] { IndexSearcher again(temp_.path("nowhere")); }), "is not a folder");
  std::string escaping = moe::index::manifest_to_json(manifest);
  escaping.replace(escaping.find("\"cardio.faiss\""), 14, "\"../x.faiss\"");
  std::ofstream(out + "/index.json") << escaping;
  EXPECT_MENTIONS(error_of([&] { IndexSearcher again(out); }),
                  "parts[0].file '../x.faiss' must be a file name inside the index folder");
}

TEST_F(IndexBuildTest, AMissingPartFileIsNamed) {
  const std::string file = embeddings(60, true);
  const std::string out = folder("index");
  moe::index::build_index(file, out, options(), {});
  std::filesystem::remove(out + "/pulmo.faiss");
  IndexSearcher searcher(out);  // parts load on first use
  EXPECT_EQ(searcher.search("cardio", torch::randn({1, 24}), 2)[0].size(), 2u);
  EXPECT_MENTIONS(error_of([&] {
                    searcher.search("pulmo", torch::randn({1, 24}), 2);
                  }),
                  "index file " + out + "/pulmo.faiss is missing");
}

TEST_F(IndexBuildTest, AnEmbeddingFileWithoutIdsIsRefused) {
  const std::string file = embeddings(10, false);
  {
    // Rewrite the file without /ids (what a hand-made or truncated file looks like).
    const moe::embed::EmbeddingFile complete = moe::embed::read_embedding_file(file);
    moe::h5::File bare = moe::h5::File::create(temp_.path("bare.h5"));
    bare.set_attribute("/", "format", moe::embed::kEmbeddingFormat);
    bare.set_attribute("/", "format_version", moe::embed::kEmbeddingFormatVersion);
    for (const char* key : {"count", "dimension", "normalized", "max_length", "checkpoint_step"})
      bare.set_attribute("/", key,
                         int64_t{key == std::string("count")       ? 10
                                 : key == std::string("dimension") ? 24
                                                                   : 0});
    for (const char* key :
         {"dtype", "routing", "checkpoint", "vocab_hash", "pooling", "input", "input_format"})
      bare.set_attribute("/", key,
                         key == std::string("dtype")        ? "float32"
                         : key == std::string("vocab_hash") ? "0"
                                                            : "x");
    bare.create_dataset("embeddings", moe::h5::File::Element::float32, {10, 24});
    bare.write_rows("embeddings", 0, 10, complete.embeddings.data_ptr<float>());
  }
  EXPECT_MENTIONS(error_of([&] {
                    moe::index::build_index(temp_.path("bare.h5"), folder("index"), options(), {});
                  }),
                  "bare.h5: /ids is missing (every embedding needs its id)");
}

}  // namespace
