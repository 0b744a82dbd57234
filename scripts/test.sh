#!/usr/bin/env bash
# Every test: install, build, run the unit, guest, firmware, torture and stress suites, then
# every suite again under AddressSanitizer + UBSan (tests/asan.sh), the concurrency stress
# suite and whole-emulator SMP guest runs under ThreadSanitizer (tests/tsan.sh), and a short
# libFuzzer run of every fuzz target (tests/fuzz.sh, clang), each in its own build dir.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
meson test -C build --print-errorlogs --num-processes "$(nproc)"
tests/asan.sh build-asan
tests/tsan.sh build-tsan
tests/fuzz.sh 20
