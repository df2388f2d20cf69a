// Seeded epoch permutations and per-rank slices of global batches.
#include "data/pair_sampler.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <utility>

#include "common/error.h"

namespace moe::data {
namespace {

// SplitMix64's finaliser: spreads nearby (seed, epoch) values over the whole 64-bit space.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A uniform draw from [0, range): rejects the lowest 2^64 mod range raw values so that every
// residue is hit by the same number of accepted values (a plain modulo would favour the
// small ones).
uint64_t bounded(std::mt19937_64& generator, uint64_t range) {
  const uint64_t rejected = (0 - range) % range;  // == 2^64 mod range
  for (;;) {
    uint64_t raw = generator();
    if (raw >= rejected) return raw % range;
  }
}

}  // namespace

std::vector<int64_t> epoch_permutation(int64_t size, uint64_t seed, int64_t epoch) {
  MOE_REQUIRE(size >= 0, "epoch_permutation: size ", size, " is negative");
  std::vector<int64_t> order(static_cast<size_t>(size));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::mt19937_64 generator(mix(seed ^ mix(static_cast<uint64_t>(epoch))));
  for (int64_t i = size - 1; i > 0; --i) {
    auto j = static_cast<int64_t>(bounded(generator, static_cast<uint64_t>(i) + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

PairSampler::PairSampler(int64_t dataset_size, int64_t global_batch_size, int rank, int world_size,
                         uint64_t seed)
    : dataset_size_(dataset_size),
      global_batch_size_(global_batch_size),
      rank_(rank),
      world_size_(world_size),
      seed_(seed) {
  MOE_REQUIRE(dataset_size > 0, "sampler: the dataset is empty (", dataset_size,
              " examples); check the manifest's split and domains");
  MOE_REQUIRE(global_batch_size > 0, "sampler: global batch size ", global_batch_size,
              " must be positive");
  MOE_REQUIRE(world_size > 0, "sampler: world size ", world_size, " must be positive");
  MOE_REQUIRE(rank >= 0 && rank < world_size, "sampler: rank ", rank, " is outside 0..",
              world_size - 1);
  MOE_REQUIRE(global_batch_size % world_size == 0, "sampler: global batch size ", global_batch_size,
              " is not a multiple of the number of ranks (", world_size,
              "); choose a batch size divisible by ", world_size);
}

const std::vector<int64_t>& PairSampler::permutation(int64_t epoch) {
  if (epoch != cached_epoch_) {
    cached_ = epoch_permutation(dataset_size_, seed_, epoch);
    cached_epoch_ = epoch;
  }
  return cached_;
}

std::vector<int64_t> PairSampler::next_batch() {
  const int64_t local = local_batch_size();
  // This rank's slice starts rank * local entries into the global batch.
  int64_t start = state_.position + rank_ * local;
  int64_t epoch = state_.epoch + start / dataset_size_;
  int64_t position = start % dataset_size_;

  std::vector<int64_t> batch;
  batch.reserve(static_cast<size_t>(local));
  while (static_cast<int64_t>(batch.size()) < local) {
    const std::vector<int64_t>& order = permutation(epoch);
    int64_t take = std::min(local - static_cast<int64_t>(batch.size()), dataset_size_ - position);
    batch.insert(batch.end(), order.begin() + position, order.begin() + position + take);
    position += take;
    if (position == dataset_size_) {
      position = 0;
      ++epoch;
    }
  }

  const int64_t end = state_.position + global_batch_size_;
  state_.epoch += end / dataset_size_;
  state_.position = end % dataset_size_;
  return batch;
}

int64_t PairSampler::step() const {
  return (state_.epoch * dataset_size_ + state_.position) / global_batch_size_;
}

void PairSampler::restore(State state) {
  MOE_REQUIRE(state.epoch >= 0 && state.position >= 0 && state.position < dataset_size_,
              "sampler: cannot restore epoch ", state.epoch, " position ", state.position,
              " for a dataset of ", dataset_size_,
              " examples; the checkpoint was written for a different dataset");
  state_ = state;
}

}  // namespace moe::data
