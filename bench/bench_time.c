/*
 * bench_time.c — cost per call of the time functions on the ingest path:
 * timestampSpec parsing and granularity truncation.
 *
 *   ts_auto_iso24     auto format, "2026-11-28T04:33:07.123Z" (varied seconds)
 *   ts_iso_iso24      iso format, same strings
 *   ts_auto_space     auto format, "2026-11-28 04:33:07" (general path)
 *   ts_auto_millis    auto format, all-digit millis string
 *   ts_joda           "yyyy-MM-dd HH:mm:ss" pattern
 *   format_iso        vrv_time_format of an instant
 *   gran_hour_utc     bucket start, HOUR
 *   gran_day_la       bucket start, P1D in America/Los_Angeles
 *
 * Prints `BENCH <name> <value> ns/op` lines (thread CPU time, best of three).
 * BENCH_QUICK=1 shortens the runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/granularity.h"
#include "base/joda.h"

/* CPU time of this thread: the machine is shared, and wall time would count
 * the time other processes hold the cores. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define NSTR 4096

static char strs[NSTR][32];
static size_t lens[NSTR];
static volatile int64_t sink;

/* Best of three passes of `iters` parses over the prepared strings. */
static void bench_ts(const char *name, const char *format, long iters)
{
    vrv_ts_parser p;
    vrv_error err;
    if (vrv_ts_parser_init(&p, format, &err)) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        exit(1);
    }
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        int64_t acc = 0;
        double t0 = now();
        for (long i = 0; i < iters; i++) {
            vrv_ms t;
            size_t k = (size_t)i & (NSTR - 1);
            if (vrv_ts_parse_str(&p, strs[k], lens[k], &t, &err)) {
                fprintf(stderr, "%s: %s\n", name, err.msg);
                exit(1);
            }
            acc += t;
        }
        double dt = (now() - t0) / (double)iters * 1e9;
        sink = acc;
        if (dt < best) best = dt;
    }
    printf("BENCH %s %.1f ns/op\n", name, best);
    vrv_ts_parser_destroy(&p);
}

static void fill(const char *fmt_kind)
{
    for (int i = 0; i < NSTR; i++) {
        int h = i % 24, m = (i / 24) % 60, s = (i * 7) % 60, ms = (i * 37) % 1000;
        if (!strcmp(fmt_kind, "iso24"))
            lens[i] = (size_t)snprintf(strs[i], 32, "2026-11-28T%02d:%02d:%02d.%03dZ", h, m, s, ms);
        else if (!strcmp(fmt_kind, "space"))
            lens[i] = (size_t)snprintf(strs[i], 32, "2026-11-28 %02d:%02d:%02d", h, m, s);
        else if (!strcmp(fmt_kind, "millis"))
            lens[i] = (size_t)snprintf(strs[i], 32, "%lld", 1795840387123LL + i * 1009LL);
    }
}

static void bench_gran(const char *name, const vrv_gran *g, long iters)
{
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        int64_t acc = 0;
        vrv_ms t = 1795840387123LL;
        double t0 = now();
        for (long i = 0; i < iters; i++) {
            acc += vrv_gran_bucket_start(g, t);
            t += 7919;
        }
        double dt = (now() - t0) / (double)iters * 1e9;
        sink = acc;
        if (dt < best) best = dt;
    }
    printf("BENCH %s %.1f ns/op\n", name, best);
}

int main(void)
{
    long iters = getenv("BENCH_QUICK") ? 200000 : 5000000;
    fill("iso24");
    bench_ts("ts_auto_iso24", "auto", iters);
    bench_ts("ts_iso_iso24", "iso", iters);
    fill("space");
    bench_ts("ts_auto_space", "auto", iters);
    bench_ts("ts_joda", "yyyy-MM-dd HH:mm:ss", iters);
    fill("millis");
    bench_ts("ts_auto_millis", "auto", iters);

    double best = 1e9;
    char buf[VRV_TIME_STR_MAX];
    for (int rep = 0; rep < 3; rep++) {
        size_t acc = 0;
        double t0 = now();
        for (long i = 0; i < iters; i++) acc += vrv_time_format(1795840387123LL + i * 7919, buf);
        double dt = (now() - t0) / (double)iters * 1e9;
        sink = (int64_t)acc;
        if (dt < best) best = dt;
    }
    printf("BENCH format_iso %.1f ns/op\n", best);

    vrv_gran hour = vrv_gran_standard(VRV_GRAN_STD_HOUR);
    bench_gran("gran_hour_utc", &hour, iters);
    const vrv_tz *la;
    vrv_period p1d = {.days = 1};
    vrv_gran day_la;
    if (vrv_tz_get("America/Los_Angeles", 19, &la, NULL) ||
        vrv_gran_make_period(&day_la, &p1d, la, NULL, NULL)) {
        fprintf(stderr, "no America/Los_Angeles\n");
        return 1;
    }
    bench_gran("gran_day_la", &day_la, iters);
    return 0;
}
