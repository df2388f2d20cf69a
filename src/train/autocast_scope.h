// bf16 autocast on CUDA for the training forward pass (train.precision: bf16): matrix
// products and attention run in bfloat16 while parameters, optimizer state and gradients
// stay float32 (the "master weights"); bf16 keeps float32's exponent range, so no loss
// scaling is needed. Restores the previous state and clears autocast's weight-cast cache on
// exit, as torch.autocast does.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

namespace moe::train {

// LibTorch 2.4 replaced the CUDA-only calls by ones that take the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define MOE_AUTOCAST_BY_DEVICE_TYPE 1
#endif

class AutocastScope {
 public:
  // Does nothing unless `enabled` and `device` is a CUDA device.
  AutocastScope(const torch::Device& device, bool enabled) : active_(enabled && device.is_cuda()) {
    if (!active_) return;
#ifdef MOE_AUTOCAST_BY_DEVICE_TYPE
    was_enabled_ = at::autocast::is_autocast_enabled(at::kCUDA);
    previous_dtype_ = at::autocast::get_autocast_dtype(at::kCUDA);
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
    was_enabled_ = at::autocast::is_enabled();
    previous_dtype_ = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
#endif
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!active_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#ifdef MOE_AUTOCAST_BY_DEVICE_TYPE
    at::autocast::set_autocast_enabled(at::kCUDA, was_enabled_);
    at::autocast::set_autocast_dtype(at::kCUDA, previous_dtype_);
#else
    at::autocast::set_enabled(was_enabled_);
    at::autocast::set_autocast_gpu_dtype(previous_dtype_);
#endif
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

  bool active() const { return active_; }

 private:
  bool active_;
  bool was_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kHalf;
};

}  // namespace moe::train
