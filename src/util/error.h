/*
 * error.h - one-line error reports.
 *
 * Every user-facing error is a single line on stderr that names the problem,
 * prefixed with the program name: "minimu: -m: '12Q' is not a size".
 * Callable from any thread; no lock needed.
 */
#ifndef MINIMU_UTIL_ERROR_H
#define MINIMU_UTIL_ERROR_H

#include <stdarg.h>

void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void error_vreport(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void warn_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A programming error (never one a guest or user can cause): print the
 * message naming the caller, then abort().  QEMU aborts on the same misuse.
 */
void qemu_fatal_misuse(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
