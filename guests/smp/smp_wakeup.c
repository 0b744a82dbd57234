/* smp_wakeup: what it costs to wake a hart sleeping in WFI and to let it go back to sleep,
 * first with an IPI, then with a device interrupt through the PLIC. The other harts sleep in
 * WFI with MSIE and MEIE set in mie and mstatus.MIE clear, so WFI returns on a pending
 * interrupt without a trap (the wake-up path an idle kernel takes, minus its trap handler).
 *  - IPI: hart 0 raises each other hart's CLINT MSIP in turn and waits until that hart has
 *    cleared it and answered.
 *  - Device: hart 0 enables the UART's source in the PLIC for one hart's M-mode context and
 *    sets the UART's THR-empty interrupt enable (the THR is always empty, so the line rises);
 *    that hart claims the source, clears the enable (the line falls), completes the claim and
 *    answers. The UART is the one device both emulators can raise an interrupt with and
 *    nothing else (no I/O), so the round trip is the interrupt path itself: MMIO to the
 *    device, the PLIC, waking the hart, the claim and completion.
 * Checks that every interrupt is answered exactly once, and prints each mean round trip in
 * mtime ticks (10 MHz on the virt board) for bench/wakeup.py, which runs it on tlbstorm and
 * on QEMU. */
#include <stdint.h>

#include "fdt_cpus.h"
#include "harness.h"

#define MAX_HARTS 64
#define ROUNDS 10000                   /* round trips per secondary */
#define CLINT_MSIP(h) ((volatile uint32_t *)(0x2000000UL + 4 * (h)))
#define CLINT_MTIME ((volatile uint64_t *)0x200bff8UL)
#define MIE_MSIE (1UL << 3)
#define MIP_MSIP (1UL << 3)
#define MIE_MEIE (1UL << 11)
#define MIP_MEIP (1UL << 11)
#define UART_IER ((volatile uint8_t *)0x10000001UL)
#define UART_IER_ETBEI 0x02
#define UART_IRQ 10                    /* the UART's PLIC source on the virt board */
#define PLIC_BASE 0x0c000000UL
#define PLIC_PRIORITY(src) ((volatile uint32_t *)(PLIC_BASE + 4 * (src)))
/* Contexts: two per hart, M-mode first. */
#define PLIC_CTX_M(h) (2 * (h))
#define PLIC_ENABLE(ctx) ((volatile uint32_t *)(PLIC_BASE + 0x2000 + 0x80 * (ctx)))
#define PLIC_THRESHOLD(ctx) ((volatile uint32_t *)(PLIC_BASE + 0x200000 + 0x1000 * (ctx)))
#define PLIC_CLAIM(ctx) ((volatile uint32_t *)(PLIC_BASE + 0x200004 + 0x1000 * (ctx)))

const char *harness_test_name = "smp_wakeup";

static volatile uint64_t answered[MAX_HARTS];  /* each secondary: IPIs it has answered */
static volatile uint64_t answered_dev[MAX_HARTS];  /* ... and device interrupts */
static volatile uint64_t bad_claims[MAX_HARTS];    /* claims that returned another source */
static volatile uint64_t spurious[MAX_HARTS];  /* WFIs that returned with nothing pending */
static volatile uint64_t stop;                  /* hart 0: the secondaries may leave */

static uint64_t read_mip(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, mip" : "=r"(v));
    return v;
}

/* The device interrupt has woken this hart: take it and lower the line. */
static void answer_device(uint64_t hart)
{
    uint32_t src = *PLIC_CLAIM(PLIC_CTX_M(hart));
    if (src == 0) {
        spurious[hart]++;                /* another context may claim first: allowed */
        return;
    }
    if (src != UART_IRQ) {
        bad_claims[hart]++;
    }
    /* Lower the line before completing, or the PLIC would raise it again. */
    *UART_IER = 0;
    *PLIC_CLAIM(PLIC_CTX_M(hart)) = src;
    __atomic_store_n(&answered_dev[hart], answered_dev[hart] + 1, __ATOMIC_RELEASE);
}

static void secondary(uint64_t hart)
{
    __asm__ volatile("csrs mie, %0" ::"r"(MIE_MSIE | MIE_MEIE));
    for (;;) {
        __asm__ volatile("wfi");
        uint64_t mip = read_mip();
        if (mip & MIP_MEIP) {
            answer_device(hart);
            continue;
        }
        if (!(mip & MIP_MSIP)) {
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
    __asm__ volatile("csrc mie, %0" ::"r"(MIE_MSIE | MIE_MEIE));
}

static void print_result(const char *kind, unsigned n_harts, uint64_t trips, uint64_t ticks)
{
    harness_puts(kind);
    harness_puts("harts ");
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
}

/* Hart 0: ROUNDS device interrupts to each secondary in turn; the mtime ticks it took. */
static uint64_t device_rounds(unsigned n_harts)
{
    *PLIC_PRIORITY(UART_IRQ) = 1;
    for (unsigned h = 1; h < n_harts; h++) {
        *PLIC_THRESHOLD(PLIC_CTX_M(h)) = 0;
    }
    uint64_t start = *CLINT_MTIME;
    for (uint64_t r = 1; r <= ROUNDS; r++) {
        for (unsigned h = 1; h < n_harts; h++) {
            *PLIC_ENABLE(PLIC_CTX_M(h)) = 1u << UART_IRQ;
            *UART_IER = UART_IER_ETBEI;
            while (__atomic_load_n(&answered_dev[h], __ATOMIC_ACQUIRE) < r) {
            }
            *PLIC_ENABLE(PLIC_CTX_M(h)) = 0;
        }
    }
    uint64_t ticks = *CLINT_MTIME - start;
    *PLIC_PRIORITY(UART_IRQ) = 0;
    return ticks;
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
    uint64_t dev_ticks = device_rounds(n_harts);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (unsigned h = 1; h < n_harts; h++) {
        *CLINT_MSIP(h) = 1;
    }
    uint64_t trips = (uint64_t)ROUNDS * (n_harts - 1);
    int bad = 0;
    for (unsigned h = 1; h < n_harts; h++) {
        bad |= answered[h] != ROUNDS || answered_dev[h] != ROUNDS || bad_claims[h] != 0;
    }
    print_result("smp_wakeup: ", n_harts, trips, ticks);
    print_result("smp_wakeup: device interrupts, ", n_harts, trips, dev_ticks);
    harness_exit(bad ? 2 : 0);
}
