#!/usr/bin/env bash
# Configure, build and run the concurrency stress suite under ThreadSanitizer.
#   tests/tsan.sh [BUILD_DIR]        (default build-tsan; SCALE=0.2 by default)
# The stress program (tests/stress/flush_stress.c) is plain C because Criterion cannot run
# under TSan on this machine (Criterion bug #274). Round counts are scaled down through
# TLBSTORM_STRESS_SCALE: TSan makes every guest instruction and flush 5-20x slower, and the
# interleavings, not the round count, are what it checks. Exit status non-zero on any TSan
# report (exitcode=66) or failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-tsan}
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" -Db_sanitize=thread -Dbuildtype=debugoptimized -Dtests=true
fi
ninja -C "$build" tests/flush_stress guests/flush_stress.elf
export TLBSTORM_STRESS_SCALE=${SCALE:-0.2}
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
# Timeouts in meson are multiplied: TSan runs take longer than release ones.
meson test -C "$build" --suite stress --print-errorlogs --timeout-multiplier 4
