# shellcheck shell=bash disable=SC2154  # $build and $work come from the sourcing script
# Sourced by the fault tests (tests/e2e/rank_loss.sh, disk_full.sh, nonfinite_steps.sh):
# one small training run that they break in different ways, and the comparison of its end.
# Needs $build and $work set, and synthetic_data.sh's data prepared in $work.
#   train RUN_DIR LOG [--set KEY=VALUE ...]   2 ranks, 8 steps, a checkpoint every 2 steps
#   same_model A.h5 B.h5                      parameters and training state bit-identical
fault_run_settings=(--set "data.manifest=$work/data/manifest.json"
  --set model.max_position_embeddings=32 --set train.steps=8 --set train.warmup_steps=1
  --set train.global_batch_size=16 --set eval.batch_size=128 --set runtime.threads_per_rank=1
  --set train.log_every=1 --set checkpoint.every=2 --set checkpoint.keep_last=4)

train() {
  local dir=$1 log=$2
  shift 2
  launch/run_local.sh 2 "$build/bin/moe_train" configs/quickstart.yaml "${fault_run_settings[@]}" \
    --set "run.dir=$dir" "$@" >"$log" 2>&1
}

same_model() {
  local group
  for group in /shared /experts /train; do
    h5diff -q "$1" "$2" "$group" "$group" || {
      echo "$group differs between $1 and $2:" >&2
      h5diff -r "$1" "$2" "$group" "$group" | head -20 >&2
      exit 1
    }
  done
}
