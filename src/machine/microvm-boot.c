/*
 * microvm-boot.c - the Linux x86 boot protocol without a BIOS (the kernel's
 * Documentation/arch/x86/boot.rst, "64-bit boot protocol"), and a plain
 * x86-64 ELF entry, for the microvm board.
 *
 * For a bzImage: the setup header is copied into a zeroed zero page
 * (struct boot_params), the loader fields are filled in, the protected-mode
 * part (after the (setup_sects + 1) * 512 bytes of real-mode setup, which
 * never runs) is loaded at 1 MiB, and the BSP enters at load address + 0x200
 * in 64-bit mode with %rsi pointing at the zero page, __BOOT_CS/__BOOT_DS
 * flat segments and an identity-mapped page table covering the kernel, the
 * zero page and the command line (we map all of the low 4 GiB).
 *
 * Without ACPI, the vCPUs and the IOAPIC reach the guest through an MP table
 * (machine/mptable.h) at MICROVM_MPTABLE_ADDR, rebuilt with the images.
 */
#include "machine/microvm-int.h"

#include "machine/loader.h"
#include "machine/mptable.h"
#include "util/error.h"
#include "util/bswap.h"

#include <stdlib.h>
#include <string.h>

/* boot_params offsets (arch/x86/include/uapi/asm/bootparam.h) */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_HDR               0x1f1 /* setup header starts here */
#define BP_E820_TABLE        0x2d0
#define HDR_SETUP_SECTS      0x1f1
#define HDR_VID_MODE         0x1fa
#define HDR_BOOT_FLAG        0x1fe
#define HDR_JUMP_END         0x201 /* the jump's displacement gives the header's length */
#define HDR_HEADER           0x202
#define HDR_VERSION          0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_HEAP_END_PTR     0x224
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE      0x234
#define HDR_XLOADFLAGS       0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE        0x260

#define HDRS_MAGIC    0x53726448u /* "HdrS" */
#define LOADED_HIGH   0x01
#define CAN_USE_HEAP  0x80
#define XLF_KERNEL_64 0x01
#define E820_RAM      1
#define E820_RESERVED 2
#define E820_MAX      128

static uint64_t low_ram_size(const Microvm *m)
{
    return m->ram_low.size;
}

/* Is [addr, addr+len) inside low RAM? */
static bool in_low_ram(const Microvm *m, uint64_t addr, uint64_t len)
{
    return addr + len >= addr && addr + len <= low_ram_size(m);
}

/* ---- kernels -------------------------------------------------------------------------------- */

static int load_bzimage(Microvm *m, const uint8_t *d, size_t size, uint8_t *zp)
{
    const char *path = m->opts.kernel;
    uint16_t version = lduw_le_p(d + HDR_VERSION);

    if (lduw_le_p(d + HDR_BOOT_FLAG) != 0xaa55) {
        error_report("-kernel: %s: bzImage without the 0xAA55 boot flag", path);
        return -1;
    }
    if (version < 0x20c || !(d[HDR_XLOADFLAGS] & XLF_KERNEL_64)) {
        error_report("-kernel: %s: bzImage has no 64-bit entry point (boot protocol %u.%02u; "
                     "minimu needs 2.12 with XLF_KERNEL_64)",
                     path, version >> 8, version & 0xff);
        return -1;
    }
    unsigned setup_sects = d[HDR_SETUP_SECTS] ? d[HDR_SETUP_SECTS] : 4;
    size_t setup_size = (size_t)(setup_sects + 1) * 512;
    size_t hdr_end = HDR_JUMP_END + 1 + d[HDR_JUMP_END];
    if (setup_size >= size || hdr_end > setup_size || hdr_end > 0x290) {
        error_report("-kernel: %s: truncated bzImage (setup %zu bytes, file %zu)", path, setup_size,
                     size);
        return -1;
    }
    size_t pm_size = size - setup_size;
    uint64_t init_size = ldl_le_p(d + HDR_INIT_SIZE);
    uint64_t need = init_size > pm_size ? init_size : pm_size;
    /*
     * Where the kernel runs (and decompresses to): its 64-bit entry moves a
     * relocatable kernel to the load address rounded up to kernel_alignment,
     * but not below pref_address (LOAD_PHYSICAL_ADDR, 16 MiB for Debian's);
     * a non-relocatable one to pref_address.  init_size bytes from there must
     * be RAM, and the initrd must stay clear of them.
     */
    uint64_t run_addr = MICROVM_KERNEL_ADDR;
    if (version >= 0x20a) {
        uint64_t align = ldl_le_p(d + HDR_KERNEL_ALIGNMENT), pref = ldq_le_p(d + HDR_PREF_ADDRESS);
        if (align & (align - 1)) {
            align = 0;
        }
        if (d[HDR_RELOCATABLE] && align) {
            run_addr = (run_addr + align - 1) & ~(align - 1);
        }
        if (pref > run_addr || (!d[HDR_RELOCATABLE] && pref)) {
            run_addr = pref;
        }
    }
    uint64_t top =
        run_addr + need > MICROVM_KERNEL_ADDR + need ? run_addr + need : MICROVM_KERNEL_ADDR + need;
    if (top < run_addr || !in_low_ram(m, 0, top)) {
        error_report("-kernel: %s: kernel needs %llu MiB of RAM (it runs at 0x%llx), "
                     "more than -m gives",
                     path, (unsigned long long)(top >> 20) + 1, (unsigned long long)run_addr);
        return -1;
    }
    memcpy(m->ram_low.ram + MICROVM_KERNEL_ADDR, d + setup_size, pm_size);

    memcpy(zp + BP_HDR, d + BP_HDR, hdr_end - BP_HDR);
    stw_le_p(zp + HDR_VID_MODE, 0xffff); /* "normal" */
    zp[HDR_TYPE_OF_LOADER] = 0xff;       /* undefined loader */
    zp[HDR_LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP;
    stw_le_p(zp + HDR_HEAP_END_PTR, 0xfe00);
    m->entry = MICROVM_KERNEL_ADDR + 0x200;
    m->kernel_end = top;
    m->bzimage = true;
    return 0;
}

#define EM_X86_64 62

static int load_elf64(Microvm *m, const uint8_t *d, size_t size)
{
    const char *path = m->opts.kernel;
    if (size < 64 || d[4] != 2 || d[5] != 1) {
        error_report("-kernel: %s: not a 64-bit little-endian ELF", path);
        return -1;
    }
    if (lduw_le_p(d + 18) != EM_X86_64) {
        error_report("-kernel: %s: ELF for %s, not x86-64", path,
                     loader_elf_machine_name(lduw_le_p(d + 18)));
        return -1;
    }
    uint64_t phoff = ldq_le_p(d + 32);
    uint16_t phentsize = lduw_le_p(d + 54), phnum = lduw_le_p(d + 56);
    if (phentsize < 56 || phoff > size || (uint64_t)phnum * phentsize > size - phoff) {
        error_report("-kernel: %s: bad ELF program headers", path);
        return -1;
    }
    uint64_t end = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (uint64_t)i * phentsize;
        if (ldl_le_p(ph) != 1) { /* PT_LOAD */
            continue;
        }
        uint64_t off = ldq_le_p(ph + 8), paddr = ldq_le_p(ph + 24);
        uint64_t filesz = ldq_le_p(ph + 32), memsz = ldq_le_p(ph + 40);
        if (filesz > memsz || off > size || filesz > size - off || !in_low_ram(m, paddr, memsz) ||
            paddr < MICROVM_CMDLINE_ADDR + MICROVM_CMDLINE_MAX) {
            error_report("-kernel: %s: ELF segment at 0x%llx (%llu bytes) is outside usable RAM "
                         "(0x30000..%llu MiB)",
                         path, (unsigned long long)paddr, (unsigned long long)memsz,
                         (unsigned long long)(low_ram_size(m) >> 20));
            return -1;
        }
        memcpy(m->ram_low.ram + paddr, d + off, filesz);
        memset(m->ram_low.ram + paddr + filesz, 0, memsz - filesz);
        if (paddr + memsz > end) {
            end = paddr + memsz;
        }
    }
    m->entry = ldq_le_p(d + 24);
    m->kernel_end = end;
    m->bzimage = false;
    return 0;
}

/* ---- zero page, command line, initrd ------------------------------------------------------------ */

static void add_e820(uint8_t *zp, uint64_t addr, uint64_t size, uint32_t type)
{
    uint8_t n = zp[BP_E820_ENTRIES];
    if (n >= E820_MAX || !size) {
        return;
    }
    uint8_t *e = zp + BP_E820_TABLE + 20 * n;
    stq_le_p(e, addr);
    stq_le_p(e + 8, size);
    stl_le_p(e + 16, type);
    zp[BP_E820_ENTRIES] = (uint8_t)(n + 1);
}

static int build_cmdline(Microvm *m, uint8_t *zp)
{
    char *cmd = (char *)m->ram_low.ram + MICROVM_CMDLINE_ADDR;
    size_t max = MICROVM_CMDLINE_MAX;
    if (m->bzimage && lduw_le_p(zp + HDR_VERSION) >= 0x206 &&
        ldl_le_p(zp + HDR_CMDLINE_SIZE) + 1 < max) {
        max = ldl_le_p(zp + HDR_CMDLINE_SIZE) + 1;
    }
    int n = snprintf(cmd, max, "%s", m->opts.append ? m->opts.append : "");
    for (int i = 0; i < MICROVM_VIRTIO_SLOTS && n >= 0 && (size_t)n < max; i++) {
        n += snprintf(cmd + n, max - (size_t)n, "%svirtio_mmio.device=512@0x%llx:%d", n ? " " : "",
                      (unsigned long long)(MICROVM_VIRTIO_BASE + (uint64_t)i * MICROVM_VIRTIO_SIZE),
                      MICROVM_VIRTIO_GSI + i);
    }
    if (n < 0 || (size_t)n >= max) {
        error_report("-append: the command line is too long for this kernel (%zu bytes max)",
                     max - 1);
        return -1;
    }
    stl_le_p(zp + HDR_CMD_LINE_PTR, MICROVM_CMDLINE_ADDR);
    stl_le_p(zp + BP_EXT_CMD_LINE_PTR, 0);
    return 0;
}

static int load_initrd(Microvm *m, uint8_t *zp)
{
    uint8_t *data;
    size_t size;
    if (!m->opts.initrd) {
        return 0;
    }
    if (loader_read_file("-initrd", m->opts.initrd, &data, &size) < 0) {
        return -1;
    }
    uint64_t max = low_ram_size(m); /* one past the highest usable byte */
    if (m->bzimage) {
        uint64_t amax =
            lduw_le_p(zp + HDR_VERSION) >= 0x203 ? ldl_le_p(zp + HDR_INITRD_ADDR_MAX) : 0x37ffffff;
        if (amax + 1 < max) {
            max = amax + 1;
        }
    }
    uint64_t addr = size <= max ? ((max - size) & ~0xfffULL) : 0;
    if (size > max || addr < m->kernel_end) {
        error_report("-initrd: %s: %zu bytes do not fit between the kernel and the top of RAM "
                     "(raise -m)",
                     m->opts.initrd, size);
        free(data);
        return -1;
    }
    memcpy(m->ram_low.ram + addr, data, size);
    free(data);
    m->initrd_addr = addr;
    m->initrd_size = size;
    stl_le_p(zp + HDR_RAMDISK_IMAGE, (uint32_t)addr);
    stl_le_p(zp + HDR_RAMDISK_SIZE, (uint32_t)size);
    stl_le_p(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(addr >> 32));
    stl_le_p(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)size >> 32));
    return 0;
}

static void build_gdt_and_page_tables(Microvm *m)
{
    uint8_t *ram = m->ram_low.ram;
    static const uint64_t gdt[4] = {0, 0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL};
    for (int i = 0; i < 4; i++) {
        stq_le_p(ram + MICROVM_GDT_ADDR + 8 * i, gdt[i]);
    }
    uint64_t pml4 = MICROVM_PAGE_TABLES, pdpt = pml4 + 0x1000, pd = pdpt + 0x1000;
    memset(ram + pml4, 0, 6 * 0x1000);
    stq_le_p(ram + pml4, pdpt | 3);
    for (uint64_t i = 0; i < 4; i++) {
        stq_le_p(ram + pdpt + 8 * i, (pd + 0x1000 * i) | 3);
    }
    for (uint64_t i = 0; i < 2048; i++) {
        stq_le_p(ram + pd + 8 * i, (i << 21) | 0x83); /* present, writable, 2 MiB */
    }
}

_Static_assert(MPTABLE_SIZE(MICROVM_MAX_VCPUS, MICROVM_IOAPIC_PINS) <= MICROVM_MPTABLE_MAX,
               "the MP table for -smp max must fit in the last KiB of base memory");

/* The CPUs (APIC ID = KVM vCPU index) and the IOAPIC for a guest without ACPI. */
static int build_mptable(Microvm *m)
{
    if (!in_low_ram(m, MICROVM_MPTABLE_ADDR, MICROVM_MPTABLE_MAX) ||
        mptable_build(m->ram_low.ram + MICROVM_MPTABLE_ADDR, MICROVM_MPTABLE_MAX,
                      MICROVM_MPTABLE_ADDR, m->opts.smp, MICROVM_IOAPIC_PINS) < 0) {
        error_report("microvm: no room for the MP table of %d vCPUs", m->opts.smp);
        return -1;
    }
    return 0;
}

int microvm__load_images(Microvm *m)
{
    uint8_t *d;
    size_t size;
    uint8_t *zp = m->ram_low.ram + MICROVM_ZERO_PAGE;

    if (!m->opts.kernel) {
        error_report("-M microvm: -kernel is required (there is no firmware)");
        return -1;
    }
    if (loader_read_file("-kernel", m->opts.kernel, &d, &size) < 0) {
        return -1;
    }
    memset(zp, 0, 0x1000);
    int r;
    if (size >= 0x240 && ldl_le_p(d + HDR_HEADER) == HDRS_MAGIC) {
        r = load_bzimage(m, d, size, zp);
    } else if (loader_is_elf(d, size)) {
        r = load_elf64(m, d, size);
        /* A plain ELF gets a zero page all the same, with a minimal header. */
        stl_le_p(zp + HDR_HEADER, HDRS_MAGIC);
        stw_le_p(zp + HDR_VERSION, 0x20f);
        stl_le_p(zp + HDR_INITRD_ADDR_MAX, 0x7fffffff);
    } else {
        error_report("-kernel: %s: neither a bzImage (no \"HdrS\" setup header at 0x202) "
                     "nor a 64-bit x86 ELF",
                     m->opts.kernel);
        r = -1;
    }
    free(d);
    if (r < 0 || build_cmdline(m, zp) < 0 || load_initrd(m, zp) < 0) {
        return -1;
    }

    uint64_t low = low_ram_size(m);
    add_e820(zp, 0, 0x9fc00, E820_RAM);
    add_e820(zp, 0x9fc00, 0x100000 - 0x9fc00, E820_RESERVED);
    add_e820(zp, 0x100000, low - 0x100000, E820_RAM);
    add_e820(zp, MICROVM_HIGH_RAM_BASE, m->ram_high.size, E820_RAM);
    build_gdt_and_page_tables(m);
    return build_mptable(m);
}
