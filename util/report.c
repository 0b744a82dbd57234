#include "util/report.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Written once by the main thread before other threads print (release), read by any thread
 * (acquire): a printing thread sees both hooks or neither. */
static _Atomic(report_output_begin_fn) hook_begin;
static report_output_end_fn hook_end;

void report_set_output_hooks(report_output_begin_fn begin, report_output_end_fn end)
{
    hook_end = end;
    atomic_store_explicit(&hook_begin, begin, memory_order_release);
}

bool report_output_begin(int fd)
{
    report_output_begin_fn begin = atomic_load_explicit(&hook_begin, memory_order_acquire);
    return begin ? begin(fd) : false;
}

void report_output_end(bool held, int last_byte)
{
    if (held && hook_end) {
        hook_end(held, last_byte);
    }
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    bool held = report_output_begin(STDERR_FILENO);
    fputs("tlbstorm: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    report_output_end(held, '\n');
}

void internal_error(const char *fmt, ...)
{
    va_list ap;
    report_output_begin(STDERR_FILENO);   /* never released: we abort */
    fputs("tlbstorm: internal error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
