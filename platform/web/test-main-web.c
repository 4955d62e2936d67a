/*
 * test-main-web.c - runs a cmocka unit test (tests/unit/test-*.c, whose main
 * is renamed minimu_test_main at compile time) under node.
 *
 * The test body runs in a pthread, not in the main runtime thread: the main
 * thread must return to its event loop so that Emscripten can start further
 * threads and serve calls proxied to it (file descriptors, exit), and
 * Emscripten fibers (coroutines) work in a pthread_create'd thread that ends
 * with pthread_exit.  The main thread joins it (its blocking wait still serves
 * proxied calls, such as the test's printf) and returns the test's status.
 */
#undef main /* the test target renames the test's main; this file is the real one */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef MINIMU_TEST_MAIN_ARGS
int minimu_test_main(int argc, char **argv);
#else
int minimu_test_main(void);
#endif

static int test_argc;
static char **test_argv;

static void *test_thread(void *arg)
{
#ifdef MINIMU_TEST_MAIN_ARGS
    int status = minimu_test_main(test_argc, test_argv);
#else
    int status = minimu_test_main();
#endif
    pthread_exit((void *)(intptr_t)status);
}

#ifdef MINIMU_WEB_SKIP_FILTER
void cmocka_set_skip_filter(const char *pattern);
#endif

int main(int argc, char **argv)
{
#ifdef MINIMU_WEB_SKIP_FILTER
    /* Cases that cannot run in wasm (platform/web/CMakeLists.txt says why). */
    cmocka_set_skip_filter(MINIMU_WEB_SKIP_FILTER);
#endif
    pthread_t t;
    test_argc = argc;
    test_argv = argv;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 8 << 20);
    if (pthread_create(&t, &attr, test_thread, NULL) != 0) {
        return 1;
    }
    void *status = NULL;
    pthread_join(t, &status);
    return (int)(intptr_t)status;
}
