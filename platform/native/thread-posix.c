/*
 * thread-posix.c - mutexes, condition variables and semaphores over
 * pthreads, for every platform: natively, and on the web, where Emscripten
 * implements pthreads over Web Workers (platform/web/CMakeLists.txt compiles
 * this file too).  Part of src/platform.h.
 */
#define _GNU_SOURCE
#include "platform.h"
#include "util/error.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* ---- locks --------------------------------------------------------------------- */

/*
 * A failing pthread call on a valid object is API misuse (unlocking a mutex
 * the caller does not hold): report it by name and abort, as QEMU's
 * qemu-thread-posix.c does.
 */
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
