/*
 * iothread.h - a thread that runs one AioContext (QEMU's -object iothread).
 *
 * The IOThread's thread loops on aio_poll(ctx, true) until iothread_destroy()
 * stops it.  Its context is that thread's current context
 * (qemu_get_current_aio_context() inside its callbacks).
 */
#ifndef MINIMU_AIO_IOTHREAD_H
#define MINIMU_AIO_IOTHREAD_H

#include "aio/aio.h"

typedef struct IOThread IOThread;

/*
 * Start an IOThread named @id whose timers use @clocks.  Returns NULL with a
 * one-line error report if the thread or its context cannot be created.
 * Any thread.
 */
IOThread *iothread_create(const char *id, QEMUClocks *clocks);

/* Stop the thread, join it, and free the IOThread and its context.  Every
 * handler and BH the caller added to the context must be gone.  Not from the
 * IOThread itself. */
void iothread_destroy(IOThread *iothread);

AioContext *iothread_get_aio_context(IOThread *iothread);
const char *iothread_get_id(IOThread *iothread);

#endif
