/*
 * granularity.h — Druid's granularities: how time is cut into buckets for
 * query results (granularity), rollup (queryGranularity) and segments
 * (segmentGranularity).
 *
 * A vrv_gran is a small value (copy it freely; nothing to free): `all` (one
 * bucket), `none` (millisecond buckets), a duration (fixed-length buckets from
 * an origin) or a period in a time zone (calendar buckets: days follow local
 * midnight, so a DST day is 23 or 25 hours). The simple names (`day`,
 * `fifteen_minute`, `week` starting on Monday, ...) are UTC periods. Bucketing
 * follows Druid's PeriodGranularity / DurationGranularity (Joda arithmetic in
 * the zone), JSON is read and written in Druid's shapes, and a bucket
 * timestamp is rendered in the granularity's zone.
 *
 * Where Druid's arithmetic gives a bucket that does not contain the instant
 * (instants before a positive origin with some multi-unit periods, and
 * duration granularities with an origin far from the instant's sign), varve
 * takes the bucket that does: the floor of the instant from the origin.
 */
#ifndef VRV_GRANULARITY_H
#define VRV_GRANULARITY_H

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/time.h"
#include "base/tz.h"
#include "base/vrv.h"

typedef enum vrv_gran_kind {
    VRV_GRAN_ALL = 0,  /* everything in one bucket [VRV_TIME_MIN, VRV_TIME_MAX) */
    VRV_GRAN_NONE,     /* one bucket per millisecond */
    VRV_GRAN_DURATION, /* fixed length from an origin */
    VRV_GRAN_PERIOD,   /* calendar period in a zone from an origin */
} vrv_gran_kind;

typedef struct vrv_gran {
    uint8_t kind;      /* vrv_gran_kind */
    bool has_origin;   /* PERIOD: origin given (else local 1970-01-01T00:00 in tz) */
    bool compound;     /* PERIOD: more than one positive field (PT1H30M) */
    vrv_period period; /* PERIOD: all fields >= 0, not all 0 */
    const vrv_tz *tz;  /* PERIOD: the zone (cached, never freed); UTC otherwise */
    int64_t duration;  /* DURATION: bucket length in ms, > 0 */
    vrv_ms origin;     /* PERIOD: origin instant; DURATION: origin % duration (as Druid keeps it) */
    int64_t fast_len;  /* > 0 when a bucket start is plain floor arithmetic (fixed zone,
                          no months): bucket length in ms */
    vrv_ms fast_origin; /* ... and the instant the buckets are counted from */
} vrv_gran;

/* ---- construction ------------------------------------------------------ */

/* The simple granularities, in Druid's GranularityType order. */
typedef enum vrv_gran_std {
    VRV_GRAN_STD_SECOND = 0,
    VRV_GRAN_STD_MINUTE,
    VRV_GRAN_STD_FIVE_MINUTE,
    VRV_GRAN_STD_TEN_MINUTE,
    VRV_GRAN_STD_FIFTEEN_MINUTE,
    VRV_GRAN_STD_THIRTY_MINUTE,
    VRV_GRAN_STD_HOUR,
    VRV_GRAN_STD_SIX_HOUR,
    VRV_GRAN_STD_EIGHT_HOUR,
    VRV_GRAN_STD_DAY,
    VRV_GRAN_STD_WEEK,
    VRV_GRAN_STD_MONTH,
    VRV_GRAN_STD_QUARTER,
    VRV_GRAN_STD_YEAR,
    VRV_GRAN_STD_ALL,
    VRV_GRAN_STD_NONE,
    VRV_GRAN_STD_COUNT,
} vrv_gran_std;

/* A simple granularity. */
vrv_gran vrv_gran_standard(vrv_gran_std which);

/* The standard name Druid writes for g ("DAY", "FIFTEEN_MINUTE", "ALL",
 * "NONE"), or NULL when g is not one of them (a zone other than UTC, an
 * origin, another period, a duration). */
const char *vrv_gran_std_name(const vrv_gran *g);

/* A period granularity. tz NULL means UTC; origin NULL means local
 * 1970-01-01T00:00 in tz. Returns VRV_EINVAL (err says why) for a zero
 * period or one with a negative field. */
int vrv_gran_make_period(vrv_gran *out, const vrv_period *p, const vrv_tz *tz, const vrv_ms *origin,
                         vrv_error *err);

/* A duration granularity; origin NULL means the epoch. VRV_EINVAL when
 * duration_ms <= 0. */
int vrv_gran_make_duration(vrv_gran *out, int64_t duration_ms, const vrv_ms *origin,
                           vrv_error *err);

/* Parses a simple name, case-insensitive ("day", "FIFTEEN_MINUTE", "all").
 * VRV_EINVAL with the list of names otherwise. */
int vrv_gran_parse(const char *s, size_t n, vrv_gran *out, vrv_error *err);

/* Reads a granularity from JSON as Druid accepts it: a simple name, or
 * {"type":"all"}, {"type":"none"},
 * {"type":"duration","duration":ms or "ms","origin":ISO or ms},
 * {"type":"period","period":"P1D","timeZone":"America/Los_Angeles","origin":ISO or ms}.
 * An origin without an offset is UTC (Druid parses it before the zone is
 * known). path names the value in errors ("spec.dataSchema.granularitySpec.
 * segmentGranularity.period: ..."). Unknown keys are ignored. j is borrowed. */
int vrv_gran_from_json(const json_t *j, const char *path, vrv_gran *out, vrv_error *err);

/* Druid's JSON for g: the standard name as a string ("DAY"), {"type":"all"},
 * {"type":"none"}, {"type":"duration","duration":60000,"origin":"1970-01-01T00:00:00.000Z"}
 * or {"type":"period","period":"P1D","timeZone":"America/Los_Angeles","origin":null}.
 * vrv_gran_to_json returns a new reference (json_decref it). */
json_t *vrv_gran_to_json(const vrv_gran *g);
void vrv_gran_append_json(vrv_buf *b, const vrv_gran *g);

/* True when a and b bucket identically and serialise identically (Druid's
 * equals: P1W and P7D differ). */
bool vrv_gran_equal(const vrv_gran *a, const vrv_gran *b);

/* ---- bucketing --------------------------------------------------------- */

/* Start of the bucket holding t (Druid's bucketStart / truncate). */
vrv_ms vrv_gran_bucket_start(const vrv_gran *g, vrv_ms t);

/* Start of the bucket after the one starting at start (Druid's increment):
 * start plus one period in the zone. Saturates at INT64_MAX. */
vrv_ms vrv_gran_next(const vrv_gran *g, vrv_ms start);

/* The bucket holding t: [bucket_start, next(bucket_start)). */
vrv_interval vrv_gran_bucket(const vrv_gran *g, vrv_ms t);

/* t when it starts a bucket, else the start of the next bucket (the
 * expression function timestamp_ceil). */
vrv_ms vrv_gran_ceil(const vrv_gran *g, vrv_ms t);

/* True when iv is exactly one bucket of g. */
bool vrv_gran_is_aligned(const vrv_gran *g, vrv_interval iv);

/* Walks the buckets overlapping an interval, as Druid's getIterable: from the
 * bucket holding iv.start while bucket starts are before iv.end. `all` yields
 * iv itself once.
 *     vrv_gran_iter it; vrv_interval b;
 *     vrv_gran_iter_init(&it, &g, iv);
 *     while (vrv_gran_iter_next(&it, &b)) ... */
typedef struct vrv_gran_iter {
    const vrv_gran *g; /* borrowed */
    vrv_ms cur;        /* start of the next bucket to yield */
    vrv_ms end;        /* iv.end */
    bool done;
    vrv_interval all; /* the one bucket of `all` */
} vrv_gran_iter;

void vrv_gran_iter_init(vrv_gran_iter *it, const vrv_gran *g, vrv_interval iv);
bool vrv_gran_iter_next(vrv_gran_iter *it, vrv_interval *bucket);

/* ---- comparison -------------------------------------------------------- */

/* Druid's Granularity.IS_FINER_THAN: compares the lengths of the buckets
 * holding the epoch: <0 when a is finer, 0 same length, >0 coarser. */
int vrv_gran_compare(const vrv_gran *a, const vrv_gran *b);

static inline bool vrv_gran_is_finer(const vrv_gran *a, const vrv_gran *b)
{
    return vrv_gran_compare(a, b) < 0;
}

/* Druid's Granularity.granularitiesFinerThan (used to pick segment intervals
 * for late rows): the standard granularities no coarser than g, in g's zone
 * and origin, coarsest first; never NONE, ALL only for ALL, WEEK only for
 * WEEK. Writes up to max into out; returns how many there are. */
size_t vrv_gran_finer_standard(const vrv_gran *g, vrv_gran *out, size_t max);

/* ---- rendering --------------------------------------------------------- */

/* Writes a bucket timestamp as Druid renders it for g: ISO-8601 with the
 * offset of a period granularity's zone ("2021-03-04T00:00:00.000-08:00"), in
 * UTC with "Z" otherwise. buf holds VRV_TIME_STR_MAX bytes; returns the length. */
size_t vrv_gran_format_time(const vrv_gran *g, vrv_ms t, char *buf);
void vrv_gran_append_time(vrv_buf *b, const vrv_gran *g, vrv_ms t);

#endif
