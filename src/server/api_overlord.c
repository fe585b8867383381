/*
 * api_overlord.c — the overlord's HTTP API under /druid/indexer/v1
 * (druid-streaming.md §3.4): submitting and shutting down tasks, their
 * payload, status, log and reports, task lists with Druid's filters, the
 * task-action endpoint tasks call back on, pending-segment cleanup and the
 * leader endpoints. Error bodies are {"error": "..."} as the overlord writes
 * them; unknown tasks answer 404 with Druid's {"task": id, "status": null}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "base/mem.h"
#include "server/node_int.h"

#define LOG_NOT_FOUND                                                                              \
    "No log was found for this task. The task may not exist, or it may not have begun running yet."
#define REPORTS_NOT_FOUND                                                                          \
    "No task reports were found for this task. The task may not exist, or it may not have "        \
    "completed yet."

static void resp_error_from(vrv_http_resp *resp, const vrv_error *err)
{
    int status = err->code == VRV_ENOTFOUND   ? 404
                 : err->code == VRV_EINVAL    ? 400
                 : err->code == VRV_ECONFLICT ? 409
                                              : 500;
    vrv_http_error(resp, status, "%s", err->msg);
}

static void h_submit(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_error err;
    json_t *body = vrv_http_req_json(req, &err);
    if (!body) {
        vrv_http_error(resp, 400, "%s", err.msg);
        return;
    }
    char *id = NULL;
    if (vrv_overlord_submit(n->ovl, body, &id, &err) < 0)
        vrv_http_error(resp, err.code == VRV_ECONFLICT ? 409 : 400, "%s", err.msg);
    else
        vrv_http_resp_json(resp, 200, json_pack("{s:s}", "task", id));
    free(id);
    json_decref(body);
}

static void h_payload(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_error err;
    json_t *out = NULL;
    int rc = vrv_overlord_task_payload(n->ovl, vrv_http_req_param(req, "id"), &out, &err);
    vrv_http_resp_json(resp, rc == 0 ? 200 : 404, out);
}

static void h_status(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *id = vrv_http_req_param(req, "id");
    vrv_error err;
    json_t *st = NULL;
    int rc = vrv_overlord_task_status(n->ovl, id, &st, &err);
    if (rc < 0 && rc != VRV_ENOTFOUND) {
        resp_error_from(resp, &err);
        return;
    }
    vrv_http_resp_json(resp, rc == 0 ? 200 : 404,
                       json_pack("{s:s, s:o}", "task", id, "status", st ? st : json_null()));
}

static void h_segments(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    vrv_http_error(resp, 404,
                   "Segment IDs committed by a task action are not persisted anymore. Use the "
                   "metric 'segment/added/bytes' to identify the segments created by a task.");
}

static void h_log(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    char *path = vrv_overlord_log_path(n->ovl, vrv_http_req_param(req, "id"));
    if (!path) {
        vrv_http_error(resp, 404, LOG_NOT_FOUND);
        return;
    }
    long long off = 0;
    const char *o = vrv_http_req_query(req, "offset");
    if (o && *o) {
        char *end;
        off = strtoll(o, &end, 10);
        if (*end) {
            free(path);
            vrv_http_error(resp, 400, "offset: [%s] is not an integer", o);
            return;
        }
    }
    vrv_buf b = VRV_BUF_INIT;
    vrv_error err;
    if (vrv_fs_read(path, &b, &err) < 0) {
        vrv_http_error(resp, 404, LOG_NOT_FOUND);
    } else {
        /* Druid: a positive offset skips bytes, a negative one keeps the tail. */
        size_t start = 0;
        if (off > 0) start = (size_t)off < b.len ? (size_t)off : b.len;
        if (off < 0) start = (size_t)(-off) < b.len ? b.len - (size_t)(-off) : 0;
        vrv_http_resp_raw(resp, 200, "text/plain;charset=UTF-8", b.data ? b.data + start : "",
                          b.len - start);
    }
    vrv_buf_free(&b);
    free(path);
}

static void h_reports(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    char *text = NULL;
    vrv_error err;
    if (vrv_overlord_task_reports(n->ovl, vrv_http_req_param(req, "id"), &text, &err) < 0) {
        vrv_http_error(resp, 404, REPORTS_NOT_FOUND);
        return;
    }
    vrv_http_resp_raw(resp, 200, "application/json", text, strlen(text));
    free(text);
}

static void h_shutdown(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *id = vrv_http_req_param(req, "id");
    vrv_error err;
    vrv_overlord_shutdown(n->ovl, id, "Shutdown request from user", &err);
    vrv_http_resp_json(resp, 200, json_pack("{s:s}", "task", id));
}

static void h_shutdown_all(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *ds = vrv_http_req_param(req, "ds");
    size_t k = 0;
    vrv_error err;
    vrv_overlord_shutdown_datasource(n->ovl, ds, &k, &err);
    if (k == 0)
        vrv_http_error(resp, 404, "No active tasks of dataSource [%s]", ds);
    else
        vrv_http_resp_json(resp, 200, json_pack("{s:s}", "dataSource", ds));
}

static void h_task_status_multi(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_error err;
    json_t *ids = vrv_http_req_json(req, &err);
    if (!json_is_array(ids) || json_array_size(ids) == 0) {
        json_decref(ids);
        vrv_http_error(resp, 400, "No Task IDs provided.");
        return;
    }
    json_t *out = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        const char *id = json_string_value(v);
        json_t *st = NULL;
        if (id && vrv_overlord_task_status_short(n->ovl, id, &st, &err) == 0)
            json_object_set_new(out, id, st);
    }
    json_decref(ids);
    vrv_http_resp_json(resp, 200, out);
}

static void tasks_list(vrv_http_req *req, vrv_http_resp *resp, vrv_node *n, const char *state)
{
    vrv_task_filter f = {.max = -1};
    if (!state) state = vrv_http_req_query(req, "state");
    if (state) {
        if (strcasecmp(state, "running") == 0)
            f.state = VRV_TASKS_RUNNING;
        else if (strcasecmp(state, "pending") == 0)
            f.state = VRV_TASKS_PENDING;
        else if (strcasecmp(state, "waiting") == 0)
            f.state = VRV_TASKS_WAITING;
        else if (strcasecmp(state, "complete") == 0)
            f.state = VRV_TASKS_COMPLETE;
        else {
            vrv_http_error(resp, 400,
                           "Invalid task state[%s]. Must be one of [pending, waiting, running, "
                           "complete].",
                           state);
            return;
        }
    }
    f.datasource = vrv_http_req_query(req, "datasource");
    f.type = vrv_http_req_query(req, "type");
    const char *ci = vrv_http_req_query(req, "createdTimeInterval");
    vrv_error err;
    if (ci) {
        if (vrv_api_parse_url_interval(ci, &f.created, &err) < 0) {
            vrv_http_error(resp, 400, "createdTimeInterval: %s", err.msg);
            return;
        }
        f.has_created = true;
    }
    const char *max = vrv_http_req_query(req, "max");
    if (!max) max = vrv_http_req_query(req, "n"); /* completeTasks?n= */
    if (max && *max) {
        char *end;
        long m = strtol(max, &end, 10);
        if (*end || m < 0) {
            vrv_http_error(resp, 400, "max: [%s] must be a non-negative integer", max);
            return;
        }
        f.max = m;
    }
    json_t *out = NULL;
    if (vrv_overlord_tasks(n->ovl, &f, &out, &err) < 0) {
        resp_error_from(resp, &err);
        return;
    }
    vrv_http_resp_json(resp, 200, out);
}

static void h_tasks(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    tasks_list(req, resp, ctx, NULL);
}
static void h_running(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    tasks_list(req, resp, ctx, "running");
}
static void h_pending(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    tasks_list(req, resp, ctx, "pending");
}
static void h_waiting(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    tasks_list(req, resp, ctx, "waiting");
}
static void h_complete(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    tasks_list(req, resp, ctx, "complete");
}

static void h_action(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_error err;
    json_t *body = vrv_http_req_json(req, &err);
    if (!body) {
        vrv_http_error(resp, 400, "%s", err.msg);
        return;
    }
    json_t *result = NULL;
    if (vrv_overlord_action(n->ovl, body, &result, &err) < 0)
        vrv_http_error(resp, 500, "%s", err.msg); /* Druid answers a failed action with 500 */
    else
        vrv_http_resp_json(resp, 200, json_pack("{s:o}", "result", result));
    json_decref(body);
}

static void h_pending_segments(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *ds = vrv_http_req_param(req, "ds");
    vrv_interval iv = {VRV_META_MIN_MS, VRV_META_MAX_MS};
    const char *ivs = vrv_http_req_query(req, "interval");
    vrv_error err;
    if (ivs && vrv_api_parse_url_interval(ivs, &iv, &err) < 0) {
        vrv_http_error(resp, 400, "interval: %s", err.msg);
        return;
    }
    size_t deleted = 0;
    if (vrv_meta_pending_delete(n->meta, ds, iv.start, iv.end, &deleted, &err) < 0) {
        vrv_http_error(resp, 500, "%s", err.msg);
        return;
    }
    vrv_http_resp_json(resp, 200, json_pack("{s:I}", "numDeleted", (json_int_t)deleted));
}

static void h_leader(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "http://%s", n->host_port);
    vrv_http_resp_raw(resp, 200, "text/plain", b.data, b.len);
    vrv_buf_free(&b);
}

static void h_is_leader(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    vrv_http_resp_json(resp, 200, json_pack("{s:b}", "leader", 1));
}

static void h_workers(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    size_t running = 0;
    vrv_overlord_counts(n->ovl, &running, NULL, NULL);
    vrv_task_filter f = {.state = VRV_TASKS_RUNNING, .max = -1};
    json_t *tasks = NULL, *ids = json_array();
    vrv_error err;
    if (vrv_overlord_tasks(n->ovl, &f, &tasks, &err) == 0) {
        size_t i;
        json_t *t;
        json_array_foreach(tasks, i, t) json_array_append(ids, json_object_get(t, "id"));
    }
    json_decref(tasks);
    json_t *w = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "scheme", "http", "host", n->host_port,
                          "ip", n->cfg.bind, "capacity", n->cfg.task_slots, "version", "0",
                          "category", "_default_worker_category");
    vrv_http_resp_json(resp, 200,
                       json_pack("[{s:o, s:i, s:i, s:[], s:o, s:n, s:n}]", "worker", w,
                                 "currCapacityUsed", (int)running, "currParallelIndexCapacityUsed",
                                 0, "availabilityGroups", "runningTasks", ids,
                                 "lastCompletedTaskTime", "blacklistedUntil"));
}

int vrv_api_overlord_routes(vrv_node *n, vrv_error *err)
{
    static const struct {
        const char *method, *pattern;
        vrv_http_handler h;
    } routes[] = {
        {"POST", "/druid/indexer/v1/task", h_submit},
        {"GET", "/druid/indexer/v1/task/{id}", h_payload},
        {"GET", "/druid/indexer/v1/task/{id}/status", h_status},
        {"GET", "/druid/indexer/v1/task/{id}/segments", h_segments},
        {"GET", "/druid/indexer/v1/task/{id}/log", h_log},
        {"GET", "/druid/indexer/v1/task/{id}/reports", h_reports},
        {"POST", "/druid/indexer/v1/task/{id}/shutdown", h_shutdown},
        {"POST", "/druid/indexer/v1/datasources/{ds}/shutdownAllTasks", h_shutdown_all},
        {"POST", "/druid/indexer/v1/taskStatus", h_task_status_multi},
        {"GET", "/druid/indexer/v1/tasks", h_tasks},
        {"GET", "/druid/indexer/v1/runningTasks", h_running},
        {"GET", "/druid/indexer/v1/pendingTasks", h_pending},
        {"GET", "/druid/indexer/v1/waitingTasks", h_waiting},
        {"GET", "/druid/indexer/v1/completeTasks", h_complete},
        {"POST", "/druid/indexer/v1/action", h_action},
        {"DELETE", "/druid/indexer/v1/pendingSegments/{ds}", h_pending_segments},
        {"GET", "/druid/indexer/v1/leader", h_leader},
        {"GET", "/druid/indexer/v1/isLeader", h_is_leader},
        {"GET", "/druid/indexer/v1/workers", h_workers},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(routes); i++) {
        int rc = vrv_http_route(n->http, routes[i].method, routes[i].pattern, routes[i].h, n, err);
        if (rc < 0) return rc;
    }
    return 0;
}
