/*
 * cmocka-web.h - force-included into cmocka.c for the wasm unit tests
 * (platform/web/CMakeLists.txt).
 *
 * cmocka runs every test under setjmp so a failed assertion can longjmp back
 * and go on with the next test.  Emscripten 3.1.6 lowers setjmp by turning
 * every call in that function into a call through JavaScript (invoke_*), and
 * Asyncify cannot unwind a coroutine switch (an Emscripten fiber) through a
 * JavaScript frame.  So here setjmp always returns 0 and longjmp ends the test
 * program with a failure: the first failed assertion, already printed by
 * cmocka, fails the whole program, which is what ctest needs.
 */
#ifndef MINIMU_CMOCKA_WEB_H
#define MINIMU_CMOCKA_WEB_H

#include <setjmp.h> /* first, so cmocka.c's own include is a no-op */
#include <stdio.h>
#include <stdlib.h>

static inline void minimu_cmocka_longjmp(int val)
{
    (void)val;
    fprintf(stderr, "cmocka (web): a test failed; ending the test program\n");
    fflush(stderr);
    exit(1);
}

#undef setjmp
#undef longjmp
#define setjmp(env)       0
#define longjmp(env, val) minimu_cmocka_longjmp(val)

#endif
