/*
 * mem.c - loads and stores of every size and signedness at every alignment
 * (misaligned ones too, also across a page boundary), AMOs and LR/SC, and
 * code written at run time then executed after fence.i.
 */
#include "lib.h"

static uint8_t buf[64] __attribute__((aligned(16)));
static uint8_t pages[8192] __attribute__((aligned(4096)));

#define LOAD(insn, addr)                                                       \
    ({                                                                         \
        uint64_t r_;                                                           \
        __asm__ volatile(insn " %0, 0(%1)" : "=r"(r_) : "r"(addr) : "memory"); \
        r_;                                                                    \
    })
#define STORE(insn, addr, v) __asm__ volatile(insn " %0, 0(%1)" : : "r"(v), "r"(addr) : "memory")

static uint64_t ref(const uint8_t *p, int size, int sign)
{
    uint64_t v = 0;
    for (int i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    if (sign && size < 8 && (v >> (8 * size - 1)) & 1) {
        v |= ~0ULL << (8 * size);
    }
    return v;
}

static void test_loads(uint8_t *b, int n)
{
    for (int i = 0; i < n; i++) {
        b[i] = (uint8_t)(0x81 + i * 37);
    }
    for (int off = 0; off + 8 <= n; off++) {
        uint8_t *p = b + off;
        CHECK_EQ(LOAD("lb", p), ref(p, 1, 1));
        CHECK_EQ(LOAD("lbu", p), ref(p, 1, 0));
        CHECK_EQ(LOAD("lh", p), ref(p, 2, 1));
        CHECK_EQ(LOAD("lhu", p), ref(p, 2, 0));
        CHECK_EQ(LOAD("lw", p), ref(p, 4, 1));
        CHECK_EQ(LOAD("lwu", p), ref(p, 4, 0));
        CHECK_EQ(LOAD("ld", p), ref(p, 8, 0));
    }
}

static void test_stores(uint8_t *b, int n)
{
    static const char *const names[] = {"sb", "sh", "sw", "sd"};
    for (int sz = 0; sz < 4; sz++) {
        int size = 1 << sz;
        for (int off = 0; off + size <= n; off++) {
            uint64_t v = 0x0102030405060708ULL * (uint64_t)(off + 1);
            for (int i = 0; i < n; i++) {
                b[i] = 0xee;
            }
            switch (sz) {
            case 0: STORE("sb", b + off, v); break;
            case 1: STORE("sh", b + off, v); break;
            case 2: STORE("sw", b + off, v); break;
            default: STORE("sd", b + off, v); break;
            }
            for (int i = 0; i < n; i++) {
                uint8_t want =
                    (i >= off && i < off + size) ? (uint8_t)(v >> (8 * (i - off))) : 0xee;
                if (b[i] != want) {
                    printf_("%s at offset %d: byte %d\n", names[sz], off, i);
                    CHECK_EQ(b[i], want);
                }
            }
        }
    }
}

static void test_amo(void)
{
    static uint64_t d;
    static uint32_t w[2];
    uint64_t r;
    d = 10;
    __asm__ volatile("amoadd.d %0, %2, (%1)" : "=r"(r) : "r"(&d), "r"(5ULL) : "memory");
    CHECK_EQ(r, 10);
    CHECK_EQ(d, 15);
    __asm__ volatile("amoswap.d %0, %2, (%1)" : "=r"(r) : "r"(&d), "r"(-7LL) : "memory");
    CHECK_EQ(r, 15);
    __asm__ volatile("amomin.d %0, %2, (%1)" : "=r"(r) : "r"(&d), "r"(3LL) : "memory");
    CHECK_EQ(d, (uint64_t)-7);
    __asm__ volatile("amomaxu.d %0, %2, (%1)" : "=r"(r) : "r"(&d), "r"(3LL) : "memory");
    CHECK_EQ(d, (uint64_t)-7);
    __asm__ volatile("amominu.d %0, %2, (%1)" : "=r"(r) : "r"(&d), "r"(3LL) : "memory");
    CHECK_EQ(d, 3);
    __asm__ volatile("amoxor.d %0, %2, (%1)" : "=r"(r) : "r"(&d), "r"(0xffULL) : "memory");
    CHECK_EQ(d, 0xfc);
    __asm__ volatile("amoand.d %0, %2, (%1)" : "=r"(r) : "r"(&d), "r"(0x0fULL) : "memory");
    CHECK_EQ(d, 0x0c);
    __asm__ volatile("amoor.d %0, %2, (%1)" : "=r"(r) : "r"(&d), "r"(0x100ULL) : "memory");
    CHECK_EQ(d, 0x10c);
    w[0] = 0x7fffffff;
    w[1] = 0x55;
    __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(r) : "r"(&w[0]), "r"(1ULL) : "memory");
    CHECK_EQ(r, 0x7fffffff);
    CHECK_EQ(w[0], 0x80000000);
    __asm__ volatile("amomax.w %0, %2, (%1)" : "=r"(r) : "r"(&w[0]), "r"(5ULL) : "memory");
    CHECK_EQ(r, 0xffffffff80000000ULL); /* sign-extended */
    CHECK_EQ(w[0], 5);
    __asm__ volatile("amominu.w %0, %2, (%1)" : "=r"(r) : "r"(&w[0]), "r"(-1LL) : "memory");
    CHECK_EQ(w[0], 5);
    CHECK_EQ(w[1], 0x55);

    /* LR/SC: a successful pair, then an SC without reservation. */
    uint64_t fail_flag, old;
    d = 100;
    __asm__ volatile("1: lr.d %0, (%2)\n"
                     "   addi %0, %0, 1\n"
                     "   sc.d %1, %0, (%2)\n"
                     "   bnez %1, 1b\n"
                     : "=&r"(old), "=&r"(fail_flag)
                     : "r"(&d)
                     : "memory");
    CHECK_EQ(d, 101);
    CHECK_EQ(fail_flag, 0);
    __asm__ volatile("sc.d %0, %2, (%1)" : "=r"(fail_flag) : "r"(&d), "r"(5ULL) : "memory");
    CHECK(fail_flag != 0);
    CHECK_EQ(d, 101);
    uint32_t *wp = &w[1];
    __asm__ volatile("lr.w %0, (%1)" : "=r"(old) : "r"(wp) : "memory");
    CHECK_EQ(old, 0x55);
    __asm__ volatile("sc.w %0, %2, (%1)" : "=r"(fail_flag) : "r"(wp), "r"(0x66ULL) : "memory");
    CHECK_EQ(fail_flag, 0);
    CHECK_EQ(w[1], 0x66);
}

/* Code generated at run time: "li a0, imm; ret", patched and re-run after fence.i. */
static uint32_t code[16] __attribute__((aligned(64)));

static uint64_t run_generated(int imm)
{
    code[0] = ((uint32_t)(imm & 0xfff) << 20) | (10 << 7) | 0x13; /* addi a0, zero, imm */
    code[1] = 0x00008067;                                         /* ret */
    __asm__ volatile("fence.i" ::: "memory");
    uint64_t (*fn)(void) = (uint64_t(*)(void))(uintptr_t)code;
    return fn();
}

int main(void)
{
    test_loads(buf, 64);
    test_stores(buf, 24);
    test_loads(pages + 4096 - 24, 48); /* crosses the page boundary */
    test_stores(pages + 4096 - 12, 24);
    test_amo();
    CHECK_EQ(run_generated(42), 42);
    CHECK_EQ(run_generated(-5), (uint64_t)-5);
    for (int i = 0; i < 100; i++) {
        CHECK_EQ(run_generated(i), (uint64_t)i);
    }
    return 0;
}
