/* The progress line: while a run goes on, one line on stderr (a terminal) shows the elapsed
 * time, the guest instructions retired, MIPS and remote flush requests per second.
 * Callers: progress_start/progress_stop on the main thread; progress_output_begin/end from any
 * thread that writes to the terminal the line may be on (the console for guest output, HTIF,
 * emulator messages printed while vCPUs run).
 * Locking: one internal mutex orders the drawing thread against those writes; the vCPU
 * counters are read with relaxed atomics. Policy and its reasons: docs/cli.md
 * ("--no-progress"). */
#ifndef HW_PROGRESS_H
#define HW_PROGRESS_H

#include <stdbool.h>

struct Machine;

/* Main thread, before the vCPUs start. Shows the line only if stderr is a terminal; best
 * effort (no terminal, or no thread: nothing is shown, the run goes on). `m` must outlive
 * progress_stop; its vCPU set must not change in between. */
void progress_start(const struct Machine *m);
/* Main thread, after the vCPUs are joined (so nobody writes guest output any more): stops
 * the drawing thread and erases the line. No-op when not started. */
void progress_stop(void);

/* Any thread, around a write to fd: begin returns true when fd is on the line's terminal and
 * the line is active; it has then erased the line if it was shown and keeps it off until
 * end(true, ...), which records the last byte written (-1 for none): the line is drawn only
 * at the start of a line, once the terminal has been quiet for a while. On false, end does
 * nothing. Do not nest, and do not call other progress functions in between. */
bool progress_output_begin(int fd);
void progress_output_end(bool held, int last_byte);

#endif
