// Implementation of CollectiveWatchdog and BootstrapDeadline (see collective_watchdog.h).
#include "dist/cuda/collective_watchdog.h"

#include <utility>

#include "common/error.h"
#include "common/log.h"
#include "common/number_format.h"
#include "dist/cuda/nccl_check.h"
#include "dist/mpi_environment.h"
#include "dist/peer_heartbeat.h"
#include "dist/peer_processes.h"

namespace moe::dist {
namespace {

// Often enough that a failure is reported promptly; rarely enough to cost nothing.
constexpr std::chrono::milliseconds kPollInterval(100);

double seconds_between(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

CollectiveWatchdog::CollectiveWatchdog(ncclComm_t comm, c10::DeviceIndex device, std::string label,
                                       double timeout_seconds, std::vector<int> member_world_ranks)
    : comm_(comm),
      device_(device),
      label_(std::move(label)),
      timeout_seconds_(timeout_seconds),
      member_world_ranks_(std::move(member_world_ranks)) {
  MOE_REQUIRE(timeout_seconds > 0, "NCCL watchdog on ", label_,
              ": the collective timeout must be positive, got ", timeout_seconds);
  thread_ = std::thread([this] { run(); });
}

CollectiveWatchdog::~CollectiveWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

cudaEvent_t CollectiveWatchdog::watch(const char* operation, cudaStream_t stream) {
  std::unique_lock<std::mutex> lock(mutex_);
  CudaEvent done = [&] {
    if (spare_.empty()) return CudaEvent(device_);
    CudaEvent reused = std::move(spare_.back());
    spare_.pop_back();
    return reused;
  }();
  lock.unlock();
  MOE_CUDA_CHECK(cudaEventRecord(done.get(), stream));
  const cudaEvent_t handle = done.get();
  const Clock::time_point now = Clock::now();
  lock.lock();
  pending_.push_back(Pending{operation, std::move(done), now, now});
  return handle;
}

void CollectiveWatchdog::run() {
  // Events and the communicator belong to this device; make its context this thread's.
  cudaSetDevice(device_);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, kPollInterval, [this] { return stopping_; })) {
    const std::string failure = inspect();
    if (failure.empty()) continue;
    lock.unlock();
    end_job(failure);
  }
}

std::string CollectiveWatchdog::inspect() {
  const Clock::time_point now = Clock::now();
  while (!pending_.empty()) {
    const cudaError_t state = cudaEventQuery(pending_.front().done.get());
    if (state == cudaErrorNotReady) break;
    if (state != cudaSuccess) {
      return cat("CUDA failed while ", pending_.front().operation, " was pending (",
                 cudaGetErrorName(state), ": ", cudaGetErrorString(state), ").");
    }
    spare_.push_back(std::move(pending_.front().done));
    pending_.pop_front();
    if (!pending_.empty()) pending_.front().oldest_since = now;
  }

  const std::string oldest =
      pending_.empty() ? std::string("no collective pending")
                       : cat("oldest pending: ", pending_.front().operation, ", enqueued ",
                             seconds_text(seconds_between(pending_.front().enqueued, now)), " ago");
  ncclResult_t async_error = ncclSuccess;
  const ncclResult_t query = ncclCommGetAsyncError(comm_, &async_error);
  if (query != ncclSuccess) return describe_nccl_failure("ncclCommGetAsyncError", query);
  if (async_error != ncclSuccess && async_error != ncclInProgress) {
    return cat("NCCL reported an asynchronous error: ", ncclGetErrorString(async_error), " (",
               oldest, ").");
  }

  if (pending_.empty()) return "";
  const Pending& late = pending_.front();
  if (const PeerProcesses* peers = PeerProcesses::instance()) {
    const std::vector<int> ended = peers->ended_on_this_host(member_world_ranks_);
    if (!ended.empty())
      return cat(late.operation, " waits for ", peers->describe(ended),
                 ", whose process has ended (killed or crashed) (", oldest, ").");
  }
  const PeerHeartbeat* heartbeat = PeerHeartbeat::instance();
  const PeerProcesses* peers = PeerProcesses::instance();
  if (heartbeat != nullptr && peers != nullptr) {
    const std::vector<int> lost = heartbeat->lost(member_world_ranks_);
    if (!lost.empty())
      return cat(late.operation, " waits for ", peers->describe(lost),
                 ", not heard from for more than ", seconds_text(PeerHeartbeat::timeout()),
                 " (dist.heartbeat_timeout_s): their host is down or the network to it is cut (",
                 oldest, ").");
  }
  const double waited = seconds_between(late.oldest_since, now);
  if (waited <= timeout_seconds_) return "";
  return cat(late.operation, " has not completed ", seconds_text(waited),
             " after it became the oldest unfinished collective (timeout ",
             seconds_text(timeout_seconds_), "; ", oldest, "; ", pending_.size() - 1,
             " more queued behind it). A peer rank probably died, stalled, or called a "
             "different collective.");
}

void CollectiveWatchdog::end_job(const std::string& why) {
  // Say it before aborting: the message must get out even if the abort itself stalls.
  log::warn("nccl", cat("watchdog on ", label_, ": ", why,
                        " Aborting the NCCL communicator and ending the job."));
  ncclCommAbort(comm_);
  // MPI is initialised FUNNELED; calling MPI_Abort from this thread is outside that promise
  // but is the process's last act, and the launcher then ends every rank.
  abort_job(cat("NCCL watchdog on ", label_, " ended the job (see the message above)"));
}

BootstrapDeadline::BootstrapDeadline(std::string what, double timeout_seconds)
    : thread_([this, what = std::move(what), timeout_seconds] {
        std::unique_lock<std::mutex> lock(mutex_);
        const auto limit = std::chrono::duration<double>(timeout_seconds);
        if (done_.wait_for(lock, limit, [this] { return finished_; })) return;
        abort_job(cat(what, " did not finish within ", seconds_text(timeout_seconds), " on rank ",
                      log::rank(), " (host ", host_name(),
                      "): a peer rank probably failed before joining; ending the job."));
      }) {}

BootstrapDeadline::~BootstrapDeadline() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
  }
  done_.notify_all();
  thread_.join();
}

}  // namespace moe::dist
