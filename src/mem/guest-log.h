/*
 * guest-log.h - rate-limited reports of guest misbehaviour.
 *
 * A guest that pokes a bad register offset in a loop must not flood stderr
 * or slow the host down, yet the first few reports are what a developer
 * needs.  Each device (and each MemoryRegion) embeds one GuestLogLimit; it
 * lets GUEST_LOG_BURST reports through per second and counts the rest, which
 * are summarised in one line when the next window opens.
 *
 * Any thread; the counters are atomic, so concurrent reporters at worst print
 * one report more or less than the budget.
 */
#ifndef MINIMU_MEM_GUEST_LOG_H
#define MINIMU_MEM_GUEST_LOG_H

#include <stdint.h>

#define GUEST_LOG_BURST 5

typedef struct GuestLogLimit {
    int64_t window_start_ns; /* monotonic; 0 before the first report */
    uint32_t printed;        /* reports printed in the current window */
    uint32_t suppressed;     /* reports dropped since the last summary */
} GuestLogLimit;

/* Print "minimu: guest error: <message>" unless @limit's budget is spent. */
void guest_log_limited(GuestLogLimit *limit, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
