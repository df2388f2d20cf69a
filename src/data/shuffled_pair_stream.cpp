// The windowed, seeded order of one pair stream and the loading of its windows.
#include "data/shuffled_pair_stream.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "common/error.h"
#include "common/splitmix64.h"
#include "data/epoch_permutation.h"

namespace moe::data {

std::vector<PairChunk> cut_into_chunks(const std::vector<int64_t>& shard_sizes,
                                       const std::vector<int32_t>& shard_ids, int64_t chunk_pairs) {
  MOE_REQUIRE(chunk_pairs > 0, "loader: chunk_pairs ", chunk_pairs, " must be positive");
  MOE_REQUIRE(shard_sizes.size() == shard_ids.size(), "cut_into_chunks: ", shard_sizes.size(),
              " sizes but ", shard_ids.size(), " shard ids");
  std::vector<PairChunk> chunks;
  for (size_t s = 0; s < shard_sizes.size(); ++s) {
    for (int64_t begin = 0; begin < shard_sizes[s]; begin += chunk_pairs) {
      chunks.push_back({shard_ids[s], begin, std::min(chunk_pairs, shard_sizes[s] - begin)});
    }
  }
  return chunks;
}

ShuffledPairStream::ShuffledPairStream(std::vector<PairChunk> chunks, uint64_t seed,
                                       int64_t window_chunks)
    : chunks_(std::move(chunks)), seed_(seed), window_chunks_(window_chunks) {
  MOE_REQUIRE(window_chunks_ > 0, "loader: shuffle_window_chunks ", window_chunks_,
              " must be positive");
  int64_t largest = 0;
  for (const PairChunk& chunk : chunks_) {
    MOE_REQUIRE(chunk.count > 0, "ShuffledPairStream: empty chunk of shard ", chunk.shard);
    size_ += chunk.count;
    largest = std::max(largest, chunk.count);
  }
  max_window_pairs_ =
      std::min(size_, largest * std::min(window_chunks_, static_cast<int64_t>(chunks_.size())));
}

void ShuffledPairStream::seek(Position position) {
  MOE_REQUIRE(position.epoch >= 0 && position.index >= 0 && position.index < size_,
              "loader: cannot continue a stream of ", size_, " pairs at epoch ", position.epoch,
              ", index ", position.index);
  drop_window();
  position_ = position;
}

void ShuffledPairStream::drop_window() {
  window_ = -1;
  window_pairs_.clear();
  window_order_.clear();
  buffered_ = 0;
}

void ShuffledPairStream::plan_epoch(int64_t epoch) {
  drop_window();
  chunk_order_ = epoch_permutation(static_cast<int64_t>(chunks_.size()), seed_, epoch);
  window_begin_.assign(1, 0);
  int64_t in_window = 0;
  for (int64_t chunk : chunk_order_) {
    if (in_window == window_chunks_) {
      window_begin_.push_back(window_begin_.back());
      in_window = 0;
    }
    window_begin_.back() += chunks_[static_cast<size_t>(chunk)].count;
    ++in_window;
  }
  // window_begin_ now holds each window's end; shift to (begin..., size_).
  window_begin_.insert(window_begin_.begin(), 0);
  planned_epoch_ = epoch;
}

void ShuffledPairStream::load_window(int64_t window, const ChunkReader& read) {
  drop_window();
  const auto first = static_cast<size_t>(window * window_chunks_);
  const size_t last = std::min(first + static_cast<size_t>(window_chunks_), chunk_order_.size());
  std::vector<TokenPair> pairs;
  for (size_t k = first; k < last; ++k) {
    const PairChunk& chunk = chunks_[static_cast<size_t>(chunk_order_[k])];
    std::vector<TokenPair> part = read(chunk);
    MOE_REQUIRE(static_cast<int64_t>(part.size()) == chunk.count, "loader: shard ", chunk.shard,
                " returned ", part.size(), " pairs for a chunk of ", chunk.count);
    if (pairs.empty()) {
      pairs = std::move(part);
    } else {
      pairs.insert(pairs.end(), std::make_move_iterator(part.begin()),
                   std::make_move_iterator(part.end()));
    }
  }
  const auto size = static_cast<int64_t>(pairs.size());
  window_order_ =
      epoch_permutation(size, derive_seed(seed_, static_cast<uint64_t>(planned_epoch_)), window);
  window_pairs_ = std::move(pairs);
  window_ = window;
  buffered_ = size;
}

TokenPair ShuffledPairStream::next(const ChunkReader& read) {
  MOE_REQUIRE(size_ > 0, "loader: a stream with no pairs cannot hand out a pair");
  if (planned_epoch_ != position_.epoch) plan_epoch(position_.epoch);
  const auto window_end = [&](int64_t w) { return window_begin_[static_cast<size_t>(w) + 1]; };
  if (window_ < 0 || position_.index >= window_end(window_)) {
    const auto after =
        std::upper_bound(window_begin_.begin(), window_begin_.end(), position_.index);
    const int64_t window = std::distance(window_begin_.begin(), after) - 1;
    load_window(window, read);
    // Entering mid-window (after seek): release the pairs before the position at once.
    const int64_t skipped = position_.index - window_begin_[static_cast<size_t>(window)];
    for (int64_t i = 0; i < skipped; ++i) {
      window_pairs_[static_cast<size_t>(window_order_[static_cast<size_t>(i)])] = TokenPair();
    }
    buffered_ -= skipped;
  }
  const int64_t offset = position_.index - window_begin_[static_cast<size_t>(window_)];
  TokenPair pair =
      std::move(window_pairs_[static_cast<size_t>(window_order_[static_cast<size_t>(offset)])]);
  --buffered_;
  if (++position_.index == size_) {
    position_.index = 0;
    ++position_.epoch;
  }
  if (buffered_ == 0) drop_window();
  return pair;
}

}  // namespace moe::data
