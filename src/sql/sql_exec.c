/*
 * sql_exec.c — running a statement: the statement context (sqlTimeZone,
 * sqlQueryId, CURRENT_TIMESTAMP, the planner switches of the context, SET
 * statements), table schemas learnt through segmentMetadata, top-level
 * UNION ALL, EXPLAIN PLAN FOR, running each planned native query through
 * the env and reading Druid's result shapes back into rows coerced to the
 * SQL types (Druid's SqlResults.coerce).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "base/mem.h"
#include "base/numfmt.h"
#include "json/jwriter.h"
#include "sql/sql_int.h"

/* ---- results --------------------------------------------------------------------------- */

vrv_sql_result *sql_result_new(size_t ncols)
{
    vrv_sql_result *r = vrv_calloc(1, sizeof *r);
    vrv_arena_init(&r->arena, 0);
    r->ncols = ncols;
    r->names = vrv_arena_calloc(&r->arena, (ncols + 1) * sizeof *r->names);
    r->druid_types = vrv_arena_calloc(&r->arena, (ncols + 1) * sizeof *r->druid_types);
    r->sql_types = vrv_arena_calloc(&r->arena, (ncols + 1) * sizeof *r->sql_types);
    r->types = vrv_arena_calloc(&r->arena, (ncols + 1) * sizeof *r->types);
    return r;
}

static void result_col(vrv_sql_result *r, size_t i, const char *name, sql_type t)
{
    r->names[i] = vrv_arena_strdup(&r->arena, name);
    r->types[i] = t;
    if (t.complex) r->types[i].complex = vrv_arena_strdup(&r->arena, t.complex);
    const char *dt = sql_type_native(t, &r->arena);
    r->druid_types[i] = dt;
    r->sql_types[i] = sql_type_name(t);
}

void vrv_sql_result_free(vrv_sql_result *r)
{
    if (!r) return;
    vrv_vec_free(&r->vals);
    vrv_arena_destroy(&r->arena);
    free(r);
}

size_t vrv_sql_result_ncols(const vrv_sql_result *r)
{
    return r->ncols;
}
const char *vrv_sql_result_name(const vrv_sql_result *r, size_t col)
{
    return r->names[col];
}
const char *vrv_sql_result_druid_type(const vrv_sql_result *r, size_t col)
{
    return r->druid_types[col];
}
const char *vrv_sql_result_sql_type(const vrv_sql_result *r, size_t col)
{
    return r->sql_types[col];
}
size_t vrv_sql_result_nrows(const vrv_sql_result *r)
{
    return r->nrows;
}
const vrv_value *vrv_sql_result_row(const vrv_sql_result *r, size_t row)
{
    return r->vals.v + row * r->ncols;
}
const char *vrv_sql_result_query_id(const vrv_sql_result *r)
{
    return r->query_id;
}

/* ---- coercion ---------------------------------------------------------------------------- */

static vrv_value str_value(vrv_sql_result *r, const char *s, size_t n)
{
    return vrv_string(vrv_arena_strndup(&r->arena, s, n), n);
}

static bool json_to_double(const json_t *v, double *out)
{
    if (json_is_integer(v)) {
        *out = (double)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        *out = json_real_value(v);
        return true;
    }
    if (json_is_true(v) || json_is_false(v)) {
        *out = json_is_true(v);
        return true;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!strcmp(s, "NaN")) {
            *out = NAN;
            return true;
        }
        if (!strcmp(s, "Infinity")) {
            *out = INFINITY;
            return true;
        }
        if (!strcmp(s, "-Infinity")) {
            *out = -INFINITY;
            return true;
        }
        return vrv_str_to_double(vrv_str_make(s, json_string_length(v)), out);
    }
    return false;
}

/* Java's (long) of a double: truncation, NaN as 0, saturation. */
static int64_t java_d2l(double d)
{
    if (d != d) return 0;
    if (d >= 9.2233720368547758e18) return INT64_MAX;
    if (d <= -9.2233720368547758e18) return INT64_MIN;
    return (int64_t)d;
}

vrv_value sql_coerce(sql_ctx *c, vrv_sql_result *r, const json_t *v, sql_type t)
{
    if (!v || json_is_null(v)) return vrv_null();
    switch (t.id) {
    case ST_TIMESTAMP:
    case ST_DATE: {
        vrv_ms ms;
        if (json_is_integer(v)) ms = json_integer_value(v);
        else if (json_is_real(v)) ms = java_d2l(json_real_value(v));
        else if (json_is_string(v)) {
            const char *s = json_string_value(v);
            if (vrv_time_parse(s, json_string_length(v), 0, &ms, NULL) < 0) {
                int64_t l;
                if (!vrv_str_to_i64(vrv_str_make(s, json_string_length(v)), &l)) return vrv_null();
                ms = l;
            }
        } else {
            return vrv_null();
        }
        char buf[VRV_TIME_STR_MAX];
        size_t n = vrv_tz_format(c->tz, ms, buf);
        return str_value(r, buf, n);
    }
    case ST_BOOLEAN: {
        bool b;
        if (json_is_boolean(v)) b = json_is_true(v);
        else if (json_is_integer(v)) b = json_integer_value(v) > 0;
        else if (json_is_real(v)) b = json_real_value(v) > 0;
        else if (json_is_string(v)) b = !strcasecmp(json_string_value(v), "true");
        else return vrv_null();
        vrv_value x = vrv_long(b);
        x.flags = VRV_VF_BOOL;
        return x;
    }
    case ST_INTEGER:
    case ST_BIGINT:
    case ST_INTERVAL_DT:
    case ST_INTERVAL_YM: {
        if (json_is_integer(v)) return vrv_long(json_integer_value(v));
        if (json_is_string(v)) {
            int64_t l;
            if (vrv_str_to_i64(vrv_str_make(json_string_value(v), json_string_length(v)), &l)) return vrv_long(l);
        }
        double d;
        if (!json_to_double(v, &d)) return vrv_null();
        return vrv_long(java_d2l(d));
    }
    case ST_DOUBLE:
    case ST_REAL:
    case ST_DECIMAL: {
        double d;
        if (!json_to_double(v, &d)) return vrv_null();
        return vrv_double(d);
    }
    case ST_FLOAT: {
        double d;
        if (!json_to_double(v, &d)) return vrv_null();
        return vrv_float((float)d);
    }
    case ST_ARRAY:
    case ST_OTHER: {
        if (t.id == ST_OTHER && json_is_string(v)) {
            /* a sketch as its base64 text, as Druid's serializers write it */
            return str_value(r, json_string_value(v), json_string_length(v));
        }
        vrv_buf b = VRV_BUF_INIT;
        vrv_jw w;
        vrv_jw_init(&w, &b, 0);
        vrv_jw_json(&w, v);
        vrv_value x = str_value(r, b.data ? b.data : "", b.len);
        vrv_buf_free(&b);
        /* a complex value other than a sketch (a JSON object) is written as
         * JSON, as Jackson writes the object Druid holds */
        if ((t.id == ST_ARRAY && !c->stringify_arrays) || t.id == ST_OTHER) x.type = VRV_V_JSON;
        return x;
    }
    default: {
        /* VARCHAR and the rest: strings, numbers as Java prints them, a
         * multi-value row as its JSON text */
        if (json_is_string(v)) return str_value(r, json_string_value(v), json_string_length(v));
        char num[VRV_NUMFMT_MAX];
        if (json_is_integer(v)) {
            size_t n = vrv_fmt_long(json_integer_value(v), num);
            return str_value(r, num, n);
        }
        if (json_is_real(v)) {
            size_t n = vrv_fmt_double(json_real_value(v), num);
            return str_value(r, num, n);
        }
        if (json_is_boolean(v)) return json_is_true(v) ? str_value(r, "true", 4) : str_value(r, "false", 5);
        if (json_is_array(v) && json_array_size(v) == 1 && json_is_string(json_array_get(v, 0))) {
            const json_t *e = json_array_get(v, 0);
            return str_value(r, json_string_value(e), json_string_length(e));
        }
        if (json_is_array(v) && json_array_size(v) == 0) return vrv_null();
        vrv_buf b = VRV_BUF_INIT;
        vrv_jw w;
        vrv_jw_init(&w, &b, 0);
        vrv_jw_json(&w, v);
        vrv_value x = str_value(r, b.data ? b.data : "", b.len);
        vrv_buf_free(&b);
        return x;
    }
    }
}

/* ---- schemas ---------------------------------------------------------------------------------- */

static bool datasource_exists(sql_ctx *c, const char *name)
{
    if (!c->env->datasources) return true;
    if (!c->datasources) c->datasources = c->env->datasources(c->env->ctx);
    size_t i;
    json_t *v;
    json_array_foreach(c->datasources, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), name)) return true;
    return false;
}

/* Druid's leastRestrictive merge of two column types. */
static const char *merge_type(const char *a, const char *b)
{
    if (!strcmp(a, b)) return a;
    if (!strcmp(a, "STRING") || !strcmp(b, "STRING")) return "STRING";
    bool na = !strcmp(a, "LONG") || !strcmp(a, "FLOAT") || !strcmp(a, "DOUBLE");
    bool nb = !strcmp(b, "LONG") || !strcmp(b, "FLOAT") || !strcmp(b, "DOUBLE");
    if (na && nb) return "DOUBLE";
    return a; /* complex or arrays: the newest segment's type */
}

bool sql_table_schema(sql_ctx *c, const char *name, sql_sig *out)
{
    for (size_t i = 0; i < c->tables.n; i++)
        if (!strcmp(c->tables.v[i].name, name)) {
            *out = c->tables.v[i].sig;
            return true;
        }
    if (!datasource_exists(c, name)) return false;
    json_t *q = json_pack("{s:s, s:s, s:[s], s:b, s:[], s:o}", "queryType", "segmentMetadata",
                          "dataSource", name, "intervals",
                          "-146136543-09-08T08:23:32.096Z/146140482-04-24T15:36:27.903Z", "merge", 0,
                          "analysisTypes", "context", json_pack("{s:s}", "sqlQueryId", c->query_id));
    vrv_buf buf = VRV_BUF_INIT;
    vrv_error e;
    int rc = c->env->run(c->env->ctx, q, &buf, &e);
    json_decref(q);
    json_t *res = rc == 0 ? json_loadb(buf.data ? buf.data : "", buf.len, 0, NULL) : NULL;
    vrv_buf_free(&buf);
    if (rc < 0) {
        sql_fail(c->err, VRV_SQL_E_RUNTIME, NULL, "%s", e.msg);
        c->err->err.code = rc;
        return false;
    }
    if (!json_is_array(res) || json_array_size(res) == 0) {
        json_decref(res);
        return false;
    }
    /* newest segment first: its columns in its order, then older ones' */
    VRV_VEC(const char *) names = {0};
    VRV_VEC(const char *) types = {0};
    for (size_t s = json_array_size(res); s > 0; s--) {
        const json_t *cols = json_object_get(json_array_get(res, s - 1), "columns");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)cols, k, v)
        {
            const char *t = json_string_value(json_object_get(v, "typeSignature"));
            if (!t) t = json_string_value(json_object_get(v, "type"));
            if (!t || json_string_value(json_object_get(v, "errorMessage"))) continue;
            long have = -1;
            for (size_t i = 0; i < names.n; i++)
                if (!strcmp(names.v[i], k)) have = (long)i;
            if (have >= 0) {
                types.v[have] = merge_type(types.v[have], vrv_arena_strdup(c->arena, t));
                continue;
            }
            vrv_vec_push(&names, vrv_arena_strdup(c->arena, k));
            vrv_vec_push(&types, vrv_arena_strdup(c->arena, t));
        }
    }
    json_decref(res);
    sql_sig sig = {0};
    /* __time first */
    for (size_t i = 0; i < names.n; i++)
        if (!strcmp(names.v[i], "__time"))
            sql_sig_add(c->arena, &sig, "__time", NULL, "__time", sql_type_from_native("LONG", true, c->arena), NULL);
    for (size_t i = 0; i < names.n; i++) {
        if (!strcmp(names.v[i], "__time")) continue;
        sql_sig_add(c->arena, &sig, names.v[i], NULL, names.v[i], sql_type_from_native(types.v[i], false, c->arena), NULL);
    }
    vrv_vec_free(&names);
    vrv_vec_free(&types);
    sql_table_cache tc = {vrv_arena_strdup(c->arena, name), sig};
    vrv_vec_push(&c->tables, tc);
    *out = sig;
    return true;
}

/* ---- running plans --------------------------------------------------------------------------- */

static void push_row(vrv_sql_result *r, const vrv_value *vals)
{
    for (size_t i = 0; i < r->ncols; i++) vrv_vec_push(&r->vals, vals[i]);
    r->nrows++;
}

/* Calcite's ordering of values: numbers numerically, strings by code
 * point, nulls high (last ascending, first descending). */
static int cmp_value(const vrv_value *a, const vrv_value *b)
{
    bool na = a->type == VRV_V_NULL, nb = b->type == VRV_V_NULL;
    if (na || nb) return na == nb ? 0 : na ? 1 : -1;
    if (a->type == VRV_V_STRING && b->type == VRV_V_STRING) {
        size_t n = a->len < b->len ? a->len : b->len;
        int k = memcmp(a->u.s, b->u.s, n);
        return k ? k : (a->len < b->len ? -1 : a->len > b->len);
    }
    double x = a->type == VRV_V_LONG ? (double)a->u.l : a->type == VRV_V_FLOAT ? a->u.f : a->u.d;
    double y = b->type == VRV_V_LONG ? (double)b->u.l : b->type == VRV_V_FLOAT ? b->u.f : b->u.d;
    if (a->type == VRV_V_LONG && b->type == VRV_V_LONG) return a->u.l < b->u.l ? -1 : a->u.l > b->u.l;
    return x < y ? -1 : x > y;
}

static int cmp_rows(const vrv_value *x, const vrv_value *y, const sql_plan *p)
{
    for (size_t s = 0; s < p->nsort; s++) {
        int k = cmp_value(&x[p->sort[s].field], &y[p->sort[s].field]);
        if (k) return p->sort[s].desc ? -k : k;
    }
    return 0;
}

/* A stable merge sort of the rows of r. */
static void sort_rows(vrv_sql_result *r, const sql_plan *p)
{
    size_t n = r->nrows, w = r->ncols;
    if (n < 2) return;
    size_t *idx = vrv_malloc(n * sizeof *idx), *tmp = vrv_malloc(n * sizeof *tmp);
    for (size_t i = 0; i < n; i++) idx[i] = i;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = VRV_MIN(lo + width, n), hi = VRV_MIN(lo + 2 * width, n);
            size_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                tmp[o++] = cmp_rows(r->vals.v + idx[b] * w, r->vals.v + idx[a] * w, p) < 0 ? idx[b++] : idx[a++];
            while (a < mid) tmp[o++] = idx[a++];
            while (b < hi) tmp[o++] = idx[b++];
        }
        size_t *t = idx;
        idx = tmp;
        tmp = t;
    }
    vrv_value *sorted = vrv_malloc(n * w * sizeof *sorted);
    for (size_t i = 0; i < n; i++) memcpy(sorted + i * w, r->vals.v + idx[i] * w, w * sizeof *sorted);
    memcpy(r->vals.v, sorted, n * w * sizeof *sorted);
    free(sorted);
    free(idx);
    free(tmp);
}

int sql_run_plan(sql_ctx *c, const sql_plan *p, vrv_sql_result *r)
{
    json_t *q = json_deep_copy(p->query);
    json_t *ctx = json_object_get(q, "context");
    if (!json_is_object(ctx)) {
        ctx = json_object();
        json_object_set_new(q, "context", ctx);
    }
    json_object_set_new(ctx, "queryId", json_string(c->query_id));
    vrv_buf buf = VRV_BUF_INIT;
    vrv_error e;
    vrv_error_clear(&e);
    int rc = c->env->run(c->env->ctx, q, &buf, &e);
    json_decref(q);
    if (rc < 0) {
        vrv_buf_free(&buf);
        sql_fail(c->err, VRV_SQL_E_RUNTIME, NULL, "%s", e.msg);
        c->err->err.code = rc;
        return rc;
    }
    json_error_t je;
    json_t *res = json_loadb(buf.data ? buf.data : "", buf.len, 0, &je);
    vrv_buf_free(&buf);
    if (!json_is_array(res)) {
        json_decref(res);
        sql_fail(c->err, VRV_SQL_E_RUNTIME, NULL, "native query result is not a JSON array: %s", je.text);
        c->err->err.code = VRV_EINTERNAL;
        return VRV_EINTERNAL;
    }
    /* rows of every field (hidden sort fields too) land in `all`, then the
     * visible columns go to r */
    vrv_sql_result wide = {0};
    vrv_sql_result *all = r;
    if (p->nfields != r->ncols) {
        wide.ncols = p->nfields; /* only rows: the values live in r's arena */
        all = &wide;
    }
    vrv_sql_result *dst = all;
    vrv_value *row = vrv_calloc(p->nfields + 1, sizeof *row);
    size_t i;
    json_t *el;
    json_array_foreach(res, i, el)
    {
        switch (p->qtype) {
        case SQ_TIMESERIES:
        case SQ_TIME_BOUNDARY: {
            const json_t *result = json_object_get(el, "result");
            for (size_t f = 0; f < p->nfields; f++) {
                const json_t *v = p->fields[f].kind == SF_TIMESTAMP ? json_object_get(el, "timestamp")
                                                                    : json_object_get(result, p->fields[f].native);
                row[f] = sql_coerce(c, r, v, p->fields[f].type);
            }
            push_row(dst, row);
            break;
        }
        case SQ_TOPN: {
            size_t k;
            json_t *ent;
            json_array_foreach(json_object_get(el, "result"), k, ent)
            {
                for (size_t f = 0; f < p->nfields; f++)
                    row[f] = sql_coerce(c, r, json_object_get(ent, p->fields[f].native), p->fields[f].type);
                push_row(dst, row);
            }
            break;
        }
        case SQ_GROUPBY: {
            const json_t *ev = json_object_get(el, "event");
            for (size_t f = 0; f < p->nfields; f++)
                row[f] = sql_coerce(c, r, json_object_get(ev, p->fields[f].native), p->fields[f].type);
            push_row(dst, row);
            break;
        }
        case SQ_SCAN: {
            const json_t *cols = json_object_get(el, "columns");
            long *idx = vrv_calloc(p->nfields + 1, sizeof *idx);
            for (size_t f = 0; f < p->nfields; f++) {
                idx[f] = -1;
                size_t k;
                json_t *cn;
                json_array_foreach(cols, k, cn) if (json_is_string(cn) && !strcmp(json_string_value(cn), p->fields[f].native)) idx[f] = (long)k;
            }
            size_t k;
            json_t *ev;
            json_array_foreach(json_object_get(el, "events"), k, ev)
            {
                for (size_t f = 0; f < p->nfields; f++) {
                    const json_t *v = NULL;
                    if (json_is_array(ev)) v = idx[f] >= 0 ? json_array_get(ev, (size_t)idx[f]) : NULL;
                    else v = json_object_get(ev, p->fields[f].native);
                    row[f] = sql_coerce(c, r, v, p->fields[f].type);
                }
                push_row(dst, row);
            }
            free(idx);
            break;
        }
        }
    }
    free(row);
    json_decref(res);
    if (p->local_sort) sort_rows(all, p);
    if (all != r) {
        int64_t off = p->local_sort ? p->offset : 0;
        int64_t lim = p->local_sort ? p->limit : -1;
        for (size_t k = 0; k < all->nrows; k++) {
            if ((int64_t)k < off) continue;
            if (lim >= 0 && (int64_t)k >= off + lim) break;
            push_row(r, all->vals.v + k * all->ncols);
        }
        vrv_vec_free(&wide.vals);
    }
    return 0;
}

/* ---- queries ----------------------------------------------------------------------------------- */

typedef VRV_VEC(const sql_query *) query_vec;

static void union_branches(const sql_query *q, query_vec *out)
{
    if (q->kind == Q_UNION && !q->norder && !q->limit && !q->offset && !q->nctes) {
        union_branches(q->left, out);
        union_branches(q->right, out);
        return;
    }
    vrv_vec_push(out, q);
}

int sql_run_query(sql_ctx *c, const sql_query *q, vrv_sql_result **out)
{
    *out = NULL;
    if (q->kind == Q_UNION && !q->norder && !q->limit && !q->offset && !q->nctes) {
        query_vec br = {0};
        union_branches(q, &br);
        vrv_sql_result **parts = vrv_calloc(br.n, sizeof *parts);
        int rc = 0;
        for (size_t i = 0; i < br.n && rc == 0; i++) {
            rc = sql_run_query(c, br.v[i], &parts[i]);
            if (rc == 0 && parts[i]->ncols != parts[0]->ncols)
                rc = sql_fail(c->err, VRV_SQL_E_VALIDATE, &br.v[i]->pos,
                              "Column count mismatch in UNION ALL (line [%d], column [%d])", br.v[i]->pos.line,
                              br.v[i]->pos.col);
        }
        if (rc == 0) {
            vrv_sql_result *r = sql_result_new(parts[0]->ncols);
            for (size_t k = 0; k < r->ncols; k++) {
                sql_type t = parts[0]->types[k];
                for (size_t i = 1; i < br.n; i++) t = sql_type_common(t, parts[i]->types[k]);
                if (t.id == ST_CHAR) t.id = ST_VARCHAR;
                result_col(r, k, parts[0]->names[k], t);
            }
            for (size_t i = 0; i < br.n; i++)
                for (size_t row = 0; row < parts[i]->nrows; row++) {
                    for (size_t k = 0; k < r->ncols; k++) {
                        vrv_value v = parts[i]->vals.v[row * r->ncols + k];
                        if (v.type == VRV_V_STRING || v.type == VRV_V_JSON) {
                            uint8_t ty = v.type;
                            v = str_value(r, v.u.s, v.len);
                            v.type = ty;
                        }
                        /* numbers follow the union's type */
                        if (sql_type_is_numeric(r->types[k]) && !sql_type_is_integer(r->types[k]) && v.type == VRV_V_LONG)
                            v = r->types[k].id == ST_FLOAT ? vrv_float((float)v.u.l) : vrv_double((double)v.u.l);
                        if (r->types[k].id == ST_DOUBLE && v.type == VRV_V_FLOAT) v = vrv_double(v.u.f);
                        vrv_vec_push(&r->vals, v);
                    }
                    r->nrows++;
                }
            *out = r;
        }
        for (size_t i = 0; i < br.n; i++) vrv_sql_result_free(parts[i]);
        free(parts);
        vrv_vec_free(&br);
        return rc;
    }
    sql_block b;
    int rc = sql_analyze(c, q, &b);
    if (rc) return rc;
    vrv_sql_result *r = sql_result_new(b.nout);
    for (size_t k = 0; k < b.nout; k++) {
        sql_type t = b.out[k]->type;
        if (t.id == ST_NULL) t = sql_type_make(ST_VARCHAR, true);
        result_col(r, k, b.names[k], t);
    }
    if (b.limit != 0) {
        sql_plan p;
        rc = sql_plan_block(c, &b, &p);
        if (rc == 0) {
            for (size_t k = 0; k < p.nfields; k++) {
                if (p.fields[k].type.id == ST_CHAR) p.fields[k].type.id = ST_VARCHAR;
                if (p.fields[k].type.id == ST_NULL) p.fields[k].type = sql_type_make(ST_VARCHAR, true);
            }
            rc = sql_run_plan(c, &p, r);
        }
        sql_plan_clear(&p);
    }
    json_decref(b.src.ds);
    if (rc) {
        vrv_sql_result_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* ---- EXPLAIN -------------------------------------------------------------------------------------- */

static int explain_one(sql_ctx *c, const sql_query *q, vrv_jw *w)
{
    sql_block b;
    int rc = sql_analyze(c, q, &b);
    if (rc) return rc;
    sql_plan p;
    memset(&p, 0, sizeof p);
    if (b.limit == 0) b.limit = 1; /* LIMIT 0 runs nothing; show the query it would be */
    rc = sql_plan_block(c, &b, &p);
    if (rc == 0) {
        vrv_jw_begin_object(w);
        vrv_jw_key(w, "query");
        vrv_jw_json(w, p.query);
        vrv_jw_key(w, "signature");
        vrv_jw_begin_array(w);
        for (size_t i = 0; i < p.nfields; i++) {
            bool dup = false;
            for (size_t k = 0; k < i; k++) dup |= !strcmp(p.fields[k].native, p.fields[i].native);
            if (dup) continue;
            vrv_jw_begin_object(w);
            vrv_jw_kv_string(w, "name", p.fields[i].native);
            const char *t = sql_type_native(p.fields[i].type, c->arena);
            if (t) vrv_jw_kv_string(w, "type", t);
            vrv_jw_end_object(w);
        }
        vrv_jw_end_array(w);
        vrv_jw_key(w, "columnMappings");
        vrv_jw_begin_array(w);
        for (size_t i = 0; i < p.nvisible; i++) {
            vrv_jw_begin_object(w);
            vrv_jw_kv_string(w, "queryColumn", p.fields[i].native);
            vrv_jw_kv_string(w, "outputColumn", p.fields[i].name);
            vrv_jw_end_object(w);
        }
        vrv_jw_end_array(w);
        vrv_jw_end_object(w);
    }
    sql_plan_clear(&p);
    json_decref(b.src.ds);
    return rc;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int explain(sql_ctx *c, const sql_query *q, vrv_sql_result **out)
{
    vrv_buf plan = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &plan, 0);
    vrv_jw_begin_array(&w);
    query_vec br = {0};
    union_branches(q, &br);
    int rc = 0;
    for (size_t i = 0; i < br.n && rc == 0; i++) rc = explain_one(c, br.v[i], &w);
    vrv_vec_free(&br);
    vrv_jw_end_array(&w);
    if (rc) {
        vrv_buf_free(&plan);
        return rc;
    }
    vrv_buf res = VRV_BUF_INIT;
    vrv_jw rw;
    vrv_jw_init(&rw, &res, 0);
    vrv_jw_begin_array(&rw);
    if (c->resources.n > 1) qsort(c->resources.v, c->resources.n, sizeof *c->resources.v, cmp_cstr);
    for (size_t i = 0; i < c->resources.n; i++) {
        vrv_jw_begin_object(&rw);
        vrv_jw_kv_string(&rw, "name", c->resources.v[i]);
        vrv_jw_kv_string(&rw, "type", "DATASOURCE");
        vrv_jw_end_object(&rw);
    }
    vrv_jw_end_array(&rw);
    vrv_sql_result *r = sql_result_new(3);
    sql_type vt = sql_type_make(ST_VARCHAR, true);
    result_col(r, 0, "PLAN", vt);
    result_col(r, 1, "RESOURCES", vt);
    result_col(r, 2, "ATTRIBUTES", vt);
    vrv_value row[3] = {str_value(r, plan.data, plan.len), str_value(r, res.data, res.len),
                        str_value(r, "{\"statementType\":\"SELECT\"}", strlen("{\"statementType\":\"SELECT\"}"))};
    push_row(r, row);
    vrv_buf_free(&plan);
    vrv_buf_free(&res);
    *out = r;
    return 0;
}

/* ---- the statement ---------------------------------------------------------------------------- */

static void random_uuid(char out[37])
{
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        for (size_t i = 0; i < sizeof r; i++) r[i] = (unsigned char)(ts.tv_nsec >> (i % 8) ^ (long)i * 31);
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* A boolean context value: true/false, "true"/"false", numbers. */
static int ctx_bool(sql_ctx *c, const char *key, bool def, bool *out)
{
    const json_t *v = json_object_get(c->context, key);
    *out = def;
    if (!v || json_is_null(v)) return 0;
    if (json_is_boolean(v)) *out = json_is_true(v);
    else if (json_is_string(v) && !strcasecmp(json_string_value(v), "true")) *out = true;
    else if (json_is_string(v) && !strcasecmp(json_string_value(v), "false")) *out = false;
    else if (json_is_integer(v)) *out = json_integer_value(v) != 0;
    else
        return sql_fail(c->err, VRV_SQL_E_REQUEST, NULL,
                        "Query context parse failed: %s must be a boolean", key);
    return 0;
}

static json_t *set_value(const sql_ast *v)
{
    switch ((sql_ast_kind)v->kind) {
    case A_NUM: {
        int64_t l;
        double d;
        if (v->flag == 0 && vrv_str_to_i64(vrv_str_c(v->s), &l)) return json_integer(l);
        if (vrv_str_to_double(vrv_str_c(v->s), &d)) return json_real(d);
        return json_string(v->s);
    }
    case A_STR: return json_stringn(v->s, (size_t)v->flag);
    case A_BOOL: return json_boolean(v->flag);
    default: return json_null();
    }
}

static int ctx_init(sql_ctx *c, const sql_stmt *st)
{
    int rc;
    for (size_t i = 0; i < st->nsets; i++) json_object_set_new(c->context, st->sets[i].key, set_value(st->sets[i].value));
    const json_t *qid = json_object_get(c->context, "sqlQueryId");
    if (json_is_string(qid) && json_string_length(qid) > 0 && json_string_length(qid) < sizeof c->query_id)
        snprintf(c->query_id, sizeof c->query_id, "%s", json_string_value(qid));
    json_object_set_new(c->context, "sqlQueryId", json_string(c->query_id));
    /* the native query id is set per query at run time */
    json_object_del(c->context, "queryId");
    const json_t *tz = json_object_get(c->context, "sqlTimeZone");
    c->tz = vrv_tz_utc();
    if (tz && !json_is_null(tz)) {
        vrv_error e;
        if (!json_is_string(tz) ||
            vrv_tz_get(json_string_value(tz), json_string_length(tz), &c->tz, &e) < 0)
            return sql_fail(c->err, VRV_SQL_E_REQUEST, NULL,
                            "Query context parse failed: sqlTimeZone: %s", json_is_string(tz) ? e.msg : "must be a string");
    }
    const json_t *now = json_object_get(c->context, "sqlCurrentTimestamp");
    if (json_is_string(now)) {
        if (vrv_time_parse(json_string_value(now), json_string_length(now), 0, &c->now, NULL) < 0)
            return sql_fail(c->err, VRV_SQL_E_REQUEST, NULL,
                            "Query context parse failed: sqlCurrentTimestamp: not an ISO-8601 timestamp");
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        c->now = (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    if ((rc = ctx_bool(c, "useApproximateCountDistinct", true, &c->approx_distinct)) ||
        (rc = ctx_bool(c, "useApproximateTopN", true, &c->approx_topn)) ||
        (rc = ctx_bool(c, "sqlStringifyArrays", true, &c->stringify_arrays)) ||
        (rc = ctx_bool(c, "enableTimeBoundaryPlanning", false, &c->time_boundary)))
        return rc;
    c->max_topn = 100000;
    return 0;
}

int vrv_sql_execute(const vrv_sql_env *env, const char *sql, size_t len, const json_t *context,
                    const json_t *parameters, vrv_sql_result **out, vrv_sql_error *err)
{
    *out = NULL;
    memset(err, 0, sizeof *err);
    if (context && !json_is_object(context) && !json_is_null(context))
        return sql_fail(err, VRV_SQL_E_REQUEST, NULL, "context: must be an object");
    if (parameters && !json_is_array(parameters) && !json_is_null(parameters))
        return sql_fail(err, VRV_SQL_E_REQUEST, NULL, "parameters: must be an array");
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    sql_ctx c = {0};
    c.env = env;
    c.arena = &arena;
    c.err = err;
    c.context = json_is_object(context) ? json_deep_copy(context) : json_object();
    c.params = json_is_array(parameters) ? parameters : NULL;
    /* the id is known before parsing, so that every answer can carry it */
    const json_t *qid = json_object_get(c.context, "sqlQueryId");
    if (json_is_string(qid) && json_string_length(qid) > 0 && json_string_length(qid) < sizeof c.query_id)
        snprintf(c.query_id, sizeof c.query_id, "%s", json_string_value(qid));
    else
        random_uuid(c.query_id);
    sql_stmt *st = NULL;
    int rc = sql_parse(&arena, sql, len, &st, err);
    if (rc == 0) rc = ctx_init(&c, st);
    if (rc == 0 && st->nparams > (c.params ? json_array_size(c.params) : 0))
        rc = sql_fail(err, VRV_SQL_E_VALIDATE, NULL, "No value bound for parameter (position [%zu])",
                      (c.params ? json_array_size(c.params) : 0) + 1);
    if (rc == 0) {
        if (st->explain) rc = explain(&c, st->query, out);
        else rc = sql_run_query(&c, st->query, out);
    }
    if (rc != 0 && err->kind == VRV_SQL_E_NONE)
        sql_fail(err, VRV_SQL_E_UNSUPPORTED, NULL, "Unhandled Query Planning Failure, see broker logs for details");
    if (rc == 0) snprintf((*out)->query_id, sizeof (*out)->query_id, "%s", c.query_id);
    else snprintf(err->query_id, sizeof err->query_id, "%s", c.query_id);
    if (rc && *out) {
        vrv_sql_result_free(*out);
        *out = NULL;
    }
    json_decref(c.context);
    json_decref(c.datasources);
    vrv_vec_free(&c.tables);
    vrv_vec_free(&c.resources);
    vrv_vec_free(&c.ctes);
    vrv_arena_destroy(&arena);
    return rc;
}
