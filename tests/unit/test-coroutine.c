/*
 * test-coroutine.c - coroutines across threads, and coroutine misuse.
 *
 * Threaded cases run coroutines in IOThreads and check counts exactly (every
 * lock taken, every hop, every wakeup); they never assert on timing.  Misuse
 * is checked in forked children that must die of SIGABRT with a message
 * naming the offending caller.  The single-threaded cases (ordering, nesting,
 * CoQueue and CoRwlock semantics) are in test-coroutine-basic.c.
 *
 * MINIMU_TEST_CO_BOUNCE_MS sets how long the aio_co_schedule bounce runs
 * (default 2000 ms).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aio/aio.h"
#include "aio/coroutine.h"
#include "aio/iothread.h"
#include "aio/trace.h"
#include "platform.h"
#include "util/atomic.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Every wait for another thread is bounded by this: a lost wakeup fails the
 * test instead of hanging it.  Far above anything a loaded machine needs. */
#define WAIT_NS (60LL * 1000 * 1000 * 1000)

/* ---- helpers for threaded cases -------------------------------------------------------- */

static void wait_sem(QemuSemaphore *sem, int count, const char *what)
{
    for (int i = 0; i < count; i++) {
        if (!qemu_sem_timedwait_ns(sem, WAIT_NS)) {
            fail_msg("%s: only %d of %d finished (lost wakeup?)", what, i, count);
        }
    }
}

static int64_t env_ms(const char *name, int64_t def)
{
    const char *s = getenv(name);
    char *end;
    long long v;

    if (!s || !*s) {
        return def;
    }
    v = strtoll(s, &end, 10);
    return (*end == 0 && v > 0) ? v : def;
}

/* ---- CoMutex contention between threads ------------------------------------------------ */

#define MUTEX_THREADS 3
#define MUTEX_COS     4 /* per thread */
#define MUTEX_ITERS   150

typedef struct MutexShared {
    CoMutex mutex;
    long counter; /* protected by mutex, plain on purpose (TSan checks it) */
    int inside;   /* holders right now, atomic */
    int overlap;  /* times two holders were seen, atomic */
    QemuSemaphore done;
} MutexShared;

static void coroutine_fn mutex_worker_entry(void *opaque)
{
    MutexShared *s = opaque;
    AioContext *ctx = qemu_get_current_aio_context();

    for (int i = 0; i < MUTEX_ITERS; i++) {
        qemu_co_mutex_lock(&s->mutex);
        if (qatomic_fetch_add(&s->inside, 1) != 0) {
            qatomic_inc(&s->overlap);
        }
        long v = s->counter;
        /* Yield inside the critical section: others queue up behind us. */
        aio_co_schedule(ctx, qemu_coroutine_self());
        qemu_coroutine_yield();
        s->counter = v + 1;
        qatomic_dec(&s->inside);
        qemu_co_mutex_unlock(&s->mutex);
    }
    qemu_sem_post(&s->done);
}

static void test_comutex_threads(void **state)
{
    QEMUClocks *clocks = qemu_clocks_new();
    IOThread *io[MUTEX_THREADS];
    static const char *names[MUTEX_THREADS] = {"co-mutex-0", "co-mutex-1", "co-mutex-2"};
    MutexShared s;

    memset(&s, 0, sizeof(s));
    qemu_co_mutex_init(&s.mutex);
    qemu_sem_init(&s.done, 0);
    for (int i = 0; i < MUTEX_THREADS; i++) {
        io[i] = iothread_create(names[i], clocks);
        assert_non_null(io[i]);
    }
    for (int i = 0; i < MUTEX_THREADS; i++) {
        for (int j = 0; j < MUTEX_COS; j++) {
            aio_co_schedule(iothread_get_aio_context(io[i]),
                            qemu_coroutine_create(mutex_worker_entry, &s));
        }
    }
    wait_sem(&s.done, MUTEX_THREADS * MUTEX_COS, "CoMutex workers");
    for (int i = 0; i < MUTEX_THREADS; i++) {
        iothread_destroy(io[i]);
    }

    assert_int_equal(s.counter, MUTEX_THREADS * MUTEX_COS * MUTEX_ITERS);
    assert_int_equal(qatomic_read(&s.overlap), 0);
    qemu_co_mutex_destroy(&s.mutex);
    qemu_sem_destroy(&s.done);
    qemu_clocks_free(clocks);
}

/* ---- CoQueue + CoMutex between threads: producers and consumers ------------------------ */

#define PC_COS   2   /* producers, and as many consumers */
#define PC_ITEMS 300 /* per coroutine */

typedef struct PcShared {
    CoMutex lock;
    CoQueue nonempty;
    int items;    /* under lock */
    int consumed; /* under lock */
    int waits;    /* under lock: how often a consumer had to wait */
    QemuSemaphore consumer_waiting;
    QemuSemaphore done;
} PcShared;

static void coroutine_fn producer_entry(void *opaque)
{
    PcShared *s = opaque;

    for (int i = 0; i < PC_ITEMS; i++) {
        qemu_co_mutex_lock(&s->lock);
        s->items++;
        qemu_co_queue_next(&s->nonempty);
        qemu_co_mutex_unlock(&s->lock);
        /* Let the other producer and the loop run between items. */
        aio_co_schedule(qemu_get_current_aio_context(), qemu_coroutine_self());
        qemu_coroutine_yield();
    }
    qemu_sem_post(&s->done);
}

static void coroutine_fn consumer_entry(void *opaque)
{
    PcShared *s = opaque;

    bool announced = false;

    for (int i = 0; i < PC_ITEMS; i++) {
        qemu_co_mutex_lock(&s->lock);
        while (s->items == 0) {
            s->waits++;
            if (!announced) {
                /* The main thread starts the producers only after this. */
                qemu_sem_post(&s->consumer_waiting);
                announced = true;
            }
            qemu_co_queue_wait(&s->nonempty, &s->lock);
        }
        s->items--;
        s->consumed++;
        qemu_co_mutex_unlock(&s->lock);
    }
    qemu_sem_post(&s->done);
}

static void test_coqueue_threads(void **state)
{
    QEMUClocks *clocks = qemu_clocks_new();
    IOThread *prod = iothread_create("co-producer", clocks);
    IOThread *cons = iothread_create("co-consumer", clocks);
    PcShared s;

    assert_non_null(prod);
    assert_non_null(cons);
    memset(&s, 0, sizeof(s));
    qemu_co_mutex_init(&s.lock);
    qemu_co_queue_init(&s.nonempty);
    qemu_sem_init(&s.done, 0);
    qemu_sem_init(&s.consumer_waiting, 0);

    /* Consumers first: each finds nothing and waits before any production. */
    for (int i = 0; i < PC_COS; i++) {
        aio_co_schedule(iothread_get_aio_context(cons), qemu_coroutine_create(consumer_entry, &s));
    }
    wait_sem(&s.consumer_waiting, PC_COS, "consumers reaching the queue");
    for (int i = 0; i < PC_COS; i++) {
        aio_co_schedule(iothread_get_aio_context(prod), qemu_coroutine_create(producer_entry, &s));
    }
    wait_sem(&s.done, 2 * PC_COS, "producers and consumers");
    iothread_destroy(prod);
    iothread_destroy(cons);

    assert_int_equal(s.consumed, PC_COS * PC_ITEMS);
    assert_int_equal(s.items, 0);
    assert_true(s.waits >= PC_COS); /* every consumer waited at least once */
    assert_true(qemu_co_queue_empty(&s.nonempty));
    qemu_co_mutex_destroy(&s.lock);
    qemu_sem_destroy(&s.consumer_waiting);
    qemu_sem_destroy(&s.done);
    qemu_clocks_free(clocks);
}

/* ---- aio_co_schedule bouncing between four IOThreads --------------------------------------- */

#define BOUNCE_THREADS 4
#define BOUNCE_COS     8

typedef struct BounceShared BounceShared;

typedef struct BounceCo {
    BounceShared *s;
    Coroutine *co;
    uint32_t rng;
    int target;    /* index of the context it must resume in */
    long sent;     /* hops requested */
    long received; /* resumptions seen */
} BounceCo;

struct BounceShared {
    AioContext *ctx[BOUNCE_THREADS];
    BounceCo co[BOUNCE_COS];
    bool stop;                     /* atomic */
    long scheduled;                /* aio_co_schedule calls, atomic */
    long hops_returned;            /* hop BHs whose aio_co_schedule returned, atomic */
    long arrivals[BOUNCE_THREADS]; /* atomic */
    int wrong_ctx;                 /* atomic */
    int bad_seq;                   /* atomic */
    QemuSemaphore done;
};

/* Runs in the context the coroutine just left, after it has yielded: the
 * safe moment to hand it to another thread (QEMU's aio_co_reschedule_self). */
static void bounce_hop_bh(void *opaque)
{
    BounceCo *b = opaque;

    BounceShared *s = b->s;

    qatomic_inc(&s->scheduled);
    aio_co_schedule(s->ctx[b->target], b->co);
    /* @b may be running (or done) in the target thread already: use @s. */
    qatomic_inc(&s->hops_returned);
}

static void coroutine_fn bounce_entry(void *opaque)
{
    BounceCo *b = opaque;
    BounceShared *s = b->s;

    for (;;) {
        AioContext *here = qemu_get_current_aio_context();

        if (here != s->ctx[b->target] || qemu_coroutine_get_aio_context(b->co) != here) {
            qatomic_inc(&s->wrong_ctx);
        }
        b->received++;
        if (b->received != b->sent) {
            qatomic_inc(&s->bad_seq);
        }
        qatomic_inc(&s->arrivals[b->target]);
        if (qatomic_load_acquire(&s->stop)) {
            break;
        }
        b->rng = b->rng * 1103515245u + 12345u;
        b->target = (int)((b->rng >> 16) % BOUNCE_THREADS);
        b->sent++;
        aio_bh_schedule_oneshot(here, bounce_hop_bh, b);
        qemu_coroutine_yield();
    }
    qemu_sem_post(&s->done);
}

static void test_schedule_bounce(void **state)
{
    QEMUClocks *clocks = qemu_clocks_new();
    IOThread *io[BOUNCE_THREADS];
    static const char *names[BOUNCE_THREADS] = {"co-bounce-0", "co-bounce-1", "co-bounce-2",
                                                "co-bounce-3"};
    BounceShared *s = calloc(1, sizeof(*s));
    int64_t ms = env_ms("MINIMU_TEST_CO_BOUNCE_MS", 2000);
    long total_received = 0, total_arrivals = 0;
    QemuSemaphore nap;

    qemu_sem_init(&s->done, 0);
    for (int i = 0; i < BOUNCE_THREADS; i++) {
        io[i] = iothread_create(names[i], clocks);
        assert_non_null(io[i]);
        s->ctx[i] = iothread_get_aio_context(io[i]);
    }
    for (int i = 0; i < BOUNCE_COS; i++) {
        BounceCo *b = &s->co[i];

        b->s = s;
        b->rng = 0x9e3779b9u * (uint32_t)(i + 1);
        b->target = i % BOUNCE_THREADS;
        b->sent = 1;
        b->co = qemu_coroutine_create(bounce_entry, b);
        qatomic_inc(&s->scheduled);
        aio_co_schedule(s->ctx[b->target], b->co);
    }

    /* The main thread only sleeps; the count, not the time, is checked. */
    qemu_sem_init(&nap, 0);
    qemu_sem_timedwait_ns(&nap, ms * 1000 * 1000);
    qemu_sem_destroy(&nap);
    qatomic_store_release(&s->stop, true);

    wait_sem(&s->done, BOUNCE_COS, "bouncing coroutines");
    /*
     * The last hop's BH may still be inside aio_co_schedule (notifying the
     * target) after its coroutine finished there: wait for it before any
     * context is freed.
     */
    qemu_sem_init(&nap, 0);
    /* Acquire: the hop's accesses to the target context (aio_notify) happen before our free. */
    for (int64_t waited = 0;
         qatomic_load_acquire(&s->hops_returned) != qatomic_read(&s->scheduled) - BOUNCE_COS;
         waited += 1000000) {
        if (waited > WAIT_NS) {
            fail_msg("a hop BH never returned from aio_co_schedule");
        }
        qemu_sem_timedwait_ns(&nap, 1000000);
    }
    qemu_sem_destroy(&nap);
    for (int i = 0; i < BOUNCE_THREADS; i++) {
        iothread_destroy(io[i]);
    }

    for (int i = 0; i < BOUNCE_COS; i++) {
        /* Each hop requested was received exactly once. */
        assert_int_equal(s->co[i].received, s->co[i].sent);
        /* Not a timing bound: a coroutine that hopped under 10 times in the
         * whole run would mean it was starved or lost. */
        assert_true(s->co[i].received >= 10);
        total_received += s->co[i].received;
    }
    for (int i = 0; i < BOUNCE_THREADS; i++) {
        total_arrivals += s->arrivals[i];
        assert_true(s->arrivals[i] > 0);
    }
    assert_int_equal(total_received, s->scheduled);
    assert_int_equal(total_arrivals, s->scheduled);
    assert_int_equal(s->wrong_ctx, 0);
    assert_int_equal(s->bad_seq, 0);
    print_message("bounce: %ld hops in %lld ms\n", total_received, (long long)ms);

    qemu_sem_destroy(&s->done);
    free(s);
    qemu_clocks_free(clocks);
}

/* ---- aio_co_wake from another thread ----------------------------------------------------- */

#define WAKE_ROUNDS 200

typedef struct WakeData {
    AioContext *ctx;
    uint64_t home_thread;
    int rounds;      /* resumptions, written by the coroutine */
    int wrong_place; /* atomic */
    QemuSemaphore parked;
    QemuSemaphore done;
} WakeData;

static void coroutine_fn wake_entry(void *opaque)
{
    WakeData *d = opaque;

    d->home_thread = platform_thread_id();
    for (int i = 0; i < WAKE_ROUNDS; i++) {
        /* Posting before yielding is fine: the waker schedules us into our
         * own context, whose thread is busy running us until we yield. */
        qemu_sem_post(&d->parked);
        qemu_coroutine_yield();
        if (qemu_get_current_aio_context() != d->ctx || platform_thread_id() != d->home_thread) {
            qatomic_inc(&d->wrong_place);
        }
        d->rounds++;
    }
    qemu_sem_post(&d->done);
}

static void test_wake_other_thread(void **state)
{
    QEMUClocks *clocks = qemu_clocks_new();
    IOThread *io = iothread_create("co-wake", clocks);
    WakeData d;
    Coroutine *co;

    assert_non_null(io);
    memset(&d, 0, sizeof(d));
    d.ctx = iothread_get_aio_context(io);
    qemu_sem_init(&d.parked, 0);
    qemu_sem_init(&d.done, 0);

    co = qemu_coroutine_create(wake_entry, &d);
    aio_co_schedule(d.ctx, co);
    for (int i = 0; i < WAKE_ROUNDS; i++) {
        wait_sem(&d.parked, 1, "parked coroutine");
        aio_co_wake(co); /* from the main thread, which has no context */
    }
    wait_sem(&d.done, 1, "woken coroutine");
    iothread_destroy(io);

    assert_int_equal(d.rounds, WAKE_ROUNDS);
    assert_int_equal(d.wrong_place, 0);
    qemu_sem_destroy(&d.parked);
    qemu_sem_destroy(&d.done);
    qemu_clocks_free(clocks);
}

/* ---- death tests ---------------------------------------------------------------------------- */

/*
 * Run @fn in a child whose stderr goes to a pipe; the child must die of
 * SIGABRT and its stderr must contain every string in @needles.  Forking is
 * done before any IOThread of this program exists (these cases run first).
 */
static void expect_abort(void (*fn)(void), const char *const *needles, int n_needles)
{
    int fds[2];
    pid_t pid;
    char buf[4096];
    size_t len = 0;
    ssize_t r;
    int status;

    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGABRT, SIG_DFL);
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        close(fds[1]);
        fn();
        _exit(0); /* the misuse went unnoticed */
    }
    close(fds[1]);
    while (len < sizeof(buf) - 1 && (r = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0) {
        len += (size_t)r;
    }
    buf[len] = 0;
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);

    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
        fail_msg("child did not abort (status 0x%x), stderr: %s", status, buf);
    }
    for (int i = 0; i < n_needles; i++) {
        if (!strstr(buf, needles[i])) {
            fail_msg("child's stderr lacks '%s': %s", needles[i], buf);
        }
    }
}

static void coroutine_fn reenter_self_entry(void *opaque)
{
    qemu_coroutine_enter(qemu_coroutine_self());
}

static void child_reenter(void)
{
    qemu_coroutine_enter(qemu_coroutine_create(reenter_self_entry, NULL));
}

static void test_death_reenter(void **state)
{
    static const char *const needles[] = {"reenter_self_entry", "re-entered recursively"};

    expect_abort(child_reenter, needles, 2);
}

static void coroutine_fn idle_entry(void *opaque)
{
}

static void first_scheduler(AioContext *ctx, Coroutine *co)
{
    aio_co_schedule(ctx, co);
}

static void second_scheduler(AioContext *ctx, Coroutine *co)
{
    aio_co_schedule(ctx, co);
}

static void child_double_schedule(void)
{
    AioContext *ctx = aio_context_new(qemu_clocks_new());
    Coroutine *co = qemu_coroutine_create(idle_entry, NULL);

    first_scheduler(ctx, co);
    second_scheduler(ctx, co);
}

static void test_death_double_schedule(void **state)
{
    static const char *const needles[] = {"aio_co_schedule", "'second_scheduler'",
                                          "'first_scheduler'"};

    expect_abort(child_double_schedule, needles, 3);
}

static void enter_while_scheduled(Coroutine *co)
{
    qemu_coroutine_enter(co);
}

static void child_enter_scheduled(void)
{
    AioContext *ctx = aio_context_new(qemu_clocks_new());
    Coroutine *co = qemu_coroutine_create(idle_entry, NULL);

    first_scheduler(ctx, co);
    enter_while_scheduled(co);
}

static void test_death_enter_scheduled(void **state)
{
    static const char *const needles[] = {"'enter_while_scheduled'", "'first_scheduler'"};

    expect_abort(child_enter_scheduled, needles, 2);
}

/* ---------------------------------------------------------------------------------------------- */

static int group_teardown(void **state)
{
    qemu_coroutine_pool_drain();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* Forking cases first, while this process has one thread. */
        cmocka_unit_test(test_death_reenter),         cmocka_unit_test(test_death_double_schedule),
        cmocka_unit_test(test_death_enter_scheduled), cmocka_unit_test(test_comutex_threads),
        cmocka_unit_test(test_coqueue_threads),       cmocka_unit_test(test_schedule_bounce),
        cmocka_unit_test(test_wake_other_thread),
    };

    return cmocka_run_group_tests(tests, NULL, group_teardown);
}
