// The training-pair shard: one HDF5 file holding a slice of one domain and one split, its
// writer (used by moe_prep) and its validating reader (used by the loaders).
//
// Layout, format_version 1 (inspect with `h5ls -r` / `h5dump -A`):
//   /a/tokens    int32 [total_a]   token ids of side a of every pair, concatenated
//   /a/offsets   int64 [count + 1] pair i's side a is a/tokens[offsets[i] .. offsets[i+1]);
//                                  offsets[0] = 0, non-decreasing, offsets[count] = total_a
//   /b/tokens    int32 [total_b]   the same for side b
//   /b/offsets   int64 [count + 1]
//   /label       float32 [count]   similarity label of each pair
//   /weight      float32 [count]   how strongly a pair is attested: the co-citation count of
//                                  an assembled positive, 1 for a positive from a pair file,
//                                  0 for a negative (kept for analysis; the loss ignores it)
//   /domain      int32 [count]     index into the manifest's domain list (all equal to the
//                                  root attribute domain_index: one domain per shard)
// Every dataset is chunked (about 1 MiB per chunk, less for small datasets) with Fletcher32
// checksums, so corrupt bytes fail the read instead of feeding garbage to training; deflate
// compression is optional. Empty datasets are stored contiguous (HDF5 cannot chunk them).
// Root attributes:
//   format_version int64   1
//   domain         string  domain name (as in the manifest)
//   domain_index   int64   the domain's index in the manifest's domain list
//   split          string  "train", "valid" or "test"
//   count          int64   number of pairs
//   vocab_hash     string  decimal uint64 hash of the tokenizer vocabulary (HDF5 attributes
//                          have no portable unsigned 64-bit reading in every tool)
//   lowercase      int64   1 if the tokenizer lower-cased the text, else 0
//   max_length     int64   tokenizer truncation length (0: none); no side is longer
//   created_by     string  free-text provenance (tool, version, input files)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/hdf5_file.h"

namespace moe::data {

constexpr int64_t kPairShardFormatVersion = 1;

struct TokenPair {
  std::vector<int32_t> a, b;
  float label = 0.0f;
  int32_t domain = 0;
  float weight = 1.0f;  // see /weight above
};

struct ShardInfo {
  std::string domain, split;
  int32_t domain_index = 0;
  uint64_t vocab_hash = 0;
  bool lowercase = false;
  int32_t max_length = 0;
  std::string created_by;
};

// Collects pairs in memory and writes the shard in finish(): to path + ".tmp" first, renamed
// to path only when complete, so a crash or a writer destroyed without finish() leaves no
// (partial) shard behind.
class PairShardWriter {
 public:
  // deflate_level 0..9: 0 stores the data uncompressed.
  PairShardWriter(std::string path, ShardInfo info, int deflate_level = 0);

  // The pair's domain must be info.domain_index, and with max_length > 0 neither side may be
  // longer than max_length.
  void add(const TokenPair& pair);
  int64_t size() const { return static_cast<int64_t>(labels_.size()); }
  void finish();

 private:
  std::string path_;
  ShardInfo info_;
  int deflate_level_;
  bool finished_ = false;
  std::vector<int32_t> a_tokens_, b_tokens_;
  std::vector<int64_t> a_offsets_{0}, b_offsets_{0};
  std::vector<float> labels_;
  std::vector<float> weights_;
};

// Opens a shard and validates it up front: format version, every attribute and dataset
// present with the right type, offsets consistent with the token arrays, sizes matching
// count. Errors name the file and dataset and suggest re-running moe_prep. Keeps the offsets
// (16 bytes per pair) in memory so read() touches only the slices it needs.
class PairShardReader {
 public:
  explicit PairShardReader(const std::string& path);

  const std::string& path() const { return file_.path(); }
  const ShardInfo& info() const { return info_; }
  int64_t size() const { return count_; }
  // Pairs [begin, begin + count); reads only those slices of each dataset.
  std::vector<TokenPair> read(int64_t begin, int64_t count) const;

 private:
  h5::File file_;
  ShardInfo info_;
  int64_t count_ = 0;
  std::vector<int64_t> a_offsets_, b_offsets_;
};

}  // namespace moe::data
