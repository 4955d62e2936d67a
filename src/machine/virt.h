/*
 * virt.h - the RISC-V "virt" board (QEMU's hw/riscv/virt.c), the subset that
 * firmware, U-Boot and Linux need:
 *
 *   0x00001000  MROM     0xf000     reset vector + fw_dynamic_info
 *   0x00100000  test     0x1000     sifive,test0 finisher (poweroff/reboot)
 *   0x00101000  rtc      0x1000     goldfish RTC, PLIC IRQ 11
 *   0x02000000  CLINT    0x10000    timers and software interrupts
 *   0x0c000000  PLIC     0x600000   2 contexts per hart (M, S)
 *   0x10000000  UART0    0x100      ns16550a, PLIC IRQ 10
 *   0x80000000  RAM      -m
 *
 * Boot follows QEMU: every hart starts in the MROM at 0x1000 with
 * a0 = mhartid, a1 = the device tree's address, a2 = the fw_dynamic_info
 * address, and jumps to the firmware (-bios, at 0x80000000) or, with
 * "-bios none", straight to the -kernel entry in M-mode.  The kernel goes
 * to the next 2 MiB boundary after the firmware (0x80200000), the initrd
 * min(RAM/2, 128 MiB) above the kernel, the device tree at the top of RAM
 * below 3 GiB, 2 MiB aligned.
 *
 * The board lives in the main loop thread: creation, start, reset and
 * teardown happen there with the BQL held.  Guest code runs in one vCPU
 * thread per hart (machine/vcpu.h).
 */
#ifndef MINIMU_MACHINE_VIRT_H
#define MINIMU_MACHINE_VIRT_H

#include "aio/main-loop.h"
#include "chardev/char.h"
#include "cpu/riscv/cpu.h"
#include "hw/goldfish-rtc.h"
#include "hw/riscv-aclint.h"
#include "hw/riscv-plic.h"
#include "hw/serial-16550.h"
#include "hw/sifive-test.h"
#include "machine/loader.h"
#include "machine/vcpu.h"
#include "mem/memory.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VIRT_MROM_BASE  0x1000
#define VIRT_MROM_SIZE  0xf000
#define VIRT_TEST_BASE  0x100000
#define VIRT_RTC_BASE   0x101000
#define VIRT_CLINT_BASE 0x2000000
#define VIRT_PLIC_BASE  0xc000000
#define VIRT_UART0_BASE 0x10000000
#define VIRT_DRAM_BASE  0x80000000ULL
#define VIRT_UART0_IRQ  10
#define VIRT_RTC_IRQ    11
#define VIRT_MAX_HARTS  8

#define VIRT_DEFAULT_RAM (128ULL << 20)

#define FW_DYNAMIC_INFO_MAGIC   0x4942534fULL /* "OSBI" */
#define FW_DYNAMIC_INFO_VERSION 2
#define FW_DYNAMIC_NEXT_MODE_S  1

typedef struct VirtConfig {
    uint64_t ram_size; /* bytes; 0 means VIRT_DEFAULT_RAM */
    int smp;           /* harts, 1..VIRT_MAX_HARTS */
    const char *bios;  /* firmware path; NULL: none (-kernel runs in M-mode) */
    const char *kernel;
    const char *initrd;
    const char *append;
    const char *dtb; /* use this device tree instead of the generated one */
    Chardev *serial; /* UART0's backend; NULL: output discarded */
    unsigned cpu_log_flags;
    FILE *cpu_log;       /* NULL: stderr */
    bool start_paused;   /* -S */
    bool no_reboot;      /* a guest reset exits with status 0 instead */
    const char *dumpdtb; /* -M virt,dumpdtb=FILE: write the DTB there, see dtb_dumped */
} VirtConfig;

typedef struct VirtMachine VirtMachine;

typedef struct VirtHart {
    VirtMachine *m;
    RISCVCPU *cpu;
    VCPU vcpu;
} VirtHart;

struct VirtMachine {
    VirtConfig cfg;
    MainLoop *ml;
    AioContext *ctx;
    AddressSpace as;
    MemoryRegion ram, mrom;
    AclintState *clint;
    PlicState *plic;
    SerialState uart;
    CharBackend uart_be;
    GoldfishRtcState *rtc;
    SifiveTestState test;
    VirtHart harts[VIRT_MAX_HARTS];
    int nr_harts;
    QEMUBH *reset_bh;
    bool started;
    bool dtb_dumped; /* cfg.dumpdtb was written: do not start, exit 0 */

    /* Where the images went (for the DTB's /chosen and the reset vector). */
    uint64_t kernel_entry; /* 0 when there is no kernel */
    uint64_t initrd_start, initrd_end;
    uint64_t fdt_addr;
    void *fdt;
    size_t fdt_size;
};

/*
 * Build the board and load the images.  Returns NULL after a one-line error
 * report (missing file, image too large for RAM, ELF for another machine...).
 * Main thread, BQL held.
 */
VirtMachine *virt_new(const VirtConfig *cfg, MainLoop *ml);
/* Start the vCPU threads (parked if cfg->start_paused).  0 or -1.  Main thread. */
int virt_start(VirtMachine *m);
/* Stop and join the vCPUs, then free every device.  NULL ignored.  Main thread, BQL held. */
void virt_free(VirtMachine *m);

/*
 * The generated device tree (virt-fdt.c): on success *blob (malloc'd) and
 * *size.  Needs the harts created and kernel/initrd placed.  0 or -1.
 */
int virt_fdt_build(VirtMachine *m, void **blob, size_t *size);

/* Load firmware, kernel, initrd, DTB and the reset vector into memory (virt-boot.c). */
int virt__load_images(VirtMachine *m);

#endif
