/*
 * test_realtime.c — what makes real-time segments safe to query next to
 * historicals: the data-server protocol of segserve.h (descriptors,
 * malformed requests named by field, missing segments in
 * X-Druid-Response-Context), the broker asking another server for the
 * segments one did not have (a task that handed a segment off), Druid's
 * "No results found for segments" once retries are spent, and
 * returnPartialResults; a server that cannot be reached (a killed task) —
 * its segments go to another server, or drop out once the view lets the
 * server go, or the query fails with a clear error within its timeout; the
 * view's reference counting of servers, and the real-time discovery
 * following a task's segment list as it changes.
 *
 * The historical is a real node serving published segments; the
 * "tasks" are small HTTP servers written here that answer the broker's
 * per-segment requests as a task would.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "segment/segid.h"
#include "segment/seg_writer.h"
#include "server/broker.h"
#include "server/http_client.h"
#include "server/node.h"
#include "server/realtime.h"
#include "server/segserve.h"
#include "storage/deep.h"
#include "storage/meta.h"
#include "test.h"

#define H VRV_MS_PER_HOUR
#define D VRV_MS_PER_DAY
static const vrv_ms T0 = 1614816000000LL; /* 2021-03-04T00:00:00.000Z */

static vrv_ms mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- a node with published segments ----------------------------------------------- */

typedef struct fixture {
    vrv_node *node;
    char dir[512];
    char url[64];
    vrv_meta *meta;
    vrv_deep *deep;
    vrv_http_client *client;
} fixture;

static void fx_start(fixture *f, const char *name)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s/%s", vrv_test_tmpdir(), name);
    vrv_config cfg;
    vrv_config_defaults(&cfg);
    cfg.data_dir = vrv_strdup(f->dir);
    cfg.port = 0;
    cfg.coordinator_period_ms = 50;
    free(cfg.log_file);
    cfg.log_file = vrv_strdup("-");
    free(cfg.log_level);
    cfg.log_level = vrv_strdup("warn");
    vrv_error err;
    CHECK_INT(vrv_node_start(&cfg, "/bin/false", "test", &f->node, &err), 0);
    vrv_config_free(&cfg);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", (unsigned)vrv_node_port(f->node));
    char p[600];
    snprintf(p, sizeof p, "%s/metadata.db", f->dir);
    CHECK_INT(vrv_meta_open_sqlite(p, NULL, &f->meta, &err), 0);
    snprintf(p, sizeof p, "%s/deep", f->dir);
    CHECK_INT(vrv_deep_open_local(p, &f->deep, &err), 0);
    f->client = vrv_http_client_new(NULL);
}

static void fx_stop(fixture *f)
{
    vrv_http_client_free(f->client);
    vrv_deep_close(f->deep);
    vrv_meta_close(f->meta);
    vrv_node_stop(f->node);
}

/* Writes, pushes and publishes a segment of `wiki` (one row per value of
 * added, page "p", at the interval's start). Returns its DataSegment JSON. */
static json_t *publish(fixture *f, vrv_interval iv, const char *version, int part,
                       const int64_t *added, size_t n)
{
    vrv_seg_column_def cols[] = {{"page", VRV_C_STRING, NULL, false, true},
                                 {"count", VRV_C_LONG, NULL, true, false},
                                 {"added", VRV_C_LONG, NULL, true, false}};
    vrv_seg_writer *w = vrv_seg_writer_new(cols, 3, NULL);
    for (size_t i = 0; i < n; i++) {
        vrv_value v[3] = {vrv_string("p", 1), vrv_long(1), vrv_long(added[i])};
        vrv_seg_writer_add(w, iv.start + (vrv_ms)i, v);
    }
    char ivs[VRV_INTERVAL_STR_MAX];
    vrv_interval_format(iv, ivs);
    json_t *meta =
        json_pack("{s:s, s:s, s:s, s:i, s:[{s:s,s:s,s:s},{s:s,s:s,s:s}], s:s, s:b}", "dataSource",
                  "wiki", "interval", ivs, "version", version, "partitionNum", part, "aggregators",
                  "type", "longSum", "name", "count", "fieldName", "count", "type", "longSum",
                  "name", "added", "fieldName", "added", "queryGranularity", "NONE", "rollup", 1);
    char path[600];
    static int k;
    snprintf(path, sizeof path, "%s/build-%d.vseg", vrv_test_tmpdir(), k++);
    vrv_error err;
    CHECK_INT(vrv_seg_writer_finish(w, meta, path, NULL, &err), 0);
    vrv_seg_writer_free(w);
    json_decref(meta);
    char s[VRV_TIME_STR_MAX], e[VRV_TIME_STR_MAX];
    vrv_time_format(iv.start, s);
    vrv_time_format(iv.end, e);
    vrv_deep_key key = {"wiki", s, e, version, part, NULL};
    char *ls = NULL;
    uint64_t size = 0;
    CHECK_INT(vrv_deep_push(f->deep, path, &key, &ls, &size, &err), 0);
    json_t *lsj = json_loads(ls, 0, NULL);
    const char *dims[] = {"page"}, *mets[] = {"count", "added"};
    vrv_dataseg_desc d = {"wiki", iv, version, lsj, dims, 1, mets, 2, part, 0, size};
    json_t *j = vrv_dataseg_to_json(&d);
    char *text = json_dumps(j, JSON_COMPACT);
    const char *one[] = {text};
    CHECK_INT(vrv_meta_segments_insert(f->meta, one, 1, NULL, &err), 0);
    free(text);
    json_decref(lsj);
    free(ls);
    unlink(path);
    return j;
}

static void wait_served(fixture *f, size_t n)
{
    vrv_buf u = VRV_BUF_INIT;
    vrv_buf_printf(&u, "%s/druid/coordinator/v1/datasources/wiki/segments", f->url);
    for (int i = 0; i < 200; i++) {
        vrv_http_result res = {0};
        vrv_error err;
        size_t got = 0;
        if (vrv_http_client_get(f->client, u.data, &res, &err) == 0) {
            json_t *j = json_loads(res.body.data ? res.body.data : "", 0, NULL);
            got = json_array_size(j);
            json_decref(j);
        }
        vrv_http_result_free(&res);
        if (got == n) break;
        usleep(20000);
    }
    vrv_buf_free(&u);
}

/* POSTs q to url/druid/v2; returns the body (malloc'd), the status and, when
 * ctx is given, the X-Druid-Response-Context header (malloc'd or NULL). */
static char *post(const char *url, const char *q, long *status, char **ctx)
{
    vrv_http_client *c = vrv_http_client_new(NULL);
    vrv_buf u = VRV_BUF_INIT;
    vrv_buf_printf(&u, "%s/druid/v2", url);
    vrv_http_result res = {0};
    vrv_error err;
    CHECK_INT(vrv_http_client_post_json(c, u.data, q, &res, &err), 0);
    *status = res.status;
    if (ctx) *ctx = vrv_http_result_header(&res, VRV_SEGSERVE_CONTEXT_HEADER);
    char *body = vrv_buf_detach(&res.body);
    vrv_http_result_free(&res);
    vrv_buf_free(&u);
    vrv_http_client_free(c);
    return body;
}

/* ---- a second broker over HTTP data servers ------------------------------------------ */

static void h_broker(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_broker_handle(ctx, req, resp);
}

typedef struct front {
    vrv_view *view;
    vrv_broker *broker;
    vrv_http_server *http;
    char url[64];
} front;

static void front_start(front *fr)
{
    fr->view = vrv_view_new();
    fr->broker = vrv_broker_new(fr->view, NULL, 10000, "front:1");
    vrv_error err;
    CHECK_INT(vrv_http_server_new(NULL, &fr->http, &err), 0);
    CHECK_INT(vrv_http_route(fr->http, "POST", "/druid/v2", h_broker, fr->broker, &err), 0);
    CHECK_INT(vrv_http_server_start(fr->http, &err), 0);
    snprintf(fr->url, sizeof fr->url, "http://127.0.0.1:%u",
             (unsigned)vrv_http_server_port(fr->http));
}

static void front_stop(front *fr)
{
    vrv_http_server_free(fr->http);
    vrv_broker_free(fr->broker);
    vrv_view_free(fr->view);
}

/* A stand-in task: answers every per-segment request with an empty result
 * and every descriptor missing, as a task does once it handed its
 * segments off. */
typedef struct fake_task {
    vrv_http_server *http;
    char url[64];
    int asked;
    pthread_mutex_t mu;
} fake_task;

static void h_fake(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    fake_task *t = ctx;
    pthread_mutex_lock(&t->mu);
    t->asked++;
    pthread_mutex_unlock(&t->mu);
    vrv_error err;
    json_t *body = vrv_http_req_json(req, &err);
    vrv_segserve_req r;
    if (vrv_segserve_parse(body, &r, resp) == 0) {
        const vrv_segdesc **all = vrv_calloc(r.n ? r.n : 1, sizeof *all);
        for (size_t i = 0; i < r.n; i++) all[i] = &r.descs[i];
        vrv_query_partial *p = vrv_query_partial_new(r.q);
        vrv_segserve_answer(resp, p, all, r.n);
        vrv_query_partial_free(p);
        free(all);
        vrv_segserve_req_free(&r);
    }
    json_decref(body);
}

static void fake_start(fake_task *t)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    vrv_error err;
    CHECK_INT(vrv_http_server_new(NULL, &t->http, &err), 0);
    CHECK_INT(vrv_http_route(t->http, "POST", "/druid/v2", h_fake, t, &err), 0);
    CHECK_INT(vrv_http_server_start(t->http, &err), 0);
    snprintf(t->url, sizeof t->url, "http://127.0.0.1:%u", (unsigned)vrv_http_server_port(t->http));
}

static void fake_stop(fake_task *t)
{
    vrv_http_server_free(t->http);
    pthread_mutex_destroy(&t->mu);
}

static const char *TS_ALL =
    "{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"granularity\":\"all\","
    "\"intervals\":[\"2021-03-04/2021-03-06\"],\"aggregations\":[{\"type\":\"longSum\",\"name\":"
    "\"rows\",\"fieldName\":\"count\"},{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":"
    "\"added\"}]%s}";

static char *ts_all(const char *context)
{
    char *q = vrv_malloc(1024);
    char extra[512] = "";
    if (context) snprintf(extra, sizeof extra, ",\"context\":%s", context);
    snprintf(q, 1024, TS_ALL, extra);
    return q;
}

static const char *BOTH =
    "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"rows\":3,\"added\":111}}]";
static const char *DAY2 =
    "[{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":{\"rows\":1,\"added\":100}}]";

TEST(segserve_protocol)
{
    fixture f;
    fx_start(&f, "proto");
    int64_t a1[] = {10, 1};
    json_t *s1 = publish(&f, vrv_interval_make(T0, T0 + D), "v1", 0, a1, 2);
    wait_served(&f, 1);
    long st;
    char *ctx = NULL;
    /* The historical's side: one descriptor it holds, one it does not. */
    const char *req =
        "{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"granularity\":\"all\","
        "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}],"
        "\"intervals\":{\"type\":\"segments\",\"segments\":["
        "{\"itvl\":\"2021-03-04T00:00:00.000Z/"
        "2021-03-05T00:00:00.000Z\",\"ver\":\"v1\",\"part\":0},"
        "{\"itvl\":\"2021-03-05T00:00:00.000Z/"
        "2021-03-06T00:00:00.000Z\",\"ver\":\"v1\",\"part\":3}]}}";
    char *b = post(f.url, req, &st, &ctx);
    CHECK_INT(st, 200);
    CHECK_STR(ctx, "{\"missingSegments\":[{\"itvl\":\"2021-03-05T00:00:00.000Z/"
                   "2021-03-06T00:00:00.000Z\",\"ver\":\"v1\",\"part\":3}]}");
    free(b);
    free(ctx);
    /* All held: no response context. */
    const char *req2 =
        "{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"granularity\":\"all\","
        "\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}],\"intervals\":{\"type\":"
        "\"segments\",\"segments\":[{\"itvl\":\"2021-03-04T00:00:00.000Z/"
        "2021-03-04T00:00:00.001Z\","
        "\"ver\":\"v1\",\"part\":0}]}}";
    b = post(f.url, req2, &st, &ctx);
    CHECK_INT(st, 200);
    CHECK(ctx == NULL);
    free(b);
    /* Malformed descriptors: Druid's 400 naming the field. */
    const char *bad[][2] = {
        {"{\"type\":\"segments\",\"segments\":{}}", "intervals.segments: must be an array"},
        {"{\"type\":\"segments\",\"segments\":[{\"itvl\":\"x\",\"ver\":\"v1\",\"part\":0}]}",
         "intervals.segments[0].itvl: must be an ISO-8601 interval"},
        {"{\"type\":\"segments\",\"segments\":[{\"itvl\":\"2021/2022\",\"part\":0}]}",
         "intervals.segments[0].ver: must be a non-empty string"},
        {"{\"type\":\"segments\",\"segments\":[{\"itvl\":\"2021/"
         "2022\",\"ver\":\"v\",\"part\":-1}]}",
         "intervals.segments[0].part: must be a partition number"},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(bad); i++) {
        char q[1024];
        snprintf(q, sizeof q,
                 "{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"granularity\":\"all\","
                 "\"intervals\":%s}",
                 bad[i][0]);
        b = post(f.url, q, &st, NULL);
        CHECK_INT(st, 400);
        CHECK(strstr(b, bad[i][1]) != NULL);
        CHECK(strstr(b, "\"error\":\"Json parse failed\"") != NULL);
        free(b);
    }
    /* The header parser takes Druid's response context. */
    vrv_segdesc *d = NULL;
    CHECK_INT(
        vrv_segserve_missing_parse("{\"missingSegments\":[{\"itvl\":\"2021-03-04/2021-03-05\","
                                   "\"ver\":\"v\",\"part\":2},{\"bad\":1}],\"ETag\":\"x\"}",
                                   &d),
        1);
    CHECK_STR(d[0].version, "v");
    CHECK_INT(d[0].part, 2);
    CHECK_INT(d[0].itvl.start, T0);
    vrv_segdesc_free(d, 1);
    CHECK_INT(vrv_segserve_missing_parse("not json", &d), 0);
    CHECK(d == NULL);
    CHECK_INT(vrv_segserve_missing_parse(NULL, &d), 0);
    json_decref(s1);
    fx_stop(&f);
}

TEST(broker_asks_again_for_missing_segments)
{
    fixture f;
    fx_start(&f, "missing");
    int64_t a1[] = {10, 1}, a2[] = {100};
    json_t *s1 = publish(&f, vrv_interval_make(T0, T0 + D), "v1", 0, a1, 2);
    json_t *s2 = publish(&f, vrv_interval_make(T0 + D, T0 + 2 * D), "v1", 0, a2, 1);
    wait_served(&f, 2);
    fake_task task;
    fake_start(&task);
    front fr;
    front_start(&fr);
    vrv_dataserver hist = {"node", VRV_SERVER_HISTORICAL, 0, &vrv_broker_http_ops, f.url};
    /* The task is preferred (priority) but has handed day 1 off already. */
    vrv_dataserver rt = {"task", VRV_SERVER_REALTIME, 1, &vrv_broker_http_ops, task.url};
    vrv_view_announce(fr.view, &rt, s1);
    vrv_view_announce(fr.view, &hist, s1);
    vrv_view_announce(fr.view, &hist, s2);
    long st;
    char *q = ts_all(NULL);
    char *b = post(fr.url, q, &st, NULL);
    CHECK_INT(st, 200);
    CHECK_STR(b, BOTH);
    CHECK_INT(task.asked, 1);
    free(b);
    free(q);
    /* No retries allowed: Druid's error naming the segment. */
    q = ts_all("{\"numRetriesOnMissingSegments\":0}");
    b = post(fr.url, q, &st, NULL);
    CHECK_INT(st, 500);
    CHECK(strstr(b,
                 "No results found for segments[[SegmentDescriptor{interval=2021-03-04T00:00:"
                 "00.000Z/2021-03-05T00:00:00.000Z, version='v1', partitionNumber=0}]]") != NULL);
    free(b);
    free(q);
    /* Only the task announces day 1: asked again (the view may have caught
     * up), then the error — or, with returnPartialResults, the rest. */
    vrv_view_remove_server(fr.view, &hist);
    vrv_view_announce(fr.view, &hist, s2);
    task.asked = 0;
    q = ts_all(NULL);
    b = post(fr.url, q, &st, NULL);
    CHECK_INT(st, 500);
    CHECK(strstr(b, "No results found for segments[") != NULL);
    CHECK_INT(task.asked, 2);
    free(b);
    free(q);
    q = ts_all("{\"returnPartialResults\":true}");
    b = post(fr.url, q, &st, NULL);
    CHECK_INT(st, 200);
    CHECK_STR(b, DAY2);
    free(b);
    free(q);
    front_stop(&fr);
    fake_stop(&task);
    json_decref(s1);
    json_decref(s2);
    fx_stop(&f);
}

typedef struct later {
    vrv_view *view;
    vrv_dataserver *server;
    int ms;
} later;

static void *remove_later(void *arg)
{
    later *l = arg;
    usleep((useconds_t)l->ms * 1000);
    vrv_view_remove_server(l->view, l->server);
    return NULL;
}

TEST(broker_unreachable_servers)
{
    fixture f;
    fx_start(&f, "unreachable");
    int64_t a1[] = {10, 1}, a2[] = {100};
    json_t *s1 = publish(&f, vrv_interval_make(T0, T0 + D), "v1", 0, a1, 2);
    json_t *s2 = publish(&f, vrv_interval_make(T0 + D, T0 + 2 * D), "v1", 0, a2, 1);
    wait_served(&f, 2);
    front fr;
    front_start(&fr);
    vrv_dataserver hist = {"node", VRV_SERVER_HISTORICAL, 0, &vrv_broker_http_ops, f.url};
    /* Port 1 on loopback refuses connections: a killed task. */
    vrv_dataserver dead = {"127.0.0.1:1", VRV_SERVER_REALTIME, 1, &vrv_broker_http_ops,
                           "http://127.0.0.1:1"};
    vrv_view_announce(fr.view, &dead, s1);
    vrv_view_announce(fr.view, &hist, s1);
    vrv_view_announce(fr.view, &hist, s2);
    long st;
    /* Another server has the segment: fail over at once. */
    char *q = ts_all(NULL);
    vrv_ms t = mono_ms();
    char *b = post(fr.url, q, &st, NULL);
    CHECK_INT(st, 200);
    CHECK_STR(b, BOTH);
    CHECK(mono_ms() - t < 1000);
    free(b);
    /* Only the dead server has day 1 until the view lets it go: the query
     * waits for that and reads what is left. */
    vrv_view_remove_server(fr.view, &hist);
    vrv_view_announce(fr.view, &hist, s2);
    later l = {fr.view, &dead, 300};
    pthread_t th;
    pthread_create(&th, NULL, remove_later, &l);
    t = mono_ms();
    b = post(fr.url, q, &st, NULL);
    CHECK_INT(st, 200);
    CHECK_STR(b, DAY2);
    CHECK(mono_ms() - t >= 250 && mono_ms() - t < 2000);
    pthread_join(th, NULL);
    free(b);
    free(q);
    /* It never leaves: a 503 naming it after the wait... */
    vrv_view_announce(fr.view, &dead, s1);
    q = ts_all(NULL);
    t = mono_ms();
    b = post(fr.url, q, &st, NULL);
    vrv_ms took = mono_ms() - t;
    CHECK_INT(st, 503);
    CHECK(strstr(b, "data server 127.0.0.1:1 could not be reached") != NULL);
    CHECK(took >= VRV_BROKER_UNREACHABLE_WAIT_MS && took < VRV_BROKER_UNREACHABLE_WAIT_MS + 2000);
    free(b);
    free(q);
    /* ... or Druid's timeout error once the query's own timeout is spent. */
    q = ts_all("{\"timeout\":400}");
    t = mono_ms();
    b = post(fr.url, q, &st, NULL);
    took = mono_ms() - t;
    CHECK_INT(st, 504);
    CHECK(strstr(b, "Query timeout") != NULL);
    CHECK(took >= 350 && took < 1500);
    free(b);
    free(q);
    vrv_view_remove_server(fr.view, &dead);
    vrv_view_remove_server(fr.view, &hist);
    front_stop(&fr);
    json_decref(s1);
    json_decref(s2);
    fx_stop(&f);
}

static int released;
static void on_release(vrv_dataserver *s)
{
    (void)s;
    released++;
}

TEST(view_reference_counts_servers)
{
    vrv_view *v = vrv_view_new();
    vrv_dataserver a = {"a", VRV_SERVER_REALTIME, 0, NULL, NULL, on_release, 1};
    vrv_dataserver h = {"h", VRV_SERVER_HISTORICAL, 0, NULL, NULL, NULL, 0};
    json_t *seg = json_pack("{s:s, s:s, s:s, s:{s:s, s:i, s:i}, s:s, s:s}", "dataSource", "ds",
                            "interval", "2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z",
                            "version", "v1", "shardSpec", "type", "numbered", "partitionNum", 0,
                            "partitions", 0, "dimensions", "x", "metrics", "");
    vrv_view_announce(v, &a, seg);
    vrv_interval all = vrv_interval_eternity();
    vrv_view_pick *p;
    size_t n = vrv_view_select(v, "ds", &all, 1, &p);
    CHECK_INT(n, 1);
    CHECK(p[0].server == &a);
    /* The task leaves the view while a query still holds its pick. */
    vrv_view_remove_server(v, &a);
    vrv_dataserver_unref(&a);
    CHECK_INT(released, 0);
    vrv_view_picks_free(p, n);
    CHECK_INT(released, 1);
    CHECK_INT(vrv_view_select(v, "ds", &all, 1, &p), 0);
    free(p);
    /* A re-announcement by the only server replaces the description (its
     * dimensions grew); next to a historical it does not. */
    vrv_dataserver b = {"b", VRV_SERVER_REALTIME, 0, NULL, NULL, NULL, 0};
    vrv_view_announce(v, &b, seg);
    json_t *seg2 = json_deep_copy(seg);
    json_object_set_new(seg2, "dimensions", json_string("x,y"));
    vrv_view_announce(v, &b, seg2);
    json_t *schema = vrv_view_schema(v, "ds", all);
    char *t = json_dumps(schema, JSON_COMPACT);
    CHECK_STR(t, "{\"dimensions\":[\"x\",\"y\"],\"metrics\":[]}");
    free(t);
    json_decref(schema);
    /* repick: another server when there is one, else the same, else none */
    vrv_view_announce(v, &h, seg);
    vrv_dataserver *r =
        vrv_view_repick(v, "ds", "ds_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v1", &h);
    CHECK(r == &b);
    r = vrv_view_repick(v, "ds", "ds_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v1", NULL);
    CHECK(r == &h); /* the historical is preferred */
    vrv_view_remove_server(v, &b);
    r = vrv_view_repick(v, "ds", "ds_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v1", &h);
    CHECK(r == &h);
    vrv_view_remove_server(v, &h);
    CHECK(vrv_view_repick(v, "ds", "ds_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v1", &h) ==
          NULL);
    json_decref(seg);
    json_decref(seg2);
    vrv_view_free(v);
}

/* ---- discovery -------------------------------------------------------------------- */

/* A stand-in task's segment list, changed by the test. */
typedef struct lister {
    vrv_http_server *http;
    int port;
    pthread_mutex_t mu;
    json_t *segments; /* array of DataSegment */
    long gen;
    bool refuse; /* answer 500 instead */
} lister;

static void h_list(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    lister *l = ctx;
    const char *c = vrv_http_req_query(req, "counter");
    pthread_mutex_lock(&l->mu);
    if (l->refuse) {
        pthread_mutex_unlock(&l->mu);
        vrv_http_error(resp, 500, "gone");
        return;
    }
    bool same = c && atol(c) == l->gen;
    json_t *reqs = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(l->segments, i, s)
    {
        if (!same)
            json_array_append_new(reqs, json_pack("{s:s, s:O}", "action", "load", "segment", s));
    }
    json_t *o = json_pack("{s:b, s:{s:I, s:I}, s:o}", "resetCounter", !same, "counter", "counter",
                          (json_int_t)l->gen, "hash", (json_int_t)0, "requests", reqs);
    pthread_mutex_unlock(&l->mu);
    vrv_http_resp_json(resp, 200, o);
}

static size_t list_one(void *ctx, vrv_rt_task **out)
{
    lister *l = ctx;
    pthread_mutex_lock(&l->mu);
    bool running = l->port > 0;
    pthread_mutex_unlock(&l->mu);
    if (!running) {
        *out = NULL;
        return 0;
    }
    *out = vrv_calloc(1, sizeof **out);
    (*out)[0].id = vrv_strdup("task1");
    (*out)[0].host = vrv_strdup("localhost");
    (*out)[0].port = l->port;
    return 1;
}

static json_t *rt_seg(int part, const char *dims)
{
    return json_pack(
        "{s:s, s:s, s:s, s:{}, s:s, s:s, s:{s:s, s:i, s:i}, s:i, s:i, s:s+}", "dataSource", "ds",
        "interval", "2021-03-04T00:00:00.000Z/2021-03-04T01:00:00.000Z", "version", "v1",
        "loadSpec", "dimensions", dims, "metrics", "count", "shardSpec", "type", "numbered",
        "partitionNum", part, "partitions", 0, "binaryVersion", 9, "size", 0, "identifier",
        "ds_2021-03-04T00:00:00.000Z_2021-03-04T01:00:00.000Z_v1", part ? "_1" : "");
}

/* Waits until the view's schema of ds is want ("" = ds not served). */
static bool wait_schema(vrv_view *v, const char *want)
{
    for (int i = 0; i < 200; i++) {
        char *t = NULL;
        if (vrv_view_has(v, "ds")) {
            json_t *s = vrv_view_schema(v, "ds", vrv_interval_eternity());
            t = json_dumps(s, JSON_COMPACT);
            json_decref(s);
        }
        bool ok = strcmp(t ? t : "", want) == 0;
        free(t);
        if (ok) return true;
        usleep(10000);
    }
    return false;
}

TEST(realtime_discovery_follows_tasks)
{
    lister l = {0};
    pthread_mutex_init(&l.mu, NULL);
    l.segments = json_array();
    l.gen = 1;
    vrv_error err;
    CHECK_INT(vrv_http_server_new(NULL, &l.http, &err), 0);
    CHECK_INT(vrv_http_route(l.http, "GET", "/druid-internal/v1/segments", h_list, &l, &err), 0);
    CHECK_INT(vrv_http_server_start(l.http, &err), 0);
    vrv_view *v = vrv_view_new();
    vrv_rt_config cfg = {.poll_ms = 10, .discover_ms = 20};
    vrv_rt *rt = vrv_rt_new(v, list_one, &l, &cfg);
    CHECK_INT(vrv_rt_start(rt, &err), 0);
    /* The task starts: its (empty) list, then a segment, then another one
     * and wider dimensions. */
    pthread_mutex_lock(&l.mu);
    l.port = vrv_http_server_port(l.http);
    pthread_mutex_unlock(&l.mu);
    for (int i = 0; i < 200 && vrv_rt_count(rt) == 0; i++) usleep(10000);
    CHECK_INT(vrv_rt_count(rt), 1);
    CHECK(!vrv_view_has(v, "ds"));
    pthread_mutex_lock(&l.mu);
    json_array_append_new(l.segments, rt_seg(0, "a"));
    l.gen++;
    pthread_mutex_unlock(&l.mu);
    CHECK(wait_schema(v, "{\"dimensions\":[\"a\"],\"metrics\":[\"count\"]}"));
    pthread_mutex_lock(&l.mu);
    json_array_clear(l.segments);
    json_array_append_new(l.segments, rt_seg(0, "a,b"));
    json_array_append_new(l.segments, rt_seg(1, "a"));
    l.gen++;
    pthread_mutex_unlock(&l.mu);
    CHECK(wait_schema(v, "{\"dimensions\":[\"a\",\"b\"],\"metrics\":[\"count\"]}"));
    vrv_interval all = vrv_interval_eternity();
    vrv_view_pick *p;
    size_t n = vrv_view_select(v, "ds", &all, 1, &p);
    CHECK_INT(n, 2);
    CHECK(strncmp(p[0].server->name, "localhost:", 10) == 0);
    CHECK_INT(p[0].server->type, VRV_SERVER_REALTIME);
    vrv_view_picks_free(p, n);
    /* Handed off: partition 0 leaves the list. */
    pthread_mutex_lock(&l.mu);
    json_array_remove(l.segments, 0);
    l.gen++;
    pthread_mutex_unlock(&l.mu);
    for (int i = 0; i < 200; i++) {
        n = vrv_view_select(v, "ds", &all, 1, &p);
        vrv_view_picks_free(p, n);
        if (n == 1) break;
        usleep(10000);
    }
    CHECK_INT(n, 1);
    /* A task that answers errors is hidden until it answers again. */
    pthread_mutex_lock(&l.mu);
    l.refuse = true;
    pthread_mutex_unlock(&l.mu);
    CHECK(wait_schema(v, ""));
    pthread_mutex_lock(&l.mu);
    l.refuse = false;
    pthread_mutex_unlock(&l.mu);
    CHECK(wait_schema(v, "{\"dimensions\":[\"a\"],\"metrics\":[\"count\"]}"));
    /* The task ends: it leaves the view with its segments. */
    pthread_mutex_lock(&l.mu);
    l.port = 0;
    pthread_mutex_unlock(&l.mu);
    CHECK(wait_schema(v, ""));
    for (int i = 0; i < 200 && vrv_rt_count(rt) > 0; i++) usleep(10000);
    CHECK_INT(vrv_rt_count(rt), 0);
    vrv_rt_free(rt);
    vrv_view_free(v);
    vrv_http_server_free(l.http);
    json_decref(l.segments);
    pthread_mutex_destroy(&l.mu);
}
