/*
 * test-main-loop.c - the libuv main loop: it drives the main and iohandler
 * AioContexts, fires nanosecond timers through its timerfd, holds the BQL in
 * callbacks and drops it while waiting, and ends on main_loop_quit() or a
 * signal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aio/main-loop.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

typedef struct Fixture {
    QEMUClocks *clocks;
    MainLoop *ml;
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->clocks = qemu_clocks_new();
    f->ml = main_loop_new(f->clocks);
    assert_non_null(f->ml);
    assert_true(bql_locked());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    main_loop_free(f->ml);
    assert_false(bql_locked());
    qemu_clocks_free(f->clocks);
    free(f);
    return 0;
}

typedef struct Probe {
    MainLoop *ml;
    int runs;
    bool bql_held_in_cb;
    AioContext *current;
    int64_t fired_at;
    int quit_status;
} Probe;

static void probe_cb(void *opaque)
{
    Probe *p = opaque;
    p->runs++;
    p->bql_held_in_cb = bql_locked();
    p->current = qemu_get_current_aio_context();
    p->fired_at = platform_clock_monotonic_ns();
    if (p->quit_status >= 0) {
        main_loop_quit(p->ml, p->quit_status);
    }
}

static void test_bh_in_main_and_iohandler_contexts(void **state)
{
    Fixture *f = *state;
    Probe a = {.ml = f->ml, .quit_status = -1};
    Probe b = {.ml = f->ml, .quit_status = 7};
    aio_bh_schedule_oneshot(main_loop_get_aio_context(f->ml), probe_cb, &a);
    aio_bh_schedule_oneshot(main_loop_get_iohandler_context(f->ml), probe_cb, &b);
    assert_int_equal(main_loop_run(f->ml), 7);
    assert_int_equal(a.runs, 1);
    assert_int_equal(b.runs, 1);
    assert_true(a.bql_held_in_cb);
    assert_true(b.bql_held_in_cb);
    assert_ptr_equal(a.current, main_loop_get_aio_context(f->ml));
}

static void test_timer_through_timerfd(void **state)
{
    Fixture *f = *state;
    Probe p = {.ml = f->ml, .quit_status = 0};
    AioContext *ctx = main_loop_get_aio_context(f->ml);
    QEMUTimer *t = aio_timer_new(ctx, QEMU_CLOCK_REALTIME, SCALE_NS, probe_cb, &p);
    int64_t expiry = qemu_clock_get_ns(f->clocks, QEMU_CLOCK_REALTIME) + 250 * SCALE_US;
    timer_mod_ns(t, expiry);
    assert_int_equal(main_loop_run(f->ml), 0);
    assert_int_equal(p.runs, 1);
    assert_true(p.fired_at >= expiry);
    timer_free(t);
}

typedef struct Contender {
    MainLoop *ml;
    bool got_bql;
} Contender;

static void *contender_thread(void *opaque)
{
    Contender *c = opaque;
    /* Succeeds only because the main loop releases the BQL while it waits. */
    bql_lock();
    c->got_bql = true;
    bql_unlock();
    main_loop_quit(c->ml, 3);
    return NULL;
}

static void test_bql_dropped_while_waiting(void **state)
{
    Fixture *f = *state;
    Contender c = {.ml = f->ml};
    QemuThread t;
    assert_int_equal(qemu_thread_create(&t, "contender", contender_thread, &c), 0);
    assert_int_equal(main_loop_run(f->ml), 3);
    qemu_thread_join(&t);
    assert_true(c.got_bql);
    assert_true(bql_locked());
}

static void *raise_sigterm_thread(void *opaque)
{
    /* Deliver to the process; libuv's signal handler forwards it to the loop. */
    kill(getpid(), SIGTERM);
    return NULL;
}

static void test_sigterm_ends_loop_cleanly(void **state)
{
    Fixture *f = *state;
    QemuThread t;
    assert_int_equal(qemu_thread_create(&t, "killer", raise_sigterm_thread, NULL), 0);
    assert_int_equal(main_loop_run(f->ml), 128 + SIGTERM);
    qemu_thread_join(&t);
}

static void test_nonblocking_wait_returns(void **state)
{
    Fixture *f = *state;
    Probe p = {.ml = f->ml, .quit_status = -1};
    aio_bh_schedule_oneshot(main_loop_get_aio_context(f->ml), probe_cb, &p);
    for (int i = 0; i < 3; i++) {
        main_loop_wait(f->ml, true);
    }
    assert_int_equal(p.runs, 1);
    assert_false(main_loop_should_exit(f->ml, NULL));
    assert_non_null(main_loop_get_native_loop(f->ml));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bh_in_main_and_iohandler_contexts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_through_timerfd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bql_dropped_while_waiting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_ends_loop_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonblocking_wait_returns, setup, teardown),
    };
    return cmocka_run_group_tests_name("main-loop", tests, NULL, NULL);
}
