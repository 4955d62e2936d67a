/*
 * riscv-plic.c - RISC-V PLIC; see riscv-plic.h.
 */
#include "hw/riscv-plic.h"

#include <stdlib.h>

static bool test_bit(const uint32_t *map, unsigned n)
{
    return (map[n / 32] >> (n % 32)) & 1;
}

static void assign_bit(uint32_t *map, unsigned n, bool v)
{
    if (v) {
        map[n / 32] |= UINT32_C(1) << (n % 32);
    } else {
        map[n / 32] &= ~(UINT32_C(1) << (n % 32));
    }
}

/*
 * The source context @c should take next: enabled, pending, priority above
 * the threshold; highest priority wins, ties go to the lowest ID.  0 if none.
 */
static unsigned plic_best(PlicState *s, PlicContext *c)
{
    unsigned best = 0;
    unsigned best_prio = c->threshold;

    for (unsigned w = 0; w < s->num_words; w++) {
        uint32_t bits = s->pending[w] & c->enable[w];
        while (bits) {
            unsigned src = w * 32 + (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            if (s->priority[src] > best_prio) {
                best_prio = s->priority[src];
                best = src;
            }
        }
    }
    return best;
}

static void plic_update(PlicState *s)
{
    for (unsigned i = 0; i < s->num_contexts; i++) {
        PlicContext *c = &s->contexts[i];
        bool level = plic_best(s, c) != 0;
        if (level != c->out_level) {
            c->out_level = level;
            qemu_set_irq(&c->out, level);
        }
    }
}

void plic_set_irq(void *opaque, int src, int level)
{
    PlicState *s = opaque;

    if (src <= 0 || (unsigned)src > s->ndev) {
        return;
    }
    unsigned n = (unsigned)src;
    assign_bit(s->level, n, level > 0);
    /* The gateway holds a new request back until the claimed one completes. */
    assign_bit(s->pending, n, level > 0 && !test_bit(s->claimed, n));
    plic_update(s);
}

static uint32_t plic_claim(PlicState *s, PlicContext *c)
{
    unsigned src = plic_best(s, c);
    if (src) {
        assign_bit(s->pending, src, false);
        assign_bit(s->claimed, src, true);
        plic_update(s);
    }
    return src;
}

static void plic_complete(PlicState *s, PlicContext *c, uint32_t src)
{
    /* The spec ignores completions for sources the context has not enabled. */
    if (src == 0 || src > s->ndev || !test_bit(c->enable, src) || !test_bit(s->claimed, src)) {
        guest_log_limited(&s->log, "plic: completion of source %u not claimed by the context", src);
        return;
    }
    assign_bit(s->claimed, src, false);
    if (test_bit(s->level, src)) {
        assign_bit(s->pending, src, true);
    }
    plic_update(s);
}

/* The context whose threshold/claim page or enable block contains @addr, or NULL. */
static PlicContext *context_at(PlicState *s, hwaddr base, hwaddr stride, hwaddr addr, hwaddr *off)
{
    hwaddr i = (addr - base) / stride;
    if (i >= s->num_contexts) {
        return NULL;
    }
    *off = (addr - base) % stride;
    return &s->contexts[i];
}

static uint64_t plic_read(void *opaque, hwaddr addr, unsigned size)
{
    PlicState *s = opaque;
    PlicContext *c;
    hwaddr off;

    if (addr < PLIC_PENDING_BASE) {
        hwaddr src = addr / 4;
        if (src <= s->ndev) {
            return s->priority[src];
        }
    } else if (addr < PLIC_ENABLE_BASE) {
        hwaddr w = (addr - PLIC_PENDING_BASE) / 4;
        if (w < s->num_words) {
            return s->pending[w];
        }
    } else if (addr < PLIC_CONTEXT_BASE) {
        c = context_at(s, PLIC_ENABLE_BASE, PLIC_ENABLE_STRIDE, addr, &off);
        if (c && off / 4 < s->num_words) {
            return c->enable[off / 4];
        }
    } else {
        c = context_at(s, PLIC_CONTEXT_BASE, PLIC_CONTEXT_STRIDE, addr, &off);
        if (c && off == 0) {
            return c->threshold;
        }
        if (c && off == 4) {
            return plic_claim(s, c);
        }
    }
    guest_log_limited(&s->log, "plic: read at reserved offset 0x%llx", (unsigned long long)addr);
    return 0;
}

static void plic_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PlicState *s = opaque;
    PlicContext *c;
    hwaddr off;

    if (addr < PLIC_PENDING_BASE) {
        hwaddr src = addr / 4;
        if (src >= 1 && src <= s->ndev) {
            s->priority[src] = val & PLIC_MAX_PRIORITY;
            plic_update(s);
            return;
        }
    } else if (addr < PLIC_ENABLE_BASE) {
        /* Pending bits are read-only: only devices raise them. */
    } else if (addr < PLIC_CONTEXT_BASE) {
        c = context_at(s, PLIC_ENABLE_BASE, PLIC_ENABLE_STRIDE, addr, &off);
        if (c && off / 4 < s->num_words) {
            uint32_t v = (uint32_t)val;
            unsigned w = (unsigned)(off / 4);
            if (w == 0) {
                v &= ~UINT32_C(1); /* source 0 does not exist */
            }
            if (w == s->num_words - 1 && (s->ndev + 1) % 32) {
                v &= (UINT32_C(1) << ((s->ndev + 1) % 32)) - 1;
            }
            c->enable[w] = v;
            plic_update(s);
            return;
        }
    } else {
        c = context_at(s, PLIC_CONTEXT_BASE, PLIC_CONTEXT_STRIDE, addr, &off);
        if (c && off == 0) {
            c->threshold = val & PLIC_MAX_PRIORITY;
            plic_update(s);
            return;
        }
        if (c && off == 4) {
            plic_complete(s, c, (uint32_t)val);
            return;
        }
    }
    guest_log_limited(&s->log, "plic: write of 0x%llx at offset 0x%llx ignored",
                      (unsigned long long)val, (unsigned long long)addr);
}

static const MemoryRegionOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .min_access_size = 4,
    .max_access_size = 4,
};

void plic_reset(PlicState *s)
{
    for (unsigned i = 0; i <= s->ndev; i++) {
        s->priority[i] = 0;
    }
    for (unsigned w = 0; w < s->num_words; w++) {
        s->claimed[w] = 0;
        s->pending[w] = s->level[w]; /* inputs still high stay requested */
        for (unsigned i = 0; i < s->num_contexts; i++) {
            s->contexts[i].enable[w] = 0;
        }
    }
    for (unsigned i = 0; i < s->num_contexts; i++) {
        s->contexts[i].threshold = 0;
    }
    plic_update(s);
}

PlicState *plic_new(unsigned ndev, unsigned num_contexts)
{
    if (ndev == 0 || ndev >= PLIC_MAX_SOURCES || num_contexts == 0 ||
        num_contexts > PLIC_MAX_CONTEXTS) {
        return NULL;
    }
    PlicState *s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    s->ndev = ndev;
    s->num_words = (ndev + 1 + 31) / 32;
    s->num_contexts = num_contexts;
    s->priority = calloc(ndev + 1, 1);
    /* One allocation for the three source bitmaps and every context's enables. */
    s->pending = calloc((size_t)s->num_words * (3 + num_contexts), sizeof(uint32_t));
    s->contexts = calloc(num_contexts, sizeof(*s->contexts));
    if (!s->priority || !s->pending || !s->contexts) {
        plic_free(s);
        return NULL;
    }
    s->level = s->pending + s->num_words;
    s->claimed = s->level + s->num_words;
    for (unsigned i = 0; i < num_contexts; i++) {
        s->contexts[i].enable = s->claimed + s->num_words * (1 + i);
    }
    memory_region_init_io(&s->mmio, "riscv.plic", &plic_ops, s, PLIC_MMIO_SIZE);
    return s;
}

void plic_free(PlicState *s)
{
    if (!s) {
        return;
    }
    free(s->priority);
    free(s->pending);
    free(s->contexts);
    free(s);
}
