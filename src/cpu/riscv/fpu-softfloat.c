/*
 * RISC-V soft-float: rounding core and the arithmetic operations (add, mul, div, sqrt, fma).
 *
 * Why a soft-float rather than the host FPU: the guest selects one of five rounding modes per
 * instruction and reads back exact IEEE flags, and RISC-V wants canonical NaNs where hosts
 * propagate payloads.  WebAssembly offers only round-to-nearest and no flags at all, so an
 * integer implementation is the only one that behaves identically everywhere.
 *
 * Technique: operands are unpacked into (sign, exp, 63-bit normalized significand) -- see
 * FpUnpacked -- which is wide enough for binary64 plus 10 guard bits.  Each operation computes
 * an exact or "round-to-odd" intermediate (discarded nonzero bits are jammed into bit 0) and
 * hands it to riscv_fpu__round_pack(), the single place where rounding, overflow, underflow
 * and subnormal encoding happen.  Jamming is sound because at least two guard bits always
 * separate bit 0 from the final rounding position, so an odd intermediate can never sit on
 * a rounding boundary.  Products and the FMA sum use unsigned __int128.
 */
#include <math.h>

#include "cpu/riscv/fpu-softfloat.h"

const FpFormat riscv_fpu__fmt_s = {32, 23, 255, 127, 0x7fc00000u};
const FpFormat riscv_fpu__fmt_d = {64, 52, 2047, 1023, 0x7ff8000000000000ull};

typedef unsigned __int128 u128;

static inline uint64_t shift_right_jam64(uint64_t x, int32_t n)
{
    if (n <= 0) {
        return x;
    }
    if (n >= 64) {
        return x != 0;
    }
    return (x >> n) | ((x << (64 - n)) != 0);
}

static inline u128 shift_right_jam128(u128 x, int32_t n)
{
    if (n <= 0) {
        return x;
    }
    if (n >= 128) {
        return x != 0;
    }
    return (x >> n) | ((x << (128 - n)) != 0);
}

static inline int clz128(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);
    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)x);
}

static inline bool is_nan(const FpUnpacked *u)
{
    return u->cls == FPU_QNAN || u->cls == FPU_SNAN;
}

static inline uint64_t sign_bit(const FpFormat *f, bool sign)
{
    return (uint64_t)sign << (f->width - 1);
}

static inline uint64_t pack_zero(const FpFormat *f, bool sign)
{
    return sign_bit(f, sign);
}

static inline uint64_t pack_inf(const FpFormat *f, bool sign)
{
    return sign_bit(f, sign) | ((uint64_t)f->exp_max << f->mant_bits);
}

static inline uint64_t invalid(const FpFormat *f, uint32_t *flags)
{
    *flags |= RISCV_FFLAG_NV;
    return f->default_nan;
}

/* A NaN operand makes a canonical NaN; only a signaling one raises NV. */
static uint64_t nan_result(const FpFormat *f, const FpUnpacked *a, const FpUnpacked *b,
                           uint32_t *flags)
{
    if (a->cls == FPU_SNAN || (b && b->cls == FPU_SNAN)) {
        *flags |= RISCV_FFLAG_NV;
    }
    return f->default_nan;
}

/* Whether discarding 'rest' (of which 'half' is the midpoint) rounds the kept part up. */
static inline bool round_up(int rm, bool sign, uint64_t rest, uint64_t half, bool lsb)
{
    switch (rm) {
    case RISCV_RM_RNE: return rest > half || (rest == half && lsb);
    case RISCV_RM_RTZ: return false;
    case RISCV_RM_RDN: return sign && rest != 0;
    case RISCV_RM_RUP: return !sign && rest != 0;
    default: return rest >= half; /* RMM */
    }
}

/* What to add below the rounding point so that the carry out of it implements mode rm. */
static inline uint64_t round_increment(int rm, bool sign, uint64_t mask, uint64_t half)
{
    switch (rm) {
    case RISCV_RM_RNE:
    case RISCV_RM_RMM: return half;
    case RISCV_RM_RTZ: return 0;
    case RISCV_RM_RDN: return sign ? mask : 0;
    default: return sign ? 0 : mask; /* RUP */
    }
}

uint64_t riscv_fpu__round_pack(const FpFormat *f, bool sign, int32_t exp, uint64_t sig, int rm,
                               uint32_t *flags)
{
    int m = f->mant_bits;
    int sh = 62 - m; /* bits below the kept significand */
    uint64_t mask = (1ull << sh) - 1;
    uint64_t half = 1ull << (sh - 1);
    bool tiny = false;

    if (sig >> 63) {
        sig = shift_right_jam64(sig, 1);
        exp++;
    }
    int32_t be = exp + f->bias;
    if (be <= 0) {
        /*
         * Below the normal range.  RISC-V detects tininess after rounding: the result is
         * tiny unless rounding to full precision with an unbounded exponent would carry it
         * up to the smallest normal, which is only possible from be == 0.
         */
        tiny = true;
        if (be == 0 && (sig >> sh) == (1ull << (m + 1)) - 1 &&
            round_up(rm, sign, sig & mask, half, true)) {
            tiny = false;
        }
        sig = shift_right_jam64(sig, 1 - be);
        be = 1;
    }

    /* Branch-free rounding (the outcome is data-dependent, so branches would mispredict):
     * add the mode's increment and let the carry decide; RNE then breaks exact ties to even. */
    uint64_t rest = sig & mask;
    uint64_t q = (sig + round_increment(rm, sign, mask, half)) >> sh;
    q &= ~(uint64_t)(rm == RISCV_RM_RNE && rest == half);
    if (rest) {
        *flags |= RISCV_FFLAG_NX | (tiny ? RISCV_FFLAG_UF : 0);
    }
    if (q >> (m + 1)) {
        /* Rounded up to the next power of two: q is now exactly 2^(m+1). */
        q >>= 1;
        be++;
    }
    if (be >= f->exp_max) {
        *flags |= RISCV_FFLAG_OF | RISCV_FFLAG_NX;
        bool to_inf = rm == RISCV_RM_RNE || rm == RISCV_RM_RMM || (rm == RISCV_RM_RDN && sign) ||
                      (rm == RISCV_RM_RUP && !sign);
        return to_inf ? pack_inf(f, sign) : pack_inf(f, sign) - 1; /* largest finite */
    }
    /* A subnormal result (q without the hidden bit) is encoded with exponent field 0. */
    uint64_t field = (q >> m) ? (uint64_t)be : 0;
    return sign_bit(f, sign) | (field << m) | (q & ((1ull << m) - 1));
}

/* |x| + |y| or |x| - |y| for finite nonzero x, y; signs are in the operands. */
static uint64_t add_finite(const FpFormat *f, FpUnpacked x, FpUnpacked y, int rm, uint32_t *flags)
{
    if (x.exp < y.exp || (x.exp == y.exp && x.sig < y.sig)) {
        FpUnpacked t = x;
        x = y;
        y = t;
    }
    uint64_t ys = shift_right_jam64(y.sig, x.exp - y.exp);
    if (x.sign == y.sign) {
        return riscv_fpu__round_pack(f, x.sign, x.exp, x.sig + ys, rm, flags);
    }
    uint64_t diff = x.sig - ys;
    if (diff == 0) {
        /* Exact cancellation: +0, except -0 when rounding down (IEEE 754 6.3). */
        return pack_zero(f, rm == RISCV_RM_RDN);
    }
    int lz = __builtin_clzll(diff) - 1;
    return riscv_fpu__round_pack(f, x.sign, x.exp - lz, diff << lz, rm, flags);
}

uint64_t riscv_fpu__add(const FpFormat *f, uint64_t a, uint64_t b, bool negate_b, int rm,
                        uint32_t *flags)
{
    FpUnpacked x = riscv_fpu__unpack(f, a);
    FpUnpacked y = riscv_fpu__unpack(f, b);
    y.sign ^= negate_b;

    if (is_nan(&x) || is_nan(&y)) {
        return nan_result(f, &x, &y, flags);
    }
    if (x.cls == FPU_INF) {
        if (y.cls == FPU_INF && x.sign != y.sign) {
            return invalid(f, flags);
        }
        return pack_inf(f, x.sign);
    }
    if (y.cls == FPU_INF) {
        return pack_inf(f, y.sign);
    }
    if (y.cls == FPU_ZERO) {
        if (x.cls == FPU_ZERO && x.sign != y.sign) {
            return pack_zero(f, rm == RISCV_RM_RDN);
        }
        return a; /* x + 0 is exactly x (and -0 + -0 is -0) */
    }
    if (x.cls == FPU_ZERO) {
        return b ^ sign_bit(f, negate_b);
    }
    return add_finite(f, x, y, rm, flags);
}

uint64_t riscv_fpu__mul(const FpFormat *f, uint64_t a, uint64_t b, int rm, uint32_t *flags)
{
    FpUnpacked x = riscv_fpu__unpack(f, a);
    FpUnpacked y = riscv_fpu__unpack(f, b);
    bool sign = x.sign ^ y.sign;

    if (is_nan(&x) || is_nan(&y)) {
        return nan_result(f, &x, &y, flags);
    }
    if (x.cls == FPU_INF || y.cls == FPU_INF) {
        if (x.cls == FPU_ZERO || y.cls == FPU_ZERO) {
            return invalid(f, flags);
        }
        return pack_inf(f, sign);
    }
    if (x.cls == FPU_ZERO || y.cls == FPU_ZERO) {
        return pack_zero(f, sign);
    }
    /* (sx * 2^(ex-62)) * (sy * 2^(ey-62)) = (p >> 62) * 2^(ex+ey-62), p in [2^124, 2^126). */
    u128 p = (u128)x.sig * y.sig;
    uint64_t sig = (uint64_t)(p >> 62) | (((uint64_t)p & ((1ull << 62) - 1)) != 0);
    return riscv_fpu__round_pack(f, sign, x.exp + y.exp, sig, rm, flags);
}

uint64_t riscv_fpu__div(const FpFormat *f, uint64_t a, uint64_t b, int rm, uint32_t *flags)
{
    FpUnpacked x = riscv_fpu__unpack(f, a);
    FpUnpacked y = riscv_fpu__unpack(f, b);
    bool sign = x.sign ^ y.sign;

    if (is_nan(&x) || is_nan(&y)) {
        return nan_result(f, &x, &y, flags);
    }
    if (x.cls == FPU_INF) {
        return y.cls == FPU_INF ? invalid(f, flags) : pack_inf(f, sign);
    }
    if (y.cls == FPU_INF) {
        return pack_zero(f, sign);
    }
    if (y.cls == FPU_ZERO) {
        if (x.cls == FPU_ZERO) {
            return invalid(f, flags);
        }
        *flags |= RISCV_FFLAG_DZ;
        return pack_inf(f, sign);
    }
    if (x.cls == FPU_ZERO) {
        return pack_zero(f, sign);
    }
    /* Make the significand quotient land in [1, 2) so q has its top bit at 62. */
    uint64_t xs = x.sig;
    int32_t exp = x.exp - y.exp;
    if (xs < y.sig) {
        xs <<= 1;
        exp--;
    }
    u128 n = (u128)xs << 62;
    uint64_t q = (uint64_t)(n / y.sig);
    bool rem = (uint64_t)(n % y.sig) != 0;
    return riscv_fpu__round_pack(f, sign, exp, q | rem, rm, flags);
}

/*
 * floor(sqrt(m)) for m in [2^124, 2^126).  The host's sqrt() only provides a starting point
 * (any host, any rounding mode: the integer correction below makes the result exact).
 */
static uint64_t isqrt128(u128 m)
{
    uint64_t r = (uint64_t)sqrt((double)m);
    r = (uint64_t)(((u128)r + m / r) >> 1); /* Newton step: ~100 correct bits */
    while ((u128)r * r > m) {
        r--;
    }
    while ((u128)(r + 1) * (r + 1) <= m) {
        r++;
    }
    return r;
}

uint64_t riscv_fpu__sqrt(const FpFormat *f, uint64_t a, int rm, uint32_t *flags)
{
    FpUnpacked x = riscv_fpu__unpack(f, a);

    if (is_nan(&x)) {
        return nan_result(f, &x, NULL, flags);
    }
    if (x.cls == FPU_ZERO) {
        return a; /* sqrt(-0) = -0 */
    }
    if (x.sign) {
        return invalid(f, flags);
    }
    if (x.cls == FPU_INF) {
        return a;
    }
    /*
     * sqrt(sig * 2^(e-62)): make the exponent even, then r = isqrt(sig << 62 or 63) has its
     * top bit at 62 and the result is r * 2^(e/2 - 62) (e odd: ((e-1)/2 - 62)).
     */
    int32_t e = x.exp;
    u128 m = (u128)x.sig << ((e & 1) ? 63 : 62);
    int32_t re = (e & 1) ? (e - 1) / 2 : e / 2;
    uint64_t r = isqrt128(m);
    bool inexact = (u128)r * r != m;
    return riscv_fpu__round_pack(f, false, re, r | inexact, rm, flags);
}

uint64_t riscv_fpu__fma(const FpFormat *f, uint64_t a, uint64_t b, uint64_t c, bool negate_product,
                        bool negate_c, int rm, uint32_t *flags)
{
    FpUnpacked x = riscv_fpu__unpack(f, a);
    FpUnpacked y = riscv_fpu__unpack(f, b);
    FpUnpacked z = riscv_fpu__unpack(f, c);
    bool psign = x.sign ^ y.sign ^ negate_product;
    z.sign ^= negate_c;
    bool inf_times_zero =
        (x.cls == FPU_INF && y.cls == FPU_ZERO) || (x.cls == FPU_ZERO && y.cls == FPU_INF);

    if (is_nan(&x) || is_nan(&y) || is_nan(&z)) {
        /* RISC-V: inf * 0 raises NV even when the addend is a quiet NaN. */
        if (x.cls == FPU_SNAN || y.cls == FPU_SNAN || z.cls == FPU_SNAN || inf_times_zero) {
            *flags |= RISCV_FFLAG_NV;
        }
        return f->default_nan;
    }
    if (inf_times_zero) {
        return invalid(f, flags);
    }
    if (x.cls == FPU_INF || y.cls == FPU_INF) {
        if (z.cls == FPU_INF && z.sign != psign) {
            return invalid(f, flags);
        }
        return pack_inf(f, psign);
    }
    if (z.cls == FPU_INF) {
        return pack_inf(f, z.sign);
    }
    if (x.cls == FPU_ZERO || y.cls == FPU_ZERO) {
        if (z.cls == FPU_ZERO) {
            return pack_zero(f, psign == z.sign ? psign : rm == RISCV_RM_RDN);
        }
        return c ^ sign_bit(f, negate_c); /* 0 + z is exactly z */
    }

    /* Exact product P * 2^(pe-124), normalized to P in [2^124, 2^125).  The bit shifted out
     * is always zero: both significands carry >= 10 zero low bits. */
    u128 p = (u128)x.sig * y.sig;
    int32_t pe = x.exp + y.exp;
    if (p >> 125) {
        p >>= 1;
        pe++;
    }
    u128 big = p, small = 0;
    int32_t be = pe, se = pe;
    bool bsign = psign, ssign = psign;
    if (z.cls != FPU_ZERO) {
        u128 cz = (u128)z.sig << 62; /* also in [2^124, 2^125), scale 2^(ze-124) */
        if (z.exp > pe || (z.exp == pe && cz > p)) {
            big = cz, be = z.exp, bsign = z.sign;
            small = p, se = pe, ssign = psign;
        } else {
            small = cz, se = z.exp, ssign = z.sign;
        }
    }
    small = shift_right_jam128(small, be - se);
    u128 r;
    if (bsign == ssign) {
        r = big + small;
    } else {
        r = big - small;
        if (r == 0) {
            return pack_zero(f, rm == RISCV_RM_RDN);
        }
    }
    /* Result r * 2^(be-124); bring its top bit to 62 of a 64-bit significand. */
    int top = 127 - clz128(r);
    uint64_t sig;
    if (top >= 62) {
        sig = (uint64_t)shift_right_jam128(r, top - 62);
    } else {
        sig = (uint64_t)r << (62 - top);
    }
    return riscv_fpu__round_pack(f, bsign, be - 124 + top, sig, rm, flags);
}
