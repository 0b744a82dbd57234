/* Error messages for the start-up path: a failing call stores one line (no trailing newline)
 * in a heap-allocated Error that the caller reports or passes up, so a message that quotes a
 * long path is never cut to a buffer's size.
 * Callers: any thread; an Error belongs to whoever holds the pointer.
 * Locking: none. */
#ifndef UTIL_ERROR_H
#define UTIL_ERROR_H

#include <stdbool.h>

typedef struct Error Error;

/* Stores the formatted message in *errp when errp is not NULL and *errp is still NULL (the
 * first error of an operation is the one reported). If the message cannot be allocated, *errp
 * gets a static "out of memory" error, which error_free accepts. */
void error_setg(Error **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Puts the formatted text in front of the message of *errp, if there is one. */
void error_prepend(Error **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message; never NULL for a non-NULL err. */
const char *error_get_pretty(const Error *err);

/* Frees err (NULL is fine). */
void error_free(Error *err);

/* Prints "tlbstorm: <message>" as one line on stderr (progress line erased first) and frees
 * err. */
void error_report_err(Error *err);

#endif
