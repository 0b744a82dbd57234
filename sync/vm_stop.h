/* Stopping every vCPU for a debugger, as QEMU's vm_stop / vm_start around its gdbstub, and the
 * debug events (a breakpoint hit, a finished single step) that start such a stop.
 * Owns: the stop request, the count of parked vCPUs, the one pending event and its eventfd.
 * Callers: the debugger thread requests, waits, resumes and takes events; vCPU threads check
 * the request at every loop turn and in their sleeps, park, and report events.
 *
 * Protocol. vm_stop_request sets the request (seq_cst) and kicks every vCPU. A vCPU notices at
 * its next loop turn (or in WFI, HSM and run-slot sleeps), leaves guest execution and parks in
 * vm_stop_park: it counts itself in `parked` (release) and futex-waits on its wake_seq until
 * the request is withdrawn, still running queued work, so that a vCPU waiting synchronously on
 * a parked one cannot hang the stop. The debugger's vm_stop_wait_all returns once every vCPU
 * of the CPU list is parked (acquire, pairing with the parks): from then until vm_resume it
 * may read and write their architectural state, which their blocked owners do not touch.
 * vm_resume withdraws the request (release; each vCPU's acquire load before it leaves the park
 * pairs with it) and kicks everyone. A synced TLB flush never waits for a parked vCPU: parked
 * vCPUs are outside guest execution, which the flush handshake counts as answered. */
#ifndef SYNC_VM_STOP_H
#define SYNC_VM_STOP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct CPUState;

enum vm_stop_reason {
    VM_STOP_REQUEST,        /* the debugger asked (attach, Ctrl-C) */
    VM_STOP_BREAKPOINT,     /* a hart reached a debugger breakpoint (addr = pc) */
    VM_STOP_STEP,           /* a hart finished a single step */
    VM_STOP_WATCH_WRITE,    /* a hart wrote a watched range (addr = the watchpoint's) */
    VM_STOP_WATCH_READ,     /* ... read it */
    VM_STOP_WATCH_ACCESS,   /* ... read or wrote it (an access watchpoint) */
};

typedef struct VMStopEvent {
    enum vm_stop_reason reason;
    unsigned hart;
    uint64_t addr;
} VMStopEvent;

/* Main thread, before vCPUs start: creates the event fd. Returns 0 or -errno. */
int vm_stop_init(void);
/* The fd that becomes readable when an event is reported (for poll); -1 before init. */
int vm_stop_event_fd(void);

extern _Atomic bool vm_stop_flag;

/* Any thread: is a stop requested? (vCPUs: leave guest execution and park.) */
static inline bool vm_stop_requested(void)
{
    return atomic_load_explicit(&vm_stop_flag, memory_order_acquire);
}

/* Debugger: ask every vCPU to park; returns at once. */
void vm_stop_request(void);
/* Debugger: wait until every vCPU is parked. False after timeout_ns (0: no limit) or when the
 * machine is ending (a power-off or reset request), with the stop still requested. */
bool vm_stop_wait_all(int64_t timeout_ns);
/* Debugger: withdraw the stop; every vCPU returns to work. Drops an event not yet taken. */
void vm_resume(void);
/* Debugger, while every vCPU is parked: keep vCPU i parked through the next vm_resume (the
 * remote protocol resumes only the threads a vCont names). Cleared for all by vm_stop_request
 * callers with vm_stop_hold_clear. */
void vm_stop_hold(unsigned i, bool hold);
void vm_stop_hold_clear(void);

/* Owner vCPU, outside guest execution: park while a stop is requested (see the protocol). */
void vm_stop_park(struct CPUState *cs);

/* Owner vCPU: report an event. The first report since the last vm_resume is kept and makes
 * the event fd readable; every report requests the stop (the reporter parks next). */
void vm_stop_report(struct CPUState *cs, enum vm_stop_reason reason, uint64_t addr);
/* Debugger: takes the pending event, if any (clearing the fd). */
bool vm_stop_take_event(VMStopEvent *ev);

#endif
