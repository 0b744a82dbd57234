/* Work queues. Items are heap allocated for the async forms (they outlive the caller) and
 * live on the caller's stack for run_on_cpu. Completion of a run_on_cpu item is published by
 * storing done = 1 (release) and waking the waiter's futex word: the waiting vCPU's wake_seq
 * (so that work queued on the waiter also wakes it) or the item's own word for non-vCPU
 * callers. */
#include "sync/work.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/cpu_state.h"
#include "sync/exclusive.h"
#include "util/futex.h"

typedef struct CPUWorkItem {
    struct CPUWorkItem *next;
    run_on_cpu_func fn;
    void *data;
    bool free_after;
    bool exclusive;
    CPUState *waiter;             /* run_on_cpu from a vCPU: wake its wake_seq */
    _Atomic uint32_t done;        /* run_on_cpu: futex word, 1 once fn returned */
} CPUWorkItem;

int cpu_work_init(CPUWorkQueue *q)
{
    memset(q, 0, sizeof(*q));
    return -pthread_mutex_init(&q->lock, NULL);
}

void cpu_work_destroy(CPUWorkQueue *q)
{
    for (CPUWorkItem *wi = q->head, *next; wi; wi = next) {
        next = wi->next;
        if (wi->free_after) {
            free(wi);
        }
    }
    q->head = q->tail = NULL;
    pthread_mutex_destroy(&q->lock);
}

static void queue_work(CPUState *cpu, CPUWorkItem *wi)
{
    CPUWorkQueue *q = &cpu->work;
    wi->next = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->tail) {
        q->tail->next = wi;
    } else {
        q->head = wi;
    }
    q->tail = wi;
    atomic_store_explicit(&q->pending, true, memory_order_release);
    pthread_mutex_unlock(&q->lock);
    vcpu_kick(cpu);
}

static int queue_async(CPUState *cpu, run_on_cpu_func fn, void *data, bool exclusive)
{
    CPUWorkItem *wi = calloc(1, sizeof(*wi));
    if (!wi) {
        return -ENOMEM;
    }
    wi->fn = fn;
    wi->data = data;
    wi->free_after = true;
    wi->exclusive = exclusive;
    queue_work(cpu, wi);
    return 0;
}

int async_run_on_cpu(CPUState *cpu, run_on_cpu_func fn, void *data)
{
    return queue_async(cpu, fn, data, false);
}

int async_safe_run_on_cpu(CPUState *cpu, run_on_cpu_func fn, void *data)
{
    return queue_async(cpu, fn, data, true);
}

void run_on_cpu(CPUState *cpu, CPUState *self, run_on_cpu_func fn, void *data)
{
    assert_cpu_is_self(self);
    assert_outside_exec(self);
    if (cpu == self) {
        fn(cpu, data);
        return;
    }
    CPUWorkItem wi = { .fn = fn, .data = data, .waiter = self };
    queue_work(cpu, &wi);
    for (;;) {
        if (self) {
            uint32_t seq = atomic_load_explicit(&self->wake_seq, memory_order_acquire);
            if (atomic_load_explicit(&wi.done, memory_order_acquire)) {
                return;
            }
            process_queued_cpu_work(self);
            if (atomic_load_explicit(&wi.done, memory_order_acquire)) {
                return;
            }
            futex_wait(&self->wake_seq, seq);
        } else {
            if (atomic_load_explicit(&wi.done, memory_order_acquire)) {
                return;
            }
            futex_wait(&wi.done, 0);
        }
    }
}

void process_queued_cpu_work(CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    assert_outside_exec(cpu);
    CPUWorkQueue *q = &cpu->work;
    if (!cpu_work_pending(q)) {
        return;
    }
    pthread_mutex_lock(&q->lock);
    while (q->head) {
        CPUWorkItem *wi = q->head;
        q->head = wi->next;
        if (!q->head) {
            q->tail = NULL;
        }
        pthread_mutex_unlock(&q->lock);
        if (wi->exclusive) {
            start_exclusive();
            wi->fn(cpu, wi->data);
            end_exclusive();
        } else {
            wi->fn(cpu, wi->data);
        }
        if (wi->free_after) {
            free(wi);
        } else {
            CPUState *waiter = wi->waiter;
            /* After this store the waiter may return and its stack item disappear: read
             * everything needed first. */
            if (waiter) {
                atomic_store_explicit(&wi->done, 1, memory_order_release);
                atomic_fetch_add_explicit(&waiter->wake_seq, 1, memory_order_release);
                futex_wake_all(&waiter->wake_seq);
            } else {
                /* The non-vCPU waiter sleeps on the item itself. Once done is stored it may
                 * return and its stack item vanish before the wake: FUTEX_WAKE only hashes
                 * the address (it never touches the memory), and every futex waiter in
                 * tlbstorm re-checks its condition, so a stray wake is harmless. */
                atomic_store_explicit(&wi->done, 1, memory_order_release);
                futex_wake_all(&wi->done);
            }
        }
        pthread_mutex_lock(&q->lock);
    }
    atomic_store_explicit(&q->pending, false, memory_order_relaxed);
    pthread_mutex_unlock(&q->lock);
}
