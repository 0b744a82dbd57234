/* tlbstorm: parse the QEMU-style command line, build the virt machine, run one host thread
 * per hart until the guest powers off (or resets, which restarts it), exit with the guest's
 * status. Every user-side error is one line on stderr and exit status 1, before any vCPU
 * starts. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "accel/interp.h"
#include "accel/jit.h"
#include "accel/tb.h"
#include "cpu/cpu.h"
#include "cpu/tlb_check.h"
#include "hw/cmdline.h"
#include "hw/console.h"
#include "hw/gdbstub.h"
#include "hw/host_file.h"
#include "hw/monitor.h"
#include "hw/progress.h"
#include "hw/vcpu_group.h"
#include "hw/virt.h"
#include "hw/vtimer.h"
#include "mm/flush_stats.h"
#include "mm/flush_trace.h"
#include "mm/tlb_flush.h"
#include "sync/exclusive.h"
#include "sync/run_slots.h"
#include "sync/vm_stop.h"
#include "sync/work.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/report.h"
#include "util/symbols.h"

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
        error_report("cannot start vCPU thread %u: %s", started, strerror(-rc));
    }
    vcpu_group_join(threads, started);
    free(threads);
    return rc;
}

/* Descriptors 0, 1 and 2 are opened on /dev/null where they are closed, before anything
 * else is opened: a file opened while one of them is closed takes its number, and guest
 * console output or an error message would then be written into it (a user's disk image). */
static int ensure_standard_fds(void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) {
            continue;
        }
        /* The lower descriptors are open, so this takes number fd. */
        int got = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
        if (got < 0) {
            return -errno;
        }
        if (got != fd) {
            close(got);
            return -EBADF;
        }
    }
    return 0;
}

/* The files the user asked for, open from start-up (so an unwritable path fails before the
 * guest runs) to the end of the run. */
struct run_outputs {
    OutputFile *log;      /* -D */
    OutputFile *hart_log[TLBSTORM_MAX_CPUS];   /* -d tid -D FILE%d: hart h's log */
    OutputFile *trace;    /* --trace-flush */
    OutputFile *stats;    /* --stats=FILE.json */
    OutputFile *tlb_check_json;   /* --tlb-check-json */
};

static int open_outputs(const struct tlbstorm_config *cfg, struct run_outputs *o, Error **errp)
{
    bool per_hart = cfg->log_file && (cfg->log_mask & (1u << LOG_TID));
    if (per_hart) {
        /* QEMU's -d tid: FILE holds one %d; each hart gets its own file (%d: the hart
         * number), the other threads the one with "main" in its place. */
        const char *pct = strstr(cfg->log_file, "%d");
        if (!pct || strstr(pct + 2, "%d") || strchr(cfg->log_file, '%') != pct) {
            error_setg(errp, "-D %s: with -d tid the file name needs one %%d (the hart number)",
                       cfg->log_file);
            return -EINVAL;
        }
        char name[4096];
        int pre = (int)(pct - cfg->log_file);
        for (unsigned h = 0; h <= cfg->smp; h++) {
            bool main_log = h == cfg->smp;
            if (main_log) {
                snprintf(name, sizeof(name), "%.*smain%s", pre, cfg->log_file, pct + 2);
            } else {
                snprintf(name, sizeof(name), "%.*s%u%s", pre, cfg->log_file, h, pct + 2);
            }
            OutputFile *f = output_file_open("-D ", name, OUTPUT_STREAM, errp);
            if (!f) {
                return -EINVAL;
            }
            setvbuf(output_file_stream(f), NULL, _IOLBF, 0);
            if (main_log) {
                o->log = f;
            } else {
                o->hart_log[h] = f;
            }
        }
        log_file = output_file_stream(o->log);
    } else if (cfg->log_file) {
        o->log = output_file_open("-D ", cfg->log_file, OUTPUT_STREAM, errp);
        if (!o->log) {
            return -EINVAL;
        }
        log_file = output_file_stream(o->log);
        setvbuf(log_file, NULL, _IOLBF, 0);
    }
    if (cfg->trace_flush) {
        o->trace = output_file_open("--trace-flush=", cfg->trace_flush, OUTPUT_STREAM, errp);
        if (!o->trace) {
            return -EINVAL;
        }
    }
    if (cfg->stats && cfg->stats_json) {
        o->stats = output_file_open("--stats=", cfg->stats_json, OUTPUT_WHOLE, errp);
        if (!o->stats) {
            return -EINVAL;
        }
    }
    if (cfg->tlb_check_json) {
        o->tlb_check_json = output_file_open("--tlb-check-json=", cfg->tlb_check_json,
                                             OUTPUT_STREAM, errp);
        if (!o->tlb_check_json) {
            return -EINVAL;
        }
    }
    return 0;
}

/* Before exit on an error path: nothing of a run that did not happen is written. */
static void discard_outputs(struct run_outputs *o)
{
    if (o->log) {
        log_file = NULL;
    }
    output_file_discard(o->log);
    for (unsigned h = 0; h < TLBSTORM_MAX_CPUS; h++) {
        output_file_discard(o->hart_log[h]);
    }
    output_file_discard(o->trace);
    output_file_discard(o->stats);
    output_file_discard(o->tlb_check_json);
    *o = (struct run_outputs){ 0 };
}

/* --tlb-check=fatal: the first missing flush ends the run with status 1. */
static void tlb_check_stop_machine(void *opaque)
{
    machine_request(opaque, MACHINE_POWEROFF, 1);
}

/* Ctrl-A c on the console (-serial mon:stdio): the monitor's commands. */
static void console_monitor_execute(void *opaque, const char *line, FILE *out)
{
    monitor_execute(opaque, line, out);
}

int main(int argc, char **argv)
{
    if (ensure_standard_fds() != 0) {
        return 1;   /* not even /dev/null: no safe place to say so */
    }
    /* A closed output pipe is a write error (EPIPE), not a silent death: the console ends the
     * run cleanly (status 128 + SIGPIPE, statistics and trace still written), and writes to
     * --stats, --trace-flush or dumpdtb= pipes report it. */
    signal(SIGPIPE, SIG_IGN);
    /* Messages from every layer erase the progress line first (util/report.h). */
    report_set_output_hooks(progress_output_begin, progress_output_end);
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
    Error *err = NULL;
    struct run_outputs outputs = { 0 };
    if (open_outputs(&cfg, &outputs, &err) != 0) {
        error_report_err(err);
        discard_outputs(&outputs);
        return 1;
    }
    Symbols *symbols = NULL;
    if (cfg.symbols) {
        char msg[512];
        if (symbols_load(&symbols, cfg.symbols, msg, sizeof(msg)) != 0) {
            fprintf(stderr, "tlbstorm: --symbols: %s\n", msg);
            discard_outputs(&outputs);
            return 1;
        }
    }

    static Machine machine;
    BootInfo boot;
    if (virt_create(&machine, &cfg, &err) != 0 || virt_load(&machine, &boot, &err) != 0) {
        error_report_err(err);
        virt_destroy(&machine);
        discard_outputs(&outputs);
        return 1;
    }
    if (boot.dtb_dumped) {
        virt_destroy(&machine);
        discard_outputs(&outputs);
        return 0;
    }
    for (unsigned h = 0; h < machine.n_cpus; h++) {
        if (outputs.hart_log[h]) {
            machine.cpus[h]->log_file = output_file_stream(outputs.hart_log[h]);
        }
    }
    interp_init();
    int jit_rc = jit_init(cfg.jit);
    if (jit_rc != 0) {
        /* A host that refuses executable anonymous memory still runs guests, slower. */
        fprintf(stderr, "tlbstorm: warning: JIT off, cannot map its code buffer (%s); "
                "interpreting (--jit=off silences this)\n", strerror(-jit_rc));
    }
    if (cfg.perfmap && !jit_enabled()) {
        fprintf(stderr, "tlbstorm: warning: -perfmap: no JIT, so no compiled code to map\n");
    } else if (cfg.perfmap) {
        char path[64];
        snprintf(path, sizeof(path), "/tmp/perf-%ld.map", (long)getpid());
        int rc = jit_perfmap_open(path);
        if (rc != 0) {
            fprintf(stderr, "tlbstorm: -perfmap: cannot write %s: %s\n", path, strerror(-rc));
            jit_destroy();
            virt_destroy(&machine);
            discard_outputs(&outputs);
            return 1;
        }
    }
    /* Before vtimer_start: the timer thread reads the time base (a data race otherwise). */
    machine.time_base_ns = clock_monotonic_ns();
    if (tb_cache_init(&machine.as) != 0 || vtimer_start(&machine) != 0) {
        fprintf(stderr, "tlbstorm: out of memory\n");
        virt_destroy(&machine);
        discard_outputs(&outputs);
        return 1;
    }
    if (cfg.serial_mux) {
        console_set_monitor(console_monitor_execute, &machine);
    }
    if (console_start(virt_console_uart(), STDIN_FILENO, STDOUT_FILENO, console_quit, &machine,
                      &err) != 0) {
        error_report_err(err);
        vtimer_stop(&machine);
        tb_cache_destroy();
        virt_destroy(&machine);
        discard_outputs(&outputs);
        return 1;
    }
    /* Run slots are this mode's scheduling; the QEMU baseline leaves it all to the host. */
    machine.run_slots = cfg.run_slots == RUN_SLOTS_AUTO
                            ? (cfg.flush_qemu ? 0 : run_slots_auto(machine.n_cpus))
                            : (unsigned)cfg.run_slots;
    machine.run_slots_adaptive = cfg.run_slots == RUN_SLOTS_AUTO;
    tlb_flush_set_mode(cfg.flush_qemu ? TLB_FLUSH_MODE_QEMU : TLB_FLUSH_MODE_MAILBOX);
    for (unsigned i = 0; i < machine.n_cpus; i++) {
        tlb_set_qemu_policy(&machine.cpus[i]->tlb, cfg.flush_qemu);
        tlb_set_retain(&machine.cpus[i]->tlb, cfg.tlb_retain);
    }

    if (cfg.tlb_check) {
        TLBCheckConfig check = {
            .mode = cfg.tlb_check == 2 ? TLB_CHECK_FATAL : TLB_CHECK_REPORT,
            .report = stderr,
            .json = outputs.tlb_check_json ? output_file_stream(outputs.tlb_check_json) : NULL,
            .symbols = symbols,
            .stop_machine = tlb_check_stop_machine,
            .opaque = &machine,
        };
        if (tlb_check_init(machine.cpus, machine.n_cpus, &machine.as, &check) != 0) {
            fprintf(stderr, "tlbstorm: out of memory\n");
            console_stop();
            vtimer_stop(&machine);
            tb_cache_destroy();
            virt_destroy(&machine);
            discard_outputs(&outputs);
            symbols_free(symbols);
            return 1;
        }
    }
    if (outputs.trace) {
        flush_trace_start(output_file_stream(outputs.trace));
    }
    /* The remap-test mover, the debugger and the monitor: each stop function is harmless for
     * what did not start. */
    if (virt_remap_test_start(&machine, &err) != 0 ||
        (cfg.gdb && gdbstub_start(&machine, cfg.gdb, &err) != 0) ||
        (cfg.monitor && monitor_start(&machine, cfg.monitor, &err) != 0)) {
        error_report_err(err);
        monitor_stop();
        gdbstub_stop();
        virt_remap_test_stop();
        flush_trace_stop();
        console_stop();
        vtimer_stop(&machine);
        tb_cache_destroy();
        virt_destroy(&machine);
        discard_outputs(&outputs);
        return 1;
    }
    /* Not while -d logs to stderr: those lines are not bracketed (the logger is one fprintf
     * on hot paths), so they could land behind the line. */
    if (!cfg.no_progress && !(cfg.log_mask && !cfg.log_file)) {
        progress_start(&machine);
    }
    if (cfg.start_stopped) {
        vm_stop_request();      /* every vCPU parks before its first instruction */
    }
    int status;
    for (;;) {
        if (run_machine(&machine, &boot) != 0) {
            status = 1;
            break;
        }
        enum machine_request req = machine_pending_request(&machine);
        status = runstate_exit_code(&machine.run);
        if (req != MACHINE_RESET || cfg.no_reboot) {
            break;
        }
        /* Guest reset: images are copied in again and all translations dropped. */
        tb_cache_destroy();
        if (virt_load(&machine, &boot, &err) != 0 || tb_cache_init(&machine.as) != 0) {
            progress_stop();
            error_setg(&err, "out of memory");   /* kept if virt_load said why */
            error_prepend(&err, "reset: ");
            error_report_err(err);
            err = NULL;
            status = 1;
            break;
        }
    }
    monitor_stop();
    gdbstub_stop();
    virt_remap_test_stop();
    /* Work queued after a vCPU thread's last look at its queue (the remap-test mover's
     * flushes under --flush=qemu, as the guest powered off) runs here on its behalf: the
     * threads are joined, so nothing else owns their state, and the items free what they
     * carry. */
    for (unsigned i = 0; i < machine.n_cpus; i++) {
        process_queued_cpu_work(CPU(machine.cpus[i]));
    }
    progress_stop();     /* erased before anything else is printed */
    console_stop();
    if (cfg.tlb_check) {
        tlb_check_finish();
        if (outputs.tlb_check_json) {
            if (output_file_commit(outputs.tlb_check_json, 0, &err) != 0) {
                error_report_err(err);
                err = NULL;
                status = status ? status : 1;
            }
            outputs.tlb_check_json = NULL;
        }
    }
    symbols_free(symbols);
    if (outputs.trace) {
        int write_errno = flush_trace_stop();
        if (output_file_commit(outputs.trace, write_errno, &err) != 0) {
            error_report_err(err);
            err = NULL;
            status = status ? status : 1;
        }
        outputs.trace = NULL;
    }
    if (cfg.stats) {
        const char *strategy = cfg.flush_qemu ? "qemu" : "mailbox";
        if (!outputs.stats) {
            flush_stats_print_summary(stderr, strategy, machine.run_slots);
        } else {
            flush_stats_write_json(output_file_stream(outputs.stats), strategy, machine.run_slots);
            if (output_file_commit(outputs.stats, 0, &err) != 0) {
                error_report_err(err);
                err = NULL;
                status = status ? status : 1;
            }
            outputs.stats = NULL;
        }
    }
    vtimer_stop(&machine);
    tb_cache_destroy();
    jit_destroy();
    virt_destroy(&machine);
    for (unsigned h = 0; h < TLBSTORM_MAX_CPUS; h++) {
        if (outputs.hart_log[h] && output_file_commit(outputs.hart_log[h], 0, &err) != 0) {
            error_report_err(err);
            err = NULL;
            status = status ? status : 1;
        }
    }
    if (outputs.log) {
        log_file = NULL;
        if (output_file_commit(outputs.log, 0, &err) != 0) {
            error_report_err(err);
            status = status ? status : 1;
        }
    }
    return status;
}
