/*
 * exec-ext.c - the register-register extensions outside the base ISA that the
 * main loop hands over: M (multiply/divide) and Zba/Zbb/Zbs (bit manipulation),
 * on the OP, OP-32, OP-IMM and OP-IMM-32 opcodes.
 */
#include "cpu/riscv/internal.h"

static uint64_t mulhu64(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static uint64_t mulh64(int64_t a, int64_t b)
{
    return (uint64_t)(((__int128)a * b) >> 64);
}

static uint64_t mulhsu64(int64_t a, uint64_t b)
{
    return (uint64_t)(((__int128)a * (__int128)(unsigned __int128)b) >> 64);
}

static inline uint64_t sx32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

static uint64_t rol64(uint64_t v, unsigned s)
{
    s &= 63;
    return s ? (v << s) | (v >> (64 - s)) : v;
}

static uint64_t ror64(uint64_t v, unsigned s)
{
    s &= 63;
    return s ? (v >> s) | (v << (64 - s)) : v;
}

static uint32_t rol32(uint32_t v, unsigned s)
{
    s &= 31;
    return s ? (v << s) | (v >> (32 - s)) : v;
}

static uint32_t ror32(uint32_t v, unsigned s)
{
    s &= 31;
    return s ? (v >> s) | (v << (32 - s)) : v;
}

static uint64_t orc_b(uint64_t v)
{
    uint64_t r = 0;
    for (int i = 0; i < 8; i++) {
        if ((v >> (8 * i)) & 0xff) {
            r |= 0xffULL << (8 * i);
        }
    }
    return r;
}

static bool exec_m(int f3, uint64_t a, uint64_t b, uint64_t *res)
{
    switch (f3) {
    case 0: *res = a * b; break;
    case 1: *res = mulh64((int64_t)a, (int64_t)b); break;
    case 2: *res = mulhsu64((int64_t)a, b); break;
    case 3: *res = mulhu64(a, b); break;
    case 4: /* div */
        if (b == 0) {
            *res = ~0ULL;
        } else if ((int64_t)a == INT64_MIN && (int64_t)b == -1) {
            *res = a;
        } else {
            *res = (uint64_t)((int64_t)a / (int64_t)b);
        }
        break;
    case 5: *res = b ? a / b : ~0ULL; break;
    case 6: /* rem */
        if (b == 0) {
            *res = a;
        } else if ((int64_t)a == INT64_MIN && (int64_t)b == -1) {
            *res = 0;
        } else {
            *res = (uint64_t)((int64_t)a % (int64_t)b);
        }
        break;
    default: *res = b ? a % b : a; break;
    }
    return true;
}

static bool exec_m32(int f3, uint64_t a64, uint64_t b64, uint64_t *res)
{
    int32_t a = (int32_t)a64, b = (int32_t)b64;
    uint32_t ua = (uint32_t)a64, ub = (uint32_t)b64;
    switch (f3) {
    case 0: *res = sx32((uint64_t)(ua * ub)); return true;
    case 4:
        if (b == 0) {
            *res = ~0ULL;
        } else if (a == INT32_MIN && b == -1) {
            *res = sx32((uint32_t)a);
        } else {
            *res = sx32((uint32_t)(a / b));
        }
        return true;
    case 5: *res = sx32(ub ? ua / ub : ~0u); return true;
    case 6:
        if (b == 0) {
            *res = sx32((uint32_t)a);
        } else if (a == INT32_MIN && b == -1) {
            *res = 0;
        } else {
            *res = sx32((uint32_t)(a % b));
        }
        return true;
    case 7: *res = sx32(ub ? ua % ub : ua); return true;
    default: return false;
    }
}

static bool exec_op(int f3, int f7, uint64_t a, uint64_t b, uint64_t *res)
{
    switch (f7) {
    case 0x01: return exec_m(f3, a, b, res);
    case 0x20:
        switch (f3) {
        case 4: *res = ~(a ^ b); return true; /* xnor */
        case 6: *res = a | ~b; return true;   /* orn */
        case 7: *res = a & ~b; return true;   /* andn */
        default: return false;
        }
    case 0x10:
        switch (f3) {
        case 2: *res = (a << 1) + b; return true;
        case 4: *res = (a << 2) + b; return true;
        case 6: *res = (a << 3) + b; return true;
        default: return false;
        }
    case 0x05:
        switch (f3) {
        case 4: *res = (int64_t)a < (int64_t)b ? a : b; return true;
        case 5: *res = a < b ? a : b; return true;
        case 6: *res = (int64_t)a > (int64_t)b ? a : b; return true;
        case 7: *res = a > b ? a : b; return true;
        default: return false;
        }
    case 0x30:
        if (f3 == 1) {
            *res = rol64(a, (unsigned)b);
            return true;
        }
        if (f3 == 5) {
            *res = ror64(a, (unsigned)b);
            return true;
        }
        return false;
    case 0x24:
        if (f3 == 1) {
            *res = a & ~(1ULL << (b & 63));
            return true;
        }
        if (f3 == 5) {
            *res = (a >> (b & 63)) & 1;
            return true;
        }
        return false;
    case 0x14:
        if (f3 == 1) {
            *res = a | (1ULL << (b & 63));
            return true;
        }
        return false;
    case 0x34:
        if (f3 == 1) {
            *res = a ^ (1ULL << (b & 63));
            return true;
        }
        return false;
    default: return false;
    }
}

static bool exec_op32(int f3, int f7, int rs2, uint64_t a, uint64_t b, uint64_t *res)
{
    switch (f7) {
    case 0x01: return exec_m32(f3, a, b, res);
    case 0x04:
        if (f3 == 0) {
            *res = (a & 0xffffffffULL) + b; /* add.uw */
            return true;
        }
        if (f3 == 4 && rs2 == 0) {
            *res = a & 0xffff; /* zext.h */
            return true;
        }
        return false;
    case 0x10: {
        uint64_t ua = a & 0xffffffffULL;
        switch (f3) {
        case 2: *res = (ua << 1) + b; return true;
        case 4: *res = (ua << 2) + b; return true;
        case 6: *res = (ua << 3) + b; return true;
        default: return false;
        }
    }
    case 0x30:
        if (f3 == 1) {
            *res = sx32(rol32((uint32_t)a, (unsigned)b));
            return true;
        }
        if (f3 == 5) {
            *res = sx32(ror32((uint32_t)a, (unsigned)b));
            return true;
        }
        return false;
    default: return false;
    }
}

static bool exec_opimm(uint32_t insn, int f3, uint64_t a, uint64_t *res)
{
    int f6 = (int)(insn >> 26);
    unsigned sh = (insn >> 20) & 63;
    int imm12 = (int)(insn >> 20);
    if (f3 == 1) {
        switch (f6) {
        case 0x0a: *res = a | (1ULL << sh); return true;  /* bseti */
        case 0x12: *res = a & ~(1ULL << sh); return true; /* bclri */
        case 0x1a: *res = a ^ (1ULL << sh); return true;  /* binvi */
        case 0x18:
            switch (imm12) {
            case 0x600: *res = a ? (uint64_t)__builtin_clzll(a) : 64; return true;
            case 0x601: *res = a ? (uint64_t)__builtin_ctzll(a) : 64; return true;
            case 0x602: *res = (uint64_t)__builtin_popcountll(a); return true;
            case 0x604: *res = (uint64_t)(int64_t)(int8_t)a; return true;
            case 0x605: *res = (uint64_t)(int64_t)(int16_t)a; return true;
            default: return false;
            }
        default: return false;
        }
    }
    if (f3 == 5) {
        switch (f6) {
        case 0x12: *res = (a >> sh) & 1; return true; /* bexti */
        case 0x18: *res = ror64(a, sh); return true;  /* rori */
        default: break;
        }
        if (imm12 == 0x6b8) {
            *res = __builtin_bswap64(a); /* rev8 */
            return true;
        }
        if (imm12 == 0x287) {
            *res = orc_b(a);
            return true;
        }
    }
    return false;
}

static bool exec_opimm32(uint32_t insn, int f3, uint64_t a, uint64_t *res)
{
    int f6 = (int)(insn >> 26), f7 = insn_funct7(insn);
    unsigned sh = (insn >> 20) & 63;
    int imm12 = (int)(insn >> 20);
    uint32_t a32 = (uint32_t)a;
    if (f3 == 1 && f6 == 0x02) {
        *res = (a & 0xffffffffULL) << sh; /* slli.uw */
        return true;
    }
    if (f3 == 1 && f7 == 0x30) {
        switch (imm12) {
        case 0x600: *res = a32 ? (uint64_t)__builtin_clz(a32) : 32; return true;
        case 0x601: *res = a32 ? (uint64_t)__builtin_ctz(a32) : 32; return true;
        case 0x602: *res = (uint64_t)__builtin_popcount(a32); return true;
        default: return false;
        }
    }
    if (f3 == 5 && f7 == 0x30) {
        *res = sx32(ror32(a32, sh & 31)); /* roriw */
        return true;
    }
    return false;
}

bool riscv__exec_op(RISCVCPU *cpu, uint32_t insn, uint64_t *res)
{
    int f3 = insn_funct3(insn), f7 = insn_funct7(insn);
    uint64_t a = cpu->x[insn_rs1(insn)];
    uint64_t b = cpu->x[insn_rs2(insn)];
    switch (insn & 0x7f) {
    case 0x33: return exec_op(f3, f7, a, b, res);
    case 0x3b: return exec_op32(f3, f7, insn_rs2(insn), a, b, res);
    case 0x13: return exec_opimm(insn, f3, a, res);
    case 0x1b: return exec_opimm32(insn, f3, a, res);
    default: return false;
    }
}
