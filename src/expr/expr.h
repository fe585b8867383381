/*
 * expr.h — Druid's expression language: parse, infer types, bind, evaluate.
 *
 * The language is the one of Druid's transformSpec transforms, expression
 * virtual columns, `expression` filters, aggregator `expression` inputs and
 * `expression` post-aggregators (docs/querying/math-expr.md). Values follow
 * Druid's SQL-compatible null handling: null is distinct from '', any null
 * operand of an arithmetic or comparison operator gives null, booleans are LONG
 * 1/0, `&&`/`||` use three-valued logic, long / long is integer division.
 *
 * Life cycle:
 *   vrv_expr_parse    text -> vrv_expr (immutable AST; constant sub-expressions
 *                     already folded; may be shared by threads)
 *   vrv_expr_bind     vrv_expr + a resolver (column name -> slot) -> vrv_expr_prog
 *                     (functions resolved to function pointers, constant regular
 *                     expressions compiled; used by one thread at a time)
 *   vrv_expr_eval     prog + one row of slot values -> vrv_value, no malloc:
 *                     produced strings and arrays come from the caller's arena
 *
 * Multi-value strings (a VRV_V_ARRAY slot whose column is not declared as an
 * ARRAY type) used where a scalar is expected are "auto-mapped" as Druid does:
 * the enclosing expression is evaluated once per element (per combination of
 * elements when several multi-value columns are involved) and the result is an
 * array of the results. Columns declared ARRAY<...> are never mapped.
 *
 * Evaluation errors (long division by zero, an operator applied to a type it
 * does not support, an invalid argument) fail the row: Druid throws there, which
 * makes the row a parse exception at ingestion and the query an error at query
 * time. They are reported through the return code and the vrv_error.
 */
#ifndef VRV_EXPR_H
#define VRV_EXPR_H

#include "base/arena.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/str.h"
#include "base/value.h"

typedef struct vrv_expr vrv_expr;           /* parsed expression, immutable */
typedef struct vrv_expr_prog vrv_expr_prog; /* bound expression, one thread at a time */

/* ---- parsing ------------------------------------------------------------- */

/* Parses len bytes of text. On success *out is owned by the caller (free with
 * vrv_expr_free); the text is copied. On failure err says what and where, e.g.
 * "expression 'a +': unexpected end at 3" or "expression 'foo(1)': unknown
 * function 'foo' at 0"; positions are byte offsets into the text. */
int vrv_expr_parse(const char *text, size_t len, vrv_expr **out, vrv_error *err);
void vrv_expr_free(vrv_expr *e);

/* The expression text as given to vrv_expr_parse (NUL-terminated, owned by e). */
const char *vrv_expr_text(const vrv_expr *e);

/* The distinct column names the expression reads (identifiers that are not
 * lambda parameters), in order of first appearance: *n of them. The array and
 * the slices point into e. */
const vrv_str *vrv_expr_inputs(const vrv_expr *e, size_t *n);
size_t vrv_expr_ninputs(const vrv_expr *e);
vrv_str vrv_expr_input(const vrv_expr *e, size_t i);

/* True when the whole expression folded to a constant; *out (may be NULL) then
 * receives it, pointing into e. */
bool vrv_expr_constant(const vrv_expr *e, vrv_value *out);

/* The expression in Druid's canonical text form (Expr.stringify), e.g.
 * "(a + 1)" for "a+1"; written to b. */
void vrv_expr_stringify(const vrv_expr *e, vrv_buf *b);

/* ---- types --------------------------------------------------------------- */

/* Reports the type of column `name`: returns true and sets *out when known,
 * false when the column is unknown or untyped. */
typedef bool (*vrv_expr_type_fn)(void *ctx, vrv_str name, vrv_ctype *out);

/* Infers the output type the way Druid's Expr.getOutputType does: LONG,
 * DOUBLE, STRING, ARRAY<LONG|DOUBLE|STRING> or COMPLEX<json>. FLOAT inputs count
 * as DOUBLE. Returns false when Druid would not know either (a null literal, an
 * untyped input that decides the type); fn may be NULL (nothing is known). */
bool vrv_expr_output_type(const vrv_expr *e, vrv_expr_type_fn fn, void *ctx, vrv_ctype *out);

/* The type of an expression virtual column without an outputType: the
 * inferred type, or FLOAT when nothing can be inferred, as Druid's
 * ExpressionVirtualColumn falls back. */
vrv_ctype vrv_expr_virtual_column_type(const vrv_expr *e, vrv_expr_type_fn fn, void *ctx);

/* ---- binding and evaluation ---------------------------------------------- */

typedef struct vrv_expr_binding {
    int32_t slot;   /* index into the slots array of vrv_expr_eval; -1: no such column (null) */
    vrv_ctype type; /* the column's declared type, when typed */
    bool typed;     /* false when each row's value decides (ingestion input) */
} vrv_expr_binding;

/* Resolves one column name; called once per distinct input by vrv_expr_bind.
 * Returns 0 and fills *out, or a negative code with err set (the bind fails). */
typedef int (*vrv_expr_resolve_fn)(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err);

/* Binds e. On success *out is owned by the caller (vrv_expr_prog_free); it does
 * not reference e, which may be freed first. Fails on invalid constant
 * arguments (a bad regular expression, a non-literal pattern). */
int vrv_expr_bind(const vrv_expr *e, vrv_expr_resolve_fn fn, void *ctx, vrv_expr_prog **out,
                  vrv_error *err);
void vrv_expr_prog_free(vrv_expr_prog *p);

/* Evaluates p over one row. slots[b.slot] holds each bound column's value (FLOAT
 * values are read as DOUBLE, as Druid's expressions do). *out may point into
 * slots' memory, into p (literals) or into arena; it stays valid as long as all
 * three. Returns 0, or VRV_EINVAL with err naming the expression and the cause. */
int vrv_expr_eval(vrv_expr_prog *p, const vrv_value *slots, vrv_arena *arena, vrv_value *out,
                  vrv_error *err);

/* ---- Druid value semantics, shared with filters and post-aggregators ------ */

/* Druid's truthiness: a number is true when > 0, a string when it equals
 * "true" ignoring case, a one-element array by its element; null is false. */
bool vrv_expr_truthy(const vrv_value *v);

/* The string form Druid gives a value (ExprEval.asString): longs in decimal,
 * doubles and floats as Java's Double.toString / Float.toString, one-element
 * arrays as their element, other arrays as "[a, b]". Returns false for null.
 * *out points into v or into arena. */
bool vrv_expr_to_string(const vrv_value *v, vrv_arena *arena, vrv_str *out);

/* Druid's numeric view of a value (ExprEval.asLong / asDouble with
 * isNumericNull): strings parse as longs, then doubles ("true"/"false" count as
 * 1/0); a double converts to long by truncation. Returns false when the value
 * has no numeric form (null, unparsable string, array of length != 1). */
bool vrv_expr_to_long(const vrv_value *v, int64_t *out);
bool vrv_expr_to_double(const vrv_value *v, double *out);

#endif
