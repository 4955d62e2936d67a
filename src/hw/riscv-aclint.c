/*
 * riscv-aclint.c - RISC-V CLINT (MSWI + MTIMER); see riscv-aclint.h.
 */
#include "hw/riscv-aclint.h"

#include "util/atomic.h"

#include <stdlib.h>

#define NS_PER_TICK (1000000000LL / ACLINT_TIMEBASE_FREQ)

static uint64_t ticks_now(AclintState *s, int64_t *now_ns)
{
    int64_t ns = qemu_clock_get_ns(s->clocks, QEMU_CLOCK_VIRTUAL);
    if (now_ns) {
        *now_ns = ns;
    }
    return (uint64_t)(ns / NS_PER_TICK) + qatomic_read(&s->mtime_offset);
}

uint64_t aclint_get_mtime(void *opaque)
{
    return ticks_now(opaque, NULL);
}

static void set_mtip(AclintHart *h, bool level)
{
    if (h->mtip_level != level) {
        h->mtip_level = level;
        qemu_set_irq(&h->mtip, level);
    }
}

/*
 * Raise MTIP if mtime has reached mtimecmp; otherwise lower it and arm the
 * timer for the first nanosecond at which it will have.
 */
static void hart_update_timer(AclintHart *h)
{
    int64_t now;
    uint64_t mtime = ticks_now(h->s, &now);

    if (mtime >= h->mtimecmp) {
        timer_del(h->timer);
        set_mtip(h, true);
        return;
    }
    set_mtip(h, false);
    uint64_t delta = h->mtimecmp - mtime;
    if (delta > (uint64_t)(INT64_MAX - now) / NS_PER_TICK) {
        /* Beyond the end of the clock (mtimecmp = -1 means "never"). */
        timer_del(h->timer);
        return;
    }
    /* floor((now + delta * 100) / 100) = mtime + delta: never early. */
    timer_mod_ns(h->timer, now + (int64_t)delta * NS_PER_TICK);
}

static void hart_timer_cb(void *opaque)
{
    /* Re-checks, so a moved mtime or mtimecmp simply re-arms. */
    hart_update_timer(opaque);
}

static void set_msip(AclintHart *h, bool level)
{
    if (h->msip != level) {
        h->msip = level;
        qemu_set_irq(&h->msip_irq, level);
    }
}

/* Replace bytes [shift/8, shift/8 + size) of a 64-bit register. */
static uint64_t deposit(uint64_t reg, unsigned shift, unsigned size, uint64_t val)
{
    uint64_t mask = size == 8 ? UINT64_MAX : ((UINT64_C(1) << (8 * size)) - 1) << shift;
    return (reg & ~mask) | ((val << shift) & mask);
}

static uint64_t aclint_read(void *opaque, hwaddr addr, unsigned size)
{
    AclintState *s = opaque;

    if (addr < ACLINT_MTIMECMP_BASE) {
        unsigned h = (unsigned)(addr / 4);
        if (h < s->num_harts && size == 4) {
            return s->harts[h].msip;
        }
    } else if (addr >= ACLINT_MTIME && addr < ACLINT_MTIME + 8) {
        unsigned shift = (unsigned)(addr - ACLINT_MTIME) * 8;
        return aclint_get_mtime(s) >> shift;
    } else if (addr < ACLINT_MTIMECMP_BASE + 8 * (hwaddr)s->num_harts) {
        hwaddr off = addr - ACLINT_MTIMECMP_BASE;
        return s->harts[off / 8].mtimecmp >> ((off % 8) * 8);
    }
    guest_log_limited(&s->log, "aclint: %u-byte read at 0x%llx", size, (unsigned long long)addr);
    return 0;
}

static void aclint_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    AclintState *s = opaque;

    if (addr < ACLINT_MTIMECMP_BASE) {
        unsigned h = (unsigned)(addr / 4);
        if (h < s->num_harts && size == 4) {
            set_msip(&s->harts[h], val & 1);
            return;
        }
    } else if (addr >= ACLINT_MTIME && addr < ACLINT_MTIME + 8) {
        unsigned shift = (unsigned)(addr - ACLINT_MTIME) * 8;
        uint64_t now_ticks = ticks_now(s, NULL);
        uint64_t wanted = deposit(now_ticks, shift, size, val);
        qatomic_set(&s->mtime_offset, qatomic_read(&s->mtime_offset) + (wanted - now_ticks));
        for (unsigned i = 0; i < s->num_harts; i++) {
            hart_update_timer(&s->harts[i]);
        }
        return;
    } else if (addr < ACLINT_MTIMECMP_BASE + 8 * (hwaddr)s->num_harts) {
        hwaddr off = addr - ACLINT_MTIMECMP_BASE;
        AclintHart *h = &s->harts[off / 8];
        h->mtimecmp = deposit(h->mtimecmp, (unsigned)(off % 8) * 8, size, val);
        hart_update_timer(h);
        return;
    }
    guest_log_limited(&s->log, "aclint: %u-byte write at 0x%llx ignored", size,
                      (unsigned long long)addr);
}

static const MemoryRegionOps aclint_ops = {
    .read = aclint_read,
    .write = aclint_write,
    .min_access_size = 4,
    .max_access_size = 8,
};

void aclint_reset(AclintState *s)
{
    for (unsigned i = 0; i < s->num_harts; i++) {
        AclintHart *h = &s->harts[i];
        timer_del(h->timer);
        h->mtimecmp = UINT64_MAX;
        set_mtip(h, false);
        set_msip(h, false);
    }
}

AclintState *aclint_new(AioContext *ctx, unsigned num_harts)
{
    if (num_harts == 0 || num_harts > ACLINT_MAX_HARTS) {
        return NULL;
    }
    AclintState *s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    s->harts = calloc(num_harts, sizeof(*s->harts));
    if (!s->harts) {
        free(s);
        return NULL;
    }
    s->clocks = aio_get_clocks(ctx);
    s->num_harts = num_harts;
    for (unsigned i = 0; i < num_harts; i++) {
        AclintHart *h = &s->harts[i];
        h->s = s;
        h->index = i;
        h->mtimecmp = UINT64_MAX;
        h->timer = aio_timer_new(ctx, QEMU_CLOCK_VIRTUAL, SCALE_NS, hart_timer_cb, h);
    }
    memory_region_init_io(&s->mmio, "riscv.aclint", &aclint_ops, s, ACLINT_MMIO_SIZE);
    return s;
}

void aclint_free(AclintState *s)
{
    if (!s) {
        return;
    }
    for (unsigned i = 0; i < s->num_harts; i++) {
        timer_free(s->harts[i].timer);
    }
    free(s->harts);
    free(s);
}
