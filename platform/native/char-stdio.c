/*
 * char-stdio.c - the stdio chardev backend: the guest console on the host
 * terminal (QEMU's chardev/char-stdio.c plus the mux's Ctrl-A commands).
 *
 * On a TTY, stdin is put into raw mode (no echo, no line editing, no signals
 * from Ctrl-C: those keys belong to the guest, as in QEMU's -nographic) and
 * restored on every exit path: qemu_chr_delete(), exit() through atexit,
 * SIGINT/SIGTERM (which the main loop turns into a normal return from
 * main_loop_run()), and crash signals (stdio_fatal_signal).  When stdin is
 * not a TTY (tests, pipes) termios is left alone and bytes pass straight
 * through; Ctrl-A x still quits.
 *
 * Input is read in the main loop thread from a uv_poll_t on fd 0.  Output is
 * written synchronously by whichever thread holds the BQL (vCPU threads, in
 * the UART's MMIO callback).  uv_poll sets fd 0 non-blocking, which on a
 * terminal is shared with fd 1, so writes wait for POLLOUT on EAGAIN.
 */
#include "chardev/char.h"

#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <uv.h>

/*
 * The saved terminal state lives at file scope because atexit() handlers take
 * no argument; there is one controlling terminal per process anyway.
 */
static struct termios stdio_saved_tty;
static bool stdio_tty_saved;
static int stdio_saved_flags = -1;
static bool stdio_atexit_registered;

static void stdio_remove_fatal_handlers(void);

static void stdio_restore_terminal(void)
{
    if (stdio_tty_saved) {
        tcsetattr(0, TCSANOW, &stdio_saved_tty);
        stdio_tty_saved = false;
        stdio_remove_fatal_handlers();
    }
    if (stdio_saved_flags >= 0) {
        fcntl(0, F_SETFL, stdio_saved_flags);
        stdio_saved_flags = -1;
    }
}

/*
 * A crash (a bug, an abort() on API misuse) must not leave the user's shell
 * in raw mode either: restore the terminal, then let the previous action
 * (the default core dump, or a sanitizer's report) handle the signal.
 */
static const int stdio_fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
static struct sigaction stdio_old_actions[5];

static void stdio_fatal_signal(int sig)
{
    if (stdio_tty_saved) {
        tcsetattr(0, TCSANOW, &stdio_saved_tty); /* async-signal-safe */
    }
    for (int i = 0; i < 5; i++) {
        if (stdio_fatal_signals[i] == sig) {
            sigaction(sig, &stdio_old_actions[i], NULL);
        }
    }
    raise(sig); /* delivered with the previous action once this handler returns */
}

static void stdio_install_fatal_handlers(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = stdio_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 5; i++) {
        sigaction(stdio_fatal_signals[i], &sa, &stdio_old_actions[i]);
    }
}

static void stdio_remove_fatal_handlers(void)
{
    for (int i = 0; i < 5; i++) {
        sigaction(stdio_fatal_signals[i], &stdio_old_actions[i], NULL);
    }
}

typedef struct StdioChardev {
    uv_poll_t poll;
    bool poll_init;
    bool polling;
    bool eof;
    CharEscape esc;
    QEMUBH *accept_bh;
} StdioChardev;

static size_t stdio_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(1, buf + done, len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            struct pollfd pfd = {.fd = 1, .events = POLLOUT};
            /* A stuck terminal must not hang the guest forever: give up after 1 s. */
            if (poll(&pfd, 1, 1000) <= 0) {
                break;
            }
        } else {
            break;
        }
    }
    return len; /* what the terminal did not take is lost, like a UART without flow control */
}

static void stdio_poll_cb(uv_poll_t *h, int status, int events);

static void stdio_update_poll(Chardev *chr)
{
    StdioChardev *s = chr->opaque;
    if (!s->poll_init || s->eof) {
        return;
    }
    bool want = qemu_chr_be_can_write(chr) > 0;
    if (want && !s->polling) {
        if (uv_poll_start(&s->poll, UV_READABLE, stdio_poll_cb) == 0) {
            s->polling = true;
        }
    } else if (!want && s->polling) {
        uv_poll_stop(&s->poll);
        s->polling = false;
    }
}

static void stdio_poll_cb(uv_poll_t *h, int status, int events)
{
    Chardev *chr = h->data;
    StdioChardev *s = chr->opaque;
    bool locked = bql_locked();
    if (!locked) {
        bql_lock();
    }
    size_t can = qemu_chr_be_can_write(chr);
    if (status == 0 && can > 0) {
        uint8_t buf[256];
        ssize_t n = read(0, buf, can < sizeof(buf) ? can : sizeof(buf));
        if (n > 0) {
            qemu_chr__input_with_escapes(chr, &s->esc, buf, (size_t)n);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            s->eof = true; /* stdin closed: the guest just gets no more input */
            uv_poll_stop(&s->poll);
            s->polling = false;
        }
    }
    stdio_update_poll(chr);
    if (!locked) {
        bql_unlock();
    }
}

/* accept_input may come from a vCPU thread; libuv handles are touched in the main loop only. */
static void stdio_accept_bh(void *opaque)
{
    stdio_update_poll(opaque);
}

static void stdio_accept_input(Chardev *chr)
{
    StdioChardev *s = chr->opaque;
    if (s->accept_bh) {
        qemu_bh_schedule(s->accept_bh);
    }
}

static void stdio_close(Chardev *chr)
{
    StdioChardev *s = chr->opaque;
    if (s->accept_bh) {
        qemu_bh_delete(s->accept_bh);
    }
    if (s->poll_init) {
        uv_poll_stop(&s->poll);
        /* The handle memory must outlive libuv's close; free it from the close callback. */
        uv_close((uv_handle_t *)&s->poll, (uv_close_cb)free);
    } else {
        free(s);
    }
    stdio_restore_terminal();
}

static const ChardevClass stdio_class = {
    .name = "stdio",
    .write = stdio_write,
    .accept_input = stdio_accept_input,
    .close = stdio_close,
};

static void stdio_set_raw(void)
{
    struct termios tty;
    if (!isatty(0) || tcgetattr(0, &stdio_saved_tty) < 0) {
        return;
    }
    stdio_tty_saved = true;
    if (!stdio_atexit_registered) {
        atexit(stdio_restore_terminal);
        stdio_atexit_registered = true;
    }
    tty = stdio_saved_tty;
    tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
    tty.c_cflag &= ~(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    stdio_install_fatal_handlers();
    tcsetattr(0, TCSANOW, &tty);
}

Chardev *qemu_chr_open_stdio(const char *label, MainLoop *ml)
{
    StdioChardev *s = calloc(1, sizeof(*s));
    Chardev *chr = s ? qemu_chr__alloc(&stdio_class, label, ml) : NULL;
    if (!chr) {
        free(s);
        error_report("chardev stdio: out of memory");
        return NULL;
    }
    chr->opaque = s;
    stdio_saved_flags = fcntl(0, F_GETFL);
    if (!stdio_atexit_registered) {
        atexit(stdio_restore_terminal);
        stdio_atexit_registered = true;
    }
    stdio_set_raw();

    uv_loop_t *loop = ml ? main_loop_get_native_loop(ml) : NULL;
    /* uv_poll refuses regular files and /dev/null; such a stdin simply gives no input. */
    if (loop && uv_poll_init(loop, &s->poll, 0) == 0) {
        s->poll_init = true;
        s->poll.data = chr;
        s->accept_bh = aio_bh_new(main_loop_get_aio_context(ml), stdio_accept_bh, chr);
    }
    return chr;
}
