/*
 * coroutine-fiber.c - the coroutine switch layer on Emscripten fibers (the
 * web counterpart of platform/native/coroutine-ucontext.c).
 *
 * WebAssembly cannot swap stacks, so Emscripten fibers use Asyncify: a swap
 * unwinds the running wasm call stack into the fiber's "asyncify stack" and
 * rewinds the other fiber's.  Each coroutine owns two buffers: its C stack
 * (the shadow stack of address-taken locals) and its asyncify stack.  A
 * thread's leader is the thread's own context, adopted lazily.
 *
 * Only functions on a path from a coroutine's entry to a switch are
 * instrumented by Asyncify (see CMakeLists.txt), so the CPU interpreter, which
 * never runs in a coroutine, keeps its full speed.
 *
 * No guard page: wasm has no memory protection.  Stacks are sized for the
 * event-loop work coroutines do here (no deep block layer yet).
 */
#include "aio/coroutine-int.h"
#include "platform.h"

#include <emscripten/em_asm.h>
#include <emscripten/fiber.h>
#include <stdlib.h>

#define COROUTINE_C_STACK_SIZE        (128 * 1024)
#define COROUTINE_ASYNCIFY_STACK_SIZE (64 * 1024)
#define LEADER_ASYNCIFY_STACK_SIZE    (64 * 1024)

typedef struct CoroutineFiber {
    Coroutine base;
    emscripten_fiber_t fiber;
    CoroutineAction action; /* what the switch that resumed this coroutine carried */
    void *c_stack;
    void *asyncify_stack;
} CoroutineFiber;

static __thread CoroutineFiber *tls_leader;
static __thread Coroutine *tls_current;

/*
 * A fiber's saved state names the function to call to rewind it by a number,
 * rewind_id, which Emscripten (Asyncify.getCallStackId) hands out per worker,
 * in the order that worker first unwinds through each export.  A coroutine may
 * be unwound in one thread and resumed in another (aio_co_schedule into
 * another context), whose worker may have numbered the exports differently or
 * not yet at all: the rewind then calls the wrong export, or none ("start is
 * not a function").  So number every export by its position in the module's
 * export list, the same in every worker, before this worker's first switch.
 * Numbers it gave out already stay valid (a pending sleep of the main loop may
 * hold one): the new ones start above them.  Once per worker, from any thread.
 */
static void fiber_number_exports(void)
{
    EM_ASM({
        if (typeof Asyncify == 'undefined' || Asyncify.minimuExportIds) {
            return;
        }
        var names = Object.keys(Module['asm']);
        for (var i = 0; i < names.length; i++) {
            Asyncify.callStackNameToId[names[i]] = 0x10000 + i;
            Asyncify.callStackIdToName[0x10000 + i] = names[i];
        }
        Asyncify.minimuExportIds = true;
    });
}

static CoroutineFiber *get_leader(void)
{
    if (!tls_leader) {
        fiber_number_exports();
        CoroutineFiber *l = calloc(1, sizeof(*l));
        void *as = malloc(LEADER_ASYNCIFY_STACK_SIZE);
        if (!l || !as) {
            /* Out of memory before the first switch of a thread: nothing sane to do. */
            abort();
        }
        l->asyncify_stack = as;
        emscripten_fiber_init_from_current_context(&l->fiber, as, LEADER_ASYNCIFY_STACK_SIZE);
        tls_leader = l;
    }
    return tls_leader;
}

/* The entry of every coroutine's fiber; never returns (the core recycles coroutines). */
static void coroutine_trampoline(void *arg)
{
    CoroutineFiber *self = arg;
    Coroutine *co = &self->base;
    for (;;) {
        co->entry(co->entry_arg);
        qemu_coroutine_switch(co, co->caller, COROUTINE_TERMINATE);
    }
}

Coroutine *qemu_coroutine_new(void)
{
    CoroutineFiber *co = calloc(1, sizeof(*co));
    if (!co) {
        return NULL;
    }
    co->c_stack = malloc(COROUTINE_C_STACK_SIZE);
    co->asyncify_stack = malloc(COROUTINE_ASYNCIFY_STACK_SIZE);
    if (!co->c_stack || !co->asyncify_stack) {
        free(co->c_stack);
        free(co->asyncify_stack);
        free(co);
        return NULL;
    }
    emscripten_fiber_init(&co->fiber, coroutine_trampoline, co, co->c_stack, COROUTINE_C_STACK_SIZE,
                          co->asyncify_stack, COROUTINE_ASYNCIFY_STACK_SIZE);
    return &co->base;
}

void qemu_coroutine_delete(Coroutine *co_)
{
    CoroutineFiber *co = (CoroutineFiber *)co_;
    free(co->c_stack);
    free(co->asyncify_stack);
    free(co);
}

CoroutineAction qemu_coroutine_switch(Coroutine *from_, Coroutine *to_, CoroutineAction action)
{
    CoroutineFiber *from = (CoroutineFiber *)from_;
    CoroutineFiber *to = (CoroutineFiber *)to_;

    tls_current = to_;
    to->action = action;
    emscripten_fiber_swap(&from->fiber, &to->fiber);
    return from->action;
}

Coroutine *qemu_coroutine_self(void)
{
    if (!tls_current) {
        tls_current = &get_leader()->base;
    }
    return tls_current;
}

bool qemu_in_coroutine(void)
{
    return tls_current && tls_current != &get_leader()->base;
}
