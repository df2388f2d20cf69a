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
