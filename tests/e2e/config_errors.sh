#!/usr/bin/env bash
# moe_train's input errors (README promise): a misspelled key, a wrong type and a missing
# data path (and a domain or resume checkpoint that is not there) each exit non-zero with ONE line naming the problem — also on 2 ranks — and
# nothing is written.
set -euo pipefail
build=${1:?usage: config_errors.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data" && echo '{}' > "$work/data/manifest.json"

write_config() {  # $1: extra YAML lines under train:
  cat > "$work/config.yaml" <<YAML
run:
  dir: $work/run
data:
  manifest: $work/data/manifest.json
train:
$1
YAML
}

# expect_error NP EXPECTED_SUBSTRING [moe_train args...]
expect_error() {
  local np=$1 expected=$2
  shift 2
  local status=0
  launch/run_local.sh "$np" "$build/bin/moe_train" "$@" >"$work/out" 2>"$work/err" || status=$?
  if [[ $status -eq 0 ]]; then echo "expected failure: $*" >&2; exit 1; fi
  local lines
  lines=$(grep -c . "$work/err" || true)
  if [[ $lines -ne 1 ]] || ! grep -qF -- "$expected" "$work/err"; then
    echo "expected one line containing '$expected', got ($lines lines):" >&2
    cat "$work/err" >&2
    exit 1
  fi
  if [[ -e $work/run ]]; then echo "run dir was written for: $*" >&2; exit 1; fi
  echo "ok (np $np): $(cat "$work/err")"
}

for np in 1 2; do
  write_config "  stepz: 10"
  expect_error "$np" "config.yaml:6: unknown key 'train.stepz' (did you mean 'train.steps'?)" \
    "$work/config.yaml"
  write_config "  steps: ten"
  expect_error "$np" "train.steps: expected an integer, got 'ten'" "$work/config.yaml"
  write_config "  steps: 100"
  expect_error "$np" "data.manifest: $work/missing.json does not exist" "$work/config.yaml" \
    --set "data.manifest=$work/missing.json"
  expect_error "$np" "--set train.lr=-1: train.lr: must be > 0" "$work/config.yaml" \
    --set train.lr=-1
  expect_error "$np" "manifest $work/data/manifest.json" "$work/config.yaml"
  expect_error "$np" "train.precision: bf16 needs runtime.device cuda (this rank runs on cpu)" \
    "$work/config.yaml" --set train.precision=bf16
done
# Errors that need a real dataset: a domain the manifest lacks, a checkpoint to resume from
# that does not exist. Both are found before anything is written (exit 2, not 1).
source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$work/synth"
write_config "  steps: 30"
for np in 1 2; do
  expect_error "$np" 'data.domains: domain "derma" is not in the manifest (["cardio","pulmo"])' \
    "$work/config.yaml" --set "data.manifest=$work/synth/data/manifest.json" \
    --set data.domains=cardio,derma
  expect_error "$np" "checkpoint.resume: $work/none.h5 does not exist" "$work/config.yaml" \
    --set "data.manifest=$work/synth/data/manifest.json" --set "checkpoint.resume=$work/none.h5"
done
status=0
"$build/bin/moe_train" "$work/config.yaml" --set "data.manifest=$work/synth/data/manifest.json" \
  --set "checkpoint.resume=$work/none.h5" >/dev/null 2>&1 || status=$?
[[ $status == 2 ]] || { echo "expected exit status 2, got $status" >&2; exit 1; }

# A SLURM job that asked for several tasks but started single-rank copies (PMI mismatch)
# must stop instead of training N independent models.
status=0
SLURM_NTASKS=2 "$build/bin/moe_train" "$work/config.yaml" >"$work/out" 2>"$work/err" || status=$?
if [[ $status -eq 0 ]] || ! grep -q "PMI mismatch" "$work/err"; then
  echo "expected the SLURM_NTASKS mismatch to stop moe_train:" >&2
  cat "$work/err" >&2
  exit 1
fi
echo "ok: $(cat "$work/err")"
echo "config errors: ok"
