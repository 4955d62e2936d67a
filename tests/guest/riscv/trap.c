/*
 * trap.c - synchronous exceptions: illegal instructions (mtval = the bits),
 * ecall/ebreak from M, S and U, privileged instructions from lower modes
 * (incl. TSR, TW, TVM), access faults, mret/sret state, and delegation of
 * exceptions to S-mode through medeleg.
 */
#include "lib.h"

static volatile uint64_t last_cause, last_tval, last_epc, traps;
static volatile int last_mode; /* 0 = taken in M, 1 = taken in S */

static int record(struct frame *f, int mode)
{
    last_cause = f->cause;
    last_tval = f->tval;
    last_epc = f->epc;
    last_mode = mode;
    traps = traps + 1;
    if (f->cause == 1) { /* fetch fault: return to the caller of the bad address */
        f->epc = f->x[1];
    } else {
        f->epc += ((*(uint16_t *)f->epc) & 3) == 3 ? 4 : 2;
    }
    return 1;
}

static int m_record(struct frame *f)
{
    if ((f->cause == 8 || f->cause == 9) && f->x[17] == 93) {
        return 0;
    }
    return record(f, 0);
}

static int s_record(struct frame *f)
{
    if (f->cause == 8 && f->x[17] == 93) {
        return 0;
    }
    return record(f, 1);
}

#define EXPECT_TRAP(cause, mode)     \
    do {                             \
        CHECK_EQ(traps, 1);          \
        CHECK_EQ(last_cause, cause); \
        CHECK_EQ(last_mode, mode);   \
        traps = 0;                   \
    } while (0)

static void ecall1(void)
{
    register uint64_t a7 __asm__("a7") = 1;
    __asm__ volatile("ecall" : : "r"(a7) : "memory");
}

static void u_body(void)
{
    ecall1();
    EXPECT_TRAP(8, 0);
    __asm__ volatile("csrr t0, mstatus" ::: "t0");
    EXPECT_TRAP(2, 0);
    CHECK_EQ(last_tval, 0x300022f3); /* csrr t0, mstatus */
    __asm__ volatile("csrr t0, sstatus" ::: "t0");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("mret");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("sret");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("wfi");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("sfence.vma");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("rdcycle t0" ::: "t0"); /* mcounteren = 0 */
    EXPECT_TRAP(2, 0);
    mode_exit();
}

static void s_body(void)
{
    ecall1();
    EXPECT_TRAP(9, 0);
    uint64_t v = csr_read(sstatus);
    CHECK_EQ(v & MSTATUS_SPP, 0); /* nothing was taken to S yet */
    __asm__ volatile("csrr t0, mstatus" ::: "t0");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("mret");
    EXPECT_TRAP(2, 0);
    /* TSR, TW, TVM are set by the M-mode caller. */
    __asm__ volatile("sret");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("wfi");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("csrr t0, satp" ::: "t0");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("sfence.vma");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("ebreak");
    EXPECT_TRAP(3, 0);
    mode_exit();
}

static void u_deleg_body(void)
{
    ecall1();
    EXPECT_TRAP(8, 1);
    __asm__ volatile(".word 0x0000500b"); /* custom-0: illegal */
    EXPECT_TRAP(2, 1);
    CHECK_EQ(last_tval, 0x0000500b);
    __asm__ volatile("ebreak"); /* not delegated */
    EXPECT_TRAP(3, 0);
    mode_exit();
}

int main(void)
{
    m_hook = m_record;
    s_hook = s_record;

    /* M-mode exceptions. */
    __asm__ volatile(".word 0x1234500b");
    EXPECT_TRAP(2, 0);
    CHECK_EQ(last_tval, 0x1234500b);
    __asm__ volatile(".option push\n.option norvc\n.word 0xffffffff\n.option pop");
    EXPECT_TRAP(2, 0);
    __asm__ volatile(".2byte 0");
    EXPECT_TRAP(2, 0);
    CHECK_EQ(last_tval, 0);
    __asm__ volatile("csrw mhartid, zero");
    EXPECT_TRAP(2, 0);
    __asm__ volatile("csrr t0, 0x7ff" ::: "t0"); /* not a CSR */
    EXPECT_TRAP(2, 0);
    ecall1();
    EXPECT_TRAP(11, 0);
    __asm__ volatile("ebreak");
    EXPECT_TRAP(3, 0);
    __asm__ volatile("c.ebreak");
    EXPECT_TRAP(3, 0);

    /* Access faults on an unmapped physical address. */
    volatile uint64_t *bad = (volatile uint64_t *)0x08000000UL;
    (void)*bad;
    EXPECT_TRAP(5, 0);
    CHECK_EQ(last_tval, 0x08000000UL);
    *bad = 1;
    EXPECT_TRAP(7, 0);
    ((void (*)(void))0x08000000UL)();
    EXPECT_TRAP(1, 0);
    CHECK_EQ(last_tval, 0x08000000UL);
    CHECK_EQ(last_epc, 0x08000000UL);

    /* U-mode. */
    enter_mode(0, u_body, _user_stack_top);
    CHECK_EQ((csr_read(mstatus) & MSTATUS_MPP) >> 11, 0); /* the return mret set MPP = U */

    /* S-mode with the trap-virtualisation bits set. */
    csr_set(mstatus, MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM);
    enter_mode(1, s_body, _user_stack_top);
    csr_clear(mstatus, MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM);

    /* Delegation of U exceptions to S. */
    csr_write(stvec, (uint64_t)strap_entry);
    csr_write(medeleg, (1 << 8) | (1 << 2));
    CHECK_EQ(csr_read(medeleg), (1 << 8) | (1 << 2));
    enter_mode(0, u_deleg_body, _user_stack_top);
    CHECK_EQ(csr_read(scause), 8); /* the final exit ecall went through S */
    csr_write(medeleg, 0);

    /* mret restores MIE from MPIE and sets MPIE. */
    csr_set(mstatus, MSTATUS_MPIE);
    csr_clear(mstatus, MSTATUS_MIE);
    __asm__ volatile("la t0, 1f\n csrw mepc, t0\n li t0, 0x1800\n csrs mstatus, t0\n mret\n1:" ::
                         : "t0", "memory");
    CHECK_EQ(csr_read(mstatus) & (MSTATUS_MIE | MSTATUS_MPIE), MSTATUS_MIE | MSTATUS_MPIE);
    CHECK_EQ(csr_read(mstatus) & MSTATUS_MPP, 0);
    csr_clear(mstatus, MSTATUS_MIE);
    return 0;
}
