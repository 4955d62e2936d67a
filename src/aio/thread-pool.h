/*
 * thread-pool.h - run blocking functions in worker threads (QEMU's
 * include/block/thread-pool.h).
 *
 * Each AioContext has at most one pool, created on first use; its workers are
 * started on demand (up to a maximum) and leave after being idle.  The
 * completion callback runs in the submitting context's home thread, from a BH,
 * never in a worker.
 */
#ifndef MINIMU_AIO_THREAD_POOL_H
#define MINIMU_AIO_THREAD_POOL_H

#include "aio/aio.h"
#include "aio/coroutine.h"

typedef struct ThreadPool ThreadPool;
typedef struct ThreadPoolRequest ThreadPoolRequest;

/* Runs in a worker thread; returns 0 or -errno, handed to the completion. */
typedef int ThreadPoolFunc(void *opaque);
/* Runs in the submitting context's home thread with func's return value, or
 * -ECANCELED if the request was cancelled before a worker took it. */
typedef void ThreadPoolCompletionFunc(void *opaque, int ret);

/*
 * Queue func(arg) on the pool of the calling thread's current AioContext.
 * cb(opaque, ret) runs exactly once, later, in that context.  Returns a handle
 * valid until cb has run.  Home thread of the current context.
 */
ThreadPoolRequest *thread_pool_submit_aio(ThreadPoolFunc *func, void *arg,
                                          ThreadPoolCompletionFunc *cb, void *opaque);

/* Queue func(arg) and yield until it returns; returns its value. */
int coroutine_fn thread_pool_submit_co(ThreadPoolFunc *func, void *arg);

/*
 * Cancel @req if no worker has taken it yet: its completion then runs with
 * -ECANCELED (still once, still from a BH).  A running request is not
 * interrupted; it completes normally.  Returns true if it was cancelled.
 * Home thread of the submitting context, before the completion has run.
 */
bool thread_pool_cancel(ThreadPoolRequest *req);

/* The pool of @ctx (created if needed).  Home thread. */
ThreadPool *aio_get_thread_pool(AioContext *ctx);
/* Limit the number of workers (default 64).  Home thread. */
void thread_pool_set_max_threads(ThreadPool *pool, int max_threads);
/*
 * Stop and join every worker and free the pool.  Pending completions must
 * have run.  Called by aio_context_destroy(); home thread.
 */
void thread_pool_free(ThreadPool *pool);

#endif
