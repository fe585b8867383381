/*
 * agg.h — Druid aggregators: the factory specs (parsed from and written back
 * to Druid's JSON), their types and combining forms, and the per-group state
 * operations used by the ingestion rollup index and the query engine.
 *
 * What this module owns: parsing and validating an aggregator object, the
 * type rules of druid-query.md §5/§9 (stored, intermediate and finalized
 * types, combining factory, what may appear in a metricsSpec), and the state
 * machine of each aggregator: init, add, merge, get, finalize, serialize,
 * deserialize, destroy. What it does not own: filters and inline expressions.
 * A `filtered` spec keeps its filter as JSON and an `expression` input is kept
 * as text; the caller compiles and evaluates them, feeds a filtered
 * aggregator only the rows that match, and feeds an expression aggregator the
 * evaluated value.
 *
 * A parsed spec is immutable and may be shared by threads; a state belongs to
 * one thread at a time.
 *
 * State lives in a caller-provided byte area of vrv_agg_state_size() bytes,
 * aligned to vrv_agg_state_align(). Numeric aggregators never allocate. Sketch
 * and string first/last states hold a pointer to heap memory, created on the
 * first value; vrv_agg_destroy frees it and vrv_agg_state_bytes reports it.
 *
 * Complex values. A VRV_V_COMPLEX vrv_value carries an intermediate form:
 * its flags hold a vrv_agg_kind, plus VRV_AGG_CX_BYTES when u.ptr/len is the
 * serialized form (a stored complex column cell, a post-aggregator result);
 * without that bit u.ptr points to a live object owned by an aggregator state
 * (vrv_hllsk, vrv_theta, vrv_quantiles, or a pair; NULL for a sketch that
 * never saw a value, i.e. an empty sketch). vrv_agg_add accepts either
 * form and merges it: that is how a combining aggregator reads a stored
 * sketch or first/last pair column.
 */
#ifndef VRV_AGG_AGG_H
#define VRV_AGG_AGG_H

#include <jansson.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/value.h"
#include "base/vrv.h"

typedef enum vrv_agg_type {
    VRV_AGG_COUNT = 0,
    VRV_AGG_LONG_SUM,
    VRV_AGG_DOUBLE_SUM,
    VRV_AGG_FLOAT_SUM,
    VRV_AGG_LONG_MIN,
    VRV_AGG_LONG_MAX,
    VRV_AGG_DOUBLE_MIN,
    VRV_AGG_DOUBLE_MAX,
    VRV_AGG_FLOAT_MIN,
    VRV_AGG_FLOAT_MAX,
    VRV_AGG_LONG_FIRST,
    VRV_AGG_LONG_LAST,
    VRV_AGG_DOUBLE_FIRST,
    VRV_AGG_DOUBLE_LAST,
    VRV_AGG_FLOAT_FIRST,
    VRV_AGG_FLOAT_LAST,
    VRV_AGG_STRING_FIRST,
    VRV_AGG_STRING_LAST,
    VRV_AGG_LONG_ANY,
    VRV_AGG_DOUBLE_ANY,
    VRV_AGG_FLOAT_ANY,
    VRV_AGG_STRING_ANY,
    VRV_AGG_DOUBLE_MEAN,
    VRV_AGG_FILTERED,
    VRV_AGG_CARDINALITY,
    VRV_AGG_HYPER_UNIQUE,
    VRV_AGG_THETA,
    VRV_AGG_HLLSK_BUILD,
    VRV_AGG_HLLSK_MERGE,
    VRV_AGG_QUANTILES,
    VRV_AGG_GROUPING,
    VRV_AGG_EXPRESSION, /* Druid's ExpressionLambdaAggregatorFactory: agg_expr.h */
    VRV_AGG_TYPE_COUNT_
} vrv_agg_type;

/* The kind of an intermediate (complex) value, kept in vrv_value.flags. */
typedef enum vrv_agg_kind {
    VRV_AGG_K_NONE = 0,
    VRV_AGG_K_HLL,         /* hyperUnique / cardinality: vrv_hll */
    VRV_AGG_K_THETA,       /* vrv_theta */
    VRV_AGG_K_HLLSK,       /* HLLSketch: vrv_hllsk */
    VRV_AGG_K_QUANTILES,   /* vrv_quantiles */
    VRV_AGG_K_PAIR_LONG,   /* (time, long) of longFirst/longLast: vrv_agg_pair */
    VRV_AGG_K_PAIR_DOUBLE, /* (time, double) */
    VRV_AGG_K_PAIR_FLOAT,  /* (time, float) */
    VRV_AGG_K_PAIR_STRING, /* (time, string) */
    VRV_AGG_K_MEAN,        /* doubleMean's (sum, count): vrv_agg_mean */
} vrv_agg_kind;

#define VRV_AGG_CX_BYTES 0x80 /* flag: u.ptr/len is the serialized form */
#define VRV_AGG_KIND_MASK 0x7f

/* The live form of first/last pairs and of doubleMean. */
typedef struct vrv_agg_pair {
    int64_t time;  /* INT64_MAX (first) / INT64_MIN (last) while empty */
    bool has;      /* a row was folded in */
    bool null;     /* the value at that time is null */
    uint32_t len;  /* string length */
    uint32_t cap;  /* bytes allocated for v.s */
    union {
        int64_t l;
        double d;
        float f;
        char *s;   /* string pairs: heap, owned by the state */
    } v;
} vrv_agg_pair;

typedef struct vrv_agg_mean {
    double sum;
    int64_t count;
} vrv_agg_mean;

/* Druid's tgtHllType. */
typedef enum vrv_hll_tgt { VRV_HLL_4 = 4, VRV_HLL_6 = 6, VRV_HLL_8 = 8 } vrv_hll_tgt;

/* The `expression` aggregator's compiled fold/combine/finalize (agg_expr.c). */
typedef struct vrv_agg_lambda vrv_agg_lambda;

/* Where a spec appears: a metricsSpec rejects query-only aggregators. */
typedef enum vrv_agg_ctx { VRV_AGG_CTX_QUERY = 0, VRV_AGG_CTX_INGEST } vrv_agg_ctx;

typedef struct vrv_agg_spec {
    vrv_agg_type type;
    char *name;            /* output / stored column name */
    char *field_name;      /* input column, NULL when absent */
    char *expression;      /* inline input expression, NULL when absent */
    char *time_column;     /* first/last: NULL means __time */
    char **fields;         /* cardinality: input dimensions; grouping: groupings;
                            * expression: the input columns its fold reads */
    size_t nfields;
    json_t *fields_json;   /* cardinality: the `fields` array as given (names or
                            * dimensionSpecs), reference owned by the spec */
    bool round;            /* hyperUnique, cardinality, HLLSketch* */
    bool by_row;           /* cardinality */
    bool is_input_hyper_unique;
    bool is_input_theta;
    bool should_finalize;  /* thetaSketch, HLLSketch*, quantilesDoublesSketch: default true */
    bool has_error_bounds; /* thetaSketch errorBoundsStdDev given */
    int error_bounds_std_dev;
    int lgk;               /* HLLSketch*: 4..21, default 12 */
    vrv_hll_tgt tgt;       /* HLLSketch*: default HLL_4 */
    uint32_t size;         /* thetaSketch nominal entries, default 16384 */
    uint32_t k;            /* quantilesDoublesSketch, default 128 */
    int64_t max_stream_length; /* quantilesDoublesSketch, default 1e9 (echoed only) */
    int max_string_bytes;  /* string first/last/any, default 1024 */
    bool aggregate_multiple_values; /* stringAny, default true */
    json_t *filter;        /* filtered: the filter JSON, reference owned by the spec */
    struct vrv_agg_spec *inner; /* filtered: the wrapped aggregator, owned */
    vrv_agg_lambda *lambda;     /* expression: owned */
} vrv_agg_spec;

/* Druid's type name ("longSum", "HLLSketchBuild", ...). */
const char *vrv_agg_type_name(vrv_agg_type t);

/* Parses one aggregator object. path names it in messages
 * ("spec.dataSchema.metricsSpec[2]" gives
 * "spec.dataSchema.metricsSpec[2].fieldName: required"). In
 * VRV_AGG_CTX_INGEST, query-only types (`*Any`, doubleMean, cardinality,
 * grouping) are rejected. On success *out is a new spec (vrv_agg_spec_free);
 * json is not kept except for filter / fields, which are referenced. */
int vrv_agg_parse(const json_t *json, const char *path, vrv_agg_ctx ctx, vrv_agg_spec **out,
                  vrv_error *err);

/* A list of specs (a metricsSpec or a query's aggregations). */
typedef struct vrv_agg_list {
    vrv_agg_spec **v;
    size_t n;
} vrv_agg_list;

/* Parses a JSON array (NULL or JSON null gives an empty list) with each
 * element's path "path[i]"; output names must be distinct. Fills *out (free
 * with vrv_agg_list_free) or returns an error with nothing to free. */
int vrv_agg_parse_list(const json_t *json, const char *path, vrv_agg_ctx ctx, vrv_agg_list *out,
                       vrv_error *err);
void vrv_agg_list_free(vrv_agg_list *l);

void vrv_agg_spec_free(vrv_agg_spec *s);
vrv_agg_spec *vrv_agg_spec_clone(const vrv_agg_spec *s);

/* The combining factory: the aggregator that merges s's partial results and
 * reads the column s stored (count -> longSum(name), HLLSketchBuild ->
 * HLLSketchMerge, cardinality -> hyperUnique, filtered -> its inner one's).
 * Returns a new spec (vrv_agg_spec_free). */
vrv_agg_spec *vrv_agg_combining(const vrv_agg_spec *s);

/* Druid's JSON form of the spec, with every property Druid writes (new
 * reference, json_decref). */
json_t *vrv_agg_to_json(const vrv_agg_spec *s);

/* A column type with its complex type name ("hyperUnique", "thetaSketch",
 * "HLLSketch", "quantilesDoublesSketch", "serializablePairLongString", ...;
 * NULL unless type is VRV_C_COMPLEX). */
typedef struct vrv_agg_coltype {
    vrv_ctype type;
    const char *complex;
} vrv_agg_coltype;

/* The type of the column s builds at ingestion (= its intermediate type). */
vrv_agg_coltype vrv_agg_stored_type(const vrv_agg_spec *s);
vrv_agg_coltype vrv_agg_intermediate_type(const vrv_agg_spec *s);
/* The type of the finalized value (round -> LONG, quantiles -> LONG, ...);
 * a thetaSketch with errorBoundsStdDev finalizes to COMPLEX<json>, and a
 * sketch with shouldFinalize:false to its intermediate type. */
vrv_agg_coltype vrv_agg_finalized_type(const vrv_agg_spec *s);
/* Whether a metricsSpec may contain s. */
bool vrv_agg_allowed_at_ingest(const vrv_agg_spec *s);
/* The input columns s reads, like Druid's requiredFields(): fieldName, the
 * cardinality fields, and the time column of first/last. Writes at most max
 * borrowed names to out and returns how many; an `expression` input's
 * columns and a filtered aggregator's filter columns are the caller's to add
 * (they need src/expr). */
size_t vrv_agg_required_fields(const vrv_agg_spec *s, const char **out, size_t max);
/* The innermost spec of a filtered chain (s itself otherwise): the one whose
 * state ops run. */
const vrv_agg_spec *vrv_agg_unwrap(const vrv_agg_spec *s);

/* ---- state -------------------------------------------------------------- */

size_t vrv_agg_state_size(const vrv_agg_spec *s);
size_t vrv_agg_state_align(const vrv_agg_spec *s);

/* Lays out the states of n aggregators in one row area: offsets[i] gets the
 * byte offset of specs[i]'s state (each aligned as vrv_agg_state_align asks);
 * returns the area's size, a multiple of 8. */
size_t vrv_agg_layout(const vrv_agg_spec *const *specs, size_t n, size_t *offsets);

/* Initialises an empty state in the caller's area. */
void vrv_agg_init(const vrv_agg_spec *s, void *state);
/* Frees heap memory the state owns (nothing for numeric aggregators); the
 * area may then be re-initialised. */
void vrv_agg_destroy(const vrv_agg_spec *s, void *state);
/* Bytes the state occupies: its fixed size plus owned heap memory. */
size_t vrv_agg_state_bytes(const vrv_agg_spec *s, const void *state);
/* Whether a state of s can own heap memory (sketches, string pairs, string
 * any, expression states); when not, vrv_agg_state_bytes is always its
 * fixed size. */
bool vrv_agg_has_heap(const vrv_agg_spec *s);

/* Folds one input value, read at row time t (first/last use it). count
 * ignores v (may be NULL). Nulls are skipped (first/last: a null at an
 * earlier/later time makes the result null, as in Druid). An array folds each
 * element for the sketches and cardinality; for numeric aggregators a
 * one-element array counts as its element. A complex value is merged. Returns
 * 0, or VRV_EINVAL when v cannot be read as this aggregator's input (a
 * non-numeric string for a numeric aggregator, a complex value of another
 * kind, a corrupt serialized value): the state is unchanged and the caller
 * decides (a parse exception at ingestion, skip at query time). */
int vrv_agg_add(const vrv_agg_spec *s, void *state, const vrv_value *v, vrv_ms t);
/* cardinality over several fields: vals[i] is the value of fields[i] for the
 * row (byRow hashes the combination). Other types use vals[0]. */
int vrv_agg_add_row(const vrv_agg_spec *s, void *state, const vrv_value *vals, size_t n,
                    vrv_ms t);

/* vrv_agg_add_row for callers that fail the query on an aggregator's error:
 * the `expression` aggregator's fold can fail (an evaluation error, a result
 * past maxSizeBytes) and fills err; every other type folds as add_row does
 * and returns 0. */
int vrv_agg_fold_row(const vrv_agg_spec *s, void *state, const vrv_value *vals, size_t n,
                     vrv_ms t, vrv_error *err);

/* dst = combine(dst, src), both states of s; src is unchanged. Floats follow
 * Druid's combine(): the result is marked combined and finalizes as DOUBLE.
 * first/last pairs with equal times keep dst (Druid's combine keeps lhs),
 * while vrv_agg_add of a pair at an equal time replaces a last value. */
void vrv_agg_merge(const vrv_agg_spec *s, void *dst, const void *src);

/* The intermediate value: a number (or null) for numeric aggregators, a live
 * complex value otherwise. Borrowed: valid while the state is unchanged. */
vrv_value vrv_agg_get(const vrv_agg_spec *s, const void *state);

/* The finalized value per druid-query.md §9: count -> LONG (0 when empty);
 * sums/min/max -> their type or null when empty (floats: FLOAT, or DOUBLE once
 * combined); first/last -> value or null; mean -> DOUBLE (0.0 when empty, as
 * Druid's DoubleMeanHolder); hyperUnique,
 * cardinality, HLLSketch -> DOUBLE estimate (LONG with round); thetaSketch ->
 * DOUBLE (a JSON object with errorBoundsStdDev); quantiles -> LONG N.
 * Sketches with shouldFinalize:false give the intermediate form. Strings are
 * borrowed from the state; JSON text is allocated in arena. */
vrv_value vrv_agg_finalize(const vrv_agg_spec *s, const void *state, vrv_arena *arena);

/* Finalizes an intermediate value v of aggregator s (a live or serialized
 * complex value, or a number) the way vrv_agg_finalize finalizes a state:
 * used by finalizingFieldAccess and for partial results merged elsewhere.
 * Numbers and nulls pass through; strings and JSON land in arena. A complex
 * value of the wrong kind or corrupt bytes give null. */
vrv_value vrv_agg_finalize_value(const vrv_agg_spec *s, const vrv_value *v, vrv_arena *arena);

/* Appends the serialized intermediate form of the state. Defined for every
 * type whose intermediate is complex (sketches, first/last pairs, mean) and
 * for numeric ones (8-byte value + null flag). */
void vrv_agg_serialize(const vrv_agg_spec *s, const void *state, vrv_buf *out);
/* Initialises state from a serialized form; VRV_ECORRUPT (err names the
 * aggregator) on malformed input, leaving the state initialised and empty. */
int vrv_agg_deserialize(const vrv_agg_spec *s, void *state, const void *p, size_t n,
                        vrv_error *err);

/* The kind of s's intermediate complex value (VRV_AGG_K_NONE for numbers). */
vrv_agg_kind vrv_agg_complex_kind(const vrv_agg_spec *s);

/* A complex value over serialized bytes (borrowed). */
static inline vrv_value vrv_agg_complex_bytes(vrv_agg_kind kind, const void *p, size_t n)
{
    vrv_value v = {0};
    v.type = VRV_V_COMPLEX;
    v.flags = (uint8_t)(kind | VRV_AGG_CX_BYTES);
    v.u.ptr = p;
    v.len = (uint32_t)n;
    return v;
}

/* Serializes any complex value (live or bytes) into arena memory and returns
 * a bytes complex value; non-complex values are returned unchanged. */
vrv_value vrv_agg_complex_to_bytes(const vrv_value *v, vrv_arena *arena);

/* How an intermediate value is written in results with finalize:false, like
 * Druid's Jackson serializers: sketches and means as base64 strings of their
 * serialized form, first/last pairs as {"lhs":time,"rhs":value} JSON. Other
 * values are returned unchanged. Text is allocated in arena. */
vrv_value vrv_agg_complex_render(const vrv_value *v, vrv_arena *arena);

/* The 64-bit hash that hyperUnique, cardinality, thetaSketch and HLLSketch
 * feed their sketches: XXH3 of the value's string form (so "5" and 5 count as
 * one value). Returns false for null, arrays and complex values. */
bool vrv_agg_hash_value(const vrv_value *v, uint64_t *out);

/* Grouping: the bitmask value of a `grouping` aggregator for a subtotal
 * whose dimensions are present[0..n): for each grouping dimension in order,
 * a 1 bit when it is absent from the subtotal. The caller adds it with
 * vrv_agg_add(vrv_long(mask)). */
int64_t vrv_agg_grouping_value(const vrv_agg_spec *s, const char *const *present, size_t n);

/* thetaSketch's estimate with error bounds as Druid writes it:
 * {"estimate":E,"highBound":H,"lowBound":L,"numStdDev":N} (JSON text in
 * arena). t NULL is an empty sketch. */
struct vrv_theta;
vrv_value vrv_agg_theta_estimate_json(const struct vrv_theta *t, int num_std_dev, vrv_arena *arena);

/* Standard base64 (with padding) of p[0..n) into arena; NUL-terminated. */
char *vrv_agg_base64(vrv_arena *arena, const void *p, size_t n, size_t *outlen);
/* Decodes standard base64 into out (appends); false on malformed input. */
bool vrv_agg_base64_decode(const char *s, size_t n, vrv_buf *out);

#endif
