// Implementation of RandomState (see random_state.h).
#include "train/random_state.h"

#include <ATen/Context.h>

#include <mutex>

namespace moe::train {
namespace {

// at::Context::defaultGenerator reaches the CUDA generator through LibTorch's hooks, so this
// file needs no CUDA headers (and no MOE_WITH_CUDA) in either LibTorch 1.13 or 2.x.
at::Generator generator_of(const torch::Device& device) {
  return at::globalContext().defaultGenerator(device);
}

// See LibTorch's note [Acquire lock when using random generators].
torch::Tensor state_of(at::Generator generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_state(at::Generator generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

}  // namespace

RandomState RandomState::capture(const torch::Device& device) {
  torch::Tensor cpu = state_of(generator_of(torch::kCPU));
  torch::Tensor accelerator;
  if (device.is_cuda()) accelerator = state_of(generator_of(device));
  return RandomState(device, std::move(cpu), std::move(accelerator));
}

void RandomState::restore() const {
  set_state(generator_of(torch::kCPU), cpu_);
  if (accelerator_.defined()) set_state(generator_of(device_), accelerator_);
}

}  // namespace moe::train
