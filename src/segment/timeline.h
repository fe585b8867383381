/*
 * timeline.h — Druid's versioned interval timeline (VersionedIntervalTimeline)
 * for one data source: which segments a query over an interval must read.
 *
 * Segments are added as chunks of an entry (interval, version): the chunks
 * of one entry are its partitions. An entry is complete when its `numbered`
 * core partitions 0..core-1 are all present (a core of 0 — appended
 * segments — is complete with any one chunk), as Druid's PartitionHolder
 * decides it; partitions at or above the core are extra chunks that never
 * make an entry incomplete. At every instant the visible entry is the
 * complete one with the highest version (versions compare as strings, like
 * Druid's); an incomplete entry is never visible and hides nothing, so a
 * reindex becomes visible only once all its core partitions are there.
 * Among equal versions the entry added last wins.
 *
 * A segment is overshadowed when, at every instant of its interval, a
 * complete entry of a higher version exists: the coordinator marks such
 * segments unused.
 *
 * This is a pure data structure: no locking (the owner serialises access),
 * no I/O. Objects attached to chunks are borrowed and never freed here.
 * Holders returned by lookups point into the timeline and stay valid until
 * the next add or remove.
 */
#ifndef VRV_TIMELINE_H
#define VRV_TIMELINE_H

#include "base/time.h"
#include "base/vrv.h"

typedef struct vrv_timeline vrv_timeline;

typedef struct vrv_tl_chunk {
    int32_t partition_num;
    int32_t core_partitions; /* shardSpec.partitions of this chunk */
    void *obj;               /* borrowed */
} vrv_tl_chunk;

/* One visible piece of the timeline. */
typedef struct vrv_tl_holder {
    vrv_interval interval;      /* the visible part, clipped to the lookup interval */
    vrv_interval true_interval; /* the entry's whole interval */
    const char *version;        /* borrowed from the timeline */
    const vrv_tl_chunk *chunks; /* the entry's chunks by (core, partition); borrowed */
    size_t nchunks;
} vrv_tl_holder;

vrv_timeline *vrv_timeline_new(void);
/* Frees the timeline (not the objects). tl may be NULL. */
void vrv_timeline_free(vrv_timeline *tl);

/* Adds a chunk. version is copied. Returns 0, VRV_EINVAL for an empty or
 * inverted interval, a NULL version or a negative partition, VRV_ECONFLICT
 * when the entry already has that partition. */
int vrv_timeline_add(vrv_timeline *tl, vrv_interval iv, const char *version,
                     int32_t partition_num, int32_t core_partitions, void *obj);

/* Removes a chunk and returns its object, or NULL when it is not there. An
 * entry left without chunks disappears. */
void *vrv_timeline_remove(vrv_timeline *tl, vrv_interval iv, const char *version,
                          int32_t partition_num);

/* Finds a chunk's object, or NULL. */
void *vrv_timeline_find(const vrv_timeline *tl, vrv_interval iv, const char *version,
                        int32_t partition_num);

/* Chunks held, over all entries. */
size_t vrv_timeline_size(const vrv_timeline *tl);

/* The visible holders overlapping q, in time order. *out is a malloc'd array
 * (caller frees; NULL when the result is empty); returns its length. */
size_t vrv_timeline_lookup(const vrv_timeline *tl, vrv_interval q, vrv_tl_holder **out);

/* True when every instant of iv is covered by a complete entry whose version
 * is higher than version. An empty iv is never overshadowed. */
bool vrv_timeline_is_overshadowed(const vrv_timeline *tl, vrv_interval iv, const char *version);

/* Every chunk, entry by entry (by interval start, end, then version); calls
 * fn until it returns false. overshadowed says whether the chunk's entry is
 * overshadowed (as vrv_timeline_is_overshadowed). */
typedef bool (*vrv_tl_visit_fn)(void *ctx, vrv_interval iv, const char *version,
                                const vrv_tl_chunk *chunk, bool overshadowed);
void vrv_timeline_foreach(const vrv_timeline *tl, vrv_tl_visit_fn fn, void *ctx);

/* Whether an entry (iv, version) exists and is complete. */
bool vrv_timeline_is_complete(const vrv_timeline *tl, vrv_interval iv, const char *version);

#endif
