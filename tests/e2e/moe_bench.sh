#!/usr/bin/env bash
# moe_bench keeps its published interface: one final line of five named numbers, on 1 rank
# and under mpirun (both dispatch modes, experts); it sets passive OpenMP waiting itself
# unless the user chose a policy (common/openmp_wait_policy.h); it prints rank 0's time per
# phase on stderr, and --profile writes an operator trace that bench/python/profile_summary.py
# tabulates; --matmul and --domains are taken; model FLOPs (and MFU with --peak-tflops) are
# reported; bf16 and CUDA are refused where they cannot run. Timings are not checked here
# (docs/BENCHMARKS.md has them).
set -euo pipefail
build=${1:?usage: moe_bench.sh BUILD_DIR}
bench=$build/bin/moe_bench
tiny=(--hidden 32 --layers 2 --heads 4 --intermediate 64 --vocab 500 --seq 16 --batch 8
  --steps 2 --warmup-steps 1 --threads 1 --seed 3 --dropout 0.1)
line_re='^samples_per_s=[0-9.]+ tokens_per_s=[0-9.]+ step_ms=[0-9.]+ loss=[0-9.]+ peak_rss_mb=[0-9.]+$'
check() {  # check OUTPUT_FILE
  local last
  last=$(tail -n 1 "$1")
  [[ $last =~ $line_re ]] || { echo "not the published line: '$last'" >&2; exit 1; }
  [[ $(grep -c samples_per_s "$1") == 1 ]] || { echo "more than one result line" >&2; exit 1; }
}
out=$(mktemp)
err=$(mktemp)
trace=$(mktemp)
trap 'rm -f "$out" "$err" "$trace"' EXIT

env -u OMP_WAIT_POLICY "$bench" "${tiny[@]}" --ranks-note plain >"$out" 2>"$err"
check "$out"
grep -q "OMP_WAIT_POLICY=PASSIVE" "$err" || { echo "passive waiting not set:" >&2; cat "$err" >&2; exit 1; }
grep -q "note=plain" "$err"
grep -q "device=cpu precision=fp32" "$err"
grep -Eq "model FLOPs [0-9.e+]+ per step, [0-9.]+ TFLOP/s achieved$" "$err" ||
  { echo "no model FLOPs line:" >&2; cat "$err" >&2; exit 1; }
grep -Eq "ms/step by phase \(rank 0\): exchange=[0-9.]+ forward=[0-9.]+ loss=[0-9.]+ backward=[0-9.]+" "$err" ||
  { echo "no phase line:" >&2; cat "$err" >&2; exit 1; }
"$bench" "${tiny[@]}" --profile "$trace" >"$out" 2>"$err"
check "$out"
/usr/bin/python3 bench/python/profile_summary.py "$trace" --steps 2 >"$out"
grep -Eq "^(aten::(addmm|mm)|moe::onednn_matmul) +[0-9.]+ +[0-9.]+% +[0-9.]+$" "$out" ||
  { echo "the trace lists no matrix product:" >&2; cat "$out" >&2; exit 1; }
OMP_WAIT_POLICY=active "$bench" "${tiny[@]}" --experts 4 >"$out" 2>"$err"
check "$out"
grep -q "OMP_WAIT_POLICY=active" "$err" || { echo "the user's policy was replaced" >&2; exit 1; }
for dispatch in data layer; do
  launch/run_local.sh 2 "$bench" "${tiny[@]}" --experts 2 --dispatch "$dispatch" >"$out" 2>"$err" ||
    { cat "$err" >&2; exit 1; }
  check "$out"
  grep -q "ranks=2" "$err"
done
# LibTorch's products and balanced domains give the same published line.
"$bench" "${tiny[@]}" --experts 2 --matmul aten --domains balanced >"$out" 2>"$err"
check "$out"
grep -q "matmul=aten" "$err" && grep -q "domains=balanced" "$err"
"$bench" "${tiny[@]}" --peak-tflops 2 >"$out" 2>"$err"
check "$out"
grep -Eq "TFLOP/s achieved, MFU [0-9.]+% of 2 TFLOP/s$" "$err" || { echo "no MFU:" >&2; cat "$err" >&2; exit 1; }
status=0
"$bench" "${tiny[@]}" --dispatch sideways >"$out" 2>"$err" || status=$?
[[ $status != 0 ]] && grep -q -- "--dispatch: data or layer" "$err"
# bf16 is autocast on CUDA: on the CPU it is a clear error, not a silent float32 run.
status=0
"$bench" "${tiny[@]}" --precision bf16 >"$out" 2>"$err" || status=$?
[[ $status != 0 ]] && grep -q -- "--precision bf16 needs a CUDA device" "$err" ||
  { echo "bf16 on the CPU was not refused:" >&2; cat "$err" >&2; exit 1; }
if ! grep -q "MOE_WITH_CUDA:BOOL=ON" "$build/CMakeCache.txt"; then
  status=0
  "$bench" "${tiny[@]}" --device cuda >"$out" 2>"$err" || status=$?
  [[ $status != 0 ]] && grep -q -- "--device: cuda, but this build has no CUDA support" "$err" ||
    { echo "--device cuda in a CPU build was not refused:" >&2; cat "$err" >&2; exit 1; }
fi
echo "moe_bench: ok"
