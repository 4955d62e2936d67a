/*
 * virt-boot.c - where the virt board puts firmware, kernel, initrd and device
 * tree, and the MROM reset vector (QEMU's hw/riscv/boot.c).
 */
#include "machine/virt.h"

#include "hw/fdt.h"

#include "util/error.h"
#include "util/bswap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/*
 * The reset vector QEMU writes for RV64, followed by fw_dynamic_info:
 *
 *   1: auipc t0, 0          t0 = 0x1000
 *      addi  a2, t0, 40     a2 = &fw_dynamic_info
 *      csrr  a0, mhartid
 *      ld    a1, 32(t0)     a1 = fdt address
 *      ld    t0, 24(t0)     t0 = start address
 *      jr    t0
 *      .dword start, fdt
 *   fw_dynamic_info: magic, version, next_addr, next_mode, options, boot_hart
 */
static int write_reset_vector(VirtMachine *m, uint64_t start)
{
    uint8_t rom[40 + 48];
    static const uint32_t insns[6] = {
        0x00000297, 0x02828613, 0xf1402573, 0x0202b583, 0x0182b283, 0x00028067,
    };
    for (int i = 0; i < 6; i++) {
        stl_le_p(rom + 4 * i, insns[i]);
    }
    stq_le_p(rom + 24, start);
    stq_le_p(rom + 32, m->fdt_addr);
    stq_le_p(rom + 40, FW_DYNAMIC_INFO_MAGIC);
    stq_le_p(rom + 48, FW_DYNAMIC_INFO_VERSION);
    stq_le_p(rom + 56, m->kernel_entry);
    stq_le_p(rom + 64, FW_DYNAMIC_NEXT_MODE_S);
    stq_le_p(rom + 72, 0); /* options */
    stq_le_p(rom + 80, 0); /* boot_hart */
    if (address_space_write(&m->as, VIRT_MROM_BASE, rom, sizeof(rom)) != MEMTX_OK) {
        error_report("virt: cannot write the reset vector");
        return -1;
    }
    return 0;
}

/*
 * As QEMU does with -dtb: the user's tree is used, but /chosen gets what the
 * generated tree would have there from the command line -- bootargs from
 * -append (when not empty) and the initrd's place -- replacing values of the
 * same name.  stdout-path is left alone, as QEMU does.  The initrd cells are
 * 64-bit, as in our generated tree.  Both validates the file and fills
 * m->fdt/m->fdt_size; -1 after one error line.
 */
static int patch_user_dtb(VirtMachine *m, const uint8_t *data, size_t size)
{
    uint8_t start[8], end[8];
    FdtProp props[3];
    size_t n = 0;

    for (int i = 0; i < 8; i++) {
        start[i] = (uint8_t)(m->initrd_start >> (56 - 8 * i));
        end[i] = (uint8_t)(m->initrd_end >> (56 - 8 * i));
    }
    if (m->initrd_end > m->initrd_start) {
        props[n++] = (FdtProp){"linux,initrd-end", end, sizeof(end)};
        props[n++] = (FdtProp){"linux,initrd-start", start, sizeof(start)};
    }
    if (m->cfg.append && *m->cfg.append) {
        props[n++] = (FdtProp){"bootargs", m->cfg.append, strlen(m->cfg.append) + 1};
    }
    size_t what_len = strlen(m->cfg.dtb) + sizeof("-dtb: ''");
    char *what = malloc(what_len);
    if (!what) {
        error_report("-dtb: out of memory");
        return -1;
    }
    snprintf(what, what_len, "-dtb: '%s'", m->cfg.dtb);
    void *blob;
    int r = fdt_set_chosen(data, size, props, n, what, &blob, &m->fdt_size);
    free(what);
    if (r < 0) {
        return -1;
    }
    m->fdt = blob;
    return 0;
}

static int load_dtb(VirtMachine *m, const LoaderRam *ram)
{
    free(m->fdt);
    m->fdt = NULL;
    if (m->cfg.dtb) {
        uint8_t *data;
        size_t size;
        if (loader_read_file("-dtb", m->cfg.dtb, &data, &size) < 0) {
            return -1;
        }
        int r = patch_user_dtb(m, data, size);
        free(data);
        if (r < 0) {
            return -1;
        }
    } else if (virt_fdt_build(m, &m->fdt, &m->fdt_size) < 0) {
        return -1;
    }
    if (m->cfg.dumpdtb) {
        FILE *f = fopen(m->cfg.dumpdtb, "wb");
        bool ok = f && fwrite(m->fdt, 1, m->fdt_size, f) == m->fdt_size;
        if (f && fclose(f) != 0) {
            ok = false;
        }
        if (!ok) {
            error_report("dumpdtb: cannot write '%s'", m->cfg.dumpdtb);
        }
        m->dtb_dumped = ok; /* as QEMU: dump, then exit without running */
        return ok ? 0 : -1;
    }

    /* As high as possible so the kernel and initrd do not overwrite it, yet below 3 GiB. */
    uint64_t ram_end = ram->base + ram->size;
    uint64_t top = ram->base < 3 * GiB ? (ram_end < 3 * GiB ? ram_end : 3 * GiB) : ram_end;
    if (m->fdt_size > top - ram->base) {
        error_report("device tree (%zu bytes) does not fit in RAM", m->fdt_size);
        return -1;
    }
    m->fdt_addr = (top - m->fdt_size) & ~(2 * MiB - 1);
    if (m->fdt_addr < ram->base) {
        m->fdt_addr = ram->base;
    }
    if (address_space_write(&m->as, m->fdt_addr, m->fdt, m->fdt_size) != MEMTX_OK) {
        error_report("virt: cannot write the device tree at 0x%llx",
                     (unsigned long long)m->fdt_addr);
        return -1;
    }
    return 0;
}

int virt__load_images(VirtMachine *m)
{
    LoaderRam ram = {.base = VIRT_DRAM_BASE, .size = m->cfg.ram_size};
    LoadedImage img;
    uint64_t start = VIRT_DRAM_BASE;
    uint64_t firmware_end = VIRT_DRAM_BASE;

    if (m->cfg.bios) {
        if (loader_load_file(&m->as, "-bios", m->cfg.bios, VIRT_DRAM_BASE, &ram, &img) < 0) {
            return -1;
        }
        start = img.entry;
        firmware_end = img.high;
    }

    m->kernel_entry = 0;
    if (m->cfg.kernel) {
        /* After the firmware, on a 2 MiB boundary (a huge page for Linux); RAM start without. */
        uint64_t kstart = m->cfg.bios ? align_up(firmware_end, 2 * MiB) : VIRT_DRAM_BASE;
        if (loader_load_file(&m->as, "-kernel", m->cfg.kernel, kstart, &ram, &img) < 0) {
            return -1;
        }
        m->kernel_entry = img.entry;
        if (!m->cfg.bios) {
            start = img.entry;
        }
    } else if (!m->cfg.bios) {
        error_report("-bios none needs -kernel");
        return -1;
    }

    m->initrd_start = m->initrd_end = 0;
    if (m->cfg.initrd) {
        if (!m->cfg.kernel) {
            error_report("-initrd needs -kernel");
            return -1;
        }
        uint64_t half = m->cfg.ram_size / 2;
        uint64_t istart = m->kernel_entry + (half < 128 * MiB ? half : 128 * MiB);
        uint8_t *data;
        size_t size;
        if (loader_read_file("-initrd", m->cfg.initrd, &data, &size) < 0) {
            return -1;
        }
        /* Always raw: an initrd is a cpio archive, whatever its first bytes. */
        int r = loader_load_raw(&m->as, "-initrd", m->cfg.initrd, data, size, istart, &ram, &img);
        free(data);
        if (r < 0) {
            return -1;
        }
        m->initrd_start = img.low;
        m->initrd_end = img.high;
    }

    if (load_dtb(m, &ram) < 0) {
        return -1;
    }
    return write_reset_vector(m, start);
}
