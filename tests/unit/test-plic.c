/*
 * test-plic.c - the PLIC with the virt layout: priorities, enables,
 * thresholds, claim/complete with level-triggered gateways, priority and ID
 * ordering, per-context outputs, and bad accesses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/riscv-plic.h"

#include <stdlib.h>

#define BASE     0xc000000
#define NHARTS   2
#define NCONTEXT (2 * NHARTS)

typedef struct Fixture {
    PlicState *s;
    AddressSpace as;
    int out[NCONTEXT];
    IRQLine uart, rtc, hi; /* devices' lines into the PLIC */
} Fixture;

static void out_cb(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    f->out[n] = level;
}

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->s = plic_new(PLIC_VIRT_NDEV, NCONTEXT);
    assert_non_null(f->s);
    for (int i = 0; i < NCONTEXT; i++) {
        qemu_irq_connect(&f->s->contexts[i].out, out_cb, f, i);
    }
    plic_connect_input(f->s, &f->uart, 10);
    plic_connect_input(f->s, &f->rtc, 11);
    plic_connect_input(f->s, &f->hi, 96);
    address_space_init(&f->as, "test");
    assert_int_equal(address_space_map_region(&f->as, BASE, &f->s->mmio), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    address_space_destroy(&f->as);
    plic_free(f->s);
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

static hwaddr enable(int ctx, int word)
{
    return PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * (hwaddr)ctx + 4 * (hwaddr)word;
}

static hwaddr threshold(int ctx)
{
    return PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (hwaddr)ctx;
}

static hwaddr claim(int ctx)
{
    return threshold(ctx) + 4;
}

static void test_registers(void **state)
{
    Fixture *f = *state;

    wr(f, 4 * 10, 5);
    assert_int_equal(rd(f, 4 * 10), 5);
    wr(f, 4 * 10, 0xff); /* 7 levels: three bits */
    assert_int_equal(rd(f, 4 * 10), 7);
    wr(f, 0, 3); /* source 0 does not exist */
    assert_int_equal(rd(f, 0), 0);
    wr(f, 4 * 96, 2);
    assert_int_equal(rd(f, 4 * 96), 2);

    wr(f, enable(1, 0), 0xffffffff);
    assert_int_equal(rd(f, enable(1, 0)), 0xfffffffe); /* bit 0 hardwired */
    wr(f, enable(1, 3), 0xffffffff);
    assert_int_equal(rd(f, enable(1, 3)), 1); /* only source 96 */
    assert_int_equal(rd(f, enable(0, 0)), 0);

    wr(f, threshold(3), 9);
    assert_int_equal(rd(f, threshold(3)), 1);
    assert_int_equal(rd(f, threshold(2)), 0);
}

static void test_claim_complete_level(void **state)
{
    Fixture *f = *state;

    wr(f, 4 * 10, 1);
    wr(f, enable(1, 0), 1u << 10); /* hart 0, S-mode */

    qemu_irq_raise(&f->uart);
    assert_int_equal(rd(f, PLIC_PENDING_BASE), 1u << 10);
    assert_int_equal(f->out[1], 1);
    assert_int_equal(f->out[0], 0); /* M context has it disabled */
    assert_int_equal(f->out[3], 0);

    assert_int_equal(rd(f, claim(1)), 10);
    assert_int_equal(f->out[1], 0);
    assert_int_equal(rd(f, PLIC_PENDING_BASE), 0);
    assert_int_equal(rd(f, claim(1)), 0); /* nothing else */

    /* Still high at completion: pending again (level-triggered). */
    wr(f, claim(1), 10);
    assert_int_equal(f->out[1], 1);
    assert_int_equal(rd(f, claim(1)), 10);
    /* The device lowers its line before completion: nothing more. */
    qemu_irq_lower(&f->uart);
    wr(f, claim(1), 10);
    assert_int_equal(f->out[1], 0);
    assert_int_equal(rd(f, PLIC_PENDING_BASE), 0);

    /* A line that drops before it is claimed withdraws its request. */
    qemu_irq_raise(&f->uart);
    assert_int_equal(f->out[1], 1);
    qemu_irq_lower(&f->uart);
    assert_int_equal(f->out[1], 0);
    assert_int_equal(rd(f, claim(1)), 0);
}

static void test_priority_threshold(void **state)
{
    Fixture *f = *state;

    wr(f, enable(0, 0), (1u << 10) | (1u << 11));
    wr(f, enable(0, 3), 1);
    qemu_irq_raise(&f->uart);
    qemu_irq_raise(&f->rtc);
    qemu_irq_raise(&f->hi);
    /* Priority 0 never interrupts. */
    assert_int_equal(f->out[0], 0);
    assert_int_equal(rd(f, claim(0)), 0);

    wr(f, 4 * 10, 2);
    wr(f, 4 * 11, 2);
    wr(f, 4 * 96, 3);
    assert_int_equal(f->out[0], 1);
    /* Highest priority first, then the lowest ID among equals. */
    assert_int_equal(rd(f, claim(0)), 96);
    assert_int_equal(rd(f, claim(0)), 10);
    assert_int_equal(rd(f, claim(0)), 11);
    assert_int_equal(f->out[0], 0);
    wr(f, claim(0), 96);
    wr(f, claim(0), 10);
    wr(f, claim(0), 11);
    assert_int_equal(f->out[0], 1);

    /* Threshold masks priorities at or below it. */
    wr(f, threshold(0), 2);
    assert_int_equal(f->out[0], 1); /* 96 at 3 is above */
    assert_int_equal(rd(f, claim(0)), 96);
    assert_int_equal(f->out[0], 0); /* 10, 11 at 2 are masked */
    assert_int_equal(rd(f, claim(0)), 0);
    wr(f, threshold(0), 1);
    assert_int_equal(f->out[0], 1);

    /* Two contexts racing for one source: only one wins the claim. */
    wr(f, enable(2, 0), 1u << 10);
    assert_int_equal(f->out[2], 1);
    assert_int_equal(rd(f, claim(2)), 10);
    assert_int_equal(f->out[2], 0);
    assert_int_equal(rd(f, claim(0)), 11);
}

static void test_completion_rules(void **state)
{
    Fixture *f = *state;

    wr(f, 4 * 10, 1);
    wr(f, enable(1, 0), 1u << 10);
    qemu_irq_raise(&f->uart);
    assert_int_equal(rd(f, claim(1)), 10);
    /* A completion from a context without the source enabled is ignored. */
    wr(f, claim(0), 10);
    assert_int_equal(f->out[1], 0);
    /* Bogus IDs are ignored. */
    wr(f, claim(1), 0);
    wr(f, claim(1), 500);
    assert_int_equal(f->out[1], 0);
    wr(f, claim(1), 10);
    assert_int_equal(f->out[1], 1);
}

static void test_bad_accesses(void **state)
{
    Fixture *f = *state;
    uint64_t v;

    /* Pending is read-only. */
    qemu_irq_raise(&f->uart);
    wr(f, PLIC_PENDING_BASE, 0);
    assert_int_equal(rd(f, PLIC_PENDING_BASE), 1u << 10);
    /* Wrong sizes, past the sources, past the contexts, reserved offsets. */
    assert_int_equal(address_space_ld(&f->as, BASE + 4 * 10, 1, &v), MEMTX_ERROR);
    assert_int_equal(address_space_ld(&f->as, BASE + 4 * 10, 8, &v), MEMTX_ERROR);
    assert_int_equal(rd(f, 4 * 97), 0);
    wr(f, 4 * 97, 1);
    assert_int_equal(rd(f, enable(NCONTEXT, 0)), 0);
    wr(f, enable(NCONTEXT, 0), 0xffffffff);
    assert_int_equal(rd(f, threshold(NCONTEXT)), 0);
    wr(f, threshold(NCONTEXT) + 4, 10);
    assert_int_equal(rd(f, threshold(0) + 8), 0);
    assert_int_equal(rd(f, PLIC_MMIO_SIZE - 4), 0);
    /* Out-of-range inputs are ignored. */
    plic_set_irq(f->s, 0, 1);
    plic_set_irq(f->s, 97, 1);
    plic_set_irq(f->s, -1, 1);
    for (int i = 0; i < NCONTEXT; i++) {
        assert_int_equal(f->out[i], 0);
    }

    assert_null(plic_new(0, 2));
    assert_null(plic_new(PLIC_MAX_SOURCES, 2));
    assert_null(plic_new(96, PLIC_MAX_CONTEXTS + 1));
}

static void test_reset(void **state)
{
    Fixture *f = *state;
    wr(f, 4 * 10, 1);
    wr(f, enable(1, 0), 1u << 10);
    qemu_irq_raise(&f->uart);
    assert_int_equal(f->out[1], 1);
    plic_reset(f->s);
    assert_int_equal(f->out[1], 0);
    assert_int_equal(rd(f, 4 * 10), 0);
    /* The line is still high: re-enabling brings the request back. */
    wr(f, 4 * 10, 1);
    wr(f, enable(1, 0), 1u << 10);
    assert_int_equal(f->out[1], 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_registers),        T(test_claim_complete_level), T(test_priority_threshold),
        T(test_completion_rules), T(test_bad_accesses),         T(test_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
