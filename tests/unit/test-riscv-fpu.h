/*
 * test-riscv-fpu.h - what the two FPU test programs share: instruction
 * encoders, a runner around riscv_fpu_exec and bit casts.  Functions are
 * static inline so each program uses what it needs without warnings.
 */
#ifndef MINIMU_TEST_RISCV_FPU_H
#define MINIMU_TEST_RISCV_FPU_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fenv.h>
#include <math.h>
#include <string.h>

#include "cpu/riscv/fpu.h"

enum { RNE, RTZ, RDN, RUP, RMM, DYN = 7 };
enum { NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16 };
enum { FMT_S = 0, FMT_D = 1 };
enum {
    ADD = 0x00,
    SUB = 0x01,
    MUL = 0x02,
    DIV = 0x03,
    SGNJ = 0x04,
    MINMAX = 0x05,
    CVT_FF = 0x08,
    SQRT = 0x0b,
    CMP = 0x14,
    CVT_IF = 0x18,
    CVT_FI = 0x1a,
    MVX = 0x1c,
    MVF = 0x1e
};
enum { W = 0, WU = 1, L = 2, LU = 3 };
enum { OPC_FMADD = 0x43, OPC_FMSUB = 0x47, OPC_FNMSUB = 0x4b, OPC_FNMADD = 0x4f };

#define BOX          0xffffffff00000000ull
#define CNAN_S       0x7fc00000u
#define CNAN_D       0x7ff8000000000000ull
#define S_ONE        0x3f800000u
#define D_ONE        0x3ff0000000000000ull
#define S_INF        0x7f800000u
#define D_INF        0x7ff0000000000000ull
#define S_MAX        0x7f7fffffu
#define D_MAX        0x7fefffffffffffffull
#define S_SNAN       0x7f800001u
#define D_SNAN       0x7ff0000000000001ull
#define S_QNAN_PAYLD 0x7fc12345u
#define D_QNAN_PAYLD 0x7ff8000000012345ull
#define NEG_S(v)     ((v) ^ 0x80000000u)
#define NEG_D(v)     ((v) ^ 0x8000000000000000ull)

/* Register convention of every test instruction: rd = 4, rs1 = 1, rs2 = 2, rs3 = 3. */
static inline uint32_t enc_op(unsigned f5, unsigned fmt, unsigned rs2, unsigned rm)
{
    return f5 << 27 | fmt << 25 | rs2 << 20 | 1u << 15 | rm << 12 | 4u << 7 | 0x53;
}

static inline uint32_t enc_r4(unsigned opc, unsigned fmt, unsigned rm)
{
    return 3u << 27 | fmt << 25 | 2u << 20 | 1u << 15 | rm << 12 | 4u << 7 | opc;
}

typedef struct Run {
    uint64_t f;     /* f[4] afterwards */
    uint64_t x;     /* x[4] afterwards */
    uint32_t flags; /* fflags afterwards (started at 0) */
} Run;

/* Execute insn with f1..f3 / x1 as operands; asserts it is legal. */
static inline Run run(uint32_t insn, uint64_t f1, uint64_t f2, uint64_t f3, uint64_t x1)
{
    RISCVFPState fp = {.frm = RNE};
    uint64_t x[32] = {0};
    fp.f[1] = f1, fp.f[2] = f2, fp.f[3] = f3, fp.f[4] = 0x5555555555555555ull;
    x[1] = x1, x[4] = 0x5555555555555555ull;
    assert_int_equal(riscv_fpu_exec(&fp, x, insn), 0);
    return (Run){fp.f[4], x[4], fp.fflags};
}

/* Single-precision op with boxed operands; checks the result is boxed, returns its low half. */
static inline uint32_t s2(unsigned f5, unsigned rm, uint32_t a, uint32_t b, uint32_t *flags)
{
    Run r = run(enc_op(f5, FMT_S, 2, rm), BOX | a, BOX | b, 0, 0);
    assert_true((r.f & BOX) == BOX);
    *flags = r.flags;
    return (uint32_t)r.f;
}

static inline uint64_t d2(unsigned f5, unsigned rm, uint64_t a, uint64_t b, uint32_t *flags)
{
    Run r = run(enc_op(f5, FMT_D, 2, rm), a, b, 0, 0);
    *flags = r.flags;
    return r.f;
}

static inline uint32_t s_sqrt(unsigned rm, uint32_t a, uint32_t *flags)
{
    Run r = run(enc_op(SQRT, FMT_S, 0, rm), BOX | a, 0, 0, 0);
    assert_true((r.f & BOX) == BOX);
    *flags = r.flags;
    return (uint32_t)r.f;
}

static inline uint64_t d_sqrt(unsigned rm, uint64_t a, uint32_t *flags)
{
    Run r = run(enc_op(SQRT, FMT_D, 0, rm), a, 0, 0, 0);
    *flags = r.flags;
    return r.f;
}

static inline uint32_t s_fma(unsigned opc, unsigned rm, uint32_t a, uint32_t b, uint32_t c,
                             uint32_t *flags)
{
    Run r = run(enc_r4(opc, FMT_S, rm), BOX | a, BOX | b, BOX | c, 0);
    assert_true((r.f & BOX) == BOX);
    *flags = r.flags;
    return (uint32_t)r.f;
}

static inline uint64_t d_fma(unsigned opc, unsigned rm, uint64_t a, uint64_t b, uint64_t c,
                             uint32_t *flags)
{
    Run r = run(enc_r4(opc, FMT_D, rm), a, b, c, 0);
    *flags = r.flags;
    return r.f;
}

/* FCVT.int.fmt: f[1] holds a (already boxed for S), returns x[4]. */
static inline uint64_t to_int(unsigned fmt, unsigned kind, unsigned rm, uint64_t a, uint32_t *flags)
{
    Run r = run(enc_op(CVT_IF, fmt, kind, rm), a, 0, 0, 0);
    *flags = r.flags;
    return r.x;
}

/* FCVT.fmt.int: x[1] = v, returns f[4] (boxed for S). */
static inline uint64_t from_int(unsigned fmt, unsigned kind, unsigned rm, uint64_t v,
                                uint32_t *flags)
{
    Run r = run(enc_op(CVT_FI, fmt, kind, rm), 0, 0, 0, v);
    *flags = r.flags;
    return r.f;
}

static inline uint64_t f64_bits(double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof(v));
    return v;
}

static inline uint32_t f32_bits(float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof(v));
    return v;
}

static inline double bits_f64(uint64_t v)
{
    double d;
    memcpy(&d, &v, sizeof(d));
    return d;
}

static inline float bits_f32(uint32_t v)
{
    float f;
    memcpy(&f, &v, sizeof(f));
    return f;
}

#endif
