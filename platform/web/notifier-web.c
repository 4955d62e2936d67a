/*
 * notifier-web.c - event notifiers and the fd monitor of the web platform.
 *
 * Natively an EventNotifier is an eventfd and a context waits in epoll.  The
 * browser has no pollable descriptors, so here a notifier is a flag word in a
 * small table (its "fd" is the slot number plus WEB_NOTIFIER_FD_BASE, unique
 * and never a real descriptor), and waiting is Atomics.wait on the wake word
 * of web-int.h.  Setting a notifier is a store plus, only when someone
 * sleeps, one Atomics.notify: the aio_notify protocol in async.c already
 * avoids sets while the loop is awake.
 *
 * Real descriptors (pipes in Emscripten's in-memory file system, used by
 * tests) are still honoured: they are polled without blocking, and a waiter
 * that has any re-checks them every millisecond.
 */
#include "aio/aio-int.h"
#include "util/atomic.h"
#include "util/error.h"
#include "web-int.h"

#include <emscripten/threading.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>

#define WEB_NOTIFIER_FD_BASE (1 << 20)
#define WEB_NOTIFIER_MAX     4096

typedef struct WebNotifierSlot {
    int32_t flag; /* 1 while set */
    bool used;
} WebNotifierSlot;

/* One table and one wake word per process: a process is one machine (one worker). */
WebWake web_wake;
static WebNotifierSlot web_slots[WEB_NOTIFIER_MAX];
static pthread_mutex_t web_slots_lock = PTHREAD_MUTEX_INITIALIZER;

void web_wake_all(void)
{
    __atomic_add_fetch(&web_wake.seq, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&web_wake.waiters, __ATOMIC_SEQ_CST) > 0) {
        emscripten_futex_wake(&web_wake.seq, INT_MAX);
    }
}

static WebNotifierSlot *slot_of(int fd)
{
    int i = fd - WEB_NOTIFIER_FD_BASE;
    return i >= 0 && i < WEB_NOTIFIER_MAX ? &web_slots[i] : NULL;
}

int32_t *web_notifier_flag(int fd)
{
    WebNotifierSlot *s = slot_of(fd);
    return s ? &s->flag : NULL;
}

/* ---- event notifiers ---------------------------------------------------------------- */

int event_notifier_init(EventNotifier *e, bool active)
{
    pthread_mutex_lock(&web_slots_lock);
    for (int i = 0; i < WEB_NOTIFIER_MAX; i++) {
        if (!web_slots[i].used) {
            web_slots[i].used = true;
            __atomic_store_n(&web_slots[i].flag, active ? 1 : 0, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&web_slots_lock);
            e->rfd = e->wfd = WEB_NOTIFIER_FD_BASE + i;
            e->initialized = true;
            return 0;
        }
    }
    pthread_mutex_unlock(&web_slots_lock);
    return -EMFILE;
}

void event_notifier_cleanup(EventNotifier *e)
{
    if (!e->initialized) {
        return;
    }
    WebNotifierSlot *s = slot_of(e->rfd);
    pthread_mutex_lock(&web_slots_lock);
    if (s) {
        s->used = false;
        s->flag = 0;
    }
    pthread_mutex_unlock(&web_slots_lock);
    e->rfd = e->wfd = -1;
    e->initialized = false;
}

int event_notifier_set(EventNotifier *e)
{
    WebNotifierSlot *s = slot_of(e->wfd);
    if (!s) {
        return -EBADF;
    }
    __atomic_store_n(&s->flag, 1, __ATOMIC_SEQ_CST);
    web_wake_all();
    return 0;
}

bool event_notifier_test_and_clear(EventNotifier *e)
{
    WebNotifierSlot *s = slot_of(e->rfd);
    return s && __atomic_exchange_n(&s->flag, 0, __ATOMIC_SEQ_CST) != 0;
}

int event_notifier_get_fd(const EventNotifier *e)
{
    return e->rfd;
}

/* ---- the fd monitor ----------------------------------------------------------------------- */

static void fdmon_web_update(AioContext *ctx, AioHandler *old_node, AioHandler *new_node)
{
    /* Nothing cached: wait() walks ctx->aio_handlers. */
}

/* Add the ready handlers to @ready_list; *has_fds says whether real descriptors are watched. */
static int fdmon_web_scan(AioContext *ctx, AioHandlerList *ready_list, bool *has_fds)
{
    AioHandler *node;
    int ready = 0;
    *has_fds = false;

    qemu_mutex_lock(&ctx->list_lock);
    QLIST_FOREACH(node, &ctx->aio_handlers, node)
    {
        if (node->deleted || !node->events) {
            continue;
        }
        short re = 0;
        WebNotifierSlot *s = slot_of(node->fd);
        if (s) {
            re = __atomic_load_n(&s->flag, __ATOMIC_SEQ_CST) ? POLLIN : 0;
        } else {
            struct pollfd pfd = {.fd = node->fd, .events = node->events};
            *has_fds = true;
            if (poll(&pfd, 1, 0) > 0) {
                re = (pfd.revents & (POLLIN | POLLHUP | POLLERR) ? POLLIN : 0) |
                     (pfd.revents & POLLOUT ? POLLOUT : 0);
            }
        }
        re &= node->events;
        if (re) {
            node->revents = re;
            QLIST_INSERT_HEAD(ready_list, node, node_ready);
            ready++;
        }
    }
    qemu_mutex_unlock(&ctx->list_lock);
    return ready;
}

static int fdmon_web_wait(AioContext *ctx, AioHandlerList *ready_list, int64_t timeout_ns)
{
    int64_t deadline = timeout_ns > 0 ? platform_clock_monotonic_ns() + timeout_ns : 0;
    for (;;) {
        bool has_fds;
        int32_t seq = __atomic_load_n(&web_wake.seq, __ATOMIC_SEQ_CST);
        int n = fdmon_web_scan(ctx, ready_list, &has_fds);
        if (n > 0 || timeout_ns == 0) {
            return n;
        }
        double ms = INFINITY;
        if (timeout_ns > 0) {
            int64_t left = deadline - platform_clock_monotonic_ns();
            if (left <= 0) {
                return 0;
            }
            ms = (double)left / 1e6;
        }
        if (has_fds && ms > 1.0) {
            ms = 1.0; /* descriptors cannot wake us: look again soon */
        }
        __atomic_add_fetch(&web_wake.waiters, 1, __ATOMIC_SEQ_CST);
        emscripten_futex_wait(&web_wake.seq, (uint32_t)seq, ms);
        __atomic_sub_fetch(&web_wake.waiters, 1, __ATOMIC_SEQ_CST);
    }
}

static int fdmon_web_get_wait_fd(AioContext *ctx)
{
    return -1; /* the web main loop waits on the wake word, not on a descriptor */
}

static void fdmon_web_cleanup(AioContext *ctx)
{
    ctx->fdmon_state = NULL;
}

static const FDMonOps fdmon_web_ops = {
    .name = "web",
    .update = fdmon_web_update,
    .wait = fdmon_web_wait,
    .get_wait_fd = fdmon_web_get_wait_fd,
    .cleanup = fdmon_web_cleanup,
};

int platform_fdmon_setup(AioContext *ctx)
{
    ctx->fdmon_ops = &fdmon_web_ops;
    return 0;
}

/* The native names, for tests that ask for a specific monitor: both are the web one here. */
int fdmon_poll_setup(AioContext *ctx)
{
    return platform_fdmon_setup(ctx);
}

int fdmon_epoll_setup(AioContext *ctx)
{
    return platform_fdmon_setup(ctx);
}
