// Deterministic per-rank batches over a dataset of N examples: every epoch is a seeded
// permutation of 0..N-1, global batches take consecutive runs of it, and rank r gets the
// r-th contiguous slice of each global batch. The same (seed, global batch size) gives the
// same global batches for any number of ranks, and the position is a two-number State that a
// checkpoint stores, so a resumed run sees exactly the batches an uninterrupted one would.
#pragma once

#include <cstdint>
#include <vector>

namespace moe::data {

// The permutation of 0..size-1 used for one epoch. Portable: std::mt19937_64 seeded from
// (seed, epoch) by SplitMix64, then Fisher-Yates with an unbiased bounded draw, so every
// standard library gives the same order.
std::vector<int64_t> epoch_permutation(int64_t size, uint64_t seed, int64_t epoch);

class PairSampler {
 public:
  // Where the next global batch starts: index `position` of epoch `epoch`'s permutation.
  struct State {
    int64_t epoch = 0;
    int64_t position = 0;
  };

  // global_batch_size must be a multiple of world_size; 0 <= rank < world_size.
  PairSampler(int64_t dataset_size, int64_t global_batch_size, int rank, int world_size,
              uint64_t seed);

  // This rank's global_batch_size / world_size indices of the next global batch. A batch
  // that runs past the end of an epoch continues into the next epoch's permutation, so every
  // batch is full (with global_batch_size > dataset_size a batch spans several epochs).
  std::vector<int64_t> next_batch();

  // The epoch the next batch starts in.
  int64_t epoch() const { return state_.epoch; }
  // Global batches taken since (epoch 0, position 0).
  int64_t step() const;
  int64_t local_batch_size() const { return global_batch_size_ / world_size_; }

  State state() const { return state_; }
  // Continues from a state() taken from a sampler with the same dataset size, seed and global
  // batch size (any rank count); a position outside the epoch is a moe::Error.
  void restore(State state);

 private:
  const std::vector<int64_t>& permutation(int64_t epoch);

  int64_t dataset_size_;
  int64_t global_batch_size_;
  int rank_;
  int world_size_;
  uint64_t seed_;
  State state_;
  // The permutation of cached_epoch_ (one epoch is kept; a batch crossing epochs recomputes).
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> cached_;
};

}  // namespace moe::data
