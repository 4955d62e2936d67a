/*
 * RISC-V F/D floating-point compute core.
 *
 * The interpreter hands every F/D *compute* instruction to riscv_fpu_exec(); loads, stores
 * (FLW/FSW/FLD/FSD), the fcsr CSRs and the mstatus.FS "FPU enabled/dirty" bookkeeping stay
 * in the CPU.  Arithmetic is a self-contained integer soft-float (fpu-softfloat.c): the host
 * FPU is never used for results, so the guest sees bit-identical results and exception flags
 * in every rounding mode on any host, including WebAssembly where the host has neither
 * directed rounding nor fenv flags.
 *
 * All functions are pure with respect to their arguments: no global state, so any thread
 * may call them on a state it owns (in practice the vCPU thread owning the RISCVFPState).
 */
#ifndef MINIMU_CPU_RISCV_FPU_H
#define MINIMU_CPU_RISCV_FPU_H

#include <stdint.h>

/* fflags bits (fcsr[4:0]). */
#define RISCV_FFLAG_NX 0x01u /* inexact */
#define RISCV_FFLAG_UF 0x02u /* underflow (tininess detected after rounding) */
#define RISCV_FFLAG_OF 0x04u /* overflow */
#define RISCV_FFLAG_DZ 0x08u /* divide by zero */
#define RISCV_FFLAG_NV 0x10u /* invalid operation */

/* Rounding modes, as in the instruction rm field and fcsr.frm. 5 and 6 are reserved. */
enum {
    RISCV_RM_RNE = 0, /* to nearest, ties to even */
    RISCV_RM_RTZ = 1, /* towards zero */
    RISCV_RM_RDN = 2, /* towards -inf */
    RISCV_RM_RUP = 3, /* towards +inf */
    RISCV_RM_RMM = 4, /* to nearest, ties away from zero */
    RISCV_RM_DYN = 7, /* instruction field only: use fcsr.frm */
};

/*
 * Floating-point architectural state.  f[] holds FLEN=64 registers; single-precision values
 * live NaN-boxed in them (upper 32 bits all ones).  fflags holds the accrued flags (only
 * bits 4:0 are ever set by this module), frm the dynamic rounding mode (0..7, as written by
 * the guest: invalid values are only diagnosed when an instruction uses rm=DYN).
 */
typedef struct RISCVFPState {
    uint64_t f[32];
    uint32_t fflags;
    uint32_t frm;
} RISCVFPState;

/*
 * Execute one F/D compute instruction: opcodes 0x43,0x47,0x4b,0x4f (FMADD/FMSUB/FNMSUB/FNMADD
 * .S/.D) and 0x53 (OP-FP: add/sub/mul/div/sqrt, fsgnj*, fmin/fmax, fcvt between S/D and
 * W/WU/L/LU in both directions, fmv.x.w, fmv.w.x, fmv.x.d, fmv.d.x, feq/flt/fle, fclass).
 * Integer source/dest registers are read from / written to x[] (x must hold 32 entries; the
 * caller re-zeroes x[0] afterwards).
 *
 * Returns 0 on success, -1 if the instruction is illegal (reserved rm, rm=DYN with frm
 * invalid, unknown funct/fmt, H/Q formats, nonzero rs2 where the encoding requires zero), in
 * which case nothing was modified and the caller raises an illegal-instruction exception.
 *
 * NaN boxing: a single-precision operand whose upper 32 bits are not all 1 reads as the
 * canonical NaN (except for FMV.X.W, which moves raw bits); results of single ops are boxed.
 * Generated NaNs are canonical (0x7fc00000 / 0x7ff8000000000000); payloads never propagate.
 * Exception flags (NV, DZ, OF, UF, NX) accrue (are OR-ed) into fflags.
 *
 * Caller: the thread executing the vCPU that owns fp and x.  Does not touch mstatus.FS:
 * the caller marks the FP state dirty after a successful return.
 */
int riscv_fpu_exec(RISCVFPState *fp, uint64_t *x, uint32_t insn);

#endif /* MINIMU_CPU_RISCV_FPU_H */
