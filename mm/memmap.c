#include "mm/memmap.h"

#include <stdlib.h>
#include <string.h>

#include "mm/guest_ram.h"

const MemRegion *memmap_lookup(const MemMap *map, uint64_t paddr)
{
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

MemMap *memmap_new(const MemRegion *regions, unsigned n)
{
    MemMap *map = malloc(sizeof(*map) + n * sizeof(MemRegion));
    if (!map) {
        return NULL;
    }
    map->n = n;
    memcpy(map->r, regions, n * sizeof(MemRegion));
    return map;
}
