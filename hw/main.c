/* tlbstorm: parse the QEMU-style command line, build the virt machine, run one host thread
 * per hart until the guest powers off (or resets, which restarts it), exit with the guest's
 * status. Every user-side error is one line on stderr and exit status 1, before any vCPU
 * starts. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "accel/interp.h"
#include "accel/jit.h"
#include "accel/log.h"
#include "accel/tb.h"
#include "accel/vcpu_group.h"
#include "cpu/cpu.h"
#include "hw/cmdline.h"
#include "hw/console.h"
#include "hw/progress.h"
#include "hw/virt.h"
#include "hw/vtimer.h"
#include "mm/flush_stats.h"
#include "mm/flush_trace.h"
#include "mm/tlb_flush.h"
#include "sync/exclusive.h"
#include "sync/run_slots.h"
#include "sync/work.h"

/* Ctrl-A x on the console (status 0, as QEMU's -nographic) or a termination signal
 * (128 + signal): power off; the main thread then writes statistics and closes the block
 * devices as after a guest power-off. */
static void console_quit(void *opaque, int status)
{
    machine_request(opaque, MACHINE_POWEROFF, status);
}

static int run_machine(Machine *m, const BootInfo *boot)
{
    pthread_t *threads = calloc(m->n_cpus, sizeof(*threads));
    if (!threads) {
        fprintf(stderr, "tlbstorm: out of memory\n");
        return -ENOMEM;
    }
    unsigned started;
    int rc = vcpu_group_start(m, boot->entry, boot->dtb_addr, threads, &started);
    if (rc) {
        bool held = progress_output_begin(STDERR_FILENO);
        fprintf(stderr, "tlbstorm: cannot start vCPU thread %u: %s\n", started,
                strerror(-rc));
        progress_output_end(held, '\n');
    }
    vcpu_group_join(threads, started);
    free(threads);
    return rc;
}

int main(int argc, char **argv)
{
    struct tlbstorm_config cfg;
    switch (cmdline_parse(argc, argv, &cfg, stdout, stderr)) {
    case CMDLINE_EXIT_SUCCESS:
        return 0;
    case CMDLINE_ERROR:
        return 1;
    case CMDLINE_RUN:
        break;
    }
    /* The main thread uses the RCU read side (tb_cache_destroy deletes the TB hash table's
     * nodes under the read lock; the loaders read the memory map) while liburcu's resize
     * worker waits for grace periods. Unregistered, its read-side sections are invisible to
     * those grace periods: at exit the deletions raced the table shrink they triggered
     * (rculfhash.c `_cds_lfht_gc_bucket: Assertion !is_removed(iter)`, about 1 Linux boot
     * in 20). Left registered until the process exits. */
    urcu_memb_register_thread();
    log_enabled_mask = cfg.log_mask;
    if (cfg.log_file) {
        log_file = fopen(cfg.log_file, "w");
        if (!log_file) {
            fprintf(stderr, "tlbstorm: -D %s: %s\n", cfg.log_file, strerror(errno));
            return 1;
        }
        setvbuf(log_file, NULL, _IOLBF, 0);
    }

    static Machine machine;
    char err[512] = "";
    BootInfo boot;
    if (virt_create(&machine, &cfg, err, sizeof(err)) != 0 ||
        virt_load(&machine, &boot, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbstorm: %s\n", err);
        virt_destroy(&machine);
        return 1;
    }
    if (boot.dtb_dumped) {
        virt_destroy(&machine);
        return 0;
    }
    interp_init();
    int jit_rc = jit_init(cfg.jit);
    if (jit_rc != 0) {
        /* A host that refuses executable anonymous memory still runs guests, slower. */
        fprintf(stderr, "tlbstorm: warning: JIT off, cannot map its code buffer (%s); "
                "interpreting (--jit=off silences this)\n", strerror(-jit_rc));
    }
    /* Before vtimer_start: the timer thread reads the time base (a data race otherwise). */
    machine.time_base_ns = machine_clock_ns();
    if (tb_cache_init(&machine) != 0 || vtimer_start(&machine) != 0) {
        fprintf(stderr, "tlbstorm: out of memory\n");
        virt_destroy(&machine);
        return 1;
    }
    if (console_start(virt_console_uart(), STDIN_FILENO, STDOUT_FILENO, console_quit, &machine,
                      err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbstorm: console: %s\n", err);
        vtimer_stop(&machine);
        tb_cache_destroy();
        virt_destroy(&machine);
        return 1;
    }
    exclusive_set_cpus(machine.cpus, machine.n_cpus);
    /* Run slots are this mode's scheduling; the QEMU baseline leaves it all to the host. */
    machine.run_slots = cfg.run_slots == RUN_SLOTS_AUTO
                            ? (cfg.flush_qemu ? 0 : run_slots_auto(machine.n_cpus))
                            : (unsigned)cfg.run_slots;
    tlb_flush_set_mode(cfg.flush_qemu ? TLB_FLUSH_MODE_QEMU : TLB_FLUSH_MODE_MAILBOX);
    for (unsigned i = 0; i < machine.n_cpus; i++) {
        tlb_set_qemu_policy(machine.cpus[i], cfg.flush_qemu);
    }

    if (cfg.trace_flush && flush_trace_open(cfg.trace_flush, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbstorm: %s\n", err);
        console_stop();
        vtimer_stop(&machine);
        tb_cache_destroy();
        virt_destroy(&machine);
        return 1;
    }
    if (virt_remap_test_start(&machine, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbstorm: %s\n", err);
        flush_trace_close(err, sizeof(err));
        console_stop();
        vtimer_stop(&machine);
        tb_cache_destroy();
        virt_destroy(&machine);
        return 1;
    }
    /* Not while -d logs to stderr: those lines are not bracketed (the logger is one fprintf
     * on hot paths), so they could land behind the line. */
    if (!cfg.no_progress && !(cfg.log_mask && !cfg.log_file)) {
        progress_start(&machine);
    }
    int status;
    for (;;) {
        if (run_machine(&machine, &boot) != 0) {
            status = 1;
            break;
        }
        enum machine_request req = machine_pending_request(&machine);
        status = atomic_load_explicit(&machine.exit_code, memory_order_relaxed);
        if (req != MACHINE_RESET || cfg.no_reboot) {
            break;
        }
        /* Guest reset: images are copied in again and all translations dropped. */
        tb_cache_destroy();
        if (virt_load(&machine, &boot, err, sizeof(err)) != 0 ||
            tb_cache_init(&machine) != 0) {
            progress_stop();
            fprintf(stderr, "tlbstorm: reset: %s\n", err[0] ? err : "out of memory");
            status = 1;
            break;
        }
    }
    virt_remap_test_stop();
    /* Work queued after a vCPU thread's last look at its queue (the remap-test mover's
     * flushes under --flush=qemu, as the guest powered off) runs here on its behalf: the
     * threads are joined, so nothing else owns their state, and the items free what they
     * carry. */
    for (unsigned i = 0; i < machine.n_cpus; i++) {
        process_queued_cpu_work(machine.cpus[i]);
    }
    progress_stop();     /* erased before anything else is printed */
    console_stop();
    if (flush_trace_close(err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbstorm: %s\n", err);
        status = status ? status : 1;
    }
    if (cfg.stats) {
        const char *strategy = cfg.flush_qemu ? "qemu" : "mailbox";
        if (!cfg.stats_json) {
            flush_stats_print_summary(stderr, &machine, strategy);
        } else if (flush_stats_write_json(cfg.stats_json, &machine, strategy, err,
                                          sizeof(err)) != 0) {
            fprintf(stderr, "tlbstorm: %s\n", err);
            status = status ? status : 1;
        }
    }
    vtimer_stop(&machine);
    tb_cache_destroy();
    jit_destroy();
    virt_destroy(&machine);
    if (log_file) {
        fclose(log_file);
    }
    return status;
}
