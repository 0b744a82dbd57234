/* Futex wait/wake on a 32-bit atomic word (Linux, process-private).
 * Callers: any thread. Every caller re-checks its condition after a wait returns: waits may
 * return spuriously, on a timeout, or because the word changed before the kernel compared it. */
#ifndef UTIL_FUTEX_H
#define UTIL_FUTEX_H

#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sleep while *word == expected (or until timeout_ns elapses; 0 = no timeout). */
static inline void futex_wait_timeout(_Atomic uint32_t *word, uint32_t expected,
                                      int64_t timeout_ns)
{
    struct timespec ts = { (time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000) };
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected,
            timeout_ns > 0 ? &ts : NULL, NULL, 0);
}

static inline void futex_wait(_Atomic uint32_t *word, uint32_t expected)
{
    futex_wait_timeout(word, expected, 0);
}

/* Wake every thread sleeping on word. Only hashes the address: safe even if the memory has
 * gone by then. */
static inline void futex_wake_all(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

#endif
