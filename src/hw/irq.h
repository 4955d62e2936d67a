/*
 * irq.h - interrupt lines between devices (QEMU's qemu_irq, without QOM).
 *
 * A device that raises an interrupt holds an IRQLine set up by the board; the
 * board points it at the receiver's handler (the PLIC's input n, or a CPU's
 * mip bit).  qemu_set_irq() calls the handler synchronously in the calling
 * thread, so handlers follow the caller's locking: device code runs under the
 * BQL.  An unconnected line (handler NULL) is ignored.
 */
#ifndef MINIMU_HW_IRQ_H
#define MINIMU_HW_IRQ_H

typedef void IRQHandler(void *opaque, int n, int level);

typedef struct IRQLine {
    IRQHandler *handler;
    void *opaque;
    int n;
} IRQLine;

static inline void qemu_irq_connect(IRQLine *line, IRQHandler *handler, void *opaque, int n)
{
    line->handler = handler;
    line->opaque = opaque;
    line->n = n;
}

static inline void qemu_set_irq(const IRQLine *line, int level)
{
    if (line->handler) {
        line->handler(line->opaque, line->n, level);
    }
}

static inline void qemu_irq_raise(const IRQLine *line)
{
    qemu_set_irq(line, 1);
}

static inline void qemu_irq_lower(const IRQLine *line)
{
    qemu_set_irq(line, 0);
}

#endif
