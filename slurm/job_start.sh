# shellcheck shell=bash
# Sourced by slurm/*.sbatch once they know the repository (MOE_REPO): reads site.sh, loads
# the site's modules, checks the binaries and prints one line saying which job this is.
# Sets MOE_BIN (absolute) and MOE_THREADS (threads per task; empty: let the program choose).

# shellcheck source=slurm/site.sh
source "$MOE_REPO/slurm/site.sh"

if [[ -n $MOE_MODULES ]]; then
  # Batch shells are not login shells: the module command may need its init script.
  if ! type module >/dev/null 2>&1; then
    for init in /etc/profile.d/lmod.sh /etc/profile.d/modules.sh; do
      # shellcheck disable=SC1090
      if [[ -r $init ]]; then source "$init"; break; fi
    done
  fi
  # shellcheck disable=SC2086  # one word per module
  module load $MOE_MODULES
fi

MOE_BIN=${MOE_BIN:-$MOE_REPO/build/bin}
for program in moe_prep moe_train moe_eval; do
  if [[ ! -x $MOE_BIN/$program ]]; then
    echo "[slurm] error: no $MOE_BIN/$program: build first (cmake --build build)" \
      "or set MOE_BIN in slurm/site.sh" >&2
    exit 2
  fi
done
MOE_BIN=$(cd "$MOE_BIN" && pwd)
# For mpirun inside the allocation: notice a lost node (srun's direct launch has no daemons
# to watch; moe_train's peer heartbeat covers both).
# shellcheck source=launch/mpi_network.sh
source "$MOE_REPO/launch/mpi_network.sh"
mpi_network_export
MOE_THREADS=${MOE_THREADS_PER_TASK:-${SLURM_CPUS_PER_TASK:-}}
if [[ -n $MOE_THREADS ]]; then export OMP_NUM_THREADS=$MOE_THREADS; fi

# A requeued job keeps its id: the restart count tells the runs apart in the (appended) log.
echo "[slurm] job ${SLURM_JOB_ID:-none} (${SLURM_JOB_NAME:-no name})" \
  "on ${SLURM_JOB_NODELIST:-$(hostname -s)}: ${SLURM_NTASKS:-1} task(s)," \
  "threads per task ${MOE_THREADS:-auto}, SLURM_RESTART_COUNT=${SLURM_RESTART_COUNT:-0}," \
  "started $(date '+%F %T')"
