/*
 * test-vcpu.c - vCPU threads: a hart sleeping in WFI runs nothing until an
 * interrupt is raised and vcpu_wake() is called; pause parks a busy hart and
 * resume lets it go on; a halted hart stays halted across a pause; reset
 * restarts it; destroy joins a sleeping hart.
 *
 * The guest enables MSIE (with mstatus.MIE off, so no trap) and loops on
 * "wfi; counter++; store counter".  "Asleep" is checked by counting, not
 * timing: the retired-instruction count and the stored counter must not move.
 * Guest state is only read while the vCPU is paused (the pause handshake
 * orders it), so the test is clean under ThreadSanitizer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "machine/vcpu.h"
#include "test-riscv-asm.h"

#include <stdlib.h>
#include <time.h>

#define RAM_BASE   0x80000000ULL
#define COUNTER    0x100
#define TIMEOUT_NS (20 * INT64_C(1000000000))

typedef struct Fixture {
    AddressSpace as;
    MemoryRegion ram;
    RISCVCPU *cpu;
    VCPU v;
} Fixture;

typedef struct Snap {
    uint64_t insns;
    uint64_t counter;
} Snap;

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Guest state, read with the vCPU parked; it is resumed afterwards unless @stay_paused. */
static Snap snap(Fixture *f, bool stay_paused)
{
    Snap s;
    vcpu_pause(&f->v);
    s.insns = riscv_cpu_insn_count(f->cpu);
    address_space_read(&f->as, RAM_BASE + COUNTER, &s.counter, sizeof(s.counter));
    if (!stay_paused) {
        vcpu_resume(&f->v);
    }
    return s;
}

/* Wait until at least @min instructions retired (the thread may be slow to get scheduled). */
static void wait_insns(Fixture *f, uint64_t min)
{
    int64_t end = platform_clock_monotonic_ns() + TIMEOUT_NS;
    while (snap(f, false).insns < min) {
        assert_true(platform_clock_monotonic_ns() < end);
        sleep_ms(1);
    }
}

static void wait_counter_above(Fixture *f, uint64_t min)
{
    int64_t end = platform_clock_monotonic_ns() + TIMEOUT_NS;
    while (snap(f, false).counter <= min) {
        assert_true(platform_clock_monotonic_ns() < end);
        sleep_ms(1);
    }
}

/* Wait until the instruction count stops moving: the hart sleeps in WFI. */
static Snap wait_quiet(Fixture *f)
{
    int64_t end = platform_clock_monotonic_ns() + TIMEOUT_NS;
    Snap last = snap(f, false);
    for (;;) {
        sleep_ms(20);
        Snap now = snap(f, false);
        if (now.insns == last.insns) {
            return now;
        }
        last = now;
        assert_true(platform_clock_monotonic_ns() < end);
    }
}

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    address_space_init(&f->as, "test");
    assert_int_equal(memory_region_init_ram(&f->ram, "ram", 1 << 16), 0);
    assert_int_equal(address_space_map_region(&f->as, RAM_BASE, &f->ram), 0);
    const uint32_t prog[] = {
        LUI(8, 0x80000), /* s0 = RAM base (lui sign-extends: clear the top half) */
        SLLI(8, 8, 32),  SRLI(8, 8, 32),
        ADDI(5, 0, 8),        /* mie = MSIE */
        CSRW(0x304, 5),  WFI, /* loop: */
        ADDI(10, 10, 1), SD(10, 8, COUNTER),
        JAL(0, -12),
    };
    address_space_write(&f->as, RAM_BASE, prog, sizeof(prog));
    RISCVCPUConfig cfg = {.hartid = 0, .as = &f->as};
    f->cpu = riscv_cpu_new(&cfg);
    assert_non_null(f->cpu);
    vcpu_init(&f->v, f->cpu, 0, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    vcpu_destroy(&f->v);
    riscv_cpu_free(f->cpu);
    address_space_destroy(&f->as);
    memory_region_destroy(&f->ram);
    free(f);
    return 0;
}

static void test_wfi_sleeps_until_woken(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vcpu_start(&f->v, RAM_BASE, false), 0);

    wait_insns(f, 6);
    Snap s = wait_quiet(f);
    assert_true(s.insns >= 6 && s.insns < 100); /* reached the first WFI and stays there */
    assert_int_equal(s.counter, 0);
    /* Pausing and resuming a halted hart does not end its WFI. */
    for (int i = 0; i < 20; i++) {
        Snap t = snap(f, false);
        assert_int_equal(t.insns, s.insns);
        assert_int_equal(t.counter, 0);
    }

    /* Raise MSIP: the hart leaves WFI and loops (WFI does not sleep while it is pending). */
    riscv_cpu_set_mip(f->cpu, MIP_MSIP, true);
    vcpu_wake(&f->v);
    wait_counter_above(f, 1000);

    /* Lower it: the next WFI sleeps again, and nothing runs. */
    riscv_cpu_set_mip(f->cpu, MIP_MSIP, false);
    s = wait_quiet(f);
    sleep_ms(20);
    assert_int_equal(snap(f, false).counter, s.counter);

    /* A wake with nothing pending is harmless: the hart goes back to sleep. */
    vcpu_wake(&f->v);
    sleep_ms(20);
    Snap t = snap(f, false);
    assert_int_equal(t.counter, s.counter);
    assert_int_equal(t.insns, s.insns);
}

static void test_pause_parks_a_busy_hart(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vcpu_start(&f->v, RAM_BASE, false), 0);
    wait_insns(f, 6); /* the reset (in the vCPU thread) clears mip: raise MSIP after it */
    riscv_cpu_set_mip(f->cpu, MIP_MSIP, true); /* busy: WFI never sleeps */
    vcpu_wake(&f->v);
    wait_counter_above(f, 100);

    Snap s = snap(f, true); /* stays paused */
    sleep_ms(30);
    vcpu_pause(&f->v); /* already parked: returns at once */
    Snap t = snap(f, true);
    assert_int_equal(t.insns, s.insns);
    assert_int_equal(t.counter, s.counter);

    vcpu_resume(&f->v);
    wait_counter_above(f, s.counter + 100);

    /* Reset while paused: the hart starts over from the reset pc with a0 cleared. */
    vcpu_pause(&f->v);
    riscv_cpu_set_mip(f->cpu, MIP_MSIP, false);
    vcpu_request_reset(&f->v, RAM_BASE);
    uint64_t n0 = riscv_cpu_insn_count(f->cpu);
    vcpu_resume(&f->v);
    wait_insns(f, n0 + 6); /* the reset is done before the hart runs again */
    wait_quiet(f);
    /*
     * Halted at the first WFI with a0 cleared.  The registers are read while
     * the vCPU is parked: the pause handshake hands the hart to this thread.
     */
    vcpu_pause(&f->v);
    assert_int_equal(riscv_cpu_get_pc(f->cpu), RAM_BASE + 6 * 4);
    assert_int_equal(riscv_cpu_get_reg(f->cpu, 10), 0);
    vcpu_resume(&f->v);
}

static void test_start_paused_runs_nothing(void **state)
{
    Fixture *f = *state;
    assert_int_equal(vcpu_start(&f->v, RAM_BASE, true), 0);
    sleep_ms(50);
    assert_int_equal(snap(f, true).insns, 0);
    vcpu_resume(&f->v);
    wait_insns(f, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wfi_sleeps_until_woken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_parks_a_busy_hart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_paused_runs_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
