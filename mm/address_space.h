/* The guest-physical address space the vCPUs share: guest RAM's host mapping, the published
 * memory map (RCU), and the per-page record of translated code that makes stores to code
 * pages invalidate it. The board (hw/) fills it in; the TLB fill, the page-table walker and
 * the translation cache read it.
 * Callers: any thread reads; the main thread sets the fields before vCPUs start, except
 * `memmap` (replaced under RCU, machine_set_memmap) and code_pages' bytes (atomics).
 * Locking: RCU for the map; nothing else. */
#ifndef MM_ADDRESS_SPACE_H
#define MM_ADDRESS_SPACE_H

#include <stdatomic.h>
#include <stdint.h>

#include <urcu/urcu-memb.h>

#include "mm/memmap.h"
#include "util/tsan.h"

#define CODE_PAGE_TB 1
#define CODE_PAGE_PT 2

typedef struct AddressSpace {
    uint8_t *ram;                 /* host mapping of guest RAM */
    uint64_t ram_base, ram_size;
    /* Per RAM page: CODE_PAGE_TB while a TB was translated from it, CODE_PAGE_PT while
     * --tlb-check watches it as a page-table page (cpu/tlb_check.c). Any non-zero value
     * sends a guest store to the page through tlb_notify_code_write. Bits are set and
     * cleared with fetch_or/fetch_and, so neither owner overwrites the other's. */
    _Atomic uint8_t *code_pages;
    /* Called (on the storing thread) for each RAM page with translated code that a guest
     * store reached; set by the translation cache (accel/tb.c), NULL without one. */
    void (*code_page_written)(uint64_t page_paddr);
    /* RCU: readers hold urcu_memb_read_lock and load it with address_space_memmap. */
    MemMap *memmap;
} AddressSpace;

/* The current memory map; the caller holds urcu_memb_read_lock while it uses the result. */
static inline const MemMap *address_space_memmap(const AddressSpace *as)
{
    const MemMap *map = rcu_dereference(as->memmap);
    /* liburcu publishes with inline assembly that TSan does not see: the edge from the
     * publisher's writes to this reader (tsan_release in machine_set_memmap). */
    tsan_acquire(map);
    return map;
}

/* Any thread, after a guest store of `size` bytes at host address host_addr: if that lies in
 * RAM pages holding translated code, tell the translation cache. */
static inline void address_space_notify_code_write(const AddressSpace *as,
                                                   const uint8_t *host_addr, unsigned size)
{
    if (host_addr < as->ram || host_addr >= as->ram + as->ram_size || !as->code_page_written) {
        return;
    }
    uint64_t first = (uint64_t)(host_addr - as->ram) >> 12;
    uint64_t last = (uint64_t)(host_addr + size - 1 - as->ram) >> 12;
    for (uint64_t p = first; p <= last && p < (as->ram_size >> 12); p++) {
        if (atomic_load_explicit(&as->code_pages[p], memory_order_relaxed) & CODE_PAGE_TB) {
            as->code_page_written(as->ram_base + (p << 12));
        }
    }
}

#endif
