/*
 * test-iothread.c - IOThreads: lifecycle, the thread their callbacks run in
 * (BHs, timers, event notifiers, coroutines), and clean destruction with work
 * still pending.
 *
 * The test thread waits for results from an IOThread with semaphores bounded
 * at 10 s, so a lost callback fails the test instead of hanging it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aio/aio.h"
#include "aio/coroutine.h"
#include "aio/iothread.h"
#include "aio/thread-pool.h"
#include "aio/trace.h"
#include "util/atomic.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TIMEOUT_NS (10 * INT64_C(1000000000))

static void wait_sem(QemuSemaphore *sem)
{
    assert_true(qemu_sem_timedwait_ns(sem, TIMEOUT_NS));
}

typedef struct Fixture {
    QEMUClocks *clocks;
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->clocks = qemu_clocks_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    qemu_clocks_free(f->clocks);
    free(f);
    return 0;
}

/* What a callback saw about where it ran. */
typedef struct Probe {
    AioContext *ctx;
    uint64_t thread;
    int runs; /* atomic */
    QemuSemaphore sem;
} Probe;

static void probe_init(Probe *p)
{
    memset(p, 0, sizeof(*p));
    qemu_sem_init(&p->sem, 0);
}

static void probe_hit(Probe *p)
{
    p->ctx = qemu_get_current_aio_context();
    p->thread = platform_thread_id();
    qatomic_inc(&p->runs);
    qemu_sem_post(&p->sem);
}

static void probe_bh(void *opaque)
{
    probe_hit(opaque);
}

/* The IOThread's thread id, learnt from a BH that runs there. */
static uint64_t iothread_tid(IOThread *iothread)
{
    Probe p;
    probe_init(&p);
    aio_bh_schedule_oneshot(iothread_get_aio_context(iothread), probe_bh, &p);
    wait_sem(&p.sem);
    qemu_sem_destroy(&p.sem);
    return p.thread;
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

static void test_lifecycle(void **state)
{
    Fixture *f = *state;
    AioContext *mine = qemu_get_current_aio_context();

    for (int i = 0; i < 20; i++) {
        IOThread *iothread = iothread_create("io-life", f->clocks);
        assert_non_null(iothread);
        assert_string_equal(iothread_get_id(iothread), "io-life");
        AioContext *ctx = iothread_get_aio_context(iothread);
        assert_non_null(ctx);

        Probe p;
        probe_init(&p);
        aio_bh_schedule_oneshot(ctx, probe_bh, &p);
        wait_sem(&p.sem);
        assert_ptr_equal(p.ctx, ctx);
        assert_int_not_equal(p.thread, platform_thread_id());
        assert_ptr_equal(qemu_get_current_aio_context(), mine);
        assert_ptr_not_equal(qemu_get_current_aio_context(), ctx);

        iothread_destroy(iothread);
        assert_int_equal(qatomic_read(&p.runs), 1);
        qemu_sem_destroy(&p.sem);
    }
    assert_ptr_equal(qemu_get_current_aio_context(), mine);
}

/* Two IOThreads run in two different threads at once. */
static void test_two_iothreads(void **state)
{
    Fixture *f = *state;
    IOThread *a = iothread_create("io-a", f->clocks);
    IOThread *b = iothread_create("io-b", f->clocks);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(iothread_get_aio_context(a), iothread_get_aio_context(b));

    uint64_t ta = iothread_tid(a), tb = iothread_tid(b);
    assert_int_not_equal(ta, tb);
    assert_int_not_equal(ta, platform_thread_id());
    assert_int_not_equal(tb, platform_thread_id());
    iothread_destroy(a);
    iothread_destroy(b);
}

/* ---- BHs and timers ---------------------------------------------------------------------- */

static void probe_timer(void *opaque)
{
    probe_hit(opaque);
}

static void test_bh_and_timer(void **state)
{
    Fixture *f = *state;
    IOThread *iothread = iothread_create("io-bh", f->clocks);
    assert_non_null(iothread);
    AioContext *ctx = iothread_get_aio_context(iothread);
    uint64_t tid = iothread_tid(iothread);

    /* A reusable BH, created and scheduled from the test thread. */
    Probe pb;
    probe_init(&pb);
    QEMUBH *bh = aio_bh_new(ctx, probe_bh, &pb);
    for (int i = 0; i < 5; i++) {
        qemu_bh_schedule(bh);
        wait_sem(&pb.sem);
        assert_int_equal(pb.thread, tid);
        assert_ptr_equal(pb.ctx, ctx);
    }
    assert_int_equal(qatomic_read(&pb.runs), 5);
    qemu_bh_delete(bh);

    /* A timer armed from the test thread fires in the IOThread. */
    Probe pt;
    probe_init(&pt);
    QEMUTimer *timer = aio_timer_new(ctx, QEMU_CLOCK_REALTIME, SCALE_MS, probe_timer, &pt);
    for (int i = 0; i < 3; i++) {
        int64_t armed = qemu_clock_get_ns(f->clocks, QEMU_CLOCK_REALTIME);
        timer_mod_ns(timer, armed + 2 * SCALE_MS);
        wait_sem(&pt.sem);
        assert_true(qemu_clock_get_ns(f->clocks, QEMU_CLOCK_REALTIME) >= armed + 2 * SCALE_MS);
        assert_int_equal(pt.thread, tid);
        assert_ptr_equal(pt.ctx, ctx);
    }
    assert_int_equal(qatomic_read(&pt.runs), 3);
    timer_free(timer);

    iothread_destroy(iothread);
    qemu_sem_destroy(&pb.sem);
    qemu_sem_destroy(&pt.sem);
}

/* ---- event notifiers ------------------------------------------------------------------------- */

typedef struct NotifierTest {
    EventNotifier e;
    Probe probe;
    QemuSemaphore changed; /* the handler was added or removed */
} NotifierTest;

static void notifier_read(EventNotifier *e)
{
    NotifierTest *t = (NotifierTest *)((char *)e - offsetof(NotifierTest, e));
    if (event_notifier_test_and_clear(e)) {
        probe_hit(&t->probe);
    }
}

/* Handlers change in the home thread: do it from a BH there. */
static void notifier_add_bh(void *opaque)
{
    NotifierTest *t = opaque;
    aio_set_event_notifier(qemu_get_current_aio_context(), &t->e, notifier_read, NULL, NULL);
    qemu_sem_post(&t->changed);
}

static void notifier_remove_bh(void *opaque)
{
    NotifierTest *t = opaque;
    aio_set_event_notifier(qemu_get_current_aio_context(), &t->e, NULL, NULL, NULL);
    qemu_sem_post(&t->changed);
}

static void test_event_notifier(void **state)
{
    Fixture *f = *state;
    NotifierTest t;
    IOThread *iothread = iothread_create("io-fd", f->clocks);
    assert_non_null(iothread);
    AioContext *ctx = iothread_get_aio_context(iothread);
    uint64_t tid = iothread_tid(iothread);

    probe_init(&t.probe);
    qemu_sem_init(&t.changed, 0);
    assert_int_equal(event_notifier_init(&t.e, false), 0);
    aio_bh_schedule_oneshot(ctx, notifier_add_bh, &t);
    wait_sem(&t.changed);

    for (int i = 0; i < 10; i++) {
        assert_int_equal(event_notifier_set(&t.e), 0);
        wait_sem(&t.probe.sem);
        assert_int_equal(t.probe.thread, tid);
        assert_ptr_equal(t.probe.ctx, ctx);
    }
    assert_int_equal(qatomic_read(&t.probe.runs), 10);

    aio_bh_schedule_oneshot(ctx, notifier_remove_bh, &t);
    wait_sem(&t.changed);
    iothread_destroy(iothread);
    event_notifier_cleanup(&t.e);
    qemu_sem_destroy(&t.probe.sem);
    qemu_sem_destroy(&t.changed);
}

/* ---- coroutines ------------------------------------------------------------------------------ */

typedef struct CoTest {
    Probe first, second;
} CoTest;

static void coroutine_fn co_entry(void *opaque)
{
    CoTest *t = opaque;
    probe_hit(&t->first);
    /* Rescheduled into the same context, then resumed from its BH. */
    aio_co_schedule(qemu_get_current_aio_context(), qemu_coroutine_self());
    qemu_coroutine_yield();
    probe_hit(&t->second);
}

static void test_coroutine(void **state)
{
    Fixture *f = *state;
    CoTest t;
    IOThread *iothread = iothread_create("io-co", f->clocks);
    assert_non_null(iothread);
    AioContext *ctx = iothread_get_aio_context(iothread);
    uint64_t tid = iothread_tid(iothread);

    probe_init(&t.first);
    probe_init(&t.second);
    /* Created here, entered there: the coroutine runs in the IOThread. */
    aio_co_schedule(ctx, qemu_coroutine_create(co_entry, &t));
    wait_sem(&t.first.sem);
    wait_sem(&t.second.sem);
    assert_int_equal(t.first.thread, tid);
    assert_int_equal(t.second.thread, tid);
    assert_ptr_equal(t.second.ctx, ctx);

    /* The IOThread drains its coroutine pool before exiting (LSan checks). */
    iothread_destroy(iothread);
    qemu_sem_destroy(&t.first.sem);
    qemu_sem_destroy(&t.second.sem);
}

/* ---- destroy with work pending --------------------------------------------------------------- */

#define NPENDING 50

typedef struct Pending {
    int bh_runs; /* IOThread only; read after the join */
    int chain_runs;
    uint64_t tid;
    bool wrong_thread;
    QemuSemaphore job_started;
    QemuSemaphore job_gate;
    int job_completions;
    int job_ret;
} Pending;

static void pending_bh(void *opaque)
{
    Pending *p = opaque;
    p->bh_runs++;
    p->wrong_thread |= platform_thread_id() != p->tid;
}

static void chain_bh(void *opaque)
{
    Pending *p = opaque;
    p->wrong_thread |= platform_thread_id() != p->tid;
    if (++p->chain_runs < 10) {
        aio_bh_schedule_oneshot(qemu_get_current_aio_context(), chain_bh, p);
    }
}

static int pending_job(void *opaque)
{
    Pending *p = opaque;
    qemu_sem_post(&p->job_started);
    return qemu_sem_timedwait_ns(&p->job_gate, TIMEOUT_NS) ? 17 : -1;
}

static void pending_job_cb(void *opaque, int ret)
{
    Pending *p = opaque;
    p->wrong_thread |= platform_thread_id() != p->tid;
    p->job_completions++;
    p->job_ret = ret;
}

static void pending_submit_bh(void *opaque)
{
    thread_pool_submit_aio(pending_job, opaque, pending_job_cb, opaque);
}

static void test_destroy_pending(void **state)
{
    Fixture *f = *state;
    Pending p = {0};
    qemu_sem_init(&p.job_started, 0);
    qemu_sem_init(&p.job_gate, 0);

    IOThread *iothread = iothread_create("io-pend", f->clocks);
    assert_non_null(iothread);
    AioContext *ctx = iothread_get_aio_context(iothread);
    p.tid = iothread_tid(iothread);

    /* A request is in a worker when the IOThread is told to stop. */
    aio_bh_schedule_oneshot(ctx, pending_submit_bh, &p);
    wait_sem(&p.job_started);
    for (int i = 0; i < NPENDING; i++) {
        aio_bh_schedule_oneshot(ctx, pending_bh, &p);
    }
    aio_bh_schedule_oneshot(ctx, chain_bh, &p);
    qemu_sem_post(&p.job_gate);
    iothread_destroy(iothread);

    /* Everything promised ran, once, in the IOThread. */
    assert_int_equal(p.bh_runs, NPENDING);
    assert_int_equal(p.chain_runs, 10);
    assert_int_equal(p.job_completions, 1);
    assert_int_equal(p.job_ret, 17);
    assert_false(p.wrong_thread);
    qemu_sem_destroy(&p.job_started);
    qemu_sem_destroy(&p.job_gate);
}

/* ---- trace points ---------------------------------------------------------------------------- */

typedef struct TraceTest {
    Tracer *tracer;
    QemuSemaphore sem;
} TraceTest;

static void set_tracer_bh(void *opaque)
{
    TraceTest *t = opaque;
    aio_context_set_tracer(qemu_get_current_aio_context(), t->tracer);
    qemu_sem_post(&t->sem);
}

static void test_trace_stop(void **state)
{
    Fixture *f = *state;
    TraceTest t = {.tracer = tracer_new(256, 1u << TRACE_IOTHREAD_STOP)};
    assert_non_null(t.tracer);
    qemu_sem_init(&t.sem, 0);

    IOThread *iothread = iothread_create("io-trace", f->clocks);
    assert_non_null(iothread);
    uint64_t tid = iothread_tid(iothread);
    aio_bh_schedule_oneshot(iothread_get_aio_context(iothread), set_tracer_bh, &t);
    wait_sem(&t.sem);
    iothread_destroy(iothread);

    /* The record's name was the IOThread's id, freed with it: compare ptr only. */
    TraceRecord r[4];
    assert_int_equal(tracer_read(t.tracer, r, 4), 1);
    assert_int_equal(r[0].event, TRACE_IOTHREAD_STOP);
    assert_int_equal(r[0].thread, tid);
    assert_ptr_equal(r[0].ptr, iothread);
    tracer_free(t.tracer);
    qemu_sem_destroy(&t.sem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_iothreads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bh_and_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_notifier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coroutine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trace_stop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
