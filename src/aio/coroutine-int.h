/*
 * coroutine-int.h - the Coroutine object shared by the coroutine core
 * (src/aio/coroutine*.c), the AioContext (aio_co_schedule) and the platform
 * switch backends (platform/native/coroutine-ucontext.c, platform/web/...).
 * QEMU's include/qemu/coroutine_int.h.  Not for devices.
 */
#ifndef MINIMU_AIO_COROUTINE_INT_H
#define MINIMU_AIO_COROUTINE_INT_H

#include "aio/coroutine.h"
#include "platform.h"
#include "util/list.h"

struct Coroutine {
    CoroutineEntry *entry;
    void *entry_arg;
    Coroutine *caller; /* who entered us; NULL when not running */

    /* Only the coroutine core touches these. */
    QSLIST_ENTRY(Coroutine) pool_next;
    unsigned locks_held; /* CoMutexes held; must be 0 at termination */
    AioContext *ctx;     /* context it last ran in */

    /*
     * Name of the function that scheduled it (aio_co_schedule's caller), or
     * NULL.  Set with cmpxchg: scheduling twice is detected and aborts.
     */
    const char *scheduled;
    QSLIST_ENTRY(Coroutine) co_scheduled_next; /* in ctx->scheduled_coroutines */

    /* Coroutines woken by this one, entered when it yields or ends. */
    QSIMPLEQ_ENTRY(Coroutine) co_queue_next;
    QSIMPLEQ_HEAD(, Coroutine) co_queue_wakeup;
};

/* The BH callback that enters coroutines scheduled into @opaque (an
 * AioContext).  Created by aio_context_new(), implemented by the core. */
void aio__co_schedule_bh_cb(void *opaque);

#endif
