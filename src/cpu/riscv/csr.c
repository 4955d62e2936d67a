/*
 * csr.c - Zicsr: the CSR file (machine, supervisor, counters, FP, PMP).
 */
#include "cpu/riscv/internal.h"
#include "util/atomic.h"

enum {
    CSR_FFLAGS = 0x001,
    CSR_FRM = 0x002,
    CSR_FCSR = 0x003,
    CSR_SSTATUS = 0x100,
    CSR_SIE = 0x104,
    CSR_STVEC = 0x105,
    CSR_SCOUNTEREN = 0x106,
    CSR_SENVCFG = 0x10a,
    CSR_SSCRATCH = 0x140,
    CSR_SEPC = 0x141,
    CSR_SCAUSE = 0x142,
    CSR_STVAL = 0x143,
    CSR_SIP = 0x144,
    CSR_STIMECMP = 0x14d,
    CSR_SATP = 0x180,
    CSR_MSTATUS = 0x300,
    CSR_MISA = 0x301,
    CSR_MEDELEG = 0x302,
    CSR_MIDELEG = 0x303,
    CSR_MIE = 0x304,
    CSR_MTVEC = 0x305,
    CSR_MCOUNTEREN = 0x306,
    CSR_MENVCFG = 0x30a,
    CSR_MCOUNTINHIBIT = 0x320,
    CSR_MHPMEVENT3 = 0x323,
    CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340,
    CSR_MEPC = 0x341,
    CSR_MCAUSE = 0x342,
    CSR_MTVAL = 0x343,
    CSR_MIP = 0x344,
    CSR_PMPCFG0 = 0x3a0,
    CSR_PMPCFG15 = 0x3af,
    CSR_PMPADDR0 = 0x3b0,
    CSR_PMPADDR63 = 0x3ef,
    CSR_MSECCFG = 0x747,
    CSR_MCYCLE = 0xb00,
    CSR_MINSTRET = 0xb02,
    CSR_MHPMCOUNTER3 = 0xb03,
    CSR_MHPMCOUNTER31 = 0xb1f,
    CSR_CYCLE = 0xc00,
    CSR_TIME = 0xc01,
    CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03,
    CSR_HPMCOUNTER31 = 0xc1f,
    CSR_MVENDORID = 0xf11,
    CSR_MARCHID = 0xf12,
    CSR_MIMPID = 0xf13,
    CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15,
};

#define MSTATUS_WMASK                                                                      \
    (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP | \
     MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW |    \
     MSTATUS_TSR)
#define SSTATUS_WMASK \
    (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR)
#define MEDELEG_WMASK 0xb3ffULL /* everything but ecall from M and the reserved causes */

static uint64_t read_mip(RISCVCPU *cpu)
{
    if (riscv__stce(cpu)) {
        riscv__timer_sync_stip(cpu);
    }
    return qatomic_read(&cpu->mip) | (cpu->mip_seip_sw ? MIP_SEIP : 0);
}

static uint64_t get_time(RISCVCPU *cpu)
{
    return cpu->get_time ? cpu->get_time(cpu->time_opaque) : cpu->insn_count;
}

static bool csr_read(RISCVCPU *cpu, int csr, uint64_t *val)
{
    uint64_t v;
    switch (csr) {
    case CSR_FFLAGS: v = cpu->fp.fflags & 0x1f; break;
    case CSR_FRM: v = cpu->fp.frm & 7; break;
    case CSR_FCSR: v = (cpu->fp.fflags & 0x1f) | ((uint64_t)(cpu->fp.frm & 7) << 5); break;
    case CSR_SSTATUS: v = cpu->mstatus & SSTATUS_MASK; break;
    case CSR_SIE: v = cpu->mie & cpu->mideleg; break;
    case CSR_STVEC: v = cpu->stvec; break;
    case CSR_SCOUNTEREN: v = cpu->scounteren; break;
    case CSR_SENVCFG: v = cpu->senvcfg; break;
    case CSR_SSCRATCH: v = cpu->sscratch; break;
    case CSR_SEPC: v = cpu->sepc; break;
    case CSR_SCAUSE: v = cpu->scause; break;
    case CSR_STVAL: v = cpu->stval; break;
    case CSR_SIP: v = read_mip(cpu) & cpu->mideleg; break;
    case CSR_SATP: v = cpu->satp; break;
    case CSR_STIMECMP:
        if (!cpu->stimer) {
            return false;
        }
        v = cpu->stimecmp;
        break;
    case CSR_MSTATUS: v = cpu->mstatus; break;
    case CSR_MISA: v = cpu->misa; break;
    case CSR_MEDELEG: v = cpu->medeleg; break;
    case CSR_MIDELEG: v = cpu->mideleg; break;
    case CSR_MIE: v = cpu->mie; break;
    case CSR_MTVEC: v = cpu->mtvec; break;
    case CSR_MCOUNTEREN: v = cpu->mcounteren; break;
    case CSR_MENVCFG: v = cpu->menvcfg; break;
    case CSR_MCOUNTINHIBIT: v = cpu->mcountinhibit; break;
    case CSR_MSCRATCH: v = cpu->mscratch; break;
    case CSR_MEPC: v = cpu->mepc; break;
    case CSR_MCAUSE: v = cpu->mcause; break;
    case CSR_MTVAL: v = cpu->mtval; break;
    case CSR_MIP: v = read_mip(cpu); break;
    case CSR_MSECCFG: v = cpu->mseccfg; break;
    case CSR_MCYCLE:
    case CSR_CYCLE: v = cpu->insn_count + (uint64_t)cpu->cycle_offset; break;
    case CSR_MINSTRET:
    case CSR_INSTRET: v = cpu->insn_count + (uint64_t)cpu->instret_offset; break;
    case CSR_TIME: v = get_time(cpu); break;
    case CSR_MVENDORID:
    case CSR_MARCHID:
    case CSR_MIMPID:
    case CSR_MCONFIGPTR: v = 0; break;
    case CSR_MHARTID: v = (uint64_t)cpu->hartid; break;
    default:
        if ((csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31) ||
            (csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) ||
            (csr >= CSR_HPMCOUNTER3 && csr <= CSR_HPMCOUNTER31)) {
            v = 0;
        } else if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
            if (csr & 1) {
                return false; /* RV64 has only the even pmpcfg registers */
            }
            v = cpu->pmpcfg[csr - CSR_PMPCFG0];
        } else if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
            v = cpu->pmpaddr[csr - CSR_PMPADDR0];
        } else {
            return false;
        }
    }
    *val = v;
    return true;
}

static void write_mstatus(RISCVCPU *cpu, uint64_t val, uint64_t mask)
{
    uint64_t old = cpu->mstatus;
    if ((mask & MSTATUS_MPP) && ((val >> MSTATUS_MPP_SHIFT) & 3) == 2) {
        val = (val & ~MSTATUS_MPP) | (old & MSTATUS_MPP); /* reserved: keep the old mode */
    }
    uint64_t s = (old & ~mask) | (val & mask);
    s &= ~MSTATUS_SD;
    if ((s & MSTATUS_FS) == MSTATUS_FS_DIRTY) {
        s |= MSTATUS_SD;
    }
    cpu->mstatus = s;
    if ((old ^ s) & MSTATUS_MXR) {
        riscv__tlb_flush(cpu);
    }
    riscv__update_mmu_idx(cpu);
}

static bool csr_write(RISCVCPU *cpu, int csr, uint64_t v)
{
    switch (csr) {
    case CSR_FFLAGS:
        cpu->fp.fflags = v & 0x1f;
        riscv__fs_dirty(cpu);
        break;
    case CSR_FRM:
        cpu->fp.frm = v & 7;
        riscv__fs_dirty(cpu);
        break;
    case CSR_FCSR:
        cpu->fp.fflags = v & 0x1f;
        cpu->fp.frm = (v >> 5) & 7;
        riscv__fs_dirty(cpu);
        break;
    case CSR_SSTATUS: write_mstatus(cpu, v, SSTATUS_WMASK); break;
    case CSR_SIE: {
        uint64_t m = cpu->mideleg & S_INTS;
        qatomic_set(&cpu->mie, (cpu->mie & ~m) | (v & m));
        break;
    }
    case CSR_STVEC: cpu->stvec = (v & 3) >= 2 ? v & ~3ULL : v; break;
    case CSR_SCOUNTEREN: cpu->scounteren = v & 0xffffffffULL; break;
    case CSR_SENVCFG: cpu->senvcfg = v & 1; break;
    case CSR_SSCRATCH: cpu->sscratch = v; break;
    case CSR_SEPC: cpu->sepc = v & ~1ULL; break;
    case CSR_SCAUSE: cpu->scause = v; break;
    case CSR_STVAL: cpu->stval = v; break;
    case CSR_SIP:
        if (cpu->mideleg & MIP_SSIP) {
            if (v & MIP_SSIP) {
                qatomic_fetch_or(&cpu->mip, MIP_SSIP);
            } else {
                qatomic_fetch_and(&cpu->mip, ~MIP_SSIP);
            }
        }
        break;
    case CSR_STIMECMP:
        if (!cpu->stimer) {
            return false;
        }
        riscv__timer_write_timecmp(cpu, v);
        break;
    case CSR_SATP: {
        uint64_t mode = v >> 60;
        if (mode != 0 && mode != 8 && mode != 9) {
            break; /* unsupported mode: the whole write is ignored */
        }
        cpu->satp = v & ((0xfULL << 60) | (0xffffULL << 44) | ((1ULL << 44) - 1));
        riscv__tlb_flush(cpu);
        break;
    }
    case CSR_MSTATUS: write_mstatus(cpu, v, MSTATUS_WMASK); break;
    case CSR_MISA: break; /* WARL, fixed */
    case CSR_MEDELEG: cpu->medeleg = v & MEDELEG_WMASK; break;
    case CSR_MIDELEG: cpu->mideleg = v & S_INTS; break;
    case CSR_MIE: qatomic_set(&cpu->mie, v & (S_INTS | M_INTS)); break;
    case CSR_MTVEC: cpu->mtvec = (v & 3) >= 2 ? v & ~3ULL : v; break;
    case CSR_MCOUNTEREN: cpu->mcounteren = v & 0xffffffffULL; break;
    case CSR_MENVCFG: riscv__write_menvcfg(cpu, v); break;
    case CSR_MCOUNTINHIBIT: cpu->mcountinhibit = v & 0xfffffffdULL; break;
    case CSR_MSCRATCH: cpu->mscratch = v; break;
    case CSR_MEPC: cpu->mepc = v & ~1ULL; break;
    case CSR_MCAUSE: cpu->mcause = v; break;
    case CSR_MTVAL: cpu->mtval = v; break;
    case CSR_MIP: {
        /* With Sstc enabled, STIP is stimecmp's comparator: read-only here. */
        uint64_t m = riscv__stce(cpu) ? MIP_SSIP : MIP_SSIP | MIP_STIP;
        qatomic_fetch_or(&cpu->mip, v & m);
        qatomic_fetch_and(&cpu->mip, v | ~m);
        qatomic_set(&cpu->mip_seip_sw, (v & MIP_SEIP) ? 1 : 0);
        break;
    }
    case CSR_MSECCFG: cpu->mseccfg = v & 7; break;
    case CSR_MCYCLE: cpu->cycle_offset = (int64_t)(v - cpu->insn_count); break;
    case CSR_MINSTRET: cpu->instret_offset = (int64_t)(v - cpu->insn_count); break;
    default:
        if ((csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31) ||
            (csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31)) {
            break; /* no hardware performance counters: read-only zero, as the spec allows */
        }
        if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15 && !(csr & 1)) {
            return riscv__pmp_write_cfg(cpu, csr - CSR_PMPCFG0, v);
        }
        if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
            return riscv__pmp_write_addr(cpu, csr - CSR_PMPADDR0, v);
        }
        return false;
    }
    return true;
}

/* Privilege, read-only, TVM, FS and counter-enable checks. */
static bool csr_allowed(RISCVCPU *cpu, int csr, bool write)
{
    if (((csr >> 8) & 3) > cpu->priv) {
        return false;
    }
    if (write && (csr >> 10) == 3) {
        return false;
    }
    if (csr >= CSR_FFLAGS && csr <= CSR_FCSR && !riscv__fs_on(cpu)) {
        return false;
    }
    if (csr == CSR_SATP && cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TVM)) {
        return false;
    }
    if (csr == CSR_STIMECMP && cpu->priv < PRV_M &&
        (!(cpu->mcounteren & COUNTEREN_TM) || !riscv__stce(cpu))) {
        return false; /* Sstc: below M, needs both mcounteren.TM and menvcfg.STCE */
    }
    if (csr >= CSR_CYCLE && csr <= CSR_HPMCOUNTER31 && cpu->priv < PRV_M) {
        uint64_t bit = 1ULL << (csr - CSR_CYCLE);
        if (!(cpu->mcounteren & bit)) {
            return false;
        }
        if (cpu->priv == PRV_U && !(cpu->scounteren & bit)) {
            return false;
        }
    }
    return true;
}

int riscv__exec_csr(RISCVCPU *cpu, uint32_t insn)
{
    int f3 = insn_funct3(insn), rd = insn_rd(insn), rs1 = insn_rs1(insn);
    int csr = (int)(insn >> 20);
    uint64_t src = (f3 & 4) ? (uint64_t)rs1 : cpu->x[rs1];
    bool write = (f3 & 3) == 1 || rs1 != 0;
    uint64_t old, nv;

    if ((f3 & 3) == 0 || !csr_allowed(cpu, csr, write) || !csr_read(cpu, csr, &old)) {
        goto illegal;
    }
    if (write) {
        /* CSRRS/CSRRC on mip modify the software SEIP bit only: the device
         * level that reads OR into it must not be latched (priv spec 3.1.9). */
        uint64_t base = old;
        if (csr == CSR_MIP) {
            base = (old & ~MIP_SEIP) | (cpu->mip_seip_sw ? MIP_SEIP : 0);
        }
        switch (f3 & 3) {
        case 1: nv = src; break;
        case 2: nv = base | src; break;
        default: nv = base & ~src; break;
        }
        if (csr == CSR_MIP && (f3 & 3) != 1) {
            /* Only the software-writable SEIP takes part in csrrs/csrrc (privileged spec, mip):
             * OpenSBI's `csrs mip, STIP` must not latch the PLIC's level as a software bit. */
            uint64_t sw = cpu->mip_seip_sw ? MIP_SEIP : 0;
            uint64_t seip = (f3 & 3) == 2 ? (sw | (src & MIP_SEIP)) : (sw & ~src);
            nv = (nv & ~MIP_SEIP) | seip;
        }
        if (!csr_write(cpu, csr, nv)) {
            goto illegal;
        }
    }
    if (rd) {
        cpu->x[rd] = old;
    }
    return RISCV_OK;
illegal:
    return RISCV_ILLEGAL;
}

bool riscv_cpu_read_csr(RISCVCPU *cpu, int csr, uint64_t *val)
{
    return csr_read(cpu, csr & 0xfff, val);
}

bool riscv_cpu_write_csr(RISCVCPU *cpu, int csr, uint64_t val)
{
    return csr_write(cpu, csr & 0xfff, val);
}
