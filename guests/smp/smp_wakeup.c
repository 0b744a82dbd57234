/* smp_wakeup: what it costs to wake a hart sleeping in WFI with an IPI and to let it go back
 * to sleep. Hart 0 raises each other hart's CLINT MSIP in turn and waits until that hart has
 * cleared it and answered; the others sleep in WFI with MSIE set in mie and mstatus.MIE
 * clear, so WFI returns on the pending IPI without a trap (the wake-up path an idle kernel
 * takes, minus its trap handler). Checks that every IPI is answered exactly once, and prints
 * the mean round trip in mtime ticks (10 MHz on the virt board) for bench/wakeup.py, which
 * runs it on tlbstorm and on QEMU. */
#include <stdint.h>

#include "fdt_cpus.h"
#include "harness.h"

#define MAX_HARTS 64
#define ROUNDS 10000                   /* round trips per secondary */
#define CLINT_MSIP(h) ((volatile uint32_t *)(0x2000000UL + 4 * (h)))
#define CLINT_MTIME ((volatile uint64_t *)0x200bff8UL)
#define MIE_MSIE (1UL << 3)
#define MIP_MSIP (1UL << 3)

const char *harness_test_name = "smp_wakeup";

static volatile uint64_t answered[MAX_HARTS];  /* each secondary: IPIs it has answered */
static volatile uint64_t spurious[MAX_HARTS];  /* WFIs that returned with no IPI pending */
static volatile uint64_t stop;                  /* hart 0: the secondaries may leave */

static uint64_t read_mip(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, mip" : "=r"(v));
    return v;
}

static void secondary(uint64_t hart)
{
    __asm__ volatile("csrs mie, %0" ::"r"(MIE_MSIE));
    for (;;) {
        __asm__ volatile("wfi");
        if (!(read_mip() & MIP_MSIP)) {
            spurious[hart]++;            /* allowed: WFI may return at any time */
            continue;
        }
        /* Clear before answering: hart 0 raises the next IPI only after the answer, so it
         * can never be lost to this clear. */
        *CLINT_MSIP(hart) = 0;
        if (__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
            break;
        }
        __atomic_store_n(&answered[hart], answered[hart] + 1, __ATOMIC_RELEASE);
    }
    __asm__ volatile("csrc mie, %0" ::"r"(MIE_MSIE));
}

void smp_main(uint64_t hart, const uint8_t *dtb)
{
    unsigned n_harts = smp_harts_or_fail(hart, dtb, MAX_HARTS);
    if (n_harts == 0) {
        return;
    }
    if (hart != 0) {
        secondary(hart);
        return;
    }
    uint64_t start = *CLINT_MTIME;
    for (uint64_t r = 1; r <= ROUNDS; r++) {
        for (unsigned h = 1; h < n_harts; h++) {
            *CLINT_MSIP(h) = 1;
            while (__atomic_load_n(&answered[h], __ATOMIC_ACQUIRE) < r) {
            }
        }
    }
    uint64_t ticks = *CLINT_MTIME - start;
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (unsigned h = 1; h < n_harts; h++) {
        *CLINT_MSIP(h) = 1;
    }
    uint64_t trips = (uint64_t)ROUNDS * (n_harts - 1);
    int bad = 0;
    for (unsigned h = 1; h < n_harts; h++) {
        bad |= answered[h] != ROUNDS;
    }
    harness_puts("smp_wakeup: harts ");
    harness_put_dec(n_harts);
    harness_puts(", round trips ");
    harness_put_dec(trips);
    harness_puts(", mtime ticks ");
    harness_put_dec(ticks);
    if (trips) {
        harness_puts(", mean round trip ns ");
        harness_put_dec(ticks * 100 / trips);
    }
    harness_puts("\n");
    harness_exit(bad ? 2 : 0);
}
