// ShuffledPairStream: an endless, seeded sequence of pairs over a fixed list of chunks (ranges
// of pairs inside shards), loaded one shuffle window at a time. The streaming loader keeps
// one per mixing stream.
//
// The order of epoch e (a pure function of the chunk list, seed, window_chunks and e):
//   1. the chunks are permuted: epoch_permutation(chunks, seed, e);
//   2. consecutive runs of window_chunks chunks of that order form windows;
//   3. the pairs of window w are shuffled: epoch_permutation(window pairs, derive_seed(seed, e),
//   w).
// Every pair appears exactly once per epoch; after the last pair of epoch e comes the first of
// epoch e + 1. Only the current window is held in memory (at most window_chunks x the largest
// chunk), plus the chunk order of the current epoch (one integer per chunk).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "data/pair_shard.h"

namespace moe::data {

// Pairs [begin, begin + count) of shard `shard` (an index the caller defines).
struct PairChunk {
  int32_t shard = 0;
  int64_t begin = 0;
  int64_t count = 0;
};

// Cuts shards of the given sizes into chunks of chunk_pairs pairs (the last chunk of a shard
// may be shorter), shard after shard. shard_ids[i] names shard i in the chunks.
std::vector<PairChunk> cut_into_chunks(const std::vector<int64_t>& shard_sizes,
                                       const std::vector<int32_t>& shard_ids, int64_t chunk_pairs);

class ShuffledPairStream {
 public:
  // The next pair to hand out: index `index` of epoch `epoch`'s order.
  struct Position {
    int64_t epoch = 0;
    int64_t index = 0;
  };
  // Reads the pairs of one chunk, in shard order; must return exactly chunk.count pairs.
  using ChunkReader = std::function<std::vector<TokenPair>(const PairChunk&)>;

  // window_chunks >= 1. An empty chunk list gives an empty stream that next() refuses.
  ShuffledPairStream(std::vector<PairChunk> chunks, uint64_t seed, int64_t window_chunks);

  // Pairs per epoch.
  int64_t size() const { return size_; }
  Position position() const { return position_; }
  // Continues from `position` (0 <= index < size()); drops the loaded window.
  void seek(Position position);

  // The pair at position(), then advances. Loads the window holding it through `read` when
  // needed; an exception from `read` leaves the stream at the same position.
  TokenPair next(const ChunkReader& read);

  // Pairs of the loaded window not yet handed out (what the stream holds in memory).
  int64_t buffered_pairs() const { return buffered_; }
  // The largest window, in pairs: the most the stream ever holds.
  int64_t max_window_pairs() const { return max_window_pairs_; }

 private:
  void plan_epoch(int64_t epoch);
  void load_window(int64_t window, const ChunkReader& read);
  void drop_window();

  std::vector<PairChunk> chunks_;
  uint64_t seed_;
  int64_t window_chunks_;
  int64_t size_ = 0;
  int64_t max_window_pairs_ = 0;
  Position position_;

  int64_t planned_epoch_ = -1;
  std::vector<int64_t> chunk_order_;   // chunk_order_[k]: the k-th chunk of planned_epoch_
  std::vector<int64_t> window_begin_;  // epoch index of each window's first pair, then size_

  int64_t window_ = -1;                  // the loaded window of planned_epoch_, -1: none
  std::vector<TokenPair> window_pairs_;  // its pairs in chunk-read order
  std::vector<int64_t> window_order_;    // window_order_[i]: the window's i-th pair, read order
  int64_t buffered_ = 0;
};

}  // namespace moe::data
