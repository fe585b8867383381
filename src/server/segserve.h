/*
 * segserve.h — the data-server side of the broker's fan-out (druid-query.md
 * §1.1): a POST /druid/v2 whose "intervals" is
 *
 *   {"type":"segments","segments":[{"itvl":"..","ver":"..","part":0}, ...]}
 *
 * — Druid's SegmentDescriptors, each naming the part `itvl` of one segment
 * (version, partition number) that the broker wants read. The server runs
 * the query over the segments it holds, each restricted to its descriptor's
 * interval, and answers the partial (not finalized) result. Descriptors of
 * segments it does not hold (any more) are listed in the response header
 * X-Druid-Response-Context as {"missingSegments":[...]}, Druid's response
 * context key, so that the broker asks another server for them — this is
 * how a query that raced a handoff or a drop still counts every row once.
 *
 * Two kinds of data server answer such requests: the historical of a node
 * (server/broker.c) and a streaming task over its real-time segments
 * (task/stream_task.c).
 */
#ifndef VRV_SEGSERVE_H
#define VRV_SEGSERVE_H

#include <jansson.h>

#include "base/error.h"
#include "base/time.h"
#include "query/adapter.h"
#include "query/query.h"
#include "server/http.h"

#define VRV_SEGSERVE_CONTEXT_HEADER "X-Druid-Response-Context"

/* One SegmentDescriptor. */
typedef struct vrv_segdesc {
    vrv_interval itvl; /* the part of the segment to read */
    char *version;     /* owned */
    int32_t part;
} vrv_segdesc;

/* A parsed request. */
typedef struct vrv_segserve_req {
    vrv_query *q;       /* the plan; its intervals are the descriptors' */
    vrv_segdesc *descs; /* owned */
    size_t n;
} vrv_segserve_req;

/* Whether a POST /druid/v2 body (borrowed) is a data server's request. */
bool vrv_segserve_is_request(const json_t *body);

/* Parses a data server's request (body borrowed). On failure returns a
 * negative code and fills resp with Druid's error body for it. */
int vrv_segserve_parse(const json_t *body, vrv_segserve_req *out, vrv_http_resp *resp);
void vrv_segserve_req_free(vrv_segserve_req *r);

/* Whether a held segment (interval, version, partition) is the one d
 * names: same version and partition, and its interval encloses d->itvl. */
bool vrv_segdesc_matches(const vrv_segdesc *d, vrv_interval iv, const char *version, int32_t part);

/* One segment to read: its adapters (borrowed; a real-time segment has
 * several: its in-memory rows and its spill files) and what to read of it. */
typedef struct vrv_segserve_target {
    vrv_adapter *const *ads;
    size_t nads;
    vrv_interval interval; /* the segment's whole interval */
    vrv_interval visible;  /* the part the query may read */
} vrv_segserve_target;

/* Runs q over the targets and folds the result into acc: wholly visible
 * segments in one run, each partly visible one alone with the plan's
 * intervals clipped to its visible part (for plans that read tables
 * directly; nested queries and joins read everything in one run). q's
 * intervals are changed during the call and restored. check may be NULL. */
int vrv_segserve_run(vrv_query *q, const vrv_segserve_target *t, size_t n,
                     const vrv_query_check *check, vrv_query_partial *acc, vrv_error *err);

/* Answers 200 with the partial's JSON; missing[0..nmissing) (borrowed) are
 * the descriptors not served, sent in X-Druid-Response-Context. */
void vrv_segserve_answer(vrv_http_resp *resp, const vrv_query_partial *p,
                         const vrv_segdesc *const *missing, size_t nmissing);

/* The descriptors an X-Druid-Response-Context value lists as missing
 * (*out malloc'd, free with vrv_segdesc_free; NULL and 0 when none or the
 * value is not such an object). */
size_t vrv_segserve_missing_parse(const char *header, vrv_segdesc **out);
void vrv_segdesc_free(vrv_segdesc *d, size_t n);

/* A descriptor's JSON {"itvl","ver","part"} (new reference). */
json_t *vrv_segdesc_json(vrv_interval itvl, const char *version, int32_t part);

#endif
