/*
 * api_coordinator.c — the coordinator's and the historical's HTTP API
 * (druid-query.md §12.3): the served view of data sources and segments
 * (/druid/coordinator/v1/datasources...), the metadata view
 * (/druid/coordinator/v1/metadata/...), load status, the handoff check of
 * streaming tasks, marking segments unused or used, the leader endpoints and
 * /druid/historical/v1/loadstatus.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "segment/segid.h"
#include "segment/timeline.h"
#include "server/node_int.h"

int vrv_api_parse_url_interval(const char *s, vrv_interval *out, vrv_error *err)
{
    char *t = vrv_strdup(s);
    if (!strchr(t, '/'))
        for (char *p = t; *p; p++)
            if (*p == '_') {
                *p = '/';
                break;
            }
    int rc = vrv_interval_parse(t, strlen(t), out, err);
    free(t);
    return rc;
}

bool vrv_api_flag(const vrv_http_req *req, const char *name)
{
    const char *v = vrv_http_req_query(req, name);
    return v && strcasecmp(v, "false") != 0;
}

/* ---- the served view ---------------------------------------------------------- */

/* The served segments of one data source (DataSegment objects). */
static json_t *served(vrv_node *n, const char *ds)
{
    return vrv_hist_segments_json(n->hist, ds);
}

static json_t *served_names(vrv_node *n)
{
    json_t *segs = served(n, NULL), *set = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(segs, i, s) json_object_set_new(set, json_string_value(json_object_get(s, "dataSource")), json_true());
    json_decref(segs);
    json_t *a = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v) json_array_append_new(a, json_string(k));
    json_decref(set);
    /* sorted, as Druid's TreeSet-backed lists are */
    size_t cnt = json_array_size(a);
    for (size_t x = 1; x < cnt; x++)
        for (size_t y = x; y > 0 && strcmp(json_string_value(json_array_get(a, y - 1)),
                                           json_string_value(json_array_get(a, y))) > 0;
             y--) {
            json_t *t = json_incref(json_array_get(a, y));
            json_array_set(a, y, json_array_get(a, y - 1));
            json_array_set_new(a, y - 1, t);
        }
    return a;
}

/* {"tiers":{...},"segments":{...}} for a list of DataSegments. */
static json_t *simple_props(json_t *segs)
{
    json_int_t count = (json_int_t)json_array_size(segs), size = 0;
    const char *min = NULL, *max = NULL;
    size_t i;
    json_t *s;
    json_array_foreach(segs, i, s)
    {
        size += json_integer_value(json_object_get(s, "size"));
        const char *iv = json_string_value(json_object_get(s, "interval"));
        const char *slash = iv ? strchr(iv, '/') : NULL;
        if (!slash) continue;
        /* canonical instants of one width compare as strings */
        if (!min || strncmp(iv, min, (size_t)(slash - iv)) < 0) min = iv;
        if (!max || strcmp(slash + 1, max) > 0) max = slash + 1;
    }
    char minb[VRV_TIME_STR_MAX] = "";
    if (min) snprintf(minb, sizeof minb, "%.*s", (int)(strchr(min, '/') - min), min);
    json_t *segsj = json_pack("{s:I, s:I, s:I}", "count", count, "size", size, "replicatedSize", size);
    json_object_set_new(segsj, "minTime", min ? json_string(minb) : json_null());
    json_object_set_new(segsj, "maxTime", max ? json_string(max) : json_null());
    json_t *tiers = json_object();
    if (count)
        json_object_set_new(tiers, "_default_tier",
                            json_pack("{s:I, s:I, s:I}", "segmentCount", count, "size", size,
                                      "replicatedSize", size));
    return json_pack("{s:o, s:o}", "tiers", tiers, "segments", segsj);
}

static json_t *full_ds(const char *name, json_t *segs)
{
    return json_pack("{s:s, s:{}, s:O}", "name", name, "properties", "segments", segs);
}

static void h_datasources(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    json_t *names = served_names(n);
    bool full = vrv_api_flag(req, "full"), simple = vrv_api_flag(req, "simple");
    if (!full && !simple) {
        vrv_http_resp_json(resp, 200, names);
        return;
    }
    json_t *out = json_array();
    size_t i;
    json_t *name;
    json_array_foreach(names, i, name)
    {
        json_t *segs = served(n, json_string_value(name));
        if (full)
            json_array_append_new(out, full_ds(json_string_value(name), segs));
        else
            json_array_append_new(out, json_pack("{s:O, s:o}", "name", name, "properties",
                                                 simple_props(segs)));
        json_decref(segs);
    }
    json_decref(names);
    vrv_http_resp_json(resp, 200, out);
}

static void h_datasource(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *ds = vrv_http_req_param(req, "ds");
    json_t *segs = served(n, ds);
    if (json_array_size(segs) == 0) {
        json_decref(segs);
        vrv_http_resp_empty(resp, 204); /* Druid: no content for an unknown data source */
        return;
    }
    json_t *out = vrv_api_flag(req, "full") ? full_ds(ds, segs) : simple_props(segs);
    json_decref(segs);
    vrv_http_resp_json(resp, 200, out);
}

static void h_ds_segments(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    json_t *segs = served(n, vrv_http_req_param(req, "ds"));
    if (vrv_api_flag(req, "full")) {
        vrv_http_resp_json(resp, 200, segs);
        return;
    }
    json_t *ids = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(segs, i, s) json_array_append(ids, json_object_get(s, "identifier"));
    json_decref(segs);
    vrv_http_resp_json(resp, 200, ids);
}

static void h_ds_segment(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *id = vrv_http_req_param(req, "id");
    vrv_hist_seg *s = vrv_hist_acquire(n->hist, id);
    if (!s || strcmp(s->data_source, vrv_http_req_param(req, "ds")) != 0) {
        vrv_hist_release(n->hist, s);
        vrv_http_error(resp, 404, "Segment [%s] is not served", id);
        return;
    }
    vrv_http_resp_json(resp, 200,
                       json_pack("{s:O, s:{s:[s]}}", "metadata", s->payload, "servers",
                                 "_default_tier", n->host_port));
    vrv_hist_release(n->hist, s);
}

static void h_ds_intervals(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    json_t *segs = served(n, vrv_http_req_param(req, "ds"));
    json_t *set = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(segs, i, s)
    {
        const char *iv = json_string_value(json_object_get(s, "interval"));
        json_t *e = json_object_get(set, iv);
        if (!e) {
            e = json_pack("{s:i, s:I}", "count", 0, "size", (json_int_t)0);
            json_object_set_new(set, iv, e);
        }
        json_object_set_new(e, "count", json_integer(json_integer_value(json_object_get(e, "count")) + 1));
        json_object_set_new(e, "size", json_integer(json_integer_value(json_object_get(e, "size")) +
                                                    json_integer_value(json_object_get(s, "size"))));
    }
    json_decref(segs);
    bool detail = vrv_api_flag(req, "simple") || vrv_api_flag(req, "full");
    if (detail) {
        vrv_http_resp_json(resp, 200, set);
        return;
    }
    json_t *a = json_array(); /* newest interval first, as Druid lists them */
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v) json_array_append_new(a, json_string(k));
    json_decref(set);
    size_t cnt = json_array_size(a);
    for (size_t x = 1; x < cnt; x++)
        for (size_t y = x; y > 0 && strcmp(json_string_value(json_array_get(a, y - 1)),
                                           json_string_value(json_array_get(a, y))) < 0;
             y--) {
            json_t *t = json_incref(json_array_get(a, y));
            json_array_set(a, y, json_array_get(a, y - 1));
            json_array_set_new(a, y - 1, t);
        }
    vrv_http_resp_json(resp, 200, a);
}

/* ---- load status --------------------------------------------------------------- */

static void h_loadstatus(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_loadstatus_mode mode = vrv_api_flag(req, "full")     ? VRV_LOADSTATUS_FULL
                               : vrv_api_flag(req, "simple") ? VRV_LOADSTATUS_SIMPLE
                                                             : VRV_LOADSTATUS_PERCENT;
    vrv_http_resp_json(resp, 200, vrv_coord_loadstatus(n->coord, NULL, NULL, mode));
}

static void h_ds_loadstatus(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *ds = vrv_http_req_param(req, "ds");
    const char *force = vrv_http_req_query(req, "forceMetadataRefresh");
    if (!force) {
        vrv_http_error(resp, 400, "Invalid request. forceMetadataRefresh must be specified");
        return;
    }
    vrv_interval iv, *ivp = NULL;
    const char *ivs = vrv_http_req_query(req, "interval");
    vrv_error err;
    if (ivs) {
        if (vrv_api_parse_url_interval(ivs, &iv, &err) < 0) {
            vrv_http_error(resp, 400, "interval: %s", err.msg);
            return;
        }
        ivp = &iv;
    }
    if (strcasecmp(force, "true") == 0) vrv_coord_wait_cycle(n->coord, 10000);
    vrv_loadstatus_mode mode = vrv_api_flag(req, "full")     ? VRV_LOADSTATUS_FULL
                               : vrv_api_flag(req, "simple") ? VRV_LOADSTATUS_SIMPLE
                                                             : VRV_LOADSTATUS_PERCENT;
    json_t *st = vrv_coord_loadstatus(n->coord, ds, ivp, mode);
    if (!st)
        vrv_http_resp_empty(resp, 204);
    else
        vrv_http_resp_json(resp, 200, st);
}

static void h_handoff(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *ds = vrv_http_req_param(req, "ds");
    const char *ivs = vrv_http_req_query(req, "interval");
    const char *part = vrv_http_req_query(req, "partitionNumber");
    const char *ver = vrv_http_req_query(req, "version");
    vrv_interval iv;
    vrv_error err;
    if (!ivs || !part || !ver) {
        vrv_http_error(resp, 400, "interval, partitionNumber and version are required");
        return;
    }
    if (vrv_api_parse_url_interval(ivs, &iv, &err) < 0) {
        vrv_http_error(resp, 400, "interval: %s", err.msg);
        return;
    }
    char *end;
    long p = strtol(part, &end, 10);
    if (*end || p < 0 || p > INT32_MAX) {
        vrv_http_error(resp, 400, "partitionNumber: [%s] is not a partition number", part);
        return;
    }
    bool done = vrv_coord_handoff_complete(n->coord, ds, iv, ver, (int32_t)p);
    vrv_http_resp_json(resp, 200, json_boolean(done));
}

static void h_historical_loadstatus(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    vrv_http_resp_json(resp, 200,
                       json_pack("{s:b}", "cacheInitialized", (int)vrv_coord_initialized(n->coord)));
}

static void h_historical_readiness(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_node *n = ctx;
    vrv_http_resp_empty(resp, vrv_coord_initialized(n->coord) ? 200 : 503);
}

/* ---- metadata view ---------------------------------------------------------------- */

static json_t *payload_json(const vrv_meta_segment *s)
{
    json_t *j = json_loads(s->payload, 0, NULL);
    if (j && !json_object_get(j, "identifier")) json_object_set_new(j, "identifier", json_string(s->id));
    return j ? j : json_null();
}

static int meta_segments(vrv_node *n, const char *ds, bool used, json_t **out, vrv_error *err)
{
    vrv_meta_segment_list l = {0};
    int rc = vrv_meta_segments_query(n->meta, ds, VRV_META_MIN_MS, VRV_META_MAX_MS, used, &l, err);
    if (rc < 0) return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < l.n; i++) json_array_append_new(a, payload_json(&l.v[i]));
    vrv_meta_segment_list_free(&l);
    *out = a;
    return 0;
}

static void h_meta_datasources(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_meta_str_list l = {0};
    vrv_error err;
    bool unused = vrv_api_flag(req, "includeUnused");
    if (vrv_meta_datasources(n->meta, unused, &l, &err) < 0) {
        vrv_http_error(resp, 500, "%s", err.msg);
        return;
    }
    json_t *a = json_array();
    bool full = vrv_api_flag(req, "full");
    for (size_t i = 0; i < l.n; i++) {
        if (!full) {
            json_array_append_new(a, json_string(l.v[i]));
            continue;
        }
        json_t *segs = NULL;
        if (meta_segments(n, l.v[i], true, &segs, &err) == 0) {
            json_array_append_new(a, full_ds(l.v[i], segs));
            json_decref(segs);
        }
    }
    vrv_meta_str_list_free(&l);
    vrv_http_resp_json(resp, 200, a);
}

static void h_meta_datasource(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *ds = vrv_http_req_param(req, "ds");
    json_t *segs = NULL;
    vrv_error err;
    if (meta_segments(n, ds, true, &segs, &err) < 0) {
        vrv_http_error(resp, 500, "%s", err.msg);
        return;
    }
    if (json_array_size(segs) == 0) {
        json_decref(segs);
        vrv_http_error(resp, 404, "dataSource [%s] has no used segments", ds);
        return;
    }
    vrv_http_resp_json(resp, 200, full_ds(ds, segs));
    json_decref(segs);
}

static void h_meta_ds_segments(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    json_t *segs = NULL;
    vrv_error err;
    if (meta_segments(n, vrv_http_req_param(req, "ds"), true, &segs, &err) < 0) {
        vrv_http_error(resp, 500, "%s", err.msg);
        return;
    }
    if (vrv_api_flag(req, "full")) {
        vrv_http_resp_json(resp, 200, segs);
        return;
    }
    json_t *ids = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(segs, i, s) json_array_append(ids, json_object_get(s, "identifier"));
    json_decref(segs);
    vrv_http_resp_json(resp, 200, ids);
}

static void h_meta_ds_segment(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    const char *ds = vrv_http_req_param(req, "ds"), *id = vrv_http_req_param(req, "id");
    vrv_meta_segment s = {0};
    vrv_error err;
    int rc = vrv_meta_segment_get(n->meta, id, &s, &err);
    bool ok = rc == 0 && strcmp(s.data_source, ds) == 0 &&
              (s.used || vrv_api_flag(req, "includeUnused"));
    if (ok)
        vrv_http_resp_json(resp, 200, payload_json(&s));
    else if (rc < 0 && rc != VRV_ENOTFOUND)
        vrv_http_error(resp, 500, "%s", err.msg);
    else
        vrv_http_error(resp, 404, "Segment [%s] of dataSource [%s] not found", id, ds);
    vrv_meta_segment_clear(&s);
}

static void h_meta_segments(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    vrv_node *n = ctx;
    vrv_error err;
    vrv_meta_str_list all = {0};
    if (vrv_meta_datasources(n->meta, false, &all, &err) < 0) {
        vrv_http_error(resp, 500, "%s", err.msg);
        return;
    }
    const char *only = vrv_http_req_query(req, "datasources");
    bool with_status = vrv_http_req_query(req, "includeOvershadowedStatus") != NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < all.n; i++) {
        if (only && strcmp(only, all.v[i]) != 0) continue;
        vrv_meta_segment_list l = {0};
        if (vrv_meta_segments_query(n->meta, all.v[i], VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l,
                                    &err) < 0)
            continue;
        vrv_timeline *tl = vrv_timeline_new();
        for (size_t k = 0; k < l.n; k++)
            vrv_timeline_add(tl, vrv_interval_make(l.v[k].start_ms, l.v[k].end_ms), l.v[k].version,
                             l.v[k].partition_num, l.v[k].core_partitions, NULL);
        for (size_t k = 0; k < l.n; k++) {
            json_t *seg = payload_json(&l.v[k]);
            if (!with_status) {
                json_array_append_new(out, seg);
                continue;
            }
            bool over = vrv_timeline_is_overshadowed(
                tl, vrv_interval_make(l.v[k].start_ms, l.v[k].end_ms), l.v[k].version);
            json_array_append_new(out, json_pack("{s:o, s:b, s:i, s:b}", "dataSegment", seg,
                                                 "overshadowed", (int)over, "replicationFactor",
                                                 vrv_hist_has(n->hist, l.v[k].id) ? 1 : 0,
                                                 "realtime", 0));
        }
        vrv_timeline_free(tl);
        vrv_meta_segment_list_free(&l);
    }
    vrv_meta_str_list_free(&all);
    vrv_http_resp_json(resp, 200, out);
}

/* POST .../markUnused and .../markUsed with {"interval"} or {"segmentIds"}. */
static void mark(vrv_http_req *req, vrv_http_resp *resp, vrv_node *n, bool used)
{
    const char *ds = vrv_http_req_param(req, "ds");
    vrv_error err;
    json_t *body = vrv_http_req_json(req, &err);
    const json_t *ivj = json_object_get(body, "interval");
    const json_t *ids = json_object_get(body, "segmentIds");
    if (!json_is_object(body) || (!ivj == !ids) || (ivj && !json_is_string(ivj)) ||
        (ids && !json_is_array(ids))) {
        json_decref(body);
        vrv_http_error(resp, 400,
                       "Invalid request payload, either interval or segmentIds array must be "
                       "specified");
        return;
    }
    size_t changed = 0;
    int rc = 0;
    if (ivj) {
        vrv_interval iv;
        const char *s = json_string_value(ivj);
        rc = vrv_interval_parse(s, strlen(s), &iv, &err);
        if (rc == 0)
            rc = vrv_meta_segments_set_used_in_interval(n->meta, ds, iv.start, iv.end, used,
                                                        &changed, &err);
    } else {
        size_t k = json_array_size(ids);
        const char **v = vrv_calloc(k + 1, sizeof *v);
        size_t m = 0;
        for (size_t i = 0; i < k; i++) {
            const char *id = json_string_value(json_array_get(ids, i));
            vrv_segid sid;
            if (!id) continue;
            /* only segments of this data source */
            if (vrv_segid_parse(id, ds, &sid, NULL) == 0) {
                v[m++] = id;
                vrv_segid_clear(&sid);
            }
        }
        rc = vrv_meta_segments_set_used(n->meta, v, m, used, &changed, &err);
        free(v);
    }
    json_decref(body);
    if (rc < 0) {
        vrv_http_error(resp, err.code == VRV_EINVAL ? 400 : 500, "%s", err.msg);
        return;
    }
    vrv_coord_poke(n->coord);
    vrv_http_resp_json(resp, 200, json_pack("{s:I}", "numChangedSegments", (json_int_t)changed));
}

static void h_mark_unused(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    mark(req, resp, ctx, false);
}
static void h_mark_used(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    mark(req, resp, ctx, true);
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

int vrv_api_coordinator_routes(vrv_node *n, vrv_error *err)
{
    static const struct {
        const char *method, *pattern;
        vrv_http_handler h;
    } routes[] = {
        {"GET", "/druid/coordinator/v1/datasources", h_datasources},
        {"GET", "/druid/coordinator/v1/datasources/{ds}", h_datasource},
        {"GET", "/druid/coordinator/v1/datasources/{ds}/segments", h_ds_segments},
        {"GET", "/druid/coordinator/v1/datasources/{ds}/segments/{id}", h_ds_segment},
        {"GET", "/druid/coordinator/v1/datasources/{ds}/intervals", h_ds_intervals},
        {"GET", "/druid/coordinator/v1/datasources/{ds}/loadstatus", h_ds_loadstatus},
        {"GET", "/druid/coordinator/v1/datasources/{ds}/handoffComplete", h_handoff},
        {"POST", "/druid/coordinator/v1/datasources/{ds}/markUnused", h_mark_unused},
        {"POST", "/druid/coordinator/v1/datasources/{ds}/markUsed", h_mark_used},
        {"GET", "/druid/coordinator/v1/loadstatus", h_loadstatus},
        {"GET", "/druid/coordinator/v1/metadata/datasources", h_meta_datasources},
        {"GET", "/druid/coordinator/v1/metadata/datasources/{ds}", h_meta_datasource},
        {"GET", "/druid/coordinator/v1/metadata/datasources/{ds}/segments", h_meta_ds_segments},
        {"GET", "/druid/coordinator/v1/metadata/datasources/{ds}/segments/{id}", h_meta_ds_segment},
        {"GET", "/druid/coordinator/v1/metadata/segments", h_meta_segments},
        {"GET", "/druid/coordinator/v1/leader", h_leader},
        {"GET", "/druid/coordinator/v1/isLeader", h_is_leader},
        {"GET", "/druid/historical/v1/loadstatus", h_historical_loadstatus},
        {"GET", "/druid/historical/v1/readiness", h_historical_readiness},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(routes); i++) {
        int rc = vrv_http_route(n->http, routes[i].method, routes[i].pattern, routes[i].h, n, err);
        if (rc < 0) return rc;
    }
    return 0;
}
