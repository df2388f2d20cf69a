#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UndefinedBehaviorSanitizer) and runs
# each for a while from its seeds, its saved corpus and its regression inputs:
#   tests/fuzz/run_fuzzers.sh FUZZ_BUILD_DIR [--seconds N] [--targets "tokenizer config ..."]
# Run from the repository root. --seconds defaults to 10 (the test suite's short run; the
# benchmark run of docs/RELIABILITY.md uses 600). Prints a table of runs, speed, coverage and
# corpus per target; exits 1 on a finding (its input is saved under FUZZ_BUILD_DIR/findings
# and the sanitizer's report is in FUZZ_BUILD_DIR/logs), 77 when clang or libFuzzer is missing.
# Inputs in tests/fuzz/regressions/TARGET/ (past findings, fixed) are replayed first.
set -euo pipefail
dir=${1:?usage: run_fuzzers.sh FUZZ_BUILD_DIR [--seconds N] [--targets LIST]}
shift
seconds=10
targets="tokenizer text_records pair_table safetensors shard config"
while (($#)); do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --targets) targets=${2:?--targets needs a list}; shift 2 ;;
    *) echo "run_fuzzers.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "run_fuzzers.sh: --seconds must be a positive number, got '$seconds'" >&2; exit 2; }

if ! command -v clang++ >/dev/null 2>&1; then
  echo "skipped: clang++ is not installed (scripts/install-deps.sh installs it)"
  exit 77
fi
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
  clang++ -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  echo "skipped: clang++ cannot link libFuzzer (Debian: libclang-rt-14-dev)"
  exit 77
fi

if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja -DMOE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log" >&2; exit 1; }
fi
cmake --build "$dir" --target fuzz_targets >"$dir/build.log" 2>&1 || { tail -40 "$dir/build.log" >&2; exit 1; }

# Leaks are findings too, except HDF5's own (tests/fuzz/lsan.supp says why).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$dir/logs" "$dir/findings"
printf '%-13s %8s %10s %8s %6s %7s  %s\n' target seconds runs "exec/s" cov corpus result
failed=0
for target in $targets; do
  binary=$dir/bin/fuzz_$target
  [[ -x $binary ]] || { echo "run_fuzzers.sh: no target fuzz_$target" >&2; exit 2; }
  corpus=$dir/corpus/$target
  mkdir -p "$corpus"
  MOE_FUZZ_WRITE_SEEDS=$corpus "$binary" -runs=0 >/dev/null 2>&1
  if [[ $target == config ]]; then cp configs/*.yaml "$corpus/"; fi
  log=$dir/logs/$target.log
  regressions=tests/fuzz/regressions/$target
  : >"$log"
  result=clean
  if [[ -d $regressions ]] && compgen -G "$regressions/*" >/dev/null; then
    "$binary" "$regressions"/* >>"$log" 2>&1 || result="regression failed"
  fi
  if [[ $result == clean ]]; then
    "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=4096 \
      -max_len=65536 -artifact_prefix="$dir/findings/$target-" "$corpus" >>"$log" 2>&1 ||
      result="FINDING (see $log)"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-13s %8s %10s %8s %6s %7s  %s\n' "$target" "$seconds" "${runs:--}" "${speed:--}" \
    "${cov:--}" "$(find "$corpus" -type f | wc -l)" "$result"
  if [[ $result != clean ]]; then
    failed=1
    grep -E "ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error|Test unit written|deadly signal|uncaught exception" "$log" |
      head -5 >&2 || true
  fi
done
exit $failed
