/*
 * filter_int.h — what filter_parse.c, filter_json.c and filter_match.c share:
 * the root node's hidden owner (arena, compiled expressions, the column list)
 * and the typed-value conversions of Druid's ExprEval.ofType and
 * DimensionHandlerUtils. Internal to the expression module.
 */
#ifndef VRV_FILTER_INT_H
#define VRV_FILTER_INT_H

#include "expr/expr_int.h"
#include "expr/filter.h"

/* The root of a parsed filter: the public node first, so the pointer handed
 * out is also the owner's. */
typedef struct filter_root {
    vrv_filter node;
    vrv_arena arena;      /* every node, string and array of the tree */
    vrv_expr **exprs;     /* expressions of `expression` filters, freed with the root */
    size_t nexprs;
    const char **columns; /* distinct columns read, in order of first appearance */
    size_t ncolumns;
} filter_root;

/* ExprEval.ofType(type, json): the typed value a JSON match value stands for
 * (strings and arrays copied into a). Returns false when the JSON cannot be
 * read as that type at all (an object, an array for a scalar type); *out is
 * null when it converts to null (e.g. "abc" as LONG). */
bool filter_json_to_typed(const json_t *j, vrv_ctype type, vrv_arena *a, vrv_value *out);

/* DimensionHandlerUtils.convertObjectTo{String,Long,Float,Double}: a JSON
 * value converted for inType; null when it does not convert. */
bool filter_json_coerce(const json_t *j, vrv_ctype type, vrv_arena *a, vrv_value *out);

/* The JSON form of a typed value (numbers, strings, arrays, null). */
json_t *filter_value_to_json(const vrv_value *v, vrv_ctype type);

/* Druid's type name for a column type ("LONG", "ARRAY<STRING>", ...). */
const char *filter_type_name(vrv_ctype t);

/* Order of typed values as TypedInFilter sorts them: nulls first, then by type. */
int filter_typed_cmp(const vrv_value *a, const vrv_value *b, vrv_ctype type);

#endif
