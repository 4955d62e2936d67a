/*
 * ram-posix.c - guest RAM for the native platform (the "guest RAM" part of
 * src/platform.h): anonymous private mappings, so pages are zero and only
 * committed when the guest touches them.
 */
#define _GNU_SOURCE
#include "platform.h"

#include <sys/mman.h>

void *platform_ram_alloc(size_t size)
{
    if (size == 0) {
        return NULL;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void platform_ram_free(void *p, size_t size)
{
    if (p && size) {
        munmap(p, size);
    }
}
