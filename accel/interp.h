/* The threaded-interpreter backend: turns decoded ops into dispatch addresses and runs TBs,
 * following chained TBs until something needs the cpu_exec loop.
 * Callers: the owning vCPU thread (interp_exec); the translating thread (interp_finalize).
 * Locking: none; reads chain pointers with acquire. */
#ifndef ACCEL_INTERP_H
#define ACCEL_INTERP_H

#include "accel/tb.h"
#include "cpu/cpu.h"

/* Once, before any TB is translated. */
void interp_init(void);
/* Replace each op's enum riscv_op with this backend's handler address. */
void interp_finalize(TBOp *ops, unsigned count);
/* Run tb (and the TBs chained from it). On return cpu->pc is the next pc to execute.
 * run_first: run tb even if an exit is already requested (icount_decr < 0); the request is
 * honoured at the next TB entry. The cpu_exec loop passes true right after it served a kick,
 * so a vCPU kicked faster than it can enter a TB still makes progress (see cpu_exec.c). */
/* start_op > 0: continue tb at that op (after JIT code stopped there, EXIT_INTERP); the
 * icount check is not repeated. Returns EXIT_JIT on reaching a compiled TB through a chain
 * or the jump cache, after its icount check. */
enum cpu_exit_reason interp_exec(RISCVCPU *cpu, TranslationBlock *tb, unsigned start_op,
                                 bool run_first);

#endif
