/*
 * mptable.h - an Intel MultiProcessor Specification 1.4 table (floating
 * pointer + configuration table), the way a BIOS hands the CPUs and the
 * IOAPIC to an OS that has no ACPI: Linux's arch/x86/kernel/mpparse.c reads
 * it when it finds "_MP_" in the last KiB of base memory or in 0xF0000-0xFFFFF.
 *
 * Layout written at `base` (all little endian, 16-byte aligned start):
 *
 *   +0   floating pointer "_MP_" (16 bytes): physptr = base + 16, length 1,
 *        spec 1.4, feature byte 1 = 0 (a configuration table follows)
 *   +16  configuration table "PCMP" (44-byte header, spec 1.4, OEM "MINIMU",
 *        local APIC at 0xFEE00000), then its entries in the spec's order:
 *          ncpus processor entries   APIC ID i (KVM's vCPU i), enabled, BSP on 0
 *          1 bus entry               bus 0, "ISA   "
 *          1 IOAPIC entry            ID ncpus, version 0x11, 0xFEC00000
 *          nr_pins I/O interrupts    INT, conforming polarity/trigger, ISA bus IRQ p ->
 *                                    IOAPIC pin p for p < nr_pins (GSI n = pin n, the
 *                                    routing KVM's in-kernel irqchip uses by default)
 *          2 local interrupts        ExtINT -> LINT0, NMI -> LINT1, all local APICs
 *
 * The builder is pure: it only writes the caller's buffer.  Any thread.
 */
#ifndef MINIMU_MACHINE_MPTABLE_H
#define MINIMU_MACHINE_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#define MPTABLE_LAPIC_ADDR     0xfee00000u
#define MPTABLE_IOAPIC_ADDR    0xfec00000u
#define MPTABLE_IOAPIC_VERSION 0x11
#define MPTABLE_LAPIC_VERSION  0x14
/* APIC IDs are 8 bits, 0xff is the broadcast ID and the IOAPIC takes ID ncpus. */
#define MPTABLE_MAX_CPUS 254
#define MPTABLE_MAX_PINS 240

/* Sizes of the structures (MP spec 1.4, chapter 4). */
#define MPTABLE_FPS_SIZE    16
#define MPTABLE_HEADER_SIZE 44
#define MPTABLE_CPU_SIZE    20
#define MPTABLE_ENTRY_SIZE  8 /* bus, IOAPIC, I/O and local interrupt entries */

/* Entry types and interrupt types. */
#define MPTABLE_PROCESSOR 0
#define MPTABLE_BUS       1
#define MPTABLE_IOAPIC    2
#define MPTABLE_INTSRC    3
#define MPTABLE_LINTSRC   4
#define MPTABLE_MP_INT    0
#define MPTABLE_MP_NMI    1
#define MPTABLE_MP_EXTINT 3

/* Bytes mptable_build() writes for ncpus CPUs and nr_pins I/O interrupt entries. */
#define MPTABLE_SIZE(ncpus, nr_pins)                                     \
    (MPTABLE_FPS_SIZE + MPTABLE_HEADER_SIZE + (ncpus)*MPTABLE_CPU_SIZE + \
     (2 + (nr_pins) + 2) * MPTABLE_ENTRY_SIZE)

/*
 * Write the floating pointer and configuration table for CPUs with APIC IDs
 * 0..ncpus-1 and IOAPIC pins 0..nr_pins-1 into buf, which the guest sees at
 * physical address base (16-byte aligned, below 4 GiB).  Returns the number of
 * bytes written (MPTABLE_SIZE(ncpus, nr_pins)), or -1 without writing when ncpus
 * is not 1..MPTABLE_MAX_CPUS, nr_pins not 1..MPTABLE_MAX_PINS, base is misaligned
 * or the table would not fit in len bytes or below 4 GiB.
 */
int mptable_build(uint8_t *buf, size_t len, uint64_t base, int ncpus, int nr_pins);

#endif
