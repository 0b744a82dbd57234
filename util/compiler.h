/* Compiler and host-CPU hints shared by every layer: branch-likelihood annotations and the
 * spin-wait pause.
 * Callers: any thread. Locking: none (pure helpers). */
#ifndef UTIL_COMPILER_H
#define UTIL_COMPILER_H

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* One iteration of a host spin-wait: tells a hyperthreaded core to give its sibling the
 * pipeline, and keeps the loop from flooding the memory system with loads. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

#endif
