/*
 * agg_spec.c — aggregator factory specs: parsing Druid's JSON with path-named
 * errors, the JSON written back (segment metadata, segmentMetadata queries),
 * stored / intermediate / finalized types, combining factories and what a
 * metricsSpec may hold. State operations are in agg_state.c.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/agg_expr.h"
#include "agg/hllsk.h"
#include "agg/quantiles.h"
#include "agg/theta.h"
#include "base/mem.h"

static const char *type_names[VRV_AGG_TYPE_COUNT_] = {
    [VRV_AGG_COUNT] = "count",
    [VRV_AGG_LONG_SUM] = "longSum",
    [VRV_AGG_DOUBLE_SUM] = "doubleSum",
    [VRV_AGG_FLOAT_SUM] = "floatSum",
    [VRV_AGG_LONG_MIN] = "longMin",
    [VRV_AGG_LONG_MAX] = "longMax",
    [VRV_AGG_DOUBLE_MIN] = "doubleMin",
    [VRV_AGG_DOUBLE_MAX] = "doubleMax",
    [VRV_AGG_FLOAT_MIN] = "floatMin",
    [VRV_AGG_FLOAT_MAX] = "floatMax",
    [VRV_AGG_LONG_FIRST] = "longFirst",
    [VRV_AGG_LONG_LAST] = "longLast",
    [VRV_AGG_DOUBLE_FIRST] = "doubleFirst",
    [VRV_AGG_DOUBLE_LAST] = "doubleLast",
    [VRV_AGG_FLOAT_FIRST] = "floatFirst",
    [VRV_AGG_FLOAT_LAST] = "floatLast",
    [VRV_AGG_STRING_FIRST] = "stringFirst",
    [VRV_AGG_STRING_LAST] = "stringLast",
    [VRV_AGG_LONG_ANY] = "longAny",
    [VRV_AGG_DOUBLE_ANY] = "doubleAny",
    [VRV_AGG_FLOAT_ANY] = "floatAny",
    [VRV_AGG_STRING_ANY] = "stringAny",
    [VRV_AGG_DOUBLE_MEAN] = "doubleMean",
    [VRV_AGG_FILTERED] = "filtered",
    [VRV_AGG_CARDINALITY] = "cardinality",
    [VRV_AGG_HYPER_UNIQUE] = "hyperUnique",
    [VRV_AGG_THETA] = "thetaSketch",
    [VRV_AGG_HLLSK_BUILD] = "HLLSketchBuild",
    [VRV_AGG_HLLSK_MERGE] = "HLLSketchMerge",
    [VRV_AGG_QUANTILES] = "quantilesDoublesSketch",
    [VRV_AGG_GROUPING] = "grouping",
    [VRV_AGG_EXPRESSION] = "expression",
};

const char *vrv_agg_type_name(vrv_agg_type t)
{
    return (unsigned)t < VRV_AGG_TYPE_COUNT_ ? type_names[t] : "unknown";
}

static bool is_sum_min_max(vrv_agg_type t)
{
    return t >= VRV_AGG_LONG_SUM && t <= VRV_AGG_FLOAT_MAX;
}

static bool is_first_last(vrv_agg_type t)
{
    return t >= VRV_AGG_LONG_FIRST && t <= VRV_AGG_STRING_LAST;
}

static bool is_any(vrv_agg_type t)
{
    return t >= VRV_AGG_LONG_ANY && t <= VRV_AGG_STRING_ANY;
}

/* ---- parsing helpers ---------------------------------------------------- */

static int get_string(const json_t *o, const char *key, const char *path, bool required,
                      char **out, vrv_error *err)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) return vrv_error_set(err, VRV_EINVAL, "%s.%s: required", path, key);
        return 0;
    }
    if (!json_is_string(v))
        return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be a string", path, key);
    *out = vrv_strdup(json_string_value(v));
    return 0;
}

static int get_bool(const json_t *o, const char *key, const char *path, bool def, bool *out,
                    vrv_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *out = def;
        return 0;
    }
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    if (json_is_string(v)) { /* Jackson coerces "true"/"false" */
        const char *s = json_string_value(v);
        if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
            *out = s[0] == 't';
            return 0;
        }
    }
    return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be a boolean", path, key);
}

static int get_int(const json_t *o, const char *key, const char *path, int64_t def, int64_t lo,
                   int64_t hi, int64_t *out, bool *given, vrv_error *err)
{
    json_t *v = json_object_get(o, key);
    if (given) *given = false;
    if (!v || json_is_null(v)) {
        *out = def;
        return 0;
    }
    int64_t x;
    if (json_is_integer(v)) {
        x = (int64_t)json_integer_value(v);
    } else if (json_is_string(v) && vrv_str_to_i64(vrv_str_c(json_string_value(v)), &x)) {
        /* numeric strings, as Jackson coerces them */
    } else {
        return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be an integer", path, key);
    }
    if (x < lo || x > hi)
        return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be between %lld and %lld, got %lld",
                             path, key, (long long)lo, (long long)hi, (long long)x);
    *out = x;
    if (given) *given = true;
    return 0;
}

static bool is_pow2(int64_t x)
{
    return x > 0 && (x & (x - 1)) == 0;
}

static vrv_agg_type parse_type_name(const char *s, bool *ok)
{
    *ok = true;
    for (int i = 0; i < VRV_AGG_TYPE_COUNT_; i++)
        if (strcmp(s, type_names[i]) == 0) return (vrv_agg_type)i;
    /* the datasketches extension's aliases */
    if (strcmp(s, "thetaSketchBuild") == 0 || strcmp(s, "thetaSketchMerge") == 0)
        return VRV_AGG_THETA;
    if (strcmp(s, "quantilesDoublesSketchMerge") == 0) return VRV_AGG_QUANTILES;
    *ok = false;
    return VRV_AGG_COUNT;
}

static bool allowed_at_ingest(vrv_agg_type t)
{
    return !is_any(t) && t != VRV_AGG_DOUBLE_MEAN && t != VRV_AGG_CARDINALITY &&
           t != VRV_AGG_GROUPING && t != VRV_AGG_EXPRESSION;
}

static int parse_string_list(const json_t *arr, const char *path, const char *key, bool allow_dimspec,
                             vrv_agg_spec *s, vrv_error *err)
{
    if (!arr || json_is_null(arr)) return vrv_error_set(err, VRV_EINVAL, "%s.%s: required", path, key);
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be a non-empty array", path, key);
    size_t n = json_array_size(arr);
    s->fields = vrv_calloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        const char *name = NULL;
        if (json_is_string(e)) {
            name = json_string_value(e);
        } else if (allow_dimspec && json_is_object(e)) {
            json_t *d = json_object_get(e, "dimension");
            if (json_is_string(d)) name = json_string_value(d);
        }
        if (!name || !*name) {
            s->nfields = i;
            return vrv_error_set(err, VRV_EINVAL, "%s.%s[%zu]: must be %s", path, key, i,
                                 allow_dimspec ? "a dimension name or a dimensionSpec"
                                               : "a non-empty string");
        }
        s->fields[i] = vrv_strdup(name);
    }
    s->nfields = n;
    return 0;
}

static int parse_into(const json_t *j, const char *path, vrv_agg_ctx ctx, vrv_agg_spec *s,
                      vrv_error *err)
{
    int rc;
    int64_t x;
    bool given;
    if (!json_is_object(j)) return vrv_error_set(err, VRV_EINVAL, "%s: must be an object", path);
    json_t *jt = json_object_get(j, "type");
    if (!jt || json_is_null(jt)) return vrv_error_set(err, VRV_EINVAL, "%s.type: required", path);
    if (!json_is_string(jt))
        return vrv_error_set(err, VRV_EINVAL, "%s.type: must be a string", path);
    bool ok;
    s->type = parse_type_name(json_string_value(jt), &ok);
    if (!ok && strcmp(json_string_value(jt), "javascript") == 0)
        return vrv_error_set(err, VRV_EUNSUPPORTED,
                             "%s.type: JavaScript aggregators are not supported (JavaScript is "
                             "disabled)",
                             path);
    if (!ok)
        return vrv_error_set(err, VRV_EINVAL, "%s.type: unknown aggregator type '%s'", path,
                             json_string_value(jt));
    if (ctx == VRV_AGG_CTX_INGEST && !allowed_at_ingest(s->type))
        return vrv_error_set(err, VRV_EINVAL,
                             "%s.type: aggregator '%s' is not allowed in metricsSpec (query-time "
                             "only)",
                             path, type_names[s->type]);

    /* defaults */
    s->should_finalize = true;
    s->lgk = 12;
    s->tgt = VRV_HLL_4;
    s->size = VRV_THETA_DEFAULT_K;
    s->k = VRV_QUANTILES_DEFAULT_K;
    s->max_stream_length = 1000000000;
    s->max_string_bytes = 1024;
    s->aggregate_multiple_values = true;

    if ((rc = get_string(j, "name", path, s->type != VRV_AGG_FILTERED, &s->name, err))) return rc;
    if (s->name && !*s->name)
        return vrv_error_set(err, VRV_EINVAL, "%s.name: must not be empty", path);

    switch (s->type) {
    case VRV_AGG_COUNT: return 0;
    case VRV_AGG_GROUPING:
        return parse_string_list(json_object_get(j, "groupings"), path, "groupings", false, s, err);
    case VRV_AGG_EXPRESSION: return agg_expr_parse(j, path, s, err);
    case VRV_AGG_FILTERED: {
        json_t *f = json_object_get(j, "filter");
        if (!f || json_is_null(f)) return vrv_error_set(err, VRV_EINVAL, "%s.filter: required", path);
        if (!json_is_object(f))
            return vrv_error_set(err, VRV_EINVAL, "%s.filter: must be an object", path);
        json_t *a = json_object_get(j, "aggregator");
        if (!a || json_is_null(a))
            return vrv_error_set(err, VRV_EINVAL, "%s.aggregator: required", path);
        size_t plen = strlen(path) + sizeof ".aggregator";
        char *sub = vrv_malloc(plen);
        snprintf(sub, plen, "%s.aggregator", path);
        rc = vrv_agg_parse(a, sub, ctx, &s->inner, err);
        free(sub);
        if (rc) return rc;
        s->filter = json_incref(f);
        if (!s->name) {
            s->name = vrv_strdup(s->inner->name);
        } else if (strcmp(s->name, s->inner->name) != 0) {
            /* the wrapper's name wins, as Druid renames the delegate */
            free(s->inner->name);
            s->inner->name = vrv_strdup(s->name);
        }
        return 0;
    }
    case VRV_AGG_CARDINALITY:
        if ((rc = parse_string_list(json_object_get(j, "fields"), path, "fields", true, s, err)))
            return rc;
        s->fields_json = json_incref(json_object_get(j, "fields"));
        if ((rc = get_bool(j, "byRow", path, false, &s->by_row, err))) return rc;
        return get_bool(j, "round", path, false, &s->round, err);
    default: break;
    }

    /* every remaining type reads one input column (sum/min/max: or an expression) */
    if ((rc = get_string(j, "fieldName", path, false, &s->field_name, err))) return rc;
    if (is_sum_min_max(s->type)) {
        if ((rc = get_string(j, "expression", path, false, &s->expression, err))) return rc;
        if (!s->field_name && !s->expression)
            return vrv_error_set(err, VRV_EINVAL, "%s.fieldName: required (or expression)", path);
        if (s->field_name && s->expression)
            return vrv_error_set(err, VRV_EINVAL,
                                 "%s: only one of fieldName and expression may be given", path);
        return 0;
    }
    if (!s->field_name) return vrv_error_set(err, VRV_EINVAL, "%s.fieldName: required", path);

    if (is_first_last(s->type)) {
        if ((rc = get_string(j, "timeColumn", path, false, &s->time_column, err))) return rc;
    }
    if (s->type == VRV_AGG_STRING_FIRST || s->type == VRV_AGG_STRING_LAST ||
        s->type == VRV_AGG_STRING_ANY) {
        if ((rc = get_int(j, "maxStringBytes", path, 1024, 0, INT32_MAX, &x, NULL, err))) return rc;
        s->max_string_bytes = (int)x;
    }
    switch (s->type) {
    case VRV_AGG_STRING_ANY:
        return get_bool(j, "aggregateMultipleValues", path, true, &s->aggregate_multiple_values,
                        err);
    case VRV_AGG_HYPER_UNIQUE:
        if ((rc = get_bool(j, "isInputHyperUnique", path, false, &s->is_input_hyper_unique, err)))
            return rc;
        return get_bool(j, "round", path, false, &s->round, err);
    case VRV_AGG_THETA:
        if ((rc = get_int(j, "size", path, VRV_THETA_DEFAULT_K, 1, INT32_MAX, &x, NULL, err)))
            return rc;
        if (!is_pow2(x) || x < 16 || x > (1 << VRV_THETA_MAX_LGK))
            return vrv_error_set(err, VRV_EINVAL,
                                 "%s.size: must be a power of 2 between 16 and %d, got %lld", path,
                                 1 << VRV_THETA_MAX_LGK, (long long)x);
        s->size = (uint32_t)x;
        if ((rc = get_bool(j, "shouldFinalize", path, true, &s->should_finalize, err))) return rc;
        if ((rc = get_bool(j, "isInputThetaSketch", path, false, &s->is_input_theta, err)))
            return rc;
        if ((rc = get_int(j, "errorBoundsStdDev", path, 0, 1, 3, &x, &given, err))) return rc;
        s->has_error_bounds = given;
        s->error_bounds_std_dev = (int)x;
        return 0;
    case VRV_AGG_HLLSK_BUILD:
    case VRV_AGG_HLLSK_MERGE: {
        if ((rc = get_int(j, "lgK", path, 12, VRV_HLLSK_MIN_LGK, VRV_HLLSK_MAX_LGK, &x, NULL, err)))
            return rc;
        s->lgk = (int)x;
        char *tgt = NULL;
        if ((rc = get_string(j, "tgtHllType", path, false, &tgt, err))) return rc;
        if (tgt) {
            if (strcmp(tgt, "HLL_4") == 0) {
                s->tgt = VRV_HLL_4;
            } else if (strcmp(tgt, "HLL_6") == 0) {
                s->tgt = VRV_HLL_6;
            } else if (strcmp(tgt, "HLL_8") == 0) {
                s->tgt = VRV_HLL_8;
            } else {
                rc = vrv_error_set(err, VRV_EINVAL,
                                   "%s.tgtHllType: must be HLL_4, HLL_6 or HLL_8, got '%s'", path,
                                   tgt);
            }
            free(tgt);
            if (rc) return rc;
        }
        if ((rc = get_bool(j, "shouldFinalize", path, true, &s->should_finalize, err))) return rc;
        return get_bool(j, "round", path, false, &s->round, err);
    }
    case VRV_AGG_QUANTILES:
        if ((rc = get_int(j, "k", path, VRV_QUANTILES_DEFAULT_K, 1, INT32_MAX, &x, NULL, err)))
            return rc;
        if (!is_pow2(x) || x < 2 || x > VRV_QUANTILES_MAX_K)
            return vrv_error_set(err, VRV_EINVAL,
                                 "%s.k: must be a power of 2 between 2 and %d, got %lld", path,
                                 VRV_QUANTILES_MAX_K, (long long)x);
        s->k = (uint32_t)x;
        if ((rc = get_bool(j, "shouldFinalize", path, true, &s->should_finalize, err))) return rc;
        return get_int(j, "maxStreamLength", path, 1000000000, 1, INT64_MAX, &s->max_stream_length,
                       NULL, err);
    default: return 0;
    }
}

int vrv_agg_parse(const json_t *json, const char *path, vrv_agg_ctx ctx, vrv_agg_spec **out,
                  vrv_error *err)
{
    vrv_agg_spec *s = vrv_calloc(1, sizeof *s);
    int rc = parse_into(json, path ? path : "aggregator", ctx, s, err);
    if (rc) {
        vrv_agg_spec_free(s);
        *out = NULL;
        return rc;
    }
    *out = s;
    return 0;
}

int vrv_agg_parse_list(const json_t *json, const char *path, vrv_agg_ctx ctx, vrv_agg_list *out,
                       vrv_error *err)
{
    memset(out, 0, sizeof *out);
    if (!json || json_is_null(json)) return 0;
    if (!json_is_array(json)) return vrv_error_set(err, VRV_EINVAL, "%s: must be an array", path);
    size_t n = json_array_size(json);
    out->v = vrv_calloc(n ? n : 1, sizeof *out->v);
    size_t plen = strlen(path) + 32;
    char *sub = vrv_malloc(plen);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(sub, plen, "%s[%zu]", path, i);
        if ((rc = vrv_agg_parse(json_array_get(json, i), sub, ctx, &out->v[i], err))) break;
        out->n = i + 1;
        for (size_t k = 0; k < i; k++) {
            if (strcmp(out->v[k]->name, out->v[i]->name) == 0) {
                rc = vrv_error_set(err, VRV_EINVAL, "%s.name: duplicate aggregator name '%s'", sub,
                                   out->v[i]->name);
                break;
            }
        }
        if (rc) break;
    }
    free(sub);
    if (rc) vrv_agg_list_free(out);
    return rc;
}

void vrv_agg_list_free(vrv_agg_list *l)
{
    for (size_t i = 0; i < l->n; i++) vrv_agg_spec_free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void vrv_agg_spec_free(vrv_agg_spec *s)
{
    if (!s) return;
    free(s->name);
    free(s->field_name);
    free(s->expression);
    free(s->time_column);
    for (size_t i = 0; i < s->nfields; i++) free(s->fields[i]);
    free(s->fields);
    json_decref(s->fields_json);
    json_decref(s->filter);
    vrv_agg_spec_free(s->inner);
    agg_expr_free(s->lambda);
    free(s);
}

static char *dup_or_null(const char *s)
{
    return s ? vrv_strdup(s) : NULL;
}

vrv_agg_spec *vrv_agg_spec_clone(const vrv_agg_spec *s)
{
    if (s->type == VRV_AGG_EXPRESSION) {
        /* the compiled expressions are rebuilt from the spec's JSON */
        json_t *j = vrv_agg_to_json(s);
        vrv_agg_spec *c = NULL;
        vrv_error err;
        int rc = vrv_agg_parse(j, "aggregator", VRV_AGG_CTX_QUERY, &c, &err);
        json_decref(j);
        assert(rc == 0);
        (void)rc;
        return c;
    }
    vrv_agg_spec *c = vrv_memdup(s, sizeof *s);
    c->name = dup_or_null(s->name);
    c->field_name = dup_or_null(s->field_name);
    c->expression = dup_or_null(s->expression);
    c->time_column = dup_or_null(s->time_column);
    if (s->nfields) {
        c->fields = vrv_calloc(s->nfields, sizeof(char *));
        for (size_t i = 0; i < s->nfields; i++) c->fields[i] = vrv_strdup(s->fields[i]);
    }
    if (s->fields_json) json_incref(s->fields_json);
    if (s->filter) json_incref(s->filter);
    if (s->inner) c->inner = vrv_agg_spec_clone(s->inner);
    return c;
}

const vrv_agg_spec *vrv_agg_unwrap(const vrv_agg_spec *s)
{
    while (s->type == VRV_AGG_FILTERED) s = s->inner;
    return s;
}

bool vrv_agg_allowed_at_ingest(const vrv_agg_spec *s)
{
    for (; s; s = s->inner)
        if (!allowed_at_ingest(s->type)) return false;
    return true;
}

vrv_agg_spec *vrv_agg_combining(const vrv_agg_spec *s)
{
    if (s->type == VRV_AGG_FILTERED) return vrv_agg_combining(s->inner);
    vrv_agg_spec *c = vrv_agg_spec_clone(s);
    free(c->field_name);
    free(c->expression);
    c->expression = NULL;
    c->field_name = vrv_strdup(s->name);
    switch (s->type) {
    case VRV_AGG_COUNT: c->type = VRV_AGG_LONG_SUM; break;
    case VRV_AGG_CARDINALITY:
        c->type = VRV_AGG_HYPER_UNIQUE;
        for (size_t i = 0; i < c->nfields; i++) free(c->fields[i]);
        free(c->fields);
        c->fields = NULL;
        c->nfields = 0;
        json_decref(c->fields_json);
        c->fields_json = NULL;
        c->by_row = false;
        c->is_input_hyper_unique = false;
        break;
    case VRV_AGG_HYPER_UNIQUE: c->is_input_hyper_unique = false; break;
    case VRV_AGG_THETA: c->is_input_theta = false; break;
    case VRV_AGG_HLLSK_BUILD: c->type = VRV_AGG_HLLSK_MERGE; break;
    case VRV_AGG_GROUPING:
        free(c->field_name);
        c->field_name = NULL;
        break;
    default: break;
    }
    return c;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *vrv_agg_to_json(const vrv_agg_spec *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type_names[s->type]));
    if (s->type == VRV_AGG_FILTERED) {
        json_object_set_new(o, "aggregator", vrv_agg_to_json(s->inner));
        json_object_set(o, "filter", s->filter);
        json_object_set_new(o, "name", json_string(s->name));
        return o;
    }
    json_object_set_new(o, "name", json_string(s->name));
    switch (s->type) {
    case VRV_AGG_COUNT: break;
    case VRV_AGG_GROUPING: {
        json_t *a = json_array();
        for (size_t i = 0; i < s->nfields; i++) json_array_append_new(a, json_string(s->fields[i]));
        json_object_set_new(o, "groupings", a);
        break;
    }
    case VRV_AGG_CARDINALITY:
        json_object_set(o, "fields", s->fields_json);
        json_object_set_new(o, "byRow", json_boolean(s->by_row));
        json_object_set_new(o, "round", json_boolean(s->round));
        break;
    case VRV_AGG_HYPER_UNIQUE:
        json_object_set_new(o, "fieldName", json_string(s->field_name));
        json_object_set_new(o, "isInputHyperUnique", json_boolean(s->is_input_hyper_unique));
        json_object_set_new(o, "round", json_boolean(s->round));
        break;
    case VRV_AGG_THETA:
        json_object_set_new(o, "fieldName", json_string(s->field_name));
        json_object_set_new(o, "size", json_integer(s->size));
        json_object_set_new(o, "shouldFinalize", json_boolean(s->should_finalize));
        json_object_set_new(o, "isInputThetaSketch", json_boolean(s->is_input_theta));
        json_object_set_new(o, "errorBoundsStdDev",
                            s->has_error_bounds ? json_integer(s->error_bounds_std_dev)
                                                : json_null());
        break;
    case VRV_AGG_HLLSK_BUILD:
    case VRV_AGG_HLLSK_MERGE:
        json_object_set_new(o, "fieldName", json_string(s->field_name));
        json_object_set_new(o, "lgK", json_integer(s->lgk));
        json_object_set_new(o, "tgtHllType",
                            json_string(s->tgt == VRV_HLL_4   ? "HLL_4"
                                        : s->tgt == VRV_HLL_6 ? "HLL_6"
                                                              : "HLL_8"));
        /* Druid writes these two only when they differ from the default */
        if (!s->should_finalize) json_object_set_new(o, "shouldFinalize", json_false());
        if (s->round) json_object_set_new(o, "round", json_true());
        break;
    case VRV_AGG_EXPRESSION: agg_expr_to_json(s, o); break;
    case VRV_AGG_QUANTILES:
        json_object_set_new(o, "fieldName", json_string(s->field_name));
        json_object_set_new(o, "k", json_integer(s->k));
        json_object_set_new(o, "maxStreamLength", json_integer(s->max_stream_length));
        if (!s->should_finalize) json_object_set_new(o, "shouldFinalize", json_false());
        break;
    default:
        json_object_set_new(o, "fieldName", str_or_null(s->field_name));
        if (is_sum_min_max(s->type)) {
            json_object_set_new(o, "expression", str_or_null(s->expression));
        } else if (is_first_last(s->type)) {
            json_object_set_new(o, "timeColumn",
                                json_string(s->time_column ? s->time_column : "__time"));
        }
        if (s->type == VRV_AGG_STRING_FIRST || s->type == VRV_AGG_STRING_LAST ||
            s->type == VRV_AGG_STRING_ANY)
            json_object_set_new(o, "maxStringBytes", json_integer(s->max_string_bytes));
        if (s->type == VRV_AGG_STRING_ANY)
            json_object_set_new(o, "aggregateMultipleValues",
                                json_boolean(s->aggregate_multiple_values));
        break;
    }
    return o;
}

/* ---- types -------------------------------------------------------------- */

static vrv_agg_coltype ct(vrv_ctype t)
{
    vrv_agg_coltype c = {t, NULL};
    return c;
}

static vrv_agg_coltype cx(const char *name)
{
    vrv_agg_coltype c = {VRV_C_COMPLEX, name};
    return c;
}

vrv_agg_coltype vrv_agg_intermediate_type(const vrv_agg_spec *s)
{
    switch (s->type) {
    case VRV_AGG_COUNT:
    case VRV_AGG_LONG_SUM:
    case VRV_AGG_LONG_MIN:
    case VRV_AGG_LONG_MAX:
    case VRV_AGG_LONG_ANY:
    case VRV_AGG_GROUPING: return ct(VRV_C_LONG);
    case VRV_AGG_DOUBLE_SUM:
    case VRV_AGG_DOUBLE_MIN:
    case VRV_AGG_DOUBLE_MAX:
    case VRV_AGG_DOUBLE_ANY: return ct(VRV_C_DOUBLE);
    case VRV_AGG_FLOAT_SUM:
    case VRV_AGG_FLOAT_MIN:
    case VRV_AGG_FLOAT_MAX:
    case VRV_AGG_FLOAT_ANY: return ct(VRV_C_FLOAT);
    case VRV_AGG_STRING_ANY: return ct(VRV_C_STRING);
    case VRV_AGG_EXPRESSION: return agg_expr_intermediate_type(s);
    case VRV_AGG_LONG_FIRST:
    case VRV_AGG_LONG_LAST: return cx("serializablePairLongLong");
    case VRV_AGG_DOUBLE_FIRST:
    case VRV_AGG_DOUBLE_LAST: return cx("serializablePairLongDouble");
    case VRV_AGG_FLOAT_FIRST:
    case VRV_AGG_FLOAT_LAST: return cx("serializablePairLongFloat");
    case VRV_AGG_STRING_FIRST:
    case VRV_AGG_STRING_LAST: return cx("serializablePairLongString");
    case VRV_AGG_DOUBLE_MEAN: return cx("doubleMean");
    case VRV_AGG_FILTERED: return vrv_agg_intermediate_type(s->inner);
    case VRV_AGG_CARDINALITY:
    case VRV_AGG_HYPER_UNIQUE: return cx("hyperUnique");
    case VRV_AGG_THETA: return cx("thetaSketch");
    case VRV_AGG_HLLSK_BUILD:
    case VRV_AGG_HLLSK_MERGE: return cx("HLLSketch");
    case VRV_AGG_QUANTILES: return cx("quantilesDoublesSketch");
    default: return ct(VRV_C_LONG);
    }
}

vrv_agg_coltype vrv_agg_stored_type(const vrv_agg_spec *s)
{
    return vrv_agg_intermediate_type(s);
}

vrv_agg_coltype vrv_agg_finalized_type(const vrv_agg_spec *s)
{
    switch (s->type) {
    case VRV_AGG_LONG_FIRST:
    case VRV_AGG_LONG_LAST: return ct(VRV_C_LONG);
    case VRV_AGG_DOUBLE_FIRST:
    case VRV_AGG_DOUBLE_LAST:
    case VRV_AGG_DOUBLE_MEAN: return ct(VRV_C_DOUBLE);
    case VRV_AGG_FLOAT_FIRST:
    case VRV_AGG_FLOAT_LAST: return ct(VRV_C_FLOAT);
    case VRV_AGG_STRING_FIRST:
    case VRV_AGG_STRING_LAST: return ct(VRV_C_STRING);
    case VRV_AGG_FILTERED: return vrv_agg_finalized_type(s->inner);
    case VRV_AGG_CARDINALITY:
    case VRV_AGG_HYPER_UNIQUE: return ct(s->round ? VRV_C_LONG : VRV_C_DOUBLE);
    case VRV_AGG_THETA:
        if (!s->should_finalize) return vrv_agg_intermediate_type(s);
        return s->has_error_bounds ? ct(VRV_C_JSON) : ct(VRV_C_DOUBLE);
    case VRV_AGG_HLLSK_BUILD:
    case VRV_AGG_HLLSK_MERGE:
        if (!s->should_finalize) return vrv_agg_intermediate_type(s);
        return ct(s->round ? VRV_C_LONG : VRV_C_DOUBLE);
    case VRV_AGG_QUANTILES:
        if (!s->should_finalize) return vrv_agg_intermediate_type(s);
        return ct(VRV_C_LONG);
    case VRV_AGG_EXPRESSION: return agg_expr_finalized_type(s);
    default: return vrv_agg_intermediate_type(s);
    }
}

int64_t vrv_agg_grouping_value(const vrv_agg_spec *s, const char *const *present, size_t n)
{
    s = vrv_agg_unwrap(s);
    int64_t v = 0;
    for (size_t i = 0; i < s->nfields; i++) {
        bool in = false;
        for (size_t j = 0; j < n && !in; j++) in = strcmp(s->fields[i], present[j]) == 0;
        v = (v << 1) | (in ? 0 : 1);
    }
    return v;
}

size_t vrv_agg_required_fields(const vrv_agg_spec *s, const char **out, size_t max)
{
    size_t n = 0;
    s = vrv_agg_unwrap(s);
    if (s->field_name && n < max) out[n++] = s->field_name;
    if (s->type != VRV_AGG_GROUPING)
        for (size_t i = 0; i < s->nfields && n < max; i++) out[n++] = s->fields[i];
    if (is_first_last(s->type) && n < max) out[n++] = s->time_column ? s->time_column : "__time";
    return n;
}
