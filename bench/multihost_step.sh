#!/usr/bin/env bash
# Step time and bytes moved per step across hosts against the same run on one host, for both
# dispatch modes: the quickstart model on 4 ranks, as 2 namespace hosts x 2 ranks over TCP
# (tests/support/netns_hosts.sh) and as 4 ranks on this machine (shared memory).
#   bench/multihost_step.sh [BUILD_DIR] [STEPS]        (root and ip netns; docs/MULTINODE.md)
# Prints one Markdown row per run: where, dispatch, ms/step, communication ms/step, KiB sent
# per rank per step (the trainer's own count), and KiB per step that crossed node1's link
# (its interface counters; the difference between a run of 2*STEPS and one of STEPS, so
# start-up and evaluation cancel out).
set -euo pipefail
build=${1:-build}
steps=${2:-100}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
source tests/support/netns_hosts.sh
netns_test_hosts 2 2  # sets $work and $hostfile
MOE_BIN=$build/bin MOE_QUICKSTART_DIR=$work MOE_QUICKSTART_PREPARE_ONLY=1 \
  bash launch/quickstart.sh >/dev/null 2>&1

train() {  # train WHERE DISPATCH STEPS RUN_DIR
  local settings=(--set "data.manifest=$work/data/quickstart/manifest.json" --set "run.dir=$4"
    --set "train.steps=$3" --set "train.log_every=$3" --set "dist.dispatch=$2"
    --set eval.every=0 --set checkpoint.every=0 --set runtime.threads_per_rank=1)
  if [[ $1 == hosts ]]; then
    netns_mpirun "$work" "$hostfile" -np 4 "$build/bin/moe_train" configs/quickstart.yaml \
      "${settings[@]}" >"$4.log" 2>&1
  else
    launch/run_local.sh 4 "$build/bin/moe_train" configs/quickstart.yaml "${settings[@]}" \
      >"$4.log" 2>&1
  fi
}

echo "| where | dispatch | ms/step | comm ms/step | KiB sent/rank/step | KiB across hosts/step |"
echo "|---|---|---|---|---|---|"
for where in hosts one-host; do
  for dispatch in data layer; do
    crossed=()
    for n in "$steps" $((2 * steps)); do
      before=$(netns_bytes node1)
      train "$where" "$dispatch" "$n" "$work/$where-$dispatch-$n"
      crossed+=($(($(netns_bytes node1) - before)))
    done
    python3 - "$work/$where-$dispatch-$((2 * steps))/metrics.jsonl" "$where" "$dispatch" \
      "$(((crossed[1] - crossed[0]) / steps))" <<'PY'
import json, sys
step = [json.loads(l) for l in open(sys.argv[1]) if '"ms_per_step"' in l][-1]
where = "2 hosts x 2 ranks (TCP)" if sys.argv[2] == "hosts" else "1 host x 4 ranks"
print(f"| {where} | {sys.argv[3]} | {step['ms_per_step']:.1f} | {step['comm_ms_per_step']:.1f} | "
      f"{step['comm_bytes_per_step'] / 1024:.0f} | {int(sys.argv[4]) / 1024:.0f} |")
PY
  done
done
