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
#include "server/segserve.h"

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

/* A plan whose tables are read directly (a table or a union). Nested
 * queries and joins read all of a server's segments in one run. */
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

static int local_run(vrv_dataserver *s, vrv_query *q, const json_t *text,
                     const vrv_view_pick *picks, size_t n, const vrv_query_watch *w,
                     vrv_query_partial **out, bool *missing, vrv_error *err)
{
    (void)text;
    vrv_hist *h = s->impl;
    *out = vrv_query_partial_new(q);
    vrv_hist_seg **segs = vrv_calloc(n ? n : 1, sizeof *segs);
    vrv_adapter **ad = vrv_calloc(n ? n : 1, sizeof *ad);
    vrv_segserve_target *t = vrv_calloc(n ? n : 1, sizeof *t);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        vrv_hist_seg *hs = vrv_hist_acquire(h, picks[i].segment_id);
        if (!hs) { /* dropped meanwhile: the broker asks whoever has it now */
            missing[i] = true;
            continue;
        }
        segs[k] = hs;
        ad[k] = vrv_adapter_segment(hs->segment, hs->id);
        t[k] = (vrv_segserve_target){&ad[k], 1, picks[i].interval, picks[i].visible};
        k++;
    }
    vrv_query_check chk = {watch_fn, (void *)w};
    int rc = vrv_segserve_run(q, t, k, w ? &chk : NULL, *out, err);
    if (rc == 0) rc = vrv_query_watch_check(w, err);
    for (size_t i = 0; i < k; i++) {
        vrv_adapter_free(ad[i]);
        vrv_hist_release(h, segs[i]);
    }
    free(t);
    free(ad);
    free(segs);
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
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a, vrv_segdesc_json(picks[i].visible, picks[i].version, picks[i].partition_num));
    return json_pack("{s:s, s:o}", "type", "segments", "segments", a);
}

static int http_run(vrv_dataserver *s, vrv_query *q, const json_t *text, const vrv_view_pick *picks,
                    size_t n, const vrv_query_watch *w, vrv_query_partial **out, bool *missing,
                    vrv_error *err)
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
    if (rc == VRV_EIO) /* refused, reset: the server is gone or restarting */
        rc = vrv_error_set(err, VRV_EAGAIN, "data server %s could not be reached: %s", s->name,
                           err->msg);
    if (rc == 0 && res.status != 200)
        rc = vrv_error_set(err, VRV_EIO, "data server %s answered HTTP %ld: %s", s->name,
                           res.status, res.body.data ? res.body.data : "");
    if (rc == 0)
        rc = vrv_query_partial_from_json(q, res.body.data ? res.body.data : "", res.body.len, out,
                                         err);
    if (rc == 0) {
        char *ctx = vrv_http_result_header(&res, VRV_SEGSERVE_CONTEXT_HEADER);
        vrv_segdesc *gone = NULL;
        size_t ngone = vrv_segserve_missing_parse(ctx, &gone);
        for (size_t k = 0; k < ngone; k++)
            for (size_t i = 0; i < n; i++)
                if (gone[k].part == picks[i].partition_num &&
                    strcmp(gone[k].version, picks[i].version) == 0 &&
                    gone[k].itvl.start == picks[i].visible.start &&
                    gone[k].itvl.end == picks[i].visible.end)
                    missing[i] = true;
        vrv_segdesc_free(gone, ngone);
        free(ctx);
    }
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

/* A data server's request: run the listed segments of this node; the
 * descriptors it holds no segment for are answered missing. */
static void serve_segments(vrv_broker *b, const json_t *body, vrv_http_resp *resp)
{
    vrv_segserve_req r;
    if (vrv_segserve_parse(body, &r, resp) < 0) return;
    const char *tables[MAX_TABLES];
    size_t nt = vrv_query_tables(r.q, tables, MAX_TABLES);
    if (nt > MAX_TABLES) nt = MAX_TABLES;
    size_t nids;
    char **ids = vrv_hist_list(b->hist, &nids);
    VRV_VEC(vrv_view_pick) picks = {0};
    VRV_VEC(size_t) from = {0}; /* the descriptor of each pick */
    for (size_t i = 0; i < r.n; i++) {
        for (size_t t = 0; t < nt; t++) {
            /* the descriptor names a part of a segment: find the segment holding it */
            for (size_t k = 0; k < nids; k++) {
                vrv_segid sid;
                if (vrv_segid_parse(ids[k], tables[t], &sid, NULL) < 0) continue;
                if (vrv_segdesc_matches(&r.descs[i], sid.interval, sid.version,
                                        sid.partition_num)) {
                    vrv_view_pick p = {vrv_strdup(ids[k]),  vrv_strdup(tables[t]),
                                       sid.interval,        r.descs[i].itvl,
                                       vrv_strdup(sid.version), sid.partition_num, NULL};
                    vrv_vec_push(&picks, p);
                    vrv_vec_push(&from, i);
                }
                vrv_segid_clear(&sid);
            }
        }
    }
    for (size_t k = 0; k < nids; k++) free(ids[k]);
    free(ids);
    bool *found = vrv_calloc(r.n ? r.n : 1, sizeof *found);
    bool *missing = vrv_calloc(picks.n ? picks.n : 1, sizeof *missing);
    vrv_dataserver self = {b->host, VRV_SERVER_HISTORICAL, 0, &vrv_broker_local_ops, b->hist};
    vrv_query_watch w = {deadline_of(b, r.q, now_ms()), NULL};
    vrv_query_partial *p = NULL;
    vrv_error err;
    if (local_run(&self, r.q, body, picks.v, picks.n, &w, &p, missing, &err) < 0) {
        run_error(b, resp, &err);
    } else {
        for (size_t k = 0; k < picks.n; k++)
            if (!missing[k]) found[from.v[k]] = true;
        const vrv_segdesc **gone = vrv_calloc(r.n ? r.n : 1, sizeof *gone);
        size_t ngone = 0;
        for (size_t i = 0; i < r.n; i++)
            if (!found[i]) gone[ngone++] = &r.descs[i];
        vrv_segserve_answer(resp, p, gone, ngone);
        free(gone);
        vrv_query_partial_free(p);
    }
    free(missing);
    free(found);
    vrv_vec_free(&from);
    vrv_view_picks_free(picks.v, picks.n);
    vrv_segserve_req_free(&r);
}

static vrv_view_pick pick_copy(const vrv_view_pick *p)
{
    vrv_view_pick c = *p;
    c.segment_id = vrv_strdup(p->segment_id);
    c.data_source = vrv_strdup(p->data_source);
    c.version = vrv_strdup(p->version);
    vrv_dataserver_ref(c.server);
    return c;
}

static void pick_clear(vrv_view_pick *p)
{
    free(p->segment_id);
    free(p->data_source);
    free(p->version);
    vrv_dataserver_unref(p->server);
    memset(p, 0, sizeof *p);
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
            if (v.start < end && start < v.end)
                acc.v[w++] = acc.v[i];
            else
                pick_clear(&acc.v[i]);
        }
        acc.n = w;
    }
    *out = acc.v;
    return acc.n;
}

/* Why a segment must be asked again. */
typedef enum { RETRY_MISSING, RETRY_UNREACHABLE } retry_why;

typedef VRV_VEC(vrv_view_pick) pick_vec;

/* Java's List<SegmentDescriptor>.toString of the picks, for Druid's message. */
static void descriptors_string(vrv_buf *b, const vrv_view_pick *p, size_t n)
{
    vrv_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        vrv_buf_puts(b, i ? ", SegmentDescriptor{interval=" : "SegmentDescriptor{interval=");
        vrv_interval_append(b, p[i].visible);
        vrv_buf_printf(b, ", version='%s', partitionNumber=%d}", p[i].version,
                       (int)p[i].partition_num);
    }
    vrv_buf_putc(b, ']');
}

/* Sleeps ms, or less when the deadline comes first. */
static void pause_ms(const vrv_query_watch *w, int64_t ms)
{
    if (w && w->deadline != INT64_MAX) ms = VRV_MIN(ms, w->deadline - now_ms());
    if (ms <= 0) return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs q over picks[0..n) (borrowed) into acc: one call per server, with
 * all the segments it was picked for. What a server did not answer — the
 * segments it no longer holds, or all of them when it could not be reached
 * — is asked again of the server the view prefers now (broker.h). A
 * server's answer is merged only when the call succeeded, so each segment
 * is counted once. */
static int fan_out(vrv_broker *b, vrv_query *q, const json_t *body, const vrv_view_pick *picks,
                   size_t n, const vrv_query_watch *w, vrv_query_partial *acc, vrv_error *err)
{
    const json_t *ctx = json_object_get(body, "context");
    const json_t *jr = json_object_get(ctx, "numRetriesOnMissingSegments");
    json_int_t max_retries = json_is_integer(jr) && json_integer_value(jr) >= 0
                                 ? json_integer_value(jr)
                                 : 1; /* druid.broker.retryPolicy.numTries */
    bool partial_ok = json_is_true(json_object_get(ctx, "returnPartialResults"));
    pick_vec todo = {0};
    for (size_t i = 0; i < n; i++) vrv_vec_push(&todo, pick_copy(&picks[i]));
    int rc = 0, retries = 0;
    vrv_ms unreachable_since = 0;
    vrv_error unreachable = {0};
    while (rc == 0 && todo.n > 0) {
        pick_vec again = {0};
        VRV_VEC(vrv_dataserver *) failed = {0}; /* who failed each of again */
        VRV_VEC(retry_why) why = {0};
        bool *done = vrv_calloc(todo.n, sizeof *done);
        bool *missing = vrv_calloc(todo.n, sizeof *missing);
        vrv_view_pick *group = vrv_malloc(todo.n * sizeof *group);
        for (size_t i = 0; rc == 0 && i < todo.n; i++) {
            if (done[i]) continue;
            vrv_dataserver *s = todo.v[i].server;
            size_t k = 0;
            for (size_t j = i; j < todo.n; j++)
                if (!done[j] && todo.v[j].server == s) {
                    group[k++] = todo.v[j];
                    done[j] = true;
                }
            if (!s || !s->ops) continue;
            if ((rc = vrv_query_watch_check(w, err)) < 0) break;
            memset(missing, 0, k * sizeof *missing);
            vrv_query_partial *part = NULL;
            rc = s->ops->run(s, q, body, group, k, w, &part, missing, err);
            if (rc == 0) rc = vrv_query_merge(acc, part, err);
            bool gone = rc == VRV_EAGAIN;
            if (gone) {
                unreachable = *err;
                vrv_error_clear(err);
                rc = 0;
            }
            for (size_t j = 0; rc == 0 && j < k; j++)
                if (gone || missing[j]) {
                    vrv_vec_push(&again, pick_copy(&group[j]));
                    vrv_vec_push(&failed, s);
                    vrv_vec_push(&why, gone ? RETRY_UNREACHABLE : RETRY_MISSING);
                }
        }
        free(group);
        free(missing);
        free(done);
        bool any_missing = false, any_gone = false;
        for (size_t i = 0; i < again.n; i++) {
            any_missing |= why.v[i] == RETRY_MISSING;
            any_gone |= why.v[i] == RETRY_UNREACHABLE;
        }
        if (rc == 0 && any_missing && retries++ >= max_retries) {
            /* Druid's RetryQueryRunner gives up on the segments still missing */
            pick_vec lost = {0};
            size_t k = 0;
            for (size_t i = 0; i < again.n; i++) {
                if (why.v[i] == RETRY_MISSING) {
                    vrv_vec_push(&lost, again.v[i]);
                    continue;
                }
                again.v[k] = again.v[i];
                failed.v[k] = failed.v[i];
                why.v[k] = why.v[i];
                k++;
            }
            again.n = failed.n = why.n = k;
            if (!partial_ok) {
                vrv_buf m = VRV_BUF_INIT;
                descriptors_string(&m, lost.v, lost.n);
                rc = vrv_error_set(err, VRV_EIO, "No results found for segments[%s]", m.data);
                vrv_buf_free(&m);
            }
            for (size_t i = 0; i < lost.n; i++) pick_clear(&lost.v[i]);
            vrv_vec_free(&lost);
        }
        if (rc == 0 && any_gone) {
            if (!unreachable_since) unreachable_since = now_ms();
            if (now_ms() - unreachable_since >= VRV_BROKER_UNREACHABLE_WAIT_MS)
                rc = vrv_error_set(err, VRV_EAGAIN, "%s", unreachable.msg);
        }
        /* Ask the view again: another server, or the same one once the view
         * had a moment to change; a segment that left it is not read. */
        bool same = false;
        for (size_t i = 0; rc == 0 && i < again.n; i++) {
            vrv_dataserver *s = vrv_view_repick(b->view, again.v[i].data_source,
                                                again.v[i].segment_id, failed.v[i]);
            same |= s == failed.v[i];
            vrv_dataserver_unref(again.v[i].server);
            again.v[i].server = s;
        }
        if (rc == 0 && same) {
            pause_ms(w, VRV_BROKER_RETRY_PAUSE_MS);
            rc = vrv_query_watch_check(w, err);
        }
        vrv_vec_free(&failed);
        vrv_vec_free(&why);
        for (size_t i = 0; i < todo.n; i++) pick_clear(&todo.v[i]);
        vrv_vec_free(&todo);
        todo = again;
    }
    for (size_t i = 0; i < todo.n; i++) pick_clear(&todo.v[i]);
    vrv_vec_free(&todo);
    return rc;
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
    if (rc == 0) rc = fan_out(b, q, body, picks, n, w, acc, err);
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
    if (vrv_segserve_is_request(body)) {
        serve_segments(b, body, resp);
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
