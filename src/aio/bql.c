/*
 * bql.c - the Big QEMU Lock.
 *
 * The one piece of process-wide mutable state in src/ (docs/architecture.md,
 * "Global state"): the lock that serialises device emulation is by
 * definition one per process.  Whether the calling thread holds it is
 * thread-local, so bql_locked() costs no synchronisation.
 */
#include "aio/main-loop.h"
#include "util/error.h"

static pthread_mutex_t bql_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread bool bql_held;

void bql_lock_at(const char *caller)
{
    if (bql_held) {
        qemu_fatal_misuse("%s: bql_lock: the BQL is already held by this thread", caller);
    }
    pthread_mutex_lock(&bql_mutex);
    bql_held = true;
}

void bql_unlock(void)
{
    if (!bql_held) {
        qemu_fatal_misuse("bql_unlock: the BQL is not held by this thread");
    }
    bql_held = false;
    pthread_mutex_unlock(&bql_mutex);
}

bool bql_locked(void)
{
    return bql_held;
}
