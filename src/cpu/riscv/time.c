/*
 * time.c - Sstc: the supervisor timer compare register (stimecmp) and the
 * timer that raises STIP when `time` reaches it (QEMU's target/riscv/time_helper.c).
 *
 * Nothing polls: a write of stimecmp (or a change of menvcfg.STCE) computes
 * STIP at once and arms `stimer` on the VIRTUAL clock for the first
 * nanosecond at which `time` >= stimecmp; the callback re-checks, so a moved
 * mtime only re-arms it.  The callback runs in the board's main loop thread
 * while the vCPU thread may be rewriting stimecmp, so both sides decide STIP
 * under stimer_lock.  That lock is a leaf: the wake-up (vcpu_wake, which takes
 * the vCPU's own mutex) is called after dropping it, and riscv_cpu_reset runs
 * with the vCPU mutex held.
 */
#include "cpu/riscv/internal.h"
#include "util/atomic.h"

#define NS_PER_SEC 1000000000ULL

static uint64_t timer_get_time(RISCVCPU *cpu)
{
    return cpu->get_time(cpu->time_opaque);
}

static bool stip_level(RISCVCPU *cpu)
{
    return (qatomic_read(&cpu->mip) & MIP_STIP) != 0;
}

/*
 * Make STIP and the timer agree with STCE, stimecmp and the current time.
 * Returns true if STIP went from 0 to 1.  stimer_lock held.
 */
static bool stimer_update_locked(RISCVCPU *cpu)
{
    if (!riscv__stce(cpu)) {
        timer_del(cpu->stimer);
        return false;
    }
    /* time first, then the clock: the deadline can only come out late by the gap. */
    uint64_t now_ticks = timer_get_time(cpu);
    int64_t now_ns = qemu_clock_get_ns(cpu->clocks, QEMU_CLOCK_VIRTUAL);

    if (now_ticks >= cpu->stimecmp) {
        timer_del(cpu->stimer);
        if (!stip_level(cpu)) {
            riscv_cpu_set_mip(cpu, MIP_STIP, true);
            return true;
        }
        return false;
    }
    if (stip_level(cpu)) {
        riscv_cpu_set_mip(cpu, MIP_STIP, false);
    }
    /* ceil(delta * 1e9 / freq) without overflow: whole seconds, then the remainder. */
    uint64_t delta = cpu->stimecmp - now_ticks;
    uint64_t secs = delta / cpu->timebase_freq;
    uint64_t rem = delta % cpu->timebase_freq;
    if (secs >= (uint64_t)(INT64_MAX - now_ns) / NS_PER_SEC) {
        /* Beyond the end of the clock: stimecmp = -1 means "never". */
        timer_del(cpu->stimer);
        return false;
    }
    uint64_t ns =
        secs * NS_PER_SEC + (rem * NS_PER_SEC + cpu->timebase_freq - 1) / cpu->timebase_freq;
    timer_mod_ns(cpu->stimer, now_ns + (int64_t)ns);
    return false;
}

/* QEMU's riscv_stimer_cb.  Timer context's home thread. */
static void riscv_stimer_cb(void *opaque)
{
    RISCVCPU *cpu = opaque;

    qemu_mutex_lock(&cpu->stimer_lock);
    bool raised = stimer_update_locked(cpu);
    qemu_mutex_unlock(&cpu->stimer_lock);
    if (raised && cpu->wake) {
        cpu->wake(cpu->wake_opaque);
    }
}

bool riscv__timer_init(RISCVCPU *cpu, const RISCVCPUConfig *cfg)
{
    cpu->stimecmp = UINT64_MAX;
    /* rem * 1e9 must fit in 64 bits; real timebases are far below 18 GHz. */
    if (!cfg->timer_ctx || !cfg->get_time || !cfg->timebase_freq ||
        cfg->timebase_freq > UINT64_MAX / NS_PER_SEC) {
        return true;
    }
    cpu->clocks = aio_get_clocks(cfg->timer_ctx);
    cpu->timebase_freq = cfg->timebase_freq;
    cpu->wake = cfg->wake;
    cpu->wake_opaque = cfg->wake_opaque;
    cpu->stimer = aio_timer_new(cfg->timer_ctx, QEMU_CLOCK_VIRTUAL, SCALE_NS, riscv_stimer_cb, cpu);
    if (!cpu->stimer) {
        return false;
    }
    qemu_mutex_init(&cpu->stimer_lock);
    return true;
}

void riscv__timer_free(RISCVCPU *cpu)
{
    if (cpu->stimer) {
        timer_free(cpu->stimer);
        cpu->stimer = NULL;
        qemu_mutex_destroy(&cpu->stimer_lock);
    }
}

void riscv__timer_reset(RISCVCPU *cpu)
{
    if (!cpu->stimer) {
        cpu->menvcfg = 0;
        cpu->stimecmp = UINT64_MAX;
        return;
    }
    qemu_mutex_lock(&cpu->stimer_lock);
    cpu->menvcfg = 0;
    cpu->stimecmp = UINT64_MAX;
    timer_del(cpu->stimer);
    qemu_mutex_unlock(&cpu->stimer_lock);
}

void riscv__write_menvcfg(RISCVCPU *cpu, uint64_t val)
{
    if (!cpu->stimer) {
        cpu->menvcfg = val & MENVCFG_FIOM;
        return;
    }
    qemu_mutex_lock(&cpu->stimer_lock);
    uint64_t old = cpu->menvcfg;
    cpu->menvcfg = val & (MENVCFG_FIOM | MENVCFG_STCE);
    if ((old ^ cpu->menvcfg) & MENVCFG_STCE) {
        if (!riscv__stce(cpu)) {
            /* STIP is software-writable again (through mip); drop the timer's level. */
            riscv_cpu_set_mip(cpu, MIP_STIP, false);
        }
        stimer_update_locked(cpu);
    }
    qemu_mutex_unlock(&cpu->stimer_lock);
}

void riscv__timer_write_timecmp(RISCVCPU *cpu, uint64_t val)
{
    qemu_mutex_lock(&cpu->stimer_lock);
    cpu->stimecmp = val;
    stimer_update_locked(cpu);
    qemu_mutex_unlock(&cpu->stimer_lock);
}

void riscv__timer_sync_stip(RISCVCPU *cpu)
{
    /* The timer fires a little after the deadline; a read in between must already see STIP. */
    if ((timer_get_time(cpu) >= cpu->stimecmp) != stip_level(cpu)) {
        qemu_mutex_lock(&cpu->stimer_lock);
        stimer_update_locked(cpu);
        qemu_mutex_unlock(&cpu->stimer_lock);
    }
}
