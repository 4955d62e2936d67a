/*
 * thread-pool.c - worker threads for blocking functions (QEMU's
 * util/thread-pool.c design).
 *
 * A request moves QUEUED -> ACTIVE -> DONE, or QUEUED -> DONE when cancelled.
 * The queue of QUEUED requests, the request states and the worker counts are
 * protected by pool->lock.  Workers are started on demand by the submitter,
 * wait on pool->request_cond, and leave after idle_timeout_ns without work.
 *
 * Completions never run in a worker: a worker that finishes a request marks
 * it DONE and schedules the pool's completion BH, which runs in the pool's
 * context and calls every DONE request's callback, oldest first.  The list of
 * all requests (pool->all) is touched by the home thread only.
 *
 * Workers that exit on their own put themselves on pool->exited; the home
 * thread joins them the next time it submits or when the pool is freed, so no
 * thread is ever left unjoined.
 */
#include "aio/thread-pool-int.h"
#include "aio/aio-int.h"
#include "util/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum ThreadPoolState {
    THREAD_POOL_QUEUED,
    THREAD_POOL_ACTIVE,
    THREAD_POOL_DONE,
};

/* A request is on two lists at once: all requests, and the queue. */
enum { REQ_ALL, REQ_QUEUE, REQ_NLISTS };

typedef struct ReqList {
    ThreadPoolRequest *first;
    ThreadPoolRequest *last;
} ReqList;

struct ThreadPoolRequest {
    ThreadPool *pool;
    ThreadPoolFunc *func;
    void *arg;
    ThreadPoolCompletionFunc *cb;
    void *opaque;

    /* Under pool->lock. */
    enum ThreadPoolState state;
    int ret;

    struct {
        ThreadPoolRequest *prev;
        ThreadPoolRequest *next;
    } link[REQ_NLISTS];
};

typedef struct ThreadPoolWorker {
    ThreadPool *pool;
    QemuThread thread;
    QLIST_ENTRY(ThreadPoolWorker) node; /* pool->live or pool->exited, under lock */
} ThreadPoolWorker;

struct ThreadPool {
    AioContext *ctx;
    QEMUBH *completion_bh;
    ReqList all; /* home thread only, in submission order */

    QemuMutex lock;
    QemuCond request_cond;   /* a request was queued, or the workers must stop */
    QemuCond worker_stopped; /* a worker moved itself to pool->exited */

    /* Under lock. */
    ReqList queue;
    int queued;
    int cur_threads;
    int idle_threads;
    int max_threads;
    int64_t idle_timeout_ns;
    bool stopping;
    QLIST_HEAD(, ThreadPoolWorker) live;
    QLIST_HEAD(, ThreadPoolWorker) exited;
};

#define THREAD_POOL_DEFAULT_MAX_THREADS 64

static void req_list_append(ReqList *l, int which, ThreadPoolRequest *req)
{
    req->link[which].next = NULL;
    req->link[which].prev = l->last;
    if (l->last) {
        l->last->link[which].next = req;
    } else {
        l->first = req;
    }
    l->last = req;
}

static void req_list_remove(ReqList *l, int which, ThreadPoolRequest *req)
{
    ThreadPoolRequest *prev = req->link[which].prev;
    ThreadPoolRequest *next = req->link[which].next;

    if (prev) {
        prev->link[which].next = next;
    } else {
        l->first = next;
    }
    if (next) {
        next->link[which].prev = prev;
    } else {
        l->last = prev;
    }
    req->link[which].prev = req->link[which].next = NULL;
}

static void *worker_thread(void *opaque)
{
    ThreadPoolWorker *w = opaque;
    ThreadPool *pool = w->pool;
    int64_t idle_deadline = -1; /* -1: not idle */

    qemu_mutex_lock(&pool->lock);
    /* Lowering max_threads retires workers as they come back for work. */
    while (!pool->stopping && pool->cur_threads <= pool->max_threads) {
        ThreadPoolRequest *req = pool->queue.first;

        if (!req) {
            int64_t now = platform_clock_monotonic_ns();
            if (idle_deadline < 0) {
                idle_deadline = now + pool->idle_timeout_ns;
            } else if (now >= idle_deadline) {
                break;
            }
            pool->idle_threads++;
            qemu_cond_timedwait_ns(&pool->request_cond, &pool->lock, idle_deadline - now);
            pool->idle_threads--;
            continue;
        }

        idle_deadline = -1;
        req_list_remove(&pool->queue, REQ_QUEUE, req);
        pool->queued--;
        req->state = THREAD_POOL_ACTIVE;
        qemu_mutex_unlock(&pool->lock);

        int ret = req->func(req->arg);

        qemu_mutex_lock(&pool->lock);
        req->ret = ret;
        req->state = THREAD_POOL_DONE;
        /* From here on the home thread may free req at any moment. */
        qemu_bh_schedule(pool->completion_bh);
    }

    pool->cur_threads--;
    QLIST_REMOVE(w, node);
    QLIST_INSERT_HEAD(&pool->exited, w, node);
    qemu_cond_broadcast(&pool->worker_stopped);
    qemu_mutex_unlock(&pool->lock);
    return NULL;
}

/* Join the workers that left on their own.  Home thread, lock not held. */
static void thread_pool_reap(ThreadPool *pool)
{
    ThreadPoolWorker *w;

    for (;;) {
        qemu_mutex_lock(&pool->lock);
        w = QLIST_FIRST(&pool->exited);
        if (w) {
            QLIST_REMOVE(w, node);
        }
        qemu_mutex_unlock(&pool->lock);
        if (!w) {
            return;
        }
        qemu_thread_join(&w->thread);
        free(w);
    }
}

/* Start one worker.  Lock held; returns 0 or -errno. */
static int spawn_thread_locked(ThreadPool *pool)
{
    ThreadPoolWorker *w = calloc(1, sizeof(*w));
    if (!w) {
        return -ENOMEM;
    }
    w->pool = pool;
    QLIST_INSERT_HEAD(&pool->live, w, node);
    pool->cur_threads++;
    /* The new worker blocks on pool->lock until we release it. */
    int ret = qemu_thread_create(&w->thread, "worker", worker_thread, w);
    if (ret < 0) {
        QLIST_REMOVE(w, node);
        pool->cur_threads--;
        free(w);
    }
    return ret;
}

/* Start workers while requests outnumber idle workers.  Lock held. */
static void spawn_threads_locked(ThreadPool *pool)
{
    while (pool->queued > pool->idle_threads && pool->cur_threads < pool->max_threads) {
        int ret = spawn_thread_locked(pool);
        if (ret < 0) {
            error_report("thread pool: cannot start a worker thread: %s", strerror(-ret));
            return;
        }
    }
}

static void thread_pool_completion_bh(void *opaque)
{
    ThreadPool *pool = opaque;

    /*
     * A callback may submit, cancel, or poll the context (which can run this
     * BH nested), so after each callback the scan starts again from the
     * oldest request instead of trusting a saved next pointer.
     */
    for (;;) {
        ThreadPoolRequest *req;
        int ret = 0;

        qemu_mutex_lock(&pool->lock);
        for (req = pool->all.first; req; req = req->link[REQ_ALL].next) {
            if (req->state == THREAD_POOL_DONE) {
                ret = req->ret;
                break;
            }
        }
        qemu_mutex_unlock(&pool->lock);
        if (!req) {
            return;
        }

        req_list_remove(&pool->all, REQ_ALL, req);
        /*
         * If the callback waits in a nested aio_poll() for another request
         * that is already DONE, this BH must run there.
         */
        qemu_bh_schedule(pool->completion_bh);
        if (req->cb) {
            req->cb(req->opaque, ret);
        }
        free(req);
    }
}

static ThreadPool *thread_pool_new(AioContext *ctx)
{
    ThreadPool *pool = calloc(1, sizeof(*pool));
    if (!pool) {
        error_report("thread pool: out of memory");
        abort();
    }
    pool->ctx = ctx;
    pool->completion_bh = aio_bh_new(ctx, thread_pool_completion_bh, pool);
    qemu_mutex_init(&pool->lock);
    qemu_cond_init(&pool->request_cond);
    qemu_cond_init(&pool->worker_stopped);
    pool->max_threads = THREAD_POOL_DEFAULT_MAX_THREADS;
    pool->idle_timeout_ns = THREAD_POOL_IDLE_TIMEOUT_NS;
    QLIST_INIT(&pool->live);
    QLIST_INIT(&pool->exited);
    return pool;
}

ThreadPool *aio_get_thread_pool(AioContext *ctx)
{
    if (!ctx->thread_pool) {
        ctx->thread_pool = thread_pool_new(ctx);
    }
    return ctx->thread_pool;
}

ThreadPoolRequest *thread_pool_submit_aio(ThreadPoolFunc *func, void *arg,
                                          ThreadPoolCompletionFunc *cb, void *opaque)
{
    AioContext *ctx = qemu_get_current_aio_context();
    if (!ctx) {
        qemu_fatal_misuse("thread_pool_submit_aio: the calling thread has no AioContext");
    }
    ThreadPool *pool = aio_get_thread_pool(ctx);

    ThreadPoolRequest *req = calloc(1, sizeof(*req));
    if (!req) {
        error_report("thread pool: out of memory");
        abort();
    }
    req->pool = pool;
    req->func = func;
    req->arg = arg;
    req->cb = cb;
    req->opaque = opaque;
    req->state = THREAD_POOL_QUEUED;
    req_list_append(&pool->all, REQ_ALL, req);

    thread_pool_reap(pool);

    qemu_mutex_lock(&pool->lock);
    req_list_append(&pool->queue, REQ_QUEUE, req);
    pool->queued++;
    spawn_threads_locked(pool);
    if (pool->cur_threads == 0) {
        /*
         * Not a single worker could start: run the function here rather
         * than never.  The completion still comes from the BH.
         */
        req_list_remove(&pool->queue, REQ_QUEUE, req);
        pool->queued--;
        req->state = THREAD_POOL_ACTIVE;
        qemu_mutex_unlock(&pool->lock);
        int ret = func(arg);
        qemu_mutex_lock(&pool->lock);
        req->ret = ret;
        req->state = THREAD_POOL_DONE;
        qemu_bh_schedule(pool->completion_bh);
    } else {
        qemu_cond_signal(&pool->request_cond);
    }
    qemu_mutex_unlock(&pool->lock);
    return req;
}

bool thread_pool_cancel(ThreadPoolRequest *req)
{
    ThreadPool *pool = req->pool;
    bool cancelled = false;

    qemu_mutex_lock(&pool->lock);
    if (req->state == THREAD_POOL_QUEUED) {
        req_list_remove(&pool->queue, REQ_QUEUE, req);
        pool->queued--;
        req->ret = -ECANCELED;
        req->state = THREAD_POOL_DONE;
        cancelled = true;
    }
    qemu_mutex_unlock(&pool->lock);
    if (cancelled) {
        qemu_bh_schedule(pool->completion_bh);
    }
    return cancelled;
}

typedef struct ThreadPoolCo {
    Coroutine *co;
    int ret;
} ThreadPoolCo;

static void thread_pool_co_cb(void *opaque, int ret)
{
    ThreadPoolCo *tpc = opaque;

    tpc->ret = ret;
    aio_co_wake(tpc->co);
}

int coroutine_fn thread_pool_submit_co(ThreadPoolFunc *func, void *arg)
{
    if (!qemu_in_coroutine()) {
        qemu_fatal_misuse("thread_pool_submit_co: not called from a coroutine");
    }
    ThreadPoolCo tpc = {.co = qemu_coroutine_self(), .ret = -EINPROGRESS};

    thread_pool_submit_aio(func, arg, thread_pool_co_cb, &tpc);
    qemu_coroutine_yield();
    return tpc.ret;
}

void thread_pool_set_max_threads(ThreadPool *pool, int max_threads)
{
    qemu_mutex_lock(&pool->lock);
    pool->max_threads = max_threads < 1 ? 1 : max_threads;
    /* Surplus idle workers notice the new limit when woken. */
    qemu_cond_broadcast(&pool->request_cond);
    spawn_threads_locked(pool);
    qemu_mutex_unlock(&pool->lock);
    thread_pool_reap(pool);
}

void thread_pool__set_idle_timeout_ns(ThreadPool *pool, int64_t timeout_ns)
{
    qemu_mutex_lock(&pool->lock);
    pool->idle_timeout_ns = timeout_ns < 0 ? 0 : timeout_ns;
    qemu_mutex_unlock(&pool->lock);
}

int thread_pool__nr_threads(ThreadPool *pool)
{
    qemu_mutex_lock(&pool->lock);
    int n = pool->cur_threads;
    qemu_mutex_unlock(&pool->lock);
    return n;
}

bool thread_pool__pending(ThreadPool *pool)
{
    return pool->all.first != NULL;
}

void thread_pool_free(ThreadPool *pool)
{
    ThreadPoolRequest *req;

    if (!pool) {
        return;
    }

    /* Running requests finish; queued ones stay queued. */
    qemu_mutex_lock(&pool->lock);
    pool->stopping = true;
    qemu_cond_broadcast(&pool->request_cond);
    while (!QLIST_EMPTY(&pool->live)) {
        qemu_cond_wait(&pool->worker_stopped, &pool->lock);
    }
    qemu_mutex_unlock(&pool->lock);
    thread_pool_reap(pool);

    while ((req = pool->all.first) != NULL) {
        warn_report("thread pool: freed with a pending request (completion %p never ran)",
                    (void *)req->cb);
        req_list_remove(&pool->all, REQ_ALL, req);
        free(req);
    }

    qemu_bh_delete(pool->completion_bh);
    qemu_cond_destroy(&pool->worker_stopped);
    qemu_cond_destroy(&pool->request_cond);
    qemu_mutex_destroy(&pool->lock);
    free(pool);
}
