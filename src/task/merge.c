/*
 * merge.c — persisting an index to a spill segment and the k-way merge of
 * spills into final segments (see merge.h).
 *
 * The merge keeps one cursor per input segment. A cursor decodes its
 * segment block by block (VRV_SEG_BLOCK_ROWS rows of every column at once),
 * so a row is read from decoded arrays; multi-value string columns also keep
 * the block of their flattened id list that the current row points into. A
 * binary heap orders the cursors by their current row; with rollup the
 * cursors whose current rows equal the smallest one are popped together and
 * their metrics folded into one output row.
 */
#include "task/merge.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"

#define BLOCK VRV_SEG_BLOCK_ROWS

/* ---- index metric ops over aggregator states ---------------------------- */

static void op_init(const void *ctx, void *state)
{
    vrv_agg_init(ctx, state);
}
static void op_add(const void *ctx, void *state, const vrv_value *in, vrv_ms t)
{
    vrv_agg_add(ctx, state, in, t);
}
static void op_merge(const void *ctx, void *dst, const void *src)
{
    vrv_agg_merge(ctx, dst, src);
}
static void op_destroy(const void *ctx, void *state)
{
    vrv_agg_destroy(ctx, state);
}
static size_t op_heap(const void *ctx, const void *state)
{
    return vrv_agg_state_bytes(ctx, state) - vrv_agg_state_size(ctx);
}

void vrv_task_agg_ops(const vrv_agg_spec *inner, vrv_index_metric_ops *ops)
{
    ops->state_size = vrv_agg_state_size(inner);
    ops->init = op_init;
    ops->add = op_add;
    ops->merge = op_merge;
    ops->destroy = op_destroy;
    /* numeric states own no heap: no accounting call on every add */
    ops->heap_bytes = vrv_agg_has_heap(inner) ? op_heap : NULL;
}

json_t *vrv_task_combining_json(const vrv_agg_list *metrics)
{
    json_t *a = json_array();
    for (size_t i = 0; metrics && i < metrics->n; i++) {
        vrv_agg_spec *c = vrv_agg_combining(metrics->v[i]);
        json_array_append_new(a, vrv_agg_to_json(c));
        vrv_agg_spec_free(c);
    }
    return a;
}

/* ---- persist ---------------------------------------------------------------- */

/* A state's stored value: the number for numeric aggregators, the serialized
 * state (in arena) for the others. */
static vrv_value stored_value(const vrv_agg_spec *inner, const void *st, vrv_buf *tmp,
                              vrv_arena *arena)
{
    vrv_agg_kind kind = vrv_agg_complex_kind(inner);
    if (kind == VRV_AGG_K_NONE) return vrv_agg_get(inner, st);
    vrv_buf_reset(tmp);
    vrv_agg_serialize(inner, st, tmp);
    const void *p = tmp->len ? vrv_arena_memdup(arena, tmp->data, tmp->len) : "";
    return vrv_agg_complex_bytes(kind, p, tmp->len);
}

static void metric_column(const vrv_agg_spec *outer, vrv_seg_column_def *def)
{
    vrv_agg_coltype ct = vrv_agg_stored_type(outer);
    def->name = outer->name;
    def->type = ct.type;
    def->complex_type = ct.type == VRV_C_COMPLEX ? ct.complex : NULL;
    def->is_metric = true;
    def->bitmap = false;
}

int vrv_task_persist(const vrv_index *idx, const vrv_agg_list *metrics,
                     const vrv_seg_writer_opts *opts, const json_t *meta, const char *path,
                     size_t *rows_out, vrv_error *err)
{
    vrv_index_snapshot snap;
    vrv_index_snapshot_take(idx, &snap);
    size_t nm = VRV_MIN(snap.nmetrics, metrics ? metrics->n : 0);
    size_t ncols = snap.ndims + nm;
    vrv_seg_column_def *defs = vrv_calloc(ncols ? ncols : 1, sizeof *defs);
    for (size_t d = 0; d < snap.ndims; d++) {
        defs[d].name = snap.dims[d].name;
        defs[d].type = snap.dims[d].type;
        defs[d].bitmap = (snap.dims[d].type == VRV_C_STRING || snap.dims[d].type == VRV_C_JSON) &&
                         snap.dims[d].bitmap;
    }
    for (size_t m = 0; m < nm; m++) metric_column(metrics->v[m], &defs[snap.ndims + m]);
    vrv_seg_writer *w = vrv_seg_writer_new(defs, ncols, opts);
    vrv_seg_writer_reserve(w, snap.nrows);
    uint32_t *order = vrv_index_sorted(idx, &snap);
    vrv_value *vals = vrv_calloc(ncols ? ncols : 1, sizeof *vals);
    /* A string dimension's single values go to the writer by id: memo[d]
     * maps the index's dictionary ids to the writer's, so each distinct value
     * is hashed once per persist rather than once per row. */
    uint32_t *ids = vrv_malloc((ncols ? ncols : 1) * sizeof *ids);
    uint32_t **memo = vrv_calloc(snap.ndims ? snap.ndims : 1, sizeof *memo);
    for (size_t c = 0; c < ncols; c++) ids[c] = VRV_SEG_NO_ID;
    for (size_t d = 0; d < snap.ndims; d++)
        if (snap.dims[d].type == VRV_C_STRING) {
            size_t n = vrv_index_dict_size(idx, d) + 1;
            memo[d] = vrv_malloc(n * sizeof **memo);
            for (size_t k = 0; k < n; k++) memo[d][k] = VRV_SEG_NO_ID;
            memo[d][0] = 0;
        }
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    vrv_buf tmp = VRV_BUF_INIT;
    for (size_t i = 0; i < snap.nrows; i++) {
        size_t r = order[i];
        vrv_index_prefetch_ahead(idx, order, i, snap.nrows);
        for (size_t d = 0; d < snap.ndims; d++) {
            uint32_t id;
            ids[d] = VRV_SEG_NO_ID;
            if (memo[d] && vrv_index_row_dim_ids(idx, r, d, &id, 1) == 1) {
                if (memo[d][id] == VRV_SEG_NO_ID) {
                    vrv_str sv = vrv_index_dict_get(idx, d, id);
                    memo[d][id] = vrv_seg_writer_intern(w, d, sv.p, sv.n);
                }
                ids[d] = memo[d][id];
                continue;
            }
            vrv_index_row_dim(idx, r, d, &arena, &vals[d]);
            if (snap.dims[d].type == VRV_C_JSON && vrv_is_number(&vals[d])) {
                /* a bare number is valid JSON text */
                vrv_buf_reset(&tmp);
                vrv_value_append_string(&vals[d], &tmp);
                vals[d].type = VRV_V_JSON;
                vals[d].u.s = vrv_arena_strndup(&arena, tmp.data, tmp.len);
                vals[d].len = (uint32_t)tmp.len;
            }
        }
        vrv_index_lock_chunk(idx, r);
        for (size_t m = 0; m < nm; m++) {
            const vrv_agg_spec *inner = vrv_agg_unwrap(metrics->v[m]);
            vals[snap.ndims + m] =
                stored_value(inner, vrv_index_row_metric(idx, r, m), &tmp, &arena);
        }
        vrv_seg_writer_add_ids(w, vrv_index_row_time(idx, r), vals, ids);
        vrv_index_unlock_chunk(idx, r);
        vrv_arena_reset(&arena);
    }
    for (size_t d = 0; d < snap.ndims; d++) free(memo[d]);
    free(memo);
    free(ids);
    int rc = vrv_seg_writer_finish(w, meta, path, NULL, err);
    if (rc == 0 && rows_out) *rows_out = snap.nrows;
    vrv_seg_writer_free(w);
    vrv_buf_free(&tmp);
    vrv_arena_destroy(&arena);
    free(vals);
    free(order);
    free(defs);
    return rc;
}

/* ---- merge cursors ------------------------------------------------------- */

typedef struct ocol {
    const char *name; /* borrowed from the first input that has it */
    vrv_ctype type;
    const char *complex_type;
    bool bitmap;
    bool is_metric;
} ocol;

typedef struct ccol {
    long col;     /* column in this input, -1 when absent */
    bool multi;   /* multi-value strings */
    void *vals;   /* the decoded block: ids (u32) or numbers */
    roaring_bitmap_t *nulls;
    uint32_t *flat;     /* multi: a block of the flattened id list */
    long flat_block;    /* which one; -1 none */
} ccol;

typedef struct cursor {
    vrv_segment *seg;
    size_t input;  /* position among the inputs: the tie-break */
    size_t row, nrows;
    long block;    /* decoded block, -1 none */
    int64_t *times;
    ccol *cols;    /* per output column */
} cursor;

typedef struct merger {
    size_t ncols, ndims;
    ocol *cols;
    cursor *cur;
    size_t ncur;
    cursor **heap;
    size_t nheap;
    bool rollup;
    vrv_error *err;
    int rc; /* first read error */
} merger;

static int read_fail(merger *mg, const cursor *c, long rc)
{
    if (mg->rc == 0) {
        mg->rc = rc < 0 ? (int)rc : VRV_ECORRUPT;
        vrv_error_set(mg->err, mg->rc, "merge: input %zu: unreadable block at row %zu",
                      c->input, c->row);
    }
    return mg->rc;
}

/* Decodes the block holding c->row for every column. */
static int load_block(merger *mg, cursor *c)
{
    long b = (long)(c->row / BLOCK);
    if (b == c->block) return 0;
    c->block = b;
    long n = vrv_seg_read_times(c->seg, (size_t)b, c->times);
    if (n < 0) return read_fail(mg, c, n);
    for (size_t k = 0; k < mg->ncols; k++) {
        ccol *cc = &c->cols[k];
        if (cc->col < 0) continue;
        const vrv_seg_col *sc = vrv_segment_col(c->seg, (size_t)cc->col);
        long r = 0;
        switch (sc->type) {
        case VRV_C_STRING:
        case VRV_C_JSON:
            if (!cc->multi) r = vrv_seg_read_ids(c->seg, (size_t)cc->col, (size_t)b, cc->vals);
            break;
        case VRV_C_LONG: r = vrv_seg_read_longs(c->seg, (size_t)cc->col, (size_t)b, cc->vals); break;
        case VRV_C_DOUBLE:
            r = vrv_seg_read_doubles(c->seg, (size_t)cc->col, (size_t)b, cc->vals);
            break;
        case VRV_C_FLOAT:
            r = vrv_seg_read_floats(c->seg, (size_t)cc->col, (size_t)b, cc->vals);
            break;
        default: break; /* complex: read per row */
        }
        if (r < 0) return read_fail(mg, c, r);
    }
    return 0;
}

static uint32_t flat_id(merger *mg, cursor *c, ccol *cc, uint64_t pos)
{
    long fb = (long)(pos / BLOCK);
    if (fb != cc->flat_block) {
        long r = vrv_seg_read_ids(c->seg, (size_t)cc->col, (size_t)fb, cc->flat);
        if (r < 0) {
            read_fail(mg, c, r);
            return 0;
        }
        cc->flat_block = fb;
    }
    return cc->flat[pos % BLOCK];
}

/* The ids of string column k at the cursor's row: *n ids written to buf (or
 * a pointer to the single one). */
static const uint32_t *row_ids(merger *mg, cursor *c, size_t k, uint32_t *one, uint32_t **buf,
                               size_t *cap, size_t *n)
{
    ccol *cc = &c->cols[k];
    if (cc->col < 0) {
        *one = 0;
        *n = 1;
        return one;
    }
    if (!cc->multi) {
        *one = ((const uint32_t *)cc->vals)[c->row % BLOCK];
        *n = 1;
        return one;
    }
    uint64_t s, e;
    vrv_seg_mv_range(c->seg, (size_t)cc->col, c->row, &s, &e);
    size_t cnt = (size_t)(e - s);
    if (cnt > *cap) {
        *cap = cnt;
        *buf = vrv_realloc(*buf, cnt * sizeof **buf);
    }
    for (size_t i = 0; i < cnt; i++) (*buf)[i] = flat_id(mg, c, cc, s + i);
    *n = cnt;
    return *buf;
}

static bool num_null(const cursor *c, const ccol *cc)
{
    return cc->col < 0 || (cc->nulls && roaring_bitmap_contains(cc->nulls, (uint32_t)c->row));
}

static int cmp_num_col(const cursor *a, const cursor *b, size_t k, vrv_ctype t)
{
    const ccol *ca = &a->cols[k], *cb = &b->cols[k];
    bool an = !num_null(a, ca), bn = !num_null(b, cb);
    if (!an || !bn) return an - bn; /* null first */
    size_t ia = a->row % BLOCK, ib = b->row % BLOCK;
    vrv_ctype ta = vrv_segment_col(a->seg, (size_t)ca->col)->type;
    vrv_ctype tb = vrv_segment_col(b->seg, (size_t)cb->col)->type;
    if (t == VRV_C_LONG && ta == VRV_C_LONG && tb == VRV_C_LONG) {
        int64_t x = ((const int64_t *)ca->vals)[ia], y = ((const int64_t *)cb->vals)[ib];
        return (x > y) - (x < y);
    }
    double x = ta == VRV_C_FLOAT   ? ((const float *)ca->vals)[ia]
               : ta == VRV_C_LONG  ? (double)((const int64_t *)ca->vals)[ia]
                                   : ((const double *)ca->vals)[ia];
    double y = tb == VRV_C_FLOAT   ? ((const float *)cb->vals)[ib]
               : tb == VRV_C_LONG  ? (double)((const int64_t *)cb->vals)[ib]
                                   : ((const double *)cb->vals)[ib];
    return (x > y) - (x < y);
}

typedef struct scratch {
    uint32_t *a, *b;
    size_t acap, bcap;
} scratch;

static int cmp_string_col(merger *mg, cursor *a, cursor *b, size_t k, scratch *s)
{
    uint32_t oa, ob;
    size_t na, nb;
    const uint32_t *ia = row_ids(mg, a, k, &oa, &s->a, &s->acap, &na);
    const uint32_t *ib = row_ids(mg, b, k, &ob, &s->b, &s->bcap, &nb);
    size_t n = VRV_MIN(na, nb);
    for (size_t i = 0; i < n; i++) {
        uint32_t x = ia[i], y = ib[i];
        if (x == 0 || y == 0) {
            if (x != y) return x == 0 ? -1 : 1;
            continue;
        }
        if (a->seg == b->seg) { /* same dictionary: ids are in byte order */
            if (x != y) return x < y ? -1 : 1;
            continue;
        }
        int c = vrv_str_cmp(vrv_seg_dict_get(a->seg, (size_t)a->cols[k].col, x),
                            vrv_seg_dict_get(b->seg, (size_t)b->cols[k].col, y));
        if (c) return c;
    }
    return na == nb ? 0 : na < nb ? -1 : 1;
}

/* Storage order of the two cursors' current rows; 0 when they are the same
 * row key (rollup). */
static int cmp_key(merger *mg, cursor *a, cursor *b, scratch *s)
{
    int64_t ta = a->times[a->row % BLOCK], tb = b->times[b->row % BLOCK];
    if (ta != tb) return ta < tb ? -1 : 1;
    if (!mg->rollup) return 0;
    for (size_t k = 0; k < mg->ndims; k++) {
        vrv_ctype t = mg->cols[k].type;
        int c = (t == VRV_C_STRING || t == VRV_C_JSON) ? cmp_string_col(mg, a, b, k, s)
                                                       : cmp_num_col(a, b, k, t);
        if (c) return c;
    }
    return 0;
}

static bool heap_less(merger *mg, cursor *a, cursor *b, scratch *s)
{
    int c = cmp_key(mg, a, b, s);
    if (c) return c < 0;
    return a->input < b->input;
}

static void heap_down(merger *mg, size_t i, scratch *s)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < mg->nheap && heap_less(mg, mg->heap[l], mg->heap[m], s)) m = l;
        if (r < mg->nheap && heap_less(mg, mg->heap[r], mg->heap[m], s)) m = r;
        if (m == i) return;
        cursor *t = mg->heap[i];
        mg->heap[i] = mg->heap[m];
        mg->heap[m] = t;
        i = m;
    }
}

static void heap_up(merger *mg, size_t i, scratch *s)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(mg, mg->heap[i], mg->heap[p], s)) return;
        cursor *t = mg->heap[i];
        mg->heap[i] = mg->heap[p];
        mg->heap[p] = t;
        i = p;
    }
}

static cursor *heap_pop(merger *mg, scratch *s)
{
    cursor *top = mg->heap[0];
    mg->heap[0] = mg->heap[--mg->nheap];
    if (mg->nheap) heap_down(mg, 0, s);
    return top;
}

/* Moves c to its next row and back into the heap, unless it is exhausted. */
static void advance(merger *mg, cursor *c, scratch *s)
{
    c->row++;
    if (c->row >= c->nrows) return;
    if (load_block(mg, c) < 0) return;
    mg->heap[mg->nheap++] = c;
    heap_up(mg, mg->nheap - 1, s);
}

static void add_col(merger *mg, const char *name, const vrv_seg_col *sc, bool is_metric)
{
    for (size_t k = 0; k < mg->ncols; k++)
        if (strcmp(mg->cols[k].name, name) == 0) return;
    mg->cols = vrv_realloc(mg->cols, (mg->ncols + 1) * sizeof *mg->cols);
    ocol *o = &mg->cols[mg->ncols++];
    o->name = name;
    o->type = sc ? sc->type : VRV_C_STRING;
    o->complex_type = sc ? sc->complex_type : NULL;
    o->bitmap = sc && sc->bitmap;
    o->is_metric = is_metric;
}

/* Output columns: the dimensions of every input (first-seen order; discovery
 * only ever appends, so this is the latest input's order), then the metrics
 * of the spec. */
static void merger_init(merger *mg, vrv_segment *const *in, size_t n, const vrv_agg_list *metrics,
                        bool rollup, vrv_error *err)
{
    memset(mg, 0, sizeof *mg);
    mg->rollup = rollup;
    mg->err = err;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < vrv_segment_ncols(in[i]); c++) {
            const vrv_seg_col *sc = vrv_segment_col(in[i], c);
            if (!sc->is_time && !sc->is_metric) add_col(mg, sc->name, sc, false);
        }
    mg->ndims = mg->ncols;
    for (size_t m = 0; metrics && m < metrics->n; m++) {
        const vrv_seg_col *sc = NULL;
        for (size_t i = 0; i < n && !sc; i++) {
            long c = vrv_segment_find(in[i], metrics->v[m]->name);
            if (c >= 0) sc = vrv_segment_col(in[i], (size_t)c);
        }
        vrv_seg_column_def def;
        metric_column(metrics->v[m], &def);
        size_t before = mg->ncols;
        add_col(mg, metrics->v[m]->name, sc, true);
        if (mg->ncols > before) { /* the spec decides the stored type */
            mg->cols[before].type = def.type;
            mg->cols[before].complex_type = def.complex_type;
        }
    }
    mg->ncur = n;
    mg->cur = vrv_calloc(n ? n : 1, sizeof *mg->cur);
    mg->heap = vrv_calloc(n ? n : 1, sizeof *mg->heap);
    for (size_t i = 0; i < n; i++) {
        cursor *c = &mg->cur[i];
        c->seg = in[i];
        c->input = i;
        c->nrows = vrv_segment_rows(in[i]);
        c->block = -1;
        c->times = vrv_malloc(BLOCK * sizeof *c->times);
        c->cols = vrv_calloc(mg->ncols ? mg->ncols : 1, sizeof *c->cols);
        for (size_t k = 0; k < mg->ncols; k++) {
            ccol *cc = &c->cols[k];
            cc->col = vrv_segment_find(in[i], mg->cols[k].name);
            cc->flat_block = -1;
            if (cc->col < 0) continue;
            const vrv_seg_col *sc = vrv_segment_col(in[i], (size_t)cc->col);
            if (sc->is_time) {
                cc->col = -1;
                continue;
            }
            cc->multi = sc->multi;
            if (sc->type == VRV_C_STRING || sc->type == VRV_C_JSON) {
                if (sc->multi)
                    cc->flat = vrv_malloc(BLOCK * sizeof(uint32_t));
                else
                    cc->vals = vrv_malloc(BLOCK * sizeof(uint32_t));
            } else if (vrv_ctype_is_numeric(sc->type)) {
                cc->vals = vrv_malloc(BLOCK * 8);
                cc->nulls = vrv_seg_nulls(in[i], (size_t)cc->col);
            }
        }
    }
}

static void merger_start(merger *mg, scratch *s)
{
    mg->nheap = 0;
    for (size_t i = 0; i < mg->ncur; i++) {
        cursor *c = &mg->cur[i];
        c->row = 0;
        c->block = -1;
        for (size_t k = 0; k < mg->ncols; k++) c->cols[k].flat_block = -1;
        if (c->nrows == 0 || load_block(mg, c) < 0) continue;
        mg->heap[mg->nheap++] = c;
        heap_up(mg, mg->nheap - 1, s);
    }
}

static void merger_free(merger *mg)
{
    for (size_t i = 0; i < mg->ncur; i++) {
        cursor *c = &mg->cur[i];
        for (size_t k = 0; k < mg->ncols; k++) {
            free(c->cols[k].vals);
            free(c->cols[k].flat);
            if (c->cols[k].nulls) roaring_bitmap_free(c->cols[k].nulls);
        }
        free(c->cols);
        free(c->times);
    }
    free(mg->cur);
    free(mg->heap);
    free(mg->cols);
}

/* Pops the next group of rows with one key into group[]; returns its size
 * (0 when done). */
static size_t next_group(merger *mg, cursor **group, scratch *s)
{
    if (mg->nheap == 0 || mg->rc) return 0;
    size_t n = 0;
    group[n++] = heap_pop(mg, s);
    if (mg->rollup)
        while (mg->nheap && cmp_key(mg, mg->heap[0], group[0], s) == 0)
            group[n++] = heap_pop(mg, s);
    return n;
}

uint64_t vrv_task_merge_count(vrv_segment *const *in, size_t n, bool rollup)
{
    if (!rollup) {
        uint64_t t = 0;
        for (size_t i = 0; i < n; i++) t += vrv_segment_rows(in[i]);
        return t;
    }
    merger mg;
    vrv_error err;
    merger_init(&mg, in, n, NULL, rollup, &err);
    scratch s = {0};
    merger_start(&mg, &s);
    cursor **group = vrv_malloc((n ? n : 1) * sizeof *group);
    uint64_t rows = 0;
    size_t g;
    while ((g = next_group(&mg, group, &s)) > 0) {
        rows++;
        for (size_t i = 0; i < g; i++) advance(&mg, group[i], &s);
    }
    free(group);
    free(s.a);
    free(s.b);
    merger_free(&mg);
    return rows;
}

/* The value of output column k at cursor c's row, for the writer. */
static vrv_value col_value(merger *mg, cursor *c, size_t k, vrv_arena *arena, scratch *s)
{
    const ocol *o = &mg->cols[k];
    ccol *cc = &c->cols[k];
    if (cc->col < 0) return vrv_null();
    const vrv_seg_col *sc = vrv_segment_col(c->seg, (size_t)cc->col);
    size_t i = c->row % BLOCK;
    vrv_value v = vrv_null();
    switch (sc->type) {
    case VRV_C_STRING:
    case VRV_C_JSON: {
        uint32_t one;
        size_t n;
        const uint32_t *ids = row_ids(mg, c, k, &one, &s->a, &s->acap, &n);
        uint8_t t = o->type == VRV_C_JSON ? VRV_V_JSON : VRV_V_STRING;
        vrv_value *el = n > 1 ? vrv_arena_alloc(arena, n * sizeof *el) : NULL;
        for (size_t e = 0; e < n; e++) {
            vrv_value x = vrv_null();
            if (ids[e]) {
                vrv_str str = vrv_seg_dict_get(c->seg, (size_t)cc->col, ids[e]);
                x = vrv_string(str.p, str.n);
                x.type = t;
            }
            if (n > 1)
                el[e] = x;
            else
                v = x;
        }
        if (n > 1) v = vrv_array(el, n);
        break;
    }
    case VRV_C_LONG:
        if (!num_null(c, cc)) v = vrv_long(((const int64_t *)cc->vals)[i]);
        break;
    case VRV_C_DOUBLE:
        if (!num_null(c, cc)) v = vrv_double(((const double *)cc->vals)[i]);
        break;
    case VRV_C_FLOAT:
        if (!num_null(c, cc)) v = vrv_float(((const float *)cc->vals)[i]);
        break;
    default: break;
    }
    return v;
}

int vrv_task_merge(vrv_segment *const *in, size_t n, const vrv_merge_spec *spec, vrv_error *err)
{
    uint64_t total = vrv_task_merge_count(in, n, spec->rollup);
    if (total == 0) return 0;
    uint64_t per = spec->max_rows ? spec->max_rows : total;
    size_t nout = (size_t)((total + per - 1) / per);

    merger mg;
    merger_init(&mg, in, n, spec->metrics, spec->rollup, err);
    size_t nm = spec->metrics ? spec->metrics->n : 0;
    vrv_agg_spec **comb = vrv_calloc(nm ? nm : 1, sizeof *comb);
    size_t *offs = vrv_calloc(nm ? nm : 1, sizeof *offs);
    for (size_t m = 0; m < nm; m++) comb[m] = vrv_agg_combining(spec->metrics->v[m]);
    size_t area = vrv_agg_layout((const vrv_agg_spec *const *)comb, nm, offs);
    void *states = vrv_calloc(1, area ? area : 8);
    size_t ncols = mg.ncols;
    vrv_seg_column_def *defs = vrv_calloc(ncols ? ncols : 1, sizeof *defs);
    const char **dimnames = vrv_calloc(mg.ndims ? mg.ndims : 1, sizeof *dimnames);
    for (size_t k = 0; k < ncols; k++) {
        defs[k].name = mg.cols[k].name;
        defs[k].type = mg.cols[k].type;
        defs[k].complex_type = mg.cols[k].complex_type;
        defs[k].is_metric = mg.cols[k].is_metric;
        defs[k].bitmap = mg.cols[k].bitmap;
        if (k < mg.ndims) dimnames[k] = mg.cols[k].name;
    }
    vrv_value *vals = vrv_calloc(ncols ? ncols : 1, sizeof *vals);
    cursor **group = vrv_malloc((n ? n : 1) * sizeof *group);
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    vrv_buf tmp = VRV_BUF_INIT;
    scratch s = {0};
    merger_start(&mg, &s);

    int rc = 0;
    size_t out = 0;
    vrv_seg_writer *w = NULL;
    char *path = NULL;
    json_t *meta = NULL;
    uint64_t rows = 0;
    vrv_ms tmin = INT64_MAX, tmax = INT64_MIN;
    size_t g;
    while (rc == 0 && (g = next_group(&mg, group, &s)) > 0) {
        if (!w) {
            rc = spec->begin(spec->ctx, out, nout, dimnames, mg.ndims, &path, &meta, err);
            if (rc < 0) break;
            w = vrv_seg_writer_new(defs, ncols, &spec->writer);
            rows = 0;
            tmin = INT64_MAX;
            tmax = INT64_MIN;
        }
        cursor *first = group[0];
        vrv_ms t = first->times[first->row % BLOCK];
        for (size_t k = 0; k < mg.ndims; k++) vals[k] = col_value(&mg, first, k, &arena, &s);
        for (size_t m = 0; m < nm; m++) vrv_agg_init(comb[m], (char *)states + offs[m]);
        for (size_t i = 0; i < g; i++) {
            cursor *c = group[i];
            for (size_t m = 0; m < nm; m++) {
                size_t k = mg.ndims + m;
                ccol *cc = &c->cols[k];
                if (cc->col < 0) continue;
                vrv_value v;
                const vrv_seg_col *sc = vrv_segment_col(c->seg, (size_t)cc->col);
                if (sc->type == VRV_C_COMPLEX) {
                    const uint8_t *p;
                    size_t len;
                    vrv_seg_blob(c->seg, (size_t)cc->col, c->row, &p, &len);
                    if (len == 0) continue; /* null */
                    v = vrv_agg_complex_bytes(vrv_agg_complex_kind(comb[m]), p, len);
                } else {
                    v = col_value(&mg, c, k, &arena, &s);
                    if (vrv_is_null(&v)) continue;
                }
                if (vrv_agg_add(comb[m], (char *)states + offs[m], &v, t) < 0 && mg.rc == 0) {
                    mg.rc = vrv_error_set(err, VRV_ECORRUPT,
                                          "merge: input %zu row %zu: column [%s] holds a value "
                                          "the aggregator cannot read",
                                          c->input, c->row, mg.cols[k].name);
                }
            }
        }
        for (size_t m = 0; m < nm; m++)
            vals[mg.ndims + m] = stored_value(comb[m], (char *)states + offs[m], &tmp, &arena);
        vrv_seg_writer_add(w, t, vals);
        for (size_t m = 0; m < nm; m++) vrv_agg_destroy(comb[m], (char *)states + offs[m]);
        vrv_arena_reset(&arena);
        rows++;
        if (t < tmin) tmin = t;
        if (t > tmax) tmax = t;
        for (size_t i = 0; i < g; i++) advance(&mg, group[i], &s);
        if (mg.rc) {
            rc = mg.rc;
            break;
        }
        if (rows == per || mg.nheap == 0) {
            uint64_t size = 0;
            rc = vrv_seg_writer_finish(w, meta, path, &size, err);
            if (rc == 0) {
                vrv_merge_result r = {path, rows, size, tmin, tmax, dimnames, mg.ndims};
                rc = spec->done(spec->ctx, out, &r, err);
            }
            vrv_seg_writer_free(w);
            w = NULL;
            free(path);
            path = NULL;
            json_decref(meta);
            meta = NULL;
            out++;
        }
    }
    if (rc == 0 && mg.rc) rc = mg.rc;
    vrv_seg_writer_free(w);
    free(path);
    json_decref(meta);
    for (size_t m = 0; m < nm; m++) vrv_agg_spec_free(comb[m]);
    free(comb);
    free(offs);
    free(states);
    free(defs);
    free(dimnames);
    free(vals);
    free(group);
    free(s.a);
    free(s.b);
    vrv_buf_free(&tmp);
    vrv_arena_destroy(&arena);
    merger_free(&mg);
    return rc;
}
