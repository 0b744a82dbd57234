/* --trace-flush=FILE: one line per remote flush request, for offline analysis.
 * Callers: the main thread opens and closes the trace around the run; any thread writes
 * records (tlb_flush_cpus). Locking: one mutex serialises whole lines; nothing is recorded
 * (and the lock is never taken) unless tracing is on. Line format: docs/measuring.md. */
#ifndef MM_FLUSH_TRACE_H
#define MM_FLUSH_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct TLBFlushReq;

enum flush_delivery {
    FLUSH_DELIVERY_NONE = 0,      /* not a target */
    FLUSH_DELIVERY_KICKED,        /* running guest code: exit request, waited for when synced */
    FLUSH_DELIVERY_SKIPPED,       /* outside guest code: applies it when it re-enters */
    FLUSH_DELIVERY_WORK,          /* --flush=qemu: async work item */
};

enum flush_enqueue {
    FLUSH_ENQUEUED = 0,           /* a new mailbox entry */
    FLUSH_COALESCED,              /* covered by (or merged into) a pending request */
    FLUSH_ESCALATED,              /* the ring was full: became a full flush */
};

#define FLUSH_TRACE_MAX_CPUS 64

typedef struct FlushTraceRec {
    int64_t issue_ns;             /* CLOCK_MONOTONIC at the call */
    int64_t done_ns;              /* at the return */
    int requester;                /* hart index, or -1 for a host thread */
    bool synced;
    uint8_t delivery[FLUSH_TRACE_MAX_CPUS];   /* enum flush_delivery */
    uint8_t enqueue[FLUSH_TRACE_MAX_CPUS];    /* enum flush_enqueue */
    int64_t ack_ns[FLUSH_TRACE_MAX_CPUS];     /* synced + kicked: when seen done, else 0 */
} FlushTraceRec;

/* Main thread, before vCPUs start. Returns 0 or -errno with a message in err. */
int flush_trace_open(const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Main thread, after vCPUs are joined. Returns 0 or -errno (write error) with a message. */
int flush_trace_close(char *err, size_t errlen);
bool flush_trace_enabled(void);
void flush_trace_write(const struct TLBFlushReq *req, const FlushTraceRec *rec,
                       unsigned n_cpus);

#endif
