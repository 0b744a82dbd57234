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

struct TLBFlushReq;
struct TLBFlushReport;

/* Main thread, before vCPUs start. Returns 0 or -errno with a message in err. */
int flush_trace_open(const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Main thread, after vCPUs are joined. Returns 0 or -errno (write error) with a message. */
int flush_trace_close(char *err, size_t errlen);
bool flush_trace_enabled(void);
/* Any thread: one line for a finished request (rep->done_ns set; acks recorded so far). */
void flush_trace_write(const struct TLBFlushReq *req, const struct TLBFlushReport *rep,
                       unsigned n_cpus);

#endif
