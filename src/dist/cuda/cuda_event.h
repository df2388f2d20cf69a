// An owned CUDA event (RAII), created without timing: the cheap kind, used only to order
// streams and to ask whether the work before it has finished.
#pragma once

#include <c10/cuda/CUDAGuard.h>  // the event belongs to the device current at creation
#include <cuda_runtime_api.h>

#include <utility>

#include "dist/cuda/nccl_check.h"

namespace moe::dist {

class CudaEvent {
 public:
  explicit CudaEvent(c10::DeviceIndex device) {
    const c10::cuda::CUDAGuard guard(device);
    MOE_CUDA_CHECK(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming));
  }
  ~CudaEvent() {
    // Destroying an event whose work is still pending is allowed: CUDA frees it later.
    if (event_ != nullptr) cudaEventDestroy(event_);
  }
  CudaEvent(CudaEvent&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}
  CudaEvent& operator=(CudaEvent&& other) noexcept {
    if (this != &other) {
      if (event_ != nullptr) cudaEventDestroy(event_);
      event_ = std::exchange(other.event_, nullptr);
    }
    return *this;
  }
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;

  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace moe::dist
