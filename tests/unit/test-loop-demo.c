/*
 * test-loop-demo.c - the tutorial demo shows each piece of work in the thread
 * that really ran it (the trace is recorded, not scripted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "system/loop-demo.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* True if some line has both @thread and @text. */
static bool has_line(const char *out, const char *thread, const char *text)
{
    const char *line = out;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[256];
        snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
        char tbuf[32];
        snprintf(tbuf, sizeof(tbuf), " %s ", thread);
        if (strstr(buf, tbuf) && strstr(buf, text)) {
            return true;
        }
        line = end ? end + 1 : NULL;
    }
    return false;
}

static void test_demo_threads(void **state)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    assert_int_equal(loop_demo_run(f), 0);
    fclose(f);
    print_message("%s", out);
    assert_true(has_line(out, "vcpu0", "DOORBELL write (BQL held)"));
    assert_true(has_line(out, "main", "timer_fire"));
    assert_true(has_line(out, "io0", "fd_dispatch"));
    assert_true(has_line(out, "io0", "co_enter"));
    assert_true(has_line(out, "worker", "pool_work"));
    assert_true(has_line(out, "main", "irq raised (BQL held)"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_threads),
    };
    return cmocka_run_group_tests_name("loop-demo", tests, NULL, NULL);
}
