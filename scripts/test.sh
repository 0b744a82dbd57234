#!/usr/bin/env bash
# Every test: install, build, run the unit, guest, firmware and stress suites, then the
# concurrency stress suite again under ThreadSanitizer (tests/tsan.sh, its own build dir).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
meson test -C build --print-errorlogs --num-processes "$(nproc)"
tests/tsan.sh build-tsan
