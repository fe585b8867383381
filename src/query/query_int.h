/*
 * query_int.h — internals shared by the query engine's files: the row reader
 * (column values of one row in slots, virtual columns evaluated), filter
 * evaluation to bitmaps, and the partial result representation.
 */
#ifndef VRV_QUERY_INT_H
#define VRV_QUERY_INT_H

#include <roaring/roaring.h>

#include "base/arena.h"
#include "base/hash.h"
#include "base/vec.h"
#include "query/adapter.h"
#include "query/query.h"

/* ---- row reader ------------------------------------------------------------- */

enum { QS_MISSING = 0, QS_TIME, QS_NUM, QS_DICT, QS_COMPLEX, QS_VCOL };

typedef struct qslot {
    char *name;
    int kind;
    long col;              /* adapter column */
    vrv_ctype type;        /* declared type (vcol: output type) */
    bool typed;
    const vrv_vcol *vc;
    vrv_expr_prog *prog;   /* QS_VCOL */
    bool binding;          /* cycle guard while binding */
    long alias;            /* >= 0: a virtual column evaluated in that later slot */
    /* block cache */
    long block;
    const int64_t *l;
    const double *d;
    const float *f;
    const uint8_t *nulls;
    const uint32_t *ids;
    void *buf, *nbuf;
    vrv_mv_reader mv;
    bool mv_init;
} qslot;

typedef struct qreader {
    const vrv_adapter *a;
    const vrv_query *q;
    VRV_VEC(qslot) slots;
    vrv_value *vals;       /* nslots values of the loaded row */
    size_t vals_cap;
    vrv_arena arena;       /* strings and arrays of the loaded row; reset per load */
    vrv_error *err;
} qreader;

void qreader_init(qreader *r, const vrv_adapter *a, const vrv_query *q);
void qreader_free(qreader *r);
/* The slot of a column name (physical, virtual, __time or missing), added on
 * first use. Negative on error (a virtual column cycle, a bind failure). */
int qreader_slot(qreader *r, const char *name, size_t n, vrv_error *err);
/* The expression resolver over this reader (ctx = qreader*). */
int qreader_resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err);
/* Loads every slot's value of absolute row `row`. */
int qreader_load(qreader *r, size_t row, vrv_error *err);
/* One slot's value of a row without loading the others (physical slots). */
vrv_value qreader_value(qreader *r, size_t slot, size_t row);
/* The declared type of a column for expression typing. */
bool qreader_type(void *ctx, vrv_str name, vrv_ctype *out);

/* ---- filters ---------------------------------------------------------------- */

/* The rows of a where f is TRUE, as a new bitmap. */
int qfilter_rows(const vrv_filter *f, const vrv_query *q, const vrv_adapter *a,
                 roaring_bitmap_t **out, vrv_error *err);

/* ---- partial results -------------------------------------------------------- */

typedef struct qgroup {
    vrv_ms t;           /* bucket start; 0 for granularity all */
    vrv_value *dims;    /* ndims values (arena) */
    char *states;       /* aggregator area (heap, owned) */
    uint32_t set;       /* groupBy subtotals: which subtotal set (render only) */
} qgroup;

typedef struct qbatch {
    char *segid;        /* NULL when re-batched */
    size_t ncols;
    char **cols;        /* arena */
    char **types;       /* arena, NULL entry: column unknown */
    size_t nrows;
    vrv_value *rows;    /* nrows * ncols, arena */
    vrv_ms *times;      /* nrows, for ordering */
} qbatch;

typedef struct qsearch_hit {
    vrv_ms t;           /* bucket start; 0 for granularity all */
    char *dim, *value;  /* arena; dim NULL: only marks that a segment answered for t */
    size_t vlen;
    int64_t count;
} qsearch_hit;

/* bySegment: the result of one segment, kept apart from the others. */
typedef struct qsegpart {
    char *segid;                 /* arena of the holder */
    vrv_ms start;                /* the segment's interval start: the row timestamp */
    vrv_interval interval;       /* the part of the segment the query read */
    struct vrv_query_partial *p; /* owned */
} qsegpart;

struct vrv_query_partial {
    const vrv_query *q;
    vrv_arena arena;
    const vrv_query_check *check; /* the run's interruption check (borrowed), NULL = none */
    VRV_VEC(qsegpart) segs;       /* bySegment: per-segment results, in run order */
    /* grouped types */
    size_t ndims;
    const vrv_agg_spec **inner; /* unwrapped specs, q->aggs.n */
    size_t *offs;
    size_t area;
    VRV_VEC(qgroup) groups;
    vrv_map index;       /* key -> group index + 1 */
    bool has_stamp;      /* granularity all: some segment stamped a row */
    vrv_ms stamp;        /* ... its earliest (latest when descending) stamp */
    /* scan */
    VRV_VEC(qbatch) batches;
    /* timeBoundary, dataSourceMetadata */
    bool has_time;
    vrv_ms min_time, max_time;
    /* segmentMetadata: one analysis per segment (new references) */
    VRV_VEC(json_t *) analyses;
    /* search */
    VRV_VEC(qsearch_hit) hits;
    vrv_map hit_index;
};

/* The run's interruption check: 0, or its negative code with err set. */
static inline int qcheck(const vrv_query_partial *p, vrv_error *err)
{
    return p->check && p->check->fn ? p->check->fn(p->check->ctx, err) : 0;
}

/* Group bookkeeping. */
void qpartial_key(const vrv_query_partial *p, vrv_ms t, const vrv_value *dims, vrv_buf *key);
/* The group for (t, dims), created with initialised states when new; dims are
 * copied into the partial's arena. */
size_t qpartial_group(vrv_query_partial *p, vrv_ms t, const vrv_value *dims, bool *created);
/* Adds count to the search hit (t, dim, value); dim NULL adds the marker
 * of bucket t (a segment's result without hits still makes a result row). */
void qpartial_add_hit(vrv_query_partial *p, vrv_ms t, const char *dim, const char *val, size_t vlen,
                      int64_t count);
/* Copies a value's strings/arrays into arena. */
vrv_value qvalue_copy(vrv_arena *a, const vrv_value *v);

/* Engines (engine.c) over one adapter. */
int qengine_grouped(const vrv_query *q, const vrv_adapter *a, vrv_query_partial *out,
                    vrv_error *err);
int qengine_scan(const vrv_query *q, const vrv_adapter *a, vrv_query_partial *out, vrv_error *err);
int qengine_meta(const vrv_query *q, const vrv_adapter *a, vrv_query_partial *out, vrv_error *err);
int qengine_search(const vrv_query *q, const vrv_adapter *a, vrv_query_partial *out,
                   vrv_error *err);
json_t *qsegment_analysis(const vrv_query *q, const vrv_adapter *a);
/* Druid's order of search hits (the sort on values, then dimension names). */
int qsearch_hit_cmp(const vrv_query *q, const qsearch_hit *a, const qsearch_hit *b);
json_t *qmerge_analyses(const vrv_query *q, json_t *const *v, size_t n);

/* Time ranges of a on which the query runs (query intervals clipped to the
 * segment interval). */
size_t qclip_intervals(const vrv_query *q, const vrv_adapter *a, vrv_interval *out);

/* The table adapters a query reads, materialising inline, query and join
 * datasources (datasource.c). ivs[0..nivs) are the intervals of the query
 * reading ds (NULL: all time); a join keeps only the left rows inside them.
 * Adapters created here are appended to *owned and freed by the caller. */
typedef VRV_VEC(vrv_adapter *) qadapters;
int qresolve_ds(const vrv_datasource *ds, vrv_adapter *const *in, size_t n, const vrv_interval *ivs,
                size_t nivs, const vrv_query_check *check, qadapters *use, qadapters *owned,
                vrv_error *err);

/* The finalized output rows of a grouped query (render.c), for nested
 * queries: names, types and values. */
typedef struct qrows {
    size_t ncols;
    char **names;
    vrv_ctype *types;
    VRV_VEC(vrv_value) vals; /* nrows * ncols */
    VRV_VEC(vrv_ms) times;
    vrv_arena arena;
} qrows;
int qrender_rows(const vrv_query *q, const vrv_query_partial *p, qrows *out, vrv_error *err);
void qrows_free(qrows *r);

#endif
