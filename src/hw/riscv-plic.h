/*
 * riscv-plic.h - the RISC-V Platform-Level Interrupt Controller as on QEMU's
 * virt board (0xc000000, size 0x600000, "riscv,ndev" = 96: sources 1..96,
 * priorities 0..7 where 0 never interrupts).
 *
 *   0x000000 + 4*src        priority of source src (0 is reserved)
 *   0x001000 + 4*w          pending bits of sources 32w..32w+31 (read-only)
 *   0x002000 + 0x80*ctx     enable bits of context ctx
 *   0x200000 + 0x1000*ctx   threshold of context ctx
 *   0x200004 + 0x1000*ctx   claim (read) / complete (write) of context ctx
 *
 * Contexts on virt: two per hart, M-mode (2h) then S-mode (2h+1); the board
 * connects context outputs to MEIP and SEIP.
 *
 * Inputs are level-triggered, as QEMU's sifive_plic: a high input makes its
 * source pending unless it is claimed and not yet completed; a low input
 * clears pending; completing a source whose input is still high makes it
 * pending again.  A context's output is high while some enabled, pending
 * source has a priority above the context's threshold.  Only 32-bit accesses;
 * other sizes and reserved offsets are logged (rate-limited) and ignored.
 *
 * Locking: everything under the BQL, any thread.
 */
#ifndef MINIMU_HW_RISCV_PLIC_H
#define MINIMU_HW_RISCV_PLIC_H

#include "hw/irq.h"
#include "mem/guest-log.h"
#include "mem/memory.h"

#include <stdbool.h>
#include <stdint.h>

#define PLIC_MMIO_SIZE      0x600000
#define PLIC_PRIORITY_BASE  0x0
#define PLIC_PENDING_BASE   0x1000
#define PLIC_ENABLE_BASE    0x2000
#define PLIC_ENABLE_STRIDE  0x80
#define PLIC_CONTEXT_BASE   0x200000
#define PLIC_CONTEXT_STRIDE 0x1000
#define PLIC_MAX_PRIORITY   7
#define PLIC_MAX_SOURCES    1024 /* IDs, including the reserved 0 */
#define PLIC_MAX_CONTEXTS   ((PLIC_MMIO_SIZE - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE)

/* The virt board: "riscv,ndev" = 96, so IDs 0..96 exist (0 is "none"). */
#define PLIC_VIRT_NDEV 96

typedef struct PlicContext {
    uint32_t *enable; /* num_words words */
    uint8_t threshold;
    bool out_level;
    IRQLine out; /* the board connects it to MEIP (even ctx) or SEIP (odd) */
} PlicContext;

typedef struct PlicState {
    MemoryRegion mmio; /* map at the PLIC base */
    unsigned ndev;     /* highest source ID */
    unsigned num_words;
    unsigned num_contexts;
    uint8_t *priority; /* [ndev + 1] */
    uint32_t *pending; /* bitmaps of num_words words */
    uint32_t *level;   /* current input levels */
    uint32_t *claimed; /* claimed, not yet completed */
    PlicContext *contexts;
    GuestLogLimit log;
} PlicState;

/*
 * A PLIC with sources 1..@ndev (ndev < PLIC_MAX_SOURCES) and @num_contexts
 * contexts (1..PLIC_MAX_CONTEXTS); everything starts at 0.  NULL if a count is
 * out of range or memory is short.
 */
PlicState *plic_new(unsigned ndev, unsigned num_contexts);
void plic_free(PlicState *s);
/* Priorities, enables, thresholds, pending and claims back to 0; outputs lowered. */
void plic_reset(PlicState *s);

/*
 * Drive input @src (1..ndev) to @level.  An IRQHandler: connect a device's
 * line with plic_connect_input().  Out-of-range sources are ignored.
 */
void plic_set_irq(void *opaque, int src, int level);

static inline void plic_connect_input(PlicState *s, IRQLine *line, unsigned src)
{
    qemu_irq_connect(line, plic_set_irq, s, (int)src);
}

#endif
