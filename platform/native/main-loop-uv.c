/*
 * main-loop-uv.c - the native main loop: a libuv uv_loop_t that drives the
 * main AioContext and the iohandler AioContext.
 *
 * This is how QEMU wraps an AioContext as a GSource, mapped onto libuv's
 * loop phases.  One uv_run() iteration:
 *
 *   timers, pending    libuv's own callbacks                 BQL held
 *   prepare            aio_ctx_prepare() on both contexts:   BQL held, then
 *                      the nearest deadline arms a timerfd   released
 *   poll               epoll_wait on: each context's epoll   no BQL
 *                      fd, the timerfd, libuv's handles
 *                      (signals, TTY, TCP, async)
 *   check              BQL retaken; aio_ctx_check() and      BQL held
 *                      aio_dispatch(): BHs, fds, timers
 *
 * The timerfd is what gives the main loop nanosecond deadlines: libuv's own
 * timers have millisecond resolution.  Each context's epoll fd is readable
 * when one of its fds is, so libuv watches a whole context with one uv_poll_t
 * - O(1) in the number of fds, like the AioContext itself.
 *
 * Callbacks of libuv handles that run in the poll phase (uv_poll, uv_tcp,
 * uv_tty, uv_signal, uv_async) run WITHOUT the BQL; they take it with
 * bql_lock() around any device access.
 */
#include "aio/aio.h"
#include "aio/main-loop.h"
#include "util/atomic.h"
#include "util/error.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <uv.h>

enum { ML_MAIN, ML_IOHANDLER, ML_NR_CTX };

struct MainLoop {
    uv_loop_t loop;
    QEMUClocks *clocks;
    AioContext *ctx[ML_NR_CTX];
    uv_poll_t ctx_poll[ML_NR_CTX];
    int timerfd;
    uv_poll_t timer_poll;
    uv_prepare_t prepare;
    uv_check_t check;
    uv_signal_t sigint, sigterm;
    uv_async_t quit_async;
    bool quit;  /* atomic */
    int status; /* atomic, valid once quit is set */
};

/* ---- the loop phases ---------------------------------------------------------------- */

static void ml_arm_timerfd(MainLoop *ml, int64_t timeout_ns)
{
    struct itimerspec its = {0};
    if (timeout_ns >= 0) {
        /* it_value 0 would disarm: an expired deadline fires after 1 ns. */
        int64_t ns = timeout_ns > 0 ? timeout_ns : 1;
        its.it_value.tv_sec = ns / 1000000000LL;
        its.it_value.tv_nsec = ns % 1000000000LL;
    }
    timerfd_settime(ml->timerfd, 0, &its, NULL);
}

static void ml_prepare_cb(uv_prepare_t *h)
{
    MainLoop *ml = h->data;
    int64_t timeout = -1;
    for (int i = 0; i < ML_NR_CTX; i++) {
        int64_t t = aio_ctx_prepare(ml->ctx[i]);
        if (t >= 0 && (timeout < 0 || t < timeout)) {
            timeout = t;
        }
    }
    ml_arm_timerfd(ml, timeout);
    /* The main loop drops the BQL while it waits (QEMU's os_host_main_loop_wait). */
    bql_unlock();
}

static void ml_check_cb(uv_check_t *h)
{
    MainLoop *ml = h->data;
    bql_lock();
    for (int i = 0; i < ML_NR_CTX; i++) {
        if (aio_ctx_check(ml->ctx[i])) {
            aio_dispatch(ml->ctx[i]);
        }
    }
}

static void ml_ctx_poll_cb(uv_poll_t *h, int status, int events)
{
    /* Only a wakeup: the check phase collects and dispatches the events. */
}

static void ml_timer_cb(uv_poll_t *h, int status, int events)
{
    MainLoop *ml = h->data;
    uint64_t expirations;
    /* Clear the timerfd; the check phase runs the expired timers. */
    ssize_t n = read(ml->timerfd, &expirations, sizeof(expirations));
    (void)n;
}

static void ml_quit_cb(uv_async_t *h)
{
    uv_stop(h->loop);
}

static void ml_signal_cb(uv_signal_t *h, int signum)
{
    MainLoop *ml = h->data;
    /* A shell reports death by signal N as 128 + N; we exit the same way, cleanly. */
    main_loop_quit(ml, 128 + signum);
}

/* ---- lifecycle ------------------------------------------------------------------------ */

static int ml_watch(MainLoop *ml, uv_poll_t *p, int fd, uv_poll_cb cb)
{
    int r = uv_poll_init(&ml->loop, p, fd);
    if (r == 0) {
        p->data = ml;
        r = uv_poll_start(p, UV_READABLE, cb);
    }
    return r;
}

MainLoop *main_loop_new(QEMUClocks *clocks)
{
    MainLoop *ml = calloc(1, sizeof(*ml));
    if (!ml) {
        error_report("main loop: out of memory");
        return NULL;
    }
    ml->clocks = clocks;
    ml->timerfd = -1;
    /*
     * Linux delays timer wakeups by up to 50 us by default to batch them;
     * device timers want their deadline (QEMU does the same in init_clocks).
     * Threads created from now on (vCPUs, IOThreads) inherit the setting.
     */
    prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
    if (uv_loop_init(&ml->loop) != 0) {
        error_report("main loop: uv_loop_init failed");
        free(ml);
        return NULL;
    }
    ml->loop.data = ml;
    for (int i = 0; i < ML_NR_CTX; i++) {
        ml->ctx[i] = aio_context_new(clocks);
        if (!ml->ctx[i] || aio_get_wait_fd(ml->ctx[i]) < 0) {
            error_report("main loop: cannot create an AioContext with a pollable fd monitor");
            goto fail;
        }
        if (ml_watch(ml, &ml->ctx_poll[i], aio_get_wait_fd(ml->ctx[i]), ml_ctx_poll_cb) != 0) {
            error_report("main loop: cannot watch the AioContext");
            goto fail;
        }
    }
    ml->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (ml->timerfd < 0 || ml_watch(ml, &ml->timer_poll, ml->timerfd, ml_timer_cb) != 0) {
        error_report("main loop: cannot create a timerfd: %s", strerror(errno));
        goto fail;
    }
    uv_prepare_init(&ml->loop, &ml->prepare);
    ml->prepare.data = ml;
    uv_prepare_start(&ml->prepare, ml_prepare_cb);
    uv_check_init(&ml->loop, &ml->check);
    ml->check.data = ml;
    uv_check_start(&ml->check, ml_check_cb);
    uv_async_init(&ml->loop, &ml->quit_async, ml_quit_cb);
    uv_signal_init(&ml->loop, &ml->sigint);
    ml->sigint.data = ml;
    uv_signal_start(&ml->sigint, ml_signal_cb, SIGINT);
    uv_signal_init(&ml->loop, &ml->sigterm);
    ml->sigterm.data = ml;
    uv_signal_start(&ml->sigterm, ml_signal_cb, SIGTERM);

    aio_context_set_current(ml->ctx[ML_MAIN]);
    bql_lock();
    return ml;

fail:
    /* Handles already started are closed by running the loop once. */
    uv_walk(&ml->loop, (uv_walk_cb)uv_close, NULL);
    uv_run(&ml->loop, UV_RUN_DEFAULT);
    uv_loop_close(&ml->loop);
    for (int i = 0; i < ML_NR_CTX; i++) {
        if (ml->ctx[i]) {
            aio_context_destroy(ml->ctx[i]);
        }
    }
    if (ml->timerfd >= 0) {
        close(ml->timerfd);
    }
    free(ml);
    return NULL;
}

static void ml_close_cb(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h)) {
        uv_close(h, NULL);
    }
}

void main_loop_free(MainLoop *ml)
{
    if (!ml) {
        return;
    }
    /* Close every handle (ours and any a backend left) and let libuv finish. */
    uv_prepare_stop(&ml->prepare);
    uv_check_stop(&ml->check);
    uv_walk(&ml->loop, ml_close_cb, NULL);
    bql_unlock();
    uv_run(&ml->loop, UV_RUN_DEFAULT);
    bql_lock();
    if (uv_loop_close(&ml->loop) != 0) {
        error_report("main loop: libuv handles still open at exit");
    }
    if (qemu_get_current_aio_context() == ml->ctx[ML_MAIN]) {
        aio_context_set_current(NULL);
    }
    for (int i = 0; i < ML_NR_CTX; i++) {
        aio_context_destroy(ml->ctx[i]);
    }
    close(ml->timerfd);
    bql_unlock();
    free(ml);
}

AioContext *main_loop_get_aio_context(MainLoop *ml)
{
    return ml->ctx[ML_MAIN];
}

AioContext *main_loop_get_iohandler_context(MainLoop *ml)
{
    return ml->ctx[ML_IOHANDLER];
}

void *main_loop_get_native_loop(MainLoop *ml)
{
    return &ml->loop;
}

/* ---- running ---------------------------------------------------------------------------- */

void main_loop_wait(MainLoop *ml, bool nonblocking)
{
    uv_run(&ml->loop, nonblocking ? UV_RUN_NOWAIT : UV_RUN_ONCE);
}

int main_loop_run(MainLoop *ml)
{
    int status;
    while (!main_loop_should_exit(ml, &status)) {
        main_loop_wait(ml, false);
    }
    return status;
}

void main_loop_quit(MainLoop *ml, int status)
{
    if (!qatomic_read(&ml->quit)) {
        qatomic_set(&ml->status, status);
        qatomic_store_release(&ml->quit, true);
    }
    uv_async_send(&ml->quit_async);
}

bool main_loop_should_exit(MainLoop *ml, int *status)
{
    if (!qatomic_load_acquire(&ml->quit)) {
        return false;
    }
    if (status) {
        *status = qatomic_read(&ml->status);
    }
    return true;
}
