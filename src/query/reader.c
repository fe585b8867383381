/*
 * reader.c — the row reader: puts the values of the columns a consumer asked
 * for (physical columns, __time, virtual columns, missing columns as null)
 * into a slot array for one row at a time, caching each column's current
 * block. Virtual columns are bound against the same reader, so their inputs
 * (other virtual columns included) get slots before them and are evaluated
 * first. Used by row matchers, expression inputs, non-dictionary group keys
 * and scan.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "query/query_int.h"

void qreader_init(qreader *r, const vrv_adapter *a, const vrv_query *q)
{
    memset(r, 0, sizeof *r);
    r->a = a;
    r->q = q;
    vrv_arena_init(&r->arena, 0);
}

void qreader_free(qreader *r)
{
    for (size_t i = 0; i < r->slots.n; i++) {
        qslot *s = &r->slots.v[i];
        free(s->name);
        free(s->buf);
        free(s->nbuf);
        if (s->mv_init) vrv_mv_reader_free(&s->mv);
        vrv_expr_prog_free(s->prog);
    }
    vrv_vec_free(&r->slots);
    free(r->vals);
    vrv_arena_destroy(&r->arena);
}

static const vrv_vcol *find_vcol(const vrv_query *q, const char *name, size_t n)
{
    for (size_t i = 0; q && i < q->nvcols; i++)
        if (strlen(q->vcols[i].name) == n && memcmp(q->vcols[i].name, name, n) == 0)
            return &q->vcols[i];
    return NULL;
}

bool qreader_type(void *ctx, vrv_str name, vrv_ctype *out)
{
    qreader *r = ctx;
    if (vrv_str_eq_c(name, "__time")) {
        *out = VRV_C_LONG;
        return true;
    }
    const vrv_vcol *vc = find_vcol(r->q, name.p, name.n);
    if (vc) {
        if (vc->has_type) {
            *out = vc->type;
            return true;
        }
        *out = vrv_expr_virtual_column_type(vc->expr, qreader_type, r);
        return true;
    }
    char buf[512];
    if (name.n >= sizeof buf) return false;
    memcpy(buf, name.p, name.n);
    buf[name.n] = 0;
    long c = vrv_adapter_find(r->a, buf);
    if (c < 0) return false;
    const vrv_adapter_col *col = vrv_adapter_column(r->a, (size_t)c);
    if (col->type == VRV_C_COMPLEX) return false;
    *out = col->type;
    return true;
}

int qreader_slot(qreader *r, const char *name, size_t n, vrv_error *err)
{
    for (size_t i = 0; i < r->slots.n; i++) {
        qslot *s = &r->slots.v[i];
        if (strlen(s->name) == n && memcmp(s->name, name, n) == 0) {
            if (s->binding)
                return vrv_error_set(err, VRV_EINVAL, "virtual column [%s] refers to itself",
                                     s->name);
            return (int)i;
        }
    }
    qslot s = {0};
    s.name = vrv_strndup(name, n);
    s.block = -1;
    s.col = -1;
    s.alias = -1;
    const vrv_vcol *vc = find_vcol(r->q, name, n);
    if (vc) {
        s.kind = QS_VCOL;
        s.vc = vc;
        s.typed = true;
        vrv_str nm = vrv_str_make(name, n);
        qreader_type(r, nm, &s.type);
    } else if (n == 6 && memcmp(name, "__time", 6) == 0) {
        s.kind = QS_TIME;
        s.type = VRV_C_LONG;
        s.typed = true;
        s.col = 0;
    } else {
        long c = vrv_adapter_find(r->a, s.name);
        if (c < 0) {
            s.kind = QS_MISSING;
        } else {
            const vrv_adapter_col *col = vrv_adapter_column(r->a, (size_t)c);
            s.col = c;
            s.type = col->type;
            s.typed = col->type != VRV_C_COMPLEX;
            if (col->is_time) s.kind = QS_TIME;
            else if (col->dict) s.kind = QS_DICT;
            else if (vrv_ctype_is_numeric(col->type)) s.kind = QS_NUM;
            else s.kind = QS_COMPLEX;
        }
    }
    vrv_vec_push(&r->slots, s);
    size_t idx = r->slots.n - 1;
    if (vc) {
        r->slots.v[idx].binding = true;
        vrv_expr_prog *prog = NULL;
        int rc = vrv_expr_bind(vc->expr, qreader_resolve, r, &prog, err);
        r->slots.v[idx].binding = false;
        if (rc) return rc;
        /* inputs were added after this slot: move it to the end so they are
         * evaluated first */
        qslot me = r->slots.v[idx];
        me.prog = prog;
        if (idx != r->slots.n - 1) {
            /* renumbering would invalidate bound slot indexes, so instead
             * append a copy and turn the original into an alias slot that is
             * loaded from the copy */
            me.name = vrv_strdup(me.name);
            vrv_vec_push(&r->slots, me);
            qslot *orig = &r->slots.v[idx];
            orig->kind = QS_MISSING;
            orig->vc = NULL;
            orig->alias = (long)(r->slots.n - 1);
            orig->typed = me.typed;
            orig->type = me.type;
            orig->binding = false;
            orig->prog = NULL;
        } else {
            r->slots.v[idx] = me;
        }
    }
    if (r->vals_cap < r->slots.n) {
        r->vals_cap = r->slots.n * 2;
        r->vals = vrv_realloc(r->vals, r->vals_cap * sizeof *r->vals);
    }
    return (int)idx;
}

int qreader_resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    qreader *r = ctx;
    int s = qreader_slot(r, name.p, name.n, err);
    if (s < 0) return s;
    const qslot *sl = &r->slots.v[s];
    out->slot = s;
    out->type = sl->type;
    out->typed = sl->typed && sl->kind != QS_MISSING;
    if (sl->alias >= 0) out->typed = sl->typed;
    if (sl->kind == QS_DICT && vrv_adapter_column(r->a, (size_t)sl->col)->multi) out->typed = false;
    return 0;
}

static void load_block(qreader *r, qslot *s, size_t b)
{
    const vrv_adapter *a = r->a;
    s->block = (long)b;
    switch (s->kind) {
    case QS_TIME:
        if (!s->buf) s->buf = vrv_malloc(VRV_ADAPTER_BLOCK * 8);
        s->l = vrv_adapter_times(a, b, s->buf);
        break;
    case QS_NUM:
        if (!s->buf) s->buf = vrv_malloc(VRV_ADAPTER_BLOCK * 8);
        if (!s->nbuf) s->nbuf = vrv_malloc(VRV_ADAPTER_BLOCK);
        if (s->type == VRV_C_LONG) s->l = vrv_adapter_longs(a, (size_t)s->col, b, s->buf);
        else if (s->type == VRV_C_DOUBLE) s->d = vrv_adapter_doubles(a, (size_t)s->col, b, s->buf);
        else s->f = vrv_adapter_floats(a, (size_t)s->col, b, s->buf);
        s->nulls = vrv_adapter_nulls(a, (size_t)s->col, b, s->nbuf);
        break;
    case QS_DICT:
        if (vrv_adapter_column(a, (size_t)s->col)->multi) {
            if (!s->mv_init) {
                vrv_mv_reader_init(&s->mv, a, (size_t)s->col);
                s->mv_init = true;
            }
        } else {
            if (!s->buf) s->buf = vrv_malloc(VRV_ADAPTER_BLOCK * 4);
            s->ids = vrv_adapter_ids(a, (size_t)s->col, b, s->buf);
        }
        break;
    default: break;
    }
}

vrv_value qreader_value(qreader *r, size_t slot, size_t row)
{
    qslot *s = &r->slots.v[slot];
    size_t b = row / VRV_ADAPTER_BLOCK, i = row % VRV_ADAPTER_BLOCK;
    if (s->kind == QS_MISSING || s->kind == QS_VCOL) return vrv_null();
    if (s->kind == QS_COMPLEX) return vrv_adapter_complex(r->a, (size_t)s->col, row);
    if (s->block != (long)b) load_block(r, s, b);
    switch (s->kind) {
    case QS_TIME: return s->l ? vrv_long(s->l[i]) : vrv_null();
    case QS_NUM:
        if (s->nulls && s->nulls[i]) return vrv_null();
        if (s->type == VRV_C_LONG) return s->l ? vrv_long(s->l[i]) : vrv_null();
        if (s->type == VRV_C_DOUBLE) return s->d ? vrv_double(s->d[i]) : vrv_null();
        return s->f ? vrv_float(s->f[i]) : vrv_null();
    case QS_DICT: {
        const vrv_adapter_col *c = vrv_adapter_column(r->a, (size_t)s->col);
        uint8_t vt = c->type == VRV_C_JSON ? VRV_V_JSON : VRV_V_STRING;
        if (!c->multi) {
            uint32_t id = s->ids ? s->ids[i] : 0;
            if (!id) return vrv_null();
            vrv_str str = vrv_adapter_dict_get(r->a, (size_t)s->col, id);
            vrv_value v = vrv_string(str.p, str.n);
            v.type = vt;
            return v;
        }
        size_t n;
        const uint32_t *ids = vrv_mv_row(&s->mv, row, &n);
        if (n == 1) {
            if (!ids[0]) return vrv_null();
            vrv_str str = vrv_adapter_dict_get(r->a, (size_t)s->col, ids[0]);
            return vrv_string(str.p, str.n);
        }
        vrv_value *arr = vrv_arena_alloc(&r->arena, n * sizeof *arr);
        for (size_t k = 0; k < n; k++) {
            if (!ids[k]) arr[k] = vrv_null();
            else {
                vrv_str str = vrv_adapter_dict_get(r->a, (size_t)s->col, ids[k]);
                arr[k] = vrv_string(str.p, str.n);
            }
        }
        return vrv_array(arr, n);
    }
    default: return vrv_null();
    }
}

/* Coerces a virtual column's value to its declared output type. */
static vrv_value coerce(qreader *r, const qslot *s, vrv_value v)
{
    if (!s->vc || !s->vc->has_type || v.type == VRV_V_NULL) return v;
    switch (s->type) {
    case VRV_C_LONG: {
        if (v.type == VRV_V_LONG) return v;
        int64_t l;
        if (v.type == VRV_V_DOUBLE) return vrv_long((int64_t)v.u.d);
        if (v.type == VRV_V_ARRAY) return v;
        return vrv_expr_to_long(&v, &l) ? vrv_long(l) : vrv_null();
    }
    case VRV_C_DOUBLE:
    case VRV_C_FLOAT: {
        if (v.type == VRV_V_ARRAY) return v;
        double d;
        if (!vrv_expr_to_double(&v, &d)) return vrv_null();
        return s->type == VRV_C_FLOAT ? vrv_float((float)d) : vrv_double(d);
    }
    case VRV_C_STRING: {
        if (v.type == VRV_V_STRING || v.type == VRV_V_ARRAY) return v;
        vrv_str str;
        if (!vrv_expr_to_string(&v, &r->arena, &str)) return vrv_null();
        return vrv_string(str.p, str.n);
    }
    default: return v;
    }
}

int qreader_load(qreader *r, size_t row, vrv_error *err)
{
    vrv_arena_reset(&r->arena);
    for (size_t i = 0; i < r->slots.n; i++) {
        qslot *s = &r->slots.v[i];
        if (s->kind == QS_VCOL) {
            vrv_value out;
            int rc = vrv_expr_eval(s->prog, r->vals, &r->arena, &out, err);
            if (rc) return rc;
            r->vals[i] = coerce(r, s, out);
        } else if (s->kind == QS_MISSING) {
            r->vals[i] = vrv_null();
        } else {
            r->vals[i] = qreader_value(r, i, row);
        }
    }
    /* aliases of virtual columns take the evaluated copy's value */
    for (size_t i = 0; i < r->slots.n; i++) {
        qslot *s = &r->slots.v[i];
        if (s->alias >= 0) r->vals[i] = r->vals[s->alias];
    }
    return 0;
}
