/* Criterion tests for the remap-test device (hw/remap_test.c): its registers, the regions it
 * contributes in each layout, and the mover thread's GEN protocol (odd while a republish is
 * under way, even once it returned; layouts in order; a failed republish keeps the layout). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#include "hw/remap_test.h"

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (16ULL << 20)

static RemapTest *dev;

static void teardown(void)
{
    remap_test_free(dev);
    dev = NULL;
}

TestSuite(remap_test, .fini = teardown);

/* The control page's region and its ops, as the board would map them. */
static const MemRegion *control(MemRegion r[2])
{
    cr_assert_geq(remap_test_regions(dev, r), 1);
    cr_assert_eq(r[0].base, REMAP_TEST_BASE);
    return &r[0];
}

static uint64_t reg_read(uint64_t off, unsigned size)
{
    MemRegion r[2];
    const MemRegion *c = control(r);
    return c->ops->read(c->opaque, off, size);
}

static void reg_write(uint64_t off, uint64_t v, unsigned size)
{
    MemRegion r[2];
    const MemRegion *c = control(r);
    c->ops->write(c->opaque, off, v, size);
}

Test(remap_test, registers_identify_the_device_and_validate_the_overlay)
{
    dev = remap_test_new(RAM_BASE, RAM_SIZE, 1000000);
    cr_assert_not_null(dev);
    cr_assert_eq(reg_read(REMAP_TEST_REG_MAGIC, 4), REMAP_TEST_MAGIC);
    cr_assert_eq(reg_read(REMAP_TEST_REG_GEN, 8), 0);
    cr_assert_eq(reg_read(REMAP_TEST_REG_WINDOW_A, 8), REMAP_TEST_WINDOW_A);
    cr_assert_eq(reg_read(REMAP_TEST_REG_WINDOW_B, 8), REMAP_TEST_WINDOW_B);
    cr_assert_eq(reg_read(REMAP_TEST_REG_WINDOW_B + 4, 4), REMAP_TEST_WINDOW_B >> 32);

    reg_write(REMAP_TEST_REG_OVERLAY, RAM_BASE + 0x5000, 8);
    cr_assert_eq(reg_read(REMAP_TEST_REG_OVERLAY, 8), RAM_BASE + 0x5000);
    reg_write(REMAP_TEST_REG_OVERLAY, RAM_BASE + 0x5008, 8);       /* not a page */
    cr_assert_eq(reg_read(REMAP_TEST_REG_OVERLAY, 8), 0);
    reg_write(REMAP_TEST_REG_OVERLAY, RAM_BASE + RAM_SIZE, 8);     /* past RAM */
    cr_assert_eq(reg_read(REMAP_TEST_REG_OVERLAY, 8), 0);
    reg_write(REMAP_TEST_REG_OVERLAY, RAM_BASE - 0x1000, 8);       /* below RAM */
    cr_assert_eq(reg_read(REMAP_TEST_REG_OVERLAY, 8), 0);
    reg_write(REMAP_TEST_REG_OVERLAY, RAM_BASE + RAM_SIZE - 0x1000, 8);
    cr_assert_eq(reg_read(REMAP_TEST_REG_OVERLAY, 8), RAM_BASE + RAM_SIZE - 0x1000);
    reg_write(REMAP_TEST_REG_OVERLAY, RAM_BASE, 4);                /* only 8-byte writes */
    cr_assert_eq(reg_read(REMAP_TEST_REG_OVERLAY, 8), RAM_BASE + RAM_SIZE - 0x1000);
    reg_write(REMAP_TEST_REG_GEN, 6, 8);                           /* read-only */
    cr_assert_eq(reg_read(REMAP_TEST_REG_GEN, 8), 0);
    remap_test_reset(dev);
    cr_assert_eq(reg_read(REMAP_TEST_REG_OVERLAY, 8), 0);
}

Test(remap_test, starts_with_the_window_at_a_reading_the_window_word)
{
    dev = remap_test_new(RAM_BASE, RAM_SIZE, 1000000);
    MemRegion r[2];
    cr_assert_eq(remap_test_regions(dev, r), 2);
    cr_assert_eq(r[1].base, REMAP_TEST_WINDOW_A);
    cr_assert_eq(r[1].size, REMAP_TEST_SIZE);
    cr_assert_null(r[1].host);
    cr_assert_eq(r[1].ops->read(r[1].opaque, 0x128, 8), REMAP_TEST_WINDOW_WORD);
    cr_assert_eq(r[1].ops->read(r[1].opaque, 0x12c, 4), REMAP_TEST_WINDOW_WORD >> 32);
    cr_assert_eq(r[1].ops->read(r[1].opaque, 0x129, 1), (REMAP_TEST_WINDOW_WORD >> 8) & 0xff);
    r[1].ops->write(r[1].opaque, 0, 0, 8);                         /* ignored */
    cr_assert_eq(r[1].ops->read(r[1].opaque, 0, 8), REMAP_TEST_WINDOW_WORD);
}

/* What the mover's republish callback saw, call by call. */
#define MAX_CALLS 64
static struct {
    _Atomic unsigned calls;
    unsigned fail_at;
    uint64_t gen[MAX_CALLS];
    unsigned n_regions[MAX_CALLS];
    uint64_t window[MAX_CALLS];
    int priority[MAX_CALLS];
} seen;

static int record_republish(void *opaque)
{
    (void)opaque;
    unsigned i = atomic_load(&seen.calls);
    if (i >= MAX_CALLS) {
        return 0;
    }
    MemRegion r[2];
    seen.gen[i] = reg_read(REMAP_TEST_REG_GEN, 8);
    seen.n_regions[i] = remap_test_regions(dev, r);
    seen.window[i] = seen.n_regions[i] == 2 ? r[1].base : 0;
    seen.priority[i] = seen.n_regions[i] == 2 ? r[1].priority : -1;
    atomic_store(&seen.calls, i + 1);
    return seen.fail_at && i + 1 == seen.fail_at ? -ENOMEM : 0;
}

static void wait_calls(unsigned n)
{
    for (int ms = 0; atomic_load(&seen.calls) < n; ms++) {
        cr_assert_lt(ms, 10000, "mover made %u republish calls in 10 s", atomic_load(&seen.calls));
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    }
}

Test(remap_test, mover_cycles_layouts_with_gen_odd_during_each_republish)
{
    memset(&seen, 0, sizeof(seen));
    dev = remap_test_new(RAM_BASE, RAM_SIZE, 20000);
    reg_write(REMAP_TEST_REG_OVERLAY, RAM_BASE + 0x7000, 8);
    cr_assert_eq(remap_test_start(dev, record_republish, NULL), 0);
    wait_calls(9);
    remap_test_stop(dev);
    unsigned n = atomic_load(&seen.calls);
    uint64_t gen = reg_read(REMAP_TEST_REG_GEN, 8);
    cr_assert_eq(gen, 2ULL * n, "GEN %lu after %u changes", (unsigned long)gen, n);
    cr_assert_eq(remap_test_changes(dev), n);
    static const uint64_t at[REMAP_TEST_LAYOUTS] = {
        [REMAP_TEST_LAYOUT_A] = REMAP_TEST_WINDOW_A, [REMAP_TEST_LAYOUT_NONE] = 0,
        [REMAP_TEST_LAYOUT_B] = REMAP_TEST_WINDOW_B,
        [REMAP_TEST_LAYOUT_OVERLAY] = RAM_BASE + 0x7000,
    };
    for (unsigned i = 0; i < n; i++) {
        cr_assert_eq(seen.gen[i], 2ULL * i + 1, "call %u: GEN %lu", i,
                     (unsigned long)seen.gen[i]);
        unsigned layout = (unsigned)((seen.gen[i] + 1) / 2) % REMAP_TEST_LAYOUTS;
        cr_assert_eq(seen.window[i], at[layout], "call %u: window at 0x%lx", i,
                     (unsigned long)seen.window[i]);
        cr_assert_eq(seen.n_regions[i], at[layout] ? 2 : 1);
        if (at[layout]) {
            cr_assert_eq(seen.priority[i], 1, "the window must win over RAM");
        }
    }
    /* Stopped: no more calls. */
    nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
    cr_assert_eq(atomic_load(&seen.calls), n);
}

Test(remap_test, failed_republish_keeps_the_layout_and_stops_the_mover)
{
    memset(&seen, 0, sizeof(seen));
    seen.fail_at = 2;
    dev = remap_test_new(RAM_BASE, RAM_SIZE, 20000);
    cr_assert_eq(remap_test_start(dev, record_republish, NULL), 0);
    wait_calls(2);
    nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
    cr_assert_eq(atomic_load(&seen.calls), 2, "the mover went on after a failed republish");
    cr_assert_eq(reg_read(REMAP_TEST_REG_GEN, 8), 4);
    /* Layout none (after the first change) stays: no window. */
    MemRegion r[2];
    cr_assert_eq(remap_test_regions(dev, r), 1);
    remap_test_stop(dev);
}

Test(remap_test, stop_without_start_and_free_of_null_are_harmless)
{
    dev = remap_test_new(RAM_BASE, RAM_SIZE, 1000000);
    remap_test_stop(dev);
    remap_test_free(NULL);
}
