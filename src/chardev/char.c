/* char.c - chardev frontend/backend plumbing, spec parsing, null backend, Ctrl-A escapes. */
#include "chardev/char.h"

#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation ------------------------------------------------------------------------ */

Chardev *qemu_chr__alloc(const ChardevClass *cls, const char *label, MainLoop *ml)
{
    Chardev *chr = calloc(1, sizeof(*chr));
    if (!chr) {
        return NULL;
    }
    chr->cls = cls;
    chr->label = strdup(label ? label : "chr");
    chr->ml = ml;
    return chr;
}

void qemu_chr_delete(Chardev *chr)
{
    if (!chr) {
        return;
    }
    if (chr->be) {
        chr->be->chr = NULL;
        chr->be = NULL;
    }
    if (chr->cls->close) {
        chr->cls->close(chr);
    }
    free(chr->label);
    free(chr);
}

/* ---- null backend ---------------------------------------------------------------------- */

static size_t null_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return len;
}

static const ChardevClass null_class = {
    .name = "null",
    .write = null_write,
};

/* ---- spec parsing ---------------------------------------------------------------------- */

/* The value of "key=value" or bare "key" (value "on") in a comma list; NULL if absent. */
static const char *opt_find(char *const *opts, int n, const char *key)
{
    size_t kl = strlen(key);
    for (int i = 0; i < n; i++) {
        if (strncmp(opts[i], key, kl) == 0) {
            if (opts[i][kl] == '=') {
                return opts[i] + kl + 1;
            }
            if (opts[i][kl] == '\0') {
                return "on";
            }
        }
    }
    return NULL;
}

static bool opt_is_on(const char *v)
{
    return v && (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0);
}

static bool parse_port(const char *s, int *port)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 65535) {
        return false;
    }
    *port = (int)v;
    return true;
}

/*
 * A boolean option: absent gives @def, "on/yes/true" (or the bare key) true,
 * "off/no/false" false; anything else is an error (-1).
 */
static int opt_bool(const char *spec, const char *key, const char *v, bool def)
{
    if (!v) {
        return def;
    }
    if (opt_is_on(v)) {
        return 1;
    }
    if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0) {
        return 0;
    }
    error_report("chardev: '%s': %s expects 'on' or 'off'", spec, key);
    return -1;
}

/*
 * QEMU's tcp_chr_wait_connected(): a listening socket with wait=on (the
 * default) holds startup until its first client connects, so the guest's
 * first output is not lost.  This runs the main loop rather than blocking in
 * accept(): SIGINT/SIGTERM (main-loop handlers) keep working and end the
 * wait, C-a x on a stdio chardev opened earlier still quits, and nothing
 * spins.  The machine does not exist yet, so no vCPU can run meanwhile.
 * Returns false if the main loop was asked to quit instead.
 */
static bool chr_wait_connected(Chardev *chr, const char *host, int port)
{
    bool v6 = strchr(host, ':') != NULL;
    fprintf(stderr,
            "minimu: info: waiting for connection on: disconnected:tcp:%s%s%s:%d,server=on\n",
            v6 ? "[" : "", host, v6 ? "]" : "", port);
    fflush(stderr);
    while (!chr->be_open) {
        if (main_loop_should_exit(chr->ml, NULL)) {
            return false;
        }
        main_loop_wait(chr->ml, false);
    }
    return true;
}

/* The socket options shared by "tcp:HOST:PORT,..." and "socket,host=..,port=..". */
static Chardev *chr_open_tcp(const char *label, const char *spec, const char *host, int port,
                             char *const *opts, int n, MainLoop *ml)
{
    int server = opt_bool(spec, "server", opt_find(opts, n, "server"), false);
    const char *wait_opt = opt_find(opts, n, "wait");
    int wait = opt_bool(spec, "wait", wait_opt, true);
    bool nowait = opt_find(opts, n, "nowait") != NULL;
    if (server < 0 || wait < 0) {
        return NULL;
    }
    if (!server && (wait_opt || nowait)) {
        error_report("chardev: '%s': 'wait' option is incompatible with socket in client "
                     "connect mode",
                     spec);
        return NULL;
    }
    if (nowait) {
        wait = false;
    }
    Chardev *chr = qemu_chr_open_socket(label, host, port, server, ml);
    if (chr && server && wait && !chr_wait_connected(chr, host, port)) {
        qemu_chr_delete(chr);
        return NULL;
    }
    return chr;
}

Chardev *qemu_chr_new(const char *label, const char *spec, MainLoop *ml)
{
    char *copy = strdup(spec);
    char *opts[16];
    int n = 0;
    Chardev *chr = NULL;

    if (!copy) {
        return NULL;
    }
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok && n < 16;
         tok = strtok_r(NULL, ",", &save)) {
        opts[n++] = tok;
    }
    if (n == 0) {
        error_report("chardev: empty backend specification");
        goto out;
    }
    const char *id = opt_find(opts + 1, n - 1, "id");
    if (id) {
        label = id;
    }

    if (strcmp(opts[0], "null") == 0 || strcmp(opts[0], "none") == 0) {
        chr = qemu_chr__alloc(&null_class, label, ml);
    } else if (strcmp(opts[0], "stdio") == 0 || strcmp(opts[0], "mon:stdio") == 0) {
        chr = qemu_chr_open_stdio(label, ml);
    } else if (strncmp(opts[0], "tcp:", 4) == 0) {
        /* tcp:[host]:port[,server][,nowait] */
        char *hp = opts[0] + 4;
        char *colon = strrchr(hp, ':');
        int port;
        if (!colon || !parse_port(colon + 1, &port)) {
            error_report("chardev: '%s': expected tcp:HOST:PORT", spec);
            goto out;
        }
        *colon = '\0';
        if (hp[0] == '[' && colon > hp + 1 && colon[-1] == ']') { /* tcp:[::1]:port */
            colon[-1] = '\0';
            hp++;
        }
        chr = chr_open_tcp(label, spec, *hp ? hp : "0.0.0.0", port, opts + 1, n - 1, ml);
    } else if (strcmp(opts[0], "socket") == 0) {
        const char *host = opt_find(opts + 1, n - 1, "host");
        const char *ps = opt_find(opts + 1, n - 1, "port");
        int port;
        if (!ps || !parse_port(ps, &port)) {
            error_report("chardev: '%s': socket needs port=N", spec);
            goto out;
        }
        chr =
            chr_open_tcp(label, spec, host && *host ? host : "0.0.0.0", port, opts + 1, n - 1, ml);
    } else {
        error_report("chardev: '%s': unknown backend (stdio, null, tcp:HOST:PORT,server, socket)",
                     opts[0]);
    }
out:
    free(copy);
    return chr;
}

/* ---- frontend -------------------------------------------------------------------------- */

bool qemu_chr_fe_init(CharBackend *b, Chardev *chr)
{
    if (chr && chr->be) {
        error_report("chardev '%s' is already in use", chr->label);
        return false;
    }
    memset(b, 0, sizeof(*b));
    b->chr = chr;
    if (chr) {
        chr->be = b;
    }
    return true;
}

void qemu_chr_fe_deinit(CharBackend *b)
{
    if (b->chr && b->chr->be == b) {
        b->chr->be = NULL;
    }
    memset(b, 0, sizeof(*b));
}

void qemu_chr_fe_set_handlers(CharBackend *b, IOCanReadHandler *can_read, IOReadHandler *read,
                              IOEventHandler *event, void *opaque)
{
    b->chr_can_read = can_read;
    b->chr_read = read;
    b->chr_event = event;
    b->opaque = opaque;
    if (b->chr && b->chr->cls->accept_input) {
        b->chr->cls->accept_input(b->chr);
    }
}

size_t qemu_chr_fe_write_all(CharBackend *b, const uint8_t *buf, size_t len)
{
    if (!b->chr) {
        return len;
    }
    return b->chr->cls->write(b->chr, buf, len);
}

void qemu_chr_fe_accept_input(CharBackend *b)
{
    if (b->chr && b->chr->cls->accept_input) {
        b->chr->cls->accept_input(b->chr);
    }
}

/* ---- backend --------------------------------------------------------------------------- */

size_t qemu_chr_be_can_write(Chardev *chr)
{
    CharBackend *be = chr->be;
    if (!be || !be->chr_can_read) {
        return 0;
    }
    return be->chr_can_read(be->opaque);
}

void qemu_chr_be_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    CharBackend *be = chr->be;
    if (be && be->chr_read && len) {
        be->chr_read(be->opaque, buf, len);
    }
}

void qemu_chr_be_event(Chardev *chr, QEMUChrEvent event)
{
    CharBackend *be = chr->be;
    if (event == CHR_EVENT_OPENED) {
        chr->be_open = true;
    } else if (event == CHR_EVENT_CLOSED) {
        chr->be_open = false;
    }
    if (be && be->chr_event) {
        be->chr_event(be->opaque, event);
    }
}

/* ---- Ctrl-A escapes -------------------------------------------------------------------- */

CharEscapeAction chr_escape_process(CharEscape *e, uint8_t c, uint8_t *out)
{
    if (!e->pending) {
        if (c == CHR_ESCAPE_CHAR) {
            e->pending = true;
            return CHR_ESCAPE_NONE;
        }
        *out = c;
        return CHR_ESCAPE_BYTE;
    }
    e->pending = false;
    switch (c) {
    case CHR_ESCAPE_CHAR: *out = c; return CHR_ESCAPE_BYTE;
    case 'x':
    case 'X': return CHR_ESCAPE_QUIT;
    case 'b':
    case 'B': return CHR_ESCAPE_BREAK;
    case 'h':
    case 'H':
    case '?': return CHR_ESCAPE_HELP;
    default:
        /* QEMU ignores unknown commands. */
        return CHR_ESCAPE_NONE;
    }
}

const char *chr_escape_help(void)
{
    return "\n"
           "C-a h    print this help\n"
           "C-a x    exit emulator\n"
           "C-a b    send break (magic sysrq)\n"
           "C-a C-a  sends C-a\n";
}

void qemu_chr__input_with_escapes(Chardev *chr, CharEscape *e, const uint8_t *buf, size_t len)
{
    uint8_t plain[256];
    size_t np = 0;

    for (size_t i = 0; i < len; i++) {
        uint8_t c;
        CharEscapeAction a = chr_escape_process(e, buf[i], &c);
        if (a == CHR_ESCAPE_BYTE) {
            plain[np++] = c;
            if (np == sizeof(plain)) {
                qemu_chr_be_write(chr, plain, np);
                np = 0;
            }
            continue;
        }
        if (np) {
            qemu_chr_be_write(chr, plain, np);
            np = 0;
        }
        switch (a) {
        case CHR_ESCAPE_QUIT: {
            static const char msg[] = "minimu: terminated\n";
            chr->cls->write(chr, (const uint8_t *)msg, sizeof(msg) - 1);
            if (chr->ml) {
                main_loop_quit(chr->ml, 0);
            }
            return; /* the rest of the input is for nobody */
        }
        case CHR_ESCAPE_HELP: {
            const char *h = chr_escape_help();
            chr->cls->write(chr, (const uint8_t *)h, strlen(h));
            break;
        }
        case CHR_ESCAPE_BREAK: qemu_chr_be_event(chr, CHR_EVENT_BREAK); break;
        default: break;
        }
    }
    if (np) {
        qemu_chr_be_write(chr, plain, np);
    }
}
