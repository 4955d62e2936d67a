/*
 * test-riscv-fixture.h - the tiny machine of the interpreter's unit tests
 * (test-riscv-cpu.c, test-riscv-sstc.c): RAM at 0x80000000, a "finisher" MMIO
 * register at 0x100000 that ends the program, helpers that encode programs
 * into RAM, and an M-mode trap handler that copies mcause, mtval and mepc to
 * x28..x30 and finishes.  Include after <cmocka.h>.
 */
#ifndef MINIMU_TEST_RISCV_FIXTURE_H
#define MINIMU_TEST_RISCV_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "aio/aio.h"
#include "cpu/riscv/cpu.h"
#include "mem/memory.h"
#include "platform.h"
#include "test-riscv-asm.h"

#define RAM_BASE   0x80000000ULL
#define RAM_SIZE   (16 * 1024 * 1024)
#define FIN_BASE   0x100000ULL
#define HANDLER    (RAM_BASE + 0x800)
#define SHANDLER   (RAM_BASE + 0x900)
#define DATA       (RAM_BASE + 0x100000)
#define MSTATUS    0x300
#define MEDELEG    0x302
#define MIE        0x304
#define MTVEC      0x305
#define MSCRATCH   0x340
#define MEPC       0x341
#define STVEC      0x105
#define SATP       0x180
#define MIDELEG    0x303
#define MCOUNTEREN 0x306
#define SCOUNTEREN 0x106
#define MENVCFG    0x30a
#define MIP        0x344
#define STIMECMP   0x14d
#define STCE       (1ULL << 63)
#define STIP       (1ULL << 5)
#define CAUSE_IRQ  (1ULL << 63)

typedef struct T {
    AddressSpace as;
    MemoryRegion ram, fin;
    RISCVCPU *cpu;
    uint64_t pos; /* where emit() writes next */
    bool done;
    /* Sstc cases (setup_sstc): the stimer's context, and a `time` the test moves by hand. */
    QEMUClocks *clocks;
    AioContext *ctx;
    uint64_t fake_time;
    int wakes;
} T;

static inline uint64_t fake_get_time(void *opaque)
{
    T *t = opaque;
    return __atomic_load_n(&t->fake_time, __ATOMIC_SEQ_CST);
}

static inline void count_wake(void *opaque)
{
    T *t = opaque;
    t->wakes++;
}

static inline uint64_t fin_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static inline void fin_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    T *t = opaque;
    t->done = true;
    riscv_cpu_kick(t->cpu);
}

static const MemoryRegionOps fin_ops = {
    .read = fin_read, .write = fin_write, .min_access_size = 1, .max_access_size = 8};

static inline uint8_t *host(T *t, uint64_t gpa)
{
    return t->ram.ram + (gpa - RAM_BASE);
}

static inline void emit(T *t, uint32_t insn)
{
    memcpy(host(t, t->pos), &insn, 4);
    t->pos += 4;
}

static inline void emit16(T *t, uint16_t insn)
{
    memcpy(host(t, t->pos), &insn, 2);
    t->pos += 2;
}

static inline void li(T *t, int rd, uint64_t v)
{
    int64_t s = (int64_t)v;
    int64_t lo = (int64_t)((uint64_t)s << 52) >> 52;
    if (s >= -2048 && s < 2048) {
        emit(t, ADDI(rd, 0, (int32_t)s));
    } else if (s == (int32_t)s && (s - lo) == (int32_t)(s - lo)) {
        emit(t, LUI(rd, ((uint32_t)(s - lo) >> 12) & 0xfffff));
        if (lo) {
            emit(t, ADDIW(rd, rd, (int32_t)lo));
        }
    } else {
        li(t, rd, (uint64_t)((s - lo) >> 12));
        emit(t, SLLI(rd, rd, 12));
        if (lo) {
            emit(t, ADDI(rd, rd, (int32_t)lo));
        }
    }
}

static inline void finish(T *t)
{
    emit(t, LUI(31, FIN_BASE >> 12));
    emit(t, SW(0, 31, 0));
    emit(t, JAL(0, 0));
}

/*
 * PMP entry 15 (the lowest priority): NAPOT over everything, RWX, as firmware
 * sets up before running S/U code (with no matching entry S and U may not
 * access anything).  Cases that test PMP use entries 0..14 above it.
 */
#define PMPCFG0   0x3a0
#define PMPCFG2   0x3a2
#define PMPADDR0  0x3b0
#define PMPADDR15 0x3bf
static inline void pmp_allow_all(T *t)
{
    riscv_cpu_write_csr(t->cpu, PMPADDR15, ~0ULL);
    riscv_cpu_write_csr(t->cpu, PMPCFG2, 0x1fULL << 56);
}

static inline void install_handlers(T *t)
{
    /* Standard trap handlers: cause/tval/epc into x28..x30, then finish. */
    t->pos = HANDLER;
    emit(t, CSRR(28, 0x342));
    emit(t, CSRR(29, 0x343));
    emit(t, CSRR(30, 0x341));
    finish(t);
    t->pos = SHANDLER;
    emit(t, CSRR(28, 0x142));
    emit(t, CSRR(29, 0x143));
    emit(t, CSRR(30, 0x141));
    finish(t);
    riscv_cpu_write_csr(t->cpu, MTVEC, HANDLER);
    pmp_allow_all(t);
    riscv_cpu_set_reg(t->cpu, 28, 0xdead);
    t->pos = RAM_BASE;
}

/* With @sstc the hart gets a timer context, a 10 MHz `time` (t->fake_time) and a wake hook. */
static inline int setup_common(void **state, bool sstc)
{
    T *t = calloc(1, sizeof(*t));
    address_space_init(&t->as, "test");
    assert_int_equal(memory_region_init_ram(&t->ram, "ram", RAM_SIZE), 0);
    memory_region_init_io(&t->fin, "finisher", &fin_ops, t, 0x1000);
    t->fin.lockless = true;
    assert_int_equal(address_space_map_region(&t->as, RAM_BASE, &t->ram), 0);
    assert_int_equal(address_space_map_region(&t->as, FIN_BASE, &t->fin), 0);
    RISCVCPUConfig cfg = {.hartid = 0, .as = &t->as};
    if (sstc) {
        t->clocks = qemu_clocks_new();
        assert_non_null(t->clocks);
        t->ctx = aio_context_new(t->clocks);
        assert_non_null(t->ctx);
        cfg.get_time = fake_get_time;
        cfg.time_opaque = t;
        cfg.timer_ctx = t->ctx;
        cfg.timebase_freq = 10000000;
        cfg.wake = count_wake;
        cfg.wake_opaque = t;
    }
    t->cpu = riscv_cpu_new(&cfg);
    assert_non_null(t->cpu);
    riscv_cpu_reset(t->cpu, RAM_BASE);
    install_handlers(t);
    *state = t;
    return 0;
}

static inline int setup(void **state)
{
    return setup_common(state, false);
}

static inline int setup_sstc(void **state)
{
    return setup_common(state, true);
}

static inline int teardown(void **state)
{
    T *t = *state;
    riscv_cpu_free(t->cpu);
    if (t->ctx) {
        assert_int_equal(aio_context_destroy(t->ctx), 0);
        qemu_clocks_free(t->clocks);
    }
    address_space_destroy(&t->as);
    memory_region_destroy(&t->ram);
    free(t);
    return 0;
}

static inline RISCVExit run(T *t)
{
    RISCVExit r = RISCV_EXIT_BUDGET;
    for (int i = 0; i < 100 && !t->done; i++) {
        r = riscv_cpu_run(t->cpu, 100000);
        if (r == RISCV_EXIT_WFI) {
            break;
        }
    }
    return r;
}

static inline uint64_t X(T *t, int r)
{
    return riscv_cpu_get_reg(t->cpu, r);
}

static inline uint64_t csr(T *t, int n)
{
    uint64_t v = 0;
    assert_true(riscv_cpu_read_csr(t->cpu, n, &v));
    return v;
}

static inline void run_ok(T *t)
{
    run(t);
    assert_true(t->done);
    assert_int_equal(X(t, 28), 0xdead); /* no trap */
}

#endif
