// Hang detection for NCCL: a thread that watches every collective a communicator enqueued
// and ends the whole job with one message naming the operation, rank, host and elapsed
// time when NCCL reports an asynchronous error or a collective does not finish in time.
// Without it a dead or diverged peer leaves every other rank spinning in a kernel forever.
#pragma once

#include <c10/core/Device.h>  // c10::DeviceIndex
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dist/cuda/cuda_event.h"

namespace moe::dist {

class CollectiveWatchdog {
 public:
  // `label` names this rank in messages ("rank 1 of 4 (world rank 5, host n07, cuda:1)").
  // A collective is late once it has been the oldest unfinished one for timeout_seconds
  // (so waiting behind earlier collectives does not count, but waiting for the compute that
  // produces its inputs does: keep the timeout well above a training step).
  // `member_world_ranks` are the communicator's ranks as world ranks: one of them whose
  // process has ended on this host (PeerProcesses) ends the job at once, naming it.
  CollectiveWatchdog(ncclComm_t comm, c10::DeviceIndex device, std::string label,
                     double timeout_seconds, std::vector<int> member_world_ranks);
  ~CollectiveWatchdog();  // stops and joins the thread
  CollectiveWatchdog(const CollectiveWatchdog&) = delete;
  CollectiveWatchdog& operator=(const CollectiveWatchdog&) = delete;

  // Call right after `operation` (a string literal) was enqueued on `stream`, on the thread
  // that enqueues: records an event there and watches it. The event is not re-recorded
  // before the next watch() call, so the caller may make other streams wait on it.
  cudaEvent_t watch(const char* operation, cudaStream_t stream);

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    const char* operation;
    CudaEvent done;
    Clock::time_point enqueued;
    Clock::time_point oldest_since;  // when it became the oldest unfinished collective
  };

  void run();
  // Retires finished collectives; returns a description of a failure, or "" if none.
  std::string inspect();
  [[noreturn]] void end_job(const std::string& why);

  const ncclComm_t comm_;
  const c10::DeviceIndex device_;
  const std::string label_;
  const double timeout_seconds_;
  const std::vector<int> member_world_ranks_;

  std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<Pending> pending_;   // in stream order
  std::vector<CudaEvent> spare_;  // finished events, reused so watch() rarely creates one

  std::thread thread_;  // started last, in the constructor's body
};

// Ends the job if a blocking bootstrap step (NCCL initialisation) outlives its deadline:
// there is no communicator to abort yet, but a rank must not wait for a peer forever.
class BootstrapDeadline {
 public:
  BootstrapDeadline(std::string what, double timeout_seconds);
  ~BootstrapDeadline();  // the step finished in time (or threw): stand down
  BootstrapDeadline(const BootstrapDeadline&) = delete;
  BootstrapDeadline& operator=(const BootstrapDeadline&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace moe::dist
