/*
 * exec.c - the interpreter: translated blocks (decode.h) of pre-decoded ops,
 * executed by jumping from op to op; RV64I and the common M ops run inline,
 * the rest of M, Zb*, CSRs, atomics and FP go to helpers in the other
 * exec-*.c files.
 *
 * The loop runs "slices" of about SLICE_INSNS instructions; between slices it
 * looks at kicks and pending interrupts.  Anything that may change which
 * interrupts are enabled, the privilege or the translation (CSR writes, xRET,
 * traps, sfence.vma) ends the slice early.
 */
#include "cpu/riscv/internal.h"
#include "util/atomic.h"

/* Each slice start re-checks every block it enters against memory (a new
 * write sequence), so shorter slices cost: 1024 runs intbench ~5% faster than
 * 256, natively and in wasm, and a kick or an interrupt waits at most ~2 us. */
#define SLICE_INSNS 1024

static inline uint64_t sx32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

/* SYSTEM with funct3 == 0: ecall, ebreak, xret, wfi, sfence.vma.  Returns
 * RISCV_OK (pc to advance), RISCV_EXC (pc set), RISCV_ILLEGAL; *wfi on a WFI. */
static int exec_system(RISCVCPU *cpu, uint32_t insn, bool *wfi)
{
    switch (insn) {
    case 0x00000073: /* ecall */
        riscv__raise_exception(cpu,
                               cpu->priv == PRV_U   ? EXC_ECALL_U
                               : cpu->priv == PRV_S ? EXC_ECALL_S
                                                    : EXC_ECALL_M,
                               0);
        return RISCV_EXC;
    case 0x00100073:                                    /* ebreak */
        riscv__raise_exception(cpu, EXC_BREAKPOINT, 0); /* tval 0, like QEMU */
        return RISCV_EXC;
    case 0x30200073: return riscv__mret(cpu) ? RISCV_EXC : RISCV_ILLEGAL;
    case 0x10200073: return riscv__sret(cpu) ? RISCV_EXC : RISCV_ILLEGAL;
    case 0x10500073: /* wfi */
        if (cpu->priv == PRV_U || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TW))) {
            return RISCV_ILLEGAL;
        }
        *wfi = true;
        return RISCV_OK;
    default: break;
    }
    if (insn_funct7(insn) == 0x09 && insn_rd(insn) == 0) { /* sfence.vma */
        if (cpu->priv == PRV_U || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TVM))) {
            return RISCV_ILLEGAL;
        }
        riscv__tlb_flush(cpu);
        return RISCV_OK;
    }
    return RISCV_ILLEGAL;
}

/* true if the @len bytes at @a and @b are equal (len is even, at least 2). */
static inline bool code_same(const uint8_t *a, const uint8_t *b, uint32_t len)
{
    uint64_t p, q, diff = 0;
    if (likely(len >= 8)) {
        uint32_t i;
        for (i = 0; i + 8 <= len; i += 8) {
            memcpy(&p, a + i, 8);
            memcpy(&q, b + i, 8);
            diff |= p ^ q;
        }
        if (i < len) { /* the tail, as the last 8 bytes (overlapping) */
            memcpy(&p, a + len - 8, 8);
            memcpy(&q, b + len - 8, 8);
            diff |= p ^ q;
        }
        return diff == 0;
    }
    uint32_t s, t, u, w;
    if (len >= 4) {
        memcpy(&s, a, 4);
        memcpy(&t, b, 4);
        memcpy(&u, a + len - 4, 4);
        memcpy(&w, b + len - 4, 4);
        return s == t && u == w;
    }
    uint16_t h, k;
    memcpy(&h, a, 2);
    memcpy(&k, b, 2);
    return h == k;
}

static inline void mark_code_page(RISCVBlockCache *bc, const uint8_t *host)
{
    uintptr_t pg = ((uintptr_t)host >> PAGE_BITS) & (CODE_PAGE_BITS - 1);
    bc->code_pages[pg / 64] |= 1ULL << (pg % 64);
}

/* Ops past the decoded ones: END leaves the block, going on at op->pc; the
 * others are common special cases make_op picks (mv, branches against x0). */
enum { OPC_END = OPC_NB, OPC_MV, OPC_BEQZ, OPC_BNEZ, OPC_EXEC_NB };

/* Fill @op from the fetched bits @raw at @pc; true if the op ends a block. */
static bool make_op(RISCVOp *op, uint32_t raw, uint64_t pc, const void *const *labels)
{
    RISCVDecoded d;
    riscv__decode(&d, raw);
    int opc = d.op;
    op->imm = d.imm;
    op->pc = pc;
    op->insn = (uint32_t)d.imm;
    op->rd = d.rd;
    op->rs1 = d.rs1;
    op->rs2 = d.rs2;
    op->len = d.len;
    bool end = false;
    switch (opc) {
    case OPC_AUIPC:
        opc = OPC_LUI; /* the pc is known: it is a constant */
        op->imm = (int64_t)(pc + (uint64_t)(int64_t)d.imm);
        break;
    case OPC_ADDI:
        if (d.rs1 == 0) {
            opc = OPC_LUI; /* li */
        } else if (d.imm == 0) {
            opc = OPC_MV;
        }
        break;
    case OPC_BEQ:
    case OPC_BNE:
        if (d.rs2 == 0) {
            opc = opc == OPC_BEQ ? OPC_BEQZ : OPC_BNEZ;
        }
        op->imm = (int64_t)(pc + (uint64_t)(int64_t)d.imm); /* the target */
        end = true;
        break;
    case OPC_JAL:
    case OPC_BLT:
    case OPC_BGE:
    case OPC_BLTU:
    case OPC_BGEU:
        op->imm = (int64_t)(pc + (uint64_t)(int64_t)d.imm); /* the target */
        end = true;
        break;
    case OPC_SYSTEM:
    case OPC_CSR:
        op->imm = d.len == 2 ? (raw & 0xffff) : raw; /* the tval if illegal */
        end = true;
        break;
    case OPC_JALR:
    case OPC_ILLEGAL: end = true; break;
    case OPC_FENCE: end = d.imm == 0; break; /* fence.i: later code must be fetched again */
    case OPC_DIVREM:
    case OPC_EXT:
    case OPC_AMO:
    case OPC_FLOAD:
    case OPC_FSTORE:
    case OPC_FPOP:
        /* The tval of an illegal instruction: the bits as fetched. */
        op->imm = d.len == 2 ? (raw & 0xffff) : raw;
        break;
    default: break;
    }
    op->fn = labels[opc];
    return end;
}

static void make_end(RISCVOp *op, uint64_t pc, const void *const *labels)
{
    memset(op, 0, sizeof(*op));
    op->fn = labels[OPC_END];
    op->pc = pc;
}

/* Translate the code at @pc (host @host, readable to the end of the page).
 * NULL if its first instruction crosses the page end. */
static RISCVBlock *translate(RISCVCPU *cpu, uint64_t pc, const uint8_t *host,
                             const void *const *labels)
{
    RISCVOp ops[BLOCK_MAX_INSNS];
    uint32_t room = (uint32_t)(PAGE_SIZE - (pc & (PAGE_SIZE - 1)));
    uint32_t off = 0;
    unsigned n = 0;
    while (n < BLOCK_MAX_INSNS && off + 2 <= room) {
        uint16_t lo;
        uint32_t raw;
        memcpy(&lo, host + off, 2);
        raw = lo;
        if ((lo & 3) == 3) {
            if (off + 4 > room) {
                break;
            }
            memcpy(&raw, host + off, 4);
        }
        bool end = make_op(&ops[n], raw, pc + off, labels);
        off += ops[n].len;
        n++;
        if (end) {
            break;
        }
    }
    if (n == 0) {
        return NULL;
    }
    RISCVBlock *b = riscv__block_alloc(&cpu->blocks, n, off);
    b->pc = pc;
    b->host = host;
    b->succ[0] = b->succ[1] = cpu->blocks.none;
    b->n = n;
    b->bytes = off;
    memcpy(b->ops, ops, n * sizeof(RISCVOp));
    make_end(&b->ops[n], pc + off, labels);
    memcpy((uint8_t *)riscv__block_code(b), host, off);
    mark_code_page(&cpu->blocks, host);
    mark_code_page(&cpu->blocks, host + off - 1);
    return b;
}

/*
 * The handlers are "threaded": each ends with its own jump to the next op
 * (op++ within a block) or, for the ops that end a block, to the block
 * look-up with the new pc in a local.  Labels-as-values is a GNU C extension
 * that GCC and clang (including clang for WebAssembly, which lowers it to a
 * switch) accept.
 *
 * Instructions are counted per block on entry (rem, the slice's allowance,
 * goes down); an exception in the middle gives back the ones after the
 * faulting op.  Blocks are chained (CHAIN): a block end goes straight to the
 * successor block it found last time, if that one was checked at the current
 * write sequence, so the table is only looked at after a store that may have
 * hit code, at a new slice, or for a new successor.  cpu->pc is written only
 * before anything that may raise an exception (which reads it as the faulting
 * pc) or read the counters.
 */
#define RD  x[op->rd]
#define RS1 x[op->rs1]
#define RS2 x[op->rs2]
#define IMM (op->imm)

#define NEXT()         \
    do {               \
        op++;          \
        goto * op->fn; \
    } while (0)

/*
 * Leave the block for its successor @k (decode.h: 0 the branch/JAL target, 1
 * the fall-through) at pc @to: straight into the chained block if it was
 * checked at this write sequence, else through the table (which links it).
 * pc is only needed off the fast path.
 *
 * Every way out of a handler other than into the next op or a chained block
 * goes through next_block, even a chained block that does not fit in the
 * slice (rare: once a slice): then the handlers and the jump between them
 * form a loop with one entry.  WebAssembly has no computed goto; clang lowers
 * it to one switch, and a loop entered at several places (the switch, and
 * enter_slow/fetch_slow straight from a handler) is irreducible: LLVM routes
 * it through an extra dispatch on a label variable (measured in Chromium:
 * 1.4x the interpreter's speed without it).
 */
#define CHAIN(k, to)                             \
    do {                                         \
        b = blk->succ[k];                        \
        if (likely(b->vseq == wseq)) {           \
            if (unlikely((int64_t)b->n > rem)) { \
                pc = b->pc;                      \
                link = &blk->succ[k];            \
                goto next_block;                 \
            }                                    \
            rem -= b->n;                         \
            blk = b;                             \
            op = b->ops;                         \
            goto * op->fn;                       \
        }                                        \
        pc = (to);                               \
        link = &blk->succ[k];                    \
        goto next_block;                         \
    } while (0)

#define BRANCH(cond)                 \
    do {                             \
        if (cond) {                  \
            CHAIN(0, (uint64_t)IMM); \
        }                            \
        CHAIN(1, op->pc + op->len);  \
    } while (0)

/* Loads with the TLB fast path inline (little-endian host): the whole
 * handler.  The fast path reads into a local of the access's type, no
 * address-taken variable, so that nothing goes through the stack. */
#define LOAD(T)                                                                  \
    do {                                                                         \
        uint64_t va_ = RS1 + (uint64_t)IMM;                                      \
        RISCVTLBEntry *e_ = &dtlb[(va_ >> PAGE_BITS) & (TLB_SIZE - 1)];          \
        if (likely(e_->tag_r == (va_ & (PAGE_MASK | (sizeof(T) - 1))))) {        \
            T t_;                                                                \
            memcpy(&t_, (const void *)(uintptr_t)(va_ + e_->addend), sizeof(T)); \
            RD = (uint64_t)t_;                                                   \
        } else {                                                                 \
            uint64_t s_;                                                         \
            cpu->pc = op->pc;                                                    \
            if (!riscv__ld_slow(cpu, va_, sizeof(T), &s_)) {                     \
                goto exception;                                                  \
            }                                                                    \
            RD = (uint64_t)(T)s_;                                                \
        }                                                                        \
        NEXT();                                                                  \
    } while (0)

#define STORE(size)                                                     \
    do {                                                                \
        uint64_t va_ = RS1 + (uint64_t)IMM;                             \
        uint64_t val_ = RS2;                                            \
        RISCVTLBEntry *e_ = &dtlb[(va_ >> PAGE_BITS) & (TLB_SIZE - 1)]; \
        if (likely(e_->tag_w == (va_ & (PAGE_MASK | (size - 1))))) {    \
            uintptr_t h_ = (uintptr_t)(va_ + e_->addend);               \
            uintptr_t pg_ = (h_ >> PAGE_BITS) & (CODE_PAGE_BITS - 1);   \
            memcpy((void *)h_, &val_, size);                            \
            wseq += (code_pages[pg_ / 64] >> (pg_ % 64)) & 1;           \
        } else {                                                        \
            cpu->pc = op->pc;                                           \
            wseq++;                                                     \
            if (!riscv__st_slow(cpu, va_, size, val_)) {                \
                goto exception;                                         \
            }                                                           \
        }                                                               \
        NEXT();                                                         \
    } while (0)

/* A helper returning RISCV_OK / RISCV_EXC / RISCV_ILLEGAL. */
#define HELPER(call)                 \
    do {                             \
        cpu->pc = op->pc;            \
        wseq++; /* it may store */   \
        r = (call);                  \
        x[0] = 0;                    \
        if (likely(r == RISCV_OK)) { \
            NEXT();                  \
        }                            \
        if (r == RISCV_EXC) {        \
            goto exception;          \
        }                            \
        goto illegal;                \
    } while (0)

/*
 * GCC's own advice for computed-goto interpreters: without global CSE and
 * cross-jumping, each handler keeps its own dispatch jump instead of sharing
 * merged tails (measured: 2.4% fewer host instructions, ~5% less time on
 * intbench).  Other compilers ignore it.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define INTERP_OPTIMIZE __attribute__((optimize("no-gcse", "no-crossjumping")))
#else
#define INTERP_OPTIMIZE
#endif

INTERP_OPTIMIZE RISCVExit riscv_cpu_run(RISCVCPU *cpu, int64_t budget)
{
#define RISCV_OP_LABEL(name) [OPC_##name] = &&do_##name,
    static const void *const labels[OPC_EXEC_NB] = {
        RISCV_FOR_EACH_OP(RISCV_OP_LABEL)[OPC_MV] = &&do_MV, [OPC_BEQZ] = &&do_BEQZ,
        [OPC_BNEZ] = &&do_BNEZ, [OPC_END] = &&do_END};
#undef RISCV_OP_LABEL
    uint64_t *x = cpu->x;
    RISCVBlock **table = cpu->blocks.table;
    const uint64_t *code_pages = cpu->blocks.code_pages;
    const bool log_asm = (cpu->log_flags & RISCV_LOG_IN_ASM) != 0;
    int64_t left = budget;
    RISCVExit ret = RISCV_EXIT_BUDGET;
    /* A one-instruction block for the odd cases: page-crossing or MMIO code,
     * logging, or a budget that ends inside a block. */
    _Alignas(RISCVBlock) uint8_t scratch_buf[sizeof(RISCVBlock) + 2 * sizeof(RISCVOp)];
    RISCVBlock *scratch = (RISCVBlock *)(void *)scratch_buf;

    for (;;) {
        if (qatomic_read(&cpu->exit_request)) {
            qatomic_set(&cpu->exit_request, 0);
            if (qatomic_xchg(&cpu->kicked, 0)) {
                ret = RISCV_EXIT_KICK;
                break;
            }
        }
        if (riscv__pending_interrupts(cpu)) {
            riscv__check_interrupts(cpu);
        }
        if (left <= 0) {
            break;
        }
        /*
         * rem: the instructions this slice may still start; a block is
         * entered only whole, so the slice ends before a block that does not
         * fit (and a budget that ends inside a block is run one instruction
         * at a time).  While logging, rem is biased far below zero so that
         * no block is entered whole: every instruction goes through
         * fetch_slow, which logs it.
         */
        const int64_t n = left < SLICE_INSNS ? left : SLICE_INSNS;
        const int64_t bias = log_asm ? INT64_C(1) << 40 : 0;
        int64_t rem = n - bias;
        bool wfi = false;
        uint64_t pc = cpu->pc;
        /* Privilege, mstatus and TLB flushes change these only in ops that
         * end the slice. */
        RISCVTLBEntry *const ftlb = cpu->tlb[cpu->fetch_mmu_idx];
        RISCVTLBEntry *const dtlb = cpu->tlb[cpu->data_mmu_idx];
        /* A new sequence per slice: what other harts and devices wrote is
         * seen at the latest one slice later. */
        uint64_t wseq = cpu->blocks.wseq + 1;
        RISCVBlock *blk = scratch;    /* the block running (or that just ended) */
        RISCVBlock *b;                /* the block to enter */
        RISCVBlock *no_link;          /* where link points when there is nothing to chain */
        RISCVBlock **link = &no_link; /* where to chain the block looked up next */
        const RISCVOp *op;
        uint32_t raw;
        uint64_t v;
        int r;

    next_block : {
        /*
             * A block checked since the last store that may have hit code
             * (wseq) is still good: the pc -> host translation only changes
             * in slice-ending ops or by stores, and its bytes only by stores.
             */
        RISCVBlock **slot = &table[(pc >> 1) & (BLOCK_TABLE_SIZE - 1)];
        b = *slot;
        if (unlikely(!b || b->pc != pc || b->vseq != wseq)) {
            RISCVTLBEntry *e = &ftlb[(pc >> PAGE_BITS) & (TLB_SIZE - 1)];
            if (unlikely(e->tag_x != (pc & PAGE_MASK))) {
                goto fetch_slow;
            }
            const uint8_t *host = (const uint8_t *)(uintptr_t)(pc + e->addend);
            if (!b || b->pc != pc || b->host != host ||
                !code_same(riscv__block_code(b), host, b->bytes)) {
                uint64_t flushes = cpu->blocks.flushes;
                b = translate(cpu, pc, host, labels);
                if (!b) {
                    goto fetch_slow; /* the instruction crosses the page end */
                }
                *slot = b;
                if (cpu->blocks.flushes != flushes) {
                    link = &no_link; /* it pointed into the emptied arena */
                }
            }
            b->vseq = wseq;
        }
        *link = b;
        if (unlikely((int64_t)b->n > rem)) {
            goto enter_slow;
        }
        rem -= b->n;
        blk = b;
        op = b->ops;
        goto * op->fn;
    }

    enter_slow: /* b (at pc) does not fit in what is left of the slice, or logging */
        if (log_asm) {
            goto fetch_slow;
        }
        if (rem < n) {
            goto slice_done; /* the next slice starts with it */
        }
        /* Nothing ran in this slice, so the budget ends inside: one instruction. */
        scratch->ops[0] = b->ops[0];
        make_end(&scratch->ops[1], pc + b->ops[0].len, labels);
        scratch->succ[0] = scratch->succ[1] = cpu->blocks.none;
        scratch->n = 1;
        rem -= 1;
        blk = scratch;
        op = scratch->ops;
        goto * op->fn;

    fetch_slow:
        if (rem + bias <= 0) {
            goto slice_done;
        }
        rem--; /* faulting attempts count too, so a trap loop cannot run forever */
        cpu->pc = pc;
        if (!riscv__fetch_slow(cpu, &raw)) {
            pc = cpu->pc;
            goto slice_done;
        }
        if (unlikely(log_asm)) {
            riscv__log(cpu, "riscv: hart %d %c %016llx: %08x\n", cpu->hartid, "USHM"[cpu->priv & 3],
                       (unsigned long long)pc, (raw & 3) == 3 ? raw : raw & 0xffff);
        }
        make_op(&scratch->ops[0], raw, pc, labels);
        make_end(&scratch->ops[1], pc + scratch->ops[0].len, labels);
        scratch->succ[0] = scratch->succ[1] = cpu->blocks.none;
        scratch->n = 1;
        blk = scratch;
        op = scratch->ops;
        goto * op->fn;

    do_END:
        CHAIN(1, op->pc);
    do_LUI: /* and AUIPC */
        RD = (uint64_t)IMM;
        NEXT();
    do_AUIPC: /* not generated: make_op turns it into LUI */
        RD = op->pc + (uint64_t)IMM;
        NEXT();
    do_JAL:
        RD = op->pc + op->len;
        CHAIN(0, (uint64_t)IMM);
    do_JALR:
        pc = (RS1 + (uint64_t)IMM) & ~1ULL;
        RD = op->pc + op->len;
        /* succ[0] caches the last target: the same CHAIN, also checking the pc. */
        b = blk->succ[0];
        if (likely(b->pc == pc && b->vseq == wseq)) {
            if (unlikely((int64_t)b->n > rem)) {
                link = &blk->succ[0];
                goto next_block;
            }
            rem -= b->n;
            blk = b;
            op = b->ops;
            goto * op->fn;
        }
        link = &blk->succ[0];
        goto next_block;
    do_BEQ:
        BRANCH(RS1 == RS2);
    do_BEQZ:
        BRANCH(RS1 == 0);
    do_BNEZ:
        BRANCH(RS1 != 0);
    do_BNE:
        BRANCH(RS1 != RS2);
    do_BLT:
        BRANCH((int64_t)RS1 < (int64_t)RS2);
    do_BGE:
        BRANCH((int64_t)RS1 >= (int64_t)RS2);
    do_BLTU:
        BRANCH(RS1 < RS2);
    do_BGEU:
        BRANCH(RS1 >= RS2);
    do_LB:
        LOAD(int8_t);
    do_LH:
        LOAD(int16_t);
    do_LW:
        LOAD(int32_t);
    do_LD:
        LOAD(uint64_t);
    do_LBU:
        LOAD(uint8_t);
    do_LHU:
        LOAD(uint16_t);
    do_LWU:
        LOAD(uint32_t);
    do_SB:
        STORE(1);
    do_SH:
        STORE(2);
    do_SW:
        STORE(4);
    do_SD:
        STORE(8);
    do_ADDI:
        RD = RS1 + (uint64_t)IMM;
        NEXT();
    do_MV:
        RD = RS1;
        NEXT();
    do_SLTI:
        RD = (int64_t)RS1 < IMM;
        NEXT();
    do_SLTIU:
        RD = RS1 < (uint64_t)IMM;
        NEXT();
    do_XORI:
        RD = RS1 ^ (uint64_t)IMM;
        NEXT();
    do_ORI:
        RD = RS1 | (uint64_t)IMM;
        NEXT();
    do_ANDI:
        RD = RS1 & (uint64_t)IMM;
        NEXT();
    do_SLLI:
        RD = RS1 << IMM;
        NEXT();
    do_SRLI:
        RD = RS1 >> IMM;
        NEXT();
    do_SRAI:
        RD = (uint64_t)((int64_t)RS1 >> IMM);
        NEXT();
    do_ADDIW:
        RD = sx32(RS1 + (uint64_t)IMM);
        NEXT();
    do_SLLIW:
        RD = sx32((uint32_t)RS1 << IMM);
        NEXT();
    do_SRLIW:
        RD = sx32((uint32_t)RS1 >> IMM);
        NEXT();
    do_SRAIW:
        RD = sx32((uint64_t)((int32_t)RS1 >> IMM));
        NEXT();
    do_ADD:
        RD = RS1 + RS2;
        NEXT();
    do_SUB:
        RD = RS1 - RS2;
        NEXT();
    do_SLL:
        RD = RS1 << (RS2 & 63);
        NEXT();
    do_SLT:
        RD = (int64_t)RS1 < (int64_t)RS2;
        NEXT();
    do_SLTU:
        RD = RS1 < RS2;
        NEXT();
    do_XOR:
        RD = RS1 ^ RS2;
        NEXT();
    do_SRL:
        RD = RS1 >> (RS2 & 63);
        NEXT();
    do_SRA:
        RD = (uint64_t)((int64_t)RS1 >> (RS2 & 63));
        NEXT();
    do_OR:
        RD = RS1 | RS2;
        NEXT();
    do_AND:
        RD = RS1 & RS2;
        NEXT();
    do_ADDW:
        RD = sx32(RS1 + RS2);
        NEXT();
    do_SUBW:
        RD = sx32(RS1 - RS2);
        NEXT();
    do_SLLW:
        RD = sx32((uint32_t)RS1 << (RS2 & 31));
        NEXT();
    do_SRLW:
        RD = sx32((uint32_t)RS1 >> (RS2 & 31));
        NEXT();
    do_SRAW:
        RD = sx32((uint64_t)((int32_t)RS1 >> (RS2 & 31)));
        NEXT();
    do_MUL:
        RD = RS1 * RS2;
        NEXT();
    do_MULW:
        RD = sx32((uint32_t)RS1 * (uint32_t)RS2);
        NEXT();
    do_DIVREM:
    do_EXT : {
        uint64_t res; /* not v: its address would keep v out of registers */
        if (!riscv__exec_op(cpu, op->insn, &res)) {
            cpu->pc = op->pc;
            goto illegal;
        }
        RD = res;
        NEXT();
    }
    do_FENCE:
        /* Only store -> load ordering (pred has W, succ has R) needs a full
         * barrier; an acquire-release fence gives the other orders and costs
         * nothing on x86.  fence.i (IMM 0) ends the block, so the next one is
         * checked against memory. */
        if ((IMM & 0x12) == 0x12) {
            smp_mb();
        } else if (IMM) {
            __atomic_thread_fence(__ATOMIC_ACQ_REL);
        } else {
            wseq++; /* fence.i: also see what other harts wrote in this slice */
        }
        NEXT();
    do_SYSTEM:
        cpu->pc = op->pc;
        r = exec_system(cpu, op->insn, &wfi);
        if (r == RISCV_ILLEGAL) {
            goto illegal;
        }
        if (r == RISCV_EXC) {
            goto exception;
        }
        pc = op->pc + op->len; /* wfi or sfence.vma: end the slice */
        goto slice_done;
    do_CSR:
        cpu->pc = op->pc;
        /* The counters are read with this instruction's own count (it ends
         * its block, so done is exact). */
        v = (uint64_t)(n - bias - rem); /* done */
        qatomic_set(&cpu->insn_count, cpu->insn_count + v);
        r = riscv__exec_csr(cpu, op->insn);
        qatomic_set(&cpu->insn_count, cpu->insn_count - v);
        x[0] = 0;
        if (r != RISCV_OK) {
            goto illegal;
        }
        pc = op->pc + op->len; /* may have enabled interrupts or changed translation */
        goto slice_done;
    do_AMO:
        HELPER(riscv__exec_amo(cpu, op->insn));
    do_FLOAD:
        HELPER(riscv__exec_fp_load(cpu, op->insn));
    do_FSTORE:
        HELPER(riscv__exec_fp_store(cpu, op->insn));
    do_FPOP:
        HELPER(riscv__exec_fp_op(cpu, op->insn));
    do_ILLEGAL:
        cpu->pc = op->pc;
    illegal:
        riscv__raise_exception(cpu, EXC_ILLEGAL, (uint32_t)IMM);
    exception:
        /* The ops after the faulting one did not run. */
        rem += (int64_t)blk->n - (op - blk->ops) - 1;
        pc = cpu->pc; /* the trap handler */
    slice_done:
        cpu->pc = pc;
        cpu->blocks.wseq = wseq;
        left -= n - bias - rem;
        qatomic_set(&cpu->insn_count,
                    cpu->insn_count + (uint64_t)(n - bias - rem)); /* read by others */
        if (wfi && !riscv__pending_interrupts(cpu)) {
            ret = RISCV_EXIT_WFI;
            break;
        }
    }
    return ret;
}
