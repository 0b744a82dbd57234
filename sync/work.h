/* Work items run by a vCPU thread on behalf of other threads (QEMU's run_on_cpu family).
 * Callers: any thread queues work on any vCPU; only the target's own thread runs it, always
 * outside guest execution (between cpu_exec_end and the next cpu_exec_start).
 * Locking: a mutex per vCPU queue, taken to queue and to dequeue, never on the TB path. The
 * target is kicked (cpu_exit + wake from WFI) so that queued work runs promptly even when the
 * target is halted. */
#ifndef SYNC_WORK_H
#define SYNC_WORK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct CPUState;

typedef void (*run_on_cpu_func)(struct CPUState *cpu, void *data);

struct CPUWorkItem;

/* One per vCPU, embedded in CPUState. */
typedef struct CPUWorkQueue {
    pthread_mutex_t lock;
    struct CPUWorkItem *head, *tail;      /* under lock, FIFO */
    _Atomic bool pending;                 /* any thread: set (release) after queueing */
} CPUWorkQueue;

int cpu_work_init(CPUWorkQueue *q) __attribute__((warn_unused_result));
/* Drops (and frees) work that never ran. */
void cpu_work_destroy(CPUWorkQueue *q);

/* Run fn(cpu, data) on cpu's thread and wait for it to finish. `self` is the calling vCPU
 * (NULL for other threads); it must be outside guest execution, and keeps running its own
 * queued work while it waits so that two vCPUs waiting on each other make progress. */
void run_on_cpu(struct CPUState *cpu, struct CPUState *self, run_on_cpu_func fn, void *data);
/* Queue fn(cpu, data) and return. Returns 0, or -ENOMEM (nothing queued). */
int async_run_on_cpu(struct CPUState *cpu, run_on_cpu_func fn, void *data);
/* Queue fn(cpu, data) to run while no other vCPU executes guest code (inside
 * start_exclusive/end_exclusive on the target's thread). Returns 0 or -ENOMEM. */
int async_safe_run_on_cpu(struct CPUState *cpu, run_on_cpu_func fn, void *data);

/* Owner vCPU, outside guest execution. */
static inline bool cpu_work_pending(struct CPUWorkQueue *q)
{
    return atomic_load_explicit(&q->pending, memory_order_acquire);
}
void process_queued_cpu_work(struct CPUState *cpu);

#endif
