// The dataset manifest: one JSON file next to the shards that lists the domains, the
// tokenizer settings, and every shard with its domain, split and pair count. moe_prep writes
// it; the loaders read it to find shards and to check they share one vocabulary.
//
// {
//   "format_version": 1,
//   "domains": ["cardio", "oncology"],        // order defines the domain indices
//   "vocab_file": "vocab.txt",                // relative to the manifest's folder
//   "vocab_hash": "1234567890123456789",      // decimal string: JSON numbers lose uint64 bits
//   "lowercase": true,
//   "max_length": 256,
//   "shards": [ {"path": "cardio/train-00000.h5", "domain": "cardio", "split": "train",
//                "count": 50000}, ... ]
// }
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::data {

constexpr int kManifestFormatVersion = 1;

// Domain names become file names (shards) and HDF5 group names (checkpoint experts):
// 1 to 64 characters of A-Z a-z 0-9 _ - . and not starting with '.'. Returns the problem,
// or "" when the name is fine.
std::string domain_name_problem(const std::string& name);

struct ShardEntry {
  std::string path;  // relative to the manifest's folder
  std::string domain;
  std::string split;
  int64_t count = 0;
};

struct Manifest {
  int format_version = kManifestFormatVersion;
  std::vector<std::string> domains;
  std::string vocab_file;  // relative to the manifest folder
  uint64_t vocab_hash = 0;
  bool lowercase = false;
  int32_t max_length = 0;
  std::vector<ShardEntry> shards;
  std::string folder;  // set by load: absolute folder of the manifest file

  // Reads and validates a manifest: a missing file, bad JSON, a missing or mistyped key, a
  // wrong format_version, a duplicate domain or shard path, or a shard of an unknown domain is
  // a moe::Error naming the file and the key.
  static Manifest load(const std::string& path);
  // Writes path + ".tmp", then renames it onto path. `folder` is not stored.
  void save(const std::string& path) const;

  // Shards of one split (and one domain, unless domain is empty), in manifest order.
  std::vector<ShardEntry> shards_of(const std::string& split, const std::string& domain = "") const;
  // Total pairs in those shards.
  int64_t count(const std::string& split, const std::string& domain = "") const;
  // The index of a domain in `domains`; an unknown name is a moe::Error listing the known ones.
  int32_t domain_index(const std::string& domain) const;
  // The same dataset limited to `names` (in the given order, which defines the new domain
  // indices) and their shards; an unknown or repeated name is a moe::Error naming `key`.
  Manifest restricted_to(const std::vector<std::string>& names, const std::string& key) const;
  // A manifest-relative path made absolute against `folder` (absolute paths pass through).
  std::string resolve(const std::string& relative) const;
};

}  // namespace moe::data
