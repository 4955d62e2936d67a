/*
 * trap.c - exception and interrupt entry, MRET/SRET, privilege changes.
 */
#include <stdarg.h>

#include "cpu/riscv/internal.h"
#include "util/atomic.h"

void riscv__log(RISCVCPU *cpu, const char *fmt, ...)
{
    va_list ap;
    FILE *f = cpu->log_file ? cpu->log_file : stderr;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}

void riscv__update_mmu_idx(RISCVCPU *cpu)
{
    int old_data = cpu->data_mmu_idx, old_fetch = cpu->fetch_mmu_idx;
    int eff = cpu->priv;
    if (eff == PRV_M && (cpu->mstatus & MSTATUS_MPRV)) {
        eff = (cpu->mstatus >> MSTATUS_MPP_SHIFT) & 3;
    }
    int d = eff == PRV_M ? MMU_M : eff == PRV_U ? MMU_U : MMU_S;
    if (d == MMU_S && (cpu->mstatus & MSTATUS_SUM)) {
        d = MMU_S_SUM;
    }
    cpu->data_mmu_idx = d;
    cpu->fetch_mmu_idx = cpu->priv == PRV_M ? MMU_M : cpu->priv == PRV_U ? MMU_U : MMU_S;
    if (cpu->fetch_mmu_idx != old_fetch || d != old_data) {
        cpu->fetch_va = TLB_INVALID;
    }
}

void riscv__set_priv(RISCVCPU *cpu, int priv)
{
    cpu->priv = priv;
    cpu->load_res = ~0ULL;
    riscv__update_mmu_idx(cpu);
    cpu->fetch_va = TLB_INVALID;
}

static const char *const exc_names[16] = {
    "insn_misaligned",
    "insn_access",
    "illegal",
    "breakpoint",
    "load_misaligned",
    "load_access",
    "store_misaligned",
    "store_access",
    "ecall_u",
    "ecall_s",
    "?10",
    "ecall_m",
    "insn_page",
    "load_page",
    "?14",
    "store_page",
};

static void do_trap(RISCVCPU *cpu, uint64_t cause, bool irq, uint64_t tval)
{
    uint64_t deleg = irq ? cpu->mideleg : cpu->medeleg;
    bool to_s = cpu->priv <= PRV_S && cause < 64 && ((deleg >> cause) & 1);
    uint64_t mcause = cause | (irq ? 1ULL << 63 : 0);

    if (cpu->log_flags & RISCV_LOG_INT) {
        riscv__log(cpu,
                   "riscv: hart %d %s in priv %d cause %llu (%s) epc 0x%llx tval 0x%llx to %s\n",
                   cpu->hartid, irq ? "interrupt" : "exception", cpu->priv,
                   (unsigned long long)cause, irq ? "irq" : exc_names[cause & 15],
                   (unsigned long long)cpu->pc, (unsigned long long)tval, to_s ? "S" : "M");
    }
    if (to_s) {
        cpu->scause = mcause;
        cpu->sepc = cpu->pc;
        cpu->stval = tval;
        uint64_t s = cpu->mstatus;
        s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        s = (s & ~MSTATUS_SPP) | (cpu->priv == PRV_S ? MSTATUS_SPP : 0);
        s &= ~MSTATUS_SIE;
        cpu->mstatus = s;
        uint64_t base = cpu->stvec & ~3ULL;
        cpu->pc = (irq && (cpu->stvec & 3) == 1) ? base + 4 * cause : base;
        riscv__set_priv(cpu, PRV_S);
    } else {
        cpu->mcause = mcause;
        cpu->mepc = cpu->pc;
        cpu->mtval = tval;
        uint64_t s = cpu->mstatus;
        s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        s = (s & ~MSTATUS_MPP) | ((uint64_t)cpu->priv << MSTATUS_MPP_SHIFT);
        s &= ~MSTATUS_MIE;
        cpu->mstatus = s;
        uint64_t base = cpu->mtvec & ~3ULL;
        cpu->pc = (irq && (cpu->mtvec & 3) == 1) ? base + 4 * cause : base;
        riscv__set_priv(cpu, PRV_M);
    }
}

void riscv__raise_exception(RISCVCPU *cpu, int cause, uint64_t tval)
{
    do_trap(cpu, (uint64_t)cause, false, tval);
}

uint64_t riscv__pending_interrupts(RISCVCPU *cpu)
{
    uint64_t mip = qatomic_read(&cpu->mip) | (cpu->mip_seip_sw ? MIP_SEIP : 0);
    return mip & cpu->mie;
}

bool riscv__check_interrupts(RISCVCPU *cpu)
{
    uint64_t pending = riscv__pending_interrupts(cpu);
    if (!pending) {
        return false;
    }
    uint64_t m_en = 0, s_en = 0;
    if (cpu->priv < PRV_M || (cpu->mstatus & MSTATUS_MIE)) {
        m_en = pending & ~cpu->mideleg;
    }
    if (cpu->priv < PRV_S || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_SIE))) {
        s_en = pending & cpu->mideleg;
    }
    uint64_t en = m_en ? m_en : s_en;
    if (!en) {
        return false;
    }
    /* Priority order of the privileged spec: MEI, MSI, MTI, SEI, SSI, STI. */
    static const int order[] = {11, 3, 7, 9, 1, 5};
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (en & (1ULL << order[i])) {
            do_trap(cpu, (uint64_t)order[i], true, 0);
            return true;
        }
    }
    /* Some other (custom) bit: lowest first. */
    do_trap(cpu, (uint64_t)__builtin_ctzll(en), true, 0);
    return true;
}

bool riscv__mret(RISCVCPU *cpu)
{
    if (cpu->priv != PRV_M) {
        return false;
    }
    uint64_t s = cpu->mstatus;
    int mpp = (s >> MSTATUS_MPP_SHIFT) & 3;
    s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    s |= MSTATUS_MPIE;
    s &= ~MSTATUS_MPP; /* MPP = U */
    if (mpp != PRV_M) {
        s &= ~MSTATUS_MPRV;
    }
    cpu->mstatus = s;
    cpu->pc = cpu->mepc;
    riscv__set_priv(cpu, mpp);
    return true;
}

bool riscv__sret(RISCVCPU *cpu)
{
    if (cpu->priv < PRV_S || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TSR))) {
        return false;
    }
    uint64_t s = cpu->mstatus;
    int spp = (s & MSTATUS_SPP) ? PRV_S : PRV_U;
    s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    s |= MSTATUS_SPIE;
    s &= ~MSTATUS_SPP;
    s &= ~MSTATUS_MPRV;
    cpu->mstatus = s;
    cpu->pc = cpu->sepc;
    riscv__set_priv(cpu, spp);
    return true;
}
