// SplitMix64: seed derivation and a small portable generator, so that every order the
// streaming loader draws is a pure function of integers, identical on every platform; its
// finaliser also hashes model parameters (model/model_fingerprint.h).
#pragma once

#include <cstdint>

namespace moe {

// SplitMix64's finaliser: spreads nearby inputs over the whole 64-bit space.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// An independent-looking seed for sub-stream `tag` of `seed` (a domain, an epoch, a step).
inline uint64_t derive_seed(uint64_t seed, uint64_t tag) {
  return splitmix64(seed ^ splitmix64(tag));
}

// The SplitMix64 sequence generator.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    const uint64_t value = splitmix64(state_);
    state_ += 0x9E3779B97F4A7C15ULL;
    return value;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

}  // namespace moe
