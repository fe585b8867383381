/*
 * expr_parse.c — recursive-descent parser for Druid's expression grammar
 * (Expr.g4), building the AST of expr_int.h, plus the public parse entry point
 * and the AST-level queries (inputs, constant, stringify).
 *
 * Precedence, loosest first, every binary level left-associative except `^`:
 *   && ||   (one level: `a || b && c` is `(a || b) && c`, as in Druid)
 *   < <= > >= == !=
 *   + -
 *   * / %
 *   ^       (right-associative)
 *   unary - and !  (bind tighter than `^`: `-2^2` is `(-2)^2`)
 *   primary: literal, identifier, call, (expr), array literal
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/numfmt.h"
#include "base/vec.h"
#include "expr/expr_int.h"
#include "expr/expr_lex.h"

typedef struct lambda_scope {
    vrv_str *names;
    int32_t *ids;
    uint32_t n;
    struct lambda_scope *up;
} lambda_scope;

typedef VRV_VEC(expr_node *) node_vec;

typedef struct parser {
    vrv_expr *e;
    expr_token *toks;
    size_t ntoks, i;
    vrv_error *err;
    lambda_scope *scope;
    VRV_VEC(vrv_str) inputs;
    int depth; /* nesting, bounded so hostile input cannot exhaust the stack */
} parser;

#define MAX_DEPTH 256   /* parser recursion (parentheses, unary chains) */
#define MAX_HEIGHT 1000 /* tree height: fold, bind, evaluation and inference recurse over it */

static int perr(parser *p, size_t pos, const char *fmt, ...) VRV_PRINTF(3, 4);
static int perr(parser *p, size_t pos, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return vrv_error_set(p->err, VRV_EINVAL, "expression '%s': %s at %zu", p->e->text, what, pos);
}

static const expr_token *peek(parser *p)
{
    return &p->toks[p->i];
}

static const expr_token *peek_at(parser *p, size_t k)
{
    size_t j = p->i + k;
    return &p->toks[j < p->ntoks ? j : p->ntoks - 1];
}

static const expr_token *next(parser *p)
{
    const expr_token *t = &p->toks[p->i];
    if (t->kind != T_EOF) p->i++;
    return t;
}

static int unexpected(parser *p, const expr_token *t)
{
    char buf[80];
    return perr(p, t->pos, "unexpected %s", expr_tok_desc(t, buf, sizeof buf));
}

static int expect(parser *p, int kind)
{
    const expr_token *t = peek(p);
    if (t->kind != kind) return unexpected(p, t);
    next(p);
    return 0;
}

static expr_node *new_node(parser *p, int kind, uint32_t pos)
{
    expr_node *n = vrv_arena_calloc(&p->e->arena, sizeof *n);
    n->kind = (uint8_t)kind;
    n->pos = pos;
    n->height = 1;
    n->param = -1;
    n->input = -1;
    return n;
}

/* Sets n's height from its children; fails when the tree grows too tall. */
static int set_height(parser *p, expr_node *n)
{
    unsigned h = n->body ? n->body->height : 0;
    for (uint32_t i = 0; i < n->nargs; i++)
        if (n->args[i]->height > h) h = n->args[i]->height;
    if (h + 1 > MAX_HEIGHT)
        return perr(p, n->pos, "expression nested more than %d levels deep", MAX_HEIGHT);
    n->height = (uint16_t)(h + 1);
    return 0;
}

static expr_node *new_op(parser *p, int kind, int op, uint32_t pos, expr_node *a, expr_node *b)
{
    expr_node *n = new_node(p, kind, pos);
    n->op = (uint8_t)op;
    n->nargs = b ? 2 : 1;
    n->args = vrv_arena_alloc(&p->e->arena, n->nargs * sizeof *n->args);
    n->args[0] = a;
    if (b) n->args[1] = b;
    return n;
}

static int parse_expr(parser *p, expr_node **out);

/* ---- array literals ------------------------------------------------------- */

typedef struct lit_elem {
    uint8_t kind; /* T_LONG, T_DOUBLE, T_STRING, T_NULL */
    bool neg;
    const expr_token *t;
} lit_elem;

/* Converts a numeric element to the array's element type. */
static int array_elem(parser *p, const lit_elem *el, expr_type et, vrv_value *out)
{
    const expr_token *t = el->t;
    if (el->kind == T_NULL) {
        *out = vrv_null();
        return 0;
    }
    if (et == ET_LONG) {
        if (el->kind == T_LONG) {
            if (t->big && !el->neg) return perr(p, t->pos, "number out of the LONG range");
            *out = vrv_long(el->neg ? (int64_t)(0 - (uint64_t)t->l) : t->l);
        } else if (el->kind == T_DOUBLE) {
            *out = vrv_long(expr_d2l(el->neg ? -t->d : t->d));
        } else {
            vrv_value num;
            if (!expr_parse_number(t->s, &num))
                return perr(p, t->pos, "array element '%.*s' is not a LONG", (int)VRV_MIN(t->s.n, 40), t->s.p);
            *out = num.type == VRV_V_LONG ? num : vrv_long(expr_d2l(num.u.d));
        }
    } else if (et == ET_DOUBLE) {
        if (el->kind == T_LONG) {
            if (t->big && !el->neg) *out = vrv_double(9223372036854775808.0);
            else *out = vrv_double((double)(el->neg ? (int64_t)(0 - (uint64_t)t->l) : t->l));
        } else if (el->kind == T_DOUBLE) {
            *out = vrv_double(el->neg ? -t->d : t->d);
        } else {
            vrv_value num;
            if (!expr_parse_number(t->s, &num))
                return perr(p, t->pos, "array element '%.*s' is not a DOUBLE", (int)VRV_MIN(t->s.n, 40), t->s.p);
            *out = vrv_double(expr_num_d(&num));
        }
    } else {
        if (el->kind == T_STRING) {
            *out = vrv_string(t->s.p, t->s.n);
        } else {
            /* A number in a string array keeps its text, as Druid does. */
            size_t n = t->end - t->pos;
            char *s = vrv_arena_alloc(&p->e->arena, n + 2);
            size_t k = 0;
            if (el->neg) s[k++] = '-';
            memcpy(s + k, p->e->text + t->pos, n);
            *out = vrv_string(s, n + k);
        }
    }
    return 0;
}

/* '[' elements ']' after an optional type prefix (explicit: ET_ALONG...). */
static int parse_array(parser *p, expr_type explicit_type, bool numeric_only, uint32_t pos,
                       expr_node **out)
{
    VRV_VEC(lit_elem) els = {0};
    int rc = expect(p, T_LBRACK);
    bool any_string = false, any_double = false, any_long = false;
    if (rc == 0 && peek(p)->kind != T_RBRACK) {
        for (;;) {
            lit_elem el = {0};
            const expr_token *t = next(p);
            if (t->kind == T_MINUS && (peek(p)->kind == T_LONG || peek(p)->kind == T_DOUBLE)) {
                el.neg = true;
                t = next(p);
            }
            if (t->kind != T_LONG && t->kind != T_DOUBLE && t->kind != T_STRING && t->kind != T_NULL) {
                char buf[80];
                rc = perr(p, t->pos, "array literal element must be a literal, got %s",
                          expr_tok_desc(t, buf, sizeof buf));
                break;
            }
            el.kind = t->kind;
            el.t = t;
            any_string |= t->kind == T_STRING;
            any_double |= t->kind == T_DOUBLE;
            any_long |= t->kind == T_LONG;
            vrv_vec_push(&els, el);
            if (peek(p)->kind == T_COMMA) {
                next(p);
                continue;
            }
            break;
        }
        if (rc == 0) rc = expect(p, T_RBRACK);
    } else if (rc == 0) {
        next(p);
    }
    if (rc == 0) {
        expr_type at = explicit_type;
        if (at == ET_UNKNOWN) {
            if (any_string && (any_double || any_long)) {
                rc = perr(p, pos, "array literal mixes strings and numbers; use array() or a typed "
                                  "literal such as ARRAY<STRING>[...]");
            } else if (any_double) {
                at = ET_ADOUBLE;
            } else if (any_long) {
                at = ET_ALONG;
            } else {
                at = ET_ASTRING;
            }
        } else if (numeric_only && any_string) {
            rc = perr(p, pos, "%s array literal takes numbers only", expr_type_name(at));
        }
        if (rc == 0) {
            vrv_value *vals = vrv_arena_alloc(&p->e->arena, (els.n ? els.n : 1) * sizeof *vals);
            for (size_t k = 0; k < els.n && rc == 0; k++)
                rc = array_elem(p, &els.v[k], expr_type_elem(at), &vals[k]);
            if (rc == 0) {
                expr_node *n = new_node(p, EN_LIT, pos);
                n->lit = expr_array_tagged(vals, els.n, at);
                *out = n;
            }
        }
    }
    vrv_vec_free(&els);
    return rc;
}

/* ---- identifiers, calls, lambdas ------------------------------------------ */

static int32_t lookup_param(parser *p, vrv_str name)
{
    for (lambda_scope *s = p->scope; s; s = s->up)
        for (uint32_t k = 0; k < s->n; k++)
            if (vrv_str_eq(s->names[k], name)) return s->ids[k];
    return -1;
}

static expr_node *ident_node(parser *p, const expr_token *t)
{
    expr_node *n = new_node(p, EN_IDENT, t->pos);
    n->name = t->s;
    n->param = lookup_param(p, t->s);
    if (n->param < 0) {
        size_t k = 0;
        for (; k < p->inputs.n; k++)
            if (vrv_str_eq(p->inputs.v[k], t->s)) break;
        if (k == p->inputs.n) vrv_vec_push(&p->inputs, t->s);
        n->input = (int32_t)k;
    }
    return n;
}

/* True when the tokens at the cursor start a lambda: `x ->`, `() ->` or
 * `(x, y) ->`. */
static bool at_lambda(parser *p)
{
    if (peek(p)->kind == T_IDENT && peek_at(p, 1)->kind == T_ARROW) return true;
    if (peek(p)->kind != T_LPAREN) return false;
    size_t k = 1;
    if (peek_at(p, k)->kind == T_RPAREN) return peek_at(p, k + 1)->kind == T_ARROW;
    for (;;) {
        if (peek_at(p, k)->kind != T_IDENT) return false;
        k++;
        if (peek_at(p, k)->kind == T_COMMA) {
            k++;
            continue;
        }
        return peek_at(p, k)->kind == T_RPAREN && peek_at(p, k + 1)->kind == T_ARROW;
    }
}

static int parse_args(parser *p, node_vec *args)
{
    if (peek(p)->kind == T_RPAREN) {
        next(p);
        return 0;
    }
    for (;;) {
        expr_node *a;
        int rc = parse_expr(p, &a);
        if (rc) return rc;
        vrv_vec_push(args, a);
        const expr_token *t = next(p);
        if (t->kind == T_RPAREN) return 0;
        if (t->kind != T_COMMA) return unexpected(p, t);
    }
}

static int check_arity(parser *p, const expr_fn *fn, const expr_token *name, uint32_t nargs)
{
    if ((int)nargs < fn->min || (fn->max >= 0 && (int)nargs > fn->max)) {
        if (fn->min == fn->max)
            return perr(p, name->pos, "function '%s' needs %d argument%s, got %u", fn->name, fn->min,
                        fn->min == 1 ? "" : "s", nargs);
        if (fn->max < 0)
            return perr(p, name->pos, "function '%s' needs at least %d argument%s, got %u", fn->name,
                        fn->min, fn->min == 1 ? "" : "s", nargs);
        return perr(p, name->pos, "function '%s' needs %d to %d arguments, got %u", fn->name, fn->min,
                    fn->max, nargs);
    }
    return 0;
}

/* fn((params) -> body, args...) */
static int parse_apply(parser *p, const expr_fn *fn, const expr_token *name, expr_node **out)
{
    VRV_VEC(vrv_str) names = {0};
    const expr_token *t = next(p);
    if (t->kind == T_IDENT) {
        vrv_vec_push(&names, t->s);
    } else { /* '(' */
        while ((t = next(p))->kind == T_IDENT) {
            vrv_vec_push(&names, t->s);
            if (peek(p)->kind == T_COMMA) next(p);
        }
    }
    next(p); /* '->' (at_lambda guaranteed the shape) */
    lambda_scope sc = {0};
    sc.n = (uint32_t)names.n;
    sc.names = vrv_arena_alloc(&p->e->arena, (names.n ? names.n : 1) * sizeof *sc.names);
    sc.ids = vrv_arena_alloc(&p->e->arena, (names.n ? names.n : 1) * sizeof *sc.ids);
    for (size_t k = 0; k < names.n; k++) {
        sc.names[k] = names.v[k];
        sc.ids[k] = (int32_t)p->e->nparams++;
    }
    vrv_vec_free(&names);
    sc.up = p->scope;
    p->scope = &sc;
    expr_node *body;
    int rc = parse_expr(p, &body);
    p->scope = sc.up;
    if (rc) return rc;
    node_vec args = {0};
    t = next(p);
    if (t->kind == T_COMMA) {
        rc = parse_args(p, &args);
    } else if (t->kind != T_RPAREN) {
        rc = unexpected(p, t);
    }
    if (rc == 0) rc = check_arity(p, fn, name, (uint32_t)args.n);
    if (rc == 0) {
        /* Lambda arity: map/filter/any/all take one parameter, fold two,
         * cartesian_map one per array, cartesian_fold one per array plus the
         * accumulator. */
        uint32_t want;
        if (strcmp(fn->name, "fold") == 0) want = 2;
        else if (strcmp(fn->name, "cartesian_map") == 0) want = (uint32_t)args.n;
        else if (strcmp(fn->name, "cartesian_fold") == 0) want = (uint32_t)args.n;
        else want = 1;
        if (sc.n != want)
            rc = perr(p, name->pos, "function '%s' needs a lambda with %u argument%s, got %u", fn->name,
                      want, want == 1 ? "" : "s", sc.n);
    }
    if (rc == 0) {
        expr_node *n = new_node(p, EN_APPLY, name->pos);
        n->name = name->s;
        n->fn = fn;
        n->nargs = (uint32_t)args.n;
        n->args = vrv_arena_memdup(&p->e->arena, args.v, args.n * sizeof *args.v);
        n->nparams = sc.n;
        n->params = sc.ids;
        n->pnames = sc.names;
        n->body = body;
        rc = set_height(p, n);
        if (rc == 0) *out = n;
    }
    vrv_vec_free(&args);
    return rc;
}

static int parse_call(parser *p, const expr_token *name, expr_node **out)
{
    const expr_fn *fn = expr_fn_find(name->s);
    if (!fn)
        return perr(p, name->pos, "unknown function '%.*s'", (int)VRV_MIN(name->s.n, 64), name->s.p);
    next(p); /* '(' */
    if (fn->flags & FN_APPLY) {
        if (!at_lambda(p))
            return perr(p, name->pos, "function '%s' needs a lambda expression as its first argument",
                        fn->name);
        return parse_apply(p, fn, name, out);
    }
    if (at_lambda(p))
        return perr(p, peek(p)->pos, "function '%s' does not take a lambda expression", fn->name);
    node_vec args = {0};
    int rc = parse_args(p, &args);
    if (rc == 0) rc = check_arity(p, fn, name, (uint32_t)args.n);
    if (rc == 0) {
        expr_node *n = new_node(p, EN_CALL, name->pos);
        n->name = name->s;
        n->fn = fn;
        n->nargs = (uint32_t)args.n;
        n->args = vrv_arena_memdup(&p->e->arena, args.v, args.n * sizeof *args.v);
        const char *bad = fn->check ? fn->check(n) : NULL;
        if (bad) rc = perr(p, name->pos, "function '%s' %s", fn->name, bad);
        else rc = set_height(p, n);
        if (rc == 0) *out = n;
    }
    vrv_vec_free(&args);
    return rc;
}

/* ---- expressions ------------------------------------------------------------ */

static int parse_primary(parser *p, expr_node **out)
{
    const expr_token *t = peek(p);
    expr_node *n;
    switch (t->kind) {
    case T_NULL:
        next(p);
        *out = new_node(p, EN_LIT, t->pos);
        return 0;
    case T_LONG:
        next(p);
        n = new_node(p, EN_LIT, t->pos);
        n->lit = vrv_long(t->l);
        n->big = t->big;
        *out = n;
        return 0;
    case T_DOUBLE:
        next(p);
        n = new_node(p, EN_LIT, t->pos);
        n->lit = vrv_double(t->d);
        *out = n;
        return 0;
    case T_STRING:
        next(p);
        n = new_node(p, EN_LIT, t->pos);
        n->lit = vrv_string(t->s.p, t->s.n);
        *out = n;
        return 0;
    case T_IDENT:
        next(p);
        if (peek(p)->kind == T_LPAREN) return parse_call(p, t, out);
        *out = ident_node(p, t);
        return 0;
    case T_LPAREN: {
        next(p);
        int rc = parse_expr(p, out);
        if (rc) return rc;
        return expect(p, T_RPAREN);
    }
    case T_LBRACK: return parse_array(p, ET_UNKNOWN, false, t->pos, out);
    case T_TYPED:
        next(p);
        if (peek(p)->kind != T_LBRACK) return unexpected(p, peek(p));
        return parse_array(p, (expr_type)t->atype, !t->big && t->atype != ET_ASTRING, t->pos, out);
    default: return unexpected(p, t);
    }
}

static int parse_unary(parser *p, expr_node **out)
{
    const expr_token *t = peek(p);
    if (t->kind == T_MINUS || t->kind == T_NOT) {
        if (++p->depth > MAX_DEPTH) return perr(p, t->pos, "expression nested too deeply");
        next(p);
        expr_node *a;
        int rc = parse_unary(p, &a);
        p->depth--;
        if (rc) return rc;
        *out = new_op(p, t->kind == T_MINUS ? EN_NEG : EN_NOT, 0, t->pos, a, NULL);
        return set_height(p, *out);
    }
    return parse_primary(p, out);
}

static int parse_pow(parser *p, expr_node **out)
{
    expr_node *a;
    int rc = parse_unary(p, &a);
    if (rc) return rc;
    if (peek(p)->kind != T_POW) {
        *out = a;
        return 0;
    }
    const expr_token *op = next(p);
    if (++p->depth > MAX_DEPTH) return perr(p, op->pos, "expression nested too deeply");
    expr_node *b;
    rc = parse_pow(p, &b); /* right-associative */
    p->depth--;
    if (rc) return rc;
    *out = new_op(p, EN_BIN, BOP_POW, a->pos, a, b);
    return set_height(p, *out);
}

typedef int (*level_fn)(parser *p, expr_node **out);

/* One left-associative binary level: operand (op operand)*. */
static int parse_level(parser *p, level_fn operand, int (*op_of)(int tok, int *kind), expr_node **out)
{
    expr_node *a;
    int rc = operand(p, &a);
    if (rc) return rc;
    for (;;) {
        int kind;
        int op = op_of(peek(p)->kind, &kind);
        if (op < 0) break;
        next(p);
        expr_node *b;
        if ((rc = operand(p, &b)) != 0) return rc;
        a = new_op(p, kind, op, a->pos, a, b);
        if ((rc = set_height(p, a)) != 0) return rc;
    }
    *out = a;
    return 0;
}

static int mul_op(int tok, int *kind)
{
    *kind = EN_BIN;
    return tok == T_MUL ? BOP_MUL : tok == T_DIV ? BOP_DIV : tok == T_MOD ? BOP_MOD : -1;
}
static int add_op(int tok, int *kind)
{
    *kind = EN_BIN;
    return tok == T_PLUS ? BOP_ADD : tok == T_MINUS ? BOP_SUB : -1;
}
static int cmp_op(int tok, int *kind)
{
    *kind = EN_BIN;
    switch (tok) {
    case T_LT: return BOP_LT;
    case T_LE: return BOP_LE;
    case T_GT: return BOP_GT;
    case T_GE: return BOP_GE;
    case T_EQ: return BOP_EQ;
    case T_NE: return BOP_NE;
    default: return -1;
    }
}
static int logic_op(int tok, int *kind)
{
    if (tok == T_AND) {
        *kind = EN_AND;
        return 0;
    }
    if (tok == T_OR) {
        *kind = EN_OR;
        return 0;
    }
    return -1;
}

static int parse_mul(parser *p, expr_node **out)
{
    return parse_level(p, parse_pow, mul_op, out);
}
static int parse_add(parser *p, expr_node **out)
{
    return parse_level(p, parse_mul, add_op, out);
}
static int parse_cmp(parser *p, expr_node **out)
{
    return parse_level(p, parse_add, cmp_op, out);
}

static int parse_expr(parser *p, expr_node **out)
{
    if (++p->depth > MAX_DEPTH) return perr(p, peek(p)->pos, "expression nested too deeply");
    int rc = parse_level(p, parse_cmp, logic_op, out);
    p->depth--;
    return rc;
}

int expr_parse_tree(vrv_expr *e, vrv_error *err)
{
    parser p = {0};
    p.e = e;
    p.err = err;
    int rc = expr_lex(e, &p.toks, &p.ntoks, err);
    if (rc) return rc;
    if (p.toks[0].kind == T_EOF) {
        rc = vrv_error_set(err, VRV_EINVAL, "expression '%s': empty expression", e->text);
    } else {
        rc = parse_expr(&p, &e->root);
        if (rc == 0 && peek(&p)->kind != T_EOF) rc = unexpected(&p, peek(&p));
    }
    if (rc == 0) {
        e->ninputs = p.inputs.n;
        e->inputs = vrv_arena_memdup(&e->arena, p.inputs.v, p.inputs.n * sizeof(vrv_str));
    }
    vrv_vec_free(&p.inputs);
    return rc;
}

/* ---- public entry points ---------------------------------------------------- */

int vrv_expr_parse(const char *text, size_t len, vrv_expr **out, vrv_error *err)
{
    vrv_expr *e = vrv_calloc(1, sizeof *e);
    vrv_arena_init(&e->arena, 4096);
    e->text = vrv_strndup(text, len);
    e->len = len;
    if (memchr(text, '\0', len)) {
        int rc = vrv_error_set(err, VRV_EINVAL, "expression: contains a NUL byte at %zu",
                               (size_t)((const char *)memchr(text, '\0', len) - text));
        vrv_expr_free(e);
        return rc;
    }
    int rc = expr_parse_tree(e, err);
    if (rc == 0) rc = expr_fold(e, err);
    if (rc) {
        vrv_expr_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void vrv_expr_free(vrv_expr *e)
{
    if (!e) return;
    vrv_arena_destroy(&e->arena);
    free(e->text);
    free(e);
}

const char *vrv_expr_text(const vrv_expr *e)
{
    return e->text;
}

const vrv_str *vrv_expr_inputs(const vrv_expr *e, size_t *n)
{
    *n = e->ninputs;
    return e->inputs;
}

size_t vrv_expr_ninputs(const vrv_expr *e)
{
    return e->ninputs;
}

vrv_str vrv_expr_input(const vrv_expr *e, size_t i)
{
    assert(i < e->ninputs);
    return e->inputs[i];
}

bool vrv_expr_constant(const vrv_expr *e, vrv_value *out)
{
    if (e->root->kind != EN_LIT) return false;
    if (out) *out = e->root->lit;
    return true;
}

/* ---- stringify: Druid's Expr.stringify --------------------------------------- */

static void put_quoted(vrv_buf *b, vrv_str s, char q)
{
    /* StringEscapeUtils.escapeJavaScript: quotes, backslash, '/', controls. */
    vrv_buf_putc(b, q);
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        switch (c) {
        case '\'': vrv_buf_puts(b, "\\'"); break;
        case '"': vrv_buf_puts(b, "\\\""); break;
        case '\\': vrv_buf_puts(b, "\\\\"); break;
        case '/': vrv_buf_puts(b, "\\/"); break;
        case '\b': vrv_buf_puts(b, "\\b"); break;
        case '\f': vrv_buf_puts(b, "\\f"); break;
        case '\n': vrv_buf_puts(b, "\\n"); break;
        case '\r': vrv_buf_puts(b, "\\r"); break;
        case '\t': vrv_buf_puts(b, "\\t"); break;
        default:
            if (c < 0x20) vrv_buf_printf(b, "\\u%04X", c);
            else vrv_buf_putc(b, (char)c);
        }
    }
    vrv_buf_putc(b, q);
}

static bool plain_ident(vrv_str s)
{
    if (s.n == 0) return false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        bool ok = c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return !vrv_str_eq_c(s, "null") && !vrv_str_eq_c(s, "NaN") && !vrv_str_eq_c(s, "Infinity");
}

static void put_ident(vrv_buf *b, vrv_str s)
{
    if (plain_ident(s)) vrv_buf_append(b, s.p, s.n);
    else put_quoted(b, s, '"');
}

static void put_literal(vrv_buf *b, const vrv_value *v)
{
    char tmp[VRV_NUMFMT_MAX];
    switch (v->type) {
    case VRV_V_NULL: vrv_buf_puts(b, "null"); break;
    case VRV_V_LONG: vrv_buf_append(b, tmp, vrv_fmt_long(v->u.l, tmp)); break;
    case VRV_V_DOUBLE: vrv_buf_append(b, tmp, vrv_fmt_double(v->u.d, tmp)); break;
    case VRV_V_STRING: put_quoted(b, vrv_value_str(v), '\''); break;
    case VRV_V_ARRAY: {
        expr_type at = expr_array_type(v);
        vrv_buf_puts(b, expr_type_name(at));
        if (v->len == 0) {
            vrv_buf_puts(b, "[]");
            break;
        }
        vrv_buf_putc(b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) vrv_buf_puts(b, ", ");
            put_literal(b, &v->u.a[i]);
        }
        vrv_buf_putc(b, ']');
        break;
    }
    default: vrv_buf_puts(b, "null"); break;
    }
}

static const char *binop_text[] = {
    [BOP_POW] = "^", [BOP_MUL] = "*", [BOP_DIV] = "/",  [BOP_MOD] = "%",
    [BOP_ADD] = "+", [BOP_SUB] = "-", [BOP_LT] = "<",   [BOP_LE] = "<=",
    [BOP_GT] = ">",  [BOP_GE] = ">=", [BOP_EQ] = "==",  [BOP_NE] = "!=",
};

static void stringify(const vrv_expr *e, const expr_node *n, vrv_buf *b)
{
    switch (n->kind) {
    case EN_LIT: put_literal(b, &n->lit); break;
    case EN_IDENT: put_ident(b, n->name); break;
    case EN_NEG:
    case EN_NOT:
        vrv_buf_putc(b, n->kind == EN_NEG ? '-' : '!');
        stringify(e, n->args[0], b);
        break;
    case EN_BIN:
    case EN_AND:
    case EN_OR:
        vrv_buf_putc(b, '(');
        stringify(e, n->args[0], b);
        vrv_buf_printf(b, " %s ", n->kind == EN_AND ? "&&" : n->kind == EN_OR ? "||" : binop_text[n->op]);
        stringify(e, n->args[1], b);
        vrv_buf_putc(b, ')');
        break;
    case EN_CALL:
    case EN_APPLY:
        vrv_buf_append(b, n->name.p, n->name.n);
        vrv_buf_putc(b, '(');
        if (n->kind == EN_APPLY) {
            vrv_buf_putc(b, '(');
            for (uint32_t i = 0; i < n->nparams; i++) {
                if (i) vrv_buf_puts(b, ", ");
                put_ident(b, n->pnames[i]);
            }
            vrv_buf_puts(b, ") -> ");
            stringify(e, n->body, b);
            if (n->nargs) vrv_buf_puts(b, ", ");
        }
        for (uint32_t i = 0; i < n->nargs; i++) {
            if (i) vrv_buf_puts(b, ", ");
            stringify(e, n->args[i], b);
        }
        vrv_buf_putc(b, ')');
        break;
    default: break;
    }
}

void vrv_expr_stringify(const vrv_expr *e, vrv_buf *b)
{
    stringify(e, e->root, b);
}
