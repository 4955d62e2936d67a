/*
 * sifive-test.c - SiFive test finisher; see sifive-test.h.
 */
#include "hw/sifive-test.h"

#include "util/error.h"

#include <string.h>

static uint64_t sifive_test_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void sifive_test_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    SifiveTestState *s = opaque;

    if (addr == 0) {
        int code = (int)((val >> 16) & 0xffff);
        switch (val & 0xffff) {
        case SIFIVE_TEST_FAIL: s->finish(s->opaque, SIFIVE_TEST_FAIL, code); return;
        case SIFIVE_TEST_PASS: s->finish(s->opaque, SIFIVE_TEST_PASS, 0); return;
        case SIFIVE_TEST_RESET: s->finish(s->opaque, SIFIVE_TEST_RESET, 0); return;
        }
    }
    guest_log_limited(&s->log, "sifive-test: %u-byte write of 0x%llx at 0x%llx ignored", size,
                      (unsigned long long)val, (unsigned long long)addr);
}

/* As QEMU: 16- or 32-bit writes (a 16-bit one carries no fail code). */
static const MemoryRegionOps sifive_test_ops = {
    .read = sifive_test_read,
    .write = sifive_test_write,
    .min_access_size = 2,
    .max_access_size = 4,
};

void sifive_test_init(SifiveTestState *s, SifiveTestFinishFn *finish, void *opaque)
{
    if (!finish) {
        qemu_fatal_misuse("%s: a finish callback is required", __func__);
    }
    memset(s, 0, sizeof(*s));
    s->finish = finish;
    s->opaque = opaque;
    memory_region_init_io(&s->mmio, "sifive.test", &sifive_test_ops, s, SIFIVE_TEST_MMIO_SIZE);
}
