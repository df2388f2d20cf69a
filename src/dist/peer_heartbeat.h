// Liveness of the other ranks, independent of MPI and NCCL: every rank sends every other a
// small UDP datagram twice a second saying which collective it is in, if any. A rank that
// waits in a collective can then tell "rank 3 on node2 has not been heard from for 10 s"
// (its host is down or the network to it is cut: end the job now, naming it) from "rank 3 is
// alive but busy elsewhere" (a stall: wait for dist.timeout_s). MPI's own transports say
// nothing for minutes when a link is cut (docs/MULTINODE.md).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dist/rank_activity.h"
#include "dist/udp_socket.h"

namespace moe::dist {

struct HeartbeatPeer {
  uint32_t address = 0;  // host byte order
  uint16_t port = 0;
};

struct PeerStatus {
  bool heard = false;         // a heartbeat has arrived from it
  double silent_seconds = 0;  // since the last one (or since the start, when none came)
  Activity activity;          // as its last heartbeat said
};

// Default for dist.heartbeat_timeout_s: ten missed heartbeats in a row are not a busy peer
// (the heartbeat has its own thread) and far more than a short network glitch.
inline constexpr double kDefaultHeartbeatTimeoutSeconds = 10.0;

class PeerHeartbeat {
 public:
  static constexpr std::chrono::milliseconds kInterval{500};

  // Collective over MPI_COMM_WORLD (MpiEnvironment calls it once): learns where every rank
  // listens and starts. When heartbeats do not get through between some ranks within a few
  // seconds (a firewall), rank 0 warns and no rank uses them: hangs are then caught by
  // dist.timeout_s alone. instance() is null until then and in a world of one.
  static void start_world(const std::function<Activity()>& activity);
  static const PeerHeartbeat* instance();
  static void stop_world();  // before MPI_Finalize: a rank that has finished falls silent
  // A peer silent for longer than this is lost (dist.heartbeat_timeout_s; 0 turns it off).
  static void set_timeout(double seconds);
  static double timeout();

  // Sends `activity()` as rank `rank` of job `job` to every peer except itself, and listens
  // on `socket` for theirs, on its own thread until destroyed.
  PeerHeartbeat(int rank, uint64_t job, UdpSocket socket, std::vector<HeartbeatPeer> peers,
                std::function<Activity()> activity);
  ~PeerHeartbeat();
  PeerHeartbeat(const PeerHeartbeat&) = delete;
  PeerHeartbeat& operator=(const PeerHeartbeat&) = delete;

  PeerStatus status_of(int rank) const;
  bool heard_from_everyone() const;
  // Those of `ranks` (not this one) silent for more than timeout(); none when it is 0.
  std::vector<int> lost(const std::vector<int>& ranks) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Heard {
    bool any = false;
    Clock::time_point last;
    Activity activity;
  };

  void run();
  void send_to_all();
  void receive_for(std::chrono::milliseconds wait);

  const int rank_;
  const uint64_t job_;
  const UdpSocket socket_;
  const std::vector<HeartbeatPeer> peers_;
  const std::function<Activity()> activity_;
  const Clock::time_point started_;
  mutable std::mutex mutex_;  // guards heard_
  std::vector<Heard> heard_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;  // started last, in the constructor
};

}  // namespace moe::dist
