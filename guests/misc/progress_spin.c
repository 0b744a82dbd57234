/* progress_spin: keeps hart 0 busy for a fixed wall-clock time, so that a test can watch the
 * emulator's progress line (hw/progress.c) appear on a terminal and be erased before the
 * guest's next output. Prints "progress_spin: start" and a newline, spins until the CLINT's
 * mtime (10 MHz on the virt board, wall-clock time on tlbstorm) has advanced SPIN_TENTHS
 * tenths of a second, prints "progress_spin: done" and reports PASS.
 * With -DPARTIAL_LINE the start message has no newline, so the cursor stays in the middle of
 * a guest line and the emulator must not draw its line at all.
 * Runs unchanged on qemu-system-riscv64 -M virt -bios none. */
#include <stdint.h>

#include "harness.h"

#ifndef SPIN_TENTHS
#define SPIN_TENTHS 35
#endif

#define CLINT_MTIME ((volatile uint64_t *)0x200bff8)
#define MTIME_HZ 10000000ULL

const char *harness_test_name = "progress_spin";
static volatile uint64_t sink;

int main(void)
{
#ifdef PARTIAL_LINE
    harness_puts("progress_spin: start (no newline) ...");
#else
    harness_puts("progress_spin: start\n");
#endif
    uint64_t end = *CLINT_MTIME + SPIN_TENTHS * (MTIME_HZ / 10);
    uint64_t spins = 0;
    while (*CLINT_MTIME < end) {
        /* Some register work between the MMIO reads, so the MIPS figure means something. */
        for (unsigned i = 0; i < 1000; i++) {
            spins = spins * 6364136223846793005ULL + 1442695040888963407ULL;
        }
    }
#ifdef PARTIAL_LINE
    harness_puts(" done\n");
#else
    harness_puts("progress_spin: done\n");
#endif
    sink = spins;
    return 0;
}
