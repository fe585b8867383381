/*
 * expr_int.h — what the files of the expression module share and nobody else
 * sees: the AST (expr_node, built by expr_parse.c), the bound program
 * (expr_pnode, built by expr_bind.c, run by expr_eval.c), the function table
 * entry (expr_fn, one table per expr_fn_*.c file) and the value helpers that
 * reproduce Druid's ExprEval conversions (expr_value.c).
 *
 * Internal names use the `expr_` prefix without `vrv_`: nothing here is API.
 */
#ifndef VRV_EXPR_INT_H
#define VRV_EXPR_INT_H

#include "base/arena.h"
#include "base/error.h"
#include "base/value.h"
#include "expr/expr.h"

/* ---- types used by inference and casts ----------------------------------- */

typedef enum expr_type {
    ET_UNKNOWN = 0, /* Druid's "null" type: not known */
    ET_LONG,
    ET_DOUBLE,
    ET_STRING,
    ET_ALONG,   /* ARRAY<LONG> */
    ET_ADOUBLE, /* ARRAY<DOUBLE> */
    ET_ASTRING, /* ARRAY<STRING> */
    ET_JSON,    /* COMPLEX<json> */
} expr_type;

static inline bool expr_type_is_array(expr_type t)
{
    return t == ET_ALONG || t == ET_ADOUBLE || t == ET_ASTRING;
}
static inline bool expr_type_is_numeric(expr_type t)
{
    return t == ET_LONG || t == ET_DOUBLE;
}
expr_type expr_type_elem(expr_type t);     /* ARRAY<X> -> X, else t */
expr_type expr_type_array_of(expr_type t); /* X -> ARRAY<X>; arrays stay */
expr_type expr_type_from_ctype(vrv_ctype c);
bool expr_type_to_ctype(expr_type t, vrv_ctype *out);
/* Parses "LONG", "double", "ARRAY<STRING>", ... (case-insensitive); FLOAT is DOUBLE. */
bool expr_type_parse(vrv_str s, expr_type *out);
const char *expr_type_name(expr_type t);

/* Druid's ExpressionTypeConversion.operator / function / numeric. */
expr_type expr_type_operator(expr_type a, expr_type b);
expr_type expr_type_function(expr_type a, expr_type b);
expr_type expr_type_numeric(expr_type a, expr_type b);

/* ---- AST ------------------------------------------------------------------ */

enum expr_kind {
    EN_LIT,   /* lit */
    EN_IDENT, /* name; param >= 0 for a lambda parameter, else input index */
    EN_NEG,   /* -args[0] */
    EN_NOT,   /* !args[0] */
    EN_BIN,   /* args[0] op args[1] */
    EN_AND,   /* args[0] && args[1] */
    EN_OR,    /* args[0] || args[1] */
    EN_CALL,  /* fn(args) */
    EN_APPLY, /* fn((params) -> body, args) */
};

enum expr_binop {
    BOP_POW,
    BOP_MUL,
    BOP_DIV,
    BOP_MOD,
    BOP_ADD,
    BOP_SUB,
    BOP_LT,
    BOP_LE,
    BOP_GT,
    BOP_GE,
    BOP_EQ,
    BOP_NE,
};

typedef struct expr_fn expr_fn;
typedef struct expr_node expr_node;

struct expr_node {
    uint8_t kind;      /* enum expr_kind */
    uint8_t op;        /* EN_BIN: enum expr_binop */
    bool big;          /* EN_LIT: the literal 9223372036854775808, legal only negated */
    uint16_t height;   /* 1 + the tallest child: bounds every recursion over the tree */
    uint32_t pos;      /* byte offset of the node's first token, for messages */
    vrv_value lit;     /* EN_LIT; strings and arrays live in the expr's arena */
    vrv_str name;      /* EN_IDENT: unquoted name; EN_CALL/EN_APPLY: name as written */
    int32_t param;     /* EN_IDENT: lambda parameter id, or -1 for a column */
    int32_t input;     /* EN_IDENT column: index into vrv_expr.inputs */
    const expr_fn *fn; /* EN_CALL, EN_APPLY */
    expr_node **args;
    uint32_t nargs;
    int32_t *params;   /* EN_APPLY: the lambda's parameter ids */
    vrv_str *pnames;   /* EN_APPLY: and their names */
    uint32_t nparams;
    expr_node *body;   /* EN_APPLY: the lambda's body */
};

struct vrv_expr {
    char *text;       /* NUL-terminated copy of the source */
    size_t len;
    vrv_arena arena;  /* every node, literal and name */
    expr_node *root;
    vrv_str *inputs;  /* distinct column names in order of appearance */
    size_t ninputs;
    uint32_t nparams; /* lambda parameters in the whole expression */
};

/* Parses without folding into e (text already set); expr_parse.c. */
int expr_parse_tree(vrv_expr *e, vrv_error *err);
/* Replaces constant sub-trees by literals; expr_bind.c. */
int expr_fold(vrv_expr *e, vrv_error *err);
/* Deep-copies a value's strings and arrays into a. */
vrv_value expr_value_copy(vrv_arena *a, const vrv_value *v);

/* ---- bound program -------------------------------------------------------- */

typedef struct expr_pnode expr_pnode;
typedef struct expr_eval expr_eval;
typedef vrv_value (*expr_eval_fn)(const expr_pnode *n, expr_eval *c);

struct expr_pnode {
    expr_eval_fn eval;
    int32_t slot;           /* identifiers: index into the (working) slots, -1 null */
    uint8_t op;             /* EN_BIN operator */
    bool slot_array;        /* identifier of a column declared ARRAY<...> */
    vrv_value lit;          /* literals */
    expr_pnode **args;
    uint32_t nargs;
    void *state;            /* per-function state made by expr_fn.prepare */
    const expr_node *src;   /* the AST node, for messages */
    const expr_fn *fn;
    int32_t *mslots;        /* map scope: slots to auto-map when multi-valued */
    uint32_t nmslots;
    expr_pnode *body;       /* apply: lambda body */
    int32_t *pslots;        /* apply: lambda parameter slots */
    uint32_t npslots;
};

typedef struct expr_cleanup {
    void (*fn)(void *);
    void *p;
    struct expr_cleanup *next;
} expr_cleanup;

struct vrv_expr_prog {
    vrv_arena arena;        /* nodes, literals, names, function state */
    expr_pnode *root;
    const char *text;       /* copy of the source, for messages */
    uint32_t nslots;        /* caller slots read: highest slot + 1 */
    uint32_t nwork;         /* nslots + lambda parameter slots */
    expr_cleanup *cleanups; /* destructors of function state (compiled regexes) */
    vrv_buf scratch[4];     /* reusable buffers for functions that build text: after the
                               first rows they need no malloc */
    uint8_t scratch_used;
};

/* Bounds on what one evaluation may produce, so a hostile expression cannot
 * exhaust memory: beyond them the row fails with a clear error. */
#define EXPR_MAX_STRING (1u << 24)              /* bytes in one produced string (16 MiB) */
#define EXPR_MAX_ARRAY (1u << 20)               /* elements in one produced array */
#define EXPR_MAX_EVAL_BYTES ((size_t)256 << 20) /* arena bytes one evaluation may take */

struct expr_eval {
    const vrv_value *slots; /* the row (or a working copy holding lambda/mapped values) */
    uint32_t slots_len;     /* entries readable in slots: prog->nslots or prog->nwork */
    vrv_arena *arena;       /* produced strings and arrays */
    vrv_expr_prog *prog;
    vrv_error *err;
    int status;             /* 0, or the first error's code */
    size_t arena_base;      /* arena->total when the evaluation started */
};

/* True (and the evaluation failed) once the evaluation has taken more than
 * EXPR_MAX_EVAL_BYTES of arena memory; loops check it every iteration. */
bool expr_over_budget(expr_eval *c);
/* Fails the evaluation when a produced string would exceed EXPR_MAX_STRING. */
bool expr_too_long(expr_eval *c, size_t bytes);

/* Marks the evaluation failed (the first failure wins) with a message that
 * names the expression; returns null so callers can `return expr_fail(...)`. */
vrv_value expr_fail(expr_eval *c, const char *fmt, ...) VRV_PRINTF(2, 3);

static inline vrv_value expr_ev(const expr_pnode *n, expr_eval *c)
{
    return n->eval(n, c);
}
#define EV(i) expr_ev(n->args[i], c)

/* Takes a free scratch buffer of the program, emptied; give it back with
 * expr_scratch_release, last taken first released. Functions take them only
 * after evaluating their arguments, so nested calls never overlap. */
vrv_buf *expr_scratch(expr_eval *c);
void expr_scratch_release(expr_eval *c, vrv_buf *b);

/* Registers a destructor run by vrv_expr_prog_free. */
void expr_prog_on_free(vrv_expr_prog *p, void (*fn)(void *), void *ptr);

/* ---- functions ------------------------------------------------------------ */

typedef struct expr_bind expr_bind;

enum {
    FN_ARRAY_ARGS = 1 << 0, /* array_args is a bit set of array-taking argument positions */
    FN_ALL_ARRAY = 1 << 1,  /* every argument takes an array */
    FN_APPLY = 1 << 2,      /* first argument is a lambda */
    FN_NO_FOLD = 1 << 3,    /* never fold, even with constant arguments */
};

struct expr_fn {
    const char *name;  /* lower case; lookup ignores case */
    int8_t min, max;   /* argument counts; max -1: unbounded */
    uint8_t flags;
    uint32_t array_args; /* with FN_ARRAY_ARGS: bit i set when argument i takes an array */
    expr_eval_fn eval;   /* evaluates its own arguments (lazily where Druid does) */
    /* Optional: validates constant arguments and builds n->state at bind. */
    int (*prepare)(expr_pnode *n, expr_bind *b, vrv_error *err);
    /* Output type given the argument types; NULL means ET_UNKNOWN. */
    expr_type (*type)(const expr_node *n, const expr_type *args);
    /* Optional extra arity/argument check at parse time (e.g. case_* counts). */
    const char *(*check)(const expr_node *n);
};

/* Looks a function up by name, ignoring case; NULL when unknown. */
const expr_fn *expr_fn_find(vrv_str name);

/* Function tables, each terminated by an entry with name NULL. */
extern const expr_fn expr_fns_general[];
extern const expr_fn expr_fns_math[];
extern const expr_fn expr_fns_string[];
extern const expr_fn expr_fns_array[];
extern const expr_fn expr_fns_time[];
extern const expr_fn expr_fns_other[];

/* What prepare functions may use. */
struct expr_bind {
    vrv_expr_prog *prog;
    const vrv_expr *expr;
};
/* Fails a bind with "expression '<text>': <msg> at <pos>". */
int expr_bind_fail(expr_bind *b, const expr_pnode *n, vrv_error *err, const char *fmt, ...)
    VRV_PRINTF(4, 5);
/* True when argument i is a literal (after folding); *v receives it. */
bool expr_arg_literal(const expr_pnode *n, uint32_t i, vrv_value *v);

/* Common type functions. */
expr_type expr_ty_long(const expr_node *n, const expr_type *a);
expr_type expr_ty_double(const expr_node *n, const expr_type *a);
expr_type expr_ty_string(const expr_node *n, const expr_type *a);
expr_type expr_ty_arg0(const expr_node *n, const expr_type *a);
expr_type expr_ty_astring(const expr_node *n, const expr_type *a);

/* ---- value helpers (expr_value.c): Druid's ExprEval rules ---------------- */

/* Normalised run-time type: FLOAT counts as DOUBLE, JSON and COMPLEX as complex. */
enum { VT_NULL, VT_LONG, VT_DOUBLE, VT_STRING, VT_ARRAY, VT_COMPLEX };
static inline int expr_vt(const vrv_value *v)
{
    switch (v->type) {
    case VRV_V_NULL: return VT_NULL;
    case VRV_V_LONG: return VT_LONG;
    case VRV_V_DOUBLE:
    case VRV_V_FLOAT: return VT_DOUBLE;
    case VRV_V_STRING: return VT_STRING;
    case VRV_V_ARRAY: return VT_ARRAY;
    default: return VT_COMPLEX;
    }
}

static inline vrv_value expr_bool(bool b)
{
    return vrv_long(b ? 1 : 0);
}

/* Reads a value as a double (FLOAT widened). Only for numeric values. */
static inline double expr_num_d(const vrv_value *v)
{
    return v->type == VRV_V_LONG ? (double)v->u.l : v->type == VRV_V_FLOAT ? (double)v->u.f : v->u.d;
}

/* Java's (long) cast of a double: NaN -> 0, saturating. */
int64_t expr_d2l(double d);

/* ExprEval.computeNumber over a string: "true" -> 1.0, "false" -> 0.0, a long,
 * else a double. Returns false when unparsable. *out is LONG or DOUBLE. */
bool expr_parse_number(vrv_str s, vrv_value *out);

/* ExprEval.isNumericNull == false: fills *out (LONG or DOUBLE) with the numeric
 * form of v. */
bool expr_numeric(const vrv_value *v, vrv_value *out);

/* ExprEval.asString; false for null. */
bool expr_as_str(const vrv_value *v, vrv_arena *a, vrv_str *out);
/* Like expr_as_str but yields a vrv_value (STRING or null), reusing v when it is
 * already a string. */
vrv_value expr_str_value(const vrv_value *v, vrv_arena *a);

/* ExprEval.asInt: the numeric value as a Java int (0 when numeric-null). */
int32_t expr_as_int(const vrv_value *v);

/* Array element type: from the value's flags, else detected from the elements
 * the way ExprEval.coerceListToArray does (longs -> LONG, any double -> DOUBLE,
 * anything else -> STRING); an empty untyped array is ARRAY<STRING>. */
expr_type expr_array_type(const vrv_value *v);
/* Makes a value's array type explicit (flags = element vtype). */
static inline vrv_value expr_array_tagged(const vrv_value *elems, size_t n, expr_type at)
{
    vrv_value v = vrv_array(elems, n);
    v.flags = at == ET_ALONG ? VRV_V_LONG : at == ET_ADOUBLE ? VRV_V_DOUBLE : VRV_V_STRING;
    return v;
}
/* The run-time expr_type of a value (arrays by expr_array_type). */
expr_type expr_value_type(const vrv_value *v);

/* ExprEval.asArray: arrays as they are, a scalar as a one-element array, null
 * as NULL (returns false). */
bool expr_as_array(const vrv_value *v, vrv_arena *a, const vrv_value **elems, size_t *n);

/* ExprEval.castTo(type). Returns false when Druid throws "invalid cast"
 * (e.g. a multi-element array to a scalar); *out otherwise. */
bool expr_cast(const vrv_value *v, expr_type to, vrv_arena *a, vrv_value *out);

/* Element equality as Objects.equals on ExprEval values of the same type. */
bool expr_elem_equal(const vrv_value *a, const vrv_value *b);

/* Java String.compareTo on UTF-8 text: UTF-16 code unit order. */
int expr_java_strcmp(vrv_str a, vrv_str b);

/* ---- Java string helpers (UTF-16 indexing over UTF-8) -------------------- */

/* Length in UTF-16 code units (String.length()). Invalid bytes count as one. */
size_t expr_utf16_len(const char *s, size_t n);
/* The substring [begin, end) in UTF-16 units (0 <= begin <= end <= length);
 * a split surrogate pair becomes '?', as Java's UTF-8 encoder writes it. */
vrv_str expr_utf16_sub(const char *s, size_t n, size_t begin, size_t end, vrv_arena *a);
/* Decodes one code point at s[*i] (advancing *i); invalid bytes decode to
 * themselves (0x80..0xFF) one at a time. */
uint32_t expr_utf8_next(const char *s, size_t n, size_t *i);
/* Appends code point cp as UTF-8 to out, returns bytes written (1..4). */
size_t expr_utf8_put(uint32_t cp, char *out);

/* ---- decimal digits (expr_dec.c): Java's BigDecimal.valueOf(double) view ---- */

/* value = (neg ? -1 : 1) * d[0..nd) as an integer * 10^exp; d has no leading
 * zeros (nd == 0 means zero). */
typedef struct expr_dec {
    bool neg;
    int nd;
    int exp;
    char d[24];
} expr_dec;

/* The digits of Double.toString(x) (shortest round-trip); x must be finite. */
void expr_dec_from_double(double x, expr_dec *out);
/* setScale(scale, RoundingMode.HALF_UP): keeps `scale` fraction digits (negative
 * scale rounds left of the point). */
void expr_dec_round(expr_dec *d, int scale);
/* The nearest double (BigDecimal.doubleValue). */
double expr_dec_to_double(const expr_dec *d);
/* Appends plain notation with exactly `frac` fraction digits (no point when
 * frac is 0), after rounding to frac places. */
void expr_dec_put_fixed(expr_dec d, int frac, vrv_buf *b);

/* Unicode simple case mapping of one code point (Character.toUpperCase /
 * toLowerCase). */
uint32_t expr_case_map(uint32_t cp, bool upper);

/* Unicode lower-casing (String.toLowerCase); returns s itself when unchanged. */
vrv_str expr_lower(vrv_str s, vrv_arena *a);

/* Copies a value into the arena as a string slice. */
static inline vrv_value expr_str_dup(vrv_arena *a, const char *s, size_t n)
{
    return vrv_string(n ? vrv_arena_memdup(a, s, n) : "", n);
}

#endif
