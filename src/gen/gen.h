/*
 * gen.h — synthetic event streams for the quickstart, tests and benchmarks.
 *
 * Two profiles: `wikipedia` (edits shaped like Druid's wikiticker tutorial
 * data: channel, page, user, namespace, geo fields for anonymous edits, delta /
 * added / deleted, JSON booleans, nulls, a multi-value `tags` list) and `clicks`
 * (~200-byte web clicks: 5 string dimensions, 3 numeric fields). Values follow
 * Zipf-like skews so rollup and topN behave as on real data. Output is fully
 * determined by the seed and the timestamps the caller passes.
 */
#ifndef VRV_GEN_H
#define VRV_GEN_H

#include "base/buf.h"
#include "base/vrv.h"

typedef enum vrv_gen_profile {
    VRV_GEN_WIKIPEDIA = 0,
    VRV_GEN_CLICKS = 1,
} vrv_gen_profile;

typedef struct vrv_gen vrv_gen;

/* Returns false when name is not a profile. */
bool vrv_gen_profile_parse(const char *name, vrv_gen_profile *out);

/* A generator; free with vrv_gen_free. */
vrv_gen *vrv_gen_new(vrv_gen_profile profile, uint64_t seed);
void vrv_gen_free(vrv_gen *g);

/* Appends one event as a single-line JSON object (no newline) stamped t. */
void vrv_gen_event(vrv_gen *g, vrv_ms t, vrv_buf *out);

/* The generator's random source, for callers that jitter timestamps the same
 * reproducible way: a uniform double in [0, 1). */
double vrv_gen_uniform(vrv_gen *g);

#endif
