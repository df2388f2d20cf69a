// Implementation of CollectiveWatch (see collective_watch.h): one watcher thread per process,
// started with the first watched collective, looking at the one collective in progress.
#include "dist/collective_watch.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/error.h"
#include "common/number_format.h"
#include "dist/mpi_check.h"
#include "dist/mpi_environment.h"
#include "dist/peer_heartbeat.h"
#include "dist/peer_processes.h"

namespace moe::dist {
namespace {

using Clock = std::chrono::steady_clock;

// How often the watcher looks (a few /proc reads when a collective is in progress).
constexpr auto kCheckInterval = std::chrono::milliseconds(200);

class Watcher {
 public:
  static Watcher& instance() {
    static Watcher watcher;
    return watcher;
  }

  void begin(const char* operation, const CollectiveWaitRules& rules) {
    std::lock_guard<std::mutex> lock(mutex_);
    operation_ = operation;
    rules_ = &rules;
    started_ = Clock::now();
  }

  Activity activity() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {operation_ != nullptr ? operation_ : "",
            std::chrono::duration<double>(Clock::now() - started_).count()};
  }

  void end() {
    std::lock_guard<std::mutex> lock(mutex_);
    operation_ = nullptr;
    started_ = Clock::now();  // from now on: time outside collectives
    rules_ = nullptr;
  }

  ~Watcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    // A job ended from the watcher itself (abort_job may exit) cannot wait for its own end.
    if (std::this_thread::get_id() == thread_.get_id())
      thread_.detach();
    else
      thread_.join();
  }

 private:
  Watcher() : thread_([this] { run(); }) {}

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, kCheckInterval, [this] { return stopping_; })) {
      const std::string failure = inspect();
      if (failure.empty()) continue;
      lock.unlock();
      // The main thread is stuck in MPI: calling MPI_Abort from here is outside the FUNNELED
      // promise, but it is the process's last act, and the launcher then ends every rank.
      abort_job(failure);
    }
  }

  // A description of why the collective in progress will never complete, or "".
  std::string inspect() const {
    if (operation_ == nullptr) return "";
    const double waited = std::chrono::duration<double>(Clock::now() - started_).count();
    if (waited < std::chrono::duration<double>(kCheckInterval).count()) return "";
    if (const PeerProcesses* peers = PeerProcesses::instance()) {
      const std::vector<int> ended = peers->ended_on_this_host(rules_->member_world_ranks);
      if (!ended.empty())
        return cat("waited ", seconds_text(waited), " in ", operation_, " on host ", host_name(),
                   " for ", peers->describe(ended),
                   ", whose process has ended (killed or crashed): ending the job");
    }
    const PeerHeartbeat* heartbeat = PeerHeartbeat::instance();
    if (heartbeat != nullptr) {
      const std::vector<int> lost = heartbeat->lost(rules_->member_world_ranks);
      if (!lost.empty())
        return cat(operation_, " has waited ", seconds_text(waited), " on host ", host_name(),
                   ", and nothing has been heard for more than ",
                   seconds_text(PeerHeartbeat::timeout()), " (dist.heartbeat_timeout_s) from ",
                   describe_ranks(lost),
                   ": their host is down or the network to it is cut; ending the job");
    }
    if (waited <= rules_->timeout_seconds) return "";
    return cat(operation_, " has not completed within ", seconds_text(rules_->timeout_seconds),
               " (dist.timeout_s) on host ", host_name(), ", and no rank on this host has died",
               heartbeat != nullptr ? others_activity(*heartbeat) : std::string(),
               ": a rank stalled or called another collective, or a rank on another host died; "
               "ending the job");
  }

  // "rank 2 (host node2), rank 3 (host node2)".
  static std::string describe_ranks(const std::vector<int>& world_ranks) {
    std::string text;
    const PeerProcesses* peers = PeerProcesses::instance();
    for (const int r : world_ranks) {
      if (!text.empty()) text += ", ";
      text += cat("rank ", r);
      if (peers != nullptr) text += cat(" (host ", peers->of(r).host, ")");
    }
    return text;
  }

  // "; still heard from: rank 1 (host n2) outside any collective for 598.0 s, ...": what the
  // members that are not waiting here with this rank do instead.
  std::string others_activity(const PeerHeartbeat& heartbeat) const {
    std::string text;
    for (const int r : rules_->member_world_ranks) {
      const PeerStatus status = heartbeat.status_of(r);
      if (!status.heard || status.activity.collective == operation_) continue;
      text += cat(text.empty() ? "; still heard from: " : ", ", describe_ranks({r}),
                  status.activity.collective.empty() ? " outside any collective"
                                                     : cat(" in ", status.activity.collective),
                  " for ", seconds_text(status.activity.seconds));
    }
    return text;
  }

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  bool stopping_ = false;
  const char* operation_ = nullptr;  // the collective in progress, or null
  const CollectiveWaitRules* rules_ = nullptr;
  Clock::time_point started_ = Clock::now();  // when operation_ last changed
  std::thread thread_;                        // started last, in the constructor
};

}  // namespace

CollectiveWatch::CollectiveWatch(const char* operation, const CollectiveWaitRules& rules) {
  Watcher::instance().begin(operation, rules);
}

CollectiveWatch::~CollectiveWatch() { Watcher::instance().end(); }

Activity current_activity() { return Watcher::instance().activity(); }

std::vector<int> world_ranks_of(MPI_Comm comm) {
  int size = 0;
  MOE_MPI_CHECK(MPI_Comm_size(comm, &size));
  MPI_Group group = MPI_GROUP_NULL;
  MPI_Group world = MPI_GROUP_NULL;
  MOE_MPI_CHECK(MPI_Comm_group(comm, &group));
  MOE_MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &world));
  std::vector<int> ranks(size), world_ranks(size);
  for (int r = 0; r < size; ++r) ranks[r] = r;
  const int code = MPI_Group_translate_ranks(group, size, ranks.data(), world, world_ranks.data());
  MPI_Group_free(&group);
  MPI_Group_free(&world);
  MOE_MPI_CHECK(code);
  return world_ranks;
}

}  // namespace moe::dist
