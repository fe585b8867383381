/*
 * expr_fn.c — the function registry (lookup by name across the per-area
 * tables) and the general functions of Druid's Function.java and
 * ApplyFunction.java: cast, if, nvl, coalesce, isnull, notnull, case_searched,
 * case_simple, greatest, least, and the lambda functions map, cartesian_map,
 * filter, fold, cartesian_fold, any, all.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "expr/expr_eval.h"
#include "expr/expr_int.h"

#define MAP_MAX_COMBINATIONS_FN (1u << 20) /* cartesian products beyond this fail the row */

static const expr_fn *const tables[] = {
    expr_fns_general, expr_fns_math, expr_fns_string, expr_fns_array, expr_fns_time, expr_fns_other,
};

const expr_fn *expr_fn_find(vrv_str name)
{
    for (size_t t = 0; t < VRV_ARRAY_LEN(tables); t++)
        for (const expr_fn *f = tables[t]; f->name; f++)
            if (strlen(f->name) == name.n && strncasecmp(f->name, name.p, name.n) == 0) return f;
    return NULL;
}

expr_type expr_ty_long(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    VRV_UNUSED(a);
    return ET_LONG;
}
expr_type expr_ty_double(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    VRV_UNUSED(a);
    return ET_DOUBLE;
}
expr_type expr_ty_string(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    VRV_UNUSED(a);
    return ET_STRING;
}
expr_type expr_ty_astring(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    VRV_UNUSED(a);
    return ET_ASTRING;
}
expr_type expr_ty_arg0(const expr_node *n, const expr_type *a)
{
    return n->nargs ? a[0] : ET_UNKNOWN;
}

/* ExpressionTypeConversion.conditional over the listed argument types. */
static expr_type conditional(const expr_type *a, const uint32_t *idx, size_t n)
{
    expr_type t = ET_UNKNOWN;
    for (size_t i = 0; i < n; i++) t = i == 0 ? a[idx[i]] : expr_type_function(t, a[idx[i]]);
    return t;
}

/* ---- cast ------------------------------------------------------------------- */

typedef struct cast_state {
    bool fixed;     /* the type argument is a literal */
    expr_type type; /* then: the target */
} cast_state;

static int cast_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    cast_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    vrv_value t;
    if (expr_arg_literal(n, 1, &t)) {
        vrv_str s;
        if (t.type != VRV_V_STRING || !expr_as_str(&t, &b->prog->arena, &s) || !expr_type_parse(s, &st->type))
            return expr_bind_fail(b, n, err, "function 'cast' has an invalid type [%.*s]",
                                  t.type == VRV_V_STRING ? (int)VRV_MIN(t.len, 64) : 4,
                                  t.type == VRV_V_STRING ? t.u.s : "null");
        st->fixed = true;
    }
    n->state = st;
    return 0;
}

static vrv_value fn_cast(const expr_pnode *n, expr_eval *c)
{
    const cast_state *st = n->state;
    vrv_value x = EV(0);
    expr_type to = st->type;
    if (!st->fixed) {
        vrv_value t = EV(1);
        vrv_str s;
        if (!expr_as_str(&t, c->arena, &s) || !expr_type_parse(s, &to))
            return expr_fail(c, "function 'cast' has an invalid type [%.*s]", t.type == VRV_V_STRING ? (int)t.len : 4,
                             t.type == VRV_V_STRING ? t.u.s : "null");
    }
    if (x.type == VRV_V_NULL) return x;
    vrv_value out;
    if (!expr_cast(&x, to, c->arena, &out))
        return expr_fail(c, "cannot cast %s to %s", expr_type_name(expr_value_type(&x)), expr_type_name(to));
    return out;
}

static expr_type ty_cast(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(a);
    expr_type t;
    if (n->args[1]->kind == EN_LIT && n->args[1]->lit.type == VRV_V_STRING &&
        expr_type_parse(vrv_value_str(&n->args[1]->lit), &t))
        return t;
    return ET_UNKNOWN;
}

/* ---- conditionals -------------------------------------------------------------- */

static vrv_value fn_if(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    return vrv_expr_truthy(&x) ? EV(1) : EV(2);
}

static expr_type ty_if(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    static const uint32_t idx[] = {1, 2};
    return conditional(a, idx, 2);
}

static vrv_value fn_nvl(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    return x.type != VRV_V_NULL ? x : EV(1);
}

static expr_type ty_all_args(const expr_node *n, const expr_type *a)
{
    expr_type t = ET_UNKNOWN;
    for (uint32_t i = 0; i < n->nargs; i++) t = i == 0 ? a[0] : expr_type_function(t, a[i]);
    return t;
}

static vrv_value fn_coalesce(const expr_pnode *n, expr_eval *c)
{
    for (uint32_t i = 0; i < n->nargs; i++) {
        vrv_value x = EV(i);
        if (x.type != VRV_V_NULL) return x;
    }
    return vrv_null();
}

static vrv_value fn_isnull(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    return expr_bool(x.type == VRV_V_NULL);
}

static vrv_value fn_notnull(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    return expr_bool(x.type != VRV_V_NULL);
}

static vrv_value fn_case_searched(const expr_pnode *n, expr_eval *c)
{
    for (uint32_t i = 0; i < n->nargs; i += 2) {
        if (i == n->nargs - 1) return EV(i); /* else */
        vrv_value w = EV(i);
        if (vrv_expr_truthy(&w)) return EV(i + 1);
    }
    return vrv_null();
}

static expr_type ty_case_searched(const expr_node *n, const expr_type *a)
{
    expr_type t = ET_UNKNOWN;
    bool first = true;
    for (uint32_t i = 1; i < n->nargs; i += 2) {
        t = first ? a[i] : expr_type_function(t, a[i]);
        first = false;
    }
    return expr_type_function(t, a[n->nargs - 1]);
}

static vrv_value fn_case_simple(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    for (uint32_t i = 1; i < n->nargs; i += 2) {
        if (i == n->nargs - 1) return EV(i); /* else */
        vrv_value w = EV(i);
        vrv_value eq = expr_binop(c, BOP_EQ, &x, &w);
        if (vrv_expr_truthy(&eq)) return EV(i + 1);
    }
    return vrv_null();
}

static expr_type ty_case_simple(const expr_node *n, const expr_type *a)
{
    expr_type t = ET_UNKNOWN;
    bool first = true;
    for (uint32_t i = 2; i < n->nargs; i += 2) {
        t = first ? a[i] : expr_type_function(t, a[i]);
        first = false;
    }
    return expr_type_function(t, a[n->nargs - 1]);
}

/* ---- greatest / least ---------------------------------------------------------- */

/* Math.max / Math.min on doubles: NaN wins, -0.0 < 0.0. */
static double java_max(double a, double b)
{
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a >= b ? a : b;
}
static double java_min(double a, double b)
{
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a <= b ? a : b;
}

static vrv_value reduce(const expr_pnode *n, expr_eval *c, bool greatest)
{
    if (n->nargs == 0) return vrv_null();
    vrv_value vals[n->nargs];
    uint32_t nv = 0;
    expr_type t = ET_LONG;
    for (uint32_t i = 0; i < n->nargs; i++) {
        vrv_value x = EV(i);
        int vt = expr_vt(&x);
        if (vt == VT_ARRAY || vt == VT_COMPLEX)
            return expr_fail(c, "function '%s' does not accept %s types", greatest ? "greatest" : "least",
                             expr_type_name(expr_value_type(&x)));
        if (vt == VT_NULL) continue;
        t = expr_type_function(t, expr_value_type(&x));
        vals[nv++] = x;
    }
    if (nv == 0) return vrv_null();
    if (t == ET_LONG) {
        int64_t r = vals[0].u.l;
        for (uint32_t i = 1; i < nv; i++)
            r = greatest ? (vals[i].u.l > r ? vals[i].u.l : r) : (vals[i].u.l < r ? vals[i].u.l : r);
        return vrv_long(r);
    }
    if (t == ET_DOUBLE) {
        double r = expr_num_d(&vals[0]);
        for (uint32_t i = 1; i < nv; i++)
            r = greatest ? java_max(r, expr_num_d(&vals[i])) : java_min(r, expr_num_d(&vals[i]));
        return vrv_double(r);
    }
    vrv_str best;
    expr_as_str(&vals[0], c->arena, &best);
    for (uint32_t i = 1; i < nv; i++) {
        vrv_str s;
        expr_as_str(&vals[i], c->arena, &s);
        int k = expr_java_strcmp(s, best);
        if (greatest ? k > 0 : k < 0) best = s;
    }
    return vrv_string(best.p, best.n);
}

static vrv_value fn_greatest(const expr_pnode *n, expr_eval *c)
{
    return reduce(n, c, true);
}
static vrv_value fn_least(const expr_pnode *n, expr_eval *c)
{
    return reduce(n, c, false);
}

static expr_type ty_reduce(const expr_node *n, const expr_type *a)
{
    expr_type t = ET_LONG;
    for (uint32_t i = 0; i < n->nargs; i++) t = expr_type_function(t, a[i]);
    return t;
}

/* ---- lambdas ------------------------------------------------------------------- */

static vrv_value *lambda_slots(expr_eval *c)
{
    /* Programs with lambdas always evaluate over a private working copy. */
    assert(c->slots_len == c->prog->nwork);
    return (vrv_value *)(uintptr_t)c->slots;
}

/* Gives results a common element type the way applyMap casts them. */
static vrv_value typed_results(expr_eval *c, vrv_value *out, size_t n)
{
    expr_type t = ET_UNKNOWN;
    for (size_t i = 0; i < n; i++)
        if (out[i].type != VRV_V_NULL) t = t == ET_UNKNOWN ? expr_value_type(&out[i]) : expr_type_function(t, expr_value_type(&out[i]));
    if (t == ET_UNKNOWN) t = ET_LONG;
    if (expr_type_is_array(t) || t == ET_JSON) return vrv_array(out, n);
    for (size_t i = 0; i < n; i++) {
        vrv_value v;
        if (expr_value_type(&out[i]) != t && expr_cast(&out[i], t, c->arena, &v)) out[i] = v;
    }
    return expr_array_tagged(out, n, expr_type_array_of(t));
}

static vrv_value fn_map(const expr_pnode *n, expr_eval *c)
{
    vrv_value arr = EV(0);
    const vrv_value *el;
    size_t len;
    if (!expr_as_array(&arr, c->arena, &el, &len)) return vrv_null();
    if (len == 0) return arr;
    vrv_value *w = lambda_slots(c);
    vrv_value *out = vrv_arena_alloc(c->arena, len * sizeof *out);
    for (size_t i = 0; i < len && !expr_over_budget(c); i++) {
        w[n->pslots[0]] = el[i];
        out[i] = expr_ev(n->body, c);
    }
    return typed_results(c, out, len);
}

/* Iterates the cartesian product of arrays[0..k) calling the body with the
 * elements bound to pslots[0..k); the accumulator (fold) in pslots[k]. */
typedef struct product {
    const vrv_value *el[32];
    size_t len[32];
    uint32_t k;
    uint64_t total;
} product;

static int product_init(const expr_pnode *n, expr_eval *c, uint32_t k, product *p, bool *had_null, bool *had_empty)
{
    p->k = k;
    p->total = 1;
    *had_null = *had_empty = false;
    if (k > 32) {
        expr_fail(c, "function '%s' takes at most 32 arrays", n->fn->name);
        return -1;
    }
    for (uint32_t i = 0; i < k; i++) {
        vrv_value a = EV(i);
        if (!expr_as_array(&a, c->arena, &p->el[i], &p->len[i])) {
            *had_null = true;
            continue;
        }
        if (p->len[i] == 0) *had_empty = true;
        p->total *= p->len[i] ? p->len[i] : 1;
        if (p->total > MAP_MAX_COMBINATIONS_FN) {
            expr_fail(c, "function '%s' produces more than %u combinations", n->fn->name, MAP_MAX_COMBINATIONS_FN);
            return -1;
        }
    }
    return 0;
}

static void product_bind(const expr_pnode *n, product *p, uint64_t i, vrv_value *w)
{
    /* The last array varies fastest, as CartesianList does. */
    for (uint32_t j = p->k; j-- > 0;) {
        w[n->pslots[j]] = p->el[j][i % p->len[j]];
        i /= p->len[j];
    }
}

static vrv_value fn_cartesian_map(const expr_pnode *n, expr_eval *c)
{
    product p;
    bool had_null, had_empty;
    if (product_init(n, c, n->nargs, &p, &had_null, &had_empty)) return vrv_null();
    if (had_null) return vrv_null();
    if (had_empty) return expr_array_tagged(NULL, 0, ET_ASTRING);
    vrv_value *w = lambda_slots(c);
    vrv_value *out = vrv_arena_alloc(c->arena, (size_t)p.total * sizeof *out);
    for (uint64_t i = 0; i < p.total && !expr_over_budget(c); i++) {
        product_bind(n, &p, i, w);
        out[i] = expr_ev(n->body, c);
    }
    return typed_results(c, out, (size_t)p.total);
}

static vrv_value fn_filter(const expr_pnode *n, expr_eval *c)
{
    vrv_value arr = EV(0);
    const vrv_value *el;
    size_t len;
    if (!expr_as_array(&arr, c->arena, &el, &len)) return vrv_null();
    vrv_value *w = lambda_slots(c);
    vrv_value *out = vrv_arena_alloc(c->arena, (len ? len : 1) * sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < len && !expr_over_budget(c); i++) {
        w[n->pslots[0]] = el[i];
        vrv_value r = expr_ev(n->body, c);
        if (vrv_expr_truthy(&r)) out[k++] = el[i];
    }
    return expr_array_tagged(out, k, arr.type == VRV_V_ARRAY ? expr_array_type(&arr) : expr_type_array_of(expr_value_type(&arr)));
}

static vrv_value match_any_all(const expr_pnode *n, expr_eval *c, bool all)
{
    vrv_value arr = EV(0);
    const vrv_value *el;
    size_t len;
    if (!expr_as_array(&arr, c->arena, &el, &len)) return vrv_null();
    vrv_value *w = lambda_slots(c);
    for (size_t i = 0; i < len && !expr_over_budget(c); i++) {
        w[n->pslots[0]] = el[i];
        vrv_value r = expr_ev(n->body, c);
        bool t = vrv_expr_truthy(&r);
        if (all && !t) return expr_bool(false);
        if (!all && t) return expr_bool(true);
    }
    return expr_bool(all);
}

static vrv_value fn_any(const expr_pnode *n, expr_eval *c)
{
    return match_any_all(n, c, false);
}
static vrv_value fn_all(const expr_pnode *n, expr_eval *c)
{
    return match_any_all(n, c, true);
}

static vrv_value fold_result(expr_eval *c, const vrv_value *acc, expr_type acc_type)
{
    vrv_value out;
    if (acc_type == ET_UNKNOWN || expr_value_type(acc) == acc_type || !expr_cast(acc, acc_type, c->arena, &out))
        return *acc;
    return out;
}

static vrv_value fn_fold(const expr_pnode *n, expr_eval *c)
{
    vrv_value arr = EV(0);
    vrv_value acc = EV(1);
    const vrv_value *el;
    size_t len;
    if (!expr_as_array(&arr, c->arena, &el, &len)) return vrv_null();
    expr_type acc_type = expr_value_type(&acc);
    vrv_value *w = lambda_slots(c);
    for (size_t i = 0; i < len && !expr_over_budget(c); i++) {
        w[n->pslots[0]] = el[i];
        w[n->pslots[1]] = acc;
        acc = expr_ev(n->body, c);
    }
    return fold_result(c, &acc, acc_type);
}

static vrv_value fn_cartesian_fold(const expr_pnode *n, expr_eval *c)
{
    product p;
    bool had_null, had_empty;
    if (product_init(n, c, n->nargs - 1, &p, &had_null, &had_empty)) return vrv_null();
    if (had_null) return vrv_null();
    if (had_empty) return expr_array_tagged(NULL, 0, ET_ASTRING);
    vrv_value acc = EV(n->nargs - 1);
    expr_type acc_type = expr_value_type(&acc);
    vrv_value *w = lambda_slots(c);
    for (uint64_t i = 0; i < p.total && !expr_over_budget(c); i++) {
        product_bind(n, &p, i, w);
        w[n->pslots[p.k]] = acc;
        acc = expr_ev(n->body, c);
    }
    return fold_result(c, &acc, acc_type);
}

static expr_type ty_fold(const expr_node *n, const expr_type *a)
{
    return a[n->nargs - 1];
}

const expr_fn expr_fns_general[] = {
    {"cast", 2, 2, 0, 0, fn_cast, cast_prepare, ty_cast, NULL},
    {"if", 3, 3, 0, 0, fn_if, NULL, ty_if, NULL},
    {"nvl", 2, 2, 0, 0, fn_nvl, NULL, ty_all_args, NULL},
    {"coalesce", 1, -1, 0, 0, fn_coalesce, NULL, ty_all_args, NULL},
    {"isnull", 1, 1, 0, 0, fn_isnull, NULL, expr_ty_long, NULL},
    {"notnull", 1, 1, 0, 0, fn_notnull, NULL, expr_ty_long, NULL},
    {"case_searched", 2, -1, 0, 0, fn_case_searched, NULL, ty_case_searched, NULL},
    {"case_simple", 3, -1, 0, 0, fn_case_simple, NULL, ty_case_simple, NULL},
    {"greatest", 0, -1, 0, 0, fn_greatest, NULL, ty_reduce, NULL},
    {"least", 0, -1, 0, 0, fn_least, NULL, ty_reduce, NULL},
    {"map", 1, 1, FN_APPLY | FN_ALL_ARRAY, 0, fn_map, NULL, NULL, NULL},
    {"cartesian_map", 1, 32, FN_APPLY | FN_ALL_ARRAY, 0, fn_cartesian_map, NULL, NULL, NULL},
    {"filter", 1, 1, FN_APPLY | FN_ALL_ARRAY, 0, fn_filter, NULL, NULL, NULL},
    {"fold", 2, 2, FN_APPLY | FN_ARRAY_ARGS, 1u << 0, fn_fold, NULL, ty_fold, NULL},
    {"cartesian_fold", 2, 33, FN_APPLY | FN_ARRAY_ARGS, 0xFFFFFFFFu >> 1, fn_cartesian_fold, NULL, ty_fold, NULL},
    {"any", 1, 1, FN_APPLY | FN_ALL_ARRAY, 0, fn_any, NULL, expr_ty_long, NULL},
    {"all", 1, 1, FN_APPLY | FN_ALL_ARRAY, 0, fn_all, NULL, expr_ty_long, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};
