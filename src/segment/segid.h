/*
 * segid.h — segment identity as Druid spells it, and the DataSegment JSON
 * that describes a published segment (druid-streaming.md §8,
 * druid-query.md §12.3).
 *
 * A segment id is `dataSource_start_end_version[_partitionNum]` with the
 * interval ends in canonical ISO-8601 UTC (`2021-03-04T00:00:00.000Z`); the
 * suffix is left out for partition 0. Data source names and versions may
 * contain '_', so an id is parsed from the interval outwards: the interval is
 * the one pair of adjacent canonical instants, everything before it is the
 * data source, and after it comes the version and an optional partition
 * number.
 *
 * Nothing here keeps state. Strings passed in are borrowed; results are
 * written into caller-owned buffers or returned as new jansson references.
 */
#ifndef VRV_SEGID_H
#define VRV_SEGID_H

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/time.h"

/* The parts of a segment id. Strings are malloc'd; release with
 * vrv_segid_clear. */
typedef struct vrv_segid {
    char *data_source;
    vrv_interval interval;
    char *version;
    int32_t partition_num;
} vrv_segid;

/* Appends the id of (data_source, interval, version, partition_num) to out. */
void vrv_segid_append(vrv_buf *out, const char *data_source, vrv_interval interval,
                      const char *version, int32_t partition_num);

/* The same as a malloc'd string (caller frees). */
char *vrv_segid_format(const char *data_source, vrv_interval interval, const char *version,
                       int32_t partition_num);

/* Parses id. With data_source (may be NULL) the id must start with it and
 * '_'; without, the data source is what precedes the interval. A last part of
 * digits after the version is the partition number, unless the version would
 * then be empty. VRV_EINVAL (err says why) when id is not a segment id. */
int vrv_segid_parse(const char *id, const char *data_source, vrv_segid *out, vrv_error *err);
void vrv_segid_clear(vrv_segid *s);

/* Appends Druid's interval text "start/end" with canonical instants. */
void vrv_segid_append_interval(vrv_buf *out, vrv_interval interval);

/* What a DataSegment JSON needs. Strings and the load spec are borrowed. */
typedef struct vrv_dataseg_desc {
    const char *data_source;
    vrv_interval interval;
    const char *version;
    const json_t *load_spec;    /* the deep-storage loadSpec object */
    const char *const *dims;    /* dimension names, in storage order */
    size_t ndims;
    const char *const *metrics; /* metric names */
    size_t nmetrics;
    int32_t partition_num;
    int32_t core_partitions;    /* shardSpec.partitions: the core set size, 0 for appended */
    uint64_t size;              /* segment file bytes */
} vrv_dataseg_desc;

#define VRV_DATASEG_BINARY_VERSION 9 /* what Druid writes for its own v9 segments */

/* Druid's DataSegment JSON, keys in Druid's order: dataSource, interval,
 * version, loadSpec, dimensions and metrics (comma-joined strings), shardSpec
 * {"type":"numbered","partitionNum","partitions"}, binaryVersion, size,
 * identifier. Returns a new reference. */
json_t *vrv_dataseg_to_json(const vrv_dataseg_desc *d);

#endif
