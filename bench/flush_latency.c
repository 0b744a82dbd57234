/* flush_latency: latency of a synced remote page flush, request to completion, on a real
 * machine whose vCPUs all run the flush_stress guest's page loop (guests/stress/).
 * Owns: the measurement loop and its percentile summary. A host thread that is not a vCPU
 * (the main thread) times tlb_flush_cpus(TLB_FLUSH_PAGE, synced) with CLOCK_MONOTONIC,
 * targeting harts 1..k while hart 0 runs too, with a short pause between requests.
 * Locking: none of its own; the flush API is called from one thread.
 *
 *   flush_latency --smp N --mode mailbox|mailbox-noslots|qemu [--targets 1,3,7]
 *                 [--samples N] [--warmup N] [--pause-us U] [--run-slots auto|off|N] GUEST.elf
 * Run slots (sync/run_slots.h) as tlbstorm sets them: `auto` for mailbox, off for qemu;
 * mailbox-noslots is the mailbox delivery with slots off.
 * Prints one human-readable line and one "RESULT,smp,mode,targets,count,p50_us,p99_us,
 * max_us,mean_us,kicked,skipped" line per target count (bench/flush_latency.py reads those). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"
#include "sync/run_slots.h"
#include "tests/stress/stress_machine.h"

#define N_PAGES 8

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct_us(const int64_t *v, unsigned n, double p)
{
    unsigned rank = (unsigned)(p / 100.0 * n + 0.999999);
    if (rank < 1) {
        rank = 1;
    }
    return v[rank - 1] / 1e3;
}

static void usage(void)
{
    fprintf(stderr, "usage: flush_latency --smp N --mode mailbox|mailbox-noslots|qemu "
                    "[--targets 1,3,7] [--samples N] [--warmup N] [--pause-us U] "
                    "[--run-slots auto|off|N] GUEST.elf\n");
    exit(2);
}

static uint64_t mailbox_stat_sum(StressMachine *sm, unsigned k, size_t field_off)
{
    uint64_t sum = 0;
    for (unsigned h = 1; h <= k; h++) {
        TLBMailboxStats *st = &sm->m.cpus[h]->flush_mailbox.stats;
        sum += atomic_load((_Atomic uint64_t *)((char *)st + field_off));
    }
    return sum;
}

int main(int argc, char **argv)
{
    unsigned smp = 4, samples = 3000, warmup = 300, pause_us = 200;
    const char *mode_name = "mailbox", *targets_arg = "1,3,7", *guest = NULL;
    const char *slots_arg = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--smp") && v) {
            smp = (unsigned)atoi(v);
        } else if (!strcmp(a, "--mode") && v) {
            mode_name = v;
        } else if (!strcmp(a, "--targets") && v) {
            targets_arg = v;
        } else if (!strcmp(a, "--samples") && v) {
            samples = (unsigned)atoi(v);
        } else if (!strcmp(a, "--warmup") && v) {
            warmup = (unsigned)atoi(v);
        } else if (!strcmp(a, "--pause-us") && v) {
            pause_us = (unsigned)atoi(v);
        } else if (!strcmp(a, "--run-slots") && v) {
            slots_arg = v;
        } else if (a[0] != '-' && !guest) {
            guest = a;
            continue;
        } else {
            usage();
        }
        i++;
    }
    enum tlb_flush_mode mode;
    if (!guest || samples == 0) {
        usage();
    }
    bool noslots = !strcmp(mode_name, "mailbox-noslots");
    if (!stress_parse_mode(noslots ? "mailbox" : mode_name, &mode)) {
        usage();
    }
    if (!slots_arg) {
        slots_arg = noslots || mode == TLB_FLUSH_MODE_QEMU ? "off" : "auto";
    }
    unsigned slots;
    if (!strcmp(slots_arg, "auto")) {
        slots = run_slots_auto(smp);
    } else if (!strcmp(slots_arg, "off")) {
        slots = 0;
    } else {
        slots = (unsigned)atoi(slots_arg);
    }

    static StressMachine sm;
    Error *err = NULL;
    if (stress_machine_create(&sm, guest, smp, mode, &err) != 0) {
        fprintf(stderr, "flush_latency: %s\n", error_get_pretty(err));
        error_free(err);
        return 2;
    }
    uint64_t roles[STRESS_MAX_HARTS] = { 0 };     /* every hart: STRESS_ROLE_RUN */
    uint64_t readers[N_PAGES], values[N_PAGES];
    unsigned frames[N_PAGES];
    for (unsigned i = 0; i < N_PAGES; i++) {
        readers[i] = (1ULL << smp) - 1;
        frames[i] = i;
        values[i] = i + 1;
    }
    sm.m.run_slots = slots;
    sm.m.run_slots_adaptive = !strcmp(slots_arg, "auto");   /* as tlbstorm's default */
    stress_layout_write(&sm, N_PAGES, roles, readers, frames, values, 0);
    if (stress_machine_start(&sm) != 0) {
        fprintf(stderr, "flush_latency: cannot start the vCPU threads\n");
        stress_machine_destroy(&sm);
        return 2;
    }
    /* Every hart is in its loop before the first sample. */
    int64_t deadline = stress_now_ns() + 10000000000LL;
    for (unsigned h = 0; h < smp; h++) {
        while (gram_load64(&sm, STRESS_HART_FIELD(h, counter)) == 0) {
            if (stress_now_ns() > deadline) {
                fprintf(stderr, "flush_latency: hart %u never reached its loop\n", h);
                stress_machine_destroy(&sm);
                return 1;
            }
            struct timespec ts = { 0, 100000 };
            nanosleep(&ts, NULL);
        }
    }

    int64_t *lat = malloc(samples * sizeof(*lat));
    if (!lat) {
        stress_machine_destroy(&sm);
        return 2;
    }
    int status = 0;
    for (const char *p = targets_arg; *p;) {
        unsigned k = (unsigned)strtoul(p, (char **)&p, 10);
        if (*p == ',') {
            p++;
        }
        if (k == 0 || k >= smp) {
            continue;           /* k targets besides hart 0 need k + 1 vCPUs */
        }
        uint64_t mask = ((1ULL << k) - 1) << 1;
        TLBFlushReq q = { .kind = TLB_FLUSH_PAGE, .addr = STRESS_VA, .asid = STRESS_ASID,
                          .idxmap = TLB_ASID_TAGGED_IDXMAP };
        uint64_t kicked0 = mailbox_stat_sum(&sm, k, offsetof(TLBMailboxStats, kicked));
        uint64_t skipped0 = mailbox_stat_sum(&sm, k, offsetof(TLBMailboxStats, skipped));
        for (unsigned i = 0; i < warmup + samples; i++) {
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            tlb_flush_cpus(NULL, &(CPUMask){ .bits = { mask } }, &q, true);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            if (i >= warmup) {
                lat[i - warmup] = (t1.tv_sec - t0.tv_sec) * 1000000000LL +
                                  (t1.tv_nsec - t0.tv_nsec);
            }
            struct timespec pause = { 0, (long)pause_us * 1000 };
            nanosleep(&pause, NULL);
        }
        uint64_t kicked = mailbox_stat_sum(&sm, k, offsetof(TLBMailboxStats, kicked)) - kicked0;
        uint64_t skipped =
            mailbox_stat_sum(&sm, k, offsetof(TLBMailboxStats, skipped)) - skipped0;
        double sum = 0;
        for (unsigned i = 0; i < samples; i++) {
            sum += lat[i];
        }
        qsort(lat, samples, sizeof(*lat), cmp_i64);
        double p50 = pct_us(lat, samples, 50), p99 = pct_us(lat, samples, 99);
        double max = lat[samples - 1] / 1e3, mean = sum / samples / 1e3;
        printf("smp %u, mode %s, %u target(s): %u samples, p50 %.1f us, p99 %.1f us, "
               "max %.1f us, mean %.1f us (kicked %" PRIu64 ", skipped %" PRIu64 ")\n",
               smp, mode_name, k, samples, p50, p99, max, mean, kicked, skipped);
        printf("RESULT,%u,%s,%u,%u,%.2f,%.2f,%.2f,%.2f,%" PRIu64 ",%" PRIu64 "\n", smp,
               mode_name, k, samples, p50, p99, max, mean, kicked, skipped);
        fflush(stdout);
    }
    for (unsigned h = 0; h < smp; h++) {
        if (gram_load64(&sm, STRESS_HART_FIELD(h, trapped))) {
            fprintf(stderr, "flush_latency: hart %u trapped (cause %" PRIu64 ")\n", h,
                    gram_load64(&sm, STRESS_HART_FIELD(h, trap_cause)));
            status = 1;
        }
    }
    free(lat);
    stress_machine_destroy(&sm);
    return status;
}
