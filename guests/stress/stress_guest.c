/* flush_stress guest: each hart switches to S-mode with Sv39 paging on the page tables the
 * host built (guests/stress/stress_layout.h) and then, by the role the host gave it, loops
 * over the test pages it reads (STRESS_ROLE_RUN), naps in WFI between passes until its
 * stimecmp fires (STRESS_ROLE_TIMER), or makes one pass and halts for good
 * (STRESS_ROLE_NEVER). Every pass loads word 0 of each of its pages, records the value, and
 * counts a violation when it is STRESS_POISON (a frame the host has unmapped and flushed),
 * then calls the function on its code page and counts a violation when that returns a
 * generation older than the one the host says it has already fenced in. The host decides
 * pass or fail; the guest never powers off by itself. */
#include <stdint.h>

#include "stress_layout.h"

#define CSR_MENVCFG_STCE (1ULL << 63)
#define MSTATUS_MPP_S (1ULL << 11)
#define MIP_SSIP (1ULL << 1)
#define MIP_STIP (1ULL << 5)
#define SATP_SV39 (8ULL << 60)

#define CTRL ((volatile struct stress_ctrl *)STRESS_CTRL_PA)

static volatile struct stress_hart *hart_status(uint64_t hart)
{
    return (volatile struct stress_hart *)(STRESS_HART_PA + hart * 0x1000);
}

void stress_record_trap(uint64_t cause, uint64_t epc, uint64_t tval)
{
    uint64_t hart;
    __asm__ volatile("csrr %0, mhartid" : "=r"(hart));
    volatile struct stress_hart *st = hart_status(hart);
    st->trap_cause = cause;
    st->trap_epc = epc;
    st->trap_tval = tval;
    st->trapped = 1;
}

static uint64_t read_time(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

/* One pass over the pages this hart reads. */
static void pass(uint64_t hart, volatile struct stress_hart *st, uint64_t n_pages)
{
    uint64_t me = 1ULL << hart;
    for (uint64_t i = 0; i < n_pages; i++) {
        if (!(CTRL->readers[i] & me)) {
            continue;
        }
        uint64_t va = STRESS_VA + i * 0x1000;
        uint64_t v = *(volatile uint64_t *)va;
        if (v == STRESS_POISON) {
            if (st->violations == 0) {
                st->bad_va = va;
                st->bad_value = v;
            }
            st->violations = st->violations + 1;
        }
        st->seen[i] = v;
    }
    /* Read the floor before the call: if the host stored it, its fence.i had returned, so
     * this call must run the new code. */
    uint64_t floor = st->code_min;
    uint64_t (*fn)(void) = (uint64_t (*)(void))(uintptr_t)(STRESS_CODE_PA + hart * 0x1000);
    __asm__ volatile("" ::: "memory");
    uint64_t gen = fn() >> 12;
    if (gen < floor) {
        if (st->code_violations == 0) {
            st->code_bad = gen;
            st->code_bad_min = floor;
        }
        st->code_violations = st->code_violations + 1;
    }
    st->code_seen = gen;
    __asm__ volatile("" ::: "memory");
    st->counter = st->counter + 1;
}

static void s_main(uint64_t hart)
{
    volatile struct stress_hart *st = hart_status(hart);
    uint64_t n_pages = CTRL->n_pages;
    uint64_t role = CTRL->role[hart];
    st->stage = 1;
    switch (role) {
    case STRESS_ROLE_RUN:
        for (;;) {
            pass(hart, st, n_pages);
        }
    case STRESS_ROLE_TIMER:
        for (;;) {
            pass(hart, st, n_pages);
            uint64_t next = read_time() + CTRL->timer_period;
            __asm__ volatile("csrw stimecmp, %0" ::"r"(next));
            /* sstatus.SIE stays 0: the timer only ends the WFI, it never traps. */
            while (read_time() < next) {
                __asm__ volatile("wfi");
            }
        }
    default:
        pass(hart, st, n_pages);
        for (;;) {
            __asm__ volatile("wfi");
        }
    }
}

void stress_m_main(uint64_t hart)
{
    while (CTRL->magic != STRESS_MAGIC) {
    }
    uint64_t role = CTRL->role[hart];
    /* S-mode may read time and own stimecmp (Sstc); PMP lets it reach all memory. */
    __asm__ volatile("csrw menvcfg, %0" ::"r"(CSR_MENVCFG_STCE));
    __asm__ volatile("csrw mcounteren, %0" ::"r"(7ULL));
    __asm__ volatile("csrw pmpaddr0, %0" ::"r"(~0ULL >> 10));
    __asm__ volatile("csrw pmpcfg0, %0" ::"r"(0x1fULL));   /* NAPOT, RWX */
    /* Delegated interrupts are masked in S-mode while sstatus.SIE = 0, yet still end WFI. */
    __asm__ volatile("csrw mideleg, %0" ::"r"(MIP_SSIP | MIP_STIP));
    __asm__ volatile("csrw medeleg, zero");
    uint64_t mie = role == STRESS_ROLE_TIMER ? MIP_STIP : 0;
    __asm__ volatile("csrw mie, %0" ::"r"(mie));
    __asm__ volatile("csrw stimecmp, %0" ::"r"(~0ULL));
    uint64_t satp = SATP_SV39 | ((uint64_t)STRESS_ASID << 44) | (STRESS_PT_ROOT >> 12);
    __asm__ volatile("csrw satp, %0\n\tsfence.vma" ::"r"(satp) : "memory");
    __asm__ volatile("csrw mepc, %0" ::"r"((uint64_t)(uintptr_t)s_main));
    uint64_t mstatus;
    __asm__ volatile("csrr %0, mstatus" : "=r"(mstatus));
    mstatus = (mstatus & ~(3ULL << 11)) | MSTATUS_MPP_S;
    __asm__ volatile("csrw mstatus, %0" ::"r"(mstatus));
    __asm__ volatile("mv a0, %0\n\tmret" ::"r"(hart) : "a0", "memory");
    __builtin_unreachable();
}
