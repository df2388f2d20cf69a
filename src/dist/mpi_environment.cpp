// Implementation of MpiEnvironment and abort_job (see mpi_environment.h).
#include "dist/mpi_environment.h"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "common/error.h"
#include "common/log.h"
#include "dist/collective_watch.h"
#include "dist/mpi_check.h"
#include "dist/peer_heartbeat.h"
#include "dist/peer_processes.h"

namespace moe::dist {
namespace {

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::atoi(value);
}

}  // namespace

const std::string& host_name() {
  static const std::string name = [] {
    char buffer[256] = {0};
    if (gethostname(buffer, sizeof(buffer) - 1) != 0) return std::string("unknown-host");
    return std::string(buffer);
  }();
  return name;
}

std::string describe_mpi_failure(const char* call, int code) {
  char text[MPI_MAX_ERROR_STRING] = {0};
  int length = 0;
  MPI_Error_string(code, text, &length);
  int rank = -1;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return cat(call, " failed on rank ", rank, " (host ", host_name(), "): ", text);
}

MpiEnvironment::MpiEnvironment(int* argc, char*** argv) {
  int provided = 0;
  MOE_MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  // Errors come back as codes so that MOE_MPI_CHECK can name the call and the rank.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MOE_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  MOE_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &world_size_));
  host_ = host_name();
  log::set_rank(rank_, world_size_);

  // Local rank: the launcher says it when it can; otherwise ask MPI who shares this node.
  MPI_Comm node_comm = MPI_COMM_NULL;
  MOE_MPI_CHECK(
      MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node_comm));
  int node_rank = 0;
  int node_size = 1;
  MPI_Comm_rank(node_comm, &node_rank);
  MPI_Comm_size(node_comm, &node_size);
  MPI_Comm_free(&node_comm);
  local_rank_ = env_int("OMPI_COMM_WORLD_LOCAL_RANK", env_int("SLURM_LOCALID", node_rank));
  local_size_ = env_int("OMPI_COMM_WORLD_LOCAL_SIZE", node_size);
  PeerProcesses::record_world();
  // The watcher exists before the heartbeat that asks it what this rank is doing, so it is
  // destroyed after it at exit.
  (void)current_activity();
  PeerHeartbeat::start_world(current_activity);

  const int slurm_tasks = env_int("SLURM_NTASKS", 0);
  if (slurm_tasks > 1 && world_size_ == 1) {
    abort_job(cat("SLURM_NTASKS=", slurm_tasks,
                  " but MPI sees a world of 1: the launcher and MPI disagree (PMI mismatch). "
                  "Launch with 'srun --mpi=pmix' or mpirun inside the allocation."));
  }
}

int MpiEnvironment::threads_per_rank(int configured) const {
  if (configured > 0) return configured;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, local_size_));
}

int MpiEnvironment::first_rank_where(bool condition) const {
  int candidate = condition ? rank_ : world_size_;
  int first = world_size_;
  CollectiveWaitRules rules;
  rules.member_world_ranks = world_ranks_of(MPI_COMM_WORLD);
  const CollectiveWatch watch("first_rank_where", rules);
  MOE_MPI_CHECK(MPI_Allreduce(&candidate, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
  return first < world_size_ ? first : -1;
}

MpiEnvironment::~MpiEnvironment() {
  PeerHeartbeat::stop_world();
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void abort_job(const std::string& message, int exit_code) {
  log::warn("error", message);
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  int world_size = 1;
  if (initialized && !finalized) MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  // A lone process can exit normally; in a job, MPI_Abort makes the launcher end every rank.
  if (initialized && !finalized && world_size > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

}  // namespace moe::dist
