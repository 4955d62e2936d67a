/*
 * test-aclint.c - the CLINT: mtime as VIRTUAL/100 plus an offset, msip lines,
 * mtimecmp raising MTIP through a loop timer (never early, not polled), the
 * 32-bit halves, and bad accesses.
 *
 * The test thread runs its own AioContext by hand.  Register checks that need
 * exact values stop the VIRTUAL clock so time cannot move under them; timer
 * tests count interrupts and use a 10 s REALTIME watchdog instead of timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aio/aio.h"
#include "hw/riscv-aclint.h"

#include <stdlib.h>

#define BASE       0x2000000
#define NHARTS     2
#define TIMEOUT_NS (10 * INT64_C(1000000000))

typedef struct Fixture {
    QEMUClocks *clocks;
    AioContext *ctx;
    AclintState *s;
    AddressSpace as;
    int mtip[NHARTS], msip[NHARTS];
    int mtip_raises[NHARTS];
    bool early; /* MTIP raised while mtime < mtimecmp */
    bool timed_out;
} Fixture;

static void mtip_cb(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    if (level && !f->mtip[n]) {
        f->mtip_raises[n]++;
        if (aclint_get_mtime(f->s) < f->s->harts[n].mtimecmp) {
            f->early = true;
        }
    }
    f->mtip[n] = level;
}

static void msip_cb(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    f->msip[n] = level;
}

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->clocks = qemu_clocks_new();
    f->ctx = aio_context_new(f->clocks);
    assert_non_null(f->ctx);
    aio_context_set_current(f->ctx);
    f->s = aclint_new(f->ctx, NHARTS);
    assert_non_null(f->s);
    for (int i = 0; i < NHARTS; i++) {
        qemu_irq_connect(&f->s->harts[i].mtip, mtip_cb, f, i);
        qemu_irq_connect(&f->s->harts[i].msip_irq, msip_cb, f, i);
    }
    address_space_init(&f->as, "test");
    assert_int_equal(address_space_map_region(&f->as, BASE, &f->s->mmio), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    address_space_destroy(&f->as);
    aclint_free(f->s);
    assert_int_equal(aio_context_destroy(f->ctx), 0);
    aio_context_set_current(NULL);
    qemu_clocks_free(f->clocks);
    free(f);
    return 0;
}

static uint64_t rd(Fixture *f, hwaddr off, unsigned size)
{
    uint64_t v;
    assert_int_equal(address_space_ld(&f->as, BASE + off, size, &v), MEMTX_OK);
    return v;
}

static void wr(Fixture *f, hwaddr off, unsigned size, uint64_t v)
{
    assert_int_equal(address_space_st(&f->as, BASE + off, size, v), MEMTX_OK);
}

static void watchdog_cb(void *opaque)
{
    Fixture *f = opaque;
    f->timed_out = true;
}

/* Run the loop until *flag becomes nonzero; fails after 10 s instead of hanging. */
static void wait_for(Fixture *f, const int *flag)
{
    QEMUTimer *wd = aio_timer_new(f->ctx, QEMU_CLOCK_REALTIME, SCALE_NS, watchdog_cb, f);
    timer_mod_ns(wd, qemu_clock_get_ns(f->clocks, QEMU_CLOCK_REALTIME) + TIMEOUT_NS);
    while (!*flag && !f->timed_out) {
        aio_poll(f->ctx, true);
    }
    timer_free(wd);
    assert_false(f->timed_out);
}

static void test_mtime(void **state)
{
    Fixture *f = *state;

    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, false);
    int64_t ns = qemu_clock_get_ns(f->clocks, QEMU_CLOCK_VIRTUAL);
    assert_int_equal(rd(f, ACLINT_MTIME, 8), (uint64_t)ns / 100);
    assert_int_equal(aclint_get_mtime(f->s), (uint64_t)ns / 100);

    wr(f, ACLINT_MTIME, 8, 0x123456789abcull);
    assert_int_equal(rd(f, ACLINT_MTIME, 8), 0x123456789abcull);
    assert_int_equal(rd(f, ACLINT_MTIME, 4), 0x56789abc);
    assert_int_equal(rd(f, ACLINT_MTIME + 4, 4), 0x1234);
    wr(f, ACLINT_MTIME + 4, 4, 0x77);
    assert_int_equal(aclint_get_mtime(f->s), 0x7756789abcull);
    wr(f, ACLINT_MTIME, 4, 0x10);
    assert_int_equal(aclint_get_mtime(f->s), 0x7700000010ull);

    /* Stopped clock, stopped mtime; running again, it counts on from there. */
    assert_int_equal(aclint_get_mtime(f->s), 0x7700000010ull);
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, true);
    uint64_t a = aclint_get_mtime(f->s);
    assert_true(a >= 0x7700000010ull);
    assert_true(a < 0x7700000010ull + 10 * ACLINT_TIMEBASE_FREQ); /* within 10 s */
}

static void test_msip(void **state)
{
    Fixture *f = *state;

    wr(f, 4, 4, 1);
    assert_int_equal(f->msip[1], 1);
    assert_int_equal(f->msip[0], 0);
    assert_int_equal(rd(f, 4, 4), 1);
    wr(f, 0, 4, 0xfffffffe); /* only bit 0 counts */
    assert_int_equal(f->msip[0], 0);
    wr(f, 4, 4, 0);
    assert_int_equal(f->msip[1], 0);
    assert_int_equal(rd(f, 4, 4), 0);
}

static void test_mtimecmp_now_and_later(void **state)
{
    Fixture *f = *state;
    AclintHart *h = &f->s->harts[0];

    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, false);
    assert_int_equal(rd(f, ACLINT_MTIMECMP_BASE, 8), UINT64_MAX);
    assert_false(timer_pending(h->timer));

    uint64_t now = aclint_get_mtime(f->s);
    /* Already due: MTIP at once, no timer. */
    wr(f, ACLINT_MTIMECMP_BASE, 8, now);
    assert_int_equal(f->mtip[0], 1);
    assert_false(timer_pending(h->timer));
    /* In the future: MTIP drops and a timer is armed for the exact tick. */
    wr(f, ACLINT_MTIMECMP_BASE, 8, now + 1000);
    assert_int_equal(f->mtip[0], 0);
    assert_true(timer_pending(h->timer));
    int64_t exp = timer_expire_time_ns(h->timer);
    assert_true(exp / 100 + f->s->mtime_offset >= now + 1000);
    assert_true(exp <= qemu_clock_get_ns(f->clocks, QEMU_CLOCK_VIRTUAL) + 1000 * 100);
    /* "Never" arms nothing. */
    wr(f, ACLINT_MTIMECMP_BASE, 8, UINT64_MAX);
    assert_false(timer_pending(h->timer));
    assert_int_equal(f->mtip[0], 0);
    /* Other harts are independent. */
    assert_int_equal(f->mtip[1], 0);

    /* Moving mtime past mtimecmp raises MTIP; moving it back lowers it. */
    wr(f, ACLINT_MTIMECMP_BASE + 8, 8, 0x100000000ull);
    assert_int_equal(f->mtip[1], 0);
    wr(f, ACLINT_MTIME, 8, 0x100000000ull);
    assert_int_equal(f->mtip[1], 1);
    wr(f, ACLINT_MTIME, 8, 0);
    assert_int_equal(f->mtip[1], 0);
    assert_true(timer_pending(f->s->harts[1].timer));
}

static void test_timer_fires(void **state)
{
    Fixture *f = *state;

    /*
     * 2 ms of guest time ahead: fires from the loop, never before its tick.
     * Guest time is frozen while programming so a loaded host cannot make
     * the deadline pass before the checks.
     */
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, false);
    uint64_t cmp = aclint_get_mtime(f->s) + 20000;
    wr(f, ACLINT_MTIMECMP_BASE + 8, 8, cmp);
    assert_int_equal(f->mtip[1], 0);
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, true);
    wait_for(f, &f->mtip[1]);
    assert_int_equal(f->mtip_raises[1], 1);
    assert_false(f->early);
    assert_true(rd(f, ACLINT_MTIME, 8) >= cmp);
    assert_int_equal(f->mtip[0], 0);

    /* Re-arming (the usual tick handler) lowers and fires again. */
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, false);
    cmp = aclint_get_mtime(f->s) + 10000;
    wr(f, ACLINT_MTIMECMP_BASE + 8, 8, cmp);
    assert_int_equal(f->mtip[1], 0);
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, true);
    wait_for(f, &f->mtip[1]);
    assert_int_equal(f->mtip_raises[1], 2);
    assert_false(f->early);
}

static void test_mtimecmp_halves(void **state)
{
    Fixture *f = *state;

    /* The RV32 sequence: high = -1, low = new, high = new. */
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, false);
    uint64_t cmp = aclint_get_mtime(f->s) + 5000;
    wr(f, ACLINT_MTIMECMP_BASE + 4, 4, 0xffffffff);
    wr(f, ACLINT_MTIMECMP_BASE, 4, (uint32_t)cmp);
    assert_int_equal(f->mtip[0], 0);
    wr(f, ACLINT_MTIMECMP_BASE + 4, 4, (uint32_t)(cmp >> 32));
    assert_int_equal(rd(f, ACLINT_MTIMECMP_BASE, 8), cmp);
    assert_int_equal(rd(f, ACLINT_MTIMECMP_BASE + 4, 4), (uint32_t)(cmp >> 32));
    assert_int_equal(f->mtip[0], 0);
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, true);
    wait_for(f, &f->mtip[0]);
    assert_false(f->early);
}

static void test_stopped_clock_holds_timer(void **state)
{
    Fixture *f = *state;

    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, false);
    wr(f, ACLINT_MTIMECMP_BASE, 8, aclint_get_mtime(f->s) + 10);
    /* Wait in real time well past the deadline: with guest time frozen nothing fires. */
    QEMUTimer *rt = aio_timer_new(f->ctx, QEMU_CLOCK_REALTIME, SCALE_NS, watchdog_cb, f);
    timer_mod_ns(rt, qemu_clock_get_ns(f->clocks, QEMU_CLOCK_REALTIME) + 5000000);
    while (!f->timed_out) {
        aio_poll(f->ctx, true);
    }
    timer_free(rt);
    f->timed_out = false;
    assert_int_equal(f->mtip[0], 0);
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, true);
    wait_for(f, &f->mtip[0]);
}

static void test_bad_accesses(void **state)
{
    Fixture *f = *state;
    uint64_t v;

    /* msip of a hart that does not exist, 8-byte msip, 2-byte access, reserved gap. */
    wr(f, 4 * NHARTS, 4, 1);
    assert_int_equal(rd(f, 4 * NHARTS, 4), 0);
    wr(f, 0, 8, 1);
    assert_int_equal(f->msip[0], 0);
    assert_int_equal(address_space_ld(&f->as, BASE + ACLINT_MTIME, 2, &v), MEMTX_ERROR);
    assert_int_equal(address_space_ld(&f->as, BASE + ACLINT_MTIME + 2, 4, &v), MEMTX_ERROR);
    assert_int_equal(rd(f, ACLINT_MTIMECMP_BASE + 8 * NHARTS, 8), 0);
    assert_int_equal(rd(f, 0x8000, 4), 0);

    assert_null(aclint_new(f->ctx, 0));
    assert_null(aclint_new(f->ctx, ACLINT_MAX_HARTS + 1));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_mtime),
        T(test_msip),
        T(test_mtimecmp_now_and_later),
        T(test_timer_fires),
        T(test_mtimecmp_halves),
        T(test_stopped_clock_holds_timer),
        T(test_bad_accesses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
