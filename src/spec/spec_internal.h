/*
 * spec_internal.h — what the spec parser's files share and nothing outside
 * src/spec uses: the parse context, typed JSON getters that report the JSON
 * path of a bad field, and the time conversions (spec_time.c), which are the
 * only place the spec parser touches the time library.
 *
 * Getter conventions: obj may be NULL (an absent parent). A key that is absent
 * or JSON null yields the default, as Jackson does for Druid. Numbers given as
 * numeric strings and booleans given as "true"/"false" are accepted (Jackson's
 * scalar coercion). A value of the wrong type fails with
 * "<path>.<key>: must be ..." and VRV_EINVAL. Strings returned point into the
 * JSON (borrowed; the spec keeps the JSON alive).
 */
#ifndef VRV_SPEC_INTERNAL_H
#define VRV_SPEC_INTERNAL_H

#include <jansson.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/error.h"
#include "spec/spec.h"

typedef struct spec_ctx {
    vrv_arena *arena; /* the spec's arena: paths, arrays */
    vrv_error *err;
    vrv_spec_opts opts; /* resolved: budget and processors never 0 */
    json_t *built;      /* array keeping JSON the parser built alive */
} spec_ctx;

/* Resolves options (budget, processors) and creates the arena and the
 * built-JSON holder; the caller frees both on failure. */
void sp_ctx_init(spec_ctx *c, const vrv_spec_opts *opts, vrv_error *err);

/* "<parent>.<key>" (or key alone when parent is empty), in the arena. */
const char *sp_path(spec_ctx *c, const char *parent, const char *key);
/* "<parent>[<i>]", in the arena. */
const char *sp_path_idx(spec_ctx *c, const char *parent, size_t i);

/* Sets err to "<path>.<key>: <message>" (key may be NULL: "<path>: ...") with
 * VRV_EINVAL; returns VRV_EINVAL. */
int sp_fail(spec_ctx *c, const char *path, const char *key, const char *fmt, ...) VRV_PRINTF(4, 5);
/* Same with another code (VRV_EUNSUPPORTED). */
int sp_fail_code(spec_ctx *c, int code, const char *path, const char *key, const char *fmt, ...)
    VRV_PRINTF(5, 6);

/* Present and not JSON null. */
bool sp_has(const json_t *obj, const char *key);
/* obj[key] when present and not null, else NULL. */
json_t *sp_get(const json_t *obj, const char *key);

int sp_int(spec_ctx *c, const json_t *obj, const char *path, const char *key, int def, int *out);
int sp_i64(spec_ctx *c, const json_t *obj, const char *path, const char *key, int64_t def,
           int64_t *out);
int sp_bool(spec_ctx *c, const json_t *obj, const char *path, const char *key, bool def, bool *out);
int sp_double(spec_ctx *c, const json_t *obj, const char *path, const char *key, double def,
              double *out);
int sp_str(spec_ctx *c, const json_t *obj, const char *path, const char *key, const char *def,
           const char **out);
/* A required non-empty string: "required" / "must be a string" / "must not be empty". */
int sp_str_req(spec_ctx *c, const json_t *obj, const char *path, const char *key, const char **out);
/* An object, or NULL when absent. */
int sp_obj(spec_ctx *c, const json_t *obj, const char *path, const char *key, json_t **out);
/* An array, or NULL when absent. */
int sp_arr(spec_ctx *c, const json_t *obj, const char *path, const char *key, json_t **out);
/* An array of strings, copied into an arena array of borrowed pointers; absent
 * gives n = 0. Elements must be strings ("<path>.<key>[i]: must be a string"). */
int sp_str_list(spec_ctx *c, const json_t *obj, const char *path, const char *key,
                const char ***out, size_t *n);
/* An int that must be >= min ("must be >= <min>"). */
int sp_int_min(spec_ctx *c, const json_t *obj, const char *path, const char *key, int def, int min,
               int *out);
int sp_i64_min(spec_ctx *c, const json_t *obj, const char *path, const char *key, int64_t def,
               int64_t min, int64_t *out);

/* An optional int (int64) that must be >= min when given; absent gives
 * `absent` (which need not satisfy min, e.g. 0 or -1 for "not set"). */
int sp_int_opt(spec_ctx *c, const json_t *obj, const char *path, const char *key, int min,
               int absent, int *out);
int sp_i64_opt(spec_ctx *c, const json_t *obj, const char *path, const char *key, int64_t min,
               int64_t absent, int64_t *out);

/* A sub-object owned by another module: must be an object with a non-empty
 * string `type` when present. Fills *out (json NULL when absent). */
int sp_sub(spec_ctx *c, const json_t *obj, const char *path, const char *key, bool required,
           vrv_spec_sub *out);

/* Keeps j (a new reference, stolen) alive for the spec's lifetime; returns it. */
json_t *sp_keep(spec_ctx *c, json_t *j);

/* Druid's id rules (IdUtils.validateId) for a dataSource or supervisor id. */
int sp_validate_id(spec_ctx *c, const char *path, const char *key, const char *id);

/* ---- time (spec_time.c) ---- */

/* An ISO-8601 period field converted to a fixed duration in ms (periods with
 * months or years have no fixed length and are rejected). def_text is used when
 * the field is absent; *text (may be NULL) receives the text used. The value
 * must be >= min_ms. */
int sp_period(spec_ctx *c, const json_t *obj, const char *path, const char *key,
              const char *def_text, vrv_ms min_ms, vrv_ms *out, const char **text);
/* An ISO-8601 instant field; *has is false when absent. */
int sp_instant(spec_ctx *c, const json_t *obj, const char *path, const char *key, bool *has,
               vrv_ms *out);
/* An ISO-8601 interval string ("start/end", "start/period", "period/end"). */
int sp_interval(spec_ctx *c, const json_t *v, const char *path, vrv_interval *out);
/* A granularity field (string or object); def_name when absent. */
int sp_granularity(spec_ctx *c, const json_t *obj, const char *path, const char *key,
                   const char *def_name, vrv_gran *out);
/* Whether a is coarser than b (a's buckets are longer). */
bool sp_gran_coarser(const vrv_gran *a, const vrv_gran *b);
/* Druid's JSON for a granularity (new reference). */
json_t *sp_gran_json(const vrv_gran *g);
/* Druid's ISO rendering of an instant ("2021-03-04T05:06:07.000Z"). */
json_t *sp_instant_json(vrv_ms t);
/* Joda Duration.toString: "PT3600S", "PT0.500S". */
json_t *sp_duration_json(vrv_ms ms);
/* "start/end" with both instants in Druid's ISO rendering. */
json_t *sp_interval_json(const vrv_interval *iv);

/* ---- shared pieces (spec_schema.c, spec_tuning.c) ---- */

/* Parses a dataSchema object at path (e.g. "spec.dataSchema"). */
int sp_data_schema(spec_ctx *c, const json_t *ds, const char *path, vrv_spec_data_schema *out);
/* The shared tuningConfig fields. batch selects the batch maxRowsInMemory default. */
int sp_tuning_common(spec_ctx *c, const json_t *t, const char *path, bool batch,
                     vrv_spec_tuning_common *out);

/* Serialisation helpers (spec_write.c). */
json_t *sp_data_schema_json(const vrv_spec_data_schema *s);
json_t *sp_index_spec_json(const vrv_spec_index_spec *is);
json_t *sp_json_ref(json_t *j); /* j with a new reference, or JSON null */

#endif
