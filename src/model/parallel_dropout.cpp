// Implementation of parallel_dropout (see parallel_dropout.h).
#include "model/parallel_dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <cstdint>
#include <mutex>

#include "common/error.h"

namespace moe::model {
namespace {

// SplitMix64's finaliser: a counter hashed to 64 well-mixed bits (two elements' draws).
inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t draw_seed() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(generator)->random64();
}

}  // namespace

torch::Tensor parallel_dropout_mask(const torch::Tensor& input, double probability) {
  MOE_REQUIRE(probability >= 0.0 && probability < 1.0, "dropout probability ", probability,
              " is outside [0, 1)");
  MOE_REQUIRE(input.device().is_cpu(), "parallel_dropout_mask: the input must be on the CPU");
  torch::Tensor mask =
      torch::empty(input.sizes(), input.options().memory_format(torch::MemoryFormat::Contiguous));
  const uint64_t seed = draw_seed();
  // Element i is dropped when its 32 random bits fall below probability * 2^32.
  const auto threshold = static_cast<uint32_t>(probability * 4294967296.0);
  const int64_t pairs = (mask.numel() + 1) / 2;
  AT_DISPATCH_FLOATING_TYPES_AND2(
      at::kHalf, at::kBFloat16, mask.scalar_type(), "parallel_dropout_mask", [&] {
        scalar_t* out = mask.data_ptr<scalar_t>();
        const int64_t count = mask.numel();
        const auto keep = static_cast<scalar_t>(1.0 / (1.0 - probability));
        const auto drop = static_cast<scalar_t>(0.0);
        at::parallel_for(0, pairs, 8192, [&](int64_t begin, int64_t end) {
          for (int64_t p = begin; p < end; ++p) {
            const uint64_t bits = mix(seed + static_cast<uint64_t>(p) * 0x9E3779B97F4A7C15ULL);
            const int64_t i = 2 * p;
            out[i] = static_cast<uint32_t>(bits) >= threshold ? keep : drop;
            if (i + 1 < count)
              out[i + 1] = static_cast<uint32_t>(bits >> 32) >= threshold ? keep : drop;
          }
        });
      });
  return mask;
}

torch::Tensor parallel_dropout(const torch::Tensor& input, double probability, bool training) {
  if (!training || probability == 0.0) return input;
  if (!input.device().is_cpu()) return torch::dropout(input, probability, training);
  return input * parallel_dropout_mask(input, probability);
}

ParallelDropoutImpl::ParallelDropoutImpl(double probability) : probability_(probability) {
  MOE_REQUIRE(probability >= 0.0 && probability < 1.0, "dropout probability ", probability,
              " is outside [0, 1)");
}

torch::Tensor ParallelDropoutImpl::forward(const torch::Tensor& input) {
  return parallel_dropout(input, probability_, is_training());
}

}  // namespace moe::model
