#include "cpu/tlb_check.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/mmu.h"
#include "mm/address_space.h"
#include "sync/work.h"
#include "util/symbols.h"

#define SBI_EXT_RFENCE 0x52464e43ULL
#define SBI_LEGACY_REMOTE_SFENCE_VMA 6
#define SBI_LEGACY_REMOTE_SFENCE_VMA_ASID 7

/* Fence requests kept per hart: a use is classified against those issued after its change,
 * and a fence round older than the last FENCE_LOG is long complete. */
#define FENCE_LOG 32
/* Bits of the per-hart PTE filter (a hash of the PTE's address). */
#define FILTER_BITS 20
#define FILTER_WORDS ((1u << FILTER_BITS) / 64)
#define RECORDS_MIN 4096

enum change_kind { CHANGE_PTE, CHANGE_ASID_ROOT };

/* What made an entry stale: a store to one of its PTEs, or satp naming another root under the
 * entry's ASID. */
typedef struct CheckChange {
    enum change_kind kind;
    uint64_t seq;                 /* global order of events (chk.seq) */
    uint64_t pte_pa, old_pte, new_pte;
    unsigned level;               /* of the PTE's table: 0 = the 4 KiB-page level */
    bool leaf;
    uint64_t old_root, new_root;  /* CHANGE_ASID_ROOT */
    unsigned changer;             /* hart index */
    uint64_t changer_pc, changer_instret;
} CheckChange;

/* One cached translation and where it came from. Owner only. Key: (mmu_idx, asid, vpage). */
typedef struct CheckRecord {
    uint64_t vpage;
    uint16_t asid;
    uint8_t mmu_idx;
    bool used;
    bool global;
    bool flagged;                 /* TLB_CHECK set on the entry for `change` */
    bool reported;
    uint8_t n_pte;
    uint8_t page_bits;
    uint64_t paddr;               /* the entry's 4 KiB physical page */
    uint64_t root;
    uint64_t pte_pa[RISCV_MAX_PT_LEVELS], pte_val[RISCV_MAX_PT_LEVELS];
    uint64_t flagged_instret;     /* the owner's instret when it flagged the entry */
    /* Per PTE k: the chain of (record, level) nodes whose PTE hashes to the same bucket of
     * pte_heads (node = slot index * 8 + k, NO_REC ends). */
    uint32_t pte_prev[RISCV_MAX_PT_LEVELS], pte_next[RISCV_MAX_PT_LEVELS];
    CheckChange change;
} CheckRecord;

#define NO_REC UINT32_MAX

enum fence_kind { FENCE_LOCAL, FENCE_SBI };

typedef struct FenceReq {
    enum fence_kind kind;
    uint64_t seq, done_seq;       /* done_seq 0: not complete */
    uint64_t hart_mask, hart_base; /* SBI: base ~0 = every hart */
    bool all_harts;               /* legacy call (mask in guest memory): taken as all */
    uint64_t start, size;         /* size ~0 (or start = size = 0): every address */
    int32_t asid;                 /* -1: every ASID */
    uint64_t pc;
} FenceReq;

/* A table pointer (non-leaf PTE) one of the hart's walks read. Hardware may cache it until an
 * sfence.vma without an address for its address space (privileged spec 12.2.1: a fence
 * with an address orders leaf PTEs only), so a later walk may still go through the old table
 * after the pointer changed. Owner only; pte_pa 0 marks a free slot. */
typedef struct CachedPointer {
    uint64_t pte_pa, pte_val;     /* the value cached (the old one, once flagged) */
    uint16_t asid;
    bool global;                  /* G above or in it: only a fence for every ASID drops it */
    bool flagged, reported;
    uint64_t flagged_instret;     /* the owner's instret when it flagged the pointer */
    CheckChange change;
} CachedPointer;

#define POINTERS_CAP 4096

/* Sent to a hart that may hold entries built from a PTE another hart just changed. */
typedef struct PTEvent {
    uint64_t pte_pa, new_pte;
    unsigned changer;
    uint64_t pc, instret, seq;
} PTEvent;

struct TLBCheckHart {
    struct RISCVCPU *cpu;
    unsigned index;
    /* Owner only. */
    CheckRecord *recs;
    size_t cap, n_used;
    /* Records by the address of each PTE they came from: a store visits only the records
     * built from that PTE (and hash neighbours). cap * 2 chains, unlinked in O(1). */
    uint32_t *pte_heads;
    size_t useless_events;        /* events that matched no record since the last rebuild */
    /* Table pointers its walks read since the last fence without an address (open
     * addressing on pte_pa; all of one PTE's slots sit in one probe run). */
    CachedPointer *ptrs;
    size_t n_ptrs;
    /* The root satp last named with each ASID (0: never), so that a satp write scans the
     * records only when an ASID comes back with another root. */
    uint64_t *asid_root;
    /* Events from other harts, applied by the owner in apply_inbox_work. */
    pthread_mutex_t inbox_lock;
    PTEvent *inbox;
    size_t inbox_n, inbox_cap;
    bool inbox_queued;            /* apply_inbox_work is queued and will see new events */
    /* Owner writes, other harts read when they classify a use: under lock. */
    pthread_mutex_t lock;
    FenceReq log[FENCE_LOG];
    unsigned log_next;
    int pending_ecall;            /* log index of an SBI request not yet answered, or -1 */
    uint64_t entered_user_seq;    /* the last return to U-mode */
    /* The owner sets (and, rebuilding, clears) bits for the PTEs its walks read; a hart that
     * stores into a page-table page reads them to decide whom to tell. */
    _Atomic uint64_t filter[FILTER_WORDS];
};

static struct {
    TLBCheckConfig cfg;
    TLBCheckHart *harts;
    unsigned n;
    struct AddressSpace *as;
    _Atomic uint64_t seq;
    pthread_mutex_t report_lock;
    _Atomic uint64_t pt_stores, flagged, stale_in_flight, stale_requested,
        reported, stale_uses_missing;
    _Atomic bool fatal_hit;
    _Atomic uint8_t *pt_idle;     /* per RAM page: stores in a row no hart cared about */
} chk;

#define PT_IDLE_STORES 64

static uint64_t next_seq(void)
{
    return atomic_fetch_add_explicit(&chk.seq, 1, memory_order_relaxed) + 1;
}

static unsigned filter_bit(uint64_t pte_pa)
{
    uint64_t h = (pte_pa >> 3) * 0x9e3779b97f4a7c15ULL;
    return (unsigned)(h >> (64 - FILTER_BITS));
}

static void filter_set(TLBCheckHart *h, uint64_t pte_pa)
{
    unsigned b = filter_bit(pte_pa);
    if (!(atomic_load_explicit(&h->filter[b / 64], memory_order_relaxed) & (1ULL << (b % 64)))) {
        atomic_fetch_or_explicit(&h->filter[b / 64], 1ULL << (b % 64), memory_order_seq_cst);
    }
}

static bool filter_test(TLBCheckHart *h, uint64_t pte_pa)
{
    unsigned b = filter_bit(pte_pa);
    return atomic_load_explicit(&h->filter[b / 64], memory_order_seq_cst) & (1ULL << (b % 64));
}

int tlb_check_init(struct RISCVCPU *const *cpus, unsigned n, struct AddressSpace *as,
                   const TLBCheckConfig *cfg)
{
    memset(&chk, 0, sizeof(chk));
    chk.cfg = *cfg;
    chk.as = as;
    chk.n = n;
    chk.harts = calloc(n, sizeof(*chk.harts));
    if (!chk.harts) {
        return -ENOMEM;
    }
    chk.pt_idle = calloc(as->ram_size >> RV_PAGE_BITS, 1);
    if (!chk.pt_idle) {
        free(chk.harts);
        chk.harts = NULL;
        return -ENOMEM;
    }
    pthread_mutex_init(&chk.report_lock, NULL);
    for (unsigned i = 0; i < n; i++) {
        TLBCheckHart *h = &chk.harts[i];
        h->cpu = cpus[i];
        h->index = i;
        h->cap = RECORDS_MIN;
        h->recs = calloc(h->cap, sizeof(*h->recs));
        h->pte_heads = malloc(h->cap * 2 * sizeof(*h->pte_heads));
        h->asid_root = calloc(1u << 16, sizeof(*h->asid_root));
        h->ptrs = calloc(POINTERS_CAP, sizeof(*h->ptrs));
        if (!h->recs || !h->pte_heads || !h->asid_root || !h->ptrs) {
            for (unsigned j = 0; j <= i; j++) {
                free(chk.harts[j].recs);
                free(chk.harts[j].pte_heads);
                free(chk.harts[j].asid_root);
                free(chk.harts[j].ptrs);
            }
            free(chk.harts);
            chk.harts = NULL;
            return -ENOMEM;
        }
        for (size_t b = 0; b < h->cap * 2; b++) {
            h->pte_heads[b] = NO_REC;
        }
        pthread_mutex_init(&h->lock, NULL);
        pthread_mutex_init(&h->inbox_lock, NULL);
        h->pending_ecall = -1;
        cpus[i]->tlb_check = h;
    }
    return 0;
}

/* ---- records ------------------------------------------------------------------------------ */

static size_t record_hash(uint64_t vpage, uint16_t asid, unsigned mmu_idx, size_t cap)
{
    uint64_t k = (vpage >> 12) ^ ((uint64_t)asid << 40) ^ ((uint64_t)mmu_idx << 58);
    return (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

/* The slot of the record with this key, or the empty slot where it would go. */
static CheckRecord *record_slot(TLBCheckHart *h, uint64_t vpage, uint16_t asid,
                                unsigned mmu_idx)
{
    size_t i = record_hash(vpage, asid, mmu_idx, h->cap);
    for (;;) {
        CheckRecord *r = &h->recs[i];
        if (!r->used || (r->vpage == vpage && r->asid == asid && r->mmu_idx == mmu_idx)) {
            return r;
        }
        i = (i + 1) & (h->cap - 1);
    }
}

static size_t pte_bucket(const TLBCheckHart *h, uint64_t pte_pa)
{
    return (size_t)(((pte_pa >> 3) * 0x9e3779b97f4a7c15ULL) >> 20) & (h->cap * 2 - 1);
}

#define NODE(idx, k) ((uint32_t)(idx) * 8 + (k))
#define NODE_REC(n) ((n) / 8)
#define NODE_K(n) ((n) % 8)

static void pte_link(TLBCheckHart *h, CheckRecord *r)
{
    uint32_t idx = (uint32_t)(r - h->recs);
    for (unsigned k = 0; k < r->n_pte; k++) {
        size_t b = pte_bucket(h, r->pte_pa[k]);
        uint32_t head = h->pte_heads[b];
        r->pte_prev[k] = NO_REC;
        r->pte_next[k] = head;
        if (head != NO_REC) {
            h->recs[NODE_REC(head)].pte_prev[NODE_K(head)] = NODE(idx, k);
        }
        h->pte_heads[b] = NODE(idx, k);
    }
}

static void pte_unlink(TLBCheckHart *h, CheckRecord *r)
{
    for (unsigned k = 0; k < r->n_pte; k++) {
        uint32_t prev = r->pte_prev[k], next = r->pte_next[k];
        if (prev != NO_REC) {
            h->recs[NODE_REC(prev)].pte_next[NODE_K(prev)] = next;
        } else {
            h->pte_heads[pte_bucket(h, r->pte_pa[k])] = next;
        }
        if (next != NO_REC) {
            h->recs[NODE_REC(next)].pte_prev[NODE_K(next)] = prev;
        }
    }
}

/* Does the hart's TLB still hold the entry r describes? */
static CPUTLBEntry *record_entry(TLBCheckHart *h, const CheckRecord *r)
{
    CPUTLBEntryFull *full;
    CPUTLBEntry *e = tlb_find(&h->cpu->tlb, r->mmu_idx, r->vpage, r->asid, &full);
    return e && full->paddr == r->paddr ? e : NULL;
}

/* Keep only the records whose entries are still cached (the table never deletes otherwise),
 * growing it when they fill more than half; the filter is rebuilt from them. */
static void records_rebuild(TLBCheckHart *h)
{
    size_t live = 0;
    for (size_t i = 0; i < h->cap; i++) {
        if (h->recs[i].used && record_entry(h, &h->recs[i])) {
            live++;
        }
    }
    size_t cap = h->cap;
    while (live * 2 > cap) {
        cap *= 2;
    }
    CheckRecord *old = h->recs;
    size_t old_cap = h->cap;
    CheckRecord *recs = calloc(cap, sizeof(*recs));
    uint32_t *heads = malloc(cap * 2 * sizeof(*heads));
    uint64_t *filter = calloc(FILTER_WORDS, sizeof(*filter));
    if (!recs || !heads || !filter) {
        free(recs);
        free(heads);
        free(filter);
        return;             /* keep the full table: inserts then replace in place */
    }
    for (size_t b = 0; b < cap * 2; b++) {
        heads[b] = NO_REC;
    }
    free(h->pte_heads);
    h->pte_heads = heads;
    h->recs = recs;
    h->cap = cap;
    h->n_used = 0;
    h->useless_events = 0;
    for (size_t i = 0; i < old_cap; i++) {
        CheckRecord *r = &old[i];
        if (!r->used || !record_entry(h, r)) {
            continue;
        }
        CheckRecord *n = record_slot(h, r->vpage, r->asid, r->mmu_idx);
        *n = *r;
        pte_link(h, n);
        h->n_used++;
        for (unsigned k = 0; k < r->n_pte; k++) {
            unsigned b = filter_bit(r->pte_pa[k]);
            filter[b / 64] |= 1ULL << (b % 64);
        }
    }
    for (size_t i = 0; i < POINTERS_CAP; i++) {
        if (h->ptrs[i].pte_pa) {
            unsigned b = filter_bit(h->ptrs[i].pte_pa);
            filter[b / 64] |= 1ULL << (b % 64);
        }
    }
    /* Word by word, so a bit a live record needs is never cleared, even for a moment: a
     * hart storing meanwhile always finds it. */
    for (unsigned w = 0; w < FILTER_WORDS; w++) {
        atomic_store_explicit(&h->filter[w], filter[w], memory_order_seq_cst);
    }
    free(filter);
    free(old);
}

/* ---- cached table pointers ------------------------------------------------------------ */

/* Page-table level of the record's leaf PTE (a 64 KiB NAPOT leaf is at level 0). */
static unsigned leaf_level(const CheckRecord *r)
{
    return r->page_bits <= 16 ? 0 : (r->page_bits - 12) / 9;
}


static size_t ptr_home(uint64_t pte_pa)
{
    return (size_t)(((pte_pa >> 3) * 0x9e3779b97f4a7c15ULL) >> 40) & (POINTERS_CAP - 1);
}

/* The slot of (pte_pa, asid), or the free slot that ends its probe run. */
static CachedPointer *ptr_slot(TLBCheckHart *h, uint64_t pte_pa, uint16_t asid)
{
    for (size_t i = ptr_home(pte_pa);; i = (i + 1) & (POINTERS_CAP - 1)) {
        CachedPointer *p = &h->ptrs[i];
        if (!p->pte_pa || (p->pte_pa == pte_pa && p->asid == asid)) {
            return p;
        }
    }
}

/* A fence without an address for asid (-1: every address space) reached the hart: the
 * pointers it may drop go (the global ones only for every address space). */
static void ptr_forget(TLBCheckHart *h, int32_t asid)
{
    if (h->n_ptrs == 0) {
        return;
    }
    CachedPointer *keep = asid < 0 ? NULL : malloc(h->n_ptrs * sizeof(*keep));
    size_t n_keep = 0;
    for (size_t i = 0; keep && i < POINTERS_CAP; i++) {
        CachedPointer *p = &h->ptrs[i];
        if (p->pte_pa && (p->global || p->asid != (uint16_t)asid)) {
            keep[n_keep++] = *p;
        }
    }
    memset(h->ptrs, 0, POINTERS_CAP * sizeof(*h->ptrs));
    h->n_ptrs = 0;
    for (size_t i = 0; i < n_keep; i++) {
        *ptr_slot(h, keep[i].pte_pa, keep[i].asid) = keep[i];
        h->n_ptrs++;
    }
    free(keep);     /* no memory: everything was forgotten, which hardware may do too */
}

void tlb_check_fence_without_address(struct RISCVCPU *cpu, int32_t asid)
{
    ptr_forget(cpu->tlb_check, asid);
}

void tlb_check_walk_pte(struct RISCVCPU *cpu, uint64_t pte_pa)
{
    struct AddressSpace *as = chk.as;
    if (pte_pa >= as->ram_base && pte_pa - as->ram_base < as->ram_size) {
        _Atomic uint8_t *b = &as->code_pages[(pte_pa - as->ram_base) >> RV_PAGE_BITS];
        if (!(atomic_load_explicit(b, memory_order_relaxed) & CODE_PAGE_PT)) {
            atomic_fetch_or_explicit(b, CODE_PAGE_PT, memory_order_seq_cst);
        }
    }
    filter_set(cpu->tlb_check, pte_pa);
}

static const char *classify(TLBCheckHart *h, const CheckChange *c, uint64_t vaddr,
                            const CheckRecord *r, bool nonleaf, FenceReq *fences,
                            unsigned *n_fences);
static void missing_flush(TLBCheckHart *h, const CheckRecord *r, bool *reported, uint64_t vaddr,
                          enum mmu_access access, uint64_t now_pa, int now_exc,
                          const FenceReq *fences, unsigned n_fences, const char *why,
                          bool nonleaf);

/* The fill of r read PTE k: when a table pointer cached at that place changed since
 * (flagged), this walk is one hardware could have made through the old table; a table
 * pointer not cached yet is cached. */
static void ptr_walked(TLBCheckHart *h, const CheckRecord *r, unsigned k, uint64_t vaddr,
                       enum mmu_access access)
{
    CachedPointer *p = ptr_slot(h, r->pte_pa[k], r->asid);
    if (!p->pte_pa && k + 1 == r->n_pte) {
        return;                                   /* a leaf: nothing to cache */
    }
    if (p->pte_pa) {
        if (!p->flagged) {
            if (k + 1 < r->n_pte) {
                p->pte_val = r->pte_val[k];
            }
        } else if (p->pte_val == r->pte_val[k]) {
            p->flagged = false;                   /* changed back */
        } else {
            FenceReq fences[FENCE_LOG];
            unsigned n_fences;
            const char *why = classify(h, &p->change, vaddr, r, true, fences, &n_fences);
            if (why) {
                CheckRecord use = *r;
                use.change = p->change;
                use.change.level = leaf_level(r) + (r->n_pte - 1 - k);
                use.flagged_instret = p->flagged_instret;
                missing_flush(h, &use, &p->reported, vaddr, access,
                              r->paddr | (vaddr & ~RV_PAGE_MASK), 0, fences, n_fences, why,
                              true);
            }
        }
        return;
    }
    if ((h->n_ptrs + 1) * 4 > POINTERS_CAP * 3) {
        ptr_forget(h, -1);                        /* a full cache evicts, as hardware may */
        p = ptr_slot(h, r->pte_pa[k], r->asid);
    }
    bool global = false;
    for (unsigned j = 0; j <= k; j++) {
        global |= (r->pte_val[j] & PTE_G) != 0;
    }
    *p = (CachedPointer){ .pte_pa = r->pte_pa[k], .pte_val = r->pte_val[k], .asid = r->asid,
                          .global = global };
    h->n_ptrs++;
}

void tlb_check_filled(struct RISCVCPU *cpu, unsigned mmu_idx, uint64_t vaddr,
                      const RISCVTranslation *t, enum mmu_access access)
{
    if (t->n_pte == 0 || mmu_idx >= TLB_ASID_TAGGED_MODES) {
        return;
    }
    TLBCheckHart *h = cpu->tlb_check;
    if ((h->n_used + 1) * 4 > h->cap * 3) {
        records_rebuild(h);
    }
    uint64_t vpage = vaddr & RV_PAGE_MASK;
    CheckRecord *r = record_slot(h, vpage, cpu->tlb.asid, mmu_idx);
    if (!r->used) {
        if ((h->n_used + 1) * 4 > h->cap * 3) {
            return;         /* no memory to grow: this entry goes unchecked */
        }
        h->n_used++;
    } else {
        pte_unlink(h, r);
    }
    *r = (CheckRecord){
        .vpage = vpage, .asid = cpu->tlb.asid, .mmu_idx = (uint8_t)mmu_idx, .used = true,
        .global = t->global, .n_pte = t->n_pte, .page_bits = (uint8_t)t->page_bits,
        .paddr = t->paddr & RV_PAGE_MASK, .root = (cpu->satp & SATP_PPN_MASK) << RV_PAGE_BITS,
    };
    for (unsigned k = 0; k < t->n_pte; k++) {
        r->pte_pa[k] = t->pte_pa[k];
        r->pte_val[k] = t->pte_val[k];
    }
    pte_link(h, r);
    for (unsigned k = 0; k < r->n_pte; k++) {
        ptr_walked(h, r, k, vaddr, access);
    }
}

void tlb_check_entry_copied(struct RISCVCPU *cpu, unsigned mmu_idx, uint64_t vpage,
                            uint16_t from, uint16_t to)
{
    TLBCheckHart *h = cpu->tlb_check;
    if ((h->n_used + 1) * 4 > h->cap * 3) {
        records_rebuild(h);
    }
    CheckRecord *src = record_slot(h, vpage, from, mmu_idx);
    if (!src->used || (h->n_used + 1) * 4 > h->cap * 3) {
        return;             /* no record (or no room): the copy goes unchecked */
    }
    CheckRecord copy = *src;
    CheckRecord *r = record_slot(h, vpage, to, mmu_idx);
    if (r->used) {
        pte_unlink(h, r);
    } else {
        h->n_used++;
    }
    *r = copy;
    r->asid = to;
    pte_link(h, r);
}

/* ---- changes -------------------------------------------------------------------------------- */

/* Does replacing old by new change what a walk through this PTE gives? A and D being set,
 * A being cleared (kernels age pages without fences, which the spec allows) and rights being
 * added do not; everything that removes or redirects a translation does. NULL: it does not. */
static const char *change_matters(uint64_t old, uint64_t new, bool leaf)
{
    if (!(new & PTE_V)) {
        return leaf ? "leaf invalidated" : "table pointer invalidated";
    }
    bool new_leaf = (new & (PTE_R | PTE_X)) != 0;
    if (new_leaf != leaf) {
        return leaf ? "leaf became a table pointer (page split)"
                    : "table pointer became a leaf (pages merged)";
    }
    if ((old ^ new) & PTE_PPN_MASK) {
        return leaf ? "PPN changed" : "table pointer moved (page-table page replaced)";
    }
    if (!leaf) {
        return (old & PTE_G) && !(new & PTE_G) ? "G cleared in a table pointer" : NULL;
    }
    uint64_t removed = old & ~new;
    if (removed & (PTE_R | PTE_W | PTE_X)) {
        return "permission reduced";
    }
    if ((old ^ new) & PTE_U) {
        return "U bit changed";
    }
    if (removed & PTE_G) {
        return "G cleared";
    }
    if ((removed & PTE_D) && (old & PTE_W)) {
        return "D cleared on a writable page";
    }
    if ((old ^ new) & PTE_N) {
        return "NAPOT bit changed";
    }
    return NULL;
}

/* Owner: if the store changed what record r's PTE k gives, flag r's entry (still cached). */
static void apply_to_record(TLBCheckHart *h, CheckRecord *r, unsigned k, const PTEvent *ev)
{
    const char *what = r->pte_val[k] == ev->new_pte ? NULL :
                       change_matters(r->pte_val[k], ev->new_pte, k + 1 == r->n_pte);
    if (!what) {
        return;
    }
    CPUTLBEntry *e = record_entry(h, r);
    if (!e) {
        return;
    }
    tlb_entry_set_check(&h->cpu->tlb, e, r->vpage);
    r->flagged = true;
    r->flagged_instret = cpu_instret(h->cpu);
    r->change = (CheckChange){
        .kind = CHANGE_PTE, .seq = ev->seq, .pte_pa = ev->pte_pa, .old_pte = r->pte_val[k],
        .new_pte = ev->new_pte, .level = leaf_level(r) + (r->n_pte - 1 - k),
        .leaf = k + 1 == r->n_pte, .changer = ev->changer, .changer_pc = ev->pc,
        .changer_instret = ev->instret,
    };
    atomic_fetch_add_explicit(&chk.flagged, 1, memory_order_relaxed);
}

/* Owner: flag every cached entry built from the PTE at ev->pte_pa whose translation the new
 * value changes (the records on that PTE's chain). */
static void apply_event(TLBCheckHart *h, const PTEvent *ev)
{
    bool matched = false;
    for (uint32_t n = h->pte_heads[pte_bucket(h, ev->pte_pa)]; n != NO_REC; ) {
        CheckRecord *r = &h->recs[NODE_REC(n)];
        unsigned k = NODE_K(n);
        n = r->pte_next[k];
        if (r->pte_pa[k] == ev->pte_pa) {
            matched = true;
            if (!r->flagged) {
                apply_to_record(h, r, k, ev);
            }
        }
    }
    for (size_t i = ptr_home(ev->pte_pa); h->ptrs[i].pte_pa; i = (i + 1) & (POINTERS_CAP - 1)) {
        CachedPointer *p = &h->ptrs[i];
        if (p->pte_pa != ev->pte_pa) {
            continue;
        }
        matched = true;
        const char *what = p->flagged || p->pte_val == ev->new_pte ? NULL :
                           change_matters(p->pte_val, ev->new_pte, false);
        if (what) {
            p->flagged = true;
            p->flagged_instret = cpu_instret(h->cpu);
            p->change = (CheckChange){
                .kind = CHANGE_PTE, .seq = ev->seq, .pte_pa = ev->pte_pa,
                .old_pte = p->pte_val, .new_pte = ev->new_pte, .leaf = false,
                .changer = ev->changer, .changer_pc = ev->pc, .changer_instret = ev->instret,
            };
            atomic_fetch_add_explicit(&chk.flagged, 1, memory_order_relaxed);
        }
    }
    /* The filter only grows between rebuilds, so once it is crowded with PTEs of entries
     * long gone, stores into old page-table pages (freed and reused as data) keep arriving
     * here: rebuild it from the live records when too many match nothing. */
    if (!matched && ++h->useless_events > h->cap / 2) {
        records_rebuild(h);
    }
}

/* Owner, outside guest execution: apply every event other harts queued, until the inbox
 * stays empty (then the next push queues this work again). */
static void apply_inbox_work(CPUState *cs, void *data)
{
    (void)data;
    TLBCheckHart *h = riscv_cpu_of(cs)->tlb_check;
    pthread_mutex_lock(&h->inbox_lock);
    while (h->inbox_n) {
        PTEvent *batch = h->inbox;
        size_t n = h->inbox_n, cap = h->inbox_cap;
        h->inbox = NULL;
        h->inbox_n = h->inbox_cap = 0;
        pthread_mutex_unlock(&h->inbox_lock);
        for (size_t i = 0; i < n; i++) {
            apply_event(h, &batch[i]);
        }
        pthread_mutex_lock(&h->inbox_lock);
        if (!h->inbox) {
            h->inbox = batch;             /* reuse the buffer */
            h->inbox_cap = cap;
        } else {
            free(batch);
        }
    }
    h->inbox_queued = false;
    pthread_mutex_unlock(&h->inbox_lock);
}

/* Any thread: queue ev for h's owner (dropped when there is no memory: that hart's entries
 * go unchecked for this change). */
static void inbox_push(TLBCheckHart *h, const PTEvent *ev)
{
    pthread_mutex_lock(&h->inbox_lock);
    if (h->inbox_n == h->inbox_cap) {
        size_t cap = h->inbox_cap ? h->inbox_cap * 2 : 64;
        PTEvent *grown = realloc(h->inbox, cap * sizeof(*grown));
        if (!grown) {
            pthread_mutex_unlock(&h->inbox_lock);
            return;
        }
        h->inbox = grown;
        h->inbox_cap = cap;
    }
    h->inbox[h->inbox_n++] = *ev;
    bool queue = !h->inbox_queued;
    h->inbox_queued = true;
    pthread_mutex_unlock(&h->inbox_lock);
    if (queue && async_run_on_cpu(&h->cpu->cs, apply_inbox_work, NULL) != 0) {
        pthread_mutex_lock(&h->inbox_lock);
        h->inbox_queued = false;          /* the next push tries again */
        pthread_mutex_unlock(&h->inbox_lock);
    }
}

void tlb_check_pt_store(struct RISCVCPU *cpu, const uint8_t *host, unsigned size)
{
    struct AddressSpace *as = chk.as;
    if (host < as->ram || host + size > as->ram + as->ram_size) {
        return;
    }
    /* Pairs with the seq_cst marks of tlb_check_walk_pte: either the walk reads this store's
     * value or the filters read below show its mark. */
    atomic_thread_fence(memory_order_seq_cst);
    uint64_t first = (uint64_t)(host - as->ram) & ~7ULL;
    uint64_t last = (uint64_t)(host + size - 1 - as->ram) & ~7ULL;
    for (uint64_t off = first; off <= last; off += 8) {
        uint64_t page = off >> RV_PAGE_BITS;
        if (!(atomic_load_explicit(&as->code_pages[page], memory_order_relaxed) &
              CODE_PAGE_PT)) {
            continue;
        }
        atomic_fetch_add_explicit(&chk.pt_stores, 1, memory_order_relaxed);
        PTEvent ev = {
            .pte_pa = as->ram_base + off,
            .new_pte = atomic_load_explicit((_Atomic uint64_t *)(void *)(as->ram + off),
                                            memory_order_relaxed),
            .changer = cpu->tlb_check->index,
            .pc = cpu->pc,
            .instret = cpu_instret(cpu),
            .seq = next_seq(),
        };
        bool anyone = false;
        for (unsigned i = 0; i < chk.n; i++) {
            TLBCheckHart *h = &chk.harts[i];
            if (!filter_test(h, ev.pte_pa)) {
                continue;
            }
            anyone = true;
            if (h == cpu->tlb_check) {
                apply_event(h, &ev);
            } else {
                inbox_push(h, &ev);
            }
        }
        /* A page-table page freed and reused for data keeps its mark until PT_IDLE_STORES
         * stores in a row interest no hart; a walk that reads it again marks it again. */
        if (anyone) {
            atomic_store_explicit(&chk.pt_idle[page], 0, memory_order_relaxed);
        } else if (atomic_fetch_add_explicit(&chk.pt_idle[page], 1, memory_order_relaxed) + 1 >=
                   PT_IDLE_STORES) {
            atomic_store_explicit(&chk.pt_idle[page], 0, memory_order_relaxed);
            atomic_fetch_and_explicit(&as->code_pages[page], (uint8_t)~CODE_PAGE_PT,
                                      memory_order_relaxed);
        }
    }
}

void tlb_check_satp(struct RISCVCPU *cpu, uint64_t old_satp, uint64_t new_satp)
{
    unsigned mode = (unsigned)(new_satp >> SATP_MODE_SHIFT);
    if (mode == SATP_MODE_BARE || (old_satp >> SATP_MODE_SHIFT) != mode) {
        return;             /* a mode change flushed the tagged tables */
    }
    TLBCheckHart *h = cpu->tlb_check;
    uint16_t asid = (uint16_t)(new_satp >> SATP_ASID_SHIFT);
    uint64_t root = (new_satp & SATP_PPN_MASK) << RV_PAGE_BITS;
    uint64_t was = h->asid_root[asid];
    h->asid_root[asid] = root;
    if (was == 0 || was == root) {
        return;
    }
    uint64_t seq = 0;
    for (size_t i = 0; i < h->cap; i++) {
        CheckRecord *r = &h->recs[i];
        if (!r->used || r->flagged || r->global || r->asid != asid || r->root == root) {
            continue;
        }
        CPUTLBEntry *e = record_entry(h, r);
        if (!e) {
            continue;
        }
        if (!seq) {
            seq = next_seq();
        }
        tlb_entry_set_check(&cpu->tlb, e, r->vpage);
        r->flagged = true;
        r->flagged_instret = cpu_instret(cpu);
        r->change = (CheckChange){
            .kind = CHANGE_ASID_ROOT, .seq = seq, .old_root = r->root, .new_root = root,
            .changer = h->index, .changer_pc = cpu->pc, .changer_instret = cpu_instret(cpu),
        };
        atomic_fetch_add_explicit(&chk.flagged, 1, memory_order_relaxed);
    }
}

/* ---- fences --------------------------------------------------------------------------------- */

static int log_fence(TLBCheckHart *h, const FenceReq *f)
{
    pthread_mutex_lock(&h->lock);
    int slot = (int)(h->log_next++ % FENCE_LOG);
    h->log[slot] = *f;
    pthread_mutex_unlock(&h->lock);
    return slot;
}

void tlb_check_sfence(struct RISCVCPU *cpu, uint64_t vaddr, bool all_va, int32_t asid)
{
    if (all_va) {
        ptr_forget(cpu->tlb_check, asid);
    }
    uint64_t seq = next_seq();
    log_fence(cpu->tlb_check, &(FenceReq){
        .kind = FENCE_LOCAL, .seq = seq, .done_seq = seq,
        .hart_mask = 1, .hart_base = cpu->mhartid, .start = all_va ? 0 : vaddr & RV_PAGE_MASK,
        .size = all_va ? ~0ULL : RV_PAGE_SIZE, .asid = asid, .pc = cpu->pc,
    });
}

void tlb_check_ecall(struct RISCVCPU *cpu)
{
    if (cpu->priv != PRV_S) {
        return;
    }
    uint64_t eid = cpu->x[17], fid = cpu->x[16];
    FenceReq f = { .kind = FENCE_SBI, .pc = cpu->pc, .asid = -1 };
    if (eid == SBI_EXT_RFENCE && (fid == 1 || fid == 2)) {
        f.hart_mask = cpu->x[10];
        f.hart_base = cpu->x[11];
        f.start = cpu->x[12];
        f.size = cpu->x[13];
        if (fid == 2) {
            f.asid = (int32_t)(cpu->x[14] & 0xffff);
        }
    } else if (eid == SBI_LEGACY_REMOTE_SFENCE_VMA || eid == SBI_LEGACY_REMOTE_SFENCE_VMA_ASID) {
        f.all_harts = true;
        f.start = cpu->x[11];
        f.size = cpu->x[12];
        if (eid == SBI_LEGACY_REMOTE_SFENCE_VMA_ASID) {
            f.asid = (int32_t)(cpu->x[13] & 0xffff);
        }
    } else {
        return;
    }
    if (f.start == 0 && f.size == 0) {
        f.size = ~0ULL;
    }
    f.seq = next_seq();
    TLBCheckHart *h = cpu->tlb_check;
    int slot = log_fence(h, &f);
    pthread_mutex_lock(&h->lock);
    h->pending_ecall = slot;
    pthread_mutex_unlock(&h->lock);
}

void tlb_check_ecall_done(struct RISCVCPU *cpu)
{
    TLBCheckHart *h = cpu->tlb_check;
    pthread_mutex_lock(&h->lock);
    if (h->pending_ecall >= 0) {
        h->log[h->pending_ecall].done_seq = next_seq();
        h->pending_ecall = -1;
    }
    pthread_mutex_unlock(&h->lock);
}

void tlb_check_entered_user(struct RISCVCPU *cpu)
{
    TLBCheckHart *h = cpu->tlb_check;
    pthread_mutex_lock(&h->lock);
    h->entered_user_seq = next_seq();
    pthread_mutex_unlock(&h->lock);
}

static bool fence_covers(const FenceReq *f, uint64_t hartid, uint64_t va, const CheckRecord *r)
{
    if (f->kind == FENCE_SBI && !f->all_harts && f->hart_base != ~0ULL &&
        (hartid < f->hart_base || hartid - f->hart_base >= 64 ||
         !(f->hart_mask & (1ULL << (hartid - f->hart_base))))) {
        return false;
    }
    if (f->kind == FENCE_LOCAL && hartid != f->hart_base) {
        return false;
    }
    if (f->size != ~0ULL && (va < f->start || va - f->start >= f->size)) {
        return false;
    }
    return f->asid < 0 || (!r->global && (uint16_t)f->asid == r->asid);
}

/* ---- uses ----------------------------------------------------------------------------------- */

static const char *const access_name[] = { "load", "store", "fetch" };
static const char *const mmu_idx_label[TLB_NB_MMU_MODES] = { "U", "S", "S+SUM", "M" };

static void format_pc(uint64_t pc, char *buf, size_t len)
{
    if (chk.cfg.symbols) {
        char sym[160];
        symbols_format(chk.cfg.symbols, pc, sym, sizeof(sym));
        if (sym[0] != '0' || sym[1] != 'x') {
            snprintf(buf, len, "0x%" PRIx64 " <%s>", pc, sym);
            return;
        }
    }
    snprintf(buf, len, "0x%" PRIx64, pc);
}

/* "function+0xoff" from --symbols, or "" */
static void format_symbol(uint64_t pc, char *buf, size_t len)
{
    buf[0] = 0;
    if (chk.cfg.symbols) {
        symbols_format(chk.cfg.symbols, pc, buf, len);
        if (buf[0] == '0' && buf[1] == 'x') {
            buf[0] = 0;
        }
    }
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            fprintf(out, "\\%c", *s);
        } else if ((unsigned char)*s < 0x20) {
            fprintf(out, "\\u%04x", (unsigned char)*s);
        } else {
            fputc(*s, out);
        }
    }
    fputc('"', out);
}

static void report_missing(TLBCheckHart *h, const CheckRecord *r, uint64_t vaddr,
                           enum mmu_access access, uint64_t now_pa, int now_exc,
                           const FenceReq *fences, unsigned n_fences, const char *why,
                           bool nonleaf)
{
    struct RISCVCPU *cpu = h->cpu;
    const CheckChange *c = &r->change;
    char use_pc[200], change_pc[200];
    format_pc(cpu->pc, use_pc, sizeof(use_pc));
    format_pc(c->changer_pc, change_pc, sizeof(change_pc));
    const char *what = c->kind == CHANGE_ASID_ROOT ? "ASID reused for another root" :
                       change_matters(c->old_pte, c->new_pte, c->leaf);
    uint64_t since = cpu_instret(cpu) - r->flagged_instret;
    FILE *out = chk.cfg.report;
    pthread_mutex_lock(&chk.report_lock);
    if (out) {
        fprintf(out, "tlb-check: missing flush: hart %u %s at pc %s used a stale %s\n",
                h->index, access_name[access], use_pc,
                nonleaf ? "table pointer (its walk may read the old table)" : "translation");
        if (nonleaf) {
            uint64_t old_table = ((r->change.old_pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT)
                                 << RV_PAGE_BITS;
            fprintf(out, "  va 0x%" PRIx64 " asid %u mmu_idx %s: cached table pointer to pa 0x%"
                    PRIx64, vaddr, r->asid, mmu_idx_label[r->mmu_idx], old_table);
        } else {
            fprintf(out, "  va 0x%" PRIx64 " asid %u mmu_idx %s%s: cached pa 0x%" PRIx64,
                    vaddr, r->asid, mmu_idx_label[r->mmu_idx], r->global ? " global" : "",
                    (uint64_t)(r->paddr | (vaddr & ~RV_PAGE_MASK)));
        }
        if (now_exc) {
            fprintf(out, ", the page tables now fault (cause %d)\n", now_exc);
        } else {
            fprintf(out, ", the page tables now give pa 0x%" PRIx64 "\n", now_pa);
        }
        if (c->kind == CHANGE_PTE) {
            fprintf(out, "  PTE at pa 0x%" PRIx64 " (level %u): 0x%" PRIx64 " -> 0x%" PRIx64
                    " (%s)\n", c->pte_pa, c->level, c->old_pte, c->new_pte, what ? what : "?");
            fprintf(out, "  changed by hart %u at pc %s, its instret %" PRIu64 "\n", c->changer,
                    change_pc, c->changer_instret);
        } else {
            fprintf(out, "  satp on hart %u switched ASID %u from root 0x%" PRIx64 " to root 0x%"
                    PRIx64 " at pc %s without an sfence.vma for the ASID\n", c->changer,
                    r->asid, c->old_root, c->new_root, change_pc);
        }
        fprintf(out, "  why: %s\n", why);
        if (n_fences == 0) {
            fprintf(out, "  fences by hart %u since the change: none\n", c->changer);
        }
        for (unsigned k = 0; k < n_fences; k++) {
            const FenceReq *f = &fences[k];
            char fpc[200];
            format_pc(f->pc, fpc, sizeof(fpc));
            fprintf(out, "  fence by hart %u at pc %s: %s", c->changer, fpc,
                    f->kind == FENCE_LOCAL ? "sfence.vma (local)" : "SBI remote sfence.vma");
            if (f->kind == FENCE_SBI) {
                if (f->all_harts || f->hart_base == ~0ULL) {
                    fprintf(out, " harts all");
                } else {
                    fprintf(out, " hart_mask 0x%" PRIx64 " base %" PRIu64, f->hart_mask,
                            f->hart_base);
                }
            }
            if (f->size == ~0ULL) {
                fprintf(out, " va all");
            } else {
                fprintf(out, " va 0x%" PRIx64 "+0x%" PRIx64, f->start, f->size);
            }
            if (f->asid >= 0) {
                fprintf(out, " asid %d", f->asid);
            }
            fprintf(out, "%s\n", f->done_seq ? ", complete" : ", not complete");
        }
        fprintf(out, "  hart %u ran %" PRIu64 " instructions since it saw the change\n",
                h->index, since);
        fflush(out);
    }
    FILE *js = chk.cfg.json;
    if (js) {
        format_symbol(cpu->pc, use_pc, sizeof(use_pc));
        format_symbol(c->changer_pc, change_pc, sizeof(change_pc));
        fprintf(js, "{\"type\":\"missing_flush\",\"hart\":%u,\"pc\":%" PRIu64 ",\"pc_symbol\":",
                h->index, cpu->pc);
        json_string(js, use_pc);
        fprintf(js, ",\"access\":\"%s\",\"va\":%" PRIu64 ",\"asid\":%u,\"mmu_idx\":\"%s\","
                "\"global\":%s,\"cached_pa\":%" PRIu64 ",\"change\":\"%s\"",
                access_name[access], vaddr, r->asid, mmu_idx_label[r->mmu_idx],
                r->global ? "true" : "false", (uint64_t)(r->paddr | (vaddr & ~RV_PAGE_MASK)),
                c->kind == CHANGE_ASID_ROOT ? "asid_root" : nonleaf ? "table_pointer" : "pte");
        if (c->kind == CHANGE_PTE) {
            fprintf(js, ",\"pte_pa\":%" PRIu64 ",\"level\":%u,\"old_pte\":%" PRIu64
                    ",\"new_pte\":%" PRIu64 ",\"what\":", c->pte_pa, c->level, c->old_pte,
                    c->new_pte);
            json_string(js, what ? what : "?");
        } else {
            fprintf(js, ",\"old_root\":%" PRIu64 ",\"new_root\":%" PRIu64, c->old_root,
                    c->new_root);
        }
        fprintf(js, ",\"changer_hart\":%u,\"changer_pc\":%" PRIu64 ",\"changer_symbol\":",
                c->changer, c->changer_pc);
        json_string(js, change_pc);
        fprintf(js, ",\"why\":");
        json_string(js, why);
        fprintf(js, ",\"fences\":[");
        for (unsigned k = 0; k < n_fences; k++) {
            const FenceReq *f = &fences[k];
            fprintf(js, "%s{\"kind\":\"%s\",\"pc\":%" PRIu64 ",\"all_harts\":%s,"
                    "\"hart_mask\":%" PRIu64 ",\"hart_base\":%" PRIu64 ",\"start\":%" PRIu64
                    ",\"size\":%" PRIu64 ",\"asid\":%d,\"complete\":%s}", k ? "," : "",
                    f->kind == FENCE_LOCAL ? "local" : "sbi", f->pc,
                    f->all_harts || f->hart_base == ~0ULL ? "true" : "false", f->hart_mask,
                    f->hart_base, f->start, f->size, f->asid, f->done_seq ? "true" : "false");
        }
        fprintf(js, "],\"instructions_since_seen\":%" PRIu64 "}\n", since);
        fflush(js);
    }
    pthread_mutex_unlock(&chk.report_lock);
}

/* The rule of docs/tlb-check.md for a stale use by h of a translation (r: its ASID and G)
 * that change c made stale: the reason it is a missing flush, or NULL when it is in flight
 * (then counted here). fences receives the changer's fences since the change. A table pointer
 * (nonleaf) is dropped only by fences without an address. */
static const char *classify(TLBCheckHart *h, const CheckChange *c, uint64_t vaddr,
                            const CheckRecord *r, bool nonleaf, FenceReq *fences,
                            unsigned *n_fences)
{
    *n_fences = 0;
    if (c->kind == CHANGE_ASID_ROOT) {
        return "the hart itself switched satp and used the old root's translation before any "
               "sfence.vma for the ASID";
    }
    TLBCheckHart *ch = &chk.harts[c->changer];
    bool completed = false, requested = false;
    pthread_mutex_lock(&ch->lock);
    unsigned n_log = ch->log_next < FENCE_LOG ? ch->log_next : FENCE_LOG;
    for (unsigned k = 0; k < n_log; k++) {
        unsigned slot = (ch->log_next - n_log + k) % FENCE_LOG;
        const FenceReq *f = &ch->log[slot];
        if (f->seq <= c->seq) {
            continue;
        }
        fences[(*n_fences)++] = *f;
        if (f->done_seq && (f->kind == FENCE_SBI || ch == h)) {
            completed = true;
        }
        if (!f->done_seq && fence_covers(f, h->cpu->mhartid, vaddr, r) &&
            (!nonleaf || f->size == ~0ULL)) {
            requested = true;
        }
    }
    bool went_on = ch->entered_user_seq > c->seq;
    pthread_mutex_unlock(&ch->lock);
    if (completed) {
        return nonleaf ? "the changing hart completed a fence round after the change, and none "
                         "of its fences without an address (which alone drop cached table "
                         "pointers) reached this hart"
                       : "the changing hart completed a fence round after the change that left "
                         "this hart or address out";
    }
    if (went_on) {
        return "the changing hart returned to user mode after the change without a fence "
               "reaching this hart";
    }
    atomic_fetch_add_explicit(requested ? &chk.stale_requested : &chk.stale_in_flight, 1,
                              memory_order_relaxed);
    return NULL;
}

/* A missing flush found: count it, report it once (*reported), stop the machine if fatal. */
static void missing_flush(TLBCheckHart *h, const CheckRecord *r, bool *reported, uint64_t vaddr,
                          enum mmu_access access, uint64_t now_pa, int now_exc,
                          const FenceReq *fences, unsigned n_fences, const char *why,
                          bool nonleaf)
{
    atomic_fetch_add_explicit(&chk.stale_uses_missing, 1, memory_order_relaxed);
    if (*reported) {
        return;
    }
    *reported = true;
    atomic_fetch_add_explicit(&chk.reported, 1, memory_order_relaxed);
    report_missing(h, r, vaddr, access, now_pa, now_exc, fences, n_fences, why, nonleaf);
    if (chk.cfg.mode == TLB_CHECK_FATAL &&
        !atomic_exchange_explicit(&chk.fatal_hit, true, memory_order_relaxed) &&
        chk.cfg.stop_machine) {
        chk.cfg.stop_machine(chk.cfg.opaque);
    }
}

void tlb_check_use(struct RISCVCPU *cpu, unsigned mmu_idx, uint64_t vaddr,
                   enum mmu_access access)
{
    TLBCheckHart *h = cpu->tlb_check;
    uint64_t vpage = vaddr & RV_PAGE_MASK;
    CheckRecord *r = record_slot(h, vpage, cpu->tlb.asid, mmu_idx);
    if (!r->used || !r->flagged) {
        return;
    }
    /* Stale only if the tables now disagree for this access: a removed right this access does
     * not need, or a change undone since, leaves it correct. */
    uint64_t now_pa = 0;
    int exc = riscv_probe_translate(cpu, vaddr, access, mmu_idx, &now_pa);
    if (!exc && (now_pa & RV_PAGE_MASK) == r->paddr) {
        return;
    }
    FenceReq fences[FENCE_LOG];
    unsigned n_fences;
    const char *why = classify(h, &r->change, vaddr, r, false, fences, &n_fences);
    if (why) {
        missing_flush(h, r, &r->reported, vaddr, access, now_pa, exc, fences, n_fences, why,
                      false);
    }
}

void tlb_check_finish(void)
{
    if (!chk.harts) {
        return;
    }
    uint64_t reported = atomic_load(&chk.reported);
    FILE *out = chk.cfg.report;
    if (out) {
        if (atomic_load(&chk.fatal_hit)) {
            fprintf(out, "tlb-check: stopped at the first missing flush; harts at:\n");
            for (unsigned i = 0; i < chk.n; i++) {
                char pc[200];
                format_pc(chk.harts[i].cpu->pc, pc, sizeof(pc));
                fprintf(out, "  hart %u pc %s\n", i, pc);
            }
        }
        fprintf(out, "tlb-check: %" PRIu64 " missing flush%s reported (%" PRIu64 " stale uses); "
                "%" PRIu64 " stale uses in flight (%" PRIu64 " with a fence requested); %"
                PRIu64 " page-table stores seen, %" PRIu64 " entries flagged\n", reported,
                reported == 1 ? "" : "es", atomic_load(&chk.stale_uses_missing),
                atomic_load(&chk.stale_in_flight) + atomic_load(&chk.stale_requested),
                atomic_load(&chk.stale_requested), atomic_load(&chk.pt_stores),
                atomic_load(&chk.flagged));
    }
    if (chk.cfg.json) {
        fprintf(chk.cfg.json, "{\"type\":\"summary\",\"missing_flush_reports\":%" PRIu64
                ",\"stale_uses_missing\":%" PRIu64 ",\"stale_uses_in_flight\":%" PRIu64
                ",\"stale_uses_fence_requested\":%" PRIu64 ",\"pt_stores\":%" PRIu64
                ",\"entries_flagged\":%" PRIu64 "}\n", reported,
                atomic_load(&chk.stale_uses_missing), atomic_load(&chk.stale_in_flight),
                atomic_load(&chk.stale_requested), atomic_load(&chk.pt_stores),
                atomic_load(&chk.flagged));
    }
    for (unsigned i = 0; i < chk.n; i++) {
        chk.harts[i].cpu->tlb_check = NULL;
        free(chk.harts[i].recs);
        free(chk.harts[i].pte_heads);
        free(chk.harts[i].asid_root);
        free(chk.harts[i].ptrs);
        free(chk.harts[i].inbox);
        pthread_mutex_destroy(&chk.harts[i].lock);
        pthread_mutex_destroy(&chk.harts[i].inbox_lock);
    }
    free(chk.harts);
    chk.harts = NULL;
    free((void *)chk.pt_idle);
    chk.pt_idle = NULL;
    pthread_mutex_destroy(&chk.report_lock);
}
