/*
 * expr_eval.h — the evaluation functions of the built-in node kinds (literal,
 * identifier, operators, auto-mapping scope) that expr_bind.c installs in
 * program nodes. Internal to the expression module.
 */
#ifndef VRV_EXPR_EVAL_H
#define VRV_EXPR_EVAL_H

#include "expr/expr_int.h"

vrv_value expr_eval_lit(const expr_pnode *n, expr_eval *c);
vrv_value expr_eval_ident(const expr_pnode *n, expr_eval *c);
vrv_value expr_eval_map(const expr_pnode *n, expr_eval *c);
/* The evaluation function of an operator node (EN_NEG, EN_NOT, EN_BIN, EN_AND, EN_OR). */
expr_eval_fn expr_eval_op_fn(const expr_node *a);

/* Binary operators on evaluated operands, shared with functions (case_simple
 * uses ==). */
vrv_value expr_binop(expr_eval *c, int op, const vrv_value *l, const vrv_value *r);

/* A working copy of the current slots, large enough for lambda parameters,
 * that the caller may modify (auto-mapping and lambdas bind values there). */
vrv_value *expr_work_slots(expr_eval *c);

#endif
