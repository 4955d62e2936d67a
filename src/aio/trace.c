/* trace.c - the trace ring; see trace.h. */
#include "aio/trace.h"
#include "platform.h"
#include "util/atomic.h"

#include <stdlib.h>

struct Tracer {
    QemuMutex lock;
    uint32_t mask; /* atomic */
    size_t capacity;
    size_t head; /* oldest record */
    size_t count;
    uint64_t dropped;
    TraceRecord *ring;
};

static const char *const trace_event_names[TRACE_EVENT_MAX] = {
    [TRACE_BH_SCHEDULE] = "bh_schedule",
    [TRACE_BH_RUN] = "bh_run",
    [TRACE_TIMER_FIRE] = "timer_fire",
    [TRACE_FD_DISPATCH] = "fd_dispatch",
    [TRACE_NOTIFY] = "notify",
    [TRACE_CO_ENTER] = "co_enter",
    [TRACE_CO_YIELD] = "co_yield",
    [TRACE_CO_TERMINATE] = "co_terminate",
    [TRACE_IOTHREAD_START] = "iothread_start",
    [TRACE_IOTHREAD_STOP] = "iothread_stop",
    [TRACE_MMIO] = "mmio",
    [TRACE_POOL_WORK] = "pool_work",
};

Tracer *tracer_new(size_t capacity, uint32_t mask)
{
    Tracer *t = calloc(1, sizeof(*t));
    if (!t || capacity == 0) {
        free(t);
        return NULL;
    }
    t->ring = calloc(capacity, sizeof(*t->ring));
    if (!t->ring) {
        free(t);
        return NULL;
    }
    t->capacity = capacity;
    t->mask = mask;
    qemu_mutex_init(&t->lock);
    return t;
}

void tracer_free(Tracer *t)
{
    if (t) {
        qemu_mutex_destroy(&t->lock);
        free(t->ring);
        free(t);
    }
}

void tracer_set_mask(Tracer *t, uint32_t mask)
{
    qatomic_set(&t->mask, mask);
}

void tracer_record(Tracer *t, TraceEvent ev, const char *name, const void *ptr, int64_t arg)
{
    if (!(qatomic_read(&t->mask) & (1u << ev))) {
        return;
    }
    TraceRecord r = {
        .time_ns = platform_clock_monotonic_ns(),
        .thread = platform_thread_id(),
        .event = ev,
        .ptr = ptr,
        .arg = arg,
    };
    /* Copied: the name may not outlive the record (an IOThread's id). */
    snprintf(r.name, sizeof(r.name), "%s", name ? name : "");
    qemu_mutex_lock(&t->lock);
    if (t->count == t->capacity) {
        /* Keep the newest records: overwrite the oldest. */
        t->head = (t->head + 1) % t->capacity;
        t->count--;
        t->dropped++;
    }
    t->ring[(t->head + t->count) % t->capacity] = r;
    t->count++;
    qemu_mutex_unlock(&t->lock);
}

size_t tracer_read(Tracer *t, TraceRecord *out, size_t max)
{
    size_t n = 0;
    qemu_mutex_lock(&t->lock);
    while (n < max && t->count > 0) {
        out[n++] = t->ring[t->head];
        t->head = (t->head + 1) % t->capacity;
        t->count--;
    }
    qemu_mutex_unlock(&t->lock);
    return n;
}

uint64_t tracer_dropped(Tracer *t)
{
    qemu_mutex_lock(&t->lock);
    uint64_t d = t->dropped;
    qemu_mutex_unlock(&t->lock);
    return d;
}

const char *trace_event_name(TraceEvent ev)
{
    return ev < TRACE_EVENT_MAX ? trace_event_names[ev] : "?";
}

void trace_record_print(const TraceRecord *r, int64_t t0_ns, FILE *f)
{
    fprintf(f, "+%10.6f ms  thread %-3llu %-14s %s\n", (r->time_ns - t0_ns) / 1e6,
            (unsigned long long)r->thread, trace_event_name(r->event), r->name);
}
