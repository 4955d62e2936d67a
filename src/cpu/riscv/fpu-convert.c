/*
 * RISC-V soft-float: conversions, comparisons, FMIN/FMAX and FCLASS.
 *
 * Rounding goes through riscv_fpu__round_pack() (fpu-softfloat.c) for every float result;
 * float -> integer conversions round here, because their rounding point is the binary point
 * rather than a significand width, and saturate as the RISC-V F chapter's table demands.
 */
#include "cpu/riscv/fpu-softfloat.h"

static inline bool is_nan(const FpUnpacked *u)
{
    return u->cls == FPU_QNAN || u->cls == FPU_SNAN;
}

uint64_t riscv_fpu__convert(const FpFormat *to, const FpFormat *from, uint64_t a, int rm,
                            uint32_t *flags)
{
    FpUnpacked x = riscv_fpu__unpack(from, a);
    uint64_t sign = (uint64_t)x.sign << (to->width - 1);

    switch (x.cls) {
    case FPU_SNAN: *flags |= RISCV_FFLAG_NV; /* fall through */
    case FPU_QNAN: return to->default_nan;
    case FPU_INF: return sign | ((uint64_t)to->exp_max << to->mant_bits);
    case FPU_ZERO: return sign;
    default: return riscv_fpu__round_pack(to, x.sign, x.exp, x.sig, rm, flags);
    }
}

/* Same rule as round_pack's, for an integer rounding point. */
static bool round_up_int(int rm, bool sign, uint64_t rest, uint64_t half, bool lsb)
{
    switch (rm) {
    case RISCV_RM_RNE: return rest > half || (rest == half && lsb);
    case RISCV_RM_RTZ: return false;
    case RISCV_RM_RDN: return sign && rest != 0;
    case RISCV_RM_RUP: return !sign && rest != 0;
    default: return rest >= half;
    }
}

uint64_t riscv_fpu__to_int(const FpFormat *f, uint64_t a, int kind, int rm, uint32_t *flags)
{
    /* Largest magnitudes representable on the positive and on the negative side. */
    static const uint64_t pos_limit[4] = {0x7fffffffu, 0xffffffffu, INT64_MAX, UINT64_MAX};
    static const uint64_t neg_limit[4] = {0x80000000u, 0, 1ull << 63, 0};
    FpUnpacked x = riscv_fpu__unpack(f, a);
    bool sign = x.sign;
    uint64_t mag = 0;
    bool inexact = false, overflow = false;

    switch (x.cls) {
    case FPU_ZERO: break;
    case FPU_QNAN:
    case FPU_SNAN:
        sign = false; /* NaN converts like +inf */
        overflow = true;
        break;
    case FPU_INF: overflow = true; break;
    default:
        if (x.exp >= 64) {
            overflow = true;
        } else if (x.exp >= 62) {
            mag = x.sig << (x.exp - 62);
        } else {
            /* value = sig * 2^-s with s >= 1: split at the binary point and round. */
            int32_t s = 62 - x.exp;
            uint64_t rest = 1, half = 2; /* s >= 64: nonzero, below one half */
            if (s <= 63) {
                mag = x.sig >> s;
                rest = x.sig & ((1ull << s) - 1);
                half = 1ull << (s - 1);
            }
            if (rest) {
                inexact = true;
                mag += round_up_int(rm, sign, rest, half, mag & 1);
            }
        }
        if (mag > (sign ? neg_limit[kind] : pos_limit[kind])) {
            overflow = true;
        }
        break;
    }

    uint64_t r;
    if (overflow) {
        /* Out of range (after rounding): clip, and NV replaces NX. */
        *flags |= RISCV_FFLAG_NV;
        r = sign ? -neg_limit[kind] : pos_limit[kind];
    } else {
        if (inexact) {
            *flags |= RISCV_FFLAG_NX;
        }
        r = sign ? -mag : mag;
    }
    if (kind == FP_INT_W || kind == FP_INT_WU) {
        r = (uint64_t)(int64_t)(int32_t)(uint32_t)r;
    }
    return r;
}

uint64_t riscv_fpu__from_int(const FpFormat *f, uint64_t v, int kind, int rm, uint32_t *flags)
{
    bool sign = false;
    uint64_t mag;

    switch (kind) {
    case FP_INT_W:
        sign = (int32_t)(uint32_t)v < 0;
        mag = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
        break;
    case FP_INT_WU: mag = (uint32_t)v; break;
    case FP_INT_L:
        sign = (int64_t)v < 0;
        mag = v;
        break;
    default: mag = v; break;
    }
    if (sign) {
        mag = -mag; /* modular negation: INT64_MIN becomes 2^63 */
    }
    if (mag == 0) {
        return 0;
    }
    /* mag << lz has its top bit at 63, which round_pack accepts: mag = sig * 2^(-lz). */
    int lz = __builtin_clzll(mag);
    return riscv_fpu__round_pack(f, sign, 62 - lz, mag << lz, rm, flags);
}

/* a < b for non-NaN encodings in sign-magnitude order, where -0 < +0. */
static bool lt_total(const FpFormat *f, uint64_t a, uint64_t b)
{
    bool sa = (a >> (f->width - 1)) & 1;
    bool sb = (b >> (f->width - 1)) & 1;
    if (sa != sb) {
        return sa;
    }
    return sa ? a > b : a < b;
}

static bool both_zero(const FpFormat *f, uint64_t a, uint64_t b)
{
    uint64_t mag_mask = ~0ull >> (65 - f->width);
    return ((a | b) & mag_mask) == 0;
}

bool riscv_fpu__eq(const FpFormat *f, uint64_t a, uint64_t b, uint32_t *flags)
{
    FpUnpacked x = riscv_fpu__unpack(f, a);
    FpUnpacked y = riscv_fpu__unpack(f, b);
    if (is_nan(&x) || is_nan(&y)) {
        if (x.cls == FPU_SNAN || y.cls == FPU_SNAN) {
            *flags |= RISCV_FFLAG_NV;
        }
        return false;
    }
    return a == b || both_zero(f, a, b);
}

bool riscv_fpu__lt(const FpFormat *f, uint64_t a, uint64_t b, uint32_t *flags)
{
    FpUnpacked x = riscv_fpu__unpack(f, a);
    FpUnpacked y = riscv_fpu__unpack(f, b);
    if (is_nan(&x) || is_nan(&y)) {
        *flags |= RISCV_FFLAG_NV;
        return false;
    }
    return !both_zero(f, a, b) && lt_total(f, a, b);
}

bool riscv_fpu__le(const FpFormat *f, uint64_t a, uint64_t b, uint32_t *flags)
{
    FpUnpacked x = riscv_fpu__unpack(f, a);
    FpUnpacked y = riscv_fpu__unpack(f, b);
    if (is_nan(&x) || is_nan(&y)) {
        *flags |= RISCV_FFLAG_NV;
        return false;
    }
    return a == b || both_zero(f, a, b) || lt_total(f, a, b);
}

uint64_t riscv_fpu__minmax(const FpFormat *f, uint64_t a, uint64_t b, bool is_max, uint32_t *flags)
{
    FpUnpacked x = riscv_fpu__unpack(f, a);
    FpUnpacked y = riscv_fpu__unpack(f, b);
    if (x.cls == FPU_SNAN || y.cls == FPU_SNAN) {
        *flags |= RISCV_FFLAG_NV;
    }
    if (is_nan(&x)) {
        return is_nan(&y) ? f->default_nan : b;
    }
    if (is_nan(&y)) {
        return a;
    }
    return lt_total(f, a, b) != is_max ? a : b;
}

uint64_t riscv_fpu__classify(const FpFormat *f, uint64_t a)
{
    FpUnpacked x = riscv_fpu__unpack(f, a);
    bool subnormal = ((a >> f->mant_bits) & (uint64_t)f->exp_max) == 0;

    switch (x.cls) {
    case FPU_INF: return x.sign ? 1u << 0 : 1u << 7;
    case FPU_ZERO: return x.sign ? 1u << 3 : 1u << 4;
    case FPU_SNAN: return 1u << 8;
    case FPU_QNAN: return 1u << 9;
    default:
        if (x.sign) {
            return subnormal ? 1u << 2 : 1u << 1;
        }
        return subnormal ? 1u << 5 : 1u << 6;
    }
}
