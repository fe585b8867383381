/*
 * datasource.c — turning a query's dataSource into the adapters the engines
 * read: tables and unions pick the caller's adapters by datasource name (a
 * table without adapters contributes nothing), `inline` rows become an
 * in-memory table, a `query` datasource runs the inner query and reads its
 * finalized rows as a table whose __time is each row's timestamp, and a
 * `join` is a hash join of the left side's rows with the materialised right
 * side (INNER or LEFT, on a conjunction of key equalities whose left sides
 * are expressions over the left columns; a constant condition is a cross
 * join or matches nothing).
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

/* All rows of the adapters, every column, for the join: those whose time
 * lies in one of ivs[0..nivs) (all rows when ivs is NULL). */
typedef struct mat {
    size_t ncols;
    char **names;
    vrv_ctype *types;
    VRV_VEC(vrv_value) vals;
    VRV_VEC(vrv_ms) times;
    vrv_arena arena;
} mat;

static bool in_intervals(vrv_ms t, const vrv_interval *ivs, size_t nivs)
{
    if (!ivs) return true;
    for (size_t i = 0; i < nivs; i++)
        if (t >= ivs[i].start && t < ivs[i].end) return true;
    return false;
}

static int materialise(const vrv_adapter *const *as, size_t n, const vrv_interval *ivs, size_t nivs,
                       const vrv_query_check *check, mat *m, vrv_error *err)
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
        int64_t *tbuf = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *tbuf);
        for (size_t b = 0; rc == 0 && b < vrv_adapter_nblocks(as[i]); b++) {
            if (check && check->fn && (rc = check->fn(check->ctx, err))) break;
            const int64_t *t = vrv_adapter_times(as[i], b, tbuf);
            if (!t) {
                rc = vrv_error_set(err, VRV_ECORRUPT, "segment [%s]: unreadable __time block %zu",
                                   vrv_adapter_segment_id(as[i]), b);
                break;
            }
            size_t nr = vrv_adapter_block_rows(as[i], b), base = b * VRV_ADAPTER_BLOCK;
            for (size_t k = 0; rc == 0 && k < nr; k++) {
                if (!in_intervals(t[k], ivs, nivs)) continue;
                if ((rc = qreader_load(&r, base + k, err))) break;
                for (size_t c = 0; c < m->ncols; c++)
                    vrv_vec_push(&m->vals, qvalue_copy(&m->arena, &r.vals[slots[c]]));
                vrv_vec_push(&m->times, r.vals[ts].u.l);
            }
        }
        free(tbuf);
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

/* Left-side expressions read the materialised columns; __time is the slot
 * after them. */
static int mat_resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)err;
    const mat *m = ctx;
    out->slot = -1;
    out->typed = false;
    for (size_t c = 0; c < m->ncols; c++)
        if (vrv_str_eq_c(name, m->names[c])) {
            out->slot = (int32_t)c;
            out->typed = true;
            out->type = m->types[c];
        }
    if (vrv_str_eq_c(name, "__time")) {
        out->slot = (int32_t)m->ncols;
        out->typed = true;
        out->type = VRV_C_LONG;
    }
    return 0;
}

/* Appends one key part: the value as the right key column's type sees it
 * (numbers for a numeric column, Druid's string form otherwise), length
 * prefixed so that composite keys cannot run into each other. False for
 * null, which never matches. */
static bool key_part(const vrv_value *v, vrv_ctype rtype, vrv_arena *ar, vrv_buf *b)
{
    if (v->type == VRV_V_ARRAY) {
        if (v->len != 1) return false;
        return key_part(&v->u.a[0], rtype, ar, b);
    }
    char num[40];
    vrv_str s;
    if (rtype == VRV_C_LONG) {
        int64_t l;
        if (!vrv_expr_to_long(v, &l)) return false;
        s = vrv_str_make(num, (size_t)snprintf(num, sizeof num, "%lld", (long long)l));
    } else if (rtype == VRV_C_DOUBLE || rtype == VRV_C_FLOAT) {
        double d;
        if (!vrv_expr_to_double(v, &d)) return false;
        if (rtype == VRV_C_FLOAT) d = (float)d;
        s = vrv_str_make(num, (size_t)snprintf(num, sizeof num, "%.17g", d));
    } else if (!vrv_expr_to_string(v, ar, &s)) {
        return false;
    }
    uint32_t len = (uint32_t)s.n;
    vrv_buf_append(b, &len, sizeof len);
    vrv_buf_append(b, s.p, s.n);
    return true;
}

static int join_table(const vrv_datasource *ds, const vrv_adapter *const *left, size_t nl,
                      const vrv_interval *ivs, size_t nivs, const vrv_adapter *const *right,
                      size_t nr, const vrv_query_check *check, vrv_adapter **out, vrv_error *err)
{
    mat L, R;
    int rc = materialise(left, nl, ivs, nivs, check, &L, err);
    if (rc == 0) rc = materialise(right, nr, NULL, 0, check, &R, err);
    else memset(&R, 0, sizeof R), vrv_arena_init(&R.arena, 0);
    /* the keys: right columns, left expressions bound over the left columns */
    size_t nk = ds->nkeys;
    long *rk = vrv_calloc(nk + 1, sizeof *rk);
    vrv_ctype *rt = vrv_calloc(nk + 1, sizeof *rt);
    vrv_expr_prog **lk = vrv_calloc(nk + 1, sizeof *lk);
    for (size_t k = 0; rc == 0 && k < nk; k++) {
        rk[k] = -1;
        rt[k] = VRV_C_STRING;
        for (size_t c = 0; c < R.ncols; c++)
            if (!strcmp(R.names[c], ds->right_keys[k])) {
                rk[k] = (long)c;
                rt[k] = R.types[c];
            }
        vrv_expr *e;
        if ((rc = vrv_expr_parse(ds->left_exprs[k], strlen(ds->left_exprs[k]), &e, err))) break;
        rc = vrv_expr_bind(e, mat_resolve, &L, &lk[k], err);
        vrv_expr_free(e);
    }
    size_t nc = L.ncols + R.ncols;
    const char **names = vrv_calloc(nc + 1, sizeof *names);
    vrv_ctype *types = vrv_calloc(nc + 1, sizeof *types);
    vrv_arena ar, rowar;
    vrv_arena_init(&ar, 0);
    vrv_arena_init(&rowar, 0);
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
        if (ds->never) continue;
        vrv_buf_reset(&kb);
        vrv_arena_reset(&rowar);
        bool ok = true;
        for (size_t k = 0; ok && k < nk; k++) {
            vrv_value kv = rk[k] >= 0 ? R.vals.v[r * R.ncols + (size_t)rk[k]] : vrv_null();
            ok = key_part(&kv, rt[k], &rowar, &kb);
        }
        if (!ok) continue;
        bool ins; /* the map copies keys */
        uint64_t *slot = vrv_map_put(&idx, kb.data ? kb.data : "", kb.len, &ins);
        if (!ins) next[r] = (int64_t)*slot - 1;
        *slot = r + 1;
    }
    vrv_value *row = vrv_calloc(nc + 1, sizeof *row);
    vrv_value *lslots = vrv_calloc(L.ncols + 2, sizeof *lslots);
    VRV_VEC(size_t) hits = {0};
    for (size_t l = 0; rc == 0 && l < L.times.n; l++) {
        for (size_t c = 0; c < L.ncols; c++) row[c] = lslots[c] = L.vals.v[l * L.ncols + c];
        lslots[L.ncols] = vrv_long(L.times.v[l]);
        vrv_buf_reset(&kb);
        vrv_arena_reset(&rowar);
        bool ok = !ds->never;
        for (size_t k = 0; ok && rc == 0 && k < nk; k++) {
            vrv_value kv;
            if ((rc = vrv_expr_eval(lk[k], lslots, &rowar, &kv, err))) break;
            ok = key_part(&kv, rt[k], &rowar, &kb);
        }
        if (rc) break;
        bool matched = false;
        hits.n = 0;
        if (ok && nk == 0) {
            for (size_t r = 0; r < nrr; r++) vrv_vec_push(&hits, r);
        } else if (ok) {
            uint64_t *slot = vrv_map_get(&idx, kb.data ? kb.data : "", kb.len);
            /* chains are newest first: collect and emit in right-side order */
            for (int64_t r = slot ? (int64_t)*slot - 1 : -1; r >= 0; r = next[r])
                vrv_vec_push(&hits, (size_t)r);
            for (size_t i = 0, j = hits.n; i + 1 < j; i++, j--) {
                size_t t = hits.v[i];
                hits.v[i] = hits.v[j - 1];
                hits.v[j - 1] = t;
            }
        }
        for (size_t h = 0; h < hits.n; h++) {
            size_t r = hits.v[h];
            for (size_t c = 0; c < R.ncols; c++) row[L.ncols + c] = R.vals.v[r * R.ncols + c];
            vrv_table_builder_add(tb, L.times.v[l], row);
            matched = true;
        }
        if (!matched && ds->join_type == VRV_JOIN_LEFT) {
            for (size_t c = 0; c < R.ncols; c++) row[L.ncols + c] = vrv_null();
            vrv_table_builder_add(tb, L.times.v[l], row);
        }
    }
    vrv_vec_free(&hits);
    free(row);
    free(lslots);
    free(next);
    vrv_buf_free(&kb);
    vrv_map_destroy(&idx);
    for (size_t k = 0; k < nk; k++) vrv_expr_prog_free(lk[k]);
    free(lk);
    free(rk);
    free(rt);
    const char *dsname = nl ? vrv_adapter_datasource(left[0]) : "join";
    vrv_interval iv = vrv_interval_eternity();
    vrv_adapter *a = vrv_table_builder_finish(tb, dsname, nl ? vrv_adapter_segment_id(left[0]) : "join", &iv);
    if (rc) vrv_adapter_free(a);
    else *out = a;
    free(names);
    free(types);
    vrv_arena_destroy(&ar);
    vrv_arena_destroy(&rowar);
    mat_free(&L);
    mat_free(&R);
    return rc;
}

int qresolve_ds(const vrv_datasource *ds, vrv_adapter *const *in, size_t n, const vrv_interval *ivs,
                size_t nivs, const vrv_query_check *check, qadapters *use, qadapters *owned,
                vrv_error *err)
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
        int rc = vrv_query_run_checked(ds->query, in, n, check, &p, err);
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
        /* the left rows outside the query's intervals are never seen: they
         * are left out of the join; the right side is read whole */
        int rc = qresolve_ds(ds->left, in, n, ivs, nivs, check, &l, owned, err);
        if (rc == 0) rc = qresolve_ds(ds->right, in, n, NULL, 0, check, &r, owned, err);
        vrv_adapter *a = NULL;
        if (rc == 0)
            rc = join_table(ds, (const vrv_adapter *const *)l.v, l.n, ivs, nivs,
                            (const vrv_adapter *const *)r.v, r.n, check, &a, err);
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
