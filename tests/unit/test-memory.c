/*
 * test-memory.c - MemoryRegion/AddressSpace: RAM and ROM access and byte
 * order, the map (overlaps, lookups, gaps), MMIO dispatch checks (sizes,
 * alignment, the BQL around callbacks), and bulk copies across regions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aio/main-loop.h"
#include "mem/memory.h"

#include <errno.h>
#include <string.h>

/* A device that records its last access and answers reads with a pattern. */
typedef struct FakeDev {
    int reads, writes;
    hwaddr last_addr;
    unsigned last_size;
    uint64_t last_val;
    bool bql_seen;
    uint8_t bytes[16]; /* backing for byte-wide bulk access tests */
} FakeDev;

static uint64_t fake_read(void *opaque, hwaddr addr, unsigned size)
{
    FakeDev *d = opaque;
    d->reads++;
    d->last_addr = addr;
    d->last_size = size;
    d->bql_seen = bql_locked();
    if (size == 1 && addr < sizeof(d->bytes)) {
        return d->bytes[addr];
    }
    return 0x1122334455667788ull + addr; /* wider than @size: the core must mask */
}

static void fake_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    FakeDev *d = opaque;
    d->writes++;
    d->last_addr = addr;
    d->last_size = size;
    d->last_val = val;
    d->bql_seen = bql_locked();
    if (size == 1 && addr < sizeof(d->bytes)) {
        d->bytes[addr] = (uint8_t)val;
    }
}

static const MemoryRegionOps ops_4only = {
    .read = fake_read, .write = fake_write, .min_access_size = 4, .max_access_size = 4};
static const MemoryRegionOps ops_any = {.read = fake_read, .write = fake_write};
static const MemoryRegionOps ops_unaligned = {
    .read = fake_read, .write = fake_write, .unaligned_ok = true};

static void test_ram_access(void **state)
{
    MemoryRegion ram;
    AddressSpace as;
    uint64_t v;

    assert_int_equal(memory_region_init_ram(&ram, "ram", 0x10000), 0);
    address_space_init(&as, "test");
    assert_int_equal(address_space_map_region(&as, 0x80000000, &ram), 0);

    assert_int_equal(address_space_ld(&as, 0x80000000, 8, &v), MEMTX_OK);
    assert_int_equal(v, 0); /* fresh RAM is zero */

    assert_int_equal(address_space_st(&as, 0x80000010, 8, 0x0102030405060708ull), MEMTX_OK);
    /* Little-endian in host memory, whatever the host. */
    assert_int_equal(ram.ram[0x10], 0x08);
    assert_int_equal(ram.ram[0x17], 0x01);
    assert_int_equal(address_space_ld(&as, 0x80000010, 4, &v), MEMTX_OK);
    assert_int_equal(v, 0x05060708);
    assert_int_equal(address_space_ld(&as, 0x80000014, 2, &v), MEMTX_OK);
    assert_int_equal(v, 0x0304);
    assert_int_equal(address_space_ld(&as, 0x80000017, 1, &v), MEMTX_OK);
    assert_int_equal(v, 0x01);
    /* Narrow stores only touch their bytes. */
    assert_int_equal(address_space_st(&as, 0x80000011, 1, 0xffff), MEMTX_OK);
    assert_int_equal(address_space_ld(&as, 0x80000010, 8, &v), MEMTX_OK);
    assert_int_equal(v, 0x010203040506ff08ull);
    /* Unaligned RAM access is fine. */
    assert_int_equal(address_space_st(&as, 0x80000021, 4, 0xdeadbeef), MEMTX_OK);
    assert_int_equal(address_space_ld(&as, 0x80000021, 4, &v), MEMTX_OK);
    assert_int_equal(v, 0xdeadbeef);
    /* Bad sizes are refused, not crashed on. */
    assert_int_equal(address_space_ld(&as, 0x80000000, 3, &v), MEMTX_ERROR);
    assert_int_equal(address_space_st(&as, 0x80000000, 16, 0), MEMTX_ERROR);

    hwaddr avail = 0;
    uint8_t *p = address_space_get_host_ptr(&as, 0x80000100, true, &avail);
    assert_ptr_equal(p, ram.ram + 0x100);
    assert_int_equal(avail, 0x10000 - 0x100);

    address_space_destroy(&as);
    memory_region_destroy(&ram);
    assert_null(ram.ram);
}

static void test_rom(void **state)
{
    MemoryRegion rom;
    AddressSpace as;
    uint64_t v;
    hwaddr avail;

    assert_int_equal(memory_region_init_rom(&rom, "rom", 0x1000), 0);
    address_space_init(&as, "test");
    assert_int_equal(address_space_map_region(&as, 0x1000, &rom), 0);

    /* Loaders write ROM through address_space_write... */
    assert_int_equal(address_space_write(&as, 0x1000, "\x13\x00\x00\x00", 4), MEMTX_OK);
    assert_int_equal(address_space_ld(&as, 0x1000, 4, &v), MEMTX_OK);
    assert_int_equal(v, 0x13);
    /* ...but the guest cannot: its write is dropped without a fault. */
    assert_int_equal(address_space_st(&as, 0x1000, 4, 0xffffffff), MEMTX_OK);
    assert_int_equal(address_space_ld(&as, 0x1000, 4, &v), MEMTX_OK);
    assert_int_equal(v, 0x13);
    assert_null(address_space_get_host_ptr(&as, 0x1000, true, &avail));
    assert_non_null(address_space_get_host_ptr(&as, 0x1000, false, &avail));
    assert_int_equal(avail, 0x1000);

    address_space_destroy(&as);
    memory_region_destroy(&rom);
}

static void test_map(void **state)
{
    MemoryRegion a, b, c, d;
    AddressSpace as;
    hwaddr off;
    uint64_t v;

    memory_region_init_ram(&a, "a", 0x1000);
    memory_region_init_ram(&b, "b", 0x1000);
    memory_region_init_ram(&c, "c", 0x1000);
    memory_region_init_ram(&d, "d", 0x2000);
    address_space_init(&as, "test");

    assert_int_equal(address_space_map_region(&as, 0x3000, &b), 0);
    assert_int_equal(address_space_map_region(&as, 0x1000, &a), 0);
    assert_int_equal(address_space_map_region(&as, 0x2000, &c), 0); /* adjacent both sides */
    assert_int_equal(address_space_map_region(&as, 0x2800, &d), -EEXIST);
    assert_int_equal(address_space_map_region(&as, 0x0800, &d), -EEXIST);
    assert_int_equal(address_space_map_region(&as, 0x0000, &d), -EEXIST); /* ends inside a */
    assert_int_equal(as.nr, 3);
    assert_true(as.map[0].base < as.map[1].base && as.map[1].base < as.map[2].base);

    assert_ptr_equal(address_space_lookup(&as, 0x1000, &off), &a);
    assert_int_equal(off, 0);
    assert_ptr_equal(address_space_lookup(&as, 0x1fff, &off), &a);
    assert_int_equal(off, 0xfff);
    assert_ptr_equal(address_space_lookup(&as, 0x2000, &off), &c);
    assert_ptr_equal(address_space_lookup(&as, 0x3fff, &off), &b);
    assert_null(address_space_lookup(&as, 0x4000, &off));
    assert_null(address_space_lookup(&as, 0xfff, &off));
    assert_null(address_space_lookup(&as, UINT64_MAX, &off));

    v = 0x55;
    assert_int_equal(address_space_ld(&as, 0x0, 4, &v), MEMTX_DECODE_ERROR);
    assert_int_equal(v, 0);
    assert_int_equal(address_space_st(&as, 0x9000, 4, 1), MEMTX_DECODE_ERROR);

    /* An access running off the end of one RAM region into the next is split. */
    assert_int_equal(address_space_st(&as, 0x1ffe, 4, 0xaabbccdd), MEMTX_OK);
    assert_int_equal(a.ram[0xffe], 0xdd);
    assert_int_equal(c.ram[0x001], 0xaa);
    assert_int_equal(address_space_ld(&as, 0x1ffe, 4, &v), MEMTX_OK);
    assert_int_equal(v, 0xaabbccdd);
    /* ...and fails when the next bytes are unmapped. */
    assert_int_equal(address_space_ld(&as, 0x3ffe, 4, &v), MEMTX_DECODE_ERROR);

    /* A region wrapping past the top of the address space is refused. */
    assert_int_equal(address_space_map_region(&as, UINT64_MAX - 0x10, &d), -EINVAL);

    address_space_destroy(&as);
    memory_region_destroy(&a);
    memory_region_destroy(&b);
    memory_region_destroy(&c);
    memory_region_destroy(&d);
}

static void test_mmio_checks(void **state)
{
    FakeDev dev = {0}, dev2 = {0};
    MemoryRegion mr, mr2;
    AddressSpace as;
    uint64_t v;
    hwaddr avail;

    memory_region_init_io(&mr, "dev4", &ops_4only, &dev, 0x100);
    memory_region_init_io(&mr2, "devany", &ops_unaligned, &dev2, 0x100);
    address_space_init(&as, "test");
    assert_int_equal(address_space_map_region(&as, 0x10000000, &mr), 0);
    assert_int_equal(address_space_map_region(&as, 0x10001000, &mr2), 0);
    assert_null(address_space_get_host_ptr(&as, 0x10000000, false, &avail));

    assert_int_equal(address_space_ld(&as, 0x10000008, 4, &v), MEMTX_OK);
    assert_int_equal(dev.reads, 1);
    assert_int_equal(dev.last_addr, 8);
    assert_int_equal(v, 0x55667790); /* masked to 4 bytes */

    assert_int_equal(address_space_st(&as, 0x10000004, 4, 0x1234567890ull), MEMTX_OK);
    assert_int_equal(dev.writes, 1);
    assert_int_equal(dev.last_val, 0x34567890); /* masked to 4 bytes */

    /* Wrong sizes and misalignment never reach the device. */
    assert_int_equal(address_space_ld(&as, 0x10000008, 1, &v), MEMTX_ERROR);
    assert_int_equal(v, 0);
    assert_int_equal(address_space_st(&as, 0x10000008, 8, 0), MEMTX_ERROR);
    assert_int_equal(address_space_ld(&as, 0x10000002, 4, &v), MEMTX_ERROR);
    assert_int_equal(address_space_ld(&as, 0x100000fc, 4, &v), MEMTX_OK);
    assert_int_equal(dev.reads, 2);
    assert_int_equal(dev.writes, 1);

    /* unaligned_ok: misaligned is accepted, but not past the region's end. */
    assert_int_equal(address_space_ld(&as, 0x10001003, 4, &v), MEMTX_OK);
    assert_int_equal(dev2.last_addr, 3);
    assert_int_equal(address_space_ld(&as, 0x100010fe, 4, &v), MEMTX_ERROR);
    /* Flood of bad accesses: logged with a rate limit, and still contained. */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(address_space_st(&as, 0x10000001, 2, 0), MEMTX_ERROR);
    }
    assert_true(mr.log.suppressed > 0);

    address_space_destroy(&as);
}

static void test_mmio_bql(void **state)
{
    FakeDev dev = {0}, dev_ll = {0};
    MemoryRegion mr, mr_ll;
    AddressSpace as;
    uint64_t v;

    memory_region_init_io(&mr, "locked", &ops_any, &dev, 0x100);
    memory_region_init_io(&mr_ll, "lockless", &ops_any, &dev_ll, 0x100);
    mr_ll.lockless = true;
    address_space_init(&as, "test");
    address_space_map_region(&as, 0x0, &mr);
    address_space_map_region(&as, 0x100, &mr_ll);

    /* A vCPU thread without the BQL: the dispatcher takes it and gives it back. */
    assert_false(bql_locked());
    assert_int_equal(address_space_ld(&as, 0x10, 8, &v), MEMTX_OK);
    assert_true(dev.bql_seen);
    assert_false(bql_locked());

    /* A caller that already holds it (the main loop): no second lock. */
    bql_lock();
    dev.bql_seen = false;
    assert_int_equal(address_space_st(&as, 0x10, 2, 7), MEMTX_OK);
    assert_true(dev.bql_seen);
    assert_true(bql_locked());
    bql_unlock();

    /* Lockless regions are called as they are. */
    assert_int_equal(address_space_ld(&as, 0x110, 4, &v), MEMTX_OK);
    assert_int_equal(dev_ll.reads, 1);
    assert_false(dev_ll.bql_seen);

    address_space_destroy(&as);
}

static void test_bulk_copy(void **state)
{
    MemoryRegion ram, io;
    FakeDev dev = {0};
    AddressSpace as;
    uint8_t buf[64], out[64];

    memory_region_init_ram(&ram, "ram", 0x20);
    memory_region_init_io(&io, "io", &ops_any, &dev, 0x10);
    address_space_init(&as, "test");
    address_space_map_region(&as, 0x1000, &ram); /* 0x1000..0x101f */
    address_space_map_region(&as, 0x1030, &io);  /* gap 0x1020..0x102f */

    for (int i = 0; i < 64; i++) {
        buf[i] = (uint8_t)(i + 1);
    }
    /* RAM, gap and MMIO in one call: all mapped bytes land, the result flags the gap. */
    assert_int_equal(address_space_write(&as, 0x1010, buf, 0x30), MEMTX_DECODE_ERROR);
    assert_int_equal(ram.ram[0x10], 1);
    assert_int_equal(ram.ram[0x1f], 0x10);
    assert_int_equal(dev.bytes[0], 0x21);
    assert_int_equal(dev.bytes[0xf], 0x30);
    assert_int_equal(dev.writes, 16);

    memset(out, 0xee, sizeof(out));
    assert_int_equal(address_space_read(&as, 0x1010, out, 0x30), MEMTX_DECODE_ERROR);
    assert_memory_equal(out, buf, 0x10);
    for (int i = 0x10; i < 0x20; i++) {
        assert_int_equal(out[i], 0); /* unmapped reads as 0 */
    }
    assert_memory_equal(out + 0x20, buf + 0x20, 0x10);

    assert_int_equal(address_space_write(&as, 0x1000, buf, 0x20), MEMTX_OK);
    assert_int_equal(address_space_read(&as, 0x1000, out, 0x20), MEMTX_OK);
    assert_memory_equal(out, buf, 0x20);

    address_space_destroy(&as);
    memory_region_destroy(&ram);
}

static void test_big_ram_is_lazy(void **state)
{
    /* 2 GiB must not be committed up front (MAP_NORESERVE; the test box has less). */
    MemoryRegion ram;
    if (sizeof(size_t) < 8) {
        skip();
    }
    assert_int_equal(memory_region_init_ram(&ram, "big", 2ull << 30), 0);
    ram.ram[(2ull << 30) - 1] = 1;
    assert_int_equal(ram.ram[1ull << 30], 0);
    memory_region_destroy(&ram);

    assert_int_equal(memory_region_init_ram(&ram, "empty", 0), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ram_access),
        cmocka_unit_test(test_rom),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_mmio_checks),
        cmocka_unit_test(test_mmio_bql),
        cmocka_unit_test(test_bulk_copy),
        cmocka_unit_test(test_big_ram_is_lazy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
