/* Control and status registers: access rules (privilege, read-only, counter enables, TVM,
 * Sstc), WARL legalisation and side effects (TLB flushes, timer arming, FS dirty).
 * Callers: the owning vCPU thread. Locking: none; mip updates are atomic RMWs because devices
 * also write it. */
#include "cpu/cpu.h"
#include "cpu/mmu.h"


enum {
    CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03, CSR_HPMCOUNTER31 = 0xc1f,
    CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_STVEC = 0x105, CSR_SCOUNTEREN = 0x106,
    CSR_SENVCFG = 0x10a, CSR_SSCRATCH = 0x140, CSR_SEPC = 0x141, CSR_SCAUSE = 0x142,
    CSR_STVAL = 0x143, CSR_SIP = 0x144, CSR_STIMECMP = 0x14d, CSR_SATP = 0x180,
    CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13, CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15,
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302, CSR_MIDELEG = 0x303,
    CSR_MIE = 0x304, CSR_MTVEC = 0x305, CSR_MCOUNTEREN = 0x306, CSR_MENVCFG = 0x30a,
    CSR_MCOUNTINHIBIT = 0x320, CSR_MHPMEVENT3 = 0x323, CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342, CSR_MTVAL = 0x343,
    CSR_MIP = 0x344, CSR_MTINST = 0x34a, CSR_MTVAL2 = 0x34b,
    CSR_PMPCFG0 = 0x3a0, CSR_PMPCFG15 = 0x3af, CSR_PMPADDR0 = 0x3b0, CSR_PMPADDR63 = 0x3ef,
    CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02,
    CSR_MHPMCOUNTER3 = 0xb03, CSR_MHPMCOUNTER31 = 0xb1f,
};

#define MSTATUS_WRITABLE (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE |        \
                          MSTATUS_SPP | MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV |           \
                          MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)
#define SSTATUS_WRITABLE (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | \
                          MSTATUS_MXR)
#define MIE_WRITABLE (MIP_SSIP | MIP_MSIP | MIP_STIP | MIP_MTIP | MIP_SEIP | MIP_MEIP)
#define MIDELEG_WRITABLE (MIP_SSIP | MIP_STIP | MIP_SEIP)
/* All defined synchronous causes except ecall from M (11), which cannot be delegated. */
#define MEDELEG_WRITABLE 0xb3ffULL
#define PMPCFG_WRITABLE_BITS 0x9f  /* L, A, X, W, R */
#define PMPADDR_MASK ((1ULL << 54) - 1)
#define PMP_L 0x80
#define PMP_A_TOR 0x08

uint64_t riscv_read_time(const RISCVCPU *cpu)
{
    return cpu->timer_ops ? cpu->timer_ops->read_time(cpu) : 0;
}

static void stimecmp_changed(RISCVCPU *cpu, uint64_t cmp)
{
    if (cpu->timer_ops) {
        cpu->timer_ops->stimecmp_changed(cpu, cmp);
    }
}

static bool counter_accessible(const RISCVCPU *cpu, unsigned bit)
{
    if (cpu->priv == PRV_M) {
        return true;
    }
    if (!((cpu->mcounteren >> bit) & 1)) {
        return false;
    }
    return cpu->priv == PRV_S || ((cpu->scounteren >> bit) & 1);
}

static bool sstc_enabled(const RISCVCPU *cpu)
{
    return (cpu->menvcfg & MENVCFG_STCE) != 0;
}

static uint64_t mstatus_read(const RISCVCPU *cpu)
{
    uint64_t s = cpu->mstatus & ~MSTATUS_SD;
    s |= (2ULL << 32) | (2ULL << 34);    /* UXL = SXL = 64 */
    if ((s & MSTATUS_FS) == MSTATUS_FS) {
        s |= MSTATUS_SD;
    }
    return s;
}

static uint64_t mip_read(const RISCVCPU *cpu)
{
    return riscv_cpu_mip((RISCVCPU *)cpu);
}

/* Replace the software-writable bits of mip named by `mask`. */
static void mip_write_bits(RISCVCPU *cpu, uint64_t mask, uint64_t val)
{
    atomic_fetch_and_explicit(&cpu->mip, ~(mask & ~val), memory_order_acq_rel);
    atomic_fetch_or_explicit(&cpu->mip, mask & val, memory_order_acq_rel);
}

static bool pmp_entry_locked(const RISCVCPU *cpu, unsigned i)
{
    return (cpu->pmpcfg[i] & PMP_L) != 0;
}

/* pmpcfg0 holds entries 0-7, pmpcfg2 entries 8-15: `group` is the csr offset / 2. */
static uint64_t pmpcfg_read(const RISCVCPU *cpu, unsigned group)
{
    uint64_t v = 0;
    for (unsigned b = 0; b < 8; b++) {
        v |= (uint64_t)cpu->pmpcfg[group * 8 + b] << (8 * b);
    }
    return v;
}

static void pmpcfg_write(RISCVCPU *cpu, unsigned group, uint64_t val)
{
    for (unsigned b = 0; b < 8; b++) {
        unsigned i = group * 8 + b;
        if (pmp_entry_locked(cpu, i)) {
            continue;
        }
        uint8_t cfg = (uint8_t)(val >> (8 * b)) & PMPCFG_WRITABLE_BITS;
        if ((cfg & 3) == 2) {   /* R=0, W=1 is reserved: keep the entry without W */
            cfg &= (uint8_t)~2;
        }
        cpu->pmpcfg[i] = cfg;
    }
    riscv_pmp_changed(cpu);
}

static bool pmpaddr_locked(const RISCVCPU *cpu, unsigned i)
{
    if (pmp_entry_locked(cpu, i)) {
        return true;
    }
    /* A locked TOR entry also locks the address below it, which is its bottom bound. */
    return i + 1 < PMP_ENTRIES && pmp_entry_locked(cpu, i + 1) &&
           (cpu->pmpcfg[i + 1] & 0x18) == PMP_A_TOR;
}

static void after_translation_change(RISCVCPU *cpu)
{
    tlb_flush_local(&cpu->tlb);
}

enum csr_status riscv_csr_rmw(RISCVCPU *cpu, unsigned csrno, uint64_t *old_val, bool do_read,
                              bool do_write, uint64_t write_val, uint64_t write_mask,
                              uint64_t instret_now)
{
    (void)do_read;
    unsigned min_priv = (csrno >> 8) & 3;
    bool read_only = ((csrno >> 10) & 3) == 3;
    if (cpu->priv < min_priv || (do_write && read_only)) {
        return CSR_ILLEGAL;
    }

    uint64_t old = 0;
    enum csr_status st = CSR_OK;
    /* First read the current value (and check access), then compute and apply the write. */
    switch (csrno) {
    case CSR_FFLAGS: case CSR_FRM: case CSR_FCSR:
        if (!riscv_fpu_enabled(cpu)) {
            return CSR_ILLEGAL;
        }
        old = csrno == CSR_FFLAGS ? cpu->fflags
            : csrno == CSR_FRM ? cpu->frm
            : ((uint64_t)cpu->frm << 5) | cpu->fflags;
        break;
    case CSR_CYCLE: case CSR_TIME: case CSR_INSTRET:
        if (!counter_accessible(cpu, csrno - CSR_CYCLE)) {
            return CSR_ILLEGAL;
        }
        old = csrno == CSR_TIME ? riscv_read_time(cpu)
            : csrno == CSR_INSTRET ? instret_now
            : instret_now + (uint64_t)cpu->cycle_delta;
        break;
    case CSR_MCYCLE: old = instret_now + (uint64_t)cpu->cycle_delta; break;
    case CSR_MINSTRET: old = instret_now; break;
    case CSR_SSTATUS: old = mstatus_read(cpu) & SSTATUS_VISIBLE; break;
    case CSR_SIE: old = cpu->mie & cpu->mideleg; break;
    case CSR_STVEC: old = cpu->stvec; break;
    case CSR_SCOUNTEREN: old = cpu->scounteren; break;
    case CSR_SENVCFG: old = cpu->senvcfg; break;
    case CSR_SSCRATCH: old = cpu->sscratch; break;
    case CSR_SEPC: old = cpu->sepc; break;
    case CSR_SCAUSE: old = cpu->scause; break;
    case CSR_STVAL: old = cpu->stval; break;
    case CSR_SIP: old = mip_read(cpu) & cpu->mideleg; break;
    case CSR_STIMECMP:
        /* Without Sstc the CSR does not exist, in M-mode too (OpenSBI probes it that way). */
        if (!cpu->features.sstc ||
            (cpu->priv < PRV_M && (!sstc_enabled(cpu) || !(cpu->mcounteren & 2)))) {
            return CSR_ILLEGAL;
        }
        old = cpu->stimecmp;
        break;
    case CSR_SATP:
        if (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TVM)) {
            return CSR_ILLEGAL;
        }
        old = cpu->satp;
        break;
    case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID: case CSR_MCONFIGPTR: old = 0; break;
    case CSR_MHARTID: old = cpu->mhartid; break;
    case CSR_MSTATUS: old = mstatus_read(cpu); break;
    case CSR_MISA: old = cpu->misa; break;
    case CSR_MEDELEG: old = cpu->medeleg; break;
    case CSR_MIDELEG: old = cpu->mideleg; break;
    case CSR_MIE: old = cpu->mie; break;
    case CSR_MTVEC: old = cpu->mtvec; break;
    case CSR_MCOUNTEREN: old = cpu->mcounteren; break;
    case CSR_MENVCFG: old = cpu->menvcfg; break;
    case CSR_MCOUNTINHIBIT: old = cpu->mcountinhibit; break;
    case CSR_MSCRATCH: old = cpu->mscratch; break;
    case CSR_MEPC: old = cpu->mepc; break;
    case CSR_MCAUSE: old = cpu->mcause; break;
    case CSR_MTVAL: old = cpu->mtval; break;
    case CSR_MIP: old = mip_read(cpu); break;
    case CSR_MTINST: case CSR_MTVAL2: old = 0; break;
    default:
        if (csrno >= CSR_HPMCOUNTER3 && csrno <= CSR_HPMCOUNTER31) {
            if (!counter_accessible(cpu, csrno - CSR_CYCLE)) {
                return CSR_ILLEGAL;
            }
            old = 0;
        } else if ((csrno >= CSR_MHPMCOUNTER3 && csrno <= CSR_MHPMCOUNTER31) ||
                   (csrno >= CSR_MHPMEVENT3 && csrno <= CSR_MHPMEVENT31)) {
            old = 0;   /* no hardware performance monitors: read-only zero (WARL) */
        } else if (csrno >= CSR_PMPCFG0 && csrno <= CSR_PMPCFG15) {
            unsigned reg = csrno - CSR_PMPCFG0;
            if (reg & 1) {
                return CSR_ILLEGAL;   /* odd pmpcfg registers do not exist on RV64 */
            }
            old = reg / 2 < PMP_ENTRIES / 8 ? pmpcfg_read(cpu, reg / 2) : 0;
        } else if (csrno >= CSR_PMPADDR0 && csrno <= CSR_PMPADDR63) {
            unsigned i = csrno - CSR_PMPADDR0;
            old = i < PMP_ENTRIES ? cpu->pmpaddr[i] : 0;
        } else if (!debug_csr_read(cpu, csrno, &old)) {
            return CSR_ILLEGAL;
        }
        break;
    }
    *old_val = old;
    if (!do_write) {
        return CSR_OK;
    }

    /* The read-modify-write of mip uses the software-writable SEIP bit, not the value read
     * (which ORs in the interrupt controller's line). */
    uint64_t base = csrno == CSR_MIP ? atomic_load_explicit(&cpu->mip, memory_order_acquire) : old;
    uint64_t v = (base & ~write_mask) | (write_val & write_mask);
    switch (csrno) {
    case CSR_FFLAGS: cpu->fflags = v & 0x1f; riscv_fpu_mark_dirty(cpu); break;
    case CSR_FRM: cpu->frm = v & 7; riscv_fpu_mark_dirty(cpu); break;
    case CSR_FCSR:
        cpu->fflags = v & 0x1f;
        cpu->frm = (v >> 5) & 7;
        riscv_fpu_mark_dirty(cpu);
        break;
    case CSR_MCYCLE: cpu->cycle_delta = (int64_t)(v - instret_now); break;
    case CSR_MINSTRET:
        /* The writing instruction does not count itself: the TB adds it when it retires. */
        cpu_instret_set(cpu, v - (instret_now - cpu_instret(cpu)) - 1);
        break;
    case CSR_SSTATUS: case CSR_MSTATUS: {
        uint64_t mask = csrno == CSR_SSTATUS ? SSTATUS_WRITABLE : MSTATUS_WRITABLE;
        uint64_t s = (cpu->mstatus & ~mask) | (v & mask);
        if (((s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2) {   /* reserved MPP: keep old */
            s = (s & ~MSTATUS_MPP) | (cpu->mstatus & MSTATUS_MPP);
        }
        uint64_t changed = s ^ cpu->mstatus;
        cpu->mstatus = s & ~MSTATUS_SD;
        if (changed & MSTATUS_MXR) {
            after_translation_change(cpu);
        }
        riscv_cpu_update_mmu_idx(cpu);
        st = CSR_OK_EXIT_TB;
        break;
    }
    case CSR_SIE:
        cpu->mie = (cpu->mie & ~cpu->mideleg) | (v & cpu->mideleg & MIE_WRITABLE);
        st = CSR_OK_EXIT_TB;
        break;
    case CSR_MIE: cpu->mie = v & MIE_WRITABLE; st = CSR_OK_EXIT_TB; break;
    case CSR_STVEC: case CSR_MTVEC: {
        uint64_t mode = v & 3;
        uint64_t legal = (v & ~3ULL) | (mode == 1 ? 1 : 0);
        if (csrno == CSR_STVEC) {
            cpu->stvec = legal;
        } else {
            cpu->mtvec = legal;
        }
        break;
    }
    case CSR_SCOUNTEREN: cpu->scounteren = (uint32_t)v; break;
    case CSR_MCOUNTEREN: cpu->mcounteren = (uint32_t)v; break;
    case CSR_SENVCFG: cpu->senvcfg = v & MENVCFG_FIOM; break;
    case CSR_MENVCFG: {
        /* STCE and PBMTE are read-only zero on a hart without Sstc or Svpbmt. */
        uint64_t old_menvcfg = cpu->menvcfg;
        cpu->menvcfg = v & ((cpu->features.sstc ? MENVCFG_STCE : 0) |
                            (cpu->features.svpbmt ? MENVCFG_PBMTE : 0) | MENVCFG_FIOM);
        if ((old_menvcfg ^ cpu->menvcfg) & MENVCFG_PBMTE) {
            /* PBMTE decides whether PTE bits 62:61 are a memory type or reserved (a page
             * fault): translations filled under the other setting must go. */
            tlb_flush_by_mmuidx_local(&cpu->tlb, TLB_ASID_TAGGED_IDXMAP);
        }
        stimecmp_changed(cpu, cpu->stimecmp);
        st = CSR_OK_EXIT_TB;
        break;
    }
    case CSR_SSCRATCH: cpu->sscratch = v; break;
    case CSR_MSCRATCH: cpu->mscratch = v; break;
    case CSR_SEPC: cpu->sepc = v & ~1ULL; break;
    case CSR_MEPC: cpu->mepc = v & ~1ULL; break;
    case CSR_SCAUSE: cpu->scause = v; break;
    case CSR_MCAUSE: cpu->mcause = v; break;
    case CSR_STVAL: cpu->stval = v; break;
    case CSR_MTVAL: cpu->mtval = v; break;
    case CSR_SIP:
        mip_write_bits(cpu, MIP_SSIP & cpu->mideleg, v);
        st = CSR_OK_EXIT_TB;
        break;
    case CSR_MIP: {
        /* STIP is driven by stimecmp while Sstc is enabled; MSIP/MTIP/MEIP by devices. */
        uint64_t mask = MIP_SSIP | MIP_SEIP | (sstc_enabled(cpu) ? 0 : MIP_STIP);
        mip_write_bits(cpu, mask, v);
        st = CSR_OK_EXIT_TB;
        break;
    }
    case CSR_STIMECMP:
        cpu->stimecmp = v;
        stimecmp_changed(cpu, v);
        st = CSR_OK_EXIT_TB;
        break;
    case CSR_SATP: {
        uint64_t mode = v >> SATP_MODE_SHIFT;
        if (mode != SATP_MODE_BARE &&
            (mode < SATP_MODE_SV39 || mode > cpu->features.satp_mode_max)) {
            break;   /* WARL: an unsupported mode makes the whole write have no effect */
        }
        uint64_t old_satp = cpu->satp;
        cpu->satp = v & ((0xfULL << SATP_MODE_SHIFT) |
                         (((1ULL << SATP_ASID_BITS) - 1) << SATP_ASID_SHIFT) | SATP_PPN_MASK);
        /* No flush: translations are tagged by ASID (ASIDLEN = 16); the spec requires the
         * guest to sfence.vma when it reuses an ASID or changes page tables. */
        riscv_satp_changed(cpu, old_satp, cpu->satp);
        st = CSR_OK_EXIT_TB;
        break;
    }
    case CSR_MEDELEG: cpu->medeleg = v & MEDELEG_WRITABLE; break;
    case CSR_MIDELEG: cpu->mideleg = v & MIDELEG_WRITABLE; st = CSR_OK_EXIT_TB; break;
    case CSR_MCOUNTINHIBIT: cpu->mcountinhibit = (uint32_t)(v & 5); break;
    default:
        if (csrno >= CSR_PMPCFG0 && csrno <= CSR_PMPCFG15) {
            unsigned reg = (csrno - CSR_PMPCFG0) / 2;
            if (reg < PMP_ENTRIES / 8) {
                pmpcfg_write(cpu, reg, v);
            }
            after_translation_change(cpu);
            st = CSR_OK_EXIT_TB;
        } else if (csrno >= CSR_PMPADDR0 && csrno <= CSR_PMPADDR63) {
            unsigned i = csrno - CSR_PMPADDR0;
            if (i < PMP_ENTRIES && !pmpaddr_locked(cpu, i)) {
                cpu->pmpaddr[i] = v & PMPADDR_MASK;
                riscv_pmp_changed(cpu);
            }
            after_translation_change(cpu);
            st = CSR_OK_EXIT_TB;
        } else if (debug_csr_write(cpu, csrno, v)) {
            st = CSR_OK_EXIT_TB;   /* triggers changed: re-marked TLB, re-checked TB entry */
        }
        /* other writable CSRs are read-only zero (WARL) */
        break;
    }
    return st;
}
