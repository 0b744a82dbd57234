/* CPUState set-up and tear-down (sync/cpu_state.h). Main thread, before the vCPU thread
 * starts and after it ended. */
#include "sync/cpu_state.h"

#include <string.h>

#include "sync/runstate.h"
#include "util/cpumask.h"
#include "util/report.h"

/* Written by the main thread while no vCPU thread runs; thread creation orders it before
 * every read. */
static CPUState *cpu_list[TLBSTORM_MAX_CPUS];
static unsigned cpu_list_n;

int cpu_state_init(CPUState *cs, unsigned index, const CPUStateOps *ops, RunState *runstate)
{
    memset(cs, 0, sizeof(*cs));
    cs->index = index;
    cs->ops = ops;
    cs->runstate = runstate;
    return cpu_work_init(&cs->work);
}

_Thread_local CPUState *current_cpu;

void cpu_thread_claim(CPUState *cs)
{
    atomic_store_explicit(&cs->thread_running, true, memory_order_relaxed);
}

void cpu_thread_enter(CPUState *cs)
{
    current_cpu = cs;
    atomic_store_explicit(&cs->thread_running, true, memory_order_relaxed);
}

void cpu_thread_exit(CPUState *cs)
{
    atomic_store_explicit(&cs->thread_running, false, memory_order_relaxed);
    current_cpu = NULL;
}

#ifdef TLBSTORM_OWNER_CHECKS
void cpu_owner_check_failed(const CPUState *cs, const char *rule, const char *func)
{
    if (current_cpu) {
        internal_error("ownership check: %s() on vCPU %u %s (this thread runs vCPU %u)",
                       func, cs->index, rule, current_cpu->index);
    }
    internal_error("ownership check: %s() on vCPU %u %s (this thread runs no vCPU)", func,
                   cs->index, rule);
}
#endif

void cpu_state_destroy(CPUState *cs)
{
    cpu_work_destroy(&cs->work);
}

void cpu_list_set(CPUState *const *cpus, unsigned n)
{
    cpu_list_n = n < TLBSTORM_MAX_CPUS ? n : TLBSTORM_MAX_CPUS;
    memcpy(cpu_list, cpus, cpu_list_n * sizeof(*cpu_list));
}

unsigned cpu_list_count(void)
{
    return cpu_list_n;
}

CPUState *cpu_list_get(unsigned i)
{
    return cpu_list[i];
}
