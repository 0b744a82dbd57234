/* The human monitor (see hw/monitor.h).
 *
 * Reading a hart: a job is queued on the hart's thread (async_run_on_cpu) and the caller waits
 * for it with a timeout loop, so that a command cannot hang on a hart whose thread has ended
 * (a power-off while the command was on its way). The job owns its output buffer and a
 * reference count of two: the waiter's and the worker's; whoever drops the last frees it, so
 * a waiter that gives up leaves the job to the worker (or, if the work never runs, to the
 * queue's destructor, which only frees the item: one small leak at exit at worst). The job's
 * `done` (release by the worker, acquire by the waiter) publishes the output. */
#include "hw/monitor.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "cpu/cpu.h"
#include "cpu/mmu.h"
#include "hw/listen_socket.h"
#include "mm/address_space.h"
#include "mm/flush_stats.h"
#include "mm/tlb_flush.h"
#include "sync/vm_stop.h"
#include "sync/work.h"
#include "util/clock.h"
#include "util/futex.h"

#define JOB_WAIT_NS (5LL * 1000 * 1000 * 1000)   /* a running hart answers in microseconds */
#define X_MAX_BYTES 4096

static _Atomic bool stopping;          /* monitor_stop: waits give up */
/* Three front ends may run commands at once (the socket's thread, the console's input thread
 * with Ctrl-A c, the gdbstub's qRcmd): commands run one at a time under exec_lock, which
 * guards the two fields below. Not a hot path. */
static pthread_mutex_t exec_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned cur_hart;              /* `cpu N`; under exec_lock */
static bool monitor_stopped_vm;        /* `stop` parked the vCPUs; under exec_lock */

/* ---- jobs on a hart's thread -------------------------------------------------------------- */

typedef struct HartJob {
    _Atomic uint32_t done;
    _Atomic int refs;
    void (*fn)(RISCVCPU *cpu, FILE *out, void *arg);
    void *arg;
    char *text;                       /* open_memstream's buffer */
    size_t len;
    FILE *out;
    uint8_t arg_buf[64];              /* a copy of the caller's arguments */
} HartJob;

static void job_unref(HartJob *j)
{
    if (atomic_fetch_sub_explicit(&j->refs, 1, memory_order_acq_rel) == 1) {
        if (j->out) {
            fclose(j->out);
        }
        free(j->text);
        free(j);
    }
}

static void job_run(CPUState *cs, void *data)
{
    HartJob *j = data;
    j->fn(riscv_cpu_of(cs), j->out, j->arg);
    fflush(j->out);
    atomic_store_explicit(&j->done, 1, memory_order_release);
    futex_wake_all(&j->done);
    job_unref(j);
}

/* Runs fn on hart h's thread and copies what it wrote to out. */
static void on_hart(Machine *m, unsigned h, void (*fn)(RISCVCPU *, FILE *, void *),
                    const void *arg, size_t arg_size, FILE *out)
{
    HartJob *j = calloc(1, sizeof(*j));
    if (!j || arg_size > sizeof(j->arg_buf)) {
        free(j);
        fprintf(out, "out of memory\n");
        return;
    }
    j->out = open_memstream(&j->text, &j->len);
    if (!j->out) {
        free(j);
        fprintf(out, "out of memory\n");
        return;
    }
    if (arg_size) {
        memcpy(j->arg_buf, arg, arg_size);
    }
    j->arg = j->arg_buf;
    j->fn = fn;
    atomic_store_explicit(&j->refs, 2, memory_order_relaxed);
    if (async_run_on_cpu(CPU(m->cpus[h]), job_run, j) != 0) {
        job_unref(j);
        job_unref(j);
        fprintf(out, "out of memory\n");
        return;
    }
    int64_t deadline = clock_monotonic_ns() + JOB_WAIT_NS;
    while (!atomic_load_explicit(&j->done, memory_order_acquire)) {
        if (atomic_load_explicit(&stopping, memory_order_relaxed) ||
            clock_monotonic_ns() > deadline) {
            fprintf(out, "hart %u did not answer (is the machine ending?)\n", h);
            job_unref(j);
            return;
        }
        futex_wait_timeout(&j->done, 0, 50 * 1000 * 1000);
    }
    fwrite(j->text, 1, j->len, out);
    job_unref(j);
}

/* ---- per-hart views (run on the hart's own thread) -------------------------------------- */

static void show_registers(RISCVCPU *cpu, FILE *out, void *arg)
{
    (void)arg;
    riscv_cpu_dump_state(cpu, out, true);
}

static void show_cpu_line(RISCVCPU *cpu, FILE *out, void *arg)
{
    (void)arg;
    fprintf(out, "CPU #%u: pc=0x%016" PRIx64 " priv=%c%s\n", cpu->cs.index, cpu->pc,
            riscv_priv_name(cpu->priv), cpu->halted ? " (halted)" : "");
}

static void show_tlb(RISCVCPU *cpu, FILE *out, void *arg)
{
    (void)arg;
    fprintf(out, "hart %u TLB (satp %016" PRIx64 ", priv %c)\n", cpu->cs.index, cpu->satp,
            riscv_priv_name(cpu->priv));
    tlb_dump(&cpu->tlb, out);
}

static void show_mem(RISCVCPU *cpu, FILE *out, void *arg)
{
    (void)arg;
    riscv_dump_page_tables(cpu, out);
}

typedef struct XArgs {
    uint64_t addr;
    unsigned count, size;
    char fmt;
    bool physical;
} XArgs;

static void dump_x(const RISCVCPU *cpu, const XArgs *a, FILE *out)
{
    unsigned per_line = a->size == 8 ? 2 : a->size == 4 ? 4 : 8;
    enum debug_mem_view view = a->physical ? DEBUG_MEM_PHYSICAL : DEBUG_MEM_VIRTUAL;
    for (unsigned i = 0; i < a->count; i++) {
        uint64_t va = a->addr + (uint64_t)i * a->size, v = 0;
        if (i % per_line == 0) {
            fprintf(out, "%s%016" PRIx64 ":", i ? "\n" : "", va);
        }
        if (!riscv_debug_memory(cpu, view, va, &v, a->size, false)) {
            fprintf(out, " <cannot access 0x%" PRIx64 ">", va);
            break;
        }
        int64_t sv = a->size == 8 ? (int64_t)v : a->size == 4 ? (int32_t)v
                   : a->size == 2 ? (int16_t)v : (int8_t)v;
        switch (a->fmt) {
        case 'd': fprintf(out, " %" PRId64, sv); break;
        case 'u': fprintf(out, " %" PRIu64, v); break;
        default: fprintf(out, " 0x%0*" PRIx64, (int)(2 * a->size), v); break;
        }
    }
    fputc('\n', out);
}

static void show_x(RISCVCPU *cpu, FILE *out, void *arg)
{
    dump_x(cpu, arg, out);
}

/* ---- commands ------------------------------------------------------------------------------ */

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!s || !*s) {
        return false;
    }
    errno = 0;
    *v = strtoull(s, &end, 0);
    return errno == 0 && *end == '\0';
}

/* "/NFS" (count, format x|d|u, size b|h|w|g) in any order after the slash. */
static bool parse_xfmt(const char *f, XArgs *a)
{
    a->count = 1;
    a->size = 4;
    a->fmt = 'x';
    if (!f) {
        return true;
    }
    if (*f++ != '/') {
        return false;
    }
    char *end;
    unsigned long n = strtoul(f, &end, 10);
    if (end != f) {
        if (n == 0 || n > X_MAX_BYTES) {
            return false;
        }
        a->count = (unsigned)n;
        f = end;
    }
    for (; *f; f++) {
        switch (*f) {
        case 'x': case 'd': case 'u': a->fmt = *f; break;
        case 'b': a->size = 1; break;
        case 'h': a->size = 2; break;
        case 'w': a->size = 4; break;
        case 'g': a->size = 8; break;
        default: return false;
        }
    }
    return a->count * a->size <= X_MAX_BYTES;
}

static void show_mtree(Machine *m, FILE *out)
{
    urcu_memb_read_lock();
    const MemMap *map = machine_memmap(m);
    fprintf(out, "address-space: memory\n");
    for (unsigned i = 0; i < map->n; i++) {
        const MemRegion *r = &map->r[i];
        fprintf(out, "  %016" PRIx64 "-%016" PRIx64 " (prio %d, %s): %s\n", r->base,
                r->base + r->size - 1, r->priority,
                !r->host ? "i/o" : r->readonly ? "rom" : "ram", r->name ? r->name : "?");
    }
    urcu_memb_read_unlock();
}

static const char help_text[] =
    "cont|c                      resume the harts after stop\n"
    "cpu N                       select hart N for info registers/tlb/mem and x\n"
    "help|?                      this list\n"
    "info cpus                   every hart: pc, privilege, halted\n"
    "info flush                  remote flush requests and latencies so far (live)\n"
    "info mem                    the selected hart's page tables, as ranges\n"
    "info mtree                  the physical memory map\n"
    "info registers [-a]         the selected hart's registers (-a: every hart)\n"
    "info tlb [N]                hart N's (default: the selected hart's) TLB entries\n"
    "quit|q                      power off and exit (status 0)\n"
    "stop                        park every hart\n"
    "system_reset                reset the machine\n"
    "x /fmt ADDR                 virtual memory as the selected hart sees it (fmt: count, x|d|u, b|h|w|g)\n"
    "xp /fmt ADDR                physical memory\n";

static void execute_locked(Machine *m, const char *line, FILE *out);

void monitor_execute(Machine *m, const char *line, FILE *out)
{
    pthread_mutex_lock(&exec_lock);
    execute_locked(m, line, out);
    pthread_mutex_unlock(&exec_lock);
}

static void execute_locked(Machine *m, const char *line, FILE *out)
{
    char buf[256];
    char *argv[8];
    int argc = 0;
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *save = NULL, *t = strtok_r(buf, " \t\r\n", &save); t && argc < 8;
         t = strtok_r(NULL, " \t\r\n", &save)) {
        argv[argc++] = t;
    }
    if (argc == 0) {
        return;
    }
    /* "x/4xw ADDR" as well as "x /4xw ADDR" */
    char fmt_attached[32];
    const char *fmt = NULL;
    char *slash = strchr(argv[0], '/');
    if (slash && ((slash == argv[0] + 1 && argv[0][0] == 'x') ||
                  (slash == argv[0] + 2 && strncmp(argv[0], "xp", 2) == 0))) {
        snprintf(fmt_attached, sizeof(fmt_attached), "%s", slash);
        *slash = '\0';
        fmt = fmt_attached;
    }
    const char *cmd = argv[0];
    unsigned n = m->n_cpus;
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "?") == 0) {
        fputs(help_text, out);
    } else if (strcmp(cmd, "info") == 0 && argc >= 2) {
        const char *what = argv[1];
        if (strcmp(what, "registers") == 0) {
            bool all = argc >= 3 && strcmp(argv[2], "-a") == 0;
            for (unsigned h = 0; h < n; h++) {
                if (all || h == cur_hart) {
                    on_hart(m, h, show_registers, NULL, 0, out);
                }
            }
        } else if (strcmp(what, "cpus") == 0) {
            for (unsigned h = 0; h < n; h++) {
                fputs(h == cur_hart ? "* " : "  ", out);
                on_hart(m, h, show_cpu_line, NULL, 0, out);
            }
        } else if (strcmp(what, "tlb") == 0) {
            uint64_t h = cur_hart;
            if (argc >= 3 && (!parse_u64(argv[2], &h) || h >= n)) {
                fprintf(out, "no hart %s (0..%u)\n", argv[2], n - 1);
                return;
            }
            on_hart(m, (unsigned)h, show_tlb, NULL, 0, out);
        } else if (strcmp(what, "mem") == 0) {
            on_hart(m, cur_hart, show_mem, NULL, 0, out);
        } else if (strcmp(what, "mtree") == 0) {
            show_mtree(m, out);
        } else if (strcmp(what, "flush") == 0) {
            flush_stats_print_live(out, tlb_flush_get_mode() == TLB_FLUSH_MODE_QEMU ? "qemu"
                                                                               : "mailbox");
        } else {
            fprintf(out, "unknown info item '%s' (help lists them)\n", what);
        }
    } else if (strcmp(cmd, "x") == 0 || strcmp(cmd, "xp") == 0) {
        XArgs a = { .physical = cmd[1] == 'p' };
        const char *addr = NULL;
        if (fmt && argc == 2) {
            addr = argv[1];
        } else if (!fmt && argc == 3) {
            fmt = argv[1];
            addr = argv[2];
        } else if (!fmt && argc == 2) {
            addr = argv[1];
        }
        if (!addr || !parse_xfmt(fmt, &a) || !parse_u64(addr, &a.addr)) {
            fprintf(out, "usage: %s /fmt ADDR (fmt: count, x|d|u, b|h|w|g; at most %u bytes)\n",
                    cmd, X_MAX_BYTES);
            return;
        }
        if (a.physical) {
            dump_x(m->cpus[cur_hart], &a, out);   /* physical: any thread */
        } else {
            on_hart(m, cur_hart, show_x, &a, sizeof(a), out);
        }
    } else if (strcmp(cmd, "cpu") == 0) {
        uint64_t h;
        if (argc != 2 || !parse_u64(argv[1], &h) || h >= n) {
            fprintf(out, "usage: cpu N (0..%u)\n", n - 1);
            return;
        }
        cur_hart = (unsigned)h;
    } else if (strcmp(cmd, "stop") == 0) {
        if (!monitor_stopped_vm) {
            vm_stop_request();
            monitor_stopped_vm = vm_stop_wait_all(JOB_WAIT_NS);
            if (!monitor_stopped_vm) {
                vm_resume();
                fprintf(out, "the harts did not stop (is the machine ending?)\n");
            }
        }
    } else if (strcmp(cmd, "cont") == 0 || strcmp(cmd, "c") == 0) {
        if (monitor_stopped_vm || vm_stop_requested()) {     /* `stop`, or -S */
            monitor_stopped_vm = false;
            vm_resume();
        }
    } else if (strcmp(cmd, "system_reset") == 0) {
        machine_request(m, MACHINE_RESET, 0);
    } else if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "q") == 0) {
        machine_request(m, MACHINE_POWEROFF, 0);
        if (monitor_stopped_vm) {
            monitor_stopped_vm = false;
            vm_resume();
        }
    } else {
        fprintf(out, "unknown command: '%s' (help lists them)\n", cmd);
    }
}

/* ---- the socket backend ---------------------------------------------------------------------- */

static struct {
    Machine *m;
    SocketServer srv;
} mon = { .srv = SOCKET_SERVER_INIT };

static void serve_client(int fd)
{
    FILE *out = fdopen(dup(fd), "w");
    if (!out) {
        return;
    }
    fprintf(out, "tlbstorm monitor - type 'help' for more information\n(qemu) ");
    fflush(out);
    char line[512];
    size_t len = 0;
    for (;;) {
        struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
                                 { .fd = mon.srv.wake_fd, .events = POLLIN } };
        if (poll(pfd, 2, 200) < 0 && errno != EINTR) {
            break;
        }
        if (pfd[1].revents || machine_pending_request(mon.m) == MACHINE_POWEROFF) {
            break;
        }
        if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            continue;
        }
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r <= 0) {
            break;
        }
        if (c != '\n') {
            if (len < sizeof(line) - 1) {
                line[len++] = c;
            }
            continue;
        }
        line[len] = '\0';
        len = 0;
        monitor_execute(mon.m, line, out);
        if (machine_pending_request(mon.m) == MACHINE_POWEROFF) {
            break;
        }
        fputs("(qemu) ", out);
        if (fflush(out) != 0) {
            break;
        }
    }
    fclose(out);
}

static void *monitor_thread(void *arg)
{
    (void)arg;
    urcu_memb_register_thread();
    for (;;) {
        int fd = socket_server_accept(&mon.srv);
        if (fd < 0) {
            break;
        }
        serve_client(fd);
        close(fd);
    }
    urcu_memb_unregister_thread();
    return NULL;
}

int monitor_start(Machine *m, const char *spec, Error **errp)
{
    if (strcmp(spec, "none") == 0) {
        return 0;
    }
    /* Split "ADDRESS,opt,opt": only a listening server without waiting is supported. */
    char addr[256];
    const char *comma = strchr(spec, ',');
    size_t alen = comma ? (size_t)(comma - spec) : strlen(spec);
    if (alen >= sizeof(addr)) {
        error_setg(errp, "-monitor %s: address too long", spec);
        return -1;
    }
    memcpy(addr, spec, alen);
    addr[alen] = '\0';
    bool server = false, nowait = false;
    for (const char *o = comma; o && *o; o = strchr(o + 1, ',')) {
        const char *opt = o + 1;
        size_t ol = strcspn(opt, ",");
        if ((ol == 6 && strncmp(opt, "server", 6) == 0) ||
            (ol == 9 && strncmp(opt, "server=on", 9) == 0)) {
            server = true;
        } else if ((ol == 6 && strncmp(opt, "nowait", 6) == 0) ||
                   (ol == 8 && strncmp(opt, "wait=off", 8) == 0)) {
            nowait = true;
        } else {
            error_setg(errp, "-monitor %s: unsupported option '%.*s'", spec, (int)ol, opt);
            return -1;
        }
    }
    if (strcmp(addr, "stdio") == 0) {
        error_setg(errp, "-monitor stdio: stdio is the serial console here "
                   "(use a socket: -monitor unix:PATH,server,nowait)");
        return -1;
    }
    if (strncmp(addr, "unix:", 5) != 0 && strncmp(addr, "tcp:", 4) != 0) {
        error_setg(errp, "-monitor %s: want unix:PATH,server,nowait or "
                   "tcp:[HOST]:PORT,server,nowait", spec);
        return -1;
    }
    if (!server || !nowait) {
        error_setg(errp, "-monitor %s: only server,nowait sockets are supported", spec);
        return -1;
    }
    mon.m = m;
    return socket_server_start(&mon.srv, addr, "-monitor", monitor_thread, NULL, errp);
}

void monitor_stop(void)
{
    atomic_store_explicit(&stopping, true, memory_order_relaxed);
    socket_server_stop(&mon.srv);
}
