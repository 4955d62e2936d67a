/*
 * bench-minimu.c - the measurements on minimu's AioContext.
 *
 * Mapping (the references' side is in bench-glib.c and bench-uv.c):
 *   self-rearm         a BH that qemu_bh_schedule()s itself, aio_poll(ctx, true)
 *   thread-safe rearm  the same: qemu_bh_schedule() is already callable from any thread
 *   one-shot           aio_bh_schedule_oneshot() that queues the next one
 *   wakeup             qemu_bh_schedule() from the sender into an IOThread blocked in
 *                      aio_poll(ctx, true); adaptive polling as QEMU's IOThread default
 *                      (poll-max-ns 32768, grow 2, shrink 2) or off
 *   timer              aio_timer_new(QEMU_CLOCK_REALTIME, SCALE_NS) + timer_mod_ns() at the
 *                      exact absolute expiry
 *   dispatch           aio_set_fd_handler() on every eventfd; MINIMU_FDMON picks the fd
 *                      monitor (epoll by default, poll() for the fallback)
 */
#include "bench.h"

#include "aio/aio.h"
#include "aio/iothread.h"
#include "aio/timer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* A context and clocks for a single-threaded measurement in the calling thread. */
typedef struct MiniLoop {
    QEMUClocks *clocks;
    AioContext *ctx;
} MiniLoop;

static bool mini_loop_open(MiniLoop *m)
{
    m->clocks = qemu_clocks_new();
    m->ctx = m->clocks ? aio_context_new(m->clocks) : NULL;
    if (!m->ctx) {
        fprintf(stderr, "bench-minimu: cannot create an AioContext\n");
        if (m->clocks) {
            qemu_clocks_free(m->clocks);
        }
        return false;
    }
    return true;
}

static void mini_loop_close(MiniLoop *m)
{
    /* Let deleted BHs and one-shots be freed by their home thread first. */
    while (aio_poll(m->ctx, false)) {
    }
    if (aio_context_destroy(m->ctx) != 0) {
        fprintf(stderr, "bench-minimu: leaked BHs at context destroy\n");
    }
    qemu_clocks_free(m->clocks);
}

/* ---- BH rates ------------------------------------------------------------------------------- */

typedef struct BhRate {
    MiniLoop loop;
    QEMUBH *bh;
    long count;
    bool stop; /* one-shot: do not queue another */
} BhRate;

static void bh_rearm_cb(void *opaque)
{
    BhRate *r = opaque;
    r->count++;
    qemu_bh_schedule(r->bh);
}

static void bh_oneshot_cb(void *opaque)
{
    BhRate *r = opaque;
    r->count++;
    if (!r->stop) {
        aio_bh_schedule_oneshot(r->loop.ctx, bh_oneshot_cb, r);
    }
}

static bool bh_batch(void *opaque, long iters)
{
    BhRate *r = opaque;
    long before = r->count;
    for (long i = 0; i < iters; i++) {
        aio_poll(r->loop.ctx, true);
    }
    /* Each pass must have run the callback exactly once, or the rate means nothing. */
    return r->count - before == iters;
}

static double bh_rate(double seconds, bool oneshot)
{
    BhRate r = {0};
    if (!mini_loop_open(&r.loop)) {
        return NAN;
    }
    if (oneshot) {
        aio_bh_schedule_oneshot(r.loop.ctx, bh_oneshot_cb, &r);
    } else {
        r.bh = aio_bh_new(r.loop.ctx, bh_rearm_cb, &r);
        qemu_bh_schedule(r.bh);
    }
    double ns = bench_median_ns_per_op(bh_batch, &r, seconds);
    if (oneshot) {
        r.stop = true;
    } else {
        qemu_bh_delete(r.bh);
    }
    mini_loop_close(&r.loop);
    return 1e9 / ns;
}

static double minimu_self_rearm_rate(double seconds)
{
    return bh_rate(seconds, false);
}

static double minimu_oneshot_rate(double seconds)
{
    return bh_rate(seconds, true);
}

/* ---- cross-thread wakeup -------------------------------------------------------------------- */

typedef struct MiniWake {
    WakeJob *job;
    QEMUBH *bh;
    bool polling;
} MiniWake;

static void wake_bh_cb(void *opaque)
{
    MiniWake *w = opaque;
    wake_record(w->job);
}

/* Poll parameters belong to the home thread: set them from a BH that runs there. */
static void set_poll_params_bh(void *opaque)
{
    MiniWake *w = opaque;
    AioContext *ctx = qemu_get_current_aio_context();
    if (w->polling) {
        aio_context_set_poll_params(ctx, 32768, 2, 2);
    } else {
        aio_context_set_poll_params(ctx, 0, 2, 2);
    }
}

static void wake_kick(void *opaque)
{
    MiniWake *w = opaque;
    qemu_bh_schedule(w->bh);
}

static bool minimu_wakeup_mode(WakeJob *job, bool polling)
{
    QEMUClocks *clocks = qemu_clocks_new();
    IOThread *io = clocks ? iothread_create("bench-io", clocks) : NULL;
    if (!io) {
        if (clocks) {
            qemu_clocks_free(clocks);
        }
        return false;
    }
    AioContext *ctx = iothread_get_aio_context(io);
    MiniWake w = {.job = job, .polling = polling};
    aio_bh_schedule_oneshot(ctx, set_poll_params_bh, &w);
    w.bh = aio_bh_new(ctx, wake_bh_cb, &w);
    job->kick = wake_kick;
    job->opaque = &w;
    int n = wake_run_sender(job);
    qemu_bh_delete(w.bh);
    iothread_destroy(io);
    qemu_clocks_free(clocks);
    return n > 0;
}

static bool minimu_wakeup(WakeJob *job)
{
    return minimu_wakeup_mode(job, true);
}

static bool minimu_wakeup_nopoll(WakeJob *job)
{
    return minimu_wakeup_mode(job, false);
}

/* ---- timers ----------------------------------------------------------------------------------- */

typedef struct MiniTimer {
    MiniLoop loop;
    QEMUTimer *timer;
    int64_t period;
    int64_t expiry;
    Samples *late;
} MiniTimer;

static void timer_cb(void *opaque)
{
    MiniTimer *t = opaque;
    int64_t now = qemu_clock_get_ns(t->loop.clocks, QEMU_CLOCK_REALTIME);
    samples_add(t->late, now - t->expiry);
    /* Periodic on an absolute grid; a slot already in the past is skipped. */
    do {
        t->expiry += t->period;
    } while (t->expiry <= now);
    timer_mod_ns(t->timer, t->expiry);
}

static bool minimu_timer(int64_t period_ns, int count, Samples *late)
{
    MiniTimer t = {.period = period_ns, .late = late};
    if (!mini_loop_open(&t.loop)) {
        return false;
    }
    t.timer = aio_timer_new(t.loop.ctx, QEMU_CLOCK_REALTIME, SCALE_NS, timer_cb, &t);
    t.expiry = qemu_clock_get_ns(t.loop.clocks, QEMU_CLOCK_REALTIME) + period_ns;
    timer_mod_ns(t.timer, t.expiry);
    while (late->n < (size_t)count) {
        aio_poll(t.loop.ctx, true);
    }
    timer_free(t.timer);
    mini_loop_close(&t.loop);
    return true;
}

/* ---- dispatch cost with idle fds ------------------------------------------------------------------ */

typedef struct MiniDispatch {
    MiniLoop loop;
    int active_fd;
    long count;
} MiniDispatch;

static void idle_fd_cb(void *opaque)
{
    fprintf(stderr, "bench-minimu: an idle fd became readable\n");
}

static void active_fd_cb(void *opaque)
{
    MiniDispatch *d = opaque;
    bench_fd_drain(d->active_fd);
    d->count++;
}

static bool dispatch_batch(void *opaque, long iters)
{
    MiniDispatch *d = opaque;
    long before = d->count;
    for (long i = 0; i < iters; i++) {
        bench_fd_signal(d->active_fd);
        aio_poll(d->loop.ctx, true);
    }
    return d->count - before == iters;
}

static double dispatch_with_fdmon(int nidle, double seconds, const char *fdmon)
{
    int *fds = calloc((size_t)nidle + 1, sizeof(int));
    if (!fds || bench_open_eventfds(fds, nidle + 1) != nidle + 1) {
        free(fds);
        return NAN;
    }
    /* platform_fdmon_setup() reads MINIMU_FDMON when the context is created. */
    if (fdmon) {
        setenv("MINIMU_FDMON", fdmon, 1);
    } else {
        unsetenv("MINIMU_FDMON");
    }
    MiniDispatch d = {.active_fd = fds[nidle]};
    double ns = NAN;
    if (mini_loop_open(&d.loop)) {
        for (int i = 0; i < nidle; i++) {
            aio_set_fd_handler(d.loop.ctx, fds[i], idle_fd_cb, NULL, NULL, NULL, &d);
        }
        aio_set_fd_handler(d.loop.ctx, d.active_fd, active_fd_cb, NULL, NULL, NULL, &d);
        ns = bench_median_ns_per_op(dispatch_batch, &d, seconds);
        for (int i = 0; i <= nidle; i++) {
            aio_set_fd_handler(d.loop.ctx, fds[i], NULL, NULL, NULL, NULL, NULL);
        }
        mini_loop_close(&d.loop);
    }
    unsetenv("MINIMU_FDMON");
    bench_close_fds(fds, nidle + 1);
    free(fds);
    return ns;
}

static double minimu_dispatch(int nidle, double seconds)
{
    return dispatch_with_fdmon(nidle, seconds, NULL);
}

static double minimu_dispatch_poll(int nidle, double seconds)
{
    return dispatch_with_fdmon(nidle, seconds, "poll");
}

const LoopBench bench_minimu = {
    .name = "minimu",
    .self_rearm_rate = minimu_self_rearm_rate,
    .threadsafe_rearm_rate = minimu_self_rearm_rate,
    .oneshot_rate = minimu_oneshot_rate,
    .wakeup = minimu_wakeup,
    .timer = minimu_timer,
    .dispatch = minimu_dispatch,
};

/* The variants that only make sense for minimu: poll() fd monitor, polling off. */
const LoopBench bench_minimu_pollfd = {
    .name = "minimu (MINIMU_FDMON=poll, polling off)",
    .wakeup = minimu_wakeup_nopoll,
    .dispatch = minimu_dispatch_poll,
};
