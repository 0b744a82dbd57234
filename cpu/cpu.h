/* The RV64GC hart: architectural state, privilege/CSR constants and the hart's public API.
 * Callers: the owning vCPU thread for everything except the fields marked "any thread".
 * Locking: none; cross-thread fields are C11 atomics with the orderings documented on them. */
#ifndef CPU_CPU_H
#define CPU_CPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "cpu/debug.h"
#include "mm/tlb.h"
#include "mm/tlb_flush.h"
#include "sync/cpu_state.h"

enum riscv_priv { PRV_U = 0, PRV_S = 1, PRV_M = 3 };

/* Softmmu contexts. Each has its own TLB, because the same virtual address may translate to
 * different permissions (or not at all) in each. MXR and satp changes flush instead of adding
 * more contexts. */
enum riscv_mmu_idx {
    MMU_IDX_U = 0,
    MMU_IDX_S = 1,
    MMU_IDX_S_SUM = 2,    /* S-mode with mstatus.SUM = 1: may load/store U pages */
    MMU_IDX_M = 3,        /* no translation, PMP only */
};
_Static_assert(MMU_IDX_M + 1 == TLB_NB_MMU_MODES, "one TLB per mmu_idx (mm/tlb.h)");
_Static_assert(MMU_IDX_U < TLB_ASID_TAGGED_MODES && MMU_IDX_S < TLB_ASID_TAGGED_MODES &&
               MMU_IDX_S_SUM < TLB_ASID_TAGGED_MODES && MMU_IDX_M >= TLB_ASID_TAGGED_MODES,
               "the satp-translated mmu_idx values come first (mm/tlb.h)");

enum riscv_exception {
    EXCP_INST_ADDR_MISALIGNED = 0,
    EXCP_INST_ACCESS_FAULT = 1,
    EXCP_ILLEGAL_INST = 2,
    EXCP_BREAKPOINT = 3,
    EXCP_LOAD_ADDR_MISALIGNED = 4,
    EXCP_LOAD_ACCESS_FAULT = 5,
    EXCP_STORE_ADDR_MISALIGNED = 6,
    EXCP_STORE_ACCESS_FAULT = 7,
    EXCP_ECALL_U = 8,
    EXCP_ECALL_S = 9,
    EXCP_ECALL_M = 11,
    EXCP_INST_PAGE_FAULT = 12,
    EXCP_LOAD_PAGE_FAULT = 13,
    EXCP_STORE_PAGE_FAULT = 15,
};

enum riscv_irq {
    IRQ_S_SOFT = 1, IRQ_M_SOFT = 3,
    IRQ_S_TIMER = 5, IRQ_M_TIMER = 7,
    IRQ_S_EXT = 9, IRQ_M_EXT = 11,
};
#define MIP_SSIP (1ULL << IRQ_S_SOFT)
#define MIP_MSIP (1ULL << IRQ_M_SOFT)
#define MIP_STIP (1ULL << IRQ_S_TIMER)
#define MIP_MTIP (1ULL << IRQ_M_TIMER)
#define MIP_SEIP (1ULL << IRQ_S_EXT)
#define MIP_MEIP (1ULL << IRQ_M_EXT)

#define MSTATUS_SIE (1ULL << 1)
#define MSTATUS_MIE (1ULL << 3)
#define MSTATUS_SPIE (1ULL << 5)
#define MSTATUS_UBE (1ULL << 6)
#define MSTATUS_MPIE (1ULL << 7)
#define MSTATUS_SPP (1ULL << 8)
#define MSTATUS_VS (3ULL << 9)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP (3ULL << MSTATUS_MPP_SHIFT)
#define MSTATUS_FS_SHIFT 13
#define MSTATUS_FS (3ULL << MSTATUS_FS_SHIFT)
#define MSTATUS_XS (3ULL << 15)
#define MSTATUS_MPRV (1ULL << 17)
#define MSTATUS_SUM (1ULL << 18)
#define MSTATUS_MXR (1ULL << 19)
#define MSTATUS_TVM (1ULL << 20)
#define MSTATUS_TW (1ULL << 21)
#define MSTATUS_TSR (1ULL << 22)
#define MSTATUS_UXL (3ULL << 32)
#define MSTATUS_SXL (3ULL << 34)
#define MSTATUS_SBE (1ULL << 36)
#define MSTATUS_MBE (1ULL << 37)
#define MSTATUS_SD (1ULL << 63)
/* The mstatus bits sstatus shows (read by csr.c and by debuggers). */
#define SSTATUS_VISIBLE (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_FS | \
                         MSTATUS_XS | MSTATUS_VS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL |  \
                         MSTATUS_SD)

#define FS_OFF 0
#define FS_DIRTY 3

#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE 0
#define SATP_MODE_SV39 8
#define SATP_MODE_SV48 9
#define SATP_MODE_SV57 10
#define SATP_ASID_SHIFT 44
#define SATP_ASID_BITS 16
#define SATP_PPN_MASK ((1ULL << 44) - 1)

#define MENVCFG_STCE (1ULL << 63)
#define MENVCFG_PBMTE (1ULL << 62)
#define MENVCFG_FIOM 1ULL

#define PMP_ENTRIES 16

struct AddressSpace;
struct Machine;
struct RunState;
struct TranslationBlock;

/* What the hart implements where the ISA leaves a choice (-cpu properties). Set by the main
 * thread before the vCPU starts (riscv_cpu_init gives the defaults), read-only afterwards. */
typedef struct RISCVCPUFeatures {
    bool sstc;                    /* Sstc: stimecmp and menvcfg.STCE exist (default) */
    bool svinval;                 /* Svinval: sinval.vma, sfence.w.inval, sfence.inval.ir */
    bool svnapot;                 /* Svnapot: PTE.N marks a 64 KiB NAPOT leaf */
    bool svpbmt;                  /* Svpbmt: PTE.PBMT, enabled by menvcfg.PBMTE */
    /* The highest satp MODE accepted: SATP_MODE_SV57 (default), _SV48, _SV39, or
     * SATP_MODE_BARE for no paging. Every paging mode from Sv39 up to it is accepted, as
     * the privileged spec requires of Sv48 (Sv39) and Sv57 (Sv48) harts. */
    uint8_t satp_mode_max;
} RISCVCPUFeatures;

/* The platform's timer as the hart sees it, provided by the board (hw/machine.c) before the
 * vCPU starts; NULL (no board) reads time as 0 and ignores stimecmp. Called on the owner
 * vCPU thread. */
typedef struct RISCVTimerOps {
    uint64_t (*read_time)(const struct RISCVCPU *cpu);     /* the time CSR: mtime */
    /* Sstc: stimecmp or menvcfg.STCE changed; update STIP now and arm the deadline. */
    void (*stimecmp_changed)(struct RISCVCPU *cpu, uint64_t cmp);
} RISCVTimerOps;

/* Why the vCPU left the interpreter. */
enum cpu_exit_reason {
    EXIT_NOCHAIN,     /* next TB not linked: look it up (cpu->last_tb/last_slot say from where) */
    EXIT_LOOKUP,      /* continue at cpu->pc, do not link (state changed, trap taken) */
    EXIT_REQUEST,     /* icount_decr was negative at a TB entry */
    EXIT_HALT,        /* WFI with nothing pending */
    EXIT_PAUSE,       /* Zihintpause pause (a spin-wait hint); pc is past it */
    EXIT_SBI,         /* ecall for the built-in SBI; pc is the ecall, instret excludes it */
    /* Between the execution backends, never seen by the cpu_exec loop: */
    EXIT_INTERP,      /* JIT code stopped before an op it does not translate: interpret
                       * cpu->resume_tb from op cpu->resume_op */
    EXIT_JIT,         /* the interpreter reached compiled TB cpu->resume_tb, icount checked */
};

typedef struct RISCVCPU {
    /* ---- hot interpreter state: owner vCPU only ---- */
    uint64_t x[33];               /* x[32] is the sink for writes to x0 */
    uint64_t f[32];
    uint64_t pc;                  /* valid whenever the vCPU is outside a TB */
    uint8_t priv;
    uint8_t data_mmu_idx;         /* derived from priv, MPRV/MPP, SUM (cpu_update_mmu_idx) */
    uint8_t code_mmu_idx;
    uint8_t frm;
    uint32_t fflags;
    /* Retired instructions (minstret as the guest sees it). Owner vCPU writes, through
     * cpu_instret_add/set and compiled code only: the interpreter adds at TB exits, compiled
     * code when it returns to C or calls code that reads the counter. Any thread may read it
     * (relaxed) with cpu_instret, e.g. the progress line, and gets a value as old as the
     * vCPU's current run of chained compiled TBs at most (until its next kick). */
    _Atomic uint64_t instret;
    struct TranslationBlock *resume_tb;   /* owner only: EXIT_INTERP / EXIT_JIT's TB */
    uint32_t resume_op;                   /* owner only: EXIT_INTERP's op index */
    /* The architecture-independent vCPU state (sync/cpu_state.h): icount_decr, wake_seq,
     * running, the work queue, run slots; icount_decr is read at every TB entry. */
    CPUState cs;
    CPUTLB tlb;                   /* owner vCPU only: this hart's softmmu TLB */
    uint8_t *ram_host;            /* host base of guest RAM, for the self-modifying-code check */
    const _Atomic uint8_t *code_pages; /* one byte per RAM page, non-zero if it holds a TB */

    /* ---- LR/SC reservation (owner only) ---- */
    uint64_t load_res;            /* reserved address, or -1 */
    uint64_t load_val;            /* value loaded by LR, compared by SC */

    /* ---- CSRs (owner only, except mip) ---- */
    uint64_t mhartid;
    uint64_t misa;
    uint64_t mstatus;
    uint64_t medeleg, mideleg;
    uint64_t mie;
    /* Any thread: devices set/clear MTIP/MSIP/STIP and the software-writable SSIP/SEIP with
     * fetch_or/fetch_and (release) and then kick; the owner reads it (acquire) when checking
     * for interrupts. */
    _Atomic uint64_t mip;
    /* Any thread: the interrupt controller's lines, MEIP and SEIP, same protocol as mip. Kept
     * apart because mip.SEIP as read is the OR of the software-writable bit and the line,
     * while CSR writes change only the software bit (privileged spec, 3.1.9). */
    _Atomic uint64_t mip_lines;
    uint64_t mtvec, stvec, mepc, sepc, mcause, scause, mtval, stval;
    uint64_t mscratch, sscratch;
    uint32_t mcounteren, scounteren, mcountinhibit;
    uint64_t menvcfg, senvcfg;
    uint64_t satp;
    uint64_t stimecmp;
    uint8_t pmpcfg[PMP_ENTRIES];
    uint64_t pmpaddr[PMP_ENTRIES];
    /* Decoded from pmpcfg/pmpaddr by riscv_pmp_changed, which every writer of those calls:
     * bit i of pmp_active = entry i matches [pmp_lo[i], pmp_hi[i]). The fill looks PMP up
     * once per TLB miss; decoding all 16 entries there each time was 5 % of the samples. */
    uint16_t pmp_active;
    /* Bit i: no lower-numbered active entry overlaps entry i's range, so every access inside
     * that range is decided by entry i alone. */
    uint16_t pmp_alone;
    /* The entry that decided the last lookup (owner only; a hint tried first): a page walk
     * and its fill ask PMP four times, nearly always about the same entry. */
    uint8_t pmp_last;
    uint64_t pmp_lo[PMP_ENTRIES], pmp_hi[PMP_ENTRIES];
    /* Page-walk cache (owner only, cpu/mmu.c): the last-level page table the previous walk
     * reached, for the 2 MiB of virtual space above it. Like the non-leaf entries hardware
     * caches, it lasts until the next sfence.vma of any kind (tlb.flush_gen), satp write or
     * PMP change. */
    struct {
        uint64_t satp;
        uint64_t vpn_hi;          /* vaddr >> 21 */
        uint64_t table;           /* physical address of the level-0 table */
        uint64_t flush_gen;
        bool global;              /* G was set in a non-leaf PTE above it */
        bool valid;
    } walk_cache;

    /* ---- execution bookkeeping (owner only) ---- */
    struct TranslationBlock *last_tb;  /* TB that exited with EXIT_NOCHAIN */
    int last_slot;
    bool halted;                  /* in WFI */
    int64_t cycle_delta;          /* mcycle - instret, after guest writes to mcycle */
    /* Any thread queues, the owner drains (mm/tlb_flush.c). */
    TLBMailbox flush_mailbox;
    unsigned tb_flush_seen;       /* owner only: tb flush count its jump cache reflects */
    struct TranslationBlock *jmp_cache[32768]; /* virtual-pc keyed; entries re-validated on use */
    /* Bit i: jmp_cache[i] was reached through a non-global translation of an ASID-tagged
     * mmu_idx, so an ASID flush must drop it (tb_jmp_cache_clear_nonglobal). */
    uint64_t jmp_cache_nonglobal[32768 / 64];
    /* Per page bucket of jmp_cache: bit (page number >> 6) % 64 of every page whose TBs
     * it may hold, so that a flush of a page without code skips the bucket. */
    uint64_t jmp_cache_bucket_pages[64];
    /* Set before the vCPU starts: the guest-physical address space it accesses, and the
     * board that owns it (opaque here: only board code, hw/, looks inside). */
    struct AddressSpace *as;
    struct Machine *machine;
    const RISCVTimerOps *timer_ops;
    /* Built-in M-mode firmware (the board's SBI, hw/sbi.c), or NULL when the firmware is
     * guest code. Set by the main thread before the vCPU starts. With it, S-mode ecalls (and
     * stray M-mode traps) leave guest code with EXIT_SBI, and the vCPU loop calls it, outside
     * guest execution: it returns true when it did the hart's work for this round (answered
     * the call, or the hart is stopped), false to run guest code. sbi_pending: owner only,
     * cpu_exec stopped at such an ecall and the firmware must answer it. */
    bool (*builtin_firmware)(struct RISCVCPU *cpu);
    bool sbi_pending;
    RISCVCPUFeatures features;
    RISCVDebugState debug;        /* owner only: Sdtrig triggers (cpu/debug.h) */
    uint32_t debug_watch_gen_seen; /* owner: the debug_watch_gen its TLB marks follow */
    FILE *log_file;               /* -d tid: this hart's log; set by main before its thread */
    /* --tlb-check: this hart's checking state (cpu/tlb_check.c), NULL when not checking. Set
     * by the main thread before the vCPU starts. */
    struct TLBCheckHart *tlb_check;
} RISCVCPU;

/* ---- cpu/cpu.c ---- */
/* Returns 0 or -errno (the mailbox and work queue locks). */
int riscv_cpu_init(RISCVCPU *cpu, unsigned hartid, struct AddressSpace *as,
                   struct RunState *runstate)
    __attribute__((warn_unused_result));
void riscv_cpu_finalize(RISCVCPU *cpu);
/* cpu_list_set for harts (main thread, no vCPU thread running). */
void riscv_cpu_list_set(RISCVCPU *const *cpus, unsigned n);
/* Reset architectural state (M-mode, pc = reset_pc, a0 = hartid, a1 = dtb). */
void riscv_cpu_reset(RISCVCPU *cpu, uint64_t reset_pc, uint64_t a1);
void riscv_cpu_update_mmu_idx(RISCVCPU *cpu);
/* 'U', 'S' or 'M' for a privilege level (dumps and the monitor). */
static inline char riscv_priv_name(unsigned priv)
{
    return "US?M"[priv & 3];
}

/* pc, priv, the M/S CSRs, x0-x31 and (fpu) f0-f31 with fflags/frm, as QEMU's "info registers"
 * and -d cpu. The owner, or any thread while the owner is parked. */
void riscv_cpu_dump_state(RISCVCPU *cpu, FILE *out, bool fpu);

/* Any thread: mip as the hart sees it (software bits, timers, and the external lines). */
static inline uint64_t riscv_cpu_mip(RISCVCPU *cpu)
{
    return atomic_load_explicit(&cpu->mip, memory_order_acquire) |
           atomic_load_explicit(&cpu->mip_lines, memory_order_acquire);
}

/* instret accessors. The owner is the only writer, so a relaxed load plus a relaxed store
 * is an exact increment (no read-modify-write instruction needed: on the TB path this costs
 * what a plain `+=` did); the relaxed atomics only make other threads' reads well defined. */
static inline uint64_t cpu_instret(const RISCVCPU *cpu)
{
    return atomic_load_explicit(&cpu->instret, memory_order_relaxed);
}

static inline void cpu_instret_set(RISCVCPU *cpu, uint64_t v)
{
    atomic_store_explicit(&cpu->instret, v, memory_order_relaxed);
}

static inline void cpu_instret_add(RISCVCPU *cpu, uint64_t n)
{
    cpu_instret_set(cpu, cpu_instret(cpu) + n);
}

/* The generic vCPU of a hart, and back (QEMU's CPU() and RISCV_CPU()). */
#define CPU(riscv_cpu) (&(riscv_cpu)->cs)
static inline RISCVCPU *riscv_cpu_of(CPUState *cs)
{
    return (RISCVCPU *)((char *)cs - offsetof(RISCVCPU, cs));
}

/* ---- cpu/trap.c ---- */
/* Take a synchronous exception at cpu->pc (which must be the faulting instruction's pc). */
void riscv_raise_exception(RISCVCPU *cpu, enum riscv_exception cause, uint64_t tval);
/* Highest-priority interrupt that is pending, enabled and not masked at the current privilege,
 * or -1. */
int riscv_cpu_pending_interrupt(RISCVCPU *cpu);
void riscv_cpu_take_interrupt(RISCVCPU *cpu, int irq);
/* xRET: returns false (and raises illegal instruction) when not permitted. */
bool riscv_cpu_mret(RISCVCPU *cpu);
bool riscv_cpu_sret(RISCVCPU *cpu);

/* ---- cpu/csr.c ---- */
enum csr_status { CSR_OK, CSR_OK_EXIT_TB, CSR_ILLEGAL };
/* Atomically read and/or write a CSR as csrrw/csrrs/csrrc do. `write_mask` selects the bits to
 * replace with `write_val` (csrrw: all ones; csrrs: set bits; csrrc: cleared bits); do_write
 * false means the instruction does not write (rs1 = x0 for csrrs/csrrc). CSR_OK_EXIT_TB: the
 * write changed translation, interrupt or FPU state, so the caller must end its TB. */
enum csr_status riscv_csr_rmw(RISCVCPU *cpu, unsigned csrno, uint64_t *old_val, bool do_read,
                              bool do_write, uint64_t write_val, uint64_t write_mask,
                              uint64_t instret_now);
uint64_t riscv_read_time(const RISCVCPU *cpu);

/* ---- FPU state helpers (cpu/csr.c) ---- */
static inline bool riscv_fpu_enabled(const RISCVCPU *cpu)
{
    return (cpu->mstatus & MSTATUS_FS) != 0;
}

static inline void riscv_fpu_mark_dirty(RISCVCPU *cpu)
{
    cpu->mstatus |= MSTATUS_FS | MSTATUS_SD;
}

#endif
