/* The hart's side of the softmmu: what happens when the TLB fast path misses or cannot serve
 * an access. Fills (the page walk, PMP, the memory map, debug-trigger pages) insert entries
 * through tlb_set_page; MMIO, misaligned and atomic accesses and instruction fetch are
 * resolved here, raising the guest's exception when an access is not allowed. Owner vCPU
 * thread only. */
#include "cpu/mem_access.h"

#include <urcu/urcu-memb.h>

#include "cpu/debug.h"
#include "cpu/mmu.h"
#include "cpu/tlb_check.h"
#include "mm/address_space.h"
#include "mm/guest_ram.h"
#include "util/log.h"
#include "util/report.h"

/* What tlb_resolve found for one access. */
typedef struct TLBResult {
    uint8_t *host;          /* non-NULL: plain RAM, access this host byte directly */
    uint64_t paddr;         /* otherwise go through the memory map at this address */
} TLBResult;

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
    /* A page a load or store trigger may match leaves the inline fast path for both kinds
     * (an AMO checks addr_write and is a load too); the slow path checks the triggers. */
    TLBPageInfo info = {
        .paddr = ppage,
        .host_page = host_page,
        .page_bits = (uint8_t)t.page_bits,
        .prot = (uint8_t)prot,
        .global = t.global,
        .watch_data = (debug_data_active(&cpu->debug) &&
                       (debug_page_watched(cpu, vpage, false) ||
                        debug_page_watched(cpu, vpage, true))) ||
                      (debug_n_watchpoints && debug_watch_page(vpage)),
    };
    tlb_set_page(&cpu->tlb, mmu_idx, vaddr, &info);
    if (cpu->tlb_check) {
        tlb_check_filled(cpu, mmu_idx, vaddr, &t, access);
    }
    log_mask(LOG_PAGE, "hart %u: tlb fill mmu_idx %u vaddr 0x%llx -> paddr 0x%llx, %llu KiB "
             "page, %c%c%c%s\n", cpu->cs.index, mmu_idx, (unsigned long long)vpage,
             (unsigned long long)ppage, (unsigned long long)(1ULL << t.page_bits) >> 10,
             prot & PAGE_READ ? 'r' : '-', prot & PAGE_WRITE ? 'w' : '-',
             prot & PAGE_EXEC ? 'x' : '-', t.global ? " global" : "");
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
        CPUTLBEntryFull *full;
        CPUTLBEntry *e = tlb_lookup(&cpu->tlb, mmu_idx, page, access, &full);
        if (e) {
            if (__builtin_expect((tlb_entry_tag(e, access) & TLB_CHECK) != 0, 0) &&
                cpu->tlb_check) {
                tlb_check_use(cpu, mmu_idx, vaddr, access);
            }
            if (tlb_entry_tag(e, access) & TLB_SLOW) {
                res->host = NULL;
                res->paddr = full->paddr | (vaddr & ~RV_PAGE_MASK);
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
    internal_error("hart %u: TLB fill of 0x%llx did not produce an entry", cpu->cs.index,
                   (unsigned long long)vaddr);
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
        if (__builtin_expect(debug_n_watchpoints != 0, 0)) {
            debug_watch_check(cpu, vaddr, size, true, false);
        }
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
    bool ok = (vaddr & (size - 1)) ? access_misaligned(cpu, vaddr, size, mmu_idx, true, &val)
                                   : access_one(cpu, vaddr, size, mmu_idx, true, &val);
    if (ok && __builtin_expect(debug_n_watchpoints != 0, 0)) {
        debug_watch_check(cpu, vaddr, size, false, true);
    }
    return ok;
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
    if (__builtin_expect(debug_n_watchpoints != 0, 0)) {
        /* The caller does the access before the hart reaches a TB entry and stops. */
        debug_watch_check(cpu, vaddr, size, true, access != ACCESS_LOAD);
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
    CPUTLBEntryFull *full;
    CPUTLBEntry *e = tlb_lookup(&cpu->tlb, mmu_idx, page, ACCESS_FETCH, &full);
    *single_insn = false;
    if (!e) {
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
        e = tlb_lookup(&cpu->tlb, mmu_idx, page, ACCESS_FETCH, &full);
        if (!e) {
            internal_error("hart %u: fetch translation of 0x%llx not cached after a fill",
                           cpu->cs.index, (unsigned long long)vaddr);
        }
    }
    if (__builtin_expect((e->addr_code & TLB_CHECK) != 0, 0) && cpu->tlb_check) {
        tlb_check_use(cpu, mmu_idx, vaddr, ACCESS_FETCH);
    }
    *paddr = full->paddr | (vaddr & ~RV_PAGE_MASK);
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
    address_space_notify_code_write(cpu->as, host_addr, size);
    if (cpu->tlb_check) {
        tlb_check_pt_store(cpu, host_addr, size);
    }
}
