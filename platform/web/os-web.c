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

/* ---- locks --------------------------------------------------------------------- */

/* A failing pthread call on a valid object is API misuse: abort loudly, as natively. */
static void check(int err, const char *what)
{
    if (err) {
        qemu_fatal_misuse("%s: %s", what, strerror(err));
    }
}

void qemu_mutex_init(QemuMutex *m)
{
    check(pthread_mutex_init(&m->m, NULL), __func__);
}

void qemu_mutex_destroy(QemuMutex *m)
{
    check(pthread_mutex_destroy(&m->m), __func__);
}

void qemu_mutex_lock(QemuMutex *m)
{
    check(pthread_mutex_lock(&m->m), __func__);
}

void qemu_mutex_unlock(QemuMutex *m)
{
    check(pthread_mutex_unlock(&m->m), __func__);
}

bool qemu_mutex_trylock(QemuMutex *m)
{
    return pthread_mutex_trylock(&m->m) == 0;
}

static void cond_init_monotonic(pthread_cond_t *c)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    check(pthread_cond_init(c, &attr), "qemu_cond_init");
    pthread_condattr_destroy(&attr);
}

void qemu_cond_init(QemuCond *c)
{
    cond_init_monotonic(&c->c);
}

void qemu_cond_destroy(QemuCond *c)
{
    check(pthread_cond_destroy(&c->c), __func__);
}

void qemu_cond_signal(QemuCond *c)
{
    check(pthread_cond_signal(&c->c), __func__);
}

void qemu_cond_broadcast(QemuCond *c)
{
    check(pthread_cond_broadcast(&c->c), __func__);
}

void qemu_cond_wait(QemuCond *c, QemuMutex *m)
{
    check(pthread_cond_wait(&c->c, &m->m), __func__);
}

static struct timespec deadline_after(int64_t timeout_ns)
{
    int64_t t = platform_clock_monotonic_ns() + (timeout_ns > 0 ? timeout_ns : 0);
    struct timespec ts = {.tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL};
    return ts;
}

bool qemu_cond_timedwait_ns(QemuCond *c, QemuMutex *m, int64_t timeout_ns)
{
    struct timespec ts = deadline_after(timeout_ns);
    int err = pthread_cond_timedwait(&c->c, &m->m, &ts);
    if (err == ETIMEDOUT) {
        return false;
    }
    check(err, __func__);
    return true;
}

void qemu_sem_init(QemuSemaphore *s, unsigned count)
{
    check(pthread_mutex_init(&s->m, NULL), __func__);
    cond_init_monotonic(&s->c);
    s->count = count;
}

void qemu_sem_destroy(QemuSemaphore *s)
{
    check(pthread_cond_destroy(&s->c), __func__);
    check(pthread_mutex_destroy(&s->m), __func__);
}

void qemu_sem_post(QemuSemaphore *s)
{
    pthread_mutex_lock(&s->m);
    s->count++;
    pthread_cond_signal(&s->c);
    pthread_mutex_unlock(&s->m);
}

void qemu_sem_wait(QemuSemaphore *s)
{
    pthread_mutex_lock(&s->m);
    while (s->count == 0) {
        pthread_cond_wait(&s->c, &s->m);
    }
    s->count--;
    pthread_mutex_unlock(&s->m);
}

bool qemu_sem_timedwait_ns(QemuSemaphore *s, int64_t timeout_ns)
{
    struct timespec ts = deadline_after(timeout_ns);
    bool ok = true;
    pthread_mutex_lock(&s->m);
    while (s->count == 0) {
        if (pthread_cond_timedwait(&s->c, &s->m, &ts) == ETIMEDOUT) {
            ok = s->count > 0;
            break;
        }
    }
    if (ok) {
        s->count--;
    }
    pthread_mutex_unlock(&s->m);
    return ok;
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
    check(pthread_join(t->t, &ret), __func__);
    return ret;
}

uint64_t platform_thread_id(void)
{
    return (uint64_t)(uintptr_t)pthread_self();
}
