#!/usr/bin/env bash
# moe_report on a synthetic metrics.jsonl (two resumed runs, so steps repeat; an unknown key;
# evaluations on valid and test): it writes valid SVG plots, their data and scripts and an
# index.md, and reports a missing metrics file, a malformed line (file:line) and a bad
# command line as one clear error each (usage errors: exit status 2).
set -euo pipefail
build=${1:?usage: report.sh BUILD_DIR}
command -v gnuplot >/dev/null || { echo "skipped: gnuplot not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
report=$build/bin/moe_report

# domain_json NAME F1 POSITIVE_BIN NEGATIVE_BIN: one domain of an evaluation line, 40 bins
# with 10 positive pairs in one bin and 30 negative pairs in another.
domain_json() {
  local positive negative
  positive=$(seq 0 39 | awk -v b="$3" '{printf "%s%d", (NR > 1 ? "," : ""), ($1 == b ? 10 : 0)}')
  negative=$(seq 0 39 | awk -v b="$4" '{printf "%s%d", (NR > 1 ? "," : ""), ($1 == b ? 30 : 0)}')
  printf '{"domain":"%s","pairs":40,"positives":10,"f1max":%s,"precision":0.8,"recall":0.9,' "$1" "$2"
  printf '"threshold":0.41,"roc_auc":null,"mean_positive":0.6,"mean_negative":0.1,'
  printf '"histogram_min":-1.0,"histogram_max":1.0,'
  printf '"positive_histogram":[%s],"negative_histogram":[%s]}' "$positive" "$negative"
}
evaluation_json() {  # STEP SPLIT KIND ALL CARDIO_F1 PULMO_F1
  printf '{"evaluation":{"step":%s,"split":"%s","kind":"%s","all_weighted_f1max":%s,"domains":[%s,%s]}}\n' \
    "$1" "$2" "$3" "$4" "$(domain_json cardio "$5" 32 22)" "$(domain_json skin_cancer "$6" 30 20)"
}

run=$work/run
mkdir -p "$run"
{
  evaluation_json 0 valid before 0.5 0.45 0.55
  for step in 1 2 3 4; do
    echo "{\"step\":$step,\"loss\":$((5 - step)).5,\"lr\":0.00$step,\"grad_norm\":2.0,\"ms_per_step\":500,\"scale\":20.0,\"new_key\":[1]}"
  done
  evaluation_json 4 valid periodic 0.7 0.65 0.75
  # The run resumed from step 2: steps 3 and 4 come again; the last occurrence counts.
  for step in 3 4 5 6; do
    echo "{\"step\":$step,\"loss\":$((7 - step)).25,\"lr\":0.00$step,\"grad_norm\":null,\"scale\":21.0}"
  done
  evaluation_json 4 valid periodic 0.72 0.66 0.78
  evaluation_json 6 valid after 0.8 0.75 0.85
  evaluation_json 6 test after 0.78 0.74 0.82
} > "$run/metrics.jsonl"

"$report" "$run" > "$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
cat "$work/out"
for plot in loss lr f1_valid similarity_cardio similarity_skin_cancer; do
  file=$run/report/$plot.svg
  [[ -s $file ]] || { echo "missing $file" >&2; exit 1; }
  head -c 200 "$file" | grep -q '^<?xml' || grep -q '<svg' "$file" ||
    { echo "$file is not SVG" >&2; exit 1; }
  grep -q '</svg>' "$file" || { echo "$file is cut short" >&2; exit 1; }
  [[ -s $run/report/$plot.gp && -s $run/report/$plot.dat ]] ||
    { echo "missing the script or data of $plot" >&2; exit 1; }
done
grep -qF '![Training loss](loss.svg)' "$run/report/index.md"
grep -qF '(similarity_skin_cancer.svg)' "$run/report/index.md"
# Duplicate steps keep the last occurrence: step 4's loss is 3.25, the final one (step 6) 1.25.
grep -qx '4 3.25 21' "$run/report/loss.dat" || { cat "$run/report/loss.dat" >&2; exit 1; }
grep -q "final loss 1.25 at step 6" "$work/out"
grep -q "best All 0.8 at step 6" "$work/out"
# The re-evaluated step 4 counts once, with its last values.
[[ $(grep -c '^4 ' "$run/report/f1_valid.dat") -eq 1 ]] && grep -qx '4 0.72 0.66 0.78' "$run/report/f1_valid.dat"
# The histograms come from the last evaluation line (test split).
grep -q "step 6, test split, after training" "$work/out"

# PNG into another folder.
"$report" "$run" --out "$work/png" --format png > /dev/null
head -c 8 "$work/png/loss.png" | grep -q 'PNG' || { echo "loss.png is not a PNG" >&2; exit 1; }

# expect_error STATUS EXPECTED_SUBSTRING ARGS...: exit status and one line naming the problem.
expect_error() {
  local expected_status=$1 expected=$2
  shift 2
  local status=0
  "$report" "$@" >"$work/out" 2>"$work/err" || status=$?
  if [[ $status -ne $expected_status ]]; then
    echo "expected status $expected_status, got $status: moe_report $*" >&2
    cat "$work/err" >&2
    exit 1
  fi
  if ! grep -qF -- "$expected" "$work/err"; then
    echo "expected an error containing '$expected', got:" >&2
    cat "$work/err" >&2
    exit 1
  fi
  echo "ok (status $status): $(head -n 1 "$work/err")"
}
expect_error 2 "usage: moe_report" 
expect_error 2 "--format: expected svg or png, got 'pdf'" "$run" --format pdf
expect_error 2 "unrecognised option" "$run" --colour
expect_error 1 "$work/empty/metrics.jsonl does not exist" "$work/empty"
mkdir -p "$work/bad"
{ echo '{"step":1,"loss":2.0,"lr":0.1}'; echo '{"step":2,"loss":'; } > "$work/bad/metrics.jsonl"
expect_error 1 "$work/bad/metrics.jsonl:2: not valid JSON" "$work/bad"
echo '{"step":"three","loss":2.0,"lr":0.1}' > "$work/bad/metrics.jsonl"
expect_error 1 "$work/bad/metrics.jsonl:1: 'step' must be an integer" "$work/bad"
evaluation_json 0 valid before 0.5 0.45 0.55 > "$work/bad/metrics.jsonl"
expect_error 1 "$work/bad/metrics.jsonl has no step lines" "$work/bad"
echo "moe_report: ok"
