/*
 * exec.c - the interpreter loop: fetch through the current code page's host
 * pointer, look the bits up in the decode cache (decode.h), and execute RV64I
 * and the common M ops inline; the rest of M, Zb*, CSRs, atomics and FP go to
 * helpers in the other exec-*.c files.
 *
 * The loop runs "blocks" of at most BLOCK_INSNS instructions; between blocks
 * it looks at kicks and pending interrupts.  Anything that may change which
 * interrupts are enabled (CSR writes, xRET, traps) ends the block early.
 */
#include "cpu/riscv/internal.h"
#include "util/atomic.h"

#define BLOCK_INSNS 256

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

/*
 * The loop is "threaded": every handler ends with its own copy of DISPATCH
 * (fetch, decode-cache check, indirect jump), which predicts much better than
 * one shared switch.  Labels-as-values is a GNU C extension that GCC and clang
 * (including clang for WebAssembly, which lowers it to a switch) accept.
 *
 * Inside a block the pc lives in a local; cpu->pc is written only before
 * anything that may raise an exception (which reads it as the faulting pc).
 */
#define RD  x[d->rd]
#define RS1 x[d->rs1]
#define RS2 x[d->rs2]
#define IMM ((int64_t)d->imm)

#define DISPATCH()                                                                              \
    do {                                                                                        \
        if (unlikely(done >= n)) {                                                              \
            goto block_done;                                                                    \
        }                                                                                       \
        done++; /* faulting attempts count too, so a trap loop cannot run forever */            \
        if (unlikely((pc & PAGE_MASK) != fetch_va || (pc & (PAGE_SIZE - 1)) > PAGE_SIZE - 4)) { \
            goto fetch_slow;                                                                    \
        }                                                                                       \
        memcpy(&raw, fetch_host + (pc & (PAGE_SIZE - 1)), 4);                                   \
        d = &dc[(pc >> 1) & (DECODE_CACHE_SIZE - 1)];                                           \
        if (unlikely(d->raw != raw)) {                                                          \
            goto decode_slow;                                                                   \
        }                                                                                       \
        goto *dispatch[d->op];                                                                  \
    } while (0)

#define NEXT()        \
    do {              \
        pc += d->len; \
        DISPATCH();   \
    } while (0)

#define BRANCH(cond)                                    \
    do {                                                \
        pc = (cond) ? pc + (uint64_t)IMM : pc + d->len; \
        DISPATCH();                                     \
    } while (0)

/* Loads and stores with the TLB fast path inline (little-endian host). */
#define LOAD(size)                                                         \
    do {                                                                   \
        uint64_t va_ = RS1 + (uint64_t)IMM;                                \
        RISCVTLBEntry *e_ = riscv__tlb_entry(cpu, cpu->data_mmu_idx, va_); \
        if (likely(e_->tag_r == (va_ & (PAGE_MASK | (size - 1))))) {       \
            v = 0;                                                         \
            memcpy(&v, (const void *)(uintptr_t)(va_ + e_->addend), size); \
        } else {                                                           \
            cpu->pc = pc;                                                  \
            if (!riscv__ld_slow(cpu, va_, size, &v)) {                     \
                goto exception;                                            \
            }                                                              \
        }                                                                  \
    } while (0)

#define STORE(size)                                                        \
    do {                                                                   \
        uint64_t va_ = RS1 + (uint64_t)IMM;                                \
        uint64_t val_ = RS2;                                               \
        RISCVTLBEntry *e_ = riscv__tlb_entry(cpu, cpu->data_mmu_idx, va_); \
        if (likely(e_->tag_w == (va_ & (PAGE_MASK | (size - 1))))) {       \
            memcpy((void *)(uintptr_t)(va_ + e_->addend), &val_, size);    \
        } else {                                                           \
            cpu->pc = pc;                                                  \
            if (!riscv__st_slow(cpu, va_, size, val_)) {                   \
                goto exception;                                            \
            }                                                              \
        }                                                                  \
        NEXT();                                                            \
    } while (0)

/* A helper returning RISCV_OK / RISCV_EXC / RISCV_ILLEGAL. */
#define HELPER(call)                 \
    do {                             \
        cpu->pc = pc;                \
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

/* The illegal-instruction tval: the instruction bits as fetched (16 for RVC). */
static inline uint32_t illegal_tval(const RISCVDecoded *d, uint32_t raw)
{
    return d->len == 2 ? (raw & 0xffff) : raw;
}

RISCVExit riscv_cpu_run(RISCVCPU *cpu, int64_t budget)
{
#define RISCV_OP_LABEL(name) [OPC_##name] = &&do_##name,
    static const void *const dispatch[OPC_NB] = {RISCV_FOR_EACH_OP(RISCV_OP_LABEL)};
#undef RISCV_OP_LABEL
    uint64_t *x = cpu->x;
    RISCVDecoded *dc = cpu->dcache;
    const bool log_asm = (cpu->log_flags & RISCV_LOG_IN_ASM) != 0;
    int64_t left = budget;
    RISCVExit ret = RISCV_EXIT_BUDGET;

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
        int64_t n = left < BLOCK_INSNS ? left : BLOCK_INSNS;
        int64_t done = 0;
        bool wfi = false;
        uint64_t pc = cpu->pc;
        /* Only fetch_slow, TLB flushes and privilege changes move these; the
         * latter two always end the block.  Logging forces the slow fetch. */
        uint64_t fetch_va = log_asm ? TLB_INVALID : cpu->fetch_va;
        const uint8_t *fetch_host = cpu->fetch_host;
        uint32_t raw;
        RISCVDecoded *d;
        uint64_t v;
        int r;

        DISPATCH();

    fetch_slow:
        /* Another code page: most of the time the TLB knows it already. */
        if (likely(!log_asm && (pc & (PAGE_SIZE - 1)) <= PAGE_SIZE - 4)) {
            RISCVTLBEntry *e = riscv__tlb_entry(cpu, cpu->fetch_mmu_idx, pc);
            if (e->tag_x == (pc & PAGE_MASK)) {
                fetch_va = pc & PAGE_MASK;
                fetch_host = (const uint8_t *)(uintptr_t)(fetch_va + e->addend);
                cpu->fetch_va = fetch_va; /* for the next block */
                cpu->fetch_host = (uint8_t *)(uintptr_t)(fetch_va + e->addend);
                memcpy(&raw, fetch_host + (pc & (PAGE_SIZE - 1)), 4);
                d = &dc[(pc >> 1) & (DECODE_CACHE_SIZE - 1)];
                if (likely(d->raw == raw)) {
                    goto *dispatch[d->op];
                }
                goto decode_slow;
            }
        }
        cpu->pc = pc;
        if (!riscv__fetch_slow(cpu, &raw)) {
            pc = cpu->pc;
            goto block_done;
        }
        if (unlikely(log_asm)) {
            riscv__log(cpu, "riscv: hart %d %c %016llx: %08x\n", cpu->hartid, "USHM"[cpu->priv & 3],
                       (unsigned long long)pc, (raw & 3) == 3 ? raw : raw & 0xffff);
        } else {
            fetch_va = cpu->fetch_va;
            fetch_host = cpu->fetch_host;
        }
        d = &dc[(pc >> 1) & (DECODE_CACHE_SIZE - 1)];
        if (d->raw == raw) {
            goto *dispatch[d->op];
        }
    decode_slow:
        riscv__decode(d, raw);
        goto *dispatch[d->op];

    do_LUI:
        RD = (uint64_t)IMM;
        NEXT();
    do_AUIPC:
        RD = pc + (uint64_t)IMM;
        NEXT();
    do_JAL:
        RD = pc + d->len;
        pc += (uint64_t)IMM;
        DISPATCH();
    do_JALR:
        v = (RS1 + (uint64_t)IMM) & ~1ULL;
        RD = pc + d->len;
        pc = v;
        DISPATCH();
    do_BEQ:
        BRANCH(RS1 == RS2);
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
        LOAD(1);
        RD = (uint64_t)(int64_t)(int8_t)v;
        NEXT();
    do_LH:
        LOAD(2);
        RD = (uint64_t)(int64_t)(int16_t)v;
        NEXT();
    do_LW:
        LOAD(4);
        RD = sx32(v);
        NEXT();
    do_LD:
        LOAD(8);
        RD = v;
        NEXT();
    do_LBU:
        LOAD(1);
        RD = v;
        NEXT();
    do_LHU:
        LOAD(2);
        RD = v;
        NEXT();
    do_LWU:
        LOAD(4);
        RD = v;
        NEXT();
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
    do_EXT:
        if (!riscv__exec_op(cpu, (uint32_t)IMM, &v)) {
            cpu->pc = pc;
            goto illegal;
        }
        RD = v;
        NEXT();
    do_FENCE:
        /* Only store -> load ordering (pred has W, succ has R) needs a full
         * barrier; an acquire-release fence gives the other orders and costs
         * nothing on x86.  fence.i (IMM 0) needs nothing: the decode cache
         * checks the bits itself. */
        if ((IMM & 0x12) == 0x12) {
            smp_mb();
        } else if (IMM) {
            __atomic_thread_fence(__ATOMIC_ACQ_REL);
        }
        NEXT();
    do_SYSTEM:
        cpu->pc = pc;
        r = exec_system(cpu, (uint32_t)IMM, &wfi);
        if (r == RISCV_ILLEGAL) {
            goto illegal;
        }
        if (r == RISCV_EXC) {
            goto exception;
        }
        pc += d->len; /* wfi or sfence.vma: end the block */
        goto block_done;
    do_CSR:
        cpu->pc = pc;
        /* The counters are read with this instruction's own count. */
        qatomic_set(&cpu->insn_count, cpu->insn_count + (uint64_t)done);
        r = riscv__exec_csr(cpu, (uint32_t)IMM);
        qatomic_set(&cpu->insn_count, cpu->insn_count - (uint64_t)done);
        x[0] = 0;
        if (r != RISCV_OK) {
            goto illegal;
        }
        pc += d->len; /* may have enabled interrupts or changed translation */
        goto block_done;
    do_AMO:
        HELPER(riscv__exec_amo(cpu, (uint32_t)IMM));
    do_FLOAD:
        HELPER(riscv__exec_fp_load(cpu, (uint32_t)IMM));
    do_FSTORE:
        HELPER(riscv__exec_fp_store(cpu, (uint32_t)IMM));
    do_FPOP:
        HELPER(riscv__exec_fp_op(cpu, (uint32_t)IMM));
    do_ILLEGAL:
        cpu->pc = pc;
    illegal:
        riscv__raise_exception(cpu, EXC_ILLEGAL,
                               d->op == OPC_ILLEGAL ? (uint32_t)IMM : illegal_tval(d, raw));
    exception:
        pc = cpu->pc; /* the trap handler */
    block_done:
        cpu->pc = pc;
        left -= done;
        qatomic_set(&cpu->insn_count, cpu->insn_count + (uint64_t)done); /* read by others */
        if (wfi && !riscv__pending_interrupts(cpu)) {
            ret = RISCV_EXIT_WFI;
            break;
        }
    }
    return ret;
}
