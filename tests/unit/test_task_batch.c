/*
 * test_task_batch.c — the parts of the batch task that stand alone: the
 * pipeline's interval window and determine-partitions scan, final segments
 * built from spills (identity, footer, push, DataSegment JSON, the cut at
 * maxRowsPerSegment), the task actions and the publish action as the
 * overlord receives them, the ingestion report and row meters, and the
 * TaskStatus error cut.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/mem.h"
#include "ingest/pipeline.h"
#include "segment/seg_reader.h"
#include "server/http.h"
#include "spec/spec.h"
#include "storage/deep.h"
#include "task/merge.h"
#include "task/publish.h"
#include "task/report.h"
#include "test.h"

static const char *SPEC =
    "{\"type\":\"index_parallel\",\"spec\":{\"dataSchema\":{\"dataSource\":\"w\","
    "\"timestampSpec\":{\"column\":\"ts\",\"format\":\"iso\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"page\"]},"
    "\"metricsSpec\":[{\"type\":\"count\",\"name\":\"count\"},"
    "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}],"
    "\"granularitySpec\":{\"segmentGranularity\":\"day\",\"queryGranularity\":\"hour\","
    "\"intervals\":[\"2024-03-01/2024-03-02\"]}},"
    "\"ioConfig\":{\"type\":\"index_parallel\",\"inputSource\":{\"type\":\"inline\",\"data\":\"x\"},"
    "\"inputFormat\":{\"type\":\"json\"}}}}";

typedef struct fixture {
    json_t *json;
    vrv_spec_batch spec;
    vrv_pipeline *p;
    vrv_index *idx;
    size_t sunk;
} fixture;

static void fixture_init(fixture *f, const vrv_interval *window, size_t nwindow)
{
    memset(f, 0, sizeof *f);
    vrv_error err;
    f->json = json_loads(SPEC, 0, NULL);
    CHECK(f->json != NULL);
    CHECK_INT(vrv_spec_batch_parse(f->json, NULL, &f->spec, &err), 0);
    vrv_pipeline_config cfg = {.schema = &f->spec.schema,
                               .input_format = &f->spec.input_format,
                               .tuning = &f->spec.tuning.c,
                               .intervals = window,
                               .n_intervals = nwindow};
    CHECK_INT(vrv_pipeline_new(&cfg, &f->p, &err), 0);
}

static void fixture_free(fixture *f)
{
    vrv_index_free(f->idx);
    vrv_pipeline_free(f->p);
    vrv_spec_batch_free(&f->spec);
    json_decref(f->json);
}

static vrv_index *one_index(void *ctx, vrv_ms t, vrv_error *err)
{
    (void)t;
    (void)err;
    fixture *f = ctx;
    f->sunk++;
    if (!f->idx) f->idx = vrv_pipeline_new_index(f->p);
    return f->idx;
}

static vrv_ms at(const char *iso)
{
    vrv_ms t = 0;
    CHECK_INT(vrv_time_parse(iso, strlen(iso), 0, &t, NULL), 0);
    return t;
}

static const char *ROWS = "{\"ts\":\"2024-03-01T01:10:00Z\",\"page\":\"a\",\"added\":1}\n"
                          "{\"ts\":\"2024-02-29T23:59:59Z\",\"page\":\"b\",\"added\":2}\n"
                          "bad\n"
                          "{\"ts\":\"2024-03-01T23:00:00Z\",\"page\":\"c\",\"added\":3}\n"
                          "{\"ts\":\"2024-03-02T00:00:00Z\",\"page\":\"d\",\"added\":4}\n";

/* Rows outside the window are thrown away as filtered, before any column is
 * converted; the window's ends are half open. */
TEST(pipeline_interval_window)
{
    vrv_interval win[] = {{at("2024-03-01T00:00:00Z"), at("2024-03-02T00:00:00Z")}};
    fixture f;
    fixture_init(&f, win, 1);
    vrv_error err;
    CHECK_INT(vrv_pipeline_process(f.p, ROWS, strlen(ROWS), NULL, false, one_index, &f, &err), 0);
    const vrv_row_stats *s = vrv_pipeline_stats(f.p);
    CHECK_INT(s->processed, 2);
    CHECK_INT(s->unparseable, 1);
    CHECK_INT(s->thrown_away, 2);
    CHECK_INT(s->thrown_filtered, 2);
    CHECK_INT(f.sunk, 2);
    json_t *j = vrv_row_stats_to_json(s);
    char *txt = json_dumps(j, JSON_COMPACT);
    CHECK_STR(txt, "{\"processed\":2,\"processedBytes\":208,\"processedWithError\":0,"
                   "\"thrownAway\":2,\"thrownAwayByReason\":{\"filtered\":2},\"unparseable\":1}");
    free(txt);
    json_decref(j);
    fixture_free(&f);

    /* An empty window keeps nothing. */
    fixture_init(&f, win, 0);
    CHECK_INT(vrv_pipeline_process(f.p, ROWS, strlen(ROWS), NULL, false, one_index, &f, &err), 0);
    CHECK_INT(vrv_pipeline_stats(f.p)->thrown_filtered, 4);
    CHECK_INT(f.sunk, 0);
    fixture_free(&f);
}

typedef struct seen_log {
    vrv_ms t[8];
    size_t n;
} seen_log;

static void seen(void *ctx, vrv_ms t)
{
    seen_log *l = ctx;
    if (l->n < 8) l->t[l->n++] = t;
}

/* The determine pass: every parsed row is processed (no column conversion:
 * "zz" in a longSum input is not an error here), times are untruncated. */
TEST(pipeline_scan)
{
    fixture f;
    fixture_init(&f, NULL, 0);
    const char *rows = "{\"ts\":\"2024-03-01T01:10:00Z\",\"page\":\"a\",\"added\":\"zz\"}\n"
                       "nope\n"
                       "{\"ts\":\"2024-03-05T02:00:00Z\",\"page\":\"b\"}\n";
    seen_log l = {0};
    vrv_error err;
    CHECK_INT(vrv_pipeline_scan(f.p, rows, strlen(rows), seen, &l, &err), 0);
    CHECK_INT(l.n, 2);
    CHECK_INT(l.t[0], at("2024-03-01T01:10:00Z"));
    CHECK_INT(l.t[1], at("2024-03-05T02:00:00Z"));
    const vrv_row_stats *s = vrv_pipeline_stats(f.p);
    CHECK_INT(s->processed, 2);
    CHECK_INT(s->processed_with_error, 0);
    CHECK_INT(s->unparseable, 1);
    CHECK_INT(s->processed_bytes, strlen(rows));
    CHECK(f.idx == NULL);
    /* An empty block is a null record. */
    CHECK_INT(vrv_pipeline_scan(f.p, "", 0, seen, &l, &err), 0);
    CHECK_INT(vrv_pipeline_stats(f.p)->thrown_null, 1);
    fixture_free(&f);

    /* The parse exception limit holds in this pass too. */
    json_t *j = json_loads(SPEC, 0, NULL);
    json_object_set_new(json_object_get(j, "spec"), "tuningConfig",
                        json_pack("{s:s, s:i}", "type", "index_parallel", "maxParseExceptions", 0));
    vrv_spec_batch spec;
    CHECK_INT(vrv_spec_batch_parse(j, NULL, &spec, &err), 0);
    vrv_pipeline_config cfg = {.schema = &spec.schema,
                               .input_format = &spec.input_format,
                               .tuning = &spec.tuning.c};
    vrv_pipeline *p;
    CHECK_INT(vrv_pipeline_new(&cfg, &p, &err), 0);
    CHECK_INT(vrv_pipeline_scan(p, rows, strlen(rows), seen, &l, &err), VRV_ELIMIT);
    CHECK_STR(err.msg, "Max parse exceptions[0] exceeded");
    vrv_pipeline_free(p);
    vrv_spec_batch_free(&spec);
    json_decref(j);
}

/* ---- final segments from spills ---- */

static char *spill(fixture *f, const char *rows, const char *name)
{
    vrv_error err;
    CHECK_INT(vrv_pipeline_process(f->p, rows, strlen(rows), NULL, false, one_index, f, &err), 0);
    vrv_buf path = VRV_BUF_INIT;
    vrv_buf_printf(&path, "%s/%s.vseg", vrv_test_tmpdir(), name);
    CHECK_INT(vrv_task_persist(f->idx, vrv_pipeline_metrics(f->p), NULL, NULL, path.data, NULL, &err),
              0);
    vrv_index_free(f->idx);
    f->idx = NULL;
    return vrv_buf_detach(&path);
}

typedef struct idents {
    int calls;
    size_t last_count;
} idents;

static int ident(void *ctx, vrv_interval chunk, size_t index, size_t count, vrv_publish_ident *out,
                 vrv_error *err)
{
    (void)err;
    idents *c = ctx;
    c->calls++;
    c->last_count = count;
    out->interval = chunk;
    out->version = vrv_strdup("2024-04-01T00:00:00.000Z");
    out->partition_num = (int32_t)(10 + index);
    out->core_partitions = (int32_t)count;
    return 0;
}

TEST(publish_build)
{
    fixture f;
    fixture_init(&f, NULL, 0);
    /* Two spills of one chunk; "a" at 01:xx rolls up across them. */
    char *s1 = spill(&f, "{\"ts\":\"2024-03-01T01:10:00Z\",\"page\":\"a\",\"added\":1}\n"
                         "{\"ts\":\"2024-03-01T05:00:00Z\",\"page\":\"c\",\"added\":5}\n",
                     "s1");
    char *s2 = spill(&f, "{\"ts\":\"2024-03-01T01:50:00Z\",\"page\":\"a\",\"added\":2}\n"
                         "{\"ts\":\"2024-03-01T03:00:00Z\",\"page\":\"b\",\"added\":3}\n",
                     "s2");
    const char *spills[] = {s1, s2};
    vrv_buf deep_dir = VRV_BUF_INIT, work = VRV_BUF_INIT;
    vrv_buf_printf(&deep_dir, "%s/deep", vrv_test_tmpdir());
    vrv_buf_printf(&work, "%s/out", vrv_test_tmpdir());
    vrv_error err;
    CHECK_INT(vrv_fs_mkdirs(work.data, &err), 0);
    vrv_deep *deep;
    CHECK_INT(vrv_deep_open_local(deep_dir.data, &deep, &err), 0);
    json_t *ts = json_pack("{s:s, s:s, s:n}", "column", "ts", "format", "iso", "missingValue");
    vrv_publish_schema s = {.data_source = "w",
                            .metrics = vrv_pipeline_metrics(f.p),
                            .rollup = true,
                            .query_gran = &f.spec.schema.granularity.query,
                            .timestamp_spec = ts,
                            .max_rows_per_segment = 2,
                            .work_dir = work.data,
                            .deep = deep};
    size_t n = 0;
    CHECK_INT(vrv_publish_count(&s, spills, 2, &n, &err), 0);
    CHECK_INT(n, 2); /* three rows after rollup, two a segment */

    vrv_interval chunk = {at("2024-03-01T00:00:00Z"), at("2024-03-02T00:00:00Z")};
    json_t *segs = json_array();
    idents c = {0};
    vrv_publish_stats st = {0};
    CHECK_INT(vrv_publish_build(&s, chunk, spills, 2, ident, &c, segs, &st, &err), 0);
    CHECK_INT(c.calls, 2);
    CHECK_INT(c.last_count, 2);
    CHECK_INT(st.segments, 2);
    CHECK_INT(st.rows, 3);
    CHECK_INT(json_array_size(segs), 2);

    json_t *d = json_deep_copy(json_array_get(segs, 1));
    json_t *ls = json_object_get(d, "loadSpec");
    CHECK_STR(json_string_value(json_object_get(ls, "type")), "local");
    char *lpath = vrv_strdup(json_string_value(json_object_get(ls, "path")));
    CHECK(lpath && strstr(lpath, "/w/2024-03-01T00:00:00.000Z_2024-03-02T00:00:00.000Z/"
                                 "2024-04-01T00:00:00.000Z/11/index.vseg"));
    CHECK(json_integer_value(json_object_get(d, "size")) > 0);
    json_object_del(d, "loadSpec");
    json_object_del(d, "size");
    char *txt = json_dumps(d, JSON_COMPACT);
    CHECK_STR(txt, "{\"dataSource\":\"w\",\"interval\":\"2024-03-01T00:00:00.000Z/"
                   "2024-03-02T00:00:00.000Z\",\"version\":\"2024-04-01T00:00:00.000Z\","
                   "\"dimensions\":\"page\",\"metrics\":\"count,added\",\"shardSpec\":{\"type\":"
                   "\"numbered\",\"partitionNum\":11,\"partitions\":2},\"binaryVersion\":9,"
                   "\"identifier\":\"w_2024-03-01T00:00:00.000Z_2024-03-02T00:00:00.000Z_"
                   "2024-04-01T00:00:00.000Z_11\"}");
    free(txt);

    /* The pushed file: its footer, and the second output holds the last row. */
    vrv_segment *seg;
    CHECK_INT(vrv_segment_open(lpath, &seg, &err), 0);
    CHECK_INT(vrv_segment_rows(seg), 1);
    json_t *m = json_deep_copy(vrv_segment_meta(seg));
    const char *keep[] = {"dataSource", "interval", "version", "partitionNum", "shardSpec",
                          "aggregators", "queryGranularity", "rollup", "timestampSpec",
                          "dimensions", "metrics"};
    json_t *sub = json_object();
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        json_object_set(sub, keep[i], json_object_get(m, keep[i]));
    txt = json_dumps(sub, JSON_COMPACT);
    char *qg = json_dumps(json_object_get(m, "queryGranularity"), JSON_COMPACT | JSON_ENCODE_ANY);
    vrv_buf want = VRV_BUF_INIT;
    vrv_buf_printf(&want,
                   "{\"dataSource\":\"w\",\"interval\":\"2024-03-01T00:00:00.000Z/"
                   "2024-03-02T00:00:00.000Z\",\"version\":\"2024-04-01T00:00:00.000Z\","
                   "\"partitionNum\":11,\"shardSpec\":{\"type\":\"numbered\",\"partitionNum\":11,"
                   "\"partitions\":2},\"aggregators\":[{\"type\":\"longSum\",\"name\":\"count\","
                   "\"fieldName\":\"count\",\"expression\":null},{\"type\":\"longSum\",\"name\":"
                   "\"added\",\"fieldName\":\"added\",\"expression\":null}],\"queryGranularity\":%s,"
                   "\"rollup\":true,\"timestampSpec\":{\"column\":\"ts\",\"format\":\"iso\","
                   "\"missingValue\":null},\"dimensions\":[\"page\"],\"metrics\":[\"count\","
                   "\"added\"]}",
                   qg);
    CHECK_STR(txt, want.data);
    vrv_buf_free(&want);
    free(qg);
    free(txt);
    json_decref(sub);
    json_decref(m);
    vrv_segment_close(seg);
    /* The local copies went away after the push. */
    vrv_buf f0 = VRV_BUF_INIT;
    vrv_buf_printf(&f0, "%s/out/%lld_%lld_10.vseg", vrv_test_tmpdir(), (long long)chunk.start,
                   (long long)chunk.end);
    CHECK(!vrv_fs_exists(f0.data));
    vrv_buf_free(&f0);

    /* No limit: one segment. */
    s.max_rows_per_segment = 0;
    CHECK_INT(vrv_publish_count(&s, spills, 2, &n, &err), 0);
    CHECK_INT(n, 1);

    /* A spill that is not a segment is named. */
    const char *bad[] = {"/nonexistent/spill.vseg"};
    CHECK(vrv_publish_build(&s, chunk, bad, 1, ident, &c, segs, NULL, &err) < 0);
    CHECK(strstr(err.msg, "/nonexistent/spill.vseg") != NULL);

    free(lpath);
    json_decref(d);
    json_decref(segs);
    json_decref(ts);
    vrv_deep_close(deep);
    vrv_buf_free(&deep_dir);
    vrv_buf_free(&work);
    free(s1);
    free(s2);
    fixture_free(&f);
}

/* ---- actions against a stand-in overlord ---- */

typedef struct fake_overlord {
    char *last; /* the last action holder received */
    int status; /* what to answer */
    const char *answer;
} fake_overlord;

static void h_action(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    fake_overlord *o = ctx;
    size_t n;
    const char *b = vrv_http_req_body(req, &n);
    free(o->last);
    o->last = vrv_strndup(b, n);
    vrv_http_resp_raw(resp, o->status, "application/json", o->answer, strlen(o->answer));
}

TEST(actions_and_commit)
{
    fake_overlord o = {NULL, 200, "{\"result\":{\"segments\":[],\"success\":true,\"errorMsg\":null}}"};
    vrv_http_server *srv;
    vrv_error err;
    CHECK_INT(vrv_http_server_new(NULL, &srv, &err), 0);
    CHECK_INT(vrv_http_route(srv, "POST", "/druid/indexer/v1/action", h_action, &o, &err), 0);
    CHECK_INT(vrv_http_server_start(srv, &err), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", (unsigned)vrv_http_server_port(srv));
    vrv_action_client *c = vrv_action_client_new(url, "task_1");
    CHECK(vrv_action_client_url(c)[strlen(vrv_action_client_url(c)) - 1] != '/');

    json_t *segs = json_loads("[{\"identifier\":\"s1\"}]", 0, NULL);
    json_t *drop = json_loads("[\"old_1\"]", 0, NULL);
    json_t *extra = json_loads("{\"startMetadata\":{\"a\":1}}", 0, NULL);
    json_t *res = NULL;
    CHECK_INT(vrv_publish_commit(c, segs, drop, extra, &res, &err), 0);
    CHECK(json_is_true(json_object_get(res, "success")));
    json_decref(res);
    CHECK_STR(o.last, "{\"task\":\"task_1\",\"action\":{\"type\":\"segmentTransactionalInsert\","
                      "\"segments\":[{\"identifier\":\"s1\"}],\"segmentsToBeDropped\":[\"old_1\"],"
                      "\"startMetadata\":{\"a\":1}}}");
    /* No drops: the key is left out. */
    json_t *empty = json_array();
    CHECK_INT(vrv_publish_commit(c, segs, empty, NULL, NULL, &err), 0);
    CHECK_STR(o.last, "{\"task\":\"task_1\",\"action\":{\"type\":\"segmentTransactionalInsert\","
                      "\"segments\":[{\"identifier\":\"s1\"}]}}");

    /* A refused action carries the overlord's words. */
    o.status = 500;
    o.answer = "{\"error\":\"Segment[s1] is not covered by a lock of task[task_1]\"}";
    CHECK_INT(vrv_publish_commit(c, segs, NULL, NULL, NULL, &err), VRV_EIO);
    CHECK_STR(err.msg, "task action [segmentTransactionalInsert] failed: Segment[s1] is not "
                       "covered by a lock of task[task_1]");
    /* A publish the overlord answers unsuccessful fails too. */
    o.status = 200;
    o.answer = "{\"result\":{\"success\":false,\"errorMsg\":\"metadata mismatch\"}}";
    CHECK_INT(vrv_publish_commit(c, segs, NULL, NULL, NULL, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "publishing segments failed: metadata mismatch");
    /* A lock that is taken answers null. */
    o.answer = "{\"result\":null}";
    json_t *a = json_pack("{s:s, s:s}", "type", "timeChunkLockTryAcquire", "interval",
                          "2024-03-01/2024-03-02");
    CHECK_INT(vrv_action_submit(c, a, &res, &err), 0);
    CHECK(json_is_null(res));
    json_decref(res);
    /* An answer without a result is an error. */
    o.answer = "{}";
    CHECK_INT(vrv_action_submit(c, a, &res, &err), VRV_EIO);
    CHECK_STR(err.msg, "task action [timeChunkLockTryAcquire]: the overlord's answer has no result");
    json_decref(a);

    vrv_action_client_free(c);
    vrv_http_server_free(srv);
    free(o.last);
    json_decref(segs);
    json_decref(drop);
    json_decref(extra);
    json_decref(empty);
}

/* ---- reports ---- */

TEST(report_json)
{
    json_t *ctx = json_pack("{s:b}", "forceTimeChunkLock", 1);
    vrv_row_stats zero = {0}, b = {.processed = 3, .processed_bytes = 90, .unparseable = 1,
                                   .thrown_away = 2, .thrown_filtered = 2};
    vrv_task_report r = {.task_id = "t1",
                         .ingestion_state = "COMPLETED",
                         .row_stats = json_pack("{s:o, s:o}", "determinePartitions",
                                                vrv_row_stats_to_json(&zero), "buildSegments",
                                                vrv_row_stats_to_json(&b)),
                         .segment_availability_wait_ms = 0,
                         .segments_published = 2,
                         .context = ctx};
    json_t *j = vrv_task_report_json(&r);
    char *txt = json_dumps(j, JSON_COMPACT);
    CHECK_STR(txt,
              "{\"ingestionStatsAndErrors\":{\"type\":\"ingestionStatsAndErrors\",\"taskId\":\"t1\","
              "\"payload\":{\"ingestionState\":\"COMPLETED\",\"unparseableEvents\":{},\"rowStats\":{"
              "\"determinePartitions\":{\"processed\":0,\"processedBytes\":0,\"processedWithError\":0,"
              "\"thrownAway\":0,\"thrownAwayByReason\":{},\"unparseable\":0},\"buildSegments\":{"
              "\"processed\":3,\"processedBytes\":90,\"processedWithError\":0,\"thrownAway\":2,"
              "\"thrownAwayByReason\":{\"filtered\":2},\"unparseable\":1}},\"errorMsg\":null,"
              "\"segmentAvailabilityConfirmed\":false,\"segmentAvailabilityWaitTimeMs\":0,"
              "\"recordsProcessed\":{},\"segmentsPublished\":2}},\"taskContext\":{\"type\":"
              "\"taskContext\",\"taskId\":\"t1\",\"payload\":{\"forceTimeChunkLock\":true}}}");
    free(txt);
    json_decref(j);

    /* A failure: errorMsg set, no count, no context report. */
    vrv_task_report f = {.task_id = "t2",
                         .ingestion_state = "BUILD_SEGMENTS",
                         .error_msg = "Max parse exceptions[0] exceeded",
                         .segments_published = -1};
    j = vrv_task_report_json(&f);
    txt = json_dumps(j, JSON_COMPACT);
    CHECK_STR(txt, "{\"ingestionStatsAndErrors\":{\"type\":\"ingestionStatsAndErrors\",\"taskId\":"
                   "\"t2\",\"payload\":{\"ingestionState\":\"BUILD_SEGMENTS\",\"unparseableEvents\":"
                   "{},\"rowStats\":{},\"errorMsg\":\"Max parse exceptions[0] exceeded\","
                   "\"segmentAvailabilityConfirmed\":false,\"segmentAvailabilityWaitTimeMs\":0,"
                   "\"recordsProcessed\":{}}}}");
    free(txt);
    json_decref(j);

    j = vrv_task_live_report_json("t3", "BUILD_SEGMENTS", NULL, json_object());
    txt = json_dumps(j, JSON_COMPACT);
    CHECK_STR(txt, "{\"ingestionStatsAndErrors\":{\"type\":\"ingestionStatsAndErrors\",\"taskId\":"
                   "\"t3\",\"payload\":{\"ingestionState\":\"BUILD_SEGMENTS\",\"unparseableEvents\":"
                   "{},\"rowStats\":{}}}}");
    free(txt);
    json_decref(j);
    json_decref(ctx);
}

/* Dropwizard's meters: the first tick sets the rate, later ticks decay it
 * by exp(-5 s / window). */
TEST(meters)
{
    vrv_task_meters m;
    vrv_task_meters_init_at(&m, 1000);
    vrv_row_stats s = {.processed = 100, .processed_bytes = 1000};
    vrv_task_meters_mark_at(&m, &s, 2000);
    json_t *a = vrv_task_meters_averages_at(&m, 4000); /* no tick yet */
    CHECK_DBL(json_real_value(json_object_get(json_object_get(a, "1m"), "processed")), 0);
    json_decref(a);
    a = vrv_task_meters_averages_at(&m, 6000); /* one tick: 100 rows in 5 s */
    CHECK_DBL(json_real_value(json_object_get(json_object_get(a, "1m"), "processed")), 20);
    CHECK_DBL(json_real_value(json_object_get(json_object_get(a, "15m"), "processedBytes")), 200);
    json_decref(a);
    a = vrv_task_meters_averages_at(&m, 11000); /* a tick with nothing new */
    CHECK_NEAR(json_real_value(json_object_get(json_object_get(a, "1m"), "processed")),
               20 * exp(-5.0 / 60), 1e-9);
    CHECK_NEAR(json_real_value(json_object_get(json_object_get(a, "5m"), "processed")),
               20 * exp(-5.0 / 300), 1e-9);
    CHECK(json_is_real(json_object_get(json_object_get(a, "15m"), "thrownAway")));
    CHECK_INT(json_object_size(json_object_get(a, "5m")), 5);
    json_decref(a);
    json_t *t = vrv_task_meters_totals(&m);
    CHECK_INT(json_integer_value(json_object_get(t, "processed")), 100);
    json_decref(t);
    vrv_task_meters_destroy(&m);
}

/* Druid's TaskStatus keeps 100 characters of an error message. */
TEST(status_error_cut)
{
    char *s = vrv_task_status_error("short");
    CHECK_STR(s, "short");
    free(s);
    CHECK(vrv_task_status_error(NULL) == NULL);
    char longer[151];
    memset(longer, 'x', 150);
    longer[150] = '\0';
    s = vrv_task_status_error(longer);
    CHECK_INT(strlen(s), 103);
    CHECK_STR(s + 100, "...");
    free(s);
    longer[100] = '\0';
    s = vrv_task_status_error(longer);
    CHECK_INT(strlen(s), 100);
    free(s);
    /* 99 ASCII characters and then two-byte ones: cut after the 100th character. */
    vrv_buf b = VRV_BUF_INIT;
    for (int i = 0; i < 99; i++) vrv_buf_putc(&b, 'a');
    for (int i = 0; i < 3; i++) vrv_buf_puts(&b, "\xc3\xa9");
    s = vrv_task_status_error(b.data);
    CHECK_INT(strlen(s), 99 + 2 + 3);
    CHECK_STR(s + 99, "\xc3\xa9...");
    free(s);
    vrv_buf_free(&b);
}
