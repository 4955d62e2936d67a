/*
 * bench-uv.c - the reference measurements on libuv.
 *
 * Each measurement uses its own uv_loop_t.  Mapping to minimu (bench-minimu.c):
 *   self-rearm         a uv_idle_t: libuv's cheapest way to run a callback on every
 *                      iteration (no re-arm; uv_run(UV_RUN_ONCE) per call)
 *   thread-safe rearm  uv_async_send() to its own uv_async_t from the async callback:
 *                      libuv's only thread-safe "make this handle pending"
 *   one-shot           n/a: libuv has no one-shot deferred call (the closest is the above)
 *   wakeup             uv_async_send() from the sender into a thread blocked in uv_run()
 *   timer              a one-shot uv_timer_t re-armed for each period.  libuv timers take
 *                      whole milliseconds relative to the loop's cached ms clock, so the
 *                      benchmark asks for the first loop-ms at or after the requested expiry
 *                      (never earlier); a 100 us period cannot be expressed any finer
 *   dispatch           a uv_poll_t per eventfd (epoll underneath)
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

const char *bench_uv_version(void)
{
    return uv_version_string();
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h)) {
        uv_close(h, NULL);
    }
}

/* Close every handle, run the close callbacks, free the loop's resources. */
static void ub_loop_finish(uv_loop_t *loop)
{
    uv_walk(loop, close_walk_cb, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    if (uv_loop_close(loop) != 0) {
        fprintf(stderr, "bench-uv: loop still busy at close\n");
    }
}

/* ---- rates ----------------------------------------------------------------------------------- */

typedef struct URate {
    uv_loop_t loop;
    long count;
} URate;

static bool urate_batch(void *opaque, long iters)
{
    URate *r = opaque;
    long before = r->count;
    for (long i = 0; i < iters; i++) {
        uv_run(&r->loop, UV_RUN_ONCE);
    }
    return r->count - before == iters;
}

static void idle_cb(uv_idle_t *h)
{
    URate *r = h->data;
    r->count++;
}

static double ub_self_rearm_rate(double seconds)
{
    URate r = {0};
    uv_idle_t idle;
    if (uv_loop_init(&r.loop) != 0) {
        return NAN;
    }
    uv_idle_init(&r.loop, &idle);
    idle.data = &r;
    uv_idle_start(&idle, idle_cb);
    double ns = bench_median_ns_per_op(urate_batch, &r, seconds);
    ub_loop_finish(&r.loop);
    return 1e9 / ns;
}

static void async_self_cb(uv_async_t *h)
{
    URate *r = h->data;
    r->count++;
    uv_async_send(h);
}

static double ub_threadsafe_rearm_rate(double seconds)
{
    URate r = {0};
    uv_async_t async;
    if (uv_loop_init(&r.loop) != 0) {
        return NAN;
    }
    uv_async_init(&r.loop, &async, async_self_cb);
    async.data = &r;
    uv_async_send(&async);
    double ns = bench_median_ns_per_op(urate_batch, &r, seconds);
    ub_loop_finish(&r.loop);
    return 1e9 / ns;
}

/* ---- cross-thread wakeup ------------------------------------------------------------------------- */

typedef struct UWake {
    uv_loop_t loop;
    uv_async_t async;
    WakeJob *job;
    int stop; /* atomic */
} UWake;

static void wake_async_cb(uv_async_t *h)
{
    UWake *w = h->data;
    if (__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
        uv_close((uv_handle_t *)h, NULL);
        return;
    }
    wake_record(w->job);
}

static void uwake_thread(void *opaque)
{
    UWake *w = opaque;
    uv_run(&w->loop, UV_RUN_DEFAULT);
}

static void uwake_kick(void *opaque)
{
    UWake *w = opaque;
    uv_async_send(&w->async);
}

static bool ub_wakeup(WakeJob *job)
{
    UWake w = {.job = job};
    uv_thread_t t;
    if (uv_loop_init(&w.loop) != 0) {
        return false;
    }
    uv_async_init(&w.loop, &w.async, wake_async_cb);
    w.async.data = &w;
    if (uv_thread_create(&t, uwake_thread, &w) != 0) {
        ub_loop_finish(&w.loop);
        return false;
    }
    job->kick = uwake_kick;
    job->opaque = &w;
    int n = wake_run_sender(job);
    __atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
    uv_async_send(&w.async);
    uv_thread_join(&t);
    ub_loop_finish(&w.loop);
    return n > 0;
}

/* ---- timers ----------------------------------------------------------------------------------------- */

typedef struct UTimer {
    uv_timer_t timer;
    int64_t period;
    int64_t expiry; /* ns, CLOCK_MONOTONIC: the requested expiry */
    int count;
    Samples *late;
} UTimer;

static void utimer_cb(uv_timer_t *h);

static void utimer_arm(UTimer *t)
{
    /*
     * libuv fires when its loop time (ms, truncated, maybe a coarse clock that
     * lags) reaches loop time + timeout; asking for the first whole ms at or
     * after the request never fires early.
     */
    int64_t due_ms = (t->expiry + 999999) / 1000000;
    int64_t timeout = due_ms - (int64_t)uv_now(t->timer.loop);
    uv_timer_start(&t->timer, utimer_cb, timeout > 0 ? (uint64_t)timeout : 0, 0);
}

static void utimer_cb(uv_timer_t *h)
{
    UTimer *t = h->data;
    int64_t now = bench_now_ns();
    samples_add(t->late, now - t->expiry);
    if (t->late->n >= (size_t)t->count) {
        return; /* not re-armed: uv_run() returns */
    }
    do {
        t->expiry += t->period;
    } while (t->expiry <= now);
    utimer_arm(t);
}

static bool ub_timer(int64_t period_ns, int count, Samples *late)
{
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) {
        return false;
    }
    UTimer t = {.period = period_ns, .count = count, .late = late};
    uv_timer_init(&loop, &t.timer);
    t.timer.data = &t;
    uv_update_time(&loop);
    t.expiry = bench_now_ns() + period_ns;
    utimer_arm(&t);
    uv_run(&loop, UV_RUN_DEFAULT);
    ub_loop_finish(&loop);
    return late->n >= (size_t)count;
}

/* ---- dispatch cost with idle fds ---------------------------------------------------------------------- */

typedef struct UDispatch {
    uv_loop_t loop;
    int active_fd;
    long count;
} UDispatch;

static void upoll_idle_cb(uv_poll_t *h, int status, int events)
{
    fprintf(stderr, "bench-uv: an idle fd became readable\n");
}

static void upoll_active_cb(uv_poll_t *h, int status, int events)
{
    UDispatch *d = h->data;
    bench_fd_drain(d->active_fd);
    d->count++;
}

static bool udispatch_batch(void *opaque, long iters)
{
    UDispatch *d = opaque;
    long before = d->count;
    for (long i = 0; i < iters; i++) {
        bench_fd_signal(d->active_fd);
        uv_run(&d->loop, UV_RUN_ONCE);
    }
    return d->count - before == iters;
}

static double ub_dispatch(int nidle, double seconds)
{
    int *fds = calloc((size_t)nidle + 1, sizeof(int));
    uv_poll_t *polls = calloc((size_t)nidle + 1, sizeof(uv_poll_t));
    UDispatch d = {0};
    if (!fds || !polls || bench_open_eventfds(fds, nidle + 1) != nidle + 1 ||
        uv_loop_init(&d.loop) != 0) {
        free(fds);
        free(polls);
        return NAN;
    }
    d.active_fd = fds[nidle];
    for (int i = 0; i <= nidle; i++) {
        uv_poll_init(&d.loop, &polls[i], fds[i]);
        polls[i].data = &d;
        uv_poll_start(&polls[i], UV_READABLE, i == nidle ? upoll_active_cb : upoll_idle_cb);
    }
    double ns = bench_median_ns_per_op(udispatch_batch, &d, seconds);
    ub_loop_finish(&d.loop);
    bench_close_fds(fds, nidle + 1);
    free(polls);
    free(fds);
    return ns;
}

const LoopBench bench_uv = {
    .name = "libuv",
    .self_rearm_rate = ub_self_rearm_rate,
    .threadsafe_rearm_rate = ub_threadsafe_rearm_rate,
    .oneshot_rate = NULL,
    .wakeup = ub_wakeup,
    .timer = ub_timer,
    .dispatch = ub_dispatch,
};
