/*
 * seg_reader.h — opening a segment file (mmap) and reading its columns.
 *
 * vrv_segment_open maps the file and verifies it completely before returning:
 * the trailer, the footer checksum and JSON, every section's bounds and
 * XXH3-64, every block table and offset array. A truncated or corrupted file
 * is rejected with VRV_ECORRUPT and a message naming the file, the column and
 * the section; after a successful open every read is bounds-safe.
 *
 * Reads are by block of VRV_SEG_BLOCK_ROWS rows (the last block is shorter):
 * the caller passes a buffer of VRV_SEG_BLOCK_ROWS elements. A segment is
 * immutable and may be read from any number of threads.
 */
#ifndef VRV_SEG_READER_H
#define VRV_SEG_READER_H

#include <jansson.h>
#include <roaring/roaring.h>

#include "base/error.h"
#include "base/str.h"
#include "base/value.h"
#include "segment/seg_format.h"

typedef struct vrv_seg_section {
    uint64_t off, len; /* absolute file offset and length; len 0 = absent */
} vrv_seg_section;

typedef struct vrv_seg_col {
    const char *name;          /* borrowed from the footer JSON */
    vrv_ctype type;
    const char *complex_type;  /* COMPLEX columns, else NULL */
    bool is_time, is_metric;
    bool has_nulls;
    bool multi;                /* STRING/JSON with at least one multi-value row */
    bool bitmap;               /* STRING/JSON with bitmap indexes */
    uint32_t cardinality;      /* STRING/JSON: distinct values, null counted as one */
    uint32_t ndict;            /* STRING/JSON: non-null dictionary entries (ids 1..ndict) */
    uint32_t id_width;         /* bytes per stored id */
    uint64_t nflat;            /* STRING/JSON: total stored ids */
    vrv_seg_section values, nulls, dict, ids, mvoffsets, bitmaps, blobs;
} vrv_seg_col;

typedef struct vrv_segment vrv_segment;

int vrv_segment_open(const char *path, vrv_segment **out, vrv_error *err);
void vrv_segment_close(vrv_segment *seg);

size_t vrv_segment_rows(const vrv_segment *seg);
size_t vrv_segment_nblocks(const vrv_segment *seg);
/* The footer: segment metadata plus the column directory (borrowed). */
const json_t *vrv_segment_meta(const vrv_segment *seg);
uint64_t vrv_segment_file_size(const vrv_segment *seg);
vrv_ms vrv_segment_min_time(const vrv_segment *seg);
vrv_ms vrv_segment_max_time(const vrv_segment *seg);

/* Columns in storage order: __time first, then dimensions, then metrics. */
size_t vrv_segment_ncols(const vrv_segment *seg);
const vrv_seg_col *vrv_segment_col(const vrv_segment *seg, size_t i);
/* Position of a column by name, or -1. */
long vrv_segment_find(const vrv_segment *seg, const char *name);

/* Block readers; each returns the number of rows (or ids) in the block, or
 * VRV_ECORRUPT / VRV_EINVAL (wrong column type). */
long vrv_seg_read_times(const vrv_segment *seg, size_t block, int64_t *out);
long vrv_seg_read_longs(const vrv_segment *seg, size_t col, size_t block, int64_t *out);
long vrv_seg_read_doubles(const vrv_segment *seg, size_t col, size_t block, double *out);
long vrv_seg_read_floats(const vrv_segment *seg, size_t col, size_t block, float *out);
/* STRING/JSON: stored ids of block `block` of the flattened id list. For a
 * column without multi-value rows that is one id per row. */
long vrv_seg_read_ids(const vrv_segment *seg, size_t col, size_t block, uint32_t *out);
/* STRING/JSON multi-value columns: the range [*start, *end) of a row's ids
 * in the flattened id list. */
void vrv_seg_mv_range(const vrv_segment *seg, size_t col, size_t row, uint64_t *start,
                      uint64_t *end);

/* Dictionary: id 0 is null; ids 1..ndict are the values in byte order. */
vrv_str vrv_seg_dict_get(const vrv_segment *seg, size_t col, uint32_t id);
/* The id of a value, or -1 when absent. */
long vrv_seg_dict_find(const vrv_segment *seg, size_t col, vrv_str s);

/* The rows holding dictionary id `id` (id 0: null rows). Returns a new bitmap
 * the caller frees, or NULL when the column has no bitmaps. */
roaring_bitmap_t *vrv_seg_bitmap(const vrv_segment *seg, size_t col, uint32_t id);
/* Null rows of a numeric or complex column; NULL when it has none. Caller frees. */
roaring_bitmap_t *vrv_seg_nulls(const vrv_segment *seg, size_t col);

/* COMPLEX: the serialized bytes of a row (len 0 for null). */
void vrv_seg_blob(const vrv_segment *seg, size_t col, size_t row, const uint8_t **p, size_t *len);

#endif
