/*
 * aio-int.h - the inside of an AioContext, shared by the files of src/aio/ and the fd
 * monitors of the platform layer.  Devices and machines use aio.h only.
 */
#ifndef MINIMU_AIO_AIO_INT_H
#define MINIMU_AIO_AIO_INT_H

#include "aio/aio.h"
#include "aio/coroutine-int.h"
#include "aio/trace.h"
#include "util/list.h"

typedef struct AioHandler AioHandler;
typedef QLIST_HEAD(AioHandlerList, AioHandler) AioHandlerList;

/* One watched fd.  Immutable after insertion except for the fields marked. */
struct AioHandler {
    int fd;
    short events; /* POLLIN/POLLOUT wanted, from io_read/io_write */
    IOHandler *io_read;
    IOHandler *io_write;
    AioPollFn *io_poll;
    IOHandler *io_poll_ready;
    void *opaque;
    bool is_notifier; /* an EventNotifier handler: callbacks take the notifier */

    /* Home thread only. */
    short revents;                      /* set by the fd monitor's wait */
    bool poll_ready;                    /* io_poll found work while busy-polling */
    bool deleted;                       /* removed while the list was being walked */
    QLIST_ENTRY(AioHandler) node;       /* ctx->aio_handlers */
    QLIST_ENTRY(AioHandler) node_ready; /* the ready list of one aio_poll */
    QLIST_ENTRY(AioHandler) node_deleted;
};

/*
 * An fd monitor (QEMU's FDMonOps): how a context waits for its fds.  The
 * implementations coexist at run time (epoll by default, poll() as a
 * fallback), hence a vtable.  All callbacks run in the home thread with
 * ctx->list_lock held for update, not held for wait.
 */
typedef struct FDMonOps {
    const char *name;
    /* @old_node is being replaced by @new_node (either may be NULL). */
    void (*update)(AioContext *ctx, AioHandler *old_node, AioHandler *new_node);
    /*
     * Wait up to @timeout_ns (-1: forever, 0: don't block), at nanosecond
     * precision; add every ready handler to @ready_list with revents set.
     * Returns the number of ready handlers, or -errno.
     */
    int (*wait)(AioContext *ctx, AioHandlerList *ready_list, int64_t timeout_ns);
    /* An fd readable when wait() would find work, or -1. */
    int (*get_wait_fd)(AioContext *ctx);
    void (*cleanup)(AioContext *ctx);
} FDMonOps;

/* BH flags, updated atomically. */
enum {
    BH_PENDING = 1 << 0,   /* on ctx->bh_list, waiting for the next pass */
    BH_SCHEDULED = 1 << 1, /* run when dequeued */
    BH_DELETED = 1 << 2,   /* free when dequeued */
    BH_ONESHOT = 1 << 3,   /* delete after running */
    BH_IDLE = 1 << 4,      /* does not cut the wait short */
};

typedef QSLIST_HEAD(BHList, QEMUBH) BHList;

/* The BHs taken off ctx->bh_list by one aio_bh_poll() pass. */
typedef struct BHListSlice {
    BHList bh_list;
    QSIMPLEQ_ENTRY(BHListSlice) next;
} BHListSlice;

struct QEMUBH {
    AioContext *ctx;
    const char *name;
    QEMUBHFunc *cb;
    void *opaque;
    unsigned flags;               /* BH_*, atomic */
    QSLIST_ENTRY(QEMUBH) next;    /* ctx->bh_list or a slice */
    QLIST_ENTRY(QEMUBH) all_next; /* ctx->all_bhs, under bh_registry_lock */
};

struct AioContext {
    /* ---- wakeups (aio_notify) ---- */
    EventNotifier notifier;
    /*
     * Bit 0 is unused; the count in steps of 2 says how many waiters will
     * block (aio_poll or the outer loop's prepare) and need an eventfd write.
     */
    unsigned notify_me;
    bool notified; /* aio_notify() ran since the last accept */
    uint64_t notify_wakeups;

    /* ---- bottom halves ---- */
    BHList bh_list;                             /* lock-free, pushed by any thread */
    QSIMPLEQ_HEAD(, BHListSlice) bh_slice_list; /* slices being run (nesting) */
    QemuMutex bh_registry_lock;
    QLIST_HEAD(, QEMUBH) all_bhs; /* every live BH, to report leaks */

    /* ---- fd handlers ---- */
    QemuMutex list_lock; /* protects aio_handlers and walking */
    AioHandlerList aio_handlers;
    AioHandlerList deleted_handlers;
    int walking_handlers;      /* > 0: removals are deferred */
    AioHandlerList ready_list; /* between aio_ctx_check and dispatch */
    bool ready_walk_open;      /* aio_ctx_check left a walk open */
    const FDMonOps *fdmon_ops;
    void *fdmon_state;
    int poll_disable_cnt; /* handlers without io_poll */
    int nr_poll_handlers; /* handlers with io_poll */

    /* ---- adaptive polling ---- */
    int64_t poll_ns;
    int64_t poll_max_ns;
    int64_t poll_grow;
    int64_t poll_shrink;

    /* ---- timers ---- */
    QEMUClocks *clocks;
    QEMUTimerListGroup tlg;

    /* ---- coroutines (aio_co_schedule) ---- */
    QSLIST_HEAD(, Coroutine) scheduled_coroutines; /* lock-free push */
    QEMUBH *co_schedule_bh;

    /* ---- the rest ---- */
    struct ThreadPool *thread_pool;
    Tracer *tracer;
    int poll_depth; /* aio_poll nesting, home thread */
};

/* Run the BHs scheduled before this call; true if any ran.  Home thread. */
bool aio__bh_poll(AioContext *ctx);
/* True if a non-idle BH is scheduled (sets *idle if only idle ones are). */
bool aio__bh_pending(AioContext *ctx, bool *idle);
/* Clear ctx->notified after a wakeup has been seen. */
void aio__notify_accept(AioContext *ctx);
/* The wait timeout in ns for a blocking poll: 0, -1 or the nearest deadline. */
int64_t aio__compute_timeout(AioContext *ctx);
/* Free BH registry entries; returns how many were still live. */
int aio__bh_destroy_all(AioContext *ctx);

/* Poll-based fd monitor, the fallback (platform/native/fdmon-poll.c). */
int fdmon_poll_setup(AioContext *ctx);
int fdmon_epoll_setup(AioContext *ctx);

#endif
