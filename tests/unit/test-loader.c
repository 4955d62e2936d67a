/*
 * test-loader.c - ELF64 and raw image loading into an AddressSpace: segments
 * land at p_paddr with their bss zeroed, and every kind of bad image (another
 * machine, not ELF64, outside RAM, larger than RAM, missing file) is refused
 * without touching guest memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "machine/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (1u << 20)

typedef struct Fixture {
    AddressSpace as;
    MemoryRegion ram;
    LoaderRam lr;
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    address_space_init(&f->as, "test");
    assert_int_equal(memory_region_init_ram(&f->ram, "ram", RAM_SIZE), 0);
    assert_int_equal(address_space_map_region(&f->as, RAM_BASE, &f->ram), 0);
    f->lr = (LoaderRam){.base = RAM_BASE, .size = RAM_SIZE};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    address_space_destroy(&f->as);
    memory_region_destroy(&f->ram);
    free(f);
    return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* An ELF64 with one PT_LOAD: 8 file bytes 0x11.. at @paddr, memsz 64. Returns its size. */
static size_t make_elf(uint8_t *buf, uint16_t machine, uint64_t paddr, uint64_t entry)
{
    memset(buf, 0, 256);
    memcpy(buf,
           "\x7f"
           "ELF",
           4);
    buf[4] = 2; /* ELFCLASS64 */
    buf[5] = 1; /* little-endian */
    buf[6] = 1;
    put16(buf + 16, 2); /* ET_EXEC */
    put16(buf + 18, machine);
    put64(buf + 24, entry);
    put64(buf + 32, 64); /* phoff */
    put16(buf + 52, 64);
    put16(buf + 54, 56);
    put16(buf + 56, 1);
    uint8_t *ph = buf + 64;
    put32(ph, 1);          /* PT_LOAD */
    put64(ph + 8, 128);    /* offset */
    put64(ph + 16, paddr); /* vaddr */
    put64(ph + 24, paddr);
    put64(ph + 32, 8);  /* filesz */
    put64(ph + 40, 64); /* memsz */
    for (int i = 0; i < 8; i++) {
        buf[128 + i] = (uint8_t)(0x11 * (i + 1));
    }
    return 136;
}

static void test_elf_loads_segments_and_zeroes_bss(void **state)
{
    Fixture *f = *state;
    uint8_t elf[256], got[64];
    LoadedImage img;

    /* Dirty the bss area first: the loader must clear it. */
    memset(got, 0xee, sizeof(got));
    address_space_write(&f->as, RAM_BASE + 0x1000, got, sizeof(got));

    size_t n = make_elf(elf, 243, RAM_BASE + 0x1000, RAM_BASE + 0x1004);
    assert_true(loader_is_elf(elf, n));
    assert_int_equal(loader_load_elf(&f->as, "-kernel", "t.elf", elf, n, &f->lr, &img), 0);
    assert_true(img.is_elf);
    assert_int_equal(img.entry, RAM_BASE + 0x1004);
    assert_int_equal(img.low, RAM_BASE + 0x1000);
    assert_int_equal(img.high, RAM_BASE + 0x1040);
    address_space_read(&f->as, RAM_BASE + 0x1000, got, sizeof(got));
    assert_memory_equal(got, elf + 128, 8);
    for (int i = 8; i < 64; i++) {
        assert_int_equal(got[i], 0);
    }
}

static void test_elf_for_other_machine_is_refused(void **state)
{
    Fixture *f = *state;
    uint8_t elf[256], got[8];
    LoadedImage img;
    size_t n = make_elf(elf, 62 /* x86-64 */, RAM_BASE, RAM_BASE);
    assert_int_equal(loader_load_elf(&f->as, "-kernel", "x86.elf", elf, n, &f->lr, &img), -1);
    address_space_read(&f->as, RAM_BASE, got, sizeof(got));
    assert_int_equal(got[0], 0);
    assert_string_equal(loader_elf_machine_name(62), "x86-64");
}

static void test_elf32_and_corrupt_headers_are_refused(void **state)
{
    Fixture *f = *state;
    uint8_t elf[256];
    LoadedImage img;
    size_t n = make_elf(elf, 243, RAM_BASE, RAM_BASE);
    elf[4] = 1; /* ELFCLASS32 */
    assert_int_equal(loader_load_elf(&f->as, "-kernel", "e32", elf, n, &f->lr, &img), -1);
    make_elf(elf, 243, RAM_BASE, RAM_BASE);
    put16(elf + 56, 200); /* program headers past the end of the file */
    assert_int_equal(loader_load_elf(&f->as, "-kernel", "bad", elf, n, &f->lr, &img), -1);
    /* Truncated: shorter than an ELF header. */
    assert_int_equal(loader_load_elf(&f->as, "-kernel", "short", elf, 20, &f->lr, &img), -1);
}

static void test_elf_outside_ram_is_refused(void **state)
{
    Fixture *f = *state;
    uint8_t elf[256];
    LoadedImage img;
    size_t n = make_elf(elf, 243, RAM_BASE + RAM_SIZE - 16, RAM_BASE);
    assert_int_equal(loader_load_elf(&f->as, "-kernel", "edge", elf, n, &f->lr, &img), -1);
    n = make_elf(elf, 243, 0x1000, 0x1000);
    assert_int_equal(loader_load_elf(&f->as, "-kernel", "low", elf, n, &f->lr, &img), -1);
}

static void test_raw_fits_exactly_or_is_refused(void **state)
{
    Fixture *f = *state;
    LoadedImage img;
    uint8_t *big = calloc(1, RAM_SIZE + 1);
    big[RAM_SIZE - 1] = 0x5a;
    assert_int_equal(
        loader_load_raw(&f->as, "-kernel", "big", big, RAM_SIZE + 1, RAM_BASE, &f->lr, &img), -1);
    assert_int_equal(
        loader_load_raw(&f->as, "-kernel", "fits", big, RAM_SIZE, RAM_BASE, &f->lr, &img), 0);
    assert_false(img.is_elf);
    assert_int_equal(img.entry, RAM_BASE);
    assert_int_equal(img.high, RAM_BASE + RAM_SIZE);
    uint8_t b = 0;
    address_space_read(&f->as, RAM_BASE + RAM_SIZE - 1, &b, 1);
    assert_int_equal(b, 0x5a);
    /* One byte past the end, starting in the middle. */
    assert_int_equal(loader_load_raw(&f->as, "-kernel", "mid", big, RAM_SIZE / 2 + 1,
                                     RAM_BASE + RAM_SIZE / 2, &f->lr, &img),
                     -1);
    free(big);
}

static void test_load_file_detects_elf_and_missing_files(void **state)
{
    Fixture *f = *state;
    LoadedImage img;
    char path[] = "/tmp/minimu-test-loader-XXXXXX";
    uint8_t elf[256];
    size_t n = make_elf(elf, 243, RAM_BASE + 0x2000, RAM_BASE + 0x2000);

    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    assert_int_equal(fwrite(elf, 1, n, fp), n);
    fclose(fp);
    assert_int_equal(loader_load_file(&f->as, "-kernel", path, RAM_BASE, &f->lr, &img), 0);
    assert_true(img.is_elf);
    assert_int_equal(img.entry, RAM_BASE + 0x2000);

    /* The same bytes without the magic load raw at the given address. */
    fp = fopen(path, "wb");
    assert_int_equal(fwrite("RAW!", 1, 4, fp), 4);
    fclose(fp);
    assert_int_equal(loader_load_file(&f->as, "-kernel", path, RAM_BASE + 0x100, &f->lr, &img), 0);
    assert_false(img.is_elf);
    assert_int_equal(img.entry, RAM_BASE + 0x100);
    unlink(path);

    assert_int_equal(loader_load_file(&f->as, "-kernel", path, RAM_BASE, &f->lr, &img), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_elf_loads_segments_and_zeroes_bss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elf_for_other_machine_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elf32_and_corrupt_headers_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_elf_outside_ram_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_fits_exactly_or_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_file_detects_elf_and_missing_files, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
