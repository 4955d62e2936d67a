/*
 * test-riscv-fpu-host.c - a randomized cross-check of the RISC-V F/D core:
 * add/sub/mul/div/sqrt/fma and conversions, results and flags, against the
 * x86-64 host FPU in its four IEEE rounding modes (a test, unlike src/, may
 * use <fenv.h>), and RMM against a binary128 recomputation.
 */
#include "test-riscv-fpu.h"

/* ---- randomized cross-check against the host -------------------------------------------- */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rng_next(Rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

/* An operand biased towards interesting encodings; 'other' lets it be close to another. */
static uint64_t rand_operand(Rng *r, bool dbl, uint64_t other)
{
    int mb = dbl ? 52 : 23, eb = dbl ? 11 : 8;
    uint64_t emax = (1u << eb) - 1, bias = emax >> 1;
    uint64_t mmask = (1ull << mb) - 1;
    uint64_t v = rng_next(r), sel = v % 16;
    uint64_t sign = (rng_next(r) & 1) << (mb + eb);
    uint64_t mant = rng_next(r) & mmask;
    if (rng_next(r) & 1) {
        /* Few significant bits: makes exact results and ties likely. */
        mant &= ~0ull << (mb - (rng_next(r) % 8));
    }
    uint64_t exp;
    switch (sel) {
    case 0:
    case 1:
    case 2: return rng_next(r) & (dbl ? ~0ull : 0xffffffffull);
    case 3: exp = 0; break; /* subnormal or zero */
    case 4: exp = rng_next(r) % 4 + 1; break;
    case 5: exp = emax - 1 - rng_next(r) % 4; break;
    case 6: exp = (rng_next(r) & 1) ? emax : 0, mant = (rng_next(r) % 4 == 0) ? mant : 0; break;
    case 7:
    case 8:
    case 9: {
        /* Near 'other': same or adjacent exponent, for cancellation and ties. */
        uint64_t oe = (other >> mb) & emax;
        int64_t e = (int64_t)oe + (int64_t)(rng_next(r) % 5) - 2;
        exp = e < 1 ? 1 : e >= (int64_t)emax ? emax - 1 : (uint64_t)e;
        mant = (other & mmask) ^ (rng_next(r) & ((1ull << (rng_next(r) % (mb + 1))) - 1));
        break;
    }
    case 15:
        /* Mantissa (nearly) all ones, or (nearly) zero, at 0.5..1 or at the bottom of the
         * normal range: products land just below or above 2^emin (tininess after rounding). */
        exp = (rng_next(r) & 1) ? bias - 1 : 1 + rng_next(r) % 2;
        mant = (rng_next(r) & 1) ? mmask ^ (rng_next(r) & 7) : rng_next(r) & 7;
        break;
    default: exp = bias - 30 + rng_next(r) % 60; break;
    }
    return sign | exp << mb | mant;
}

static const int host_modes[4] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};

static uint32_t host_flags(void)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    return (e & FE_INEXACT ? NX : 0) | (e & FE_UNDERFLOW ? UF : 0) | (e & FE_OVERFLOW ? OF : 0) |
           (e & FE_DIVBYZERO ? DZ : 0) | (e & FE_INVALID ? NV : 0);
}

/* X_CVT_D*: integer (of the kind named) to float; X_CVT_SD: fcvt.s.d; X_CVT_LD: fcvt.l.d. */
enum {
    X_ADD,
    X_SUB,
    X_MUL,
    X_DIV,
    X_SQRT,
    X_FMA,
    X_CVT_SD,
    X_CVT_DL,
    X_CVT_LD,
    X_CVT_DW,
    X_CVT_DWU,
    X_CVT_DLU
};

static bool is_int_to_float(int op)
{
    return op == X_CVT_DL || op == X_CVT_DW || op == X_CVT_DWU || op == X_CVT_DLU;
}

/* Kind (rs2 field) of an integer-to-float op, and its source value exactly. */
static unsigned int_kind(int op)
{
    return op == X_CVT_DW ? W : op == X_CVT_DWU ? WU : op == X_CVT_DLU ? LU : L;
}

static __float128 int_value(int op, uint64_t a)
{
    switch (op) {
    case X_CVT_DW: return (int32_t)(uint32_t)a;
    case X_CVT_DWU: return (uint32_t)a;
    case X_CVT_DLU: return a;
    default: return (int64_t)a;
    }
}

/* The host's answer for op on a, b, c (encodings), in the current host rounding mode. */
static uint64_t host_op(int op, bool dbl, uint64_t a, uint64_t b, uint64_t c, uint32_t *flags)
{
    uint64_t res = 0;
    if (dbl) {
        volatile double x = bits_f64(a), y = bits_f64(b), z = bits_f64(c), rr = 0;
        volatile long long ll = 0;
        feclearexcept(FE_ALL_EXCEPT);
        switch (op) {
        case X_ADD: rr = x + y; break;
        case X_SUB: rr = x - y; break;
        case X_MUL: rr = x * y; break;
        case X_DIV: rr = x / y; break;
        case X_SQRT: rr = sqrt(x); break;
        case X_FMA: rr = fma(x, y, z); break;
        case X_CVT_DL: rr = (double)(int64_t)a; break;
        case X_CVT_DW: rr = (double)(int32_t)(uint32_t)a; break;
        case X_CVT_DWU: rr = (double)(uint32_t)a; break;
        case X_CVT_DLU: rr = (double)a; break;
        case X_CVT_LD: ll = llrint(x); break;
        default: break;
        }
        *flags = host_flags();
        res = op == X_CVT_LD ? (uint64_t)ll : f64_bits(rr);
    } else {
        volatile float x = bits_f32((uint32_t)a), y = bits_f32((uint32_t)b), rr = 0;
        volatile float z = bits_f32((uint32_t)c);
        feclearexcept(FE_ALL_EXCEPT);
        switch (op) {
        case X_ADD: rr = x + y; break;
        case X_SUB: rr = x - y; break;
        case X_MUL: rr = x * y; break;
        case X_DIV: rr = x / y; break;
        case X_SQRT: rr = sqrtf(x); break;
        case X_FMA: rr = fmaf(x, y, z); break;
        case X_CVT_SD: rr = (float)bits_f64(a); break;
        case X_CVT_DW: rr = (float)(int32_t)(uint32_t)a; break;
        case X_CVT_DWU: rr = (float)(uint32_t)a; break;
        case X_CVT_DLU: rr = (float)a; break;
        default: rr = (float)(int64_t)a; break; /* X_CVT_DL: fcvt.s.l */
        }
        *flags = host_flags();
        res = f32_bits(rr);
    }
    return res;
}

/* Our answer, through riscv_fpu_exec. */
static uint64_t our_op(int op, bool dbl, uint64_t a, uint64_t b, uint64_t c, unsigned rm,
                       uint32_t *flags)
{
    unsigned fmt = dbl ? FMT_D : FMT_S;
    uint64_t bx = dbl ? 0 : BOX;
    static const unsigned f5[] = {ADD, SUB, MUL, DIV, SQRT};
    Run r;
    switch (op) {
    case X_FMA: r = run(enc_r4(OPC_FMADD, fmt, rm), a | bx, b | bx, c | bx, 0); break;
    case X_SQRT: r = run(enc_op(SQRT, fmt, 0, rm), a | bx, 0, 0, 0); break;
    case X_CVT_SD: r = run(enc_op(CVT_FF, FMT_S, 1, rm), a, 0, 0, 0); break;
    case X_CVT_DL:
    case X_CVT_DW:
    case X_CVT_DWU:
    case X_CVT_DLU: r = run(enc_op(CVT_FI, fmt, int_kind(op), rm), 0, 0, 0, a); break;
    case X_CVT_LD: r = run(enc_op(CVT_IF, FMT_D, L, rm), a, 0, 0, 0); break;
    default: r = run(enc_op(f5[op], fmt, 2, rm), a | bx, b | bx, 0, 0); break;
    }
    *flags = r.flags;
    if (op == X_CVT_LD) {
        return r.x;
    }
    if (!dbl || op == X_CVT_SD) {
        assert_true((r.f & BOX) == BOX);
        return (uint32_t)r.f;
    }
    return r.f;
}

static bool is_nan_bits(uint64_t v, bool dbl)
{
    return dbl ? (v & ~(1ull << 63)) > D_INF : (v & 0x7fffffffu) > S_INF;
}

static bool is_inf_bits(uint64_t v, bool dbl)
{
    return dbl ? (v & ~(1ull << 63)) == D_INF : (v & 0x7fffffffu) == S_INF;
}

static __float128 wide(uint64_t v, bool dbl)
{
    return dbl ? (__float128)bits_f64(v) : (__float128)bits_f32((uint32_t)v);
}

/*
 * The host has no round-to-nearest-max-magnitude, so derive it: an operation's RMM result is
 * its RNE result except on an exact tie, where it is the result rounded away from zero.  A
 * tie is detected by recomputing in binary128 (libgcc soft-fp, which raises host flags): a
 * midpoint of two floats/doubles needs only 25/54 bits, so if the binary128 computation is
 * inexact the value cannot be a midpoint.  Square roots never land on a midpoint.
 */
static uint64_t host_rmm(int op, bool dbl, uint64_t a, uint64_t b, uint64_t c, uint32_t *flags)
{
    bool in_dbl = dbl || op == X_CVT_SD, out_dbl = dbl && op != X_CVT_SD;
    uint64_t rne = host_op(op, dbl, a, b, c, flags);
    if (op == X_CVT_LD) {
        double x = bits_f64(a);
        *flags = x != trunc(x) ? NX : 0;
        return (uint64_t)llround(x); /* halfway cases away from zero */
    }
    volatile __float128 qa = is_int_to_float(op) ? int_value(op, a) : wide(a, in_dbl);
    volatile __float128 qb = wide(b, dbl), qc = wide(c, dbl), qw;
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case X_ADD: qw = qa + qb; break;
    case X_SUB: qw = qa - qb; break;
    case X_MUL: qw = qa * qb; break;
    case X_DIV: qw = qa / qb; break;
    case X_FMA:
        qw = qa * qb; /* exact: at most 106 significant bits */
        qw = qw + qc;
        break;
    case X_SQRT: return rne;
    default: qw = qa; break; /* conversions: the operand itself */
    }
    __float128 w = qw;
    if (fetestexcept(FE_INEXACT) || w != w || w == 0 || w * 2 == w) {
        return rne; /* not a midpoint, NaN, zero or infinity */
    }
    uint32_t tf, af;
    fesetround(FE_TOWARDZERO);
    uint64_t tz = host_op(op, dbl, a, b, c, &tf);
    fesetround(w < 0 ? FE_DOWNWARD : FE_UPWARD);
    uint64_t away = host_op(op, dbl, a, b, c, &af);
    fesetround(FE_TONEAREST);
    if (tz == away) {
        return rne; /* exact */
    }
    __float128 qt = wide(tz, out_dbl), qaway = wide(away, out_dbl);
    if (is_inf_bits(away, out_dbl)) {
        qaway = qt + (qt - wide(tz - 1, out_dbl)); /* one ulp beyond the largest finite */
    }
    if (w * 2 == qt + qaway) {
        *flags = af;
        return away;
    }
    return rne;
}

static void cross_check(int op, bool dbl, int iterations)
{
    Rng rng = {0x9e3779b97f4a7c15ull ^ (uint64_t)(op * 2 + dbl) * 0x100000001b3ull};
    int failures = 0;
    for (int i = 0; i < iterations; i++) {
        uint64_t a = rand_operand(&rng, dbl || op == X_CVT_SD || op == X_CVT_LD, 0);
        uint64_t b = rand_operand(&rng, dbl, a);
        uint64_t c = rand_operand(&rng, dbl, rng_next(&rng) & 1 ? a : b);
        if (op == X_FMA && rng_next(&rng) % 2) {
            /* Put the addend near the product so that it can cancel. */
            uint32_t fl;
            c = our_op(X_MUL, dbl, a, b, 0, RTZ, &fl) ^ (dbl ? 1ull << 63 : 1u << 31);
            c ^= rng_next(&rng) & 0xff;
        }
        if (is_int_to_float(op)) {
            a = rng_next(&rng) >> (rng_next(&rng) % 64);
            a = rng_next(&rng) & 1 ? -a : a;
        }
        if (op == X_CVT_LD) {
            /* In range only: the host's out-of-range answer differs from RISC-V's. */
            double d = bits_f64(a);
            if (!(fabs(d) < 9.0e18)) {
                a = f64_bits(ldexp((double)(rng_next(&rng) >> 11), -(int)(rng_next(&rng) % 60)));
            }
        }
        for (unsigned rm = RNE; rm <= RMM; rm++) {
            uint32_t hf = 0, of = 0;
            uint64_t h, o = our_op(op, dbl, a, b, c, rm, &of);
            if (rm == RMM) {
                h = host_rmm(op, dbl, a, b, c, &hf);
            } else {
                fesetround(host_modes[rm]);
                h = host_op(op, dbl, a, b, c, &hf);
                fesetround(FE_TONEAREST);
            }
            bool any_nan_in = is_nan_bits(a, dbl || op == X_CVT_SD) ||
                              (op != X_SQRT && is_nan_bits(b, dbl)) ||
                              (op == X_FMA && is_nan_bits(c, dbl));
            if (is_int_to_float(op) || op == X_CVT_LD) {
                any_nan_in = false;
            }
            bool out_dbl = dbl && op != X_CVT_SD;
            if (op != X_CVT_LD && is_nan_bits(h, out_dbl)) {
                h = out_dbl ? CNAN_D : CNAN_S; /* hosts propagate payloads, RISC-V doesn't */
            }
            if (op == X_FMA && any_nan_in) {
                hf = of; /* x86 and RISC-V differ on inf*0+qNaN; covered in test_fma */
            }
            if (o != h || of != hf) {
                print_error("op %d dbl %d rm %u a %llx b %llx c %llx: ours %llx/%x host %llx/%x\n",
                            op, dbl, rm, (unsigned long long)a, (unsigned long long)b,
                            (unsigned long long)c, (unsigned long long)o, of, (unsigned long long)h,
                            hf);
                failures++;
            }
        }
        if (failures > 20) {
            break;
        }
    }
    assert_int_equal(failures, 0);
}

static void test_cross_add(void **state)
{
    cross_check(X_ADD, false, 4000);
    cross_check(X_ADD, true, 4000);
    cross_check(X_SUB, false, 2000);
    cross_check(X_SUB, true, 2000);
}

static void test_cross_mul(void **state)
{
    cross_check(X_MUL, false, 4000);
    cross_check(X_MUL, true, 4000);
}

static void test_cross_div(void **state)
{
    cross_check(X_DIV, false, 4000);
    cross_check(X_DIV, true, 4000);
}

static void test_cross_sqrt(void **state)
{
    cross_check(X_SQRT, false, 4000);
    cross_check(X_SQRT, true, 4000);
}

static void test_cross_fma(void **state)
{
    cross_check(X_FMA, false, 4000);
    cross_check(X_FMA, true, 4000);
}

static void test_cross_convert(void **state)
{
    cross_check(X_CVT_SD, false, 4000);
    cross_check(X_CVT_DL, false, 2000);
    cross_check(X_CVT_DL, true, 2000);
    cross_check(X_CVT_DW, false, 1000);
    cross_check(X_CVT_DWU, false, 1000);
    cross_check(X_CVT_DLU, false, 1000);
    cross_check(X_CVT_DLU, true, 1000);
    cross_check(X_CVT_LD, true, 4000);
}

/* Independent model of FCVT.int.fmt on the host: rint() in the mode, then the spec's table. */
static uint64_t ref_to_int(double v, unsigned kind, unsigned rm, uint32_t *flags)
{
    static const double lo[4] = {-2147483648.0, 0, -9223372036854775808.0, 0};
    static const double hi_excl[4] = {2147483648.0, 4294967296.0, 9223372036854775808.0,
                                      18446744073709551616.0};
    static const uint64_t min_out[4] = {0xffffffff80000000ull, 0, 1ull << 63, 0};
    static const uint64_t max_out[4] = {0x7fffffffu, ~0ull, INT64_MAX, ~0ull};
    volatile double x = v, r;
    *flags = 0;
    if (isnan(v)) {
        *flags = NV;
        return max_out[kind];
    }
    if (rm == RMM) {
        r = round(x);
    } else {
        /* Through a pointer: gcc inlines rint() assuming round-to-nearest. */
        double (*volatile rint_fn)(double) = rint;
        fesetround(host_modes[rm]);
        r = rint_fn(x);
        fesetround(FE_TONEAREST);
    }
    if (r < lo[kind] || r >= hi_excl[kind]) {
        *flags = NV;
        return r < 0 ? min_out[kind] : max_out[kind];
    }
    *flags = r != x ? NX : 0;
    uint64_t out = r < 0 ? (uint64_t)(int64_t)r : (uint64_t)r;
    return kind <= WU ? (uint64_t)(int64_t)(int32_t)(uint32_t)out : out;
}

static void test_cross_to_int(void **state)
{
    Rng rng = {0x2545f4914f6cdd1dull};
    int failures = 0;
    for (int i = 0; i < 6000 && failures < 20; i++) {
        bool dbl = i & 1;
        int mb = dbl ? 52 : 23, bias = dbl ? 1023 : 127;
        uint64_t mant = rng_next(&rng) & ((1ull << mb) - 1);
        if (rng_next(&rng) & 1) {
            mant &= ~0ull << (mb - rng_next(&rng) % 8); /* ties and exact integers */
        }
        uint64_t exp = (uint64_t)(bias - 3) + rng_next(&rng) % 70;
        if (rng_next(&rng) % 32 == 0) {
            exp = dbl ? 2047 : 255; /* infinities and NaNs */
        }
        uint64_t a = exp << mb | mant | (rng_next(&rng) & 1) << (dbl ? 63 : 31);
        double v = dbl ? bits_f64(a) : bits_f32((uint32_t)a);
        for (unsigned kind = W; kind <= LU; kind++) {
            for (unsigned rm = RNE; rm <= RMM; rm++) {
                uint32_t of, rf;
                uint64_t o = to_int(dbl ? FMT_D : FMT_S, kind, rm, dbl ? a : BOX | a, &of);
                uint64_t r = ref_to_int(v, kind, rm, &rf);
                if (o != r || of != rf) {
                    print_error("fcvt kind %u dbl %d rm %u a %llx: ours %llx/%x ref %llx/%x\n",
                                kind, dbl, rm, (unsigned long long)a, (unsigned long long)o, of,
                                (unsigned long long)r, rf);
                    failures++;
                }
            }
        }
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cross_add),    cmocka_unit_test(test_cross_mul),
        cmocka_unit_test(test_cross_div),    cmocka_unit_test(test_cross_sqrt),
        cmocka_unit_test(test_cross_fma),    cmocka_unit_test(test_cross_convert),
        cmocka_unit_test(test_cross_to_int),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
