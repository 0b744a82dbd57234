/* Hart construction, reset and the derived translation contexts. Owner vCPU thread (or the
 * main thread before the vCPU starts). */
#include "cpu/cpu.h"

#include <inttypes.h>
#include <string.h>

#include "cpu/mmu.h"
#include "mm/address_space.h"
#include "sync/runstate.h"
#include "util/log.h"

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
    if (log_enabled(LOG_CPU_RESET)) {
        FILE *f = log_stream();
        flockfile(f);
        fprintf(f, "CPU Reset (CPU %u)\n", cpu->cs.index);
        riscv_cpu_dump_state(cpu, f, log_enabled(LOG_FPU));
        funlockfile(f);
    }
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

/* ---- state dump (monitor, -d cpu, -d cpu_reset) ---- */

static const char *const xreg_abi[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
};

void riscv_cpu_dump_state(RISCVCPU *cpu, FILE *out, bool fpu)
{
    fprintf(out, "CPU#%u\n pc       %016" PRIx64 "\n priv     %c\n", cpu->cs.index, cpu->pc,
            riscv_priv_name(cpu->priv));
    static const struct { const char *name; size_t off; } csr[] = {
#define CSR(f) { #f, offsetof(RISCVCPU, f) }
        CSR(mhartid), CSR(mstatus), CSR(misa), CSR(medeleg), CSR(mideleg), CSR(mie),
        CSR(mtvec), CSR(stvec), CSR(mepc), CSR(sepc), CSR(mcause), CSR(scause), CSR(mtval),
        CSR(stval), CSR(mscratch), CSR(sscratch), CSR(satp),
#undef CSR
    };
    for (unsigned i = 0; i < sizeof(csr) / sizeof(csr[0]); i++) {
        uint64_t v;
        memcpy(&v, (const uint8_t *)cpu + csr[i].off, sizeof(v));
        fprintf(out, " %-8s %016" PRIx64 "\n", csr[i].name, v);
    }
    fprintf(out, " mip      %016" PRIx64 "\n", riscv_cpu_mip(cpu));
    for (unsigned r = 0; r < 32; r++) {
        fprintf(out, " x%-2u/%-4s %016" PRIx64 "%s", r, xreg_abi[r], r ? cpu->x[r] : 0,
                r % 4 == 3 ? "\n" : "");
    }
    if (!fpu) {
        return;
    }
    for (unsigned r = 0; r < 32; r++) {
        fprintf(out, " f%-2u      %016" PRIx64 "%s", r, cpu->f[r], r % 4 == 3 ? "\n" : "");
    }
    fprintf(out, " fflags   %02x  frm %u\n", cpu->fflags, cpu->frm);
}

