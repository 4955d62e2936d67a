/*
 * microvm-int.h - the microvm board's state, shared by microvm.c (devices,
 * run, teardown) and microvm-boot.c (images, zero page, page tables).
 */
#ifndef MINIMU_MACHINE_MICROVM_INT_H
#define MINIMU_MACHINE_MICROVM_INT_H

#include "aio/iothread.h"
#include "aio/main-loop.h"
#include "chardev/char.h"
#include "hw/serial-16550.h"
#include "machine/microvm.h"
#include "mem/memory.h"
#include "system/accel.h"

#include <stdatomic.h>

/*
 * The MP table (machine/mptable.h) in the last KiB of base memory, one of the places Linux
 * scans for it; e820 reserves 0x9fc00-0x100000.  It lists one pin per GSI the board uses:
 * the ISA IRQs and the virtio-mmio slots (KVM's IOAPIC has 24 pins).
 */
#define MICROVM_MPTABLE_ADDR 0x9fc00
#define MICROVM_MPTABLE_MAX  0x400
#define MICROVM_IOAPIC_PINS  (MICROVM_VIRTIO_GSI + MICROVM_VIRTIO_SLOTS)

typedef struct Microvm {
    MicrovmOptions opts;
    QEMUClocks *clocks;
    MainLoop *ml;
    AddressSpace mem, io;
    MemoryRegion ram_low, ram_high;
    MemoryRegion com1_io, power_io, kbd_io, cf9_io, doorbell_io;
    MemoryRegion virtio[MICROVM_VIRTIO_SLOTS];

    SerialState uart;
    Chardev *chr;
    CharBackend uart_be;

    const AccelOps *ops;
    AccelState *accel;
    AccelConfig accel_cfg;
    /* A reset request is being turned into a reboot (one at a time; any thread sets it). */
    atomic_bool reset_pending;
    unsigned reboots;

    /* The doorbell: ioeventfd -> IOThread -> irqfd (docs/kvm.md). */
    IOThread *iothread;
    EventNotifier doorbell, doorbell_irq;
    bool doorbell_ioeventfd; /* registered with KVM (else rung by a PIO exit) */
    bool doorbell_handler;   /* handler installed in the IOThread */
    QemuSemaphore iothread_sem;
    atomic_uint_fast64_t doorbells, doorbells_by_exit;

    uint64_t entry;      /* 64-bit entry point */
    bool bzimage;        /* Linux boot protocol (else a plain ELF) */
    uint64_t kernel_end; /* one past the kernel and what it needs to decompress */
    uint64_t initrd_addr, initrd_size;
} Microvm;

/* Load kernel and initrd, build the zero page, e820, cmdline, GDT, page tables. 0 or -1. */
int microvm__load_images(Microvm *m);

#endif
