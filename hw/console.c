/* The stdio console backend for the NS16550A.
 *
 * Input. One thread polls the input fd and an eventfd (wake_fd). It reads a chunk, passes it
 * through the Ctrl-A escape (terminals only) and hands the result to the UART with
 * ns16550_receive_buf. While the UART refuses bytes it does not read the input fd at all:
 * the bytes wait in the kernel's pipe or terminal buffer, and a slow guest slows the writer
 * instead of losing input. The UART's space notifier writes wake_fd, so the thread sleeps in
 * poll rather than spinning; console_stop writes wake_fd too, so poll doubles as the
 * interruptible wait (a self-pipe, as an eventfd).
 *
 * Terminal. Raw mode is entered with TCSANOW (typeahead is kept: it is guest input) and the
 * saved settings are restored by whichever comes first of console_stop, the atexit handler
 * and the fatal-signal handlers; `tty_raw` is exchanged to 0 so that exactly one restores.
 * Output processing (OPOST) is left as it was, so guests that print bare "\n" still get
 * their carriage returns on a shared terminal.
 *
 * Output. console_tx writes each byte with write(2), called by the UART outside its register
 * lock but under its transmit lock, so bytes keep the order of the THR writes while other
 * registers stay usable. A full output (a pipe nobody drains) blocks the writing vCPU, as a
 * slow serial line would, but never past the start of termination: a termination signal,
 * Ctrl-A x or a closed output makes `out_abort_fd` readable, and from then on console_tx
 * drops its bytes instead of waiting (`output_dropped`). A closed output pipe (EPIPE; SIGPIPE
 * is ignored by main) ends the run like a termination signal, with status 128 + SIGPIPE.
 * Every write to the terminal is bracketed by progress_output_begin/end, so the progress line
 * (hw/progress.c) is erased first and never drawn in the middle of a guest line. Messages
 * the console thread prints while the run ends wait at most a second for room on stderr. */
#include "hw/console.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include "hw/progress.h"
#include "util/fd_write.h"
#include "util/thread.h"
#include "util/tsan.h"

#define CONSOLE_CHUNK 256

const char console_escape_help[] =
    "C-a h    print this help\n"
    "C-a x    exit emulator\n"
    "C-a c    switch between console and monitor\n"
    "C-a C-a  sends C-a\n";

static const char console_quit_msg[] = "tlbstorm: terminated\n";

/* The output fd for console_tx: relaxed atomic, set by console_start before vCPUs run (the
 * thread start that follows orders it for them). */
static _Atomic int console_out_fd = STDOUT_FILENO;

/* Termination has begun: console_tx drops output. out_abort_fd is an eventfd, -1 while no
 * console runs, written (never drained) by abort_output so that a console_tx waiting for room
 * in the output wakes up; output_dropped lets later calls skip the wait. Both written by any
 * thread or a signal handler; relaxed, because a console_tx that misses the flag still sees
 * the eventfd readable in its poll (the kernel orders the eventfd write and the poll). */
static _Atomic int out_abort_fd = -1;
static atomic_bool output_dropped;

/* How long a message of the console thread waits for room on stderr while the run ends. */
#define CONSOLE_MSG_TIMEOUT_MS 1000

/* The running console. Written by the main thread in console_start before the input thread
 * is created and read-only until console_stop has joined it, except `stop`. */
static struct {
    bool running;
    NS16550State *uart;
    int in_fd;
    int wake_fd;                 /* eventfd: the UART's space notifier and console_stop */
    bool escapes;                /* in_fd is a terminal: interpret Ctrl-A */
    void (*quit)(void *opaque, int status);
    void *quit_opaque;
    pthread_t thread;
    _Atomic bool stop;           /* release by console_stop, acquire by the input thread */
    /* -serial mon:stdio: set before console_start; in_monitor and the line are the input
     * thread's. */
    void (*monitor)(void *opaque, const char *line, FILE *out);
    void *monitor_opaque;
    bool in_monitor;
    char line[256];
    size_t line_len;
} con = { .in_fd = -1, .wake_fd = -1 };

/* Terminal restore state, shared with the signal and atexit handlers. tty_saved and tty_fd
 * are written before tty_raw is set to 1 (seq_cst store; the handlers' exchange pairs with
 * it) and not changed while it is 1. */
static struct termios tty_saved;
static int tty_fd = -1;
static atomic_int tty_raw;
static bool atexit_registered;   /* main thread */

/* Termination signals end the run cleanly: the first makes the input thread ask the machine
 * to power off with status 128 + signal (the main thread then writes statistics and closes the
 * block devices, which flushes them); a second one restores the terminal and exits at once.
 * Installed while the console runs. */
static const int term_signals[] = { SIGTERM, SIGINT, SIGHUP };
#define N_TERM (sizeof(term_signals) / sizeof(term_signals[0]))
/* Fault signals only restore the terminal before the previous action runs. Installed while
 * the terminal is in raw mode. */
static const int fatal_signals[] = { SIGSEGV, SIGABRT };
#define N_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

typedef struct {
    struct sigaction old;        /* valid where installed */
    bool installed;
} SavedAction;
static SavedAction term_saved[N_TERM], fatal_saved[N_FATAL];

/* The first termination signal, 0 before one: the handler's compare-exchange (seq_cst) picks
 * the first; the input thread reads it after the handler's eventfd write woke it. */
static atomic_int term_signal;
static bool term_handled;        /* input thread */

/* ---- the escape state machine ------------------------------------------------------- */

enum console_escape_action console_escape_feed(ConsoleEscape *e, uint8_t byte, uint8_t *out)
{
    if (!e->pending) {
        if (byte == CONSOLE_ESCAPE_CHAR) {
            e->pending = true;
            return CONSOLE_ESC_DROP;
        }
        *out = byte;
        return CONSOLE_ESC_FORWARD;
    }
    e->pending = false;
    switch (byte) {
    case CONSOLE_ESCAPE_CHAR:
        *out = CONSOLE_ESCAPE_CHAR;
        return CONSOLE_ESC_FORWARD;
    case 'x':
        return CONSOLE_ESC_QUIT;
    case 'h':
        return CONSOLE_ESC_HELP;
    case 'c':
        return CONSOLE_ESC_MONITOR;
    default:
        return CONSOLE_ESC_DROP;
    }
}

/* ---- output ------------------------------------------------------------------------- */

static void console_output_closed(void);

/* Async-signal-safe: from now on console output is dropped, and a writer waiting for room
 * stops waiting. */
static void abort_output(void)
{
    atomic_store_explicit(&output_dropped, true, memory_order_relaxed);
    int fd = atomic_load_explicit(&out_abort_fd, memory_order_relaxed);
    if (fd >= 0) {
        uint64_t one = 1;
        if (write(fd, &one, sizeof(one)) < 0) {
            /* EAGAIN: the counter is saturated, so it is readable already. */
        }
    }
}

void console_tx(void *opaque, uint8_t byte)
{
    (void)opaque;
    if (atomic_load_explicit(&output_dropped, memory_order_relaxed)) {
        return;
    }
    int fd = atomic_load_explicit(&console_out_fd, memory_order_relaxed);
    bool held = progress_output_begin(fd);
    if (!fd_write_unless(fd, &byte, 1,
                         atomic_load_explicit(&out_abort_fd, memory_order_relaxed))) {
        /* ECANCELED: the run is ending. EPIPE: nobody reads the output any more; the run
         * ends as on SIGPIPE. Anything else (EIO on a hung-up terminal): the byte is lost, as
         * on a disconnected serial line. */
        if (errno == EPIPE) {
            console_output_closed();
        }
    }
    progress_output_end(held, byte);
}

/* ---- terminal ----------------------------------------------------------------------- */

/* Async-signal-safe. */
static void tty_restore(void)
{
    if (atomic_exchange_explicit(&tty_raw, 0, memory_order_seq_cst)) {
        tcsetattr(tty_fd, TCSANOW, &tty_saved);
    }
}

static void tty_restore_atexit(void)
{
    tty_restore();
}

static void console_fatal_signal(int sig, siginfo_t *info, void *uctx)
{
    int saved_errno = errno;
    tty_restore();
    for (size_t i = 0; i < N_FATAL; i++) {
        if (fatal_signals[i] != sig) {
            continue;
        }
        const struct sigaction *old = &fatal_saved[i].old;
        if (old->sa_flags & SA_SIGINFO) {
            old->sa_sigaction(sig, info, uctx);
        } else if (old->sa_handler == SIG_DFL) {
            struct sigaction dfl = { .sa_handler = SIG_DFL };
            sigemptyset(&dfl.sa_mask);
            sigaction(sig, &dfl, NULL);
            raise(sig);   /* pending while blocked here: delivered when the handler returns */
        } else if (old->sa_handler != SIG_IGN) {
            old->sa_handler(sig);
        }
    }
    errno = saved_errno;
}

static void console_wake(void *opaque);

/* Async-signal-safe: atomics, write(2) and _exit only. */
static void console_term_signal(int sig, siginfo_t *info, void *uctx)
{
    (void)info;
    (void)uctx;
    int saved_errno = errno;
    int none = 0;
    if (!atomic_compare_exchange_strong(&term_signal, &none, sig)) {
        static const char forced[] = "tlbstorm: second signal, exiting now\n";
        tty_restore();
        fd_write_within(STDERR_FILENO, forced, sizeof(forced) - 1, 0);
        tsan_exit_unjoined(128 + sig);   /* _exit; vCPU threads stay unjoined on purpose */
    }
    abort_output();   /* a vCPU blocked on a full stdout must get to its exit */
    console_wake(&con.wake_fd);
    errno = saved_errno;
}

static void install_actions(SavedAction *saved, const int *sigs, size_t n,
                            void (*handler)(int, siginfo_t *, void *))
{
    for (size_t i = 0; i < n; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) != 0 ||
            (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN)) {
            continue;   /* ignored signals (nohup) cannot end the process: leave them */
        }
        saved[i].old = old;
        /* Keep the old handler's mask and stack/restart behaviour for when we chain to it. */
        struct sigaction sa = { .sa_sigaction = handler,
                                .sa_mask = old.sa_mask,
                                .sa_flags = SA_SIGINFO |
                                            (old.sa_flags & (SA_RESTART | SA_ONSTACK)) };
        saved[i].installed = sigaction(sigs[i], &sa, NULL) == 0;
    }
}

static void restore_actions(SavedAction *saved, const int *sigs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (saved[i].installed) {
            sigaction(sigs[i], &saved[i].old, NULL);
            saved[i].installed = false;
        }
    }
}

/* Raw input: no echo, no canonical editing, no signal or flow-control keys, no CR/NL
 * translation, 8-bit clean; reads return as soon as one byte is there. */
static int tty_enter_raw(int fd, Error **errp)
{
    struct termios raw;
    if (tcgetattr(fd, &tty_saved) != 0) {
        int e = errno;
        error_setg(errp, "console: cannot read terminal settings: %s", strerror(e));
        return -e;
    }
    tty_fd = fd;
    if (!atexit_registered) {
        if (atexit(tty_restore_atexit) != 0) {
            error_setg(errp, "console: cannot register the terminal restore handler");
            return -ENOMEM;
        }
        atexit_registered = true;
    }
    /* From here a handler may restore the (still unchanged) settings at any time. */
    atomic_store_explicit(&tty_raw, 1, memory_order_seq_cst);
    install_actions(fatal_saved, fatal_signals, N_FATAL, console_fatal_signal);
    raw = tty_saved;
    raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
                               IXON | IXOFF);
    raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &raw) != 0) {
        int e = errno;
        tty_restore();
        restore_actions(fatal_saved, fatal_signals, N_FATAL);
        error_setg(errp, "console: cannot set raw mode: %s", strerror(e));
        return -e;
    }
    return 0;
}

static void tty_leave_raw(void)
{
    tty_restore();
    restore_actions(fatal_saved, fatal_signals, N_FATAL);
}

/* ---- the input thread --------------------------------------------------------------- */

/* The UART's space notifier, called under the UART lock: never blocks (eventfd counter). */
static void console_wake(void *opaque)
{
    int fd = *(const int *)opaque;
    uint64_t one = 1;
    if (write(fd, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is saturated, so a wake-up is pending anyway. */
    }
}

static void drain_wake_fd(void)
{
    uint64_t count;
    if (read(con.wake_fd, &count, sizeof(count)) < 0) {
        /* EAGAIN: nothing was pending (the fd is non-blocking). */
    }
}

static bool stop_requested(void)
{
    return atomic_load_explicit(&con.stop, memory_order_acquire);
}

void console_set_monitor(void (*execute)(void *opaque, const char *line, FILE *out),
                         void *opaque)
{
    con.monitor = execute;
    con.monitor_opaque = opaque;
}

/* Text for the terminal from the input thread, between guest output bytes. */
static void term_write(const char *s, size_t n)
{
    bool held = progress_output_begin(STDOUT_FILENO);
    fd_write_within(STDOUT_FILENO, s, n, CONSOLE_MSG_TIMEOUT_MS);
    progress_output_end(held, n ? s[n - 1] : '\n');
}

static void term_puts(const char *s)
{
    term_write(s, strlen(s));
}

/* A byte typed while the monitor has the terminal: a tiny line editor (raw mode does no
 * echo): printable bytes are echoed and kept, backspace erases, Enter runs the line. */
static void monitor_input(uint8_t c)
{
    if (c == '\r' || c == '\n') {
        /* Output processing stays as the terminal had it (see "Terminal" above): a bare
         * newline, like the guest's, gets its carriage return there. */
        term_puts("\n");
        con.line[con.line_len] = '\0';
        con.line_len = 0;
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        if (out) {
            con.monitor(con.monitor_opaque, con.line, out);
            fclose(out);
            term_write(text, len);
            free(text);
        }
        term_puts("(qemu) ");
    } else if (c == 0x7f || c == 0x08) {
        if (con.line_len) {
            con.line_len--;
            term_puts("\b \b");
        }
    } else if (c >= 0x20 && c < 0x7f && con.line_len < sizeof(con.line) - 1) {
        con.line[con.line_len++] = (char)c;
        term_write((const char *)&c, 1);
    }
}

/* Runs the escape over raw input; appends guest bytes to fwd. Returns false after Ctrl-A x. */
static bool filter_input(ConsoleEscape *esc, const uint8_t *in, size_t n, uint8_t *fwd,
                         size_t *fwd_len)
{
    for (size_t i = 0; i < n; i++) {
        if (!con.escapes) {
            fwd[(*fwd_len)++] = in[i];
            continue;
        }
        uint8_t out;
        switch (console_escape_feed(esc, in[i], &out)) {
        case CONSOLE_ESC_FORWARD:
            if (con.in_monitor) {
                monitor_input(out);
            } else {
                fwd[(*fwd_len)++] = out;
            }
            break;
        case CONSOLE_ESC_MONITOR:
            if (con.monitor) {
                con.in_monitor = !con.in_monitor;
                con.line_len = 0;
                term_puts(con.in_monitor ? "\ntlbstorm monitor - type 'help' for more "
                                           "information\n(qemu) " : "\n");
            }
            break;
        case CONSOLE_ESC_DROP:
            break;
        case CONSOLE_ESC_HELP: {
            bool held = progress_output_begin(STDERR_FILENO);
            fd_write_all(STDERR_FILENO, console_escape_help, sizeof(console_escape_help) - 1);
            progress_output_end(held, '\n');
            break;
        }
        case CONSOLE_ESC_QUIT: {
            abort_output();
            if (con.quit) {
                con.quit(con.quit_opaque, 0);
            }
            bool held = progress_output_begin(STDERR_FILENO);
            fd_write_within(STDERR_FILENO, console_quit_msg, sizeof(console_quit_msg) - 1,
                            CONSOLE_MSG_TIMEOUT_MS);
            progress_output_end(held, '\n');
            return false;
        }
        }
    }
    return true;
}

/* A termination signal arrived (its handler woke us), or console_tx found the output closed:
 * ask for the power-off, once, then say why. */
static void handle_term_signal(void)
{
    int sig = atomic_load(&term_signal);
    if (!sig || term_handled) {
        return;
    }
    term_handled = true;
    abort_output();
    if (con.quit && sig != SIGPIPE) {   /* console_output_closed asked already */
        con.quit(con.quit_opaque, 128 + sig);
    }
    char msg[96];
    int n;
    if (sig == SIGPIPE) {
        n = snprintf(msg, sizeof(msg), "tlbstorm: console output closed (broken pipe), "
                     "terminating\n");
    } else {
        const char *abbrev = sigabbrev_np(sig);
        n = snprintf(msg, sizeof(msg), "tlbstorm: terminating on signal %d (SIG%s)\n", sig,
                     abbrev ? abbrev : "?");
    }
    bool held = progress_output_begin(STDERR_FILENO);
    fd_write_within(STDERR_FILENO, msg, (size_t)n, CONSOLE_MSG_TIMEOUT_MS);
    progress_output_end(held, '\n');
}

/* console_tx met EPIPE: the run ends as on a termination signal (SIGPIPE itself is ignored,
 * so that the statistics and trace the user asked for are still written). Any thread. */
static void console_output_closed(void)
{
    abort_output();
    int none = 0;
    if (!atomic_compare_exchange_strong(&term_signal, &none, SIGPIPE)) {
        return;   /* the run is ending already */
    }
    /* The power-off is asked for here, on the writing vCPU, so that the guest cannot power
     * off with its own status in between; the console thread only says why. con.quit and
     * con.wake_fd are set before vCPUs start and cleared after they are joined. */
    if (con.quit) {
        con.quit(con.quit_opaque, 128 + SIGPIPE);
    }
    if (con.wake_fd >= 0) {
        console_wake(&con.wake_fd);
    }
}

static void *console_thread(void *arg)
{
    (void)arg;
    uint8_t raw[CONSOLE_CHUNK], fwd[CONSOLE_CHUNK];
    size_t fwd_pos = 0, fwd_len = 0;   /* fwd[fwd_pos, fwd_len) still to hand to the UART */
    bool in_open = true;               /* false after EOF, a read error or Ctrl-A x */
    ConsoleEscape esc = { false };

    while (!stop_requested()) {
        handle_term_signal();
        if (fwd_pos < fwd_len) {
            fwd_pos += ns16550_receive_buf(con.uart, fwd + fwd_pos, fwd_len - fwd_pos);
            if (fwd_pos == fwd_len) {
                fwd_pos = fwd_len = 0;
                continue;
            }
            /* The FIFO is full and the notifier is armed: sleep until it or stop fires. */
            struct pollfd pfd = { .fd = con.wake_fd, .events = POLLIN };
            if (poll(&pfd, 1, -1) > 0) {
                drain_wake_fd();
            }
            continue;
        }
        struct pollfd pfd[2] = {
            { .fd = con.wake_fd, .events = POLLIN },
            { .fd = con.in_fd, .events = POLLIN },
        };
        int r = poll(pfd, in_open ? 2 : 1, -1);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == ENOMEM) {
                continue;
            }
            break;
        }
        if (pfd[0].revents) {
            drain_wake_fd();
        }
        if (!in_open || !pfd[1].revents) {
            continue;
        }
        ssize_t n = read(con.in_fd, raw, sizeof(raw));
        if (n > 0) {
            in_open = filter_input(&esc, raw, (size_t)n, fwd, &fwd_len);
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
            in_open = false;   /* EOF or a dead input: the emulator runs on without input */
        }
    }
    /* A closed output asks for the power-off from the vCPU (console_output_closed), so the
     * machine can end and console_stop run before this thread saw the wake-up: say why now. */
    handle_term_signal();
    return NULL;
}

/* ---- start and stop ----------------------------------------------------------------- */

int console_start(NS16550State *uart, int in_fd, int out_fd,
                  void (*quit)(void *opaque, int status), void *quit_opaque, Error **errp)
{
    if (con.running) {
        error_setg(errp, "console: already running");
        return -EBUSY;
    }
    int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int abort_fd = wake_fd < 0 ? -1 : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (abort_fd < 0) {
        int e = errno;
        if (wake_fd >= 0) {
            close(wake_fd);
        }
        error_setg(errp, "console: eventfd: %s", strerror(e));
        return -e;
    }
    atomic_store_explicit(&output_dropped, false, memory_order_relaxed);
    atomic_store_explicit(&out_abort_fd, abort_fd, memory_order_relaxed);
    con.uart = uart;
    con.in_fd = in_fd;
    con.wake_fd = wake_fd;
    con.quit = quit;
    con.quit_opaque = quit_opaque;
    con.escapes = isatty(in_fd);
    atomic_store_explicit(&con.stop, false, memory_order_relaxed);

    if (con.escapes) {
        int rc = tty_enter_raw(in_fd, errp);
        if (rc) {
            close(wake_fd);
            con.wake_fd = -1;
            close(atomic_exchange_explicit(&out_abort_fd, -1, memory_order_relaxed));
            return rc;
        }
    }
    ns16550_set_space_notify(uart, console_wake, &con.wake_fd);

    int rc = thread_create_without_signals(&con.thread, console_thread, NULL);
    if (rc != 0) {
        ns16550_set_space_notify(uart, NULL, NULL);
        if (con.escapes) {
            tty_leave_raw();
        }
        close(wake_fd);
        con.wake_fd = -1;
        close(atomic_exchange_explicit(&out_abort_fd, -1, memory_order_relaxed));
        error_setg(errp, "console: cannot start the input thread: %s", strerror(rc));
        return -rc;
    }
    atomic_store_explicit(&console_out_fd, out_fd, memory_order_relaxed);
    con.running = true;
    atomic_store(&term_signal, 0);
    term_handled = false;
    install_actions(term_saved, term_signals, N_TERM, console_term_signal);
    return 0;
}

void console_stop(void)
{
    if (!con.running) {
        return;
    }
    assert(!pthread_equal(pthread_self(), con.thread) && "quit() must not call console_stop");
    /* Before wake_fd goes away: a later signal takes its previous action. Unless the run is
     * already ending on a termination signal: then a second one must still end the process
     * at once with 128 + its number (console_term_signal's second-signal path, which touches
     * nothing freed here), not kill it with the default action (status -2 instead of 130
     * when two SIGINTs came back to back and the second was delivered late, as under TSan,
     * which defers signals to its own safe points). */
    if (atomic_load(&term_signal) == 0) {
        restore_actions(term_saved, term_signals, N_TERM);
    }
    /* Pairs with the acquire load in stop_requested on the input thread. */
    atomic_store_explicit(&con.stop, true, memory_order_release);
    console_wake(&con.wake_fd);
    pthread_join(con.thread, NULL);
    ns16550_set_space_notify(con.uart, NULL, NULL);   /* no notifier runs after this */
    if (con.escapes) {
        tty_leave_raw();
    }
    close(con.wake_fd);
    con.wake_fd = -1;
    /* No vCPU runs now; output after this (none in tlbstorm) is dropped if the run was
     * terminated, and written, blocking, otherwise. */
    close(atomic_exchange_explicit(&out_abort_fd, -1, memory_order_relaxed));
    con.uart = NULL;
    con.running = false;
}
