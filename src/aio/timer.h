/*
 * timer.h - clocks and nanosecond timers (QEMU's include/qemu/timer.h).
 *
 * Three clocks, as in QEMU:
 *   QEMU_CLOCK_REALTIME  monotonic host time; always runs.
 *   QEMU_CLOCK_VIRTUAL   guest time; runs only while the machine runs.  It can
 *                        be stopped (value frozen, its timers do not fire)
 *                        and resumed (continues from the frozen value).
 *   QEMU_CLOCK_HOST      wall-clock time since the epoch (may jump).
 *
 * The clocks of one emulated machine live in a QEMUClocks object that every
 * AioContext of that machine shares; there is no process-wide clock state,
 * so several machines can share a process (the web page runs several).
 *
 * Each AioContext owns a QEMUTimerListGroup: one timer list per clock.  A
 * timer belongs to one list and its callback runs in that context's thread,
 * from aio_poll().  A timer never fires before its expiry time on its clock.
 */
#ifndef MINIMU_AIO_TIMER_H
#define MINIMU_AIO_TIMER_H

#include "platform.h"
#include "util/list.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum QEMUClockType {
    QEMU_CLOCK_REALTIME = 0,
    QEMU_CLOCK_VIRTUAL = 1,
    QEMU_CLOCK_HOST = 2,
    QEMU_CLOCK_MAX
} QEMUClockType;

#define SCALE_MS 1000000
#define SCALE_US 1000
#define SCALE_NS 1

typedef struct QEMUClocks QEMUClocks;
typedef struct QEMUTimerList QEMUTimerList;
typedef struct QEMUTimer QEMUTimer;
typedef void QEMUTimerCB(void *opaque);

/* Called (in any thread) when the earliest deadline of @tl may have moved
 * earlier; the owner wakes the thread that waits on the list. */
typedef void QEMUTimerListNotifyCB(void *opaque, QEMUClockType type);

struct QEMUTimer {
    int64_t expire_time; /* ns on the list's clock; -1 when not pending */
    QEMUTimerList *timer_list;
    QEMUTimerCB *cb;
    void *opaque;
    QEMUTimer *next;
    int scale;
};

typedef struct QEMUTimerListGroup {
    QEMUTimerList *tl[QEMU_CLOCK_MAX];
} QEMUTimerListGroup;

/* ---- clocks ------------------------------------------------------------- */

/* A new set of clocks; VIRTUAL starts running at 0.  Any thread. */
QEMUClocks *qemu_clocks_new(void);
/* Free @clocks; every timer list using it must be gone. */
void qemu_clocks_free(QEMUClocks *clocks);

/* Current time of @type in ns.  Any thread, no lock. */
int64_t qemu_clock_get_ns(QEMUClocks *clocks, QEMUClockType type);

/*
 * Stop (enabled = false) or resume a clock.  Only VIRTUAL can be stopped.
 * Resuming notifies every timer list on the clock so waiting loops recompute
 * their deadline.  Any thread.
 */
void qemu_clock_enable(QEMUClocks *clocks, QEMUClockType type, bool enabled);
bool qemu_clock_is_enabled(QEMUClocks *clocks, QEMUClockType type);

/* ---- timer lists (used by AioContext; devices use the timer_* API) ------- */

void timerlistgroup_init(QEMUTimerListGroup *tlg, QEMUClocks *clocks, QEMUTimerListNotifyCB *cb,
                         void *opaque);
void timerlistgroup_deinit(QEMUTimerListGroup *tlg);
/* Run every expired timer; returns true if any callback ran.  Owner thread. */
bool timerlistgroup_run_timers(QEMUTimerListGroup *tlg);
/*
 * Nanoseconds until the earliest deadline over the group's enabled clocks:
 * 0 if a timer has already expired, -1 if none is pending.  Any thread.
 */
int64_t timerlistgroup_deadline_ns(QEMUTimerListGroup *tlg);
QEMUClocks *timerlist_get_clocks(QEMUTimerList *tl);

/* ---- timers --------------------------------------------------------------- */

/*
 * Initialise @ts on @tl.  @scale is SCALE_NS, SCALE_US or SCALE_MS and applies
 * to timer_mod()/timer_expire_time_ns() only.
 */
void timer_init_tl(QEMUTimer *ts, QEMUTimerList *tl, int scale, QEMUTimerCB *cb, void *opaque);

/*
 * Arm @ts to fire once the clock reaches @expire_time ns (absolute).  A pending
 * timer is moved.  If it becomes the earliest deadline the owning context is
 * woken.  Any thread.
 */
void timer_mod_ns(QEMUTimer *ts, int64_t expire_time);
/* Same, in units of the timer's scale. */
void timer_mod(QEMUTimer *ts, int64_t expire_time);
/* Disarm @ts; harmless if it is not pending.  Any thread. */
void timer_del(QEMUTimer *ts);
bool timer_pending(QEMUTimer *ts);
/* Expiry in ns, or -1 when not pending. */
int64_t timer_expire_time_ns(QEMUTimer *ts);
/* Disarm and release a timer from timer_new_* / aio_timer_new. */
void timer_free(QEMUTimer *ts);

#endif
