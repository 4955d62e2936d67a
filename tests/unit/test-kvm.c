/*
 * test-kvm.c - the KVM accelerator (system/accel.h) on small real-mode and
 * long-mode snippets: port I/O and MMIO exits reach the AddressSpace's
 * devices, an ioeventfd write reaches its EventNotifier without an exit, HLT
 * stops the machine through the stop callback.
 *
 * Skipped (cmocka skip()) where /dev/kvm is missing or not accessible.  On
 * kvm_pvm (a software nested hypervisor) CPL0 code is emulated; the snippets
 * only use instructions it runs.
 */
#include "aio/main-loop.h"
#include "mem/memory.h"
#include "platform.h"
#include "system/accel.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Guest code, assembled by the host assembler into .rodata (copied into guest RAM). */
__asm__(".pushsection .rodata\n"
        ".globl test_kvm_real_start, test_kvm_real_end\n"
        ".hidden test_kvm_real_start, test_kvm_real_end\n"
        "test_kvm_real_start:\n"
        ".code16\n"
        "    mov $0x1234, %ax\n"
        "    out %ax, $0x10\n" /* 2-byte write to port 0x10 */
        "    in $0x11, %al\n"  /* 1-byte read: the device answers 0x5a */
        "    out %al, $0x12\n" /* echo it back */
        "    in $0x40, %al\n"  /* unassigned: reads all ones */
        "    out %al, $0x13\n"
        "    hlt\n"
        ".code64\n"
        "test_kvm_real_end:\n"
        ".globl test_kvm_long_start, test_kvm_long_end\n"
        ".hidden test_kvm_long_start, test_kvm_long_end\n"
        "test_kvm_long_start:\n"
        "    mov $0xd0000000, %rax\n"
        "    movl $0xdeadbeef, (%rax)\n" /* MMIO write, 4 bytes */
        "    mov 8(%rax), %rbx\n"        /* MMIO read, 8 bytes */
        "    mov %ebx, %eax\n"
        "    mov $0x12, %dx\n"
        "    out %eax, %dx\n" /* low half to port 0x12 (4 bytes) */
        "    mov $7, %eax\n"
        "    out %eax, $0x20\n" /* doorbell: an ioeventfd, no exit */
        "    hlt\n"
        "test_kvm_long_end:\n"
        ".popsection\n");
extern const uint8_t test_kvm_real_start[], test_kvm_real_end[];
extern const uint8_t test_kvm_long_start[], test_kvm_long_end[];

typedef struct Fixture {
    AddressSpace mem, io;
    MemoryRegion ram, mmio, ports;
    const AccelOps *ops;
    AccelState *accel;
    QemuSemaphore stopped;
    AccelStopReason reason;
    /* device log */
    uint64_t port_writes[8];
    unsigned port_sizes[8];
    uint64_t mmio_written;
    unsigned mmio_write_size;
    int mmio_reads;
} Fixture;

static uint64_t port_read(void *opaque, hwaddr addr, unsigned size)
{
    return addr == 1 ? 0x5a : 0;
}

static void port_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Fixture *f = opaque;
    f->port_writes[addr] = val;
    f->port_sizes[addr] = size;
}

static const MemoryRegionOps port_ops = {.read = port_read,
                                         .write = port_write,
                                         .min_access_size = 1,
                                         .max_access_size = 4,
                                         .unaligned_ok = true};

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    Fixture *f = opaque;
    f->mmio_reads++;
    return addr == 8 ? 0x11223344cafef00dULL : 0;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Fixture *f = opaque;
    if (addr == 0) {
        f->mmio_written = val;
        f->mmio_write_size = size;
    }
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read, .write = mmio_write, .min_access_size = 1, .max_access_size = 8};

static void on_stop(void *opaque, int vcpu, AccelStopReason reason)
{
    Fixture *f = opaque;
    f->reason = reason;
    qemu_sem_post(&f->stopped);
}

static int setup(void **state)
{
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        print_message("/dev/kvm is missing or not accessible: KVM tests skipped\n");
        *state = NULL;
        return 0;
    }
    Fixture *f = calloc(1, sizeof(*f));
    address_space_init(&f->mem, "mem");
    address_space_init(&f->io, "io");
    assert_int_equal(memory_region_init_ram(&f->ram, "ram", 16 << 20), 0);
    memory_region_init_io(&f->mmio, "mmio", &mmio_ops, f, 0x1000);
    memory_region_init_io(&f->ports, "ports", &port_ops, f, 8);
    assert_int_equal(address_space_map_region(&f->mem, 0, &f->ram), 0);
    assert_int_equal(address_space_map_region(&f->mem, 0xd0000000, &f->mmio), 0);
    assert_int_equal(address_space_map_region(&f->io, 0x10, &f->ports), 0);
    qemu_sem_init(&f->stopped, 0);
    f->ops = accel_kvm_ops();
    assert_non_null(f->ops);
    AccelConfig cfg = {.mem = &f->mem,
                       .io = &f->io,
                       .nr_vcpus = 1,
                       .irqchip = false,
                       .stop = on_stop,
                       .opaque = f};
    f->accel = f->ops->init(&cfg);
    assert_non_null(f->accel);
    if (f->ops->is_emulated_cpl0(f->accel)) {
        print_message("kvm_pvm detected: CPL0 guest code runs through KVM's emulator\n");
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    if (!f) {
        return 0;
    }
    f->ops->destroy(f->accel);
    qemu_sem_destroy(&f->stopped);
    address_space_destroy(&f->mem);
    address_space_destroy(&f->io);
    memory_region_destroy(&f->ram);
    free(f);
    return 0;
}

/* Run until the stop callback; generous bound so a loaded host does not flake. */
static void run_to_stop(Fixture *f)
{
    assert_int_equal(f->ops->start(f->accel), 0);
    assert_true(qemu_sem_timedwait_ns(&f->stopped, 30LL * 1000 * 1000 * 1000));
}

static void test_real_mode_pio(void **state)
{
    Fixture *f = *state;
    if (!f) {
        skip();
    }
    size_t len = (size_t)(test_kvm_real_end - test_kvm_real_start);
    memcpy(f->ram.ram + 0x1000, test_kvm_real_start, len);
    AccelX86Boot b = {.long_mode = false, .real_cs = 0x100, .rip = 0, .rsp = 0x8000};
    assert_int_equal(f->ops->x86_set_boot(f->accel, 0, &b), 0);
    run_to_stop(f);

    assert_int_equal(f->reason, ACCEL_STOP_HLT);
    assert_int_equal(f->port_writes[0], 0x1234);
    assert_int_equal(f->port_sizes[0], 2);
    assert_int_equal(f->port_writes[2], 0x5a);
    assert_int_equal(f->port_writes[3], 0xff);
    assert_int_equal(f->ops->exit_count(f->accel, ACCEL_EXIT_IO), 5);
}

/* Identity-map the low 4 GiB with 2 MiB pages: PML4 0x1000, PDPT 0x2000, PDs 0x3000.. */
static void build_page_tables(uint8_t *ram)
{
    uint64_t *pml4 = (uint64_t *)(ram + 0x1000);
    uint64_t *pdpt = (uint64_t *)(ram + 0x2000);
    uint64_t *pd = (uint64_t *)(ram + 0x3000);
    pml4[0] = 0x2000 | 3;
    for (int i = 0; i < 4; i++) {
        pdpt[i] = (0x3000 + 0x1000 * (uint64_t)i) | 3;
    }
    for (uint64_t i = 0; i < 2048; i++) {
        pd[i] = (i << 21) | 0x83;
    }
}

static void test_long_mode_mmio_and_ioeventfd(void **state)
{
    Fixture *f = *state;
    if (!f) {
        skip();
    }
    static const uint64_t gdt[] = {0, 0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL};
    EventNotifier doorbell;
    assert_int_equal(event_notifier_init(&doorbell, false), 0);
    assert_int_equal(f->ops->add_ioeventfd(f->accel, true, 0x20, 4, &doorbell), 0);

    build_page_tables(f->ram.ram);
    memcpy(f->ram.ram + 0x500, gdt, sizeof(gdt));
    memcpy(f->ram.ram + 0x8000, test_kvm_long_start,
           (size_t)(test_kvm_long_end - test_kvm_long_start));
    AccelX86Boot b = {.long_mode = true,
                      .rip = 0x8000,
                      .rsp = 0x7000,
                      .cr3 = 0x1000,
                      .gdt_base = 0x500,
                      .gdt_limit = sizeof(gdt) - 1,
                      .code_selector = 0x10,
                      .data_selector = 0x18};
    assert_int_equal(f->ops->x86_set_boot(f->accel, 0, &b), 0);
    run_to_stop(f);

    assert_int_equal(f->reason, ACCEL_STOP_HLT);
    assert_int_equal(f->mmio_written, 0xdeadbeef);
    assert_int_equal(f->mmio_write_size, 4);
    assert_int_equal(f->mmio_reads, 1);
    assert_int_equal(f->port_writes[2], 0xcafef00d);
    assert_int_equal(f->port_sizes[2], 4);
    /* The doorbell was signalled inside KVM: only port 0x12 exited to userspace. */
    assert_true(event_notifier_test_and_clear(&doorbell));
    assert_int_equal(f->ops->exit_count(f->accel, ACCEL_EXIT_IO), 1);
    assert_int_equal(f->ops->exit_count(f->accel, ACCEL_EXIT_MMIO), 2);
    f->ops->destroy(f->accel);
    f->accel = NULL;
    event_notifier_cleanup(&doorbell);
    /* teardown's destroy(NULL) is a no-op */
}

static void test_pause_resume_and_destroy_running(void **state)
{
    Fixture *f = *state;
    if (!f) {
        skip();
    }
    /* jmp . : a guest that never exits; pause must still kick it out. */
    static const uint8_t spin[] = {0xeb, 0xfe};
    memcpy(f->ram.ram + 0x1000, spin, sizeof(spin));
    AccelX86Boot b = {.long_mode = false, .real_cs = 0x100, .rip = 0};
    assert_int_equal(f->ops->x86_set_boot(f->accel, 0, &b), 0);
    assert_int_equal(f->ops->start(f->accel), 0);
    f->ops->pause(f->accel);
    f->ops->resume(f->accel);
    f->ops->pause(f->accel);
    f->ops->resume(f->accel);
    assert_false(qemu_sem_timedwait_ns(&f->stopped, 1000 * 1000));
    /* teardown destroys it while it runs */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_mode_pio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_mode_mmio_and_ioeventfd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_resume_and_destroy_running, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
