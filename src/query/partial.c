/*
 * partial.c — partial results: their groups, the merge of partials from
 * several segments or servers, their JSON form for the hop from a data server
 * to the broker, and vrv_query_run, which drives the per-adapter engines.
 *
 * A grouped partial (timeseries, topN, groupBy) is a set of groups keyed by
 * (bucket time, dimension values) holding aggregator states; merging folds
 * states of equal keys with vrv_agg_merge (Druid's combine) and moves the
 * others over untouched, so a value that was never combined keeps its type.
 * On the wire a state is the base64 of vrv_agg_serialize, so nothing is
 * finalized or rounded between servers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "json/jutil.h"
#include "json/jwriter.h"
#include "query/query_int.h"

static bool grouped(const vrv_query *q)
{
    return q->type == VRV_Q_TIMESERIES || q->type == VRV_Q_TOPN || q->type == VRV_Q_GROUPBY;
}

vrv_value qvalue_copy(vrv_arena *a, const vrv_value *v)
{
    vrv_value c = *v;
    switch (v->type) {
    case VRV_V_STRING:
    case VRV_V_JSON: c.u.s = vrv_arena_memdup(a, v->u.s ? v->u.s : "", v->len ? v->len : 1); break;
    case VRV_V_ARRAY: {
        vrv_value *arr = vrv_arena_alloc(a, (v->len ? v->len : 1) * sizeof *arr);
        for (uint32_t i = 0; i < v->len; i++) arr[i] = qvalue_copy(a, &v->u.a[i]);
        c.u.a = arr;
        break;
    }
    case VRV_V_COMPLEX: {
        vrv_value b = vrv_agg_complex_to_bytes(v, a);
        b.u.ptr = vrv_arena_memdup(a, b.u.ptr ? b.u.ptr : "", b.len ? b.len : 1);
        c = b;
        break;
    }
    default: break;
    }
    return c;
}

static void key_value(vrv_buf *key, const vrv_value *v)
{
    vrv_buf_putc(key, (char)v->type);
    switch (v->type) {
    case VRV_V_NULL: break;
    case VRV_V_LONG: vrv_buf_append(key, &v->u.l, 8); break;
    case VRV_V_DOUBLE: vrv_buf_append(key, &v->u.d, 8); break;
    case VRV_V_FLOAT: vrv_buf_append(key, &v->u.f, 4); break;
    case VRV_V_ARRAY:
        vrv_buf_append(key, &v->len, 4);
        for (uint32_t i = 0; i < v->len; i++) key_value(key, &v->u.a[i]);
        break;
    default:
        vrv_buf_append(key, &v->len, 4);
        vrv_buf_append(key, v->u.s, v->len);
        break;
    }
}

void qpartial_key(const vrv_query_partial *p, vrv_ms t, const vrv_value *dims, vrv_buf *key)
{
    vrv_buf_reset(key);
    vrv_buf_append(key, &t, 8);
    for (size_t d = 0; d < p->ndims; d++) key_value(key, &dims[d]);
}

size_t qpartial_group(vrv_query_partial *p, vrv_ms t, const vrv_value *dims, bool *created)
{
    vrv_buf key = VRV_BUF_INIT;
    qpartial_key(p, t, dims, &key);
    bool ins;
    uint64_t *slot = vrv_map_put(&p->index, key.data, key.len, &ins);
    vrv_buf_free(&key);
    *created = ins;
    if (!ins) return (size_t)(*slot - 1);
    qgroup g = {0};
    g.t = t;
    g.dims = vrv_arena_alloc(&p->arena, (p->ndims ? p->ndims : 1) * sizeof *g.dims);
    for (size_t d = 0; d < p->ndims; d++) g.dims[d] = qvalue_copy(&p->arena, &dims[d]);
    g.states = vrv_malloc(p->area ? p->area : 1);
    vrv_vec_push(&p->groups, g);
    *slot = p->groups.n;
    return p->groups.n - 1;
}

vrv_query_partial *vrv_query_partial_new(const vrv_query *q)
{
    vrv_query_partial *p = vrv_calloc(1, sizeof *p);
    p->q = q;
    vrv_arena_init(&p->arena, 0);
    vrv_map_init(&p->index, true);
    vrv_map_init(&p->hit_index, true);
    p->min_time = INT64_MAX;
    p->max_time = INT64_MIN;
    if (grouped(q)) {
        p->ndims = q->type == VRV_Q_TOPN ? 1 : q->type == VRV_Q_GROUPBY ? q->ndims : 0;
        size_t n = q->aggs.n;
        p->inner = vrv_calloc(n ? n : 1, sizeof *p->inner);
        p->offs = vrv_calloc(n ? n : 1, sizeof *p->offs);
        for (size_t i = 0; i < n; i++) p->inner[i] = vrv_agg_unwrap(q->aggs.v[i]);
        p->area = vrv_agg_layout(p->inner, n, p->offs);
    }
    return p;
}

void vrv_query_partial_free(vrv_query_partial *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->segs.n; i++) vrv_query_partial_free(p->segs.v[i].p);
    vrv_vec_free(&p->segs);
    for (size_t g = 0; g < p->groups.n; g++) {
        for (size_t i = 0; i < p->q->aggs.n; i++)
            vrv_agg_destroy(p->inner[i], p->groups.v[g].states + p->offs[i]);
        free(p->groups.v[g].states);
    }
    vrv_vec_free(&p->groups);
    vrv_vec_free(&p->batches);
    for (size_t i = 0; i < p->analyses.n; i++) json_decref(p->analyses.v[i]);
    vrv_vec_free(&p->analyses);
    vrv_vec_free(&p->hits);
    vrv_map_destroy(&p->index);
    vrv_map_destroy(&p->hit_index);
    free(p->inner);
    free(p->offs);
    vrv_arena_destroy(&p->arena);
    free(p);
}

static void merge_time(vrv_query_partial *dst, const vrv_query_partial *src)
{
    if (!src->has_time) return;
    if (!dst->has_time || src->min_time < dst->min_time) dst->min_time = src->min_time;
    if (!dst->has_time || src->max_time > dst->max_time) dst->max_time = src->max_time;
    dst->has_time = true;
}

static vrv_value copy_deep(vrv_arena *a, const vrv_value *v)
{
    return qvalue_copy(a, v);
}

void qpartial_add_hit(vrv_query_partial *p, vrv_ms t, const char *dim, const char *val, size_t vlen,
                      int64_t count)
{
    vrv_buf key = VRV_BUF_INIT;
    vrv_buf_append(&key, &t, 8);
    if (dim) {
        vrv_buf_append(&key, dim, strlen(dim) + 1);
        vrv_buf_append(&key, val, vlen);
    } else {
        vrv_buf_putc(&key, '\xff'); /* no dimension name holds this byte alone */
    }
    bool ins;
    uint64_t *slot = vrv_map_put(&p->hit_index, key.data, key.len, &ins);
    vrv_buf_free(&key);
    if (!ins) {
        p->hits.v[*slot - 1].count += count;
        return;
    }
    qsearch_hit h = {t, dim ? vrv_arena_strdup(&p->arena, dim) : NULL,
                     dim ? vrv_arena_strndup(&p->arena, val, vlen) : NULL, vlen, count};
    vrv_vec_push(&p->hits, h);
    *slot = p->hits.n;
}

int vrv_query_merge(vrv_query_partial *dst, vrv_query_partial *src, vrv_error *err)
{
    (void)err;
    const vrv_query *q = dst->q;
    for (size_t i = 0; i < src->segs.n; i++) {
        qsegpart sp = src->segs.v[i];
        sp.segid = vrv_arena_strdup(&dst->arena, sp.segid);
        vrv_vec_push(&dst->segs, sp);
    }
    src->segs.n = 0;
    if (src->has_stamp) {
        bool later = q->descending;
        if (!dst->has_stamp || (later ? src->stamp > dst->stamp : src->stamp < dst->stamp))
            dst->stamp = src->stamp;
        dst->has_stamp = true;
    }
    if (grouped(q)) {
        for (size_t g = 0; g < src->groups.n; g++) {
            qgroup *sg = &src->groups.v[g];
            bool created;
            size_t dg = qpartial_group(dst, sg->t, sg->dims, &created);
            char *d = dst->groups.v[dg].states;
            if (created) {
                memcpy(d, sg->states, dst->area);
            } else {
                for (size_t i = 0; i < q->aggs.n; i++) {
                    vrv_agg_merge(dst->inner[i], d + dst->offs[i], sg->states + dst->offs[i]);
                    vrv_agg_destroy(dst->inner[i], sg->states + dst->offs[i]);
                }
            }
            free(sg->states);
        }
        src->groups.n = 0;
    }
    for (size_t b = 0; b < src->batches.n; b++) {
        qbatch nb = src->batches.v[b];
        nb.segid = nb.segid ? vrv_arena_strdup(&dst->arena, nb.segid) : NULL;
        nb.cols = vrv_arena_alloc(&dst->arena, (nb.ncols ? nb.ncols : 1) * sizeof *nb.cols);
        nb.types = vrv_arena_alloc(&dst->arena, (nb.ncols ? nb.ncols : 1) * sizeof *nb.types);
        for (size_t c = 0; c < nb.ncols; c++) {
            nb.cols[c] = vrv_arena_strdup(&dst->arena, src->batches.v[b].cols[c]);
            nb.types[c] = src->batches.v[b].types[c]
                              ? vrv_arena_strdup(&dst->arena, src->batches.v[b].types[c])
                              : NULL;
        }
        size_t nv = nb.nrows * nb.ncols;
        nb.rows = vrv_arena_alloc(&dst->arena, (nv ? nv : 1) * sizeof *nb.rows);
        for (size_t k = 0; k < nv; k++) nb.rows[k] = copy_deep(&dst->arena, &src->batches.v[b].rows[k]);
        nb.times = vrv_arena_memdup(&dst->arena, src->batches.v[b].times,
                                    (nb.nrows ? nb.nrows : 1) * sizeof *nb.times);
        vrv_vec_push(&dst->batches, nb);
    }
    merge_time(dst, src);
    for (size_t i = 0; i < src->analyses.n; i++) vrv_vec_push(&dst->analyses, src->analyses.v[i]);
    src->analyses.n = 0;
    for (size_t i = 0; i < src->hits.n; i++) {
        qsearch_hit *h = &src->hits.v[i];
        qpartial_add_hit(dst, h->t, h->dim, h->value, h->vlen, h->count);
    }
    vrv_query_partial_free(src);
    return 0;
}

/* ---- JSON ------------------------------------------------------------------- */

static void write_value(vrv_jw *w, const vrv_value *v, vrv_arena *ar)
{
    if (v->type == VRV_V_COMPLEX) {
        vrv_value r = vrv_agg_complex_render(v, ar);
        if (r.type == VRV_V_COMPLEX) vrv_jw_null(w);
        else vrv_jw_value(w, &r);
        return;
    }
    if (v->type == VRV_V_DOUBLE && (v->u.d != v->u.d || v->u.d - v->u.d != 0)) {
        /* NaN and infinities travel as strings that read back as doubles */
        vrv_jw_begin_object(w);
        vrv_jw_kv_double(w, "d", v->u.d);
        vrv_jw_end_object(w);
        return;
    }
    vrv_jw_value(w, v);
}

static void write_partial(vrv_jw *wp, const vrv_query_partial *p)
{
    const vrv_query *q = p->q;
    vrv_jw w = *wp;
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    vrv_buf tmp = VRV_BUF_INIT;
    vrv_jw_begin_object(&w);
    vrv_jw_kv_string(&w, "queryType", vrv_query_type_name(q->type));
    if (p->segs.n) {
        vrv_jw_key(&w, "bySegment");
        vrv_jw_begin_array(&w);
        for (size_t i = 0; i < p->segs.n; i++) {
            const qsegpart *sp = &p->segs.v[i];
            vrv_jw_begin_object(&w);
            vrv_jw_kv_string(&w, "segment", sp->segid);
            vrv_jw_kv_long(&w, "start", sp->start);
            vrv_jw_kv_long(&w, "intervalStart", sp->interval.start);
            vrv_jw_kv_long(&w, "intervalEnd", sp->interval.end);
            vrv_jw_key(&w, "partial");
            write_partial(&w, sp->p);
            vrv_jw_end_object(&w);
        }
        vrv_jw_end_array(&w);
    }
    if (p->has_stamp) vrv_jw_kv_long(&w, "stamp", p->stamp);
    if (grouped(q)) {
        vrv_jw_key(&w, "groups");
        vrv_jw_begin_array(&w);
        for (size_t g = 0; g < p->groups.n; g++) {
            const qgroup *gr = &p->groups.v[g];
            vrv_jw_begin_array(&w);
            vrv_jw_long(&w, gr->t);
            vrv_jw_begin_array(&w);
            for (size_t d = 0; d < p->ndims; d++) write_value(&w, &gr->dims[d], &ar);
            vrv_jw_end_array(&w);
            vrv_jw_begin_array(&w);
            for (size_t i = 0; i < q->aggs.n; i++) {
                vrv_buf_reset(&tmp);
                vrv_agg_serialize(p->inner[i], gr->states + p->offs[i], &tmp);
                size_t bl;
                char *b64 = vrv_agg_base64(&ar, tmp.data ? tmp.data : "", tmp.len, &bl);
                vrv_jw_stringn(&w, b64, bl);
            }
            vrv_jw_end_array(&w);
            vrv_jw_end_array(&w);
        }
        vrv_jw_end_array(&w);
    }
    if (p->batches.n) {
        vrv_jw_key(&w, "batches");
        vrv_jw_begin_array(&w);
        for (size_t b = 0; b < p->batches.n; b++) {
            const qbatch *qb = &p->batches.v[b];
            vrv_jw_begin_object(&w);
            vrv_jw_key(&w, "segmentId");
            if (qb->segid) vrv_jw_string(&w, qb->segid);
            else vrv_jw_null(&w);
            vrv_jw_key(&w, "columns");
            vrv_jw_begin_array(&w);
            for (size_t c = 0; c < qb->ncols; c++) vrv_jw_string(&w, qb->cols[c]);
            vrv_jw_end_array(&w);
            vrv_jw_key(&w, "types");
            vrv_jw_begin_array(&w);
            for (size_t c = 0; c < qb->ncols; c++) {
                if (qb->types[c]) vrv_jw_string(&w, qb->types[c]);
                else vrv_jw_null(&w);
            }
            vrv_jw_end_array(&w);
            vrv_jw_key(&w, "times");
            vrv_jw_begin_array(&w);
            for (size_t r = 0; r < qb->nrows; r++) vrv_jw_long(&w, qb->times[r]);
            vrv_jw_end_array(&w);
            vrv_jw_key(&w, "rows");
            vrv_jw_begin_array(&w);
            for (size_t r = 0; r < qb->nrows; r++) {
                vrv_jw_begin_array(&w);
                for (size_t c = 0; c < qb->ncols; c++) write_value(&w, &qb->rows[r * qb->ncols + c], &ar);
                vrv_jw_end_array(&w);
            }
            vrv_jw_end_array(&w);
            vrv_jw_end_object(&w);
        }
        vrv_jw_end_array(&w);
    }
    if (p->has_time) {
        vrv_jw_kv_long(&w, "minTime", p->min_time);
        vrv_jw_kv_long(&w, "maxTime", p->max_time);
    }
    if (p->analyses.n) {
        vrv_jw_key(&w, "analyses");
        vrv_jw_begin_array(&w);
        for (size_t i = 0; i < p->analyses.n; i++) vrv_jw_json(&w, p->analyses.v[i]);
        vrv_jw_end_array(&w);
    }
    if (p->hits.n) {
        vrv_jw_key(&w, "hits");
        vrv_jw_begin_array(&w);
        for (size_t i = 0; i < p->hits.n; i++) {
            const qsearch_hit *h = &p->hits.v[i];
            vrv_jw_begin_array(&w);
            vrv_jw_long(&w, h->t);
            if (h->dim) {
                vrv_jw_string(&w, h->dim);
                vrv_jw_stringn(&w, h->value, h->vlen);
            } else {
                vrv_jw_null(&w);
                vrv_jw_null(&w);
            }
            vrv_jw_long(&w, h->count);
            vrv_jw_end_array(&w);
        }
        vrv_jw_end_array(&w);
    }
    vrv_jw_end_object(&w);
    *wp = w;
    vrv_buf_free(&tmp);
    vrv_arena_destroy(&ar);
}

void vrv_query_partial_to_json(const vrv_query_partial *p, vrv_buf *out)
{
    vrv_jw w;
    vrv_jw_init(&w, out, 0);
    write_partial(&w, p);
}

static vrv_value read_value(vrv_arena *a, const json_t *j)
{
    if (json_is_integer(j)) return vrv_long(json_integer_value(j));
    if (json_is_real(j)) return vrv_double(json_real_value(j));
    if (json_is_string(j)) {
        size_t n = json_string_length(j);
        return vrv_string(vrv_arena_memdup(a, json_string_value(j), n ? n : 1), n);
    }
    if (json_is_true(j) || json_is_false(j)) {
        vrv_value v = vrv_long(json_is_true(j));
        v.flags = VRV_VF_BOOL;
        return v;
    }
    if (json_is_object(j)) {
        const json_t *d = json_object_get(j, "d");
        double x = 0;
        if (json_is_number(d)) return vrv_double(json_number_value(d));
        if (json_is_string(d) && vrv_str_to_double(vrv_str_c(json_string_value(d)), &x))
            return vrv_double(x);
        if (json_is_string(d)) {
            const char *s = json_string_value(d);
            if (!strcmp(s, "NaN")) return vrv_double(0.0 / 0.0);
            if (!strcmp(s, "Infinity")) return vrv_double(1.0 / 0.0);
            if (!strcmp(s, "-Infinity")) return vrv_double(-1.0 / 0.0);
        }
        char *txt = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        vrv_value v = vrv_string(vrv_arena_strdup(a, txt), strlen(txt));
        v.type = VRV_V_JSON;
        free(txt);
        return v;
    }
    if (json_is_array(j)) {
        size_t n = json_array_size(j);
        vrv_value *arr = vrv_arena_alloc(a, (n ? n : 1) * sizeof *arr);
        for (size_t i = 0; i < n; i++) arr[i] = read_value(a, json_array_get(j, i));
        return vrv_array(arr, n);
    }
    return vrv_null();
}

static vrv_value as_type(const vrv_value *v, const char *type)
{
    if (!type || v->type == VRV_V_NULL) return *v;
    double d;
    if (!strcmp(type, "FLOAT") && vrv_value_to_double(v, &d)) return vrv_float((float)d);
    if (!strcmp(type, "DOUBLE") && vrv_value_to_double(v, &d)) return vrv_double(d);
    return *v;
}

static int read_partial(const vrv_query *q, const json_t *j, int depth, vrv_query_partial **out,
                        vrv_error *err)
{
    vrv_query_partial *p = vrv_query_partial_new(q);
    int rc = 0;
    const char *qt = json_string_value(json_object_get(j, "queryType"));
    if (!json_is_object(j) || !qt || strcmp(qt, vrv_query_type_name(q->type)) != 0) {
        rc = vrv_error_set(err, VRV_EINVAL, "partial result: not a %s result",
                           vrv_query_type_name(q->type));
        goto done;
    }
    const json_t *bys = json_object_get(j, "bySegment");
    for (size_t i = 0; i < json_array_size(bys) && rc == 0; i++) {
        const json_t *e = json_array_get(bys, i);
        const char *sid = json_string_value(json_object_get(e, "segment"));
        const json_t *st = json_object_get(e, "start"), *is = json_object_get(e, "intervalStart"),
                     *ie = json_object_get(e, "intervalEnd");
        if (depth > 0 || !sid || !json_is_integer(st) || !json_is_integer(is) ||
            !json_is_integer(ie)) {
            rc = vrv_error_set(err, VRV_EINVAL, "partial result: bySegment[%zu]: malformed", i);
            break;
        }
        qsegpart sp = {vrv_arena_strdup(&p->arena, sid), json_integer_value(st),
                       vrv_interval_make(json_integer_value(is), json_integer_value(ie)), NULL};
        if ((rc = read_partial(q, json_object_get(e, "partial"), depth + 1, &sp.p, err))) break;
        vrv_vec_push(&p->segs, sp);
    }
    if (rc) goto done;
    const json_t *st = json_object_get(j, "stamp");
    if (json_is_integer(st)) {
        p->has_stamp = true;
        p->stamp = json_integer_value(st);
    }
    const json_t *groups = json_object_get(j, "groups");
    vrv_buf bytes = VRV_BUF_INIT;
    vrv_value dims[64];
    for (size_t g = 0; g < json_array_size(groups) && rc == 0; g++) {
        const json_t *row = json_array_get(groups, g);
        const json_t *jd = json_array_get(row, 1), *js = json_array_get(row, 2);
        if (!json_is_integer(json_array_get(row, 0)) || json_array_size(jd) != p->ndims ||
            json_array_size(js) != q->aggs.n || p->ndims > 64) {
            rc = vrv_error_set(err, VRV_EINVAL, "partial result: groups[%zu]: malformed", g);
            break;
        }
        for (size_t d = 0; d < p->ndims; d++) {
            dims[d] = read_value(&p->arena, json_array_get(jd, d));
            vrv_ctype ot = q->type == VRV_Q_TOPN ? q->dim.output_type : q->dims[d].output_type;
            if (ot == VRV_C_FLOAT) dims[d] = as_type(&dims[d], "FLOAT");
            else if (ot == VRV_C_DOUBLE) dims[d] = as_type(&dims[d], "DOUBLE");
        }
        bool created;
        size_t gi = qpartial_group(p, json_integer_value(json_array_get(row, 0)), dims, &created);
        char *states = p->groups.v[gi].states;
        for (size_t i = 0; i < q->aggs.n; i++) {
            const json_t *s = json_array_get(js, i);
            vrv_buf_reset(&bytes);
            if (!json_is_string(s) ||
                !vrv_agg_base64_decode(json_string_value(s), json_string_length(s), &bytes)) {
                rc = vrv_error_set(err, VRV_EINVAL, "partial result: groups[%zu]: bad state", g);
            }
            if (created) {
                if (rc == 0 &&
                    vrv_agg_deserialize(p->inner[i], states + p->offs[i], bytes.data, bytes.len, err))
                    rc = VRV_EINVAL;
                if (rc) vrv_agg_init(p->inner[i], states + p->offs[i]);
            } else if (rc == 0) {
                char *tmpst = vrv_malloc(p->area ? p->area : 1);
                if (vrv_agg_deserialize(p->inner[i], tmpst + p->offs[i], bytes.data, bytes.len, err)) {
                    rc = VRV_EINVAL;
                } else {
                    vrv_agg_merge(p->inner[i], states + p->offs[i], tmpst + p->offs[i]);
                }
                vrv_agg_destroy(p->inner[i], tmpst + p->offs[i]);
                free(tmpst);
            }
            if (rc && created)
                for (size_t k = i + 1; k < q->aggs.n; k++) vrv_agg_init(p->inner[k], states + p->offs[k]);
            if (rc) break;
        }
    }
    vrv_buf_free(&bytes);
    const json_t *batches = json_object_get(j, "batches");
    for (size_t b = 0; b < json_array_size(batches) && rc == 0; b++) {
        const json_t *jb = json_array_get(batches, b);
        const json_t *cols = json_object_get(jb, "columns"), *types = json_object_get(jb, "types");
        const json_t *times = json_object_get(jb, "times"), *rows = json_object_get(jb, "rows");
        qbatch qb = {0};
        const char *sid = json_string_value(json_object_get(jb, "segmentId"));
        qb.segid = sid ? vrv_arena_strdup(&p->arena, sid) : NULL;
        qb.ncols = json_array_size(cols);
        qb.nrows = json_array_size(rows);
        if (json_array_size(types) != qb.ncols || json_array_size(times) != qb.nrows) {
            rc = vrv_error_set(err, VRV_EINVAL, "partial result: batches[%zu]: malformed", b);
            break;
        }
        qb.cols = vrv_arena_alloc(&p->arena, (qb.ncols ? qb.ncols : 1) * sizeof *qb.cols);
        qb.types = vrv_arena_alloc(&p->arena, (qb.ncols ? qb.ncols : 1) * sizeof *qb.types);
        for (size_t c = 0; c < qb.ncols; c++) {
            const char *cn = json_string_value(json_array_get(cols, c));
            const char *tn = json_string_value(json_array_get(types, c));
            qb.cols[c] = vrv_arena_strdup(&p->arena, cn ? cn : "");
            qb.types[c] = tn ? vrv_arena_strdup(&p->arena, tn) : NULL;
        }
        qb.times = vrv_arena_alloc(&p->arena, (qb.nrows ? qb.nrows : 1) * sizeof *qb.times);
        qb.rows = vrv_arena_alloc(&p->arena, (qb.nrows * qb.ncols > 0 ? qb.nrows * qb.ncols : 1) *
                                                 sizeof *qb.rows);
        for (size_t r = 0; r < qb.nrows; r++) {
            qb.times[r] = json_integer_value(json_array_get(times, r));
            const json_t *row = json_array_get(rows, r);
            for (size_t c = 0; c < qb.ncols; c++) {
                vrv_value v = read_value(&p->arena, json_array_get(row, c));
                qb.rows[r * qb.ncols + c] = as_type(&v, qb.types[c]);
            }
        }
        vrv_vec_push(&p->batches, qb);
    }
    const json_t *mt = json_object_get(j, "minTime"), *xt = json_object_get(j, "maxTime");
    if (json_is_integer(mt) && json_is_integer(xt)) {
        p->has_time = true;
        p->min_time = json_integer_value(mt);
        p->max_time = json_integer_value(xt);
    }
    const json_t *an = json_object_get(j, "analyses");
    for (size_t i = 0; i < json_array_size(an); i++)
        vrv_vec_push(&p->analyses, json_incref(json_array_get(an, i)));
    const json_t *hits = json_object_get(j, "hits");
    for (size_t i = 0; i < json_array_size(hits); i++) {
        const json_t *h = json_array_get(hits, i);
        const char *dim = json_string_value(json_array_get(h, 1));
        const json_t *val = json_array_get(h, 2);
        if (!json_is_integer(json_array_get(h, 0))) {
            rc = vrv_error_set(err, VRV_EINVAL, "partial result: hits[%zu]: malformed", i);
            break;
        }
        if (json_is_null(json_array_get(h, 1)) && json_is_null(val)) {
            qpartial_add_hit(p, json_integer_value(json_array_get(h, 0)), NULL, NULL, 0, 0);
            continue;
        }
        if (!dim || !json_is_string(val)) {
            rc = vrv_error_set(err, VRV_EINVAL, "partial result: hits[%zu]: malformed", i);
            break;
        }
        qpartial_add_hit(p, json_integer_value(json_array_get(h, 0)), dim, json_string_value(val),
                         json_string_length(val), json_integer_value(json_array_get(h, 3)));
    }
done:
    if (rc) {
        vrv_query_partial_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int vrv_query_partial_from_json(const vrv_query *q, const char *text, size_t len,
                                vrv_query_partial **out, vrv_error *err)
{
    *out = NULL;
    json_t *j;
    if (vrv_json_load_buf(text, len, "partial result", &j, err)) return VRV_EINVAL;
    int rc = read_partial(q, j, 0, out, err);
    json_decref(j);
    return rc;
}

/* ---- running ------------------------------------------------------------------ */

static int run_one(const vrv_query *q, const vrv_adapter *a, vrv_query_partial *p, vrv_error *err)
{
    switch (q->type) {
    case VRV_Q_TIMESERIES:
    case VRV_Q_TOPN:
    case VRV_Q_GROUPBY: return qengine_grouped(q, a, p, err);
    case VRV_Q_SCAN: return qengine_scan(q, a, p, err);
    case VRV_Q_SEARCH: return qengine_search(q, a, p, err);
    default: return qengine_meta(q, a, p, err);
    }
}

/* v with thousands separators, as Java's %,d writes it, into buf (32 bytes). */
static const char *grouped_digits(int64_t v, char *buf)
{
    char tmp[32];
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n = 0, k = 0;
    do {
        if (k && k % 3 == 0) tmp[n++] = ',';
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
        k++;
    } while (u);
    if (v < 0) tmp[n++] = '-';
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = 0;
    return buf;
}

/* Druid's scan ordering limit (ScanQueryRunnerFactory): time ordering
 * beyond maxRowsQueuedForOrdering rows merges the segments of a time chunk
 * in memory, at most maxSegmentPartitionsOrderedInMemory of them. */
static int scan_order_limit(const vrv_query *q, vrv_adapter *const *use, size_t n, vrv_error *err)
{
    if (q->type != VRV_Q_SCAN || q->order == VRV_SCAN_NONE) return 0;
    int64_t rows = q->limit >= 0 ? q->limit + q->offset : INT64_MAX;
    if (rows <= q->ctx.max_rows_queued_for_ordering) return 0;
    size_t most = 0;
    for (size_t i = 0; i < n; i++) {
        vrv_interval iv = vrv_adapter_interval(use[i]);
        size_t same = 0;
        for (size_t k = 0; k < n; k++) {
            vrv_interval o = vrv_adapter_interval(use[k]);
            same += o.start == iv.start && o.end == iv.end;
        }
        if (same > most) most = same;
    }
    if ((int64_t)most <= q->ctx.max_segment_partitions_ordered) return 0;
    char r[32], m[32], mr[32], ms[32];
    return vrv_error_set(err, VRV_ELIMIT,
                         "Time ordering is not supported for a Scan query with %s segments per "
                         "time chunk and a row limit of %s. Try reducing your query limit below "
                         "maxRowsQueuedForOrdering (currently %s), or using compaction to reduce "
                         "the number of segments per time chunk, or raising "
                         "maxSegmentPartitionsOrderedInMemory (currently %s) above the number of "
                         "segments you have per time chunk.",
                         grouped_digits((int64_t)most, m), grouped_digits(rows, r),
                         grouped_digits(q->ctx.max_rows_queued_for_ordering, mr),
                         grouped_digits(q->ctx.max_segment_partitions_ordered, ms));
}

/* bySegment: each segment's result stays apart, with the segment's id, its
 * start (the wrapper row's timestamp) and the part of it the query read. */
static int run_by_segment(const vrv_query *q, const vrv_adapter *a, vrv_query_partial *p,
                          vrv_error *err)
{
    vrv_interval ivs[64];
    vrv_interval *clip = q->nintervals <= 64 ? ivs : vrv_malloc(q->nintervals * sizeof *clip);
    size_t nclip = qclip_intervals(q, a, clip);
    vrv_interval first = nclip ? clip[0] : vrv_interval_make(0, 0);
    if (clip != ivs) free(clip);
    if (nclip == 0) return 0;
    vrv_query_partial *one = vrv_query_partial_new(q);
    one->check = p->check;
    int rc = run_one(q, a, one, err);
    one->check = NULL;
    if (rc) {
        vrv_query_partial_free(one);
        return rc;
    }
    qsegpart sp = {vrv_arena_strdup(&p->arena, vrv_adapter_segment_id(a)),
                   vrv_adapter_interval(a).start, first, one};
    vrv_vec_push(&p->segs, sp);
    return 0;
}

int vrv_query_run_checked(const vrv_query *q, struct vrv_adapter *const *adapters, size_t n,
                          const vrv_query_check *check, vrv_query_partial **out, vrv_error *err)
{
    *out = NULL;
    qadapters use = {0}, owned = {0};
    int rc = qresolve_ds(q->ds, adapters, n, q->intervals, q->nintervals, check, &use, &owned, err);
    vrv_query_partial *p = vrv_query_partial_new(q);
    p->check = check;
    if (rc == 0) rc = scan_order_limit(q, use.v, use.n, err);
    bool by_segment = q->ctx.by_segment && q->type != VRV_Q_SEGMENT_METADATA &&
                      q->type != VRV_Q_DATASOURCE_METADATA;
    for (size_t i = 0; rc == 0 && i < use.n; i++) {
        if ((rc = qcheck(p, err))) break;
        if (by_segment) {
            rc = run_by_segment(q, use.v[i], p, err);
        } else if (grouped(q)) {
            /* one partial per segment, folded in: states of one segment are
             * aggregated, across segments combined */
            vrv_query_partial *one = vrv_query_partial_new(q);
            one->check = check;
            rc = run_one(q, use.v[i], one, err);
            if (rc == 0) rc = vrv_query_merge(p, one, err);
            else vrv_query_partial_free(one);
        } else {
            rc = run_one(q, use.v[i], p, err);
        }
    }
    for (size_t i = 0; i < owned.n; i++) vrv_adapter_free(owned.v[i]);
    vrv_vec_free(&use);
    vrv_vec_free(&owned);
    if (rc) {
        vrv_query_partial_free(p);
        return rc;
    }
    p->check = NULL; /* the check is borrowed for the run only */
    *out = p;
    return 0;
}

int vrv_query_run(const vrv_query *q, struct vrv_adapter *const *adapters, size_t n,
                  vrv_query_partial **out, vrv_error *err)
{
    return vrv_query_run_checked(q, adapters, n, NULL, out, err);
}

int vrv_query_execute(const vrv_query *q, struct vrv_adapter *const *adapters, size_t n,
                      unsigned flags, vrv_buf *out, vrv_error *err)
{
    vrv_query_partial *p;
    int rc = vrv_query_run(q, adapters, n, &p, err);
    if (rc) return rc;
    rc = vrv_query_render(q, p, flags, out, err);
    vrv_query_partial_free(p);
    return rc;
}
