#!/usr/bin/env bash
# A manifest that lists a shard file that is gone: moe_train ends on every rank before the
# first step, non-zero, naming the file and the remedy, and writes no checkpoint.
set -euo pipefail
build=${1:?usage: missing_shard.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"
gone=$work/data/shards/cardio-train-00000.h5
rm "$gone"

status=0
timeout 120 launch/run_local.sh 2 "$build/bin/moe_train" configs/quickstart.yaml \
  --set "data.manifest=$work/data/manifest.json" --set model.max_position_embeddings=32 \
  --set train.steps=4 --set train.warmup_steps=1 --set runtime.threads_per_rank=1 \
  --set "run.dir=$work/run" >"$work/log" 2>&1 || status=$?
[[ $status != 0 && $status != 124 ]] || { echo "exit status $status" >&2; cat "$work/log" >&2; exit 1; }
grep -q "HDF5 file $gone: no such file; re-run moe_prep to rebuild the shard" "$work/log" ||
  { echo "the error does not name the shard:" >&2; cat "$work/log" >&2; exit 1; }
! grep -q "^\[train\] step" "$work/log" || { echo "training started" >&2; exit 1; }
[[ -z "$(find "$work/run" -name '*.h5' 2>/dev/null)" ]] || { echo "a checkpoint was written" >&2; exit 1; }
echo "missing_shard: ok"
