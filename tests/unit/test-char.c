/*
 * test-char.c - chardev plumbing: frontend handlers see backend input, writes
 * reach the backend, accept_input reaches it, the Ctrl-A escape machine,
 * spec parsing (null backend, malformed tcp specs, wait options), and a TCP
 * server's wait for its first client (on a real main loop and loopback
 * socket): it returns once a client connects, not at all with nowait/wait=off,
 * and gives up with the main loop's exit status on SIGTERM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "chardev/char.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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
    /* Bad wait values, and wait in client mode (QEMU refuses both), fail before any socket. */
    assert_null(qemu_chr_new("s", "tcp:127.0.0.1:1,server,wait=maybe", NULL));
    assert_null(qemu_chr_new("s", "tcp:127.0.0.1:1,server=perhaps", NULL));
    assert_null(qemu_chr_new("s", "tcp:127.0.0.1:1,wait=off", NULL));
    assert_null(qemu_chr_new("s", "tcp:127.0.0.1:1,nowait", NULL));
    assert_null(qemu_chr_new("s", "socket,id=x,port=1,wait=on", NULL));
}

/* ---- a TCP server's wait for its first client --------------------------------------------- */

typedef struct SocketFixture {
    QEMUClocks *clocks;
    MainLoop *ml;
    int port;
    pthread_t thread;
    bool connected; /* the helper thread got a connection */
    int peer;       /* its socket, closed at teardown */
} SocketFixture;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* A port nobody listens on now (the race with other programs is harmless for a test). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static int socket_setup(void **state)
{
    SocketFixture *f = calloc(1, sizeof(*f));
    f->clocks = qemu_clocks_new();
    f->ml = main_loop_new(f->clocks); /* takes the BQL, handles SIGINT/SIGTERM */
    assert_non_null(f->ml);
    f->port = free_port();
    f->peer = -1;
    *state = f;
    return 0;
}

static int socket_teardown(void **state)
{
    SocketFixture *f = *state;
    if (f->peer >= 0) {
        close(f->peer);
    }
    main_loop_free(f->ml);
    qemu_clocks_free(f->clocks);
    free(f);
    return 0;
}

/*
 * Connect to the port, retrying until the server listens (up to 10 s).  If it
 * never does, quit the main loop so the test fails instead of hanging.
 */
static void *connect_thread(void *opaque)
{
    SocketFixture *f = opaque;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)f->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int i = 0; i < 1000; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
            f->peer = fd;
            f->connected = true;
            return NULL;
        }
        if (fd >= 0) {
            close(fd);
        }
        sleep_ms(10);
    }
    main_loop_quit(f->ml, 99);
    return NULL;
}

static void test_socket_waits_for_client(void **state)
{
    SocketFixture *f = *state;
    char spec[64];

    /* Both spellings: the -serial shorthand and -chardev socket with server=on. */
    for (int round = 0; round < 2; round++) {
        if (round == 0) {
            snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d,server", f->port);
        } else {
            snprintf(spec, sizeof(spec), "socket,id=c,host=127.0.0.1,port=%d,server=on", f->port);
        }
        f->connected = false;
        assert_int_equal(pthread_create(&f->thread, NULL, connect_thread, f), 0);
        Chardev *chr = qemu_chr_new("s", spec, f->ml);
        pthread_join(f->thread, NULL);
        assert_non_null(chr);
        assert_true(f->connected);
        assert_true(chr->be_open); /* it returned because the client was accepted */
        assert_false(main_loop_should_exit(f->ml, NULL));
        qemu_chr_delete(chr);
        close(f->peer);
        f->peer = -1;
        f->port = free_port();
    }
}

static void test_socket_nowait(void **state)
{
    SocketFixture *f = *state;
    const char *fmt[] = {"tcp:127.0.0.1:%d,server,nowait", "tcp:127.0.0.1:%d,server,wait=off",
                         "socket,id=c,host=127.0.0.1,port=%d,server=on,wait=off"};
    char spec[80];

    for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
        /* No one connects: a wait would block here forever (ctest's timeout). */
        snprintf(spec, sizeof(spec), fmt[i], f->port);
        Chardev *chr = qemu_chr_new("s", spec, f->ml);
        assert_non_null(chr);
        assert_false(chr->be_open);
        qemu_chr_delete(chr);
        main_loop_wait(f->ml, true); /* let libuv close the listener before the port is reused */
        f->port = free_port();
    }
}

static void *sigterm_thread(void *opaque)
{
    sleep_ms(50); /* before or during the wait: the main loop sees it either way */
    kill(getpid(), SIGTERM);
    return NULL;
}

static void test_socket_wait_sigterm(void **state)
{
    SocketFixture *f = *state;
    char spec[64];
    int status = -1;

    snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d,server", f->port);
    assert_int_equal(pthread_create(&f->thread, NULL, sigterm_thread, NULL), 0);
    Chardev *chr = qemu_chr_new("s", spec, f->ml);
    pthread_join(f->thread, NULL);
    assert_null(chr);
    assert_true(main_loop_should_exit(f->ml, &status));
    assert_int_equal(status, 128 + SIGTERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frontend_backend_plumbing),
        cmocka_unit_test(test_escape_machine),
        cmocka_unit_test(test_input_with_escapes),
        cmocka_unit_test(test_spec_parsing),
        cmocka_unit_test_setup_teardown(test_socket_waits_for_client, socket_setup,
                                        socket_teardown),
        cmocka_unit_test_setup_teardown(test_socket_nowait, socket_setup, socket_teardown),
        cmocka_unit_test_setup_teardown(test_socket_wait_sigterm, socket_setup, socket_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
