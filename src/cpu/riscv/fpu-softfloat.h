/*
 * Module-private interface of the RISC-V soft-float (fpu-softfloat.c, fpu-convert.c), used
 * by the instruction decoder in fpu.c.  Not for use outside src/cpu/riscv/fpu*.c.
 *
 * One implementation serves both binary32 and binary64: an operation takes a FpFormat
 * describing the encoding and raw encodings (binary32 in the low 32 bits, upper bits zero).
 * Every function is pure: it returns the result encoding and ORs RISCV_FFLAG_* bits into
 * *flags.  rm must be a concrete rounding mode (RISCV_RM_RNE..RISCV_RM_RMM), never DYN.
 * Generated NaNs are the format's canonical NaN, as RISC-V requires.
 */
#ifndef MINIMU_CPU_RISCV_FPU_SOFTFLOAT_H
#define MINIMU_CPU_RISCV_FPU_SOFTFLOAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/riscv/fpu.h"

typedef struct FpFormat {
    int width;            /* encoding width: 32 or 64 */
    int mant_bits;        /* stored fraction bits: 23 or 52 */
    int exp_max;          /* all-ones biased exponent: 255 or 2047 */
    int bias;             /* 127 or 1023 */
    uint64_t default_nan; /* canonical quiet NaN */
} FpFormat;

extern const FpFormat riscv_fpu__fmt_s;
extern const FpFormat riscv_fpu__fmt_d;

enum { FPU_ZERO, FPU_FINITE, FPU_INF, FPU_QNAN, FPU_SNAN };

/*
 * An operand split into its parts.  For FPU_FINITE (normal or subnormal) the value is
 * sig * 2^(exp - 62) with bit 62 of sig set: every finite number, subnormals included, is
 * normalized, and bit 63 is left free for carries.
 */
typedef struct FpUnpacked {
    int cls;
    bool sign;
    int32_t exp;
    uint64_t sig;
} FpUnpacked;

/* Inline: every operation starts with it. */
static inline FpUnpacked riscv_fpu__unpack(const FpFormat *f, uint64_t a)
{
    int m = f->mant_bits;
    uint64_t frac = a & ((1ull << m) - 1);
    int be = (int)((a >> m) & (uint64_t)f->exp_max);
    FpUnpacked u = {.sign = (a >> (f->width - 1)) & 1};

    if (be == f->exp_max) {
        if (frac == 0) {
            u.cls = FPU_INF;
        } else {
            u.cls = (frac >> (m - 1)) & 1 ? FPU_QNAN : FPU_SNAN;
        }
    } else if (be == 0) {
        if (frac == 0) {
            u.cls = FPU_ZERO;
        } else {
            /* Subnormal: normalize so that it looks like any other finite number. */
            int lz = __builtin_clzll(frac) - 1;
            u.cls = FPU_FINITE;
            u.sig = frac << lz;
            u.exp = 1 - f->bias + (62 - m) - lz;
        }
    } else {
        u.cls = FPU_FINITE;
        u.sig = (frac | (1ull << m)) << (62 - m);
        u.exp = be - f->bias;
    }
    return u;
}

/*
 * Round sign * sig * 2^(exp - 62) to format f and encode it, raising NX/UF/OF.  sig must
 * have its top set bit at 62 or 63 (it is renormalized if at 63); bit 0 acts as a sticky bit,
 * so callers jam discarded nonzero bits into it.  Any exp is accepted.
 */
uint64_t riscv_fpu__round_pack(const FpFormat *f, bool sign, int32_t exp, uint64_t sig, int rm,
                               uint32_t *flags);

/* IEEE 754 operations with RISC-V NaN rules. */
uint64_t riscv_fpu__add(const FpFormat *f, uint64_t a, uint64_t b, bool negate_b, int rm,
                        uint32_t *flags);
uint64_t riscv_fpu__mul(const FpFormat *f, uint64_t a, uint64_t b, int rm, uint32_t *flags);
uint64_t riscv_fpu__div(const FpFormat *f, uint64_t a, uint64_t b, int rm, uint32_t *flags);
uint64_t riscv_fpu__sqrt(const FpFormat *f, uint64_t a, int rm, uint32_t *flags);
/* (negate_product ? -(a*b) : a*b) + (negate_c ? -c : c), rounded once. */
uint64_t riscv_fpu__fma(const FpFormat *f, uint64_t a, uint64_t b, uint64_t c, bool negate_product,
                        bool negate_c, int rm, uint32_t *flags);

/* binary32 <-> binary64 (FCVT.S.D / FCVT.D.S). */
uint64_t riscv_fpu__convert(const FpFormat *to, const FpFormat *from, uint64_t a, int rm,
                            uint32_t *flags);

/* Integer kinds of FCVT, as in the rs2 field. */
enum { FP_INT_W = 0, FP_INT_WU = 1, FP_INT_L = 2, FP_INT_LU = 3 };

/*
 * Float -> integer with RISC-V saturation (NaN converts to the maximum).  32-bit results are
 * returned sign-extended to 64 bits, as FCVT.W[U] writes them.
 */
uint64_t riscv_fpu__to_int(const FpFormat *f, uint64_t a, int kind, int rm, uint32_t *flags);
/* Integer -> float; v is interpreted according to kind (only its low 32 bits for W/WU). */
uint64_t riscv_fpu__from_int(const FpFormat *f, uint64_t v, int kind, int rm, uint32_t *flags);

/* FEQ (quiet), FLT and FLE (signaling).  Return 0 when unordered. */
bool riscv_fpu__eq(const FpFormat *f, uint64_t a, uint64_t b, uint32_t *flags);
bool riscv_fpu__lt(const FpFormat *f, uint64_t a, uint64_t b, uint32_t *flags);
bool riscv_fpu__le(const FpFormat *f, uint64_t a, uint64_t b, uint32_t *flags);

/* FMIN/FMAX: IEEE 754-2019 minimumNumber/maximumNumber, -0 < +0. */
uint64_t riscv_fpu__minmax(const FpFormat *f, uint64_t a, uint64_t b, bool is_max, uint32_t *flags);

/* FCLASS mask (exactly one of bits 0..9 set). */
uint64_t riscv_fpu__classify(const FpFormat *f, uint64_t a);

#endif /* MINIMU_CPU_RISCV_FPU_SOFTFLOAT_H */
