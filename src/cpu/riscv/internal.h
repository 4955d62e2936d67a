/*
 * internal.h - RISCVCPU state and the helpers shared by the interpreter's
 * files (decode accessors, the software TLB fast path, trap entry points).
 * Everything here runs in the vCPU thread that owns the hart unless noted.
 */
#ifndef MINIMU_CPU_RISCV_INTERNAL_H
#define MINIMU_CPU_RISCV_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "cpu/riscv/cpu.h"
#include "cpu/riscv/decode.h"
#include "cpu/riscv/fpu.h"
#include "platform.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

enum { PRV_U = 0, PRV_S = 1, PRV_M = 3 };

/* Exception causes. */
enum {
    EXC_INSN_MISALIGNED = 0,
    EXC_INSN_ACCESS = 1,
    EXC_ILLEGAL = 2,
    EXC_BREAKPOINT = 3,
    EXC_LOAD_MISALIGNED = 4,
    EXC_LOAD_ACCESS = 5,
    EXC_STORE_MISALIGNED = 6,
    EXC_STORE_ACCESS = 7,
    EXC_ECALL_U = 8,
    EXC_ECALL_S = 9,
    EXC_ECALL_M = 11,
    EXC_INSN_PAGE = 12,
    EXC_LOAD_PAGE = 13,
    EXC_STORE_PAGE = 15,
};

/* mstatus bits. */
#define MSTATUS_SIE       (1ULL << 1)
#define MSTATUS_MIE       (1ULL << 3)
#define MSTATUS_SPIE      (1ULL << 5)
#define MSTATUS_UBE       (1ULL << 6)
#define MSTATUS_MPIE      (1ULL << 7)
#define MSTATUS_SPP       (1ULL << 8)
#define MSTATUS_VS        (3ULL << 9)
#define MSTATUS_MPP       (3ULL << 11)
#define MSTATUS_FS        (3ULL << 13)
#define MSTATUS_XS        (3ULL << 15)
#define MSTATUS_MPRV      (1ULL << 17)
#define MSTATUS_SUM       (1ULL << 18)
#define MSTATUS_MXR       (1ULL << 19)
#define MSTATUS_TVM       (1ULL << 20)
#define MSTATUS_TW        (1ULL << 21)
#define MSTATUS_TSR       (1ULL << 22)
#define MSTATUS_UXL       (3ULL << 32)
#define MSTATUS_SXL       (3ULL << 34)
#define MSTATUS_SD        (1ULL << 63)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_FS_DIRTY  (3ULL << 13)

#define SSTATUS_MASK                                                                    \
    (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_VS | MSTATUS_FS | \
     MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD)

/* menvcfg bits. */
#define MENVCFG_FIOM (1ULL << 0)
#define MENVCFG_STCE (1ULL << 63) /* Sstc: stimecmp drives STIP, S-mode may access stimecmp */

/* mcounteren / scounteren bits. */
#define COUNTEREN_TM (1ULL << 1)

#define S_INTS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define M_INTS (MIP_MSIP | MIP_MTIP | MIP_MEIP)

/* Software TLB: one table per MMU index, direct-mapped on the virtual page. */
#define TLB_BITS    10 /* 8 bits: ~7% more CPU booting Linux (tlb_fill) */
#define TLB_SIZE    (1 << TLB_BITS)
#define PAGE_BITS   12
#define PAGE_SIZE   (1ULL << PAGE_BITS)
#define PAGE_MASK   (~(PAGE_SIZE - 1))
#define TLB_INVALID (~0ULL)
enum { MMU_U = 0, MMU_S = 1, MMU_S_SUM = 2, MMU_M = 3, MMU_NB = 4 };

typedef struct RISCVTLBEntry {
    uint64_t tag_r;   /* virtual page if readable from RAM, else TLB_INVALID */
    uint64_t tag_w;   /* ...writable (D already set, RAM not ROM) */
    uint64_t tag_x;   /* ...executable */
    uintptr_t addend; /* host = vaddr + addend */
} RISCVTLBEntry;

typedef enum { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 } RISCVAccess;

/* PMP (pmp.c): the implemented entries, and one decoded active entry. */
#define PMP_ENTRIES 16
typedef struct RISCVPMPRule {
    uint64_t lo, hi; /* physical range [lo, hi) */
    uint8_t cfg;     /* its pmpcfg byte */
} RISCVPMPRule;

struct RISCVCPU {
    uint64_t x[33]; /* x[32] is where decoded ops write x0: no re-zeroing needed */
    uint64_t pc;
    RISCVFPState fp;
    int priv;
    int data_mmu_idx; /* MMU index for loads/stores (MPRV, SUM applied) */
    int fetch_mmu_idx;

    /* Fetch fast path: the host address of the current code page. */
    uint64_t fetch_va;
    uint8_t *fetch_host;

    RISCVTLBEntry tlb[MMU_NB][TLB_SIZE];
    RISCVBlockCache blocks; /* translated blocks, see decode.h */

    uint64_t mstatus, misa, medeleg, mideleg, mie;
    uint64_t mip; /* atomic: device bits and software bits, except sw SEIP */
    uint64_t mip_seip_sw;
    uint64_t mtvec, mepc, mcause, mtval, mscratch;
    uint64_t stvec, sepc, scause, stval, sscratch, satp;
    uint64_t mcounteren, scounteren, mcountinhibit, menvcfg, senvcfg, mseccfg;
    uint64_t pmpcfg[16];
    uint64_t pmpaddr[64];
    int64_t cycle_offset, instret_offset;

    /*
     * Sstc (time.c).  stimer is NULL when the hart does not offer it.  menvcfg,
     * stimecmp and the timer-driven STIP bit are changed under stimer_lock (a
     * leaf lock) by the vCPU thread and by the timer callback in the timer
     * context's home thread; the vCPU thread may read them without it.
     */
    QEMUTimer *stimer;
    QEMUClocks *clocks;
    QemuMutex stimer_lock;
    uint64_t stimecmp;
    uint64_t timebase_freq;
    void (*wake)(void *opaque);
    void *wake_opaque;

    uint64_t load_res; /* LR reservation address, or ~0 */
    uint64_t load_val;

    uint64_t insn_count;
    int exit_request; /* atomic: kick or interrupt change, look at the top of the loop */
    int kicked;       /* atomic */

    AddressSpace *as;
    uint64_t (*get_time)(void *opaque);
    void *time_opaque;
    int hartid;
    unsigned log_flags;
    FILE *log_file;
    char isa_string[64];

    /* Derived from pmpcfg/pmpaddr by riscv__pmp_update: active entries by priority.  Last,
     * so that the hot fields keep their offsets. */
    RISCVPMPRule pmp_rules[PMP_ENTRIES];
    int pmp_nrules;
    bool pmp_locked; /* some entry has L set (so PMP may restrict M-mode) */
};

/* ---- decode accessors ------------------------------------------------------------------- */
static inline int insn_rd(uint32_t i)
{
    return (i >> 7) & 31;
}
static inline int insn_rs1(uint32_t i)
{
    return (i >> 15) & 31;
}
static inline int insn_rs2(uint32_t i)
{
    return (i >> 20) & 31;
}
static inline int insn_rs3(uint32_t i)
{
    return i >> 27;
}
static inline int insn_funct3(uint32_t i)
{
    return (i >> 12) & 7;
}
static inline int insn_funct7(uint32_t i)
{
    return i >> 25;
}
static inline int64_t imm_i(uint32_t i)
{
    return (int64_t)(int32_t)i >> 20;
}
static inline int64_t imm_s(uint32_t i)
{
    return ((int64_t)(int32_t)(i & 0xfe000000) >> 20) | ((i >> 7) & 31);
}
static inline int64_t imm_b(uint32_t i)
{
    return ((int64_t)(int32_t)(i & 0x80000000) >> 19) | ((i & 0x80) << 4) | ((i >> 20) & 0x7e0) |
           ((i >> 7) & 0x1e);
}
static inline int64_t imm_u(uint32_t i)
{
    return (int64_t)(int32_t)(i & 0xfffff000);
}
static inline int64_t imm_j(uint32_t i)
{
    return ((int64_t)(int32_t)(i & 0x80000000) >> 11) | (i & 0xff000) | ((i >> 9) & 0x800) |
           ((i >> 20) & 0x7fe);
}

/* Results of the out-of-line instruction helpers. */
enum {
    RISCV_OK = 0,      /* done; pc is still the instruction's (caller advances it) */
    RISCV_EXC = 1,     /* an exception was raised; pc is the trap handler */
    RISCV_ILLEGAL = 2, /* illegal instruction, not raised yet (the caller knows the raw bits) */
};

/* ---- trap.c --------------------------------------------------------------------------- */
/* Enter the trap handler for exception @cause at cpu->pc (the faulting instruction). */
void riscv__raise_exception(RISCVCPU *cpu, int cause, uint64_t tval);
/* Take the highest-priority pending-and-enabled interrupt, if any; true if taken. */
bool riscv__check_interrupts(RISCVCPU *cpu);
uint64_t riscv__pending_interrupts(RISCVCPU *cpu);
/* MRET / SRET; false (and nothing done) if illegal in the current state. */
bool riscv__mret(RISCVCPU *cpu);
bool riscv__sret(RISCVCPU *cpu);
void riscv__set_priv(RISCVCPU *cpu, int priv);
/* Recompute the MMU indexes after a change of priv or mstatus. */
void riscv__update_mmu_idx(RISCVCPU *cpu);
void riscv__log(RISCVCPU *cpu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- csr.c ---------------------------------------------------------------------------- */
/* Execute a Zicsr instruction (SYSTEM opcode, funct3 != 0).  RISCV_OK or RISCV_ILLEGAL. */
int riscv__exec_csr(RISCVCPU *cpu, uint32_t insn);
/* true if mstatus.FS allows FP instructions; mark dirty with riscv__fs_dirty. */
static inline bool riscv__fs_on(RISCVCPU *cpu)
{
    return (cpu->mstatus & MSTATUS_FS) != 0;
}
static inline void riscv__fs_dirty(RISCVCPU *cpu)
{
    cpu->mstatus |= MSTATUS_FS_DIRTY | MSTATUS_SD;
}

/* ---- time.c (Sstc) ------------------------------------------------------------------- */
/* Create the stimer if @cfg offers Sstc (false on OOM); riscv__timer_free undoes it. */
bool riscv__timer_init(RISCVCPU *cpu, const RISCVCPUConfig *cfg);
void riscv__timer_free(RISCVCPU *cpu);
/* Reset values: menvcfg = 0 (STCE off), stimecmp = UINT64_MAX, timer disarmed. */
void riscv__timer_reset(RISCVCPU *cpu);
/* Write menvcfg; an STCE change re-evaluates STIP and the timer. */
void riscv__write_menvcfg(RISCVCPU *cpu, uint64_t val);
/* Write stimecmp (QEMU's riscv_timer_write_timecmp): STIP and the timer follow. */
void riscv__timer_write_timecmp(RISCVCPU *cpu, uint64_t val);
/* With STCE set, bring STIP up to date with `time` before a read of mip/sip. */
void riscv__timer_sync_stip(RISCVCPU *cpu);
static inline bool riscv__stce(RISCVCPU *cpu)
{
    return (cpu->menvcfg & MENVCFG_STCE) != 0;
}

/* ---- pmp.c ---------------------------------------------------------------------------- */
/* Re-decode pmpcfg/pmpaddr after a change (or reset) and flush the TLB. */
void riscv__pmp_update(RISCVCPU *cpu);
/* CSR writes: pmpcfg<@reg> (even @reg) and pmpaddr<@i>; lock rules and WARL applied. */
bool riscv__pmp_write_cfg(RISCVCPU *cpu, int reg, uint64_t v);
bool riscv__pmp_write_addr(RISCVCPU *cpu, int i, uint64_t v);
/* true if PMP lets @priv do @acc on the @size bytes at physical @pa. */
bool riscv__pmp_check(RISCVCPU *cpu, hwaddr pa, int size, RISCVAccess acc, int priv);
/*
 * The access types (1 << ACC_*) that every aligned access of up to 8 bytes in
 * the 4 KiB page at @page may do in @priv with one and the same outcome; the
 * TLB may cache only these (0 when the page is split by entries).
 */
int riscv__pmp_page_prot(RISCVCPU *cpu, hwaddr page, int priv);

/* ---- mmu.c ---------------------------------------------------------------------------- */
void riscv__tlb_flush(RISCVCPU *cpu);
/*
 * Translate @va for @acc in @mmu_idx.  Returns 0 and the physical address, or
 * the exception cause to raise (page fault or access fault).  Sets A/D bits.
 * *prot gets the access types (1 << ACC_*) allowed for the TLB entry.
 */
int riscv__translate(RISCVCPU *cpu, uint64_t va, RISCVAccess acc, int mmu_idx, hwaddr *pa,
                     int *prot);
/* Slow paths: misaligned, MMIO, TLB misses.  false after raising the fault. */
bool riscv__ld_slow(RISCVCPU *cpu, uint64_t va, int size, uint64_t *val);
bool riscv__st_slow(RISCVCPU *cpu, uint64_t va, int size, uint64_t val);
/* Fetch the instruction at cpu->pc (16 or 32 bits); false after raising the fault. */
bool riscv__fetch_slow(RISCVCPU *cpu, uint32_t *insn);
/*
 * Host pointer for an aligned atomic access of @size at @va, with write
 * permission; NULL after raising the fault (misaligned or not RAM is an
 * access fault / misaligned fault as the spec says for AMOs).
 */
void *riscv__amo_ptr(RISCVCPU *cpu, uint64_t va, int size, bool for_load);

static inline RISCVTLBEntry *riscv__tlb_entry(RISCVCPU *cpu, int idx, uint64_t va)
{
    return &cpu->tlb[idx][(va >> PAGE_BITS) & (TLB_SIZE - 1)];
}

/* Load @size bytes zero-extended (sign extension is the caller's). */
static inline bool riscv__ld(RISCVCPU *cpu, uint64_t va, int size, uint64_t *val)
{
    RISCVTLBEntry *e = riscv__tlb_entry(cpu, cpu->data_mmu_idx, va);
    if (likely(e->tag_r == (va & (PAGE_MASK | (uint64_t)(size - 1))))) {
        const uint8_t *p = (const uint8_t *)(uintptr_t)(va + e->addend);
        switch (size) {
        case 1: *val = *p; return true;
        case 2: {
            uint16_t v;
            memcpy(&v, p, 2);
            *val = v;
            return true;
        }
        case 4: {
            uint32_t v;
            memcpy(&v, p, 4);
            *val = v;
            return true;
        }
        default: {
            uint64_t v;
            memcpy(&v, p, 8);
            *val = v;
            return true;
        }
        }
    }
    return riscv__ld_slow(cpu, va, size, val);
}

static inline bool riscv__st(RISCVCPU *cpu, uint64_t va, int size, uint64_t val)
{
    RISCVTLBEntry *e = riscv__tlb_entry(cpu, cpu->data_mmu_idx, va);
    if (likely(e->tag_w == (va & (PAGE_MASK | (uint64_t)(size - 1))))) {
        uint8_t *p = (uint8_t *)(uintptr_t)(va + e->addend);
        switch (size) {
        case 1: *p = (uint8_t)val; return true;
        case 2: {
            uint16_t v = (uint16_t)val;
            memcpy(p, &v, 2);
            return true;
        }
        case 4: {
            uint32_t v = (uint32_t)val;
            memcpy(p, &v, 4);
            return true;
        }
        default: memcpy(p, &val, 8); return true;
        }
    }
    return riscv__st_slow(cpu, va, size, val);
}

/* ---- rvc.c ---------------------------------------------------------------------------- */
/* The 32-bit instruction a 16-bit RVC instruction stands for; 0 if illegal. */
uint32_t riscv__rvc_expand(uint16_t c);

/* ---- exec-amo.c / exec-fp.c ----------------------------------------------------------- */
/* A extension, FP loads/stores and FP compute: RISCV_OK / RISCV_EXC / RISCV_ILLEGAL. */
int riscv__exec_amo(RISCVCPU *cpu, uint32_t insn);
int riscv__exec_fp_load(RISCVCPU *cpu, uint32_t insn);
int riscv__exec_fp_store(RISCVCPU *cpu, uint32_t insn);
int riscv__exec_fp_op(RISCVCPU *cpu, uint32_t insn);
/* Zba/Zbb/Zbs and M on OP/OP-32/OP-IMM/OP-IMM-32; false if not a valid encoding. */
bool riscv__exec_op(RISCVCPU *cpu, uint32_t insn, uint64_t *res);

#endif
