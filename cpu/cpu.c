/* Hart construction, reset and the derived translation contexts. Owner vCPU thread (or the
 * main thread before the vCPU starts). */
#include "cpu/cpu.h"

#include <string.h>

#include "cpu/mmu.h"
#include "mm/address_space.h"
#include "sync/runstate.h"

#define MISA_EXT(c) (1ULL << ((c) - 'A'))

/* How the synchronisation layer reaches this hart's TLB mailbox and machine. */
static void riscv_cpu_exec_entered(CPUState *cs)
{
    RISCVCPU *cpu = riscv_cpu_of(cs);
    tlb_flush_process_mailbox(&cpu->tlb, &cpu->flush_mailbox);
}

static void riscv_cpu_exec_left(CPUState *cs)
{
    tlb_flush_owner_left(&riscv_cpu_of(cs)->flush_mailbox);
}

static const CPUStateOps riscv_cpu_state_ops = {
    .exec_entered = riscv_cpu_exec_entered,
    .exec_left = riscv_cpu_exec_left,
};

int riscv_cpu_init(RISCVCPU *cpu, unsigned hartid, AddressSpace *as, RunState *runstate)
{
    cpu->as = as;
    cpu->mhartid = hartid;
    cpu->misa = (2ULL << 62) | MISA_EXT('A') | MISA_EXT('C') | MISA_EXT('D') |
                MISA_EXT('F') | MISA_EXT('I') | MISA_EXT('M') | MISA_EXT('S') |
                MISA_EXT('U');
    cpu->features = (RISCVCPUFeatures){ .sstc = true, .satp_mode_max = SATP_MODE_SV57 };
    int rc = tlb_mailbox_init(&cpu->flush_mailbox);
    if (rc) {
        return rc;
    }
    rc = cpu_state_init(CPU(cpu), hartid, &riscv_cpu_state_ops, runstate);
    if (rc) {
        tlb_mailbox_destroy(&cpu->flush_mailbox);
    }
    return rc;
}

void riscv_cpu_finalize(RISCVCPU *cpu)
{
    cpu_state_destroy(CPU(cpu));
    tlb_mailbox_destroy(&cpu->flush_mailbox);
}

void riscv_cpu_list_set(RISCVCPU *const *cpus, unsigned n)
{
    static CPUState *list[TLBSTORM_MAX_CPUS];     /* main thread only */
    static TLBFlushCPU targets[TLBSTORM_MAX_CPUS];
    n = n < TLBSTORM_MAX_CPUS ? n : TLBSTORM_MAX_CPUS;
    for (unsigned i = 0; i < n; i++) {
        list[i] = CPU(cpus[i]);
        targets[i] = (TLBFlushCPU){ .cs = CPU(cpus[i]), .tlb = &cpus[i]->tlb,
                                    .mailbox = &cpus[i]->flush_mailbox };
    }
    cpu_list_set(list, n);
    tlb_flush_set_cpus(targets, n);
}

void riscv_cpu_reset(RISCVCPU *cpu, uint64_t reset_pc, uint64_t a1)
{
    memset(cpu->x, 0, sizeof(cpu->x));
    memset(cpu->f, 0, sizeof(cpu->f));
    cpu->x[10] = cpu->mhartid;
    cpu->x[11] = a1;
    cpu->pc = reset_pc;
    cpu->priv = PRV_M;
    cpu->mstatus = 0;
    cpu->frm = 0;
    cpu->fflags = 0;
    cpu_instret_set(cpu, 0);
    cpu->cycle_delta = 0;
    cpu->load_res = ~0ULL;
    cpu->medeleg = cpu->mideleg = 0;
    cpu->mie = 0;
    atomic_store_explicit(&cpu->mip, 0, memory_order_relaxed);
    atomic_store_explicit(&cpu->mip_lines, 0, memory_order_relaxed);
    cpu->mtvec = cpu->stvec = 0;
    cpu->mepc = cpu->sepc = cpu->mcause = cpu->scause = cpu->mtval = cpu->stval = 0;
    cpu->mscratch = cpu->sscratch = 0;
    cpu->mcounteren = cpu->scounteren = cpu->mcountinhibit = 0;
    cpu->menvcfg = cpu->senvcfg = 0;
    debug_reset(cpu);
    cpu->satp = 0;
    cpu->tlb.asid = 0;          /* the caller flushes the TLB */
    cpu->stimecmp = ~0ULL;
    memset(cpu->pmpcfg, 0, sizeof(cpu->pmpcfg));
    memset(cpu->pmpaddr, 0, sizeof(cpu->pmpaddr));
    riscv_pmp_changed(cpu);
    cpu->halted = false;
    cpu->last_tb = NULL;
    riscv_cpu_update_mmu_idx(cpu);
}

void riscv_cpu_update_mmu_idx(RISCVCPU *cpu)
{
    unsigned eff = cpu->priv;
    if (cpu->priv == PRV_M && (cpu->mstatus & MSTATUS_MPRV)) {
        eff = (unsigned)((cpu->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    }
    cpu->code_mmu_idx = cpu->priv == PRV_M ? MMU_IDX_M : cpu->priv == PRV_S ? MMU_IDX_S
                                                                             : MMU_IDX_U;
    cpu->data_mmu_idx = eff == PRV_M ? MMU_IDX_M
                      : eff == PRV_S ? ((cpu->mstatus & MSTATUS_SUM) ? MMU_IDX_S_SUM : MMU_IDX_S)
                      : MMU_IDX_U;
}
