/*
 * mptable.c - the Intel MP 1.4 floating pointer and configuration table
 * (layout in mptable.h).
 */
#include "machine/mptable.h"
#include "util/bswap.h"

#include <string.h>

#define MP_SPEC_REV       4 /* 1.4 */
#define CPU_ENABLED       0x01
#define CPU_BSP           0x02
#define CPU_SIGNATURE     0x600 /* family 6, model 0, stepping 0 */
#define CPU_FEATURES      0x201 /* FPU, on-chip APIC (CPUID.1:EDX bits 0 and 9) */
#define IOAPIC_ENABLED    0x01
#define ISA_BUS_ID        0
#define ALL_LOCAL_APICS   0xff
#define IRQ_FLAGS_DEFAULT 0 /* conforming to the bus: edge, active high on ISA */

/* The byte that makes the sum of p[0..len) zero (mod 256). */
static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum = (uint8_t)(sum + p[i]);
    }
    return (uint8_t)-sum;
}

/* An 8-byte interrupt assignment entry (I/O or local). */
static uint8_t *put_irq(uint8_t *e, uint8_t type, uint8_t irqtype, uint8_t src_irq, uint8_t dst,
                        uint8_t dst_pin)
{
    e[0] = type;
    e[1] = irqtype;
    stw_le_p(e + 2, IRQ_FLAGS_DEFAULT);
    e[4] = ISA_BUS_ID;
    e[5] = src_irq;
    e[6] = dst;
    e[7] = dst_pin;
    return e + MPTABLE_ENTRY_SIZE;
}

int mptable_build(uint8_t *buf, size_t len, uint64_t base, int ncpus, int nr_pins)
{
    if (ncpus < 1 || ncpus > MPTABLE_MAX_CPUS || nr_pins < 1 || nr_pins > MPTABLE_MAX_PINS ||
        (base & 15)) {
        return -1;
    }
    size_t size = MPTABLE_SIZE((size_t)ncpus, (size_t)nr_pins);
    if (size > len || base > UINT32_MAX - size) {
        return -1;
    }
    memset(buf, 0, size);
    uint8_t *fps = buf, *mpc = buf + MPTABLE_FPS_SIZE;
    uint8_t ioapic_id = (uint8_t)ncpus; /* the next ID after the CPUs', as QEMU does */

    memcpy(fps, "_MP_", 4);
    stl_le_p(fps + 4, (uint32_t)(base + MPTABLE_FPS_SIZE));
    fps[8] = 1; /* length in 16-byte paragraphs */
    fps[9] = MP_SPEC_REV;
    /* feature byte 1 = 0: the configuration table is present, no default configuration;
     * feature byte 2 bit 7 (IMCR) = 0: virtual wire mode, the 8259 goes through LINT0. */
    fps[10] = checksum(fps, MPTABLE_FPS_SIZE);

    uint8_t *e = mpc + MPTABLE_HEADER_SIZE;
    for (int i = 0; i < ncpus; i++, e += MPTABLE_CPU_SIZE) {
        e[0] = MPTABLE_PROCESSOR;
        e[1] = (uint8_t)i; /* KVM's default APIC ID is the vCPU index */
        e[2] = MPTABLE_LAPIC_VERSION;
        e[3] = (uint8_t)(CPU_ENABLED | (i == 0 ? CPU_BSP : 0));
        stl_le_p(e + 4, CPU_SIGNATURE);
        stl_le_p(e + 8, CPU_FEATURES);
    }
    e[0] = MPTABLE_BUS;
    e[1] = ISA_BUS_ID;
    memcpy(e + 2, "ISA   ", 6);
    e += MPTABLE_ENTRY_SIZE;
    e[0] = MPTABLE_IOAPIC;
    e[1] = ioapic_id;
    e[2] = MPTABLE_IOAPIC_VERSION;
    e[3] = IOAPIC_ENABLED;
    stl_le_p(e + 4, MPTABLE_IOAPIC_ADDR);
    e += MPTABLE_ENTRY_SIZE;
    /*
     * Identity: minimu leaves KVM's default GSI routing in place, where GSI n drives
     * IOAPIC pin n (and PIC input n below 16), so the PIT's IRQ 0 is on pin 0, not on
     * pin 2 as on QEMU, which installs its own routing with the ISA IRQ 0 override.
     * Pins 16 and up carry no ISA IRQ; naming them as ISA IRQ p gives Linux IRQ p = GSI p.
     */
    for (int p = 0; p < nr_pins; p++) {
        e = put_irq(e, MPTABLE_INTSRC, MPTABLE_MP_INT, (uint8_t)p, ioapic_id, (uint8_t)p);
    }
    e = put_irq(e, MPTABLE_LINTSRC, MPTABLE_MP_EXTINT, 0, ALL_LOCAL_APICS, 0);
    e = put_irq(e, MPTABLE_LINTSRC, MPTABLE_MP_NMI, 0, ALL_LOCAL_APICS, 1);

    memcpy(mpc, "PCMP", 4);
    stw_le_p(mpc + 4, (uint16_t)(e - mpc)); /* base table length */
    mpc[6] = MP_SPEC_REV;
    memcpy(mpc + 8, "MINIMU  ", 8);                          /* OEM ID */
    memcpy(mpc + 16, "MICROVM     ", 12);                    /* product ID */
    stw_le_p(mpc + 34, (uint16_t)(ncpus + 2 + nr_pins + 2)); /* entry count */
    stl_le_p(mpc + 36, MPTABLE_LAPIC_ADDR);
    mpc[7] = checksum(mpc, (size_t)(e - mpc));
    return (int)size;
}
