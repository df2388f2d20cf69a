#!/usr/bin/env bash
# NaN or Inf in the gradients (MOE_FAULT_NONFINITE_STEPS puts a NaN into one gradient on
# rank 0 only, src/train/fault_injection.h), 2 ranks:
# 1. within train.max_nonfinite_steps the step is skipped on every rank (both ranks say so)
#    and training finishes;
# 2. beyond it every rank stops with the message, non-zero, without writing a checkpoint: the
#    last step checkpoint from before the fault is intact and the run resumes from it;
# 3. a malformed fault list is an error naming the variable.
set -euo pipefail
build=${1:?usage: nonfinite_steps.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"

source tests/support/fault_runs.sh
fault_run_settings+=(--set train.max_nonfinite_steps=1)

# 1. One bad step of one allowed.
MOE_FAULT_NONFINITE_STEPS=3 train "$work/one" "$work/one.log" || { cat "$work/one.log" >&2; exit 1; }
for rank in 0 1; do
  grep -Eq "\[train\] rank $rank: step 3: loss [^,]+, gradient norm [^ ]+ .*skipped, no update \(1 of at most 1\)" \
    "$work/one.log" || { echo "rank $rank did not skip step 3:" >&2; cat "$work/one.log" >&2; exit 1; }
done
[[ -e "$work/one/checkpoint.h5" ]]
[[ "$(grep -c 'skipped, no update' "$work/one.log")" == 2 ]]  # step 3 only, once per rank

# 2. A second bad step at 5: stop; step 4's checkpoint stays and resumes.
status=0
MOE_FAULT_NONFINITE_STEPS=3,5 train "$work/two" "$work/two.log" || status=$?
[[ $status != 0 ]] || { echo "training went on past the allowance" >&2; exit 1; }
grep -q "step 5: loss .*that is 2 such steps, more than train.max_nonfinite_steps (1): stopping without a checkpoint" \
  "$work/two.log" || { echo "no stop message:" >&2; cat "$work/two.log" >&2; exit 1; }
[[ ! -e "$work/two/checkpoint.h5" && ! -e "$work/two/step-00000006.h5" ]]
[[ -e "$work/two/step-00000004.h5" ]]
train "$work/two" "$work/resumed.log" || { cat "$work/resumed.log" >&2; exit 1; }
grep -q "resumed from $work/two/step-00000004.h5 at step 4 of 8" "$work/resumed.log"
[[ -e "$work/two/checkpoint.h5" ]]

# 3. A malformed list.
status=0
MOE_FAULT_NONFINITE_STEPS=3,x train "$work/bad" "$work/bad.log" || status=$?
[[ $status != 0 ]] && grep -q "MOE_FAULT_NONFINITE_STEPS: 'x' is not a step number" "$work/bad.log" ||
  { echo "a malformed fault list was not refused:" >&2; cat "$work/bad.log" >&2; exit 1; }
echo "nonfinite_steps: ok"
