/*
 * test-riscv-sstc.c - Sstc (supervisor timer compare) on the interpreter:
 * stimecmp's access rules, STIP driven by time >= stimecmp, the per-hart
 * stimer on the VIRTUAL clock, and a delegated supervisor timer interrupt.
 * The tiny machine is test-riscv-fixture.h's; `time` is moved by hand and
 * events are counted, nothing is timed.
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

/* Without a timer context the hart has no Sstc: stimecmp is illegal even in M, STCE reads 0. */
static void test_sstc_absent(void **state)
{
    T *t = *state;
    uint64_t v;
    assert_false(riscv_cpu_read_csr(t->cpu, STIMECMP, &v));
    assert_false(riscv_cpu_write_csr(t->cpu, STIMECMP, 0));
    riscv_cpu_write_csr(t->cpu, MENVCFG, ~0ULL);
    assert_int_equal(csr(t, MENVCFG) & STCE, 0);
    assert_null(strstr(riscv_cpu_isa_string(t->cpu), "sstc"));
    emit(t, CSRR(5, STIMECMP));
    finish(t);
    run(t);
    assert_int_equal(X(t, 28), 2);
}

/*
 * Reset the hart and run `csrrw x5, stimecmp, x6` in @priv with the given
 * menvcfg / mcounteren (scounteren.TM set); returns x28 (0xdead: no trap).
 */
static uint64_t stimecmp_access(T *t, int priv, uint64_t menvcfg, uint64_t mcounteren)
{
    riscv_cpu_reset(t->cpu, RAM_BASE);
    t->done = false;
    install_handlers(t);
    riscv_cpu_write_csr(t->cpu, MENVCFG, menvcfg);
    riscv_cpu_write_csr(t->cpu, MCOUNTEREN, mcounteren);
    riscv_cpu_write_csr(t->cpu, SCOUNTEREN, 2);
    riscv_cpu_set_reg(t->cpu, 6, 0x1234);
    if (priv != 3) {
        li(t, 1, (uint64_t)priv << 11);
        emit(t, CSRRS(0, MSTATUS, 1));
        li(t, 1, RAM_BASE + 0x400);
        emit(t, CSRW(MEPC, 1));
        emit(t, MRET);
        t->pos = RAM_BASE + 0x400;
    }
    emit(t, CSRRW(5, STIMECMP, 6));
    finish(t);
    run(t);
    assert_true(t->done);
    return X(t, 28);
}

static void test_sstc_csr_access(void **state)
{
    T *t = *state;
    assert_non_null(strstr(riscv_cpu_isa_string(t->cpu), "_sstc"));
    /* M-mode: always, STCE or not; the reset value is "never". */
    assert_int_equal(stimecmp_access(t, 3, 0, 0), 0xdead);
    assert_int_equal(X(t, 5), UINT64_MAX);
    assert_int_equal(csr(t, STIMECMP), 0x1234);
    /* S-mode: STCE = 0 -> illegal even with TM; TM = 0 -> illegal even with STCE. */
    assert_int_equal(stimecmp_access(t, 1, 0, 2), 2);
    assert_int_equal(X(t, 29), CSRRW(5, STIMECMP, 6));
    assert_int_equal(csr(t, STIMECMP), UINT64_MAX);
    assert_int_equal(stimecmp_access(t, 1, STCE, 0), 2);
    assert_int_equal(stimecmp_access(t, 1, STCE, 2), 0xdead);
    assert_int_equal(csr(t, STIMECMP), 0x1234);
    /* U-mode: never. */
    assert_int_equal(stimecmp_access(t, 0, STCE, 2), 2);
    /* Of menvcfg, STCE and FIOM are writable; the bits of extensions we do not offer read 0. */
    riscv_cpu_write_csr(t->cpu, MENVCFG, ~0ULL);
    assert_int_equal(csr(t, MENVCFG), STCE | 1);
}

static bool stip(T *t)
{
    return (csr(t, MIP) & STIP) != 0;
}

static void test_sstc_stip(void **state)
{
    T *t = *state;
    t->fake_time = 1000;
    riscv_cpu_write_csr(t->cpu, MIE, STIP);
    /* STCE = 0: stimecmp in the past changes nothing, STIP is M's to write. */
    riscv_cpu_write_csr(t->cpu, STIMECMP, 500);
    assert_false(stip(t));
    riscv_cpu_write_csr(t->cpu, MIP, STIP);
    assert_true(stip(t));
    riscv_cpu_write_csr(t->cpu, MIP, 0);
    /* STCE = 1: STIP = (time >= stimecmp), at once. */
    riscv_cpu_write_csr(t->cpu, MENVCFG, STCE);
    assert_true(stip(t));
    assert_true(riscv_cpu_has_work(t->cpu));
    riscv_cpu_write_csr(t->cpu, MIP, 0); /* read-only now */
    assert_true(stip(t));
    riscv_cpu_write_csr(t->cpu, STIMECMP, 1000); /* equal counts */
    assert_true(stip(t));
    riscv_cpu_write_csr(t->cpu, STIMECMP, 2000); /* into the future: cleared */
    assert_false(stip(t));
    assert_false(riscv_cpu_has_work(t->cpu));
    riscv_cpu_write_csr(t->cpu, MIP, STIP);
    assert_false(riscv_cpu_has_work(t->cpu)); /* has_work sees the raw bit: not latched */
    assert_false(stip(t));
    /* time catches up: a read sees STIP before the timer callback had a chance to run. */
    t->fake_time = 2000;
    assert_true(stip(t));
    assert_true(riscv_cpu_has_work(t->cpu));
    assert_int_equal(csr(t, 0x144) & STIP, 0); /* sip: not delegated */
    riscv_cpu_write_csr(t->cpu, MIDELEG, STIP);
    assert_int_equal(csr(t, 0x144) & STIP, STIP);
    riscv_cpu_write_csr(t->cpu, STIMECMP, UINT64_MAX);
    assert_false(stip(t));
    /* STCE back to 0: writable by M again. */
    riscv_cpu_write_csr(t->cpu, STIMECMP, 0);
    assert_true(stip(t));
    riscv_cpu_write_csr(t->cpu, MENVCFG, 0);
    riscv_cpu_write_csr(t->cpu, MIP, 0);
    assert_false(stip(t));
    riscv_cpu_write_csr(t->cpu, MIP, STIP);
    assert_true(stip(t));
    /* A reset turns STCE off and forgets stimecmp. */
    riscv_cpu_write_csr(t->cpu, MENVCFG, STCE);
    riscv_cpu_reset(t->cpu, RAM_BASE);
    assert_int_equal(csr(t, MENVCFG), 0);
    assert_int_equal(csr(t, STIMECMP), UINT64_MAX);
    assert_false(stip(t));
}

/* Run the stimer's context for a while without blocking (bounded; no timing assertions). */
static void poll_for(T *t, int rounds, bool until_wake)
{
    for (int i = 0; i < rounds && !(until_wake && t->wakes); i++) {
        struct timespec ts = {0, 100 * 1000};
        nanosleep(&ts, NULL);
        aio_poll(t->ctx, false);
    }
}

/* Nothing polls stimecmp: the timer raises STIP at the deadline and calls the wake hook. */
static void test_sstc_timer(void **state)
{
    T *t = *state;
    riscv_cpu_write_csr(t->cpu, MENVCFG, STCE);
    riscv_cpu_write_csr(t->cpu, MIE, STIP);
    riscv_cpu_write_csr(t->cpu, STIMECMP, 10); /* 1 us from now */
    assert_false(riscv_cpu_has_work(t->cpu));
    /* The timer fires while `time` is still short of stimecmp: it re-arms, STIP stays low. */
    __atomic_store_n(&t->fake_time, 5, __ATOMIC_SEQ_CST);
    poll_for(t, 20, false);
    assert_int_equal(t->wakes, 0);
    assert_false(riscv_cpu_has_work(t->cpu));
    /* has_work reads mip as is: only the timer callback can have raised it. */
    __atomic_store_n(&t->fake_time, 10, __ATOMIC_SEQ_CST);
    poll_for(t, 20000, true);
    assert_int_equal(t->wakes, 1);
    assert_true(riscv_cpu_has_work(t->cpu));
    /* Into the future again: lowered by the write, and no wake-up while nothing is due. */
    riscv_cpu_write_csr(t->cpu, STIMECMP, UINT64_MAX);
    assert_false(riscv_cpu_has_work(t->cpu));
    poll_for(t, 20, false);
    assert_int_equal(t->wakes, 1);
    /* STCE off disarms a pending deadline. */
    riscv_cpu_write_csr(t->cpu, STIMECMP, 20);
    riscv_cpu_write_csr(t->cpu, MENVCFG, 0);
    __atomic_store_n(&t->fake_time, 30, __ATOMIC_SEQ_CST);
    poll_for(t, 50, false);
    assert_int_equal(t->wakes, 1);
    assert_false(riscv_cpu_has_work(t->cpu));
}

/* S-mode programs its own timer: the interrupt is taken in S, delegated, through stimecmp. */
static void test_sstc_interrupt(void **state)
{
    T *t = *state;
    t->fake_time = 1000;
    riscv_cpu_write_csr(t->cpu, MENVCFG, STCE);
    riscv_cpu_write_csr(t->cpu, MCOUNTEREN, 2);
    riscv_cpu_write_csr(t->cpu, MIDELEG, STIP);
    riscv_cpu_write_csr(t->cpu, MIE, STIP);
    riscv_cpu_write_csr(t->cpu, STVEC, SHANDLER);
    li(t, 1, (1ULL << 11) | 2); /* MPP = S, SIE */
    emit(t, CSRRS(0, MSTATUS, 1));
    li(t, 1, RAM_BASE + 0x400);
    emit(t, CSRW(MEPC, 1));
    emit(t, MRET);
    t->pos = RAM_BASE + 0x400;
    li(t, 6, 2000);
    emit(t, CSRW(STIMECMP, 6)); /* future: nothing yet */
    emit(t, CSRR(7, 0x144));    /* sip */
    emit(t, CSRW(STIMECMP, 0)); /* past: taken right after this instruction */
    uint64_t after = t->pos;
    emit(t, JAL(0, 0));
    run(t);
    assert_true(t->done);
    assert_int_equal(X(t, 7) & STIP, 0);
    assert_int_equal(X(t, 28), CAUSE_IRQ | 5);
    assert_int_equal(X(t, 30), after);
    assert_int_equal(riscv_cpu_get_priv(t->cpu), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sstc_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sstc_csr_access, setup_sstc, teardown),
        cmocka_unit_test_setup_teardown(test_sstc_stip, setup_sstc, teardown),
        cmocka_unit_test_setup_teardown(test_sstc_timer, setup_sstc, teardown),
        cmocka_unit_test_setup_teardown(test_sstc_interrupt, setup_sstc, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
