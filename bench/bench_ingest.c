/*
 * bench_ingest.c — decode + rollup throughput of the row pipeline on one core.
 *
 * Generates `varve gen --profile clicks` events (~230 bytes: 5 string
 * dimensions, 3 numeric fields) and runs them through the pipeline of
 * examples/clicks-kafka.json (minute rollup, count + 2 longSums): once as one
 * block (a batch file) and once as one record per event (the streaming path,
 * where each record is atomic and read as Druid's JsonReader reads a Kafka
 * message). The index is handed off at tuningConfig.maxRowsInMemory (150,000
 * by default) as a task persists it, so it stays the size a task's is. Next to it, in the same run on the same
 * bytes: the json input format alone (decode only) and jansson decoding each
 * event and reading the same fields. Rates are per CPU second of this thread,
 * so other load on the machine does not skew them; each figure is the median
 * of 3 runs after a warm-up.
 *
 *   bench_ingest [events [block-only|records-only]]   (default 2,000,000 events;
 *                                200,000 with BENCH_QUICK=1; -only: one pass, for perf)
 * prints `BENCH <name> <value> <unit>` lines.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/mem.h"
#include "base/time.h"
#include "base/vec.h"
#include "gen/gen.h"
#include "ingest/pipeline.h"
#include "json/jutil.h"
#include "task/merge.h"
#ifdef VARVE_HAVE_SIMDJSON
#include "simdjson_decode.h"
#endif

static const char *SPEC =
    "{\"type\":\"kafka\",\"spec\":{\"dataSchema\":{\"dataSource\":\"clicks\","
    "\"timestampSpec\":{\"column\":\"timestamp\",\"format\":\"auto\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"page\",\"referrer\",\"country\",\"device\",\"browser\"]},"
    "\"metricsSpec\":[{\"type\":\"count\",\"name\":\"count\"},"
    "{\"type\":\"longSum\",\"name\":\"latency_ms\",\"fieldName\":\"latency_ms\"},"
    "{\"type\":\"longSum\",\"name\":\"bytes\",\"fieldName\":\"bytes\"}],"
    "\"granularitySpec\":{\"segmentGranularity\":\"hour\",\"queryGranularity\":\"minute\",\"rollup\":true}},"
    "\"ioConfig\":{\"topic\":\"clicks\",\"inputFormat\":{\"type\":\"json\"},"
    "\"consumerProperties\":{\"bootstrap.servers\":\"localhost:9092\"}},"
    "\"tuningConfig\":{\"type\":\"kafka\"}}}";

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median3(double v[3])
{
    qsort(v, 3, sizeof *v, cmp_d);
    return v[1];
}

typedef struct ctx {
    vrv_pipeline *p;
    vrv_index *idx;
    size_t max_rows;   /* tuningConfig.maxRowsInMemory */
    size_t done_rows;  /* rows of the indexes handed off so far */
    size_t bytes_per_row;
} ctx;

/* Hands the pipeline an index, and a fresh one once maxRowsInMemory rows are
 * held, as a task does when it persists: the index a real task fills never
 * outgrows that bound, so neither does this one (the persist itself is not
 * part of this measure). */
static vrv_index *sink(void *c, vrv_ms t, vrv_error *err)
{
    (void)t;
    (void)err;
    ctx *x = c;
    if (x->idx && vrv_index_rows(x->idx) >= x->max_rows) {
        size_t rows = vrv_index_rows(x->idx);
        if (!x->bytes_per_row) x->bytes_per_row = vrv_index_bytes(x->idx) / rows;
        x->done_rows += rows;
        vrv_index_free(x->idx);
        x->idx = NULL;
    }
    if (!x->idx) x->idx = vrv_pipeline_new_index(x->p);
    return x->idx;
}

/* Returns CPU seconds; *rows_out the rows held after rollup. */
static double run_pipeline(const vrv_spec_supervisor *spec, const vrv_buf *data, const size_t *starts,
                           size_t n, bool per_record, size_t *rows_out, uint64_t *processed)
{
    vrv_pipeline_config cfg = {&spec->schema, &spec->io.input_format, &spec->tuning.c, false, false, 0, 0};
    ctx c = {.max_rows = (size_t)spec->tuning.c.max_rows_in_memory};
    vrv_error err;
    vrv_record_meta meta = {.partition = 0, .offset = -1};
    if (vrv_pipeline_new(&cfg, &c.p, &err) != 0) {
        fprintf(stderr, "pipeline: %s\n", err.msg);
        exit(1);
    }
    double t0 = cpu_s();
    if (per_record) {
        for (size_t i = 0; i < n; i++)
            vrv_pipeline_process(c.p, data->data + starts[i], starts[i + 1] - starts[i] - 1, &meta, true,
                                 sink, &c, &err);
    } else {
        vrv_pipeline_process(c.p, data->data, data->len, NULL, false, sink, &c, &err);
    }
    double t = cpu_s() - t0;
    *rows_out = c.done_rows + vrv_index_rows(c.idx);
    static bool told;
    if (!told && c.bytes_per_row) {
        told = true;
        printf("BENCH index_bytes_per_row %zu bytes\n", c.bytes_per_row);
    }
    *processed = vrv_pipeline_stats(c.p)->processed;
    vrv_index_free(c.idx);
    vrv_pipeline_free(c.p);
    return t;
}

static double run_decode(const vrv_spec_supervisor *spec, const vrv_buf *data, uint64_t *rows)
{
    vrv_error err;
    vrv_input_format *fmt;
    if (vrv_input_format_parse(spec->io.input_format.json, "inputFormat", &fmt, &err)) exit(1);
    vrv_fieldset fs;
    vrv_fieldset_init(&fs);
    const char *names[] = {"timestamp", "page", "referrer", "country", "device", "browser",
                           "latency_ms", "bytes", "status"};
    for (size_t i = 0; i < 9; i++) vrv_fieldset_add(&fs, names[i]);
    vrv_input_reader *r = vrv_input_reader_new(fmt, &fs, &err);
    vrv_value vals[9];
    vrv_row row = {vals, 9, 0, NULL, NULL};
    vrv_arena a;
    vrv_arena_init(&a, 0);
    double t0 = cpu_s();
    vrv_input_reader_start(r, data->data, data->len, NULL);
    uint64_t n = 0;
    int rc;
    while ((rc = vrv_input_reader_next(r, &row, &a, &err)) != 0) {
        if (rc > 0) n++;
        if ((n & 1023) == 0) vrv_arena_reset(&a);
    }
    double t = cpu_s() - t0;
    *rows = n;
    vrv_arena_destroy(&a);
    vrv_input_reader_free(r);
    vrv_input_format_free(fmt);
    vrv_fieldset_destroy(&fs);
    return t;
}

static double run_jansson(const vrv_buf *data, const size_t *starts, size_t n, uint64_t *check)
{
    const char *names[] = {"timestamp", "page", "referrer", "country", "device", "browser",
                           "latency_ms", "bytes", "status"};
    double t0 = cpu_s();
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        json_error_t e;
        json_t *o = json_loadb(data->data + starts[i], starts[i + 1] - starts[i] - 1, 0, &e);
        for (size_t k = 0; k < 9; k++) {
            json_t *v = json_object_get(o, names[k]);
            if (json_is_integer(v)) sum += (uint64_t)json_integer_value(v);
            else if (json_is_string(v)) sum += json_string_length(v);
        }
        json_decref(o);
    }
    double t = cpu_s() - t0;
    *check = sum;
    return t;
}

/* ---- the stages alone ------------------------------------------------------ */

#define STAGE_CHUNK 4096 /* rows decoded (untimed) before they are added (timed) */

typedef struct stages {
    double rollup;          /* CPU s: vrv_index_add of every event, decoded beforehand */
    double persist;         /* CPU s: vrv_task_persist of every full index */
    double merge;           /* CPU s: vrv_task_merge of the spills into one segment */
    size_t spills, rows;    /* spill files written; rows written to them */
    size_t distinct;        /* distinct (minute, dimensions): the rows rollup must leave */
    uint64_t merged_rows, merged_bytes; /* the merged segment */
    size_t index_bytes_per_row;
} stages;

typedef struct merge_ctx {
    char *path;  /* the output segment */
    stages *st;
} merge_ctx;

static int merge_begin(void *mctx, size_t index, size_t count, const char *const *dims, size_t ndims,
                       char **path, json_t **meta, vrv_error *err)
{
    (void)index;
    (void)count;
    (void)dims;
    (void)ndims;
    (void)err;
    *path = vrv_strdup(((merge_ctx *)mctx)->path);
    *meta = NULL;
    return 0;
}

static int merge_done(void *mctx, size_t index, const vrv_merge_result *r, vrv_error *err)
{
    (void)index;
    (void)err;
    stages *st = ((merge_ctx *)mctx)->st;
    st->merged_rows += r->rows;
    st->merged_bytes += r->size;
    return 0;
}

/* Rollup alone, then persist alone, then merge alone, each timed on its own:
 * the events are decoded STAGE_CHUNK at a time off the clock and added to the
 * index on it; a full index (maxRowsInMemory) is persisted to a spill on the
 * clock; the spills are merged into one segment on the clock. */
static stages run_stages(const vrv_spec_supervisor *spec, const vrv_buf *data, size_t n, const char *dir)
{
    vrv_pipeline_config cfg = {&spec->schema, &spec->io.input_format, &spec->tuning.c, false, false, 0, 0};
    vrv_pipeline *p;
    vrv_error err;
    if (vrv_pipeline_new(&cfg, &p, &err) != 0) {
        fprintf(stderr, "pipeline: %s\n", err.msg);
        exit(1);
    }
    const vrv_agg_list *metrics = vrv_pipeline_metrics(p);
    vrv_input_format *fmt;
    if (vrv_input_format_parse(spec->io.input_format.json, "inputFormat", &fmt, &err)) exit(1);
    vrv_fieldset fs;
    vrv_fieldset_init(&fs);
    const char *names[] = {"timestamp", "page", "referrer", "country", "device", "browser",
                           "latency_ms", "bytes", "status"};
    for (size_t i = 0; i < 9; i++) vrv_fieldset_add(&fs, names[i]);
    vrv_input_reader *r = vrv_input_reader_new(fmt, &fs, &err);
    vrv_input_reader_start(r, data->data, data->len, NULL);
    vrv_arena a;
    vrv_arena_init(&a, 0);
    vrv_value *vals = vrv_malloc(STAGE_CHUNK * 9 * sizeof *vals);
    vrv_ms *ts = vrv_malloc(STAGE_CHUNK * sizeof *ts);
    vrv_value mets[3];
    stages st = {0};
    size_t max_rows = (size_t)spec->tuning.c.max_rows_in_memory, done = 0;
    VRV_VEC(char *) paths = {0};
    vrv_index *idx = vrv_pipeline_new_index(p);
    vrv_map keys; /* the expected answer, computed off the clock */
    vrv_map_init(&keys, true);
    vrv_buf key = VRV_BUF_INIT;
    for (;;) {
        size_t k = 0;
        int rc = 1;
        while (k < STAGE_CHUNK && (rc = vrv_input_reader_next(r, &(vrv_row){vals + 9 * k, 9, 0, NULL, NULL}, &a, &err)) != 0) {
            if (rc < 0) continue;
            vrv_value *v = vals + 9 * k;
            vrv_ms t = 0;
            if (v[0].type != VRV_V_STRING || vrv_time_parse(v[0].u.s, v[0].len, 0, &t, &err)) {
                fprintf(stderr, "bench_ingest: an event without a timestamp\n");
                exit(1);
            }
            ts[k] = t - t % 60000; /* queryGranularity minute (UTC) */
            vrv_buf_reset(&key);
            vrv_buf_append(&key, &ts[k], sizeof ts[k]);
            for (int d = 1; d <= 5; d++) {
                if (v[d].type == VRV_V_STRING) vrv_buf_append(&key, v[d].u.s, v[d].len);
                vrv_buf_putc(&key, '\0');
            }
            vrv_map_put(&keys, key.data, key.len, NULL);
            k++;
        }
        double c0 = cpu_s();
        for (size_t i = 0; i < k; i++) {
            mets[0] = vrv_null();
            mets[1] = vals[9 * i + 6];
            mets[2] = vals[9 * i + 7];
            vrv_index_add(idx, ts[i], vals + 9 * i + 1, 5, mets, NULL);
        }
        st.rollup += cpu_s() - c0;
        vrv_arena_reset(&a);
        done += k;
        if (vrv_index_rows(idx) >= max_rows || (rc == 0 && vrv_index_rows(idx) > 0)) {
            if (!st.index_bytes_per_row) st.index_bytes_per_row = vrv_index_bytes(idx) / vrv_index_rows(idx);
            char *path = vrv_malloc(strlen(dir) + 32);
            sprintf(path, "%s/spill%zu.vseg", dir, paths.n);
            size_t rows;
            c0 = cpu_s();
            if (vrv_task_persist(idx, metrics, NULL, NULL, path, &rows, &err)) {
                fprintf(stderr, "persist: %s\n", err.msg);
                exit(1);
            }
            st.persist += cpu_s() - c0;
            st.rows += rows;
            vrv_vec_push(&paths, path);
            vrv_index_free(idx);
            idx = vrv_pipeline_new_index(p);
        }
        if (rc == 0) break;
    }
    vrv_index_free(idx);
    st.distinct = keys.n;
    vrv_map_destroy(&keys);
    vrv_buf_free(&key);
    if (done != n) {
        fprintf(stderr, "wrong answer: decoded %zu of %zu events\n", done, n);
        exit(1);
    }
    st.spills = paths.n;
    vrv_segment **segs = vrv_calloc(paths.n, sizeof *segs);
    for (size_t i = 0; i < paths.n; i++)
        if (vrv_segment_open(paths.v[i], &segs[i], &err)) {
            fprintf(stderr, "spill: %s\n", err.msg);
            exit(1);
        }
    merge_ctx mc = {vrv_malloc(strlen(dir) + 32), &st};
    sprintf(mc.path, "%s/merged.vseg", dir);
    vrv_merge_spec ms = {.metrics = metrics, .rollup = true, .max_rows = 0,
                         .begin = merge_begin, .done = merge_done, .ctx = &mc};
    double c0 = cpu_s();
    if (vrv_task_merge(segs, paths.n, &ms, &err)) {
        fprintf(stderr, "merge: %s\n", err.msg);
        exit(1);
    }
    st.merge = cpu_s() - c0;
    unlink(mc.path);
    free(mc.path);
    for (size_t i = 0; i < paths.n; i++) {
        vrv_segment_close(segs[i]);
        unlink(paths.v[i]);
        free(paths.v[i]);
    }
    free(segs);
    vrv_vec_free(&paths);
    free(vals);
    free(ts);
    vrv_arena_destroy(&a);
    vrv_input_reader_free(r);
    vrv_input_format_free(fmt);
    vrv_fieldset_destroy(&fs);
    vrv_pipeline_free(p);
    return st;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : getenv("BENCH_QUICK") ? 200000 : 2000000;
    vrv_mem_tune_for_ingest(); /* as `varve task` does */
    vrv_buf data = VRV_BUF_INIT;
    size_t *starts;
    const char *from = getenv("BENCH_INPUT"); /* profile without the generator */
    if (from) {
        if (vrv_buf_read_file(&data, from) != 0) return 1;
        n = 0;
        for (size_t i = 0; i < data.len; i++) n += data.data[i] == '\n';
        starts = malloc((n + 1) * sizeof *starts);
        starts[0] = 0;
        for (size_t i = 0, k = 1; i < data.len; i++)
            if (data.data[i] == '\n') starts[k++] = i + 1;
    } else {
        vrv_gen *g = vrv_gen_new(VRV_GEN_CLICKS, 1);
        starts = malloc((n + 1) * sizeof *starts);
        vrv_ms t0 = 1764288000000; /* events 1 ms apart: ~33 minutes per 2M */
        for (size_t i = 0; i < n; i++) {
            starts[i] = data.len;
            vrv_gen_event(g, t0 + (vrv_ms)i, &data);
            vrv_buf_putc(&data, '\n');
        }
        starts[n] = data.len;
        vrv_gen_free(g);
    }
    double mb = (double)data.len / 1e6;
    printf("events: %zu, %.1f MB, %.0f bytes/event\n", n, mb, (double)data.len / (double)n);

    json_t *json;
    vrv_error err;
    vrv_spec_supervisor spec;
    if (vrv_json_load_buf(SPEC, strlen(SPEC), "spec", &json, &err) || vrv_spec_supervisor_parse(json, NULL, &spec, &err)) {
        fprintf(stderr, "spec: %s\n", err.msg);
        return 1;
    }
    size_t rows;
    uint64_t processed, dec_rows, check;
    double tb[3], tr[3], td[3], tj[3], tsj[3] = {0}, sr[3], sp[3], sm[3];
    stages stg = {0};
    char dir[] = "/tmp/vrv-bench-ingest-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    if (argc > 2 && strstr(argv[2], "-only")) { /* block-only, records-only: for profiling */
        bool rec = strcmp(argv[2], "records-only") == 0;
        double t = run_pipeline(&spec, &data, starts, n, rec, &rows, &processed);
        printf("BENCH ingest_decode_rollup_%s %.0f events/s\n", rec ? "records" : "block", (double)n / t);
        vrv_spec_supervisor_free(&spec);
        json_decref(json);
        vrv_buf_free(&data);
        free(starts);
        return 0;
    }
    run_pipeline(&spec, &data, starts, n / 10, false, &rows, &processed); /* warm-up */
    for (int k = 0; k < 3; k++) {
        tb[k] = run_pipeline(&spec, &data, starts, n, false, &rows, &processed);
        if (processed != n) {
            fprintf(stderr, "wrong answer: processed %llu of %zu\n", (unsigned long long)processed, n);
            return 1;
        }
        tr[k] = run_pipeline(&spec, &data, starts, n, true, &rows, &processed);
        if (processed != n) {
            fprintf(stderr, "wrong answer (records): processed %llu of %zu\n", (unsigned long long)processed, n);
            return 1;
        }
        td[k] = run_decode(&spec, &data, &dec_rows);
        if (dec_rows != n) {
            fprintf(stderr, "wrong answer: decoded %llu of %zu\n", (unsigned long long)dec_rows, n);
            return 1;
        }
        tj[k] = run_jansson(&data, starts, n, &check);
#ifdef VARVE_HAVE_SIMDJSON
        uint64_t check2 = 0;
        const char *fields[] = {"timestamp", "page", "referrer", "country", "device", "browser",
                                "latency_ms", "bytes", "status"};
        tsj[k] = bench_simdjson_decode(data.data, data.len, starts, n, fields, 9, &check2);
        if (tsj[k] < 0 || check2 != check) {
            fprintf(stderr, "wrong answer: simdjson's checksum %llu, jansson's %llu\n",
                    (unsigned long long)check2, (unsigned long long)check);
            return 1;
        }
#endif
        stg = run_stages(&spec, &data, n, dir);
        if (stg.merged_rows != stg.distinct) {
            fprintf(stderr, "wrong answer: %llu rows merged, %zu distinct (minute, dimensions)\n",
                    (unsigned long long)stg.merged_rows, stg.distinct);
            return 1;
        }
        sr[k] = stg.rollup;
        sp[k] = stg.persist;
        sm[k] = stg.merge;
    }
    rmdir(dir);
    double b = median3(tb), r = median3(tr), d = median3(td), j = median3(tj);
    printf("rows after minute rollup: %zu (%.1f events per row)\n", rows, (double)n / (double)rows);
    printf("BENCH ingest_decode_rollup_block %.0f events/s\n", (double)n / b);
    printf("BENCH ingest_decode_rollup_block_mb %.1f MB/s\n", mb / b);
    printf("BENCH ingest_decode_rollup_records %.0f events/s\n", (double)n / r);
    printf("BENCH ingest_decode_rollup_records_mb %.1f MB/s\n", mb / r);
    printf("BENCH decode_json_format %.0f events/s\n", (double)n / d);
    printf("BENCH decode_json_format_mb %.1f MB/s\n", mb / d);
    printf("BENCH decode_jansson %.0f events/s\n", (double)n / j);
    printf("BENCH decode_jansson_mb %.1f MB/s\n", mb / j);
    printf("BENCH decode_speedup_vs_jansson %.1f x\n", j / d);
#ifdef VARVE_HAVE_SIMDJSON
    double sj = median3(tsj);
    fprintf(stderr, "simdjson %s, %s kernel\n", bench_simdjson_version(), bench_simdjson_kernel());
    printf("BENCH decode_simdjson %.0f events/s\n", (double)n / sj);
    printf("BENCH decode_simdjson_mb %.1f MB/s\n", mb / sj);
    printf("BENCH decode_vs_simdjson %.2f x\n", sj / d);
#else
    fprintf(stderr, "simdjson is not installed (libsimdjson-dev): no simdjson figure\n");
#endif
    double ro = median3(sr), pe = median3(sp), me = median3(sm);
    printf("BENCH rollup_alone %.0f events/s\n", (double)n / ro);
    printf("BENCH rollup_alone_mb %.1f MB/s\n", mb / ro);
    printf("BENCH persist_alone %.0f rows/s\n", (double)stg.rows / pe);
    printf("BENCH persist_alone_events %.0f events/s\n", (double)n / pe);
    printf("BENCH merge_alone %.0f rows/s\n", (double)stg.rows / me);
    printf("BENCH persist_merge %.0f events/s\n", (double)n / (pe + me));
    printf("BENCH persist_merge_mb %.1f MB/s\n", mb / (pe + me));
    printf("BENCH spills %zu files\n", stg.spills);
    printf("BENCH json_bytes_per_event %.1f bytes\n", (double)data.len / (double)n);
    printf("BENCH segment_bytes_per_row %.1f bytes\n", (double)stg.merged_bytes / (double)stg.merged_rows);
    printf("BENCH segment_bytes_per_event %.1f bytes\n", (double)stg.merged_bytes / (double)n);
    printf("BENCH segment_vs_json_size %.3f ratio\n", (double)stg.merged_bytes / (double)data.len);
    vrv_spec_supervisor_free(&spec);
    json_decref(json);
    vrv_buf_free(&data);
    free(starts);
    return 0;
}
