/*
 * decode.h - pre-decoded instructions for the interpreter loop.
 *
 * The decode cache is direct-mapped on the pc and every entry remembers the
 * raw bits it was decoded from (the 32 bits at pc, which for an RVC
 * instruction include the next halfword).  An entry is used only when the
 * bits fetched now are the same, so the cache never needs invalidating:
 * self-modifying code, fence.i, remapped pages and other harts' writes are
 * all handled by the comparison.  Decoding depends only on the bits; privilege
 * and mstatus checks happen at execution time.
 */
#ifndef MINIMU_CPU_RISCV_DECODE_H
#define MINIMU_CPU_RISCV_DECODE_H

#include <stdint.h>

/*
 * The decoded operations.  ILLEGAL is first so that a zeroed entry (raw 0, an
 * illegal RVC encoding) is consistent.  DIVREM is the rest of M, EXT is
 * Zba/Zbb/Zbs (riscv__exec_op); for DIVREM, EXT, SYSTEM, CSR, AMO and the F ops
 * the entry's imm holds the (expanded) 32-bit instruction instead.
 */
#define RISCV_FOR_EACH_OP(X) \
    X(ILLEGAL)               \
    X(LUI)                   \
    X(AUIPC)                 \
    X(JAL)                   \
    X(JALR)                  \
    X(BEQ)                   \
    X(BNE)                   \
    X(BLT)                   \
    X(BGE)                   \
    X(BLTU)                  \
    X(BGEU)                  \
    X(LB)                    \
    X(LH)                    \
    X(LW)                    \
    X(LD)                    \
    X(LBU)                   \
    X(LHU)                   \
    X(LWU)                   \
    X(SB)                    \
    X(SH)                    \
    X(SW)                    \
    X(SD)                    \
    X(ADDI)                  \
    X(SLTI)                  \
    X(SLTIU)                 \
    X(XORI)                  \
    X(ORI)                   \
    X(ANDI)                  \
    X(SLLI)                  \
    X(SRLI)                  \
    X(SRAI)                  \
    X(ADDIW)                 \
    X(SLLIW)                 \
    X(SRLIW)                 \
    X(SRAIW)                 \
    X(ADD)                   \
    X(SUB)                   \
    X(SLL)                   \
    X(SLT)                   \
    X(SLTU)                  \
    X(XOR)                   \
    X(SRL)                   \
    X(SRA)                   \
    X(OR)                    \
    X(AND)                   \
    X(ADDW)                  \
    X(SUBW)                  \
    X(SLLW)                  \
    X(SRLW)                  \
    X(SRAW)                  \
    X(MUL)                   \
    X(MULW)                  \
    X(DIVREM)                \
    X(EXT)                   \
    X(FENCE)                 \
    X(SYSTEM)                \
    X(CSR)                   \
    X(AMO)                   \
    X(FLOAD)                 \
    X(FSTORE)                \
    X(FPOP)

#define RISCV_OP_ENUM(name) OPC_##name,
enum { RISCV_FOR_EACH_OP(RISCV_OP_ENUM) OPC_NB };
#undef RISCV_OP_ENUM

typedef struct RISCVDecoded {
    uint32_t raw; /* the fetched bits this entry was decoded from */
    int32_t imm;  /* immediate; for OPC_DIVREM/EXT/SYSTEM/CSR/AMO/F*: the 32-bit insn */
    uint8_t op;   /* OPC_* */
    uint8_t rd, rs1, rs2;
    uint8_t len; /* 2 or 4 */
    uint8_t pad[3];
} RISCVDecoded;

#define DECODE_CACHE_BITS 16
#define DECODE_CACHE_SIZE (1 << DECODE_CACHE_BITS)

/* Fill @d from the fetched bits @raw (an RVC instruction in the low half). */
void riscv__decode(RISCVDecoded *d, uint32_t raw);

#endif
