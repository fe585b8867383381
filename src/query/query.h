/*
 * query.h — Druid native queries: the parsed plan, the per-server run, the
 * partial results that travel between servers, their merge, and the final
 * rendering of Druid's exact result JSON (druid-query.md §1–§9, §11.3).
 *
 * What this module owns: reading a native query object into a vrv_query
 * (every query type, every shared field, the context keys), running a plan
 * over storage adapters (adapter.h) into a partial result, merging partials,
 * finalizing (post-aggregators, having, limits, zero-fill and timestamp rules)
 * and writing the result array. What it does not own: which segments a query
 * reads (the caller resolves the plan's tables to adapters and applies the
 * timeline), HTTP, and the SQL layer.
 *
 * Flow on one machine:
 *     vrv_query *q;  vrv_query_parse(body, len, &q, &qerr);
 *     vrv_query_partial *p;  vrv_query_run(q, adapters, n, &p, &err);
 *     vrv_query_render(q, p, &out, &err);   // the response body
 *     vrv_query_partial_free(p);  vrv_query_free(q);
 * Across servers, a data server runs the plan over its own segments and sends
 * vrv_query_partial_to_json(p); the broker reads each server's answer with
 * vrv_query_partial_from_json, folds them with vrv_query_merge and renders.
 *
 * Datasources: the caller passes adapters for every table the plan reads
 * (vrv_query_tables lists them); each adapter names its table
 * (vrv_adapter_datasource), so one adapter array serves unions, joins and
 * nested queries. A table with no adapter contributes nothing (Druid's rule
 * for unknown tables and union members). `inline`, `query` and `join`
 * datasources are evaluated inside vrv_query_run.
 *
 * Ownership: a vrv_query owns everything it points to (vrv_query_free). A
 * partial references its plan, which must outlive it, and owns its rows.
 * Adapters are borrowed for the duration of a call.
 */
#ifndef VRV_QUERY_H
#define VRV_QUERY_H

#include <jansson.h>

#include "agg/agg.h"
#include "agg/postagg.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/granularity.h"
#include "base/time.h"
#include "base/value.h"
#include "expr/expr.h"
#include "expr/filter.h"
#include "expr/strcmp.h"

typedef enum vrv_query_type {
    VRV_Q_TIMESERIES = 0,
    VRV_Q_TOPN,
    VRV_Q_GROUPBY,
    VRV_Q_SCAN,
    VRV_Q_TIME_BOUNDARY,
    VRV_Q_SEGMENT_METADATA,
    VRV_Q_DATASOURCE_METADATA,
    VRV_Q_SEARCH,
} vrv_query_type;

/* ---- datasources ---------------------------------------------------------- */

typedef enum vrv_ds_kind {
    VRV_DS_TABLE = 0,
    VRV_DS_UNION,
    VRV_DS_INLINE,
    VRV_DS_QUERY,
    VRV_DS_JOIN,
} vrv_ds_kind;

typedef enum vrv_join_type { VRV_JOIN_INNER = 0, VRV_JOIN_LEFT } vrv_join_type;

struct vrv_query;

typedef struct vrv_datasource {
    vrv_ds_kind kind;
    char *name;         /* TABLE */
    char **names;       /* UNION: table names */
    size_t nnames;
    /* INLINE: column names and types (STRING when columnTypes is absent) and
     * the rows, kept as JSON (a reference owned here). */
    char **columns;
    vrv_ctype *types;
    size_t ncolumns;
    json_t *rows;
    struct vrv_query *query;        /* QUERY */
    struct vrv_datasource *left;    /* JOIN */
    struct vrv_datasource *right;
    char *right_prefix;
    /* condition: a conjunction of equalities `left == "<prefix>col"`; the
     * left side of each is an expression over the left columns (a bare
     * column name in the common case). No keys: a constant condition. */
    size_t nkeys;
    char **left_exprs;              /* expression text of each left side */
    char **right_keys;              /* right column of each (without the prefix) */
    bool never;                     /* the condition is constant false */
    vrv_join_type join_type;
} vrv_datasource;

/* ---- shared pieces -------------------------------------------------------- */

/* A dimensionSpec of type "default" (a bare string gives output = dimension). */
typedef struct vrv_dimspec {
    char *dimension;
    char *output_name;
    vrv_ctype output_type; /* STRING unless given */
} vrv_dimspec;

/* An `expression` virtual column. */
typedef struct vrv_vcol {
    char *name;
    vrv_expr *expr;
    vrv_ctype type;  /* outputType, or inferred at run time when !has_type */
    bool has_type;
} vrv_vcol;

/* The context keys of druid-query.md §8 (strings accepted for all). */
typedef struct vrv_query_ctx {
    int64_t timeout;          /* ms, default 300000; 0 = server maximum */
    int64_t priority;
    char *query_id;           /* NULL when not given */
    bool use_cache, populate_cache, use_result_cache, populate_result_cache;
    bool skip_empty_buckets;  /* timeseries */
    bool grand_total;         /* timeseries */
    bool finalize;            /* default true */
    bool by_segment;
    bool serialize_dt_long;   /* serializeDateTimeAsLong */
    int64_t min_topn_threshold; /* default 1000 */
    bool sort_by_dims_first;  /* groupBy */
    bool result_as_array;     /* groupBy */
    bool write_exception_row; /* writeExceptionBodyAsResponseRow */
    int64_t max_rows_queued_for_ordering; /* scan, default 100000 */
    int64_t max_segment_partitions_ordered; /* scan maxSegmentPartitionsOrderedInMemory, 50 */
} vrv_query_ctx;

/* ---- topN ----------------------------------------------------------------- */

typedef enum vrv_topn_metric_kind {
    VRV_TOPN_NUMERIC = 0, /* by an aggregator / post-aggregator, descending */
    VRV_TOPN_DIMENSION,   /* by the dimension value, ascending */
} vrv_topn_metric_kind;

typedef struct vrv_topn_metric {
    vrv_topn_metric_kind kind;
    char *metric;          /* NUMERIC */
    vrv_order ordering;    /* DIMENSION */
    char *previous_stop;   /* DIMENSION, NULL when absent */
    bool inverted;         /* an `inverted` wrapper (odd nesting) */
} vrv_topn_metric;

/* ---- groupBy -------------------------------------------------------------- */

typedef enum vrv_having_type {
    VRV_H_GREATER = 0,
    VRV_H_LESS,
    VRV_H_EQUAL,
    VRV_H_DIM_SELECTOR,
    VRV_H_AND,
    VRV_H_OR,
    VRV_H_NOT,
    VRV_H_FILTER,
    VRV_H_ALWAYS,
} vrv_having_type;

typedef struct vrv_having {
    vrv_having_type type;
    char *name;              /* aggregation / dimension */
    vrv_value value;         /* GREATER/LESS/EQUAL: LONG, DOUBLE or NULL */
    char *str;               /* DIM_SELECTOR value (NULL = null) */
    struct vrv_having **subs;
    size_t nsubs;
    vrv_filter *filter;      /* FILTER */
    bool finalize;           /* FILTER, default true */
} vrv_having;

typedef struct vrv_order_col {
    char *name;
    bool descending;
    vrv_order order;         /* dimensionOrder, default lexicographic */
} vrv_order_col;

typedef struct vrv_limit_spec {
    bool present;
    int64_t limit;           /* -1 = none */
    int64_t offset;
    vrv_order_col *cols;
    size_t ncols;
} vrv_limit_spec;

/* ---- scan / segmentMetadata / search ------------------------------------------ */

typedef enum vrv_scan_order { VRV_SCAN_NONE = 0, VRV_SCAN_ASC, VRV_SCAN_DESC } vrv_scan_order;

enum {
    VRV_SM_CARDINALITY = 1 << 0,
    VRV_SM_SIZE = 1 << 1,
    VRV_SM_INTERVAL = 1 << 2,
    VRV_SM_MINMAX = 1 << 3,
    VRV_SM_TIMESTAMPSPEC = 1 << 4,
    VRV_SM_QUERYGRANULARITY = 1 << 5,
    VRV_SM_AGGREGATORS = 1 << 6,
    VRV_SM_ROLLUP = 1 << 7,
    VRV_SM_PROJECTIONS = 1 << 8,
};

typedef enum vrv_sm_include { VRV_SM_INC_ALL = 0, VRV_SM_INC_NONE, VRV_SM_INC_LIST } vrv_sm_include;
typedef enum vrv_sm_strategy {
    VRV_SM_STRICT = 0,
    VRV_SM_LENIENT,
    VRV_SM_EARLIEST,
    VRV_SM_LATEST,
} vrv_sm_strategy;

typedef enum vrv_search_sort {
    VRV_SS_LEXICOGRAPHIC = 0,
    VRV_SS_ALPHANUMERIC,
    VRV_SS_STRLEN,
    VRV_SS_NUMERIC,
} vrv_search_sort;

typedef struct vrv_search_spec {
    int kind;                /* 0 contains, 1 insensitive_contains, 2 fragment, 3 regex */
    char **values;           /* contains: one; fragment: several */
    size_t nvalues;
    bool case_sensitive;
    char *pattern;           /* regex */
} vrv_search_spec;

/* ---- the plan ------------------------------------------------------------- */

typedef struct vrv_query {
    vrv_query_type type;
    vrv_datasource *ds;
    vrv_interval *intervals; /* condensed, sorted; eternity when absent */
    size_t nintervals;
    bool intervals_given;
    vrv_gran gran;
    vrv_filter *filter;      /* NULL = none */
    vrv_vcol *vcols;
    size_t nvcols;
    vrv_agg_list aggs;
    vrv_postagg_list postaggs;
    bool descending;         /* timeseries */
    vrv_query_ctx ctx;

    int64_t limit;           /* timeseries, scan, search: -1 = none */
    /* topN */
    vrv_dimspec dim;
    int64_t threshold;
    vrv_topn_metric metric;
    /* groupBy */
    vrv_dimspec *dims;
    size_t ndims;
    vrv_having *having;      /* NULL = none */
    vrv_limit_spec limit_spec;
    size_t **subtotals;      /* each: indexes into dims */
    size_t *nsubtotal;
    size_t nsubtotals;
    bool has_subtotals;
    /* scan */
    char **columns;          /* NULL = all */
    size_t ncolumns;
    bool compacted;          /* resultFormat compactedList */
    vrv_scan_order order;
    int64_t offset;
    int64_t batch_size;
    /* timeBoundary: 0 both, 1 minTime, 2 maxTime */
    int bound;
    /* segmentMetadata */
    vrv_sm_include to_include;
    char **include_cols;
    size_t ninclude;
    bool merge;
    unsigned analysis;       /* VRV_SM_* */
    vrv_sm_strategy agg_strategy;
    /* search */
    char **search_dims;      /* NULL = all */
    size_t nsearch_dims;
    vrv_search_spec search;
    vrv_search_sort search_sort;
} vrv_query;

/* How a parse failure maps to Druid's legacy error body (§11.3). */
typedef enum vrv_query_errclass {
    VRV_QERR_NONE = 0,
    VRV_QERR_JSON,         /* body is not JSON: 400 "Json parse failed", JsonParseException */
    VRV_QERR_INVALID,      /* constructor rejected it: 400 "Json parse failed",
                              ValueInstantiationException, "Invalid native query: <cause>" */
    VRV_QERR_UNKNOWN_TYPE, /* unknown queryType: 500 "Unknown exception",
                              InvalidTypeIdException */
} vrv_query_errclass;

typedef struct vrv_query_error {
    vrv_query_errclass cls;
    vrv_error err;         /* the cause, naming the field */
} vrv_query_error;

/* Parses a native query from JSON text. On success *out is a new plan
 * (vrv_query_free). On failure returns a negative code and fills qerr. */
int vrv_query_parse(const char *text, size_t len, vrv_query **out, vrv_query_error *qerr);
/* The same from a parsed object (borrowed; nothing of it is kept). */
int vrv_query_parse_json(const json_t *j, vrv_query **out, vrv_query_error *qerr);
void vrv_query_free(vrv_query *q);

/* Druid's legacy four-key body for a parse failure (11.1/11.3), written to
 * out, and its HTTP status. host may be NULL (JSON null). */
int vrv_query_error_body(const vrv_query_error *qerr, const char *host, vrv_buf *out);

/* The query type's Druid name ("timeseries", "topN", ...). */
const char *vrv_query_type_name(vrv_query_type t);

/* The distinct table names the plan reads (union members, join sides, nested
 * queries included), borrowed from q. Writes up to max names; returns how
 * many there are. */
size_t vrv_query_tables(const vrv_query *q, const char **out, size_t max);

/* ---- running, merging, rendering ------------------------------------------ */

struct vrv_adapter;
typedef struct vrv_query_partial vrv_query_partial;

/* Runs q over adapters[0..n) (borrowed; those whose datasource the plan does
 * not read are ignored) and merges the per-adapter results into *out, a
 * merged but not finalized partial (vrv_query_partial_free). Returns 0 or a
 * negative code with err set (an expression that fails, a resource limit).
 * With the context's bySegment the partial keeps one result per adapter. */
int vrv_query_run(const vrv_query *q, struct vrv_adapter *const *adapters, size_t n,
                  vrv_query_partial **out, vrv_error *err);

/* What interrupts a run: a deadline passed, a cancellation. The engines call
 * fn before each segment and every VRV_QUERY_CHECK_ROWS rows within one; a
 * negative return (with err set, e.g. VRV_ETIMEOUT) ends the run with that
 * code. */
typedef struct vrv_query_check {
    int (*fn)(void *ctx, vrv_error *err);
    void *ctx;
} vrv_query_check;
#define VRV_QUERY_CHECK_ROWS (16 * 8192) /* ~1 ms of scanning between checks */

/* vrv_query_run with an interruption check (borrowed for the call; NULL =
 * none). Nested query and join datasources are checked too. */
int vrv_query_run_checked(const vrv_query *q, struct vrv_adapter *const *adapters, size_t n,
                          const vrv_query_check *check, vrv_query_partial **out, vrv_error *err);

/* An empty partial of q (what a server with no segments answers). */
vrv_query_partial *vrv_query_partial_new(const vrv_query *q);
void vrv_query_partial_free(vrv_query_partial *p);

/* Folds src into dst (both of the same plan); src is consumed (freed). */
int vrv_query_merge(vrv_query_partial *dst, vrv_query_partial *src, vrv_error *err);

/* The partial as JSON text (appended to out), for a data server's answer to
 * the broker, and back. Aggregator states travel in their serialized form,
 * so nothing is lost or finalized on the way. */
void vrv_query_partial_to_json(const vrv_query_partial *p, vrv_buf *out);
int vrv_query_partial_from_json(const vrv_query *q, const char *text, size_t len,
                                vrv_query_partial **out, vrv_error *err);

/* Finalizes the merged partial and appends Druid's result array to out.
 * flags are jwriter flags (VRV_JW_PRETTY). Returns 0 or a negative code with
 * err set (a post-aggregator that fails). p is not changed. */
int vrv_query_render(const vrv_query *q, const vrv_query_partial *p, unsigned flags, vrv_buf *out,
                     vrv_error *err);

/* Convenience: run + render. */
int vrv_query_execute(const vrv_query *q, struct vrv_adapter *const *adapters, size_t n,
                      unsigned flags, vrv_buf *out, vrv_error *err);

#endif
