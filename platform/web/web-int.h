/*
 * web-int.h - what the files of platform/web/ share: the process-wide wake
 * word every waiter sleeps on, and the JavaScript hooks the worker script
 * (web/machine-worker.js) provides.
 */
#ifndef MINIMU_PLATFORM_WEB_INT_H
#define MINIMU_PLATFORM_WEB_INT_H

#include "platform.h"

#include <stdint.h>

/*
 * The wake word.  Every event_notifier_set() increments it and, if anyone is
 * waiting, wakes all waiters with Atomics.notify.  A waiter reads it BEFORE
 * looking at its event sources and sleeps only while it is unchanged, so a
 * set that lands between the look and the sleep is never lost.  Threads sleep
 * with emscripten_futex_wait (Atomics.wait); the main loop, which must not
 * block its worker's event loop, with Atomics.waitAsync on the same word.
 */
typedef struct WebWake {
    int32_t seq;
    int32_t waiters; /* threads or main loops inside a wait on seq */
} WebWake;

extern WebWake web_wake;

/* Bump the wake word and wake every waiter.  Any thread. */
void web_wake_all(void);

/* Address of the flag behind a notifier fd (1 while set), for JavaScript writers. */
int32_t *web_notifier_flag(int fd);

#endif
