/*
 * cpu.c - RISCVCPU life cycle, register access, cross-thread interrupt
 * signalling and debug dumps.  The interpreter loop is exec.c.
 */
#include <stdlib.h>

#include "cpu/riscv/internal.h"
#include "util/atomic.h"

#define MISA_EXT(c) (1ULL << ((c) - 'A'))

RISCVCPU *riscv_cpu_new(const RISCVCPUConfig *cfg)
{
    RISCVCPU *cpu = calloc(1, sizeof(*cpu));
    if (!cpu) {
        return NULL;
    }
    if (!riscv__block_cache_init(&cpu->blocks)) {
        free(cpu);
        return NULL;
    }
    cpu->as = cfg->as;
    cpu->hartid = cfg->hartid;
    cpu->get_time = cfg->get_time;
    cpu->time_opaque = cfg->time_opaque;
    if (!riscv__timer_init(cpu, cfg)) {
        riscv__block_cache_destroy(&cpu->blocks);
        free(cpu);
        return NULL;
    }
    /* Multi-letter extensions: Z* first, then S*, as the ISA naming rules order them. */
    snprintf(cpu->isa_string, sizeof(cpu->isa_string),
             "rv64imafdc_zicntr_zicsr_zifencei_zba_zbb_zbs%s", cpu->stimer ? "_sstc" : "");
    riscv_cpu_reset(cpu, 0);
    return cpu;
}

void riscv_cpu_free(RISCVCPU *cpu)
{
    if (!cpu) {
        return;
    }
    riscv__timer_free(cpu);
    riscv__block_cache_destroy(&cpu->blocks);
    free(cpu);
}

void riscv_cpu_reset(RISCVCPU *cpu, uint64_t pc)
{
    /* menvcfg (STCE) and stimecmp first, under the timer's lock: once STCE is 0 the
     * stimer callback leaves STIP alone, so the mip reset below sticks. */
    riscv__timer_reset(cpu);
    memset(cpu->x, 0, sizeof(cpu->x));
    memset(&cpu->fp, 0, sizeof(cpu->fp));
    cpu->pc = pc;
    cpu->misa = (2ULL << 62) | MISA_EXT('A') | MISA_EXT('C') | MISA_EXT('D') | MISA_EXT('F') |
                MISA_EXT('I') | MISA_EXT('M') | MISA_EXT('S') | MISA_EXT('U');
    cpu->mstatus = (2ULL << 32) | (2ULL << 34); /* UXL = SXL = 64 */
    cpu->medeleg = cpu->mideleg = cpu->mie = 0;
    qatomic_set(&cpu->mip, 0);
    cpu->mip_seip_sw = 0;
    cpu->mtvec = cpu->mepc = cpu->mcause = cpu->mtval = cpu->mscratch = 0;
    cpu->stvec = cpu->sepc = cpu->scause = cpu->stval = cpu->sscratch = cpu->satp = 0;
    cpu->mcounteren = cpu->scounteren = cpu->mcountinhibit = 0;
    cpu->senvcfg = cpu->mseccfg = 0;
    memset(cpu->pmpcfg, 0, sizeof(cpu->pmpcfg));
    memset(cpu->pmpaddr, 0, sizeof(cpu->pmpaddr));
    cpu->cycle_offset = cpu->instret_offset = 0;
    cpu->load_res = ~0ULL;
    cpu->data_mmu_idx = cpu->fetch_mmu_idx = -1;
    cpu->priv = PRV_M;
    riscv__pmp_update(cpu); /* flushes the TLB */
    riscv__update_mmu_idx(cpu);
}

uint64_t riscv_cpu_get_reg(RISCVCPU *cpu, int reg)
{
    return (reg > 0 && reg < 32) ? cpu->x[reg] : 0;
}

void riscv_cpu_set_reg(RISCVCPU *cpu, int reg, uint64_t v)
{
    if (reg > 0 && reg < 32) {
        cpu->x[reg] = v;
    }
}

uint64_t riscv_cpu_get_pc(RISCVCPU *cpu)
{
    return cpu->pc;
}

void riscv_cpu_set_pc(RISCVCPU *cpu, uint64_t pc)
{
    cpu->pc = pc & ~1ULL;
}

int riscv_cpu_get_priv(RISCVCPU *cpu)
{
    return cpu->priv;
}

void riscv_cpu_set_mip(RISCVCPU *cpu, uint64_t mask, bool level)
{
    if (level) {
        qatomic_fetch_or(&cpu->mip, mask);
    } else {
        qatomic_fetch_and(&cpu->mip, ~mask);
    }
    qatomic_mb_set(&cpu->exit_request, 1);
}

void riscv_cpu_kick(RISCVCPU *cpu)
{
    qatomic_mb_set(&cpu->kicked, 1);
    qatomic_mb_set(&cpu->exit_request, 1);
}

bool riscv_cpu_has_work(RISCVCPU *cpu)
{
    /* mie and the software SEIP bit belong to the vCPU thread; a stale read
     * only delays the wake-up until the next set_mip/kick. */
    uint64_t mip = qatomic_mb_read(&cpu->mip) | (qatomic_read(&cpu->mip_seip_sw) ? MIP_SEIP : 0);
    return (mip & qatomic_read(&cpu->mie)) != 0;
}

uint64_t riscv_cpu_insn_count(RISCVCPU *cpu)
{
    return qatomic_read(&cpu->insn_count);
}

const char *riscv_cpu_isa_string(RISCVCPU *cpu)
{
    return cpu->isa_string;
}

const char *riscv_cpu_mmu_type(RISCVCPU *cpu)
{
    return "sv48";
}

void riscv_cpu_set_log(RISCVCPU *cpu, unsigned flags, FILE *f)
{
    cpu->log_flags = flags;
    cpu->log_file = f;
}

void riscv_cpu_dump(RISCVCPU *cpu, FILE *f)
{
    static const char *const names[32] = {
        "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
        "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
        "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    };
    fprintf(f, "hart %d pc %016llx priv %c insns %llu\n", cpu->hartid, (unsigned long long)cpu->pc,
            "USHM"[cpu->priv & 3], (unsigned long long)cpu -> insn_count);
    for (int i = 0; i < 32; i++) {
        fprintf(f, "x%-2d/%-4s %016llx%s", i, names[i], (unsigned long long)cpu->x[i],
                (i % 4) == 3 ? "\n" : "  ");
    }
    fprintf(f, "mstatus %016llx mip %016llx mie %016llx mideleg %016llx medeleg %016llx\n",
            (unsigned long long)cpu->mstatus,
            (unsigned long long)(qatomic_read(&cpu->mip) | (cpu->mip_seip_sw ? MIP_SEIP : 0)),
            (unsigned long long)cpu->mie, (unsigned long long)cpu->mideleg,
            (unsigned long long)cpu->medeleg);
    fprintf(f, "mtvec %016llx mepc %016llx mcause %016llx mtval %016llx\n",
            (unsigned long long)cpu->mtvec, (unsigned long long)cpu->mepc,
            (unsigned long long)cpu->mcause, (unsigned long long)cpu->mtval);
    fprintf(f, "stvec %016llx sepc %016llx scause %016llx stval %016llx satp %016llx\n",
            (unsigned long long)cpu->stvec, (unsigned long long)cpu->sepc,
            (unsigned long long)cpu->scause, (unsigned long long)cpu->stval,
            (unsigned long long)cpu->satp);
    fprintf(f, "menvcfg %016llx stimecmp %016llx\n", (unsigned long long)cpu->menvcfg,
            (unsigned long long)cpu->stimecmp);
}
