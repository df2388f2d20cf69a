// Implementation of the dataset statistics (see dataset_statistics.h).
#include "data/dataset_statistics.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "common/error.h"
#include "data/pair_shard.h"

namespace moe::data {
namespace {

constexpr int64_t kReadRange = 8192;  // pairs per read: bounded memory, whole HDF5 chunks

// Exact quantiles from a histogram of lengths (lengths are small integers).
LengthSummary summarise(const std::map<int64_t, int64_t>& histogram, int64_t count) {
  LengthSummary summary;
  if (count == 0) return summary;
  summary.min = histogram.begin()->first;
  summary.max = histogram.rbegin()->first;
  double total = 0.0;
  int64_t seen = 0;
  const int64_t rank50 = (count - 1) / 2, rank95 = (count - 1) * 95 / 100;
  bool have50 = false, have95 = false;
  for (const auto& [length, n] : histogram) {
    total += static_cast<double>(length) * n;
    seen += n;
    if (!have50 && seen > rank50) summary.p50 = length, have50 = true;
    if (!have95 && seen > rank95) summary.p95 = length, have95 = true;
  }
  summary.mean = total / count;
  return summary;
}

}  // namespace

std::vector<SplitStatistics> compute_dataset_statistics(const Manifest& manifest) {
  std::vector<SplitStatistics> result;
  for (const std::string& domain : manifest.domains) {
    for (const char* split : {"train", "valid", "test"}) {
      const std::vector<ShardEntry> shards = manifest.shards_of(split, domain);
      if (shards.empty()) continue;
      SplitStatistics stats;
      stats.domain = domain;
      stats.split = split;
      stats.shards = static_cast<int64_t>(shards.size());
      std::map<int64_t, int64_t> a_lengths, b_lengths;
      for (const ShardEntry& entry : shards) {
        const std::string path = manifest.resolve(entry.path);
        PairShardReader reader(path);
        MOE_REQUIRE(reader.size() == entry.count, "shard ", path, ": holds ", reader.size(),
                    " pairs but the manifest says ", entry.count, "; re-run moe_prep");
        for (int64_t begin = 0; begin < reader.size(); begin += kReadRange) {
          for (const TokenPair& pair :
               reader.read(begin, std::min(kReadRange, reader.size() - begin))) {
            ++a_lengths[static_cast<int64_t>(pair.a.size())];
            ++b_lengths[static_cast<int64_t>(pair.b.size())];
            stats.positives += pair.label > 0.5f ? 1 : 0;
            ++stats.pairs;
          }
        }
      }
      stats.a_tokens = summarise(a_lengths, stats.pairs);
      stats.b_tokens = summarise(b_lengths, stats.pairs);
      result.push_back(stats);
    }
  }
  return result;
}

std::string format_dataset_statistics(const Manifest& manifest,
                                      const std::vector<SplitStatistics>& statistics) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "vocabulary %s (hash %llu, %s), max length %d\n",
                manifest.vocab_file.c_str(), static_cast<unsigned long long>(manifest.vocab_hash),
                manifest.lowercase ? "uncased" : "cased", manifest.max_length);
  out += line;
  std::snprintf(line, sizeof(line), "%-14s %-6s %6s %9s %9s  %-26s %-26s\n", "domain", "split",
                "shards", "pairs", "positive", "a tokens min/p50/p95/max",
                "b tokens min/p50/p95/max");
  out += line;
  for (const SplitStatistics& s : statistics) {
    auto lengths = [](const LengthSummary& l) {
      char text[64];
      std::snprintf(text, sizeof(text), "%lld/%lld/%lld/%lld (mean %.1f)",
                    static_cast<long long>(l.min), static_cast<long long>(l.p50),
                    static_cast<long long>(l.p95), static_cast<long long>(l.max), l.mean);
      return std::string(text);
    };
    std::snprintf(line, sizeof(line), "%-14s %-6s %6lld %9lld %9lld  %-26s %-26s\n",
                  s.domain.c_str(), s.split.c_str(), static_cast<long long>(s.shards),
                  static_cast<long long>(s.pairs), static_cast<long long>(s.positives),
                  lengths(s.a_tokens).c_str(), lengths(s.b_tokens).c_str());
    out += line;
  }
  return out;
}

}  // namespace moe::data
