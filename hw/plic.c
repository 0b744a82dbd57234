/* PLIC, SiFive layout as on QEMU virt: 95 level-triggered sources, 2 contexts per hart.
 *
 * State model. Each source has an input level and an in-service ("claimed") bit; its pending
 * bit is derived, pending = level && !claimed, so it can never disagree with the other two:
 * asserting sets it (unless in service), deasserting before a claim withdraws it, a claim
 * clears it by setting in-service, and a completion of a source whose line is still high makes
 * it pending again. A context's "best" source is the pending source enabled for it with the
 * highest priority above its threshold, the lowest id on ties; its output is high iff one
 * exists.
 *
 * No locks. Every register is an atomic word changed by a single atomic store or RMW, so a
 * claim, a completion or a line change costs a few atomics, not a mutex (a device interrupt
 * is claimed and completed on every wake-up, by vCPU threads of several harts at once).
 *
 * Claims. Two contexts may both find the same source best; the claim belongs to whoever sets
 * its in-service bit first (atomic fetch_or), the other scans again. A claimer that finds the
 * line already low after winning (the device withdrew it between scan and claim) gives the
 * claim back and scans again, so a claim never returns a source that was not pending when its
 * bit was set.
 *
 * Outputs: a single-flight pass. Every change that can move an output is made first and then
 * counted in `update_req` (fetch_add, acq_rel). The thread whose increment found 0 becomes the
 * updater: it computes every context's wanted level, calls the lines that changed, and retires
 * with compare-exchange(seen -> 0). If anyone counted a change meanwhile the exchange fails and
 * it runs another pass, which reads that change (its release increment happens before the
 * failed exchange's acquire). Invariant: while update_req != 0 exactly one thread is the
 * updater, and every change counted in update_req is read by a pass that starts after it, so
 * the last pass reads the final state. `out_level` is touched only by the updater; each
 * updater's retiring exchange (release) is read by the next one's increment (acquire), which
 * orders those plain accesses. A thread that is not the updater returns at once: its change
 * reaches the lines within the running pass, on the updater's thread.
 */
#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "hw/plic.h"

#define PLIC_WORDS (PLIC_NUM_SOURCES / 32)          /* 32-bit words of a source bitmap */
#define PLIC_MAX_CONTEXTS (2 * PLIC_MAX_HARTS)
#define PLIC_PRIORITY_MASK PLIC_NUM_PRIORITIES      /* WARL: keep the low 3 bits */

static_assert(PLIC_NUM_SOURCES % 32 == 0, "source bitmaps are whole words");
static_assert(PLIC_PRIORITY_BASE == 0, "plic_decode tests no lower bound for priorities");
static_assert((PLIC_NUM_PRIORITIES & (PLIC_NUM_PRIORITIES + 1)) == 0,
              "priority WARL masking needs 2^k - 1 priorities");
static_assert(PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * PLIC_MAX_CONTEXTS <= PLIC_CONTEXT_BASE,
              "enable blocks of all contexts fit below the context blocks");
static_assert(PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * PLIC_MAX_CONTEXTS <= PLIC_REGION_SIZE,
              "context blocks of all contexts fit in the region");

typedef struct PLICContext {
    _Atomic uint32_t enable[PLIC_WORDS];    /* bit 0 (source 0) is always 0 */
    _Atomic uint32_t threshold;             /* 0..PLIC_NUM_PRIORITIES */
    bool out_level;                 /* the updater's only; last level given to `out` */
    IRQLine out;                    /* immutable after plic_new */
} PLICContext;

struct PLICState {
    atomic_uint update_req;                 /* changes not yet read by an output pass */
    unsigned n_contexts;                    /* immutable; 2 * n_harts */
    _Atomic uint8_t priority[PLIC_NUM_SOURCES];     /* 0..7; priority[0] is always 0 */
    _Atomic uint32_t level[PLIC_WORDS];     /* input line levels, bit 0 always 0 */
    _Atomic uint32_t claimed[PLIC_WORDS];   /* claimed and not yet completed */
    PLICContext ctx[];                      /* n_contexts entries */
};

static inline uint32_t src_bit(unsigned src)
{
    return 1u << (src % 32);
}

/* ---- state queries ----------------------------------------------------------------------- *
 * Relaxed loads: a query reads each word once and needs no order among them; the order that
 * matters (a change before the pass that publishes it) comes from update_req. */

static uint32_t plic_pending(PLICState *s, unsigned word)
{
    return atomic_load_explicit(&s->level[word], memory_order_relaxed) &
           ~atomic_load_explicit(&s->claimed[word], memory_order_relaxed);
}

/* The source a claim by context `c` would return: the highest priority above the threshold
 * among pending sources enabled for `c`, lowest id on ties; 0 if there is none. */
static unsigned plic_best(PLICState *s, unsigned c)
{
    PLICContext *ctx = &s->ctx[c];
    unsigned best = 0;
    uint32_t best_prio = atomic_load_explicit(&ctx->threshold, memory_order_relaxed);

    for (unsigned w = 0; w < PLIC_WORDS; w++) {
        uint32_t bits = plic_pending(s, w) &
                        atomic_load_explicit(&ctx->enable[w], memory_order_relaxed);
        while (bits) {
            unsigned src = w * 32 + (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            uint32_t prio = atomic_load_explicit(&s->priority[src], memory_order_relaxed);
            if (prio > best_prio) {   /* strict: an equal later id loses */
                best = src;
                best_prio = prio;
            }
        }
    }
    return best;
}

/* ---- outputs -------------------------------------------------------------------------- */

/* Publishes a change the caller has just made (see "Outputs" in the file comment). */
static void plic_update_outputs(PLICState *s)
{
    unsigned seen = atomic_fetch_add_explicit(&s->update_req, 1, memory_order_acq_rel) + 1;
    if (seen != 1) {
        return;     /* the running pass reads this change */
    }
    do {
        for (unsigned c = 0; c < s->n_contexts; c++) {
            bool want = plic_best(s, c) != 0;
            if (want != s->ctx[c].out_level) {
                s->ctx[c].out_level = want;
                irq_set_level(&s->ctx[c].out, want);
            }
        }
    } while (!atomic_compare_exchange_strong_explicit(&s->update_req, &seen, 0,
                                                      memory_order_acq_rel,
                                                      memory_order_acquire));
}

/* Stores a register word and publishes it if it changed. */
static void plic_store_u32(PLICState *s, _Atomic uint32_t *reg, uint32_t v)
{
    if (atomic_exchange_explicit(reg, v, memory_order_relaxed) != v) {
        plic_update_outputs(s);
    }
}

/* ---- inputs --------------------------------------------------------------------------- */

void plic_set_irq(PLICState *s, unsigned src, bool level)
{
    uint32_t old;

    if (src == 0 || src >= PLIC_NUM_SOURCES) {
        return;
    }
    if (level) {
        old = atomic_fetch_or_explicit(&s->level[src / 32], src_bit(src), memory_order_release);
    } else {
        old = atomic_fetch_and_explicit(&s->level[src / 32], ~src_bit(src),
                                        memory_order_release);
    }
    if (((old & src_bit(src)) != 0) != level) {
        plic_update_outputs(s);
    }
}

void plic_irq_line_set(void *opaque, unsigned n, bool level)
{
    plic_set_irq(opaque, n, level);
}

/* ---- claim and complete ---------------------------------------------------------------- */

static uint32_t plic_claim(PLICState *s, unsigned c)
{
    for (;;) {
        unsigned src = plic_best(s, c);
        if (!src) {
            return 0;
        }
        _Atomic uint32_t *word = &s->claimed[src / 32];
        if (atomic_fetch_or_explicit(word, src_bit(src), memory_order_relaxed) & src_bit(src)) {
            continue;       /* another context claimed it first */
        }
        /* acquire: what the device did before raising the line is visible to the claimer */
        if (atomic_load_explicit(&s->level[src / 32], memory_order_acquire) & src_bit(src)) {
            plic_update_outputs(s);
            return src;
        }
        /* withdrawn between scan and claim: give it back (the line may rise again) */
        atomic_fetch_and_explicit(word, ~src_bit(src), memory_order_relaxed);
        plic_update_outputs(s);
    }
}

/* Ends the in-service state of `id` if it is enabled for context `c` (otherwise, as the spec
 * says, the completion is silently ignored). The completing context need not be the claiming
 * one, as in QEMU. */
static void plic_complete(PLICState *s, unsigned c, uint32_t id)
{
    if (id == 0 || id >= PLIC_NUM_SOURCES) {
        return;
    }
    if (!(atomic_load_explicit(&s->ctx[c].enable[id / 32], memory_order_relaxed) &
          src_bit(id))) {
        return;
    }
    if (atomic_fetch_and_explicit(&s->claimed[id / 32], ~src_bit(id), memory_order_relaxed) &
        src_bit(id)) {
        plic_update_outputs(s);
    }
}

/* ---- MMIO ------------------------------------------------------------------------------- */

/* Decoded register offset. */
typedef enum PLICReg {
    PLIC_REG_NONE,
    PLIC_REG_PRIORITY,      /* index: source */
    PLIC_REG_PENDING,       /* index: word */
    PLIC_REG_ENABLE,        /* ctx, index: word */
    PLIC_REG_THRESHOLD,     /* ctx */
    PLIC_REG_CLAIM,         /* ctx */
} PLICReg;

static PLICReg plic_decode(const PLICState *s, uint64_t offset, unsigned *ctx, unsigned *index)
{
    if (offset < PLIC_PRIORITY_BASE + 4 * PLIC_NUM_SOURCES) {
        *index = (unsigned)((offset - PLIC_PRIORITY_BASE) / 4);
        return *index == 0 ? PLIC_REG_NONE : PLIC_REG_PRIORITY;
    }
    if (offset >= PLIC_PENDING_BASE && offset < PLIC_PENDING_BASE + 4 * PLIC_WORDS) {
        *index = (unsigned)((offset - PLIC_PENDING_BASE) / 4);
        return PLIC_REG_PENDING;
    }
    if (offset >= PLIC_ENABLE_BASE &&
        offset < PLIC_ENABLE_BASE + (uint64_t)PLIC_ENABLE_STRIDE * s->n_contexts) {
        uint64_t rel = offset - PLIC_ENABLE_BASE;
        *ctx = (unsigned)(rel / PLIC_ENABLE_STRIDE);
        *index = (unsigned)(rel % PLIC_ENABLE_STRIDE / 4);
        return *index < PLIC_WORDS ? PLIC_REG_ENABLE : PLIC_REG_NONE;
    }
    if (offset >= PLIC_CONTEXT_BASE &&
        offset < PLIC_CONTEXT_BASE + (uint64_t)PLIC_CONTEXT_STRIDE * s->n_contexts) {
        uint64_t rel = offset - PLIC_CONTEXT_BASE;
        *ctx = (unsigned)(rel / PLIC_CONTEXT_STRIDE);
        switch (rel % PLIC_CONTEXT_STRIDE) {
        case PLIC_CONTEXT_THRESHOLD: return PLIC_REG_THRESHOLD;
        case PLIC_CONTEXT_CLAIM: return PLIC_REG_CLAIM;
        default: return PLIC_REG_NONE;
        }
    }
    return PLIC_REG_NONE;
}

static uint64_t plic_read(void *opaque, uint64_t offset, unsigned size)
{
    PLICState *s = opaque;
    unsigned c = 0, i = 0;

    if (size != 4 || (offset & 3)) {
        return 0;
    }
    PLICReg reg = plic_decode(s, offset, &c, &i);
    switch (reg) {
    case PLIC_REG_CLAIM: return plic_claim(s, c);
    case PLIC_REG_PRIORITY: return atomic_load_explicit(&s->priority[i], memory_order_relaxed);
    case PLIC_REG_PENDING: return plic_pending(s, i);
    case PLIC_REG_ENABLE: return atomic_load_explicit(&s->ctx[c].enable[i], memory_order_relaxed);
    case PLIC_REG_THRESHOLD:
        return atomic_load_explicit(&s->ctx[c].threshold, memory_order_relaxed);
    case PLIC_REG_NONE: break;
    }
    return 0;
}

static void plic_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PLICState *s = opaque;
    unsigned c = 0, i = 0;
    uint32_t v = (uint32_t)value;

    if (size != 4 || (offset & 3)) {
        return;
    }
    PLICReg reg = plic_decode(s, offset, &c, &i);
    switch (reg) {
    case PLIC_REG_PRIORITY:
        if (atomic_exchange_explicit(&s->priority[i], (uint8_t)(v & PLIC_PRIORITY_MASK),
                                     memory_order_relaxed) != (v & PLIC_PRIORITY_MASK)) {
            plic_update_outputs(s);
        }
        break;
    case PLIC_REG_ENABLE:
        if (i == 0) {
            v &= ~src_bit(0);       /* source 0 does not exist */
        }
        plic_store_u32(s, &s->ctx[c].enable[i], v);
        break;
    case PLIC_REG_THRESHOLD:
        plic_store_u32(s, &s->ctx[c].threshold, v & PLIC_PRIORITY_MASK);
        break;
    case PLIC_REG_CLAIM:
        plic_complete(s, c, v);
        break;
    case PLIC_REG_PENDING:      /* read-only */
    case PLIC_REG_NONE:
        break;
    }
}

const MMIOOps plic_ops = { plic_read, plic_write };

/* ---- lifetime --------------------------------------------------------------------------- */

PLICState *plic_new(unsigned n_harts, const IRQLine *ctx_outputs)
{
    if (n_harts == 0 || n_harts > PLIC_MAX_HARTS) {
        errno = EINVAL;
        return NULL;
    }
    unsigned n_contexts = 2 * n_harts;
    PLICState *s = calloc(1, sizeof(*s) + n_contexts * sizeof(s->ctx[0]));
    if (!s) {
        return NULL;
    }
    s->n_contexts = n_contexts;
    for (unsigned c = 0; c < n_contexts; c++) {
        if (ctx_outputs) {
            s->ctx[c].out = ctx_outputs[c];
        }
    }
    return s;
}

void plic_reset(PLICState *s)
{
    for (unsigned src = 0; src < PLIC_NUM_SOURCES; src++) {
        atomic_store_explicit(&s->priority[src], 0, memory_order_relaxed);
    }
    for (unsigned w = 0; w < PLIC_WORDS; w++) {
        atomic_store_explicit(&s->claimed[w], 0, memory_order_relaxed);
    }
    for (unsigned c = 0; c < s->n_contexts; c++) {
        for (unsigned w = 0; w < PLIC_WORDS; w++) {
            atomic_store_explicit(&s->ctx[c].enable[w], 0, memory_order_relaxed);
        }
        atomic_store_explicit(&s->ctx[c].threshold, 0, memory_order_relaxed);
    }
    plic_update_outputs(s);
}

void plic_free(PLICState *s)
{
    free(s);
}
