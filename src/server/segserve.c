/*
 * segserve.c — a data server's answer to the broker's per-segment request
 * (see segserve.h).
 */
#include "server/segserve.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/vec.h"

bool vrv_segserve_is_request(const json_t *body)
{
    const json_t *iv = json_object_get(body, "intervals");
    const char *type = json_string_value(json_object_get(iv, "type"));
    return json_is_object(iv) && type && strcmp(type, "segments") == 0;
}

/* A malformed request: Druid's answer to a query its constructor refuses. */
static int bad_request(vrv_http_resp *resp, const char *field, size_t i, const char *what)
{
    char msg[512];
    if (i == SIZE_MAX)
        snprintf(msg, sizeof msg, "Invalid native query: intervals.segments: %s", what);
    else
        snprintf(msg, sizeof msg, "Invalid native query: intervals.segments[%zu].%s: %s", i, field,
                 what);
    vrv_http_error_legacy(resp, "Json parse failed", msg,
                          "com.fasterxml.jackson.databind.exc.ValueInstantiationException", NULL);
    return VRV_EINVAL;
}

int vrv_segserve_parse(const json_t *body, vrv_segserve_req *out, vrv_http_resp *resp)
{
    memset(out, 0, sizeof *out);
    const json_t *descs = json_object_get(json_object_get(body, "intervals"), "segments");
    if (!json_is_array(descs)) return bad_request(resp, NULL, SIZE_MAX, "must be an array");
    size_t n = json_array_size(descs);
    out->descs = vrv_calloc(n ? n : 1, sizeof *out->descs);
    /* The plan's intervals are the descriptors' intervals. */
    json_t *ivs = json_array();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const json_t *d = json_array_get(descs, i);
        const char *itvl = json_string_value(json_object_get(d, "itvl"));
        const char *ver = json_string_value(json_object_get(d, "ver"));
        const json_t *part = json_object_get(d, "part");
        vrv_segdesc *sd = &out->descs[i];
        if (!itvl || vrv_interval_parse(itvl, strlen(itvl), &sd->itvl, NULL) < 0)
            rc = bad_request(resp, "itvl", i, "must be an ISO-8601 interval");
        else if (!ver || !*ver)
            rc = bad_request(resp, "ver", i, "must be a non-empty string");
        else if (!json_is_integer(part) || json_integer_value(part) < 0 ||
                 json_integer_value(part) > INT32_MAX)
            rc = bad_request(resp, "part", i, "must be a partition number");
        if (rc < 0) break;
        sd->version = vrv_strdup(ver);
        sd->part = (int32_t)json_integer_value(part);
        out->n = i + 1;
        json_array_append_new(ivs, json_string(itvl));
    }
    if (rc < 0) {
        json_decref(ivs);
        vrv_segserve_req_free(out);
        return rc;
    }
    json_t *plain = json_copy((json_t *)body);
    json_object_set_new(plain, "intervals", ivs);
    vrv_query_error qerr = {0};
    rc = vrv_query_parse_json(plain, &out->q, &qerr);
    json_decref(plain);
    if (rc < 0) {
        vrv_buf b = VRV_BUF_INIT;
        int status = vrv_query_error_body(&qerr, NULL, &b);
        vrv_http_resp_raw(resp, status, "application/json", b.data, b.len);
        vrv_buf_free(&b);
        vrv_segserve_req_free(out);
        return rc;
    }
    return 0;
}

void vrv_segserve_req_free(vrv_segserve_req *r)
{
    vrv_segdesc_free(r->descs, r->n);
    vrv_query_free(r->q);
    memset(r, 0, sizeof *r);
}

void vrv_segdesc_free(vrv_segdesc *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) free(d[i].version);
    free(d);
}

bool vrv_segdesc_matches(const vrv_segdesc *d, vrv_interval iv, const char *version, int32_t part)
{
    return d->part == part && strcmp(d->version, version) == 0 &&
           vrv_interval_encloses(iv, d->itvl);
}

/* A plan whose tables are read directly (a table or a union): a segment can
 * then be restricted to its visible part by clipping the plan's intervals. */
static bool plain_tables(const vrv_query *q)
{
    return q->ds && (q->ds->kind == VRV_DS_TABLE || q->ds->kind == VRV_DS_UNION);
}

static bool whole(const vrv_segserve_target *t)
{
    return t->visible.start <= t->interval.start && t->visible.end >= t->interval.end;
}

/* One run over ads with the plan's intervals clipped to visible (NULL: as
 * they are). */
static int run_one(vrv_query *q, vrv_adapter *const *ads, size_t n, const vrv_interval *visible,
                   const vrv_query_check *check, vrv_query_partial *acc, vrv_error *err)
{
    vrv_interval *saved = q->intervals;
    size_t nsaved = q->nintervals;
    vrv_interval *clip = NULL;
    if (visible) {
        clip = vrv_malloc((nsaved ? nsaved : 1) * sizeof *clip);
        size_t m = 0;
        for (size_t i = 0; i < nsaved; i++) {
            vrv_ms s = VRV_MAX(saved[i].start, visible->start);
            vrv_ms e = VRV_MIN(saved[i].end, visible->end);
            if (s < e) clip[m++] = vrv_interval_make(s, e);
        }
        q->intervals = clip;
        q->nintervals = m;
    }
    int rc = 0;
    if (n > 0 && q->nintervals > 0) {
        vrv_query_partial *part = NULL;
        rc = vrv_query_run_checked(q, ads, n, check, &part, err);
        if (rc == 0) rc = vrv_query_merge(acc, part, err);
    }
    q->intervals = saved;
    q->nintervals = nsaved;
    free(clip);
    return rc;
}

int vrv_segserve_run(vrv_query *q, const vrv_segserve_target *t, size_t n,
                     const vrv_query_check *check, vrv_query_partial *acc, vrv_error *err)
{
    bool clip = plain_tables(q);
    VRV_VEC(vrv_adapter *) all = {0};
    for (size_t i = 0; i < n; i++)
        if (!clip || whole(&t[i]))
            for (size_t k = 0; k < t[i].nads; k++) vrv_vec_push(&all, t[i].ads[k]);
    int rc = 0;
    if (all.n) rc = run_one(q, all.v, all.n, NULL, check, acc, err);
    vrv_vec_free(&all);
    for (size_t i = 0; rc == 0 && clip && i < n; i++) {
        if (whole(&t[i])) continue;
        if (check && (rc = check->fn(check->ctx, err)) < 0) break;
        rc = run_one(q, t[i].ads, t[i].nads, &t[i].visible, check, acc, err);
    }
    return rc;
}

json_t *vrv_segdesc_json(vrv_interval itvl, const char *version, int32_t part)
{
    vrv_buf iv = VRV_BUF_INIT;
    vrv_interval_append(&iv, itvl);
    json_t *o = json_pack("{s:s, s:s, s:i}", "itvl", iv.data, "ver", version, "part", (int)part);
    vrv_buf_free(&iv);
    return o;
}

void vrv_segserve_answer(vrv_http_resp *resp, const vrv_query_partial *p,
                         const vrv_segdesc *const *missing, size_t nmissing)
{
    vrv_buf out = VRV_BUF_INIT;
    vrv_query_partial_to_json(p, &out);
    vrv_http_resp_raw(resp, 200, "application/json", out.data ? out.data : "", out.len);
    vrv_buf_free(&out);
    if (nmissing == 0) return;
    json_t *a = json_array();
    for (size_t i = 0; i < nmissing; i++)
        json_array_append_new(
            a, vrv_segdesc_json(missing[i]->itvl, missing[i]->version, missing[i]->part));
    json_t *ctx = json_pack("{s:o}", "missingSegments", a);
    char *text = json_dumps(ctx, JSON_COMPACT);
    vrv_http_resp_header(resp, VRV_SEGSERVE_CONTEXT_HEADER, text);
    free(text);
    json_decref(ctx);
}

size_t vrv_segserve_missing_parse(const char *header, vrv_segdesc **out)
{
    *out = NULL;
    json_t *ctx = header ? json_loads(header, 0, NULL) : NULL;
    const json_t *a = json_object_get(ctx, "missingSegments");
    size_t n = json_array_size(a), k = 0;
    vrv_segdesc *d = n ? vrv_calloc(n, sizeof *d) : NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(a, i);
        const char *itvl = json_string_value(json_object_get(e, "itvl"));
        const char *ver = json_string_value(json_object_get(e, "ver"));
        const json_t *part = json_object_get(e, "part");
        if (!itvl || !ver || !json_is_integer(part) ||
            vrv_interval_parse(itvl, strlen(itvl), &d[k].itvl, NULL) < 0)
            continue;
        d[k].version = vrv_strdup(ver);
        d[k].part = (int32_t)json_integer_value(part);
        k++;
    }
    json_decref(ctx);
    if (k == 0) {
        free(d);
        d = NULL;
    }
    *out = d;
    return k;
}
