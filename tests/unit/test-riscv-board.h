/*
 * test-riscv-board.h - a minimal virt-like board for running the guest ISA
 * tests (tests/guest/riscv) directly on the interpreter, without the real
 * board and devices: RAM at 0x80000000, a 16550 transmit register at
 * 0x10000000 (to stdout), a CLINT (msip, mtimecmp, mtime) at 0x2000000 and the
 * sifive_test finisher at 0x100000.  mtime advances with retired instructions
 * (one tick per 8) and jumps to mtimecmp when the hart waits in WFI, so runs
 * are deterministic.  Included by test-riscv-cpu.c; used as
 * "test-riscv-cpu --elf guest.elf", exit status = the guest's finisher code.
 */
#ifndef MINIMU_TESTS_RISCV_BOARD_H
#define MINIMU_TESTS_RISCV_BOARD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/riscv/cpu.h"

#define BOARD_RAM_SIZE  (128 * 1024 * 1024)
#define BOARD_MAX_INSNS 4000000000LL

typedef struct Board {
    AddressSpace as;
    MemoryRegion ram, uart, clint, fin;
    RISCVCPU *cpu;
    uint64_t mtimecmp, mtime_offset;
    bool done;
    int exit_code;
} Board;

static uint64_t board_mtime(void *opaque)
{
    Board *b = opaque;
    return riscv_cpu_insn_count(b->cpu) / 8 + b->mtime_offset;
}

static void board_update_mtip(Board *b)
{
    riscv_cpu_set_mip(b->cpu, 1 << 7, board_mtime(b) >= b->mtimecmp);
}

static uint64_t uart_read(void *opaque, hwaddr addr, unsigned size)
{
    return addr == 5 ? 0x60 : 0; /* LSR: transmitter empty */
}

static void uart_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    if (addr == 0) {
        putchar((int)(val & 0xff));
        fflush(stdout);
    }
}

static uint64_t clint_read(void *opaque, hwaddr addr, unsigned size)
{
    Board *b = opaque;
    uint64_t v;
    if (addr == 0) {
        uint64_t mip = 0;
        riscv_cpu_read_csr(b->cpu, 0x344, &mip);
        return (mip >> 3) & 1;
    }
    if (addr >= 0x4000 && addr < 0x4008) {
        v = b->mtimecmp;
    } else if (addr >= 0xbff8 && addr < 0xc000) {
        v = board_mtime(b);
    } else {
        return 0;
    }
    return (addr & 4) ? v >> 32 : (size == 8 ? v : (uint32_t)v);
}

static void clint_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Board *b = opaque;
    if (addr == 0) {
        riscv_cpu_set_mip(b->cpu, 1 << 3, val & 1);
    } else if (addr >= 0x4000 && addr < 0x4008) {
        if (size == 8) {
            b->mtimecmp = val;
        } else if (addr & 4) {
            b->mtimecmp = (b->mtimecmp & 0xffffffffULL) | (val << 32);
        } else {
            b->mtimecmp = (b->mtimecmp & ~0xffffffffULL) | (uint32_t)val;
        }
        board_update_mtip(b);
    }
}

static uint64_t fin_dev_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void fin_dev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Board *b = opaque;
    if (addr != 0) {
        return;
    }
    if ((val & 0xffff) == 0x5555) {
        b->exit_code = 0;
    } else if ((val & 0xffff) == 0x3333) {
        b->exit_code = (int)((val >> 16) & 0xffff);
        b->exit_code = b->exit_code ? b->exit_code : 1;
    } else {
        return;
    }
    b->done = true;
    riscv_cpu_kick(b->cpu);
}

static const MemoryRegionOps board_uart_ops = {
    .read = uart_read, .write = uart_write, .min_access_size = 1, .max_access_size = 8};
static const MemoryRegionOps board_clint_ops = {
    .read = clint_read, .write = clint_write, .min_access_size = 4, .max_access_size = 8};
static const MemoryRegionOps board_fin_ops = {
    .read = fin_dev_read, .write = fin_dev_write, .min_access_size = 4, .max_access_size = 4};

/* Load the PT_LOAD segments of an ELF64 RISC-V file; entry point in *entry. */
static bool board_load_elf(Board *b, const char *path, uint64_t *entry)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return false;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)len);
    bool ok = buf && fread(buf, 1, (size_t)len, f) == (size_t)len && len >= 64 &&
              memcmp(buf, "\177ELF\2\1", 6) == 0;
    fclose(f);
    if (ok) {
        uint64_t phoff;
        uint16_t phentsize, phnum;
        memcpy(entry, buf + 24, 8);
        memcpy(&phoff, buf + 32, 8);
        memcpy(&phentsize, buf + 54, 2);
        memcpy(&phnum, buf + 56, 2);
        for (unsigned i = 0; ok && i < phnum; i++) {
            const uint8_t *ph = buf + phoff + (uint64_t)i * phentsize;
            uint32_t type;
            uint64_t off, paddr, filesz, memsz;
            if (phoff + (uint64_t)(i + 1) * phentsize > (uint64_t)len) {
                ok = false;
                break;
            }
            memcpy(&type, ph, 4);
            memcpy(&off, ph + 8, 8);
            memcpy(&paddr, ph + 24, 8);
            memcpy(&filesz, ph + 32, 8);
            memcpy(&memsz, ph + 40, 8);
            if (type != 1) {
                continue;
            }
            ok = off + filesz <= (uint64_t)len &&
                 address_space_write(&b->as, paddr, buf + off, filesz) == MEMTX_OK;
        }
    }
    if (!ok) {
        fprintf(stderr, "%s: not a loadable ELF64 file\n", path);
    }
    free(buf);
    return ok;
}

static int riscv_test_run_elf(const char *path)
{
    Board *b = calloc(1, sizeof(*b));
    uint64_t entry = 0;
    address_space_init(&b->as, "board");
    if (memory_region_init_ram(&b->ram, "ram", BOARD_RAM_SIZE) != 0) {
        return 2;
    }
    memory_region_init_io(&b->uart, "uart", &board_uart_ops, b, 0x100);
    memory_region_init_io(&b->clint, "clint", &board_clint_ops, b, 0x10000);
    memory_region_init_io(&b->fin, "finisher", &board_fin_ops, b, 0x1000);
    b->uart.lockless = b->clint.lockless = b->fin.lockless = true;
    address_space_map_region(&b->as, 0x80000000, &b->ram);
    address_space_map_region(&b->as, 0x10000000, &b->uart);
    address_space_map_region(&b->as, 0x2000000, &b->clint);
    address_space_map_region(&b->as, 0x100000, &b->fin);
    b->mtimecmp = ~0ULL;
    RISCVCPUConfig cfg = {.hartid = 0, .as = &b->as, .get_time = board_mtime, .time_opaque = b};
    b->cpu = riscv_cpu_new(&cfg);
    if (!b->cpu || !board_load_elf(b, path, &entry)) {
        return 2;
    }
    riscv_cpu_reset(b->cpu, entry);
    if (getenv("RISCV_TEST_LOG")) {
        riscv_cpu_set_log(b->cpu, (unsigned)atoi(getenv("RISCV_TEST_LOG")), stderr);
    }
    int code = 3;
    while (!b->done) {
        board_update_mtip(b);
        RISCVExit r = riscv_cpu_run(b->cpu, 1000);
        if ((int64_t)riscv_cpu_insn_count(b->cpu) > BOARD_MAX_INSNS) {
            fprintf(stderr, "guest timed out\n");
            riscv_cpu_dump(b->cpu, stderr);
            break;
        }
        if (r == RISCV_EXIT_WFI && !riscv_cpu_has_work(b->cpu)) {
            uint64_t now = board_mtime(b);
            if (b->mtimecmp == ~0ULL || b->mtimecmp <= now) {
                fprintf(stderr, "guest waits for an interrupt that never comes\n");
                riscv_cpu_dump(b->cpu, stderr);
                break;
            }
            b->mtime_offset += b->mtimecmp - now; /* skip idle time */
        }
    }
    if (b->done) {
        code = b->exit_code;
    }
    riscv_cpu_free(b->cpu);
    address_space_destroy(&b->as);
    memory_region_destroy(&b->ram);
    free(b);
    return code;
}

#endif
