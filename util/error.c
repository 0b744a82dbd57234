#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/report.h"

struct Error {
    char *msg;
};

/* Handed out when the message itself cannot be allocated; never freed. */
static struct Error error_out_of_memory = { .msg = (char *)"out of memory" };

static char *format_message(const char *fmt, va_list ap)
{
    char *msg;
    return vasprintf(&msg, fmt, ap) < 0 ? NULL : msg;
}

void error_setg(Error **errp, const char *fmt, ...)
{
    if (!errp || *errp) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = format_message(fmt, ap);
    va_end(ap);
    Error *err = msg ? malloc(sizeof(*err)) : NULL;
    if (!err) {
        free(msg);
        *errp = &error_out_of_memory;
        return;
    }
    err->msg = msg;
    *errp = err;
}

void error_prepend(Error **errp, const char *fmt, ...)
{
    if (!errp || !*errp || *errp == &error_out_of_memory) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *prefix = format_message(fmt, ap);
    va_end(ap);
    char *joined;
    if (prefix && asprintf(&joined, "%s%s", prefix, (*errp)->msg) >= 0) {
        free((*errp)->msg);
        (*errp)->msg = joined;
    }
    free(prefix);
}

const char *error_get_pretty(const Error *err)
{
    return err->msg;
}

void error_free(Error *err)
{
    if (err && err != &error_out_of_memory) {
        free(err->msg);
        free(err);
    }
}

void error_report_err(Error *err)
{
    error_report("%s", err ? error_get_pretty(err) : "unknown error");
    error_free(err);
}
