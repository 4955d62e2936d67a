/*
 * mmu.c - Sv39 (and Sv48) translation from S and U mode: hardware A/D updates,
 * load/store/fetch page faults with stval, R/W/X/U permissions, SUM, MXR,
 * megapages and misaligned superpages, reserved encodings, sfence.vma, and
 * M-mode accesses through MPRV.  Faults are taken in M and skipped.
 */
#include "lib.h"

#define PTE_V       0x01UL
#define PTE_R       0x02UL
#define PTE_W       0x04UL
#define PTE_X       0x08UL
#define PTE_U       0x10UL
#define PTE_A       0x40UL
#define PTE_D       0x80UL
#define PTE(pa, fl) ((((uint64_t)(pa)) >> 12 << 10) | (fl))
#define SATP_SV39   (8ULL << 60)
#define SATP_SV48   (9ULL << 60)

#define VA_PAGES  0x40000000UL /* 4 KiB pages, root[1] -> l1 -> l0 */
#define VA(i)     (VA_PAGES + 0x1000UL * (i))
#define VA_MEGA   0xc0000000UL /* root[3] -> l1b: 2 MiB pages */
#define ALIAS_OFF 0x80000000UL /* root[4]: RAM again, with U set */

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t l1b[512] __attribute__((aligned(4096)));
static uint64_t root48[512] __attribute__((aligned(4096)));
static uint64_t data[8][512] __attribute__((aligned(4096)));
static uint8_t mega[2 << 20] __attribute__((aligned(2 << 20)));

static volatile uint64_t n_faults, f_cause, f_tval;

static int m_fault(struct frame *f)
{
    if (f->cause != 12 && f->cause != 13 && f->cause != 15) {
        return 0;
    }
    n_faults++;
    f_cause = f->cause;
    f_tval = f->tval;
    f->epc = f->cause == 12 ? f->x[1] : f->epc + 4; /* faulting accesses are 4-byte insns */
    return 1;
}

static uint64_t ld(uintptr_t va)
{
    uint64_t v;
    __asm__ volatile(".option push\n.option norvc\nld %0, 0(%1)\n.option pop"
                     : "=r"(v)
                     : "r"(va)
                     : "memory");
    return v;
}

static void sd(uintptr_t va, uint64_t v)
{
    __asm__ volatile(".option push\n.option norvc\nsd %0, 0(%1)\n.option pop"
                     :
                     : "r"(v), "r"(va)
                     : "memory");
}

#define EXPECT_FAULT(expr, cause, addr) \
    do {                                \
        n_faults = 0;                   \
        (void)(expr);                   \
        CHECK_EQ(n_faults, 1);          \
        CHECK_EQ(f_cause, cause);       \
        CHECK_EQ(f_tval, addr);         \
    } while (0)
#define EXPECT_OK(expr)        \
    do {                       \
        n_faults = 0;          \
        (void)(expr);          \
        CHECK_EQ(n_faults, 0); \
    } while (0)

static void build_tables(void)
{
    root[0] = PTE(0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);                    /* MMIO */
    root[2] = PTE(0x80000000UL, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D); /* RAM */
    root[4] = PTE(0x80000000UL, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
    root[1] = PTE(l1, PTE_V);
    l1[0] = PTE(l0, PTE_V);
    l0[0] = PTE(data[0], PTE_V | PTE_R);                         /* read-only, A clear */
    l0[1] = PTE(data[1], PTE_V | PTE_R | PTE_W);                 /* A and D clear */
    l0[2] = PTE(data[2], PTE_V | PTE_X | PTE_A);                 /* execute-only */
    l0[3] = PTE(data[3], PTE_V | PTE_R | PTE_W | PTE_U | PTE_A); /* user */
    l0[4] = 0;                                                   /* invalid */
    l0[5] = PTE(data[5], PTE_V | PTE_W | PTE_A);                 /* W without R: reserved */
    l0[6] = PTE(data[6], PTE_V | PTE_R | PTE_A | (1ULL << 60));  /* reserved bits set */
    root[3] = PTE(l1b, PTE_V);
    l1b[0] = PTE(mega, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);     /* 2 MiB page */
    l1b[1] = PTE((uintptr_t)mega + 0x1000, PTE_V | PTE_R | PTE_A); /* misaligned */
    for (int i = 0; i < 8; i++) {
        data[i][0] = 0x1000 + (uint64_t)i;
    }
    mega[0x12345] = 0x5a;
}

static void s_body(void)
{
    /* Reads set A; a store to a read-only page faults with stval = address. */
    CHECK_EQ(ld(VA(0) + 0), 0x1000);
    CHECK(l0[0] & PTE_A);
    CHECK_EQ(l0[0] & PTE_D, 0);
    EXPECT_FAULT(sd(VA(0) + 8, 1), 15, VA(0) + 8);
    /* A store to a clean writable page sets A and D. */
    EXPECT_OK(sd(VA(1) + 16, 77));
    CHECK_EQ(l0[1] & (PTE_A | PTE_D), PTE_A | PTE_D);
    CHECK_EQ(data[1][2], 77);
    /* Execute-only: loads fault unless MXR. */
    EXPECT_FAULT(ld(VA(2)), 13, VA(2));
    csr_set(sstatus, MSTATUS_MXR);
    CHECK_EQ(ld(VA(2)), 0x1002);
    csr_clear(sstatus, MSTATUS_MXR);
    EXPECT_FAULT(ld(VA(2)), 13, VA(2));
    /* User page from S: only with SUM, and never executable. */
    EXPECT_FAULT(ld(VA(3)), 13, VA(3));
    EXPECT_FAULT(sd(VA(3), 1), 15, VA(3));
    csr_set(sstatus, MSTATUS_SUM);
    CHECK_EQ(ld(VA(3)), 0x1003);
    csr_clear(sstatus, MSTATUS_SUM);
    /* Invalid and reserved encodings. */
    EXPECT_FAULT(ld(VA(4) + 24), 13, VA(4) + 24);
    EXPECT_FAULT(sd(VA(4), 1), 15, VA(4));
    EXPECT_FAULT(((void (*)(void))VA(4))(), 12, VA(4));
    EXPECT_FAULT(ld(VA(5)), 13, VA(5));
    EXPECT_FAULT(ld(VA(6)), 13, VA(6));
    EXPECT_FAULT(ld(VA(7)), 13, VA(7)); /* l0[7] = 0 */
    /* Fetch from a non-executable page. */
    EXPECT_FAULT(((void (*)(void))VA(1))(), 12, VA(1));
    /* Megapage, and a superpage whose PPN is not aligned. */
    CHECK_EQ(*(volatile uint8_t *)(VA_MEGA + 0x12345), 0x5a);
    EXPECT_FAULT(ld(VA_MEGA + 0x200000), 13, VA_MEGA + 0x200000);
    /* Non-canonical address (bit 38 not sign-extended). */
    EXPECT_FAULT(ld(0x4000000000UL), 13, 0x4000000000UL);
    /* Remap page 0 to data[7]; after sfence.vma the new mapping is used. */
    l0[0] = PTE(data[7], PTE_V | PTE_R | PTE_A);
    __asm__ volatile("sfence.vma" ::: "memory");
    CHECK_EQ(ld(VA(0)), 0x1007);
    mode_exit();
}

/* One load with MPRV = 1 and MPP = @mpp; nothing else may touch memory meanwhile. */
static uint64_t mprv_ld(uint64_t mpp, uintptr_t va)
{
    uint64_t v = 0, set = mpp | MSTATUS_MPRV, clr = MSTATUS_MPP | MSTATUS_MPRV;
    __asm__ volatile(".option push\n.option norvc\n"
                     "csrc mstatus, %3\n"
                     "csrs mstatus, %2\n"
                     "ld %0, 0(%1)\n"
                     "csrc mstatus, %3\n"
                     ".option pop"
                     : "+&r"(v)
                     : "r"(va), "r"(set), "r"(clr)
                     : "memory");
    return v;
}

/* Demand paging in S: page faults delegated to an S handler that maps the page. */
static volatile uint64_t s_faults;

static int s_map_on_fault(struct frame *f)
{
    if (f->cause != 13 && f->cause != 15) {
        return 0;
    }
    CHECK_EQ(f->tval & ~0xfffUL, VA(4));
    s_faults++;
    l0[4] = PTE(data[4], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    __asm__ volatile("sfence.vma %0" : : "r"(f->tval) : "memory");
    return 1; /* retry the access */
}

static void s_demand_body(void)
{
    CHECK_EQ(ld(VA(4) + 8), 0);
    sd(VA(4) + 16, 5);
    CHECK_EQ(data[4][2], 5);
    CHECK_EQ(s_faults, 1);
    mode_exit();
}

static volatile uint64_t u_results[4];

static void u_body(void)
{
    /* No printing here: the UART is not mapped for U.  Results go to M. */
    u_results[0] = ld(VA(3));
    sd(VA(3) + 8, 99);
    n_faults = 0;
    u_results[1] = ld(VA(1)); /* supervisor page: faults */
    u_results[2] = n_faults;
    u_results[3] = f_cause;
    mode_exit();
}

int main(void)
{
    m_hook = m_fault;
    build_tables();
    csr_write(satp, SATP_SV39 | ((uintptr_t)root >> 12));
    __asm__ volatile("sfence.vma" ::: "memory");
    enter_mode(1, s_body, _user_stack_top);

    /* U mode runs from the U alias of RAM. */
    l0[3] &= ~PTE_D;
    __asm__ volatile("sfence.vma" ::: "memory");
    enter_mode(0, (void (*)(void))((uintptr_t)u_body + ALIAS_OFF),
               (void *)((uintptr_t)_user_stack_top + ALIAS_OFF));
    /* u_results was written through the alias. */
    CHECK_EQ(u_results[0], 0x1003);
    CHECK_EQ(data[3][1], 99);
    CHECK(l0[3] & PTE_D);
    CHECK_EQ(u_results[2], 1);
    CHECK_EQ(u_results[3], 13);

    /* Delegated page faults, fixed up by S-mode. */
    l0[4] = 0;
    __asm__ volatile("sfence.vma" ::: "memory");
    s_hook = s_map_on_fault;
    csr_write(stvec, (uint64_t)strap_entry);
    csr_write(medeleg, (1 << 12) | (1 << 13) | (1 << 15));
    enter_mode(1, s_demand_body, _user_stack_top);
    csr_write(medeleg, 0);
    CHECK_EQ(csr_read(scause), 13);

    /* MPRV: M-mode loads translated as S, then as U (a U access to an S page faults). */
    uint64_t mpp_s = 1UL << 11;
    n_faults = 0;
    uint64_t v = mprv_ld(mpp_s, VA(1));
    CHECK_EQ(v, 0x1001);
    CHECK_EQ(n_faults, 0);
    mprv_ld(0, VA(1));
    CHECK_EQ(n_faults, 1);
    CHECK_EQ(f_cause, 13);

    /* Sv48: one more level on top of the same tables. */
    root48[0] = PTE(root, PTE_V);
    csr_write(satp, SATP_SV48 | ((uintptr_t)root48 >> 12));
    __asm__ volatile("sfence.vma" ::: "memory");
    if ((csr_read(satp) >> 60) == 9) {
        CHECK_EQ(mprv_ld(mpp_s, VA(1)), 0x1001);
    }
    csr_write(satp, 0);
    /* An unsupported mode is not written. */
    csr_write(satp, (5ULL << 60) | 1);
    CHECK_EQ(csr_read(satp), 0);
    return 0;
}
