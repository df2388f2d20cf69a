// Writes and validates pair shards (layout in pair_shard.h).
#include "data/pair_shard.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <system_error>
#include <utility>

#include "common/error.h"

namespace moe::data {
namespace {

const char* const kRebuild = "; re-run moe_prep to rebuild the shard";

const char* const kDatasets[] = {"a/tokens", "a/offsets", "b/tokens", "b/offsets",
                                 "label",    "domain",    "weight"};

h5::File::WriteOptions shard_options(int deflate_level) {
  h5::File::WriteOptions options;
  options.chunked = true;
  options.chunk_elements = 0;  // about 1 MiB, capped by the dataset's size
  options.fletcher32 = true;
  options.deflate_level = deflate_level;
  return options;
}

}  // namespace

// ---- Writer --------------------------------------------------------------------------------

PairShardWriter::PairShardWriter(std::string path, ShardInfo info, int deflate_level)
    : path_(std::move(path)), info_(std::move(info)), deflate_level_(deflate_level) {
  MOE_REQUIRE(!info_.domain.empty(), "shard ", path_, ": the domain name is empty");
  MOE_REQUIRE(!info_.split.empty(), "shard ", path_, ": the split name is empty");
  MOE_REQUIRE(info_.domain_index >= 0, "shard ", path_, ": domain_index ", info_.domain_index,
              " is negative");
  MOE_REQUIRE(info_.max_length >= 0, "shard ", path_, ": max_length ", info_.max_length,
              " is negative");
  MOE_REQUIRE(deflate_level_ >= 0 && deflate_level_ <= 9, "shard ", path_, ": deflate level ",
              deflate_level_, " is not in 0..9");
}

void PairShardWriter::add(const TokenPair& pair) {
  MOE_REQUIRE(!finished_, "shard ", path_, ": add() after finish()");
  const int64_t index = size();
  MOE_REQUIRE(pair.domain == info_.domain_index, "shard ", path_, ": pair ", index,
              " has domain index ", pair.domain, " but the shard holds domain '", info_.domain,
              "' (index ", info_.domain_index, ")");
  if (info_.max_length > 0) {
    MOE_REQUIRE(pair.a.size() <= static_cast<size_t>(info_.max_length) &&
                    pair.b.size() <= static_cast<size_t>(info_.max_length),
                "shard ", path_, ": pair ", index, " has ", pair.a.size(), " + ", pair.b.size(),
                " tokens, more than max_length ", info_.max_length, " on one side");
  }
  MOE_REQUIRE(std::isfinite(pair.label), "shard ", path_, ": pair ", index, " has label ",
              pair.label);
  MOE_REQUIRE(std::isfinite(pair.weight) && pair.weight >= 0.0f, "shard ", path_, ": pair ", index,
              " has weight ", pair.weight, "; weights are finite and >= 0");
  a_tokens_.insert(a_tokens_.end(), pair.a.begin(), pair.a.end());
  b_tokens_.insert(b_tokens_.end(), pair.b.begin(), pair.b.end());
  a_offsets_.push_back(static_cast<int64_t>(a_tokens_.size()));
  b_offsets_.push_back(static_cast<int64_t>(b_tokens_.size()));
  labels_.push_back(pair.label);
  weights_.push_back(pair.weight);
}

void PairShardWriter::finish() {
  MOE_REQUIRE(!finished_, "shard ", path_, ": finish() called twice");
  const std::string temporary = path_ + ".tmp";
  try {
    h5::File file = h5::File::create(temporary);
    const h5::File::WriteOptions options = shard_options(deflate_level_);
    file.write("a/tokens", a_tokens_, options);
    file.write("a/offsets", a_offsets_, options);
    file.write("b/tokens", b_tokens_, options);
    file.write("b/offsets", b_offsets_, options);
    file.write("label", labels_, options);
    file.write("weight", weights_, options);
    file.write("domain", std::vector<int32_t>(labels_.size(), info_.domain_index), options);
    file.set_attribute("/", "format_version", kPairShardFormatVersion);
    file.set_attribute("/", "domain", info_.domain);
    file.set_attribute("/", "domain_index", int64_t{info_.domain_index});
    file.set_attribute("/", "split", info_.split);
    file.set_attribute("/", "count", size());
    file.set_attribute("/", "vocab_hash", std::to_string(info_.vocab_hash));
    file.set_attribute("/", "lowercase", int64_t{info_.lowercase ? 1 : 0});
    file.set_attribute("/", "max_length", int64_t{info_.max_length});
    file.set_attribute("/", "created_by", info_.created_by);
    file.close();
    std::error_code error;
    std::filesystem::rename(temporary, path_, error);
    MOE_REQUIRE(!error, "shard ", path_, ": cannot rename ", temporary,
                " onto it: ", error.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
  finished_ = true;
  // The pairs are on disk now; give the memory back.
  a_tokens_ = {};
  b_tokens_ = {};
  a_offsets_ = {};
  b_offsets_ = {};
}

// ---- Reader --------------------------------------------------------------------------------

namespace {

// Throws for a shard that fails validation, naming the file and suggesting the fix.
[[noreturn]] void bad_shard(const std::string& path, const std::string& why) {
  throw Error(cat("shard ", path, ": ", why, kRebuild));
}

// Runs `body`; a moe::Error from the HDF5 layer (which names the file and dataset) gets the
// re-run hint appended.
template <typename Body>
auto with_hint(Body body) -> decltype(body()) {
  try {
    return body();
  } catch (const Error& error) {
    throw Error(cat(error.what(), kRebuild));
  }
}

uint64_t parse_vocab_hash(const std::string& path, const std::string& text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    bad_shard(path, cat("attribute 'vocab_hash' is '", text, "', not a decimal 64-bit number"));
  }
  return value;
}

// Checks one side's offsets against its token array and the max length.
void check_offsets(const std::string& path, const std::string& side,
                   const std::vector<int64_t>& offsets, int64_t count, int64_t tokens,
                   int32_t max_length) {
  const std::string name = side + "/offsets";
  if (static_cast<int64_t>(offsets.size()) != count + 1) {
    bad_shard(path, cat("dataset '", name, "' has ", offsets.size(),
                        " entries, expected count + 1 = ", count + 1));
  }
  if (offsets.front() != 0) {
    bad_shard(path, cat("dataset '", name, "' starts at ", offsets.front(), ", expected 0"));
  }
  for (int64_t i = 0; i < count; ++i) {
    int64_t length = offsets[i + 1] - offsets[i];
    if (length < 0) {
      bad_shard(path, cat("dataset '", name, "' decreases at pair ", i, " (", offsets[i], " then ",
                          offsets[i + 1], ")"));
    }
    if (max_length > 0 && length > max_length) {
      bad_shard(path, cat("pair ", i, " has ", length, " tokens on side ", side,
                          ", more than max_length ", max_length));
    }
  }
  if (offsets.back() != tokens) {
    bad_shard(path, cat("dataset '", name, "' ends at ", offsets.back(), " but '", side,
                        "/tokens' holds ", tokens, " tokens"));
  }
}

}  // namespace

PairShardReader::PairShardReader(const std::string& path)
    : file_(with_hint([&] { return h5::File::open_read(path); })) {
  if (!file_.has_attribute("/", "format_version")) {
    bad_shard(path, "no 'format_version' attribute (not a pair shard?)");
  }
  const int64_t version = with_hint([&] { return file_.int_attribute("/", "format_version"); });
  if (version != kPairShardFormatVersion) {
    bad_shard(path, cat("format_version is ", version, " but this build reads version ",
                        kPairShardFormatVersion));
  }
  for (const char* name : {"domain", "domain_index", "split", "count", "vocab_hash", "lowercase",
                           "max_length", "created_by"}) {
    if (!file_.has_attribute("/", name)) bad_shard(path, cat("attribute '", name, "' is missing"));
  }
  for (const char* name : kDatasets) {
    if (!file_.exists(name)) bad_shard(path, cat("dataset '", name, "' is missing"));
  }

  int64_t domain_index = 0, max_length = 0;
  std::string vocab_hash;
  with_hint([&] {
    info_.domain = file_.string_attribute("/", "domain");
    info_.split = file_.string_attribute("/", "split");
    info_.created_by = file_.string_attribute("/", "created_by");
    vocab_hash = file_.string_attribute("/", "vocab_hash");
    info_.lowercase = file_.int_attribute("/", "lowercase") != 0;
    domain_index = file_.int_attribute("/", "domain_index");
    max_length = file_.int_attribute("/", "max_length");
    count_ = file_.int_attribute("/", "count");
  });
  info_.vocab_hash = parse_vocab_hash(path, vocab_hash);
  if (domain_index < 0 || domain_index > INT32_MAX) {
    bad_shard(path, cat("attribute 'domain_index' is ", domain_index));
  }
  if (max_length < 0 || max_length > INT32_MAX) {
    bad_shard(path, cat("attribute 'max_length' is ", max_length));
  }
  if (count_ < 0) bad_shard(path, cat("attribute 'count' is ", count_));
  info_.domain_index = static_cast<int32_t>(domain_index);
  info_.max_length = static_cast<int32_t>(max_length);

  for (const char* name : kDatasets) {
    std::vector<int64_t> shape = with_hint([&] { return file_.shape(name); });
    if (shape.size() != 1) {
      bad_shard(path, cat("dataset '", name, "' has ", shape.size(), " dimensions, expected 1"));
    }
  }
  for (const char* name : {"label", "domain", "weight"}) {
    int64_t length = with_hint([&] { return file_.shape(name); })[0];
    if (length != count_) {
      bad_shard(path, cat("dataset '", name, "' has ", length, " entries but attribute 'count' is ",
                          count_));
    }
  }
  // Empty reads check each stored type without touching the data; reading the offsets
  // also verifies their checksums.
  with_hint([&] {
    file_.read_range<int32_t>("a/tokens", 0, 0);
    file_.read_range<int32_t>("b/tokens", 0, 0);
    file_.read_range<float>("label", 0, 0);
    file_.read_range<float>("weight", 0, 0);
    file_.read_range<int32_t>("domain", 0, 0);
  });
  a_offsets_ = with_hint([&] { return file_.read<int64_t>("a/offsets"); });
  b_offsets_ = with_hint([&] { return file_.read<int64_t>("b/offsets"); });
  check_offsets(path, "a", a_offsets_, count_, file_.shape("a/tokens")[0], info_.max_length);
  check_offsets(path, "b", b_offsets_, count_, file_.shape("b/tokens")[0], info_.max_length);
}

std::vector<TokenPair> PairShardReader::read(int64_t begin, int64_t count) const {
  MOE_REQUIRE(begin >= 0 && count >= 0 && begin <= count_ - count, "shard ", path(),
              ": cannot read ", count, " pairs from pair ", begin, "; it holds ", count_);
  std::vector<TokenPair> pairs(static_cast<size_t>(count));
  if (count == 0) return pairs;
  const int64_t end = begin + count;
  const int64_t a_start = a_offsets_[begin];
  const int64_t b_start = b_offsets_[begin];
  const std::vector<int32_t> a_tokens = with_hint(
      [&] { return file_.read_range<int32_t>("a/tokens", a_start, a_offsets_[end] - a_start); });
  const std::vector<int32_t> b_tokens = with_hint(
      [&] { return file_.read_range<int32_t>("b/tokens", b_start, b_offsets_[end] - b_start); });
  const std::vector<float> labels =
      with_hint([&] { return file_.read_range<float>("label", begin, count); });
  const std::vector<int32_t> domains =
      with_hint([&] { return file_.read_range<int32_t>("domain", begin, count); });
  const std::vector<float> weights =
      with_hint([&] { return file_.read_range<float>("weight", begin, count); });

  for (int64_t i = 0; i < count; ++i) {
    const int64_t pair = begin + i;
    TokenPair& out = pairs[static_cast<size_t>(i)];
    out.a.assign(a_tokens.begin() + (a_offsets_[pair] - a_start),
                 a_tokens.begin() + (a_offsets_[pair + 1] - a_start));
    out.b.assign(b_tokens.begin() + (b_offsets_[pair] - b_start),
                 b_tokens.begin() + (b_offsets_[pair + 1] - b_start));
    out.label = labels[static_cast<size_t>(i)];
    out.domain = domains[static_cast<size_t>(i)];
    out.weight = weights[static_cast<size_t>(i)];
    if (out.domain != info_.domain_index) {
      bad_shard(path(), cat("dataset 'domain' holds ", out.domain, " at pair ", pair,
                            " but the shard's domain_index is ", info_.domain_index));
    }
  }
  return pairs;
}

}  // namespace moe::data
