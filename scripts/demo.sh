#!/usr/bin/env bash
# The main job: install, build, boot the bundled SMP guest on 4 vCPUs under the built-in SBI
# (its harts remap pages and shoot them down with SBI RFENCE while the others read them) and
# print the verdict and the flush-latency summary (--stats, on stderr).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
exec build/tlbstorm -M virt -smp 4 -m 256M -nographic --stats \
    -kernel build/guests/sbi_test.elf
