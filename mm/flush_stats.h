/* Flush statistics: latency of every remote flush request (issue to completion) and of each
 * target's acknowledgement, by kind, and the summary/JSON report that adds each vCPU's
 * mailbox and TLB counters.
 * Callers: the flush code records from any thread; the report is made by the main thread once
 * every vCPU thread has been joined (TLB counters are owner-only, plain integers).
 * Locking: none; the histograms are relaxed atomic counters (each sample is independent, so
 * no ordering between them is needed). */
#ifndef MM_FLUSH_STATS_H
#define MM_FLUSH_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>


/* Any thread: one request of `kind` (enum tlb_flush_kind) to n_targets other vCPUs took ns
 * nanoseconds from the call to its return (synced: until every target acknowledged or was
 * seen outside guest code). */
void flush_stats_record(unsigned kind, bool synced, unsigned n_targets, int64_t ns);
/* Any thread: one target acknowledged a request of `kind` ns nanoseconds after it was issued.
 * Recorded for the targets of synced requests that acknowledged while the requester waited
 * (mailbox strategy) and for every work item run (--flush=qemu). */
void flush_stats_record_ack(unsigned kind, int64_t ns);
/* Any thread: remote requests recorded so far (synced and async; relaxed reads, so a
 * concurrent reader may miss the latest few). */
uint64_t flush_stats_remote_requests(void);
/* Main thread, vCPU threads joined: the readable summary, and the JSON document described in
 * docs/measuring.md ("--stats JSON schema"). Write errors stay in the stream (ferror). */
void flush_stats_print_summary(FILE *out, const char *strategy, unsigned run_slots);
void flush_stats_write_json(FILE *out, const char *strategy, unsigned run_slots);
/* Any thread, while vCPUs run: the summary's request table (latency histograms by kind), the
 * part made of relaxed atomic counters; the monitor's `info flush`. */
void flush_stats_print_live(FILE *out, const char *strategy);

#endif
