/*
 * aio.h - AioContext: minimu's event loop (QEMU's include/block/aio.h).
 *
 * An AioContext gathers the event sources of one thread: bottom halves (BHs),
 * file-descriptor handlers, event notifiers, timers on three clocks, and
 * coroutines scheduled to run in it.  Exactly one thread runs a context at a
 * time ("its home thread"): the main loop thread for the main and iohandler
 * contexts, an IOThread for its own.  aio_poll() runs one iteration.
 *
 * Thread rules, in short (each function says more):
 *   - any thread may schedule a BH, call aio_notify(), arm or disarm a timer,
 *     and aio_co_schedule() a coroutine into a context;
 *   - fd handlers are added, changed and removed from the home thread, or from
 *     another thread while the home thread is not inside aio_poll() for this
 *     context (for example before an IOThread starts);
 *   - aio_poll() only from the home thread.
 */
#ifndef MINIMU_AIO_AIO_H
#define MINIMU_AIO_AIO_H

#include "aio/timer.h"
#include "platform.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct AioContext AioContext;
typedef struct QEMUBH QEMUBH;
typedef struct Tracer Tracer;
typedef void QEMUBHFunc(void *opaque);
typedef void IOHandler(void *opaque);
/* A cheap check for work, run while busy-polling; true if there is work. */
typedef bool AioPollFn(void *opaque);
typedef void EventNotifierHandler(EventNotifier *e);

/* ---- contexts --------------------------------------------------------------- */

/*
 * Create a context whose timers use @clocks (shared by every context of one
 * machine).  Returns NULL with a one-line error report if the host refuses an
 * eventfd or epoll instance.  Any thread; the context has no home thread until
 * one runs aio_poll() on it.
 */
AioContext *aio_context_new(QEMUClocks *clocks);

/*
 * Free @ctx.  Call it from its home thread (or with no thread running it),
 * after every fd handler has been removed, and only once no other thread can
 * still be scheduling a BH or coroutine into it or calling aio_notify() on it
 * (QEMU keeps a reference count for this; minimu leaves it to the owner).  A BH that was never deleted is a
 * programming error: each one is reported on stderr by name (the callback
 * that aio_bh_new() was given), freed, and counted.  Returns the number of
 * such leaked BHs, 0 normally.
 */
int aio_context_destroy(AioContext *ctx);

QEMUClocks *aio_get_clocks(AioContext *ctx);
QEMUTimerListGroup *aio_get_timer_list_group(AioContext *ctx);

/* Record trace points of this context into @tracer (NULL: off).  Home thread. */
void aio_context_set_tracer(AioContext *ctx, Tracer *tracer);
Tracer *aio_context_get_tracer(AioContext *ctx);

/*
 * The context of the calling thread: the one it runs (main loop, IOThread), or
 * the one it was attached to by aio_context_set_current() (vCPU threads use
 * the main context).  NULL in a thread that has none.  Thread-local, no lock.
 */
AioContext *qemu_get_current_aio_context(void);
void aio_context_set_current(AioContext *ctx);

/* True if the calling thread is @ctx's current thread. */
bool aio_context_in_home_thread(AioContext *ctx);

/* ---- waking a context -------------------------------------------------------- */

/*
 * Make the next or current aio_poll() of @ctx return promptly.  Any thread.
 *
 * Protocol (QEMU's notify_me/notified): a blocking aio_poll() raises
 * ctx->notify_me before computing its timeout and lowers it after waiting;
 * aio_notify() sets ctx->notified and writes the eventfd only when notify_me
 * is raised.  If the loop is awake it re-checks its sources before sleeping,
 * so no wakeup is lost and no eventfd write is wasted.
 */
void aio_notify(AioContext *ctx);
/* How many times aio_notify() wrote the eventfd (a statistic for tests). */
uint64_t aio_notify_wakeups(AioContext *ctx);

/* ---- bottom halves ------------------------------------------------------------- */

/*
 * A BH is a callback that runs once in its context's home thread, from the
 * next aio_poll() pass after it was scheduled.  Scheduling it N times before
 * it runs gives one call.  A BH scheduled while a pass runs BHs (including by
 * itself) runs in the next pass, never in the same one.
 */
QEMUBH *aio_bh_new_full(AioContext *ctx, QEMUBHFunc *cb, void *opaque, const char *name);
#define aio_bh_new(ctx, cb, opaque) aio_bh_new_full((ctx), (cb), (opaque), #cb)

/* Schedule @bh.  Any thread. */
void qemu_bh_schedule(QEMUBH *bh);
/*
 * Schedule an idle BH: it runs like any other, but does not make aio_poll()
 * skip its wait; it only caps the wait at 10 ms.  Any thread.
 */
void qemu_bh_schedule_idle(QEMUBH *bh);
/* Unschedule @bh if it has not run yet.  Any thread. */
void qemu_bh_cancel(QEMUBH *bh);
/*
 * Delete @bh: it will not run again and is freed by the context's home thread.
 * Safe from inside @bh's own callback and from any thread.
 */
void qemu_bh_delete(QEMUBH *bh);
/* Create, schedule and (after it runs) free a BH in one call.  Any thread. */
void aio_bh_schedule_oneshot_full(AioContext *ctx, QEMUBHFunc *cb, void *opaque, const char *name);
#define aio_bh_schedule_oneshot(ctx, cb, opaque) \
    aio_bh_schedule_oneshot_full((ctx), (cb), (opaque), #cb)

const char *qemu_bh_name(QEMUBH *bh);

/* ---- fd handlers and event notifiers -------------------------------------------- */

/*
 * Watch @fd: io_read runs while it is readable, io_write while writable
 * (level-triggered, like poll()).  io_poll, if given, is a cheap check run
 * while the context busy-polls (see aio_context_set_poll_params); when it
 * returns true, io_poll_ready (or io_read if that is NULL) runs.  All NULL
 * removes the handler.  Calling again for the same fd replaces the handler,
 * also from inside one of its own callbacks: the old callbacks never run
 * after the call returns.
 */
void aio_set_fd_handler(AioContext *ctx, int fd, IOHandler *io_read, IOHandler *io_write,
                        AioPollFn *io_poll, IOHandler *io_poll_ready, void *opaque);

/*
 * Watch an EventNotifier: io_read(e) runs after event_notifier_set(e) until the
 * handler clears it.  NULL io_read removes it.  Same rules as above.
 */
void aio_set_event_notifier(AioContext *ctx, EventNotifier *e, EventNotifierHandler *io_read,
                            AioPollFn *io_poll, EventNotifierHandler *io_poll_ready);

/* ---- running the loop ----------------------------------------------------------- */

/*
 * Run one iteration: if @blocking, wait until an event source is ready (or the
 * earliest timer deadline, at nanosecond precision); then, in QEMU's order,
 * run scheduled BHs, dispatch ready fd handlers, run expired timers.  Returns
 * true if any callback made progress (aio_notify's own wakeup is not
 * progress).  Home thread only; may be nested inside a callback.
 */
bool aio_poll(AioContext *ctx, bool blocking);

/*
 * The same iteration split in three, for an outer loop that does the waiting
 * itself (the libuv main loop, the browser scheduler; QEMU's GSource funcs):
 *   aio_ctx_prepare  raises notify_me and returns the timeout in ns (-1: no
 *                    deadline, 0: work is ready now);
 *   aio_ctx_check    lowers notify_me and collects ready handlers; true if
 *                    anything (BH, fd, timer) is ready;
 *   aio_dispatch     runs BHs, ready handlers and timers; true on progress.
 * Every prepare is followed by exactly one check.  Home thread only.
 */
int64_t aio_ctx_prepare(AioContext *ctx);
bool aio_ctx_check(AioContext *ctx);
bool aio_dispatch(AioContext *ctx);

/*
 * An fd that becomes readable whenever @ctx has something to do once
 * aio_ctx_prepare() has run (natively the epoll fd, which also covers the
 * context's own notifier).  -1 if the fd monitor offers none.
 */
int aio_get_wait_fd(AioContext *ctx);

/*
 * Adaptive polling (QEMU's iothread poll-max-ns/poll-grow/poll-shrink): before
 * blocking, busy-poll the handlers' io_poll functions for up to the current
 * poll time; grow it (x @grow, from 4 us) when an event came soon after a wait
 * began, shrink it (/ @shrink, or to 0 if @shrink is 0) when waits exceed
 * @max_ns.  @max_ns 0 disables polling.  Home thread.
 */
void aio_context_set_poll_params(AioContext *ctx, int64_t max_ns, int64_t grow, int64_t shrink);
/* The current adaptive poll time in ns (for tests and benchmarks). */
int64_t aio_context_poll_ns(AioContext *ctx);

/* ---- timers in a context ------------------------------------------------------------ */

/*
 * A new timer in @ctx on clock @type; its callback runs in @ctx's home thread.
 * Free with timer_free().
 */
QEMUTimer *aio_timer_new(AioContext *ctx, QEMUClockType type, int scale, QEMUTimerCB *cb,
                         void *opaque);
void aio_timer_init(AioContext *ctx, QEMUTimer *ts, QEMUClockType type, int scale, QEMUTimerCB *cb,
                    void *opaque);

/* ---- coroutines in a context (see aio/coroutine.h) -------------------------------------- */

/*
 * Enter @co in @ctx's home thread from the next aio_poll() pass.  Any thread.
 * Scheduling a coroutine that is already scheduled aborts, naming both callers.
 */
void aio_co_schedule_at(AioContext *ctx, Coroutine *co, const char *caller);
#define aio_co_schedule(ctx, co) aio_co_schedule_at((ctx), (co), __func__)

/*
 * Restart @co, which yielded in the context it last ran in: entered at once if
 * the caller is in that context's home thread, else scheduled there.
 */
void aio_co_wake_at(Coroutine *co, const char *caller);
#define aio_co_wake(co) aio_co_wake_at((co), __func__)

/* Enter @co in @ctx: now if the caller runs @ctx, else via aio_co_schedule. */
void aio_co_enter_at(AioContext *ctx, Coroutine *co, const char *caller);
#define aio_co_enter(ctx, co) aio_co_enter_at((ctx), (co), __func__)

#endif
