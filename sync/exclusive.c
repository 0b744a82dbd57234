/* Protocol (after QEMU's cpus-common.c):
 *  - A vCPU publishes running = true (seq_cst) and then reads pending_cpus (seq_cst); the
 *    exclusive requester sets pending_cpus (seq_cst) and then reads each running flag. These
 *    two store-then-load pairs form a Dekker handshake: either the requester sees the vCPU
 *    running (and waits for it to call cpu_exec_end), or the vCPU sees the pending section
 *    (and waits in cpu_exec_start until end_exclusive).
 *  - pending_cpus counts 1 for the requester plus one per running vCPU still to leave; it is
 *    only modified under exclusive_lock. */
#include "sync/exclusive.h"

#include <pthread.h>
#include <stdatomic.h>

#include "sync/cpu_state.h"

static pthread_mutex_t exclusive_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t exclusive_cond = PTHREAD_COND_INITIALIZER;   /* requester waits */
static pthread_cond_t exclusive_resume = PTHREAD_COND_INITIALIZER; /* vCPUs wait */
static _Atomic int pending_cpus;
void start_exclusive(void)
{
    pthread_mutex_lock(&exclusive_lock);
    while (atomic_load(&pending_cpus)) {
        pthread_cond_wait(&exclusive_resume, &exclusive_lock);
    }
    atomic_store(&pending_cpus, 1);   /* seq_cst: before reading the running flags */
    int waiting = 1;
    for (unsigned i = 0, n = cpu_list_count(); i < n; i++) {
        CPUState *c = cpu_list_get(i);
        if (atomic_load(&c->running)) {
            c->has_waiter = true;
            waiting++;
            cpu_exit(c);
        }
    }
    atomic_store(&pending_cpus, waiting);
    while (atomic_load(&pending_cpus) > 1) {
        pthread_cond_wait(&exclusive_cond, &exclusive_lock);
    }
    pthread_mutex_unlock(&exclusive_lock);
}

void end_exclusive(void)
{
    pthread_mutex_lock(&exclusive_lock);
    atomic_store(&pending_cpus, 0);
    pthread_cond_broadcast(&exclusive_resume);
    pthread_mutex_unlock(&exclusive_lock);
}

bool exclusive_pending(void)
{
    return atomic_load_explicit(&pending_cpus, memory_order_relaxed) != 0;
}

/* `running` is also the owner's half of the TLB shootdown handshake (mm/tlb_flush.c): every
 * store of true is followed by a mailbox drain before guest code runs, and every store of
 * false by a notification to requesters that may be waiting for this vCPU. */
void cpu_exec_start(CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    assert_outside_exec(cpu);
    atomic_store(&cpu->running, true);          /* seq_cst: before reading pending_cpus */
    if (atomic_load(&pending_cpus)) {
        pthread_mutex_lock(&exclusive_lock);
        if (!cpu->has_waiter) {
            /* The requester did not count us: step back out until the section ends. */
            atomic_store(&cpu->running, false);
            if (cpu->ops && cpu->ops->exec_left) {
                cpu->ops->exec_left(cpu);
            }
            while (atomic_load(&pending_cpus)) {
                pthread_cond_wait(&exclusive_resume, &exclusive_lock);
            }
            atomic_store(&cpu->running, true);
        }
        pthread_mutex_unlock(&exclusive_lock);
    }
    if (cpu->ops && cpu->ops->exec_entered) {
        cpu->ops->exec_entered(cpu);    /* the TLB mailbox: a seq_cst load after running */
    }
}

void cpu_exec_end(CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    atomic_store(&cpu->running, false);         /* seq_cst: before reading pending_cpus */
    if (cpu->ops && cpu->ops->exec_left) {
        cpu->ops->exec_left(cpu);
    }
    if (!atomic_load(&pending_cpus)) {
        return;
    }
    pthread_mutex_lock(&exclusive_lock);
    if (cpu->has_waiter) {
        cpu->has_waiter = false;
        if (atomic_fetch_sub(&pending_cpus, 1) == 2) {
            pthread_cond_signal(&exclusive_cond);
        }
    }
    pthread_mutex_unlock(&exclusive_lock);
}
