/*
 * serial-16550.h - a 16550A UART (QEMU's hw/char/serial.c) on a memory-mapped
 * register window, as on the RISC-V virt board (0x10000000, PLIC IRQ 10,
 * register shift 0, 1-byte registers).
 *
 * The device is backend-agnostic.  Bytes the guest transmits go straight to
 * the board's tx callback (the transmitter is always ready: THR empties at
 * once, so LSR.THRE/TEMT read as set after every write).  Bytes from the host
 * come in through serial_can_receive()/serial_receive(), called by the board's
 * chardev glue; when the guest drains the receive FIFO the device calls the
 * rx_ready callback so the backend can resume reading.
 *
 * Receive interrupts: "data available" when the FIFO reaches the trigger
 * level, otherwise "character timeout" as soon as any byte is waiting.  Real
 * hardware waits four character times before the timeout; doing it at once is
 * indistinguishable to drivers (Linux and U-Boot handle both the same way) and
 * needs no timer.
 *
 * THRE interrupt (what Linux's 8250 driver and U-Boot rely on): pending when
 * IER.ETBEI goes from 0 to 1 while THR is empty, and again after every THR
 * write (the byte leaves at once); cleared by an IIR read that reports it, by
 * a THR write, or by clearing ETBEI.
 *
 * Locking: every function runs with the BQL held (MMIO callbacks are
 * dispatched under it; the chardev glue takes it), in any thread.
 */
#ifndef MINIMU_HW_SERIAL_16550_H
#define MINIMU_HW_SERIAL_16550_H

#include "hw/irq.h"
#include "mem/guest-log.h"
#include "mem/memory.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_FIFO_SIZE 16
#define SERIAL_MMIO_SIZE 0x100 /* the virt board's window; registers repeat past 8 << regshift */

/* Called with the bytes the guest sent (usually one). Must not block. */
typedef void SerialTxFn(void *opaque, const uint8_t *buf, size_t len);
/* Called when receive space opened up after serial_can_receive() returned 0. */
typedef void SerialRxReadyFn(void *opaque);

typedef struct SerialState {
    MemoryRegion mmio; /* map this at the UART's base address */
    IRQLine irq;       /* connected by the board (PLIC source 10 on virt) */
    unsigned regshift; /* register n is at offset n << regshift */

    SerialTxFn *tx;
    SerialRxReadyFn *rx_ready;
    void *backend; /* opaque for tx and rx_ready */

    uint16_t divider;
    uint8_t ier, iir, fcr, lcr, mcr, lsr, msr, scr;
    bool thr_ipending;
    bool irq_level;
    uint8_t rx_trigger; /* FIFO trigger level in bytes (1, 4, 8 or 14) */

    uint8_t rx_fifo[SERIAL_FIFO_SIZE];
    unsigned rx_head, rx_count;

    GuestLogLimit log;
} SerialState;

/*
 * Initialise @s in its reset state with its MMIO region ("serial", size
 * SERIAL_MMIO_SIZE).  @tx may be NULL (output discarded); @rx_ready may be
 * NULL.  The board then connects s->irq and maps s->mmio.
 */
void serial_init(SerialState *s, unsigned regshift, SerialTxFn *tx, SerialRxReadyFn *rx_ready,
                 void *backend);
/* Back to the power-on state (FIFOs emptied, interrupts off, IRQ lowered). */
void serial_reset(SerialState *s);

/* How many bytes serial_receive() will accept now; 0 while the FIFO is full or in loopback. */
size_t serial_can_receive(SerialState *s);
/*
 * Deliver bytes from the host.  Bytes past serial_can_receive() are dropped
 * and flagged as an overrun (LSR.OE), as the hardware would.
 */
void serial_receive(SerialState *s, const uint8_t *buf, size_t len);
/* Signal a break condition on the line (LSR.BI; Linux uses it for SysRq). */
void serial_receive_break(SerialState *s);

/*
 * Register-level access (register index 0..7, the "device" half without the
 * bus decoding); the MMIO ops decode offset >> regshift and call these.
 */
uint8_t serial_reg_read(SerialState *s, unsigned reg);
void serial_reg_write(SerialState *s, unsigned reg, uint8_t val);

#endif
