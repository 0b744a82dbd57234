/* Criterion tests for hw/plic: register layout and WARL fields, claim order and gating, the
 * in-service/re-pend rules, per-context isolation, exact output edges, and two multithreaded
 * stress tests: 4 device threads and 2 claiming contexts checking that no interrupt is lost or
 * claimed twice, and 4 threads changing lines and thresholds at once checking that the
 * outputs settle on the final state. Each test runs in its own process; the stress test's threads report through
 * atomics and only the test's main thread asserts. No locks besides the PLIC's own. */
#include <criterion/criterion.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hw/plic.h"

/* ---- recording outputs: one per context, an event log for exact sequences ------------ */

#define MAX_CTX (2 * PLIC_MAX_HARTS)
#define LOG_CAP 4096

typedef struct Rec {
    _Atomic bool level;         /* last level the PLIC gave this line */
    _Atomic unsigned calls;     /* every call */
    _Atomic unsigned redundant; /* calls that did not change the level */
} Rec;

typedef struct Event {
    unsigned ctx;
    bool level;
} Event;

static Rec rec[MAX_CTX];
static atomic_bool slow_outputs;    /* line calls yield the host CPU: longer output passes */
static Event event_log[LOG_CAP];
static atomic_uint n_events;        /* may exceed LOG_CAP in the stress test; extra dropped */
static IRQLine outputs[MAX_CTX];
static PLICState *plic;
static unsigned n_ctx;

static void rec_set(void *opaque, unsigned n, bool level)
{
    Rec *r = &((Rec *)opaque)[n];
    bool old = atomic_exchange_explicit(&r->level, level, memory_order_acq_rel);
    if (old == level) {
        atomic_fetch_add_explicit(&r->redundant, 1, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&r->calls, 1, memory_order_relaxed);
    unsigned i = atomic_fetch_add_explicit(&n_events, 1, memory_order_relaxed);
    if (i < LOG_CAP) {
        event_log[i] = (Event){ n, level };
    }
    if (atomic_load_explicit(&slow_outputs, memory_order_relaxed)) {
        sched_yield();
    }
}

static void make_plic(unsigned n_harts)
{
    memset(rec, 0, sizeof(rec));
    atomic_store(&n_events, 0);
    n_ctx = 2 * n_harts;
    for (unsigned c = 0; c < n_ctx; c++) {
        outputs[c] = (IRQLine){ .set = rec_set, .opaque = rec, .n = c };
    }
    plic = plic_new(n_harts, outputs);
    cr_assert_not_null(plic);
}

static void setup(void)
{
    make_plic(4);
}

static void teardown(void)
{
    plic_free(plic);
    plic = NULL;
}

TestSuite(plic, .init = setup, .fini = teardown);

/* ---- register helpers ------------------------------------------------------------------ */

static uint32_t rd(uint64_t off)
{
    return (uint32_t)plic_ops.read(plic, off, 4);
}

static void wr(uint64_t off, uint32_t v)
{
    plic_ops.write(plic, off, v, 4);
}

static uint64_t prio_off(unsigned src) { return PLIC_PRIORITY_BASE + 4ULL * src; }
static uint64_t pend_off(unsigned word) { return PLIC_PENDING_BASE + 4ULL * word; }
static uint64_t en_off(unsigned ctx, unsigned word)
{
    return PLIC_ENABLE_BASE + (uint64_t)PLIC_ENABLE_STRIDE * ctx + 4ULL * word;
}
static uint64_t thr_off(unsigned ctx)
{
    return PLIC_CONTEXT_BASE + (uint64_t)PLIC_CONTEXT_STRIDE * ctx + PLIC_CONTEXT_THRESHOLD;
}
static uint64_t claim_off(unsigned ctx)
{
    return PLIC_CONTEXT_BASE + (uint64_t)PLIC_CONTEXT_STRIDE * ctx + PLIC_CONTEXT_CLAIM;
}

static uint32_t claim(unsigned ctx) { return rd(claim_off(ctx)); }
static void complete(unsigned ctx, unsigned src) { wr(claim_off(ctx), src); }

static void enable(unsigned ctx, unsigned src)
{
    wr(en_off(ctx, src / 32), rd(en_off(ctx, src / 32)) | (1u << (src % 32)));
}

static void disable(unsigned ctx, unsigned src)
{
    wr(en_off(ctx, src / 32), rd(en_off(ctx, src / 32)) & ~(1u << (src % 32)));
}

static bool pending(unsigned src)
{
    return (rd(pend_off(src / 32)) >> (src % 32)) & 1;
}

static bool out(unsigned ctx)
{
    return atomic_load(&rec[ctx].level);
}

/* Every output's recorded level equals bit c of `mask`, and no call was redundant. */
static void expect_outputs(uint64_t mask)
{
    for (unsigned c = 0; c < n_ctx && c < 64; c++) {
        cr_assert_eq(out(c), (bool)((mask >> c) & 1), "context %u output is %d", c, out(c));
        cr_assert_eq(atomic_load(&rec[c].redundant), 0, "context %u got a redundant call", c);
    }
}

static void expect_events(const Event *want, unsigned n)
{
    unsigned got = atomic_load(&n_events);
    cr_assert_eq(got, n, "expected %u output events, got %u", n, got);
    for (unsigned i = 0; i < n; i++) {
        cr_assert_eq(event_log[i].ctx, want[i].ctx, "event %u: ctx %u, want %u", i,
                     event_log[i].ctx, want[i].ctx);
        cr_assert_eq(event_log[i].level, want[i].level, "event %u: level %d, want %d", i,
                     event_log[i].level, want[i].level);
    }
}

/* ---- creation -------------------------------------------------------------------------- */

Test(plic, new_rejects_bad_hart_counts)
{
    cr_assert_null(plic_new(0, NULL));
    cr_assert_null(plic_new(PLIC_MAX_HARTS + 1, NULL));
    cr_assert_null(plic_new(UINT_MAX, NULL));
    PLICState *p = plic_new(1, NULL);          /* unconnected outputs are allowed */
    cr_assert_not_null(p);
    plic_ops.write(p, prio_off(1), 1, 4);
    plic_ops.write(p, en_off(0, 0), 2, 4);
    plic_set_irq(p, 1, true);
    cr_assert_eq(plic_ops.read(p, claim_off(0), 4), 1);
    plic_free(p);
    plic_free(NULL);
}

Test(plic, constants)
{
    cr_assert_eq(PLIC_REGION_SIZE, 0x600000ULL);
    cr_assert_eq(PLIC_NUM_SOURCES, 96);
}

Test(plic, registers_start_at_zero)
{
    for (unsigned src = 0; src < PLIC_NUM_SOURCES; src++) {
        cr_assert_eq(rd(prio_off(src)), 0);
    }
    for (unsigned w = 0; w < 3; w++) {
        cr_assert_eq(rd(pend_off(w)), 0);
    }
    for (unsigned c = 0; c < n_ctx; c++) {
        for (unsigned w = 0; w < 3; w++) {
            cr_assert_eq(rd(en_off(c, w)), 0);
        }
        cr_assert_eq(rd(thr_off(c)), 0);
        cr_assert_eq(claim(c), 0);
    }
    cr_assert_eq(atomic_load(&n_events), 0);
}

/* ---- gating and claim order ------------------------------------------------------------- */

Test(plic, priority_threshold_gating)
{
    wr(prio_off(5), 3);
    enable(0, 5);
    wr(thr_off(0), 3);
    plic_set_irq(plic, 5, true);
    cr_assert(pending(5));
    expect_outputs(0);                  /* priority 3 is not above threshold 3 */
    cr_assert_eq(claim(0), 0);
    cr_assert(pending(5), "a claim that returns 0 must not clear anything");

    wr(thr_off(0), 2);
    expect_outputs(1u << 0);
    wr(thr_off(0), 7);
    expect_outputs(0);
    wr(thr_off(0), 0);
    expect_outputs(1u << 0);

    wr(prio_off(5), 0);                 /* priority 0 never interrupts */
    expect_outputs(0);
    cr_assert_eq(claim(0), 0);
    wr(prio_off(5), 1);
    expect_outputs(1u << 0);
    cr_assert_eq(claim(0), 5);
    expect_outputs(0);
}

Test(plic, claim_highest_priority_then_lowest_id)
{
    static const struct { unsigned src, prio; } srcs[] = {
        { 3, 2 }, { 7, 5 }, { 9, 5 }, { 40, 1 }, { 70, 5 }, { 95, 6 }, { 31, 2 }, { 32, 2 },
    };
    static const unsigned order[] = { 95, 7, 9, 70, 3, 31, 32, 40 };

    for (unsigned i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
        wr(prio_off(srcs[i].src), srcs[i].prio);
        enable(2, srcs[i].src);
    }
    /* raise in an order unrelated to the expected claim order */
    for (unsigned i = sizeof(srcs) / sizeof(srcs[0]); i-- > 0;) {
        plic_set_irq(plic, srcs[i].src, true);
    }
    expect_outputs(1u << 2);
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        cr_assert_eq(claim(2), order[i], "claim %u", i);
    }
    cr_assert_eq(claim(2), 0);
    expect_outputs(0);
}

Test(plic, threshold_filters_lower_priorities_only)
{
    wr(prio_off(10), 2);
    wr(prio_off(11), 4);
    enable(1, 10);
    enable(1, 11);
    wr(thr_off(1), 3);
    plic_set_irq(plic, 10, true);
    expect_outputs(0);
    plic_set_irq(plic, 11, true);
    expect_outputs(1u << 1);
    cr_assert_eq(claim(1), 11);
    expect_outputs(0);
    cr_assert_eq(claim(1), 0);
    wr(thr_off(1), 1);
    expect_outputs(1u << 1);
    cr_assert_eq(claim(1), 10);
}

Test(plic, claim_with_nothing_returns_zero)
{
    for (unsigned c = 0; c < n_ctx; c++) {
        cr_assert_eq(claim(c), 0);
    }
    wr(prio_off(20), 7);
    plic_set_irq(plic, 20, true);       /* pending but enabled nowhere */
    cr_assert(pending(20));
    for (unsigned c = 0; c < n_ctx; c++) {
        cr_assert_eq(claim(c), 0);
    }
    cr_assert(pending(20));
    expect_outputs(0);
    cr_assert_eq(atomic_load(&n_events), 0);
}

/* ---- pending, in service, completion ----------------------------------------------------- */

Test(plic, pending_follows_line_until_claimed)
{
    plic_set_irq(plic, 33, true);
    cr_assert_eq(rd(pend_off(1)), 1u << 1);
    plic_set_irq(plic, 33, false);      /* withdrawn before any claim */
    cr_assert_eq(rd(pend_off(1)), 0);
    wr(pend_off(1), 0xffffffff);        /* read-only */
    cr_assert_eq(rd(pend_off(1)), 0);
    plic_set_irq(plic, 33, true);
    wr(pend_off(1), 0);
    cr_assert_eq(rd(pend_off(1)), 1u << 1);
}

Test(plic, claim_clears_pending)
{
    wr(prio_off(12), 1);
    enable(0, 12);
    plic_set_irq(plic, 12, true);
    cr_assert(pending(12));
    cr_assert_eq(claim(0), 12);
    cr_assert_not(pending(12));
    expect_outputs(0);
    cr_assert_eq(claim(0), 0, "an in-service source is not claimable");

    /* toggling the line while in service does not make it pending */
    plic_set_irq(plic, 12, false);
    plic_set_irq(plic, 12, true);
    cr_assert_not(pending(12));
    cr_assert_eq(claim(0), 0);
    expect_outputs(0);
}

Test(plic, complete_with_line_high_repends)
{
    wr(prio_off(44), 2);
    enable(4, 44);
    plic_set_irq(plic, 44, true);
    cr_assert_eq(claim(4), 44);
    expect_outputs(0);
    complete(4, 44);                    /* line still high: pending again */
    cr_assert(pending(44));
    expect_outputs(1u << 4);
    cr_assert_eq(claim(4), 44);
    plic_set_irq(plic, 44, false);
    complete(4, 44);                    /* line low now: nothing pending */
    cr_assert_not(pending(44));
    expect_outputs(0);
    cr_assert_eq(claim(4), 0);
    plic_set_irq(plic, 44, true);       /* a fresh assertion after completion */
    cr_assert_eq(claim(4), 44);
}

Test(plic, complete_for_non_enabled_context_is_ignored)
{
    wr(prio_off(50), 3);
    enable(0, 50);
    plic_set_irq(plic, 50, true);
    cr_assert_eq(claim(0), 50);

    complete(1, 50);                    /* context 1 does not enable 50 */
    complete(5, 50);
    cr_assert_not(pending(50), "ignored completion must leave 50 in service");
    cr_assert_eq(claim(0), 0);
    expect_outputs(0);

    disable(0, 50);                     /* no longer enabled for the claimer either */
    complete(0, 50);
    enable(0, 50);
    cr_assert_not(pending(50));
    cr_assert_eq(claim(0), 0);

    complete(0, 49);                    /* wrong id: ignored */
    cr_assert_eq(claim(0), 0);

    enable(3, 50);                      /* any context enabling it may complete it */
    complete(3, 50);
    cr_assert(pending(50));
    expect_outputs((1u << 0) | (1u << 3));
    cr_assert_eq(claim(3), 50);
    expect_outputs(0);
}

Test(plic, complete_of_unclaimed_source_changes_nothing)
{
    wr(prio_off(60), 1);
    enable(0, 60);
    plic_set_irq(plic, 60, true);
    complete(0, 60);                    /* not in service */
    cr_assert(pending(60));
    expect_outputs(1u << 0);
    cr_assert_eq(atomic_load(&n_events), 1);
    cr_assert_eq(claim(0), 60);
}

/* ---- contexts ------------------------------------------------------------------------- */

Test(plic, enables_isolate_m_and_s_contexts_of_different_harts)
{
    /* contexts: 0 = hart0 M, 1 = hart0 S, 2 = hart1 M, 3 = hart1 S, ... */
    wr(prio_off(10), 1);
    wr(prio_off(11), 1);
    wr(prio_off(70), 1);
    enable(1, 10);
    enable(2, 11);
    enable(7, 70);
    cr_assert_eq(rd(en_off(1, 0)), 1u << 10);
    cr_assert_eq(rd(en_off(0, 0)), 0);
    cr_assert_eq(rd(en_off(2, 0)), 1u << 11);
    cr_assert_eq(rd(en_off(3, 0)), 0);
    cr_assert_eq(rd(en_off(7, 2)), 1u << 6);
    cr_assert_eq(rd(en_off(6, 2)), 0);

    plic_set_irq(plic, 10, true);
    expect_outputs(1u << 1);
    plic_set_irq(plic, 11, true);
    expect_outputs((1u << 1) | (1u << 2));
    plic_set_irq(plic, 70, true);
    expect_outputs((1u << 1) | (1u << 2) | (1u << 7));

    cr_assert_eq(claim(0), 0);
    cr_assert_eq(claim(3), 0);
    cr_assert_eq(claim(6), 0);
    cr_assert_eq(claim(2), 11);
    expect_outputs((1u << 1) | (1u << 7));
    cr_assert_eq(claim(1), 10);
    cr_assert_eq(claim(7), 70);
    expect_outputs(0);

    /* thresholds are per context too */
    wr(thr_off(2), 5);
    cr_assert_eq(rd(thr_off(2)), 5);
    cr_assert_eq(rd(thr_off(3)), 0);
    cr_assert_eq(rd(thr_off(1)), 0);
}

Test(plic, shared_source_claimed_once)
{
    wr(prio_off(8), 4);
    for (unsigned c = 0; c < n_ctx; c++) {
        enable(c, 8);
    }
    plic_set_irq(plic, 8, true);
    expect_outputs(0xff);
    cr_assert_eq(claim(5), 8);
    expect_outputs(0);
    for (unsigned c = 0; c < n_ctx; c++) {
        cr_assert_eq(claim(c), 0);
    }
}

Test(plic, sixty_four_harts_last_context)
{
    plic_free(plic);
    make_plic(PLIC_MAX_HARTS);
    unsigned last = 2 * PLIC_MAX_HARTS - 1;
    wr(prio_off(95), 7);
    enable(last, 95);
    cr_assert_eq(rd(en_off(last, 2)), 1u << 31);
    wr(thr_off(last), 6);
    cr_assert_eq(rd(thr_off(last)), 6);
    plic_set_irq(plic, 95, true);
    cr_assert(out(last));
    for (unsigned c = 0; c < last; c++) {
        cr_assert_not(out(c));
    }
    cr_assert_eq(claim(last), 95);
    cr_assert_not(out(last));
    /* one context past the end: no register */
    cr_assert_eq(rd(thr_off(last + 1)), 0);
    cr_assert_eq(rd(en_off(last + 1, 0)), 0);
}

/* ---- invalid inputs ---------------------------------------------------------------------- */

Test(plic, source_zero_and_out_of_range_sources_ignored)
{
    for (unsigned c = 0; c < n_ctx; c++) {
        wr(en_off(c, 0), 0xffffffff);
        wr(en_off(c, 1), 0xffffffff);
        wr(en_off(c, 2), 0xffffffff);
        cr_assert_eq(rd(en_off(c, 0)), 0xfffffffe, "enable bit of source 0 is hardwired 0");
    }
    wr(prio_off(0), 7);
    cr_assert_eq(rd(prio_off(0)), 0);
    plic_set_irq(plic, 0, true);
    plic_set_irq(plic, PLIC_NUM_SOURCES, true);
    plic_set_irq(plic, PLIC_NUM_SOURCES + 1, true);
    plic_set_irq(plic, 1000, true);
    plic_set_irq(plic, UINT_MAX, true);
    plic_irq_line_set(plic, 0, true);
    plic_irq_line_set(plic, 96, true);
    for (unsigned w = 0; w < 3; w++) {
        cr_assert_eq(rd(pend_off(w)), 0);
    }
    for (unsigned c = 0; c < n_ctx; c++) {
        cr_assert_eq(claim(c), 0);
        complete(c, 0);
        complete(c, PLIC_NUM_SOURCES);
        complete(c, 0xffffffff);
    }
    cr_assert_eq(atomic_load(&n_events), 0);
}

Test(plic, out_of_range_offsets)
{
    static const uint64_t bad[] = {
        0x180, 0x184, 0xffc,                            /* past the last priority */
        0x100c, 0x1010, 0x1ffc,                         /* past the pending words */
        0x200c, 0x2010, 0x207c,                         /* enable words 3..31 of context 0 */
        0x2000 + 0x80 * 8, 0x2000 + 0x80 * 8 + 4,       /* enable block of context 8 (none) */
        0x1ffffc, 0x10000, 0x100000,
        0x200008, 0x20000c, 0x200ffc, 0x201008,         /* context block, no register */
        0x200000 + 0x1000 * 8, 0x200004 + 0x1000 * 8,   /* context 8 (none) */
        0x5ffffc, 0x600000, 0x7fffffff, UINT64_MAX - 3,
    };
    /* make something claimable everywhere so a misdecoded claim would show */
    wr(prio_off(2), 1);
    for (unsigned c = 0; c < n_ctx; c++) {
        enable(c, 2);
    }
    plic_set_irq(plic, 2, true);
    unsigned events = atomic_load(&n_events);

    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(rd(bad[i]), 0, "read of 0x%llx", (unsigned long long)bad[i]);
        wr(bad[i], 0xffffffff);
        cr_assert_eq(rd(bad[i]), 0, "read of 0x%llx after write", (unsigned long long)bad[i]);
    }
    for (unsigned src = 1; src < PLIC_NUM_SOURCES; src++) {
        cr_assert_eq(rd(prio_off(src)), src == 2 ? 1 : 0);
    }
    for (unsigned c = 0; c < n_ctx; c++) {
        cr_assert_eq(rd(en_off(c, 0)), 1u << 2);
        cr_assert_eq(rd(en_off(c, 1)), 0);
        cr_assert_eq(rd(en_off(c, 2)), 0);
        cr_assert_eq(rd(thr_off(c)), 0);
    }
    cr_assert(pending(2));
    cr_assert_eq(atomic_load(&n_events), events);
    cr_assert_eq(claim(0), 2);
}

Test(plic, non_word_accesses_read_zero_and_are_ignored)
{
    wr(prio_off(3), 5);
    enable(0, 3);
    plic_set_irq(plic, 3, true);
    unsigned events = atomic_load(&n_events);
    static const unsigned sizes[] = { 1, 2, 8 };
    for (unsigned i = 0; i < 3; i++) {
        unsigned sz = sizes[i];
        cr_assert_eq(plic_ops.read(plic, prio_off(3), sz), 0);
        cr_assert_eq(plic_ops.read(plic, en_off(0, 0), sz), 0);
        cr_assert_eq(plic_ops.read(plic, claim_off(0), sz), 0, "size %u claim", sz);
        plic_ops.write(plic, prio_off(3), 1, sz);
        plic_ops.write(plic, en_off(0, 0), 0, sz);
        plic_ops.write(plic, thr_off(0), 7, sz);
    }
    /* misaligned 4-byte accesses */
    cr_assert_eq(plic_ops.read(plic, claim_off(0) + 1, 4), 0);
    cr_assert_eq(plic_ops.read(plic, prio_off(3) + 2, 4), 0);
    plic_ops.write(plic, thr_off(0) + 1, 0x07070707, 4);
    plic_ops.write(plic, prio_off(3) + 3, 0, 4);

    cr_assert_eq(rd(prio_off(3)), 5);
    cr_assert_eq(rd(en_off(0, 0)), 1u << 3);
    cr_assert_eq(rd(thr_off(0)), 0);
    cr_assert_eq(atomic_load(&n_events), events);
    cr_assert_eq(claim(0), 3, "the odd-size claim reads must not have claimed");
}

Test(plic, priority_and_threshold_are_warl)
{
    wr(prio_off(9), 0xffffffff);
    cr_assert_eq(rd(prio_off(9)), 7);
    wr(prio_off(9), 8);
    cr_assert_eq(rd(prio_off(9)), 0);
    wr(prio_off(9), 13);
    cr_assert_eq(rd(prio_off(9)), 5);
    plic_ops.write(plic, prio_off(9), 0x100000003ULL, 4);   /* only the low word counts */
    cr_assert_eq(rd(prio_off(9)), 3);
    wr(thr_off(6), 0xfffffff9);
    cr_assert_eq(rd(thr_off(6)), 1);
    wr(thr_off(6), 8);
    cr_assert_eq(rd(thr_off(6)), 0);
}

/* ---- output edges -------------------------------------------------------------------------- */

Test(plic, output_follows_level_changes_exactly)
{
    wr(prio_off(14), 3);
    wr(prio_off(15), 1);
    cr_assert_eq(atomic_load(&n_events), 0, "no source pending: no calls");
    enable(3, 14);
    cr_assert_eq(atomic_load(&n_events), 0);

    plic_set_irq(plic, 14, true);       /* 1: high */
    plic_set_irq(plic, 14, true);       /* same level: no call */
    plic_set_irq(plic, 14, false);      /* 2: low */
    plic_set_irq(plic, 14, false);
    plic_set_irq(plic, 14, true);       /* 3: high */
    wr(thr_off(3), 3);                  /* 4: low */
    wr(thr_off(3), 2);                  /* 5: high */
    disable(3, 14);                     /* 6: low */
    enable(3, 14);                      /* 7: high */
    wr(prio_off(14), 0);                /* 8: low */
    wr(prio_off(14), 3);                /* 9: high */
    wr(thr_off(3), 0);                  /* still high: no call */
    plic_set_irq(plic, 15, true);       /* not enabled for 3: no call */
    enable(3, 15);                      /* 14 still pending: stays high, no call */
    cr_assert_eq(claim(3), 14);         /* 15 still eligible: stays high */
    cr_assert_eq(claim(3), 15);         /* 10: low */
    plic_set_irq(plic, 14, false);      /* in service: no call */
    complete(3, 14);                    /* line low: no call */
    complete(3, 15);                    /* 11: high (15 still asserted) */
    plic_set_irq(plic, 15, false);      /* 12: low */
    wr(thr_off(3), 7);
    plic_set_irq(plic, 15, true);       /* below threshold: no call */
    wr(thr_off(3), 0);                  /* 13: high */

    static const Event want[] = {
        { 3, true }, { 3, false }, { 3, true }, { 3, false }, { 3, true }, { 3, false },
        { 3, true }, { 3, false }, { 3, true }, { 3, false }, { 3, true }, { 3, false },
        { 3, true },
    };
    expect_events(want, sizeof(want) / sizeof(want[0]));
    expect_outputs(1u << 3);
}

Test(plic, irq_line_receiver)
{
    IRQLine line = { .set = plic_irq_line_set, .opaque = plic, .n = 77 };
    wr(prio_off(77), 1);
    enable(5, 77);
    irq_set_level(&line, true);
    cr_assert(pending(77));
    expect_outputs(1u << 5);
    irq_set_level(&line, false);
    cr_assert_not(pending(77));
    expect_outputs(0);
}

/* ---- stress: 4 device threads, 2 claiming contexts -------------------------------------- *
 * Each device thread owns 8 sources and, for each, runs assertion episodes: raise the line
 * (after counting the episode in `raises`), keep it high until a claimer has claimed the
 * episode, then lower it (counting in `lowered`) and soon raise again, often before the
 * claimer has completed, which exercises "asserted while in service, pending on completion".
 * A claimer waits for its output line to go high, claims, checks that the claim is the next
 * episode of that source (claims == raises), and completes only after the device has lowered
 * the line for that episode, so every episode must be claimed exactly once. A lost interrupt
 * or lost output edge stops all progress, which the main thread's watchdog reports after
 * STRESS_STALL_S; a double, spurious or misrouted claim is counted as an error and stops the
 * run. A stale final output level shows as a redundant call or a high line at the end. */

#define N_RAISERS 4
#define SRC_PER_RAISER 8
#define N_CLAIMERS 2
#define STRESS_DEADLINE_S 60     /* whole run */
#define STRESS_STALL_S 5         /* no claim, lower or completion for this long: stalled */

static const unsigned raiser_first_src[N_RAISERS] = { 1, 28, 60, 88 };   /* cross word edges */
static const unsigned claimer_ctx[N_CLAIMERS] = { 0, 3 };  /* hart 0 M, hart 1 S */
/* claimer k enables the sources of raisers [k, k + 2] */

static _Atomic unsigned raises[PLIC_NUM_SOURCES];
static _Atomic unsigned claims[PLIC_NUM_SOURCES];
static _Atomic unsigned lowered[PLIC_NUM_SOURCES];
static _Atomic unsigned completes[PLIC_NUM_SOURCES];
static atomic_uint errors;
static atomic_uint raisers_done;
static atomic_uint threads_done;
static atomic_ulong progress;       /* claims + lowers + completions, for the stall watchdog */
static atomic_bool timed_out;
static char first_error[256];
static atomic_flag first_error_taken = ATOMIC_FLAG_INIT;
static unsigned episodes_per_raiser;
static struct timespec deadline;

/* Counts an error from a stress thread; the first message is kept for the main thread. */
static void stress_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void stress_error(const char *fmt, ...)
{
    atomic_fetch_add_explicit(&errors, 1, memory_order_relaxed);
    if (!atomic_flag_test_and_set(&first_error_taken)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(first_error, sizeof(first_error), fmt, ap);
        va_end(ap);
    }
}

/* True once the deadline has passed or an error was seen: every thread then winds down. */
static bool past_deadline(void)
{
    struct timespec now;
    if (atomic_load_explicit(&errors, memory_order_relaxed) != 0) {
        return true;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > deadline.tv_sec ||
        (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec)) {
        atomic_store(&timed_out, true);
    }
    return atomic_load(&timed_out);
}

static uint32_t xorshift(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void *raiser_main(void *arg)
{
    unsigned r = (unsigned)(uintptr_t)arg;
    unsigned first = raiser_first_src[r];
    bool high[SRC_PER_RAISER] = { false };
    unsigned started = 0, spins = 0;
    uint32_t rng = 0x9e3779b9u * (r + 1);

    for (;;) {
        bool all_low = true;
        for (unsigned j = 0; j < SRC_PER_RAISER; j++) {
            unsigned src = first + j;
            if (!high[j]) {
                if (started < episodes_per_raiser && (xorshift(&rng) & 3) != 0) {
                    /* count first: a claimer may see the episode as soon as the line rises */
                    atomic_fetch_add_explicit(&raises[src], 1, memory_order_release);
                    plic_set_irq(plic, src, true);
                    high[j] = true;
                    started++;
                    all_low = false;
                }
            } else {
                all_low = false;
                unsigned want = atomic_load_explicit(&raises[src], memory_order_relaxed);
                /* pairs with the claimer's release increment of claims[src] */
                if (atomic_load_explicit(&claims[src], memory_order_acquire) == want) {
                    plic_set_irq(plic, src, false);
                    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
                    /* pairs with the claimer's acquire load before it completes */
                    atomic_fetch_add_explicit(&lowered[src], 1, memory_order_release);
                    high[j] = false;
                }
            }
        }
        if (started == episodes_per_raiser && all_low) {
            break;
        }
        if (++spins % 64 == 0) {
            if (past_deadline()) {
                break;
            }
            sched_yield();
        }
    }
    atomic_fetch_add_explicit(&raisers_done, 1, memory_order_release);
    atomic_fetch_add_explicit(&threads_done, 1, memory_order_relaxed);
    return NULL;
}

typedef struct Claimed {
    unsigned src, episode;
} Claimed;

static bool claimer_enables(unsigned k, unsigned src)
{
    for (unsigned r = k; r < k + 3; r++) {
        if (src >= raiser_first_src[r] && src < raiser_first_src[r] + SRC_PER_RAISER) {
            return true;
        }
    }
    return false;
}

static void *claimer_main(void *arg)
{
    unsigned k = (unsigned)(uintptr_t)arg;
    unsigned ctx = claimer_ctx[k];
    Claimed todo[PLIC_NUM_SOURCES];     /* claimed, not yet completed: at most one per source */
    unsigned n_todo = 0, spins = 0;
    uint32_t rng = 0x85ebca6bu * (k + 1);

    for (;;) {
        /* complete the episodes whose line the device has lowered */
        for (unsigned i = 0; i < n_todo;) {
            unsigned src = todo[i].src;
            if (atomic_load_explicit(&lowered[src], memory_order_acquire) >= todo[i].episode) {
                atomic_fetch_add_explicit(&completes[src], 1, memory_order_relaxed);
                atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
                complete(ctx, src);
                todo[i] = todo[--n_todo];
            } else {
                i++;
            }
        }
        if (out(ctx)) {
            uint32_t src = claim(ctx);
            if (src != 0) {
                if (src >= PLIC_NUM_SOURCES || !claimer_enables(k, src)) {
                    stress_error("context %u claimed source %u, which it does not enable", ctx,
                                 (unsigned)src);
                } else {
                    unsigned want = atomic_load_explicit(&raises[src], memory_order_acquire);
                    /* pairs with the raiser's acquire load of claims[src] */
                    unsigned got = atomic_fetch_add_explicit(&claims[src], 1,
                                                             memory_order_release) + 1;
                    if (got != want) {
                        stress_error("source %u: claim number %u but %u episodes raised",
                                     (unsigned)src, got, want);
                    }
                    todo[n_todo++] = (Claimed){ src, got };
                    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
                }
                if ((xorshift(&rng) & 255) == 0) {   /* mask everything for a moment */
                    wr(thr_off(ctx), 7);
                    wr(thr_off(ctx), 0);
                }
                continue;
            }
        }
        if (n_todo == 0 && atomic_load_explicit(&raisers_done, memory_order_acquire) ==
                               N_RAISERS) {
            break;
        }
        if (++spins % 64 == 0) {
            if (past_deadline()) {
                break;
            }
            sched_yield();
        }
    }
    atomic_fetch_add_explicit(&threads_done, 1, memory_order_relaxed);
    return NULL;
}

static void run_stress(unsigned episodes)
{
    pthread_t raisers[N_RAISERS], claimers[N_CLAIMERS];

    plic_free(plic);
    make_plic(2);
    episodes_per_raiser = episodes;
    for (unsigned r = 0; r < N_RAISERS; r++) {
        for (unsigned j = 0; j < SRC_PER_RAISER; j++) {
            unsigned src = raiser_first_src[r] + j;
            wr(prio_off(src), 1 + src % 7);
        }
    }
    for (unsigned k = 0; k < N_CLAIMERS; k++) {
        for (unsigned src = 1; src < PLIC_NUM_SOURCES; src++) {
            if (claimer_enables(k, src)) {
                enable(claimer_ctx[k], src);
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += STRESS_DEADLINE_S;

    for (unsigned k = 0; k < N_CLAIMERS; k++) {
        cr_assert_eq(pthread_create(&claimers[k], NULL, claimer_main, (void *)(uintptr_t)k), 0);
    }
    for (unsigned r = 0; r < N_RAISERS; r++) {
        cr_assert_eq(pthread_create(&raisers[r], NULL, raiser_main, (void *)(uintptr_t)r), 0);
    }
    /* watchdog: a lost interrupt or output edge shows as no progress at all */
    unsigned long last = atomic_load(&progress);
    unsigned idle_ms = 0;
    while (atomic_load(&threads_done) < N_RAISERS + N_CLAIMERS) {
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
        unsigned long now = atomic_load(&progress);
        idle_ms = now == last ? idle_ms + 10 : 0;
        last = now;
        if (idle_ms >= STRESS_STALL_S * 1000) {
            atomic_store(&timed_out, true);
        }
    }
    for (unsigned r = 0; r < N_RAISERS; r++) {
        pthread_join(raisers[r], NULL);
    }
    for (unsigned k = 0; k < N_CLAIMERS; k++) {
        pthread_join(claimers[k], NULL);
    }

    cr_assert_eq(atomic_load(&errors), 0, "%u errors, first: %s", atomic_load(&errors),
                 first_error);
    if (atomic_load(&timed_out)) {
        for (unsigned src = 1; src < PLIC_NUM_SOURCES; src++) {
            if (raises[src] != claims[src] || claims[src] != completes[src]) {
                cr_log_error("stuck source %u: raised %u claimed %u lowered %u completed %u "
                             "pending %d; outputs ctx0 %d ctx3 %d", src, raises[src],
                             claims[src], lowered[src], completes[src], pending(src), out(0),
                             out(3));
            }
        }
    }
    cr_assert_not(atomic_load(&timed_out), "stress test stalled: an interrupt was lost");
    unsigned total = 0;
    for (unsigned src = 1; src < PLIC_NUM_SOURCES; src++) {
        cr_assert_eq(claims[src], raises[src], "source %u", src);
        cr_assert_eq(lowered[src], raises[src], "source %u", src);
        cr_assert_eq(completes[src], raises[src], "source %u", src);
        total += raises[src];
    }
    cr_assert_eq(total, N_RAISERS * episodes);
    for (unsigned w = 0; w < 3; w++) {
        cr_assert_eq(rd(pend_off(w)), 0);
    }
    for (unsigned c = 0; c < n_ctx; c++) {
        cr_assert_eq(claim(c), 0);
    }
    expect_outputs(0);
    cr_log_info("plic stress: %u episodes, %u output calls on ctx0, %u on ctx3", total,
                atomic_load(&rec[0].calls), atomic_load(&rec[3].calls));
}

Test(plic, stress_no_lost_or_double_claims, .timeout = 120)
{
    run_stress(50000);
}

/* ---- stress: concurrent changes, settled outputs ----------------------------------------- *
 * Each of N_TOGGLERS threads owns one source, enabled only for its own context, and flips its
 * line and its context's threshold at random; the threads meet at a barrier after every round
 * and the main thread checks that each output equals what the final state says. A change that
 * no output pass read (an updater that retires without seeing a change counted meanwhile)
 * leaves a line stale at the barrier. Line calls yield, so passes overlap other changes. */

#define N_TOGGLERS 4
#define TOGGLE_ROUNDS 3000
#define TOGGLES_PER_ROUND 4     /* few: the threads' last changes overlap */

static pthread_barrier_t round_start, round_end;
static bool final_high[N_TOGGLERS];

static void *toggler_main(void *arg)
{
    unsigned k = (unsigned)(uintptr_t)arg;
    unsigned src = 1 + 31 * k;          /* spread over the three words */
    uint32_t rng = 0x27d4eb2fu * (k + 1);
    bool line = false, masked = false;      /* the state this thread left */

    for (unsigned r = 0; r < TOGGLE_ROUNDS; r++) {
        pthread_barrier_wait(&round_start);
        for (unsigned i = 0; i < TOGGLES_PER_ROUND; i++) {
            uint32_t x = xorshift(&rng);
            if (x & 1) {
                line = (x >> 1) & 1;
                plic_set_irq(plic, src, line);
            } else {
                masked = (x >> 1) & 1;
                wr(thr_off(k), masked ? 7 : 0);
            }
        }
        final_high[k] = line && !masked;
        pthread_barrier_wait(&round_end);
    }
    return NULL;
}

Test(plic, concurrent_changes_leave_every_output_matching_the_final_state, .timeout = 120)
{
    pthread_t t[N_TOGGLERS];

    atomic_store(&slow_outputs, true);
    cr_assert_eq(pthread_barrier_init(&round_start, NULL, N_TOGGLERS + 1), 0);
    cr_assert_eq(pthread_barrier_init(&round_end, NULL, N_TOGGLERS + 1), 0);
    for (unsigned k = 0; k < N_TOGGLERS; k++) {
        wr(prio_off(1 + 31 * k), 1 + k);
        enable(k, 1 + 31 * k);
        cr_assert_eq(pthread_create(&t[k], NULL, toggler_main, (void *)(uintptr_t)k), 0);
    }
    unsigned stale_rounds = 0;
    for (unsigned r = 0; r < TOGGLE_ROUNDS; r++) {
        pthread_barrier_wait(&round_start);
        pthread_barrier_wait(&round_end);
        for (unsigned k = 0; k < N_TOGGLERS; k++) {
            if (out(k) != final_high[k]) {
                stale_rounds++;
                break;
            }
        }
    }
    for (unsigned k = 0; k < N_TOGGLERS; k++) {
        pthread_join(t[k], NULL);
    }
    cr_assert_eq(stale_rounds, 0, "%u of %u rounds ended with a stale output", stale_rounds,
                 TOGGLE_ROUNDS);
    for (unsigned c = 0; c < n_ctx; c++) {
        cr_assert_eq(atomic_load(&rec[c].redundant), 0, "context %u got a redundant call", c);
    }
}

Test(plic, reset_clears_configuration_and_claims_but_keeps_line_levels)
{
    wr(prio_off(7), 4);
    enable(0, 7);
    enable(1, 7);
    wr(thr_off(1), 2);
    plic_set_irq(plic, 7, true);
    expect_outputs((1u << 0) | (1u << 1));
    cr_assert_eq(claim(0), 7);
    expect_outputs(0);

    plic_reset(plic);
    expect_outputs(0);
    cr_assert_eq(rd(prio_off(7)), 0);
    cr_assert_eq(rd(en_off(0, 0)), 0);
    cr_assert_eq(rd(thr_off(1)), 0);
    cr_assert(pending(7), "the claim is gone and the line is still high");

    wr(prio_off(7), 1);
    enable(0, 7);
    expect_outputs(1u << 0);
    cr_assert_eq(claim(0), 7);
}
