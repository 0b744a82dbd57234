/* Latency histograms: 64 powers of two, each split into 8 linear sub-buckets, of relaxed
 * atomic counters. Recording is one clz and one fetch_add; no allocation, no lock. */
#include "mm/flush_stats.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mm/tlb_flush.h"
#include "sync/run_slots.h"

#define SUB_BITS 3
#define SUBS (1u << SUB_BITS)
#define N_BUCKETS (64 * SUBS)

typedef struct LatencyHist {
    _Atomic uint64_t bucket[N_BUCKETS];
    _Atomic uint64_t count, sum_ns, max_ns;
} LatencyHist;

/* Issue to return of synced requests, and issue to each target's acknowledgement (a sample
 * per acknowledging target; see flush_stats_record_ack for which targets those are). */
static LatencyHist synced_hist[TLB_FLUSH_NB_KINDS];
static LatencyHist ack_hist[TLB_FLUSH_NB_KINDS];
static _Atomic uint64_t async_count[TLB_FLUSH_NB_KINDS];
static _Atomic uint64_t targets_total[TLB_FLUSH_NB_KINDS];

static unsigned bucket_of(uint64_t v)
{
    if (v < SUBS) {
        return (unsigned)v;
    }
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned sub = (unsigned)(v >> (msb - SUB_BITS)) & (SUBS - 1);
    return (msb - SUB_BITS + 1) * SUBS + sub;
}

/* Largest value that falls in bucket b. */
static uint64_t bucket_upper(unsigned b)
{
    if (b < SUBS) {
        return b;
    }
    unsigned msb = b / SUBS + SUB_BITS - 1;
    uint64_t sub = b % SUBS;
    uint64_t low = (1ULL << msb) | (sub << (msb - SUB_BITS));
    return low + (1ULL << (msb - SUB_BITS)) - 1;
}

static void hist_add(LatencyHist *h, int64_t ns)
{
    uint64_t v = ns > 0 ? (uint64_t)ns : 0;
    atomic_fetch_add_explicit(&h->bucket[bucket_of(v)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_ns, v, memory_order_relaxed);
    uint64_t max = atomic_load_explicit(&h->max_ns, memory_order_relaxed);
    while (v > max && !atomic_compare_exchange_weak_explicit(&h->max_ns, &max, v,
                                                             memory_order_relaxed,
                                                             memory_order_relaxed)) {
    }
}

void flush_stats_record(unsigned kind, bool synced, unsigned n_targets, int64_t ns)
{
    if (kind >= TLB_FLUSH_NB_KINDS) {
        return;
    }
    atomic_fetch_add_explicit(&targets_total[kind], n_targets, memory_order_relaxed);
    if (!synced) {
        atomic_fetch_add_explicit(&async_count[kind], 1, memory_order_relaxed);
        return;
    }
    hist_add(&synced_hist[kind], ns);
}

void flush_stats_record_ack(unsigned kind, int64_t ns)
{
    if (kind < TLB_FLUSH_NB_KINDS) {
        hist_add(&ack_hist[kind], ns);
    }
}

uint64_t flush_stats_remote_requests(void)
{
    uint64_t n = 0;
    for (unsigned k = 0; k < TLB_FLUSH_NB_KINDS; k++) {
        n += atomic_load_explicit(&synced_hist[k].count, memory_order_relaxed) +
             atomic_load_explicit(&async_count[k], memory_order_relaxed);
    }
    return n;
}

/* The helpers below take one of the two histogram arrays and a kind; a kind outside
 * [0, TLB_FLUSH_NB_KINDS) means every kind together. */
static bool kind_selected(int kind, unsigned k)
{
    return kind < 0 || kind >= TLB_FLUSH_NB_KINDS || (unsigned)kind == k;
}

static uint64_t hist_bucket(const LatencyHist *hists, int kind, unsigned b)
{
    uint64_t n = 0;
    for (unsigned k = 0; k < TLB_FLUSH_NB_KINDS; k++) {
        if (kind_selected(kind, k)) {
            n += atomic_load_explicit(&hists[k].bucket[b], memory_order_relaxed);
        }
    }
    return n;
}

static uint64_t hist_count(const LatencyHist *hists, int kind)
{
    uint64_t n = 0;
    for (unsigned k = 0; k < TLB_FLUSH_NB_KINDS; k++) {
        if (kind_selected(kind, k)) {
            n += atomic_load_explicit(&hists[k].count, memory_order_relaxed);
        }
    }
    return n;
}

static uint64_t hist_sum(const LatencyHist *hists, int kind)
{
    uint64_t n = 0;
    for (unsigned k = 0; k < TLB_FLUSH_NB_KINDS; k++) {
        if (kind_selected(kind, k)) {
            n += atomic_load_explicit(&hists[k].sum_ns, memory_order_relaxed);
        }
    }
    return n;
}

static uint64_t hist_max(const LatencyHist *hists, int kind)
{
    uint64_t m = 0;
    for (unsigned k = 0; k < TLB_FLUSH_NB_KINDS; k++) {
        if (kind_selected(kind, k)) {
            uint64_t v = atomic_load_explicit(&hists[k].max_ns, memory_order_relaxed);
            m = v > m ? v : m;
        }
    }
    return m;
}

static uint64_t flush_stats_count(int kind, bool synced)
{
    if (synced) {
        return hist_count(synced_hist, kind);
    }
    uint64_t n = 0;
    for (unsigned k = 0; k < TLB_FLUSH_NB_KINDS; k++) {
        if (kind_selected(kind, k)) {
            n += atomic_load_explicit(&async_count[k], memory_order_relaxed);
        }
    }
    return n;
}

/* Upper bound of the bucket holding the pct-th percentile of the samples of `kind`, capped
 * at the maximum; 0 without samples. */
static int64_t hist_percentile(const LatencyHist *hists, int kind, double pct)
{
    uint64_t total = hist_count(hists, kind);
    if (!total) {
        return 0;
    }
    /* Smallest bucket whose cumulative count reaches pct % of the samples (at least 1). */
    uint64_t want = (uint64_t)((double)total * pct / 100.0 + 0.999999);
    want = want ? want : 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < N_BUCKETS; b++) {
        seen += hist_bucket(hists, kind, b);
        if (seen >= want) {
            uint64_t up = bucket_upper(b), max = hist_max(hists, kind);
            return (int64_t)(up < max ? up : max);
        }
    }
    return (int64_t)bucket_upper(N_BUCKETS - 1);
}

/* Totals over every vCPU. */
typedef struct Totals {
    uint64_t received, kicked, skipped, left, coalesced, escalated, drains;
    CPUTLBStats tlb;
    uint64_t entries;     /* current table sizes, summed */
} Totals;

static void totals(Totals *t)
{
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0, n = tlb_flush_cpu_count(); i < n; i++) {
        const TLBFlushCPU *c = tlb_flush_cpu(i);
        const TLBMailboxStats *s = &c->mailbox->stats;
        for (unsigned k = 0; k < TLB_FLUSH_NB_KINDS; k++) {
            t->received += atomic_load_explicit(&s->received[k], memory_order_relaxed);
        }
        t->kicked += atomic_load_explicit(&s->kicked, memory_order_relaxed);
        t->skipped += atomic_load_explicit(&s->skipped, memory_order_relaxed);
        t->left += atomic_load_explicit(&s->left, memory_order_relaxed);
        t->coalesced += atomic_load_explicit(&s->coalesced, memory_order_relaxed);
        t->escalated += atomic_load_explicit(&s->escalated, memory_order_relaxed);
        t->drains += atomic_load_explicit(&s->drains, memory_order_relaxed);
        const CPUTLBStats *ts = &c->tlb->stats;
        t->tlb.fills += ts->fills;
        t->tlb.victim_hits += ts->victim_hits;
        t->tlb.flushes_full += ts->flushes_full;
        t->tlb.flushes_asid += ts->flushes_asid;
        t->tlb.flushes_page += ts->flushes_page;
        t->tlb.flushes_range += ts->flushes_range;
        t->tlb.range_by_scan += ts->range_by_scan;
        t->tlb.range_by_space += ts->range_by_space;
        t->tlb.flushes_large_page += ts->flushes_large_page;
        t->tlb.flushes_large_page_precise += ts->flushes_large_page_precise;
        t->tlb.resizes += ts->resizes;
        t->tlb.asid_switches += ts->asid_switches;
        t->tlb.asid_context_hits += ts->asid_context_hits;
        for (unsigned j = 0; j < TLB_NB_MMU_MODES; j++) {
            t->entries += c->tlb->f[j].mask + 1;
        }
    }
}

static void print_us(FILE *out, int64_t ns)
{
    fprintf(out, "%10.1f", (double)ns / 1000.0);
}

/* The request table: only the relaxed atomic histograms, so any thread may print it live. */
static void print_requests(FILE *out, const char *strategy)
{
    unsigned n_cpus = tlb_flush_cpu_count();
    fprintf(out, "tlbstorm flush statistics (%u vCPUs, --flush=%s)\n", n_cpus, strategy);
    fprintf(out, "  remote requests   synced     async    p50 us    p99 us    max us"
            "     acks  ack p50 us  ack p99 us\n");
    for (int k = 0; k <= TLB_FLUSH_NB_KINDS; k++) {
        const char *name = k < TLB_FLUSH_NB_KINDS ? tlb_flush_kind_name((unsigned)k) : "total";
        fprintf(out, "  %-15s %8llu  %8llu", name,
                (unsigned long long)flush_stats_count(k, true),
                (unsigned long long)flush_stats_count(k, false));
        print_us(out, hist_percentile(synced_hist, k, 50));
        print_us(out, hist_percentile(synced_hist, k, 99));
        print_us(out, (int64_t)hist_max(synced_hist, k));
        fprintf(out, " %8llu  ", (unsigned long long)hist_count(ack_hist, k));
        print_us(out, hist_percentile(ack_hist, k, 50));
        fputs("  ", out);
        print_us(out, hist_percentile(ack_hist, k, 99));
        fputc('\n', out);
    }
}

void flush_stats_print_live(FILE *out, const char *strategy)
{
    print_requests(out, strategy);
}

void flush_stats_print_summary(FILE *out, const char *strategy, unsigned run_slots)
{
    Totals t;
    totals(&t);
    unsigned n_cpus = tlb_flush_cpu_count();
    print_requests(out, strategy);
    fprintf(out, "  delivery: %llu received by targets, %llu kicked, %llu skipped (idle), "
            "%llu left guest code before acknowledging, %llu coalesced, %llu escalated to "
            "full, %llu drains\n",
            (unsigned long long)t.received, (unsigned long long)t.kicked,
            (unsigned long long)t.skipped, (unsigned long long)t.left,
            (unsigned long long)t.coalesced, (unsigned long long)t.escalated,
            (unsigned long long)t.drains);
    fprintf(out, "  TLB: %llu fills, %llu victim hits, %llu resizes (%llu entries now); flushes: "
            "%llu full, %llu asid, %llu page, %llu range (%llu by table scan, %llu by "
            "flushing the address space)\n",
            (unsigned long long)t.tlb.fills, (unsigned long long)t.tlb.victim_hits,
            (unsigned long long)t.tlb.resizes, (unsigned long long)t.entries,
            (unsigned long long)t.tlb.flushes_full, (unsigned long long)t.tlb.flushes_asid,
            (unsigned long long)t.tlb.flushes_page, (unsigned long long)t.tlb.flushes_range,
            (unsigned long long)t.tlb.range_by_scan, (unsigned long long)t.tlb.range_by_space);
    fprintf(out, "  large pages: %llu page flushes became whole-mmu_idx flushes (QEMU policy), "
            "%llu removed just their large page; ASID switches %llu (%llu reused kept tables)\n",
            (unsigned long long)t.tlb.flushes_large_page,
            (unsigned long long)t.tlb.flushes_large_page_precise,
            (unsigned long long)t.tlb.asid_switches,
            (unsigned long long)t.tlb.asid_context_hits);
    struct run_slot_stats rs;
    run_slots_get_stats(&rs);
    if (run_slots == 0) {
        fprintf(out, "  run slots: off (every vCPU may be in guest code at once)\n");
    } else {
        fprintf(out, "  run slots: %u for %u vCPUs; %lu waits (mean %.1f us, max %.1f us); "
                "handovers: %lu at slice end, %lu to woken vCPUs, %lu by spinning vCPUs; "
                "%lu IPI boosts; lifted %lu times for %.3f s in all\n"
                "  of the waits, %lu by woken or boosted vCPUs (mean %.1f us)\n",
                run_slots, n_cpus, rs.waits,
                rs.waits ? rs.wait_ns_sum / 1e3 / rs.waits : 0.0, rs.wait_ns_max / 1e3,
                rs.slice_handovers, rs.wake_handovers, rs.spin_handovers, rs.boosts,
                rs.opens, rs.open_ns / 1e9, rs.urgent_waits,
                rs.urgent_waits ? rs.urgent_wait_ns_sum / 1e3 / rs.urgent_waits : 0.0);
    }
}

/* {"count": N, "p50": .., "p90": .., "p99": .., "max": .., "sum": ..}; "count" only when asked
 * (the older latency_ns object has none, and schema tlbstorm-stats-1 keeps its keys). */
static void write_json_hist(FILE *f, const LatencyHist *hists, int kind, bool with_count)
{
    fputc('{', f);
    if (with_count) {
        fprintf(f, "\"count\": %llu, ", (unsigned long long)hist_count(hists, kind));
    }
    fprintf(f, "\"p50\": %lld, \"p90\": %lld, \"p99\": %lld, \"max\": %llu, \"sum\": %llu}",
            (long long)hist_percentile(hists, kind, 50),
            (long long)hist_percentile(hists, kind, 90),
            (long long)hist_percentile(hists, kind, 99),
            (unsigned long long)hist_max(hists, kind),
            (unsigned long long)hist_sum(hists, kind));
}

void flush_stats_write_json(FILE *f, const char *strategy, unsigned run_slots)
{
    Totals t;
    totals(&t);
    unsigned n_cpus = tlb_flush_cpu_count();
    fprintf(f, "{\n  \"schema\": \"tlbstorm-stats-1\",\n  \"vcpus\": %u,\n"
            "  \"strategy\": \"%s\",\n  \"requests\": {\n", n_cpus, strategy);
    for (int k = 0; k < TLB_FLUSH_NB_KINDS; k++) {
        fprintf(f, "    \"%s\": {\"synced\": %llu, \"async\": %llu, \"targets\": %llu, ",
                tlb_flush_kind_name((unsigned)k),
                (unsigned long long)flush_stats_count(k, true),
                (unsigned long long)flush_stats_count(k, false),
                (unsigned long long)atomic_load_explicit(&targets_total[k],
                                                         memory_order_relaxed));
        fputs("\"latency_ns\": ", f);
        write_json_hist(f, synced_hist, k, false);
        fputs(", \"ack_latency_ns\": ", f);
        write_json_hist(f, ack_hist, k, true);
        fprintf(f, "}%s\n", k + 1 < TLB_FLUSH_NB_KINDS ? "," : "");
    }
    fprintf(f, "  },\n  \"delivery\": {\"received\": %llu, \"kicked\": %llu, \"skipped\": %llu, "
            "\"left\": %llu, \"coalesced\": %llu, \"escalated\": %llu, \"drains\": %llu},\n",
            (unsigned long long)t.received, (unsigned long long)t.kicked,
            (unsigned long long)t.skipped, (unsigned long long)t.left,
            (unsigned long long)t.coalesced, (unsigned long long)t.escalated,
            (unsigned long long)t.drains);
    fprintf(f, "  \"tlb\": {\"fills\": %llu, \"victim_hits\": %llu, \"resizes\": %llu, "
            "\"entries\": %llu, \"flushes_full\": %llu, \"flushes_asid\": %llu, "
            "\"flushes_page\": %llu, \"flushes_range\": %llu, \"range_by_scan\": %llu, "
            "\"range_by_space\": %llu, \"flushes_large_page\": %llu, "
            "\"flushes_large_page_precise\": %llu, \"asid_switches\": %llu, "
            "\"asid_context_hits\": %llu},\n",
            (unsigned long long)t.tlb.fills, (unsigned long long)t.tlb.victim_hits,
            (unsigned long long)t.tlb.resizes, (unsigned long long)t.entries,
            (unsigned long long)t.tlb.flushes_full, (unsigned long long)t.tlb.flushes_asid,
            (unsigned long long)t.tlb.flushes_page, (unsigned long long)t.tlb.flushes_range,
            (unsigned long long)t.tlb.range_by_scan, (unsigned long long)t.tlb.range_by_space,
            (unsigned long long)t.tlb.flushes_large_page,
            (unsigned long long)t.tlb.flushes_large_page_precise,
            (unsigned long long)t.tlb.asid_switches,
            (unsigned long long)t.tlb.asid_context_hits);
    struct run_slot_stats rs;
    run_slots_get_stats(&rs);
    fprintf(f, "  \"run_slots\": {\"slots\": %u, \"waits\": %lu, \"wait_ns_sum\": %lu, "
            "\"wait_ns_max\": %lu, \"slice_handovers\": %lu, \"wake_handovers\": %lu, "
            "\"spin_handovers\": %lu, \"boosts\": %lu, \"urgent_waits\": %lu, "
            "\"urgent_wait_ns_sum\": %lu, \"opens\": %lu, \"open_ns\": %lu}\n}\n",
            run_slots, rs.waits, rs.wait_ns_sum, rs.wait_ns_max, rs.slice_handovers,
            rs.wake_handovers, rs.spin_handovers, rs.boosts, rs.urgent_waits,
            rs.urgent_wait_ns_sum, rs.opens, rs.open_ns);
}
