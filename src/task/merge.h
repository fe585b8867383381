/*
 * merge.h — turning in-memory indexes into segment files: persisting an
 * appendable index to a spill segment when memory fills up, and the k-way
 * merge of the spills of one time chunk into the final segments.
 *
 * A spill is an ordinary segment file (segment/seg_writer.h) holding an
 * index's rows in storage order; its metric columns hold the aggregators'
 * intermediate values under the metric names (numbers for the numeric
 * aggregators, serialized states for sketches and first/last pairs).
 *
 * The merge reads several such segments through the segment reader and walks
 * their rows in storage order (time, then the dimensions in order, each with
 * null first, strings in UTF-8 byte order, multi-values element by element),
 * so its output is in storage order too. With rollup, rows of equal time and
 * dimensions are folded into one through the combining aggregators
 * (vrv_agg_combining: count's rows become a longSum of the counts, sketches
 * merge); without rollup every row is kept, ordered by time and then by
 * input. The output is cut into segments of at most max_rows rows.
 *
 * Metric state convention: the index's metric m keeps a vrv_agg state of
 * vrv_agg_unwrap(metrics->v[m]) (the state the row pipeline keeps), which is
 * what vrv_task_agg_ops provides.
 */
#ifndef VRV_TASK_MERGE_H
#define VRV_TASK_MERGE_H

#include <jansson.h>

#include "agg/agg.h"
#include "base/error.h"
#include "ingest/index.h"
#include "segment/seg_reader.h"
#include "segment/seg_writer.h"

/* Fills *ops with index metric ops over states of the aggregator `inner`
 * (an unwrapped spec, vrv_agg_unwrap); the index passes it back as ctx, so a
 * vrv_index_metric takes {name, ops, inner}. */
void vrv_task_agg_ops(const vrv_agg_spec *inner, vrv_index_metric_ops *ops);

/* Writes the rows of idx (a snapshot taken now) in storage order to a new
 * segment file at path, with meta (borrowed, may be NULL) in its footer.
 * metrics are the index's metric specs in order. *rows_out (may be NULL)
 * gets the rows written. VRV_EIO with err naming the path on failure. */
int vrv_task_persist(const vrv_index *idx, const vrv_agg_list *metrics,
                     const vrv_seg_writer_opts *opts, const json_t *meta, const char *path,
                     size_t *rows_out, vrv_error *err);

/* One finished output segment of a merge. */
typedef struct vrv_merge_result {
    const char *path;         /* where it was written */
    uint64_t rows;
    uint64_t size;            /* file bytes */
    vrv_ms min_time, max_time;
    const char *const *dims;  /* its dimension names, in storage order (borrowed) */
    size_t ndims;
} vrv_merge_result;

typedef struct vrv_merge_spec {
    const vrv_agg_list *metrics; /* the metricsSpec (outer specs), in column order */
    bool rollup;
    uint64_t max_rows;           /* rows per output segment; 0 = no limit */
    vrv_seg_writer_opts writer;
    /* Before output segment `index` of `count` is written, whose dimensions
     * are dims[0..ndims) (borrowed): sets *path (malloc'd, freed by the
     * merge) and *meta (a new reference for the footer, or NULL). A negative
     * return stops the merge with err. */
    int (*begin)(void *ctx, size_t index, size_t count, const char *const *dims, size_t ndims,
                 char **path, json_t **meta, vrv_error *err);
    /* After it was written (r valid during the call only). */
    int (*done)(void *ctx, size_t index, const vrv_merge_result *r, vrv_error *err);
    void *ctx;
} vrv_merge_spec;

/* The number of rows the merge of in[0..n) produces (rows of equal time and
 * dimensions count once with rollup). */
uint64_t vrv_task_merge_count(vrv_segment *const *in, size_t n, bool rollup);

/* Merges in[0..n) (n >= 1, borrowed) into ceil(rows / max_rows) output
 * segments, calling spec->begin and spec->done around each. Zero rows give
 * no output. Returns 0 or a negative code with err set (a corrupt input is
 * VRV_ECORRUPT naming the file). */
int vrv_task_merge(vrv_segment *const *in, size_t n, const vrv_merge_spec *spec, vrv_error *err);

/* The footer metadata and DataSegment fields of the metric columns:
 * "aggregators" is the JSON list of the combining factories
 * (vrv_agg_to_json(vrv_agg_combining(m))), as a merge of these segments
 * needs them. Returns a new reference. */
json_t *vrv_task_combining_json(const vrv_agg_list *metrics);

#endif
