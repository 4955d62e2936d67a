/*
 * char-web.c - the console of a machine in the browser: the "stdio" chardev
 * backend over two SharedArrayBuffer ring buffers, one per direction, read
 * and written by the page (web/serial-ring.mjs) without any postMessage per
 * byte.
 *
 * Both rings live in the wasm memory, which is itself a SharedArrayBuffer
 * the worker hands to the page once the console exists (web_console_ready).
 * Indices are free-running 32-bit counters; a ring holds head - tail bytes.
 *
 *   out (guest -> page)  written by whichever thread holds the BQL (a vCPU
 *                        thread in the UART's MMIO callback), read by the
 *                        page.  The page raises out_waiting before it sleeps
 *                        on out_head with Atomics.waitAsync; a writer wakes
 *                        it only then.  A full ring drops bytes, like a UART
 *                        without flow control (the page drains continuously).
 *   in  (page -> guest)  written by the page, which then sets the console's
 *                        event notifier (flag word + wake word, web-int.h);
 *                        the notifier's handler runs in the main loop and
 *                        feeds the UART as far as it has room.
 */
#include "chardev/char.h"

#include "util/error.h"
#include "web-int.h"

#include <emscripten.h>
#include <emscripten/threading.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define WEB_OUT_SIZE (256 * 1024)
#define WEB_IN_SIZE  (16 * 1024)

/* The layout web/serial-ring.mjs reads: keep the two in step. */
typedef struct WebConsoleRings {
    uint32_t out_head, out_tail, out_waiting, out_size;
    uint32_t in_head, in_tail, in_size, in_flag_addr;
    uint32_t wake_seq_addr, wake_waiters_addr, pad[2];
    uint8_t out[WEB_OUT_SIZE];
    uint8_t in[WEB_IN_SIZE];
} WebConsoleRings;

typedef struct WebConsole {
    EventNotifier in_notifier; /* first: the notifier callback finds the console from it */
    Chardev *chr;
    WebConsoleRings *r;
    AioContext *ctx;
} WebConsole;

/* Tell the worker script where the rings are; it passes them to the page. */
/* The body is JavaScript: keep clang-format away from it. */
// clang-format off
EM_JS(void, web_console_ready, (void *rings), {
    if (Module['onConsole']) {
        Module['onConsole'](rings, wasmMemory.buffer);
    }
});
// clang-format on

static size_t web_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    WebConsoleRings *r = ((WebConsole *)chr->opaque)->r;
    uint32_t head = __atomic_load_n(&r->out_head, __ATOMIC_RELAXED);
    uint32_t tail = __atomic_load_n(&r->out_tail, __ATOMIC_ACQUIRE);
    size_t room = WEB_OUT_SIZE - (head - tail);
    size_t n = len < room ? len : room;
    for (size_t i = 0; i < n; i++) {
        r->out[(head + i) % WEB_OUT_SIZE] = buf[i];
    }
    __atomic_store_n(&r->out_head, head + (uint32_t)n, __ATOMIC_SEQ_CST);
    if (__atomic_exchange_n(&r->out_waiting, 0, __ATOMIC_SEQ_CST)) {
        emscripten_futex_wake(&r->out_head, INT_MAX);
    }
    return len;
}

/* Main loop: move what the page typed into the frontend, as far as it has room. */
static void web_console_input(Chardev *chr)
{
    WebConsole *s = chr->opaque;
    WebConsoleRings *r = s->r;
    uint32_t tail = __atomic_load_n(&r->in_tail, __ATOMIC_RELAXED);
    uint32_t head = __atomic_load_n(&r->in_head, __ATOMIC_ACQUIRE);
    while (head != tail) {
        size_t can = qemu_chr_be_can_write(chr);
        if (can == 0) {
            break; /* accept_input sets the notifier again when the UART drains */
        }
        uint8_t buf[256];
        size_t n = head - tail;
        n = n < can ? n : can;
        n = n < sizeof(buf) ? n : sizeof(buf);
        for (size_t i = 0; i < n; i++) {
            buf[i] = r->in[(tail + i) % WEB_IN_SIZE];
        }
        tail += (uint32_t)n;
        __atomic_store_n(&r->in_tail, tail, __ATOMIC_RELEASE);
        qemu_chr_be_write(chr, buf, n);
    }
}

static void web_accept_input(Chardev *chr)
{
    WebConsole *s = chr->opaque;
    event_notifier_set(&s->in_notifier);
}

static void web_close(Chardev *chr)
{
    WebConsole *s = chr->opaque;
    if (s->ctx) {
        aio_set_event_notifier(s->ctx, &s->in_notifier, NULL, NULL, NULL);
    }
    event_notifier_cleanup(&s->in_notifier);
    /* The rings stay: the page may still hold a view on them.  One per machine run. */
    free(s);
}

static const ChardevClass web_console_class = {
    .name = "stdio",
    .write = web_write,
    .accept_input = web_accept_input,
    .close = web_close,
};

static void web_notifier_cb(EventNotifier *e)
{
    WebConsole *s = (WebConsole *)e;
    if (event_notifier_test_and_clear(e)) {
        web_console_input(s->chr);
    }
}

Chardev *qemu_chr_open_stdio(const char *label, MainLoop *ml)
{
    WebConsole *s = calloc(1, sizeof(*s));
    WebConsoleRings *r = calloc(1, sizeof(*r));
    Chardev *chr = s && r ? qemu_chr__alloc(&web_console_class, label, ml) : NULL;
    if (!chr) {
        free(s);
        free(r);
        error_report("chardev stdio: out of memory");
        return NULL;
    }
    if (event_notifier_init(&s->in_notifier, false) < 0) {
        error_report("chardev stdio: no event notifier left");
        free(chr->label);
        free(chr);
        free(s);
        free(r);
        return NULL;
    }
    chr->opaque = s;
    s->chr = chr;
    s->r = r;
    r->out_size = WEB_OUT_SIZE;
    r->in_size = WEB_IN_SIZE;
    r->in_flag_addr =
        (uint32_t)(uintptr_t)web_notifier_flag(event_notifier_get_fd(&s->in_notifier));
    r->wake_seq_addr = (uint32_t)(uintptr_t)&web_wake.seq;
    r->wake_waiters_addr = (uint32_t)(uintptr_t)&web_wake.waiters;
    if (ml) {
        s->ctx = main_loop_get_iohandler_context(ml);
        aio_set_event_notifier(s->ctx, &s->in_notifier, web_notifier_cb, NULL, NULL);
    }
    web_console_ready(r);
    return chr;
}

Chardev *qemu_chr_open_socket(const char *label, const char *host, int port, bool server,
                              MainLoop *ml)
{
    error_report("chardev socket: not available in the browser (use the console)");
    return NULL;
}
