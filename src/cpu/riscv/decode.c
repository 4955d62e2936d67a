/*
 * decode.c - raw instruction bits to RISCVDecoded (see decode.h).  RVC is
 * expanded first, so compressed and full-size instructions share the ops.
 */
#include <stdlib.h>

#include "cpu/riscv/decode.h"
#include "cpu/riscv/internal.h"

static int decode_op_imm(uint32_t insn, int32_t *imm)
{
    int f3 = insn_funct3(insn), f6 = (int)(insn >> 26);
    *imm = (int32_t)imm_i(insn);
    switch (f3) {
    case 0: return OPC_ADDI;
    case 2: return OPC_SLTI;
    case 3: return OPC_SLTIU;
    case 4: return OPC_XORI;
    case 6: return OPC_ORI;
    case 7: return OPC_ANDI;
    case 1: *imm &= 63; return f6 == 0 ? OPC_SLLI : OPC_EXT;
    default: *imm &= 63; return f6 == 0 ? OPC_SRLI : f6 == 0x10 ? OPC_SRAI : OPC_EXT;
    }
}

static int decode_op_imm32(uint32_t insn, int32_t *imm)
{
    int f3 = insn_funct3(insn), f7 = insn_funct7(insn);
    *imm = (int32_t)imm_i(insn);
    if (f3 == 0) {
        return OPC_ADDIW;
    }
    *imm &= 31;
    if (f3 == 1 && f7 == 0) {
        return OPC_SLLIW;
    }
    if (f3 == 5 && f7 == 0) {
        return OPC_SRLIW;
    }
    if (f3 == 5 && f7 == 0x20) {
        return OPC_SRAIW;
    }
    return OPC_EXT;
}

static int decode_op(uint32_t insn)
{
    int f3 = insn_funct3(insn), f7 = insn_funct7(insn);
    static const uint8_t base[8] = {OPC_ADD, OPC_SLL, OPC_SLT, OPC_SLTU,
                                    OPC_XOR, OPC_SRL, OPC_OR,  OPC_AND};
    if (f7 == 0) {
        return base[f3];
    }
    if (f7 == 0x20 && f3 == 0) {
        return OPC_SUB;
    }
    if (f7 == 0x20 && f3 == 5) {
        return OPC_SRA;
    }
    if (f7 == 1) {
        return f3 == 0 ? OPC_MUL : OPC_DIVREM;
    }
    return OPC_EXT;
}

static int decode_op32(uint32_t insn)
{
    int f3 = insn_funct3(insn), f7 = insn_funct7(insn);
    if (f7 == 0) {
        return f3 == 0 ? OPC_ADDW : f3 == 1 ? OPC_SLLW : f3 == 5 ? OPC_SRLW : OPC_ILLEGAL;
    }
    if (f7 == 0x20) {
        return f3 == 0 ? OPC_SUBW : f3 == 5 ? OPC_SRAW : OPC_ILLEGAL;
    }
    if (f7 == 1) {
        return f3 == 0 ? OPC_MULW : (f3 >= 4 ? OPC_DIVREM : OPC_ILLEGAL);
    }
    return OPC_EXT;
}

void riscv__decode(RISCVDecoded *d, uint32_t raw)
{
    uint32_t insn = raw;
    int op = OPC_ILLEGAL;
    int32_t imm = 0;

    d->raw = raw;
    d->len = 4;
    if ((raw & 3) != 3) {
        d->len = 2;
        insn = riscv__rvc_expand((uint16_t)raw);
        if (!insn) {
            d->op = OPC_ILLEGAL;
            d->imm = (int32_t)(raw & 0xffff);
            return;
        }
    }
    int f3 = insn_funct3(insn);
    switch (insn & 0x7f) {
    case 0x37: op = OPC_LUI, imm = (int32_t)imm_u(insn); break;
    case 0x17: op = OPC_AUIPC, imm = (int32_t)imm_u(insn); break;
    case 0x6f: op = OPC_JAL, imm = (int32_t)imm_j(insn); break;
    case 0x67:
        op = f3 == 0 ? OPC_JALR : OPC_ILLEGAL;
        imm = (int32_t)imm_i(insn);
        break;
    case 0x63: {
        static const uint8_t br[8] = {OPC_BEQ, OPC_BNE, OPC_ILLEGAL, OPC_ILLEGAL,
                                      OPC_BLT, OPC_BGE, OPC_BLTU,    OPC_BGEU};
        op = br[f3];
        imm = (int32_t)imm_b(insn);
        break;
    }
    case 0x03: {
        static const uint8_t ld[8] = {OPC_LB,  OPC_LH,  OPC_LW,  OPC_LD,
                                      OPC_LBU, OPC_LHU, OPC_LWU, OPC_ILLEGAL};
        op = ld[f3];
        imm = (int32_t)imm_i(insn);
        break;
    }
    case 0x23: {
        static const uint8_t st[8] = {OPC_SB,      OPC_SH,      OPC_SW,      OPC_SD,
                                      OPC_ILLEGAL, OPC_ILLEGAL, OPC_ILLEGAL, OPC_ILLEGAL};
        op = st[f3];
        imm = (int32_t)imm_s(insn);
        break;
    }
    case 0x13: op = decode_op_imm(insn, &imm); break;
    case 0x1b: op = decode_op_imm32(insn, &imm); break;
    case 0x33: op = decode_op(insn); break;
    case 0x3b: op = decode_op32(insn); break;
    case 0x0f:
        /* imm = pred << 4 | succ for fence; 0 for fence.i (nothing to order). */
        op = f3 <= 1 ? OPC_FENCE : OPC_ILLEGAL;
        imm = f3 == 0 ? (int32_t)((insn >> 20) & 0xff) : 0;
        break;
    case 0x73: op = f3 == 0 ? OPC_SYSTEM : OPC_CSR; break;
    case 0x2f: op = OPC_AMO; break;
    case 0x07: op = OPC_FLOAD; break;
    case 0x27: op = OPC_FSTORE; break;
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f:
    case 0x53: op = OPC_FPOP; break;
    default: op = OPC_ILLEGAL; break;
    }
    switch (op) {
    case OPC_DIVREM:
    case OPC_EXT:
    case OPC_SYSTEM:
    case OPC_CSR:
    case OPC_AMO:
    case OPC_FLOAD:
    case OPC_FSTORE:
    case OPC_FPOP: imm = (int32_t)insn; break;
    case OPC_ILLEGAL: imm = (int32_t)(d->len == 2 ? (raw & 0xffff) : raw); break;
    default: break;
    }
    d->op = (uint8_t)op;
    d->imm = imm;
    d->rd = (uint8_t)(insn_rd(insn) ? insn_rd(insn) : 32);
    d->rs1 = (uint8_t)insn_rs1(insn);
    d->rs2 = (uint8_t)insn_rs2(insn);
}

bool riscv__block_cache_init(RISCVBlockCache *bc)
{
    bc->table = calloc(BLOCK_TABLE_SIZE, sizeof(*bc->table));
    bc->arena = malloc(BLOCK_ARENA_SIZE);
    bc->none = calloc(1, sizeof(RISCVBlock));
    bc->used = 0;
    bc->flushes = 0;
    bc->wseq = 0;
    memset(bc->code_pages, 0, sizeof(bc->code_pages));
    if (!bc->table || !bc->arena || !bc->none) {
        riscv__block_cache_destroy(bc);
        return false;
    }
    bc->none->vseq = UINT64_MAX; /* the write sequence never gets there */
    bc->none->pc = 1;            /* no instruction is at an odd pc */
    return true;
}

void riscv__block_cache_destroy(RISCVBlockCache *bc)
{
    free(bc->table);
    free(bc->arena);
    free(bc->none);
    bc->none = NULL;
    bc->table = NULL;
    bc->arena = NULL;
}

RISCVBlock *riscv__block_alloc(RISCVBlockCache *bc, unsigned n, unsigned bytes)
{
    size_t size = sizeof(RISCVBlock) + (n + 1) * sizeof(RISCVOp) + bytes;
    size = (size + 15) & ~(size_t)15;
    if (bc->used + size > BLOCK_ARENA_SIZE) {
        /* Blocks are only looked up between blocks, so none is running now. */
        memset(bc->table, 0, BLOCK_TABLE_SIZE * sizeof(*bc->table));
        bc->used = 0;
        bc->flushes++;
        memset(bc->code_pages, 0, sizeof(bc->code_pages));
    }
    RISCVBlock *b = (RISCVBlock *)(void *)(bc->arena + bc->used);
    bc->used += size;
    return b;
}
