/* loader.c - raw and ELF64 image loading; see loader.h. */
#include "machine/loader.h"

#include "util/error.h"
#include "util/bswap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM_RISCV   243
#define PT_LOAD    1
#define ELF_HDR_SZ 64
#define ELF_PH_SZ  56

int loader_read_file(const char *what, const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        error_report("%s: cannot open '%s': %s", what, path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            uint8_t *n = realloc(buf, cap);
            if (!n) {
                error_report("%s: '%s': out of memory", what, path);
                free(buf);
                fclose(f);
                return -1;
            }
            buf = n;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0) {
            break;
        }
    }
    if (ferror(f)) {
        error_report("%s: cannot read '%s': %s", what, path, strerror(errno));
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    *data = buf;
    *size = len;
    return 0;
}

bool loader_is_elf(const uint8_t *data, size_t size)
{
    return size >= 4 && memcmp(data,
                               "\x7f"
                               "ELF",
                               4) == 0;
}

const char *loader_elf_machine_name(unsigned machine)
{
    switch (machine) {
    case 3: return "i386";
    case 8: return "MIPS";
    case 20: return "PowerPC";
    case 21: return "PowerPC64";
    case 22: return "s390";
    case 40: return "ARM";
    case 62: return "x86-64";
    case 183: return "AArch64";
    case 243: return "RISC-V";
    case 258: return "LoongArch";
    default: return "an unknown machine";
    }
}

static bool fits(const LoaderRam *ram, uint64_t addr, uint64_t len)
{
    return addr >= ram->base && len <= ram->size && addr - ram->base <= ram->size - len;
}

static void report_no_fit(const char *what, const char *path, uint64_t addr, uint64_t len,
                          const LoaderRam *ram)
{
    error_report("%s: '%s' (%llu bytes at 0x%llx) does not fit in RAM (%llu MiB at 0x%llx)", what,
                 path, (unsigned long long)len, (unsigned long long)addr,
                 (unsigned long long)(ram->size >> 20), (unsigned long long)ram->base);
}

int loader_load_raw(AddressSpace *as, const char *what, const char *path, const uint8_t *data,
                    size_t size, uint64_t addr, const LoaderRam *ram, LoadedImage *out)
{
    if (!fits(ram, addr, size)) {
        report_no_fit(what, path, addr, size, ram);
        return -1;
    }
    if (address_space_write(as, addr, data, size) != MEMTX_OK) {
        error_report("%s: '%s': cannot write guest memory at 0x%llx", what, path,
                     (unsigned long long)addr);
        return -1;
    }
    *out = (LoadedImage){.entry = addr, .low = addr, .high = addr + size, .is_elf = false};
    return 0;
}

static int zero_fill(AddressSpace *as, uint64_t addr, uint64_t len)
{
    static const uint8_t zeros[4096];
    while (len) {
        size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
        if (address_space_write(as, addr, zeros, n) != MEMTX_OK) {
            return -1;
        }
        addr += n;
        len -= n;
    }
    return 0;
}

int loader_load_elf(AddressSpace *as, const char *what, const char *path, const uint8_t *data,
                    size_t size, const LoaderRam *ram, LoadedImage *out)
{
    if (size < ELF_HDR_SZ || !loader_is_elf(data, size)) {
        error_report("%s: '%s' is not an ELF file", what, path);
        return -1;
    }
    unsigned machine = lduw_le_p(data + 18);
    if (machine != EM_RISCV) {
        error_report("%s: '%s' is ELF for %s, not RISC-V", what, path,
                     loader_elf_machine_name(machine));
        return -1;
    }
    if (data[4] != 2 || data[5] != 1) {
        error_report("%s: '%s' is not a little-endian ELF64 file", what, path);
        return -1;
    }
    uint64_t phoff = ldq_le_p(data + 32);
    unsigned phentsize = lduw_le_p(data + 54), phnum = lduw_le_p(data + 56);
    if (phentsize < ELF_PH_SZ || phoff > size || (uint64_t)phnum * phentsize > size - phoff) {
        error_report("%s: '%s': corrupt ELF program headers", what, path);
        return -1;
    }
    LoadedImage img = {.entry = ldq_le_p(data + 24), .low = UINT64_MAX, .high = 0, .is_elf = true};
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = data + phoff + (uint64_t)i * phentsize;
        if (ldl_le_p(ph) != PT_LOAD) {
            continue;
        }
        uint64_t off = ldq_le_p(ph + 8), paddr = ldq_le_p(ph + 24);
        uint64_t filesz = ldq_le_p(ph + 32), memsz = ldq_le_p(ph + 40);
        if (memsz == 0) {
            continue;
        }
        if (filesz > memsz || off > size || filesz > size - off) {
            error_report("%s: '%s': corrupt ELF segment %u", what, path, i);
            return -1;
        }
        if (!fits(ram, paddr, memsz)) {
            report_no_fit(what, path, paddr, memsz, ram);
            return -1;
        }
        if (address_space_write(as, paddr, data + off, filesz) != MEMTX_OK ||
            zero_fill(as, paddr + filesz, memsz - filesz) < 0) {
            error_report("%s: '%s': cannot write guest memory at 0x%llx", what, path,
                         (unsigned long long)paddr);
            return -1;
        }
        if (paddr < img.low) {
            img.low = paddr;
        }
        if (paddr + memsz > img.high) {
            img.high = paddr + memsz;
        }
    }
    if (img.high == 0) {
        error_report("%s: '%s' has no loadable segment", what, path);
        return -1;
    }
    *out = img;
    return 0;
}

int loader_load_file(AddressSpace *as, const char *what, const char *path, uint64_t raw_addr,
                     const LoaderRam *ram, LoadedImage *out)
{
    uint8_t *data;
    size_t size;
    if (loader_read_file(what, path, &data, &size) < 0) {
        return -1;
    }
    int r = loader_is_elf(data, size)
                ? loader_load_elf(as, what, path, data, size, ram, out)
                : loader_load_raw(as, what, path, data, size, raw_addr, ram, out);
    free(data);
    return r;
}
