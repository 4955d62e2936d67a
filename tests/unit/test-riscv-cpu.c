/*
 * test-riscv-cpu.c - the RV64 interpreter: small programs encoded in C run in
 * a tiny machine (RAM at 0x80000000, a "finisher" MMIO register at 0x100000
 * that ends the program), and the registers / CSRs / memory are checked
 * afterwards.  Traps go to a standard M-mode handler that copies mcause, mtval
 * and mepc to x28..x30 and finishes, so a test sees which trap happened.
 *
 * With "--elf FILE" the program instead runs a guest ELF (tests/guest/riscv)
 * on a mini board with a UART, CLINT and sifive_test finisher; see
 * test-riscv-board.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/riscv/cpu.h"
#include "platform.h"
#include "test-riscv-board.h"
#include "test-riscv-fixture.h"
static void test_arith(void **state)
{
    T *t = *state;
    li(t, 1, 7);
    li(t, 2, -3);
    emit(t, ADD(3, 1, 2));
    emit(t, SUB(4, 1, 2));
    emit(t, MUL(5, 1, 2));
    emit(t, DIV(6, 1, 2));
    emit(t, REM(7, 1, 2));
    emit(t, DIVU(8, 1, 0));
    emit(t, REM(9, 1, 0));
    li(t, 10, 0x8000000000000000ULL);
    li(t, 11, -1);
    emit(t, DIV(12, 10, 11));
    emit(t, MULH(13, 10, 10));
    emit(t, SRA(14, 10, 1));
    li(t, 16, 0x7fffffff);
    emit(t, ADDW(15, 16, 16));
    emit(t, SLT(17, 2, 1));
    emit(t, SLTU(18, 2, 1));
    emit(t, CLZ(19, 1));
    emit(t, CPOP(20, 11));
    li(t, 21, 0x0102030405060708ULL);
    emit(t, REV8(21, 21));
    emit(t, SH2ADD(22, 1, 1));
    emit(t, ANDN(23, 11, 1));
    uint64_t auipc_pc = t->pos;
    emit(t, AUIPC(24, 1));
    emit(t, DIVW(25, 10, 0)); /* low word 0: div by zero -> -1 */
    emit(t, MULHU(26, 11, 11));
    emit(t, BSETI(27, 0, 40));
    finish(t);
    run_ok(t);
    assert_int_equal(X(t, 3), 4);
    assert_int_equal(X(t, 4), 10);
    assert_int_equal(X(t, 5), (uint64_t)-21);
    assert_int_equal(X(t, 6), (uint64_t)-2);
    assert_int_equal(X(t, 7), 1);
    assert_int_equal(X(t, 8), ~0ULL);
    assert_int_equal(X(t, 9), 7);
    assert_int_equal(X(t, 12), 0x8000000000000000ULL);
    assert_int_equal(X(t, 13), 0x4000000000000000ULL);
    assert_int_equal(X(t, 14), 0xff00000000000000ULL);
    assert_int_equal(X(t, 15), (uint64_t)-2);
    assert_int_equal(X(t, 17), 1);
    assert_int_equal(X(t, 18), 0);
    assert_int_equal(X(t, 19), 61);
    assert_int_equal(X(t, 20), 64);
    assert_int_equal(X(t, 21), 0x0807060504030201ULL);
    assert_int_equal(X(t, 22), 35);
    assert_int_equal(X(t, 23), ~7ULL);
    assert_int_equal(X(t, 24), auipc_pc + 0x1000);
    assert_int_equal(X(t, 25), ~0ULL);
    assert_int_equal(X(t, 26), 0xfffffffffffffffeULL);
    assert_int_equal(X(t, 27), 1ULL << 40);
}

static void test_branches(void **state)
{
    T *t = *state;
    li(t, 1, 0);
    li(t, 2, 10);
    emit(t, ADD(1, 1, 2));
    emit(t, ADDI(2, 2, -1));
    emit(t, BNE(2, 0, -8));
    uint64_t jal_pc = t->pos;
    emit(t, JAL(5, 8));
    emit(t, ADDI(6, 0, 1)); /* skipped */
    emit(t, ADDI(7, 0, 1));
    uint64_t auipc_pc = t->pos;
    emit(t, AUIPC(8, 0));
    emit(t, JALR(9, 8, 13)); /* bit 0 of the target is cleared */
    emit(t, ADDI(10, 0, 1)); /* skipped */
    li(t, 11, -5);
    emit(t, BLT(11, 0, 8));
    emit(t, ADDI(12, 0, 1)); /* skipped */
    emit(t, BGEU(11, 0, 8));
    emit(t, ADDI(13, 0, 1)); /* skipped: -5 unsigned is large */
    finish(t);
    run_ok(t);
    assert_int_equal(X(t, 1), 55);
    assert_int_equal(X(t, 5), jal_pc + 4);
    assert_int_equal(X(t, 6), 0);
    assert_int_equal(X(t, 7), 1);
    assert_int_equal(X(t, 9), auipc_pc + 8);
    assert_int_equal(X(t, 10), 0);
    assert_int_equal(X(t, 12), 0);
    assert_int_equal(X(t, 13), 0);
}

static void test_loadstore(void **state)
{
    T *t = *state;
    li(t, 1, DATA);
    li(t, 2, 0x1122334455667788ULL);
    emit(t, SD(2, 1, 0));
    emit(t, LD(3, 1, 0));
    emit(t, LW(4, 1, 4));
    emit(t, LB(5, 1, 0));
    emit(t, LBU(6, 1, 0));
    emit(t, SD(2, 1, 0x13)); /* misaligned */
    emit(t, LD(7, 1, 0x13));
    emit(t, LH(8, 1, 0x14));
    li(t, 9, DATA + 0xffd); /* misaligned across a page boundary */
    emit(t, SD(2, 9, 0));
    emit(t, LD(10, 9, 0));
    emit(t, LWU(11, 9, 1));
    emit(t, SH(2, 1, 0x41));
    emit(t, SB(2, 1, 0x50));
    emit(t, LW(12, 1, 0x40));
    emit(t, LB(13, 1, 0x50));
    finish(t);
    run_ok(t);
    assert_int_equal(X(t, 3), 0x1122334455667788ULL);
    assert_int_equal(X(t, 4), 0x11223344);
    assert_int_equal(X(t, 5), (uint64_t)(int64_t)(int8_t)0x88);
    assert_int_equal(X(t, 6), 0x88);
    assert_int_equal(X(t, 7), 0x1122334455667788ULL);
    assert_int_equal(X(t, 8), 0x6677);
    assert_int_equal(X(t, 10), 0x1122334455667788ULL);
    assert_int_equal(X(t, 11), 0x44556677);
    assert_int_equal(X(t, 12), 0x778800);
    assert_int_equal(X(t, 13), (uint64_t)(int64_t)(int8_t)0x88);
    uint64_t m;
    memcpy(&m, host(t, DATA + 0xffd), 8);
    assert_int_equal(m, 0x1122334455667788ULL);
}

static void test_rvc(void **state)
{
    T *t = *state;
    static const uint16_t prog[] = {
        0x4515, /* c.li a0,5 */ 0x050d,     /* c.addi a0,3 */ 0x85aa,      /* c.mv a1,a0 */
        0x95aa, /* c.add a1,a0 */ 0x058a,   /* c.slli a1,2 */ 0x6605,      /* c.lui a2,1 */
        0x367d, /* c.addiw a2,-1 */ 0xa011, /* c.j +4 */ 0x4685,           /* c.li a3,1 */
        0xc311, /* c.beqz a4,+4 */ 0x4689,  /* c.li a3,2 */ 0x7139,        /* c.addi16sp -64 */
        0xe42e, /* c.sdsp a1,8 */ 0x67a2,   /* c.ldsp a5,8 */ 0xc832,      /* c.swsp a2,16 */
        0x44c2, /* c.lwsp s1,16 */ 0x1000,  /* c.addi4spn s0,32 */ 0xe00c, /* c.sd a1,0(s0) */
        0x4018, /* c.lw a4,0(s0) */ 0x8f11, /* c.sub a4,a2 */ 0x8785,      /* c.srai a5,1 */
        0x8bbd, /* c.andi a5,15 */ 0x9d0d,  /* c.subw a0,a1 */ 0x0001,     /* c.nop */
    };
    li(t, 2, DATA + 0x1000);
    for (size_t i = 0; i < sizeof(prog) / sizeof(prog[0]); i++) {
        emit16(t, prog[i]);
    }
    finish(t);
    run_ok(t);
    assert_int_equal(X(t, 10), (uint64_t)-56);
    assert_int_equal(X(t, 11), 64);
    assert_int_equal(X(t, 12), 0xfff);
    assert_int_equal(X(t, 13), 0);
    assert_int_equal(X(t, 2), DATA + 0x1000 - 64);
    assert_int_equal(X(t, 9), 0xfff);
    assert_int_equal(X(t, 8), DATA + 0x1000 - 32);
    assert_int_equal(X(t, 14), (uint64_t)(64 - 0xfff));
    assert_int_equal(X(t, 15), 0);
}

static void test_rvc_illegal(void **state)
{
    T *t = *state;
    emit16(t, 0x0001);
    emit16(t, 0x0000); /* defined illegal */
    run(t);
    assert_true(t->done);
    assert_int_equal(X(t, 28), 2);
    assert_int_equal(X(t, 29), 0);
    assert_int_equal(X(t, 30), RAM_BASE + 2);
}

static void test_amo(void **state)
{
    T *t = *state;
    li(t, 1, DATA);
    li(t, 2, 5);
    emit(t, SW(2, 1, 0));
    li(t, 3, 3);
    emit(t, AMOADD_W(4, 1, 3));
    li(t, 5, -1);
    emit(t, AMOMAX_W(6, 1, 5));
    emit(t, ADDI(7, 1, 8));
    emit(t, LR_D(8, 7));
    emit(t, SC_D(9, 7, 2));
    emit(t, SC_D(10, 7, 3)); /* no reservation: fails */
    emit(t, AMOSWAP_D(11, 7, 3));
    emit(t, AMOMINU_D(12, 7, 5));
    emit(t, LD(13, 7, 0));
    emit(t, LW(14, 1, 0));
    finish(t);
    run_ok(t);
    assert_int_equal(X(t, 4), 5);
    assert_int_equal(X(t, 6), 8);
    assert_int_equal(X(t, 14), 8);
    assert_int_equal(X(t, 9), 0);
    assert_int_equal(X(t, 10), 1);
    assert_int_equal(X(t, 11), 5);
    assert_int_equal(X(t, 12), 3);
    assert_int_equal(X(t, 13), 3);
}

static void test_amo_misaligned(void **state)
{
    T *t = *state;
    li(t, 1, DATA + 2);
    emit(t, AMOADD_W(4, 1, 3));
    finish(t);
    run(t);
    assert_int_equal(X(t, 28), 6);
    assert_int_equal(X(t, 29), DATA + 2);
}

static void test_csr(void **state)
{
    T *t = *state;
    li(t, 1, 0x1234);
    emit(t, CSRRW(2, MSCRATCH, 1)); /* old 0 */
    emit(t, CSRRWI(3, MSCRATCH, 5));
    emit(t, CSRRS(4, MSCRATCH, 1)); /* 5 | 0x1234 */
    emit(t, CSRRC(5, MSCRATCH, 0));
    emit(t, CSRR(6, 0x301)); /* misa */
    emit(t, CSRR(7, 0xf14)); /* mhartid */
    emit(t, CSRR(8, 0xc02)); /* instret */
    emit(t, CSRR(9, 0x3a0)); /* pmpcfg0 */
    li(t, 10, -1);
    emit(t, CSRW(0x3b0, 10)); /* pmpaddr0 */
    emit(t, CSRR(11, 0x3b0));
    uint64_t bad_pc = t->pos;
    uint32_t bad = CSRW(0xf14, 1); /* write to read-only mhartid */
    emit(t, bad);
    finish(t);
    run(t);
    assert_true(t->done);
    assert_int_equal(X(t, 2), 0);
    assert_int_equal(X(t, 3), 0x1234);
    assert_int_equal(X(t, 4), 5);
    assert_int_equal(X(t, 5), 0x1235);
    assert_int_equal(X(t, 6) >> 62, 2);
    assert_true(X(t, 6) & (1 << ('C' - 'A')));
    assert_int_equal(X(t, 7), 0);
    assert_true(X(t, 8) > 5 && X(t, 8) < 100);
    assert_int_equal(X(t, 11), (1ULL << 54) - 1);
    assert_int_equal(X(t, 28), 2);
    assert_int_equal(X(t, 29), bad);
    assert_int_equal(X(t, 30), bad_pc);
}

static void test_illegal(void **state)
{
    T *t = *state;
    emit(t, 0xffffffff);
    run(t);
    assert_int_equal(X(t, 28), 2);
    assert_int_equal(X(t, 29), 0xffffffff);
    assert_int_equal(X(t, 30), RAM_BASE);
}

static void test_access_fault(void **state)
{
    T *t = *state;
    emit(t, LD(5, 0, 0x10)); /* nothing mapped at 0x10 */
    run(t);
    assert_int_equal(X(t, 28), 5);
    assert_int_equal(X(t, 29), 0x10);
}

static void test_fetch_fault(void **state)
{
    T *t = *state;
    li(t, 1, 0x200000);
    emit(t, JALR(0, 1, 0));
    run(t);
    assert_int_equal(X(t, 28), 1);
    assert_int_equal(X(t, 30), 0x200000);
}

/* mret to U-mode, ecall delegated to S (scause 8), S-mode ecall goes to M. */
static void test_ecall_deleg(void **state)
{
    T *t = *state;
    li(t, 1, SHANDLER);
    emit(t, CSRW(STVEC, 1));
    li(t, 1, 1 << 8);
    emit(t, CSRW(MEDELEG, 1));
    li(t, 1, RAM_BASE + 0x400);
    emit(t, CSRW(MEPC, 1));
    emit(t, MRET); /* MPP is 0 after reset: to U */
    t->pos = RAM_BASE + 0x400;
    emit(t, ECALL);
    run(t);
    assert_true(t->done);
    assert_int_equal(X(t, 28), 8);
    assert_int_equal(X(t, 30), RAM_BASE + 0x400);
    assert_int_equal(riscv_cpu_get_priv(t->cpu), 1);
    assert_int_equal(csr(t, MSTATUS) & (1 << 8), 0); /* SPP = U */
}

static void test_ecall_s_to_m(void **state)
{
    T *t = *state;
    li(t, 1, 1 << 11);
    emit(t, CSRRS(0, MSTATUS, 1)); /* MPP = S */
    li(t, 1, RAM_BASE + 0x400);
    emit(t, CSRW(MEPC, 1));
    emit(t, MRET);
    t->pos = RAM_BASE + 0x400;
    emit(t, ECALL);
    run(t);
    assert_int_equal(X(t, 28), 9);
    assert_int_equal((csr(t, MSTATUS) >> 11) & 3, 1); /* MPP = S */
}

static void test_interrupt(void **state)
{
    T *t = *state;
    li(t, 1, 1 << 7);
    emit(t, CSRW(MIE, 1));
    emit(t, ADDI(5, 0, 1));
    emit(t, CSRRS(0, MSTATUS, 0) | (8 << 15) | (6 << 12)); /* csrrsi mstatus, 8 */
    emit(t, JAL(0, 0));
    riscv_cpu_set_mip(t->cpu, 1 << 7, true);
    assert_false(riscv_cpu_has_work(t->cpu)); /* mie still 0 */
    run(t);
    assert_true(t->done);
    assert_int_equal(X(t, 5), 1);
    assert_int_equal(X(t, 28), CAUSE_IRQ | 7);
    assert_true(riscv_cpu_has_work(t->cpu));
    assert_int_equal(csr(t, MSTATUS) & 8, 0);       /* MIE cleared */
    assert_int_equal(csr(t, MSTATUS) & 0x80, 0x80); /* MPIE */
}

static void test_wfi(void **state)
{
    T *t = *state;
    emit(t, WFI);
    finish(t);
    RISCVExit r = riscv_cpu_run(t->cpu, 1000);
    assert_int_equal(r, RISCV_EXIT_WFI);
    assert_int_equal(riscv_cpu_get_pc(t->cpu), RAM_BASE + 4);
    assert_false(riscv_cpu_has_work(t->cpu));
    riscv_cpu_write_csr(t->cpu, MIE, 1 << 3);
    riscv_cpu_set_mip(t->cpu, 1 << 3, true);
    assert_true(riscv_cpu_has_work(t->cpu));
    run(t); /* mstatus.MIE = 0: wakes up without taking the interrupt */
    assert_true(t->done);
    assert_int_equal(X(t, 28), 0xdead);
}

static void test_kick(void **state)
{
    T *t = *state;
    emit(t, JAL(0, 0));
    riscv_cpu_kick(t->cpu);
    assert_int_equal(riscv_cpu_run(t->cpu, 1000000), RISCV_EXIT_KICK);
    assert_int_equal(riscv_cpu_run(t->cpu, 1000), RISCV_EXIT_BUDGET);
}

/* Page tables for the Sv39 tests: a 1 GiB identity gigapage for RAM (A/D clear),
 * a 1 GiB gigapage for the finisher, and 4 KiB pages at 0x40000000.  */
#define PT_ROOT        (RAM_BASE + 0x10000)
#define PT_L1          (RAM_BASE + 0x11000)
#define PT_L0          (RAM_BASE + 0x12000)
#define PG_DATA        (RAM_BASE + 0x20000)
#define PTE(pa, flags) ((((pa) >> 12) << 10) | (flags))

static void set_pte(T *t, uint64_t table, int idx, uint64_t pte)
{
    memcpy(host(t, table + 8 * (uint64_t)idx), &pte, 8);
}

static uint64_t get_pte(T *t, uint64_t table, int idx)
{
    uint64_t v;
    memcpy(&v, host(t, table + 8 * (uint64_t)idx), 8);
    return v;
}

static void sv39_setup(T *t)
{
    set_pte(t, PT_ROOT, 0, PTE(0, 0xc7));        /* V R W A D */
    set_pte(t, PT_ROOT, 2, PTE(RAM_BASE, 0x0f)); /* V R W X, no A/D */
    set_pte(t, PT_ROOT, 1, PTE(PT_L1, 0x01));
    set_pte(t, PT_L1, 0, PTE(PT_L0, 0x01));
    set_pte(t, PT_L0, 0, PTE(PG_DATA, 0x03));          /* V R */
    set_pte(t, PT_L0, 1, PTE(PG_DATA + 0x1000, 0xd7)); /* V R W U A D */
    uint64_t v = 0xabcd;
    memcpy(host(t, PG_DATA), &v, 8);
    li(t, 1, (8ULL << 60) | (PT_ROOT >> 12));
    emit(t, CSRW(SATP, 1));
    li(t, 1, 1 << 11);
    emit(t, CSRRS(0, MSTATUS, 1)); /* MPP = S */
    li(t, 1, RAM_BASE + 0x400);
    emit(t, CSRW(MEPC, 1));
    emit(t, MRET);
    t->pos = RAM_BASE + 0x400;
}

static void test_sv39_ad_and_store_fault(void **state)
{
    T *t = *state;
    sv39_setup(t);
    li(t, 1, 0x40000000);
    emit(t, LD(5, 1, 0));
    li(t, 2, DATA);
    emit(t, SD(5, 2, 0));
    emit(t, SD(5, 1, 0)); /* read-only page */
    run(t);
    assert_true(t->done);
    assert_int_equal(X(t, 5), 0xabcd);
    assert_int_equal(X(t, 28), 15);
    assert_int_equal(X(t, 29), 0x40000000);
    assert_int_equal(get_pte(t, PT_L0, 0) & 0xc0, 0x40);   /* A, not D */
    assert_int_equal(get_pte(t, PT_ROOT, 2) & 0xc0, 0xc0); /* A and D */
}

static void test_sv39_user_page_from_s(void **state)
{
    T *t = *state;
    sv39_setup(t);
    li(t, 1, 0x40001000);
    emit(t, LD(5, 1, 0)); /* U page, SUM = 0 */
    run(t);
    assert_int_equal(X(t, 28), 13);
    assert_int_equal(X(t, 29), 0x40001000);
}

static void test_sv39_sum_and_unmapped(void **state)
{
    T *t = *state;
    sv39_setup(t);
    li(t, 1, 1 << 18);
    emit(t, CSRRS(0, 0x100, 1)); /* sstatus.SUM */
    li(t, 1, 0x40001000);
    emit(t, SD(1, 1, 8));
    emit(t, LD(6, 1, 8));
    li(t, 1, 0x40002000);
    emit(t, LD(7, 1, 0)); /* invalid PTE */
    run(t);
    assert_int_equal(X(t, 6), 0x40001000);
    assert_int_equal(X(t, 28), 13);
    assert_int_equal(X(t, 29), 0x40002000);
}

static void test_sv39_noncanonical(void **state)
{
    T *t = *state;
    sv39_setup(t);
    li(t, 1, 0x0000008000000000ULL); /* bit 39 set, not sign-extended */
    emit(t, LD(5, 1, 0));
    run(t);
    assert_int_equal(X(t, 28), 13);
}

static void test_fp(void **state)
{
    T *t = *state;
    double a = 1.5, b = 2.25;
    memcpy(host(t, DATA), &a, 8);
    memcpy(host(t, DATA + 8), &b, 8);
    li(t, 1, DATA);
    li(t, 2, 1 << 13);
    emit(t, CSRRS(0, MSTATUS, 2)); /* FS = Initial */
    emit(t, FLD(1, 1, 0));
    emit(t, FLD(2, 1, 8));
    emit(t, FADD_D(3, 1, 2));
    emit(t, FSD(3, 1, 16));
    emit(t, FMV_X_D(5, 3));
    emit(t, FLW(4, 1, 0));
    finish(t);
    run_ok(t);
    double c;
    memcpy(&c, host(t, DATA + 16), 8);
    assert_true(c == 3.75);
    assert_int_equal(X(t, 5), 0x400e000000000000ULL);
    assert_int_equal((csr(t, MSTATUS) >> 13) & 3, 3);
    assert_int_equal(csr(t, MSTATUS) >> 63, 1);
}

static void test_fp_off(void **state)
{
    T *t = *state;
    li(t, 1, DATA);
    emit(t, FLD(1, 1, 0));
    run(t);
    assert_int_equal(X(t, 28), 2);
    assert_int_equal(X(t, 29), FLD(1, 1, 0));
}

/* Code rewritten without fence.i still runs as written: the decode cache
 * compares the instruction bits on every use. */
static void test_self_modifying(void **state)
{
    T *t = *state;
    uint64_t fn = RAM_BASE + 0x2000;
    li(t, 1, fn);
    li(t, 2, ADDI(10, 0, 7)); /* the new instruction, as data */
    emit(t, JALR(1, 1, 0));   /* a0 = 1 */
    emit(t, ADD(11, 10, 0));
    emit(t, ADDI(1, 1, 0)); /* nop to keep offsets simple */
    li(t, 1, fn);
    emit(t, SW(2, 1, 0));
    emit(t, JALR(1, 1, 0)); /* a0 = 7 now */
    finish(t);
    uint64_t main_pos = t->pos;
    t->pos = fn;
    emit(t, ADDI(10, 0, 1));
    emit(t, JALR(0, 1, 0));
    t->pos = main_pos;
    run_ok(t);
    assert_int_equal(X(t, 11), 1);
    assert_int_equal(X(t, 10), 7);
}

/* A loop that rewrites an instruction of its own body (no fence.i, no other
 * jump in between) runs the new one from the next iteration on: the store to
 * a page holding translated code makes the block be checked again. */
static void test_self_modifying_loop(void **state)
{
    T *t = *state;
    li(t, 2, ADDI(10, 10, 100)); /* the new instruction, as data */
    li(t, 10, 0);
    li(t, 6, 3);
    emit(t, AUIPC(1, 0)); /* x1 = loop - 4 */
    uint64_t loop = t->pos;
    emit(t, ADDI(10, 10, 1)); /* becomes addi a0, a0, 100 */
    emit(t, SW(2, 1, 4));
    emit(t, ADDI(6, 6, -1));
    emit(t, BNE(6, 0, (int32_t)(loop - t->pos)));
    finish(t);
    run_ok(t);
    assert_int_equal(X(t, 10), 1 + 100 + 100);
}

/* A chained JAL (the jump goes straight to the block it found last time)
 * still sees its target rewritten: the store moves the write sequence on, so
 * the chained block is checked against memory again. */
static void test_self_modifying_chained(void **state)
{
    T *t = *state;
    uint64_t fn = RAM_BASE + 0x3000;
    li(t, 2, ADDI(10, 10, 100)); /* the new instruction, as data */
    li(t, 3, fn);
    li(t, 10, 0);
    li(t, 6, 3);
    uint64_t loop = t->pos;
    emit(t, JAL(1, (int32_t)(fn - t->pos)));
    emit(t, SW(2, 3, 0)); /* rewrite fn's first instruction */
    emit(t, ADDI(6, 6, -1));
    emit(t, BNE(6, 0, (int32_t)(loop - t->pos)));
    finish(t);
    uint64_t main_pos = t->pos;
    t->pos = fn;
    emit(t, ADDI(10, 10, 1)); /* becomes addi a0, a0, 100 */
    emit(t, JALR(0, 1, 0));
    t->pos = main_pos;
    run_ok(t);
    assert_int_equal(X(t, 10), 1 + 100 + 100);
}

/* Budgets that end anywhere inside chained blocks are exact: after K
 * instructions of a 3-instruction loop, a0 counts the iterations begun. */
static void test_chain_budget(void **state)
{
    T *t = *state;
    emit(t, ADDI(11, 0, 2000));
    uint64_t loop = t->pos;
    emit(t, ADDI(10, 10, 1));
    emit(t, ADDI(11, 11, -1));
    emit(t, BNE(11, 0, (int32_t)(loop - t->pos)));
    finish(t);
    uint64_t total = 0;
    for (int64_t k = 1; k <= 60; k++) {
        uint64_t before = riscv_cpu_insn_count(t->cpu);
        assert_int_equal(riscv_cpu_run(t->cpu, k), RISCV_EXIT_BUDGET);
        assert_int_equal(riscv_cpu_insn_count(t->cpu) - before, (uint64_t)k);
        total += (uint64_t)k;
        uint64_t in_loop = total - 1; /* the first instruction sets a1 */
        assert_int_equal(X(t, 10), (in_loop + 2) / 3);
        assert_int_equal(riscv_cpu_get_pc(t->cpu), loop + 4 * (in_loop % 3));
    }
}

/* Two routines whose pcs share decode-cache slots (1 MiB apart: a multiple of
 * the cache span for any size up to 2^19 entries), called in turn. */
static void test_decode_alias(void **state)
{
    T *t = *state;
    uint64_t f1 = RAM_BASE + 0x10000, f2 = f1 + 0x100000;
    li(t, 5, 0);
    li(t, 6, 20);
    uint64_t loop = t->pos;
    li(t, 1, f1);
    emit(t, JALR(1, 1, 0));
    li(t, 1, f2);
    emit(t, JALR(1, 1, 0));
    emit(t, ADDI(6, 6, -1));
    emit(t, BNE(6, 0, (int32_t)(loop - t->pos)));
    finish(t);
    t->pos = f1;
    emit(t, ADDI(5, 5, 1));
    emit(t, JALR(0, 1, 0));
    t->pos = f2;
    emit(t, ADDI(5, 5, 100));
    emit(t, JALR(0, 1, 0));
    run_ok(t);
    assert_int_equal(X(t, 5), 20 * 101);
}

static void *kicker(void *opaque)
{
    T *t = opaque;
    /* Wait until the hart is well inside its loop, then raise MSIP and kick. */
    while (riscv_cpu_insn_count(t->cpu) < 100000) {
    }
    riscv_cpu_set_mip(t->cpu, 1 << 3, true);
    while (riscv_cpu_insn_count(t->cpu) < 200000) {
    }
    riscv_cpu_kick(t->cpu);
    return NULL;
}

/* set_mip and kick from another thread stop a hart spinning with a huge budget. */
static void test_cross_thread(void **state)
{
    T *t = *state;
    li(t, 1, 1 << 3);
    emit(t, CSRW(MIE, 1));
    emit(t, JAL(0, 0)); /* MIE off: the interrupt stays pending */
    QemuThread th;
    assert_int_equal(qemu_thread_create(&th, "kicker", kicker, t), 0);
    RISCVExit r = riscv_cpu_run(t->cpu, INT64_MAX);
    qemu_thread_join(&th);
    assert_int_equal(r, RISCV_EXIT_KICK);
    assert_true(riscv_cpu_has_work(t->cpu));
    assert_int_equal(X(t, 28), 0xdead);
}

/*
 * Random instruction words (and random register contents) must never crash
 * or hang the host: every run consumes exactly its budget or stops in WFI.
 */
static void test_fuzz(void **state)
{
    T *t = *state;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int round = 0; round < 200; round++) {
        riscv_cpu_reset(t->cpu, RAM_BASE);
        t->pos = RAM_BASE;
        for (int i = 0; i < 256; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            emit(t, (uint32_t)(seed >> 32));
        }
        for (int r = 1; r < 32; r++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            /* Half the registers point into RAM so that memory ops do something. */
            uint64_t v = (r & 1) ? RAM_BASE + ((seed >> 20) & 0xfffff) : seed;
            riscv_cpu_set_reg(t->cpu, r, v);
        }
        riscv_cpu_write_csr(t->cpu, MTVEC, RAM_BASE + 4 * (round % 64));
        uint64_t before = riscv_cpu_insn_count(t->cpu);
        RISCVExit r = riscv_cpu_run(t->cpu, 5000);
        uint64_t ran = riscv_cpu_insn_count(t->cpu) - before;
        if (r == RISCV_EXIT_BUDGET) {
            assert_int_equal(ran, 5000);
        } else {
            assert_true(ran <= 5000);
        }
    }
}

/* A misaligned store whose second half hits an unmapped page faults without
 * writing the first half; a misaligned load across it reports that page. */
static void test_sv39_misaligned_cross_page(void **state)
{
    T *t = *state;
    sv39_setup(t);
    li(t, 1, 1 << 18);
    emit(t, CSRRS(0, 0x100, 1)); /* SUM, to reach the U page */
    li(t, 1, 0x40002000 - 4);    /* last 4 bytes of page 1 (user, RW); page 2 is invalid */
    li(t, 2, 0x1122334455667788ULL);
    emit(t, SD(2, 1, 0));
    run(t);
    assert_int_equal(X(t, 28), 15);
    assert_int_equal(X(t, 29), 0x40002000);
    uint32_t untouched;
    memcpy(&untouched, host(t, PG_DATA + 0x2000 - 4), 4);
    assert_int_equal(untouched, 0);
}

/* csrs/csrc on mip must not latch the device SEIP level into the software bit
 * (OpenSBI clears STIP with csrc while the PLIC may be asserting SEIP). */
static void test_seip_rmw(void **state)
{
    T *t = *state;
    li(t, 1, 1 << 5);
    emit(t, CSRRS(0, 0x344, 1)); /* set STIP */
    emit(t, CSRRC(5, 0x344, 1)); /* clear STIP; x5 = old mip */
    finish(t);
    riscv_cpu_set_mip(t->cpu, 1 << 9, true); /* device SEIP */
    run_ok(t);
    assert_int_equal(X(t, 5) & 0x220, 0x220); /* reads show the OR, STIP was set */
    riscv_cpu_set_mip(t->cpu, 1 << 9, false);
    assert_int_equal(csr(t, 0x344) & 0x220, 0); /* nothing latched */
    /* The software bit itself is writable and ORs with the device level. */
    riscv_cpu_write_csr(t->cpu, 0x344, 1 << 9);
    assert_int_equal(csr(t, 0x344) & 0x200, 0x200);
    riscv_cpu_write_csr(t->cpu, 0x344, 0);
    assert_int_equal(csr(t, 0x344) & 0x200, 0);
}

/* ---- Sstc --------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--elf") == 0) {
        return riscv_test_run_elf(argv[2]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_arith, setup, teardown),
        cmocka_unit_test_setup_teardown(test_branches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loadstore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rvc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rvc_illegal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amo_misaligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_illegal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ecall_deleg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ecall_s_to_m, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seip_rmw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wfi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kick, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sv39_ad_and_store_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sv39_user_page_from_s, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sv39_sum_and_unmapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sv39_noncanonical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sv39_misaligned_cross_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fp_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_modifying, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_modifying_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_modifying_chained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_alias, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cross_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
