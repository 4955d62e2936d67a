/*
 * test-serial.c - the 16550A: transmit through the callback, receive FIFO
 * and overrun, interrupt identification and priorities, the THRE interrupt
 * rules Linux's 8250 driver and U-Boot rely on, loopback, and containment of
 * bad accesses.  Register accesses go through a real AddressSpace so the
 * MMIO ops are exercised as a vCPU would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/serial-16550.h"

#include <stdlib.h>
#include <string.h>

#define BASE 0x10000000
enum {
    RBR = 0,
    THR = 0,
    DLL = 0,
    IER = 1,
    DLM = 1,
    IIR = 2,
    FCR = 2,
    LCR = 3,
    MCR = 4,
    LSR = 5,
    MSR = 6,
    SCR = 7
};

typedef struct Fixture {
    SerialState s;
    AddressSpace as;
    uint8_t out[256];
    size_t out_len;
    int rx_ready_calls;
    int irq_level;
    int irq_edges; /* raises seen */
} Fixture;

static void tx_cb(void *opaque, const uint8_t *buf, size_t len)
{
    Fixture *f = opaque;
    memcpy(f->out + f->out_len, buf, len);
    f->out_len += len;
}

static void rx_ready_cb(void *opaque)
{
    Fixture *f = opaque;
    f->rx_ready_calls++;
}

static void irq_cb(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    if (level && !f->irq_level) {
        f->irq_edges++;
    }
    f->irq_level = level;
}

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    serial_init(&f->s, 0, tx_cb, rx_ready_cb, f);
    qemu_irq_connect(&f->s.irq, irq_cb, f, 10);
    address_space_init(&f->as, "test");
    assert_int_equal(address_space_map_region(&f->as, BASE, &f->s.mmio), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    address_space_destroy(&f->as);
    free(f);
    return 0;
}

static uint8_t rd(Fixture *f, unsigned reg)
{
    uint64_t v;
    assert_int_equal(address_space_ld(&f->as, BASE + reg, 1, &v), MEMTX_OK);
    return (uint8_t)v;
}

static void wr(Fixture *f, unsigned reg, uint8_t val)
{
    assert_int_equal(address_space_st(&f->as, BASE + reg, 1, val), MEMTX_OK);
}

static void test_reset_state(void **state)
{
    Fixture *f = *state;
    assert_int_equal(rd(f, IIR), 0x01);        /* no interrupt, FIFOs off */
    assert_int_equal(rd(f, LSR), 0x60);        /* THRE | TEMT */
    assert_int_equal(rd(f, MSR) & 0xb0, 0xb0); /* DCD, DSR, CTS: a peer is there */
    assert_int_equal(f->irq_level, 0);
    wr(f, SCR, 0x5a);
    assert_int_equal(rd(f, SCR), 0x5a);
}

static void test_transmit_and_divisor(void **state)
{
    Fixture *f = *state;
    wr(f, LCR, 0x80); /* DLAB */
    wr(f, DLL, 0x01);
    wr(f, DLM, 0x02);
    assert_int_equal(rd(f, DLL), 0x01);
    assert_int_equal(rd(f, DLM), 0x02);
    wr(f, LCR, 0x03);                /* 8N1 */
    assert_int_equal(f->out_len, 0); /* divisor writes are not data */
    const char *msg = "hello";
    for (const char *p = msg; *p; p++) {
        wr(f, THR, (uint8_t)*p);
        assert_int_equal(rd(f, LSR) & 0x60, 0x60); /* empty again at once */
    }
    assert_int_equal(f->out_len, 5);
    assert_memory_equal(f->out, "hello", 5);
    assert_int_equal(f->irq_level, 0); /* no interrupts enabled */
}

static void test_receive_fifo(void **state)
{
    Fixture *f = *state;
    uint8_t data[20];
    for (int i = 0; i < 20; i++) {
        data[i] = (uint8_t)('a' + i);
    }

    /* Without FIFOs one byte fits. */
    assert_int_equal(serial_can_receive(&f->s), 1);
    wr(f, FCR, 0x07); /* enable + clear, trigger 1 */
    assert_int_equal(rd(f, IIR) & 0xc0, 0xc0);
    assert_int_equal(serial_can_receive(&f->s), 16);
    f->rx_ready_calls = 0; /* the FIFO switch itself may announce space */

    serial_receive(&f->s, data, 10);
    assert_int_equal(serial_can_receive(&f->s), 6);
    assert_int_equal(rd(f, LSR) & 0x01, 0x01);
    /* The backend must not be told to resume while bytes remain. */
    for (int i = 0; i < 9; i++) {
        assert_int_equal(rd(f, RBR), data[i]);
    }
    assert_int_equal(f->rx_ready_calls, 0);
    assert_int_equal(rd(f, RBR), data[9]);
    assert_int_equal(rd(f, LSR) & 0x01, 0);
    assert_int_equal(f->rx_ready_calls, 1);

    /* 20 bytes into 16: the rest is an overrun, reported once by LSR. */
    serial_receive(&f->s, data, 20);
    assert_int_equal(serial_can_receive(&f->s), 0);
    assert_int_equal(rd(f, LSR) & 0x03, 0x03);
    assert_int_equal(rd(f, LSR) & 0x02, 0); /* OE clears on read */
    for (int i = 0; i < 16; i++) {
        assert_int_equal(rd(f, RBR), data[i]);
    }
    /* Reading an empty RBR is harmless. */
    assert_int_equal(rd(f, RBR), 0);
}

static void test_rx_interrupts(void **state)
{
    Fixture *f = *state;
    uint8_t data[16] = "0123456789abcdef";

    wr(f, FCR, 0x81); /* FIFO on, trigger level 8 */
    wr(f, IER, 0x05); /* RDI + RLSI */
    assert_int_equal(f->irq_level, 0);

    serial_receive(&f->s, data, 3);
    assert_int_equal(f->irq_level, 1);
    assert_int_equal(rd(f, IIR), 0xcc); /* below trigger: character timeout */
    serial_receive(&f->s, data + 3, 5);
    assert_int_equal(rd(f, IIR), 0xc4); /* at trigger: data available */
    for (int i = 0; i < 8; i++) {
        rd(f, RBR);
    }
    assert_int_equal(rd(f, IIR), 0xc1);
    assert_int_equal(f->irq_level, 0);

    /* Line status outranks data: an overrun with data waiting reports RLS first. */
    serial_receive(&f->s, data, 16);
    serial_receive(&f->s, data, 1);
    assert_int_equal(rd(f, IIR), 0xc6);
    rd(f, LSR);
    assert_int_equal(rd(f, IIR), 0xc4);
    assert_int_equal(f->irq_level, 1);

    /* Disabling the source lowers the line. */
    wr(f, IER, 0);
    assert_int_equal(f->irq_level, 0);
}

static void test_thre_interrupt(void **state)
{
    Fixture *f = *state;

    /* Enabling ETBEI with THR empty raises THRE at once. */
    wr(f, IER, 0x02);
    assert_int_equal(f->irq_level, 1);
    /* Reading IIR that reports THRE clears it. */
    assert_int_equal(rd(f, IIR), 0x02);
    assert_int_equal(f->irq_level, 0);
    assert_int_equal(rd(f, IIR), 0x01);

    /* Linux's THRE test: toggling ETBEI reports THRE again. */
    wr(f, IER, 0);
    wr(f, IER, 0x02);
    assert_int_equal(rd(f, IIR), 0x02);

    /* After each byte the transmitter is empty again, so THRE is re-raised. */
    int edges = f->irq_edges;
    wr(f, THR, 'x');
    assert_int_equal(f->irq_level, 1);
    assert_int_equal(f->irq_edges, edges + 1);
    assert_int_equal(rd(f, IIR), 0x02);

    /* Clearing ETBEI drops a pending THRE. */
    wr(f, THR, 'y');
    assert_int_equal(f->irq_level, 1);
    wr(f, IER, 0);
    assert_int_equal(f->irq_level, 0);
    assert_int_equal(rd(f, IIR), 0x01);

    /* Received data outranks THRE, and THRE is still there after the data is read. */
    wr(f, IER, 0x03);
    serial_receive(&f->s, (const uint8_t *)"z", 1);
    assert_int_equal(rd(f, IIR), 0x04);
    assert_int_equal(rd(f, RBR), 'z');
    assert_int_equal(rd(f, IIR), 0x02);
    assert_memory_equal(f->out, "xy", 2);
}

static void test_loopback_and_msr(void **state)
{
    Fixture *f = *state;

    rd(f, MSR);
    wr(f, MCR, 0x10); /* loopback, all modem outputs low */
    assert_int_equal(rd(f, MSR) & 0xf0, 0);
    wr(f, MCR, 0x1f); /* DTR RTS OUT1 OUT2 */
    uint8_t msr = rd(f, MSR);
    assert_int_equal(msr & 0xf0, 0xf0);
    assert_int_equal(msr & 0x0b, 0x0b);     /* DCTS DDSR DDCD */
    assert_int_equal(rd(f, MSR) & 0x0f, 0); /* deltas clear on read */

    /* Host input waits while looped back; transmitted bytes come back. */
    assert_int_equal(serial_can_receive(&f->s), 0);
    wr(f, THR, 0xa5);
    assert_int_equal(f->out_len, 0);
    assert_int_equal(rd(f, LSR) & 0x01, 1);
    assert_int_equal(rd(f, RBR), 0xa5);

    /* Leaving loopback tells the backend it may send again. */
    int calls = f->rx_ready_calls;
    wr(f, MCR, 0x0b);
    assert_int_equal(f->rx_ready_calls, calls + 1);
    assert_int_equal(serial_can_receive(&f->s), 1);

    /* Modem status interrupt. */
    wr(f, MCR, 0x10);
    wr(f, IER, 0x08);
    wr(f, MCR, 0x12);
    assert_int_equal(f->irq_level, 1);
    assert_int_equal(rd(f, IIR), 0x00);
    rd(f, MSR);
    assert_int_equal(f->irq_level, 0);
}

static void test_break(void **state)
{
    Fixture *f = *state;
    wr(f, IER, 0x04);
    serial_receive_break(&f->s);
    assert_int_equal(f->irq_level, 1);
    assert_int_equal(rd(f, LSR) & 0x11, 0x11);
    assert_int_equal(rd(f, RBR), 0);
    assert_int_equal(f->irq_level, 0);
}

static void test_bad_accesses(void **state)
{
    Fixture *f = *state;
    uint64_t v;

    /* Wider accesses reach the register at their address. */
    assert_int_equal(address_space_st(&f->as, BASE + SCR + 0, 1, 0x11), MEMTX_OK);
    assert_int_equal(address_space_ld(&f->as, BASE + 4, 4, &v), MEMTX_OK);
    /* Misaligned ones and offsets past the window are refused. */
    assert_int_equal(address_space_ld(&f->as, BASE + 1, 4, &v), MEMTX_ERROR);
    assert_int_equal(address_space_ld(&f->as, BASE + SERIAL_MMIO_SIZE, 1, &v), MEMTX_DECODE_ERROR);
    /* Writes to read-only registers are ignored. */
    wr(f, LSR, 0);
    assert_int_equal(rd(f, LSR), 0x60);
    assert_int_equal(f->out_len, 0);
}

static void test_reset(void **state)
{
    Fixture *f = *state;
    wr(f, FCR, 0x01);
    wr(f, IER, 0x0f);
    serial_receive(&f->s, (const uint8_t *)"ab", 2);
    assert_int_equal(f->irq_level, 1);
    serial_reset(&f->s);
    assert_int_equal(f->irq_level, 0);
    assert_int_equal(rd(f, LSR), 0x60);
    assert_int_equal(rd(f, IER), 0);
    assert_int_equal(rd(f, IIR), 0x01);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_reset_state),   T(test_transmit_and_divisor), T(test_receive_fifo),
        T(test_rx_interrupts), T(test_thre_interrupt),       T(test_loopback_and_msr),
        T(test_break),         T(test_bad_accesses),         T(test_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
