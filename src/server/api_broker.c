/*
 * api_broker.c — the broker's endpoints: native queries (POST /druid/v2,
 * cancellation with DELETE /druid/v2/{id}; server/broker.c does the work)
 * and the metadata of druid-query.md §12.2: queryable data sources and their
 * dimensions and metrics over Druid's default recent window, and the
 * broker's load status and readiness.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "server/broker.h"
#include "server/node_int.h"

/* druid.query.segmentMetadata.defaultHistory: the window /druid/v2/datasources/{ds}
 * looks at when no interval is given, ending now. */
#define DEFAULT_HISTORY_MS (7 * VRV_MS_PER_DAY)

static vrv_ms now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void h_datasources(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    vrv_http_resp_json(resp, 200, vrv_view_datasources(n->view));
}

static int schema_window(vrv_http_req *req, vrv_interval *iv, vrv_error *err)
{
    const char *s = vrv_http_req_query(req, "interval");
    if (s) return vrv_api_parse_url_interval(s, iv, err);
    vrv_ms now = now_ms();
    *iv = vrv_interval_make(now - DEFAULT_HISTORY_MS, now);
    return 0;
}

static void schema_part(vrv_http_req *req, vrv_http_resp *resp, vrv_node *n, const char *part)
{
    const char *ds = vrv_http_req_param(req, "ds");
    vrv_interval iv;
    vrv_error err;
    if (schema_window(req, &iv, &err) < 0) {
        vrv_http_error(resp, 400, "interval: %s", err.msg);
        return;
    }
    json_t *s = vrv_view_schema(n->view, ds, iv);
    if (!part) {
        vrv_http_resp_json(resp, 200, s);
        return;
    }
    json_t *p = json_incref(json_object_get(s, part));
    json_decref(s);
    vrv_http_resp_json(resp, 200, p);
}

static void h_datasource(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    schema_part(req, resp, ctx, NULL);
}
static void h_dimensions(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    schema_part(req, resp, ctx, "dimensions");
}
static void h_metrics(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    schema_part(req, resp, ctx, "metrics");
}

static void h_loadstatus(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    vrv_http_resp_json(resp, 200,
                       json_pack("{s:b}", "inventoryInitialized",
                                 (int)vrv_coord_initialized(n->coord)));
}

static void h_readiness(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    vrv_http_resp_empty(resp, vrv_coord_initialized(n->coord) ? 200 : 503);
}

static void h_query(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_broker_handle(n->broker, req, resp);
}

/* Druid answers a cancellation with 202 whether or not the query runs. */
static void h_cancel(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_broker_cancel(n->broker, vrv_http_req_param(req, "id"));
    vrv_http_resp_empty(resp, 202);
}

int vrv_api_broker_routes(vrv_node *n, vrv_error *err)
{
    static const struct {
        const char *method, *pattern;
        vrv_http_handler h;
    } routes[] = {
        {"POST", "/druid/v2", h_query},
        {"DELETE", "/druid/v2/{id}", h_cancel},
        {"GET", "/druid/v2/datasources", h_datasources},
        {"GET", "/druid/v2/datasources/{ds}", h_datasource},
        {"GET", "/druid/v2/datasources/{ds}/dimensions", h_dimensions},
        {"GET", "/druid/v2/datasources/{ds}/metrics", h_metrics},
        {"GET", "/druid/broker/v1/loadstatus", h_loadstatus},
        {"GET", "/druid/broker/v1/readiness", h_readiness},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(routes); i++) {
        int rc = vrv_http_route(n->http, routes[i].method, routes[i].pattern, routes[i].h, n, err);
        if (rc < 0) return rc;
    }
    return 0;
}
