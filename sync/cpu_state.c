/* CPUState set-up and tear-down (sync/cpu_state.h). Main thread, before the vCPU thread
 * starts and after it ended. */
#include "sync/cpu_state.h"

#include <string.h>

#include "sync/runstate.h"
#include "util/cpumask.h"

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
