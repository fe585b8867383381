/*
 * sql_plan.c — an analysed block becomes one Druid native query, chosen
 * and shaped by the rules of Druid's DruidQuery (druid-query.md §10.2):
 * timeBoundary for MIN/MAX(__time) when enableTimeBoundaryPlanning is set;
 * timeseries for no GROUP BY or a GROUP BY on a floor of __time alone,
 * ordered by time or not at all; topN for one dimension, ORDER BY at most
 * one column and a LIMIT (ordering by the dimension always, by a metric
 * when useApproximateTopN); groupBy otherwise (having, limitSpec); scan
 * for queries without aggregation (ORDER BY __time only).
 *
 * Naming follows Druid's: virtual columns v0.., dimensions d0..,
 * aggregators a0.. (AVG's parts a0:sum and a0:count), post-aggregators
 * p0... WHERE becomes the native filter (equals, null, range, in, inType,
 * like, regex, search, interval, expression, and/or/not, istrue/isfalse)
 * and the bounds on __time of a table become the query intervals. Exact
 * COUNT(DISTINCT) (useApproximateCountDistinct=false) becomes a nested
 * groupBy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/numfmt.h"
#include "sql/sql_int.h"

#define ETERNITY "-146136543-09-08T08:23:32.096Z/146140482-04-24T15:36:27.903Z"

typedef struct nq {
    sql_ctx *c;
    const sql_block *b;
    json_t *vcols;           /* [{"type":"expression",...}] */
    int nv;
    const char *vprefix;     /* "v", or "_v"... when an input column is named v<digits> */
    json_t *postaggs;
    int np;
    const char **key_names;  /* per key */
    const char **agg_names;  /* per aggregate: the name its value has */
    bool having;             /* building the having filter: names, not columns */
    /* sketch functions already planned as post-aggregators (arena arrays) */
    const rex **sk_rex;
    const char **sk_name;
    size_t nsk, cap_sk;
} nq;

static const char *sketch_name(nq *q, const rex *r);

static sql_type T(sql_tid id, bool nullable)
{
    return sql_type_make(id, nullable);
}

static int unhandled(sql_ctx *c)
{
    return sql_fail(c->err, VRV_SQL_E_UNSUPPORTED, NULL,
                    "Unhandled Query Planning Failure, see broker logs for details");
}

static int cannot(sql_ctx *c, const char *fmt, ...) VRV_PRINTF(2, 3);
static int cannot(sql_ctx *c, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sql_fail(c->err, VRV_SQL_E_PLAN, NULL,
                    "Query could not be planned. A possible reason is [%s]", msg);
}

static const char *name_of(void *ud, const rex *r)
{
    nq *q = ud;
    if (r->kind == RX_CALL && r->fn == FN_SKETCH) return q->agg_names ? sketch_name(q, r) : NULL;
    if (r->kind == RX_KEY) return q->key_names ? q->key_names[r->index] : NULL;
    if (r->kind == RX_AGG) return q->agg_names ? q->agg_names[r->index] : NULL;
    return NULL;
}

static const char *native_type(nq *q, sql_type t)
{
    const char *n = sql_type_native(t, q->c->arena);
    return n ? n : "STRING";
}

static char *expr_text(nq *q, const rex *r, int *rc)
{
    vrv_buf b = VRV_BUF_INIT;
    *rc = sql_native_expr(q->c, r, &q->b->src, name_of, q, &b);
    char *s = vrv_arena_strdup(q->c->arena, b.data ? b.data : "");
    vrv_buf_free(&b);
    return s;
}

/* A virtual column computing r (reused when the same expression and type
 * were already registered); its name. */
static const char *vcol(nq *q, const rex *r, int *rc)
{
    if (r->kind == RX_COL) return q->b->src.phys.v[r->index].native;
    char *text = expr_text(q, r, rc);
    if (*rc) return NULL;
    const char *type = native_type(q, r->type);
    size_t i;
    json_t *v;
    json_array_foreach(q->vcols, i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "expression")), text) &&
            !strcmp(json_string_value(json_object_get(v, "outputType")), type))
            return json_string_value(json_object_get(v, "name"));
    }
    const char *name = vrv_arena_printf(q->c->arena, "%s%d", q->vprefix, q->nv++);
    json_array_append_new(q->vcols, json_pack("{s:s, s:s, s:s, s:s}", "type", "expression", "name",
                                              name, "expression", text, "outputType", type));
    return name;
}

/* ---- values --------------------------------------------------------------------------- */

static json_t *value_json(const vrv_value *v)
{
    switch (v->type) {
    case VRV_V_LONG: return json_integer(v->u.l);
    case VRV_V_DOUBLE: return json_real(v->u.d);
    case VRV_V_FLOAT: return json_real(v->u.f);
    case VRV_V_STRING: return json_stringn(v->u.s, v->len);
    default: return json_null();
    }
}

/* The literal converted to a match value of native type `type`. */
static json_t *match_value(const rex *lit, const char *type)
{
    const vrv_value *v = &lit->lit;
    if (!strcmp(type, "STRING")) {
        if (v->type == VRV_V_STRING) return json_stringn(v->u.s, v->len);
        vrv_buf b = VRV_BUF_INIT;
        vrv_value_append_string(v, &b);
        json_t *j = json_stringn(b.data ? b.data : "", b.len);
        vrv_buf_free(&b);
        return j;
    }
    if (!strcmp(type, "LONG")) {
        if (v->type == VRV_V_LONG) return json_integer(v->u.l);
        if (v->type == VRV_V_DOUBLE) return json_real(v->u.d);
    }
    if (!strcmp(type, "DOUBLE") || !strcmp(type, "FLOAT")) {
        if (v->type == VRV_V_LONG) return json_real((double)v->u.l);
        if (v->type == VRV_V_DOUBLE) return json_real(v->u.d);
    }
    return value_json(v);
}

/* ---- time ranges: bounds on a table's __time become intervals ------------------------- */

typedef VRV_VEC(vrv_interval) ranges;

static void ranges_all(ranges *r)
{
    r->n = 0;
    vrv_vec_push(r, vrv_interval_eternity());
}

static void ranges_normalize(ranges *r)
{
    size_t w = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].start < r->v[i].end) r->v[w++] = r->v[i];
    r->n = vrv_interval_condense(r->v, w);
}

static void ranges_intersect(ranges *a, const ranges *b)
{
    ranges out = {0};
    for (size_t i = 0; i < a->n; i++)
        for (size_t k = 0; k < b->n; k++) {
            vrv_ms s = VRV_MAX(a->v[i].start, b->v[k].start), e = VRV_MIN(a->v[i].end, b->v[k].end);
            if (s < e) vrv_vec_push(&out, vrv_interval_make(s, e));
        }
    vrv_vec_free(a);
    *a = out;
    ranges_normalize(a);
}

static void ranges_union(ranges *a, const ranges *b)
{
    for (size_t k = 0; k < b->n; k++) vrv_vec_push(a, b->v[k]);
    ranges_normalize(a);
}

static void ranges_complement(ranges *a)
{
    ranges out = {0};
    vrv_ms at = VRV_TIME_MIN;
    for (size_t i = 0; i < a->n; i++) {
        if (a->v[i].start > at) vrv_vec_push(&out, vrv_interval_make(at, a->v[i].start));
        at = a->v[i].end;
    }
    if (at < VRV_TIME_MAX) vrv_vec_push(&out, vrv_interval_make(at, VRV_TIME_MAX));
    vrv_vec_free(a);
    *a = out;
}

static bool is_time_col(nq *q, const rex *r)
{
    return r->kind == RX_COL && !strcmp(q->b->src.phys.v[r->index].native, "__time");
}

static bool time_lit(const rex *r, vrv_ms *out)
{
    if (r->kind != RX_LIT || r->lit.type != VRV_V_LONG || !sql_type_is_time(r->type)) return false;
    *out = r->lit.u.l;
    return true;
}

/* The instants a condition allows, when it only bounds __time; false
 * otherwise. */
static bool time_ranges(nq *q, const rex *r, ranges *out)
{
    out->n = 0;
    if (r->kind != RX_CALL) return false;
    switch ((rex_fn)r->fn) {
    case FN_AND:
    case FN_OR: {
        bool first = true;
        for (uint32_t i = 0; i < r->nargs; i++) {
            ranges x = {0};
            if (!time_ranges(q, r->args[i], &x)) {
                vrv_vec_free(&x);
                return false;
            }
            if (first) {
                vrv_vec_free(out);
                *out = x;
                first = false;
                continue;
            }
            if (r->fn == FN_AND) ranges_intersect(out, &x);
            else ranges_union(out, &x);
            vrv_vec_free(&x);
        }
        return true;
    }
    case FN_NOT:
        if (!time_ranges(q, r->args[0], out)) return false;
        ranges_complement(out);
        return true;
    case FN_EQ:
    case FN_NE:
    case FN_LT:
    case FN_LE:
    case FN_GT:
    case FN_GE: {
        const rex *a = r->args[0], *b = r->args[1];
        rex_fn fn = (rex_fn)r->fn;
        vrv_ms t;
        if (is_time_col(q, b) && time_lit(a, &t)) {
            const rex *x = a;
            a = b;
            b = x;
            fn = fn == FN_LT ? FN_GT : fn == FN_LE ? FN_GE : fn == FN_GT ? FN_LT : fn == FN_GE ? FN_LE : fn;
        }
        if (!is_time_col(q, a) || !time_lit(b, &t)) return false;
        switch (fn) {
        case FN_EQ: vrv_vec_push(out, vrv_interval_make(t, t + 1)); break;
        case FN_NE:
            vrv_vec_push(out, vrv_interval_make(VRV_TIME_MIN, t));
            vrv_vec_push(out, vrv_interval_make(t + 1, VRV_TIME_MAX));
            break;
        case FN_LT: vrv_vec_push(out, vrv_interval_make(VRV_TIME_MIN, t)); break;
        case FN_LE: vrv_vec_push(out, vrv_interval_make(VRV_TIME_MIN, t + 1)); break;
        case FN_GT: vrv_vec_push(out, vrv_interval_make(t + 1, VRV_TIME_MAX)); break;
        case FN_GE: vrv_vec_push(out, vrv_interval_make(t, VRV_TIME_MAX)); break;
        default: return false;
        }
        ranges_normalize(out);
        return true;
    }
    case FN_IN: {
        if (!is_time_col(q, r->args[0])) return false;
        for (uint32_t i = 1; i < r->nargs; i++) {
            vrv_ms t;
            if (!time_lit(r->args[i], &t)) return false;
            vrv_vec_push(out, vrv_interval_make(t, t + 1));
        }
        ranges_normalize(out);
        return true;
    }
    case FN_TIME_IN_INTERVAL:
        if (!is_time_col(q, r->args[0])) return false;
        vrv_vec_push(out, vrv_interval_make(r->args[1]->lit.u.l, r->args[2]->lit.u.l));
        ranges_normalize(out);
        return true;
    default: return false;
    }
}

static json_t *intervals_json(const ranges *r)
{
    json_t *a = json_array();
    if (!r) {
        json_array_append_new(a, json_string(ETERNITY));
    } else {
        for (size_t i = 0; i < r->n; i++) {
            char buf[VRV_INTERVAL_STR_MAX];
            vrv_interval_format(r->v[i], buf);
            json_array_append_new(a, json_string(buf));
        }
    }
    return json_pack("{s:s, s:o}", "type", "intervals", "intervals", a);
}

/* ---- filters ---------------------------------------------------------------------------- */

static json_t *f_true(void)
{
    return json_pack("{s:s}", "type", "true");
}
static json_t *f_false(void)
{
    return json_pack("{s:s}", "type", "false");
}
static bool f_is(const json_t *f, const char *type)
{
    const char *t = json_string_value(json_object_get(f, "type"));
    return t && !strcmp(t, type);
}

static json_t *f_not(json_t *f)
{
    if (f_is(f, "true")) {
        json_decref(f);
        return f_false();
    }
    if (f_is(f, "false")) {
        json_decref(f);
        return f_true();
    }
    return json_pack("{s:s, s:o}", "type", "not", "field", f);
}

/* and/or with the constant filters folded and nested ones flattened. */
static json_t *f_logic(const char *type, json_t **fs, size_t n)
{
    bool is_and = !strcmp(type, "and");
    json_t *fields = json_array();
    json_t *result = NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *f = fs[i];
        if (result) {
            json_decref(f);
            continue;
        }
        if (f_is(f, is_and ? "true" : "false")) {
            json_decref(f);
            continue;
        }
        if (f_is(f, is_and ? "false" : "true")) {
            result = f;
            continue;
        }
        if (f_is(f, type)) {
            size_t k;
            json_t *x;
            json_array_foreach(json_object_get(f, "fields"), k, x) json_array_append(fields, x);
            json_decref(f);
            continue;
        }
        json_array_append_new(fields, f);
    }
    if (result) {
        json_decref(fields);
        return result;
    }
    if (json_array_size(fields) == 0) {
        json_decref(fields);
        return is_and ? f_true() : f_false();
    }
    if (json_array_size(fields) == 1) {
        json_t *only = json_incref(json_array_get(fields, 0));
        json_decref(fields);
        return only;
    }
    return json_pack("{s:s, s:o}", "type", type, "fields", fields);
}

static int to_filter(nq *q, const rex *r, json_t **out);

/* The column a leaf filter reads for r: a physical column, a virtual
 * column, or (having) an output name. NULL when r cannot be one. */
static const char *filter_column(nq *q, const rex *r, int *rc)
{
    *rc = 0;
    if (q->having) {
        if (r->kind == RX_KEY || r->kind == RX_AGG) return name_of(q, r);
        return NULL;
    }
    if (r->kind == RX_LIT) return NULL;
    return vcol(q, r, rc);
}

static int expression_filter(nq *q, const rex *r, json_t **out)
{
    int rc;
    char *text = expr_text(q, r, &rc);
    if (rc) return rc;
    *out = json_pack("{s:s, s:s}", "type", "expression", "expression", text);
    return 0;
}

static int cmp_filter(nq *q, const rex *r, json_t **out)
{
    const rex *a = r->args[0], *b = r->args[1];
    rex_fn fn = (rex_fn)r->fn;
    if (a->kind == RX_LIT && b->kind != RX_LIT) {
        const rex *x = a;
        a = b;
        b = x;
        fn = fn == FN_LT ? FN_GT : fn == FN_LE ? FN_GE : fn == FN_GT ? FN_LT : fn == FN_GE ? FN_LE : fn;
    }
    if (b->kind != RX_LIT || a->kind == RX_LIT) return expression_filter(q, r, out);
    if (b->lit.type == VRV_V_NULL) {
        *out = f_false();
        return 0;
    }
    int rc;
    const char *col = filter_column(q, a, &rc);
    if (rc) return rc;
    if (!col) return expression_filter(q, r, out);
    const char *type = native_type(q, a->type);
    if (!strcmp(type, "LONG") && b->lit.type == VRV_V_DOUBLE) type = "DOUBLE";
    if (!strcmp(type, "FLOAT")) type = "DOUBLE";
    if (strncmp(type, "ARRAY", 5) == 0 || strncmp(type, "COMPLEX", 7) == 0) return expression_filter(q, r, out);
    json_t *mv = match_value(b, type);
    if (fn == FN_EQ || fn == FN_NE) {
        json_t *f = json_pack("{s:s, s:s, s:s, s:o}", "type", "equals", "column", col, "matchValueType",
                              type, "matchValue", mv);
        *out = fn == FN_NE ? f_not(f) : f;
        return 0;
    }
    json_t *f = json_pack("{s:s, s:s, s:s}", "type", "range", "column", col, "matchValueType", type);
    if (fn == FN_GT || fn == FN_GE) {
        json_object_set_new(f, "lower", mv);
        if (fn == FN_GT) json_object_set_new(f, "lowerOpen", json_true());
    } else {
        json_object_set_new(f, "upper", mv);
        if (fn == FN_LT) json_object_set_new(f, "upperOpen", json_true());
    }
    *out = f;
    return 0;
}

static int cmp_json(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    if (json_is_string(x) && json_is_string(y)) return strcmp(json_string_value(x), json_string_value(y));
    double dx = json_number_value(x), dy = json_number_value(y);
    return dx < dy ? -1 : dx > dy;
}

static int in_filter(nq *q, const rex *r, json_t **out)
{
    int rc;
    const rex *x = r->args[0];
    const char *col = filter_column(q, x, &rc);
    if (rc) return rc;
    if (!col) return expression_filter(q, r, out);
    const char *type = native_type(q, x->type);
    if (!strcmp(type, "FLOAT")) type = "DOUBLE";
    if (strncmp(type, "ARRAY", 5) == 0 || strncmp(type, "COMPLEX", 7) == 0) return expression_filter(q, r, out);
    VRV_VEC(json_t *) vals = {0};
    for (uint32_t i = 1; i < r->nargs; i++) {
        if (rex_is_null_lit(r->args[i])) continue; /* x IN (NULL) is never true */
        json_t *v = match_value(r->args[i], type);
        bool dup = false;
        for (size_t k = 0; k < vals.n && !dup; k++) dup = json_equal(vals.v[k], v);
        if (dup) json_decref(v);
        else vrv_vec_push(&vals, v);
    }
    if (vals.n == 0) {
        vrv_vec_free(&vals);
        *out = f_false();
        return 0;
    }
    if (vals.n == 1) {
        *out = json_pack("{s:s, s:s, s:s, s:o}", "type", "equals", "column", col, "matchValueType", type,
                         "matchValue", vals.v[0]);
        vrv_vec_free(&vals);
        return 0;
    }
    qsort(vals.v, vals.n, sizeof *vals.v, cmp_json);
    json_t *arr = json_array();
    for (size_t k = 0; k < vals.n; k++) json_array_append_new(arr, vals.v[k]);
    vrv_vec_free(&vals);
    if (!strcmp(type, "STRING"))
        *out = json_pack("{s:s, s:s, s:o}", "type", "in", "dimension", col, "values", arr);
    else
        *out = json_pack("{s:s, s:s, s:s, s:o}", "type", "inType", "column", col, "matchValueType", type,
                         "sortedValues", arr);
    return 0;
}

static int to_filter(nq *q, const rex *r, json_t **out)
{
    int rc;
    if (r->kind == RX_LIT) {
        bool t = r->lit.type == VRV_V_LONG && r->lit.u.l > 0;
        *out = t ? f_true() : f_false();
        return 0;
    }
    if (r->kind != RX_CALL) {
        if (r->type.id == ST_BOOLEAN && !q->having) {
            int rc2;
            const char *col = filter_column(q, r, &rc2);
            if (rc2) return rc2;
            if (col) {
                *out = json_pack("{s:s, s:s, s:s, s:i}", "type", "equals", "column", col, "matchValueType",
                                 "LONG", "matchValue", 1);
                return 0;
            }
        }
        return expression_filter(q, r, out);
    }
    switch ((rex_fn)r->fn) {
    case FN_AND:
    case FN_OR: {
        json_t **fs = vrv_calloc(r->nargs + 1, sizeof *fs);
        for (uint32_t i = 0; i < r->nargs; i++) {
            if ((rc = to_filter(q, r->args[i], &fs[i]))) {
                for (uint32_t k = 0; k < i; k++) json_decref(fs[k]);
                free(fs);
                return rc;
            }
        }
        *out = f_logic(r->fn == FN_AND ? "and" : "or", fs, r->nargs);
        free(fs);
        return 0;
    }
    case FN_NOT: {
        json_t *f;
        if ((rc = to_filter(q, r->args[0], &f))) return rc;
        *out = f_not(f);
        return 0;
    }
    case FN_EQ:
    case FN_NE:
    case FN_LT:
    case FN_LE:
    case FN_GT:
    case FN_GE: return cmp_filter(q, r, out);
    case FN_IS_NULL:
    case FN_IS_NOT_NULL: {
        const char *col = filter_column(q, r->args[0], &rc);
        if (rc) return rc;
        if (!col) return expression_filter(q, r, out);
        json_t *f = json_pack("{s:s, s:s}", "type", "null", "column", col);
        *out = r->fn == FN_IS_NOT_NULL ? f_not(f) : f;
        return 0;
    }
    case FN_IS_TRUE:
    case FN_IS_FALSE:
    case FN_IS_NOT_TRUE:
    case FN_IS_NOT_FALSE: {
        json_t *f;
        if ((rc = to_filter(q, r->args[0], &f))) return rc;
        bool t = r->fn == FN_IS_TRUE || r->fn == FN_IS_NOT_TRUE;
        json_t *w = json_pack("{s:s, s:o}", "type", t ? "istrue" : "isfalse", "field", f);
        *out = (r->fn == FN_IS_NOT_TRUE || r->fn == FN_IS_NOT_FALSE) ? f_not(w) : w;
        return 0;
    }
    case FN_IN: return in_filter(q, r, out);
    case FN_LIKE: {
        const char *col = filter_column(q, r->args[0], &rc);
        if (rc) return rc;
        if (!col || !rex_is_lit(r->args[1])) return expression_filter(q, r, out);
        json_t *f = json_pack("{s:s, s:s, s:s%}", "type", "like", "dimension", col, "pattern",
                              r->args[1]->lit.u.s, (size_t)r->args[1]->lit.len);
        if (r->nargs > 2)
            json_object_set_new(f, "escape", json_stringn(r->args[2]->lit.u.s, r->args[2]->lit.len));
        *out = f;
        return 0;
    }
    case FN_TIME_IN_INTERVAL: {
        if (!is_time_col(q, r->args[0]) || q->having) return expression_filter(q, r, out);
        ranges x = {0};
        vrv_vec_push(&x, vrv_interval_make(r->args[1]->lit.u.l, r->args[2]->lit.u.l));
        json_t *iv = intervals_json(&x);
        vrv_vec_free(&x);
        *out = json_pack("{s:s, s:s, s:O}", "type", "interval", "dimension", "__time", "intervals",
                         json_object_get(iv, "intervals"));
        json_decref(iv);
        return 0;
    }
    case FN_NATIVE:
        if ((!strcmp(r->name, "regexp_like") || !strcmp(r->name, "contains_string") ||
             !strcmp(r->name, "icontains_string")) &&
            r->nargs == 2 && rex_is_lit(r->args[1]) && r->args[1]->lit.type == VRV_V_STRING &&
            r->args[0]->kind != RX_LIT) {
            const char *col = filter_column(q, r->args[0], &rc);
            if (rc) return rc;
            if (!col) return expression_filter(q, r, out);
            if (!strcmp(r->name, "regexp_like"))
                *out = json_pack("{s:s, s:s, s:s%}", "type", "regex", "dimension", col, "pattern",
                                 r->args[1]->lit.u.s, (size_t)r->args[1]->lit.len);
            else
                *out = json_pack("{s:s, s:s, s:{s:s, s:s%, s:b}}", "type", "search", "dimension", col, "query",
                                 "type", "contains", "value", r->args[1]->lit.u.s,
                                 (size_t)r->args[1]->lit.len, "caseSensitive",
                                 !strcmp(r->name, "contains_string"));
            return 0;
        }
        return expression_filter(q, r, out);
    default: return expression_filter(q, r, out);
    }
}

/* WHERE: bounds on a table's __time go to the intervals, the rest to the
 * filter (NULL when there is none). */
static int where_filter(nq *q, const rex *w, json_t **filter, json_t **intervals)
{
    *filter = NULL;
    *intervals = NULL;
    if (!w) {
        *intervals = intervals_json(NULL);
        return 0;
    }
    VRV_VEC(const rex *) parts = {0};
    VRV_VEC(const rex *) stack = {0};
    vrv_vec_push(&stack, w);
    while (stack.n) {
        const rex *x = stack.v[--stack.n];
        if (x->kind == RX_CALL && x->fn == FN_AND) {
            for (uint32_t i = x->nargs; i > 0; i--) vrv_vec_push(&stack, x->args[i - 1]);
        } else {
            vrv_vec_push(&parts, x);
        }
    }
    vrv_vec_free(&stack);
    ranges time = {0};
    bool have_time = false;
    json_t **fs = vrv_calloc(parts.n + 1, sizeof *fs);
    size_t nf = 0;
    int rc = 0;
    for (size_t i = 0; i < parts.n && rc == 0; i++) {
        ranges x = {0};
        if (q->b->src.table_time && time_ranges(q, parts.v[i], &x)) {
            if (!have_time) {
                ranges_all(&time);
                have_time = true;
            }
            ranges_intersect(&time, &x);
            vrv_vec_free(&x);
            continue;
        }
        vrv_vec_free(&x);
        rc = to_filter(q, parts.v[i], &fs[nf]);
        if (rc == 0) nf++;
    }
    vrv_vec_free(&parts);
    if (rc) {
        for (size_t i = 0; i < nf; i++) json_decref(fs[i]);
        free(fs);
        vrv_vec_free(&time);
        return rc;
    }
    if (have_time && time.n == 0) {
        /* contradictory bounds: nothing matches */
        fs[nf++] = f_false();
        have_time = false;
    }
    json_t *f = f_logic("and", fs, nf);
    free(fs);
    if (!f_is(f, "true")) *filter = f;
    else json_decref(f);
    *intervals = intervals_json(have_time ? &time : NULL);
    vrv_vec_free(&time);
    return 0;
}

/* ---- aggregators ---------------------------------------------------------------------------- */

static const char *agg_column(nq *q, const rex *r, int *rc)
{
    return vcol(q, r, rc);
}

static const char *typed_agg(const char *base, sql_type t)
{
    /* "Sum" -> longSum / floatSum / doubleSum */
    static char buf[32];
    const char *p = t.id == ST_FLOAT ? "float" : (sql_type_is_integer(t) || sql_type_is_time(t) || t.id == ST_BOOLEAN) ? "long" : "double";
    snprintf(buf, sizeof buf, "%s%s", p, base);
    return buf;
}

static json_t *not_null_filter(nq *q, const rex *x, int *rc)
{
    const char *col = vcol(q, x, rc);
    if (*rc) return NULL;
    return json_pack("{s:s, s:{s:s, s:s}}", "type", "not", "field", "type", "null", "column", col);
}

/* Wraps a in a filtered aggregator when f (taken) is a real filter. */
static json_t *filtered(json_t *a, json_t *f, const char *name)
{
    if (!f) return a;
    if (f_is(f, "true")) {
        json_decref(f);
        return a;
    }
    return json_pack("{s:s, s:o, s:o, s:s}", "type", "filtered", "aggregator", a, "filter", f, "name", name);
}

static json_t *and2(json_t *a, json_t *b)
{
    if (!a) return b;
    if (!b) return a;
    json_t *fs[2] = {a, b};
    return f_logic("and", fs, 2);
}

static int lit_int_arg(sql_ctx *c, const sql_agg *g, size_t i, int64_t def, int64_t *out)
{
    if (g->nargs <= i) {
        *out = def;
        return 0;
    }
    const rex *r = g->args[i];
    if (r->kind == RX_LIT && r->lit.type == VRV_V_LONG) {
        *out = r->lit.u.l;
        return 0;
    }
    return cannot(c, "argument %zu of the aggregation must be a literal integer", i + 1);
}

static bool complex_col(nq *q, const rex *x, const char *name)
{
    return x->kind == RX_COL && x->type.id == ST_OTHER && x->type.complex &&
           !strcmp(x->type.complex, name);
}

/* A native string literal of s for an expression: quotes and backslashes
 * escaped. */
static const char *expr_string(nq *q, const char *s, size_t n)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_putc(&b, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\') vrv_buf_putc(&b, '\\');
        vrv_buf_putc(&b, s[i]);
    }
    vrv_buf_putc(&b, '\'');
    const char *out = vrv_arena_strndup(q->c->arena, b.data, b.len);
    vrv_buf_free(&b);
    return out;
}

/* The `expression` aggregator of STRING_AGG, ARRAY_AGG and BIT_AND/OR/XOR,
 * as Druid's StringSqlAggregator, ArraySqlAggregator and
 * BitwiseSqlAggregator build it over the input column col. */
static json_t *lambda_json(nq *q, const sql_agg *g, const char *name, const char *col)
{
    sql_ctx *c = q->c;
    const char *init, *fold, *combine, *finalize = NULL;
    int64_t max_bytes = 1024;
    bool null_inputs = false;
    if (g->fn == AGG_STRING_AGG || g->fn == AGG_ARRAY_AGG) {
        bool sa = g->fn == AGG_STRING_AGG;
        if (sa) {
            init = "[]";
            const rex *sep = g->nargs > 1 ? g->args[1] : NULL;
            finalize = vrv_arena_printf(c->arena, "if(array_length(o) == 0, null, array_to_string(o, %s))",
                                        sep ? expr_string(q, sep->lit.u.s, sep->lit.len) : "','");
            if (g->nargs > 2) max_bytes = g->args[2]->lit.u.l;
        } else {
            sql_type et = sql_type_make(g->type.elem, true);
            init = vrv_arena_printf(c->arena, "ARRAY<%s>[]", native_type(q, et));
            null_inputs = true;
            if (g->nargs > 1) max_bytes = g->args[1]->lit.u.l;
        }
        fold = vrv_arena_printf(c->arena, g->distinct ? "array_set_add(\"__acc\", \"%s\")" : "array_append(\"__acc\", \"%s\")", col);
        combine = vrv_arena_printf(c->arena, g->distinct ? "array_set_add_all(\"__acc\", \"%s\")" : "array_concat(\"__acc\", \"%s\")", name);
    } else {
        const char *fn = g->fn == AGG_BIT_AND ? "bitwiseAnd" : g->fn == AGG_BIT_OR ? "bitwiseOr" : "bitwiseXor";
        init = "0";
        fold = vrv_arena_printf(c->arena, "%s(\"__acc\", \"%s\")", fn, col);
        combine = vrv_arena_printf(c->arena, "%s(\"__acc\", \"%s\")", fn, name);
    }
    return json_pack("{s:s, s:s, s:[s], s:s, s:s, s:s, s:b, s:b, s:b, s:s, s:s, s:n, s:o, s:I}", "type", "expression",
                     "name", name, "fields", col, "accumulatorIdentifier", "__acc", "initialValue", init,
                     "initialCombineValue", init, "isNullUnlessAggregated", 1, "shouldAggregateNullInputs",
                     null_inputs, "shouldCombineAggregateNullInputs", 0, "fold", fold, "combine", combine, "compare",
                     "finalize", finalize ? json_string(finalize) : json_null(), "maxSizeBytes",
                     (json_int_t)max_bytes);
}

/* Appends the aggregators (and post-aggregators) computing g as `name`. */
static int agg_json(nq *q, const sql_agg *g, const char *name, json_t *aggs)
{
    sql_ctx *c = q->c;
    int rc = 0;
    json_t *flt = NULL;
    if (g->filter && (rc = to_filter(q, g->filter, &flt))) return rc;
    const rex *x = g->nargs ? g->args[0] : NULL;
    json_t *a = NULL;
    switch (g->fn) {
    case AGG_COUNT:
        a = json_pack("{s:s, s:s}", "type", "count", "name", name);
        if (x && (x->type.nullable || x->type.id == ST_NULL)) {
            json_t *nn = not_null_filter(q, x, &rc);
            if (rc) break;
            flt = and2(nn, flt);
        }
        break;
    case AGG_SUM:
    case AGG_MIN:
    case AGG_MAX: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        const char *base = g->fn == AGG_SUM ? "Sum" : g->fn == AGG_MIN ? "Min" : "Max";
        a = json_pack("{s:s, s:s, s:s}", "type", typed_agg(base, g->type), "name", name, "fieldName", col);
        break;
    }
    case AGG_AVG: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        const char *sn = vrv_arena_printf(c->arena, "%s:sum", name);
        const char *cn = vrv_arena_printf(c->arena, "%s:count", name);
        /* a 64-bit sum whatever the input, as Druid's AvgSqlAggregator */
        sql_type st = sql_type_is_integer(x->type) ? T(ST_BIGINT, true) : T(ST_DOUBLE, true);
        json_t *sum = json_pack("{s:s, s:s, s:s}", "type", typed_agg("Sum", st), "name", sn, "fieldName", col);
        json_t *cnt = json_pack("{s:s, s:s}", "type", "count", "name", cn);
        json_t *cf = flt ? json_deep_copy(flt) : NULL;
        if (x->type.nullable) {
            json_t *nn = not_null_filter(q, x, &rc);
            if (rc) {
                json_decref(sum);
                json_decref(cnt);
                json_decref(cf);
                break;
            }
            cf = and2(nn, cf);
        }
        json_array_append_new(aggs, filtered(sum, flt, sn));
        json_array_append_new(aggs, filtered(cnt, cf, cn));
        flt = NULL;
        json_array_append_new(q->postaggs,
                              json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}", "type",
                                        "arithmetic", "name", name, "fn", "quotient", "fields", "type",
                                        "fieldAccess", "name", sn, "fieldName", sn, "type",
                                        "fieldAccess", "name", cn, "fieldName", cn));
        return 0;
    }
    case AGG_COUNT_DISTINCT:
    case AGG_APPROX_DISTINCT: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        if (complex_col(q, x, "hyperUnique"))
            a = json_pack("{s:s, s:s, s:s, s:b, s:b}", "type", "hyperUnique", "name", name, "fieldName", col,
                          "isInputHyperUnique", 0, "round", 1);
        else if (complex_col(q, x, "thetaSketch"))
            a = json_pack("{s:s, s:s, s:s, s:b, s:b, s:i}", "type", "thetaSketch", "name", name, "fieldName", col,
                          "isInputThetaSketch", 1, "shouldFinalize", 1, "size", 16384);
        else if (complex_col(q, x, "HLLSketch") || complex_col(q, x, "HLLSketchBuild"))
            a = json_pack("{s:s, s:s, s:s, s:i, s:s, s:b}", "type", "HLLSketchMerge", "name", name, "fieldName", col,
                          "lgK", 12, "tgtHllType", "HLL_4", "round", 1);
        else
            a = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s, s:s}], s:b, s:b}", "type", "cardinality", "name", name,
                          "fields", "type", "default", "dimension", col, "outputName", col, "outputType",
                          native_type(q, x->type), "byRow", 0, "round", 1);
        break;
    }
    case AGG_DS_HLL: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        int64_t lgk = 0;
        if ((rc = lit_int_arg(c, g, 1, 12, &lgk))) break;
        const char *tgt = "HLL_4";
        if (g->nargs > 2) {
            if (g->args[2]->kind != RX_LIT || g->args[2]->lit.type != VRV_V_STRING) {
                rc = cannot(c, "APPROX_COUNT_DISTINCT_DS_HLL: tgtHllType must be a literal string");
                break;
            }
            tgt = vrv_arena_strndup(c->arena, g->args[2]->lit.u.s, g->args[2]->lit.len);
        }
        bool merge = complex_col(q, x, "HLLSketch") || complex_col(q, x, "HLLSketchBuild");
        a = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b}", "type", merge ? "HLLSketchMerge" : "HLLSketchBuild", "name",
                      name, "fieldName", col, "lgK", (json_int_t)lgk, "tgtHllType", tgt, "round", 1);
        break;
    }
    case AGG_DS_THETA: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        int64_t size = 0;
        if ((rc = lit_int_arg(c, g, 1, 16384, &size))) break;
        a = json_pack("{s:s, s:s, s:s, s:b, s:b, s:I}", "type", "thetaSketch", "name", name, "fieldName", col,
                      "isInputThetaSketch", complex_col(q, x, "thetaSketch"), "shouldFinalize", 1, "size",
                      (json_int_t)size);
        break;
    }
    case AGG_QUANTILE_DS: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        int64_t k = 0;
        if ((rc = lit_int_arg(c, g, 2, 128, &k))) break;
        double frac = 0;
        vrv_value fv = g->args[1]->lit;
        if (fv.type == VRV_V_LONG) frac = (double)fv.u.l;
        else if (fv.type == VRV_V_DOUBLE) frac = fv.u.d;
        const char *an = vrv_arena_printf(c->arena, "%s:agg", name);
        json_t *s = json_pack("{s:s, s:s, s:s, s:I}", "type", "quantilesDoublesSketch", "name", an, "fieldName", col,
                              "k", (json_int_t)k);
        json_array_append_new(aggs, filtered(s, flt, an));
        json_array_append_new(q->postaggs,
                              json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:f}", "type",
                                        "quantilesDoublesSketchToQuantile", "name", name, "field", "type",
                                        "fieldAccess", "name", an, "fieldName", an, "fraction", frac));
        return 0;
    }
    case AGG_SK_HLL: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        int64_t lgk = g->nargs > 1 ? g->args[1]->lit.u.l : 12;
        const char *tgt = g->nargs > 2 ? vrv_arena_strndup(c->arena, g->args[2]->lit.u.s, g->args[2]->lit.len) : "HLL_4";
        bool merge = complex_col(q, x, "HLLSketch") || complex_col(q, x, "HLLSketchBuild");
        a = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:b}", "type", merge ? "HLLSketchMerge" : "HLLSketchBuild", "name",
                      name, "fieldName", col, "lgK", (json_int_t)lgk, "tgtHllType", tgt, "shouldFinalize", 0, "round", 0);
        break;
    }
    case AGG_SK_THETA: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        int64_t size = g->nargs > 1 ? g->args[1]->lit.u.l : 16384;
        a = json_pack("{s:s, s:s, s:s, s:I, s:b, s:b}", "type", "thetaSketch", "name", name, "fieldName", col, "size",
                      (json_int_t)size, "shouldFinalize", 0, "isInputThetaSketch", complex_col(q, x, "thetaSketch"));
        break;
    }
    case AGG_SK_QUANTILES: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        int64_t k = g->nargs > 1 ? g->args[1]->lit.u.l : 128;
        a = json_pack("{s:s, s:s, s:s, s:I, s:b}", "type", "quantilesDoublesSketch", "name", name, "fieldName", col,
                      "k", (json_int_t)k, "shouldFinalize", 0);
        break;
    }
    case AGG_STRING_AGG:
    case AGG_ARRAY_AGG:
    case AGG_BIT_AND:
    case AGG_BIT_OR:
    case AGG_BIT_XOR: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        a = lambda_json(q, g, name, col);
        /* STRING_AGG and the bitwise ones skip nulls with a filter, as Druid plans them */
        if (g->fn != AGG_ARRAY_AGG) {
            json_t *nn = json_pack("{s:s, s:{s:s, s:s}}", "type", "not", "field", "type", "null", "column", col);
            flt = and2(nn, flt);
        }
        break;
    }
    case AGG_GROUPING: {
        json_t *gs = json_array();
        for (size_t i = 0; i < g->nargs; i++) json_array_append_new(gs, json_string(q->key_names[g->args[i]->index]));
        a = json_pack("{s:s, s:s, s:o}", "type", "grouping", "name", name, "groupings", gs);
        break;
    }
    case AGG_EARLIEST:
    case AGG_LATEST:
    case AGG_EARLIEST_BY:
    case AGG_LATEST_BY:
    case AGG_ANY_VALUE: {
        const char *col = agg_column(q, x, &rc);
        if (rc) break;
        bool first = g->fn == AGG_EARLIEST || g->fn == AGG_EARLIEST_BY;
        bool any = g->fn == AGG_ANY_VALUE;
        const char *suffix = any ? "Any" : first ? "First" : "Last";
        sql_type t = g->type;
        bool str = sql_type_is_string(t);
        if (!str && !sql_type_is_numeric(t) && !sql_type_is_time(t) && t.id != ST_BOOLEAN) {
            rc = cannot(c, "%s does not support type [%s]", any ? "ANY_VALUE" : first ? "EARLIEST" : "LATEST",
                        sql_type_name(t));
            break;
        }
        char type[32];
        if (str) snprintf(type, sizeof type, "string%s", suffix);
        else snprintf(type, sizeof type, "%s", typed_agg(suffix, t));
        a = json_pack("{s:s, s:s, s:s}", "type", type, "name", name, "fieldName", col);
        if (!any) {
            const char *tc = "__time";
            if (g->fn == AGG_EARLIEST_BY || g->fn == AGG_LATEST_BY) {
                tc = vcol(q, g->args[1], &rc);
                if (rc) break;
            }
            json_object_set_new(a, "timeColumn", json_string(tc));
        }
        if (str) {
            size_t mi = (g->fn == AGG_EARLIEST_BY || g->fn == AGG_LATEST_BY) ? 2 : 1;
            int64_t maxb = 0;
            if ((rc = lit_int_arg(c, g, mi, 1024, &maxb))) break;
            json_object_set_new(a, "maxStringBytes", json_integer(maxb));
        }
        break;
    }
    }
    if (rc) {
        json_decref(a);
        json_decref(flt);
        return rc;
    }
    json_array_append_new(aggs, filtered(a, flt, name));
    return 0;
}

/* ---- post-aggregators ---------------------------------------------------------------------- */

static double lit_double(const rex *r)
{
    if (r->lit.type == VRV_V_LONG) return (double)r->lit.u.l;
    if (r->lit.type == VRV_V_FLOAT) return r->lit.u.f;
    return r->lit.u.d;
}

static json_t *sketch_json(nq *q, const rex *r);

/* A sketch operand as a post-aggregator field: a fieldAccess of the
 * aggregator, or the nested sketch function itself (named as Druid's
 * visitor names them, p0, p1, ... in the order they are made). */
static json_t *sketch_field(nq *q, const rex *r)
{
    if (r->kind == RX_CALL && r->fn == FN_SKETCH) return sketch_json(q, r);
    const char *pn = vrv_arena_printf(q->c->arena, "p%d", q->np++);
    return json_pack("{s:s, s:s, s:s}", "type", "fieldAccess", "name", pn, "fieldName", q->agg_names[r->index]);
}

static json_t *sketch_json(nq *q, const rex *r)
{
    const char *f = r->name;
    json_t *o = NULL;
    if (!strcmp(f, "HLL_SKETCH_UNION") || (!strncmp(f, "THETA_SKETCH_", 13) && strstr(f, "ESTIMATE") == NULL)) {
        size_t lead = 0;
        while (lead < r->nargs && r->args[lead]->kind == RX_LIT) lead++;
        json_t *fields = json_array();
        for (size_t i = lead; i < r->nargs; i++) json_array_append_new(fields, sketch_field(q, r->args[i]));
        const char *pn = vrv_arena_printf(q->c->arena, "p%d", q->np++);
        if (!strcmp(f, "HLL_SKETCH_UNION")) {
            int64_t lgk = lead > 0 ? r->args[0]->lit.u.l : 12;
            const char *tgt = lead > 1 ? vrv_arena_strndup(q->c->arena, r->args[1]->lit.u.s, r->args[1]->lit.len) : "HLL_4";
            o = json_pack("{s:s, s:s, s:o, s:I, s:s}", "type", "HLLSketchUnion", "name", pn, "fields", fields, "lgK",
                          (json_int_t)lgk, "tgtHllType", tgt);
        } else {
            int64_t size = lead > 0 ? r->args[0]->lit.u.l : 16384;
            o = json_pack("{s:s, s:s, s:s, s:I, s:o}", "type", "thetaSketchSetOp", "name", pn, "func", f + 13, "size",
                          (json_int_t)size, "fields", fields);
        }
        return o;
    }
    json_t *field = sketch_field(q, r->args[0]);
    const char *pn = vrv_arena_printf(q->c->arena, "p%d", q->np++);
    static const struct {
        const char *sql, *type, *param;
    } one[] = {
        {"HLL_SKETCH_ESTIMATE", "HLLSketchEstimate", "round"},
        {"HLL_SKETCH_ESTIMATE_WITH_ERROR_BOUNDS", "HLLSketchEstimateWithBounds", "numStdDev"},
        {"HLL_SKETCH_TO_STRING", "HLLSketchToString", NULL},
        {"THETA_SKETCH_ESTIMATE", "thetaSketchEstimate", NULL},
        {"THETA_SKETCH_ESTIMATE_WITH_ERROR_BOUNDS", "thetaSketchEstimate", "errorBoundsStdDev"},
        {"DS_GET_QUANTILE", "quantilesDoublesSketchToQuantile", "fraction"},
        {"DS_GET_QUANTILES", "quantilesDoublesSketchToQuantiles", "fractions"},
        {"DS_HISTOGRAM", "quantilesDoublesSketchToHistogram", "splitPoints"},
        {"DS_CDF", "quantilesDoublesSketchToCDF", "splitPoints"},
        {"DS_RANK", "quantilesDoublesSketchToRank", "value"},
        {"DS_QUANTILE_SUMMARY", "quantilesDoublesSketchToString", NULL},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(one) && !o; i++) {
        if (strcmp(one[i].sql, f) != 0) continue;
        o = json_pack("{s:s, s:s, s:o}", "type", one[i].type, "name", pn, "field", field);
        const char *param = one[i].param;
        if (!param) break;
        if (!strcmp(param, "round")) {
            json_object_set_new(o, param, json_boolean(r->nargs > 1 && r->args[1]->lit.u.l));
        } else if (!strcmp(param, "numStdDev") || !strcmp(param, "errorBoundsStdDev")) {
            json_object_set_new(o, param, json_integer(r->nargs > 1 ? r->args[1]->lit.u.l : 1));
        } else if (!strcmp(param, "fractions") || !strcmp(param, "splitPoints")) {
            json_t *pts = json_array();
            for (size_t k = 1; k < r->nargs; k++) json_array_append_new(pts, json_real(lit_double(r->args[k])));
            json_object_set_new(o, param, pts);
        } else {
            json_object_set_new(o, param, json_real(lit_double(r->args[1])));
        }
    }
    if (!o) json_decref(field);
    return o;
}

/* The output name of a sketch function: a post-aggregator made once per
 * distinct call. */
static const char *sketch_name(nq *q, const rex *r)
{
    for (size_t i = 0; i < q->nsk; i++)
        if (rex_equal(q->sk_rex[i], r)) return q->sk_name[i];
    json_t *o = sketch_json(q, r);
    if (!o) return NULL;
    const char *name = vrv_arena_strdup(q->c->arena, json_string_value(json_object_get(o, "name")));
    json_array_append_new(q->postaggs, o);
    if (q->nsk == q->cap_sk) {
        size_t nc = q->cap_sk ? q->cap_sk * 2 : 8;
        const rex **nr = vrv_arena_alloc(q->c->arena, nc * sizeof *nr);
        const char **nn = vrv_arena_alloc(q->c->arena, nc * sizeof *nn);
        if (q->nsk) {
            memcpy(nr, q->sk_rex, q->nsk * sizeof *nr);
            memcpy(nn, q->sk_name, q->nsk * sizeof *nn);
        }
        q->sk_rex = nr;
        q->sk_name = nn;
        q->cap_sk = nc;
    }
    q->sk_rex[q->nsk] = r;
    q->sk_name[q->nsk++] = name;
    return name;
}

/* The output name of r over keys and aggregates: a key or an aggregate
 * directly, otherwise a new expression post-aggregator. */
static const char *output_name(nq *q, const rex *r, int *rc)
{
    *rc = 0;
    if (r->kind == RX_KEY || r->kind == RX_AGG) return name_of(q, r);
    if (r->kind == RX_CALL && r->fn == FN_SKETCH) {
        const char *n = sketch_name(q, r);
        if (!n) *rc = unhandled(q->c);
        return n;
    }
    char *text = expr_text(q, r, rc);
    if (*rc) return NULL;
    const char *type = native_type(q, r->type);
    size_t i;
    json_t *p;
    json_array_foreach(q->postaggs, i, p)
    {
        const char *e = json_string_value(json_object_get(p, "expression"));
        if (e && !strcmp(e, text) && !strcmp(json_string_value(json_object_get(p, "outputType")), type))
            return json_string_value(json_object_get(p, "name"));
    }
    const char *name = vrv_arena_printf(q->c->arena, "p%d", q->np++);
    json_array_append_new(q->postaggs, json_pack("{s:s, s:s, s:s, s:s}", "type", "expression", "name", name,
                                                 "expression", text, "outputType", type));
    return name;
}

static bool reads_key(const rex *r)
{
    if (r->kind == RX_KEY) return true;
    if (r->kind != RX_CALL) return false;
    for (uint32_t i = 0; i < r->nargs; i++)
        if (reads_key(r->args[i])) return true;
    return false;
}

/* ---- context -------------------------------------------------------------------------------------- */

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The statement's context plus extra (taken, may be NULL), keys sorted as
 * Druid's ImmutableSortedMap writes them. */
static json_t *query_context(sql_ctx *c, json_t *extra)
{
    json_t *all = json_deep_copy(c->context);
    if (extra) {
        json_object_update(all, extra);
        json_decref(extra);
    }
    size_t n = json_object_size(all);
    const char **keys = vrv_calloc(n + 1, sizeof *keys);
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach(all, key, v) keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_key);
    json_t *out = json_object();
    for (size_t i = 0; i < k; i++) json_object_set(out, keys[i], json_object_get(all, keys[i]));
    free(keys);
    json_decref(all);
    return out;
}

/* ---- the time granularity of a key ------------------------------------------------------------ */

/* A key that is __time or a floor of it with constant arguments: the
 * granularity of a timeseries over it. */
static bool key_granularity(nq *q, const rex *k, vrv_gran *g)
{
    if (!q->b->src.table_time) return false;
    if (is_time_col(q, k)) {
        *g = vrv_gran_standard(VRV_GRAN_STD_NONE);
        return true;
    }
    if (k->kind != RX_CALL || k->fn != FN_TIME_FLOOR || !is_time_col(q, k->args[0])) return false;
    const rex *per = k->args[1], *origin = k->args[2], *tz = k->args[3];
    if (per->kind != RX_LIT || per->lit.type != VRV_V_STRING || tz->kind != RX_LIT ||
        tz->lit.type != VRV_V_STRING || origin->kind != RX_LIT)
        return false;
    vrv_period p;
    if (vrv_period_parse(per->lit.u.s, per->lit.len, &p, NULL) < 0) return false;
    const vrv_tz *zone;
    if (vrv_tz_get(tz->lit.u.s, tz->lit.len, &zone, NULL) < 0) return false;
    vrv_ms o;
    const vrv_ms *op = NULL;
    if (origin->lit.type == VRV_V_LONG) {
        o = origin->lit.u.l;
        op = &o;
    }
    return vrv_gran_make_period(g, &p, zone, op, NULL) == 0;
}

/* ---- query assembly ------------------------------------------------------------------------------- */

static void set_if(json_t *q, const char *key, json_t *v)
{
    if (v) json_object_set_new(q, key, v);
}

static bool order_numeric(const char *type)
{
    return !strcmp(type, "LONG") || !strcmp(type, "DOUBLE") || !strcmp(type, "FLOAT");
}

static json_t *ordering(nq *q, sql_type t)
{
    return json_pack("{s:s}", "type", order_numeric(native_type(q, t)) ? "numeric" : "lexicographic");
}

/* Exact COUNT(DISTINCT x): GROUP BY keys, x below; count x above. */
static int plan_exact_distinct(sql_ctx *c, const sql_block *b, sql_plan *out)
{
    const rex *x = NULL;
    for (size_t i = 0; i < b->naggs; i++) {
        const sql_agg *g = &b->aggs[i];
        if (g->fn == AGG_COUNT_DISTINCT) {
            if (x && !rex_equal(x, g->args[0]))
                return cannot(c, "exact COUNT(DISTINCT) of several different expressions is not supported; set useApproximateCountDistinct");
            if (g->filter) return cannot(c, "exact COUNT(DISTINCT ...) FILTER (WHERE ...) is not supported");
            x = g->args[0];
        } else if (g->fn != AGG_COUNT && g->fn != AGG_SUM && g->fn != AGG_MIN && g->fn != AGG_MAX) {
            return cannot(c, "exact COUNT(DISTINCT) with other aggregations than COUNT, SUM, MIN and MAX");
        }
    }
    /* the inner block: keys + x, partial aggregates */
    sql_block in = *b;
    in.keys = vrv_arena_calloc(c->arena, (b->nkeys + 2) * sizeof *in.keys);
    memcpy(in.keys, b->keys, b->nkeys * sizeof *in.keys);
    in.nkeys = b->nkeys;
    long xk = -1;
    for (size_t k = 0; k < b->nkeys; k++)
        if (rex_equal(b->keys[k], x)) xk = (long)k;
    if (xk < 0) {
        xk = (long)in.nkeys;
        in.keys[in.nkeys++] = (rex *)x;
    }
    in.aggs = vrv_arena_calloc(c->arena, (b->naggs + 1) * sizeof *in.aggs);
    in.naggs = 0;
    long *inner_of = vrv_arena_calloc(c->arena, (b->naggs + 1) * sizeof *inner_of);
    for (size_t i = 0; i < b->naggs; i++) {
        inner_of[i] = -1;
        if (b->aggs[i].fn == AGG_COUNT_DISTINCT) continue;
        inner_of[i] = (long)in.naggs;
        in.aggs[in.naggs++] = b->aggs[i];
    }
    in.cap_aggs = in.naggs;
    in.having = NULL;
    in.sort = NULL;
    in.nsort = 0;
    in.limit = -1;
    in.offset = 0;
    in.nout = in.nkeys + in.naggs;
    in.out = vrv_arena_calloc(c->arena, (in.nout + 1) * sizeof *in.out);
    in.names = vrv_arena_calloc(c->arena, (in.nout + 1) * sizeof *in.names);
    for (size_t k = 0; k < in.nkeys; k++) {
        rex *r = vrv_arena_calloc(c->arena, sizeof *r);
        r->kind = RX_KEY;
        r->index = (int)k;
        r->type = in.keys[k]->type;
        in.out[k] = r;
        in.names[k] = vrv_arena_printf(c->arena, "d%zu", k);
    }
    for (size_t a = 0; a < in.naggs; a++) {
        rex *r = vrv_arena_calloc(c->arena, sizeof *r);
        r->kind = RX_AGG;
        r->index = (int)a;
        r->type = in.aggs[a].type;
        in.out[in.nkeys + a] = r;
        in.names[in.nkeys + a] = vrv_arena_printf(c->arena, "a%zu", a);
    }
    sql_plan ip;
    int rc = sql_plan_block(c, &in, &ip);
    if (rc) return rc;
    /* the outer block over the inner query's rows */
    sql_block outb = *b;
    memset(&outb.src, 0, sizeof outb.src);
    outb.src.ds = json_pack("{s:s, s:O}", "type", "query", "query", ip.query);
    for (size_t i = 0; i < ip.nfields; i++)
        sql_sig_add(c->arena, &outb.src.phys, ip.fields[i].native, NULL, ip.fields[i].native, ip.fields[i].type, NULL);
    outb.where = NULL;
    outb.keys = vrv_arena_calloc(c->arena, (b->nkeys + 1) * sizeof *outb.keys);
    for (size_t k = 0; k < b->nkeys; k++) {
        rex *r = vrv_arena_calloc(c->arena, sizeof *r);
        r->kind = RX_COL;
        r->index = (int)k;
        r->type = b->keys[k]->type;
        outb.keys[k] = r;
    }
    outb.aggs = vrv_arena_calloc(c->arena, (b->naggs + 1) * sizeof *outb.aggs);
    for (size_t i = 0; i < b->naggs; i++) {
        sql_agg g = b->aggs[i];
        rex *col = vrv_arena_calloc(c->arena, sizeof *col);
        col->kind = RX_COL;
        if (g.fn == AGG_COUNT_DISTINCT) {
            col->index = (int)xk;
            col->type = x->type;
            col->type.nullable = true;
            g.fn = AGG_COUNT;
        } else {
            col->index = (int)(in.nkeys + (size_t)inner_of[i]);
            col->type = g.type;
            if (g.fn == AGG_COUNT) g.fn = AGG_SUM;
        }
        g.args = vrv_arena_calloc(c->arena, sizeof *g.args);
        g.args[0] = col;
        g.nargs = 1;
        g.filter = NULL;
        outb.aggs[i] = g;
    }
    sql_plan_clear(&ip);
    /* the outer query must not recurse into this path again */
    bool saved = c->approx_distinct;
    c->approx_distinct = true;
    rc = sql_plan_block(c, &outb, out);
    c->approx_distinct = saved;
    json_decref(outb.src.ds);
    return rc;
}

static void fields_init(sql_ctx *c, sql_plan *p, size_t n)
{
    p->nfields = n;
    p->nvisible = n;
    p->fields = vrv_arena_calloc(c->arena, (n + 1) * sizeof *p->fields);
}

static bool inline_source(const sql_block *b)
{
    const char *t = json_string_value(json_object_get(b->src.ds, "type"));
    return t && !strcmp(t, "inline");
}

static int plan_aggregate(nq *q, sql_plan *out)
{
    sql_ctx *c = q->c;
    const sql_block *b = q->b;
    int rc;
    json_t *filter = NULL, *intervals = NULL;
    if ((rc = where_filter(q, b->where, &filter, &intervals))) return rc;
    /* dimensions */
    q->key_names = vrv_arena_calloc(c->arena, (b->nkeys + 1) * sizeof *q->key_names);
    json_t *dims = json_array();
    for (size_t k = 0; k < b->nkeys; k++) {
        q->key_names[k] = vrv_arena_printf(c->arena, "d%zu", k);
        const char *col = vcol(q, b->keys[k], &rc);
        if (rc) goto fail;
        json_array_append_new(dims, json_pack("{s:s, s:s, s:s, s:s}", "type", "default", "dimension", col,
                                              "outputName", q->key_names[k], "outputType",
                                              native_type(q, b->keys[k]->type)));
    }
    /* aggregators */
    q->agg_names = vrv_arena_calloc(c->arena, (b->naggs + 1) * sizeof *q->agg_names);
    json_t *aggs = json_array();
    for (size_t i = 0; i < b->naggs; i++) {
        /* DS_QUANTILES_SKETCH is named as Druid's DoublesSketchObjectSqlAggregator names it */
        q->agg_names[i] = vrv_arena_printf(c->arena, "a%zu%s", i, b->aggs[i].fn == AGG_SK_QUANTILES ? ":agg" : "");
        if ((rc = agg_json(q, &b->aggs[i], q->agg_names[i], aggs))) {
            json_decref(aggs);
            goto fail;
        }
    }
    /* outputs */
    fields_init(c, out, b->nout);
    bool post_reads_key = false;
    for (size_t j = 0; j < b->nout; j++) {
        const char *n = output_name(q, b->out[j], &rc);
        if (rc) {
            json_decref(aggs);
            goto fail;
        }
        if (b->out[j]->kind != RX_KEY && reads_key(b->out[j])) post_reads_key = true;
        out->fields[j] = (sql_field){SF_FIELD, n, b->names[j], b->out[j]->type};
    }
    /* sort keys as output names */
    const char **sort_names = vrv_arena_calloc(c->arena, (b->nsort + 1) * sizeof *sort_names);
    for (size_t s = 0; s < b->nsort; s++) {
        const rex *e = b->sort[s].e;
        for (size_t j = 0; j < b->nout && !sort_names[s]; j++)
            if (rex_equal(b->out[j], e)) sort_names[s] = out->fields[j].native;
        if (!sort_names[s]) {
            sort_names[s] = output_name(q, e, &rc);
            if (rc) {
                json_decref(aggs);
                goto fail;
            }
            if (e->kind != RX_KEY && reads_key(e)) post_reads_key = true;
        }
    }
    /* exact distinct counts need a nested query */
    for (size_t i = 0; i < b->naggs; i++)
        if (b->aggs[i].fn == AGG_COUNT_DISTINCT && !c->approx_distinct) {
            if (b->nsets) {
                json_decref(aggs);
                json_decref(dims);
                json_decref(filter);
                json_decref(intervals);
                return cannot(c, "exact COUNT(DISTINCT) with GROUPING SETS, ROLLUP or CUBE is not supported");
            }
            json_decref(aggs);
            json_decref(dims);
            json_decref(filter);
            json_decref(intervals);
            return plan_exact_distinct(c, b, out);
        }

    /* grouping sets other than the one of all keys need groupBy's
     * subtotalsSpec, and so does the grouping aggregator */
    bool subtotals = b->nsets && !(b->nsets == 1 && b->set_len[0] == b->nkeys);
    bool only_groupby = subtotals;
    for (size_t i = 0; i < b->naggs; i++) only_groupby |= b->aggs[i].fn == AGG_GROUPING;

    json_t *ds = json_incref(b->src.ds);
    json_t *qj = NULL;
    if (only_groupby) goto groupby;
    vrv_gran gran;
    bool ts_gran = b->nkeys == 0 || (b->nkeys == 1 && key_granularity(q, b->keys[0], &gran));
    if (b->nkeys == 0) gran = vrv_gran_standard(VRV_GRAN_STD_ALL);

    /* timeBoundary */
    if (!qj && c->time_boundary && b->nkeys == 0 && b->naggs == 1 && !b->having && b->offset == 0 &&
        (b->aggs[0].fn == AGG_MIN || b->aggs[0].fn == AGG_MAX) && !b->aggs[0].filter &&
        is_time_col(q, b->aggs[0].args[0]) && json_array_size(q->postaggs) == 0) {
        bool only = true;
        for (size_t j = 0; j < b->nout; j++) only &= b->out[j]->kind == RX_AGG;
        if (only) {
            bool min = b->aggs[0].fn == AGG_MIN;
            qj = json_pack("{s:s, s:o, s:o, s:s}", "queryType", "timeBoundary", "dataSource", ds, "intervals",
                           intervals, "bound", min ? "minTime" : "maxTime");
            ds = intervals = NULL;
            set_if(qj, "filter", filter);
            filter = NULL;
            json_object_set_new(qj, "context",
                                query_context(c, json_pack("{s:s}", min ? "minTimeArrayOutputName" : "maxTimeArrayOutputName",
                                                           q->agg_names[0])));
            for (size_t j = 0; j < b->nout; j++) out->fields[j].native = min ? "minTime" : "maxTime";
            out->qtype = SQ_TIME_BOUNDARY;
        }
    }
    /* timeseries */
    if (!qj && ts_gran && !b->having && b->offset == 0 && !post_reads_key) {
        bool ok = true, descending = false;
        int64_t limit = -1;
        if (b->nkeys == 1) {
            for (size_t s = 0; s < b->nsort && ok; s++) {
                if (b->sort[s].e->kind == RX_KEY && b->sort[s].e->index == 0) descending = b->sort[s].desc;
                else ok = false;
            }
            if (b->nsort > 1) ok = false;
            limit = b->limit;
        }
        if (ok) {
            json_t *extra = json_object();
            if (b->nkeys == 1) {
                json_object_set_new(extra, "skipEmptyBuckets", json_true());
                json_object_set_new(extra, "timestampResultField", json_string(q->key_names[0]));
            }
            qj = json_pack("{s:s, s:o, s:o}", "queryType", "timeseries", "dataSource", ds, "intervals", intervals);
            ds = intervals = NULL;
            if (descending) json_object_set_new(qj, "descending", json_true());
            /* the time key is the granularity: its virtual column goes unless
             * the filter or an aggregator reads it (Druid's
             * getVirtualColumns(false)) */
            if (b->nkeys == 1) {
                const char *kv = json_string_value(json_object_get(json_array_get(dims, 0), "dimension"));
                char *used = NULL;
                json_t *uses = json_pack("[O, O]", aggs, filter ? filter : json_null());
                used = json_dumps(uses, JSON_COMPACT);
                json_decref(uses);
                char quoted[128];
                snprintf(quoted, sizeof quoted, "\"%s\"", kv ? kv : "");
                size_t vi;
                json_t *vc;
                json_array_foreach(q->vcols, vi, vc)
                {
                    if (kv && !strcmp(json_string_value(json_object_get(vc, "name")), kv) && !strstr(used, quoted)) {
                        json_array_remove(q->vcols, vi);
                        break;
                    }
                }
                free(used);
            }
            if (json_array_size(q->vcols)) json_object_set(qj, "virtualColumns", q->vcols);
            set_if(qj, "filter", filter);
            filter = NULL;
            json_object_set_new(qj, "granularity", vrv_gran_to_json(&gran));
            json_object_set(qj, "aggregations", aggs);
            if (json_array_size(q->postaggs)) json_object_set(qj, "postAggregations", q->postaggs);
            if (limit > 0) json_object_set_new(qj, "limit", json_integer(limit));
            json_object_set_new(qj, "context", query_context(c, extra));
            for (size_t j = 0; j < b->nout; j++)
                if (b->out[j]->kind == RX_KEY) out->fields[j].kind = SF_TIMESTAMP;
            out->qtype = SQ_TIMESERIES;
        }
    }
    /* topN */
    if (!qj && b->nkeys == 1 && !b->having && b->nsort <= 1 && b->limit > 0 && b->limit <= c->max_topn &&
        b->offset == 0 && !post_reads_key && strncmp(native_type(q, b->keys[0]->type), "ARRAY", 5) != 0) {
        json_t *metric = NULL;
        const char *dname = q->key_names[0];
        if (b->nsort == 0 || !strcmp(sort_names[0], dname)) {
            json_t *base = json_pack("{s:s, s:n, s:o}", "type", "dimension", "previousStop", "ordering",
                                     ordering(q, b->keys[0]->type));
            metric = (b->nsort == 1 && b->sort[0].desc) ? json_pack("{s:s, s:o}", "type", "inverted", "metric", base) : base;
        } else if (c->approx_topn) {
            json_t *base = json_pack("{s:s, s:s}", "type", "numeric", "metric", sort_names[0]);
            metric = b->sort[0].desc ? base : json_pack("{s:s, s:o}", "type", "inverted", "metric", base);
        }
        if (metric) {
            qj = json_pack("{s:s, s:o}", "queryType", "topN", "dataSource", ds);
            ds = NULL;
            if (json_array_size(q->vcols)) json_object_set(qj, "virtualColumns", q->vcols);
            json_object_set(qj, "dimension", json_array_get(dims, 0));
            json_object_set_new(qj, "metric", metric);
            json_object_set_new(qj, "threshold", json_integer(b->limit));
            json_object_set_new(qj, "intervals", intervals);
            intervals = NULL;
            set_if(qj, "filter", filter);
            filter = NULL;
            json_object_set_new(qj, "granularity", json_pack("{s:s}", "type", "all"));
            json_object_set(qj, "aggregations", aggs);
            if (json_array_size(q->postaggs)) json_object_set(qj, "postAggregations", q->postaggs);
            json_object_set_new(qj, "context", query_context(c, NULL));
            out->qtype = SQ_TOPN;
        }
    }
    /* groupBy */
groupby:
    if (!qj) {
        qj = json_pack("{s:s, s:o, s:o}", "queryType", "groupBy", "dataSource", ds, "intervals", intervals);
        ds = intervals = NULL;
        if (json_array_size(q->vcols)) json_object_set(qj, "virtualColumns", q->vcols);
        set_if(qj, "filter", filter);
        filter = NULL;
        json_object_set_new(qj, "granularity", json_pack("{s:s}", "type", "all"));
        json_object_set(qj, "dimensions", dims);
        json_object_set(qj, "aggregations", aggs);
        if (subtotals) {
            json_t *st = json_array();
            for (size_t i = 0; i < b->nsets; i++) {
                json_t *one = json_array();
                for (size_t k = 0; k < b->set_len[i]; k++) json_array_append_new(one, json_string(q->key_names[b->sets[i][k]]));
                json_array_append_new(st, one);
            }
            json_object_set_new(qj, "subtotalsSpec", st);
        }
        /* having is computed over output names */
        json_t *having = NULL;
        if (b->having) {
            q->having = true;
            rc = to_filter(q, b->having, &having);
            q->having = false;
            if (rc) {
                json_decref(qj);
                json_decref(aggs);
                goto fail;
            }
        }
        if (json_array_size(q->postaggs)) json_object_set(qj, "postAggregations", q->postaggs);
        if (having) json_object_set_new(qj, "having", json_pack("{s:s, s:o, s:b}", "type", "filter", "filter", having, "finalize", 1));
        if (b->nsort || b->limit >= 0 || b->offset) {
            json_t *cols = json_array();
            for (size_t s = 0; s < b->nsort; s++)
                json_array_append_new(cols, json_pack("{s:s, s:s, s:o}", "dimension", sort_names[s], "direction",
                                                      b->sort[s].desc ? "descending" : "ascending",
                                                      "dimensionOrder", ordering(q, b->sort[s].e->type)));
            json_t *ls = json_pack("{s:s, s:o}", "type", "default", "columns", cols);
            if (b->offset) json_object_set_new(ls, "offset", json_integer(b->offset));
            if (b->limit >= 0) json_object_set_new(ls, "limit", json_integer(b->limit));
            json_object_set_new(qj, "limitSpec", ls);
        }
        json_object_set_new(qj, "context", query_context(c, NULL));
        out->qtype = SQ_GROUPBY;
    }
    json_decref(ds);
    json_decref(aggs);
    json_decref(dims);
    json_decref(filter);
    json_decref(intervals);
    out->query = qj;
    return 0;
fail:
    json_decref(dims);
    json_decref(filter);
    json_decref(intervals);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int plan_scan(nq *q, sql_plan *out)
{
    sql_ctx *c = q->c;
    const sql_block *b = q->b;
    int rc;
    json_t *filter = NULL, *intervals = NULL;
    if ((rc = where_filter(q, b->where, &filter, &intervals))) return rc;
    fields_init(c, out, b->nout);
    VRV_VEC(const char *) cols = {0};
    for (size_t j = 0; j < b->nout; j++) {
        const char *n = vcol(q, b->out[j], &rc);
        if (rc) break;
        out->fields[j] = (sql_field){SF_FIELD, n, b->names[j], b->out[j]->type};
        vrv_vec_push(&cols, n);
    }
    const char *order = NULL;
    bool local = b->nsort && inline_source(b) && !(b->nsort == 1 && is_time_col(q, b->sort[0].e));
    if (rc == 0 && local) {
        /* sorted here: the sort keys become hidden columns */
        sql_field *f = vrv_arena_calloc(c->arena, (b->nout + b->nsort + 1) * sizeof *f);
        memcpy(f, out->fields, b->nout * sizeof *f);
        out->fields = f;
        out->local_sort = true;
        out->sort = vrv_arena_calloc(c->arena, b->nsort * sizeof *out->sort);
        out->nsort = b->nsort;
        for (size_t s2 = 0; s2 < b->nsort && rc == 0; s2++) {
            const char *n = vcol(q, b->sort[s2].e, &rc);
            if (rc) break;
            out->fields[out->nfields] = (sql_field){SF_FIELD, n, n, b->sort[s2].e->type};
            out->sort[s2] = (sql_sort_field){out->nfields, b->sort[s2].desc};
            out->nfields++;
            vrv_vec_push(&cols, n);
        }
        out->limit = b->limit;
        out->offset = b->offset;
    }
    if (rc == 0 && b->nsort && !local) {
        vrv_buf bad = VRV_BUF_INIT;
        for (size_t s = 0; s < b->nsort; s++) {
            const rex *e = b->sort[s].e;
            if (b->nsort == 1 && is_time_col(q, e)) {
                order = b->sort[s].desc ? "descending" : "ascending";
                vrv_vec_push(&cols, "__time");
                continue;
            }
            int rc2 = 0;
            const char *n = e->kind == RX_COL ? q->b->src.phys.v[e->index].native : vcol(q, e, &rc2);
            if (rc2) {
                rc = rc2;
                break;
            }
            if (bad.len) vrv_buf_puts(&bad, ", ");
            vrv_buf_printf(&bad, "%s %s", n, b->sort[s].desc ? "DESC" : "ASC");
        }
        if (rc == 0 && bad.len) rc = cannot(c, "SQL query requires order by non-time column [[%s]], which is not supported.", bad.data);
        vrv_buf_free(&bad);
    }
    if (rc) {
        vrv_vec_free(&cols);
        json_decref(filter);
        json_decref(intervals);
        return rc;
    }
    /* sorted, distinct column names */
    qsort(cols.v, cols.n, sizeof *cols.v, cmp_str);
    json_t *jcols = json_array();
    for (size_t i = 0; i < cols.n; i++)
        if (i == 0 || strcmp(cols.v[i], cols.v[i - 1]) != 0) json_array_append_new(jcols, json_string(cols.v[i]));
    vrv_vec_free(&cols);
    json_t *qj = json_pack("{s:s, s:O, s:o}", "queryType", "scan", "dataSource", b->src.ds, "intervals", intervals);
    if (json_array_size(q->vcols)) json_object_set(qj, "virtualColumns", q->vcols);
    json_object_set_new(qj, "resultFormat", json_string("compactedList"));
    if (b->limit >= 0 && !local) json_object_set_new(qj, "limit", json_integer(b->limit));
    if (b->offset && !local) json_object_set_new(qj, "offset", json_integer(b->offset));
    if (order) json_object_set_new(qj, "order", json_string(order));
    set_if(qj, "filter", filter);
    json_object_set_new(qj, "columns", jcols);
    json_object_set_new(qj, "legacy", json_false());
    json_object_set_new(qj, "context", query_context(c, NULL));
    json_object_set_new(qj, "granularity", json_pack("{s:s}", "type", "all"));
    out->query = qj;
    out->qtype = SQ_SCAN;
    return 0;
}

/* A prefix p such that no input column is p followed by digits (Druid's
 * Calcites.findUnusedPrefixForDigits), so virtual columns shadow nothing. */
static const char *unused_prefix(sql_ctx *c, const sql_sig *phys, const char *base)
{
    const char *p = base;
    for (;;) {
        size_t n = strlen(p);
        bool clash = false;
        for (size_t i = 0; i < phys->n && !clash; i++) {
            const char *name = phys->v[i].native;
            if (strncmp(name, p, n) != 0 || !name[n]) continue;
            clash = true;
            for (const char *d = name + n; *d && clash; d++) clash = *d >= '0' && *d <= '9';
        }
        if (!clash) return p;
        p = vrv_arena_printf(c->arena, "_%s", p);
    }
}

int sql_plan_block(sql_ctx *c, const sql_block *b, sql_plan *out)
{
    memset(out, 0, sizeof *out);
    nq q = {.c = c, .b = b, .vcols = json_array(), .postaggs = json_array()};
    q.vprefix = unused_prefix(c, &b->src.phys, "v");
    int rc = b->aggregate ? plan_aggregate(&q, out) : plan_scan(&q, out);
    json_decref(q.vcols);
    json_decref(q.postaggs);
    if (rc == 0 && !out->query) rc = unhandled(c);
    return rc;
}

void sql_plan_clear(sql_plan *p)
{
    json_decref(p->query);
    p->query = NULL;
}
