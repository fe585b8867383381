/*
 * adapter.c — storage adapters: a segment file read block by block, and
 * in-memory tables (index snapshots, inline rows, nested results, joins)
 * held as whole column arrays. See adapter.h for the contract.
 *
 * In-memory tables keep the segment's conventions so that the engines never
 * ask which kind they read: dictionaries sorted by bytes with id 0 for null,
 * multi-value ids flattened with row offsets, numeric nulls as a flag per row
 * (the value stored as 0), complex cells as serialized bytes.
 */
#include "query/adapter.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "base/arena.h"
#include "base/hash.h"
#include "base/mem.h"
#include "base/vec.h"
#include "segment/segid.h"

enum { AD_SEG = 0, AD_MEM };

typedef struct mcol {
    int64_t *l;
    double *d;
    float *f;
    uint8_t *nulls;     /* per row, NULL when the column has none */
    uint32_t *ids;      /* flat ids */
    uint64_t *mvoff;    /* rows + 1 offsets into ids, NULL when single-valued */
    vrv_str *dict;      /* ndict + 1 entries, [0] is null */
    vrv_value *cx;      /* complex cells (bytes in the arena) */
    roaring_bitmap_t **bitmaps; /* per id, built at finish for dict columns */
} mcol;

struct vrv_adapter {
    int kind;
    _Atomic unsigned refs; /* vrv_adapter_ref; freed when it drops to 0 */
    char *datasource, *segid;
    vrv_interval interval;
    json_t *meta;            /* reference owned */
    size_t nrows;
    vrv_ms min_time, max_time;
    uint64_t size;
    size_t ncols;
    vrv_adapter_col *cols;
    /* AD_SEG */
    const vrv_segment *seg;
    roaring_bitmap_t **seg_nulls; /* per column, NULL when none */
    /* AD_MEM */
    int64_t *times;
    mcol *m;
    vrv_arena arena;
};

int vrv_adapter_complex_kind(const char *ct)
{
    if (!ct) return VRV_AGG_K_NONE;
    static const struct {
        const char *name;
        int kind;
    } map[] = {
        {"hyperUnique", VRV_AGG_K_HLL},
        {"thetaSketch", VRV_AGG_K_THETA},
        {"HLLSketch", VRV_AGG_K_HLLSK},
        {"HLLSketchBuild", VRV_AGG_K_HLLSK},
        {"HLLSketchMerge", VRV_AGG_K_HLLSK},
        {"quantilesDoublesSketch", VRV_AGG_K_QUANTILES},
        {"serializablePairLongLong", VRV_AGG_K_PAIR_LONG},
        {"serializablePairLongDouble", VRV_AGG_K_PAIR_DOUBLE},
        {"serializablePairLongFloat", VRV_AGG_K_PAIR_FLOAT},
        {"serializablePairLongString", VRV_AGG_K_PAIR_STRING},
        {"doubleMean", VRV_AGG_K_MEAN},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, ct) == 0) return map[i].kind;
    return VRV_AGG_K_NONE;
}

/* ---- segment adapters ------------------------------------------------------ */

vrv_adapter *vrv_adapter_segment(const vrv_segment *seg, const char *segment_id)
{
    vrv_adapter *a = vrv_calloc(1, sizeof *a);
    atomic_init(&a->refs, 1);
    a->kind = AD_SEG;
    a->seg = seg;
    vrv_arena_init(&a->arena, 0);
    const json_t *meta = vrv_segment_meta(seg);
    a->meta = json_incref((json_t *)meta);
    const char *ds = json_string_value(json_object_get(meta, "dataSource"));
    a->datasource = vrv_strdup(ds ? ds : "");
    a->interval = vrv_interval_make(vrv_segment_min_time(seg), vrv_segment_max_time(seg) + 1);
    const char *ivs = json_string_value(json_object_get(meta, "interval"));
    if (ivs) vrv_interval_parse(ivs, strlen(ivs), &a->interval, NULL);
    if (segment_id) {
        a->segid = vrv_strdup(segment_id);
    } else {
        const char *ver = json_string_value(json_object_get(meta, "version"));
        json_int_t part = json_integer_value(json_object_get(meta, "partitionNum"));
        a->segid = vrv_segid_format(a->datasource, a->interval, ver ? ver : "", (int32_t)part);
    }
    a->nrows = vrv_segment_rows(seg);
    a->min_time = a->nrows ? vrv_segment_min_time(seg) : INT64_MAX;
    a->max_time = a->nrows ? vrv_segment_max_time(seg) : INT64_MIN;
    a->size = vrv_segment_file_size(seg);
    a->ncols = vrv_segment_ncols(seg);
    a->cols = vrv_calloc(a->ncols ? a->ncols : 1, sizeof *a->cols);
    a->seg_nulls = vrv_calloc(a->ncols ? a->ncols : 1, sizeof *a->seg_nulls);
    for (size_t i = 0; i < a->ncols; i++) {
        const vrv_seg_col *sc = vrv_segment_col(seg, i);
        vrv_adapter_col *c = &a->cols[i];
        c->name = sc->name;
        c->type = sc->type;
        c->complex_type = sc->complex_type;
        c->is_time = sc->is_time;
        c->is_metric = sc->is_metric;
        c->dict = sc->type == VRV_C_STRING || sc->type == VRV_C_JSON;
        c->bitmap = c->dict && sc->bitmap;
        c->multi = sc->multi;
        c->has_nulls = sc->has_nulls;
        c->ndict = sc->ndict;
        if (!c->dict && !c->is_time && sc->has_nulls) a->seg_nulls[i] = vrv_seg_nulls(seg, i);
    }
    return a;
}

/* ---- in-memory tables ------------------------------------------------------- */

typedef struct bcol {
    char *name;
    vrv_ctype type;
    VRV_VEC(int64_t) l;
    VRV_VEC(double) d;
    VRV_VEC(float) f;
    VRV_VEC(uint8_t) nulls;
    VRV_VEC(uint32_t) ids;   /* provisional ids (map order, 1-based) */
    VRV_VEC(uint64_t) off;   /* rows + 1 */
    VRV_VEC(vrv_value) cx;
    vrv_map dict;            /* string -> provisional id */
    VRV_VEC(vrv_str) strs;   /* provisional id - 1 -> string (arena) */
    bool multi, any_null;
} bcol;

struct vrv_table_builder {
    size_t ncols;
    bcol *c;
    VRV_VEC(int64_t) times;
    vrv_arena arena;
};

vrv_table_builder *vrv_table_builder_new(const char *const *names, const vrv_ctype *types,
                                         size_t ncols)
{
    vrv_table_builder *b = vrv_calloc(1, sizeof *b);
    b->ncols = ncols;
    b->c = vrv_calloc(ncols ? ncols : 1, sizeof *b->c);
    vrv_arena_init(&b->arena, 0);
    for (size_t i = 0; i < ncols; i++) {
        b->c[i].name = vrv_strdup(names[i]);
        vrv_ctype t = types[i];
        if (t == VRV_C_ARRAY_STRING) t = VRV_C_STRING;
        if (t == VRV_C_ARRAY_LONG || t == VRV_C_ARRAY_DOUBLE) t = VRV_C_STRING;
        b->c[i].type = t;
        vrv_map_init(&b->c[i].dict, false);
        vrv_vec_push(&b->c[i].off, 0);
    }
    return b;
}

static uint32_t bcol_intern(vrv_table_builder *b, bcol *c, const char *s, size_t n)
{
    bool ins;
    uint64_t *slot = vrv_map_put(&c->dict, s ? s : "", n, &ins);
    if (ins) {
        char *copy = vrv_arena_strndup(&b->arena, s ? s : "", n);
        /* re-key the slot onto the copy: the map borrows keys */
        vrv_map_del(&c->dict, s ? s : "", n);
        slot = vrv_map_put(&c->dict, copy, n, NULL);
        vrv_vec_push(&c->strs, vrv_str_make(copy, n));
        *slot = c->strs.n;
    }
    return (uint32_t)*slot;
}

static void bcol_add_string(vrv_table_builder *b, bcol *c, const vrv_value *v)
{
    vrv_buf tmp = VRV_BUF_INIT;
    if (v->type == VRV_V_ARRAY) {
        if (v->len == 0) {
            vrv_vec_push(&c->ids, 0);
            c->any_null = true;
        }
        if (v->len > 1) c->multi = true;
        for (uint32_t i = 0; i < v->len; i++) {
            const vrv_value *e = &v->u.a[i];
            if (e->type == VRV_V_NULL) {
                vrv_vec_push(&c->ids, 0);
                c->any_null = true;
            } else if (e->type == VRV_V_STRING || e->type == VRV_V_JSON) {
                vrv_vec_push(&c->ids, bcol_intern(b, c, e->u.s, e->len));
            } else {
                vrv_buf_reset(&tmp);
                if (vrv_value_append_string(e, &tmp))
                    vrv_vec_push(&c->ids, bcol_intern(b, c, tmp.data, tmp.len));
                else {
                    vrv_vec_push(&c->ids, 0);
                    c->any_null = true;
                }
            }
        }
    } else if (v->type == VRV_V_STRING || v->type == VRV_V_JSON) {
        vrv_vec_push(&c->ids, bcol_intern(b, c, v->u.s, v->len));
    } else {
        vrv_buf_reset(&tmp);
        if (vrv_value_append_string(v, &tmp)) {
            vrv_vec_push(&c->ids, bcol_intern(b, c, tmp.data ? tmp.data : "", tmp.len));
        } else {
            vrv_vec_push(&c->ids, 0);
            c->any_null = true;
        }
    }
    vrv_buf_free(&tmp);
    vrv_vec_push(&c->off, (uint64_t)c->ids.n);
}

/* Appends value v of the current row to column c. */
static void bcol_add(vrv_table_builder *b, bcol *c, const vrv_value *v)
{
    const vrv_value *one = v;
    if (v->type == VRV_V_ARRAY && v->len == 1 && c->type != VRV_C_STRING) one = &v->u.a[0];
    bool isnull = false;
    switch (c->type) {
    case VRV_C_STRING:
    case VRV_C_JSON: bcol_add_string(b, c, v); break;
    case VRV_C_LONG: {
        int64_t x = 0;
        if (one->type == VRV_V_DOUBLE) x = (int64_t)one->u.d;
        else if (one->type == VRV_V_FLOAT) x = (int64_t)one->u.f;
        else if (!vrv_value_to_long(one, &x)) isnull = true;
        vrv_vec_push(&c->l, isnull ? 0 : x);
        break;
    }
    case VRV_C_DOUBLE: {
        double x = 0;
        if (!vrv_value_to_double(one, &x)) isnull = true;
        vrv_vec_push(&c->d, isnull ? 0 : x);
        break;
    }
    case VRV_C_FLOAT: {
        double x = 0;
        if (one->type == VRV_V_FLOAT) x = one->u.f;
        else if (!vrv_value_to_double(one, &x)) isnull = true;
        vrv_vec_push(&c->f, isnull ? 0.0f : (float)x);
        break;
    }
    default: {
        vrv_value cv = vrv_null();
        if (v->type == VRV_V_COMPLEX) {
            cv = vrv_agg_complex_to_bytes(v, &b->arena);
            cv.u.ptr = vrv_arena_memdup(&b->arena, cv.u.ptr, cv.len ? cv.len : 1);
        } else if (v->type == VRV_V_STRING) {
            cv = vrv_string(vrv_arena_strndup(&b->arena, v->u.s, v->len), v->len);
        } else if (v->type != VRV_V_NULL) {
            cv = *v;
        }
        isnull = cv.type == VRV_V_NULL;
        vrv_vec_push(&c->cx, cv);
        break;
    }
    }
    if (c->type != VRV_C_STRING && c->type != VRV_C_JSON) {
        vrv_vec_push(&c->nulls, isnull ? 1 : 0);
        if (isnull) c->any_null = true;
    }
}

/* Makes room for n more rows in every column, so adding a known number of
 * rows grows no vector by copying. */
static void builder_reserve(vrv_table_builder *b, size_t n)
{
    vrv_vec_reserve(&b->times, b->times.n + n);
    for (size_t i = 0; i < b->ncols; i++) {
        bcol *c = &b->c[i];
        switch (c->type) {
        case VRV_C_STRING:
        case VRV_C_JSON:
            vrv_vec_reserve(&c->ids, c->ids.n + n);
            vrv_vec_reserve(&c->off, c->off.n + n);
            break;
        case VRV_C_LONG: vrv_vec_reserve(&c->l, c->l.n + n); break;
        case VRV_C_DOUBLE: vrv_vec_reserve(&c->d, c->d.n + n); break;
        case VRV_C_FLOAT: vrv_vec_reserve(&c->f, c->f.n + n); break;
        default: vrv_vec_reserve(&c->cx, c->cx.n + n); break;
        }
        if (c->type != VRV_C_STRING && c->type != VRV_C_JSON)
            vrv_vec_reserve(&c->nulls, c->nulls.n + n);
    }
}

void vrv_table_builder_add(vrv_table_builder *b, vrv_ms t, const vrv_value *vals)
{
    vrv_vec_push(&b->times, t);
    for (size_t i = 0; i < b->ncols; i++) bcol_add(b, &b->c[i], &vals[i]);
}

static int cmp_strp(const void *x, const void *y)
{
    const vrv_str *a = *(const vrv_str *const *)x, *b = *(const vrv_str *const *)y;
    return vrv_str_cmp(*a, *b);
}

/* Builds the adapter's column arrays from a builder, with rows permuted by
 * perm (perm[k] = builder row of output row k). */
static void mem_from_builder(vrv_adapter *a, vrv_table_builder *b, const uint32_t *perm)
{
    size_t n = b->times.n;
    a->nrows = n;
    a->times = vrv_malloc((n ? n : 1) * sizeof *a->times);
    a->min_time = INT64_MAX;
    a->max_time = INT64_MIN;
    for (size_t k = 0; k < n; k++) {
        a->times[k] = b->times.v[perm[k]];
        if (a->times[k] < a->min_time) a->min_time = a->times[k];
        if (a->times[k] > a->max_time) a->max_time = a->times[k];
    }
    a->ncols = b->ncols + 1;
    a->cols = vrv_calloc(a->ncols, sizeof *a->cols);
    a->m = vrv_calloc(a->ncols, sizeof *a->m);
    a->cols[0].name = "__time";
    a->cols[0].type = VRV_C_LONG;
    a->cols[0].is_time = true;
    for (size_t i = 0; i < b->ncols; i++) {
        bcol *c = &b->c[i];
        vrv_adapter_col *ac = &a->cols[i + 1];
        mcol *mc = &a->m[i + 1];
        ac->name = vrv_arena_strdup(&a->arena, c->name);
        ac->type = c->type;
        ac->has_nulls = c->any_null;
        switch (c->type) {
        case VRV_C_STRING:
        case VRV_C_JSON: {
            size_t nd = c->strs.n;
            vrv_str **order = vrv_malloc((nd ? nd : 1) * sizeof *order);
            for (size_t k = 0; k < nd; k++) order[k] = &c->strs.v[k];
            qsort(order, nd, sizeof *order, cmp_strp);
            uint32_t *remap = vrv_malloc((nd + 1) * sizeof *remap);
            remap[0] = 0;
            mc->dict = vrv_arena_alloc(&a->arena, (nd + 1) * sizeof *mc->dict);
            mc->dict[0] = vrv_str_make(NULL, 0);
            for (size_t k = 0; k < nd; k++) {
                size_t prov = (size_t)(order[k] - c->strs.v) + 1;
                remap[prov] = (uint32_t)(k + 1);
                mc->dict[k + 1] = vrv_str_make(vrv_arena_memdup(&a->arena, order[k]->p,
                                                                order[k]->n ? order[k]->n : 1),
                                               order[k]->n);
            }
            mc->ids = vrv_malloc((c->ids.n ? c->ids.n : 1) * sizeof *mc->ids);
            if (c->multi) mc->mvoff = vrv_malloc((n + 1) * sizeof *mc->mvoff);
            size_t w = 0;
            for (size_t k = 0; k < n; k++) {
                size_t r = perm[k];
                if (mc->mvoff) mc->mvoff[k] = w;
                for (uint64_t j = c->off.v[r]; j < c->off.v[r + 1]; j++)
                    mc->ids[w++] = remap[c->ids.v[j]];
            }
            if (mc->mvoff) mc->mvoff[n] = w;
            ac->dict = true;
            ac->bitmap = true;
            ac->multi = c->multi;
            ac->ndict = (uint32_t)nd;
            mc->bitmaps = vrv_calloc(nd + 1, sizeof *mc->bitmaps);
            for (size_t k = 0; k <= nd; k++) mc->bitmaps[k] = roaring_bitmap_create();
            for (size_t k = 0; k < n; k++) {
                if (mc->mvoff) {
                    for (uint64_t j = mc->mvoff[k]; j < mc->mvoff[k + 1]; j++)
                        roaring_bitmap_add(mc->bitmaps[mc->ids[j]], (uint32_t)k);
                } else {
                    roaring_bitmap_add(mc->bitmaps[mc->ids[k]], (uint32_t)k);
                }
            }
            free(remap);
            free(order);
            break;
        }
        case VRV_C_LONG:
            mc->l = vrv_malloc((n ? n : 1) * sizeof *mc->l);
            for (size_t k = 0; k < n; k++) mc->l[k] = c->l.v[perm[k]];
            break;
        case VRV_C_DOUBLE:
            mc->d = vrv_malloc((n ? n : 1) * sizeof *mc->d);
            for (size_t k = 0; k < n; k++) mc->d[k] = c->d.v[perm[k]];
            break;
        case VRV_C_FLOAT:
            mc->f = vrv_malloc((n ? n : 1) * sizeof *mc->f);
            for (size_t k = 0; k < n; k++) mc->f[k] = c->f.v[perm[k]];
            break;
        default:
            mc->cx = vrv_malloc((n ? n : 1) * sizeof *mc->cx);
            for (size_t k = 0; k < n; k++) {
                mc->cx[k] = c->cx.v[perm[k]];
                /* the cells' bytes live in the builder's arena, which finish frees */
                if (mc->cx[k].type == VRV_V_COMPLEX || mc->cx[k].type == VRV_V_STRING)
                    mc->cx[k].u.ptr = vrv_arena_memdup(&a->arena, mc->cx[k].u.ptr, mc->cx[k].len ? mc->cx[k].len : 1);
            }
            if (c->type == VRV_C_COMPLEX) {
                for (size_t k = 0; k < n && !ac->complex_type; k++)
                    if (mc->cx[k].type == VRV_V_COMPLEX) {
                        static const char *names[] = {
                            [VRV_AGG_K_HLL] = "hyperUnique",
                            [VRV_AGG_K_THETA] = "thetaSketch",
                            [VRV_AGG_K_HLLSK] = "HLLSketch",
                            [VRV_AGG_K_QUANTILES] = "quantilesDoublesSketch",
                            [VRV_AGG_K_PAIR_LONG] = "serializablePairLongLong",
                            [VRV_AGG_K_PAIR_DOUBLE] = "serializablePairLongDouble",
                            [VRV_AGG_K_PAIR_FLOAT] = "serializablePairLongFloat",
                            [VRV_AGG_K_PAIR_STRING] = "serializablePairLongString",
                            [VRV_AGG_K_MEAN] = "doubleMean",
                        };
                        unsigned kind = mc->cx[k].flags & VRV_AGG_KIND_MASK;
                        if (kind < sizeof names / sizeof names[0]) ac->complex_type = names[kind];
                    }
            }
            break;
        }
        if (c->type != VRV_C_STRING && c->type != VRV_C_JSON && c->any_null) {
            mc->nulls = vrv_malloc(n ? n : 1);
            for (size_t k = 0; k < n; k++) mc->nulls[k] = c->nulls.v[perm[k]];
        }
    }
    a->size = 0;
    for (size_t i = 0; i < b->ncols; i++) a->size += (uint64_t)n * 8;
}

static void builder_free(vrv_table_builder *b)
{
    for (size_t i = 0; i < b->ncols; i++) {
        bcol *c = &b->c[i];
        free(c->name);
        vrv_vec_free(&c->l);
        vrv_vec_free(&c->d);
        vrv_vec_free(&c->f);
        vrv_vec_free(&c->nulls);
        vrv_vec_free(&c->ids);
        vrv_vec_free(&c->off);
        vrv_vec_free(&c->cx);
        vrv_vec_free(&c->strs);
        vrv_map_destroy(&c->dict);
    }
    free(b->c);
    vrv_vec_free(&b->times);
    vrv_arena_destroy(&b->arena);
    free(b);
}

static int cmp_perm(const void *x, const void *y, void *ctx)
{
    const int64_t *times = ctx;
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    int64_t ta = times[a], tb = times[b];
    if (ta != tb) return ta < tb ? -1 : 1;
    return a < b ? -1 : a > b;
}

vrv_adapter *vrv_table_builder_finish(vrv_table_builder *b, const char *datasource,
                                      const char *segment_id, const vrv_interval *interval)
{
    vrv_adapter *a = vrv_calloc(1, sizeof *a);
    atomic_init(&a->refs, 1);
    a->kind = AD_MEM;
    vrv_arena_init(&a->arena, 0);
    size_t n = b->times.n;
    uint32_t *perm = vrv_malloc((n ? n : 1) * sizeof *perm);
    bool sorted = true;
    for (size_t k = 0; k < n; k++) {
        perm[k] = (uint32_t)k;
        if (k && b->times.v[k] < b->times.v[k - 1]) sorted = false;
    }
    if (!sorted) {
        /* qsort with the index as tie-breaker is a stable sort */
        qsort_r(perm, n, sizeof *perm, cmp_perm, b->times.v);
    }
    mem_from_builder(a, b, perm);
    free(perm);
    a->datasource = vrv_strdup(datasource ? datasource : "");
    a->segid = vrv_strdup(segment_id ? segment_id : a->datasource);
    if (interval) a->interval = *interval;
    else if (n) a->interval = vrv_interval_make(a->min_time, a->max_time + 1);
    else a->interval = vrv_interval_make(0, 0);
    builder_free(b);
    return a;
}

vrv_adapter *vrv_adapter_index(const vrv_index *idx, const char *datasource, const char *segment_id,
                               vrv_interval interval, const json_t *meta)
{
    vrv_index_snapshot snap;
    vrv_index_snapshot_take(idx, &snap);
    return vrv_adapter_index_range(idx, &snap, 0, snap.nrows, datasource, segment_id, interval,
                                   meta);
}

vrv_adapter *vrv_adapter_index_range(const vrv_index *idx, const vrv_index_snapshot *snapshot,
                                     size_t from, size_t to, const char *datasource,
                                     const char *segment_id, vrv_interval interval,
                                     const json_t *meta)
{
    vrv_index_snapshot snap = *snapshot;
    size_t nc = snap.ndims + snap.nmetrics;
    const char **names = vrv_calloc(nc ? nc : 1, sizeof *names);
    vrv_ctype *types = vrv_calloc(nc ? nc : 1, sizeof *types);
    for (size_t d = 0; d < snap.ndims; d++) {
        names[d] = snap.dims[d].name;
        types[d] = snap.dims[d].type;
    }
    for (size_t m = 0; m < snap.nmetrics; m++) {
        const vrv_agg_spec *spec = snap.metrics[m].ctx;
        names[snap.ndims + m] = snap.metrics[m].name;
        vrv_agg_coltype ct = vrv_agg_stored_type(spec);
        types[snap.ndims + m] = ct.type;
    }
    vrv_table_builder *b = vrv_table_builder_new(names, types, nc);
    builder_reserve(b, to - from);
    uint32_t *order = vrv_index_sorted_range(idx, &snap, from, to);
    vrv_value *vals = vrv_calloc(nc ? nc : 1, sizeof *vals);
    /* A string dimension's single values go in by the index's dictionary id:
     * memo[d][id] is the builder's id of the index's id, so each distinct
     * value is hashed once per copy, not once per row. The rows of the
     * snapshot only hold ids below the dictionary's size read after it. */
    uint32_t **memo = vrv_calloc(snap.ndims ? snap.ndims : 1, sizeof *memo);
    for (size_t d = 0; d < snap.ndims; d++)
        if (snap.dims[d].type == VRV_C_STRING)
            memo[d] = vrv_calloc(vrv_index_dict_size(idx, d) + 1, sizeof **memo);
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    vrv_buf tmp = VRV_BUF_INIT;
    for (size_t k = 0; k < to - from; k++) {
        size_t row = order[k];
        vrv_index_prefetch_ahead(idx, order, k, to - from);
        vrv_arena_reset(&ar);
        vrv_vec_push(&b->times, vrv_index_row_time(idx, row));
        for (size_t d = 0; d < snap.ndims; d++) {
            uint32_t id;
            bcol *c = &b->c[d];
            if (memo[d] && vrv_index_row_dim_ids(idx, row, d, &id, 1) == 1) {
                if (id == 0) {
                    c->any_null = true;
                } else if (!memo[d][id]) {
                    vrv_str sv = vrv_index_dict_get(idx, d, id);
                    memo[d][id] = bcol_intern(b, c, sv.p, sv.n);
                }
                vrv_vec_push(&c->ids, memo[d][id]);
                vrv_vec_push(&c->off, (uint64_t)c->ids.n);
                continue;
            }
            vrv_index_row_dim(idx, row, d, &ar, &vals[d]);
            bcol_add(b, c, &vals[d]);
        }
        vrv_index_lock_chunk(idx, row);
        for (size_t m = 0; m < snap.nmetrics; m++) {
            const vrv_agg_spec *spec = snap.metrics[m].ctx;
            const void *st = vrv_index_row_metric(idx, row, m);
            vrv_agg_kind kind = vrv_agg_complex_kind(spec);
            if (kind == VRV_AGG_K_NONE) {
                vals[snap.ndims + m] = vrv_agg_get(spec, st);
            } else {
                vrv_buf_reset(&tmp);
                vrv_agg_serialize(spec, st, &tmp);
                void *p = vrv_arena_memdup(&ar, tmp.data ? tmp.data : "", tmp.len ? tmp.len : 1);
                vals[snap.ndims + m] = vrv_agg_complex_bytes(kind, p, tmp.len);
            }
        }
        vrv_index_unlock_chunk(idx, row);
        for (size_t m = 0; m < snap.nmetrics; m++)
            bcol_add(b, &b->c[snap.ndims + m], &vals[snap.ndims + m]);
    }
    for (size_t d = 0; d < snap.ndims; d++) free(memo[d]);
    free(memo);
    vrv_buf_free(&tmp);
    vrv_arena_destroy(&ar);
    free(order);
    free(vals);
    free(names);
    free(types);
    vrv_adapter *a = vrv_table_builder_finish(b, datasource, segment_id, &interval);
    for (size_t m = 0; m < snap.nmetrics; m++) {
        vrv_adapter_col *c = &a->cols[1 + snap.ndims + m];
        c->is_metric = true;
        vrv_agg_coltype ct = vrv_agg_stored_type(snap.metrics[m].ctx);
        if (ct.type == VRV_C_COMPLEX) c->complex_type = ct.complex;
    }
    for (size_t d = 0; d < snap.ndims; d++) a->cols[1 + d].bitmap = snap.dims[d].bitmap;
    if (meta) a->meta = json_incref((json_t *)meta);
    return a;
}

vrv_adapter *vrv_adapter_ref(vrv_adapter *a)
{
    atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
    return a;
}

void vrv_adapter_free(vrv_adapter *a)
{
    if (!a) return;
    if (atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) != 1) return;
    if (a->kind == AD_SEG) {
        for (size_t i = 0; i < a->ncols; i++)
            if (a->seg_nulls[i]) roaring_bitmap_free(a->seg_nulls[i]);
        free(a->seg_nulls);
    } else {
        for (size_t i = 0; i < a->ncols; i++) {
            mcol *mc = &a->m[i];
            free(mc->l);
            free(mc->d);
            free(mc->f);
            free(mc->nulls);
            free(mc->ids);
            free(mc->mvoff);
            free(mc->cx);
            if (mc->bitmaps) {
                for (uint32_t k = 0; k <= a->cols[i].ndict; k++) roaring_bitmap_free(mc->bitmaps[k]);
                free(mc->bitmaps);
            }
        }
        free(a->m);
        free(a->times);
    }
    free(a->cols);
    json_decref(a->meta);
    free(a->datasource);
    free(a->segid);
    vrv_arena_destroy(&a->arena);
    free(a);
}

/* ---- accessors ------------------------------------------------------------ */

const char *vrv_adapter_datasource(const vrv_adapter *a) { return a->datasource; }
const char *vrv_adapter_segment_id(const vrv_adapter *a) { return a->segid; }
vrv_interval vrv_adapter_interval(const vrv_adapter *a) { return a->interval; }
const json_t *vrv_adapter_meta(const vrv_adapter *a) { return a->meta; }
size_t vrv_adapter_rows(const vrv_adapter *a) { return a->nrows; }
vrv_ms vrv_adapter_min_time(const vrv_adapter *a) { return a->min_time; }
vrv_ms vrv_adapter_max_time(const vrv_adapter *a) { return a->max_time; }
uint64_t vrv_adapter_size(const vrv_adapter *a) { return a->size; }
size_t vrv_adapter_ncols(const vrv_adapter *a) { return a->ncols; }
const vrv_adapter_col *vrv_adapter_column(const vrv_adapter *a, size_t i) { return &a->cols[i]; }

long vrv_adapter_find(const vrv_adapter *a, const char *name)
{
    for (size_t i = 0; i < a->ncols; i++)
        if (strcmp(a->cols[i].name, name) == 0) return (long)i;
    return -1;
}

vrv_str vrv_adapter_dict_get(const vrv_adapter *a, size_t col, uint32_t id)
{
    if (id == 0) return vrv_str_make(NULL, 0);
    if (a->kind == AD_SEG) return vrv_seg_dict_get(a->seg, col, id);
    return a->m[col].dict[id];
}

long vrv_adapter_dict_find(const vrv_adapter *a, size_t col, vrv_str s)
{
    if (a->kind == AD_SEG) return vrv_seg_dict_find(a->seg, col, s);
    size_t lo = 1, hi = (size_t)a->cols[col].ndict + 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = vrv_str_cmp(a->m[col].dict[mid], s);
        if (c == 0) return (long)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

roaring_bitmap_t *vrv_adapter_bitmap(const vrv_adapter *a, size_t col, uint32_t id)
{
    if (!a->cols[col].bitmap) return NULL;
    if (a->kind == AD_SEG) return vrv_seg_bitmap(a->seg, col, id);
    if (id > a->cols[col].ndict) return roaring_bitmap_create();
    return roaring_bitmap_copy(a->m[col].bitmaps[id]);
}

size_t vrv_adapter_nblocks(const vrv_adapter *a)
{
    return (a->nrows + VRV_ADAPTER_BLOCK - 1) / VRV_ADAPTER_BLOCK;
}

size_t vrv_adapter_block_rows(const vrv_adapter *a, size_t b)
{
    size_t start = b * VRV_ADAPTER_BLOCK;
    if (start >= a->nrows) return 0;
    size_t n = a->nrows - start;
    return n < VRV_ADAPTER_BLOCK ? n : VRV_ADAPTER_BLOCK;
}

const int64_t *vrv_adapter_times(const vrv_adapter *a, size_t b, int64_t *buf)
{
    if (a->kind == AD_MEM) return a->times + b * VRV_ADAPTER_BLOCK;
    return vrv_seg_read_times(a->seg, b, buf) < 0 ? NULL : buf;
}

const int64_t *vrv_adapter_longs(const vrv_adapter *a, size_t col, size_t b, int64_t *buf)
{
    const vrv_adapter_col *c = &a->cols[col];
    size_t n = vrv_adapter_block_rows(a, b), off = b * VRV_ADAPTER_BLOCK;
    if (c->is_time) return vrv_adapter_times(a, b, buf);
    if (a->kind == AD_MEM) {
        const mcol *m = &a->m[col];
        if (c->type == VRV_C_LONG) return m->l + off;
        if (c->type == VRV_C_DOUBLE)
            for (size_t i = 0; i < n; i++) buf[i] = (int64_t)m->d[off + i];
        else if (c->type == VRV_C_FLOAT)
            for (size_t i = 0; i < n; i++) buf[i] = (int64_t)m->f[off + i];
        else return NULL;
        return buf;
    }
    if (c->type == VRV_C_LONG) return vrv_seg_read_longs(a->seg, col, b, buf) < 0 ? NULL : buf;
    if (c->type == VRV_C_DOUBLE) {
        double *tmp = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *tmp);
        long r = vrv_seg_read_doubles(a->seg, col, b, tmp);
        for (long i = 0; i < r; i++) buf[i] = (int64_t)tmp[i];
        free(tmp);
        return r < 0 ? NULL : buf;
    }
    if (c->type == VRV_C_FLOAT) {
        float tmp[VRV_ADAPTER_BLOCK];
        long r = vrv_seg_read_floats(a->seg, col, b, tmp);
        for (long i = 0; i < r; i++) buf[i] = (int64_t)tmp[i];
        return r < 0 ? NULL : buf;
    }
    return NULL;
}

const double *vrv_adapter_doubles(const vrv_adapter *a, size_t col, size_t b, double *buf)
{
    const vrv_adapter_col *c = &a->cols[col];
    size_t n = vrv_adapter_block_rows(a, b), off = b * VRV_ADAPTER_BLOCK;
    if (a->kind == AD_MEM && !c->is_time) {
        const mcol *m = &a->m[col];
        if (c->type == VRV_C_DOUBLE) return m->d + off;
        if (c->type == VRV_C_LONG)
            for (size_t i = 0; i < n; i++) buf[i] = (double)m->l[off + i];
        else if (c->type == VRV_C_FLOAT)
            for (size_t i = 0; i < n; i++) buf[i] = (double)m->f[off + i];
        else return NULL;
        return buf;
    }
    if (c->type == VRV_C_DOUBLE) return vrv_seg_read_doubles(a->seg, col, b, buf) < 0 ? NULL : buf;
    if (c->type == VRV_C_LONG || c->is_time) {
        int64_t *tmp = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *tmp);
        const int64_t *l = vrv_adapter_longs(a, col, b, tmp);
        if (l)
            for (size_t i = 0; i < n; i++) buf[i] = (double)l[i];
        free(tmp);
        return l ? buf : NULL;
    }
    if (c->type == VRV_C_FLOAT) {
        float tmp[VRV_ADAPTER_BLOCK];
        long r = vrv_seg_read_floats(a->seg, col, b, tmp);
        for (long i = 0; i < r; i++) buf[i] = (double)tmp[i];
        return r < 0 ? NULL : buf;
    }
    return NULL;
}

const float *vrv_adapter_floats(const vrv_adapter *a, size_t col, size_t b, float *buf)
{
    const vrv_adapter_col *c = &a->cols[col];
    size_t n = vrv_adapter_block_rows(a, b);
    if (c->type == VRV_C_FLOAT) {
        if (a->kind == AD_MEM) return a->m[col].f + b * VRV_ADAPTER_BLOCK;
        return vrv_seg_read_floats(a->seg, col, b, buf) < 0 ? NULL : buf;
    }
    double *tmp = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *tmp);
    const double *d = vrv_adapter_doubles(a, col, b, tmp);
    if (d)
        for (size_t i = 0; i < n; i++) buf[i] = (float)d[i];
    free(tmp);
    return d ? buf : NULL;
}

const uint8_t *vrv_adapter_nulls(const vrv_adapter *a, size_t col, size_t b, uint8_t *buf)
{
    size_t n = vrv_adapter_block_rows(a, b), off = b * VRV_ADAPTER_BLOCK;
    if (a->kind == AD_MEM) {
        const uint8_t *nl = a->m[col].nulls;
        if (!nl) return NULL;
        return memchr(nl + off, 1, n) ? nl + off : NULL;
    }
    const roaring_bitmap_t *bm = a->seg_nulls[col];
    if (!bm) return NULL;
    if (roaring_bitmap_range_cardinality(bm, off, off + n) == 0) return NULL;
    memset(buf, 0, n);
    roaring_uint32_iterator_t it;
    roaring_init_iterator(bm, &it);
    if (roaring_move_uint32_iterator_equalorlarger(&it, (uint32_t)off)) {
        while (it.has_value && it.current_value < off + n) {
            buf[it.current_value - off] = 1;
            roaring_advance_uint32_iterator(&it);
        }
    }
    return buf;
}

const uint32_t *vrv_adapter_ids(const vrv_adapter *a, size_t col, size_t b, uint32_t *buf)
{
    if (a->kind == AD_MEM) return a->m[col].ids + b * VRV_ADAPTER_BLOCK;
    return vrv_seg_read_ids(a->seg, col, b, buf) < 0 ? NULL : buf;
}

void vrv_mv_reader_init(vrv_mv_reader *r, const vrv_adapter *a, size_t col)
{
    memset(r, 0, sizeof *r);
    r->a = a;
    r->col = col;
    r->block = -1;
    r->buf = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *r->buf);
}

void vrv_mv_reader_free(vrv_mv_reader *r)
{
    free(r->buf);
    free(r->tmp);
}

static const uint32_t *mv_flat(vrv_mv_reader *r, uint64_t pos)
{
    long blk = (long)(pos / VRV_ADAPTER_BLOCK);
    if (blk != r->block) {
        long n = vrv_seg_read_ids(r->a->seg, r->col, (size_t)blk, r->buf);
        r->block = n < 0 ? -1 : blk;
        r->block_len = n < 0 ? 0 : (size_t)n;
        if (n < 0) return NULL;
    }
    size_t i = (size_t)(pos % VRV_ADAPTER_BLOCK);
    return i < r->block_len ? r->buf + i : NULL;
}

const uint32_t *vrv_mv_row(vrv_mv_reader *r, size_t row, size_t *n)
{
    static const uint32_t null_id = 0;
    const vrv_adapter *a = r->a;
    if (a->kind == AD_MEM) {
        const mcol *m = &a->m[r->col];
        if (!m->mvoff) {
            *n = 1;
            return m->ids + row;
        }
        *n = (size_t)(m->mvoff[row + 1] - m->mvoff[row]);
        if (*n == 0) {
            *n = 1;
            return &null_id;
        }
        return m->ids + m->mvoff[row];
    }
    uint64_t s = row, e = row + 1;
    if (a->cols[r->col].multi) vrv_seg_mv_range(a->seg, r->col, row, &s, &e);
    if (e <= s) {
        *n = 1;
        return &null_id;
    }
    *n = (size_t)(e - s);
    if (s / VRV_ADAPTER_BLOCK == (e - 1) / VRV_ADAPTER_BLOCK) {
        const uint32_t *p = mv_flat(r, s);
        if (!p) {
            *n = 1;
            return &null_id;
        }
        return p;
    }
    if (r->tmp_cap < *n) {
        r->tmp_cap = *n;
        r->tmp = vrv_realloc(r->tmp, r->tmp_cap * sizeof *r->tmp);
    }
    for (uint64_t k = s; k < e; k++) {
        const uint32_t *p = mv_flat(r, k);
        r->tmp[k - s] = p ? *p : 0;
    }
    return r->tmp;
}

vrv_value vrv_adapter_complex(const vrv_adapter *a, size_t col, size_t row)
{
    const vrv_adapter_col *c = &a->cols[col];
    if (a->kind == AD_MEM) return a->m[col].cx ? a->m[col].cx[row] : vrv_null();
    const uint8_t *p;
    size_t len;
    vrv_seg_blob(a->seg, col, row, &p, &len);
    if (len == 0) return vrv_null();
    return vrv_agg_complex_bytes((vrv_agg_kind)vrv_adapter_complex_kind(c->complex_type), p, len);
}
