/* The guest-physical memory map: RAM, ROM and MMIO regions, published as an immutable snapshot
 * under RCU (liburcu, memb flavour).
 * Callers: any thread may look up (under urcu_memb_read_lock); the board builds and publishes
 * maps (machine_set_memmap) from the main thread, before vCPUs start or at a guest reset, and
 * from the --remap-test mover thread while they run (hw/remap_test.h).
 * Locking: readers hold the RCU read lock for as long as they use a region pointer. */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct MMIOOps {
    /* offset is relative to the region base; size is 1, 2, 4 or 8; accesses never cross the
     * region end. Called on the accessing vCPU thread; devices do their own locking. */
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
} MMIOOps;

typedef struct MemRegion {
    const char *name;
    uint64_t base, size;
    uint8_t *host;          /* RAM/ROM backing, or NULL for MMIO */
    bool readonly;          /* ROM: guest stores give a store access fault */
    int priority;           /* overlapping regions: the higher priority wins */
    const MMIOOps *ops;     /* MMIO only */
    void *opaque;
} MemRegion;

typedef struct MemMap {
    /* The fast window, computed by memmap_new: [fast_base, fast_base + fast_size) lies in
     * fast_region (the largest RAM region) and no other region of equal or higher priority
     * overlaps it, so a lookup there is fast_region and every page there is plain. Guest RAM
     * accesses, TLB fills and page-table walks almost all land in it; a scan of the regions
     * per fill and per PTE read was 13 % of the samples of stress-ng tlb-shootdown. */
    const MemRegion *fast_region;     /* NULL: no fast window */
    uint64_t fast_base, fast_size;
    unsigned n;
    MemRegion r[];
} MemMap;

/* Region covering paddr, or NULL (unmapped: the guest gets an access fault). */
const MemRegion *memmap_lookup(const MemMap *map, uint64_t paddr);
/* True if [page, page + page_size) lies in `r` and no higher-priority region overlaps it, so
 * the page may be accessed through a host pointer. */
bool memmap_page_is_plain(const MemMap *map, const MemRegion *r, uint64_t page,
                          uint64_t page_size);
/* Device-side access (MMIO or byte-wise RAM). Returns false if unmapped or (write) read-only. */
bool memmap_read(const MemMap *map, uint64_t paddr, unsigned size, uint64_t *value);
bool memmap_write(const MemMap *map, uint64_t paddr, unsigned size, uint64_t value);

/* Building: the main thread collects regions and then publishes a snapshot. */
MemMap *memmap_new(const MemRegion *regions, unsigned n) __attribute__((warn_unused_result));

#endif
