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
evaluations = [l["evaluation"] for l in lines if "evaluation" in l]
def domains(kind):
    return {d["domain"]: d for d in [e for e in evaluations if e["kind"] == kind][-1]["domains"]}
before, after = domains("before"), domains("after")
assert set(after) == {"cardio", "pulmo"}, after
for name in sorted(after):
    gain = after[name]["f1max"] - before[name]["f1max"]
    print(f"{name}: F1max {before[name]['f1max']:.4f} -> {after[name]['f1max']:.4f} ({gain:+.4f})")
    assert gain >= 0.1, f"{name} gained only {gain:.4f}"
    assert sum(after[name]["positive_histogram"]) == after[name]["positives"]
periodic = [e for e in evaluations if e["kind"] == "periodic"]
assert [e["step"] for e in periodic] == [100, 200, 300, 400], [e["step"] for e in periodic]
assert all(e["split"] == "valid" for e in periodic)
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
# The final report: both protocols and the cross-domain table; the best model on valid.
run=$work/runs/quickstart
[[ -s "$run/best.h5" ]]
grep -q "Paper protocol: threshold tuned on the same test pairs" "$run/evaluation.md" || { cat "$run/evaluation.md" >&2; exit 1; }
grep -q "Honest protocol: threshold tuned on each domain.s valid pairs" "$run/evaluation.md"
grep -q "All (pooled)" "$run/evaluation.md"
[[ $(wc -l < "$run/cross_domain.csv") -ge 5 ]]
echo "quickstart end-to-end: ok"
