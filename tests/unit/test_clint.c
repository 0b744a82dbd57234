/* CLINT: msip raises and lowers MSIP on the right hart and kicks it; mtime follows the host
 * clock at 10 MHz; mtimecmp raises MTIP at the deadline (through the vtimer thread) and a
 * later compare value lowers it at once; 32-bit halves of 64-bit registers. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"
#include "hw/devices.h"
#include "hw/machine.h"
#include "hw/vtimer.h"
#include "util/clock.h"

#define N_HARTS 3

static Machine m;

static void setup(void)
{
    memset(&m, 0, sizeof(m));
    m.n_cpus = N_HARTS;
    m.cpus = calloc(N_HARTS, sizeof(*m.cpus));
    for (unsigned i = 0; i < N_HARTS; i++) {
        m.cpus[i] = aligned_alloc(64, (sizeof(RISCVCPU) + 63) & ~(size_t)63);
        memset(m.cpus[i], 0, sizeof(RISCVCPU));
        cr_assert_eq(machine_cpu_init(&m, m.cpus[i], i), 0);
    }
    m.time_base_ns = clock_monotonic_ns();
    cr_assert_eq(vtimer_start(&m), 0);
}

static void teardown(void)
{
    vtimer_stop(&m);
    for (unsigned i = 0; i < N_HARTS; i++) {
        free(m.cpus[i]);
    }
    free(m.cpus);
}

TestSuite(clint, .init = setup, .fini = teardown);

static uint64_t mip(unsigned hart)
{
    return atomic_load(&m.cpus[hart]->mip);
}

static uint64_t rd(uint64_t off, unsigned size)
{
    return clint_ops.read(&m, off, size);
}

static void wr(uint64_t off, uint64_t v, unsigned size)
{
    clint_ops.write(&m, off, v, size);
}

static bool wait_for_bit(unsigned hart, uint64_t bit, int max_ms)
{
    for (int i = 0; i < max_ms; i++) {
        if (mip(hart) & bit) {
            return true;
        }
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    }
    return (mip(hart) & bit) != 0;
}

Test(clint, msip_sets_and_clears_msip_of_that_hart_only_and_kicks_it)
{
    wr(0x4 * 1, 1, 4);
    cr_assert(mip(1) & MIP_MSIP);
    cr_assert_eq(mip(0) & MIP_MSIP, 0);
    cr_assert_eq(mip(2) & MIP_MSIP, 0);
    cr_assert_lt(atomic_load(&m.cpus[1]->cs.icount_decr), 0, "the hart must be kicked");
    cr_assert_eq(rd(0x4 * 1, 4), 1);
    cr_assert_eq(rd(0x4 * 0, 4), 0);
    wr(0x4 * 1, 0, 4);
    cr_assert_eq(mip(1) & MIP_MSIP, 0);
    cr_assert_eq(rd(0x4 * 1, 4), 0);
}

Test(clint, mtime_counts_at_10_mhz)
{
    uint64_t t0 = rd(0xbff8, 8);
    nanosleep(&(struct timespec){ 0, 50 * 1000000 }, NULL);
    uint64_t t1 = rd(0xbff8, 8);
    /* 50 ms is 500,000 ticks; the sleep may overshoot but never undershoot */
    cr_assert_geq(t1 - t0, 500000);
    cr_assert_lt(t1 - t0, 500000 * 20, "mtime runs far too fast: %llu ticks",
                 (unsigned long long)(t1 - t0));
    uint64_t lo = rd(0xbff8, 4), hi = rd(0xbffc, 4);
    cr_assert_geq((hi << 32) | lo, t1);
}

Test(clint, mtimecmp_raises_mtip_at_the_deadline)
{
    uint64_t now = rd(0xbff8, 8);
    wr(0x4000 + 8 * 2, now + 100000, 8);          /* 10 ms */
    cr_assert_eq(rd(0x4000 + 8 * 2, 8), now + 100000);
    cr_assert_eq(mip(2) & MIP_MTIP, 0, "not before the deadline");
    cr_assert(wait_for_bit(2, MIP_MTIP, 2000), "MTIP did not rise within 2 s");
    cr_assert_geq(rd(0xbff8, 8), now + 100000);
    cr_assert_eq(mip(0) & MIP_MTIP, 0);
    wr(0x4000 + 8 * 2, ~0ULL, 8);
    cr_assert_eq(mip(2) & MIP_MTIP, 0, "a later compare value lowers MTIP at once");
}

Test(clint, mtimecmp_in_the_past_raises_mtip_at_once)
{
    wr(0x4000, 0, 8);
    cr_assert(mip(0) & MIP_MTIP);
}

Test(clint, mtimecmp_halves_are_written_separately)
{
    wr(0x4000 + 8, ~0ULL, 8);
    wr(0x4000 + 8, 0x12345678, 4);
    cr_assert_eq(rd(0x4000 + 8, 8), 0xffffffff12345678ULL);
    wr(0x4000 + 8 + 4, 0x9abcdef0, 4);
    cr_assert_eq(rd(0x4000 + 8, 8), 0x9abcdef012345678ULL);
    cr_assert_eq(rd(0x4000 + 8 + 4, 4), 0x9abcdef0);
}

Test(clint, registers_of_missing_harts_read_zero_and_ignore_writes)
{
    wr(0x4 * N_HARTS, 1, 4);
    cr_assert_eq(rd(0x4 * N_HARTS, 4), 0);
    wr(0x4000 + 8 * N_HARTS, 0, 8);
    cr_assert_eq(rd(0x4000 + 8 * N_HARTS, 8), 0);
}
