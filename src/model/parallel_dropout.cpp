// Implementation of parallel_dropout (see parallel_dropout.h).
#include "model/parallel_dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

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

void require_probability(double probability) {
  MOE_REQUIRE(probability >= 0.0 && probability < 1.0, "dropout probability ", probability,
              " is outside [0, 1)");
}

// keep[i] = 1 where element i survives: its 32 random bits are at least probability * 2^32.
torch::Tensor draw_keep_mask(at::IntArrayRef sizes, double probability) {
  torch::Tensor keep = torch::empty(sizes, torch::kUInt8);
  uint8_t* out = keep.data_ptr<uint8_t>();
  const int64_t count = keep.numel();
  const uint64_t seed = draw_seed();
  const auto threshold = static_cast<uint32_t>(probability * 4294967296.0);
  at::parallel_for(0, (count + 1) / 2, 16384, [&](int64_t begin, int64_t end) {
    for (int64_t pair = begin; pair < end; ++pair) {
      const uint64_t bits = mix(seed + static_cast<uint64_t>(pair) * 0x9E3779B97F4A7C15ULL);
      const int64_t i = 2 * pair;
      out[i] = static_cast<uint32_t>(bits) >= threshold;
      if (i + 1 < count) out[i + 1] = static_cast<uint32_t>(bits >> 32) >= threshold;
    }
  });
  return keep;
}

// values * keep * scale in one pass (the forward and the backward are the same product).
torch::Tensor apply_keep_mask(const torch::Tensor& values_in, const torch::Tensor& keep,
                              double scale) {
  const torch::Tensor values = values_in.contiguous();
  torch::Tensor result = torch::empty_like(values, at::MemoryFormat::Contiguous);
  const uint8_t* kept = keep.data_ptr<uint8_t>();
  AT_DISPATCH_FLOATING_TYPES_AND2(
      at::kHalf, at::kBFloat16, values.scalar_type(), "apply_keep_mask", [&] {
        const scalar_t* in = values.data_ptr<scalar_t>();
        scalar_t* out = result.data_ptr<scalar_t>();
        using math_t = at::opmath_type<scalar_t>;  // float for half types
        const auto factor = static_cast<math_t>(scale);
        at::parallel_for(0, values.numel(), 16384, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i)
            out[i] = kept[i] ? static_cast<scalar_t>(static_cast<math_t>(in[i]) * factor)
                             : static_cast<scalar_t>(0);
        });
      });
  return result;
}

// Saves the one-byte keep mask (a quarter of a float mask's memory) for the backward.
class MaskedScale : public torch::autograd::Function<MaskedScale> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context,
                               const torch::Tensor& input, const torch::Tensor& keep,
                               double scale) {
    context->save_for_backward({keep});
    context->saved_data["scale"] = scale;
    return apply_keep_mask(input, keep, scale);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list grad_outputs) {
    const torch::Tensor keep = context->get_saved_variables()[0];
    const double scale = context->saved_data["scale"].toDouble();
    return {apply_keep_mask(grad_outputs[0], keep, scale), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor parallel_dropout(const torch::Tensor& input, double probability, bool training) {
  require_probability(probability);
  if (!training || probability == 0.0) return input;
  if (!input.device().is_cpu()) return torch::dropout(input, probability, training);
  return MaskedScale::apply(input, draw_keep_mask(input.sizes(), probability),
                            1.0 / (1.0 - probability));
}

ParallelDropoutImpl::ParallelDropoutImpl(double probability) : probability_(probability) {
  require_probability(probability);
}

torch::Tensor ParallelDropoutImpl::forward(const torch::Tensor& input) {
  return parallel_dropout(input, probability_, is_training());
}

}  // namespace moe::model
