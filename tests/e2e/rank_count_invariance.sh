#!/usr/bin/env bash
# train.global_batch_size fixes the global batch, so moe_train on 1, 2 and 4 ranks trains the
# same model: with dropout off, the parameters after a few steps agree within 1e-4 (2 experts:
# E = 2P, P = E and P = 2E placements), in data and in layer dispatch. Compared through
# moe_export's safetensors, read with the independent NumPy reader.
set -euo pipefail
build=${1:?usage: rank_count_invariance.sh BUILD_DIR}
python=/usr/bin/python3
"$python" -c 'import numpy' 2>/dev/null || { echo "skipped: /usr/bin/python3 lacks numpy"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"

for dispatch in data layer; do
  for np in 1 2 4; do
    run=$work/$dispatch-$np
    launch/run_local.sh "$np" "$build/bin/moe_train" configs/quickstart.yaml \
      --set "data.manifest=$work/data/manifest.json" --set "run.dir=$run" \
      --set model.max_position_embeddings=32 --set model.dropout=0 --set train.steps=5 \
      --set train.warmup_steps=1 --set train.global_batch_size=32 --set eval.batch_size=128 \
      --set "dist.dispatch=$dispatch" --set runtime.threads_per_rank=1 \
      > "$run.log" 2>&1 || { cat "$run.log" >&2; exit 1; }
    for domain in cardio pulmo; do
      "$build/bin/moe_export" "$run/checkpoint.h5" --domain "$domain" --out "$run-$domain" >/dev/null
    done
  done
done

# The control: one step fewer must differ by far more than the tolerance.
launch/run_local.sh 1 "$build/bin/moe_train" configs/quickstart.yaml \
  --set "data.manifest=$work/data/manifest.json" --set "run.dir=$work/fewer" \
  --set model.max_position_embeddings=32 --set model.dropout=0 --set train.steps=4 \
  --set train.warmup_steps=1 --set train.global_batch_size=32 --set eval.batch_size=128 \
  > "$work/fewer.log" 2>&1
"$build/bin/moe_export" "$work/fewer/checkpoint.h5" --domain cardio --out "$work/fewer-cardio" >/dev/null

"$python" - "$work" <<'PY'
import sys
sys.path.insert(0, "tests/python")
import numpy as np
from bert_reference import read_safetensors
work = sys.argv[1]
worst = 0.0
for dispatch in ("data", "layer"):
    for domain in ("cardio", "pulmo"):
        reference = read_safetensors(f"{work}/data-1-{domain}/model.safetensors")[0]
        for np_ in (1, 2, 4):
            other = read_safetensors(f"{work}/{dispatch}-{np_}-{domain}/model.safetensors")[0]
            assert sorted(other) == sorted(reference)
            for name, value in other.items():
                diff = float(np.max(np.abs(value - reference[name])))
                worst = max(worst, diff)
                assert diff <= 1e-4, f"{dispatch} P={np_} {domain} {name}: {diff:.2e}"
print(f"largest parameter difference, P = 1, 2, 4 and both dispatch modes: {worst:.2e}")
reference = read_safetensors(f"{work}/data-1-cardio/model.safetensors")[0]
fewer = read_safetensors(f"{work}/fewer-cardio/model.safetensors")[0]
control = max(float(np.max(np.abs(fewer[n] - reference[n]))) for n in reference)
print(f"control, one step fewer: {control:.2e}", flush=True)
assert control > 2e-4, "the 1e-4 tolerance cannot tell one step more from one step fewer"
PY
echo "rank-count invariance: ok"
