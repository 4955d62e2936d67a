/*
 * async.c - AioContext creation, aio_notify() and bottom halves (QEMU's
 * util/async.c).
 *
 * Bottom halves are lock-free: qemu_bh_schedule() sets flags with one atomic
 * fetch_or and, if the BH was not already queued, pushes it on ctx->bh_list
 * with a compare-and-swap.  aio__bh_poll() takes the whole list in one atomic
 * exchange ("a slice"), so BHs scheduled while the slice runs land on the new
 * list and run in the next pass - never twice in one pass.
 */
#include "aio/aio-int.h"
#include "aio/thread-pool.h"
#include "util/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The context each thread runs (QEMU: thread-local, not global). */
static __thread AioContext *current_aio_context;

AioContext *qemu_get_current_aio_context(void)
{
    return current_aio_context;
}

void aio_context_set_current(AioContext *ctx)
{
    current_aio_context = ctx;
}

bool aio_context_in_home_thread(AioContext *ctx)
{
    return current_aio_context == ctx;
}

/* ---- notify ---------------------------------------------------------------------- */

void aio_notify(AioContext *ctx)
{
    /*
     * Write ctx->notified (and, before this call, ctx->bh_list or a timer)
     * before reading ctx->notify_me.  Pairs with the smp_mb() in aio_poll()
     * and aio_ctx_prepare() that orders their write of notify_me before
     * their read of the event sources.
     */
    qatomic_set(&ctx->notified, true);
    smp_mb();
    if (qatomic_read(&ctx->notify_me)) {
        trace_point(qatomic_read(&ctx->tracer), TRACE_NOTIFY, "aio_notify", ctx, 0);
        event_notifier_set(&ctx->notifier);
        qatomic_inc(&ctx->notify_wakeups);
    }
}

void aio__notify_accept(AioContext *ctx)
{
    qatomic_set(&ctx->notified, false);
    /*
     * Order the clear of ctx->notified before the reads of the event sources
     * that follow, pairs with the smp_mb() in aio_notify().
     */
    smp_mb();
}

uint64_t aio_notify_wakeups(AioContext *ctx)
{
    return qatomic_read(&ctx->notify_wakeups);
}

static void aio_context_notifier_cb(EventNotifier *e)
{
    /* The wakeup itself: clear the eventfd; aio_poll re-checks everything. */
    event_notifier_test_and_clear(e);
}

static bool aio_context_notifier_poll(void *opaque)
{
    EventNotifier *e = opaque;
    AioContext *ctx = (AioContext *)((char *)e - offsetof(AioContext, notifier));
    return qatomic_read(&ctx->notified);
}

static void aio_context_notifier_poll_ready(EventNotifier *e)
{
    /* Polling saw ctx->notified: nothing to clear, the loop re-checks. */
}

/* ---- context lifecycle ---------------------------------------------------------- */

static void aio_timerlist_notify(void *opaque, QEMUClockType type)
{
    aio_notify(opaque);
}

AioContext *aio_context_new(QEMUClocks *clocks)
{
    AioContext *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        error_report("aio_context_new: out of memory");
        return NULL;
    }
    int r = event_notifier_init(&ctx->notifier, false);
    if (r < 0) {
        error_report("aio_context_new: cannot create an event notifier: %s", strerror(-r));
        free(ctx);
        return NULL;
    }
    r = platform_fdmon_setup(ctx);
    if (r < 0) {
        error_report("aio_context_new: cannot create an fd monitor: %s", strerror(-r));
        event_notifier_cleanup(&ctx->notifier);
        free(ctx);
        return NULL;
    }
    qemu_mutex_init(&ctx->bh_registry_lock);
    qemu_mutex_init(&ctx->list_lock);
    QSLIST_INIT(&ctx->bh_list);
    QSIMPLEQ_INIT(&ctx->bh_slice_list);
    QLIST_INIT(&ctx->all_bhs);
    QLIST_INIT(&ctx->aio_handlers);
    QLIST_INIT(&ctx->deleted_handlers);
    QLIST_INIT(&ctx->ready_list);
    QSLIST_INIT(&ctx->scheduled_coroutines);
    ctx->clocks = clocks;
    timerlistgroup_init(&ctx->tlg, clocks, aio_timerlist_notify, ctx);
    ctx->poll_grow = 2;
    ctx->poll_shrink = 2;

    aio_set_event_notifier(ctx, &ctx->notifier, aio_context_notifier_cb, aio_context_notifier_poll,
                           aio_context_notifier_poll_ready);
    ctx->co_schedule_bh = aio_bh_new_full(ctx, aio__co_schedule_bh_cb, ctx, "co_schedule_bh");
    return ctx;
}

int aio_context_destroy(AioContext *ctx)
{
    if (ctx->thread_pool) {
        thread_pool_free(ctx->thread_pool);
        ctx->thread_pool = NULL;
    }
    qemu_bh_delete(ctx->co_schedule_bh);
    int leaked = aio__bh_destroy_all(ctx);

    aio_set_event_notifier(ctx, &ctx->notifier, NULL, NULL, NULL);
    AioHandler *node, *next;
    QLIST_FOREACH_SAFE(node, &ctx->aio_handlers, node, next)
    {
        if (!node->deleted) {
            error_report("aio_context_destroy: fd %d still has a handler", node->fd);
        }
        QLIST_REMOVE(node, node);
        free(node);
    }
    QLIST_FOREACH_SAFE(node, &ctx->deleted_handlers, node_deleted, next)
    {
        QLIST_REMOVE(node, node_deleted);
        free(node);
    }
    ctx->fdmon_ops->cleanup(ctx);
    timerlistgroup_deinit(&ctx->tlg);
    event_notifier_cleanup(&ctx->notifier);
    qemu_mutex_destroy(&ctx->list_lock);
    qemu_mutex_destroy(&ctx->bh_registry_lock);
    if (current_aio_context == ctx) {
        current_aio_context = NULL;
    }
    free(ctx);
    return leaked;
}

QEMUClocks *aio_get_clocks(AioContext *ctx)
{
    return ctx->clocks;
}

QEMUTimerListGroup *aio_get_timer_list_group(AioContext *ctx)
{
    return &ctx->tlg;
}

void aio_context_set_tracer(AioContext *ctx, Tracer *tracer)
{
    qatomic_set(&ctx->tracer, tracer);
}

Tracer *aio_context_get_tracer(AioContext *ctx)
{
    return qatomic_read(&ctx->tracer);
}

/* ---- bottom halves ---------------------------------------------------------------- */

QEMUBH *aio_bh_new_full(AioContext *ctx, QEMUBHFunc *cb, void *opaque, const char *name)
{
    QEMUBH *bh = calloc(1, sizeof(*bh));
    if (!bh) {
        return NULL;
    }
    bh->ctx = ctx;
    bh->cb = cb;
    bh->opaque = opaque;
    bh->name = name;
    qemu_mutex_lock(&ctx->bh_registry_lock);
    QLIST_INSERT_HEAD(&ctx->all_bhs, bh, all_next);
    qemu_mutex_unlock(&ctx->bh_registry_lock);
    return bh;
}

static void aio_bh_free(QEMUBH *bh)
{
    AioContext *ctx = bh->ctx;
    qemu_mutex_lock(&ctx->bh_registry_lock);
    QLIST_REMOVE(bh, all_next);
    qemu_mutex_unlock(&ctx->bh_registry_lock);
    free(bh);
}

/* Set @new_flags on @bh and queue it if it was not queued.  Any thread. */
static void aio_bh_enqueue(QEMUBH *bh, unsigned new_flags)
{
    AioContext *ctx = bh->ctx;
    /*
     * Once @bh is queued, the home thread may run and free it (a oneshot or
     * a deleted BH): touch nothing of @bh after the insertion, only @ctx.
     */
    trace_point(qatomic_read(&ctx->tracer), TRACE_BH_SCHEDULE, bh->name, bh, 0);
    unsigned old_flags = qatomic_fetch_or(&bh->flags, BH_PENDING | new_flags);
    if (!(old_flags & BH_PENDING)) {
        /* The fetch_or above orders the flags before the list insertion. */
        QSLIST_INSERT_HEAD_ATOMIC(&ctx->bh_list, bh, next);
    }
    aio_notify(ctx);
}

/* Take the first BH off @head, returning it with the flags it had. */
static QEMUBH *aio_bh_dequeue(BHList *head, unsigned *flags)
{
    QEMUBH *bh = QSLIST_FIRST(head);
    if (!bh) {
        return NULL;
    }
    QSLIST_REMOVE_HEAD(head, next);
    /*
     * Clear the flags after the removal, so a concurrent aio_bh_enqueue()
     * that sees BH_PENDING cleared re-inserts the BH into ctx->bh_list, not
     * into this slice.  Pairs with the fetch_or in aio_bh_enqueue().
     */
    *flags = qatomic_fetch_and(&bh->flags, ~(BH_PENDING | BH_SCHEDULED | BH_IDLE));
    return bh;
}

void qemu_bh_schedule(QEMUBH *bh)
{
    aio_bh_enqueue(bh, BH_SCHEDULED);
}

void qemu_bh_schedule_idle(QEMUBH *bh)
{
    aio_bh_enqueue(bh, BH_SCHEDULED | BH_IDLE);
}

void qemu_bh_cancel(QEMUBH *bh)
{
    /* It stays queued, but is skipped when dequeued. */
    qatomic_fetch_and(&bh->flags, ~BH_SCHEDULED);
}

void qemu_bh_delete(QEMUBH *bh)
{
    aio_bh_enqueue(bh, BH_DELETED);
}

void aio_bh_schedule_oneshot_full(AioContext *ctx, QEMUBHFunc *cb, void *opaque, const char *name)
{
    QEMUBH *bh = aio_bh_new_full(ctx, cb, opaque, name);
    if (!bh) {
        error_report("aio_bh_schedule_oneshot: out of memory for '%s'", name);
        return;
    }
    aio_bh_enqueue(bh, BH_SCHEDULED | BH_ONESHOT);
}

const char *qemu_bh_name(QEMUBH *bh)
{
    return bh->name;
}

static void aio_bh_call(QEMUBH *bh)
{
    trace_point(qatomic_read(&bh->ctx->tracer), TRACE_BH_RUN, bh->name, bh, 0);
    bh->cb(bh->opaque);
}

bool aio__bh_poll(AioContext *ctx)
{
    BHListSlice slice;
    BHListSlice *s;
    bool ret = false;

    /* Synchronizes with QSLIST_INSERT_HEAD_ATOMIC in aio_bh_enqueue(). */
    QSLIST_MOVE_ATOMIC(&slice.bh_list, &ctx->bh_list);
    /*
     * The slice is on a list so that a nested aio_poll() (from inside a BH)
     * continues with the BHs this pass has not run yet, keeping FIFO-ish
     * order and the "once per pass" rule.
     */
    QSIMPLEQ_INSERT_TAIL(&ctx->bh_slice_list, &slice, next);

    while ((s = QSIMPLEQ_FIRST(&ctx->bh_slice_list))) {
        unsigned flags;
        QEMUBH *bh = aio_bh_dequeue(&s->bh_list, &flags);
        if (!bh) {
            QSIMPLEQ_REMOVE_HEAD(&ctx->bh_slice_list, next);
            continue;
        }
        if ((flags & (BH_SCHEDULED | BH_DELETED)) == BH_SCHEDULED) {
            /* Idle BHs count as progress only if something else ran. */
            if (!(flags & BH_IDLE)) {
                ret = true;
            }
            aio_bh_call(bh);
        }
        if (flags & (BH_DELETED | BH_ONESHOT)) {
            aio_bh_free(bh);
        }
    }
    return ret;
}

bool aio__bh_pending(AioContext *ctx, bool *idle)
{
    QEMUBH *bh;
    BHListSlice *s;
    bool any_idle = false;

    /*
     * Unlocked walk of the lock-free list: pushers only prepend fully built
     * nodes (release, by the cmpxchg), the acquire loads pair with it.
     */
    for (bh = qatomic_load_acquire(&ctx->bh_list.slh_first); bh;
         bh = qatomic_load_acquire(&bh->next.sle_next)) {
        unsigned flags = qatomic_read(&bh->flags);
        if ((flags & (BH_SCHEDULED | BH_DELETED)) == BH_SCHEDULED) {
            if (!(flags & BH_IDLE)) {
                return true;
            }
            any_idle = true;
        }
    }
    QSIMPLEQ_FOREACH(s, &ctx->bh_slice_list, next)
    {
        QSLIST_FOREACH(bh, &s->bh_list, next)
        {
            unsigned flags = qatomic_read(&bh->flags);
            if ((flags & (BH_SCHEDULED | BH_DELETED)) == BH_SCHEDULED) {
                if (!(flags & BH_IDLE)) {
                    return true;
                }
                any_idle = true;
            }
        }
    }
    if (idle) {
        *idle = any_idle;
    }
    return false;
}

int aio__bh_destroy_all(AioContext *ctx)
{
    int leaked = 0;
    unsigned flags;
    QEMUBH *bh, *next;

    /*
     * Deleted BHs still on the list are finished with: free them.  Anything
     * else, scheduled or not (a oneshot that never ran included), is still
     * expected to run by someone, and is a leak.
     */
    while ((bh = aio_bh_dequeue(&ctx->bh_list, &flags))) {
        if (flags & BH_DELETED) {
            aio_bh_free(bh);
        }
    }
    qemu_mutex_lock(&ctx->bh_registry_lock);
    QLIST_FOREACH_SAFE(bh, &ctx->all_bhs, all_next, next)
    {
        /* A programming error, reported by name (QEMU aborts here). */
        error_report("aio_context_destroy: BH '%s' (%p) was never deleted", bh->name, (void *)bh);
        QLIST_REMOVE(bh, all_next);
        free(bh);
        leaked++;
    }
    qemu_mutex_unlock(&ctx->bh_registry_lock);
    return leaked;
}
