/* Guest-event logging selected with -d (QEMU's item names) and written to stderr or -D FILE.
 * Callers: any thread. Locking: each message is one stdio call (stdio locks the stream). */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stdio.h>

enum tlbstorm_log_item { LOG_IN_ASM, LOG_EXEC, LOG_CPU, LOG_FPU, LOG_INT, LOG_MMU, LOG_PAGE,
                         LOG_NOCHAIN, LOG_CPU_RESET, LOG_GUEST_ERRORS, LOG_UNIMP, LOG_TID,
                         LOG_ITEM_COUNT };

/* Set once by main before any vCPU starts; read-only afterwards. */
extern unsigned log_enabled_mask;
extern FILE *log_file;
/* This thread's own log (-d tid with -D FILE%d: one file per hart), or NULL for log_file.
 * Each vCPU thread sets its own at start. */
extern _Thread_local FILE *log_thread_file;

/* Where this thread's log lines go. */
static inline FILE *log_stream(void)
{
    return log_thread_file ? log_thread_file : log_file ? log_file : stderr;
}

static inline int log_enabled(enum tlbstorm_log_item item)
{
    return (log_enabled_mask >> item) & 1;
}

#define log_mask(item, ...)                                     \
    do {                                                        \
        if (log_enabled(item)) {                                \
            fprintf(log_stream(), __VA_ARGS__);                 \
        }                                                       \
    } while (0)

#endif
