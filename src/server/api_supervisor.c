/*
 * api_supervisor.c — the supervisor API under /druid/indexer/v1/supervisor
 * (druid-streaming.md §3.1) over the supervisor manager
 * (overlord/supervisor.h): request parsing, Druid's status codes and bodies.
 * Error bodies are {"error": "..."}; an unknown supervisor is 404.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "overlord/supervisor.h"
#include "server/node_int.h"

#define BASE "/druid/indexer/v1/supervisor"

static void error_from(vrv_http_resp *resp, const vrv_error *err)
{
    int status = err->code == VRV_ENOTFOUND ? 404 : err->code == VRV_EINVAL ? 400 : 500;
    vrv_http_error(resp, status, "%s", err->msg);
}

static void h_create(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_error err;
    json_t *body = vrv_http_req_json(req, &err);
    if (!body) {
        vrv_http_error(resp, 400, "%s", err.msg);
        return;
    }
    char *id = NULL;
    if (vrv_sup_create(n->sup, body, &id, &err) < 0)
        vrv_http_error(resp, err.code == VRV_EINVAL || err.code == VRV_EUNSUPPORTED ? 400 : 500,
                       "%s", err.msg);
    else
        vrv_http_resp_json(resp, 200, json_pack("{s:s}", "id", id));
    free(id);
    json_decref(body);
}

static void h_list(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    int flags = 0;
    if (vrv_http_req_query(req, "full")) flags |= VRV_SUP_LIST_FULL;
    const char *state = vrv_http_req_query(req, "state");
    if (state && strcasecmp(state, "true") == 0) flags |= VRV_SUP_LIST_STATE;
    if (vrv_http_req_query(req, "system")) flags |= VRV_SUP_LIST_SYSTEM;
    vrv_http_resp_json(resp, 200, vrv_sup_list(n->sup, flags));
}

typedef int (*get_fn)(vrv_sup_mgr *m, const char *id, json_t **out, vrv_error *err);

static void get_json(vrv_http_req *req, vrv_http_resp *resp, void *ctx, get_fn fn)
{
    vrv_node *n = ctx;
    vrv_error err;
    json_t *out = NULL;
    if (fn(n->sup, vrv_http_req_param(req, "id"), &out, &err) < 0)
        error_from(resp, &err);
    else
        vrv_http_resp_json(resp, 200, out);
}

static void h_spec(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    get_json(req, resp, ctx, vrv_sup_spec);
}

static void h_status(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    get_json(req, resp, ctx, vrv_sup_status);
}

static void h_stats(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    get_json(req, resp, ctx, vrv_sup_stats);
}

static void h_parse_errors(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    get_json(req, resp, ctx, vrv_sup_parse_errors);
}

static void h_health(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_error err;
    bool healthy;
    if (vrv_sup_health(n->sup, vrv_http_req_param(req, "id"), &healthy, &err) < 0)
        error_from(resp, &err);
    else
        vrv_http_resp_json(resp, healthy ? 200 : 503, json_pack("{s:b}", "healthy", healthy));
}

static void h_history_all(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    vrv_error err;
    json_t *out;
    if (vrv_sup_history_all(n->sup, &out, &err) < 0)
        error_from(resp, &err);
    else
        vrv_http_resp_json(resp, 200, out);
}

static void h_history(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    long count = 0;
    const char *c = vrv_http_req_query(req, "count");
    if (c) {
        char *end;
        count = strtol(c, &end, 10);
        if (!*c || *end) {
            vrv_http_error(resp, 404, "count: [%s] is not an integer", c);
            return;
        }
        if (count <= 0) {
            vrv_http_error(resp, 400, "Count must be greater than zero if set (count was %ld)",
                           count);
            return;
        }
    }
    vrv_error err;
    json_t *out;
    if (vrv_sup_history(n->sup, vrv_http_req_param(req, "id"), count, &out, &err) < 0)
        error_from(resp, &err);
    else
        vrv_http_resp_json(resp, 200, out);
}

static void suspend_or_resume(vrv_http_req *req, vrv_http_resp *resp, void *ctx, bool suspend)
{
    vrv_node *n = ctx;
    vrv_error err;
    json_t *spec;
    if (vrv_sup_suspend(n->sup, vrv_http_req_param(req, "id"), suspend, &spec, &err) < 0)
        error_from(resp, &err);
    else
        vrv_http_resp_json(resp, 200, spec);
}

static void h_suspend(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    suspend_or_resume(req, resp, ctx, true);
}

static void h_resume(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    suspend_or_resume(req, resp, ctx, false);
}

static void h_suspend_all(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    vrv_sup_suspend_all(n->sup, true);
    vrv_http_resp_json(resp, 200, json_pack("{s:s}", "status", "success"));
}

static void h_resume_all(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    vrv_sup_suspend_all(n->sup, false);
    vrv_http_resp_json(resp, 200, json_pack("{s:s}", "status", "success"));
}

static void h_reset(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *id = vrv_http_req_param(req, "id");
    vrv_error err;
    if (vrv_sup_reset(n->sup, id, &err) < 0)
        error_from(resp, &err);
    else
        vrv_http_resp_json(resp, 200, json_pack("{s:s}", "id", id));
}

static void h_reset_offsets(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *id = vrv_http_req_param(req, "id");
    vrv_error err;
    json_t *body = vrv_http_req_json(req, &err);
    if (!body) {
        vrv_http_error(resp, 400, "%s", err.msg);
        return;
    }
    if (vrv_sup_reset_offsets(n->sup, id, body, &err) < 0)
        error_from(resp, &err);
    else
        vrv_http_resp_json(resp, 200, json_pack("{s:s}", "id", id));
    json_decref(body);
}

static void h_terminate(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *id = vrv_http_req_param(req, "id");
    vrv_error err;
    if (vrv_sup_terminate(n->sup, id, &err) < 0)
        error_from(resp, &err);
    else
        vrv_http_resp_json(resp, 200, json_pack("{s:s}", "id", id));
}

static void h_terminate_all(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    vrv_sup_terminate_all(n->sup);
    vrv_http_resp_json(resp, 200, json_pack("{s:s}", "status", "success"));
}

static void h_handoff(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *id = vrv_http_req_param(req, "id");
    size_t len;
    vrv_http_req_body(req, &len);
    vrv_error err;
    json_t *body = len ? vrv_http_req_json(req, &err) : NULL;
    if (len && !body) {
        vrv_http_error(resp, 400, "%s", err.msg);
        return;
    }
    json_t *ids = json_object_get(body, "taskGroupIds");
    size_t k = json_array_size(ids);
    int *groups = vrv_malloc((k ? k : 1) * sizeof *groups);
    bool ok = k > 0;
    for (size_t i = 0; i < k; i++) {
        json_t *v = json_array_get(ids, i);
        if (!json_is_integer(v)) ok = false;
        groups[i] = (int)json_integer_value(v);
    }
    if (!ok)
        vrv_http_error(resp, 400, "List of task groups to handoff can't be empty");
    else if (vrv_sup_handoff(n->sup, id, groups, k, &err) < 0)
        error_from(resp, &err);
    else
        vrv_http_resp_empty(resp, 202);
    free(groups);
    json_decref(body);
}

int vrv_api_supervisor_routes(vrv_node *n, vrv_error *err)
{
    static const struct {
        const char *method, *pattern;
        vrv_http_handler h;
    } routes[] = {
        {"POST", BASE, h_create},
        {"GET", BASE, h_list},
        {"GET", BASE "/history", h_history_all},
        {"POST", BASE "/suspendAll", h_suspend_all},
        {"POST", BASE "/resumeAll", h_resume_all},
        {"POST", BASE "/terminateAll", h_terminate_all},
        {"GET", BASE "/{id}", h_spec},
        {"GET", BASE "/{id}/status", h_status},
        {"GET", BASE "/{id}/health", h_health},
        {"GET", BASE "/{id}/stats", h_stats},
        {"GET", BASE "/{id}/parseErrors", h_parse_errors},
        {"GET", BASE "/{id}/history", h_history},
        {"POST", BASE "/{id}/suspend", h_suspend},
        {"POST", BASE "/{id}/resume", h_resume},
        {"POST", BASE "/{id}/reset", h_reset},
        {"POST", BASE "/{id}/resetOffsets", h_reset_offsets},
        {"POST", BASE "/{id}/terminate", h_terminate},
        {"POST", BASE "/{id}/shutdown", h_terminate},
        {"POST", BASE "/{id}/taskGroups/handoff", h_handoff},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        int rc = vrv_http_route(n->http, routes[i].method, routes[i].pattern, routes[i].h, n, err);
        if (rc < 0) return rc;
    }
    return 0;
}
