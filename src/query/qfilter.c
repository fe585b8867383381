/*
 * qfilter.c — a query filter evaluated over one adapter into bitmaps.
 *
 * Each node yields two row sets: TRUE rows and UNKNOWN rows (Druid's
 * three-valued logic, druid-query.md §4.1); FALSE is the rest. A leaf on a
 * dictionary-encoded column evaluates its predicate once per dictionary value
 * (through the filter module's own matcher, so the semantics are exactly the
 * row matcher's) and ORs the value bitmaps; a multi-value row is TRUE when
 * any value is, else UNKNOWN when any value is. Leaves on other columns,
 * virtual columns, `expression` and `columnComparison` filters run the row
 * matcher over the rows. Logical nodes combine the sets:
 *   and: T = ∩T,  U = ∩(T∪U) − T      or: T = ∪T,  U = ∪U − T
 *   not: T = all − T − U, U = U        istrue: T, ∅     isfalse: all − T − U, ∅
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "query/query_int.h"

typedef struct tri {
    roaring_bitmap_t *t, *u;
} tri;

typedef struct fctx {
    const vrv_query *q;
    const vrv_adapter *a;
    size_t n;
    vrv_error *err;
} fctx;

static roaring_bitmap_t *all_rows(const fctx *c)
{
    roaring_bitmap_t *b = roaring_bitmap_create();
    if (c->n) roaring_bitmap_add_range_closed(b, 0, (uint32_t)(c->n - 1));
    return b;
}

static bool is_vcol(const vrv_query *q, const char *name)
{
    for (size_t i = 0; q && i < q->nvcols; i++)
        if (!strcmp(q->vcols[i].name, name)) return true;
    return false;
}

static int one_slot_resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)err;
    (void)name;
    const vrv_ctype *t = ctx;
    out->slot = 0;
    out->type = *t;
    out->typed = true;
    return 0;
}

/* Row matcher over every row. */
static int eval_rows(const fctx *c, const vrv_filter *f, tri *out)
{
    qreader r;
    qreader_init(&r, c->a, c->q);
    vrv_filter_matcher *m = NULL;
    int rc = vrv_filter_bind(f, qreader_resolve, &r, &m, c->err);
    if (rc) {
        qreader_free(&r);
        return rc;
    }
    out->t = roaring_bitmap_create();
    out->u = roaring_bitmap_create();
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    for (size_t row = 0; row < c->n; row++) {
        if ((rc = qreader_load(&r, row, c->err))) break;
        vrv_arena_reset(&ar);
        int res = vrv_filter_match(m, r.vals, &ar, c->err);
        if (res < 0) {
            rc = res;
            break;
        }
        if (res == VRV_TRI_TRUE) roaring_bitmap_add(out->t, (uint32_t)row);
        else if (res == VRV_TRI_UNKNOWN) roaring_bitmap_add(out->u, (uint32_t)row);
    }
    vrv_arena_destroy(&ar);
    vrv_filter_matcher_free(m);
    qreader_free(&r);
    return rc;
}

/* A leaf over a dictionary column. */
static int eval_dict(const fctx *c, const vrv_filter *f, size_t col, tri *out)
{
    const vrv_adapter_col *ac = vrv_adapter_column(c->a, col);
    vrv_ctype t = VRV_C_STRING;
    vrv_filter_matcher *m = NULL;
    int rc = vrv_filter_bind(f, one_slot_resolve, &t, &m, c->err);
    if (rc) return rc;
    uint32_t nd = ac->ndict;
    uint8_t *res = vrv_malloc(nd + 1);
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    size_t ntrue = 0, nunk = 0;
    for (uint32_t id = 0; id <= nd; id++) {
        vrv_value v = vrv_null();
        if (id) {
            vrv_str s = vrv_adapter_dict_get(c->a, col, id);
            v = vrv_string(s.p, s.n);
            if (ac->type == VRV_C_JSON) v.type = VRV_V_JSON;
        }
        vrv_arena_reset(&ar);
        int r = vrv_filter_match(m, &v, &ar, c->err);
        if (r < 0) {
            rc = r;
            break;
        }
        res[id] = (uint8_t)r;
        if (r == VRV_TRI_TRUE) ntrue++;
        else if (r == VRV_TRI_UNKNOWN) nunk++;
    }
    vrv_arena_destroy(&ar);
    vrv_filter_matcher_free(m);
    if (rc) {
        free(res);
        return rc;
    }
    out->t = roaring_bitmap_create();
    out->u = roaring_bitmap_create();
    if (ac->bitmap) {
        for (uint32_t id = 0; id <= nd; id++) {
            if (res[id] == VRV_TRI_FALSE) continue;
            roaring_bitmap_t *b = vrv_adapter_bitmap(c->a, col, id);
            if (!b) continue;
            roaring_bitmap_or_inplace(res[id] == VRV_TRI_TRUE ? out->t : out->u, b);
            roaring_bitmap_free(b);
        }
        if (ac->multi && nunk) roaring_bitmap_andnot_inplace(out->u, out->t);
    } else if (ntrue || nunk) {
        vrv_mv_reader mv;
        vrv_mv_reader_init(&mv, c->a, col);
        for (size_t row = 0; row < c->n; row++) {
            size_t k;
            const uint32_t *ids = vrv_mv_row(&mv, row, &k);
            int best = VRV_TRI_FALSE;
            for (size_t i = 0; i < k; i++) {
                uint32_t id = ids[i] <= nd ? ids[i] : 0;
                if (res[id] == VRV_TRI_TRUE) {
                    best = VRV_TRI_TRUE;
                    break;
                }
                if (res[id] == VRV_TRI_UNKNOWN) best = VRV_TRI_UNKNOWN;
            }
            if (best == VRV_TRI_TRUE) roaring_bitmap_add(out->t, (uint32_t)row);
            else if (best == VRV_TRI_UNKNOWN) roaring_bitmap_add(out->u, (uint32_t)row);
        }
        vrv_mv_reader_free(&mv);
    }
    free(res);
    return 0;
}

/* A leaf over a column the segment does not have: every row reads null. */
static int eval_missing(const fctx *c, const vrv_filter *f, tri *out)
{
    vrv_ctype t = VRV_C_STRING;
    vrv_filter_matcher *m = NULL;
    int rc = vrv_filter_bind(f, one_slot_resolve, &t, &m, c->err);
    if (rc) return rc;
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    vrv_value v = vrv_null();
    int r = vrv_filter_match(m, &v, &ar, c->err);
    vrv_arena_destroy(&ar);
    vrv_filter_matcher_free(m);
    if (r < 0) return r;
    out->t = r == VRV_TRI_TRUE ? all_rows(c) : roaring_bitmap_create();
    out->u = r == VRV_TRI_UNKNOWN ? all_rows(c) : roaring_bitmap_create();
    return 0;
}

static void tri_free(tri *t)
{
    if (t->t) roaring_bitmap_free(t->t);
    if (t->u) roaring_bitmap_free(t->u);
    t->t = t->u = NULL;
}

static int eval(const fctx *c, const vrv_filter *f, tri *out)
{
    out->t = out->u = NULL;
    int rc;
    switch (f->type) {
    case VRV_F_TRUE:
        out->t = all_rows(c);
        out->u = roaring_bitmap_create();
        return 0;
    case VRV_F_FALSE:
        out->t = roaring_bitmap_create();
        out->u = roaring_bitmap_create();
        return 0;
    case VRV_F_AND:
    case VRV_F_OR: {
        bool and = f->type == VRV_F_AND;
        roaring_bitmap_t *acc_t = NULL, *acc_tu = NULL, *acc_u = NULL;
        for (size_t i = 0; i < f->u.logic.n; i++) {
            tri s;
            if ((rc = eval(c, f->u.logic.fields[i], &s))) {
                if (acc_t) roaring_bitmap_free(acc_t);
                if (acc_tu) roaring_bitmap_free(acc_tu);
                if (acc_u) roaring_bitmap_free(acc_u);
                return rc;
            }
            if (and) {
                roaring_bitmap_t *tu = roaring_bitmap_or(s.t, s.u);
                if (!acc_t) {
                    acc_t = s.t;
                    acc_tu = tu;
                    s.t = NULL;
                } else {
                    roaring_bitmap_and_inplace(acc_t, s.t);
                    roaring_bitmap_and_inplace(acc_tu, tu);
                    roaring_bitmap_free(tu);
                }
            } else {
                if (!acc_t) {
                    acc_t = s.t;
                    acc_u = s.u;
                    s.t = s.u = NULL;
                } else {
                    roaring_bitmap_or_inplace(acc_t, s.t);
                    roaring_bitmap_or_inplace(acc_u, s.u);
                }
            }
            tri_free(&s);
        }
        if (and) {
            roaring_bitmap_andnot_inplace(acc_tu, acc_t);
            out->t = acc_t;
            out->u = acc_tu;
        } else {
            roaring_bitmap_andnot_inplace(acc_u, acc_t);
            out->t = acc_t;
            out->u = acc_u;
        }
        return 0;
    }
    case VRV_F_NOT:
    case VRV_F_IS_TRUE:
    case VRV_F_IS_FALSE: {
        tri s;
        if ((rc = eval(c, f->u.field, &s))) return rc;
        if (f->type == VRV_F_IS_TRUE) {
            out->t = s.t;
            out->u = roaring_bitmap_create();
            roaring_bitmap_free(s.u);
            return 0;
        }
        roaring_bitmap_t *all = all_rows(c);
        roaring_bitmap_andnot_inplace(all, s.t);
        roaring_bitmap_andnot_inplace(all, s.u);
        out->t = all;
        roaring_bitmap_free(s.t);
        if (f->type == VRV_F_NOT) out->u = s.u;
        else {
            roaring_bitmap_free(s.u);
            out->u = roaring_bitmap_create();
        }
        return 0;
    }
    case VRV_F_EXPRESSION:
    case VRV_F_COLUMN_COMPARISON: return eval_rows(c, f, out);
    default: break;
    }
    if (!f->column || is_vcol(c->q, f->column)) return eval_rows(c, f, out);
    long col = vrv_adapter_find(c->a, f->column);
    if (col < 0 && strcmp(f->column, "__time") != 0) return eval_missing(c, f, out);
    if (col >= 0 && vrv_adapter_column(c->a, (size_t)col)->dict &&
        f->type != VRV_F_ARRAY_CONTAINS_ELEMENT)
        return eval_dict(c, f, (size_t)col, out);
    return eval_rows(c, f, out);
}

int qfilter_rows(const vrv_filter *f, const vrv_query *q, const vrv_adapter *a,
                 roaring_bitmap_t **out, vrv_error *err)
{
    fctx c = {q, a, vrv_adapter_rows(a), err};
    tri t;
    int rc = eval(&c, f, &t);
    if (rc) {
        tri_free(&t);
        return rc;
    }
    if (t.u) roaring_bitmap_free(t.u);
    *out = t.t;
    return 0;
}
