/* The run request of a machine: power off (with an exit status) or reset, asked for by any
 * thread (a device, a vCPU's firmware call, a signal, the console) and seen by every vCPU the
 * next time it leaves guest code. The first request wins until runstate_reset.
 * Callers: any thread requests and polls; runstate_reset from the main thread while no vCPU
 * thread runs. Locking: none; the protocol is on runstate_request. */
#ifndef SYNC_RUNSTATE_H
#define SYNC_RUNSTATE_H

#include <stdatomic.h>
#include <stdbool.h>

enum machine_request { MACHINE_RUN = 0, MACHINE_POWEROFF, MACHINE_RESET };

typedef struct RunState {
    _Atomic bool claimed;         /* a request won */
    _Atomic int request;          /* enum machine_request, published last (release) */
    _Atomic int exit_code;        /* written by the winner before `request` */
} RunState;

void runstate_reset(RunState *rs);

/* Any thread: the first caller since the reset wins; it publishes exit_code, then the
 * request (release, paired with runstate_pending's acquire), then kicks every vCPU of the
 * CPU list (sync/cpu_state.h). Later calls do nothing. */
void runstate_request(RunState *rs, enum machine_request req, int exit_code);

static inline enum machine_request runstate_pending(RunState *rs)
{
    return (enum machine_request)atomic_load_explicit(&rs->request, memory_order_acquire);
}

/* After runstate_pending returned a request: the winner's exit status. */
static inline int runstate_exit_code(RunState *rs)
{
    return atomic_load_explicit(&rs->exit_code, memory_order_relaxed);
}

#endif
