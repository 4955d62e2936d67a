/*
 * fdmon-poll.c - the fallback fd monitor: ppoll() over every handler, O(n)
 * in the number of fds (QEMU's util/fdmon-poll.c).  Rebuilds its pollfd
 * array on every wait; simple and always available.  It offers no wait fd,
 * so a context that uses it can only be run by aio_poll() (IOThreads), not
 * embedded in the libuv main loop.
 */
#define _GNU_SOURCE
#include "aio/aio-int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

typedef struct FDMonPoll {
    struct pollfd *fds;
    AioHandler **nodes;
    int cap;
} FDMonPoll;

static void fdmon_poll_update(AioContext *ctx, AioHandler *old_node, AioHandler *new_node)
{
    /* Nothing to keep in step: wait() walks ctx->aio_handlers. */
}

static int grow(FDMonPoll *s, int need)
{
    if (need <= s->cap) {
        return 0;
    }
    int cap = s->cap ? s->cap * 2 : 16;
    while (cap < need) {
        cap *= 2;
    }
    struct pollfd *fds = realloc(s->fds, cap * sizeof(*fds));
    if (!fds) {
        return -ENOMEM;
    }
    s->fds = fds;
    AioHandler **nodes = realloc(s->nodes, cap * sizeof(*nodes));
    if (!nodes) {
        return -ENOMEM;
    }
    s->nodes = nodes;
    s->cap = cap;
    return 0;
}

static int fdmon_poll_wait(AioContext *ctx, AioHandlerList *ready_list, int64_t timeout_ns)
{
    FDMonPoll *s = ctx->fdmon_state;
    AioHandler *node;
    int n = 0;

    qemu_mutex_lock(&ctx->list_lock);
    QLIST_FOREACH(node, &ctx->aio_handlers, node)
    {
        if (node->deleted || !node->events) {
            continue;
        }
        if (grow(s, n + 1) < 0) {
            break;
        }
        s->fds[n] = (struct pollfd){.fd = node->fd, .events = node->events};
        s->nodes[n] = node;
        n++;
    }
    qemu_mutex_unlock(&ctx->list_lock);

    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000LL;
        ts.tv_nsec = timeout_ns % 1000000000LL;
        tsp = &ts;
    }
    int r = ppoll(s->fds, n, tsp, NULL);
    if (r <= 0) {
        return r < 0 && errno != EINTR ? -errno : 0;
    }
    int ready = 0;
    for (int i = 0; i < n; i++) {
        short re = s->fds[i].revents;
        if (re) {
            s->nodes[i]->revents =
                (re & (POLLIN | POLLHUP | POLLERR) ? POLLIN : 0) | (re & POLLOUT ? POLLOUT : 0);
            QLIST_INSERT_HEAD(ready_list, s->nodes[i], node_ready);
            ready++;
        }
    }
    return ready;
}

static int fdmon_poll_get_wait_fd(AioContext *ctx)
{
    return -1;
}

static void fdmon_poll_cleanup(AioContext *ctx)
{
    FDMonPoll *s = ctx->fdmon_state;
    free(s->fds);
    free(s->nodes);
    free(s);
    ctx->fdmon_state = NULL;
}

static const FDMonOps fdmon_poll_ops = {
    .name = "poll",
    .update = fdmon_poll_update,
    .wait = fdmon_poll_wait,
    .get_wait_fd = fdmon_poll_get_wait_fd,
    .cleanup = fdmon_poll_cleanup,
};

int fdmon_poll_setup(AioContext *ctx)
{
    FDMonPoll *s = calloc(1, sizeof(*s));
    if (!s) {
        return -ENOMEM;
    }
    ctx->fdmon_state = s;
    ctx->fdmon_ops = &fdmon_poll_ops;
    return 0;
}
