/* Softmmu TLB of one vCPU. Only the owner thread reads or writes these tables, so nothing here
 * is atomic; cross-vCPU flushes reach the owner as requests (MTTCG layer). */
#include "mm/tlb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "accel/log.h"
#include "accel/tb.h"
#include "cpu/cpu.h"
#include "cpu/mmu.h"
#include "hw/machine.h"

static void tlb_table_clear(CPUTLBEntry *table, size_t n)
{
    /* All-ones tags carry TLB_INVALID, so they never match a masked address. */
    memset(table, 0xff, n * sizeof(CPUTLBEntry));
}

static void tlb_desc_reset(CPUTLBDescFast *f, CPUTLBDesc *d)
{
    tlb_table_clear(f->table, f->mask + 1);
    tlb_table_clear(d->vtable, TLB_VICTIM_SIZE);
    d->n_used_entries = 0;
    d->large_page_addr = ~0ULL;
    d->large_page_mask = 0;
}

int tlb_init(RISCVCPU *cpu)
{
    CPUTLB *tlb = &cpu->tlb;
    memset(tlb, 0, sizeof(*tlb));
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        size_t n = 1u << TLB_DEFAULT_BITS;
        tlb->f[i].mask = n - 1;
        tlb->f[i].table = malloc(n * sizeof(CPUTLBEntry));
        tlb->d[i].fulltlb = calloc(n, sizeof(CPUTLBEntryFull));
        if (!tlb->f[i].table || !tlb->d[i].fulltlb) {
            tlb_destroy(cpu);
            return -ENOMEM;
        }
        tlb_desc_reset(&tlb->f[i], &tlb->d[i]);
    }
    return 0;
}

void tlb_destroy(RISCVCPU *cpu)
{
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        free(cpu->tlb.f[i].table);
        free(cpu->tlb.d[i].fulltlb);
        cpu->tlb.f[i].table = NULL;
        cpu->tlb.d[i].fulltlb = NULL;
    }
}

void tlb_flush_by_mmuidx_local(RISCVCPU *cpu, unsigned idxmap)
{
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        if (idxmap & (1u << i)) {
            tlb_desc_reset(&cpu->tlb.f[i], &cpu->tlb.d[i]);
        }
    }
    cpu->tlb.stats.flushes_full++;
    tb_jmp_cache_clear(cpu);
}

void tlb_flush_local(RISCVCPU *cpu)
{
    tlb_flush_by_mmuidx_local(cpu, (1u << TLB_NB_MMU_MODES) - 1);
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

void tlb_flush_page_by_mmuidx_local(RISCVCPU *cpu, uint64_t vaddr, unsigned idxmap)
{
    uint64_t page = vaddr & RV_PAGE_MASK;
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        if (!(idxmap & (1u << i))) {
            continue;
        }
        CPUTLBDesc *d = &cpu->tlb.d[i];
        if ((page & d->large_page_mask) == d->large_page_addr) {
            /* Inside a large page: entries derived from it may sit at any index. */
            tlb_desc_reset(&cpu->tlb.f[i], d);
            cpu->tlb.stats.flushes_large_page++;
            tb_jmp_cache_clear(cpu);
            continue;
        }
        CPUTLBEntry *e = tlb_entry(&cpu->tlb, i, page);
        if (tlb_entry_is_page(e, page)) {
            tlb_table_clear(e, 1);
            d->n_used_entries--;
        }
        for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
            if (tlb_entry_is_page(&d->vtable[v], page)) {
                tlb_table_clear(&d->vtable[v], 1);
            }
        }
    }
    cpu->tlb.stats.flushes_page++;
    tb_jmp_cache_clear_page(cpu, page);
}

void tlb_flush_page_local(RISCVCPU *cpu, uint64_t vaddr)
{
    tlb_flush_page_by_mmuidx_local(cpu, vaddr, (1u << TLB_NB_MMU_MODES) - 1);
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
    const MemMap *map = rcu_dereference(cpu->machine->memmap);
    uint64_t ppage = t.paddr & RV_PAGE_MASK;
    const MemRegion *r = memmap_lookup(map, t.paddr);
    if (!r || (access == ACCESS_STORE && r->readonly) || (access == ACCESS_FETCH && !r->host)) {
        urcu_memb_read_unlock();
        log_mask(LOG_GUEST_ERRORS, "hart %u: %s at unmapped/unsuitable paddr 0x%llx\n",
                 cpu->index, access == ACCESS_FETCH ? "fetch" : access == ACCESS_STORE ?
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
    e->addr_read = (prot & PAGE_READ) ? vpage | flags : TLB_EMPTY_TAG;
    e->addr_write = (prot & PAGE_WRITE) ? vpage | flags : TLB_EMPTY_TAG;
    e->addr_code = (prot & PAGE_EXEC) ? vpage | flags : TLB_EMPTY_TAG;
    e->addend = plain ? (uintptr_t)host_page - (uintptr_t)vpage : 0;
    d->fulltlb[idx].paddr = ppage;
    d->fulltlb[idx].page_bits = (uint8_t)t.page_bits;
    d->fulltlb[idx].prot = (uint8_t)prot;
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
    const MemMap *map = rcu_dereference(cpu->machine->memmap);
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
        if (is_store) {
            memcpy(res.host, val, size);
            tlb_notify_code_write(cpu, res.host, size);
        } else {
            *val = 0;
            memcpy(val, res.host, size);
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
    const MemMap *map = rcu_dereference(cpu->machine->memmap);
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
            if (((*host_page)[off] & 3) == 3 && off + 4 <= RV_PAGE_SIZE) {
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

void tlb_notify_code_write(RISCVCPU *cpu, uint8_t *host_addr, unsigned size)
{
    Machine *m = cpu->machine;
    if (host_addr < m->ram || host_addr >= m->ram + m->ram_size) {
        return;
    }
    uint64_t first = (uint64_t)(host_addr - m->ram) >> RV_PAGE_BITS;
    uint64_t last = (uint64_t)(host_addr + size - 1 - m->ram) >> RV_PAGE_BITS;
    for (uint64_t p = first; p <= last && p < (m->ram_size >> RV_PAGE_BITS); p++) {
        if (atomic_load_explicit(&m->code_pages[p], memory_order_relaxed)) {
            tb_invalidate_phys_page(m->ram_base + (p << RV_PAGE_BITS));
        }
    }
}
