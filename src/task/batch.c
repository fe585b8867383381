/*
 * batch.c — the native batch ingestion task (see batch.h).
 *
 * One thread does the work; the task's HTTP threads only read the live
 * state (phase, meters, a copy of the saved parse exceptions), which the
 * working thread refreshes under `mu` after every split.
 *
 * Memory accounting happens in the pipeline's sink, which is called before
 * each row is added: the growth of the index that received the previous
 * row is added to the totals, so the check costs O(1) per row whatever the
 * number of buckets.
 */
#include "task/batch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/vec.h"
#include "ingest/pipeline.h"
#include "input/source.h"
#include "segment/segid.h"
#include "server/http_client.h"
#include "spec/spec.h"
#include "task/merge.h"
#include "task/publish.h"
#include "task/report.h"
#include "task/taskdir.h"

#define HANDOFF_POLL_MS 250 /* between handoffComplete checks while awaiting availability */

static const char *const ST_NOT_STARTED = "NOT_STARTED";
static const char *const ST_DETERMINE = "DETERMINE_PARTITIONS";
static const char *const ST_BUILD = "BUILD_SEGMENTS";
static const char *const ST_AVAILABILITY = "SEGMENT_AVAILABILITY_WAIT";
static const char *const ST_COMPLETED = "COMPLETED";

/* One segment-granularity time chunk and the data gathered for it. */
typedef struct bucket {
    vrv_interval iv;
    vrv_index *idx;           /* rows since the last persist; NULL when none */
    VRV_VEC(char *) spills;   /* spill files, oldest first */
    VRV_VEC(size_t) cuts;     /* generation g is spills[cuts[g-1] (0 for g=0) .. cuts[g]) */
} bucket;

typedef struct lock_version {
    vrv_interval iv;
    char *version;
} lock_version;

typedef struct batch {
    vrv_task_env *env;
    vrv_spec_batch spec;
    bool have_spec;
    const char *ds;
    bool append;
    bool arbitrary;             /* arbitrary granularity: the intervals are the buckets */
    vrv_gran seg_gran;
    vrv_interval *window;       /* buckets rows may fall in (sorted, condensed); NULL: any */
    size_t nwindow;
    vrv_interval *inputs;       /* granularitySpec.intervals, condensed (dropExisting) */
    size_t ninputs;

    vrv_source *source;
    vrv_source_splits splits;
    vrv_pipeline *det;          /* determine-partitions pass; NULL when skipped */
    vrv_pipeline *build;

    VRV_VEC(bucket *) buckets;
    vrv_map by_start;           /* bucket start (8 bytes) -> position in buckets */
    bucket *last;               /* the bucket of the previous row */

    /* memory and total-row accounting (see the file comment) */
    vrv_index *acc_idx;
    size_t acc_rows, acc_bytes;
    uint64_t mem_rows, mem_bytes;
    uint64_t gen_rows;          /* rows (after rollup) since the last generation cut */
    uint64_t max_rows_in_memory, max_bytes_in_memory, max_total_rows;
    size_t persists, spill_seq;
    char *spill_dir, *out_dir;

    VRV_VEC(lock_version) locks; /* overwrite: versions of the held locks */
    char *prev_id;               /* append: the last id allocated in this task's sequence */

    vrv_publish_schema pub;
    json_t *timestamp_spec;
    json_t *segments;            /* DataSegments built, published at the end */
    bool availability_confirmed;
    int64_t availability_wait_ms;

    /* live state, read by the HTTP threads */
    pthread_mutex_t mu;
    const char *state;
    vrv_task_meters det_meters, build_meters;
    json_t *det_events, *build_events; /* saved parse exceptions; NULL when none kept */
} batch;

/* ---- helpers -------------------------------------------------------------------- */

static vrv_seg_codec codec_of(vrv_spec_compression c)
{
    switch (c) {
    case VRV_SPEC_COMP_ZSTD: return VRV_SEG_CODEC_ZSTD;
    case VRV_SPEC_COMP_UNCOMPRESSED:
    case VRV_SPEC_COMP_NONE: return VRV_SEG_CODEC_NONE;
    case VRV_SPEC_COMP_LZ4:
    case VRV_SPEC_COMP_LZF: break; /* varve has no LZF: its closest fast codec */
    }
    return VRV_SEG_CODEC_LZ4;
}

static vrv_seg_writer_opts writer_opts(const vrv_spec_index_spec *is)
{
    vrv_seg_writer_opts o = {codec_of(is->dimension_compression), codec_of(is->metric_compression)};
    return o;
}

static json_t *timestamp_spec_json(const vrv_spec_timestamp *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "column", json_string(t->column));
    json_object_set_new(o, "format", json_string(t->format));
    if (t->has_missing_value) {
        char s[VRV_TIME_STR_MAX];
        vrv_time_format(t->missing_value, s);
        json_object_set_new(o, "missingValue", json_string(s));
    } else {
        json_object_set_new(o, "missingValue", json_null());
    }
    return o;
}

/* "[a/b, c/d]": a Java list of intervals, as Druid's messages print it. */
static void append_interval_list(vrv_buf *b, const vrv_interval *ivs, size_t n)
{
    vrv_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) vrv_buf_puts(b, ", ");
        vrv_interval_append(b, ivs[i]);
    }
    vrv_buf_putc(b, ']');
}

static int cmp_interval(const void *a, const void *b)
{
    const vrv_interval *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

static int cmp_bucket(const void *a, const void *b)
{
    const bucket *x = *(bucket *const *)a, *y = *(bucket *const *)b;
    return x->iv.start < y->iv.start ? -1 : x->iv.start > y->iv.start ? 1 : 0;
}

/* The segment-granularity bucket of t. With an arbitrary granularity the
 * bucket is the interval of the window holding t (the pipeline has dropped
 * every row outside them). */
static vrv_interval bucket_of(const batch *b, vrv_ms t)
{
    if (b->arbitrary) {
        for (size_t i = 0; i < b->nwindow; i++)
            if (vrv_interval_contains(b->window[i], t)) return b->window[i];
        return vrv_interval_make(t, t + 1);
    }
    return vrv_gran_bucket(&b->seg_gran, t);
}

/* ---- live state ---------------------------------------------------------------- */

static void set_state(batch *b, const char *state)
{
    pthread_mutex_lock(&b->mu);
    b->state = state;
    pthread_mutex_unlock(&b->mu);
}

/* Refreshes the live copy of a phase's counters and saved exceptions. */
static void refresh_live(batch *b, vrv_pipeline *p)
{
    if (!p) return;
    bool det = p == b->det;
    vrv_task_meters_mark(det ? &b->det_meters : &b->build_meters, vrv_pipeline_stats(p));
    json_t *ev = b->spec.tuning.c.max_saved_parse_exceptions > 0 ? vrv_pipeline_exceptions_json(p)
                                                                  : NULL;
    pthread_mutex_lock(&b->mu);
    json_t **slot = det ? &b->det_events : &b->build_events;
    json_decref(*slot);
    *slot = ev;
    pthread_mutex_unlock(&b->mu);
}

/* Which phases a live answer shows: Druid's rule — the current one
 * (determinePartitions while it runs, buildSegments from then until
 * completion), both with ?full. */
static void live_phases(batch *b, const vrv_http_req *req, bool *det, bool *build)
{
    bool full = vrv_http_req_query(req, "full") != NULL;
    pthread_mutex_lock(&b->mu);
    const char *st = b->state;
    pthread_mutex_unlock(&b->mu);
    *det = full || st == ST_DETERMINE;
    *build = full || st == ST_BUILD || st == ST_COMPLETED;
}

static json_t *live_row_stats(batch *b, bool det, bool build)
{
    json_t *avg = json_object(), *tot = json_object();
    if (det) {
        json_object_set_new(avg, "determinePartitions", vrv_task_meters_averages(&b->det_meters));
        json_object_set_new(tot, "determinePartitions", vrv_task_meters_totals(&b->det_meters));
    }
    if (build) {
        json_object_set_new(avg, "buildSegments", vrv_task_meters_averages(&b->build_meters));
        json_object_set_new(tot, "buildSegments", vrv_task_meters_totals(&b->build_meters));
    }
    return json_pack("{s:o, s:o}", "movingAverages", avg, "totals", tot);
}

/* Druid's unparseableEvents map: both phases, or {} when none are kept. */
static json_t *events_json(batch *b)
{
    json_t *o = json_object();
    if (b->spec.tuning.c.max_saved_parse_exceptions <= 0) return o;
    pthread_mutex_lock(&b->mu);
    json_object_set_new(o, "determinePartitions",
                        b->det_events ? json_deep_copy(b->det_events) : json_array());
    json_object_set_new(o, "buildSegments",
                        b->build_events ? json_deep_copy(b->build_events) : json_array());
    pthread_mutex_unlock(&b->mu);
    return o;
}

static bool own_task(batch *b, vrv_http_req *req, vrv_http_resp *resp)
{
    const char *id = vrv_http_req_param(req, "id");
    if (id && strcmp(id, b->env->id) == 0) return true;
    vrv_http_error(resp, 404, "Can't find chatHandler for handler[%s]", id ? id : "");
    return false;
}

static void h_live_reports(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    batch *b = ctx;
    if (!own_task(b, req, resp)) return;
    bool det, build;
    live_phases(b, req, &det, &build);
    pthread_mutex_lock(&b->mu);
    const char *st = b->state;
    pthread_mutex_unlock(&b->mu);
    vrv_http_resp_json(resp, 200,
                       vrv_task_live_report_json(b->env->id, st, events_json(b),
                                                 live_row_stats(b, det, build)));
}

static void h_row_stats(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    batch *b = ctx;
    if (!own_task(b, req, resp)) return;
    bool det, build;
    live_phases(b, req, &det, &build);
    vrv_http_resp_json(resp, 200, live_row_stats(b, det, build));
}

static void h_unparseable(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    batch *b = ctx;
    if (!own_task(b, req, resp)) return;
    bool det, build;
    live_phases(b, req, &det, &build);
    json_t *o = json_object();
    pthread_mutex_lock(&b->mu);
    if (det)
        json_object_set_new(o, "determinePartitions",
                            b->det_events ? json_deep_copy(b->det_events) : json_array());
    if (build)
        json_object_set_new(o, "buildSegments",
                            b->build_events ? json_deep_copy(b->build_events) : json_array());
    pthread_mutex_unlock(&b->mu);
    vrv_http_resp_json(resp, 200, o);
}

static const vrv_task_route ROUTES[] = {
    {"GET", "/druid/worker/v1/chat/{id}/liveReports", h_live_reports},
    {"GET", "/druid/worker/v1/chat/{id}/rowStats", h_row_stats},
    {"GET", "/druid/worker/v1/chat/{id}/unparseableEvents", h_unparseable},
};

/* ---- buckets, persists, generations ---------------------------------------------- */

static bucket *get_bucket(batch *b, vrv_interval iv)
{
    bool inserted;
    uint64_t *slot = vrv_map_put(&b->by_start, &iv.start, sizeof iv.start, &inserted);
    if (!inserted) return b->buckets.v[*slot];
    *slot = b->buckets.n;
    bucket *bk = vrv_calloc(1, sizeof *bk);
    bk->iv = iv;
    vrv_vec_push(&b->buckets, bk);
    return bk;
}

/* Adds the growth of the index that took the previous row to the totals. */
static void account(batch *b)
{
    if (!b->acc_idx) return;
    size_t r = vrv_index_rows(b->acc_idx), by = vrv_index_bytes(b->acc_idx);
    b->mem_rows += r - b->acc_rows;
    b->gen_rows += r - b->acc_rows;
    if (by > b->acc_bytes) b->mem_bytes += by - b->acc_bytes;
    b->acc_rows = r;
    b->acc_bytes = by;
}

/* Persists every in-memory index to a spill segment and frees it. */
static int persist_all(batch *b, vrv_error *err)
{
    account(b);
    b->acc_idx = NULL;
    size_t rows_total = 0, n = 0;
    vrv_seg_writer_opts wo = writer_opts(&b->spec.tuning.c.index_spec_intermediate);
    for (size_t i = 0; i < b->buckets.n; i++) {
        bucket *bk = b->buckets.v[i];
        if (!bk->idx) continue;
        if (vrv_index_rows(bk->idx) > 0) {
            vrv_buf path = VRV_BUF_INIT;
            vrv_buf_printf(&path, "%s/%zu.vseg", b->spill_dir, b->spill_seq++);
            size_t rows = 0;
            int rc = vrv_task_persist(bk->idx, vrv_pipeline_metrics(b->build), &wo, NULL,
                                      path.data, &rows, err);
            if (rc < 0) {
                vrv_buf_free(&path);
                return rc;
            }
            vrv_vec_push(&bk->spills, vrv_buf_detach(&path));
            rows_total += rows;
            n++;
        }
        vrv_index_free(bk->idx);
        bk->idx = NULL;
    }
    if (n) {
        b->persists++;
        VRV_INFO("task", "persisted %zu rows of %zu time chunks (%llu bytes in memory)", rows_total,
                 n, (unsigned long long)b->mem_bytes);
    }
    b->mem_rows = b->mem_bytes = 0;
    return 0;
}

/* Closes the open generation of every bucket (its spills so far). */
static void cut_generations(batch *b)
{
    for (size_t i = 0; i < b->buckets.n; i++) {
        bucket *bk = b->buckets.v[i];
        size_t last = bk->cuts.n ? bk->cuts.v[bk->cuts.n - 1] : 0;
        if (bk->spills.n > last) vrv_vec_push(&bk->cuts, bk->spills.n);
    }
    b->gen_rows = 0;
}

/* The pipeline's sink: the index of the row's bucket, after the memory and
 * total-row limits were enforced. */
static vrv_index *sink(void *ctx, vrv_ms t, vrv_error *err)
{
    batch *b = ctx;
    if (vrv_task_stop_requested()) {
        vrv_error_set(err, VRV_ECANCELED, "%s", VRV_TASK_STOPPED_MSG);
        return NULL;
    }
    account(b);
    if (b->mem_rows >= b->max_rows_in_memory || b->mem_bytes >= b->max_bytes_in_memory) {
        if (persist_all(b, err) < 0) return NULL;
    }
    if (b->max_total_rows && b->gen_rows >= b->max_total_rows) {
        if (persist_all(b, err) < 0) return NULL;
        VRV_INFO("task", "%llu rows reached maxTotalRows: the time chunks so far get their own "
                         "segments",
                 (unsigned long long)b->gen_rows);
        cut_generations(b);
    }
    bucket *bk = b->last;
    if (!bk || !vrv_interval_contains(bk->iv, t)) {
        bk = get_bucket(b, bucket_of(b, t));
        b->last = bk;
    }
    if (!bk->idx) bk->idx = vrv_pipeline_new_index(b->build);
    b->acc_idx = bk->idx;
    b->acc_rows = vrv_index_rows(bk->idx);
    b->acc_bytes = vrv_index_bytes(bk->idx);
    return bk->idx;
}

/* ---- phases ---------------------------------------------------------------------- */

static int read_split(batch *b, size_t i, vrv_buf *data, vrv_error *err)
{
    vrv_buf_reset(data);
    vrv_source_limits lim = {.stop = vrv_task_stop_requested};
    int rc = vrv_source_read(b->source, &b->splits.v[i], &lim, data, err);
    if (rc == VRV_ECANCELED) return vrv_error_set(err, rc, "%s", VRV_TASK_STOPPED_MSG);
    if (rc < 0) vrv_error_prefix(err, "reading input [%s]", b->splits.v[i].name);
    return rc;
}

/* What the determine pass gathers: the distinct buckets holding rows. */
typedef struct found_set {
    const vrv_gran *gran;
    vrv_ms last_start; /* the previous row's bucket, to skip the map on runs */
    bool any;
    vrv_map starts;
    VRV_VEC(vrv_interval) ivs;
} found_set;

static void seen_time(void *ctx, vrv_ms t)
{
    found_set *f = ctx;
    vrv_interval iv = vrv_gran_bucket(f->gran, t);
    if (f->any && iv.start == f->last_start) return;
    f->any = true;
    f->last_start = iv.start;
    bool ins;
    vrv_map_put(&f->starts, &iv.start, sizeof iv.start, &ins);
    if (ins) vrv_vec_push(&f->ivs, iv);
}

/* The first pass when no intervals are given: the buckets holding rows
 * become the window of the build pass (Druid: the granularitySpec's
 * intervals are replaced by the condensed buckets found). */
static int determine_intervals(batch *b, vrv_error *err)
{
    set_state(b, ST_DETERMINE);
    VRV_INFO("task", "determining intervals: reading %zu input splits", b->splits.n);
    found_set f = {.gran = &b->seg_gran};
    vrv_map_init(&f.starts, true);
    vrv_buf data = VRV_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < b->splits.n && rc == 0; i++) {
        if (vrv_task_stop_requested()) {
            rc = vrv_error_set(err, VRV_ECANCELED, "%s", VRV_TASK_STOPPED_MSG);
            break;
        }
        if ((rc = read_split(b, i, &data, err)) < 0) break;
        rc = vrv_pipeline_scan(b->det, data.data, data.len, seen_time, &f, err);
        refresh_live(b, b->det);
    }
    vrv_buf_free(&data);
    vrv_map_destroy(&f.starts);
    if (rc < 0) {
        vrv_vec_free(&f.ivs);
        return rc;
    }
    if (f.ivs.n > 1) qsort(f.ivs.v, f.ivs.n, sizeof *f.ivs.v, cmp_interval);
    size_t n = vrv_interval_condense(f.ivs.v, f.ivs.n);
    b->window = f.ivs.v ? f.ivs.v : vrv_malloc(sizeof *b->window);
    b->nwindow = n;
    vrv_buf msg = VRV_BUF_INIT;
    append_interval_list(&msg, b->window, b->nwindow);
    VRV_INFO("task", "found intervals %s", msg.data);
    vrv_buf_free(&msg);
    return 0;
}

/* An overwriting task locks its (condensed) buckets and keeps the versions. */
static int lock_buckets(batch *b, vrv_error *err)
{
    for (size_t i = 0; i < b->nwindow; i++) {
        vrv_buf iv = VRV_BUF_INIT;
        vrv_interval_append(&iv, b->window[i]);
        json_t *a = json_pack("{s:s, s:s}", "type", "timeChunkLockTryAcquire", "interval", iv.data);
        vrv_buf_free(&iv);
        json_t *res = NULL;
        int rc = vrv_action_submit(b->env->actions, a, &res, err);
        json_decref(a);
        if (rc < 0) return rc;
        const char *ver = json_string_value(json_object_get(res, "version"));
        const char *ivs = json_string_value(json_object_get(res, "interval"));
        vrv_interval liv;
        if (!ver || !ivs || vrv_interval_parse(ivs, strlen(ivs), &liv, NULL) < 0) {
            json_decref(res);
            vrv_buf m = VRV_BUF_INIT;
            append_interval_list(&m, b->window, b->nwindow);
            rc = vrv_error_set(err, VRV_ECONFLICT, "Failed to get locks for intervals%s", m.data);
            vrv_buf_free(&m);
            return rc;
        }
        lock_version lv = {liv, vrv_strdup(ver)};
        vrv_vec_push(&b->locks, lv);
        VRV_INFO("task", "locked %s with version %s", ivs, ver);
        json_decref(res);
    }
    return 0;
}

static int build_pass(batch *b, vrv_error *err)
{
    set_state(b, ST_BUILD);
    VRV_INFO("task", "building segments: reading %zu input splits", b->splits.n);
    vrv_buf data = VRV_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < b->splits.n && rc == 0; i++) {
        if (vrv_task_stop_requested()) {
            rc = vrv_error_set(err, VRV_ECANCELED, "%s", VRV_TASK_STOPPED_MSG);
            break;
        }
        if ((rc = read_split(b, i, &data, err)) < 0) break;
        rc = vrv_pipeline_process(b->build, data.data, data.len, NULL, false, sink, b, err);
        refresh_live(b, b->build);
        VRV_DEBUG("task", "read [%s]", b->splits.v[i].name);
    }
    vrv_buf_free(&data);
    if (rc == 0) rc = persist_all(b, err);
    if (rc == 0) cut_generations(b);
    return rc;
}

/* ---- segment identities ------------------------------------------------------------ */

typedef struct ident_ctx {
    batch *b;
    size_t base; /* partitions numbered before this generation */
    size_t core; /* the chunk's partitions over all its generations; 0: this one's count */
} ident_ctx;

/* Overwrite: partitions 0..n-1 of the chunk under the lock's version. */
static int ident_overwrite(void *ctx, vrv_interval chunk, size_t index, size_t count,
                           vrv_publish_ident *out, vrv_error *err)
{
    ident_ctx *ic = ctx;
    batch *b = ic->b;
    const char *ver = NULL;
    for (size_t i = 0; i < b->locks.n && !ver; i++)
        if (vrv_interval_encloses(b->locks.v[i].iv, chunk)) ver = b->locks.v[i].version;
    if (!ver) {
        char s[VRV_INTERVAL_STR_MAX];
        vrv_interval_format(chunk, s);
        return vrv_error_set(err, VRV_EINTERNAL, "Cannot find a version for interval[%s]", s);
    }
    out->interval = chunk;
    out->version = vrv_strdup(ver);
    out->partition_num = (int32_t)(ic->base + index);
    out->core_partitions = (int32_t)(ic->core ? ic->core : count);
    return 0;
}

/* Append: a new partition of the chunk's existing version (or a new chunk
 * under a fresh lock), allocated by the overlord in this task's sequence. */
static int ident_append(void *ctx, vrv_interval chunk, size_t index, size_t count,
                        vrv_publish_ident *out, vrv_error *err)
{
    (void)index;
    (void)count;
    ident_ctx *ic = ctx;
    batch *b = ic->b;
    vrv_buf iv = VRV_BUF_INIT;
    vrv_interval_append(&iv, chunk);
    json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}", "type", "segmentAllocate",
                          "dataSource", b->ds, "interval", iv.data, "sequenceName", b->env->id,
                          "previousSegmentId", b->prev_id ? json_string(b->prev_id) : json_null(),
                          "skipSegmentLineageCheck", 0);
    vrv_buf_free(&iv);
    json_t *res = NULL;
    int rc = vrv_action_submit(b->env->actions, a, &res, err);
    json_decref(a);
    if (rc < 0) return rc;
    const char *ivs = json_string_value(json_object_get(res, "interval"));
    const char *ver = json_string_value(json_object_get(res, "version"));
    json_t *shard = json_object_get(res, "shardSpec");
    json_t *pn = json_object_get(shard, "partitionNum"), *core = json_object_get(shard, "partitions");
    vrv_interval siv;
    if (!ivs || !ver || !json_is_integer(pn) ||
        vrv_interval_parse(ivs, strlen(ivs), &siv, NULL) < 0) {
        char s[VRV_INTERVAL_STR_MAX];
        vrv_interval_format(chunk, s);
        rc = vrv_error_set(err, VRV_EIO, "Could not allocate segment for interval[%s]", s);
        json_decref(res);
        return rc;
    }
    out->interval = siv;
    out->version = vrv_strdup(ver);
    out->partition_num = (int32_t)json_integer_value(pn);
    out->core_partitions = json_is_integer(core) ? (int32_t)json_integer_value(core) : 0;
    free(b->prev_id);
    b->prev_id = vrv_segid_format(b->ds, siv, ver, out->partition_num);
    json_decref(res);
    return 0;
}

/* Merges and pushes every bucket's generations into final segments. */
static int build_segments(batch *b, vrv_publish_stats *stats, vrv_error *err)
{
    if (b->buckets.n > 1) qsort(b->buckets.v, b->buckets.n, sizeof *b->buckets.v, cmp_bucket);
    for (size_t i = 0; i < b->buckets.n; i++) {
        if (vrv_task_stop_requested())
            return vrv_error_set(err, VRV_ECANCELED, "%s", VRV_TASK_STOPPED_MSG);
        bucket *bk = b->buckets.v[i];
        ident_ctx ic = {b, 0, 0};
        int rc;
        if (!b->append && bk->cuts.n > 1) { /* the core count spans every generation */
            for (size_t g = 0, from = 0; g < bk->cuts.n; from = bk->cuts.v[g], g++) {
                size_t n;
                rc = vrv_publish_count(&b->pub, (const char *const *)bk->spills.v + from,
                                       bk->cuts.v[g] - from, &n, err);
                if (rc < 0) return rc;
                ic.core += n;
            }
        }
        for (size_t g = 0, from = 0; g < bk->cuts.n; from = bk->cuts.v[g], g++) {
            size_t before = stats->segments;
            rc = vrv_publish_build(&b->pub, bk->iv, (const char *const *)bk->spills.v + from,
                                   bk->cuts.v[g] - from, b->append ? ident_append : ident_overwrite,
                                   &ic, b->segments, stats, err);
            if (rc < 0) return rc;
            ic.base += stats->segments - before;
        }
    }
    return 0;
}

/* dropExisting: the used segments lying inside the input intervals. */
static int segments_to_drop(batch *b, json_t **out, vrv_error *err)
{
    *out = json_array();
    if (!b->spec.drop_existing || b->append || b->ninputs == 0) return 0;
    json_t *ivs = json_array();
    for (size_t i = 0; i < b->ninputs; i++) {
        vrv_buf s = VRV_BUF_INIT;
        vrv_interval_append(&s, b->inputs[i]);
        json_array_append_new(ivs, json_stringn(s.data, s.len));
        vrv_buf_free(&s);
    }
    json_t *a = json_pack("{s:s, s:s, s:o}", "type", "retrieveUsedSegments", "dataSource", b->ds,
                          "intervals", ivs);
    json_t *res = NULL;
    int rc = vrv_action_submit(b->env->actions, a, &res, err);
    json_decref(a);
    if (rc < 0) return rc;
    size_t i;
    json_t *seg;
    json_array_foreach(res, i, seg)
    {
        const char *id = json_string_value(json_object_get(seg, "identifier"));
        const char *siv = json_string_value(json_object_get(seg, "interval"));
        vrv_interval iv;
        if (!id || !siv || vrv_interval_parse(siv, strlen(siv), &iv, NULL) < 0) continue;
        for (size_t k = 0; k < b->ninputs; k++)
            if (vrv_interval_encloses(b->inputs[k], iv)) {
                json_array_append_new(*out, json_string(id));
                break;
            }
    }
    json_decref(res);
    return 0;
}

/* Percent-encodes a URL path segment. */
static void append_escaped(vrv_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~')
            vrv_buf_putc(b, (char)*p);
        else
            vrv_buf_printf(b, "%%%02X", *p);
    }
}

/* awaitSegmentAvailabilityTimeoutMillis: polls the coordinator until every
 * published segment is handed off (served) or the time is up. */
static void await_availability(batch *b, int64_t timeout_ms)
{
    set_state(b, ST_AVAILABILITY);
    int64_t t0 = vrv_task_now_ms();
    vrv_http_client_opts o = {.timeout_ms = 5000};
    vrv_http_client *c = vrv_http_client_new(&o);
    size_t n = json_array_size(b->segments);
    bool *done = vrv_calloc(n ? n : 1, sizeof *done);
    size_t left = n;
    while (left > 0 && !vrv_task_stop_requested() && vrv_task_now_ms() - t0 < timeout_ms) {
        for (size_t i = 0; i < n; i++) {
            if (done[i]) continue;
            json_t *s = json_array_get(b->segments, i);
            vrv_buf url = VRV_BUF_INIT;
            vrv_buf_printf(&url, "%s/druid/coordinator/v1/datasources/",
                           vrv_action_client_url(b->env->actions));
            append_escaped(&url, b->ds);
            vrv_buf_puts(&url, "/handoffComplete?interval=");
            append_escaped(&url, json_string_value(json_object_get(s, "interval")));
            vrv_buf_printf(&url, "&partitionNumber=%lld&version=",
                           (long long)json_integer_value(
                               json_object_get(json_object_get(s, "shardSpec"), "partitionNum")));
            append_escaped(&url, json_string_value(json_object_get(s, "version")));
            vrv_http_result r = {0};
            if (vrv_http_client_get(c, url.data, &r, NULL) == 0 && r.status == 200 && r.body.data &&
                strcmp(r.body.data, "true") == 0) {
                done[i] = true;
                left--;
            }
            vrv_http_result_free(&r);
            vrv_buf_free(&url);
        }
        if (left > 0) usleep(HANDOFF_POLL_MS * 1000);
    }
    b->availability_confirmed = left == 0;
    b->availability_wait_ms = vrv_task_now_ms() - t0;
    VRV_INFO("task", "%zu of %zu segments available after %lld ms", n - left, n,
             (long long)b->availability_wait_ms);
    free(done);
    vrv_http_client_free(c);
}

/* ---- setup and report ---------------------------------------------------------------- */

static int setup(batch *b, vrv_error *err)
{
    vrv_task_env *env = b->env;
    vrv_spec_opts opts = {.memory_budget = env->memory};
    int rc = vrv_spec_batch_parse(env->payload, &opts, &b->spec, err);
    if (rc < 0) return rc;
    b->have_spec = true;
    const vrv_spec_batch *sp = &b->spec;
    const vrv_spec_granularity *gs = &sp->schema.granularity;
    b->ds = sp->schema.data_source;
    b->append = sp->append_to_existing;
    b->arbitrary = gs->arbitrary;
    b->seg_gran = gs->segment;
    if (sp->tuning.partitions.type != VRV_SPEC_PART_DYNAMIC)
        return vrv_error_set(err, VRV_EUNSUPPORTED,
                             "spec.tuningConfig.partitionsSpec: varve builds batch segments with "
                             "dynamic partitioning only (forceGuaranteedRollup false)");
    if (b->arbitrary && gs->n_intervals == 0)
        return vrv_error_set(err, VRV_EINVAL,
                             "spec.dataSchema.granularitySpec.intervals: required with an "
                             "arbitrary granularity");

    if (gs->n_intervals > 0) {
        /* The buckets rows may fall in: each interval widened to whole buckets. */
        b->window = vrv_malloc(gs->n_intervals * sizeof *b->window);
        b->inputs = vrv_malloc(gs->n_intervals * sizeof *b->inputs);
        for (size_t i = 0; i < gs->n_intervals; i++) {
            vrv_interval iv = gs->intervals[i];
            b->inputs[i] = iv;
            if (!b->arbitrary) {
                vrv_ms s = vrv_gran_bucket_start(&b->seg_gran, iv.start);
                vrv_ms e = iv.end > iv.start ? vrv_gran_ceil(&b->seg_gran, iv.end) : s;
                iv = vrv_interval_make(s, e);
            }
            b->window[i] = iv;
        }
        b->nwindow = b->arbitrary ? gs->n_intervals
                                  : vrv_interval_condense(b->window, gs->n_intervals);
        if (b->arbitrary) qsort(b->window, b->nwindow, sizeof *b->window, cmp_interval);
        b->ninputs = vrv_interval_condense(b->inputs, gs->n_intervals);
    }

    const vrv_spec_tuning_common *tc = &sp->tuning.c;
    b->max_rows_in_memory = tc->max_rows_in_memory > 0 ? (uint64_t)tc->max_rows_in_memory : UINT64_MAX;
    b->max_bytes_in_memory = tc->max_bytes_in_memory_effective > 0
                                 ? (uint64_t)tc->max_bytes_in_memory_effective
                                 : UINT64_MAX;
    b->max_total_rows = sp->tuning.partitions.max_total_rows > 0
                            ? (uint64_t)sp->tuning.partitions.max_total_rows
                            : 20000000; /* Druid's default for dynamic partitioning */

    b->spill_dir = vrv_task_path(env, VRV_TASKDIR_SPILL);
    b->out_dir = vrv_task_path(env, VRV_TASKDIR_OUT);
    vrv_fs_remove_tree(b->spill_dir, NULL); /* leftovers of an earlier attempt */
    vrv_fs_remove_tree(b->out_dir, NULL);
    if ((rc = vrv_fs_mkdirs(b->spill_dir, err)) < 0 || (rc = vrv_fs_mkdirs(b->out_dir, err)) < 0)
        return rc;

    if ((rc = vrv_source_parse(sp->input_source.json, sp->input_source.path, &b->source, err)) < 0 ||
        (rc = vrv_source_list(b->source, &b->splits, err)) < 0)
        return rc;

    vrv_pipeline_config pc = {.schema = &sp->schema,
                              .input_format = &sp->input_format,
                              .tuning = &sp->tuning.c};
    if (gs->n_intervals == 0 && (rc = vrv_pipeline_new(&pc, &b->det, err)) < 0) return rc;

    b->timestamp_spec = timestamp_spec_json(&sp->schema.timestamp);
    b->segments = json_array();
    return 0;
}

/* The build pipeline, once the window is known. */
static int start_build(batch *b, vrv_error *err)
{
    static const vrv_interval none = {0, 0};
    vrv_pipeline_config pc = {.schema = &b->spec.schema,
                              .input_format = &b->spec.input_format,
                              .tuning = &b->spec.tuning.c,
                              .intervals = b->window ? b->window : (b->det ? &none : NULL),
                              .n_intervals = b->nwindow};
    int rc = vrv_pipeline_new(&pc, &b->build, err);
    if (rc < 0) return rc;
    b->pub = (vrv_publish_schema){.data_source = b->ds,
                                  .metrics = vrv_pipeline_metrics(b->build),
                                  .rollup = b->spec.schema.granularity.rollup,
                                  .query_gran = &b->spec.schema.granularity.query,
                                  .timestamp_spec = b->timestamp_spec,
                                  .writer = writer_opts(&b->spec.tuning.c.index_spec),
                                  .max_rows_per_segment =
                                      (uint64_t)b->spec.tuning.partitions.max_rows_per_segment,
                                  .work_dir = b->out_dir,
                                  .deep = b->env->deep,
                                  .deep_unique = NULL};
    return 0;
}

static json_t *report_row_stats(batch *b)
{
    vrv_row_stats zero = {0};
    return json_pack("{s:o, s:o}", "determinePartitions",
                     vrv_row_stats_to_json(b->det ? vrv_pipeline_stats(b->det) : &zero),
                     "buildSegments",
                     vrv_row_stats_to_json(b->build ? vrv_pipeline_stats(b->build) : &zero));
}

static void write_report(batch *b, const vrv_error *failure, int64_t published)
{
    refresh_live(b, b->det);
    refresh_live(b, b->build);
    pthread_mutex_lock(&b->mu);
    const char *st = b->state;
    pthread_mutex_unlock(&b->mu);
    vrv_task_report r = {.task_id = b->env->id,
                         .ingestion_state = st,
                         .unparseable_events = b->have_spec ? events_json(b) : json_object(),
                         .row_stats = report_row_stats(b),
                         .error_msg = failure->code ? failure->msg : NULL,
                         .segment_availability_confirmed =
                             failure->code == 0 && b->availability_confirmed,
                         .segment_availability_wait_ms =
                             failure->code == 0 ? b->availability_wait_ms : 0,
                         .records_processed = NULL,
                         .segments_published = published,
                         .context = json_object_get(b->env->payload, "context")};
    json_t *rep = vrv_task_report_json(&r);
    vrv_error e2;
    if (vrv_task_write_json(b->env, VRV_TASKDIR_REPORT, rep, &e2) < 0)
        VRV_ERR("task", "writing the report: %s", e2.msg);
    json_decref(rep);
}

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->buckets.n; i++) {
        bucket *bk = b->buckets.v[i];
        vrv_index_free(bk->idx);
        for (size_t k = 0; k < bk->spills.n; k++) free(bk->spills.v[k]);
        vrv_vec_free(&bk->spills);
        vrv_vec_free(&bk->cuts);
        free(bk);
    }
    vrv_vec_free(&b->buckets);
    vrv_map_destroy(&b->by_start);
    for (size_t i = 0; i < b->locks.n; i++) free(b->locks.v[i].version);
    vrv_vec_free(&b->locks);
    free(b->prev_id);
    vrv_pipeline_free(b->det);
    vrv_pipeline_free(b->build);
    vrv_source_splits_free(&b->splits);
    vrv_source_free(b->source);
    free(b->window);
    free(b->inputs);
    json_decref(b->timestamp_spec);
    json_decref(b->segments);
    json_decref(b->det_events);
    json_decref(b->build_events);
    if (b->spill_dir) vrv_fs_remove_tree(b->spill_dir, NULL);
    if (b->out_dir) vrv_fs_remove_tree(b->out_dir, NULL);
    free(b->spill_dir);
    free(b->out_dir);
    if (b->have_spec) vrv_spec_batch_free(&b->spec);
    vrv_task_meters_destroy(&b->det_meters);
    vrv_task_meters_destroy(&b->build_meters);
    pthread_mutex_destroy(&b->mu);
}

/* ---- the run ------------------------------------------------------------------------- */

void vrv_batch_run(vrv_task_env *env, vrv_error *failure)
{
    vrv_error_clear(failure);
    batch b;
    memset(&b, 0, sizeof b);
    b.env = env;
    b.state = ST_NOT_STARTED;
    pthread_mutex_init(&b.mu, NULL);
    vrv_map_init(&b.by_start, true);
    vrv_task_meters_init(&b.det_meters);
    vrv_task_meters_init(&b.build_meters);
    int64_t published = -1;

    /* The server starts once the spec is parsed: its handlers read it. */
    int rc = setup(&b, failure);
    if (rc == 0) rc = vrv_task_serve(env, ROUTES, sizeof ROUTES / sizeof ROUTES[0], &b, failure);
    if (rc == 0 && b.det) rc = determine_intervals(&b, failure);
    if (rc == 0 && !b.append) rc = lock_buckets(&b, failure);
    if (rc == 0) rc = start_build(&b, failure);
    if (rc == 0) rc = build_pass(&b, failure);
    vrv_publish_stats stats = {0};
    if (rc == 0) rc = build_segments(&b, &stats, failure);
    json_t *drop = NULL;
    if (rc == 0) rc = segments_to_drop(&b, &drop, failure);
    if (rc == 0 && vrv_task_stop_requested())
        rc = vrv_error_set(failure, VRV_ECANCELED, "%s", VRV_TASK_STOPPED_MSG);
    if (rc == 0 && (json_array_size(b.segments) > 0 || json_array_size(drop) > 0)) {
        rc = vrv_publish_commit(env->actions, b.segments, drop, NULL, NULL, failure);
        if (rc == 0)
            VRV_INFO("task", "published %zu segments (%llu rows, %llu bytes), marked %zu unused",
                     json_array_size(b.segments), (unsigned long long)stats.rows,
                     (unsigned long long)stats.bytes, json_array_size(drop));
    }
    json_decref(drop);
    if (rc == 0) {
        published = (int64_t)json_array_size(b.segments);
        int64_t wait = b.spec.tuning.await_segment_availability_timeout_ms;
        if (wait > 0 && published > 0) await_availability(&b, wait);
        set_state(&b, ST_COMPLETED);
        const vrv_row_stats *s = vrv_pipeline_stats(b.build);
        VRV_INFO("task", "Processed[%llu] events, unparseable[%llu], thrownAway[%llu].",
                 (unsigned long long)s->processed, (unsigned long long)s->unparseable,
                 (unsigned long long)s->thrown_away);
    } else {
        VRV_ERR("task", "failed in %s: %s", b.state, failure->msg);
    }
    write_report(&b, failure, published);
    /* The server reads the live state: stop it before that state goes away. */
    vrv_http_server_free(env->http);
    env->http = NULL;
    batch_free(&b);
}
