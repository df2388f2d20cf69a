#!/usr/bin/env bash
# Runs a program on NP local ranks with mpirun and sensible defaults for one machine:
#   launch/run_local.sh NP|auto PROGRAM [ARGS...]
# - NP=auto: one rank per visible GPU (CUDA_VISIBLE_DEVICES, else nvidia-smi), or without
#   GPUs one rank per group of MOE_THREADS_PER_RANK cores (default 1 core per rank).
# - Threads: MOE_THREADS_PER_RANK, else the cores split evenly between the ranks; exported as
#   OMP_NUM_THREADS and OPENBLAS_NUM_THREADS so math libraries do not oversubscribe (our
#   programs also split the cores by themselves when runtime.threads_per_rank/--threads is 0).
# - GPUs: every rank sees every GPU; each program takes GPU (local rank mod visible GPUs)
#   itself (docs/LAUNCH.md), so nothing here masks CUDA_VISIBLE_DEVICES per rank.
# - root-run flags only when running as root (OpenMPI refuses root otherwise);
#   --oversubscribe only when NP exceeds the cores, so small machines still run tests.
# - No core binding unless MOE_BIND_CORES=1 (then each rank is pinned to its core group;
#   faster on a dedicated node, harmful when the node is shared).
# - --quiet: our programs print one clear line on failure (also when a rank dies, see
#   odls_base_sigkill_timeout below); mpirun's own banners about
#   non-zero exits only repeat it (MOE_MPIRUN_VERBOSE=1 brings them back).
# Extra mpirun flags can be passed in MOE_MPIRUN_FLAGS. MOE_LAUNCH_DRY_RUN=1 prints the
# command instead of running it.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 NP|auto PROGRAM [ARGS...]" >&2
  exit 2
fi
np=$1
shift
cores=$(nproc)

# Visible GPUs: CUDA_VISIBLE_DEVICES when set (an empty value hides every GPU), else what
# nvidia-smi lists, else none.
visible_gpus() {
  if [[ -v CUDA_VISIBLE_DEVICES ]]; then
    local list=${CUDA_VISIBLE_DEVICES//[[:space:]]/}
    [[ -z $list || $list == -1 ]] && { echo 0; return; }
    awk -F, '{print NF}' <<<"$list"
  elif command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true
  else
    echo 0
  fi
}

if [[ $np == auto ]]; then
  gpus=$(visible_gpus)
  if ((gpus > 0)); then
    np=$gpus
  else
    np=$((cores / ${MOE_THREADS_PER_RANK:-1}))
    ((np >= 1)) || np=1
  fi
fi
if ! [[ $np =~ ^[1-9][0-9]*$ ]]; then
  echo "$0: NP must be a positive number or auto, got '$np'" >&2
  exit 2
fi
threads=${MOE_THREADS_PER_RANK:-$((cores / np))}
((threads >= 1)) || threads=1

flags=(-x "OMP_NUM_THREADS=$threads" -x "OPENBLAS_NUM_THREADS=$threads")
if [[ ${MOE_BIND_CORES:-0} == 1 ]] && ((np * threads <= cores)); then
  flags+=(--map-by "slot:PE=$threads" --bind-to core)
else
  flags+=(--bind-to none)
fi
if [[ ${MOE_MPIRUN_VERBOSE:-0} != 1 ]]; then flags+=(--quiet); fi
# When a rank dies, mpirun sends the others SIGTERM and, after this many seconds, SIGKILL
# (default 1). Five give them time to say which rank died (docs/RELIABILITY.md); a rank that
# is not waiting for the dead one finishes its step and checkpoints, as on preemption.
flags+=(--mca odls_base_sigkill_timeout 5)
# Keepalives so that a host lost mid-job is noticed (hosts come in with MOE_MPIRUN_FLAGS,
# e.g. --hostfile; docs/MULTINODE.md).
# shellcheck source=launch/mpi_network.sh
source "$(dirname "$0")/mpi_network.sh"
flags+=("${mpi_network_flags[@]}")
if [[ $(id -u) -eq 0 ]]; then flags+=(--allow-run-as-root); fi
if ((np > cores)); then flags+=(--oversubscribe); fi
# shellcheck disable=SC2206  # word splitting of the extra flags is intended
extra=(${MOE_MPIRUN_FLAGS:-})

command=(mpirun "${flags[@]}" "${extra[@]}" -np "$np" "$@")
if [[ ${MOE_LAUNCH_DRY_RUN:-0} == 1 ]]; then
  echo "${command[*]}"
  exit 0
fi
exec "${command[@]}"
