/*
 * agg_expr.h — the `expression` aggregator (Druid's
 * ExpressionLambdaAggregatorFactory), inside the aggregator module: its spec
 * properties, per-group state and the evaluation of its fold, combine and
 * finalize expressions with src/expr. agg_spec.c and agg_state.c dispatch
 * here; nothing outside src/agg includes this header.
 *
 * The accumulator is one expression value (a number, a string or an array
 * of scalars). Numbers live in the state; strings and arrays in one heap
 * block the state owns, rewritten by every fold. The bound expressions are
 * used by one thread at a time, so the spec serialises evaluations with its
 * own mutex (a query runs its aggregators on one thread: the lock is not
 * contended).
 */
#ifndef VRV_AGG_EXPR_H
#define VRV_AGG_EXPR_H

#include <jansson.h>

#include "agg/agg.h"

/* Parses the expression aggregator's properties of j into s (s->name and
 * s->fields are set here too). */
int agg_expr_parse(const json_t *j, const char *path, vrv_agg_spec *s, vrv_error *err);
void agg_expr_free(vrv_agg_lambda *l);
/* Writes the properties Druid writes into o. */
void agg_expr_to_json(const vrv_agg_spec *s, json_t *o);
vrv_agg_coltype agg_expr_intermediate_type(const vrv_agg_spec *s);
vrv_agg_coltype agg_expr_finalized_type(const vrv_agg_spec *s);

size_t agg_expr_state_size(void);
void agg_expr_init(const vrv_agg_spec *s, void *state);
void agg_expr_destroy(void *state);
size_t agg_expr_state_bytes(const void *state);
/* Folds one row: vals[i] is the value of s->fields[i]. */
int agg_expr_fold(const vrv_agg_spec *s, void *state, const vrv_value *vals, size_t n,
                  vrv_error *err);
/* Folds an intermediate value (another state's agg_expr_get) with combine. */
int agg_expr_combine_value(const vrv_agg_spec *s, void *state, const vrv_value *v, vrv_error *err);
void agg_expr_merge(const vrv_agg_spec *s, void *dst, const void *src);
vrv_value agg_expr_get(const vrv_agg_spec *s, const void *state);
vrv_value agg_expr_finalize(const vrv_agg_spec *s, const void *state, vrv_arena *arena);
void agg_expr_serialize(const void *state, vrv_buf *out);
int agg_expr_deserialize(const vrv_agg_spec *s, void *state, const void *p, size_t n,
                         vrv_error *err);

#endif
