/*
 * trace.h - trace points of the event loop.
 *
 * A Tracer is a bounded ring of records (event, time, host thread, name,
 * pointer, argument).  A context records into the Tracer attached with
 * aio_context_set_tracer(); with none attached, a trace point is one load and
 * one branch.  Records from all threads go into one ring (a short mutex), so
 * a reader sees them in the order they happened.  Later issues export the ring
 * (monitor, web page); tests read it with tracer_read().
 */
#ifndef MINIMU_AIO_TRACE_H
#define MINIMU_AIO_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct Tracer Tracer;

typedef enum TraceEvent {
    TRACE_BH_SCHEDULE,
    TRACE_BH_RUN,
    TRACE_TIMER_FIRE,
    TRACE_FD_DISPATCH,
    TRACE_NOTIFY,
    TRACE_CO_ENTER,
    TRACE_CO_YIELD,
    TRACE_CO_TERMINATE,
    TRACE_IOTHREAD_START,
    TRACE_IOTHREAD_STOP,
    TRACE_MMIO,      /* a device register access, in the accessing thread */
    TRACE_POOL_WORK, /* a thread-pool function runs in a worker */
    TRACE_EVENT_MAX
} TraceEvent;

#define TRACE_ALL ((1u << TRACE_EVENT_MAX) - 1)

typedef struct TraceRecord {
    int64_t time_ns; /* monotonic */
    uint64_t thread; /* platform_thread_id() of the recording thread */
    TraceEvent event;
    char name[40];   /* BH name, IOThread id, ... (copied, may be cut) */
    const void *ptr; /* the object: BH, timer, coroutine, handler */
    int64_t arg;
} TraceRecord;

/* A ring of @capacity records recording the events in @mask.  Any thread. */
Tracer *tracer_new(size_t capacity, uint32_t mask);
void tracer_free(Tracer *t);
void tracer_set_mask(Tracer *t, uint32_t mask);
/* Record one event.  Any thread. */
void tracer_record(Tracer *t, TraceEvent ev, const char *name, const void *ptr, int64_t arg);
/* Move up to @max oldest records into @out; returns how many.  Any thread. */
size_t tracer_read(Tracer *t, TraceRecord *out, size_t max);
/* Records lost because the ring was full. */
uint64_t tracer_dropped(Tracer *t);
const char *trace_event_name(TraceEvent ev);
/* Print one record as a line: "+12.345678 ms  thread 3  bh_run  name". */
void trace_record_print(const TraceRecord *r, int64_t t0_ns, FILE *f);

/* The trace point: cheap when @t is NULL. */
static inline void trace_point(Tracer *t, TraceEvent ev, const char *name, const void *ptr,
                               int64_t arg)
{
    if (__builtin_expect(t != NULL, 0)) {
        tracer_record(t, ev, name, ptr, arg);
    }
}

#endif
