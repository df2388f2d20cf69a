// Hang detection for blocking MPI collectives. While the main thread is inside one, a
// watcher thread looks at the clock and at the peers: it ends the job with a message when a
// peer rank on this host has died (checked every 0.2 s) or when the collective has not
// completed within the timeout (a peer stalled), and sooner when the peer heartbeat has not
// heard from a member for dist.heartbeat_timeout_s (its host is down or the network to it is
// cut; peer_heartbeat.h). MPI's blocking calls would otherwise wait for a dead peer indefinitely
// under launchers that keep the other ranks running (srun --kill-on-bad-exit=0,
// slurm/train.sbatch). The calls stay blocking because MPI's non-blocking collectives are up to
// twice as slow for the large all-reduces of gradient synchronisation (docs/RELIABILITY.md).
#pragma once

#include <mpi.h>

#include <vector>

#include "dist/rank_activity.h"

namespace moe::dist {

// Hang detection default: far above any step, evaluation or checkpoint write (dist.timeout_s).
inline constexpr double kDefaultCollectiveTimeoutSeconds = 600.0;

struct CollectiveWaitRules {
  double timeout_seconds = kDefaultCollectiveTimeoutSeconds;
  std::vector<int> member_world_ranks;  // the communicator's ranks, as world ranks
};

// Watches the blocking collective `operation` (a string literal, for messages) for its
// lifetime: construct it right before the MPI call, on the main thread. `rules` must outlive
// it. One at a time (MPI is used from the main thread only).
class CollectiveWatch {
 public:
  CollectiveWatch(const char* operation, const CollectiveWaitRules& rules);
  ~CollectiveWatch();
  CollectiveWatch(const CollectiveWatch&) = delete;
  CollectiveWatch& operator=(const CollectiveWatch&) = delete;
};

// The collective this process waits in now, if any (what its peer heartbeat reports).
Activity current_activity();

// The world ranks of `comm`'s members, in `comm`'s rank order.
std::vector<int> world_ranks_of(MPI_Comm comm);

}  // namespace moe::dist
