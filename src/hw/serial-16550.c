/*
 * serial-16550.c - 16550A UART; see serial-16550.h.
 *
 * Register and bit names follow the 16550A datasheet (and Linux's
 * include/uapi/linux/serial_reg.h), so a driver trace reads naturally.
 */
#include "hw/serial-16550.h"

#include <string.h>

enum {
    REG_RBR_THR_DLL = 0,
    REG_IER_DLM = 1,
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define IER_RDI  0x01 /* receive data available (and character timeout) */
#define IER_THRI 0x02 /* transmit holding register empty */
#define IER_RLSI 0x04 /* receiver line status */
#define IER_MSI  0x08 /* modem status */

#define IIR_NO_INT 0x01
#define IIR_MSI    0x00
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_RLSI   0x06
#define IIR_CTI    0x0c
#define IIR_FIFOS  0xc0 /* both bits set: a 16550A with working FIFOs */

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04

#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR       0x01
#define LSR_OE       0x02
#define LSR_PE       0x04
#define LSR_FE       0x08
#define LSR_BI       0x10
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define LSR_INT_MASK (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS       0x01
#define MSR_DDSR       0x02
#define MSR_TERI       0x04
#define MSR_DDCD       0x08
#define MSR_CTS        0x10
#define MSR_DSR        0x20
#define MSR_RI         0x40
#define MSR_DCD        0x80
#define MSR_DELTA_MASK 0x0f

static bool fifo_enabled(const SerialState *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned rx_capacity(const SerialState *s)
{
    return fifo_enabled(s) ? SERIAL_FIFO_SIZE : 1;
}

static void serial_update_irq(SerialState *s)
{
    uint8_t id = IIR_NO_INT;

    /* Highest priority first, as the 16550A reports them. */
    if ((s->ier & IER_RLSI) && (s->lsr & LSR_INT_MASK)) {
        id = IIR_RLSI;
    } else if ((s->ier & IER_RDI) && (s->lsr & LSR_DR)) {
        id = (!fifo_enabled(s) || s->rx_count >= s->rx_trigger) ? IIR_RDI : IIR_CTI;
    } else if ((s->ier & IER_THRI) && s->thr_ipending) {
        id = IIR_THRI;
    } else if ((s->ier & IER_MSI) && (s->msr & MSR_DELTA_MASK)) {
        id = IIR_MSI;
    }
    s->iir = id | (fifo_enabled(s) ? IIR_FIFOS : 0);

    bool level = id != IIR_NO_INT;
    if (level != s->irq_level) {
        s->irq_level = level;
        qemu_set_irq(&s->irq, level);
    }
}

/* ---- receive path --------------------------------------------------------------- */

static void rx_clear(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->lsr &= ~LSR_DR;
}

/* One byte onto the receive FIFO (or holding register); overrun if there is no room. */
static void rx_push(SerialState *s, uint8_t byte)
{
    if (s->rx_count >= rx_capacity(s)) {
        s->lsr |= LSR_OE;
        return;
    }
    s->rx_fifo[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = byte;
    s->rx_count++;
    s->lsr |= LSR_DR;
}

static uint8_t rx_pop(SerialState *s)
{
    if (s->rx_count == 0) {
        return 0;
    }
    uint8_t byte = s->rx_fifo[s->rx_head];
    s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
    s->rx_count--;
    if (s->rx_count == 0) {
        s->lsr &= ~LSR_DR;
    }
    return byte;
}

size_t serial_can_receive(SerialState *s)
{
    if (s->mcr & MCR_LOOP) {
        return 0; /* the receiver is wired to the transmitter */
    }
    return rx_capacity(s) - s->rx_count;
}

void serial_receive(SerialState *s, const uint8_t *buf, size_t len)
{
    if (s->mcr & MCR_LOOP) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        rx_push(s, buf[i]);
    }
    serial_update_irq(s);
}

void serial_receive_break(SerialState *s)
{
    /* A break arrives as a NUL character with BI set. */
    rx_push(s, 0);
    s->lsr |= LSR_BI;
    serial_update_irq(s);
}

static void notify_rx_ready(SerialState *s)
{
    if (s->rx_ready && serial_can_receive(s) > 0) {
        s->rx_ready(s->backend);
    }
}

/* ---- modem lines ---------------------------------------------------------------- */

/* MSR's line bits: from MCR in loopback, otherwise a present, ready peer. */
static void update_msr(SerialState *s)
{
    uint8_t lines;
    if (s->mcr & MCR_LOOP) {
        lines = ((s->mcr & MCR_RTS) ? MSR_CTS : 0) | ((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
                ((s->mcr & MCR_OUT1) ? MSR_RI : 0) | ((s->mcr & MCR_OUT2) ? MSR_DCD : 0);
    } else {
        lines = MSR_DCD | MSR_DSR | MSR_CTS;
    }
    uint8_t old = s->msr;
    uint8_t changed = (old ^ lines) & 0xf0;
    uint8_t delta = old & MSR_DELTA_MASK;
    if (changed & MSR_CTS) {
        delta |= MSR_DCTS;
    }
    if (changed & MSR_DSR) {
        delta |= MSR_DDSR;
    }
    if (changed & MSR_DCD) {
        delta |= MSR_DDCD;
    }
    if ((old & MSR_RI) && !(lines & MSR_RI)) {
        delta |= MSR_TERI; /* trailing edge only */
    }
    s->msr = lines | delta;
}

/* ---- registers ----------------------------------------------------------------------- */

uint8_t serial_reg_read(SerialState *s, unsigned reg)
{
    uint8_t ret;

    switch (reg & 7) {
    case REG_RBR_THR_DLL:
        if (s->lcr & LCR_DLAB) {
            return s->divider & 0xff;
        }
        ret = rx_pop(s);
        serial_update_irq(s);
        if (s->rx_count == 0) {
            notify_rx_ready(s);
        }
        return ret;
    case REG_IER_DLM: return (s->lcr & LCR_DLAB) ? s->divider >> 8 : s->ier;
    case REG_IIR_FCR:
        ret = s->iir;
        if ((ret & 0x0f) == IIR_THRI) {
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        return ret;
    case REG_LCR: return s->lcr;
    case REG_MCR: return s->mcr;
    case REG_LSR:
        ret = s->lsr;
        if (s->lsr & (LSR_INT_MASK)) {
            s->lsr &= ~LSR_INT_MASK;
            serial_update_irq(s);
        }
        return ret;
    case REG_MSR:
        ret = s->msr;
        if (s->msr & MSR_DELTA_MASK) {
            s->msr &= ~MSR_DELTA_MASK;
            serial_update_irq(s);
        }
        return ret;
    default: /* REG_SCR */ return s->scr;
    }
}

static void write_thr(SerialState *s, uint8_t val)
{
    s->thr_ipending = false;
    if (s->mcr & MCR_LOOP) {
        rx_push(s, val);
    } else if (s->tx) {
        s->tx(s->backend, &val, 1);
    }
    /* The byte left at once: THR and the shift register are empty again. */
    s->lsr |= LSR_THRE | LSR_TEMT;
    s->thr_ipending = true;
    serial_update_irq(s);
}

static void write_fcr(SerialState *s, uint8_t val)
{
    static const uint8_t triggers[4] = {1, 4, 8, 14};

    if ((val ^ s->fcr) & FCR_ENABLE) {
        /* Switching FIFO mode on or off empties both FIFOs. */
        val |= FCR_CLEAR_RX | FCR_CLEAR_TX;
    }
    if (val & FCR_CLEAR_RX) {
        rx_clear(s);
    }
    /* The TX FIFO is always empty: bytes leave as they are written. */
    s->fcr = val & 0xc9; /* the clear bits self-clear; keep enable, DMA mode, trigger */
    s->rx_trigger = triggers[val >> 6];
    serial_update_irq(s);
    if (val & FCR_CLEAR_RX) {
        notify_rx_ready(s);
    }
}

void serial_reg_write(SerialState *s, unsigned reg, uint8_t val)
{
    switch (reg & 7) {
    case REG_RBR_THR_DLL:
        if (s->lcr & LCR_DLAB) {
            s->divider = (s->divider & 0xff00) | val;
        } else {
            write_thr(s, val);
        }
        break;
    case REG_IER_DLM:
        if (s->lcr & LCR_DLAB) {
            s->divider = (uint16_t)((s->divider & 0x00ff) | (val << 8));
        } else {
            uint8_t changed = (s->ier ^ val) & 0x0f;
            s->ier = val & 0x0f;
            if (changed & IER_THRI) {
                /* Enabling ETBEI with THR empty reports THRE (the "THRE test" Linux runs). */
                s->thr_ipending = (s->ier & IER_THRI) && (s->lsr & LSR_THRE);
            }
            serial_update_irq(s);
        }
        break;
    case REG_IIR_FCR: write_fcr(s, val); break;
    case REG_LCR: s->lcr = val; break;
    case REG_MCR: {
        bool was_loop = s->mcr & MCR_LOOP;
        s->mcr = val & 0x1f;
        update_msr(s);
        serial_update_irq(s);
        if (was_loop && !(s->mcr & MCR_LOOP)) {
            notify_rx_ready(s);
        }
        break;
    }
    case REG_LSR:
    case REG_MSR:
        /* Read-only on the 16550A (writes are a factory-test feature); ignore. */
        break;
    default: /* REG_SCR */ s->scr = val; break;
    }
}

/* ---- memory-mapped transport ------------------------------------------------------------ */

static uint64_t serial_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    if (addr & ((1u << s->regshift) - 1)) {
        guest_log_limited(&s->log, "serial: read at 0x%llx between registers",
                          (unsigned long long)addr);
        return 0;
    }
    return serial_reg_read(s, (unsigned)(addr >> s->regshift));
}

static void serial_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    SerialState *s = opaque;
    if (addr & ((1u << s->regshift) - 1)) {
        guest_log_limited(&s->log, "serial: write at 0x%llx between registers",
                          (unsigned long long)addr);
        return;
    }
    serial_reg_write(s, (unsigned)(addr >> s->regshift), (uint8_t)val);
}

/* Wider accesses reach one register with its value in the low byte, as QEMU's serial_mm. */
static const MemoryRegionOps serial_mmio_ops = {
    .read = serial_mmio_read,
    .write = serial_mmio_write,
    .min_access_size = 1,
    .max_access_size = 8,
};

void serial_reset(SerialState *s)
{
    s->divider = 12; /* 9600 baud from the PC's 1.8432 MHz clock */
    s->ier = 0;
    s->fcr = 0;
    s->lcr = 0;
    s->mcr = MCR_OUT2;
    s->lsr = LSR_TEMT | LSR_THRE;
    s->msr = MSR_DCD | MSR_DSR | MSR_CTS;
    s->scr = 0;
    s->thr_ipending = false;
    s->rx_trigger = 1;
    rx_clear(s);
    s->iir = IIR_NO_INT;
    if (s->irq_level) {
        s->irq_level = false;
        qemu_irq_lower(&s->irq);
    }
}

void serial_init(SerialState *s, unsigned regshift, SerialTxFn *tx, SerialRxReadyFn *rx_ready,
                 void *backend)
{
    memset(s, 0, sizeof(*s));
    s->regshift = regshift;
    s->tx = tx;
    s->rx_ready = rx_ready;
    s->backend = backend;
    memory_region_init_io(&s->mmio, "serial", &serial_mmio_ops, s, SERIAL_MMIO_SIZE);
    serial_reset(s);
}
