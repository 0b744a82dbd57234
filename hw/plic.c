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
 * Locking. `lock` guards the register state and is never held across a callback. Every change
 * that can move an output is followed, after `lock` is dropped, by an output pass: take
 * `out_lock`, take `lock`, compute the wanted levels, drop `lock`, call the lines whose level
 * changed, drop `out_lock`. Passes are serialised and each computes after the change that
 * triggered it, so the last pass to run reads the final state: no output is left stale and the
 * levels a line sees are a sequence of real states, in order. Lock order: out_lock, then lock.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    uint32_t enable[PLIC_WORDS];    /* under s->lock; bit 0 (source 0) is always 0 */
    uint32_t threshold;             /* under s->lock; 0..PLIC_NUM_PRIORITIES */
    bool out_level;                 /* under s->out_lock; last level given to `out` */
    IRQLine out;                    /* immutable after plic_new */
} PLICContext;

struct PLICState {
    /* Serialises output passes; guards each context's out_level. Held while line callbacks
     * run. Taken before `lock`. */
    pthread_mutex_t out_lock;
    /* Serialises register state: everything below except n_contexts and ctx[].out. */
    pthread_mutex_t lock;
    unsigned n_contexts;                    /* immutable; 2 * n_harts */
    uint8_t priority[PLIC_NUM_SOURCES];     /* under lock; 0..7; priority[0] is always 0 */
    uint32_t level[PLIC_WORDS];             /* under lock; input line levels, bit 0 always 0 */
    uint32_t claimed[PLIC_WORDS];           /* under lock; claimed and not yet completed */
    PLICContext ctx[];                      /* n_contexts entries */
};

static inline uint32_t src_bit(unsigned src)
{
    return 1u << (src % 32);
}

/* ---- state queries (s->lock held) -------------------------------------------------------- */

static uint32_t plic_pending_locked(const PLICState *s, unsigned word)
{
    return s->level[word] & ~s->claimed[word];
}

/* The source a claim by context `c` would return: the highest priority above the threshold
 * among pending sources enabled for `c`, lowest id on ties; 0 if there is none. */
static unsigned plic_best_locked(const PLICState *s, unsigned c)
{
    const PLICContext *ctx = &s->ctx[c];
    unsigned best = 0;
    uint32_t best_prio = ctx->threshold;

    for (unsigned w = 0; w < PLIC_WORDS; w++) {
        uint32_t bits = plic_pending_locked(s, w) & ctx->enable[w];
        while (bits) {
            unsigned src = w * 32 + (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            if (s->priority[src] > best_prio) {   /* strict: an equal later id loses */
                best = src;
                best_prio = s->priority[src];
            }
        }
    }
    return best;
}

/* ---- outputs -------------------------------------------------------------------------- */

/* Brings the outputs of contexts [lo, hi) up to date. The caller holds no PLIC lock and has
 * made its change before calling. On return every line in the range has been given the level
 * of the state at some instant after that change (see the file comment). */
static void plic_update_outputs(PLICState *s, unsigned lo, unsigned hi)
{
    bool want[PLIC_MAX_CONTEXTS];

    pthread_mutex_lock(&s->out_lock);
    pthread_mutex_lock(&s->lock);
    for (unsigned c = lo; c < hi; c++) {
        want[c] = plic_best_locked(s, c) != 0;
    }
    pthread_mutex_unlock(&s->lock);
    for (unsigned c = lo; c < hi; c++) {
        if (want[c] != s->ctx[c].out_level) {
            s->ctx[c].out_level = want[c];
            irq_set_level(&s->ctx[c].out, want[c]);
        }
    }
    pthread_mutex_unlock(&s->out_lock);
}

static void plic_update_all_outputs(PLICState *s)
{
    plic_update_outputs(s, 0, s->n_contexts);
}

/* ---- inputs --------------------------------------------------------------------------- */

void plic_set_irq(PLICState *s, unsigned src, bool level)
{
    bool changed;

    if (src == 0 || src >= PLIC_NUM_SOURCES) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    uint32_t old = s->level[src / 32];
    if (level) {
        s->level[src / 32] = old | src_bit(src);
    } else {
        s->level[src / 32] = old & ~src_bit(src);
    }
    changed = old != s->level[src / 32];
    pthread_mutex_unlock(&s->lock);
    if (changed) {
        plic_update_all_outputs(s);
    }
}

void plic_irq_line_set(void *opaque, unsigned n, bool level)
{
    plic_set_irq(opaque, n, level);
}

/* ---- claim and complete ---------------------------------------------------------------- */

static uint32_t plic_claim(PLICState *s, unsigned c)
{
    pthread_mutex_lock(&s->lock);
    unsigned src = plic_best_locked(s, c);
    if (src) {
        s->claimed[src / 32] |= src_bit(src);
    }
    pthread_mutex_unlock(&s->lock);
    if (src) {
        plic_update_all_outputs(s);
    }
    return src;
}

/* Ends the in-service state of `id` if it is enabled for context `c` (otherwise, as the spec
 * says, the completion is silently ignored). The completing context need not be the claiming
 * one, as in QEMU. */
static void plic_complete(PLICState *s, unsigned c, uint32_t id)
{
    bool changed = false;

    if (id == 0 || id >= PLIC_NUM_SOURCES) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    if ((s->ctx[c].enable[id / 32] & src_bit(id)) && (s->claimed[id / 32] & src_bit(id))) {
        s->claimed[id / 32] &= ~src_bit(id);
        changed = true;
    }
    pthread_mutex_unlock(&s->lock);
    if (changed) {
        plic_update_all_outputs(s);
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
    uint32_t v = 0;

    if (size != 4 || (offset & 3)) {
        return 0;
    }
    PLICReg reg = plic_decode(s, offset, &c, &i);
    if (reg == PLIC_REG_CLAIM) {
        return plic_claim(s, c);
    }
    pthread_mutex_lock(&s->lock);
    switch (reg) {
    case PLIC_REG_PRIORITY: v = s->priority[i]; break;
    case PLIC_REG_PENDING: v = plic_pending_locked(s, i); break;
    case PLIC_REG_ENABLE: v = s->ctx[c].enable[i]; break;
    case PLIC_REG_THRESHOLD: v = s->ctx[c].threshold; break;
    case PLIC_REG_CLAIM:
    case PLIC_REG_NONE: break;
    }
    pthread_mutex_unlock(&s->lock);
    return v;
}

static void plic_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PLICState *s = opaque;
    unsigned c = 0, i = 0;
    uint32_t v = (uint32_t)value;
    bool changed = false;

    if (size != 4 || (offset & 3)) {
        return;
    }
    PLICReg reg = plic_decode(s, offset, &c, &i);
    switch (reg) {
    case PLIC_REG_PRIORITY:
        pthread_mutex_lock(&s->lock);
        changed = s->priority[i] != (v & PLIC_PRIORITY_MASK);
        s->priority[i] = (uint8_t)(v & PLIC_PRIORITY_MASK);
        pthread_mutex_unlock(&s->lock);
        if (changed) {
            plic_update_all_outputs(s);
        }
        break;
    case PLIC_REG_ENABLE:
        if (i == 0) {
            v &= ~src_bit(0);       /* source 0 does not exist */
        }
        pthread_mutex_lock(&s->lock);
        changed = s->ctx[c].enable[i] != v;
        s->ctx[c].enable[i] = v;
        pthread_mutex_unlock(&s->lock);
        if (changed) {
            plic_update_outputs(s, c, c + 1);
        }
        break;
    case PLIC_REG_THRESHOLD:
        pthread_mutex_lock(&s->lock);
        changed = s->ctx[c].threshold != (v & PLIC_PRIORITY_MASK);
        s->ctx[c].threshold = v & PLIC_PRIORITY_MASK;
        pthread_mutex_unlock(&s->lock);
        if (changed) {
            plic_update_outputs(s, c, c + 1);
        }
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
    if (pthread_mutex_init(&s->out_lock, NULL) != 0) {
        free(s);
        return NULL;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        pthread_mutex_destroy(&s->out_lock);
        free(s);
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
    pthread_mutex_lock(&s->lock);
    memset(s->priority, 0, sizeof(s->priority));
    memset(s->claimed, 0, sizeof(s->claimed));
    for (unsigned c = 0; c < s->n_contexts; c++) {
        memset(s->ctx[c].enable, 0, sizeof(s->ctx[c].enable));
        s->ctx[c].threshold = 0;
    }
    pthread_mutex_unlock(&s->lock);
    plic_update_all_outputs(s);
}

void plic_free(PLICState *s)
{
    if (!s) {
        return;
    }
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->out_lock);
    free(s);
}
