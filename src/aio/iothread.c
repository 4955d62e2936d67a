/*
 * iothread.c - a thread running one AioContext (QEMU's iothread.c).
 *
 * Stopping follows QEMU: iothread_destroy() schedules a BH in the IOThread's
 * context that sets iothread->stopping, so the flag is only ever written and
 * read by the IOThread itself and the loop leaves after the aio_poll() that
 * ran the BH.  Before exiting, the thread drains what is still pending (BHs,
 * thread pool completions, coroutines scheduled into it) so that every
 * callback that was promised runs exactly once, in the right thread.
 */
#include "aio/iothread.h"
#include "aio/aio-int.h"
#include "aio/coroutine.h"
#include "aio/thread-pool-int.h"
#include "util/atomic.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

struct IOThread {
    char *id;
    AioContext *ctx;
    QemuThread thread;
    QemuSemaphore started;
    bool stopping; /* IOThread only */
};

static void iothread_stop_bh(void *opaque)
{
    IOThread *iothread = opaque;

    iothread->stopping = true;
}

/* Run what is left in the context; IOThread. */
static void iothread_drain(IOThread *iothread)
{
    AioContext *ctx = iothread->ctx;

    for (;;) {
        while (aio_poll(ctx, false)) {
            /* progress: look again */
        }
        /*
         * Requests still in a worker complete through a BH that will be
         * scheduled when the worker finishes: wait for it.
         */
        if (!ctx->thread_pool || !thread_pool__pending(ctx->thread_pool)) {
            return;
        }
        aio_poll(ctx, true);
    }
}

static void *iothread_run(void *opaque)
{
    IOThread *iothread = opaque;
    AioContext *ctx = iothread->ctx;

    aio_context_set_current(ctx);
    trace_point(qatomic_read(&ctx->tracer), TRACE_IOTHREAD_START, iothread->id, iothread, 0);
    qemu_sem_post(&iothread->started);

    while (!iothread->stopping) {
        aio_poll(ctx, true);
    }

    iothread_drain(iothread);
    trace_point(qatomic_read(&ctx->tracer), TRACE_IOTHREAD_STOP, iothread->id, iothread, 0);
    qemu_coroutine_pool_drain();
    aio_context_set_current(NULL);
    return NULL;
}

IOThread *iothread_create(const char *id, QEMUClocks *clocks)
{
    IOThread *iothread = calloc(1, sizeof(*iothread));
    if (!iothread || !(iothread->id = strdup(id))) {
        error_report("iothread '%s': out of memory", id);
        free(iothread);
        return NULL;
    }
    iothread->ctx = aio_context_new(clocks);
    if (!iothread->ctx) {
        /* aio_context_new() has reported why. */
        free(iothread->id);
        free(iothread);
        return NULL;
    }
    qemu_sem_init(&iothread->started, 0);

    int ret = qemu_thread_create(&iothread->thread, iothread->id, iothread_run, iothread);
    if (ret < 0) {
        error_report("iothread '%s': cannot start thread: %s", id, strerror(-ret));
        qemu_sem_destroy(&iothread->started);
        aio_context_destroy(iothread->ctx);
        free(iothread->id);
        free(iothread);
        return NULL;
    }
    qemu_sem_wait(&iothread->started);
    return iothread;
}

void iothread_destroy(IOThread *iothread)
{
    if (!iothread) {
        return;
    }
    if (qemu_get_current_aio_context() == iothread->ctx) {
        qemu_fatal_misuse("iothread_destroy: '%s' cannot destroy itself", iothread->id);
    }
    aio_bh_schedule_oneshot(iothread->ctx, iothread_stop_bh, iothread);
    qemu_thread_join(&iothread->thread);

    /* The thread is gone: no one runs the context any more. */
    aio_context_destroy(iothread->ctx);
    qemu_sem_destroy(&iothread->started);
    free(iothread->id);
    free(iothread);
}

AioContext *iothread_get_aio_context(IOThread *iothread)
{
    return iothread->ctx;
}

const char *iothread_get_id(IOThread *iothread)
{
    return iothread->id;
}
