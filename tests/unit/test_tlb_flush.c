/* Criterion tests for the flush mailbox (mm/tlb_flush.c), single-threaded: what a request
 * leaves in a target's mailbox (coalescing, merging, escalation to a full flush), that
 * targets outside guest execution are skipped and apply the request when they drain, and the
 * work queue (sync/work.c) run from the owner. The concurrent behaviour is pinned down by
 * tests/stress/flush_stress.c with real vCPU threads. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "hw/machine.h"
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
    tlb_flush_cpus(&m, NULL, 1u << 2, &r, true);   /* returns: the target is not running */
    cr_assert_eq(atomic_load(&t->flush_mailbox.stats.skipped), 1);
    cr_assert_eq(t->flush_mailbox.n_ring, 1);
    CPUTLBEntry *e = tlb_entry(&t->tlb, MMU_IDX_S, 0x10000);
    cr_assert_eq(e->addr_read & RV_PAGE_MASK, 0x10000, "flushed before the owner drained");
    tlb_flush_process_mailbox(t);
    cr_assert_neq(e->addr_read & (RV_PAGE_MASK | TLB_INVALID), 0x10000);
    cr_assert_eq(atomic_load(&t->flush_mailbox.ack_seq), atomic_load(&t->flush_mailbox.req_seq));
    cr_assert_eq(t->flush_mailbox.n_ring, 0);
}

Test(tlb_flush, requester_vcpu_in_mask_flushes_itself_directly)
{
    TLBFlushReq r = { .kind = TLB_FLUSH_ALL, .idxmap = 0xf, .asid = TLB_ASID_ANY };
    uint64_t full = fx_cpu->tlb.stats.flushes_full;
    tlb_flush_cpus(&m, fx_cpu, 0xf, &r, true);
    cr_assert_eq(fx_cpu->tlb.stats.flushes_full, full + 1);
    cr_assert_eq(atomic_load(&fx_cpu->flush_mailbox.req_seq), 0, "self got a mailbox entry");
    cr_assert_eq(cpus[1]->flush_mailbox.full_idxmap, 0xf);
}

Test(tlb_flush, duplicate_and_contained_requests_coalesce)
{
    RISCVCPU *t = cpus[1];
    TLBFlushReq a = { .kind = TLB_FLUSH_RANGE, .addr = 0x40000, .len = 0x8000, .asid = 3,
                      .idxmap = TLB_ASID_TAGGED_IDXMAP };
    tlb_flush_cpus(&m, NULL, 1u << 1, &a, false);
    TLBFlushReq b = page_req(0x42000, 3);
    tlb_flush_cpus(&m, NULL, 1u << 1, &b, false);
    tlb_flush_cpus(&m, NULL, 1u << 1, &b, false);
    cr_assert_eq(t->flush_mailbox.n_ring, 1);
    cr_assert_eq(atomic_load(&t->flush_mailbox.stats.coalesced), 2);
    TLBFlushReq other_asid = page_req(0x42000, 4);
    tlb_flush_cpus(&m, NULL, 1u << 1, &other_asid, false);
    cr_assert_eq(t->flush_mailbox.n_ring, 2, "a page of another ASID is not covered");
}

Test(tlb_flush, adjacent_pages_merge_into_one_range)
{
    RISCVCPU *t = cpus[1];
    for (unsigned i = 0; i < 10; i++) {
        TLBFlushReq r = page_req(0x80000 + i * 0x1000, TLB_ASID_ANY);
        tlb_flush_cpus(&m, NULL, 1u << 1, &r, false);
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
    tlb_flush_cpus(&m, NULL, 1u << 3, &p, false);
    TLBFlushReq all = { .kind = TLB_FLUSH_ALL, .idxmap = TLB_ASID_TAGGED_IDXMAP,
                        .asid = TLB_ASID_ANY };
    tlb_flush_cpus(&m, NULL, 1u << 3, &all, false);
    cr_assert_eq(t->flush_mailbox.n_ring, 0);
    tlb_flush_cpus(&m, NULL, 1u << 3, &p, false);
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
        tlb_flush_cpus(&m, NULL, 1u << 1, &r, false);
    }
    cr_assert_eq(atomic_load(&t->flush_mailbox.stats.escalated), 1);
    cr_assert_eq(t->flush_mailbox.full_idxmap, TLB_ASID_TAGGED_IDXMAP);
    cr_assert_eq(t->flush_mailbox.n_ring, 0);
    tlb_flush_process_mailbox(t);
    CPUTLBEntry *e = tlb_entry(&t->tlb, MMU_IDX_S, 0x7000000);
    cr_assert_neq(e->addr_read & (RV_PAGE_MASK | TLB_INVALID), 0x7000000,
                  "the escalated full flush did not reach the entry");
}

Test(tlb_flush, fence_i_request_sets_the_flag_once)
{
    TLBFlushReq r = { .kind = TLB_FLUSH_FENCE_I };
    tlb_flush_cpus(&m, NULL, 0xe, &r, false);
    tlb_flush_cpus(&m, NULL, 0xe, &r, false);
    for (unsigned i = 1; i < NCPU; i++) {
        cr_assert(cpus[i]->flush_mailbox.fence_i);
        cr_assert_eq(atomic_load(&cpus[i]->flush_mailbox.stats.coalesced), 1);
    }
}

static void count_work(RISCVCPU *cpu, void *data)
{
    (void)cpu;
    (*(int *)data)++;
}

Test(tlb_flush, queued_work_runs_in_order_on_the_owner)
{
    int n = 0;
    cr_assert_eq(async_run_on_cpu(cpus[1], count_work, &n), 0);
    cr_assert_eq(async_run_on_cpu(cpus[1], count_work, &n), 0);
    cr_assert(cpu_work_pending(&cpus[1]->work));
    cr_assert_eq(n, 0);
    process_queued_cpu_work(cpus[1]);
    cr_assert_eq(n, 2);
    cr_assert(!cpu_work_pending(&cpus[1]->work));
    run_on_cpu(cpus[1], cpus[1], count_work, &n);   /* on itself: runs at once */
    cr_assert_eq(n, 3);
}
