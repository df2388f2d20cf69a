#!/usr/bin/env bash
# Checkpoints that resume training exactly:
# 1. a run stopped after step 5 (run.stop_after_steps) and started again with the same
#    command ends with parameters bit-identical to an uninterrupted run (dropout on, 2 ranks)
#    and the same before -> after table (the before-training evaluation is kept in /train);
# 2. resuming that step-5 checkpoint on 1 and on 4 ranks (dropout off) ends within 1e-4 of
#    the uninterrupted run;
# 3. SIGUSR1 (what SLURM sends before preemption) makes every rank finish its step, write a
#    loadable checkpoint and exit with status 75; the same command then resumes from it;
# 4. the same with train.loss mnr_plus, a learned scale and GradCache;
# 5. checkpoint.keep_last keeps only the newest step checkpoints.
# Parameters are compared through moe_export's safetensors, read with the NumPy reader.
set -euo pipefail
build=${1:?usage: resume.sh BUILD_DIR}
python=/usr/bin/python3
"$python" -c 'import numpy' 2>/dev/null || { echo "skipped: /usr/bin/python3 lacks numpy"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"

common=(--set "data.manifest=$work/data/manifest.json" --set model.max_position_embeddings=32
  --set train.steps=12 --set train.warmup_steps=2 --set train.global_batch_size=32
  --set eval.batch_size=128 --set runtime.threads_per_rank=1 --set train.log_every=1
  --set checkpoint.every=2 --set checkpoint.keep_last=2)
train() {  # train NP RUN_DIR LOG [--set ...]
  local np=$1 dir=$2 log=$3
  shift 3
  launch/run_local.sh "$np" "$build/bin/moe_train" configs/quickstart.yaml "${common[@]}" \
    --set "run.dir=$dir" "$@" > "$log" 2>&1
}
export_all() {  # export_all CHECKPOINT PREFIX
  for domain in cardio pulmo; do
    "$build/bin/moe_export" "$1" --domain "$domain" --out "$2-$domain" >/dev/null
  done
}

# 1. Bit-exact resume (dropout 0.1 from the quickstart config).
train 2 "$work/whole" "$work/whole.log" || { cat "$work/whole.log" >&2; exit 1; }
train 2 "$work/split" "$work/split1.log" --set run.stop_after_steps=5 ||
  { cat "$work/split1.log" >&2; exit 1; }
grep -q "run.stop_after_steps reached at step 5" "$work/split1.log"
[[ ! -e "$work/split/checkpoint.h5" ]]
# keep_last 2: step 4 and the stop checkpoint at step 5 remain, step 2 is gone.
[[ "$(cd "$work/split" && ls step-*.h5 | tr '\n' ' ')" == "step-00000004.h5 step-00000005.h5 " ]]
cp "$work/split/step-00000005.h5" "$work/step5.h5"
train 2 "$work/split" "$work/split2.log" || { cat "$work/split2.log" >&2; exit 1; }
grep -q "resumed from $work/split/step-00000005.h5 at step 5 of 12" "$work/split2.log"
# The before -> after table spans the whole training: "before" comes from the checkpoint.
grep -q "the evaluation before training (test) comes from the resumed checkpoint" "$work/split2.log"
final_table() { sed -n '/(before -> after training/,/All (weighted)/p' "$1"; }
[[ -n "$(final_table "$work/whole.log")" ]]
[[ "$(final_table "$work/whole.log")" == "$(final_table "$work/split2.log")" ]] ||
  { echo "the resumed run's final table differs:" >&2; final_table "$work/split2.log" >&2; exit 1; }
export_all "$work/whole/checkpoint.h5" "$work/whole"
export_all "$work/split/checkpoint.h5" "$work/split"
# metrics.jsonl continues: one line per step 1..12 (+ the evaluation line).
[[ "$(grep -c '"grad_norm"' "$work/split/metrics.jsonl")" == 12 ]]

# 2. Another rank count (dropout off: each rank draws its own dropout masks).
nodrop=(--set model.dropout=0)
train 2 "$work/nodrop" "$work/nodrop.log" "${nodrop[@]}" || { cat "$work/nodrop.log" >&2; exit 1; }
export_all "$work/nodrop/checkpoint.h5" "$work/nodrop"
train 2 "$work/nodrop5" "$work/nodrop5.log" "${nodrop[@]}" --set run.stop_after_steps=5 ||
  { cat "$work/nodrop5.log" >&2; exit 1; }
for np in 1 4; do
  mkdir -p "$work/from2to$np"
  train "$np" "$work/from2to$np" "$work/from2to$np.log" "${nodrop[@]}" \
    --set "checkpoint.resume=$work/nodrop5/step-00000005.h5" ||
    { cat "$work/from2to$np.log" >&2; exit 1; }
  grep -q "at step 5 of 12" "$work/from2to$np.log"
  export_all "$work/from2to$np/checkpoint.h5" "$work/from2to$np"
done

# 4. The same exactness with the paper's 2025 loss, a learned scale and GradCache (whose
#    scale and AdamW moments travel in /train too).
variant=(--set train.loss=mnr_plus --set train.learned_scale=true --set train.grad_cache_mini_batch=5
  --set train.steps=6)
train 2 "$work/variant" "$work/variant.log" "${variant[@]}" || { cat "$work/variant.log" >&2; exit 1; }
grep -q '"scale"' "$work/variant/metrics.jsonl"
train 2 "$work/variant3" "$work/variant3a.log" "${variant[@]}" --set run.stop_after_steps=3 ||
  { cat "$work/variant3a.log" >&2; exit 1; }
train 2 "$work/variant3" "$work/variant3b.log" "${variant[@]}" ||
  { cat "$work/variant3b.log" >&2; exit 1; }
export_all "$work/variant/checkpoint.h5" "$work/variant"
export_all "$work/variant3/checkpoint.h5" "$work/variant3"

# 3. Preemption: SIGUSR1 to mpirun (it forwards the signal to every rank) mid-training.
launch/run_local.sh 2 "$build/bin/moe_train" configs/quickstart.yaml "${common[@]}" \
  --set "run.dir=$work/preempt" --set train.steps=100000 --set checkpoint.every=0 \
  > "$work/preempt.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  grep -q "step 3/100000" "$work/preempt.log" 2>/dev/null && break
  sleep 0.1
done
kill -USR1 "$pid"
status=0
wait "$pid" || status=$?
[[ $status == 75 ]] || { echo "expected exit status 75, got $status" >&2; cat "$work/preempt.log" >&2; exit 1; }
grep -q "signal 10 received: stopping at step" "$work/preempt.log"
stopped=$(ls "$work/preempt" | sed -n 's/^step-0*\([0-9]*\)\.h5$/\1/p')
[[ -n "$stopped" ]] || { ls "$work/preempt" >&2; exit 1; }
"$build/bin/moe_export" "$work/preempt/step-$(printf %08d "$stopped").h5" --domain cardio \
  --out "$work/preempted-cardio" >/dev/null
launch/run_local.sh 2 "$build/bin/moe_train" configs/quickstart.yaml "${common[@]}" \
  --set "run.dir=$work/preempt" --set train.steps=100000 --set checkpoint.every=0 \
  --set run.stop_after_steps=2 > "$work/requeued.log" 2>&1 || { cat "$work/requeued.log" >&2; exit 1; }
grep -q "resumed from $work/preempt/step-$(printf %08d "$stopped").h5 at step $stopped" \
  "$work/requeued.log"
[[ -e "$work/preempt/step-$(printf %08d $((stopped + 2))).h5" ]]

"$python" - "$work" <<'PY'
import sys
sys.path.insert(0, "tests/python")
import numpy as np
from bert_reference import read_safetensors
work = sys.argv[1]
def largest_difference(a, b):
    first = read_safetensors(f"{work}/{a}/model.safetensors")[0]
    second = read_safetensors(f"{work}/{b}/model.safetensors")[0]
    assert sorted(first) == sorted(second)
    return max(float(np.max(np.abs(first[n] - second[n]))) for n in first)
for domain in ("cardio", "pulmo"):
    diff = largest_difference(f"whole-{domain}", f"split-{domain}")
    assert diff == 0.0, f"resumed run differs from the uninterrupted one ({domain}): {diff:.3e}"
    diff = largest_difference(f"variant-{domain}", f"variant3-{domain}")
    assert diff == 0.0, f"mnr_plus + learned scale + GradCache resume differs ({domain}): {diff:.3e}"
    for np_ in (1, 4):
        diff = largest_difference(f"nodrop-{domain}", f"from2to{np_}-{domain}")
        print(f"resumed on {np_} rank(s) vs 2 ({domain}): {diff:.2e}")
        assert diff <= 1e-4, f"resume on {np_} ranks: {diff:.3e}"
print("stopped at step 5 and resumed: bit-identical to the uninterrupted run")
PY
echo "resume: ok"
