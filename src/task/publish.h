/*
 * publish.h — the end of a task's work on one time chunk, shared by the
 * batch and the streaming task: the chunk's spill segments merged into its
 * final segments (cut at maxRowsPerSegment rows), each written with its
 * footer metadata, pushed to deep storage and described by Druid's
 * DataSegment JSON; then one segmentTransactionalInsert action that
 * publishes a task's segments (and drops replaced ones) in one metadata
 * transaction (druid-streaming.md §4.8, §8).
 *
 * Segment identity (version, partition number, core partition count, and
 * the interval, which an appending allocation may widen to an existing
 * chunk's) is the caller's: a batch overwrite numbers partitions under its
 * lock's version, an append or a stream allocates them through the
 * overlord. The caller names it for each output through a callback, once
 * the number of outputs is known.
 *
 * Footer metadata of a final segment (docs/segment-format.md): dataSource,
 * interval, version, partitionNum, shardSpec, aggregators (the combining
 * factories), queryGranularity, rollup, timestampSpec, dimensions, metrics.
 */
#ifndef VRV_TASK_PUBLISH_H
#define VRV_TASK_PUBLISH_H

#include <jansson.h>

#include "agg/agg.h"
#include "base/error.h"
#include "base/granularity.h"
#include "base/time.h"
#include "segment/seg_writer.h"
#include "storage/deep.h"
#include "task/action.h"

/* What every final segment of a task shares. Everything is borrowed. */
typedef struct vrv_publish_schema {
    const char *data_source;
    const vrv_agg_list *metrics;   /* the metricsSpec, in column order */
    bool rollup;
    const vrv_gran *query_gran;
    const json_t *timestamp_spec;  /* for the footer; may be NULL */
    vrv_seg_writer_opts writer;    /* indexSpec codecs of final segments */
    uint64_t max_rows_per_segment; /* rows per output segment; 0 = no limit */
    const char *work_dir;          /* final files are written here, then pushed and removed */
    vrv_deep *deep;
    const char *deep_unique;       /* vrv_deep_key.unique: NULL for a batch task; a
                                      streaming replica passes its task id */
} vrv_publish_schema;

/* The identity of one output segment. */
typedef struct vrv_publish_ident {
    vrv_interval interval;   /* the segment's interval (encloses the chunk's rows) */
    char *version;           /* malloc'd by the callback, freed by vrv_publish_build */
    int32_t partition_num;
    int32_t core_partitions; /* shardSpec.partitions */
} vrv_publish_ident;

/* Names output `index` of `count` of chunk. A negative return stops the
 * build with err set. */
typedef int (*vrv_publish_ident_fn)(void *ctx, vrv_interval chunk, size_t index, size_t count,
                                    vrv_publish_ident *out, vrv_error *err);

/* What a build produced. */
typedef struct vrv_publish_stats {
    size_t segments; /* outputs pushed */
    uint64_t rows;   /* rows in them */
    uint64_t bytes;  /* their file sizes */
} vrv_publish_stats;

/* The number of final segments the merge of spills[0..n) (paths) gives
 * (rows of equal key counted once with rollup), without writing anything:
 * for a caller that must know a chunk's core partition count before the
 * first of several builds. VRV_ECORRUPT/VRV_EIO naming a bad spill. */
int vrv_publish_count(const vrv_publish_schema *s, const char *const *spills, size_t n,
                      size_t *segments, vrv_error *err);

/* Merges the spill segments spills[0..n) (paths, n >= 1) of chunk into
 * final segments, pushes each to deep storage and appends its DataSegment
 * JSON to `segments` (a JSON array, borrowed). Zero rows give no segment.
 * stats (may be NULL) is added to. Spill files are left in place (the
 * caller removes its spill directory). */
int vrv_publish_build(const vrv_publish_schema *s, vrv_interval chunk, const char *const *spills,
                      size_t n, vrv_publish_ident_fn ident, void *ident_ctx, json_t *segments,
                      vrv_publish_stats *stats, vrv_error *err);

/* Publishes through the overlord's segmentTransactionalInsert action: the
 * DataSegments of `segments` (array), marking the used segments whose ids
 * are in `drop` (array of ids, may be NULL) unused in the same transaction.
 * `extra` (an object, may be NULL) is merged into the action (a stream's
 * startMetadata and endMetadata). All borrowed. *result (may be NULL) gets
 * the action's result (new reference) — also when the overlord refused the
 * publish (VRV_ECONFLICT, {"success":false,"errorMsg":..}). */
int vrv_publish_commit(vrv_action_client *c, const json_t *segments, const json_t *drop,
                       const json_t *extra, json_t **result, vrv_error *err);

/* The DataSegment JSON of a pushed file (a new reference): the fields of
 * ident, the dimension names, the metric names of metrics, the loadSpec
 * text deep storage returned and the file size. */
json_t *vrv_publish_dataseg(const char *data_source, const vrv_publish_ident *ident,
                            const char *const *dims, size_t ndims, const vrv_agg_list *metrics,
                            const char *load_spec, uint64_t size);

#endif
