/* vCPU threads: one host thread per hart running the cpu_exec loop, sleeping in WFI, woken
 * by kicks.
 * Callers: main thread (start/join); any thread (vcpu_kick).
 * Locking: none; wake-ups use a futex on cpu->wake_seq. */
#ifndef ACCEL_VCPU_H
#define ACCEL_VCPU_H

#include <pthread.h>

struct RISCVCPU;

int vcpu_start(struct RISCVCPU *cpu, pthread_t *thread) __attribute__((warn_unused_result));
/* Any thread: make the vCPU leave guest code soon and wake it if it sleeps in WFI. Call
 * after publishing whatever the vCPU should notice (mip bit, machine request). */
void vcpu_kick(struct RISCVCPU *cpu);

#endif
