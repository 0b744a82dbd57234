/* Synchronous exceptions, interrupt selection and trap entry/return, as the privileged spec
 * 1.12 (sections 3.1.6-3.1.9, 3.3.2, 4.1.1) describes them.
 * Callers: the owning vCPU thread. Locking: none; mip is read with acquire. */
#include "cpu/cpu.h"
#include "cpu/tlb_check.h"

#include "util/log.h"

static void trap_enter(RISCVCPU *cpu, bool is_irq, uint64_t code, uint64_t tval)
{
    uint64_t deleg = is_irq ? cpu->mideleg : cpu->medeleg;
    uint64_t cause = code | (is_irq ? 1ULL << 63 : 0);
    uint64_t epc = cpu->pc;

    log_mask(LOG_INT, "hart %u: %s %llu at pc=0x%llx tval=0x%llx priv=%u\n", cpu->cs.index,
             is_irq ? "interrupt" : "exception", (unsigned long long)code,
             (unsigned long long)epc, (unsigned long long)tval, cpu->priv);

    if (cpu->priv <= PRV_S && ((deleg >> code) & 1)) {
        uint64_t s = cpu->mstatus;
        s = (s & ~MSTATUS_SPP) | (cpu->priv == PRV_S ? MSTATUS_SPP : 0);
        s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        s &= ~MSTATUS_SIE;
        cpu->mstatus = s;
        cpu->scause = cause;
        cpu->sepc = epc;
        cpu->stval = tval;
        uint64_t base = cpu->stvec & ~3ULL;
        cpu->pc = (is_irq && (cpu->stvec & 3) == 1) ? base + 4 * code : base;
        cpu->priv = PRV_S;
    } else {
        uint64_t s = cpu->mstatus;
        s = (s & ~MSTATUS_MPP) | ((uint64_t)cpu->priv << MSTATUS_MPP_SHIFT);
        s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        s &= ~MSTATUS_MIE;
        cpu->mstatus = s;
        cpu->mcause = cause;
        cpu->mepc = epc;
        cpu->mtval = tval;
        debug_trap_to_m(cpu);
        uint64_t base = cpu->mtvec & ~3ULL;
        cpu->pc = (is_irq && (cpu->mtvec & 3) == 1) ? base + 4 * code : base;
        cpu->priv = PRV_M;
    }
    riscv_cpu_update_mmu_idx(cpu);
}

void riscv_raise_exception(RISCVCPU *cpu, enum riscv_exception cause, uint64_t tval)
{
    trap_enter(cpu, false, (uint64_t)cause, tval);
}

/* Priority among pending interrupts of the same level: external, software, timer (M before S
 * is handled by the caller). */
static int highest_priority_irq(uint64_t irqs)
{
    static const int order[] = { IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER,
                                 IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER };
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (irqs & (1ULL << order[i])) {
            return order[i];
        }
    }
    return -1;
}

int riscv_cpu_pending_interrupt(RISCVCPU *cpu)
{
    uint64_t pending = riscv_cpu_mip(cpu) & cpu->mie;
    if (!pending) {
        return -1;
    }
    /* M-level interrupts are enabled below M, or in M with MIE; S-level ones below S, or in S
     * with SIE; an interrupt not delegated is M-level. */
    bool m_on = cpu->priv < PRV_M || (cpu->mstatus & MSTATUS_MIE);
    bool s_on = cpu->priv < PRV_S || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_SIE));
    uint64_t m_irqs = m_on ? pending & ~cpu->mideleg : 0;
    uint64_t s_irqs = s_on ? pending & cpu->mideleg : 0;
    return highest_priority_irq(m_irqs ? m_irqs : s_irqs);
}

void riscv_cpu_take_interrupt(RISCVCPU *cpu, int irq)
{
    trap_enter(cpu, true, (uint64_t)irq, 0);
}

bool riscv_cpu_mret(RISCVCPU *cpu)
{
    if (cpu->priv != PRV_M) {
        return false;
    }
    uint64_t s = cpu->mstatus;
    unsigned mpp = (unsigned)((s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    s |= MSTATUS_MPIE;
    s &= ~MSTATUS_MPP;            /* MPP = U, the least-privileged supported mode */
    if (mpp != PRV_M) {
        s &= ~MSTATUS_MPRV;
    }
    cpu->mstatus = s;
    cpu->priv = (uint8_t)mpp;
    cpu->pc = cpu->mepc;
    debug_mret(cpu);
    riscv_cpu_update_mmu_idx(cpu);
    if (cpu->tlb_check && mpp != PRV_M) {
        tlb_check_ecall_done(cpu);    /* firmware answered an SBI call, if one was pending */
        if (mpp == PRV_U) {
            tlb_check_entered_user(cpu);
        }
    }
    return true;
}

bool riscv_cpu_sret(RISCVCPU *cpu)
{
    if (cpu->priv < PRV_S || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TSR))) {
        return false;
    }
    uint64_t s = cpu->mstatus;
    unsigned spp = (s & MSTATUS_SPP) ? PRV_S : PRV_U;
    s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    s |= MSTATUS_SPIE;
    s &= ~MSTATUS_SPP;
    s &= ~MSTATUS_MPRV;           /* the new privilege is below M */
    cpu->mstatus = s;
    cpu->priv = (uint8_t)spp;
    cpu->pc = cpu->sepc;
    riscv_cpu_update_mmu_idx(cpu);
    if (cpu->tlb_check && spp == PRV_U) {
        tlb_check_entered_user(cpu);
    }
    return true;
}
