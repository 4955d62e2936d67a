/*
 * accel.h - the accelerator vtable: how a board runs guest code on a
 * hardware-assisted hypervisor (QEMU's AccelClass/AccelOpsClass, for KVM).
 *
 * The RISC-V board runs the interpreter (machine/vcpu.h); an x86-64 board on
 * an x86-64 host runs its vCPUs on KVM through these ops.  Both use the same
 * MemoryRegion/AddressSpace layer, device models, BQL and main loop: the
 * accelerator is one more implementation behind a vtable, and the board never
 * includes a host header.
 *
 * What an accelerator does with the board's address spaces:
 *   - RAM and ROM regions of @mem become guest memory (KVM memory slots; ROM
 *     read-only where the host allows it);
 *   - every other access of the guest to @mem (MMIO) and to @io (x86 port
 *     I/O) leaves the accelerator and is dispatched with address_space_ld/st
 *     in the vCPU thread, which takes the BQL unless the region is lockless.
 *
 * Threads: one host thread per vCPU runs guest code without the BQL.  The
 * other ops are called from the main thread with the BQL held, except
 * set_irq (any thread, BQL held: device models raise interrupts from vCPU
 * threads too) and stop callbacks (called in a vCPU thread, BQL not held).
 *
 * Implementations are provided by the platform layer: accel_kvm_ops() is
 * natively platform/native/kvm*.c; a platform without KVM returns NULL.
 */
#ifndef MINIMU_SYSTEM_ACCEL_H
#define MINIMU_SYSTEM_ACCEL_H

#include "mem/memory.h"
#include "platform.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct AccelState AccelState;

/* Why a vCPU stopped the machine (see AccelStopFn). */
typedef enum AccelStopReason {
    ACCEL_STOP_HLT,            /* HLT without an in-kernel irqchip (unit tests) */
    ACCEL_STOP_SHUTDOWN,       /* triple fault or a shutdown the hypervisor reported */
    ACCEL_STOP_RESET,          /* the hypervisor reported a guest reset request */
    ACCEL_STOP_INTERNAL_ERROR, /* the hypervisor could not run the guest (dumped) */
    ACCEL_STOP_HOST_ERROR,     /* an ioctl failed; one line was reported */
} AccelStopReason;

/*
 * A vCPU ends the run: called once per event, in the vCPU's thread, without
 * the BQL.  The vCPU thread has already reported what happened (register
 * dump for SHUTDOWN and INTERNAL_ERROR) and parks until the accelerator is
 * destroyed, so the callee normally just asks the main loop to quit.
 */
typedef void AccelStopFn(void *opaque, int vcpu_index, AccelStopReason reason);

typedef struct AccelConfig {
    AddressSpace *mem; /* guest-physical memory (RAM, ROM and MMIO) */
    AddressSpace *io;  /* x86 I/O ports; NULL: every port read returns all ones */
    int nr_vcpus;      /* 1..ACCEL_MAX_VCPUS */
    /* x86: in-kernel PIC + IOAPIC + LAPICs and the PIT (KVM_CREATE_IRQCHIP/PIT2). */
    bool irqchip;
    AccelStopFn *stop;
    void *opaque;
    FILE *log; /* register dumps and host-limit reports; NULL: stderr */
} AccelConfig;

#define ACCEL_MAX_VCPUS 16

/* A flat segment as the x86 boot code wants it (cached descriptor). */
typedef struct AccelX86Segment {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;
    uint8_t type; /* descriptor type field (e.g. 0xb code, 0x3 data) */
    bool present, s, l, db, g;
    uint8_t dpl;
} AccelX86Segment;

/*
 * The initial register state of one x86 vCPU: either 64-bit long mode with
 * flat segments (paging on, CR3 given) or real mode at cs:ip.
 */
typedef struct AccelX86Boot {
    bool long_mode;
    uint64_t rip, rsp, rsi, rdi, rax, rbx;
    /* long mode only */
    uint64_t cr3;
    uint64_t gdt_base;
    uint16_t gdt_limit;
    uint16_t code_selector, data_selector; /* Linux: __BOOT_CS 0x10, __BOOT_DS 0x18 */
    /* real mode only */
    uint16_t real_cs; /* rip is the offset in this segment */
} AccelX86Boot;

typedef struct AccelOps {
    const char *name;

    /*
     * Create the VM: open the hypervisor, create the vCPUs (not yet running),
     * map @cfg->mem's RAM.  Returns NULL after one line on stderr (no
     * /dev/kvm, no permission, host too old...).  Main thread, BQL held.
     */
    AccelState *(*init)(const AccelConfig *cfg);
    /* Stop and join every vCPU thread, free everything.  NULL ignored.  Main thread. */
    void (*destroy)(AccelState *s);

    /*
     * True if the host is a software nested hypervisor (kvm_pvm) that runs
     * CPL0 guest code through an instruction emulator (see docs/kvm.md).
     */
    bool (*is_emulated_cpl0)(AccelState *s);

    /* Set @vcpu's registers for the first run (before start).  0 or -1 (reported). */
    int (*x86_set_boot)(AccelState *s, int vcpu, const AccelX86Boot *boot);
    /*
     * Make @vcpu runnable at once (the BSP), or leave it waiting for INIT/SIPI
     * from another vCPU (an AP, as Linux expects).  Only with an irqchip.
     */
    int (*set_runnable)(AccelState *s, int vcpu, bool runnable);

    /* Start one thread per vCPU.  0 or -1 (reported).  Main thread. */
    int (*start)(AccelState *s);
    /* Kick every vCPU out of guest mode and park it; returns once all are parked. */
    void (*pause)(AccelState *s);
    void (*resume)(AccelState *s);

    /* Drive interrupt line @gsi of the in-kernel irqchip.  Any thread. */
    int (*set_irq)(AccelState *s, int gsi, int level);

    /*
     * Guest writes of @len bytes (1, 2, 4, 8) to @addr (port I/O if @pio)
     * signal @e inside the hypervisor, without leaving guest mode and without
     * any vCPU thread running device code.  0 or -errno.  Before start.
     */
    int (*add_ioeventfd)(AccelState *s, bool pio, uint64_t addr, unsigned len, EventNotifier *e);
    /* event_notifier_set(@e) from any thread injects an edge on @gsi, no vCPU exit. 0 or -errno. */
    int (*add_irqfd)(AccelState *s, int gsi, EventNotifier *e);

    /* Statistics: exits to userspace by kind (for tests and benchmarks). */
    uint64_t (*exit_count)(AccelState *s, int kind);
} AccelOps;

/* exit_count kinds */
enum { ACCEL_EXIT_IO, ACCEL_EXIT_MMIO, ACCEL_EXIT_OTHER, ACCEL_EXIT__MAX };

/* The KVM accelerator of this platform, or NULL if it has none. */
const AccelOps *accel_kvm_ops(void);

#endif
