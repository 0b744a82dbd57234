/* Softmmu TLB of one vCPU. Only the owner thread reads or writes these tables, so nothing here
 * is atomic; cross-vCPU flushes reach the owner as requests (MTTCG layer). */
#include "mm/tlb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sync/cpu_state.h"
#include "util/clock.h"

static void tlb_table_clear(CPUTLBEntry *table, size_t n)
{
    /* All-ones tags carry TLB_INVALID, so they never match a masked address. */
    memset(table, 0xff, n * sizeof(CPUTLBEntry));
}

static void tlb_desc_clear(CPUTLBDescFast *f, CPUTLBDesc *d)
{
    if (d->n_used_idx <= TLB_USED_TRACK) {
        for (unsigned k = 0; k < d->n_used_idx; k++) {
            tlb_table_clear(&f->table[d->used_idx[k]], 1);
        }
    } else {
        tlb_table_clear(f->table, f->mask + 1);
    }
    d->n_used_idx = 0;
    tlb_table_clear(d->vtable, TLB_VICTIM_SIZE);
    d->n_used_entries = 0;
    d->n_nonglobal = 0;
    d->large_page_addr = ~0ULL;
    d->large_page_mask = 0;
    d->large_sizes = 0;
}

/* Replace a table set's memory with table/full of n entries (n a power of two). */
static void tlb_desc_install(CPUTLBDescFast *f, CPUTLBDesc *d, CPUTLBEntry *table,
                             CPUTLBEntryFull *full, size_t n)
{
    free(f->table);
    free(d->fulltlb);
    f->table = table;
    f->mask = n - 1;
    f->entry_mask = f->mask << TLB_ENTRY_BITS;
    d->fulltlb = full;
}

static int tlb_desc_alloc(CPUTLBDescFast *f, CPUTLBDesc *d, size_t n)
{
    CPUTLBEntry *table = malloc(n * sizeof(CPUTLBEntry));
    CPUTLBEntryFull *full = calloc(n, sizeof(CPUTLBEntryFull));
    if (!table || !full) {
        free(table);
        free(full);
        return -ENOMEM;
    }
    tlb_desc_install(f, d, table, full, n);
    d->n_used_idx = TLB_USED_TRACK + 1;   /* fresh memory: the next clear is a whole one */
    return 0;
}

static void tlb_desc_free(CPUTLBDescFast *f, CPUTLBDesc *d)
{
    free(f->table);
    free(d->fulltlb);
    f->table = NULL;
    d->fulltlb = NULL;
}

static size_t pow2_ceil(size_t n)
{
    size_t p = 1;
    while (p < n) {
        p <<= 1;
    }
    return p;
}

/* The window's peak occupancy, updated with the current one. */
static void tlb_desc_note_peak(CPUTLBDesc *d)
{
    if (d->n_used_entries > d->window_max_entries) {
        d->window_max_entries = d->n_used_entries;
    }
}

/* The window's peak filled more than 70 % of a table of `size` entries (in whole percent,
 * as QEMU rounds it: peak * 100 / size > 70), without a division, since the page-flush path
 * asks it at every flush. */
static bool tlb_desc_peak_over_70(const CPUTLBDesc *d, size_t size)
{
    return d->window_max_entries * 100 >= 71 * size;
}

/* QEMU's resize policy: over a 100 ms window remember the highest occupancy; above 70% of
 * the table double it at once, below 30% at the end of a window shrink it to the smallest
 * power of two the window's peak fills to at most 70%. Returns the size to use; *expired
 * tells whether the window has ended. */
static size_t tlb_desc_policy_size(CPUTLBDesc *d, size_t old_size, int64_t now, bool *expired)
{
    *expired = now - d->window_begin_ns > 100 * 1000 * 1000;
    tlb_desc_note_peak(d);
    if (tlb_desc_peak_over_70(d, old_size)) {
        return old_size * 2 <= (1u << TLB_MAX_BITS) ? old_size * 2 : old_size;
    }
    if (d->window_max_entries * 100 / old_size < 30 && *expired) {
        size_t ceil = pow2_ceil(d->window_max_entries ? d->window_max_entries : 1);
        if (d->window_max_entries * 100 / ceil > 70) {
            ceil *= 2;
        }
        return ceil > (1u << TLB_MIN_BITS) ? ceil : (1u << TLB_MIN_BITS);
    }
    return old_size;
}

/* Applied when an mmu_idx is flushed entirely: the table is emptied anyway, so a new size
 * costs no copy. */
static void tlb_desc_flush_and_resize(CPUTLB *tlb, CPUTLBDescFast *f, CPUTLBDesc *d)
{
    int64_t now = clock_monotonic_ns();
    bool expired;
    size_t old_size = f->mask + 1;
    size_t new_size = tlb_desc_policy_size(d, old_size, now, &expired);
    if (new_size != old_size && tlb_desc_alloc(f, d, new_size) == 0) {
        tlb->stats.resizes++;
        d->window_begin_ns = now;
        d->window_max_entries = 0;
    } else if (expired) {
        d->window_begin_ns = now;
        d->window_max_entries = 0;   /* the table is about to be empty */
    }
    tlb_desc_clear(f, d);
}

int tlb_init(CPUTLB *tlb, CPUState *owner, const CPUTLBOps *ops, void *opaque)
{
    memset(tlb, 0, sizeof(*tlb));
    tlb->owner = owner;
    tlb->ops = ops;
    tlb->opaque = opaque;
    int64_t now = clock_monotonic_ns();
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        if (tlb_desc_alloc(&tlb->f[i], &tlb->d[i], 1u << TLB_DEFAULT_BITS) != 0) {
            tlb_destroy(tlb);
            return -ENOMEM;
        }
        tlb->d[i].window_begin_ns = now;
        tlb_desc_clear(&tlb->f[i], &tlb->d[i]);
    }
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS_MAX; c++) {
        tlb->ctx[c].asid = -1;    /* tables allocated on first use */
    }
    tlb->n_contexts = TLB_ASID_CONTEXTS;
    return 0;
}

void tlb_destroy(CPUTLB *tlb)
{
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        tlb_desc_free(&tlb->f[i], &tlb->d[i]);
    }
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS_MAX; c++) {
        for (unsigned i = 0; i < TLB_ASID_TAGGED_MODES; i++) {
            tlb_desc_free(&tlb->ctx[c].f[i], &tlb->ctx[c].d[i]);
        }
        tlb->ctx[c].asid = -1;
    }
}

void tlb_set_retain(CPUTLB *tlb, bool on)
{
    tlb->retain = on;
    tlb->n_contexts = on ? TLB_ASID_CONTEXTS_MAX : TLB_ASID_CONTEXTS;
}

void tlb_set_qemu_policy(CPUTLB *tlb, bool on)
{
    tlb->qemu_policy = on;
}

/* The layer above keeps caches keyed by virtual address (the TB jump cache): tell it. */
static void notify_flushed_all(CPUTLB *tlb)
{
    if (tlb->ops && tlb->ops->flushed_all) {
        tlb->ops->flushed_all(tlb);
    }
}

static void notify_flushed_nonglobal(CPUTLB *tlb)
{
    if (tlb->ops && tlb->ops->flushed_nonglobal) {
        tlb->ops->flushed_nonglobal(tlb);
    }
}

static void notify_flushed_page(CPUTLB *tlb, uint64_t page)
{
    if (tlb->ops && tlb->ops->flushed_page) {
        tlb->ops->flushed_page(tlb, page);
    }
}

static bool tlb_entry_is_empty(const CPUTLBEntry *e)
{
    return e->addr_read == TLB_EMPTY_TAG && e->addr_write == TLB_EMPTY_TAG &&
           e->addr_code == TLB_EMPTY_TAG;
}

static bool tlb_entry_is_page(const CPUTLBEntry *e, uint64_t page)
{
    uint64_t m = RV_PAGE_MASK | TLB_INVALID;
    return (e->addr_read & m) == page || (e->addr_write & m) == page ||
           (e->addr_code & m) == page;
}

/* Virtual page of a non-empty entry. */
static uint64_t tlb_entry_vpage(const CPUTLBEntry *e)
{
    uint64_t t = e->addr_read != TLB_EMPTY_TAG ? e->addr_read
               : e->addr_write != TLB_EMPTY_TAG ? e->addr_write : e->addr_code;
    return t & RV_PAGE_MASK;
}

/* Does the entry come from a large page that contains `page`? */
static bool tlb_entry_in_large_page(const CPUTLBEntry *e, const CPUTLBEntryFull *full,
                                    uint64_t page)
{
    if (full->page_bits <= RV_PAGE_BITS || tlb_entry_is_empty(e)) {
        return false;
    }
    uint64_t lp_mask = ~((1ULL << full->page_bits) - 1);
    return ((tlb_entry_vpage(e) ^ page) & lp_mask) == 0;
}

static void tlb_desc_clear_entry(CPUTLBDesc *d, CPUTLBEntry *e)
{
    tlb_table_clear(e, 1);
    d->n_used_entries--;
}

/* The page sizes above 4 KiB a leaf can have: the Svnapot 64 KiB page, then the 2 MiB,
 * 1 GiB, 512 GiB and 256 TiB superpages. Bit k of CPUTLBDesc.large_sizes stands for
 * large_page_bits[k]. */
static const uint8_t large_page_bits[] = { 16, 21, 30, 39, 48 };
#define N_LARGE_SIZES (sizeof(large_page_bits) / sizeof(large_page_bits[0]))

static unsigned tlb_large_size_class(unsigned page_bits)
{
    unsigned k = 0;
    while (k + 1 < N_LARGE_SIZES && large_page_bits[k] != page_bits) {
        k++;
    }
    return k;
}

/* Remove every entry derived from a large page that contains `page`. The 4 KiB pieces of a
 * large page sit at consecutive indexes (the index is the virtual page number), so a 2 MiB
 * page needs at most 512 slots looked at; a page at least as large as the table needs a
 * pass over the table. */
static void tlb_desc_flush_large(CPUTLBDescFast *f, CPUTLBDesc *d, uint64_t page)
{
    size_t n_entries = f->mask + 1;
    for (unsigned k = 0; k < N_LARGE_SIZES; k++) {
        if (!(d->large_sizes & (1u << k))) {
            continue;
        }
        unsigned bits = large_page_bits[k];
        uint64_t base = page & ~((1ULL << bits) - 1);
        uint64_t n_pages = 1ULL << (bits - RV_PAGE_BITS);
        size_t n = n_pages < n_entries ? (size_t)n_pages : n_entries;
        size_t first = (size_t)(base >> RV_PAGE_BITS);
        for (size_t j = 0; j < n; j++) {
            size_t idx = (first + j) & f->mask;
            CPUTLBEntry *e = &f->table[idx];
            if (d->fulltlb[idx].page_bits == bits &&
                tlb_entry_in_large_page(e, &d->fulltlb[idx], page)) {
                tlb_desc_clear_entry(d, e);
            }
        }
    }
}

/* What a page flush of one table set did. */
enum page_flush_result {
    PAGE_FLUSHED,          /* the page's entries */
    PAGE_FLUSHED_LARGE,    /* ... and those of the large pages that may hold it */
    PAGE_FLUSHED_ALL,      /* the whole mmu_idx (QEMU's policy for a large page) */
};

/* In the last two cases, code on the large page's other 4 KiB pages was reached through a
 * translation just removed too, so the caller drops the whole jump cache, not just the
 * page's entries. */
static enum page_flush_result tlb_desc_flush_page(CPUTLB *tlb, CPUTLBDescFast *f,
                                                  CPUTLBDesc *d, uint64_t page)
{
    bool in_large = (page & d->large_page_mask) == d->large_page_addr;
    if (in_large && tlb->qemu_policy) {
        /* QEMU: entries derived from the large page may sit at any index. */
        tlb_desc_flush_and_resize(tlb, f, d);
        tlb->stats.flushes_large_page++;
        return PAGE_FLUSHED_ALL;
    }
    CPUTLBEntry *e = &f->table[(page >> RV_PAGE_BITS) & f->mask];
    if (tlb_entry_is_page(e, page)) {
        tlb_desc_clear_entry(d, e);
    }
    for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
        if (tlb_entry_is_page(&d->vtable[v], page) ||
            tlb_entry_in_large_page(&d->vtable[v], &d->vfulltlb[v], page)) {
            tlb_table_clear(&d->vtable[v], 1);
        }
    }
    if (in_large) {
        tlb_desc_flush_large(f, d, page);
        tlb->stats.flushes_large_page_precise++;
        return PAGE_FLUSHED_LARGE;
    }
    return PAGE_FLUSHED;
}

/* Main-table entry idx may hold an entry now (see CPUTLBDesc.used_idx). */
static void tlb_note_used(CPUTLBDesc *d, size_t idx)
{
    if (d->n_used_idx < TLB_USED_TRACK) {
        d->used_idx[d->n_used_idx] = (uint32_t)idx;
    }
    if (d->n_used_idx <= TLB_USED_TRACK) {
        d->n_used_idx++;
    }
}

/* Main-table entry idx now holds a translation from a non-global PTE. */
static void tlb_note_nonglobal(CPUTLBDesc *d, size_t idx)
{
    if (d->n_nonglobal < TLB_NONGLOBAL_TRACK) {
        d->nonglobal_idx[d->n_nonglobal] = (uint32_t)idx;
    }
    if (d->n_nonglobal <= TLB_NONGLOBAL_TRACK) {
        d->n_nonglobal++;
    }
}

/* Non-global entries of a table set. */
static void tlb_desc_flush_nonglobal(CPUTLBDescFast *f, CPUTLBDesc *d)
{
    if (d->n_nonglobal > TLB_NONGLOBAL_TRACK) {
        for (size_t i = 0; i <= f->mask; i++) {
            if (!d->fulltlb[i].global && !tlb_entry_is_empty(&f->table[i])) {
                tlb_desc_clear_entry(d, &f->table[i]);
            }
        }
    } else {
        for (unsigned k = 0; k < d->n_nonglobal; k++) {
            uint32_t i = d->nonglobal_idx[k];
            if (!d->fulltlb[i].global && !tlb_entry_is_empty(&f->table[i])) {
                tlb_desc_clear_entry(d, &f->table[i]);
            }
        }
    }
    d->n_nonglobal = 0;
    for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
        if (!d->vfulltlb[v].global) {
            tlb_table_clear(&d->vtable[v], 1);
        }
    }
}

/* The same policy at flushes that keep entries (ASID, page, range) and at ASID switches.
 * Linux with ASIDs almost never flushes a whole mmu_idx, so deciding only at full flushes
 * left the tables at their first size: stress-ng tlb-shootdown at -smp 2 refilled 24.6K
 * entries per bogo op against 3.5K with --flush=qemu, whose sfence.vma flushes everything.
 * A new size rehashes the entries that are left: an entry sits at its virtual page number
 * modulo the size, so growing never makes two collide; shrinking keeps one of a colliding
 * pair (the TLB may always forget). Costs one pass over the old table, at most once per
 * window for a shrink and once per doubling for a growth. */
static void tlb_desc_rehash(CPUTLB *tlb, CPUTLBDescFast *f, CPUTLBDesc *d, size_t new_size,
                            int64_t now);

static void tlb_desc_resize_keeping(CPUTLB *tlb, CPUTLBDescFast *f, CPUTLBDesc *d,
                                    int64_t now)
{
    bool expired;
    size_t old_size = f->mask + 1;
    size_t new_size = tlb_desc_policy_size(d, old_size, now, &expired);
    if (tlb->retain && new_size < old_size && d->n_used_entries) {
        new_size = old_size;          /* shrinking would forget entries */
    }
    if (new_size == old_size) {
        if (expired) {
            d->window_begin_ns = now;
            d->window_max_entries = d->n_used_entries;
        }
        return;
    }
    tlb_desc_rehash(tlb, f, d, new_size, now);
}

/* The table at new_size with the entries that fit (all of them when it grows). */
static void tlb_desc_rehash(CPUTLB *tlb, CPUTLBDescFast *f, CPUTLBDesc *d, size_t new_size,
                            int64_t now)
{
    size_t old_size = f->mask + 1;
    CPUTLBEntry *table = malloc(new_size * sizeof(CPUTLBEntry));
    CPUTLBEntryFull *full = calloc(new_size, sizeof(CPUTLBEntryFull));
    if (!table || !full) {
        free(table);
        free(full);
        return;                       /* keep the old size: still correct */
    }
    tlb_table_clear(table, new_size);
    size_t used = 0;
    d->n_nonglobal = 0;
    d->n_used_idx = 0;
    for (size_t i = 0; i < old_size; i++) {
        const CPUTLBEntry *e = &f->table[i];
        if (tlb_entry_is_empty(e)) {
            continue;
        }
        size_t j = (size_t)(tlb_entry_vpage(e) >> RV_PAGE_BITS) & (new_size - 1);
        if (!tlb_entry_is_empty(&table[j])) {
            continue;                 /* shrinking: the slot is taken, forget this one */
        }
        table[j] = *e;
        full[j] = d->fulltlb[i];
        used++;
        tlb_note_used(d, j);
        if (!full[j].global) {
            tlb_note_nonglobal(d, j);
        }
    }
    tlb_desc_install(f, d, table, full, new_size);
    d->n_used_entries = used;
    d->window_begin_ns = now;
    d->window_max_entries = used;
    tlb->stats.resizes++;
}

/* At flushes that happen often (page, range): only the growth half of the policy, which
 * needs no clock until it applies. */
static void tlb_desc_maybe_grow(CPUTLB *tlb, CPUTLBDescFast *f, CPUTLBDesc *d)
{
    tlb_desc_note_peak(d);
    if (tlb_desc_peak_over_70(d, f->mask + 1)) {
        tlb_desc_resize_keeping(tlb, f, d, clock_monotonic_ns());
    }
}

static void tlb_forget_contexts(CPUTLB *tlb)
{
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS_MAX; c++) {
        tlb->ctx[c].asid = -1;
    }
}

void tlb_flush_by_mmuidx_local(CPUTLB *tlb, unsigned idxmap)
{
    assert_cpu_is_self(tlb->owner);
    tlb->flush_gen++;
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        if (idxmap & (1u << i)) {
            tlb_desc_flush_and_resize(tlb, &tlb->f[i], &tlb->d[i]);
        }
    }
    if (idxmap & TLB_ASID_TAGGED_IDXMAP) {
        tlb_forget_contexts(tlb);
    }
    tlb->stats.flushes_full++;
    notify_flushed_all(tlb);
}

void tlb_flush_local(CPUTLB *tlb)
{
    tlb_flush_by_mmuidx_local(tlb, (1u << TLB_NB_MMU_MODES) - 1);
}

void tlb_flush_asid_by_mmuidx_local(CPUTLB *tlb, int32_t asid, unsigned idxmap)
{
    assert_cpu_is_self(tlb->owner);
    tlb->flush_gen++;
    if (asid < 0 || tlb->qemu_policy) {
        tlb_flush_by_mmuidx_local(tlb, idxmap);
        return;
    }
    idxmap &= TLB_ASID_TAGGED_IDXMAP;
    if ((uint16_t)asid == tlb->asid) {
        int64_t now = clock_monotonic_ns();
        for (unsigned i = 0; i < TLB_ASID_TAGGED_MODES; i++) {
            if (idxmap & (1u << i)) {
                CPUTLBDesc *d = &tlb->d[i];
                tlb_desc_note_peak(d);            /* the use before the flush */
                tlb_desc_flush_nonglobal(&tlb->f[i], d);
                tlb_desc_resize_keeping(tlb, &tlb->f[i], d, now);
            }
        }
        /* Global translations stay, and so do the jump-cache entries reached through them
         * (the kernel's code, under Linux): refilling those after every ASID flush was a
         * global hash-table lookup per indirect jump. */
        notify_flushed_nonglobal(tlb);
    }
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS_MAX; c++) {
        if (idxmap && tlb->ctx[c].asid == asid) {
            tlb->ctx[c].asid = -1;
        }
    }
    tlb->stats.flushes_asid++;
}

static bool asid_matches(int32_t want, int32_t have)
{
    return want < 0 || want == have;
}

/* Page flush without the statistics and jump-cache work, for page and range flushes. */
static void tlb_flush_one_page(CPUTLB *tlb, uint64_t page, int32_t asid, unsigned idxmap)
{
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        if (!(idxmap & (1u << i))) {
            continue;
        }
        bool tagged = i < TLB_ASID_TAGGED_MODES;
        if (!tagged || tlb->qemu_policy || asid_matches(asid, tlb->asid)) {
            enum page_flush_result r = tlb_desc_flush_page(tlb, &tlb->f[i], &tlb->d[i], page);
            if (r != PAGE_FLUSHED) {
                notify_flushed_all(tlb);
            }
            if (r != PAGE_FLUSHED_ALL && !tlb->qemu_policy) {
                tlb_desc_maybe_grow(tlb, &tlb->f[i], &tlb->d[i]);
            }
        }
        if (!tagged) {
            continue;
        }
        for (unsigned c = 0; c < TLB_ASID_CONTEXTS_MAX; c++) {
            CPUTLBContext *ctx = &tlb->ctx[c];
            if (ctx->asid >= 0 && asid_matches(asid, ctx->asid)) {
                /* A kept context's translations reach no jump-cache entry (an ASID
                 * switch drops the non-global ones). */
                if (tlb_desc_flush_page(tlb, &ctx->f[i], &ctx->d[i], page) ==
                    PAGE_FLUSHED_ALL) {
                    ctx->asid = -1;
                }
            }
        }
    }
}

void tlb_flush_page_asid_by_mmuidx_local(CPUTLB *tlb, uint64_t vaddr, int32_t asid,
                                         unsigned idxmap)
{
    assert_cpu_is_self(tlb->owner);
    tlb->flush_gen++;
    uint64_t page = vaddr & RV_PAGE_MASK;
    tlb_flush_one_page(tlb, page, asid, idxmap);
    tlb->stats.flushes_page++;
    notify_flushed_page(tlb, page);
}

void tlb_flush_page_by_mmuidx_local(CPUTLB *tlb, uint64_t vaddr, unsigned idxmap)
{
    tlb_flush_page_asid_by_mmuidx_local(tlb, vaddr, -1, idxmap);
}

void tlb_flush_page_local(CPUTLB *tlb, uint64_t vaddr)
{
    tlb_flush_page_by_mmuidx_local(tlb, vaddr, (1u << TLB_NB_MMU_MODES) - 1);
}

/* ---- range flushes: a cost model picks the way ---- */

/* Does the entry come from a leaf that maps part of [first, last] (page addresses)? */
static bool tlb_entry_overlaps(const CPUTLBEntry *e, const CPUTLBEntryFull *full, uint64_t first,
                               uint64_t last)
{
    if (tlb_entry_is_empty(e)) {
        return false;
    }
    unsigned bits = full->page_bits > RV_PAGE_BITS ? full->page_bits : RV_PAGE_BITS;
    uint64_t lo = tlb_entry_vpage(e) & ~((1ULL << bits) - 1);
    uint64_t hi = lo + ((1ULL << bits) - 1);
    return lo <= last && first <= hi;
}

/* Remove every entry of a table set (and its victims) that overlaps [first, last]. */
static void tlb_desc_flush_range_scan(CPUTLBDescFast *f, CPUTLBDesc *d, uint64_t first,
                                      uint64_t last)
{
    for (size_t i = 0; i <= f->mask; i++) {
        if (tlb_entry_overlaps(&f->table[i], &d->fulltlb[i], first, last)) {
            tlb_desc_clear_entry(d, &f->table[i]);
        }
    }
    for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
        if (tlb_entry_overlaps(&d->vtable[v], &d->vfulltlb[v], first, last)) {
            tlb_table_clear(&d->vtable[v], 1);
        }
    }
}

/* A table set a range flush must visit. */
typedef struct RangeTarget {
    CPUTLBDescFast *f;
    CPUTLBDesc *d;
    bool current;                 /* the live tables (not a kept address space's) */
    bool tagged;
} RangeTarget;

static unsigned range_targets(CPUTLB *tlb, int32_t asid, unsigned idxmap, RangeTarget *out)
{
    unsigned n = 0;
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        if (!(idxmap & (1u << i))) {
            continue;
        }
        bool tagged = i < TLB_ASID_TAGGED_MODES;
        if (!tagged || asid_matches(asid, tlb->asid)) {
            out[n++] = (RangeTarget){ &tlb->f[i], &tlb->d[i], true, tagged };
        }
        if (!tagged) {
            continue;
        }
        for (unsigned c = 0; c < TLB_ASID_CONTEXTS_MAX; c++) {
            CPUTLBContext *ctx = &tlb->ctx[c];
            if (ctx->asid >= 0 && asid_matches(asid, ctx->asid)) {
                out[n++] = (RangeTarget){ &ctx->f[i], &ctx->d[i], false, true };
            }
        }
    }
    return n;
}

/* Tracked non-global entries of a table set that lie outside [first, last]: what flushing
 * the address space would drop beyond the range. Only when the tracking has not overflowed
 * (then the list holds every one, with stale or repeated indices, checked here). */
static size_t tlb_desc_nonglobal_outside(const CPUTLBDescFast *f, const CPUTLBDesc *d,
                                         uint64_t first, uint64_t last)
{
    size_t n = 0;
    for (unsigned k = 0; k < d->n_nonglobal; k++) {
        uint32_t i = d->nonglobal_idx[k];
        bool repeated = false;
        for (unsigned j = 0; j < k && !repeated; j++) {
            repeated = d->nonglobal_idx[j] == i;
        }
        if (!repeated && !d->fulltlb[i].global && !tlb_entry_is_empty(&f->table[i]) &&
            !tlb_entry_overlaps(&f->table[i], &d->fulltlb[i], first, last)) {
            n++;
        }
    }
    return n;
}

/* The way tlb_flush_range_asid_by_mmuidx_local takes, from what each costs:
 *  - page by page: every page of the range, in every table set it may be in;
 *  - a scan: every slot of those table sets once, keeping what lies outside the range;
 *  - flushing the address space (for every address space: the mmu_idx): the tracked
 *    non-global entries (or every slot once the tracking overflowed), but the translations
 *    outside the range go too and the guest refills them. Exact for the live tables while
 *    the tracking holds; otherwise every entry is assumed lost, and then a scan, which
 *    visits no more slots, always costs less. */
enum range_way { RANGE_BY_PAGE, RANGE_BY_SCAN, RANGE_BY_SPACE };

static enum range_way tlb_range_way(const RangeTarget *t, unsigned n, uint64_t first,
                                    uint64_t last, int32_t asid)
{
    uint64_t n_pages = ((last - first) >> RV_PAGE_BITS) + 1;
    uint64_t page_cost = n_pages > (1ULL << 40) ? UINT64_MAX / 64 : n_pages * TLB_COST_PAGE_NS;
    uint64_t by_page = 0, by_scan = TLB_COST_JUMP_CACHE_NS, by_space = TLB_COST_JUMP_CACHE_NS;
    for (unsigned k = 0; k < n; k++) {
        const CPUTLBDesc *d = t[k].d;
        uint64_t slots = t[k].f->mask + 1 + TLB_VICTIM_SIZE;
        uint64_t lost = d->n_used_entries;
        if (t[k].current && t[k].tagged && asid >= 0) {
            if (d->n_nonglobal <= TLB_NONGLOBAL_TRACK) {
                lost = tlb_desc_nonglobal_outside(t[k].f, d, first, last);
                by_space += d->n_nonglobal * TLB_COST_VISIT_NS;
            } else {
                by_space += slots * TLB_COST_VISIT_NS;
            }
        }
        by_space += lost * TLB_COST_REFILL_NS;
        by_page += page_cost;
        if (d->large_sizes && first <= (d->large_page_addr | ~d->large_page_mask) &&
            d->large_page_addr <= last) {
            /* Pages inside the large-page region also sweep the slots of the large pages
             * that may hold them (tlb_desc_flush_large): up to 512 a 2 MiB page. */
            uint64_t sweep = slots < 512 ? slots : 512;
            by_page += n_pages > (1ULL << 30) ? UINT64_MAX / 64
                                              : n_pages * sweep * TLB_COST_VISIT_NS;
        }
        by_scan += slots * TLB_COST_VISIT_NS;
    }
    if (by_page <= by_scan && by_page <= by_space) {
        return RANGE_BY_PAGE;
    }
    return by_scan <= by_space ? RANGE_BY_SCAN : RANGE_BY_SPACE;
}

void tlb_flush_range_asid_by_mmuidx_local(CPUTLB *tlb, uint64_t vaddr, uint64_t len,
                                          int32_t asid, unsigned idxmap)
{
    assert_cpu_is_self(tlb->owner);
    tlb->flush_gen++;
    tlb->stats.flushes_range++;
    uint64_t first = vaddr & RV_PAGE_MASK;
    uint64_t last = len ? vaddr + len - 1 : vaddr;
    if (last < vaddr) {
        last = ~0ULL;                 /* wraps: to the top of the address space */
    }
    last &= RV_PAGE_MASK;
    RangeTarget t[TLB_NB_MMU_MODES * (1 + TLB_ASID_CONTEXTS_MAX)];
    unsigned n_targets = 0;
    enum range_way way;
    if (tlb->qemu_policy) {
        /* QEMU walks up to 64 pages and flushes the mmu_idx beyond. */
        way = ((last - first) >> RV_PAGE_BITS) >= TLB_RANGE_MAX_PAGES ? RANGE_BY_SPACE
                                                                      : RANGE_BY_PAGE;
    } else {
        n_targets = range_targets(tlb, asid, idxmap, t);
        way = tlb_range_way(t, n_targets, first, last, asid);
    }
    if (way == RANGE_BY_SPACE) {
        tlb->stats.range_by_space++;
        if (asid >= 0) {
            tlb_flush_asid_by_mmuidx_local(tlb, asid, idxmap);
            /* The mmu_idx values an ASID does not tag have no ASID flush. */
            tlb_flush_by_mmuidx_local(tlb, idxmap & ~TLB_ASID_TAGGED_IDXMAP);
        } else {
            tlb_flush_by_mmuidx_local(tlb, idxmap);
        }
        return;
    }
    if (way == RANGE_BY_SCAN) {
        tlb->stats.range_by_scan++;
        for (unsigned k = 0; k < n_targets; k++) {
            tlb_desc_flush_range_scan(t[k].f, t[k].d, first, last);
        }
        /* The jump cache may hold TBs of the range reached through translations the TLB
         * has since evicted, so the scan cannot tell which ones to drop. An ASID's flush
         * leaves global translations (and what was reached through them) valid. */
        if (asid >= 0 && !(idxmap & ~TLB_ASID_TAGGED_IDXMAP)) {
            notify_flushed_nonglobal(tlb);
        } else {
            notify_flushed_all(tlb);
        }
        return;
    }
    for (uint64_t page = first; ; page += RV_PAGE_SIZE) {
        tlb_flush_one_page(tlb, page, asid, idxmap);
        notify_flushed_page(tlb, page);
        if (page == last) {
            break;
        }
    }
}

static void tlb_add_large_page(CPUTLBDesc *d, uint64_t vaddr, unsigned page_bits);

/* --tlb-retain: hardware holds one copy of a global translation for every address space, so
 * one that a missing fence left stale must not vanish at an ASID switch. The outgoing tables'
 * global entries go into the incoming ones wherever their slot is free (a slot holding
 * something else keeps it: the incoming tables' own entries are as retained). */
static void tlb_carry_global_entries(CPUTLB *tlb, const CPUTLBContext *out, uint16_t from)
{
    for (unsigned i = 0; i < TLB_ASID_TAGGED_MODES; i++) {
        const CPUTLBDescFast *of = &out->f[i];
        const CPUTLBDesc *od = &out->d[i];
        CPUTLBDesc *d = &tlb->d[i];
        for (size_t j = 0; of->table && j <= of->mask; j++) {
            const CPUTLBEntry *e = &of->table[j];
            if (tlb_entry_is_empty(e) || !od->fulltlb[j].global) {
                continue;
            }
            uint64_t vpage = tlb_entry_vpage(e);
            CPUTLBEntry *ne = tlb_entry(tlb, i, vpage);
            size_t k = (size_t)(ne - tlb->f[i].table);
            if (!tlb_entry_is_empty(ne)) {
                continue;
            }
            *ne = *e;
            d->fulltlb[k] = od->fulltlb[j];
            d->fulltlb[k].asid = tlb->asid;
            d->n_used_entries++;
            tlb_note_used(d, k);
            if (od->fulltlb[j].page_bits > RV_PAGE_BITS) {
                tlb_add_large_page(d, vpage, od->fulltlb[j].page_bits);
            }
            if (tlb->ops && tlb->ops->entry_copied) {
                tlb->ops->entry_copied(tlb, i, vpage, from, tlb->asid);
            }
        }
    }
}

void tlb_switch_address_space(CPUTLB *tlb, uint16_t new_asid, bool mode_changed)
{
    assert_cpu_is_self(tlb->owner);
    tlb->flush_gen++;
    if (tlb->qemu_policy || mode_changed) {
        /* QEMU flushes on every satp write. A mode change makes every cached translation
         * of the tagged contexts (including identity ones from Bare) meaningless. */
        tlb_flush_by_mmuidx_local(tlb, TLB_ASID_TAGGED_IDXMAP);
        tlb->asid = new_asid;
        return;
    }
    if (new_asid == tlb->asid) {
        return;   /* same address space: the spec requires an sfence.vma for any change */
    }
    /* Keep the current tables under their ASID; bring back the new ASID's, or a free or the
     * least recently used slot's tables, emptied. */
    int slot = -1;
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS_MAX; c++) {
        if (tlb->ctx[c].asid == new_asid) {
            slot = (int)c;
        }
    }
    bool hit = slot >= 0;
    if (!hit) {
        slot = 0;
        for (unsigned c = 0; c < tlb->n_contexts; c++) {
            if (tlb->ctx[c].asid < 0) {
                slot = (int)c;
                break;
            }
            if (tlb->ctx[c].last_use < tlb->ctx[slot].last_use) {
                slot = (int)c;
            }
        }
    }
    /* The outgoing tables are measured (and resized) before they are put away. */
    int64_t now = clock_monotonic_ns();
    for (unsigned i = 0; i < TLB_ASID_TAGGED_MODES; i++) {
        tlb_desc_resize_keeping(tlb, &tlb->f[i], &tlb->d[i], now);
    }
    CPUTLBContext *ctx = &tlb->ctx[slot];
    bool fresh = !ctx->f[0].table;
    if (fresh) {
        for (unsigned i = 0; i < TLB_ASID_TAGGED_MODES; i++) {
            if (tlb_desc_alloc(&ctx->f[i], &ctx->d[i], 1u << TLB_DEFAULT_BITS) != 0) {
                /* No memory to keep another address space: fall back to flushing. */
                for (unsigned j = 0; j <= i; j++) {
                    tlb_desc_free(&ctx->f[j], &ctx->d[j]);
                }
                tlb_flush_by_mmuidx_local(tlb, TLB_ASID_TAGGED_IDXMAP);
                tlb->asid = new_asid;
                return;
            }
            ctx->d[i].window_begin_ns = now;
        }
    }
    for (unsigned i = 0; i < TLB_ASID_TAGGED_MODES; i++) {
        CPUTLBDescFast tf = tlb->f[i];
        CPUTLBDesc td = tlb->d[i];
        tlb->f[i] = ctx->f[i];
        tlb->d[i] = ctx->d[i];
        ctx->f[i] = tf;
        ctx->d[i] = td;
        if (!hit) {
            tlb_desc_clear(&tlb->f[i], &tlb->d[i]);
        }
    }
    ctx->asid = tlb->asid;
    ctx->last_use = ++tlb->context_clock;
    tlb->asid = new_asid;
    tlb->stats.asid_switches++;
    tlb->stats.asid_context_hits += hit;
    if (tlb->retain) {
        tlb_carry_global_entries(tlb, ctx, (uint16_t)ctx->asid);
    }
    /* The jump cache is keyed by virtual pc only. */
    notify_flushed_all(tlb);
}

static void tlb_add_large_page(CPUTLBDesc *d, uint64_t vaddr, unsigned page_bits)
{
    uint64_t mask = ~((1ULL << page_bits) - 1);
    uint64_t lp_addr = d->large_page_addr;
    uint64_t lp_mask = d->large_page_mask;
    if (lp_addr != ~0ULL) {
        /* Widen the mask until it covers both the old region and this page. */
        lp_mask &= mask;
        while (((lp_addr ^ vaddr) & lp_mask) != 0) {
            lp_mask <<= 1;
        }
    } else {
        lp_mask = mask;
    }
    d->large_page_addr = vaddr & lp_mask;
    d->large_page_mask = lp_mask;
    d->large_sizes |= (uint8_t)(1u << tlb_large_size_class(page_bits));
}

/* Owner only. The entry for `page` in mmu_idx's main table, after swapping it in from the
 * victim TLB if it was there; NULL when neither holds a translation of `page` for `access`. */
CPUTLBEntry *tlb_lookup(CPUTLB *tlb, unsigned mmu_idx, uint64_t page, enum mmu_access access,
                        CPUTLBEntryFull **full)
{
    assert_cpu_is_self(tlb->owner);
    CPUTLBEntry *e = tlb_entry(tlb, mmu_idx, page);
    size_t idx = (size_t)(e - tlb->f[mmu_idx].table);
    CPUTLBDesc *d = &tlb->d[mmu_idx];
    if (tlb_hit(tlb_entry_tag(e, access), page)) {
        *full = &d->fulltlb[idx];
        return e;
    }
    for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
        CPUTLBEntry *ve = &d->vtable[v];
        if (tlb_hit(tlb_entry_tag(ve, access), page)) {
            CPUTLBEntry tmp = *e;
            CPUTLBEntryFull tmpf = d->fulltlb[idx];
            if (tlb_entry_is_empty(e)) {
                d->n_used_entries++;     /* the main table gains an entry, the victim loses one */
                tlb_note_used(d, idx);   /* (a full slot is listed already) */
            }
            *e = *ve;
            d->fulltlb[idx] = d->vfulltlb[v];
            *ve = tmp;
            d->vfulltlb[v] = tmpf;
            if (!d->fulltlb[idx].global) {
                tlb_note_nonglobal(d, idx);
            }
            tlb->stats.victim_hits++;
            *full = &d->fulltlb[idx];
            return e;
        }
    }
    return NULL;
}

void tlb_set_page(CPUTLB *tlb, unsigned mmu_idx, uint64_t vaddr, const TLBPageInfo *info)
{
    assert_cpu_is_self(tlb->owner);
    uint64_t vpage = vaddr & RV_PAGE_MASK;
    CPUTLBDesc *d = &tlb->d[mmu_idx];
    CPUTLBEntry *e = tlb_entry(tlb, mmu_idx, vpage);
    size_t idx = (size_t)(e - tlb->f[mmu_idx].table);

    if (tlb->retain && !tlb_entry_is_empty(e) && !tlb_entry_is_page(e, vpage) &&
        !tlb_entry_is_empty(&d->vtable[d->vindex % TLB_VICTIM_SIZE]) &&
        tlb->f[mmu_idx].mask + 1 < (1u << TLB_MAX_BITS)) {
        /* --tlb-retain: the victim slot is taken, so grow rather than forget one. */
        tlb_desc_rehash(tlb, &tlb->f[mmu_idx], d, (tlb->f[mmu_idx].mask + 1) * 2,
                        clock_monotonic_ns());
        e = tlb_entry(tlb, mmu_idx, vpage);
        idx = (size_t)(e - tlb->f[mmu_idx].table);
    }
    if (!tlb_entry_is_empty(e)) {
        if (!tlb_entry_is_page(e, vpage)) {
            unsigned v = d->vindex++ % TLB_VICTIM_SIZE;
            d->vtable[v] = *e;
            d->vfulltlb[v] = d->fulltlb[idx];
        }
    } else {
        d->n_used_entries++;
        tlb_note_used(d, idx);
    }
    if (info->page_bits > RV_PAGE_BITS) {
        tlb_add_large_page(d, vaddr, info->page_bits);
    }
    uint64_t flags = info->host_page ? 0 : TLB_SLOW;
    uint64_t data_flags = flags | (info->watch_data ? TLB_WATCH : 0);
    e->addr_read = (info->prot & PAGE_READ) ? vpage | data_flags : TLB_EMPTY_TAG;
    e->addr_write = (info->prot & PAGE_WRITE) ? vpage | data_flags : TLB_EMPTY_TAG;
    e->addr_code = (info->prot & PAGE_EXEC) ? vpage | flags : TLB_EMPTY_TAG;
    e->addend = info->host_page ? (uintptr_t)info->host_page - (uintptr_t)vpage : 0;
    d->fulltlb[idx].paddr = info->paddr & RV_PAGE_MASK;
    d->fulltlb[idx].page_bits = info->page_bits;
    d->fulltlb[idx].prot = info->prot;
    d->fulltlb[idx].global = info->global;
    d->fulltlb[idx].asid = tlb->asid;
    if (!info->global) {
        tlb_note_nonglobal(d, idx);
    }
    tlb->stats.fills++;
}

static CPUTLBEntry *tlb_desc_find(CPUTLBDescFast *f, CPUTLBDesc *d, uint64_t page,
                                   CPUTLBEntryFull **full)
{
    if (!f->table) {
        return NULL;
    }
    size_t idx = (size_t)((page >> RV_PAGE_BITS) & f->mask);
    if (tlb_entry_is_page(&f->table[idx], page)) {
        *full = &d->fulltlb[idx];
        return &f->table[idx];
    }
    for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
        if (tlb_entry_is_page(&d->vtable[v], page)) {
            *full = &d->vfulltlb[v];
            return &d->vtable[v];
        }
    }
    return NULL;
}

CPUTLBEntry *tlb_find(CPUTLB *tlb, unsigned mmu_idx, uint64_t page, uint16_t asid,
                      CPUTLBEntryFull **full)
{
    assert_cpu_is_self(tlb->owner);
    if (mmu_idx >= TLB_ASID_TAGGED_MODES || asid == tlb->asid) {
        return tlb_desc_find(&tlb->f[mmu_idx], &tlb->d[mmu_idx], page, full);
    }
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS_MAX; c++) {
        if (tlb->ctx[c].asid == (int32_t)asid) {
            return tlb_desc_find(&tlb->ctx[c].f[mmu_idx], &tlb->ctx[c].d[mmu_idx], page, full);
        }
    }
    return NULL;
}

void tlb_entry_set_check(CPUTLB *tlb, CPUTLBEntry *e, uint64_t page)
{
    assert_cpu_is_self(tlb->owner);
    uint64_t *tags[3] = { &e->addr_read, &e->addr_write, &e->addr_code };
    for (unsigned k = 0; k < 3; k++) {
        if (*tags[k] != TLB_EMPTY_TAG) {
            *tags[k] |= TLB_CHECK;
        }
    }
    if (e->addr_code != TLB_EMPTY_TAG) {
        notify_flushed_page(tlb, page);
    }
}

bool tlb_code_page_survives_asid_flush(CPUTLB *tlb, unsigned mmu_idx, uint64_t vaddr)
{
    assert_cpu_is_self(tlb->owner);
    if (mmu_idx >= TLB_ASID_TAGGED_MODES) {
        return true;
    }
    uint64_t page = vaddr & RV_PAGE_MASK;
    CPUTLBEntry *e = tlb_entry(tlb, mmu_idx, page);
    size_t idx = (size_t)(e - tlb->f[mmu_idx].table);
    return tlb_hit(e->addr_code, page) && tlb->d[mmu_idx].fulltlb[idx].global;
}

/* ---- dump (monitor) ---------------------------------------------------------------------- */

static const char *const mmu_idx_name[TLB_NB_MMU_MODES] = { "U", "S", "S+SUM", "M" };

static void dump_entry(FILE *out, unsigned mmu_idx, const CPUTLBEntry *e,
                       const CPUTLBEntryFull *full, int asid, bool victim)
{
    uint64_t vpage = tlb_entry_vpage(e);
    bool r = !(e->addr_read & TLB_INVALID), w = !(e->addr_write & TLB_INVALID);
    bool x = !(e->addr_code & TLB_INVALID);
    bool slow = ((r ? e->addr_read : 0) | (w ? e->addr_write : 0)) & TLB_SLOW;
    bool watch = ((r ? e->addr_read : 0) | (w ? e->addr_write : 0)) & TLB_WATCH;
    uint64_t size = 1ULL << full->page_bits;
    fprintf(out, "  %-5s %016" PRIx64 " -> %016" PRIx64 "  %4" PRIu64 "%c  %c%c%c  asid %-5d%s%s%s%s\n",
            mmu_idx_name[mmu_idx], vpage, full->paddr,
            size >= (1ULL << 30) ? size >> 30 : size >= (1ULL << 20) ? size >> 20 : size >> 10,
            size >= (1ULL << 30) ? 'G' : size >= (1ULL << 20) ? 'M' : 'K',
            r ? 'r' : '-', w ? 'w' : '-', x ? 'x' : '-', asid, full->global ? " G" : "",
            slow ? " slow" : "", watch ? " watch" : "", victim ? " (victim)" : "");
}

static void dump_tables(FILE *out, const CPUTLBDescFast *f, const CPUTLBDesc *d,
                        unsigned n_modes, int asid)
{
    for (unsigned i = 0; i < n_modes; i++) {
        if (!f[i].table) {
            continue;
        }
        fprintf(out, " mmu_idx %s: %" PRIu64 " slots, %zu used\n", mmu_idx_name[i],
                f[i].mask + 1, d[i].n_used_entries);
        for (uint64_t j = 0; j <= f[i].mask; j++) {
            if (!tlb_entry_is_empty(&f[i].table[j])) {
                dump_entry(out, i, &f[i].table[j], &d[i].fulltlb[j], asid, false);
            }
        }
        for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
            if (!tlb_entry_is_empty(&d[i].vtable[v])) {
                dump_entry(out, i, &d[i].vtable[v], &d[i].vfulltlb[v], asid, true);
            }
        }
    }
}

void tlb_dump(CPUTLB *tlb, FILE *out)
{
    assert_cpu_is_self(tlb->owner);
    fprintf(out, "current address space, asid %u:\n", tlb->asid);
    dump_tables(out, tlb->f, tlb->d, TLB_NB_MMU_MODES, tlb->asid);
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS_MAX; c++) {
        const CPUTLBContext *k = &tlb->ctx[c];
        if (k->asid < 0) {
            continue;
        }
        fprintf(out, "kept address space, asid %d:\n", k->asid);
        dump_tables(out, k->f, k->d, TLB_ASID_TAGGED_MODES, k->asid);
    }
}
