/*
 * timer.c - clocks and timer lists (QEMU's util/qemu-timer.c).
 *
 * A timer list is a singly linked list sorted by expiry, guarded by a mutex
 * because any thread may arm or disarm a timer.  Arming is O(n) in the armed
 * timers of that list; a context rarely has more than a handful.  When a
 * timer becomes the list's head, the list's owner is notified (aio_notify) so
 * a sleeping loop recomputes its timeout.
 */
#include "aio/aio-int.h"
#include "util/error.h"

#include <stdlib.h>

typedef struct QEMUClock {
    QEMUClockType type;
    bool enabled; /* atomic */
    /* VIRTUAL only: guest time = monotonic - offset while enabled. */
    int64_t offset;
    int64_t frozen_ns;                      /* the value while disabled */
    QLIST_HEAD(, QEMUTimerList) timerlists; /* under QEMUClocks.lock */
} QEMUClock;

struct QEMUClocks {
    QemuMutex lock; /* enable/disable and the timerlists lists */
    QEMUClock clock[QEMU_CLOCK_MAX];
};

struct QEMUTimerList {
    QEMUClocks *clocks;
    QEMUClock *clock;
    QemuMutex active_timers_lock;
    QEMUTimer *active_timers;
    QLIST_ENTRY(QEMUTimerList) list;
    QEMUTimerListNotifyCB *notify_cb;
    void *notify_opaque;
};

/* ---- clocks ------------------------------------------------------------------ */

QEMUClocks *qemu_clocks_new(void)
{
    QEMUClocks *c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    qemu_mutex_init(&c->lock);
    for (int i = 0; i < QEMU_CLOCK_MAX; i++) {
        c->clock[i].type = i;
        c->clock[i].enabled = true;
        QLIST_INIT(&c->clock[i].timerlists);
    }
    /* Guest time starts at 0 when the clocks are made. */
    c->clock[QEMU_CLOCK_VIRTUAL].offset = platform_clock_monotonic_ns();
    return c;
}

void qemu_clocks_free(QEMUClocks *clocks)
{
    if (!clocks) {
        return;
    }
    for (int i = 0; i < QEMU_CLOCK_MAX; i++) {
        if (!QLIST_EMPTY(&clocks->clock[i].timerlists)) {
            error_report("qemu_clocks_free: clock %d still has timer lists", i);
        }
    }
    qemu_mutex_destroy(&clocks->lock);
    free(clocks);
}

int64_t qemu_clock_get_ns(QEMUClocks *clocks, QEMUClockType type)
{
    QEMUClock *clock = &clocks->clock[type];
    switch (type) {
    case QEMU_CLOCK_VIRTUAL:
        if (!qatomic_load_acquire(&clock->enabled)) {
            return qatomic_read(&clock->frozen_ns);
        }
        return platform_clock_monotonic_ns() - qatomic_read(&clock->offset);
    case QEMU_CLOCK_HOST: return platform_clock_host_ns();
    case QEMU_CLOCK_REALTIME:
    default: return platform_clock_monotonic_ns();
    }
}

void qemu_clock_enable(QEMUClocks *clocks, QEMUClockType type, bool enabled)
{
    QEMUClock *clock = &clocks->clock[type];
    QEMUTimerList *tl;

    if (type != QEMU_CLOCK_VIRTUAL) {
        return; /* host time cannot be stopped */
    }
    qemu_mutex_lock(&clocks->lock);
    if (clock->enabled != enabled) {
        if (enabled) {
            /* Continue from the frozen value: no guest time passed. */
            qatomic_set(&clock->offset, platform_clock_monotonic_ns() - clock->frozen_ns);
            qatomic_store_release(&clock->enabled, true);
            QLIST_FOREACH(tl, &clock->timerlists, list)
            {
                tl->notify_cb(tl->notify_opaque, type);
            }
        } else {
            qatomic_set(&clock->frozen_ns, platform_clock_monotonic_ns() - clock->offset);
            qatomic_store_release(&clock->enabled, false);
        }
    }
    qemu_mutex_unlock(&clocks->lock);
}

bool qemu_clock_is_enabled(QEMUClocks *clocks, QEMUClockType type)
{
    return qatomic_load_acquire(&clocks->clock[type].enabled);
}

/* ---- timer lists ----------------------------------------------------------------- */

static QEMUTimerList *timerlist_new(QEMUClocks *clocks, QEMUClockType type,
                                    QEMUTimerListNotifyCB *cb, void *opaque)
{
    QEMUTimerList *tl = calloc(1, sizeof(*tl));
    if (!tl) {
        return NULL;
    }
    tl->clocks = clocks;
    tl->clock = &clocks->clock[type];
    tl->notify_cb = cb;
    tl->notify_opaque = opaque;
    qemu_mutex_init(&tl->active_timers_lock);
    qemu_mutex_lock(&clocks->lock);
    QLIST_INSERT_HEAD(&tl->clock->timerlists, tl, list);
    qemu_mutex_unlock(&clocks->lock);
    return tl;
}

static void timerlist_free(QEMUTimerList *tl)
{
    if (tl->active_timers) {
        error_report("timer list freed with a pending timer (callback %p)",
                     (void *)tl->active_timers->cb);
    }
    qemu_mutex_lock(&tl->clocks->lock);
    QLIST_REMOVE(tl, list);
    qemu_mutex_unlock(&tl->clocks->lock);
    qemu_mutex_destroy(&tl->active_timers_lock);
    free(tl);
}

void timerlistgroup_init(QEMUTimerListGroup *tlg, QEMUClocks *clocks, QEMUTimerListNotifyCB *cb,
                         void *opaque)
{
    for (int i = 0; i < QEMU_CLOCK_MAX; i++) {
        tlg->tl[i] = timerlist_new(clocks, i, cb, opaque);
    }
}

void timerlistgroup_deinit(QEMUTimerListGroup *tlg)
{
    for (int i = 0; i < QEMU_CLOCK_MAX; i++) {
        if (tlg->tl[i]) {
            timerlist_free(tlg->tl[i]);
            tlg->tl[i] = NULL;
        }
    }
}

QEMUClocks *timerlist_get_clocks(QEMUTimerList *tl)
{
    return tl->clocks;
}

/* ns until @tl's first deadline: -1 none, 0 expired. */
static int64_t timerlist_deadline_ns(QEMUTimerList *tl)
{
    if (!qemu_clock_is_enabled(tl->clocks, tl->clock->type)) {
        return -1;
    }
    qemu_mutex_lock(&tl->active_timers_lock);
    QEMUTimer *head = tl->active_timers;
    int64_t expire = head ? head->expire_time : -1;
    qemu_mutex_unlock(&tl->active_timers_lock);
    if (expire < 0) {
        return -1;
    }
    int64_t delta = expire - qemu_clock_get_ns(tl->clocks, tl->clock->type);
    return delta > 0 ? delta : 0;
}

int64_t timerlistgroup_deadline_ns(QEMUTimerListGroup *tlg)
{
    int64_t deadline = -1;
    for (int i = 0; i < QEMU_CLOCK_MAX; i++) {
        int64_t d = timerlist_deadline_ns(tlg->tl[i]);
        if (d >= 0 && (deadline < 0 || d < deadline)) {
            deadline = d;
        }
    }
    return deadline;
}

static bool timerlist_run_timers(QEMUTimerList *tl)
{
    bool progress = false;

    if (!qemu_clock_is_enabled(tl->clocks, tl->clock->type)) {
        return false;
    }
    int64_t now = qemu_clock_get_ns(tl->clocks, tl->clock->type);
    for (;;) {
        qemu_mutex_lock(&tl->active_timers_lock);
        QEMUTimer *ts = tl->active_timers;
        /* Never early: only timers whose expiry has been reached. */
        if (!ts || ts->expire_time > now) {
            qemu_mutex_unlock(&tl->active_timers_lock);
            break;
        }
        tl->active_timers = ts->next;
        ts->next = NULL;
        ts->expire_time = -1;
        QEMUTimerCB *cb = ts->cb;
        void *opaque = ts->opaque;
        qemu_mutex_unlock(&tl->active_timers_lock);

        /* The callback may re-arm or free the timer: it is off the list. */
        AioContext *ctx = tl->notify_opaque;
        trace_point(ctx ? qatomic_read(&ctx->tracer) : NULL, TRACE_TIMER_FIRE, "timer", ts, now);
        cb(opaque);
        progress = true;
    }
    return progress;
}

bool timerlistgroup_run_timers(QEMUTimerListGroup *tlg)
{
    bool progress = false;
    for (int i = 0; i < QEMU_CLOCK_MAX; i++) {
        progress |= timerlist_run_timers(tlg->tl[i]);
    }
    return progress;
}

/* ---- timers ------------------------------------------------------------------------ */

void timer_init_tl(QEMUTimer *ts, QEMUTimerList *tl, int scale, QEMUTimerCB *cb, void *opaque)
{
    ts->timer_list = tl;
    ts->cb = cb;
    ts->opaque = opaque;
    ts->scale = scale;
    ts->expire_time = -1;
    ts->next = NULL;
}

/* Unlink @ts from its list; returns true if it was pending.  Lock held. */
static bool timer_del_locked(QEMUTimerList *tl, QEMUTimer *ts)
{
    QEMUTimer **pt = &tl->active_timers;
    ts->expire_time = -1;
    for (; *pt; pt = &(*pt)->next) {
        if (*pt == ts) {
            *pt = ts->next;
            ts->next = NULL;
            return true;
        }
    }
    return false;
}

void timer_mod_ns(QEMUTimer *ts, int64_t expire_time)
{
    QEMUTimerList *tl = ts->timer_list;
    QEMUTimer **pt;

    if (expire_time < 0) {
        expire_time = 0;
    }
    qemu_mutex_lock(&tl->active_timers_lock);
    timer_del_locked(tl, ts);
    for (pt = &tl->active_timers; *pt; pt = &(*pt)->next) {
        if ((*pt)->expire_time > expire_time) {
            break;
        }
    }
    ts->expire_time = expire_time;
    ts->next = *pt;
    *pt = ts;
    bool rearm = pt == &tl->active_timers;
    qemu_mutex_unlock(&tl->active_timers_lock);

    if (rearm) {
        /* The earliest deadline moved: the waiting loop must recompute it. */
        tl->notify_cb(tl->notify_opaque, tl->clock->type);
    }
}

void timer_mod(QEMUTimer *ts, int64_t expire_time)
{
    timer_mod_ns(ts, expire_time * ts->scale);
}

void timer_del(QEMUTimer *ts)
{
    QEMUTimerList *tl = ts->timer_list;
    if (!tl) {
        return;
    }
    qemu_mutex_lock(&tl->active_timers_lock);
    timer_del_locked(tl, ts);
    qemu_mutex_unlock(&tl->active_timers_lock);
}

bool timer_pending(QEMUTimer *ts)
{
    return timer_expire_time_ns(ts) >= 0;
}

int64_t timer_expire_time_ns(QEMUTimer *ts)
{
    QEMUTimerList *tl = ts->timer_list;
    qemu_mutex_lock(&tl->active_timers_lock);
    int64_t t = ts->expire_time;
    qemu_mutex_unlock(&tl->active_timers_lock);
    return t;
}

void timer_free(QEMUTimer *ts)
{
    if (ts) {
        timer_del(ts);
        free(ts);
    }
}

/* ---- timers in an AioContext --------------------------------------------------------- */

void aio_timer_init(AioContext *ctx, QEMUTimer *ts, QEMUClockType type, int scale, QEMUTimerCB *cb,
                    void *opaque)
{
    timer_init_tl(ts, ctx->tlg.tl[type], scale, cb, opaque);
}

QEMUTimer *aio_timer_new(AioContext *ctx, QEMUClockType type, int scale, QEMUTimerCB *cb,
                         void *opaque)
{
    QEMUTimer *ts = calloc(1, sizeof(*ts));
    if (ts) {
        aio_timer_init(ctx, ts, type, scale, cb, opaque);
    }
    return ts;
}
