/*
 * test-mptable.c - the MP 1.4 table builder: every table for 1..MPTABLE_MAX_CPUS CPUs is
 * parsed back the way Linux's mpparse.c reads it (floating pointer found on a 16-byte
 * boundary, both checksums, entry count and lengths consistent, one BSP, APIC IDs 0..N-1,
 * the IOAPIC distinct from them, ISA IRQ p -> pin p, ExtINT/NMI on LINT0/LINT1), the bytes
 * stay inside their buffer, and bad arguments are refused without writing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "machine/mptable.h"

#include <string.h>

#define BASE     0x9fc00
#define BUF_SIZE 8192
#define GUARD    0xa5

typedef struct Parsed {
    int cpus, bsps, buses, ioapics, intsrcs, lintsrcs;
    uint32_t lapic, ioapic_addr;
    int ioapic_id, ioapic_ver;
    int cpu_id[256];
    int pin_of_irq[256];
    int extint_lint, nmi_lint;
} Parsed;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--) {
        s = (uint8_t)(s + *p++);
    }
    return s;
}

/* Parse mem (the guest's view of [BASE, BASE + len)); fails the test on any inconsistency. */
static void parse(const uint8_t *mem, size_t len, Parsed *out)
{
    memset(out, 0, sizeof(*out));
    memset(out->pin_of_irq, -1, sizeof(out->pin_of_irq));
    out->extint_lint = out->nmi_lint = -1;
    const uint8_t *fps = NULL;
    for (size_t off = 0; off + 16 <= len; off += 16) {
        if (!memcmp(mem + off, "_MP_", 4) && mem[off + 8] == 1 && sum(mem + off, 16) == 0) {
            fps = mem + off;
            break;
        }
    }
    assert_non_null(fps);
    assert_int_equal(fps[9], 4);
    assert_int_equal(fps[11], 0); /* not a default configuration */
    uint32_t phys = rd32(fps + 4);
    assert_true(phys >= BASE && phys - BASE + 44 <= len);
    const uint8_t *mpc = mem + (phys - BASE);
    assert_memory_equal(mpc, "PCMP", 4);
    size_t tlen = (size_t)(mpc[4] | mpc[5] << 8);
    assert_true(tlen >= 44 && phys - BASE + tlen <= len);
    assert_int_equal(sum(mpc, tlen), 0);
    assert_int_equal(mpc[6], 4);
    out->lapic = rd32(mpc + 36);
    unsigned count = (unsigned)(mpc[34] | mpc[35] << 8);

    const uint8_t *e = mpc + 44, *end = mpc + tlen;
    for (unsigned i = 0; i < count; i++) {
        assert_true(e < end);
        size_t esize = e[0] == 0 ? 20 : 8;
        assert_true(e + esize <= end);
        switch (e[0]) {
        case 0:
            assert_true(e[3] & 1);
            out->cpu_id[out->cpus++] = e[1];
            out->bsps += (e[3] & 2) != 0;
            if (e[3] & 2) {
                assert_int_equal(e[1], 0);
            }
            break;
        case 1:
            assert_memory_equal(e + 2, "ISA   ", 6);
            out->buses++;
            break;
        case 2:
            assert_true(e[3] & 1);
            out->ioapics++;
            out->ioapic_id = e[1];
            out->ioapic_ver = e[2];
            out->ioapic_addr = rd32(e + 4);
            break;
        case 3:
            assert_int_equal(e[1], 0); /* mp_INT */
            assert_int_equal(e[4], 0); /* the ISA bus */
            assert_int_equal(out->pin_of_irq[e[5]], -1);
            out->pin_of_irq[e[5]] = e[7];
            out->intsrcs++;
            break;
        case 4:
            assert_int_equal(e[6], 0xff);
            if (e[1] == 3) {
                out->extint_lint = e[7];
            } else if (e[1] == 1) {
                out->nmi_lint = e[7];
            }
            out->lintsrcs++;
            break;
        default: fail_msg("unknown entry type %u", e[0]);
        }
        e += esize;
    }
    assert_ptr_equal(e, end); /* the length covers exactly the entries counted */
}

static void test_every_cpu_count(void **state)
{
    (void)state;
    static uint8_t buf[BUF_SIZE];
    for (int n = 1; n <= MPTABLE_MAX_CPUS; n++) {
        memset(buf, GUARD, sizeof(buf));
        size_t want = MPTABLE_SIZE(n, 24);
        int r = mptable_build(buf, want, BASE, n, 24);
        assert_int_equal(r, (int)want);
        for (size_t i = want; i < sizeof(buf); i++) {
            assert_int_equal(buf[i], GUARD); /* nothing past the size it reports */
        }
        Parsed p;
        parse(buf, want, &p);
        assert_int_equal(p.cpus, n);
        assert_int_equal(p.bsps, 1);
        for (int i = 0; i < n; i++) {
            assert_int_equal(p.cpu_id[i], i);
        }
        assert_int_equal(p.buses, 1);
        assert_int_equal(p.ioapics, 1);
        assert_int_equal(p.ioapic_id, n); /* distinct from every CPU's APIC ID */
        assert_int_equal(p.ioapic_ver, 0x11);
        assert_int_equal(p.ioapic_addr, 0xfec00000u);
        assert_int_equal(p.lapic, 0xfee00000u);
        assert_int_equal(p.intsrcs, 24);
        for (int irq = 0; irq < 24; irq++) {
            assert_int_equal(p.pin_of_irq[irq], irq);
        }
        assert_int_equal(p.lintsrcs, 2);
        assert_int_equal(p.extint_lint, 0);
        assert_int_equal(p.nmi_lint, 1);
    }
}

/* The board's biggest table (16 vCPUs, 24 pins) fits in the last KiB of base memory. */
static void test_fits_base_memory(void **state)
{
    (void)state;
    assert_true(MPTABLE_SIZE(16, 24) <= 0x400);
    uint8_t buf[0x400];
    assert_int_equal(mptable_build(buf, sizeof(buf), BASE, 16, 24), (int)MPTABLE_SIZE(16, 24));
    Parsed p;
    parse(buf, sizeof(buf), &p);
    assert_int_equal(p.cpus, 16);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint8_t buf[BUF_SIZE];
    memset(buf, GUARD, sizeof(buf));
    assert_int_equal(mptable_build(buf, sizeof(buf), BASE, 0, 24), -1);
    assert_int_equal(mptable_build(buf, sizeof(buf), BASE, MPTABLE_MAX_CPUS + 1, 24), -1);
    assert_int_equal(mptable_build(buf, sizeof(buf), BASE, 2, 0), -1);
    assert_int_equal(mptable_build(buf, sizeof(buf), BASE, 2, MPTABLE_MAX_PINS + 1), -1);
    assert_int_equal(mptable_build(buf, sizeof(buf), BASE + 8, 2, 24), -1);
    assert_int_equal(mptable_build(buf, MPTABLE_SIZE(2, 24) - 1, BASE, 2, 24), -1);
    assert_int_equal(mptable_build(buf, sizeof(buf), 0xfffffff0ULL, 2, 24), -1);
    for (size_t i = 0; i < sizeof(buf); i++) {
        assert_int_equal(buf[i], GUARD);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_cpu_count),
        cmocka_unit_test(test_fits_base_memory),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
