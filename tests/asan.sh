#!/usr/bin/env bash
# Configure, build and run the test suite under AddressSanitizer + UndefinedBehaviorSanitizer.
#   tests/asan.sh [BUILD_DIR] [MESON_TEST_ARGS...]     (default build-asan, every suite)
# Every test that boots a guest runs the instrumented emulator, so ASan/UBSan see the
# interpreter, the TLB, the devices and the flush protocol under real guests. Any report makes
# the process exit non-zero (ASan by default; UBSan through halt_on_error), so the test fails.
# LeakSanitizer is on: the emulator frees what it allocates before it exits.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
shift || true
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbuildtype=debugoptimized -Dtests=true
fi
ninja -C "$build"
export ASAN_OPTIONS="detect_stack_use_after_return=1 strict_string_checks=1 ${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1 ${UBSAN_OPTIONS:-}"
export TLBSTORM_STRESS_SCALE=${SCALE:-0.3}
meson test -C "$build" --print-errorlogs --num-processes "$(nproc)" --timeout-multiplier 4 "$@"
