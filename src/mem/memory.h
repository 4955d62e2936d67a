/*
 * memory.h - MemoryRegion and AddressSpace: how guest physical addresses
 * reach RAM, ROM and device registers (a small QEMU memory API).
 *
 * A MemoryRegion is RAM (host memory the CPU may access directly), ROM (the
 * same, read-only to the guest), or MMIO (every access calls the region's
 * const MemoryRegionOps with the region's opaque device state).  Regions are
 * mapped into an AddressSpace at fixed guest-physical addresses; they may not
 * overlap.  The map is built while the machine is created and is read-only
 * afterwards, so lookups take no lock.
 *
 * Used by the RISC-V interpreter (TLB fills ask for host pointers; misses on
 * MMIO go through address_space_ld/st) and by KVM (RAM regions become memory
 * slots; exits are dispatched with address_space_ld/st).
 *
 * Locking: MMIO callbacks run with the BQL held.  address_space_ld/st take it
 * if the calling thread does not hold it already (vCPU threads), unless the
 * region was marked lockless.
 */
#ifndef MINIMU_MEM_MEMORY_H
#define MINIMU_MEM_MEMORY_H

#include "mem/guest-log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t hwaddr;

typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1,        /* the device refused the access */
    MEMTX_DECODE_ERROR = 2, /* nothing is mapped there */
} MemTxResult;

typedef enum MemoryRegionKind {
    MR_RAM,
    MR_ROM,
    MR_MMIO,
} MemoryRegionKind;

typedef struct MemoryRegionOps {
    /* @addr is relative to the region; @size is 1, 2, 4 or 8. */
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t val, unsigned size);
    /*
     * Access sizes the device accepts; other sizes get MEMTX_ERROR (0 means
     * 1 and 8).  Accesses must be naturally aligned unless unaligned_ok.
     */
    unsigned min_access_size;
    unsigned max_access_size;
    bool unaligned_ok;
} MemoryRegionOps;

typedef struct MemoryRegion {
    const char *name;
    MemoryRegionKind kind;
    uint64_t size;
    uint8_t *ram; /* host memory for RAM and ROM, NULL for MMIO */
    const MemoryRegionOps *ops;
    void *opaque;
    bool lockless; /* MMIO callbacks do their own locking; no BQL */
    bool owns_ram;
    GuestLogLimit log; /* bad accesses to this region (rate-limited reports) */
} MemoryRegion;

/* RAM of @size bytes, zeroed (mmap'd natively, lazily committed). 0 or -errno. */
int memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size);
/* ROM: like RAM, but guest writes are ignored (and logged). */
int memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size);
void memory_region_init_io(MemoryRegion *mr, const char *name, const MemoryRegionOps *ops,
                           void *opaque, uint64_t size);
/* Release RAM/ROM host memory. */
void memory_region_destroy(MemoryRegion *mr);

typedef struct AddressSpaceEntry {
    hwaddr base;
    MemoryRegion *mr;
} AddressSpaceEntry;

typedef struct AddressSpace {
    const char *name;
    AddressSpaceEntry *map; /* sorted by base */
    int nr;
    int cap;
} AddressSpace;

void address_space_init(AddressSpace *as, const char *name);
void address_space_destroy(AddressSpace *as);
/* Map @mr at @base.  Returns 0, or -EEXIST if it overlaps a mapped region. */
int address_space_map_region(AddressSpace *as, hwaddr base, MemoryRegion *mr);

/*
 * The region containing @addr, with *offset set to @addr's offset inside it;
 * NULL if nothing is mapped there.  O(log n).  Any thread.
 */
MemoryRegion *address_space_lookup(AddressSpace *as, hwaddr addr, hwaddr *offset);

/*
 * Direct host pointer for RAM (or ROM when !is_write) at @addr, and in *avail
 * the bytes that follow contiguously in the same region; NULL for MMIO or
 * unmapped addresses.  The TLB fast path caches what this returns.
 */
uint8_t *address_space_get_host_ptr(AddressSpace *as, hwaddr addr, bool is_write, hwaddr *avail);

/*
 * One load/store of @size (1, 2, 4, 8) bytes, little-endian, to whatever is
 * mapped at @addr.  MMIO is dispatched under the BQL (see above).  Accesses to
 * unmapped addresses return MEMTX_DECODE_ERROR and read as 0 - the caller
 * (the CPU) turns that into a guest access fault.  Never aborts.
 */
MemTxResult address_space_ld(AddressSpace *as, hwaddr addr, unsigned size, uint64_t *val);
MemTxResult address_space_st(AddressSpace *as, hwaddr addr, unsigned size, uint64_t val);

/*
 * Copy bytes to or from guest memory (loaders, DMA).  RAM and ROM are
 * copied directly (ROM is writable here: this is how firmware is loaded);
 * MMIO is accessed byte by byte.  Returns MEMTX_OK only if every byte was
 * mapped.
 */
MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf, size_t len);
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf, size_t len);

#endif
