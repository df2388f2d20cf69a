// Owns one ncclComm_t (RAII). Destroyed normally; aborted instead when the owner is torn
// down by an exception or after a failure, because ncclCommDestroy may wait for peers that
// are gone, while ncclCommAbort only frees local resources and stops pending kernels.
#pragma once

#include <nccl.h>

#include <exception>
#include <utility>

namespace moe::dist {

class NcclCommHandle {
 public:
  NcclCommHandle() = default;
  explicit NcclCommHandle(ncclComm_t comm) : comm_(comm) {}
  ~NcclCommHandle() { release(); }
  NcclCommHandle(NcclCommHandle&& other) noexcept
      : comm_(std::exchange(other.comm_, nullptr)),
        exceptions_at_creation_(other.exceptions_at_creation_),
        failed_(other.failed_) {}
  NcclCommHandle& operator=(NcclCommHandle&& other) noexcept {
    if (this != &other) {
      release();
      comm_ = std::exchange(other.comm_, nullptr);
      exceptions_at_creation_ = other.exceptions_at_creation_;
      failed_ = other.failed_;
    }
    return *this;
  }
  NcclCommHandle(const NcclCommHandle&) = delete;
  NcclCommHandle& operator=(const NcclCommHandle&) = delete;

  ncclComm_t get() const { return comm_; }
  // The peers may no longer be in step with this rank: abort rather than destroy.
  void mark_failed() { failed_ = true; }

 private:
  void release() {
    if (comm_ == nullptr) return;
    const bool unwinding = std::uncaught_exceptions() > exceptions_at_creation_;
    if (failed_ || unwinding)
      ncclCommAbort(comm_);
    else
      ncclCommDestroy(comm_);
    comm_ = nullptr;
  }

  ncclComm_t comm_ = nullptr;
  int exceptions_at_creation_ = std::uncaught_exceptions();
  bool failed_ = false;
};

}  // namespace moe::dist
