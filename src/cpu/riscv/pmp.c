/*
 * pmp.c - physical memory protection (privileged spec 1.12, 3.7): 16 entries
 * (as QEMU's virt), 4-byte granularity (G = 0), no Smepmp.
 *
 * The CSRs keep the architectural values (cpu->pmpcfg / pmpaddr, csr.c reads
 * them); every write here re-decodes the active entries into address ranges
 * in priority order (cpu->pmp_rules) and flushes the TLB.  Checks happen only
 * in mmu.c's slow paths: a TLB entry keeps an access type only if the whole
 * page has one PMP outcome for it (riscv__pmp_page_prot), so cached pages
 * never need a check and everything else is checked with its exact address
 * and size.  The flush also covers translated blocks: CSR writes end the
 * interpreter's slice, and the next slice re-checks every block against the
 * fetch TLB (exec.c), as for satp and sfence.vma.
 */
#include "cpu/riscv/internal.h"

#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_A     0x18
#define PMP_L     0x80
#define PMP_TOR   0x08
#define PMP_NA4   0x10
#define PMP_NAPOT 0x18
#define PMP_RWX   (PMP_R | PMP_W | PMP_X)
#define ADDR_MASK ((1ULL << 54) - 1)

static uint8_t cfg_of(const RISCVCPU *cpu, int i)
{
    return (uint8_t)(cpu->pmpcfg[(i / 8) * 2] >> (8 * (i % 8)));
}

void riscv__pmp_update(RISCVCPU *cpu)
{
    int n = 0;
    bool locked = false;
    for (int i = 0; i < PMP_ENTRIES; i++) {
        uint8_t cfg = cfg_of(cpu, i);
        uint64_t a = cpu->pmpaddr[i], lo, hi;
        switch (cfg & PMP_A) {
        case PMP_TOR:
            lo = i ? cpu->pmpaddr[i - 1] << 2 : 0;
            hi = a << 2;
            break;
        case PMP_NA4:
            lo = a << 2;
            hi = lo + 4;
            break;
        case PMP_NAPOT: {
            int t = __builtin_ctzll(~a); /* a has 54 bits: t <= 54 */
            uint64_t size = 1ULL << (t + 3);
            lo = (a << 2) & ~(size - 1);
            hi = lo + size;
            break;
        }
        default: continue; /* OFF */
        }
        if (cfg & PMP_L) {
            locked = true; /* even if empty: keeps the M-mode shortcut exact */
        }
        if (lo >= hi) {
            continue; /* an empty TOR range matches nothing */
        }
        cpu->pmp_rules[n].lo = lo;
        cpu->pmp_rules[n].hi = hi;
        cpu->pmp_rules[n].cfg = cfg;
        n++;
    }
    cpu->pmp_nrules = n;
    cpu->pmp_locked = locked;
    riscv__tlb_flush(cpu);
}

bool riscv__pmp_write_cfg(RISCVCPU *cpu, int reg, uint64_t v)
{
    if (reg >= PMP_ENTRIES / 4) {
        return true; /* pmpcfg4..14: we offer 16 entries (as QEMU virt); the spec makes the rest WARL zero */
    }
    uint64_t old = cpu->pmpcfg[reg], nv = 0;
    for (int b = 0; b < 8; b++) {
        uint8_t o = (uint8_t)(old >> (8 * b)), c = (uint8_t)(v >> (8 * b));
        if (o & PMP_L) {
            c = o; /* locked until reset */
        } else {
            c &= PMP_L | PMP_A | PMP_RWX; /* bits 5-6 are reserved: zero */
            if ((c & (PMP_R | PMP_W)) == PMP_W) {
                c &= (uint8_t)~PMP_W; /* R=0 W=1 is reserved: keep W clear, as QEMU */
            }
        }
        nv |= (uint64_t)c << (8 * b);
    }
    cpu->pmpcfg[reg] = nv;
    riscv__pmp_update(cpu);
    return true;
}

bool riscv__pmp_write_addr(RISCVCPU *cpu, int i, uint64_t v)
{
    if (i >= PMP_ENTRIES) {
        return true; /* pmpaddr16..63: beyond our 16 entries, read-only zero as the spec allows */
    }
    if (cfg_of(cpu, i) & PMP_L) {
        return true;
    }
    if (i + 1 < PMP_ENTRIES) {
        uint8_t next = cfg_of(cpu, i + 1);
        if ((next & PMP_L) && (next & PMP_A) == PMP_TOR) {
            return true; /* the base of a locked TOR entry is locked too */
        }
    }
    cpu->pmpaddr[i] = v & ADDR_MASK;
    riscv__pmp_update(cpu);
    return true;
}

/* The access types (bits R W X, as 1 << ACC_*) an entry grants to @priv. */
static int rule_prot(const RISCVPMPRule *r, int priv)
{
    if (priv == PRV_M && !(r->cfg & PMP_L)) {
        return PMP_RWX;
    }
    return r->cfg & PMP_RWX;
}

bool riscv__pmp_check(RISCVCPU *cpu, hwaddr pa, int size, RISCVAccess acc, int priv)
{
    uint64_t end = pa + (uint64_t)size;
    for (int i = 0; i < cpu->pmp_nrules; i++) {
        const RISCVPMPRule *r = &cpu->pmp_rules[i];
        if (pa >= r->hi || end <= r->lo) {
            continue;
        }
        if (pa < r->lo || end > r->hi) {
            return false; /* matches some bytes but not all: fails whatever L, R, W, X say */
        }
        return (rule_prot(r, priv) >> acc) & 1;
    }
    return priv == PRV_M; /* no match: M succeeds, S and U fail (entries are implemented) */
}

/* true if a range boundary of @r splits an aligned 8-byte access inside [lo, hi). */
static bool splits_dword(const RISCVPMPRule *r, uint64_t lo, uint64_t hi)
{
    return ((r->lo & 7) && r->lo > lo && r->lo < hi) || ((r->hi & 7) && r->hi > lo && r->hi < hi);
}

int riscv__pmp_page_prot(RISCVCPU *cpu, hwaddr page, int priv)
{
    uint64_t end = page + PAGE_SIZE;
    bool m_partial = false; /* an M-mode page split by unlocked entries only */
    if (priv == PRV_M && !cpu->pmp_locked) {
        /* Unlocked entries all grant M everything: only partial matches can fail. */
        for (int i = 0; i < cpu->pmp_nrules; i++) {
            if (splits_dword(&cpu->pmp_rules[i], page, end)) {
                return 0;
            }
        }
        return PMP_RWX;
    }
    for (int i = 0; i < cpu->pmp_nrules; i++) {
        const RISCVPMPRule *r = &cpu->pmp_rules[i];
        if (page >= r->hi || end <= r->lo) {
            continue;
        }
        if (page >= r->lo && end <= r->hi) {
            int p = rule_prot(r, priv);
            return m_partial && p != PMP_RWX ? 0 : p;
        }
        if (priv == PRV_M && !(r->cfg & PMP_L) && !splits_dword(r, page, end)) {
            m_partial = true; /* the accesses it matches succeed; the others look further */
            continue;
        }
        return 0; /* several outcomes in the page: check every access */
    }
    return priv == PRV_M ? PMP_RWX : 0;
}
