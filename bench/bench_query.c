/*
 * bench_query.c — the native query engine on the rows a datasource holds in
 * segments and on the rows a streaming task still holds in memory, next to
 * DuckDB running the same queries on the same rows.
 *
 * Rows: web clicks (a 5,000-value `url` dimension with Zipf-like skew — a
 * quarter of the rows on the first 50 urls —, a 50-value `country`, a 4-value
 * `device`, long `bytes` and double `latency`), fixed seed.
 *  - seg: 10 segments of one day and 1,000,000 rows each, written with the
 *    segment writer (BENCH_QUICK=1: 2 segments);
 *  - rt:  1,000,000 rows of the next day (BENCH_QUICK=1: 500,000) read as JSON
 *    records through the row pipeline into an appendable index (rollup off),
 *    queried as a streaming task queries it: through an index view
 *    (query/index_view.h) brought up to date by each query, in the query's
 *    time. The index does not grow between queries, so after the warm-up a
 *    query reads the view's parts; the copy a first query (or a view that
 *    starts over) makes of the whole index is measured apart
 *    (query_rt_snapshot_cpu).
 * Queries: timeseries sum, timeseries by hour, topN of 10 urls by sum,
 * groupBy country, groupBy country x device, a bitmap-filtered timeseries
 * (country in 2 values), a scan of 100,000 rows, the newest 1,000 rows.
 *
 * Honesty: every query runs once to warm up and BENCH_REPEAT times (default
 * 5, 3 with BENCH_QUICK=1); the medians count. rows/s per core divides the rows the query covers by
 * the thread's CPU time (the engine is single threaded); latency is wall
 * time. Every answer is checked against the one computed while generating the
 * rows; a wrong answer prints no figure and exits 1.
 *
 * Peer: when bench/duckdb/node_modules holds @duckdb/node-api
 * (bench/duckdb/install), the same rows are written as CSV and
 * bench/duckdb/bench_duckdb.mjs runs the same queries in DuckDB with one
 * thread; its answers are checked the same way and the ratio
 * varve rows/s per core / DuckDB rows/s per core is printed.
 *
 * Also: the appendable index's memory per row, segment bytes per row.
 * BENCH_ONLY=<query> runs one query (for a profiler); BENCH_NO_PEER=1 skips
 * DuckDB. Prints `BENCH <name> <value> <unit>` lines.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/mem.h"
#include "ingest/pipeline.h"
#include "json/jutil.h"
#include "query/adapter.h"
#include "query/index_view.h"
#include "query/query.h"
#include "segment/seg_reader.h"
#include "segment/seg_writer.h"

#define ROWS_PER_SEG 1000000
#define NURL 5000
#define NCOUNTRY 50
#define NDEVICE 4
#define DAY 86400000LL
#define HOUR 3600000LL
#define T0 1735689600000LL /* 2025-01-01 */
#define MAXQ 16

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the per-core cost, unaffected by other load. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_query: %s: %s\n", what, msg);
    exit(1);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char urls[NURL][32], countries[NCOUNTRY][8];
static const char *devices[NDEVICE] = {"desktop", "mobile", "tablet", "tv"};

/* ---- the rows and their expected answers ---------------------------------- */

typedef struct gen_row {
    vrv_ms t;
    int url, country, device;
    int64_t bytes;
    double latency;
} gen_row;

static gen_row next_row(int day, long r, long rows_per_day)
{
    uint64_t x = next_rand();
    gen_row g;
    g.t = T0 + day * DAY + r * (DAY / rows_per_day);
    g.url = (x & 3) == 0 ? (int)((x >> 2) % 50) : (int)((x >> 2) % NURL);
    g.country = (int)((x >> 20) % NCOUNTRY);
    g.device = (int)((x >> 30) % NDEVICE);
    g.bytes = (int64_t)(x >> 40) % 100000;
    g.latency = (double)((x >> 33) % 10000) / 10.0;
    return g;
}

/* What every query must answer over one set of rows. */
typedef struct expect {
    int64_t sum_bytes;
    size_t nhours;
    vrv_ms hour0;
    int64_t *h_n, *h_bytes; /* [nhours] */
    double *h_max;
    int64_t url_bytes[NURL];
    int64_t c_n[NCOUNTRY];
    double c_lat[NCOUNTRY];
    int64_t cd_n[NCOUNTRY][NDEVICE];
    int64_t filtered; /* sum(bytes) where country in (C01, C02) */
    long first_rows;  /* the rows of the first adapter, in time order */
    int64_t first100k_bytes, last1k_bytes;
    int64_t *tail;    /* ring of the last 1,000 rows' bytes */
    long rows;
} expect;

static void expect_init(expect *e, vrv_ms start, size_t nhours)
{
    memset(e, 0, sizeof *e);
    e->hour0 = start;
    e->nhours = nhours;
    e->h_n = vrv_calloc(nhours, sizeof *e->h_n);
    e->h_bytes = vrv_calloc(nhours, sizeof *e->h_bytes);
    e->h_max = vrv_calloc(nhours, sizeof *e->h_max);
    for (size_t i = 0; i < nhours; i++) e->h_max[i] = -INFINITY;
    e->tail = vrv_calloc(1000, sizeof *e->tail);
}

static void expect_add(expect *e, const gen_row *g)
{
    e->sum_bytes += g->bytes;
    size_t h = (size_t)((g->t - e->hour0) / HOUR);
    e->h_n[h]++;
    e->h_bytes[h] += g->bytes;
    if (g->latency > e->h_max[h]) e->h_max[h] = g->latency;
    e->url_bytes[g->url] += g->bytes;
    e->c_n[g->country]++;
    e->c_lat[g->country] += g->latency;
    e->cd_n[g->country][g->device]++;
    if (g->country == 1 || g->country == 2) e->filtered += g->bytes;
    if (e->rows < 100000) e->first100k_bytes += g->bytes;
    e->tail[e->rows % 1000] = g->bytes;
    e->rows++;
}

static void expect_done(expect *e)
{
    for (int i = 0; i < 1000 && i < e->rows; i++) e->last1k_bytes += e->tail[i];
}

static void expect_free(expect *e)
{
    free(e->h_n);
    free(e->h_bytes);
    free(e->h_max);
    free(e->tail);
}

static int cmp_url_desc(const void *a, const void *b, void *ctx)
{
    const int64_t *s = ctx;
    int x = *(const int *)a, y = *(const int *)b;
    if (s[x] != s[y]) return s[x] > s[y] ? -1 : 1;
    return x - y;
}

/* The 10 urls with the largest sum(bytes). */
static void top_urls(const expect *e, int out[10])
{
    static int order[NURL];
    for (int i = 0; i < NURL; i++) order[i] = i;
    qsort_r(order, NURL, sizeof *order, cmp_url_desc, (void *)e->url_bytes);
    memcpy(out, order, 10 * sizeof *out);
}

static bool close_to(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* ---- queries ----------------------------------------------------------------- */

typedef struct qdef {
    const char *name;
    const char *json;   /* the native query */
    bool first_only;    /* over the first adapter only (scan_100k) */
    long rows;          /* rows it covers; 0 = every row */
} qdef;

#define IV "\"intervals\":[\"2025-01-01/2026-01-01\"]"
static const qdef QUERIES[] = {
    {"timeseries_sum",
     "{\"queryType\":\"timeseries\",\"dataSource\":\"clicks\"," IV ",\"granularity\":\"all\","
     "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"bytes\",\"fieldName\":\"bytes\"}]}",
     false, 0},
    {"timeseries_hour",
     "{\"queryType\":\"timeseries\",\"dataSource\":\"clicks\"," IV ",\"granularity\":\"hour\","
     "\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},{\"type\":\"longSum\",\"name\":"
     "\"bytes\",\"fieldName\":\"bytes\"},{\"type\":\"doubleMax\",\"name\":\"lat\","
     "\"fieldName\":\"latency\"}]}",
     false, 0},
    {"topn_url",
     "{\"queryType\":\"topN\",\"dataSource\":\"clicks\"," IV ",\"granularity\":\"all\","
     "\"dimension\":\"url\",\"threshold\":10,\"metric\":\"bytes\","
     "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"bytes\",\"fieldName\":\"bytes\"}]}",
     false, 0},
    {"groupby_country",
     "{\"queryType\":\"groupBy\",\"dataSource\":\"clicks\"," IV ",\"granularity\":\"all\","
     "\"dimensions\":[\"country\"],\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},"
     "{\"type\":\"doubleSum\",\"name\":\"lat\",\"fieldName\":\"latency\"}]}",
     false, 0},
    {"groupby_country_device",
     "{\"queryType\":\"groupBy\",\"dataSource\":\"clicks\"," IV ",\"granularity\":\"all\","
     "\"dimensions\":[\"country\",\"device\"],\"aggregations\":[{\"type\":\"count\","
     "\"name\":\"n\"}]}",
     false, 0},
    {"filtered_timeseries",
     "{\"queryType\":\"timeseries\",\"dataSource\":\"clicks\"," IV ",\"granularity\":\"all\","
     "\"filter\":{\"type\":\"in\",\"dimension\":\"country\",\"values\":[\"C01\",\"C02\"]},"
     "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"bytes\",\"fieldName\":\"bytes\"}]}",
     false, 0},
    {"scan_100k",
     "{\"queryType\":\"scan\",\"dataSource\":\"clicks\"," IV ",\"columns\":[\"__time\","
     "\"url\",\"bytes\"],\"limit\":100000}",
     true, 100000},
    {"scan_latest_1k",
     "{\"queryType\":\"scan\",\"dataSource\":\"clicks\"," IV ",\"columns\":[\"__time\","
     "\"url\",\"bytes\"],\"order\":\"descending\",\"limit\":1000}",
     false, 0},
};
#define NQ (sizeof QUERIES / sizeof QUERIES[0])

static bool bad(const char *q, const char *what)
{
    fprintf(stderr, "bench_query: wrong answer to %s: %s\n", q, what);
    return false;
}

/* Checks varve's JSON answer to query q against e. */
static bool check_varve(const qdef *q, const char *text, size_t len, const expect *e)
{
    json_t *j = json_loadb(text, len, 0, NULL);
    if (!json_is_array(j)) return bad(q->name, "not a JSON array");
    bool ok = true;
    const char *n = q->name;
    if (!strcmp(n, "timeseries_sum") || !strcmp(n, "filtered_timeseries")) {
        json_int_t v = json_integer_value(json_object_get(json_object_get(json_array_get(j, 0), "result"), "bytes"));
        if (v != (!strcmp(n, "timeseries_sum") ? e->sum_bytes : e->filtered)) ok = bad(n, "sum(bytes)");
    } else if (!strcmp(n, "timeseries_hour")) {
        if (json_array_size(j) != e->nhours) ok = bad(n, "number of hours");
        for (size_t i = 0; ok && i < e->nhours; i++) {
            json_t *r = json_object_get(json_array_get(j, i), "result");
            if (json_integer_value(json_object_get(r, "n")) != e->h_n[i] ||
                json_integer_value(json_object_get(r, "bytes")) != e->h_bytes[i] ||
                json_number_value(json_object_get(r, "lat")) != e->h_max[i])
                ok = bad(n, "an hour's count, sum or max");
        }
    } else if (!strcmp(n, "topn_url")) {
        int top[10];
        top_urls(e, top);
        json_t *res = json_object_get(json_array_get(j, 0), "result");
        if (json_array_size(res) != 10) ok = bad(n, "not 10 rows");
        for (size_t i = 0; ok && i < 10; i++) {
            json_t *r = json_array_get(res, i);
            const char *u = json_string_value(json_object_get(r, "url"));
            if (!u || strcmp(u, urls[top[i]]) || json_integer_value(json_object_get(r, "bytes")) != e->url_bytes[top[i]])
                ok = bad(n, "a url or its sum");
        }
    } else if (!strcmp(n, "groupby_country") || !strcmp(n, "groupby_country_device")) {
        bool dev = !strcmp(n, "groupby_country_device");
        size_t want = 0;
        for (int c = 0; c < NCOUNTRY; c++)
            for (int d = 0; d < (dev ? NDEVICE : 1); d++) want += (dev ? e->cd_n[c][d] : e->c_n[c]) > 0;
        if (json_array_size(j) != want) ok = bad(n, "number of groups");
        for (size_t i = 0; ok && i < json_array_size(j); i++) {
            json_t *ev = json_object_get(json_array_get(j, i), "event");
            const char *cs = json_string_value(json_object_get(ev, "country"));
            int c = cs && cs[0] == 'C' ? atoi(cs + 1) : -1;
            int d = -1;
            const char *ds = dev ? json_string_value(json_object_get(ev, "device")) : NULL;
            for (int k = 0; ds && k < NDEVICE; k++)
                if (!strcmp(ds, devices[k])) d = k;
            if (c < 0 || c >= NCOUNTRY || (dev && d < 0)) {
                ok = bad(n, "an unknown group");
                break;
            }
            json_int_t cnt = json_integer_value(json_object_get(ev, "n"));
            if (cnt != (dev ? e->cd_n[c][d] : e->c_n[c])) ok = bad(n, "a group's count");
            if (!dev && !close_to(json_number_value(json_object_get(ev, "lat")), e->c_lat[c]))
                ok = bad(n, "a group's sum(latency)");
        }
    } else if (!strcmp(n, "scan_100k") || !strcmp(n, "scan_latest_1k")) {
        long rows = 0;
        int64_t sum = 0;
        for (size_t i = 0; i < json_array_size(j); i++) {
            json_t *evs = json_object_get(json_array_get(j, i), "events");
            for (size_t k = 0; k < json_array_size(evs); k++, rows++)
                sum += json_integer_value(json_object_get(json_array_get(evs, k), "bytes"));
        }
        bool first = !strcmp(n, "scan_100k");
        if (rows != (first ? 100000 : 1000) || sum != (first ? e->first100k_bytes : e->last1k_bytes))
            ok = bad(n, "rows or their sum(bytes)");
    }
    json_decref(j);
    return ok;
}

/* Checks DuckDB's answer (bench_duckdb.mjs's JSON) to query q against e. */
static bool check_peer(const char *n, const char *text, const expect *e)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    bool ok = j != NULL;
    if (!ok) return bad(n, "DuckDB's answer is not JSON");
    if (!strcmp(n, "timeseries_sum") || !strcmp(n, "filtered_timeseries")) {
        if (json_number_value(j) != (double)(!strcmp(n, "timeseries_sum") ? e->sum_bytes : e->filtered))
            ok = bad(n, "DuckDB's sum(bytes)");
    } else if (!strcmp(n, "timeseries_hour")) {
        if (json_array_size(j) != e->nhours) ok = bad(n, "DuckDB's number of hours");
        for (size_t i = 0; ok && i < e->nhours; i++) {
            json_t *r = json_array_get(j, i);
            if (json_number_value(json_array_get(r, 1)) != (double)e->h_n[i] ||
                json_number_value(json_array_get(r, 2)) != (double)e->h_bytes[i] ||
                json_number_value(json_array_get(r, 3)) != e->h_max[i])
                ok = bad(n, "DuckDB's hour");
        }
    } else if (!strcmp(n, "topn_url")) {
        int top[10];
        top_urls(e, top);
        for (size_t i = 0; ok && i < 10; i++) {
            json_t *r = json_array_get(j, i);
            const char *u = json_string_value(json_array_get(r, 0));
            if (!u || strcmp(u, urls[top[i]]) || json_number_value(json_array_get(r, 1)) != (double)e->url_bytes[top[i]])
                ok = bad(n, "DuckDB's url or sum");
        }
    } else if (!strcmp(n, "groupby_country") || !strcmp(n, "groupby_country_device")) {
        bool dev = !strcmp(n, "groupby_country_device");
        for (size_t i = 0; ok && i < json_array_size(j); i++) {
            json_t *r = json_array_get(j, i);
            const char *cs = json_string_value(json_array_get(r, 0));
            int c = cs && cs[0] == 'C' ? atoi(cs + 1) : 0;
            int d = 0;
            const char *ds = dev ? json_string_value(json_array_get(r, 1)) : NULL;
            for (int k = 0; ds && k < NDEVICE; k++)
                if (!strcmp(ds, devices[k])) d = k;
            double cnt = json_number_value(json_array_get(r, dev ? 2 : 1));
            if (cnt != (double)(dev ? e->cd_n[c][d] : e->c_n[c]) ||
                (!dev && !close_to(json_number_value(json_array_get(r, 2)), e->c_lat[c])))
                ok = bad(n, "DuckDB's group");
        }
        if (ok && json_array_size(j) != (dev ? NCOUNTRY * NDEVICE : NCOUNTRY)) ok = bad(n, "DuckDB's groups");
    } else if (!strcmp(n, "scan_100k") || !strcmp(n, "scan_latest_1k")) {
        bool first = !strcmp(n, "scan_100k");
        if (json_number_value(json_array_get(j, 0)) != (first ? 100000 : 1000) ||
            json_number_value(json_array_get(j, 1)) != (double)(first ? e->first100k_bytes : e->last1k_bytes))
            ok = bad(n, "DuckDB's rows");
    }
    json_decref(j);
    return ok;
}

/* ---- the two stores -------------------------------------------------------- */

static const vrv_seg_column_def cols[] = {
    {"country", VRV_C_STRING, NULL, false, true}, {"device", VRV_C_STRING, NULL, false, true},
    {"url", VRV_C_STRING, NULL, false, true},     {"bytes", VRV_C_LONG, NULL, true, false},
    {"latency", VRV_C_DOUBLE, NULL, true, false},
};

static void csv_row(FILE *f, const gen_row *g)
{
    if (f)
        fprintf(f, "%lld,%s,%s,%s,%lld,%.1f\n", (long long)g->t, countries[g->country], devices[g->device],
                urls[g->url], (long long)g->bytes, g->latency);
}

static vrv_segment *write_segment(const char *dir, int day, expect *e, FILE *csv, uint64_t *size)
{
    vrv_seg_writer *w = vrv_seg_writer_new(cols, 5, NULL);
    for (long r = 0; r < ROWS_PER_SEG; r++) {
        gen_row g = next_row(day, r, ROWS_PER_SEG);
        expect_add(e, &g);
        csv_row(csv, &g);
        vrv_value v[5] = {vrv_string(countries[g.country], strlen(countries[g.country])),
                          vrv_string(devices[g.device], strlen(devices[g.device])),
                          vrv_string(urls[g.url], strlen(urls[g.url])), vrv_long(g.bytes),
                          vrv_double(g.latency)};
        vrv_seg_writer_add(w, g.t, v);
    }
    char path[512], iv[128], s[64], en[64];
    snprintf(path, sizeof path, "%s/seg%d.vseg", dir, day);
    vrv_time_format(T0 + day * DAY, s);
    vrv_time_format(T0 + (day + 1) * DAY, en);
    snprintf(iv, sizeof iv, "%s/%s", s, en);
    json_t *meta = json_pack("{s:s,s:s,s:s,s:i}", "dataSource", "clicks", "interval", iv, "version",
                             "v1", "partitionNum", 0);
    vrv_error err;
    if (vrv_seg_writer_finish(w, meta, path, NULL, &err)) die("segment", err.msg);
    json_decref(meta);
    vrv_seg_writer_free(w);
    vrv_segment *seg;
    if (vrv_segment_open(path, &seg, &err)) die("segment", err.msg);
    struct stat st;
    if (stat(path, &st) == 0) *size += (uint64_t)st.st_size;
    return seg;
}

static const char *RT_SPEC =
    "{\"type\":\"kafka\",\"spec\":{\"dataSchema\":{\"dataSource\":\"clicks\","
    "\"timestampSpec\":{\"column\":\"t\",\"format\":\"millis\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"country\",\"device\",\"url\"]},"
    "\"metricsSpec\":[{\"type\":\"longSum\",\"name\":\"bytes\",\"fieldName\":\"bytes\"},"
    "{\"type\":\"doubleSum\",\"name\":\"latency\",\"fieldName\":\"latency\"}],"
    "\"granularitySpec\":{\"segmentGranularity\":\"day\",\"queryGranularity\":\"none\",\"rollup\":false}},"
    "\"ioConfig\":{\"topic\":\"clicks\",\"inputFormat\":{\"type\":\"json\"},"
    "\"consumerProperties\":{\"bootstrap.servers\":\"localhost:9092\"}},"
    "\"tuningConfig\":{\"type\":\"kafka\",\"maxRowsInMemory\":100000000}}}";

static vrv_index *rt_idx;
static vrv_index *rt_sink(void *ctx, vrv_ms t, vrv_error *err)
{
    (void)t;
    (void)err;
    if (!rt_idx) rt_idx = vrv_pipeline_new_index(ctx);
    return rt_idx;
}

/* The task's in-memory rows: JSON records through the row pipeline. Returns
 * the JSON bytes read. */
static uint64_t build_index(int day, long rows, expect *e, FILE *csv, vrv_spec_supervisor *spec,
                            json_t **spec_json, vrv_pipeline **pipe)
{
    vrv_error err;
    if (vrv_json_load_buf(RT_SPEC, strlen(RT_SPEC), "spec", spec_json, &err) ||
        vrv_spec_supervisor_parse(*spec_json, NULL, spec, &err))
        die("spec", err.msg);
    vrv_pipeline_config cfg = {&spec->schema, &spec->io.input_format, &spec->tuning.c, false, false, 0, 0, NULL, 0};
    if (vrv_pipeline_new(&cfg, pipe, &err)) die("pipeline", err.msg);
    vrv_record_meta meta = {.partition = 0, .offset = -1};
    vrv_buf rec = VRV_BUF_INIT;
    uint64_t bytes = 0;
    for (long r = 0; r < rows; r++) {
        gen_row g = next_row(day, r, rows);
        expect_add(e, &g);
        csv_row(csv, &g);
        vrv_buf_reset(&rec);
        vrv_buf_printf(&rec,
                       "{\"t\":%lld,\"country\":\"%s\",\"device\":\"%s\",\"url\":\"%s\",\"bytes\":%lld,"
                       "\"latency\":%.1f}",
                       (long long)g.t, countries[g.country], devices[g.device], urls[g.url],
                       (long long)g.bytes, g.latency);
        bytes += rec.len;
        if (vrv_pipeline_process(*pipe, rec.data, rec.len, &meta, true, rt_sink, *pipe, &err) < 0)
            die("pipeline", err.msg);
    }
    vrv_buf_free(&rec);
    if (!rt_idx || vrv_index_rows(rt_idx) != (size_t)rows) die("index", "not every row was indexed");
    return bytes;
}

/* ---- running ---------------------------------------------------------------- */

typedef struct qres {
    double cpu_ms, wall_ms, rows_per_core;
    bool ran;
} qres;

/* Runs q over the adapters (or, with idx, over the adapters of the view of
 * idx, brought up to date in each run as a task does); returns the medians. */
static qres run_query(const qdef *qd, vrv_adapter **ads, size_t nads, const vrv_index *idx,
                      vrv_index_view *view, long rows, int repeat, const expect *e)
{
    qres res = {0};
    const char *only = getenv("BENCH_ONLY");
    if (only && strcmp(only, qd->name) != 0) return res;
    vrv_query *q;
    vrv_query_error qe;
    if (vrv_query_parse(qd->json, strlen(qd->json), &q, &qe)) die(qd->name, qe.err.msg);
    double cpu[64], wall[64];
    for (int i = 0; i <= repeat; i++) {
        vrv_buf out = VRV_BUF_INIT;
        vrv_error err;
        double w = now_s(), t = cpu_s();
        vrv_adapter **parts = NULL;
        size_t nparts = 0;
        if (idx) {
            vrv_interval iv = {vrv_index_min_time(idx) - vrv_index_min_time(idx) % DAY,
                               vrv_index_min_time(idx) - vrv_index_min_time(idx) % DAY + DAY};
            vrv_index_view_read(view, idx, "clicks", "clicks_rt", iv, NULL, &parts, &nparts);
        }
        vrv_adapter **use = idx ? parts : ads;
        size_t n = idx ? nparts : qd->first_only ? 1 : nads;
        if (vrv_query_execute(q, use, n, 0, &out, &err)) die(qd->name, err.msg);
        t = cpu_s() - t;
        w = now_s() - w;
        for (size_t k = 0; k < nparts; k++) vrv_adapter_free(parts[k]);
        free(parts);
        if (!check_varve(qd, out.data, out.len, e)) exit(1);
        vrv_buf_free(&out);
        if (i == 0) continue; /* warm-up */
        cpu[i - 1] = t * 1e3;
        wall[i - 1] = w * 1e3;
    }
    vrv_query_free(q);
    res.cpu_ms = median(cpu, repeat);
    res.wall_ms = median(wall, repeat);
    res.rows_per_core = (double)(qd->rows ? qd->rows : rows) / (res.cpu_ms / 1e3);
    res.ran = true;
    return res;
}

static void print_res(const char *set, const char *q, const qres *r)
{
    printf("BENCH query_%s_%s_rows_per_core %.0f rows/cpu-s\n", set, q, r->rows_per_core);
    printf("BENCH query_%s_%s_cpu %.2f ms\n", set, q, r->cpu_ms);
    printf("BENCH query_%s_%s_latency %.2f ms\n", set, q, r->wall_ms);
}

/* Where bench/duckdb is: $VARVE_SRC, or the source tree this binary was
 * built in (build/ under it). */
static bool duckdb_dir(char *out, size_t cap)
{
    const char *src = getenv("VARVE_SRC");
    char self[PATH_MAX];
    if (!src) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0) return false;
        self[n] = '\0';
        for (int k = 0; k < 2; k++) {
            char *s = strrchr(self, '/');
            if (s) *s = '\0';
        }
        src = self;
    }
    snprintf(out, cap, "%s/bench/duckdb", src);
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/node_modules/@duckdb/node-api/package.json", out);
    return access(probe, R_OK) == 0;
}

int main(void)
{
    const bool quick = getenv("BENCH_QUICK") != NULL;
    const int nseg = quick ? 2 : 10;
    const long rt_rows = quick ? 500000 : 1000000;
    int repeat = getenv("BENCH_REPEAT") ? atoi(getenv("BENCH_REPEAT")) : quick ? 3 : 5;
    if (repeat < 1 || repeat > 64) die("BENCH_REPEAT", "must be 1..64");
    for (int i = 0; i < NURL; i++) snprintf(urls[i], sizeof urls[i], "/page/%04d", i);
    for (int i = 0; i < NCOUNTRY; i++) snprintf(countries[i], sizeof countries[i], "C%02d", i);

    char ddir[PATH_MAX];
    bool peer = !getenv("BENCH_NO_PEER") && !getenv("BENCH_ONLY") && duckdb_dir(ddir, sizeof ddir);
    if (!peer && !getenv("BENCH_NO_PEER"))
        fprintf(stderr, "bench_query: DuckDB is not installed (bench/duckdb/install): no peer figures\n");

    char dir[] = "/tmp/vrv-bench-query-XXXXXX";
    if (!mkdtemp(dir)) die("mkdtemp", dir);
    char seg_csv[PATH_MAX], rt_csv[PATH_MAX];
    snprintf(seg_csv, sizeof seg_csv, "%s/seg.csv", dir);
    snprintf(rt_csv, sizeof rt_csv, "%s/rt.csv", dir);
    FILE *fseg = peer ? fopen(seg_csv, "w") : NULL, *frt = peer ? fopen(rt_csv, "w") : NULL;
    if (peer && (!fseg || !frt)) die("csv", dir);

    /* the segments */
    expect es, er;
    expect_init(&es, T0, (size_t)nseg * 24);
    vrv_segment **segs = vrv_calloc((size_t)nseg, sizeof *segs);
    vrv_adapter **ads = vrv_calloc((size_t)nseg, sizeof *ads);
    uint64_t seg_bytes = 0;
    double t = now_s();
    for (int d = 0; d < nseg; d++) {
        segs[d] = write_segment(dir, d, &es, fseg, &seg_bytes);
        ads[d] = vrv_adapter_segment(segs[d], NULL);
    }
    expect_done(&es);
    fprintf(stderr, "bench_query: wrote %d segments in %.1f s\n", nseg, now_s() - t);

    /* the task's rows */
    expect_init(&er, T0 + nseg * DAY, 24);
    vrv_spec_supervisor spec;
    json_t *spec_json;
    vrv_pipeline *pipe;
    t = now_s();
    uint64_t rt_json = build_index(nseg, rt_rows, &er, frt, &spec, &spec_json, &pipe);
    expect_done(&er);
    fprintf(stderr, "bench_query: indexed %ld rows in %.1f s\n", rt_rows, now_s() - t);
    if (fseg) fclose(fseg);
    if (frt) fclose(frt);

    long seg_rows = (long)nseg * ROWS_PER_SEG;
    qres vs[NQ], vr[NQ];
    vrv_index_view *view = vrv_index_view_new();
    for (size_t i = 0; i < NQ; i++) {
        vs[i] = run_query(&QUERIES[i], ads, (size_t)nseg, NULL, NULL, seg_rows, repeat, &es);
        vr[i] = run_query(&QUERIES[i], NULL, 0, rt_idx, view, rt_rows, repeat, &er);
        if (vs[i].ran) print_res("seg", QUERIES[i].name, &vs[i]);
        if (vr[i].ran) print_res("rt", QUERIES[i].name, &vr[i]);
    }
    /* the copy of the whole index a first query makes, alone */
    if (!getenv("BENCH_ONLY")) {
        double snap[64];
        for (int i = 0; i <= repeat; i++) {
            vrv_interval iv = {T0 + nseg * DAY, T0 + (nseg + 1) * DAY};
            double c = cpu_s();
            vrv_adapter *a = vrv_adapter_index(rt_idx, "clicks", "clicks_rt", iv, NULL);
            c = cpu_s() - c;
            vrv_adapter_free(a);
            if (i) snap[i - 1] = c * 1e3;
        }
        printf("BENCH query_rt_snapshot_cpu %.2f ms\n", median(snap, repeat));
        printf("BENCH index_bytes_per_row_rt %.0f bytes\n", (double)vrv_index_bytes(rt_idx) / (double)rt_rows);
        printf("BENCH json_bytes_per_row_rt %.0f bytes\n", (double)rt_json / (double)rt_rows);
        printf("BENCH segment_bytes_per_row %.1f bytes\n", (double)seg_bytes / (double)seg_rows);
    }

    /* the peer */
    if (peer) {
        char cmd[4 * PATH_MAX];
        snprintf(cmd, sizeof cmd, "cd '%s' && node bench_duckdb.mjs %d seg='%s' rt='%s'", ddir, repeat,
                 seg_csv, rt_csv);
        FILE *p = popen(cmd, "r");
        if (!p) die("duckdb", cmd);
        char line[1 << 16];
        int checked = 0;
        while (fgets(line, sizeof line, p)) {
            char set[8], q[64];
            double cpu_ms, wall_ms;
            int off = 0;
            if (!strncmp(line, "VERSION ", 8)) {
                line[strcspn(line, "\n")] = '\0';
                fprintf(stderr, "bench_query: DuckDB %s\n", line + 8);
                printf("BENCH duckdb_version %s version\n", line + 8);
                continue;
            }
            if (sscanf(line, "RESULT %7s %63s %lf %lf %n", set, q, &cpu_ms, &wall_ms, &off) != 4 || !off)
                continue;
            bool rt = !strcmp(set, "rt");
            const expect *e = rt ? &er : &es;
            if (!check_peer(q, line + off, e)) exit(1);
            size_t k = 0;
            while (k < NQ && strcmp(QUERIES[k].name, q)) k++;
            if (k == NQ) die("duckdb", q);
            long rows = QUERIES[k].rows ? QUERIES[k].rows : rt ? rt_rows : seg_rows;
            double per_core = (double)rows / (cpu_ms / 1e3);
            const qres *mine = rt ? &vr[k] : &vs[k];
            printf("BENCH duckdb_%s_%s_rows_per_core %.0f rows/cpu-s\n", set, q, per_core);
            printf("BENCH duckdb_%s_%s_latency %.2f ms\n", set, q, wall_ms);
            printf("BENCH query_%s_%s_vs_duckdb %.2f ratio\n", set, q, mine->rows_per_core / per_core);
            checked++;
        }
        int st = pclose(p);
        if (st != 0 || checked != (int)(2 * NQ)) die("duckdb", "the peer run failed or answered too few queries");
    }

    for (int d = 0; d < nseg; d++) {
        vrv_adapter_free(ads[d]);
        vrv_segment_close(segs[d]);
    }
    vrv_index_view_free(view);
    vrv_index_free(rt_idx);
    vrv_pipeline_free(pipe);
    vrv_spec_supervisor_free(&spec);
    json_decref(spec_json);
    vrv_fs_remove_tree(dir, NULL);
    expect_free(&es);
    expect_free(&er);
    free(segs);
    free(ads);
    return 0;
}
