/* The per-vCPU softmmu TLB: data layout of the fast path, fill on miss, victim TLB, local flushes.
 * Callers: the owning vCPU thread only (everything here is "_local"); other threads ask the
 * owner through the flush API of the MTTCG layer.
 * Locking: none. Fills read the memory map under the RCU read lock they take themselves. */
#ifndef MM_TLB_H
#define MM_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLB_NB_MMU_MODES 4
#define TLB_VICTIM_SIZE 8
#define TLB_DEFAULT_BITS 8
#define TLB_MIN_BITS 6
#define TLB_MAX_BITS 16
#define TLB_NONGLOBAL_TRACK 64
/* Range flushes walk at most this many pages; longer ranges flush the whole mmu_idx (or ASID),
 * as QEMU does, because refilling costs less than the walk. Mailboxes merge page requests
 * only up to this length. */
#define TLB_RANGE_MAX_PAGES 64

/* Flag bits kept in the low (page offset) bits of the addr_* tags. The fast path compares
 * (vaddr & (page mask | (size - 1))) with the tag, so any flag, like any misalignment, makes
 * the compare fail and sends the access to the slow path. Bits 0..2 are the alignment bits. */
#define TLB_INVALID (1ULL << 11)  /* no translation for this access type */
#define TLB_SLOW (1ULL << 10)     /* valid, but not plain RAM for the whole page: MMIO, a page
                                   * shared with a device, or a PMP region smaller than a page */
#define TLB_WATCH (1ULL << 9)     /* a debug trigger may match this page: check before access */
#define TLB_EMPTY_TAG (~0ULL)     /* has TLB_INVALID set, never equal to a masked vaddr */

typedef struct CPUTLBEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;             /* host address = guest vaddr + addend (RAM pages only) */
} CPUTLBEntry;

_Static_assert(sizeof(CPUTLBEntry) == 32, "one TLB entry is 32 bytes (index shift 5)");
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
/* Address spaces whose tables are kept when satp switches away from them. */
#define TLB_ASID_CONTEXTS 4

/* Fast-path view: mask and table, nothing else, so the interpreter touches one line. */
typedef struct CPUTLBDescFast {
    uint64_t mask;                /* number of entries - 1 */
    CPUTLBEntry *table;
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
    uint64_t flushes_large_page;          /* QEMU policy: page flush became mmu_idx flush */
    uint64_t flushes_large_page_precise;  /* ours: entries of one large page removed */
    uint64_t resizes;
    uint64_t asid_switches, asid_context_hits;
} CPUTLBStats;

typedef struct CPUTLB {
    CPUTLBDescFast f[TLB_NB_MMU_MODES];
    CPUTLBDesc d[TLB_NB_MMU_MODES];
    uint16_t asid;                /* address space of the tagged tables in f/d */
    bool qemu_policy;             /* --flush=qemu: QEMU's local flush behaviour */
    uint64_t context_clock;
    CPUTLBContext ctx[TLB_ASID_CONTEXTS];
    CPUTLBStats stats;
} CPUTLB;

static inline CPUTLBEntry *tlb_entry(CPUTLB *tlb, unsigned mmu_idx, uint64_t vaddr)
{
    const CPUTLBDescFast *f = &tlb->f[mmu_idx];
    return &f->table[(vaddr >> 12) & f->mask];
}

struct RISCVCPU;
enum mmu_access { ACCESS_LOAD = 0, ACCESS_STORE = 1, ACCESS_FETCH = 2 };

int tlb_init(struct RISCVCPU *cpu) __attribute__((warn_unused_result));
void tlb_destroy(struct RISCVCPU *cpu);

/* Local flushes (owner vCPU only). idxmap is a bit mask of mmu_idx values; asid is an
 * address space or TLB_ASID_ANY (-1). On return this vCPU's TLB holds no entry for the
 * flushed translations, in the current address space or in any kept one, and its jump
 * cache holds no TB reached through them. Flushing more than asked is always allowed. */
void tlb_flush_local(struct RISCVCPU *cpu);
void tlb_flush_by_mmuidx_local(struct RISCVCPU *cpu, unsigned idxmap);
/* Non-global entries of one address space (sfence.vma x0, asid). */
void tlb_flush_asid_by_mmuidx_local(struct RISCVCPU *cpu, int32_t asid, unsigned idxmap);
/* Entries translating the page of vaddr: every entry derived from a leaf PTE that maps
 * vaddr, including the other 4 KiB pieces of a large page around it. */
void tlb_flush_page_local(struct RISCVCPU *cpu, uint64_t vaddr);
void tlb_flush_page_by_mmuidx_local(struct RISCVCPU *cpu, uint64_t vaddr, unsigned idxmap);
void tlb_flush_page_asid_by_mmuidx_local(struct RISCVCPU *cpu, uint64_t vaddr, int32_t asid,
                                         unsigned idxmap);
void tlb_flush_range_asid_by_mmuidx_local(struct RISCVCPU *cpu, uint64_t vaddr, uint64_t len,
                                          int32_t asid, unsigned idxmap);
static inline void tlb_flush_range_by_mmuidx_local(struct RISCVCPU *cpu, uint64_t vaddr,
                                                   uint64_t len, unsigned idxmap)
{
    tlb_flush_range_asid_by_mmuidx_local(cpu, vaddr, len, -1, idxmap);
}
/* satp was written (owner): switch the tagged tables to the new address space, keeping the
 * old one's for later, or flush when the translation mode changed. */
void tlb_satp_changed(struct RISCVCPU *cpu, uint64_t old_satp, uint64_t new_satp);
/* Main thread, before vCPUs start: use QEMU's local flush behaviour (no ASIDs, sfence.vma and
 * satp writes flush everything, a page flush inside a large page flushes the mmu_idx). */
void tlb_set_qemu_policy(struct RISCVCPU *cpu, bool on);

/* Slow paths called by the execution backend when the fast-path compare fails. cpu->pc must
 * be the pc of the accessing instruction. Return false after raising the guest exception. */
bool tlb_load_slow(struct RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx,
                   bool sign, uint64_t *val);
bool tlb_store_slow(struct RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx,
                    uint64_t val);
/* Host pointer for an atomic access of `size` bytes (aligned RAM, writable). Raises the
 * right exception (misaligned, access fault, page fault) and returns NULL otherwise. */
void *tlb_atomic_host(struct RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx,
                      enum mmu_access access);
/* Translate a fetch of the instruction at vaddr: physical address and, for RAM/ROM, the host
 * pointer to its page. *single_insn is set when execute permission varies within the page
 * (PMP finer than a page): then only the instruction at vaddr was checked, and it must be run
 * alone and not cached. Returns 0 or the exception cause (not raised). */
int tlb_translate_code(struct RISCVCPU *cpu, uint64_t vaddr, uint64_t *paddr,
                       const uint8_t **host_page, bool *single_insn);
/* Right after a successful tlb_translate_code of vaddr (not single_insn): would an ASID flush
 * keep the translation it used? True for a global leaf and for mmu_idx values not tagged by
 * ASID (M-mode), whose entries an ASID flush never touches. */
bool tlb_code_page_survives_asid_flush(struct RISCVCPU *cpu, uint64_t vaddr);
/* A store hit a RAM page that holds translated code: invalidate those TBs (after the store). */
void tlb_notify_code_write(struct RISCVCPU *cpu, uint8_t *host_addr, unsigned size);

#endif
