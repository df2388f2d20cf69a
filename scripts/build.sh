#!/usr/bin/env bash
# Installs the Debian packages (if missing), configures and builds into build/; with
# MOE_SANITIZE=1 into build-sanitize/, under AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build_dir=build
options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [[ ${MOE_SANITIZE:-0} == 1 ]]; then
  build_dir=build-sanitize
  # Exactly unwound allocation stacks make the multi-rank tests several times slower.
  options+=(-DMOE_SANITIZE=ON -DMOE_MPI_TEST_TIMEOUT=900)
fi
cmake -S . -B "$build_dir" -G Ninja "${options[@]}"
cmake --build "$build_dir" -j"$(nproc)"
