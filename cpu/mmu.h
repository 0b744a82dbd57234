/* Address translation for the hart: Sv39/Sv48/Sv57 page-table walks with hardware A/D updates
 * by compare-and-swap, and PMP permission checks.
 * Callers: the owning vCPU thread (TLB fill). Locking: takes the RCU read lock itself to find
 * page-table pages in the memory map; PTE updates are atomic on guest RAM. */
#ifndef CPU_MMU_H
#define CPU_MMU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "cpu/pte_bits.h"
#include "cpu/tlb_check.h"

#define PTE_PPN_MASK (((1ULL << 44) - 1) << PTE_PPN_SHIFT)
#define PTE_PBMT (3ULL << 61)      /* Svpbmt memory type; 3 is reserved */
#define PTE_N (1ULL << 63)         /* Svnapot: a NAPOT leaf (only 64 KiB is defined) */

#define RISCV_MAX_PT_LEVELS 5         /* Sv57 */

typedef struct RISCVTranslation {
    uint64_t paddr;          /* physical address of the accessed byte */
    unsigned page_bits;      /* size of the leaf page: 12, 16 (Svnapot 64 KiB), 21, 30, 39
                              * or 48 */
    unsigned prot;           /* PAGE_* rights this mmu_idx has on the page (W only if D is set) */
    bool global;             /* G set in the leaf or in a PTE above it */
    /* With --tlb-check (cpu->tlb_check set) only: the PTEs the walk read, root level first,
     * with the values the translation was made from (the leaf after its A/D update); the
     * walk cache is bypassed then, so every level is read. n_pte is 0 otherwise. */
    uint8_t n_pte;
    uint64_t pte_pa[RISCV_MAX_PT_LEVELS], pte_val[RISCV_MAX_PT_LEVELS];
} RISCVTranslation;

/* The translation the page tables give now for an access, without side effects (no A/D
 * update: a leaf that needs one counts as allowing the access, since the walker would set it;
 * no walk cache; no PMP). Returns 0 with *paddr, or the fault the access would take. For
 * --tlb-check's decision whether a flagged entry still agrees with the tables. Owner. */
int riscv_probe_translate(RISCVCPU *cpu, uint64_t vaddr, enum mmu_access access,
                          unsigned mmu_idx, uint64_t *paddr);

/* Translate vaddr for `access` in context mmu_idx. Returns 0, or the exception cause (page
 * fault or access fault of the access type) for the caller to raise with tval = vaddr. */
int riscv_translate(RISCVCPU *cpu, uint64_t vaddr, enum mmu_access access, unsigned mmu_idx,
                    RISCVTranslation *out);

/* A debugger's view of vaddr (hw/gdbstub.c, the monitor): the physical address the hart would
 * reach at its current privilege (M-mode and Bare: vaddr itself), ignoring permissions and
 * without side effects (no A/D update, no walk cache, no PMP). False if the page tables do not
 * map it. Any thread while the owner is parked (sync/vm_stop.h); the caller holds the RCU
 * read lock. */
bool riscv_debug_translate(const RISCVCPU *cpu, uint64_t vaddr, uint64_t *paddr);

/* How a debugger's address is taken: through the hart's page tables (riscv_debug_translate),
 * as physical, or through the page tables with the physical address as fallback. */
enum debug_mem_view { DEBUG_MEM_VIRTUAL, DEBUG_MEM_PHYSICAL, DEBUG_MEM_VIRTUAL_OR_PHYSICAL };

/* A debugger's read or write of [addr, addr + len) (gdbstub m/M/X, the monitor's x/xp), page by
 * page since a virtual range may cross mappings. RAM and ROM only: no device register is read
 * or written behind the guest's back; a write drops the translated code it reaches. False if
 * a byte is not reachable (a write then stops there). Reads the hart's satp and privilege
 * only, so any thread while the owner is parked or on the owner's thread; a physical access
 * uses nothing of the hart but its address space. A registered RCU reader. */
bool riscv_debug_memory(const RISCVCPU *cpu, enum debug_mem_view view, uint64_t addr, void *buf,
                        size_t len, bool write);

/* The page tables the hart's satp names, as the monitor's `info mem` shows them: one line per
 * run of leaves that are contiguous in virtual and physical address with the same bits,
 * "VA-VA_END PA SIZE rwxugad" (sign-extended VAs). Reads PTEs only. A registered RCU reader
 * (the owner through run_on_cpu, or any thread while the owner is parked). */
void riscv_dump_page_tables(const RISCVCPU *cpu, FILE *out);

/* pmpcfg or pmpaddr changed (owner, or the main thread before the vCPU starts): re-decode. */
void riscv_pmp_changed(RISCVCPU *cpu);

/* Rights PMP grants privilege `priv` on [paddr, paddr + size). *page_uniform is set when the
 * same rights hold for every byte of the naturally aligned 4 KiB page around paddr, so that a
 * TLB entry may cache them. Owner (it updates the pmp_last hint). */
unsigned riscv_pmp_prot(RISCVCPU *cpu, uint64_t paddr, uint64_t size, unsigned priv,
                        bool *page_uniform);

/* satp was written (owner): the TLB switches to the new address space, keeping the old
 * one's tables for later, or flushes when the translation mode changed. */
static inline void riscv_satp_changed(RISCVCPU *cpu, uint64_t old_satp, uint64_t new_satp)
{
    tlb_switch_address_space(&cpu->tlb, (uint16_t)(new_satp >> SATP_ASID_SHIFT),
                             (old_satp >> SATP_MODE_SHIFT) != (new_satp >> SATP_MODE_SHIFT));
    if (cpu->tlb_check) {
        tlb_check_satp(cpu, old_satp, new_satp);
    }
}

static inline unsigned mmu_idx_priv(unsigned mmu_idx)
{
    return mmu_idx == MMU_IDX_M ? PRV_M : mmu_idx == MMU_IDX_U ? PRV_U : PRV_S;
}

static inline enum riscv_exception access_fault_for(enum mmu_access a)
{
    return a == ACCESS_FETCH ? EXCP_INST_ACCESS_FAULT
         : a == ACCESS_STORE ? EXCP_STORE_ACCESS_FAULT : EXCP_LOAD_ACCESS_FAULT;
}

static inline enum riscv_exception page_fault_for(enum mmu_access a)
{
    return a == ACCESS_FETCH ? EXCP_INST_PAGE_FAULT
         : a == ACCESS_STORE ? EXCP_STORE_PAGE_FAULT : EXCP_LOAD_PAGE_FAULT;
}

#endif
