/* The per-vCPU softmmu TLB: data layout of the fast path, lookup with the victim TLB, entry
 * insertion, resizing, per-ASID tables and local flushes. What a translation is (the page
 * walk, PMP, exceptions, MMIO) belongs to the target (cpu/mem_access.c), which fills entries
 * through tlb_set_page; caches of the layer above that depend on translations (the TB jump
 * cache) hear of flushes through CPUTLBOps.
 * Callers: the owning vCPU thread only (everything here is "_local"); other threads ask the
 * owner through the flush API of mm/tlb_flush.h.
 * Locking: none. */
#ifndef MM_TLB_H
#define MM_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The guest page the TLB maps (RISC-V base pages). */
#define RV_PAGE_BITS 12
#define RV_PAGE_SIZE (1ULL << RV_PAGE_BITS)
#define RV_PAGE_MASK (~(RV_PAGE_SIZE - 1))

#define TLB_NB_MMU_MODES 4
#define TLB_VICTIM_SIZE 8
#define TLB_DEFAULT_BITS 8
#define TLB_MIN_BITS 6
#define TLB_MAX_BITS 16
#define TLB_NONGLOBAL_TRACK 64
#define TLB_USED_TRACK 128
/* Mailboxes merge page requests only up to this length; with --flush=qemu, range flushes walk
 * at most this many pages and flush the whole mmu_idx beyond, as QEMU does. */
#define TLB_RANGE_MAX_PAGES 64
/* The range-flush cost model (tlb_flush_range_asid_by_mmuidx_local), in nanoseconds of the
 * host they were measured on (docs/architecture.md, "Range flushes"): only their ratios
 * matter. A page flushed in one table set (index probe, victims, large-page check); a table
 * slot looked at by a scan or an ASID flush; a translation the guest refills after a flush
 * dropped it (the walk and the fill); dropping jump-cache entries after a scan or an
 * address-space flush. */
#define TLB_COST_PAGE_NS 25
#define TLB_COST_VISIT_NS 3
#define TLB_COST_REFILL_NS 100
#define TLB_COST_JUMP_CACHE_NS 2000

/* Flag bits kept in the low (page offset) bits of the addr_* tags. The fast path compares
 * (vaddr & (page mask | (size - 1))) with the tag, so any flag, like any misalignment, makes
 * the compare fail and sends the access to the slow path. Bits 0..2 are the alignment bits. */
#define TLB_INVALID (1ULL << 11)  /* no translation for this access type */
#define TLB_SLOW (1ULL << 10)     /* valid, but not plain RAM for the whole page: MMIO, a page
                                   * shared with a device, or a PMP region smaller than a page */
#define TLB_WATCH (1ULL << 9)     /* a debug trigger may match this page: check before access */
#define TLB_CHECK (1ULL << 8)     /* --tlb-check: a PTE this entry came from changed since its
                                   * fill; every use goes to the checker (cpu/tlb_check.c) */
#define TLB_EMPTY_TAG (~0ULL)     /* has TLB_INVALID set, never equal to a masked vaddr */

typedef struct CPUTLBEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;             /* host address = guest vaddr + addend (RAM pages only) */
} CPUTLBEntry;

#define TLB_ENTRY_BITS 5
_Static_assert(sizeof(CPUTLBEntry) == 1 << TLB_ENTRY_BITS, "one TLB entry is 32 bytes");
_Static_assert(offsetof(CPUTLBEntry, addr_read) == 0, "fast path loads addr_read first");

/* Slow-path companion of each entry: what the translation came from. */
typedef struct CPUTLBEntryFull {
    uint64_t paddr;               /* physical page address */
    uint8_t page_bits;            /* 12, 16 (Svnapot), 21, 30, 39, 48: the leaf's page */
    uint8_t prot;                 /* PAGE_READ | PAGE_WRITE | PAGE_EXEC granted to this entry */
    bool global;                  /* leaf PTE had G set: valid in every address space */
    uint16_t asid;                /* satp.ASID the entry was filled under */
} CPUTLBEntryFull;

enum { PAGE_READ = 1, PAGE_WRITE = 2, PAGE_EXEC = 4 };

/* The mmu_idx values below this one translate through satp and are tagged by ASID; the
 * others (M-mode) are not. */
#define TLB_ASID_TAGGED_MODES 3
#define TLB_ASID_TAGGED_IDXMAP ((1u << TLB_ASID_TAGGED_MODES) - 1)
/* Address spaces whose tables are kept when satp switches away from them: TLB_ASID_CONTEXTS,
 * or up to TLB_ASID_CONTEXTS_MAX with tlb_set_retain. */
#define TLB_ASID_CONTEXTS 4
#define TLB_ASID_CONTEXTS_MAX 16

/* Fast-path view: mask and table, nothing else, so the interpreter touches one line. */
typedef struct CPUTLBDescFast {
    uint64_t mask;                /* number of entries - 1 */
    CPUTLBEntry *table;
    /* mask << TLB_ENTRY_BITS: compiled code indexes with (vaddr >> (12 - TLB_ENTRY_BITS)) &
     * entry_mask, one shift less on the load's dependency chain. */
    uint64_t entry_mask;
} CPUTLBDescFast;

typedef struct CPUTLBDesc {
    /* One widening region covering every large page filled since the last full flush. In
     * QEMU's policy (--flush=qemu) a page flush inside it flushes the whole mmu_idx; ours
     * uses it only as a cheap filter before removing exactly the entries derived from the
     * large page that contains the flushed address. */
    uint64_t large_page_addr;
    uint64_t large_page_mask;
    uint8_t large_sizes;          /* bit tlb_large_size_class(page_bits): entries of that
                                   * size exist */
    size_t n_used_entries;        /* exact count of valid entries in the table */
    int64_t window_begin_ns;      /* resize policy: window start (checked at full flushes) */
    size_t window_max_entries;    /* largest n_used_entries seen in the window */
    CPUTLBEntryFull *fulltlb;
    /* Main-table indices filled from non-global translations since the table was last
     * emptied or ASID-flushed, so that an ASID flush visits those instead of every entry
     * (Linux flushes its ASID on every multi-page mprotect/munmap; the scan of a 2048-entry
     * table per tagged mmu_idx was 4.6 % of a JIT run's samples). An index may be stale (its
     * entry since replaced or removed): the flush checks each. More than fit: scan all. */
    uint32_t nonglobal_idx[TLB_NONGLOBAL_TRACK];
    unsigned n_nonglobal;         /* > TLB_NONGLOBAL_TRACK: overflowed */
    /* Main-table indices that may hold an entry since the table was last emptied, so that
     * emptying it (a full flush, a switch to an address space whose tables are not kept)
     * clears those slots instead of the whole table: a kernel that flushes everything on
     * every trap (sfence.vma zero, zero, as teaching kernels do) touches a few dozen pages
     * between flushes, and a memset of a grown table per trap was 2.7 % of such a run.
     * Indices may repeat or be stale. More than fit: clear it all. */
    uint32_t used_idx[TLB_USED_TRACK];
    unsigned n_used_idx;          /* > TLB_USED_TRACK: overflowed */
    CPUTLBEntry vtable[TLB_VICTIM_SIZE];
    CPUTLBEntryFull vfulltlb[TLB_VICTIM_SIZE];
    unsigned vindex;
} CPUTLBDesc;

/* Tables of an address space satp switched away from, kept for when it switches back. */
typedef struct CPUTLBContext {
    int32_t asid;                 /* -1: slot free (its tables, if any, hold garbage) */
    uint64_t last_use;
    CPUTLBDescFast f[TLB_ASID_TAGGED_MODES];
    CPUTLBDesc d[TLB_ASID_TAGGED_MODES];
} CPUTLBContext;

typedef struct CPUTLBStats {
    uint64_t fills, victim_hits;
    uint64_t flushes_full, flushes_asid, flushes_page, flushes_range;
    /* Range flushes the cost model sent to a table scan, or to an address-space (or
     * mmu_idx) flush; the others went page by page. */
    uint64_t range_by_scan, range_by_space;
    uint64_t flushes_large_page;          /* QEMU policy: page flush became mmu_idx flush */
    uint64_t flushes_large_page_precise;  /* ours: entries of one large page removed */
    uint64_t resizes;
    uint64_t asid_switches, asid_context_hits;
} CPUTLBStats;

struct CPUState;
struct CPUTLB;

/* Set at tlb_init by the owner's creator; any hook may be NULL. Called on the owner thread
 * after the flush, so the layer above can drop what it derived from the flushed entries. */
typedef struct CPUTLBOps {
    void (*flushed_all)(struct CPUTLB *tlb);          /* any entry may be gone */
    void (*flushed_nonglobal)(struct CPUTLB *tlb);    /* non-global entries of the ASID */
    void (*flushed_page)(struct CPUTLB *tlb, uint64_t page);
    /* A remote fence.i (SBI): instruction fetch must see other harts' stores. */
    void (*fence_i)(struct CPUTLB *tlb);
    /* A remote request without an address (mm/tlb_flush.c: every address of asid, -1 for
     * every address space) was applied: whatever the layer above models of the non-leaf
     * entries a hart may cache, which only such a fence drops, goes. */
    void (*fenced_without_address)(struct CPUTLB *tlb, int32_t asid);
    /* --tlb-retain: the entry for vpage in mmu_idx under address space `from` was copied
     * into `to`'s tables (a global translation carried across a satp switch). */
    void (*entry_copied)(struct CPUTLB *tlb, unsigned mmu_idx, uint64_t vpage, uint16_t from,
                         uint16_t to);
} CPUTLBOps;

typedef struct CPUTLB {
    CPUTLBDescFast f[TLB_NB_MMU_MODES];
    CPUTLBDesc d[TLB_NB_MMU_MODES];
    uint16_t asid;                /* address space of the tagged tables in f/d */
    /* Incremented by every local flush, of any kind, and every address-space switch: the
     * target's page-walk cache (cpu/mmu.c), which keeps non-leaf PTEs, is valid only for the
     * generation it was filled in. */
    uint64_t flush_gen;
    bool qemu_policy;             /* --flush=qemu: QEMU's local flush behaviour */
    /* --tlb-retain: keep translations as long as the spec allows (tlb_set_retain). */
    bool retain;
    unsigned n_contexts;          /* kept address spaces: TLB_ASID_CONTEXTS, or _MAX */
    uint64_t context_clock;
    CPUTLBContext ctx[TLB_ASID_CONTEXTS_MAX];
    CPUTLBStats stats;
    const CPUTLBOps *ops;
    void *opaque;                 /* the creator's, for its hooks (the owning hart) */
    struct CPUState *owner;       /* the vCPU whose thread alone may use this TLB */
} CPUTLB;

static inline CPUTLBEntry *tlb_entry(CPUTLB *tlb, unsigned mmu_idx, uint64_t vaddr)
{
    const CPUTLBDescFast *f = &tlb->f[mmu_idx];
    return &f->table[(vaddr >> 12) & f->mask];
}

enum mmu_access { ACCESS_LOAD = 0, ACCESS_STORE = 1, ACCESS_FETCH = 2 };

/* The tag of e an access of this kind compares with. */
static inline uint64_t tlb_entry_tag(const CPUTLBEntry *e, enum mmu_access access)
{
    return access == ACCESS_LOAD ? e->addr_read
         : access == ACCESS_STORE ? e->addr_write : e->addr_code;
}

/* The inline fast path's compare: may an access of `size` bytes at va use the entry whose tag
 * for its kind is `tag`? False on a miss, on any flag bit (TLB_INVALID, TLB_SLOW, TLB_WATCH)
 * and on a misaligned va, since the alignment bits take part in the compare. The JIT emits
 * the same compare as code (accel/jit_x86.c, emit_tlb_compare). */
static inline bool tlb_fast_hit(uint64_t tag, uint64_t va, unsigned size)
{
    return (va & (RV_PAGE_MASK | (size - 1))) == tag;
}

/* Does the tag translate `page` (page aligned)? The flag bits other than TLB_INVALID
 * (TLB_SLOW, TLB_WATCH) send the fast path here but do not make the entry miss. */
static inline bool tlb_hit(uint64_t tag, uint64_t page)
{
    return (tag & (RV_PAGE_MASK | TLB_INVALID)) == page;
}

/* Main thread, before owner's thread starts. ops and opaque: see CPUTLBOps. */
int tlb_init(CPUTLB *tlb, struct CPUState *owner, const CPUTLBOps *ops, void *opaque)
    __attribute__((warn_unused_result));
void tlb_destroy(CPUTLB *tlb);

/* Local flushes (owner vCPU only). idxmap is a bit mask of mmu_idx values; asid is an
 * address space or TLB_ASID_ANY (-1). On return this vCPU's TLB holds no entry for the
 * flushed translations, in the current address space or in any kept one, and the ops hooks
 * have run. Flushing more than asked is always allowed. */
void tlb_flush_local(CPUTLB *tlb);

/* Owner: writes every valid entry of every mmu_idx (the current address space, then each kept
 * one), victim entries marked, one per line: mmu_idx, vaddr, paddr, page size, rights (r/w/x
 * as this mmu_idx may use them, s for TLB_SLOW, w! for TLB_WATCH), ASID, G; and per table its
 * size and count. For the monitor's `info tlb` (run on the owner through run_on_cpu). */
void tlb_dump(CPUTLB *tlb, FILE *out);
void tlb_flush_by_mmuidx_local(CPUTLB *tlb, unsigned idxmap);
/* Non-global entries of one address space (sfence.vma x0, asid). */
void tlb_flush_asid_by_mmuidx_local(CPUTLB *tlb, int32_t asid, unsigned idxmap);
/* Entries translating the page of vaddr: every entry derived from a leaf PTE that maps
 * vaddr, including the other 4 KiB pieces of a large page around it. */
void tlb_flush_page_local(CPUTLB *tlb, uint64_t vaddr);
void tlb_flush_page_by_mmuidx_local(CPUTLB *tlb, uint64_t vaddr, unsigned idxmap);
void tlb_flush_page_asid_by_mmuidx_local(CPUTLB *tlb, uint64_t vaddr, int32_t asid,
                                         unsigned idxmap);
void tlb_flush_range_asid_by_mmuidx_local(CPUTLB *tlb, uint64_t vaddr, uint64_t len,
                                          int32_t asid, unsigned idxmap);
static inline void tlb_flush_range_by_mmuidx_local(CPUTLB *tlb, uint64_t vaddr, uint64_t len,
                                                   unsigned idxmap)
{
    tlb_flush_range_asid_by_mmuidx_local(tlb, vaddr, len, -1, idxmap);
}
/* The address space changed (satp written, owner): switch the tagged tables to new_asid's,
 * keeping the old one's for later, or flush them when the translation mode changed. */
void tlb_switch_address_space(CPUTLB *tlb, uint16_t new_asid, bool mode_changed);
/* Main thread, before vCPUs start: keep every translation as long as the spec allows, so that
 * a guest's missing fence shows as wrong guest behaviour (--tlb-retain): a fill that would
 * push an entry out of a full victim TLB doubles the table instead (up to TLB_MAX_BITS),
 * tables never shrink while they hold entries, and TLB_ASID_CONTEXTS_MAX address spaces are
 * kept across satp switches. */
void tlb_set_retain(CPUTLB *tlb, bool on);
/* Main thread, before vCPUs start: use QEMU's local flush behaviour (no ASIDs, sfence.vma and
 * satp writes flush everything, a page flush inside a large page flushes the mmu_idx). */
void tlb_set_qemu_policy(CPUTLB *tlb, bool on);

/* ---- filling (owner only; cpu/mem_access.c) ---- */
/* The main-table entry translating `page` for `access`, swapped in from the victim TLB when
 * it was there (*full: its slow-path companion); NULL on a miss. */
CPUTLBEntry *tlb_lookup(CPUTLB *tlb, unsigned mmu_idx, uint64_t page, enum mmu_access access,
                        CPUTLBEntryFull **full);

/* The entry translating `page` in mmu_idx under address space `asid` (the current tables
 * when asid is the current one or mmu_idx is not ASID-tagged, else a kept context's), in the
 * main table or the victim TLB, without moving it; NULL when none is cached. *full: its
 * companion. Owner only. */
CPUTLBEntry *tlb_find(CPUTLB *tlb, unsigned mmu_idx, uint64_t page, uint16_t asid,
                      CPUTLBEntryFull **full);
/* Owner: every access through e (found by tlb_find for `page`) leaves the fast path from now
 * on (TLB_CHECK on each valid tag), and no jump-cache entry skips its fetch check. */
void tlb_entry_set_check(CPUTLB *tlb, CPUTLBEntry *e, uint64_t page);

/* One translation to cache (QEMU's tlb_set_page_full). */
typedef struct TLBPageInfo {
    uint64_t paddr;               /* physical address of the 4 KiB page */
    uint8_t *host_page;           /* plain RAM/ROM: host address of that page; NULL sends
                                   * every access to the slow path (TLB_SLOW) */
    uint8_t page_bits;            /* the leaf's page size (CPUTLBEntryFull.page_bits) */
    uint8_t prot;                 /* PAGE_READ | PAGE_WRITE | PAGE_EXEC */
    bool global;
    bool watch_data;              /* a load/store trigger may match: TLB_WATCH on data tags */
} TLBPageInfo;
/* Install the translation of vaddr's 4 KiB page in mmu_idx (the old entry at that index goes
 * to the victim TLB), under the current ASID. */
void tlb_set_page(CPUTLB *tlb, unsigned mmu_idx, uint64_t vaddr, const TLBPageInfo *info);

/* Right after a fetch translation of vaddr in mmu_idx was cached: would an ASID flush keep
 * it? True for a global leaf and for mmu_idx values not tagged by ASID (M-mode), whose
 * entries an ASID flush never touches. */
bool tlb_code_page_survives_asid_flush(CPUTLB *tlb, unsigned mmu_idx, uint64_t vaddr);

#endif
