/* vCPU threads: one host thread per hart running the cpu_exec loop, sleeping in WFI, woken
 * by kicks.
 * Callers: main thread (start/join). Kicks: vcpu_kick (sync/cpu_state.h).
 * Locking: none; wake-ups use a futex on cpu->cs.wake_seq. */
#ifndef ACCEL_VCPU_H
#define ACCEL_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct RISCVCPU;

int vcpu_start(struct RISCVCPU *cpu, pthread_t *thread) __attribute__((warn_unused_result));

/* Debugger breakpoints (guest virtual pcs, for every hart) and single steps (one hart runs one
 * instruction, interrupts held, then reports VM_STOP_STEP). The debugger thread changes them
 * only while every vCPU is parked (sync/vm_stop.h). A hart reaching a breakpoint reports
 * VM_STOP_BREAKPOINT before running that instruction. Costs nothing while none is set. */
#define VCPU_MAX_BREAKPOINTS 64
bool vcpu_breakpoint_insert(uint64_t pc);     /* false: the table is full */
bool vcpu_breakpoint_remove(uint64_t pc);     /* false: there was none at pc */
void vcpu_breakpoints_clear(void);
void vcpu_set_single_step(const struct RISCVCPU *cpu, bool on);

#endif
