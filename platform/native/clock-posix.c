/*
 * clock-posix.c - the clocks of src/platform.h over clock_gettime, for every
 * platform: natively, and on the web, where Emscripten backs CLOCK_MONOTONIC
 * with performance.now() (platform/web/CMakeLists.txt compiles this file too).
 */
#include "platform.h"

#include <time.h>

int64_t platform_clock_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t platform_clock_host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
