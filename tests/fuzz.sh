#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan + UBSan) and fuzz each for a while.
#   tests/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default 20 s; all four targets)
# Seeds: tests/fuzz/corpus/TARGET/ (committed). New inputs go to a scratch directory, not into
# the committed corpus; a crash, leak, sanitizer report or timeout is written as
# build-fuzz/artifacts/TARGET-crash-* and makes the script fail. FUZZ_SEED (default 1) seeds
# the mutations. The suite runs it briefly;
# bench/fuzz.sh runs it for long.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(fuzz_cmdline fuzz_elf_loader fuzz_gdb_packet fuzz_interp fuzz_virtio)
fi
build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Dtests=false -Dguests=false \
        -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized \
        -Dc_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$build" "${targets[@]/#/tests/fuzz/}"
mkdir -p "$build/artifacts"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1"
status=0
for t in "${targets[@]}"; do
    scratch=$(mktemp -d)
    echo "== $t: ${secs} s"
    if ! "$build/tests/fuzz/$t" "$scratch" "tests/fuzz/corpus/$t" \
            -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            -seed="${FUZZ_SEED:-1}" \
            -artifact_prefix="$build/artifacts/$t-" 2>"$build/$t.log"; then
        tail -40 "$build/$t.log"
        echo "FAIL $t (artifacts in $build/artifacts)"
        status=1
    else
        grep -E "stat::number_of_executed_units|cov:" "$build/$t.log" | tail -2
    fi
    rm -rf "$scratch"
done
exit $status
