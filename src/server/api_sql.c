/*
 * api_sql.c — Druid SQL over HTTP (druid-query.md §10.1, §11.3):
 * POST /druid/v2/sql (JSON, text/plain and form bodies; resultFormat,
 * header, typesHeader, sqlTypesHeader, context, parameters; the
 * X-Druid-SQL-Query-Id and X-Druid-Query-Id headers; Druid's error shapes
 * and statuses) and DELETE /druid/v2/sql/{id}. Statements run through
 * src/sql with an env whose native queries go through this node's broker
 * and whose system tables are read from the coordinator's metadata, the
 * historical and the overlord.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/mem.h"
#include "segment/timeline.h"
#include "server/broker.h"
#include "server/http_route.h"
#include "overlord/supervisor.h"
#include "server/node_int.h"
#include "sql/sql.h"

/* ---- the env ----------------------------------------------------------------------------- */

static int env_run(void *ctx, const json_t *query, vrv_buf *out, vrv_error *err)
{
    vrv_node *n = ctx;
    return vrv_broker_run(n->broker, query, out, err);
}

static json_t *env_datasources(void *ctx)
{
    vrv_node *n = ctx;
    return vrv_view_datasources(n->view);
}

/* "a,b,c" (DataSegment dimensions/metrics) as the JSON text ["a","b","c"]. */
static json_t *csv_list_json(const json_t *v)
{
    if (json_is_array(v)) {
        char *s = json_dumps(v, JSON_COMPACT);
        json_t *r = json_string(s);
        free(s);
        return r;
    }
    json_t *a = json_array();
    const char *s = json_string_value(v);
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n) json_array_append_new(a, json_stringn(s, n));
        s = e ? e + 1 : NULL;
    }
    char *t = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    json_t *r = json_string(t);
    free(t);
    return r;
}

static json_t *segments_rows(vrv_node *n, bool server_segments)
{
    json_t *rows = json_array();
    vrv_meta_str_list ds = {0};
    vrv_error err;
    if (vrv_meta_datasources(n->meta, false, &ds, &err) < 0) return rows;
    for (size_t d = 0; d < ds.n; d++) {
        vrv_meta_segment_list l = {0};
        if (vrv_meta_segments_query(n->meta, ds.v[d], VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, &err) < 0)
            continue;
        vrv_timeline *tl = vrv_timeline_new();
        for (size_t i = 0; i < l.n; i++)
            vrv_timeline_add(tl, vrv_interval_make(l.v[i].start_ms, l.v[i].end_ms), l.v[i].version,
                             l.v[i].partition_num, l.v[i].core_partitions, &l.v[i]);
        for (size_t i = 0; i < l.n; i++) {
            const vrv_meta_segment *s = &l.v[i];
            vrv_hist_seg *hs = vrv_hist_acquire(n->hist, s->id);
            if (server_segments) {
                if (hs) json_array_append_new(rows, json_pack("{s:s, s:s}", "server", n->host_port, "segment_id", s->id));
                if (hs) vrv_hist_release(n->hist, hs);
                continue;
            }
            json_t *p = json_loads(s->payload, 0, NULL);
            bool over = vrv_timeline_is_overshadowed(tl, vrv_interval_make(s->start_ms, s->end_ms), s->version);
            json_t *row = json_object();
            json_object_set_new(row, "segment_id", json_string(s->id));
            json_object_set_new(row, "datasource", json_string(s->data_source));
            json_object_set_new(row, "start", json_string(s->start));
            json_object_set_new(row, "end", json_string(s->end));
            json_object_set(row, "size", json_object_get(p, "size"));
            json_object_set_new(row, "version", json_string(s->version));
            json_object_set_new(row, "partition_num", json_integer(s->partition_num));
            json_object_set_new(row, "num_replicas", json_integer(hs ? 1 : 0));
            if (hs) json_object_set_new(row, "num_rows", json_integer((json_int_t)vrv_segment_rows(hs->segment)));
            else json_object_set(row, "num_rows", json_object_get(p, "totalRows"));
            json_object_set_new(row, "is_active", json_integer(!over));
            json_object_set_new(row, "is_published", json_integer(1));
            json_object_set_new(row, "is_available", json_integer(hs ? 1 : 0));
            json_object_set_new(row, "is_realtime", json_integer(0));
            json_object_set_new(row, "is_overshadowed", json_integer(over));
            json_object_set(row, "shard_spec", json_object_get(p, "shardSpec"));
            json_object_set_new(row, "dimensions", csv_list_json(json_object_get(p, "dimensions")));
            json_object_set_new(row, "metrics", csv_list_json(json_object_get(p, "metrics")));
            json_object_set(row, "last_compaction_state", json_object_get(p, "lastCompactionState"));
            json_object_set_new(row, "replication_factor", json_integer(1));
            json_array_append_new(rows, row);
            json_decref(p);
            if (hs) vrv_hist_release(n->hist, hs);
        }
        vrv_timeline_free(tl);
        vrv_meta_segment_list_free(&l);
    }
    vrv_meta_str_list_free(&ds);
    return rows;
}

static json_t *servers_rows(vrv_node *n)
{
    json_t *rows = json_array();
    static const char *const types[] = {"coordinator", "overlord", "broker", "historical"};
    size_t count;
    uint64_t bytes;
    vrv_hist_totals(n->hist, &count, &bytes);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    int port = (int)vrv_http_server_port(n->http);
    for (size_t i = 0; i < VRV_ARRAY_LEN(types); i++) {
        bool hist = !strcmp(types[i], "historical");
        json_t *row = json_pack("{s:s, s:s, s:i, s:i, s:s}", "server", n->host_port, "host", n->cfg.host,
                                "plaintext_port", port, "tls_port", -1, "server_type", types[i]);
        json_object_set_new(row, "tier", hist ? json_string("_default_tier") : json_null());
        json_object_set_new(row, "current_size", json_integer(hist ? (json_int_t)bytes : 0));
        json_object_set_new(row, "max_size", json_integer(0));
        json_object_set_new(row, "is_leader",
                            (!strcmp(types[i], "coordinator") || !strcmp(types[i], "overlord")) ? json_integer(1) : json_null());
        json_object_set_new(row, "start_time", json_string(n->start_time));
        json_object_set_new(row, "version", json_string(n->version ? n->version : "unknown"));
        json_object_set_new(row, "available_processors", json_integer(cpus > 0 ? cpus : 1));
        json_object_set_new(row, "total_memory", json_integer((json_int_t)pages * psize));
        json_array_append_new(rows, row);
    }
    return rows;
}

static json_t *tasks_rows(vrv_node *n)
{
    json_t *rows = json_array();
    json_t *tasks = NULL;
    vrv_task_filter f = {.state = VRV_TASKS_ANY, .max = -1};
    vrv_error err;
    if (vrv_overlord_tasks(n->ovl, &f, &tasks, &err) < 0) return rows;
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t)
    {
        json_t *loc = json_object_get(t, "location");
        const char *host = json_string_value(json_object_get(loc, "host"));
        json_int_t port = json_integer_value(json_object_get(loc, "port"));
        json_t *row = json_object();
        json_object_set(row, "task_id", json_object_get(t, "id"));
        json_object_set(row, "group_id", json_object_get(t, "groupId"));
        json_object_set(row, "type", json_object_get(t, "type"));
        json_object_set(row, "datasource", json_object_get(t, "dataSource"));
        json_object_set(row, "created_time", json_object_get(t, "createdTime"));
        json_object_set(row, "queue_insertion_time", json_object_get(t, "queueInsertionTime"));
        json_object_set(row, "status", json_object_get(t, "statusCode"));
        json_object_set(row, "runner_status", json_object_get(t, "runnerStatusCode"));
        json_object_set(row, "duration", json_object_get(t, "duration"));
        if (host) {
            char hp[300];
            snprintf(hp, sizeof hp, "%s:%lld", host, (long long)port);
            json_object_set_new(row, "location", json_string(hp));
        }
        json_object_set_new(row, "host", host ? json_string(host) : json_null());
        json_object_set_new(row, "plaintext_port", json_integer(host ? port : -1));
        json_object_set(row, "tls_port", json_object_get(loc, "tlsPort"));
        json_object_set(row, "error_msg", json_object_get(t, "errorMsg"));
        json_array_append_new(rows, row);
    }
    json_decref(tasks);
    return rows;
}

/* Druid's ?system supervisor statuses as sys.supervisors rows. */
static json_t *supervisors_rows(vrv_node *n)
{
    json_t *rows = json_array();
    if (!n->sup) return rows;
    json_t *list = vrv_sup_list(n->sup, VRV_SUP_LIST_SYSTEM);
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        json_t *row = json_object();
        json_object_set(row, "supervisor_id", json_object_get(s, "id"));
        json_object_set(row, "datasource", json_object_get(s, "dataSource"));
        json_object_set(row, "state", json_object_get(s, "state"));
        json_object_set(row, "detailed_state", json_object_get(s, "detailedState"));
        json_object_set_new(row, "healthy", json_integer(json_is_true(json_object_get(s, "healthy"))));
        json_object_set(row, "type", json_object_get(s, "type"));
        json_object_set(row, "source", json_object_get(s, "source"));
        json_object_set_new(row, "suspended", json_integer(json_is_true(json_object_get(s, "suspended"))));
        json_object_set(row, "spec", json_object_get(s, "specString"));
        json_array_append_new(rows, row);
    }
    json_decref(list);
    return rows;
}

static json_t *env_sys_rows(void *ctx, const char *table)
{
    vrv_node *n = ctx;
    if (!strcmp(table, "segments")) return segments_rows(n, false);
    if (!strcmp(table, "server_segments")) return segments_rows(n, true);
    if (!strcmp(table, "servers")) return servers_rows(n);
    if (!strcmp(table, "tasks")) return tasks_rows(n);
    if (!strcmp(table, "supervisors")) return supervisors_rows(n);
    return json_array();
}

/* ---- POST /druid/v2/sql -------------------------------------------------------------------- */

static void sql_error(vrv_node *n, vrv_http_resp *resp, const vrv_sql_error *e)
{
    json_t *ctx = json_object();
    switch (e->kind) {
    case VRV_SQL_E_PARSE:
    case VRV_SQL_E_VALIDATE:
        json_object_set_new(ctx, "sourceType", json_string("sql"));
        if (e->has_pos) {
            char b[24];
            snprintf(b, sizeof b, "%d", e->line);
            json_object_set_new(ctx, "line", json_string(b));
            snprintf(b, sizeof b, "%d", e->column);
            json_object_set_new(ctx, "column", json_string(b));
            snprintf(b, sizeof b, "%d", e->end_line);
            json_object_set_new(ctx, "endLine", json_string(b));
            snprintf(b, sizeof b, "%d", e->end_column);
            json_object_set_new(ctx, "endColumn", json_string(b));
        }
        if (e->kind == VRV_SQL_E_PARSE && e->token[0]) {
            json_object_set_new(ctx, "token", json_string(e->token));
            json_object_set_new(ctx, "expected", json_string(e->expected));
        }
        vrv_http_error_druid(resp, "invalidInput", "USER", VRV_HTTP_INVALID_INPUT, e->err.msg, ctx);
        return;
    case VRV_SQL_E_PLAN:
        vrv_http_error_druid(resp, "general", "USER", VRV_HTTP_INVALID_INPUT, e->err.msg, ctx);
        return;
    case VRV_SQL_E_UNSUPPORTED:
        vrv_http_error_druid(resp, "general", "OPERATOR", VRV_HTTP_UNSUPPORTED, e->err.msg, ctx);
        return;
    case VRV_SQL_E_REQUEST:
        json_decref(ctx);
        vrv_http_error(resp, 400, "%s", e->err.msg);
        return;
    default:
        json_decref(ctx);
        break;
    }
    switch (e->err.code) {
    case VRV_ETIMEOUT:
        vrv_http_error_wrapped_legacy(resp, "Query timeout", e->err.msg,
                                      "org.apache.druid.query.QueryTimeoutException", n->host_port);
        break;
    case VRV_ECANCELED:
        vrv_http_error_wrapped_legacy(resp, "Query cancelled", NULL,
                                      "org.apache.druid.query.QueryInterruptedException", n->host_port);
        break;
    case VRV_ELIMIT:
    case VRV_ENOMEM:
        vrv_http_error_wrapped_legacy(resp, "Resource limit exceeded", e->err.msg,
                                      "org.apache.druid.query.ResourceLimitExceededException", n->host_port);
        break;
    default: vrv_http_error_from(resp, &e->err, n->host_port); break;
    }
}

/* The media type of a Content-Type value, lower-cased, without parameters. */
static void media_type(const char *ct, char *out, size_t cap)
{
    size_t w = 0;
    for (; ct && *ct && *ct != ';' && w + 1 < cap; ct++)
        if (*ct != ' ') out[w++] = (char)((*ct >= 'A' && *ct <= 'Z') ? *ct + 32 : *ct);
    out[w] = '\0';
}

static bool flag_of(const json_t *body, const char *key, bool *out, char *why, size_t cap)
{
    const json_t *v = json_object_get(body, key);
    *out = false;
    if (!v || json_is_null(v)) return true;
    if (!json_is_boolean(v)) {
        snprintf(why, cap, "Malformed SQL query wrapped in JSON: %s must be a boolean", key);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

static void h_sql(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    char mt[128];
    media_type(vrv_http_req_header(req, "Content-Type"), mt, sizeof mt);
    size_t len;
    const char *text = vrv_http_req_body(req, &len);
    json_t *body = NULL;
    const char *sql = NULL;
    size_t sql_len = 0;
    vrv_buf decoded = VRV_BUF_INIT;
    vrv_sql_format fmt = VRV_SQL_FORMAT_OBJECT;
    unsigned headers = 0;
    if (!mt[0]) {
        vrv_http_error(resp, 400, "Unsupported Content-Type: missing; send application/json");
        return;
    }
    if (!strcmp(mt, "application/json")) {
        json_error_t je;
        body = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(body)) {
            vrv_http_error(resp, 400, "Malformed SQL query wrapped in JSON: %s (line %d, column %d)",
                           body ? "not an object" : je.text, je.line, je.column);
            json_decref(body);
            return;
        }
        const json_t *q = json_object_get(body, "query");
        if (!json_is_string(q) || json_string_length(q) == 0) {
            vrv_http_error(resp, 400, q && !json_is_string(q) ? "Malformed SQL query wrapped in JSON: query must be a string"
                                                               : "Empty query");
            json_decref(body);
            return;
        }
        sql = json_string_value(q);
        sql_len = json_string_length(q);
        const json_t *rf = json_object_get(body, "resultFormat");
        if (rf && !json_is_null(rf) && (!json_is_string(rf) || !vrv_sql_format_parse(json_string_value(rf), &fmt))) {
            vrv_http_error(resp, 400,
                           "Malformed SQL query wrapped in JSON: resultFormat: unknown format [%s]; use object, "
                           "array, objectLines, arrayLines or csv",
                           json_is_string(rf) ? json_string_value(rf) : "?");
            json_decref(body);
            return;
        }
        bool h, th, sth;
        char why[200];
        if (!flag_of(body, "header", &h, why, sizeof why) || !flag_of(body, "typesHeader", &th, why, sizeof why) ||
            !flag_of(body, "sqlTypesHeader", &sth, why, sizeof why)) {
            vrv_http_error(resp, 400, "%s", why);
            json_decref(body);
            return;
        }
        if ((th || sth) && !h) {
            vrv_http_error(resp, 400, "If %s is set, header must also be set", th ? "typesHeader" : "sqlTypesHeader");
            json_decref(body);
            return;
        }
        headers = (h ? VRV_SQL_HEADER : 0) | (th ? VRV_SQL_TYPES_HEADER : 0) | (sth ? VRV_SQL_SQL_TYPES_HEADER : 0);
    } else if (!strcmp(mt, "text/plain")) {
        sql = text;
        sql_len = len;
    } else if (!strcmp(mt, "application/x-www-form-urlencoded")) {
        if (vrv_http_pct_decode(text, len, true, &decoded) < 0) {
            vrv_http_error(resp, 400, "Malformed form-encoded SQL query");
            return;
        }
        sql = decoded.data ? decoded.data : "";
        sql_len = decoded.len;
    } else {
        vrv_http_error(resp, 415, "Unsupported Content-Type: %s; send application/json", mt);
        return;
    }
    bool blank = true;
    for (size_t i = 0; i < sql_len && blank; i++) blank = sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r';
    if (blank) {
        vrv_http_error(resp, 400, "Empty query");
        json_decref(body);
        vrv_buf_free(&decoded);
        return;
    }
    vrv_sql_env env = {env_run, env_datasources, env_sys_rows, n};
    vrv_sql_result *r = NULL;
    vrv_sql_error e;
    int rc = vrv_sql_execute(&env, sql, sql_len, json_object_get(body, "context"),
                             json_object_get(body, "parameters"), &r, &e);
    if (rc < 0) {
        sql_error(n, resp, &e);
        if (e.query_id[0]) {
            vrv_http_resp_header(resp, "X-Druid-SQL-Query-Id", e.query_id);
            vrv_http_resp_header(resp, "X-Druid-Query-Id", e.query_id);
        }
    } else {
        vrv_buf out = VRV_BUF_INIT;
        vrv_sql_result_write(r, fmt, headers, &out);
        vrv_http_resp_raw(resp, 200, "application/json", out.data ? out.data : "", out.len);
        vrv_buf_free(&out);
        vrv_http_resp_header(resp, "X-Druid-SQL-Query-Id", vrv_sql_result_query_id(r));
        vrv_http_resp_header(resp, "X-Druid-Query-Id", vrv_sql_result_query_id(r));
        if (headers & VRV_SQL_HEADER) vrv_http_resp_header(resp, "X-Druid-SQL-Header-Included", "yes");
        vrv_sql_result_free(r);
    }
    json_decref(body);
    vrv_buf_free(&decoded);
}

/* DELETE /druid/v2/sql/{id}: 202 when a query of that id runs, else 404. */
static void h_sql_cancel(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_http_resp_empty(resp, vrv_broker_cancel(n->broker, vrv_http_req_param(req, "id")) ? 202 : 404);
}

int vrv_api_sql_routes(vrv_node *n, vrv_error *err)
{
    int rc = vrv_http_route(n->http, "POST", "/druid/v2/sql", h_sql, n, err);
    if (rc == 0) rc = vrv_http_route(n->http, "DELETE", "/druid/v2/sql/{id}", h_sql_cancel, n, err);
    return rc;
}
