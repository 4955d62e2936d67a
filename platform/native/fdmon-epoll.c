/*
 * fdmon-epoll.c - the default fd monitor: epoll, O(1) in the number of idle
 * fds (QEMU's util/fdmon-epoll.c).  The epoll set is kept in step with the
 * handler list by update(); wait() uses epoll_pwait2 for a nanosecond
 * timeout.  The epoll fd itself is pollable, which is how the libuv main loop
 * waits for a whole AioContext with one uv_poll_t.
 */
#define _GNU_SOURCE
#include "aio/aio-int.h"
#include "util/error.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define FDMON_EPOLL_BATCH 128

typedef struct FDMonEpoll {
    int epfd;
} FDMonEpoll;

static int epfd_of(AioContext *ctx)
{
    return ((FDMonEpoll *)ctx->fdmon_state)->epfd;
}

static uint32_t epoll_events_of(short events)
{
    return (events & POLLIN ? EPOLLIN | EPOLLHUP | EPOLLERR : 0) |
           (events & POLLOUT ? EPOLLOUT : 0);
}

static void fdmon_epoll_update(AioContext *ctx, AioHandler *old_node, AioHandler *new_node)
{
    int epfd = epfd_of(ctx);
    int r;
    if (new_node) {
        struct epoll_event ev = {
            .events = epoll_events_of(new_node->events),
            .data.ptr = new_node,
        };
        r = epoll_ctl(epfd, old_node ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, new_node->fd, &ev);
    } else {
        r = epoll_ctl(epfd, EPOLL_CTL_DEL, old_node->fd, NULL);
    }
    if (r < 0) {
        /* A closed or unpollable fd: the handler never fires; say so once. */
        error_report("fdmon-epoll: fd %d: %s", new_node ? new_node->fd : old_node->fd,
                     strerror(errno));
    }
}

static int fdmon_epoll_wait(AioContext *ctx, AioHandlerList *ready_list, int64_t timeout_ns)
{
    struct epoll_event events[FDMON_EPOLL_BATCH];
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000LL;
        ts.tv_nsec = timeout_ns % 1000000000LL;
        tsp = &ts;
    }
    int n = epoll_pwait2(epfd_of(ctx), events, FDMON_EPOLL_BATCH, tsp, NULL);
    if (n < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    for (int i = 0; i < n; i++) {
        AioHandler *node = events[i].data.ptr;
        uint32_t ev = events[i].events;
        node->revents =
            (ev & (EPOLLIN | EPOLLHUP | EPOLLERR) ? POLLIN : 0) | (ev & EPOLLOUT ? POLLOUT : 0);
        QLIST_INSERT_HEAD(ready_list, node, node_ready);
    }
    return n;
}

static int fdmon_epoll_get_wait_fd(AioContext *ctx)
{
    return epfd_of(ctx);
}

static void fdmon_epoll_cleanup(AioContext *ctx)
{
    FDMonEpoll *s = ctx->fdmon_state;
    close(s->epfd);
    free(s);
    ctx->fdmon_state = NULL;
}

static const FDMonOps fdmon_epoll_ops = {
    .name = "epoll",
    .update = fdmon_epoll_update,
    .wait = fdmon_epoll_wait,
    .get_wait_fd = fdmon_epoll_get_wait_fd,
    .cleanup = fdmon_epoll_cleanup,
};

int fdmon_epoll_setup(AioContext *ctx)
{
    FDMonEpoll *s = calloc(1, sizeof(*s));
    if (!s) {
        return -ENOMEM;
    }
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (s->epfd < 0) {
        int err = -errno;
        free(s);
        return err;
    }
    ctx->fdmon_state = s;
    ctx->fdmon_ops = &fdmon_epoll_ops;
    return 0;
}

int platform_fdmon_setup(AioContext *ctx)
{
    const char *want = getenv("MINIMU_FDMON");
    if (want && strcmp(want, "poll") == 0) {
        return fdmon_poll_setup(ctx);
    }
    int r = fdmon_epoll_setup(ctx);
    if (r < 0) {
        /* Kernels without epoll are rare, but poll() always works. */
        return fdmon_poll_setup(ctx);
    }
    return 0;
}
