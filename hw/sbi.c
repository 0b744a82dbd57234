/* The built-in SBI firmware (SBI specification 2.0). No M-mode guest code runs: a hart's
 * S-mode `ecall` leaves guest execution (EXIT_SBI) and the vCPU thread answers it here,
 * outside cpu_exec_start/cpu_exec_end, so RFENCE may wait for other vCPUs.
 *
 * HSM. Each hart has a state word changed only by compare-and-swap or by its owner:
 *   STOPPED -> START_CLAIMED     hart_start on any hart (CAS, acquire); the winner alone
 *                                writes start_addr/start_opaque, then
 *   START_CLAIMED -> START_PENDING  (store, release) and kicks the target;
 *   START_PENDING -> STARTED     the owner, after reading the parameters (its acquire load
 *                                of the state pairs with that release);
 *   STARTED -> STOPPED           hart_stop, the owner (CAS);
 *   STARTED -> SUSPENDED         hart_suspend, the owner (CAS);
 *   SUSPENDED -> STARTED         the owner, once an interrupt enabled in sie is pending.
 * START_CLAIMED is reported as START_PENDING. STOP_PENDING, SUSPEND_PENDING and
 * RESUME_PENDING never show: the owner makes those changes in one step, already outside
 * guest execution, so there is no window in which it still runs S-mode code.
 *
 * Sleeping. A STOPPED or SUSPENDED hart waits on its futex word wake_seq, as WFI does: it
 * loads wake_seq (acquire), then checks its state, its interrupts and the machine request,
 * and waits only if wake_seq is unchanged. Whoever wakes it (hart_start, an IPI, a device,
 * machine_request) publishes first and then calls vcpu_kick, which bumps wake_seq (release)
 * and wakes the futex, so a publication the check missed makes FUTEX_WAIT return at once.
 * Every wake-up returns to the vCPU loop, which looks at the machine request before
 * waiting again.
 *
 * Machine state under the built-in SBI is what OpenSBI would leave for S-mode: every
 * exception except ecall from S/M delegated, SSIP/STIP/SEIP delegated, menvcfg.STCE (on a
 * hart with Sstc; without it, set_timer raises STIP itself) and menvcfg.PBMTE (on a hart
 * with Svpbmt), all counters visible to S and cycle/time/instret to U (scounteren = 7),
 * PMP entry 0 =
 * NAPOT RWX over all memory, mstatus.FS = dirty, satp = 0. mtvec points at an `ecall` in the
 * reset ROM: a trap that still reaches M-mode executes it, and the resulting EXIT_SBI in
 * M-mode is reported as a fatal firmware error. */
#include "hw/sbi.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "cpu/mmu.h"
#include "cpu/tlb_check.h"
#include "hw/dma.h"
#include "hw/machine.h"
#include "hw/uart.h"
#include "hw/vtimer.h"
#include "sync/run_slots.h"
#include "sync/vm_stop.h"
#include "util/futex.h"
#include "util/log.h"
#include "util/report.h"

#define SBI_SPEC_VERSION ((2UL << 24) | 0)     /* major 2, minor 0 */

/* Extension IDs (a7). */
enum {
    SBI_EXT_LEGACY_SET_TIMER = 0x00,
    SBI_EXT_LEGACY_PUTCHAR = 0x01,
    SBI_EXT_LEGACY_GETCHAR = 0x02,
    SBI_EXT_LEGACY_SHUTDOWN = 0x08,
    SBI_EXT_BASE = 0x10,
    SBI_EXT_TIME = 0x54494d45,      /* "TIME" */
    SBI_EXT_IPI = 0x735049,         /* "sPI" */
    SBI_EXT_RFENCE = 0x52464e43,    /* "RFNC" */
    SBI_EXT_HSM = 0x48534d,         /* "HSM" */
    SBI_EXT_SRST = 0x53525354,      /* "SRST" */
    SBI_EXT_DBCN = 0x4442434e,      /* "DBCN" */
};

enum {
    SBI_SUCCESS = 0,
    SBI_ERR_FAILED = -1,
    SBI_ERR_NOT_SUPPORTED = -2,
    SBI_ERR_INVALID_PARAM = -3,
    SBI_ERR_DENIED = -4,
    SBI_ERR_INVALID_ADDRESS = -5,
    SBI_ERR_ALREADY_AVAILABLE = -6,
    SBI_ERR_ALREADY_STARTED = -7,
    SBI_ERR_ALREADY_STOPPED = -8,
};

/* HSM states as the specification numbers them, plus one internal state. */
enum hsm_state {
    HSM_STARTED = 0,
    HSM_STOPPED = 1,
    HSM_START_PENDING = 2,
    HSM_SUSPENDED = 4,
    HSM_START_CLAIMED = 100,        /* a hart_start caller is writing the parameters */
};

enum { SUSPEND_RETENTIVE = 0x00000000, SUSPEND_NON_RETENTIVE = 0x80000000 };
enum { SRST_SHUTDOWN = 0, SRST_COLD_REBOOT = 1, SRST_WARM_REBOOT = 2 };
enum { SRST_REASON_NONE = 0, SRST_REASON_SYSTEM_FAILURE = 1 };

/* CSR numbers the firmware reads or sets up. */
enum { CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13 };

#define BOOT_HART 0
#define A0 10
#define A1 11
#define A6 16
#define A7 17
#define ECALL_LEN 4
#define PMP_NAPOT_RWX 0x1f                  /* A = NAPOT, X, W, R */
#define PMPADDR_ALL ((1ULL << 54) - 1)      /* NAPOT: trailing ones cover everything */
/* Every synchronous cause up to 15 except ecall from S (9), the reserved 10 and 14, and
 * ecall from M (11). */
#define SBI_MEDELEG 0xb1ffULL
/* The translation contexts of S and U (RFENCE flushes them all). */
#define SBI_FLUSH_IDXMAP ((1u << MMU_IDX_U) | (1u << MMU_IDX_S) | (1u << MMU_IDX_S_SUM))

typedef struct SBIHart {
    _Atomic int state;            /* enum hsm_state, transitions in the file comment */
    /* Written by the hart_start caller that owns START_CLAIMED; read by the owner after
     * its acquire load of START_PENDING. */
    uint64_t start_addr, start_opaque;
    /* Owner only. */
    bool need_setup;              /* M-mode state not yet applied since the machine reset */
    bool resume_non_retentive;    /* SUSPENDED: resume at resume_addr instead of after ecall */
    uint64_t resume_addr, resume_opaque;
} SBIHart;

typedef struct SBIState {
    SBIBoot boot;                 /* set by the main thread while no vCPU runs */
    DMARam ram;
    _Atomic bool fatal_reported;  /* one stderr line for the first stray M-mode trap */
    unsigned n_harts;
    SBIHart harts[];
} SBIState;

typedef struct SBIRet {
    long error;
    uint64_t value;
} SBIRet;

static SBIRet ret_err(long error)
{
    return (SBIRet){ .error = error, .value = 0 };
}

static SBIRet ret_val(uint64_t value)
{
    return (SBIRet){ .error = SBI_SUCCESS, .value = value };
}

static SBIState *sbi_of(RISCVCPU *cpu)
{
    return cpu->machine->sbi;
}

/* ---- machine state for S-mode ---------------------------------------------------------- */

/* As a write of stimecmp under Sstc: a value in the future also clears a pending STIP. A hart
 * without Sstc has no stimecmp; OpenSBI then programs mtimecmp and raises STIP from its
 * M-timer handler. No M-mode code runs here, so the deadline (kept in cpu->stimecmp, which
 * the guest cannot reach) goes to the timer service as a firmware deadline instead. */
static void set_timer(RISCVCPU *cpu, uint64_t stime_value)
{
    cpu->stimecmp = stime_value;
    if (cpu->features.sstc) {
        vtimer_set_stimecmp(cpu, stime_value);
    } else {
        vtimer_set_firmware_stimer(cpu, stime_value);
    }
}

/* What OpenSBI leaves in the M-mode CSRs before it enters S-mode (see the file comment). */
static void hart_setup_mmode(RISCVCPU *cpu, const SBIState *sbi)
{
    cpu->medeleg = SBI_MEDELEG;
    cpu->mideleg = MIP_SSIP | MIP_STIP | MIP_SEIP;
    cpu->mie = 0;
    cpu->mcounteren = ~0u;
    /* OpenSBI also opens cycle, time and instret to U-mode: Linux 6.1 never writes
     * scounteren, and its vDSO reads time in U-mode. */
    cpu->scounteren = 7;
    /* As OpenSBI: Sstc's stimecmp and Svpbmt's memory types enabled for S-mode where the
     * hart has them. */
    cpu->menvcfg = (cpu->features.sstc ? MENVCFG_STCE : 0) |
                   (cpu->features.svpbmt ? MENVCFG_PBMTE : 0);
    cpu->mstatus = (uint64_t)FS_DIRTY << MSTATUS_FS_SHIFT;
    cpu->mtvec = sbi->boot.mtrap_vector;
    cpu->pmpaddr[0] = PMPADDR_ALL;
    cpu->pmpcfg[0] = PMP_NAPOT_RWX;
    riscv_pmp_changed(cpu);
    /* No S-timer deadline left over from before a reset; STIP follows stimecmp (or, without
     * Sstc, the firmware's deadline) from now on. */
    cpu->stimecmp = ~0ULL;
    set_timer(cpu, cpu->stimecmp);
    tlb_flush_local(&cpu->tlb);
}

/* Enter S-mode at pc as HSM start and non-retentive resume do: satp = 0, sstatus.SIE = 0,
 * a0 = hartid, a1 = opaque. */
static void hart_enter_smode(RISCVCPU *cpu, uint64_t pc, uint64_t opaque)
{
    cpu->priv = PRV_S;
    cpu->pc = pc;
    cpu->x[A0] = cpu->mhartid;
    cpu->x[A1] = opaque;
    cpu->mstatus &= ~(MSTATUS_SIE | MSTATUS_MPRV);
    uint64_t old_satp = cpu->satp;
    cpu->satp = 0;
    riscv_satp_changed(cpu, old_satp, 0);
    cpu->load_res = ~0ULL;
    cpu->halted = false;
    riscv_cpu_update_mmu_idx(cpu);
    /* A (re)started hart begins with nothing cached, whatever it ran before. */
    tlb_flush_local(&cpu->tlb);
}

/* ---- helpers ------------------------------------------------------------------------- */

/* The firmware runs in M-mode: read an M-level CSR as M-mode code would. */
static uint64_t read_mcsr(RISCVCPU *cpu, unsigned csrno)
{
    uint8_t priv = cpu->priv;
    uint64_t v = 0;
    cpu->priv = PRV_M;
    if (riscv_csr_rmw(cpu, csrno, &v, true, false, 0, 0, cpu_instret(cpu)) != CSR_OK) {
        v = 0;
    }
    cpu->priv = priv;
    return v;
}

/* (hart_mask, hart_mask_base) as a vCPU mask (bit i = cpus[i] = hart i): bit b of hart_mask
 * names hart base + b, so a caller reaches harts beyond 63 through the base (SBI 0.2+).
 * base == -1 means every hart. False if the pair names a hart that does not exist. */
static bool hart_mask_to_cpus(unsigned n_harts, uint64_t mask, uint64_t base, CPUMask *cpus)
{
    cpumask_clear(cpus);
    if (base == ~0ULL) {
        cpumask_fill(cpus, n_harts);
        return true;
    }
    for (uint64_t rest = mask; rest; rest &= rest - 1) {
        uint64_t hart = base + (uint64_t)__builtin_ctzll(rest);
        if (hart < base || hart >= n_harts) {
            return false;        /* past the last hart (or past 2^64) */
        }
        cpumask_set(cpus, (unsigned)hart);
    }
    return true;
}

static bool in_ram(const SBIState *sbi, uint64_t paddr, uint64_t len)
{
    return dma_ram_ptr(&sbi->ram, paddr, len) != NULL;
}

static void console_putc(SBIState *sbi, uint8_t byte)
{
    if (sbi->boot.console) {
        ns16550_console_write(sbi->boot.console, &byte, 1);
    }
}

/* ---- extensions ------------------------------------------------------------------------ */

static bool extension_available(uint64_t eid)
{
    switch (eid) {
    case SBI_EXT_LEGACY_SET_TIMER: case SBI_EXT_LEGACY_PUTCHAR: case SBI_EXT_LEGACY_GETCHAR:
    case SBI_EXT_LEGACY_SHUTDOWN: case SBI_EXT_BASE: case SBI_EXT_TIME: case SBI_EXT_IPI:
    case SBI_EXT_RFENCE: case SBI_EXT_HSM: case SBI_EXT_SRST: case SBI_EXT_DBCN:
        return true;
    default:
        return false;
    }
}

static uint64_t impl_version(void)
{
    unsigned major = 0, minor = 0;
    if (sscanf(TLBSTORM_VERSION, "%u.%u", &major, &minor) != 2) {
        return 0;
    }
    return ((uint64_t)major << 16) | minor;      /* as OpenSBI encodes its version */
}

static SBIRet sbi_base(RISCVCPU *cpu, uint64_t fid, const uint64_t *a)
{
    switch (fid) {
    case 0: return ret_val(SBI_SPEC_VERSION);
    case 1: return ret_val(SBI_IMPL_ID_TLBSTORM);
    case 2: return ret_val(impl_version());
    case 3: return ret_val(extension_available(a[0]) ? 1 : 0);
    case 4: return ret_val(read_mcsr(cpu, CSR_MVENDORID));
    case 5: return ret_val(read_mcsr(cpu, CSR_MARCHID));
    case 6: return ret_val(read_mcsr(cpu, CSR_MIMPID));
    default: return ret_err(SBI_ERR_NOT_SUPPORTED);
    }
}

static SBIRet sbi_ipi(RISCVCPU *cpu, uint64_t fid, const uint64_t *a)
{
    if (fid != 0) {
        return ret_err(SBI_ERR_NOT_SUPPORTED);
    }
    Machine *m = cpu->machine;
    CPUMask cpus;
    if (!hart_mask_to_cpus(m->n_cpus, a[0], a[1], &cpus)) {
        return ret_err(SBI_ERR_INVALID_PARAM);
    }
    for_each_cpu(i, &cpus) {
        RISCVCPU *t = m->cpus[i];
        /* Release: pairs with the target's acquire load of mip. Kick on the rising edge
         * only: if SSIP was already set, whoever set it kicked, and the target has not
         * consumed it yet. */
        uint64_t old = atomic_fetch_or_explicit(&t->mip, MIP_SSIP, memory_order_release);
        if (!(old & MIP_SSIP)) {
            vcpu_kick(CPU(t));
            run_slot_boost(CPU(t));
        }
    }
    return ret_val(0);
}

/* RFENCE: one emulator-level flush per call, delivered synchronously: on return no target
 * uses a translation (or, for fence.i, a code lookup) the call asked to drop. The S and U
 * contexts are flushed, as sfence.vma would on each target; M has no translation. */
static SBIRet sbi_rfence(RISCVCPU *cpu, uint64_t fid, const uint64_t *a)
{
    if (fid > 2) {
        return ret_err(SBI_ERR_NOT_SUPPORTED);   /* hfence.*: no hypervisor extension */
    }
    CPUMask cpus;
    if (!hart_mask_to_cpus(cpu->machine->n_cpus, a[0], a[1], &cpus)) {
        return ret_err(SBI_ERR_INVALID_PARAM);
    }
    TLBFlushReq req = { .idxmap = SBI_FLUSH_IDXMAP, .asid = TLB_ASID_ANY };
    if (fid == 0) {
        req.kind = TLB_FLUSH_FENCE_I;
    } else {
        uint64_t start = a[2], size = a[3];
        if (fid == 2) {
            if (a[4] >> SATP_ASID_BITS) {
                return ret_err(SBI_ERR_INVALID_PARAM);   /* no such ASID in satp */
            }
            req.asid = (int32_t)a[4];
        }
        if (size == ~0ULL || (start == 0 && size == 0) || start + size < start) {
            /* The whole address space (a range that wraps is flushed whole too). */
            req.kind = fid == 2 ? TLB_FLUSH_ASID : TLB_FLUSH_ALL;
            req.asid = fid == 2 ? req.asid : TLB_ASID_ANY;
        } else if (size == 0) {
            return ret_val(0);                           /* an empty range: nothing to do */
        } else if ((start & RV_PAGE_MASK) == ((start + size - 1) & RV_PAGE_MASK)) {
            req.kind = TLB_FLUSH_PAGE;
            req.addr = start;
        } else {
            req.kind = TLB_FLUSH_RANGE;
            req.addr = start;
            req.len = size;
        }
    }
    if (!cpumask_empty(&cpus)) {
        tlb_flush_cpus(CPU(cpu), &cpus, &req, true);
    }
    return ret_val(0);
}

static SBIRet hsm_hart_start(RISCVCPU *cpu, uint64_t hartid, uint64_t addr, uint64_t opaque)
{
    SBIState *sbi = sbi_of(cpu);
    if (hartid >= sbi->n_harts) {
        return ret_err(SBI_ERR_INVALID_PARAM);
    }
    if (!in_ram(sbi, addr, 2)) {
        return ret_err(SBI_ERR_INVALID_ADDRESS);
    }
    SBIHart *h = &sbi->harts[hartid];
    int expected = HSM_STOPPED;
    /* Acquire: pairs with the owner's release of STOPPED, so its last use of start_addr
     * is over before we write it. */
    if (!atomic_compare_exchange_strong_explicit(&h->state, &expected, HSM_START_CLAIMED,
                                                 memory_order_acquire, memory_order_acquire)) {
        return ret_err(expected == HSM_START_CLAIMED || expected == HSM_START_PENDING
                       ? SBI_ERR_ALREADY_STARTED : SBI_ERR_ALREADY_AVAILABLE);
    }
    h->start_addr = addr;
    h->start_opaque = opaque;
    /* Release: pairs with the owner's acquire load in hsm_wait; then the kick (wake_seq bump,
     * release) wakes it if it sleeps. */
    atomic_store_explicit(&h->state, HSM_START_PENDING, memory_order_release);
    vcpu_kick(CPU(cpu->machine->cpus[hartid]));
    return ret_val(0);
}

static SBIRet hsm_hart_suspend(RISCVCPU *cpu, uint64_t type64, uint64_t addr, uint64_t opaque)
{
    SBIState *sbi = sbi_of(cpu);
    SBIHart *h = &sbi->harts[cpu->cs.index];
    uint32_t type = (uint32_t)type64;     /* a uint32_t argument: upper bits are not ours */
    if (type != SUSPEND_RETENTIVE && type != SUSPEND_NON_RETENTIVE) {
        /* Reserved and platform-specific types: this platform defines none. */
        return ret_err(SBI_ERR_INVALID_PARAM);
    }
    if (type == SUSPEND_NON_RETENTIVE && !in_ram(sbi, addr, 2)) {
        return ret_err(SBI_ERR_INVALID_ADDRESS);
    }
    int expected = HSM_STARTED;
    if (!atomic_compare_exchange_strong_explicit(&h->state, &expected, HSM_SUSPENDED,
                                                 memory_order_acq_rel, memory_order_acquire)) {
        return ret_err(SBI_ERR_FAILED);
    }
    h->resume_non_retentive = type == SUSPEND_NON_RETENTIVE;
    h->resume_addr = addr;
    h->resume_opaque = opaque;
    /* A retentive suspend returns SBI_SUCCESS after the ecall when it resumes. */
    return ret_val(0);
}

static SBIRet sbi_hsm(RISCVCPU *cpu, uint64_t fid, const uint64_t *a, bool *no_return)
{
    SBIState *sbi = sbi_of(cpu);
    switch (fid) {
    case 0:
        return hsm_hart_start(cpu, a[0], a[1], a[2]);
    case 1: {
        int expected = HSM_STARTED;
        /* Release: pairs with the acquire CAS of the next hart_start (see hsm_hart_start). */
        if (!atomic_compare_exchange_strong_explicit(&sbi->harts[cpu->cs.index].state, &expected,
                                                     HSM_STOPPED, memory_order_release,
                                                     memory_order_relaxed)) {
            return ret_err(SBI_ERR_FAILED);
        }
        *no_return = true;     /* resumes only through hart_start, at its start_addr */
        return ret_val(0);
    }
    case 2: {
        if (a[0] >= sbi->n_harts) {
            return ret_err(SBI_ERR_INVALID_PARAM);
        }
        int st = atomic_load_explicit(&sbi->harts[a[0]].state, memory_order_acquire);
        return ret_val(st == HSM_START_CLAIMED ? HSM_START_PENDING : (uint64_t)st);
    }
    case 3:
        return hsm_hart_suspend(cpu, a[0], a[1], a[2]);
    default:
        return ret_err(SBI_ERR_NOT_SUPPORTED);
    }
}

static SBIRet sbi_srst(RISCVCPU *cpu, uint64_t fid, const uint64_t *a, bool *no_return)
{
    if (fid != 0) {
        return ret_err(SBI_ERR_NOT_SUPPORTED);
    }
    uint32_t type = (uint32_t)a[0], reason = (uint32_t)a[1];
    if (type > SRST_WARM_REBOOT || reason > SRST_REASON_SYSTEM_FAILURE) {
        return ret_err(SBI_ERR_INVALID_PARAM);
    }
    /* Exit status: 0, or 1 for "system failure" (it reaches the shell when the guest shuts
     * down, or reboots under -no-reboot). */
    int status = reason == SRST_REASON_SYSTEM_FAILURE ? 1 : 0;
    machine_request(cpu->machine, type == SRST_SHUTDOWN ? MACHINE_POWEROFF : MACHINE_RESET,
                    status);
    *no_return = true;
    return ret_val(0);
}

static SBIRet sbi_dbcn(RISCVCPU *cpu, uint64_t fid, const uint64_t *a)
{
    SBIState *sbi = sbi_of(cpu);
    if (fid == 2) {
        console_putc(sbi, (uint8_t)a[0]);
        return ret_val(0);
    }
    if (fid > 2) {
        return ret_err(SBI_ERR_NOT_SUPPORTED);
    }
    /* console_write / console_read: num_bytes, base_addr_lo, base_addr_hi. On RV64 the
     * physical address is base_addr_lo; a non-zero high half lies beyond 2^64. */
    uint64_t len = a[0], paddr = a[1];
    uint8_t *host = a[2] ? NULL : dma_ram_ptr(&sbi->ram, paddr, len);
    if (!host && len) {
        return ret_err(SBI_ERR_INVALID_PARAM);
    }
    if (!sbi->boot.console || !len) {
        return ret_val(fid == 0 ? len : 0);
    }
    if (fid == 0) {
        return ret_val(ns16550_console_write(sbi->boot.console, host, len));
    }
    size_t n = ns16550_console_read(sbi->boot.console, host, len);
    dma_ram_written(&sbi->ram, paddr, n);     /* translated code on those pages is stale */
    return ret_val(n);
}

/* Legacy (v0.1) extensions answer in a0 only and leave a1 alone. */
static bool sbi_legacy(RISCVCPU *cpu, uint64_t eid, bool *no_return)
{
    SBIState *sbi = sbi_of(cpu);
    switch (eid) {
    case SBI_EXT_LEGACY_SET_TIMER:
        set_timer(cpu, cpu->x[A0]);
        cpu->x[A0] = 0;
        return true;
    case SBI_EXT_LEGACY_PUTCHAR:
        console_putc(sbi, (uint8_t)cpu->x[A0]);
        cpu->x[A0] = 0;
        return true;
    case SBI_EXT_LEGACY_GETCHAR: {
        uint8_t byte;
        bool got = sbi->boot.console && ns16550_console_read(sbi->boot.console, &byte, 1);
        cpu->x[A0] = got ? byte : (uint64_t)-1;
        return true;
    }
    case SBI_EXT_LEGACY_SHUTDOWN:
        machine_request(cpu->machine, MACHINE_POWEROFF, 0);
        *no_return = true;
        return true;
    default:
        return false;
    }
}

/* A trap reached M-mode, which the delegation set up above should make impossible: report
 * it once and power off with status 1 rather than run M-mode code that does not exist. */
static void stray_mmode_trap(RISCVCPU *cpu)
{
    SBIState *sbi = sbi_of(cpu);
    if (!atomic_exchange_explicit(&sbi->fatal_reported, true, memory_order_relaxed)) {
        error_report("built-in SBI: hart %u trapped into M-mode (mcause 0x%llx, mepc 0x%llx, "
                     "mtval 0x%llx); powering off", cpu->cs.index,
                     (unsigned long long)cpu->mcause, (unsigned long long)cpu->mepc,
                     (unsigned long long)cpu->mtval);
    }
    machine_request(cpu->machine, MACHINE_POWEROFF, 1);
}

static void sbi_ecall(RISCVCPU *cpu)
{
    if (cpu->priv == PRV_M) {
        stray_mmode_trap(cpu);
        return;
    }
    uint64_t eid = cpu->x[A7], fid = cpu->x[A6];
    const uint64_t *a = &cpu->x[A0];
    bool no_return = false;
    SBIRet r;

    /* The ecall retires: pc and instret move past it before the handler, so a call that
     * does not return (hart_stop, shutdown) leaves a consistent state too. */
    cpu->pc += ECALL_LEN;
    cpu_instret_add(cpu, 1);
    if (eid < SBI_EXT_BASE) {
        if (sbi_legacy(cpu, eid, &no_return)) {
            return;
        }
        r = ret_err(SBI_ERR_NOT_SUPPORTED);
    } else {
        switch (eid) {
        case SBI_EXT_BASE: r = sbi_base(cpu, fid, a); break;
        case SBI_EXT_TIME:
            if (fid == 0) {
                set_timer(cpu, a[0]);
                r = ret_val(0);
            } else {
                r = ret_err(SBI_ERR_NOT_SUPPORTED);
            }
            break;
        case SBI_EXT_IPI: r = sbi_ipi(cpu, fid, a); break;
        case SBI_EXT_RFENCE: r = sbi_rfence(cpu, fid, a); break;
        case SBI_EXT_HSM: r = sbi_hsm(cpu, fid, a, &no_return); break;
        case SBI_EXT_SRST: r = sbi_srst(cpu, fid, a, &no_return); break;
        case SBI_EXT_DBCN: r = sbi_dbcn(cpu, fid, a); break;
        default: r = ret_err(SBI_ERR_NOT_SUPPORTED); break;
        }
    }
    if (r.error == SBI_ERR_NOT_SUPPORTED) {
        log_mask(LOG_UNIMP, "hart %u: SBI call eid 0x%llx fid %llu not supported\n",
                 cpu->cs.index, (unsigned long long)eid, (unsigned long long)fid);
    }
    if (!no_return) {
        cpu->x[A0] = (uint64_t)r.error;
        cpu->x[A1] = r.value;
    }
}

/* ---- HSM waits ------------------------------------------------------------------------- */

/* One wait of a STOPPED or SUSPENDED hart (see "Sleeping" in the file comment). */
static void hsm_wait(RISCVCPU *cpu, SBIHart *h)
{
    uint32_t seq = atomic_load_explicit(&cpu->cs.wake_seq, memory_order_acquire);
    int st = atomic_load_explicit(&h->state, memory_order_acquire);
    if (st == HSM_START_PENDING) {
        uint64_t addr = h->start_addr, opaque = h->start_opaque;
        atomic_store_explicit(&h->state, HSM_STARTED, memory_order_release);
        hart_enter_smode(cpu, addr, opaque);
        return;
    }
    if (st == HSM_SUSPENDED && (riscv_cpu_mip(cpu) & cpu->mie)) {
        /* Woken as WFI would be: an interrupt pending and enabled in sie, whatever SIE. */
        atomic_store_explicit(&h->state, HSM_STARTED, memory_order_release);
        if (h->resume_non_retentive) {
            hart_enter_smode(cpu, h->resume_addr, h->resume_opaque);
        }
        return;
    }
    if (machine_pending_request(cpu->machine) != MACHINE_RUN ||
        cpu_work_pending(&cpu->cs.work) || vm_stop_requested()) {
        return;      /* the vCPU loop handles these (or parks), then waits again */
    }
    run_slot_release(CPU(cpu));
    futex_wait(&cpu->cs.wake_seq, seq);
}

bool sbi_vcpu_run(RISCVCPU *cpu)
{
    SBIState *sbi = sbi_of(cpu);
    SBIHart *h = &sbi->harts[cpu->cs.index];
    if (h->need_setup) {
        h->need_setup = false;
        hart_setup_mmode(cpu, sbi);
        if (cpu->cs.index == BOOT_HART) {
            hart_enter_smode(cpu, sbi->boot.kernel_entry, sbi->boot.dtb_addr);
        }
        return true;
    }
    if (cpu->sbi_pending) {
        cpu->sbi_pending = false;
        sbi_ecall(cpu);
        if (cpu->tlb_check) {
            tlb_check_ecall_done(cpu);
        }
        return true;
    }
    /* Only the owner leaves STARTED, so a relaxed load sees its own last store. */
    if (atomic_load_explicit(&h->state, memory_order_relaxed) == HSM_STARTED) {
        return false;
    }
    hsm_wait(cpu, h);
    return true;
}

/* ---- machine --------------------------------------------------------------------------- */

int sbi_machine_setup(Machine *m, const SBIBoot *boot)
{
    SBIState *sbi = m->sbi;
    if (!sbi) {
        sbi = calloc(1, sizeof(*sbi) + m->n_cpus * sizeof(SBIHart));
        if (!sbi) {
            return -ENOMEM;
        }
        sbi->n_harts = m->n_cpus;
        m->sbi = sbi;
    }
    sbi->boot = *boot;
    sbi->ram = *boot->ram;
    atomic_store_explicit(&sbi->fatal_reported, false, memory_order_relaxed);
    /* No vCPU runs: thread creation orders these stores before their first loads. */
    for (unsigned i = 0; i < sbi->n_harts; i++) {
        SBIHart *h = &sbi->harts[i];
        atomic_store_explicit(&h->state, i == BOOT_HART ? HSM_STARTED : HSM_STOPPED,
                              memory_order_relaxed);
        h->start_addr = h->start_opaque = 0;
        h->need_setup = true;
        h->resume_non_retentive = false;
        m->cpus[i]->builtin_firmware = sbi_vcpu_run;
        m->cpus[i]->sbi_pending = false;
    }
    return 0;
}

void sbi_machine_free(Machine *m)
{
    free(m->sbi);
    m->sbi = NULL;
}
