/*
 * char.h - character devices (QEMU's chardev/char.c and char-fe.c, without QOM).
 *
 * A Chardev is a host-side byte stream (a "backend": stdio, a TCP socket,
 * null); a CharBackend is the handle a device model (the "frontend", e.g. the
 * 16550 UART) holds on one.  Bytes flow:
 *
 *   guest -> device -> qemu_chr_fe_write_all() -> backend ops->write
 *   host  -> backend -> qemu_chr_be_write() -> frontend can_read/read handlers
 *
 * A frontend that had no room (can_read returned 0) calls
 * qemu_chr_fe_accept_input() once it drained its buffer, so the backend
 * resumes reading (QEMU's chr_accept_input).
 *
 * Escape sequences: a backend that faces a human (stdio) feeds its input
 * through a CharEscape, which implements QEMU's Ctrl-A commands (C-a x quits,
 * C-a h prints help, C-a b sends a break, C-a C-a sends C-a).
 *
 * Locking: every function here runs with the BQL held.  Writes come from vCPU
 * threads (inside an MMIO callback) or from the main loop; input is delivered
 * by the backend in the main loop thread.  A backend whose host API is not
 * thread-safe (libuv handles) defers writes to the main loop itself.
 *
 * Backends are created with qemu_chr_new(), which parses QEMU's -serial and
 * -chardev syntax; the host-facing backends are implemented by the platform
 * layer (qemu_chr_open_stdio, qemu_chr_open_socket), the null backend here.
 */
#ifndef MINIMU_CHARDEV_CHAR_H
#define MINIMU_CHARDEV_CHAR_H

#include "aio/main-loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Chardev Chardev;
typedef struct CharBackend CharBackend;

typedef enum QEMUChrEvent {
    CHR_EVENT_BREAK,  /* the host sent a break (serial: LSR.BI) */
    CHR_EVENT_OPENED, /* a peer connected (socket backends) */
    CHR_EVENT_CLOSED, /* the peer went away */
} QEMUChrEvent;

/* How many bytes the frontend can take now (0: none; the backend stops reading). */
typedef size_t IOCanReadHandler(void *opaque);
typedef void IOReadHandler(void *opaque, const uint8_t *buf, size_t size);
typedef void IOEventHandler(void *opaque, QEMUChrEvent event);

typedef struct ChardevClass {
    const char *name;
    /*
     * Send @len bytes to the host; returns how many were taken (a backend
     * that cannot keep up may drop bytes, never block for long).
     */
    size_t (*write)(Chardev *chr, const uint8_t *buf, size_t len);
    /* The frontend has room again, or its handlers changed: resume reading. */
    void (*accept_input)(Chardev *chr);
    /* Release the backend's host resources; chr itself is freed by the caller. */
    void (*close)(Chardev *chr);
} ChardevClass;

struct Chardev {
    const ChardevClass *cls;
    char *label;
    CharBackend *be; /* the attached frontend, or NULL */
    MainLoop *ml;    /* for deferring work to the main loop and for C-a x */
    void *opaque;    /* backend-private state */
    bool be_open;    /* a peer is connected (set by CHR_EVENT_OPENED/CLOSED) */
};

struct CharBackend {
    Chardev *chr;
    IOCanReadHandler *chr_can_read;
    IOReadHandler *chr_read;
    IOEventHandler *chr_event;
    void *opaque;
};

/* ---- creating backends ---------------------------------------------------------------- */

/*
 * A backend from a -serial / -chardev spec: "stdio", "null", "none",
 * "tcp:HOST:PORT[,server][,wait=off][,nowait]", or (-chardev syntax)
 * "stdio,id=x", "null,id=x", "socket,id=x,host=H,port=P,server=on,wait=off".
 * stdio always handles the Ctrl-A commands, as QEMU's -nographic does.
 *
 * A TCP server waits, as QEMU does, unless given wait=off or nowait: it prints
 * "minimu: info: waiting for connection on: disconnected:tcp:HOST:PORT,server=on"
 * on stderr and runs @ml until the first client connects, so call it before
 * the machine starts.  If the main loop is asked to quit meanwhile (SIGINT,
 * SIGTERM, C-a x on another chardev), returns NULL without an error report;
 * main_loop_should_exit() then gives the exit status.
 *
 * Returns NULL with a one-line error report if the spec is bad or the host
 * refuses.  Main thread, BQL held.
 */
Chardev *qemu_chr_new(const char *label, const char *spec, MainLoop *ml);
/* Close and free @chr (detaching any frontend).  NULL is ignored.  Main thread. */
void qemu_chr_delete(Chardev *chr);

/* Allocate a Chardev of class @cls (for backend implementations). */
Chardev *qemu_chr__alloc(const ChardevClass *cls, const char *label, MainLoop *ml);

/* Implemented by the platform layer.  NULL with an error report on failure. */
Chardev *qemu_chr_open_stdio(const char *label, MainLoop *ml);
/*
 * A TCP socket: with @server, listen on host:port and accept one client at a
 * time (input is discarded while no one is connected); without, connect.
 * Never blocks: the wait for a first client is qemu_chr_new()'s.  The backend
 * reports each connection with qemu_chr_be_event(CHR_EVENT_OPENED/CLOSED).
 */
Chardev *qemu_chr_open_socket(const char *label, const char *host, int port, bool server,
                              MainLoop *ml);

/* ---- frontend side (device models) ------------------------------------------------------- */

/* Attach @b to @chr (which may be NULL: writes are then discarded).  False if already attached. */
bool qemu_chr_fe_init(CharBackend *b, Chardev *chr);
/* Detach; handlers no longer run afterwards. */
void qemu_chr_fe_deinit(CharBackend *b);
/* Install the input handlers (all NULL: stop input) and let the backend start reading. */
void qemu_chr_fe_set_handlers(CharBackend *b, IOCanReadHandler *can_read, IOReadHandler *read,
                              IOEventHandler *event, void *opaque);
/* Send bytes to the host; returns the number taken (@len unless the backend dropped some). */
size_t qemu_chr_fe_write_all(CharBackend *b, const uint8_t *buf, size_t len);
/* The frontend drained its receive buffer; the backend may deliver more. */
void qemu_chr_fe_accept_input(CharBackend *b);

/* ---- backend side ------------------------------------------------------------------------ */

/* How many bytes the frontend will take now (0 with no frontend). */
size_t qemu_chr_be_can_write(Chardev *chr);
/* Deliver host input to the frontend; bytes beyond can_write are dropped by the frontend. */
void qemu_chr_be_write(Chardev *chr, const uint8_t *buf, size_t len);
void qemu_chr_be_event(Chardev *chr, QEMUChrEvent event);

/* ---- Ctrl-A escapes ---------------------------------------------------------------------- */

typedef enum CharEscapeAction {
    CHR_ESCAPE_NONE,  /* nothing to forward */
    CHR_ESCAPE_BYTE,  /* forward the byte in *out */
    CHR_ESCAPE_QUIT,  /* C-a x */
    CHR_ESCAPE_HELP,  /* C-a h (or an unknown command) */
    CHR_ESCAPE_BREAK, /* C-a b */
} CharEscapeAction;

typedef struct CharEscape {
    bool pending; /* the previous byte was C-a */
} CharEscape;

#define CHR_ESCAPE_CHAR 0x01 /* Ctrl-A */

/* Feed one input byte through the escape state machine. */
CharEscapeAction chr_escape_process(CharEscape *e, uint8_t c, uint8_t *out);
/* The C-a help text (the stdio backend keeps OPOST, so "\n" ends a line). */
const char *chr_escape_help(void);

/*
 * Handle a run of human input for @chr: forwards plain bytes to the
 * frontend, prints help (through @chr's own write), sends breaks, and on
 * C-a x prints "minimu: terminated" and quits the main loop with status 0.
 * For backends; main thread, BQL held.
 */
void qemu_chr__input_with_escapes(Chardev *chr, CharEscape *e, const uint8_t *buf, size_t len);

#endif
