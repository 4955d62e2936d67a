/*
 * os-posix.c - clocks, threads, locks and event notifiers for the native
 * platform (Linux): the first half of src/platform.h.
 */
#define _GNU_SOURCE
#include "platform.h"
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

/*
 * pthread calls on a properly initialised object only fail on misuse (for
 * example unlocking a mutex the caller does not hold), which is a programming
 * error: report it by name and abort, as QEMU's qemu-thread-posix.c does.
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

void qemu_cond_init(QemuCond *c)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    /* Timed waits measure monotonic time, immune to wall-clock jumps. */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    check(pthread_cond_init(&c->c, &attr), __func__);
    pthread_condattr_destroy(&attr);
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

/* A counting semaphore from a mutex and a condition: portable to every pthreads. */
void qemu_sem_init(QemuSemaphore *s, unsigned count)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    check(pthread_mutex_init(&s->m, NULL), __func__);
    check(pthread_cond_init(&s->c, &attr), __func__);
    pthread_condattr_destroy(&attr);
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

int qemu_thread_create(QemuThread *t, const char *name, void *(*fn)(void *), void *arg)
{
    int err = pthread_create(&t->t, NULL, fn, arg);
    if (err) {
        return -err;
    }
    if (name) {
        /* Linux limits thread names to 15 characters; the name is advisory. */
        char buf[16];
        snprintf(buf, sizeof(buf), "%s", name);
        pthread_setname_np(t->t, buf);
    }
    return 0;
}

void *qemu_thread_join(QemuThread *t)
{
    void *ret = NULL;
    check(pthread_join(t->t, &ret), __func__);
    return ret;
}

uint64_t platform_thread_id(void)
{
    return (uint64_t)syscall(SYS_gettid);
}

/* ---- event notifiers: one eventfd, readable while its counter is non-zero ---- */

int event_notifier_init(EventNotifier *e, bool active)
{
    int fd = eventfd(active ? 1 : 0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    e->rfd = e->wfd = fd;
    e->initialized = true;
    return 0;
}

void event_notifier_cleanup(EventNotifier *e)
{
    if (e->initialized) {
        close(e->rfd);
        e->rfd = e->wfd = -1;
        e->initialized = false;
    }
}

int event_notifier_set(EventNotifier *e)
{
    static const uint64_t one = 1;
    ssize_t n;
    do {
        n = write(e->wfd, &one, sizeof(one));
    } while (n < 0 && errno == EINTR);
    /* EAGAIN: the counter is saturated, so the fd is readable anyway. */
    if (n < 0 && errno != EAGAIN) {
        return -errno;
    }
    return 0;
}

bool event_notifier_test_and_clear(EventNotifier *e)
{
    uint64_t value;
    ssize_t n;
    do {
        n = read(e->rfd, &value, sizeof(value));
    } while (n < 0 && errno == EINTR);
    return n == sizeof(value) && value > 0;
}

int event_notifier_get_fd(const EventNotifier *e)
{
    return e->rfd;
}
