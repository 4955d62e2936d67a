/*
 * csr.c - the CSR file: identification registers, misa, WARL fields
 * (mtvec mode, mepc alignment, medeleg, MPP), sstatus/sie/sip as views of the
 * machine registers, PMP registers, counters (cycle/instret/time against the
 * CLINT) and their mcounteren/scounteren gating from S and U mode.
 */
#include "lib.h"

static volatile uint64_t n_illegal, last_tval;

static int m_ill(struct frame *f)
{
    if (f->cause != 2) {
        return 0;
    }
    n_illegal++;
    last_tval = f->tval;
    f->epc += 4;
    return 1;
}

#define MISA_BIT(c) (1UL << ((c) - 'A'))

static volatile uint64_t s_seen[4];

static void read_counters_body(void)
{
    uint64_t v;
    __asm__ volatile(".option push\n.option norvc\n rdcycle %0\n.option pop" : "=r"(v));
    __asm__ volatile(".option push\n.option norvc\n rdtime %0\n.option pop" : "=r"(v));
    __asm__ volatile(".option push\n.option norvc\n rdinstret %0\n.option pop" : "=r"(v));
    mode_exit();
}

int main(void)
{
    m_hook = m_ill;

    uint64_t misa = csr_read(misa);
    CHECK_EQ(misa >> 62, 2);
    uint64_t need = MISA_BIT('I') | MISA_BIT('M') | MISA_BIT('A') | MISA_BIT('F') | MISA_BIT('D') |
                    MISA_BIT('C') | MISA_BIT('S') | MISA_BIT('U');
    CHECK_EQ(misa & need, need);
    CHECK_EQ(csr_read(mhartid), 0);
    (void)csr_read(mvendorid);
    (void)csr_read(marchid);
    (void)csr_read(mimpid);
    CHECK_EQ(csr_read(0xf15), 0); /* mconfigptr */

    /* mstatus: UXL/SXL = 64-bit, MPP is WARL (2 is not a mode). */
    uint64_t ms = csr_read(mstatus);
    CHECK_EQ((ms >> 32) & 3, 2);
    CHECK_EQ((ms >> 34) & 3, 2);
    csr_set(mstatus, MSTATUS_MPP);
    CHECK_EQ(csr_read(mstatus) & MSTATUS_MPP, MSTATUS_MPP);
    csr_clear(mstatus, MSTATUS_MPP);

    /* sstatus is a restricted view of mstatus. */
    csr_set(sstatus, MSTATUS_SUM | MSTATUS_SIE);
    CHECK_EQ(csr_read(mstatus) & (MSTATUS_SUM | MSTATUS_SIE), MSTATUS_SUM | MSTATUS_SIE);
    csr_set(sstatus, MSTATUS_MIE | MSTATUS_MPP); /* not visible through sstatus */
    CHECK_EQ(csr_read(mstatus) & (MSTATUS_MIE | MSTATUS_MPP), 0);
    CHECK_EQ(csr_read(sstatus) & MSTATUS_MPP, 0);
    csr_clear(sstatus, MSTATUS_SUM | MSTATUS_SIE);

    /* sie/sip show only delegated bits. */
    csr_write(mideleg, 0);
    csr_write(mie, 0x222);
    CHECK_EQ(csr_read(sie), 0);
    csr_write(mideleg, 0x222);
    CHECK_EQ(csr_read(sie) & 0x222, 0x222);
    csr_write(sie, 0);
    CHECK_EQ(csr_read(mie) & 0x222, 0);
    csr_write(mip, 2); /* SSIP is writable from M */
    CHECK_EQ(csr_read(sip) & 2, 2);
    csr_clear(sip, 2);
    CHECK_EQ(csr_read(mip) & 2, 0);
    csr_write(mideleg, 0);

    /* WARL fields. */
    csr_write(mtvec, 0x80001002UL); /* mode 2 is reserved */
    CHECK((csr_read(mtvec) & 3) != 2);
    csr_write(mtvec, (uint64_t)mtrap_entry);
    /* (mepc/sepc bit 0 reads as 0 here; QEMU 7.2 keeps it, so it is not checked.) */
    csr_write(medeleg, ~0ULL);
    /* (medeleg[11], ecall from M, reads 0 here; QEMU 7.2 keeps it, so not checked.) */
    CHECK(csr_read(medeleg) & (1 << 8));
    csr_write(medeleg, 0);
    uint64_t saved_m = csr_read(mscratch), saved_s = csr_read(sscratch); /* trap stacks */
    csr_write(mscratch, 0x1234);
    CHECK_EQ(csr_read(mscratch), 0x1234);
    csr_write(mscratch, saved_m);
    csr_write(sscratch, 0x5678);
    CHECK_EQ(csr_read(sscratch), 0x5678);
    csr_write(sscratch, saved_s);
    csr_write(stval, 7);
    CHECK_EQ(csr_read(stval), 7);

    /* PMP: address registers hold 54 bits; crt.S set entry 0 to NAPOT/RWX. */
    CHECK_EQ(csr_read(pmpcfg0) & 0xff, 0x1f);
    csr_write(pmpaddr1, 0x12345);
    CHECK_EQ(csr_read(pmpaddr1), 0x12345);
    csr_write(pmpaddr1, 0);
    (void)csr_read(pmpcfg2);
    (void)csr_read(pmpaddr15);
    (void)csr_read(menvcfg);
    (void)csr_read(senvcfg);
    (void)csr_read(mcountinhibit);
    (void)csr_read(mhpmcounter3);
    (void)csr_read(mhpmevent3);
    CHECK_EQ(n_illegal, 0);
    __asm__ volatile(".option push\n.option norvc\n csrr t0, pmpcfg1\n.option pop" ::: "t0");
    CHECK_EQ(n_illegal, 1); /* odd pmpcfg registers do not exist on RV64 */
    n_illegal = 0;

    /* Counters move forward; time follows the CLINT. */
    uint64_t c0 = csr_read(mcycle), i0 = csr_read(minstret);
    for (volatile int i = 0; i < 100; i++) {
    }
    CHECK(csr_read(mcycle) > c0);
    CHECK(csr_read(minstret) > i0 + 100);
    CHECK(csr_read(instret) > i0 + 100);
    uint64_t t1 = csr_read(time);
    uint64_t m = mmio_read64(CLINT_MTIME);
    uint64_t t2 = csr_read(time);
    CHECK(t1 <= m && m <= t2);

    /* Counter access from S and U is gated by mcounteren / scounteren. */
    csr_write(mcounteren, 0);
    enter_mode(1, read_counters_body, _user_stack_top);
    CHECK_EQ(n_illegal, 3);
    n_illegal = 0;
    csr_write(mcounteren, 7);
    enter_mode(1, read_counters_body, _user_stack_top);
    CHECK_EQ(n_illegal, 0);
    csr_write(scounteren, 0);
    enter_mode(0, read_counters_body, _user_stack_top);
    CHECK_EQ(n_illegal, 3);
    n_illegal = 0;
    csr_write(scounteren, 5); /* cycle and instret only */
    enter_mode(0, read_counters_body, _user_stack_top);
    CHECK_EQ(n_illegal, 1);
    CHECK_EQ(last_tval & ~0xf80ULL, 0xc0102073); /* rdtime, any rd */
    (void)s_seen;
    return 0;
}
