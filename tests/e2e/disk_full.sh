#!/usr/bin/env bash
# No space left for checkpoints, 2 ranks: run.dir on a tmpfs that holds one step checkpoint
# and a half (needs root to mount it; skipped otherwise).
# 1. the first step checkpoint is written; the next ones fail with an error that names the
#    file, says no space is left and how much is free; the partial file is removed and
#    training goes on (its state is in memory);
# 2. the final checkpoint fails too: every rank ends non-zero naming the last checkpoint
#    written, which is intact and loads;
# 3. nothing is lost from it: resuming it elsewhere ends bit-identical to an uninterrupted
#    run.
set -euo pipefail
build=${1:?usage: disk_full.sh BUILD_DIR}
[[ $(id -u) == 0 ]] || { echo "skipped: mounting a small tmpfs needs root"; exit 77; }
work=$(mktemp -d)
mnt=$work/small
mkdir -p "$mnt"
cleanup() {
  mountpoint -q "$mnt" && umount "$mnt"
  rm -rf "$work"
}
trap cleanup EXIT

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"

source tests/support/fault_runs.sh

train "$work/whole" "$work/whole.log" || { cat "$work/whole.log" >&2; exit 1; }
checkpoint_bytes=$(stat -c %s "$work/whole/step-00000002.h5")
if ! mount -t tmpfs -o size=$((checkpoint_bytes * 3 / 2)) tmpfs "$mnt" 2>"$work/mount.err"; then
  echo "skipped: cannot mount a tmpfs here: $(cat "$work/mount.err")"
  exit 77
fi

# 1 and 2.
status=0
train "$mnt/run" "$work/full.log" || status=$?
[[ $status != 0 ]] || { echo "the run succeeded on a full disk" >&2; cat "$work/full.log" >&2; exit 1; }
grep -q "wrote $mnt/run/step-00000002.h5 (step 2)" "$work/full.log"
grep -Eq "checkpoint $mnt/run/step-00000004.h5 could not be written: no space left on its filesystem \([0-9.]+ MiB free there, about [0-9.]+ MiB needed; the partial file was removed and any previous checkpoint is untouched\). Cause: .*No space left on device" \
  "$work/full.log" || { echo "no clear disk-full message:" >&2; cat "$work/full.log" >&2; exit 1; }
grep -q "training goes on with its state in memory; the next checkpoint tries again" "$work/full.log"
grep -q "the checkpoint of step 8 ($mnt/run/checkpoint.h5) could not be written; the last one written is $mnt/run/step-00000002.h5: fix the cause (rank 0 said it)" \
  "$work/full.log" || { echo "no final message naming the last checkpoint:" >&2; cat "$work/full.log" >&2; exit 1; }
grep -q "step 8/8" "$work/full.log"  # training itself ran to the end
[[ "$(cd "$mnt/run" && ls)" == "$(printf 'metrics.jsonl\nstep-00000002.h5')" ]] ||
  { echo "unexpected files left:" >&2; ls -la "$mnt/run" >&2; exit 1; }

# 3. The last checkpoint is whole and resumes to the same end.
train "$work/moved" "$work/moved.log" --set "checkpoint.resume=$mnt/run/step-00000002.h5" ||
  { cat "$work/moved.log" >&2; exit 1; }
grep -q "resumed from $mnt/run/step-00000002.h5 at step 2 of 8" "$work/moved.log"
same_model "$work/whole/checkpoint.h5" "$work/moved/checkpoint.h5"
echo "disk_full: all checks passed"
