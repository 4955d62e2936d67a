/*
 * test-riscv-fpu.c - the RISC-V F/D compute core (src/cpu/riscv/fpu.h) on
 * hand-picked edge cases: the RISC-V specific rules (canonical NaNs, NaN
 * boxing, saturating conversions, fmin/fmax, fclass, illegal encodings) and
 * rounding in all five modes.  test-riscv-fpu-host.c has the randomized
 * cross-check against the host FPU.
 */
#include "test-riscv-fpu.h"

/* ---- rounding ------------------------------------------------------------------------- */

static void test_add_rounding_ties(void **state)
{
    uint32_t fl;
    const uint32_t half_ulp = 0x33800000u;   /* 2^-24: half an ulp of 1.0f */
    const uint32_t three_half = 0x34400000u; /* 1.5 * 2^-23 */
    /* 1 + 2^-24 is exactly halfway between 1 and 1 + 2^-23. */
    static const uint32_t expect_pos[5] = {S_ONE, S_ONE, S_ONE, S_ONE + 1, S_ONE + 1};
    static const uint32_t expect_neg[5] = {NEG_S(S_ONE), NEG_S(S_ONE), NEG_S(S_ONE + 1),
                                           NEG_S(S_ONE), NEG_S(S_ONE + 1)};
    /* 1 + 1.5 ulp: halfway between 1 + ulp (odd) and 1 + 2 ulp (even). */
    static const uint32_t expect_3h[5] = {S_ONE + 2, S_ONE + 1, S_ONE + 1, S_ONE + 2, S_ONE + 2};
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        assert_int_equal(s2(ADD, rm, S_ONE, half_ulp, &fl), expect_pos[rm]);
        assert_int_equal(fl, NX);
        assert_int_equal(s2(SUB, rm, NEG_S(S_ONE), half_ulp, &fl), expect_neg[rm]);
        assert_int_equal(fl, NX);
        assert_int_equal(s2(ADD, rm, S_ONE, three_half, &fl), expect_3h[rm]);
        assert_int_equal(fl, NX);
    }
    /* Double: 1 + 2^-53 ties the same way. */
    static const uint64_t expect_d[5] = {D_ONE, D_ONE, D_ONE, D_ONE + 1, D_ONE + 1};
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        assert_true(d2(ADD, rm, D_ONE, 0x3ca0000000000000ull, &fl) == expect_d[rm]);
        assert_int_equal(fl, NX);
    }
    /* Exact: no flags. */
    assert_int_equal(s2(ADD, RNE, S_ONE, S_ONE, &fl), 0x40000000u);
    assert_int_equal(fl, 0);
}

static void test_exact_zero_sign(void **state)
{
    uint32_t fl;
    const uint32_t a = 0x40490fdbu;
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        uint32_t expect = rm == RDN ? 0x80000000u : 0;
        assert_int_equal(s2(SUB, rm, a, a, &fl), expect);
        assert_int_equal(fl, 0);
        assert_int_equal(s2(ADD, rm, 0, 0x80000000u, &fl), expect);
        assert_int_equal(s2(ADD, rm, 0x80000000u, 0x80000000u, &fl), 0x80000000u);
        assert_true(d2(SUB, rm, D_ONE, D_ONE, &fl) == (rm == RDN ? NEG_D(0ull) : 0));
    }
    /* x + (-0) is x; (-0) * 5 is -0. */
    assert_int_equal(s2(ADD, RNE, a, 0x80000000u, &fl), a);
    assert_int_equal(s2(MUL, RNE, 0x80000000u, 0x40a00000u, &fl), 0x80000000u);
}

static void test_overflow(void **state)
{
    uint32_t fl;
    static const uint32_t pos[5] = {S_INF, S_MAX, S_MAX, S_INF, S_INF};
    static const uint32_t neg[5] = {NEG_S(S_INF), NEG_S(S_MAX), NEG_S(S_INF), NEG_S(S_MAX),
                                    NEG_S(S_INF)};
    static const uint64_t dpos[5] = {D_INF, D_MAX, D_MAX, D_INF, D_INF};
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        assert_int_equal(s2(MUL, rm, S_MAX, 0x40000000u, &fl), pos[rm]);
        assert_int_equal(fl, OF | NX);
        assert_int_equal(s2(MUL, rm, NEG_S(S_MAX), 0x40000000u, &fl), neg[rm]);
        assert_int_equal(fl, OF | NX);
        assert_true(d2(ADD, rm, D_MAX, D_MAX, &fl) == dpos[rm]);
        assert_int_equal(fl, OF | NX);
    }
    /* MAX + half an ulp of MAX: RNE rounds to even, which is infinity. */
    assert_int_equal(s2(ADD, RNE, S_MAX, 0x73000000u, &fl), S_INF);
    assert_int_equal(fl, OF | NX);
    /* ...but a bit less than half an ulp stays finite, without OF. */
    assert_int_equal(s2(ADD, RNE, S_MAX, 0x72ffffffu, &fl), S_MAX);
    assert_int_equal(fl, NX);
    /* Division by zero: DZ only. */
    assert_int_equal(s2(DIV, RNE, NEG_S(S_ONE), 0, &fl), NEG_S(S_INF));
    assert_int_equal(fl, DZ);
    assert_int_equal(s2(DIV, RNE, 0, 0, &fl), CNAN_S);
    assert_int_equal(fl, NV);
}

static void test_underflow(void **state)
{
    uint32_t fl;
    const uint32_t min_normal = 0x00800000u, min_sub = 1;
    /* Exact subnormal result: no flags at all. */
    assert_int_equal(s2(MUL, RNE, min_normal, 0x3f000000u, &fl), 0x00400000u);
    assert_int_equal(fl, 0);
    /* Half of the smallest subnormal: a tie between 0 and min_sub. */
    static const uint32_t half_sub[5] = {0, 0, 0, min_sub, min_sub};
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        assert_int_equal(s2(MUL, rm, min_sub, 0x3f000000u, &fl), half_sub[rm]);
        assert_int_equal(fl, UF | NX);
    }
    /*
     * Tininess after rounding.  (1 - 2^-24) * 2^-126 is exact with 24 bits at unbounded
     * exponent, so it is tiny; as a subnormal it is a tie that RNE rounds up to 2^-126.
     */
    assert_int_equal(s2(MUL, RNE, 0x3f7fffffu, min_normal, &fl), min_normal);
    assert_int_equal(fl, UF | NX);
    /* (1 - 2^-25) * 2^-126 rounds to 2^-126 even at unbounded exponent: not tiny. */
    Run r = run(enc_op(CVT_FF, FMT_S, 1, RNE), 0x380ffffff0000000ull, 0, 0, 0);
    assert_true(r.f == (BOX | min_normal));
    assert_int_equal(r.flags, NX);
    /* RTZ can't carry, so the same value stays subnormal and underflows. */
    r = run(enc_op(CVT_FF, FMT_S, 1, RTZ), 0x380ffffff0000000ull, 0, 0, 0);
    assert_true(r.f == (BOX | 0x007fffffu));
    assert_int_equal(r.flags, UF | NX);
    /* Double: smallest subnormal / 2 in RUP; tiny products flush to min_sub or zero. */
    assert_true(d2(DIV, RUP, 1, 0x4000000000000000ull, &fl) == 1);
    assert_int_equal(fl, UF | NX);
    assert_true(d2(MUL, RNE, 0x0010000000000000ull, 0x0010000000000000ull, &fl) == 0);
    assert_int_equal(fl, UF | NX);
    /* Subnormal operands: exact sum of two subnormals. */
    assert_true(d2(ADD, RNE, 3, 5, &fl) == 8);
    assert_int_equal(fl, 0);
}

/* ---- NaNs --------------------------------------------------------------------------------- */

static void test_nan_rules(void **state)
{
    uint32_t fl;
    /* qNaN with payload: canonical result, no flags.  sNaN: canonical, NV. */
    assert_int_equal(s2(ADD, RNE, S_QNAN_PAYLD, S_ONE, &fl), CNAN_S);
    assert_int_equal(fl, 0);
    assert_int_equal(s2(MUL, RNE, S_ONE, S_SNAN, &fl), CNAN_S);
    assert_int_equal(fl, NV);
    assert_true(d2(DIV, RNE, D_QNAN_PAYLD, D_ONE, &fl) == CNAN_D);
    assert_int_equal(fl, 0);
    assert_true(d2(SUB, RNE, D_SNAN, D_QNAN_PAYLD, &fl) == CNAN_D);
    assert_int_equal(fl, NV);
    /* Negative NaNs are NaNs too. */
    assert_int_equal(s2(ADD, RNE, 0xffc00000u, S_ONE, &fl), CNAN_S);
    /* Invalid operations. */
    assert_int_equal(s2(SUB, RNE, S_INF, S_INF, &fl), CNAN_S);
    assert_int_equal(fl, NV);
    assert_int_equal(s2(MUL, RNE, S_INF, 0x80000000u, &fl), CNAN_S);
    assert_int_equal(fl, NV);
    assert_true(d2(DIV, RNE, D_INF, NEG_D(D_INF), &fl) == CNAN_D);
    assert_int_equal(fl, NV);
    /* fcvt between formats: canonical NaN of the destination. */
    Run r = run(enc_op(CVT_FF, FMT_D, 0, RNE), BOX | S_QNAN_PAYLD, 0, 0, 0);
    assert_true(r.f == CNAN_D && r.flags == 0);
    r = run(enc_op(CVT_FF, FMT_S, 1, RNE), D_SNAN, 0, 0, 0);
    assert_true(r.f == (BOX | CNAN_S) && r.flags == NV);
}

static void test_nan_boxing(void **state)
{
    const uint64_t unboxed_one = 0x000000003f800000ull; /* 1.0f without the box */
    /* An improperly boxed operand is the canonical NaN (a quiet one: no flags). */
    Run r = run(enc_op(ADD, FMT_S, 2, RNE), unboxed_one, BOX | S_ONE, 0, 0);
    assert_true(r.f == (BOX | CNAN_S));
    assert_int_equal(r.flags, 0);
    r = run(enc_op(ADD, FMT_S, 2, RNE), 0xfffffffe3f800000ull, BOX | S_ONE, 0, 0);
    assert_true(r.f == (BOX | CNAN_S));
    /* fsgnj works on the canonical NaN, then injects the sign. */
    r = run(enc_op(SGNJ, FMT_S, 2, 0), unboxed_one, BOX | NEG_S(S_ONE), 0, 0);
    assert_true(r.f == (BOX | 0xffc00000u));
    /* fclass sees a quiet NaN; fcvt.d.s produces the canonical double NaN. */
    r = run(enc_op(MVX, FMT_S, 0, 1), unboxed_one, 0, 0, 0);
    assert_true(r.x == 1u << 9);
    r = run(enc_op(CVT_FF, FMT_D, 0, RNE), unboxed_one, 0, 0, 0);
    assert_true(r.f == CNAN_D);
    /* fmv.x.w moves raw bits (sign-extended), boxed or not; fmv.w.x boxes. */
    r = run(enc_op(MVX, FMT_S, 0, 0), 0x12345678bf800000ull, 0, 0, 0);
    assert_true(r.x == 0xffffffffbf800000ull);
    r = run(enc_op(MVX, FMT_S, 0, 0), BOX | S_QNAN_PAYLD, 0, 0, 0);
    assert_true(r.x == S_QNAN_PAYLD);
    r = run(enc_op(MVF, FMT_S, 0, 0), 0, 0, 0, 0xabcdef0112345678ull);
    assert_true(r.f == (BOX | 0x12345678u));
    /* D moves are raw 64 bits. */
    r = run(enc_op(MVX, FMT_D, 0, 0), D_SNAN, 0, 0, 0);
    assert_true(r.x == D_SNAN && r.flags == 0);
    r = run(enc_op(MVF, FMT_D, 0, 0), 0, 0, 0, 0xabcdef0112345678ull);
    assert_true(r.f == 0xabcdef0112345678ull);
    /* fsgnj keeps NaN payloads and never raises flags; fsgnjn/fsgnjx. */
    r = run(enc_op(SGNJ, FMT_S, 2, 0), BOX | S_SNAN, BOX | NEG_S(0), 0, 0);
    assert_true(r.f == (BOX | NEG_S(S_SNAN)) && r.flags == 0);
    r = run(enc_op(SGNJ, FMT_D, 2, 1), D_ONE, NEG_D(D_ONE), 0, 0);
    assert_true(r.f == D_ONE);
    r = run(enc_op(SGNJ, FMT_D, 2, 2), NEG_D(D_ONE), NEG_D(D_ONE), 0, 0);
    assert_true(r.f == D_ONE);
    /* Single results written to the register are boxed even for zero. */
    r = run(enc_op(CVT_FI, FMT_S, W, RNE), 0, 0, 0, 0);
    assert_true(r.f == BOX && r.flags == 0);
}

static void test_minmax(void **state)
{
    uint32_t fl;
    const uint32_t pz = 0, nz = 0x80000000u;
    /* -0 < +0 in both operand orders. */
    assert_int_equal(s2(MINMAX, 0, pz, nz, &fl), nz);
    assert_int_equal(s2(MINMAX, 0, nz, pz, &fl), nz);
    assert_int_equal(s2(MINMAX, 1, pz, nz, &fl), pz);
    assert_int_equal(s2(MINMAX, 1, nz, pz, &fl), pz);
    assert_int_equal(fl, 0);
    assert_int_equal(s2(MINMAX, 0, S_ONE, NEG_S(S_ONE), &fl), NEG_S(S_ONE));
    assert_int_equal(s2(MINMAX, 1, NEG_S(S_INF), S_ONE, &fl), S_ONE);
    /* One NaN: the other operand; NV only for a signaling NaN. */
    assert_int_equal(s2(MINMAX, 0, S_QNAN_PAYLD, S_ONE, &fl), S_ONE);
    assert_int_equal(fl, 0);
    assert_int_equal(s2(MINMAX, 1, S_ONE, S_SNAN, &fl), S_ONE);
    assert_int_equal(fl, NV);
    assert_int_equal(s2(MINMAX, 0, S_QNAN_PAYLD, S_SNAN, &fl), CNAN_S);
    assert_int_equal(fl, NV);
    assert_true(d2(MINMAX, 1, D_QNAN_PAYLD, D_QNAN_PAYLD, &fl) == CNAN_D);
    assert_int_equal(fl, 0);
    assert_true(d2(MINMAX, 0, NEG_D(0ull), 0, &fl) == NEG_D(0ull));
    assert_true(d2(MINMAX, 1, 5, 7, &fl) == 7);
    assert_true(d2(MINMAX, 0, NEG_D(5ull), NEG_D(7ull), &fl) == NEG_D(7ull));
    /* Reserved rm for fmin/fmax. */
    RISCVFPState fp = {0};
    uint64_t x[32] = {0};
    assert_int_equal(riscv_fpu_exec(&fp, x, enc_op(MINMAX, FMT_S, 2, 2)), -1);
}

static void test_compare(void **state)
{
    Run r;
    struct {
        unsigned rm;
        uint32_t a, b;
        uint64_t res;
        uint32_t flags;
    } const cases[] = {
        {2, S_ONE, S_ONE, 1, 0},
        {2, 0, 0x80000000u, 1, 0},
        {1, 0x80000000u, 0, 0, 0},
        {0, 0x80000000u, 0, 1, 0},
        {1, NEG_S(S_ONE), S_ONE, 1, 0},
        {1, S_ONE, NEG_S(S_ONE), 0, 0},
        {0, NEG_S(S_INF), NEG_S(S_MAX), 1, 0},
        {1, NEG_S(S_ONE + 1), NEG_S(S_ONE), 1, 0},
        {2, S_QNAN_PAYLD, S_ONE, 0, 0},
        {2, S_SNAN, S_ONE, 0, NV},
        {1, S_QNAN_PAYLD, S_ONE, 0, NV},
        {0, S_ONE, S_QNAN_PAYLD, 0, NV},
        {2, S_QNAN_PAYLD, S_QNAN_PAYLD, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r = run(enc_op(CMP, FMT_S, 2, cases[i].rm), BOX | cases[i].a, BOX | cases[i].b, 0, 0);
        assert_true(r.x == cases[i].res);
        assert_int_equal(r.flags, cases[i].flags);
    }
    r = run(enc_op(CMP, FMT_D, 2, 1), NEG_D(D_ONE), 0, 0, 0);
    assert_true(r.x == 1);
    r = run(enc_op(CMP, FMT_D, 2, 2), D_SNAN, D_SNAN, 0, 0);
    assert_true(r.x == 0 && r.flags == NV);
}

static void test_fclass(void **state)
{
    static const uint32_t s_vals[10] = {
        NEG_S(S_INF), NEG_S(S_ONE), 0x80000001u, 0x80000000u, 0,
        0x007fffffu,  S_ONE,        S_INF,       S_SNAN,      S_QNAN_PAYLD};
    static const uint64_t d_vals[10] = {
        NEG_D(D_INF),          NEG_D(D_MAX), 0x800fffffffffffffull, NEG_D(0ull),          0, 1,
        0x0010000000000000ull, D_INF,        0x7ff4000000000000ull, 0xfff8000000000000ull};
    for (unsigned i = 0; i < 10; i++) {
        Run r = run(enc_op(MVX, FMT_S, 0, 1), BOX | s_vals[i], 0, 0, 0);
        assert_true(r.x == 1u << i);
        r = run(enc_op(MVX, FMT_D, 0, 1), d_vals[i], 0, 0, 0);
        assert_true(r.x == 1u << i);
        assert_int_equal(r.flags, 0);
    }
}

/* ---- conversions -------------------------------------------------------------------------- */

static void test_fcvt_to_int(void **state)
{
    uint32_t fl;
    const uint64_t s_2p31 = BOX | 0x4f000000u, s_m2p31 = BOX | 0xcf000000u;
    const uint64_t s_mhalf = BOX | 0xbf000000u;
    assert_true(to_int(FMT_S, W, RNE, s_2p31, &fl) == 0x7fffffffu);
    assert_int_equal(fl, NV);
    assert_true(to_int(FMT_S, W, RNE, s_m2p31, &fl) == 0xffffffff80000000ull);
    assert_int_equal(fl, 0);
    /* -0.5 in every mode. */
    static const uint64_t mhalf[5] = {0, 0, ~0ull, 0, ~0ull};
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        assert_true(to_int(FMT_S, W, rm, s_mhalf, &fl) == mhalf[rm]);
        assert_int_equal(fl, NX);
        assert_true(to_int(FMT_S, L, rm, s_mhalf, &fl) == mhalf[rm]);
        /* Unsigned: -0.5 rounding to 0 is merely inexact, to -1 is invalid. */
        assert_true(to_int(FMT_S, WU, rm, s_mhalf, &fl) == 0);
        assert_int_equal(fl, mhalf[rm] ? NV : NX);
    }
    /* NaN and infinities. */
    assert_true(to_int(FMT_S, W, RNE, BOX | 0xffc00000u, &fl) == 0x7fffffffu);
    assert_int_equal(fl, NV);
    assert_true(to_int(FMT_D, L, RNE, D_SNAN, &fl) == 0x7fffffffffffffffull);
    assert_true(to_int(FMT_D, LU, RNE, CNAN_D, &fl) == ~0ull);
    assert_int_equal(fl, NV);
    assert_true(to_int(FMT_D, WU, RNE, CNAN_D, &fl) == ~0ull); /* 2^32-1 sign-extended */
    assert_true(to_int(FMT_S, W, RNE, BOX | NEG_S(S_INF), &fl) == 0xffffffff80000000ull);
    assert_true(to_int(FMT_D, L, RNE, NEG_D(D_INF), &fl) == 0x8000000000000000ull);
    assert_true(to_int(FMT_D, LU, RNE, NEG_D(D_INF), &fl) == 0);
    assert_int_equal(fl, NV);
    /* Unsigned ranges. */
    assert_true(to_int(FMT_D, WU, RNE, f64_bits(4294967295.0), &fl) == ~0ull);
    assert_int_equal(fl, 0);
    assert_true(to_int(FMT_D, WU, RNE, f64_bits(4294967296.0), &fl) == ~0ull);
    assert_int_equal(fl, NV);
    assert_true(to_int(FMT_D, WU, RNE, f64_bits(-1.0), &fl) == 0);
    assert_int_equal(fl, NV);
    assert_true(to_int(FMT_D, WU, RNE, f64_bits(2147483648.0), &fl) == 0xffffffff80000000ull);
    assert_true(to_int(FMT_D, LU, RNE, 0x43efffffffffffffull, &fl) == 0xfffffffffffff800ull);
    assert_int_equal(fl, 0);
    assert_true(to_int(FMT_D, LU, RNE, 0x43f0000000000000ull, &fl) == ~0ull);
    assert_int_equal(fl, NV);
    assert_true(to_int(FMT_D, L, RNE, 0x43e0000000000000ull, &fl) == 0x7fffffffffffffffull);
    assert_int_equal(fl, NV);
    assert_true(to_int(FMT_D, L, RNE, 0xc3e0000000000000ull, &fl) == 0x8000000000000000ull);
    assert_int_equal(fl, 0);
    assert_true(to_int(FMT_D, LU, RNE, NEG_D(0ull), &fl) == 0);
    assert_int_equal(fl, 0);
    /* Rounding after the range check: 2^31 - 0.5 rounds to 2^31 in RNE (invalid). */
    assert_true(to_int(FMT_D, W, RNE, f64_bits(2147483647.5), &fl) == 0x7fffffffu);
    assert_int_equal(fl, NV);
    assert_true(to_int(FMT_D, W, RTZ, f64_bits(2147483647.5), &fl) == 0x7fffffffu);
    assert_int_equal(fl, NX);
    assert_true(to_int(FMT_D, W, RUP, f64_bits(-2147483648.5), &fl) == 0xffffffff80000000ull);
    assert_int_equal(fl, NX);
    assert_true(to_int(FMT_D, W, RDN, f64_bits(-2147483648.5), &fl) == 0xffffffff80000000ull);
    assert_int_equal(fl, NV);
    /* Ties. */
    static const struct {
        double v;
        int64_t r[5];
    } ties[] = {
        {2.5, {2, 2, 2, 3, 3}},
        {3.5, {4, 3, 3, 4, 4}},
        {-2.5, {-2, -2, -3, -2, -3}},
        {0.75, {1, 0, 0, 1, 1}},
        {1e-300, {0, 0, 0, 1, 0}},
        {-1e-300, {0, 0, -1, 0, 0}},
        {2251799813685249.5,
         {2251799813685250, 2251799813685249, 2251799813685249, 2251799813685250,
          2251799813685250}},
    };
    for (size_t i = 0; i < sizeof(ties) / sizeof(ties[0]); i++) {
        for (unsigned rm = RNE; rm <= RMM; rm++) {
            assert_true((int64_t)to_int(FMT_D, L, rm, f64_bits(ties[i].v), &fl) == ties[i].r[rm]);
            assert_int_equal(fl, NX);
        }
    }
    /* Large exact values, and DYN using frm. */
    assert_true(to_int(FMT_S, L, RNE, BOX | 0x5effffffu, &fl) == 0x7fffff8000000000ull);
    assert_int_equal(fl, 0);
}

static void test_fcvt_from_int(void **state)
{
    uint32_t fl;
    /* 2^31 - 1 does not fit in 24 bits. */
    assert_true(from_int(FMT_S, W, RNE, 0x7fffffffu, &fl) == (BOX | 0x4f000000u));
    assert_int_equal(fl, NX);
    assert_true(from_int(FMT_S, W, RTZ, 0x7fffffffu, &fl) == (BOX | 0x4effffffu));
    /* W reads only the low 32 bits, sign-extending; WU zero-extends. */
    assert_true(from_int(FMT_D, W, RNE, 0x00000000ffffffffull, &fl) == NEG_D(D_ONE));
    assert_int_equal(fl, 0);
    assert_true(from_int(FMT_D, WU, RNE, 0xffffffff00000001ull, &fl) == D_ONE);
    assert_true(from_int(FMT_S, WU, RNE, 0xffffffffu, &fl) == (BOX | 0x4f800000u));
    assert_int_equal(fl, NX);
    assert_true(from_int(FMT_S, L, RNE, 0x8000000000000000ull, &fl) == (BOX | 0xdf000000u));
    assert_int_equal(fl, 0);
    assert_true(from_int(FMT_D, LU, RNE, ~0ull, &fl) == 0x43f0000000000000ull);
    assert_int_equal(fl, NX);
    assert_true(from_int(FMT_D, LU, RTZ, ~0ull, &fl) == 0x43efffffffffffffull);
    assert_true(from_int(FMT_D, L, RDN, ~0ull, &fl) == NEG_D(D_ONE));
    assert_int_equal(fl, 0);
    /* 2^53 + 1: a tie in double. */
    static const uint64_t tie[5] = {0x4340000000000000ull, 0x4340000000000000ull,
                                    0x4340000000000000ull, 0x4340000000000001ull,
                                    0x4340000000000001ull};
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        assert_true(from_int(FMT_D, L, rm, (1ull << 53) + 1, &fl) == tie[rm]);
        assert_int_equal(fl, NX);
    }
    assert_true(from_int(FMT_D, L, RNE, 0, &fl) == 0);
    assert_int_equal(fl, 0);
}

static void test_fcvt_between_formats(void **state)
{
    /* Overflow from double to single in each mode. */
    static const uint32_t big[5] = {S_INF, S_MAX, S_MAX, S_INF, S_INF};
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        Run r = run(enc_op(CVT_FF, FMT_S, 1, rm), f64_bits(1e300), 0, 0, 0);
        assert_true(r.f == (BOX | big[rm]));
        assert_int_equal(r.flags, OF | NX);
    }
    /* Single subnormal widens exactly; D->S of a value needing rounding. */
    Run r = run(enc_op(CVT_FF, FMT_D, 0, RNE), BOX | 1u, 0, 0, 0);
    assert_true(r.f == 0x36a0000000000000ull && r.flags == 0);
    r = run(enc_op(CVT_FF, FMT_S, 1, RNE), f64_bits(0.1), 0, 0, 0);
    assert_true(r.f == (BOX | 0x3dcccccdu) && r.flags == NX);
    r = run(enc_op(CVT_FF, FMT_S, 1, RTZ), f64_bits(0.1), 0, 0, 0);
    assert_true(r.f == (BOX | 0x3dcccccc));
    r = run(enc_op(CVT_FF, FMT_S, 1, RNE), NEG_D(D_INF), 0, 0, 0);
    assert_true(r.f == (BOX | NEG_S(S_INF)) && r.flags == 0);
    r = run(enc_op(CVT_FF, FMT_S, 1, RNE), f64_bits(1e-50), 0, 0, 0);
    assert_true(r.f == BOX && r.flags == (UF | NX));
}

/* ---- fma, sqrt ---------------------------------------------------------------------------- */

static void test_fma(void **state)
{
    uint32_t fl;
    const uint32_t two = 0x40000000u, three = 0x40400000u;
    assert_int_equal(s_fma(OPC_FMADD, RNE, two, three, S_ONE, &fl), 0x40e00000u);  /* 7 */
    assert_int_equal(s_fma(OPC_FMSUB, RNE, two, three, S_ONE, &fl), 0x40a00000u);  /* 5 */
    assert_int_equal(s_fma(OPC_FNMSUB, RNE, two, three, S_ONE, &fl), 0xc0a00000u); /* -5 */
    assert_int_equal(s_fma(OPC_FNMADD, RNE, two, three, S_ONE, &fl), 0xc0e00000u); /* -7 */
    assert_int_equal(fl, 0);
    /* Exact zero: sign follows the sum-of-opposites rule, per rounding mode. */
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        uint32_t z = rm == RDN ? 0x80000000u : 0;
        assert_int_equal(s_fma(OPC_FMADD, rm, S_ONE, S_ONE, NEG_S(S_ONE), &fl), z);
        assert_int_equal(fl, 0);
        assert_int_equal(s_fma(OPC_FMSUB, rm, S_ONE, S_ONE, S_ONE, &fl), z);
        /* 0 * x + (-0): -0 only if the product is -0 too. */
        assert_int_equal(s_fma(OPC_FMADD, rm, 0, three, 0x80000000u, &fl), z);
        assert_int_equal(s_fma(OPC_FNMADD, rm, 0, three, 0, &fl), 0x80000000u);
    }
    /* Single rounding: (1 + 2^-12)^2 - (1 + 2^-11) = 2^-24 exactly; mul+add would give 0. */
    assert_int_equal(s_fma(OPC_FMSUB, RNE, 0x3f800800u, 0x3f800800u, 0x3f801000u, &fl),
                     0x33800000u);
    assert_int_equal(fl, 0);
    assert_int_equal(s2(MUL, RNE, 0x3f800800u, 0x3f800800u, &fl), 0x3f801000u);
    assert_int_equal(fl, NX);
    /* Inexact fma in each mode: 1 * 1 + 2^-30 */
    static const uint32_t tiny_add[5] = {S_ONE, S_ONE, S_ONE, S_ONE + 1, S_ONE};
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        assert_int_equal(s_fma(OPC_FMADD, rm, S_ONE, S_ONE, 0x30800000u, &fl), tiny_add[rm]);
        assert_int_equal(fl, NX);
    }
    /* Invalid: inf * 0 raises NV even with a quiet NaN addend. */
    assert_int_equal(s_fma(OPC_FMADD, RNE, S_INF, 0, S_QNAN_PAYLD, &fl), CNAN_S);
    assert_int_equal(fl, NV);
    assert_int_equal(s_fma(OPC_FMADD, RNE, S_ONE, S_ONE, S_QNAN_PAYLD, &fl), CNAN_S);
    assert_int_equal(fl, 0);
    assert_int_equal(s_fma(OPC_FMADD, RNE, 0, S_INF, S_ONE, &fl), CNAN_S);
    assert_int_equal(fl, NV);
    assert_int_equal(s_fma(OPC_FMADD, RNE, S_INF, S_ONE, NEG_S(S_INF), &fl), CNAN_S);
    assert_int_equal(fl, NV);
    assert_int_equal(s_fma(OPC_FMSUB, RNE, S_INF, S_ONE, NEG_S(S_INF), &fl), S_INF);
    assert_int_equal(fl, 0);
    assert_true(d_fma(OPC_FMADD, RNE, D_ONE, D_ONE, D_SNAN, &fl) == CNAN_D);
    assert_int_equal(fl, NV);
    /* Overflow inside the product is fine when the addend cancels it... not representable:
     * MAX * 2 - MAX = MAX exactly. */
    assert_true(d_fma(OPC_FMSUB, RNE, D_MAX, 0x4000000000000000ull, D_MAX, &fl) == D_MAX);
    assert_int_equal(fl, 0);
    /* Massive cancellation with a subnormal result. */
    assert_true(d_fma(OPC_FMADD, RNE, 0x0010000000000001ull, D_ONE, NEG_D(0x0010000000000000ull),
                      &fl) == 1);
    assert_int_equal(fl, 0);
}

static void test_sqrt(void **state)
{
    uint32_t fl;
    assert_int_equal(s_sqrt(RNE, NEG_S(S_ONE), &fl), CNAN_S);
    assert_int_equal(fl, NV);
    assert_int_equal(s_sqrt(RNE, NEG_S(S_INF), &fl), CNAN_S);
    assert_int_equal(fl, NV);
    assert_int_equal(s_sqrt(RNE, 0x80000000u, &fl), 0x80000000u);
    assert_int_equal(fl, 0);
    assert_int_equal(s_sqrt(RNE, S_INF, &fl), S_INF);
    assert_int_equal(s_sqrt(RNE, 0x40800000u, &fl), 0x40000000u);
    assert_int_equal(fl, 0);
    assert_int_equal(s_sqrt(RNE, S_SNAN, &fl), CNAN_S);
    assert_int_equal(fl, NV);
    static const uint64_t sqrt2[5] = {0x3ff6a09e667f3bcdull, 0x3ff6a09e667f3bccull,
                                      0x3ff6a09e667f3bccull, 0x3ff6a09e667f3bcdull,
                                      0x3ff6a09e667f3bcdull};
    for (unsigned rm = RNE; rm <= RMM; rm++) {
        assert_true(d_sqrt(rm, 0x4000000000000000ull, &fl) == sqrt2[rm]);
        assert_int_equal(fl, NX);
    }
    /* Subnormal input: sqrt(2^-1074) = 2^-537. */
    assert_true(d_sqrt(RNE, 1, &fl) == 0x1e60000000000000ull);
    assert_int_equal(fl, 0);
}

/* ---- encodings ------------------------------------------------------------------------------ */

static void test_illegal(void **state)
{
    const uint32_t bad[] = {
        enc_op(ADD, FMT_S, 2, 5),      enc_op(MUL, FMT_D, 2, 6),      enc_op(ADD, 2, 2, RNE),
        enc_op(ADD, 3, 2, RNE),        enc_op(SQRT, FMT_S, 1, RNE),   enc_op(SGNJ, FMT_S, 2, 3),
        enc_op(CVT_FF, FMT_S, 0, RNE), enc_op(CVT_FF, FMT_D, 1, RNE), enc_op(CVT_FF, FMT_D, 2, RNE),
        enc_op(CVT_IF, FMT_S, 4, RNE), enc_op(CVT_FI, FMT_D, 5, RNE), enc_op(CMP, FMT_S, 2, 3),
        enc_op(MVX, FMT_S, 0, 2),      enc_op(MVX, FMT_S, 1, 0),      enc_op(MVF, FMT_S, 0, 1),
        enc_op(MVF, FMT_D, 1, 0),      enc_op(0x06, FMT_S, 2, RNE),   enc_op(0x1f, FMT_D, 0, 0),
        enc_r4(OPC_FMADD, FMT_S, 5),   enc_r4(OPC_FNMADD, 2, RNE),    enc_op(ADD, FMT_S, 2, DYN),
        enc_r4(OPC_FMSUB, FMT_D, DYN), enc_op(CVT_IF, FMT_D, L, DYN), 0x00000013 /* addi */,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        RISCVFPState fp = {.frm = 5, .fflags = 0};
        uint64_t x[32];
        for (unsigned j = 0; j < 32; j++) {
            fp.f[j] = 0x1111111111111111ull * (j % 15);
            x[j] = ~fp.f[j];
        }
        RISCVFPState fp0 = fp;
        uint64_t x0[32];
        memcpy(x0, x, sizeof(x));
        assert_int_equal(riscv_fpu_exec(&fp, x, bad[i]), -1);
        assert_memory_equal(&fp, &fp0, sizeof(fp));
        assert_memory_equal(x, x0, sizeof(x));
    }
    /* DYN with a valid frm uses it, and flags accrue on top of existing ones. */
    RISCVFPState fp = {.frm = RUP, .fflags = DZ};
    uint64_t x[32] = {0};
    fp.f[1] = BOX | S_ONE, fp.f[2] = BOX | 0x33800000u;
    assert_int_equal(riscv_fpu_exec(&fp, x, enc_op(ADD, FMT_S, 2, DYN)), 0);
    assert_true(fp.f[4] == (BOX | (S_ONE + 1)));
    assert_int_equal(fp.fflags, DZ | NX);
    /* Instructions without rounding ignore an invalid frm. */
    fp.frm = 6;
    assert_int_equal(riscv_fpu_exec(&fp, x, enc_op(SGNJ, FMT_S, 2, 0)), 0);
    assert_int_equal(riscv_fpu_exec(&fp, x, enc_op(CMP, FMT_D, 2, 2)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_rounding_ties),
        cmocka_unit_test(test_exact_zero_sign),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_underflow),
        cmocka_unit_test(test_nan_rules),
        cmocka_unit_test(test_nan_boxing),
        cmocka_unit_test(test_minmax),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_fclass),
        cmocka_unit_test(test_fcvt_to_int),
        cmocka_unit_test(test_fcvt_from_int),
        cmocka_unit_test(test_fcvt_between_formats),
        cmocka_unit_test(test_fma),
        cmocka_unit_test(test_sqrt),
        cmocka_unit_test(test_illegal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
