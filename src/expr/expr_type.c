/*
 * expr_type.c — output type inference (Druid's Expr.getOutputType): what type
 * an expression produces given the types of its input columns, so SQL planning
 * and expression virtual columns know a column's type before evaluating.
 * Unknown inputs and null literals propagate "unknown" the way Druid's null
 * ExpressionType does.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "expr/expr_int.h"

typedef struct infer_ctx {
    vrv_expr_type_fn fn;
    void *ctx;
    expr_type *params; /* lambda parameter types by id */
} infer_ctx;

static expr_type infer(infer_ctx *ic, const expr_node *n)
{
    switch (n->kind) {
    case EN_LIT: return expr_value_type(&n->lit);
    case EN_IDENT: {
        if (n->param >= 0) return ic->params[n->param];
        vrv_ctype ct;
        if (ic->fn && ic->fn(ic->ctx, n->name, &ct)) return expr_type_from_ctype(ct);
        return ET_UNKNOWN;
    }
    case EN_NEG: return infer(ic, n->args[0]);
    case EN_NOT:
    case EN_AND:
    case EN_OR: return ET_LONG;
    case EN_BIN:
        if (n->op >= BOP_LT) return ET_LONG;
        return expr_type_operator(infer(ic, n->args[0]), infer(ic, n->args[1]));
    case EN_CALL: {
        expr_type args[n->nargs ? n->nargs : 1];
        for (uint32_t i = 0; i < n->nargs; i++) args[i] = infer(ic, n->args[i]);
        return n->fn->type ? n->fn->type(n, args) : ET_UNKNOWN;
    }
    case EN_APPLY: {
        expr_type args[n->nargs ? n->nargs : 1];
        for (uint32_t i = 0; i < n->nargs; i++) args[i] = infer(ic, n->args[i]);
        const char *name = n->fn->name;
        if (strcmp(name, "any") == 0 || strcmp(name, "all") == 0) return ET_LONG;
        if (strcmp(name, "filter") == 0) return args[0];
        if (strcmp(name, "fold") == 0 || strcmp(name, "cartesian_fold") == 0) return args[n->nargs - 1];
        /* map, cartesian_map: the body's type over the arrays' element types. */
        for (uint32_t i = 0; i < n->nparams && i < n->nargs; i++) ic->params[n->params[i]] = expr_type_elem(args[i]);
        expr_type body = infer(ic, n->body);
        return body == ET_UNKNOWN ? ET_UNKNOWN : expr_type_array_of(body);
    }
    default: return ET_UNKNOWN;
    }
}

static expr_type infer_root(const vrv_expr *e, vrv_expr_type_fn fn, void *ctx)
{
    expr_type *params = vrv_calloc(e->nparams ? e->nparams : 1, sizeof *params);
    infer_ctx ic = {fn, ctx, params};
    expr_type t = infer(&ic, e->root);
    free(params);
    return t;
}

bool vrv_expr_output_type(const vrv_expr *e, vrv_expr_type_fn fn, void *ctx, vrv_ctype *out)
{
    return expr_type_to_ctype(infer_root(e, fn, ctx), out);
}

vrv_ctype vrv_expr_virtual_column_type(const vrv_expr *e, vrv_expr_type_fn fn, void *ctx)
{
    vrv_ctype t;
    if (vrv_expr_output_type(e, fn, ctx, &t)) return t;
    return VRV_C_FLOAT;
}
