/* ThreadSanitizer annotations for happens-before edges that TSan cannot see because the code
 * creating them is not instrumented (liburcu's lock-free hash table publishes with its own
 * inline-assembly atomics). Each annotation names the edge it stands for; it compiles to
 * nothing outside TSan builds (meson setup -Db_sanitize=thread, see tests/tsan.sh).
 * Also: tsan_exit_unjoined, an exit that TSan's end-of-run thread-leak check does not fail.
 * Callers: any thread. Locking: none. */
#ifndef UTIL_TSAN_H
#define UTIL_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define TLBSTORM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TLBSTORM_TSAN 1
#endif
#endif

#include <unistd.h>
#ifdef TLBSTORM_TSAN
#include <sys/syscall.h>
#endif

#ifdef TLBSTORM_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
/* The publisher's writes before tsan_release(p) happen before the reads after a
 * tsan_acquire(p) that follows (in real time) the publication of p. */
#define tsan_release(p) __tsan_release((void *)(p))
#define tsan_acquire(p) __tsan_acquire((void *)(p))
#else
#define tsan_release(p) ((void)(p))
#define tsan_acquire(p) ((void)(p))
#endif

/* End the process at once from a path that deliberately leaves threads unjoined (the second
 * termination signal: vCPUs may be stuck, so nothing waits for them). Async-signal-safe.
 * Outside TSan builds this is _exit. Under TSan, _exit is intercepted and runs TSan's
 * end-of-run checks, which report every thread that has finished but is not joined yet as a
 * leak and replace the status with 66 (tests/tsan.sh), depending on how far the shutdown the
 * first signal started has got; the exit_group system call is what _exit does, without them.
 * Races are still reported when they happen (halt_on_error). */
static inline _Noreturn void tsan_exit_unjoined(int status)
{
#ifdef TLBSTORM_TSAN
    syscall(SYS_exit_group, status);
#endif
    _exit(status);
}

#endif
