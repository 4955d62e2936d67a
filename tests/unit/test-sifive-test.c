/*
 * test-sifive-test.c - the test finisher reports pass, fail with a code and
 * reset to the board's callback (and never exits the process); anything else
 * is ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/sifive-test.h"

#define BASE 0x100000

typedef struct Seen {
    int calls, kind, code;
} Seen;

static void finish_cb(void *opaque, int kind, int code)
{
    Seen *s = opaque;
    s->calls++;
    s->kind = kind;
    s->code = code;
}

static void test_finisher(void **state)
{
    SifiveTestState dev;
    AddressSpace as;
    Seen seen = {0};
    uint64_t v;

    sifive_test_init(&dev, finish_cb, &seen);
    address_space_init(&as, "test");
    assert_int_equal(address_space_map_region(&as, BASE, &dev.mmio), 0);

    assert_int_equal(address_space_st(&as, BASE, 4, 0x5555), MEMTX_OK);
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.kind, SIFIVE_TEST_PASS);
    assert_int_equal(seen.code, 0);

    assert_int_equal(address_space_st(&as, BASE, 4, (42u << 16) | 0x3333), MEMTX_OK);
    assert_int_equal(seen.calls, 2);
    assert_int_equal(seen.kind, SIFIVE_TEST_FAIL);
    assert_int_equal(seen.code, 42);

    assert_int_equal(address_space_st(&as, BASE, 4, 0x7777), MEMTX_OK);
    assert_int_equal(seen.kind, SIFIVE_TEST_RESET);
    assert_int_equal(address_space_st(&as, BASE, 2, 0x5555), MEMTX_OK); /* 16-bit too */
    assert_int_equal(seen.calls, 4);
    assert_int_equal(seen.kind, SIFIVE_TEST_PASS);

    /* Unknown values, other offsets and sizes do nothing. */
    assert_int_equal(address_space_st(&as, BASE, 4, 0x1234), MEMTX_OK);
    assert_int_equal(address_space_st(&as, BASE + 4, 4, 0x5555), MEMTX_OK);
    assert_int_equal(address_space_st(&as, BASE, 1, 0x55), MEMTX_ERROR);
    assert_int_equal(address_space_st(&as, BASE, 8, 0x5555), MEMTX_ERROR);
    assert_int_equal(seen.calls, 4);
    assert_int_equal(address_space_ld(&as, BASE, 4, &v), MEMTX_OK);
    assert_int_equal(v, 0);

    address_space_destroy(&as);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_finisher)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
