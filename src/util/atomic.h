/*
 * atomic.h - atomic operations on plain variables, with QEMU's qatomic names.
 *
 * Built on the GCC/Clang __atomic builtins so that shared fields stay plain C
 * types (no _Atomic qualifiers spreading through headers), and so that TSan
 * sees every access as atomic.  Reads and writes named qatomic_read and qatomic_set are
 * relaxed; the read-modify-write operations are sequentially consistent, as
 * in QEMU.  smp_mb() is a full barrier; every use names the barrier it pairs
 * with.
 */
#ifndef MINIMU_UTIL_ATOMIC_H
#define MINIMU_UTIL_ATOMIC_H

#define qatomic_read(ptr)             __atomic_load_n(ptr, __ATOMIC_RELAXED)
#define qatomic_set(ptr, val)         __atomic_store_n(ptr, val, __ATOMIC_RELAXED)
#define qatomic_load_acquire(ptr)     __atomic_load_n(ptr, __ATOMIC_ACQUIRE)
#define qatomic_store_release(ptr, v) __atomic_store_n(ptr, v, __ATOMIC_RELEASE)
#define qatomic_mb_read(ptr)          __atomic_load_n(ptr, __ATOMIC_SEQ_CST)
#define qatomic_mb_set(ptr, val)      __atomic_store_n(ptr, val, __ATOMIC_SEQ_CST)

#define qatomic_xchg(ptr, val)    __atomic_exchange_n(ptr, val, __ATOMIC_SEQ_CST)
#define qatomic_fetch_add(ptr, n) __atomic_fetch_add(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_fetch_sub(ptr, n) __atomic_fetch_sub(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_fetch_or(ptr, n)  __atomic_fetch_or(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_fetch_and(ptr, n) __atomic_fetch_and(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_add_fetch(ptr, n) __atomic_add_fetch(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_sub_fetch(ptr, n) __atomic_sub_fetch(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_inc(ptr)          ((void)__atomic_fetch_add(ptr, 1, __ATOMIC_SEQ_CST))
#define qatomic_dec(ptr)          ((void)__atomic_fetch_sub(ptr, 1, __ATOMIC_SEQ_CST))

/*
 * Compare-and-swap: returns the value that was in *ptr.  The swap happened
 * iff the return value equals @old.
 */
#define qatomic_cmpxchg(ptr, old, new_)                                                           \
    ({                                                                                            \
        __typeof__(*(ptr)) _old = (old);                                                          \
        __atomic_compare_exchange_n(ptr, &_old, new_, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
        _old;                                                                                     \
    })

#define smp_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)

#endif
