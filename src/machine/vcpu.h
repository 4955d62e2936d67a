/*
 * vcpu.h - vCPU threads: one host thread per hart running the interpreter
 * (QEMU's "MTTCG" model: accel/tcg/tcg-accel-ops-mttcg.c and cpus.c).
 *
 * A vCPU thread runs riscv_cpu_run() in slices without the BQL (MMIO takes
 * it inside the memory layer).  When the guest executes WFI with nothing
 * pending, the thread sleeps on a condition variable until an interrupt
 * source makes riscv_cpu_has_work() true and calls vcpu_wake(), or until the
 * machine is paused or torn down: an idle guest costs no host CPU.
 *
 * Protocol for interrupt sources (CLINT timers in the main loop, PLIC outputs
 * and UART under the BQL in any thread): first riscv_cpu_set_mip(), then
 * vcpu_wake().  The wake takes the vCPU's mutex, which the sleeping thread
 * holds while it checks for work, so no wake-up is lost.
 *
 * Pausing (vcpu_pause) kicks the interpreter out of its slice and waits until
 * the thread is parked; a paused vCPU runs nothing until vcpu_resume(), and a
 * hart that was halted in WFI is still halted afterwards.  A
 * caller that holds the BQL may pause: the BQL is dropped while waiting, since
 * the vCPU may itself be waiting for the BQL inside an MMIO access.
 */
#ifndef MINIMU_MACHINE_VCPU_H
#define MINIMU_MACHINE_VCPU_H

#include "aio/aio.h"
#include "cpu/riscv/cpu.h"
#include "platform.h"

#include <stdbool.h>
#include <stdint.h>

/* Instructions per riscv_cpu_run() call; pause/exit requests also kick mid-slice. */
#define VCPU_SLICE 200000

typedef struct VCPU {
    RISCVCPU *cpu;
    int index;
    AioContext *ctx; /* the main context, made current in the vCPU thread */

    QemuThread thread;
    bool thread_started;
    QemuMutex lock; /* guards the fields below */
    QemuCond cond;  /* the vCPU sleeps on it; pausers wait on it too */
    bool stop_request;
    bool exit_request;
    bool parked; /* the thread acknowledged stop_request and runs nothing */
    bool halted; /* in WFI: sleeps until riscv_cpu_has_work() (survives a pause) */
    bool reset_pending;
    uint64_t reset_pc;
    uint64_t wakeups; /* statistic: times a WFI sleep ended */
} VCPU;

/* Set up @v for @cpu; the thread is not started.  Main thread. */
void vcpu_init(VCPU *v, RISCVCPU *cpu, int index, AioContext *main_ctx);
/*
 * Start the thread.  The hart is reset to @reset_pc by its own thread before
 * it runs; with @paused it then parks until vcpu_resume().  0 or -errno.
 */
int vcpu_start(VCPU *v, uint64_t reset_pc, bool paused);

/* An interrupt may be pending: end a WFI sleep if riscv_cpu_has_work().  Any thread. */
void vcpu_wake(VCPU *v);

/* Park the vCPU and wait until it is parked.  Any thread but @v's own. */
void vcpu_pause(VCPU *v);
/* Let a parked vCPU run again.  Any thread. */
void vcpu_resume(VCPU *v);
/* Reset the hart to @pc before it next runs (use while paused).  Any thread. */
void vcpu_request_reset(VCPU *v, uint64_t pc);

/* Stop the thread for good and join it; then free resources.  Main thread, not @v's own. */
void vcpu_destroy(VCPU *v);

#endif
