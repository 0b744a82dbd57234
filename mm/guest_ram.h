/* Host accesses to guest RAM on behalf of guest loads, stores and instruction fetches.
 * Callers: any vCPU thread (interpreter fast path, TLB slow path, translator), the memory
 * map's RAM accessors and device DMA (hw/dma.h). Locking: none; guest RAM has no lock, as on a real bus.
 *
 * Why atomics: guest harts may access one address concurrently (a lock word spun on with plain
 * loads while another hart frees it with an AMO, a PTE read by a guest while the page walker
 * CAS-es its A/D bits, racy counters). The hardware allows this: RVWMO gives every aligned
 * access of natural size single-copy atomicity. Done with plain C loads and stores, the same
 * guest program would be a data race in tlbstorm, undefined behaviour in C11 that the compiler
 * could act on (tearing, re-loading, inventing stores) and that ThreadSanitizer reports. So
 * every aligned, naturally sized guest access is a relaxed atomic access here: no ordering
 * (guest fences order guest accesses; tlbstorm's own protocols use their own atomics), no
 * tearing, and no C-level race with the AMOs, LR/SC and page-walker CAS that use C11 atomics
 * on the same bytes. On x86-64 a relaxed atomic load or store is the same single mov as a plain
 * one (docs/architecture.md, "Guest memory accesses", has the measurement).
 *
 * Misaligned guest accesses never reach these helpers with size > 1: the TLB splits them into
 * byte accesses, which are not single-copy atomic on RISC-V either. */
#ifndef MM_GUEST_RAM_H
#define MM_GUEST_RAM_H

#include <stdint.h>

/* Guest RAM is little-endian and is accessed in host byte order (as mm/memmap.c does). */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tlbstorm needs a little-endian host"
#endif

/* Load size (1, 2, 4 or 8) bytes, zero-extended, from host address h, which must be aligned
 * to size. Relaxed atomic: single-copy atomic, orders nothing. */
static inline __attribute__((always_inline)) uint64_t guest_ram_load(const void *h,
                                                                    unsigned size)
{
    switch (size) {
    case 1: return __atomic_load_n((const uint8_t *)h, __ATOMIC_RELAXED);
    case 2: return __atomic_load_n((const uint16_t *)h, __ATOMIC_RELAXED);
    case 4: return __atomic_load_n((const uint32_t *)h, __ATOMIC_RELAXED);
    default: return __atomic_load_n((const uint64_t *)h, __ATOMIC_RELAXED);
    }
}

/* Store the low size (1, 2, 4 or 8) bytes of v to host address h, which must be aligned to
 * size. Relaxed atomic, as guest_ram_load. */
static inline __attribute__((always_inline)) void guest_ram_store(void *h, unsigned size,
                                                                 uint64_t v)
{
    switch (size) {
    case 1: __atomic_store_n((uint8_t *)h, (uint8_t)v, __ATOMIC_RELAXED); break;
    case 2: __atomic_store_n((uint16_t *)h, (uint16_t)v, __ATOMIC_RELAXED); break;
    case 4: __atomic_store_n((uint32_t *)h, (uint32_t)v, __ATOMIC_RELAXED); break;
    default: __atomic_store_n((uint64_t *)h, v, __ATOMIC_RELAXED); break;
    }
}

/* For callers that cannot promise alignment (the memory map's RAM accessors serve any
 * caller; device DMA follows guest-chosen addresses): aligned accesses as above, others bytewise (each byte relaxed atomic, the whole
 * not single-copy atomic, as a misaligned access on RISC-V). */
static inline uint64_t guest_ram_load_any(const uint8_t *h, unsigned size)
{
    if (((uintptr_t)h & (size - 1)) == 0) {
        return guest_ram_load(h, size);
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= guest_ram_load(h + i, 1) << (8 * i);   /* little-endian host and guest */
    }
    return v;
}

static inline void guest_ram_store_any(uint8_t *h, unsigned size, uint64_t v)
{
    if (((uintptr_t)h & (size - 1)) == 0) {
        guest_ram_store(h, size, v);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        guest_ram_store(h + i, 1, v >> (8 * i));
    }
}

#endif
