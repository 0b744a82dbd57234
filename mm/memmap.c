#include "mm/memmap.h"

#include <stdlib.h>
#include <string.h>

#include "mm/guest_ram.h"

const MemRegion *memmap_lookup(const MemMap *map, uint64_t paddr)
{
    if (paddr - map->fast_base < map->fast_size) {
        return map->fast_region;
    }
    const MemRegion *best = NULL;
    for (unsigned i = 0; i < map->n; i++) {
        const MemRegion *r = &map->r[i];
        if (paddr - r->base < r->size && (!best || r->priority > best->priority)) {
            best = r;
        }
    }
    return best;
}

bool memmap_page_is_plain(const MemMap *map, const MemRegion *r, uint64_t page,
                          uint64_t page_size)
{
    if (!r->host || page < r->base || page - r->base > r->size - page_size) {
        return false;
    }
    if (r == map->fast_region && page - map->fast_base <= map->fast_size - page_size &&
        page_size <= map->fast_size) {
        return true;
    }
    for (unsigned i = 0; i < map->n; i++) {
        const MemRegion *o = &map->r[i];
        if (o != r && o->priority > r->priority && o->base < page + page_size &&
            page < o->base + o->size) {
            return false;
        }
    }
    return true;
}

bool memmap_read(const MemMap *map, uint64_t paddr, unsigned size, uint64_t *value)
{
    const MemRegion *r = memmap_lookup(map, paddr);
    if (!r || paddr - r->base > r->size - size) {
        return false;
    }
    if (r->host) {
        *value = guest_ram_load_any(r->host + (paddr - r->base), size);
    } else {
        *value = r->ops->read(r->opaque, paddr - r->base, size);
    }
    return true;
}

bool memmap_write(const MemMap *map, uint64_t paddr, unsigned size, uint64_t value)
{
    const MemRegion *r = memmap_lookup(map, paddr);
    if (!r || paddr - r->base > r->size - size) {
        return false;
    }
    if (r->host) {
        if (r->readonly) {
            return false;
        }
        guest_ram_store_any(r->host + (paddr - r->base), size, value);
    } else {
        r->ops->write(r->opaque, paddr - r->base, value, size);
    }
    return true;
}

/* The largest stretch of the largest host-backed region that no other region of equal or
 * higher priority overlaps (see MemMap.fast_region). */
static void memmap_find_fast_window(MemMap *map)
{
    map->fast_region = NULL;
    map->fast_base = 0;
    map->fast_size = 0;
    const MemRegion *big = NULL;
    for (unsigned i = 0; i < map->n; i++) {
        if (map->r[i].host && map->r[i].size && (!big || map->r[i].size > big->size)) {
            big = &map->r[i];
        }
    }
    if (!big) {
        return;
    }
    /* The competitors, clipped to big and sorted by start (a handful: insertion sort); the
     * window is the largest gap between them. */
    uint64_t B = big->base, E = big->base + big->size;
    uint64_t *iv = malloc(2 * sizeof(uint64_t) * (map->n ? map->n : 1));
    if (!iv) {
        return;                           /* no window: lookups scan, still correct */
    }
    unsigned k = 0;
    for (unsigned i = 0; i < map->n; i++) {
        const MemRegion *o = &map->r[i];
        if (o == big || o->priority < big->priority || !o->size) {
            continue;
        }
        uint64_t olo = o->base > B ? o->base : B;
        uint64_t ohi = o->base + o->size < E ? o->base + o->size : E;
        if (olo >= ohi) {
            continue;
        }
        unsigned j = k++;
        while (j > 0 && iv[2 * (j - 1)] > olo) {
            iv[2 * j] = iv[2 * (j - 1)];
            iv[2 * j + 1] = iv[2 * (j - 1) + 1];
            j--;
        }
        iv[2 * j] = olo;
        iv[2 * j + 1] = ohi;
    }
    uint64_t best_lo = 0, best_hi = 0, cursor = B;
    for (unsigned i = 0; i <= k; i++) {
        uint64_t start = i < k ? iv[2 * i] : E;
        if (start > cursor && start - cursor > best_hi - best_lo) {
            best_lo = cursor;
            best_hi = start;
        }
        if (i < k && iv[2 * i + 1] > cursor) {
            cursor = iv[2 * i + 1];
        }
    }
    free(iv);
    if (best_hi > best_lo) {
        map->fast_region = big;
        map->fast_base = best_lo;
        map->fast_size = best_hi - best_lo;
    }
}

MemMap *memmap_new(const MemRegion *regions, unsigned n)
{
    MemMap *map = malloc(sizeof(*map) + n * sizeof(MemRegion));
    if (!map) {
        return NULL;
    }
    map->n = n;
    memcpy(map->r, regions, n * sizeof(MemRegion));
    memmap_find_fast_window(map);
    return map;
}
