#!/usr/bin/env bash
# A failure on one rank ends every rank with a message instead of a hang: rank 1 alone
# reads the pulmo evaluation shard, which is truncated here, while rank 0 goes on into
# the first collective. The job must exit non-zero, soon, naming the shard.
set -euo pipefail
build=${1:?usage: rank_failure.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"
shard=$work/data/shards/pulmo-test-00000.h5
head -c 2000 "$shard" > "$shard.cut" && mv "$shard.cut" "$shard"

status=0
timeout 120 launch/run_local.sh 2 "$build/bin/moe_train" configs/quickstart.yaml \
  --set "data.manifest=$work/data/manifest.json" --set "run.dir=$work/run" \
  --set model.max_position_embeddings=32 >"$work/out" 2>"$work/err" || status=$?
cat "$work/err"
if [[ $status -eq 0 || $status -eq 124 ]]; then
  echo "expected the job to fail (not hang): exit status $status" >&2
  exit 1
fi
grep -q "rank 1: moe_train: error: .*pulmo-test-00000.h5" "$work/err" || {
  echo "the error does not name the rank and the shard" >&2
  exit 1
}
echo "rank failure ends the job: ok (exit status $status)"
