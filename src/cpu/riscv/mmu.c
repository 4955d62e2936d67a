/*
 * mmu.c - Sv39/Sv48 page-table walk with hardware A/D updates, the software
 * TLB slow paths, misaligned accesses and MMIO dispatch.
 *
 * The TLB caches, per MMU index (U, S, S+SUM, M), the host address of guest
 * RAM pages.  An entry's tags are the virtual page for each access type that
 * may use it; a write tag is only set once the PTE's D bit is set, so the
 * first store to a clean page comes here and sets D, like QEMU.  Accesses that
 * are not to RAM (MMIO, ROM writes, holes) never get an entry and go through
 * address_space_ld/st every time.
 *
 * PMP (pmp.c) is checked here only: every slow-path access with its exact
 * physical address and size (page-table reads as S-mode loads, A/D updates
 * as S-mode stores), and a TLB entry keeps only the access types the whole
 * page allows with one outcome, so the fast paths need no check.
 */
#include "cpu/riscv/internal.h"
#include "util/atomic.h"

#define PTE_V          (1ULL << 0)
#define PTE_R          (1ULL << 1)
#define PTE_W          (1ULL << 2)
#define PTE_X          (1ULL << 3)
#define PTE_U          (1ULL << 4)
#define PTE_A          (1ULL << 6)
#define PTE_D          (1ULL << 7)
#define PTE_PPN_MASK   ((1ULL << 44) - 1)
#define PTE_RESERVED   (~0ULL << 54) /* reserved: Svpbmt/Svnapot are not in our riscv,isa */
#define SATP_MODE_BARE 0
#define SATP_MODE_SV39 8
#define SATP_MODE_SV48 9

#define PROT_R (1 << ACC_READ)
#define PROT_W (1 << ACC_WRITE)
#define PROT_X (1 << ACC_EXEC)

void riscv__tlb_flush(RISCVCPU *cpu)
{
    memset(cpu->tlb, 0xff, sizeof(cpu->tlb));
    cpu->fetch_va = TLB_INVALID;
}

static int page_fault(RISCVAccess acc)
{
    return acc == ACC_EXEC ? EXC_INSN_PAGE : acc == ACC_READ ? EXC_LOAD_PAGE : EXC_STORE_PAGE;
}

static int access_fault(RISCVAccess acc)
{
    return acc == ACC_EXEC ? EXC_INSN_ACCESS : acc == ACC_READ ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS;
}

/* The privilege PMP checks an access of MMU index @idx with (MPRV is in the index). */
static int idx_priv(int idx)
{
    return idx == MMU_M ? PRV_M : idx == MMU_U ? PRV_U : PRV_S;
}

int riscv__translate(RISCVCPU *cpu, uint64_t va, RISCVAccess acc, int mmu_idx, hwaddr *pa,
                     int *prot)
{
    int mode = (int)(cpu->satp >> 60);
    if (mmu_idx == MMU_M || mode == SATP_MODE_BARE) {
        *pa = va;
        *prot = PROT_R | PROT_W | PROT_X;
        return 0;
    }
    int levels = mode == SATP_MODE_SV48 ? 4 : 3;
    int vabits = 12 + 9 * levels;
    if ((uint64_t)((int64_t)(va << (64 - vabits)) >> (64 - vabits)) != va) {
        return page_fault(acc);
    }

restart:;
    hwaddr pt = (cpu->satp & PTE_PPN_MASK) << PAGE_BITS;
    for (int level = levels - 1; level >= 0; level--) {
        hwaddr pte_addr = pt + ((va >> (PAGE_BITS + 9 * level)) & 511) * 8;
        hwaddr avail;
        uint64_t *pte_host =
            (uint64_t *)address_space_get_host_ptr(cpu->as, pte_addr, false, &avail);
        uint64_t pte;
        if (!riscv__pmp_check(cpu, pte_addr, 8, ACC_READ, PRV_S)) {
            return access_fault(acc);
        }
        if (pte_host && avail >= 8) {
            pte = qatomic_read(pte_host);
        } else {
            pte_host = NULL;
            if (address_space_ld(cpu->as, pte_addr, 8, &pte) != MEMTX_OK) {
                return access_fault(acc);
            }
        }
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & PTE_RESERVED)) {
            return page_fault(acc);
        }
        uint64_t ppn = (pte >> 10) & PTE_PPN_MASK;
        if (!(pte & (PTE_R | PTE_X))) {
            if (level == 0 || (pte & (PTE_A | PTE_D | PTE_U))) {
                return page_fault(acc);
            }
            pt = ppn << PAGE_BITS;
            continue;
        }
        /* Leaf. */
        if (ppn & ((1ULL << (9 * level)) - 1)) {
            return page_fault(acc); /* misaligned superpage */
        }
        bool mxr = (cpu->mstatus & MSTATUS_MXR) != 0;
        int p = 0;
        if ((pte & PTE_R) || (mxr && (pte & PTE_X))) {
            p |= PROT_R;
        }
        if (pte & PTE_W) {
            p |= PROT_W;
        }
        if (pte & PTE_X) {
            p |= PROT_X;
        }
        if (pte & PTE_U) {
            if (mmu_idx == MMU_S) {
                p = 0;
            } else if (mmu_idx == MMU_S_SUM) {
                p &= ~PROT_X;
            }
        } else if (mmu_idx == MMU_U) {
            p = 0;
        }
        if (!(p & (1 << acc))) {
            return page_fault(acc);
        }
        uint64_t need = PTE_A | (acc == ACC_WRITE ? PTE_D : 0);
        if ((pte & need) != need) {
            /* The update needs writable RAM (not ROM, not MMIO). */
            if (!pte_host || !address_space_get_host_ptr(cpu->as, pte_addr, true, &avail) ||
                !riscv__pmp_check(cpu, pte_addr, 8, ACC_WRITE, PRV_S)) {
                return access_fault(acc);
            }
            uint64_t expected = pte;
            if (!__atomic_compare_exchange_n(pte_host, &expected, pte | need, false,
                                             __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
                goto restart;
            }
            pte |= need;
        }
        if (!(pte & PTE_D)) {
            p &= ~PROT_W; /* the first store must come back here to set D */
        }
        uint64_t off_mask = (1ULL << (PAGE_BITS + 9 * level)) - 1;
        *pa = ((ppn << PAGE_BITS) & ~off_mask) | (va & off_mask);
        *prot = p;
        return 0;
    }
    return page_fault(acc);
}

/* riscv__translate, then PMP on the @size bytes at the physical address. */
static int translate_checked(RISCVCPU *cpu, uint64_t va, int size, RISCVAccess acc, int idx,
                             hwaddr *pa, int *prot)
{
    int exc = riscv__translate(cpu, va, acc, idx, pa, prot);
    if (!exc && !riscv__pmp_check(cpu, *pa, size, acc, idx_priv(idx))) {
        exc = access_fault(acc);
    }
    return exc;
}

/*
 * Fill the TLB entry for @va's page from a successful, PMP-checked access, if
 * it is RAM: the host address for this access.  The entry gets the access
 * types PMP allows on the whole page only.
 */
static uint8_t *tlb_fill(RISCVCPU *cpu, int idx, uint64_t va, hwaddr pa, int prot)
{
    hwaddr avail;
    hwaddr pa_page = pa & PAGE_MASK;
    uint8_t *host = address_space_get_host_ptr(cpu->as, pa_page, false, &avail);
    if (!host || avail < PAGE_SIZE) {
        return NULL;
    }
    prot &= riscv__pmp_page_prot(cpu, pa_page, idx_priv(idx));
    uint64_t va_page = va & PAGE_MASK;
    RISCVTLBEntry *e = riscv__tlb_entry(cpu, idx, va);
    e->tag_r = (prot & PROT_R) ? va_page : TLB_INVALID;
    e->tag_x = (prot & PROT_X) ? va_page : TLB_INVALID;
    e->tag_w = TLB_INVALID;
    if ((prot & PROT_W) && address_space_get_host_ptr(cpu->as, pa_page, true, &avail)) {
        e->tag_w = va_page;
    }
    e->addend = (uintptr_t)host - (uintptr_t)va_page;
    return host + (pa - pa_page);
}

bool riscv__ld_slow(RISCVCPU *cpu, uint64_t va, int size, uint64_t *val)
{
    if (va & (uint64_t)(size - 1)) {
        /* Misaligned: emulate byte by byte (each byte faults with its own address). */
        uint64_t v = 0;
        for (int i = 0; i < size; i++) {
            uint64_t b;
            if (!riscv__ld(cpu, va + (uint64_t)i, 1, &b)) {
                return false;
            }
            v |= b << (8 * i);
        }
        *val = v;
        return true;
    }
    hwaddr pa;
    int prot;
    int exc = translate_checked(cpu, va, size, ACC_READ, cpu->data_mmu_idx, &pa, &prot);
    if (exc) {
        riscv__raise_exception(cpu, exc, va);
        return false;
    }
    uint8_t *host = tlb_fill(cpu, cpu->data_mmu_idx, va, pa, prot);
    if (host) {
        uint64_t v = 0;
        memcpy(&v, host, (size_t)size);
        *val = v;
        return true;
    }
    uint64_t v;
    if (address_space_ld(cpu->as, pa, (unsigned)size, &v) != MEMTX_OK) {
        riscv__raise_exception(cpu, EXC_LOAD_ACCESS, va);
        return false;
    }
    *val = v;
    return true;
}

bool riscv__st_slow(RISCVCPU *cpu, uint64_t va, int size, uint64_t val)
{
    hwaddr pa;
    int prot, exc;
    if (va & (uint64_t)(size - 1)) {
        /* Probe both pages (translation and PMP) first so that a fault leaves memory
         * untouched. */
        uint64_t last = va + (uint64_t)size - 1;
        bool cross = (last & PAGE_MASK) != (va & PAGE_MASK);
        int n0 = cross ? (int)(PAGE_SIZE - (va & (PAGE_SIZE - 1))) : size;
        exc = translate_checked(cpu, va, n0, ACC_WRITE, cpu->data_mmu_idx, &pa, &prot);
        if (!exc && cross) {
            exc = translate_checked(cpu, last & PAGE_MASK, size - n0, ACC_WRITE, cpu->data_mmu_idx,
                                    &pa, &prot);
            va = exc ? (last & PAGE_MASK) : va; /* the first byte that faults, as for loads */
        }
        if (exc) {
            riscv__raise_exception(cpu, exc, va);
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (!riscv__st(cpu, va + (uint64_t)i, 1, val >> (8 * i))) {
                return false;
            }
        }
        return true;
    }
    exc = translate_checked(cpu, va, size, ACC_WRITE, cpu->data_mmu_idx, &pa, &prot);
    if (exc) {
        riscv__raise_exception(cpu, exc, va);
        return false;
    }
    uint8_t *host = tlb_fill(cpu, cpu->data_mmu_idx, va, pa, prot);
    hwaddr avail;
    if (host && address_space_get_host_ptr(cpu->as, pa, true, &avail)) {
        memcpy(host, &val, (size_t)size); /* RAM, not ROM (even if PMP kept it out of the TLB) */
        return true;
    }
    if (address_space_st(cpu->as, pa, (unsigned)size, val) != MEMTX_OK) {
        riscv__raise_exception(cpu, EXC_STORE_ACCESS, va);
        return false;
    }
    return true;
}

/* Fetch 16 bits at @va; false after raising the fault (tval = @va). */
static bool fetch16(RISCVCPU *cpu, uint64_t va, uint16_t *out)
{
    hwaddr pa;
    int prot;
    int exc = translate_checked(cpu, va, 2, ACC_EXEC, cpu->fetch_mmu_idx, &pa, &prot);
    if (exc) {
        riscv__raise_exception(cpu, exc, va);
        return false;
    }
    uint8_t *host = tlb_fill(cpu, cpu->fetch_mmu_idx, va, pa, prot);
    if (host) {
        if (riscv__tlb_entry(cpu, cpu->fetch_mmu_idx, va)->tag_x == (va & PAGE_MASK)) {
            cpu->fetch_va = va & PAGE_MASK;
            cpu->fetch_host = host - (va & (PAGE_SIZE - 1));
        }
        memcpy(out, host, 2);
        return true;
    }
    uint64_t v;
    if (address_space_ld(cpu->as, pa, 2, &v) != MEMTX_OK) {
        riscv__raise_exception(cpu, EXC_INSN_ACCESS, va);
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

bool riscv__fetch_slow(RISCVCPU *cpu, uint32_t *insn)
{
    uint64_t pc = cpu->pc;
    uint16_t lo, hi;
    cpu->fetch_va = TLB_INVALID;
    if (!fetch16(cpu, pc, &lo)) {
        return false;
    }
    if ((lo & 3) != 3) {
        *insn = lo;
        return true;
    }
    uint64_t saved_va = cpu->fetch_va;
    uint8_t *saved_host = cpu->fetch_host;
    if (!fetch16(cpu, pc + 2, &hi)) {
        return false;
    }
    if (((pc + 2) & PAGE_MASK) != (pc & PAGE_MASK)) {
        /* Keep the page the pc is on as the fast-path page. */
        cpu->fetch_va = saved_va;
        cpu->fetch_host = saved_host;
    }
    *insn = lo | ((uint32_t)hi << 16);
    return true;
}

void *riscv__amo_ptr(RISCVCPU *cpu, uint64_t va, int size, bool for_load)
{
    if (va & (uint64_t)(size - 1)) {
        riscv__raise_exception(cpu, for_load ? EXC_LOAD_MISALIGNED : EXC_STORE_MISALIGNED, va);
        return NULL;
    }
    RISCVAccess acc = for_load ? ACC_READ : ACC_WRITE;
    RISCVTLBEntry *e = riscv__tlb_entry(cpu, cpu->data_mmu_idx, va);
    uint64_t tag = for_load ? e->tag_r : e->tag_w;
    if (tag == (va & PAGE_MASK)) {
        return (void *)(uintptr_t)(va + e->addend);
    }
    hwaddr pa;
    int prot;
    int exc = translate_checked(cpu, va, size, acc, cpu->data_mmu_idx, &pa, &prot);
    if (exc) {
        riscv__raise_exception(cpu, exc, va);
        return NULL;
    }
    uint8_t *host = tlb_fill(cpu, cpu->data_mmu_idx, va, pa, prot);
    hwaddr avail;
    if (!host || (!for_load && !address_space_get_host_ptr(cpu->as, pa, true, &avail))) {
        riscv__raise_exception(cpu, for_load ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS, va);
        return NULL;
    }
    return host;
}
