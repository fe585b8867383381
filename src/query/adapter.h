/*
 * adapter.h — the one storage interface the query engines read: an immutable
 * segment file, a snapshot of an appendable index (a real-time segment), or
 * an in-memory table (inline datasources, nested query results, join output).
 *
 * An adapter exposes the segment's identity (datasource, id, interval), its
 * row count and time range, its columns with their capabilities, string
 * dictionaries (id 0 is null; ids 1..ndict are the values in byte order, for
 * every kind of adapter), bitmap indexes where the storage has them, and
 * column values by block of VRV_ADAPTER_BLOCK rows. Rows are in storage
 * order, which is time order.
 *
 * A segment adapter reads the mmap'd file lazily, block by block. An index
 * adapter copies the snapshot it takes at creation (rows in storage order,
 * dictionaries re-sorted, metric states read under the chunk locks), so a
 * query sees one consistent state while the index keeps ingesting. Index
 * metrics must follow the vrv_task_agg_ops convention: each metric's ctx is
 * the vrv_agg_spec (unwrapped) whose state the index keeps.
 *
 * An adapter is immutable once built and may be read by several threads at
 * once. Block reads take a caller buffer of VRV_ADAPTER_BLOCK elements and
 * return either that buffer or a pointer into the adapter's own memory.
 */
#ifndef VRV_ADAPTER_H
#define VRV_ADAPTER_H

#include <jansson.h>
#include <roaring/roaring.h>

#include "base/error.h"
#include "base/str.h"
#include "base/time.h"
#include "base/value.h"
#include "ingest/index.h"
#include "segment/seg_reader.h"

#define VRV_ADAPTER_BLOCK 8192 /* rows per block: the segment's block size */

typedef struct vrv_adapter_col {
    const char *name;         /* owned by the adapter */
    vrv_ctype type;           /* STRING, LONG, FLOAT, DOUBLE, COMPLEX or JSON */
    const char *complex_type; /* COMPLEX: "hyperUnique", ... */
    bool is_time, is_metric;
    bool dict;                /* dictionary-encoded (STRING, JSON) */
    bool bitmap;              /* bitmap-indexed: vrv_adapter_bitmap works */
    bool multi;               /* some row holds several values */
    bool has_nulls;
    uint32_t ndict;           /* dict: non-null entries */
} vrv_adapter_col;

typedef struct vrv_adapter vrv_adapter;

/* Over an open segment (borrowed: it must outlive the adapter). The
 * datasource, interval and id come from the footer (dataSource, interval,
 * version, partitionNum); segment_id (copied, may be NULL) overrides the id. */
vrv_adapter *vrv_adapter_segment(const vrv_segment *seg, const char *segment_id);

/* Over a snapshot of idx taken now. datasource and segment_id are copied;
 * interval is the real-time segment's interval; meta (borrowed, may be NULL)
 * plays the footer's role for segmentMetadata (aggregators,
 * queryGranularity, rollup, timestampSpec). The index may keep ingesting;
 * the adapter does not reference it after this call. */
vrv_adapter *vrv_adapter_index(const vrv_index *idx, const char *datasource, const char *segment_id,
                               vrv_interval interval, const json_t *meta);
/* The same over rows [from, to) of snapshot (from <= to <= snapshot->nrows),
 * in the index's storage order; their metric states as they are now. */
vrv_adapter *vrv_adapter_index_range(const vrv_index *idx, const vrv_index_snapshot *snapshot,
                                     size_t from, size_t to, const char *datasource,
                                     const char *segment_id, vrv_interval interval,
                                     const json_t *meta);

/* ---- in-memory tables ----------------------------------------------------- */

typedef struct vrv_table_builder vrv_table_builder;

/* A table of the given columns (names copied; types STRING, LONG, FLOAT,
 * DOUBLE, COMPLEX or JSON). Rows are added in time order or not: finish
 * sorts them stably by time. */
vrv_table_builder *vrv_table_builder_new(const char *const *names, const vrv_ctype *types,
                                         size_t ncols);
/* Adds a row: its time and one value per column (copied). STRING columns take
 * strings, arrays of strings (multi-value) or null; numbers are converted to
 * the column's type (an unconvertible value is null). */
void vrv_table_builder_add(vrv_table_builder *b, vrv_ms t, const vrv_value *vals);
/* Finishes the table (the builder is freed). datasource and segment_id are
 * copied; the interval is [min time, max time + 1) when interval is NULL. */
vrv_adapter *vrv_table_builder_finish(vrv_table_builder *b, const char *datasource,
                                      const char *segment_id, const vrv_interval *interval);

/* Adapters are reference counted: ref adds a holder (returns a), free drops
 * one and frees the adapter with the last. */
vrv_adapter *vrv_adapter_ref(vrv_adapter *a);
void vrv_adapter_free(vrv_adapter *a);

/* ---- identity and schema -------------------------------------------------- */

const char *vrv_adapter_datasource(const vrv_adapter *a);
const char *vrv_adapter_segment_id(const vrv_adapter *a);
vrv_interval vrv_adapter_interval(const vrv_adapter *a);
/* Footer-style metadata (aggregators, queryGranularity, rollup, ...) or NULL. */
const json_t *vrv_adapter_meta(const vrv_adapter *a);
size_t vrv_adapter_rows(const vrv_adapter *a);
/* Smallest / largest stored __time (INT64_MAX / INT64_MIN when empty). */
vrv_ms vrv_adapter_min_time(const vrv_adapter *a);
vrv_ms vrv_adapter_max_time(const vrv_adapter *a);
/* Bytes the storage takes (file size for a segment; an estimate otherwise). */
uint64_t vrv_adapter_size(const vrv_adapter *a);

/* Columns: __time first, then dimensions, then metrics. */
size_t vrv_adapter_ncols(const vrv_adapter *a);
const vrv_adapter_col *vrv_adapter_column(const vrv_adapter *a, size_t i);
long vrv_adapter_find(const vrv_adapter *a, const char *name);

/* Dictionary of a dict column: id 0 is null (an empty slice with p NULL). */
vrv_str vrv_adapter_dict_get(const vrv_adapter *a, size_t col, uint32_t id);
long vrv_adapter_dict_find(const vrv_adapter *a, size_t col, vrv_str s);
/* Rows holding id (a new bitmap the caller frees), or NULL without bitmaps. */
roaring_bitmap_t *vrv_adapter_bitmap(const vrv_adapter *a, size_t col, uint32_t id);

/* ---- values by block -------------------------------------------------------- */

size_t vrv_adapter_nblocks(const vrv_adapter *a);
/* Rows in block b (VRV_ADAPTER_BLOCK except for the last). */
size_t vrv_adapter_block_rows(const vrv_adapter *a, size_t b);

/* Each returns the block's values (buf or adapter memory), or NULL when the
 * column has another type or the storage is corrupt (a segment verified at
 * open never is). Numeric reads convert between LONG/FLOAT/DOUBLE columns. */
const int64_t *vrv_adapter_times(const vrv_adapter *a, size_t b, int64_t *buf);
const int64_t *vrv_adapter_longs(const vrv_adapter *a, size_t col, size_t b, int64_t *buf);
const double *vrv_adapter_doubles(const vrv_adapter *a, size_t col, size_t b, double *buf);
const float *vrv_adapter_floats(const vrv_adapter *a, size_t col, size_t b, float *buf);
/* Null flags (1 = null) of a numeric or complex column's block, or NULL when
 * no row of the block is null. */
const uint8_t *vrv_adapter_nulls(const vrv_adapter *a, size_t col, size_t b, uint8_t *buf);
/* Single-value dict columns: one id per row. */
const uint32_t *vrv_adapter_ids(const vrv_adapter *a, size_t col, size_t b, uint32_t *buf);

/* Multi-value dict columns: a reader that hands out each row's ids. */
typedef struct vrv_mv_reader {
    const vrv_adapter *a;
    size_t col;
    long block;            /* flat block held in buf, -1 none */
    size_t block_len;
    uint32_t *buf;         /* VRV_ADAPTER_BLOCK ids */
    uint32_t *tmp;         /* a row spanning blocks */
    size_t tmp_cap;
} vrv_mv_reader;
void vrv_mv_reader_init(vrv_mv_reader *r, const vrv_adapter *a, size_t col);
void vrv_mv_reader_free(vrv_mv_reader *r);
/* The ids of row `row` (absolute): *n of them (>= 1; a row with no values has
 * one null id). Valid until the next call. Works for single-value columns. */
const uint32_t *vrv_mv_row(vrv_mv_reader *r, size_t row, size_t *n);

/* COMPLEX column: the serialized value of a row (a bytes complex value of
 * the column's aggregator kind), or null. */
vrv_value vrv_adapter_complex(const vrv_adapter *a, size_t col, size_t row);

/* The aggregator complex kind of a complex type name ("hyperUnique" ->
 * VRV_AGG_K_HLL, ...). */
int vrv_adapter_complex_kind(const char *complex_type);

#endif
