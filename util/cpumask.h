/* CPU masks: one bit per vCPU (bit i = hart i = machine cpus[i]), for flush targets, SBI hart
 * masks and reports, and the one limit on the number of vCPUs.
 * Callers: any thread; a CPUMask is a plain value owned by whoever holds it.
 * Locking: none. */
#ifndef UTIL_CPUMASK_H
#define UTIL_CPUMASK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* The most vCPUs a machine has: QEMU 7.2's virt board limit (-smp 1..512). */
#define TLBSTORM_MAX_CPUS 512
#define CPUMASK_WORDS (TLBSTORM_MAX_CPUS / 64)

typedef struct CPUMask {
    uint64_t bits[CPUMASK_WORDS];
} CPUMask;

static inline void cpumask_clear(CPUMask *m)
{
    memset(m, 0, sizeof(*m));
}

/* The first n vCPUs (n <= TLBSTORM_MAX_CPUS). */
static inline void cpumask_fill(CPUMask *m, unsigned n)
{
    cpumask_clear(m);
    for (unsigned w = 0; w < CPUMASK_WORDS && n > 0; w++) {
        m->bits[w] = n >= 64 ? ~0ULL : (1ULL << n) - 1;
        n = n >= 64 ? n - 64 : 0;
    }
}

/* Bits 0..63 from a 64-bit mask (tests and 64-vCPU tools). */
static inline CPUMask cpumask_from_u64(uint64_t bits)
{
    CPUMask m;
    cpumask_clear(&m);
    m.bits[0] = bits;
    return m;
}

static inline void cpumask_set(CPUMask *m, unsigned cpu)
{
    m->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

static inline void cpumask_clear_cpu(CPUMask *m, unsigned cpu)
{
    m->bits[cpu / 64] &= ~(1ULL << (cpu % 64));
}

static inline bool cpumask_test(const CPUMask *m, unsigned cpu)
{
    return cpu < TLBSTORM_MAX_CPUS && ((m->bits[cpu / 64] >> (cpu % 64)) & 1);
}

static inline bool cpumask_empty(const CPUMask *m)
{
    for (unsigned w = 0; w < CPUMASK_WORDS; w++) {
        if (m->bits[w]) {
            return false;
        }
    }
    return true;
}

static inline unsigned cpumask_weight(const CPUMask *m)
{
    unsigned n = 0;
    for (unsigned w = 0; w < CPUMASK_WORDS; w++) {
        n += (unsigned)__builtin_popcountll(m->bits[w]);
    }
    return n;
}

/* Keep only the first n vCPUs. */
static inline void cpumask_limit(CPUMask *m, unsigned n)
{
    CPUMask all;
    cpumask_fill(&all, n);
    for (unsigned w = 0; w < CPUMASK_WORDS; w++) {
        m->bits[w] &= all.bits[w];
    }
}

/* The lowest set bit above `after` (-1: from 0), or -1 when there is none. */
static inline int cpumask_next(const CPUMask *m, int after)
{
    unsigned start = (unsigned)(after + 1);
    for (unsigned w = start / 64; w < CPUMASK_WORDS; w++) {
        uint64_t word = m->bits[w];
        if (w == start / 64 && start % 64) {
            word &= ~0ULL << (start % 64);
        }
        if (word) {
            return (int)(w * 64 + (unsigned)__builtin_ctzll(word));
        }
    }
    return -1;
}

/* for_each_cpu(i, m) { ... }: every set bit, lowest first. */
#define for_each_cpu(i, m) for (int i = cpumask_next((m), -1); i >= 0; i = cpumask_next((m), i))

#endif
