/*
 * coroutine.h - cooperative coroutines and their locks (QEMU's
 * include/qemu/coroutine.h).
 *
 * A coroutine is a function with its own stack that can stop in the middle
 * (qemu_coroutine_yield) and be resumed later, so sequential code can wait for
 * I/O without blocking its thread.  Coroutines never run in parallel with
 * each other in one thread; a coroutine runs in the thread that entered it.
 *
 * Lifecycle: create -> enter (runs until it yields or returns) -> [re-enter
 * after each yield] -> returns (freed to a per-thread pool).
 *
 * Misuse aborts with a message naming the caller, as QEMU does: entering a
 * coroutine that is running (re-entry), entering or scheduling one that is
 * already scheduled.
 *
 * Functions marked coroutine_fn may only be called from coroutine context.
 */
#ifndef MINIMU_AIO_COROUTINE_H
#define MINIMU_AIO_COROUTINE_H

#include "platform.h"
#include "util/list.h"

#include <stdbool.h>

#define coroutine_fn /* documentation: call only from a coroutine */

typedef struct AioContext AioContext;
typedef void coroutine_fn CoroutineEntry(void *opaque);

/* A new coroutine that will run entry(opaque) when first entered.  Any thread. */
Coroutine *qemu_coroutine_create(CoroutineEntry *entry, void *opaque);

/*
 * Run @co until it yields or terminates, in the calling thread, with the
 * calling thread's current AioContext as its context.  Nesting is allowed (a
 * coroutine may enter another); a coroutine that enters others is resumed
 * when they yield.
 */
void qemu_coroutine_enter_at(Coroutine *co, const char *caller);
#define qemu_coroutine_enter(co) qemu_coroutine_enter_at((co), __func__)
/* Same, with @ctx recorded as the coroutine's context. */
void qemu_aio_coroutine_enter_at(AioContext *ctx, Coroutine *co, const char *caller);
#define qemu_aio_coroutine_enter(ctx, co) qemu_aio_coroutine_enter_at((ctx), (co), __func__)
/* Enter @co only if it has not been entered yet (or has yielded). */
void qemu_coroutine_enter_if_inactive(Coroutine *co);

/* Stop the running coroutine and return to whoever entered it. */
void coroutine_fn qemu_coroutine_yield(void);

/* True if @co has been entered and has neither yielded nor terminated. */
bool qemu_coroutine_entered(Coroutine *co);
/* The AioContext @co last ran in. */
AioContext *qemu_coroutine_get_aio_context(Coroutine *co);

/* Free the calling thread's pool of idle coroutines (stacks included).  Every
 * thread that created coroutines calls this before it exits. */
void qemu_coroutine_pool_drain(void);

/* ---- CoQueue: a FIFO of waiting coroutines ------------------------------------ */

typedef struct CoQueue {
    QSIMPLEQ_HEAD(, Coroutine) entries;
} CoQueue;

typedef struct CoMutex CoMutex;

void qemu_co_queue_init(CoQueue *queue);
/*
 * Add the running coroutine to @queue and yield; if @lock is given it is
 * released while waiting and re-taken before returning.
 */
void coroutine_fn qemu_co_queue_wait(CoQueue *queue, CoMutex *lock);
/* Wake the first waiter (scheduled via aio_co_wake); true if there was one. */
bool qemu_co_queue_next(CoQueue *queue);
/* Wake every waiter. */
void qemu_co_queue_restart_all(CoQueue *queue);
bool qemu_co_queue_empty(CoQueue *queue);

/* ---- CoMutex: a mutex between coroutines, also across threads --------------- */

/*
 * Waiters yield instead of blocking their thread; a waiter from another thread
 * is woken in its own AioContext.  Fair (FIFO hand-off) under contention.
 */
struct CoMutex {
    unsigned locked; /* holders + waiters, atomic */
    AioContext *ctx; /* context of the holder */
    Coroutine *holder;
    QemuMutex wait_lock; /* protects the wait queue */
    QSIMPLEQ_HEAD(, CoWaitRecord) waiters;
};

void qemu_co_mutex_init(CoMutex *mutex);
void qemu_co_mutex_destroy(CoMutex *mutex);
void coroutine_fn qemu_co_mutex_lock(CoMutex *mutex);
void coroutine_fn qemu_co_mutex_unlock(CoMutex *mutex);

/* ---- CoRwlock: many readers or one writer ------------------------------------- */

typedef struct CoRwlock {
    CoMutex mutex;
    int owners; /* > 0: readers, -1: a writer */
    QSIMPLEQ_HEAD(, CoRwTicket) tickets;
} CoRwlock;

void qemu_co_rwlock_init(CoRwlock *lock);
void qemu_co_rwlock_destroy(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_rdlock(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_wrlock(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_unlock(CoRwlock *lock);

#endif
