#!/usr/bin/env bash
# moe_bench against the eager PyTorch step (bench/python/eager_step.py) on the same machine,
# same workload and threads, alternating runs so machine noise hits both alike:
#   bench/compare_step.sh BUILD_DIR REPEATS [moe_bench options...]
# e.g. bench/compare_step.sh build 3 --steps 30 --warmup-steps 5 --threads 2
#      bench/compare_step.sh build 1 --hidden 768 --layers 12 --heads 12 --intermediate 3072 \
#        --batch 16 --steps 3 --warmup-steps 1
# Options are moe_bench's (--hidden --layers --heads --intermediate --vocab --seq --batch
# --experts --steps --warmup-steps --threads --seed --dropout --attention), passed to both.
# Prints each run's line and the median samples/s of each side and their ratio. Needs
# python3-torch (Debian 12: LibTorch 1.13, the version moe_bench links here).
set -euo pipefail
build=${1:?usage: compare_step.sh BUILD_DIR REPEATS [options...]}
repeats=${2:?usage: compare_step.sh BUILD_DIR REPEATS [options...]}
shift 2
cd "$(dirname "$0")/.."
/usr/bin/python3 -c 'import torch' 2>/dev/null ||
  { echo "needs python3-torch (apt-get install python3-torch)" >&2; exit 2; }

rates() { sed -n 's/.*samples_per_s=\([0-9.]*\).*/\1/p'; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ours=() theirs=()
for ((i = 1; i <= repeats; i++)); do
  line=$("$build/bin/moe_bench" "$@")
  echo "moe_bench      $line"
  ours+=("$(rates <<<"$line")")
  line=$(/usr/bin/python3 bench/python/eager_step.py "$@")
  echo "eager PyTorch  $line"
  theirs+=("$(rates <<<"$line")")
done
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
echo "median samples/s: moe_bench $a, eager PyTorch $b, ratio $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')"
