#!/usr/bin/env bash
# Model-check the TLB shootdown protocol (docs/models/shootdown.pml) with Spin: the two runs
# that must find no error, and the four broken variants, each of which must find its error
# (docs/models/README.md explains each). Needs spin (Debian package) and gcc. Run by the test
# command; about a minute on 2 cores, 0.8 GB per run.
#   scripts/check-model.sh
set -euo pipefail
model="$(cd "$(dirname "$0")/.." && pwd)/docs/models/shootdown.pml"
command -v spin >/dev/null || { echo "check-model: spin is not installed (apt-get install spin)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$model" .
failures=0

# run NAME EXPECT SPIN_FLAGS...: EXPECT is "clean", "assertion" or "invalid-end".
run() {
    local name=$1 expect=$2
    shift 2
    rm -f pan pan.* ./*.trail
    spin "$@" -a shootdown.pml >spin.log 2>&1 || { echo "FAIL $name: spin -a failed"; cat spin.log; failures=$((failures + 1)); return; }
    gcc -O2 -DSAFETY -w -o pan pan.c
    ./pan -m100000 >pan.log 2>&1 || true
    local errors
    errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.log | head -1)
    local got=clean
    if [ "${errors:-x}" != 0 ]; then
        if grep -q "assertion violated" pan.log; then got=assertion
        elif grep -q "invalid end state" pan.log; then got=invalid-end
        else got="error(${errors:-none})"; fi
    fi
    local states
    states=$(sed -n 's/^ *\([0-9e.+]*\) states, stored.*/\1/p' pan.log | head -1)
    if [ "$got" = "$expect" ]; then
        echo "ok   $name: $got (${states:-?} states)"
    else
        echo "FAIL $name: expected $expect, got $got"
        tail -20 pan.log
        failures=$((failures + 1))
    fi
}

run "protocol" clean
run "futex handshake" clean -DFUTEX -DMAXENTRY0=1 -DVCPU_REQUESTS=0
run "mutant: drain before running" assertion -DMUTANT_DRAIN_BEFORE_RUNNING
run "mutant: no wait" assertion -DMUTANT_NO_WAIT
run "mutant: wait inside guest execution" invalid-end -DMUTANT_WAIT_INSIDE
run "mutant: lost wake-up" invalid-end -DFUTEX -DMAXENTRY0=1 -DVCPU_REQUESTS=0 -DMUTANT_LOST_WAKEUP
if [ "$failures" -ne 0 ]; then
    echo "check-model: $failures run(s) did not give the expected result" >&2
    exit 1
fi
echo "check-model: the protocol and the futex handshake verify; all 4 mutants are caught"
