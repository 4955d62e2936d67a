/*
 * main-loop-web.c - the main loop in the browser: the main AioContext and the
 * iohandler AioContext driven by the event loop of the machine's worker.
 *
 * Natively, libuv owns the wait (main-loop-uv.c).  Here the machine's main
 * thread is a dedicated Web Worker whose event loop must keep turning:
 * Emscripten delivers work to it as messages (starting threads, proxied
 * calls), and so does the page (stop).  So the loop never blocks in wasm.
 * One iteration is the same three phases as natively:
 *
 *   prepare   aio_ctx_prepare() on both contexts -> nearest deadline   BQL held
 *   wait      Atomics.waitAsync on the wake word (web-int.h) with     no BQL;
 *             that deadline: the C stack is suspended by Asyncify     the worker's
 *             and the worker's event loop runs meanwhile              events run
 *   check     aio_ctx_check() + aio_dispatch(): BHs, handlers, timers  BQL held
 *
 * A notifier set by a vCPU thread or the page bumps the wake word and
 * Atomics.notify resolves the wait: that is the "message to the main loop"
 * counterpart of libuv's uv_async.  When the loop has work every time
 * (timeout 0), it still yields to the event loop through a MessageChannel
 * macrotask every few milliseconds, so messages are never starved.
 *
 * Because the wait suspends through Asyncify, main_loop_run() keeps its
 * native shape and src/system/cli.c runs unchanged, teardown included.
 */
#include "aio/aio.h"
#include "aio/main-loop.h"
#include "util/atomic.h"
#include "util/error.h"
#include "web-int.h"

#include <emscripten.h>
#include <stdlib.h>

enum { ML_MAIN, ML_IOHANDLER, ML_NR_CTX };

#define ML_YIELD_EVERY_NS (4 * 1000 * 1000LL)

struct MainLoop {
    QEMUClocks *clocks;
    AioContext *ctx[ML_NR_CTX];
    int64_t last_yield_ns;
    bool quit;  /* atomic */
    int status; /* atomic, valid once quit is set */
};

/* The page stops a machine through this (one main loop per worker process). */
static MainLoop *web_main_loop;

/*
 * Wait until the wake word differs from @seq or @timeout_ms passes (negative:
 * no limit; 0: only yield to the event loop).  Suspends the wasm stack.
 */
/* The body is JavaScript: keep clang-format away from it. */
// clang-format off
EM_ASYNC_JS(void, web_main_loop_wait_js, (int32_t *seq_ptr, int32_t *waiters_ptr, int32_t seq,
                                          double timeout_ms), {
    const i32 = new Int32Array(wasmMemory.buffer);
    const idx = seq_ptr >> 2;
    if (timeout_ms === 0 || Atomics.load(i32, idx) !== seq) {
        await new Promise((resolve) => {
            const ch = new MessageChannel();
            ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
            ch.port2.postMessage(0);
        });
        return;
    }
    Atomics.add(i32, waiters_ptr >> 2, 1);
    try {
        const t = timeout_ms < 0 ? Infinity : timeout_ms;
        if (typeof Atomics.waitAsync === 'function') {
            const r = Atomics.waitAsync(i32, idx, seq, t);
            if (r.async) {
                await r.value;
            }
        } else {
            /* No waitAsync: poll the word every millisecond up to the deadline. */
            const end = performance.now() + t;
            while (Atomics.load(i32, idx) === seq && performance.now() < end) {
                await new Promise((resolve) => setTimeout(resolve, 1));
            }
        }
    } finally {
        Atomics.sub(i32, waiters_ptr >> 2, 1);
    }
});
// clang-format on

MainLoop *main_loop_new(QEMUClocks *clocks)
{
    MainLoop *ml = calloc(1, sizeof(*ml));
    if (!ml) {
        error_report("main loop: out of memory");
        return NULL;
    }
    ml->clocks = clocks;
    for (int i = 0; i < ML_NR_CTX; i++) {
        ml->ctx[i] = aio_context_new(clocks);
        if (!ml->ctx[i]) {
            error_report("main loop: cannot create an AioContext");
            for (int j = 0; j < i; j++) {
                aio_context_destroy(ml->ctx[j]);
            }
            free(ml);
            return NULL;
        }
    }
    aio_context_set_current(ml->ctx[ML_MAIN]);
    web_main_loop = ml;
    bql_lock();
    return ml;
}

void main_loop_free(MainLoop *ml)
{
    if (!ml) {
        return;
    }
    if (web_main_loop == ml) {
        web_main_loop = NULL;
    }
    if (qemu_get_current_aio_context() == ml->ctx[ML_MAIN]) {
        aio_context_set_current(NULL);
    }
    for (int i = 0; i < ML_NR_CTX; i++) {
        aio_context_destroy(ml->ctx[i]);
    }
    bql_unlock();
    free(ml);
}

AioContext *main_loop_get_aio_context(MainLoop *ml)
{
    return ml->ctx[ML_MAIN];
}

AioContext *main_loop_get_iohandler_context(MainLoop *ml)
{
    return ml->ctx[ML_IOHANDLER];
}

void *main_loop_get_native_loop(MainLoop *ml)
{
    return NULL; /* the worker's event loop is not an object C can hold */
}

void main_loop_wait(MainLoop *ml, bool nonblocking)
{
    /* Read the wake word before the event sources: a set after this read ends the wait. */
    int32_t seq = qatomic_load_acquire(&web_wake.seq);
    int64_t timeout = -1;
    for (int i = 0; i < ML_NR_CTX; i++) {
        int64_t t = aio_ctx_prepare(ml->ctx[i]);
        if (t >= 0 && (timeout < 0 || t < timeout)) {
            timeout = t;
        }
    }
    if (nonblocking) {
        timeout = 0;
    }
    if (qatomic_load_acquire(&ml->quit)) {
        timeout = 0;
    }
    int64_t now = platform_clock_monotonic_ns();
    if (timeout != 0 || now - ml->last_yield_ns >= ML_YIELD_EVERY_NS) {
        bql_unlock();
        web_main_loop_wait_js(&web_wake.seq, &web_wake.waiters, seq,
                              timeout < 0 ? -1.0 : (double)timeout / 1e6);
        bql_lock();
        ml->last_yield_ns = platform_clock_monotonic_ns();
    }
    for (int i = 0; i < ML_NR_CTX; i++) {
        if (aio_ctx_check(ml->ctx[i])) {
            aio_dispatch(ml->ctx[i]);
        }
    }
}

int main_loop_run(MainLoop *ml)
{
    int status;
    while (!main_loop_should_exit(ml, &status)) {
        main_loop_wait(ml, false);
    }
    return status;
}

void main_loop_quit(MainLoop *ml, int status)
{
    if (!qatomic_read(&ml->quit)) {
        qatomic_set(&ml->status, status);
        qatomic_store_release(&ml->quit, true);
    }
    web_wake_all();
}

bool main_loop_should_exit(MainLoop *ml, int *status)
{
    if (!qatomic_load_acquire(&ml->quit)) {
        return false;
    }
    if (status) {
        *status = qatomic_read(&ml->status);
    }
    return true;
}

/* ---- called from JavaScript (web/machine-worker.js) ----------------------------------- */

/* Ask the running machine to stop cleanly; its main() then returns @status. */
EMSCRIPTEN_KEEPALIVE void minimu_web_quit(int status)
{
    if (web_main_loop) {
        main_loop_quit(web_main_loop, status);
    }
}
