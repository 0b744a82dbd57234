/* The progress line on stderr.
 *
 * Sharing the terminal. Guest output (the UART on stdout, HTIF) and the emulator's messages
 * go to the same terminal as the line when stdout and stderr are one terminal, as with QEMU's
 * -nographic console. The line must never garble them, so:
 *   - it is drawn as "\r\033[K" + text, with no newline, and only when the cursor is at the
 *     start of an empty line: the last byte anyone else wrote to the terminal was '\n' (or
 *     nothing was written). A guest prompt ("login: ") or a guest's own "\r" status line is
 *     never overwritten;
 *   - it is drawn only after the terminal has been quiet for PROGRESS_QUIET_NS, so a guest
 *     that prints continuously (a kernel boot log) shows no line and pays nothing but the lock;
 *   - every other writer brackets its write with progress_output_begin/end, which erase the
 *     line first ("\r\033[K": the cursor goes back to where the writer's output belongs) and
 *     keep the drawing thread out until the write is complete. progress_stop erases it too.
 * This is simpler and more robust than printing the line on its own every N seconds (which
 * would scroll the guest's output away) or saving and restoring the cursor (which the guest's
 * own escape sequences would break).
 *
 * Counters. Guest instructions are the sum of every vCPU's instret, read with relaxed loads
 * (cpu_instret): each value is at most a TB old, and the sum is not a snapshot of one
 * instant, which a progress display does not need. A reset or a guest write to minstret
 * moves instret back; the rate then shows 0 for a second. Flush requests come from
 * flush_stats_remote_requests (relaxed loads as well). */
#include "hw/progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "hw/machine.h"
#include "mm/flush_stats.h"
#include "util/clock.h"
#include "util/fd_write.h"
#include "util/thread.h"

#define PROGRESS_TICK_NS 250000000LL      /* counters are sampled this often */
#define PROGRESS_DELAY_NS 2000000000LL    /* no line during the first 2 s: short runs stay clean */
#define PROGRESS_PERIOD_NS 500000000LL    /* redrawn at most twice a second */
#define PROGRESS_QUIET_NS 1000000000LL    /* the terminal must have been quiet this long */
#define RATE_SAMPLES 5                    /* rates over the last 4 ticks: one second */

static const char erase_seq[] = "\r\033[K";

/* Any thread: whether output_begin has to take the lock. Stored (release) by progress_start
 * after stdout_shared and before any vCPU starts; cleared by progress_stop. A writer that
 * still sees it set after the stop only takes the (static, never destroyed) lock and finds
 * nothing shown, which is harmless. */
static _Atomic bool active;
static bool stdout_shared;        /* stdout is the terminal stderr is on; read-only while active */

static struct {
    pthread_mutex_t lock;         /* serialises drawing against other writers' output */
    pthread_cond_t cond;          /* progress_stop wakes the thread with it */
    /* Under lock. */
    bool stop;
    bool shown;                   /* the line is on the terminal now */
    bool at_line_start;           /* the last byte another writer wrote was '\n' (or none) */
    uint64_t out_seq;             /* bumped by every progress_output_end */
    /* Main thread. */
    bool started;
    pthread_t thread;
    const Machine *m;
} pg = { .lock = PTHREAD_MUTEX_INITIALIZER, .at_line_start = true };

/* ---- other writers ---------------------------------------------------------------------- */

bool progress_output_begin(int fd)
{
    if (!atomic_load_explicit(&active, memory_order_acquire) ||
        !(fd == STDERR_FILENO || (fd == STDOUT_FILENO && stdout_shared))) {
        return false;
    }
    pthread_mutex_lock(&pg.lock);
    if (pg.shown) {
        (void)fd_write_all(STDERR_FILENO, erase_seq, sizeof(erase_seq) - 1);
        pg.shown = false;
    }
    return true;
}

void progress_output_end(bool held, int last_byte)
{
    if (!held) {
        return;
    }
    if (last_byte >= 0) {
        pg.at_line_start = last_byte == '\n';
    }
    pg.out_seq++;
    pthread_mutex_unlock(&pg.lock);
}

/* ---- the drawing thread ----------------------------------------------------------------- */

typedef struct Sample {
    int64_t ns;
    uint64_t insns;
    uint64_t flushes;
} Sample;

static uint64_t instret_sum(const Machine *m)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < m->n_cpus; i++) {
        n += cpu_instret(m->cpus[i]);
    }
    return n;
}

/* v with thousands separators ("4,561,234,567"). */
static void format_grouped(char *buf, size_t size, uint64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            buf[o++] = ',';
        }
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* Per second between two samples; 0 when the counter went back (reset, minstret write). */
static double rate(uint64_t from, uint64_t to, int64_t dt_ns)
{
    return to >= from && dt_ns > 0 ? (double)(to - from) * 1e9 / (double)dt_ns : 0.0;
}

/* Under lock. */
static void draw_locked(int64_t elapsed_ns, const Sample *old, const Sample *now)
{
    char insns[32], flushes[32], text[160], line[sizeof(erase_seq) + sizeof(text)];
    format_grouped(insns, sizeof(insns), now->insns);
    format_grouped(flushes, sizeof(flushes),
                   (uint64_t)(rate(old->flushes, now->flushes, now->ns - old->ns) + 0.5));
    int len = snprintf(text, sizeof(text), "tlbstorm: %.1f s, %s insns, %.1f MIPS, %s flushes/s",
                       (double)elapsed_ns / 1e9, insns,
                       rate(old->insns, now->insns, now->ns - old->ns) / 1e6, flushes);
    if (len < 0) {
        return;
    }
    size_t n = (size_t)len < sizeof(text) ? (size_t)len : sizeof(text) - 1;
    /* A line that wraps cannot be erased with "\r\033[K": cut it short of the last column. */
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n > ws.ws_col - 1u) {
        n = ws.ws_col - 1u;
    }
    memcpy(line, erase_seq, sizeof(erase_seq) - 1);
    memcpy(line + sizeof(erase_seq) - 1, text, n);
    (void)fd_write_all(STDERR_FILENO, line, sizeof(erase_seq) - 1 + n);
    pg.shown = true;
}

static void timespec_add_ns(struct timespec *ts, int64_t ns)
{
    ts->tv_nsec += ns % 1000000000LL;
    ts->tv_sec += ns / 1000000000LL;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_nsec -= 1000000000L;
        ts->tv_sec++;
    }
}

static void *progress_thread(void *arg)
{
    (void)arg;
    const Machine *m = pg.m;
    Sample ring[RATE_SAMPLES];
    unsigned n_samples = 0;
    int64_t start = clock_monotonic_ns(), last_draw = 0, quiet_since = start;
    uint64_t seen_seq = 0;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);

    pthread_mutex_lock(&pg.lock);
    seen_seq = pg.out_seq;
    while (!pg.stop) {
        timespec_add_ns(&deadline, PROGRESS_TICK_NS);
        /* Until the deadline (or an error, treated alike), ignoring spurious wake-ups. */
        while (!pg.stop && pthread_cond_timedwait(&pg.cond, &pg.lock, &deadline) == 0) {
        }
        if (pg.stop) {
            break;
        }
        int64_t now = clock_monotonic_ns();
        Sample *s = &ring[n_samples % RATE_SAMPLES];
        *s = (Sample){ now, instret_sum(m), flush_stats_remote_requests() };
        n_samples++;
        const Sample *old = &ring[n_samples < RATE_SAMPLES ? 0 : n_samples % RATE_SAMPLES];
        if (pg.out_seq != seen_seq) {
            seen_seq = pg.out_seq;
            quiet_since = now;
        }
        if (now - start >= PROGRESS_DELAY_NS && now - quiet_since >= PROGRESS_QUIET_NS &&
            pg.at_line_start && now - last_draw >= PROGRESS_PERIOD_NS) {
            draw_locked(now - start, old, s);
            last_draw = now;
        }
        struct timespec cur;
        clock_gettime(CLOCK_MONOTONIC, &cur);
        if (cur.tv_sec > deadline.tv_sec + 1) {
            deadline = cur;       /* fell far behind (host suspended): do not catch up */
        }
    }
    pthread_mutex_unlock(&pg.lock);
    return NULL;
}

/* ---- start and stop --------------------------------------------------------------------- */

static bool same_terminal(int a, int b)
{
    struct stat sa, sb;
    return isatty(a) && isatty(b) && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
           sa.st_rdev == sb.st_rdev;
}

void progress_start(const Machine *m)
{
    if (pg.started || !isatty(STDERR_FILENO)) {
        return;
    }
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        return;
    }
    bool ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
              pthread_cond_init(&pg.cond, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok) {
        return;
    }
    pg.m = m;
    pg.stop = false;
    stdout_shared = same_terminal(STDOUT_FILENO, STDERR_FILENO);
    int rc = thread_create_without_signals(&pg.thread, progress_thread, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&pg.cond);
        return;
    }
    pg.started = true;
    /* Release: pairs with the acquire load in progress_output_begin (stdout_shared). */
    atomic_store_explicit(&active, true, memory_order_release);
}

void progress_stop(void)
{
    if (!pg.started) {
        return;
    }
    atomic_store_explicit(&active, false, memory_order_relaxed);
    pthread_mutex_lock(&pg.lock);
    pg.stop = true;
    pthread_cond_signal(&pg.cond);
    pthread_mutex_unlock(&pg.lock);
    pthread_join(pg.thread, NULL);
    pthread_mutex_lock(&pg.lock);
    if (pg.shown) {
        (void)fd_write_all(STDERR_FILENO, erase_seq, sizeof(erase_seq) - 1);
        pg.shown = false;
    }
    pthread_mutex_unlock(&pg.lock);
    pthread_cond_destroy(&pg.cond);
    pg.started = false;
}
