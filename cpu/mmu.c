#include "cpu/mmu.h"

#include <inttypes.h>
#include <urcu/urcu-memb.h>

#include "cpu/tlb_check.h"
#include "mm/address_space.h"
#include "util/log.h"

/* Bits 60..54 are reserved; N and PBMT are reserved too where their extension is absent (or,
 * for PBMT, not enabled by menvcfg.PBMTE), and always in non-leaf PTEs. */
#define PTE_RESERVED_ALWAYS (((1ULL << 61) - 1) & ~((1ULL << 54) - 1))
#define NAPOT_64K_PPN_MASK 0xfULL  /* ppn[3:0] == 1000: the 64 KiB encoding */
#define NAPOT_64K_PPN 0x8ULL
#define NAPOT_64K_BITS 16

#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_A_SHIFT 3
#define PMP_A_OFF 0
#define PMP_A_TOR 1
#define PMP_A_NA4 2
#define PMP_A_NAPOT 3
#define PMP_L 0x80

/* Byte range [*lo, *hi) of PMP entry i; false when the entry is off or empty. hi may be
 * 2^64, so it is kept as an exclusive bound in 128-bit-safe form: *hi_all_ones marks it. */
static bool pmp_entry_range(const RISCVCPU *cpu, unsigned i, uint64_t *lo, uint64_t *hi)
{
    unsigned a = (cpu->pmpcfg[i] >> PMP_A_SHIFT) & 3;
    uint64_t addr = cpu->pmpaddr[i];
    switch (a) {
    case PMP_A_TOR:
        *lo = i == 0 ? 0 : cpu->pmpaddr[i - 1] << 2;
        *hi = addr << 2;
        return *lo < *hi;
    case PMP_A_NA4:
        *lo = addr << 2;
        *hi = *lo + 4;
        return true;
    case PMP_A_NAPOT: {
        /* Trailing ones of pmpaddr give the size: 2^(ones + 3) bytes. */
        unsigned ones = (unsigned)__builtin_ctzll(~addr);
        if (ones >= 54) {
            *lo = 0;
            *hi = ~0ULL;        /* whole 56-bit physical space and beyond */
            return true;
        }
        uint64_t size = 1ULL << (ones + 3);
        *lo = (addr << 2) & ~(size - 1);
        *hi = *lo + size;
        return true;
    }
    default:
        return false;
    }
}

void riscv_pmp_changed(RISCVCPU *cpu)
{
    cpu->pmp_active = 0;
    cpu->pmp_alone = 0;
    for (unsigned i = 0; i < PMP_ENTRIES; i++) {
        if (!pmp_entry_range(cpu, i, &cpu->pmp_lo[i], &cpu->pmp_hi[i])) {
            continue;
        }
        bool alone = true;
        for (unsigned j = 0; j < i; j++) {
            if ((cpu->pmp_active & (1u << j)) && cpu->pmp_lo[j] < cpu->pmp_hi[i] &&
                cpu->pmp_lo[i] < cpu->pmp_hi[j]) {
                alone = false;
            }
        }
        cpu->pmp_active |= (uint16_t)(1u << i);
        cpu->pmp_alone |= (uint16_t)(alone << i);
    }
    cpu->pmp_last = 0;
    cpu->walk_cache.valid = false;    /* it skipped the PMP checks of the levels it kept */
}

/* What entry i grants `priv` once it decides an access. */
static unsigned pmp_entry_prot(const RISCVCPU *cpu, unsigned i, unsigned priv)
{
    uint8_t cfg = cpu->pmpcfg[i];
    if (priv == PRV_M && !(cfg & PMP_L)) {
        return PAGE_READ | PAGE_WRITE | PAGE_EXEC;
    }
    return ((cfg & PMP_R) ? PAGE_READ : 0) | ((cfg & PMP_W) ? PAGE_WRITE : 0) |
           ((cfg & PMP_X) ? PAGE_EXEC : 0);
}

unsigned riscv_pmp_prot(RISCVCPU *cpu, uint64_t paddr, uint64_t size, unsigned priv,
                        bool *page_uniform)
{
    uint64_t page = paddr & RV_PAGE_MASK;
    uint64_t end = paddr + size;
    bool lower_overlaps_page = false;

    /* The hint: an entry no lower one overlaps decides every access inside its range, and a
     * lower entry that overlaps the page would overlap the range too unless the page leaves
     * the range (then the page is not uniform either way). */
    unsigned last = cpu->pmp_last;
    if ((cpu->pmp_alone & (1u << last)) && cpu->pmp_lo[last] <= paddr &&
        end <= cpu->pmp_hi[last]) {
        *page_uniform = cpu->pmp_lo[last] <= page && page + RV_PAGE_SIZE <= cpu->pmp_hi[last];
        return pmp_entry_prot(cpu, last, priv);
    }
    *page_uniform = false;

    /* The lowest-numbered entry matching any byte decides; it must match every byte. */
    for (unsigned active = cpu->pmp_active; active; active &= active - 1) {
        unsigned i = (unsigned)__builtin_ctz(active);
        uint64_t lo = cpu->pmp_lo[i], hi = cpu->pmp_hi[i];
        bool page_overlap = lo < page + RV_PAGE_SIZE && page < hi;
        if (!(lo < end && paddr < hi)) {
            lower_overlaps_page |= page_overlap;
            continue;
        }
        if (paddr < lo || end > hi) {
            return 0;           /* partial match fails */
        }
        *page_uniform = !lower_overlaps_page && lo <= page && page + RV_PAGE_SIZE <= hi;
        cpu->pmp_last = (uint8_t)i;
        return pmp_entry_prot(cpu, i, priv);
    }
    *page_uniform = !lower_overlaps_page;
    /* No match: M-mode succeeds; S/U fail because PMP entries are implemented. */
    return priv == PRV_M ? PAGE_READ | PAGE_WRITE | PAGE_EXEC : 0;
}

/* Host pointer to a page-table entry in RAM, or NULL (the walk then reports an access fault).
 * Called under the RCU read lock. */
/* Host slot of the PTE at pte_addr (RAM or ROM), or NULL; *writable is false for ROM, where
 * an A/D update is an access fault. */
static _Atomic uint64_t *pte_host(RISCVCPU *cpu, uint64_t pte_addr, bool *writable)
{
    const MemMap *map = address_space_memmap(cpu->as);
    const MemRegion *r = memmap_lookup(map, pte_addr);
    if (!r || !r->host || pte_addr - r->base > r->size - 8) {
        return NULL;
    }
    *writable = !r->readonly;
    return (_Atomic uint64_t *)(void *)(r->host + (pte_addr - r->base));
}

/* probe: riscv_probe_translate's walk (no A/D update, no walk cache, no PMP, nothing
 * recorded). */
static int walk(RISCVCPU *cpu, uint64_t vaddr, enum mmu_access access, unsigned mmu_idx,
                RISCVTranslation *out, bool probe)
{
    bool record = cpu->tlb_check && !probe;
    out->n_pte = 0;
    unsigned mode = (unsigned)(cpu->satp >> SATP_MODE_SHIFT);
    unsigned levels = mode == SATP_MODE_SV39 ? 3 : mode == SATP_MODE_SV48 ? 4 : 5;
    unsigned va_bits = 12 + 9 * levels;
    int64_t top = (int64_t)vaddr >> (va_bits - 1);
    if (top != 0 && top != -1) {
        return page_fault_for(access);   /* not sign-extended */
    }

    unsigned priv = mmu_idx_priv(mmu_idx);
    bool sum = mmu_idx == MMU_IDX_S_SUM;
    bool mxr = (cpu->mstatus & MSTATUS_MXR) != 0;
    uint64_t table = (cpu->satp & SATP_PPN_MASK) << RV_PAGE_BITS;
    bool global = false;    /* G in a non-leaf PTE makes everything below it global */
    /* PBMT is a memory type only with Svpbmt enabled for S/U by menvcfg.PBMTE; tlbstorm
     * keeps no memory types (RAM and MMIO behave the same whatever PBMT says). */
    bool pbmt_on = cpu->features.svpbmt && (cpu->menvcfg & MENVCFG_PBMTE);
    uint64_t reserved = PTE_RESERVED_ALWAYS | (cpu->features.svnapot ? 0 : PTE_N) |
                        (pbmt_on ? 0 : PTE_PBMT);

    /* Page-walk cache: fills of neighbouring pages (a kernel touching a buffer, a loop after
     * an ASID flush) share every level but the last. Valid until any flush of this hart's
     * TLB, a satp change or a PMP change; the levels it skips were checked when it was
     * filled, and the spec lets non-leaf PTEs be cached until an sfence.vma. */
    int start_level = (int)levels - 1;
    if (!record && !probe && cpu->walk_cache.valid &&
        cpu->walk_cache.flush_gen == cpu->tlb.flush_gen &&
        cpu->walk_cache.satp == cpu->satp && cpu->walk_cache.vpn_hi == vaddr >> 21) {
        start_level = 0;
        table = cpu->walk_cache.table;
        global = cpu->walk_cache.global;
    }
    for (int level = start_level; level >= 0; level--) {
        uint64_t vpn = (vaddr >> (12 + 9 * level)) & 0x1ff;
        uint64_t pte_addr = table + vpn * 8;
        bool uniform;
        if (!probe && !(riscv_pmp_prot(cpu, pte_addr, 8, PRV_S, &uniform) & PAGE_READ)) {
            return access_fault_for(access);
        }
        bool pte_writable;
        _Atomic uint64_t *slot = pte_host(cpu, pte_addr, &pte_writable);
        if (!slot) {
            return access_fault_for(access);
        }
        if (record) {
            tlb_check_walk_pte(cpu, pte_addr);    /* before the load: see tlb_check.h */
        }
        /* Acquire: pairs with the release (or fence) another hart's page-table writer uses
         * before its sfence.vma, so the target page's contents are visible with the PTE. */
        uint64_t pte = atomic_load_explicit(slot, memory_order_acquire);
        for (;;) {
            if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & reserved)) {
                return page_fault_for(access);
            }
            if (!(pte & (PTE_R | PTE_X))) {
                /* Pointer to the next level. D, A, U, N and PBMT are reserved in non-leaf
                 * PTEs, and reserved bits that are set make the walk fault (priv spec 1.13,
                 * 12.3.2; Svnapot and Svpbmt chapters). */
                if (pte & (PTE_D | PTE_A | PTE_U | PTE_N | PTE_PBMT)) {
                    return page_fault_for(access);
                }
                global |= (pte & PTE_G) != 0;
                if (record) {
                    out->pte_pa[out->n_pte] = pte_addr;
                    out->pte_val[out->n_pte++] = pte;
                }
                break;
            }
            /* Leaf: privilege, permission and alignment checks. */
            if (priv == PRV_U && !(pte & PTE_U)) {
                return page_fault_for(access);
            }
            if (priv == PRV_S && (pte & PTE_U) && (access == ACCESS_FETCH || !sum)) {
                return page_fault_for(access);
            }
            bool readable = (pte & PTE_R) || (mxr && (pte & PTE_X));
            if ((access == ACCESS_LOAD && !readable) ||
                (access == ACCESS_STORE && !(pte & PTE_W)) ||
                (access == ACCESS_FETCH && !(pte & PTE_X))) {
                return page_fault_for(access);
            }
            if ((pte & PTE_PBMT) == PTE_PBMT) {
                return page_fault_for(access);   /* PBMT = 3 is reserved */
            }
            uint64_t ppn = (pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT;
            uint64_t low_ppn_mask = (1ULL << (9 * level)) - 1;
            if (ppn & low_ppn_mask) {
                return page_fault_for(access);   /* misaligned superpage */
            }
            /* Svnapot: a 64 KiB page, only at level 0 and only with ppn[3:0] = 1000; any
             * other N = 1 leaf is reserved. */
            bool napot = (pte & PTE_N) != 0;
            if (napot && (level != 0 || (ppn & NAPOT_64K_PPN_MASK) != NAPOT_64K_PPN)) {
                return page_fault_for(access);
            }
            /* Hardware A/D update: CAS so a concurrent PTE change by another hart is never
             * overwritten; on failure re-check the new PTE from scratch. */
            uint64_t want = pte | PTE_A | (access == ACCESS_STORE ? PTE_D : 0);
            if (want != pte && !probe) {
                if (!pte_writable ||
                    !(riscv_pmp_prot(cpu, pte_addr, 8, PRV_S, &uniform) & PAGE_WRITE)) {
                    return access_fault_for(access);
                }
                if (!atomic_compare_exchange_strong_explicit(slot, &pte, want,
                                                             memory_order_acq_rel,
                                                             memory_order_acquire)) {
                    continue;
                }
                pte = want;
            }
            if (record) {
                out->pte_pa[out->n_pte] = pte_addr;
                out->pte_val[out->n_pte++] = pte;
            }
            unsigned page_bits = napot ? NAPOT_64K_BITS : 12 + 9 * (unsigned)level;
            uint64_t page_off_mask = (1ULL << page_bits) - 1;
            out->paddr = ((ppn << 12) & ~page_off_mask) | (vaddr & page_off_mask);
            out->page_bits = page_bits;
            out->global = global || (pte & PTE_G);
            unsigned prot = 0;
            if (readable) {
                prot |= PAGE_READ;
            }
            if ((pte & PTE_W) && (pte & PTE_D)) {
                prot |= PAGE_WRITE;
            }
            if ((pte & PTE_X) && !(priv == PRV_S && (pte & PTE_U))) {
                prot |= PAGE_EXEC;
            }
            out->prot = prot;
            return 0;
        }
        table = ((pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT) << RV_PAGE_BITS;
        if (level == 1 && !probe) {
            cpu->walk_cache.satp = cpu->satp;
            cpu->walk_cache.vpn_hi = vaddr >> 21;
            cpu->walk_cache.table = table;
            cpu->walk_cache.flush_gen = cpu->tlb.flush_gen;
            cpu->walk_cache.global = global;
            cpu->walk_cache.valid = true;
        }
    }
    return page_fault_for(access);
}

bool riscv_debug_translate(const RISCVCPU *cpu, uint64_t vaddr, uint64_t *paddr)
{
    unsigned mode = (unsigned)(cpu->satp >> SATP_MODE_SHIFT);
    if (cpu->priv == PRV_M || mode == SATP_MODE_BARE) {
        *paddr = vaddr;
        return true;
    }
    unsigned levels = mode == SATP_MODE_SV39 ? 3 : mode == SATP_MODE_SV48 ? 4 : 5;
    int64_t top = (int64_t)vaddr >> (12 + 9 * levels - 1);
    if (top != 0 && top != -1) {
        return false;
    }
    const MemMap *map = address_space_memmap(cpu->as);
    uint64_t table = (cpu->satp & SATP_PPN_MASK) << RV_PAGE_BITS;
    for (int level = (int)levels - 1; level >= 0; level--) {
        uint64_t pte_addr = table + ((vaddr >> (12 + 9 * level)) & 0x1ff) * 8;
        const MemRegion *r = memmap_lookup(map, pte_addr);
        if (!r || !r->host || pte_addr - r->base > r->size - 8) {
            return false;
        }
        uint64_t pte = atomic_load_explicit((_Atomic uint64_t *)(void *)(r->host +
                                                                       (pte_addr - r->base)),
                                            memory_order_acquire);
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W))) {
            return false;
        }
        uint64_t ppn = (pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT;
        if (pte & (PTE_R | PTE_X)) {
            unsigned page_bits = (pte & PTE_N) && level == 0 ? NAPOT_64K_BITS
                                                             : 12 + 9 * (unsigned)level;
            uint64_t off_mask = (1ULL << page_bits) - 1;
            *paddr = ((ppn << 12) & ~off_mask) | (vaddr & off_mask);
            return true;
        }
        table = ppn << RV_PAGE_BITS;
    }
    return false;
}

int riscv_translate(RISCVCPU *cpu, uint64_t vaddr, enum mmu_access access, unsigned mmu_idx,
                    RISCVTranslation *out)
{
    unsigned mode = (unsigned)(cpu->satp >> SATP_MODE_SHIFT);
    if (mmu_idx == MMU_IDX_M || mode == SATP_MODE_BARE) {
        out->paddr = vaddr;
        out->page_bits = 12;
        out->global = false;
        out->prot = PAGE_READ | PAGE_WRITE | PAGE_EXEC;
        out->n_pte = 0;
        return 0;
    }
    urcu_memb_read_lock();
    int exc = walk(cpu, vaddr, access, mmu_idx, out, false);
    urcu_memb_read_unlock();
    if (exc) {
        log_mask(LOG_MMU, "hart %u: %s fault at 0x%llx (cause %d)\n", cpu->cs.index,
                 access == ACCESS_FETCH ? "fetch" : access == ACCESS_STORE ? "store" : "load",
                 (unsigned long long)vaddr, exc);
    }
    return exc;
}

int riscv_probe_translate(RISCVCPU *cpu, uint64_t vaddr, enum mmu_access access,
                          unsigned mmu_idx, uint64_t *paddr)
{
    unsigned mode = (unsigned)(cpu->satp >> SATP_MODE_SHIFT);
    if (mmu_idx == MMU_IDX_M || mode == SATP_MODE_BARE) {
        *paddr = vaddr;
        return 0;
    }
    RISCVTranslation t;
    urcu_memb_read_lock();
    int exc = walk(cpu, vaddr, access, mmu_idx, &t, true);
    urcu_memb_read_unlock();
    if (!exc) {
        *paddr = t.paddr;
    }
    return exc;
}

/* Host pointer to RAM or ROM for addr as `view` takes it, with the bytes left in that region;
 * NULL if there is none. RCU read lock held. */
static uint8_t *debug_host(const RISCVCPU *cpu, enum debug_mem_view view, uint64_t addr,
                           uint64_t *avail)
{
    uint64_t pa = addr;
    if (view != DEBUG_MEM_PHYSICAL && !riscv_debug_translate(cpu, addr, &pa) &&
        view == DEBUG_MEM_VIRTUAL) {
        return NULL;
    }
    const MemRegion *r = memmap_lookup(address_space_memmap(cpu->as), pa);
    if (!r || !r->host) {
        return NULL;
    }
    *avail = r->size - (pa - r->base);
    return r->host + (pa - r->base);
}

bool riscv_debug_memory(const RISCVCPU *cpu, enum debug_mem_view view, uint64_t addr, void *buf,
                        size_t len, bool write)
{
    uint8_t *b = buf;
    bool ok = true;
    urcu_memb_read_lock();
    while (len) {
        size_t chunk = RV_PAGE_SIZE - (addr & (RV_PAGE_SIZE - 1));
        uint64_t avail;
        uint8_t *h = debug_host(cpu, view, addr, &avail);
        if (chunk > len) {
            chunk = len;
        }
        if (!h || avail < chunk) {
            ok = false;
            break;
        }
        if (write) {
            memcpy(h, b, chunk);
            address_space_notify_code_write(cpu->as, h, (unsigned)chunk);
        } else {
            memcpy(b, h, chunk);
        }
        addr += chunk;
        b += chunk;
        len -= chunk;
    }
    urcu_memb_read_unlock();
    return ok;
}

/* ---- info mem ------------------------------------------------------------------------- */

typedef struct PTDumpRun {
    FILE *out;
    bool open;
    uint64_t va, va_end, pa;      /* [va, va_end) -> pa */
    uint64_t bits;                /* R W X U G A D of the run's leaves */
} PTDumpRun;

static void pt_run_flush(PTDumpRun *run)
{
    if (!run->open) {
        return;
    }
    static const struct { uint64_t bit; char c; } flags[] = {
        { PTE_R, 'r' }, { PTE_W, 'w' }, { PTE_X, 'x' }, { PTE_U, 'u' }, { PTE_G, 'g' },
        { PTE_A, 'a' }, { PTE_D, 'd' },
    };
    char f[8];
    for (unsigned i = 0; i < 7; i++) {
        f[i] = (run->bits & flags[i].bit) ? flags[i].c : '-';
    }
    f[7] = '\0';
    uint64_t size = run->va_end - run->va;
    fprintf(run->out, "%016" PRIx64 "-%016" PRIx64 " %016" PRIx64 " %12" PRIx64 " %s\n",
            run->va, run->va_end, run->pa, size, f);
    run->open = false;
}

static void pt_run_add(PTDumpRun *run, uint64_t va, uint64_t pa, uint64_t size, uint64_t bits)
{
    if (run->open && run->va_end == va && run->pa + (run->va_end - run->va) == pa &&
        run->bits == bits) {
        run->va_end += size;
        return;
    }
    pt_run_flush(run);
    *run = (PTDumpRun){ run->out, true, va, va + size, pa, bits };
}

static void pt_dump_level(const MemMap *map, uint64_t table, int level, unsigned va_bits,
                          uint64_t va_base, PTDumpRun *run)
{
    const MemRegion *r = memmap_lookup(map, table);
    if (!r || !r->host || table - r->base > r->size - 4096) {
        return;
    }
    const _Atomic uint64_t *ptes = (const _Atomic uint64_t *)(void *)(r->host + (table - r->base));
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t pte = atomic_load_explicit(&ptes[i], memory_order_relaxed);
        uint64_t va = va_base | i << (12 + 9 * level);
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W))) {
            pt_run_flush(run);
            continue;
        }
        uint64_t ppn = (pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT;
        if (!(pte & (PTE_R | PTE_X))) {
            if (level > 0) {
                pt_dump_level(map, ppn << RV_PAGE_BITS, level - 1, va_bits, va, run);
            }
            continue;
        }
        /* Sign-extend from the top VA bit, as the hart sees the address. */
        uint64_t sva = (uint64_t)((int64_t)(va << (64 - va_bits)) >> (64 - va_bits));
        pt_run_add(run, sva, ppn << 12, 1ULL << (12 + 9 * level),
                   pte & (PTE_R | PTE_W | PTE_X | PTE_U | PTE_G | PTE_A | PTE_D));
    }
}

void riscv_dump_page_tables(const RISCVCPU *cpu, FILE *out)
{
    unsigned mode = (unsigned)(cpu->satp >> SATP_MODE_SHIFT);
    if (mode == SATP_MODE_BARE) {
        fprintf(out, "satp is Bare: no translation\n");
        return;
    }
    unsigned levels = mode == SATP_MODE_SV39 ? 3 : mode == SATP_MODE_SV48 ? 4 : 5;
    fprintf(out, "satp %016" PRIx64 " (Sv%u, asid %" PRIu64 ")\n", cpu->satp, 12 + 9 * levels,
            (uint64_t)((cpu->satp >> SATP_ASID_SHIFT) & ((1ULL << SATP_ASID_BITS) - 1)));
    fprintf(out, "%-16s %-16s %-16s %12s %s\n", "vaddr", "end", "paddr", "size", "rwxugad");
    PTDumpRun run = { .out = out };
    urcu_memb_read_lock();
    pt_dump_level(address_space_memmap(cpu->as), (cpu->satp & SATP_PPN_MASK) << RV_PAGE_BITS,
                  (int)levels - 1, 12 + 9 * levels, 0, &run);
    pt_run_flush(&run);
    urcu_memb_read_unlock();
}
