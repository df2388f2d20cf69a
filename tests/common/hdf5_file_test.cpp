// Checks the HDF5 wrapper: typed round trips, nested paths, chunking and checksums,
// attributes, and that every failure is a moe::Error naming the file and the object.
#include "common/hdf5_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>

#include "common/error.h"
#include "support/expect_error.h"     // error_of
#include "support/scoped_temp_dir.h"  // ScopedTempDir

using moe::h5::File;
using moe::testing_support::error_of;

namespace {

// A fresh folder per test under the system temp dir, removed afterwards.
class Hdf5FileTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_.path(name); }

  moe::testing_support::ScopedTempDir temp_{"moe_hdf5_file_test"};
};

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

template <typename T>
void expect_round_trip(File& file, const std::string& name, File::WriteOptions options = {}) {
  std::vector<T> values(37);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<T>(static_cast<int64_t>(i) * 3 - 50);
  file.write<T>(name, {37}, values.data(), options);
  EXPECT_EQ(file.read<T>(name), values) << name;
  EXPECT_EQ(file.shape(name), std::vector<int64_t>{37}) << name;
}

}  // namespace

TEST_F(Hdf5FileTest, RoundTripsEveryType) {
  File file = File::create(path("types.h5"));
  expect_round_trip<float>(file, "f32");
  expect_round_trip<double>(file, "f64");
  expect_round_trip<int32_t>(file, "i32");
  expect_round_trip<int64_t>(file, "i64");
  expect_round_trip<int8_t>(file, "i8");
  std::vector<uint8_t> bytes = {0, 1, 127, 128, 255};
  file.write("u8", bytes);
  EXPECT_EQ(file.read<uint8_t>("u8"), bytes);
  file.close();

  File again = File::open_read(path("types.h5"));
  EXPECT_EQ(again.read<int32_t>("i32")[36], 36 * 3 - 50);
  EXPECT_DOUBLE_EQ(again.read<double>("f64")[1], -47.0);
  EXPECT_EQ(again.path(), path("types.h5"));
  EXPECT_EQ(again.type_name("f32"), "float32");
  EXPECT_EQ(again.type_name("f64"), "float64");
  EXPECT_EQ(again.type_name("i64"), "int64");
  EXPECT_EQ(again.type_name("u8"), "uint8");
  EXPECT_NE(error_of([&] { again.type_name("absent"); }).find("absent"), std::string::npos);
}

TEST_F(Hdf5FileTest, MultiDimensionalAndScalarShapes) {
  File file = File::create(path("shapes.h5"));
  std::vector<float> matrix(6 * 5);
  std::iota(matrix.begin(), matrix.end(), 0.5f);
  file.write<float>("m", {6, 5}, matrix.data());
  double scalar = 2.5;
  file.write<double>("s", {}, &scalar);
  file.write<int32_t>("empty", {0}, nullptr);
  file.write<float>("empty_chunked", {0, 4}, nullptr, {true, 0, true, 0});

  EXPECT_EQ(file.shape("m"), (std::vector<int64_t>{6, 5}));
  EXPECT_EQ(file.read<float>("m"), matrix);
  EXPECT_EQ(file.shape("s"), std::vector<int64_t>{});
  EXPECT_EQ(file.read<double>("s"), std::vector<double>{2.5});
  EXPECT_TRUE(file.read<int32_t>("empty").empty());
  EXPECT_EQ(file.shape("empty_chunked"), (std::vector<int64_t>{0, 4}));
  EXPECT_TRUE(file.read<float>("empty_chunked").empty());
}

TEST_F(Hdf5FileTest, NestedPathsWithDotsAndListing) {
  File file = File::create(path("nested.h5"));
  std::vector<float> w(4, 1.0f);
  file.write("shared/encoder.layer.0.attention.self.query.weight", w);
  file.write("shared/embeddings.word_embeddings.weight", w);
  file.write("/experts/cs/encoder.layer.1.output.dense.bias", w);
  file.write("top", w);

  EXPECT_TRUE(file.exists("/"));
  EXPECT_TRUE(file.exists("shared"));
  EXPECT_TRUE(file.exists("/experts/cs"));
  EXPECT_TRUE(file.exists("experts/cs/encoder.layer.1.output.dense.bias"));
  EXPECT_FALSE(file.exists("experts/bio"));
  EXPECT_FALSE(file.exists("experts/bio/x/y"));
  EXPECT_FALSE(file.exists("top/below"));  // a dataset has no children

  EXPECT_EQ(
      file.list_datasets(),
      (std::vector<std::string>{"experts/cs/encoder.layer.1.output.dense.bias",
                                "shared/embeddings.word_embeddings.weight",
                                "shared/encoder.layer.0.attention.self.query.weight", "top"}));
  EXPECT_EQ(file.list_datasets("shared/"),
            (std::vector<std::string>{"embeddings.word_embeddings.weight",
                                      "encoder.layer.0.attention.self.query.weight"}));
  EXPECT_EQ(file.read<float>("shared/encoder.layer.0.attention.self.query.weight"), w);

  std::string message = error_of([&] { file.list_datasets("nowhere"); });
  EXPECT_NE(message.find("nowhere"), std::string::npos) << message;
  message = error_of([&] { file.list_datasets("top"); });
  EXPECT_NE(message.find("not a group"), std::string::npos) << message;
}

TEST_F(Hdf5FileTest, ChunkedCompressedChecksummedRoundTrip) {
  File file = File::create(path("chunked.h5"));
  std::vector<int64_t> values(100000);
  std::iota(values.begin(), values.end(), -7);
  file.write("plain", values, {true, 0, false, 0});
  file.write("small_chunks", values, {true, 1000, true, 0});
  file.write("deflated", values, {false, 4096, true, 6});
  std::vector<float> matrix(300 * 7, 0.25f);
  file.write<float>("matrix", {300, 7}, matrix.data(), {true, 50, true, 1});
  file.close();

  File in = File::open_read(path("chunked.h5"));
  EXPECT_EQ(in.read<int64_t>("plain"), values);
  EXPECT_EQ(in.read<int64_t>("small_chunks"), values);
  EXPECT_EQ(in.read<int64_t>("deflated"), values);
  EXPECT_EQ(in.read<float>("matrix"), matrix);
  EXPECT_EQ(in.read_range<int64_t>("small_chunks", 99990, 10),
            std::vector<int64_t>(values.end() - 10, values.end()));

  std::string message = error_of([&] {
    File::create(path("x.h5")).write("bad", values, {true, 0, false, 12});
  });
  EXPECT_NE(message.find("deflate level 12"), std::string::npos) << message;
}

TEST_F(Hdf5FileTest, ReadRange) {
  File file = File::create(path("range.h5"));
  std::vector<int32_t> values(5000);
  std::iota(values.begin(), values.end(), 0);
  file.write("v", values, {true, 512, true, 0});
  EXPECT_EQ(file.read_range<int32_t>("v", 1000, 3), (std::vector<int32_t>{1000, 1001, 1002}));
  EXPECT_EQ(file.read_range<int32_t>("v", 4999, 1), std::vector<int32_t>{4999});
  EXPECT_TRUE(file.read_range<int32_t>("v", 5000, 0).empty());

  std::string message = error_of([&] { file.read_range<int32_t>("v", 4990, 11); });
  EXPECT_NE(message.find(path("range.h5")), std::string::npos) << message;
  EXPECT_NE(message.find("'v'"), std::string::npos) << message;
  EXPECT_NE(message.find("5000 elements"), std::string::npos) << message;
  message = error_of([&] { file.read_range<int32_t>("v", -1, 2); });
  EXPECT_NE(message.find("offset -1"), std::string::npos) << message;

  std::vector<float> matrix(4, 0.0f);
  file.write<float>("m", {2, 2}, matrix.data());
  message = error_of([&] { file.read_range<float>("m", 0, 1); });
  EXPECT_NE(message.find("2 dimensions"), std::string::npos) << message;
}

TEST_F(Hdf5FileTest, TypeMismatchAndMissingDatasetNameFileAndDataset) {
  File file = File::create(path("types.h5"));
  file.write("group/ids", std::vector<int64_t>{1, 2, 3});
  file.write("bytes", std::vector<uint8_t>{1, 2});

  std::string message = error_of([&] { file.read<int32_t>("group/ids"); });
  EXPECT_NE(message.find(path("types.h5")), std::string::npos) << message;
  EXPECT_NE(message.find("group/ids"), std::string::npos) << message;
  EXPECT_NE(message.find("int64"), std::string::npos) << message;
  EXPECT_NE(message.find("expected int32"), std::string::npos) << message;

  message = error_of([&] { file.read<float>("group/ids"); });
  EXPECT_NE(message.find("expected float32"), std::string::npos) << message;
  message = error_of([&] { file.read<int8_t>("bytes"); });  // sign matters
  EXPECT_NE(message.find("uint8"), std::string::npos) << message;

  message = error_of([&] { file.read<float>("group/weights"); });
  EXPECT_NE(message.find(path("types.h5")), std::string::npos) << message;
  EXPECT_NE(message.find("group/weights"), std::string::npos) << message;
  EXPECT_NE(message.find("missing"), std::string::npos) << message;
  message = error_of([&] { file.shape("nothing/here"); });
  EXPECT_NE(message.find("nothing/here"), std::string::npos) << message;
  message = error_of([&] { file.read<float>("group"); });  // a group, not a dataset
  EXPECT_NE(message.find("'group'"), std::string::npos) << message;

  message = error_of([&] { file.write("group/ids", std::vector<int64_t>{4}); });
  EXPECT_NE(message.find("already exists"), std::string::npos) << message;
}

TEST_F(Hdf5FileTest, Attributes) {
  File file = File::create(path("attrs.h5"));
  file.write("a/tokens", std::vector<int32_t>{1, 2});
  file.set_attribute("/", "domain", "computer science");
  file.set_attribute("/", "empty", std::string());
  file.set_attribute("/", "count", int64_t{-12345678901});
  file.set_attribute("/", "rate", 0.125);
  file.set_attribute("a", "note", "group attribute");
  file.set_attribute("a/tokens", "unit", "ids");
  file.set_attribute("/", "domain", "biology");  // replaces
  file.close();

  File in = File::open_read(path("attrs.h5"));
  EXPECT_EQ(in.string_attribute("/", "domain"), "biology");
  EXPECT_EQ(in.string_attribute("", "empty"), "");
  EXPECT_EQ(in.int_attribute("/", "count"), -12345678901);
  EXPECT_DOUBLE_EQ(in.float_attribute("/", "rate"), 0.125);
  EXPECT_EQ(in.string_attribute("a", "note"), "group attribute");
  EXPECT_EQ(in.string_attribute("/a/tokens", "unit"), "ids");
  EXPECT_TRUE(in.has_attribute("/", "count"));
  EXPECT_FALSE(in.has_attribute("/", "missing"));
  EXPECT_FALSE(in.has_attribute("a/tokens", "domain"));

  std::string message = error_of([&] { in.string_attribute("a/tokens", "vocab_hash"); });
  EXPECT_NE(message.find(path("attrs.h5")), std::string::npos) << message;
  EXPECT_NE(message.find("a/tokens"), std::string::npos) << message;
  EXPECT_NE(message.find("vocab_hash"), std::string::npos) << message;

  message = error_of([&] { in.int_attribute("/", "domain"); });
  EXPECT_NE(message.find("'domain' holds string, expected an integer"), std::string::npos)
      << message;
  message = error_of([&] { in.float_attribute("/", "count"); });
  EXPECT_NE(message.find("expected a floating-point"), std::string::npos) << message;
  message = error_of([&] { in.string_attribute("/", "rate"); });
  EXPECT_NE(message.find("expected a string"), std::string::npos) << message;
  message = error_of([&] { in.string_attribute("b", "x"); });
  EXPECT_NE(message.find("'b'"), std::string::npos) << message;
  EXPECT_NE(message.find("missing"), std::string::npos) << message;
}

TEST_F(Hdf5FileTest, ReadsVariableLengthStringAttributes) {
  // Files written by h5py store strings as variable-length; write one with the raw API.
  std::string name = path("vlen.h5");
  {
    File file = File::create(name);
    file.flush();
  }
  moe::h5::silence_hdf5_errors();
  moe::h5::Handle file(H5Fopen(name.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  ASSERT_TRUE(file.valid());
  moe::h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  moe::h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  moe::h5::Handle attribute(
      H5Acreate2(file.get(), "tool", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* text = "written by h5py";
  ASSERT_GE(H5Awrite(attribute.get(), type.get(), &text), 0);
  attribute.reset();
  file.reset();

  EXPECT_EQ(File::open_read(name).string_attribute("/", "tool"), "written by h5py");
}

TEST_F(Hdf5FileTest, OpenErrorsNameThePath) {
  std::string message = error_of([&] { File::open_read(path("absent.h5")); });
  EXPECT_NE(message.find(path("absent.h5")), std::string::npos) << message;
  EXPECT_NE(message.find("no such file"), std::string::npos) << message;

  std::ofstream(path("text.h5")) << "a,b,label\nfoo,bar,1\n";
  message = error_of([&] { File::open_read(path("text.h5")); });
  EXPECT_NE(message.find(path("text.h5")), std::string::npos) << message;
  EXPECT_NE(message.find("not an HDF5 file"), std::string::npos) << message;

  message = error_of([&] { File::open_read(temp_.dir().string()); });
  EXPECT_NE(message.find("directory"), std::string::npos) << message;

  message = error_of([&] { File::create(path("no/such/folder/x.h5")); });
  EXPECT_NE(message.find(path("no/such/folder/x.h5")), std::string::npos) << message;
}

TEST_F(Hdf5FileTest, TruncatedFileIsAnError) {
  {
    File file = File::create(path("full.h5"));
    std::vector<float> values(200000, 1.5f);
    file.write("values", values, {true, 0, true, 0});
    file.set_attribute("/", "count", int64_t{200000});
  }
  std::vector<char> bytes = read_bytes(path("full.h5"));
  bytes.resize(bytes.size() / 2);
  write_bytes(path("half.h5"), bytes);
  std::string message = error_of([&] {
    File file = File::open_read(path("half.h5"));
    file.read<float>("values");
  });
  EXPECT_NE(message.find(path("half.h5")), std::string::npos) << message;
}

TEST_F(Hdf5FileTest, Fletcher32DetectsCorruptBytes) {
  const std::string name = path("checked.h5");
  // A distinctive pattern so the data bytes can be found in the file.
  std::vector<int32_t> values(4096);
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0x5A000000 + static_cast<int32_t>(i);
  {
    File file = File::create(name);
    file.write("group/checked.values", values, {true, 1024, true, 0});
  }
  std::vector<char> bytes = read_bytes(name);
  // Element 2000 lives in the second chunk (elements 1024..2047), stored little-endian.
  int32_t needle_value = values[2000];
  char needle[4];
  for (int i = 0; i < 4; ++i) needle[i] = static_cast<char>((needle_value >> (8 * i)) & 0xFF);
  auto where = std::search(bytes.begin(), bytes.end(), needle, needle + 4);
  ASSERT_NE(where, bytes.end()) << "data bytes not found in the file";
  *where = static_cast<char>(*where ^ 0x01);
  write_bytes(name, bytes);

  File file = File::open_read(name);
  std::string message = error_of([&] { file.read<int32_t>("group/checked.values"); });
  EXPECT_NE(message.find(name), std::string::npos) << message;
  EXPECT_NE(message.find("group/checked.values"), std::string::npos) << message;
  EXPECT_NE(message.find("Fletcher32"), std::string::npos) << message;

  // A range inside the corrupt chunk fails too; a range in an intact chunk still reads.
  message = error_of([&] { file.read_range<int32_t>("group/checked.values", 1990, 20); });
  EXPECT_NE(message.find("group/checked.values"), std::string::npos) << message;
  EXPECT_EQ(file.read_range<int32_t>("group/checked.values", 0, 3),
            (std::vector<int32_t>{values[0], values[1], values[2]}));
}

TEST_F(Hdf5FileTest, HandleIsMoveOnlyAndClosesOnce) {
  moe::h5::silence_hdf5_errors();
  moe::h5::Handle a(H5Screate(H5S_SCALAR), H5Sclose);
  ASSERT_TRUE(a.valid());
  hid_t id = a.get();
  moe::h5::Handle b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(b.get(), id);
  moe::h5::Handle c;
  c = std::move(b);
  EXPECT_EQ(c.get(), id);
  EXPECT_GT(H5Iis_valid(id), 0);
  c.reset();
  EXPECT_LE(H5Iis_valid(id), 0);
  static_assert(!std::is_copy_constructible_v<moe::h5::Handle>);
  static_assert(!std::is_copy_constructible_v<File>);
}

TEST_F(Hdf5FileTest, UseAfterCloseIsAnError) {
  File file = File::create(path("closed.h5"));
  file.close();
  std::string message = error_of([&] { file.exists("x"); });
  EXPECT_NE(message.find("after close"), std::string::npos) << message;
}
