/* The x86-64 JIT backend: translates a TB's decoded ops into host code that works on the
 * same RISCVCPU state as the interpreter, with the TLB fast path inline and the slow paths
 * (TLB miss, MMIO, exceptions, self-modifying code) in the same C functions the interpreter
 * calls. Ops it does not translate (FP, system, orc.b) end
 * the generated code: the interpreter resumes the TB at that op (EXIT_INTERP), so
 * the two backends run mixed, TB by TB and within a TB.
 *
 * Owns the code buffer (one RWX mapping, bump-allocated, recycled with the TB arena).
 * Callers: jit_compile_locked and jit_reset_locked under tb_lock (accel/tb.c); jit_exec by
 * the owning vCPU thread only. Generated code, like the interpreter, reads chain pointers
 * (jmp_dest) with plain loads, which on x86-64 are acquire loads. */
#ifndef ACCEL_JIT_H
#define ACCEL_JIT_H

#include <stdbool.h>

#include "accel/tb.h"
#include "cpu/cpu.h"

/* Once, before vCPUs start. Returns 0, or -errno when the executable code buffer cannot be
 * mapped (the JIT then stays off). With on == false, or on a host other than x86-64, no TB
 * is ever compiled. */
int jit_init(bool on) __attribute__((warn_unused_result));
void jit_destroy(void);
/* Main thread, after jit_init and before vCPUs start: from now on write one line per compiled
 * TB to `path`, "START SIZE guest-0xPC" (hex; the perf map format), so that `perf report`
 * names compiled code by the guest pc it came from (QEMU 8.1's -perfmap). jit_destroy closes
 * it. Returns 0 or -errno. */
int jit_perfmap_open(const char *path) __attribute__((warn_unused_result));
/* Whether TBs are compiled (jit_init(true) on an x86-64 host). */
bool jit_enabled(void);
/* Under tb_lock, before tb is published: compile it. `ops` are tb's ops still holding their
 * enum riscv_op (before interp_finalize). Sets tb->jit_code, or leaves it NULL when the first
 * op is not translated. Returns false when the code buffer is full (flush and retry). */
bool jit_compile_locked(TranslationBlock *tb, const TBOp *ops, unsigned count);
/* Under tb_lock, when tb_add_jump links src's exit `slot` to dst (dst != NULL) or the
 * invalidation unlinks it (dst == NULL): make that exit of src's compiled code jump
 * straight to dst's compiled code, or read jmp_dest again as before. vCPUs running src
 * meanwhile take either the old or the new way (one atomic store of an aligned rel32). */
void jit_chain_locked(TranslationBlock *src, int slot, const TranslationBlock *dst);
/* Under tb_lock, with no vCPU in guest code (the whole-cache flush): recycle the buffer. */
void jit_reset_locked(void);
/* Owner vCPU: run tb's code and the compiled TBs chained from it. run_first: skip tb's
 * icount_decr check (see interp_exec). EXIT_INTERP: continue with interp_exec at
 * cpu->resume_tb, op cpu->resume_op. */
enum cpu_exit_reason jit_exec(RISCVCPU *cpu, TranslationBlock *tb, bool run_first);

#endif
