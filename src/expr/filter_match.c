/*
 * filter_match.c — binds a filter tree to slots and matches rows with Druid's
 * three-valued semantics. Each leaf becomes a predicate with one entry per
 * run-time value type, as Druid's DruidPredicateFactory has string, long,
 * float and double predicates: legacy string filters convert their strings to
 * numbers for numeric values (selector "10" matches long 10), typed filters
 * cast their match value to the value's type and match nothing when the cast
 * loses information (equals 1.5 never matches a long), and like/regex/search
 * read numbers as their Java string form.
 *
 * A multi-value row (an array in a column not declared ARRAY) is TRUE when any
 * value is, UNKNOWN when none is but some value is UNKNOWN, else FALSE; an
 * empty one reads as null. Everything a matcher needs is copied into its own
 * arena at bind time.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/mem.h"
#include "base/numfmt.h"
#include "base/vec.h"
#include "expr/filter_int.h"
#include "expr/like.h"
#include "expr/regex.h"

typedef struct mnode mnode;

typedef struct mctx {
    const vrv_value *slots;
    vrv_arena *arena;
    vrv_error *err;
} mctx;

/* One entry per run-time value type; null_tri is the answer for null. */
typedef struct pred {
    vrv_tri null_tri;
    vrv_tri (*str)(const mnode *n, vrv_str s, mctx *c);
    vrv_tri (*lng)(const mnode *n, int64_t l, mctx *c);
    vrv_tri (*dbl)(const mnode *n, double d, mctx *c);
    vrv_tri (*flt)(const mnode *n, float f, mctx *c);
    /* For columns declared ARRAY<...>: the whole array; NULL to match elements. */
    vrv_tri (*arr)(const mnode *n, const vrv_value *v, mctx *c);
} pred;

struct mnode {
    int (*eval)(const mnode *n, mctx *c); /* a vrv_tri, or a negative error code */
    int32_t slot;                         /* leaves: the column's slot, -1 missing */
    bool col_array;                       /* the column is declared ARRAY<...> */
    pred p;
    mnode **kids;
    size_t nkids;
    void *st; /* the leaf's state */
};

typedef struct mcleanup {
    void (*fn)(void *);
    void *p;
    struct mcleanup *next;
} mcleanup;

struct vrv_filter_matcher {
    vrv_arena arena;
    mnode *root;
    mcleanup *cleanups;
};

typedef struct binder {
    vrv_filter_matcher *m;
    vrv_expr_resolve_fn fn;
    void *ctx;
    VRV_VEC(struct binding_entry {
        const char *name;
        vrv_expr_binding b;
    }) cache;
    vrv_error *err;
} binder;

static void on_free(vrv_filter_matcher *m, void (*fn)(void *), void *p)
{
    mcleanup *c = vrv_arena_alloc(&m->arena, sizeof *c);
    c->fn = fn;
    c->p = p;
    c->next = m->cleanups;
    m->cleanups = c;
}

static int resolve(binder *b, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    for (size_t i = 0; i < b->cache.n; i++) {
        if (strlen(b->cache.v[i].name) == name.n && memcmp(b->cache.v[i].name, name.p, name.n) == 0) {
            *out = b->cache.v[i].b;
            return 0;
        }
    }
    vrv_expr_binding bd = {.slot = -1};
    int rc = b->fn ? b->fn(b->ctx, name, &bd, err) : 0;
    if (rc) return rc;
    struct binding_entry e = {vrv_arena_strndup(&b->m->arena, name.p, name.n), bd};
    vrv_vec_push(&b->cache, e);
    *out = bd;
    return 0;
}

static int expr_resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    return resolve(ctx, name, out, err);
}

static bool is_array_ctype(vrv_ctype t)
{
    return t == VRV_C_ARRAY_LONG || t == VRV_C_ARRAY_DOUBLE || t == VRV_C_ARRAY_STRING;
}

/* ---- helpers ------------------------------------------------------------------ */

/* Double.doubleToLongBits equality: NaNs equal each other, -0.0 differs from 0.0. */
static bool dbits_eq(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

static bool fbits_eq(float a, float b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

static vrv_tri tri(bool b)
{
    return b ? VRV_TRI_TRUE : VRV_TRI_FALSE;
}

static vrv_str long_str(int64_t l, mctx *c)
{
    char tmp[VRV_NUMFMT_MAX];
    size_t n = vrv_fmt_long(l, tmp);
    return vrv_str_make(vrv_arena_memdup(c->arena, tmp, n), n);
}

static vrv_str double_str(double d, mctx *c)
{
    char tmp[VRV_NUMFMT_MAX];
    size_t n = vrv_fmt_double(d, tmp);
    return vrv_str_make(vrv_arena_memdup(c->arena, tmp, n), n);
}

static vrv_str float_str(float f, mctx *c)
{
    char tmp[VRV_NUMFMT_MAX];
    size_t n = vrv_fmt_float(f, tmp);
    return vrv_str_make(vrv_arena_memdup(c->arena, tmp, n), n);
}

/* Predicates that read numbers as their Java strings. */
static vrv_tri lng_as_str(const mnode *n, int64_t l, mctx *c)
{
    return n->p.str(n, long_str(l, c), c);
}
static vrv_tri dbl_as_str(const mnode *n, double d, mctx *c)
{
    return n->p.str(n, double_str(d, c), c);
}
static vrv_tri flt_as_str(const mnode *n, float f, mctx *c)
{
    return n->p.str(n, float_str(f, c), c);
}

static vrv_tri value_tri(const mnode *n, const vrv_value *v, mctx *c, bool top)
{
    switch (v->type) {
    case VRV_V_NULL: return n->p.null_tri;
    case VRV_V_LONG: return n->p.lng(n, v->u.l, c);
    case VRV_V_DOUBLE: return n->p.dbl(n, v->u.d, c);
    case VRV_V_FLOAT: return n->p.flt(n, v->u.f, c);
    case VRV_V_STRING:
    case VRV_V_JSON: return n->p.str(n, vrv_value_str(v), c);
    case VRV_V_ARRAY: {
        if (top && n->col_array && n->p.arr) return n->p.arr(n, v, c);
        /* An empty multi-value row is null; an empty ARRAY is not. */
        if (v->len == 0) return top && n->col_array ? VRV_TRI_FALSE : n->p.null_tri;
        vrv_tri best = VRV_TRI_FALSE;
        for (uint32_t i = 0; i < v->len; i++) {
            vrv_tri t = value_tri(n, &v->u.a[i], c, false);
            if (t == VRV_TRI_TRUE) return t;
            if (t == VRV_TRI_UNKNOWN) best = t;
        }
        return best;
    }
    default: return VRV_TRI_FALSE;
    }
}

static int leaf_eval(const mnode *n, mctx *c)
{
    vrv_value v = n->slot >= 0 ? c->slots[n->slot] : vrv_null();
    return (int)value_tri(n, &v, c, true);
}

/* ---- logic ---------------------------------------------------------------------- */

static int eval_true(const mnode *n, mctx *c)
{
    VRV_UNUSED(n);
    VRV_UNUSED(c);
    return VRV_TRI_TRUE;
}

static int eval_false(const mnode *n, mctx *c)
{
    VRV_UNUSED(n);
    VRV_UNUSED(c);
    return VRV_TRI_FALSE;
}

static int eval_and(const mnode *n, mctx *c)
{
    int res = VRV_TRI_TRUE;
    for (size_t i = 0; i < n->nkids; i++) {
        int t = n->kids[i]->eval(n->kids[i], c);
        if (t < 0 || t == VRV_TRI_FALSE) return t;
        if (t == VRV_TRI_UNKNOWN) res = t;
    }
    return res;
}

static int eval_or(const mnode *n, mctx *c)
{
    int res = VRV_TRI_FALSE;
    for (size_t i = 0; i < n->nkids; i++) {
        int t = n->kids[i]->eval(n->kids[i], c);
        if (t < 0 || t == VRV_TRI_TRUE) return t;
        if (t == VRV_TRI_UNKNOWN) res = t;
    }
    return res;
}

static int eval_not(const mnode *n, mctx *c)
{
    int t = n->kids[0]->eval(n->kids[0], c);
    if (t < 0 || t == VRV_TRI_UNKNOWN) return t;
    return t == VRV_TRI_TRUE ? VRV_TRI_FALSE : VRV_TRI_TRUE;
}

static int eval_is_true(const mnode *n, mctx *c)
{
    int t = n->kids[0]->eval(n->kids[0], c);
    return t < 0 ? t : (int)tri(t == VRV_TRI_TRUE);
}

static int eval_is_false(const mnode *n, mctx *c)
{
    int t = n->kids[0]->eval(n->kids[0], c);
    return t < 0 ? t : (int)tri(t == VRV_TRI_FALSE);
}

/* ---- selector ------------------------------------------------------------------- */

typedef struct sel_state {
    bool is_null;
    vrv_str value;
    bool has_l, has_d;
    int64_t l;
    double d;
    float f;
} sel_state;

static vrv_tri sel_str(const mnode *n, vrv_str s, mctx *c)
{
    VRV_UNUSED(c);
    const sel_state *st = n->st;
    return tri(!st->is_null && vrv_str_eq(st->value, s));
}
static vrv_tri sel_lng(const mnode *n, int64_t l, mctx *c)
{
    VRV_UNUSED(c);
    const sel_state *st = n->st;
    return tri(st->has_l && st->l == l);
}
static vrv_tri sel_dbl(const mnode *n, double d, mctx *c)
{
    VRV_UNUSED(c);
    const sel_state *st = n->st;
    return tri(st->has_d && dbits_eq(st->d, d));
}
static vrv_tri sel_flt(const mnode *n, float f, mctx *c)
{
    VRV_UNUSED(c);
    const sel_state *st = n->st;
    return tri(st->has_d && fbits_eq(st->f, f));
}

static void bind_selector(binder *b, const vrv_filter *f, mnode *n)
{
    sel_state *st = vrv_arena_calloc(&b->m->arena, sizeof *st);
    st->is_null = f->u.selector.value == NULL;
    if (!st->is_null) {
        st->value = vrv_str_make(vrv_arena_memdup(&b->m->arena, f->u.selector.value, f->u.selector.len), f->u.selector.len);
        vrv_value sv = vrv_string(st->value.p, st->value.n);
        /* DimensionHandlerUtils.convertObjectToLong / ToDouble / ToFloat. */
        st->has_l = vrv_value_to_long(&sv, &st->l);
        st->has_d = vrv_value_to_double(&sv, &st->d);
        st->f = (float)st->d;
    }
    n->st = st;
    n->p = (pred){st->is_null ? VRV_TRI_TRUE : VRV_TRI_UNKNOWN, sel_str, sel_lng, sel_dbl, sel_flt, NULL};
}

/* ---- in ------------------------------------------------------------------------ */

typedef struct in_state {
    vrv_map strings;  /* the values (keys copied) */
    int64_t *longs;   /* sorted */
    size_t nlongs;
    double *doubles;  /* sorted */
    size_t ndoubles;
} in_state;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (x < y) return -1;
    if (x > y) return 1;
    bool xn = isnan(x), yn = isnan(y);
    return xn == yn ? 0 : xn ? 1 : -1;
}

static bool find_dbl(const double *v, size_t n, double d)
{
    return n && bsearch(&d, v, n, sizeof *v, cmp_dbl) != NULL;
}

static vrv_tri in_str(const mnode *n, vrv_str s, mctx *c)
{
    VRV_UNUSED(c);
    const in_state *st = n->st;
    return tri(vrv_map_get(&st->strings, s.p, s.n) != NULL);
}
static vrv_tri in_lng(const mnode *n, int64_t l, mctx *c)
{
    VRV_UNUSED(c);
    const in_state *st = n->st;
    return tri(st->nlongs && bsearch(&l, st->longs, st->nlongs, sizeof l, cmp_i64) != NULL);
}
static vrv_tri in_dbl(const mnode *n, double d, mctx *c)
{
    VRV_UNUSED(c);
    const in_state *st = n->st;
    return tri(find_dbl(st->doubles, st->ndoubles, d));
}
static vrv_tri in_flt(const mnode *n, float f, mctx *c)
{
    VRV_UNUSED(c);
    const in_state *st = n->st;
    /* The values as floats: compare after narrowing each to float. */
    for (size_t i = 0; i < st->ndoubles; i++)
        if (fbits_eq((float)st->doubles[i], f)) return VRV_TRI_TRUE;
    return VRV_TRI_FALSE;
}

static void map_destroy(void *p)
{
    vrv_map_destroy(p);
}

/* Builds the string/long/double sets of a list of string values. */
static in_state *in_sets(binder *b, const vrv_str *vals, size_t n)
{
    vrv_arena *a = &b->m->arena;
    in_state *st = vrv_arena_calloc(a, sizeof *st);
    vrv_map_init(&st->strings, true);
    on_free(b->m, map_destroy, &st->strings);
    st->longs = vrv_arena_alloc(a, (n ? n : 1) * sizeof *st->longs);
    st->doubles = vrv_arena_alloc(a, (n ? n : 1) * sizeof *st->doubles);
    for (size_t i = 0; i < n; i++) {
        vrv_map_put(&st->strings, vals[i].p, vals[i].n, NULL);
        vrv_value sv = vrv_string(vals[i].p, vals[i].n);
        int64_t l;
        double d;
        if (vrv_value_to_long(&sv, &l)) st->longs[st->nlongs++] = l;
        if (vrv_value_to_double(&sv, &d)) st->doubles[st->ndoubles++] = d;
    }
    qsort(st->longs, st->nlongs, sizeof *st->longs, cmp_i64);
    qsort(st->doubles, st->ndoubles, sizeof *st->doubles, cmp_dbl);
    return st;
}

static void bind_in(binder *b, const vrv_filter *f, mnode *n)
{
    n->st = in_sets(b, f->u.in.values, f->u.in.n);
    n->p = (pred){f->u.in.has_null ? VRV_TRI_TRUE : VRV_TRI_UNKNOWN, in_str, in_lng, in_dbl, in_flt, NULL};
}

static void bind_in_type(binder *b, const vrv_filter *f, mnode *n)
{
    /* Every value as Druid's Evals.asString: the string set serves string
     * columns; the numeric sets come from converting those strings, which is
     * what convertObjectToLong/Double do with the typed values. */
    size_t nv = f->u.in_type.n;
    vrv_str *strs = vrv_arena_alloc(&b->m->arena, (nv ? nv : 1) * sizeof *strs);
    size_t k = 0;
    bool has_null = false;
    for (size_t i = 0; i < nv; i++) {
        const vrv_value *v = &f->u.in_type.values[i];
        if (v->type == VRV_V_NULL) {
            has_null = true;
            continue;
        }
        vrv_str s;
        expr_as_str(v, &b->m->arena, &s);
        if (v->type == VRV_V_FLOAT) {
            char tmp[VRV_NUMFMT_MAX];
            size_t len = vrv_fmt_float(v->u.f, tmp);
            s = vrv_str_make(vrv_arena_memdup(&b->m->arena, tmp, len), len);
        }
        strs[k++] = s;
    }
    in_state *st = in_sets(b, strs, k);
    /* Typed numeric values convert exactly (a DOUBLE 1.5 becomes long 1). */
    st->nlongs = st->ndoubles = 0;
    for (size_t i = 0; i < nv; i++) {
        const vrv_value *v = &f->u.in_type.values[i];
        int64_t l;
        double d;
        if (v->type == VRV_V_NULL) continue;
        if (v->type == VRV_V_STRING) {
            if (vrv_value_to_long(v, &l)) st->longs[st->nlongs++] = l;
            if (vrv_value_to_double(v, &d)) st->doubles[st->ndoubles++] = d;
        } else {
            d = expr_num_d(v);
            st->longs[st->nlongs++] = v->type == VRV_V_LONG ? v->u.l : expr_d2l(d);
            st->doubles[st->ndoubles++] = d;
        }
    }
    qsort(st->longs, st->nlongs, sizeof *st->longs, cmp_i64);
    qsort(st->doubles, st->ndoubles, sizeof *st->doubles, cmp_dbl);
    n->st = st;
    n->p = (pred){has_null ? VRV_TRI_TRUE : VRV_TRI_UNKNOWN, in_str, in_lng, in_dbl, in_flt, NULL};
}

/* ---- equals / arrayContainsElement --------------------------------------------------- */

typedef struct eq_state {
    bool str_ok, long_ok, double_ok;
    vrv_str s;
    int64_t l;
    double d;
    vrv_value match; /* copied; for array columns */
    vrv_ctype type;
} eq_state;

/* ExprEval.castForEqualityComparison of the match value to STRING, LONG and
 * DOUBLE, done once. */
static void eq_prepare(binder *b, eq_state *st, const vrv_value *mv)
{
    vrv_arena *a = &b->m->arena;
    st->match = expr_value_copy(a, mv);
    const vrv_value *m = &st->match;
    if (m->type == VRV_V_NULL) return;
    if (m->type == VRV_V_ARRAY && m->len != 1) return; /* an array of 2+ never equals a scalar */
    const vrv_value *sc = m->type == VRV_V_ARRAY ? &m->u.a[0] : m;
    if (sc->type == VRV_V_NULL) return;
    st->str_ok = expr_as_str(sc, a, &st->s);
    vrv_value num;
    if (expr_numeric(sc, &num)) {
        double as_double = expr_num_d(&num);
        int64_t as_long = num.type == VRV_V_LONG ? num.u.l : expr_d2l(num.u.d);
        st->d = as_double;
        st->double_ok = true;
        st->l = as_long;
        /* A LONG cast must not lose information: 1.0 -> 1 is fine, 1.1 is not. */
        st->long_ok = num.type == VRV_V_LONG || (double)as_long == as_double;
    }
}

static vrv_tri eq_str(const mnode *n, vrv_str s, mctx *c)
{
    VRV_UNUSED(c);
    const eq_state *st = n->st;
    return tri(st->str_ok && vrv_str_eq(st->s, s));
}
static vrv_tri eq_lng(const mnode *n, int64_t l, mctx *c)
{
    VRV_UNUSED(c);
    const eq_state *st = n->st;
    return tri(st->long_ok && st->l == l);
}
static vrv_tri eq_dbl(const mnode *n, double d, mctx *c)
{
    VRV_UNUSED(c);
    const eq_state *st = n->st;
    return tri(st->double_ok && dbits_eq(st->d, d));
}
static vrv_tri eq_flt(const mnode *n, float f, mctx *c)
{
    VRV_UNUSED(c);
    const eq_state *st = n->st;
    return tri(st->double_ok && fbits_eq((float)st->d, f));
}

/* Arrays equal after casting the match value to the column's element type. */
static vrv_tri eq_arr(const mnode *n, const vrv_value *v, mctx *c)
{
    const eq_state *st = n->st;
    const vrv_value *m = &st->match;
    if (m->type != VRV_V_ARRAY) return VRV_TRI_FALSE;
    expr_type at = expr_array_type(v);
    vrv_value mc;
    if (!expr_cast(m, at, c->arena, &mc)) return VRV_TRI_FALSE;
    if (mc.len != v->len) return VRV_TRI_FALSE;
    for (uint32_t i = 0; i < v->len; i++) {
        const vrv_value *x = &v->u.a[i], *y = &mc.u.a[i];
        /* [1.0] matches [1] but [1.1] does not. */
        if (at == ET_ALONG && y->type == VRV_V_LONG && m->u.a[i].type == VRV_V_DOUBLE &&
            (double)y->u.l != m->u.a[i].u.d)
            return VRV_TRI_FALSE;
        vrv_value xc = *x;
        if (x->type == VRV_V_FLOAT) xc = vrv_double(x->u.f);
        if (!expr_elem_equal(&xc, y)) return VRV_TRI_FALSE;
    }
    return VRV_TRI_TRUE;
}

static void bind_equals(binder *b, const vrv_filter *f, mnode *n)
{
    eq_state *st = vrv_arena_calloc(&b->m->arena, sizeof *st);
    st->type = f->u.equals.type;
    eq_prepare(b, st, &f->u.equals.value);
    n->st = st;
    n->p = (pred){VRV_TRI_UNKNOWN, eq_str, eq_lng, eq_dbl, eq_flt, eq_arr};
}

static void bind_array_contains(binder *b, const vrv_filter *f, mnode *n)
{
    eq_state *st = vrv_arena_calloc(&b->m->arena, sizeof *st);
    st->type = f->u.equals.type;
    eq_prepare(b, st, &f->u.equals.value);
    n->st = st;
    /* Elements are matched one by one (any element equal); a null element
     * matches a null element value. */
    bool null_elem = f->u.equals.value.type == VRV_V_NULL;
    n->p = (pred){null_elem ? VRV_TRI_TRUE : VRV_TRI_UNKNOWN, eq_str, eq_lng, eq_dbl, eq_flt, NULL};
}

/* ---- null ----------------------------------------------------------------------- */

static int eval_null(const mnode *n, mctx *c)
{
    vrv_value v = n->slot >= 0 ? c->slots[n->slot] : vrv_null();
    if (v.type == VRV_V_NULL) return VRV_TRI_TRUE;
    if (v.type == VRV_V_ARRAY && v.len == 0 && !n->col_array) return VRV_TRI_TRUE;
    return VRV_TRI_FALSE;
}

/* ---- bound -------------------------------------------------------------------------- */

typedef struct bound_state {
    vrv_str lower, upper;
    bool has_lower, has_upper, lower_strict, upper_strict;
    vrv_order ordering;
    /* numeric ordering against numbers */
    bool nothing_l;             /* the long predicate matches nothing */
    bool has_ll, has_ul;
    int64_t ll, ul;
    bool nothing_d;
    bool has_ld, has_ud;
    double ld, ud;
} bound_state;

static vrv_tri bound_str(const mnode *n, vrv_str s, mctx *c)
{
    VRV_UNUSED(c);
    const bound_state *st = n->st;
    int lc = st->has_lower ? vrv_strcmp(st->ordering, s, st->lower) : 1;
    int uc = st->has_upper ? vrv_strcmp(st->ordering, st->upper, s) : 1;
    bool lok = st->lower_strict ? lc > 0 : lc >= 0;
    bool uok = st->upper_strict ? uc > 0 : uc >= 0;
    return tri(lok && uok);
}

static vrv_tri bound_lng(const mnode *n, int64_t l, mctx *c)
{
    const bound_state *st = n->st;
    if (st->ordering != VRV_ORDER_NUMERIC) return bound_str(n, long_str(l, c), c);
    if (st->nothing_l) return VRV_TRI_FALSE;
    bool lok = !st->has_ll || (st->lower_strict ? l > st->ll : l >= st->ll);
    bool uok = !st->has_ul || (st->upper_strict ? l < st->ul : l <= st->ul);
    return tri(lok && uok);
}

static vrv_tri bound_dbl(const mnode *n, double d, mctx *c)
{
    const bound_state *st = n->st;
    if (st->ordering != VRV_ORDER_NUMERIC) return bound_str(n, double_str(d, c), c);
    if (st->nothing_d) return VRV_TRI_FALSE;
    bool lok = !st->has_ld || (st->lower_strict ? d > st->ld : d >= st->ld);
    bool uok = !st->has_ud || (st->upper_strict ? d < st->ud : d <= st->ud);
    return tri(lok && uok);
}

static vrv_tri bound_flt(const mnode *n, float f, mctx *c)
{
    const bound_state *st = n->st;
    if (st->ordering != VRV_ORDER_NUMERIC) return bound_str(n, float_str(f, c), c);
    return bound_dbl(n, (double)f, c);
}

/* BigDecimal.setScale(0, FLOOR or CEILING) of a decimal, when it fits a long. */
static bool decimal_to_long(const vrv_decimal *d, bool ceiling, int64_t *out, bool *too_big)
{
    *too_big = false;
    if (d->sign == 0) {
        *out = 0;
        return true;
    }
    if (d->exp > 19) {
        *too_big = true;
        return false;
    }
    uint64_t ip = 0;
    bool frac = false;
    int64_t k = 0; /* digits consumed */
    for (size_t i = d->first; i <= d->last; i++) {
        char ch = d->mant[i];
        if (ch == '.') continue;
        if (k < d->exp) {
            unsigned dg = (unsigned)(ch - '0');
            if (ip > (UINT64_MAX - dg) / 10) {
                *too_big = true;
                return false;
            }
            ip = ip * 10 + dg;
        } else if (ch != '0') {
            frac = true;
        }
        k++;
    }
    for (; k < d->exp; k++) {
        if (ip > UINT64_MAX / 10) {
            *too_big = true;
            return false;
        }
        ip *= 10;
    }
    bool neg = d->sign < 0;
    /* floor rounds toward -inf, ceiling toward +inf. */
    if (frac && (neg ? !ceiling : ceiling)) ip++;
    if (neg ? ip > (uint64_t)INT64_MAX + 1 : ip > (uint64_t)INT64_MAX) {
        *too_big = true;
        return false;
    }
    *out = neg ? (int64_t)(0 - ip) : (int64_t)ip;
    return true;
}

static void bound_numeric(bound_state *st)
{
    int64_t l;
    bool big;
    vrv_decimal dec;
    if (st->has_lower) {
        if (vrv_str_to_i64(st->lower, &l)) {
            st->has_ll = true;
            st->ll = l;
        } else if (vrv_decimal_parse(st->lower, &dec)) {
            if (decimal_to_long(&dec, !st->lower_strict, &l, &big)) {
                st->has_ll = true;
                st->ll = l;
            } else if (dec.sign > 0) {
                st->nothing_l = true; /* above every long */
            }
        } /* unparsable: sorts before every number, so no lower bound */
        double d;
        if (vrv_str_to_double(st->lower, &d)) st->has_ld = true, st->ld = d;
    }
    if (st->has_upper) {
        if (vrv_str_to_i64(st->upper, &l)) {
            st->has_ul = true;
            st->ul = l;
        } else if (vrv_decimal_parse(st->upper, &dec)) {
            if (decimal_to_long(&dec, st->upper_strict, &l, &big)) {
                st->has_ul = true;
                st->ul = l;
            } else if (dec.sign < 0) {
                st->nothing_l = true; /* below every long */
            }
        } else {
            st->nothing_l = true; /* unparsable sorts before every number */
        }
        double d;
        if (vrv_str_to_double(st->upper, &d)) st->has_ud = true, st->ud = d;
        else st->nothing_d = true;
    }
}

static void bind_bound(binder *b, const vrv_filter *f, mnode *n)
{
    vrv_arena *a = &b->m->arena;
    bound_state *st = vrv_arena_calloc(a, sizeof *st);
    st->has_lower = f->u.bound.lower != NULL;
    st->has_upper = f->u.bound.upper != NULL;
    if (st->has_lower) st->lower = vrv_str_make(vrv_arena_memdup(a, f->u.bound.lower, f->u.bound.lower_len), f->u.bound.lower_len);
    if (st->has_upper) st->upper = vrv_str_make(vrv_arena_memdup(a, f->u.bound.upper, f->u.bound.upper_len), f->u.bound.upper_len);
    st->lower_strict = f->u.bound.lower_strict;
    st->upper_strict = f->u.bound.upper_strict;
    st->ordering = f->u.bound.ordering;
    bound_numeric(st);
    n->st = st;
    /* null sorts first: it matches when there is no lower bound. */
    n->p = (pred){st->has_lower ? VRV_TRI_UNKNOWN : VRV_TRI_TRUE, bound_str, bound_lng, bound_dbl, bound_flt, NULL};
}

/* ---- range ------------------------------------------------------------------------ */

typedef struct range_state {
    vrv_ctype type;
    bool numeric;
    bool has_lower, has_upper, lower_open, upper_open;
    vrv_value lower, upper;   /* typed bounds (copies) */
    vrv_str ls, us;           /* the bounds as strings (STRING type, or numbers) */
    vrv_decimal ldec, udec;   /* numeric: the bounds as decimals */
    int64_t ll, ul;           /* numeric: long bounds after floor/ceil */
    double ld, ud;
} range_state;

static bool range_cmp_ok(const range_state *st, int lc, int uc)
{
    bool lok = !st->has_lower || (st->lower_open ? lc > 0 : lc >= 0);
    bool uok = !st->has_upper || (st->upper_open ? uc < 0 : uc <= 0);
    return lok && uok;
}

static vrv_tri range_str(const mnode *n, vrv_str s, mctx *c)
{
    VRV_UNUSED(c);
    const range_state *st = n->st;
    if (st->numeric) {
        /* The string compared as a number; one that is not a number does not match. */
        vrv_decimal d;
        if (!vrv_decimal_parse(s, &d)) return VRV_TRI_FALSE;
        int lc = st->has_lower ? vrv_decimal_cmp(&d, &st->ldec) : 1;
        int uc = st->has_upper ? vrv_decimal_cmp(&d, &st->udec) : -1;
        return tri(range_cmp_ok(st, lc, uc));
    }
    int lc = st->has_lower ? expr_java_strcmp(s, st->ls) : 1;
    int uc = st->has_upper ? expr_java_strcmp(s, st->us) : -1;
    return tri(range_cmp_ok(st, lc, uc));
}

static vrv_tri range_lng(const mnode *n, int64_t l, mctx *c)
{
    const range_state *st = n->st;
    if (!st->numeric) return range_str(n, long_str(l, c), c);
    /* Bounds were floored/ceiled so that open/closed comparisons on longs hold. */
    int lc = st->has_lower ? (l < st->ll ? -1 : l > st->ll) : 1;
    int uc = st->has_upper ? (l < st->ul ? -1 : l > st->ul) : -1;
    return tri(range_cmp_ok(st, lc, uc));
}

static vrv_tri range_dbl(const mnode *n, double d, mctx *c)
{
    const range_state *st = n->st;
    if (!st->numeric) return range_str(n, double_str(d, c), c);
    if (isnan(d)) return VRV_TRI_FALSE;
    int lc = st->has_lower ? (d < st->ld ? -1 : d > st->ld) : 1;
    int uc = st->has_upper ? (d < st->ud ? -1 : d > st->ud) : -1;
    return tri(range_cmp_ok(st, lc, uc));
}

static vrv_tri range_flt(const mnode *n, float f, mctx *c)
{
    const range_state *st = n->st;
    if (!st->numeric) return range_str(n, float_str(f, c), c);
    return range_dbl(n, (double)f, c);
}

/* Arrays compared element by element (nulls first), bounds cast to the column's type. */
static vrv_tri range_arr(const mnode *n, const vrv_value *v, mctx *c)
{
    const range_state *st = n->st;
    expr_type at = expr_array_type(v);
    expr_type et = expr_type_elem(at);
    int cmp[2] = {1, -1};
    const vrv_value *bounds[2] = {st->has_lower ? &st->lower : NULL, st->has_upper ? &st->upper : NULL};
    for (int k = 0; k < 2; k++) {
        if (!bounds[k]) continue;
        vrv_value bc;
        if (!expr_cast(bounds[k], at, c->arena, &bc) || bc.type != VRV_V_ARRAY) return VRV_TRI_FALSE;
        int r = 0;
        uint32_t m = VRV_MIN(v->len, bc.len);
        for (uint32_t i = 0; i < m && r == 0; i++) {
            vrv_value x = v->u.a[i];
            if (x.type == VRV_V_FLOAT) x = vrv_double(x.u.f);
            vrv_ctype ct = et == ET_LONG ? VRV_C_LONG : et == ET_DOUBLE ? VRV_C_DOUBLE : VRV_C_STRING;
            r = filter_typed_cmp(&x, &bc.u.a[i], ct);
        }
        if (r == 0) r = v->len < bc.len ? -1 : v->len > bc.len;
        cmp[k] = r;
    }
    return tri(range_cmp_ok(st, cmp[0], cmp[1]));
}

/* Java's Math.floor/ceil of a bound as a long; an integral LONG bound is exact. */
static int64_t range_long_bound(const vrv_value *v, bool use_floor)
{
    if (v->type == VRV_V_LONG) return v->u.l;
    double d = expr_num_d(v);
    return expr_d2l(use_floor ? floor(d) : ceil(d));
}

static void bind_range(binder *b, const vrv_filter *f, mnode *n)
{
    vrv_arena *a = &b->m->arena;
    range_state *st = vrv_arena_calloc(a, sizeof *st);
    st->type = f->u.range.type;
    st->numeric = vrv_ctype_is_numeric(st->type);
    st->lower = expr_value_copy(a, &f->u.range.lower);
    st->upper = expr_value_copy(a, &f->u.range.upper);
    st->has_lower = st->lower.type != VRV_V_NULL;
    st->has_upper = st->upper.type != VRV_V_NULL;
    st->lower_open = f->u.range.lower_open;
    st->upper_open = f->u.range.upper_open;
    if (st->has_lower) expr_as_str(&st->lower, a, &st->ls);
    if (st->has_upper) expr_as_str(&st->upper, a, &st->us);
    if (st->numeric) {
        if (st->has_lower) {
            vrv_decimal_parse(st->ls, &st->ldec);
            st->ld = expr_num_d(&st->lower);
            /* x > 1.1 matches 2 not 1 (floor); x >= 1.1 matches 2 not 1 (ceil). */
            st->ll = range_long_bound(&st->lower, st->lower_open);
        }
        if (st->has_upper) {
            vrv_decimal_parse(st->us, &st->udec);
            st->ud = expr_num_d(&st->upper);
            st->ul = range_long_bound(&st->upper, !st->upper_open);
        }
    }
    n->st = st;
    n->p = (pred){VRV_TRI_UNKNOWN, range_str, range_lng, range_dbl, range_flt, range_arr};
}

/* ---- like / regex / search ------------------------------------------------------------ */

static vrv_tri like_str(const mnode *n, vrv_str s, mctx *c)
{
    VRV_UNUSED(c);
    return tri(vrv_like_match(n->st, s.p, s.n));
}

static int bind_like(binder *b, const vrv_filter *f, mnode *n)
{
    vrv_like *l;
    int rc = vrv_like_compile(f->u.like.pattern, f->u.like.len, f->u.like.escape, f->u.like.escape_len,
                              &b->m->arena, &l, b->err);
    if (rc) return vrv_error_prefix(b->err, "like filter on '%s'", f->column);
    n->st = l;
    n->p = (pred){VRV_TRI_UNKNOWN, like_str, lng_as_str, dbl_as_str, flt_as_str, NULL};
    return 0;
}

static vrv_tri regex_str(const mnode *n, vrv_str s, mctx *c)
{
    int rc = vrv_regex_find(n->st, s.p, s.n, 0, NULL);
    VRV_UNUSED(c);
    return tri(rc == 1);
}

static void regex_free(void *p)
{
    vrv_regex_free(p);
}

static int bind_regex(binder *b, const vrv_filter *f, mnode *n)
{
    vrv_regex *r = vrv_regex_compile(f->u.regex.pattern, f->u.regex.len, b->err);
    if (!r) return vrv_error_prefix(b->err, "regex filter on '%s'", f->column);
    on_free(b->m, regex_free, r);
    n->st = r;
    n->p = (pred){VRV_TRI_UNKNOWN, regex_str, lng_as_str, dbl_as_str, flt_as_str, NULL};
    return 0;
}

typedef struct search_state {
    bool case_sensitive;
    bool null_value; /* contains with a null value: matches nothing */
    vrv_str *values; /* lower-cased when case-insensitive */
    size_t n;
} search_state;

static vrv_tri search_str(const mnode *n, vrv_str s, mctx *c)
{
    const search_state *st = n->st;
    if (st->null_value) return VRV_TRI_FALSE;
    if (!st->case_sensitive) s = expr_lower(s, c->arena);
    for (size_t i = 0; i < st->n; i++) {
        const vrv_str *v = &st->values[i];
        if (v->n && !memmem(s.p, s.n, v->p, v->n)) return VRV_TRI_FALSE;
    }
    return VRV_TRI_TRUE;
}

static void bind_search(binder *b, const vrv_filter *f, mnode *n)
{
    vrv_arena *a = &b->m->arena;
    search_state *st = vrv_arena_calloc(a, sizeof *st);
    st->case_sensitive = f->u.search.kind != VRV_SEARCH_INSENSITIVE_CONTAINS && f->u.search.case_sensitive;
    st->null_value = f->u.search.values == NULL;
    st->n = st->null_value ? 0 : f->u.search.n;
    st->values = vrv_arena_alloc(a, (st->n ? st->n : 1) * sizeof *st->values);
    for (size_t i = 0; i < st->n; i++) {
        vrv_str v = f->u.search.values[i];
        v = vrv_str_make(vrv_arena_memdup(a, v.p, v.n), v.n);
        st->values[i] = st->case_sensitive ? v : expr_lower(v, a);
    }
    n->st = st;
    n->p = (pred){VRV_TRI_UNKNOWN, search_str, lng_as_str, dbl_as_str, flt_as_str, NULL};
}

/* ---- interval ----------------------------------------------------------------------- */

typedef struct interval_state {
    vrv_interval *ivs;
    size_t n;
} interval_state;

static vrv_tri iv_lng(const mnode *n, int64_t l, mctx *c)
{
    VRV_UNUSED(c);
    const interval_state *st = n->st;
    for (size_t i = 0; i < st->n; i++)
        if (vrv_interval_contains(st->ivs[i], l)) return VRV_TRI_TRUE;
    return VRV_TRI_FALSE;
}

static vrv_tri iv_dbl(const mnode *n, double d, mctx *c)
{
    VRV_UNUSED(c);
    const interval_state *st = n->st;
    for (size_t i = 0; i < st->n; i++)
        if (d >= (double)st->ivs[i].start && d < (double)st->ivs[i].end) return VRV_TRI_TRUE;
    return VRV_TRI_FALSE;
}

static vrv_tri iv_flt(const mnode *n, float f, mctx *c)
{
    return iv_dbl(n, (double)f, c);
}

static vrv_tri iv_str(const mnode *n, vrv_str s, mctx *c)
{
    /* Numeric ordering: a string that is not a number sorts below every bound. */
    int64_t l;
    double d;
    if (vrv_str_to_i64(s, &l)) return iv_lng(n, l, c);
    vrv_decimal dec;
    if (vrv_decimal_parse(s, &dec) && vrv_str_to_double(s, &d)) return iv_dbl(n, d, c);
    return VRV_TRI_FALSE;
}

static void bind_interval(binder *b, const vrv_filter *f, mnode *n)
{
    interval_state *st = vrv_arena_calloc(&b->m->arena, sizeof *st);
    st->n = f->u.interval.n;
    st->ivs = vrv_arena_memdup(&b->m->arena, f->u.interval.intervals, st->n * sizeof *st->ivs);
    n->st = st;
    n->p = (pred){VRV_TRI_UNKNOWN, iv_str, iv_lng, iv_dbl, iv_flt, NULL};
}

/* ---- expression ------------------------------------------------------------------- */

static void prog_free(void *p)
{
    vrv_expr_prog_free(p);
}

static int eval_expression(const mnode *n, mctx *c)
{
    vrv_value v;
    int rc = vrv_expr_eval(n->st, c->slots, c->arena, &v, c->err);
    if (rc) return rc;
    if (v.type == VRV_V_NULL) return VRV_TRI_UNKNOWN;
    if (v.type == VRV_V_ARRAY) {
        for (uint32_t i = 0; i < v.len; i++)
            if (vrv_expr_truthy(&v.u.a[i])) return VRV_TRI_TRUE;
        return VRV_TRI_FALSE;
    }
    return tri(vrv_expr_truthy(&v));
}

static int bind_expression(binder *b, const vrv_filter *f, mnode *n)
{
    vrv_expr_prog *p;
    int rc = vrv_expr_bind(f->u.expression.expr, expr_resolve, b, &p, b->err);
    if (rc) return rc;
    on_free(b->m, prog_free, p);
    n->st = p;
    n->eval = eval_expression;
    return 0;
}

/* ---- columnComparison --------------------------------------------------------------- */

typedef struct cc_state {
    int32_t *slots;
    vrv_ctype *types; /* each column's outputType */
    size_t n;
} cc_state;

/* The value as DimensionSpec outputType reads it, as a Java string; false for null. */
static bool cc_string(const vrv_value *v, vrv_ctype t, mctx *c, vrv_str *out)
{
    if (v->type == VRV_V_NULL) return false;
    if (t == VRV_C_STRING) return expr_as_str(v, c->arena, out);
    if (t == VRV_C_LONG) {
        int64_t l;
        if (!vrv_expr_to_long(v, &l)) return false;
        *out = long_str(l, c);
        return true;
    }
    double d;
    if (!vrv_expr_to_double(v, &d)) return false;
    *out = t == VRV_C_FLOAT ? float_str((float)d, c) : double_str(d, c);
    return true;
}

/* ColumnComparisonFilter.overlap over the two value lists (NULL entries are nulls). */
static bool cc_overlap(const vrv_value *a, vrv_ctype ta, const vrv_value *b, vrv_ctype tb, mctx *c)
{
    const vrv_value *ea, *eb;
    size_t na, nb;
    vrv_value one_a = *a, one_b = *b;
    if (a->type == VRV_V_ARRAY && a->len > 0) ea = a->u.a, na = a->len;
    else ea = &one_a, na = 1;
    if (b->type == VRV_V_ARRAY && b->len > 0) eb = b->u.a, nb = b->len;
    else eb = &one_b, nb = 1;
    for (size_t i = 0; i < na; i++) {
        vrv_str sa, sb;
        bool ha = ea[i].type != VRV_V_ARRAY && cc_string(&ea[i], ta, c, &sa);
        for (size_t j = 0; j < nb; j++) {
            bool hb = eb[j].type != VRV_V_ARRAY && cc_string(&eb[j], tb, c, &sb);
            if (ha ? hb && vrv_str_eq(sa, sb) : !hb) return true;
        }
    }
    return false;
}

static int eval_column_comparison(const mnode *n, mctx *c)
{
    const cc_state *st = n->st;
    for (size_t i = 1; i < st->n; i++) {
        vrv_value vi = st->slots[i] >= 0 ? c->slots[st->slots[i]] : vrv_null();
        for (size_t j = 0; j < i; j++) {
            vrv_value vj = st->slots[j] >= 0 ? c->slots[st->slots[j]] : vrv_null();
            if (!cc_overlap(&vi, st->types[i], &vj, st->types[j], c)) return VRV_TRI_FALSE;
        }
    }
    return VRV_TRI_TRUE;
}

static int bind_column_comparison(binder *b, const vrv_filter *f, mnode *n)
{
    vrv_arena *a = &b->m->arena;
    cc_state *st = vrv_arena_calloc(a, sizeof *st);
    st->n = f->u.column_comparison.n;
    st->slots = vrv_arena_alloc(a, st->n * sizeof *st->slots);
    st->types = vrv_arena_alloc(a, st->n * sizeof *st->types);
    for (size_t i = 0; i < st->n; i++) {
        const vrv_filter_dimspec *d = &f->u.column_comparison.dims[i];
        vrv_expr_binding bd;
        int rc = resolve(b, vrv_str_c(d->column), &bd, b->err);
        if (rc) return rc;
        st->slots[i] = bd.slot;
        st->types[i] = d->output_type;
    }
    n->st = st;
    n->eval = eval_column_comparison;
    return 0;
}

/* ---- binding ------------------------------------------------------------------------ */

static int bind_node(binder *b, const vrv_filter *f, mnode **out)
{
    mnode *n = vrv_arena_calloc(&b->m->arena, sizeof *n);
    n->slot = -1;
    n->eval = leaf_eval;
    int rc = 0;
    if (f->column && f->type != VRV_F_COLUMN_COMPARISON && f->type != VRV_F_EXPRESSION) {
        vrv_expr_binding bd;
        if ((rc = resolve(b, vrv_str_c(f->column), &bd, b->err)) != 0) return rc;
        n->slot = bd.slot;
        n->col_array = bd.typed && is_array_ctype(bd.type);
    }
    switch (f->type) {
    case VRV_F_TRUE: n->eval = eval_true; break;
    case VRV_F_FALSE: n->eval = eval_false; break;
    case VRV_F_AND:
    case VRV_F_OR:
        n->eval = f->type == VRV_F_AND ? eval_and : eval_or;
        n->nkids = f->u.logic.n;
        n->kids = vrv_arena_alloc(&b->m->arena, n->nkids * sizeof *n->kids);
        for (size_t i = 0; i < n->nkids && rc == 0; i++) rc = bind_node(b, f->u.logic.fields[i], &n->kids[i]);
        break;
    case VRV_F_NOT:
    case VRV_F_IS_TRUE:
    case VRV_F_IS_FALSE:
        n->eval = f->type == VRV_F_NOT ? eval_not : f->type == VRV_F_IS_TRUE ? eval_is_true : eval_is_false;
        n->nkids = 1;
        n->kids = vrv_arena_alloc(&b->m->arena, sizeof *n->kids);
        rc = bind_node(b, f->u.field, &n->kids[0]);
        break;
    case VRV_F_SELECTOR: bind_selector(b, f, n); break;
    case VRV_F_EQUALS: bind_equals(b, f, n); break;
    case VRV_F_ARRAY_CONTAINS_ELEMENT: bind_array_contains(b, f, n); break;
    case VRV_F_NULL: n->eval = eval_null; break;
    case VRV_F_IN: bind_in(b, f, n); break;
    case VRV_F_IN_TYPE: bind_in_type(b, f, n); break;
    case VRV_F_BOUND: bind_bound(b, f, n); break;
    case VRV_F_RANGE: bind_range(b, f, n); break;
    case VRV_F_LIKE: rc = bind_like(b, f, n); break;
    case VRV_F_REGEX: rc = bind_regex(b, f, n); break;
    case VRV_F_SEARCH: bind_search(b, f, n); break;
    case VRV_F_INTERVAL: bind_interval(b, f, n); break;
    case VRV_F_EXPRESSION: rc = bind_expression(b, f, n); break;
    case VRV_F_COLUMN_COMPARISON: rc = bind_column_comparison(b, f, n); break;
    }
    if (rc == 0) *out = n;
    return rc;
}

int vrv_filter_bind(const vrv_filter *f, vrv_expr_resolve_fn fn, void *ctx, vrv_filter_matcher **out, vrv_error *err)
{
    vrv_filter_matcher *m = vrv_calloc(1, sizeof *m);
    vrv_arena_init(&m->arena, 4096);
    binder b = {.m = m, .fn = fn, .ctx = ctx, .err = err};
    int rc = bind_node(&b, f, &m->root);
    vrv_vec_free(&b.cache);
    if (rc) {
        vrv_filter_matcher_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void vrv_filter_matcher_free(vrv_filter_matcher *m)
{
    if (!m) return;
    for (mcleanup *c = m->cleanups; c; c = c->next) c->fn(c->p);
    vrv_arena_destroy(&m->arena);
    free(m);
}

int vrv_filter_match(vrv_filter_matcher *m, const vrv_value *slots, vrv_arena *arena, vrv_error *err)
{
    mctx c = {.slots = slots, .arena = arena, .err = err};
    return m->root->eval(m->root, &c);
}
