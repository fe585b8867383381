/*
 * expr_fn_array.c — Druid's array functions (Function.java): array,
 * array_length, array_offset, array_ordinal, array_contains, array_overlap,
 * scalar_in_array, array_offset_of, array_ordinal_of, array_append,
 * array_prepend, array_concat, array_set_add, array_set_add_all, array_slice,
 * array_to_string, string_to_array, mv_to_array, array_to_mv,
 * mv_harmonize_nulls. The SQL MV_* functions plan to these.
 *
 * A scalar where an array is expected reads as a one-element array
 * (ExprEval.asArray); a null array gives null.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"
#include "expr/expr_int.h"
#include "expr/regex.h"

static bool arg_array(const expr_pnode *n, expr_eval *c, uint32_t i, vrv_value *v, const vrv_value **el, size_t *len)
{
    *v = EV(i);
    return expr_as_array(v, c->arena, el, len);
}

/* The array type of an evaluated array argument (scalars: ARRAY of their type). */
static expr_type array_type_of(const vrv_value *v)
{
    if (v->type == VRV_V_ARRAY) return expr_array_type(v);
    return expr_type_array_of(expr_value_type(v));
}

/* Casts every element to et (arena copy when anything changes). */
static const vrv_value *cast_elems(expr_eval *c, const vrv_value *el, size_t n, expr_type et)
{
    vrv_value *o = NULL;
    for (size_t i = 0; i < n; i++) {
        if (el[i].type == VRV_V_NULL || expr_value_type(&el[i]) == et) continue;
        if (!o) {
            o = vrv_arena_alloc(c->arena, n * sizeof *o);
            memcpy(o, el, n * sizeof *o);
        }
        vrv_value v;
        o[i] = expr_cast(&el[i], et, c->arena, &v) ? v : vrv_null();
    }
    return o ? o : el;
}

static bool contains_elem(const vrv_value *el, size_t n, const vrv_value *x)
{
    for (size_t i = 0; i < n; i++)
        if (expr_elem_equal(&el[i], x)) return true;
    return false;
}

/* ---- construction and access ------------------------------------------------- */

static vrv_value fn_array(const expr_pnode *n, expr_eval *c)
{
    vrv_value *out = vrv_arena_alloc(c->arena, n->nargs * sizeof *out);
    expr_type et = ET_UNKNOWN;
    for (uint32_t i = 0; i < n->nargs; i++) {
        out[i] = EV(i);
        if (et == ET_UNKNOWN && out[i].type != VRV_V_NULL) et = expr_value_type(&out[i]);
    }
    if (et == ET_UNKNOWN) et = ET_STRING;
    if (expr_type_is_array(et) || et == ET_JSON) return vrv_array(out, n->nargs);
    for (uint32_t i = 0; i < n->nargs; i++) {
        vrv_value v;
        if (out[i].type != VRV_V_NULL && expr_value_type(&out[i]) != et)
            out[i] = expr_cast(&out[i], et, c->arena, &v) ? v : vrv_null();
    }
    return expr_array_tagged(out, n->nargs, expr_type_array_of(et));
}

static expr_type ty_array(const expr_node *n, const expr_type *a)
{
    expr_type t = ET_LONG;
    for (uint32_t i = 0; i < n->nargs; i++) t = expr_type_function(t, a[i]);
    return expr_type_array_of(t);
}

static vrv_value fn_array_length(const expr_pnode *n, expr_eval *c)
{
    vrv_value v;
    const vrv_value *el;
    size_t len;
    if (!arg_array(n, c, 0, &v, &el, &len)) return vrv_null();
    return vrv_long((int64_t)len);
}

static vrv_value element_at(const expr_pnode *n, expr_eval *c, int64_t base)
{
    vrv_value v;
    const vrv_value *el;
    size_t len;
    bool have = arg_array(n, c, 0, &v, &el, &len);
    vrv_value iv = EV(1);
    if (!have) return vrv_null();
    int64_t pos = (int64_t)expr_as_int(&iv) - base;
    if (pos < 0 || (size_t)pos >= len) return vrv_null();
    vrv_value e = el[pos];
    return e.type == VRV_V_FLOAT ? vrv_double(e.u.f) : e;
}

static vrv_value fn_array_offset(const expr_pnode *n, expr_eval *c)
{
    return element_at(n, c, 0);
}
static vrv_value fn_array_ordinal(const expr_pnode *n, expr_eval *c)
{
    return element_at(n, c, 1);
}

static expr_type ty_elem0(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    return expr_type_elem(a[0]);
}

static vrv_value index_of(const expr_pnode *n, expr_eval *c, int64_t base)
{
    vrv_value v;
    const vrv_value *el;
    size_t len;
    bool have = arg_array(n, c, 0, &v, &el, &len);
    vrv_value x = EV(1);
    if (!have) return vrv_null();
    int vt = expr_vt(&x);
    if (vt != VT_STRING && vt != VT_LONG && vt != VT_DOUBLE && vt != VT_NULL)
        return expr_fail(c, "function '%s' second argument must be a scalar type but got %s instead", n->fn->name,
                         expr_type_name(expr_value_type(&x)));
    for (size_t i = 0; i < len; i++)
        if (expr_elem_equal(&el[i], &x)) return vrv_long((int64_t)i + base);
    return vrv_null();
}

static vrv_value fn_array_offset_of(const expr_pnode *n, expr_eval *c)
{
    return index_of(n, c, 0);
}
static vrv_value fn_array_ordinal_of(const expr_pnode *n, expr_eval *c)
{
    return index_of(n, c, 1);
}

/* ---- membership ------------------------------------------------------------- */

static vrv_value fn_array_contains(const expr_pnode *n, expr_eval *c)
{
    vrv_value a, b;
    const vrv_value *ea, *eb;
    size_t na, nb;
    bool ha = arg_array(n, c, 0, &a, &ea, &na);
    bool hb = arg_array(n, c, 1, &b, &eb, &nb);
    if (!ha || !hb) return vrv_null();
    eb = cast_elems(c, eb, nb, expr_type_elem(array_type_of(&a)));
    for (size_t i = 0; i < nb; i++)
        if (!contains_elem(ea, na, &eb[i])) return expr_bool(false);
    return expr_bool(true);
}

static vrv_value fn_array_overlap(const expr_pnode *n, expr_eval *c)
{
    vrv_value a, b;
    const vrv_value *ea, *eb;
    size_t na, nb;
    bool ha = arg_array(n, c, 0, &a, &ea, &na);
    bool hb = arg_array(n, c, 1, &b, &eb, &nb);
    if (!ha || !hb) return vrv_null();
    eb = cast_elems(c, eb, nb, expr_type_elem(array_type_of(&a)));
    for (size_t i = 0; i < na; i++)
        if (contains_elem(eb, nb, &ea[i])) return expr_bool(true);
    return expr_bool(false);
}

static vrv_value fn_scalar_in_array(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    vrv_value a;
    const vrv_value *el;
    size_t len;
    bool have = arg_array(n, c, 1, &a, &el, &len);
    if (x.type == VRV_V_NULL) return vrv_null();
    if (!have) return vrv_null();
    vrv_value xc = x;
    expr_type et = expr_type_elem(array_type_of(&a));
    if (expr_value_type(&x) != et && !expr_cast(&x, et, c->arena, &xc)) xc = x;
    return expr_bool(contains_elem(el, len, &xc));
}

/* ---- building arrays ------------------------------------------------------------ */

static vrv_value add_element(const expr_pnode *n, expr_eval *c, uint32_t arr_i, uint32_t val_i, bool append)
{
    vrv_value a;
    const vrv_value *el;
    size_t len;
    bool have = arg_array(n, c, arr_i, &a, &el, &len);
    vrv_value x = EV(val_i);
    if (!have) return vrv_null();
    expr_type at = array_type_of(&a);
    vrv_value xc = x;
    if (x.type != VRV_V_NULL && expr_value_type(&x) != expr_type_elem(at) &&
        !expr_cast(&x, expr_type_elem(at), c->arena, &xc))
        xc = vrv_null();
    if (len + 1 > EXPR_MAX_ARRAY) return expr_fail(c, "function '%s' result longer than %u elements", n->fn->name, EXPR_MAX_ARRAY);
    if (expr_over_budget(c)) return vrv_null();
    vrv_value *out = vrv_arena_alloc(c->arena, (len + 1) * sizeof *out);
    if (append) {
        memcpy(out, el, len * sizeof *out);
        out[len] = xc;
    } else {
        out[0] = xc;
        memcpy(out + 1, el, len * sizeof *out);
    }
    return expr_array_tagged(out, len + 1, at);
}

static vrv_value fn_array_append(const expr_pnode *n, expr_eval *c)
{
    return add_element(n, c, 0, 1, true);
}
static vrv_value fn_array_prepend(const expr_pnode *n, expr_eval *c)
{
    return add_element(n, c, 1, 0, false);
}

static vrv_value fn_array_concat(const expr_pnode *n, expr_eval *c)
{
    vrv_value a, b;
    const vrv_value *ea, *eb;
    size_t na, nb;
    bool ha = arg_array(n, c, 0, &a, &ea, &na);
    bool hb = arg_array(n, c, 1, &b, &eb, &nb);
    if (!ha || !hb) return vrv_null();
    expr_type at = array_type_of(&a);
    if (na + nb > EXPR_MAX_ARRAY) return expr_fail(c, "function '%s' result longer than %u elements", n->fn->name, EXPR_MAX_ARRAY);
    if (expr_over_budget(c)) return vrv_null();
    eb = cast_elems(c, eb, nb, expr_type_elem(at));
    vrv_value *out = vrv_arena_alloc(c->arena, (na + nb + 1) * sizeof *out);
    memcpy(out, ea, na * sizeof *out);
    memcpy(out + na, eb, nb * sizeof *out);
    return expr_array_tagged(out, na + nb, at);
}

/* Sort order of the element type with nulls first (TreeSet's comparator). */
static int elem_order(const vrv_value *a, const vrv_value *b, expr_type et)
{
    bool an = a->type == VRV_V_NULL, bn = b->type == VRV_V_NULL;
    if (an || bn) return an == bn ? 0 : an ? -1 : 1;
    if (et == ET_LONG && a->type == VRV_V_LONG && b->type == VRV_V_LONG) return a->u.l < b->u.l ? -1 : a->u.l > b->u.l;
    if (et == ET_LONG || et == ET_DOUBLE) {
        double x = expr_num_d(a), y = expr_num_d(b);
        return x < y ? -1 : x > y;
    }
    vrv_str sa = vrv_value_str(a), sb = vrv_value_str(b);
    return expr_java_strcmp(sa, sb);
}

static void sort_unique(vrv_value *v, size_t *n, expr_type et)
{
    /* Insertion sort: arrays here are small, and qsort would need global state. */
    for (size_t i = 1; i < *n; i++) {
        vrv_value x = v[i];
        size_t j = i;
        while (j > 0 && elem_order(&v[j - 1], &x, et) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (k == 0 || elem_order(&v[k - 1], &v[i], et) != 0) v[k++] = v[i];
    *n = k;
}

static vrv_value fn_array_set_add(const expr_pnode *n, expr_eval *c)
{
    vrv_value r = fn_array_append(n, c);
    if (r.type != VRV_V_ARRAY) return r;
    vrv_value *el = (vrv_value *)(uintptr_t)r.u.a;
    size_t len = r.len;
    sort_unique(el, &len, expr_type_elem(expr_array_type(&r)));
    r.len = (uint32_t)len;
    return r;
}

static vrv_value fn_array_set_add_all(const expr_pnode *n, expr_eval *c)
{
    vrv_value r = fn_array_concat(n, c);
    if (r.type != VRV_V_ARRAY) return r;
    vrv_value *el = (vrv_value *)(uintptr_t)r.u.a;
    size_t len = r.len;
    sort_unique(el, &len, expr_type_elem(expr_array_type(&r)));
    r.len = (uint32_t)len;
    return r;
}

static vrv_value fn_array_slice(const expr_pnode *n, expr_eval *c)
{
    vrv_value a;
    const vrv_value *el;
    size_t len;
    bool have = arg_array(n, c, 0, &a, &el, &len);
    vrv_value sv = EV(1);
    int64_t start = expr_as_int(&sv), end = (int64_t)len;
    if (n->nargs > 2) {
        vrv_value ev = EV(2);
        end = expr_as_int(&ev);
    }
    if (!have) return vrv_null();
    if (start < 0 || start > (int64_t)len || start > end) return vrv_null();
    if (end - start > (int64_t)EXPR_MAX_ARRAY)
        return expr_fail(c, "function 'array_slice' result longer than %u elements", EXPR_MAX_ARRAY);
    if (expr_over_budget(c)) return vrv_null();
    /* Arrays.copyOfRange pads with nulls past the end. */
    size_t n_out = (size_t)(end - start);
    vrv_value *out = vrv_arena_alloc(c->arena, (n_out ? n_out : 1) * sizeof *out);
    for (size_t i = 0; i < n_out; i++) out[i] = (size_t)start + i < len ? el[(size_t)start + i] : vrv_null();
    return expr_array_tagged(out, n_out, array_type_of(&a));
}

static expr_type ty_array_arg0(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    return a[0] == ET_UNKNOWN ? ET_UNKNOWN : expr_type_array_of(a[0]);
}
static expr_type ty_array_arg1(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    return a[1] == ET_UNKNOWN ? ET_UNKNOWN : expr_type_array_of(a[1]);
}

/* ---- strings ------------------------------------------------------------------- */

static vrv_value fn_array_to_string(const expr_pnode *n, expr_eval *c)
{
    vrv_value a;
    const vrv_value *el;
    size_t len;
    bool have = arg_array(n, c, 0, &a, &el, &len);
    vrv_value dv = EV(1);
    if (!have || (len == 1 && el[0].type == VRV_V_NULL)) return vrv_null();
    vrv_str d;
    if (!expr_as_str(&dv, c->arena, &d)) d = vrv_str_make("", 0);
    vrv_buf *b = expr_scratch(c);
    vrv_value r = vrv_null();
    for (size_t i = 0; i < len; i++) {
        vrv_str s;
        if (i) vrv_buf_append(b, d.p, d.n);
        if (expr_as_str(&el[i], c->arena, &s)) vrv_buf_append(b, s.p, s.n);
        else vrv_buf_puts(b, "null"); /* String.valueOf(null) */
        if (expr_too_long(c, b->len)) goto done;
    }
    r = expr_str_dup(c->arena, b->data ? b->data : "", b->len);
done:
    expr_scratch_release(c, b);
    return r;
}

typedef struct split_state {
    vrv_regex *re; /* literal delimiter, compiled once; NULL when dynamic */
} split_state;

static void regex_free(void *p)
{
    vrv_regex_free(p);
}

static int split_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    split_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    vrv_value d;
    if (expr_arg_literal(n, 1, &d)) {
        vrv_str s = vrv_str_make("", 0);
        if (d.type != VRV_V_NULL) expr_as_str(&d, &b->prog->arena, &s);
        st->re = vrv_regex_compile(s.p, s.n, err);
        if (!st->re) return vrv_error_prefix(err, "expression '%s': function 'string_to_array'", b->expr->text);
        expr_prog_on_free(b->prog, regex_free, st->re);
    }
    n->state = st;
    return 0;
}

/* String.split(regex) (limit 0): the pieces between matches; a zero-width
 * match at the very start makes no leading empty piece; no match at all gives
 * the whole string; trailing empty pieces are dropped. */
/* A growable array of values in the arena (the old block stays behind). */
typedef struct value_list {
    vrv_value *v;
    size_t n, cap;
} value_list;

static void list_push(expr_eval *c, value_list *l, vrv_value x)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        vrv_value *g = vrv_arena_alloc(c->arena, cap * sizeof *g);
        if (l->n) memcpy(g, l->v, l->n * sizeof *g);
        l->v = g;
        l->cap = cap;
    }
    l->v[l->n++] = x;
}

static vrv_value java_split(expr_eval *c, vrv_regex *re, vrv_str s)
{
    value_list pieces = {0};
    size_t pos = 0, index = 0;
    bool pushed = false;
    for (;;) {
        int rc = vrv_regex_find(re, s.p, s.n, pos, c->err);
        if (rc < 0) return expr_fail(c, "function 'string_to_array': match failed");
        if (rc == 0) break;
        size_t b, e;
        vrv_regex_group(re, 0, &b, &e);
        if (!(!pushed && b == 0 && e == 0)) {
            list_push(c, &pieces, vrv_string(s.p + index, b - index));
            index = e;
            pushed = true;
        }
        if (e == b) {
            if (e >= s.n) break;
            size_t k = e;
            expr_utf8_next(s.p, s.n, &k);
            pos = k;
        } else {
            pos = e;
        }
    }
    if (!pushed) {
        vrv_value *one = vrv_arena_alloc(c->arena, sizeof *one);
        *one = vrv_string(s.p, s.n);
        return expr_array_tagged(one, 1, ET_ASTRING);
    }
    list_push(c, &pieces, vrv_string(s.p + index, s.n - index));
    size_t n = pieces.n;
    while (n > 0 && pieces.v[n - 1].len == 0) n--;
    return expr_array_tagged(pieces.v, n, ET_ASTRING);
}

static vrv_value fn_string_to_array(const expr_pnode *n, expr_eval *c)
{
    const split_state *st = n->state;
    vrv_str s;
    vrv_value sv = EV(0);
    if (!expr_as_str(&sv, c->arena, &s)) return vrv_null();
    if (st->re) return java_split(c, st->re, s);
    vrv_value dv = EV(1);
    vrv_str d = vrv_str_make("", 0);
    expr_as_str(&dv, c->arena, &d);
    vrv_error e2;
    vrv_regex *re = vrv_regex_compile(d.p, d.n, &e2);
    if (!re) return expr_fail(c, "function 'string_to_array': %s", e2.msg);
    vrv_value r = java_split(c, re, s);
    vrv_regex_free(re);
    return r;
}

/* ---- multi-value ------------------------------------------------------------------ */

static const char *check_identifier_arg(const expr_node *n)
{
    return n->args[0]->kind == EN_IDENT ? NULL : "argument should be an identifier expression; use array() instead";
}

static vrv_value fn_to_string_array(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0), out;
    if (x.type == VRV_V_NULL) return x;
    if (!expr_cast(&x, ET_ASTRING, c->arena, &out)) return vrv_null();
    return out;
}

static vrv_value fn_mv_harmonize_nulls(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    if (x.type == VRV_V_NULL || (x.type == VRV_V_ARRAY && x.len == 0)) {
        vrv_value *one = vrv_arena_alloc(c->arena, sizeof *one);
        *one = vrv_null();
        return expr_array_tagged(one, 1, ET_ASTRING);
    }
    vrv_value out;
    if (!expr_cast(&x, ET_ASTRING, c->arena, &out)) return vrv_null();
    return out;
}

#define ARR0 FN_ARRAY_ARGS, 1u << 0
#define ARR1 FN_ARRAY_ARGS, 1u << 1
#define ARR01 FN_ARRAY_ARGS, 3u

const expr_fn expr_fns_array[] = {
    {"array", 1, -1, 0, 0, fn_array, NULL, ty_array, NULL},
    {"array_length", 1, 1, ARR0, fn_array_length, NULL, expr_ty_long, NULL},
    {"array_offset", 2, 2, ARR0, fn_array_offset, NULL, ty_elem0, NULL},
    {"array_ordinal", 2, 2, ARR0, fn_array_ordinal, NULL, ty_elem0, NULL},
    {"array_contains", 2, 2, ARR01, fn_array_contains, NULL, expr_ty_long, NULL},
    {"array_overlap", 2, 2, ARR01, fn_array_overlap, NULL, expr_ty_long, NULL},
    {"scalar_in_array", 2, 2, ARR1, fn_scalar_in_array, NULL, expr_ty_long, NULL},
    {"array_offset_of", 2, 2, ARR0, fn_array_offset_of, NULL, expr_ty_long, NULL},
    {"array_ordinal_of", 2, 2, ARR0, fn_array_ordinal_of, NULL, expr_ty_long, NULL},
    {"array_append", 2, 2, ARR0, fn_array_append, NULL, ty_array_arg0, NULL},
    {"array_prepend", 2, 2, ARR1, fn_array_prepend, NULL, ty_array_arg1, NULL},
    {"array_concat", 2, 2, ARR01, fn_array_concat, NULL, ty_array_arg0, NULL},
    {"array_set_add", 2, 2, ARR0, fn_array_set_add, NULL, ty_array_arg0, NULL},
    {"array_set_add_all", 2, 2, ARR01, fn_array_set_add_all, NULL, ty_array_arg0, NULL},
    {"array_slice", 2, 3, ARR0, fn_array_slice, NULL, ty_array_arg0, NULL},
    {"array_to_string", 2, 2, ARR0, fn_array_to_string, NULL, expr_ty_string, NULL},
    {"string_to_array", 2, 2, 0, 0, fn_string_to_array, split_prepare, expr_ty_astring, NULL},
    {"mv_to_array", 1, 1, ARR0, fn_to_string_array, NULL, expr_ty_astring, check_identifier_arg},
    {"array_to_mv", 1, 1, ARR0, fn_to_string_array, NULL, expr_ty_astring, check_identifier_arg},
    {"mv_harmonize_nulls", 1, 1, ARR0, fn_mv_harmonize_nulls, NULL, expr_ty_astring, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};
