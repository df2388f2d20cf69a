// Checks the embedding file: rows written in pieces read back in order with every attribute,
// float16 rows are the float32 values rounded as torch rounds them, nothing appears under
// the final name before commit(), and files of another kind are refused by name.
#include "embed/embedding_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/hdf5_file.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

using moe::embed::EmbeddingFileInfo;
using moe::embed::EmbeddingFileWriter;
using moe::testing_support::error_of;

namespace {

EmbeddingFileInfo info_for(int64_t count, const std::string& dtype) {
  EmbeddingFileInfo info;
  info.count = count;
  info.dimension = 3;
  info.dtype = dtype;
  info.normalized = true;
  info.routing = "router";
  info.domain_names = {"cardio", "pulmo"};
  info.max_length = 64;
  info.checkpoint = "runs/x/checkpoint.h5";
  info.checkpoint_step = 400;
  info.vocab_hash = 18446744073709551557ull;
  info.pooling = "mean";
  info.input = "texts.jsonl";
  info.input_format = "jsonl";
  return info;
}

class EmbeddingFileTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_.path(name); }
  moe::testing_support::ScopedTempDir temp_{"moe_embedding_file_test"};
};

TEST_F(EmbeddingFileTest, RowsWrittenInPiecesReadBackWithTheirAttributes) {
  const std::string file = path("e.h5");
  const torch::Tensor values = torch::randn({5, 3});
  {
    EmbeddingFileWriter writer(file, info_for(5, "float32"));
    writer.write(0, values.slice(0, 0, 2), torch::tensor({1, 0}, torch::kInt64), {"a", "b"});
    EXPECT_FALSE(std::filesystem::exists(file));
    EXPECT_TRUE(std::filesystem::exists(file + ".partial"));
    writer.write(2, values.slice(0, 2), torch::tensor({0, 0, 1}, torch::kInt64), {"c", "d", "é"});
    writer.commit();
  }
  EXPECT_FALSE(std::filesystem::exists(file + ".partial"));
  const moe::embed::EmbeddingFile read = moe::embed::read_embedding_file(file);
  EXPECT_TRUE(torch::equal(read.embeddings, values));
  EXPECT_EQ(read.ids, (std::vector<std::string>{"a", "b", "c", "d", "é"}));
  EXPECT_EQ(read.domains, (std::vector<int32_t>{1, 0, 0, 0, 1}));
  EXPECT_EQ(read.info.domain_names, (std::vector<std::string>{"cardio", "pulmo"}));
  EXPECT_EQ(read.info.count, 5);
  EXPECT_EQ(read.info.dimension, 3);
  EXPECT_EQ(read.info.dtype, "float32");
  EXPECT_TRUE(read.info.normalized);
  EXPECT_EQ(read.info.routing, "router");
  EXPECT_EQ(read.info.max_length, 64);
  EXPECT_EQ(read.info.checkpoint, "runs/x/checkpoint.h5");
  EXPECT_EQ(read.info.checkpoint_step, 400);
  EXPECT_EQ(read.info.vocab_hash, 18446744073709551557ull);
  EXPECT_EQ(read.info.pooling, "mean");
  EXPECT_EQ(read.info.input_format, "jsonl");
}

TEST_F(EmbeddingFileTest, Float16RowsAreTheValuesRoundedToHalf) {
  const std::string file = path("h.h5");
  const torch::Tensor values = torch::randn({4, 3}) * 10;
  EmbeddingFileInfo info = info_for(4, "float16");
  info.domain_names.clear();  // a model without per-domain paths: no /domain datasets
  {
    EmbeddingFileWriter writer(file, info);
    writer.write(0, values, torch::Tensor(), {"0", "1", "2", "3"});
    writer.commit();
  }
  EXPECT_EQ(moe::h5::File::open_read(file).type_name("embeddings"), "float16");
  EXPECT_FALSE(moe::h5::File::open_read(file).exists("domain"));
  const moe::embed::EmbeddingFile read = moe::embed::read_embedding_file(file);
  EXPECT_TRUE(torch::equal(read.embeddings, values.to(torch::kFloat16).to(torch::kFloat32)));
  EXPECT_TRUE(read.domains.empty());
}

TEST_F(EmbeddingFileTest, AnUncommittedWriterLeavesNothing) {
  const std::string file = path("u.h5");
  {
    EmbeddingFileWriter writer(file, info_for(3, "float32"));
    writer.write(0, torch::zeros({1, 3}), torch::zeros({1}, torch::kInt64), {"a"});
    const std::string message = error_of([&] { writer.commit(); });
    EXPECT_MENTIONS(message, "only 1 of 3 rows were written");
    EXPECT_MENTIONS(
        error_of([&] {
          writer.write(2, torch::zeros({1, 3}), torch::zeros({1}, torch::kInt64), {"c"});
        }),
        "rows must arrive in order (expected row 1, got 2)");
  }
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(file + ".partial"));
}

TEST_F(EmbeddingFileTest, OtherFilesAreRefusedByName) {
  const std::string other = path("other.h5");
  moe::h5::File::create(other).write<float>("embeddings", std::vector<float>{1, 2});
  EXPECT_MENTIONS(error_of([&] { moe::embed::read_embedding_file(other); }),
                  "is not a moe-embed embedding file");
  EXPECT_MENTIONS(error_of([&] { EmbeddingFileWriter(path("x.h5"), info_for(1, "int8")); }),
                  "embedding dtype int8 is not float32 or float16");
}

}  // namespace
