/*
 * test-main-web.c - runs a cmocka unit test (tests/unit/test-*.c, whose main
 * is renamed minimu_test_main at compile time) under node.
 *
 * The test body runs in a pthread, not in the main runtime thread: the main
 * thread must return to its event loop so that Emscripten can start further
 * threads and serve calls proxied to it (file descriptors, exit), and
 * Emscripten fibers (coroutines) work in a pthread_create'd thread.  The test
 * thread ends node with the test's status.
 */
#undef main /* the test target renames the test's main; this file is the real one */

#include <emscripten/emscripten.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
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
    (void)arg;
#ifdef MINIMU_TEST_MAIN_ARGS
    int status = minimu_test_main(test_argc, test_argv);
#else
    int status = minimu_test_main();
#endif
    fflush(stdout);
    fflush(stderr);
    /*
     * The main thread keeps the runtime alive (below), so exit() would only
     * record the status there: end node itself, on the main thread.
     */
    MAIN_THREAD_EM_ASM({ process.exit($0); }, status);
    return NULL;
}

void cmocka_set_skip_filter(const char *pattern);
void cmocka_set_test_filter(const char *pattern);

int main(int argc, char **argv)
{
#ifdef MINIMU_WEB_SKIP_FILTER
    /* Cases that cannot run in wasm (platform/web/CMakeLists.txt says why). */
    cmocka_set_skip_filter(MINIMU_WEB_SKIP_FILTER);
#endif
#ifdef MINIMU_WEB_TEST_FILTER
    cmocka_set_test_filter(MINIMU_WEB_TEST_FILTER);
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
    pthread_detach(t);
    /*
     * Return to node's event loop without ending the runtime: a pthread_create
     * in a worker, and the return of a finished thread's worker to the pool,
     * are messages this thread handles there (it must not block in a join).
     */
    emscripten_exit_with_live_runtime();
    return 0;
}
