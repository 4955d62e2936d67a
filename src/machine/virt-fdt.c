/*
 * virt-fdt.c - the virt board's device tree, in the shape QEMU generates
 * (compare: qemu-system-riscv64 -M virt,dumpdtb=virt.dtb; dtc -I dtb virt.dtb).
 * Only the devices minimu models are described; no PCI, virtio or flash.
 */
#include "hw/fdt.h"
#include "machine/virt.h"

#include <stdio.h>

static void fdt_cpus(VirtMachine *m, Fdt *f, uint32_t *cpu_ph, uint32_t *intc_ph)
{
    char name[32];

    fdt_begin_node(f, "cpus");
    fdt_prop_u32(f, "#address-cells", 1);
    fdt_prop_u32(f, "#size-cells", 0);
    fdt_prop_u32(f, "timebase-frequency", ACLINT_TIMEBASE_FREQ);
    for (int h = 0; h < m->nr_harts; h++) {
        RISCVCPU *cpu = m->harts[h].cpu;
        char mmu[32];
        snprintf(name, sizeof(name), "cpu@%d", h);
        snprintf(mmu, sizeof(mmu), "riscv,%s", riscv_cpu_mmu_type(cpu));
        fdt_begin_node(f, name);
        fdt_prop_phandle(f, cpu_ph[h]);
        fdt_prop_string(f, "device_type", "cpu");
        fdt_prop_u32(f, "reg", (uint32_t)h);
        fdt_prop_string(f, "status", "okay");
        fdt_prop_string(f, "compatible", "riscv");
        fdt_prop_string(f, "riscv,isa", riscv_cpu_isa_string(cpu));
        fdt_prop_string(f, "mmu-type", mmu);
        fdt_begin_node(f, "interrupt-controller");
        fdt_prop_u32(f, "#interrupt-cells", 1);
        fdt_prop_empty(f, "interrupt-controller");
        fdt_prop_string(f, "compatible", "riscv,cpu-intc");
        fdt_prop_phandle(f, intc_ph[h]);
        fdt_end_node(f);
        fdt_end_node(f);
    }
    fdt_begin_node(f, "cpu-map");
    fdt_begin_node(f, "cluster0");
    for (int h = 0; h < m->nr_harts; h++) {
        snprintf(name, sizeof(name), "core%d", h);
        fdt_begin_node(f, name);
        fdt_prop_u32(f, "cpu", cpu_ph[h]);
        fdt_end_node(f);
    }
    fdt_end_node(f);
    fdt_end_node(f);
    fdt_end_node(f);
}

static void fdt_soc(VirtMachine *m, Fdt *f, const uint32_t *intc_ph, uint32_t plic_ph,
                    uint32_t test_ph)
{
    char name[48];
    uint32_t cells[4 * VIRT_MAX_HARTS];

    fdt_begin_node(f, "soc");
    fdt_prop_u32(f, "#address-cells", 2);
    fdt_prop_u32(f, "#size-cells", 2);
    fdt_prop_string(f, "compatible", "simple-bus");
    fdt_prop_empty(f, "ranges");

    snprintf(name, sizeof(name), "rtc@%x", VIRT_RTC_BASE);
    fdt_begin_node(f, name);
    fdt_prop_u32(f, "interrupts", VIRT_RTC_IRQ);
    fdt_prop_u32(f, "interrupt-parent", plic_ph);
    FDT_PROP_CELLS(f, "reg", 0, VIRT_RTC_BASE, 0, GOLDFISH_RTC_MMIO_SIZE);
    fdt_prop_string(f, "compatible", "google,goldfish-rtc");
    fdt_end_node(f);

    snprintf(name, sizeof(name), "serial@%x", VIRT_UART0_BASE);
    fdt_begin_node(f, name);
    fdt_prop_u32(f, "interrupts", VIRT_UART0_IRQ);
    fdt_prop_u32(f, "interrupt-parent", plic_ph);
    fdt_prop_u32(f, "clock-frequency", 3686400);
    FDT_PROP_CELLS(f, "reg", 0, VIRT_UART0_BASE, 0, SERIAL_MMIO_SIZE);
    fdt_prop_string(f, "compatible", "ns16550a");
    fdt_end_node(f);

    snprintf(name, sizeof(name), "test@%x", VIRT_TEST_BASE);
    fdt_begin_node(f, name);
    fdt_prop_phandle(f, test_ph);
    FDT_PROP_CELLS(f, "reg", 0, VIRT_TEST_BASE, 0, SIFIVE_TEST_MMIO_SIZE);
    FDT_PROP_STRINGS(f, "compatible", "sifive,test1", "sifive,test0", "syscon");
    fdt_end_node(f);

    /* PLIC: per hart, M-mode external (11) then S-mode external (9). */
    for (int h = 0; h < m->nr_harts; h++) {
        cells[4 * h + 0] = intc_ph[h];
        cells[4 * h + 1] = 11;
        cells[4 * h + 2] = intc_ph[h];
        cells[4 * h + 3] = 9;
    }
    snprintf(name, sizeof(name), "plic@%x", VIRT_PLIC_BASE);
    fdt_begin_node(f, name);
    fdt_prop_phandle(f, plic_ph);
    fdt_prop_u32(f, "riscv,ndev", PLIC_VIRT_NDEV);
    FDT_PROP_CELLS(f, "reg", 0, VIRT_PLIC_BASE, 0, PLIC_MMIO_SIZE);
    fdt_prop_cells(f, "interrupts-extended", cells, 4 * (size_t)m->nr_harts);
    fdt_prop_empty(f, "interrupt-controller");
    FDT_PROP_STRINGS(f, "compatible", "sifive,plic-1.0.0", "riscv,plic0");
    fdt_prop_u32(f, "#address-cells", 0);
    fdt_prop_u32(f, "#interrupt-cells", 1);
    fdt_end_node(f);

    /* CLINT: per hart, M-mode software (3) then M-mode timer (7). */
    for (int h = 0; h < m->nr_harts; h++) {
        cells[4 * h + 0] = intc_ph[h];
        cells[4 * h + 1] = 3;
        cells[4 * h + 2] = intc_ph[h];
        cells[4 * h + 3] = 7;
    }
    snprintf(name, sizeof(name), "clint@%x", VIRT_CLINT_BASE);
    fdt_begin_node(f, name);
    fdt_prop_cells(f, "interrupts-extended", cells, 4 * (size_t)m->nr_harts);
    FDT_PROP_CELLS(f, "reg", 0, VIRT_CLINT_BASE, 0, ACLINT_MMIO_SIZE);
    FDT_PROP_STRINGS(f, "compatible", "sifive,clint0", "riscv,clint0");
    fdt_end_node(f);

    fdt_end_node(f);
}

int virt_fdt_build(VirtMachine *m, void **blob, size_t *size)
{
    Fdt *f = fdt_new();
    uint32_t cpu_ph[VIRT_MAX_HARTS], intc_ph[VIRT_MAX_HARTS];
    char name[48];

    if (!f) {
        return -1;
    }
    /* QEMU's numbering: cpu, its intc, ..., then the PLIC and the test device. */
    for (int h = 0; h < m->nr_harts; h++) {
        cpu_ph[h] = fdt_alloc_phandle(f);
        intc_ph[h] = fdt_alloc_phandle(f);
    }
    uint32_t plic_ph = fdt_alloc_phandle(f);
    uint32_t test_ph = fdt_alloc_phandle(f);

    fdt_begin_node(f, "");
    fdt_prop_u32(f, "#address-cells", 2);
    fdt_prop_u32(f, "#size-cells", 2);
    fdt_prop_string(f, "compatible", "riscv-virtio");
    fdt_prop_string(f, "model", "riscv-virtio,qemu");

    fdt_begin_node(f, "chosen");
    if (m->initrd_end > m->initrd_start) {
        fdt_prop_u64(f, "linux,initrd-end", m->initrd_end);
        fdt_prop_u64(f, "linux,initrd-start", m->initrd_start);
    }
    if (m->cfg.append && *m->cfg.append) { /* QEMU sets no bootargs for -append "" */
        fdt_prop_string(f, "bootargs", m->cfg.append);
    }
    snprintf(name, sizeof(name), "/soc/serial@%x", VIRT_UART0_BASE);
    fdt_prop_string(f, "stdout-path", name);
    fdt_end_node(f);

    fdt_begin_node(f, "poweroff");
    fdt_prop_u32(f, "value", SIFIVE_TEST_PASS);
    fdt_prop_u32(f, "offset", 0);
    fdt_prop_u32(f, "regmap", test_ph);
    fdt_prop_string(f, "compatible", "syscon-poweroff");
    fdt_end_node(f);

    fdt_begin_node(f, "reboot");
    fdt_prop_u32(f, "value", SIFIVE_TEST_RESET);
    fdt_prop_u32(f, "offset", 0);
    fdt_prop_u32(f, "regmap", test_ph);
    fdt_prop_string(f, "compatible", "syscon-reboot");
    fdt_end_node(f);

    snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)VIRT_DRAM_BASE);
    fdt_begin_node(f, name);
    fdt_prop_string(f, "device_type", "memory");
    FDT_PROP_CELLS(f, "reg", (uint32_t)(VIRT_DRAM_BASE >> 32), (uint32_t)VIRT_DRAM_BASE,
                   (uint32_t)(m->cfg.ram_size >> 32), (uint32_t)m->cfg.ram_size);
    fdt_end_node(f);

    fdt_cpus(m, f, cpu_ph, intc_ph);
    fdt_soc(m, f, intc_ph, plic_ph, test_ph);
    fdt_end_node(f);

    int r = fdt_finish(f, blob, size);
    fdt_free(f);
    return r < 0 ? -1 : 0;
}
