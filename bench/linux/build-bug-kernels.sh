#!/bin/sh
# Linux kernels with one injected TLB bug each, for --tlb-check (docs/tlb-check.md): the
# kernel of build-kernel.sh with one source line changed, rebuilt incrementally in a copy of
# its build directory (a minute or two each once the base kernel is built). Prints one line
# per variant: NAME IMAGE SYSTEM_MAP. Not part of CI.
#
#   remote-as-local   arch/riscv/mm/tlbflush.c: __sbi_tlb_flush_range never sends the flush
#                     to other harts (the local fence only), whatever mm_cpumask says
#   mprotect-noflush  mm/mprotect.c: change_pte_range no longer adds the changed page to the
#                     mmu_gather's range, so mprotect's tlb_finish_mmu fences nothing
#   munmap-noflush    mm/memory.c: zap_pte_range no longer adds the cleared page to the
#                     mmu_gather's range, so munmap and MADV_DONTNEED fence nothing for it
#
# Environment: TLBSTORM_LINUX_CACHE (default ~/.cache/tlbstorm-linux), BUGS (default all),
# JOBS (make -j, default the host's CPUs).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${TLBSTORM_LINUX_CACHE:-$HOME/.cache/tlbstorm-linux}
jobs=${JOBS:-$(nproc)}
src=$cache/linux-source-6.1

log() { echo "build-bug-kernels: $*" >&2; }

"$here/build-kernel.sh" >/dev/null

restore=""
cleanup() {
    # The shared source goes back exactly as it was (content and mtime), so the base build
    # sees no change.
    if [ -n "$restore" ]; then
        cp -p "$restore.orig" "$restore"
        rm -f "$restore.orig"
        restore=""
    fi
}
trap cleanup EXIT INT TERM

for bug in ${BUGS:-remote-as-local mprotect-noflush munmap-noflush}; do
    case $bug in
        remote-as-local)
            file=arch/riscv/mm/tlbflush.c
            from='broadcast = cpumask_any_but(cmask, cpuid) < nr_cpu_ids;'
            to='broadcast = false; /* tlbstorm injected bug: remote-as-local */' ;;
        mprotect-noflush)
            file=mm/mprotect.c
            from='tlb_flush_pte_range(tlb, addr, PAGE_SIZE);'
            to='/* tlbstorm injected bug: mprotect-noflush */' ;;
        munmap-noflush)
            file=mm/memory.c
            from='tlb_remove_tlb_entry(tlb, pte, addr);'
            to='/* tlbstorm injected bug: munmap-noflush */' ;;
        *)
            log "unknown bug '$bug' (remote-as-local, mprotect-noflush, munmap-noflush)"
            exit 2 ;;
    esac
    out=$cache/bug-$bug
    stamp=$out/.tlbstorm-bug.sha256
    want=$( (cat "$0"; cat "$cache/build/.tlbstorm-config.sha256") | sha256sum | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$out/arch/riscv/boot/Image" ]; then
        echo "$bug $out/arch/riscv/boot/Image $out/System.map"
        continue
    fi
    if [ "$(grep -cF "$from" "$src/$file")" != 1 ]; then
        log "$file: the line to change is not there exactly once"
        exit 1
    fi
    rm -rf "$out"
    cp -a "$cache/build" "$out"
    cp -p "$src/$file" "$src/$file.orig"
    restore=$src/$file
    # awk, not sed: the lines hold characters sed would take as syntax.
    awk -v from="$from" -v to="$to" '{ i = index($0, from); if (i) $0 = substr($0, 1, i - 1) to substr($0, i + length(from)); print }' \
        "$src/$file.orig" > "$src/$file"
    log "building $bug"
    make -C "$src" O="$out" ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- -j"$jobs" Image >&2
    cleanup
    echo "$want" > "$stamp"
    echo "$bug $out/arch/riscv/boot/Image $out/System.map"
done
