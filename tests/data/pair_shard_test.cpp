// Checks the pair shard writer and reader: round trips, the on-disk layout, atomic writes, and
// that every kind of bad shard is rejected with a message naming the file and the dataset.
#include "data/pair_shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>

#include "common/error.h"
#include "common/hdf5_file.h"
#include "support/expect_error.h"     // error_of, EXPECT_MENTIONS
#include "support/scoped_temp_dir.h"  // ScopedTempDir

namespace fs = std::filesystem;
using moe::data::PairShardReader;
using moe::data::PairShardWriter;
using moe::data::ShardInfo;
using moe::data::TokenPair;
using moe::testing_support::error_of;

namespace {

class PairShardTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_.path(name); }

  moe::testing_support::ScopedTempDir temp_{"moe_pair_shard_test"};
};

ShardInfo test_info() {
  ShardInfo info;
  info.domain = "cardio";
  info.split = "train";
  info.domain_index = 2;
  info.vocab_hash = 18446744073709551557ULL;  // above INT64_MAX: must survive as uint64
  info.lowercase = true;
  info.max_length = 64;
  info.created_by = "pair_shard_test (synthetic)";
  return info;
}

// Pairs of random lengths 0..max_length with token ids that encode (pair, side, position), so
// a misplaced token is caught.
std::vector<TokenPair> make_pairs(int count, int max_length, int32_t domain, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<TokenPair> pairs(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    TokenPair& pair = pairs[static_cast<size_t>(i)];
    int a_length = static_cast<int>(random() % static_cast<uint32_t>(max_length + 1));
    int b_length = static_cast<int>(random() % static_cast<uint32_t>(max_length + 1));
    for (int t = 0; t < a_length; ++t) pair.a.push_back(i * 1000 + t);
    for (int t = 0; t < b_length; ++t) pair.b.push_back(-(i * 1000 + t));
    pair.label = static_cast<float>(i % 7) / 7.0f;
    pair.weight = static_cast<float>(i % 5);
    pair.domain = domain;
  }
  return pairs;
}

void write_shard(const std::string& path, const std::vector<TokenPair>& pairs,
                 const ShardInfo& info, int deflate_level = 0) {
  PairShardWriter writer(path, info, deflate_level);
  for (const TokenPair& pair : pairs) writer.add(pair);
  writer.finish();
}

void expect_same_pairs(const std::vector<TokenPair>& actual, const std::vector<TokenPair>& expected,
                       size_t expected_begin = 0) {
  ASSERT_LE(expected_begin + actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    const TokenPair& want = expected[expected_begin + i];
    EXPECT_EQ(actual[i].a, want.a) << "pair " << expected_begin + i;
    EXPECT_EQ(actual[i].b, want.b) << "pair " << expected_begin + i;
    EXPECT_EQ(actual[i].label, want.label) << "pair " << expected_begin + i;
    EXPECT_EQ(actual[i].weight, want.weight) << "pair " << expected_begin + i;
    EXPECT_EQ(actual[i].domain, want.domain) << "pair " << expected_begin + i;
  }
}

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Flips one bit of the first stored copy of `value` (little-endian int32) in the file.
void corrupt_int32(const std::string& path, int32_t value) {
  std::vector<char> bytes = read_bytes(path);
  char needle[4];
  for (int i = 0; i < 4; ++i) needle[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  auto where = std::search(bytes.begin(), bytes.end(), needle, needle + 4);
  ASSERT_NE(where, bytes.end()) << "value " << value << " not found in " << path;
  *where = static_cast<char>(*where ^ 0x10);
  write_bytes(path, bytes);
}

// A shard's datasets and attributes laid out by hand, so tests can break one thing at a time.
struct RawShard {
  std::vector<int32_t> a_tokens{1, 2, 3, 4, 5};
  std::vector<int64_t> a_offsets{0, 2, 5};
  std::vector<int32_t> b_tokens{6, 7, 8};
  std::vector<int64_t> b_offsets{0, 1, 3};
  std::vector<float> label{1.0f, 0.0f};
  std::vector<int32_t> domain{2, 2};
  std::vector<float> weight{3.0f, 0.0f};
  int64_t format_version = 1;
  int64_t count = 2;
  std::string vocab_hash = "12345";
  std::set<std::string> skip;  // datasets and attributes to leave out

  void write(const std::string& path) const {
    moe::h5::File file = moe::h5::File::create(path);
    moe::h5::File::WriteOptions options{true, 0, true, 0};
    if (!skip.count("a/tokens")) file.write("a/tokens", a_tokens, options);
    if (!skip.count("a/offsets")) file.write("a/offsets", a_offsets, options);
    if (!skip.count("b/tokens")) file.write("b/tokens", b_tokens, options);
    if (!skip.count("b/offsets")) file.write("b/offsets", b_offsets, options);
    if (!skip.count("label")) file.write("label", label, options);
    if (!skip.count("domain")) file.write("domain", domain, options);
    if (!skip.count("weight")) file.write("weight", weight, options);
    if (!skip.count("format_version")) file.set_attribute("/", "format_version", format_version);
    file.set_attribute("/", "domain", "cardio");
    file.set_attribute("/", "domain_index", int64_t{2});
    file.set_attribute("/", "split", "train");
    if (!skip.count("count")) file.set_attribute("/", "count", count);
    file.set_attribute("/", "vocab_hash", vocab_hash);
    file.set_attribute("/", "lowercase", int64_t{0});
    file.set_attribute("/", "max_length", int64_t{0});
    file.set_attribute("/", "created_by", "hand-made");
  }
};

}  // namespace

TEST_F(PairShardTest, RoundTrip) {
  ShardInfo info = test_info();
  std::vector<TokenPair> pairs = make_pairs(500, info.max_length, info.domain_index, 7);
  write_shard(path("s.h5"), pairs, info);

  PairShardReader reader(path("s.h5"));
  EXPECT_EQ(reader.size(), 500);
  EXPECT_EQ(reader.path(), path("s.h5"));
  EXPECT_EQ(reader.info().domain, "cardio");
  EXPECT_EQ(reader.info().split, "train");
  EXPECT_EQ(reader.info().domain_index, 2);
  EXPECT_EQ(reader.info().vocab_hash, 18446744073709551557ULL);
  EXPECT_TRUE(reader.info().lowercase);
  EXPECT_EQ(reader.info().max_length, 64);
  EXPECT_EQ(reader.info().created_by, "pair_shard_test (synthetic)");

  expect_same_pairs(reader.read(0, 500), pairs);
  expect_same_pairs(reader.read(123, 45), pairs, 123);
  expect_same_pairs(reader.read(499, 1), pairs, 499);
  EXPECT_TRUE(reader.read(500, 0).empty());
  EXPECT_TRUE(reader.read(17, 0).empty());
}

TEST_F(PairShardTest, CompressedRoundTrip) {
  ShardInfo info = test_info();
  std::vector<TokenPair> pairs = make_pairs(300, info.max_length, info.domain_index, 8);
  write_shard(path("z.h5"), pairs, info, 4);
  PairShardReader reader(path("z.h5"));
  expect_same_pairs(reader.read(0, 300), pairs);
}

TEST_F(PairShardTest, LayoutOnDisk) {
  ShardInfo info = test_info();
  std::vector<TokenPair> pairs = make_pairs(10, info.max_length, info.domain_index, 9);
  write_shard(path("s.h5"), pairs, info);

  moe::h5::File file = moe::h5::File::open_read(path("s.h5"));
  EXPECT_EQ(file.list_datasets(), (std::vector<std::string>{"a/offsets", "a/tokens", "b/offsets",
                                                            "b/tokens", "domain", "label",
                                                            "weight"}));
  EXPECT_EQ(file.int_attribute("/", "format_version"), 1);
  EXPECT_EQ(file.int_attribute("/", "count"), 10);
  EXPECT_EQ(file.string_attribute("/", "vocab_hash"), "18446744073709551557");
  EXPECT_EQ(file.int_attribute("/", "lowercase"), 1);
  EXPECT_EQ(file.int_attribute("/", "max_length"), 64);
  EXPECT_EQ(file.string_attribute("/", "domain"), "cardio");
  EXPECT_EQ(file.string_attribute("/", "split"), "train");
  EXPECT_EQ(file.shape("a/offsets"), std::vector<int64_t>{11});
  EXPECT_EQ(file.read<int32_t>("domain"), std::vector<int32_t>(10, 2));

  file.close();

  // Every dataset is chunked with a Fletcher32 checksum (checked through the raw API).
  moe::h5::Handle raw(H5Fopen(path("s.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_TRUE(raw.valid());
  for (const char* name :
       {"a/tokens", "a/offsets", "b/tokens", "b/offsets", "label", "domain", "weight"}) {
    moe::h5::Handle dataset(H5Dopen2(raw.get(), name, H5P_DEFAULT), H5Dclose);
    ASSERT_TRUE(dataset.valid()) << name;
    moe::h5::Handle properties(H5Dget_create_plist(dataset.get()), H5Pclose);
    EXPECT_EQ(H5Pget_layout(properties.get()), H5D_CHUNKED) << name;
    bool fletcher32 = false;
    for (int i = 0; i < H5Pget_nfilters(properties.get()); ++i) {
      unsigned flags = 0;
      size_t values = 0;
      char filter_name[64];
      unsigned config = 0;
      if (H5Pget_filter2(properties.get(), static_cast<unsigned>(i), &flags, &values, nullptr,
                         sizeof(filter_name), filter_name, &config) == H5Z_FILTER_FLETCHER32) {
        fletcher32 = true;
      }
    }
    EXPECT_TRUE(fletcher32) << name;
  }
}

TEST_F(PairShardTest, EmptyShard) {
  write_shard(path("empty.h5"), {}, test_info());
  PairShardReader reader(path("empty.h5"));
  EXPECT_EQ(reader.size(), 0);
  EXPECT_TRUE(reader.read(0, 0).empty());
}

TEST_F(PairShardTest, WriterIsAtomic) {
  ShardInfo info = test_info();
  std::vector<TokenPair> pairs = make_pairs(20, info.max_length, info.domain_index, 10);
  {
    PairShardWriter writer(path("abandoned.h5"), info);
    for (const TokenPair& pair : pairs) writer.add(pair);
    EXPECT_EQ(writer.size(), 20);
  }  // destroyed without finish()
  EXPECT_FALSE(fs::exists(path("abandoned.h5")));
  EXPECT_FALSE(fs::exists(path("abandoned.h5.tmp")));

  PairShardWriter writer(path("done.h5"), info);
  for (const TokenPair& pair : pairs) writer.add(pair);
  writer.finish();
  EXPECT_TRUE(fs::exists(path("done.h5")));
  EXPECT_FALSE(fs::exists(path("done.h5.tmp")));
  EXPECT_MENTIONS(error_of([&] { writer.add(pairs[0]); }), "after finish");
  EXPECT_MENTIONS(error_of([&] { writer.finish(); }), "twice");

  // A failed finish (folder missing) leaves nothing behind either.
  PairShardWriter lost(path("missing/folder/s.h5"), info);
  lost.add(pairs[0]);
  EXPECT_MENTIONS(error_of([&] { lost.finish(); }), path("missing/folder/s.h5"));
  EXPECT_FALSE(fs::exists(path("missing")));
}

TEST_F(PairShardTest, WriterRejectsBadPairsAndInfo) {
  ShardInfo info = test_info();
  PairShardWriter writer(path("s.h5"), info);
  TokenPair pair;
  pair.a = {1, 2};
  pair.b = {3};
  pair.domain = 0;
  std::string message = error_of([&] { writer.add(pair); });
  EXPECT_MENTIONS(message, path("s.h5"));
  EXPECT_MENTIONS(message, "domain index 0");
  EXPECT_MENTIONS(message, "'cardio'");

  pair.domain = info.domain_index;
  pair.b.assign(65, 7);
  EXPECT_MENTIONS(error_of([&] { writer.add(pair); }), "more than max_length 64");
  pair.b = {3};
  pair.label = std::nanf("");
  EXPECT_MENTIONS(error_of([&] { writer.add(pair); }), "label");
  pair.label = 1.0f;
  pair.weight = -1.0f;
  EXPECT_MENTIONS(error_of([&] { writer.add(pair); }), "weight");
  EXPECT_EQ(writer.size(), 0);

  ShardInfo nameless = info;
  nameless.domain.clear();
  EXPECT_MENTIONS(error_of([&] { PairShardWriter(path("x.h5"), nameless); }), "domain name");
  EXPECT_MENTIONS(error_of([&] { PairShardWriter(path("x.h5"), info, 10); }), "deflate level 10");
}

TEST_F(PairShardTest, MissingFile) {
  std::string message = error_of([&] { PairShardReader reader(path("nowhere.h5")); });
  EXPECT_MENTIONS(message, path("nowhere.h5"));
  EXPECT_MENTIONS(message, "no such file");
  EXPECT_MENTIONS(message, "moe_prep");
}

TEST_F(PairShardTest, NotAShard) {
  moe::h5::File::create(path("other.h5")).write("weights", std::vector<float>{1.0f});
  std::string message = error_of([&] { PairShardReader reader(path("other.h5")); });
  EXPECT_MENTIONS(message, path("other.h5"));
  EXPECT_MENTIONS(message, "format_version");
}

TEST_F(PairShardTest, MissingDataset) {
  for (const char* name :
       {"a/tokens", "a/offsets", "b/tokens", "b/offsets", "label", "domain", "weight"}) {
    RawShard raw;
    raw.skip = {name};
    const std::string file = path("missing.h5");
    fs::remove(file);
    raw.write(file);
    std::string message = error_of([&] { PairShardReader reader(file); });
    EXPECT_MENTIONS(message, file);
    EXPECT_MENTIONS(message, std::string("dataset '") + name + "' is missing");
    EXPECT_MENTIONS(message, "re-run moe_prep");
  }
}

TEST_F(PairShardTest, HandMadeShardReads) {
  RawShard raw;
  raw.write(path("raw.h5"));
  PairShardReader reader(path("raw.h5"));
  std::vector<TokenPair> pairs = reader.read(0, 2);
  EXPECT_EQ(pairs[0].a, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(pairs[1].a, (std::vector<int32_t>{3, 4, 5}));
  EXPECT_EQ(pairs[1].b, (std::vector<int32_t>{7, 8}));
  EXPECT_EQ(reader.info().vocab_hash, 12345u);
}

TEST_F(PairShardTest, WrongFormatVersion) {
  RawShard raw;
  raw.format_version = 2;
  raw.write(path("v2.h5"));
  std::string message = error_of([&] { PairShardReader reader(path("v2.h5")); });
  EXPECT_MENTIONS(message, path("v2.h5"));
  EXPECT_MENTIONS(message, "format_version is 2");
  EXPECT_MENTIONS(message, "re-run moe_prep");
}

TEST_F(PairShardTest, MissingAttribute) {
  RawShard raw;
  raw.skip = {"count"};
  raw.write(path("s.h5"));
  std::string message = error_of([&] { PairShardReader reader(path("s.h5")); });
  EXPECT_MENTIONS(message, path("s.h5"));
  EXPECT_MENTIONS(message, "attribute 'count' is missing");
}

TEST_F(PairShardTest, BadVocabHash) {
  RawShard raw;
  raw.vocab_hash = "0x1234";
  raw.write(path("s.h5"));
  EXPECT_MENTIONS(error_of([&] { PairShardReader reader(path("s.h5")); }),
                  "'vocab_hash' is '0x1234'");
}

TEST_F(PairShardTest, InconsistentOffsets) {
  struct Case {
    const char* what;
    void (*mutate)(RawShard&);
    const char* expected;
  };
  const Case cases[] = {
      {"decreasing",
       [](RawShard& r) {
         r.a_offsets = {0, 4, 3};
       },
       "'a/offsets' decreases at pair 1"},
      {"end mismatch",
       [](RawShard& r) {
         r.b_offsets = {0, 1, 2};
       },
       "'b/offsets' ends at 2 but 'b/tokens' holds 3 tokens"},
      {"bad start",
       [](RawShard& r) {
         r.a_offsets = {1, 2, 5};
       },
       "'a/offsets' starts at 1"},
      {"wrong length",
       [](RawShard& r) {
         r.a_offsets = {0, 5};
       },
       "'a/offsets' has 2 entries"},
      {"count vs labels",
       [](RawShard& r) {
         r.label = {1.0f, 0.0f, 0.5f};
       },
       "'label' has 3 entries but attribute 'count' is 2"},
      {"count vs domain", [](RawShard& r) { r.domain = {2}; }, "'domain' has 1 entries"},
      {"count vs weight", [](RawShard& r) { r.weight = {1.0f}; }, "'weight' has 1 entries"},
      {"count vs offsets",
       [](RawShard& r) {
         r.count = 1;
         r.label = {1.0f};
         r.domain = {2};
         r.weight = {1.0f};
       },
       "'a/offsets' has 3 entries, expected count + 1 = 2"},
  };
  for (const Case& c : cases) {
    RawShard raw;
    c.mutate(raw);
    const std::string file = path(std::string("bad_") + std::to_string(&c - cases) + ".h5");
    raw.write(file);
    std::string message = error_of([&] { PairShardReader reader(file); });
    EXPECT_MENTIONS(message, file) << c.what;
    EXPECT_MENTIONS(message, c.expected) << c.what;
    EXPECT_MENTIONS(message, "re-run moe_prep") << c.what;
  }
}

TEST_F(PairShardTest, WrongStoredType) {
  RawShard raw;
  raw.skip = {"a/tokens"};
  raw.write(path("typed.h5"));
  {
    // Re-create a/tokens as int64: open for writing through the raw API.
    moe::h5::Handle handle(H5Fopen(path("typed.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    ASSERT_TRUE(handle.valid());
    hsize_t dims = 5;
    moe::h5::Handle space(H5Screate_simple(1, &dims, nullptr), H5Sclose);
    moe::h5::Handle group(H5Gopen2(handle.get(), "a", H5P_DEFAULT), H5Gclose);
    moe::h5::Handle dataset(H5Dcreate2(group.get(), "tokens", H5T_STD_I64LE, space.get(),
                                       H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                            H5Dclose);
    int64_t values[5] = {1, 2, 3, 4, 5};
    ASSERT_GE(H5Dwrite(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), 0);
  }
  std::string message = error_of([&] { PairShardReader reader(path("typed.h5")); });
  EXPECT_MENTIONS(message, path("typed.h5"));
  EXPECT_MENTIONS(message, "a/tokens");
  EXPECT_MENTIONS(message, "int64");
  EXPECT_MENTIONS(message, "re-run moe_prep");
}

TEST_F(PairShardTest, WrongDomainValue) {
  RawShard raw;
  raw.domain = {2, 5};
  raw.write(path("s.h5"));
  PairShardReader reader(path("s.h5"));
  EXPECT_EQ(reader.read(0, 1)[0].domain, 2);
  std::string message = error_of([&] { reader.read(0, 2); });
  EXPECT_MENTIONS(message, path("s.h5"));
  EXPECT_MENTIONS(message, "dataset 'domain' holds 5 at pair 1");
}

TEST_F(PairShardTest, ReadOutOfRange) {
  ShardInfo info = test_info();
  write_shard(path("s.h5"), make_pairs(10, 8, info.domain_index, 1), info);
  PairShardReader reader(path("s.h5"));
  EXPECT_MENTIONS(error_of([&] { reader.read(5, 6); }), "holds 10");
  EXPECT_MENTIONS(error_of([&] { reader.read(-1, 1); }), path("s.h5"));
}

TEST_F(PairShardTest, TruncatedFile) {
  ShardInfo info = test_info();
  write_shard(path("full.h5"), make_pairs(2000, info.max_length, info.domain_index, 3), info);
  std::vector<char> bytes = read_bytes(path("full.h5"));
  bytes.resize(bytes.size() / 2);
  write_bytes(path("half.h5"), bytes);
  std::string message = error_of([&] { PairShardReader reader(path("half.h5")); });
  EXPECT_MENTIONS(message, path("half.h5"));
  EXPECT_MENTIONS(message, "truncated");
  EXPECT_MENTIONS(message, "re-run moe_prep");
}

TEST_F(PairShardTest, CorruptBytesAreDetectedAndRangesReadOnlyTheirChunks) {
  // 3000 pairs of 100 tokens: a/tokens holds 300000 int32 values, more than one 1 MiB chunk
  // (262144 values), so the last pairs live in the second chunk.
  ShardInfo info = test_info();
  info.max_length = 100;
  std::vector<TokenPair> pairs(3000);
  for (int i = 0; i < 3000; ++i) {
    for (int t = 0; t < 100; ++t)
      pairs[static_cast<size_t>(i)].a.push_back(0x5A000000 + i * 100 + t);
    pairs[static_cast<size_t>(i)].b = {i};
    pairs[static_cast<size_t>(i)].label = 1.0f;
    pairs[static_cast<size_t>(i)].domain = info.domain_index;
  }
  write_shard(path("s.h5"), pairs, info);
  corrupt_int32(path("s.h5"), pairs[2995].a[10]);

  PairShardReader reader(path("s.h5"));          // offsets are intact
  expect_same_pairs(reader.read(0, 10), pairs);  // first chunk: still readable
  std::string message = error_of([&] { reader.read(2990, 10); });
  EXPECT_MENTIONS(message, path("s.h5"));
  EXPECT_MENTIONS(message, "a/tokens");
  EXPECT_MENTIONS(message, "Fletcher32");
  EXPECT_MENTIONS(message, "re-run moe_prep");
}

TEST_F(PairShardTest, CorruptOffsetsFailAtOpen) {
  ShardInfo info = test_info();
  std::vector<TokenPair> pairs = make_pairs(50, 8, info.domain_index, 4);
  write_shard(path("s.h5"), pairs, info);
  // Stored offsets are int64; the low half of a distinctive one is an int32 needle.
  moe::h5::File file = moe::h5::File::open_read(path("s.h5"));
  std::vector<int64_t> offsets = file.read<int64_t>("b/offsets");
  file.close();
  int64_t target = offsets[40];
  ASSERT_GT(target, 0);
  // Find the 8-byte little-endian pattern of offsets[39..40] to be sure it is the offsets data.
  std::vector<char> bytes = read_bytes(path("s.h5"));
  std::vector<char> needle(16);
  for (int i = 0; i < 8; ++i)
    needle[static_cast<size_t>(i)] = static_cast<char>((offsets[39] >> (8 * i)) & 0xFF);
  for (int i = 0; i < 8; ++i)
    needle[static_cast<size_t>(8 + i)] = static_cast<char>((target >> (8 * i)) & 0xFF);
  auto where = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  ASSERT_NE(where, bytes.end());
  where[8] = static_cast<char>(where[8] ^ 0x04);
  write_bytes(path("s.h5"), bytes);

  std::string message = error_of([&] { PairShardReader reader(path("s.h5")); });
  EXPECT_MENTIONS(message, path("s.h5"));
  EXPECT_MENTIONS(message, "offsets");
  EXPECT_MENTIONS(message, "re-run moe_prep");
}
