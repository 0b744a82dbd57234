/* Messages on the terminal the emulator shares with the guest console and the progress line:
 * every layer prints through here, and the layer that draws the progress line (hw/progress.c)
 * installs the hooks that erase it first, so no lower layer needs to know it exists.
 * Callers: any thread; report_set_output_hooks from the main thread before other threads
 * print. Locking: none here; the hooks serialise against the line's drawing thread. */
#ifndef UTIL_REPORT_H
#define UTIL_REPORT_H

#include <stdbool.h>

/* begin(fd) returns true when it took the terminal the line is on (erasing the line); then
 * end(true, last_byte) must follow once the write is done (-1: nothing written). */
typedef bool (*report_output_begin_fn)(int fd);
typedef void (*report_output_end_fn)(bool held, int last_byte);
void report_set_output_hooks(report_output_begin_fn begin, report_output_end_fn end);

/* Bracket a write to fd; without hooks, begin returns false and end does nothing. */
bool report_output_begin(int fd);
void report_output_end(bool held, int last_byte);

/* Prints "tlbstorm: <message>\n" as one line on stderr, the progress line erased first. */
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An internal invariant is broken: prints "tlbstorm: internal error: <message>" and aborts
 * (the terminal is taken and never given back, so nothing draws over the message). */
_Noreturn void internal_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
