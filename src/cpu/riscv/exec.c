/*
 * exec.c - the interpreter loop: fetch through the current code page's host
 * pointer, expand RVC, and execute RV64I inline; extensions, CSRs, atomics and
 * FP go to helpers in the other exec-*.c files.
 *
 * The loop runs "blocks" of at most BLOCK_INSNS instructions; between blocks
 * it looks at kicks and pending interrupts.  Anything that may change which
 * interrupts are enabled (CSR writes, xRET, traps) ends the block early.
 */
#include "cpu/riscv/internal.h"
#include "util/atomic.h"

#define BLOCK_INSNS 64

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
    case 0x00100073: /* ebreak */
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

static bool branch_taken(int f3, uint64_t a, uint64_t b)
{
    switch (f3) {
    case 0: return a == b;
    case 1: return a != b;
    case 4: return (int64_t)a < (int64_t)b;
    case 5: return (int64_t)a >= (int64_t)b;
    case 6: return a < b;
    default: return a >= b; /* 7; 2 and 3 are rejected before */
    }
}

RISCVExit riscv_cpu_run(RISCVCPU *cpu, int64_t budget)
{
    uint64_t *x = cpu->x;
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
        bool end_block = false, wfi = false;
        while (done < n && !end_block) {
            uint64_t pc = cpu->pc;
            uint32_t raw, insn;
            uint64_t npc;
            int r = RISCV_OK;
            done++; /* faulting attempts count too, so a trap loop cannot run forever */
            if (likely((pc & PAGE_MASK) == cpu->fetch_va && (pc & (PAGE_SIZE - 1)) <= 0xffc)) {
                memcpy(&raw, cpu->fetch_host + (pc & (PAGE_SIZE - 1)), 4);
            } else if (!riscv__fetch_slow(cpu, &raw)) {
                end_block = true;
                break;
            }
            if (unlikely(cpu->log_flags & RISCV_LOG_IN_ASM)) {
                riscv__log(cpu, "riscv: hart %d %c %016llx: %08x\n", cpu->hartid,
                           "USHM"[cpu->priv & 3], (unsigned long long)pc,
                           (raw & 3) == 3 ? raw : raw & 0xffff);
            }
            if ((raw & 3) != 3) {
                raw &= 0xffff;
                insn = riscv__rvc_expand((uint16_t)raw);
                npc = pc + 2;
                if (!insn) {
                    r = RISCV_ILLEGAL;
                    goto done_insn;
                }
            } else {
                insn = raw;
                npc = pc + 4;
            }

            int rd = insn_rd(insn);
            uint64_t a = x[insn_rs1(insn)];
            uint64_t b = x[insn_rs2(insn)];
            int f3 = insn_funct3(insn);
            uint64_t v;
            switch (insn & 0x7f) {
            case 0x37: x[rd] = (uint64_t)imm_u(insn); break;      /* lui */
            case 0x17: x[rd] = pc + (uint64_t)imm_u(insn); break; /* auipc */
            case 0x6f:                                            /* jal */
                x[rd] = npc;
                npc = pc + (uint64_t)imm_j(insn);
                break;
            case 0x67: /* jalr */
                if (f3 != 0) {
                    r = RISCV_ILLEGAL;
                    break;
                }
                x[rd] = npc;
                npc = (a + (uint64_t)imm_i(insn)) & ~1ULL;
                break;
            case 0x63: /* branches */
                if (f3 == 2 || f3 == 3) {
                    r = RISCV_ILLEGAL;
                    break;
                }
                if (branch_taken(f3, a, b)) {
                    npc = pc + (uint64_t)imm_b(insn);
                }
                break;
            case 0x03: { /* loads */
                static const int8_t sizes[8] = {1, 2, 4, 8, 1, 2, 4, 0};
                int size = sizes[f3];
                if (!size) {
                    r = RISCV_ILLEGAL;
                    break;
                }
                if (!riscv__ld(cpu, a + (uint64_t)imm_i(insn), size, &v)) {
                    r = RISCV_EXC;
                    break;
                }
                switch (f3) {
                case 0: v = (uint64_t)(int64_t)(int8_t)v; break;
                case 1: v = (uint64_t)(int64_t)(int16_t)v; break;
                case 2: v = sx32(v); break;
                default: break;
                }
                x[rd] = v;
                break;
            }
            case 0x23: /* stores */
                if (f3 > 3) {
                    r = RISCV_ILLEGAL;
                    break;
                }
                if (!riscv__st(cpu, a + (uint64_t)imm_s(insn), 1 << f3, b)) {
                    r = RISCV_EXC;
                }
                break;
            case 0x13: { /* OP-IMM */
                uint64_t imm = (uint64_t)imm_i(insn);
                int f6 = (int)(insn >> 26);
                switch (f3) {
                case 0: x[rd] = a + imm; break;
                case 2: x[rd] = (int64_t)a < (int64_t)imm; break;
                case 3: x[rd] = a < imm; break;
                case 4: x[rd] = a ^ imm; break;
                case 6: x[rd] = a | imm; break;
                case 7: x[rd] = a & imm; break;
                case 1:
                    if (f6 == 0) {
                        x[rd] = a << (imm & 63);
                        break;
                    }
                    goto ext_op;
                default:
                    if (f6 == 0) {
                        x[rd] = a >> (imm & 63);
                        break;
                    }
                    if (f6 == 0x10) {
                        x[rd] = (uint64_t)((int64_t)a >> (imm & 63));
                        break;
                    }
                    goto ext_op;
                }
                break;
            }
            case 0x1b: { /* OP-IMM-32 */
                int f7 = insn_funct7(insn);
                unsigned sh = (insn >> 20) & 31;
                if (f3 == 0) {
                    x[rd] = sx32(a + (uint64_t)imm_i(insn));
                } else if (f3 == 1 && f7 == 0) {
                    x[rd] = sx32((uint32_t)a << sh);
                } else if (f3 == 5 && f7 == 0) {
                    x[rd] = sx32((uint32_t)a >> sh);
                } else if (f3 == 5 && f7 == 0x20) {
                    x[rd] = sx32((uint64_t)((int32_t)a >> sh));
                } else {
                    goto ext_op;
                }
                break;
            }
            case 0x33: { /* OP */
                int f7 = insn_funct7(insn);
                if (f7 == 0) {
                    switch (f3) {
                    case 0: x[rd] = a + b; break;
                    case 1: x[rd] = a << (b & 63); break;
                    case 2: x[rd] = (int64_t)a < (int64_t)b; break;
                    case 3: x[rd] = a < b; break;
                    case 4: x[rd] = a ^ b; break;
                    case 5: x[rd] = a >> (b & 63); break;
                    case 6: x[rd] = a | b; break;
                    default: x[rd] = a & b; break;
                    }
                } else if (f7 == 0x20 && f3 == 0) {
                    x[rd] = a - b;
                } else if (f7 == 0x20 && f3 == 5) {
                    x[rd] = (uint64_t)((int64_t)a >> (b & 63));
                } else {
                    goto ext_op;
                }
                break;
            }
            case 0x3b: { /* OP-32 */
                int f7 = insn_funct7(insn);
                if (f7 == 0 && f3 == 0) {
                    x[rd] = sx32(a + b);
                } else if (f7 == 0x20 && f3 == 0) {
                    x[rd] = sx32(a - b);
                } else if (f7 == 0 && f3 == 1) {
                    x[rd] = sx32((uint32_t)a << (b & 31));
                } else if (f7 == 0 && f3 == 5) {
                    x[rd] = sx32((uint32_t)a >> (b & 31));
                } else if (f7 == 0x20 && f3 == 5) {
                    x[rd] = sx32((uint64_t)((int32_t)a >> (b & 31)));
                } else {
                    goto ext_op;
                }
                break;
            }
            ext_op:
                if (riscv__exec_op(cpu, insn, &v)) {
                    x[rd] = v;
                } else {
                    r = RISCV_ILLEGAL;
                }
                break;
            case 0x0f: /* fence, fence.i: no decoded-code cache to invalidate */
                if (f3 > 1) {
                    r = RISCV_ILLEGAL;
                }
                break;
            case 0x73:
                if (f3 == 0) {
                    r = exec_system(cpu, insn, &wfi);
                } else {
                    cpu->insn_count += (uint64_t)done;
                    r = riscv__exec_csr(cpu, insn);
                    cpu->insn_count -= (uint64_t)done;
                }
                end_block = true;
                break;
            case 0x2f: r = riscv__exec_amo(cpu, insn); break;
            case 0x07: r = riscv__exec_fp_load(cpu, insn); break;
            case 0x27: r = riscv__exec_fp_store(cpu, insn); break;
            case 0x43:
            case 0x47:
            case 0x4b:
            case 0x4f:
            case 0x53: r = riscv__exec_fp_op(cpu, insn); break;
            default: r = RISCV_ILLEGAL; break;
            }
        done_insn:
            x[0] = 0;
            if (likely(r == RISCV_OK)) {
                cpu->pc = npc;
                if (unlikely(wfi)) {
                    break;
                }
            } else {
                if (r == RISCV_ILLEGAL) {
                    riscv__raise_exception(cpu, EXC_ILLEGAL, raw);
                }
                end_block = true;
            }
        }
        left -= done;
        cpu->insn_count += (uint64_t)done;
        if (wfi && !riscv__pending_interrupts(cpu)) {
            ret = RISCV_EXIT_WFI;
            break;
        }
    }
    return ret;
}
