#!/usr/bin/env bash
# README command (2): set up a fresh Debian 12 machine and run the whole test suite
# (unit tests, multi-rank tests under mpiexec with 1..4 ranks, end-to-end scripts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
