/*
 * test-thread-pool.c - the thread pool: completions in the submitting
 * context, exactly once, cancellation, coroutines, IOThreads, idle workers.
 *
 * The test thread runs its own AioContext by hand: wait_until() polls it,
 * blocking, until a flag is set, with a 10 s watchdog timer in the same
 * context so a lost completion fails the test instead of hanging it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aio/aio-int.h"
#include "aio/coroutine.h"
#include "aio/iothread.h"
#include "aio/thread-pool-int.h"
#include "util/atomic.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#define TIMEOUT_NS (10 * INT64_C(1000000000))

/* Jobs that complete together: all_done is set by the last completion. */
typedef struct Group {
    int expected;
    int completed;
    bool all_done;
} Group;

typedef struct Job {
    int value;              /* func returns it */
    uint64_t func_thread;   /* written by the worker */
    int func_runs;          /* atomic */
    QemuSemaphore *started; /* posted when func starts, if set */
    QemuSemaphore *gate;    /* func waits on it, if set */
    Group *group;

    int completions;
    int ret;
    uint64_t cb_thread;
    bool done;
} Job;

#define MAXJOBS 128

/*
 * Whatever a worker may still touch lives here, not on a test's stack: if an
 * assertion fails while a job is blocked, teardown opens the gate and joins
 * the workers before freeing it.
 */
typedef struct Fixture {
    QEMUClocks *clocks;
    AioContext *ctx;
    QemuSemaphore started; /* posted by each gated job as it starts */
    QemuSemaphore gate;    /* gated jobs wait for it */
    Job jobs[MAXJOBS];
    Group group;
    ThreadPoolRequest *b_req; /* test_cancel_from_completion */
    bool b_cancelled;
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->clocks = qemu_clocks_new();
    f->ctx = aio_context_new(f->clocks);
    assert_non_null(f->ctx);
    aio_context_set_current(f->ctx);
    qemu_sem_init(&f->started, 0);
    qemu_sem_init(&f->gate, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    for (int i = 0; i < MAXJOBS; i++) {
        qemu_sem_post(&f->gate);
    }
    int leaked = aio_context_destroy(f->ctx);
    aio_context_set_current(NULL);
    qemu_sem_destroy(&f->started);
    qemu_sem_destroy(&f->gate);
    qemu_clocks_free(f->clocks);
    free(f);
    assert_int_equal(leaked, 0);
    return 0;
}

static void watchdog_cb(void *opaque)
{
    *(bool *)opaque = true;
}

/* Poll @ctx (the caller's) until *flag becomes true; fail after 10 s. */
static void wait_until(AioContext *ctx, const bool *flag)
{
    bool expired = false;
    QEMUTimer *watchdog = aio_timer_new(ctx, QEMU_CLOCK_REALTIME, SCALE_NS, watchdog_cb, &expired);
    timer_mod_ns(watchdog,
                 qemu_clock_get_ns(aio_get_clocks(ctx), QEMU_CLOCK_REALTIME) + TIMEOUT_NS);
    while (!*flag && !expired) {
        aio_poll(ctx, true);
    }
    timer_free(watchdog);
    assert_true(*flag);
}

/* Poll without blocking for a while: nothing more may complete. */
static void poll_idle(AioContext *ctx)
{
    for (int i = 0; i < 10; i++) {
        aio_poll(ctx, false);
    }
}

/* ---- one request ----------------------------------------------------------------------------- */

static int job_func(void *opaque)
{
    Job *job = opaque;
    job->func_thread = platform_thread_id();
    qatomic_inc(&job->func_runs);
    if (job->started) {
        qemu_sem_post(job->started);
    }
    if (job->gate && !qemu_sem_timedwait_ns(job->gate, TIMEOUT_NS)) {
        return -ETIMEDOUT;
    }
    return job->value;
}

static void job_cb(void *opaque, int ret)
{
    Job *job = opaque;
    job->completions++;
    job->ret = ret;
    job->cb_thread = platform_thread_id();
    job->done = true;
    if (job->group && ++job->group->completed == job->group->expected) {
        job->group->all_done = true;
    }
}

static void test_submit_one(void **state)
{
    Fixture *f = *state;
    Job job = {.value = 42};

    thread_pool_submit_aio(job_func, &job, job_cb, &job);
    /* The completion comes from a BH, never from inside submit. */
    assert_false(job.done);
    wait_until(f->ctx, &job.done);
    poll_idle(f->ctx);

    assert_int_equal(job.completions, 1);
    assert_int_equal(job.ret, 42);
    assert_int_equal(qatomic_read(&job.func_runs), 1);
    assert_int_equal(job.cb_thread, platform_thread_id());
    assert_int_not_equal(job.func_thread, platform_thread_id());
}

/* ---- many requests --------------------------------------------------------------------------- */

#define NJOBS 100

static void test_many(void **state)
{
    Fixture *f = *state;

    f->group.expected = NJOBS;
    for (int i = 0; i < NJOBS; i++) {
        f->jobs[i].value = i;
        f->jobs[i].group = &f->group;
        thread_pool_submit_aio(job_func, &f->jobs[i], job_cb, &f->jobs[i]);
    }
    wait_until(f->ctx, &f->group.all_done);
    poll_idle(f->ctx);

    assert_int_equal(f->group.completed, NJOBS);
    for (int i = 0; i < NJOBS; i++) {
        assert_int_equal(f->jobs[i].completions, 1);
        assert_int_equal(qatomic_read(&f->jobs[i].func_runs), 1);
        assert_int_equal(f->jobs[i].ret, i);
        assert_int_equal(f->jobs[i].cb_thread, platform_thread_id());
    }
    assert_true(thread_pool__nr_threads(aio_get_thread_pool(f->ctx)) <= 64);
}

/* ---- cancellation ---------------------------------------------------------------------------- */

/* Submit a job that blocks on f->gate, and wait until a worker runs it. */
static Job *start_blocker(Fixture *f, Job *job, int value, ThreadPoolRequest **req)
{
    *job = (Job){.value = value, .started = &f->started, .gate = &f->gate};
    ThreadPoolRequest *r = thread_pool_submit_aio(job_func, job, job_cb, job);
    if (req) {
        *req = r;
    }
    assert_true(qemu_sem_timedwait_ns(&f->started, TIMEOUT_NS));
    return job;
}

#define NQUEUED 8

static void test_cancel(void **state)
{
    Fixture *f = *state;
    Job *queued = &f->jobs[1];
    ThreadPoolRequest *running, *reqs[NQUEUED];

    thread_pool_set_max_threads(aio_get_thread_pool(f->ctx), 1);
    Job *blocker = start_blocker(f, &f->jobs[0], 7, &running);

    /* The only worker is stuck in the blocker: these stay queued. */
    for (int i = 0; i < NQUEUED; i++) {
        queued[i].value = 100 + i;
        reqs[i] = thread_pool_submit_aio(job_func, &queued[i], job_cb, &queued[i]);
    }
    assert_false(thread_pool_cancel(running));
    /* Cancel the even ones; the odd ones run after the blocker. */
    for (int i = 0; i < NQUEUED; i += 2) {
        assert_true(thread_pool_cancel(reqs[i]));
    }
    /* Cancelled completions arrive while the blocker still blocks. */
    for (int i = 0; i < NQUEUED; i += 2) {
        wait_until(f->ctx, &queued[i].done);
    }
    assert_false(blocker->done);

    qemu_sem_post(&f->gate);
    wait_until(f->ctx, &blocker->done);
    for (int i = 1; i < NQUEUED; i += 2) {
        wait_until(f->ctx, &queued[i].done);
    }
    poll_idle(f->ctx);

    assert_int_equal(blocker->completions, 1);
    assert_int_equal(blocker->ret, 7);
    for (int i = 0; i < NQUEUED; i++) {
        assert_int_equal(queued[i].completions, 1);
        if (i % 2 == 0) {
            assert_int_equal(queued[i].ret, -ECANCELED);
            assert_int_equal(qatomic_read(&queued[i].func_runs), 0);
        } else {
            assert_int_equal(queued[i].ret, 100 + i);
            assert_int_equal(qatomic_read(&queued[i].func_runs), 1);
        }
        assert_int_equal(queued[i].cb_thread, platform_thread_id());
    }
}

/* A's completion cancels B (queued) and submits C. */
static void reentrant_a_cb(void *opaque, int ret)
{
    Fixture *f = opaque;
    job_cb(&f->jobs[1], ret);
    f->b_cancelled = thread_pool_cancel(f->b_req);
    thread_pool_submit_aio(job_func, &f->jobs[3], job_cb, &f->jobs[3]);
}

static void test_cancel_from_completion(void **state)
{
    Fixture *f = *state;
    Job *a = &f->jobs[1], *b = &f->jobs[2], *c = &f->jobs[3];

    thread_pool_set_max_threads(aio_get_thread_pool(f->ctx), 1);
    Job *blocker = start_blocker(f, &f->jobs[0], 1, NULL);
    a->value = 2;
    b->value = 3;
    c->value = 4;
    ThreadPoolRequest *a_req = thread_pool_submit_aio(job_func, a, reentrant_a_cb, f);
    f->b_req = thread_pool_submit_aio(job_func, b, job_cb, b);

    assert_true(thread_pool_cancel(a_req));
    /* b is still queued behind the blocker when a's completion cancels it. */
    wait_until(f->ctx, &b->done);
    assert_true(f->b_cancelled);
    assert_false(blocker->done);

    qemu_sem_post(&f->gate);
    wait_until(f->ctx, &blocker->done);
    wait_until(f->ctx, &c->done);
    poll_idle(f->ctx);

    assert_int_equal(blocker->ret, 1);
    assert_int_equal(a->ret, -ECANCELED);
    assert_int_equal(b->ret, -ECANCELED);
    assert_int_equal(c->ret, 4);
    assert_int_equal(blocker->completions + a->completions + b->completions + c->completions, 4);
    assert_int_equal(qatomic_read(&a->func_runs) + qatomic_read(&b->func_runs), 0);
}

/* ---- limits and idle workers ----------------------------------------------------------------- */

static void test_max_threads(void **state)
{
    Fixture *f = *state;
    ThreadPool *pool = aio_get_thread_pool(f->ctx);

    thread_pool_set_max_threads(pool, 2);
    f->group.expected = 4;
    for (int i = 0; i < 4; i++) {
        f->jobs[i] =
            (Job){.value = i, .started = &f->started, .gate = &f->gate, .group = &f->group};
        thread_pool_submit_aio(job_func, &f->jobs[i], job_cb, &f->jobs[i]);
    }
    assert_true(qemu_sem_timedwait_ns(&f->started, TIMEOUT_NS));
    assert_true(qemu_sem_timedwait_ns(&f->started, TIMEOUT_NS));
    /*
     * Two workers are blocked: a third job must not start.  A correct pool
     * always passes; a broken one fails unless its extra worker is very slow.
     */
    assert_false(qemu_sem_timedwait_ns(&f->started, 200 * INT64_C(1000000)));
    assert_int_equal(thread_pool__nr_threads(pool), 2);

    for (int i = 0; i < 4; i++) {
        qemu_sem_post(&f->gate);
    }
    wait_until(f->ctx, &f->group.all_done);
    poll_idle(f->ctx);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(f->jobs[i].completions, 1);
        assert_int_equal(f->jobs[i].ret, i);
    }
}

static void test_idle_exit(void **state)
{
    Fixture *f = *state;
    ThreadPool *pool = aio_get_thread_pool(f->ctx);
    thread_pool__set_idle_timeout_ns(pool, 20 * INT64_C(1000000));

    for (int round = 0; round < 3; round++) {
        Job job = {.value = round};
        thread_pool_submit_aio(job_func, &job, job_cb, &job);
        wait_until(f->ctx, &job.done);
        assert_int_equal(job.ret, round);

        /* The worker leaves after 20 ms without work; allow 10 s. */
        int64_t deadline = platform_clock_monotonic_ns() + TIMEOUT_NS;
        QemuSemaphore nap;
        qemu_sem_init(&nap, 0);
        while (thread_pool__nr_threads(pool) > 0 && platform_clock_monotonic_ns() < deadline) {
            qemu_sem_timedwait_ns(&nap, 5 * INT64_C(1000000));
        }
        qemu_sem_destroy(&nap);
        assert_int_equal(thread_pool__nr_threads(pool), 0);
    }
}

/* ---- coroutines ------------------------------------------------------------------------------ */

typedef struct CoTest {
    Job job;
    int ret;
    uint64_t resumed_thread;
    bool done;
} CoTest;

static void coroutine_fn co_submit_entry(void *opaque)
{
    CoTest *t = opaque;
    t->ret = thread_pool_submit_co(job_func, &t->job);
    t->resumed_thread = platform_thread_id();
    t->done = true;
}

static void test_submit_co(void **state)
{
    Fixture *f = *state;
    CoTest t = {.job.value = 99};

    Coroutine *co = qemu_coroutine_create(co_submit_entry, &t);
    qemu_coroutine_enter(co);
    /* It yields until the completion BH wakes it. */
    assert_false(t.done);
    wait_until(f->ctx, &t.done);

    assert_int_equal(t.ret, 99);
    assert_int_equal(t.resumed_thread, platform_thread_id());
    assert_int_not_equal(t.job.func_thread, platform_thread_id());
    assert_int_equal(qatomic_read(&t.job.func_runs), 1);
    qemu_coroutine_pool_drain();
}

/* ---- from an IOThread --------------------------------------------------------------------- */

typedef struct IOThreadJob {
    Job job;
    uint64_t submit_thread;
    AioContext *submit_ctx;
    AioContext *cb_ctx;
    QemuSemaphore done;
} IOThreadJob;

static void iothread_job_cb(void *opaque, int ret)
{
    IOThreadJob *t = opaque;
    job_cb(&t->job, ret);
    t->cb_ctx = qemu_get_current_aio_context();
    qemu_sem_post(&t->done);
}

static void iothread_submit_bh(void *opaque)
{
    IOThreadJob *t = opaque;
    t->submit_thread = platform_thread_id();
    t->submit_ctx = qemu_get_current_aio_context();
    thread_pool_submit_aio(job_func, &t->job, iothread_job_cb, t);
}

static void test_iothread_submit(void **state)
{
    Fixture *f = *state;
    IOThreadJob t = {.job.value = 5};
    qemu_sem_init(&t.done, 0);

    IOThread *iothread = iothread_create("tp-io", f->clocks);
    assert_non_null(iothread);
    AioContext *ioctx = iothread_get_aio_context(iothread);
    aio_bh_schedule_oneshot(ioctx, iothread_submit_bh, &t);
    assert_true(qemu_sem_timedwait_ns(&t.done, TIMEOUT_NS));

    assert_ptr_equal(t.submit_ctx, ioctx);
    assert_ptr_equal(t.cb_ctx, ioctx);
    assert_int_equal(t.job.ret, 5);
    assert_int_equal(t.job.cb_thread, t.submit_thread);
    assert_int_not_equal(t.job.cb_thread, platform_thread_id());
    assert_int_not_equal(t.job.func_thread, t.submit_thread);
    iothread_destroy(iothread);
    assert_int_equal(t.job.completions, 1);
    /* The test thread's own pool was never used. */
    assert_null(f->ctx->thread_pool);
    qemu_sem_destroy(&t.done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submit_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_from_completion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submit_co, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iothread_submit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
