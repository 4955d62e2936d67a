/*
 * cmocka-web.h - force-included into cmocka.c for the wasm unit tests
 * (platform/web/CMakeLists.txt).
 *
 * cmocka runs every test under setjmp so a failed assertion can longjmp back
 * and go on with the next test.  Emscripten 3.1.6 lowers setjmp by turning
 * every call in that function into a call through JavaScript (invoke_*), and
 * Asyncify cannot unwind a coroutine switch (an Emscripten fiber) through a
 * JavaScript frame.  So here setjmp always returns 0 and longjmp prints the
 * failure and ends the test program: the first failed assertion (or skip())
 * fails the whole program.  Only the test programs that switch coroutines use
 * this build of cmocka (MINIMU_WEB_FIBER_TESTS in CMakeLists.txt).
 */
#ifndef MINIMU_CMOCKA_WEB_H
#define MINIMU_CMOCKA_WEB_H

#include <emscripten/em_asm.h>
#include <setjmp.h> /* before cmocka.c's own include, which is then a no-op */
#include <stdio.h>
#include <stdlib.h>

/*
 * Expanded inside cmocka.c, where cm_error_message holds the failure.  The
 * test runs in a pthread while node's main thread keeps the runtime alive
 * (test-main-web.c), so exit() would only record the status and node would
 * hang until ctest's timeout: end node itself, as test-main-web.c does.
 */
#undef setjmp
#undef longjmp
#define setjmp(env) 0
#define longjmp(env, val)                                                  \
    do {                                                                   \
        fprintf(stderr, "%s[  FAILED  ] (web: ending the test program)\n", \
                cm_error_message ? cm_error_message : "");                 \
        fflush(stdout);                                                    \
        fflush(stderr);                                                    \
        MAIN_THREAD_EM_ASM({ process.exit($0); }, 1);                      \
        exit(1);                                                           \
    } while (0)

#endif
