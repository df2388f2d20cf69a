#!/usr/bin/env bash
# README command (2): set up a fresh Debian 12 machine and run the whole test suite
# (unit tests, multi-rank tests under mpiexec with 1..4 ranks, end-to-end scripts, a short
# fuzzing run). With MOE_SANITIZE=1 (the CI's sanitizer variant, docs/RELIABILITY.md) it
# builds under AddressSanitizer and UndefinedBehaviorSanitizer into build-sanitize/ and
# runs the unit and multi-rank tests there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
if [[ ${MOE_SANITIZE:-0} == 1 ]]; then
  # Leaks of the MPI runtime's and LibTorch's one-time set-up are theirs, not findings.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/sanitizer/lsan.supp:print_suppressions=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  cd build-sanitize
  ctest --output-on-failure -j"$(nproc)" -E '^(e2e|fuzz|python|mpi_tests)\.' "$@"
  # The MPI runtime's leaks come from plugins it unloads at MPI_Finalize, which LeakSanitizer
  # can name only through the full stack down to libmpi: unwound exactly (slower) here.
  ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0 \
    ctest --output-on-failure -R '^mpi_tests\.' "$@"
  exit
fi
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
