/* CPUState: the part of a vCPU that the synchronisation layer needs, whatever the guest
 * architecture: the exit request checked at every TB entry, the wake-up word a sleeping vCPU
 * waits on, the exclusive-section accounting, the work queue and the run-slot state. The
 * target's CPU structure embeds one (RISCVCPU.cs; CPU() in cpu/cpu.h gives it) and sets
 * `ops`, through which this layer reaches up without knowing what is above it.
 * Callers and owners: each field says who writes it. Locking: none of its own; fields are
 * atomics or belong to the lock named on them. */
#ifndef SYNC_CPU_STATE_H
#define SYNC_CPU_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "sync/work.h"
#include "util/futex.h"

typedef struct CPUState CPUState;

/* Set by the owner's initialisation before the vCPU thread starts, read-only afterwards. Any
 * hook may be NULL (unit tests run vCPUs without a machine). */
typedef struct CPUStateOps {
    /* Owner, right after `running` became true (seq_cst) in cpu_exec_start and before guest
     * code runs: apply what other vCPUs asked for while it was outside (the TLB mailbox). */
    void (*exec_entered)(CPUState *cs);
    /* Owner, right after `running` became false (seq_cst): tell requesters that may be
     * waiting for this vCPU (the shootdown handshake, mm/tlb_flush.c). */
    void (*exec_left)(CPUState *cs);
} CPUStateOps;

enum { RUN_SLOT_NONE = 0, RUN_SLOT_QUEUED, RUN_SLOT_HELD };

struct CPUState {
    /* Negative = leave guest code at the next TB entry. Any thread stores -1 (cpu_exit,
     * release: pairs with the owner's acquire load of the exit flags after it resets the
     * counter); the interpreter loads it relaxed at every TB entry, and the cpu_exec loop
     * exchanges it with 0 (acquire) when it handles it. */
    _Atomic int32_t icount_decr;
    /* Any thread: bumped (release) and futex-woken by vcpu_kick; the halted owner waits on it. */
    _Atomic uint32_t wake_seq;
    /* Exclusive-section accounting (sync/exclusive.c): `running` is written by the owner
     * (seq_cst) and read by start_exclusive and the shootdown; has_waiter is under the
     * exclusive lock. */
    _Atomic bool running;
    bool has_waiter;
    unsigned index;               /* vCPU number (the hart id); set before the thread starts */
    /* True from cpu_thread_claim (or cpu_thread_enter) until cpu_thread_exit: a thread owns
     * this vCPU, so owner-only calls from any other thread are bugs (assert_cpu_is_self).
     * Written by the creator before the thread starts and by the thread as it ends; read
     * relaxed by the checks (thread creation and join order the writes). */
    _Atomic bool thread_running;
    const CPUStateOps *ops;
    struct RunState *runstate;    /* the machine's power-off/reset request (sync/runstate.h) */
    /* Any thread queues, the owner drains (sync/work.c). */
    CPUWorkQueue work;
    /* Run slots (sync/run_slots.c). slot_state: changed under the slots lock, read by the
     * owner with acquire; slot_handover: set by the head waiter (under the lock) or by the
     * owner, cleared by the owner; slot_granted_ns and slot_after_sleep (queued as urgent):
     * under the lock, read by the owner while it holds its slot. */
    _Atomic int slot_state;       /* RUN_SLOT_NONE, _QUEUED or _HELD */
    _Atomic bool slot_handover;
    int64_t slot_granted_ns, slot_queued_ns;
    bool slot_after_sleep;
    int64_t slot_spin_start_ns, slot_last_spin_ns;   /* owner only */
    bool slot_yield_urgent;       /* owner only: the next handover yields to an IPI target */
    bool slot_yield_spin;         /* owner only: the next handover is a spinning guest's */
    bool slot_spun;               /* under the lock: queued by a spin handover */
    timer_t slot_timer;           /* under the slots lock: the owner thread's turn timer */
    bool slot_timer_ok, slot_timer_armed;
};

/* Owner, before the thread starts: zeroes the state and sets up the work queue. Returns 0 or
 * -errno. */
int cpu_state_init(CPUState *cs, unsigned index, const CPUStateOps *ops,
                   struct RunState *runstate)
    __attribute__((warn_unused_result));
void cpu_state_destroy(CPUState *cs);

/* The vCPU the calling host thread runs, or NULL (QEMU's current_cpu). */
extern _Thread_local CPUState *current_cpu;

/* The creator, before it starts the vCPU's thread: from now on only that thread may make
 * owner-only calls (before, the main thread sets the vCPU up). */
void cpu_thread_claim(CPUState *cs);
/* On the vCPU's thread, first and last: current_cpu is cs in between. */
void cpu_thread_enter(CPUState *cs);
void cpu_thread_exit(CPUState *cs);

/* Ownership checks, on in debug and sanitizer builds (meson option owner_checks), compiled
 * out otherwise. assert_cpu_is_self: an owner-only call (the vCPU's TLB, its mailbox drain,
 * its run slot, its work queue) made on a thread other than the vCPU's own while that
 * thread exists. assert_outside_exec: a call that must not happen between cpu_exec_start and
 * cpu_exec_end. A failure prints the function and the vCPU and aborts. */
#ifdef TLBSTORM_OWNER_CHECKS
_Noreturn void cpu_owner_check_failed(const CPUState *cs, const char *rule, const char *func);
#define assert_cpu_is_self(cs)                                                             \
    do {                                                                                   \
        const CPUState *cs_ = (cs);                                                        \
        if (cs_ && current_cpu != cs_ &&                                                   \
            atomic_load_explicit(&cs_->thread_running, memory_order_relaxed)) {            \
            cpu_owner_check_failed(cs_, "called off its vCPU thread", __func__);          \
        }                                                                                  \
    } while (0)
#define assert_outside_exec(cs)                                                            \
    do {                                                                                   \
        const CPUState *cs_ = (cs);                                                        \
        if (cs_ && atomic_load_explicit(&cs_->running, memory_order_relaxed)) {           \
            cpu_owner_check_failed(cs_, "called inside guest execution", __func__);       \
        }                                                                                  \
    } while (0)
#else
#define assert_cpu_is_self(cs) ((void)(cs))
#define assert_outside_exec(cs) ((void)(cs))
#endif

/* The machine's vCPUs, for the code that acts on all of them (exclusive sections, run
 * slots), as QEMU's CPU list. Main thread, while no vCPU thread runs: copies the n <=
 * TLBSTORM_MAX_CPUS pointers. Any thread may read the list while vCPUs run. */
void cpu_list_set(CPUState *const *cpus, unsigned n);
unsigned cpu_list_count(void);
CPUState *cpu_list_get(unsigned i);

/* Any thread: ask the vCPU to leave guest code at its next TB entry. */
static inline void cpu_exit(CPUState *cs)
{
    atomic_store_explicit(&cs->icount_decr, -1, memory_order_release);
}

/* Any thread: make the vCPU leave guest code soon and wake it if it sleeps (WFI, waiting
 * for a slot). Call after publishing whatever the vCPU should notice (mip bit, machine
 * request, queued work). */
static inline void vcpu_kick(CPUState *cs)
{
    cpu_exit(cs);
    atomic_fetch_add_explicit(&cs->wake_seq, 1, memory_order_release);
    futex_wake_all(&cs->wake_seq);
}

#endif
