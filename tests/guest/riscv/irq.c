/*
 * irq.c - interrupts: the CLINT timer and software interrupt in M-mode,
 * masking by mstatus.MIE (and WFI waking up regardless), vectored mtvec,
 * M interrupts preempting S-mode with MIE=0, and delegated supervisor timer /
 * software interrupts (STIP raised by M-mode, SSIP written from S).
 */
#include "lib.h"

#define IRQ      (1ULL << 63)
#define MIP_SSIP (1UL << 1)
#define MIP_MSIP (1UL << 3)
#define MIP_STIP (1UL << 5)
#define MIP_MTIP (1UL << 7)

static volatile int n_mti, n_msi, n_sti, n_ssi, in_s_mode_trap;

static void timer_in(uint64_t ticks)
{
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + ticks);
}

static int m_irq(struct frame *f)
{
    if (f->cause == (IRQ | 7)) {
        n_mti++;
        mmio_write64(CLINT_MTIMECMP, ~0ULL);
        return 1;
    }
    if (f->cause == (IRQ | 3)) {
        n_msi++;
        mmio_write32(CLINT_MSIP, 0);
        return 1;
    }
    if (f->cause == 9 && f->x[17] == 2) { /* from S: raise STIP */
        csr_set(mip, MIP_STIP);
        f->epc += 4;
        return 1;
    }
    if (f->cause == 9 && f->x[17] == 3) { /* from S: clear STIP */
        csr_clear(mip, MIP_STIP);
        f->epc += 4;
        return 1;
    }
    return 0;
}

static void sbi_call(uint64_t which)
{
    register uint64_t a7 __asm__("a7") = which;
    __asm__ volatile("ecall" : : "r"(a7) : "memory");
}

static int s_irq(struct frame *f)
{
    if (f->cause == (IRQ | 5)) {
        n_sti++;
        sbi_call(3);
        return 1;
    }
    if (f->cause == (IRQ | 1)) {
        n_ssi++;
        csr_clear(sip, MIP_SSIP);
        return 1;
    }
    return 0;
}

static void spin_until(volatile int *counter, int value)
{
    for (long i = 0; i < 50000000 && *counter < value; i++) { /* QEMU: host timer latency */
        __asm__ volatile("nop");
    }
    CHECK_EQ(*counter, value);
}

static void s_body(void)
{
    /* STIP raised by M is delegated: taken in S once SIE is set. */
    sbi_call(2);
    CHECK_EQ(n_sti, 0); /* sstatus.SIE = 0 */
    CHECK(csr_read(sip) & MIP_STIP);
    csr_set(sstatus, MSTATUS_SIE);
    spin_until(&n_sti, 1);
    CHECK_EQ(csr_read(sip) & MIP_STIP, 0);
    /* Software interrupt to self. */
    csr_set(sip, MIP_SSIP);
    spin_until(&n_ssi, 1);
    /* An M timer interrupt preempts S even though mstatus.MIE = 0. */
    timer_in(20);
    spin_until(&n_mti, 2);
    csr_clear(sstatus, MSTATUS_SIE);
    mode_exit();
}

extern char vtable[];
__asm__(".text\n"
        ".align 8\n"
        ".option push\n"
        ".option norvc\n"
        "vtable:\n"
        "j bad_vector\n j bad_vector\n j bad_vector\n j mtrap_entry\n" /* 0..3: MSI ok */
        "j bad_vector\n j bad_vector\n j bad_vector\n j mtrap_entry\n" /* 4..7: MTI ok */
        "j bad_vector\n j bad_vector\n j bad_vector\n j bad_vector\n"
        "bad_vector:\n"
        "li a0, 77\n"
        "call exit\n"
        ".option pop\n");

int main(void)
{
    m_hook = m_irq;
    s_hook = s_irq;

    mmio_write64(CLINT_MTIMECMP, ~0ULL); /* QEMU resets mtimecmp to 0 */
    CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
    csr_write(mie, ~0ULL);
    CHECK_EQ(csr_read(mie) & 0xaaa, 0xaaa); /* QEMU also has the H bits */
    csr_write(mie, 0);

    /* Timer interrupt in M-mode, waited for with WFI. */
    csr_set(mie, MIP_MTIP);
    timer_in(1000);
    csr_set(mstatus, MSTATUS_MIE);
    while (!n_mti) {
        __asm__ volatile("wfi");
    }
    CHECK_EQ(n_mti, 1);
    CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);

    /* Software interrupt, masked by MIE = 0; WFI still wakes up. */
    csr_clear(mstatus, MSTATUS_MIE);
    csr_set(mie, MIP_MSIP);
    mmio_write32(CLINT_MSIP, 1);
    for (int i = 0; i < 1000; i++) {
        __asm__ volatile("nop");
    }
    CHECK_EQ(n_msi, 0);
    CHECK(csr_read(mip) & MIP_MSIP);
    __asm__ volatile("wfi");
    CHECK_EQ(n_msi, 0);
    csr_set(mstatus, MSTATUS_MIE);
    spin_until(&n_msi, 1);

    /* Vectored mode: the software interrupt enters at vtable + 4 * 3. */
    csr_write(mtvec, (uint64_t)vtable | 1);
    mmio_write32(CLINT_MSIP, 1);
    spin_until(&n_msi, 2);
    csr_write(mtvec, (uint64_t)mtrap_entry);
    csr_clear(mstatus, MSTATUS_MIE);

    /* Delegated S interrupts. */
    csr_write(mideleg, ~0ULL);
    CHECK_EQ(csr_read(mideleg) & 0x222, 0x222);
    csr_write(stvec, (uint64_t)strap_entry);
    csr_set(mie, MIP_STIP | MIP_SSIP | MIP_MTIP);
    enter_mode(1, s_body, _user_stack_top);
    CHECK_EQ(n_sti, 1);
    CHECK_EQ(n_ssi, 1);
    CHECK_EQ(n_mti, 2);
    return 0;
}
