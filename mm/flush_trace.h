/* --trace-flush=FILE: one line per remote flush request, for offline analysis.
 * Callers: the main thread opens and closes the trace around the run; any thread writes
 * records (tlb_flush_cpus_report, and --flush=qemu work items on the target vCPUs). Locking:
 * one mutex serialises whole lines; nothing is recorded (and the lock is never taken) unless
 * tracing is on. Line format: docs/measuring.md. */
#ifndef MM_FLUSH_TRACE_H
#define MM_FLUSH_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct TLBFlushReq;
struct TLBFlushReport;

/* Main thread, before vCPUs start: records go to f from now on (a stream the caller owns and
 * keeps open until flush_trace_stop). */
void flush_trace_start(FILE *f);
/* Main thread, after vCPUs are joined: no record is written after this returns. Returns 0,
 * or the errno of the first write that failed (a full disk, a closed pipe). */
int flush_trace_stop(void);
bool flush_trace_enabled(void);
/* Any thread: one line for a finished request (rep->done_ns set; acks recorded so far). */
void flush_trace_write(const struct TLBFlushReq *req, const struct TLBFlushReport *rep,
                       unsigned n_cpus);

#endif
