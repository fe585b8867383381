/*
 * datasource.c — turning a query's dataSource into the adapters the engines
 * read: tables and unions pick the caller's adapters by datasource name (a
 * table without adapters contributes nothing), `inline` rows become an
 * in-memory table, a `query` datasource runs the inner query and reads its
 * finalized rows as a table whose __time is each row's timestamp, and a
 * `join` is a hash join of the left side's rows with the materialised right
 * side (INNER or LEFT, one equality condition).
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "query/query_int.h"

static bool name_in(const char *n, char *const *names, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (!strcmp(n, names[i])) return true;
    return false;
}

static vrv_value json_to_value(const json_t *j, vrv_arena *ar)
{
    if (json_is_integer(j)) return vrv_long(json_integer_value(j));
    if (json_is_real(j)) return vrv_double(json_real_value(j));
    if (json_is_string(j)) return vrv_string(json_string_value(j), json_string_length(j));
    if (json_is_boolean(j)) {
        vrv_value v = vrv_long(json_is_true(j));
        v.flags = VRV_VF_BOOL;
        return v;
    }
    if (json_is_array(j)) {
        size_t n = json_array_size(j);
        vrv_value *a = vrv_arena_alloc(ar, (n ? n : 1) * sizeof *a);
        for (size_t i = 0; i < n; i++) a[i] = json_to_value(json_array_get(j, i), ar);
        return vrv_array(a, n);
    }
    if (json_is_object(j)) {
        char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        vrv_value v = vrv_string(vrv_arena_strdup(ar, s), strlen(s));
        v.type = VRV_V_JSON;
        free(s);
        return v;
    }
    return vrv_null();
}

static vrv_adapter *inline_table(const vrv_datasource *ds)
{
    size_t nc = ds->ncolumns;
    long tcol = -1;
    const char **names = vrv_calloc(nc + 1, sizeof *names);
    vrv_ctype *types = vrv_calloc(nc + 1, sizeof *types);
    size_t k = 0;
    for (size_t i = 0; i < nc; i++) {
        if (!strcmp(ds->columns[i], "__time")) {
            tcol = (long)i;
            continue;
        }
        names[k] = ds->columns[i];
        types[k++] = ds->types[i];
    }
    vrv_table_builder *b = vrv_table_builder_new(names, types, k);
    vrv_value *vals = vrv_calloc(k + 1, sizeof *vals);
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    for (size_t r = 0; r < json_array_size(ds->rows); r++) {
        const json_t *row = json_array_get(ds->rows, r);
        vrv_arena_reset(&ar);
        vrv_ms t = 0;
        size_t w = 0;
        for (size_t i = 0; i < nc; i++) {
            const json_t *v = json_array_get(row, i);
            if ((long)i == tcol) {
                int64_t l;
                vrv_value tv = json_to_value(v, &ar);
                if (vrv_value_to_long(&tv, &l)) t = l;
                continue;
            }
            vals[w++] = json_to_value(v, &ar);
        }
        vrv_table_builder_add(b, t, vals);
    }
    vrv_arena_destroy(&ar);
    free(vals);
    free(names);
    free(types);
    vrv_interval iv = vrv_interval_eternity();
    return vrv_table_builder_finish(b, "inline", "inline", &iv);
}

static vrv_adapter *query_table(const vrv_query *q, const vrv_query_partial *p, vrv_error *err,
                                int *rc)
{
    *rc = 0;
    vrv_interval iv = vrv_interval_eternity();
    if (q->type == VRV_Q_SCAN) {
        /* the union of the batches' columns, in order of appearance */
        VRV_VEC(const char *) names = {0};
        VRV_VEC(vrv_ctype) types = {0};
        for (size_t b = 0; b < p->batches.n; b++) {
            const qbatch *qb = &p->batches.v[b];
            for (size_t c = 0; c < qb->ncols; c++) {
                if (!strcmp(qb->cols[c], "__time")) continue;
                bool have = false;
                for (size_t i = 0; i < names.n; i++) have |= !strcmp(names.v[i], qb->cols[c]);
                if (have) continue;
                vrv_ctype t = VRV_C_STRING;
                if (qb->types[c] && !vrv_ctype_parse(qb->types[c], &t)) t = VRV_C_COMPLEX;
                vrv_vec_push(&names, qb->cols[c]);
                vrv_vec_push(&types, t);
            }
        }
        vrv_table_builder *tb = vrv_table_builder_new(names.v, types.v, names.n);
        vrv_value *vals = vrv_calloc(names.n + 1, sizeof *vals);
        for (size_t b = 0; b < p->batches.n; b++) {
            const qbatch *qb = &p->batches.v[b];
            for (size_t r = 0; r < qb->nrows; r++) {
                for (size_t i = 0; i < names.n; i++) {
                    vals[i] = vrv_null();
                    for (size_t c = 0; c < qb->ncols; c++)
                        if (!strcmp(qb->cols[c], names.v[i])) vals[i] = qb->rows[r * qb->ncols + c];
                }
                vrv_table_builder_add(tb, qb->times[r], vals);
            }
        }
        free(vals);
        vrv_vec_free(&names);
        vrv_vec_free(&types);
        return vrv_table_builder_finish(tb, "__subquery__", "__subquery__", &iv);
    }
    if (q->type != VRV_Q_GROUPBY && q->type != VRV_Q_TIMESERIES && q->type != VRV_Q_TOPN) {
        *rc = vrv_error_set(err, VRV_EUNSUPPORTED,
                            "dataSource.query: a %s query cannot be a datasource",
                            vrv_query_type_name(q->type));
        return NULL;
    }
    qrows rows;
    *rc = qrender_rows(q, p, &rows, err);
    if (*rc) {
        qrows_free(&rows);
        return NULL;
    }
    vrv_table_builder *tb = vrv_table_builder_new((const char *const *)rows.names, rows.types,
                                                  rows.ncols);
    for (size_t r = 0; r < rows.times.n; r++)
        vrv_table_builder_add(tb, rows.times.v[r], rows.vals.v + r * rows.ncols);
    qrows_free(&rows);
    return vrv_table_builder_finish(tb, "__subquery__", "__subquery__", &iv);
}

/* All rows of the adapters, every column, for the join. */
typedef struct mat {
    size_t ncols;
    char **names;
    vrv_ctype *types;
    VRV_VEC(vrv_value) vals;
    VRV_VEC(vrv_ms) times;
    vrv_arena arena;
} mat;

static int materialise(const vrv_adapter *const *as, size_t n, mat *m, vrv_error *err)
{
    memset(m, 0, sizeof *m);
    vrv_arena_init(&m->arena, 0);
    VRV_VEC(char *) names = {0};
    VRV_VEC(vrv_ctype) types = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t c = 1; c < vrv_adapter_ncols(as[i]); c++) {
            const vrv_adapter_col *ac = vrv_adapter_column(as[i], c);
            bool have = false;
            for (size_t k = 0; k < names.n; k++) have |= !strcmp(names.v[k], ac->name);
            if (have) continue;
            vrv_vec_push(&names, vrv_arena_strdup(&m->arena, ac->name));
            vrv_vec_push(&types, ac->type);
        }
    m->ncols = names.n;
    m->names = names.v;
    m->types = types.v;
    for (size_t i = 0; i < n; i++) {
        qreader r;
        qreader_init(&r, as[i], NULL);
        int *slots = vrv_calloc(m->ncols + 1, sizeof *slots);
        int rc = 0;
        for (size_t c = 0; c < m->ncols && rc == 0; c++) {
            int s = qreader_slot(&r, m->names[c], strlen(m->names[c]), err);
            if (s < 0) rc = s;
            else slots[c] = s;
        }
        int ts = qreader_slot(&r, "__time", 6, err);
        for (size_t row = 0; rc == 0 && row < vrv_adapter_rows(as[i]); row++) {
            if ((rc = qreader_load(&r, row, err))) break;
            for (size_t c = 0; c < m->ncols; c++)
                vrv_vec_push(&m->vals, qvalue_copy(&m->arena, &r.vals[slots[c]]));
            vrv_vec_push(&m->times, r.vals[ts].u.l);
        }
        free(slots);
        qreader_free(&r);
        if (rc) return rc;
    }
    return 0;
}

static void mat_free(mat *m)
{
    free(m->names);
    free(m->types);
    vrv_vec_free(&m->vals);
    vrv_vec_free(&m->times);
    vrv_arena_destroy(&m->arena);
}

/* The join key of a value: its string form; null has none. */
static bool key_of(const vrv_value *v, vrv_buf *b)
{
    vrv_buf_reset(b);
    if (v->type == VRV_V_ARRAY) {
        if (v->len != 1) return false;
        return key_of(&v->u.a[0], b);
    }
    return vrv_value_append_string(v, b);
}

static int join_table(const vrv_datasource *ds, const vrv_adapter *const *left, size_t nl,
                      const vrv_adapter *const *right, size_t nr, vrv_adapter **out, vrv_error *err)
{
    mat L, R;
    int rc = materialise(left, nl, &L, err);
    if (rc == 0) rc = materialise(right, nr, &R, err);
    else memset(&R, 0, sizeof R), vrv_arena_init(&R.arena, 0);
    long lk = -1, rk = -1;
    for (size_t c = 0; c < L.ncols; c++)
        if (!strcmp(L.names[c], ds->left_key)) lk = (long)c;
    for (size_t c = 0; c < R.ncols; c++)
        if (!strcmp(R.names[c], ds->right_key)) rk = (long)c;
    bool left_time_key = !strcmp(ds->left_key, "__time");
    size_t nc = L.ncols + R.ncols;
    const char **names = vrv_calloc(nc + 1, sizeof *names);
    vrv_ctype *types = vrv_calloc(nc + 1, sizeof *types);
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    for (size_t c = 0; c < L.ncols; c++) {
        names[c] = L.names[c];
        types[c] = L.types[c];
    }
    for (size_t c = 0; c < R.ncols; c++) {
        names[L.ncols + c] = vrv_arena_printf(&ar, "%s%s", ds->right_prefix, R.names[c]);
        types[L.ncols + c] = R.types[c];
    }
    vrv_table_builder *tb = vrv_table_builder_new(names, types, nc);
    vrv_map idx;
    vrv_map_init(&idx, true);
    /* right rows by key: chains through next[] */
    size_t nrr = R.times.n;
    int64_t *next = vrv_malloc((nrr ? nrr : 1) * sizeof *next);
    vrv_buf kb = VRV_BUF_INIT;
    for (size_t r = 0; rc == 0 && r < nrr; r++) {
        next[r] = -1;
        vrv_value kv = rk >= 0 ? R.vals.v[r * R.ncols + (size_t)rk] : vrv_null();
        if (!key_of(&kv, &kb)) continue;
        bool ins;
        uint64_t *slot = vrv_map_put(&idx, kb.data ? kb.data : "", kb.len, &ins);
        if (!ins) next[r] = (int64_t)*slot - 1;
        *slot = r + 1;
    }
    vrv_value *row = vrv_calloc(nc + 1, sizeof *row);
    for (size_t l = 0; rc == 0 && l < L.times.n; l++) {
        for (size_t c = 0; c < L.ncols; c++) row[c] = L.vals.v[l * L.ncols + c];
        vrv_value kv = left_time_key ? vrv_long(L.times.v[l])
                                     : lk >= 0 ? L.vals.v[l * L.ncols + (size_t)lk] : vrv_null();
        bool matched = false;
        if (key_of(&kv, &kb)) {
            uint64_t *slot = vrv_map_get(&idx, kb.data ? kb.data : "", kb.len);
            /* chains are newest first: collect and emit in right-side order */
            VRV_VEC(size_t) hits = {0};
            for (int64_t r = slot ? (int64_t)*slot - 1 : -1; r >= 0; r = next[r]) vrv_vec_push(&hits, (size_t)r);
            for (size_t h = hits.n; h > 0; h--) {
                size_t r = hits.v[h - 1];
                for (size_t c = 0; c < R.ncols; c++) row[L.ncols + c] = R.vals.v[r * R.ncols + c];
                vrv_table_builder_add(tb, L.times.v[l], row);
                matched = true;
            }
            vrv_vec_free(&hits);
        }
        if (!matched && ds->join_type == VRV_JOIN_LEFT) {
            for (size_t c = 0; c < R.ncols; c++) row[L.ncols + c] = vrv_null();
            vrv_table_builder_add(tb, L.times.v[l], row);
        }
    }
    free(row);
    free(next);
    vrv_buf_free(&kb);
    vrv_map_destroy(&idx);
    const char *dsname = nl ? vrv_adapter_datasource(left[0]) : "join";
    vrv_interval iv = vrv_interval_eternity();
    *out = vrv_table_builder_finish(tb, dsname, nl ? vrv_adapter_segment_id(left[0]) : "join", &iv);
    free(names);
    free(types);
    vrv_arena_destroy(&ar);
    mat_free(&L);
    mat_free(&R);
    return rc;
}

int qresolve_ds(const vrv_datasource *ds, vrv_adapter *const *in, size_t n, qadapters *use,
                qadapters *owned, vrv_error *err)
{
    switch (ds->kind) {
    case VRV_DS_TABLE:
        for (size_t i = 0; i < n; i++)
            if (!strcmp(vrv_adapter_datasource(in[i]), ds->name)) vrv_vec_push(use, in[i]);
        return 0;
    case VRV_DS_UNION:
        for (size_t i = 0; i < n; i++)
            if (name_in(vrv_adapter_datasource(in[i]), ds->names, ds->nnames)) vrv_vec_push(use, in[i]);
        return 0;
    case VRV_DS_INLINE: {
        vrv_adapter *a = inline_table(ds);
        vrv_vec_push(owned, a);
        vrv_vec_push(use, a);
        return 0;
    }
    case VRV_DS_QUERY: {
        vrv_query_partial *p;
        int rc = vrv_query_run(ds->query, in, n, &p, err);
        if (rc) return rc;
        vrv_adapter *a = query_table(ds->query, p, err, &rc);
        vrv_query_partial_free(p);
        if (rc) return rc;
        vrv_vec_push(owned, a);
        vrv_vec_push(use, a);
        return 0;
    }
    case VRV_DS_JOIN: {
        qadapters l = {0}, r = {0};
        int rc = qresolve_ds(ds->left, in, n, &l, owned, err);
        if (rc == 0) rc = qresolve_ds(ds->right, in, n, &r, owned, err);
        vrv_adapter *a = NULL;
        if (rc == 0)
            rc = join_table(ds, (const vrv_adapter *const *)l.v, l.n, (const vrv_adapter *const *)r.v,
                            r.n, &a, err);
        vrv_vec_free(&l);
        vrv_vec_free(&r);
        if (a) {
            vrv_vec_push(owned, a);
            if (rc == 0) vrv_vec_push(use, a);
        }
        return rc;
    }
    }
    return 0;
}
