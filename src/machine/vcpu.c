/* vcpu.c - one thread per hart; see vcpu.h. */
#include "machine/vcpu.h"

#include "aio/main-loop.h"
#include "util/error.h"

#include <errno.h>
#include <stdio.h>

void vcpu_init(VCPU *v, RISCVCPU *cpu, int index, AioContext *main_ctx)
{
    *v = (VCPU){.cpu = cpu, .index = index, .ctx = main_ctx};
    qemu_mutex_init(&v->lock);
    qemu_cond_init(&v->cond);
}

static void *vcpu_thread_fn(void *opaque)
{
    VCPU *v = opaque;

    aio_context_set_current(v->ctx);
    qemu_mutex_lock(&v->lock);
    while (!v->exit_request) {
        if (v->reset_pending) {
            riscv_cpu_reset(v->cpu, v->reset_pc);
            v->reset_pending = false;
            v->halted = false;
        }
        if (v->stop_request) {
            if (!v->parked) {
                v->parked = true;
                qemu_cond_broadcast(&v->cond);
            }
            qemu_cond_wait(&v->cond, &v->lock);
            continue;
        }
        v->parked = false;
        if (v->halted) {
            /*
             * has_work is checked with the lock held and wakers take the lock
             * after setting mip, so a wake between check and wait cannot be
             * lost.  A pause does not end the WFI: the hart stays halted.
             */
            if (!riscv_cpu_has_work(v->cpu)) {
                qemu_cond_wait(&v->cond, &v->lock);
                continue;
            }
            v->halted = false;
            v->wakeups++;
        }
        qemu_mutex_unlock(&v->lock);

        RISCVExit r = riscv_cpu_run(v->cpu, VCPU_SLICE);

        qemu_mutex_lock(&v->lock);
        if (r == RISCV_EXIT_WFI) {
            v->halted = true;
        }
    }
    v->parked = true;
    qemu_cond_broadcast(&v->cond);
    qemu_mutex_unlock(&v->lock);
    return NULL;
}

int vcpu_start(VCPU *v, uint64_t reset_pc, bool paused)
{
    char name[32];
    snprintf(name, sizeof(name), "vcpu%d", v->index);
    v->reset_pc = reset_pc;
    v->reset_pending = true;
    v->stop_request = paused;
    int r = qemu_thread_create(&v->thread, name, vcpu_thread_fn, v);
    if (r == 0) {
        v->thread_started = true;
    }
    return r;
}

void vcpu_wake(VCPU *v)
{
    qemu_mutex_lock(&v->lock);
    qemu_cond_broadcast(&v->cond);
    qemu_mutex_unlock(&v->lock);
}

/* Wait for @v to park, without holding the BQL (the vCPU may need it to finish an access). */
static void vcpu_wait_parked(VCPU *v)
{
    bool had_bql = bql_locked();
    if (had_bql) {
        bql_unlock();
    }
    qemu_mutex_lock(&v->lock);
    while (v->thread_started && !v->parked) {
        qemu_mutex_unlock(&v->lock);
        riscv_cpu_kick(v->cpu);
        qemu_mutex_lock(&v->lock);
        if (!v->parked) {
            /* A kick lands within a block; re-kick in case it raced with a slice start. */
            qemu_cond_timedwait_ns(&v->cond, &v->lock, 10 * 1000 * 1000);
        }
    }
    qemu_mutex_unlock(&v->lock);
    if (had_bql) {
        bql_lock();
    }
}

void vcpu_pause(VCPU *v)
{
    qemu_mutex_lock(&v->lock);
    v->stop_request = true;
    qemu_cond_broadcast(&v->cond);
    qemu_mutex_unlock(&v->lock);
    vcpu_wait_parked(v);
}

void vcpu_resume(VCPU *v)
{
    qemu_mutex_lock(&v->lock);
    v->stop_request = false;
    qemu_cond_broadcast(&v->cond);
    qemu_mutex_unlock(&v->lock);
}

void vcpu_request_reset(VCPU *v, uint64_t pc)
{
    qemu_mutex_lock(&v->lock);
    v->reset_pc = pc;
    v->reset_pending = true;
    qemu_cond_broadcast(&v->cond);
    qemu_mutex_unlock(&v->lock);
}

void vcpu_destroy(VCPU *v)
{
    if (v->thread_started) {
        qemu_mutex_lock(&v->lock);
        v->exit_request = true;
        qemu_cond_broadcast(&v->cond);
        qemu_mutex_unlock(&v->lock);
        riscv_cpu_kick(v->cpu);

        bool had_bql = bql_locked();
        if (had_bql) {
            bql_unlock();
        }
        qemu_thread_join(&v->thread);
        if (had_bql) {
            bql_lock();
        }
        v->thread_started = false;
    }
    qemu_cond_destroy(&v->cond);
    qemu_mutex_destroy(&v->lock);
}
