/*
 * coroutine.c - the coroutine core: pool, enter, yield, and scheduling
 * coroutines into an AioContext (QEMU's util/qemu-coroutine.c and the
 * aio_co_* part of util/async.c).  The stack switch itself is the platform's
 * (platform.h, "coroutines").
 *
 * Thread rules.  A coroutine runs in the thread that entered it; once it
 * yields, only its context's home thread may enter it again, unless the code
 * that moves it (aio_co_schedule into another context) knows it has finished
 * yielding, for example because a BH of the old context does the move.
 * aio_co_wake() relies on this: it schedules a coroutine into its own context,
 * whose thread cannot run the BH until the coroutine has yielded.
 */
#include "aio/aio-int.h"
#include "aio/coroutine-int.h"
#include "util/atomic.h"
#include "util/error.h"

#include <stdlib.h>

/* Idle coroutines kept per thread; beyond this, stacks are unmapped. */
#define COROUTINE_POOL_MAX 64

/* Per-thread pool, as in QEMU: no lock, and the stack is warm in the cache. */
static __thread QSLIST_HEAD(, Coroutine) tls_pool;
static __thread unsigned tls_pool_size;

/*
 * The pool is only touched by create and by enter after a switch back from a
 * coroutine that ran in this thread, never across a yield, but keep the
 * address computation out of line anyway (see coroutine-ucontext.c).
 */
static __attribute__((noinline)) Coroutine *pool_take(void)
{
    Coroutine *co = QSLIST_FIRST(&tls_pool);

    if (co) {
        QSLIST_REMOVE_HEAD(&tls_pool, pool_next);
        tls_pool_size--;
    }
    return co;
}

static __attribute__((noinline)) void pool_put(Coroutine *co)
{
    if (tls_pool_size < COROUTINE_POOL_MAX) {
        QSLIST_INSERT_HEAD(&tls_pool, co, pool_next);
        tls_pool_size++;
    } else {
        qemu_coroutine_delete(co);
    }
}

void qemu_coroutine_pool_drain(void)
{
    Coroutine *co;

    while ((co = pool_take()) != NULL) {
        qemu_coroutine_delete(co);
    }
}

Coroutine *qemu_coroutine_create(CoroutineEntry *entry, void *opaque)
{
    Coroutine *co = pool_take();

    if (!co) {
        co = qemu_coroutine_new();
        if (!co) {
            /* Like g_malloc: nothing sensible to do without memory. */
            error_report("qemu_coroutine_create: cannot allocate a coroutine stack");
            abort();
        }
    }
    co->entry = entry;
    co->entry_arg = opaque;
    co->caller = NULL;
    co->locks_held = 0;
    co->ctx = NULL;
    co->scheduled = NULL;
    QSIMPLEQ_INIT(&co->co_queue_wakeup);
    return co;
}

static Tracer *ctx_tracer(AioContext *ctx)
{
    return ctx ? qatomic_read(&ctx->tracer) : NULL;
}

static void coroutine_terminated(Coroutine *co)
{
    if (co->locks_held) {
        qemu_fatal_misuse("coroutine %p (entry %p) terminated holding %u CoMutex/CoRwlock locks",
                          (void *)co, (void *)(uintptr_t)co->entry, co->locks_held);
    }
    trace_point(ctx_tracer(co->ctx), TRACE_CO_TERMINATE, "coroutine", co, 0);
    co->caller = NULL;
    pool_put(co);
}

void qemu_aio_coroutine_enter_at(AioContext *ctx, Coroutine *co, const char *caller)
{
    QSIMPLEQ_HEAD(, Coroutine) pending = QSIMPLEQ_HEAD_INITIALIZER(pending);
    Coroutine *from = qemu_coroutine_self();

    QSIMPLEQ_INSERT_TAIL(&pending, co, co_queue_next);

    /*
     * Coroutines that @co wakes in this context are queued on it rather than
     * entered from inside it (no unbounded nesting); they run here, after it
     * yields or ends, depth-first.
     */
    while (!QSIMPLEQ_EMPTY(&pending)) {
        Coroutine *to = QSIMPLEQ_FIRST(&pending);
        const char *scheduled = qatomic_load_acquire(&to->scheduled);
        CoroutineAction ret;

        QSIMPLEQ_REMOVE_HEAD(&pending, co_queue_next);

        /* Entering it now would run it a second time from the BH, possibly
         * after it has been freed. */
        if (scheduled) {
            qemu_fatal_misuse("%s: coroutine %p entered by '%s' was already scheduled by '%s'",
                              caller, (void *)to, caller, scheduled);
        }
        if (to->caller) {
            qemu_fatal_misuse("%s: coroutine re-entered recursively (coroutine %p is running)",
                              caller, (void *)to);
        }

        to->caller = from;
        /* Published before anything that lets another thread find @to (a
         * CoMutex queue, a CoQueue), so aio_co_wake() reads the right ctx. */
        qatomic_store_release(&to->ctx, ctx);
        trace_point(ctx_tracer(ctx), TRACE_CO_ENTER, caller, to, 0);

        ret = qemu_coroutine_switch(from, to, COROUTINE_ENTER);

        /* Taken before @to can be freed or entered again: prepend what it
         * woke to what was pending. */
        if (!QSIMPLEQ_EMPTY(&to->co_queue_wakeup)) {
            QSIMPLEQ_CONCAT(&to->co_queue_wakeup, &pending);
            QSIMPLEQ_CONCAT(&pending, &to->co_queue_wakeup);
        }

        switch (ret) {
        case COROUTINE_YIELD: break;
        case COROUTINE_TERMINATE: coroutine_terminated(to); break;
        default:
            qemu_fatal_misuse("%s: coroutine %p switched back with action %d", caller, (void *)to,
                              (int)ret);
        }
    }
}

void qemu_coroutine_enter_at(Coroutine *co, const char *caller)
{
    qemu_aio_coroutine_enter_at(qemu_get_current_aio_context(), co, caller);
}

void qemu_coroutine_enter_if_inactive(Coroutine *co)
{
    if (!qemu_coroutine_entered(co)) {
        qemu_coroutine_enter(co);
    }
}

void coroutine_fn qemu_coroutine_yield(void)
{
    Coroutine *self = qemu_coroutine_self();
    Coroutine *to = self->caller;

    if (!to) {
        qemu_fatal_misuse("qemu_coroutine_yield: called outside a coroutine");
    }
    trace_point(ctx_tracer(self->ctx), TRACE_CO_YIELD, "coroutine", self, 0);
    self->caller = NULL;
    qemu_coroutine_switch(self, to, COROUTINE_YIELD);
}

bool qemu_coroutine_entered(Coroutine *co)
{
    return co->caller != NULL;
}

AioContext *qemu_coroutine_get_aio_context(Coroutine *co)
{
    return qatomic_load_acquire(&co->ctx);
}

/* ---- coroutines in an AioContext ------------------------------------------------ */

void aio_co_schedule_at(AioContext *ctx, Coroutine *co, const char *caller)
{
    const char *scheduled;

    if (!ctx) {
        qemu_fatal_misuse("%s: coroutine %p scheduled into no AioContext (it never ran in one)",
                          caller, (void *)co);
    }
    scheduled = qatomic_cmpxchg(&co->scheduled, (const char *)NULL, caller);
    if (scheduled) {
        qemu_fatal_misuse("aio_co_schedule: coroutine %p scheduled by '%s' was already "
                          "scheduled by '%s'",
                          (void *)co, caller, scheduled);
    }
    QSLIST_INSERT_HEAD_ATOMIC(&ctx->scheduled_coroutines, co, co_scheduled_next);
    qemu_bh_schedule(ctx->co_schedule_bh);
}

void aio__co_schedule_bh_cb(void *opaque)
{
    AioContext *ctx = opaque;
    QSLIST_HEAD(, Coroutine) straight, reversed;

    /* Pushes go to the head: reverse to enter in scheduling order. */
    QSLIST_MOVE_ATOMIC(&reversed, &ctx->scheduled_coroutines);
    QSLIST_INIT(&straight);
    while (!QSLIST_EMPTY(&reversed)) {
        Coroutine *co = QSLIST_FIRST(&reversed);
        QSLIST_REMOVE_HEAD(&reversed, co_scheduled_next);
        QSLIST_INSERT_HEAD(&straight, co, co_scheduled_next);
    }

    while (!QSLIST_EMPTY(&straight)) {
        Coroutine *co = QSLIST_FIRST(&straight);
        const char *scheduler = qatomic_read(&co->scheduled);

        QSLIST_REMOVE_HEAD(&straight, co_scheduled_next);
        /* Cleared first: the coroutine may schedule itself again. */
        qatomic_store_release(&co->scheduled, (const char *)NULL);
        qemu_aio_coroutine_enter_at(ctx, co, scheduler);
    }
}

void aio_co_enter_at(AioContext *ctx, Coroutine *co, const char *caller)
{
    if (ctx != qemu_get_current_aio_context()) {
        aio_co_schedule_at(ctx, co, caller);
        return;
    }
    if (qemu_in_coroutine()) {
        Coroutine *self = qemu_coroutine_self();

        if (self == co) {
            qemu_fatal_misuse("%s: coroutine re-entered recursively (coroutine %p wakes itself)",
                              caller, (void *)co);
        }
        QSIMPLEQ_INSERT_TAIL(&self->co_queue_wakeup, co, co_queue_next);
    } else {
        qemu_aio_coroutine_enter_at(ctx, co, caller);
    }
}

void aio_co_wake_at(Coroutine *co, const char *caller)
{
    aio_co_enter_at(qemu_coroutine_get_aio_context(co), co, caller);
}
