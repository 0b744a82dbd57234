/* Softmmu TLB of one vCPU. Only the owner thread reads or writes these tables, so nothing here
 * is atomic; cross-vCPU flushes reach the owner as requests (MTTCG layer). */
#include "mm/tlb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "accel/tb.h"
#include "cpu/cpu.h"
#include "cpu/mmu.h"
#include "mm/address_space.h"
#include "mm/guest_ram.h"
#include "util/clock.h"
#include "util/log.h"

static void tlb_table_clear(CPUTLBEntry *table, size_t n)
{
    /* All-ones tags carry TLB_INVALID, so they never match a masked address. */
    memset(table, 0xff, n * sizeof(CPUTLBEntry));
}

static void tlb_desc_clear(CPUTLBDescFast *f, CPUTLBDesc *d)
{
    tlb_table_clear(f->table, f->mask + 1);
    tlb_table_clear(d->vtable, TLB_VICTIM_SIZE);
    d->n_used_entries = 0;
    d->n_nonglobal = 0;
    d->large_page_addr = ~0ULL;
    d->large_page_mask = 0;
    d->large_sizes = 0;
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
    free(f->table);
    free(d->fulltlb);
    f->table = table;
    f->mask = n - 1;
    d->fulltlb = full;
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

/* QEMU's resize policy, applied when an mmu_idx is flushed entirely (the table is emptied
 * anyway, so a new size costs no copy): over a 100 ms window remember the highest occupancy;
 * above 70% of the table double it at once, below 30% at the end of a window shrink it to
 * the smallest power of two the window's peak fills to at most 70%. */
static void tlb_desc_flush_and_resize(CPUTLB *tlb, CPUTLBDescFast *f, CPUTLBDesc *d)
{
    int64_t now = clock_monotonic_ns();
    size_t old_size = f->mask + 1;
    size_t new_size = old_size;
    bool expired = now - d->window_begin_ns > 100 * 1000 * 1000;
    if (d->n_used_entries > d->window_max_entries) {
        d->window_max_entries = d->n_used_entries;
    }
    size_t rate = d->window_max_entries * 100 / old_size;
    if (rate > 70) {
        new_size = old_size * 2 <= (1u << TLB_MAX_BITS) ? old_size * 2 : old_size;
    } else if (rate < 30 && expired) {
        size_t ceil = pow2_ceil(d->window_max_entries ? d->window_max_entries : 1);
        if (d->window_max_entries * 100 / ceil > 70) {
            ceil *= 2;
        }
        new_size = ceil > (1u << TLB_MIN_BITS) ? ceil : (1u << TLB_MIN_BITS);
    }
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

int tlb_init(RISCVCPU *cpu)
{
    CPUTLB *tlb = &cpu->tlb;
    memset(tlb, 0, sizeof(*tlb));
    int64_t now = clock_monotonic_ns();
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        if (tlb_desc_alloc(&tlb->f[i], &tlb->d[i], 1u << TLB_DEFAULT_BITS) != 0) {
            tlb_destroy(cpu);
            return -ENOMEM;
        }
        tlb->d[i].window_begin_ns = now;
        tlb_desc_clear(&tlb->f[i], &tlb->d[i]);
    }
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS; c++) {
        tlb->ctx[c].asid = -1;    /* tables allocated on first use */
    }
    return 0;
}

void tlb_destroy(RISCVCPU *cpu)
{
    CPUTLB *tlb = &cpu->tlb;
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        tlb_desc_free(&tlb->f[i], &tlb->d[i]);
    }
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS; c++) {
        for (unsigned i = 0; i < TLB_ASID_TAGGED_MODES; i++) {
            tlb_desc_free(&tlb->ctx[c].f[i], &tlb->ctx[c].d[i]);
        }
        tlb->ctx[c].asid = -1;
    }
}

void tlb_set_qemu_policy(RISCVCPU *cpu, bool on)
{
    cpu->tlb.qemu_policy = on;
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

/* Page flush of one table set. Returns true when it had to flush the whole mmu_idx. */
static bool tlb_desc_flush_page(CPUTLB *tlb, CPUTLBDescFast *f, CPUTLBDesc *d, uint64_t page)
{
    bool in_large = (page & d->large_page_mask) == d->large_page_addr;
    if (in_large && tlb->qemu_policy) {
        /* QEMU: entries derived from the large page may sit at any index. */
        tlb_desc_flush_and_resize(tlb, f, d);
        tlb->stats.flushes_large_page++;
        return true;
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
    }
    return false;
}

/* Non-global entries of a table set. */
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

static void tlb_forget_contexts(CPUTLB *tlb)
{
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS; c++) {
        tlb->ctx[c].asid = -1;
    }
}

void tlb_flush_by_mmuidx_local(RISCVCPU *cpu, unsigned idxmap)
{
    CPUTLB *tlb = &cpu->tlb;
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        if (idxmap & (1u << i)) {
            tlb_desc_flush_and_resize(tlb, &tlb->f[i], &tlb->d[i]);
        }
    }
    if (idxmap & TLB_ASID_TAGGED_IDXMAP) {
        tlb_forget_contexts(tlb);
    }
    tlb->stats.flushes_full++;
    tb_jmp_cache_clear(cpu);
}

void tlb_flush_local(RISCVCPU *cpu)
{
    tlb_flush_by_mmuidx_local(cpu, (1u << TLB_NB_MMU_MODES) - 1);
}

void tlb_flush_asid_by_mmuidx_local(RISCVCPU *cpu, int32_t asid, unsigned idxmap)
{
    CPUTLB *tlb = &cpu->tlb;
    if (asid < 0 || tlb->qemu_policy) {
        tlb_flush_by_mmuidx_local(cpu, idxmap);
        return;
    }
    idxmap &= TLB_ASID_TAGGED_IDXMAP;
    if ((uint16_t)asid == tlb->asid) {
        for (unsigned i = 0; i < TLB_ASID_TAGGED_MODES; i++) {
            if (idxmap & (1u << i)) {
                tlb_desc_flush_nonglobal(&tlb->f[i], &tlb->d[i]);
            }
        }
        /* Global translations stay, and so do the jump-cache entries reached through them
         * (the kernel's code, under Linux): refilling those after every ASID flush was a
         * global hash-table lookup per indirect jump. */
        tb_jmp_cache_clear_nonglobal(cpu);
    }
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS; c++) {
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
static void tlb_flush_one_page(RISCVCPU *cpu, uint64_t page, int32_t asid, unsigned idxmap)
{
    CPUTLB *tlb = &cpu->tlb;
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        if (!(idxmap & (1u << i))) {
            continue;
        }
        bool tagged = i < TLB_ASID_TAGGED_MODES;
        if (!tagged || tlb->qemu_policy || asid_matches(asid, tlb->asid)) {
            if (tlb_desc_flush_page(tlb, &tlb->f[i], &tlb->d[i], page)) {
                tb_jmp_cache_clear(cpu);
            }
        }
        if (!tagged) {
            continue;
        }
        for (unsigned c = 0; c < TLB_ASID_CONTEXTS; c++) {
            CPUTLBContext *ctx = &tlb->ctx[c];
            if (ctx->asid >= 0 && asid_matches(asid, ctx->asid)) {
                if (tlb_desc_flush_page(tlb, &ctx->f[i], &ctx->d[i], page)) {
                    ctx->asid = -1;
                }
            }
        }
    }
}

void tlb_flush_page_asid_by_mmuidx_local(RISCVCPU *cpu, uint64_t vaddr, int32_t asid,
                                         unsigned idxmap)
{
    uint64_t page = vaddr & RV_PAGE_MASK;
    tlb_flush_one_page(cpu, page, asid, idxmap);
    cpu->tlb.stats.flushes_page++;
    tb_jmp_cache_clear_page(cpu, page);
}

void tlb_flush_page_by_mmuidx_local(RISCVCPU *cpu, uint64_t vaddr, unsigned idxmap)
{
    tlb_flush_page_asid_by_mmuidx_local(cpu, vaddr, -1, idxmap);
}

void tlb_flush_page_local(RISCVCPU *cpu, uint64_t vaddr)
{
    tlb_flush_page_by_mmuidx_local(cpu, vaddr, (1u << TLB_NB_MMU_MODES) - 1);
}

void tlb_flush_range_asid_by_mmuidx_local(RISCVCPU *cpu, uint64_t vaddr, uint64_t len,
                                          int32_t asid, unsigned idxmap)
{
    uint64_t first = vaddr & RV_PAGE_MASK;
    uint64_t last = len ? vaddr + len - 1 : vaddr;
    if (last < vaddr || ((last - first) >> RV_PAGE_BITS) >= TLB_RANGE_MAX_PAGES) {
        /* Long ranges: cheaper to refill than to walk (QEMU does the same). */
        if (asid >= 0) {
            tlb_flush_asid_by_mmuidx_local(cpu, asid, idxmap);
            /* Global entries of the range are not covered by an ASID flush. */
            tlb_flush_by_mmuidx_local(cpu, idxmap & ~TLB_ASID_TAGGED_IDXMAP);
        } else {
            tlb_flush_by_mmuidx_local(cpu, idxmap);
        }
        cpu->tlb.stats.flushes_range++;
        return;
    }
    for (uint64_t page = first; ; page += RV_PAGE_SIZE) {
        tlb_flush_one_page(cpu, page, asid, idxmap);
        tb_jmp_cache_clear_page(cpu, page);
        if (page == (last & RV_PAGE_MASK)) {
            break;
        }
    }
    cpu->tlb.stats.flushes_range++;
}

void tlb_satp_changed(RISCVCPU *cpu, uint64_t old_satp, uint64_t new_satp)
{
    CPUTLB *tlb = &cpu->tlb;
    uint64_t old_mode = old_satp >> SATP_MODE_SHIFT, new_mode = new_satp >> SATP_MODE_SHIFT;
    uint16_t new_asid = (uint16_t)(new_satp >> SATP_ASID_SHIFT);
    if (tlb->qemu_policy || old_mode != new_mode) {
        /* QEMU flushes on every satp write. A mode change makes every cached translation
         * of the tagged contexts (including identity ones from Bare) meaningless. */
        tlb_flush_by_mmuidx_local(cpu, TLB_ASID_TAGGED_IDXMAP);
        tlb->asid = new_asid;
        return;
    }
    if (new_asid == tlb->asid) {
        return;   /* same address space: the spec requires an sfence.vma for any change */
    }
    /* Keep the current tables under their ASID; bring back the new ASID's, or a free or the
     * least recently used slot's tables, emptied. */
    int slot = -1;
    for (unsigned c = 0; c < TLB_ASID_CONTEXTS; c++) {
        if (tlb->ctx[c].asid == new_asid) {
            slot = (int)c;
        }
    }
    bool hit = slot >= 0;
    if (!hit) {
        slot = 0;
        for (unsigned c = 0; c < TLB_ASID_CONTEXTS; c++) {
            if (tlb->ctx[c].asid < 0) {
                slot = (int)c;
                break;
            }
            if (tlb->ctx[c].last_use < tlb->ctx[slot].last_use) {
                slot = (int)c;
            }
        }
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
                tlb_flush_by_mmuidx_local(cpu, TLB_ASID_TAGGED_IDXMAP);
                tlb->asid = new_asid;
                return;
            }
            ctx->d[i].window_begin_ns = clock_monotonic_ns();
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
    /* The jump cache is keyed by virtual pc only. */
    tb_jmp_cache_clear(cpu);
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

/* What tlb_resolve found for one access. */
typedef struct TLBResult {
    uint8_t *host;          /* non-NULL: plain RAM, access this host byte directly */
    uint64_t paddr;         /* otherwise go through the memory map at this address */
} TLBResult;

static uint64_t entry_tag(const CPUTLBEntry *e, enum mmu_access access)
{
    return access == ACCESS_LOAD ? e->addr_read
         : access == ACCESS_STORE ? e->addr_write : e->addr_code;
}

static bool victim_lookup(RISCVCPU *cpu, unsigned mmu_idx, uint64_t page,
                          enum mmu_access access)
{
    CPUTLBDesc *d = &cpu->tlb.d[mmu_idx];
    for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
        CPUTLBEntry *ve = &d->vtable[v];
        if ((entry_tag(ve, access) & (RV_PAGE_MASK | TLB_INVALID)) == page) {
            CPUTLBEntry *e = tlb_entry(&cpu->tlb, mmu_idx, page);
            size_t idx = (size_t)(e - cpu->tlb.f[mmu_idx].table);
            CPUTLBEntry tmp = *e;
            CPUTLBEntryFull tmpf = d->fulltlb[idx];
            if (tlb_entry_is_empty(e)) {
                d->n_used_entries++;     /* the main table gains an entry, the victim loses one */
            }
            *e = *ve;
            d->fulltlb[idx] = d->vfulltlb[v];
            *ve = tmp;
            d->vfulltlb[v] = tmpf;
            if (!d->fulltlb[idx].global) {
                tlb_note_nonglobal(d, idx);
            }
            cpu->tlb.stats.victim_hits++;
            return true;
        }
    }
    return false;
}

/* Fill the entry for vaddr. Returns 0, or an exception cause. When the page cannot be cached
 * (PMP finer than a page), *direct receives the translation for this one access. */
static int tlb_fill(RISCVCPU *cpu, uint64_t vaddr, unsigned size, enum mmu_access access,
                    unsigned mmu_idx, TLBResult *direct, bool *filled)
{
    RISCVTranslation t;
    int exc = riscv_translate(cpu, vaddr, access, mmu_idx, &t);
    if (exc) {
        return exc;
    }
    unsigned need = access == ACCESS_LOAD ? PAGE_READ
                  : access == ACCESS_STORE ? PAGE_WRITE : PAGE_EXEC;
    bool uniform;
    unsigned pmp = riscv_pmp_prot(cpu, t.paddr, size, mmu_idx_priv(mmu_idx), &uniform);
    if (!(pmp & need)) {
        return access_fault_for(access);
    }

    urcu_memb_read_lock();
    const MemMap *map = address_space_memmap(cpu->as);
    uint64_t ppage = t.paddr & RV_PAGE_MASK;
    const MemRegion *r = memmap_lookup(map, t.paddr);
    if (!r || (access == ACCESS_STORE && r->readonly) || (access == ACCESS_FETCH && !r->host)) {
        urcu_memb_read_unlock();
        log_mask(LOG_GUEST_ERRORS, "hart %u: %s at unmapped/unsuitable paddr 0x%llx\n",
                 cpu->cs.index, access == ACCESS_FETCH ? "fetch" : access == ACCESS_STORE ?
                 "store" : "load", (unsigned long long)t.paddr);
        return access_fault_for(access);
    }
    bool plain = memmap_page_is_plain(map, r, ppage, RV_PAGE_SIZE);
    uint8_t *host_page = plain ? r->host + (ppage - r->base) : NULL;
    bool readonly = r->readonly;
    urcu_memb_read_unlock();

    if (!uniform) {
        direct->host = plain ? host_page + (t.paddr - ppage) : NULL;
        direct->paddr = t.paddr;
        *filled = false;
        return 0;
    }

    unsigned prot = t.prot & pmp;
    if (readonly) {
        prot &= ~(unsigned)PAGE_WRITE;
    }
    uint64_t vpage = vaddr & RV_PAGE_MASK;
    uint64_t flags = plain ? 0 : TLB_SLOW;
    CPUTLBDesc *d = &cpu->tlb.d[mmu_idx];
    CPUTLBEntry *e = tlb_entry(&cpu->tlb, mmu_idx, vpage);
    size_t idx = (size_t)(e - cpu->tlb.f[mmu_idx].table);

    if (!tlb_entry_is_empty(e)) {
        if (!tlb_entry_is_page(e, vpage)) {
            unsigned v = d->vindex++ % TLB_VICTIM_SIZE;
            d->vtable[v] = *e;
            d->vfulltlb[v] = d->fulltlb[idx];
        }
    } else {
        d->n_used_entries++;
    }
    if (t.page_bits > RV_PAGE_BITS) {
        tlb_add_large_page(d, vaddr, t.page_bits);
    }
    /* A page a load or store trigger may match leaves the inline fast path for both kinds
     * (an AMO checks addr_write and is a load too); the slow path checks the triggers. */
    uint64_t watch = debug_data_active(&cpu->debug) &&
                     (debug_page_watched(cpu, vpage, false) || debug_page_watched(cpu, vpage, true))
                     ? TLB_WATCH : 0;
    e->addr_read = (prot & PAGE_READ) ? vpage | flags | watch : TLB_EMPTY_TAG;
    e->addr_write = (prot & PAGE_WRITE) ? vpage | flags | watch : TLB_EMPTY_TAG;
    e->addr_code = (prot & PAGE_EXEC) ? vpage | flags : TLB_EMPTY_TAG;
    e->addend = plain ? (uintptr_t)host_page - (uintptr_t)vpage : 0;
    d->fulltlb[idx].paddr = ppage;
    d->fulltlb[idx].page_bits = (uint8_t)t.page_bits;
    d->fulltlb[idx].prot = (uint8_t)prot;
    d->fulltlb[idx].global = t.global;
    d->fulltlb[idx].asid = cpu->tlb.asid;
    if (!t.global) {
        tlb_note_nonglobal(d, idx);
    }
    cpu->tlb.stats.fills++;
    *filled = true;
    return 0;
}

/* Resolve one access that lies within a page: from the TLB, the victim TLB or a fill.
 * Returns false after raising the guest exception. */
static bool tlb_resolve(RISCVCPU *cpu, uint64_t vaddr, unsigned size, enum mmu_access access,
                        unsigned mmu_idx, TLBResult *res)
{
    uint64_t page = vaddr & RV_PAGE_MASK;
    for (int attempt = 0; attempt < 3; attempt++) {
        CPUTLBEntry *e = tlb_entry(&cpu->tlb, mmu_idx, page);
        uint64_t tag = entry_tag(e, access);
        if ((tag & (RV_PAGE_MASK | TLB_INVALID)) == page ||
            victim_lookup(cpu, mmu_idx, page, access)) {
            e = tlb_entry(&cpu->tlb, mmu_idx, page);
            tag = entry_tag(e, access);
            if (tag & TLB_SLOW) {
                size_t idx = (size_t)(e - cpu->tlb.f[mmu_idx].table);
                res->host = NULL;
                res->paddr = cpu->tlb.d[mmu_idx].fulltlb[idx].paddr | (vaddr & ~RV_PAGE_MASK);
            } else {
                res->host = (uint8_t *)(uintptr_t)(vaddr + e->addend);
                res->paddr = 0;
            }
            return true;
        }
        bool filled;
        int exc = tlb_fill(cpu, vaddr, size, access, mmu_idx, res, &filled);
        if (exc) {
            riscv_raise_exception(cpu, (enum riscv_exception)exc, vaddr);
            return false;
        }
        if (!filled) {
            return true;
        }
    }
    /* A fill that does not produce a usable entry twice in a row is an internal bug. */
    abort();
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
    unsigned shift = 64 - 8 * size;
    return (uint64_t)((int64_t)(v << shift) >> shift);
}

static bool access_paddr(RISCVCPU *cpu, uint64_t paddr, unsigned size, bool is_store,
                         uint64_t *val)
{
    urcu_memb_read_lock();
    const MemMap *map = address_space_memmap(cpu->as);
    bool ok = is_store ? memmap_write(map, paddr, size, *val)
                       : memmap_read(map, paddr, size, val);
    /* Stores that reach RAM by this path must invalidate translated code too. */
    const MemRegion *r = is_store && ok ? memmap_lookup(map, paddr) : NULL;
    if (r && r->host) {
        tlb_notify_code_write(cpu, r->host + (paddr - r->base), size);
    }
    urcu_memb_read_unlock();
    return ok;
}

/* One access contained in a single page. */
static bool access_one(RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx,
                       bool is_store, uint64_t *val)
{
    enum mmu_access access = is_store ? ACCESS_STORE : ACCESS_LOAD;
    TLBResult res;
    if (!tlb_resolve(cpu, vaddr, size, access, mmu_idx, &res)) {
        return false;
    }
    if (res.host) {
        /* Aligned here: misaligned accesses arrive one byte at a time. */
        if (is_store) {
            guest_ram_store(res.host, size, *val);
            tlb_notify_code_write(cpu, res.host, size);
        } else {
            *val = guest_ram_load(res.host, size);
        }
        return true;
    }
    if (!access_paddr(cpu, res.paddr, size, is_store, val)) {
        riscv_raise_exception(cpu, access_fault_for(access), vaddr);
        return false;
    }
    return true;
}

/* Misaligned accesses are emulated byte by byte (as QEMU does for plain loads and stores);
 * a store that faults part-way may leave earlier bytes written, which the spec permits. For
 * stores, every byte is first probed so that a page fault on the second page is raised
 * before anything is written. */
static bool access_misaligned(RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx,
                              bool is_store, uint64_t *val)
{
    if (is_store) {
        TLBResult res;
        if (!tlb_resolve(cpu, vaddr, 1, ACCESS_STORE, mmu_idx, &res) ||
            !tlb_resolve(cpu, vaddr + size - 1, 1, ACCESS_STORE, mmu_idx, &res)) {
            return false;
        }
    }
    uint64_t result = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t b = is_store ? (*val >> (8 * i)) & 0xff : 0;
        if (!access_one(cpu, vaddr + i, 1, mmu_idx, is_store, &b)) {
            return false;   /* tval is the faulting byte's address, as the spec allows */
        }
        result |= (b & 0xff) << (8 * i);
    }
    if (!is_store) {
        *val = result;
    }
    return true;
}

bool tlb_load_slow(RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx, bool sign,
                   uint64_t *val)
{
    if (__builtin_expect(debug_data_active(&cpu->debug), 0) &&
        debug_check_data(cpu, vaddr, size, true, false)) {
        return false;
    }
    uint64_t v = 0;
    bool ok = (vaddr & (size - 1))
        ? access_misaligned(cpu, vaddr, size, mmu_idx, false, &v)
        : access_one(cpu, vaddr, size, mmu_idx, false, &v);
    if (ok) {
        *val = sign && size < 8 ? sign_extend(v, size) : v;
    }
    return ok;
}

bool tlb_store_slow(RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx,
                    uint64_t val)
{
    if (__builtin_expect(debug_data_active(&cpu->debug), 0) &&
        debug_check_data(cpu, vaddr, size, false, true)) {
        return false;
    }
    return (vaddr & (size - 1)) ? access_misaligned(cpu, vaddr, size, mmu_idx, true, &val)
                                : access_one(cpu, vaddr, size, mmu_idx, true, &val);
}

void *tlb_atomic_host(RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx,
                      enum mmu_access access)
{
    if (vaddr & (size - 1)) {
        riscv_raise_exception(cpu, access == ACCESS_LOAD ? EXCP_LOAD_ADDR_MISALIGNED
                                                         : EXCP_STORE_ADDR_MISALIGNED, vaddr);
        return NULL;
    }
    /* LR is a load; an AMO (or SC, which is not told apart here) a load and a store. */
    if (__builtin_expect(debug_data_active(&cpu->debug), 0) &&
        debug_check_data(cpu, vaddr, size, true, access != ACCESS_LOAD)) {
        return NULL;
    }
    TLBResult res;
    if (!tlb_resolve(cpu, vaddr, size, access, mmu_idx, &res)) {
        return NULL;
    }
    if (!res.host) {
        /* Atomics on MMIO are not supported by this platform's PMAs. */
        riscv_raise_exception(cpu, access_fault_for(access), vaddr);
        return NULL;
    }
    return res.host;
}

/* Host pointer to the RAM/ROM page backing the physical code page of paddr, or NULL. */
static const uint8_t *code_host_page(RISCVCPU *cpu, uint64_t paddr)
{
    urcu_memb_read_lock();
    const MemMap *map = address_space_memmap(cpu->as);
    const MemRegion *r = memmap_lookup(map, paddr);
    const uint8_t *host = r && r->host ? r->host + ((paddr & RV_PAGE_MASK) - r->base) : NULL;
    urcu_memb_read_unlock();
    return host;
}

int tlb_translate_code(RISCVCPU *cpu, uint64_t vaddr, uint64_t *paddr,
                       const uint8_t **host_page, bool *single_insn)
{
    unsigned mmu_idx = cpu->code_mmu_idx;
    uint64_t page = vaddr & RV_PAGE_MASK;
    CPUTLBEntry *e = tlb_entry(&cpu->tlb, mmu_idx, page);
    *single_insn = false;
    if ((e->addr_code & (RV_PAGE_MASK | TLB_INVALID)) != page &&
        !victim_lookup(cpu, mmu_idx, page, ACCESS_FETCH)) {
        TLBResult direct;
        bool filled;
        int exc = tlb_fill(cpu, vaddr, 2, ACCESS_FETCH, mmu_idx, &direct, &filled);
        if (exc) {
            return exc;
        }
        if (!filled) {
            /* Execute permission varies within the page (PMP finer than a page): nothing is
             * cached, and the caller runs this one instruction after checking all its bytes. */
            *paddr = direct.paddr;
            *host_page = code_host_page(cpu, direct.paddr);
            if (!*host_page) {
                return EXCP_INST_ACCESS_FAULT;
            }
            unsigned off = (unsigned)(vaddr & ~RV_PAGE_MASK);
            if ((guest_ram_load(*host_page + off, 1) & 3) == 3 && off + 4 <= RV_PAGE_SIZE) {
                exc = tlb_fill(cpu, vaddr, 4, ACCESS_FETCH, mmu_idx, &direct, &filled);
                if (exc) {
                    return exc;
                }
            }
            *single_insn = true;
            return 0;
        }
    }
    e = tlb_entry(&cpu->tlb, mmu_idx, page);
    size_t idx = (size_t)(e - cpu->tlb.f[mmu_idx].table);
    *paddr = cpu->tlb.d[mmu_idx].fulltlb[idx].paddr | (vaddr & ~RV_PAGE_MASK);
    if (e->addr_code & TLB_SLOW) {
        /* Code in a page shared with a device: translate from the backing RAM/ROM region. */
        *host_page = code_host_page(cpu, *paddr);
        return *host_page ? 0 : EXCP_INST_ACCESS_FAULT;
    }
    *host_page = (const uint8_t *)(uintptr_t)(page + e->addend);
    return 0;
}

bool tlb_code_page_survives_asid_flush(RISCVCPU *cpu, uint64_t vaddr)
{
    unsigned mmu_idx = cpu->code_mmu_idx;
    if (mmu_idx >= TLB_ASID_TAGGED_MODES) {
        return true;
    }
    uint64_t page = vaddr & RV_PAGE_MASK;
    CPUTLBEntry *e = tlb_entry(&cpu->tlb, mmu_idx, page);
    size_t idx = (size_t)(e - cpu->tlb.f[mmu_idx].table);
    return (e->addr_code & (RV_PAGE_MASK | TLB_INVALID)) == page &&
           cpu->tlb.d[mmu_idx].fulltlb[idx].global;
}

void tlb_notify_code_write(RISCVCPU *cpu, uint8_t *host_addr, unsigned size)
{
    address_space_notify_code_write(cpu->as, host_addr, size);
}
