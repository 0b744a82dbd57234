/* Guest memory accesses that leave the TLB fast path: the slow paths the execution backends
 * call when the inline tag compare fails, instruction-fetch translation for the translator,
 * and the self-modifying-code notification after stores to RAM.
 * Callers: the owning vCPU thread. Locking: fills and MMIO take the RCU read lock for the
 * memory map themselves. */
#ifndef CPU_MEM_ACCESS_H
#define CPU_MEM_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* cpu->pc must be the pc of the accessing instruction. Return false after raising the guest
 * exception. */
bool tlb_load_slow(RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx, bool sign,
                   uint64_t *val);
bool tlb_store_slow(RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx,
                    uint64_t val);
/* Host pointer for an atomic access of `size` bytes (aligned RAM, writable). Raises the
 * right exception (misaligned, access fault, page fault) and returns NULL otherwise. */
void *tlb_atomic_host(RISCVCPU *cpu, uint64_t vaddr, unsigned size, unsigned mmu_idx,
                      enum mmu_access access);
/* Translate a fetch of the instruction at vaddr: physical address and, for RAM/ROM, the host
 * pointer to its page. *single_insn is set when execute permission varies within the page
 * (PMP finer than a page): then only the instruction at vaddr was checked, and it must be run
 * alone and not cached. Returns 0 or the exception cause (not raised). */
int tlb_translate_code(RISCVCPU *cpu, uint64_t vaddr, uint64_t *paddr,
                       const uint8_t **host_page, bool *single_insn);
/* A store hit a RAM page that holds translated code: invalidate those TBs (after the store). */
void tlb_notify_code_write(RISCVCPU *cpu, uint8_t *host_addr, unsigned size);

#endif
