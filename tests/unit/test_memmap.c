/* The memory map's lookups with the fast RAM window (MemMap.fast_region) give exactly what a
 * scan of every region gives: on a board-like map, with an overlay inside RAM, and on random
 * maps with overlapping regions of mixed priorities. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "mm/memmap.h"

static uint8_t ram[1 << 16];

/* The rule memmap_lookup implements: the containing region of highest priority, the first
 * in array order among equals. */
static const MemRegion *reference_lookup(const MemMap *map, uint64_t paddr)
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

static bool reference_plain(const MemMap *map, const MemRegion *r, uint64_t page, uint64_t sz)
{
    if (!r->host || page < r->base || page - r->base > r->size - sz) {
        return false;
    }
    for (unsigned i = 0; i < map->n; i++) {
        const MemRegion *o = &map->r[i];
        if (o != r && o->priority > r->priority && o->base < page + sz && page < o->base + o->size) {
            return false;
        }
    }
    return true;
}

static void check_everywhere(const MemMap *map, uint64_t lo, uint64_t hi, uint64_t step)
{
    for (uint64_t a = lo; a < hi; a += step) {
        const MemRegion *want = reference_lookup(map, a);
        cr_assert_eq(memmap_lookup(map, a), want, "lookup of 0x%llx", (unsigned long long)a);
        if (want) {
            uint64_t page = a & ~0xfffULL;
            cr_assert_eq(memmap_page_is_plain(map, want, page, 0x1000),
                         reference_plain(map, want, page, 0x1000), "plain at 0x%llx",
                         (unsigned long long)page);
        }
    }
}

Test(memmap, board_map_has_a_fast_window_over_ram)
{
    MemRegion r[] = {
        { .name = "uart", .base = 0x10000000, .size = 0x100 },
        { .name = "ram", .base = 0x80000000, .size = 0x8000000, .host = ram },
        { .name = "plic", .base = 0xc000000, .size = 0x600000 },
    };
    MemMap *map = memmap_new(r, 3);
    cr_assert_not_null(map);
    cr_assert_eq(map->fast_region, &map->r[1]);
    cr_assert_eq(map->fast_base, 0x80000000);
    cr_assert_eq(map->fast_size, 0x8000000);
    check_everywhere(map, 0x7ffff000, 0x88001000, 0x1000);
    free(map);
}

Test(memmap, overlay_inside_ram_splits_the_window)
{
    MemRegion r[] = {
        { .name = "ram", .base = 0x80000000, .size = 0x100000, .host = ram },
        { .name = "overlay", .base = 0x80010000, .size = 0x2000, .priority = 1 },
        { .name = "overlay2", .base = 0x800f0000, .size = 0x1000, .priority = 1 },
    };
    MemMap *map = memmap_new(r, 3);
    cr_assert_not_null(map);
    cr_assert_eq(map->fast_region, &map->r[0]);
    cr_assert_eq(map->fast_base, 0x80012000, "the largest gap is between the overlays");
    cr_assert_eq(map->fast_size, 0x800f0000 - 0x80012000);
    check_everywhere(map, 0x80000000 - 0x1000, 0x80101000, 0x800);
    free(map);
}

Test(memmap, random_maps_agree_with_a_full_scan)
{
    srand(7);
    for (int round = 0; round < 300; round++) {
        MemRegion r[6];
        unsigned n = 1 + (unsigned)(rand() % 6);
        for (unsigned i = 0; i < n; i++) {
            uint64_t base = 0x1000ULL * (uint64_t)(rand() % 64);
            uint64_t size = 0x1000ULL * (uint64_t)(1 + rand() % 48);
            r[i] = (MemRegion){ .name = "r", .base = base, .size = size,
                                .host = rand() % 3 ? ram : NULL,
                                .priority = rand() % 3 };
        }
        MemMap *map = memmap_new(r, n);
        cr_assert_not_null(map);
        check_everywhere(map, 0, 0x70000, 0x400);
        free(map);
    }
}
