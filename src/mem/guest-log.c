/* guest-log.c - rate-limited guest error reports; see guest-log.h. */
#include "mem/guest-log.h"

#include "platform.h"
#include "util/atomic.h"
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>

#define GUEST_LOG_WINDOW_NS 1000000000LL

void guest_log_limited(GuestLogLimit *limit, const char *fmt, ...)
{
    int64_t now = platform_clock_monotonic_ns();
    int64_t start = qatomic_read(&limit->window_start_ns);

    if (start == 0 || now - start >= GUEST_LOG_WINDOW_NS) {
        /* Whoever wins the exchange opens the new window and prints the summary. */
        if (qatomic_cmpxchg(&limit->window_start_ns, start, now) == start) {
            uint32_t dropped = qatomic_xchg(&limit->suppressed, 0);
            qatomic_set(&limit->printed, 0);
            if (dropped) {
                warn_report("guest error: %u similar reports suppressed", dropped);
            }
        }
    }
    if (qatomic_fetch_add(&limit->printed, 1) >= GUEST_LOG_BURST) {
        qatomic_inc(&limit->suppressed);
        return;
    }

    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    error_report("guest error: %s", buf);
}
