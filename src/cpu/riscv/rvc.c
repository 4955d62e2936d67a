/*
 * rvc.c - the C extension, by expansion of each 16-bit instruction into the
 * 32-bit instruction it is defined as (RV64 encodings: C.LD/C.SD, C.ADDIW,
 * C.SUBW/C.ADDW, C.FLD/C.FSD(SP)).  The interpreter then executes that.
 */
#include "cpu/riscv/internal.h"

static inline uint32_t bits(uint32_t c, int hi, int lo)
{
    return (c >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline uint32_t enc_i(uint32_t op, int rd, int f3, int rs1, int32_t imm)
{
    return ((uint32_t)imm << 20) | ((uint32_t)rs1 << 15) | ((uint32_t)f3 << 12) |
           ((uint32_t)rd << 7) | op;
}

static inline uint32_t enc_r(uint32_t op, int rd, int f3, int rs1, int rs2, int f7)
{
    return ((uint32_t)f7 << 25) | ((uint32_t)rs2 << 20) | ((uint32_t)rs1 << 15) |
           ((uint32_t)f3 << 12) | ((uint32_t)rd << 7) | op;
}

static inline uint32_t enc_s(uint32_t op, int f3, int rs1, int rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 5) << 25) | ((uint32_t)rs2 << 20) | ((uint32_t)rs1 << 15) | ((uint32_t)f3 << 12) |
           ((u & 31) << 7) | op;
}

static inline uint32_t enc_b(int f3, int rs1, int rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3f) << 25) | ((uint32_t)rs2 << 20) |
           ((uint32_t)rs1 << 15) | ((uint32_t)f3 << 12) | (((u >> 1) & 0xf) << 8) |
           (((u >> 11) & 1) << 7) | 0x63;
}

static inline uint32_t enc_j(int rd, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3ff) << 21) | (((u >> 11) & 1) << 20) |
           (((u >> 12) & 0xff) << 12) | ((uint32_t)rd << 7) | 0x6f;
}

static inline int32_t sext(uint32_t v, int nbits)
{
    return (int32_t)(v << (32 - nbits)) >> (32 - nbits);
}

enum {
    OP_LOAD = 0x03,
    OP_LOAD_FP = 0x07,
    OP_IMM = 0x13,
    OP_IMM32 = 0x1b,
    OP_STORE = 0x23,
    OP_STORE_FP = 0x27,
    OP_OP = 0x33,
    OP_LUI = 0x37,
    OP_OP32 = 0x3b,
    OP_JALR = 0x67,
    OP_SYSTEM = 0x73,
};

static uint32_t quadrant0(uint32_t c)
{
    int rdp = (int)bits(c, 4, 2) + 8, rs1p = (int)bits(c, 9, 7) + 8;
    uint32_t ld_off = (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6);
    uint32_t lw_off = (bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 6);
    switch (bits(c, 15, 13)) {
    case 0: { /* C.ADDI4SPN */
        uint32_t imm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bits(c, 6, 6) << 2) |
                       (bits(c, 5, 5) << 3);
        return imm ? enc_i(OP_IMM, rdp, 0, 2, (int32_t)imm) : 0;
    }
    case 1: return enc_i(OP_LOAD_FP, rdp, 3, rs1p, (int32_t)ld_off);  /* C.FLD */
    case 2: return enc_i(OP_LOAD, rdp, 2, rs1p, (int32_t)lw_off);     /* C.LW */
    case 3: return enc_i(OP_LOAD, rdp, 3, rs1p, (int32_t)ld_off);     /* C.LD */
    case 5: return enc_s(OP_STORE_FP, 3, rs1p, rdp, (int32_t)ld_off); /* C.FSD */
    case 6: return enc_s(OP_STORE, 2, rs1p, rdp, (int32_t)lw_off);    /* C.SW */
    case 7: return enc_s(OP_STORE, 3, rs1p, rdp, (int32_t)ld_off);    /* C.SD */
    default: return 0;
    }
}

static uint32_t quadrant1(uint32_t c)
{
    int rd = (int)bits(c, 11, 7);
    int rdp = (int)bits(c, 9, 7) + 8, rs2p = (int)bits(c, 4, 2) + 8;
    int32_t imm6 = sext((bits(c, 12, 12) << 5) | bits(c, 6, 2), 6);
    switch (bits(c, 15, 13)) {
    case 0: return enc_i(OP_IMM, rd, 0, rd, imm6);            /* C.ADDI / C.NOP */
    case 1: return rd ? enc_i(OP_IMM32, rd, 0, rd, imm6) : 0; /* C.ADDIW */
    case 2: return enc_i(OP_IMM, rd, 0, 0, imm6);             /* C.LI */
    case 3:
        if (rd == 2) { /* C.ADDI16SP */
            uint32_t u = (bits(c, 12, 12) << 9) | (bits(c, 6, 6) << 4) | (bits(c, 5, 5) << 6) |
                         (bits(c, 4, 3) << 7) | (bits(c, 2, 2) << 5);
            return u ? enc_i(OP_IMM, 2, 0, 2, sext(u, 10)) : 0;
        }
        if (imm6 == 0) {
            return 0;
        }
        return ((uint32_t)imm6 << 12) | ((uint32_t)rd << 7) | OP_LUI; /* C.LUI */
    case 4: {
        uint32_t shamt = (bits(c, 12, 12) << 5) | bits(c, 6, 2);
        switch (bits(c, 11, 10)) {
        case 0: return enc_i(OP_IMM, rdp, 5, rdp, (int32_t)shamt);           /* C.SRLI */
        case 1: return enc_i(OP_IMM, rdp, 5, rdp, (int32_t)(shamt | 0x400)); /* C.SRAI */
        case 2: return enc_i(OP_IMM, rdp, 7, rdp, imm6);                     /* C.ANDI */
        default:
            if (!bits(c, 12, 12)) {
                static const int f3[4] = {0, 4, 6, 7};
                int f7 = bits(c, 6, 5) == 0 ? 0x20 : 0; /* C.SUB / XOR / OR / AND */
                return enc_r(OP_OP, rdp, f3[bits(c, 6, 5)], rdp, rs2p, f7);
            }
            switch (bits(c, 6, 5)) {
            case 0: return enc_r(OP_OP32, rdp, 0, rdp, rs2p, 0x20); /* C.SUBW */
            case 1: return enc_r(OP_OP32, rdp, 0, rdp, rs2p, 0);    /* C.ADDW */
            default: return 0;
            }
        }
    }
    case 5: { /* C.J */
        uint32_t u = (bits(c, 12, 12) << 11) | (bits(c, 11, 11) << 4) | (bits(c, 10, 9) << 8) |
                     (bits(c, 8, 8) << 10) | (bits(c, 7, 7) << 6) | (bits(c, 6, 6) << 7) |
                     (bits(c, 5, 3) << 1) | (bits(c, 2, 2) << 5);
        return enc_j(0, sext(u, 12));
    }
    default: { /* C.BEQZ / C.BNEZ */
        uint32_t u = (bits(c, 12, 12) << 8) | (bits(c, 11, 10) << 3) | (bits(c, 6, 5) << 6) |
                     (bits(c, 4, 3) << 1) | (bits(c, 2, 2) << 5);
        return enc_b(bits(c, 15, 13) == 6 ? 0 : 1, rdp, 0, sext(u, 9));
    }
    }
}

static uint32_t quadrant2(uint32_t c)
{
    int rd = (int)bits(c, 11, 7), rs2 = (int)bits(c, 6, 2);
    uint32_t ldsp = (bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6);
    uint32_t lwsp = (bits(c, 12, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6);
    uint32_t sdsp = (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6);
    uint32_t swsp = (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6);
    switch (bits(c, 15, 13)) {
    case 0: { /* C.SLLI */
        uint32_t shamt = (bits(c, 12, 12) << 5) | bits(c, 6, 2);
        return enc_i(OP_IMM, rd, 1, rd, (int32_t)shamt);
    }
    case 1: return enc_i(OP_LOAD_FP, rd, 3, 2, (int32_t)ldsp);       /* C.FLDSP */
    case 2: return rd ? enc_i(OP_LOAD, rd, 2, 2, (int32_t)lwsp) : 0; /* C.LWSP */
    case 3: return rd ? enc_i(OP_LOAD, rd, 3, 2, (int32_t)ldsp) : 0; /* C.LDSP */
    case 4:
        if (!bits(c, 12, 12)) {
            if (rs2 == 0) {
                return rd ? enc_i(OP_JALR, 0, 0, rd, 0) : 0; /* C.JR */
            }
            return enc_r(OP_OP, rd, 0, 0, rs2, 0); /* C.MV */
        }
        if (rs2 == 0) {
            if (rd == 0) {
                return 0x00100073; /* C.EBREAK */
            }
            return enc_i(OP_JALR, 1, 0, rd, 0); /* C.JALR */
        }
        return enc_r(OP_OP, rd, 0, rd, rs2, 0);                  /* C.ADD */
    case 5: return enc_s(OP_STORE_FP, 3, 2, rs2, (int32_t)sdsp); /* C.FSDSP */
    case 6: return enc_s(OP_STORE, 2, 2, rs2, (int32_t)swsp);    /* C.SWSP */
    default: return enc_s(OP_STORE, 3, 2, rs2, (int32_t)sdsp);   /* C.SDSP */
    }
}

uint32_t riscv__rvc_expand(uint16_t c)
{
    switch (c & 3) {
    case 0: return quadrant0(c);
    case 1: return quadrant1(c);
    case 2: return quadrant2(c);
    default: return 0;
    }
}
