/*
 * memory.c - MemoryRegion and AddressSpace; see memory.h.
 *
 * The map is a sorted array searched by bisection.  It is only written while
 * the board is built, before any vCPU runs, which is why lookups are lockless.
 */
#include "mem/memory.h"

#include "aio/main-loop.h"
#include "platform.h"
#include "util/error.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- regions ------------------------------------------------------------------- */

static int region_init_host(MemoryRegion *mr, const char *name, uint64_t size,
                            MemoryRegionKind kind)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = name;
    mr->kind = kind;
    mr->size = size;
    if (size == 0) {
        return -EINVAL;
    }
    if (size > SIZE_MAX) {
        return -ENOMEM;
    }
    mr->ram = platform_ram_alloc((size_t)size);
    if (!mr->ram) {
        return -ENOMEM;
    }
    mr->owns_ram = true;
    return 0;
}

int memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    return region_init_host(mr, name, size, MR_RAM);
}

int memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size)
{
    return region_init_host(mr, name, size, MR_ROM);
}

void memory_region_init_io(MemoryRegion *mr, const char *name, const MemoryRegionOps *ops,
                           void *opaque, uint64_t size)
{
    if (!ops || !ops->read || !ops->write) {
        qemu_fatal_misuse("%s: region '%s' needs ops with read and write", __func__,
                          name ? name : "?");
    }
    memset(mr, 0, sizeof(*mr));
    mr->name = name;
    mr->kind = MR_MMIO;
    mr->size = size;
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_destroy(MemoryRegion *mr)
{
    if (mr->owns_ram && mr->ram) {
        platform_ram_free(mr->ram, (size_t)mr->size);
    }
    mr->ram = NULL;
    mr->owns_ram = false;
}

/* ---- address spaces ------------------------------------------------------------------ */

void address_space_init(AddressSpace *as, const char *name)
{
    as->name = name;
    as->map = NULL;
    as->nr = 0;
    as->cap = 0;
}

void address_space_destroy(AddressSpace *as)
{
    free(as->map);
    as->map = NULL;
    as->nr = as->cap = 0;
}

/* Index of the first entry whose base is > @addr. */
static int map_upper_bound(const AddressSpace *as, hwaddr addr)
{
    int lo = 0, hi = as->nr;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (as->map[mid].base <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

int address_space_map_region(AddressSpace *as, hwaddr base, MemoryRegion *mr)
{
    if (mr->size == 0 || base + (mr->size - 1) < base) {
        return -EINVAL;
    }
    hwaddr last = base + (mr->size - 1);
    int i = map_upper_bound(as, base);
    if (i > 0) {
        const AddressSpaceEntry *prev = &as->map[i - 1];
        if (prev->base + (prev->mr->size - 1) >= base) {
            return -EEXIST;
        }
    }
    if (i < as->nr && as->map[i].base <= last) {
        return -EEXIST;
    }
    if (as->nr == as->cap) {
        int cap = as->cap ? as->cap * 2 : 16;
        AddressSpaceEntry *map = realloc(as->map, (size_t)cap * sizeof(*map));
        if (!map) {
            return -ENOMEM;
        }
        as->map = map;
        as->cap = cap;
    }
    memmove(&as->map[i + 1], &as->map[i], (size_t)(as->nr - i) * sizeof(*as->map));
    as->map[i].base = base;
    as->map[i].mr = mr;
    as->nr++;
    return 0;
}

MemoryRegion *address_space_lookup(AddressSpace *as, hwaddr addr, hwaddr *offset)
{
    int i = map_upper_bound(as, addr);
    if (i == 0) {
        return NULL;
    }
    const AddressSpaceEntry *e = &as->map[i - 1];
    hwaddr off = addr - e->base;
    if (off >= e->mr->size) {
        return NULL;
    }
    *offset = off;
    return e->mr;
}

uint8_t *address_space_get_host_ptr(AddressSpace *as, hwaddr addr, bool is_write, hwaddr *avail)
{
    hwaddr off;
    MemoryRegion *mr = address_space_lookup(as, addr, &off);
    if (!mr || !mr->ram || (mr->kind == MR_ROM && is_write)) {
        return NULL;
    }
    if (avail) {
        *avail = mr->size - off;
    }
    return mr->ram + off;
}

/* ---- loads and stores ----------------------------------------------------------------- */

/* Explicit little-endian assembly: compilers turn it into one load/store. */
static uint64_t ld_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void st_le(uint8_t *p, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
}

static bool mmio_access_ok(MemoryRegion *mr, hwaddr off, unsigned size, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned min = ops->min_access_size ? ops->min_access_size : 1;
    unsigned max = ops->max_access_size ? ops->max_access_size : 8;
    const char *why = NULL;

    if (size < min || size > max) {
        why = "size not accepted";
    } else if (!ops->unaligned_ok && (off & (size - 1))) {
        why = "misaligned";
    } else if (off + size > mr->size) {
        why = "crosses the end of the region";
    }
    if (why) {
        guest_log_limited(&mr->log, "%s: %u-byte %s at offset 0x%llx: %s", mr->name, size,
                          is_write ? "write" : "read", (unsigned long long)off, why);
        return false;
    }
    return true;
}

/* Dispatch one MMIO access that mmio_access_ok() accepted. */
static uint64_t mmio_read(MemoryRegion *mr, hwaddr off, unsigned size)
{
    bool take = !mr->lockless && !bql_locked();
    if (take) {
        bql_lock();
    }
    uint64_t v = mr->ops->read(mr->opaque, off, size) & size_mask(size);
    if (take) {
        bql_unlock();
    }
    return v;
}

static void mmio_write(MemoryRegion *mr, hwaddr off, unsigned size, uint64_t val)
{
    bool take = !mr->lockless && !bql_locked();
    if (take) {
        bql_lock();
    }
    mr->ops->write(mr->opaque, off, val & size_mask(size), size);
    if (take) {
        bql_unlock();
    }
}

static bool valid_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

/* An access that runs past the end of a RAM/ROM region: byte by byte, as the bus would. */
static MemTxResult ld_split(AddressSpace *as, hwaddr addr, unsigned size, uint64_t *val)
{
    uint64_t v = 0;
    MemTxResult res = MEMTX_OK;
    for (unsigned i = 0; i < size; i++) {
        uint64_t b;
        MemTxResult r = address_space_ld(as, addr + i, 1, &b);
        res = r > res ? r : res;
        v |= (b & 0xff) << (8 * i);
    }
    *val = res == MEMTX_OK ? v : 0;
    return res;
}

static MemTxResult st_split(AddressSpace *as, hwaddr addr, unsigned size, uint64_t val)
{
    MemTxResult res = MEMTX_OK;
    for (unsigned i = 0; i < size; i++) {
        MemTxResult r = address_space_st(as, addr + i, 1, (val >> (8 * i)) & 0xff);
        res = r > res ? r : res;
    }
    return res;
}

MemTxResult address_space_ld(AddressSpace *as, hwaddr addr, unsigned size, uint64_t *val)
{
    hwaddr off;
    MemoryRegion *mr = address_space_lookup(as, addr, &off);

    *val = 0;
    if (!mr) {
        return MEMTX_DECODE_ERROR;
    }
    if (!valid_size(size)) {
        guest_log_limited(&mr->log, "%s: %u-byte read", mr->name, size);
        return MEMTX_ERROR;
    }
    if (mr->kind != MR_MMIO) {
        if (off + size > mr->size) {
            return ld_split(as, addr, size, val);
        }
        *val = ld_le(mr->ram + off, size);
        return MEMTX_OK;
    }
    if (!mmio_access_ok(mr, off, size, false)) {
        return MEMTX_ERROR;
    }
    *val = mmio_read(mr, off, size);
    return MEMTX_OK;
}

MemTxResult address_space_st(AddressSpace *as, hwaddr addr, unsigned size, uint64_t val)
{
    hwaddr off;
    MemoryRegion *mr = address_space_lookup(as, addr, &off);

    if (!mr) {
        return MEMTX_DECODE_ERROR;
    }
    if (!valid_size(size)) {
        guest_log_limited(&mr->log, "%s: %u-byte write", mr->name, size);
        return MEMTX_ERROR;
    }
    switch (mr->kind) {
    case MR_RAM:
        if (off + size > mr->size) {
            return st_split(as, addr, size, val);
        }
        st_le(mr->ram + off, size, val);
        return MEMTX_OK;
    case MR_ROM:
        /* Real ROM ignores writes; the guest is not faulted, as in QEMU. */
        guest_log_limited(&mr->log, "%s: write to ROM at offset 0x%llx ignored", mr->name,
                          (unsigned long long)off);
        return MEMTX_OK;
    case MR_MMIO: break;
    }
    if (!mmio_access_ok(mr, off, size, true)) {
        return MEMTX_ERROR;
    }
    mmio_write(mr, off, size, val);
    return MEMTX_OK;
}

/* ---- bulk copies ------------------------------------------------------------------------ */

static MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, uint8_t *buf, size_t len,
                                    bool is_write)
{
    MemTxResult res = MEMTX_OK;

    while (len > 0) {
        hwaddr off;
        MemoryRegion *mr = address_space_lookup(as, addr, &off);
        if (!mr) {
            /* Skip to the next mapped region (or the end of the buffer). */
            int i = map_upper_bound(as, addr);
            hwaddr gap = i < as->nr ? as->map[i].base - addr : UINT64_MAX;
            size_t n = gap < len ? (size_t)gap : len;
            if (!is_write) {
                memset(buf, 0, n);
            }
            res = MEMTX_DECODE_ERROR;
            buf += n;
            addr += n;
            len -= n;
            continue;
        }
        hwaddr left = mr->size - off;
        size_t n = left < len ? (size_t)left : len;
        if (mr->ram) {
            if (is_write) {
                memcpy(mr->ram + off, buf, n);
            } else {
                memcpy(buf, mr->ram + off, n);
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                MemTxResult r;
                if (is_write) {
                    r = mmio_access_ok(mr, off + i, 1, true) ? MEMTX_OK : MEMTX_ERROR;
                    if (r == MEMTX_OK) {
                        mmio_write(mr, off + i, 1, buf[i]);
                    }
                } else {
                    r = mmio_access_ok(mr, off + i, 1, false) ? MEMTX_OK : MEMTX_ERROR;
                    buf[i] = r == MEMTX_OK ? (uint8_t)mmio_read(mr, off + i, 1) : 0;
                }
                res = r > res ? r : res;
            }
        }
        buf += n;
        addr += n;
        len -= n;
    }
    return res;
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf, size_t len)
{
    /* The cast is safe: the write direction only reads from @buf. */
    return address_space_rw(as, addr, (uint8_t *)buf, len, true);
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf, size_t len)
{
    return address_space_rw(as, addr, buf, len, false);
}
