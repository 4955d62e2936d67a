/*
 * test-fdt-edit.c - fdt_set_chosen(), what -dtb FILE goes through: /chosen
 * properties replaced in place, added, /chosen created, everything else
 * unchanged (compared through `dtc -I dtb -O dts` against a tree written
 * directly in the expected shape), and malformed blobs rejected with
 * -EINVAL rather than read out of bounds (the dev preset runs this under
 * ASan and UBSan).
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

static void set_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static const uint8_t initrd_start[8] = {0, 0, 0, 0, 0x84, 0, 0, 0};
static const uint8_t initrd_end[8] = {0, 0, 0, 0, 0x84, 0, 0, 0x0c};

/* What virt-boot.c passes for -initrd and -append "x=y". */
static const FdtProp boot_props[] = {
    {"linux,initrd-end", initrd_end, 8},
    {"linux,initrd-start", initrd_start, 8},
    {"bootargs", "x=y", 4},
};
#define NR_BOOT_PROPS (sizeof(boot_props) / sizeof(boot_props[0]))

static void *finish(Fdt *f, size_t *size)
{
    void *blob;
    assert_int_equal(fdt_finish(f, &blob, size), 0);
    fdt_free(f);
    return blob;
}

/* The root's properties, a reservation and a non-zero boot cpu, shared by every tree. */
static Fdt *tree_begin(void)
{
    Fdt *f = fdt_new();
    assert_non_null(f);
    fdt_add_reservation(f, 0x80000000, 0x80000);
    fdt_set_boot_cpuid(f, 3);
    fdt_begin_node(f, "");
    fdt_prop_u32(f, "#address-cells", 2);
    fdt_prop_u32(f, "#size-cells", 2);
    fdt_prop_string(f, "compatible", "test");
    return f;
}

/* Nodes after /chosen, including a deeper "chosen" that must not be taken for /chosen. */
static void tree_rest(Fdt *f)
{
    fdt_begin_node(f, "memory@80000000");
    fdt_prop_string(f, "device_type", "memory");
    FDT_PROP_CELLS(f, "reg", 0, 0x80000000, 0, 0x8000000);
    fdt_end_node(f);
    fdt_begin_node(f, "soc");
    fdt_begin_node(f, "chosen");
    fdt_prop_string(f, "bootargs", "nested");
    fdt_end_node(f);
    fdt_prop(f, "odd", "\x01\x02\x03", 3);
    fdt_end_node(f);
    fdt_end_node(f); /* root */
}

/* /chosen with old values of two of the properties, one twice, and a child with the same name. */
static void *tree_with_chosen(size_t *size)
{
    Fdt *f = tree_begin();
    fdt_begin_node(f, "chosen");
    fdt_prop_string(f, "bootargs", "old");
    fdt_prop_u32(f, "linux,initrd-start", 1);
    fdt_prop_string(f, "stdout-path", "/soc/serial@10000000");
    fdt_prop_string(f, "bootargs", "duplicate");
    fdt_begin_node(f, "child");
    fdt_prop_string(f, "bootargs", "keep");
    fdt_end_node(f);
    fdt_end_node(f);
    tree_rest(f);
    return finish(f, size);
}

/* The same, patched: the new property first, the others replaced where they were. */
static void *tree_with_chosen_patched(size_t *size)
{
    Fdt *f = tree_begin();
    fdt_begin_node(f, "chosen");
    fdt_prop(f, "linux,initrd-end", initrd_end, 8);
    fdt_prop_string(f, "bootargs", "x=y");
    fdt_prop(f, "linux,initrd-start", initrd_start, 8);
    fdt_prop_string(f, "stdout-path", "/soc/serial@10000000");
    fdt_begin_node(f, "child");
    fdt_prop_string(f, "bootargs", "keep");
    fdt_end_node(f);
    fdt_end_node(f);
    tree_rest(f);
    return finish(f, size);
}

static void *tree_without_chosen(bool patched, size_t *size)
{
    Fdt *f = tree_begin();
    if (patched) {
        fdt_begin_node(f, "chosen");
        for (size_t i = 0; i < NR_BOOT_PROPS; i++) {
            fdt_prop(f, boot_props[i].name, boot_props[i].data, boot_props[i].len);
        }
        fdt_end_node(f);
    }
    tree_rest(f);
    return finish(f, size);
}

static int patch(const void *in, size_t in_size, const FdtProp *props, size_t n, void **out,
                 size_t *out_size)
{
    return fdt_set_chosen(in, in_size, props, n, "test", out, out_size);
}

/* The header of an edited blob describes it exactly (packed, version 17). */
static void check_layout(const uint8_t *p, size_t size)
{
    assert_int_equal(be32(p), FDT_MAGIC);
    assert_int_equal(be32(p + 4), size);
    assert_int_equal(be32(p + 20), 17);
    assert_int_equal(be32(p + 24), 16);
    assert_int_equal(be32(p + 16), 40);
    assert_int_equal(be32(p + 8) % 4, 0);
    assert_int_equal(be32(p + 8) + be32(p + 36), be32(p + 12));
    assert_int_equal(be32(p + 12) + be32(p + 32), size);
}

static void expect_same_dts(const void *got, size_t got_size, const void *want, size_t want_size)
{
    char *g = decompile(got, got_size), *w = decompile(want, want_size);
    if (strcmp(g, w) != 0) {
        fail_msg("--- got ---\n%s\n--- expected ---\n%s", g, w);
    }
    free(g);
    free(w);
}

static void expect_line(const char *dts, const char *line, bool present)
{
    if (!strstr(dts, line) == present) {
        fail_msg("%s in dtc output: %s\n--- output ---\n%s", present ? "missing" : "unexpected",
                 line, dts);
    }
}

static void test_replace_in_place(void **state)
{
    size_t in_size, want_size, out_size;
    void *in = tree_with_chosen(&in_size), *want = tree_with_chosen_patched(&want_size), *out;

    assert_int_equal(patch(in, in_size, boot_props, NR_BOOT_PROPS, &out, &out_size), 0);
    check_layout(out, out_size);
    /* Same reservation map and boot cpu; the structure differs only in /chosen. */
    assert_memory_equal((uint8_t *)out + 28, (uint8_t *)in + 28, 4);
    assert_memory_equal((uint8_t *)out + 40, (uint8_t *)in + 40, 32);
    /* Byte for byte what the writer produces for the expected tree, bar the string order. */
    assert_int_equal(out_size, want_size);
    if (have_dtc()) {
        expect_same_dts(out, out_size, want, want_size);
        char *dts = decompile(out, out_size);
        expect_line(dts, "\t\tbootargs = \"x=y\";", true);
        expect_line(dts, "\t\tlinux,initrd-start = <0x00 0x84000000>;", true);
        expect_line(dts, "\t\tlinux,initrd-end = <0x00 0x8400000c>;", true);
        expect_line(dts, "\t\t\tbootargs = \"keep\";", true);
        expect_line(dts, "\t\t\tbootargs = \"nested\";", true);
        expect_line(dts, "old", false);
        expect_line(dts, "duplicate", false);
        free(dts);
    }
    free(in);
    free(want);
    free(out);
}

static void test_create_chosen(void **state)
{
    size_t in_size, want_size, out_size;
    void *in = tree_without_chosen(false, &in_size);
    void *want = tree_without_chosen(true, &want_size), *out;

    assert_int_equal(patch(in, in_size, boot_props, NR_BOOT_PROPS, &out, &out_size), 0);
    check_layout(out, out_size);
    assert_int_equal(out_size, want_size);
    if (have_dtc()) {
        expect_same_dts(out, out_size, want, want_size);
    }
    free(out);

    /* Nothing to set: the tree is copied as is, /chosen not created. */
    assert_int_equal(patch(in, in_size, NULL, 0, &out, &out_size), 0);
    assert_int_equal(out_size, in_size);
    assert_memory_equal(out, in, in_size);
    free(out);
    free(in);
    free(want);

    /* A root without children: /chosen goes before its FDT_END_NODE. */
    Fdt *f = fdt_new();
    fdt_begin_node(f, "");
    fdt_prop_string(f, "model", "bare");
    fdt_end_node(f);
    in = finish(f, &in_size);
    f = fdt_new();
    fdt_begin_node(f, "");
    fdt_prop_string(f, "model", "bare");
    fdt_begin_node(f, "chosen");
    fdt_prop_string(f, "bootargs", "x=y");
    fdt_end_node(f);
    fdt_end_node(f);
    want = finish(f, &want_size);
    assert_int_equal(patch(in, in_size, &boot_props[2], 1, &out, &out_size), 0);
    assert_int_equal(out_size, want_size);
    assert_memory_equal(out, want, want_size); /* same string order here: byte-identical */
    free(in);
    free(want);
    free(out);
}

/* "chosen@0" is /chosen for libfdt's path lookup, so for QEMU too. */
static void test_chosen_unit_address(void **state)
{
    Fdt *f = fdt_new();
    fdt_begin_node(f, "");
    fdt_begin_node(f, "chosen@0");
    fdt_end_node(f);
    fdt_end_node(f);
    size_t in_size, want_size, out_size;
    void *in = finish(f, &in_size), *out;
    f = fdt_new();
    fdt_begin_node(f, "");
    fdt_begin_node(f, "chosen@0");
    fdt_prop_string(f, "bootargs", "x=y");
    fdt_end_node(f);
    fdt_end_node(f);
    void *want = finish(f, &want_size);
    assert_int_equal(patch(in, in_size, &boot_props[2], 1, &out, &out_size), 0);
    assert_int_equal(out_size, want_size);
    assert_memory_equal(out, want, want_size);
    free(in);
    free(want);
    free(out);
}

/* A version-16 blob (36-byte header, no size_dt_struct) comes out as version 17. */
static void test_version16(void **state)
{
    size_t in_size, out_size, want_size;
    uint8_t *in = tree_without_chosen(false, &in_size);
    void *want = tree_without_chosen(true, &want_size), *out;
    set_be32(in + 20, 16);
    set_be32(in + 36, 0xdeadbeef); /* not a header field in version 16 */
    assert_int_equal(patch(in, in_size, boot_props, NR_BOOT_PROPS, &out, &out_size), 0);
    check_layout(out, out_size);
    assert_int_equal(out_size, want_size);
    if (have_dtc()) {
        expect_same_dts(out, out_size, want, want_size);
    }
    free(in);
    free(want);
    free(out);
}

static int patch_bad(const void *blob, size_t size)
{
    void *out = (void *)1;
    size_t out_size = 1;
    int r = patch(blob, size, boot_props, NR_BOOT_PROPS, &out, &out_size);
    assert_null(out);
    assert_int_equal(out_size, 0);
    return r;
}

/* A copy of @blob in a buffer of exactly @size bytes, so ASan sees any read past it. */
static uint8_t *dup_exact(const void *blob, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    memcpy(p, blob, size);
    return p;
}

static void test_bad_header(void **state)
{
    size_t size;
    uint8_t *good = tree_with_chosen(&size);

    /* Every truncation, header included. */
    for (size_t n = 0; n < size; n++) {
        uint8_t *p = dup_exact(good, n);
        assert_int_equal(patch_bad(p, n), -EINVAL);
        free(p);
    }

    struct {
        unsigned off;
        uint32_t val;
    } cases[] = {
        {0, 0xd00dfeee},          /* magic */
        {4, (uint32_t)size + 1},  /* totalsize beyond the data */
        {4, 39},                  /* totalsize smaller than the header */
        {8, (uint32_t)size + 4},  /* off_dt_struct beyond totalsize */
        {8, 0xfffffffc},          /* ... and where adding the size wraps */
        {8, 42},                  /* misaligned structure block */
        {8, 0},                   /* structure block over the header */
        {12, (uint32_t)size},     /* strings block past the end */
        {12, 0xffffffff},         /* ... wrapping */
        {16, 44},                 /* misaligned reservation map */
        {16, (uint32_t)size + 8}, /* reservation map beyond totalsize */
        {16, 0},                  /* reservation map over the header */
        {20, 15},                 /* version too old */
        {24, 18},                 /* needs a newer reader */
        {32, 0xffffffff},         /* size_dt_strings */
        {36, 0xfffffff0},         /* size_dt_struct */
        {36, 8},                  /* size_dt_struct cuts the tokens */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t *p = dup_exact(good, size);
        set_be32(p + cases[i].off, cases[i].val);
        if (patch_bad(p, size) != -EINVAL) {
            fail_msg("header case %zu (offset %u = 0x%x) accepted", i, cases[i].off, cases[i].val);
        }
        free(p);
    }

    /* A reservation map without its (0, 0) terminator, running into the end. */
    uint8_t *p = dup_exact(good, size);
    set_be32(p + 16, (uint32_t)(size - 8) & ~7u);
    memset(p + ((size - 8) & ~(size_t)7), 0xff, 8);
    assert_int_equal(patch_bad(p, size), -EINVAL);
    free(p);
    free(good);
}

/*
 * A blob around a hand-written structure block: header, an empty reservation
 * map, @st, then @strs.
 */
static uint8_t *raw_blob(const uint8_t *st, size_t st_len, const char *strs, size_t strs_len,
                         size_t *size)
{
    *size = 40 + 16 + st_len + strs_len;
    uint8_t *p = calloc(1, *size);
    set_be32(p + 0, FDT_MAGIC);
    set_be32(p + 4, (uint32_t)*size);
    set_be32(p + 8, 56);
    set_be32(p + 12, (uint32_t)(56 + st_len));
    set_be32(p + 16, 40);
    set_be32(p + 20, 17);
    set_be32(p + 24, 16);
    set_be32(p + 32, (uint32_t)strs_len);
    set_be32(p + 36, (uint32_t)st_len);
    memcpy(p + 56, st, st_len);
    memcpy(p + 56 + st_len, strs, strs_len);
    return p;
}

#define T(x)     0, 0, 0, (x)
#define BEGIN    T(1)
#define END_NODE T(2)
#define PROP     T(3)
#define NOP      T(4)
#define END      T(9)
#define ROOT     BEGIN, T(0) /* "" padded */

static void test_bad_structure(void **state)
{
    static const char strs[] = "bootargs\0model"; /* "model" at 9; 15 bytes with the NUL */
    static const struct {
        const char *what;
        uint8_t st[48];
        size_t len;
    } cases[] = {
        {"no FDT_END", {ROOT, END_NODE}, 12},
        {"no root", {END}, 4},
        {"only NOPs", {NOP, NOP, END}, 12},
        {"unbalanced END_NODE", {ROOT, END_NODE, END_NODE, END}, 20},
        {"END inside a node", {ROOT, END}, 12},
        {"second root", {ROOT, END_NODE, ROOT, END_NODE, END}, 28},
        {"property outside a node", {PROP, T(0), T(0), END}, 16},
        {"unknown token", {ROOT, T(5), END_NODE, END}, 20},
        {"unterminated node name", {ROOT, BEGIN, 'a', 'b', 'c', 'd'}, 16},
        {"node name padding past the end", {ROOT, BEGIN, 'a', 'b', 'c', 'd', 0}, 17},
        {"truncated property", {ROOT, PROP, T(0)}, 16},
        {"property value past the end",
         {ROOT, PROP, 0xff, 0xff, 0xff, 0xf0, T(0), END_NODE, END},
         28},
        {"name offset beyond the strings", {ROOT, PROP, T(0), 0, 0, 0, 15, END_NODE, END}, 28},
        {"name offset far beyond", {ROOT, PROP, T(0), 0xff, 0xff, 0xff, 0xff, END_NODE, END}, 28},
        {"unterminated property name", {ROOT, PROP, T(0), T(9), END_NODE, END}, 28},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t size;
        /* The last case's strings block lacks its final NUL. */
        size_t strs_len = strcmp(cases[i].what, "unterminated property name") ? 15 : 14;
        uint8_t *p = raw_blob(cases[i].st, cases[i].len, strs, strs_len, &size);
        if (patch_bad(p, size) != -EINVAL) {
            fail_msg("structure case '%s' accepted", cases[i].what);
        }
        free(p);
    }

    /*
     * Small valid trees with NOPs (libfdt allows them anywhere; dtc only
     * inside the root, so only that one is decompiled) are accepted.
     */
    static const uint8_t nops[] = {NOP, ROOT, NOP, PROP, T(0), T(9), NOP, END_NODE, NOP, END};
    static const uint8_t ok[] = {ROOT, NOP, PROP, T(0), T(9), NOP, END_NODE, END};
    size_t size, out_size;
    void *out;
    uint8_t *p = raw_blob(nops, sizeof(nops), strs, 15, &size);
    assert_int_equal(patch(p, size, boot_props, NR_BOOT_PROPS, &out, &out_size), 0);
    check_layout(out, out_size);
    free(out);
    free(p);
    p = raw_blob(ok, sizeof(ok), strs, 15, &size);
    assert_int_equal(patch(p, size, boot_props, NR_BOOT_PROPS, &out, &out_size), 0);
    check_layout(out, out_size);
    if (have_dtc()) {
        char *dts = decompile(out, out_size);
        expect_line(dts, "\tmodel;", true);
        expect_line(dts, "\t\tbootargs = \"x=y\";", true);
        free(dts);
    }
    free(out);
    free(p);
}

/*
 * Random byte corruption of a valid blob: every result is either a clean
 * -EINVAL or a blob that is itself valid (it passes through again).
 */
static void test_corruption(void **state)
{
    size_t size;
    uint8_t *good = tree_with_chosen(&size);
    uint32_t seed = 12345;
    int accepted = 0, rejected = 0;
    for (int iter = 0; iter < 1500; iter++) {
        uint8_t *p = dup_exact(good, size);
        int flips = 1 + iter % 4;
        for (int k = 0; k < flips; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % size;
            seed = seed * 1103515245u + 12345u;
            p[at] = (uint8_t)(iter % 3 == 0 ? (seed >> 16) : p[at] ^ (1u << ((seed >> 16) % 8)));
        }
        void *out = NULL;
        size_t out_size = 0;
        int r = fdt_set_chosen(p, size, boot_props, NR_BOOT_PROPS, "fuzz", &out, &out_size);
        if (r == 0) {
            accepted++;
            void *again;
            size_t again_size;
            assert_int_equal(fdt_set_chosen(out, out_size, boot_props, NR_BOOT_PROPS, "again",
                                            &again, &again_size),
                             0);
            free(again);
            free(out);
        } else {
            assert_int_equal(r, -EINVAL);
            rejected++;
        }
        free(p);
    }
    /* Flips inside values are harmless, flips in tokens and the header are not: both happen. */
    assert_true(accepted > 0);
    assert_true(rejected > 0);
    free(good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replace_in_place),    cmocka_unit_test(test_create_chosen),
        cmocka_unit_test(test_chosen_unit_address), cmocka_unit_test(test_version16),
        cmocka_unit_test(test_bad_header),          cmocka_unit_test(test_bad_structure),
        cmocka_unit_test(test_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
