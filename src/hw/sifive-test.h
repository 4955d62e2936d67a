/*
 * sifive-test.h - SiFive's test finisher ("sifive,test0"), at 0x100000 on
 * QEMU's virt board (size 0x1000).  The guest writes one 32-bit word at
 * offset 0:
 *
 *   0x5555              pass: power off with success
 *   (code << 16)|0x3333 fail: power off with exit code @code
 *   0x7777              reset the machine
 *
 * The device only reports what the guest asked for through the board's
 * finish callback; it never exits the process itself.  Other values, offsets
 * and sizes are logged (rate-limited) and ignored.  Reads return 0.
 * Register accesses run under the BQL, in any thread.
 */
#ifndef MINIMU_HW_SIFIVE_TEST_H
#define MINIMU_HW_SIFIVE_TEST_H

#include "mem/guest-log.h"
#include "mem/memory.h"

#define SIFIVE_TEST_MMIO_SIZE 0x1000

enum {
    SIFIVE_TEST_FAIL = 0x3333,
    SIFIVE_TEST_PASS = 0x5555,
    SIFIVE_TEST_RESET = 0x7777,
};

/*
 * @kind is SIFIVE_TEST_PASS (code 0), SIFIVE_TEST_FAIL (code = the upper 16
 * bits the guest wrote) or SIFIVE_TEST_RESET (code 0).  Called from the
 * writing vCPU's thread with the BQL held: the board should request a
 * shutdown or reset from the main loop rather than act in place.
 */
typedef void SifiveTestFinishFn(void *opaque, int kind, int code);

typedef struct SifiveTestState {
    MemoryRegion mmio;
    SifiveTestFinishFn *finish;
    void *opaque;
    GuestLogLimit log;
} SifiveTestState;

void sifive_test_init(SifiveTestState *s, SifiveTestFinishFn *finish, void *opaque);

#endif
