/*
 * coroutine-lock.c - CoQueue, CoMutex and CoRwlock (QEMU's
 * util/qemu-coroutine-lock.c, with a simpler CoMutex).
 *
 * Waiting is always "queue myself, then yield"; waking is always aio_co_wake(),
 * which enters the waiter in its own context: at once (queued behind the
 * running coroutine) in the same thread, through aio_co_schedule from another
 * thread.  A waiter is woken only after it is off every queue, so the queue
 * entry (on the waiter's stack or in the Coroutine) is free for reuse.
 *
 * CoMutex: a short QemuMutex (wait_lock) guards the holder and a FIFO of
 * waiters, and unlock hands the mutex directly to the first waiter, so the
 * lock is fair and a woken waiter never has to compete again.  QEMU's
 * lock-free fast path is left out: the uncontended cost here is one
 * uncontended pthread mutex round trip, which is small beside the work a
 * coroutine does under a CoMutex.
 */
#include "aio/aio.h"
#include "aio/coroutine-int.h"
#include "util/atomic.h"
#include "util/error.h"

/* ---- CoQueue ------------------------------------------------------------------- */

void qemu_co_queue_init(CoQueue *queue)
{
    QSIMPLEQ_INIT(&queue->entries);
}

void coroutine_fn qemu_co_queue_wait(CoQueue *queue, CoMutex *lock)
{
    Coroutine *self = qemu_coroutine_self();

    if (!qemu_in_coroutine()) {
        qemu_fatal_misuse("qemu_co_queue_wait: called outside a coroutine");
    }
    QSIMPLEQ_INSERT_TAIL(&queue->entries, self, co_queue_next);
    if (lock) {
        qemu_co_mutex_unlock(lock);
    }
    qemu_coroutine_yield();
    if (lock) {
        qemu_co_mutex_lock(lock);
    }
}

bool qemu_co_queue_next(CoQueue *queue)
{
    Coroutine *next = QSIMPLEQ_FIRST(&queue->entries);

    if (!next) {
        return false;
    }
    QSIMPLEQ_REMOVE_HEAD(&queue->entries, co_queue_next);
    aio_co_wake(next);
    return true;
}

void qemu_co_queue_restart_all(CoQueue *queue)
{
    while (qemu_co_queue_next(queue)) {
        continue;
    }
}

bool qemu_co_queue_empty(CoQueue *queue)
{
    return QSIMPLEQ_EMPTY(&queue->entries);
}

/* ---- CoMutex ------------------------------------------------------------------- */

/* One waiting coroutine, on its own stack while it waits. */
typedef struct CoWaitRecord {
    Coroutine *co;
    QSIMPLEQ_ENTRY(CoWaitRecord) next;
} CoWaitRecord;

void qemu_co_mutex_init(CoMutex *mutex)
{
    mutex->locked = 0;
    mutex->ctx = NULL;
    mutex->holder = NULL;
    qemu_mutex_init(&mutex->wait_lock);
    QSIMPLEQ_INIT(&mutex->waiters);
}

void qemu_co_mutex_destroy(CoMutex *mutex)
{
    if (qatomic_read(&mutex->locked)) {
        qemu_fatal_misuse("qemu_co_mutex_destroy: CoMutex %p is still locked or waited for",
                          (void *)mutex);
    }
    qemu_mutex_destroy(&mutex->wait_lock);
}

void coroutine_fn qemu_co_mutex_lock(CoMutex *mutex)
{
    Coroutine *self = qemu_coroutine_self();
    CoWaitRecord w;

    if (!qemu_in_coroutine()) {
        qemu_fatal_misuse("qemu_co_mutex_lock: called outside a coroutine");
    }
    qemu_mutex_lock(&mutex->wait_lock);
    if (mutex->holder == self) {
        qemu_fatal_misuse("qemu_co_mutex_lock: CoMutex %p locked twice by coroutine %p",
                          (void *)mutex, (void *)self);
    }
    qatomic_inc(&mutex->locked);
    if (!mutex->holder) {
        mutex->holder = self;
        mutex->ctx = qemu_coroutine_get_aio_context(self);
        qemu_mutex_unlock(&mutex->wait_lock);
    } else {
        w.co = self;
        QSIMPLEQ_INSERT_TAIL(&mutex->waiters, &w, next);
        qemu_mutex_unlock(&mutex->wait_lock);
        /* The unlocker makes us the holder before waking us. */
        qemu_coroutine_yield();
    }
    self->locks_held++;
}

void coroutine_fn qemu_co_mutex_unlock(CoMutex *mutex)
{
    Coroutine *self = qemu_coroutine_self();
    Coroutine *next = NULL;
    CoWaitRecord *w;

    qemu_mutex_lock(&mutex->wait_lock);
    if (mutex->holder != self) {
        qemu_fatal_misuse("qemu_co_mutex_unlock: CoMutex %p unlocked by coroutine %p, which does "
                          "not hold it",
                          (void *)mutex, (void *)self);
    }
    qatomic_dec(&mutex->locked);
    w = QSIMPLEQ_FIRST(&mutex->waiters);
    if (w) {
        QSIMPLEQ_REMOVE_HEAD(&mutex->waiters, next);
        next = w->co;
        mutex->holder = next;
        mutex->ctx = qemu_coroutine_get_aio_context(next);
    } else {
        mutex->holder = NULL;
        mutex->ctx = NULL;
    }
    qemu_mutex_unlock(&mutex->wait_lock);
    self->locks_held--;
    if (next) {
        aio_co_wake(next);
    }
}

/* ---- CoRwlock ------------------------------------------------------------------ */

/*
 * A waiter for the rwlock.  Tickets are served in order, so a writer is not
 * starved by a stream of readers and readers queued behind a writer wait for
 * it.  The unlocker grants the lock (updates owners) before waking.
 */
typedef struct CoRwTicket {
    bool read;
    Coroutine *co;
    QSIMPLEQ_ENTRY(CoRwTicket) next;
} CoRwTicket;

void qemu_co_rwlock_init(CoRwlock *lock)
{
    qemu_co_mutex_init(&lock->mutex);
    lock->owners = 0;
    QSIMPLEQ_INIT(&lock->tickets);
}

void qemu_co_rwlock_destroy(CoRwlock *lock)
{
    if (lock->owners || !QSIMPLEQ_EMPTY(&lock->tickets)) {
        qemu_fatal_misuse("qemu_co_rwlock_destroy: CoRwlock %p is still held or waited for",
                          (void *)lock);
    }
    qemu_co_mutex_destroy(&lock->mutex);
}

/* Grant the lock to the tickets at the head that can have it now; called
 * with lock->mutex held. */
static void coroutine_fn co_rwlock_wake_locked(CoRwlock *lock)
{
    CoRwTicket *t;

    while ((t = QSIMPLEQ_FIRST(&lock->tickets)) != NULL) {
        if (t->read) {
            if (lock->owners < 0) {
                return;
            }
            lock->owners++;
        } else {
            if (lock->owners != 0) {
                return;
            }
            lock->owners = -1;
        }
        QSIMPLEQ_REMOVE_HEAD(&lock->tickets, next);
        aio_co_wake(t->co);
    }
}

static void coroutine_fn co_rwlock_acquire(CoRwlock *lock, bool read)
{
    Coroutine *self = qemu_coroutine_self();
    CoRwTicket t;

    qemu_co_mutex_lock(&lock->mutex);
    if (QSIMPLEQ_EMPTY(&lock->tickets) && (read ? lock->owners >= 0 : lock->owners == 0)) {
        lock->owners = read ? lock->owners + 1 : -1;
        qemu_co_mutex_unlock(&lock->mutex);
    } else {
        t.read = read;
        t.co = self;
        QSIMPLEQ_INSERT_TAIL(&lock->tickets, &t, next);
        qemu_co_mutex_unlock(&lock->mutex);
        qemu_coroutine_yield();
    }
    self->locks_held++;
}

void coroutine_fn qemu_co_rwlock_rdlock(CoRwlock *lock)
{
    co_rwlock_acquire(lock, true);
}

void coroutine_fn qemu_co_rwlock_wrlock(CoRwlock *lock)
{
    co_rwlock_acquire(lock, false);
}

void coroutine_fn qemu_co_rwlock_unlock(CoRwlock *lock)
{
    Coroutine *self = qemu_coroutine_self();

    qemu_co_mutex_lock(&lock->mutex);
    if (lock->owners == 0) {
        qemu_fatal_misuse("qemu_co_rwlock_unlock: CoRwlock %p is not held", (void *)lock);
    }
    if (lock->owners < 0) {
        lock->owners = 0;
    } else {
        lock->owners--;
    }
    self->locks_held--;
    co_rwlock_wake_locked(lock);
    qemu_co_mutex_unlock(&lock->mutex);
}
