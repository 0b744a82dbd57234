/* smp_wfi_poll: secondaries wait in WFI loops while a machine-software interrupt is pending
 * and enabled in mie but masked by mstatus.MIE, so every WFI returns at once and the loop
 * polls memory, as OpenSBI 1.1's HSM wait does on a stopped hart (its coldboot IPI stays
 * pending). Hart 0 works meanwhile, then releases them; several rounds. Checks that such a
 * WFI never sleeps (a secondary that slept would miss its release: the run times out), that
 * no interrupt is taken, and that the working hart still progresses when polling harts
 * outnumber host cores (tlbstorm yields the host core at a WFI that returns at once). */
#include <stdint.h>

#include "fdt_cpus.h"
#include "harness.h"

#define MAX_HARTS 64
#define ROUNDS 5
#define WORK 200000                    /* hart 0's increments per round */
#define CLINT_MSIP(h) ((volatile uint32_t *)(0x2000000UL + 4 * (h)))
#define MIE_MSIE (1UL << 3)

const char *harness_test_name = "smp_wfi_poll";

static volatile uint64_t release_round;          /* hart 0: the round the others may leave */
static volatile uint64_t done_round[MAX_HARTS];  /* each secondary: the last round it left */
static volatile uint64_t polls[MAX_HARTS];       /* WFIs that returned with nothing released */
static volatile uint64_t work_counter;

static void wait_round(uint64_t hart, uint64_t round)
{
    __asm__ volatile("csrs mie, %0" ::"r"(MIE_MSIE));
    while (__atomic_load_n(&release_round, __ATOMIC_ACQUIRE) < round) {
        __asm__ volatile("wfi");
        polls[hart]++;
    }
    __asm__ volatile("csrc mie, %0" ::"r"(MIE_MSIE));
    __atomic_store_n(&done_round[hart], round, __ATOMIC_RELEASE);
}

void smp_main(uint64_t hart, const uint8_t *dtb)
{
    unsigned n_harts = smp_harts_or_fail(hart, dtb, MAX_HARTS);
    if (n_harts == 0) {
        return;
    }
    if (hart != 0) {
        for (uint64_t r = 1; r <= ROUNDS; r++) {
            wait_round(hart, r);
        }
        return;
    }
    for (uint64_t r = 1; r <= ROUNDS; r++) {
        for (unsigned h = 1; h < n_harts; h++) {
            *CLINT_MSIP(h) = 1;              /* pending, enabled in mie, masked by MIE = 0 */
        }
        for (int i = 0; i < WORK; i++) {
            __atomic_fetch_add(&work_counter, 1, __ATOMIC_RELAXED);
        }
        __atomic_store_n(&release_round, r, __ATOMIC_RELEASE);
        for (unsigned h = 1; h < n_harts; h++) {
            while (__atomic_load_n(&done_round[h], __ATOMIC_ACQUIRE) < r) {
            }
            *CLINT_MSIP(h) = 0;
        }
    }
    uint64_t min_polls = ~0ULL;
    for (unsigned h = 1; h < n_harts; h++) {
        min_polls = polls[h] < min_polls ? polls[h] : min_polls;
    }
    harness_puts("harts ");
    harness_put_dec(n_harts);
    harness_puts(", rounds ");
    harness_put_dec(ROUNDS);
    harness_puts(", work ");
    harness_put_dec(work_counter);
    if (n_harts > 1) {
        harness_puts(", fewest polls by a secondary ");
        harness_put_dec(min_polls);
    }
    harness_puts("\n");
    /* Each secondary polled at least once per round: its WFIs returned without a release. */
    harness_exit(work_counter == (uint64_t)ROUNDS * WORK &&
                 (n_harts == 1 || min_polls >= ROUNDS) ? 0 : 2);
}
