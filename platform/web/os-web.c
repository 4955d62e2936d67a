/*
 * os-web.c - threads for the web platform, part of src/platform.h (clocks:
 * platform/native/clock-posix.c; locks: platform/native/thread-posix.c).
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

#include <emscripten/em_asm.h>
#include <emscripten/threading.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
 * After the first fiber switch in a thread (coroutine-fiber.c), all the rest
 * of the thread runs inside Emscripten's fiber trampoline (Fibers.trampoline
 * in library_async.js), a JavaScript loop that sets Fibers.trampolineRunning
 * while it runs fibers and clears it only when the loop ends normally.  The
 * thread ends with pthread_exit (below), which leaves through a JavaScript
 * exception ("unwind") thrown across that loop, so the flag would stay set
 * in the worker.  Workers are recycled for later threads, and a trampoline
 * that believes it is already running ignores the next thread's first switch:
 * that thread's first coroutine never runs and its loop is lost (a recycled
 * IOThread then looks like a lost wakeup).  Clear it just before leaving:
 * nothing of this thread runs in the trampoline any more.
 */
static void web_thread_leave_fibers(void)
{
    EM_ASM({
        if (typeof Fibers != 'undefined') {
            Fibers.trampolineRunning = false;
            Fibers.nextFiber = 0;
        }
    });
}

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
    void *ret = start.fn(start.arg);
    web_thread_leave_fibers();
    pthread_exit(ret);
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
