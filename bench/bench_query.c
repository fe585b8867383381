/*
 * bench_query.c — query engine throughput over segments written with the
 * segment writer: web-clicks style rows (a 5,000-value `url` dimension with
 * Zipf-like skew, a 50-value `country`, a 4-value `device`, long `bytes`
 * and double `latency` metrics), one day per segment, 1,000,000 rows per
 * segment (10 segments; BENCH_QUICK=1 writes 2). Each query runs three times
 * (BENCH_REPEAT=n), or only the one named by BENCH_ONLY,
 * and the best run counts; rows/s is per core (the engine is single
 * threaded) and is measured in thread CPU time, so other load on the
 * machine does not count; latency is wall time. Prints `BENCH <name> <value> <unit>` lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "query/adapter.h"
#include "query/query.h"
#include "segment/seg_reader.h"
#include "segment/seg_writer.h"

#define ROWS_PER_SEG 1000000
#define NURL 5000
#define DAY 86400000LL
#define T0 1735689600000LL /* 2025-01-01 */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the per-core cost, unaffected by other load on
 * the machine. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const vrv_seg_column_def cols[] = {
    {"country", VRV_C_STRING, NULL, false, true}, {"device", VRV_C_STRING, NULL, false, true},
    {"url", VRV_C_STRING, NULL, false, true},     {"bytes", VRV_C_LONG, NULL, true, false},
    {"latency", VRV_C_DOUBLE, NULL, true, false},
};

static char urls[NURL][32], countries[50][8];
static const char *devices[4] = {"desktop", "mobile", "tablet", "tv"};

static vrv_segment *write_segment(const char *dir, int day)
{
    vrv_seg_writer *w = vrv_seg_writer_new(cols, 5, NULL);
    for (long r = 0; r < ROWS_PER_SEG; r++) {
        uint64_t x = next_rand();
        /* skewed: a quarter of the rows hit the first 50 urls */
        int u = (x & 3) == 0 ? (int)((x >> 2) % 50) : (int)((x >> 2) % NURL);
        int c = (int)((x >> 20) % 50), d = (int)((x >> 30) % 4);
        vrv_value v[5] = {vrv_string(countries[c], strlen(countries[c])),
                          vrv_string(devices[d], strlen(devices[d])),
                          vrv_string(urls[u], strlen(urls[u])), vrv_long((int64_t)(x >> 40) % 100000),
                          vrv_double((double)((x >> 33) % 10000) / 10.0)};
        vrv_seg_writer_add(w, T0 + day * DAY + r * (DAY / ROWS_PER_SEG), v);
    }
    char path[512], iv[128];
    snprintf(path, sizeof path, "%s/seg%d.vseg", dir, day);
    char s[64], e[64];
    vrv_time_format(T0 + day * DAY, s);
    vrv_time_format(T0 + (day + 1) * DAY, e);
    snprintf(iv, sizeof iv, "%s/%s", s, e);
    json_t *meta = json_pack("{s:s,s:s,s:s,s:i}", "dataSource", "clicks", "interval", iv, "version",
                             "v1", "partitionNum", 0);
    vrv_error err;
    if (vrv_seg_writer_finish(w, meta, path, NULL, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    json_decref(meta);
    vrv_seg_writer_free(w);
    vrv_segment *seg;
    if (vrv_segment_open(path, &seg, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    return seg;
}

static void bench(const char *name, const char *text, vrv_adapter **ads, size_t n, size_t rows)
{
    /* BENCH_ONLY=<name> runs one query, BENCH_REPEAT=<n> times (for a profiler) */
    const char *only = getenv("BENCH_ONLY");
    if (only && strcmp(only, name) != 0) return;
    int repeat = getenv("BENCH_REPEAT") ? atoi(getenv("BENCH_REPEAT")) : 3;
    if (repeat < 1) repeat = 1;
    vrv_query *q;
    vrv_query_error qe;
    if (vrv_query_parse(text, strlen(text), &q, &qe)) {
        fprintf(stderr, "%s: %s\n", name, qe.err.msg);
        exit(1);
    }
    double best = 1e9, best_wall = 1e9;
    size_t outlen = 0;
    for (int i = 0; i < repeat; i++) {
        vrv_buf out = VRV_BUF_INIT;
        vrv_error err;
        double w = now_s();
        double t = cpu_s();
        if (vrv_query_execute(q, ads, n, 0, &out, &err)) {
            fprintf(stderr, "%s: %s\n", name, err.msg);
            exit(1);
        }
        t = cpu_s() - t;
        w = now_s() - w;
        if (t < best) best = t;
        if (w < best_wall) best_wall = w;
        outlen = out.len;
        vrv_buf_free(&out);
    }
    printf("BENCH query_%s_rows_per_s %.0f rows/s\n", name, (double)rows / best);
    printf("BENCH query_%s_cpu %.2f ms\n", name, best * 1e3);
    printf("BENCH query_%s_latency %.2f ms\n", name, best_wall * 1e3);
    fprintf(stderr, "  (%s: %zu result bytes)\n", name, outlen);
    vrv_query_free(q);
}

int main(void)
{
    int nseg = getenv("BENCH_QUICK") ? 2 : 10;
    for (int i = 0; i < NURL; i++) snprintf(urls[i], sizeof urls[i], "/page/%04d", i);
    for (int i = 0; i < 50; i++) snprintf(countries[i], sizeof countries[i], "C%02d", i);
    char dir[] = "/tmp/vrv-bench-query-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    vrv_segment **segs = calloc((size_t)nseg, sizeof *segs);
    vrv_adapter **ads = calloc((size_t)nseg, sizeof *ads);
    double t = now_s();
    for (int d = 0; d < nseg; d++) {
        segs[d] = write_segment(dir, d);
        ads[d] = vrv_adapter_segment(segs[d], NULL);
    }
    fprintf(stderr, "  wrote %d segments in %.1f s\n", nseg, now_s() - t);
    size_t rows = (size_t)nseg * ROWS_PER_SEG;
    char q[2048];
    const char *iv = "\"intervals\":[\"2025-01-01/2026-01-01\"]";
    snprintf(q, sizeof q,
             "{\"queryType\":\"timeseries\",\"dataSource\":\"clicks\",%s,\"granularity\":\"all\","
             "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"bytes\",\"fieldName\":\"bytes\"}]}",
             iv);
    bench("timeseries_sum", q, ads, (size_t)nseg, rows);
    snprintf(q, sizeof q,
             "{\"queryType\":\"timeseries\",\"dataSource\":\"clicks\",%s,\"granularity\":\"hour\","
             "\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},{\"type\":\"longSum\",\"name\":"
             "\"bytes\",\"fieldName\":\"bytes\"},{\"type\":\"doubleMax\",\"name\":\"lat\","
             "\"fieldName\":\"latency\"}]}",
             iv);
    bench("timeseries_hour", q, ads, (size_t)nseg, rows);
    snprintf(q, sizeof q,
             "{\"queryType\":\"topN\",\"dataSource\":\"clicks\",%s,\"granularity\":\"all\","
             "\"dimension\":\"url\",\"threshold\":10,\"metric\":\"bytes\","
             "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"bytes\",\"fieldName\":\"bytes\"}]}",
             iv);
    bench("topn_url", q, ads, (size_t)nseg, rows);
    snprintf(q, sizeof q,
             "{\"queryType\":\"groupBy\",\"dataSource\":\"clicks\",%s,\"granularity\":\"all\","
             "\"dimensions\":[\"country\"],\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},"
             "{\"type\":\"doubleSum\",\"name\":\"lat\",\"fieldName\":\"latency\"}]}",
             iv);
    bench("groupby_country", q, ads, (size_t)nseg, rows);
    snprintf(q, sizeof q,
             "{\"queryType\":\"groupBy\",\"dataSource\":\"clicks\",%s,\"granularity\":\"all\","
             "\"dimensions\":[\"country\",\"device\"],\"aggregations\":[{\"type\":\"count\","
             "\"name\":\"n\"}]}",
             iv);
    bench("groupby_country_device", q, ads, (size_t)nseg, rows);
    snprintf(q, sizeof q,
             "{\"queryType\":\"timeseries\",\"dataSource\":\"clicks\",%s,\"granularity\":\"all\","
             "\"filter\":{\"type\":\"in\",\"dimension\":\"country\",\"values\":[\"C01\",\"C02\"]},"
             "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"bytes\",\"fieldName\":\"bytes\"}]}",
             iv);
    bench("filtered_timeseries", q, ads, (size_t)nseg, rows);
    snprintf(q, sizeof q,
             "{\"queryType\":\"scan\",\"dataSource\":\"clicks\",%s,\"columns\":[\"__time\","
             "\"url\",\"bytes\"],\"limit\":100000}",
             iv);
    bench("scan_100k", q, ads, 1, 100000);
    snprintf(q, sizeof q,
             "{\"queryType\":\"scan\",\"dataSource\":\"clicks\",%s,\"columns\":[\"__time\","
             "\"url\",\"bytes\"],\"order\":\"descending\",\"limit\":1000}",
             iv);
    bench("scan_latest_1k", q, ads, (size_t)nseg, rows);
    for (int d = 0; d < nseg; d++) {
        char path[512];
        snprintf(path, sizeof path, "%s/seg%d.vseg", dir, d);
        vrv_adapter_free(ads[d]);
        vrv_segment_close(segs[d]);
        unlink(path);
    }
    rmdir(dir);
    free(segs);
    free(ads);
    return 0;
}
