/* Sdtrig debug triggers (RISC-V debug spec 1.0, chapter 5), as M-mode software sees them:
 * tselect, tdata1/2/3, tinfo, tcontrol; mcontrol (type 2) and mcontrol6 (type 6) address
 * triggers on execute, load and store in M, S and U, action 0 (breakpoint exception).
 * Callers: the owning vCPU thread only (CSR instructions, traps, its loads and stores, its
 * cpu_exec loop). Locking: none; the state is the hart's own, like its CSRs.
 *
 * Watched data costs nothing elsewhere: a load or store trigger marks the TLB entries of the
 * pages it can match (TLB_WATCH in addr_read / addr_write, mm/tlb.h), so only accesses to
 * those pages leave the inline fast path, and the slow path checks the triggers before the
 * access. Changing a trigger flushes the hart's TLB so the marks are redone. Execute triggers
 * are checked by the cpu_exec loop at every TB entry while any is enabled (chaining is cut
 * then), and a TB that holds a watched instruction past its first runs only up to it. */
#ifndef CPU_DEBUG_H
#define CPU_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#define DEBUG_N_TRIGGERS 4

struct RISCVCPU;

typedef struct RISCVTrigger {
    uint64_t tdata1;              /* as the guest reads it (type in bits 63:60) */
    uint64_t tdata2;              /* compare address */
} RISCVTrigger;

typedef struct RISCVDebugState {
    RISCVTrigger trig[DEBUG_N_TRIGGERS];
    unsigned tselect;
    uint64_t tcontrol;            /* mte (bit 3), mpte (bit 7) */
    /* Summaries, recomputed at every trigger change: how many triggers watch each kind. */
    unsigned n_exec, n_load, n_store;
} RISCVDebugState;

/* Hart reset: every trigger type 2 with nothing enabled, tselect 0, tcontrol 0. */
void debug_reset(struct RISCVCPU *cpu);

/* The trigger CSRs (0x7a0..0x7a5). Returns false for a number that is not one of them. A write
 * that changes a trigger flushes the hart's TLB; the caller ends its TB. */
bool debug_csr_read(struct RISCVCPU *cpu, unsigned csrno, uint64_t *val);
bool debug_csr_write(struct RISCVCPU *cpu, unsigned csrno, uint64_t val);

/* tcontrol around traps into M-mode (mpte = mte, mte = 0) and mret (mte = mpte). */
void debug_trap_to_m(struct RISCVCPU *cpu);
void debug_mret(struct RISCVCPU *cpu);

/* Does a trigger fire for a load or store of [vaddr, vaddr + size) at the current privilege?
 * If so, raises the breakpoint exception (tval = vaddr) and returns true: the access must not
 * happen. AMOs check both kinds. */
bool debug_check_data(struct RISCVCPU *cpu, uint64_t vaddr, unsigned size, bool load,
                      bool store);

/* Could a load (store) trigger match some byte of the 4 KiB page at vpage? For TLB marks. */
bool debug_page_watched(const struct RISCVCPU *cpu, uint64_t vpage, bool store);

/* Does an execute trigger fire for the instruction at pc now? (No side effects.) */
bool debug_exec_matches(const struct RISCVCPU *cpu, uint64_t pc);

/* Execute trigger hit at pc: sets the trigger's hit bit and raises the breakpoint exception
 * (epc = tval = pc). */
void debug_raise_exec(struct RISCVCPU *cpu, uint64_t pc);

/* ---- debugger watchpoints (hw/gdbstub.c: Z2 write, Z3 read, Z4 access) -------------------
 * Machine-wide, on guest virtual addresses; changed by the debugger only while every vCPU is
 * parked (sync/vm_stop.h), read by vCPUs without synchronisation of their own (the park
 * handshake orders them). Their pages are marked TLB_WATCH at fills like trigger pages, so
 * only accesses to those pages leave the inline fast path. A change bumps debug_watch_gen;
 * each hart flushes its own TLB when it sees a new generation (accel/cpu_exec.c, on leaving
 * the park), so the marks are redone before it runs guest code again. */
enum debug_watch_kind { DEBUG_WATCH_WRITE = 2, DEBUG_WATCH_READ = 3, DEBUG_WATCH_ACCESS = 4 };
#define DEBUG_MAX_WATCHPOINTS 16

extern unsigned debug_n_watchpoints;
extern uint32_t debug_watch_gen;

bool debug_watchpoint_insert(uint64_t addr, uint64_t len, enum debug_watch_kind kind);
bool debug_watchpoint_remove(uint64_t addr, uint64_t len, enum debug_watch_kind kind);
void debug_watchpoints_clear(void);
/* Could a debugger watchpoint match some byte of the 4 KiB page at vpage? */
bool debug_watch_page(uint64_t vpage);
/* Slow path of a load and/or store of [vaddr, vaddr + size): a watchpoint of a matching kind
 * covers a byte of it. Reports VM_STOP_WATCH_* with the watchpoint's address; the access goes
 * ahead and the hart stops at its next TB entry, so the debugger sees the new value. */
void debug_watch_check(struct RISCVCPU *cpu, uint64_t vaddr, unsigned size, bool load,
                       bool store);

static inline bool debug_exec_active(const RISCVDebugState *d)
{
    return d->n_exec != 0;
}

static inline bool debug_data_active(const RISCVDebugState *d)
{
    return (d->n_load | d->n_store) != 0;
}

#endif
