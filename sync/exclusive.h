/* Exclusive sections: run a piece of work while no vCPU executes guest code: the whole TB
 * cache flush (accel/tb.c) and the synced flushes of --flush=qemu (async_safe_run_on_cpu,
 * mm/tlb_flush.c). Memory-map changes do not stop the world: they go through the shootdown
 * (machine_set_memmap).
 * Callers: vCPU threads bracket guest execution with cpu_exec_start/cpu_exec_end; any thread
 * that is not inside that bracket may call start_exclusive/end_exclusive.
 * Locking: internal mutex; the fast paths of cpu_exec_start/end take it only when an
 * exclusive section is pending. */
#ifndef SYNC_EXCLUSIVE_H
#define SYNC_EXCLUSIVE_H

#include <stdbool.h>

struct CPUState;

/* Owner vCPU: entering / leaving guest execution. cpu_exec_start blocks while an exclusive
 * section is in progress. */
void cpu_exec_start(struct CPUState *cpu);
void cpu_exec_end(struct CPUState *cpu);

/* Any thread: is an exclusive section requested or in progress? (A hint for vCPUs deciding
 * whether to leave guest code after a kick.) */
bool exclusive_pending(void);

/* On return no vCPU of the CPU list (cpu_list_set) is inside guest execution until
 * end_exclusive. Not re-entrant; the
 * caller must not be between cpu_exec_start and cpu_exec_end. */
void start_exclusive(void);
void end_exclusive(void);

#endif
