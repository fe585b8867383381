/*
 * sql_int.h — the pieces of the SQL module its files share: tokens, the
 * syntax tree, SQL types, resolved expressions (rex), analysed SELECT
 * blocks, the statement context and the planner's output. Nothing here is
 * public; sql.h is the module's interface.
 *
 * Memory: everything a statement builds (tokens, trees, rex, names) comes
 * from the statement's arena and dies with it; only native query JSON
 * (jansson, reference counted) and result sets are heap objects.
 */
#ifndef VRV_SQL_INT_H
#define VRV_SQL_INT_H

#include <jansson.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/granularity.h"
#include "base/tz.h"
#include "base/vec.h"
#include "sql/sql.h"

/* ---- positions and tokens ------------------------------------------------- */

typedef struct sql_pos {
    int line, col;         /* 1-based, of the first character */
    int end_line, end_col; /* of the last character */
} sql_pos;

typedef enum sql_tk {
    TK_EOF = 0,
    TK_WORD,   /* an unquoted identifier or keyword */
    TK_QIDENT, /* "quoted identifier" */
    TK_STRING, /* 'string literal' (val is the decoded text) */
    TK_INT,    /* 123 */
    TK_DEC,    /* 1.5 */
    TK_APPROX, /* 1.5e3 */
    TK_PARAM,  /* ? */
    TK_OP,     /* punctuation and operators */
} sql_tk;

typedef struct sql_token {
    sql_tk kind;
    const char *text; /* the source text (not NUL-terminated) */
    size_t len;
    const char *val;  /* TK_QIDENT, TK_STRING: decoded, NUL-terminated (arena) */
    size_t vlen;
    sql_pos pos;
} sql_token;

/* ---- SQL types -------------------------------------------------------------- */

typedef enum sql_tid {
    ST_NULL = 0, /* the type of a NULL literal: unknown */
    ST_BOOLEAN,
    ST_INTEGER,
    ST_BIGINT,
    ST_DECIMAL,
    ST_FLOAT,
    ST_REAL,
    ST_DOUBLE,
    ST_CHAR,
    ST_VARCHAR,
    ST_TIMESTAMP,
    ST_DATE,
    ST_INTERVAL_DT, /* day-time interval (milliseconds) */
    ST_INTERVAL_YM, /* year-month interval (months) */
    ST_ARRAY,
    ST_OTHER,       /* a complex column: COMPLEX<name> */
} sql_tid;

typedef struct sql_type {
    uint8_t id;        /* sql_tid */
    uint8_t elem;      /* ST_ARRAY: the element's sql_tid */
    bool nullable;
    const char *complex; /* ST_OTHER: "hyperUnique", ... (static or arena) */
} sql_type;

sql_type sql_type_make(sql_tid id, bool nullable);
bool sql_type_is_numeric(sql_type t);  /* integer, decimal and approximate */
bool sql_type_is_integer(sql_type t);  /* INTEGER, BIGINT */
bool sql_type_is_string(sql_type t);   /* CHAR, VARCHAR */
bool sql_type_is_time(sql_type t);     /* TIMESTAMP, DATE */
/* The SQL type name Druid's headers and INFORMATION_SCHEMA use. */
const char *sql_type_name(sql_type t);
/* The Druid (native) type name: "LONG", "DOUBLE", "FLOAT", "STRING",
 * "ARRAY<STRING>", "COMPLEX<x>"; NULL for ST_NULL. */
const char *sql_type_native(sql_type t, vrv_arena *a);
/* The SQL type of a native column type. */
sql_type sql_type_from_native(const char *native, bool is_time, vrv_arena *a);
/* The type of a binary arithmetic result, and the common type of two
 * branches (CASE, COALESCE, UNION). */
sql_type sql_type_arith(sql_type a, sql_type b);
sql_type sql_type_common(sql_type a, sql_type b);

/* ---- syntax tree ----------------------------------------------------------- */

typedef enum sql_ast_kind {
    A_NUM = 0,  /* s: the literal's text; flag: 0 int, 1 decimal, 2 approx */
    A_STR,      /* s: decoded text */
    A_BOOL,     /* flag: 1 true, 0 false */
    A_NULL,
    A_TYPED_LIT, /* TIMESTAMP '...' / DATE '...': s text, unit "TIMESTAMP"/"DATE" */
    A_INTERVAL,  /* INTERVAL 'n' unit [TO unit2]: s text, unit, unit2, flag sign (-1 or 1) */
    A_PARAM,     /* ?: flag = 0-based index */
    A_IDENT,     /* names[0..nnames) */
    A_STAR,      /* * or t.*: names (qualifier) */
    A_OP,        /* op, args (1 or 2) */
    A_CALL,      /* s: function name (as written); args; distinct; star (COUNT(*));
                  * filter (FILTER (WHERE ...)); over (window: rejected) */
    A_CASE,      /* operand (may be NULL), args: when,then pairs; els */
    A_CAST,      /* args[0]; type */
    A_EXTRACT,   /* unit; args[0] */
    A_FLOOR_TO,  /* FLOOR(x TO unit) / CEIL(x TO unit): flag 0 floor, 1 ceil; unit; args[0] */
    A_BETWEEN,   /* args[0..3): x, lo, hi; not */
    A_IN_LIST,   /* args[0] x, args[1..]: values; not */
    A_IN_QUERY,  /* args[0] x; query; not */
    A_LIKE,      /* args: x, pattern[, escape]; not */
    A_IS,        /* args[0]; unit: "NULL", "TRUE", "FALSE", "UNKNOWN", "DISTINCT"(args[1]); not */
    A_SUBQUERY,  /* query: a scalar subquery */
    A_EXISTS,    /* query */
    A_TRIM,      /* unit: BOTH/LEADING/TRAILING; args: x[, chars] */
    A_POSITION,  /* args: needle, haystack[, from] */
    A_SUBSTRING, /* args: x, from[, for] */
    A_TSADD,     /* TIMESTAMPADD(unit, n, t): unit; args */
    A_TSDIFF,    /* TIMESTAMPDIFF(unit, a, b): unit; args */
    A_ARRAY,     /* ARRAY[...]: args */
} sql_ast_kind;

typedef enum sql_op {
    OP_NONE = 0,
    OP_OR,
    OP_AND,
    OP_NOT,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_CONCAT,
    OP_NEG,
    OP_POS,
} sql_op;

typedef struct sql_query sql_query;
typedef struct sql_ast sql_ast;

typedef struct sql_typespec {
    const char *name; /* upper-case base name: "BIGINT", "VARCHAR", "TIMESTAMP", ... */
    bool array;       /* <type> ARRAY */
} sql_typespec;

struct sql_ast {
    uint8_t kind;   /* sql_ast_kind */
    uint8_t op;     /* sql_op for A_OP */
    bool distinct;  /* A_CALL */
    bool star;      /* A_CALL: COUNT(*) */
    bool not_;      /* A_BETWEEN, A_IN_*, A_LIKE, A_IS */
    int flag;
    sql_pos pos;
    const char *s;  /* literal text, function name */
    const char *unit, *unit2;
    const char **names;
    size_t nnames;
    sql_ast **args;
    size_t nargs;
    sql_ast *operand, *els, *filter;
    sql_typespec type;
    sql_query *query;
};

typedef struct sql_item {
    sql_ast *expr;      /* A_STAR for * and t.* */
    const char *alias;  /* NULL when none */
    sql_pos pos;
} sql_item;

typedef struct sql_order {
    sql_ast *expr;
    bool desc;
    int nulls;          /* 0 default, 1 NULLS FIRST, 2 NULLS LAST */
} sql_order;

typedef enum sql_from_kind {
    F_TABLE = 0,  /* schema (may be NULL), name */
    F_SUBQUERY,   /* query */
    F_JOIN,       /* left, right, join_type, on */
    F_VALUES,     /* query of kind Q_VALUES */
} sql_from_kind;

typedef enum sql_join_type { J_INNER = 0, J_LEFT, J_RIGHT, J_FULL, J_CROSS } sql_join_type;

typedef struct sql_from {
    sql_from_kind kind;
    const char *schema, *name;
    sql_query *query;
    struct sql_from *left, *right;
    sql_join_type join_type;
    sql_ast *on;
    const char *alias;
    const char **col_aliases; /* AS t(a, b) */
    size_t ncol_aliases;
    sql_pos pos;
} sql_from;

typedef struct sql_select {
    bool distinct;
    sql_item *items;
    size_t nitems;
    sql_from *from;    /* NULL: SELECT without FROM */
    sql_ast *where;
    sql_ast **group;
    size_t ngroup;
    bool group_present; /* GROUP BY given (possibly GROUP BY ()) */
    /* GROUPING SETS, ROLLUP, CUBE: the grouping sets after expansion, each a
     * list of indexes into group[] (gset_len[i] of them); ngsets is 0 for a
     * plain GROUP BY list. */
    size_t **gsets;
    size_t *gset_len;
    size_t ngsets;
    sql_ast *having;
    sql_pos pos;
} sql_select;

typedef enum sql_query_kind { Q_SELECT = 0, Q_UNION, Q_VALUES } sql_query_kind;

typedef struct sql_cte {
    const char *name;
    sql_query *query;
} sql_cte;

struct sql_query {
    sql_query_kind kind;
    sql_select *sel;          /* Q_SELECT */
    sql_query *left, *right;  /* Q_UNION (ALL only) */
    sql_ast ***rows;          /* Q_VALUES: rows of nrowvals expressions */
    size_t nrows, nrowvals;
    sql_order *order;
    size_t norder;
    sql_ast *limit, *offset;  /* NULL when absent */
    sql_cte *ctes;            /* WITH ... */
    size_t nctes;
    sql_pos pos;
};

typedef struct sql_set {
    const char *key;
    sql_ast *value; /* a literal */
} sql_set;

typedef struct sql_stmt {
    bool explain;
    sql_query *query;
    sql_set *sets;
    size_t nsets;
    size_t nparams; /* ? placeholders seen */
} sql_stmt;

/* ---- errors ------------------------------------------------------------------ */

/* Fills a vrv_sql_error; returns VRV_EINVAL (or the code given). */
int sql_fail(vrv_sql_error *e, vrv_sql_errkind kind, const sql_pos *pos, const char *fmt, ...)
    VRV_PRINTF(4, 5);

/* ---- lexer and parser -------------------------------------------------------- */

int sql_lex(vrv_arena *a, const char *s, size_t n, sql_token **out, size_t *ntok,
            vrv_sql_error *err);
int sql_parse(vrv_arena *a, const char *s, size_t n, sql_stmt **out, vrv_sql_error *err);
/* Whether w (case-insensitive) is a reserved word of Calcite's parser. */
bool sql_reserved(const char *w, size_t n);

/* ---- resolved expressions (rex) ------------------------------------------- */

typedef enum rex_kind {
    RX_LIT = 0, /* lit (strings in the arena) */
    RX_COL,     /* index: a physical column of the block's source */
    RX_KEY,     /* index: a group key (after aggregation) */
    RX_AGG,     /* index: an aggregate (after aggregation) */
    RX_CALL,    /* fn + args */
} rex_kind;

/* Functions and operators of resolved expressions. The planner turns each
 * into a native expression or filter. */
typedef enum rex_fn {
    FN_NONE = 0,
    FN_AND,
    FN_OR,
    FN_NOT,
    FN_EQ,
    FN_NE,
    FN_LT,
    FN_LE,
    FN_GT,
    FN_GE,
    FN_ADD,
    FN_SUB,
    FN_MUL,
    FN_DIV,
    FN_MOD,
    FN_NEG,
    FN_IS_NULL,
    FN_IS_NOT_NULL,
    FN_IS_TRUE,
    FN_IS_FALSE,
    FN_IS_NOT_TRUE,
    FN_IS_NOT_FALSE,
    FN_IS_NOT_DISTINCT, /* a IS NOT DISTINCT FROM b */
    FN_IS_DISTINCT,
    FN_LIKE,           /* x, pattern literal[, escape literal] */
    FN_IN,             /* x, literals... */
    FN_CASE,           /* when, then, ..., else */
    FN_CAST,           /* x (the target is the rex's type) */
    FN_NATIVE,         /* name: a native function called as is */
    FN_TIME_FLOOR,     /* t, period lit, origin (lit or null), tz lit */
    FN_TIME_CEIL,
    FN_TIME_SHIFT,     /* t, period lit, step, tz lit */
    FN_TIME_EXTRACT,   /* t, unit lit, tz lit */
    FN_TIME_FORMAT,    /* t, pattern lit, tz lit */
    FN_TIME_PARSE,     /* s, pattern (lit or null), tz lit */
    FN_TIME_IN_INTERVAL, /* t, interval literal (start, end in lit2) */
    FN_SCALAR_SUBQUERY,  /* never planned: substituted before */
    FN_SKETCH,           /* name: a sketch function (HLL_SKETCH_ESTIMATE, ...) over
                          * sketch aggregates; planned as a post-aggregator */
} rex_fn;

typedef struct rex rex;
struct rex {
    uint8_t kind;   /* rex_kind */
    uint8_t fn;     /* rex_fn for RX_CALL */
    sql_type type;
    int index;      /* RX_COL, RX_KEY, RX_AGG */
    vrv_value lit;  /* RX_LIT */
    const char *name; /* FN_NATIVE: the native function */
    rex **args;
    uint32_t nargs;
    sql_pos pos;
};

/* ---- sources and blocks ------------------------------------------------------ */

/* A column a FROM clause offers. Physical columns have a native name; a
 * column of a merged subquery is an expression over the physical ones. */
typedef struct sql_col {
    const char *name;   /* as SQL sees it */
    const char *table;  /* the alias or table name that qualifies it (may be NULL) */
    const char *native; /* physical: the native column name */
    sql_type type;
    rex *expr;          /* computed: over the source's physical columns */
} sql_col;

typedef struct sql_sig {
    sql_col *v;
    size_t n, cap;
} sql_sig;

/* Where a block's rows come from. */
typedef struct sql_source {
    json_t *ds;          /* native dataSource (owned reference) */
    sql_sig phys;        /* the physical columns (RX_COL indexes into it) */
    bool table_time;     /* __time is a real table time: bounds go to intervals */
    const char *table;   /* the table name when ds is one table (RESOURCES) */
} sql_source;

typedef enum sql_agg_fn {
    AGG_COUNT = 0, /* args empty (COUNT(*)) or one */
    AGG_SUM,
    AGG_MIN,
    AGG_MAX,
    AGG_AVG,
    AGG_COUNT_DISTINCT, /* approximate unless asked otherwise */
    AGG_APPROX_DISTINCT,
    AGG_DS_HLL,         /* APPROX_COUNT_DISTINCT_DS_HLL(x[, lgK[, tgt]]) */
    AGG_DS_THETA,       /* APPROX_COUNT_DISTINCT_DS_THETA(x[, size]) */
    AGG_QUANTILE_DS,    /* APPROX_QUANTILE_DS(x, fraction[, k]) */
    AGG_EARLIEST,       /* x[, maxBytes] */
    AGG_LATEST,
    AGG_EARLIEST_BY,    /* x, t[, maxBytes] */
    AGG_LATEST_BY,
    AGG_ANY_VALUE,      /* x[, maxBytes] */
    AGG_GROUPING,       /* GROUPING(k, ...): args are RX_KEY references */
    AGG_SK_HLL,         /* DS_HLL(x[, lgK[, tgtHllType]]): the sketch itself */
    AGG_SK_THETA,       /* DS_THETA(x[, size]) */
    AGG_SK_QUANTILES,   /* DS_QUANTILES_SKETCH(x[, k]) */
    AGG_STRING_AGG,     /* STRING_AGG(x, sep[, maxBytes]), LISTAGG(x[, sep[, maxBytes]]) */
    AGG_ARRAY_AGG,      /* ARRAY_AGG(x[, maxBytes]) */
    AGG_BIT_AND,        /* BIT_AND(x) */
    AGG_BIT_OR,
    AGG_BIT_XOR,
} sql_agg_fn;

typedef struct sql_agg {
    sql_agg_fn fn;
    rex **args;
    size_t nargs;
    rex *filter;     /* FILTER (WHERE ...), NULL when none */
    bool distinct;   /* STRING_AGG / ARRAY_AGG (DISTINCT x) */
    sql_type type;
    sql_pos pos;
} sql_agg;

typedef struct sql_sortkey {
    rex *e;          /* over keys/aggs (aggregating) or the source (scan) */
    bool desc;
} sql_sortkey;

/* One analysed SELECT: source -> where -> [aggregate -> having] -> project
 * -> sort/limit. */
typedef struct sql_block {
    sql_source src;
    rex *where;            /* NULL: none */
    bool aggregate;
    rex **keys;
    size_t nkeys;
    /* GROUPING SETS, ROLLUP, CUBE: the sets of key indexes (each ascending),
     * in Calcite's order (a set before the sets it contains, then by the
     * lowest differing key); nsets 0 for a plain GROUP BY */
    size_t **sets;
    size_t *set_len;
    size_t nsets;
    sql_agg *aggs;
    size_t naggs, cap_aggs;
    rex *having;
    rex **out;             /* the SELECT list */
    const char **names;    /* their output names */
    size_t nout;
    sql_sortkey *sort;
    size_t nsort;
    int64_t limit;         /* -1: none */
    int64_t offset;
} sql_block;

/* ---- the statement context ---------------------------------------------------- */

typedef struct sql_table_cache {
    const char *name;
    sql_sig sig;
} sql_table_cache;

typedef struct sql_ctx {
    const vrv_sql_env *env;
    vrv_arena *arena;
    vrv_sql_error *err;
    json_t *context;        /* the effective query context (owned) */
    const json_t *params;   /* borrowed */
    const vrv_tz *tz;       /* sqlTimeZone */
    vrv_ms now;             /* CURRENT_TIMESTAMP */
    bool approx_distinct;   /* useApproximateCountDistinct */
    bool approx_topn;       /* useApproximateTopN */
    bool stringify_arrays;  /* sqlStringifyArrays */
    bool time_boundary;     /* enableTimeBoundaryPlanning */
    int64_t max_topn;       /* maxTopNLimit */
    char query_id[64];
    json_t *datasources;    /* cached list (owned) */
    VRV_VEC(sql_table_cache) tables;
    VRV_VEC(const char *) resources; /* tables read, for EXPLAIN */
    VRV_VEC(sql_cte) ctes;  /* WITH names in scope, innermost last */
    int depth;              /* nesting, bounded */
} sql_ctx;

#define SQL_MAX_DEPTH 32

/* ---- analysis (sql_analyze.c) ------------------------------------------------ */

/* Analyses a SELECT (or VALUES) query into a block. Subqueries that cannot
 * be merged are planned into query datasources; IN (subquery) and scalar
 * subqueries are run and replaced by their values. */
int sql_analyze(sql_ctx *c, const sql_query *q, sql_block *out);

/* rex helpers */
rex *rex_lit(sql_ctx *c, vrv_value v, sql_type t, sql_pos pos);
rex *rex_call(sql_ctx *c, rex_fn fn, sql_type t, rex **args, size_t n, sql_pos pos);
bool rex_equal(const rex *a, const rex *b);
bool rex_is_lit(const rex *r);
bool rex_is_null_lit(const rex *r);

/* ---- planning (sql_plan.c) --------------------------------------------------- */

/* Where each output column of a plan is found in a native result row. */
typedef enum sql_field_kind {
    SF_FIELD = 0, /* a named field (event, result, scan column) */
    SF_TIMESTAMP, /* the row's timestamp (timeseries time bucket) */
} sql_field_kind;

typedef struct sql_field {
    sql_field_kind kind;
    const char *native; /* the native output name */
    const char *name;   /* the SQL output name */
    sql_type type;
} sql_field;

typedef enum sql_qtype {
    SQ_TIMESERIES = 0,
    SQ_TOPN,
    SQ_GROUPBY,
    SQ_SCAN,
    SQ_TIME_BOUNDARY,
} sql_qtype;

typedef struct sql_sort_field {
    size_t field;       /* index into fields */
    bool desc;
} sql_sort_field;

typedef struct sql_plan {
    json_t *query;      /* the native query (owned) */
    sql_qtype qtype;
    sql_field *fields;  /* one per SQL output column, then hidden sort columns */
    size_t nfields;
    size_t nvisible;    /* the SQL output columns: fields[0..nvisible) */
    /* A scan of an inline table (metadata tables, VALUES, materialised
     * subqueries) may order by any column, as Druid's Bindable engine runs
     * those: the rows are sorted here, then offset and limit applied. */
    bool local_sort;
    sql_sort_field *sort;
    size_t nsort;
    int64_t limit, offset;
} sql_plan;

/* Plans a block into one native query. */
int sql_plan_block(sql_ctx *c, const sql_block *b, sql_plan *out);
void sql_plan_clear(sql_plan *p);

/* Native expression text of a rex (names: RX_COL -> physical native name;
 * RX_KEY / RX_AGG through the callback). */
typedef const char *(*sql_name_fn)(void *ud, const rex *r);
int sql_native_expr(sql_ctx *c, const rex *r, const sql_source *src, sql_name_fn names, void *ud,
                    vrv_buf *out);

/* ---- execution (sql_exec.c) --------------------------------------------------- */

/* A result set under construction (the public vrv_sql_result). */
struct vrv_sql_result {
    vrv_arena arena;
    size_t ncols;
    const char **names;
    const char **druid_types;
    const char **sql_types;
    sql_type *types;
    VRV_VEC(vrv_value) vals; /* nrows * ncols */
    size_t nrows;
    char query_id[64];
};

vrv_sql_result *sql_result_new(size_t ncols);
/* Runs a query (SELECT, UNION ALL, VALUES) into a new result set. */
int sql_run_query(sql_ctx *c, const sql_query *q, vrv_sql_result **out);
/* Runs a planned native query and appends its rows, coerced, to r. */
int sql_run_plan(sql_ctx *c, const sql_plan *p, vrv_sql_result *r);
/* Coerces a value to an SQL type as Druid's SqlResults.coerce does; strings
 * land in r's arena. */
vrv_value sql_coerce(sql_ctx *c, vrv_sql_result *r, const json_t *v, sql_type t);

/* The schema of a datasource: false when it is unknown. */
bool sql_table_schema(sql_ctx *c, const char *name, sql_sig *out);
void sql_sig_add(vrv_arena *a, sql_sig *s, const char *name, const char *table, const char *native,
                 sql_type t, rex *expr);

/* ---- metadata tables (sql_meta.c) ------------------------------------------------ */

/* A table of INFORMATION_SCHEMA or sys: *ds receives an inline dataSource
 * of its rows (new reference) and sig its columns (physical: native name =
 * column name). Returns 0, VRV_ENOTFOUND when the schema has no such table
 * (nothing set), or another error with c->err set. */
int sql_meta_table(sql_ctx *c, const char *schema, const char *name, json_t **ds, sql_sig *sig);
bool sql_meta_schema_known(const char *schema);

/* ---- values ------------------------------------------------------------------ */

/* Parses a timestamp literal text ("2021-03-04 05:06:07", ISO) in tz. */
int sql_parse_timestamp(sql_ctx *c, const char *s, size_t n, vrv_ms *out);

#endif
