/* The cpu_exec loop and the vCPU thread around it.
 *
 * A vCPU is "inside" guest execution between cpu_exec_start and cpu_exec_end. It leaves when
 * kicked (icount_decr < 0 at a TB entry), so that exclusive sections, machine requests and
 * sleeping in WFI all happen outside. Interrupts are checked each time control returns to
 * the loop; devices that raise one kick the vCPU so that chained TBs do return.
 *
 * WFI sleep: the owner reads wake_seq (acquire), then checks for a pending-and-enabled
 * interrupt or a machine request, and futex-waits only if wake_seq is unchanged. A waker
 * publishes its mip bit or request first and then bumps wake_seq (release): if the owner's
 * check missed the publication, its wake_seq read preceded the bump, so FUTEX_WAIT returns. */
#include "accel/vcpu.h"

#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "accel/interp.h"
#include "accel/jit.h"
#include "accel/tb.h"
#include "cpu/cpu.h"
#include "sync/exclusive.h"
#include "sync/run_slots.h"
#include "sync/runstate.h"
#include "sync/vm_stop.h"
#include "sync/work.h"
#include "util/clock.h"
#include "util/futex.h"
#include "util/log.h"
#include "util/tsan.h"

static bool wfi_should_wake(RISCVCPU *cpu)
{
    /* WFI resumes on any interrupt pending in mie, whatever the global enables say. */
    return (riscv_cpu_mip(cpu) & cpu->mie) != 0 ||
           runstate_pending(cpu->cs.runstate) != MACHINE_RUN;
}

/* Sleep until an interrupt, a machine request or queued work. TLB flush requests do not
 * wake a halted vCPU: it applies them when it next enters guest code. */
static void vcpu_sleep_in_wfi(RISCVCPU *cpu)
{
    for (;;) {
        uint32_t seq = atomic_load_explicit(&cpu->cs.wake_seq, memory_order_acquire);
        if (wfi_should_wake(cpu)) {
            cpu->halted = false;
            return;
        }
        if (cpu_work_pending(&cpu->cs.work) || vm_stop_requested()) {
            return;     /* still halted: the loop runs the work or parks, then sleeps again */
        }
        run_slot_release(CPU(cpu));
        futex_wait(&cpu->cs.wake_seq, seq);
    }
}

#define ACK_YIELD_MIN_NS 100000

/* After serving a kick while some requester is blocked. A vCPU that was only nudged yields
 * its core, so that a preempted target waiting on its run queue can run (the directed
 * yield). A target that has just acknowledged yields too, which on a shared core hands it to
 * the requester it woke, but at most once per ACK_YIELD_MIN_NS: yielding after every
 * acknowledgement let a requester that flushes back to back take the core each time. */
static void directed_yield(bool acked)
{
    static _Thread_local int64_t last_ack_yield_ns;    /* this vCPU thread's */
    if (!tlb_flush_should_yield()) {
        return;
    }
    if (acked) {
        int64_t now = clock_monotonic_ns();
        if (now - last_ack_yield_ns < ACK_YIELD_MIN_NS) {
            return;
        }
        last_ack_yield_ns = now;
    }
    sched_yield();
}

/* Zihintpause `pause`: the guest is spinning on something another hart must change (Linux's
 * cpu_relax in spinlocks and in smp_call_function waits). With more vCPUs than host cores,
 * the hart it waits for may be descheduled on this very core, so give the core away at once
 * (pause-loop exiting). Every pause yields: Linux 6.1's ticket spinlocks hand the lock to the
 * next ticket, and while that ticket's vCPU is descheduled every other waiter spins, so each
 * microsecond a spinner keeps the core delays the one vCPU that can make progress (stress-ng
 * mprotect at -smp 4 on 2 cores: 24,000 ops/s yielding at every pause, 16,700 at most once
 * per 10 us, 9,000 at most once per 20 us, 18,700 after 1 us of continuous spinning). A
 * yield with nothing else runnable on the core costs one system call. With a core per vCPU,
 * spinning is the fastest way to notice the change, so the hint is ignored. */
static bool pause_yield(RISCVCPU *cpu)
{
    if (run_slots_limited() && !run_slots_open()) {
        /* Every vCPU in guest code has a core: the one to give way to is parked in the
         * slot queue, and only a handover lets it run. */
        return run_slot_spin_handover(CPU(cpu));
    }
    /* 0: not computed yet. Relaxed: every thread computes the same value. */
    static _Atomic int host_cpus;
    int n = atomic_load_explicit(&host_cpus, memory_order_relaxed);
    if (n == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online > 0 ? (int)online : 1;
        atomic_store_explicit(&host_cpus, n, memory_order_relaxed);
    }
    if (cpu_list_count() > (unsigned)n) {
        sched_yield();
    }
    return false;
}

/* After a kick: does the vCPU have to leave guest execution, or was the kick only for TLB
 * flushes (applied by now) and interrupts (checked by the loop)? */
static bool cpu_must_leave(RISCVCPU *cpu)
{
    return exclusive_pending() || cpu_work_pending(&cpu->cs.work) || vm_stop_requested() ||
           runstate_pending(cpu->cs.runstate) != MACHINE_RUN ||
           run_slot_handover_requested(CPU(cpu));
}

/* Run tb and what follows it, switching between compiled and interpreted TBs until the
 * cpu_exec loop is needed. */
static enum cpu_exit_reason tb_exec(RISCVCPU *cpu, TranslationBlock *tb, bool run_first)
{
    unsigned start_op = 0;
    for (;;) {
        if (tb->jit_code && start_op == 0) {
            enum cpu_exit_reason r = jit_exec(cpu, tb, run_first);
            /* Compiled code reached these TBs through chains it read with plain loads, which
             * TSan does not see; the acquire they stand for pairs with the TB's publication
             * (tsan_release in tb.c). */
            if (r == EXIT_NOCHAIN) {
                tsan_acquire(cpu->last_tb);
            }
            if (r != EXIT_INTERP) {
                return r;
            }
            tb = cpu->resume_tb;
            tsan_acquire(tb);
            start_op = cpu->resume_op;
        }
        enum cpu_exit_reason r = interp_exec(cpu, tb, start_op, run_first);
        if (r != EXIT_JIT) {
            return r;
        }
        tb = cpu->resume_tb;
        start_op = 0;
        run_first = true;     /* the interpreter did its icount check */
    }
}

/* A TB cut short: ops 0..k-1 of a TB followed by a TB end. Owner vCPU thread's, used only
 * while execute triggers or debugger breakpoints and steps are on. */
static _Thread_local _Alignas(TranslationBlock) unsigned char
    cut_tb_buf[sizeof(TranslationBlock) + (TB_MAX_INSNS + 1) * sizeof(TBOp)];

/* Runs ops 0..k-1 of tb (0 < k < tb->n_ops) in the interpreter; the next lookup starts at op
 * k. */
static enum cpu_exit_reason tb_exec_prefix(RISCVCPU *cpu, TranslationBlock *tb, unsigned k)
{
    TranslationBlock *cut = (TranslationBlock *)(void *)cut_tb_buf;
    memset(cut, 0, sizeof(*cut));
    cut->pc = tb->pc;
    cut->phys_pc = tb->phys_pc;
    cut->flags = tb->flags;
    cut->n_ops = (uint16_t)k;
    cut->size = tb->ops[k].pc_off;
    cut->insn_bits = tb->insn_bits;
    memcpy(cut->ops, tb->ops, k * sizeof(TBOp));
    cut->ops[k] = (TBOp){ .handler = (const void *)(uintptr_t)OP_TB_END,
                          .pc_off = tb->ops[k].pc_off };
    interp_finalize(&cut->ops[k], 1);
    enum cpu_exit_reason r = interp_exec(cpu, cut, 0, true);
    if (cpu->last_tb == cut) {
        cpu->last_tb = NULL;          /* never link to the scratch TB */
    }
    return r == EXIT_NOCHAIN ? EXIT_LOOKUP : r;
}

/* Execute triggers are on (cpu/debug.h): check each instruction of tb before any runs. A
 * watched first instruction raises the breakpoint; a watched later one cuts the TB there, so
 * the next lookup starts at it and raises it. Every TB entry after this one comes back to the
 * loop (icount_decr stays negative), so chained jumps cannot pass a watched instruction. */
static enum cpu_exit_reason tb_exec_watched(RISCVCPU *cpu, TranslationBlock *tb)
{
    unsigned k = 0;
    while (k < tb->n_ops && !debug_exec_matches(cpu, tb->pc + tb->ops[k].pc_off)) {
        k++;
    }
    if (k == 0) {
        debug_raise_exec(cpu, tb->pc);
        return EXIT_LOOKUP;
    }
    /* Relaxed: this thread is the only reader at TB entries, and other threads only ever
     * store -1 too (cpu_exit, release); the loop top's acquire exchange is unchanged. */
    atomic_store_explicit(&cpu->cs.icount_decr, -1, memory_order_relaxed);
    if (k == tb->n_ops) {
        return tb_exec(cpu, tb, true);
    }
    return tb_exec_prefix(cpu, tb, k);
}

/* ---- debugger breakpoints and single steps ---------------------------------------------- *
 * Changed by the debugger only while every vCPU is parked (sync/vm_stop.h), read by vCPUs at
 * TB entries: the park handshake orders the changes before their next TB, so plain variables
 * suffice. While any is set, every TB entry returns to the loop (as with execute triggers),
 * so a breakpoint holds whatever was translated or chained before it was set. */
static uint64_t gdb_breakpoints[VCPU_MAX_BREAKPOINTS];
static unsigned n_gdb_breakpoints;
static bool gdb_step[TLBSTORM_MAX_CPUS];
static unsigned n_gdb_stepping;

/* Anything that needs the slower loop turn (tb_exec_debug): debugger breakpoints or steps,
 * -d nochain, -d cpu, -d exec. Recomputed when one of them changes: by the debugger while every
 * vCPU is parked, and by each vcpu_start (the log items are set by then) while earlier vCPUs
 * may already run, hence an atomic; relaxed, since what it summarises is published by the
 * park handshake or by thread creation. The usual turn tests this one flag. */
static _Atomic bool loop_debug;

static void loop_debug_update(void)
{
    bool on = n_gdb_breakpoints != 0 || n_gdb_stepping != 0 || log_enabled(LOG_NOCHAIN) ||
              log_enabled(LOG_CPU) || log_enabled(LOG_EXEC);
    atomic_store_explicit(&loop_debug, on, memory_order_relaxed);
}

bool vcpu_breakpoint_insert(uint64_t pc)
{
    for (unsigned i = 0; i < n_gdb_breakpoints; i++) {
        if (gdb_breakpoints[i] == pc) {
            return true;
        }
    }
    if (n_gdb_breakpoints == VCPU_MAX_BREAKPOINTS) {
        return false;
    }
    gdb_breakpoints[n_gdb_breakpoints++] = pc;
    loop_debug_update();
    return true;
}

bool vcpu_breakpoint_remove(uint64_t pc)
{
    for (unsigned i = 0; i < n_gdb_breakpoints; i++) {
        if (gdb_breakpoints[i] == pc) {
            gdb_breakpoints[i] = gdb_breakpoints[--n_gdb_breakpoints];
            loop_debug_update();
            return true;
        }
    }
    return false;
}

void vcpu_breakpoints_clear(void)
{
    n_gdb_breakpoints = 0;
    loop_debug_update();
}

void vcpu_set_single_step(const RISCVCPU *cpu, bool on)
{
    unsigned h = cpu->cs.index;
    if (gdb_step[h] != on) {
        gdb_step[h] = on;
        n_gdb_stepping += on ? 1 : (unsigned)-1;
        loop_debug_update();
    }
}

static bool gdb_breakpoint_at(uint64_t pc)
{
    for (unsigned i = 0; i < n_gdb_breakpoints; i++) {
        if (gdb_breakpoints[i] == pc) {
            return true;
        }
    }
    return false;
}

static inline bool gdb_exec_active(void)
{
    return n_gdb_breakpoints != 0 || n_gdb_stepping != 0;
}

/* Breakpoints or steps are on. A stepping hart runs one instruction and reports; otherwise
 * a breakpoint on the first instruction reports without running it, and one on a later
 * instruction cuts the TB there. The report requests the stop, so the loop parks next. */
static enum cpu_exit_reason tb_exec_gdb(RISCVCPU *cpu, TranslationBlock *tb)
{
    atomic_store_explicit(&cpu->cs.icount_decr, -1, memory_order_relaxed);
    if (gdb_step[cpu->cs.index]) {
        enum cpu_exit_reason r = tb->n_ops > 1 ? tb_exec_prefix(cpu, tb, 1)
                                               : tb_exec(cpu, tb, true);
        vm_stop_report(CPU(cpu), VM_STOP_STEP, cpu->pc);
        return r == EXIT_NOCHAIN ? EXIT_LOOKUP : r;
    }
    unsigned k = 0;
    while (k < tb->n_ops && !gdb_breakpoint_at(tb->pc + tb->ops[k].pc_off)) {
        k++;
    }
    if (k == 0) {
        vm_stop_report(CPU(cpu), VM_STOP_BREAKPOINT, tb->pc);
        return EXIT_REQUEST;
    }
    if (k == tb->n_ops) {
        return tb_exec(cpu, tb, true);
    }
    return tb_exec_prefix(cpu, tb, k);
}

/* The loop turn with logs, -d nochain and debugger breakpoints and steps. */
static enum cpu_exit_reason tb_exec_debug(RISCVCPU *cpu, TranslationBlock *tb, bool served_kick)
{
    /* -d nochain: no links, and every TB entry comes back here (a chained exit or the jump
     * cache would pass the next TB by), so -d exec and -d cpu see each one. */
    bool nochain = log_enabled(LOG_NOCHAIN);
    if (cpu->last_tb) {
        if (!nochain) {
            tb_add_jump(cpu->last_tb, cpu->last_slot, tb);
        }
        cpu->last_tb = NULL;
    }
    if (nochain) {
        atomic_store_explicit(&cpu->cs.icount_decr, -1, memory_order_relaxed);
    }
    log_mask(LOG_EXEC, "hart %u: exec TB pc=0x%llx priv=%u\n", cpu->cs.index,
             (unsigned long long)tb->pc, cpu->priv);
    if (log_enabled(LOG_CPU)) {
        FILE *f = log_stream();
        flockfile(f);
        riscv_cpu_dump_state(cpu, f, log_enabled(LOG_FPU));
        funlockfile(f);
    }
    if (gdb_exec_active()) {
        return tb_exec_gdb(cpu, tb);
    }
    if (debug_exec_active(&cpu->debug)) {
        return tb_exec_watched(cpu, tb);
    }
    return tb_exec(cpu, tb, served_kick || nochain);
}

/* Run guest code until something requires leaving the inside state. */
static void cpu_exec(RISCVCPU *cpu)
{
    cpu_exec_start(CPU(cpu));
    for (;;) {
        /* Forward progress: a vCPU that has just served a kick runs its next TB even if a new
         * kick came meanwhile (interp_exec's run_first). Otherwise a requester that flushes it
         * back to back, with both threads sharing one host core, could kick it each time
         * before it reaches a TB entry and it would never run guest code again. The late
         * kick waits at most one TB; a synced flush is only acknowledged after it. */
        bool served_kick = false;
        /* Acquire: pairs with the release in cpu_exit, so whatever the kicker published
         * before asking us to exit is visible below. */
        if (atomic_exchange_explicit(&cpu->cs.icount_decr, 0, memory_order_acquire) < 0) {
            cpu->last_tb = NULL;
            bool acked = tlb_flush_process_mailbox(&cpu->tlb, &cpu->flush_mailbox);
            if (cpu_must_leave(cpu)) {
                break;
            }
            directed_yield(acked);
            served_kick = true;
        }
        bool debug = atomic_load_explicit(&loop_debug, memory_order_relaxed);
        bool stepping = __builtin_expect(debug, 0) && gdb_step[cpu->cs.index];
        int irq = riscv_cpu_pending_interrupt(cpu);
        if (irq >= 0 && !stepping) {     /* a single step runs with interrupts held, as QEMU */
            riscv_cpu_take_interrupt(cpu, irq);
            cpu->last_tb = NULL;
        }
        TranslationBlock *tb = tb_lookup(cpu);
        if (!tb) {
            cpu->last_tb = NULL;     /* fetch fault: pc is now the trap handler */
            if (stepping) {
                vm_stop_report(CPU(cpu), VM_STOP_STEP, cpu->pc);
            }
            continue;
        }
        enum cpu_exit_reason r;
        if (__builtin_expect(debug, 0)) {
            r = tb_exec_debug(cpu, tb, served_kick);
        } else {
            if (cpu->last_tb) {
                tb_add_jump(cpu->last_tb, cpu->last_slot, tb);
                cpu->last_tb = NULL;
            }
            r = __builtin_expect(debug_exec_active(&cpu->debug), 0)
                    ? tb_exec_watched(cpu, tb)
                    : tb_exec(cpu, tb, served_kick);
        }
        if (r == EXIT_NOCHAIN) {
            continue;
        }
        cpu->last_tb = NULL;
        if (r == EXIT_SBI) {
            cpu->sbi_pending = true;     /* answered by the vCPU loop, outside */
            break;
        }
        if (r == EXIT_PAUSE) {
            if (pause_yield(cpu)) {
                break;
            }
            continue;
        }
        /* EXIT_REQUEST: icount_decr is still negative; the loop top handles it. */
        if (r == EXIT_HALT && riscv_cpu_pending_interrupt(cpu) < 0) {
            if (!(riscv_cpu_mip(cpu) & cpu->mie)) {
                cpu->halted = true;
                break;
            }
            /* WFI returned at once: an interrupt is pending in mie but globally masked, so the
             * guest is polling around WFI (OpenSBI 1.1's HSM wait, whose coldboot IPI stays
             * pending, spins there on every stopped hart until Linux starts it). A spin-wait
             * like pause: give the host core to a vCPU that can make progress. */
            if (pause_yield(cpu)) {
                break;
            }
        }
    }
    cpu_exec_end(CPU(cpu));
}

static void *vcpu_thread(void *arg)
{
    RISCVCPU *cpu = arg;
    cpu_thread_enter(CPU(cpu));
    log_thread_file = cpu->log_file;     /* -d tid; NULL: the common log */
    urcu_memb_register_thread();
    run_slot_thread_start(CPU(cpu));
    while (runstate_pending(cpu->cs.runstate) == MACHINE_RUN) {
        process_queued_cpu_work(CPU(cpu));
        if (vm_stop_requested()) {
            run_slot_release(CPU(cpu));
            vm_stop_park(CPU(cpu));
            if (cpu->debug_watch_gen_seen != debug_watch_gen) {
                /* The debugger changed watchpoints: refill with new TLB_WATCH marks. */
                cpu->debug_watch_gen_seen = debug_watch_gen;
                tlb_flush_local(&cpu->tlb);
            }
            continue;
        }
        /* Built-in SBI: M-mode setup, SBI calls, HSM stopped/suspended harts. */
        bool answering = cpu->sbi_pending;
        if (cpu->builtin_firmware && cpu->builtin_firmware(cpu)) {
            if (answering) {
                run_slot_defer_handover(CPU(cpu));
            }
            continue;
        }
        if (cpu->halted) {
            vcpu_sleep_in_wfi(cpu);
            continue;
        }
        run_slot_handover(CPU(cpu));
        if (!run_slot_acquire(CPU(cpu))) {
            continue;    /* queued work or a machine request first; still queued */
        }
        cpu_exec(cpu);
    }
    run_slot_thread_stop(CPU(cpu));
    process_queued_cpu_work(CPU(cpu));    /* never leave a run_on_cpu caller waiting */
    urcu_memb_unregister_thread();
    cpu_thread_exit(CPU(cpu));
    return NULL;
}

int vcpu_start(RISCVCPU *cpu, pthread_t *thread)
{
    loop_debug_update();
    cpu_thread_claim(CPU(cpu));
    int rc = pthread_create(thread, NULL, vcpu_thread, cpu);
    if (rc) {
        cpu_thread_exit(CPU(cpu));    /* no thread: the creator keeps it */
    }
    return -rc;
}
