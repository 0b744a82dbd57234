/* Starting and joining all vCPU threads of a machine: reset every hart to the boot entry and
 * start one host thread per hart; join them after a machine request ended the run.
 * Callers: the main thread of tlbstorm (hw/main.c) and of the host-side stress and latency
 * programs (tests/stress/, bench/), while no vCPU of the machine runs.
 * Locking: none; the vCPUs see the reset state through pthread_create's happens-before. */
#ifndef HW_VCPU_GROUP_H
#define HW_VCPU_GROUP_H

#include <pthread.h>
#include <stdint.h>

struct Machine;

/* Reset every hart of m (pc = entry, a1 = dtb_addr, empty TLB), clear the machine request and
 * start the vCPU threads into threads[0 .. m->n_cpus). Returns 0, or -errno after asking the
 * vCPUs already started to power off; either way *started threads must be joined. */
int vcpu_group_start(struct Machine *m, uint64_t entry, uint64_t dtb_addr, pthread_t *threads,
                     unsigned *started) __attribute__((warn_unused_result));
/* Wait for the first `started` threads to return (after machine_request). */
void vcpu_group_join(pthread_t *threads, unsigned started);

#endif
