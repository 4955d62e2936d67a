/*
 * riscv-aclint.h - the RISC-V ACLINT/CLINT as on QEMU's virt board
 * (0x2000000, size 0x10000): a software-interrupt register (MSWI) and a
 * machine timer compare register (MTIMER) per hart, and the shared mtime.
 *
 *   0x0000 + 4*h   msip[h]      bit 0 drives hart h's MSIP
 *   0x4000 + 8*h   mtimecmp[h]  MTIP is high while mtime >= mtimecmp[h]
 *   0xbff8         mtime        10 MHz; writes move it (and keep it counting)
 *
 * 32-bit and 64-bit accesses (a 32-bit access reaches one half of a 64-bit
 * register); anything else is logged (rate-limited) and ignored.
 *
 * mtime is the machine's VIRTUAL clock in units of 100 ns plus an offset, so
 * it stops with the machine.  Each mtimecmp is a timer in the AioContext given
 * at creation, armed for the moment mtime reaches it: nothing polls.  The
 * timer callbacks run in that context's home thread (the main loop thread,
 * BQL held); register accesses run under the BQL from any thread.
 * aclint_get_mtime() may be called from any thread without the BQL.
 */
#ifndef MINIMU_HW_RISCV_ACLINT_H
#define MINIMU_HW_RISCV_ACLINT_H

#include "aio/aio.h"
#include "hw/irq.h"
#include "mem/guest-log.h"
#include "mem/memory.h"

#include <stdbool.h>
#include <stdint.h>

#define ACLINT_MMIO_SIZE     0x10000
#define ACLINT_MSIP_BASE     0x0
#define ACLINT_MTIMECMP_BASE 0x4000
#define ACLINT_MTIME         0xbff8
#define ACLINT_MAX_HARTS     4095
#define ACLINT_TIMEBASE_FREQ 10000000 /* Hz: the "timebase-frequency" of the device tree */

typedef struct AclintState AclintState;

typedef struct AclintHart {
    AclintState *s;
    unsigned index;
    uint64_t mtimecmp;
    bool msip;
    bool mtip_level;
    QEMUTimer *timer;
    IRQLine mtip; /* the board connects these to the hart's mip bits */
    IRQLine msip_irq;
} AclintHart;

struct AclintState {
    MemoryRegion mmio; /* map at the CLINT base */
    QEMUClocks *clocks;
    uint64_t mtime_offset; /* atomic: read without the BQL by aclint_get_mtime() */
    unsigned num_harts;
    AclintHart *harts;
    GuestLogLimit log;
};

/*
 * A CLINT for @num_harts harts (1..ACLINT_MAX_HARTS) whose timers live in
 * @ctx.  mtime starts at the VIRTUAL clock's value / 100, msip at 0 and every
 * mtimecmp at UINT64_MAX (no timer interrupt until the guest programs one).
 * Returns NULL if @num_harts is out of range or memory is short.
 */
AclintState *aclint_new(AioContext *ctx, unsigned num_harts);
/* Delete the timers and free @s.  The region must no longer be reachable. */
void aclint_free(AclintState *s);

/* Lower every MSIP and MTIP and disarm the timers (mtimecmp = UINT64_MAX, mtime kept). */
void aclint_reset(AclintState *s);

/* The current mtime (for the CPU's time CSR).  @opaque is the AclintState.  Any thread. */
uint64_t aclint_get_mtime(void *opaque);

#endif
