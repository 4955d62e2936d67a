/*
 * stats-web.c - live statistics for the page (the toolbar's MIPS).
 *
 * The page asks the machine's worker how many guest instructions have
 * retired.  The CPUs are created by the board (src/machine/virt.c), which the
 * platform does not see; rather than add a hook to the core for a display,
 * the web link wraps riscv_cpu_new/riscv_cpu_free (-Wl,--wrap, see
 * CMakeLists.txt) to keep a list of live CPUs.  Main thread only: the board
 * creates and frees CPUs there, and the worker script calls from there.
 */
#include "cpu/riscv/cpu.h"

#include <emscripten.h>
#include <stddef.h>

#define WEB_MAX_CPUS 64

static RISCVCPU *web_cpus[WEB_MAX_CPUS];
static double web_retired_by_freed; /* instructions of CPUs already freed */

RISCVCPU *__real_riscv_cpu_new(const RISCVCPUConfig *cfg);
void __real_riscv_cpu_free(RISCVCPU *cpu);

RISCVCPU *__wrap_riscv_cpu_new(const RISCVCPUConfig *cfg)
{
    RISCVCPU *cpu = __real_riscv_cpu_new(cfg);
    for (size_t i = 0; cpu && i < WEB_MAX_CPUS; i++) {
        if (!web_cpus[i]) {
            web_cpus[i] = cpu;
            break;
        }
    }
    return cpu;
}

void __wrap_riscv_cpu_free(RISCVCPU *cpu)
{
    for (size_t i = 0; cpu && i < WEB_MAX_CPUS; i++) {
        if (web_cpus[i] == cpu) {
            web_retired_by_freed += (double)riscv_cpu_insn_count(cpu);
            web_cpus[i] = NULL;
        }
    }
    __real_riscv_cpu_free(cpu);
}

/* Instructions retired by every CPU of this process so far. */
EMSCRIPTEN_KEEPALIVE double minimu_web_insn_count(void)
{
    double n = web_retired_by_freed;
    for (size_t i = 0; i < WEB_MAX_CPUS; i++) {
        if (web_cpus[i]) {
            n += (double)riscv_cpu_insn_count(web_cpus[i]);
        }
    }
    return n;
}
