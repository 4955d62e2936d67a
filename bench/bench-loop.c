/*
 * bench-loop.c - minimu's event loop against GLib and libuv, one table.
 *
 *   bench-loop [--quick] [--idle-fds N]
 *
 * Runs every measurement on minimu's AioContext and on the two references in
 * this one process, one after another, and prints a markdown table on stdout
 * (progress goes to stderr).  The ratio columns say how many times better
 * minimu is; the absolute numbers are only there to make the ratios
 * checkable, since the machines this runs on are shared and noisy.
 * scripts/bench-loop.sh builds the release preset and runs this.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

enum { LIB_MINIMU, LIB_GLIB, LIB_UV, NLIBS };

typedef enum Better { HIGHER_IS_BETTER, LOWER_IS_BETTER } Better;

typedef struct Row {
    char label[160];
    Better better;
    int digits_unit; /* 0: rate in M ops/s, 1: microseconds */
    double v[NLIBS];
} Row;

typedef struct Params {
    double rate_seconds; /* per loop, per rate measurement */
    double fd_seconds;   /* per loop, per dispatch measurement */
    int wake_samples;    /* blocked loop */
    int b2b_samples;     /* back-to-back */
    int timer_samples;
    int idle_fds;
    char fd_note[160];
} Params;

static Row rows[32];
static int nrows;
static char footnotes[1024];

static void footnote(const char *fmt, ...)
{
    size_t len = strlen(footnotes);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(footnotes + len, sizeof(footnotes) - len, fmt, ap);
    va_end(ap);
}

static Row *row_new(const char *label, Better better, int unit)
{
    Row *r = &rows[nrows++];
    snprintf(r->label, sizeof(r->label), "%s", label);
    r->better = better;
    r->digits_unit = unit;
    for (int i = 0; i < NLIBS; i++) {
        r->v[i] = NAN;
    }
    return r;
}

static const LoopBench *const libs[NLIBS] = {&bench_minimu, &bench_glib, &bench_uv};

static void progress(const char *what, const LoopBench *lib)
{
    fprintf(stderr, "bench-loop: %-34s %s\n", what, lib->name);
}

/* ---- measurements ---------------------------------------------------------------------------- */

/*
 * Every measurement runs in ROUNDS rounds, each visiting minimu, GLib and
 * libuv in turn, so that a burst of load from a neighbour on the shared
 * machine hits all three loops rather than one of them.
 */
enum { ROUNDS = 5 };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of_rounds(double v[ROUNDS])
{
    qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
    return v[ROUNDS / 2];
}

typedef double RateFn(double seconds);

static void measure_rate(const char *label, size_t offset, const Params *p)
{
    Row *r = row_new(label, HIGHER_IS_BETTER, 0);
    double v[NLIBS][ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < NLIBS; i++) {
            RateFn *fn = *(RateFn *const *)((const char *)libs[i] + offset);
            v[i][round] = NAN;
            if (fn) {
                progress(label, libs[i]);
                v[i][round] = fn(p->rate_seconds / ROUNDS) / 1e6;
            }
        }
    }
    for (int i = 0; i < NLIBS; i++) {
        r->v[i] = median_of_rounds(v[i]);
    }
}

typedef bool WakeFn(WakeJob *job);

/* Append the samples of @count wakeups into @all; false if the loop failed. */
static bool wake_round(const LoopBench *lib, WakeFn *fn, WakeMode mode, int count, Samples *all)
{
    WakeJob job;
    wake_job_init(&job, mode, count);
    /* A loop that takes milliseconds per wakeup must not stretch the run past a minute. */
    job.deadline_ns = bench_now_ns() + 1500000000LL;
    progress(mode == WAKE_BLOCKED ? "wakeup, loop blocked" : "wakeup, back-to-back", lib);
    bool ok = fn(&job);
    for (size_t k = 0; k < job.lat.n; k++) {
        samples_add(all, job.lat.v[k]);
    }
    wake_job_destroy(&job);
    return ok;
}

/*
 * One pair of p50/p99 rows.  @extra, if set, is a variant of minimu measured
 * in the same rounds; it gets its own pair of rows (@xlabel50, @xlabel99)
 * that repeat the references' columns.
 */
static void measure_wake_rows(const char *label50, const char *label99, WakeMode mode, int count,
                              const LoopBench *extra, const char *xlabel50, const char *xlabel99)
{
    Row *r[NLIBS + 1][2];
    r[0][0] = row_new(label50, LOWER_IS_BETTER, 1);
    r[0][1] = row_new(label99, LOWER_IS_BETTER, 1);
    if (extra) {
        r[NLIBS][0] = row_new(xlabel50, LOWER_IS_BETTER, 1);
        r[NLIBS][1] = row_new(xlabel99, LOWER_IS_BETTER, 1);
    }
    int nvar = extra ? NLIBS + 1 : NLIBS;
    Samples all[NLIBS + 1];
    bool ok[NLIBS + 1];
    for (int i = 0; i < nvar; i++) {
        samples_init(&all[i], (size_t)count);
        ok[i] = true;
    }
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < nvar; i++) {
            const LoopBench *lib = i < NLIBS ? libs[i] : extra;
            ok[i] &= wake_round(lib, lib->wakeup, mode, count / ROUNDS, &all[i]);
        }
    }
    for (int i = 0; i < nvar; i++) {
        const LoopBench *lib = i < NLIBS ? libs[i] : extra;
        Row **dst = i < NLIBS ? r[0] : r[NLIBS];
        int col = i < NLIBS ? i : LIB_MINIMU;
        if (ok[i]) {
            if (all[i].n < (size_t)(count / ROUNDS * ROUNDS)) {
                footnote("- %s: %s took only %zu of %d samples within the time cap (1.5 s a "
                         "round).\n",
                         dst[0]->label, lib->name, all[i].n, count / ROUNDS * ROUNDS);
            }
            dst[0]->v[col] = samples_pct_us(&all[i], 50);
            dst[1]->v[col] = samples_pct_us(&all[i], 99);
        }
        samples_free(&all[i]);
    }
    if (extra) {
        for (int k = 0; k < 2; k++) {
            r[NLIBS][k]->v[LIB_GLIB] = r[0][k]->v[LIB_GLIB];
            r[NLIBS][k]->v[LIB_UV] = r[0][k]->v[LIB_UV];
        }
    }
}

static void measure_wakeup(const Params *p)
{
    measure_wake_rows("cross-thread wakeup, loop blocked (sender sleeps 50-500 us), p50 us",
                      "cross-thread wakeup, loop blocked, p99 us", WAKE_BLOCKED, p->wake_samples,
                      NULL, NULL, NULL);
    measure_wake_rows("cross-thread wakeup, back-to-back (gaps 0-20 us), minimu polling on, p50 us",
                      "cross-thread wakeup, back-to-back, minimu polling on, p99 us",
                      WAKE_BACK_TO_BACK, p->b2b_samples, &bench_minimu_pollfd,
                      "cross-thread wakeup, back-to-back, minimu polling off, p50 us",
                      "cross-thread wakeup, back-to-back, minimu polling off, p99 us");
}

static void measure_timer(const char *name, int64_t period_ns, const Params *p)
{
    char label[160];
    snprintf(label, sizeof(label), "%s, lateness p50 us", name);
    Row *r50 = row_new(label, LOWER_IS_BETTER, 1);
    snprintf(label, sizeof(label), "%s, lateness p99 us", name);
    Row *r99 = row_new(label, LOWER_IS_BETTER, 1);
    Samples all[NLIBS];
    bool ok[NLIBS];
    for (int i = 0; i < NLIBS; i++) {
        samples_init(&all[i], (size_t)p->timer_samples);
        ok[i] = true;
    }
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < NLIBS; i++) {
            Samples late;
            samples_init(&late, (size_t)(p->timer_samples / ROUNDS));
            progress(name, libs[i]);
            ok[i] &= libs[i]->timer(period_ns, p->timer_samples / ROUNDS, &late);
            for (size_t k = 0; k < late.n; k++) {
                samples_add(&all[i], late.v[k]);
            }
            samples_free(&late);
        }
    }
    for (int i = 0; i < NLIBS; i++) {
        if (ok[i]) {
            r50->v[i] = samples_pct_us(&all[i], 50);
            r99->v[i] = samples_pct_us(&all[i], 99);
        }
        samples_free(&all[i]);
    }
}

static void measure_dispatch(int nidle, const Params *p)
{
    char label[160];
    snprintf(label, sizeof(label), "one dispatch, 1 ready + %d idle fds, us", nidle);
    Row *r = row_new(label, LOWER_IS_BETTER, 1);
    snprintf(label, sizeof(label),
             "one dispatch, 1 ready + %d idle fds, minimu with MINIMU_FDMON=poll, us", nidle);
    Row *q = row_new(label, LOWER_IS_BETTER, 1);
    double v[NLIBS + 1][ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i <= NLIBS; i++) {
            const LoopBench *lib = i < NLIBS ? libs[i] : &bench_minimu_pollfd;
            progress(i < NLIBS ? r->label : q->label, lib);
            v[i][round] = lib->dispatch(nidle, p->fd_seconds / ROUNDS) / 1000.0;
        }
    }
    for (int i = 0; i < NLIBS; i++) {
        r->v[i] = median_of_rounds(v[i]);
    }
    q->v[LIB_MINIMU] = median_of_rounds(v[NLIBS]);
    q->v[LIB_GLIB] = r->v[LIB_GLIB];
    q->v[LIB_UV] = r->v[LIB_UV];
}

/* ---- output ------------------------------------------------------------------------------------ */

static void fmt_value(char *buf, size_t len, double v, int unit)
{
    if (isnan(v)) {
        snprintf(buf, len, "n/a");
    } else if (unit == 0) {
        snprintf(buf, len, "%.2f M/s", v);
    } else if (v >= 100) {
        snprintf(buf, len, "%.0f", v);
    } else if (v >= 10) {
        snprintf(buf, len, "%.1f", v);
    } else {
        snprintf(buf, len, "%.2f", v);
    }
}

static void fmt_ratio(char *buf, size_t len, const Row *r, int ref)
{
    double m = r->v[LIB_MINIMU], o = r->v[ref];
    if (isnan(m) || isnan(o) || m <= 0 || o <= 0) {
        snprintf(buf, len, "n/a");
        return;
    }
    double ratio = r->better == HIGHER_IS_BETTER ? m / o : o / m;
    if (ratio >= 1) {
        snprintf(buf, len, "**%.2fx**", ratio);
    } else {
        snprintf(buf, len, ratio >= 0.1 ? "%.2fx" : "%.2gx", ratio);
    }
}

static void print_header(const Params *p)
{
    struct utsname u;
    char date[32] = "?";
    time_t now = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
    if (uname(&u) != 0) {
        memset(&u, 0, sizeof(u));
    }
#ifdef NDEBUG
    const char *build = "optimised build";
#else
    const char *build = "NOT an optimised build: numbers mean little";
#endif
    printf("## minimu event loop vs GLib and libuv (%s)\n\n", date);
    printf("host: nproc=%ld, %s %s %s; GLib %s, libuv %s; %s; shared machine: compare the "
           "ratios, not the absolute numbers\n\n",
           sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, u.machine, bench_glib_version(),
           bench_uv_version(), build);
    printf("Ratio columns: how many times better minimu is than the reference, measured in this "
           "run (rates: minimu / reference; times: reference / minimu). Above 1 (bold) minimu "
           "wins, below 1 the reference wins.\n\n");
    if (p->fd_note[0]) {
        printf("%s\n\n", p->fd_note);
    }
}

static void print_table(void)
{
    printf("| measurement | minimu | GLib | libuv | minimu/GLib | minimu/libuv |\n");
    printf("|---|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < nrows; i++) {
        const Row *r = &rows[i];
        char v[NLIBS][32], g[32], u[32];
        for (int k = 0; k < NLIBS; k++) {
            fmt_value(v[k], sizeof(v[k]), r->v[k], r->digits_unit);
        }
        fmt_ratio(g, sizeof(g), r, LIB_GLIB);
        fmt_ratio(u, sizeof(u), r, LIB_UV);
        printf("| %s | %s | %s | %s | %s | %s |\n", r->label, v[0], v[1], v[2], g, u);
    }
}

static void print_notes(void)
{
    if (footnotes[0]) {
        printf("\n%s", footnotes);
    }
    printf(
        "\nWhat each row runs (minimu / GLib / libuv):\n"
        "- BH vs per-iteration callback: a BH that reschedules itself / an idle source returning "
        "G_SOURCE_CONTINUE (no re-arm) / a uv_idle_t (no re-arm); one aio_poll, "
        "g_main_context_iteration or uv_run(UV_RUN_ONCE) per call.\n"
        "- BH vs thread-safe re-arm: qemu_bh_schedule / g_source_set_ready_time(src, 0) after "
        "resetting it to -1 / uv_async_send to its own handle.\n"
        "- one-shot: aio_bh_schedule_oneshot / g_idle_add-style new idle source "
        "/ libuv has none.\n"
        "- wakeup: qemu_bh_schedule into an IOThread (polling as QEMU's IOThread default: "
        "poll-max-ns 32768, grow 2, shrink 2) / g_source_set_ready_time(src, 0) into a thread "
        "in g_main_context_iteration / uv_async_send into a thread in uv_run; time from just "
        "before the call to the callback.\n"
        "- timers: periodic on an absolute grid, lateness = fire time - requested expiry; "
        "timer_mod_ns at the exact ns / a GSource ready time (us; GLib rounds its poll "
        "timeout up to whole ms) / uv_timer_start at the first whole loop-ms not before the "
        "expiry (libuv timers are ms). 100 us cannot be expressed by GLib's or libuv's waits; "
        "their rows show what a 100 us request gets. Linux's default timer slack (50 us) "
        "applies unless the row says otherwise.\n"
        "- dispatch: eventfds registered with aio_set_fd_handler / g_unix_fd_source_new each / "
        "uv_poll_t each; per iteration the active eventfd is written, one blocking "
        "iteration runs its handler, which reads it.\n"
        "- every row runs in 5 rounds that visit minimu, GLib and libuv in turn (rates and "
        "costs: median of the rounds, each the median of 5 batches; percentiles: over the "
        "samples of all rounds). Rows that vary only minimu (polling off, MINIMU_FDMON=poll) "
        "are measured in the same rounds and repeat the references of the row above.\n");
}

/* ---- main ---------------------------------------------------------------------------------------- */

/* Room for the idle fds plus the loops' own; fewer idle fds if the hard limit says so. */
static void raise_fd_limit(Params *p)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)p->idle_fds + 256;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return;
    }
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < want) {
        int n = (int)rl.rlim_cur - 256;
        snprintf(p->fd_note, sizeof(p->fd_note),
                 "Note: RLIMIT_NOFILE is %lu and cannot be raised, so the large fd rows use "
                 "%d idle fds instead of %d.",
                 (unsigned long)rl.rlim_cur, n, p->idle_fds);
        p->idle_fds = n;
    }
}

int main(int argc, char **argv)
{
    Params p = {
        .rate_seconds = 0.6,
        .fd_seconds = 0.6,
        .wake_samples = 2000,
        .b2b_samples = 3000,
        .timer_samples = 2000,
        .idle_fds = 10000,
    };
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            p.rate_seconds = 0.05;
            p.fd_seconds = 0.05;
            p.wake_samples = 100;
            p.b2b_samples = 200;
            p.timer_samples = 100;
        } else if (strcmp(argv[i], "--idle-fds") == 0 && i + 1 < argc) {
            p.idle_fds = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--quick] [--idle-fds N]\n", argv[0]);
            return 2;
        }
    }
    raise_fd_limit(&p);
    if (p.idle_fds < 10) {
        fprintf(stderr, "bench-loop: too few file descriptors\n");
        return 1;
    }

    measure_rate(
        "BH self-reschedule vs the cheapest per-iteration callback (GLib idle, uv_idle), M ops/s",
        offsetof(LoopBench, self_rearm_rate), &p);
    measure_rate(
        "BH self-reschedule vs a thread-safe re-arm (GLib ready time, uv_async_send), M ops/s",
        offsetof(LoopBench, threadsafe_rearm_rate), &p);
    measure_rate("one-shot BH vs g_idle_add (libuv has none), M ops/s",
                 offsetof(LoopBench, oneshot_rate), &p);
    measure_wakeup(&p);
    measure_timer("periodic 1 ms timer", 1000000, &p);
    measure_timer("periodic 100 us timer", 100000, &p);
    /* What QEMU does at start-up (prctl(PR_SET_TIMERSLACK, 1)), for every loop alike. */
    if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) == 0) {
        measure_timer("periodic 100 us timer, timer slack 1 ns", 100000, &p);
        prctl(PR_SET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL);
    }
    measure_dispatch(10, &p);
    measure_dispatch(p.idle_fds, &p);

    print_header(&p);
    print_table();
    print_notes();
    return 0;
}
