/*
 * bench-util.c - clocks, samples, the wakeup sender and eventfds shared by
 * the three loops under test (see bench.h).
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void bench_sleep_ns(int64_t ns)
{
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

void bench_spin_ns(int64_t ns)
{
    int64_t end = bench_now_ns() + ns;
    while (bench_now_ns() < end) {
    }
}

uint64_t bench_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* ---- samples ----------------------------------------------------------------------------- */

void samples_init(Samples *s, size_t cap)
{
    s->v = calloc(cap ? cap : 1, sizeof(*s->v));
    s->n = 0;
    s->cap = s->v ? cap : 0;
}

void samples_free(Samples *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

void samples_add(Samples *s, int64_t ns)
{
    if (s->n < s->cap) {
        s->v[s->n++] = ns;
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

double samples_pct_us(Samples *s, double pct)
{
    if (s->n == 0) {
        return NAN;
    }
    qsort(s->v, s->n, sizeof(*s->v), cmp_i64);
    size_t i = (size_t)(pct / 100.0 * (double)s->n);
    if (i >= s->n) {
        i = s->n - 1;
    }
    return (double)s->v[i] / 1000.0;
}

/* ---- batched rate measurement ----------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median_ns_per_op(BenchBatchFn *fn, void *opaque, double seconds)
{
    enum { BATCHES = 5 };
    double per_batch_ns = seconds * 1e9 / BATCHES;
    double results[BATCHES];

    /* Calibrate (and warm caches): grow the batch until it takes ~1/10 of a batch. */
    long iters = 1;
    for (;;) {
        int64_t t0 = bench_now_ns();
        if (!fn(opaque, iters)) {
            return NAN;
        }
        int64_t dt = bench_now_ns() - t0;
        if (dt >= per_batch_ns / 10 || iters >= (1L << 30)) {
            double per_op = (double)dt / (double)iters;
            iters = (long)(per_batch_ns / (per_op > 1 ? per_op : 1));
            break;
        }
        iters *= 4;
    }
    if (iters < 1) {
        iters = 1;
    }
    for (int b = 0; b < BATCHES; b++) {
        int64_t t0 = bench_now_ns();
        if (!fn(opaque, iters)) {
            return NAN;
        }
        results[b] = (double)(bench_now_ns() - t0) / (double)iters;
    }
    qsort(results, BATCHES, sizeof(results[0]), cmp_double);
    return results[BATCHES / 2];
}

/* ---- wakeups ------------------------------------------------------------------------------------ */

void wake_job_init(WakeJob *job, WakeMode mode, int count)
{
    memset(job, 0, sizeof(*job));
    job->mode = mode;
    job->count = count;
    samples_init(&job->lat, (size_t)count);
    sem_init(&job->done, 0, 0);
}

void wake_job_destroy(WakeJob *job)
{
    samples_free(&job->lat);
    sem_destroy(&job->done);
}

void wake_record(WakeJob *job)
{
    int64_t now = bench_now_ns();
    int64_t sent = __atomic_load_n(&job->sent_ns, __ATOMIC_ACQUIRE);
    samples_add(&job->lat, now - sent);
    sem_post(&job->done);
}

int wake_run_sender(WakeJob *job)
{
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    /* Let the loop thread reach its blocking wait before the first sample. */
    bench_sleep_ns(2000000);
    for (int i = 0; i < job->count; i++) {
        if (job->deadline_ns && bench_now_ns() > job->deadline_ns) {
            break;
        }
        if (job->mode == WAKE_BLOCKED) {
            bench_sleep_ns(50000 + (int64_t)(bench_rand(&rng) % 450000));
        } else {
            bench_spin_ns((int64_t)(bench_rand(&rng) % 20000));
        }
        __atomic_store_n(&job->sent_ns, bench_now_ns(), __ATOMIC_RELEASE);
        job->kick(job->opaque);
        if (job->mode == WAKE_BLOCKED) {
            while (sem_wait(&job->done) < 0 && errno == EINTR) {
            }
        } else {
            /* Spin so the sender is ready again within the next gap. */
            while (sem_trywait(&job->done) < 0) {
            }
        }
    }
    return (int)job->lat.n;
}

/* ---- eventfds ------------------------------------------------------------------------------------- */

int bench_open_eventfds(int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        fds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fds[i] < 0) {
            fprintf(stderr, "bench: eventfd %d of %d: %s\n", i, n, strerror(errno));
            return i;
        }
    }
    return n;
}

void bench_close_fds(const int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        close(fds[i]);
    }
}

void bench_fd_signal(int fd)
{
    uint64_t one = 1;
    if (write(fd, &one, sizeof(one)) != sizeof(one)) {
        fprintf(stderr, "bench: eventfd write: %s\n", strerror(errno));
    }
}

void bench_fd_drain(int fd)
{
    uint64_t v;
    if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
        fprintf(stderr, "bench: eventfd read: %s\n", strerror(errno));
    }
}
