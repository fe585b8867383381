/*
 * seg_writer.h — builds one segment file from rows given in storage order
 * (time, then dimensions), the output of the appendable index or of a merge of
 * spilled parts.
 *
 * The writer buffers columns in memory, then sorts dictionaries, builds the
 * bitmap indexes and compresses blocks in vrv_seg_writer_finish, which writes
 * the file atomically (temporary name, fsync, rename).
 */
#ifndef VRV_SEG_WRITER_H
#define VRV_SEG_WRITER_H

#include <jansson.h>

#include "base/error.h"
#include "base/value.h"
#include "segment/seg_format.h"

typedef struct vrv_seg_column_def {
    const char *name;          /* copied */
    vrv_ctype type;            /* STRING, JSON, LONG, FLOAT, DOUBLE or COMPLEX */
    const char *complex_type;  /* COMPLEX only: "hyperUnique", "thetaSketch", ... (copied) */
    bool is_metric;            /* a metric column rather than a dimension */
    bool bitmap;               /* STRING/JSON: build one bitmap per value */
} vrv_seg_column_def;

typedef struct vrv_seg_writer_opts {
    vrv_seg_codec dim_codec;    /* indexSpec.dimensionCompression (default lz4) */
    vrv_seg_codec metric_codec; /* indexSpec.metricCompression, also used for __time */
} vrv_seg_writer_opts;

typedef struct vrv_seg_writer vrv_seg_writer;

/* opts may be NULL (lz4 everywhere). */
vrv_seg_writer *vrv_seg_writer_new(const vrv_seg_column_def *cols, size_t ncols,
                                   const vrv_seg_writer_opts *opts);
void vrv_seg_writer_free(vrv_seg_writer *w);

/* Adds a row: one value per column, in column order. STRING/JSON columns take
 * STRING (or JSON) values, ARRAYs of them (multi-value) or NULL; numeric
 * columns the matching numeric type or NULL (other numeric types are
 * converted); COMPLEX columns a VRV_V_COMPLEX whose u.ptr/len are the
 * serialized intermediate bytes, or NULL. Values are copied. */
void vrv_seg_writer_add(vrv_seg_writer *w, vrv_ms t, const vrv_value *vals);

/* For a caller that holds its own dictionary (an in-memory index): the
 * writer's id of string s in STRING/JSON column col, added to the column's
 * dictionary if new; 0 stands for null. Keep a map from the caller's ids to
 * these and each distinct value is hashed once, not once per row. */
#define VRV_SEG_NO_ID UINT32_MAX
uint32_t vrv_seg_writer_intern(vrv_seg_writer *w, size_t col, const char *s, size_t n);
/* vrv_seg_writer_add where ids[i] != VRV_SEG_NO_ID gives column i (a
 * STRING/JSON column) a single value by its vrv_seg_writer_intern id, 0 for
 * null; vals[i] is not read for those columns. */
void vrv_seg_writer_add_ids(vrv_seg_writer *w, vrv_ms t, const vrv_value *vals,
                            const uint32_t *ids);

size_t vrv_seg_writer_rows(const vrv_seg_writer *w);
/* Makes room for rows more rows (single-value strings), so adding them does
 * not grow the columns by copying. Optional. */
void vrv_seg_writer_reserve(vrv_seg_writer *w, size_t rows);

/* Writes the segment to path. meta (borrowed, may be NULL) is an object whose
 * members are copied into the footer (dataSource, interval, version,
 * partitionNum, shardSpec, aggregators, queryGranularity, rollup,
 * timestampSpec, ...); the writer adds numRows, minTime, maxTime and the
 * column directory. Returns 0, or VRV_EIO with err naming the path. The writer
 * stays usable only for vrv_seg_writer_free. *size_out (may be NULL) receives
 * the file size. */
int vrv_seg_writer_finish(vrv_seg_writer *w, const json_t *meta, const char *path,
                          uint64_t *size_out, vrv_error *err);

#endif
