#include "hw/remap_test.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "util/thread.h"

/* GEN protocol (the guest's side is in hw/remap_test_regs.h):
 *   mover:  gen = 2k + 1 (seq_cst); layout = next; republish(); gen = 2k + 2 (seq_cst)
 *   guest:  g1 = GEN; access the window and the overlay page; g2 = GEN
 * Invariant: if g1 == g2 and g1 is even, every access between them went through map g1 / 2:
 * the map was published and every vCPU had dropped its older translations (republish
 * returns only then) before GEN became g1, and the next change makes GEN odd before it
 * touches the layout or the map. seq_cst on both GEN stores and on the register load keeps
 * them in one order with the map pointer exchange (rcu_xchg_pointer is a full barrier) and
 * with the guest's OVERLAY store. */
struct RemapTest {
    uint64_t ram_base, ram_size;
    int64_t period_ns;
    _Atomic uint64_t gen;
    _Atomic uint64_t overlay;          /* page-aligned RAM address or 0; guest-written */
    _Atomic unsigned layout;           /* mover-written, read by the publisher */

    pthread_t thread;
    bool started;                      /* main thread only */
    pthread_mutex_t lock;              /* guards stop and the sleep */
    pthread_cond_t wake;
    bool stop;
    int (*republish)(void *opaque);
    void *opaque;
};

static uint64_t control_read(void *opaque, uint64_t offset, unsigned size)
{
    RemapTest *t = opaque;
    uint64_t v;
    switch (offset & ~7ULL) {
    case REMAP_TEST_REG_MAGIC: v = REMAP_TEST_MAGIC; break;
    case REMAP_TEST_REG_GEN: v = atomic_load(&t->gen); break;
    case REMAP_TEST_REG_OVERLAY: v = atomic_load(&t->overlay); break;
    case REMAP_TEST_REG_WINDOW_A: v = REMAP_TEST_WINDOW_A; break;
    case REMAP_TEST_REG_WINDOW_B: v = REMAP_TEST_WINDOW_B; break;
    default: v = 0; break;
    }
    v >>= 8 * (offset & 7);
    return size == 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

static void control_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    RemapTest *t = opaque;
    if (offset != REMAP_TEST_REG_OVERLAY || size != 8) {
        return;
    }
    /* Only a whole RAM page can be hidden; anything else turns the overlay off. */
    bool in_ram = value >= t->ram_base && value - t->ram_base < t->ram_size;
    atomic_store(&t->overlay, in_ram && (value & (REMAP_TEST_SIZE - 1)) == 0 ? value : 0);
}

static const MMIOOps control_ops = { control_read, control_write };

static uint64_t window_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    uint64_t v = REMAP_TEST_WINDOW_WORD >> (8 * (offset & 7));
    return size == 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

static void window_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)value;
    (void)size;
}

static const MMIOOps window_ops = { window_read, window_write };

RemapTest *remap_test_new(uint64_t ram_base, uint64_t ram_size, int64_t period_ns)
{
    RemapTest *t = calloc(1, sizeof(*t));
    if (!t) {
        return NULL;
    }
    t->ram_base = ram_base;
    t->ram_size = ram_size;
    t->period_ns = period_ns;
    atomic_init(&t->gen, 0);
    atomic_init(&t->overlay, 0);
    atomic_init(&t->layout, REMAP_TEST_LAYOUT_A);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&t->lock, NULL);
    return t;
}

void remap_test_free(RemapTest *t)
{
    if (!t) {
        return;
    }
    remap_test_stop(t);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

unsigned remap_test_regions(RemapTest *t, MemRegion out[2])
{
    out[0] = (MemRegion){ .name = "remap-test", .base = REMAP_TEST_BASE,
                          .size = REMAP_TEST_SIZE, .ops = &control_ops, .opaque = t };
    uint64_t at = 0;
    switch (atomic_load_explicit(&t->layout, memory_order_relaxed)) {
    case REMAP_TEST_LAYOUT_A: at = REMAP_TEST_WINDOW_A; break;
    case REMAP_TEST_LAYOUT_B: at = REMAP_TEST_WINDOW_B; break;
    case REMAP_TEST_LAYOUT_OVERLAY: at = atomic_load(&t->overlay); break;
    default: break;
    }
    if (!at) {
        return 1;
    }
    /* Priority 1: over RAM, the window wins (pages under it stop being plain RAM). */
    out[1] = (MemRegion){ .name = "remap-test.window", .base = at, .size = REMAP_TEST_SIZE,
                          .ops = &window_ops, .opaque = t, .priority = 1 };
    return 2;
}

void remap_test_reset(RemapTest *t)
{
    atomic_store(&t->overlay, 0);
}

uint64_t remap_test_changes(const RemapTest *t)
{
    return atomic_load_explicit(&t->gen, memory_order_relaxed) / 2;
}

/* Sleeps one period; false once asked to stop. */
static bool sleep_period(RemapTest *t)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    int64_t ns = until.tv_nsec + t->period_ns % 1000000000LL;
    until.tv_sec += (time_t)(t->period_ns / 1000000000LL + ns / 1000000000LL);
    until.tv_nsec = (long)(ns % 1000000000LL);
    pthread_mutex_lock(&t->lock);
    while (!t->stop && pthread_cond_timedwait(&t->wake, &t->lock, &until) != ETIMEDOUT) {
    }
    bool go_on = !t->stop;
    pthread_mutex_unlock(&t->lock);
    return go_on;
}

static void *mover(void *arg)
{
    RemapTest *t = arg;
    while (sleep_period(t)) {
        atomic_fetch_add(&t->gen, 1);                  /* odd: a change is under way */
        unsigned was = atomic_load_explicit(&t->layout, memory_order_relaxed);
        atomic_store_explicit(&t->layout, (was + 1) % REMAP_TEST_LAYOUTS, memory_order_relaxed);
        int rc = t->republish(t->opaque);
        if (rc != 0) {
            /* The old map stays: so must the layout GEN will announce. */
            atomic_store_explicit(&t->layout, was, memory_order_relaxed);
        }
        atomic_fetch_add(&t->gen, 1);                  /* even: published and flushed */
        if (rc != 0) {
            break;
        }
    }
    return NULL;
}

int remap_test_start(RemapTest *t, int (*republish)(void *opaque), void *opaque)
{
    t->republish = republish;
    t->opaque = opaque;
    t->stop = false;
    int rc = thread_create_without_signals(&t->thread, mover, t);
    if (rc) {
        return -rc;
    }
    t->started = true;
    return 0;
}

void remap_test_stop(RemapTest *t)
{
    if (!t->started) {
        return;
    }
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    t->started = false;
}
