/*
 * test-riscv-asm.h - a tiny RISC-V instruction encoder for the CPU unit tests:
 * programs are written in C as sequences of these calls.
 */
#ifndef MINIMU_TESTS_RISCV_ASM_H
#define MINIMU_TESTS_RISCV_ASM_H

#include <stdint.h>

static inline uint32_t rv_r(int f7, int rs2, int rs1, int f3, int rd, int op)
{
    return ((uint32_t)f7 << 25) | ((uint32_t)rs2 << 20) | ((uint32_t)rs1 << 15) |
           ((uint32_t)f3 << 12) | ((uint32_t)rd << 7) | (uint32_t)op;
}

static inline uint32_t rv_i(int32_t imm, int rs1, int f3, int rd, int op)
{
    return ((uint32_t)imm << 20) | ((uint32_t)rs1 << 15) | ((uint32_t)f3 << 12) |
           ((uint32_t)rd << 7) | (uint32_t)op;
}

static inline uint32_t rv_s(int32_t imm, int rs2, int rs1, int f3, int op)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 5) << 25) | ((uint32_t)rs2 << 20) | ((uint32_t)rs1 << 15) | ((uint32_t)f3 << 12) |
           ((u & 31) << 7) | (uint32_t)op;
}

static inline uint32_t rv_b(int32_t imm, int rs2, int rs1, int f3)
{
    uint32_t u = (uint32_t)imm;
    return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3f) << 25) | ((uint32_t)rs2 << 20) |
           ((uint32_t)rs1 << 15) | ((uint32_t)f3 << 12) | (((u >> 1) & 0xf) << 8) |
           (((u >> 11) & 1) << 7) | 0x63;
}

static inline uint32_t rv_j(int32_t imm, int rd)
{
    uint32_t u = (uint32_t)imm;
    return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3ff) << 21) | (((u >> 11) & 1) << 20) |
           (((u >> 12) & 0xff) << 12) | ((uint32_t)rd << 7) | 0x6f;
}

#define ADDI(rd, rs1, imm)  rv_i(imm, rs1, 0, rd, 0x13)
#define ADDIW(rd, rs1, imm) rv_i(imm, rs1, 0, rd, 0x1b)
#define SLLI(rd, rs1, sh)   rv_i(sh, rs1, 1, rd, 0x13)
#define SRLI(rd, rs1, sh)   rv_i(sh, rs1, 5, rd, 0x13)
#define SRAI(rd, rs1, sh)   rv_i(0x400 | (sh), rs1, 5, rd, 0x13)
#define LUI(rd, imm20)      (((uint32_t)(imm20) << 12) | ((uint32_t)(rd) << 7) | 0x37)
#define AUIPC(rd, imm20)    (((uint32_t)(imm20) << 12) | ((uint32_t)(rd) << 7) | 0x17)
#define ADD(rd, a, b)       rv_r(0, b, a, 0, rd, 0x33)
#define SUB(rd, a, b)       rv_r(0x20, b, a, 0, rd, 0x33)
#define SLT(rd, a, b)       rv_r(0, b, a, 2, rd, 0x33)
#define SLTU(rd, a, b)      rv_r(0, b, a, 3, rd, 0x33)
#define SRA(rd, a, b)       rv_r(0x20, b, a, 5, rd, 0x33)
#define ADDW(rd, a, b)      rv_r(0, b, a, 0, rd, 0x3b)
#define SUBW(rd, a, b)      rv_r(0x20, b, a, 0, rd, 0x3b)
#define MUL(rd, a, b)       rv_r(1, b, a, 0, rd, 0x33)
#define MULH(rd, a, b)      rv_r(1, b, a, 1, rd, 0x33)
#define MULHU(rd, a, b)     rv_r(1, b, a, 3, rd, 0x33)
#define DIV(rd, a, b)       rv_r(1, b, a, 4, rd, 0x33)
#define DIVU(rd, a, b)      rv_r(1, b, a, 5, rd, 0x33)
#define REM(rd, a, b)       rv_r(1, b, a, 6, rd, 0x33)
#define DIVW(rd, a, b)      rv_r(1, b, a, 4, rd, 0x3b)
#define REMUW(rd, a, b)     rv_r(1, b, a, 7, rd, 0x3b)
#define ANDN(rd, a, b)      rv_r(0x20, b, a, 7, rd, 0x33)
#define SH2ADD(rd, a, b)    rv_r(0x10, b, a, 4, rd, 0x33)
#define CLZ(rd, a)          rv_i(0x600, a, 1, rd, 0x13)
#define CPOP(rd, a)         rv_i(0x602, a, 1, rd, 0x13)
#define REV8(rd, a)         rv_i(0x6b8, a, 5, rd, 0x13)
#define BSETI(rd, a, sh)    rv_i(0x280 | (sh), a, 1, rd, 0x13)
#define MAXU(rd, a, b)      rv_r(0x05, b, a, 7, rd, 0x33)
#define LB(rd, rs1, imm)    rv_i(imm, rs1, 0, rd, 0x03)
#define LH(rd, rs1, imm)    rv_i(imm, rs1, 1, rd, 0x03)
#define LW(rd, rs1, imm)    rv_i(imm, rs1, 2, rd, 0x03)
#define LD(rd, rs1, imm)    rv_i(imm, rs1, 3, rd, 0x03)
#define LBU(rd, rs1, imm)   rv_i(imm, rs1, 4, rd, 0x03)
#define LWU(rd, rs1, imm)   rv_i(imm, rs1, 6, rd, 0x03)
#define SB(rs2, rs1, imm)   rv_s(imm, rs2, rs1, 0, 0x23)
#define SH(rs2, rs1, imm)   rv_s(imm, rs2, rs1, 1, 0x23)
#define SW(rs2, rs1, imm)   rv_s(imm, rs2, rs1, 2, 0x23)
#define SD(rs2, rs1, imm)   rv_s(imm, rs2, rs1, 3, 0x23)
#define BEQ(a, b, off)      rv_b(off, b, a, 0)
#define BNE(a, b, off)      rv_b(off, b, a, 1)
#define BLT(a, b, off)      rv_b(off, b, a, 4)
#define BGEU(a, b, off)     rv_b(off, b, a, 7)
#define JAL(rd, off)        rv_j(off, rd)
#define JALR(rd, rs1, imm)  rv_i(imm, rs1, 0, rd, 0x67)
#define CSRRW(rd, csr, rs1) rv_i(csr, rs1, 1, rd, 0x73)
#define CSRRS(rd, csr, rs1) rv_i(csr, rs1, 2, rd, 0x73)
#define CSRRC(rd, csr, rs1) rv_i(csr, rs1, 3, rd, 0x73)
#define CSRRWI(rd, csr, z)  rv_i(csr, z, 5, rd, 0x73)
#define CSRR(rd, csr)       CSRRS(rd, csr, 0)
#define CSRW(csr, rs1)      CSRRW(0, csr, rs1)
#define ECALL               0x00000073u
#define EBREAK              0x00100073u
#define MRET                0x30200073u
#define SRET                0x10200073u
#define WFI                 0x10500073u
#define SFENCE_VMA          0x12000073u
#define FENCE_I             0x0000100fu
/* A extension: f5, aq/rl 0. */
#define AMO(f5, f3, rd, rs1, rs2) rv_r(((f5) << 2), rs2, rs1, f3, rd, 0x2f)
#define LR_D(rd, rs1)             AMO(0x02, 3, rd, rs1, 0)
#define SC_D(rd, rs1, rs2)        AMO(0x03, 3, rd, rs1, rs2)
#define LR_W(rd, rs1)             AMO(0x02, 2, rd, rs1, 0)
#define SC_W(rd, rs1, rs2)        AMO(0x03, 2, rd, rs1, rs2)
#define AMOADD_W(rd, rs1, rs2)    AMO(0x00, 2, rd, rs1, rs2)
#define AMOSWAP_D(rd, rs1, rs2)   AMO(0x01, 3, rd, rs1, rs2)
#define AMOMAX_W(rd, rs1, rs2)    AMO(0x14, 2, rd, rs1, rs2)
#define AMOMINU_D(rd, rs1, rs2)   AMO(0x18, 3, rd, rs1, rs2)
/* F/D */
#define FLD(rd, rs1, imm)  rv_i(imm, rs1, 3, rd, 0x07)
#define FLW(rd, rs1, imm)  rv_i(imm, rs1, 2, rd, 0x07)
#define FSD(rs2, rs1, imm) rv_s(imm, rs2, rs1, 3, 0x27)
#define FADD_D(rd, a, b)   rv_r(0x01, b, a, 7, rd, 0x53)
#define FMV_X_D(rd, a)     rv_r(0x71, 0, a, 0, rd, 0x53)

#endif
