#!/usr/bin/env bash
# The main job: install, build, and boot the bundled SMP guest on 4 vCPUs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
exec build/tlbstorm -M virt -bios none -smp 4 -m 256M -nographic \
    -kernel build/guests/smp_counters.elf
