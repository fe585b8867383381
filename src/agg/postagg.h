/*
 * postagg.h — Druid post-aggregators: parsing and evaluation over one output
 * row (druid-query.md §6 and the datasketches extension's post-aggregators).
 *
 * A post-aggregator reads the row through a lookup callback: by name, the
 * aggregators' intermediate values (numbers, or complex values as agg.h
 * describes) and the results of earlier post-aggregators. It never reads
 * columns. `expression` post-aggregators are evaluated with src/expr over the
 * finalized values of the names they read (as Druid decorates them with the
 * aggregators' finalizers), unless the caller supplies its own evaluator.
 *
 * Result types: arithmetic, doubleGreatest/Least, thetaSketchEstimate, the
 * quantile/rank post-aggregators -> DOUBLE (NaN for an empty sketch);
 * longGreatest/Least -> LONG; constant keeps its JSON number type;
 * fieldAccess -> the raw value; finalizingFieldAccess / hyperUniqueCardinality
 * / HLLSketchEstimate -> the finalized estimate; ...ToQuantiles, ToHistogram,
 * ToCDF, HLLSketchEstimateWithBounds -> an ARRAY of DOUBLE; thetaSketchSetOp
 * and HLLSketchUnion -> a serialized sketch (complex bytes); *ToString ->
 * STRING; theta estimates with errorBoundsStdDev -> a JSON object.
 */
#ifndef VRV_AGG_POSTAGG_H
#define VRV_AGG_POSTAGG_H

#include <jansson.h>

#include "agg/agg.h"
#include "base/arena.h"
#include "base/error.h"
#include "base/value.h"

typedef enum vrv_postagg_type {
    VRV_PA_ARITHMETIC = 0,
    VRV_PA_FIELD_ACCESS,
    VRV_PA_FINALIZING_FIELD_ACCESS,
    VRV_PA_CONSTANT,
    VRV_PA_DOUBLE_GREATEST,
    VRV_PA_DOUBLE_LEAST,
    VRV_PA_LONG_GREATEST,
    VRV_PA_LONG_LEAST,
    VRV_PA_HYPER_UNIQUE_CARDINALITY,
    VRV_PA_EXPRESSION,
    VRV_PA_THETA_ESTIMATE,
    VRV_PA_THETA_SET_OP,
    VRV_PA_HLLSK_ESTIMATE,
    VRV_PA_HLLSK_ESTIMATE_WITH_BOUNDS,
    VRV_PA_HLLSK_TO_STRING,
    VRV_PA_HLLSK_UNION,
    VRV_PA_QUANTILES_TO_QUANTILE,
    VRV_PA_QUANTILES_TO_QUANTILES,
    VRV_PA_QUANTILES_TO_HISTOGRAM,
    VRV_PA_QUANTILES_TO_CDF,
    VRV_PA_QUANTILES_TO_RANK,
    VRV_PA_QUANTILES_TO_STRING,
    VRV_PA_TYPE_COUNT_
} vrv_postagg_type;

typedef enum vrv_postagg_fn {
    VRV_PA_FN_PLUS = 0,
    VRV_PA_FN_MINUS,
    VRV_PA_FN_MULT,
    VRV_PA_FN_DIV,      /* "/": x / 0 gives 0 */
    VRV_PA_FN_QUOTIENT, /* IEEE division */
    VRV_PA_FN_POW,
} vrv_postagg_fn;

struct vrv_expr;

typedef enum vrv_theta_func { VRV_THETA_UNION = 0, VRV_THETA_INTERSECT, VRV_THETA_NOT } vrv_theta_func;

typedef struct vrv_postagg {
    vrv_postagg_type type;
    char *name;                 /* NULL for a nested field that omitted it */
    char *field_name;           /* fieldAccess, finalizingFieldAccess, hyperUniqueCardinality */
    struct vrv_postagg **fields; /* arithmetic, greatest/least, set ops, HLLSketchUnion */
    size_t nfields;
    struct vrv_postagg *field;  /* sketch post-aggregators' `field` */
    vrv_postagg_fn fn;          /* arithmetic */
    char *ordering;             /* arithmetic / expression `ordering`, NULL when absent */
    vrv_value constant;         /* constant: LONG or DOUBLE */
    char *expression;           /* expression: its text */
    struct vrv_expr *expr;      /* expression: parsed (src/expr), owned */
    char **expr_inputs;         /* expression: the names it reads, owned */
    size_t nexpr_inputs;
    char *output_type;          /* expression `outputType`, NULL when absent */
    vrv_theta_func func;        /* thetaSketchSetOp */
    uint32_t size;              /* thetaSketchSetOp, default 16384 */
    bool has_error_bounds;      /* thetaSketchEstimate errorBoundsStdDev */
    int num_std_dev;            /* thetaSketchEstimate / HLLSketchEstimateWithBounds */
    bool round;                 /* HLLSketchEstimate */
    int lgk;                    /* HLLSketchUnion, default 12 */
    int tgt;                    /* HLLSketchUnion, 4/6/8, default 4 */
    double fraction;            /* ToQuantile */
    double value;               /* ToRank */
    double *points;             /* ToQuantiles fractions, ToHistogram/ToCDF splitPoints */
    size_t npoints;
    int num_bins;               /* ToHistogram when no splitPoints (default 10) */
} vrv_postagg;

/* Parses one post-aggregator. path names it in errors ("postAggregations[1]");
 * a top-level one must have a name, nested `fields` may omit it. *out is
 * freed with vrv_postagg_free. */
int vrv_postagg_parse(const json_t *json, const char *path, bool top, vrv_postagg **out,
                      vrv_error *err);
void vrv_postagg_free(vrv_postagg *pa);

/* A query's postAggregations, validated like Druid's
 * Queries.prepareAggregations: each may read only the names in known[] (the
 * dimensions' output names and the aggregators) and earlier post-aggregators
 * ("Missing fields [[x]] for postAggregator [p]"), and no output name may be
 * repeated ("[p] already defined"). */
typedef struct vrv_postagg_list {
    vrv_postagg **v;
    size_t n;
} vrv_postagg_list;

int vrv_postagg_parse_list(const json_t *json, const char *path, const char *const *known,
                           size_t nknown, vrv_postagg_list *out, vrv_error *err);
void vrv_postagg_list_free(vrv_postagg_list *l);

/* Appends to *names (a malloc'd array of borrowed strings, *n entries) every
 * aggregator / post-aggregator name pa reads. Free the array with free(). */
void vrv_postagg_deps(const vrv_postagg *pa, const char ***names, size_t *n);

/* The type of pa's result, for planners and result signatures. agg_spec (may
 * be NULL) resolves aggregator names as in vrv_postagg_ctx. Returns false
 * when the type depends on something unknown here (a fieldAccess of a name
 * that is not an aggregator, an expression without outputType). */
bool vrv_postagg_output_type(const vrv_postagg *pa,
                             const vrv_agg_spec *(*agg_spec)(void *ud, const char *name), void *ud,
                             vrv_agg_coltype *out);

/* What evaluation needs from the row and the query. */
typedef struct vrv_postagg_ctx {
    /* The value named name in the output row, or false when there is none
     * (read as null). Complex values may be live or serialized. */
    bool (*lookup)(void *ud, const char *name, vrv_value *out);
    /* The aggregator spec named name, or NULL when name is not an aggregator
     * (finalizingFieldAccess, hyperUniqueCardinality's round). May be NULL. */
    const vrv_agg_spec *(*agg_spec)(void *ud, const char *name);
    /* Evaluates an `expression` post-aggregator over the row; may be NULL
     * (the usual case): src/expr evaluates it then. */
    int (*eval_expr)(void *ud, const vrv_postagg *pa, vrv_arena *arena, vrv_value *out,
                     vrv_error *err);
    void *ud;
    vrv_arena *arena; /* results (strings, arrays, sketches) are allocated here */
} vrv_postagg_ctx;

/* Evaluates pa over the row. Returns 0 with *out set, or VRV_EINVAL with err
 * naming the post-aggregator (a non-numeric arithmetic input, a field that is
 * not the expected sketch). */
int vrv_postagg_eval(const vrv_postagg *pa, const vrv_postagg_ctx *ctx, vrv_value *out,
                     vrv_error *err);

#endif
