/*
 * coroutine-ucontext.c - the native coroutine switch layer (platform.h,
 * "coroutines").
 *
 * makecontext() gives a new coroutine its stack; from then on every switch is
 * a sigsetjmp()/siglongjmp() pair with savesigs = 0, which (unlike
 * swapcontext) makes no sigprocmask system call.  The switch is only a few
 * dozen instructions, so the coroutine core can afford to enter coroutines
 * for small pieces of work.
 *
 * Creation bootstraps the jump buffer: setcontext() runs the trampoline on the
 * new stack just long enough to sigsetjmp() there, then siglongjmp()s back to
 * the creator.  The first qemu_coroutine_switch() to the coroutine lands after
 * that sigsetjmp() and starts the entry loop.
 *
 * Sanitizers must be told about every stack switch or they report false
 * positives: ASan through __sanitizer_{start,finish}_switch_fiber (it tracks
 * the bounds of the current stack), TSan through its fiber API (each
 * coroutine is a TSan fiber; switching to it synchronises, which is what a
 * coroutine switch means).
 *
 * Thread-local state is read through noinline accessors with a compiler
 * barrier: a coroutine that yields in one thread may be resumed in another,
 * so the address of a thread-local variable must never be cached across a
 * switch.
 */
#include "aio/coroutine-int.h"
#include "platform.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CO_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define CO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CO_TSAN 1
#endif
#endif

#ifdef CO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef CO_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* QEMU's default: deep enough for the block layer, cheap because it is lazily
 * committed by the kernel. */
#define COROUTINE_STACK_SIZE (1u << 20)

typedef struct CoroutineUContext {
    Coroutine base;
    void *map; /* mmap()ed region: guard page, then the stack */
    size_t map_size;
    void *stack; /* lowest usable address */
    size_t stack_size;
    sigjmp_buf env;
#ifdef CO_TSAN
    void *tsan_fiber; /* for a leader: the thread's own fiber */
#endif
} CoroutineUContext;

/* Handed from qemu_coroutine_new() to the trampoline's first run. */
typedef struct CoroutineBootstrap {
    CoroutineUContext *co;
    sigjmp_buf *creator_env;
#ifdef CO_TSAN
    void *creator_fiber;
#endif
} CoroutineBootstrap;

static __thread CoroutineUContext tls_leader;
static __thread Coroutine *tls_current;
static __thread CoroutineBootstrap *tls_bootstrap;

/* The barrier hides the result's origin from the optimiser, so a call made
 * after a switch computes the address in the thread that is running now. */
static __attribute__((noinline)) CoroutineUContext *get_leader(void)
{
    CoroutineUContext *p = &tls_leader;
    __asm__ volatile("" : "+r"(p));
    return p;
}

static __attribute__((noinline)) Coroutine *get_current(void)
{
    Coroutine *co = tls_current;
    __asm__ volatile("" : "+r"(co));
    return co;
}

static __attribute__((noinline)) void set_current(Coroutine *co)
{
    __asm__ volatile("" : : "r"(co) : "memory");
    tls_current = co;
}

static __attribute__((noinline)) CoroutineBootstrap *take_bootstrap(void)
{
    CoroutineBootstrap *b = tls_bootstrap;
    __asm__ volatile("" : "+r"(b));
    tls_bootstrap = NULL;
    return b;
}

static __attribute__((noinline)) void put_bootstrap(CoroutineBootstrap *b)
{
    __asm__ volatile("" : : "r"(b) : "memory");
    tls_bootstrap = b;
}

/* ---- sanitizer hooks ----------------------------------------------------- */

/* About to leave the current stack for @to's.  @fake_stack_save receives
 * ASan's fake stack of the stack being left. */
static inline void start_switch(void **fake_stack_save, CoroutineUContext *to)
{
#ifdef CO_ASAN
    __sanitizer_start_switch_fiber(fake_stack_save, to->stack, to->stack_size);
#else
    (void)fake_stack_save;
    (void)to;
#endif
}

/* Arrived on a new stack.  The first arrival from a thread's leader tells
 * ASan's view of the leader's stack, needed to switch back to it later. */
static inline void finish_switch(void *fake_stack_save)
{
#ifdef CO_ASAN
    const void *bottom_old;
    size_t size_old;
    CoroutineUContext *leader;

    __sanitizer_finish_switch_fiber(fake_stack_save, &bottom_old, &size_old);
    leader = get_leader();
    if (!leader->stack) {
        leader->stack = (void *)bottom_old;
        leader->stack_size = size_old;
    }
#else
    (void)fake_stack_save;
#endif
}

#ifdef CO_TSAN
/* A leader's fiber is its thread's own, known once the leader runs: record
 * it the first time the leader is seen running (self() or a switch away). */
static void tsan_note_running(CoroutineUContext *co)
{
    if (!co->tsan_fiber) {
        co->tsan_fiber = __tsan_get_current_fiber();
    }
}
#endif

/* ---- the trampoline -------------------------------------------------------- */

static void coroutine_trampoline(void)
{
    CoroutineBootstrap *boot = take_bootstrap();
    CoroutineUContext *self = boot->co;
    Coroutine *co = &self->base;
    void *fake_stack_save = NULL;

    finish_switch(NULL);

    if (!sigsetjmp(self->env, 0)) {
        /* Bootstrap done: back to the creator, on its stack and fiber. */
        CoroutineUContext *creator_stack = get_leader();
        CoroutineUContext *cur = (CoroutineUContext *)get_current();
        if (cur) {
            creator_stack = cur;
        }
        start_switch(&fake_stack_save, creator_stack);
#ifdef CO_TSAN
        __tsan_switch_to_fiber(boot->creator_fiber, 0);
#endif
        siglongjmp(*boot->creator_env, 1);
    }

    /* First real entry, from qemu_coroutine_switch(). */
    finish_switch(fake_stack_save);

    for (;;) {
        co->entry(co->entry_arg);
        qemu_coroutine_switch(co, co->caller, COROUTINE_TERMINATE);
    }
}

/* ---- platform.h ------------------------------------------------------------ */

Coroutine *qemu_coroutine_new(void)
{
    CoroutineUContext *co;
    CoroutineBootstrap boot;
    ucontext_t uc;
    sigjmp_buf creator_env;
    void *fake_stack_save = NULL;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    co = calloc(1, sizeof(*co));
    if (!co) {
        return NULL;
    }
    co->map_size = COROUTINE_STACK_SIZE + page;
    co->map = mmap(NULL, co->map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (co->map == MAP_FAILED) {
        free(co);
        return NULL;
    }
    /* Stacks grow down: an overflow hits the PROT_NONE page and faults. */
    if (mprotect(co->map, page, PROT_NONE) != 0) {
        munmap(co->map, co->map_size);
        free(co);
        return NULL;
    }
    co->stack = (char *)co->map + page;
    co->stack_size = COROUTINE_STACK_SIZE;

    if (getcontext(&uc) == -1) {
        munmap(co->map, co->map_size);
        free(co);
        return NULL;
    }
    uc.uc_link = NULL; /* the trampoline never returns */
    uc.uc_stack.ss_sp = co->stack;
    uc.uc_stack.ss_size = co->stack_size;
    uc.uc_stack.ss_flags = 0;
    makecontext(&uc, coroutine_trampoline, 0);

    boot.co = co;
    boot.creator_env = &creator_env;
#ifdef CO_TSAN
    boot.creator_fiber = __tsan_get_current_fiber();
    co->tsan_fiber = __tsan_create_fiber(0);
#endif
    put_bootstrap(&boot);

#ifdef CO_ASAN
    /* The range may have been another stack once; forget its redzones. */
    __asan_unpoison_memory_region(co->stack, co->stack_size);
#endif

    /*
     * In with setcontext(), out with the trampoline's siglongjmp(): nothing
     * needs the creator's ucontext, and ASan warns about swapcontext().
     */
    if (!sigsetjmp(creator_env, 0)) {
        start_switch(&fake_stack_save, co);
#ifdef CO_TSAN
        __tsan_switch_to_fiber(co->tsan_fiber, 0);
#endif
        setcontext(&uc);
        abort(); /* setcontext() only returns on error */
    }
    finish_switch(fake_stack_save);

    return &co->base;
}

void qemu_coroutine_delete(Coroutine *co_)
{
    CoroutineUContext *co = (CoroutineUContext *)co_;

#ifdef CO_TSAN
    __tsan_destroy_fiber(co->tsan_fiber);
#endif
#ifdef CO_ASAN
    __asan_unpoison_memory_region(co->stack, co->stack_size);
#endif
    munmap(co->map, co->map_size);
    free(co);
}

CoroutineAction qemu_coroutine_switch(Coroutine *from_, Coroutine *to_, CoroutineAction action)
{
    CoroutineUContext *from = (CoroutineUContext *)from_;
    CoroutineUContext *to = (CoroutineUContext *)to_;
    void *fake_stack_save = NULL;
    int ret;

    set_current(to_);

    ret = sigsetjmp(from->env, 0);
    if (ret == 0) {
        start_switch(&fake_stack_save, to);
#ifdef CO_TSAN
        tsan_note_running(from);
        __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
        siglongjmp(to->env, (int)action);
    }
    finish_switch(fake_stack_save);
    return (CoroutineAction)ret;
}

Coroutine *qemu_coroutine_self(void)
{
    Coroutine *self = get_current();

    if (!self) {
        CoroutineUContext *leader = get_leader();
        self = &leader->base;
        set_current(self);
#ifdef CO_TSAN
        tsan_note_running(leader);
#endif
    }
    return self;
}

bool qemu_in_coroutine(void)
{
    Coroutine *self = get_current();

    return self && self != &get_leader()->base;
}
