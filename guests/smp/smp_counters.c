/* smp_counters: every hart hammers two shared counters, one with amoadd.d and one with an
 * lr.d/sc.d retry loop, then meets the others at a barrier; hart 0 checks that no increment
 * was lost and reports PASS. The hart count comes from the device tree the board passes in
 * a1 (nodes under /cpus with device_type "cpu"), so the same binary runs with any -smp. */
#include <stdint.h>

#include "fdt_cpus.h"
#include "harness.h"

#define ITERATIONS 200000
#define MAX_HARTS 64

const char *harness_test_name = "smp_counters";

static volatile uint64_t amo_counter, lrsc_counter, arrived, print_lock;
static volatile uint64_t sc_failures[MAX_HARTS];

static void lock(void)
{
    while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE)) {
    }
}

static void unlock(void)
{
    __atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

static void lrsc_increment(uint64_t hart)
{
    uint64_t old, fail;
    do {
        __asm__ volatile("lr.d %0, (%2)\n\t"
                         "addi %0, %0, 1\n\t"
                         "sc.d %1, %0, (%2)"
                         : "=&r"(old), "=&r"(fail)
                         : "r"(&lrsc_counter)
                         : "memory");
        if (fail) {
            sc_failures[hart]++;
        }
    } while (fail);
}

void smp_main(uint64_t hart, const uint8_t *dtb)
{
    unsigned n_harts = smp_harts_or_fail(hart, dtb, MAX_HARTS);
    if (n_harts == 0) {
        return;
    }
    for (int i = 0; i < ITERATIONS; i++) {
        __atomic_fetch_add(&amo_counter, 1, __ATOMIC_RELAXED);
        lrsc_increment(hart);
    }
    lock();
    harness_puts("hart ");
    harness_put_dec(hart);
    harness_puts(": done, sc retries ");
    harness_put_dec(sc_failures[hart]);
    harness_puts("\n");
    unlock();
    __atomic_fetch_add(&arrived, 1, __ATOMIC_ACQ_REL);
    if (hart != 0) {
        return;
    }
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) != n_harts) {
    }
    uint64_t want = (uint64_t)n_harts * ITERATIONS;
    harness_puts("harts ");
    harness_put_dec(n_harts);
    harness_puts(", amoadd counter ");
    harness_put_dec(amo_counter);
    harness_puts(", lr/sc counter ");
    harness_put_dec(lrsc_counter);
    harness_puts(", expected ");
    harness_put_dec(want);
    harness_puts("\n");
    harness_exit(amo_counter == want && lrsc_counter == want ? 0 : 2);
}
