#!/usr/bin/env bash
# The built-in default end to end, from an already built tree (build/bin):
#   1. a synthetic co-citation corpus in two domains (data/quickstart/corpus),
#   2. co-citation pairs, tokenized into HDF5 shards with a manifest (data/quickstart),
#   3. a 2-expert MoE trained on 2 ranks (configs/quickstart.yaml): F1max per domain is
#      printed before and after training; the checkpoint lands in runs/quickstart/.
# MOE_QUICKSTART_DIR moves data/ and runs/ elsewhere (the tests use a temporary folder).
# Extra arguments go to moe_train (e.g. --set train.steps=100).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

bin=${MOE_BIN:-$repo/build/bin}
work=${MOE_QUICKSTART_DIR:-$repo}
data=$work/data/quickstart
run=$work/runs/quickstart

"$bin/moe_prep" synth --out "$data/corpus" --domains cardio,pulmo --papers-per-domain 600 \
  --same-topic-citations 0.97 --topic-word-fraction 0.3 --seed 7
"$bin/moe_prep" build --papers "$data/corpus/papers.jsonl" \
  --citations "$data/corpus/citations.csv" --vocab "$data/corpus/vocab.txt" \
  --max-length 64 --out "$data"
# MOE_QUICKSTART_PREPARE_ONLY=1 stops here (tests that train the quickstart their own way).
if [[ ${MOE_QUICKSTART_PREPARE_ONLY:-0} == 1 ]]; then exit 0; fi
launch/run_local.sh 2 "$bin/moe_train" configs/quickstart.yaml \
  --set "data.manifest=$data/manifest.json" --set "run.dir=$run" "$@"
echo "[quickstart] inspect the checkpoint with: h5ls -r $run/checkpoint.h5"
