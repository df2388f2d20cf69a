# Sourced by end-to-end scripts: prepare_synthetic_data BUILD_DIR WORK_DIR writes the
# synthetic two-domain corpus (120 papers per domain) to WORK_DIR/corpus and its shards,
# 32 tokens long, to WORK_DIR/data (manifest WORK_DIR/data/manifest.json).
prepare_synthetic_data() {
  local build=$1 work=$2
  "$build/bin/moe_prep" synth --out "$work/corpus" --papers-per-domain 120 >/dev/null
  "$build/bin/moe_prep" build --papers "$work/corpus/papers.jsonl" \
    --citations "$work/corpus/citations.csv" --vocab "$work/corpus/vocab.txt" \
    --max-length 32 --out "$work/data" >/dev/null
}

# train_tiny_model BUILD_DIR WORK_DIR RUN_DIR [--set ...]: 4 steps of the quickstart config on
# 2 ranks over prepare_synthetic_data's shards; RUN_DIR/checkpoint.h5 is the model. Prints
# the log and fails when training fails.
train_tiny_model() {
  local build=$1 work=$2 dir=$3
  shift 3
  launch/run_local.sh 2 "$build/bin/moe_train" configs/quickstart.yaml \
    --set "data.manifest=$work/data/manifest.json" --set model.max_position_embeddings=32 \
    --set train.steps=4 --set train.warmup_steps=1 --set train.global_batch_size=16 \
    --set eval.every=0 \
    --set runtime.threads_per_rank=1 --set "run.dir=$dir" "$@" > "$dir.log" 2>&1 ||
    { cat "$dir.log" >&2; return 1; }
}
