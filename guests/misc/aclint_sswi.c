/* aclint_sswi: S-mode IPIs through the ACLINT SSWI (-M virt,aclint=on) arrive as SBI IPIs do.
 * Every hart but the boot hart waits in wfi with sie.SSIE on and counts its supervisor
 * software interrupts; the boot hart, for each round and each other hart, raises the IPI by
 * writing 1 to the hart's setssip word at 0x2f00000 + 4 * hartid, waits until that hart has
 * counted it, then does the same with SBI send_ipi. Both ways must deliver every IPI (the
 * counts must match exactly) within a second each. Bootarg sswi=0 (the board has no ACLINT):
 * the write must be a store access fault instead. Bootarg rounds=N (default 200).
 * Prints "PASS aclint_sswi" on success. */
#include <stdbool.h>
#include <stdint.h>

#include "smode.h"

const char guest_name[] = "aclint_sswi";

#define SSWI_BASE 0x2f00000UL
#define SIP_SSIP 2UL
#define SIE_SSIE 2UL
#define SSTATUS_SIE 2UL
#define CAUSE_SSI ((1UL << 63) | 1)
#define CAUSE_STORE_ACCESS 7

static volatile uint32_t received[SMODE_MAX_HARTS];   /* by hart id */
static volatile bool expecting_fault;
static volatile uint64_t fault_cause;

static bool trap_hook(SmodeTrapFrame *f)
{
    if (f->scause == CAUSE_SSI) {
        __asm__ volatile("csrc sip, %0" : : "r"(SIP_SSIP));
        __atomic_fetch_add(&received[this_hart()], 1, __ATOMIC_RELEASE);
        return true;
    }
    if (expecting_fault) {
        fault_cause = f->scause;
        f->x[0] += 4;
        return true;
    }
    return false;
}

void guest_secondary(unsigned hartid, unsigned long opaque)
{
    (void)hartid;
    (void)opaque;
    smode_trap_hook = trap_hook;
    __asm__ volatile("csrs sie, %0" : : "r"(SIE_SSIE));
    __asm__ volatile("csrs sstatus, %0" : : "r"(SSTATUS_SIE));
    for (;;) {
        __asm__ volatile("wfi");
    }
}

/* Waits until hart `h` has counted `want` IPIs; false after a second. */
static bool wait_count(unsigned h, uint32_t want)
{
    uint64_t deadline = rdtime() + machine.timebase_hz;
    while (__atomic_load_n(&received[h], __ATOMIC_ACQUIRE) < want) {
        if (rdtime() > deadline) {
            return false;
        }
        cpu_relax();
    }
    return true;
}

void guest_main(unsigned hartid)
{
    smode_trap_hook = trap_hook;
    if (bootarg("sswi") && bootarg_u64("sswi", 1) == 0) {
        expecting_fault = true;
        fault_cause = 0;
        __asm__ volatile(".option push\n.option norvc\nsw %0, 0(%1)\n.option pop"
                         : : "r"(1), "r"(SSWI_BASE + 4 * hartid) : "memory");
        expecting_fault = false;
        if (fault_cause != CAUSE_STORE_ACCESS) {
            smode_panic("a store to the SSWI without ACLINT gave cause %lu, not a store "
                        "access fault", (unsigned long)fault_cause);
        }
        cprintf("aclint_sswi: no ACLINT: the store to 0x%lx is an access fault\n", SSWI_BASE);
        cprintf("PASS aclint_sswi\n");
        sbi_shutdown(true);
    }
    unsigned rounds = (unsigned)bootarg_u64("rounds", 200);
    unsigned started = smode_start_harts(0);
    if (started + 1 != machine.n_harts) {
        smode_panic("only %u of %u other harts started", started, machine.n_harts - 1);
    }
    /* Let every hart reach its wfi loop with interrupts on. */
    uint64_t settle = rdtime() + machine.timebase_hz / 50;
    while (rdtime() < settle) {
        cpu_relax();
    }
    uint64_t sswi_ticks = 0, sbi_ticks = 0, ipis = 0;
    for (unsigned r = 0; r < rounds; r++) {
        for (unsigned i = 0; i < machine.n_harts; i++) {
            unsigned h = machine.hart_ids[i];
            if (h == hartid) {
                continue;
            }
            uint32_t count = __atomic_load_n(&received[h], __ATOMIC_ACQUIRE);
            /* Alternate which way goes first: the first finds the target asleep in wfi,
             * the second may find it still awake, and the means should compare alike. */
            for (unsigned k = 0; k < 2; k++) {
                bool sswi = (k + r) % 2 == 0;
                uint64_t t0 = rdtime();
                if (sswi) {
                    *(volatile uint32_t *)(SSWI_BASE + 4 * h) = 1;
                } else {
                    struct sbiret ret = sbi_call(SBI_EXT_IPI, 0, 1UL << h, 0, 0, 0, 0);
                    if (ret.error) {
                        smode_panic("SBI send_ipi to hart %u: error %ld", h, ret.error);
                    }
                }
                if (!wait_count(h, ++count)) {
                    smode_panic("round %u: the %s IPI to hart %u never arrived", r,
                                sswi ? "SSWI" : "SBI", h);
                }
                *(sswi ? &sswi_ticks : &sbi_ticks) += rdtime() - t0;
            }
            ipis++;
        }
    }
    /* Nothing extra arrived: exactly two IPIs a round to each hart. */
    for (unsigned i = 0; i < machine.n_harts; i++) {
        unsigned h = machine.hart_ids[i];
        uint32_t got = __atomic_load_n(&received[h], __ATOMIC_ACQUIRE);
        uint32_t want = h == hartid ? 0 : 2 * rounds;
        if (got != want) {
            smode_panic("hart %u counted %u IPIs, expected %u", h, got, want);
        }
    }
    cprintf("aclint_sswi: %lu IPIs each way to %u harts; mean delivery SSWI %lu ns, SBI %lu ns\n",
            (unsigned long)ipis, machine.n_harts - 1,
            (unsigned long)(ipis ? ticks_to_ns(sswi_ticks) / ipis : 0),
            (unsigned long)(ipis ? ticks_to_ns(sbi_ticks) / ipis : 0));
    cprintf("PASS aclint_sswi\n");
    sbi_shutdown(true);
}
