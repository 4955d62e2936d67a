/*
 * goldfish-rtc.h - Google's Goldfish real-time clock ("google,goldfish-rtc"),
 * as on QEMU's virt board (0x101000, size 0x1000, PLIC IRQ 11).  Counts
 * nanoseconds since the Unix epoch; 32-bit registers:
 *
 *   0x00 TIME_LOW         read: low half of the time, and latches the high half
 *                         write: sets the time to (latched TIME_HIGH << 32) | value
 *   0x04 TIME_HIGH        read: the half latched by the last TIME_LOW read; write: latch
 *   0x08 ALARM_LOW        write: arms the alarm at (ALARM_HIGH << 32) | value
 *   0x0c ALARM_HIGH       write first; read back both
 *   0x10 IRQ_ENABLED      bit 0 lets a fired alarm raise the IRQ
 *   0x14 CLEAR_ALARM      write: disarm
 *   0x18 ALARM_STATUS     1 while armed
 *   0x1c CLEAR_INTERRUPT  write: acknowledge (lower the IRQ)
 *
 * The time is a QEMU clock plus an offset (QEMU's rtc base).  The alarm is a
 * timer in the AioContext given at creation, on the same clock; it runs in
 * that context's home thread with the BQL held.  An alarm already in the past
 * fires at once.  Register accesses run under the BQL, in any thread; other
 * sizes and offsets are logged (rate-limited) and ignored.
 */
#ifndef MINIMU_HW_GOLDFISH_RTC_H
#define MINIMU_HW_GOLDFISH_RTC_H

#include "aio/aio.h"
#include "hw/irq.h"
#include "mem/guest-log.h"
#include "mem/memory.h"

#include <stdbool.h>
#include <stdint.h>

#define GOLDFISH_RTC_MMIO_SIZE 0x1000

enum {
    GOLDFISH_RTC_TIME_LOW = 0x00,
    GOLDFISH_RTC_TIME_HIGH = 0x04,
    GOLDFISH_RTC_ALARM_LOW = 0x08,
    GOLDFISH_RTC_ALARM_HIGH = 0x0c,
    GOLDFISH_RTC_IRQ_ENABLED = 0x10,
    GOLDFISH_RTC_CLEAR_ALARM = 0x14,
    GOLDFISH_RTC_ALARM_STATUS = 0x18,
    GOLDFISH_RTC_CLEAR_INTERRUPT = 0x1c,
};

typedef struct GoldfishRtcState {
    MemoryRegion mmio; /* map at the RTC base */
    IRQLine irq;       /* connected by the board */
    QEMUClocks *clocks;
    QEMUClockType clock;
    int64_t offset_ns; /* time = clock + offset */
    uint64_t alarm_next;
    uint32_t time_high; /* latched */
    bool irq_enabled, irq_pending, alarm_running;
    bool irq_level;
    QEMUTimer *timer;
    GuestLogLimit log;
} GoldfishRtcState;

/*
 * An RTC whose time runs with @clock (QEMU_CLOCK_HOST: the wall clock;
 * QEMU_CLOCK_VIRTUAL: stops with the machine) and reads @start_ns now (pass
 * platform_clock_host_ns() for "the current date").  The alarm timer lives in
 * @ctx.  NULL when memory is short.
 */
GoldfishRtcState *goldfish_rtc_new(AioContext *ctx, QEMUClockType clock, int64_t start_ns);
void goldfish_rtc_free(GoldfishRtcState *s);

/*
 * Guest reset (QEMU's goldfish_rtc_reset): disarm and zero the alarm, clear
 * IRQ enable and pending (lowering the line).  The time offset is kept, so the
 * clock runs on as if the reset had not happened, whatever the guest set it
 * to; the TIME_HIGH latch is kept too, as QEMU does.  BQL held.
 */
void goldfish_rtc_reset(GoldfishRtcState *s);

/* Current time in ns since the epoch.  BQL held. */
uint64_t goldfish_rtc_get_time(GoldfishRtcState *s);

#endif
