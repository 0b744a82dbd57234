/* Device access to guest RAM (DMA): bus-master devices such as virtio read and write guest
 * RAM directly through the host mapping, after checking that the whole range lies in RAM.
 * Writes must be reported with dma_ram_written so translated code on those pages is
 * invalidated (self-modifying code through DMA).
 * Callers: device threads or the vCPU thread that kicked the device. Locking: none; guest RAM
 * has no lock, as on a real bus. */
#ifndef HW_DMA_H
#define HW_DMA_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/guest_ram.h"

typedef struct DMARam {
    uint8_t *host;        /* host mapping of guest RAM */
    uint64_t base, size;  /* guest-physical range */
    /* Called after a device wrote [paddr, paddr + len) of RAM; may be NULL (unit tests). */
    void (*written)(void *opaque, uint64_t paddr, uint64_t len);
    void *opaque;
} DMARam;

/* Host pointer for [paddr, paddr + len) if it lies entirely in RAM, else NULL. */
static inline uint8_t *dma_ram_ptr(const DMARam *ram, uint64_t paddr, uint64_t len)
{
    if (paddr < ram->base || len > ram->size || paddr - ram->base > ram->size - len) {
        return NULL;
    }
    return ram->host + (paddr - ram->base);
}

static inline void dma_ram_written(const DMARam *ram, uint64_t paddr, uint64_t len)
{
    if (ram->written && len) {
        ram->written(ram->opaque, paddr, len);
    }
}

/* Little-endian loads and stores of guest structures (rings, descriptors, request headers)
 * through a host pointer from dma_ram_ptr; any alignment. A guest driver on another vCPU may
 * write the same words at the same time (a buggy or hostile one, or one reusing a ring slot
 * early), so each aligned field is one relaxed atomic access (mm/guest_ram.h): no C data race,
 * and each field is fetched exactly once, so a value a device checked is the value it uses.
 * Bulk buffer contents are copied with memcpy/pread/pwrite instead: the device never
 * interprets them, and a driver that touches a buffer it has handed to the device gets
 * undefined contents on real hardware as well. */
static inline uint16_t ld_le16(const uint8_t *p)
{
    return le16toh((uint16_t)guest_ram_load_any(p, 2));
}

static inline uint32_t ld_le32(const uint8_t *p)
{
    return le32toh((uint32_t)guest_ram_load_any(p, 4));
}

static inline uint64_t ld_le64(const uint8_t *p)
{
    return le64toh(guest_ram_load_any(p, 8));
}

static inline void st_le32(uint8_t *p, uint32_t v)
{
    guest_ram_store_any(p, 4, htole32(v));
}

static inline void st_le64(uint8_t *p, uint64_t v)
{
    guest_ram_store_any(p, 8, htole64(v));
}

#endif
