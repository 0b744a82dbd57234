#!/usr/bin/env bash
# The main job: install, build, boot the bundled SMP stress guest tlbtorture on 4 vCPUs under
# the built-in SBI for 5 seconds (one hart remaps, revokes, splits and merges 4 KiB, 2 MiB and
# 1 GiB mappings and shoots them down with SBI RFENCE while the other three read them and check
# for stale translations), then print the guest's verdict and fence table and tlbstorm's
# flush-latency summary (--stats, on stderr).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
exec build/tlbstorm -M virt -smp 4 -m 256M -nographic --stats \
    -kernel build/guests/tlbtorture.elf -append "secs=5"
