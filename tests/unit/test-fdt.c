/*
 * test-fdt.c - the device tree writer: header and block layout, string
 * deduplication, sticky errors, and (when dtc is installed) the decompiled
 * text of a tree shaped like QEMU's virt board, compared line by line with
 * what QEMU's own tree decompiles to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/fdt.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test-dtc.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A cut-down virt tree: the nodes the board helper will write. */
static Fdt *virt_like_tree(void)
{
    Fdt *f = fdt_new();
    assert_non_null(f);
    uint32_t intc = fdt_alloc_phandle(f);
    uint32_t plic = fdt_alloc_phandle(f);
    uint32_t test = fdt_alloc_phandle(f);

    fdt_add_reservation(f, 0x80000000, 0x80000);
    fdt_begin_node(f, "");
    fdt_prop_u32(f, "#address-cells", 2);
    fdt_prop_u32(f, "#size-cells", 2);
    fdt_prop_string(f, "compatible", "riscv-virtio");
    fdt_prop_string(f, "model", "riscv-virtio,qemu");

    fdt_begin_node(f, "chosen");
    fdt_prop_string(f, "stdout-path", "/soc/serial@10000000");
    fdt_end_node(f);

    fdt_begin_node(f, "memory@80000000");
    fdt_prop_string(f, "device_type", "memory");
    FDT_PROP_CELLS(f, "reg", 0, 0x80000000, 0, 0x10000000);
    fdt_end_node(f);

    fdt_begin_node(f, "cpus");
    fdt_prop_u32(f, "#address-cells", 1);
    fdt_prop_u32(f, "#size-cells", 0);
    fdt_prop_u32(f, "timebase-frequency", 10000000);
    fdt_begin_node(f, "cpu@0");
    fdt_prop_string(f, "device_type", "cpu");
    fdt_prop_u32(f, "reg", 0);
    fdt_prop_string(f, "status", "okay");
    fdt_prop_string(f, "riscv,isa", "rv64imafdc");
    fdt_begin_node(f, "interrupt-controller");
    fdt_prop_u32(f, "#interrupt-cells", 1);
    fdt_prop_empty(f, "interrupt-controller");
    fdt_prop_string(f, "compatible", "riscv,cpu-intc");
    fdt_prop_phandle(f, intc);
    fdt_end_node(f);
    fdt_end_node(f);
    fdt_end_node(f);

    fdt_begin_node(f, "poweroff");
    fdt_prop_u32(f, "value", 0x5555);
    fdt_prop_u32(f, "offset", 0);
    fdt_prop_u32(f, "regmap", test);
    fdt_prop_string(f, "compatible", "syscon-poweroff");
    fdt_end_node(f);

    fdt_begin_node(f, "soc");
    fdt_prop_u32(f, "#address-cells", 2);
    fdt_prop_u32(f, "#size-cells", 2);
    FDT_PROP_STRINGS(f, "compatible", "simple-bus");
    fdt_prop_empty(f, "ranges");

    fdt_begin_node(f, "test@100000");
    fdt_prop_phandle(f, test);
    FDT_PROP_CELLS(f, "reg", 0, 0x100000, 0, 0x1000);
    FDT_PROP_STRINGS(f, "compatible", "sifive,test1", "sifive,test0", "syscon");
    fdt_end_node(f);

    fdt_begin_node(f, "plic@c000000");
    fdt_prop_phandle(f, plic);
    fdt_prop_u32(f, "riscv,ndev", 96);
    FDT_PROP_CELLS(f, "reg", 0, 0xc000000, 0, 0x600000);
    FDT_PROP_CELLS(f, "interrupts-extended", intc, 11, intc, 9);
    fdt_prop_empty(f, "interrupt-controller");
    FDT_PROP_STRINGS(f, "compatible", "sifive,plic-1.0.0", "riscv,plic0");
    fdt_prop_u32(f, "#address-cells", 0);
    fdt_prop_u32(f, "#interrupt-cells", 1);
    fdt_end_node(f);

    fdt_begin_node(f, "serial@10000000");
    fdt_prop_u32(f, "interrupts", 10);
    fdt_prop_u32(f, "interrupt-parent", plic);
    fdt_prop_u32(f, "clock-frequency", 0x384000);
    FDT_PROP_CELLS(f, "reg", 0, 0x10000000, 0, 0x100);
    fdt_prop_string(f, "compatible", "ns16550a");
    fdt_end_node(f);

    fdt_begin_node(f, "clint@2000000");
    FDT_PROP_CELLS(f, "interrupts-extended", intc, 3, intc, 7);
    FDT_PROP_CELLS(f, "reg", 0, 0x2000000, 0, 0x10000);
    FDT_PROP_STRINGS(f, "compatible", "sifive,clint0", "riscv,clint0");
    fdt_end_node(f);
    fdt_end_node(f); /* soc */

    fdt_begin_node(f, "blob");
    fdt_prop(f, "bytes", "\x01\x02\x03", 3); /* unaligned length: padding follows */
    fdt_prop_u64(f, "big", 0x1122334455667788ull);
    fdt_end_node(f);

    fdt_end_node(f); /* root */
    return f;
}

static void test_header_and_blocks(void **state)
{
    Fdt *f = virt_like_tree();
    void *blob;
    size_t size;
    assert_int_equal(fdt_finish(f, &blob, &size), 0);
    const uint8_t *p = blob;

    assert_int_equal(be32(p + 0), FDT_MAGIC);
    assert_int_equal(be32(p + 4), size);
    uint32_t off_struct = be32(p + 8), off_strings = be32(p + 12), off_rsv = be32(p + 16);
    assert_int_equal(be32(p + 20), 17);
    assert_int_equal(be32(p + 24), 16);
    assert_int_equal(off_rsv % 8, 0);
    assert_int_equal(off_struct % 4, 0);
    /* One reservation, then the (0, 0) terminator. */
    assert_int_equal(be32(p + off_rsv + 4), 0x80000000);
    assert_int_equal(be32(p + off_rsv + 12), 0x80000);
    for (int i = 16; i < 32; i++) {
        assert_int_equal(p[off_rsv + i], 0);
    }
    assert_int_equal(off_struct, off_rsv + 32);
    /* The structure block starts with the root and ends with FDT_END. */
    uint32_t size_struct = be32(p + 36);
    assert_int_equal(be32(p + off_struct), 1);
    assert_int_equal(be32(p + off_struct + size_struct - 4), 9);
    assert_int_equal(off_strings, off_struct + size_struct);
    assert_int_equal(off_strings + be32(p + 32), size);

    /* Each property name is stored once, however often it is used. */
    const char *strings = (const char *)p + off_strings;
    uint32_t size_strings = be32(p + 32);
    int compat = 0, reg = 0;
    for (uint32_t i = 0; i < size_strings; i += (uint32_t)strlen(strings + i) + 1) {
        compat += strcmp(strings + i, "compatible") == 0;
        reg += strcmp(strings + i, "reg") == 0;
    }
    assert_int_equal(compat, 1);
    assert_int_equal(reg, 1);

    free(blob);
    fdt_free(f);
}

static void test_sticky_errors(void **state)
{
    void *blob = (void *)1;
    size_t size = 1;

    Fdt *f = fdt_new();
    fdt_prop_u32(f, "orphan", 1); /* no node open */
    fdt_begin_node(f, "");
    fdt_end_node(f);
    assert_int_equal(fdt_finish(f, &blob, &size), -EINVAL);
    assert_null(blob);
    assert_int_equal(size, 0);
    fdt_free(f);

    f = fdt_new();
    fdt_begin_node(f, "");
    fdt_begin_node(f, "child");
    fdt_end_node(f);
    assert_int_equal(fdt_finish(f, &blob, &size), -EINVAL); /* root left open */
    fdt_free(f);

    f = fdt_new();
    fdt_begin_node(f, "");
    fdt_add_reservation(f, 0, 1); /* too late */
    fdt_end_node(f);
    assert_int_equal(fdt_finish(f, &blob, &size), -EINVAL);
    fdt_free(f);

    f = fdt_new();
    fdt_begin_node(f, "");
    fdt_end_node(f);
    fdt_end_node(f); /* one too many */
    assert_int_equal(fdt_finish(f, &blob, &size), -EINVAL);
    fdt_free(f);

    f = fdt_new();
    fdt_begin_node(f, "");
    fdt_end_node(f);
    fdt_begin_node(f, "second-root");
    assert_int_equal(fdt_finish(f, &blob, &size), -EINVAL);
    fdt_free(f);

    f = fdt_new();
    assert_int_equal(fdt_finish(f, &blob, &size), -EINVAL); /* empty */
    fdt_free(f);

    /* The minimal valid tree. */
    f = fdt_new();
    fdt_begin_node(f, "");
    fdt_end_node(f);
    assert_int_equal(fdt_finish(f, &blob, &size), 0);
    /* header, empty reservation map, BEGIN_NODE "" (padded), END_NODE, END, no strings */
    assert_int_equal(size, 40 + 16 + (4 + 4) + 4 + 4);
    free(blob);
    fdt_free(f);
}

static void expect_line(const char *dts, const char *line)
{
    if (!strstr(dts, line)) {
        fail_msg("missing from dtc output: %s\n--- output ---\n%s", line, dts);
    }
}

static void test_dtc_decompiles(void **state)
{
    if (!have_dtc()) {
        skip();
    }
    Fdt *f = virt_like_tree();
    void *blob;
    size_t size;
    assert_int_equal(fdt_finish(f, &blob, &size), 0);
    char *dts = decompile(blob, size);

    /* Lines exactly as `dtc -I dtb -O dts` prints QEMU's own virt tree. */
    expect_line(dts, "/memreserve/\t0x0000000080000000 0x0000000000080000;");
    expect_line(dts, "\tcompatible = \"riscv-virtio\";");
    expect_line(dts, "\t\tstdout-path = \"/soc/serial@10000000\";");
    expect_line(dts, "\t\treg = <0x00 0x80000000 0x00 0x10000000>;");
    expect_line(dts, "\t\ttimebase-frequency = <0x989680>;");
    expect_line(dts, "\t\t\t\tinterrupt-controller;");
    expect_line(dts, "\t\t\t\tphandle = <0x01>;");
    expect_line(dts, "\t\tregmap = <0x03>;");
    expect_line(dts, "\t\ttest@100000 {");
    expect_line(dts, "\t\t\tcompatible = \"sifive,test1\\0sifive,test0\\0syscon\";");
    expect_line(dts, "\t\tplic@c000000 {");
    expect_line(dts, "\t\t\triscv,ndev = <0x60>;");
    expect_line(dts, "\t\t\treg = <0x00 0xc000000 0x00 0x600000>;");
    expect_line(dts, "\t\t\tinterrupts-extended = <0x01 0x0b 0x01 0x09>;");
    expect_line(dts, "\t\t\tcompatible = \"sifive,plic-1.0.0\\0riscv,plic0\";");
    expect_line(dts, "\t\t\tinterrupt-parent = <0x02>;");
    expect_line(dts, "\t\t\tcompatible = \"ns16550a\";");
    expect_line(dts, "\t\t\tinterrupts-extended = <0x01 0x03 0x01 0x07>;");
    expect_line(dts, "\t\tranges;");
    expect_line(dts, "\t\tbytes = [01 02 03];");
    expect_line(dts, "\t\tbig = <0x11223344 0x55667788>;");

    free(dts);
    free(blob);
    fdt_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_blocks),
        cmocka_unit_test(test_sticky_errors),
        cmocka_unit_test(test_dtc_decompiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
