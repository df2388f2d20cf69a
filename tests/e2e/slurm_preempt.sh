#!/usr/bin/env bash
# Preemption on a private single-node SLURM cluster (tests/support/local_slurm.sh):
# slurm/train.sbatch (2 tasks) receives USR1 mid-training, as it would before its time limit
# (`scancel --signal=USR1 --batch`: what `--signal=B:USR1@N` sends, without waiting for a
# time limit). The script forwards it through srun, every rank stops with a step checkpoint
# (exit 75), the script requeues the job, and the rerun (same job id, SLURM_RESTART_COUNT=1)
# resumes from that checkpoint and finishes: `sbatch --wait` returns 0, checkpoint.h5 holds
# the last step, `scontrol show job` says Restarts=1.
# Exit status 77 (skipped) where a local cluster cannot run; the reason is printed.
set -euo pipefail
build=$(cd "${1:?usage: slurm_preempt.sh BUILD_DIR}" && pwd)
source tests/support/local_slurm.sh
skip_unless_local_slurm
work=$(mktemp -d)
sbatch_pid=
cleanup() {
  if [[ -n $sbatch_pid ]]; then kill "$sbatch_pid" 2>/dev/null || true; fi
  stop_local_slurm
  rm -rf "$work"
}
trap cleanup EXIT
start_local_slurm "$work"
source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"
export MOE_BIN=$build/bin
log=$work/train.out
run=$work/run
steps=400

fail() {
  echo "slurm_preempt: $1" >&2
  for file in "$log" "$work/sbatch.out"; do echo "--- $file" >&2; cat "$file" >&2 || true; done
  echo "--- scontrol show job" >&2
  scontrol show job >&2 || true
  exit 1
}
# wait_for SECONDS WHAT COMMAND...: polls COMMAND; fails naming WHAT on time-out.
wait_for() { local_slurm_wait "$@" || fail "no $2 after $1 s"; }
has_job_id() { grep -qE '^[0-9]+$' "$work/sbatch.out"; }

# sbatch --wait follows the job through its requeue and returns the final exit status;
# timeout is the hang detector for the whole job.
timeout 420 slurm/site.sh sbatch --parsable --wait --ntasks=2 --output="$log" \
  slurm/train.sbatch configs/quickstart.yaml \
  --set "data.manifest=$work/data/manifest.json" --set "run.dir=$run" \
  --set "train.steps=$steps" --set train.warmup_steps=2 --set train.log_every=10 \
  --set checkpoint.every=0 --set eval.every=0 --set model.max_position_embeddings=32 \
  --set train.global_batch_size=32 --set eval.batch_size=128 \
  --set runtime.threads_per_rank=1 >"$work/sbatch.out" 2>&1 &
sbatch_pid=$!
wait_for 30 "job id from sbatch" has_job_id
job=$(head -n 1 "$work/sbatch.out")
wait_for 120 "training steps in the job log" grep -qs '^\[train\] step ' "$log"
if grep -q '^\[slurm\] moe_train finished' "$log"; then fail "training ended before the signal"; fi
scancel --signal=USR1 --batch "$job"

status=0
wait "$sbatch_pid" || status=$?
((status != 124)) || fail "job $job did not finish within 420 s"
((status == 0)) || fail "sbatch --wait returned $status, expected 0"

stopped=$(sed -n 's/^\[train\] signal 10 received: stopping at step \([0-9]*\)$/\1/p' "$log")
[[ $stopped =~ ^[0-9]+$ ]] || fail "the log shows no stop by signal 10 (SIGUSR1)"
checkpoint=$run/step-$(printf %08d "$stopped").h5
for line in '[slurm] SIGUSR1 received' "[checkpoint] wrote $checkpoint (step $stopped)" \
  "[slurm] moe_train stopped with a checkpoint (exit 75): requeueing job $job" \
  'SLURM_RESTART_COUNT=1' "[setup] resumed from $checkpoint at step $stopped of $steps" \
  "[checkpoint] wrote $run/checkpoint.h5 (step $steps)" '[slurm] moe_train finished'; do
  grep -qF -- "$line" "$log" || fail "the job log lacks '$line'"
done
step_of() { h5dump -a /step "$1" | sed -n 's/^ *(0): \([0-9]*\)$/\1/p'; }
[[ $(step_of "$checkpoint") == "$stopped" ]] || fail "$checkpoint is not at step $stopped"
[[ $(step_of "$run/checkpoint.h5") == "$steps" ]] || fail "checkpoint.h5 is not at step $steps"
record=$(scontrol show job -o "$job")
for field in JobState=COMPLETED Restarts=1 ExitCode=0:0; do
  [[ " $record " == *" $field "* ]] || fail "scontrol show job $job lacks $field"
done
echo "slurm_preempt: stopped at step $stopped, requeued, resumed and finished $steps steps"
