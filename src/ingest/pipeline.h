/*
 * pipeline.h — the row pipeline: from the bytes of a record or a file to rows
 * in an appendable index, exactly in Druid's order (druid-streaming.md §1.2):
 *
 *   inputFormat decode -> flattenSpec -> timestampSpec -> transforms ->
 *   transformSpec.filter -> min/max message time -> dimensions and metrics ->
 *   queryGranularity truncation -> rollup into the index
 *
 * with Druid's row accounting (processed, processedBytes, processedWithError,
 * thrownAway by reason, unparseable), saved parse exceptions and the
 * maxParseExceptions limit.
 *
 * A pipeline is compiled once from a parsed data schema (src/spec) and used by
 * one thread. It decides the dimension list (declared, then discovered in
 * schemaless or discovery mode) and builds index schemas for its sinks; the
 * caller decides which index receives a row (one per segment interval and
 * sequence in a task, a single one for `varve sample`) through a sink
 * callback, and persists full indexes there.
 */
#ifndef VRV_PIPELINE_H
#define VRV_PIPELINE_H

#include "agg/agg.h"
#include "base/error.h"
#include "ingest/index.h"
#include "input/input.h"
#include "spec/spec.h"

typedef struct vrv_row_stats {
    uint64_t processed;           /* rows ingested cleanly */
    uint64_t processed_bytes;     /* payload bytes of non-empty records, before parsing */
    uint64_t processed_with_error;/* ingested, but some column failed to convert */
    uint64_t unparseable;         /* records/rows that could not be parsed */
    uint64_t thrown_away;         /* sum of the four reasons below */
    uint64_t thrown_null;         /* null or empty records */
    uint64_t thrown_filtered;     /* rejected by transformSpec.filter */
    uint64_t thrown_before_min;   /* before minimumMessageTime */
    uint64_t thrown_after_max;    /* after maximumMessageTime */
} vrv_row_stats;

typedef struct vrv_parse_exception {
    char *input;           /* the raw row or record, NUL-terminated (owned) */
    bool unparseable;      /* else processedWithError */
    char **details;        /* messages (owned) */
    size_t ndetails;
    vrv_ms time;           /* wall clock when it happened */
} vrv_parse_exception;

typedef struct vrv_pipeline_config {
    const vrv_spec_data_schema *schema;  /* borrowed; must outlive the pipeline */
    const vrv_spec_sub *input_format;    /* the inputFormat object and its path */
    const vrv_spec_tuning_common *tuning;/* parse exception limits; NULL = Druid defaults */
    bool has_min_time, has_max_time;     /* rejection window (inclusive bounds) */
    vrv_ms min_time, max_time;
    /* Batch tasks: a row whose time lies in none of these intervals (the
     * segment buckets of granularitySpec.intervals, sorted, not overlapping)
     * is thrown away as filtered, as Druid's batch row filter does. NULL: no
     * such window. Borrowed; must outlive the pipeline. */
    const vrv_interval *intervals;
    size_t n_intervals;
} vrv_pipeline_config;

typedef struct vrv_pipeline vrv_pipeline;

/* Compiles the pipeline: input format, field set, timestamp parser,
 * transforms, filter, aggregators. Errors name the JSON path of the bad part
 * (e.g. "spec.dataSchema.transformSpec.transforms[0].expression: ..."). */
int vrv_pipeline_new(const vrv_pipeline_config *cfg, vrv_pipeline **out, vrv_error *err);
void vrv_pipeline_free(vrv_pipeline *p);

/* A new, empty index with the pipeline's current dimensions and metrics. */
vrv_index *vrv_pipeline_new_index(vrv_pipeline *p);

/* Returns the index that must receive a row whose truncated time is t, or
 * NULL with err set to stop the pipeline. */
typedef vrv_index *(*vrv_pipeline_sink_fn)(void *ctx, vrv_ms t, vrv_error *err);

/* Runs one block through the pipeline. With record_atomic (a stream record),
 * a block whose rows do not all parse is one unparseable event and none of
 * its rows is kept, as in Druid; without it (a file) each bad row is its own
 * event. Returns 0; VRV_ELIMIT once unparseable + processedWithError exceed
 * maxParseExceptions ("Max parse exceptions[N] exceeded"); or the sink's
 * error. */
int vrv_pipeline_process(vrv_pipeline *p, const char *data, size_t len,
                         const vrv_record_meta *meta, bool record_atomic,
                         vrv_pipeline_sink_fn sink, void *sink_ctx, vrv_error *err);

/* Druid's determine-partitions pass over a batch input without intervals:
 * runs a block (a file: each bad row is its own event) through decode,
 * timestamp, transforms, filter and the windows only, and calls seen(ctx, t)
 * with the time (before truncation) of every row that passes. Such rows
 * count as processed, since no column is converted; unparseable rows,
 * thrown-away rows and the maxParseExceptions limit count as in
 * vrv_pipeline_process. Returns 0 or VRV_ELIMIT. */
int vrv_pipeline_scan(vrv_pipeline *p, const char *data, size_t len,
                      void (*seen)(void *ctx, vrv_ms t), void *ctx, vrv_error *err);

const vrv_row_stats *vrv_pipeline_stats(const vrv_pipeline *p);

/* ---- what became of each row (the sampler's view) ----------------------- */

typedef enum vrv_row_outcome {
    VRV_ROW_INDEXED,     /* added to an index (maybe folded into an existing row) */
    VRV_ROW_DROPPED,     /* thrown away: filtered, or outside a time window */
    VRV_ROW_UNPARSEABLE, /* not ingested; details say why */
} vrv_row_outcome;

typedef struct vrv_row_event {
    vrv_row_outcome outcome;
    size_t seq;            /* which row of the block: the reader's seq-th result (a
                              row or a malformed one), from 0. A stream record that
                              fails as a whole is one event, at its failing row */
    vrv_str raw;           /* the row's bytes (the whole record's for such a failure) */
    const vrv_index *index;/* INDEXED: the index that took the row */
    size_t row;            /* INDEXED: its position there */
    bool new_row;          /* INDEXED: it made a new index row (else rollup folded it) */
    char *const *details;  /* UNPARSEABLE, or INDEXED with conversion errors
                              (processedWithError): the messages; else none */
    size_t ndetails;
} vrv_row_event;

/* Called once for every row vrv_pipeline_process reads, in the order the
 * outcome is known (a stream record's rows only once the whole record
 * parsed). The event and what it points to are valid during the call only.
 * fn NULL removes the observer. Rows of vrv_pipeline_scan are not reported. */
typedef void (*vrv_pipeline_observer_fn)(void *ctx, const vrv_row_event *ev);
void vrv_pipeline_set_observer(vrv_pipeline *p, vrv_pipeline_observer_fn fn, void *ctx);

/* Saved parse exceptions, newest first (at most maxSavedParseExceptions). */
size_t vrv_pipeline_exceptions(const vrv_pipeline *p, const vrv_parse_exception *const **out);

/* The metrics' aggregator specs, in metricsSpec order (borrowed). */
const vrv_agg_list *vrv_pipeline_metrics(const vrv_pipeline *p);

/* Druid's rowStats totals object: {"processed":..,"processedBytes":..,
 * "processedWithError":..,"thrownAway":..,"thrownAwayByReason":{..},
 * "unparseable":..} (new reference). */
json_t *vrv_row_stats_to_json(const vrv_row_stats *s);
/* The saved parse exceptions as Druid's ParseExceptionReport list. */
json_t *vrv_pipeline_exceptions_json(const vrv_pipeline *p);

#endif
