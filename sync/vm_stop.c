/* Stopping every vCPU for a debugger (see sync/vm_stop.h for the protocol). */
#include "sync/vm_stop.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sync/cpu_state.h"
#include "sync/runstate.h"
#include "sync/work.h"
#include "util/clock.h"
#include "util/cpumask.h"
#include "util/futex.h"

_Atomic bool vm_stop_flag;
static _Atomic uint32_t parked;            /* vCPUs inside vm_stop_park */
static int event_fd = -1;                  /* set by vm_stop_init, then read-only */
static pthread_mutex_t event_lock = PTHREAD_MUTEX_INITIALIZER;
static VMStopEvent event;                  /* under event_lock */
static bool event_set;                     /* under event_lock */
/* Per vCPU: stay parked after vm_resume. Written by the debugger while that vCPU is parked;
 * read by it in the park loop after an acquire of vm_stop_flag or wake_seq that follows the
 * write (vm_resume's release store and kick). */
static _Atomic bool held[TLBSTORM_MAX_CPUS];

int vm_stop_init(void)
{
    if (event_fd >= 0) {
        return 0;
    }
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) {
        return -errno;
    }
    event_fd = fd;
    return 0;
}

int vm_stop_event_fd(void)
{
    return event_fd;
}

static void kick_all(void)
{
    for (unsigned i = 0; i < cpu_list_count(); i++) {
        vcpu_kick(cpu_list_get(i));
    }
}

void vm_stop_request(void)
{
    atomic_store_explicit(&vm_stop_flag, true, memory_order_seq_cst);
    kick_all();
}

static bool machine_ending(void)
{
    if (cpu_list_count() == 0) {
        return false;
    }
    struct RunState *rs = cpu_list_get(0)->runstate;
    return rs && runstate_pending(rs) != MACHINE_RUN;
}

bool vm_stop_wait_all(int64_t timeout_ns)
{
    int64_t deadline = timeout_ns > 0 ? clock_monotonic_ns() + timeout_ns : 0;
    unsigned n = cpu_list_count();
    for (;;) {
        uint32_t p = atomic_load_explicit(&parked, memory_order_acquire);
        if (p >= n) {
            return true;
        }
        if (machine_ending()) {
            return false;
        }
        int64_t wait = 10 * 1000 * 1000;      /* re-check the machine request this often */
        if (deadline) {
            int64_t left = deadline - clock_monotonic_ns();
            if (left <= 0) {
                return false;
            }
            if (left < wait) {
                wait = left;
            }
        }
        futex_wait_timeout(&parked, p, wait);
    }
}

static void drop_event(void)
{
    uint64_t v;
    pthread_mutex_lock(&event_lock);
    event_set = false;
    if (event_fd >= 0 && read(event_fd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing was signalled */
    }
    pthread_mutex_unlock(&event_lock);
}

void vm_resume(void)
{
    drop_event();
    atomic_store_explicit(&vm_stop_flag, false, memory_order_release);
    kick_all();
}

void vm_stop_hold(unsigned i, bool hold)
{
    if (i < TLBSTORM_MAX_CPUS) {
        atomic_store_explicit(&held[i], hold, memory_order_relaxed);
    }
}

void vm_stop_hold_clear(void)
{
    for (unsigned i = 0; i < TLBSTORM_MAX_CPUS; i++) {
        atomic_store_explicit(&held[i], false, memory_order_relaxed);
    }
}

void vm_stop_park(CPUState *cs)
{
    atomic_fetch_add_explicit(&parked, 1, memory_order_release);
    futex_wake_all(&parked);
    for (;;) {
        uint32_t seq = atomic_load_explicit(&cs->wake_seq, memory_order_acquire);
        if (!vm_stop_requested() &&
            !atomic_load_explicit(&held[cs->index], memory_order_relaxed)) {
            break;
        }
        if (cs->runstate && runstate_pending(cs->runstate) != MACHINE_RUN) {
            break;
        }
        if (cpu_work_pending(&cs->work)) {
            process_queued_cpu_work(cs);
            continue;
        }
        futex_wait(&cs->wake_seq, seq);
    }
    atomic_fetch_sub_explicit(&parked, 1, memory_order_release);
}

void vm_stop_report(CPUState *cs, enum vm_stop_reason reason, uint64_t addr)
{
    bool first = false;
    pthread_mutex_lock(&event_lock);
    if (!event_set) {
        event = (VMStopEvent){ .reason = reason, .hart = cs->index, .addr = addr };
        event_set = true;
        first = true;
    }
    pthread_mutex_unlock(&event_lock);
    vm_stop_request();
    if (first && event_fd >= 0) {
        uint64_t one = 1;
        if (write(event_fd, &one, sizeof(one)) < 0) {
            /* EAGAIN only if the counter is saturated: it is readable anyway */
        }
    }
}

bool vm_stop_take_event(VMStopEvent *ev)
{
    uint64_t v;
    pthread_mutex_lock(&event_lock);
    bool had = event_set;
    if (had) {
        *ev = event;
        event_set = false;
    }
    if (event_fd >= 0 && read(event_fd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing was signalled */
    }
    pthread_mutex_unlock(&event_lock);
    return had;
}
