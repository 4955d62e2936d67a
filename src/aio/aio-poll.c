/*
 * aio-poll.c - fd handlers, adaptive polling and aio_poll() (QEMU's
 * util/aio-posix.c).
 *
 * Handlers live on ctx->aio_handlers.  A handler is never modified in place:
 * replacing one inserts a new node and marks the old one deleted, so a
 * callback that is running, or a ready list that still points at the old
 * node, never sees a half-changed handler.  While the list is being walked
 * (ctx->walking_handlers > 0) deleted nodes stay allocated; the walker frees
 * them when it is done.
 */
#include "aio/aio-int.h"
#include "util/error.h"

#include <poll.h>
#include <stdlib.h>

/* ---- handler registration ------------------------------------------------------- */

static AioHandler *find_aio_handler(AioContext *ctx, int fd)
{
    AioHandler *node;
    QLIST_FOREACH(node, &ctx->aio_handlers, node)
    {
        if (node->fd == fd && !node->deleted) {
            return node;
        }
    }
    return NULL;
}

/* Take @node off the active list; free it now or when the walk ends. */
static void aio_remove_fd_handler_locked(AioContext *ctx, AioHandler *node)
{
    if (node->io_poll) {
        ctx->nr_poll_handlers--;
    } else {
        ctx->poll_disable_cnt--;
    }
    if (ctx->walking_handlers > 0) {
        qatomic_set(&node->deleted, true);
        QLIST_INSERT_HEAD(&ctx->deleted_handlers, node, node_deleted);
        return;
    }
    QLIST_REMOVE(node, node);
    free(node);
}

static void aio_set_handler_full(AioContext *ctx, int fd, bool is_notifier, IOHandler *io_read,
                                 IOHandler *io_write, AioPollFn *io_poll, IOHandler *io_poll_ready,
                                 void *opaque)
{
    AioHandler *new_node = NULL;
    bool remove = !io_read && !io_write && !io_poll;

    if (!remove) {
        new_node = calloc(1, sizeof(*new_node));
        if (!new_node) {
            error_report("aio_set_fd_handler: out of memory for fd %d", fd);
            return;
        }
        new_node->fd = fd;
        new_node->is_notifier = is_notifier;
        new_node->io_read = io_read;
        new_node->io_write = io_write;
        new_node->io_poll = io_poll;
        new_node->io_poll_ready = io_poll_ready;
        new_node->opaque = opaque;
        new_node->events = (io_read ? POLLIN : 0) | (io_write ? POLLOUT : 0);
    }

    qemu_mutex_lock(&ctx->list_lock);
    AioHandler *node = find_aio_handler(ctx, fd);
    if (!node && !new_node) {
        qemu_mutex_unlock(&ctx->list_lock);
        return;
    }
    ctx->fdmon_ops->update(ctx, node, new_node);
    if (node) {
        aio_remove_fd_handler_locked(ctx, node);
    }
    if (new_node) {
        QLIST_INSERT_HEAD(&ctx->aio_handlers, new_node, node);
        if (io_poll) {
            ctx->nr_poll_handlers++;
        } else {
            ctx->poll_disable_cnt++;
        }
    }
    qemu_mutex_unlock(&ctx->list_lock);
    /* A loop sleeping in another thread must pick up the new fd set. */
    aio_notify(ctx);
}

void aio_set_fd_handler(AioContext *ctx, int fd, IOHandler *io_read, IOHandler *io_write,
                        AioPollFn *io_poll, IOHandler *io_poll_ready, void *opaque)
{
    aio_set_handler_full(ctx, fd, false, io_read, io_write, io_poll, io_poll_ready, opaque);
}

void aio_set_event_notifier(AioContext *ctx, EventNotifier *e, EventNotifierHandler *io_read,
                            AioPollFn *io_poll, EventNotifierHandler *io_poll_ready)
{
    /* The callbacks take the notifier, which is also the opaque pointer. */
    aio_set_handler_full(ctx, event_notifier_get_fd(e), true, (IOHandler *)io_read, NULL,
                         io_read ? io_poll : NULL, (IOHandler *)io_poll_ready, e);
}

/* ---- walking the handler list ------------------------------------------------------ */

static void aio_walk_begin(AioContext *ctx)
{
    qemu_mutex_lock(&ctx->list_lock);
    ctx->walking_handlers++;
    qemu_mutex_unlock(&ctx->list_lock);
}

/* End a walk; the last walker frees the nodes removed meanwhile. */
static void aio_walk_end(AioContext *ctx)
{
    AioHandler *node, *next;
    qemu_mutex_lock(&ctx->list_lock);
    if (--ctx->walking_handlers == 0) {
        QLIST_FOREACH_SAFE(node, &ctx->deleted_handlers, node_deleted, next)
        {
            QLIST_REMOVE(node, node_deleted);
            QLIST_REMOVE(node, node);
            free(node);
        }
    }
    qemu_mutex_unlock(&ctx->list_lock);
}

/* Call @node's callbacks for its revents; true if one ran (not the notifier). */
static bool aio_dispatch_handler(AioContext *ctx, AioHandler *node)
{
    bool progress = false;
    short revents = node->revents;
    bool poll_ready = node->poll_ready;
    node->revents = 0;
    node->poll_ready = false;

    /* Removed by an earlier callback of this pass: its callbacks must not run. */
    if (qatomic_read(&node->deleted)) {
        return false;
    }
    bool own_notifier = node->opaque == &ctx->notifier;
    if (!own_notifier) {
        /* The context's own wakeup is traced by aio_notify, not here. */
        trace_point(qatomic_read(&ctx->tracer), TRACE_FD_DISPATCH,
                    node->is_notifier ? "event notifier" : "fd", node, node->fd);
    }
    if (poll_ready && node->io_poll_ready) {
        node->io_poll_ready(node->opaque);
        progress = !own_notifier;
    } else if ((poll_ready || (revents & POLLIN)) && node->io_read) {
        node->io_read(node->opaque);
        progress = !own_notifier;
    }
    if ((revents & POLLOUT) && node->io_write && !qatomic_read(&node->deleted)) {
        node->io_write(node->opaque);
        progress = true;
    }
    return progress;
}

static bool aio_dispatch_ready_handlers(AioContext *ctx, AioHandlerList *ready_list)
{
    bool progress = false;
    AioHandler *node;
    while ((node = QLIST_FIRST(ready_list))) {
        QLIST_REMOVE(node, node_ready);
        progress |= aio_dispatch_handler(ctx, node);
    }
    return progress;
}

/* ---- adaptive polling --------------------------------------------------------------- */

/* Run every io_poll once; queue the handlers that found work.  Walk held. */
static bool run_poll_handlers_once(AioContext *ctx, AioHandlerList *ready_list)
{
    bool progress = false;
    AioHandler *node;
    qemu_mutex_lock(&ctx->list_lock);
    QLIST_FOREACH(node, &ctx->aio_handlers, node)
    {
        if (!node->deleted && node->io_poll && !QLIST_IS_INSERTED(node, node_ready) &&
            node->io_poll(node->opaque)) {
            node->poll_ready = true;
            QLIST_INSERT_HEAD(ready_list, node, node_ready);
            progress = true;
        }
    }
    qemu_mutex_unlock(&ctx->list_lock);
    return progress;
}

/*
 * Busy-poll for up to ctx->poll_ns (but not past the next timer) instead of
 * sleeping: a device that completes within microseconds is then served
 * without a syscall or a trip through the host scheduler.  Only when every
 * handler can be polled; one that cannot needs the fd monitor anyway.
 */
static bool try_poll_mode(AioContext *ctx, AioHandlerList *ready_list, int64_t *timeout)
{
    if (!ctx->poll_max_ns || ctx->poll_ns == 0 || ctx->poll_disable_cnt > 0 ||
        ctx->nr_poll_handlers == 0) {
        return false;
    }
    int64_t max_ns = ctx->poll_ns;
    if (*timeout >= 0 && *timeout < max_ns) {
        max_ns = *timeout;
    }
    int64_t start = platform_clock_monotonic_ns();
    do {
        if (run_poll_handlers_once(ctx, ready_list)) {
            *timeout = 0;
            return true;
        }
    } while (platform_clock_monotonic_ns() - start < max_ns);
    return false;
}

/* Grow or shrink ctx->poll_ns after a wait of @block_ns (QEMU's policy). */
static void adjust_polling_time(AioContext *ctx, int64_t block_ns)
{
    if (block_ns <= ctx->poll_ns) {
        return; /* the sweet spot: the event came while we polled */
    }
    if (block_ns > ctx->poll_max_ns) {
        /* Polling that long would waste CPU: poll less. */
        ctx->poll_ns = ctx->poll_shrink ? ctx->poll_ns / ctx->poll_shrink : 0;
    } else if (ctx->poll_ns < ctx->poll_max_ns) {
        /* The event came soon after we gave up polling: poll longer. */
        int64_t ns = ctx->poll_ns ? ctx->poll_ns * ctx->poll_grow : 4000;
        ctx->poll_ns = ns > ctx->poll_max_ns ? ctx->poll_max_ns : ns;
    }
}

void aio_context_set_poll_params(AioContext *ctx, int64_t max_ns, int64_t grow, int64_t shrink)
{
    ctx->poll_max_ns = max_ns > 0 ? max_ns : 0;
    ctx->poll_grow = grow > 1 ? grow : 2;
    ctx->poll_shrink = shrink >= 0 ? shrink : 2;
    ctx->poll_ns = 0;
    aio_notify(ctx);
}

int64_t aio_context_poll_ns(AioContext *ctx)
{
    return ctx->poll_ns;
}

/* ---- one iteration -------------------------------------------------------------------- */

int64_t aio__compute_timeout(AioContext *ctx)
{
    bool idle = false;
    if (aio__bh_pending(ctx, &idle)) {
        return 0;
    }
    int64_t deadline = timerlistgroup_deadline_ns(&ctx->tlg);
    if (idle && (deadline < 0 || deadline > 10 * SCALE_MS)) {
        /* Idle BHs run at least every 10 ms, without making the loop spin. */
        deadline = 10 * SCALE_MS;
    }
    return deadline;
}

bool aio_poll(AioContext *ctx, bool blocking)
{
    AioHandlerList ready_list = {NULL};
    bool progress;
    int64_t timeout = 0;
    int64_t start = 0;

    AioContext *saved = qemu_get_current_aio_context();
    aio_context_set_current(ctx);
    ctx->poll_depth++;

    if (blocking) {
        qatomic_add_fetch(&ctx->notify_me, 2);
        /*
         * Write notify_me before reading the event sources (BH list, timers)
         * in aio__compute_timeout(); pairs with the smp_mb() in aio_notify().
         */
        smp_mb();
    }

    aio_walk_begin(ctx);
    if (blocking) {
        timeout = aio__compute_timeout(ctx);
    }
    if (ctx->poll_max_ns) {
        start = platform_clock_monotonic_ns();
    }
    progress = try_poll_mode(ctx, &ready_list, &timeout);
    if (!progress) {
        if (timeout == 0 && ctx->poll_disable_cnt == 0) {
            /*
             * Not waiting, and every handler has a cheap io_poll: one pass of
             * those sees all the work without a syscall (QEMU's need_wait).
             */
            run_poll_handlers_once(ctx, &ready_list);
        } else {
            ctx->fdmon_ops->wait(ctx, &ready_list, timeout);
        }
    }

    if (blocking) {
        qatomic_sub_fetch(&ctx->notify_me, 2);
        aio__notify_accept(ctx);
    }
    if (ctx->poll_max_ns && blocking) {
        adjust_polling_time(ctx, platform_clock_monotonic_ns() - start);
    }

    /* QEMU's order: bottom halves, then ready handlers, then timers. */
    progress = aio__bh_poll(ctx);
    progress |= aio_dispatch_ready_handlers(ctx, &ready_list);
    aio_walk_end(ctx);
    progress |= timerlistgroup_run_timers(&ctx->tlg);

    ctx->poll_depth--;
    aio_context_set_current(saved);
    return progress;
}

/* ---- the same iteration, for an outer loop ------------------------------------------------ */

int64_t aio_ctx_prepare(AioContext *ctx)
{
    qatomic_add_fetch(&ctx->notify_me, 2);
    /* Pairs with the smp_mb() in aio_notify(), as in aio_poll(). */
    smp_mb();
    int64_t timeout = aio__compute_timeout(ctx);
    if (timeout == 0) {
        /* Work is ready: the outer loop will not sleep, no wakeup needed. */
        qatomic_sub_fetch(&ctx->notify_me, 2);
        aio__notify_accept(ctx);
        qatomic_add_fetch(&ctx->notify_me, 2); /* balanced by aio_ctx_check */
    }
    return timeout;
}

bool aio_ctx_check(AioContext *ctx)
{
    qatomic_sub_fetch(&ctx->notify_me, 2);
    aio__notify_accept(ctx);

    /*
     * The nodes on ctx->ready_list must stay allocated until aio_dispatch()
     * has run them, so the walk begun here ends there.
     */
    aio_walk_begin(ctx);
    ctx->fdmon_ops->wait(ctx, &ctx->ready_list, 0);
    bool ready = !QLIST_EMPTY(&ctx->ready_list);
    if (ready) {
        ctx->ready_walk_open = true;
    } else {
        aio_walk_end(ctx);
    }
    return ready || aio__bh_pending(ctx, NULL) || timerlistgroup_deadline_ns(&ctx->tlg) == 0;
}

bool aio_dispatch(AioContext *ctx)
{
    AioContext *saved = qemu_get_current_aio_context();
    aio_context_set_current(ctx);

    aio_walk_begin(ctx);
    bool progress = aio__bh_poll(ctx);
    progress |= aio_dispatch_ready_handlers(ctx, &ctx->ready_list);
    aio_walk_end(ctx);
    if (ctx->ready_walk_open) {
        ctx->ready_walk_open = false;
        aio_walk_end(ctx);
    }
    progress |= timerlistgroup_run_timers(&ctx->tlg);

    aio_context_set_current(saved);
    return progress;
}

int aio_get_wait_fd(AioContext *ctx)
{
    return ctx->fdmon_ops->get_wait_fd(ctx);
}
