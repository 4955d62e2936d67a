/*
 * decode.h - pre-decoded instructions and the translated-block cache of the
 * interpreter loop (exec.c).  Decoding depends only on the bits; privilege
 * and mstatus checks happen at execution time.
 */
#ifndef MINIMU_CPU_RISCV_DECODE_H
#define MINIMU_CPU_RISCV_DECODE_H

#include <stdbool.h>
#include <stddef.h>
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

/*
 * Translated blocks.  A block is the straight-line run of instructions at a
 * virtual pc, up to the first control transfer, SYSTEM/CSR/fence/illegal op,
 * BLOCK_MAX_INSNS or the end of the page, as an array of ops the interpreter
 * jumps through (op->fn is a label of riscv_cpu_run).  The block keeps a copy
 * of the code bytes and the host address they were read from; it is used only
 * when the pc's current fetch translation gives the same host address and the
 * bytes there are still the same, so self-modifying code, DMA, remapping and
 * other harts' writes need no invalidation (the check is per block entry,
 * which is what fence.i requires: a block ends at every fence).
 */
typedef struct RISCVOp {
    const void *fn; /* handler label */
    int64_t imm;    /* immediate; branch/JAL target; AUIPC result; for helpers the tval */
    uint64_t pc;    /* this instruction's pc (the END op: where execution goes on) */
    uint32_t insn;  /* the (expanded) 32-bit instruction, for helpers */
    uint8_t rd, rs1, rs2, len;
} RISCVOp;

typedef struct RISCVBlock {
    uint64_t pc;
    const uint8_t *host; /* host address of the code when translated */
    uint64_t vseq;       /* the write sequence at which it was last checked (exec.c) */
    /*
     * Chaining (exec.c): the block last found at the branch/JAL target or the
     * JALR target [0] and at the fall-through pc [1], else the cache's
     * never-valid block "none" (no NULL test on the fast path).  A hint:
     * it is entered directly only if it was checked at the current write
     * sequence (and, for JALR, has the pc jumped to); stale after a flush of
     * the arena, which empties every block.
     */
    struct RISCVBlock *succ[2];
    uint32_t n;     /* guest instructions */
    uint32_t bytes; /* code bytes; their copy follows ops[n] */
    RISCVOp ops[];  /* n ops and the END op (fall through to ops[n].pc) */
} RISCVBlock;

#define BLOCK_MAX_INSNS  32
#define BLOCK_TABLE_BITS 16 /* 14 bits: 12% more CPU booting Linux (conflict retranslations) */
#define BLOCK_TABLE_SIZE (1 << BLOCK_TABLE_BITS)
#define BLOCK_ARENA_SIZE (8u << 20)
#define CODE_PAGE_BITS   4096

/* Per hart: a direct-mapped table on the pc over a bump arena that is emptied
 * (with the table) when full. */
typedef struct RISCVBlockCache {
    RISCVBlock **table;
    uint8_t *arena;
    size_t used;
    uint64_t flushes;
    uint64_t wseq;    /* write sequence where the last run stopped (exec.c) */
    RISCVBlock *none; /* never checked (vseq ~0) and pc 1: what succ[] holds when unknown */
    /* Host pages (hashed on the page number) that hold translated code. */
    uint64_t code_pages[CODE_PAGE_BITS / 64];
} RISCVBlockCache;

bool riscv__block_cache_init(RISCVBlockCache *bc);
void riscv__block_cache_destroy(RISCVBlockCache *bc);
/* Room for a block of @n instructions and @bytes of code; may empty the cache first. */
RISCVBlock *riscv__block_alloc(RISCVBlockCache *bc, unsigned n, unsigned bytes);
static inline const uint8_t *riscv__block_code(const RISCVBlock *b)
{
    return (const uint8_t *)&b->ops[b->n + 1];
}

/* Fill @d from the fetched bits @raw (an RVC instruction in the low half). */
void riscv__decode(RISCVDecoded *d, uint32_t raw);

#endif
