/*
 * test-cli.c - command-line pieces that need no machine: QEMU's size syntax
 * for -m, and the exit status of minimu_main() for help, version and bad
 * options (which must fail before any terminal or thread is touched).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "system/cli.h"

static void test_sizes(void **state)
{
    uint64_t b = 0;
    assert_true(cli_parse_size_mb("256M", &b));
    assert_int_equal(b, 256ULL << 20);
    assert_true(cli_parse_size_mb("1G", &b));
    assert_int_equal(b, 1ULL << 30);
    assert_true(cli_parse_size_mb("1g", &b));
    assert_int_equal(b, 1ULL << 30);
    assert_true(cli_parse_size_mb("512", &b)); /* plain numbers are MiB */
    assert_int_equal(b, 512ULL << 20);
    assert_true(cli_parse_size_mb("65536K", &b));
    assert_int_equal(b, 64ULL << 20);
    assert_true(cli_parse_size_mb("2GB", &b));
    assert_int_equal(b, 2ULL << 30);
    assert_false(cli_parse_size_mb("12Q", &b));
    assert_false(cli_parse_size_mb("", &b));
    assert_false(cli_parse_size_mb("M", &b));
    assert_false(cli_parse_size_mb("-1", &b));
    assert_false(cli_parse_size_mb("1GX", &b));
    assert_false(cli_parse_size_mb("99999999999999999999", &b));
    assert_false(cli_parse_size_mb("17179869184T", &b)); /* overflows 64 bits */
}

static int run(int argc, const char *const *argv)
{
    return minimu_main(argc, (char **)argv);
}

static void test_exit_status(void **state)
{
    assert_int_equal(run(2, (const char *const[]){"minimu", "--version", NULL}), 0);
    assert_int_equal(run(2, (const char *const[]){"minimu", "-h", NULL}), 0);
    assert_int_equal(run(2, (const char *const[]){"minimu", "-nope", NULL}), 1);
    assert_int_equal(run(3, (const char *const[]){"minimu", "-m", "12Q", NULL}), 1);
    assert_int_equal(run(2, (const char *const[]){"minimu", "-m", NULL}), 1);
    assert_int_equal(run(3, (const char *const[]){"minimu", "-smp", "99", NULL}), 1);
    assert_int_equal(run(3, (const char *const[]){"minimu", "-d", "bogus", NULL}), 1);
    assert_int_equal(run(3, (const char *const[]){"minimu", "-display", "gtk", NULL}), 1);
    assert_int_equal(run(2, (const char *const[]){"minimu", "stray", NULL}), 1);
    assert_int_equal(
        run(5, (const char *const[]){"minimu", "-bios", "none", "-kernel", "/nonexistent", NULL}),
        1);
    assert_int_equal(run(3, (const char *const[]){"minimu", "-bios", "none", NULL}), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_exit_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
