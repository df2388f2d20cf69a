#!/usr/bin/env bash
# slurm/*.sbatch on a private single-node SLURM cluster (tests/support/local_slurm.sh):
# 1. slurm/train.sbatch, submitted through slurm/site.sh with 2 tasks, trains through
#    `srun --mpi=pmix`: the job ends with status 0, its log shows a world of 2, the start-up
#    table and the step lines, and run.dir/checkpoint.h5 holds step 6 and exports;
# 2. slurm/prepare.sbatch and slurm/evaluate.sbatch run moe_prep build and moe_eval as jobs;
# 3. a script without its arguments prints its usage and the job fails with status 2.
# Exit status 77 (skipped) where a local cluster cannot run; the reason is printed.
set -euo pipefail
build=$(cd "${1:?usage: slurm_train.sh BUILD_DIR}" && pwd)
source tests/support/local_slurm.sh
skip_unless_local_slurm
work=$(mktemp -d)
trap 'stop_local_slurm; rm -rf "$work"' EXIT
start_local_slurm "$work"
source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"
export MOE_BIN=$build/bin

# submit LOG [SBATCH OPTIONS] SCRIPT [ARGS...]: submits, waits (5 minutes at most: a hang
# detector) and returns the job's exit status.
submit() {
  local log=$1
  shift
  timeout 300 slurm/site.sh sbatch --quiet --wait --output="$log" "$@"
}
fail() {  # fail MESSAGE LOG...
  echo "slurm_train: $1" >&2
  shift
  for log in "$@"; do echo "--- $log" >&2; cat "$log" >&2 || true; done
  exit 1
}

# 1. Training on 2 tasks.
log=$work/train.out
status=0
submit "$log" --ntasks=2 slurm/train.sbatch configs/quickstart.yaml \
  --set "data.manifest=$work/data/manifest.json" --set "run.dir=$work/run" \
  --set train.steps=6 --set train.warmup_steps=2 --set train.log_every=1 \
  --set model.max_position_embeddings=32 --set train.global_batch_size=32 \
  --set eval.batch_size=128 --set runtime.threads_per_rank=1 || status=$?
[[ $status == 0 ]] || fail "train job exited with $status, expected 0" "$log"
for line in 'SLURM_RESTART_COUNT=0' '[setup] ranks: 2, threads per rank: 1' \
  'run:    2 rank(s) on cpu' '[train] step 1/6' '[train] step 6/6' \
  "[checkpoint] wrote $work/run/checkpoint.h5 (step 6)" '[slurm] moe_train finished'; do
  grep -qF -- "$line" "$log" || fail "the job log lacks '$line'" "$log"
done
h5dump -a /step "$work/run/checkpoint.h5" | grep -q '(0): 6$' ||
  fail "checkpoint.h5 is not at step 6" "$log"
"$build/bin/moe_export" "$work/run/checkpoint.h5" --domain cardio --out "$work/export" >/dev/null
[[ -s $work/export/model.safetensors ]] || fail "moe_export wrote no model.safetensors" "$log"

# 2. Preparing and evaluating as jobs (the same corpus again, then the trained checkpoint).
submit "$work/prep.out" slurm/prepare.sbatch --papers "$work/corpus/papers.jsonl" \
  --citations "$work/corpus/citations.csv" --vocab "$work/corpus/vocab.txt" \
  --max-length 32 --out "$work/prepared" || fail "prepare job failed" "$work/prep.out"
[[ -s $work/prepared/manifest.json ]] || fail "prepare job wrote no manifest" "$work/prep.out"
submit "$work/eval.out" --cpus-per-task=1 slurm/evaluate.sbatch "$work/run/checkpoint.h5" \
  "$work/prepared/manifest.json" --out "$work/eval" || fail "evaluate job failed" "$work/eval.out"
grep -qF 'threads per task 1' "$work/eval.out" || fail "--cpus-per-task did not set the threads" \
  "$work/eval.out"
[[ $(wc -l <"$work/eval/evaluation.csv") == "$(wc -l <"$work/run/evaluation.csv")" ]] ||
  fail "moe_eval's evaluation.csv has other rows than moe_train's" "$work/eval.out"

# 3. Missing arguments: usage and status 2.
status=0
submit "$work/usage.out" slurm/train.sbatch || status=$?
[[ $status == 2 ]] || fail "train.sbatch without arguments exited with $status, expected 2" \
  "$work/usage.out"
grep -q '^usage: sbatch \[OPTIONS\] slurm/train.sbatch CONFIG.yaml' "$work/usage.out" ||
  fail "no usage line" "$work/usage.out"
echo "slurm_train: ok"
