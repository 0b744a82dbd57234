/* Run slots: at most n_slots vCPUs execute guest code at once, so that with more vCPUs than
 * host cores the vCPUs that are not running are parked at a known point outside guest code
 * instead of preempted by the host somewhere inside it.
 *
 * Why: a synced TLB flush waits for every target that is inside guest execution. A target
 * whose thread the host preempted there acknowledges only when the host runs it again, which
 * for CPU-bound threads is the end of another thread's time slice (milliseconds). A parked
 * vCPU is outside guest execution, so a flush skips it and it applies the flush before it
 * next enters (mm/tlb_flush.c). With no more slot holders than host cores, every target that
 * is inside guest code is on a core and acknowledges within a TB.
 *
 * Scheduling: waiting vCPUs queue in two FIFO classes, urgent before normal. A holder keeps
 * its slot for a turn (RUN_SLOT_SLICE_NS) while others wait, then is kicked, leaves guest
 * code, hands its slot to the first waiter and queues as normal. Urgent waiters (woken from
 * WFI or an HSM stop, sent an IPI, or yielding to an IPI target) get a slot once the holder
 * that has run longest used RUN_SLOT_WAKE_SLICE_NS (the host scheduler's wake-up preemption,
 * which spinning vCPUs never get). A vCPU spinning in the guest (pause, polling WFI) for
 * RUN_SLOT_SPIN_MIN_NS hands its slot to the first waiter that was not spinning itself: the
 * directed yield that sched_yield only approximates.
 *
 * Callers: the main thread resets the slots while no vCPU runs; each vCPU thread acquires,
 * hands over and releases its own slot (the owner of cpu->slot_state's transitions out of
 * GRANTED); any thread may read run_slots_waiting.
 * Locking: an internal mutex on the slow paths (queueing, handing over, about once per slice
 * per vCPU); holders check their handover flag with one relaxed load after a kick. */
#ifndef SYNC_RUN_SLOTS_H
#define SYNC_RUN_SLOTS_H

#include <stdbool.h>

struct CPUState;

#define RUN_SLOT_SLICE_NS 2000000       /* a holder's turn while others wait */
#define RUN_SLOT_WAKE_SLICE_NS 200000   /* ... while a vCPU woken from sleep waits */
/* A holder hands its slot over once the guest has spun (pause, a polling WFI) for this long
 * with no gap above RUN_SLOT_SPIN_GAP_NS between two spins: a spin-wait for a parked vCPU
 * lasts until that vCPU runs, a delay loop mostly ends first (KVM's pause-loop window).
 * Measured with Linux 6.1 at -smp 4 (tlbshoot madvise, median of 5): 50 us 3,200 us/op,
 * 20 us 1,850; without spin handovers 64 ms. */
#define RUN_SLOT_SPIN_MIN_NS 20000
#define RUN_SLOT_SPIN_GAP_NS 5000

/* Main thread, while no vCPU thread runs, for the vCPUs of the CPU list (cpu_list_set):
 * n_slots == 0 or >= their number means no limit (every call below then returns at once).
 * Clears all slot and queue state. With `adaptive`, the governor below may lift the limit
 * for a while. */
void run_slots_reset(unsigned n_slots, bool adaptive);

/* Governor (adaptive slots only). Slots trade one cost for another: flushes never wait for a
 * vCPU the host preempted in guest code, but a vCPU whose guest spins on a parked vCPU (a
 * kernel spinlock whose holder, or whose next ticket, lost its slot) must hand its slot over,
 * and each handover costs a spin, a futex wake and a wait in the queue. When spin handovers
 * come faster than RUN_SLOT_GOV_SPINS per RUN_SLOT_GOV_WINDOW_NS the guest is contending on
 * its own locks and the handovers cost more than the flush waits they save (stress-ng
 * mprotect at -smp 4 on 2 cores: 25,000 handovers/s and a quarter of the throughput without
 * slots), so the limit is lifted ("open") for an open period, after which the slots close
 * and measure again. Reopening right after a close doubles the open period (up to
 * RUN_SLOT_GOV_OPEN_MAX_NS): contention that lasts costs one window per period. */
#define RUN_SLOT_GOV_WINDOW_NS 20000000LL
#define RUN_SLOT_GOV_SPINS 40
/* ... or when vCPUs woken from sleep (or boosted by an IPI) waited this long for a slot in
 * one window, a quarter of it: the guest hands work between harts (a pipe, a wake-up) and
 * each hand-off waits for a turn, where the host would run the woken thread at once. */
#define RUN_SLOT_GOV_URGENT_NS (RUN_SLOT_GOV_WINDOW_NS / 4)
#define RUN_SLOT_GOV_OPEN_MIN_NS 100000000LL
#define RUN_SLOT_GOV_OPEN_MAX_NS 1600000000LL
/* The governor never opens with more than this many vCPUs per slot: with hundreds of vCPU
 * threads on a few cores, the host gives each a slice too rarely, and harts that still have
 * work wait behind hundreds of spinners (tlbtorture at -smp 512 on 2 busy cores under ASan:
 * 4.8-21 s to its start line open, 1.7 s with the limit kept). */
#define RUN_SLOT_GOV_MAX_VCPUS_PER_SLOT 4

/* Any thread (relaxed): is the limit lifted by the governor right now? */
bool run_slots_open(void);

/* The slot count to use for `n_cpus` vCPUs when the user asked for "auto": the host CPUs this
 * process may run on, or 0 (no limit) when there are at least as many as vCPUs. */
unsigned run_slots_auto(unsigned n_cpus);

bool run_slots_limited(void);

/* Owner thread, first and last thing: the timer that ends this vCPU's turns (signalled to
 * this thread), and giving up slot, place and timer. */
void run_slot_thread_start(struct CPUState *cpu);
void run_slot_thread_stop(struct CPUState *cpu);

/* Owner, before entering guest code. Returns true once cpu holds a slot. Returns false, still
 * queued, when queued work or a machine request needs the thread first: handle it and call
 * again. A vCPU without a slot or a place (it released them to sleep in WFI or an HSM stop,
 * or it is starting) queues at the head; one that handed its slot over waits at the tail. */
bool run_slot_acquire(struct CPUState *cpu);

/* Owner, before blocking (WFI, HSM stop) or leaving the vCPU loop: give up the slot, or the
 * place in the queue. */
void run_slot_release(struct CPUState *cpu);

/* Owner, after a kick: was it asked to hand its slot over (its slice ended and a vCPU
 * waits)? Then leave guest code and call run_slot_handover. */
bool run_slot_handover_requested(const struct CPUState *cpu);

/* Owner, in guest code, when the guest spins (pause, a WFI that returns at once): should it
 * leave guest code and hand its slot over? True when a vCPU waits and the guest has spun for
 * RUN_SLOT_SPIN_MIN_NS; it then marks the handover as requested. */
bool run_slot_spin_handover(struct CPUState *cpu);

/* Owner, outside guest code: if a handover was requested, pass the slot to the first waiter
 * and queue at the tail (run_slot_acquire then waits for the turn). */
void run_slot_handover(struct CPUState *cpu);

/* Any thread, after raising an inter-processor interrupt for target: if target waits for a
 * slot, it moves to the head of the queue with the short wake turn. The sender of an IPI
 * usually waits for the target to handle it (a remote fence under OpenSBI spins for it with
 * no pause), and a parked target would otherwise handle it only after a full round of
 * turns. Device and timer interrupts do not boost: a timer tick on every vCPU would cut
 * every turn short. */
void run_slot_boost(struct CPUState *target);

/* Owner, outside guest code, having just answered a guest's SBI call: if a handover was
 * requested, put it off by RUN_SLOT_DEFER_NS, so that the guest sees the call return (and
 * reads its clock) before the vCPU waits a round of turns. A remote fence spends most of its
 * time in the call, so most turn ends land there: handing over then added a round of turns
 * to about one fence in sixty (guest-timed p99 at 4 vCPUs 0.2-0.9 ms). */
void run_slot_defer_handover(struct CPUState *cpu);
#define RUN_SLOT_DEFER_NS 20000

/* Counts since the last reset (any thread, relaxed): handovers at the end of a slice, to a
 * woken vCPU, and by spinning holders. */
struct run_slot_stats {
    unsigned long slice_handovers, wake_handovers, spin_handovers, waits, boosts;
    unsigned long wait_ns_sum, wait_ns_max;    /* queued until granted */
    unsigned long urgent_waits, urgent_wait_ns_sum;   /* of those, woken or boosted vCPUs */
    unsigned long opens, open_ns;     /* governor: times the limit was lifted, time lifted */
};
void run_slots_get_stats(struct run_slot_stats *out);

#endif
