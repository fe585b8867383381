/*
 * broker.c — native query fan-out and the data-server side of it (see
 * broker.h).
 */
#include "server/broker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/vec.h"
#include "json/jwriter.h"
#include "query/adapter.h"
#include "segment/segid.h"
#include "server/http_client.h"

#define MAX_TABLES 64
#define SEGMENT_METADATA_HISTORY_MS (7 * VRV_MS_PER_DAY) /* druid.query.segmentMetadata.defaultHistory */

typedef struct running {
    char *id;
    volatile bool cancelled;
} running;

struct vrv_broker {
    vrv_view *view;
    vrv_hist *hist;
    int64_t default_timeout_ms;
    const char *host; /* borrowed */
    pthread_mutex_t mu;
    VRV_VEC(running *) queries;
};

static vrv_ms now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vrv_query_watch_check(const vrv_query_watch *w, vrv_error *err)
{
    if (!w) return 0;
    if (w->cancelled && *w->cancelled) return vrv_error_set(err, VRV_ECANCELED, "Query cancelled");
    if (w->deadline != INT64_MAX && now_ms() >= w->deadline)
        return vrv_error_set(err, VRV_ETIMEOUT,
                             "Query did not complete within configured timeout period. You can "
                             "increase query timeout or tune the performance of query.");
    return 0;
}

vrv_broker *vrv_broker_new(vrv_view *view, vrv_hist *hist, int64_t default_timeout_ms,
                           const char *host)
{
    vrv_broker *b = vrv_calloc(1, sizeof *b);
    b->view = view;
    b->hist = hist;
    b->default_timeout_ms = default_timeout_ms > 0 ? default_timeout_ms : 300000;
    b->host = host;
    pthread_mutex_init(&b->mu, NULL);
    return b;
}

void vrv_broker_free(vrv_broker *b)
{
    if (!b) return;
    vrv_vec_free(&b->queries);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* A plan whose tables are read directly (a table or a union): each segment
 * can then be restricted to its visible part. Nested queries and joins read
 * all of a server's segments in one run. */
static bool plain_tables(const vrv_query *q)
{
    return q->ds && (q->ds->kind == VRV_DS_TABLE || q->ds->kind == VRV_DS_UNION);
}

/* ---- the in-process data server ---------------------------------------------------- */

/* The engine's interruption check over a watch (ctx, may be NULL). */
static int watch_fn(void *ctx, vrv_error *err)
{
    return vrv_query_watch_check(ctx, err);
}

/* Runs q over the segments whose ids are given, all visible over `visible`
 * (NULL: no restriction), and folds the result into acc. The watch (may be
 * NULL) interrupts the run between segments and within long ones. */
static int run_group(vrv_hist *h, vrv_query *q, const vrv_view_pick *picks, const size_t *idx,
                     size_t n, const vrv_interval *visible, const vrv_query_watch *w,
                     vrv_query_partial *acc, vrv_error *err)
{
    vrv_hist_seg **segs = vrv_calloc(n ? n : 1, sizeof *segs);
    vrv_adapter **ad = vrv_calloc(n ? n : 1, sizeof *ad);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        vrv_hist_seg *s = vrv_hist_acquire(h, picks[idx[i]].segment_id);
        if (!s) continue; /* dropped meanwhile: as Druid, the segment is just missing */
        segs[k] = s;
        ad[k] = vrv_adapter_segment(s->segment, s->id);
        k++;
    }
    int rc = 0;
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
    if (k > 0 && q->nintervals > 0) {
        vrv_query_partial *part = NULL;
        vrv_query_check chk = {watch_fn, (void *)w};
        rc = vrv_query_run_checked(q, ad, k, w ? &chk : NULL, &part, err);
        if (rc == 0) rc = vrv_query_merge(acc, part, err);
    }
    q->intervals = saved;
    q->nintervals = nsaved;
    free(clip);
    for (size_t i = 0; i < k; i++) {
        vrv_adapter_free(ad[i]);
        vrv_hist_release(h, segs[i]);
    }
    free(ad);
    free(segs);
    return rc;
}

static int local_run(vrv_dataserver *s, vrv_query *q, const json_t *text, const vrv_view_pick *picks,
                     size_t n, const vrv_query_watch *w, vrv_query_partial **out, vrv_error *err)
{
    (void)text;
    vrv_hist *h = s->impl;
    *out = vrv_query_partial_new(q);
    size_t *idx = vrv_malloc((n ? n : 1) * sizeof *idx);
    int rc = 0;
    /* Segments wholly visible run together; each partly hidden one alone,
     * restricted to what stays visible. */
    size_t whole = 0;
    bool clip = plain_tables(q);
    for (size_t i = 0; i < n; i++)
        if (!clip || (picks[i].visible.start <= picks[i].interval.start &&
                      picks[i].visible.end >= picks[i].interval.end))
            idx[whole++] = i;
    if (whole) rc = run_group(h, q, picks, idx, whole, NULL, w, *out, err);
    for (size_t i = 0; rc == 0 && clip && i < n; i++) {
        if (picks[i].visible.start <= picks[i].interval.start &&
            picks[i].visible.end >= picks[i].interval.end)
            continue;
        if ((rc = vrv_query_watch_check(w, err)) < 0) break;
        size_t one = i;
        rc = run_group(h, q, picks, &one, 1, &picks[i].visible, w, *out, err);
    }
    if (rc == 0) rc = vrv_query_watch_check(w, err);
    free(idx);
    if (rc < 0) {
        vrv_query_partial_free(*out);
        *out = NULL;
    }
    return rc;
}

const vrv_dataserver_ops vrv_broker_local_ops = {local_run};

/* ---- a data server over HTTP ----------------------------------------------------------- */

static json_t *descriptors(const vrv_view_pick *picks, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        vrv_buf iv = VRV_BUF_INIT;
        vrv_interval_append(&iv, picks[i].visible);
        json_array_append_new(a, json_pack("{s:s, s:s, s:i}", "itvl", iv.data, "ver",
                                           picks[i].version, "part", (int)picks[i].partition_num));
        vrv_buf_free(&iv);
    }
    return json_pack("{s:s, s:o}", "type", "segments", "segments", a);
}

static int http_run(vrv_dataserver *s, vrv_query *q, const json_t *text, const vrv_view_pick *picks,
                    size_t n, const vrv_query_watch *w, vrv_query_partial **out, vrv_error *err)
{
    *out = NULL;
    json_t *body = json_deep_copy(text);
    json_object_set_new(body, "intervals", descriptors(picks, n));
    char *payload = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    vrv_buf url = VRV_BUF_INIT;
    vrv_buf_printf(&url, "%s/druid/v2", (const char *)s->impl);
    long timeout = w && w->deadline != INT64_MAX ? (long)(w->deadline - now_ms()) : 0;
    if (w && w->deadline != INT64_MAX && timeout <= 0) timeout = 1;
    vrv_http_client *c = vrv_http_client_new(NULL);
    vrv_http_result res = {0};
    int rc = vrv_http_client_request(c, "POST", url.data, "application/json", payload,
                                     strlen(payload), timeout, &res, err);
    if (rc == VRV_ETIMEOUT) rc = vrv_query_watch_check(w, err) < 0 ? err->code : rc;
    if (rc == 0 && res.status != 200)
        rc = vrv_error_set(err, VRV_EIO, "data server %s answered HTTP %ld: %s", s->name,
                           res.status, res.body.data ? res.body.data : "");
    if (rc == 0)
        rc = vrv_query_partial_from_json(q, res.body.data ? res.body.data : "", res.body.len, out,
                                         err);
    vrv_http_result_free(&res);
    vrv_http_client_free(c);
    vrv_buf_free(&url);
    free(payload);
    return rc;
}

const vrv_dataserver_ops vrv_broker_http_ops = {http_run};

/* ---- running queries ---------------------------------------------------------------------- */

static void random_uuid(char out[37])
{
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (size_t i = 0; i < sizeof r; i++) r[i] = (unsigned char)(rand() ^ now_ms());
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* IETF variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
             r[13], r[14], r[15]);
}

static running *register_query(vrv_broker *b, const char *id)
{
    running *r = vrv_calloc(1, sizeof *r);
    r->id = vrv_strdup(id);
    pthread_mutex_lock(&b->mu);
    vrv_vec_push(&b->queries, r);
    pthread_mutex_unlock(&b->mu);
    return r;
}

static void unregister_query(vrv_broker *b, running *r)
{
    pthread_mutex_lock(&b->mu);
    for (size_t i = 0; i < b->queries.n; i++)
        if (b->queries.v[i] == r) {
            b->queries.v[i] = b->queries.v[--b->queries.n];
            break;
        }
    pthread_mutex_unlock(&b->mu);
    free(r->id);
    free(r);
}

bool vrv_broker_cancel(vrv_broker *b, const char *query_id)
{
    bool found = false;
    pthread_mutex_lock(&b->mu);
    for (size_t i = 0; i < b->queries.n; i++)
        if (strcmp(b->queries.v[i]->id, query_id) == 0) {
            b->queries.v[i]->cancelled = true;
            found = true;
        }
    pthread_mutex_unlock(&b->mu);
    return found;
}

/* ---- POST /druid/v2 -------------------------------------------------------------------------- */

/* Errors of a query being planned or run, in Druid's shapes (11.2, 11.3). */
static void run_error(vrv_broker *b, vrv_http_resp *resp, const vrv_error *err)
{
    switch (err->code) {
    case VRV_ETIMEOUT:
        vrv_http_error_wrapped_legacy(resp, "Query timeout", err->msg,
                                      "org.apache.druid.query.QueryTimeoutException", b->host);
        break;
    case VRV_ECANCELED:
        vrv_http_error_wrapped_legacy(resp, "Query cancelled", NULL,
                                      "org.apache.druid.query.QueryInterruptedException", b->host);
        break;
    case VRV_ELIMIT:
    case VRV_ENOMEM:
        vrv_http_error_wrapped_legacy(resp, "Resource limit exceeded", err->msg,
                                      "org.apache.druid.query.ResourceLimitExceededException",
                                      b->host);
        break;
    default: vrv_http_error_from(resp, err, b->host); break;
    }
}

/* The time a query may run: its context timeout, else the server default. */
static vrv_ms deadline_of(vrv_broker *b, const vrv_query *q, vrv_ms start)
{
    int64_t t = q->ctx.timeout > 0 ? q->ctx.timeout : b->default_timeout_ms;
    return t > 0 ? start + t : INT64_MAX;
}

/* A data server's request: run the listed segments of this node. */
static void serve_segments(vrv_broker *b, json_t *body, const json_t *segs, vrv_http_resp *resp)
{
    json_t *descs = json_object_get(segs, "segments");
    if (!json_is_array(descs)) {
        vrv_http_error_legacy(resp, "Json parse failed",
                              "Invalid native query: intervals.segments: must be an array",
                              "com.fasterxml.jackson.databind.exc.ValueInstantiationException", NULL);
        return;
    }
    /* The plan's intervals are the descriptors' intervals. */
    json_t *ivs = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(descs, i, d) json_array_append(ivs, json_object_get(d, "itvl"));
    json_object_set_new(body, "intervals", ivs);
    vrv_query *q = NULL;
    vrv_query_error qerr = {0};
    if (vrv_query_parse_json(body, &q, &qerr) < 0) {
        vrv_buf out = VRV_BUF_INIT;
        int status = vrv_query_error_body(&qerr, NULL, &out);
        vrv_http_resp_raw(resp, status, "application/json", out.data, out.len);
        vrv_buf_free(&out);
        return;
    }
    const char *tables[MAX_TABLES];
    size_t nt = vrv_query_tables(q, tables, MAX_TABLES);
    VRV_VEC(vrv_view_pick) picks = {0};
    json_array_foreach(descs, i, d)
    {
        const char *itvl = json_string_value(json_object_get(d, "itvl"));
        const char *ver = json_string_value(json_object_get(d, "ver"));
        json_t *part = json_object_get(d, "part");
        vrv_interval vis;
        if (!itvl || !ver || !json_is_integer(part) ||
            vrv_interval_parse(itvl, strlen(itvl), &vis, NULL) < 0)
            continue;
        for (size_t t = 0; t < nt && t < MAX_TABLES; t++) {
            /* the descriptor names a part of a segment: find the segment holding it */
            char **ids;
            size_t nids;
            ids = vrv_hist_list(b->hist, &nids);
            for (size_t k = 0; k < nids; k++) {
                vrv_segid sid;
                if (vrv_segid_parse(ids[k], tables[t], &sid, NULL) == 0) {
                    if (strcmp(sid.version, ver) == 0 && sid.partition_num == json_integer_value(part) &&
                        vrv_interval_encloses(sid.interval, vis)) {
                        vrv_view_pick p = {vrv_strdup(ids[k]), vrv_strdup(tables[t]), sid.interval,
                                           vis, vrv_strdup(sid.version), sid.partition_num, NULL};
                        vrv_vec_push(&picks, p);
                    }
                    vrv_segid_clear(&sid);
                }
                free(ids[k]);
            }
            free(ids);
        }
    }
    vrv_dataserver self = {b->host, VRV_SERVER_HISTORICAL, 0, &vrv_broker_local_ops, b->hist};
    vrv_query_watch w = {deadline_of(b, q, now_ms()), NULL};
    vrv_query_partial *p = NULL;
    vrv_error err;
    if (local_run(&self, q, body, picks.v, picks.n, &w, &p, &err) < 0) {
        run_error(b, resp, &err);
    } else {
        vrv_buf out = VRV_BUF_INIT;
        vrv_query_partial_to_json(p, &out);
        vrv_http_resp_raw(resp, 200, "application/json", out.data ? out.data : "", out.len);
        vrv_buf_free(&out);
        vrv_query_partial_free(p);
    }
    vrv_view_picks_free(picks.v, picks.n);
    vrv_query_free(q);
}

/* Selects the segments of every table of the plan. Plain plans look at the
 * query intervals; nested queries and joins at all time, their inner
 * intervals being the engine's to apply. */
static size_t select_picks(vrv_broker *b, const vrv_query *q, vrv_view_pick **out)
{
    const char *tables[MAX_TABLES];
    size_t nt = vrv_query_tables(q, tables, MAX_TABLES);
    if (nt > MAX_TABLES) nt = MAX_TABLES;
    vrv_interval all = vrv_interval_eternity();
    const vrv_interval *ivs = plain_tables(q) ? q->intervals : &all;
    size_t nivs = plain_tables(q) ? q->nintervals : 1;
    VRV_VEC(vrv_view_pick) acc = {0};
    for (size_t t = 0; t < nt; t++) {
        vrv_view_pick *p;
        size_t n = vrv_view_select(b->view, tables[t], ivs, nivs, &p);
        for (size_t i = 0; i < n; i++) vrv_vec_push(&acc, p[i]);
        free(p); /* the elements moved into acc */
    }
    if (q->type == VRV_Q_SEGMENT_METADATA && !q->intervals_given && acc.n > 1) {
        /* Druid's SegmentMetadataQueryQueryToolChest.filterSegments: without
         * intervals only the segments overlapping the defaultHistory (P1W)
         * before the end of the latest-starting one are analysed */
        size_t last = 0;
        for (size_t i = 1; i < acc.n; i++) {
            vrv_interval a = acc.v[i].visible, m = acc.v[last].visible;
            if (a.start > m.start || (a.start == m.start && a.end > m.end)) last = i;
        }
        vrv_ms end = acc.v[last].visible.end;
        vrv_ms start = end - SEGMENT_METADATA_HISTORY_MS;
        size_t w = 0;
        for (size_t i = 0; i < acc.n; i++) {
            vrv_interval v = acc.v[i].visible;
            if (v.start < end && start < v.end) acc.v[w++] = acc.v[i];
            else {
                free(acc.v[i].segment_id);
                free(acc.v[i].data_source);
                free(acc.v[i].version);
            }
        }
        acc.n = w;
    }
    *out = acc.v;
    return acc.n;
}

/* Runs q over the servers holding its segments and appends the rendered
 * result to out. */
static int execute(vrv_broker *b, vrv_query *q, const json_t *body, unsigned flags,
                   const vrv_query_watch *w, vrv_buf *out, vrv_error *err)
{
    vrv_view_pick *picks = NULL;
    size_t n = select_picks(b, q, &picks);
    vrv_query_partial *acc = NULL;
    int rc = 0;
    if (n == 0 && !plain_tables(q))
    {
        vrv_query_check chk = {watch_fn, (void *)w}; /* inline data, or nothing served */
        rc = vrv_query_run_checked(q, NULL, 0, &chk, &acc, err);
    }
    else
        acc = vrv_query_partial_new(q);
    /* One call per server, with all the segments it was picked for. */
    bool *done = vrv_calloc(n ? n : 1, sizeof *done);
    vrv_view_pick *group = vrv_malloc((n ? n : 1) * sizeof *group);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (done[i]) continue;
        vrv_dataserver *s = picks[i].server;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            if (!done[j] && picks[j].server == s) {
                group[k++] = picks[j];
                done[j] = true;
            }
        if (!s || !s->ops) continue;
        if ((rc = vrv_query_watch_check(w, err)) < 0) break;
        vrv_query_partial *part = NULL;
        rc = s->ops->run(s, q, body, group, k, w, &part, err);
        if (rc == 0) rc = vrv_query_merge(acc, part, err);
    }
    free(group);
    free(done);
    vrv_view_picks_free(picks, n);
    if (rc == 0) rc = vrv_query_watch_check(w, err);
    if (rc == 0) rc = vrv_query_render(q, acc, flags, out, err);
    vrv_query_partial_free(acc);
    return rc;
}

static void answer(vrv_broker *b, vrv_query *q, json_t *body, bool pretty, vrv_query_watch *w,
                   vrv_http_resp *resp)
{
    vrv_buf out = VRV_BUF_INIT;
    vrv_error err;
    int rc = execute(b, q, body, pretty ? VRV_JW_PRETTY : 0, w, &out, &err);
    if (rc == 0) vrv_http_resp_raw(resp, 200, "application/json", out.data, out.len);
    else run_error(b, resp, &err);
    vrv_buf_free(&out);
}

int vrv_broker_run(vrv_broker *b, const json_t *query, vrv_buf *out, vrv_error *err)
{
    vrv_ms start = now_ms();
    vrv_query *q = NULL;
    vrv_query_error qerr = {0};
    if (vrv_query_parse_json(query, &q, &qerr) < 0) {
        *err = qerr.err;
        if (err->code >= 0) err->code = VRV_EINVAL;
        return err->code;
    }
    char id[64];
    if (q->ctx.query_id)
        snprintf(id, sizeof id, "%s", q->ctx.query_id);
    else
        random_uuid(id);
    running *r = register_query(b, id);
    vrv_query_watch w = {deadline_of(b, q, start), &r->cancelled};
    int rc = execute(b, q, query, 0, &w, out, err);
    unregister_query(b, r);
    vrv_query_free(q);
    return rc;
}

void vrv_broker_handle(vrv_broker *b, vrv_http_req *req, vrv_http_resp *resp)
{
    vrv_ms start = now_ms();
    const char *ct = vrv_http_req_header(req, "Content-Type");
    if (ct && strcasestr(ct, "smile")) {
        vrv_http_error(resp, 415, "Unsupported Media Type: %s; send application/json", ct);
        return;
    }
    size_t len;
    const char *text = vrv_http_req_body(req, &len);
    bool pretty = vrv_http_req_query(req, "pretty") != NULL;
    json_error_t je;
    json_t *body = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    const json_t *segs = json_object_get(body, "intervals");
    if (json_is_object(segs) && json_is_string(json_object_get(segs, "type")) &&
        strcmp(json_string_value(json_object_get(segs, "type")), "segments") == 0) {
        serve_segments(b, body, json_incref((json_t *)segs), resp);
        json_decref((json_t *)segs);
        json_decref(body);
        return;
    }
    vrv_query *q = NULL;
    vrv_query_error qerr = {0};
    if (vrv_query_parse(text, len, &q, &qerr) < 0) {
        vrv_buf out = VRV_BUF_INIT;
        int status = vrv_query_error_body(&qerr, qerr.cls == VRV_QERR_UNKNOWN_TYPE
                                                     ? vrv_http_req_remote(req)
                                                     : NULL,
                                          &out);
        vrv_http_resp_raw(resp, status, "application/json", out.data, out.len);
        vrv_buf_free(&out);
        json_decref(body);
        return;
    }
    char id[64];
    if (q->ctx.query_id)
        snprintf(id, sizeof id, "%s", q->ctx.query_id);
    else
        random_uuid(id);
    running *r = register_query(b, id);
    vrv_query_watch w = {deadline_of(b, q, start), &r->cancelled};
    answer(b, q, body, pretty, &w, resp);
    vrv_http_resp_header(resp, "X-Druid-Query-Id", id);
    unregister_query(b, r);
    vrv_query_free(q);
    json_decref(body);
}
