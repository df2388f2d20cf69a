#!/usr/bin/env bash
# The Hugging Face round trip a user makes: train a mixture-of-experts model (domain tokens,
# router, experts in the middle layer only, projection head), export one domain with
# moe_export (which reads the folder back and must match exactly), check the folder holds
# what BertModel expects, start a new training run from the exported folder
# (model.init_from: a dense BERT converted into experts), and check the error paths.
set -euo pipefail
build=${1:?usage: hf_round_trip.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python=/usr/bin/python3

"$build/bin/moe_prep" synth --out "$work/corpus" --papers-per-domain 120 >/dev/null
"$build/bin/moe_prep" build --papers "$work/corpus/papers.jsonl" \
  --citations "$work/corpus/citations.csv" --vocab "$work/corpus/vocab.txt" \
  --max-length 32 --out "$work/data" >/dev/null

common=(--set "data.manifest=$work/data/manifest.json" --set train.steps=12
        --set train.warmup_steps=2 --set train.log_every=6 --set eval.batch_size=64)
launch/run_local.sh 2 "$build/bin/moe_train" configs/quickstart.yaml "${common[@]}" \
  --set "run.dir=$work/first" --set model.max_position_embeddings=32 \
  --set model.num_layers=3 --set model.expert_layers=middle --set model.router=true \
  --set model.projection_head=true --set model.projection_size=32 --set model.normalize=true \
  > "$work/first.log"
grep -q '"router_accuracy"' "$work/first/metrics.jsonl" || {
  echo "metrics.jsonl lacks the router's accuracy" >&2; exit 1; }

"$build/bin/moe_export" "$work/first/checkpoint.h5" --domain pulmo --out "$work/pulmo" \
  | tee "$work/export.log"
grep -q "read back: max |difference| 0 " "$work/export.log" || {
  echo "the float32 export does not compute exactly what the checkpoint computes" >&2; exit 1; }
if "$python" -c 'import numpy' 2>/dev/null; then
  "$python" tests/python/check_hf_layout.py "$work/pulmo"
fi
"$build/bin/moe_export" "$work/first/checkpoint.h5" --domain cardio --out "$work/cardio16" \
  --dtype bf16 > /dev/null

# Errors: one line that names the problem; nothing written.
expect_error() {  # expected-text command...
  local expected=$1; shift
  if "$@" > "$work/out" 2> "$work/err"; then echo "expected failure: $*" >&2; exit 1; fi
  grep -q -- "$expected" "$work/err" || {
    echo "error of '$*' does not mention '$expected':" >&2; cat "$work/err" >&2; exit 1; }
}
expect_error "unknown domain 'derm'" \
  "$build/bin/moe_export" "$work/first/checkpoint.h5" --domain derm --out "$work/derm"
[[ ! -e "$work/derm" && ! -e "$work/derm.partial" ]]
expect_error "already exists and is not empty" \
  "$build/bin/moe_export" "$work/first/checkpoint.h5" --domain pulmo --out "$work/pulmo"
expect_error "--domain is required" \
  "$build/bin/moe_export" "$work/first/checkpoint.h5" --out "$work/none"

# Start again from the exported folder: its config.json fixes the architecture, each expert
# starts as a copy of its feed-forward block, the projection head continues.
launch/run_local.sh 2 "$build/bin/moe_train" configs/quickstart.yaml "${common[@]}" \
  --set "run.dir=$work/second" --set "model.init_from=$work/pulmo" \
  --set model.hidden_size=64 --set model.max_position_embeddings=64 --set model.num_layers=2 \
  > "$work/conflict.log" 2>&1 && { echo "expected the size keys to conflict with init_from" >&2; exit 1; }
grep -q "model.hidden_size is set (--set) but model.init_from" "$work/conflict.log"

# moe_prep takes the model folder as --vocab (its vocab.txt and casing): same vocabulary.
"$build/bin/moe_prep" build --papers "$work/corpus/papers.jsonl" \
  --citations "$work/corpus/citations.csv" --vocab "$work/pulmo" \
  --max-length 32 --out "$work/data2" >/dev/null 2>"$work/prep2.log"
grep -q "vocabulary $work/pulmo/vocab.txt (lower-cased, from the model folder)" "$work/prep2.log"
hash() { "$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["vocab_hash"])' "$1"; }
[[ "$(hash "$work/data/manifest.json")" == "$(hash "$work/data2/manifest.json")" ]]

cfg=$work/from_export.yaml
sed -e '/hidden_size\|num_layers\|num_heads\|intermediate_size\|max_position/d' \
  configs/quickstart.yaml > "$cfg"
launch/run_local.sh 2 "$build/bin/moe_train" "$cfg" "${common[@]}" \
  --set "data.manifest=$work/data2/manifest.json" --set "run.dir=$work/second" \
  --set "model.init_from=$work/pulmo" --set model.projection_head=true \
  --set model.projection_size=32 --set model.normalize=true > "$work/second.log" 2>&1 || {
  cat "$work/second.log" >&2; exit 1; }
# Everything but the domain tokens comes from the folder, the projection head included.
grep -q "initialised from $work/pulmo/model.safetensors (new: 1 tensors)" "$work/second.log" || {
  grep setup "$work/second.log" >&2; exit 1; }
[[ -s "$work/second/checkpoint.h5" ]]

# A pretrained folder whose vocabulary is not the data's is refused before training.
cp -r "$work/pulmo" "$work/othervocab"
sed -i '6s/.*/zzzz/' "$work/othervocab/vocab.txt"
expect_error "is not the vocabulary the data was tokenized with" \
  launch/run_local.sh 2 "$build/bin/moe_train" "$cfg" "${common[@]}" \
  --set "run.dir=$work/third" --set "model.init_from=$work/othervocab"
echo "hugging face round trip: ok"
