/*
 * main-web.c - the entry point of a machine's worker: the same minimu_main()
 * as natively (src/system/cli.c).  web/machine-worker.js writes the guest
 * images into Emscripten's in-memory file system and calls main() with a
 * command line; main_loop_run() suspends through Asyncify while it waits, so
 * the worker's event loop keeps running.
 */
#include "system/cli.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
    /*
     * After Asyncify suspended main() once, its return value no longer reaches
     * Emscripten's callMain(); exit() explicitly so the worker reports the status.
     */
    exit(minimu_main(argc, argv));
}
