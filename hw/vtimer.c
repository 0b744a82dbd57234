/* Deadlines are absolute mtime values. The service thread sleeps on a condition variable
 * until the earliest armed deadline (or a change), raises the interrupt bits that are due and
 * kicks the harts concerned. Compare values in the future clear the bit at once, in the
 * writer's thread, so a guest never sees a stale pending timer after moving its compare. */
#include "hw/vtimer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "cpu/cpu.h"
#include "hw/machine.h"

#define NO_DEADLINE (~0ULL)

typedef struct VTimer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;        /* signalled when a compare value changes or on stop */
    bool stop;                  /* under lock */
    Machine *m;
    uint64_t *mtimecmp;         /* under lock, per hart */
    uint64_t *stimecmp;         /* under lock, per hart: the S-timer deadline, NO_DEADLINE while
                                 * nothing drives STIP (Sstc off, no firmware timer) */
} VTimer;

/* Set or clear `bit` in the hart's mip to match (now >= cmp); kick the hart when it rises. */
static void update_bit(RISCVCPU *cpu, uint64_t bit, uint64_t cmp, uint64_t now)
{
    if (cmp != NO_DEADLINE && now >= cmp) {
        uint64_t old = atomic_fetch_or_explicit(&cpu->mip, bit, memory_order_acq_rel);
        if (!(old & bit)) {
            vcpu_kick(CPU(cpu));
        }
    } else {
        atomic_fetch_and_explicit(&cpu->mip, ~bit, memory_order_acq_rel);
    }
}

static void *vtimer_thread(void *arg)
{
    VTimer *vt = arg;
    Machine *m = vt->m;
    pthread_mutex_lock(&vt->lock);
    while (!vt->stop) {
        uint64_t now = machine_read_mtime(m);
        uint64_t next = NO_DEADLINE;
        for (unsigned h = 0; h < m->n_cpus; h++) {
            uint64_t mt = vt->mtimecmp[h], st = vt->stimecmp[h];
            if (mt <= now) {
                update_bit(m->cpus[h], MIP_MTIP, mt, now);
            } else if (mt < next) {
                next = mt;
            }
            if (st != NO_DEADLINE && st <= now) {
                update_bit(m->cpus[h], MIP_STIP, st, now);
            } else if (st < next) {
                next = st;
            }
        }
        if (next == NO_DEADLINE) {
            pthread_cond_wait(&vt->cond, &vt->lock);
        } else {
            uint64_t ns = (next - now) * (1000000000ULL / TIMEBASE_FREQ);
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            uint64_t abs_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec + ns;
            ts.tv_sec = (time_t)(abs_ns / 1000000000ULL);
            ts.tv_nsec = (long)(abs_ns % 1000000000ULL);
            pthread_cond_timedwait(&vt->cond, &vt->lock, &ts);
        }
    }
    pthread_mutex_unlock(&vt->lock);
    return NULL;
}

int vtimer_start(Machine *m)
{
    VTimer *vt = calloc(1, sizeof(*vt));
    if (!vt) {
        return -ENOMEM;
    }
    vt->m = m;
    vt->mtimecmp = malloc(m->n_cpus * sizeof(uint64_t));
    vt->stimecmp = malloc(m->n_cpus * sizeof(uint64_t));
    if (!vt->mtimecmp || !vt->stimecmp) {
        free(vt->mtimecmp);
        free(vt->stimecmp);
        free(vt);
        return -ENOMEM;
    }
    for (unsigned h = 0; h < m->n_cpus; h++) {
        vt->mtimecmp[h] = NO_DEADLINE;
        vt->stimecmp[h] = NO_DEADLINE;
    }
    pthread_mutex_init(&vt->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&vt->cond, &attr);
    pthread_condattr_destroy(&attr);
    m->vtimer = vt;
    int rc = pthread_create(&vt->thread, NULL, vtimer_thread, vt);
    if (rc) {
        m->vtimer = NULL;
        free(vt->mtimecmp);
        free(vt->stimecmp);
        free(vt);
        return -rc;
    }
    return 0;
}

void vtimer_stop(Machine *m)
{
    VTimer *vt = m->vtimer;
    if (!vt) {
        return;
    }
    pthread_mutex_lock(&vt->lock);
    vt->stop = true;
    pthread_cond_signal(&vt->cond);
    pthread_mutex_unlock(&vt->lock);
    pthread_join(vt->thread, NULL);
    pthread_mutex_destroy(&vt->lock);
    pthread_cond_destroy(&vt->cond);
    free(vt->mtimecmp);
    free(vt->stimecmp);
    free(vt);
    m->vtimer = NULL;
}

/* `drives_stip`: the deadline owns STIP. When it does not, STIP belongs to M-mode software
 * and is left alone; when it does, STIP follows the compare, and ~0 (never, since mtime
 * cannot reach it) clears it. */
static void set_s_deadline(RISCVCPU *cpu, uint64_t cmp, bool drives_stip)
{
    VTimer *vt = cpu->machine->vtimer;
    if (!vt) {
        return;
    }
    pthread_mutex_lock(&vt->lock);
    vt->stimecmp[cpu->cs.index] = drives_stip ? cmp : NO_DEADLINE;
    if (drives_stip) {
        update_bit(cpu, MIP_STIP, cmp, machine_read_mtime(cpu->machine));
    }
    pthread_cond_signal(&vt->cond);
    pthread_mutex_unlock(&vt->lock);
}

void vtimer_set_stimecmp(RISCVCPU *cpu, uint64_t cmp)
{
    set_s_deadline(cpu, cmp, (cpu->menvcfg & MENVCFG_STCE) != 0);
}

void vtimer_set_firmware_stimer(RISCVCPU *cpu, uint64_t cmp)
{
    set_s_deadline(cpu, cmp, true);
}

void vtimer_set_mtimecmp(Machine *m, unsigned hart, uint64_t cmp)
{
    VTimer *vt = m->vtimer;
    if (!vt || hart >= m->n_cpus) {
        return;
    }
    pthread_mutex_lock(&vt->lock);
    vt->mtimecmp[hart] = cmp;
    update_bit(m->cpus[hart], MIP_MTIP, cmp, machine_read_mtime(m));
    pthread_cond_signal(&vt->cond);
    pthread_mutex_unlock(&vt->lock);
}

uint64_t vtimer_get_mtimecmp(Machine *m, unsigned hart)
{
    VTimer *vt = m->vtimer;
    if (!vt || hart >= m->n_cpus) {
        return 0;
    }
    pthread_mutex_lock(&vt->lock);
    uint64_t v = vt->mtimecmp[hart];
    pthread_mutex_unlock(&vt->lock);
    return v;
}
