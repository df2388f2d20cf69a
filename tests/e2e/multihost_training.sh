#!/usr/bin/env bash
# Training across hosts (tests/support/netns_hosts.sh: namespace hosts joined by a bridge,
# mpirun over TCP only, no shared memory between hosts):
# 1. the multi-rank test suite (distributed invariants: loss, gradients and parameters equal
#    to one process) with 4 ranks spread round-robin over 2 hosts, so that every exchange
#    crosses hosts and expert replicas are placed node-aware; the bytes really crossed;
# 2. the quickstart trained on 2 hosts x 2 ranks: the start-up log shows the host -> ranks
#    map, and the checkpoint is bit-identical to the same run on one host;
# 3. ranks spread round-robin (mpirun --map-by node): each expert's replicas share a host.
# Needs root and ip netns (exit 77 otherwise).
set -euo pipefail
build=${1:?usage: multihost_training.sh BUILD_DIR}
source tests/support/netns_hosts.sh
netns_test_hosts 2 2  # sets $work and $hostfile
source tests/support/fault_runs.sh  # same_model
show() { echo "--- $1" >&2; grep -v '^\[train\] step' "$1" | tail -30 >&2; }

# 1. The distributed invariants across hosts.
before=$(netns_bytes node1)
netns_mpirun "$work" "$hostfile" -np 4 --map-by node "$build/bin/mpi_tests" --gtest_brief=1 \
  >"$work/mpi_tests.log" 2>&1 || { cat "$work/mpi_tests.log" >&2; exit 1; }
grep -q "PASSED" "$work/mpi_tests.log"
crossed=$(($(netns_bytes node1) - before))
echo "mpi_tests across 2 hosts: passed; $crossed bytes crossed node1's link"
((crossed > 1000000)) || { echo "too little traffic crossed hosts" >&2; exit 1; }

# 2. The quickstart, 2 hosts x 2 ranks against 4 ranks on one host.
MOE_BIN=$build/bin MOE_QUICKSTART_DIR=$work MOE_QUICKSTART_PREPARE_ONLY=1 \
  bash launch/quickstart.sh >/dev/null 2>&1
settings=(--set "data.manifest=$work/data/quickstart/manifest.json" --set train.steps=100
  --set eval.every=50 --set runtime.threads_per_rank=1)
netns_mpirun "$work" "$hostfile" -np 4 "$build/bin/moe_train" configs/quickstart.yaml \
  "${settings[@]}" --set "run.dir=$work/hosts" >"$work/hosts.log" 2>&1 ||
  { show "$work/hosts.log"; exit 1; }
grep -q "^hosts:  node1 -> ranks 0,1; node2 -> ranks 2,3$" "$work/hosts.log"
launch/run_local.sh 4 "$build/bin/moe_train" configs/quickstart.yaml "${settings[@]}" \
  --set "run.dir=$work/local" >"$work/local.log" 2>&1 || { show "$work/local.log"; exit 1; }
same_model "$work/local/checkpoint.h5" "$work/hosts/checkpoint.h5"
echo "quickstart: 2 hosts x 2 ranks bit-identical to 4 ranks on one host"

# 3. Node-aware placement with ranks spread round-robin.
netns_mpirun "$work" "$hostfile" -np 4 --map-by node "$build/bin/moe_train" \
  configs/quickstart.yaml "${settings[@]}" --set train.steps=10 --set train.warmup_steps=2 \
  --set eval.every=0 \
  --set "run.dir=$work/by-node" >"$work/by-node.log" 2>&1 || { show "$work/by-node.log"; exit 1; }
grep -q "^hosts:  node1 -> ranks 0,2; node2 -> ranks 1,3$" "$work/by-node.log"
if ! grep -Eq "^  cardio +[0-9]+ +[0-9]+ +[0-9]+   0,2$" "$work/by-node.log" ||
  ! grep -Eq "^  pulmo +[0-9]+ +[0-9]+ +[0-9]+   1,3$" "$work/by-node.log"; then
  show "$work/by-node.log"
  echo "expert replicas are not kept inside a host" >&2
  exit 1
fi
echo "multihost_training: all checks passed"
