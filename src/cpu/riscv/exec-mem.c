/*
 * exec-mem.c - the A extension (LR/SC and AMOs, atomic on the host so that
 * several vCPU threads see each other's atomics) and the F/D loads, stores and
 * compute dispatch (the arithmetic itself is fpu.c).
 */
#include "cpu/riscv/internal.h"

static inline uint64_t sx32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

#define AMO_CASE_LOOP(T, ptr, src, expr)                                                        \
    do {                                                                                        \
        T old_ = __atomic_load_n((T *)(ptr), __ATOMIC_RELAXED);                                 \
        T new_;                                                                                 \
        do {                                                                                    \
            T a = old_, b = (T)(src);                                                           \
            new_ = (expr);                                                                      \
        } while (!__atomic_compare_exchange_n((T *)(ptr), &old_, new_, false, __ATOMIC_SEQ_CST, \
                                              __ATOMIC_SEQ_CST));                               \
        result = (uint64_t)old_;                                                                \
    } while (0)

static bool amo32(int f5, uint32_t *p, uint32_t src, uint64_t *out)
{
    uint64_t result;
    switch (f5) {
    case 0x00: result = __atomic_fetch_add(p, src, __ATOMIC_SEQ_CST); break;
    case 0x01: result = __atomic_exchange_n(p, src, __ATOMIC_SEQ_CST); break;
    case 0x04: result = __atomic_fetch_xor(p, src, __ATOMIC_SEQ_CST); break;
    case 0x08: result = __atomic_fetch_or(p, src, __ATOMIC_SEQ_CST); break;
    case 0x0c: result = __atomic_fetch_and(p, src, __ATOMIC_SEQ_CST); break;
    case 0x10: AMO_CASE_LOOP(uint32_t, p, src, (int32_t)a < (int32_t)b ? a : b); break;
    case 0x14: AMO_CASE_LOOP(uint32_t, p, src, (int32_t)a > (int32_t)b ? a : b); break;
    case 0x18: AMO_CASE_LOOP(uint32_t, p, src, a < b ? a : b); break;
    case 0x1c: AMO_CASE_LOOP(uint32_t, p, src, a > b ? a : b); break;
    default: return false;
    }
    *out = sx32(result);
    return true;
}

static bool amo64(int f5, uint64_t *p, uint64_t src, uint64_t *out)
{
    uint64_t result;
    switch (f5) {
    case 0x00: result = __atomic_fetch_add(p, src, __ATOMIC_SEQ_CST); break;
    case 0x01: result = __atomic_exchange_n(p, src, __ATOMIC_SEQ_CST); break;
    case 0x04: result = __atomic_fetch_xor(p, src, __ATOMIC_SEQ_CST); break;
    case 0x08: result = __atomic_fetch_or(p, src, __ATOMIC_SEQ_CST); break;
    case 0x0c: result = __atomic_fetch_and(p, src, __ATOMIC_SEQ_CST); break;
    case 0x10: AMO_CASE_LOOP(uint64_t, p, src, (int64_t)a < (int64_t)b ? a : b); break;
    case 0x14: AMO_CASE_LOOP(uint64_t, p, src, (int64_t)a > (int64_t)b ? a : b); break;
    case 0x18: AMO_CASE_LOOP(uint64_t, p, src, a < b ? a : b); break;
    case 0x1c: AMO_CASE_LOOP(uint64_t, p, src, a > b ? a : b); break;
    default: return false;
    }
    *out = result;
    return true;
}

static bool is_amo_f5(int f5)
{
    switch (f5) {
    case 0x00:
    case 0x01:
    case 0x04:
    case 0x08:
    case 0x0c:
    case 0x10:
    case 0x14:
    case 0x18:
    case 0x1c: return true;
    default: return false;
    }
}

int riscv__exec_amo(RISCVCPU *cpu, uint32_t insn)
{
    int f3 = insn_funct3(insn), f5 = (int)(insn >> 27), rd = insn_rd(insn);
    int size = f3 == 2 ? 4 : 8;
    uint64_t va = cpu->x[insn_rs1(insn)], src = cpu->x[insn_rs2(insn)];
    uint64_t res = 0;

    if ((f3 != 2 && f3 != 3) || (f5 == 0x02 && insn_rs2(insn) != 0) ||
        (f5 != 0x02 && f5 != 0x03 && !is_amo_f5(f5))) {
        return RISCV_ILLEGAL;
    }
    void *p = riscv__amo_ptr(cpu, va, size, f5 == 0x02);
    if (!p) {
        return RISCV_EXC;
    }
    if (f5 == 0x02) { /* LR */
        uint64_t v = size == 4 ? __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST)
                               : __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST);
        cpu->load_res = va;
        cpu->load_val = v;
        res = size == 4 ? sx32(v) : v;
    } else if (f5 == 0x03) { /* SC: succeeds if memory still holds what LR saw */
        bool ok = false;
        if (cpu->load_res == va) {
            if (size == 4) {
                uint32_t expected = (uint32_t)cpu->load_val;
                ok = __atomic_compare_exchange_n((uint32_t *)p, &expected, (uint32_t)src, false,
                                                 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            } else {
                uint64_t expected = cpu->load_val;
                ok = __atomic_compare_exchange_n((uint64_t *)p, &expected, src, false,
                                                 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            }
        }
        cpu->load_res = ~0ULL;
        res = ok ? 0 : 1;
    } else if (size == 4) {
        amo32(f5, (uint32_t *)p, (uint32_t)src, &res);
    } else {
        amo64(f5, (uint64_t *)p, src, &res);
    }
    cpu->x[rd] = res;
    cpu->x[0] = 0;
    return RISCV_OK;
}

int riscv__exec_fp_load(RISCVCPU *cpu, uint32_t insn)
{
    int f3 = insn_funct3(insn);
    if (!riscv__fs_on(cpu) || (f3 != 2 && f3 != 3)) {
        return RISCV_ILLEGAL;
    }
    uint64_t va = cpu->x[insn_rs1(insn)] + (uint64_t)imm_i(insn);
    uint64_t v;
    if (!riscv__ld(cpu, va, f3 == 2 ? 4 : 8, &v)) {
        return RISCV_EXC;
    }
    cpu->fp.f[insn_rd(insn)] = f3 == 2 ? (v | 0xffffffff00000000ULL) : v;
    riscv__fs_dirty(cpu);
    return RISCV_OK;
}

int riscv__exec_fp_store(RISCVCPU *cpu, uint32_t insn)
{
    int f3 = insn_funct3(insn);
    if (!riscv__fs_on(cpu) || (f3 != 2 && f3 != 3)) {
        return RISCV_ILLEGAL;
    }
    uint64_t va = cpu->x[insn_rs1(insn)] + (uint64_t)imm_s(insn);
    return riscv__st(cpu, va, f3 == 2 ? 4 : 8, cpu->fp.f[insn_rs2(insn)]) ? RISCV_OK : RISCV_EXC;
}

int riscv__exec_fp_op(RISCVCPU *cpu, uint32_t insn)
{
    if (!riscv__fs_on(cpu) || riscv_fpu_exec(&cpu->fp, cpu->x, insn) != 0) {
        return RISCV_ILLEGAL;
    }
    cpu->x[0] = 0;
    riscv__fs_dirty(cpu);
    return RISCV_OK;
}
