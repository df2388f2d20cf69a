#!/usr/bin/env bash
# Training throughput of moe_train on the quickstart data for several rank counts, for the
# dense model vs the mixture of experts, and for both dispatch modes of the mixture (same
# global batch, same steps).
#   bench/train_throughput.sh [BUILD_DIR] [STEPS]
# Prints one Markdown row per run: ranks, model, ms/step, communication ms/step,
# KiB sent per rank per step, pairs/s (from the metrics of the last logged window).
set -euo pipefail
build=${1:-build}
steps=${2:-200}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/bin/moe_prep" synth --out "$work/corpus" --same-topic-citations 0.97 \
  --topic-word-fraction 0.3 >/dev/null
"$build/bin/moe_prep" build --papers "$work/corpus/papers.jsonl" \
  --citations "$work/corpus/citations.csv" --vocab "$work/corpus/vocab.txt" \
  --max-length 64 --out "$work/data" >/dev/null

echo "| ranks | model | ms/step | comm ms/step | KiB sent/step | pairs/s |"
echo "|---|---|---|---|---|---|"
for variant in true:data true:layer false:data; do
  moe=${variant%%:*}
  dispatch=${variant##*:}
  for np in 1 2 4; do
    run=$work/run-$np-$moe-$dispatch
    launch/run_local.sh "$np" "$build/bin/moe_train" configs/quickstart.yaml \
      --set "data.manifest=$work/data/manifest.json" --set "run.dir=$run" \
      --set "train.steps=$steps" --set "train.log_every=$steps" \
      --set "model.mixture_of_experts=$moe" --set "dist.dispatch=$dispatch" \
      --set runtime.threads_per_rank=1 >/dev/null
    python3 - "$run/metrics.jsonl" "$np" "$moe" "$dispatch" <<'PY'
import json, sys
step = [json.loads(l) for l in open(sys.argv[1]) if '"step"' in l][-1]
kind = f"MoE (2 experts, {sys.argv[4]} dispatch)" if sys.argv[3] == "true" else "dense"
print(f"| {sys.argv[2]} | {kind} | {step['ms_per_step']:.1f} | {step['comm_ms_per_step']:.1f} | "
      f"{step['comm_bytes_per_step'] / 1024:.0f} | {step['samples_per_s']:.0f} |")
PY
  done
done
