/*
 * bench-glib.c - the reference measurements on GLib's GMainContext.
 *
 * Each measurement uses its own GMainContext, run by g_main_context_iteration().
 * Mapping to minimu (bench-minimu.c):
 *   self-rearm         an idle source whose callback returns G_SOURCE_CONTINUE: GLib's
 *                      cheapest way to run a callback on every iteration (no re-arm at all)
 *   thread-safe rearm  a persistent GSource re-armed with g_source_set_ready_time(s, 0) from
 *                      its own dispatch (reset to -1 first, as a BH is unscheduled when it
 *                      runs); g_source_set_ready_time() is GLib's thread-safe "make ready"
 *   one-shot           g_idle_add()-style: a new idle source per call, G_SOURCE_REMOVE
 *   wakeup             the same persistent source, g_source_set_ready_time(s, 0) from the
 *                      sender thread (which does g_main_context_wakeup() internally)
 *   timer              a source whose ready time (us, CLOCK_MONOTONIC) is the requested
 *                      expiry rounded up to the next us.  This is finer than g_timeout_add()
 *                      (whole ms) and can express 100 us, but GLib rounds its poll() timeout
 *                      up to whole milliseconds, which is what the lateness shows
 *   dispatch           g_unix_fd_source_new() per eventfd (g_unix_fd_add on a private
 *                      context): GLib builds and scans a pollfd array of every fd each pass
 */
#include "bench.h"

#include <glib-unix.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

const char *bench_glib_version(void)
{
    static char buf[32];
    snprintf(buf, sizeof(buf), "%u.%u.%u", glib_major_version, glib_minor_version,
             glib_micro_version);
    return buf;
}

/* A source with no prepare/check: ready exactly when its ready time has come. */
typedef void ReadyFn(GSource *source, void *opaque);

typedef struct ReadySource {
    GSource base;
    ReadyFn *fn;
    void *opaque;
} ReadySource;

static gboolean ready_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    ReadySource *rs = (ReadySource *)source;
    rs->fn(source, rs->opaque);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs ready_funcs = {.dispatch = ready_dispatch};

static GSource *ready_source_new(GMainContext *ctx, ReadyFn *fn, void *opaque)
{
    GSource *s = g_source_new(&ready_funcs, sizeof(ReadySource));
    ReadySource *rs = (ReadySource *)s;
    rs->fn = fn;
    rs->opaque = opaque;
    g_source_set_ready_time(s, -1);
    g_source_attach(s, ctx);
    return s;
}

static void source_drop(GSource *s)
{
    g_source_destroy(s);
    g_source_unref(s);
}

/* ---- rates ---------------------------------------------------------------------------------- */

typedef struct GRate {
    GMainContext *ctx;
    long count;
    bool stop;
} GRate;

static bool grate_batch(void *opaque, long iters)
{
    GRate *r = opaque;
    long before = r->count;
    for (long i = 0; i < iters; i++) {
        g_main_context_iteration(r->ctx, TRUE);
    }
    return r->count - before == iters;
}

static gboolean idle_continue_cb(gpointer opaque)
{
    GRate *r = opaque;
    r->count++;
    return G_SOURCE_CONTINUE;
}

static double glib_self_rearm_rate(double seconds)
{
    GRate r = {.ctx = g_main_context_new()};
    GSource *s = g_idle_source_new();
    g_source_set_callback(s, idle_continue_cb, &r, NULL);
    g_source_attach(s, r.ctx);
    double ns = bench_median_ns_per_op(grate_batch, &r, seconds);
    source_drop(s);
    g_main_context_unref(r.ctx);
    return 1e9 / ns;
}

static void rearm_ready(GSource *s, void *opaque)
{
    GRate *r = opaque;
    g_source_set_ready_time(s, -1);
    r->count++;
    g_source_set_ready_time(s, 0);
}

static double glib_threadsafe_rearm_rate(double seconds)
{
    GRate r = {.ctx = g_main_context_new()};
    GSource *s = ready_source_new(r.ctx, rearm_ready, &r);
    g_source_set_ready_time(s, 0);
    double ns = bench_median_ns_per_op(grate_batch, &r, seconds);
    source_drop(s);
    g_main_context_unref(r.ctx);
    return 1e9 / ns;
}

static gboolean oneshot_cb(gpointer opaque)
{
    GRate *r = opaque;
    r->count++;
    if (!r->stop) {
        GSource *s = g_idle_source_new();
        g_source_set_callback(s, oneshot_cb, r, NULL);
        g_source_attach(s, r->ctx);
        g_source_unref(s);
    }
    return G_SOURCE_REMOVE;
}

static double glib_oneshot_rate(double seconds)
{
    GRate r = {.ctx = g_main_context_new()};
    r.count = -1; /* the seeding call below counts itself */
    oneshot_cb(&r);
    double ns = bench_median_ns_per_op(grate_batch, &r, seconds);
    r.stop = true;
    while (g_main_context_iteration(r.ctx, FALSE)) {
    }
    g_main_context_unref(r.ctx);
    return 1e9 / ns;
}

/* ---- cross-thread wakeup ------------------------------------------------------------------------ */

typedef struct GWake {
    GMainContext *ctx;
    GSource *src;
    WakeJob *job;
    int stop; /* atomic */
} GWake;

static void wake_ready(GSource *s, void *opaque)
{
    GWake *w = opaque;
    g_source_set_ready_time(s, -1);
    wake_record(w->job);
}

static void *gwake_thread(void *opaque)
{
    GWake *w = opaque;
    g_main_context_push_thread_default(w->ctx);
    while (!g_atomic_int_get(&w->stop)) {
        g_main_context_iteration(w->ctx, TRUE);
    }
    g_main_context_pop_thread_default(w->ctx);
    return NULL;
}

static void gwake_kick(void *opaque)
{
    GWake *w = opaque;
    g_source_set_ready_time(w->src, 0);
}

static bool glib_wakeup(WakeJob *job)
{
    GWake w = {.ctx = g_main_context_new(), .job = job};
    w.src = ready_source_new(w.ctx, wake_ready, &w);
    GThread *t = g_thread_new("bench-glib", gwake_thread, &w);
    job->kick = gwake_kick;
    job->opaque = &w;
    int n = wake_run_sender(job);
    g_atomic_int_set(&w.stop, 1);
    g_main_context_wakeup(w.ctx);
    g_thread_join(t);
    source_drop(w.src);
    g_main_context_unref(w.ctx);
    return n > 0;
}

/* ---- timers ------------------------------------------------------------------------------------------ */

typedef struct GTimer_ {
    int64_t period;
    int64_t expiry; /* ns, CLOCK_MONOTONIC: the requested expiry */
    Samples *late;
} GTimer_;

static void gtimer_arm(GSource *s, GTimer_ *t)
{
    /* Round up: a ready time before the request would let GLib fire early. */
    g_source_set_ready_time(s, (t->expiry + 999) / 1000);
}

static void timer_ready(GSource *s, void *opaque)
{
    GTimer_ *t = opaque;
    int64_t now = bench_now_ns();
    samples_add(t->late, now - t->expiry);
    do {
        t->expiry += t->period;
    } while (t->expiry <= now);
    gtimer_arm(s, t);
}

static bool glib_timer(int64_t period_ns, int count, Samples *late)
{
    GMainContext *ctx = g_main_context_new();
    GTimer_ t = {.period = period_ns, .late = late};
    GSource *s = ready_source_new(ctx, timer_ready, &t);
    t.expiry = bench_now_ns() + period_ns;
    gtimer_arm(s, &t);
    while (late->n < (size_t)count) {
        g_main_context_iteration(ctx, TRUE);
    }
    source_drop(s);
    g_main_context_unref(ctx);
    return true;
}

/* ---- dispatch cost with idle fds ------------------------------------------------------------------------ */

typedef struct GDispatch {
    GMainContext *ctx;
    int active_fd;
    long count;
} GDispatch;

static gboolean gidle_fd_cb(gint fd, GIOCondition cond, gpointer opaque)
{
    fprintf(stderr, "bench-glib: an idle fd became readable\n");
    return G_SOURCE_CONTINUE;
}

static gboolean gactive_fd_cb(gint fd, GIOCondition cond, gpointer opaque)
{
    GDispatch *d = opaque;
    bench_fd_drain(fd);
    d->count++;
    return G_SOURCE_CONTINUE;
}

static bool gdispatch_batch(void *opaque, long iters)
{
    GDispatch *d = opaque;
    long before = d->count;
    for (long i = 0; i < iters; i++) {
        bench_fd_signal(d->active_fd);
        g_main_context_iteration(d->ctx, TRUE);
    }
    return d->count - before == iters;
}

static GSource *gfd_source(GMainContext *ctx, int fd, GUnixFDSourceFunc cb, void *opaque)
{
    GSource *s = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(s, (GSourceFunc)(void (*)(void))cb, opaque, NULL);
    g_source_attach(s, ctx);
    return s;
}

static double glib_dispatch(int nidle, double seconds)
{
    int *fds = calloc((size_t)nidle + 1, sizeof(int));
    GSource **srcs = calloc((size_t)nidle + 1, sizeof(GSource *));
    if (!fds || !srcs || bench_open_eventfds(fds, nidle + 1) != nidle + 1) {
        free(fds);
        free(srcs);
        return NAN;
    }
    GDispatch d = {.ctx = g_main_context_new(), .active_fd = fds[nidle]};
    for (int i = 0; i < nidle; i++) {
        srcs[i] = gfd_source(d.ctx, fds[i], gidle_fd_cb, &d);
    }
    srcs[nidle] = gfd_source(d.ctx, d.active_fd, gactive_fd_cb, &d);
    double ns = bench_median_ns_per_op(gdispatch_batch, &d, seconds);
    for (int i = 0; i <= nidle; i++) {
        source_drop(srcs[i]);
    }
    g_main_context_unref(d.ctx);
    bench_close_fds(fds, nidle + 1);
    free(srcs);
    free(fds);
    return ns;
}

const LoopBench bench_glib = {
    .name = "GLib",
    .self_rearm_rate = glib_self_rearm_rate,
    .threadsafe_rearm_rate = glib_threadsafe_rearm_rate,
    .oneshot_rate = glib_oneshot_rate,
    .wakeup = glib_wakeup,
    .timer = glib_timer,
    .dispatch = glib_dispatch,
};
