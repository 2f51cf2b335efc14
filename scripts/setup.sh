#!/usr/bin/env bash
# Create ./.venv and install retouch into it (editable), with optional extras.
#   scripts/setup.sh            the library and the `retouch` command
#   scripts/setup.sh dev,bench  plus what the tests and benchmarks need
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch is pinned to the CPU build this machine's registry serves (see README).
.venv/bin/python -m pip install -q -e ".${extras:+[$extras]}"
