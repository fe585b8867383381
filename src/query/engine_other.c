/*
 * engine_other.c — the per-segment engines of scan, timeBoundary,
 * dataSourceMetadata, segmentMetadata and search, and the segmentMetadata
 * merge rules (druid-query.md §3.4–§3.8).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "expr/regex.h"
#include "query/query_int.h"
#include "segment/segid.h"

/* Walks the rows of a in the clipped intervals that pass the filter, calling
 * fn(ctx, row, time) in storage order (the reverse of it when reverse is
 * set); fn returns false to stop. */
typedef bool (*row_fn)(void *ctx, size_t row, vrv_ms t);

static int walk_rows(const vrv_query *q, const vrv_adapter *a, const vrv_query_partial *p,
                     bool reverse, row_fn fn, void *ctx, vrv_error *err)
{
    vrv_interval ivs[64];
    vrv_interval *clip = q->nintervals <= 64 ? ivs : vrv_malloc(q->nintervals * sizeof *clip);
    size_t nclip = qclip_intervals(q, a, clip);
    roaring_bitmap_t *fbm = NULL;
    int rc = 0;
    if (nclip && q->filter) rc = qfilter_rows(q->filter, q, a, &fbm, err);
    int64_t *tbuf = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *tbuf);
    bool go = true;
    size_t nb = vrv_adapter_nblocks(a);
    for (size_t kk = 0; rc == 0 && go && kk < nclip; kk++) {
        vrv_interval iv = clip[reverse ? nclip - 1 - kk : kk];
        for (size_t bb = 0; go && bb < nb; bb++) {
            if (bb % (VRV_QUERY_CHECK_ROWS / VRV_ADAPTER_BLOCK) == 0 && bb && (rc = qcheck(p, err)))
                break;
            size_t b = reverse ? nb - 1 - bb : bb;
            size_t base = b * VRV_ADAPTER_BLOCK, n = vrv_adapter_block_rows(a, b);
            const int64_t *t = vrv_adapter_times(a, b, tbuf);
            if (!t) {
                rc = vrv_error_set(err, VRV_ECORRUPT, "segment [%s]: unreadable __time block",
                                   vrv_adapter_segment_id(a));
                break;
            }
            /* blocks are in time order: skip those before (after) the interval
             * and stop at the first past (before) it */
            if (reverse ? t[0] >= iv.end : t[n - 1] < iv.start) continue;
            if (reverse ? t[n - 1] < iv.start : t[0] >= iv.end) break;
            for (size_t ii = 0; go && ii < n; ii++) {
                size_t i = reverse ? n - 1 - ii : ii;
                if (t[i] < iv.start || t[i] >= iv.end) continue;
                if (fbm && !roaring_bitmap_contains(fbm, (uint32_t)(base + i))) continue;
                go = fn(ctx, base + i, t[i]);
            }
        }
    }
    free(tbuf);
    if (fbm) roaring_bitmap_free(fbm);
    if (clip != ivs) free(clip);
    return rc;
}

/* ---- scan ------------------------------------------------------------------------ */

typedef struct scan_ctx {
    const vrv_query *q;
    vrv_query_partial *p;
    qreader r;
    qbatch cur;
    VRV_VEC(vrv_value) vals;
    VRV_VEC(vrv_ms) times;
    size_t want;             /* rows to collect in total (limit + offset), or SIZE_MAX */
    size_t have;
    int *slots;
    int rc;
    vrv_error *err;
} scan_ctx;

static void scan_flush(scan_ctx *s)
{
    if (s->times.n == 0) return;
    qbatch b = s->cur;
    b.nrows = s->times.n;
    b.rows = vrv_arena_memdup(&s->p->arena, s->vals.v, s->vals.n * sizeof *b.rows);
    b.times = vrv_arena_memdup(&s->p->arena, s->times.v, s->times.n * sizeof *b.times);
    vrv_vec_push(&s->p->batches, b);
    s->vals.n = 0;
    s->times.n = 0;
}

static bool scan_row(void *ctx, size_t row, vrv_ms t)
{
    scan_ctx *s = ctx;
    if (s->have >= s->want) return false;
    if ((s->rc = qreader_load(&s->r, row, s->err))) return false;
    for (size_t c = 0; c < s->cur.ncols; c++) {
        vrv_value v = s->r.vals[s->slots[c]];
        vrv_vec_push(&s->vals, qvalue_copy(&s->p->arena, &v));
    }
    vrv_vec_push(&s->times, t);
    s->have++;
    if ((int64_t)s->times.n >= s->q->batch_size) scan_flush(s);
    return true;
}

static const char *type_string(vrv_arena *ar, vrv_ctype t, const char *complex)
{
    if (t == VRV_C_COMPLEX) return vrv_arena_printf(ar, "COMPLEX<%s>", complex ? complex : "unknown");
    return vrv_ctype_name(t);
}

int qengine_scan(const vrv_query *q, const vrv_adapter *a, vrv_query_partial *p, vrv_error *err)
{
    scan_ctx s;
    memset(&s, 0, sizeof s);
    s.q = q;
    s.p = p;
    s.err = err;
    s.want = SIZE_MAX;
    size_t already = 0;
    for (size_t b = 0; b < p->batches.n; b++) already += p->batches.v[b].nrows;
    if (q->order == VRV_SCAN_NONE && q->limit >= 0) {
        size_t w = (size_t)q->limit + (size_t)q->offset;
        if (already >= w) return 0;
        s.want = w - already;
    } else if (q->limit >= 0) {
        /* time ordered: the merged result needs at most limit + offset rows
         * of each segment, its first ones (last ones, walking backwards,
         * when descending) */
        s.want = (size_t)q->limit + (size_t)q->offset;
    }
    qreader_init(&s.r, a, q);
    size_t nc = q->columns ? q->ncolumns : vrv_adapter_ncols(a) + q->nvcols;
    s.cur.segid = vrv_arena_strdup(&p->arena, vrv_adapter_segment_id(a));
    s.cur.ncols = nc;
    s.cur.cols = vrv_arena_alloc(&p->arena, (nc ? nc : 1) * sizeof *s.cur.cols);
    s.cur.types = vrv_arena_alloc(&p->arena, (nc ? nc : 1) * sizeof *s.cur.types);
    s.slots = vrv_calloc(nc ? nc : 1, sizeof *s.slots);
    int rc = 0;
    for (size_t c = 0; c < nc && rc == 0; c++) {
        const char *name;
        if (q->columns) name = q->columns[c];
        else if (c < vrv_adapter_ncols(a)) name = vrv_adapter_column(a, c)->name;
        else name = q->vcols[c - vrv_adapter_ncols(a)].name;
        s.cur.cols[c] = vrv_arena_strdup(&p->arena, name);
        int sl = qreader_slot(&s.r, name, strlen(name), err);
        if (sl < 0) {
            rc = sl;
            break;
        }
        s.slots[c] = sl;
        const qslot *qs = &s.r.slots.v[sl];
        const char *tn = NULL;
        if (qs->kind == QS_VCOL || qs->alias >= 0) tn = vrv_ctype_name(qs->type);
        else if (qs->kind == QS_TIME) tn = "LONG";
        else if (qs->kind != QS_MISSING) {
            const vrv_adapter_col *ac = vrv_adapter_column(a, (size_t)qs->col);
            tn = type_string(&p->arena, ac->type, ac->complex_type);
        }
        s.cur.types[c] = tn ? vrv_arena_strdup(&p->arena, tn) : NULL;
    }
    if (rc == 0) rc = walk_rows(q, a, p, q->order == VRV_SCAN_DESC, scan_row, &s, err);
    if (rc == 0) rc = s.rc;
    if (rc == 0) scan_flush(&s);
    vrv_vec_free(&s.vals);
    vrv_vec_free(&s.times);
    free(s.slots);
    qreader_free(&s.r);
    return rc;
}

/* ---- timeBoundary, dataSourceMetadata, segmentMetadata ----------------------------------- */

typedef struct tb_ctx {
    vrv_ms min, max;
    bool any;
} tb_ctx;

/* Rows come in time order: the first one walked is the bound. */
static bool tb_row(void *ctx, size_t row, vrv_ms t)
{
    (void)row;
    tb_ctx *c = ctx;
    c->min = c->max = t;
    c->any = true;
    return false;
}

static json_t *meta_get(const vrv_adapter *a, const char *key)
{
    const json_t *m = vrv_adapter_meta(a);
    json_t *v = m ? json_object_get(m, key) : NULL;
    return v ? json_deep_copy(v) : json_null();
}

json_t *qsegment_analysis(const vrv_query *q, const vrv_adapter *a)
{
    json_t *o = json_object();
    size_t rows = vrv_adapter_rows(a);
    json_object_set_new(o, "id", json_string(vrv_adapter_segment_id(a)));
    if (q->analysis & VRV_SM_INTERVAL) {
        vrv_interval si = vrv_adapter_interval(a);
        vrv_ms end = si.start;
        if (rows) {
            vrv_gran g = vrv_gran_standard(VRV_GRAN_STD_NONE);
            const json_t *m = vrv_adapter_meta(a);
            const json_t *qg = m ? json_object_get(m, "queryGranularity") : NULL;
            if (qg && !json_is_null(qg) && vrv_gran_from_json(qg, "queryGranularity", &g, NULL))
                g = vrv_gran_standard(VRV_GRAN_STD_NONE);
            vrv_ms mx = vrv_adapter_max_time(a);
            end = g.kind == VRV_GRAN_NONE || g.kind == VRV_GRAN_ALL
                      ? mx + 1
                      : vrv_gran_next(&g, vrv_gran_bucket_start(&g, mx));
        }
        char buf[VRV_INTERVAL_STR_MAX];
        vrv_interval_format(vrv_interval_make(si.start, end), buf);
        json_t *arr = json_array();
        json_array_append_new(arr, json_string(buf));
        json_object_set_new(o, "intervals", arr);
    } else {
        json_object_set_new(o, "intervals", json_null());
    }
    json_t *cols = json_object();
    int64_t total = 0;
    bool want_size = q->analysis & VRV_SM_SIZE;
    for (size_t i = 0; i < vrv_adapter_ncols(a); i++) {
        const vrv_adapter_col *c = vrv_adapter_column(a, i);
        int64_t size = 0;
        json_t *col = json_object();
        const char *ts, *tl;
        char tbuf[128];
        if (c->type == VRV_C_COMPLEX) {
            snprintf(tbuf, sizeof tbuf, "COMPLEX<%s>", c->complex_type ? c->complex_type : "unknown");
            ts = tbuf;
            tl = c->complex_type ? c->complex_type : "unknown";
        } else if (c->type == VRV_C_JSON) {
            ts = "COMPLEX<json>";
            tl = "json";
        } else {
            ts = tl = vrv_ctype_name(c->type);
        }
        json_object_set_new(col, "typeSignature", json_string(ts));
        json_object_set_new(col, "type", json_string(tl));
        json_object_set_new(col, "hasMultipleValues", json_boolean(c->multi));
        json_object_set_new(col, "hasNulls", json_boolean(c->has_nulls));
        if (want_size) {
            if (c->is_time || c->type == VRV_C_LONG || c->type == VRV_C_DOUBLE)
                size = (int64_t)rows * 8;
            else if (c->type == VRV_C_FLOAT) size = (int64_t)rows * 4;
            else if (c->dict) {
                for (uint32_t id = 1; id <= c->ndict; id++) {
                    vrv_str s = vrv_adapter_dict_get(a, i, id);
                    uint64_t card = 0;
                    roaring_bitmap_t *bm = vrv_adapter_bitmap(a, i, id);
                    if (bm) {
                        card = roaring_bitmap_get_cardinality(bm);
                        roaring_bitmap_free(bm);
                    }
                    size += (int64_t)(s.n * card);
                }
            } else {
                for (size_t r = 0; r < rows; r++) size += vrv_adapter_complex(a, i, r).len;
            }
        }
        total += size;
        json_object_set_new(col, "size", json_integer(size));
        if (c->dict) {
            json_object_set_new(col, "cardinality",
                                json_integer((q->analysis & VRV_SM_CARDINALITY)
                                                 ? (json_int_t)c->ndict + (c->has_nulls ? 1 : 0)
                                                 : 0));
        } else {
            json_object_set_new(col, "cardinality", json_null());
        }
        if (c->dict && (q->analysis & VRV_SM_MINMAX) && c->type == VRV_C_STRING) {
            if (c->has_nulls || c->ndict == 0) json_object_set_new(col, "minValue", json_null());
            else {
                vrv_str s = vrv_adapter_dict_get(a, i, 1);
                json_object_set_new(col, "minValue", json_stringn(s.p, s.n));
            }
            if (c->ndict == 0) json_object_set_new(col, "maxValue", json_null());
            else {
                vrv_str s = vrv_adapter_dict_get(a, i, c->ndict);
                json_object_set_new(col, "maxValue", json_stringn(s.p, s.n));
            }
        } else {
            json_object_set_new(col, "minValue", json_null());
            json_object_set_new(col, "maxValue", json_null());
        }
        json_object_set_new(col, "errorMessage", json_null());
        bool include = q->to_include == VRV_SM_INC_ALL;
        for (size_t k = 0; q->to_include == VRV_SM_INC_LIST && k < q->ninclude; k++)
            include |= !strcmp(q->include_cols[k], c->name);
        if (include) json_object_set_new(cols, c->name, col);
        else json_decref(col);
    }
    json_object_set_new(o, "columns", cols);
    if (want_size) total += (int64_t)rows * (int64_t)vrv_adapter_ncols(a);
    json_object_set_new(o, "size", json_integer(total));
    json_object_set_new(o, "numRows", json_integer((json_int_t)rows));
    if (q->analysis & VRV_SM_AGGREGATORS) {
        json_t *ag = meta_get(a, "aggregators");
        if (json_is_array(ag)) {
            json_t *m = json_object();
            for (size_t i = 0; i < json_array_size(ag); i++) {
                json_t *e = json_array_get(ag, i);
                const char *nm = json_string_value(json_object_get(e, "name"));
                if (nm) json_object_set(m, nm, e);
            }
            json_decref(ag);
            ag = m;
        } else if (!json_is_object(ag)) {
            json_decref(ag);
            ag = json_null();
        }
        json_object_set_new(o, "aggregators", ag);
    } else {
        json_object_set_new(o, "aggregators", json_null());
    }
    json_object_set_new(o, "projections", json_null());
    json_object_set_new(o, "timestampSpec",
                        (q->analysis & VRV_SM_TIMESTAMPSPEC) ? meta_get(a, "timestampSpec") : json_null());
    json_object_set_new(o, "queryGranularity", (q->analysis & VRV_SM_QUERYGRANULARITY)
                                                   ? meta_get(a, "queryGranularity")
                                                   : json_null());
    json_object_set_new(o, "rollup", (q->analysis & VRV_SM_ROLLUP) ? meta_get(a, "rollup") : json_null());
    return o;
}

int qengine_meta(const vrv_query *q, const vrv_adapter *a, vrv_query_partial *p, vrv_error *err)
{
    if (q->type == VRV_Q_DATASOURCE_METADATA) {
        if (vrv_adapter_rows(a) == 0) return 0;
        vrv_ms mx = vrv_adapter_max_time(a);
        if (!p->has_time || mx > p->max_time) p->max_time = mx;
        if (!p->has_time || mx < p->min_time) p->min_time = mx;
        p->has_time = true;
        return 0;
    }
    if (q->type == VRV_Q_SEGMENT_METADATA) {
        vrv_interval ivs[64];
        vrv_interval *clip = q->nintervals <= 64 ? ivs : vrv_malloc(q->nintervals * sizeof *clip);
        size_t nclip = qclip_intervals(q, a, clip);
        if (clip != ivs) free(clip);
        if (nclip == 0) return 0;
        vrv_vec_push(&p->analyses, qsegment_analysis(q, a));
        return 0;
    }
    /* the earliest matching row walking forwards, the latest walking back */
    tb_ctx lo = {0}, hi = {0};
    int rc = walk_rows(q, a, p, false, tb_row, &lo, err);
    if (rc == 0 && lo.any) rc = walk_rows(q, a, p, true, tb_row, &hi, err);
    if (rc || !lo.any) return rc;
    if (!p->has_time || lo.min < p->min_time) p->min_time = lo.min;
    if (!p->has_time || hi.max > p->max_time) p->max_time = hi.max;
    p->has_time = true;
    return 0;
}

/* ---- segmentMetadata merge -------------------------------------------------------------------- */

static vrv_ms analysis_end(const json_t *a)
{
    vrv_segid id;
    vrv_ms end = INT64_MIN;
    if (vrv_segid_parse(json_string_value(json_object_get(a, "id")), NULL, &id, NULL) == 0) {
        end = id.interval.end;
        vrv_segid_clear(&id);
    }
    return end;
}

static json_t *fold_column(json_t *early, json_t *late)
{
    const char *e1 = json_string_value(json_object_get(early, "errorMessage"));
    const char *e2 = json_string_value(json_object_get(late, "errorMessage"));
    if (e2) return json_deep_copy(late);
    if (e1) return json_deep_copy(early);
    const char *t1 = json_string_value(json_object_get(early, "typeSignature"));
    const char *t2 = json_string_value(json_object_get(late, "typeSignature"));
    if (!t1 || !t2 || strcmp(t1, t2) != 0 ||
        !json_equal(json_object_get(early, "type"), json_object_get(late, "type"))) {
        json_t *c = json_object();
        json_object_set_new(c, "typeSignature", json_string("STRING"));
        json_object_set_new(c, "type", json_string("STRING"));
        json_object_set_new(c, "hasMultipleValues", json_false());
        json_object_set_new(c, "hasNulls", json_false());
        json_object_set_new(c, "size", json_integer(-1));
        json_object_set_new(c, "cardinality", json_null());
        json_object_set_new(c, "minValue", json_null());
        json_object_set_new(c, "maxValue", json_null());
        char buf[512];
        snprintf(buf, sizeof buf, "error:cannot_merge_diff_types: [%s] and [%s]",
                 t1 ? t1 : "?", t2 ? t2 : "?");
        json_object_set_new(c, "errorMessage", json_string(buf));
        return c;
    }
    json_t *c = json_deep_copy(late);
    json_object_set_new(c, "hasMultipleValues",
                        json_boolean(json_is_true(json_object_get(early, "hasMultipleValues")) ||
                                     json_is_true(json_object_get(late, "hasMultipleValues"))));
    json_object_set_new(c, "hasNulls", json_boolean(json_is_true(json_object_get(early, "hasNulls")) ||
                                                    json_is_true(json_object_get(late, "hasNulls"))));
    json_object_set_new(c, "size", json_integer(json_integer_value(json_object_get(early, "size")) +
                                                json_integer_value(json_object_get(late, "size"))));
    const json_t *c1 = json_object_get(early, "cardinality"), *c2 = json_object_get(late, "cardinality");
    if (json_is_integer(c1) || json_is_integer(c2)) {
        json_int_t x = json_integer_value(c1), y = json_integer_value(c2);
        json_object_set_new(c, "cardinality", json_integer(x > y ? x : y));
    }
    const json_t *mn1 = json_object_get(early, "minValue"), *mn2 = json_object_get(late, "minValue");
    if (!json_is_string(mn1) || !json_is_string(mn2)) json_object_set_new(c, "minValue", json_null());
    else if (strcmp(json_string_value(mn1), json_string_value(mn2)) < 0)
        json_object_set(c, "minValue", (json_t *)mn1);
    const json_t *mx1 = json_object_get(early, "maxValue"), *mx2 = json_object_get(late, "maxValue");
    if (json_is_string(mx1) &&
        (!json_is_string(mx2) || strcmp(json_string_value(mx1), json_string_value(mx2)) > 0))
        json_object_set(c, "maxValue", (json_t *)mx1);
    return c;
}

static json_t *merge_two(const vrv_query *q, json_t *early, json_t *late)
{
    json_t *o = json_object();
    json_object_set(o, "id", json_object_get(late, "id"));
    /* intervals: concatenated, then sorted and condensed */
    const json_t *i1 = json_object_get(early, "intervals"), *i2 = json_object_get(late, "intervals");
    if (json_is_array(i1) || json_is_array(i2)) {
        size_t n = json_array_size(i1) + json_array_size(i2), k = 0;
        vrv_interval *ivs = vrv_calloc(n ? n : 1, sizeof *ivs);
        for (int s = 0; s < 2; s++) {
            const json_t *arr = s ? i2 : i1;
            for (size_t i = 0; i < json_array_size(arr); i++) {
                const char *t = json_string_value(json_array_get(arr, i));
                if (t && vrv_interval_parse(t, strlen(t), &ivs[k], NULL) == 0) k++;
            }
        }
        k = vrv_interval_condense(ivs, k);
        json_t *arr = json_array();
        for (size_t i = 0; i < k; i++) {
            char buf[VRV_INTERVAL_STR_MAX];
            vrv_interval_format(ivs[i], buf);
            json_array_append_new(arr, json_string(buf));
        }
        free(ivs);
        json_object_set_new(o, "intervals", arr);
    } else {
        json_object_set_new(o, "intervals", json_null());
    }
    json_t *cols = json_object();
    const json_t *c1 = json_object_get(early, "columns"), *c2 = json_object_get(late, "columns");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)c2, k, v) {
        json_t *e = json_object_get(c1, k);
        json_object_set_new(cols, k, e ? fold_column(e, v) : json_deep_copy(v));
    }
    json_object_foreach((json_t *)c1, k, v) {
        if (!json_object_get(c2, k)) json_object_set_new(cols, k, json_deep_copy(v));
    }
    json_object_set_new(o, "columns", cols);
    json_object_set_new(o, "size", json_integer(json_integer_value(json_object_get(early, "size")) +
                                                json_integer_value(json_object_get(late, "size"))));
    json_object_set_new(o, "numRows",
                        json_integer(json_integer_value(json_object_get(early, "numRows")) +
                                     json_integer_value(json_object_get(late, "numRows"))));
    /* aggregators */
    const json_t *a1 = json_object_get(early, "aggregators"), *a2 = json_object_get(late, "aggregators");
    json_t *aggs = json_null();
    if (q->agg_strategy == VRV_SM_STRICT) {
        if (json_is_object(a1) && json_is_object(a2)) {
            aggs = json_deep_copy(a1);
            json_object_foreach((json_t *)a2, k, v) {
                json_t *e = json_object_get(aggs, k);
                if (e && !json_equal(e, v)) {
                    json_decref(aggs);
                    aggs = json_null();
                    break;
                }
                json_object_set(aggs, k, v);
            }
        }
    } else if (json_is_object(a1) || json_is_object(a2)) {
        aggs = json_object();
        const json_t *first = json_is_object(a1) ? a1 : a2;
        const json_t *second = first == a1 ? a2 : NULL;
        json_object_foreach((json_t *)first, k, v) json_object_set(aggs, k, v);
        if (second) {
            json_object_foreach((json_t *)second, k, v) {
                json_t *e = json_object_get(aggs, k);
                if (!e || json_equal(e, v)) json_object_set(aggs, k, v);
                else if (q->agg_strategy == VRV_SM_LENIENT) json_object_set_new(aggs, k, json_null());
                else if (q->agg_strategy == VRV_SM_LATEST) json_object_set(aggs, k, v);
                /* earliest: keep the earlier one */
            }
        }
    }
    json_object_set_new(o, "aggregators", aggs);
    json_object_set_new(o, "projections", json_null());
    const json_t *t1 = json_object_get(early, "timestampSpec"), *t2 = json_object_get(late, "timestampSpec");
    if (json_is_null(t1) || !t1) json_object_set(o, "timestampSpec", t2 ? (json_t *)t2 : json_null());
    else json_object_set_new(o, "timestampSpec", json_equal(t1, t2) ? json_deep_copy(t2) : json_null());
    const char *keep[] = {"queryGranularity", "rollup"};
    for (int i = 0; i < 2; i++) {
        const json_t *x = json_object_get(early, keep[i]), *y = json_object_get(late, keep[i]);
        bool same = x && y && !json_is_null(x) && json_equal(x, y);
        json_object_set_new(o, keep[i], same ? json_deep_copy(x) : json_null());
    }
    return o;
}

typedef struct an_sort {
    json_t *a;
    vrv_ms end;
    size_t i;
} an_sort;

static int cmp_an(const void *x, const void *y)
{
    const an_sort *a = x, *b = y;
    if (a->end != b->end) return a->end < b->end ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

json_t *qmerge_analyses(const vrv_query *q, json_t *const *v, size_t n)
{
    an_sort *s = vrv_malloc(n * sizeof *s);
    for (size_t i = 0; i < n; i++) s[i] = (an_sort){v[i], analysis_end(v[i]), i};
    qsort(s, n, sizeof *s, cmp_an);
    json_t *acc = json_deep_copy(s[0].a);
    for (size_t i = 1; i < n; i++) {
        json_t *m = merge_two(q, acc, s[i].a);
        json_decref(acc);
        acc = m;
    }
    /* the merged id names the latest-ending segment's interval */
    vrv_segid id;
    const char *last = json_string_value(json_object_get(s[n - 1].a, "id"));
    if (vrv_segid_parse(last, NULL, &id, NULL) == 0) {
        vrv_buf b = VRV_BUF_INIT;
        vrv_buf_printf(&b, "%s_", id.data_source);
        vrv_segid_append_interval(&b, id.interval);
        /* the interval text joins start and end with '/': ids use '_' */
        char *slash = strchr(b.data + strlen(id.data_source) + 1, '/');
        if (slash) *slash = '_';
        vrv_buf_puts(&b, "_merged");
        if (id.partition_num) vrv_buf_printf(&b, "_%d", id.partition_num);
        json_object_set_new(acc, "id", json_string(b.data));
        vrv_buf_free(&b);
        vrv_segid_clear(&id);
    } else {
        json_object_set_new(acc, "id", json_string("merged"));
    }
    free(s);
    return acc;
}

/* ---- search ---------------------------------------------------------------------------------- */

typedef struct search_ctx {
    const vrv_query *q;
    vrv_query_partial *p;
    vrv_regex *re;
    vrv_error *err;
} search_ctx;

static bool ci_contains(const char *h, size_t hn, const char *n, size_t nn, bool cs)
{
    if (nn == 0) return true;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t k = 0;
        if (cs) {
            if (memcmp(h + i, n, nn) == 0) return true;
            continue;
        }
        while (k < nn && tolower((unsigned char)h[i + k]) == tolower((unsigned char)n[k])) k++;
        if (k == nn) return true;
    }
    return false;
}

static bool search_match(search_ctx *s, vrv_str v)
{
    const vrv_search_spec *sp = &s->q->search;
    switch (sp->kind) {
    case 0:
    case 1:
        if (sp->nvalues == 0) return true;
        return ci_contains(v.p, v.n, sp->values[0], strlen(sp->values[0]),
                           sp->kind == 0 && sp->case_sensitive);
    case 2:
        for (size_t i = 0; i < sp->nvalues; i++)
            if (!ci_contains(v.p, v.n, sp->values[i], strlen(sp->values[i]), sp->case_sensitive))
                return false;
        return true;
    default: return s->re && vrv_regex_find(s->re, v.p ? v.p : "", v.n, 0, NULL) == 1;
    }
}

/* Druid's search hit order: the sort's comparator on the value, then the
 * dimension name. */
int qsearch_hit_cmp(const vrv_query *q, const qsearch_hit *a, const qsearch_hit *b)
{
    vrv_order o = q->search_sort == VRV_SS_ALPHANUMERIC ? VRV_ORDER_ALPHANUMERIC
                  : q->search_sort == VRV_SS_STRLEN     ? VRV_ORDER_STRLEN
                  : q->search_sort == VRV_SS_NUMERIC    ? VRV_ORDER_NUMERIC
                                                        : VRV_ORDER_LEXICOGRAPHIC;
    int r = vrv_strcmp(o, vrv_str_make(a->value, a->vlen), vrv_str_make(b->value, b->vlen));
    if (r) return r;
    return strcmp(a->dim, b->dim);
}

static int cmp_hit_ptr(const void *x, const void *y, void *ctx)
{
    return qsearch_hit_cmp(ctx, *(const qsearch_hit *const *)x, *(const qsearch_hit *const *)y);
}

/* As Druid's SearchQueryRunner: a segment answers one result stamped with
 * its start, whatever the granularity (the broker puts it in that start's
 * bucket): the hits of its matching rows in the sort's order, at most
 * `limit` of them, possibly none. */
int qengine_search(const vrv_query *q, const vrv_adapter *a, vrv_query_partial *p, vrv_error *err)
{
    vrv_interval ivbuf[64];
    vrv_interval *ivs = q->nintervals <= 64 ? ivbuf : vrv_malloc(q->nintervals * sizeof *ivs);
    size_t nclip = qclip_intervals(q, a, ivs);
    if (nclip == 0) {
        if (ivs != ivbuf) free(ivs);
        return 0;
    }
    search_ctx s = {q, p, NULL, err};
    if (q->search.kind == 3) {
        s.re = vrv_regex_compile(q->search.pattern, strlen(q->search.pattern), err);
        if (!s.re) {
            if (ivs != ivbuf) free(ivs);
            return VRV_EINVAL;
        }
    }
    vrv_ms seg_start = vrv_adapter_interval(a).start;
    vrv_ms t = q->gran.kind == VRV_GRAN_ALL ? 0 : vrv_gran_bucket_start(&q->gran, seg_start);
    if (q->gran.kind == VRV_GRAN_ALL && (!p->has_stamp || seg_start < p->stamp)) p->stamp = seg_start;
    if (q->gran.kind == VRV_GRAN_ALL) p->has_stamp = true;
    /* the matching rows */
    VRV_VEC(uint32_t) rows = {0};
    roaring_bitmap_t *fbm = NULL;
    int rc = 0;
    if (q->filter) rc = qfilter_rows(q->filter, q, a, &fbm, err);
    int64_t *tbuf = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *tbuf);
    for (size_t k = 0; rc == 0 && k < nclip; k++) {
        for (size_t b = 0; rc == 0 && b < vrv_adapter_nblocks(a); b++) {
            if (b % (VRV_QUERY_CHECK_ROWS / VRV_ADAPTER_BLOCK) == 0 && b && (rc = qcheck(p, err)))
                break;
            const int64_t *tm = vrv_adapter_times(a, b, tbuf);
            size_t n = vrv_adapter_block_rows(a, b), base = b * VRV_ADAPTER_BLOCK;
            if (!tm) {
                rc = vrv_error_set(err, VRV_ECORRUPT, "segment [%s]: unreadable __time block %zu",
                                   vrv_adapter_segment_id(a), b);
                break;
            }
            if (tm[n - 1] < ivs[k].start) continue;
            if (tm[0] >= ivs[k].end) break;
            for (size_t i = 0; i < n; i++) {
                if (tm[i] < ivs[k].start || tm[i] >= ivs[k].end) continue;
                if (fbm && !roaring_bitmap_contains(fbm, (uint32_t)(base + i))) continue;
                vrv_vec_push(&rows, (uint32_t)(base + i));
            }
        }
    }
    free(tbuf);
    if (ivs != ivbuf) free(ivs);
    if (fbm) roaring_bitmap_free(fbm);
    /* this segment's hits, counted apart and then cut to the limit */
    vrv_query_partial *one = vrv_query_partial_new(q);
    size_t nd = q->search_dims ? q->nsearch_dims : vrv_adapter_ncols(a);
    for (size_t d = 0; rc == 0 && d < nd; d++) {
        const char *name;
        long col;
        if (q->search_dims) {
            name = q->search_dims[d];
            col = vrv_adapter_find(a, name);
        } else {
            col = (long)d;
            name = vrv_adapter_column(a, d)->name;
            const vrv_adapter_col *c = vrv_adapter_column(a, d);
            if (c->is_time || c->is_metric) continue;
        }
        if (col < 0) continue;
        const vrv_adapter_col *c = vrv_adapter_column(a, (size_t)col);
        if (c->dict) {
            uint8_t *m = vrv_calloc((size_t)c->ndict + 1, 1);
            for (uint32_t id = 1; id <= c->ndict; id++)
                m[id] = search_match(&s, vrv_adapter_dict_get(a, (size_t)col, id));
            int64_t *cnt = vrv_calloc((size_t)c->ndict + 1, sizeof *cnt);
            vrv_mv_reader mv;
            vrv_mv_reader_init(&mv, a, (size_t)col);
            for (size_t j = 0; j < rows.n; j++) {
                size_t k;
                const uint32_t *ids = vrv_mv_row(&mv, rows.v[j], &k);
                for (size_t x = 0; x < k; x++)
                    if (ids[x] <= c->ndict && m[ids[x]]) cnt[ids[x]]++;
            }
            for (uint32_t id = 1; id <= c->ndict; id++) {
                if (!cnt[id]) continue;
                vrv_str v = vrv_adapter_dict_get(a, (size_t)col, id);
                qpartial_add_hit(one, t, name, v.p ? v.p : "", v.n, cnt[id]);
            }
            vrv_mv_reader_free(&mv);
            free(cnt);
            free(m);
        } else if (vrv_ctype_is_numeric(c->type)) {
            qreader r;
            qreader_init(&r, a, q);
            int sl = qreader_slot(&r, name, strlen(name), err);
            vrv_buf b = VRV_BUF_INIT;
            for (size_t i = 0; sl >= 0 && i < rows.n; i++) {
                vrv_value v = qreader_value(&r, (size_t)sl, rows.v[i]);
                vrv_buf_reset(&b);
                if (!vrv_value_append_string(&v, &b)) continue;
                vrv_str str = vrv_str_make(b.data, b.len);
                if (search_match(&s, str)) qpartial_add_hit(one, t, name, b.data, b.len, 1);
            }
            vrv_buf_free(&b);
            qreader_free(&r);
        }
    }
    if (rc == 0) {
        size_t n = one->hits.n;
        const qsearch_hit **v = vrv_malloc((n ? n : 1) * sizeof *v);
        for (size_t i = 0; i < n; i++) v[i] = &one->hits.v[i];
        qsort_r(v, n, sizeof *v, cmp_hit_ptr, (void *)q);
        if ((int64_t)n > q->limit) n = (size_t)q->limit;
        qpartial_add_hit(p, t, NULL, NULL, 0, 0); /* the segment's result, even without hits */
        for (size_t i = 0; i < n; i++) qpartial_add_hit(p, t, v[i]->dim, v[i]->value, v[i]->vlen, v[i]->count);
        free(v);
    }
    vrv_query_partial_free(one);
    vrv_vec_free(&rows);
    vrv_regex_free(s.re);
    return rc;
}
