/*
 * os-posix.c - threads and event notifiers for the native platform (Linux),
 * part of src/platform.h (clocks: clock-posix.c; locks: thread-posix.c).
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
    int err = pthread_join(t->t, &ret);
    if (err) {
        /* Joining a thread that is not joinable is a programming error. */
        qemu_fatal_misuse("qemu_thread_join: %s", strerror(err));
    }
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
