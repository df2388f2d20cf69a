#!/usr/bin/env bash
# A rank lost mid-training, 2 ranks (fault switches in src/train/fault_injection.h):
# 1. rank 1 killed with SIGKILL after step 5's backward pass: the job ends within 60 s,
#    non-zero, and rank 0's message names rank 1 as the process that ended;
# 2. the same command resumes from step 4's checkpoint and ends with parameters and
#    training state bit-identical to an uninterrupted run;
# 3. rank 1 alive but silent (a hung peer, or a cut link as rank 0 sees it): rank 0's
#    collective gives up after dist.timeout_s, naming the operation, and the job ends;
# 4. rank 0 killed halfway through writing step 4's checkpoint: step 2's checkpoint is
#    intact and loads, the partial step 4 never takes a checkpoint's name, and the rerun
#    removes it, resumes from step 2 and again ends bit-identical to the uninterrupted run.
set -euo pipefail
build=${1:?usage: rank_loss.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"

source tests/support/fault_runs.sh
fails_within() {  # fails_within SECONDS RUN_DIR LOG [--set ...]: non-zero exit in time
  local limit=$1 start status=0
  shift
  start=$(date +%s)
  train "$@" || status=$?
  local took=$(($(date +%s) - start))
  [[ $status != 0 ]] || { echo "the run did not fail:" >&2; cat "$2" >&2; exit 1; }
  ((took <= limit)) || { echo "the job took $took s to end (limit $limit s):" >&2; cat "$2" >&2; exit 1; }
  echo "ended in $took s with status $status"
}

train "$work/whole" "$work/whole.log" || { cat "$work/whole.log" >&2; exit 1; }

# 1. SIGKILL on rank 1 at step 5.
MOE_FAULT_KILL_RANK=1:5 fails_within 60 "$work/killed" "$work/killed.log"
grep -q "MOE_FAULT_KILL_RANK: rank 1 (pid [0-9]*) sends itself SIGKILL at step 5" "$work/killed.log"
grep -Eq "\[error\] rank 0: waited [0-9.]+ s in [a-z_ ()]+ on host [^ ]+ for rank 1 \(pid [0-9]+, host [^)]+\), whose process has ended \(killed or crashed\): ending the job" \
  "$work/killed.log" || { echo "no message naming the lost rank:" >&2; cat "$work/killed.log" >&2; exit 1; }
[[ ! -e "$work/killed/step-00000006.h5" && -e "$work/killed/step-00000004.h5" ]]

# 2. Resume after the loss.
train "$work/killed" "$work/resumed.log" || { cat "$work/resumed.log" >&2; exit 1; }
grep -q "resumed from $work/killed/step-00000004.h5 at step 4 of 8" "$work/resumed.log"
same_model "$work/whole/checkpoint.h5" "$work/killed/checkpoint.h5"

# 3. A silent rank: rank 0 gives up after dist.timeout_s (10 s here: well above a step or a
#    checkpoint write, also on a loaded machine).
MOE_FAULT_STALL_RANK=1:5 fails_within 60 "$work/stalled" "$work/stalled.log" --set dist.timeout_s=10
grep -q "MOE_FAULT_STALL_RANK: rank 1 stops responding at step 5" "$work/stalled.log"
grep -Eq "\[error\] rank 0: [a-z_ ()]+ has not completed within 10.0 s \(dist.timeout_s\) on host [^ ]+, and no rank on this host has died" \
  "$work/stalled.log" || { echo "no timeout message:" >&2; cat "$work/stalled.log" >&2; exit 1; }

# 4. Killed while writing step 4's checkpoint.
MOE_FAULT_KILL_IN_CHECKPOINT=4 fails_within 60 "$work/torn" "$work/torn.log"
grep -q "MOE_FAULT_KILL_IN_CHECKPOINT: SIGKILL after [0-9]* of [0-9]* tensors of step 4's checkpoint" "$work/torn.log"
[[ ! -e "$work/torn/step-00000004.h5" ]] || { echo "a torn checkpoint took the final name" >&2; exit 1; }
[[ -e "$work/torn/step-00000004.h5.tmp" ]] || { echo "the kill came before the write began" >&2; exit 1; }
h5ls "$work/torn/step-00000002.h5" >/dev/null  # intact: HDF5 opens it
"$build/bin/moe_export" "$work/torn/step-00000002.h5" --domain cardio --out "$work/torn-cardio" >/dev/null
train "$work/torn" "$work/torn-resumed.log" || { cat "$work/torn-resumed.log" >&2; exit 1; }
grep -q "resumed from $work/torn/step-00000002.h5 at step 2 of 8" "$work/torn-resumed.log"
grep -q "removed $work/torn/step-00000004.h5.tmp, left by a checkpoint write that was cut off" \
  "$work/torn-resumed.log"
same_model "$work/whole/checkpoint.h5" "$work/torn/checkpoint.h5"
echo "rank_loss: all checks passed"
