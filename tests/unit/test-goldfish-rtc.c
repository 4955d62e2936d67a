/*
 * test-goldfish-rtc.c - the Goldfish RTC: time from a clock plus an offset,
 * the TIME_HIGH latch, setting the time, alarms (past: at once; future: from
 * a loop timer, never early), IRQ enable and acknowledge, guest reset, and
 * bad accesses.
 * Uses the VIRTUAL clock, stopped where exact values are checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aio/aio.h"
#include "hw/goldfish-rtc.h"

#include <stdlib.h>

#define BASE       0x101000
#define START_NS   INT64_C(1700000000000000000) /* late 2023 */
#define TIMEOUT_NS (10 * INT64_C(1000000000))

typedef struct Fixture {
    QEMUClocks *clocks;
    AioContext *ctx;
    GoldfishRtcState *s;
    AddressSpace as;
    int irq;
    int raises;
    bool early;
    bool timed_out;
} Fixture;

static void irq_cb(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    if (level && !f->irq) {
        f->raises++;
        if (goldfish_rtc_get_time(f->s) < f->s->alarm_next) {
            f->early = true;
        }
    }
    f->irq = level;
}

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->clocks = qemu_clocks_new();
    f->ctx = aio_context_new(f->clocks);
    assert_non_null(f->ctx);
    aio_context_set_current(f->ctx);
    f->s = goldfish_rtc_new(f->ctx, QEMU_CLOCK_VIRTUAL, START_NS);
    assert_non_null(f->s);
    qemu_irq_connect(&f->s->irq, irq_cb, f, 11);
    address_space_init(&f->as, "test");
    assert_int_equal(address_space_map_region(&f->as, BASE, &f->s->mmio), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    address_space_destroy(&f->as);
    goldfish_rtc_free(f->s);
    assert_int_equal(aio_context_destroy(f->ctx), 0);
    aio_context_set_current(NULL);
    qemu_clocks_free(f->clocks);
    free(f);
    return 0;
}

static uint32_t rd(Fixture *f, hwaddr off)
{
    uint64_t v;
    assert_int_equal(address_space_ld(&f->as, BASE + off, 4, &v), MEMTX_OK);
    return (uint32_t)v;
}

static void wr(Fixture *f, hwaddr off, uint32_t v)
{
    assert_int_equal(address_space_st(&f->as, BASE + off, 4, v), MEMTX_OK);
}

static uint64_t read_time(Fixture *f)
{
    uint32_t lo = rd(f, GOLDFISH_RTC_TIME_LOW);
    return (uint64_t)rd(f, GOLDFISH_RTC_TIME_HIGH) << 32 | lo;
}

static void set_alarm(Fixture *f, uint64_t t)
{
    wr(f, GOLDFISH_RTC_ALARM_HIGH, (uint32_t)(t >> 32));
    wr(f, GOLDFISH_RTC_ALARM_LOW, (uint32_t)t);
}

static void watchdog_cb(void *opaque)
{
    Fixture *f = opaque;
    f->timed_out = true;
}

static void wait_for_irq(Fixture *f)
{
    QEMUTimer *wd = aio_timer_new(f->ctx, QEMU_CLOCK_REALTIME, SCALE_NS, watchdog_cb, f);
    timer_mod_ns(wd, qemu_clock_get_ns(f->clocks, QEMU_CLOCK_REALTIME) + TIMEOUT_NS);
    while (!f->irq && !f->timed_out) {
        aio_poll(f->ctx, true);
    }
    timer_free(wd);
    assert_false(f->timed_out);
}

static void test_time(void **state)
{
    Fixture *f = *state;

    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, false);
    /* Started at START_NS when created (a moment ago); frozen now. */
    uint64_t t0 = read_time(f);
    assert_true(t0 >= (uint64_t)START_NS && t0 < (uint64_t)START_NS + TIMEOUT_NS);
    assert_int_equal(read_time(f), t0);

    /* TIME_HIGH is latched by the TIME_LOW read, so a carry between reads is harmless. */
    rd(f, GOLDFISH_RTC_TIME_LOW);
    assert_int_equal(rd(f, GOLDFISH_RTC_TIME_HIGH), (uint32_t)(t0 >> 32));
    wr(f, GOLDFISH_RTC_TIME_HIGH, 0x1234); /* latch a new high half... */
    assert_int_equal(rd(f, GOLDFISH_RTC_TIME_HIGH), 0x1234);
    wr(f, GOLDFISH_RTC_TIME_LOW, 0x5678); /* ...and set the time */
    assert_int_equal(read_time(f), 0x123400005678ull);

    /* Running again, it counts on from the value set. */
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, true);
    uint64_t t = read_time(f);
    assert_true(t >= 0x123400005678ull);
    assert_true(t < 0x123400005678ull + TIMEOUT_NS);
}

static void test_alarm_in_past(void **state)
{
    Fixture *f = *state;

    set_alarm(f, read_time(f) - 1);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_STATUS), 0); /* fired already */
    assert_int_equal(f->irq, 0);                           /* but IRQ disabled */
    wr(f, GOLDFISH_RTC_IRQ_ENABLED, 1);
    assert_int_equal(rd(f, GOLDFISH_RTC_IRQ_ENABLED), 1);
    assert_int_equal(f->irq, 1); /* the pending interrupt shows once enabled */
    wr(f, GOLDFISH_RTC_CLEAR_INTERRUPT, 1);
    assert_int_equal(f->irq, 0);
}

static void test_alarm_fires(void **state)
{
    Fixture *f = *state;

    wr(f, GOLDFISH_RTC_IRQ_ENABLED, 1);
    /* Guest time frozen while programming, so a loaded host cannot fire it early. */
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, false);
    uint64_t when = read_time(f) + 2000000; /* 2 ms */
    set_alarm(f, when);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_STATUS), 1);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_LOW), (uint32_t)when);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_HIGH), (uint32_t)(when >> 32));
    assert_int_equal(f->irq, 0);
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, true);
    wait_for_irq(f);
    assert_int_equal(f->raises, 1);
    assert_false(f->early);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_STATUS), 0);
    wr(f, GOLDFISH_RTC_CLEAR_INTERRUPT, 1);
    assert_int_equal(f->irq, 0);
}

static void test_clear_alarm(void **state)
{
    Fixture *f = *state;

    wr(f, GOLDFISH_RTC_IRQ_ENABLED, 1);
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, false);
    set_alarm(f, read_time(f) + 1000000);
    wr(f, GOLDFISH_RTC_CLEAR_ALARM, 1);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_STATUS), 0);
    assert_false(timer_pending(f->s->timer));
    /* An alarm far beyond the clock's range counts as armed but never fires. */
    set_alarm(f, UINT64_MAX);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_STATUS), 1);
    assert_false(timer_pending(f->s->timer));
    assert_int_equal(f->irq, 0);
}

static void test_reset(void **state)
{
    Fixture *f = *state;

    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, false);
    /* The guest set its own time, took an interrupt, and armed the next alarm. */
    wr(f, GOLDFISH_RTC_TIME_HIGH, 0x1234);
    wr(f, GOLDFISH_RTC_TIME_LOW, 0x5678);
    wr(f, GOLDFISH_RTC_IRQ_ENABLED, 1);
    set_alarm(f, read_time(f) - 1);
    assert_int_equal(f->irq, 1);
    set_alarm(f, read_time(f) + 1000000);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_STATUS), 1);
    assert_true(timer_pending(f->s->timer));

    goldfish_rtc_reset(f->s);
    assert_int_equal(f->irq, 0);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_STATUS), 0);
    assert_false(timer_pending(f->s->timer));
    assert_int_equal(rd(f, GOLDFISH_RTC_IRQ_ENABLED), 0);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_LOW), 0);
    assert_int_equal(rd(f, GOLDFISH_RTC_ALARM_HIGH), 0);
    /* Nothing was left pending: enabling the IRQ again does not raise it. */
    wr(f, GOLDFISH_RTC_IRQ_ENABLED, 1);
    assert_int_equal(f->irq, 0);
    assert_int_equal(f->raises, 1);

    /* The offset survives: same time while frozen, and it runs on from there. */
    assert_int_equal(read_time(f), 0x123400005678ull);
    qemu_clock_enable(f->clocks, QEMU_CLOCK_VIRTUAL, true);
    uint64_t t = read_time(f);
    assert_true(t >= 0x123400005678ull);
    assert_true(t < 0x123400005678ull + TIMEOUT_NS);
}

static void test_bad_accesses(void **state)
{
    Fixture *f = *state;
    uint64_t v;

    assert_int_equal(rd(f, 0x20), 0);
    wr(f, 0x20, 1);
    assert_int_equal(address_space_ld(&f->as, BASE, 8, &v), MEMTX_ERROR);
    assert_int_equal(address_space_ld(&f->as, BASE + 1, 1, &v), MEMTX_ERROR);
    assert_int_equal(f->irq, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_time),        T(test_alarm_in_past), T(test_alarm_fires),
        T(test_clear_alarm), T(test_reset),         T(test_bad_accesses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
