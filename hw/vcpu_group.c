/* See hw/vcpu_group.h. The reset sequence lives here once, so that tlbstorm and the
 * host-side test and benchmark programs start harts the same way. */
#include "hw/vcpu_group.h"

#include <stdatomic.h>

#include "accel/vcpu.h"
#include "cpu/cpu.h"
#include "hw/machine.h"
#include "sync/run_slots.h"

int vcpu_group_start(Machine *m, uint64_t entry, uint64_t dtb_addr, pthread_t *threads,
                     unsigned *started)
{
    runstate_reset(&m->run);
    for (unsigned i = 0; i < m->n_cpus; i++) {
        RISCVCPU *cpu = m->cpus[i];
        riscv_cpu_reset(cpu, entry, dtb_addr);
        tlb_flush_local(&cpu->tlb);
        cpu->code_pages = m->as.code_pages;
        atomic_store(&cpu->cs.icount_decr, 0);
    }
    /* The CPU list was set when the harts were made (virt_create, or the test harness):
     * setting it again here would race with threads already flushing (the remap-test mover
     * starts before the vCPUs). */
    run_slots_reset(m->run_slots, m->run_slots_adaptive);
    *started = 0;
    for (unsigned i = 0; i < m->n_cpus; i++) {
        int rc = vcpu_start(m->cpus[i], &threads[i]);
        if (rc) {
            machine_request(m, MACHINE_POWEROFF, 1);
            return rc;
        }
        *started = i + 1;
    }
    return 0;
}

void vcpu_group_join(pthread_t *threads, unsigned started)
{
    for (unsigned i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
}
