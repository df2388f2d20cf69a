#!/usr/bin/env bash
# moe_eval reproduces, in one process, the report moe_train wrote for the same parameters
# (2 ranks, each domain scored on its own rank): both protocols, every row, within 1e-6;
# writes Markdown/CSV/JSON; refuses a dataset of another vocabulary and a bad command line.
set -euo pipefail
build=${1:?usage: moe_eval.sh BUILD_DIR}
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"

launch/run_local.sh 2 "$build/bin/moe_train" configs/quickstart.yaml \
  --set "data.manifest=$work/data/manifest.json" --set "run.dir=$work/run" \
  --set model.max_position_embeddings=32 --set train.steps=8 --set train.warmup_steps=1 \
  --set eval.every=0 > "$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }

"$build/bin/moe_eval" "$work/run/checkpoint.h5" "$work/data/manifest.json" --out "$work/eval" \
  --threads 1 | tee "$work/eval.log"
for f in evaluation.md evaluation.csv evaluation.json cross_domain.csv cross_domain.json; do
  [[ -s "$work/eval/$f" ]] || { echo "missing $f" >&2; exit 1; }
done
"$build/bin/moe_eval" "$work/run/checkpoint.h5" "$work/data/manifest.json" --format json \
  > "$work/stdout.json"

"$python" - "$work" <<'PY'
import csv, json, math, sys
work = sys.argv[1]
def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))
trained, evaluated = rows(f"{work}/run/evaluation.csv"), rows(f"{work}/eval/evaluation.csv")
assert len(trained) == len(evaluated) == 8, (len(trained), len(evaluated))
worst = 0.0
for a, b in zip(trained, evaluated):
    assert list(a) == list(b)
    for key in a:
        try:
            x, y = float(a[key]), float(b[key])
        except ValueError:
            assert a[key] == b[key], (key, a[key], b[key])
            continue
        if math.isnan(x) and math.isnan(y):
            continue
        worst = max(worst, abs(x - y))
print(f"moe_eval vs moe_train's report: largest difference {worst:.2e}")
assert worst <= 1e-6
json.load(open(f"{work}/stdout.json"))
PY

# Refusals: another vocabulary, a domain the model has no path for.
sed -i '5s/.*/zzzz/' "$work/corpus/vocab.txt"
"$build/bin/moe_prep" build --papers "$work/corpus/papers.jsonl" \
  --citations "$work/corpus/citations.csv" --vocab "$work/corpus/vocab.txt" \
  --max-length 32 --out "$work/other" >/dev/null 2>&1
status=0
"$build/bin/moe_eval" "$work/run/checkpoint.h5" "$work/other/manifest.json" 2>"$work/err" || status=$?
[[ $status == 1 ]] && grep -q "was tokenized with another vocabulary" "$work/err" ||
  { cat "$work/err" >&2; exit 1; }
status=0
"$build/bin/moe_eval" "$work/run/checkpoint.h5" 2>"$work/err" || status=$?
[[ $status == 2 ]] || { echo "expected usage error" >&2; exit 1; }
echo "moe_eval: ok"
