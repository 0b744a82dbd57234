#include "hw/machine.h"

#include <time.h>

#include "cpu/cpu.h"
#include "hw/vtimer.h"
#include "mm/tlb_flush.h"
#include "util/clock.h"

#include <stdlib.h>
#include <urcu/urcu-memb.h>

static uint64_t hart_read_time(const RISCVCPU *cpu)
{
    return machine_read_mtime(cpu->machine);
}

static const RISCVTimerOps machine_timer_ops = {
    .read_time = hart_read_time,
    .stimecmp_changed = vtimer_set_stimecmp,
};

int machine_cpu_init(Machine *m, RISCVCPU *cpu, unsigned hartid)
{
    int rc = riscv_cpu_init(cpu, hartid, &m->as, &m->run);
    if (rc == 0) {
        cpu->machine = m;
        cpu->timer_ops = &machine_timer_ops;
    }
    return rc;
}

uint64_t machine_read_mtime(const Machine *m)
{
    return (uint64_t)(clock_monotonic_ns() - m->time_base_ns) / (1000000000ULL / TIMEBASE_FREQ);
}

void machine_set_memmap(Machine *m, MemMap *map)
{
    tsan_release(map);                  /* see machine_memmap */
    MemMap *old = rcu_xchg_pointer(&m->as.memmap, map);
    /* TLB entries cache what the old map said about a page (plain RAM with a host addend, or
     * TLB_SLOW): no vCPU may use them once the map changed. Synced, so that when this
     * returns every vCPU either flushed or will before it runs guest code again. */
    if (m->cpus) {
        CPUMask all;
        cpumask_fill(&all, m->n_cpus);
        tlb_flush_all_cpus_synced(NULL, &all);
    }
    if (old) {
        urcu_memb_synchronize_rcu();    /* lookups still using the old regions finish */
        free(old);
    }
}
