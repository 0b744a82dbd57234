/* Criterion tests for the flush mailbox (mm/tlb_flush.c): what a request leaves in a
 * target's mailbox (coalescing, merging, escalation to a full flush), that targets outside
 * guest execution are skipped and apply the request when they drain, the work queue
 * (sync/work.c) run from the owner, and the per-target report of a request (delivery, ack
 * times), where a helper thread plays the owner of a target inside guest execution. The
 * concurrent behaviour at scale is pinned down by tests/stress/flush_stress.c with real vCPU
 * threads. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "cpu/cpu.h"
#include "cpu/mem_access.h"
#include "hw/machine.h"
#include "mm/flush_stats.h"
#include "mm/tlb_flush.h"
#include "sync/work.h"
#include "tests/unit/fixture_hart.h"

#define NCPU 4
static RISCVCPU *cpus[NCPU];
static Machine m;

static void setup(void)
{
    fx_setup();
    cpus[0] = fx_cpu;
    for (unsigned i = 1; i < NCPU; i++) {
        cpus[i] = fx_new_cpu(i);
    }
    m.n_cpus = NCPU;
    m.cpus = cpus;
    riscv_cpu_list_set(cpus, NCPU);
}

static void teardown(void)
{
    for (unsigned i = 1; i < NCPU; i++) {
        fx_free_cpu(cpus[i]);
    }
    fx_teardown();
}

TestSuite(tlb_flush, .init = setup, .fini = teardown);

static TLBFlushReq page_req(uint64_t addr, int32_t asid)
{
    return (TLBFlushReq){ .kind = TLB_FLUSH_PAGE, .addr = addr, .asid = asid,
                          .idxmap = TLB_ASID_TAGGED_IDXMAP };
}

Test(tlb_flush, idle_target_is_skipped_and_applies_on_drain)
{
    RISCVCPU *t = cpus[2];
    fx_paging(SATP_MODE_SV39);
    t->satp = fx_cpu->satp;
    fx_set_priv(t, PRV_S);
    fx_map(0x10000, FX_RAM_BASE + 0x100000, 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    uint64_t v;
    cr_assert(tlb_load_slow(t, 0x10000, 8, MMU_IDX_S, false, &v));
    TLBFlushReq r = page_req(0x10000, TLB_ASID_ANY);
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 1u << 2 } }, &r, true);   /* returns: the target is not running */
    cr_assert_eq(atomic_load(&t->flush_mailbox.stats.skipped), 1);
    cr_assert_eq(t->flush_mailbox.n_ring, 1);
    CPUTLBEntry *e = tlb_entry(&t->tlb, MMU_IDX_S, 0x10000);
    cr_assert_eq(e->addr_read & RV_PAGE_MASK, 0x10000, "flushed before the owner drained");
    tlb_flush_process_mailbox(&t->tlb, &t->flush_mailbox);
    cr_assert_neq(e->addr_read & (RV_PAGE_MASK | TLB_INVALID), 0x10000);
    cr_assert_eq(atomic_load(&t->flush_mailbox.ack_seq), atomic_load(&t->flush_mailbox.req_seq));
    cr_assert_eq(t->flush_mailbox.n_ring, 0);
}

Test(tlb_flush, requester_vcpu_in_mask_flushes_itself_directly)
{
    TLBFlushReq r = { .kind = TLB_FLUSH_ALL, .idxmap = 0xf, .asid = TLB_ASID_ANY };
    uint64_t full = fx_cpu->tlb.stats.flushes_full;
    tlb_flush_cpus(CPU(fx_cpu), &(CPUMask){ .bits = { 0xf } }, &r, true);
    cr_assert_eq(fx_cpu->tlb.stats.flushes_full, full + 1);
    cr_assert_eq(atomic_load(&fx_cpu->flush_mailbox.req_seq), 0, "self got a mailbox entry");
    cr_assert_eq(cpus[1]->flush_mailbox.full_idxmap, 0xf);
}

Test(tlb_flush, duplicate_and_contained_requests_coalesce)
{
    RISCVCPU *t = cpus[1];
    TLBFlushReq a = { .kind = TLB_FLUSH_RANGE, .addr = 0x40000, .len = 0x8000, .asid = 3,
                      .idxmap = TLB_ASID_TAGGED_IDXMAP };
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 1u << 1 } }, &a, false);
    TLBFlushReq b = page_req(0x42000, 3);
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 1u << 1 } }, &b, false);
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 1u << 1 } }, &b, false);
    cr_assert_eq(t->flush_mailbox.n_ring, 1);
    cr_assert_eq(atomic_load(&t->flush_mailbox.stats.coalesced), 2);
    TLBFlushReq other_asid = page_req(0x42000, 4);
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 1u << 1 } }, &other_asid, false);
    cr_assert_eq(t->flush_mailbox.n_ring, 2, "a page of another ASID is not covered");
}

Test(tlb_flush, adjacent_pages_merge_into_one_range)
{
    RISCVCPU *t = cpus[1];
    for (unsigned i = 0; i < 10; i++) {
        TLBFlushReq r = page_req(0x80000 + i * 0x1000, TLB_ASID_ANY);
        tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 1u << 1 } }, &r, false);
    }
    cr_assert_eq(t->flush_mailbox.n_ring, 1);
    cr_assert_eq(t->flush_mailbox.ring[0].kind, TLB_FLUSH_RANGE);
    cr_assert_eq(t->flush_mailbox.ring[0].addr, 0x80000);
    cr_assert_eq(t->flush_mailbox.ring[0].len, 0xa000);
}

Test(tlb_flush, full_flush_supersedes_pending_pages)
{
    RISCVCPU *t = cpus[3];
    TLBFlushReq p = page_req(0x5000, TLB_ASID_ANY);
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 1u << 3 } }, &p, false);
    TLBFlushReq all = { .kind = TLB_FLUSH_ALL, .idxmap = TLB_ASID_TAGGED_IDXMAP,
                        .asid = TLB_ASID_ANY };
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 1u << 3 } }, &all, false);
    cr_assert_eq(t->flush_mailbox.n_ring, 0);
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 1u << 3 } }, &p, false);
    cr_assert_eq(t->flush_mailbox.n_ring, 0, "a page already covered by a full flush queued");
    cr_assert_eq(atomic_load(&t->flush_mailbox.stats.coalesced), 1);
}

Test(tlb_flush, ring_overflow_escalates_to_full_flush_without_losing_requests)
{
    RISCVCPU *t = cpus[1];
    fx_paging(SATP_MODE_SV39);
    t->satp = fx_cpu->satp;
    fx_set_priv(t, PRV_S);
    fx_map(0x7000000, FX_RAM_BASE + 0x100000, 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    uint64_t v;
    cr_assert(tlb_load_slow(t, 0x7000000, 8, MMU_IDX_S, false, &v));
    for (unsigned i = 0; i <= TLB_MAILBOX_RING; i++) {
        /* Far apart, so nothing merges. */
        TLBFlushReq r = page_req(0x1000000ULL * (i + 1), TLB_ASID_ANY);
        tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 1u << 1 } }, &r, false);
    }
    cr_assert_eq(atomic_load(&t->flush_mailbox.stats.escalated), 1);
    cr_assert_eq(t->flush_mailbox.full_idxmap, TLB_ASID_TAGGED_IDXMAP);
    cr_assert_eq(t->flush_mailbox.n_ring, 0);
    tlb_flush_process_mailbox(&t->tlb, &t->flush_mailbox);
    CPUTLBEntry *e = tlb_entry(&t->tlb, MMU_IDX_S, 0x7000000);
    cr_assert_neq(e->addr_read & (RV_PAGE_MASK | TLB_INVALID), 0x7000000,
                  "the escalated full flush did not reach the entry");
}

Test(tlb_flush, fence_i_request_sets_the_flag_once)
{
    TLBFlushReq r = { .kind = TLB_FLUSH_FENCE_I };
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 0xe } }, &r, false);
    tlb_flush_cpus(NULL, &(CPUMask){ .bits = { 0xe } }, &r, false);
    for (unsigned i = 1; i < NCPU; i++) {
        cr_assert(cpus[i]->flush_mailbox.fence_i);
        cr_assert_eq(atomic_load(&cpus[i]->flush_mailbox.stats.coalesced), 1);
    }
}

static void count_work(CPUState *cs, void *data)
{
    (void)cs;
    (*(int *)data)++;
}

Test(tlb_flush, queued_work_runs_in_order_on_the_owner)
{
    int n = 0;
    cr_assert_eq(async_run_on_cpu(CPU(cpus[1]), count_work, &n), 0);
    cr_assert_eq(async_run_on_cpu(CPU(cpus[1]), count_work, &n), 0);
    cr_assert(cpu_work_pending(&cpus[1]->cs.work));
    cr_assert_eq(n, 0);
    process_queued_cpu_work(CPU(cpus[1]));
    cr_assert_eq(n, 2);
    cr_assert(!cpu_work_pending(&cpus[1]->cs.work));
    run_on_cpu(CPU(cpus[1]), CPU(cpus[1]), count_work, &n);   /* on itself: runs at once */
    cr_assert_eq(n, 3);
}

/* ---- per-target report: a helper thread stands in for a target's vCPU thread ---- */

/* The owner of `cpu` "inside guest execution": running = true, then the drain cpu_exec_start
 * does; on every kick it drains (as a TB entry does) or, with leave_on_kick, leaves guest
 * execution without draining (as cpu_exec_end does). */
typedef struct FakeOwner {
    RISCVCPU *cpu;
    bool leave_on_kick;
    _Atomic bool inside;          /* set once running is published */
    _Atomic bool stop;
    pthread_t thread;
} FakeOwner;

static void *fake_owner_thread(void *arg)
{
    FakeOwner *o = arg;
    urcu_memb_register_thread();
    atomic_store(&o->cpu->cs.running, true);
    tlb_flush_process_mailbox(&o->cpu->tlb, &o->cpu->flush_mailbox);
    atomic_store(&o->inside, true);
    while (!atomic_load(&o->stop)) {
        if (atomic_exchange(&o->cpu->cs.icount_decr, 0) < 0) {
            if (o->leave_on_kick) {
                break;
            }
            tlb_flush_process_mailbox(&o->cpu->tlb, &o->cpu->flush_mailbox);
        }
        sched_yield();
    }
    atomic_store(&o->cpu->cs.running, false);
    tlb_flush_owner_left(&o->cpu->flush_mailbox);
    urcu_memb_unregister_thread();
    return NULL;
}

static void fake_owner_start(FakeOwner *o, RISCVCPU *cpu, bool leave_on_kick)
{
    o->cpu = cpu;
    o->leave_on_kick = leave_on_kick;
    atomic_init(&o->inside, false);
    atomic_init(&o->stop, false);
    cr_assert_eq(pthread_create(&o->thread, NULL, fake_owner_thread, o), 0);
    while (!atomic_load(&o->inside)) {
        sched_yield();
    }
}

static void fake_owner_stop(FakeOwner *o)
{
    atomic_store(&o->stop, true);
    pthread_join(o->thread, NULL);
}

/* The --stats JSON as a string (caller frees). */
static char *stats_json(const char *strategy)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert(f);
    flush_stats_write_json(f, strategy, 0);
    cr_assert(!ferror(f));
    cr_assert_eq(fclose(f), 0);
    return buf;
}

Test(tlb_flush, synced_request_reports_ack_times_of_kicked_targets)
{
    FakeOwner o1, o3;
    fake_owner_start(&o1, cpus[1], false);
    fake_owner_start(&o3, cpus[3], false);
    TLBFlushReq r = page_req(0x10000, TLB_ASID_ANY);
    TLBFlushReport rep;
    for (int round = 0; round < 20; round++) {
        tlb_flush_cpus_report(NULL, &(CPUMask){ .bits = { 0xe } }, &r, true, &rep);
        cr_assert_eq(rep.requester, -1);
        cr_assert(rep.synced);
        cr_assert_leq(rep.issue_ns, rep.done_ns);
        for (unsigned i = 1; i < NCPU; i += 2) {
            cr_assert_eq(rep.delivery[i], FLUSH_DELIVERY_KICKED, "target %u", i);
            cr_assert_eq(rep.ack[i], FLUSH_ACK_ACKED, "target %u", i);
            cr_assert_geq(rep.ack_ns[i], rep.issue_ns, "target %u acked before the issue", i);
            cr_assert_leq(rep.ack_ns[i], rep.done_ns, "target %u acked after completion", i);
        }
        cr_assert_eq(rep.delivery[2], FLUSH_DELIVERY_SKIPPED);
        cr_assert_eq(rep.ack[2], FLUSH_ACK_NONE, "a skipped target is not waited for");
        cr_assert_eq(rep.delivery[0], FLUSH_DELIVERY_NONE, "not a target");
        cr_assert_eq(rep.ack[0], FLUSH_ACK_NONE);
    }
    fake_owner_stop(&o1);
    fake_owner_stop(&o3);
    cr_assert_eq(atomic_load(&cpus[1]->flush_mailbox.stats.left), 0);
    char *json = stats_json("mailbox");
    cr_assert(strstr(json, "\"ack_latency_ns\": {\"count\": 40, "), "%s", json);
    cr_assert(strstr(json, "\"left\": 0, "), "%s", json);
    free(json);
}

Test(tlb_flush, kicked_target_that_leaves_guest_code_is_reported_left)
{
    FakeOwner o;
    fake_owner_start(&o, cpus[1], true);
    TLBFlushReq r = page_req(0x10000, TLB_ASID_ANY);
    TLBFlushReport rep;
    tlb_flush_cpus_report(CPU(cpus[0]), &(CPUMask){ .bits = { 0x3 } }, &r, true, &rep);
    fake_owner_stop(&o);
    cr_assert_eq(rep.requester, 0);
    cr_assert_eq(rep.delivery[0], FLUSH_DELIVERY_NONE, "the requester flushes itself directly");
    cr_assert_eq(rep.delivery[1], FLUSH_DELIVERY_KICKED);
    cr_assert_eq(rep.ack[1], FLUSH_ACK_LEFT);
    cr_assert(rep.issue_ns <= rep.ack_ns[1] && rep.ack_ns[1] <= rep.done_ns);
    cr_assert_eq(atomic_load(&cpus[1]->flush_mailbox.stats.left), 1);
    cr_assert_eq(cpus[1]->flush_mailbox.n_ring, 1, "applied on re-entry, still pending");
    char *json = stats_json("mailbox");
    cr_assert(strstr(json, "\"ack_latency_ns\": {\"count\": 0, "), "%s", json);
    free(json);
}

Test(tlb_flush, async_request_reports_delivery_without_acks)
{
    FakeOwner o;
    fake_owner_start(&o, cpus[1], false);
    TLBFlushReq r = page_req(0x10000, TLB_ASID_ANY);
    TLBFlushReport rep;
    tlb_flush_cpus_report(NULL, &(CPUMask){ .bits = { 0x6 } }, &r, false, &rep);
    fake_owner_stop(&o);
    cr_assert(!rep.synced);
    cr_assert_eq(rep.delivery[1], FLUSH_DELIVERY_KICKED);
    cr_assert_eq(rep.delivery[2], FLUSH_DELIVERY_SKIPPED);
    cr_assert_eq(rep.ack[1], FLUSH_ACK_NONE);
    cr_assert_eq(rep.ack[2], FLUSH_ACK_NONE);
}

Test(tlb_flush, qemu_work_item_run_is_the_ack)
{
    tlb_flush_set_mode(TLB_FLUSH_MODE_QEMU);
    TLBFlushReq r = page_req(0x10000, TLB_ASID_ANY);
    TLBFlushReport rep;
    tlb_flush_cpus_report(NULL, &(CPUMask){ .bits = { 0x6 } }, &r, false, &rep);
    cr_assert_eq(rep.delivery[1], FLUSH_DELIVERY_WORK);
    cr_assert_eq(rep.delivery[2], FLUSH_DELIVERY_WORK);
    cr_assert_eq(rep.ack[1], FLUSH_ACK_NONE, "the work has not run when the call returns");
    char *json = stats_json("qemu");
    cr_assert(strstr(json, "\"ack_latency_ns\": {\"count\": 0, "), "%s", json);
    free(json);
    process_queued_cpu_work(CPU(cpus[1]));
    process_queued_cpu_work(CPU(cpus[2]));
    json = stats_json("qemu");
    cr_assert(strstr(json, "\"page\": {\"synced\": 0, \"async\": 1, \"targets\": 2, "), "%s",
              json);
    cr_assert(strstr(json, "\"ack_latency_ns\": {\"count\": 2, "), "%s", json);
    free(json);
}
