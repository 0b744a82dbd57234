/* Helper threads of the emulator (console input, progress line) that must not take the
 * process's asynchronous signals: those belong to the main and vCPU threads, where the
 * console's handlers run. Fault signals stay unblocked (blocking them is undefined). */
#ifndef UTIL_THREAD_H
#define UTIL_THREAD_H

#include <pthread.h>
#include <signal.h>

/* pthread_create with every asynchronous signal blocked in the new thread; the caller's mask
 * is unchanged on return. Returns 0 or an errno value, as pthread_create. */
static inline int thread_create_without_signals(pthread_t *thread, void *(*fn)(void *),
                                                void *arg)
{
    sigset_t block, saved;
    sigfillset(&block);
    sigdelset(&block, SIGSEGV);
    sigdelset(&block, SIGBUS);
    sigdelset(&block, SIGFPE);
    sigdelset(&block, SIGILL);
    pthread_sigmask(SIG_BLOCK, &block, &saved);
    int rc = pthread_create(thread, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return rc;
}

#endif
