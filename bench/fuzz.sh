#!/usr/bin/env bash
# The long fuzz run: every libFuzzer target for SECONDS each (default 1800), same build and
# artifacts as the suite's short run (tests/fuzz.sh). New corpus entries stay in a scratch
# directory; copy interesting ones into tests/fuzz/corpus/TARGET/ by hand (keep them small).
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
exec tests/fuzz.sh "${1:-1800}" "${@:2}"
