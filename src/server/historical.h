/*
 * historical.h — the historical: segments assigned by the coordinator are
 * pulled from deep storage into a local cache, opened (mmap, fully verified)
 * and served until they are dropped.
 *
 * The cache lays segments out like deep storage
 * (<cache>/<dataSource>/<start>_<end>/<version>/<partition>/index.vseg). A
 * file already in the cache with the size the DataSegment names is used
 * without pulling it again, which is how a restarted server serves its
 * segments at once. A dropped segment's file is deleted.
 *
 * Served segments are reference counted: a query holds a reference
 * (vrv_hist_acquire) while it reads, and a drop only unmaps the file once the
 * last reader let go. Every function is thread safe.
 */
#ifndef VRV_HISTORICAL_H
#define VRV_HISTORICAL_H

#include <jansson.h>

#include "base/error.h"
#include "base/time.h"
#include "segment/seg_reader.h"
#include "storage/deep.h"

typedef struct vrv_hist vrv_hist;

/* One served segment. Fields are immutable while it is served. */
typedef struct vrv_hist_seg {
    char *id;
    char *data_source;
    vrv_interval interval;
    char *version;
    int32_t partition_num;
    int32_t core_partitions;
    uint64_t size;
    json_t *payload;      /* the DataSegment JSON */
    vrv_segment *segment; /* the open file */
    char *path;           /* its place in the cache */
    int refs;             /* guarded by the historical's mutex */
    bool dropped;
} vrv_hist_seg;

/* Called after a segment starts or stops being served (announce, unannounce). */
typedef void (*vrv_hist_notify_fn)(void *ctx, const vrv_hist_seg *seg, bool served);

/* cache_dir is created if missing; deep is borrowed. */
int vrv_hist_new(const char *cache_dir, vrv_deep *deep, vrv_hist **out, vrv_error *err);
/* Frees h and closes every segment (no reader may remain). h may be NULL. */
void vrv_hist_free(vrv_hist *h);

void vrv_hist_set_notify(vrv_hist *h, vrv_hist_notify_fn fn, void *ctx);

/* Loads a segment from its DataSegment JSON (payload, borrowed). Already
 * served: 0. Errors name the segment: a bad loadSpec, a missing or corrupt
 * file. */
int vrv_hist_load(vrv_hist *h, const char *payload, vrv_error *err);

/* Stops serving a segment and deletes its cached file; false when it was not
 * served. */
bool vrv_hist_drop(vrv_hist *h, const char *id);

/* Whether a segment is served. */
bool vrv_hist_has(vrv_hist *h, const char *id);

/* A reference to a served segment (NULL when not served); release it with
 * vrv_hist_release. */
vrv_hist_seg *vrv_hist_acquire(vrv_hist *h, const char *id);
void vrv_hist_release(vrv_hist *h, vrv_hist_seg *s);

/* The ids of every served segment (malloc'd array of malloc'd strings,
 * *n entries). */
char **vrv_hist_list(vrv_hist *h, size_t *n);

/* Served segments as a JSON array of DataSegment objects (new reference),
 * optionally of one data source only. */
json_t *vrv_hist_segments_json(vrv_hist *h, const char *data_source);

/* Totals of what is served. */
void vrv_hist_totals(vrv_hist *h, size_t *count, uint64_t *bytes);

#endif
