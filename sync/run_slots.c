/* See sync/run_slots.h.
 *
 * Protocol. cpu->slot_state moves NONE -> QUEUED -> HELD -> NONE (or HELD -> QUEUED on a
 * handover), always under slots_lock, so the queue, the free count and the states agree.
 * The owner waits for HELD outside the lock: it reads wake_seq (acquire), then slot_state
 * (acquire), and futex-waits on wake_seq only if the state is not HELD. A granter stores HELD
 * (release) and then bumps wake_seq (release) and wakes the futex: if the owner's state read
 * missed the grant, its wake_seq read preceded the bump, so FUTEX_WAIT returns at once. The
 * same wake_seq is what vcpu_kick bumps, so a queued vCPU also wakes for queued work and
 * machine requests, and returns to its loop to handle them.
 *
 * Timing. Every vCPU thread has a POSIX timer that signals that thread (SIGEV_THREAD_ID). It
 * is armed while the thread holds a slot and someone waits, to fire when the holder's turn
 * ends and every slice after that. The handler, on the holder's own thread, sets
 * slot_handover and calls cpu_exit (two atomic stores: async-signal-safe), and the holder
 * leaves guest code at its next TB entry. Timing in the waiters instead would need a waiter
 * thread to wake up on a host core that the holders keep busy, which the host grants only at
 * the end of its own time slice (measured: handovers every 5.5 ms instead of 2). The head of
 * the queue still times a coarse backup (RUN_SLOT_BACKUP_NS) in case a timer could not be
 * created. */
#include "sync/run_slots.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sync/cpu_state.h"
#include "sync/runstate.h"
#include "sync/vm_stop.h"
#include "sync/work.h"
#include "util/clock.h"
#include "util/cpumask.h"
#include "util/futex.h"

#define RUN_SLOT_BACKUP_NS (10 * RUN_SLOT_SLICE_NS)
#define RUN_SLOT_SIGNAL (SIGRTMIN + 2)
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid     /* glibc before 2.37 names only this */
#endif

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
/* Written by the main thread while no vCPU runs; read-only afterwards. */
static unsigned slot_n_cpus;       /* the CPU list's length at the reset */
static _Atomic bool limited;
/* Under slots_lock: free slots and the waiting vCPUs, queue[0] first: the urgent ones
 * (queue[0 .. n_urgent): woken from sleep, sent an IPI, or yielding to an IPI target) in
 * FIFO order, then the others (their turn ended) in FIFO order. */
static int n_free;        /* negative after the governor closed: holders above the limit */
static CPUState *queue[TLBSTORM_MAX_CPUS];
static unsigned q_len, n_urgent;
/* q_len, for holders deciding without the lock whether anyone waits (relaxed: a hint). */
static _Atomic unsigned n_waiting;
/* Whether the head of the queue came from sleep (its turn comes sooner); relaxed, a hint. */
static _Atomic bool head_after_sleep;
/* Governor (see the header). Set at the reset: */
static unsigned slot_limit;        /* the configured number of slots */
static bool gov_adaptive;
/* Under slots_lock: the current spin-counting window and the open period's length. */
static int64_t gov_window_start, gov_closed_ns, gov_open_period;
static unsigned gov_window_spins;
static int64_t gov_window_urgent_ns;  /* waited by woken vCPUs granted in this window */
/* Written under slots_lock, read without it (relaxed): holders and the vCPU loop only need a
 * hint, every decision is taken again under the lock. */
static _Atomic bool gov_open;
static _Atomic int64_t gov_open_until, gov_opened_ns;

/* Under slots_lock: start a new measuring window at now. */
static void gov_window_restart_locked(int64_t now)
{
    gov_window_start = now;
    gov_window_spins = 0;
    gov_window_urgent_ns = 0;
}
/* The vCPU this thread runs, for the timer signal handler. */
static _Thread_local CPUState *slot_self;

static _Atomic unsigned long n_slice_handovers, n_wake_handovers, n_spin_handovers, n_waits,
    n_boosts, n_opens, open_ns_sum;
static _Atomic unsigned long wait_ns_sum, wait_ns_max, n_urgent_waits, urgent_wait_ns_sum;

static void count(_Atomic unsigned long *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static int64_t slot_turn_ns(void)
{
    return atomic_load_explicit(&head_after_sleep, memory_order_relaxed)
               ? RUN_SLOT_WAKE_SLICE_NS : RUN_SLOT_SLICE_NS;
}

/* Runs on the holder's own thread, between any two of its instructions. It reads
 * slot_granted_ns only after an acquire load of HELD: the granter wrote it before its release
 * store of HELD, and nobody writes it again until this vCPU is granted anew, which needs it
 * to have left HELD first. slot_handover (relaxed) is ordered for the holder by the release
 * in cpu_exit, as for the other setters. The handler neither locks nor allocates. */
static void slot_timer_handler(int sig)
{
    (void)sig;
    int saved_errno = errno;
    CPUState *c = slot_self;
    if (c && atomic_load_explicit(&c->slot_state, memory_order_acquire) == RUN_SLOT_HELD &&
        atomic_load_explicit(&n_waiting, memory_order_relaxed) > 0 &&
        !atomic_load_explicit(&c->slot_handover, memory_order_relaxed) &&
        clock_monotonic_ns() - c->slot_granted_ns >= slot_turn_ns() - RUN_SLOT_WAKE_SLICE_NS / 4) {
        atomic_store_explicit(&c->slot_handover, true, memory_order_relaxed);
        count(atomic_load_explicit(&head_after_sleep, memory_order_relaxed)
                  ? &n_wake_handovers : &n_slice_handovers);
        cpu_exit(c);
    }
    errno = saved_errno;
}

static void install_handler(void)
{
    static bool installed;       /* main thread only */
    if (installed) {
        return;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = slot_timer_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    installed = sigaction(RUN_SLOT_SIGNAL, &sa, NULL) == 0;
}

void run_slots_reset(unsigned n_slots, bool adaptive)
{
    unsigned n_cpus = cpu_list_count();
    pthread_mutex_lock(&slots_lock);
    slot_n_cpus = n_cpus;
    bool lim = n_slots > 0 && n_slots < n_cpus && n_cpus <= TLBSTORM_MAX_CPUS;
    n_free = (int)n_slots;
    slot_limit = n_slots;
    gov_adaptive = adaptive;
    gov_closed_ns = 0;
    gov_window_restart_locked(0);
    gov_open_period = RUN_SLOT_GOV_OPEN_MIN_NS;
    atomic_store_explicit(&gov_open, false, memory_order_relaxed);
    atomic_store_explicit(&gov_open_until, 0, memory_order_relaxed);
    atomic_store_explicit(&gov_opened_ns, 0, memory_order_relaxed);
    atomic_store_explicit(&n_opens, 0, memory_order_relaxed);
    atomic_store_explicit(&open_ns_sum, 0, memory_order_relaxed);
    q_len = n_urgent = 0;
    atomic_store_explicit(&n_waiting, 0, memory_order_relaxed);
    for (unsigned i = 0; i < n_cpus; i++) {
        CPUState *c = cpu_list_get(i);
        atomic_store_explicit(&c->slot_state, RUN_SLOT_NONE, memory_order_relaxed);
        atomic_store_explicit(&c->slot_handover, false, memory_order_relaxed);
        c->slot_granted_ns = 0;
        c->slot_after_sleep = false;
        c->slot_yield_urgent = false;
        c->slot_yield_spin = false;
        c->slot_spun = false;
        c->slot_timer_ok = false;
        c->slot_timer_armed = false;
    }
    atomic_store_explicit(&n_slice_handovers, 0, memory_order_relaxed);
    atomic_store_explicit(&n_wake_handovers, 0, memory_order_relaxed);
    atomic_store_explicit(&n_spin_handovers, 0, memory_order_relaxed);
    atomic_store_explicit(&n_waits, 0, memory_order_relaxed);
    atomic_store_explicit(&n_boosts, 0, memory_order_relaxed);
    atomic_store_explicit(&wait_ns_sum, 0, memory_order_relaxed);
    atomic_store_explicit(&wait_ns_max, 0, memory_order_relaxed);
    atomic_store_explicit(&n_urgent_waits, 0, memory_order_relaxed);
    atomic_store_explicit(&urgent_wait_ns_sum, 0, memory_order_relaxed);
    atomic_store_explicit(&head_after_sleep, false, memory_order_relaxed);
    if (lim) {
        install_handler();
    }
    atomic_store_explicit(&limited, lim, memory_order_relaxed);
    pthread_mutex_unlock(&slots_lock);
}

unsigned run_slots_auto(unsigned n_cpus)
{
    cpu_set_t allowed;
    unsigned host = 0;
    if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
        host = (unsigned)CPU_COUNT(&allowed);
    }
    return host > 0 && host < n_cpus ? host : 0;
}

bool run_slots_limited(void)
{
    return atomic_load_explicit(&limited, memory_order_relaxed);
}

bool run_slots_open(void)
{
    return atomic_load_explicit(&gov_open, memory_order_relaxed);
}

void run_slot_thread_start(CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    if (!run_slots_limited()) {
        return;
    }
    slot_self = cpu;
    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = RUN_SLOT_SIGNAL;
    sev.sigev_notify_thread_id = gettid();
    timer_t t;
    if (timer_create(CLOCK_MONOTONIC, &sev, &t) == 0) {
        pthread_mutex_lock(&slots_lock);
        cpu->slot_timer = t;
        cpu->slot_timer_ok = true;
        pthread_mutex_unlock(&slots_lock);
    }
}

void run_slot_thread_stop(CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    run_slot_release(cpu);
    pthread_mutex_lock(&slots_lock);
    if (cpu->slot_timer_ok) {
        timer_delete(cpu->slot_timer);     /* no signal is queued for this thread after it */
        cpu->slot_timer_ok = false;
        cpu->slot_timer_armed = false;
    }
    pthread_mutex_unlock(&slots_lock);
}

/* ---- under slots_lock ------------------------------------------------------------------ */

static struct timespec ts_of(int64_t ns)
{
    return (struct timespec){ (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
}

/* Fire at the end of c's turn (at once if it is over), then every slice. */
static void arm_timer_locked(CPUState *c, int64_t now)
{
    if (!c->slot_timer_ok) {
        return;
    }
    int64_t first = c->slot_granted_ns + slot_turn_ns() - now;
    struct itimerspec its = { .it_interval = ts_of(RUN_SLOT_SLICE_NS),
                              .it_value = ts_of(first > 1000 ? first : 1000) };
    timer_settime(c->slot_timer, 0, &its, NULL);
    c->slot_timer_armed = true;
}

static void disarm_timer_locked(CPUState *c)
{
    if (c->slot_timer_armed) {
        struct itimerspec its;
        memset(&its, 0, sizeof(its));
        timer_settime(c->slot_timer, 0, &its, NULL);
        c->slot_timer_armed = false;
    }
}

/* Someone waits (or the head changed): every holder's timer must run, and a holder that
 * should hand over to a woken head sooner than a slice gets an earlier first expiry. */
static void arm_holders_locked(int64_t now, bool reschedule)
{
    for (unsigned i = 0; i < slot_n_cpus; i++) {
        CPUState *c = cpu_list_get(i);
        if (atomic_load_explicit(&c->slot_state, memory_order_relaxed) == RUN_SLOT_HELD &&
            (reschedule || !c->slot_timer_armed)) {
            arm_timer_locked(c, now);
        }
    }
}

static void update_head_locked(void)
{
    atomic_store_explicit(&head_after_sleep, n_urgent > 0, memory_order_relaxed);
}

static void wake_owner(CPUState *c)
{
    atomic_fetch_add_explicit(&c->wake_seq, 1, memory_order_release);
    futex_wake_all(&c->wake_seq);
}

static void gov_window_locked(int64_t now);

static void grant_locked(CPUState *c, int64_t now)
{
    if (atomic_load_explicit(&c->slot_state, memory_order_relaxed) == RUN_SLOT_QUEUED) {
        unsigned long waited = (unsigned long)(now - c->slot_queued_ns);
        atomic_fetch_add_explicit(&wait_ns_sum, waited, memory_order_relaxed);
        if (c->slot_after_sleep) {
            count(&n_urgent_waits);
            atomic_fetch_add_explicit(&urgent_wait_ns_sum, waited, memory_order_relaxed);
            gov_window_locked(now);
            gov_window_urgent_ns += (int64_t)waited;
        }
        if (waited > atomic_load_explicit(&wait_ns_max, memory_order_relaxed)) {
            atomic_store_explicit(&wait_ns_max, waited, memory_order_relaxed);  /* under lock */
        }
    }
    c->slot_granted_ns = now;
    atomic_store_explicit(&c->slot_handover, false, memory_order_relaxed);
    atomic_store_explicit(&c->slot_state, RUN_SLOT_HELD, memory_order_release);
    if (q_len > 0) {
        arm_timer_locked(c, now);
    }
}

static void queue_remove_at_locked(unsigned i)
{
    if (i < n_urgent) {
        n_urgent--;
    }
    for (; i + 1 < q_len; i++) {
        queue[i] = queue[i + 1];
    }
    q_len--;
    atomic_store_explicit(&n_waiting, q_len, memory_order_relaxed);
    update_head_locked();
}

/* The caller gives up its slot (and disarmed its timer): the first waiter gets it, or, when
 * the caller's guest spins, the first one that was not itself spinning when it queued. A
 * spinner waits for something another vCPU must do, most likely one that lost its slot in
 * the middle of work (a lock holder): handing the slot from spinner to spinner would only
 * pass it along the queue (KVM's directed yield skips vCPUs that were spinning too). */
static CPUState *pass_slot_locked(int64_t now, bool from_spinner)
{
    if (n_free < 0) {
        n_free++;          /* a slot above the limit after the governor closed: retire it */
        return NULL;
    }
    if (q_len == 0) {
        n_free++;
        return NULL;
    }
    unsigned pick = 0;
    if (from_spinner) {
        while (pick < q_len && queue[pick]->slot_spun) {
            pick++;
        }
        if (pick == q_len) {
            pick = 0;
        }
    }
    CPUState *next = queue[pick];
    queue_remove_at_locked(pick);
    grant_locked(next, now);
    return next;     /* the caller wakes it once it dropped the lock (wake_owner) */
}

/* Queue c last among the urgent waiters (urgent) or last of all. */
static void enqueue_locked(CPUState *c, bool urgent, int64_t now)
{
    unsigned at = urgent ? n_urgent : q_len;
    for (unsigned i = q_len; i > at; i--) {
        queue[i] = queue[i - 1];
    }
    queue[at] = c;
    q_len++;
    if (urgent) {
        n_urgent++;
    }
    c->slot_after_sleep = urgent;
    c->slot_spun = false;
    c->slot_queued_ns = now;
    atomic_store_explicit(&n_waiting, q_len, memory_order_relaxed);
    atomic_store_explicit(&c->slot_state, RUN_SLOT_QUEUED, memory_order_relaxed);
    update_head_locked();
    /* An urgent waiter gets a slot after the shorter wake turn: bring the holders' first
     * expiry forward. */
    arm_holders_locked(now, urgent);
}

static void dequeue_locked(CPUState *c)
{
    for (unsigned i = 0; i < q_len; i++) {
        if (queue[i] == c) {
            queue_remove_at_locked(i);
            return;
        }
    }
}

/* Backup for holders without a working timer, run by the head waiter every
 * RUN_SLOT_BACKUP_NS: ask the longest-running holder whose turn is long over to hand over. */
static void backup_preempt_locked(int64_t now)
{
    CPUState *oldest = NULL;
    for (unsigned i = 0; i < slot_n_cpus; i++) {
        CPUState *c = cpu_list_get(i);
        if (atomic_load_explicit(&c->slot_state, memory_order_relaxed) == RUN_SLOT_HELD &&
            !atomic_load_explicit(&c->slot_handover, memory_order_relaxed) &&
            (!oldest || c->slot_granted_ns < oldest->slot_granted_ns)) {
            oldest = c;
        }
    }
    if (oldest && now - oldest->slot_granted_ns >= RUN_SLOT_BACKUP_NS) {
        atomic_store_explicit(&oldest->slot_handover, true, memory_order_relaxed);
        count(&n_slice_handovers);
        cpu_exit(oldest);
    }
}

/* ---- governor, under slots_lock ---------------------------------------------------------- */

/* Lift the limit: every waiter gets a slot (the caller wakes the ones stored in wake[] once
 * it dropped the lock) and no holder needs its turn timer any more. */
static unsigned gov_open_locked(int64_t now, CPUState **wake)
{
    /* Contention again within the first window after the last close: it lasted through the
     * open period, so the next one is longer; otherwise start from the shortest. */
    if (gov_closed_ns && now - gov_closed_ns <= 2 * RUN_SLOT_GOV_WINDOW_NS) {
        gov_open_period = gov_open_period * 2 > RUN_SLOT_GOV_OPEN_MAX_NS
                              ? RUN_SLOT_GOV_OPEN_MAX_NS : gov_open_period * 2;
    } else {
        gov_open_period = RUN_SLOT_GOV_OPEN_MIN_NS;
    }
    atomic_store_explicit(&gov_open, true, memory_order_relaxed);
    atomic_store_explicit(&gov_open_until, now + gov_open_period, memory_order_relaxed);
    atomic_store_explicit(&gov_opened_ns, now, memory_order_relaxed);
    count(&n_opens);
    n_free += (int)(slot_n_cpus - slot_limit);
    unsigned n = 0;
    while (n_free > 0 && q_len > 0) {
        CPUState *next = queue[0];
        queue_remove_at_locked(0);
        n_free--;
        grant_locked(next, now);
        wake[n++] = next;
    }
    for (unsigned i = 0; i < slot_n_cpus; i++) {
        disarm_timer_locked(cpu_list_get(i));
    }
    return n;
}

/* Restore the limit. Holders above it are asked to leave guest code; each gives its slot up
 * at its handover (pass_slot_locked retires it) and queues for a turn like any other. */
static void gov_close_locked(int64_t now)
{
    atomic_store_explicit(&gov_open, false, memory_order_relaxed);
    atomic_fetch_add_explicit(&open_ns_sum,
                              (unsigned long)(now - atomic_load_explicit(&gov_opened_ns,
                                                                         memory_order_relaxed)),
                              memory_order_relaxed);
    gov_closed_ns = now;
    gov_window_restart_locked(now);
    n_free -= (int)(slot_n_cpus - slot_limit);
    int excess = n_free < 0 ? -n_free : 0;
    for (unsigned i = 0; i < slot_n_cpus && excess > 0; i++) {
        CPUState *c = cpu_list_get(i);
        if (atomic_load_explicit(&c->slot_state, memory_order_relaxed) == RUN_SLOT_HELD &&
            !atomic_load_explicit(&c->slot_handover, memory_order_relaxed)) {
            atomic_store_explicit(&c->slot_handover, true, memory_order_relaxed);
            cpu_exit(c);
            excess--;
        }
    }
}

/* Start a new measuring window once the current one is over. */
static void gov_window_locked(int64_t now)
{
    if (now - gov_window_start > RUN_SLOT_GOV_WINDOW_NS) {
        gov_window_restart_locked(now);
    }
}

/* Have the slots cost more than they are worth in the current window? */
static bool gov_should_open_locked(int64_t now)
{
    if (!gov_adaptive || atomic_load_explicit(&gov_open, memory_order_relaxed) ||
        slot_n_cpus > RUN_SLOT_GOV_MAX_VCPUS_PER_SLOT * slot_limit) {
        return false;
    }
    gov_window_locked(now);
    return gov_window_spins >= RUN_SLOT_GOV_SPINS ||
           gov_window_urgent_ns >= RUN_SLOT_GOV_URGENT_NS;
}

/* Owner, outside guest code: close the slots if the open period is over (cheap otherwise). */
static void gov_tick(void)
{
    if (!atomic_load_explicit(&gov_open, memory_order_relaxed)) {
        return;
    }
    int64_t now = clock_monotonic_ns();
    if (now < atomic_load_explicit(&gov_open_until, memory_order_relaxed)) {
        return;
    }
    pthread_mutex_lock(&slots_lock);
    if (atomic_load_explicit(&gov_open, memory_order_relaxed) &&
        now >= atomic_load_explicit(&gov_open_until, memory_order_relaxed)) {
        gov_close_locked(now);
    }
    pthread_mutex_unlock(&slots_lock);
}

/* ---- owner ----------------------------------------------------------------------------- */

bool run_slot_acquire(CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    assert_outside_exec(cpu);
    if (!run_slots_limited()) {
        return true;
    }
    gov_tick();
    int st = atomic_load_explicit(&cpu->slot_state, memory_order_acquire);
    if (st == RUN_SLOT_HELD) {
        return true;
    }
    if (st == RUN_SLOT_NONE) {
        pthread_mutex_lock(&slots_lock);
        if (n_free > 0) {
            n_free--;
            grant_locked(cpu, clock_monotonic_ns());
            pthread_mutex_unlock(&slots_lock);
            return true;
        }
        enqueue_locked(cpu, true, clock_monotonic_ns());
        count(&n_waits);
        pthread_mutex_unlock(&slots_lock);
    }
    for (;;) {
        uint32_t seq = atomic_load_explicit(&cpu->wake_seq, memory_order_acquire);
        if (atomic_load_explicit(&cpu->slot_state, memory_order_acquire) == RUN_SLOT_HELD) {
            return true;
        }
        if (cpu_work_pending(&cpu->work) || vm_stop_requested() ||
            (cpu->runstate && runstate_pending(cpu->runstate) != MACHINE_RUN)) {
            return false;
        }
        futex_wait_timeout(&cpu->wake_seq, seq, RUN_SLOT_BACKUP_NS);
        if (atomic_load_explicit(&cpu->wake_seq, memory_order_relaxed) == seq) {
            pthread_mutex_lock(&slots_lock);      /* timed out (or spurious) */
            if (q_len > 0 && queue[0] == cpu) {
                backup_preempt_locked(clock_monotonic_ns());
            }
            pthread_mutex_unlock(&slots_lock);
        }
    }
}

void run_slot_release(CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    assert_outside_exec(cpu);
    if (atomic_load_explicit(&cpu->slot_state, memory_order_relaxed) == RUN_SLOT_NONE) {
        return;     /* also when slots are not limited: nothing is ever granted then */
    }
    CPUState *next = NULL;
    pthread_mutex_lock(&slots_lock);
    int st = atomic_load_explicit(&cpu->slot_state, memory_order_relaxed);
    CPUState *wake[TLBSTORM_MAX_CPUS];
    unsigned n_wake = 0;
    if (st == RUN_SLOT_HELD) {
        int64_t now = clock_monotonic_ns();
        disarm_timer_locked(cpu);
        next = pass_slot_locked(now, false);
        if (gov_should_open_locked(now)) {
            n_wake = gov_open_locked(now, wake);
        }
    } else if (st == RUN_SLOT_QUEUED) {
        dequeue_locked(cpu);
    }
    atomic_store_explicit(&cpu->slot_handover, false, memory_order_relaxed);
    atomic_store_explicit(&cpu->slot_state, RUN_SLOT_NONE, memory_order_relaxed);
    pthread_mutex_unlock(&slots_lock);
    if (next) {
        wake_owner(next);
    }
    for (unsigned i = 0; i < n_wake; i++) {
        wake_owner(wake[i]);
    }
}

bool run_slot_handover_requested(const CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    return atomic_load_explicit(&cpu->slot_handover, memory_order_relaxed);
}

bool run_slot_spin_handover(CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    if (!run_slots_limited() || atomic_load_explicit(&n_waiting, memory_order_relaxed) == 0 ||
        run_slots_open()) {
        return false;
    }
    int64_t now = clock_monotonic_ns();
    if (now - cpu->slot_last_spin_ns > RUN_SLOT_SPIN_GAP_NS) {
        cpu->slot_spin_start_ns = now;      /* a new spin */
    }
    cpu->slot_last_spin_ns = now;
    if (now - cpu->slot_spin_start_ns < RUN_SLOT_SPIN_MIN_NS) {
        return false;
    }
    cpu->slot_yield_spin = true;
    atomic_store_explicit(&cpu->slot_handover, true, memory_order_relaxed);
    count(&n_spin_handovers);
    return true;
}

void run_slot_defer_handover(CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    assert_outside_exec(cpu);
    if (!run_slot_handover_requested(cpu)) {
        return;
    }
    pthread_mutex_lock(&slots_lock);
    if (cpu->slot_timer_ok &&
        atomic_load_explicit(&cpu->slot_state, memory_order_relaxed) == RUN_SLOT_HELD) {
        atomic_store_explicit(&cpu->slot_handover, false, memory_order_relaxed);
        cpu->slot_yield_urgent = cpu->slot_yield_spin = false;
        struct itimerspec its = { .it_interval = ts_of(RUN_SLOT_SLICE_NS),
                                  .it_value = ts_of(RUN_SLOT_DEFER_NS) };
        timer_settime(cpu->slot_timer, 0, &its, NULL);
        cpu->slot_timer_armed = true;
    }
    pthread_mutex_unlock(&slots_lock);
}

void run_slot_handover(CPUState *cpu)
{
    assert_cpu_is_self(cpu);
    assert_outside_exec(cpu);
    if (!run_slot_handover_requested(cpu)) {
        return;
    }
    CPUState *next = NULL;
    CPUState *wake[TLBSTORM_MAX_CPUS];
    unsigned n_wake = 0;
    pthread_mutex_lock(&slots_lock);
    atomic_store_explicit(&cpu->slot_handover, false, memory_order_relaxed);
    int64_t now = clock_monotonic_ns();
    bool held = atomic_load_explicit(&cpu->slot_state, memory_order_relaxed) == RUN_SLOT_HELD;
    if (held && cpu->slot_yield_spin && q_len > 0) {
        gov_window_locked(now);
        gov_window_spins++;
    }
    if (held && gov_should_open_locked(now)) {
        n_wake = gov_open_locked(now, wake);     /* this vCPU keeps its slot */
    } else if (held && (q_len > 0 || n_free < 0)) {
        disarm_timer_locked(cpu);
        next = pass_slot_locked(now, cpu->slot_yield_spin);
        enqueue_locked(cpu, cpu->slot_yield_urgent, now);
        cpu->slot_spun = cpu->slot_yield_spin;
        count(&n_waits);
    }
    cpu->slot_yield_urgent = false;
    cpu->slot_yield_spin = false;
    pthread_mutex_unlock(&slots_lock);
    /* Woken only now: on a shared host core the woken thread may preempt this one at once,
     * and it must not find the slots lock held by a descheduled thread (measured: a convoy
     * of vCPUs blocked on the lock, Linux madvise from four threads 3x slower). */
    if (next) {
        wake_owner(next);
    }
    for (unsigned i = 0; i < n_wake; i++) {
        wake_owner(wake[i]);
    }
}

void run_slot_boost(CPUState *target)
{
    if (!run_slots_limited() ||
        atomic_load_explicit(&target->slot_state, memory_order_relaxed) != RUN_SLOT_QUEUED) {
        return;
    }
    bool boosted = false;
    pthread_mutex_lock(&slots_lock);
    if (atomic_load_explicit(&target->slot_state, memory_order_relaxed) == RUN_SLOT_QUEUED &&
        !target->slot_after_sleep) {
        dequeue_locked(target);
        enqueue_locked(target, true, clock_monotonic_ns());
        count(&n_boosts);
        boosted = true;
    }
    pthread_mutex_unlock(&slots_lock);
    /* A vCPU sending the IPI gives its slot to the urgent waiters at its next TB entry and
     * waits behind them: its guest most likely waits for the target now. */
    CPUState *self = slot_self;
    if (boosted && self && self != target &&
        atomic_load_explicit(&self->slot_state, memory_order_relaxed) == RUN_SLOT_HELD) {
        self->slot_yield_urgent = true;
        atomic_store_explicit(&self->slot_handover, true, memory_order_relaxed);
        cpu_exit(self);
    }
}

void run_slots_get_stats(struct run_slot_stats *out)
{
    out->slice_handovers = atomic_load_explicit(&n_slice_handovers, memory_order_relaxed);
    out->wake_handovers = atomic_load_explicit(&n_wake_handovers, memory_order_relaxed);
    out->spin_handovers = atomic_load_explicit(&n_spin_handovers, memory_order_relaxed);
    out->waits = atomic_load_explicit(&n_waits, memory_order_relaxed);
    out->boosts = atomic_load_explicit(&n_boosts, memory_order_relaxed);
    out->wait_ns_sum = atomic_load_explicit(&wait_ns_sum, memory_order_relaxed);
    out->wait_ns_max = atomic_load_explicit(&wait_ns_max, memory_order_relaxed);
    out->urgent_waits = atomic_load_explicit(&n_urgent_waits, memory_order_relaxed);
    out->urgent_wait_ns_sum = atomic_load_explicit(&urgent_wait_ns_sum, memory_order_relaxed);
    out->opens = atomic_load_explicit(&n_opens, memory_order_relaxed);
    out->open_ns = atomic_load_explicit(&open_ns_sum, memory_order_relaxed);
    if (run_slots_open()) {
        int64_t since = clock_monotonic_ns() -
                        atomic_load_explicit(&gov_opened_ns, memory_order_relaxed);
        out->open_ns += since > 0 ? (unsigned long)since : 0;
    }
}
