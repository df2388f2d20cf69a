// Which process each world rank is, and whether one on this host has ended: a rank that
// waits in a collective for a peer that was killed (SIGKILL, out of memory) can say which
// rank died instead of waiting for a timeout or the launcher's kill.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace moe::dist {

struct PeerProcess {
  std::string host;
  int64_t pid = 0;
};

// True when process `pid` no longer runs: it is gone, or a zombie waiting to be reaped.
bool process_has_ended(int64_t pid);

class PeerProcesses {
 public:
  // Collective over MPI_COMM_WORLD: every rank learns every rank's host and process id.
  // MpiEnvironment calls it once; until then instance() is null and nothing is checked.
  static void record_world();
  static const PeerProcesses* instance();

  explicit PeerProcesses(std::vector<PeerProcess> by_world_rank, std::string this_host);

  const PeerProcess& of(int world_rank) const { return by_world_rank_.at(world_rank); }
  // Those of `world_ranks` whose process ran on this host and has ended (ranks on other
  // hosts cannot be looked at from here and are never listed).
  std::vector<int> ended_on_this_host(const std::vector<int>& world_ranks) const;
  // "rank 1 (pid 4242, host n07), rank 3 (...)" for messages.
  std::string describe(const std::vector<int>& world_ranks) const;

 private:
  std::vector<PeerProcess> by_world_rank_;
  std::string this_host_;
};

}  // namespace moe::dist
