/* ThreadSanitizer annotations for happens-before edges that TSan cannot see because the code
 * creating them is not instrumented (liburcu's lock-free hash table publishes with its own
 * inline-assembly atomics). Each annotation names the edge it stands for; it compiles to
 * nothing outside TSan builds (meson setup -Db_sanitize=thread, see tests/tsan.sh).
 * Callers: any thread. Locking: none. */
#ifndef SYNC_TSAN_H
#define SYNC_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define TLBSTORM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TLBSTORM_TSAN 1
#endif
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

#endif
