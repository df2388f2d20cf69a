#!/usr/bin/env bash
# launch/run_local.sh picks its ranks and threads as documented (docs/LAUNCH.md): one rank per
# visible GPU with NP=auto, else per core group; threads split between ranks; root and
# oversubscription flags only when needed; and it really launches a program on the ranks.
set -euo pipefail
build=${1:?usage: launcher.sh BUILD_DIR}
cores=$(nproc)
dry() { MOE_LAUNCH_DRY_RUN=1 launch/run_local.sh "$@"; }
expect() {  # expect TEXT COMMAND_LINE
  [[ $2 == *"$1"* ]] || { echo "expected '$1' in: $2" >&2; exit 1; }
}

line=$(CUDA_VISIBLE_DEVICES=0,1,2 dry auto prog)
expect "-np 3 prog" "$line"
line=$(CUDA_VISIBLE_DEVICES=" 3 , 5 " dry auto prog)
expect "-np 2 prog" "$line"
line=$(CUDA_VISIBLE_DEVICES='' dry auto prog)
expect "-np $cores prog" "$line"
expect "OMP_NUM_THREADS=1 " "$line"
line=$(CUDA_VISIBLE_DEVICES='' MOE_THREADS_PER_RANK="$cores" dry auto prog)
expect "-np 1 prog" "$line"
expect "OMP_NUM_THREADS=$cores " "$line"
line=$(dry 1 prog --flag)
expect "OMP_NUM_THREADS=$cores " "$line"
expect "--bind-to none" "$line"
expect "--mca odls_base_sigkill_timeout 5" "$line"
expect "--mca oob_tcp_keepalive_time 5 --mca oob_tcp_keepalive_intvl 3" "$line"
expect "-np 1 prog --flag" "$line"
[[ $line != *--oversubscribe* ]] || { echo "oversubscribed 1 rank: $line" >&2; exit 1; }
line=$(dry $((cores + 1)) prog)
expect "--oversubscribe" "$line"
line=$(MOE_BIND_CORES=1 dry 1 prog)
expect "--map-by slot:PE=$cores --bind-to core" "$line"
if [[ $(id -u) -eq 0 ]]; then expect "--allow-run-as-root" "$line"; fi
status=0
launch/run_local.sh zero prog 2>/dev/null || status=$?
[[ $status == 2 ]] || { echo "a bad NP should exit 2, got $status" >&2; exit 1; }

# A real launch: both ranks run, and each sees its own rank.
# shellcheck disable=SC2016  # expanded by each rank's shell
out=$(launch/run_local.sh 2 bash -c 'echo "rank $OMPI_COMM_WORLD_RANK threads $OMP_NUM_THREADS"' | sort)
expect "rank 0 threads" "$out"
expect "rank 1 threads" "$out"
# And a program of ours: moe_embed's phase-1 error comes from exactly one rank.
err=$(launch/run_local.sh 2 "$build/bin/moe_embed" 2>&1 >/dev/null || true)
[[ $(grep -c "moe_embed: error:" <<<"$err") == 1 ]] || { echo "expected one error line: $err" >&2; exit 1; }
echo "launcher: ok"
