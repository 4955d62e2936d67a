/*
 * os-web.c - clocks, threads and locks for the web platform (the first part
 * of src/platform.h).
 *
 * Emscripten implements pthreads over Web Workers sharing one
 * SharedArrayBuffer, so the locks are plain pthread objects whose waits become
 * Atomics.wait in a worker.  The machine's main thread is itself a dedicated
 * Worker (see main-loop-web.c), so a blocking lock there is allowed; the page
 * thread never runs this code.  Clocks come from performance.now(), which
 * Emscripten exposes as CLOCK_MONOTONIC with the same origin in every worker.
 */
#include "platform.h"
#include "util/error.h"

#include <emscripten/threading.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- clocks ---------------------------------------------------------------- */

int64_t platform_clock_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t platform_clock_host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- threads ---------------------------------------------------------------------- */

/*
 * A new thread is a Web Worker from Emscripten's prewarmed pool
 * (-sPTHREAD_POOL_SIZE), so creating one does not need the main thread to
 * return to its event loop first.  The name is advisory and unused here.
 */
typedef struct WebThreadStart {
    void *(*fn)(void *);
    void *arg;
} WebThreadStart;

/*
 * Every thread ends with pthread_exit rather than by returning: a thread
 * whose stack was unwound and rewound by a fiber switch (a coroutine ran in
 * it) never completes a plain return to the worker's JavaScript, so its
 * joiner would wait forever.
 */
static void *web_thread_start(void *opaque)
{
    WebThreadStart start = *(WebThreadStart *)opaque;
    free(opaque);
    pthread_exit(start.fn(start.arg));
}

int qemu_thread_create(QemuThread *t, const char *name, void *(*fn)(void *), void *arg)
{
    (void)name;
    WebThreadStart *start = malloc(sizeof(*start));
    if (!start) {
        return -ENOMEM;
    }
    start->fn = fn;
    start->arg = arg;
    int err = pthread_create(&t->t, NULL, web_thread_start, start);
    if (err) {
        free(start);
    }
    return err ? -err : 0;
}

void *qemu_thread_join(QemuThread *t)
{
    void *ret = NULL;
    int err = pthread_join(t->t, &ret);
    if (err) {
        /* Joining a thread that is not joinable is a programming error. */
        qemu_fatal_misuse("qemu_thread_join: %s", strerror(err));
    }
    return ret;
}

uint64_t platform_thread_id(void)
{
    return (uint64_t)(uintptr_t)pthread_self();
}
