#!/usr/bin/env bash
# End to end, as README command (1) runs it: launch/quickstart.sh on 2 ranks, in a
# temporary folder. Checks: every domain's F1max rises by at least 0.1, the checkpoint
# lists parameters under Hugging Face names and expert groups named after the domains.
set -euo pipefail
build=${1:?usage: quickstart.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

MOE_BIN=$build/bin MOE_QUICKSTART_DIR=$work bash launch/quickstart.sh | tee "$work/log"

grep -q "F1max per domain (before -> after training" "$work/log"
python3 - "$work/runs/quickstart/metrics.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
evaluation = [l for l in lines if "evaluation" in l][-1]["evaluation"]
assert {e["domain"] for e in evaluation} == {"cardio", "pulmo"}, evaluation
for e in evaluation:
    gain = e["f1max_after"] - e["f1max_before"]
    print(f"{e['domain']}: F1max {e['f1max_before']:.4f} -> {e['f1max_after']:.4f} ({gain:+.4f})")
    assert gain >= 0.1, f"{e['domain']} gained only {gain:.4f}"
steps = [l for l in lines if "step" in l]
assert steps and steps[-1]["step"] == 400, steps[-1:]
PY

listing=$(h5ls -r "$work/runs/quickstart/checkpoint.h5")
for name in /shared/embeddings.word_embeddings.weight \
            /shared/encoder.layer.1.attention.self.query.weight \
            /shared/encoder.layer.0.output.LayerNorm.bias \
            /experts/cardio/encoder.layer.0.intermediate.dense.weight \
            /experts/pulmo/encoder.layer.1.output.dense.bias; do
  grep -q "^$name " <<<"$listing" || { echo "missing $name in checkpoint" >&2; exit 1; }
done
echo "quickstart end-to-end: ok"
