/* The host stdio console: one thread that reads the host input fd into a UART without ever
 * dropping a byte, the UART's output sink, terminal raw mode and the Ctrl-A escape.
 * Callers: console_start/console_stop on the main thread (one console per process);
 * console_tx from any thread (it is the UART's tx sink); the escape functions anywhere.
 * Locking: internal; console_tx is called under the UART's transmit lock (not its register
 * lock) and takes the progress line's lock only. */
#ifndef HW_CONSOLE_H
#define HW_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hw/uart.h"
#include "util/error.h"

/* Escape prefix, as with QEMU -nographic: Ctrl-A. */
#define CONSOLE_ESCAPE_CHAR 0x01

/* Start the input thread, reading in_fd and feeding `uart` in order; ns16550_receive_buf
 * backpressure stops the reading while the FIFO is full, so no byte is lost. At end of file
 * on in_fd the thread stops reading and the emulator runs on. When in_fd is a terminal it is
 * switched to raw mode (no echo, no line editing, no signal keys: Ctrl-C reaches the guest,
 * output processing left alone) and restored by console_stop, at exit(), and on SIGSEGV and
 * SIGABRT (the handler restores the terminal, then runs the previous handler or re-raises
 * the signal with the default action). Only on a terminal is the Ctrl-A escape interpreted
 * (Ctrl-A x: print "tlbstorm: terminated" on stderr and call quit(quit_opaque, 0) on the
 * console thread; Ctrl-A Ctrl-A: send one Ctrl-A; Ctrl-A h: help on stderr; any other Ctrl-A
 * sequence is dropped); piped or file input reaches the guest byte for byte.
 * While the console runs, SIGTERM, SIGINT and SIGHUP end the run cleanly: the first calls
 * quit(quit_opaque, 128 + N) on the console thread and prints "tlbstorm: terminating on
 * signal N (SIGxxx)" on stderr; a second one restores the terminal and _exit()s with
 * 128 + N at once. Ignored signals (nohup) stay ignored. A write of console_tx that fails
 * with EPIPE (the reader of out_fd is gone; the caller has SIGPIPE ignored) is handled like
 * a first termination signal, with status 128 + SIGPIPE and "tlbstorm: console output closed
 * (broken pipe), terminating", except that quit is called on the writing thread (so that
 * nothing the guest does next can take the status first). From the first of these (and
 * Ctrl-A x) on, console output is dropped, and a console_tx blocked on a full out_fd returns
 * at once, so the run ends in bounded time however full the output is.
 * On success, console_tx writes to out_fd from now on.
 * quit may be NULL and must not call console_stop. Call before the vCPUs start. Returns 0,
 * or -errno with a message in *errp. */
int console_start(NS16550State *uart, int in_fd, int out_fd,
                  void (*quit)(void *opaque, int status), void *quit_opaque, Error **errp)
    __attribute__((warn_unused_result));
/* Main thread: on return the input thread has exited, the UART's space notifier is removed,
 * the termination signals have their previous actions and the terminal (if any) is restored.
 * console_tx keeps writing to out_fd. No-op when the console is not running. */
void console_stop(void);

/* Main thread, before console_start: -serial mon:stdio (the default, as -nographic in QEMU).
 * Ctrl-A c switches the terminal between the guest console and the monitor: typed lines go to
 * execute(opaque, line, out) on the input thread, which writes the output to the terminal.
 * Terminals only (the Ctrl-A escapes are). NULL: no monitor, Ctrl-A c is ignored. */
void console_set_monitor(void (*execute)(void *opaque, const char *line, FILE *out),
                         void *opaque);

/* The UART tx sink (pass to ns16550_new with any opaque; it is ignored): writes the byte to
 * the out_fd given to console_start, or to standard output before that; retries on EINTR,
 * EAGAIN and partial writes; drops the byte on any other error. May block while out_fd is
 * full, until room appears or termination begins (see console_start). */
void console_tx(void *opaque, uint8_t byte);

/* The Ctrl-A escape as a pure state machine, for the input thread and for tests. */
typedef struct ConsoleEscape {
    bool pending;        /* the previous byte was an unconsumed Ctrl-A */
} ConsoleEscape;

enum console_escape_action {
    CONSOLE_ESC_FORWARD,   /* send *out to the guest */
    CONSOLE_ESC_DROP,      /* nothing to send (escape prefix, or unknown escape) */
    CONSOLE_ESC_QUIT,      /* Ctrl-A x */
    CONSOLE_ESC_HELP,      /* Ctrl-A h */
    CONSOLE_ESC_MONITOR,   /* Ctrl-A c: switch between the guest console and the monitor */
};

/* Feeds one input byte; *out is set only for CONSOLE_ESC_FORWARD. */
enum console_escape_action console_escape_feed(ConsoleEscape *e, uint8_t byte, uint8_t *out);
/* The help text printed for Ctrl-A h. */
extern const char console_escape_help[];

#endif
