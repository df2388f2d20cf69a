#!/usr/bin/env bash
# README command (1): set up a fresh Debian 12 machine and run the built-in default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
bash launch/quickstart.sh "$@"
