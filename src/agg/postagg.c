/*
 * postagg.c — parsing and evaluation of post-aggregators (postagg.h):
 * arithmetic with Druid's double rules, field access, constants,
 * greatest/least, hyperUniqueCardinality, and the theta / HLLSketch /
 * quantiles sketch post-aggregators.
 */
#include "agg/postagg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg/hll.h"
#include "agg/hllsk.h"
#include "agg/quantiles.h"
#include "agg/theta.h"
#include "base/mem.h"
#include "expr/expr.h"

static const char *pa_names[VRV_PA_TYPE_COUNT_] = {
    [VRV_PA_ARITHMETIC] = "arithmetic",
    [VRV_PA_FIELD_ACCESS] = "fieldAccess",
    [VRV_PA_FINALIZING_FIELD_ACCESS] = "finalizingFieldAccess",
    [VRV_PA_CONSTANT] = "constant",
    [VRV_PA_DOUBLE_GREATEST] = "doubleGreatest",
    [VRV_PA_DOUBLE_LEAST] = "doubleLeast",
    [VRV_PA_LONG_GREATEST] = "longGreatest",
    [VRV_PA_LONG_LEAST] = "longLeast",
    [VRV_PA_HYPER_UNIQUE_CARDINALITY] = "hyperUniqueCardinality",
    [VRV_PA_EXPRESSION] = "expression",
    [VRV_PA_THETA_ESTIMATE] = "thetaSketchEstimate",
    [VRV_PA_THETA_SET_OP] = "thetaSketchSetOp",
    [VRV_PA_HLLSK_ESTIMATE] = "HLLSketchEstimate",
    [VRV_PA_HLLSK_ESTIMATE_WITH_BOUNDS] = "HLLSketchEstimateWithBounds",
    [VRV_PA_HLLSK_TO_STRING] = "HLLSketchToString",
    [VRV_PA_HLLSK_UNION] = "HLLSketchUnion",
    [VRV_PA_QUANTILES_TO_QUANTILE] = "quantilesDoublesSketchToQuantile",
    [VRV_PA_QUANTILES_TO_QUANTILES] = "quantilesDoublesSketchToQuantiles",
    [VRV_PA_QUANTILES_TO_HISTOGRAM] = "quantilesDoublesSketchToHistogram",
    [VRV_PA_QUANTILES_TO_CDF] = "quantilesDoublesSketchToCDF",
    [VRV_PA_QUANTILES_TO_RANK] = "quantilesDoublesSketchToRank",
    [VRV_PA_QUANTILES_TO_STRING] = "quantilesDoublesSketchToString",
};

/* ---- parsing ------------------------------------------------------------ */

static char *sub_path(const char *path, const char *key, long idx)
{
    size_t n = strlen(path) + strlen(key) + 32;
    char *p = vrv_malloc(n);
    if (idx >= 0) {
        snprintf(p, n, "%s.%s[%ld]", path, key, idx);
    } else {
        snprintf(p, n, "%s.%s", path, key);
    }
    return p;
}

static int opt_string(const json_t *o, const char *key, const char *path, bool required, char **out,
                      vrv_error *err)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? vrv_error_set(err, VRV_EINVAL, "%s.%s: required", path, key) : 0;
    if (!json_is_string(v))
        return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be a string", path, key);
    *out = vrv_strdup(json_string_value(v));
    return 0;
}

static int opt_int(const json_t *o, const char *key, const char *path, int def, int lo, int hi,
                   int *out, bool *given, vrv_error *err)
{
    json_t *v = json_object_get(o, key);
    if (given) *given = false;
    if (!v || json_is_null(v)) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v))
        return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be an integer", path, key);
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be between %d and %d", path, key, lo,
                             hi);
    *out = (int)x;
    if (given) *given = true;
    return 0;
}

static int req_double(const json_t *o, const char *key, const char *path, double *out,
                      vrv_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return vrv_error_set(err, VRV_EINVAL, "%s.%s: required", path, key);
    if (!json_is_number(v)) return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be a number", path, key);
    *out = json_number_value(v);
    return 0;
}

static int double_list(const json_t *o, const char *key, const char *path, bool required,
                       vrv_postagg *pa, vrv_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return required ? vrv_error_set(err, VRV_EINVAL, "%s.%s: required", path, key) : 0;
    if (!json_is_array(v)) return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be an array", path, key);
    size_t n = json_array_size(v);
    pa->points = vrv_malloc((n ? n : 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_number(e))
            return vrv_error_set(err, VRV_EINVAL, "%s.%s[%zu]: must be a number", path, key, i);
        pa->points[i] = json_number_value(e);
    }
    pa->npoints = n;
    return 0;
}

static int parse_field(const json_t *o, const char *path, vrv_postagg *pa, vrv_error *err)
{
    json_t *f = json_object_get(o, "field");
    if (!f || json_is_null(f)) return vrv_error_set(err, VRV_EINVAL, "%s.field: required", path);
    char *sp = sub_path(path, "field", -1);
    int rc = vrv_postagg_parse(f, sp, false, &pa->field, err);
    free(sp);
    return rc;
}

static int parse_fields(const json_t *o, const char *path, size_t min, vrv_postagg *pa,
                        vrv_error *err)
{
    json_t *a = json_object_get(o, "fields");
    if (!a || json_is_null(a)) return vrv_error_set(err, VRV_EINVAL, "%s.fields: required", path);
    if (!json_is_array(a)) return vrv_error_set(err, VRV_EINVAL, "%s.fields: must be an array", path);
    size_t n = json_array_size(a);
    if (n < min)
        return vrv_error_set(err, VRV_EINVAL, "%s.fields: illegal number of fields [%zu], must be >= %zu",
                             path, n, min);
    pa->fields = vrv_calloc(n ? n : 1, sizeof *pa->fields);
    for (size_t i = 0; i < n; i++) {
        char *sp = sub_path(path, "fields", (long)i);
        int rc = vrv_postagg_parse(json_array_get(a, i), sp, false, &pa->fields[i], err);
        free(sp);
        if (rc) return rc;
        pa->nfields = i + 1;
    }
    return 0;
}

static int check_splits(const vrv_postagg *pa, const char *path, const char *key, vrv_error *err)
{
    for (size_t i = 0; i < pa->npoints; i++) {
        if (isnan(pa->points[i]) || (i && !(pa->points[i - 1] < pa->points[i])))
            return vrv_error_set(err, VRV_EINVAL,
                                 "%s.%s: values must be unique, monotonically increasing and not NaN",
                                 path, key);
    }
    return 0;
}

static int parse_into(const json_t *j, const char *path, bool top, vrv_postagg *pa, vrv_error *err)
{
    int rc;
    if (!json_is_object(j)) return vrv_error_set(err, VRV_EINVAL, "%s: must be an object", path);
    char *type = NULL;
    if ((rc = opt_string(j, "type", path, true, &type, err))) return rc;
    int t = -1;
    for (int i = 0; i < VRV_PA_TYPE_COUNT_; i++)
        if (strcmp(type, pa_names[i]) == 0) t = i;
    if (t < 0) {
        rc = vrv_error_set(err, VRV_EINVAL, "%s.type: unknown post-aggregator type '%s'", path, type);
        free(type);
        return rc;
    }
    free(type);
    pa->type = (vrv_postagg_type)t;
    if ((rc = opt_string(j, "name", path, top, &pa->name, err))) return rc;
    pa->num_std_dev = 1;
    pa->size = VRV_THETA_DEFAULT_K;
    pa->lgk = 12;
    pa->tgt = 4;
    pa->num_bins = 10;

    switch (pa->type) {
    case VRV_PA_ARITHMETIC: {
        char *fn = NULL;
        if ((rc = opt_string(j, "fn", path, true, &fn, err))) return rc;
        static const char *fns[] = {"+", "-", "*", "/", "quotient", "pow"};
        int f = -1;
        for (int i = 0; i < 6; i++)
            if (strcmp(fn, fns[i]) == 0) f = i;
        if (f < 0) rc = vrv_error_set(err, VRV_EINVAL, "%s.fn: unknown function '%s'", path, fn);
        free(fn);
        if (rc) return rc;
        pa->fn = (vrv_postagg_fn)f;
        if ((rc = opt_string(j, "ordering", path, false, &pa->ordering, err))) return rc;
        if (pa->ordering && strcmp(pa->ordering, "numericFirst") != 0)
            return vrv_error_set(err, VRV_EINVAL, "%s.ordering: must be null or \"numericFirst\"", path);
        return parse_fields(j, path, 2, pa, err);
    }
    case VRV_PA_FIELD_ACCESS:
    case VRV_PA_FINALIZING_FIELD_ACCESS:
    case VRV_PA_HYPER_UNIQUE_CARDINALITY:
        return opt_string(j, "fieldName", path, true, &pa->field_name, err);
    case VRV_PA_CONSTANT: {
        json_t *v = json_object_get(j, "value");
        if (!v || json_is_null(v)) return vrv_error_set(err, VRV_EINVAL, "%s.value: required", path);
        if (json_is_integer(v)) {
            pa->constant = vrv_long(json_integer_value(v));
        } else if (json_is_real(v)) {
            pa->constant = vrv_double(json_real_value(v));
        } else {
            return vrv_error_set(err, VRV_EINVAL, "%s.value: must be a number", path);
        }
        return 0;
    }
    case VRV_PA_DOUBLE_GREATEST:
    case VRV_PA_DOUBLE_LEAST:
    case VRV_PA_LONG_GREATEST:
    case VRV_PA_LONG_LEAST: return parse_fields(j, path, 1, pa, err);
    case VRV_PA_EXPRESSION: {
        if ((rc = opt_string(j, "expression", path, true, &pa->expression, err))) return rc;
        if ((rc = opt_string(j, "ordering", path, false, &pa->ordering, err))) return rc;
        if ((rc = opt_string(j, "outputType", path, false, &pa->output_type, err))) return rc;
        vrv_ctype ot;
        if (pa->output_type && !vrv_ctype_parse(pa->output_type, &ot))
            return vrv_error_set(err, VRV_EINVAL, "%s.outputType: unknown type '%s'", path,
                                 pa->output_type);
        if ((rc = vrv_expr_parse(pa->expression, strlen(pa->expression), &pa->expr, err)))
            return vrv_error_prefix(err, "%s.expression", path);
        size_t n = vrv_expr_ninputs(pa->expr);
        pa->expr_inputs = vrv_calloc(n ? n : 1, sizeof *pa->expr_inputs);
        for (size_t i = 0; i < n; i++) {
            vrv_str in = vrv_expr_input(pa->expr, i);
            pa->expr_inputs[i] = vrv_strndup(in.p, in.n);
        }
        pa->nexpr_inputs = n;
        return 0;
    }
    case VRV_PA_THETA_ESTIMATE:
        if ((rc = opt_int(j, "errorBoundsStdDev", path, 1, 1, 3, &pa->num_std_dev,
                          &pa->has_error_bounds, err)))
            return rc;
        return parse_field(j, path, pa, err);
    case VRV_PA_THETA_SET_OP: {
        char *func = NULL;
        if ((rc = opt_string(j, "func", path, true, &func, err))) return rc;
        if (strcmp(func, "UNION") == 0) {
            pa->func = VRV_THETA_UNION;
        } else if (strcmp(func, "INTERSECT") == 0) {
            pa->func = VRV_THETA_INTERSECT;
        } else if (strcmp(func, "NOT") == 0) {
            pa->func = VRV_THETA_NOT;
        } else {
            rc = vrv_error_set(err, VRV_EINVAL, "%s.func: must be UNION, INTERSECT or NOT, got '%s'",
                               path, func);
        }
        free(func);
        if (rc) return rc;
        int size;
        if ((rc = opt_int(j, "size", path, VRV_THETA_DEFAULT_K, 16, 1 << VRV_THETA_MAX_LGK, &size,
                          NULL, err)))
            return rc;
        if (size & (size - 1))
            return vrv_error_set(err, VRV_EINVAL, "%s.size: must be a power of 2", path);
        pa->size = (uint32_t)size;
        return parse_fields(j, path, 2, pa, err);
    }
    case VRV_PA_HLLSK_ESTIMATE: {
        json_t *r = json_object_get(j, "round");
        if (r && !json_is_null(r)) {
            if (!json_is_boolean(r))
                return vrv_error_set(err, VRV_EINVAL, "%s.round: must be a boolean", path);
            pa->round = json_is_true(r);
        }
        return parse_field(j, path, pa, err);
    }
    case VRV_PA_HLLSK_ESTIMATE_WITH_BOUNDS:
        if ((rc = opt_int(j, "numStdDev", path, 1, 1, 3, &pa->num_std_dev, NULL, err))) return rc;
        return parse_field(j, path, pa, err);
    case VRV_PA_HLLSK_TO_STRING:
    case VRV_PA_QUANTILES_TO_STRING: return parse_field(j, path, pa, err);
    case VRV_PA_HLLSK_UNION: {
        if ((rc = opt_int(j, "lgK", path, 12, VRV_HLLSK_MIN_LGK, VRV_HLLSK_MAX_LGK, &pa->lgk, NULL,
                          err)))
            return rc;
        char *tgt = NULL;
        if ((rc = opt_string(j, "tgtHllType", path, false, &tgt, err))) return rc;
        if (tgt) {
            if (strcmp(tgt, "HLL_4") == 0 || strcmp(tgt, "HLL_6") == 0 || strcmp(tgt, "HLL_8") == 0) {
                pa->tgt = tgt[4] - '0';
            } else {
                rc = vrv_error_set(err, VRV_EINVAL, "%s.tgtHllType: must be HLL_4, HLL_6 or HLL_8",
                                   path);
            }
            free(tgt);
            if (rc) return rc;
        }
        return parse_fields(j, path, 1, pa, err);
    }
    case VRV_PA_QUANTILES_TO_QUANTILE:
        if ((rc = req_double(j, "fraction", path, &pa->fraction, err))) return rc;
        if (!(pa->fraction >= 0 && pa->fraction <= 1))
            return vrv_error_set(err, VRV_EINVAL, "%s.fraction: must be between 0 and 1", path);
        return parse_field(j, path, pa, err);
    case VRV_PA_QUANTILES_TO_QUANTILES:
        if ((rc = double_list(j, "fractions", path, true, pa, err))) return rc;
        for (size_t i = 0; i < pa->npoints; i++)
            if (!(pa->points[i] >= 0 && pa->points[i] <= 1))
                return vrv_error_set(err, VRV_EINVAL, "%s.fractions[%zu]: must be between 0 and 1",
                                     path, i);
        return parse_field(j, path, pa, err);
    case VRV_PA_QUANTILES_TO_HISTOGRAM: {
        bool given;
        if ((rc = double_list(j, "splitPoints", path, false, pa, err))) return rc;
        if ((rc = opt_int(j, "numBins", path, 10, 2, 1 << 20, &pa->num_bins, &given, err)))
            return rc;
        if (given && pa->points)
            return vrv_error_set(err, VRV_EINVAL, "%s: cannot accept both 'splitPoints' and 'numBins'",
                                 path);
        if ((rc = check_splits(pa, path, "splitPoints", err))) return rc;
        return parse_field(j, path, pa, err);
    }
    case VRV_PA_QUANTILES_TO_CDF:
        if ((rc = double_list(j, "splitPoints", path, true, pa, err))) return rc;
        if ((rc = check_splits(pa, path, "splitPoints", err))) return rc;
        return parse_field(j, path, pa, err);
    case VRV_PA_QUANTILES_TO_RANK:
        if ((rc = req_double(j, "value", path, &pa->value, err))) return rc;
        return parse_field(j, path, pa, err);
    default: return 0;
    }
}

int vrv_postagg_parse(const json_t *json, const char *path, bool top, vrv_postagg **out,
                      vrv_error *err)
{
    vrv_postagg *pa = vrv_calloc(1, sizeof *pa);
    int rc = parse_into(json, path ? path : "postAggregation", top, pa, err);
    if (rc) {
        vrv_postagg_free(pa);
        pa = NULL;
    }
    *out = pa;
    return rc;
}

void vrv_postagg_free(vrv_postagg *pa)
{
    if (!pa) return;
    free(pa->name);
    free(pa->field_name);
    for (size_t i = 0; i < pa->nfields; i++) vrv_postagg_free(pa->fields[i]);
    free(pa->fields);
    vrv_postagg_free(pa->field);
    free(pa->ordering);
    free(pa->expression);
    vrv_expr_free(pa->expr);
    for (size_t i = 0; i < pa->nexpr_inputs; i++) free(pa->expr_inputs[i]);
    free(pa->expr_inputs);
    free(pa->output_type);
    free(pa->points);
    free(pa);
}

static void push_name(const char ***names, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], s) == 0) return;
    *names = vrv_realloc(*names, (*n + 1) * sizeof **names);
    (*names)[(*n)++] = s;
}

void vrv_postagg_deps(const vrv_postagg *pa, const char ***names, size_t *n)
{
    if (pa->field_name) push_name(names, n, pa->field_name);
    for (size_t i = 0; i < pa->nexpr_inputs; i++) push_name(names, n, pa->expr_inputs[i]);
    if (pa->field) vrv_postagg_deps(pa->field, names, n);
    for (size_t i = 0; i < pa->nfields; i++) vrv_postagg_deps(pa->fields[i], names, n);
}

static bool name_in(const char *name, const char *const *known, size_t nknown,
                    const vrv_postagg_list *l, size_t upto)
{
    for (size_t i = 0; i < nknown; i++)
        if (strcmp(known[i], name) == 0) return true;
    for (size_t i = 0; i < upto; i++)
        if (l->v[i]->name && strcmp(l->v[i]->name, name) == 0) return true;
    return false;
}

int vrv_postagg_parse_list(const json_t *json, const char *path, const char *const *known,
                           size_t nknown, vrv_postagg_list *out, vrv_error *err)
{
    memset(out, 0, sizeof *out);
    if (!json || json_is_null(json)) return 0;
    if (!json_is_array(json)) return vrv_error_set(err, VRV_EINVAL, "%s: must be an array", path);
    size_t n = json_array_size(json);
    out->v = vrv_calloc(n ? n : 1, sizeof *out->v);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len = strlen(path) + 32;
        char *sp = vrv_malloc(len);
        snprintf(sp, len, "%s[%zu]", path, i);
        rc = vrv_postagg_parse(json_array_get(json, i), sp, true, &out->v[i], err);
        free(sp);
        if (rc) break;
        out->n = i + 1;
        const vrv_postagg *pa = out->v[i];
        const char **deps = NULL;
        size_t nd = 0;
        vrv_postagg_deps(pa, &deps, &nd);
        vrv_buf missing = VRV_BUF_INIT;
        for (size_t d = 0; d < nd; d++) {
            if (name_in(deps[d], known, nknown, out, i)) continue;
            vrv_buf_puts(&missing, missing.len ? ", " : "[");
            vrv_buf_puts(&missing, deps[d]);
        }
        free(deps);
        if (missing.len) {
            rc = vrv_error_set(err, VRV_EINVAL, "Missing fields [%s]] for postAggregator [%s]",
                               missing.data, pa->name);
        } else if (name_in(pa->name, known, nknown, out, i)) {
            rc = vrv_error_set(err, VRV_EINVAL, "[%s] already defined", pa->name);
        }
        vrv_buf_free(&missing);
    }
    if (rc) vrv_postagg_list_free(out);
    return rc;
}

void vrv_postagg_list_free(vrv_postagg_list *l)
{
    for (size_t i = 0; i < l->n; i++) vrv_postagg_free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* ---- evaluation --------------------------------------------------------- */

static const char *pa_label(const vrv_postagg *pa)
{
    return pa->name ? pa->name : pa_names[pa->type];
}

static vrv_value lookup(const vrv_postagg_ctx *ctx, const char *name)
{
    vrv_value v = vrv_null();
    if (!ctx->lookup(ctx->ud, name, &v)) v = vrv_null();
    return v;
}

/* Reads a number for arithmetic / greatest / least: 1 ok, 0 null, -1 not a number. */
static int num_of(const vrv_value *v, double *d, int64_t *l)
{
    switch (v->type) {
    case VRV_V_NULL: return 0;
    case VRV_V_LONG:
        *d = (double)v->u.l;
        *l = v->u.l;
        return 1;
    case VRV_V_DOUBLE:
        *d = v->u.d;
        *l = isnan(v->u.d) ? 0 : (int64_t)v->u.d;
        return 1;
    case VRV_V_FLOAT:
        *d = v->u.f;
        *l = isnan(v->u.f) ? 0 : (int64_t)v->u.f;
        return 1;
    default: return -1;
    }
}

static double arith(vrv_postagg_fn fn, double a, double b)
{
    switch (fn) {
    case VRV_PA_FN_PLUS: return a + b;
    case VRV_PA_FN_MINUS: return a - b;
    case VRV_PA_FN_MULT: return a * b;
    case VRV_PA_FN_DIV: return b == 0.0 ? 0.0 : a / b;
    case VRV_PA_FN_QUOTIENT: return a / b;
    default: return pow(a, b);
    }
}

/* A sketch object of the wanted kind from a complex value: either borrowed
 * (*owned NULL) or decoded (*owned set, freed by the caller with the matching
 * free). An absent / null / empty-live value gives an empty sketch. */
typedef struct sk_ref {
    const void *p;
    void *owned;
} sk_ref;

static int sketch_of(const vrv_postagg *pa, const vrv_value *v, vrv_agg_kind kind, sk_ref *out,
                     vrv_error *err)
{
    out->p = out->owned = NULL;
    bool bad = false;
    if (v->type == VRV_V_COMPLEX && (v->flags & VRV_AGG_KIND_MASK) == kind) {
        if (!(v->flags & VRV_AGG_CX_BYTES)) {
            out->p = v->u.ptr;
        } else {
            int rc = VRV_ECORRUPT;
            if (kind == VRV_AGG_K_THETA) {
                rc = vrv_theta_deserialize(v->u.ptr, v->len, (vrv_theta **)&out->owned);
            } else if (kind == VRV_AGG_K_HLLSK || kind == VRV_AGG_K_HLL) {
                rc = vrv_hllsk_deserialize(v->u.ptr, v->len, 0, (vrv_hllsk **)&out->owned);
            } else if (kind == VRV_AGG_K_QUANTILES) {
                rc = vrv_quantiles_deserialize(v->u.ptr, v->len, (vrv_quantiles **)&out->owned);
            }
            bad = rc != 0;
            out->p = out->owned;
        }
    } else if (v->type != VRV_V_NULL) {
        bad = true;
    }
    if (bad)
        return vrv_error_set(err, VRV_EINVAL, "post-aggregator '%s' (%s): input is not a %s sketch",
                             pa_label(pa), pa_names[pa->type],
                             kind == VRV_AGG_K_THETA       ? "theta"
                             : kind == VRV_AGG_K_QUANTILES ? "quantilesDoublesSketch"
                                                           : "HLL");
    if (!out->p) {
        if (kind == VRV_AGG_K_THETA) {
            out->p = out->owned = vrv_theta_new(VRV_THETA_DEFAULT_K);
        } else if (kind == VRV_AGG_K_QUANTILES) {
            out->p = out->owned = vrv_quantiles_new(VRV_QUANTILES_DEFAULT_K);
        } else {
            out->p = out->owned = vrv_hllsk_new(
                kind == VRV_AGG_K_HLL ? VRV_HLLSK_FAMILY_UNIQUE : VRV_HLLSK_FAMILY_SKETCH,
                kind == VRV_AGG_K_HLL ? VRV_HLL_LGK : 12, 4);
        }
    }
    return 0;
}

static void sk_release(vrv_agg_kind kind, sk_ref *r)
{
    if (!r->owned) return;
    if (kind == VRV_AGG_K_THETA) {
        vrv_theta_free(r->owned);
    } else if (kind == VRV_AGG_K_QUANTILES) {
        vrv_quantiles_free(r->owned);
    } else {
        vrv_hllsk_free(r->owned);
    }
    r->owned = NULL;
}

static int field_sketch(const vrv_postagg *pa, const vrv_postagg *field, const vrv_postagg_ctx *ctx,
                        vrv_agg_kind kind, sk_ref *out, vrv_error *err)
{
    vrv_value v;
    int rc = vrv_postagg_eval(field, ctx, &v, err);
    if (rc) return rc;
    /* an HLLSketch post-aggregator also reads hyperUnique collectors' kind
     * only when asked for it; otherwise kinds must match */
    return sketch_of(pa, &v, kind, out, err);
}

static vrv_value double_array(vrv_arena *a, const double *d, size_t n)
{
    vrv_value *arr = vrv_arena_alloc(a, (n ? n : 1) * sizeof *arr);
    for (size_t i = 0; i < n; i++) arr[i] = vrv_double(d[i]);
    return vrv_array(arr, n);
}

static vrv_value string_in_arena(vrv_arena *a, vrv_buf *b)
{
    char *s = vrv_arena_strndup(a, b->data ? b->data : "", b->len);
    return vrv_string(s, b->len);
}

static vrv_value theta_bytes(vrv_arena *a, const vrv_theta *t)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_theta_serialize(t, &b);
    void *p = vrv_arena_memdup(a, b.data, b.len);
    vrv_value v = vrv_agg_complex_bytes(VRV_AGG_K_THETA, p, b.len);
    vrv_buf_free(&b);
    return v;
}

static int eval_theta(const vrv_postagg *pa, const vrv_postagg_ctx *ctx, vrv_value *out,
                      vrv_error *err)
{
    if (pa->type == VRV_PA_THETA_ESTIMATE) {
        sk_ref r;
        int rc = field_sketch(pa, pa->field, ctx, VRV_AGG_K_THETA, &r, err);
        if (rc) return rc;
        if (pa->has_error_bounds) {
            *out = vrv_agg_theta_estimate_json(r.p, pa->num_std_dev, ctx->arena);
        } else {
            *out = vrv_double(vrv_theta_estimate(r.p));
        }
        sk_release(VRV_AGG_K_THETA, &r);
        return 0;
    }
    /* the set operation over every field, left to right */
    vrv_theta *acc = NULL;
    for (size_t i = 0; i < pa->nfields; i++) {
        sk_ref r;
        int rc = field_sketch(pa, pa->fields[i], ctx, VRV_AGG_K_THETA, &r, err);
        if (rc) {
            vrv_theta_free(acc);
            return rc;
        }
        if (!acc) {
            acc = vrv_theta_new(pa->size);
            vrv_theta_merge(acc, r.p);
        } else if (pa->func == VRV_THETA_UNION) {
            vrv_theta_merge(acc, r.p);
        } else {
            vrv_theta *n = pa->func == VRV_THETA_INTERSECT ? vrv_theta_intersect(acc, r.p)
                                                           : vrv_theta_anotb(acc, r.p);
            vrv_theta_free(acc);
            acc = n;
        }
        sk_release(VRV_AGG_K_THETA, &r);
    }
    *out = theta_bytes(ctx->arena, acc);
    vrv_theta_free(acc);
    return 0;
}

static int eval_hllsk(const vrv_postagg *pa, const vrv_postagg_ctx *ctx, vrv_value *out,
                      vrv_error *err)
{
    sk_ref r;
    int rc;
    if (pa->type == VRV_PA_HLLSK_UNION) {
        vrv_hllsk *acc = vrv_hllsk_new(VRV_HLLSK_FAMILY_SKETCH, pa->lgk, pa->tgt);
        for (size_t i = 0; i < pa->nfields; i++) {
            if ((rc = field_sketch(pa, pa->fields[i], ctx, VRV_AGG_K_HLLSK, &r, err))) {
                vrv_hllsk_free(acc);
                return rc;
            }
            vrv_hllsk_merge(acc, r.p);
            sk_release(VRV_AGG_K_HLLSK, &r);
        }
        vrv_buf b = VRV_BUF_INIT;
        vrv_hllsk_serialize(acc, &b);
        void *p = vrv_arena_memdup(ctx->arena, b.data, b.len);
        *out = vrv_agg_complex_bytes(VRV_AGG_K_HLLSK, p, b.len);
        vrv_buf_free(&b);
        vrv_hllsk_free(acc);
        return 0;
    }
    if ((rc = field_sketch(pa, pa->field, ctx, VRV_AGG_K_HLLSK, &r, err))) return rc;
    const vrv_hllsk *h = r.p;
    switch (pa->type) {
    case VRV_PA_HLLSK_ESTIMATE: {
        double e = vrv_hllsk_estimate(h);
        *out = pa->round ? vrv_long((int64_t)floor(e + 0.5)) : vrv_double(e);
        break;
    }
    case VRV_PA_HLLSK_ESTIMATE_WITH_BOUNDS: {
        double d[3] = {vrv_hllsk_estimate(h), vrv_hllsk_lower_bound(h, pa->num_std_dev),
                       vrv_hllsk_upper_bound(h, pa->num_std_dev)};
        *out = double_array(ctx->arena, d, 3);
        break;
    }
    default: {
        vrv_buf b = VRV_BUF_INIT;
        vrv_hllsk_to_string(h, &b);
        *out = string_in_arena(ctx->arena, &b);
        vrv_buf_free(&b);
        break;
    }
    }
    sk_release(VRV_AGG_K_HLLSK, &r);
    return 0;
}

static int eval_quantiles(const vrv_postagg *pa, const vrv_postagg_ctx *ctx, vrv_value *out,
                          vrv_error *err)
{
    sk_ref r;
    int rc = field_sketch(pa, pa->field, ctx, VRV_AGG_K_QUANTILES, &r, err);
    if (rc) return rc;
    const vrv_quantiles *q = r.p;
    switch (pa->type) {
    case VRV_PA_QUANTILES_TO_QUANTILE: *out = vrv_double(vrv_quantiles_quantile(q, pa->fraction)); break;
    case VRV_PA_QUANTILES_TO_RANK: *out = vrv_double(vrv_quantiles_rank(q, pa->value)); break;
    case VRV_PA_QUANTILES_TO_QUANTILES: {
        double *d = vrv_malloc((pa->npoints ? pa->npoints : 1) * sizeof *d);
        for (size_t i = 0; i < pa->npoints; i++) d[i] = vrv_quantiles_quantile(q, pa->points[i]);
        *out = double_array(ctx->arena, d, pa->npoints);
        free(d);
        break;
    }
    case VRV_PA_QUANTILES_TO_CDF:
    case VRV_PA_QUANTILES_TO_HISTOGRAM: {
        size_t ns = pa->npoints;
        const double *splits = pa->points;
        double *eq = NULL;
        if (pa->type == VRV_PA_QUANTILES_TO_HISTOGRAM && !pa->points) {
            /* numBins equally spaced bins over [min, max], as Druid does */
            ns = (size_t)pa->num_bins - 1;
            eq = vrv_malloc(ns * sizeof *eq);
            double delta = (q->max - q->min) / pa->num_bins;
            for (size_t i = 0; i < ns; i++) eq[i] = q->min + delta * (double)(i + 1);
            splits = eq;
        }
        double *d = vrv_malloc((ns + 1) * sizeof *d);
        if (pa->type == VRV_PA_QUANTILES_TO_CDF) {
            vrv_quantiles_cdf(q, splits, ns, d);
        } else if (vrv_quantiles_is_empty(q)) {
            for (size_t i = 0; i <= ns; i++) d[i] = NAN;
        } else {
            vrv_quantiles_pmf(q, splits, ns, d);
            for (size_t i = 0; i <= ns; i++) d[i] *= (double)q->n; /* fractions to counts */
        }
        *out = double_array(ctx->arena, d, ns + 1);
        free(d);
        free(eq);
        break;
    }
    default: {
        vrv_buf b = VRV_BUF_INIT;
        vrv_quantiles_to_string(q, &b);
        *out = string_in_arena(ctx->arena, &b);
        vrv_buf_free(&b);
        break;
    }
    }
    sk_release(VRV_AGG_K_QUANTILES, &r);
    return 0;
}

static int eval_fields_numeric(const vrv_postagg *pa, const vrv_postagg_ctx *ctx, vrv_value *out,
                               vrv_error *err)
{
    bool is_long = pa->type == VRV_PA_LONG_GREATEST || pa->type == VRV_PA_LONG_LEAST;
    bool greatest = pa->type == VRV_PA_LONG_GREATEST || pa->type == VRV_PA_DOUBLE_GREATEST;
    bool have = false;
    double acc = 0, d;
    int64_t lacc = 0, l;
    for (size_t i = 0; i < pa->nfields; i++) {
        vrv_value v;
        int rc = vrv_postagg_eval(pa->fields[i], ctx, &v, err);
        if (rc) return rc;
        int r = num_of(&v, &d, &l);
        if (r < 0)
            return vrv_error_set(err, VRV_EINVAL, "post-aggregator '%s' (%s): fields[%zu] is not a number",
                                 pa_label(pa), pa_names[pa->type], i);
        if (pa->type == VRV_PA_ARITHMETIC) {
            if (r == 0) {
                *out = vrv_null();
                return 0;
            }
            acc = i == 0 ? d : arith(pa->fn, acc, d);
            continue;
        }
        if (r == 0) continue; /* greatest / least ignore nulls */
        if (is_long) {
            if (!have || (greatest ? l > lacc : l < lacc)) lacc = l;
        } else {
            if (!have || (greatest ? d > acc : d < acc)) acc = d;
        }
        have = true;
    }
    if (pa->type == VRV_PA_ARITHMETIC) {
        *out = vrv_double(acc);
    } else if (!have) {
        *out = vrv_null();
    } else {
        *out = is_long ? vrv_long(lacc) : vrv_double(acc);
    }
    return 0;
}

static int resolve_input(void *ud, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    const vrv_postagg *pa = ud;
    VRV_UNUSED(err);
    out->slot = -1;
    out->typed = false;
    for (size_t i = 0; i < pa->nexpr_inputs; i++) {
        if (vrv_str_eq_c(name, pa->expr_inputs[i])) {
            out->slot = (int32_t)i;
            break;
        }
    }
    return 0;
}

/* A copy of v whose strings and arrays live in arena. */
static vrv_value value_to_arena(const vrv_value *v, vrv_arena *a)
{
    vrv_value r = *v;
    if (v->type == VRV_V_STRING || v->type == VRV_V_JSON) {
        r.u.s = vrv_arena_strndup(a, v->u.s, v->len);
    } else if (v->type == VRV_V_ARRAY) {
        vrv_value *el = vrv_arena_alloc(a, (v->len ? v->len : 1) * sizeof *el);
        for (uint32_t i = 0; i < v->len; i++) el[i] = value_to_arena(&v->u.a[i], a);
        r.u.a = el;
    }
    return r;
}

/* outputType casts the result, as Druid's ExpressionPostAggregator does. */
static vrv_value cast_output(const vrv_postagg *pa, const vrv_value *v, vrv_arena *a)
{
    vrv_ctype t;
    if (!pa->output_type || !vrv_ctype_parse(pa->output_type, &t) || v->type == VRV_V_NULL)
        return *v;
    int64_t l;
    double d;
    vrv_str s;
    switch (t) {
    case VRV_C_LONG: return vrv_expr_to_long(v, &l) ? vrv_long(l) : vrv_null();
    case VRV_C_DOUBLE: return vrv_expr_to_double(v, &d) ? vrv_double(d) : vrv_null();
    case VRV_C_FLOAT: return vrv_expr_to_double(v, &d) ? vrv_float((float)d) : vrv_null();
    case VRV_C_STRING: return vrv_expr_to_string(v, a, &s) ? vrv_string(s.p, s.n) : vrv_null();
    default: return *v;
    }
}

static int eval_expression(const vrv_postagg *pa, const vrv_postagg_ctx *ctx, vrv_value *out,
                           vrv_error *err)
{
    if (ctx->eval_expr) return ctx->eval_expr(ctx->ud, pa, ctx->arena, out, err);
    vrv_expr_prog *prog = NULL;
    int rc = vrv_expr_bind(pa->expr, resolve_input, (void *)pa, &prog, err);
    if (rc) return vrv_error_prefix(err, "post-aggregator '%s'", pa_label(pa));
    size_t n = pa->nexpr_inputs;
    vrv_value *slots = vrv_arena_alloc(ctx->arena, (n ? n : 1) * sizeof *slots);
    for (size_t i = 0; i < n; i++) {
        slots[i] = lookup(ctx, pa->expr_inputs[i]);
        const vrv_agg_spec *s = ctx->agg_spec ? ctx->agg_spec(ctx->ud, pa->expr_inputs[i]) : NULL;
        if (s) slots[i] = vrv_agg_finalize_value(s, &slots[i], ctx->arena);
    }
    vrv_value v;
    rc = vrv_expr_eval(prog, slots, ctx->arena, &v, err);
    if (rc) {
        vrv_error_prefix(err, "post-aggregator '%s'", pa_label(pa));
    } else {
        /* the result may point into prog, which goes now */
        v = value_to_arena(&v, ctx->arena);
        *out = cast_output(pa, &v, ctx->arena);
    }
    vrv_expr_prog_free(prog);
    return rc;
}

int vrv_postagg_eval(const vrv_postagg *pa, const vrv_postagg_ctx *ctx, vrv_value *out,
                     vrv_error *err)
{
    switch (pa->type) {
    case VRV_PA_ARITHMETIC:
    case VRV_PA_DOUBLE_GREATEST:
    case VRV_PA_DOUBLE_LEAST:
    case VRV_PA_LONG_GREATEST:
    case VRV_PA_LONG_LEAST: return eval_fields_numeric(pa, ctx, out, err);
    case VRV_PA_FIELD_ACCESS: *out = lookup(ctx, pa->field_name); return 0;
    case VRV_PA_FINALIZING_FIELD_ACCESS: {
        vrv_value v = lookup(ctx, pa->field_name);
        const vrv_agg_spec *s = ctx->agg_spec ? ctx->agg_spec(ctx->ud, pa->field_name) : NULL;
        *out = s ? vrv_agg_finalize_value(s, &v, ctx->arena) : v;
        return 0;
    }
    case VRV_PA_HYPER_UNIQUE_CARDINALITY: {
        vrv_value v = lookup(ctx, pa->field_name);
        if (v.type != VRV_V_COMPLEX) {
            /* already a number (an estimate), or no value: pass through */
            if (v.type == VRV_V_NULL || vrv_is_number(&v)) {
                *out = v;
                return 0;
            }
        }
        sk_ref r;
        int rc = sketch_of(pa, &v, VRV_AGG_K_HLL, &r, err);
        if (rc) return rc;
        const vrv_agg_spec *s = ctx->agg_spec ? ctx->agg_spec(ctx->ud, pa->field_name) : NULL;
        if (s) s = vrv_agg_unwrap(s);
        /* round is inherited only from a directly referenced aggregator */
        bool round = s && (s->type == VRV_AGG_HYPER_UNIQUE || s->type == VRV_AGG_CARDINALITY) &&
                     s->round;
        double e = vrv_hllsk_estimate(r.p);
        *out = round ? vrv_long((int64_t)floor(e + 0.5)) : vrv_double(e);
        sk_release(VRV_AGG_K_HLL, &r);
        return 0;
    }
    case VRV_PA_CONSTANT: *out = pa->constant; return 0;
    case VRV_PA_EXPRESSION: return eval_expression(pa, ctx, out, err);
    case VRV_PA_THETA_ESTIMATE:
    case VRV_PA_THETA_SET_OP: return eval_theta(pa, ctx, out, err);
    case VRV_PA_HLLSK_ESTIMATE:
    case VRV_PA_HLLSK_ESTIMATE_WITH_BOUNDS:
    case VRV_PA_HLLSK_TO_STRING:
    case VRV_PA_HLLSK_UNION: return eval_hllsk(pa, ctx, out, err);
    default: return eval_quantiles(pa, ctx, out, err);
    }
}

/* ---- result types ------------------------------------------------------- */

static bool coltype(vrv_ctype t, const char *cx, vrv_agg_coltype *out)
{
    out->type = t;
    out->complex = cx;
    return true;
}

typedef struct expr_types {
    const vrv_agg_spec *(*agg_spec)(void *ud, const char *name);
    void *ud;
} expr_types;

/* An expression reads aggregators' finalized values. */
static bool expr_input_type(void *ctx, vrv_str name, vrv_ctype *out)
{
    const expr_types *et = ctx;
    if (!et->agg_spec) return false;
    char buf[256];
    if (name.n >= sizeof buf) return false;
    memcpy(buf, name.p, name.n);
    buf[name.n] = '\0';
    const vrv_agg_spec *s = et->agg_spec(et->ud, buf);
    if (!s) return false;
    vrv_agg_coltype t = vrv_agg_finalized_type(s);
    if (t.type == VRV_C_COMPLEX || t.type == VRV_C_JSON) return false;
    *out = t.type;
    return true;
}

bool vrv_postagg_output_type(const vrv_postagg *pa,
                             const vrv_agg_spec *(*agg_spec)(void *ud, const char *name), void *ud,
                             vrv_agg_coltype *out)
{
    const vrv_agg_spec *s = NULL;
    if (pa->field_name && agg_spec) s = agg_spec(ud, pa->field_name);
    switch (pa->type) {
    case VRV_PA_ARITHMETIC:
    case VRV_PA_DOUBLE_GREATEST:
    case VRV_PA_DOUBLE_LEAST:
    case VRV_PA_QUANTILES_TO_QUANTILE:
    case VRV_PA_QUANTILES_TO_RANK: return coltype(VRV_C_DOUBLE, NULL, out);
    case VRV_PA_LONG_GREATEST:
    case VRV_PA_LONG_LEAST: return coltype(VRV_C_LONG, NULL, out);
    case VRV_PA_CONSTANT:
        return coltype(pa->constant.type == VRV_V_LONG ? VRV_C_LONG : VRV_C_DOUBLE, NULL, out);
    case VRV_PA_FIELD_ACCESS:
        if (!s) return false;
        *out = vrv_agg_intermediate_type(s);
        return true;
    case VRV_PA_FINALIZING_FIELD_ACCESS:
        if (!s) return false;
        *out = vrv_agg_finalized_type(s);
        return true;
    case VRV_PA_HYPER_UNIQUE_CARDINALITY:
        if (s) s = vrv_agg_unwrap(s);
        return coltype(s && s->round ? VRV_C_LONG : VRV_C_DOUBLE, NULL, out);
    case VRV_PA_EXPRESSION: {
        out->complex = NULL;
        if (pa->output_type) return vrv_ctype_parse(pa->output_type, &out->type);
        expr_types et = {agg_spec, ud};
        return vrv_expr_output_type(pa->expr, expr_input_type, &et, &out->type);
    }
    case VRV_PA_THETA_ESTIMATE:
        return coltype(pa->has_error_bounds ? VRV_C_JSON : VRV_C_DOUBLE, NULL, out);
    case VRV_PA_THETA_SET_OP: return coltype(VRV_C_COMPLEX, "thetaSketch", out);
    case VRV_PA_HLLSK_ESTIMATE: return coltype(pa->round ? VRV_C_LONG : VRV_C_DOUBLE, NULL, out);
    case VRV_PA_HLLSK_UNION: return coltype(VRV_C_COMPLEX, "HLLSketch", out);
    case VRV_PA_HLLSK_TO_STRING:
    case VRV_PA_QUANTILES_TO_STRING: return coltype(VRV_C_STRING, NULL, out);
    default: return coltype(VRV_C_ARRAY_DOUBLE, NULL, out);
    }
}
