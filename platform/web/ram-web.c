/*
 * ram-web.c - guest RAM and the accelerator hook for the web platform.
 *
 * Wasm memory has no lazy commit or protection: guest RAM is zeroed heap in
 * the shared linear memory (grown on demand, up to the link-time maximum),
 * which every vCPU worker sees.  There is no KVM in a browser.
 */
#include "platform.h"
#include "system/accel.h"

#include <stdlib.h>
#include <string.h>

void *platform_ram_alloc(size_t size)
{
    if (size == 0) {
        return NULL;
    }
    /* Page aligned, as the contract promises; aligned_alloc wants a multiple of the alignment. */
    size_t rounded = (size + 4095) & ~(size_t)4095;
    void *p = aligned_alloc(4096, rounded);
    if (p) {
        memset(p, 0, rounded);
    }
    return p;
}

void platform_ram_free(void *p, size_t size)
{
    (void)size;
    free(p);
}

const AccelOps *accel_kvm_ops(void)
{
    return NULL;
}
