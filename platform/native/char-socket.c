/*
 * char-socket.c - the TCP chardev backend (QEMU's "tcp:host:port,server" and
 * "-chardev socket"), on libuv.
 *
 * A server listens and serves one client at a time; a client connects once.
 * Opening never blocks: the wait for a server's first client (QEMU's default,
 * wait=on) is done by qemu_chr_new() in chardev/char.c, which runs the main
 * loop until this backend reports CHR_EVENT_OPENED.
 * libuv handles may only be touched in the main loop thread, but guest output
 * arrives in vCPU threads (under the BQL), so writes are appended to an
 * output buffer and flushed by a BH in the main context.  Input is read in the
 * main loop thread; what the frontend cannot take yet waits in a pending
 * buffer with reading paused (flow control back to the peer through TCP).
 */
#include "chardev/char.h"

#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define SOCKET_OUTBUF_MAX (1u << 20) /* guest output kept while the peer is slow */

typedef struct SocketChardev {
    Chardev *chr;
    uv_tcp_t listener;
    uv_tcp_t *client; /* NULL while no one is connected */
    uv_connect_t connect_req;
    bool server;
    bool listener_init;
    bool reading;

    uint8_t *out;
    size_t out_len;
    QEMUBH *flush_bh;
    QEMUBH *accept_bh;

    uint8_t pending[4096];
    size_t pending_off, pending_len;
} SocketChardev;

typedef struct SocketWrite {
    uv_write_t req;
    uint8_t data[];
} SocketWrite;

static void socket_read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

static void socket_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    SocketChardev *s = h->data;
    buf->base = (char *)s->pending;
    buf->len = sizeof(s->pending);
}

static void socket_client_closed(uv_handle_t *h)
{
    free(h);
}

static void socket_drop_client(SocketChardev *s)
{
    if (!s->client) {
        return;
    }
    uv_close((uv_handle_t *)s->client, socket_client_closed);
    s->client = NULL;
    s->reading = false;
    s->pending_len = s->pending_off = 0;
    qemu_chr_be_event(s->chr, CHR_EVENT_CLOSED);
}

/* Deliver pending input and resume or pause reading.  Main thread, BQL held. */
static void socket_pump(SocketChardev *s)
{
    while (s->pending_len) {
        size_t can = qemu_chr_be_can_write(s->chr);
        if (!can) {
            break;
        }
        size_t n = can < s->pending_len ? can : s->pending_len;
        qemu_chr_be_write(s->chr, s->pending + s->pending_off, n);
        s->pending_off += n;
        s->pending_len -= n;
    }
    if (!s->client) {
        return;
    }
    bool want = s->pending_len == 0 && qemu_chr_be_can_write(s->chr) > 0;
    if (want && !s->reading) {
        s->pending_off = 0;
        s->reading = uv_read_start((uv_stream_t *)s->client, socket_alloc_cb, socket_read_cb) == 0;
    } else if (!want && s->reading) {
        uv_read_stop((uv_stream_t *)s->client);
        s->reading = false;
    }
}

static void socket_read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    SocketChardev *s = st->data;
    bool locked = bql_locked();
    if (!locked) {
        bql_lock();
    }
    if (n < 0) {
        socket_drop_client(s);
    } else if (n > 0) {
        s->pending_off = 0;
        s->pending_len = (size_t)n;
        socket_pump(s);
    }
    if (!locked) {
        bql_unlock();
    }
}

static void socket_write_done(uv_write_t *req, int status)
{
    free(req);
}

static void socket_flush_bh(void *opaque)
{
    SocketChardev *s = opaque;
    if (!s->out_len) {
        return;
    }
    if (s->client) {
        SocketWrite *w = malloc(sizeof(*w) + s->out_len);
        if (w) {
            memcpy(w->data, s->out, s->out_len);
            uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)s->out_len);
            if (uv_write(&w->req, (uv_stream_t *)s->client, &b, 1, socket_write_done) < 0) {
                free(w);
            }
        }
    }
    s->out_len = 0;
}

static size_t socket_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    SocketChardev *s = chr->opaque;
    if (s->out_len + len > SOCKET_OUTBUF_MAX) {
        return len; /* the peer is not reading: drop, never block the guest */
    }
    uint8_t *n = realloc(s->out, s->out_len + len);
    if (!n) {
        return len;
    }
    s->out = n;
    memcpy(s->out + s->out_len, buf, len);
    s->out_len += len;
    qemu_bh_schedule(s->flush_bh);
    return len;
}

static void socket_accept_bh(void *opaque)
{
    socket_pump(opaque);
}

static void socket_accept_input(Chardev *chr)
{
    SocketChardev *s = chr->opaque;
    qemu_bh_schedule(s->accept_bh);
}

/*
 * libuv runs connection callbacks in its poll phase, without the BQL (some
 * in its pending phase, with it); the frontend's event handler needs it.
 */
static void socket_new_client(SocketChardev *s, uv_tcp_t *c)
{
    bool locked = bql_locked();
    if (!locked) {
        bql_lock();
    }
    s->client = c;
    c->data = s;
    uv_tcp_nodelay(c, 1);
    qemu_chr_be_event(s->chr, CHR_EVENT_OPENED);
    socket_pump(s);
    if (!locked) {
        bql_unlock();
    }
}

static void socket_connection_cb(uv_stream_t *server, int status)
{
    SocketChardev *s = server->data;
    uv_tcp_t *c = malloc(sizeof(*c));
    if (status < 0 || !c) {
        free(c);
        return;
    }
    uv_tcp_init(server->loop, c);
    if (uv_accept(server, (uv_stream_t *)c) < 0 || s->client) {
        uv_close((uv_handle_t *)c, socket_client_closed); /* one client at a time */
        return;
    }
    socket_new_client(s, c);
}

static void socket_connect_cb(uv_connect_t *req, int status)
{
    SocketChardev *s = req->data;
    uv_tcp_t *c = (uv_tcp_t *)req->handle;
    if (status < 0) {
        error_report("chardev %s: connect failed: %s", s->chr->label, uv_strerror(status));
        uv_close((uv_handle_t *)c, socket_client_closed);
        return;
    }
    socket_new_client(s, c);
}

static void socket_listener_closed(uv_handle_t *h)
{
    SocketChardev *s = h->data;
    free(s->out);
    free(s);
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = chr->opaque;
    qemu_bh_delete(s->flush_bh);
    qemu_bh_delete(s->accept_bh);
    if (s->client) {
        /* The guest's last words (e.g. before the finisher ended the run) were not flushed yet. */
        if (s->out_len) {
            uv_buf_t b = uv_buf_init((char *)s->out, (unsigned)s->out_len);
            uv_try_write((uv_stream_t *)s->client, &b, 1);
        }
        uv_close((uv_handle_t *)s->client, socket_client_closed);
        s->client = NULL;
    }
    if (s->listener_init) {
        uv_close((uv_handle_t *)&s->listener, socket_listener_closed);
    } else {
        free(s->out);
        free(s);
    }
}

static const ChardevClass socket_class = {
    .name = "socket",
    .write = socket_write,
    .accept_input = socket_accept_input,
    .close = socket_close,
};

Chardev *qemu_chr_open_socket(const char *label, const char *host, int port, bool server,
                              MainLoop *ml)
{
    uv_loop_t *loop = main_loop_get_native_loop(ml);
    struct sockaddr_storage addr;
    int r;

    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&addr) < 0 &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr) < 0) {
        error_report("chardev %s: '%s' is not a numeric IP address", label, host);
        return NULL;
    }
    SocketChardev *s = calloc(1, sizeof(*s));
    Chardev *chr = s ? qemu_chr__alloc(&socket_class, label, ml) : NULL;
    if (!chr) {
        free(s);
        return NULL;
    }
    chr->opaque = s;
    s->chr = chr;
    s->server = server;
    s->flush_bh = aio_bh_new(main_loop_get_aio_context(ml), socket_flush_bh, s);
    s->accept_bh = aio_bh_new(main_loop_get_aio_context(ml), socket_accept_bh, s);

    if (server) {
        uv_tcp_init(loop, &s->listener);
        s->listener_init = true;
        s->listener.data = s;
        r = uv_tcp_bind(&s->listener, (struct sockaddr *)&addr, 0);
        if (r == 0) {
            r = uv_listen((uv_stream_t *)&s->listener, 1, socket_connection_cb);
        }
        if (r < 0) {
            error_report("chardev %s: cannot listen on %s:%d: %s", label, host, port,
                         uv_strerror(r));
            qemu_chr_delete(chr);
            return NULL;
        }
    } else {
        uv_tcp_t *c = malloc(sizeof(*c));
        if (!c) {
            qemu_chr_delete(chr);
            return NULL;
        }
        uv_tcp_init(loop, c);
        s->connect_req.data = s;
        r = uv_tcp_connect(&s->connect_req, c, (struct sockaddr *)&addr, socket_connect_cb);
        if (r < 0) {
            error_report("chardev %s: cannot connect to %s:%d: %s", label, host, port,
                         uv_strerror(r));
            uv_close((uv_handle_t *)c, socket_client_closed);
            qemu_chr_delete(chr);
            return NULL;
        }
    }
    return chr;
}
