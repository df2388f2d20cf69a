#!/usr/bin/env bash
# Every shell command in README.md and docs/*.md is valid as written (acceptance: "README's
# commands, and every command in docs/, run as written"): tests/python/check_doc_commands.py
# checks the programs, their options (--help), moe_train's --set keys and the repository files
# each command names. Its self-test runs first, so a broken checker cannot pass the docs.
set -euo pipefail
build=${1:?usage: docs_commands.sh BUILD_DIR}
build=$(cd "$build" && pwd)
cd "$(dirname "$0")/../.."
python=/usr/bin/python3
"$python" tests/python/check_doc_commands.py --self-test
"$python" tests/python/check_doc_commands.py . "$build"
