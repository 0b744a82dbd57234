/* The number of harts a bare-metal SMP guest runs on, from the device tree the board passes
 * in a1: the nodes directly under /cpus whose device_type is "cpu". Walks the flattened tree's
 * structure block; no libfdt. Any hart, read-only. */
#ifndef GUEST_FDT_CPUS_H
#define GUEST_FDT_CPUS_H

#include <stdint.h>

#include "harness.h"

static inline uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static inline int starts_with(const char *s, const char *prefix)
{
    while (*prefix && *s == *prefix) {
        s++;
        prefix++;
    }
    return *prefix == 0;
}

/* Count the cpu nodes directly under /cpus by walking the flattened tree's structure block. */
static inline unsigned fdt_count_cpus(const uint8_t *fdt)
{
    if (!fdt || be32(fdt) != 0xd00dfeed) {
        return 0;
    }
    const uint8_t *p = fdt + be32(fdt + 8);
    const char *strings = (const char *)fdt + be32(fdt + 12);
    int depth = 0, cpus_depth = -1, in_cpu_node = 0;
    unsigned count = 0;
    for (;;) {
        uint32_t token = be32(p);
        p += 4;
        if (token == 1) {                           /* FDT_BEGIN_NODE */
            const char *name = (const char *)p;
            depth++;
            if (depth == 2 && str_eq(name, "cpus")) {
                cpus_depth = depth;
            }
            in_cpu_node = cpus_depth > 0 && depth == cpus_depth + 1 && starts_with(name, "cpu@");
            unsigned len = 0;
            while (name[len]) {
                len++;
            }
            p += (len + 1 + 3) & ~3u;
        } else if (token == 2) {                    /* FDT_END_NODE */
            if (depth == cpus_depth) {
                cpus_depth = -1;
            }
            depth--;
            in_cpu_node = 0;
        } else if (token == 3) {                    /* FDT_PROP */
            uint32_t len = be32(p), nameoff = be32(p + 4);
            if (in_cpu_node && str_eq(strings + nameoff, "device_type") &&
                str_eq((const char *)p + 8, "cpu")) {
                count++;
            }
            p += 8 + ((len + 3) & ~3u);
        } else if (token == 4) {                    /* FDT_NOP */
            continue;
        } else {                                    /* FDT_END or garbage */
            return count;
        }
    }
}

/* The SMP guests' start: the hart count from the tree, 1..max. Without a usable tree hart 0
 * fails the run and the others get 0 (they should just return). */
static inline unsigned smp_harts_or_fail(uint64_t hart, const uint8_t *dtb, unsigned max)
{
    unsigned n_harts = fdt_count_cpus(dtb);
    if (n_harts == 0 || n_harts > max) {
        if (hart == 0) {
            harness_puts("no usable device tree in a1\n");
            harness_exit(1);
        }
        return 0;
    }
    return n_harts;
}

#endif
