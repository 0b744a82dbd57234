#!/bin/sh
# Boot the same kernel + initramfs on tlbstorm (built-in SBI), tlbstorm + OpenSBI fw_jump and
# qemu-system-riscv64 + OpenSBI fw_jump at each -smp, and print one table row per run:
# exit status, wall time, guest time of "Run /init", tlbshoot's us/op and its verdict.
#
# Usage: bench/linux/compare.sh [SMP...]      (default: 1 2 4)
# Environment: IMAGE, INITRD (default: the outputs of build-kernel.sh / build-initramfs.sh),
#   TLBSTORM (default build/tlbstorm), ITERS (tlbshoot_iters, default tlbshoot's 200),
#   TIMEOUT seconds per run (default 300), LOGDIR (default a temporary directory, kept).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${TLBSTORM_LINUX_CACHE:-$HOME/.cache/tlbstorm-linux}
image=${IMAGE:-$cache/build/arch/riscv/boot/Image}
initrd=${INITRD:-$cache/initramfs.cpio}
tlbstorm=${TLBSTORM:-$root/build/tlbstorm}
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
timeout=${TIMEOUT:-300}
logdir=${LOGDIR:-$(mktemp -d /tmp/tlbstorm-linux.XXXXXX)}
append="console=ttyS0 earlycon=sbi${ITERS:+ tlbshoot_iters=$ITERS}"
[ $# -gt 0 ] || set -- 1 2 4

for f in "$image" "$initrd" "$tlbstorm" "$fw"; do
    [ -e "$f" ] || { echo "compare: missing $f (run build-kernel.sh / build-initramfs.sh / scripts/build.sh)" >&2; exit 1; }
done

printf '%-16s %4s %4s %8s %8s %11s %11s %11s %11s %s\n' emulator smp rc wall_s init_s \
    mprotect_us munmap_us madvise_us mremap_us verdict
for smp in "$@"; do
    for emu in tlbstorm tlbstorm+opensbi qemu+opensbi; do
        case $emu in
            tlbstorm) cmd="$tlbstorm" ;;
            tlbstorm+opensbi) cmd="$tlbstorm -bios $fw" ;;
            qemu+opensbi) cmd="qemu-system-riscv64 -bios $fw" ;;
        esac
        log=$logdir/$emu-smp$smp.log
        t0=$(date +%s.%N)
        set +e
        # shellcheck disable=SC2086
        timeout "$timeout" $cmd -M virt -smp "$smp" -m 512M -nographic -kernel "$image" \
            -initrd "$initrd" -append "$append" </dev/null >"$log" 2>&1
        rc=$?
        set -e
        t1=$(date +%s.%N)
        us() { sed -n "s/^tlbshoot: $1 .* \([0-9.]*\) us\/op.*/\1/p" "$log" | tr -d '\r' | head -1; }
        init=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p' "$log" | head -1)
        verdict=$(sed -n 's/^tlbshoot: \(PASS\|FAIL\).*/\1/p' "$log" | tr -d '\r' | head -1)
        printf '%-16s %4s %4s %8.2f %8s %11s %11s %11s %11s %s\n' "$emu" "$smp" "$rc" \
            "$(echo "$t1 - $t0" | bc)" "${init:--}" "$(us mprotect)" "$(us munmap)" \
            "$(us madvise)" "$(us mremap)" "${verdict:-none}"
    done
done
echo "logs: $logdir" >&2
