/* microvm.c - the microvm board: devices, the doorbell IOThread, run and teardown; see microvm.h. */
#include "machine/microvm-int.h"

#include "util/error.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- COM1: the 16550A model on a port-I/O window --------------------------------------------- */

static uint64_t com1_read(void *opaque, hwaddr addr, unsigned size)
{
    Microvm *m = opaque;
    return serial_reg_read(&m->uart, (unsigned)addr);
}

static void com1_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Microvm *m = opaque;
    serial_reg_write(&m->uart, (unsigned)addr, (uint8_t)val);
}

static const MemoryRegionOps com1_ops = {
    .read = com1_read, .write = com1_write, .min_access_size = 1, .max_access_size = 1};

/* The UART's interrupt line drives GSI 4 of the in-kernel PIC/IOAPIC (BQL held, any thread). */
static void com1_set_irq(void *opaque, int n, int level)
{
    Microvm *m = opaque;
    if (m->accel) {
        m->ops->set_irq(m->accel, n, level);
    }
}

static void uart_tx(void *opaque, const uint8_t *buf, size_t len)
{
    Microvm *m = opaque;
    qemu_chr_fe_write_all(&m->uart_be, buf, len);
}

static void uart_rx_ready(void *opaque)
{
    Microvm *m = opaque;
    qemu_chr_fe_accept_input(&m->uart_be);
}

static size_t uart_can_read(void *opaque)
{
    Microvm *m = opaque;
    return serial_can_receive(&m->uart);
}

static void uart_read(void *opaque, const uint8_t *buf, size_t len)
{
    Microvm *m = opaque;
    serial_receive(&m->uart, buf, len);
}

static void uart_event(void *opaque, QEMUChrEvent ev)
{
    Microvm *m = opaque;
    if (ev == CHR_EVENT_BREAK) {
        serial_receive_break(&m->uart);
    }
}

/* ---- power off and reset ------------------------------------------------------------------------ */

static uint64_t read_none(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

/* Port 0x501: the guest's power-off, with its exit status (vCPU thread, BQL held). */
static void power_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Microvm *m = opaque;
    main_loop_quit(m->ml, (int)(val & 0xff));
}

static const MemoryRegionOps power_ops = {
    .read = read_none, .write = power_write, .min_access_size = 1, .max_access_size = 4};

static void microvm_reboot_bh(void *opaque);

/*
 * The guest asked for a reset (vCPU thread; BQL held for a port write, not for a
 * hypervisor-reported reset).  With -no-reboot minimu ends with status 0; otherwise the
 * main loop reboots the machine in place (microvm_reboot_bh).
 */
static void guest_reset(Microvm *m)
{
    if (m->opts.no_reboot) {
        main_loop_quit(m->ml, 0);
        return;
    }
    if (!atomic_exchange(&m->reset_pending, true)) {
        aio_bh_schedule_oneshot(main_loop_get_aio_context(m->ml), microvm_reboot_bh, m);
    }
}

/* 0x64 <- 0xfe (keyboard controller pulse) and 0xcf9 <- 0x06/0x0e: Linux's reboot=k / reboot=p. */
static void kbd_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    if ((val & 0xff) == 0xfe) {
        guest_reset(opaque);
    }
}

static void cf9_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    if (val & 0x04) {
        guest_reset(opaque);
    }
}

static const MemoryRegionOps kbd_ops = {
    .read = read_none, .write = kbd_write, .min_access_size = 1, .max_access_size = 1};
static const MemoryRegionOps cf9_ops = {
    .read = read_none, .write = cf9_write, .min_access_size = 1, .max_access_size = 1};

static void accel_stopped(void *opaque, int vcpu, AccelStopReason reason)
{
    Microvm *m = opaque;
    if (reason == ACCEL_STOP_RESET) {
        guest_reset(m);
    } else {
        main_loop_quit(m->ml, 1);
    }
}

/* ---- empty virtio-mmio slots (device ID 0: the driver skips them) ------------------------------- */

static uint64_t virtio_read(void *opaque, hwaddr addr, unsigned size)
{
    switch (addr) {
    case 0x000: return 0x74726976; /* "virt" */
    case 0x004: return 2;          /* version */
    case 0x00c: return 0x554d4551; /* vendor, as QEMU */
    default: return 0;
    }
}

static void virtio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
}

static const MemoryRegionOps virtio_ops = {
    .read = virtio_read, .write = virtio_write, .min_access_size = 1, .max_access_size = 4};

/* ---- the doorbell: ioeventfd -> IOThread -> irqfd ------------------------------------------------- */

/* IOThread: the guest rang; answer with an interrupt (no vCPU exit on either side). */
static void doorbell_rung(EventNotifier *e)
{
    Microvm *m = (Microvm *)((char *)e - offsetof(Microvm, doorbell));
    if (event_notifier_test_and_clear(e)) {
        atomic_fetch_add(&m->doorbells, 1);
        event_notifier_set(&m->doorbell_irq);
    }
}

/* Without an ioeventfd the same write exits to this vCPU-thread handler instead. */
static void doorbell_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Microvm *m = opaque;
    atomic_fetch_add(&m->doorbells_by_exit, 1);
    event_notifier_set(&m->doorbell);
}

static const MemoryRegionOps doorbell_ops = {
    .read = read_none, .write = doorbell_write, .min_access_size = 1, .max_access_size = 4};

/* Handlers of a running IOThread's context are changed from that thread (aio.h). */
static void doorbell_attach_bh(void *opaque)
{
    Microvm *m = opaque;
    aio_set_event_notifier(iothread_get_aio_context(m->iothread), &m->doorbell, doorbell_rung, NULL,
                           NULL);
    qemu_sem_post(&m->iothread_sem);
}

static void doorbell_detach_bh(void *opaque)
{
    Microvm *m = opaque;
    aio_set_event_notifier(iothread_get_aio_context(m->iothread), &m->doorbell, NULL, NULL, NULL);
    qemu_sem_post(&m->iothread_sem);
}

static int doorbell_setup(Microvm *m)
{
    if (event_notifier_init(&m->doorbell, false) < 0 ||
        event_notifier_init(&m->doorbell_irq, false) < 0) {
        error_report("microvm: cannot create the doorbell's event notifiers");
        return -1;
    }
    m->iothread = iothread_create("doorbell", m->clocks);
    if (!m->iothread) {
        return -1;
    }
    aio_bh_schedule_oneshot(iothread_get_aio_context(m->iothread), doorbell_attach_bh, m);
    qemu_sem_wait(&m->iothread_sem);
    m->doorbell_handler = true;
    return 0;
}

/* Register the doorbell's notifiers with a new VM (at start and after each reboot). */
static int doorbell_connect(Microvm *m)
{
    int r = m->ops->add_irqfd(m->accel, MICROVM_DOORBELL_GSI, &m->doorbell_irq);
    if (r < 0) {
        error_report("microvm: KVM_IRQFD on GSI %d failed (%d)", MICROVM_DOORBELL_GSI, r);
        return -1;
    }
    m->doorbell_ioeventfd =
        m->ops->add_ioeventfd(m->accel, true, MICROVM_DOORBELL_PORT, 4, &m->doorbell) == 0;
    if (!m->doorbell_ioeventfd && !m->reboots) {
        warn_report("microvm: no ioeventfd for the doorbell; it will exit to userspace");
    }
    return 0;
}

static void doorbell_teardown(Microvm *m)
{
    if (m->doorbell_handler) {
        aio_bh_schedule_oneshot(iothread_get_aio_context(m->iothread), doorbell_detach_bh, m);
        qemu_sem_wait(&m->iothread_sem);
    }
    if (m->iothread) {
        iothread_destroy(m->iothread);
    }
    if (m->doorbell.initialized) {
        event_notifier_cleanup(&m->doorbell);
    }
    if (m->doorbell_irq.initialized) {
        event_notifier_cleanup(&m->doorbell_irq);
    }
}

/* ---- construction ------------------------------------------------------------------------------- */

static int map(AddressSpace *as, hwaddr base, MemoryRegion *mr)
{
    if (address_space_map_region(as, base, mr) < 0) {
        error_report("microvm: cannot map %s at 0x%llx", mr->name, (unsigned long long)base);
        return -1;
    }
    return 0;
}

static int build_memory(Microvm *m)
{
    uint64_t size = m->opts.ram_size;
    uint64_t low = size < MICROVM_LOW_RAM_END ? size : MICROVM_LOW_RAM_END;
    if (size < (16ULL << 20)) {
        error_report("-m: microvm needs at least 16 MiB of RAM");
        return -1;
    }
    if (memory_region_init_ram(&m->ram_low, "microvm.ram", low) < 0 ||
        (size > low && memory_region_init_ram(&m->ram_high, "microvm.ram-high", size - low) < 0)) {
        error_report("-m: cannot allocate %llu MiB of guest RAM", (unsigned long long)(size >> 20));
        return -1;
    }
    if (map(&m->mem, 0, &m->ram_low) < 0 ||
        (m->ram_high.size && map(&m->mem, MICROVM_HIGH_RAM_BASE, &m->ram_high) < 0)) {
        return -1;
    }
    for (int i = 0; i < MICROVM_VIRTIO_SLOTS; i++) {
        memory_region_init_io(&m->virtio[i], "virtio-mmio", &virtio_ops, m, MICROVM_VIRTIO_SIZE);
        if (map(&m->mem, MICROVM_VIRTIO_BASE + (uint64_t)i * MICROVM_VIRTIO_SIZE, &m->virtio[i]) <
            0) {
            return -1;
        }
    }
    return 0;
}

static int build_ports(Microvm *m)
{
    serial_init(&m->uart, 0, uart_tx, uart_rx_ready, m);
    qemu_irq_connect(&m->uart.irq, com1_set_irq, m, MICROVM_COM1_GSI);
    memory_region_init_io(&m->com1_io, "com1", &com1_ops, m, 8);
    memory_region_init_io(&m->power_io, "power-off", &power_ops, m, 1);
    memory_region_init_io(&m->kbd_io, "i8042-reset", &kbd_ops, m, 1);
    memory_region_init_io(&m->cf9_io, "reset-control", &cf9_ops, m, 1);
    memory_region_init_io(&m->doorbell_io, "doorbell", &doorbell_ops, m, 4);
    if (map(&m->io, MICROVM_COM1_PORT, &m->com1_io) < 0 ||
        map(&m->io, MICROVM_POWER_PORT, &m->power_io) < 0 || map(&m->io, 0x64, &m->kbd_io) < 0 ||
        map(&m->io, 0xcf9, &m->cf9_io) < 0 ||
        map(&m->io, MICROVM_DOORBELL_PORT, &m->doorbell_io) < 0) {
        return -1;
    }
    return 0;
}

static int start_vcpus(Microvm *m)
{
    AccelX86Boot b = {
        .long_mode = true,
        .rip = m->entry,
        .rsp = MICROVM_BOOT_STACK,
        .rsi = MICROVM_ZERO_PAGE,
        .cr3 = MICROVM_PAGE_TABLES,
        .gdt_base = MICROVM_GDT_ADDR,
        .gdt_limit = 4 * 8 - 1,
        .code_selector = 0x10,
        .data_selector = 0x18,
    };
    /* Only the BSP enters the kernel; APs wait for INIT/SIPI from it, as on a PC. */
    if (m->ops->x86_set_boot(m->accel, 0, &b) < 0) {
        return -1;
    }
    return m->ops->start(m->accel);
}

/*
 * Reboot in place (main thread, BQL held): a fresh VM on the same RAM - new vCPUs, irqchip
 * and PIT in their reset state, as after a hardware reset - with the images loaded again and
 * the BSP at the kernel's entry.  RAM is otherwise kept, as QEMU keeps it across a reset.
 */
static void microvm_reboot_bh(void *opaque)
{
    Microvm *m = opaque;
    m->ops->destroy(m->accel); /* joins the vCPU threads (drops the BQL meanwhile) */
    m->accel = NULL;
    m->reboots++;
    serial_reset(&m->uart);
    m->accel = m->ops->init(&m->accel_cfg);
    if (!m->accel || microvm__load_images(m) < 0 || doorbell_connect(m) < 0 || start_vcpus(m) < 0) {
        error_report("microvm: the reboot failed");
        main_loop_quit(m->ml, 1);
        return;
    }
    atomic_store(&m->reset_pending, false);
}

static void print_stats(Microvm *m)
{
    fprintf(stderr,
            "microvm: exits: io %llu, mmio %llu, other %llu; doorbells answered %llu "
            "(%llu via a userspace exit); reboots %u\n",
            (unsigned long long)m->ops->exit_count(m->accel, ACCEL_EXIT_IO),
            (unsigned long long)m->ops->exit_count(m->accel, ACCEL_EXIT_MMIO),
            (unsigned long long)m->ops->exit_count(m->accel, ACCEL_EXIT_OTHER),
            (unsigned long long)atomic_load(&m->doorbells),
            (unsigned long long)atomic_load(&m->doorbells_by_exit), m->reboots);
}

static void microvm_free(Microvm *m)
{
    /* vCPUs first: they may be inside a device callback. */
    if (m->accel) {
        m->ops->destroy(m->accel);
        m->accel = NULL;
    }
    doorbell_teardown(m);
    if (m->chr) {
        qemu_chr_fe_deinit(&m->uart_be);
        qemu_chr_delete(m->chr);
    }
    address_space_destroy(&m->io);
    address_space_destroy(&m->mem);
    memory_region_destroy(&m->ram_low);
    memory_region_destroy(&m->ram_high);
    qemu_sem_destroy(&m->iothread_sem);
}

int microvm_main(const MicrovmOptions *opts)
{
    Microvm *m = calloc(1, sizeof(*m));
    int status = 1;
    if (!m) {
        error_report("microvm: out of memory");
        return 1;
    }
    m->opts = *opts;
    if (!m->opts.ram_size) {
        m->opts.ram_size = MICROVM_DEFAULT_RAM;
    }
    if (m->opts.smp < 1) {
        m->opts.smp = 1;
    }
    qemu_sem_init(&m->iothread_sem, 0);
    address_space_init(&m->mem, "memory");
    address_space_init(&m->io, "I/O");
    m->clocks = qemu_clocks_new();
    m->ml = m->clocks ? main_loop_new(m->clocks) : NULL;
    if (!m->ml) {
        goto out;
    }
    m->ops = accel_kvm_ops();
    if (!m->ops) {
        error_report("-accel kvm: this build has no KVM; RISC-V guests run on the interpreter");
        goto out;
    }
    if (m->opts.smp > MICROVM_MAX_VCPUS) {
        error_report("-smp: %d vCPUs requested, microvm supports at most %d", m->opts.smp,
                     MICROVM_MAX_VCPUS);
        goto out;
    }
    if (build_memory(m) < 0 || build_ports(m) < 0) {
        goto out;
    }
    m->accel_cfg = (AccelConfig){.mem = &m->mem,
                                 .io = &m->io,
                                 .nr_vcpus = m->opts.smp,
                                 .irqchip = true,
                                 .stop = accel_stopped,
                                 .opaque = m};
    m->accel = m->ops->init(&m->accel_cfg);
    if (!m->accel || microvm__load_images(m) < 0 || doorbell_setup(m) < 0 ||
        doorbell_connect(m) < 0) {
        goto out;
    }
    m->chr = qemu_chr_new("serial0", m->opts.serial ? m->opts.serial : "stdio", m->ml);
    if (!m->chr) {
        goto out;
    }
    qemu_chr_fe_init(&m->uart_be, m->chr);
    qemu_chr_fe_set_handlers(&m->uart_be, uart_can_read, uart_read, uart_event, m);
    if (start_vcpus(m) < 0) {
        goto out;
    }
    status = main_loop_run(m->ml);
    if (m->opts.stats) {
        print_stats(m);
    }

out:
    microvm_free(m);
    if (m->ml) {
        main_loop_free(m->ml);
    }
    if (m->clocks) {
        qemu_clocks_free(m->clocks);
    }
    free(m);
    return status;
}
