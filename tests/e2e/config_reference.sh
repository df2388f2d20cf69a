#!/usr/bin/env bash
# docs/CONFIG.md is generated from the option declarations; fail when it is stale.
set -euo pipefail
build=${1:?usage: config_reference.sh BUILD_DIR}
if ! diff -u docs/CONFIG.md <("$build/bin/moe_train" --config-reference); then
  echo "docs/CONFIG.md is stale: run build/bin/moe_train --config-reference > docs/CONFIG.md" >&2
  exit 1
fi
echo "docs/CONFIG.md is up to date"
