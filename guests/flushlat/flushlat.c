/* flushlat: the latency of remote fences as the guest sees it. The boot hart (the requester)
 * times SBI RFENCE calls with rdtime and rdcycle, by fence kind and target count, while the
 * other harts are busy (a compute loop over the mapped test pages), idle (WFI) or flushing
 * (remote page fences of their own, in a loop). Every hart runs Sv39 with ASID 1 on one shared
 * page table, so a fence removes translations the targets really use. Runs unchanged on the
 * built-in SBI and on OpenSBI, on tlbstorm and on qemu-system-riscv64 -M virt.
 *
 * Bootargs (all optional; lists are comma-separated):
 *   kinds=page,range,asid,all[,fence_i]  modes=busy,idle,flushing  targets=1,3,7,all[,self]
 *   samples=200 (timed calls per cell, at most 4096)  cell_ms=1000 (time cap per cell, 0 = none;
 *   at least MIN_SAMPLES are taken anyway)  warmup=5  gap_us=20 (random pause 0..gap_us before
 *   each call)  seed=1
 * Target counts of N or more harts are dropped ("all" = every other hart); on one hart the
 * only cell per kind is a fence aimed at the requester itself (mode=none targets=0).
 *
 * Output: one machine-readable line per cell as soon as it is measured (latency percentiles,
 * mean rdcycle delta, and the work the other harts got done meanwhile; format in
 * docs/measuring.md), then a table of every cell, then "flushlat: done" and SRST shutdown
 * with reason none. Any SBI error or a hart that does not answer: "flushlat: FAIL ..." and
 * shutdown with reason system failure. */
#include "riscv_vm.h"
#include "smode.h"

const char guest_name[] = "flushlat";

/* ---- parameters ---------------------------------------------------------------------- */

#define MAX_SAMPLES 4096
#define MIN_SAMPLES 10          /* taken even past cell_ms, so every cell has percentiles */
#define MAX_TCOUNTS 16

enum { KIND_PAGE, KIND_RANGE, KIND_ASID, KIND_ALL, KIND_FENCE_I, N_KINDS };
static const char *const kind_names[N_KINDS] = { "page", "range", "asid", "all", "fence_i" };

/* MODE_NONE: the run has no other hart; MODE_STOP: harts park in WFI for good. */
enum { MODE_BUSY, MODE_IDLE, MODE_FLUSHING, N_MODES, MODE_NONE = N_MODES, MODE_STOP };
static const char *const mode_names[N_MODES + 1] = { "busy", "idle", "flushing", "none" };

/* ---- address space ---------------------------------------------------------------------- */

#define PAGE_SIZE 4096UL
#define FLUSH_ASID 1UL
/* The pages the fences name: 4 KiB leaves in root slot 1, so a page fence has a page-sized
 * entry to remove (in a gigapage it would test the large-page policy instead). */
#define TEST_VA 0x40000000UL
#define TEST_PAGES 64
#define RANGE_PAGES 16


static uint64_t root_pt[512] __attribute__((aligned(4096)));
static uint64_t test_l1[512] __attribute__((aligned(4096)));
static uint64_t test_l0[512] __attribute__((aligned(4096)));
static uint8_t test_frames[TEST_PAGES][PAGE_SIZE] __attribute__((aligned(4096)));

static uint64_t pte_table(const void *table)
{
    return ((uintptr_t)table >> 12) << 10 | PTE_V;
}

/* Identity gigapages for the devices (UART, CLINT, test device: slot 0) and for 2 GiB of
 * RAM (slots 2 and 3: code, stacks, data); A and D preset so no hart needs the walker to
 * update them. Not global: the ASID fence must flush these too. */
static void build_page_tables(void)
{
    memset(root_pt, 0, sizeof(root_pt));
    memset(test_l1, 0, sizeof(test_l1));
    memset(test_l0, 0, sizeof(test_l0));
    root_pt[0] = (0x00000000UL >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
    root_pt[2] = (0x80000000UL >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
    root_pt[3] = (0xc0000000UL >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
    root_pt[TEST_VA >> 30] = pte_table(test_l1);
    test_l1[0] = pte_table(test_l0);
    for (unsigned i = 0; i < TEST_PAGES; i++) {
        test_frames[i][0] = (uint8_t)i;
        test_l0[i] = ((uintptr_t)test_frames[i] >> 12) << 10 |
                     PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
    }
}

static void enable_paging(void)
{
    uint64_t satp = SATP_SV39 | FLUSH_ASID << 44 | (uintptr_t)root_pt >> 12;
    /* The boot hart wrote the tables before it started the others through SBI, which orders
     * them; sfence.vma after the satp write orders them before this hart's own walks. */
    __asm__ volatile("csrw satp, %0\n\tsfence.vma" ::"r"(satp) : "memory");
}

/* ---- shared control --------------------------------------------------------------------- */

/* Written by the requester only: (generation << 4) | mode. A hart runs a mode until the
 * word changes; generation 0 (MODE_IDLE) is the state harts start in. */
static volatile uint64_t ctl_word = MODE_IDLE;
/* Per hart id: the control word the hart has taken up (release; the requester's acquire
 * loads tell it the hart has left the previous mode). 0 until the hart is up. */
static volatile uint64_t ack_word[SMODE_MAX_HARTS];
static volatile uint64_t alive[SMODE_MAX_HARTS];
/* First SBI error seen by a flushing hart: (hart << 32) | (uint32_t)error; 0 if none. */
static volatile uint64_t flusher_error;
static volatile uint64_t sink[SMODE_MAX_HARTS];   /* keeps the busy loop's loads alive */
/* Per hart id, one cache line each, written by its owner only: busy-loop passes and
 * completed fences. The requester samples the sum to see how much work the other harts got
 * done during a cell: a flush policy that stalls its targets shows up here, not in latency. */
#define OPS_STRIDE 8
static volatile uint64_t peer_ops[SMODE_MAX_HARTS * OPS_STRIDE] __attribute__((aligned(64)));

static uint64_t load_ctl(void)
{
    return __atomic_load_n(&ctl_word, __ATOMIC_ACQUIRE);
}

static unsigned others[SMODE_MAX_HARTS];   /* hart ids other than the requester, tree order */
static unsigned n_others;
static uint64_t base_seed;

/* Loads from every test page: the TLB holds their translations whenever a fence lands. */
static void run_busy(unsigned h, uint64_t word)
{
    volatile uint64_t *p = (volatile uint64_t *)TEST_VA;
    uint64_t acc = h;
    while (load_ctl() == word) {
        for (unsigned i = 0; i < TEST_PAGES; i++) {
            acc = acc * 6364136223846793005ULL + p[i * (PAGE_SIZE / 8) + (acc >> 61)];
        }
        peer_ops[h * OPS_STRIDE]++;
    }
    sink[h] = acc;
}

static void csr_set_sie_ssie(void)
{
    __asm__ volatile("csrs sie, %0" ::"r"(2UL));
}

static void csr_clear_sip_ssip(void)
{
    __asm__ volatile("csrc sip, %0" ::"r"(2UL));
}

/* SIE stays 0: the requester's IPI only ends the WFI, it is never taken as a trap. A remote
 * fence must not need to wake this hart; under OpenSBI it does, and WFI returns. */
static void run_idle(uint64_t word)
{
    while (load_ctl() == word) {
        csr_clear_sip_ssip();
        if (load_ctl() != word) {
            break;
        }
        __asm__ volatile("wfi" ::: "memory");
    }
}

static void run_flushing(unsigned h, uint64_t word)
{
    uint64_t rng = base_seed ^ (0x9e3779b97f4a7c15ULL * (h + 1));
    unsigned n_peers = machine.n_harts - 1;
    volatile uint64_t *p = (volatile uint64_t *)TEST_VA;
    uint64_t acc = 0;
    while (load_ctl() == word) {
        /* Any other hart, the requester included: its fences are slowed by ours as well. */
        unsigned pick = (unsigned)rng_below(&rng, n_peers), t = 0;
        for (unsigned i = 0; i < machine.n_harts; i++) {
            if (machine.hart_ids[i] == h) {
                continue;
            }
            if (pick-- == 0) {
                t = machine.hart_ids[i];
                break;
            }
        }
        unsigned long va = TEST_VA + rng_below(&rng, TEST_PAGES) * PAGE_SIZE;
        long e = sbi_remote_sfence_vma(1ULL << t, 0, va, PAGE_SIZE);
        if (e) {
            uint64_t none = 0;
            __atomic_compare_exchange_n(&flusher_error, &none,
                                        (uint64_t)h << 32 | (uint32_t)e, false,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED);
            return;
        }
        acc += p[(va - TEST_VA) / 8];
        peer_ops[h * OPS_STRIDE]++;
    }
    sink[h] = acc;
}

void guest_secondary(unsigned hartid, unsigned long opaque)
{
    (void)opaque;
    enable_paging();
    csr_set_sie_ssie();
    __atomic_store_n(&alive[hartid], 1, __ATOMIC_RELEASE);
    uint64_t seen = ~0ULL;
    for (;;) {
        uint64_t word = load_ctl();
        if (word == seen) {
            cpu_relax();
            continue;
        }
        seen = word;
        __atomic_store_n(&ack_word[hartid], word, __ATOMIC_RELEASE);
        switch (word & 15) {
        case MODE_BUSY: run_busy(hartid, word); break;
        case MODE_IDLE: run_idle(word); break;
        case MODE_FLUSHING: run_flushing(hartid, word); break;
        default:
            for (;;) {
                __asm__ volatile("wfi");
            }
        }
    }
}

/* ---- requester -------------------------------------------------------------------------- */

static uint64_t ms_ticks(uint64_t ms)
{
    return machine.timebase_hz * ms / 1000;
}

static void delay_ticks(uint64_t ticks)
{
    uint64_t t0 = rdtime();
    while (rdtime() - t0 < ticks) {
        cpu_relax();
    }
}

static uint64_t others_mask(void)
{
    uint64_t m = 0;
    for (unsigned i = 0; i < n_others; i++) {
        m |= 1ULL << others[i];
    }
    return m;
}

/* Puts every other hart into `mode` and returns once each has left the previous one; the
 * IPI ends the WFI of harts that were idle. */
static void set_mode(unsigned mode)
{
    static uint64_t gen;
    uint64_t word = ++gen << 4 | mode;
    __atomic_store_n(&ctl_word, word, __ATOMIC_RELEASE);
    if (!n_others) {
        return;
    }
    struct sbiret r = sbi_call(SBI_EXT_IPI, 0, others_mask(), 0, 0, 0, 0);
    if (r.error) {
        smode_panic("SBI send_ipi to mask 0x%lx failed: error %ld",
                    (unsigned long)others_mask(), r.error);
    }
    uint64_t t0 = rdtime();
    for (unsigned i = 0; i < n_others; i++) {
        while (__atomic_load_n(&ack_word[others[i]], __ATOMIC_ACQUIRE) != word) {
            if (rdtime() - t0 > ms_ticks(30000)) {
                smode_panic("hart %u did not take up mode %s within 30 s", others[i],
                            mode < N_MODES ? mode_names[mode] : "stop");
            }
            cpu_relax();
        }
    }
    if (mode == MODE_IDLE) {
        delay_ticks(ms_ticks(2));    /* a hart acknowledges just before its WFI */
    }
}

static long do_fence(unsigned kind, uint64_t mask, uint64_t *rng)
{
    switch (kind) {
    case KIND_PAGE:
        return sbi_remote_sfence_vma(mask, 0, TEST_VA + rng_below(rng, TEST_PAGES) * PAGE_SIZE,
                                     PAGE_SIZE);
    case KIND_RANGE:
        return sbi_remote_sfence_vma(
            mask, 0, TEST_VA + rng_below(rng, TEST_PAGES - RANGE_PAGES + 1) * PAGE_SIZE,
            RANGE_PAGES * PAGE_SIZE);
    case KIND_ASID:
        return sbi_remote_sfence_vma_asid(mask, 0, 0, (unsigned long)-1, FLUSH_ASID);
    case KIND_ALL:
        return sbi_remote_sfence_vma(mask, 0, 0, (unsigned long)-1);
    default:
        return sbi_remote_fence_i(mask, 0);
    }
}

/* In-place heapsort: O(n log n) with no allocation, for up to MAX_SAMPLES values. */
static void sift_down(uint64_t *a, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n) {
            return;
        }
        if (c + 1 < n && a[c + 1] > a[c]) {
            c++;
        }
        if (a[root] >= a[c]) {
            return;
        }
        uint64_t t = a[root];
        a[root] = a[c];
        a[c] = t;
        root = c;
    }
}

static void sort_u64(uint64_t *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;) {
        sift_down(a, i, n);
    }
    for (size_t end = n; end-- > 1;) {
        uint64_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

/* Nearest rank: the smallest sample with at least pct % of the samples at or below it. */
static uint64_t percentile(const uint64_t *sorted, size_t n, unsigned pct)
{
    size_t rank = (n * pct + 99) / 100;
    return sorted[rank ? rank - 1 : 0];
}

typedef struct {
    unsigned kind, mode, targets;
    size_t n;
    uint64_t p50_ns, p90_ns, p99_ns, max_ns, min_ns, mean_ns, mean_cycles;
    uint64_t peer_ops_per_ms_x10;
} Cell;

static Cell cells[N_KINDS * N_MODES * MAX_TCOUNTS];
static unsigned n_cells;
static uint64_t samples_ticks[MAX_SAMPLES];

static struct {
    uint64_t samples, cell_ticks, warmup, gap_ticks;
} cfg;

/* "12.345" (µs with ns digits) into buf. */
static const char *fmt_us(char *buf, size_t size, uint64_t ns)
{
    csnprintf(buf, size, "%lu.%03lu", (unsigned long)(ns / 1000), (unsigned long)(ns % 1000));
    return buf;
}

static uint64_t sum_peer_ops(void)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < n_others; i++) {
        s += peer_ops[others[i] * OPS_STRIDE];
    }
    return s;
}

static void check_flushers(void)
{
    uint64_t e = __atomic_load_n(&flusher_error, __ATOMIC_ACQUIRE);
    if (e) {
        smode_panic("hart %u: SBI remote_sfence_vma (flushing mode) failed: error %ld",
                    (unsigned)(e >> 32), (long)(int32_t)e);
    }
}

static void measure_cell(unsigned kind, unsigned mode, unsigned targets, uint64_t *rng)
{
    uint64_t mask = 0;
    for (unsigned i = 0; i < targets; i++) {
        mask |= 1ULL << others[i];
    }
    if (!targets) {
        mask = 1ULL << machine.boot_hart;     /* self: the SBI path without a remote hart */
    }
    uint64_t start = rdtime();
    for (uint64_t i = 0; i < cfg.warmup; i++) {
        long e = do_fence(kind, mask, rng);
        if (e) {
            smode_panic("SBI RFENCE %s to mask 0x%lx failed: error %ld", kind_names[kind],
                        (unsigned long)mask, e);
        }
    }
    size_t n = 0;
    uint64_t cycles = 0, ticks_sum = 0;
    uint64_t ops0 = sum_peer_ops(), cell_t0 = rdtime();
    while (n < cfg.samples) {
        if (cfg.cell_ticks && n >= MIN_SAMPLES && rdtime() - start > cfg.cell_ticks) {
            break;
        }
        if (cfg.gap_ticks) {
            delay_ticks(rng_below(rng, cfg.gap_ticks + 1));
        }
        uint64_t t0 = rdtime(), c0 = rdcycle();
        long e = do_fence(kind, mask, rng);
        uint64_t c1 = rdcycle(), t1 = rdtime();
        if (e) {
            smode_panic("SBI RFENCE %s to mask 0x%lx failed: error %ld", kind_names[kind],
                        (unsigned long)mask, e);
        }
        samples_ticks[n++] = t1 - t0;
        ticks_sum += t1 - t0;
        cycles += c1 - c0;
    }
    uint64_t ops = sum_peer_ops() - ops0, cell_ticks = rdtime() - cell_t0;
    check_flushers();
    sort_u64(samples_ticks, n);
    Cell *c = &cells[n_cells++];
    *c = (Cell){
        .kind = kind, .mode = mode, .targets = targets, .n = n,
        .p50_ns = ticks_to_ns(percentile(samples_ticks, n, 50)),
        .p90_ns = ticks_to_ns(percentile(samples_ticks, n, 90)),
        .p99_ns = ticks_to_ns(percentile(samples_ticks, n, 99)),
        .max_ns = ticks_to_ns(samples_ticks[n - 1]),
        .min_ns = ticks_to_ns(samples_ticks[0]),
        .mean_ns = ticks_to_ns(ticks_sum) / n,
        .mean_cycles = cycles / n,
        .peer_ops_per_ms_x10 = cell_ticks ? ops * machine.timebase_hz / 100 / cell_ticks : 0,
    };
    char a[24], b[24], d[24], e[24], f[24], g[24];
    cprintf("flushlat: kind=%s mode=%s targets=%u harts=%u n=%lu p50_us=%s p90_us=%s "
            "p99_us=%s max_us=%s min_us=%s mean_us=%s mean_cycles=%lu peer_ops_per_ms=%lu.%lu\n",
            kind_names[kind], mode_names[mode], targets, machine.n_harts, (unsigned long)n,
            fmt_us(a, sizeof(a), c->p50_ns), fmt_us(b, sizeof(b), c->p90_ns),
            fmt_us(d, sizeof(d), c->p99_ns), fmt_us(e, sizeof(e), c->max_ns),
            fmt_us(f, sizeof(f), c->min_ns), fmt_us(g, sizeof(g), c->mean_ns),
            (unsigned long)c->mean_cycles, (unsigned long)(c->peer_ops_per_ms_x10 / 10),
            (unsigned long)(c->peer_ops_per_ms_x10 % 10));
}

static void print_table(void)
{
    cprintf("\n%-8s %-9s %7s %6s %11s %11s %11s %11s %13s %11s\n", "kind", "mode",
            "targets", "n", "p50 us", "p90 us", "p99 us", "max us", "mean cycles",
            "peer ops/ms");
    for (unsigned i = 0; i < n_cells; i++) {
        const Cell *c = &cells[i];
        char a[24], b[24], d[24], e[24];
        cprintf("%-8s %-9s %7u %6lu %11s %11s %11s %11s %13lu %9lu.%lu\n",
                kind_names[c->kind], mode_names[c->mode], c->targets, (unsigned long)c->n,
                fmt_us(a, sizeof(a), c->p50_ns), fmt_us(b, sizeof(b), c->p90_ns),
                fmt_us(d, sizeof(d), c->p99_ns), fmt_us(e, sizeof(e), c->max_ns),
                (unsigned long)c->mean_cycles, (unsigned long)(c->peer_ops_per_ms_x10 / 10),
                (unsigned long)(c->peer_ops_per_ms_x10 % 10));
    }
    cprintf("\n");
}

/* ---- bootargs --------------------------------------------------------------------------- */

/* Calls fn(item, len) for each comma-separated item of `key`'s value; false if absent. */
static bool for_each_item(const char *key, void (*fn)(const char *item, size_t len))
{
    const char *v = bootarg(key);
    if (!v) {
        return false;
    }
    while (*v && *v != ' ') {
        const char *s = v;
        while (*v && *v != ',' && *v != ' ') {
            v++;
        }
        if (v > s) {
            fn(s, (size_t)(v - s));
        }
        if (*v == ',') {
            v++;
        }
    }
    return true;
}

static bool item_is(const char *item, size_t len, const char *word)
{
    return strlen(word) == len && strncmp(item, word, len) == 0;
}

static bool kind_on[N_KINDS], mode_on[N_MODES];
static unsigned tcounts[MAX_TCOUNTS], n_tcounts;

static void add_kind(const char *item, size_t len)
{
    for (unsigned k = 0; k < N_KINDS; k++) {
        if (item_is(item, len, kind_names[k])) {
            kind_on[k] = true;
            return;
        }
    }
    smode_panic("kinds=: unknown kind (page, range, asid, all, fence_i)");
}

static void add_mode(const char *item, size_t len)
{
    for (unsigned m = 0; m < N_MODES; m++) {
        if (item_is(item, len, mode_names[m])) {
            mode_on[m] = true;
            return;
        }
    }
    smode_panic("modes=: unknown mode (busy, idle, flushing)");
}

/* Keeps the list sorted and without repeats; counts the run cannot target are dropped. */
static void add_tcount(const char *item, size_t len)
{
    unsigned k = 0;
    if (item_is(item, len, "all")) {
        k = n_others;
    } else if (item_is(item, len, "self")) {
        k = 0;
    } else {
        for (size_t i = 0; i < len; i++) {
            if (item[i] < '0' || item[i] > '9') {
                smode_panic("targets=: not a number, 'all' or 'self'");
            }
            k = k * 10 + (unsigned)(item[i] - '0');
        }
        if (k == 0) {
            smode_panic("targets=: 0 (use 'self' for a fence on the requester only)");
        }
    }
    if (k > n_others || (k == 0 && n_others == 0)) {
        return;
    }
    unsigned i = 0;
    while (i < n_tcounts && tcounts[i] < k) {
        i++;
    }
    if ((i < n_tcounts && tcounts[i] == k) || n_tcounts == MAX_TCOUNTS) {
        return;
    }
    for (unsigned j = n_tcounts; j > i; j--) {
        tcounts[j] = tcounts[j - 1];
    }
    tcounts[i] = k;
    n_tcounts++;
}

static void add_default_tcounts(void)
{
    static const char *const dflt[] = { "1", "3", "7", "all" };
    for (unsigned i = 0; i < 4; i++) {
        add_tcount(dflt[i], strlen(dflt[i]));
    }
}

static void parse_bootargs(void)
{
    if (!for_each_item("kinds", add_kind)) {
        kind_on[KIND_PAGE] = kind_on[KIND_RANGE] = kind_on[KIND_ASID] = kind_on[KIND_ALL] = true;
    }
    if (!for_each_item("modes", add_mode)) {
        mode_on[MODE_BUSY] = mode_on[MODE_IDLE] = mode_on[MODE_FLUSHING] = true;
    }
    if (!for_each_item("targets", add_tcount)) {
        add_default_tcounts();
    }
    cfg.samples = bootarg_u64("samples", 200);
    if (cfg.samples < 1) {
        cfg.samples = 1;
    }
    if (cfg.samples > MAX_SAMPLES) {
        cprintf("flushlat: samples=%lu capped at %u\n", (unsigned long)cfg.samples,
                MAX_SAMPLES);
        cfg.samples = MAX_SAMPLES;
    }
    cfg.cell_ticks = ms_ticks(bootarg_u64("cell_ms", 1000));
    cfg.warmup = bootarg_u64("warmup", 5);
    cfg.gap_ticks = machine.timebase_hz * bootarg_u64("gap_us", 20) / 1000000;
    base_seed = bootarg_u64("seed", 1) * 0x2545f4914f6cdd1dULL + 1;
}

/* ---- main ------------------------------------------------------------------------------- */

static void start_others(void)
{
    unsigned started = smode_start_harts(0);
    if (started != n_others) {
        smode_panic("%u of %u other harts started", started, n_others);
    }
    uint64_t t0 = rdtime();
    for (unsigned i = 0; i < n_others; i++) {
        while (!__atomic_load_n(&alive[others[i]], __ATOMIC_ACQUIRE)) {
            if (rdtime() - t0 > ms_ticks(30000)) {
                smode_panic("hart %u started but did not come up within 30 s", others[i]);
            }
            cpu_relax();
        }
    }
}

void guest_main(unsigned hartid)
{
    for (unsigned i = 0; i < machine.n_harts; i++) {
        /* Targets are named in one 64-bit hart mask (base 0): harts 64 and up sit out. */
        if (machine.hart_ids[i] != hartid && machine.hart_ids[i] < 64) {
            others[n_others++] = machine.hart_ids[i];
        }
    }
    parse_bootargs();
    struct sbiret probe = sbi_call(SBI_EXT_BASE, 3, SBI_EXT_RFENCE, 0, 0, 0, 0);
    if (probe.error || !probe.value) {
        smode_panic("the SBI has no RFENCE extension");
    }
    build_page_tables();
    enable_paging();
    csr_set_sie_ssie();

    cprintf("flushlat: %u hart%s, requester hart %u, timebase %lu Hz, samples %lu per cell, "
            "cell cap %lu ms, seed %lu\n",
            machine.n_harts, machine.n_harts == 1 ? "" : "s", hartid, (unsigned long)machine.timebase_hz,
            (unsigned long)cfg.samples, (unsigned long)bootarg_u64("cell_ms", 1000),
            (unsigned long)bootarg_u64("seed", 1));
    uint64_t rng = base_seed;
    if (!n_others) {
        cprintf("flushlat: one hart: no remote targets; timing fences aimed at the requester "
                "itself (mode=none targets=0)\n");
        for (unsigned k = 0; k < N_KINDS; k++) {
            if (kind_on[k]) {
                measure_cell(k, MODE_NONE, 0, &rng);
            }
        }
    } else {
        start_others();
        if (!n_tcounts) {
            cprintf("flushlat: no target count in targets= fits %u other harts\n", n_others);
        }
        for (unsigned m = 0; m < N_MODES; m++) {
            if (!mode_on[m] || !n_tcounts) {
                continue;
            }
            set_mode(m);
            for (unsigned k = 0; k < N_KINDS; k++) {
                for (unsigned t = 0; kind_on[k] && t < n_tcounts; t++) {
                    measure_cell(k, m, tcounts[t], &rng);
                }
            }
        }
        set_mode(MODE_STOP);
        check_flushers();
    }
    print_table();
    cprintf("flushlat: done\n");
}
