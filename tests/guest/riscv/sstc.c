/*
 * sstc.c - the Sstc extension: stimecmp (0x14d) and menvcfg.STCE.  A supervisor
 * timer interrupt programmed from S-mode through stimecmp and waited for with
 * WFI; STIP follows (time >= stimecmp) at once and is read-only in mip while
 * STCE = 1; S-mode access needs both menvcfg.STCE and mcounteren.TM.
 *
 * A hart without Sstc (stimecmp illegal even in M, as on the interpreter-only
 * test board, which has no timer context) passes after saying so.
 */
#include "lib.h"

#define IRQ           (1ULL << 63)
#define MIP_STIP      (1UL << 5)
#define MENVCFG_STCE  (1ULL << 63)
#define COUNTEREN_TM  (1UL << 1)
#define CAUSE_ILLEGAL 2
#define WAIT_TICKS    2000 /* 200 us at the virt board's 10 MHz */

static volatile int n_illegal, n_sti;
static volatile uint64_t sti_time, deadline;

/* Illegal instructions from any mode: count and skip (every CSR access here is 4 bytes). */
static int m_trap(struct frame *f)
{
    if (f->cause == CAUSE_ILLEGAL) {
        n_illegal++;
        f->epc += 4;
        return 1;
    }
    return 0;
}

static int s_trap(struct frame *f)
{
    if (f->cause == (IRQ | 5)) {
        n_sti++;
        sti_time = csr_read(time);
        csr_write(0x14d, ~0ULL); /* the next event is "never": STIP drops */
        return 1;
    }
    return 0;
}

static void s_timer(void)
{
    /* stimecmp in the past: STIP is pending at once (SIE = 0, so not taken). */
    csr_write(0x14d, 0);
    CHECK(csr_read(sip) & MIP_STIP);
    /* ...and moved into the future: it drops at once. */
    csr_write(0x14d, csr_read(time) + 10000000);
    CHECK_EQ(csr_read(sip) & MIP_STIP, 0);

    /* A real deadline, taken through stimecmp while the hart waits in WFI. */
    deadline = csr_read(time) + WAIT_TICKS;
    csr_write(0x14d, deadline);
    CHECK_EQ(csr_read(0x14d), deadline);
    csr_set(sstatus, MSTATUS_SIE);
    for (long i = 0; i < 100000000 && !n_sti; i++) {
        __asm__ volatile("wfi");
    }
    csr_clear(sstatus, MSTATUS_SIE);
    CHECK_EQ(n_sti, 1);
    CHECK(sti_time >= deadline); /* never early */
    CHECK_EQ(csr_read(sip) & MIP_STIP, 0);
    mode_exit();
}

static void s_access(void)
{
    (void)csr_read(0x14d);
    csr_write(0x14d, ~0ULL);
    mode_exit();
}

int main(void)
{
    m_hook = m_trap;
    s_hook = s_trap;

    (void)csr_read(0x14d);
    if (n_illegal) {
        CHECK_EQ(n_illegal, 1);
        csr_set(0x30a, MENVCFG_STCE);
        CHECK_EQ(csr_read(0x30a) & MENVCFG_STCE, 0);
        puts_("sstc: absent on this hart (stimecmp illegal, STCE reads 0), as its riscv,isa says\n");
        return 0;
    }

    /* STCE = 0: M-mode may still use stimecmp, S-mode may not (even with TM). */
    csr_write(0x14d, ~0ULL);
    CHECK_EQ(csr_read(0x14d), ~0ULL);
    csr_write(mcounteren, COUNTEREN_TM);
    csr_write(0x30a, 0);
    enter_mode(1, s_access, _user_stack_top);
    CHECK_EQ(n_illegal, 2);
    /* STCE = 1 but mcounteren.TM = 0: still illegal below M. */
    csr_write(0x30a, MENVCFG_STCE);
    CHECK(csr_read(0x30a) & MENVCFG_STCE);
    csr_write(mcounteren, 0);
    enter_mode(1, s_access, _user_stack_top);
    CHECK_EQ(n_illegal, 4);
    /* U-mode never (stimecmp is an S-level CSR). */
    csr_write(mcounteren, COUNTEREN_TM);
    csr_write(scounteren, COUNTEREN_TM);
    enter_mode(0, s_access, _user_stack_top);
    CHECK_EQ(n_illegal, 6);
    /* Both set: S-mode reads and writes it. */
    enter_mode(1, s_access, _user_stack_top);
    CHECK_EQ(n_illegal, 6);

    /* STIP is the comparator's output now: M-mode writes to mip do not move it. */
    csr_write(0x14d, ~0ULL);
    csr_set(mip, MIP_STIP);
    CHECK_EQ(csr_read(mip) & MIP_STIP, 0);
    csr_write(0x14d, 0);
    csr_clear(mip, MIP_STIP);
    CHECK(csr_read(mip) & MIP_STIP);
    csr_write(0x14d, ~0ULL);
    CHECK_EQ(csr_read(mip) & MIP_STIP, 0);

    /* The supervisor timer, delegated and programmed by S itself. */
    csr_write(mideleg, MIP_STIP);
    csr_write(stvec, (uint64_t)strap_entry);
    csr_set(mie, MIP_STIP);
    enter_mode(1, s_timer, _user_stack_top);
    CHECK_EQ(n_sti, 1);
    CHECK_EQ(n_illegal, 6);

    /* STCE back to 0: STIP is M's to write again. */
    csr_write(0x14d, 0);
    csr_write(0x30a, 0);
    csr_clear(mip, MIP_STIP); /* what STIP holds right after STCE drops is not specified */
    CHECK_EQ(csr_read(mip) & MIP_STIP, 0);
    csr_set(mip, MIP_STIP);
    CHECK(csr_read(mip) & MIP_STIP);
    csr_clear(mip, MIP_STIP);
    csr_write(mie, 0);
    puts_("sstc: ok\n");
    return 0;
}
