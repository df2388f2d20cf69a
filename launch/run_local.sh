#!/usr/bin/env bash
# Runs a program on NP local ranks with mpirun and sensible defaults for one machine:
#   launch/run_local.sh NP PROGRAM [ARGS...]
# - root-run flags only when running as root (OpenMPI refuses root otherwise);
# - --oversubscribe only when NP exceeds the cores, so small machines still run tests;
# - no core binding (ranks share cores with their threads; moe_train splits the cores
#   between local ranks unless runtime.threads_per_rank says otherwise).
# - --quiet: our programs print one clear line on failure; mpirun's own banners about
#   non-zero exits only repeat it (MOE_MPIRUN_VERBOSE=1 brings them back).
# Extra mpirun flags can be passed in MOE_MPIRUN_FLAGS.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 NP PROGRAM [ARGS...]" >&2
  exit 2
fi
np=$1
shift

flags=(--bind-to none)
if [[ ${MOE_MPIRUN_VERBOSE:-0} != 1 ]]; then flags+=(--quiet); fi
if [[ $(id -u) -eq 0 ]]; then flags+=(--allow-run-as-root); fi
if (( np > $(nproc) )); then flags+=(--oversubscribe); fi
# shellcheck disable=SC2206  # word splitting of the extra flags is intended
extra=(${MOE_MPIRUN_FLAGS:-})

exec mpirun "${flags[@]}" "${extra[@]}" -np "$np" "$@"
