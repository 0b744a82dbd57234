/* The trace file is written through stdio under one mutex; a line is formatted whole before
 * the lock is taken so the critical section is a single fwrite. */
#include "mm/flush_trace.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "mm/tlb_flush.h"
#include "util/clock.h"

static FILE *_Atomic trace_file;
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t trace_epoch_ns;
static int trace_errno;          /* under trace_lock: the first failed write's errno */

void flush_trace_start(FILE *f)
{
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    fprintf(f, "# tlbstorm flush trace v2: t_us requester kind addr len asid mode total_us "
            "targets (cpu:delivery[:enqueue][:ack=ns|:left=ns])\n");
    trace_errno = ferror(f) ? errno : 0;
    trace_epoch_ns = clock_monotonic_ns();
    atomic_store_explicit(&trace_file, f, memory_order_release);
}

int flush_trace_stop(void)
{
    FILE *f = atomic_exchange_explicit(&trace_file, NULL, memory_order_acq_rel);
    if (!f) {
        return 0;
    }
    pthread_mutex_lock(&trace_lock);   /* a writer that loaded f before the exchange finishes */
    int e = trace_errno;
    pthread_mutex_unlock(&trace_lock);
    return e;
}

bool flush_trace_enabled(void)
{
    return atomic_load_explicit(&trace_file, memory_order_relaxed) != NULL;
}

static const char *const delivery_names[] = { "-", "kicked", "skipped", "work" };
static const char *const enqueue_names[] = { "", ":coalesced", ":escalated" };
static const char *const ack_names[] = { "", ":ack=", ":left=" };

void flush_trace_write(const TLBFlushReq *req, const TLBFlushReport *rec, unsigned n_cpus)
{
    /* Per target at most " 63:skipped:escalated:left=" plus 20 digits: 48 bytes. */
    char line[TLBSTORM_MAX_CPUS * 48 + 256];
    size_t n = 0;
    char asid[16];
    if (req->asid < 0) {
        snprintf(asid, sizeof(asid), "any");
    } else {
        snprintf(asid, sizeof(asid), "%d", req->asid);
    }
    char who[16];
    if (rec->requester < 0) {
        snprintf(who, sizeof(who), "host");
    } else {
        snprintf(who, sizeof(who), "hart%d", rec->requester);
    }
    n += (size_t)snprintf(line + n, sizeof(line) - n, "%.3f %s %s 0x%llx 0x%llx %s %s %.3f",
                          (double)(rec->issue_ns - trace_epoch_ns) / 1000.0, who,
                          tlb_flush_kind_name(req->kind),
                          (unsigned long long)req->addr, (unsigned long long)req->len, asid,
                          rec->synced ? "sync" : "async",
                          (double)(rec->done_ns - rec->issue_ns) / 1000.0);
    for (unsigned i = 0; i < n_cpus && i < TLBSTORM_MAX_CPUS && n < sizeof(line) - 64;
         i++) {
        if (rec->delivery[i] == FLUSH_DELIVERY_NONE) {
            continue;
        }
        n += (size_t)snprintf(line + n, sizeof(line) - n, " %u:%s%s", i,
                              delivery_names[rec->delivery[i]], enqueue_names[rec->enqueue[i]]);
        if (rec->ack[i] != FLUSH_ACK_NONE) {
            n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%lld", ack_names[rec->ack[i]],
                                  (long long)(rec->ack_ns[i] - rec->issue_ns));
        }
    }
    line[n++] = '\n';
    pthread_mutex_lock(&trace_lock);
    FILE *f = atomic_load_explicit(&trace_file, memory_order_acquire);
    if (f && fwrite(line, 1, n, f) != n && !trace_errno) {
        trace_errno = errno ? errno : EIO;
    }
    pthread_mutex_unlock(&trace_lock);
}
