/*
 * test-char.c - chardev plumbing: frontend handlers see backend input, writes
 * reach the backend, accept_input reaches it, the Ctrl-A escape machine, and
 * spec parsing (null backend, malformed tcp specs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "chardev/char.h"

#include <string.h>

/* A backend that records what the frontend wrote and how often it asked for input. */
typedef struct FakeBackend {
    uint8_t out[256];
    size_t out_len;
    int accept_calls;
    int closed;
} FakeBackend;

static size_t fake_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    FakeBackend *fb = chr->opaque;
    memcpy(fb->out + fb->out_len, buf, len);
    fb->out_len += len;
    return len;
}

static void fake_accept(Chardev *chr)
{
    ((FakeBackend *)chr->opaque)->accept_calls++;
}

static void fake_close(Chardev *chr)
{
    ((FakeBackend *)chr->opaque)->closed++;
}

static const ChardevClass fake_class = {
    .name = "fake", .write = fake_write, .accept_input = fake_accept, .close = fake_close};

/* A frontend with a small receive buffer, like a UART FIFO. */
typedef struct Front {
    uint8_t in[64];
    size_t in_len;
    size_t room;
    int breaks;
} Front;

static size_t front_can_read(void *opaque)
{
    Front *fr = opaque;
    return fr->room - fr->in_len;
}

static void front_read(void *opaque, const uint8_t *buf, size_t len)
{
    Front *fr = opaque;
    memcpy(fr->in + fr->in_len, buf, len);
    fr->in_len += len;
}

static void front_event(void *opaque, QEMUChrEvent ev)
{
    if (ev == CHR_EVENT_BREAK) {
        ((Front *)opaque)->breaks++;
    }
}

static void test_frontend_backend_plumbing(void **state)
{
    FakeBackend fb = {0};
    Front fr = {.room = 4};
    CharBackend be;
    Chardev *chr = qemu_chr__alloc(&fake_class, "fake0", NULL);
    chr->opaque = &fb;

    assert_true(qemu_chr_fe_init(&be, chr));
    CharBackend other;
    assert_false(qemu_chr_fe_init(&other, chr));     /* one frontend per backend */
    assert_int_equal(qemu_chr_be_can_write(chr), 0); /* no handlers yet */

    qemu_chr_fe_set_handlers(&be, front_can_read, front_read, front_event, &fr);
    assert_int_equal(fb.accept_calls, 1);
    assert_int_equal(qemu_chr_be_can_write(chr), 4);
    qemu_chr_be_write(chr, (const uint8_t *)"abc", 3);
    assert_int_equal(qemu_chr_be_can_write(chr), 1);
    assert_memory_equal(fr.in, "abc", 3);

    assert_int_equal(qemu_chr_fe_write_all(&be, (const uint8_t *)"hello", 5), 5);
    assert_int_equal(fb.out_len, 5);
    assert_memory_equal(fb.out, "hello", 5);

    qemu_chr_fe_accept_input(&be);
    assert_int_equal(fb.accept_calls, 2);
    qemu_chr_be_event(chr, CHR_EVENT_BREAK);
    assert_int_equal(fr.breaks, 1);

    qemu_chr_delete(chr); /* detaches the frontend */
    assert_null(be.chr);
    assert_int_equal(fb.closed, 1);
    /* Writes to a detached frontend are discarded, not crashes. */
    assert_int_equal(qemu_chr_fe_write_all(&be, (const uint8_t *)"x", 1), 1);
}

static void test_escape_machine(void **state)
{
    CharEscape e = {0};
    uint8_t out = 0;
    assert_int_equal(chr_escape_process(&e, 'a', &out), CHR_ESCAPE_BYTE);
    assert_int_equal(out, 'a');
    assert_int_equal(chr_escape_process(&e, 0x01, &out), CHR_ESCAPE_NONE);
    assert_int_equal(chr_escape_process(&e, 0x01, &out), CHR_ESCAPE_BYTE);
    assert_int_equal(out, 0x01);
    assert_int_equal(chr_escape_process(&e, 0x01, &out), CHR_ESCAPE_NONE);
    assert_int_equal(chr_escape_process(&e, 'x', &out), CHR_ESCAPE_QUIT);
    assert_int_equal(chr_escape_process(&e, 0x01, &out), CHR_ESCAPE_NONE);
    assert_int_equal(chr_escape_process(&e, 'h', &out), CHR_ESCAPE_HELP);
    assert_int_equal(chr_escape_process(&e, 0x01, &out), CHR_ESCAPE_NONE);
    assert_int_equal(chr_escape_process(&e, 'b', &out), CHR_ESCAPE_BREAK);
    /* An unknown command is swallowed and the machine is back to plain bytes. */
    assert_int_equal(chr_escape_process(&e, 0x01, &out), CHR_ESCAPE_NONE);
    assert_int_equal(chr_escape_process(&e, 'z', &out), CHR_ESCAPE_NONE);
    assert_int_equal(chr_escape_process(&e, 'x', &out), CHR_ESCAPE_BYTE);
    assert_int_equal(out, 'x');
}

static void test_input_with_escapes(void **state)
{
    FakeBackend fb = {0};
    Front fr = {.room = 64};
    CharBackend be;
    CharEscape e = {0};
    Chardev *chr = qemu_chr__alloc(&fake_class, "fake1", NULL);
    chr->opaque = &fb;
    qemu_chr_fe_init(&be, chr);
    qemu_chr_fe_set_handlers(&be, front_can_read, front_read, front_event, &fr);

    /* Split across calls: C-a at the end of one read, the command in the next. */
    qemu_chr__input_with_escapes(chr, &e, (const uint8_t *)"ab\x01", 3);
    qemu_chr__input_with_escapes(chr, &e,
                                 (const uint8_t *)"\x01"
                                                  "c\x01h\x01"
                                                  "b",
                                 6);
    assert_int_equal(fr.in_len, 4);
    assert_memory_equal(fr.in,
                        "ab\x01"
                        "c",
                        4);
    assert_int_equal(fr.breaks, 1);
    assert_non_null(strstr((const char *)fb.out, "C-a x"));
    qemu_chr_delete(chr);
}

static void test_spec_parsing(void **state)
{
    Chardev *c = qemu_chr_new("s", "null", NULL);
    assert_non_null(c);
    assert_string_equal(c->label, "s");
    qemu_chr_delete(c);
    c = qemu_chr_new("s", "null,id=mycon", NULL);
    assert_non_null(c);
    assert_string_equal(c->label, "mycon");
    qemu_chr_delete(c);
    assert_null(qemu_chr_new("s", "bogus", NULL));
    assert_null(qemu_chr_new("s", "tcp:localhost", NULL));
    assert_null(qemu_chr_new("s", "tcp::99999,server", NULL));
    assert_null(qemu_chr_new("s", "socket,id=x", NULL));
    assert_null(qemu_chr_new("s", "", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frontend_backend_plumbing),
        cmocka_unit_test(test_escape_machine),
        cmocka_unit_test(test_input_with_escapes),
        cmocka_unit_test(test_spec_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
