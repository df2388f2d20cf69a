#!/usr/bin/env bash
# The three training modes are each a config away: a single-domain dense model (one domain
# of the data), one dense model for all domains, and the MoE (quickstart). A few steps each;
# checks what each checkpoint holds.
set -euo pipefail
build=${1:?usage: training_modes.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"

short=(--set "data.manifest=$work/data/manifest.json" --set model.max_position_embeddings=32
  --set train.steps=6 --set train.warmup_steps=1 --set train.global_batch_size=16
  --set eval.batch_size=128 --set eval.every=3 --set train.log_every=3)
for mode in single_domain dense_all_domains quickstart; do
  launch/run_local.sh 2 "$build/bin/moe_train" "configs/$mode.yaml" "${short[@]}" \
    --set "run.dir=$work/$mode" > "$work/$mode.log" 2>&1 || { cat "$work/$mode.log" >&2; exit 1; }
  [[ -s "$work/$mode/checkpoint.h5" && -s "$work/$mode/best.h5" ]]
done
layout() { h5dump -a /layout "$work/$1/checkpoint.h5" | tr -d '\\'; }
# Single domain: only cardio, no experts, and only cardio is evaluated.
layout single_domain | grep -q '"domains":\["cardio"\]'
! h5ls "$work/single_domain/checkpoint.h5/experts" >/dev/null 2>&1
! grep -q "pulmo" "$work/single_domain/evaluation.csv"
# Dense, all domains: both domains, no experts.
layout dense_all_domains | grep -q '"domains":\["cardio","pulmo"\],"expert_layers":\[\]'
! h5ls "$work/dense_all_domains/checkpoint.h5/experts" >/dev/null 2>&1
# MoE: an expert group per domain.
h5ls "$work/quickstart/checkpoint.h5/experts" | grep -q "^cardio"
h5ls "$work/quickstart/checkpoint.h5/experts" | grep -q "^pulmo"
echo "training modes: ok"
