/* virt.c - building, starting, resetting and tearing down the virt board; see virt.h. */
#include "machine/virt.h"

#include "util/error.h"

#include <stdlib.h>
#include <string.h>

/* ---- interrupt wiring ------------------------------------------------------------------ */

/* An IRQHandler for a hart's mip bit @n: set it, then wake the hart if it sleeps in WFI. */
static void hart_set_irq(void *opaque, int n, int level)
{
    VirtHart *h = opaque;
    riscv_cpu_set_mip(h->cpu, 1ULL << n, level != 0);
    if (level) {
        vcpu_wake(&h->vcpu);
    }
}

/* The hart's own stimecmp timer (Sstc) raised STIP: wake the hart if it sleeps in WFI. */
static void hart_stimer_wake(void *opaque)
{
    VirtHart *h = opaque;
    vcpu_wake(&h->vcpu);
}

/* ---- UART <-> chardev glue --------------------------------------------------------------- */

static void uart_tx(void *opaque, const uint8_t *buf, size_t len)
{
    VirtMachine *m = opaque;
    qemu_chr_fe_write_all(&m->uart_be, buf, len);
}

static void uart_rx_ready(void *opaque)
{
    VirtMachine *m = opaque;
    qemu_chr_fe_accept_input(&m->uart_be);
}

static size_t uart_can_read(void *opaque)
{
    VirtMachine *m = opaque;
    return serial_can_receive(&m->uart);
}

static void uart_read(void *opaque, const uint8_t *buf, size_t len)
{
    VirtMachine *m = opaque;
    serial_receive(&m->uart, buf, len);
}

static void uart_event(void *opaque, QEMUChrEvent ev)
{
    VirtMachine *m = opaque;
    if (ev == CHR_EVENT_BREAK) {
        serial_receive_break(&m->uart);
    }
}

/* ---- power off and reset ----------------------------------------------------------------- */

static void virt_reset_bh(void *opaque)
{
    VirtMachine *m = opaque;

    for (int i = 0; i < m->nr_harts; i++) {
        vcpu_pause(&m->harts[i].vcpu);
    }
    aclint_reset(m->clint);
    plic_reset(m->plic);
    serial_reset(&m->uart);
    goldfish_rtc_reset(m->rtc);
    /* QEMU re-copies its ROM blobs on reset; RAM is otherwise left as it was. */
    if (virt__load_images(m) < 0) {
        main_loop_quit(m->ml, 1);
        return;
    }
    for (int i = 0; i < m->nr_harts; i++) {
        riscv_cpu_set_mip(m->harts[i].cpu, MIP_MSIP | MIP_MTIP | MIP_MEIP | MIP_SEIP, false);
        vcpu_request_reset(&m->harts[i].vcpu, VIRT_MROM_BASE);
        vcpu_resume(&m->harts[i].vcpu);
    }
}

/* Called by the finisher in a vCPU thread (BQL held): only ask the main loop. */
static void virt_finish(void *opaque, int kind, int code)
{
    VirtMachine *m = opaque;
    switch (kind) {
    case SIFIVE_TEST_PASS: main_loop_quit(m->ml, 0); break;
    case SIFIVE_TEST_FAIL: main_loop_quit(m->ml, code); break;
    case SIFIVE_TEST_RESET:
        if (m->cfg.no_reboot) {
            main_loop_quit(m->ml, 0);
        } else {
            qemu_bh_schedule(m->reset_bh);
        }
        break;
    default: break;
    }
}

/* ---- construction ------------------------------------------------------------------------ */

static int map(VirtMachine *m, hwaddr base, MemoryRegion *mr)
{
    if (address_space_map_region(&m->as, base, mr) < 0) {
        error_report("virt: cannot map %s at 0x%llx", mr->name, (unsigned long long)base);
        return -1;
    }
    return 0;
}

VirtMachine *virt_new(const VirtConfig *cfg, MainLoop *ml)
{
    VirtMachine *m = calloc(1, sizeof(*m));
    if (!m) {
        error_report("virt: out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    if (!m->cfg.ram_size) {
        m->cfg.ram_size = VIRT_DEFAULT_RAM;
    }
    if (m->cfg.smp < 1) {
        m->cfg.smp = 1;
    }
    m->ml = ml;
    m->ctx = main_loop_get_aio_context(ml);
    address_space_init(&m->as, "system");

    if (m->cfg.smp > VIRT_MAX_HARTS) {
        error_report("-smp: %d harts requested, the virt board supports at most %d", m->cfg.smp,
                     VIRT_MAX_HARTS);
        goto fail;
    }
    if (memory_region_init_ram(&m->ram, "riscv_virt_board.ram", m->cfg.ram_size) < 0) {
        error_report("-m: cannot allocate %llu MiB of guest RAM",
                     (unsigned long long)(m->cfg.ram_size >> 20));
        goto fail;
    }
    if (memory_region_init_rom(&m->mrom, "riscv_virt_board.mrom", VIRT_MROM_SIZE) < 0) {
        error_report("virt: cannot allocate the boot ROM");
        goto fail;
    }

    m->clint = aclint_new(m->ctx, (unsigned)m->cfg.smp);
    m->plic = plic_new(PLIC_VIRT_NDEV, 2 * (unsigned)m->cfg.smp);
    m->rtc = goldfish_rtc_new(m->ctx, QEMU_CLOCK_HOST, platform_clock_host_ns());
    m->reset_bh = aio_bh_new(m->ctx, virt_reset_bh, m);
    if (!m->clint || !m->plic || !m->rtc || !m->reset_bh) {
        error_report("virt: out of memory creating devices");
        goto fail;
    }
    serial_init(&m->uart, 0, uart_tx, uart_rx_ready, m);
    sifive_test_init(&m->test, virt_finish, m);

    for (int i = 0; i < m->cfg.smp; i++) {
        VirtHart *h = &m->harts[i];
        /* stimecmp compares with the CLINT's mtime, so its timer ticks on the same clock. */
        RISCVCPUConfig cc = {.hartid = i,
                             .as = &m->as,
                             .get_time = aclint_get_mtime,
                             .time_opaque = m->clint,
                             .timer_ctx = m->ctx,
                             .timebase_freq = ACLINT_TIMEBASE_FREQ,
                             .wake = hart_stimer_wake,
                             .wake_opaque = h};
        h->m = m;
        h->cpu = riscv_cpu_new(&cc);
        if (!h->cpu) {
            error_report("virt: out of memory creating hart %d", i);
            goto fail;
        }
        m->nr_harts++;
        vcpu_init(&h->vcpu, h->cpu, i, m->ctx);
        if (m->cfg.cpu_log_flags) {
            riscv_cpu_set_log(h->cpu, m->cfg.cpu_log_flags, m->cfg.cpu_log);
        }
        qemu_irq_connect(&m->clint->harts[i].msip_irq, hart_set_irq, h, 3);
        qemu_irq_connect(&m->clint->harts[i].mtip, hart_set_irq, h, 7);
        qemu_irq_connect(&m->plic->contexts[2 * i].out, hart_set_irq, h, 11);
        qemu_irq_connect(&m->plic->contexts[2 * i + 1].out, hart_set_irq, h, 9);
    }
    plic_connect_input(m->plic, &m->uart.irq, VIRT_UART0_IRQ);
    plic_connect_input(m->plic, &m->rtc->irq, VIRT_RTC_IRQ);

    if (map(m, VIRT_MROM_BASE, &m->mrom) < 0 || map(m, VIRT_TEST_BASE, &m->test.mmio) < 0 ||
        map(m, VIRT_RTC_BASE, &m->rtc->mmio) < 0 || map(m, VIRT_CLINT_BASE, &m->clint->mmio) < 0 ||
        map(m, VIRT_PLIC_BASE, &m->plic->mmio) < 0 || map(m, VIRT_UART0_BASE, &m->uart.mmio) < 0 ||
        map(m, VIRT_DRAM_BASE, &m->ram) < 0) {
        goto fail;
    }

    qemu_chr_fe_init(&m->uart_be, cfg->serial);
    qemu_chr_fe_set_handlers(&m->uart_be, uart_can_read, uart_read, uart_event, m);

    if (virt__load_images(m) < 0) {
        goto fail;
    }
    return m;

fail:
    virt_free(m);
    return NULL;
}

int virt_start(VirtMachine *m)
{
    for (int i = 0; i < m->nr_harts; i++) {
        int r = vcpu_start(&m->harts[i].vcpu, VIRT_MROM_BASE, m->cfg.start_paused);
        if (r < 0) {
            error_report("virt: cannot start the thread of hart %d", i);
            return -1;
        }
    }
    m->started = true;
    return 0;
}

void virt_free(VirtMachine *m)
{
    if (!m) {
        return;
    }
    for (int i = 0; i < m->nr_harts; i++) {
        vcpu_destroy(&m->harts[i].vcpu);
    }
    for (int i = 0; i < m->nr_harts; i++) {
        riscv_cpu_free(m->harts[i].cpu);
    }
    qemu_chr_fe_deinit(&m->uart_be);
    if (m->reset_bh) {
        qemu_bh_delete(m->reset_bh);
    }
    aclint_free(m->clint);
    plic_free(m->plic);
    goldfish_rtc_free(m->rtc);
    address_space_destroy(&m->as);
    memory_region_destroy(&m->ram);
    memory_region_destroy(&m->mrom);
    free(m->fdt);
    free(m);
}
