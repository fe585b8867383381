/*
 * test_broker.c — native queries through a running node: segments built with
 * the segment writer are published into the node's metadata store and deep
 * storage, loaded by its coordinator and historical, and queried over HTTP.
 * Covers exact result JSON, a segment partly overshadowed by a newer version
 * (only its visible part counts), reindexing, Druid's error bodies, the query
 * id header, and the fan-out over HTTP: a second broker whose only data
 * server is the node, reached through its segment-list endpoint, must give
 * the same answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "segment/segid.h"
#include "segment/seg_writer.h"
#include "server/broker.h"
#include "server/http_client.h"
#include "server/node.h"
#include "storage/deep.h"
#include "storage/meta.h"
#include "test.h"

#define H VRV_MS_PER_HOUR
#define D VRV_MS_PER_DAY
static const vrv_ms T0 = 1614816000000LL; /* 2021-03-04T00:00:00.000Z */

typedef struct fixture {
    vrv_node *node;
    char dir[512];
    char url[64];
    vrv_meta *meta; /* a second connection to the node's store */
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

typedef struct row {
    vrv_ms t;
    const char *page;
    int64_t added;
} row;

/* Writes, pushes and publishes a segment of `wiki` holding rows. */
static void publish(fixture *f, vrv_interval iv, const char *version, int part, int core,
                    const row *rows, size_t n)
{
    vrv_seg_column_def cols[] = {{"page", VRV_C_STRING, NULL, false, true},
                                 {"count", VRV_C_LONG, NULL, true, false},
                                 {"added", VRV_C_LONG, NULL, true, false}};
    vrv_seg_writer *w = vrv_seg_writer_new(cols, 3, NULL);
    for (size_t i = 0; i < n; i++) {
        vrv_value v[3] = {vrv_string(rows[i].page, strlen(rows[i].page)), vrv_long(1),
                          vrv_long(rows[i].added)};
        vrv_seg_writer_add(w, rows[i].t, v);
    }
    char ivs[VRV_INTERVAL_STR_MAX];
    vrv_interval_format(iv, ivs);
    json_t *meta = json_pack(
        "{s:s, s:s, s:s, s:i, s:[{s:s,s:s,s:s},{s:s,s:s,s:s}], s:s, s:b}", "dataSource", "wiki",
        "interval", ivs, "version", version, "partitionNum", part, "aggregators", "type", "longSum",
        "name", "count", "fieldName", "count", "type", "longSum", "name", "added", "fieldName",
        "added", "queryGranularity", "NONE", "rollup", 1);
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
    vrv_dataseg_desc d = {"wiki", iv, version, lsj, dims, 1, mets, 2, part, core, size};
    json_t *j = vrv_dataseg_to_json(&d);
    char *text = json_dumps(j, JSON_COMPACT);
    const char *one[] = {text};
    CHECK_INT(vrv_meta_segments_insert(f->meta, one, 1, NULL, &err), 0);
    free(text);
    json_decref(j);
    json_decref(lsj);
    free(ls);
    unlink(path);
}

/* POSTs a query; returns the body (malloc'd) and fills *status. */
static char *query(fixture *f, const char *url, const char *q, long *status)
{
    vrv_buf u = VRV_BUF_INIT;
    vrv_buf_printf(&u, "%s/druid/v2", url);
    vrv_http_result res = {0};
    vrv_error err;
    CHECK_INT(vrv_http_client_post_json(f->client, u.data, q, &res, &err), 0);
    *status = res.status;
    char *body = vrv_buf_detach(&res.body);
    vrv_http_result_free(&res);
    vrv_buf_free(&u);
    return body;
}

/* Waits until the node serves n segments of wiki. */
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

void test_route_broker(vrv_http_server *hs, vrv_broker *br);

static const char *TS_ALL =
    "{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"granularity\":\"all\","
    "\"intervals\":[\"2021-03-04/2021-03-06\"],\"aggregations\":[{\"type\":\"longSum\",\"name\":"
    "\"rows\",\"fieldName\":\"count\"},{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":"
    "\"added\"}]}";

static const char *TS_DAY =
    "{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"granularity\":\"day\","
    "\"intervals\":[\"2021-03-04/2021-03-06\"],\"aggregations\":[{\"type\":\"longSum\",\"name\":"
    "\"rows\",\"fieldName\":\"count\"}]}";

TEST(broker_queries_and_overshadowing)
{
    fixture f;
    fx_start(&f, "node1");
    row day1[] = {{T0 + 1 * H, "a", 10}, {T0 + 2 * H, "b", 20}, {T0 + 2 * H + 5, "a", 1},
                  {T0 + 3 * H, "c", 30}};
    row day2[] = {{T0 + D + H, "a", 100}};
    publish(&f, vrv_interval_make(T0, T0 + D), "v1", 0, 1, day1, 4);
    publish(&f, vrv_interval_make(T0 + D, T0 + 2 * D), "v1", 0, 1, day2, 1);
    wait_served(&f, 2);
    long st;
    char *b = query(&f, f.url, TS_ALL, &st);
    CHECK_INT(st, 200);
    CHECK_STR(b, "[{\"timestamp\":\"2021-03-04T01:00:00.000Z\",\"result\":{\"rows\":5,\"added\":161}}]");
    free(b);
    b = query(&f, f.url, TS_DAY, &st);
    CHECK_STR(b, "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"rows\":4}},"
                 "{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":{\"rows\":1}}]");
    free(b);

    /* Hour 2 of day 1 reindexed at v2: only v1's rows outside it still count. */
    row hour2[] = {{T0 + 2 * H + 10, "z", 7}};
    publish(&f, vrv_interval_make(T0 + 2 * H, T0 + 3 * H), "v2", 0, 1, hour2, 1);
    wait_served(&f, 3);
    b = query(&f, f.url, TS_ALL, &st);
    CHECK_STR(b, "[{\"timestamp\":\"2021-03-04T01:00:00.000Z\",\"result\":{\"rows\":4,\"added\":147}}]");
    free(b);
    const char *topn =
        "{\"queryType\":\"topN\",\"dataSource\":\"wiki\",\"granularity\":\"all\",\"dimension\":"
        "\"page\",\"metric\":\"added\",\"threshold\":2,\"intervals\":[\"2021-03-04/2021-03-06\"],"
        "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}";
    b = query(&f, f.url, topn, &st);
    CHECK_STR(b, "[{\"timestamp\":\"2021-03-04T01:00:00.000Z\",\"result\":[{\"page\":\"a\","
                 "\"added\":110},{\"page\":\"c\",\"added\":30}]}]");
    free(b);

    /* The same through a second broker that reaches the node over HTTP. */
    vrv_view *view = vrv_view_new();
    vrv_broker *br = vrv_broker_new(view, NULL, 10000, "remote:1");
    vrv_dataserver remote = {"node", VRV_SERVER_HISTORICAL, 0, &vrv_broker_http_ops, f.url};
    vrv_buf u = VRV_BUF_INIT;
    vrv_buf_printf(&u, "%s/druid/coordinator/v1/datasources/wiki/segments?full", f.url);
    vrv_http_result res = {0};
    vrv_error err;
    CHECK_INT(vrv_http_client_get(f.client, u.data, &res, &err), 0);
    json_t *segs = json_loads(res.body.data, 0, NULL);
    size_t i;
    json_t *s;
    json_array_foreach(segs, i, s) vrv_view_announce(view, &remote, s);
    json_decref(segs);
    vrv_http_result_free(&res);
    vrv_buf_free(&u);
    vrv_http_server *hs = NULL;
    CHECK_INT(vrv_http_server_new(NULL, &hs, &err), 0);
    test_route_broker(hs, br);
    CHECK_INT(vrv_http_server_start(hs, &err), 0);
    char url2[64];
    snprintf(url2, sizeof url2, "http://127.0.0.1:%u", (unsigned)vrv_http_server_port(hs));
    b = query(&f, url2, TS_ALL, &st);
    CHECK_INT(st, 200);
    CHECK_STR(b, "[{\"timestamp\":\"2021-03-04T01:00:00.000Z\",\"result\":{\"rows\":4,\"added\":147}}]");
    free(b);
    b = query(&f, url2, topn, &st);
    CHECK_STR(b, "[{\"timestamp\":\"2021-03-04T01:00:00.000Z\",\"result\":[{\"page\":\"a\","
                 "\"added\":110},{\"page\":\"c\",\"added\":30}]}]");
    free(b);
    vrv_http_server_free(hs);
    vrv_view_remove_server(view, &remote);
    vrv_broker_free(br);
    vrv_view_free(view);
    fx_stop(&f);
}

static void h_test_query(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_broker_handle(ctx, req, resp);
}

void test_route_broker(vrv_http_server *hs, vrv_broker *br)
{
    vrv_error err;
    CHECK_INT(vrv_http_route(hs, "POST", "/druid/v2", h_test_query, br, &err), 0);
}

TEST(broker_errors_and_empty)
{
    fixture f;
    fx_start(&f, "node2");
    long st;
    /* Nothing served: Druid still answers the one timeseries row of `all`. */
    char *b = query(&f, f.url,
                    "{\"queryType\":\"timeseries\",\"dataSource\":\"nope\",\"granularity\":\"all\","
                    "\"intervals\":[\"2021-03-04/2021-03-05\"],\"aggregations\":[{\"type\":\"count\","
                    "\"name\":\"n\"}]}",
                    &st);
    CHECK_INT(st, 200);
    CHECK_STR(b, "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"n\":0}}]");
    free(b);
    b = query(&f, f.url, "{not json", &st);
    CHECK_INT(st, 400);
    CHECK(strstr(b, "\"error\":\"Json parse failed\"") != NULL);
    CHECK(strstr(b, "com.fasterxml.jackson.core.JsonParseException") != NULL);
    free(b);
    b = query(&f, f.url, "{\"queryType\":\"nope\",\"dataSource\":\"x\"}", &st);
    CHECK_INT(st, 500);
    CHECK(strstr(b, "\"error\":\"Unknown exception\"") != NULL);
    free(b);
    b = query(&f, f.url, "{\"queryType\":\"timeseries\",\"dataSource\":\"x\"}", &st);
    CHECK_INT(st, 400);
    CHECK(strstr(b, "Invalid native query") != NULL);
    free(b);

    /* Cancellation answers 202, running or not, as Druid does. */
    vrv_buf u = VRV_BUF_INIT;
    vrv_buf_printf(&u, "%s/druid/v2/some-id", f.url);
    vrv_http_result res = {0};
    vrv_error err;
    CHECK_INT(vrv_http_client_request(f.client, "DELETE", u.data, NULL, NULL, 0, 0, &res, &err), 0);
    CHECK_INT(res.status, 202);
    vrv_http_result_free(&res);
    vrv_buf_free(&u);
    fx_stop(&f);
}

TEST(broker_watch)
{
    vrv_error err;
    vrv_query_watch w = {INT64_MAX, NULL};
    CHECK_INT(vrv_query_watch_check(&w, &err), 0);
    w.deadline = 1; /* long past */
    CHECK_INT(vrv_query_watch_check(&w, &err), VRV_ETIMEOUT);
    CHECK(strstr(err.msg, "Query did not complete within configured timeout period") != NULL);
    volatile bool c = true;
    vrv_query_watch w2 = {INT64_MAX, &c};
    CHECK_INT(vrv_query_watch_check(&w2, &err), VRV_ECANCELED);
}

TEST(broker_segment_metadata_default_history_and_by_segment)
{
    fixture f;
    fx_start(&f, "node_history");
    row r1[] = {{T0 + H, "a", 1}}, r2[] = {{T0 + 10 * D + H, "b", 2}}, r3[] = {{T0 + 12 * D, "c", 3}};
    publish(&f, vrv_interval_make(T0, T0 + D), "v1", 0, 1, r1, 1);
    publish(&f, vrv_interval_make(T0 + 10 * D, T0 + 11 * D), "v1", 0, 1, r2, 1);
    publish(&f, vrv_interval_make(T0 + 12 * D, T0 + 13 * D), "v1", 0, 1, r3, 1);
    wait_served(&f, 3);
    /* no intervals: the week before the end of the latest segment only */
    long st;
    char *b = query(&f, f.url,
                    "{\"queryType\":\"segmentMetadata\",\"dataSource\":\"wiki\",\"toInclude\":"
                    "{\"type\":\"none\"},\"analysisTypes\":[]}",
                    &st);
    CHECK_INT(st, 200);
    CHECK_STR(b, "[{\"id\":\"wiki_2021-03-14T00:00:00.000Z_2021-03-15T00:00:00.000Z_v1\","
                 "\"intervals\":null,\"columns\":{},\"size\":0,\"numRows\":1,\"aggregators\":null,"
                 "\"projections\":null,\"timestampSpec\":null,\"queryGranularity\":null,"
                 "\"rollup\":null},{\"id\":\"wiki_2021-03-16T00:00:00.000Z_2021-03-17T00:00:00.000Z_v1\","
                 "\"intervals\":null,\"columns\":{},\"size\":0,\"numRows\":1,\"aggregators\":null,"
                 "\"projections\":null,\"timestampSpec\":null,\"queryGranularity\":null,"
                 "\"rollup\":null}]");
    free(b);
    /* with intervals, all of them */
    b = query(&f, f.url,
              "{\"queryType\":\"segmentMetadata\",\"dataSource\":\"wiki\",\"intervals\":[\"2021/"
              "2022\"],\"merge\":true,\"toInclude\":{\"type\":\"none\"},\"analysisTypes\":[]}",
              &st);
    CHECK(strstr(b, "\"numRows\":3") != NULL);
    free(b);
    /* bySegment through the broker: one wrapper row per segment */
    b = query(&f, f.url,
              "{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"granularity\":\"all\","
              "\"intervals\":[\"2021-03-04/2021-03-15\"],\"aggregations\":[{\"type\":\"longSum\","
              "\"name\":\"added\",\"fieldName\":\"added\"}],\"context\":{\"bySegment\":true}}",
              &st);
    CHECK_INT(st, 200);
    CHECK_STR(b, "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"results\":[{\"timestamp\":"
                 "\"2021-03-04T01:00:00.000Z\",\"result\":{\"added\":1}}],\"segment\":"
                 "\"wiki_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v1\",\"interval\":"
                 "\"2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z\"}},"
                 "{\"timestamp\":\"2021-03-14T00:00:00.000Z\",\"result\":{\"results\":[{\"timestamp\":"
                 "\"2021-03-14T01:00:00.000Z\",\"result\":{\"added\":2}}],\"segment\":"
                 "\"wiki_2021-03-14T00:00:00.000Z_2021-03-15T00:00:00.000Z_v1\",\"interval\":"
                 "\"2021-03-14T00:00:00.000Z/2021-03-15T00:00:00.000Z\"}}]");
    free(b);
    fx_stop(&f);
}
