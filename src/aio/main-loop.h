/*
 * main-loop.h - the Big QEMU Lock and the main loop.
 *
 * The BQL guards device and machine state.  vCPU threads take it around device
 * register accesses; the main loop thread holds it while it runs callbacks
 * and drops it while it waits.  IOThreads do not take it.
 *
 * The BQL is the one piece of process-wide state in src/: by definition there
 * is one per process (see docs/architecture.md, "Global state").
 *
 * The main loop itself is a platform service: natively a libuv uv_loop_t that
 * drives the main AioContext and the iohandler AioContext
 * (platform/native/main-loop-uv.c); in the browser, the page's event loop
 * (platform/web/).  Its API is declared here and implemented there.
 */
#ifndef MINIMU_AIO_MAIN_LOOP_H
#define MINIMU_AIO_MAIN_LOOP_H

#include "aio/aio.h"

#include <stdbool.h>

/* ---- BQL ------------------------------------------------------------------------ */

/* Take the BQL; it must not be held by the caller.  Any thread. */
void bql_lock_at(const char *caller);
#define bql_lock() bql_lock_at(__func__)
/* Release the BQL; the caller must hold it. */
void bql_unlock(void);
/* True if the calling thread holds the BQL.  Thread-local, no lock. */
bool bql_locked(void);

/* ---- the main loop (implemented by the platform) ---------------------------------------- */

typedef struct MainLoop MainLoop;

/*
 * Create the main loop of the calling thread, which becomes the main thread:
 * the main AioContext and the iohandler AioContext (for chardev and monitor
 * handlers, kept apart from block-layer work as in QEMU), both on @clocks.
 * The caller holds the BQL from here on.  SIGINT and SIGTERM end the loop
 * cleanly (exit status 128 + signal number, as a shell reports it).
 * Returns NULL with an error report on failure.
 */
MainLoop *main_loop_new(QEMUClocks *clocks);
void main_loop_free(MainLoop *ml);

AioContext *main_loop_get_aio_context(MainLoop *ml);
AioContext *main_loop_get_iohandler_context(MainLoop *ml);
/* The platform's native loop object (natively a uv_loop_t *). */
void *main_loop_get_native_loop(MainLoop *ml);

/*
 * One iteration: wait (unless @nonblocking) with the BQL released, then run
 * what is ready with the BQL held.  Main thread.
 */
void main_loop_wait(MainLoop *ml, bool nonblocking);

/* Iterate until main_loop_quit(); returns the status passed to it. */
int main_loop_run(MainLoop *ml);
/* Ask main_loop_run() to return @status.  Any thread. */
void main_loop_quit(MainLoop *ml, int status);
bool main_loop_should_exit(MainLoop *ml, int *status);

#endif
