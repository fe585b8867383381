/*
 * expr_bind.c — turns a parsed expression into a program: identifiers become
 * slot indices (through the caller's resolver), calls get their evaluation
 * function pointers and their prepared state (compiled patterns), and the
 * places where multi-value inputs must be auto-mapped get map nodes. Also
 * constant folding, which binds and evaluates constant sub-trees at parse time
 * the way Druid's Parser.flatten does.
 *
 * Auto-mapping scopes follow Druid's Parser.applyUnappliedBindings: the whole
 * expression is one scope, and so is every non-identifier argument in a
 * position where a function takes an array (e.g. the first argument of
 * array_to_string). A column read where a scalar is expected, inside a scope
 * but not inside a nested scope, is mapped by that scope when its value is a
 * multi-value row.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"
#include "expr/expr_eval.h"
#include "expr/expr_int.h"

typedef VRV_VEC(int32_t) slot_list;

typedef struct binder {
    expr_bind pub;
    const vrv_expr_binding *bindings; /* per input, or NULL when folding */
    vrv_error *err;
} binder;

int expr_bind_fail(expr_bind *b, const expr_pnode *n, vrv_error *err, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return vrv_error_set(err, VRV_EINVAL, "expression '%s': %s at %u", b->expr->text, what,
                         n->src ? n->src->pos : 0);
}

bool expr_arg_literal(const expr_pnode *n, uint32_t i, vrv_value *v)
{
    if (i >= n->nargs || n->args[i]->eval != expr_eval_lit) return false;
    if (v) *v = n->args[i]->lit;
    return true;
}

void expr_prog_on_free(vrv_expr_prog *p, void (*fn)(void *), void *ptr)
{
    expr_cleanup *c = vrv_arena_alloc(&p->arena, sizeof *c);
    c->fn = fn;
    c->p = ptr;
    c->next = p->cleanups;
    p->cleanups = c;
}

static bool fn_takes_array(const expr_fn *fn, uint32_t i, const expr_node *call)
{
    if (fn->flags & FN_ALL_ARRAY) return true;
    if (fn->flags & FN_ARRAY_ARGS) return i < 32 && (fn->array_args >> i) & 1;
    /* cast(x, 'ARRAY<...>') reads x as an array. */
    if (strcmp(fn->name, "cast") == 0 && i == 0 && call->nargs == 2 && call->args[1]->kind == EN_LIT &&
        call->args[1]->lit.type == VRV_V_STRING) {
        expr_type t;
        return expr_type_parse(vrv_value_str(&call->args[1]->lit), &t) && expr_type_is_array(t);
    }
    return false;
}

static void scope_add(slot_list *scope, int32_t slot)
{
    if (!scope) return;
    for (size_t i = 0; i < scope->n; i++)
        if (scope->v[i] == slot) return;
    vrv_vec_push(scope, slot);
}

static int bind_node(binder *b, const expr_node *a, slot_list *scope, bool scalar, expr_pnode **out);

/* Binds a node as its own auto-mapping scope. */
static int bind_scope(binder *b, const expr_node *a, expr_pnode **out)
{
    slot_list scope = {0};
    expr_pnode *p;
    int rc = bind_node(b, a, &scope, false, &p);
    if (rc == 0 && scope.n > 0) {
        vrv_arena *ar = &b->pub.prog->arena;
        expr_pnode *m = vrv_arena_calloc(ar, sizeof *m);
        m->eval = expr_eval_map;
        m->src = a;
        m->nargs = 1;
        m->args = vrv_arena_alloc(ar, sizeof *m->args);
        m->args[0] = p;
        m->nmslots = (uint32_t)scope.n;
        m->mslots = vrv_arena_memdup(ar, scope.v, scope.n * sizeof *scope.v);
        p = m;
    }
    vrv_vec_free(&scope);
    if (rc == 0) *out = p;
    return rc;
}

static int bind_node(binder *b, const expr_node *a, slot_list *scope, bool scalar, expr_pnode **out)
{
    vrv_expr_prog *prog = b->pub.prog;
    vrv_arena *ar = &prog->arena;
    expr_pnode *p = vrv_arena_calloc(ar, sizeof *p);
    p->src = a;
    p->slot = -1;
    int rc = 0;
    switch (a->kind) {
    case EN_LIT:
        if (a->big) {
            p->src = a;
            return expr_bind_fail(&b->pub, p, b->err, "number 9223372036854775808 out of the LONG range");
        }
        p->eval = expr_eval_lit;
        p->lit = expr_value_copy(ar, &a->lit);
        break;
    case EN_IDENT:
        p->eval = expr_eval_ident;
        if (a->param >= 0) {
            p->slot = (int32_t)(prog->nslots + (uint32_t)a->param);
        } else if (b->bindings) {
            const vrv_expr_binding *bd = &b->bindings[a->input];
            p->slot = bd->slot;
            p->slot_array = bd->typed && (bd->type == VRV_C_ARRAY_STRING || bd->type == VRV_C_ARRAY_LONG ||
                                          bd->type == VRV_C_ARRAY_DOUBLE);
            if (scalar && p->slot >= 0 && !p->slot_array) scope_add(scope, p->slot);
        }
        break;
    case EN_NEG:
    case EN_NOT:
    case EN_BIN:
    case EN_AND:
    case EN_OR:
        p->eval = expr_eval_op_fn(a);
        p->op = a->op;
        p->nargs = a->nargs;
        p->args = vrv_arena_alloc(ar, a->nargs * sizeof *p->args);
        for (uint32_t i = 0; i < a->nargs && rc == 0; i++) rc = bind_node(b, a->args[i], scope, true, &p->args[i]);
        break;
    case EN_CALL:
    case EN_APPLY:
        p->fn = a->fn;
        p->eval = a->fn->eval;
        p->nargs = a->nargs;
        p->args = vrv_arena_alloc(ar, (a->nargs ? a->nargs : 1) * sizeof *p->args);
        for (uint32_t i = 0; i < a->nargs && rc == 0; i++) {
            const expr_node *arg = a->args[i];
            if (fn_takes_array(a->fn, i, a)) {
                if (arg->kind == EN_IDENT) rc = bind_node(b, arg, scope, false, &p->args[i]);
                else rc = bind_scope(b, arg, &p->args[i]);
            } else {
                rc = bind_node(b, arg, scope, true, &p->args[i]);
            }
        }
        if (rc == 0 && a->kind == EN_APPLY) {
            /* Columns read inside a lambda body are not auto-mapped. */
            rc = bind_node(b, a->body, NULL, true, &p->body);
            p->npslots = a->nparams;
            p->pslots = vrv_arena_alloc(ar, (a->nparams ? a->nparams : 1) * sizeof *p->pslots);
            for (uint32_t i = 0; i < a->nparams; i++) p->pslots[i] = (int32_t)(prog->nslots + (uint32_t)a->params[i]);
        }
        if (rc == 0 && a->fn->prepare) rc = a->fn->prepare(p, &b->pub, b->err);
        break;
    default: rc = vrv_error_set(b->err, VRV_EINTERNAL, "expression: bad node kind %d", a->kind);
    }
    if (rc == 0) *out = p;
    return rc;
}

static int prog_build(const vrv_expr *e, const expr_node *root, const vrv_expr_binding *bindings,
                      uint32_t nslots, vrv_expr_prog **out, vrv_error *err)
{
    vrv_expr_prog *prog = vrv_calloc(1, sizeof *prog);
    vrv_arena_init(&prog->arena, 4096);
    prog->text = vrv_arena_strdup(&prog->arena, e->text);
    prog->nslots = nslots;
    prog->nwork = nslots + e->nparams;
    binder b = {.pub = {.prog = prog, .expr = e}, .bindings = bindings, .err = err};
    int rc = bind_scope(&b, root, &prog->root);
    if (rc) {
        vrv_expr_prog_free(prog);
        return rc;
    }
    *out = prog;
    return 0;
}

int vrv_expr_bind(const vrv_expr *e, vrv_expr_resolve_fn fn, void *ctx, vrv_expr_prog **out, vrv_error *err)
{
    vrv_expr_binding *bindings = vrv_calloc(e->ninputs ? e->ninputs : 1, sizeof *bindings);
    uint32_t nslots = 0;
    int rc = 0;
    for (size_t i = 0; i < e->ninputs; i++) {
        bindings[i].slot = -1;
        if (fn && (rc = fn(ctx, e->inputs[i], &bindings[i], err)) != 0) break;
        if (bindings[i].slot >= 0 && (uint32_t)bindings[i].slot + 1 > nslots) nslots = (uint32_t)bindings[i].slot + 1;
    }
    if (rc == 0) rc = prog_build(e, e->root, bindings, nslots, out, err);
    free(bindings);
    return rc;
}

void vrv_expr_prog_free(vrv_expr_prog *p)
{
    if (!p) return;
    for (expr_cleanup *c = p->cleanups; c; c = c->next) c->fn(c->p);
    for (size_t i = 0; i < VRV_ARRAY_LEN(p->scratch); i++) vrv_buf_free(&p->scratch[i]);
    vrv_arena_destroy(&p->arena);
    free(p);
}

/* ---- folding ---------------------------------------------------------------- */

static bool foldable(const expr_node *n)
{
    switch (n->kind) {
    case EN_NEG:
    case EN_NOT:
    case EN_BIN:
    case EN_AND:
    case EN_OR: break;
    case EN_CALL:
        if (n->fn->flags & FN_NO_FOLD) return false;
        break;
    default: return false;
    }
    for (uint32_t i = 0; i < n->nargs; i++)
        if (n->args[i]->kind != EN_LIT) return false;
    return true;
}

static int fold_node(vrv_expr *e, expr_node *n, vrv_error *err)
{
    /* -9223372036854775808: the one literal that exists only negated. */
    if (n->kind == EN_NEG && n->args[0]->kind == EN_LIT && n->args[0]->big) {
        n->kind = EN_LIT;
        n->lit = vrv_long(INT64_MIN);
        n->nargs = 0;
        return 0;
    }
    if (n->kind == EN_LIT && n->big)
        return vrv_error_set(err, VRV_EINVAL, "expression '%s': number 9223372036854775808 out of the LONG range at %u",
                             e->text, n->pos);
    int rc = 0;
    for (uint32_t i = 0; i < n->nargs && rc == 0; i++) rc = fold_node(e, n->args[i], err);
    if (rc == 0 && n->body) rc = fold_node(e, n->body, err);
    if (rc) return rc;
    if (!foldable(n)) return 0;
    vrv_expr_prog *prog;
    if ((rc = prog_build(e, n, NULL, 0, &prog, err)) != 0) return rc;
    vrv_arena scratch;
    vrv_arena_init(&scratch, 1024);
    vrv_value v;
    rc = vrv_expr_eval(prog, NULL, &scratch, &v, err);
    if (rc == 0) {
        n->kind = EN_LIT;
        n->lit = expr_value_copy(&e->arena, &v);
        n->nargs = 0;
        n->fn = NULL;
    } else if (err) {
        char msg[VRV_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        snprintf(err->msg, sizeof err->msg, "%s at %u", msg, n->pos);
    }
    vrv_arena_destroy(&scratch);
    vrv_expr_prog_free(prog);
    return rc;
}

int expr_fold(vrv_expr *e, vrv_error *err)
{
    return fold_node(e, e->root, err);
}
