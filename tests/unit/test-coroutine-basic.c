/*
 * test-coroutine-basic.c - coroutines and their locks in one thread.
 *
 * Each case drives coroutines by hand (enter/yield) or through one
 * AioContext's aio_poll(), and checks the exact order in which things ran.
 * The threaded cases and the misuse (death) cases are in test-coroutine.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aio/aio.h"
#include "aio/coroutine.h"
#include "aio/trace.h"
#include "platform.h"

#include <string.h>

/* ---- an order log ------------------------------------------------------------- */

typedef struct Log {
    int n;
    int v[64];
} Log;

static void log_add(Log *log, int value)
{
    assert_true(log->n < (int)(sizeof(log->v) / sizeof(log->v[0])));
    log->v[log->n++] = value;
}

static void log_expect(const Log *log, const int *expect, int n)
{
    assert_int_equal(log->n, n);
    for (int i = 0; i < n; i++) {
        if (log->v[i] != expect[i]) {
            fail_msg("order differs at step %d: got %d, expected %d", i, log->v[i], expect[i]);
        }
    }
}

#define LOG_EXPECT(log, ...)                                                     \
    do {                                                                         \
        static const int expect_[] = {__VA_ARGS__};                              \
        log_expect((log), expect_, (int)(sizeof(expect_) / sizeof(expect_[0]))); \
    } while (0)

/* ---- lifecycle ------------------------------------------------------------------ */

typedef struct LifeData {
    Coroutine *self;
    bool entered_inside;
    bool in_coroutine;
    int runs;
} LifeData;

static void coroutine_fn life_entry(void *opaque)
{
    LifeData *d = opaque;

    d->self = qemu_coroutine_self();
    d->entered_inside = qemu_coroutine_entered(d->self);
    d->in_coroutine = qemu_in_coroutine();
    d->runs++;
}

static void test_lifecycle(void **state)
{
    LifeData d = {0};
    Coroutine *co = qemu_coroutine_create(life_entry, &d);
    Coroutine *again;

    assert_non_null(co);
    assert_false(qemu_coroutine_entered(co));
    assert_int_equal(d.runs, 0); /* creating does not run it */

    qemu_coroutine_enter(co);
    assert_int_equal(d.runs, 1);
    assert_ptr_equal(d.self, co);
    assert_true(d.entered_inside);
    assert_true(d.in_coroutine);

    /* The terminated coroutine went to this thread's pool: reused as is. */
    again = qemu_coroutine_create(life_entry, &d);
    assert_ptr_equal(again, co);
    assert_false(qemu_coroutine_entered(again));
    qemu_coroutine_enter(again);
    assert_int_equal(d.runs, 2);
    assert_ptr_equal(d.self, again);

    /* Draining frees the pool; creating afterwards still works. */
    qemu_coroutine_pool_drain();
    co = qemu_coroutine_create(life_entry, &d);
    qemu_coroutine_enter(co);
    assert_int_equal(d.runs, 3);
}

/* ---- yield and re-enter --------------------------------------------------------- */

typedef struct YieldData {
    int step;
    bool done;
} YieldData;

static void coroutine_fn yield_entry(void *opaque)
{
    YieldData *d = opaque;

    for (int i = 0; i < 5; i++) {
        d->step = i + 1;
        qemu_coroutine_yield();
    }
    d->done = true;
}

static void test_yield_reenter(void **state)
{
    YieldData d = {0};
    Coroutine *co = qemu_coroutine_create(yield_entry, &d);

    for (int i = 1; i <= 5; i++) {
        qemu_coroutine_enter(co);
        assert_int_equal(d.step, i);
        assert_false(d.done);
        /* Yielded: not running, may be entered again. */
        assert_false(qemu_coroutine_entered(co));
    }
    qemu_coroutine_enter_if_inactive(co);
    assert_true(d.done);
}

/* ---- qemu_in_coroutine -------------------------------------------------------- */

static void coroutine_fn in_co_entry(void *opaque)
{
    bool *inside = opaque;

    inside[0] = qemu_in_coroutine();
    qemu_coroutine_yield();
    inside[1] = qemu_in_coroutine();
}

static void test_in_coroutine(void **state)
{
    bool inside[2] = {false, false};
    Coroutine *co = qemu_coroutine_create(in_co_entry, inside);

    assert_false(qemu_in_coroutine());
    assert_ptr_not_equal(qemu_coroutine_self(), co);
    qemu_coroutine_enter(co);
    assert_true(inside[0]);
    assert_false(qemu_in_coroutine());
    qemu_coroutine_enter(co);
    assert_true(inside[1]);
    assert_false(qemu_in_coroutine());
}

/* ---- 128-deep nesting --------------------------------------------------------------- */

#define NEST_DEPTH 128

typedef struct NestData {
    int depth;
    int max_depth;
    int finished;
    bool callers_ok;
} NestData;

typedef struct NestFrame {
    NestData *d;
    int level;
} NestFrame;

static void coroutine_fn nest_entry(void *opaque)
{
    NestFrame *f = opaque;
    NestData *d = f->d;

    d->depth++;
    if (d->depth > d->max_depth) {
        d->max_depth = d->depth;
    }
    if (f->level < NEST_DEPTH) {
        NestFrame child = {d, f->level + 1};
        Coroutine *self = qemu_coroutine_self();
        Coroutine *co = qemu_coroutine_create(nest_entry, &child);

        qemu_coroutine_enter(co);
        /* Back here once the inner one terminated: we are still ourselves. */
        if (qemu_coroutine_self() != self || !qemu_in_coroutine()) {
            d->callers_ok = false;
        }
    }
    /* Innermost finishes first: levels 128, 127, ..., 1. */
    if (NEST_DEPTH - d->finished != f->level) {
        d->callers_ok = false;
    }
    d->finished++;
    d->depth--;
}

static void test_nesting(void **state)
{
    NestData d = {.callers_ok = true};
    NestFrame top = {&d, 1};
    Coroutine *co = qemu_coroutine_create(nest_entry, &top);

    qemu_coroutine_enter(co);
    assert_int_equal(d.max_depth, NEST_DEPTH);
    assert_int_equal(d.finished, NEST_DEPTH);
    assert_int_equal(d.depth, 0);
    assert_true(d.callers_ok);
    assert_false(qemu_in_coroutine());
}

/* ---- strict ordering -------------------------------------------------------------- */

typedef struct OrderData {
    Log log;
    Coroutine *other;
} OrderData;

typedef struct OrderCo {
    OrderData *d;
    int id;
} OrderCo;

/* Three coroutines take turns; each logs id*10+step between yields. */
static void coroutine_fn turn_entry(void *opaque)
{
    OrderCo *c = opaque;

    for (int step = 1; step <= 3; step++) {
        log_add(&c->d->log, c->id * 10 + step);
        qemu_coroutine_yield();
    }
    log_add(&c->d->log, c->id * 10 + 9);
}

static void coroutine_fn inner_entry(void *opaque)
{
    OrderData *d = opaque;

    log_add(&d->log, 3);
    qemu_coroutine_yield();
    log_add(&d->log, 6);
}

static void coroutine_fn outer_entry(void *opaque)
{
    OrderData *d = opaque;

    log_add(&d->log, 2);
    d->other = qemu_coroutine_create(inner_entry, d);
    qemu_coroutine_enter(d->other); /* inner yields back to us, not to main */
    log_add(&d->log, 4);
    qemu_coroutine_yield();
    log_add(&d->log, 8);
}

static void test_strict_order(void **state)
{
    OrderData d = {0};
    OrderCo c[3];
    Coroutine *co[3];

    for (int i = 0; i < 3; i++) {
        c[i] = (OrderCo){&d, i + 1};
        co[i] = qemu_coroutine_create(turn_entry, &c[i]);
    }
    /* Round-robin, then in reverse for the last rounds. */
    qemu_coroutine_enter(co[0]);
    qemu_coroutine_enter(co[1]);
    qemu_coroutine_enter(co[2]);
    qemu_coroutine_enter(co[2]);
    qemu_coroutine_enter(co[1]);
    qemu_coroutine_enter(co[0]);
    qemu_coroutine_enter(co[1]);
    qemu_coroutine_enter(co[0]);
    qemu_coroutine_enter(co[2]);
    qemu_coroutine_enter(co[0]);
    qemu_coroutine_enter(co[1]);
    qemu_coroutine_enter(co[2]);
    LOG_EXPECT(&d.log, 11, 21, 31, 32, 22, 12, 23, 13, 33, 19, 29, 39);

    /* Nested: main -> outer -> inner; inner's yield returns to outer. */
    d.log.n = 0;
    Coroutine *outer = qemu_coroutine_create(outer_entry, &d);
    log_add(&d.log, 1);
    qemu_coroutine_enter(outer);
    log_add(&d.log, 5);
    qemu_coroutine_enter(d.other);
    log_add(&d.log, 7);
    qemu_coroutine_enter(outer);
    log_add(&d.log, 9);
    LOG_EXPECT(&d.log, 1, 2, 3, 4, 5, 6, 7, 8, 9);
}

/* ---- entering a yielded coroutine from another one --------------------------------- */

typedef struct CrossData {
    Log log;
    Coroutine *a;
} CrossData;

static void coroutine_fn cross_a_entry(void *opaque)
{
    CrossData *d = opaque;

    log_add(&d->log, 1);
    qemu_coroutine_yield(); /* to main */
    log_add(&d->log, 3);
    qemu_coroutine_yield(); /* to b, which entered us this time */
    log_add(&d->log, 6);
}

static void coroutine_fn cross_b_entry(void *opaque)
{
    CrossData *d = opaque;

    log_add(&d->log, 2);
    qemu_coroutine_enter(d->a);
    log_add(&d->log, 4);
}

static void test_enter_from_other_coroutine(void **state)
{
    CrossData d = {0};
    Coroutine *b;

    d.a = qemu_coroutine_create(cross_a_entry, &d);
    b = qemu_coroutine_create(cross_b_entry, &d);
    qemu_coroutine_enter(d.a);
    qemu_coroutine_enter(b); /* b enters a; a yields back into b; b ends */
    log_add(&d.log, 5);
    assert_false(qemu_coroutine_entered(d.a));
    qemu_coroutine_enter(d.a);
    LOG_EXPECT(&d.log, 1, 2, 3, 4, 5, 6);
}

/* ---- aio_co_schedule / aio_co_enter in one thread ----------------------------------- */

typedef struct SchedData {
    Log log;
    AioContext *ctx;
    Coroutine *b;
} SchedData;

typedef struct SchedCo {
    SchedData *d;
    int id;
} SchedCo;

static void coroutine_fn sched_entry(void *opaque)
{
    SchedCo *c = opaque;

    log_add(&c->d->log, c->id);
    /* Scheduled into its own context before yielding: allowed, it runs
     * again from the next aio_poll pass. */
    aio_co_schedule(c->d->ctx, qemu_coroutine_self());
    qemu_coroutine_yield();
    log_add(&c->d->log, c->id + 10);
}

static void coroutine_fn defer_b_entry(void *opaque)
{
    SchedData *d = opaque;

    log_add(&d->log, 3);
}

static void coroutine_fn defer_a_entry(void *opaque)
{
    SchedData *d = opaque;

    log_add(&d->log, 1);
    assert_ptr_equal(qemu_coroutine_get_aio_context(qemu_coroutine_self()), d->ctx);
    /* Same context: queued behind us, not nested inside us. */
    aio_co_enter(d->ctx, d->b);
    log_add(&d->log, 2);
}

static void test_schedule_one_thread(void **state)
{
    QEMUClocks *clocks = qemu_clocks_new();
    SchedData d = {0};
    SchedCo c[3];

    d.ctx = aio_context_new(clocks);
    assert_non_null(d.ctx);

    for (int i = 0; i < 3; i++) {
        c[i] = (SchedCo){&d, i + 1};
        aio_co_schedule(d.ctx, qemu_coroutine_create(sched_entry, &c[i]));
    }
    assert_int_equal(d.log.n, 0); /* nothing runs before the loop does */
    while (d.log.n < 6) {
        assert_true(aio_poll(d.ctx, false));
    }
    /* Entered in scheduling order, twice. */
    LOG_EXPECT(&d.log, 1, 2, 3, 11, 12, 13);

    d.log.n = 0;
    d.b = qemu_coroutine_create(defer_b_entry, &d);
    aio_co_schedule(d.ctx, qemu_coroutine_create(defer_a_entry, &d));
    while (d.log.n < 3) {
        assert_true(aio_poll(d.ctx, false));
    }
    LOG_EXPECT(&d.log, 1, 2, 3);

    assert_int_equal(aio_context_destroy(d.ctx), 0);
    qemu_clocks_free(clocks);
}

/* ---- trace points ------------------------------------------------------------------ */

static void coroutine_fn traced_entry(void *opaque)
{
    qemu_coroutine_yield();
}

static void test_trace_points(void **state)
{
    QEMUClocks *clocks = qemu_clocks_new();
    AioContext *ctx = aio_context_new(clocks);
    Tracer *t = tracer_new(64, (1u << TRACE_CO_ENTER) | (1u << TRACE_CO_YIELD) |
                                   (1u << TRACE_CO_TERMINATE));
    TraceRecord rec[16];
    static const TraceEvent expect[] = {TRACE_CO_ENTER, TRACE_CO_YIELD, TRACE_CO_ENTER,
                                        TRACE_CO_TERMINATE};
    Coroutine *co = qemu_coroutine_create(traced_entry, NULL);
    size_t n;

    aio_context_set_tracer(ctx, t);
    aio_co_schedule(ctx, co);
    aio_poll(ctx, false);
    aio_co_schedule(ctx, co);
    aio_poll(ctx, false);

    n = tracer_read(t, rec, 16);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rec[i].event, expect[i]);
        assert_ptr_equal(rec[i].ptr, co);
    }
    /* The enter names who scheduled it. */
    assert_string_equal(rec[0].name, "test_trace_points");

    aio_context_set_tracer(ctx, NULL);
    tracer_free(t);
    assert_int_equal(aio_context_destroy(ctx), 0);
    qemu_clocks_free(clocks);
}

/* ---- CoQueue ----------------------------------------------------------------------- */

typedef struct QueueData {
    CoQueue q;
    Log log;
} QueueData;

typedef struct QueueCo {
    QueueData *d;
    int id;
} QueueCo;

static void coroutine_fn queue_waiter_entry(void *opaque)
{
    QueueCo *c = opaque;

    qemu_co_queue_wait(&c->d->q, NULL);
    log_add(&c->d->log, c->id);
}

static void coroutine_fn queue_waker_entry(void *opaque)
{
    QueueData *d = opaque;

    qemu_co_queue_restart_all(&d->q);
    /* The woken run after we finish, in the order they queued. */
    log_add(&d->log, 99);
}

static void test_coqueue_order(void **state)
{
    QueueData d;
    QueueCo c[5];

    memset(&d, 0, sizeof(d));
    qemu_co_queue_init(&d.q);
    assert_true(qemu_co_queue_empty(&d.q));
    assert_false(qemu_co_queue_next(&d.q));

    for (int i = 0; i < 5; i++) {
        c[i] = (QueueCo){&d, i + 1};
        qemu_coroutine_enter(qemu_coroutine_create(queue_waiter_entry, &c[i]));
    }
    assert_false(qemu_co_queue_empty(&d.q));
    assert_int_equal(d.log.n, 0);

    /* Outside a coroutine, next enters the first waiter at once. */
    assert_true(qemu_co_queue_next(&d.q));
    LOG_EXPECT(&d.log, 1);
    assert_true(qemu_co_queue_next(&d.q));
    LOG_EXPECT(&d.log, 1, 2);

    qemu_coroutine_enter(qemu_coroutine_create(queue_waker_entry, &d));
    LOG_EXPECT(&d.log, 1, 2, 99, 3, 4, 5);
    assert_true(qemu_co_queue_empty(&d.q));
}

/* ---- CoRwlock ---------------------------------------------------------------------- */

typedef struct RwData {
    CoRwlock lock;
    int readers_in;
    int max_readers;
    bool writer_in;
    bool violation;
    Log log;
} RwData;

typedef struct RwCo {
    RwData *d;
    int id;
} RwCo;

static void coroutine_fn rw_reader_entry(void *opaque)
{
    RwCo *c = opaque;
    RwData *d = c->d;

    qemu_co_rwlock_rdlock(&d->lock);
    if (d->writer_in) {
        d->violation = true;
    }
    log_add(&d->log, c->id);
    d->readers_in++;
    if (d->readers_in > d->max_readers) {
        d->max_readers = d->readers_in;
    }
    qemu_coroutine_yield(); /* hold the lock until re-entered */
    d->readers_in--;
    qemu_co_rwlock_unlock(&d->lock);
}

static void coroutine_fn rw_writer_entry(void *opaque)
{
    RwCo *c = opaque;
    RwData *d = c->d;

    qemu_co_rwlock_wrlock(&d->lock);
    if (d->readers_in || d->writer_in) {
        d->violation = true;
    }
    log_add(&d->log, c->id);
    d->writer_in = true;
    qemu_coroutine_yield();
    d->writer_in = false;
    qemu_co_rwlock_unlock(&d->lock);
}

static void test_corwlock(void **state)
{
    RwData d;
    RwCo r[4], w;
    Coroutine *rco[4], *wco;

    memset(&d, 0, sizeof(d));
    qemu_co_rwlock_init(&d.lock);
    for (int i = 0; i < 4; i++) {
        r[i] = (RwCo){&d, i + 1};
        rco[i] = qemu_coroutine_create(rw_reader_entry, &r[i]);
    }
    w = (RwCo){&d, 100};
    wco = qemu_coroutine_create(rw_writer_entry, &w);

    /* Readers share. */
    qemu_coroutine_enter(rco[0]);
    qemu_coroutine_enter(rco[1]);
    qemu_coroutine_enter(rco[2]);
    assert_int_equal(d.readers_in, 3);

    /* The writer waits for them; a reader arriving after it waits too. */
    qemu_coroutine_enter(wco);
    qemu_coroutine_enter(rco[3]);
    LOG_EXPECT(&d.log, 1, 2, 3);
    assert_false(d.writer_in);

    qemu_coroutine_enter(rco[0]);
    qemu_coroutine_enter(rco[1]);
    assert_false(d.writer_in);
    qemu_coroutine_enter(rco[2]); /* last reader out: the writer gets it */
    assert_true(d.writer_in);
    assert_int_equal(d.readers_in, 0);
    LOG_EXPECT(&d.log, 1, 2, 3, 100);

    qemu_coroutine_enter(wco); /* writer out: the queued reader gets it */
    LOG_EXPECT(&d.log, 1, 2, 3, 100, 4);
    assert_int_equal(d.readers_in, 1);
    qemu_coroutine_enter(rco[3]);

    assert_int_equal(d.max_readers, 3);
    assert_false(d.violation);
    qemu_co_rwlock_destroy(&d.lock);
}

static int group_teardown(void **state)
{
    qemu_coroutine_pool_drain();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_yield_reenter),
        cmocka_unit_test(test_in_coroutine),
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_strict_order),
        cmocka_unit_test(test_enter_from_other_coroutine),
        cmocka_unit_test(test_schedule_one_thread),
        cmocka_unit_test(test_trace_points),
        cmocka_unit_test(test_coqueue_order),
        cmocka_unit_test(test_corwlock),
    };

    return cmocka_run_group_tests(tests, NULL, group_teardown);
}
