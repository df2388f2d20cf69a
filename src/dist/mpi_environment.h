// The process's place in the MPI job: initialisation and shutdown (RAII), rank, host,
// local rank for device choice, and the scheduler sanity check from DESIGN.md.
#pragma once

#include <string>

namespace moe::dist {

class MpiEnvironment {
 public:
  // Initialises MPI (thread level FUNNELED: only the main thread calls MPI), tags the log
  // with the rank, and refuses a SLURM job that asked for several tasks but got a world
  // of one (a PMI mismatch that would silently start N independent copies).
  MpiEnvironment(int* argc, char*** argv);
  ~MpiEnvironment();  // MPI_Finalize
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  const std::string& host() const { return host_; }

  // Intra-op threads for this rank: `configured` when positive, else the node's cores split
  // evenly between its local ranks (at least one).
  int threads_per_rank(int configured) const;

  // Collective: the lowest rank for which `condition` holds, or -1 when it holds nowhere.
  // Lets ranks agree on a verdict that only some of them reached.
  int first_rank_where(bool condition) const;

 private:
  int rank_ = 0;
  int world_size_ = 1;
  int local_rank_ = 0;
  int local_size_ = 1;
  std::string host_;
};

// Ends every rank of the job after printing the message on this rank: the way out of
// any failure that other ranks cannot know about (they would otherwise wait forever).
[[noreturn]] void abort_job(const std::string& message, int exit_code = 1);

// The host name of this process (for error messages).
const std::string& host_name();

}  // namespace moe::dist
