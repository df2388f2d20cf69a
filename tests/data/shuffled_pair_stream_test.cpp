// Checks the windowed shuffle order of one pair stream without any file: chunking, one pass per
// epoch, windows drawn from whole chunks, seek() resuming exactly, and a failed read leaving
// the position unchanged.
#include "data/shuffled_pair_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "common/error.h"
#include "support/expect_error.h"  // error_of, EXPECT_MENTIONS

using moe::data::cut_into_chunks;
using moe::data::PairChunk;
using moe::data::ShuffledPairStream;
using moe::data::TokenPair;
using moe::testing_support::error_of;

namespace {

// Pair `index` of shard `shard` carries the id shard * 1000 + index in a[0].
std::vector<TokenPair> fake_read(const PairChunk& chunk) {
  std::vector<TokenPair> pairs(static_cast<size_t>(chunk.count));
  for (int64_t i = 0; i < chunk.count; ++i)
    pairs[static_cast<size_t>(i)].a = {static_cast<int32_t>(chunk.shard * 1000 + chunk.begin + i)};
  return pairs;
}

// Shards 0, 1, 2 of 10, 7 and 3 pairs in chunks of 4: 4+4+2, 4+3, 3 (6 chunks, 20 pairs).
ShuffledPairStream make_stream(uint64_t seed, int64_t window_chunks) {
  return ShuffledPairStream(cut_into_chunks({10, 7, 3}, {0, 1, 2}, 4), seed, window_chunks);
}

std::vector<int32_t> take(ShuffledPairStream& stream, int count) {
  std::vector<int32_t> ids;
  for (int i = 0; i < count; ++i) ids.push_back(stream.next(fake_read).a[0]);
  return ids;
}

}  // namespace

TEST(ShuffledPairStream, CutsShardsIntoChunks) {
  const std::vector<PairChunk> chunks = cut_into_chunks({10, 0, 3}, {5, 6, 7}, 4);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks[0].shard, 5);
  EXPECT_EQ(chunks[2].begin, 8);
  EXPECT_EQ(chunks[2].count, 2);
  EXPECT_EQ(chunks[3].shard, 7);
  EXPECT_EQ(chunks[3].count, 3);
  EXPECT_MENTIONS(error_of([] { cut_into_chunks({1}, {0}, 0); }), "chunk_pairs");
}

TEST(ShuffledPairStream, EachEpochIsAPermutationBuiltFromWholeChunkWindows) {
  ShuffledPairStream stream = make_stream(3, 2);
  EXPECT_EQ(stream.size(), 20);
  EXPECT_EQ(stream.max_window_pairs(), 8);
  std::set<int32_t> all;
  for (int32_t shard : {0, 1, 2}) {
    const int count = shard == 0 ? 10 : shard == 1 ? 7 : 3;
    for (int i = 0; i < count; ++i) all.insert(shard * 1000 + i);
  }
  std::vector<std::vector<int32_t>> epochs;
  for (int e = 0; e < 3; ++e) {
    std::vector<int32_t> epoch = take(stream, 20);
    EXPECT_EQ(std::set<int32_t>(epoch.begin(), epoch.end()), all) << "epoch " << e;
    epochs.push_back(epoch);
    // Windows of 2 chunks: consecutive runs hold pairs of at most 2 chunks (chunk = id / 4
    // within its shard), and together they cover the epoch.
    std::map<std::pair<int32_t, int32_t>, int> chunk_count;
    for (int32_t id : epoch) ++chunk_count[{id / 1000, (id % 1000) / 4}];
    EXPECT_EQ(chunk_count.size(), 6u);
  }
  EXPECT_NE(epochs[0], epochs[1]);
  EXPECT_EQ(stream.position().epoch, 3);
  EXPECT_EQ(stream.position().index, 0);
  EXPECT_EQ(stream.buffered_pairs(), 0);  // the last window is released
}

TEST(ShuffledPairStream, WindowsMixOnlyTheirOwnChunks) {
  ShuffledPairStream stream = make_stream(11, 2);
  std::vector<int32_t> epoch = take(stream, 20);
  // Walk the epoch: each window is the pairs of 2 chunks; when both are used up, a new window
  // starts. So at every prefix, at most 2 chunks are started but not finished.
  std::map<std::pair<int32_t, int32_t>, int> remaining;
  for (const PairChunk& chunk : cut_into_chunks({10, 7, 3}, {0, 1, 2}, 4))
    remaining[{chunk.shard, static_cast<int32_t>(chunk.begin / 4)}] = static_cast<int>(chunk.count);
  std::set<std::pair<int32_t, int32_t>> open;
  for (int32_t id : epoch) {
    std::pair<int32_t, int32_t> chunk{id / 1000, (id % 1000) / 4};
    open.insert(chunk);
    EXPECT_LE(open.size(), 2u);
    if (--remaining[chunk] == 0) open.erase(chunk);
  }
}

TEST(ShuffledPairStream, SeekResumesExactly) {
  ShuffledPairStream reference = make_stream(5, 3);
  const std::vector<int32_t> expected = take(reference, 50);
  for (int start : {0, 1, 7, 12, 19, 20, 33}) {
    ShuffledPairStream resumed = make_stream(5, 3);
    resumed.seek({start / 20, start % 20});
    EXPECT_EQ(take(resumed, 50 - start),
              std::vector<int32_t>(expected.begin() + start, expected.end()))
        << "from " << start;
  }
  ShuffledPairStream stream = make_stream(5, 3);
  EXPECT_MENTIONS(error_of([&] { stream.seek({0, 20}); }), "index 20");
}

TEST(ShuffledPairStream, AFailedReadKeepsThePosition) {
  ShuffledPairStream reference = make_stream(9, 2);
  const std::vector<int32_t> expected = take(reference, 40);
  ShuffledPairStream stream = make_stream(9, 2);
  EXPECT_EQ(take(stream, 8), std::vector<int32_t>(expected.begin(), expected.begin() + 8));
  int calls = 0;
  auto failing = [&](const PairChunk&) -> std::vector<TokenPair> {
    ++calls;
    throw std::runtime_error("disk gone");
  };
  // Drain the current window, then the next load fails.
  while (stream.buffered_pairs() > 0) stream.next(fake_read);
  const ShuffledPairStream::Position before = stream.position();
  EXPECT_THROW(stream.next(failing), std::runtime_error);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(stream.position().epoch, before.epoch);
  EXPECT_EQ(stream.position().index, before.index);
  EXPECT_EQ(stream.next(fake_read).a[0],
            expected[static_cast<size_t>(before.epoch * 20 + before.index)]);
}

TEST(ShuffledPairStream, SeedsGiveDifferentOrders) {
  ShuffledPairStream a = make_stream(1, 2), b = make_stream(2, 2);
  EXPECT_NE(take(a, 20), take(b, 20));
}
