/* The host clock every layer measures with: CLOCK_MONOTONIC in nanoseconds (the machine's
 * mtime, run-slot turns, flush latencies and the TLB resize window all use this one source).
 * Callers: any thread. Locking: none. */
#ifndef UTIL_CLOCK_H
#define UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t clock_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif
