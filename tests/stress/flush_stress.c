/* flush_stress: concurrency tests of the remote TLB flush API (mm/tlb_flush.c) and the work
 * queues (sync/work.c) on a real machine: vCPU threads run the flush_stress guest
 * (guests/stress/) while host threads remap its pages and flush.
 * Owns: the four test cases, their host-side page/frame bookkeeping and a watchdog.
 * Threads: the main thread builds and tears down the machine; requester threads are host
 * threads, never vCPUs (tlb_flush_cpus with self = NULL); work functions of case 3 run on
 * the vCPU threads. Locking: each test page and each frame is owned by one requester thread;
 * cross-thread results are C11 atomics.
 *
 * Plain main (Criterion cannot run under ThreadSanitizer here, Criterion bug #274). Exit
 * status 0 when every case passed, 1 on a failed check, 2 on a usage or setup error, 3 when
 * the watchdog fired (a deadlock, reported with the state of every vCPU).
 *
 *   flush_stress [--smp N] [--mode mailbox|qemu] [--case all|1|2|3|4] [--scale F]
 *                [--timeout S] [--seed N] GUEST.elf
 * TLBSTORM_STRESS_SCALE in the environment multiplies the round counts too (0.1 under TSan). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "accel/tb.h"
#include "cpu/cpu.h"
#include "sync/work.h"
#include "tests/stress/stress_machine.h"

#define N_PAGES 48
#define N_REQUESTERS 3
#define WAIT_TIMEOUT_NS (10LL * 1000000000LL)   /* one progress or completion wait */
#define TIMER_PERIOD_TICKS 2000                  /* 200 us naps for STRESS_ROLE_TIMER */
/* Waiting for two guest passes costs a host scheduling round trip (ms with 8 vCPUs on 2
 * cores), so the progress check runs on every PROGRESS_EVERY-th round of each thread; the
 * poison and code-floor checks run on every access. */
#define PROGRESS_EVERY 4

static StressMachine sm;
static unsigned n_cpus;
static uint64_t all_mask, runners, timers, nevers;
static uint64_t readers[N_PAGES];
static enum tlb_flush_mode mode;
static double scale = 1.0;
static _Atomic int failures;
static _Atomic(const char *) phase = "setup";
static _Atomic bool stop_workers;

/* ------------------------------------------------------------------ reporting ---------- */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL [%s]: ", atomic_load(&phase));
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    atomic_fetch_add(&failures, 1);
}

static const char *role_name(unsigned h)
{
    return runners >> h & 1 ? "running" : timers >> h & 1 ? "timer-wfi" : "halted-wfi";
}

static void dump_vcpus(void)
{
    for (unsigned h = 0; h < n_cpus; h++) {
        RISCVCPU *c = sm.m.cpus[h];
        fprintf(stderr,
                "  vCPU %u (%s): running=%d req_seq=%u ack_seq=%u work_pending=%d "
                "icount_decr=%d guest passes=%" PRIu64 " trapped=%" PRIu64 "\n",
                h, role_name(h), atomic_load(&c->cs.running),
                atomic_load(&c->flush_mailbox.req_seq), atomic_load(&c->flush_mailbox.ack_seq),
                cpu_work_pending(&c->cs.work), atomic_load(&c->cs.icount_decr),
                gram_load64(&sm, STRESS_HART_FIELD(h, counter)),
                gram_load64(&sm, STRESS_HART_FIELD(h, trapped)));
    }
}

/* Hard wall-clock limit: a deadlock is reported, never waited out. */
static void *watchdog(void *arg)
{
    int64_t deadline = stress_now_ns() + (int64_t)(*(double *)arg * 1e9);
    while (stress_now_ns() < deadline) {
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "DEADLOCK or timeout: watchdog fired after %.0f s in [%s]\n",
            *(double *)arg, atomic_load(&phase));
    dump_vcpus();
    fflush(stderr);
    _exit(3);
}

/* ------------------------------------------------------------------ helpers ------------ */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rnd(Rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static unsigned rnd_below(Rng *r, unsigned n)
{
    return (unsigned)(rnd(r) % n);
}

static void pause_briefly(unsigned spins)
{
    if (spins < 64) {
        sched_yield();
    } else {
        struct timespec ts = { 0, 20 * 1000 };
        nanosleep(&ts, NULL);
    }
}

static uint64_t hart_counter(unsigned h)
{
    return gram_load64(&sm, STRESS_HART_FIELD(h, counter));
}

/* Wait until hart h has finished `passes` more passes than `from`. */
static bool wait_passes(unsigned h, uint64_t from, uint64_t passes, const char *why)
{
    int64_t deadline = stress_now_ns() + WAIT_TIMEOUT_NS;
    for (unsigned spins = 0; hart_counter(h) < from + passes; spins++) {
        if (stress_now_ns() > deadline) {
            fail("vCPU %u (%s) made no progress for 10 s (%s): passes %" PRIu64
                 " -> %" PRIu64, h, role_name(h), why, from, hart_counter(h));
            dump_vcpus();
            return false;
        }
        pause_briefly(spins);
    }
    return true;
}

static unsigned rounds(unsigned base)
{
    double r = base * scale;
    return r < 1 ? 1 : (unsigned)r;
}

/* ------------------------------------------------------------------ pages and frames --- */

/* Page i belongs to requester i % N_REQUESTERS, which alone remaps it and frees its frames. */
typedef struct Requester {
    unsigned id;
    Rng rng;
    unsigned cur_frame[N_PAGES];
    uint64_t cur_value[N_PAGES];
    uint64_t gen[N_PAGES];
    unsigned free_frames[STRESS_N_FRAMES];   /* FIFO: a freed frame stays poisoned longest */
    unsigned free_head, free_count;
    /* Case 2: frames unmapped by an async flush, poisoned once a synced flush from this
     * thread has covered every target of that async flush. */
    unsigned quarantine[STRESS_N_FRAMES];
    uint64_t quarantine_mask[STRESS_N_FRAMES];
    unsigned n_quarantine;
    /* Statistics. */
    unsigned remaps, synced, async;
    unsigned by_kind[TLB_FLUSH_NB_KINDS];
} Requester;

static Requester req_state[N_REQUESTERS];

static uint64_t page_value(unsigned page, uint64_t gen)
{
    return (uint64_t)(page + 1) << 40 | (gen & 0xffffffffffULL);
}

static void frame_free(Requester *r, unsigned f)
{
    r->free_frames[(r->free_head + r->free_count) % STRESS_N_FRAMES] = f;
    r->free_count++;
}

static unsigned frame_alloc(Requester *r)
{
    unsigned f = r->free_frames[r->free_head];
    r->free_head = (r->free_head + 1) % STRESS_N_FRAMES;
    r->free_count--;
    return f;
}

static void requesters_init(uint64_t seed)
{
    for (unsigned t = 0; t < N_REQUESTERS; t++) {
        Requester *r = &req_state[t];
        memset(r, 0, sizeof(*r));
        r->id = t;
        r->rng.s = seed * 0x9e3779b97f4a7c15ULL + t + 1;
    }
    for (unsigned i = 0; i < N_PAGES; i++) {
        Requester *r = &req_state[i % N_REQUESTERS];
        r->cur_frame[i] = i;
        r->cur_value[i] = page_value(i, 0);
    }
    for (unsigned f = N_PAGES; f < STRESS_N_FRAMES; f++) {
        frame_free(&req_state[f % N_REQUESTERS], f);
    }
}

static unsigned pick_page(Requester *r)
{
    unsigned n = (N_PAGES - r->id + N_REQUESTERS - 1) / N_REQUESTERS;
    return r->id + N_REQUESTERS * rnd_below(&r->rng, n);
}

/* A random request that covers test page `page` (every kind but FENCE_I). */
static TLBFlushReq random_req(Requester *r, unsigned page)
{
    uint64_t va = STRESS_VA + page * 0x1000ULL;
    TLBFlushReq q = { .idxmap = TLB_ASID_TAGGED_IDXMAP };
    int32_t asid = rnd_below(&r->rng, 2) ? STRESS_ASID : TLB_ASID_ANY;
    switch (rnd_below(&r->rng, 8)) {
    case 0: case 1: case 2:
        q.kind = TLB_FLUSH_PAGE;
        q.addr = va + rnd_below(&r->rng, 0x1000);
        q.asid = asid;
        break;
    case 3: case 4: {
        q.kind = TLB_FLUSH_RANGE;
        unsigned before = rnd_below(&r->rng, 4);
        /* Now and then longer than the mailbox's range limit: a full flush. */
        unsigned pages = rnd_below(&r->rng, 10) ? 1 + rnd_below(&r->rng, 6) : 100;
        q.addr = va - before * 0x1000ULL;
        q.len = (before + pages) * 0x1000ULL;
        q.asid = asid;
        break;
    }
    case 5: case 6:
        q.kind = TLB_FLUSH_ASID;
        q.asid = STRESS_ASID;
        break;
    default:
        q.kind = TLB_FLUSH_ALL;
        q.asid = TLB_ASID_ANY;
        q.idxmap = rnd_below(&r->rng, 2) ? 0xffff : TLB_ASID_TAGGED_IDXMAP;
        break;
    }
    return q;
}

/* Targets: every hart that reads the page, plus random others; a quarter of the time all. */
static uint64_t random_targets(Requester *r, unsigned page)
{
    if (rnd_below(&r->rng, 4) == 0) {
        return all_mask;
    }
    return (readers[page] | rnd(&r->rng)) & all_mask;
}

/* Point `page` at a fresh frame holding a new value. Returns the old frame. */
static unsigned remap(Requester *r, unsigned page)
{
    unsigned old = r->cur_frame[page];
    unsigned f = frame_alloc(r);
    uint64_t v = page_value(page, ++r->gen[page]);
    gram_store64(&sm, stress_frame_pa(f), v);
    /* Release: the frame contents are in place before a walker can see the new PTE. */
    gram_store64(&sm, STRESS_PTE_PA(page), stress_leaf_pte(f));
    r->cur_frame[page] = f;
    r->cur_value[page] = v;
    r->remaps++;
    return old;
}

/* After a synced flush of `targets` returned: every running reader that was targeted must
 * load the new value within two passes. */
static void check_progress(Requester *r, unsigned page, uint64_t targets)
{
    uint64_t check = runners & readers[page] & targets;
    uint64_t from[STRESS_MAX_HARTS];
    for (unsigned h = 0; h < n_cpus; h++) {
        from[h] = hart_counter(h);
    }
    for (unsigned h = 0; h < n_cpus; h++) {
        if (!(check >> h & 1) || !wait_passes(h, from[h], 2, "after a synced flush")) {
            continue;
        }
        uint64_t seen = gram_load64(&sm, STRESS_HART_FIELD(h, seen) + 8 * page);
        if (seen != r->cur_value[page]) {
            fail("vCPU %u read 0x%" PRIx64 " from page %u two passes after the synced "
                 "flush, expected 0x%" PRIx64, h, seen, page, r->cur_value[page]);
        }
    }
}

static void check_violations(const char *when)
{
    for (unsigned h = 0; h < n_cpus; h++) {
        uint64_t v = gram_load64(&sm, STRESS_HART_FIELD(h, violations));
        if (v) {
            fail("%s: vCPU %u (%s) loaded POISON %" PRIu64 " times (first at va 0x%" PRIx64
                 "): a stale translation was used after its synced flush returned",
                 when, h, role_name(h), v, gram_load64(&sm, STRESS_HART_FIELD(h, bad_va)));
        }
        if (gram_load64(&sm, STRESS_HART_FIELD(h, trapped))) {
            fail("%s: vCPU %u took an unexpected trap: cause %" PRIu64 " epc 0x%" PRIx64
                 " tval 0x%" PRIx64, when, h, gram_load64(&sm, STRESS_HART_FIELD(h, trap_cause)),
                 gram_load64(&sm, STRESS_HART_FIELD(h, trap_epc)),
                 gram_load64(&sm, STRESS_HART_FIELD(h, trap_tval)));
        }
        uint64_t cv = gram_load64(&sm, STRESS_HART_FIELD(h, code_violations));
        if (cv) {
            fail("%s: vCPU %u executed old code %" PRIu64 " times after its synced fence.i "
                 "returned (got generation %" PRIu64 ", floor %" PRIu64 ")", when, h, cv,
                 gram_load64(&sm, STRESS_HART_FIELD(h, code_bad)),
                 gram_load64(&sm, STRESS_HART_FIELD(h, code_bad_min)));
        }
    }
}

/* ------------------------------------------------------------------ case 1 ------------- */

/* The report of a synced request: every target and only they have a delivery; in the mailbox
 * strategy every kicked target answered, skipped ones were not waited for, and an ack time
 * lies between issue and completion even while other requesters make the same targets drain
 * again (docs/architecture.md, ack times). */
static void check_report(const TLBFlushReport *rep, uint64_t targets)
{
    if (rep->issue_ns > rep->done_ns) {
        fail("report: issued at %" PRId64 " after completion at %" PRId64, rep->issue_ns,
             rep->done_ns);
    }
    for (unsigned i = 0; i < n_cpus; i++) {
        unsigned d = rep->delivery[i], a = rep->ack[i];
        if (!((targets >> i) & 1)) {
            if (d != FLUSH_DELIVERY_NONE || a != FLUSH_ACK_NONE) {
                fail("report: vCPU %u was no target but has delivery %u ack %u", i, d, a);
            }
            continue;
        }
        if (mode == TLB_FLUSH_MODE_QEMU) {
            if (d != FLUSH_DELIVERY_WORK || a != FLUSH_ACK_NONE) {
                fail("report: qemu target %u has delivery %u ack %u", i, d, a);
            }
            continue;
        }
        if (d == FLUSH_DELIVERY_SKIPPED ? a != FLUSH_ACK_NONE
                                        : d != FLUSH_DELIVERY_KICKED || a == FLUSH_ACK_NONE) {
            fail("report: target %u has delivery %u ack %u", i, d, a);
        } else if (a != FLUSH_ACK_NONE &&
                   (rep->ack_ns[i] < rep->issue_ns || rep->ack_ns[i] > rep->done_ns)) {
            fail("report: target %u answered (%u) at %+" PRId64 " ns, completion at %+" PRId64
                 " ns", i, a, rep->ack_ns[i] - rep->issue_ns, rep->done_ns - rep->issue_ns);
        }
    }
}

/* One synced round: remap a random page, flush it from random targets with a random request
 * that covers it, check the report, poison and free the old frame. */
static void synced_remap(Requester *r, unsigned *page_out, uint64_t *targets_out)
{
    unsigned page = pick_page(r);
    unsigned old = remap(r, page);
    TLBFlushReq q = random_req(r, page);
    uint64_t targets = random_targets(r, page);
    TLBFlushReport rep;
    tlb_flush_cpus_report(NULL, &(CPUMask){ .bits = { targets } }, &q, true, &rep);
    gram_store64(&sm, stress_frame_pa(old), STRESS_POISON);
    frame_free(r, old);
    check_report(&rep, targets);
    r->synced++;
    r->by_kind[q.kind]++;
    *page_out = page;
    *targets_out = targets;
}

/* Remap, synced flush, poison the old frame at once, check progress. */
static void *case1_thread(void *arg)
{
    Requester *r = arg;
    unsigned n = rounds(1000);
    for (unsigned i = 0; i < n; i++) {
        unsigned page;
        uint64_t targets;
        synced_remap(r, &page, &targets);
        if (i % PROGRESS_EVERY == 0) {
            check_progress(r, page, targets);
        }
        if (atomic_load(&failures)) {
            break;
        }
    }
    return NULL;
}

/* Background for cases 1 and 2: no-op async work at random vCPUs, so that running targets
 * keep leaving and re-entering guest execution (and halted ones wake) while flushes arrive,
 * exercising the skip-then-drain-on-entry half of the protocol, not only kicks. */
static _Atomic bool stop_nudger;
static _Atomic uint64_t nudges_ran;

static void nudge_fn(CPUState *cs, void *data)
{
    (void)cs;
    (void)data;
    atomic_fetch_add_explicit(&nudges_ran, 1, memory_order_relaxed);
}

static void *nudger_thread(void *arg)
{
    Rng rng = { (uintptr_t)arg | 1 };
    while (!atomic_load(&stop_nudger)) {
        if (async_run_on_cpu(CPU(sm.m.cpus[rnd_below(&rng, n_cpus)]), nudge_fn, NULL) != 0) {
            fail("cannot queue work");
            break;
        }
        struct timespec ts = { 0, 50 * 1000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* ------------------------------------------------------------------ case 2 ------------- */

static void poison_quarantine(Requester *r, uint64_t covered)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->n_quarantine; i++) {
        if ((r->quarantine_mask[i] & ~covered) == 0) {
            gram_store64(&sm, stress_frame_pa(r->quarantine[i]), STRESS_POISON);
            frame_free(r, r->quarantine[i]);
        } else {
            r->quarantine[n] = r->quarantine[i];
            r->quarantine_mask[n++] = r->quarantine_mask[i];
        }
    }
    r->n_quarantine = n;
}

/* Half async, half synced. An async flush's old frame is poisoned only once a later synced
 * flush from the same thread has returned for every target of the async one: requests to one
 * target are applied in order, so the earlier async one is applied by then too. */
static void *case2_thread(void *arg)
{
    Requester *r = arg;
    unsigned n = rounds(1500);
    for (unsigned i = 0; i < n && !atomic_load(&failures); i++) {
        unsigned page = pick_page(r);
        bool synced = rnd_below(&r->rng, 2);
        if (!synced && r->free_count < 64) {
            synced = true;      /* keep the pool from draining into quarantine */
        }
        unsigned old = remap(r, page);
        TLBFlushReq q = random_req(r, page);
        uint64_t targets = random_targets(r, page);
        tlb_flush_cpus(NULL, &(CPUMask){ .bits = { targets } }, &q, synced);
        r->by_kind[q.kind]++;
        if (synced) {
            r->synced++;
            gram_store64(&sm, stress_frame_pa(old), STRESS_POISON);
            frame_free(r, old);
            poison_quarantine(r, targets);
        } else {
            r->async++;
            r->quarantine[r->n_quarantine] = old;
            r->quarantine_mask[r->n_quarantine++] = targets;
        }
    }
    return NULL;
}

/* Every request eventually applied: each running or napping hart loads the final value of
 * every page it reads, and its mailbox is acknowledged up to date (or it is outside guest
 * execution and applies the rest on entry; in QEMU mode its work queue is empty). */
static void case2_final_check(void)
{
    uint64_t from[STRESS_MAX_HARTS];
    for (unsigned h = 0; h < n_cpus; h++) {
        from[h] = hart_counter(h);
    }
    for (unsigned h = 0; h < n_cpus; h++) {
        if ((runners | timers) >> h & 1) {
            wait_passes(h, from[h], 2, "after the last async flush");
        }
    }
    for (unsigned h = 0; h < n_cpus; h++) {
        RISCVCPU *c = sm.m.cpus[h];
        int64_t deadline = stress_now_ns() + WAIT_TIMEOUT_NS;
        for (unsigned spins = 0;; spins++) {
            bool done;
            if (mode == TLB_FLUSH_MODE_QEMU) {
                done = !cpu_work_pending(&c->cs.work);
            } else {
                done = atomic_load(&c->flush_mailbox.req_seq) ==
                           atomic_load(&c->flush_mailbox.ack_seq) ||
                       !atomic_load(&c->cs.running);
            }
            if (done) {
                break;
            }
            if (stress_now_ns() > deadline) {
                fail("vCPU %u (%s) never applied its pending flush requests", h, role_name(h));
                dump_vcpus();
                break;
            }
            pause_briefly(spins);
        }
        if (!((runners | timers) >> h & 1)) {
            continue;
        }
        for (unsigned i = 0; i < N_PAGES; i++) {
            if (!(readers[i] >> h & 1)) {
                continue;
            }
            uint64_t want = req_state[i % N_REQUESTERS].cur_value[i];
            uint64_t seen = gram_load64(&sm, STRESS_HART_FIELD(h, seen) + 8 * i);
            if (seen != want) {
                fail("vCPU %u (%s) still reads 0x%" PRIx64 " from page %u after every flush "
                     "was delivered, expected 0x%" PRIx64, h, role_name(h), seen, i, want);
            }
        }
    }
    /* Now flush everything everywhere, synced, and poison what is left in quarantine. */
    TLBFlushReq all = { .kind = TLB_FLUSH_ALL, .idxmap = 0xffff, .asid = TLB_ASID_ANY };
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { all_mask } }, &all, true);
    for (unsigned t = 0; t < N_REQUESTERS; t++) {
        poison_quarantine(&req_state[t], all_mask);
    }
}

/* ------------------------------------------------------------------ case 3 ------------- */

#define N_WORKERS 2

typedef struct WorkItem {
    unsigned worker, target;
    uint64_t seq;
    bool exclusive;
} WorkItem;

static _Atomic uint64_t ran_seq[N_WORKERS][STRESS_MAX_HARTS];
static _Atomic uint64_t work_ran, work_exclusive_ran;

static void work_check(RISCVCPU *cpu, const WorkItem *w)
{
    if (cpu != sm.m.cpus[w->target]) {
        fail("work for vCPU %u ran on vCPU %u", w->target, cpu->cs.index);
    }
    if (atomic_load(&cpu->cs.running)) {
        fail("work ran on vCPU %u while it was inside guest execution", cpu->cs.index);
    }
    uint64_t last = atomic_load_explicit(&ran_seq[w->worker][w->target], memory_order_relaxed);
    if (last + 1 != w->seq) {
        fail("work from worker %u on vCPU %u: item %" PRIu64 " ran after item %" PRIu64
             " (lost, repeated or out of order)", w->worker, w->target, w->seq, last);
    }
    /* Release: pairs with the worker's acquire load when it checks completion. */
    atomic_store_explicit(&ran_seq[w->worker][w->target], w->seq, memory_order_release);
    atomic_fetch_add(&work_ran, 1);
}

static void work_fn(CPUState *cs, void *data)
{
    RISCVCPU *cpu = riscv_cpu_of(cs);
    work_check(cpu, data);
}

static void work_fn_async(CPUState *cs, void *data)
{
    RISCVCPU *cpu = riscv_cpu_of(cs);
    work_check(cpu, data);
    free(data);
}

/* Safe work: no vCPU may execute guest code meanwhile, so no guest pass counter moves. */
static void work_fn_safe(CPUState *cs, void *data)
{
    RISCVCPU *cpu = riscv_cpu_of(cs);
    uint64_t before[STRESS_MAX_HARTS];
    for (unsigned h = 0; h < n_cpus; h++) {
        before[h] = hart_counter(h);
    }
    for (int i = 0; i < 20; i++) {
        sched_yield();
    }
    for (unsigned h = 0; h < n_cpus; h++) {
        uint64_t now = hart_counter(h);
        if (now != before[h]) {
            fail("vCPU %u executed guest code (passes %" PRIu64 " -> %" PRIu64 ") during "
                 "safe work on vCPU %u", h, before[h], now, cpu->cs.index);
        }
    }
    atomic_fetch_add(&work_exclusive_ran, 1);
    work_check(cpu, data);
    free(data);
}

typedef struct Worker {
    unsigned id, n;
    Rng rng;
    uint64_t issued[STRESS_MAX_HARTS];
    unsigned n_sync, n_async, n_safe;
} Worker;

static bool queue_or_fail(int rc)
{
    if (rc) {
        fail("cannot queue work: %s", strerror(-rc));
        return false;
    }
    return true;
}

static void *case3_worker(void *arg)
{
    Worker *w = arg;
    for (unsigned i = 0; i < w->n && !atomic_load(&failures); i++) {
        unsigned t = rnd_below(&w->rng, n_cpus);
        unsigned op = rnd_below(&w->rng, 10);
        uint64_t seq = ++w->issued[t];
        if (op < 4) {
            WorkItem item = { w->id, t, seq, false };
            run_on_cpu(CPU(sm.m.cpus[t]), NULL, work_fn, &item);
            w->n_sync++;
            uint64_t ran = atomic_load_explicit(&ran_seq[w->id][t], memory_order_acquire);
            if (ran != seq) {
                fail("run_on_cpu on vCPU %u returned but its item %" PRIu64 " has not run "
                     "(last ran %" PRIu64 ")", t, seq, ran);
            }
            continue;
        }
        WorkItem *item = malloc(sizeof(*item));
        if (!item) {
            fail("out of memory");
            break;
        }
        *item = (WorkItem){ w->id, t, seq, op < 7 };
        if (op < 7) {
            w->n_safe++;
            if (!queue_or_fail(async_safe_run_on_cpu(CPU(sm.m.cpus[t]), work_fn_safe, item))) {
                break;
            }
        } else {
            w->n_async++;
            if (!queue_or_fail(async_run_on_cpu(CPU(sm.m.cpus[t]), work_fn_async, item))) {
                break;
            }
        }
    }
    return NULL;
}

/* Synced remaps (as case 1) until the workers are done. */
static void *case3_flusher(void *arg)
{
    Requester *r = arg;
    while (!atomic_load(&stop_workers) && !atomic_load(&failures)) {
        unsigned page;
        uint64_t targets;
        synced_remap(r, &page, &targets);
        /* Leave the cores to the workers and vCPUs most of the time: a flood of skipped
         * requests would only slow the workers down, not widen the interleavings. */
        struct timespec ts = { 0, 20 * 1000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* ------------------------------------------------------------------ case 4 ------------- */

typedef struct Fencer {
    unsigned id;
    uint64_t harts;                 /* runners whose code page this thread rewrites */
    Rng rng;
    unsigned n, done;
} Fencer;

static uint32_t code_gen[STRESS_MAX_HARTS];
static unsigned code_slot[STRESS_MAX_HARTS];

/* Publish generation g on hart h's code page in two fenced steps, as a JIT must: write g into
 * the idle slot, drop the page's TBs as a device's DMA write does (hw/virt.c), synced remote
 * fence.i; only then flip the jump at the page start to that slot, drop the TBs again, and
 * fence.i again. One fence after both stores is not enough for the guest's floor check: a
 * call that was already past the old jump when the previous fence was acknowledged may
 * translate the idle slot's older contents afterwards, and until the page is invalidated
 * again that TB is as legal as a stale I-cache line on hardware, so the new jump could land
 * on it in the window between the stores and the invalidation. */
static void publish_code(Fencer *f, unsigned h, uint64_t page, unsigned slot, uint32_t g)
{
    uint64_t targets = rnd_below(&f->rng, 4) ? 1ULL << h : all_mask;
    TLBFlushReq q = { .kind = TLB_FLUSH_FENCE_I };
    gram_store32(&sm, page + slot, stress_code_lui(g));
    tb_invalidate_phys_page(page);
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { targets } }, &q, true);
    gram_store32(&sm, page, stress_code_jump(slot));
    tb_invalidate_phys_page(page);
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { targets } }, &q, true);
}

static void *case4_thread(void *arg)
{
    Fencer *f = arg;
    urcu_memb_register_thread();      /* tb_invalidate_phys_page walks the TB table */
    unsigned harts[STRESS_MAX_HARTS], n_harts = 0;
    for (unsigned h = 0; h < n_cpus; h++) {
        if (f->harts >> h & 1) {
            harts[n_harts++] = h;
        }
    }
    for (unsigned i = 0; i < f->n && n_harts && !atomic_load(&failures); i++) {
        unsigned h = harts[rnd_below(&f->rng, n_harts)];
        uint64_t page = STRESS_CODE_PA + h * 0x1000ULL;
        uint32_t g = ++code_gen[h];
        unsigned slot = code_slot[h] ? STRESS_CODE_SLOT0 : STRESS_CODE_SLOT1;
        code_slot[h] ^= 1;
        publish_code(f, h, page, slot, g);
        gram_store64(&sm, STRESS_HART_FIELD(h, code_min), g);
        uint64_t from = hart_counter(h);
        if (i % PROGRESS_EVERY == 0 && wait_passes(h, from, 2, "after a synced fence.i")) {
            uint64_t seen = gram_load64(&sm, STRESS_HART_FIELD(h, code_seen));
            if (seen != g) {
                fail("vCPU %u ran code generation %" PRIu64 " two passes after the synced "
                     "fence.i for generation %u", h, seen, g);
            }
        }
        f->done++;
    }
    urcu_memb_unregister_thread();
    return NULL;
}

/* ------------------------------------------------------------------ driver ------------- */

static int start_threads(pthread_t *t, unsigned n, void *(*fn)(void *), void *args,
                         size_t arg_size)
{
    for (unsigned i = 0; i < n; i++) {
        int rc = pthread_create(&t[i], NULL, fn, (char *)args + i * arg_size);
        if (rc) {
            fprintf(stderr, "flush_stress: pthread_create: %s\n", strerror(rc));
            exit(2);
        }
    }
    return 0;
}

static void join_threads(pthread_t *t, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
    }
}

static void requester_totals(unsigned *remaps, unsigned *synced, unsigned *async,
                             unsigned kinds[TLB_FLUSH_NB_KINDS])
{
    *remaps = *synced = *async = 0;
    memset(kinds, 0, TLB_FLUSH_NB_KINDS * sizeof(kinds[0]));
    for (unsigned t = 0; t < N_REQUESTERS; t++) {
        *remaps += req_state[t].remaps;
        *synced += req_state[t].synced;
        *async += req_state[t].async;
        for (unsigned k = 0; k < TLB_FLUSH_NB_KINDS; k++) {
            kinds[k] += req_state[t].by_kind[k];
            req_state[t].by_kind[k] = 0;
        }
        req_state[t].remaps = req_state[t].synced = req_state[t].async = 0;
    }
}

static bool report(const char *name, int64_t t0, int fails_before, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool report(const char *name, int64_t t0, int fails_before, const char *fmt, ...)
{
    check_violations(name);
    bool ok = atomic_load(&failures) == fails_before;
    printf("%s %s: ", ok ? "ok  " : "FAIL", name);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" (%.2f s)\n", (stress_now_ns() - t0) / 1e9);
    fflush(stdout);
    return ok;
}

/* Run N_REQUESTERS threads of `fn` to completion while a nudger thread (seeded with `seed`)
 * keeps moving vCPUs in and out of guest code. */
static void run_requesters(void *(*fn)(void *), uintptr_t seed)
{
    pthread_t t[N_REQUESTERS];
    pthread_t nudger;
    atomic_store(&stop_nudger, false);
    pthread_create(&nudger, NULL, nudger_thread, (void *)seed);
    start_threads(t, N_REQUESTERS, fn, req_state, sizeof(req_state[0]));
    join_threads(t, N_REQUESTERS);
    atomic_store(&stop_nudger, true);
    pthread_join(nudger, NULL);
}

static bool run_case1(void)
{
    atomic_store(&phase, "case 1: stale translation after synced flush");
    int f0 = atomic_load(&failures);
    int64_t t0 = stress_now_ns();
    run_requesters(case1_thread, 0xc1);
    unsigned remaps, synced, async, k[TLB_FLUSH_NB_KINDS];
    requester_totals(&remaps, &synced, &async, k);
    return report("case 1 stale-translation", t0, f0,
                  "%u synced remaps from %d threads (page %u, range %u, asid %u, all %u), "
                  "poison checked, progress checked, %" PRIu64 " nudges", synced, N_REQUESTERS,
                  k[TLB_FLUSH_PAGE], k[TLB_FLUSH_RANGE], k[TLB_FLUSH_ASID], k[TLB_FLUSH_ALL],
                  atomic_exchange(&nudges_ran, 0));
}

static bool run_case2(void)
{
    atomic_store(&phase, "case 2: async and synced flushes mixed");
    int f0 = atomic_load(&failures);
    int64_t t0 = stress_now_ns();
    run_requesters(case2_thread, 0xc2);
    if (!atomic_load(&failures)) {
        case2_final_check();
    }
    unsigned remaps, synced, async, k[TLB_FLUSH_NB_KINDS];
    requester_totals(&remaps, &synced, &async, k);
    return report("case 2 async+synced", t0, f0,
                  "%u async + %u synced flushes from %d threads, all applied", async, synced,
                  N_REQUESTERS);
}

static bool run_case3(void)
{
    atomic_store(&phase, "case 3: exclusive and run_on_cpu work mixed with flushes");
    int f0 = atomic_load(&failures);
    int64_t t0 = stress_now_ns();
    memset(ran_seq, 0, sizeof(ran_seq));
    atomic_store(&work_ran, 0);
    atomic_store(&work_exclusive_ran, 0);
    atomic_store(&stop_workers, false);
    Worker w[N_WORKERS];
    unsigned total = rounds(10000);
    for (unsigned i = 0; i < N_WORKERS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].id = i;
        w[i].n = total / N_WORKERS;
        w[i].rng.s = 0x51ed2701 + i;
    }
    pthread_t tw[N_WORKERS], tf;
    pthread_create(&tf, NULL, case3_flusher, &req_state[0]);
    start_threads(tw, N_WORKERS, case3_worker, w, sizeof(w[0]));
    join_threads(tw, N_WORKERS);
    atomic_store(&stop_workers, true);
    pthread_join(tf, NULL);
    /* Every async item runs eventually, exactly once (the order check sees repeats). */
    uint64_t issued = 0;
    unsigned n_sync = 0, n_async = 0, n_safe = 0;
    for (unsigned i = 0; i < N_WORKERS; i++) {
        n_sync += w[i].n_sync;
        n_async += w[i].n_async;
        n_safe += w[i].n_safe;
        for (unsigned h = 0; h < n_cpus; h++) {
            issued += w[i].issued[h];
            int64_t deadline = stress_now_ns() + WAIT_TIMEOUT_NS;
            for (unsigned spins = 0;
                 atomic_load_explicit(&ran_seq[i][h], memory_order_acquire) != w[i].issued[h];
                 spins++) {
                if (stress_now_ns() > deadline) {
                    fail("vCPU %u (%s): worker %u's item %" PRIu64 " never ran (last %" PRIu64
                         ")", h, role_name(h), i, w[i].issued[h], atomic_load(&ran_seq[i][h]));
                    dump_vcpus();
                    break;
                }
                pause_briefly(spins);
            }
        }
    }
    if (atomic_load(&work_ran) != issued) {
        fail("%" PRIu64 " work items ran, %" PRIu64 " were queued", atomic_load(&work_ran),
             issued);
    }
    unsigned remaps, synced, async, k[TLB_FLUSH_NB_KINDS];
    requester_totals(&remaps, &synced, &async, k);
    return report("case 3 exclusive-work", t0, f0,
                  "%" PRIu64 " items (%u run_on_cpu, %u async_safe, %u async) on running and "
                  "halted vCPUs, each ran once in order, %u synced flushes alongside",
                  issued, n_sync, n_safe, n_async, synced);
}

static bool run_case4(void)
{
    atomic_store(&phase, "case 4: remote fence.i");
    int f0 = atomic_load(&failures);
    int64_t t0 = stress_now_ns();
    enum { N_FENCERS = 2 };
    Fencer f[N_FENCERS];
    memset(f, 0, sizeof(f));
    unsigned k = 0;
    for (unsigned h = 0; h < n_cpus; h++) {
        if (runners >> h & 1) {
            f[k++ % N_FENCERS].harts |= 1ULL << h;
        }
    }
    for (unsigned i = 0; i < N_FENCERS; i++) {
        f[i].id = i;
        f[i].n = rounds(1000);
        f[i].rng.s = 0xfe11ce + i;
    }
    pthread_t t[N_FENCERS];
    start_threads(t, N_FENCERS, case4_thread, f, sizeof(f[0]));
    join_threads(t, N_FENCERS);
    return report("case 4 remote-fence.i", t0, f0,
                  "%u code rewrites + synced fence.i, old code never ran after return",
                  f[0].done + f[1].done);
}

static void usage(void)
{
    fprintf(stderr, "usage: flush_stress [--smp N] [--mode mailbox|qemu] [--case all|1|2|3|4] "
                    "[--scale F] [--timeout S] [--seed N] GUEST.elf\n");
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned smp = 4;
    const char *mode_name = "mailbox", *which = "all", *guest = NULL;
    double timeout = 120;
    uint64_t seed = 1;
    /* Machine setup and teardown use the RCU read side (see hw/main.c). */
    urcu_memb_register_thread();
    const char *env = getenv("TLBSTORM_STRESS_SCALE");
    if (env) {
        scale = atof(env);
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--smp") && v) {
            smp = (unsigned)atoi(v);
        } else if (!strcmp(a, "--mode") && v) {
            mode_name = v;
        } else if (!strcmp(a, "--case") && v) {
            which = v;
        } else if (!strcmp(a, "--scale") && v) {
            scale *= atof(v);
        } else if (!strcmp(a, "--timeout") && v) {
            timeout = atof(v);
        } else if (!strcmp(a, "--seed") && v) {
            seed = strtoull(v, NULL, 0);
        } else if (a[0] != '-' && !guest) {
            guest = a;
            continue;
        } else {
            usage();
        }
        i++;
    }
    if (!guest || scale <= 0) {
        usage();
    }
    if (!stress_parse_mode(mode_name, &mode)) {
        usage();
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    pthread_t wd;
    pthread_create(&wd, NULL, watchdog, &timeout);
    pthread_detach(wd);

    Error *err = NULL;
    if (stress_machine_create(&sm, guest, smp, mode, &err) != 0) {
        fprintf(stderr, "flush_stress: %s\n", error_get_pretty(err));
        error_free(err);
        return 2;
    }
    n_cpus = sm.m.n_cpus;
    all_mask = n_cpus == 64 ? ~0ULL : (1ULL << n_cpus) - 1;
    /* Half the harts (at least one) run; the rest alternate between timer naps and WFI
     * forever, so every flush meets running and halted targets. */
    uint64_t roles[STRESS_MAX_HARTS];
    unsigned n_run = n_cpus / 2 ? n_cpus / 2 : 1;
    for (unsigned h = 0; h < n_cpus; h++) {
        if (h < n_run) {
            roles[h] = STRESS_ROLE_RUN;
            runners |= 1ULL << h;
        } else if ((h - n_run) % 2 == 0) {
            roles[h] = STRESS_ROLE_TIMER;
            timers |= 1ULL << h;
        } else {
            roles[h] = STRESS_ROLE_NEVER;
            nevers |= 1ULL << h;
        }
    }
    /* Readers: a third of the pages are read by everyone, the rest by random subsets that
     * always include a running hart. */
    Rng rng = { seed * 0x2545f4914f6cdd1dULL + 7 };
    unsigned frames[N_PAGES];
    uint64_t values[N_PAGES];
    for (unsigned i = 0; i < N_PAGES; i++) {
        readers[i] = i % 3 == 0 ? all_mask
                                : ((rnd(&rng) & all_mask) | 1ULL << rnd_below(&rng, n_run));
        frames[i] = i;
        values[i] = page_value(i, 0);
    }
    requesters_init(seed);
    stress_layout_write(&sm, N_PAGES, roles, readers, frames, values, TIMER_PERIOD_TICKS);
    if (stress_machine_start(&sm) != 0) {
        fprintf(stderr, "flush_stress: cannot start the vCPU threads\n");
        stress_machine_destroy(&sm);
        return 2;
    }
    printf("flush_stress: %u vCPUs (running 0x%" PRIx64 ", timer WFI 0x%" PRIx64
           ", halted WFI 0x%" PRIx64 "), mode %s, scale %.3g, seed %" PRIu64 "\n",
           n_cpus, runners, timers, nevers, mode_name, scale, seed);

    /* Every hart reaches its loop (or its final WFI) first. */
    atomic_store(&phase, "boot");
    int64_t t0 = stress_now_ns();
    for (unsigned h = 0; h < n_cpus; h++) {
        wait_passes(h, 0, 1, "first pass after boot");
    }
    if (atomic_load(&failures)) {
        report("boot", t0, 0, "harts did not start");
        stress_machine_destroy(&sm);
        return 1;
    }

    unsigned passed = 0, failed = 0;
    bool all = !strcmp(which, "all");
    bool (*cases[])(void) = { run_case1, run_case2, run_case3, run_case4 };
    for (unsigned c = 0; c < 4; c++) {
        char name[2] = { (char)('1' + c), 0 };
        if (!all && strcmp(which, name)) {
            continue;
        }
        if (cases[c]()) {
            passed++;
        } else {
            failed++;
        }
    }
    atomic_store(&phase, "teardown");
    stress_machine_destroy(&sm);
    printf("flush_stress smp=%u mode=%s: %u passed, %u failed\n", n_cpus, mode_name, passed,
           failed);
    return failed ? 1 : 0;
}
