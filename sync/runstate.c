/* See sync/runstate.h. */
#include "sync/runstate.h"

#include "sync/cpu_state.h"

void runstate_reset(RunState *rs)
{
    atomic_store_explicit(&rs->claimed, false, memory_order_relaxed);
    atomic_store_explicit(&rs->exit_code, 0, memory_order_relaxed);
    atomic_store_explicit(&rs->request, MACHINE_RUN, memory_order_relaxed);
}

void runstate_request(RunState *rs, enum machine_request req, int exit_code)
{
    if (atomic_exchange_explicit(&rs->claimed, true, memory_order_acq_rel)) {
        return;
    }
    atomic_store_explicit(&rs->exit_code, exit_code, memory_order_relaxed);
    atomic_store_explicit(&rs->request, (int)req, memory_order_release);
    for (unsigned i = 0, n = cpu_list_count(); i < n; i++) {
        vcpu_kick(cpu_list_get(i));
    }
}
