/* vCPU threads: one host thread per hart running the cpu_exec loop, sleeping in WFI, woken
 * by kicks.
 * Callers: main thread (start/join). Kicks: vcpu_kick (sync/cpu_state.h).
 * Locking: none; wake-ups use a futex on cpu->cs.wake_seq. */
#ifndef ACCEL_VCPU_H
#define ACCEL_VCPU_H

#include <pthread.h>

struct RISCVCPU;

int vcpu_start(struct RISCVCPU *cpu, pthread_t *thread) __attribute__((warn_unused_result));

#endif
