/*
 * filter.h — Druid's query filters (DimFilter): parse the JSON of any filter
 * of docs/querying/filters.md into a plain-data tree, serialise it back to
 * Druid's JSON, list the columns it reads, and match rows with three-valued
 * logic.
 *
 * The tree is plain data so that the query engine can turn it into bitmap
 * operations over segment indexes; the row matcher here serves ingestion
 * (transformSpec filters), filtered aggregators and columns without indexes.
 *
 * Semantics (druid-query.md §4): a leaf filter on a null value is UNKNOWN
 * unless it is built to match nulls (`selector` with a null value, `in` with a
 * null, `bound` without a lower bound, `null`, `columnComparison`); NOT and the
 * logical filters follow Kleene logic and a row matches only when TRUE. A
 * multi-value row is TRUE when any value is TRUE, else UNKNOWN when any value
 * is UNKNOWN, else FALSE, so NOT matches a multi-value row only when no value
 * matches. An empty multi-value row reads as null. Legacy string filters
 * (selector, in, bound) convert their strings to numbers against numeric
 * values; typed filters (equals, range, inType) cast their match values to the
 * column's type and match nothing when the cast loses information.
 *
 * Unsupported, rejected with VRV_EUNSUPPORTED: `extractionFn` on any filter,
 * the `extraction`, `javascript` and `spatial` filter types.
 */
#ifndef VRV_FILTER_H
#define VRV_FILTER_H

#include <jansson.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/time.h"
#include "base/value.h"
#include "expr/expr.h"
#include "expr/strcmp.h"

typedef enum vrv_filter_type {
    VRV_F_TRUE,
    VRV_F_FALSE,
    VRV_F_AND,
    VRV_F_OR,
    VRV_F_NOT,
    VRV_F_IS_TRUE,
    VRV_F_IS_FALSE,
    VRV_F_SELECTOR,
    VRV_F_EQUALS,
    VRV_F_NULL,
    VRV_F_IN,
    VRV_F_IN_TYPE,
    VRV_F_BOUND,
    VRV_F_RANGE,
    VRV_F_LIKE,
    VRV_F_REGEX,
    VRV_F_SEARCH,
    VRV_F_INTERVAL,
    VRV_F_EXPRESSION,
    VRV_F_COLUMN_COMPARISON,
    VRV_F_ARRAY_CONTAINS_ELEMENT,
} vrv_filter_type;

/* Three-valued match result. */
typedef enum vrv_tri {
    VRV_TRI_FALSE = 0,
    VRV_TRI_TRUE = 1,
    VRV_TRI_UNKNOWN = 2,
} vrv_tri;

typedef enum vrv_search_kind {
    VRV_SEARCH_CONTAINS,             /* value, caseSensitive (default false) */
    VRV_SEARCH_INSENSITIVE_CONTAINS, /* value */
    VRV_SEARCH_FRAGMENT,             /* values, all present; caseSensitive (default false) */
} vrv_search_kind;

/* A column of columnComparison: a DimensionSpec of type "default". */
typedef struct vrv_filter_dimspec {
    const char *column;
    const char *output_name; /* NULL when not given */
    vrv_ctype output_type;   /* STRING unless given */
    bool has_output_type;
} vrv_filter_dimspec;

typedef struct vrv_filter vrv_filter;

/* One filter node. Every pointer points into the root's memory: nothing is
 * freed node by node. Strings are NUL-terminated and may also contain NULs
 * (their lengths are given where that matters). */
struct vrv_filter {
    vrv_filter_type type;
    const char *column; /* the column a leaf reads ("dimension" or "column"); NULL otherwise */
    union {
        /* and, or: at least one field */
        struct {
            vrv_filter **fields;
            size_t n;
        } logic;
        /* not, istrue, isfalse */
        vrv_filter *field;
        /* selector: value NULL matches null rows */
        struct {
            const char *value;
            size_t len;
        } selector;
        /* equals; arrayContainsElement (then an element value, which may be null).
         * value is already cast to type (ExprEval.ofType), e.g. LONG 1 for "1". */
        struct {
            vrv_ctype type;
            vrv_value value;
        } equals;
        /* in: the distinct non-null values, sorted in Java string order */
        struct {
            const vrv_str *values;
            size_t n;
            bool has_null; /* null was among the values: null rows match */
        } in;
        /* inType: values converted to type, distinct, sorted, nulls first */
        struct {
            vrv_ctype type;
            const vrv_value *values;
            size_t n;
        } in_type;
        /* bound: a NULL bound is absent */
        struct {
            const char *lower, *upper;
            size_t lower_len, upper_len;
            bool lower_strict, upper_strict;
            vrv_order ordering;
        } bound;
        /* range: a null bound is absent; bounds are cast to type */
        struct {
            vrv_ctype type;
            vrv_value lower, upper;
            bool lower_open, upper_open;
        } range;
        /* like: escape NULL when not given */
        struct {
            const char *pattern;
            size_t len;
            const char *escape;
            size_t escape_len;
        } like;
        /* regex */
        struct {
            const char *pattern;
            size_t len;
        } regex;
        /* search */
        struct {
            vrv_search_kind kind;
            const vrv_str *values; /* one for contains kinds; NULL pointer when "value" was null */
            size_t n;
            bool case_sensitive;
        } search;
        /* interval: [start, end) in ms, condensed and sorted */
        struct {
            const vrv_interval *intervals;
            size_t n;
        } interval;
        /* expression */
        struct {
            const char *text;
            const vrv_expr *expr;
        } expression;
        /* columnComparison: at least two columns */
        struct {
            const vrv_filter_dimspec *dims;
            size_t n;
        } column_comparison;
    } u;
};

/* Parses a filter object. path names the JSON in errors ("spec.dataSchema.
 * transformSpec.filter" gives "spec.dataSchema.transformSpec.filter.fields[1].
 * dimension: required"). JSON null is not a filter: callers treat an absent or
 * null filter as "no filter". On success *out is owned by the caller (free with
 * vrv_filter_free); json is not referenced afterwards. */
int vrv_filter_parse(const json_t *json, const char *path, vrv_filter **out, vrv_error *err);
void vrv_filter_free(vrv_filter *root);

/* The distinct columns the filter reads, in order of first appearance (leaf
 * columns, expression inputs, compared columns): *n NUL-terminated names, the
 * array owned by root. */
const char *const *vrv_filter_columns(const vrv_filter *root, size_t *n);
size_t vrv_filter_ncolumns(const vrv_filter *root);
const char *vrv_filter_column(const vrv_filter *root, size_t i);

/* Druid's JSON for the filter (as Jackson writes it, e.g. for EXPLAIN). Returns
 * a new reference owned by the caller. */
json_t *vrv_filter_to_json(const vrv_filter *f);

/* ---- matching --------------------------------------------------------------- */

typedef struct vrv_filter_matcher vrv_filter_matcher;

/* Binds the filter's columns to slots through fn (called once per distinct
 * column) and prepares the predicates. The matcher keeps no pointer into f:
 * free them in any order. A matcher is used by one thread at a time. */
int vrv_filter_bind(const vrv_filter *f, vrv_expr_resolve_fn fn, void *ctx, vrv_filter_matcher **out,
                    vrv_error *err);
void vrv_filter_matcher_free(vrv_filter_matcher *m);

/* Matches one row: returns VRV_TRI_TRUE, VRV_TRI_FALSE or VRV_TRI_UNKNOWN, or a
 * negative code with err set when an `expression` filter fails to evaluate
 * (Druid fails the row / the query then). arena holds temporary strings. */
int vrv_filter_match(vrv_filter_matcher *m, const vrv_value *slots, vrv_arena *arena, vrv_error *err);

#endif
