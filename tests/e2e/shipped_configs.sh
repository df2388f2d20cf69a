#!/usr/bin/env bash
# The configs users start from run as shipped, with only data paths, model folder, size and
# step counts overridden to fit a CPU test: the paper's five-domain MoE from a pretrained
# folder, a pretrained single-domain model, and the from-scratch small MoE. Each run's
# checkpoint must hold the layout its config promises.
set -euo pipefail
build=${1:?usage: shipped_configs.sh BUILD_DIR}
python=/usr/bin/python3
"$python" -c 'import h5py' 2>/dev/null ||
  { echo "skipped: /usr/bin/python3 lacks h5py (scripts/install-deps.sh installs it)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
domains=cvd,copd,skin_cancer,autoimmune,parasitic

# Synthetic data under the paper's five domain names.
"$build/bin/moe_prep" synth --out "$work/corpus" --domains "$domains" --papers-per-domain 60 \
  >/dev/null
"$build/bin/moe_prep" build --papers "$work/corpus/papers.jsonl" \
  --citations "$work/corpus/citations.csv" --vocab "$work/corpus/vocab.txt" \
  --max-length 32 --out "$work/data" >/dev/null 2>&1
small=(--set "data.manifest=$work/data/manifest.json" --set train.steps=2
  --set train.warmup_steps=1 --set train.global_batch_size=10 --set eval.every=0
  --set eval.patience=0 --set eval.batch_size=64 --set checkpoint.every=0 --set train.log_every=1
  --set runtime.threads_per_rank=2)
run() {  # run NAME CONFIG [--set ...]
  local name=$1 config=$2
  shift 2
  launch/run_local.sh 1 "$build/bin/moe_train" "$config" "${small[@]}" \
    --set "run.dir=$work/$name" "$@" > "$work/$name.log" 2>&1 ||
    { echo "$config failed:" >&2; cat "$work/$name.log" >&2; exit 1; }
  echo "ok: $config"
}

# A small "pretrained" BERT folder to start from: a dense model exported to Hugging Face form.
run tiny configs/single_domain.yaml --set data.domains=cvd --set model.max_position_embeddings=32
"$build/bin/moe_export" "$work/tiny/checkpoint.h5" --domain cvd --out "$work/hf" >/dev/null

run paper configs/paper_five_domains.yaml --set "model.init_from=$work/hf" \
  --set train.precision=fp32
run single configs/pretrained_single_domain.yaml --set "model.init_from=$work/hf"
run scratch configs/from_scratch_small.yaml --set model.max_position_embeddings=32 \
  --set model.num_layers=2 --set model.hidden_size=64 --set model.intermediate_size=128

"$python" - "$work" <<'PY'
import json, sys
import h5py
work = sys.argv[1]
def layout(name):
    with h5py.File(f"{work}/{name}/checkpoint.h5", "r") as f:
        attrs = f.attrs
        text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
        return (json.loads(text(attrs["layout"])), json.loads(text(attrs["bert_config"])),
                int(attrs["step"]))
paper, paper_config, step = layout("paper")
assert step == 2
assert paper["domains"] == ["cvd", "copd", "skin_cancer", "autoimmune", "parasitic"], paper
assert paper["expert_layers"] == list(range(paper_config["num_hidden_layers"])), paper
assert paper["domain_tokens"] is True
single, _, _ = layout("single")
assert single["domains"] == ["cvd"] and single["expert_layers"] == [], single
scratch, scratch_config, _ = layout("scratch")
assert len(scratch["domains"]) == 5 and scratch["expert_layers"] == [0, 1], scratch
print("layouts as the configs promise")
PY
grep -q "mnr_plus" "$work/paper.log"
echo "shipped configs: ok"
