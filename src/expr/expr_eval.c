/*
 * expr_eval.c — evaluation of the built-in node kinds with Druid's semantics
 * (BinaryEvalOpExprBase, BinaryLogicalOperatorExpr, UnaryOperatorExpr):
 *
 *   - any null operand of an arithmetic or comparison operator gives null;
 *   - two strings: `+` concatenates, comparisons compare in Java String order,
 *     other arithmetic fails;
 *   - two longs: long arithmetic (wrapping like Java), `/` and `%` by zero fail
 *     the row, `^` is integer power;
 *   - otherwise both sides are read as doubles (a string that is not a number
 *     makes the result null) and the result is a double, IEEE semantics;
 *   - comparisons give LONG 1/0; `&&`, `||` are three-valued; `!x` is 1/0/null.
 *
 * Plus the auto-mapping scope node and the public vrv_expr_eval.
 */
#include "expr/expr_eval.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

vrv_value expr_fail(expr_eval *c, const char *fmt, ...)
{
    if (c->status == 0) {
        char what[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        c->status = vrv_error_set(c->err, VRV_EINVAL, "expression '%s': %s", c->prog->text, what);
    }
    return vrv_null();
}

bool expr_over_budget(expr_eval *c)
{
    if (c->status) return true;
    if (c->arena->total <= c->arena_base + EXPR_MAX_EVAL_BYTES) return false;
    expr_fail(c, "evaluation needs more than %zu MiB", EXPR_MAX_EVAL_BYTES >> 20);
    return true;
}

bool expr_too_long(expr_eval *c, size_t bytes)
{
    if (bytes <= EXPR_MAX_STRING) return false;
    expr_fail(c, "result longer than %u bytes", EXPR_MAX_STRING);
    return true;
}

vrv_buf *expr_scratch(expr_eval *c)
{
    vrv_expr_prog *p = c->prog;
    assert(p->scratch_used < VRV_ARRAY_LEN(p->scratch));
    vrv_buf *b = &p->scratch[p->scratch_used++];
    vrv_buf_reset(b);
    return b;
}

void expr_scratch_release(expr_eval *c, vrv_buf *b)
{
    vrv_expr_prog *p = c->prog;
    assert(p->scratch_used > 0 && b == &p->scratch[p->scratch_used - 1]);
    VRV_UNUSED(b);
    /* Very large buffers are not kept between rows. */
    if (b->cap > (1u << 20)) vrv_buf_free(b);
    p->scratch_used--;
}

vrv_value expr_eval_lit(const expr_pnode *n, expr_eval *c)
{
    VRV_UNUSED(c);
    return n->lit;
}

vrv_value expr_eval_ident(const expr_pnode *n, expr_eval *c)
{
    if (n->slot < 0) return vrv_null();
    vrv_value v = c->slots[n->slot];
    if (v.type == VRV_V_FLOAT) return vrv_double(v.u.f);
    return v;
}

vrv_value *expr_work_slots(expr_eval *c)
{
    uint32_t n = c->prog->nwork;
    vrv_value *w = vrv_arena_alloc(c->arena, (n ? n : 1) * sizeof *w);
    uint32_t have = VRV_MIN(c->slots_len, n);
    if (have) memcpy(w, c->slots, have * sizeof *w);
    for (uint32_t i = have; i < n; i++) w[i] = vrv_null();
    return w;
}

/* ---- operators ------------------------------------------------------------- */

static const char *op_name(int op)
{
    static const char *names[] = {"^", "*", "/", "%", "+", "-", "<", "<=", ">", ">=", "==", "!="};
    return (size_t)op < VRV_ARRAY_LEN(names) ? names[op] : "?";
}

/* Double.compare: NaN above everything, -0.0 below 0.0. */
static int dcmp(double x, double y)
{
    if (x < y) return -1;
    if (x > y) return 1;
    bool xn = isnan(x), yn = isnan(y);
    if (xn || yn) return xn == yn ? 0 : xn ? 1 : -1;
    bool xs = signbit(x), ys = signbit(y);
    return xs == ys ? 0 : xs ? -1 : 1;
}

/* Math.pow where it differs from C's pow. */
static double java_pow(double x, double y)
{
    if (isnan(y)) return NAN;
    if (isinf(y) && fabs(x) == 1.0) return NAN;
    return pow(x, y);
}

/* LongMath.pow: wraps on overflow; a negative exponent or one outside int fails. */
static bool long_pow(int64_t b, int64_t k, int64_t *out)
{
    if (k < 0 || k > INT32_MAX) return false;
    uint64_t acc = 1, base = (uint64_t)b;
    uint64_t e = (uint64_t)k;
    while (e) {
        if (e & 1) acc *= base;
        base *= base;
        e >>= 1;
    }
    *out = (int64_t)acc;
    return true;
}

static int cmp_result(int op, int cmp)
{
    switch (op) {
    case BOP_LT: return cmp < 0;
    case BOP_LE: return cmp <= 0;
    case BOP_GT: return cmp > 0;
    case BOP_GE: return cmp >= 0;
    case BOP_EQ: return cmp == 0;
    default: return cmp != 0;
    }
}

/* Nulls first, then by the arrays' common element type. */
static int elem_cmp(const vrv_value *a, const vrv_value *b, expr_type et)
{
    bool an = a->type == VRV_V_NULL, bn = b->type == VRV_V_NULL;
    if (an || bn) return an == bn ? 0 : an ? -1 : 1;
    if (et == ET_LONG) return a->u.l < b->u.l ? -1 : a->u.l > b->u.l;
    if (et == ET_DOUBLE) return dcmp(expr_num_d(a), expr_num_d(b));
    return expr_java_strcmp(vrv_value_str(a), vrv_value_str(b));
}

static int array_cmp(expr_eval *c, const vrv_value *l, const vrv_value *r)
{
    expr_type lt = expr_array_type(l), rt = expr_array_type(r);
    expr_type t = lt == rt ? lt : (lt == ET_ASTRING || rt == ET_ASTRING) ? ET_ASTRING : ET_ADOUBLE;
    vrv_value lc, rc;
    if (!expr_cast(l, t, c->arena, &lc) || !expr_cast(r, t, c->arena, &rc)) return 0;
    uint32_t n = VRV_MIN(lc.len, rc.len);
    for (uint32_t i = 0; i < n; i++) {
        int k = elem_cmp(&lc.u.a[i], &rc.u.a[i], expr_type_elem(t));
        if (k) return k;
    }
    return lc.len < rc.len ? -1 : lc.len > rc.len;
}

vrv_value expr_binop(expr_eval *c, int op, const vrv_value *l, const vrv_value *r)
{
    if (l->type == VRV_V_NULL || r->type == VRV_V_NULL) return vrv_null();
    int lt = expr_vt(l), rt = expr_vt(r);
    bool cmp = op >= BOP_LT;
    if (lt == VT_STRING && rt == VT_STRING) {
        if (cmp) {
            vrv_str a = vrv_value_str(l), b = vrv_value_str(r);
            if (op == BOP_EQ || op == BOP_NE) return expr_bool(vrv_str_eq(a, b) == (op == BOP_EQ));
            return expr_bool(cmp_result(op, expr_java_strcmp(a, b)));
        }
        if (op == BOP_ADD) {
            size_t n = (size_t)l->len + r->len;
            if (expr_too_long(c, n) || expr_over_budget(c)) return vrv_null();
            char *s = vrv_arena_alloc(c->arena, n + 1);
            if (l->len) memcpy(s, l->u.s, l->len);
            if (r->len) memcpy(s + l->len, r->u.s, r->len);
            return vrv_string(s, n);
        }
        return expr_fail(c, "operator '%s' is not supported on type STRING", op_name(op));
    }
    if (lt == VT_LONG && rt == VT_LONG) {
        int64_t a = l->u.l, b = r->u.l, v;
        if (cmp) return expr_bool(cmp_result(op, a < b ? -1 : a > b));
        switch (op) {
        case BOP_ADD: v = (int64_t)((uint64_t)a + (uint64_t)b); break;
        case BOP_SUB: v = (int64_t)((uint64_t)a - (uint64_t)b); break;
        case BOP_MUL: v = (int64_t)((uint64_t)a * (uint64_t)b); break;
        case BOP_DIV:
            if (b == 0) return expr_fail(c, "division by zero");
            v = (a == INT64_MIN && b == -1) ? INT64_MIN : a / b;
            break;
        case BOP_MOD:
            if (b == 0) return expr_fail(c, "division by zero");
            v = b == -1 ? 0 : a % b;
            break;
        default:
            if (!long_pow(a, b, &v))
                return expr_fail(c, "exponent %lld of '^' must be a non-negative int", (long long)b);
            break;
        }
        return vrv_long(v);
    }
    if (cmp && lt == VT_ARRAY && rt == VT_ARRAY) return expr_bool(cmp_result(op, array_cmp(c, l, r)));
    vrv_value ln, rn;
    if (!expr_numeric(l, &ln) || !expr_numeric(r, &rn)) return vrv_null();
    double a = expr_num_d(&ln), b = expr_num_d(&rn);
    switch (op) {
    case BOP_ADD: return vrv_double(a + b);
    case BOP_SUB: return vrv_double(a - b);
    case BOP_MUL: return vrv_double(a * b);
    case BOP_DIV: return vrv_double(a / b);
    case BOP_MOD: return vrv_double(fmod(a, b));
    case BOP_POW: return vrv_double(java_pow(a, b));
    case BOP_EQ: return expr_bool(a == b);
    case BOP_NE: return expr_bool(a != b);
    default: return expr_bool(cmp_result(op, dcmp(a, b)));
    }
}

static vrv_value eval_bin(const expr_pnode *n, expr_eval *c)
{
    vrv_value l = EV(0), r = EV(1);
    return expr_binop(c, n->op, &l, &r);
}

/* The hot arithmetic cases get a path without the generic dispatch. */
static vrv_value eval_add(const expr_pnode *n, expr_eval *c)
{
    vrv_value l = EV(0), r = EV(1);
    if (l.type == VRV_V_LONG && r.type == VRV_V_LONG) return vrv_long((int64_t)((uint64_t)l.u.l + (uint64_t)r.u.l));
    if (l.type == VRV_V_DOUBLE && r.type == VRV_V_DOUBLE) return vrv_double(l.u.d + r.u.d);
    return expr_binop(c, BOP_ADD, &l, &r);
}

static vrv_value eval_mul(const expr_pnode *n, expr_eval *c)
{
    vrv_value l = EV(0), r = EV(1);
    if (l.type == VRV_V_LONG && r.type == VRV_V_LONG) return vrv_long((int64_t)((uint64_t)l.u.l * (uint64_t)r.u.l));
    if (l.type == VRV_V_DOUBLE && r.type == VRV_V_DOUBLE) return vrv_double(l.u.d * r.u.d);
    return expr_binop(c, BOP_MUL, &l, &r);
}

static vrv_value eval_neg(const expr_pnode *n, expr_eval *c)
{
    vrv_value v = EV(0);
    switch (expr_vt(&v)) {
    case VT_NULL: return v;
    case VT_LONG: return vrv_long((int64_t)(0 - (uint64_t)v.u.l));
    case VT_DOUBLE: return vrv_double(-expr_num_d(&v));
    case VT_STRING: return expr_fail(c, "unary '-' is not supported on type STRING");
    default: return expr_fail(c, "unary '-' is not supported on type %s", expr_type_name(expr_value_type(&v)));
    }
}

static vrv_value eval_not(const expr_pnode *n, expr_eval *c)
{
    vrv_value v = EV(0);
    if (v.type == VRV_V_NULL) return v;
    return expr_bool(!vrv_expr_truthy(&v));
}

static vrv_value eval_and(const expr_pnode *n, expr_eval *c)
{
    vrv_value l = EV(0);
    if (l.type != VRV_V_NULL && !vrv_expr_truthy(&l)) return expr_bool(false);
    vrv_value r = EV(1);
    if (l.type == VRV_V_NULL) {
        if (r.type == VRV_V_NULL || vrv_expr_truthy(&r)) return vrv_null();
        return expr_bool(false);
    }
    if (r.type == VRV_V_NULL) return vrv_null();
    return expr_bool(vrv_expr_truthy(&r));
}

static vrv_value eval_or(const expr_pnode *n, expr_eval *c)
{
    vrv_value l = EV(0);
    if (l.type != VRV_V_NULL && vrv_expr_truthy(&l)) return expr_bool(true);
    vrv_value r = EV(1);
    if (l.type == VRV_V_NULL) {
        if (r.type == VRV_V_NULL || !vrv_expr_truthy(&r)) return vrv_null();
        return expr_bool(true);
    }
    if (r.type == VRV_V_NULL) return vrv_null();
    return expr_bool(vrv_expr_truthy(&r));
}

expr_eval_fn expr_eval_op_fn(const expr_node *a)
{
    switch (a->kind) {
    case EN_NEG: return eval_neg;
    case EN_NOT: return eval_not;
    case EN_AND: return eval_and;
    case EN_OR: return eval_or;
    default:
        if (a->op == BOP_ADD) return eval_add;
        if (a->op == BOP_MUL) return eval_mul;
        return eval_bin;
    }
}

/* ---- auto-mapping ---------------------------------------------------------- */

#define MAP_MAX_COMBINATIONS (1u << 20) /* cartesian products beyond this fail the row */

vrv_value expr_eval_map(const expr_pnode *n, expr_eval *c)
{
    const vrv_value *s = c->slots;
    uint32_t nm = 0;
    for (uint32_t k = 0; k < n->nmslots; k++)
        if (s[n->mslots[k]].type == VRV_V_ARRAY) nm++;
    if (nm == 0) return EV(0);

    /* Multi-value rows: evaluate once per combination of their elements. An
     * empty row reads as one null, as Druid homogenises [] to [null]. */
    uint64_t total = 1;
    for (uint32_t k = 0; k < n->nmslots; k++) {
        const vrv_value *v = &s[n->mslots[k]];
        if (v->type == VRV_V_ARRAY) total *= v->len ? v->len : 1;
        if (total > MAP_MAX_COMBINATIONS)
            return expr_fail(c, "multi-value inputs produce more than %u combinations", MAP_MAX_COMBINATIONS);
    }
    vrv_value *work = expr_work_slots(c);
    vrv_value *out = vrv_arena_alloc(c->arena, (size_t)total * sizeof *out);
    uint32_t idx[n->nmslots];
    memset(idx, 0, sizeof idx);
    const vrv_value *saved = c->slots;
    uint32_t saved_len = c->slots_len;
    c->slots = work;
    c->slots_len = c->prog->nwork;
    int etype = -1;
    for (uint64_t i = 0; i < total && !expr_over_budget(c); i++) {
        for (uint32_t k = 0; k < n->nmslots; k++) {
            const vrv_value *v = &saved[n->mslots[k]];
            if (v->type != VRV_V_ARRAY) continue;
            work[n->mslots[k]] = v->len ? v->u.a[idx[k]] : vrv_null();
        }
        out[i] = EV(0);
        int t = out[i].type;
        if (t != VRV_V_NULL) etype = etype == -1 ? t : etype == t ? t : 0;
        /* Advance the odometer, the last column fastest (as cartesian_map). */
        for (uint32_t k = n->nmslots; k-- > 0;) {
            const vrv_value *v = &saved[n->mslots[k]];
            if (v->type != VRV_V_ARRAY) continue;
            if (++idx[k] < (v->len ? v->len : 1)) break;
            idx[k] = 0;
        }
    }
    c->slots = saved;
    c->slots_len = saved_len;
    vrv_value r = vrv_array(out, (size_t)total);
    r.flags = (etype == VRV_V_LONG || etype == VRV_V_DOUBLE || etype == VRV_V_STRING) ? (uint8_t)etype : 0;
    return r;
}

/* ---- entry point ------------------------------------------------------------- */

int vrv_expr_eval(vrv_expr_prog *p, const vrv_value *slots, vrv_arena *arena, vrv_value *out, vrv_error *err)
{
    expr_eval c = {.slots = slots, .slots_len = p->nslots, .arena = arena, .prog = p, .err = err,
                   .arena_base = arena->total};
    p->scratch_used = 0;
    if (p->nwork > p->nslots) {
        c.slots = expr_work_slots(&c);
        c.slots_len = p->nwork;
    }
    vrv_value v = expr_ev(p->root, &c);
    if (c.status) {
        *out = vrv_null();
        return c.status;
    }
    *out = v;
    return 0;
}
