/*
 * alu.c - every RV64I/M/Zba/Zbb/Zbs register and immediate ALU instruction on
 * a grid of edge-case operands, folded into one checksum per instruction and
 * compared with golden values recorded on qemu-system-riscv64.
 */
#include "lib.h"

static const uint64_t vals[] = {
    0,
    1,
    2,
    (uint64_t)-1,
    (uint64_t)-2,
    31,
    32,
    63,
    64,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x7fffffffffffffffULL,
    0x8000000000000000ULL,
    0x123456789abcdef0ULL,
    0xfedcba9876543210ULL,
    0x00000000ffff0000ULL,
    0x5555555555555555ULL,
    0x8000000000000001ULL,
    0xffffffff80000000ULL,
};
#define NV (sizeof(vals) / sizeof(vals[0]))

#define DEF_R(fn, insn)                                                  \
    static uint64_t fn(uint64_t a, uint64_t b)                           \
    {                                                                    \
        uint64_t r;                                                      \
        __asm__ volatile(insn " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); \
        return r;                                                        \
    }
#define DEF_U(fn, insn)                                      \
    static uint64_t fn(uint64_t a, uint64_t b)               \
    {                                                        \
        uint64_t r;                                          \
        (void)b;                                             \
        __asm__ volatile(insn " %0, %1" : "=r"(r) : "r"(a)); \
        return r;                                            \
    }
#define DEF_I(fn, insn, imm)                                        \
    static uint64_t fn(uint64_t a, uint64_t b)                      \
    {                                                               \
        uint64_t r;                                                 \
        (void)b;                                                    \
        __asm__ volatile(insn " %0, %1, " #imm : "=r"(r) : "r"(a)); \
        return r;                                                   \
    }

#include "alu-ops.h"

typedef struct {
    const char *name;
    uint64_t (*fn)(uint64_t, uint64_t);
    uint64_t golden;
} Op;

#define OP_ENTRY(fn, insn, golden) {insn, fn, golden},
#define R(fn, insn, g)             OP_ENTRY(fn, insn, g)
#define U(fn, insn, g)             OP_ENTRY(fn, insn, g)
#define I(fn, insn, imm, g)        OP_ENTRY(fn, insn " " #imm, g)
static const Op ops[] = {
#include "alu-list.h"
};

int main(void)
{
    for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (unsigned i = 0; i < NV; i++) {
            for (unsigned j = 0; j < NV; j++) {
                h = mix(h, ops[k].fn(vals[i], vals[j]));
            }
        }
        golden(ops[k].name, h, ops[k].golden);
    }
    /* A few direct checks that do not depend on the golden table. */
    volatile uint64_t a = 7, b = (uint64_t)-3;
    CHECK_EQ(a * b, (uint64_t)-21);
    CHECK_EQ((int64_t)a / (int64_t)b, -2);
    CHECK_EQ((int64_t)a % (int64_t)b, 1);
    return 0;
}
