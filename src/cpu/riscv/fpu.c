/*
 * RISC-V F/D compute instructions: decoding, register access with NaN boxing, rounding-mode
 * resolution and flag accrual.  The arithmetic itself is in fpu-softfloat.c/fpu-convert.c.
 */
#include "cpu/riscv/fpu.h"
#include "cpu/riscv/fpu-softfloat.h"

#define BOX_S 0xffffffff00000000ull

/* OP-FP funct5 values (insn[31:27]). */
enum {
    F5_ADD = 0x00,
    F5_SUB = 0x01,
    F5_MUL = 0x02,
    F5_DIV = 0x03,
    F5_SGNJ = 0x04,
    F5_MINMAX = 0x05,
    F5_CVT_FF = 0x08,
    F5_SQRT = 0x0b,
    F5_CMP = 0x14,
    F5_CVT_IF = 0x18, /* float -> integer */
    F5_CVT_FI = 0x1a, /* integer -> float */
    F5_MV_X_CLASS = 0x1c,
    F5_MV_F = 0x1e,
};

/* Read an operand of format fmt; an improperly NaN-boxed single reads as the canonical NaN. */
static uint64_t read_f(const RISCVFPState *fp, unsigned reg, const FpFormat *f)
{
    uint64_t v = fp->f[reg];
    if (f->width == 64) {
        return v;
    }
    return (v & BOX_S) == BOX_S ? (uint32_t)v : f->default_nan;
}

static uint64_t box(const FpFormat *f, uint64_t v)
{
    return f->width == 64 ? v : BOX_S | v;
}

/* The concrete rounding mode for rm field 'rm', or -1 if reserved (or DYN and frm invalid). */
static int resolve_rm(const RISCVFPState *fp, unsigned rm)
{
    if (rm == RISCV_RM_DYN) {
        rm = fp->frm;
    }
    return rm <= RISCV_RM_RMM ? (int)rm : -1;
}

/* FSGNJ/FSGNJN/FSGNJX: rm selects the variant.  Never raises flags, keeps NaN payloads. */
static int exec_sgnj(const FpFormat *f, uint64_t a, uint64_t b, unsigned rm, uint64_t *res)
{
    uint64_t sign = 1ull << (f->width - 1);
    switch (rm) {
    case 0: *res = (a & ~sign) | (b & sign); return 0;
    case 1: *res = (a & ~sign) | (~b & sign); return 0;
    case 2: *res = a ^ (b & sign); return 0;
    default: return -1;
    }
}

/*
 * OP-FP (opcode 0x53).  Computes into locals first and commits only at the end, so that an
 * illegal encoding leaves the state untouched.
 */
static int exec_op_fp(RISCVFPState *fp, uint64_t *x, uint32_t insn, const FpFormat *f)
{
    unsigned rd = (insn >> 7) & 31, rm = (insn >> 12) & 7;
    unsigned rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31, funct5 = insn >> 27;
    uint32_t flags = 0;
    uint64_t res = 0;
    bool to_x = false; /* result goes to x[rd] rather than f[rd] */
    int r = 0;
    /* Operands in format f, for the instructions that take them (cheap enough to do always). */
    uint64_t a = read_f(fp, rs1, f), b = read_f(fp, rs2, f);

    switch (funct5) {
    case F5_ADD:
    case F5_SUB:
    case F5_MUL:
    case F5_DIV:
    case F5_SQRT:
        r = resolve_rm(fp, rm);
        if (r < 0 || (funct5 == F5_SQRT && rs2 != 0)) {
            return -1;
        }
        switch (funct5) {
        case F5_ADD: res = riscv_fpu__add(f, a, b, false, r, &flags); break;
        case F5_SUB: res = riscv_fpu__add(f, a, b, true, r, &flags); break;
        case F5_MUL: res = riscv_fpu__mul(f, a, b, r, &flags); break;
        case F5_DIV: res = riscv_fpu__div(f, a, b, r, &flags); break;
        default: res = riscv_fpu__sqrt(f, a, r, &flags); break;
        }
        break;
    case F5_SGNJ:
        if (exec_sgnj(f, a, b, rm, &res) < 0) {
            return -1;
        }
        break;
    case F5_MINMAX:
        if (rm > 1) {
            return -1;
        }
        res = riscv_fpu__minmax(f, a, b, rm == 1, &flags);
        break;
    case F5_CVT_FF: {
        /* FCVT.S.D (fmt S, rs2 = D) or FCVT.D.S (fmt D, rs2 = S). */
        const FpFormat *from = f->width == 32 ? &riscv_fpu__fmt_d : &riscv_fpu__fmt_s;
        r = resolve_rm(fp, rm);
        if (r < 0 || rs2 != (f->width == 32 ? 1u : 0u)) {
            return -1;
        }
        res = riscv_fpu__convert(f, from, read_f(fp, rs1, from), r, &flags);
        break;
    }
    case F5_CMP:
        switch (rm) {
        case 0: res = riscv_fpu__le(f, a, b, &flags); break;
        case 1: res = riscv_fpu__lt(f, a, b, &flags); break;
        case 2: res = riscv_fpu__eq(f, a, b, &flags); break;
        default: return -1;
        }
        to_x = true;
        break;
    case F5_CVT_IF:
    case F5_CVT_FI:
        r = resolve_rm(fp, rm);
        if (r < 0 || rs2 > FP_INT_LU) {
            return -1;
        }
        if (funct5 == F5_CVT_IF) {
            res = riscv_fpu__to_int(f, a, (int)rs2, r, &flags);
            to_x = true;
        } else {
            res = riscv_fpu__from_int(f, x[rs1], (int)rs2, r, &flags);
        }
        break;
    case F5_MV_X_CLASS:
        if (rs2 != 0) {
            return -1;
        }
        if (rm == 0) {
            /* FMV.X.W / FMV.X.D: raw bits, no unboxing; W sign-extends. */
            uint64_t v = fp->f[rs1];
            res = f->width == 64 ? v : (uint64_t)(int64_t)(int32_t)(uint32_t)v;
        } else if (rm == 1) {
            res = riscv_fpu__classify(f, a);
        } else {
            return -1;
        }
        to_x = true;
        break;
    case F5_MV_F:
        /* FMV.W.X / FMV.D.X */
        if (rs2 != 0 || rm != 0) {
            return -1;
        }
        res = f->width == 64 ? x[rs1] : (uint32_t)x[rs1];
        break;
    default: return -1;
    }

    if (to_x) {
        x[rd] = res;
    } else {
        fp->f[rd] = box(f, res);
    }
    fp->fflags |= flags;
    return 0;
}

int riscv_fpu_exec(RISCVFPState *fp, uint64_t *x, uint32_t insn)
{
    unsigned fmt = (insn >> 25) & 3;
    const FpFormat *f = fmt == 0 ? &riscv_fpu__fmt_s : fmt == 1 ? &riscv_fpu__fmt_d : NULL;

    if (!f) {
        return -1; /* H and Q are not in our riscv,isa (rv64imafdc): illegal */
    }
    switch (insn & 0x7f) {
    case 0x43: /* FMADD:  a*b + c */
    case 0x47: /* FMSUB:  a*b - c */
    case 0x4b: /* FNMSUB: -(a*b) + c */
    case 0x4f: /* FNMADD: -(a*b) - c */
    {
        unsigned op = insn & 0x7f;
        int r = resolve_rm(fp, (insn >> 12) & 7);
        if (r < 0) {
            return -1;
        }
        uint32_t flags = 0;
        uint64_t res =
            riscv_fpu__fma(f, read_f(fp, (insn >> 15) & 31, f), read_f(fp, (insn >> 20) & 31, f),
                           read_f(fp, insn >> 27, f), op == 0x4b || op == 0x4f,
                           op == 0x47 || op == 0x4f, r, &flags);
        fp->f[(insn >> 7) & 31] = box(f, res);
        fp->fflags |= flags;
        return 0;
    }
    case 0x53: return exec_op_fp(fp, x, insn, f);
    default: return -1;
    }
}
