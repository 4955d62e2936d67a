/*
 * loop-demo.c - "when the guest does I/O, which thread handles it, and how
 * does it reach an event loop?", answered by running it.
 *
 * A toy device with one register is mapped into an AddressSpace.  A thread
 * playing a vCPU writes the register, exactly as the interpreter does for a
 * guest store to MMIO.  Then the trace shows where each piece of work ran:
 *
 *   vcpu0   the register write runs synchronously in the vCPU thread, under
 *           the BQL; the device arms a timer and rings a doorbell (an
 *           EventNotifier, which is what ioeventfd is) and returns at once;
 *   main    the timer fires in the main loop thread;
 *   io0     the doorbell wakes the IOThread, whose handler starts a
 *           coroutine; the coroutine hands a blocking read to the thread
 *           pool and yields;
 *   worker  the blocking function runs in a pool worker;
 *   io0     the completion BH resumes the coroutine in the IOThread, which
 *           schedules a BH in the main context to "raise the interrupt";
 *   main    the BH runs in the main loop thread, with the BQL held.
 */
#include "system/loop-demo.h"

#include "aio/coroutine.h"
#include "aio/iothread.h"
#include "aio/main-loop.h"
#include "aio/thread-pool.h"
#include "aio/trace.h"
#include "mem/memory.h"
#include "util/atomic.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEMO_MAX_THREADS 8
#define TOYDEV_BASE      0x10000000
#define TOYDEV_DOORBELL  0x0

typedef struct DemoThreadName {
    uint64_t tid;
    const char *name;
} DemoThreadName;

typedef struct Demo {
    QEMUClocks *clocks;
    MainLoop *ml;
    IOThread *io;
    Tracer *tracer;
    AddressSpace as;
    MemoryRegion regs;
    QEMUTimer *timer;
    EventNotifier doorbell;
    QemuMutex names_lock;
    DemoThreadName names[DEMO_MAX_THREADS];
    int nr_names;
    int pending; /* main-thread events still to come: timer, irq */
    uint32_t value;
} Demo;

static void demo_name_thread(Demo *d, const char *name)
{
    uint64_t tid = platform_thread_id();
    qemu_mutex_lock(&d->names_lock);
    for (int i = 0; i < d->nr_names; i++) {
        if (d->names[i].tid == tid) {
            qemu_mutex_unlock(&d->names_lock);
            return;
        }
    }
    if (d->nr_names < DEMO_MAX_THREADS) {
        d->names[d->nr_names++] = (DemoThreadName){tid, name};
    }
    qemu_mutex_unlock(&d->names_lock);
}

static const char *demo_thread_name(Demo *d, uint64_t tid)
{
    for (int i = 0; i < d->nr_names; i++) {
        if (d->names[i].tid == tid) {
            return d->names[i].name;
        }
    }
    return "?";
}

/* ---- main thread: timer and "interrupt" ------------------------------------------------ */

static void demo_main_event_done(Demo *d)
{
    if (--d->pending == 0) {
        main_loop_quit(d->ml, 0);
    }
}

static void demo_timer_cb(void *opaque)
{
    demo_main_event_done(opaque);
}

static void demo_raise_irq_bh(void *opaque)
{
    Demo *d = opaque;
    tracer_record(d->tracer, TRACE_MMIO, bql_locked() ? "irq raised (BQL held)" : "irq raised", d,
                  d->value);
    demo_main_event_done(d);
}

/* ---- worker and IOThread: the "disk read" ---------------------------------------------------- */

static int demo_blocking_read(void *opaque)
{
    Demo *d = opaque;
    demo_name_thread(d, "worker");
    tracer_record(d->tracer, TRACE_POOL_WORK, "pread (blocking, 1 ms)", d, 0);
    usleep(1000);
    return 0;
}

static void coroutine_fn demo_request_co(void *opaque)
{
    Demo *d = opaque;
    /* Yields here; resumed by the pool's completion BH in this IOThread. */
    int ret = thread_pool_submit_co(demo_blocking_read, d);
    d->value = (uint32_t)ret;
    AioContext *main_ctx = main_loop_get_aio_context(d->ml);
    aio_bh_schedule_oneshot(main_ctx, demo_raise_irq_bh, d);
}

static void demo_doorbell_cb(EventNotifier *e)
{
    Demo *d = (Demo *)((char *)e - offsetof(Demo, doorbell));
    demo_name_thread(d, "io0");
    event_notifier_test_and_clear(e);
    qemu_coroutine_enter(qemu_coroutine_create(demo_request_co, d));
}

/* ---- the device, accessed from the vCPU thread ------------------------------------------------ */

static uint64_t toydev_read(void *opaque, hwaddr addr, unsigned size)
{
    Demo *d = opaque;
    return d->value;
}

static void toydev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Demo *d = opaque;
    tracer_record(d->tracer, TRACE_MMIO,
                  bql_locked() ? "toydev DOORBELL write (BQL held)" : "toydev DOORBELL write", d,
                  (int64_t)val);
    d->value = (uint32_t)val;
    /* Emulating a device timer: the callback runs later in the main loop. */
    timer_mod_ns(d->timer, qemu_clock_get_ns(d->clocks, QEMU_CLOCK_VIRTUAL) + 500 * SCALE_US);
    /* Handing the request to the IOThread, as ioeventfd does. */
    event_notifier_set(&d->doorbell);
}

static const MemoryRegionOps toydev_ops = {
    .read = toydev_read,
    .write = toydev_write,
    .min_access_size = 4,
    .max_access_size = 4,
};

static void *demo_vcpu_thread(void *opaque)
{
    Demo *d = opaque;
    demo_name_thread(d, "vcpu0");
    /* A guest store to MMIO: dispatched synchronously in this thread. */
    if (address_space_st(&d->as, TOYDEV_BASE + TOYDEV_DOORBELL, 4, 42) != MEMTX_OK) {
        error_report("loop demo: the toy device is not mapped");
    }
    return NULL;
}

/* ---- driver ------------------------------------------------------------------------------------- */

static void demo_print(Demo *d, FILE *out)
{
    TraceRecord r[256];
    size_t n = tracer_read(d->tracer, r, 256);
    int64_t t0 = n ? r[0].time_ns : 0;
    fprintf(out, "   time        thread  event           what\n");
    for (size_t i = 0; i < n; i++) {
        const char *what = r[i].name;
        fprintf(out, "  +%8.3f ms  %-7s %-15s %s\n", (r[i].time_ns - t0) / 1e6,
                demo_thread_name(d, r[i].thread), trace_event_name(r[i].event), what);
    }
    fprintf(out, "\nThe register write ran in the vCPU thread; the timer and the interrupt ran in\n"
                 "the main loop; the doorbell, the coroutine and the completion ran in the\n"
                 "IOThread; only the blocking read ran in a pool worker.  See\n"
                 "docs/architecture.md, \"Threads and loops\".\n");
}

int loop_demo_run(FILE *out)
{
    Demo *d = calloc(1, sizeof(*d));
    QemuThread vcpu;
    int ret = 1;

    if (!d) {
        return 1;
    }
    qemu_mutex_init(&d->names_lock);
    d->clocks = qemu_clocks_new();
    d->ml = main_loop_new(d->clocks);
    d->io = d->ml ? iothread_create("io0", d->clocks) : NULL;
    d->tracer = tracer_new(256, TRACE_ALL & ~(1u << TRACE_NOTIFY));
    if (!d->ml || !d->io || !d->tracer || event_notifier_init(&d->doorbell, false) < 0) {
        error_report("loop demo: cannot set up the loops");
        goto out;
    }
    demo_name_thread(d, "main");
    AioContext *main_ctx = main_loop_get_aio_context(d->ml);
    AioContext *io_ctx = iothread_get_aio_context(d->io);
    aio_context_set_tracer(main_ctx, d->tracer);
    aio_context_set_tracer(io_ctx, d->tracer);

    address_space_init(&d->as, "demo");
    memory_region_init_io(&d->regs, "toydev", &toydev_ops, d, 0x1000);
    address_space_map_region(&d->as, TOYDEV_BASE, &d->regs);
    d->timer = aio_timer_new(main_ctx, QEMU_CLOCK_VIRTUAL, SCALE_NS, demo_timer_cb, d);
    d->pending = 2;
    aio_set_event_notifier(io_ctx, &d->doorbell, demo_doorbell_cb, NULL, NULL);

    /* The vCPU thread takes the BQL inside address_space_st: let it run. */
    qemu_thread_create(&vcpu, "vcpu0", demo_vcpu_thread, d);
    ret = main_loop_run(d->ml);
    qemu_thread_join(&vcpu);

    aio_set_event_notifier(io_ctx, &d->doorbell, NULL, NULL, NULL);
    iothread_destroy(d->io);
    d->io = NULL;
    aio_context_set_tracer(main_ctx, NULL);
    timer_free(d->timer);
    address_space_destroy(&d->as);
    demo_print(d, out);

out:
    if (d->io) {
        iothread_destroy(d->io);
    }
    if (d->ml) {
        main_loop_free(d->ml);
    }
    event_notifier_cleanup(&d->doorbell);
    tracer_free(d->tracer);
    qemu_clocks_free(d->clocks);
    qemu_coroutine_pool_drain();
    qemu_mutex_destroy(&d->names_lock);
    free(d);
    return ret;
}
