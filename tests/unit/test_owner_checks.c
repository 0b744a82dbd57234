/* The ownership checks themselves (sync/cpu_state.h): they must fire when an owner-only call
 * comes from the wrong thread or from inside guest execution, and stay quiet for the owner
 * and for set-up before the vCPU thread exists. This test compiles the TLB and the
 * synchronisation layer with the checks on whatever the build type (tests/meson.build), so it
 * pins the behaviour in release builds too; the layering lets mm/tlb.c be built with nothing
 * above it. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "mm/tlb.h"
#include "sync/cpu_state.h"
#include "sync/exclusive.h"
#include "sync/work.h"

#ifndef TLBSTORM_OWNER_CHECKS
#error "this test must be compiled with the ownership checks on"
#endif

static CPUState cs;
static CPUTLB tlb;
static pthread_t owner;
static _Atomic int phase;         /* 1: owner entered; 2: test done, owner may leave */

static void setup(void)
{
    cr_assert_eq(cpu_state_init(&cs, 3, NULL, NULL), 0);
    cr_assert_eq(tlb_init(&tlb, &cs, NULL, NULL), 0);
    atomic_store(&phase, 0);
}

static void teardown(void)
{
    tlb_destroy(&tlb);
    cpu_state_destroy(&cs);
}

TestSuite(owner_checks, .init = setup, .fini = teardown);

/* The vCPU thread: enters, optionally runs `body`, then waits until the test says done. */
static void (*owner_body)(void);

static void *owner_thread(void *arg)
{
    (void)arg;
    cpu_thread_enter(&cs);
    if (owner_body) {
        owner_body();
    }
    atomic_store(&phase, 1);
    while (atomic_load(&phase) != 2) {
        sched_yield();
    }
    cpu_thread_exit(&cs);
    return NULL;
}

static void start_owner(void (*body)(void))
{
    owner_body = body;
    cr_assert_eq(pthread_create(&owner, NULL, owner_thread, NULL), 0);
    while (atomic_load(&phase) != 1) {
        sched_yield();
    }
}

static void stop_owner(void)
{
    atomic_store(&phase, 2);
    pthread_join(owner, NULL);
}

Test(owner_checks, set_up_on_the_main_thread_before_the_vcpu_thread_exists_is_allowed)
{
    tlb_flush_local(&tlb);
    tlb_flush_page_local(&tlb, 0x4000);
    process_queued_cpu_work(&cs);
}

static void owner_uses_its_tlb(void)
{
    TLBPageInfo info = { .paddr = 0x80001000, .page_bits = 12, .prot = PAGE_READ };
    tlb_set_page(&tlb, 1, 0x1000, &info);
    CPUTLBEntryFull *full;
    cr_assert_not_null(tlb_lookup(&tlb, 1, 0x1000, ACCESS_LOAD, &full));
    tlb_flush_page_local(&tlb, 0x1000);
    tlb_flush_local(&tlb);
    process_queued_cpu_work(&cs);
}

Test(owner_checks, the_owner_thread_may_use_its_tlb_and_queue)
{
    start_owner(owner_uses_its_tlb);
    stop_owner();
}

Test(owner_checks, local_tlb_flush_from_another_thread_aborts, .signal = SIGABRT)
{
    start_owner(NULL);
    tlb_flush_local(&tlb);        /* the main thread, while vCPU 3's thread runs */
    stop_owner();
}

Test(owner_checks, tlb_fill_from_another_thread_aborts, .signal = SIGABRT)
{
    start_owner(NULL);
    TLBPageInfo info = { .paddr = 0x80001000, .page_bits = 12, .prot = PAGE_READ };
    tlb_set_page(&tlb, 1, 0x1000, &info);
    stop_owner();
}

Test(owner_checks, a_claimed_vcpu_belongs_to_its_thread_before_it_runs, .signal = SIGABRT)
{
    cpu_thread_claim(&cs);        /* as vcpu_start does just before pthread_create */
    tlb_flush_page_local(&tlb, 0x1000);
}

static void drain_work_inside_guest_execution(void)
{
    cpu_exec_start(&cs);
    process_queued_cpu_work(&cs);  /* work runs only between cpu_exec_end and _start */
}

Test(owner_checks, work_queue_drain_inside_guest_execution_aborts, .signal = SIGABRT)
{
    start_owner(drain_work_inside_guest_execution);
    stop_owner();
}

Test(owner_checks, work_queue_drain_from_another_thread_aborts, .signal = SIGABRT)
{
    start_owner(NULL);
    process_queued_cpu_work(&cs);
    stop_owner();
}
