/*
 * render.c — finalizing a merged partial and writing Druid's result JSON
 * (druid-query.md §3, §9): aggregator finalization (or the intermediate forms
 * with finalize:false), post-aggregators, the per-type timestamp rules,
 * zero-fill and skipEmptyBuckets, grandTotal, topN ranking and thresholds,
 * groupBy subtotals, having, limitSpec ordering and offset, the summary row,
 * scan batching, limits and offsets, and the metadata query shapes.
 *
 * Grouped results are first built as output rows (timestamp + one value per
 * output column: dimensions, aggregators, post-aggregators), which is also
 * what a nested query reads as its inner table.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "json/jwriter.h"
#include "query/query_int.h"

typedef struct orow {
    vrv_ms t;
    bool t_null;        /* grand total */
    vrv_value *vals;    /* ncols */
    vrv_value *raw;     /* aggregator intermediate values (naggs), for post-aggregators */
    uint32_t set;       /* subtotal set */
} orow;

typedef VRV_VEC(orow) orow_vec;

typedef struct rctx {
    const vrv_query *q;
    const vrv_query_partial *p;
    vrv_arena *ar;
    vrv_error *err;
    size_t ndims, naggs, npost, ncols;
    const char **names;
    vrv_expr_prog **progs;   /* expression post-aggregators, bound over the columns */
    const vrv_value *cur;    /* the row being evaluated */
    size_t cur_n;            /* columns filled so far */
    const vrv_value *cur_raw;
} rctx;

static const vrv_dimspec *dim_of(const vrv_query *q, size_t d)
{
    return q->type == VRV_Q_TOPN ? &q->dim : &q->dims[d];
}

static long col_index(const rctx *c, const char *name)
{
    for (size_t i = 0; i < c->ncols; i++)
        if (c->names[i] && !strcmp(c->names[i], name)) return (long)i;
    return -1;
}

/* ---- post-aggregators ---------------------------------------------------------- */

static bool pa_lookup(void *ud, const char *name, vrv_value *out)
{
    rctx *c = ud;
    long i = col_index(c, name);
    if (i < 0 || (size_t)i >= c->cur_n) return false;
    if ((size_t)i >= c->ndims && (size_t)i < c->ndims + c->naggs) {
        *out = c->cur_raw[i - (long)c->ndims];
        return true;
    }
    *out = c->cur[i];
    return true;
}

static const vrv_agg_spec *pa_spec(void *ud, const char *name)
{
    rctx *c = ud;
    for (size_t i = 0; i < c->naggs; i++)
        if (!strcmp(c->q->aggs.v[i]->name, name)) return c->q->aggs.v[i];
    return NULL;
}

static int col_resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)err;
    rctx *c = ctx;
    out->slot = -1;
    out->typed = false;
    for (size_t i = 0; i < c->ncols; i++)
        if (c->names[i] && vrv_str_eq_c(name, c->names[i])) out->slot = (int32_t)i;
    if (vrv_str_eq_c(name, "__time")) out->slot = (int32_t)c->ncols;
    return 0;
}

static int pa_expr(void *ud, const vrv_postagg *pa, vrv_arena *arena, vrv_value *out, vrv_error *err)
{
    rctx *c = ud;
    size_t k = 0;
    while (k < c->npost && c->q->postaggs.v[k] != pa) k++;
    vrv_expr_prog *prog = k < c->npost ? c->progs[k] : NULL;
    vrv_expr *e = NULL;
    bool own = false;
    if (!prog) {
        /* a nested expression post-aggregator: bind it for this row */
        int rc = vrv_expr_parse(pa->expression, strlen(pa->expression), &e, err);
        if (rc) return rc;
        rc = vrv_expr_bind(e, col_resolve, c, &prog, err);
        vrv_expr_free(e);
        if (rc) return rc;
        own = true;
    }
    vrv_value *slots = vrv_arena_alloc(arena, (c->ncols + 1) * sizeof *slots);
    for (size_t i = 0; i <= c->ncols; i++) slots[i] = i < c->cur_n ? c->cur[i] : vrv_null();
    int rc = vrv_expr_eval(prog, slots, arena, out, err);
    if (rc == 0) *out = qvalue_copy(arena, out);
    if (own) vrv_expr_prog_free(prog);
    if (rc == 0 && pa->output_type) {
        vrv_ctype t;
        if (vrv_ctype_parse(pa->output_type, &t) && out->type != VRV_V_NULL) {
            if (t == VRV_C_LONG && out->type == VRV_V_DOUBLE) *out = vrv_long((int64_t)out->u.d);
            else if ((t == VRV_C_DOUBLE || t == VRV_C_FLOAT) && out->type == VRV_V_LONG)
                *out = t == VRV_C_FLOAT ? vrv_float((float)out->u.l) : vrv_double((double)out->u.l);
            else if (t == VRV_C_FLOAT && out->type == VRV_V_DOUBLE) *out = vrv_float((float)out->u.d);
        }
    }
    return rc;
}

static int rctx_init(rctx *c, const vrv_query *q, const vrv_query_partial *p, vrv_arena *ar,
                     vrv_error *err)
{
    memset(c, 0, sizeof *c);
    c->q = q;
    c->p = p;
    c->ar = ar;
    c->err = err;
    c->ndims = p->ndims;
    c->naggs = q->aggs.n;
    c->npost = q->postaggs.n;
    c->ncols = c->ndims + c->naggs + c->npost;
    c->names = vrv_arena_alloc(ar, (c->ncols + 1) * sizeof *c->names);
    size_t k = 0;
    for (size_t d = 0; d < c->ndims; d++) c->names[k++] = dim_of(q, d)->output_name;
    for (size_t i = 0; i < c->naggs; i++) c->names[k++] = q->aggs.v[i]->name;
    for (size_t i = 0; i < c->npost; i++) c->names[k++] = q->postaggs.v[i]->name;
    c->progs = vrv_arena_calloc(ar, (c->npost + 1) * sizeof *c->progs);
    for (size_t i = 0; i < c->npost; i++) {
        const vrv_postagg *pa = q->postaggs.v[i];
        if (pa->type != VRV_PA_EXPRESSION) continue;
        vrv_expr *e;
        int rc = vrv_expr_parse(pa->expression, strlen(pa->expression), &e, err);
        if (rc) return vrv_error_prefix(err, "postAggregations[%zu].expression", i);
        rc = vrv_expr_bind(e, col_resolve, c, &c->progs[i], err);
        vrv_expr_free(e);
        if (rc) return rc;
    }
    return 0;
}

static void rctx_free(rctx *c)
{
    for (size_t i = 0; c->progs && i < c->npost; i++) vrv_expr_prog_free(c->progs[i]);
}

/* Fills a row's values from a group's states. */
static int make_row(rctx *c, vrv_ms t, const vrv_value *dims, const char *states, orow *out)
{
    const vrv_query *q = c->q;
    out->t = t;
    out->t_null = false;
    out->vals = vrv_arena_alloc(c->ar, (c->ncols + 1) * sizeof *out->vals);
    out->raw = vrv_arena_alloc(c->ar, (c->naggs + 1) * sizeof *out->raw);
    for (size_t d = 0; d < c->ndims; d++) out->vals[d] = dims[d];
    for (size_t i = 0; i < c->naggs; i++) {
        const vrv_agg_spec *in = c->p->inner[i];
        const char *st = states + c->p->offs[i];
        out->raw[i] = qvalue_copy(c->ar, &(vrv_value){0});
        vrv_value raw = vrv_agg_get(in, st);
        out->raw[i] = raw.type == VRV_V_COMPLEX ? qvalue_copy(c->ar, &raw) : raw;
        vrv_value v;
        if (q->ctx.finalize) {
            v = vrv_agg_finalize(in, st, c->ar);
            v = qvalue_copy(c->ar, &v);
            /* groupBy folds through buffer aggregators and keeps floats */
            if (q->type == VRV_Q_GROUPBY && v.type == VRV_V_DOUBLE &&
                (in->type == VRV_AGG_FLOAT_SUM || in->type == VRV_AGG_FLOAT_MIN ||
                 in->type == VRV_AGG_FLOAT_MAX))
                v = vrv_float((float)v.u.d);
        } else {
            v = vrv_agg_complex_render(&out->raw[i], c->ar);
        }
        out->vals[c->ndims + i] = v;
    }
    c->cur = out->vals;
    c->cur_raw = out->raw;
    c->cur_n = c->ndims + c->naggs;
    /* expression post-aggregators read finalized values; others raw ones */
    vrv_postagg_ctx pc = {pa_lookup, pa_spec, pa_expr, c, c->ar};
    for (size_t i = 0; i < c->npost; i++) {
        vrv_value v;
        int rc = vrv_postagg_eval(q->postaggs.v[i], &pc, &v, c->err);
        if (rc) return rc;
        if (v.type == VRV_V_COMPLEX) v = vrv_agg_complex_render(&v, c->ar);
        out->vals[c->ndims + c->naggs + i] = v;
        c->cur_n++;
    }
    return 0;
}

/* ---- value comparison ---------------------------------------------------------- */

static int cmp_num(const vrv_value *a, const vrv_value *b)
{
    bool an = a->type == VRV_V_NULL, bn = b->type == VRV_V_NULL;
    if (an || bn) return an && bn ? 0 : an ? -1 : 1;
    if (a->type == VRV_V_LONG && b->type == VRV_V_LONG)
        return a->u.l < b->u.l ? -1 : a->u.l > b->u.l;
    double x = 0, y = 0;
    if (!vrv_value_to_double(a, &x)) x = NAN;
    if (!vrv_value_to_double(b, &y)) y = NAN;
    if (a->type == VRV_V_FLOAT) x = a->u.f;
    if (b->type == VRV_V_FLOAT) y = b->u.f;
    /* Double.compare: NaN above everything */
    if (x != x || y != y) return (x != x) - (y != y);
    return x < y ? -1 : x > y;
}

static vrv_str str_of(vrv_arena *ar, const vrv_value *v, bool *isnull)
{
    *isnull = false;
    if (v->type == VRV_V_STRING || v->type == VRV_V_JSON) return vrv_value_str(v);
    if (v->type == VRV_V_NULL) {
        *isnull = true;
        return vrv_str_make(NULL, 0);
    }
    if (v->type == VRV_V_ARRAY && v->len > 0) return str_of(ar, &v->u.a[0], isnull);
    vrv_buf b = VRV_BUF_INIT;
    if (!vrv_value_append_string(v, &b)) {
        *isnull = true;
        vrv_buf_free(&b);
        return vrv_str_make(NULL, 0);
    }
    vrv_str s = vrv_str_make(vrv_arena_strndup(ar, b.data ? b.data : "", b.len), b.len);
    vrv_buf_free(&b);
    return s;
}

static int cmp_str(vrv_arena *ar, vrv_order o, const vrv_value *a, const vrv_value *b)
{
    bool an, bn;
    vrv_str x = str_of(ar, a, &an), y = str_of(ar, b, &bn);
    return vrv_strcmp_nullable(o, an ? NULL : &x, bn ? NULL : &y);
}

/* Natural order of a dimension value: numbers numerically, strings
 * lexicographically, nulls first. */
static int cmp_natural(vrv_arena *ar, const vrv_value *a, const vrv_value *b)
{
    if (vrv_is_number(a) && vrv_is_number(b)) return cmp_num(a, b);
    if (a->type == VRV_V_NULL || b->type == VRV_V_NULL) return cmp_num(a, b);
    return cmp_str(ar, VRV_ORDER_LEXICOGRAPHIC, a, b);
}

/* ---- sorting (stable merge sort over row pointers) ---------------------------------- */

typedef int (*row_cmp)(void *ctx, const orow *a, const orow *b);

static void msort(orow **v, orow **tmp, size_t n, row_cmp cmp, void *ctx)
{
    if (n < 2) return;
    size_t h = n / 2;
    msort(v, tmp, h, cmp, ctx);
    msort(v + h, tmp, n - h, cmp, ctx);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = cmp(ctx, v[j], v[i]) < 0 ? v[j++] : v[i++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

static void sort_rows(orow **v, size_t n, row_cmp cmp, void *ctx)
{
    orow **tmp = vrv_malloc((n ? n : 1) * sizeof *tmp);
    msort(v, tmp, n, cmp, ctx);
    free(tmp);
}

/* ---- timestamps ------------------------------------------------------------------- */

static void put_time(vrv_jw *w, const vrv_query *q, vrv_ms t, bool use_gran)
{
    if (q->ctx.serialize_dt_long) {
        vrv_jw_long(w, t);
        return;
    }
    char buf[VRV_TIME_STR_MAX];
    size_t n = use_gran ? vrv_gran_format_time(&q->gran, t, buf) : vrv_time_format(t, buf);
    vrv_jw_stringn(w, buf, n);
}

static void put_value(vrv_jw *w, const vrv_value *v, vrv_arena *ar)
{
    if (v->type == VRV_V_COMPLEX) {
        vrv_value r = vrv_agg_complex_render(v, ar);
        if (r.type == VRV_V_COMPLEX) vrv_jw_null(w);
        else vrv_jw_value(w, &r);
        return;
    }
    vrv_jw_value(w, v);
}

static void put_event(vrv_jw *w, const rctx *c, const orow *r)
{
    vrv_jw_begin_object(w);
    for (size_t i = 0; i < c->ncols; i++) {
        if (!c->names[i]) continue;
        vrv_jw_key(w, c->names[i]);
        put_value(w, &r->vals[i], c->ar);
    }
    vrv_jw_end_object(w);
}

/* ---- timeseries ----------------------------------------------------------------------- */

static int cmp_time_asc(void *ctx, const orow *a, const orow *b)
{
    (void)ctx;
    return a->t < b->t ? -1 : a->t > b->t;
}
static int cmp_time_desc(void *ctx, const orow *a, const orow *b)
{
    return -cmp_time_asc(ctx, a, b);
}

static int build_timeseries(rctx *c, orow_vec *rows)
{
    const vrv_query *q = c->q;
    const vrv_query_partial *p = c->p;
    bool all = q->gran.kind == VRV_GRAN_ALL;
    int rc;
    char *empty = NULL;
    if (p->groups.n == 0 && all && !q->ctx.skip_empty_buckets && !q->ctx.by_segment) {
        empty = vrv_malloc(p->area ? p->area : 1);
        for (size_t i = 0; i < c->naggs; i++) vrv_agg_init(p->inner[i], empty + p->offs[i]);
        orow r;
        rc = make_row(c, q->intervals[0].start, NULL, empty, &r);
        for (size_t i = 0; i < c->naggs; i++) vrv_agg_destroy(p->inner[i], empty + p->offs[i]);
        free(empty);
        if (rc) return rc;
        vrv_vec_push(rows, r);
        return 0;
    }
    for (size_t g = 0; g < p->groups.n; g++) {
        orow r;
        vrv_ms t = all ? (p->has_stamp ? p->stamp : q->intervals[0].start) : p->groups.v[g].t;
        if ((rc = make_row(c, t, NULL, p->groups.v[g].states, &r))) return rc;
        vrv_vec_push(rows, r);
    }
    return 0;
}

static int render_timeseries(rctx *c, vrv_jw *w)
{
    const vrv_query *q = c->q;
    const vrv_query_partial *p = c->p;
    orow_vec rows = {0};
    int rc = build_timeseries(c, &rows);
    if (rc) goto out;
    orow **ord = vrv_malloc((rows.n ? rows.n : 1) * sizeof *ord);
    for (size_t i = 0; i < rows.n; i++) ord[i] = &rows.v[i];
    sort_rows(ord, rows.n, q->descending ? cmp_time_desc : cmp_time_asc, NULL);
    size_t n = rows.n;
    if (q->limit >= 0 && (size_t)q->limit < n) n = (size_t)q->limit;
    vrv_jw_begin_array(w);
    for (size_t i = 0; i < n; i++) {
        vrv_jw_begin_object(w);
        vrv_jw_key(w, "timestamp");
        put_time(w, q, ord[i]->t, q->gran.kind != VRV_GRAN_ALL);
        vrv_jw_key(w, "result");
        put_event(w, c, ord[i]);
        vrv_jw_end_object(w);
    }
    free(ord);
    if (q->ctx.grand_total) {
        char *tot = vrv_malloc(p->area ? p->area : 1);
        for (size_t i = 0; i < c->naggs; i++) vrv_agg_init(p->inner[i], tot + p->offs[i]);
        for (size_t g = 0; g < p->groups.n; g++)
            for (size_t i = 0; i < c->naggs; i++)
                vrv_agg_merge(p->inner[i], tot + p->offs[i], p->groups.v[g].states + p->offs[i]);
        orow r;
        rc = make_row(c, 0, NULL, tot, &r);
        if (rc == 0) {
            vrv_jw_begin_object(w);
            vrv_jw_kv_null(w, "timestamp");
            vrv_jw_key(w, "result");
            put_event(w, c, &r);
            vrv_jw_end_object(w);
        }
        for (size_t i = 0; i < c->naggs; i++) vrv_agg_destroy(p->inner[i], tot + p->offs[i]);
        free(tot);
    }
    vrv_jw_end_array(w);
out:
    vrv_vec_free(&rows);
    return rc;
}

/* ---- topN ------------------------------------------------------------------------------ */

typedef struct topn_cmp_ctx {
    rctx *c;
    long metric;      /* column of the numeric metric */
} topn_cmp_ctx;

static int cmp_topn(void *ctx, const orow *a, const orow *b)
{
    topn_cmp_ctx *tc = ctx;
    const vrv_query *q = tc->c->q;
    int r;
    if (q->metric.kind == VRV_TOPN_NUMERIC) {
        r = -cmp_num(&a->vals[tc->metric], &b->vals[tc->metric]);
        if (q->metric.inverted) r = -r;
        if (r) return r;
        return cmp_str(tc->c->ar, VRV_ORDER_LEXICOGRAPHIC, &a->vals[0], &b->vals[0]);
    }
    r = cmp_str(tc->c->ar, q->metric.ordering, &a->vals[0], &b->vals[0]);
    return q->metric.inverted ? -r : r;
}

static int build_topn(rctx *c, orow_vec *rows)
{
    const vrv_query *q = c->q;
    const vrv_query_partial *p = c->p;
    bool all = q->gran.kind == VRV_GRAN_ALL;
    int rc;
    orow_vec tmp = {0};
    for (size_t g = 0; g < p->groups.n; g++) {
        orow r;
        vrv_ms t = all ? (p->has_stamp ? p->stamp : q->intervals[0].start) : p->groups.v[g].t;
        if ((rc = make_row(c, t, p->groups.v[g].dims, p->groups.v[g].states, &r))) {
            vrv_vec_free(&tmp);
            return rc;
        }
        if (q->metric.kind == VRV_TOPN_DIMENSION && q->metric.previous_stop) {
            vrv_value ps = vrv_string(q->metric.previous_stop, strlen(q->metric.previous_stop));
            int k = cmp_str(c->ar, q->metric.ordering, &r.vals[0], &ps);
            if (q->metric.inverted ? k >= 0 : k <= 0) continue;
        }
        vrv_vec_push(&tmp, r);
    }
    orow **ord = vrv_malloc((tmp.n ? tmp.n : 1) * sizeof *ord);
    for (size_t i = 0; i < tmp.n; i++) ord[i] = &tmp.v[i];
    sort_rows(ord, tmp.n, cmp_time_asc, NULL);
    topn_cmp_ctx tc = {c, q->metric.metric ? col_index(c, q->metric.metric) : -1};
    size_t i = 0;
    while (i < tmp.n) {
        size_t j = i;
        while (j < tmp.n && ord[j]->t == ord[i]->t) j++;
        sort_rows(ord + i, j - i, cmp_topn, &tc);
        size_t keep = j - i;
        if ((int64_t)keep > q->threshold) keep = (size_t)q->threshold;
        for (size_t k = 0; k < keep; k++) vrv_vec_push(rows, *ord[i + k]);
        i = j;
    }
    free(ord);
    vrv_vec_free(&tmp);
    return 0;
}

static int render_topn(rctx *c, vrv_jw *w)
{
    const vrv_query *q = c->q;
    orow_vec rows = {0};
    int rc = build_topn(c, &rows);
    if (rc) {
        vrv_vec_free(&rows);
        return rc;
    }
    vrv_jw_begin_array(w);
    size_t i = 0;
    while (i < rows.n) {
        vrv_jw_begin_object(w);
        vrv_jw_key(w, "timestamp");
        put_time(w, q, rows.v[i].t, q->gran.kind != VRV_GRAN_ALL);
        vrv_jw_key(w, "result");
        vrv_jw_begin_array(w);
        vrv_ms t = rows.v[i].t;
        while (i < rows.n && rows.v[i].t == t) put_event(w, c, &rows.v[i++]);
        vrv_jw_end_array(w);
        vrv_jw_end_object(w);
    }
    vrv_jw_end_array(w);
    vrv_vec_free(&rows);
    return 0;
}

/* ---- groupBy ------------------------------------------------------------------------- */

static bool is_metric_col(const rctx *c, long i)
{
    return i >= (long)c->ndims;
}

static int cmp_default(void *ctx, const orow *a, const orow *b)
{
    rctx *c = ctx;
    bool dims_first = c->q->ctx.sort_by_dims_first;
    if (!dims_first && a->t != b->t) return a->t < b->t ? -1 : 1;
    for (size_t d = 0; d < c->ndims; d++) {
        int r = cmp_natural(c->ar, &a->vals[d], &b->vals[d]);
        if (r) return r;
    }
    if (dims_first && a->t != b->t) return a->t < b->t ? -1 : 1;
    return 0;
}

static int cmp_limit(void *ctx, const orow *a, const orow *b)
{
    rctx *c = ctx;
    const vrv_limit_spec *ls = &c->q->limit_spec;
    bool all = c->q->gran.kind == VRV_GRAN_ALL;
    if (!all && !c->q->ctx.sort_by_dims_first && a->t != b->t) return a->t < b->t ? -1 : 1;
    for (size_t k = 0; k < ls->ncols; k++) {
        const vrv_order_col *oc = &ls->cols[k];
        long i = col_index(c, oc->name);
        if (i < 0) continue;
        int r;
        if (is_metric_col(c, i)) {
            r = cmp_num(&a->vals[i], &b->vals[i]);
            if ((a->vals[i].type == VRV_V_STRING || b->vals[i].type == VRV_V_STRING))
                r = cmp_str(c->ar, VRV_ORDER_LEXICOGRAPHIC, &a->vals[i], &b->vals[i]);
        } else {
            vrv_ctype t = dim_of(c->q, (size_t)i)->output_type;
            bool numeric = vrv_ctype_is_numeric(t);
            bool natural = oc->order == VRV_ORDER_NATURAL ||
                           (oc->order == VRV_ORDER_LEXICOGRAPHIC && !numeric) ||
                           (oc->order == VRV_ORDER_NUMERIC && numeric);
            r = natural ? cmp_natural(c->ar, &a->vals[i], &b->vals[i])
                        : cmp_str(c->ar, oc->order, &a->vals[i], &b->vals[i]);
        }
        if (oc->descending) r = -r;
        if (r) return r;
    }
    if (!all && c->q->ctx.sort_by_dims_first && a->t != b->t) return a->t < b->t ? -1 : 1;
    return 0;
}

static bool having_eval(rctx *c, const vrv_having *h, const orow *r, vrv_filter_matcher *fm);

static bool value_eq_str(rctx *c, const vrv_value *v, const char *s)
{
    if (v->type == VRV_V_ARRAY) {
        if (v->len == 0) return !s || !*s;
        for (uint32_t i = 0; i < v->len; i++)
            if (value_eq_str(c, &v->u.a[i], s)) return true;
        return false;
    }
    bool isnull;
    vrv_str x = str_of(c->ar, v, &isnull);
    if (isnull || x.n == 0) return !s || !*s;
    return s && vrv_str_eq_c(x, s);
}

static bool having_eval(rctx *c, const vrv_having *h, const orow *r, vrv_filter_matcher *fm)
{
    switch (h->type) {
    case VRV_H_ALWAYS: return true;
    case VRV_H_AND:
        for (size_t i = 0; i < h->nsubs; i++)
            if (!having_eval(c, h->subs[i], r, fm)) return false;
        return true;
    case VRV_H_OR:
        for (size_t i = 0; i < h->nsubs; i++)
            if (having_eval(c, h->subs[i], r, fm)) return true;
        return false;
    case VRV_H_NOT: return !having_eval(c, h->subs[0], r, fm);
    case VRV_H_DIM_SELECTOR: {
        long i = col_index(c, h->name);
        vrv_value v = i < 0 ? vrv_null() : r->vals[i];
        return value_eq_str(c, &v, h->str);
    }
    case VRV_H_FILTER: {
        if (!fm) return false;
        vrv_value *slots = vrv_arena_alloc(c->ar, (c->ncols + 1) * sizeof *slots);
        memcpy(slots, r->vals, c->ncols * sizeof *slots);
        slots[c->ncols] = vrv_long(r->t);
        vrv_error e;
        return vrv_filter_match(fm, slots, c->ar, &e) == VRV_TRI_TRUE;
    }
    default: {
        long i = col_index(c, h->name);
        vrv_value v = i < 0 ? vrv_null() : r->vals[i];
        if (v.type == VRV_V_NULL || h->value.type == VRV_V_NULL)
            return h->type == VRV_H_EQUAL && v.type == VRV_V_NULL && h->value.type == VRV_V_NULL;
        vrv_value nv = v;
        if (v.type == VRV_V_STRING) {
            double d;
            int64_t l;
            if (vrv_str_to_i64(vrv_value_str(&v), &l)) nv = vrv_long(l);
            else if (vrv_str_to_double(vrv_value_str(&v), &d)) nv = vrv_double(d);
            else return false;
        }
        if (!vrv_is_number(&nv)) return false;
        int k = cmp_num(&nv, &h->value);
        return h->type == VRV_H_GREATER ? k > 0 : h->type == VRV_H_LESS ? k < 0 : k == 0;
    }
    }
}

static vrv_filter_matcher *having_matcher(rctx *c, const vrv_having *h)
{
    if (!h) return NULL;
    if (h->type == VRV_H_FILTER) {
        vrv_filter_matcher *m = NULL;
        vrv_error e;
        if (vrv_filter_bind(h->filter, col_resolve, c, &m, &e)) return NULL;
        return m;
    }
    for (size_t i = 0; i < h->nsubs; i++) {
        vrv_filter_matcher *m = having_matcher(c, h->subs[i]);
        if (m) return m;
    }
    return NULL;
}

/* Groups of one subtotal set: the base groups re-aggregated on the set's
 * dimensions (others null), grouping aggregators set for the set. */
static int subtotal_rows(rctx *c, const size_t *set, size_t nset, bool whole, orow_vec *rows)
{
    const vrv_query *q = c->q;
    const vrv_query_partial *p = c->p;
    vrv_query_partial *sub = vrv_query_partial_new(q);
    vrv_value *dims = vrv_calloc(c->ndims + 1, sizeof *dims);
    const char **present = vrv_calloc(c->ndims + 1, sizeof *present);
    for (size_t k = 0; k < nset; k++) present[k] = q->dims[set[k]].output_name;
    int rc = 0;
    for (size_t g = 0; g < p->groups.n; g++) {
        const qgroup *gr = &p->groups.v[g];
        for (size_t d = 0; d < c->ndims; d++) dims[d] = vrv_null();
        for (size_t k = 0; k < nset; k++) dims[set[k]] = gr->dims[set[k]];
        bool created;
        size_t sg = qpartial_group(sub, gr->t, dims, &created);
        char *dst = sub->groups.v[sg].states;
        for (size_t i = 0; i < c->naggs; i++) {
            const vrv_agg_spec *in = p->inner[i];
            if (in->type == VRV_AGG_GROUPING) {
                if (created) {
                    vrv_agg_init(in, dst + p->offs[i]);
                    vrv_value m = vrv_long(whole ? 0 : vrv_agg_grouping_value(in, present, nset));
                    vrv_agg_add(in, dst + p->offs[i], &m, 0);
                }
                continue;
            }
            if (created) {
                vrv_agg_init(in, dst + p->offs[i]);
                if (whole) {
                    /* the base grouping itself: keep the state as it is */
                    vrv_buf b = VRV_BUF_INIT;
                    vrv_agg_serialize(in, gr->states + p->offs[i], &b);
                    vrv_agg_destroy(in, dst + p->offs[i]);
                    vrv_agg_deserialize(in, dst + p->offs[i], b.data, b.len, NULL);
                    vrv_buf_free(&b);
                    continue;
                }
            }
            vrv_agg_merge(in, dst + p->offs[i], gr->states + p->offs[i]);
        }
    }
    for (size_t g = 0; g < sub->groups.n && rc == 0; g++) {
        orow r;
        rc = make_row(c, sub->groups.v[g].t, sub->groups.v[g].dims, sub->groups.v[g].states, &r);
        if (rc == 0) {
            /* copy dims out of sub's arena */
            for (size_t d = 0; d < c->ndims; d++) r.vals[d] = qvalue_copy(c->ar, &r.vals[d]);
            vrv_vec_push(rows, r);
        }
    }
    free(dims);
    free(present);
    vrv_query_partial_free(sub);
    return rc;
}

static int build_groupby(rctx *c, orow_vec *out)
{
    const vrv_query *q = c->q;
    const vrv_query_partial *p = c->p;
    bool all = q->gran.kind == VRV_GRAN_ALL;
    vrv_ms t_all = q->intervals[0].start;
    size_t nsets = q->has_subtotals ? q->nsubtotals : 1;
    vrv_filter_matcher *fm = having_matcher(c, q->having);
    int rc = 0;
    for (size_t s = 0; s < nsets && rc == 0; s++) {
        orow_vec rows = {0};
        if (!q->has_subtotals) {
            bool grouping = false;
            for (size_t i = 0; i < c->naggs; i++) grouping |= p->inner[i]->type == VRV_AGG_GROUPING;
            if (grouping) {
                size_t *set = vrv_calloc(c->ndims + 1, sizeof *set);
                for (size_t d = 0; d < c->ndims; d++) set[d] = d;
                rc = subtotal_rows(c, set, c->ndims, true, &rows);
                free(set);
            } else {
                for (size_t g = 0; g < p->groups.n && rc == 0; g++) {
                    orow r;
                    rc = make_row(c, p->groups.v[g].t, p->groups.v[g].dims, p->groups.v[g].states, &r);
                    if (rc == 0) vrv_vec_push(&rows, r);
                }
            }
        } else {
            rc = subtotal_rows(c, q->subtotals[s], q->nsubtotal[s], false, &rows);
        }
        /* summary row: no dimensions, `all`, no offset, nothing matched */
        if (rc == 0 && rows.n == 0 && c->ndims == 0 && all && q->limit_spec.offset == 0 &&
            !q->has_subtotals) {
            char *empty = vrv_malloc(p->area ? p->area : 1);
            for (size_t i = 0; i < c->naggs; i++) vrv_agg_init(p->inner[i], empty + p->offs[i]);
            orow r;
            rc = make_row(c, 0, NULL, empty, &r);
            for (size_t i = 0; i < c->naggs; i++) vrv_agg_destroy(p->inner[i], empty + p->offs[i]);
            free(empty);
            if (rc == 0) vrv_vec_push(&rows, r);
        }
        for (size_t i = 0; i < rows.n; i++)
            if (all) rows.v[i].t = t_all;
        orow **ord = vrv_malloc((rows.n ? rows.n : 1) * sizeof *ord);
        size_t n = 0;
        for (size_t i = 0; i < rows.n; i++)
            if (!q->having || having_eval(c, q->having, &rows.v[i], fm)) ord[n++] = &rows.v[i];
        sort_rows(ord, n, cmp_default, c);
        if (q->limit_spec.present && q->limit_spec.ncols) sort_rows(ord, n, cmp_limit, c);
        size_t from = (size_t)q->limit_spec.offset < n ? (size_t)q->limit_spec.offset : n;
        size_t to = n;
        if (q->limit_spec.limit >= 0 && from + (size_t)q->limit_spec.limit < to)
            to = from + (size_t)q->limit_spec.limit;
        for (size_t i = from; i < to; i++) vrv_vec_push(out, *ord[i]);
        free(ord);
        vrv_vec_free(&rows);
    }
    vrv_filter_matcher_free(fm);
    return rc;
}

static int render_groupby(rctx *c, vrv_jw *w)
{
    const vrv_query *q = c->q;
    orow_vec rows = {0};
    int rc = build_groupby(c, &rows);
    if (rc) {
        vrv_vec_free(&rows);
        return rc;
    }
    bool all = q->gran.kind == VRV_GRAN_ALL;
    vrv_jw_begin_array(w);
    for (size_t i = 0; i < rows.n; i++) {
        orow *r = &rows.v[i];
        if (q->ctx.result_as_array) {
            vrv_jw_begin_array(w);
            if (!all) vrv_jw_long(w, r->t);
            for (size_t k = 0; k < c->ncols; k++) put_value(w, &r->vals[k], c->ar);
            vrv_jw_end_array(w);
            continue;
        }
        vrv_jw_begin_object(w);
        vrv_jw_kv_string(w, "version", "v1");
        vrv_jw_key(w, "timestamp");
        put_time(w, q, r->t, !all);
        vrv_jw_key(w, "event");
        put_event(w, c, r);
        vrv_jw_end_object(w);
    }
    vrv_jw_end_array(w);
    vrv_vec_free(&rows);
    return 0;
}

/* ---- scan ---------------------------------------------------------------------------------- */

typedef struct srow {
    const qbatch *b;
    size_t r;
} srow;

static int cmp_srow(const void *x, const void *y, void *ctx)
{
    const srow *a = x, *b = y;
    bool desc = *(const bool *)ctx;
    vrv_ms ta = a->b->times[a->r], tb = b->b->times[b->r];
    if (ta != tb) return desc ? (ta < tb ? 1 : -1) : (ta < tb ? -1 : 1);
    /* stable: keep the merged order */
    if (a->b != b->b) return a->b < b->b ? -1 : 1;
    return a->r < b->r ? -1 : a->r > b->r;
}

static void scan_batch_open(vrv_jw *w, const qbatch *b)
{
    vrv_jw_begin_object(w);
    vrv_jw_key(w, "segmentId");
    if (b->segid) vrv_jw_string(w, b->segid);
    else vrv_jw_null(w);
    vrv_jw_key(w, "columns");
    vrv_jw_begin_array(w);
    for (size_t c = 0; c < b->ncols; c++) vrv_jw_string(w, b->cols[c]);
    vrv_jw_end_array(w);
    vrv_jw_key(w, "events");
    vrv_jw_begin_array(w);
}

static void scan_batch_close(vrv_jw *w, const qbatch *b)
{
    vrv_jw_end_array(w);
    vrv_jw_key(w, "rowSignature");
    vrv_jw_begin_array(w);
    for (size_t c = 0; c < b->ncols; c++) {
        vrv_jw_begin_object(w);
        vrv_jw_kv_string(w, "name", b->cols[c]);
        if (b->types[c]) vrv_jw_kv_string(w, "type", b->types[c]);
        vrv_jw_end_object(w);
    }
    vrv_jw_end_array(w);
    vrv_jw_end_object(w);
}

static void scan_event(vrv_jw *w, const vrv_query *q, const qbatch *b, size_t r, vrv_arena *ar)
{
    const vrv_value *row = &b->rows[r * b->ncols];
    if (q->compacted) vrv_jw_begin_array(w);
    else vrv_jw_begin_object(w);
    for (size_t c = 0; c < b->ncols; c++) {
        if (!q->compacted) vrv_jw_key(w, b->cols[c]);
        put_value(w, &row[c], ar);
    }
    if (q->compacted) vrv_jw_end_array(w);
    else vrv_jw_end_object(w);
}

static int render_scan(const vrv_query *q, const vrv_query_partial *p, vrv_jw *w, vrv_arena *ar)
{
    size_t total = 0;
    for (size_t b = 0; b < p->batches.n; b++) total += p->batches.v[b].nrows;
    size_t from = (size_t)q->offset < total ? (size_t)q->offset : total;
    size_t to = total;
    if (q->limit >= 0 && from + (size_t)q->limit < to) to = from + (size_t)q->limit;
    vrv_jw_begin_array(w);
    if (q->order == VRV_SCAN_NONE) {
        size_t pos = 0;
        for (size_t b = 0; b < p->batches.n && pos < to; b++) {
            const qbatch *qb = &p->batches.v[b];
            size_t s = from > pos ? from - pos : 0, e = qb->nrows;
            if (pos + e > to) e = to - pos;
            if (s < e) {
                scan_batch_open(w, qb);
                for (size_t r = s; r < e; r++) scan_event(w, q, qb, r, ar);
                scan_batch_close(w, qb);
            }
            pos += qb->nrows;
        }
        vrv_jw_end_array(w);
        return 0;
    }
    srow *all = vrv_malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (size_t b = 0; b < p->batches.n; b++)
        for (size_t r = 0; r < p->batches.v[b].nrows; r++) all[k++] = (srow){&p->batches.v[b], r};
    bool desc = q->order == VRV_SCAN_DESC;
    qsort_r(all, total, sizeof *all, cmp_srow, &desc);
    if (q->limit >= 0) {
        /* re-batched rows of up to batchSize, segmentId null */
        size_t i = from;
        while (i < to) {
            qbatch hdr = *all[i].b;
            hdr.segid = NULL;
            scan_batch_open(w, &hdr);
            size_t e = i + (size_t)q->batch_size < to ? i + (size_t)q->batch_size : to;
            for (; i < e; i++) scan_event(w, q, all[i].b, all[i].r, ar);
            scan_batch_close(w, &hdr);
        }
    } else {
        for (size_t i = from; i < to; i++) {
            scan_batch_open(w, all[i].b);
            scan_event(w, q, all[i].b, all[i].r, ar);
            scan_batch_close(w, all[i].b);
        }
    }
    free(all);
    vrv_jw_end_array(w);
    return 0;
}

/* ---- search --------------------------------------------------------------------------------- */

static int cmp_hit(const void *x, const void *y, void *ctx)
{
    const qsearch_hit *a = *(const qsearch_hit *const *)x, *b = *(const qsearch_hit *const *)y;
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    if (!a->dim || !b->dim) return !b->dim - !a->dim; /* a bucket's marker first */
    return qsearch_hit_cmp(ctx, a, b);
}

static int render_search(const vrv_query *q, const vrv_query_partial *p, vrv_jw *w)
{
    size_t n = p->hits.n;
    const qsearch_hit **v = vrv_malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = &p->hits.v[i];
    qsort_r(v, n, sizeof *v, cmp_hit, (void *)q);
    bool all = q->gran.kind == VRV_GRAN_ALL;
    vrv_jw_begin_array(w);
    size_t i = 0;
    while (i < n) {
        vrv_ms t = v[i]->t;
        vrv_jw_begin_object(w);
        vrv_jw_key(w, "timestamp");
        put_time(w, q, all ? (p->has_stamp ? p->stamp : q->intervals[0].start) : t, !all);
        vrv_jw_key(w, "result");
        vrv_jw_begin_array(w);
        int64_t k = 0;
        while (i < n && v[i]->t == t) {
            if (v[i]->dim && k++ < q->limit) {
                vrv_jw_begin_object(w);
                vrv_jw_kv_string(w, "dimension", v[i]->dim);
                vrv_jw_key(w, "value");
                vrv_jw_stringn(w, v[i]->value, v[i]->vlen);
                vrv_jw_kv_long(w, "count", v[i]->count);
                vrv_jw_end_object(w);
            }
            i++;
        }
        vrv_jw_end_array(w);
        vrv_jw_end_object(w);
    }
    vrv_jw_end_array(w);
    free(v);
    return 0;
}

/* ---- entry points ----------------------------------------------------------------------------- */

static int render_plain(const vrv_query *q, const vrv_query_partial *p, unsigned flags, vrv_buf *out,
                        vrv_error *err)
{
    vrv_jw w;
    vrv_jw_init(&w, out, flags);
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    int rc = 0;
    rctx c;
    switch (q->type) {
    case VRV_Q_TIMESERIES:
    case VRV_Q_TOPN:
    case VRV_Q_GROUPBY:
        rc = rctx_init(&c, q, p, &ar, err);
        if (rc == 0) {
            if (q->type == VRV_Q_TIMESERIES) rc = render_timeseries(&c, &w);
            else if (q->type == VRV_Q_TOPN) rc = render_topn(&c, &w);
            else rc = render_groupby(&c, &w);
        }
        rctx_free(&c);
        break;
    case VRV_Q_SCAN: rc = render_scan(q, p, &w, &ar); break;
    case VRV_Q_SEARCH: rc = render_search(q, p, &w); break;
    case VRV_Q_TIME_BOUNDARY:
        vrv_jw_begin_array(&w);
        if (p->has_time) {
            vrv_jw_begin_object(&w);
            vrv_jw_key(&w, "timestamp");
            put_time(&w, q, q->bound == 2 ? p->max_time : p->min_time, false);
            vrv_jw_key(&w, "result");
            vrv_jw_begin_object(&w);
            if (q->bound != 2) {
                vrv_jw_key(&w, "minTime");
                put_time(&w, q, p->min_time, false);
            }
            if (q->bound != 1) {
                vrv_jw_key(&w, "maxTime");
                put_time(&w, q, p->max_time, false);
            }
            vrv_jw_end_object(&w);
            vrv_jw_end_object(&w);
        }
        vrv_jw_end_array(&w);
        break;
    case VRV_Q_DATASOURCE_METADATA:
        vrv_jw_begin_array(&w);
        if (p->has_time) {
            vrv_jw_begin_object(&w);
            vrv_jw_key(&w, "timestamp");
            put_time(&w, q, p->max_time, false);
            vrv_jw_key(&w, "result");
            vrv_jw_begin_object(&w);
            vrv_jw_key(&w, "maxIngestedEventTime");
            put_time(&w, q, p->max_time, false);
            vrv_jw_end_object(&w);
            vrv_jw_end_object(&w);
        }
        vrv_jw_end_array(&w);
        break;
    case VRV_Q_SEGMENT_METADATA:
        vrv_jw_begin_array(&w);
        if (q->merge && p->analyses.n > 1) {
            json_t *m = qmerge_analyses(q, p->analyses.v, p->analyses.n);
            vrv_jw_json(&w, m);
            json_decref(m);
        } else {
            for (size_t i = 0; i < p->analyses.n; i++) vrv_jw_json(&w, p->analyses.v[i]);
        }
        vrv_jw_end_array(&w);
        break;
    }
    vrv_arena_destroy(&ar);
    return rc;
}

int qrender_rows(const vrv_query *q, const vrv_query_partial *p, qrows *out, vrv_error *err)
{
    memset(out, 0, sizeof *out);
    vrv_arena_init(&out->arena, 0);
    rctx c;
    int rc = rctx_init(&c, q, p, &out->arena, err);
    orow_vec rows = {0};
    if (rc == 0) {
        if (q->type == VRV_Q_TIMESERIES) rc = build_timeseries(&c, &rows);
        else if (q->type == VRV_Q_TOPN) rc = build_topn(&c, &rows);
        else rc = build_groupby(&c, &rows);
    }
    if (rc == 0) {
        out->ncols = c.ncols;
        out->names = vrv_arena_alloc(&out->arena, (c.ncols + 1) * sizeof *out->names);
        out->types = vrv_arena_alloc(&out->arena, (c.ncols + 1) * sizeof *out->types);
        for (size_t i = 0; i < c.ncols; i++) {
            out->names[i] = vrv_arena_strdup(&out->arena, c.names[i] ? c.names[i] : "");
            /* the type of the first non-null value decides */
            vrv_ctype t = i < c.ndims ? dim_of(q, i)->output_type : VRV_C_STRING;
            if (i >= c.ndims) {
                t = VRV_C_COMPLEX;
                for (size_t r = 0; r < rows.n; r++) {
                    uint8_t vt = rows.v[r].vals[i].type;
                    if (vt == VRV_V_NULL) continue;
                    t = vt == VRV_V_LONG     ? VRV_C_LONG
                        : vt == VRV_V_DOUBLE ? VRV_C_DOUBLE
                        : vt == VRV_V_FLOAT  ? VRV_C_FLOAT
                        : vt == VRV_V_STRING || vt == VRV_V_ARRAY ? VRV_C_STRING
                                                                  : VRV_C_COMPLEX;
                    break;
                }
                if (t == VRV_C_COMPLEX) {
                    const vrv_agg_spec *s = i < c.ndims + c.naggs ? p->inner[i - c.ndims] : NULL;
                    vrv_agg_coltype ft = s ? vrv_agg_finalized_type(s) : (vrv_agg_coltype){VRV_C_DOUBLE, NULL};
                    t = ft.type == VRV_C_COMPLEX ? VRV_C_COMPLEX : ft.type;
                }
            }
            out->types[i] = t;
        }
        for (size_t r = 0; r < rows.n; r++) {
            vrv_vec_push(&out->times, rows.v[r].t);
            for (size_t i = 0; i < c.ncols; i++) vrv_vec_push(&out->vals, rows.v[r].vals[i]);
        }
    }
    rctx_free(&c);
    vrv_vec_free(&rows);
    return rc;
}

void qrows_free(qrows *r)
{
    vrv_vec_free(&r->vals);
    vrv_vec_free(&r->times);
    vrv_arena_destroy(&r->arena);
}

/* bySegment (BySegmentQueryRunner): one row per segment, stamped with the
 * segment's start, holding that segment's own finalized results, its id and
 * the part of it the query read. Rows go by start, then segment id. */
static int cmp_segpart(const void *x, const void *y)
{
    const qsegpart *a = *(const qsegpart *const *)x, *b = *(const qsegpart *const *)y;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return strcmp(a->segid, b->segid);
}

int vrv_query_render(const vrv_query *q, const vrv_query_partial *p, unsigned flags, vrv_buf *out,
                     vrv_error *err)
{
    bool by_segment = q->ctx.by_segment && q->type != VRV_Q_SEGMENT_METADATA &&
                      q->type != VRV_Q_DATASOURCE_METADATA;
    if (!by_segment) return render_plain(q, p, flags, out, err);
    const qsegpart **ord = vrv_malloc((p->segs.n ? p->segs.n : 1) * sizeof *ord);
    for (size_t i = 0; i < p->segs.n; i++) ord[i] = &p->segs.v[i];
    qsort(ord, p->segs.n, sizeof *ord, cmp_segpart);
    vrv_jw w;
    vrv_jw_init(&w, out, flags);
    vrv_buf sub = VRV_BUF_INIT;
    int rc = 0;
    vrv_jw_begin_array(&w);
    for (size_t i = 0; i < p->segs.n && rc == 0; i++) {
        vrv_buf_reset(&sub);
        if ((rc = render_plain(q, ord[i]->p, 0, &sub, err))) break;
        vrv_jw_begin_object(&w);
        vrv_jw_key(&w, "timestamp");
        put_time(&w, q, ord[i]->start, false);
        vrv_jw_key(&w, "result");
        vrv_jw_begin_object(&w);
        vrv_jw_key(&w, "results");
        vrv_jw_raw(&w, sub.data ? sub.data : "[]", sub.data ? sub.len : 2);
        vrv_jw_kv_string(&w, "segment", ord[i]->segid);
        char iv[VRV_INTERVAL_STR_MAX];
        vrv_interval_format(ord[i]->interval, iv);
        vrv_jw_kv_string(&w, "interval", iv);
        vrv_jw_end_object(&w);
        vrv_jw_end_object(&w);
    }
    vrv_jw_end_array(&w);
    vrv_buf_free(&sub);
    free(ord);
    return rc;
}
