/* Criterion tests for run slots (sync/run_slots.c): helper threads play vCPU owners on the
 * fixture's harts, "executing guest code" by polling icount_decr the way a TB entry does.
 * They pin down that no more vCPUs than slots are ever inside, that every vCPU gets turns,
 * that a holder is asked to hand over when its turn ends (by its own timer, not by a waiter),
 * that a spinning holder hands over only after the spin window, and that a queued vCPU comes
 * back for queued work and machine requests. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <urcu/urcu-memb.h>

#include "cpu/cpu.h"
#include "hw/machine.h"
#include "sync/run_slots.h"
#include "sync/work.h"
#include "tests/unit/fixture_hart.h"

#define NCPU 6
static RISCVCPU *cpus[NCPU];

static void setup(void)
{
    fx_setup();
    cpus[0] = fx_cpu;
    for (unsigned i = 1; i < NCPU; i++) {
        cpus[i] = fx_new_cpu(i);
    }
    fx_machine.n_cpus = NCPU;
    fx_machine.cpus = cpus;
    runstate_reset(&fx_machine.run);
}

static void teardown(void)
{
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(0, false);
    fx_machine.n_cpus = 1;
    fx_machine.cpus = &fx_cpu;
    for (unsigned i = 1; i < NCPU; i++) {
        fx_free_cpu(cpus[i]);
    }
    fx_teardown();
}

TestSuite(run_slots, .init = setup, .fini = teardown);

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_us(long us)
{
    struct timespec ts = { 0, us * 1000 };
    nanosleep(&ts, NULL);
}

/* Wait (at most 2 s) until c is in slot state `want`. */
static void await_state(RISCVCPU *c, int want)
{
    int64_t t0 = now_ns();
    while (atomic_load(&c->cs.slot_state) != want) {
        cr_assert_lt(now_ns() - t0, 2000000000LL, "vCPU %u never reached slot state %d",
                     c->cs.index, want);
        sleep_us(50);
    }
}

/* The owner's wait for a slot, as the vCPU loop does it: run queued work when woken for it,
 * give up when the machine is asked to stop (tests end a stuck wait that way). */
static bool acquire_or_give_up(RISCVCPU *cpu)
{
    while (!run_slot_acquire(CPU(cpu))) {
        if (machine_pending_request(cpu->machine) != MACHINE_RUN) {
            return false;
        }
        process_queued_cpu_work(CPU(cpu));
    }
    return true;
}

/* ---- many vCPUs, few slots ------------------------------------------------------------- */

#define SLOTS 2
#define RUN_NS 400000000LL

static _Atomic int inside, max_inside;
static _Atomic int64_t stop_at;

typedef struct {
    RISCVCPU *cpu;
    int64_t inside_ns;
    unsigned turns, sleeps;
    uint32_t rng;
} Owner;

static void note_entry(void)
{
    int now_in = atomic_fetch_add(&inside, 1) + 1;
    int seen = atomic_load(&max_inside);
    while (now_in > seen && !atomic_compare_exchange_weak(&max_inside, &seen, now_in)) {
    }
}

/* The vCPU loop of accel/cpu_exec.c, with "guest code" that polls icount_decr and sometimes
 * goes to sleep in WFI. */
static void *owner_loop(void *arg)
{
    Owner *o = arg;
    RISCVCPU *cpu = o->cpu;
    run_slot_thread_start(CPU(cpu));
    while (now_ns() < atomic_load(&stop_at)) {
        run_slot_handover(CPU(cpu));
        if (!run_slot_acquire(CPU(cpu))) {
            process_queued_cpu_work(CPU(cpu));
            continue;
        }
        note_entry();
        int64_t t0 = now_ns();
        o->turns++;
        bool sleep = false;
        for (;;) {
            if (atomic_exchange(&cpu->cs.icount_decr, 0) < 0 && run_slot_handover_requested(CPU(cpu))) {
                break;
            }
            o->rng = o->rng * 1103515245 + 12345;
            if ((o->rng >> 16) % 20000 == 0) {
                sleep = true;           /* WFI */
                break;
            }
            if (now_ns() >= atomic_load(&stop_at)) {
                break;
            }
        }
        o->inside_ns += now_ns() - t0;
        atomic_fetch_sub(&inside, 1);
        if (sleep) {
            o->sleeps++;
            run_slot_release(CPU(cpu));
            sleep_us(200);
        }
    }
    run_slot_thread_stop(CPU(cpu));
    return NULL;
}

Test(run_slots, never_more_vcpus_inside_than_slots_and_every_vcpu_gets_turns)
{
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(SLOTS, false);
    cr_assert(run_slots_limited());
    atomic_store(&inside, 0);
    atomic_store(&max_inside, 0);
    atomic_store(&stop_at, now_ns() + RUN_NS);
    Owner owners[NCPU];
    pthread_t th[NCPU];
    for (unsigned i = 0; i < NCPU; i++) {
        owners[i] = (Owner){ .cpu = cpus[i], .rng = 7 + i };
        cr_assert_eq(pthread_create(&th[i], NULL, owner_loop, &owners[i]), 0);
    }
    for (unsigned i = 0; i < NCPU; i++) {
        pthread_join(th[i], NULL);
    }
    cr_assert_leq(atomic_load(&max_inside), SLOTS, "%d vCPUs inside at once",
                  atomic_load(&max_inside));
    cr_assert_eq(atomic_load(&max_inside), SLOTS, "the slots were never all used");
    struct run_slot_stats st;
    run_slots_get_stats(&st);
    cr_assert_gt(st.slice_handovers + st.wake_handovers, 0);
    /* A fair share is SLOTS/NCPU of the run. Urgent waiters (back from a sleep) go first, so
     * shares drift with how often each one sleeps, and under a sanitizer with other tests on
     * the 2 host cores one vCPU got a third of it: require an eighth, which starvation (a
     * vCPU never or rarely getting a turn) still fails. */
    int64_t fair = RUN_NS * SLOTS / NCPU;
    for (unsigned i = 0; i < NCPU; i++) {
        cr_assert_gt(owners[i].turns, 5, "vCPU %u: %u turns", i, owners[i].turns);
        cr_assert_gt(owners[i].inside_ns, fair / 8, "vCPU %u inside %lld of a fair %lld ns", i,
                     (long long)owners[i].inside_ns, (long long)fair);
    }
}

/* ---- one slot, two vCPUs ------------------------------------------------------------- */

static _Atomic bool b_holds;

/* Join the waiter thread, ending its wait with a machine request if it has not got the slot
 * within 2 s (so that a broken handover fails the test instead of hanging it). */
static void join_waiter(pthread_t t)
{
    int64_t t0 = now_ns();
    while (!atomic_load(&b_holds) && now_ns() - t0 < 2000000000LL) {
        sleep_us(100);
    }
    if (!atomic_load(&b_holds)) {
        machine_request(&fx_machine, MACHINE_POWEROFF, 0);
    }
    pthread_join(t, NULL);
}

static _Atomic int64_t asked_after_ns;

static void *spinning_holder(void *arg)
{
    RISCVCPU *cpu = arg;
    run_slot_thread_start(CPU(cpu));
    if (!run_slot_acquire(CPU(cpu))) {
        return NULL;     /* asked_after_ns stays 0: the test fails */
    }
    int64_t t0 = now_ns();
    /* Guest code until the timer asks for the slot (or 2 s: the test then fails). */
    while (!(atomic_exchange(&cpu->cs.icount_decr, 0) < 0 && run_slot_handover_requested(CPU(cpu))) &&
           now_ns() - t0 < 2000000000LL) {
    }
    atomic_store(&asked_after_ns, now_ns() - t0);
    run_slot_handover(CPU(cpu));
    run_slot_thread_stop(CPU(cpu));
    return NULL;
}

static void *waiter(void *arg)
{
    RISCVCPU *cpu = arg;
    run_slot_thread_start(CPU(cpu));
    if (acquire_or_give_up(cpu)) {
        atomic_store(&b_holds, true);
    }
    run_slot_thread_stop(CPU(cpu));
    return NULL;
}

Test(run_slots, holder_is_asked_to_hand_over_by_its_own_timer_when_its_turn_ends)
{
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(1, false);
    atomic_store(&asked_after_ns, 0);
    atomic_store(&b_holds, false);
    pthread_t a, b;
    cr_assert_eq(pthread_create(&a, NULL, spinning_holder, cpus[0]), 0);
    await_state(cpus[0], RUN_SLOT_HELD);
    cr_assert_eq(pthread_create(&b, NULL, waiter, cpus[1]), 0);
    pthread_join(a, NULL);
    join_waiter(b);
    int64_t asked = atomic_load(&asked_after_ns);
    cr_assert(atomic_load(&b_holds), "the waiter never got the slot");
    /* The waiter queued at the head as a vCPU that was not running: the wake turn applies. */
    cr_assert_geq(asked, RUN_SLOT_WAKE_SLICE_NS / 2, "asked after %lld ns", (long long)asked);
    cr_assert_lt(asked, 1000000000LL, "asked only after %lld ns", (long long)asked);
}

Test(run_slots, spinning_holder_hands_over_only_after_the_spin_window)
{
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(1, false);
    RISCVCPU *a = cpus[0];
    cr_assert(run_slot_acquire(CPU(a)));
    /* Nobody waits: spinning never hands over. */
    int64_t t0 = now_ns();
    while (now_ns() - t0 < 2 * RUN_SLOT_SPIN_MIN_NS) {
        cr_assert_not(run_slot_spin_handover(CPU(a)));
    }
    atomic_store(&b_holds, false);
    pthread_t b;
    cr_assert_eq(pthread_create(&b, NULL, waiter, cpus[1]), 0);
    await_state(cpus[1], RUN_SLOT_QUEUED);
    /* Spins with long gaps are delays, not a spin-wait. */
    for (int i = 0; i < 20; i++) {
        cr_assert_not(run_slot_spin_handover(CPU(a)));
        sleep_us(2 * RUN_SLOT_SPIN_GAP_NS / 1000);
    }
    /* A tight spin hands over once it has lasted the window, not before. */
    t0 = now_ns();
    bool handed = false;
    while (!handed) {
        handed = run_slot_spin_handover(CPU(a));
        if (!handed) {
            cr_assert_lt(now_ns() - t0, 1000000000LL);
        }
    }
    cr_assert_geq(now_ns() - t0, RUN_SLOT_SPIN_MIN_NS);
    cr_assert(run_slot_handover_requested(CPU(a)));
    run_slot_handover(CPU(a));
    join_waiter(b);
    cr_assert(atomic_load(&b_holds));
    /* The spinner queued behind it, and got the slot back when the waiter's thread ended. */
    cr_assert_eq(atomic_load(&a->cs.slot_state), RUN_SLOT_HELD);
    run_slot_release(CPU(a));
    cr_assert_eq(atomic_load(&a->cs.slot_state), RUN_SLOT_NONE);
}

static _Atomic int work_runs;

static void count_work(CPUState *cs, void *data)
{
    (void)cs;
    (void)data;
    atomic_fetch_add(&work_runs, 1);
}

static _Atomic int acquire_result;

static void *queued_once(void *arg)
{
    RISCVCPU *cpu = arg;
    atomic_store(&acquire_result, run_slot_acquire(CPU(cpu)) ? 1 : 0);
    return NULL;
}

Test(run_slots, queued_vcpu_comes_back_for_work_and_machine_requests)
{
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(1, false);
    cr_assert(run_slot_acquire(CPU(cpus[0])));           /* the only slot, never handed over */
    RISCVCPU *b = cpus[1];
    pthread_t t;
    atomic_store(&acquire_result, -1);
    cr_assert_eq(pthread_create(&t, NULL, queued_once, b), 0);
    await_state(b, RUN_SLOT_QUEUED);
    sleep_us(2000);
    cr_assert_eq(atomic_load(&acquire_result), -1, "acquired without a free slot");
    atomic_store(&work_runs, 0);
    cr_assert_eq(async_run_on_cpu(CPU(b), count_work, NULL), 0);
    for (int i = 0; i < 2000 && atomic_load(&acquire_result) == -1; i++) {
        sleep_us(1000);
    }
    if (atomic_load(&acquire_result) == -1) {
        machine_request(&fx_machine, MACHINE_POWEROFF, 0);
    }
    pthread_join(t, NULL);
    cr_assert_eq(atomic_load(&acquire_result), 0, "queued work did not bring it back");
    process_queued_cpu_work(CPU(b));
    cr_assert_eq(atomic_load(&work_runs), 1);
    cr_assert_eq(atomic_load(&b->cs.slot_state), RUN_SLOT_QUEUED, "it keeps its place");

    atomic_store(&acquire_result, -1);
    cr_assert_eq(pthread_create(&t, NULL, queued_once, b), 0);
    sleep_us(2000);
    cr_assert_eq(atomic_load(&acquire_result), -1);
    machine_request(&fx_machine, MACHINE_POWEROFF, 0);
    pthread_join(t, NULL);
    cr_assert_eq(atomic_load(&acquire_result), 0, "a machine request did not bring it back");

    run_slot_release(CPU(b));
    run_slot_release(CPU(cpus[0]));
    cr_assert_eq(atomic_load(&b->cs.slot_state), RUN_SLOT_NONE);
}

Test(run_slots, no_limit_when_slots_cover_every_vcpu)
{
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(NCPU, false);
    cr_assert_not(run_slots_limited());
    for (unsigned i = 0; i < NCPU; i++) {
        cr_assert(run_slot_acquire(CPU(cpus[i])));
        cr_assert_eq(atomic_load(&cpus[i]->cs.slot_state), RUN_SLOT_NONE, "nothing is tracked");
    }
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(0, false);
    cr_assert_not(run_slots_limited());
}

/* ---- IPI boost ------------------------------------------------------------------------ */

static _Atomic int phase_b, phase_c;     /* what the helper threads have done so far */
static _Atomic bool release_b, release_c;

static void wait_flag(_Atomic bool *f)
{
    int64_t t0 = now_ns();
    while (!atomic_load(f) && now_ns() - t0 < 2000000000LL) {
        sleep_us(50);
    }
}

/* B: holds the slot, spins until it hands over (so it queues as a normal waiter), waits for
 * its next turn, then holds until released. */
static void *boost_b(void *arg)
{
    RISCVCPU *cpu = arg;
    run_slot_thread_start(CPU(cpu));
    if (run_slot_acquire(CPU(cpu))) {
        atomic_store(&phase_b, 1);
        int64_t t0 = now_ns();
        while (!run_slot_spin_handover(CPU(cpu)) && now_ns() - t0 < 2000000000LL) {
        }
        run_slot_handover(CPU(cpu));
        atomic_store(&phase_b, 2);
        acquire_or_give_up(cpu);
        atomic_store(&phase_b, 3);
        wait_flag(&release_b);
    }
    run_slot_thread_stop(CPU(cpu));
    return NULL;
}

static void *boost_c(void *arg)
{
    RISCVCPU *cpu = arg;
    run_slot_thread_start(CPU(cpu));
    if (acquire_or_give_up(cpu)) {
        atomic_store(&phase_c, 1);
        wait_flag(&release_c);
    }
    run_slot_thread_stop(CPU(cpu));
    return NULL;
}

static void await_int(_Atomic int *v, int want)
{
    int64_t t0 = now_ns();
    while (atomic_load(v) != want) {
        cr_assert_lt(now_ns() - t0, 2000000000LL, "helper stuck before phase %d", want);
        sleep_us(50);
    }
}

Test(run_slots, ipi_boost_puts_the_target_with_the_urgent_waiters_and_the_sender_yields)
{
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(1, false);
    RISCVCPU *a = cpus[0], *b = cpus[1], *c = cpus[2];
    atomic_store(&phase_b, 0);
    atomic_store(&phase_c, 0);
    atomic_store(&release_b, false);
    atomic_store(&release_c, false);
    pthread_t tb, tc;
    cr_assert_eq(pthread_create(&tb, NULL, boost_b, b), 0);
    await_int(&phase_b, 1);                      /* B holds the only slot */
    run_slot_thread_start(CPU(a));                    /* this thread plays vCPU A */
    cr_assert_not(atomic_load(&a->cs.slot_state) == RUN_SLOT_HELD);
    bool got = false;
    for (int64_t t0 = now_ns(); !got && now_ns() - t0 < 2000000000LL;) {
        got = run_slot_acquire(CPU(a));              /* B's spin hands the slot to A */
    }
    cr_assert(got, "A never got the slot from the spinning B");
    await_int(&phase_b, 2);                      /* B queued behind, as a normal waiter */
    await_state(b, RUN_SLOT_QUEUED);
    cr_assert_eq(pthread_create(&tc, NULL, boost_c, c), 0);
    await_state(c, RUN_SLOT_QUEUED);             /* C: urgent (not running before) */

    /* A sends B an IPI: B joins the urgent class behind C, and A is asked to yield. */
    atomic_store(&a->cs.icount_decr, 0);
    run_slot_boost(CPU(b));
    struct run_slot_stats st;
    run_slots_get_stats(&st);
    cr_assert_eq(st.boosts, 1);
    cr_assert(run_slot_handover_requested(CPU(a)));
    cr_assert_lt(atomic_load(&a->cs.icount_decr), 0, "the sender was not kicked");
    run_slot_boost(CPU(b));                           /* already urgent: nothing more */
    run_slots_get_stats(&st);
    cr_assert_eq(st.boosts, 1);

    run_slot_handover(CPU(a));                        /* A -> C (first urgent); A queues urgent */
    await_int(&phase_c, 1);
    cr_assert_eq(atomic_load(&a->cs.slot_state), RUN_SLOT_QUEUED);
    cr_assert(a->cs.slot_after_sleep, "the sender queued as a normal waiter, not an urgent one");
    atomic_store(&release_c, true);              /* C leaves: B is next, before A */
    await_int(&phase_b, 3);
    cr_assert_eq(atomic_load(&a->cs.slot_state), RUN_SLOT_QUEUED, "A overtook the boosted B");
    atomic_store(&release_b, true);
    pthread_join(tc, NULL);
    pthread_join(tb, NULL);
    cr_assert_eq(atomic_load(&a->cs.slot_state), RUN_SLOT_HELD, "A gets the slot last");
    run_slot_thread_stop(CPU(a));
}

/* ---- spin handover skips spinners --------------------------------------------------------- */

enum { CMD_NONE, CMD_ACQUIRE, CMD_SPIN_HANDOVER, CMD_TURN_END, CMD_EXIT };

typedef struct {
    RISCVCPU *cpu;
    _Atomic int cmd;       /* posted by the test, cleared by the owner when done */
} Scripted;

/* A vCPU owner that does what the test tells it, one step at a time (each bounded to 2 s). */
static void *scripted_owner(void *arg)
{
    Scripted *o = arg;
    run_slot_thread_start(CPU(o->cpu));
    for (;;) {
        int cmd = atomic_load(&o->cmd);
        int64_t t0 = now_ns();
        switch (cmd) {
        case CMD_ACQUIRE:
            while (!run_slot_acquire(CPU(o->cpu)) && now_ns() - t0 < 2000000000LL) {
            }
            break;
        case CMD_SPIN_HANDOVER:
            while (!run_slot_spin_handover(CPU(o->cpu)) && now_ns() - t0 < 2000000000LL) {
            }
            run_slot_handover(CPU(o->cpu));
            break;
        case CMD_TURN_END:
            while (!run_slot_handover_requested(CPU(o->cpu)) && now_ns() - t0 < 2000000000LL) {
            }
            run_slot_handover(CPU(o->cpu));
            break;
        case CMD_EXIT:
            run_slot_thread_stop(CPU(o->cpu));
            return NULL;
        default:
            sleep_us(20);
            continue;
        }
        atomic_store(&o->cmd, CMD_NONE);
    }
}

static void post(Scripted *o, int cmd)
{
    atomic_store(&o->cmd, cmd);
}

static void await_done(Scripted *o)
{
    int64_t t0 = now_ns();
    while (atomic_load(&o->cmd) != CMD_NONE) {
        cr_assert_lt(now_ns() - t0, 3000000000LL, "vCPU %u stuck", o->cpu->cs.index);
        sleep_us(20);
    }
}

Test(run_slots, spinning_holder_hands_over_past_waiters_that_were_spinning_too)
{
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(1, false);
    Scripted s = { .cpu = cpus[1] }, n = { .cpu = cpus[2] }, h = { .cpu = cpus[3] };
    pthread_t ts, tn, th;
    cr_assert_eq(pthread_create(&ts, NULL, scripted_owner, &s), 0);
    cr_assert_eq(pthread_create(&tn, NULL, scripted_owner, &n), 0);
    cr_assert_eq(pthread_create(&th, NULL, scripted_owner, &h), 0);

    post(&s, CMD_ACQUIRE);                       /* S holds the only slot */
    await_done(&s);
    post(&n, CMD_ACQUIRE);                       /* N waits (urgent) */
    await_state(n.cpu, RUN_SLOT_QUEUED);
    post(&s, CMD_SPIN_HANDOVER);                 /* S spins: N holds, S queues as a spinner */
    await_done(&s);
    await_done(&n);
    post(&s, CMD_ACQUIRE);                       /* S waits for a turn: queue [S] */
    post(&h, CMD_ACQUIRE);                       /* H waits (urgent): queue [H, S] */
    await_state(h.cpu, RUN_SLOT_QUEUED);
    post(&n, CMD_TURN_END);                      /* N's turn ends: H holds, queue [S, N] */
    await_done(&n);
    await_done(&h);
    cr_assert_eq(atomic_load(&s.cpu->cs.slot_state), RUN_SLOT_QUEUED);
    post(&n, CMD_ACQUIRE);
    post(&h, CMD_SPIN_HANDOVER);                 /* H spins: the slot skips S for N */
    await_done(&h);
    await_done(&n);
    cr_assert_eq(atomic_load(&n.cpu->cs.slot_state), RUN_SLOT_HELD, "the slot went to a spinner");
    cr_assert_eq(atomic_load(&s.cpu->cs.slot_state), RUN_SLOT_QUEUED);

    post(&n, CMD_EXIT);                          /* S (waiting in ACQUIRE) gets it next */
    pthread_join(tn, NULL);
    await_done(&s);
    post(&s, CMD_EXIT);
    pthread_join(ts, NULL);
    post(&h, CMD_ACQUIRE);
    await_done(&h);
    post(&h, CMD_EXIT);
    pthread_join(th, NULL);
}

/* ---- a turn that ends inside an SBI call ---------------------------------------------- */

Test(run_slots, handover_requested_during_an_sbi_call_is_put_off_then_asked_again)
{
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(1, false);
    RISCVCPU *a = cpus[0];
    run_slot_thread_start(CPU(a));                    /* this thread plays vCPU A */
    cr_assert(run_slot_acquire(CPU(a)));
    atomic_store(&b_holds, false);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, waiter, cpus[1]), 0);
    await_state(cpus[1], RUN_SLOT_QUEUED);
    /* A's timer asks for the slot once the woken waiter's turn has come. */
    int64_t t0 = now_ns();
    while (!run_slot_handover_requested(CPU(a))) {
        cr_assert_lt(now_ns() - t0, 2000000000LL, "never asked to hand over");
    }
    /* A was answering an SBI call: the request is put off, A keeps its slot, and its timer
     * asks again RUN_SLOT_DEFER_NS later (not at once: the request was withdrawn). */
    t0 = now_ns();
    run_slot_defer_handover(CPU(a));
    cr_assert_eq(atomic_load(&a->cs.slot_state), RUN_SLOT_HELD);
    while (!run_slot_handover_requested(CPU(a))) {
        cr_assert_lt(now_ns() - t0, 2000000000LL, "the deferred handover was never asked again");
    }
    cr_assert_geq(now_ns() - t0, RUN_SLOT_DEFER_NS / 2, "the request was not put off");
    run_slot_handover(CPU(a));
    join_waiter(t);
    cr_assert(atomic_load(&b_holds));
    run_slot_thread_stop(CPU(a));
}

/* ---- governor ------------------------------------------------------------------------- */

static _Atomic bool guests_spin;     /* the "guest code" spins on pause (lock contention) */
static _Atomic bool guests_sleep;    /* ... and sometimes sleeps in WFI */

/* owner_loop, with guest code that spins while guests_spin is set and hands its slot over
 * when run_slot_spin_handover says so, as pause_yield does, and that leaves guest code every
 * millisecond as a timer interrupt would. */
static void *spinning_owner_loop(void *arg)
{
    Owner *o = arg;
    RISCVCPU *cpu = o->cpu;
    run_slot_thread_start(CPU(cpu));
    while (now_ns() < atomic_load(&stop_at)) {
        run_slot_handover(CPU(cpu));
        if (!run_slot_acquire(CPU(cpu))) {
            process_queued_cpu_work(CPU(cpu));
            continue;
        }
        note_entry();
        o->turns++;
        bool sleep = false;
        int64_t entered = now_ns();
        for (;;) {
            if (atomic_exchange(&cpu->cs.icount_decr, 0) < 0 &&
                run_slot_handover_requested(CPU(cpu))) {
                break;
            }
            if (atomic_load_explicit(&guests_spin, memory_order_relaxed) &&
                run_slot_spin_handover(CPU(cpu))) {
                break;
            }
            if (now_ns() - entered > 1000000) {
                break;           /* an interrupt: back to the vCPU loop, slot kept */
            }
            o->rng = o->rng * 1103515245 + 12345;
            if (atomic_load_explicit(&guests_sleep, memory_order_relaxed) &&
                (o->rng >> 16) % 20000 == 0) {
                sleep = true;
                break;
            }
            if (now_ns() >= atomic_load(&stop_at)) {
                break;
            }
        }
        atomic_fetch_sub(&inside, 1);
        if (sleep) {
            run_slot_release(CPU(cpu));
            sleep_us(200);
        }
    }
    run_slot_thread_stop(CPU(cpu));
    return NULL;
}

static unsigned holders(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NCPU; i++) {
        n += atomic_load(&cpus[i]->cs.slot_state) == RUN_SLOT_HELD;
    }
    return n;
}

/* NCPU vCPU threads running spinning_owner_loop on `slots` slots, until stop_guests. */
typedef struct Guests {
    Owner owners[NCPU];
    pthread_t th[NCPU];
} Guests;

static void start_guests(Guests *g, unsigned slots, bool adaptive, bool spin, bool sleep,
                         unsigned seed)
{
    riscv_cpu_list_set(cpus, NCPU);
    run_slots_reset(slots, adaptive);
    atomic_store(&inside, 0);
    atomic_store(&max_inside, 0);
    atomic_store(&guests_spin, spin);
    atomic_store(&guests_sleep, sleep);
    atomic_store(&stop_at, now_ns() + 10000000000LL);      /* ended by stop_guests */
    for (unsigned i = 0; i < NCPU; i++) {
        g->owners[i] = (Owner){ .cpu = cpus[i], .rng = seed + i };
        cr_assert_eq(pthread_create(&g->th[i], NULL, spinning_owner_loop, &g->owners[i]), 0);
    }
}

static struct run_slot_stats stop_guests(Guests *g)
{
    atomic_store(&stop_at, 0);
    for (unsigned i = 0; i < NCPU; i++) {
        pthread_join(g->th[i], NULL);
    }
    struct run_slot_stats st;
    run_slots_get_stats(&st);
    return st;
}

/* Whether the governor opened the slots within 2 s of t0. */
static bool await_open(int64_t t0)
{
    while (!run_slots_open() && now_ns() - t0 < 2000000000LL) {
        sleep_us(500);
    }
    return run_slots_open();
}

Test(run_slots, governor_lifts_the_limit_while_guests_spin_and_restores_it_after)
{
    Guests g;
    start_guests(&g, SLOTS, true, true, true, 11);
    /* Contention: every holder spins, so spin handovers come far faster than the governor's
     * threshold and it opens; then every vCPU gets in at once. */
    int64_t t0 = now_ns();
    bool opened = await_open(t0);
    while (atomic_load(&max_inside) <= SLOTS && now_ns() - t0 < 2000000000LL) {
        sleep_us(500);
    }
    int max_open = atomic_load(&max_inside);
    /* Contention over (and no more wake-ups, whose waits would open the slots too): the open
     * period ends, the slots close, the holders above the limit leave and from then on the
     * limit holds again. */
    atomic_store(&guests_spin, false);
    atomic_store(&guests_sleep, false);
    t0 = now_ns();
    while ((run_slots_open() || holders() > SLOTS) &&
           now_ns() - t0 < 2 * RUN_SLOT_GOV_OPEN_MAX_NS) {
        sleep_us(1000);
    }
    bool closed = !run_slots_open() && holders() <= SLOTS;
    /* A window counts only if the slots stayed closed all through it: on a loaded host a
     * straggler's wait for a slot (it was asleep when the guests stopped sleeping) can be
     * long enough to open them again, legitimately. */
    int max_closed = -1;
    for (int attempt = 0; closed && attempt < 20 && max_closed < 0; attempt++) {
        struct run_slot_stats before, after;
        run_slots_get_stats(&before);
        bool closed_at_start = !run_slots_open();
        atomic_store(&max_inside, 0);
        sleep_us(200000);
        int seen = atomic_load(&max_inside);
        run_slots_get_stats(&after);
        if (closed_at_start && !run_slots_open() && after.opens == before.opens) {
            max_closed = seen;
        } else {
            while (run_slots_open() && now_ns() - t0 < 4 * RUN_SLOT_GOV_OPEN_MAX_NS) {
                sleep_us(1000);
            }
        }
    }
    struct run_slot_stats st = stop_guests(&g);
    cr_assert(opened, "spinning guests never opened the slots");
    cr_assert_gt(max_open, SLOTS, "opened, yet never more than %d vCPUs inside", SLOTS);
    cr_assert(closed, "the slots never closed again (open %d, %u holders)", run_slots_open(),
              holders());
    cr_assert_geq(max_closed, 0, "the slots never stayed closed for 200 ms");
    cr_assert_leq(max_closed, SLOTS, "%d vCPUs inside after the close", max_closed);
    cr_assert_gt(max_closed, 0, "nobody ran after the close");
    cr_assert_geq(st.opens, 1);
    cr_assert_gt(st.open_ns, 0);
}

/* Spinning guests on `slots` slots, run until they spun well past the governor's threshold
 * (at least 300 ms, at most 5 s: a loaded host slows them down); returns the statistics. */
static struct run_slot_stats run_spinning_guests(unsigned slots, bool adaptive)
{
    Guests g;
    start_guests(&g, slots, adaptive, true, true, 31);
    int64_t t0 = now_ns();
    for (;;) {
        struct run_slot_stats now_st;
        run_slots_get_stats(&now_st);
        int64_t ran = now_ns() - t0;
        if ((ran >= 300000000LL && now_st.spin_handovers > 4UL * RUN_SLOT_GOV_SPINS) ||
            ran >= 5000000000LL) {
            break;
        }
        sleep_us(10000);
    }
    return stop_guests(&g);
}

Test(run_slots, fixed_slot_count_never_opens_however_guests_spin)
{
    struct run_slot_stats st = run_spinning_guests(SLOTS, false);
    cr_assert_gt(st.spin_handovers, (unsigned long)RUN_SLOT_GOV_SPINS, "the guests hardly spun");
    cr_assert_eq(st.opens, 0);
    cr_assert_leq(atomic_load(&max_inside), SLOTS);
}

Test(run_slots, governor_stays_closed_with_too_many_vcpus_per_slot)
{
    _Static_assert(NCPU > RUN_SLOT_GOV_MAX_VCPUS_PER_SLOT, "one slot is overcommitted");
    struct run_slot_stats st = run_spinning_guests(1, true);
    cr_assert_gt(st.spin_handovers, (unsigned long)RUN_SLOT_GOV_SPINS, "the guests hardly spun");
    cr_assert_eq(st.opens, 0, "opened with %d vCPUs on one slot", NCPU);
    cr_assert_leq(atomic_load(&max_inside), 1);
}

Test(run_slots, governor_lifts_the_limit_when_woken_vcpus_keep_waiting_for_slots)
{
    Guests g;
    /* No spinning; a WFI about every millisecond, 200 us each. */
    start_guests(&g, SLOTS, true, false, true, 51);
    bool opened = await_open(now_ns());
    struct run_slot_stats st = stop_guests(&g);
    cr_assert(opened, "woken vCPUs waited %lu times, %lu ns in all, and the slots stayed closed",
              st.urgent_waits, st.urgent_wait_ns_sum);
    cr_assert_eq(st.spin_handovers, 0);
    cr_assert_gt(st.urgent_wait_ns_sum, (unsigned long)RUN_SLOT_GOV_URGENT_NS);
}
