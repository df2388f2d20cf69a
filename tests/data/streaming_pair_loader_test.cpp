// Checks the streaming loader against its contract: ranks partition the one-rank global batch,
// proportional epochs hold every pair once, runs are deterministic and resume exactly (also on
// another number of ranks), mixing policies give the expected domain shares, a bad shard is an
// error naming the file, destruction never hangs, and buffered pairs stay within the bound.
#include "data/streaming_pair_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <thread>

#include "common/error.h"
#include "data/manifest.h"
#include "data/pair_shard.h"
#include "support/expect_error.h"     // error_of, EXPECT_MENTIONS
#include "support/scoped_temp_dir.h"  // ScopedTempDir

namespace fs = std::filesystem;
using moe::data::Manifest;
using moe::data::MixingPolicy;
using moe::data::PairShardWriter;
using moe::data::ShardInfo;
using moe::data::StreamingLoaderOptions;
using moe::data::StreamingPairLoader;
using moe::data::TokenPair;
using moe::testing_support::error_of;
using Batches = std::vector<std::vector<TokenPair>>;
using State = StreamingPairLoader::State;

namespace {

// Token ids encode (pair id, position) and are distinctive byte patterns, so a pair can be
// identified and a token found in the file to corrupt it.
constexpr int32_t kSideA = 0x5A000000;
constexpr int32_t kSideB = 0x3C000000;
constexpr uint64_t kVocabHash = 987654321;

int pair_id(const TokenPair& pair) { return (pair.a.at(0) - kSideA) / 16; }

TokenPair pair_with_id(int id, int32_t domain) {
  TokenPair pair;
  for (int t = 0; t < 1 + id % 5; ++t) pair.a.push_back(kSideA + id * 16 + t);
  for (int t = 0; t < 1 + id % 3; ++t) pair.b.push_back(kSideB + id * 16 + t);
  pair.label = static_cast<float>(id % 2);
  pair.domain = domain;
  return pair;
}

const std::vector<MixingPolicy> kPolicies = {MixingPolicy::kProportional, MixingPolicy::kUniform,
                                             MixingPolicy::kTemperature, MixingPolicy::kBalanced};

// Train shards of sizes that are not multiples of the chunk size (4): alpha 23 + 17 + 9,
// beta 40 + 11, gamma 5 (105 pairs); delta has only a valid shard, so its train share is 0.
class StreamingPairLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manifest_.domains = {"alpha", "beta", "gamma", "delta"};
    manifest_.vocab_file = "vocab.txt";
    manifest_.vocab_hash = kVocabHash;
    manifest_.max_length = 8;
    add_shard("alpha", "train", 23);
    add_shard("alpha", "valid", 6);
    add_shard("beta", "train", 40);
    add_shard("alpha", "train", 17);
    add_shard("gamma", "train", 5);
    add_shard("beta", "train", 11);
    add_shard("alpha", "train", 9);
    add_shard("delta", "valid", 7);
    manifest_.save(temp_.path("manifest.json"));
    manifest_ = Manifest::load(temp_.path("manifest.json"));
  }

  void add_shard(const std::string& domain, const std::string& split, int count) {
    const std::string name =
        "shards/" + domain + "-" + split + "-" + std::to_string(manifest_.shards.size()) + ".h5";
    fs::create_directories(temp_.dir() / "shards");
    ShardInfo info;
    info.domain = domain;
    info.split = split;
    info.domain_index = manifest_.domain_index(domain);
    info.vocab_hash = kVocabHash;
    info.max_length = 8;
    info.created_by = "streaming_pair_loader_test";
    PairShardWriter writer(temp_.path(name), info);
    for (int i = 0; i < count; ++i) {
      const int id = next_id_++;
      TokenPair pair = pair_with_id(id, info.domain_index);
      writer.add(pair);
      if (split == "train") train_[id] = pair;
    }
    writer.finish();
    manifest_.shards.push_back({name, domain, split, count});
  }

  StreamingLoaderOptions options(MixingPolicy mixing = MixingPolicy::kProportional, int rank = 0,
                                 int world = 1) const {
    StreamingLoaderOptions o;
    o.global_batch_size = 12;
    o.rank = rank;
    o.world_size = world;
    o.seed = 7;
    o.mixing = mixing;
    o.temperature = 2.0;
    o.chunk_pairs = 4;
    o.shuffle_window_chunks = 3;
    o.prefetch_batches = 2;
    return o;
  }

  // Checks that every pair is a train pair with its stored content and domain.
  void expect_known(const std::vector<TokenPair>& batch) const {
    for (const TokenPair& pair : batch) {
      auto found = train_.find(pair_id(pair));
      ASSERT_NE(found, train_.end()) << "pair " << pair_id(pair) << " is not a train pair";
      EXPECT_EQ(pair.a, found->second.a);
      EXPECT_EQ(pair.b, found->second.b);
      EXPECT_EQ(pair.label, found->second.label);
      EXPECT_EQ(pair.domain, found->second.domain);
    }
  }

  std::vector<int> train_ids() const {
    std::vector<int> ids;
    for (const auto& item : train_) ids.push_back(item.first);
    return ids;
  }

  std::string shard_path(size_t index) const {
    return manifest_.resolve(manifest_.shards[index].path);
  }

  moe::testing_support::ScopedTempDir temp_{"moe_streaming_loader_test"};
  Manifest manifest_;
  std::map<int, TokenPair> train_;
  int next_id_ = 0;
};

std::vector<int> ids_of(const std::vector<TokenPair>& batch) {
  std::vector<int> ids;
  for (const TokenPair& pair : batch) ids.push_back(pair_id(pair));
  return ids;
}

// `steps` batches as id lists, and the state after each.
std::vector<std::vector<int>> take_ids(StreamingPairLoader& loader, int steps,
                                       std::vector<State>* states = nullptr) {
  std::vector<std::vector<int>> batches;
  for (int s = 0; s < steps; ++s) {
    batches.push_back(ids_of(loader.next_batch()));
    if (states) states->push_back(loader.state());
  }
  return batches;
}

// The global batches of `steps` steps as `world` ranks (each starting from `from`, if given)
// produce them together.
std::vector<std::vector<int>> joined_ids(const Manifest& manifest,
                                         const std::vector<StreamingLoaderOptions>& rank_options,
                                         int steps, const State* from = nullptr) {
  std::vector<std::unique_ptr<StreamingPairLoader>> ranks;
  for (const StreamingLoaderOptions& o : rank_options) {
    ranks.push_back(std::make_unique<StreamingPairLoader>(manifest, o));
    if (from) ranks.back()->restore(*from);
  }
  std::vector<std::vector<int>> batches(static_cast<size_t>(steps));
  for (int s = 0; s < steps; ++s) {
    for (auto& rank : ranks) {
      std::vector<int> slice = ids_of(rank->next_batch());
      EXPECT_EQ(static_cast<int64_t>(slice.size()), rank->local_batch_size());
      batches[static_cast<size_t>(s)].insert(batches[static_cast<size_t>(s)].end(), slice.begin(),
                                             slice.end());
    }
  }
  // Every rank agrees on the position.
  for (auto& rank : ranks) EXPECT_EQ(rank->state(), ranks.front()->state());
  return batches;
}

}  // namespace

TEST_F(StreamingPairLoaderTest, RanksPartitionTheOneRankGlobalBatchForEveryPolicy) {
  // 30 batches of 12 = 360 pairs: more than three epochs of 105, batches crossing epochs.
  for (MixingPolicy mixing : kPolicies) {
    StreamingPairLoader single(manifest_, options(mixing));
    std::vector<std::vector<int>> expected;
    for (int s = 0; s < 30; ++s) {
      std::vector<TokenPair> batch = single.next_batch();
      ASSERT_EQ(batch.size(), 12u);
      expect_known(batch);
      expected.push_back(ids_of(batch));
    }
    for (int world = 1; world <= 4; ++world) {
      std::vector<StreamingLoaderOptions> ranks;
      for (int r = 0; r < world; ++r) ranks.push_back(options(mixing, r, world));
      EXPECT_EQ(joined_ids(manifest_, ranks, 30), expected)
          << "policy " << to_string(mixing) << ", world " << world;
    }
  }
}

TEST_F(StreamingPairLoaderTest, ProportionalEpochsHoldEveryTrainPairOnce) {
  StreamingPairLoader loader(manifest_, options());
  EXPECT_EQ(loader.split_size(), 105);
  std::vector<int> stream;
  for (const auto& batch : take_ids(loader, 35))
    stream.insert(stream.end(), batch.begin(), batch.end());
  ASSERT_EQ(stream.size(), 4u * 105u);  // exactly four epochs
  std::vector<std::vector<int>> epochs;
  for (size_t e = 0; e < 4; ++e) {
    std::vector<int> epoch(stream.begin() + static_cast<long>(e * 105),
                           stream.begin() + static_cast<long>((e + 1) * 105));
    epochs.push_back(epoch);
    std::sort(epoch.begin(), epoch.end());
    EXPECT_EQ(epoch, train_ids()) << "epoch " << e;  // train only, each pair once
  }
  EXPECT_NE(epochs[0], epochs[1]);  // every epoch has its own order
  EXPECT_FALSE(std::is_sorted(epochs[0].begin(), epochs[0].end()));
  EXPECT_EQ(loader.epoch(), 4);
  EXPECT_EQ(loader.state().step, 35);
  ASSERT_EQ(loader.state().streams.size(), 1u);
  EXPECT_EQ(loader.state().streams[0].epoch, 4);
  EXPECT_EQ(loader.state().streams[0].index, 0);
}

TEST_F(StreamingPairLoaderTest, SameOrderSettingsGiveTheSameBatchesAndTheSeedChangesThem) {
  for (MixingPolicy mixing : kPolicies) {
    StreamingPairLoader first(manifest_, options(mixing));
    StreamingLoaderOptions other_prefetch = options(mixing);
    other_prefetch.prefetch_batches = 1;  // read-ahead depth never changes the batches
    other_prefetch.max_open_shards = 1;   // nor does closing and reopening shards
    StreamingPairLoader second(manifest_, other_prefetch);
    StreamingLoaderOptions other_seed = options(mixing);
    other_seed.seed = 8;
    StreamingPairLoader third(manifest_, other_seed);
    const auto batches = take_ids(first, 20);
    EXPECT_EQ(take_ids(second, 20), batches) << to_string(mixing);
    EXPECT_NE(take_ids(third, 20), batches) << to_string(mixing);
  }
}

TEST_F(StreamingPairLoaderTest, RestoreContinuesMidEpochAndAcrossEpochBoundaries) {
  for (MixingPolicy mixing : kPolicies) {
    StreamingPairLoader reference(manifest_, options(mixing));
    std::vector<State> states;
    const auto expected = take_ids(reference, 40, &states);
    // After 3 batches: mid-epoch; batch 8 runs from pair 96 of epoch 0 into epoch 1; 17 and 26:
    // later epochs.
    for (int taken : {3, 8, 9, 17, 26}) {
      StreamingPairLoader resumed(manifest_, options(mixing));
      resumed.restore(states[static_cast<size_t>(taken - 1)]);
      EXPECT_EQ(resumed.state(), states[static_cast<size_t>(taken - 1)]);
      const auto rest = take_ids(resumed, 40 - taken);
      EXPECT_EQ(rest, std::vector<std::vector<int>>(expected.begin() + taken, expected.end()))
          << to_string(mixing) << " after " << taken << " batches";
    }
    // Restoring a loader that has read ahead rewinds it.
    StreamingPairLoader rewound(manifest_, options(mixing));
    take_ids(rewound, 12);
    rewound.restore(states[4]);
    EXPECT_EQ(take_ids(rewound, 6),
              std::vector<std::vector<int>>(expected.begin() + 5, expected.begin() + 11))
        << to_string(mixing);
  }
}

TEST_F(StreamingPairLoaderTest, TwoRankStateResumesOnFourRanksAndOneRank) {
  for (MixingPolicy mixing : kPolicies) {
    StreamingPairLoader reference(manifest_, options(mixing));
    const auto expected = take_ids(reference, 25);

    StreamingPairLoader rank0(manifest_, options(mixing, 0, 2));
    StreamingPairLoader rank1(manifest_, options(mixing, 1, 2));
    for (int s = 0; s < 11; ++s) {
      rank0.next_batch();
      rank1.next_batch();
    }
    const State saved = rank0.state();
    EXPECT_EQ(rank1.state(), saved);
    // Round trip through the checkpoint encoding on the way.
    const State decoded = State::decode(saved.encode());
    EXPECT_EQ(decoded, saved);

    const std::vector<std::vector<int>> rest(expected.begin() + 11, expected.end());
    std::vector<StreamingLoaderOptions> four;
    for (int r = 0; r < 4; ++r) four.push_back(options(mixing, r, 4));
    EXPECT_EQ(joined_ids(manifest_, four, 14, &decoded), rest) << to_string(mixing);
    EXPECT_EQ(joined_ids(manifest_, {options(mixing)}, 14, &decoded), rest) << to_string(mixing);
  }
}

TEST_F(StreamingPairLoaderTest, RestoreRefusesAStateOfAnotherOrder) {
  StreamingPairLoader loader(manifest_, options());
  loader.next_batch();
  const State saved = loader.state();

  StreamingLoaderOptions rechunked = options();
  rechunked.chunk_pairs = 5;
  StreamingPairLoader other(manifest_, rechunked);
  EXPECT_MENTIONS(error_of([&] { other.restore(saved); }), "different data order");
  StreamingPairLoader reseeded(manifest_, [&] {
    StreamingLoaderOptions o = options();
    o.seed = 1;
    return o;
  }());
  EXPECT_MENTIONS(error_of([&] { reseeded.restore(saved); }), "different data order");

  // The global batch size and the rank count are not part of the order.
  StreamingLoaderOptions wider = options(MixingPolicy::kProportional, 1, 3);
  wider.global_batch_size = 24;
  StreamingPairLoader resized(manifest_, wider);
  resized.restore(saved);
  EXPECT_EQ(resized.next_batch().size(), 8u);

  State outside = saved;
  outside.streams[0].index = 105;
  EXPECT_MENTIONS(error_of([&] { loader.restore(outside); }), "outside");
  State wrong_streams = saved;
  wrong_streams.streams.push_back({});
  EXPECT_MENTIONS(error_of([&] { loader.restore(wrong_streams); }), "streams");
  EXPECT_MENTIONS(error_of([] { State::decode({1, 2, 3}); }), "loader state");
  // A refused restore leaves the loader where it was.
  EXPECT_EQ(loader.state(), saved);
}

TEST_F(StreamingPairLoaderTest, BalancedMixingGivesEachDomainTheSameCountInEveryBatch) {
  StreamingLoaderOptions o = options(MixingPolicy::kBalanced);
  o.global_batch_size = 10;  // 3 non-empty domains: counts 4, 3, 3 in some order
  StreamingPairLoader loader(manifest_, o);
  std::map<int32_t, int64_t> extra;  // which domain got the tenth pair
  for (int s = 0; s < 60; ++s) {
    std::map<int32_t, int64_t> per_domain;
    for (const TokenPair& pair : loader.next_batch()) ++per_domain[pair.domain];
    ASSERT_EQ(per_domain.size(), 3u) << "batch " << s;  // delta has no train pairs
    for (const auto& [domain, count] : per_domain) {
      EXPECT_TRUE(count == 3 || count == 4) << "batch " << s << " domain " << domain;
      if (count == 4) ++extra[domain];
    }
  }
  // The leftover position is not always given to the same domain.
  EXPECT_EQ(extra.size(), 3u);
}

TEST_F(StreamingPairLoaderTest, UniformMixingGivesEachNonEmptyDomainAnEqualShare) {
  StreamingLoaderOptions o = options(MixingPolicy::kUniform);
  o.global_batch_size = 60;
  StreamingPairLoader loader(manifest_, o);
  std::map<int32_t, int64_t> per_domain;
  std::map<int32_t, std::vector<int>> sequence;  // each domain's pairs in order of appearance
  const int steps = 300;                         // 18000 draws; sd of a share about 0.0035
  for (int s = 0; s < steps; ++s) {
    for (const TokenPair& pair : loader.next_batch()) {
      ++per_domain[pair.domain];
      sequence[pair.domain].push_back(pair_id(pair));
    }
  }
  const double total = 60.0 * steps;
  for (int32_t d : {0, 1, 2}) EXPECT_NEAR(per_domain[d] / total, 1.0 / 3.0, 0.02) << "domain " << d;
  EXPECT_EQ(per_domain.count(3), 0u);  // delta has no train pairs

  // Each domain's stream has its own epochs: consecutive runs of the domain's size hold each of
  // its pairs once. gamma (5 pairs) wraps far more often than beta (51).
  for (int32_t d : {0, 1, 2}) {
    std::vector<int> domain_ids;
    for (const auto& item : train_)
      if (item.second.domain == d) domain_ids.push_back(item.first);
    const size_t size = domain_ids.size();
    const std::vector<int>& seen = sequence[d];
    for (size_t begin = 0; begin + size <= seen.size(); begin += size) {
      std::vector<int> pass(seen.begin() + static_cast<long>(begin),
                            seen.begin() + static_cast<long>(begin + size));
      std::sort(pass.begin(), pass.end());
      ASSERT_EQ(pass, domain_ids) << "domain " << d << " pass starting at " << begin;
    }
  }
  // epoch(): the fewest passes any domain has completed (beta, the largest).
  EXPECT_EQ(loader.epoch(), static_cast<int64_t>(sequence[1].size() / 51));
  EXPECT_GT(loader.state().streams[2].epoch, loader.state().streams[1].epoch);
}

TEST_F(StreamingPairLoaderTest, TemperatureMixingFollowsSizeToTheOneOverT) {
  StreamingLoaderOptions o = options(MixingPolicy::kTemperature);
  o.global_batch_size = 60;
  o.temperature = 2.0;
  StreamingPairLoader loader(manifest_, o);
  std::map<int32_t, int64_t> per_domain;
  const int steps = 300;
  for (int s = 0; s < steps; ++s)
    for (const TokenPair& pair : loader.next_batch()) ++per_domain[pair.domain];
  // alpha 49, beta 51, gamma 5 pairs.
  const double weights[] = {std::sqrt(49.0), std::sqrt(51.0), std::sqrt(5.0)};
  const double sum = weights[0] + weights[1] + weights[2];
  for (int32_t d : {0, 1, 2}) {
    EXPECT_NEAR(per_domain[d] / (60.0 * steps), weights[d] / sum, 0.02) << "domain " << d;
  }
  EXPECT_EQ(per_domain.count(3), 0u);
}

TEST_F(StreamingPairLoaderTest, ProportionalMixingFollowsSize) {
  StreamingLoaderOptions o = options();
  o.global_batch_size = 105;  // one epoch per batch: exact shares
  StreamingPairLoader loader(manifest_, o);
  std::map<int32_t, int64_t> per_domain;
  for (const TokenPair& pair : loader.next_batch()) ++per_domain[pair.domain];
  EXPECT_EQ(per_domain[0], 49);
  EXPECT_EQ(per_domain[1], 51);
  EXPECT_EQ(per_domain[2], 5);
}

namespace {

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<long>(bytes.size()));
}

// Runs the loader until next_batch() throws (at most `limit` batches); returns the message.
std::string first_error(StreamingPairLoader& loader, int limit) {
  for (int s = 0; s < limit; ++s) {
    try {
      loader.next_batch();
    } catch (const moe::Error& error) {
      return error.what();
    }
  }
  ADD_FAILURE() << "no error within " << limit << " batches";
  return "";
}

}  // namespace

TEST_F(StreamingPairLoaderTest, CorruptShardIsAnErrorNamingTheFileFromNextBatch) {
  // Flip a bit of one token of beta's first train shard (manifest entry 2).
  const std::string path = shard_path(2);
  const int id = 39;  // ids 29..68 are that shard's
  ASSERT_TRUE(train_.count(id));
  std::vector<char> bytes = read_bytes(path);
  const int32_t value = kSideA + id * 16;
  char needle[4];
  for (int i = 0; i < 4; ++i) needle[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  auto where = std::search(bytes.begin(), bytes.end(), needle, needle + 4);
  ASSERT_NE(where, bytes.end());
  *where = static_cast<char>(*where ^ 0x10);
  write_bytes(path, bytes);

  for (MixingPolicy mixing : kPolicies) {
    StreamingPairLoader loader(manifest_, options(mixing));  // opens nothing yet
    const std::string message = first_error(loader, 40);
    EXPECT_MENTIONS(message, path);
    EXPECT_MENTIONS(message, "a/tokens");
    // The error stays; restore() clears it and the same error comes back.
    EXPECT_EQ(error_of([&] { loader.next_batch(); }), message);
    loader.restore(loader.state());
    EXPECT_EQ(first_error(loader, 40), message);
  }
}

TEST_F(StreamingPairLoaderTest, TruncatedShardIsAnErrorNamingTheFile) {
  const std::string path = shard_path(4);  // gamma
  fs::resize_file(path, fs::file_size(path) / 2);
  StreamingPairLoader loader(manifest_, options());
  EXPECT_MENTIONS(first_error(loader, 40), path);
}

TEST_F(StreamingPairLoaderTest, ShardDisagreeingWithTheManifestIsAnError) {
  Manifest wrong = manifest_;
  wrong.shards[5].count = 12;  // beta's second train shard holds 11
  StreamingPairLoader loader(wrong, options());
  const std::string message = first_error(loader, 40);
  EXPECT_MENTIONS(message, shard_path(5));
  EXPECT_MENTIONS(message, "manifest says 12");
}

TEST_F(StreamingPairLoaderTest, DestroyingNeverHangs) {
  for (MixingPolicy mixing : kPolicies) {
    {  // Never started.
      StreamingPairLoader loader(manifest_, options(mixing));
    }
    {  // The I/O thread blocked on a full queue.
      StreamingPairLoader loader(manifest_, options(mixing));
      loader.next_batch();
      while (loader.stats().queued_batches < 2)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    {  // Restore while blocked, then destroy while blocked again.
      StreamingPairLoader loader(manifest_, options(mixing));
      loader.next_batch();
      while (loader.stats().queued_batches < 2)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      loader.restore(loader.state());
      loader.next_batch();
      while (loader.stats().queued_batches < 2)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    {  // Destroyed at once after starting.
      StreamingPairLoader loader(manifest_, options(mixing));
      loader.next_batch();
    }
  }
}

TEST_F(StreamingPairLoaderTest, BufferedPairsStayWithinTheBound) {
  for (MixingPolicy mixing : kPolicies) {
    for (int world : {1, 2}) {
      StreamingLoaderOptions o = options(mixing, world - 1, world);
      o.prefetch_batches = 3;
      StreamingPairLoader loader(manifest_, o);
      const int64_t local = 12 / world;
      // Largest windows: 3 chunks of 4 pairs, capped by a stream's size (gamma: 5 pairs).
      const int64_t windows = mixing == MixingPolicy::kProportional ? 12 : 12 + 12 + 5;
      const StreamingPairLoader::Stats initial = loader.stats();
      EXPECT_EQ(initial.buffered_pairs_bound, windows + (3 + 1) * local);
      EXPECT_LT(initial.buffered_pairs_bound, loader.split_size());  // never the whole split
      for (int s = 0; s < 60; ++s) {
        loader.next_batch();
        // Let the I/O thread fill the queue now and then, so the peak includes a full queue.
        if (s % 10 == 0)
          while (loader.stats().queued_batches < 3)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const StreamingPairLoader::Stats now = loader.stats();
        EXPECT_LE(now.buffered_pairs, now.buffered_pairs_bound);
      }
      const StreamingPairLoader::Stats stats = loader.stats();
      EXPECT_GT(stats.peak_buffered_pairs, 3 * local);  // a full queue was seen
      EXPECT_LE(stats.peak_buffered_pairs, stats.buffered_pairs_bound)
          << to_string(mixing) << " world " << world;
    }
  }
}

TEST_F(StreamingPairLoaderTest, OptionsAreValidatedWithoutOpeningShards) {
  auto error_for = [&](auto change) {
    return error_of([&] {
      StreamingLoaderOptions o = options();
      change(o);
      StreamingPairLoader loader(manifest_, o);
    });
  };
  EXPECT_MENTIONS(error_for([](StreamingLoaderOptions& o) { o.world_size = 5; }),
                  "not a multiple of the number of ranks");
  EXPECT_MENTIONS(error_for([](StreamingLoaderOptions& o) { o.rank = 1; }), "rank 1");
  EXPECT_MENTIONS(error_for([](StreamingLoaderOptions& o) { o.global_batch_size = 0; }),
                  "global batch size");
  EXPECT_MENTIONS(error_for([](StreamingLoaderOptions& o) { o.chunk_pairs = 0; }), "chunk_pairs");
  EXPECT_MENTIONS(error_for([](StreamingLoaderOptions& o) { o.shuffle_window_chunks = 0; }),
                  "shuffle_window_chunks");
  EXPECT_MENTIONS(error_for([](StreamingLoaderOptions& o) { o.prefetch_batches = 0; }),
                  "prefetch_batches");
  EXPECT_MENTIONS(error_for([](StreamingLoaderOptions& o) { o.split = "nosuch"; }), "'nosuch'");
  EXPECT_MENTIONS(error_for([](StreamingLoaderOptions& o) {
                    o.mixing = MixingPolicy::kTemperature;
                    o.temperature = 0.0;
                  }),
                  "temperature");
}

TEST_F(StreamingPairLoaderTest, StreamsAnotherSplit) {
  StreamingLoaderOptions o = options(MixingPolicy::kProportional);
  o.split = "valid";
  o.global_batch_size = 13;  // alpha 6 + delta 7
  StreamingPairLoader loader(manifest_, o);
  std::vector<int> ids = ids_of(loader.next_batch());
  std::sort(ids.begin(), ids.end());
  std::vector<int> expected;
  for (int id = 23; id < 29; ++id) expected.push_back(id);             // alpha's valid shard
  for (int id = 105 + 6; id < 105 + 13; ++id) expected.push_back(id);  // delta's
  EXPECT_EQ(ids, expected);
}

TEST_F(StreamingPairLoaderTest, KeepsAtMostMaxOpenShardsOpen) {
  StreamingLoaderOptions o = options(MixingPolicy::kUniform);
  o.max_open_shards = 2;
  o.prefetch_batches = 1;
  StreamingPairLoader loader(manifest_, o);
  int64_t most = 0;
  for (int s = 0; s < 40; ++s) {
    expect_known(loader.next_batch());
    most = std::max(most, loader.stats().open_shards);
    EXPECT_LE(loader.stats().open_shards, 2);
  }
  EXPECT_EQ(most, 2);
}

TEST_F(StreamingPairLoaderTest, StateSurvivesMovingTheDatasetFolder) {
  StreamingPairLoader loader(manifest_, options());
  take_ids(loader, 5);
  const State saved = loader.state();
  const auto expected = take_ids(loader, 5);

  moe::testing_support::ScopedTempDir moved("moe_streaming_loader_moved");
  fs::copy(temp_.dir(), moved.dir(), fs::copy_options::recursive);
  StreamingPairLoader resumed(Manifest::load(moved.path("manifest.json")), options());
  resumed.restore(saved);
  EXPECT_EQ(take_ids(resumed, 5), expected);
}
