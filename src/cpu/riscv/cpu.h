/*
 * cpu.h - the RISC-V RV64 interpreter vCPU (RV64IMAFDC, Zicsr, Zifencei,
 * Zicntr, Zba/Zbb/Zbs; privileged spec 1.12 with M/S/U and Sv39/Sv48; Sstc
 * when the board gives the hart a timer context).
 *
 * One RISCVCPU is one hart.  It is owned by one vCPU thread: every function
 * here must be called from that thread, except the ones marked "any thread"
 * (riscv_cpu_set_mip, riscv_cpu_kick, riscv_cpu_has_work, riscv_cpu_insn_count).
 * Guest memory is reached through the AddressSpace of the configuration; RAM is
 * accessed directly through a software TLB, MMIO through address_space_ld/st
 * (which takes the BQL itself).  Guest errors never crash the host: they become
 * guest traps.
 *
 * Implementation map: exec.c (the threaded interpreter: translated blocks of
 * pre-decoded ops, checked against the code bytes on entry whenever a store
 * may have changed them, so self-modifying code and fence.i need no
 * invalidation), decode.c (raw bits -> pre-decoded op; the block cache), rvc.c (RVC
 * expansion), mmu.c (Sv39/Sv48 walk with A/D updates, software-TLB slow paths,
 * misaligned and MMIO accesses), csr.c, trap.c, exec-ext.c (M, Zba/Zbb/Zbs),
 * exec-mem.c (A; F/D loads and stores; the FP arithmetic is fpu.c), time.c
 * (Sstc: stimecmp and its timer), pmp.c (physical memory protection: 16
 * entries, checked only in mmu.c's slow paths).
 */
#ifndef MINIMU_CPU_RISCV_CPU_H
#define MINIMU_CPU_RISCV_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aio/aio.h"
#include "mem/memory.h"

typedef struct RISCVCPU RISCVCPU;

typedef struct RISCVCPUConfig {
    int hartid;
    AddressSpace *as;                   /* system memory */
    uint64_t (*get_time)(void *opaque); /* the `time` CSR (CLINT mtime, 10 MHz); may be NULL */
    void *time_opaque;
    /*
     * Sstc (stimecmp).  Offered when @timer_ctx, @get_time and @timebase_freq are all set:
     * the hart then arms a timer in @timer_ctx on its VIRTUAL clock for the moment `time`
     * (ticking at @timebase_freq Hz on that clock, as the CLINT's mtime does) reaches
     * stimecmp, and nothing polls.  When that timer raises STIP it calls @wake(@wake_opaque)
     * in @timer_ctx's home thread, after riscv_cpu_set_mip, so the board can end a WFI
     * sleep (vcpu_wake).  Otherwise stimecmp does not exist and menvcfg.STCE reads 0.
     */
    AioContext *timer_ctx;
    uint64_t timebase_freq;
    void (*wake)(void *opaque);
    void *wake_opaque;
} RISCVCPUConfig;

/* Bits of mip / mie. */
#define MIP_SSIP (1ULL << 1)
#define MIP_MSIP (1ULL << 3)
#define MIP_STIP (1ULL << 5)
#define MIP_MTIP (1ULL << 7)
#define MIP_SEIP (1ULL << 9)
#define MIP_MEIP (1ULL << 11)

/* Debug flags (cpu->log_flags through riscv_cpu_set_log). */
#define RISCV_LOG_INT    (1u << 0) /* every trap and interrupt taken */
#define RISCV_LOG_IN_ASM (1u << 1) /* every instruction executed (pc + bits), very slow */

/* A new hart, in reset state at pc 0.  NULL on OOM.  Any thread (before it runs). */
RISCVCPU *riscv_cpu_new(const RISCVCPUConfig *cfg);
void riscv_cpu_free(RISCVCPU *cpu);
/* M-mode, all registers and CSRs at their reset values, pc = @pc, TLB flushed. */
void riscv_cpu_reset(RISCVCPU *cpu, uint64_t pc);

/* Integer registers x0..x31 (x0 reads 0, writes are ignored). */
uint64_t riscv_cpu_get_reg(RISCVCPU *cpu, int reg);
void riscv_cpu_set_reg(RISCVCPU *cpu, int reg, uint64_t v);
uint64_t riscv_cpu_get_pc(RISCVCPU *cpu);
void riscv_cpu_set_pc(RISCVCPU *cpu, uint64_t pc);
/* Current privilege level: 0 = U, 1 = S, 3 = M. */
int riscv_cpu_get_priv(RISCVCPU *cpu);
/*
 * Read or write a CSR as M-mode software would (no privilege checks, side
 * effects as for csrw).  Returns false if the CSR does not exist.  For the board
 * (e.g. to set up a boot state) and for tests.
 */
bool riscv_cpu_read_csr(RISCVCPU *cpu, int csr, uint64_t *val);
bool riscv_cpu_write_csr(RISCVCPU *cpu, int csr, uint64_t val);

typedef enum { RISCV_EXIT_BUDGET, RISCV_EXIT_WFI, RISCV_EXIT_KICK } RISCVExit;

/*
 * Run up to @budget instructions in the calling (vCPU) thread; returns why it
 * stopped.  WFI returns RISCV_EXIT_WFI (pc already past the wfi) when no
 * interrupt is pending-and-enabled (mip & mie == 0); the caller sleeps until
 * riscv_cpu_has_work().  No locks held by the caller; MMIO takes the BQL inside
 * address_space_ld/st.  Interrupts are checked between slices (at most about
 * a thousand instructions apart, exec.c), and after every CSR write / xRET.
 */
RISCVExit riscv_cpu_run(RISCVCPU *cpu, int64_t budget);

/*
 * Set (@level true) or clear bits of mip from any thread (atomic); a running
 * riscv_cpu_run() notices at its next slice boundary.  MIP_SEIP here is the
 * device (PLIC) level, kept apart from the software-written SEIP bit: the
 * guest sees the OR of both.
 */
void riscv_cpu_set_mip(RISCVCPU *cpu, uint64_t mask, bool level);
/* Any thread: make riscv_cpu_run return RISCV_EXIT_KICK soon. */
void riscv_cpu_kick(RISCVCPU *cpu);
/* Any thread: (mip & mie) != 0, i.e. a WFI would wake up. */
bool riscv_cpu_has_work(RISCVCPU *cpu);
/* Any thread: instructions retired so far (updated when riscv_cpu_run returns). */
uint64_t riscv_cpu_insn_count(RISCVCPU *cpu);
/* "rv64imafdc_zicntr_zicsr_zifencei_zba_zbb_zbs" (+ "_sstc" when offered), for the device tree. */
const char *riscv_cpu_isa_string(RISCVCPU *cpu);
/* "sv48" or "sv39": the largest MMU mode (device tree mmu-type is "riscv,<this>"). */
const char *riscv_cpu_mmu_type(RISCVCPU *cpu);
/* Registers and the main CSRs, for -d and crash reports. */
void riscv_cpu_dump(RISCVCPU *cpu, FILE *f);
/* RISCV_LOG_* flags; log lines go to @f (stderr when NULL). */
void riscv_cpu_set_log(RISCVCPU *cpu, unsigned flags, FILE *f);

#endif
