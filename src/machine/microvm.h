/*
 * microvm.h - the x86-64 "microvm" board on the KVM accelerator (QEMU's
 * hw/i386/microvm.c, without BIOS, ACPI or PCI).
 *
 * Guest-physical map:
 *
 *   0x00000000  RAM  (e820: usable below 0x9fc00, reserved 0x9fc00-0x100000;
 *               the MP table at 0x9fc00, mptable.c)
 *   0x00001000    boot GDT (null, null, __BOOT_CS 0x10 64-bit code, __BOOT_DS 0x18)
 *   0x00007000    zero page (struct boot_params), %rsi at entry
 *   0x00009000    boot page tables: PML4, PDPT, 4 PDs identity-mapping 0-4 GiB (2 MiB pages)
 *   0x00020000    kernel command line
 *   0x00100000    kernel (bzImage protected-mode part at its 64-bit entry +0x200, or ELF)
 *   top of RAM    initrd (below 3 GiB and the kernel's initrd_addr_max, 2 MiB aligned down)
 *   0xc0000000  end of low RAM; RAM beyond 3 GiB continues at 0x100000000
 *   0xfeb00000  virtio-mmio slots, MICROVM_VIRTIO_SLOTS x 0x200, GSI 16 + n (IOAPIC pins)
 *   0xfec00000  IOAPIC, 0xfee00000 LAPIC (in-kernel, KVM)
 *
 * I/O ports: COM1 16550A at 0x3f8 (GSI 4); the in-kernel PIT (0x40, GSI 0)
 * and PICs; the power-off port 0x501 (write a byte: minimu exits with that
 * status); reset through 0x64 <- 0xfe or 0xcf9 <- 0x06 (or a reset KVM reports):
 * the machine reboots in place - a fresh VM on the same RAM, images loaded
 * again - or, with -no-reboot, minimu exits with status 0; the doorbell port 0x510
 * (a 32-bit write is an ioeventfd answered by an IOThread with an irqfd
 * interrupt on GSI MICROVM_DOORBELL_GSI, see docs/kvm.md).
 *
 * The kernel command line gets "virtio_mmio.device=512@0xfeb00000:16 ..."
 * appended for every slot, so Linux finds the transports without ACPI; an
 * empty slot answers with device ID 0 and is ignored by the driver.
 *
 * Boot: a bzImage (setup header "HdrS", protocol >= 2.12, XLF_KERNEL_64) is
 * entered at its 64-bit entry with %rsi = zero page, in long mode with the
 * page tables and GDT above, as the Linux x86 boot protocol describes; a plain
 * x86-64 ELF is entered at e_entry the same way.  APs wait for INIT/SIPI.
 */
#ifndef MINIMU_MACHINE_MICROVM_H
#define MINIMU_MACHINE_MICROVM_H

#include <stdbool.h>
#include <stdint.h>

#define MICROVM_GDT_ADDR      0x1000
#define MICROVM_ZERO_PAGE     0x7000
#define MICROVM_PAGE_TABLES   0x9000
#define MICROVM_BOOT_STACK    0x1fff0
#define MICROVM_CMDLINE_ADDR  0x20000
#define MICROVM_CMDLINE_MAX   0x10000
#define MICROVM_KERNEL_ADDR   0x100000
#define MICROVM_LOW_RAM_END   0xc0000000ULL
#define MICROVM_HIGH_RAM_BASE 0x100000000ULL
#define MICROVM_VIRTIO_BASE   0xfeb00000ULL
#define MICROVM_VIRTIO_SIZE   0x200
#define MICROVM_VIRTIO_SLOTS  8
#define MICROVM_VIRTIO_GSI    16
#define MICROVM_COM1_PORT     0x3f8
#define MICROVM_COM1_GSI      4
#define MICROVM_POWER_PORT    0x501
#define MICROVM_DOORBELL_PORT 0x510
#define MICROVM_DOORBELL_GSI  5
#define MICROVM_MAX_VCPUS     16
#define MICROVM_DEFAULT_RAM   (256ULL << 20)

typedef struct MicrovmOptions {
    uint64_t ram_size; /* bytes; 0: MICROVM_DEFAULT_RAM */
    int smp;           /* vCPUs; 0: 1 */
    const char *kernel;
    const char *initrd; /* NULL: none */
    const char *append; /* NULL: "" */
    const char *serial; /* chardev spec for COM1 ("stdio", "null", ...); NULL: "stdio" */
    bool no_reboot;
    /* Print exit statistics (exits by kind, doorbells) on stderr at the end. */
    bool stats;
} MicrovmOptions;

/*
 * Run the board: create the main loop, the KVM VM and devices, load the
 * images, run until the guest powers off (or resets, or a vCPU stops with an
 * error, or SIGINT/SIGTERM), tear everything down.  Returns the process exit
 * status: the guest's power-off status; 1 after an error line (no /dev/kvm,
 * a bad image) or a vCPU failure (register dump); 128 + signal.
 * Main thread, once; the caller must not hold the BQL or have a MainLoop.
 */
int microvm_main(const MicrovmOptions *opts);

#endif
