/* error.c - one-line error reports; see error.h. */
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>

void error_vreport(const char *fmt, va_list ap)
{
    /* Build the line first so concurrent reports do not interleave. */
    char buf[1024];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    fprintf(stderr, "minimu: %s\n", buf);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    fprintf(stderr, "minimu: warning: %s\n", buf);
}

void qemu_fatal_misuse(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
    fflush(stderr);
    abort();
}
