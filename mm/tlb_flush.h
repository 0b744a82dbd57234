/* Cross-vCPU TLB flushes: the per-vCPU flush mailbox, the shootdown protocol that delivers it,
 * and the remote flush API (tlb_flush_*_cpus, async or synced).
 * Callers: any thread may request a flush of any set of vCPUs, provided it is not itself
 * between cpu_exec_start and cpu_exec_end (a vCPU that must flush others leaves guest
 * execution first, as the built-in SBI does). The owner vCPU drains its own mailbox.
 * Locking: a small mutex per mailbox orders concurrent requesters against the owner's drain;
 * it is never taken on the TB or TLB fast path. The Dekker handshake between the requester
 * and the owner (req_seq vs. the owner's `running` flag) is described in mm/tlb_flush.c and
 * docs/architecture.md. */
#ifndef MM_TLB_FLUSH_H
#define MM_TLB_FLUSH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/cpumask.h"

#include "mm/tlb.h"

struct CPUState;

/* ASID value meaning "every address space" (global entries included). */
#define TLB_ASID_ANY (-1)

enum tlb_flush_kind {
    TLB_FLUSH_ALL,        /* every entry of the mmu_idx in idxmap (asid ignored) */
    TLB_FLUSH_ASID,       /* non-global entries of one ASID */
    TLB_FLUSH_PAGE,       /* entries translating the page of addr (one ASID or any) */
    TLB_FLUSH_RANGE,      /* entries translating any page of [addr, addr + len) */
    TLB_FLUSH_FENCE_I,    /* instruction fetch: forget cached code lookups (jump cache) */
    TLB_FLUSH_NB_KINDS
};

typedef struct TLBFlushReq {
    uint64_t addr;        /* PAGE/RANGE: virtual address (need not be page aligned) */
    uint64_t len;         /* RANGE: length in bytes */
    int32_t asid;         /* ASID/PAGE/RANGE: address space, or TLB_ASID_ANY */
    uint16_t idxmap;      /* bit per mmu_idx */
    uint8_t kind;         /* enum tlb_flush_kind */
} TLBFlushReq;

/* Delivery strategy, chosen once before vCPUs start (--flush=). */
enum tlb_flush_mode {
    TLB_FLUSH_MODE_MAILBOX,   /* ours: mailbox, skip idle vCPUs, futex wait for acks */
    TLB_FLUSH_MODE_QEMU,      /* baseline: async work per target (heap allocated), synced =
                               * safe work on the requester, halted targets woken */
};

#define TLB_MAILBOX_RING 16

/* How a request reached one target (statistics, trace, TLBFlushReport). */
enum flush_delivery {
    FLUSH_DELIVERY_NONE = 0,      /* not a target */
    FLUSH_DELIVERY_KICKED,        /* running guest code: exit request, waited for when synced */
    FLUSH_DELIVERY_SKIPPED,       /* outside guest code: applies it when it re-enters */
    FLUSH_DELIVERY_WORK,          /* --flush=qemu: async work item */
};

/* What the target's mailbox did with it. */
enum flush_enqueue {
    FLUSH_ENQUEUED = 0,           /* a new mailbox entry */
    FLUSH_COALESCED,              /* covered by (or merged into) a pending request */
    FLUSH_ESCALATED,              /* the ring was full: became a full flush */
};

/* How a synced request's wait for one kicked target ended. */
enum flush_ack {
    FLUSH_ACK_NONE = 0,           /* not waited for: async, skipped, or --flush=qemu (whose
                                   * work items run after the call may have returned) */
    FLUSH_ACK_ACKED,              /* the target applied it; ack_ns is the target's clock then */
    FLUSH_ACK_LEFT,               /* the target left guest execution first; ack_ns is when the
                                   * requester saw that. It applies the request on re-entry. */
};

/* Counters of one vCPU's mailbox (requests it received). Any thread increments with relaxed
 * atomics; read at exit for the statistics. */
typedef struct TLBMailboxStats {
    _Atomic uint64_t received[TLB_FLUSH_NB_KINDS];
    _Atomic uint64_t kicked;      /* the target was inside guest code: cpu_exit + wait */
    _Atomic uint64_t skipped;     /* outside guest code: applied on its next entry */
    _Atomic uint64_t left;        /* kicked, synced, left guest code before acknowledging */
    _Atomic uint64_t coalesced;   /* already covered by a pending request */
    _Atomic uint64_t escalated;   /* ring full: turned into a full flush */
    _Atomic uint64_t drains;      /* times the owner applied its mailbox */
} TLBMailboxStats;

/* One per vCPU, next to its CPUTLB (in RISCVCPU). */
typedef struct TLBMailbox {
    pthread_mutex_t lock;         /* requesters and the owner's drain */
    /* Under lock: what is pending. */
    uint16_t full_idxmap;         /* mmu_idx to flush entirely (supersedes the ring for them) */
    bool fence_i;
    unsigned n_ring;
    TLBFlushReq ring[TLB_MAILBOX_RING];
    /* req_seq: bumped by each requester after enqueueing (seq_cst, then it reads the owner's
     * `running`). ack_seq: the req_seq value the owner has applied, stored seq_cst after
     * applying (the futex handshake and docs/models/shootdown.pml rely on seq_cst here and on
     * the `running` stores; do not weaken them to release). flush_event: futex word, bumped by the owner after every ack and every exit
     * from guest execution; waiters > 0 tells the owner to issue FUTEX_WAKE. */
    _Atomic uint32_t req_seq;
    _Atomic uint32_t ack_seq;
    /* clock_monotonic_ns() when the owner finished the drain that stored the current ack_seq.
     * Owner only writes it (relaxed), before its ack_seq store, which publishes it; a
     * requester reads it (relaxed) after an ack_seq load that saw its sequence number, so it
     * gets the time of that drain or of a later one, never an older one (mm/tlb_flush.c). */
    _Atomic int64_t ack_ns;
    _Atomic uint32_t flush_event;
    _Atomic uint32_t waiters;
    TLBMailboxStats stats;
} TLBMailbox;

int tlb_mailbox_init(TLBMailbox *mb) __attribute__((warn_unused_result));
void tlb_mailbox_destroy(TLBMailbox *mb);

/* What this layer needs of one vCPU: its generic state (running, kicks, work queue), its TLB
 * and its mailbox. */
typedef struct TLBFlushCPU {
    struct CPUState *cs;
    CPUTLB *tlb;
    TLBMailbox *mailbox;
} TLBFlushCPU;

/* Main thread, while no vCPU thread runs: the vCPUs requests can target, cpus[i] being vCPU i
 * (its cs->index); copied. Set with the CPU list (riscv_cpu_list_set). */
void tlb_flush_set_cpus(const TLBFlushCPU *cpus, unsigned n);
unsigned tlb_flush_cpu_count(void);
const TLBFlushCPU *tlb_flush_cpu(unsigned i);

/* Main thread, before vCPUs start. */
void tlb_flush_set_mode(enum tlb_flush_mode mode);
/* Any thread: the mode set before the vCPUs started. */
enum tlb_flush_mode tlb_flush_get_mode(void);
/* "all", "asid", "page", "range", "fence_i" (statistics, trace); "?" otherwise. */
const char *tlb_flush_kind_name(unsigned kind);

/* ---- owner side (accel/cpu_exec.c) ---- */
/* Apply everything pending in the mailbox to the owner's TLB and acknowledge it; true if there
 * was something. Owner only. Cheap when nothing is pending (two loads). */
bool tlb_flush_process_mailbox(CPUTLB *tlb, TLBMailbox *mb);
/* The owner has just left guest execution (running = false, seq_cst): wake requesters that
 * wait for it, since they may now stop waiting. */
void tlb_flush_owner_left(TLBMailbox *mb);

/* Owner, after a kick: is a requester blocked on a vCPU that has not acknowledged? Then the
 * caller should give its host core away once (sched_yield): see mm/tlb_flush.c. */
bool tlb_flush_should_yield(void);

/* Apply one request to the caller's own TLB (owner only). */
void tlb_flush_apply_local(CPUTLB *tlb, const TLBFlushReq *req);

/* ---- requester side (any thread outside guest execution) ---- */

/* What happened to one request, per target vCPU (index = hart). Entries of vCPUs that were
 * not targets (the requester itself included) are zero. */
typedef struct TLBFlushReport {
    int64_t issue_ns;             /* clock_monotonic_ns() at the call */
    int64_t done_ns;              /* at the return */
    int requester;                /* hart index, or -1 for a host thread */
    bool synced;
    uint8_t delivery[TLBSTORM_MAX_CPUS];  /* enum flush_delivery */
    uint8_t enqueue[TLBSTORM_MAX_CPUS];   /* enum flush_enqueue */
    uint8_t ack[TLBSTORM_MAX_CPUS];       /* enum flush_ack */
    int64_t ack_ns[TLBSTORM_MAX_CPUS];    /* clock_monotonic_ns(), when ack != NONE */
} TLBFlushReport;

/* Deliver req to every vCPU whose bit is set in cpus (bit i = vCPU i of tlb_flush_set_cpus;
 * bits past their number are ignored). `self` is
 * the requesting vCPU (NULL for a non-vCPU thread); when its bit is set, the flush is applied
 * directly. async: returns once queued; a target inside guest code applies it at its next TB entry,
 * one outside applies it before it re-enters. synced: returns only when no target can
 * use an old translation any more (each target either acknowledged or was outside guest
 * execution, in which case it applies the request before it re-enters).
 * rep (may be NULL) receives the delivery of every target and, for a synced request in the
 * mailbox strategy, how and when each kicked target answered: for FLUSH_ACK_ACKED,
 * issue_ns <= ack_ns <= done_ns. */
void tlb_flush_cpus_report(struct CPUState *self, const CPUMask *cpus, const TLBFlushReq *req,
                           bool synced, TLBFlushReport *rep);

static inline void tlb_flush_cpus(struct CPUState *self, const CPUMask *cpus,
                                  const TLBFlushReq *req, bool synced)
{
    tlb_flush_cpus_report(self, cpus, req, synced, NULL);
}

/* Convenience forms used by devices and the SBI. */
static inline void tlb_flush_all_cpus_synced(struct CPUState *self, const CPUMask *cpus)
{
    TLBFlushReq r = { .kind = TLB_FLUSH_ALL, .idxmap = 0xffff, .asid = TLB_ASID_ANY };
    tlb_flush_cpus(self, cpus, &r, true);
}

#endif
