// Implementation of read_split_pairs (see split_pairs.h).
#include "data/split_pairs.h"

#include "common/error.h"

namespace moe::data {

std::vector<TokenPair> read_split_pairs(const Manifest& manifest, const std::string& split,
                                        const std::string& domain) {
  std::vector<TokenPair> pairs;
  for (const ShardEntry& entry : manifest.shards_of(split, domain)) {
    const std::string path = manifest.resolve(entry.path);
    PairShardReader reader(path);
    const ShardInfo& info = reader.info();
    MOE_REQUIRE(info.vocab_hash == manifest.vocab_hash, "shard ", path, ": vocabulary hash ",
                info.vocab_hash, " differs from the manifest's ", manifest.vocab_hash,
                "; re-run moe_prep with one vocabulary");
    MOE_REQUIRE(info.domain == entry.domain && info.split == entry.split, "shard ", path,
                ": holds ", info.domain, "/", info.split, " but the manifest lists it as ",
                entry.domain, "/", entry.split);
    MOE_REQUIRE(reader.size() == entry.count, "shard ", path, ": holds ", reader.size(),
                " pairs but the manifest says ", entry.count, "; re-run moe_prep");
    const int32_t domain_index = manifest.domain_index(info.domain);
    std::vector<TokenPair> chunk = reader.read(0, reader.size());
    for (TokenPair& pair : chunk) {
      pair.domain = domain_index;  // the manifest's numbering is the one the job uses
      pairs.push_back(std::move(pair));
    }
  }
  return pairs;
}

}  // namespace moe::data
