/* Remote TLB shootdown through per-vCPU mailboxes.
 *
 * Protocol (checked by docs/models/shootdown.pml):
 *   requester, per target T:   lock(T.mb); enqueue (coalesce / escalate); s = ++T.req_seq
 *                              (seq_cst); unlock; if load(T.running) (seq_cst): cpu_exit(T)
 *                              and, when synced, wait until T.ack_seq >= s or !T.running
 *   owner, entering guest code (cpu_exec_start): running = true (seq_cst); then
 *                              if load(req_seq) (seq_cst) != ack_seq: drain
 *   owner, at a TB entry after a kick: drain
 *   drain:                     lock; seen = req_seq; take the pending set; unlock; apply it;
 *                              ack_ns = now (relaxed); ack_seq = seen (seq_cst); notify
 *   owner, leaving (cpu_exec_end, WFI, HSM stop, SBI call): running = false (seq_cst); notify
 *   notify:                    ++flush_event (seq_cst); if load(waiters): FUTEX_WAKE
 * Invariant: once a synced request returns, every target either has applied it (ack_seq >= s)
 * or is outside guest execution and will apply it before its next guest access. The two
 * seq_cst store-then-load pairs (requester: req_seq then running; owner: running then
 * req_seq) form a Dekker handshake: in the single total order of seq_cst operations one of
 * the two stores comes first, so either the requester sees running (and waits for the ack or
 * the exit) or the owner sees the new req_seq (and drains before executing). A requester
 * that sees running == false may return at once: the owner cannot execute guest code again
 * without passing cpu_exec_start, which drains.
 * Waiting: a short spin (a target that is running on another host core acknowledges within
 * a TB), then FUTEX_WAIT on flush_event. The waiter increments `waiters` (seq_cst) before its
 * final check and the owner reads it after bumping flush_event (seq_cst), so either the
 * waiter's check sees the ack, or the owner sees a waiter and wakes it, or the futex word has
 * changed and FUTEX_WAIT returns at once.
 * Ack times: ack_ns rides on ack_seq (see target_state): a requester that has seen its ack
 * reads the time of the drain that stored the ack_seq it saw, or of a later drain. */
#include "mm/tlb_flush.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mm/flush_stats.h"
#include "mm/flush_trace.h"
#include "sync/cpu_state.h"
#include "sync/exclusive.h"
#include "sync/work.h"
#include "util/clock.h"
#include "util/compiler.h"
#include "util/futex.h"
#include "util/report.h"

#define FLUSH_SPIN_ITERATIONS 50

/* The vCPUs requests can target, by index. Written by the main thread while no vCPU thread
 * runs (tlb_flush_set_cpus); thread creation orders it before every read. */
static TLBFlushCPU flush_cpus[TLBSTORM_MAX_CPUS];
static unsigned flush_n_cpus;

void tlb_flush_set_cpus(const TLBFlushCPU *cpus, unsigned n)
{
    flush_n_cpus = n < TLBSTORM_MAX_CPUS ? n : TLBSTORM_MAX_CPUS;
    memcpy(flush_cpus, cpus, flush_n_cpus * sizeof(*flush_cpus));
}

unsigned tlb_flush_cpu_count(void)
{
    return flush_n_cpus;
}

const TLBFlushCPU *tlb_flush_cpu(unsigned i)
{
    return &flush_cpus[i];
}

static enum tlb_flush_mode flush_mode = TLB_FLUSH_MODE_MAILBOX;

enum tlb_flush_mode tlb_flush_get_mode(void)
{
    return flush_mode;
}

void tlb_flush_set_mode(enum tlb_flush_mode mode)
{
    flush_mode = mode;
}

const char *tlb_flush_kind_name(unsigned kind)
{
    static const char *const names[TLB_FLUSH_NB_KINDS] = {
        [TLB_FLUSH_ALL] = "all", [TLB_FLUSH_ASID] = "asid", [TLB_FLUSH_PAGE] = "page",
        [TLB_FLUSH_RANGE] = "range", [TLB_FLUSH_FENCE_I] = "fence_i",
    };
    return kind < TLB_FLUSH_NB_KINDS ? names[kind] : "?";
}

int tlb_mailbox_init(TLBMailbox *mb)
{
    memset(mb, 0, sizeof(*mb));
    return -pthread_mutex_init(&mb->lock, NULL);
}

void tlb_mailbox_destroy(TLBMailbox *mb)
{
    pthread_mutex_destroy(&mb->lock);
}

/* ---------------------------------------------------------------- local application ---- */

static void notify_fence_i(CPUTLB *tlb)
{
    if (tlb->ops && tlb->ops->fence_i) {
        tlb->ops->fence_i(tlb);
    }
}

static void notify_fenced_without_address(CPUTLB *tlb, int32_t asid)
{
    if (tlb->ops && tlb->ops->fenced_without_address) {
        tlb->ops->fenced_without_address(tlb, asid);
    }
}

void tlb_flush_apply_local(CPUTLB *tlb, const TLBFlushReq *req)
{
    assert_cpu_is_self(tlb->owner);
    unsigned idxmap = req->idxmap & ((1u << TLB_NB_MMU_MODES) - 1);
    switch (req->kind) {
    case TLB_FLUSH_ALL:
        tlb_flush_by_mmuidx_local(tlb, idxmap);
        notify_fenced_without_address(tlb, -1);
        break;
    case TLB_FLUSH_ASID:
        tlb_flush_asid_by_mmuidx_local(tlb, req->asid, idxmap);
        notify_fenced_without_address(tlb, req->asid);
        break;
    case TLB_FLUSH_PAGE:
        tlb_flush_page_asid_by_mmuidx_local(tlb, req->addr, req->asid, idxmap);
        break;
    case TLB_FLUSH_RANGE:
        tlb_flush_range_asid_by_mmuidx_local(tlb, req->addr, req->len, req->asid, idxmap);
        break;
    case TLB_FLUSH_FENCE_I:
        notify_fence_i(tlb);
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------- mailbox ---------------- */

static uint64_t req_first_page(const TLBFlushReq *r)
{
    return r->addr & RV_PAGE_MASK;
}

/* One past the last page covered by a PAGE or RANGE request. */
static uint64_t req_end_page(const TLBFlushReq *r)
{
    if (r->kind == TLB_FLUSH_PAGE || r->len == 0) {
        return req_first_page(r) + RV_PAGE_SIZE;
    }
    uint64_t last = r->addr + r->len - 1;
    if (last < r->addr) {
        last = UINT64_MAX;
    }
    return (last & RV_PAGE_MASK) + RV_PAGE_SIZE;
}

/* Does pending request a make request b redundant? */
static bool req_covers(const TLBFlushReq *a, const TLBFlushReq *b)
{
    if ((a->idxmap & b->idxmap) != b->idxmap) {
        return false;
    }
    switch (a->kind) {
    case TLB_FLUSH_ALL:
        return true;
    case TLB_FLUSH_ASID:
        /* An ASID flush keeps global entries, which a request for any ASID also removes. */
        return b->asid == a->asid && b->kind != TLB_FLUSH_ALL;
    case TLB_FLUSH_PAGE:
    case TLB_FLUSH_RANGE:
        if (b->kind != TLB_FLUSH_PAGE && b->kind != TLB_FLUSH_RANGE) {
            return false;
        }
        if (a->asid != TLB_ASID_ANY && a->asid != b->asid) {
            return false;
        }
        return req_first_page(a) <= req_first_page(b) && req_end_page(b) <= req_end_page(a) &&
               req_end_page(b) != 0;
    default:
        return false;
    }
}

/* Merge b into a when both are page/range requests of the same address space and mmu_idx
 * whose pages touch or overlap and the union stays short. */
static bool req_merge(TLBFlushReq *a, const TLBFlushReq *b)
{
    if ((a->kind != TLB_FLUSH_PAGE && a->kind != TLB_FLUSH_RANGE) ||
        (b->kind != TLB_FLUSH_PAGE && b->kind != TLB_FLUSH_RANGE) ||
        a->asid != b->asid || a->idxmap != b->idxmap) {
        return false;
    }
    uint64_t a0 = req_first_page(a), a1 = req_end_page(a);
    uint64_t b0 = req_first_page(b), b1 = req_end_page(b);
    if (a1 == 0 || b1 == 0 || b0 > a1 || a0 > b1) {
        return false;
    }
    uint64_t lo = a0 < b0 ? a0 : b0, hi = a1 > b1 ? a1 : b1;
    if (((hi - lo) >> RV_PAGE_BITS) > TLB_RANGE_MAX_PAGES) {
        return false;
    }
    a->kind = TLB_FLUSH_RANGE;
    a->addr = lo;
    a->len = hi - lo;
    return true;
}

/* Under mb->lock. */
static enum flush_enqueue mailbox_enqueue_locked(TLBMailbox *mb, const TLBFlushReq *req)
{
    TLBMailboxStats *st = &mb->stats;
    atomic_fetch_add_explicit(&st->received[req->kind], 1, memory_order_relaxed);
    if (req->kind == TLB_FLUSH_FENCE_I) {
        bool was = mb->fence_i;
        if (was) {
            atomic_fetch_add_explicit(&st->coalesced, 1, memory_order_relaxed);
        }
        mb->fence_i = true;
        return was ? FLUSH_COALESCED : FLUSH_ENQUEUED;
    }
    if ((mb->full_idxmap & req->idxmap) == req->idxmap) {
        atomic_fetch_add_explicit(&st->coalesced, 1, memory_order_relaxed);
        return FLUSH_COALESCED;
    }
    if (req->kind == TLB_FLUSH_ALL) {
        mb->full_idxmap |= req->idxmap;
        /* Drop ring entries the full flush now covers. */
        unsigned n = 0;
        for (unsigned i = 0; i < mb->n_ring; i++) {
            if ((mb->ring[i].idxmap & mb->full_idxmap) != mb->ring[i].idxmap) {
                mb->ring[n++] = mb->ring[i];
            }
        }
        mb->n_ring = n;
        return FLUSH_ENQUEUED;
    }
    for (unsigned i = 0; i < mb->n_ring; i++) {
        if (req_covers(&mb->ring[i], req) || req_merge(&mb->ring[i], req)) {
            atomic_fetch_add_explicit(&st->coalesced, 1, memory_order_relaxed);
            return FLUSH_COALESCED;
        }
    }
    if (mb->n_ring == TLB_MAILBOX_RING) {
        /* No allocation: a full ring becomes a full flush of every mmu_idx it names. */
        uint16_t idx = req->idxmap;
        for (unsigned i = 0; i < mb->n_ring; i++) {
            idx |= mb->ring[i].idxmap;
        }
        mb->full_idxmap |= idx;
        mb->n_ring = 0;
        atomic_fetch_add_explicit(&st->escalated, 1, memory_order_relaxed);
        return FLUSH_ESCALATED;
    }
    mb->ring[mb->n_ring++] = *req;
    return FLUSH_ENQUEUED;
}

static void mailbox_notify(TLBMailbox *mb)
{
    atomic_fetch_add_explicit(&mb->flush_event, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&mb->waiters, memory_order_seq_cst)) {
        futex_wake_all(&mb->flush_event);
    }
}

bool tlb_flush_process_mailbox(CPUTLB *tlb, TLBMailbox *mb)
{
    assert_cpu_is_self(tlb->owner);
    /* seq_cst: on the entry path this load is the second half of the owner's Dekker pair. */
    uint32_t req = atomic_load_explicit(&mb->req_seq, memory_order_seq_cst);
    if (req == atomic_load_explicit(&mb->ack_seq, memory_order_relaxed)) {
        return false;
    }
    pthread_mutex_lock(&mb->lock);
    uint32_t seen = atomic_load_explicit(&mb->req_seq, memory_order_relaxed);
    uint16_t full = mb->full_idxmap;
    bool fence_i = mb->fence_i;
    unsigned n = mb->n_ring;
    TLBFlushReq ring[TLB_MAILBOX_RING];
    memcpy(ring, mb->ring, n * sizeof(ring[0]));
    mb->full_idxmap = 0;
    mb->fence_i = false;
    mb->n_ring = 0;
    pthread_mutex_unlock(&mb->lock);

    if (full) {
        /* Merged past the ring, or asked for: taken as a fence without an address. */
        tlb_flush_by_mmuidx_local(tlb, full & ((1u << TLB_NB_MMU_MODES) - 1));
        notify_fenced_without_address(tlb, -1);
    }
    for (unsigned i = 0; i < n; i++) {
        tlb_flush_apply_local(tlb, &ring[i]);
    }
    if (fence_i) {
        notify_fence_i(tlb);
    }
    atomic_fetch_add_explicit(&mb->stats.drains, 1, memory_order_relaxed);
    /* Taken after the flush is applied, so it is the time the target was done; published by
     * the ack_seq store below, whose seq_cst includes release (target_state has the
     * acquire side and the argument). */
    atomic_store_explicit(&mb->ack_ns, clock_monotonic_ns(), memory_order_relaxed);
    atomic_store_explicit(&mb->ack_seq, seen, memory_order_seq_cst);
    mailbox_notify(mb);
    return true;
}

void tlb_flush_owner_left(TLBMailbox *mb)
{
    mailbox_notify(mb);
}

/* ---------------------------------------------------------------- requester -------------- */

/* Has target t taken request s? ACKED: it applied it, and *ack_ns is the acknowledging drain's
 * time. LEFT: it is outside guest execution (it applies the request on re-entry), and
 * *ack_ns is now. NONE: still pending.
 *
 * Which time ACKED reads. Only the owner writes ack_ns and ack_seq, ack_ns (relaxed) first,
 * then ack_seq (seq_cst, hence release). Our ack_seq load (seq_cst, hence acquire) returns
 * the value stored by some drain D with seen >= s (D is the first drain that covered s, or
 * a later one if the owner drained again before we looked); it synchronises with D's store,
 * so D's ack_ns store happens before our load, and by coherence we read D's time or a later
 * drain's, never an earlier drain's. Every such time was taken after that drain read
 * req_seq >= s, hence after the request was issued, and before it was stored to ack_ns,
 * hence before our load read it and before we return. So issue <= *ack_ns <= completion
 * always holds; the time is exact when the target did not drain again between acknowledging
 * s and our load (another requester's request), otherwise it is late by at most the time
 * this requester took to look. */
static enum flush_ack target_state(const TLBFlushCPU *t, uint32_t s, int64_t *ack_ns)
{
    TLBMailbox *mb = t->mailbox;
    if ((int32_t)(atomic_load_explicit(&mb->ack_seq, memory_order_seq_cst) - s) >= 0) {
        *ack_ns = atomic_load_explicit(&mb->ack_ns, memory_order_relaxed);
        return FLUSH_ACK_ACKED;
    }
    if (!atomic_load_explicit(&t->cs->running, memory_order_seq_cst)) {
        *ack_ns = clock_monotonic_ns();
        return FLUSH_ACK_LEFT;
    }
    return FLUSH_ACK_NONE;
}

/* Requesters currently blocked on a target that has not acknowledged (any thread). */
static _Atomic unsigned blocked_requesters;

bool tlb_flush_should_yield(void)
{
    return atomic_load_explicit(&blocked_requesters, memory_order_relaxed) != 0;
}

/* Directed yield. With more busy vCPU threads than host cores, a target the host scheduler
 * has preempted acknowledges only when it runs again, which for threads that never sleep
 * is a scheduler time slice away (milliseconds). So a blocked requester kicks every other
 * running vCPU: each one, at its next TB entry, sees blocked_requesters != 0 and calls
 * sched_yield() once, handing its core to a runnable thread of its run queue, which is the
 * preempted target if it waits there. Repeated every FLUSH_NUDGE_NS while still blocked. */
static void nudge_running_vcpus(const TLBFlushCPU *target)
{
    for (unsigned i = 0; i < flush_n_cpus; i++) {
        CPUState *c = flush_cpus[i].cs;
        if (c != target->cs && atomic_load_explicit(&c->running, memory_order_relaxed)) {
            cpu_exit(c);
        }
    }
}

#define FLUSH_NUDGE_NS 50000

/* Returns FLUSH_ACK_ACKED or FLUSH_ACK_LEFT, with the time (target_state). */
static enum flush_ack wait_for_target(const TLBFlushCPU *t, uint32_t s, int64_t *ack_ns)
{
    enum flush_ack st;
    for (int i = 0; i < FLUSH_SPIN_ITERATIONS; i++) {
        if ((st = target_state(t, s, ack_ns)) != FLUSH_ACK_NONE) {
            return st;
        }
        cpu_relax();
    }
    TLBMailbox *mb = t->mailbox;
    atomic_fetch_add_explicit(&blocked_requesters, 1, memory_order_relaxed);
    for (;;) {
        uint32_t ev = atomic_load_explicit(&mb->flush_event, memory_order_seq_cst);
        atomic_fetch_add_explicit(&mb->waiters, 1, memory_order_seq_cst);
        if ((st = target_state(t, s, ack_ns)) != FLUSH_ACK_NONE) {
            atomic_fetch_sub_explicit(&mb->waiters, 1, memory_order_relaxed);
            break;
        }
        nudge_running_vcpus(t);
        futex_wait_timeout(&mb->flush_event, ev, FLUSH_NUDGE_NS);
        atomic_fetch_sub_explicit(&mb->waiters, 1, memory_order_relaxed);
    }
    atomic_fetch_sub_explicit(&blocked_requesters, 1, memory_order_relaxed);
    return st;
}

/* Target i of a synced request issued at t0 answered with st at `when`. */
static void target_answered(const TLBFlushCPU *t, unsigned i, unsigned kind, int64_t t0,
                            enum flush_ack st, int64_t when, TLBFlushReport *rep)
{
    if (st == FLUSH_ACK_ACKED) {
        flush_stats_record_ack(kind, when - t0);
    } else {
        atomic_fetch_add_explicit(&t->mailbox->stats.left, 1, memory_order_relaxed);
    }
    if (rep) {
        rep->ack[i] = (uint8_t)st;
        rep->ack_ns[i] = when;
    }
}

/* t0: the issue time. rep: NULL, or where each target's delivery and answer go. */
static void flush_cpus_mailbox(CPUState *self, const CPUMask *cpus,
                               const TLBFlushReq *req, bool synced, int64_t t0,
                               TLBFlushReport *rep)
{
    uint32_t seq[TLBSTORM_MAX_CPUS];
    CPUMask waiting;
    cpumask_clear(&waiting);
    for_each_cpu(ci, cpus) {
        unsigned i = (unsigned)ci;
        const TLBFlushCPU *t = &flush_cpus[i];
        if (t->cs == self) {
            continue;
        }
        TLBMailbox *mb = t->mailbox;
        pthread_mutex_lock(&mb->lock);
        enum flush_enqueue how = mailbox_enqueue_locked(mb, req);
        seq[i] = atomic_fetch_add_explicit(&mb->req_seq, 1, memory_order_seq_cst) + 1;
        pthread_mutex_unlock(&mb->lock);
        bool running = atomic_load_explicit(&t->cs->running, memory_order_seq_cst);
        if (running) {
            cpu_exit(t->cs);
            atomic_fetch_add_explicit(&mb->stats.kicked, 1, memory_order_relaxed);
            cpumask_set(&waiting, i);
        } else {
            atomic_fetch_add_explicit(&mb->stats.skipped, 1, memory_order_relaxed);
        }
        if (rep) {
            rep->delivery[i] = running ? FLUSH_DELIVERY_KICKED : FLUSH_DELIVERY_SKIPPED;
            rep->enqueue[i] = (uint8_t)how;
        }
    }
    if (self && cpumask_test(cpus, self->index)) {
        tlb_flush_apply_local(flush_cpus[self->index].tlb, req);
    }
    if (!synced) {
        return;
    }
    /* One target after the other; after each, the others are polled once, so that an ack
     * which came in the meantime is read before a later drain can replace its time. */
    for (int ci = cpumask_next(&waiting, -1); ci >= 0; ci = cpumask_next(&waiting, ci)) {
        unsigned i = (unsigned)ci;
        int64_t when;
        enum flush_ack st = wait_for_target(&flush_cpus[i], seq[i], &when);
        target_answered(&flush_cpus[i], i, req->kind, t0, st, when, rep);
        cpumask_clear_cpu(&waiting, i);
        for_each_cpu(cj, &waiting) {
            unsigned j = (unsigned)cj;
            st = target_state(&flush_cpus[j], seq[j], &when);
            if (st != FLUSH_ACK_NONE) {
                target_answered(&flush_cpus[j], j, req->kind, t0, st, when, rep);
                cpumask_clear_cpu(&waiting, j);
            }
        }
    }
}

/* ---------------------------------------------------------------- QEMU baseline ---------- */

/* --flush=qemu with --trace-flush: a target runs its work item whenever it next passes its
 * vCPU loop, often after the requester has returned (a synced request only waits for an
 * exclusive section). So the trace line is written by whichever finishes last, the
 * requester or a work item, and the record lives on the heap until then. */
typedef struct QemuFlushTrace {
    TLBFlushReq req;
    /* issue_ns, done_ns, delivery[], enqueue[]: the requester. ack[i], ack_ns[i]: target i's
     * work item (distinct bytes, so no two threads write the same field). */
    TLBFlushReport rep;
    unsigned n_cpus;
    /* One reference per queued work item plus the requester's. Every holder writes its
     * fields before its decrement (acq_rel: release for its writes, acquire so that the last
     * holder, which writes the line and frees, sees everyone's). */
    _Atomic unsigned refs;
} QemuFlushTrace;

/* What QEMU allocates per target and request. */
typedef struct QemuFlushWork {
    TLBFlushReq req;
    int64_t issue_ns;
    QemuFlushTrace *trace;        /* NULL unless tracing */
} QemuFlushWork;

static void qemu_trace_put(QemuFlushTrace *qt)
{
    if (atomic_fetch_sub_explicit(&qt->refs, 1, memory_order_acq_rel) == 1) {
        flush_trace_write(&qt->req, &qt->rep, qt->n_cpus);
        free(qt);
    }
}

/* Runs on the target: running the work item is its acknowledgement. */
static void qemu_flush_work(CPUState *cs, void *data)
{
    QemuFlushWork *w = data;
    tlb_flush_apply_local(flush_cpus[cs->index].tlb, &w->req);
    int64_t now = clock_monotonic_ns();
    flush_stats_record_ack(w->req.kind, now - w->issue_ns);
    if (w->trace) {
        w->trace->rep.ack[cs->index] = FLUSH_ACK_ACKED;
        w->trace->rep.ack_ns[cs->index] = now;
        qemu_trace_put(w->trace);
    }
    free(w);
}

static void qemu_flush_self_work(CPUState *self, const TLBFlushReq *req)
{
    tlb_flush_apply_local(flush_cpus[self->index].tlb, req);
}

static void report_copy_target(TLBFlushReport *dst, const TLBFlushReport *src, unsigned i)
{
    if (dst) {
        dst->delivery[i] = src->delivery[i];
        dst->enqueue[i] = src->enqueue[i];
        dst->ack[i] = src->ack[i];
        dst->ack_ns[i] = src->ack_ns[i];
    }
}

/* QEMU's tlb_flush_*_all_cpus(_synced): one heap-allocated async work item per target, which
 * also wakes halted targets; the synced form then runs the requester's own part as safe work,
 * i.e. inside a stop-the-world exclusive section. rep and qt may be NULL. */
static void flush_cpus_qemu(CPUState *self, const CPUMask *cpus,
                            const TLBFlushReq *req, bool synced, int64_t t0,
                            TLBFlushReport *rep, QemuFlushTrace *qt)
{
    for_each_cpu(ci, cpus) {
        unsigned i = (unsigned)ci;
        const TLBFlushCPU *t = &flush_cpus[i];
        if (t->cs == self) {
            continue;
        }
        QemuFlushWork *w = malloc(sizeof(*w));
        if (w) {
            *w = (QemuFlushWork){ .req = *req, .issue_ns = t0, .trace = qt };
            if (qt) {
                atomic_fetch_add_explicit(&qt->refs, 1, memory_order_relaxed);
            }
        }
        if (!w || async_run_on_cpu(t->cs, qemu_flush_work, w) != 0) {
            if (w && qt) {
                /* The requester still holds its reference, so this is never the last. */
                atomic_fetch_sub_explicit(&qt->refs, 1, memory_order_relaxed);
            }
            free(w);
            /* Out of memory: fall back to the allocation-free path for this target. */
            TLBFlushReport one = { 0 };
            CPUMask just_i;
            cpumask_clear(&just_i);
            cpumask_set(&just_i, i);
            flush_cpus_mailbox(NULL, &just_i, req, synced, t0, &one);
            report_copy_target(rep, &one, i);
            report_copy_target(qt ? &qt->rep : NULL, &one, i);
            continue;
        }
        atomic_fetch_add_explicit(&t->mailbox->stats.received[req->kind], 1,
                                  memory_order_relaxed);
        atomic_fetch_add_explicit(&t->mailbox->stats.kicked, 1, memory_order_relaxed);
        if (rep) {
            rep->delivery[i] = FLUSH_DELIVERY_WORK;
        }
        if (qt) {
            qt->rep.delivery[i] = FLUSH_DELIVERY_WORK;
        }
    }
    bool self_target = self && cpumask_test(cpus, self->index);
    if (synced) {
        start_exclusive();
        if (self_target) {
            qemu_flush_self_work(self, req);
        }
        end_exclusive();
    } else if (self_target) {
        qemu_flush_self_work(self, req);
    }
}

void tlb_flush_cpus_report(CPUState *self, const CPUMask *cpus_in,
                           const TLBFlushReq *req, bool synced, TLBFlushReport *rep)
{
    /* Internal invariant: a requester inside guest execution that waits could wait for a
     * vCPU that waits for it (two vCPUs flushing each other), or for itself. */
    assert_cpu_is_self(self);
    if (synced && self && atomic_load_explicit(&self->running, memory_order_relaxed)) {
        internal_error("hart %u requested a synced TLB flush from inside guest execution",
                       self->index);
    }
    CPUMask cpus = *cpus_in;
    cpumask_limit(&cpus, flush_n_cpus);
    CPUMask others_mask = cpus;
    if (self) {
        cpumask_clear_cpu(&others_mask, self->index);
    }
    unsigned others = cpumask_weight(&others_mask);
    int requester = self ? (int)self->index : -1;
    if (rep) {
        memset(rep, 0, sizeof(*rep));
        rep->requester = requester;
        rep->synced = synced;
    }
    bool trace = others && flush_trace_enabled();
    int64_t t0 = clock_monotonic_ns();
    int64_t t1;
    if (flush_mode == TLB_FLUSH_MODE_QEMU) {
        QemuFlushTrace *qt = trace ? calloc(1, sizeof(*qt)) : NULL;
        if (qt) {
            qt->req = *req;
            qt->n_cpus = flush_n_cpus;
            qt->rep.requester = requester;
            qt->rep.synced = synced;
            qt->rep.issue_ns = t0;
            atomic_init(&qt->refs, 1);
        }
        flush_cpus_qemu(self, &cpus, req, synced, t0, rep, qt);
        t1 = clock_monotonic_ns();
        if (qt) {
            qt->rep.done_ns = t1;
            qemu_trace_put(qt);
        }
    } else {
        TLBFlushReport local, *r = rep;
        if (!r && trace) {
            memset(&local, 0, sizeof(local));
            local.requester = requester;
            local.synced = synced;
            r = &local;
        }
        flush_cpus_mailbox(self, &cpus, req, synced, t0, r);
        t1 = clock_monotonic_ns();
        if (trace) {
            r->issue_ns = t0;
            r->done_ns = t1;
            flush_trace_write(req, r, flush_n_cpus);
        }
    }
    if (rep) {
        rep->issue_ns = t0;
        rep->done_ns = t1;
    }
    if (others) {
        flush_stats_record(req->kind, synced, others, t1 - t0);
    }
}
