/*
 * broker.h — native queries across data servers (druid-query.md §1.1, §11).
 *
 * The broker parses a query once, asks the server view (view.h) which
 * segments of its tables are visible over its intervals and which server
 * holds each, sends every server the list of its segments, merges the
 * partial results the servers answer (not finalized: aggregator states
 * travel whole) and renders Druid's JSON. A data server runs the plan on each
 * segment restricted to the segment's visible part, so a segment partly
 * overshadowed by a newer version contributes only what remains visible.
 *
 * Data servers are reached through vrv_dataserver_ops: in-process for the
 * historical of this node (vrv_broker_local_ops), or over HTTP for any
 * server that answers POST /druid/v2 with a segment list
 * ({"intervals":{"type":"segments","segments":[{"itvl","ver","part"}]}}) by
 * a partial result (vrv_broker_http_ops) — which is also what this node
 * answers to such a request.
 *
 * A segment a server no longer holds (reported in its answer's
 * X-Druid-Response-Context, see segserve.h: a task handed it off, a
 * historical dropped it) is asked again of the server the view now prefers
 * for it, up to the context's numRetriesOnMissingSegments times (default
 * 1); still missing, the query fails with Druid's "No results found for
 * segments[...]" unless the context sets returnPartialResults. A server
 * that cannot be reached (a task killed or restarting) is given the time
 * the view needs to drop it (segments that left the view are no longer
 * part of the query) or to name another server of its segments — at most
 * VRV_BROKER_UNREACHABLE_WAIT_MS and never past the query's deadline —
 * after which the query fails with a 503 naming the server. Each segment's
 * rows are counted once: a server's answer is merged only whole, and only
 * the segments it did not answer are asked again.
 *
 * Running queries have an id (context queryId, or a generated UUID) and can
 * be cancelled by it; every query has a deadline (context timeout, else the
 * server default), checked between segments. Thread safe.
 */
#ifndef VRV_BROKER_H
#define VRV_BROKER_H

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "query/query.h"
#include "server/historical.h"
#include "server/http.h"
#include "server/view.h"

typedef struct vrv_broker vrv_broker;

/* How long the segments of a data server that cannot be reached wait for
 * the view to drop the server or to name another one for them (a killed
 * task leaves the view within a discovery period, server/realtime.h). */
#define VRV_BROKER_UNREACHABLE_WAIT_MS 3000
/* Pause before a segment is asked again, so the view can catch up. */
#define VRV_BROKER_RETRY_PAUSE_MS 20

/* What a query run may look at while it works: its deadline and whether it
 * was cancelled. */
typedef struct vrv_query_watch {
    vrv_ms deadline;          /* INT64_MAX: none */
    const volatile bool *cancelled;
} vrv_query_watch;

/* Returns 0 while the query may go on, VRV_ETIMEOUT or VRV_ECANCELED. */
int vrv_query_watch_check(const vrv_query_watch *w, vrv_error *err);

/* How the broker reaches one data server. */
typedef struct vrv_dataserver_ops {
    /* Runs q over picks[0..n) (all served by s) and returns the merged
     * partial in *out (a partial of q). text is the query's JSON as the
     * client sent it, for servers reached over HTTP. missing[0..n) (false
     * on entry) is set for the picks the server answered it does not hold:
     * the broker asks another server for those. A server that cannot be
     * reached fails with VRV_EAGAIN. */
    int (*run)(vrv_dataserver *s, vrv_query *q, const json_t *text, const vrv_view_pick *picks,
               size_t n, const vrv_query_watch *w, vrv_query_partial **out, bool *missing,
               vrv_error *err);
} vrv_dataserver_ops;

/* In-process: impl is the vrv_hist of this node. */
extern const vrv_dataserver_ops vrv_broker_local_ops;
/* Over HTTP: impl is the server's base URL ("http://127.0.0.1:8100"), a
 * string that must outlive the server entry. */
extern const vrv_dataserver_ops vrv_broker_http_ops;

/* view, hist are borrowed. default_timeout_ms applies when the query's
 * context has none; host ("host:port", borrowed: it may be filled in after
 * this call, before the first query) names this server in error bodies. */
vrv_broker *vrv_broker_new(vrv_view *view, vrv_hist *hist, int64_t default_timeout_ms,
                           const char *host);
void vrv_broker_free(vrv_broker *b);

/* Answers POST /druid/v2: a native query (errors in Druid's shapes, the
 * X-Druid-Query-Id header, ?pretty), or — when its intervals are a segment
 * list — a data server's request, run on this node's historical and
 * answered with the partial result. */
void vrv_broker_handle(vrv_broker *b, vrv_http_req *req, vrv_http_resp *resp);

/* Runs a native query (JSON, borrowed) to the end as POST /druid/v2 does
 * and appends Druid's result array to out — the entry point of the SQL
 * layer. The context's queryId (else a generated id) registers the query
 * for vrv_broker_cancel; its timeout applies. Returns 0, or a negative code
 * with err set: VRV_EINVAL for a query that does not parse (err names the
 * field), VRV_ETIMEOUT, VRV_ECANCELED, VRV_ELIMIT, ... as the run failed. */
int vrv_broker_run(vrv_broker *b, const json_t *query, vrv_buf *out, vrv_error *err);

/* Cancels a running query; false when no query has that id. */
bool vrv_broker_cancel(vrv_broker *b, const char *query_id);

#endif
