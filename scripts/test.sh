#!/usr/bin/env bash
# Every test: install, build, run the unit and guest suites.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
meson test -C build --print-errorlogs --num-processes "$(nproc)"
