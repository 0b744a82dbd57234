/* --tlb-check: finds the guest's own missing TLB fences. For every translation a hart caches
 * it remembers the PTEs the walk read; page-table pages are marked like code pages, so a
 * guest store into one reaches this module, which flags (TLB_CHECK) every cached entry built
 * from the changed PTE on every hart that holds one. The next use of a flagged entry is
 * checked against the page tables as they are now; a use they no longer allow is stale, and
 * is classified from the fences the changing hart issued since its change (docs/tlb-check.md
 * states the rule): "in flight" (legal, counted) or "missing flush" (reported once per hart,
 * page and change, with both harts' pcs, the PTE's address, old and new value, and the fences
 * issued since).
 * Owns: the per-hart records of cached translations (TLBCheckHart), the per-hart log of fence
 * requests, the counters and the report output.
 * Callers: the hooks run on the hart's own thread (the owner of its TLB), except
 * tlb_check_init/tlb_check_finish (main thread, vCPUs not running). A store into a page-table
 * page queues the news to other harts with async_run_on_cpu; each applies it to its own TLB.
 * Locking: one mutex per hart guards its fence log (read by other harts when they classify a
 * use); one mutex serialises report output. Nothing here runs unless --tlb-check is on:
 * every hook is called under `if (cpu->tlb_check)`. */
#ifndef CPU_TLB_CHECK_H
#define CPU_TLB_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mm/tlb.h"

struct RISCVCPU;
struct AddressSpace;
struct Symbols;

enum tlb_check_mode { TLB_CHECK_OFF, TLB_CHECK_REPORT, TLB_CHECK_FATAL };

typedef struct TLBCheckConfig {
    enum tlb_check_mode mode;
    FILE *report;                 /* human-readable reports (stderr) */
    FILE *json;                   /* one JSON object per line per report, or NULL */
    const struct Symbols *symbols; /* pcs as function+offset, or NULL */
    /* fatal mode, any vCPU thread, after the first report: stop the machine. */
    void (*stop_machine)(void *opaque);
    void *opaque;
} TLBCheckConfig;

typedef struct TLBCheckHart TLBCheckHart;

/* Main thread, before the vCPUs start: checking state for each of the n harts (cpus[i]->
 * tlb_check is set). Returns 0 or -ENOMEM. */
int tlb_check_init(struct RISCVCPU *const *cpus, unsigned n, struct AddressSpace *as,
                   const TLBCheckConfig *cfg) __attribute__((warn_unused_result));
/* Main thread, after the vCPUs stopped: the summary (and, after a fatal report, every hart's
 * pc) on cfg->report and the JSON stream; frees everything. */
void tlb_check_finish(void);

/* ---- hooks, owner thread ---- */
/* The walk is about to read the PTE at pte_pa: its page is marked as a page-table page
 * (CODE_PAGE_PT) and this hart as interested in it before the load, so a store that the load
 * misses finds the mark (seq_cst on both sides). */
void tlb_check_walk_pte(struct RISCVCPU *cpu, uint64_t pte_pa);
/* A translation of vaddr in mmu_idx was installed in the TLB (t: the walk's PTEs). */
struct RISCVTranslation;
void tlb_check_filled(struct RISCVCPU *cpu, unsigned mmu_idx, uint64_t vaddr,
                      const struct RISCVTranslation *t, enum mmu_access access);
/* An access used an entry with TLB_CHECK: decide whether it is stale and classify it. The
 * access then goes on through the entry, as hardware that kept it would. */
void tlb_check_use(struct RISCVCPU *cpu, unsigned mmu_idx, uint64_t vaddr,
                   enum mmu_access access);
/* A guest store of size bytes at host (RAM) reached a page marked CODE_PAGE_PT; cpu->pc is
 * the store's pc. */
void tlb_check_pt_store(struct RISCVCPU *cpu, const uint8_t *host, unsigned size);
/* satp was written (after the TLB switched): entries of the new ASID that came from another
 * root are flagged. */
void tlb_check_satp(struct RISCVCPU *cpu, uint64_t old_satp, uint64_t new_satp);
/* A fence without an address for asid (-1: every ASID) another hart requested was applied
 * to this hart's TLB: the table pointers it may cache for that ASID are dropped. */
void tlb_check_fence_without_address(struct RISCVCPU *cpu, int32_t asid);
/* --tlb-retain carried the entry for vpage in mmu_idx from address space `from` into `to`:
 * its record is copied, so a change to its PTEs finds both copies. */
void tlb_check_entry_copied(struct RISCVCPU *cpu, unsigned mmu_idx, uint64_t vpage,
                            uint16_t from, uint16_t to);
/* sfence.vma / sinval.vma executed: vaddr (all_va: every address), asid (-1: every ASID). */
void tlb_check_sfence(struct RISCVCPU *cpu, uint64_t vaddr, bool all_va, int32_t asid);
/* An ecall from S-mode (before it is answered): an SBI remote fence request is logged. */
void tlb_check_ecall(struct RISCVCPU *cpu);
/* The ecall was answered (built-in SBI), or an mret left M-mode (firmware SBI). */
void tlb_check_ecall_done(struct RISCVCPU *cpu);
/* The hart returned to U-mode (sret/mret). */
void tlb_check_entered_user(struct RISCVCPU *cpu);

#endif
