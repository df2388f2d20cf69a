#!/usr/bin/env bash
# One rank's failure fails a multi-rank test: run the harness test with a failure forced on
# rank 1 of 2 and expect a non-zero exit and rank 0 saying that another rank failed.
set -euo pipefail
build=${1:?usage: mpi_harness.sh BUILD_DIR}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
flags=(--oversubscribe --quiet)
[[ $(id -u) -eq 0 ]] && flags+=(--allow-run-as-root)

mpiexec "${flags[@]}" -np 2 "$build/bin/mpi_tests" --gtest_filter='MpiTestHarness.*' >"$out" 2>&1
status=0
MOE_TEST_FAIL_ON_RANK=1 mpiexec "${flags[@]}" -x MOE_TEST_FAIL_ON_RANK -np 2 \
  "$build/bin/mpi_tests" --gtest_filter='MpiTestHarness.*' >"$out" 2>&1 || status=$?
cat "$out"
[[ $status -ne 0 ]] || { echo "a failure on rank 1 did not fail the job" >&2; exit 1; }
grep -q "\[rank 1\]" "$out" || { echo "rank 1's failure was not printed" >&2; exit 1; }
grep -q "another rank failed" "$out" || { echo "rank 0 did not report it" >&2; exit 1; }
echo "mpi harness: one rank's failure fails the test (exit status $status)"
