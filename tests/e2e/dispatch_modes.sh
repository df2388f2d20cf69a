#!/usr/bin/env bash
# moe_train with dist.dispatch: data and layer trains the same model: on 2 ranks, without
# dropout, both modes log the same losses step by step, and layer dispatch moves more bytes
# (two all-to-alls of hidden states per expert layer instead of one example exchange).
set -euo pipefail
build=${1:?usage: dispatch_modes.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"

for mode in data layer; do
  launch/run_local.sh 2 "$build/bin/moe_train" configs/quickstart.yaml \
    --set "data.manifest=$work/data/manifest.json" --set "run.dir=$work/$mode" \
    --set model.max_position_embeddings=32 --set model.dropout=0 --set train.steps=12 \
    --set train.warmup_steps=2 --set train.log_every=1 --set "dist.dispatch=$mode" \
    > "$work/$mode.log" 2>&1 || { cat "$work/$mode.log" >&2; exit 1; }
done

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def steps(mode):
    rows = [json.loads(l) for l in open(f"{work}/{mode}/metrics.jsonl")]
    return [r for r in rows if "step" in r]
data, layer = steps("data"), steps("layer")
assert len(data) == len(layer) == 12, (len(data), len(layer))
worst = max(abs(a["loss"] - b["loss"]) for a, b in zip(data, layer))
print(f"largest loss difference over 12 steps: {worst:.2e}")
assert worst < 1e-4, "data and layer dispatch train different models"
bytes_data = sum(r["comm_bytes_per_step"] for r in data) / len(data)
bytes_layer = sum(r["comm_bytes_per_step"] for r in layer) / len(layer)
print(f"bytes sent per step: data {bytes_data:.0f}, layer {bytes_layer:.0f}")
assert bytes_layer > bytes_data, "layer dispatch should move hidden states"
PY
echo "dispatch modes agree: ok"
