/*
 * test-riscv-pmp.c - physical memory protection on the interpreter: the CSR
 * rules (WARL, locks), TOR/NA4/NAPOT matching, priority, the default for M
 * and for S/U, L applying to M, access-fault causes, MPRV, page-table walks,
 * pages only partly covered by an entry (the TLB must not cache them) and the
 * TLB flush on a PMP write.  The tiny machine is test-riscv-fixture.h's: its
 * entry 15 allows everything, the cases put their entries above it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-riscv-fixture.h"

#define R     0x01
#define W     0x02
#define X_    0x04
#define TOR   0x08
#define NA4   0x10
#define NAPOT 0x18
#define L     0x80
#define MPRV  (1ULL << 17)
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define EXC_INSN_ACCESS  1
#define EXC_LOAD_ACCESS  5
#define EXC_STORE_ACCESS 7

static uint64_t napot(uint64_t base, uint64_t size)
{
    return (base >> 2) | ((size >> 3) - 1);
}

/* Entry @i: address register, then its cfg byte (so that a lock comes last). */
static void pmp_set(T *t, int i, uint64_t addr, uint8_t cfg)
{
    riscv_cpu_write_csr(t->cpu, PMPADDR0 + i, addr);
    int reg = PMPCFG0 + (i / 8) * 2;
    int sh = 8 * (i % 8);
    uint64_t v = (csr(t, reg) & ~(0xffULL << sh)) | ((uint64_t)cfg << sh);
    riscv_cpu_write_csr(t->cpu, reg, v);
}

static uint8_t pmp_cfg(T *t, int i)
{
    return (uint8_t)(csr(t, PMPCFG0 + (i / 8) * 2) >> (8 * (i % 8)));
}

/* What x28 holds after a body that ends in ecall from @priv without a fault. */
static uint64_t ok(int priv)
{
    return priv == PRV_M ? 11 : priv == PRV_S ? 9 : 8;
}

/*
 * Start a program at RAM_BASE in M-mode that goes to @priv (through mret),
 * or stays in M with @mstatus_m (MPRV, MPP) set; the body follows.
 */
static void begin(T *t, int priv, uint64_t mstatus_m)
{
    t->done = false;
    riscv_cpu_set_reg(t->cpu, 28, 0xdead);
    riscv_cpu_set_pc(t->cpu, RAM_BASE);
    t->pos = RAM_BASE;
    li(t, 1, (3ULL << 11) | MPRV);
    emit(t, CSRRC(0, MSTATUS, 1));
    if (priv != PRV_M) {
        li(t, 1, (uint64_t)priv << 11);
        emit(t, CSRRS(0, MSTATUS, 1));
        li(t, 1, RAM_BASE + 0x400);
        emit(t, CSRW(MEPC, 1));
        emit(t, MRET);
        t->pos = RAM_BASE + 0x400;
    } else if (mstatus_m) {
        li(t, 1, mstatus_m);
        emit(t, CSRRS(0, MSTATUS, 1));
    }
}

/* End the body with ecall (the handler finishes) and run: x28, the cause. */
static uint64_t end(T *t)
{
    emit(t, ECALL);
    run(t);
    assert_true(t->done);
    return X(t, 28);
}

/* One access @insn (base x1 = @addr, data x5) in @priv: the resulting cause. */
static uint64_t access(T *t, int priv, uint64_t mstatus_m, uint32_t insn, uint64_t addr)
{
    begin(t, priv, mstatus_m);
    li(t, 1, addr);
    li(t, 5, 0x55);
    emit(t, insn);
    return end(t);
}

static void test_pmp_csr_rules(void **state)
{
    T *t = *state;
    /* 54 address bits; entries 16..63 are read-only zero. */
    riscv_cpu_write_csr(t->cpu, PMPADDR0 + 3, ~0ULL);
    assert_int_equal(csr(t, PMPADDR0 + 3), (1ULL << 54) - 1);
    riscv_cpu_write_csr(t->cpu, PMPADDR0 + 16, 0x1234);
    assert_int_equal(csr(t, PMPADDR0 + 16), 0);
    riscv_cpu_write_csr(t->cpu, PMPCFG0 + 4, ~0ULL);
    assert_int_equal(csr(t, PMPCFG0 + 4), 0);
    /* Reserved bits 5-6 read 0; R=0 W=1 is reserved: W stays clear. */
    pmp_set(t, 1, 0, 0x7f);
    assert_int_equal(pmp_cfg(t, 1), 0x1f);
    pmp_set(t, 1, 0, NAPOT | W);
    assert_int_equal(pmp_cfg(t, 1), NAPOT);
    pmp_set(t, 1, 0, NAPOT | W | X_);
    assert_int_equal(pmp_cfg(t, 1), NAPOT | X_);
    /* A locked entry ignores writes to its cfg and address until reset. */
    pmp_set(t, 2, napot(DATA, 0x1000), NAPOT | R | L);
    pmp_set(t, 2, 0x1234, 0);
    assert_int_equal(pmp_cfg(t, 2), NAPOT | R | L);
    assert_int_equal(csr(t, PMPADDR0 + 2), napot(DATA, 0x1000));
    riscv_cpu_write_csr(t->cpu, PMPCFG0, 0); /* the other bytes of the register do change */
    assert_int_equal(csr(t, PMPCFG0), (uint64_t)(NAPOT | R | L) << 16);
    /* A locked TOR entry also locks the address register below it. */
    pmp_set(t, 4, 0x100, 0);
    pmp_set(t, 5, 0x200, TOR | R | L);
    riscv_cpu_write_csr(t->cpu, PMPADDR0 + 4, 0x180);
    assert_int_equal(csr(t, PMPADDR0 + 4), 0x100);
    /* ...but not with NA4/NAPOT above it. */
    pmp_set(t, 7, 0x100, 0);
    pmp_set(t, 8, 0x200, NA4 | R | L);
    riscv_cpu_write_csr(t->cpu, PMPADDR0 + 7, 0x180);
    assert_int_equal(csr(t, PMPADDR0 + 7), 0x180);
    /* Reset unlocks everything. */
    riscv_cpu_reset(t->cpu, RAM_BASE);
    assert_int_equal(csr(t, PMPCFG0), 0);
    pmp_set(t, 2, 0x1234, R);
    assert_int_equal(pmp_cfg(t, 2), R);
}

/* With no matching entry M succeeds, S and U fail (fetch, load, store). */
static void test_pmp_default(void **state)
{
    T *t = *state;
    riscv_cpu_write_csr(t->cpu, PMPCFG2, 0); /* drop the fixture's allow-all entry */
    pmp_set(t, 0, napot(DATA + 0x10000, 0x1000), NAPOT | R | W | X_); /* elsewhere */
    assert_int_equal(access(t, PRV_M, 0, LD(6, 1, 0), DATA), ok(PRV_M));
    assert_int_equal(access(t, PRV_M, 0, SD(5, 1, 0), DATA), ok(PRV_M));
    /* S/U cannot even fetch their first instruction. */
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA), EXC_INSN_ACCESS);
    assert_int_equal(X(t, 30), RAM_BASE + 0x400);
    assert_int_equal(access(t, PRV_U, 0, LD(6, 1, 0), DATA), EXC_INSN_ACCESS);
    /* Code allowed: data still denied without a match, allowed with one. */
    pmp_set(t, 1, napot(RAM_BASE, 0x1000), NAPOT | R | X_);
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA), EXC_LOAD_ACCESS);
    assert_int_equal(X(t, 29), DATA);
    assert_int_equal(access(t, PRV_U, 0, SD(5, 1, 0), DATA), EXC_STORE_ACCESS);
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA + 0x10008), ok(PRV_S));
    /* With no entry active at all S still fails (16 entries are implemented). */
    riscv_cpu_write_csr(t->cpu, PMPCFG0, 0);
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA), EXC_INSN_ACCESS);
}

/* TOR, NA4 and NAPOT ranges, exact to the byte, for S-mode loads and stores. */
static void test_pmp_matching(void **state)
{
    T *t = *state;
    pmp_set(t, 0, DATA >> 2, 0);                              /* TOR base */
    pmp_set(t, 1, (DATA + 0x100) >> 2, TOR | R);              /* [DATA, DATA+0x100): R */
    pmp_set(t, 2, (DATA + 0x200) >> 2, NA4);                  /* [DATA+0x200, +4): nothing */
    pmp_set(t, 3, napot(DATA + 0x400, 0x100), NAPOT | R | W); /* RW */
    pmp_set(t, 4, napot(DATA + 0x500, 8), NAPOT | R);         /* smallest NAPOT: 8 bytes */
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA), ok(PRV_S));
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA + 0xf8), ok(PRV_S));
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA + 0xf8), EXC_STORE_ACCESS);
    assert_int_equal(X(t, 29), DATA + 0xf8);
    assert_int_equal(access(t, PRV_S, 0, SB(5, 1, 0), DATA), EXC_STORE_ACCESS);
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA + 0x100), ok(PRV_S)); /* top: out */
    assert_int_equal(access(t, PRV_S, 0, LW(6, 1, 0), DATA + 0x200), EXC_LOAD_ACCESS);
    assert_int_equal(access(t, PRV_S, 0, LB(6, 1, 0), DATA + 0x203), EXC_LOAD_ACCESS);
    assert_int_equal(access(t, PRV_S, 0, LW(6, 1, 0), DATA + 0x204), ok(PRV_S));
    assert_int_equal(access(t, PRV_S, 0, LW(6, 1, 0), DATA + 0x1fc), ok(PRV_S));
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA + 0x4f8), ok(PRV_S));
    assert_int_equal(access(t, PRV_U, 0, SD(5, 1, 0), DATA + 0x400), ok(PRV_U));
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA + 0x500), ok(PRV_S));
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA + 0x500), EXC_STORE_ACCESS);
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA + 0x508), ok(PRV_S));
    /* An access only partly inside an entry fails, whatever the entry allows. */
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA + 0x200), EXC_LOAD_ACCESS);
    /* AMOs need write permission and fault as stores. */
    assert_int_equal(access(t, PRV_S, 0, AMOADD_W(6, 1, 5), DATA + 0x10), EXC_STORE_ACCESS);
    assert_int_equal(access(t, PRV_S, 0, AMOADD_W(6, 1, 5), DATA + 0x410), ok(PRV_S));
    assert_int_equal(access(t, PRV_S, 0, LR_D(6, 1), DATA + 0x10), ok(PRV_S));
    /* A misaligned store that would fault halfway writes nothing: within a page
     * (allowed, then the NA4 entry) and across pages (then a no-access page). */
    memset(host(t, DATA + 0x1f8), 0xaa, 16);
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA + 0x1fe), EXC_STORE_ACCESS);
    assert_int_equal(*host(t, DATA + 0x1fe), 0xaa);
    assert_int_equal(*host(t, DATA + 0x205), 0xaa);
    pmp_set(t, 5, napot(DATA + 0x1000, 0x1000), NAPOT);
    memset(host(t, DATA + 0xff8), 0xaa, 16);
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA + 0xffc), EXC_STORE_ACCESS);
    assert_int_equal(X(t, 29), DATA + 0x1000);
    assert_int_equal(*host(t, DATA + 0xffc), 0xaa);
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA + 0xff4), ok(PRV_S));
    assert_int_equal(*host(t, DATA + 0xff4), 0x55);
    /* An empty TOR range (top <= base) matches nothing. */
    pmp_set(t, 6, (DATA + 0x600) >> 2, 0);
    pmp_set(t, 7, (DATA + 0x600) >> 2, TOR);
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA + 0x600), ok(PRV_S));
}

/* The lowest-numbered matching entry decides. */
static void test_pmp_priority(void **state)
{
    T *t = *state;
    pmp_set(t, 0, (DATA + 8) >> 2, NA4);                        /* nothing */
    pmp_set(t, 1, napot(DATA, 0x1000), NAPOT | R | W);          /* RW */
    pmp_set(t, 2, napot(DATA + 0x800, 0x10), NAPOT);            /* hidden by entry 1 */
    pmp_set(t, 9, napot(DATA + 0x2000, 0x1000), NAPOT | R | W); /* RW */
    pmp_set(t, 10, (DATA + 0x2008) >> 2, NA4);                  /* hidden by entry 9 */
    assert_int_equal(access(t, PRV_S, 0, LW(6, 1, 0), DATA + 8), EXC_LOAD_ACCESS);
    assert_int_equal(access(t, PRV_S, 0, LW(6, 1, 0), DATA + 12), ok(PRV_S));
    assert_int_equal(access(t, PRV_S, 0, LW(6, 1, 0), DATA + 0x800), ok(PRV_S));
    assert_int_equal(access(t, PRV_S, 0, SW(5, 1, 0), DATA + 0x2008), ok(PRV_S));
}

/* L applies an entry to M-mode too; unlocked entries do not restrict M. */
static void test_pmp_lock_applies_to_m(void **state)
{
    T *t = *state;
    pmp_set(t, 0, napot(DATA, 0x1000), NAPOT); /* unlocked, no permissions */
    assert_int_equal(access(t, PRV_M, 0, SD(5, 1, 0), DATA), ok(PRV_M));
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA), EXC_LOAD_ACCESS);
    pmp_set(t, 1, napot(DATA + 0x1000, 0x1000), NAPOT | R | L);
    assert_int_equal(access(t, PRV_M, 0, LD(6, 1, 0), DATA + 0x1000), ok(PRV_M));
    assert_int_equal(access(t, PRV_M, 0, SD(5, 1, 0), DATA + 0x1ff8), EXC_STORE_ACCESS);
    assert_int_equal(X(t, 29), DATA + 0x1ff8);
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA + 0x1000), EXC_STORE_ACCESS);
    /* Fetch from a locked entry without X faults in M with cause 1. */
    t->pos = DATA + 0x1000;
    emit(t, ECALL);
    begin(t, PRV_M, 0);
    li(t, 1, DATA + 0x1000);
    emit(t, JALR(0, 1, 0));
    assert_int_equal(end(t), EXC_INSN_ACCESS);
    assert_int_equal(X(t, 30), DATA + 0x1000);
    /* An unlocked entry without X: M runs there, S does not. */
    t->pos = DATA;
    emit(t, ECALL);
    begin(t, PRV_M, 0);
    li(t, 1, DATA);
    emit(t, JALR(0, 1, 0));
    assert_int_equal(end(t), ok(PRV_M));
    assert_int_equal(X(t, 30), DATA);
    begin(t, PRV_S, 0);
    li(t, 1, DATA);
    emit(t, JALR(0, 1, 0));
    assert_int_equal(end(t), EXC_INSN_ACCESS);
    assert_int_equal(X(t, 30), DATA);
}

/* M-mode loads and stores with MPRV are checked with MPP's privilege; fetches are not. */
static void test_pmp_mprv(void **state)
{
    T *t = *state;
    pmp_set(t, 0, napot(DATA, 0x1000), NAPOT | R);
    uint64_t mpp_s = MPRV | (1ULL << 11), mpp_u = MPRV, mpp_m = MPRV | (3ULL << 11);
    assert_int_equal(access(t, PRV_M, 0, SD(5, 1, 0), DATA), ok(PRV_M));
    assert_int_equal(access(t, PRV_M, mpp_s, SD(5, 1, 0), DATA), EXC_STORE_ACCESS);
    assert_int_equal(access(t, PRV_M, mpp_u, SD(5, 1, 0), DATA), EXC_STORE_ACCESS);
    assert_int_equal(access(t, PRV_M, mpp_s, LD(6, 1, 0), DATA), ok(PRV_M));
    assert_int_equal(access(t, PRV_M, mpp_m, SD(5, 1, 0), DATA), ok(PRV_M));
    /* Outside every entry but the fixture's allow-all: fine either way. */
    assert_int_equal(access(t, PRV_M, mpp_s, SD(5, 1, 0), DATA + 0x1000), ok(PRV_M));
    riscv_cpu_write_csr(t->cpu, PMPCFG2, 0);
    assert_int_equal(access(t, PRV_M, mpp_s, LD(6, 1, 0), DATA + 0x1000), EXC_LOAD_ACCESS);
    assert_int_equal(access(t, PRV_M, 0, LD(6, 1, 0), DATA + 0x1000), ok(PRV_M));
}

/*
 * A page only partly covered: accesses inside and outside the entry in the
 * same page, in both orders, each get their own outcome (nothing from the
 * first may be cached for the second).
 */
static void test_pmp_partial_page(void **state)
{
    T *t = *state;
    pmp_set(t, 0, (DATA + 0x10) >> 2, NA4); /* S: nothing on [DATA+0x10, +4) */
    begin(t, PRV_S, 0);
    li(t, 1, DATA);
    emit(t, SD(5, 1, 0x18));
    emit(t, LD(6, 1, 0x18));
    emit(t, LD(6, 1, 0x8));
    emit(t, LW(6, 1, 0x10));
    assert_int_equal(end(t), EXC_LOAD_ACCESS);
    assert_int_equal(X(t, 29), DATA + 0x10);
    begin(t, PRV_S, 0);
    li(t, 1, DATA);
    emit(t, LW(6, 1, 0x14));
    emit(t, SW(5, 1, 0x10));
    assert_int_equal(end(t), EXC_STORE_ACCESS);
    assert_int_equal(X(t, 29), DATA + 0x10);
    /* M with an unlocked NA4 that splits a doubleword: LW on either side is fine,
     * the LD that straddles the entry's edge fails (partial match). */
    begin(t, PRV_M, 0);
    li(t, 1, DATA);
    emit(t, LW(6, 1, 0x8));
    emit(t, LW(6, 1, 0xc));
    emit(t, LW(6, 1, 0x10));
    emit(t, LD(6, 1, 0x10)); /* bytes 0x10..0x17: entry 0 matches only half */
    assert_int_equal(end(t), EXC_LOAD_ACCESS);
    assert_int_equal(X(t, 29), DATA + 0x10);
    /* Code in a page shared with a no-X entry: runs until it reaches the entry. */
    pmp_set(t, 1, napot(DATA + 0x1100, 0x100), NAPOT | R);
    t->pos = DATA + 0x10f8;
    emit(t, ADDI(7, 7, 1));
    emit(t, ADDI(7, 7, 1));
    emit(t, ADDI(7, 7, 1)); /* at DATA + 0x1100 */
    begin(t, PRV_S, 0);
    li(t, 7, 0);
    li(t, 1, DATA + 0x10f8);
    emit(t, JALR(0, 1, 0));
    assert_int_equal(end(t), EXC_INSN_ACCESS);
    assert_int_equal(X(t, 30), DATA + 0x1100);
    assert_int_equal(X(t, 7), 2);
}

/* A PMP write takes effect on the next access, cached translations notwithstanding. */
static void test_pmp_write_flushes(void **state)
{
    T *t = *state;
    pmp_set(t, 0, napot(DATA, 0x1000), NAPOT | R | W | X_);
    /* Data, S-mode: allowed and cached, then denied from outside between runs. */
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA), ok(PRV_S));
    pmp_set(t, 0, napot(DATA, 0x1000), NAPOT | R);
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), DATA), EXC_STORE_ACCESS);
    /* Data, M-mode, inside one program: csrw pmpcfg0 between two loads. */
    pmp_set(t, 0, napot(DATA, 0x1000), 0);
    begin(t, PRV_M, 0);
    li(t, 1, DATA);
    emit(t, LD(6, 1, 0));
    li(t, 2, NAPOT | L);
    emit(t, CSRW(PMPCFG0, 2));
    emit(t, LD(6, 1, 8));
    assert_int_equal(end(t), EXC_LOAD_ACCESS);
    assert_int_equal(X(t, 29), DATA + 8);
    /* Fetch (translated blocks): code in a page, run, then no X, run again. */
    pmp_set(t, 1, napot(DATA + 0x2000, 0x1000), NAPOT | R | X_);
    t->pos = DATA + 0x2000;
    emit(t, ADDI(7, 7, 1));
    emit(t, JALR(0, 3, 0));
    begin(t, PRV_S, 0);
    li(t, 7, 0);
    li(t, 1, DATA + 0x2000);
    emit(t, JALR(3, 1, 0));
    emit(t, JALR(3, 1, 0));
    assert_int_equal(end(t), ok(PRV_S));
    assert_int_equal(X(t, 7), 2);
    pmp_set(t, 1, napot(DATA + 0x2000, 0x1000), NAPOT | R);
    begin(t, PRV_S, 0);
    li(t, 1, DATA + 0x2000);
    emit(t, JALR(0, 1, 0));
    assert_int_equal(end(t), EXC_INSN_ACCESS);
    assert_int_equal(X(t, 30), DATA + 0x2000);
}

/*
 * Sv39 page-table walks are checked as S-mode accesses: reads of the tables,
 * and A/D updates as stores, with the access fault of the original access.
 */
#define ROOT   (RAM_BASE + 0x200000)
#define PTE_V  1
#define PTE_RW 6
#define PTE_X  8
#define PTE_AD 0xc0
#define ALIAS  0xc0000000ULL /* a second mapping of RAM_BASE's gigabyte, A/D maybe clear */
static void sv39_setup(T *t, bool alias_ad)
{
    uint64_t *root = (uint64_t *)(void *)host(t, ROOT);
    memset(root, 0, 4096);
    root[0] = PTE_V | PTE_RW | PTE_AD; /* 0..1G identity: the finisher */
    root[2] = ((RAM_BASE >> 12) << 10) | PTE_V | PTE_RW | PTE_X | PTE_AD;
    root[3] = ((RAM_BASE >> 12) << 10) | PTE_V | PTE_RW | (alias_ad ? PTE_AD : 0);
    riscv_cpu_write_csr(t->cpu, SATP, (8ULL << 60) | (ROOT >> 12));
}

static void test_pmp_page_walk(void **state)
{
    T *t = *state;
    sv39_setup(t, true);
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA), ok(PRV_S));
    /* Tables unreadable to S: even the fetch fails, with an access fault. */
    pmp_set(t, 0, napot(ROOT, 0x1000), NAPOT);
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA), EXC_INSN_ACCESS);
    assert_int_equal(X(t, 30), RAM_BASE + 0x400);
    /* Read-only tables: walks work, the A/D update of a store does not. */
    sv39_setup(t, false);
    pmp_set(t, 0, napot(ROOT, 0x1000), NAPOT | R);
    assert_int_equal(access(t, PRV_S, 0, LD(6, 1, 0), DATA), ok(PRV_S));
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), ALIAS + (DATA - RAM_BASE)), EXC_STORE_ACCESS);
    assert_int_equal(X(t, 29), ALIAS + (DATA - RAM_BASE));
    assert_int_equal(((uint64_t *)(void *)host(t, ROOT))[3] & PTE_AD, 0);
    /* M-mode accesses do not walk: unaffected. */
    assert_int_equal(access(t, PRV_M, 0, LD(6, 1, 0), ROOT), ok(PRV_M));
    /* Writable tables: A and D get set and the store is done. */
    pmp_set(t, 0, napot(ROOT, 0x1000), NAPOT | R | W);
    assert_int_equal(access(t, PRV_S, 0, SD(5, 1, 0), ALIAS + (DATA - RAM_BASE)), ok(PRV_S));
    assert_int_equal(((uint64_t *)(void *)host(t, ROOT))[3] & PTE_AD, PTE_AD);
    assert_int_equal(*host(t, DATA), 0x55);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pmp_csr_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pmp_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pmp_matching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pmp_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pmp_lock_applies_to_m, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pmp_mprv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pmp_partial_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pmp_write_flushes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pmp_page_walk, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
