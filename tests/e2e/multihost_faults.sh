#!/usr/bin/env bash
# Faults between hosts (tests/support/netns_hosts.sh: 2 namespace hosts x 2 ranks, TCP only).
# Time bounds are hang detectors, asserted loosely; the logs keep the messages users read.
# 1. node2's link cut at step 20: every rank on both hosts ends within 30 s, and node1's
#    ranks name the operation and the ranks not heard from (the peer heartbeat); with the
#    link back, the same command resumes from the last checkpoint and ends bit-identical to
#    an uninterrupted run;
# 2. a 3 s cut at step 20 is ridden out: the run finishes, bit-identical;
# 3. rank 3 (on node2) killed at step 25: the job ends within 30 s naming it, and resumes
#    bit-identical.
# Needs root and ip netns (exit 77 otherwise).
set -euo pipefail
build=${1:?usage: multihost_faults.sh BUILD_DIR}
source tests/support/netns_hosts.sh
netns_test_hosts 2 2  # sets $work and $hostfile

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"
source tests/support/fault_runs.sh
settings=("${fault_run_settings[@]}" --set train.steps=60 --set checkpoint.every=10
  --set checkpoint.keep_last=2)

train_across() {  # train_across RUN_DIR LOG [mpirun options]: 4 ranks on node1 and node2
  local dir=$1 log=$2
  shift 2
  netns_mpirun "$work" "$hostfile" -np 4 "$@" "$build/bin/moe_train" configs/quickstart.yaml \
    "${settings[@]}" --set "run.dir=$dir" >"$log" 2>&1
}
show() { echo "--- $1" >&2; grep -v '^\[train\] step' "$1" | tail -30 >&2; }
wait_for_step() {  # wait_for_step STEP LOG PID
  until grep -q "step $1/" "$2" 2>/dev/null; do
    kill -0 "$3" 2>/dev/null || { show "$2"; echo "the run ended before step $1" >&2; exit 1; }
    sleep 0.1
  done
}
host_processes() { echo $(($(netns_pids node1 | wc -l) + $(netns_pids node2 | wc -l))); }
seconds_since() { echo $((($(date +%s%N) - $1) / 1000000000)); }
all_ended_within() {  # all_ended_within SECONDS SINCE: no rank or daemon left on any host
  while (($(host_processes) > 0 && $(seconds_since "$2") <= $1)); do sleep 0.5; done
  (($(host_processes) == 0)) || {
    ps -o pid,comm -p "$(netns_pids node1 | tr "\n" " ") $(netns_pids node2 | tr "\n" " ")" >&2
    echo "ranks or daemons still run $(seconds_since "$2") s after the fault" >&2
    exit 1
  }
}

train_across "$work/whole" "$work/whole.log" || { show "$work/whole.log"; exit 1; }
grep -q "^hosts:  node1 -> ranks 0,1; node2 -> ranks 2,3$" "$work/whole.log"

# 1. A cut that lasts.
train_across "$work/cut" "$work/cut.log" &
pid=$!
wait_for_step 20 "$work/cut.log" "$pid"
netns_cut node2
cut=$(date +%s%N)
status=0
wait "$pid" || status=$?
echo "cut: mpirun ended $(seconds_since "$cut") s after the cut, status $status"
[[ $status != 0 ]] || { show "$work/cut.log"; echo "the run did not fail" >&2; exit 1; }
all_ended_within 30 "$cut"
echo "cut: every process on both hosts ended within $(seconds_since "$cut") s"
grep -Eq "\[error\] rank [01]: [a-z_ ()]+ has waited [0-9.]+ s on host node1, and nothing has been heard for more than 10.0 s \(dist.heartbeat_timeout_s\) from rank 2 \(host node2\), rank 3 \(host node2\): their host is down or the network to it is cut; ending the job" \
  "$work/cut.log" || { show "$work/cut.log"; echo "no message naming the lost ranks" >&2; exit 1; }
netns_restore node2
train_across "$work/cut" "$work/cut-resumed.log" || { show "$work/cut-resumed.log"; exit 1; }
grep -Eq "resumed from $work/cut/step-000000[12]0.h5 at step [12]0 of 60" "$work/cut-resumed.log"
same_model "$work/whole/checkpoint.h5" "$work/cut/checkpoint.h5"

# 2. A short cut.
train_across "$work/short" "$work/short.log" &
pid=$!
wait_for_step 20 "$work/short.log" "$pid"
netns_cut node2
sleep 3
netns_restore node2
wait "$pid" || { show "$work/short.log"; echo "a 3 s cut was not ridden out" >&2; exit 1; }
echo "short cut: ridden out"
same_model "$work/whole/checkpoint.h5" "$work/short/checkpoint.h5"

# 3. A rank killed on one host.
train_across "$work/killed" "$work/killed.log" -x MOE_FAULT_KILL_RANK=3:25 &
pid=$!
until grep -q "MOE_FAULT_KILL_RANK: rank 3 (pid [0-9]*) sends itself SIGKILL at step 25" \
  "$work/killed.log" 2>/dev/null; do
  kill -0 "$pid" 2>/dev/null || { show "$work/killed.log"; echo "rank 3 was not killed" >&2; exit 1; }
  sleep 0.1
done
start=$(date +%s%N)
status=0
wait "$pid" || status=$?
((status != 0 && $(seconds_since "$start") <= 30)) ||
  { show "$work/killed.log"; echo "status $status after $(seconds_since "$start") s" >&2; exit 1; }
grep -Eq "\[error\] rank 2: waited [0-9.]+ s in [a-z_ ()]+ on host node2 for rank 3 \(pid [0-9]+, host node2\), whose process has ended" \
  "$work/killed.log" || { show "$work/killed.log"; echo "no message naming the lost rank" >&2; exit 1; }
all_ended_within 30 "$start"
echo "kill: the job ended with status $status, $(seconds_since "$start") s after the kill"
train_across "$work/killed" "$work/killed-resumed.log" || { show "$work/killed-resumed.log"; exit 1; }
grep -q "resumed from $work/killed/step-00000020.h5 at step 20 of 60" "$work/killed-resumed.log"
same_model "$work/whole/checkpoint.h5" "$work/killed/checkpoint.h5"
echo "multihost_faults: all checks passed"
