#!/usr/bin/env bash
# moe_index from a trained checkpoint to search, checked against an independent NumPy search:
# 1. build an exact index of a corpus under mpirun -np 2, one part per domain (--domain-field);
#    its hits for every query equal a brute-force cosine over moe_embed's vectors of the
#    same texts (same ids, same order, same scores) and carry the --metadata-field values;
# 2. an HNSW index built from that embedding file reports recall@10 > 0.9 and finds each
#    paper's own text first;
# 3. a model with a router sends each query to the part it picks (--output jsonl);
# 4. bad requests (another model, a damaged index, an existing --out) exit 2 with one message,
#    and a failed build leaves neither the index nor a partial folder.
set -euo pipefail
build=${1:?usage: moe_index.sh BUILD_DIR}
python=/usr/bin/python3
index=$build/bin/moe_index
[[ -x $index ]] || { echo "skipped: $index not built (MOE_WITH_FAISS=OFF)"; exit 77; }
"$python" -c 'import numpy, h5py' 2>/dev/null ||
  { echo "skipped: /usr/bin/python3 lacks numpy or h5py (scripts/install-deps.sh installs them)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"
train() {  # train RUN_DIR [--set ...]
  train_tiny_model "$build" "$work" "$@"
}
train "$work/moe"
train "$work/routed" --set model.router=true
ckpt=$work/moe/checkpoint.h5
corpus=$work/corpus/papers.jsonl
head -n 12 "$corpus" > "$work/queries.jsonl"
grep -m 8 '"domain":"pulmo"' "$corpus" >> "$work/queries.jsonl"

# 1. Exact index, two ranks embedding, a part per domain.
launch/run_local.sh 2 "$index" build "$ckpt" "$corpus" --domain-field domain --out "$work/exact" \
  --metadata-field domain --threads 1 --texts-per-round 32 --no-progress | tee "$work/exact.log"
grep -q "part cardio: 120 vectors" "$work/exact.log"
grep -q "part pulmo: 120 vectors" "$work/exact.log"
[[ ! -e $work/exact.partial && ! -e $work/exact/embeddings.h5 ]]
for domain in cardio pulmo; do
  "$index" search "$work/exact" --queries "$work/queries.jsonl" --domain "$domain" -k 10 \
    --output jsonl > "$work/hits_$domain.jsonl"
  "$build/bin/moe_embed" "$ckpt" "$corpus" --domain "$domain" --normalize \
    --out "$work/corpus_$domain.h5" --no-progress > /dev/null
  "$build/bin/moe_embed" "$ckpt" "$work/queries.jsonl" --domain "$domain" --normalize \
    --out "$work/queries_$domain.h5" --no-progress > /dev/null
done
"$build/bin/moe_embed" "$ckpt" "$corpus" --domain-field domain --normalize \
  --out "$work/corpus_field.h5" --no-progress > /dev/null

"$python" - "$work" <<'PY'
import json, sys
import h5py, numpy as np
work = sys.argv[1]
papers = [json.loads(line) for line in open(f"{work}/corpus/papers.jsonl")]
for domain in ("cardio", "pulmo"):
    with h5py.File(f"{work}/corpus_{domain}.h5") as f:
        stored, ids = f["embeddings"][()], [s.decode() for s in f["ids"][()]]
    with h5py.File(f"{work}/queries_{domain}.h5") as f:
        queries, query_ids = f["embeddings"][()], [s.decode() for s in f["ids"][()]]
    member = np.array([p["domain"] == domain for p in papers])
    answers = [json.loads(line) for line in open(f"{work}/hits_{domain}.jsonl")]
    assert [a["query_id"] for a in answers] == query_ids
    for q, answer in enumerate(answers):
        scores = stored @ queries[q]
        scores[~member] = -np.inf  # the part holds this domain's papers only
        best = np.argsort(-scores, kind="stable")[:10]
        got = [h["id"] for h in answer["hits"]]
        want = [ids[i] for i in best]
        assert got == want or np.allclose(sorted(scores[best]), sorted(
            [scores[ids.index(g)] for g in got]), atol=1e-5), (domain, q, got, want)
        assert np.allclose([h["score"] for h in answer["hits"]], scores[best], atol=1e-4)
        assert all(h["metadata"] == {"domain": domain} for h in answer["hits"]), answer["hits"][0]
    print(f"{domain}: {len(answers)} queries, exact hits = NumPy brute-force cosine")
PY

# 2. HNSW from the embedding file moe_embed wrote; every paper finds itself first.
"$index" build --embeddings "$work/corpus_field.h5" --kind hnsw --out "$work/hnsw" \
  --no-progress | tee "$work/hnsw.log"
"$python" - "$work/hnsw/index.json" <<'PY'
import json, sys
manifest = json.load(open(sys.argv[1]))
assert manifest["kind"] == "hnsw" and manifest["count"] == 240
for part in manifest["parts"]:
    print(f"hnsw part {part['name']}: recall@10 vs exact {part['recall_at_10']:.3f}")
    assert part["recall_at_10"] > 0.9, part
PY
"$index" search "$work/hnsw" --query-embeddings "$work/queries_pulmo.h5" --domain pulmo -k 1 \
  --output jsonl > "$work/self.jsonl"
"$python" - "$work/self.jsonl" <<'PY'
import json, sys
answers = [json.loads(line) for line in open(sys.argv[1])]
pulmo = [a for a in answers if a["query_id"].startswith("pulmo")]
assert pulmo and all(a["hits"][0]["id"] == a["query_id"] for a in pulmo), pulmo
print(f"hnsw: {len(pulmo)} pulmo papers find themselves first")
PY

# 3. The router picks each query's part. Built from relative paths, searched from another
#    folder: the index records where its model is.
index_abs=$(realpath "$index")
(cd "$work" && "$index_abs" build routed/checkpoint.h5 corpus/papers.jsonl --kind ivf \
  --out routed_index --no-progress) | tee "$work/routed.log"
(cd / && "$index_abs" search "$work/routed_index" --queries "$work/queries.jsonl" -k 3 \
  --output jsonl) > "$work/routed.jsonl"
"$python" - "$work/routed.jsonl" <<'PY'
import json, sys
answers = [json.loads(line) for line in open(sys.argv[1])]
assert len(answers) == 20 and all(a["routed"] for a in answers), answers[0]
assert all(a["part"] in ("cardio", "pulmo") for a in answers)
assert all(len(a["hits"]) == 3 or not a["hits"] for a in answers)
print("router: parts", sorted({a["part"] for a in answers}))
PY
# A query file naming each query's domain: each query searches its own part.
"$index" search "$work/exact" --queries "$work/queries.jsonl" --domain-field domain -k 2 \
  --output jsonl > "$work/field.jsonl"
"$python" - "$work/field.jsonl" "$work/queries.jsonl" <<'PY'
import json, sys
answers = [json.loads(line) for line in open(sys.argv[1])]
queries = [json.loads(line) for line in open(sys.argv[2])]
assert [a["part"] for a in answers] == [q["domain"] for q in queries]
assert all(a["hits"][0]["id"] == q["id"] for a, q in zip(answers, queries)), answers[0]
print("--domain-field: every query searched its own domain's part and found itself first")
PY
first_text=$("$python" -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["text"])' "$corpus")
first_id=$("$python" -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["id"])' "$corpus")
"$index" search "$work/exact" --query "$first_text" --domain cardio -k 2 | tee "$work/text.out"
grep -q "^   1  1.0000  $first_id  " "$work/text.out"
"$index" info "$work/exact" | grep -q "240 vectors, 64 dimensions, exact, routing field"

# 4. Bad requests: exit 2 and one message; nothing half-written.
source tests/support/expect_exit.sh
expect_error() {  # expect_error TEXT ARGS...
  expect_exit 2 "$1" "$index" "${@:2}"
}
expect_error "comes from another model" search "$work/exact" --queries "$work/queries.jsonl" \
  --domain cardio --checkpoint "$work/routed/checkpoint.h5"
"$build/bin/moe_embed" "$work/routed/checkpoint.h5" "$work/queries.jsonl" --out "$work/other.h5" \
  --no-progress > /dev/null
expect_error "comes from another model" search "$work/exact" --query-embeddings "$work/other.h5"
expect_error "exists; pass --overwrite" build "$ckpt" "$corpus" --domain cardio --out "$work/exact"
expect_error "index kind 'flat' is not one of exact, hnsw, ivf" build "$ckpt" "$corpus" \
  --kind flat --out "$work/bad"
expect_error "name the query's domain with --domain" search "$work/exact" --query "x"
cp -r "$work/exact" "$work/damaged"
rm "$work/damaged/records.h5"
expect_error "records.h5 is missing" search "$work/damaged" --query "x" --domain cardio
printf '{"id": "a", "text": "word"}\n{"id": "a", "text": "again"}\n' > "$work/dup.jsonl"
expect_error "dup.jsonl:2" build "$ckpt" "$work/dup.jsonl" --domain cardio --out "$work/bad"
[[ ! -e $work/bad && ! -e $work/bad.partial ]]
# --overwrite replaces a finished index only when the new one is complete.
"$index" build "$ckpt" "$corpus" --domain cardio --kind hnsw --out "$work/exact" --overwrite \
  --no-progress > /dev/null
"$index" info "$work/exact" | grep -q "hnsw, routing given"
[[ ! -e $work/exact.partial && ! -e $work/exact.old ]]
echo "moe_index end to end: ok"
