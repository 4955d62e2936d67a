/*
 * bench.h - shared pieces of the event-loop benchmark (bench-loop).
 *
 * The benchmark measures the same workloads on three event loops: minimu's
 * AioContext (bench-minimu.c), GLib's GMainContext (bench-glib.c) and libuv
 * (bench-uv.c).  Each file fills a LoopBench with one function per
 * measurement; bench-loop.c runs them in one process, one after another, and
 * prints one markdown table whose ratio columns compare minimu with the two
 * references measured in the same run.
 *
 * All timestamps are CLOCK_MONOTONIC nanoseconds (bench_now_ns), the clock
 * that minimu's REALTIME clock, GLib's g_get_monotonic_time() and libuv's
 * uv_hrtime() all read, so times taken by different libraries compare.
 *
 * Not part of ctest: numbers from a shared 2-core machine are noisy, so
 * results are read as ratios between loops measured in the same run.
 */
#ifndef MINIMU_BENCH_BENCH_H
#define MINIMU_BENCH_BENCH_H

#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- time and samples -------------------------------------------------------------- */

int64_t bench_now_ns(void);
void bench_sleep_ns(int64_t ns);
/* Busy-wait @ns without a syscall (the gap between back-to-back wakeups). */
void bench_spin_ns(int64_t ns);
/* A small PRNG (xorshift) so every loop sees the same sequence of gaps. */
uint64_t bench_rand(uint64_t *state);

typedef struct Samples {
    int64_t *v; /* ns */
    size_t n;
    size_t cap;
} Samples;

void samples_init(Samples *s, size_t cap);
void samples_free(Samples *s);
/* Append one sample; silently ignored once @cap is reached. */
void samples_add(Samples *s, int64_t ns);
/* The @pct-th percentile in microseconds (sorts in place); NaN when empty. */
double samples_pct_us(Samples *s, double pct);

/*
 * Run @fn repeatedly in batches for about @seconds in total and return the
 * median batch's cost in ns per call of the measured unit.  @fn runs @iters
 * units and returns false on failure.  Medians of batches shrug off a batch
 * that a neighbour's process disturbed.
 */
typedef bool BenchBatchFn(void *opaque, long iters);
double bench_median_ns_per_op(BenchBatchFn *fn, void *opaque, double seconds);

/* ---- cross-thread wakeups -------------------------------------------------------------- */

typedef enum WakeMode {
    /* The sender sleeps 50-500 us between wakeups: the loop is asleep in the kernel. */
    WAKE_BLOCKED,
    /* The sender spins 0-20 us between wakeups: back-to-back events, where polling pays. */
    WAKE_BACK_TO_BACK,
} WakeMode;

/*
 * One latency run: the sending thread (the caller of wake_run_sender) takes a
 * timestamp, calls kick(), and waits until the loop's callback has called
 * wake_record(); then it waits a random gap and repeats @count times.
 */
typedef struct WakeJob {
    WakeMode mode;
    int count;
    void (*kick)(void *opaque); /* called in the sender thread */
    void *opaque;
    Samples lat;
    int64_t deadline_ns; /* the sender stops early at this time (0: never) */
    int64_t sent_ns;     /* atomic */
    sem_t done;
} WakeJob;

void wake_job_init(WakeJob *job, WakeMode mode, int count);
void wake_job_destroy(WakeJob *job);
/* Called by the loop's callback, in the loop's thread. */
void wake_record(WakeJob *job);
/* The sender side; returns the number of samples taken (fewer past the deadline). */
int wake_run_sender(WakeJob *job);

/* ---- idle fds ---------------------------------------------------------------------------- */

/* Open @n non-blocking eventfds into @fds; returns how many were opened. */
int bench_open_eventfds(int *fds, int n);
void bench_close_fds(const int *fds, int n);
/* Make the eventfd @fd readable / read it empty. */
void bench_fd_signal(int fd);
void bench_fd_drain(int fd);

/* ---- the per-library interface ------------------------------------------------------------- */

/*
 * One event loop under test.  Each function returns NaN (rates, costs) or
 * false (samples) when the library cannot express the measurement; the table
 * then shows "n/a".
 */
typedef struct LoopBench {
    const char *name;
    /* A callback that re-arms itself from inside its run, once per iteration (ops/s). */
    double (*self_rearm_rate)(double seconds);
    /* A thread-safe "mark this persistent handle pending" from its own callback (ops/s). */
    double (*threadsafe_rearm_rate)(double seconds);
    /* A one-shot deferred call that queues the next one (ops/s). */
    double (*oneshot_rate)(double seconds);
    /* Cross-thread wakeup latency; fills job->lat; false if no sample was taken. */
    bool (*wakeup)(WakeJob *job);
    /* Lateness of a periodic timer of @period_ns: fire time - requested expiry. */
    bool (*timer)(int64_t period_ns, int count, Samples *late);
    /* ns per loop iteration with @nidle idle eventfds and one that is ready. */
    double (*dispatch)(int nidle, double seconds);
} LoopBench;

extern const LoopBench bench_minimu;
extern const LoopBench bench_minimu_pollfd; /* minimu with MINIMU_FDMON=poll */
extern const LoopBench bench_glib;
extern const LoopBench bench_uv;

/* The library's version string, for the header line. */
const char *bench_glib_version(void);
const char *bench_uv_version(void);

#endif
