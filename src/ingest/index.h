/*
 * index.h — the appendable index: where ingested rows live until they are
 * persisted, folded by rollup, readable by queries while they arrive.
 *
 * Rows are (time, dimension values, metric states). With rollup, a row whose
 * (truncated time, dimension values) already exists is folded into it through
 * the metrics' add op; without rollup every row is kept. The caller truncates
 * time by queryGranularity and converts each dimension value to the dimension's
 * type before adding (pipeline.c does both).
 *
 * Concurrency: one writer, any number of readers, no reader ever blocks the
 * writer for longer than one chunk read.
 *  - Rows, dictionary entries and dimensions are append-only. They live in
 *    fixed chunks that never move; the writer publishes the count of complete
 *    entries with a release store, readers load it with acquire and only look
 *    at entries below it (vrv_index_snapshot).
 *  - A row's time and dimension key never change after publication.
 *  - Metric states do change (rollup folds later rows into earlier ones). Each
 *    chunk of VRV_INDEX_CHUNK rows has a mutex; the writer holds it while it
 *    initialises or folds a state, readers hold it while they read the states of
 *    rows in that chunk (vrv_index_lock_chunk). Uncontended, it costs the writer
 *    one lock/unlock per row.
 *  - The writer-only structures (rollup hash, dictionary lookup maps) are never
 *    touched by readers.
 *
 * Memory: vrv_index_bytes is an honest count of the bytes the index holds
 * (chunks, arenas, hash tables, dictionary strings, metric heap memory); the
 * caller compares it and vrv_index_rows with maxBytesInMemory / maxRowsInMemory
 * before adding a row and persists when full.
 */
#ifndef VRV_INDEX_H
#define VRV_INDEX_H

#include <pthread.h>

#include "base/arena.h"
#include "base/str.h"
#include "base/value.h"
#include "base/vrv.h"

#define VRV_INDEX_CHUNK_BITS 12
#define VRV_INDEX_CHUNK (1u << VRV_INDEX_CHUNK_BITS) /* rows per chunk */
#define VRV_INDEX_MAX_DIMS 8192                      /* discovery stops here */
#define VRV_INDEX_FOLD_BLOCK 256 /* rows per rollup-fold counter (vrv_index_folds) */

typedef enum vrv_mvh {
    VRV_MVH_SORTED_ARRAY = 0, /* Druid default: values sorted, duplicates kept */
    VRV_MVH_SORTED_SET,       /* sorted, duplicates removed */
    VRV_MVH_ARRAY,            /* input order kept */
} vrv_mvh;

typedef struct vrv_index_dim {
    char *name;      /* owned by the index */
    vrv_ctype type;  /* STRING, LONG, FLOAT, DOUBLE or JSON */
    vrv_mvh mvh;     /* strings only */
    bool bitmap;     /* createBitmapIndex; strings only */
} vrv_index_dim;

/* How the index drives one metric's state. The index stores state_size bytes
 * per row (8-byte aligned) and never interprets them. Complex states may own
 * heap memory: destroy releases it, heap_bytes reports it. */
typedef struct vrv_index_metric_ops {
    size_t state_size;
    void (*init)(const void *ctx, void *state);
    /* Folds one input value (already evaluated: field or expression, and only
     * for rows that passed the metric's filter) observed at time t. */
    void (*add)(const void *ctx, void *state, const vrv_value *in, vrv_ms t);
    /* Folds another state of the same metric (rollup across spills). */
    void (*merge)(const void *ctx, void *dst, const void *src);
    void (*destroy)(const void *ctx, void *state); /* may be NULL */
    size_t (*heap_bytes)(const void *ctx, const void *state); /* may be NULL */
} vrv_index_metric_ops;

typedef struct vrv_index_metric {
    const char *name;               /* borrowed from the caller's spec */
    const vrv_index_metric_ops *ops;
    const void *ctx;                /* borrowed; passed to every op */
} vrv_index_metric;

typedef struct vrv_index_schema {
    bool rollup;
    size_t ndims;
    const vrv_index_dim *dims;      /* copied by vrv_index_new */
    size_t nmetrics;
    const vrv_index_metric *metrics;/* copied (the ops/ctx pointers are borrowed) */
} vrv_index_schema;

typedef struct vrv_index vrv_index;

vrv_index *vrv_index_new(const vrv_index_schema *schema);
/* Frees the index and every metric state (through destroy). No reader may
 * still use it. */
void vrv_index_free(vrv_index *idx);

/* ---- writer side ---- */

/* Adds a dimension at the end of the dimension list (schemaless discovery);
 * returns its position, or -1 when VRV_INDEX_MAX_DIMS is reached. Rows added
 * earlier have null for it. */
long vrv_index_add_dim(vrv_index *idx, const char *name, vrv_ctype type, vrv_mvh mvh);
/* The position of a dimension, or -1. Writer only. */
long vrv_index_find_dim(const vrv_index *idx, const char *name);

/* Adds a row. dims holds one value per dimension position (fewer than the
 * current count means null for the rest): for STRING dimensions a STRING, an
 * ARRAY of STRINGs (multi-value) or NULL; for LONG/FLOAT/DOUBLE the matching
 * numeric type or NULL; for JSON a JSON, STRING or numeric value or NULL.
 * metric_in has one value per metric; skip (NULL: none) marks with a
 * non-zero byte the metrics not to feed for this row (a filtered
 * aggregator's filter rejected it). Strings are copied into the index.
 * Returns the row's position. */
size_t vrv_index_add(vrv_index *idx, vrv_ms t, const vrv_value *dims, size_t ndims,
                     const vrv_value *metric_in, const uint8_t *skip);

/* Rows held (after rollup) and input rows added. */
size_t vrv_index_rows(const vrv_index *idx);
uint64_t vrv_index_input_rows(const vrv_index *idx);
size_t vrv_index_bytes(const vrv_index *idx);
/* Smallest and largest row time, INT64_MAX/INT64_MIN when empty. */
vrv_ms vrv_index_min_time(const vrv_index *idx);
vrv_ms vrv_index_max_time(const vrv_index *idx);

/* ---- reader side (any thread) ---- */

typedef struct vrv_index_snapshot {
    size_t nrows;
    size_t ndims;
    const vrv_index_dim *dims;  /* ndims entries, valid for the index's life */
    size_t nmetrics;
    const vrv_index_metric *metrics;
} vrv_index_snapshot;

void vrv_index_snapshot_take(const vrv_index *idx, vrv_index_snapshot *snap);

/* Row time. */
vrv_ms vrv_index_row_time(const vrv_index *idx, size_t row);
/* A hint to the processor, no effect on results: fetch row's record (stage
 * 0), or, once that is in, its key and metric states (stage 1). Readers that
 * walk rows in storage order (random in memory) ask for the record of the
 * row 2k ahead and the rest of the row k ahead. */
#define VRV_INDEX_PREFETCH_AHEAD 8
void vrv_index_prefetch_row(const vrv_index *idx, size_t row, int stage);
/* Issues both stages for order[i + k] and order[i + 2k] (order has n rows). */
static inline void vrv_index_prefetch_ahead(const vrv_index *idx, const uint32_t *order, size_t i,
                                            size_t n)
{
    if (i + 2 * VRV_INDEX_PREFETCH_AHEAD < n)
        vrv_index_prefetch_row(idx, order[i + 2 * VRV_INDEX_PREFETCH_AHEAD], 0);
    if (i + VRV_INDEX_PREFETCH_AHEAD < n)
        vrv_index_prefetch_row(idx, order[i + VRV_INDEX_PREFETCH_AHEAD], 1);
}
/* Decodes dimension d of a row into *out (strings borrowed from the index's
 * dictionary, multi-values as an ARRAY built in arena). Null when the row
 * predates the dimension. */
void vrv_index_row_dim(const vrv_index *idx, size_t row, size_t d, vrv_arena *arena,
                       vrv_value *out);
/* For STRING/JSON dimensions: copies the dictionary id(s) of a row's value
 * into ids (at most cap) and returns how many the row has (1 for a single
 * value; id 0 is null). Call again with a larger buffer when it exceeds cap. */
size_t vrv_index_row_dim_ids(const vrv_index *idx, size_t row, size_t d, uint32_t *ids,
                             size_t cap);
/* Dictionary of STRING dimension d: entries 1..n-1 (0 is null), in first-seen
 * order. Call after taking a snapshot; entries below the returned count are
 * complete. */
size_t vrv_index_dict_size(const vrv_index *idx, size_t d);
vrv_str vrv_index_dict_get(const vrv_index *idx, size_t d, uint32_t id);

/* The metric state of a row; read it only while holding the row's chunk lock. */
const void *vrv_index_row_metric(const vrv_index *idx, size_t row, size_t m);
void vrv_index_lock_chunk(const vrv_index *idx, size_t row);
void vrv_index_unlock_chunk(const vrv_index *idx, size_t row);

/* Storage order of the first snap->nrows rows: with rollup by (time,
 * dimensions in order, each in its natural order with null first), without
 * rollup by time then arrival. Returns a malloc'd array of row positions. */
uint32_t *vrv_index_sorted(const vrv_index *idx, const vrv_index_snapshot *snap);
/* The same order for rows [from, to) only (to <= snap->nrows). */
uint32_t *vrv_index_sorted_range(const vrv_index *idx, const vrv_index_snapshot *snap,
                                 size_t from, size_t to);

/* A number no other index of this process carries: a reader keeping copies
 * of an index's rows tells by it that the index it sees now is another. */
uint64_t vrv_index_uid(const vrv_index *idx);
/* Changes whenever rollup folds a later row into one of rows [from, to)
 * (to <= a snapshot's nrows): a copy of those rows' metrics taken when it had
 * another value may be stale. Counted per VRV_INDEX_FOLD_BLOCK rows, so a fold
 * into a neighbour in the same block counts too. Without rollup it never
 * changes. */
uint64_t vrv_index_folds(const vrv_index *idx, size_t from, size_t to);

#endif
