/*
 * bswap.h - load and store little- and big-endian values at unaligned byte
 * pointers, with QEMU's names (include/qemu/bswap.h): ld<size>_<endian>_p and
 * st<size>_<endian>_p, w = 16, l = 32, q = 64 bits.  Boot images, zero pages,
 * ELF headers, device trees and MP tables are byte formats, whatever the host.
 * Pure functions; any thread.
 */
#ifndef MINIMU_UTIL_BSWAP_H
#define MINIMU_UTIL_BSWAP_H

#include <stdint.h>

static inline uint16_t lduw_le_p(const void *ptr)
{
    const uint8_t *p = ptr;
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ldl_le_p(const void *ptr)
{
    const uint8_t *p = ptr;
    return (uint32_t)lduw_le_p(p) | (uint32_t)lduw_le_p(p + 2) << 16;
}

static inline uint64_t ldq_le_p(const void *ptr)
{
    const uint8_t *p = ptr;
    return (uint64_t)ldl_le_p(p) | (uint64_t)ldl_le_p(p + 4) << 32;
}

static inline void stw_le_p(void *ptr, uint16_t v)
{
    uint8_t *p = ptr;
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void stl_le_p(void *ptr, uint32_t v)
{
    uint8_t *p = ptr;
    stw_le_p(p, (uint16_t)v);
    stw_le_p(p + 2, (uint16_t)(v >> 16));
}

static inline void stq_le_p(void *ptr, uint64_t v)
{
    uint8_t *p = ptr;
    stl_le_p(p, (uint32_t)v);
    stl_le_p(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t ldl_be_p(const void *ptr)
{
    const uint8_t *p = ptr;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void stl_be_p(void *ptr, uint32_t v)
{
    uint8_t *p = ptr;
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
