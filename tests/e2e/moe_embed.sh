#!/usr/bin/env bash
# moe_embed on a trained checkpoint, read back with h5py as a user would:
# 1. JSONL with ids and --domain: one row per text, ids in input order, float32;
# 2. the same under mpirun -np 2 gives the same file (within 1e-5);
# 3. --domain-field: each text runs as its own domain, so its rows equal the --domain run's
#    rows for the texts of that domain;
# 4. a model with a router and no domain given: /domain holds the router's choices;
# 5. float16 + --normalize (unit rows), CSV and plain-lines input (position ids);
# 6. bad requests exit 2 with one message and write nothing.
set -euo pipefail
build=${1:?usage: moe_embed.sh BUILD_DIR}
python=/usr/bin/python3
"$python" -c 'import numpy, h5py' 2>/dev/null ||
  { echo "skipped: /usr/bin/python3 lacks numpy or h5py (scripts/install-deps.sh installs them)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
embed=$build/bin/moe_embed

source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work"
train() {  # train RUN_DIR [--set ...]
  train_tiny_model "$build" "$work" "$@"
}
train "$work/moe"
train "$work/routed" --set model.router=true
ckpt=$work/moe/checkpoint.h5

# Inputs: the corpus papers (JSONL with id, domain, text), 60 of them, both domains.
head -n 30 "$work/corpus/papers.jsonl" > "$work/texts.jsonl"
grep -m 30 '"domain":"pulmo"' "$work/corpus/papers.jsonl" >> "$work/texts.jsonl"

"$embed" "$ckpt" "$work/texts.jsonl" --domain cardio --out "$work/one.h5" --batch-size 7 \
  --texts-per-round 16 --no-progress | tee "$work/one.log"
grep -q "embedded 60 texts (64 dimensions, float32)" "$work/one.log"
launch/run_local.sh 2 "$embed" "$ckpt" "$work/texts.jsonl" --domain cardio --out "$work/two.h5" \
  --batch-size 5 --texts-per-round 9 --threads 1 --no-progress | tee "$work/two.log"
grep -q "2 ranks" "$work/two.log"
"$embed" "$ckpt" "$work/texts.jsonl" --domain pulmo --out "$work/pulmo.h5" --no-progress >/dev/null
"$embed" "$ckpt" "$work/texts.jsonl" --domain-field domain --out "$work/field.h5" \
  --no-progress >/dev/null
"$embed" "$work/routed/checkpoint.h5" "$work/texts.jsonl" --out "$work/routed.h5" \
  --no-progress | tee "$work/routed.log"
grep -q "domains (router):" "$work/routed.log"
"$embed" "$ckpt" "$work/texts.jsonl" --domain cardio --out "$work/half.h5" --dtype float16 \
  --normalize --no-progress >/dev/null

# CSV (quoted text with a comma) and plain lines, from the same texts.
"$python" - "$work" <<'PY'
import csv, json, sys
work = sys.argv[1]
rows = [json.loads(line) for line in open(f"{work}/texts.jsonl")]
with open(f"{work}/texts.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["pmid", "abstract"])
    for r in rows:
        w.writerow([r["id"], r["text"]])
with open(f"{work}/texts.txt", "w") as f:
    for r in rows:
        f.write(r["text"].replace("\n", " ") + "\n")
PY
"$embed" "$ckpt" "$work/texts.csv" --domain cardio --text-field abstract --id-field pmid \
  --out "$work/csv.h5" --no-progress >/dev/null
"$embed" "$ckpt" "$work/texts.txt" --domain cardio --out "$work/lines.h5" --no-progress >/dev/null

"$python" - "$work" <<'PY'
import json, sys
import h5py, numpy as np
work = sys.argv[1]
rows = [json.loads(line) for line in open(f"{work}/texts.jsonl")]
ids = [r["id"] for r in rows]

def load(name):
    with h5py.File(f"{work}/{name}.h5", "r") as f:
        return (f["embeddings"][()], [s.decode() for s in f["ids"][()]],
                f["domain"][()] if "domain" in f else None,
                [s.decode() for s in f["domain_names"][()]] if "domain_names" in f else None,
                dict(f.attrs))

one, one_ids, one_dom, names, attrs = load("one")
assert one.shape == (60, 64) and one.dtype == np.float32, one.shape
assert one_ids == ids, "ids are not the input's, in order"
assert attrs["format"] == b"moe-embed embeddings" or attrs["format"] == "moe-embed embeddings"
assert int(attrs["count"]) == 60 and int(attrs["dimension"]) == 64
assert names == ["cardio", "pulmo"] and (one_dom == 0).all()
assert len({tuple(np.round(r, 5)) for r in one}) == 60, "rows repeat"

two, two_ids, _, _, _ = load("two")
assert two_ids == ids
print("mpirun -np 2 vs 1 process, max |diff|:", np.abs(two - one).max())
assert np.allclose(two, one, atol=1e-5)

pulmo, _, _, _, _ = load("pulmo")
assert not np.allclose(pulmo, one, atol=1e-3), "the domain path changes nothing"
field, _, field_dom, _, _ = load("field")
is_pulmo = np.array([r["domain"] == "pulmo" for r in rows])
assert is_pulmo.any() and (~is_pulmo).any()
assert (field_dom == is_pulmo.astype(np.int32)).all()
assert np.allclose(field[~is_pulmo], one[~is_pulmo], atol=1e-5)
assert np.allclose(field[is_pulmo], pulmo[is_pulmo], atol=1e-5)

routed, _, routed_dom, _, routed_attrs = load("routed")
assert routed_attrs["routing"] in (b"router", "router") and set(routed_dom) <= {0, 1}

half, _, _, _, half_attrs = load("half")
assert half.dtype == np.float16
unit = one / np.linalg.norm(one, axis=1, keepdims=True)
assert np.allclose(half.astype(np.float32), unit, atol=2e-3)
assert int(half_attrs["normalized"]) == 1

csv_rows, csv_ids, _, _, _ = load("csv")
assert csv_ids == ids and np.allclose(csv_rows, one, atol=1e-5)
lines, line_ids, _, _, _ = load("lines")
assert line_ids == [str(i) for i in range(60)] and np.allclose(lines, one, atol=1e-5)
print("moe_embed files check out:", len(ids), "texts")
PY

# Bad requests: exit 2, one message, nothing written.
source tests/support/expect_exit.sh
expect_usage_error() {  # expect_usage_error TEXT ARGS...
  expect_exit 2 "$1" "$embed" "${@:2}"
  [[ ! -e "$work/bad.h5" && ! -e "$work/bad.h5.partial" ]]
}
expect_usage_error "but no router: name the domain with --domain" "$ckpt" "$work/texts.jsonl" \
  --out "$work/bad.h5"
expect_usage_error "domain derma is not one of" "$ckpt" "$work/texts.jsonl" --domain derma \
  --out "$work/bad.h5"
expect_usage_error "exists; pass --overwrite" "$ckpt" "$work/texts.jsonl" --domain cardio \
  --out "$work/one.h5"
printf '{"id": "a", "text": "fine"}\n{"id": "a", "text": "again"}\n' > "$work/dup.jsonl"
expect_usage_error "dup.jsonl:2:" "$ckpt" "$work/dup.jsonl" --domain cardio --out "$work/bad.h5"
expect_usage_error "need CHECKPOINT.h5 and INPUT" "$ckpt" --out "$work/bad.h5"
"$embed" --help | grep -q "usage: moe_embed CHECKPOINT.h5 INPUT --out FILE.h5"
echo "moe_embed end-to-end: ok"
