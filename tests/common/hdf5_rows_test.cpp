// Checks datasets written in pieces: float32 and float16 rows land where they are put (in any
// order), float16 uses IEEE half bits, strings round-trip as UTF-8, and misuse names the
// dataset.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/hdf5_file.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

using moe::h5::File;
using moe::testing_support::error_of;

namespace {

class Hdf5RowsTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_.path(name); }
  moe::testing_support::ScopedTempDir temp_{"moe_hdf5_rows_test"};
};

TEST_F(Hdf5RowsTest, Float32RowsWrittenOutOfOrderReadBackInPlace) {
  const std::string file_path = path("rows.h5");
  {
    File file = File::create(file_path);
    File::WriteOptions chunked;
    chunked.chunked = true;
    chunked.chunk_elements = 6;  // two rows per chunk: writes straddle chunks
    file.create_dataset("embeddings", File::Element::float32, {5, 3}, chunked);
    const std::vector<float> tail = {9, 10, 11, 12, 13, 14};
    const std::vector<float> head = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    file.write_rows("embeddings", 3, 2, tail.data());
    file.write_rows("embeddings", 0, 3, head.data());
  }
  File file = File::open_read(file_path);
  EXPECT_EQ(file.shape("embeddings"), (std::vector<int64_t>{5, 3}));
  EXPECT_EQ(file.type_name("embeddings"), "float32");
  const std::vector<float> values = file.read<float>("embeddings");
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(values[i], static_cast<float>(i));
  EXPECT_EQ(file.read_as_float("embeddings"), values);
  EXPECT_EQ(file.read_rows_as_float("embeddings", 1, 3),
            std::vector<float>(values.begin() + 3, values.begin() + 12));
  EXPECT_TRUE(file.read_rows_as_float("embeddings", 5, 0).empty());
  EXPECT_MENTIONS(error_of([&] { file.read_rows_as_float("embeddings", 4, 2); }),
                  "has 5 rows; there are no rows [4, 6)");
}

TEST_F(Hdf5RowsTest, Float16StoresIeeeHalfBitPatterns) {
  const std::string file_path = path("half.h5");
  {
    File file = File::create(file_path);
    file.create_dataset("e", File::Element::float16, {2, 3});
    // 1, -2, 0.5 / 65504 (largest half), 2^-24 (smallest subnormal), 0.
    const std::vector<uint16_t> bits = {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x0000};
    file.write_rows("e", 0, 2, bits.data());
  }
  File file = File::open_read(file_path);
  EXPECT_EQ(file.type_name("e"), "float16");
  const std::vector<float> values = file.read_as_float("e");
  EXPECT_EQ(values, (std::vector<float>{1.0f, -2.0f, 0.5f, 65504.0f, 5.9604645e-8f, 0.0f}));
  EXPECT_EQ(file.read_rows_as_float("e", 1, 1),
            (std::vector<float>{65504.0f, 5.9604645e-8f, 0.0f}));
}

TEST_F(Hdf5RowsTest, StringRowsRoundTripAsUtf8) {
  const std::string file_path = path("ids.h5");
  const std::vector<std::string> first = {"PMC1", "naïve-β"};
  const std::vector<std::string> second = {"", "x,y \"z\""};
  {
    File file = File::create(file_path);
    file.create_dataset("ids", File::Element::string, {4});
    file.write_string_rows("ids", 2, second);
    file.write_string_rows("ids", 0, first);
  }
  File file = File::open_read(file_path);
  EXPECT_EQ(file.type_name("ids"), "string");
  EXPECT_EQ(file.read_strings("ids"),
            (std::vector<std::string>{"PMC1", "naïve-β", "", "x,y \"z\""}));
}

TEST_F(Hdf5RowsTest, EmptyDatasetsAreValid) {
  const std::string file_path = path("empty.h5");
  {
    File file = File::create(file_path);
    file.create_dataset("e", File::Element::float32, {0, 8});
    file.create_dataset("ids", File::Element::string, {0});
    file.write_rows("e", 0, 0, static_cast<const float*>(nullptr));
  }
  File file = File::open_read(file_path);
  EXPECT_EQ(file.shape("e"), (std::vector<int64_t>{0, 8}));
  EXPECT_TRUE(file.read_strings("ids").empty());
}

TEST_F(Hdf5RowsTest, MisuseNamesTheDataset) {
  File file = File::create(path("bad.h5"));
  file.create_dataset("e", File::Element::float32, {2, 2});
  const std::vector<float> rows(6, 0.0f);
  std::string message = error_of([&] { file.write_rows("e", 1, 2, rows.data()); });
  EXPECT_MENTIONS(message, "'e' has 2 rows; there are no rows [1, 3)");
  const std::vector<uint16_t> half(4, 0);
  message = error_of([&] { file.write_rows("e", 0, 2, half.data()); });
  EXPECT_MENTIONS(message, "'e' does not hold float16 values");
  message = error_of([&] { file.write_string_rows("e", 0, {"a"}); });
  EXPECT_MENTIONS(message, "'e' does not hold variable-length strings");
  message = error_of([&] { file.create_dataset("e", File::Element::float32, {1}); });
  EXPECT_MENTIONS(message, "'e' already exists");
  message = error_of([&] { file.create_dataset("s", File::Element::float32, {}); });
  EXPECT_MENTIONS(message, "needs at least one dimension");
  message = error_of([&] { file.write_rows("missing", 0, 0, rows.data()); });
  EXPECT_MENTIONS(message, "'missing' is not a dataset");
  file.write<int32_t>("ints", std::vector<int32_t>{1, 2});
  message = error_of([&] { file.read_as_float("ints"); });
  EXPECT_MENTIONS(message, "holds int32 values, expected floating point");
  message = error_of([&] { file.read_strings("ints"); });
  EXPECT_MENTIONS(message, "expected strings");
}

}  // namespace
