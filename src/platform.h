/*
 * platform.h - the contract between minimu's portable core (src/) and a
 * platform layer (platform/native/ or platform/web/).
 *
 * Every function declared here is implemented once per platform; CMake picks
 * the implementation at build time (the way libuv picks src/unix/linux.c, or
 * QEMU picks util/coroutine-ucontext.c).  The core never tests which platform
 * it runs on.  Both platforms are POSIX-threaded (Emscripten implements
 * pthreads over Web Workers), so the thread types below are pthread's.
 *
 * Groups:
 *   clocks            platform_clock_*_ns
 *   threads and locks QemuThread, QemuMutex, QemuCond, QemuSemaphore
 *   event notifiers   EventNotifier (eventfd natively)
 *   fd monitoring     platform_fdmon_setup (epoll natively, poll() fallback)
 *   coroutines        qemu_coroutine_new/delete/switch/self (ucontext natively,
 *                     Emscripten fibers on the web)
 *   host identity     platform_thread_id
 */
#ifndef MINIMU_PLATFORM_H
#define MINIMU_PLATFORM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- clocks ------------------------------------------------------------ */

/* Monotonic time in ns from an arbitrary origin.  Any thread. */
int64_t platform_clock_monotonic_ns(void);

/* Wall-clock time in ns since the Unix epoch.  Any thread. */
int64_t platform_clock_host_ns(void);

/* ---- threads and locks ---------------------------------------------------- */

typedef struct QemuMutex {
    pthread_mutex_t m;
} QemuMutex;

typedef struct QemuCond {
    pthread_cond_t c;
} QemuCond;

typedef struct QemuSemaphore {
    pthread_mutex_t m;
    pthread_cond_t c;
    unsigned count;
} QemuSemaphore;

typedef struct QemuThread {
    pthread_t t;
} QemuThread;

void qemu_mutex_init(QemuMutex *m);
void qemu_mutex_destroy(QemuMutex *m);
void qemu_mutex_lock(QemuMutex *m);
void qemu_mutex_unlock(QemuMutex *m);
bool qemu_mutex_trylock(QemuMutex *m); /* true if the lock was taken */

void qemu_cond_init(QemuCond *c);
void qemu_cond_destroy(QemuCond *c);
void qemu_cond_signal(QemuCond *c);
void qemu_cond_broadcast(QemuCond *c);
void qemu_cond_wait(QemuCond *c, QemuMutex *m);
/* Waits at most @timeout_ns; returns false on timeout. */
bool qemu_cond_timedwait_ns(QemuCond *c, QemuMutex *m, int64_t timeout_ns);

void qemu_sem_init(QemuSemaphore *s, unsigned count);
void qemu_sem_destroy(QemuSemaphore *s);
void qemu_sem_post(QemuSemaphore *s);
void qemu_sem_wait(QemuSemaphore *s);
/* Waits at most @timeout_ns; returns false on timeout. */
bool qemu_sem_timedwait_ns(QemuSemaphore *s, int64_t timeout_ns);

/*
 * Start a joinable thread running fn(arg), named @name (shown by the host's
 * tools where the platform supports it).  Returns 0 or a negative errno.
 */
int qemu_thread_create(QemuThread *t, const char *name, void *(*fn)(void *), void *arg);
void *qemu_thread_join(QemuThread *t);

/* A small integer naming the calling host thread, for traces.  Any thread. */
uint64_t platform_thread_id(void);

/* ---- event notifiers ------------------------------------------------------- */

/*
 * An EventNotifier is a level-triggered, pollable flag: set() makes its fd
 * readable until test_and_clear().  Natively an eventfd (rfd == wfd).
 * set() may be called from any thread, test_and_clear() from the thread that
 * monitors the fd.
 */
typedef struct EventNotifier {
    int rfd;
    int wfd;
    bool initialized;
} EventNotifier;

int event_notifier_init(EventNotifier *e, bool active); /* 0 or -errno */
void event_notifier_cleanup(EventNotifier *e);
int event_notifier_set(EventNotifier *e);             /* 0 or -errno */
bool event_notifier_test_and_clear(EventNotifier *e); /* true if it was set */
int event_notifier_get_fd(const EventNotifier *e);

/* ---- fd monitoring ----------------------------------------------------------- */

struct AioContext;

/*
 * Install the platform's default fd monitor (FDMonOps, see aio/aio-int.h) on
 * a new AioContext: epoll natively, or poll() when the environment variable
 * MINIMU_FDMON=poll asks for it.  Returns 0 or -errno.  Called once by
 * aio_context_new() in the creating thread.
 */
int platform_fdmon_setup(struct AioContext *ctx);

/* ---- coroutines ------------------------------------------------------------ */

/*
 * The switch layer under src/aio/coroutine.c (QEMU's coroutine_int.h).  A
 * backend allocates a struct that begins with a Coroutine and runs
 * co->entry(co->entry_arg) on its own stack, switching back to co->caller with
 * COROUTINE_TERMINATE when the entry returns; the core recycles coroutines
 * through its pool, so a backend's trampoline loops forever.
 */
typedef struct Coroutine Coroutine;

typedef enum CoroutineAction {
    COROUTINE_YIELD = 1,
    COROUTINE_TERMINATE = 2,
    COROUTINE_ENTER = 3,
} CoroutineAction;

/* A new coroutine with a stack (guard page below it natively); NULL on OOM. */
Coroutine *qemu_coroutine_new(void);
void qemu_coroutine_delete(Coroutine *co);
/* Switch from @from (the running coroutine) to @to; returns the action the
 * switch back to @from carried. */
CoroutineAction qemu_coroutine_switch(Coroutine *from, Coroutine *to, CoroutineAction action);
/* The running coroutine; outside any coroutine, the thread's leader. */
Coroutine *qemu_coroutine_self(void);
/* True inside a coroutine other than the thread's leader. */
bool qemu_in_coroutine(void);

/* ---- guest RAM (owned by the memory layer, src/mem/) ------------------------------------ */

#include <stddef.h>

/*
 * Zeroed host memory for guest RAM/ROM of @size bytes, page aligned and
 * committed lazily where the host allows it (natively an anonymous private
 * mmap with MAP_NORESERVE, so a large -m costs nothing until touched).
 * NULL on failure.  Any thread.
 */
void *platform_ram_alloc(size_t size);
/* Release memory from platform_ram_alloc(); @size must be the same.  NULL is ignored. */
void platform_ram_free(void *p, size_t size);

#endif
