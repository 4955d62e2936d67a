/*
 * thread-pool-int.h - thread pool knobs for the IOThread and for tests.
 * Devices use thread-pool.h only.
 */
#ifndef MINIMU_AIO_THREAD_POOL_INT_H
#define MINIMU_AIO_THREAD_POOL_INT_H

#include "aio/thread-pool.h"

#include <stdbool.h>
#include <stdint.h>

/* Default time an idle worker waits for work before it exits. */
#define THREAD_POOL_IDLE_TIMEOUT_NS (10 * INT64_C(1000000000))

/*
 * How long an idle worker waits before it exits (default 10 s; tests shorten
 * it).  Applies to waits that begin after the call.  Home thread.
 */
void thread_pool__set_idle_timeout_ns(ThreadPool *pool, int64_t timeout_ns);

/* Workers currently alive (busy or idle).  Any thread; a snapshot. */
int thread_pool__nr_threads(ThreadPool *pool);

/*
 * True while some request's completion has not run yet (queued, running, or
 * done and waiting for the completion BH).  Home thread.
 */
bool thread_pool__pending(ThreadPool *pool);

#endif
