/*
 * sql_parse.c — a recursive-descent parser for the SQL Druid accepts
 * (Calcite's grammar with Druid's settings: case-sensitive identifiers,
 * double-quoted identifiers, reserved words only quoted): SET statements,
 * EXPLAIN PLAN FOR, WITH, SELECT [DISTINCT] ... FROM (tables, subqueries,
 * joins, VALUES) WHERE GROUP BY HAVING, UNION ALL, ORDER BY, LIMIT, OFFSET,
 * FETCH, and the expression grammar with Calcite's precedences and special
 * forms (CAST, CASE, EXTRACT, FLOOR/CEIL ... TO, TRIM, POSITION, SUBSTRING
 * ... FROM ... FOR, TIMESTAMPADD/DIFF, INTERVAL and typed literals,
 * aggregate FILTER (WHERE ...), ? parameters).
 *
 * A syntax error is reported as Druid reports Calcite's: "Received an
 * unexpected token [T] (line [l], column [c]), acceptable options: [...]",
 * where the options are the tokens the parser tried at the furthest point
 * it reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "sql/sql_int.h"

/* Calcite's reserved words (SqlParserTest's reserved list, SQL:2016 and
 * Calcite's own); Druid adds CLUSTERED and PARTITIONED. Sorted for bsearch. */
static const char *const reserved_words[] = {
    "ABS", "ALL", "ALLOCATE", "ALLOW", "ALTER", "AND", "ANY", "ARE", "ARRAY",
    "ARRAY_MAX_CARDINALITY", "AS", "ASENSITIVE", "ASYMMETRIC", "AT", "ATOMIC", "AUTHORIZATION",
    "AVG", "BEGIN", "BEGIN_FRAME", "BEGIN_PARTITION", "BETWEEN", "BIGINT", "BINARY", "BIT", "BLOB",
    "BOOLEAN", "BOTH", "BY", "CALL", "CALLED", "CARDINALITY", "CASCADED", "CASE", "CAST", "CEIL",
    "CEILING", "CHAR", "CHARACTER", "CHARACTER_LENGTH", "CHAR_LENGTH", "CHECK", "CLASSIFIER",
    "CLOB", "CLOSE", "CLUSTERED", "COALESCE", "COLLATE", "COLLECT", "COLUMN", "COMMIT",
    "CONDITION", "CONNECT", "CONSTRAINT", "CONTAINS", "CONVERT", "CORR", "CORRESPONDING", "COUNT",
    "COVAR_POP", "COVAR_SAMP", "CREATE", "CROSS", "CUBE", "CUME_DIST", "CURRENT",
    "CURRENT_CATALOG", "CURRENT_DATE", "CURRENT_DEFAULT_TRANSFORM_GROUP", "CURRENT_PATH",
    "CURRENT_ROLE", "CURRENT_ROW", "CURRENT_SCHEMA", "CURRENT_TIME", "CURRENT_TIMESTAMP",
    "CURRENT_TRANSFORM_GROUP_FOR_TYPE", "CURRENT_USER", "CURSOR", "CYCLE", "DATE", "DAY",
    "DEALLOCATE", "DEC", "DECIMAL", "DECLARE", "DEFAULT", "DEFINE", "DELETE", "DENSE_RANK",
    "DEREF", "DESCRIBE", "DETERMINISTIC", "DISALLOW", "DISCONNECT", "DISTINCT", "DOUBLE", "DROP",
    "DYNAMIC", "EACH", "ELEMENT", "ELSE", "EMPTY", "END", "END-EXEC", "END_FRAME",
    "END_PARTITION", "EQUALS", "ESCAPE", "EVERY", "EXCEPT", "EXEC", "EXECUTE", "EXISTS", "EXP",
    "EXPLAIN", "EXTEND", "EXTERNAL", "EXTRACT", "FALSE", "FETCH", "FILTER", "FIRST_VALUE",
    "FLOAT", "FLOOR", "FOR", "FOREIGN", "FRAME_ROW", "FREE", "FROM", "FULL", "FUNCTION", "FUSION",
    "GET", "GLOBAL", "GRANT", "GROUP", "GROUPING", "GROUPS", "HAVING", "HOLD", "HOUR",
    "IDENTITY", "IMPORT", "IN", "INDICATOR", "INITIAL", "INNER", "INOUT", "INSENSITIVE",
    "INSERT", "INT", "INTEGER", "INTERSECT", "INTERSECTION", "INTERVAL", "INTO", "IS", "JOIN",
    "JSON_ARRAY", "JSON_ARRAYAGG", "JSON_EXISTS", "JSON_OBJECT", "JSON_OBJECTAGG",
    "JSON_QUERY", "JSON_VALUE", "LAG", "LANGUAGE", "LARGE", "LAST_VALUE", "LATERAL", "LEAD",
    "LEADING", "LEFT", "LIKE", "LIKE_REGEX", "LIMIT", "LN", "LOCAL", "LOCALTIME",
    "LOCALTIMESTAMP", "LOWER", "MATCH", "MATCHES", "MATCH_NUMBER", "MATCH_RECOGNIZE", "MAX",
    "MEASURES", "MEMBER", "MERGE", "METHOD", "MIN", "MINUS", "MINUTE", "MOD", "MODIFIES",
    "MODULE", "MONTH", "MULTISET", "NATIONAL", "NATURAL", "NCHAR", "NCLOB", "NEW", "NEXT", "NO",
    "NONE", "NORMALIZE", "NOT", "NTH_VALUE", "NTILE", "NULL", "NULLIF", "NUMERIC",
    "OCCURRENCES_REGEX", "OCTET_LENGTH", "OF", "OFFSET", "OLD", "OMIT", "ON", "ONE", "ONLY",
    "OPEN", "OR", "ORDER", "OUT", "OUTER", "OVER", "OVERLAPS", "OVERLAY", "PARAMETER",
    "PARTITION", "PARTITIONED", "PATTERN", "PER", "PERCENT", "PERCENTILE_CONT",
    "PERCENTILE_DISC", "PERCENT_RANK", "PERIOD", "PERMUTE", "PORTION", "POSITION",
    "POSITION_REGEX", "POWER", "PRECEDES", "PRECISION", "PREPARE", "PREV", "PRIMARY",
    "PROCEDURE", "RANGE", "RANK", "READS", "REAL", "RECURSIVE", "REF", "REFERENCES",
    "REFERENCING", "REGR_AVGX", "REGR_AVGY", "REGR_COUNT", "REGR_INTERCEPT", "REGR_R2",
    "REGR_SLOPE", "REGR_SXX", "REGR_SXY", "REGR_SYY", "RELEASE", "RESET", "RESULT", "RETURN",
    "RETURNS", "REVOKE", "RIGHT", "ROLLBACK", "ROLLUP", "ROW", "ROWS", "ROW_NUMBER", "RUNNING",
    "SAVEPOINT", "SCOPE", "SCROLL", "SEARCH", "SECOND", "SEEK", "SELECT", "SENSITIVE",
    "SESSION_USER", "SET", "SHOW", "SIMILAR", "SKIP", "SMALLINT", "SOME", "SPECIFIC",
    "SPECIFICTYPE", "SQL", "SQLEXCEPTION", "SQLSTATE", "SQLWARNING", "SQRT", "START", "STATIC",
    "STDDEV_POP", "STDDEV_SAMP", "STREAM", "SUBMULTISET", "SUBSET", "SUBSTRING",
    "SUBSTRING_REGEX", "SUCCEEDS", "SUM", "SYMMETRIC", "SYSTEM", "SYSTEM_TIME", "SYSTEM_USER",
    "TABLE", "TABLESAMPLE", "THEN", "TIME", "TIMESTAMP", "TIMEZONE_HOUR", "TIMEZONE_MINUTE",
    "TINYINT", "TO", "TRAILING", "TRANSLATE", "TRANSLATE_REGEX", "TRANSLATION", "TREAT",
    "TRIGGER", "TRIM", "TRIM_ARRAY", "TRUE", "TRUNCATE", "UESCAPE", "UNION", "UNIQUE",
    "UNKNOWN", "UNNEST", "UPDATE", "UPPER", "UPSERT", "USER", "USING", "VALUE", "VALUES",
    "VALUE_OF", "VARBINARY", "VARCHAR", "VARYING", "VAR_POP", "VAR_SAMP", "VERSIONING", "WHEN",
    "WHENEVER", "WHERE", "WIDTH_BUCKET", "WINDOW", "WITH", "WITHIN", "WITHOUT", "YEAR",
};

static int cmp_word(const void *key, const void *elem)
{
    const vrv_str *k = key;
    const char *w = *(const char *const *)elem;
    size_t wl = strlen(w);
    size_t n = k->n < wl ? k->n : wl;
    int c = strncasecmp(k->p, w, n);
    if (c) return c;
    return k->n < wl ? -1 : k->n > wl ? 1 : 0;
}

bool sql_reserved(const char *w, size_t n)
{
    vrv_str k = {w, n};
    return bsearch(&k, reserved_words, VRV_ARRAY_LEN(reserved_words), sizeof reserved_words[0],
                   cmp_word) != NULL;
}

/* ---- the parser ----------------------------------------------------------------- */

#define MAX_EXPECTED 48
#define MAX_NEST 200 /* expression and query nesting; deeper input is rejected */

typedef struct parser {
    vrv_arena *a;
    sql_token *t;
    size_t n, i;
    vrv_sql_error *err;
    /* the furthest token where something was expected, and what */
    size_t exp_at;
    const char *exp[MAX_EXPECTED];
    size_t nexp;
    size_t nparams;
    int depth;
} parser;

static const sql_token *cur(parser *p)
{
    return &p->t[p->i];
}

static void expect_note(parser *p, const char *what)
{
    if (p->i > p->exp_at) {
        p->exp_at = p->i;
        p->nexp = 0;
    } else if (p->i < p->exp_at) {
        return;
    }
    for (size_t k = 0; k < p->nexp; k++)
        if (!strcmp(p->exp[k], what)) return;
    if (p->nexp < MAX_EXPECTED) p->exp[p->nexp++] = what;
}

static bool is_word(const sql_token *t, const char *kw)
{
    return t->kind == TK_WORD && t->len == strlen(kw) && strncasecmp(t->text, kw, t->len) == 0;
}

static bool is_op(const sql_token *t, const char *op)
{
    return t->kind == TK_OP && t->len == strlen(op) && memcmp(t->text, op, t->len) == 0;
}

/* Keyword names in expected lists are written as Calcite's token images:
 * "\"FROM\"". They are static strings so the list stays allocation-free. */
#define KW(s) "\"" s "\""

static bool peek_kw(parser *p, const char *kw, const char *img)
{
    if (is_word(cur(p), kw)) return true;
    expect_note(p, img);
    return false;
}

static bool accept_kw_(parser *p, const char *kw, const char *img)
{
    if (peek_kw(p, kw, img)) {
        p->i++;
        return true;
    }
    return false;
}
#define accept_kw(p, kw) accept_kw_((p), kw, KW(kw))
#define peek_kw1(p, kw) peek_kw((p), kw, KW(kw))

static bool accept_op_(parser *p, const char *op, const char *img)
{
    if (is_op(cur(p), op)) {
        p->i++;
        return true;
    }
    expect_note(p, img);
    return false;
}
#define accept_op(p, op) accept_op_((p), op, KW(op))

/* Writes the token's text as Druid's getUnexpectedTokenString escapes it. */
static void token_image(const sql_token *t, char *out, size_t cap)
{
    size_t w = 0;
    if (t->kind == TK_EOF) {
        snprintf(out, cap, "<EOF>");
        return;
    }
    for (size_t k = 0; k < t->len && w + 8 < cap; k++) {
        unsigned char c = (unsigned char)t->text[k];
        switch (c) {
        case '\b': w += (size_t)snprintf(out + w, cap - w, "\\b"); break;
        case '\t': w += (size_t)snprintf(out + w, cap - w, "\\t"); break;
        case '\n': w += (size_t)snprintf(out + w, cap - w, "\\n"); break;
        case '\f': w += (size_t)snprintf(out + w, cap - w, "\\f"); break;
        case '\r': w += (size_t)snprintf(out + w, cap - w, "\\r"); break;
        case '"': w += (size_t)snprintf(out + w, cap - w, "\\\""); break;
        case '\'': w += (size_t)snprintf(out + w, cap - w, "\\'"); break;
        case '\\': w += (size_t)snprintf(out + w, cap - w, "\\\\"); break;
        default:
            if (c < 0x20) w += (size_t)snprintf(out + w, cap - w, "\\u%04x", c);
            else out[w++] = (char)c;
        }
    }
    out[w] = '\0';
}

/* The syntax error at the current token. */
static int syntax_error(parser *p)
{
    const sql_token *t = cur(p);
    vrv_sql_error *e = p->err;
    char tok[128];
    token_image(t, tok, sizeof tok);
    vrv_buf ex = VRV_BUF_INIT;
    if (p->exp_at == p->i)
        for (size_t k = 0; k < p->nexp; k++) {
            if (k) vrv_buf_puts(&ex, ", ");
            vrv_buf_puts(&ex, p->exp[k]);
        }
    sql_fail(e, VRV_SQL_E_PARSE, &t->pos,
             "Received an unexpected token [%s] (line [%d], column [%d]), acceptable options: [%s]",
             tok, t->pos.line, t->pos.col, ex.data ? ex.data : "");
    snprintf(e->token, sizeof e->token, "%s", tok);
    snprintf(e->expected, sizeof e->expected, "[%s]", ex.data ? ex.data : "");
    vrv_buf_free(&ex);
    return VRV_EINVAL;
}

static sql_ast *node(parser *p, sql_ast_kind k, const sql_pos *pos)
{
    sql_ast *n = vrv_arena_calloc(p->a, sizeof *n);
    n->kind = (uint8_t)k;
    if (pos) n->pos = *pos;
    return n;
}

static void span_to(sql_pos *a, const sql_pos *b)
{
    a->end_line = b->end_line;
    a->end_col = b->end_col;
}

/* The position of the previous token (the last one consumed). */
static const sql_pos *prev_pos(parser *p)
{
    return &p->t[p->i ? p->i - 1 : 0].pos;
}

static char *tok_str(parser *p, const sql_token *t)
{
    return vrv_arena_strndup(p->a, t->text, t->len);
}

/* An identifier: a quoted one, or a word that is not reserved. */
static bool ident_here(parser *p)
{
    const sql_token *t = cur(p);
    if (t->kind == TK_QIDENT) return true;
    if (t->kind == TK_WORD && !sql_reserved(t->text, t->len)) return true;
    expect_note(p, "<IDENTIFIER>");
    expect_note(p, "<QUOTED_IDENTIFIER>");
    return false;
}

static const char *take_ident(parser *p)
{
    const sql_token *t = cur(p);
    p->i++;
    return t->kind == TK_QIDENT ? t->val : tok_str(p, t);
}

static int parse_query_stmt(parser *p, sql_query **out);
static int parse_expr(parser *p, sql_ast **out);
static int parse_add(parser *p, sql_ast **out);

/* A comma-separated list of expressions until `)` (not consumed). */
typedef VRV_VEC(sql_ast *) ast_vec;

static sql_ast **vec_finish(parser *p, ast_vec *v, size_t *n)
{
    *n = v->n;
    sql_ast **a = v->n ? vrv_arena_memdup(p->a, v->v, v->n * sizeof *v->v) : NULL;
    vrv_vec_free(v);
    return a;
}

static int expr_list(parser *p, sql_ast ***out, size_t *n)
{
    ast_vec v = {0};
    for (;;) {
        sql_ast *e;
        int rc = parse_expr(p, &e);
        if (rc) {
            vrv_vec_free(&v);
            return rc;
        }
        vrv_vec_push(&v, e);
        if (!accept_op(p, ",")) break;
    }
    *out = vec_finish(p, &v, n);
    return 0;
}

static int need_op(parser *p, const char *op, const char *img)
{
    if (accept_op_(p, op, img)) return 0;
    return syntax_error(p);
}
#define NEED_OP(p, op) need_op((p), op, KW(op))

static int need_kw(parser *p, const char *kw, const char *img)
{
    if (accept_kw_(p, kw, img)) return 0;
    return syntax_error(p);
}
#define NEED_KW(p, kw) need_kw((p), kw, KW(kw))

/* ---- types ------------------------------------------------------------------------ */

static int skip_precision(parser *p)
{
    if (!accept_op(p, "(")) return 0;
    if (cur(p)->kind != TK_INT) {
        expect_note(p, "<UNSIGNED_INTEGER_LITERAL>");
        return syntax_error(p);
    }
    p->i++;
    if (accept_op(p, ",")) {
        if (cur(p)->kind != TK_INT) {
            expect_note(p, "<UNSIGNED_INTEGER_LITERAL>");
            return syntax_error(p);
        }
        p->i++;
    }
    return NEED_OP(p, ")");
}

static int parse_type(parser *p, sql_typespec *ts)
{
    static const char *const names[] = {"BIGINT", "INTEGER", "INT",     "SMALLINT", "TINYINT",
                                        "DOUBLE", "FLOAT",   "REAL",    "DECIMAL",  "DEC",
                                        "NUMERIC", "VARCHAR", "CHAR",   "CHARACTER", "BOOLEAN",
                                        "TIMESTAMP", "DATE",  "TIME",   "OTHER"};
    const sql_token *t = cur(p);
    const char *name = NULL;
    for (size_t k = 0; k < VRV_ARRAY_LEN(names); k++)
        if (is_word(t, names[k])) name = names[k];
    if (!name) {
        expect_note(p, KW("BIGINT"));
        expect_note(p, KW("VARCHAR"));
        expect_note(p, KW("DOUBLE"));
        expect_note(p, KW("TIMESTAMP"));
        expect_note(p, KW("DATE"));
        expect_note(p, KW("BOOLEAN"));
        return syntax_error(p);
    }
    p->i++;
    int rc;
    if (!strcmp(name, "INT")) name = "INTEGER";
    if (!strcmp(name, "DEC") || !strcmp(name, "NUMERIC")) name = "DECIMAL";
    if (!strcmp(name, "DOUBLE")) accept_kw(p, "PRECISION");
    if (!strcmp(name, "CHARACTER")) {
        name = accept_kw(p, "VARYING") ? "VARCHAR" : "CHAR";
    }
    if (!strcmp(name, "CHAR") && accept_kw(p, "VARYING")) name = "VARCHAR";
    if ((rc = skip_precision(p))) return rc;
    if (!strcmp(name, "TIMESTAMP") || !strcmp(name, "TIME")) {
        if (accept_kw(p, "WITH") || accept_kw(p, "WITHOUT")) {
            if ((rc = NEED_KW(p, "TIME")) || (rc = NEED_KW(p, "ZONE"))) return rc;
        }
    }
    ts->name = name;
    ts->array = accept_kw(p, "ARRAY");
    return 0;
}

/* ---- expressions ------------------------------------------------------------------ */

static const char *const time_units[] = {
    "MILLENNIUM", "CENTURY", "DECADE", "YEAR", "ISOYEAR", "QUARTER", "MONTH", "WEEK", "DAY",
    "DOW", "ISODOW", "DOY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND",
    "NANOSECOND", "EPOCH",
};

/* A time unit keyword (also Calcite's SQL_TSI_ forms); NULL when none. */
static const char *time_unit(parser *p)
{
    const sql_token *t = cur(p);
    if (t->kind == TK_WORD) {
        const char *txt = t->text;
        size_t len = t->len;
        if (len > 8 && strncasecmp(txt, "SQL_TSI_", 8) == 0) {
            txt += 8;
            len -= 8;
        }
        for (size_t k = 0; k < VRV_ARRAY_LEN(time_units); k++)
            if (strlen(time_units[k]) == len && strncasecmp(txt, time_units[k], len) == 0) {
                p->i++;
                return time_units[k];
            }
        if (len == 12 && strncasecmp(txt, "FRAC_SECOND", 11) == 0) {
            p->i++;
            return "MICROSECOND";
        }
    }
    expect_note(p, KW("YEAR"));
    expect_note(p, KW("MONTH"));
    expect_note(p, KW("DAY"));
    expect_note(p, KW("HOUR"));
    expect_note(p, KW("MINUTE"));
    expect_note(p, KW("SECOND"));
    return NULL;
}

static int parse_interval(parser *p, sql_ast **out, const sql_pos *start)
{
    /* INTERVAL [+|-] 'text' unit [(p)] [TO unit [(p)]] */
    int sign = 1;
    if (accept_op(p, "-")) sign = -1;
    else accept_op(p, "+");
    const sql_token *t = cur(p);
    if (t->kind != TK_STRING) {
        expect_note(p, "<QUOTED_STRING>");
        return syntax_error(p);
    }
    p->i++;
    sql_ast *n = node(p, A_INTERVAL, start);
    n->s = t->val;
    n->flag = sign;
    const char *u = time_unit(p);
    if (!u) return syntax_error(p);
    n->unit = u;
    int rc;
    if ((rc = skip_precision(p))) return rc;
    if (accept_kw(p, "TO")) {
        const char *u2 = time_unit(p);
        if (!u2) return syntax_error(p);
        n->unit2 = u2;
        if ((rc = skip_precision(p))) return rc;
    }
    span_to(&n->pos, prev_pos(p));
    *out = n;
    return 0;
}

/* Function call arguments after '(' (consumed). */
static int call_args(parser *p, sql_ast *n)
{
    if (accept_op(p, ")")) return 0;
    if (accept_op(p, "*")) {
        n->star = true;
        return NEED_OP(p, ")");
    }
    if (accept_kw(p, "DISTINCT")) n->distinct = true;
    else accept_kw(p, "ALL");
    int rc = expr_list(p, &n->args, &n->nargs);
    if (rc) return rc;
    return NEED_OP(p, ")");
}

/* After a call: FILTER (WHERE ...), OVER (...) (kept as an error later),
 * WITHIN GROUP is not supported. */
static int call_suffix(parser *p, sql_ast *n)
{
    int rc;
    if (accept_kw(p, "FILTER")) {
        if ((rc = NEED_OP(p, "(")) || (rc = NEED_KW(p, "WHERE"))) return rc;
        if ((rc = parse_expr(p, &n->filter))) return rc;
        if ((rc = NEED_OP(p, ")"))) return rc;
    }
    if (peek_kw1(p, "OVER")) {
        sql_pos pos = cur(p)->pos;
        return sql_fail(p->err, VRV_SQL_E_PLAN, &pos,
                        "Query could not be planned. A possible reason is [Window functions (OVER) "
                        "are not supported by varve]");
    }
    span_to(&n->pos, prev_pos(p));
    return 0;
}

static int parse_case(parser *p, sql_ast **out, const sql_pos *start)
{
    sql_ast *n = node(p, A_CASE, start);
    int rc;
    if (!peek_kw1(p, "WHEN")) {
        if ((rc = parse_expr(p, &n->operand))) return rc;
    }
    ast_vec v = {0};
    while (accept_kw(p, "WHEN")) {
        sql_ast *w, *t;
        if ((rc = parse_expr(p, &w)) || (rc = NEED_KW(p, "THEN")) || (rc = parse_expr(p, &t))) {
            vrv_vec_free(&v);
            return rc;
        }
        vrv_vec_push(&v, w);
        vrv_vec_push(&v, t);
    }
    if (v.n == 0) {
        vrv_vec_free(&v);
        return syntax_error(p);
    }
    n->args = vec_finish(p, &v, &n->nargs);
    if (accept_kw(p, "ELSE")) {
        if ((rc = parse_expr(p, &n->els))) return rc;
    }
    if ((rc = NEED_KW(p, "END"))) return rc;
    span_to(&n->pos, prev_pos(p));
    *out = n;
    return 0;
}

/* Words followed by '(' that have their own syntax. */
static int special_call(parser *p, const sql_token *name, sql_ast **out, bool *handled)
{
    sql_pos start = name->pos;
    int rc;
    *handled = true;
    if (is_word(name, "CAST")) {
        sql_ast *n = node(p, A_CAST, &start);
        n->args = vrv_arena_alloc(p->a, sizeof(sql_ast *));
        n->nargs = 1;
        if ((rc = parse_expr(p, &n->args[0])) || (rc = NEED_KW(p, "AS")) ||
            (rc = parse_type(p, &n->type)) || (rc = NEED_OP(p, ")")))
            return rc;
        span_to(&n->pos, prev_pos(p));
        *out = n;
        return 0;
    }
    if (is_word(name, "EXTRACT")) {
        sql_ast *n = node(p, A_EXTRACT, &start);
        const char *u = time_unit(p);
        if (!u) return syntax_error(p);
        n->unit = u;
        n->args = vrv_arena_alloc(p->a, sizeof(sql_ast *));
        n->nargs = 1;
        if ((rc = NEED_KW(p, "FROM")) || (rc = parse_expr(p, &n->args[0])) ||
            (rc = NEED_OP(p, ")")))
            return rc;
        span_to(&n->pos, prev_pos(p));
        *out = n;
        return 0;
    }
    if (is_word(name, "FLOOR") || is_word(name, "CEIL") || is_word(name, "CEILING")) {
        sql_ast *x;
        if ((rc = parse_expr(p, &x))) return rc;
        if (accept_kw(p, "TO")) {
            sql_ast *n = node(p, A_FLOOR_TO, &start);
            n->flag = is_word(name, "FLOOR") ? 0 : 1;
            const char *u = time_unit(p);
            if (!u) return syntax_error(p);
            n->unit = u;
            n->args = vrv_arena_alloc(p->a, sizeof(sql_ast *));
            n->args[0] = x;
            n->nargs = 1;
            if ((rc = NEED_OP(p, ")"))) return rc;
            span_to(&n->pos, prev_pos(p));
            *out = n;
            return 0;
        }
        if ((rc = NEED_OP(p, ")"))) return rc;
        sql_ast *n = node(p, A_CALL, &start);
        n->s = is_word(name, "FLOOR") ? "FLOOR" : "CEIL";
        n->args = vrv_arena_alloc(p->a, sizeof(sql_ast *));
        n->args[0] = x;
        n->nargs = 1;
        span_to(&n->pos, prev_pos(p));
        *out = n;
        return 0;
    }
    if (is_word(name, "TRIM")) {
        sql_ast *n = node(p, A_TRIM, &start);
        n->unit = "BOTH";
        if (accept_kw(p, "BOTH")) n->unit = "BOTH";
        else if (accept_kw(p, "LEADING")) n->unit = "LEADING";
        else if (accept_kw(p, "TRAILING")) n->unit = "TRAILING";
        sql_ast *chars = NULL, *x = NULL;
        if (accept_kw(p, "FROM")) {
            if ((rc = parse_expr(p, &x))) return rc;
        } else {
            if ((rc = parse_expr(p, &x))) return rc;
            if (accept_kw(p, "FROM")) {
                chars = x;
                if ((rc = parse_expr(p, &x))) return rc;
            }
        }
        if ((rc = NEED_OP(p, ")"))) return rc;
        n->args = vrv_arena_alloc(p->a, 2 * sizeof(sql_ast *));
        n->args[0] = x;
        n->args[1] = chars;
        n->nargs = chars ? 2 : 1;
        span_to(&n->pos, prev_pos(p));
        *out = n;
        return 0;
    }
    if (is_word(name, "POSITION")) {
        sql_ast *n = node(p, A_POSITION, &start);
        sql_ast *needle, *hay, *from = NULL;
        /* the needle is parsed above IN's level: POSITION(a IN b) */
        if ((rc = parse_add(p, &needle))) return rc;
        if ((rc = NEED_KW(p, "IN")) || (rc = parse_add(p, &hay))) return rc;
        if (accept_kw(p, "FROM")) {
            if ((rc = parse_expr(p, &from))) return rc;
        }
        if ((rc = NEED_OP(p, ")"))) return rc;
        n->args = vrv_arena_alloc(p->a, 3 * sizeof(sql_ast *));
        n->args[0] = needle;
        n->args[1] = hay;
        n->args[2] = from;
        n->nargs = from ? 3 : 2;
        span_to(&n->pos, prev_pos(p));
        *out = n;
        return 0;
    }
    if (is_word(name, "SUBSTRING")) {
        sql_ast *n = node(p, A_SUBSTRING, &start);
        sql_ast *x, *from = NULL, *len = NULL;
        if ((rc = parse_expr(p, &x))) return rc;
        if (accept_kw(p, "FROM") || accept_op(p, ",")) {
            if ((rc = parse_expr(p, &from))) return rc;
            if (accept_kw(p, "FOR") || accept_op(p, ",")) {
                if ((rc = parse_expr(p, &len))) return rc;
            }
        } else {
            return syntax_error(p);
        }
        if ((rc = NEED_OP(p, ")"))) return rc;
        n->args = vrv_arena_alloc(p->a, 3 * sizeof(sql_ast *));
        n->args[0] = x;
        n->args[1] = from;
        n->args[2] = len;
        n->nargs = len ? 3 : 2;
        span_to(&n->pos, prev_pos(p));
        *out = n;
        return 0;
    }
    if (is_word(name, "TIMESTAMPADD") || is_word(name, "TIMESTAMPDIFF")) {
        sql_ast *n = node(p, is_word(name, "TIMESTAMPADD") ? A_TSADD : A_TSDIFF, &start);
        const char *u = time_unit(p);
        if (!u) return syntax_error(p);
        n->unit = u;
        if ((rc = NEED_OP(p, ","))) return rc;
        n->args = vrv_arena_alloc(p->a, 2 * sizeof(sql_ast *));
        n->nargs = 2;
        if ((rc = parse_expr(p, &n->args[0])) || (rc = NEED_OP(p, ",")) ||
            (rc = parse_expr(p, &n->args[1])) || (rc = NEED_OP(p, ")")))
            return rc;
        span_to(&n->pos, prev_pos(p));
        *out = n;
        return 0;
    }
    *handled = false;
    return 0;
}

static int parse_primary(parser *p, sql_ast **out)
{
    const sql_token *t = cur(p);
    sql_pos start = t->pos;
    int rc;
    switch (t->kind) {
    case TK_INT:
    case TK_DEC:
    case TK_APPROX: {
        sql_ast *n = node(p, A_NUM, &start);
        n->s = tok_str(p, t);
        n->flag = t->kind == TK_INT ? 0 : t->kind == TK_DEC ? 1 : 2;
        p->i++;
        *out = n;
        return 0;
    }
    case TK_STRING: {
        sql_ast *n = node(p, A_STR, &start);
        p->i++;
        /* adjacent literals concatenate, as in standard SQL */
        if (cur(p)->kind == TK_STRING) {
            vrv_buf b = VRV_BUF_INIT;
            vrv_buf_append(&b, t->val, t->vlen);
            while (cur(p)->kind == TK_STRING) {
                vrv_buf_append(&b, cur(p)->val, cur(p)->vlen);
                p->i++;
            }
            n->s = vrv_arena_strndup(p->a, b.data ? b.data : "", b.len);
            n->flag = (int)b.len;
            vrv_buf_free(&b);
            span_to(&n->pos, prev_pos(p));
        } else {
            n->s = t->val;
            n->flag = (int)t->vlen;
        }
        *out = n;
        return 0;
    }
    case TK_PARAM: {
        sql_ast *n = node(p, A_PARAM, &start);
        n->flag = (int)p->nparams++;
        p->i++;
        *out = n;
        return 0;
    }
    case TK_QIDENT:
        break;
    case TK_OP:
        if (is_op(t, "(")) {
            p->i++;
            if (peek_kw1(p, "SELECT") || peek_kw1(p, "WITH") || peek_kw1(p, "VALUES")) {
                sql_ast *n = node(p, A_SUBQUERY, &start);
                if ((rc = parse_query_stmt(p, &n->query)) || (rc = NEED_OP(p, ")"))) return rc;
                span_to(&n->pos, prev_pos(p));
                *out = n;
                return 0;
            }
            sql_ast *e;
            if ((rc = parse_expr(p, &e))) return rc;
            if ((rc = NEED_OP(p, ")"))) return rc;
            *out = e;
            return 0;
        }
        expect_note(p, KW("("));
        goto bad;
    case TK_WORD:
        break;
    case TK_EOF:
    default:
        goto bad;
    }
    if (t->kind == TK_WORD) {
        if (is_word(t, "TRUE") || is_word(t, "FALSE")) {
            sql_ast *n = node(p, A_BOOL, &start);
            n->flag = is_word(t, "TRUE");
            p->i++;
            *out = n;
            return 0;
        }
        if (is_word(t, "NULL")) {
            p->i++;
            *out = node(p, A_NULL, &start);
            return 0;
        }
        if (is_word(t, "UNKNOWN")) {
            p->i++;
            *out = node(p, A_NULL, &start);
            return 0;
        }
        if ((is_word(t, "TIMESTAMP") || is_word(t, "DATE") || is_word(t, "TIME")) &&
            p->t[p->i + 1].kind == TK_STRING) {
            sql_ast *n = node(p, A_TYPED_LIT, &start);
            n->unit = is_word(t, "TIMESTAMP") ? "TIMESTAMP" : is_word(t, "DATE") ? "DATE" : "TIME";
            p->i++;
            n->s = cur(p)->val;
            p->i++;
            span_to(&n->pos, prev_pos(p));
            *out = n;
            return 0;
        }
        if (is_word(t, "INTERVAL")) {
            p->i++;
            return parse_interval(p, out, &start);
        }
        if (is_word(t, "CASE")) {
            p->i++;
            return parse_case(p, out, &start);
        }
        if (is_word(t, "EXISTS")) {
            p->i++;
            sql_ast *n = node(p, A_EXISTS, &start);
            if ((rc = NEED_OP(p, "(")) || (rc = parse_query_stmt(p, &n->query)) ||
                (rc = NEED_OP(p, ")")))
                return rc;
            span_to(&n->pos, prev_pos(p));
            *out = n;
            return 0;
        }
        if (is_word(t, "ARRAY") && is_op(&p->t[p->i + 1], "[")) {
            p->i += 2;
            sql_ast *n = node(p, A_ARRAY, &start);
            if (!accept_op(p, "]")) {
                if ((rc = expr_list(p, &n->args, &n->nargs)) || (rc = NEED_OP(p, "]"))) return rc;
            }
            span_to(&n->pos, prev_pos(p));
            *out = n;
            return 0;
        }
        static const char *const niladic[] = {"CURRENT_TIMESTAMP", "CURRENT_DATE", "LOCALTIMESTAMP",
                                              "CURRENT_TIME", "LOCALTIME"};
        for (size_t k = 0; k < VRV_ARRAY_LEN(niladic); k++)
            if (is_word(t, niladic[k])) {
                p->i++;
                sql_ast *n = node(p, A_CALL, &start);
                n->s = niladic[k];
                if (accept_op(p, "(")) {
                    /* CURRENT_TIMESTAMP(3): the precision is accepted and ignored */
                    if (cur(p)->kind == TK_INT) p->i++;
                    if ((rc = NEED_OP(p, ")"))) return rc;
                }
                span_to(&n->pos, prev_pos(p));
                *out = n;
                return 0;
            }
        /* a function call: any word followed by '(' */
        if (is_op(&p->t[p->i + 1], "(")) {
            p->i += 2;
            bool handled;
            if ((rc = special_call(p, t, out, &handled))) return rc;
            if (handled) return 0;
            sql_ast *n = node(p, A_CALL, &start);
            n->s = tok_str(p, t);
            if ((rc = call_args(p, n)) || (rc = call_suffix(p, n))) return rc;
            *out = n;
            return 0;
        }
    }
    /* identifiers: a.b.c, with a trailing .* allowed for SELECT items */
    if (!ident_here(p)) goto bad;
    VRV_VEC(const char *) names = {0};
    vrv_vec_push(&names, take_ident(p));
    sql_ast *n = node(p, A_IDENT, &start);
    while (is_op(cur(p), ".")) {
        p->i++;
        if (is_op(cur(p), "*")) {
            p->i++;
            n->kind = A_STAR;
            break;
        }
        if (!ident_here(p)) {
            vrv_vec_free(&names);
            return syntax_error(p);
        }
        vrv_vec_push(&names, take_ident(p));
    }
    n->nnames = names.n;
    n->names = vrv_arena_memdup(p->a, names.v, names.n * sizeof *names.v);
    vrv_vec_free(&names);
    span_to(&n->pos, prev_pos(p));
    /* a quoted name followed by '(' is a function call too ("myfn"(x)) */
    if (n->kind == A_IDENT && n->nnames == 1 && is_op(cur(p), "(")) {
        p->i++;
        sql_ast *c = node(p, A_CALL, &start);
        c->s = n->names[0];
        if ((rc = call_args(p, c)) || (rc = call_suffix(p, c))) return rc;
        *out = c;
        return 0;
    }
    *out = n;
    return 0;
bad:
    expect_note(p, "<UNSIGNED_INTEGER_LITERAL>");
    expect_note(p, "<QUOTED_STRING>");
    expect_note(p, KW("TRUE"));
    expect_note(p, KW("FALSE"));
    expect_note(p, KW("NULL"));
    expect_note(p, KW("CASE"));
    expect_note(p, KW("CAST"));
    expect_note(p, KW("INTERVAL"));
    expect_note(p, KW("TIMESTAMP"));
    expect_note(p, KW("?"));
    expect_note(p, "<IDENTIFIER>");
    expect_note(p, "<QUOTED_IDENTIFIER>");
    return syntax_error(p);
}

static int parse_unary(parser *p, sql_ast **out)
{
    const sql_token *t = cur(p);
    if (is_op(t, "-") || is_op(t, "+")) {
        sql_pos start = t->pos;
        p->i++;
        if (++p->depth > MAX_NEST) return sql_fail(p->err, VRV_SQL_E_PARSE, &start, "Expression is nested too deeply");
        sql_ast *x;
        int rc = parse_unary(p, &x);
        p->depth--;
        if (rc) return rc;
        /* a negative numeric literal stays a literal */
        if (is_op(t, "-") && x->kind == A_NUM) {
            char *s = vrv_arena_printf(p->a, "-%s", x->s);
            if (x->s[0] == '-') s = (char *)x->s + 1;
            x->s = s;
            x->pos.line = start.line;
            x->pos.col = start.col;
            *out = x;
            return 0;
        }
        sql_ast *n = node(p, A_OP, &start);
        n->op = is_op(t, "-") ? OP_NEG : OP_POS;
        n->args = vrv_arena_alloc(p->a, sizeof(sql_ast *));
        n->args[0] = x;
        n->nargs = 1;
        span_to(&n->pos, &x->pos);
        *out = n;
        return 0;
    }
    expect_note(p, KW("-"));
    expect_note(p, KW("+"));
    return parse_primary(p, out);
}

static sql_ast *binop(parser *p, sql_op op, sql_ast *l, sql_ast *r)
{
    sql_ast *n = node(p, A_OP, &l->pos);
    n->op = (uint8_t)op;
    n->args = vrv_arena_alloc(p->a, 2 * sizeof(sql_ast *));
    n->args[0] = l;
    n->args[1] = r;
    n->nargs = 2;
    span_to(&n->pos, &r->pos);
    return n;
}

static int parse_mul(parser *p, sql_ast **out)
{
    sql_ast *l = NULL;
    int rc = parse_unary(p, &l);
    if (rc) return rc;
    for (;;) {
        sql_op op;
        if (accept_op(p, "*")) op = OP_MUL;
        else if (accept_op(p, "/")) op = OP_DIV;
        else if (accept_op(p, "%")) op = OP_MOD;
        else if (accept_op(p, "||")) op = OP_CONCAT;
        else break;
        sql_ast *r;
        if ((rc = parse_unary(p, &r))) return rc;
        l = binop(p, op, l, r);
    }
    *out = l;
    return 0;
}

static int parse_add(parser *p, sql_ast **out)
{
    sql_ast *l = NULL;
    int rc = parse_mul(p, &l);
    if (rc) return rc;
    for (;;) {
        sql_op op;
        if (accept_op(p, "+")) op = OP_ADD;
        else if (accept_op(p, "-")) op = OP_SUB;
        else break;
        sql_ast *r;
        if ((rc = parse_mul(p, &r))) return rc;
        l = binop(p, op, l, r);
    }
    *out = l;
    return 0;
}

/* Predicates: comparisons, IS, BETWEEN, IN, LIKE (one level, left to right). */
static int parse_pred(parser *p, sql_ast **out)
{
    sql_ast *l = NULL;
    int rc = parse_add(p, &l);
    if (rc) return rc;
    for (;;) {
        sql_op op = OP_NONE;
        if (accept_op(p, "=")) op = OP_EQ;
        else if (accept_op(p, "<>") || accept_op(p, "!=")) op = OP_NE;
        else if (accept_op(p, "<=")) op = OP_LE;
        else if (accept_op(p, ">=")) op = OP_GE;
        else if (accept_op(p, "<")) op = OP_LT;
        else if (accept_op(p, ">")) op = OP_GT;
        if (op != OP_NONE) {
            if (peek_kw1(p, "ANY") || peek_kw1(p, "SOME") || peek_kw1(p, "ALL"))
                return sql_fail(p->err, VRV_SQL_E_PLAN, &cur(p)->pos,
                                "Query could not be planned. A possible reason is [Quantified "
                                "comparisons (ANY, SOME, ALL) are not supported]");
            sql_ast *r;
            if ((rc = parse_add(p, &r))) return rc;
            l = binop(p, op, l, r);
            continue;
        }
        if (accept_kw(p, "IS")) {
            sql_ast *n = node(p, A_IS, &l->pos);
            n->not_ = accept_kw(p, "NOT");
            const char *what = NULL;
            if (accept_kw(p, "NULL")) what = "NULL";
            else if (accept_kw(p, "TRUE")) what = "TRUE";
            else if (accept_kw(p, "FALSE")) what = "FALSE";
            else if (accept_kw(p, "UNKNOWN")) what = "NULL";
            else if (accept_kw(p, "DISTINCT")) {
                if ((rc = NEED_KW(p, "FROM"))) return rc;
                what = "DISTINCT";
            }
            if (!what) return syntax_error(p);
            n->unit = what;
            n->args = vrv_arena_alloc(p->a, 2 * sizeof(sql_ast *));
            n->args[0] = l;
            n->nargs = 1;
            if (!strcmp(what, "DISTINCT")) {
                if ((rc = parse_add(p, &n->args[1]))) return rc;
                n->nargs = 2;
            }
            span_to(&n->pos, prev_pos(p));
            l = n;
            continue;
        }
        size_t save = p->i;
        bool neg = accept_kw(p, "NOT");
        if (accept_kw(p, "BETWEEN")) {
            sql_ast *n = node(p, A_BETWEEN, &l->pos);
            n->not_ = neg;
            if (accept_kw(p, "SYMMETRIC")) n->flag = 1;
            else accept_kw(p, "ASYMMETRIC");
            n->args = vrv_arena_alloc(p->a, 3 * sizeof(sql_ast *));
            n->args[0] = l;
            n->nargs = 3;
            if ((rc = parse_add(p, &n->args[1])) || (rc = NEED_KW(p, "AND")) ||
                (rc = parse_add(p, &n->args[2])))
                return rc;
            span_to(&n->pos, &n->args[2]->pos);
            l = n;
            continue;
        }
        if (accept_kw(p, "IN")) {
            if ((rc = NEED_OP(p, "("))) return rc;
            if (peek_kw1(p, "SELECT") || peek_kw1(p, "WITH") || peek_kw1(p, "VALUES")) {
                sql_ast *n = node(p, A_IN_QUERY, &l->pos);
                n->not_ = neg;
                n->args = vrv_arena_alloc(p->a, sizeof(sql_ast *));
                n->args[0] = l;
                n->nargs = 1;
                if ((rc = parse_query_stmt(p, &n->query)) || (rc = NEED_OP(p, ")"))) return rc;
                span_to(&n->pos, prev_pos(p));
                l = n;
                continue;
            }
            sql_ast **vals;
            size_t nv;
            if ((rc = expr_list(p, &vals, &nv)) || (rc = NEED_OP(p, ")"))) return rc;
            sql_ast *n = node(p, A_IN_LIST, &l->pos);
            n->not_ = neg;
            n->args = vrv_arena_alloc(p->a, (nv + 1) * sizeof(sql_ast *));
            n->args[0] = l;
            memcpy(n->args + 1, vals, nv * sizeof *vals);
            n->nargs = nv + 1;
            span_to(&n->pos, prev_pos(p));
            l = n;
            continue;
        }
        if (accept_kw(p, "LIKE")) {
            sql_ast *n = node(p, A_LIKE, &l->pos);
            n->not_ = neg;
            n->args = vrv_arena_alloc(p->a, 3 * sizeof(sql_ast *));
            n->args[0] = l;
            n->nargs = 2;
            if ((rc = parse_add(p, &n->args[1]))) return rc;
            if (accept_kw(p, "ESCAPE")) {
                if ((rc = parse_add(p, &n->args[2]))) return rc;
                n->nargs = 3;
            }
            span_to(&n->pos, prev_pos(p));
            l = n;
            continue;
        }
        if (peek_kw1(p, "SIMILAR"))
            return sql_fail(p->err, VRV_SQL_E_PLAN, &cur(p)->pos,
                            "Query could not be planned. A possible reason is [SIMILAR TO is not "
                            "supported; use REGEXP_LIKE]");
        if (neg) {
            p->i = save;
        }
        break;
    }
    *out = l;
    return 0;
}

static int parse_not(parser *p, sql_ast **out)
{
    const sql_token *t = cur(p);
    if (is_word(t, "NOT")) {
        sql_pos start = t->pos;
        p->i++;
        if (++p->depth > MAX_NEST) return sql_fail(p->err, VRV_SQL_E_PARSE, &start, "Expression is nested too deeply");
        sql_ast *x;
        int rc = parse_not(p, &x);
        p->depth--;
        if (rc) return rc;
        sql_ast *n = node(p, A_OP, &start);
        n->op = OP_NOT;
        n->args = vrv_arena_alloc(p->a, sizeof(sql_ast *));
        n->args[0] = x;
        n->nargs = 1;
        span_to(&n->pos, &x->pos);
        *out = n;
        return 0;
    }
    expect_note(p, KW("NOT"));
    return parse_pred(p, out);
}

static int parse_and(parser *p, sql_ast **out)
{
    sql_ast *l = NULL;
    int rc = parse_not(p, &l);
    if (rc) return rc;
    while (accept_kw(p, "AND")) {
        sql_ast *r;
        if ((rc = parse_not(p, &r))) return rc;
        l = binop(p, OP_AND, l, r);
    }
    *out = l;
    return 0;
}

static int parse_expr(parser *p, sql_ast **out)
{
    if (++p->depth > MAX_NEST)
        return sql_fail(p->err, VRV_SQL_E_PARSE, &cur(p)->pos, "Expression is nested too deeply");
    sql_ast *l = NULL;
    int rc = parse_and(p, &l);
    while (rc == 0 && accept_kw(p, "OR")) {
        sql_ast *r;
        if ((rc = parse_and(p, &r))) break;
        l = binop(p, OP_OR, l, r);
    }
    p->depth--;
    if (rc == 0) *out = l;
    return rc;
}

/* ---- queries ------------------------------------------------------------------------- */

static int parse_alias(parser *p, const char **alias, bool required_as)
{
    if (accept_kw(p, "AS")) {
        if (!ident_here(p)) return syntax_error(p);
        *alias = take_ident(p);
        return 0;
    }
    if (!required_as && ident_here(p)) *alias = take_ident(p);
    return 0;
}

static int parse_from(parser *p, sql_from **out);

static int parse_table_primary(parser *p, sql_from **out)
{
    const sql_token *t = cur(p);
    sql_from *f = vrv_arena_calloc(p->a, sizeof *f);
    f->pos = t->pos;
    int rc;
    if (is_op(t, "(")) {
        p->i++;
        if (peek_kw1(p, "SELECT") || peek_kw1(p, "WITH") || peek_kw1(p, "VALUES")) {
            f->kind = F_SUBQUERY;
            if ((rc = parse_query_stmt(p, &f->query)) || (rc = NEED_OP(p, ")"))) return rc;
        } else {
            sql_from *inner;
            if ((rc = parse_from(p, &inner)) || (rc = NEED_OP(p, ")"))) return rc;
            f = inner;
        }
    } else if (is_word(t, "VALUES")) {
        f->kind = F_SUBQUERY;
        if ((rc = parse_query_stmt(p, &f->query))) return rc;
    } else if (is_word(t, "UNNEST") || is_word(t, "LATERAL") || is_word(t, "TABLE")) {
        return sql_fail(p->err, VRV_SQL_E_PLAN, &t->pos,
                        "Query could not be planned. A possible reason is [%.*s in FROM is not "
                        "supported by varve]",
                        (int)t->len, t->text);
    } else {
        if (!ident_here(p)) return syntax_error(p);
        const char *a = take_ident(p);
        if (accept_op(p, ".")) {
            if (!ident_here(p)) return syntax_error(p);
            f->schema = a;
            f->name = take_ident(p);
            if (accept_op(p, ".")) {
                /* catalog.schema.table: only the "druid" catalog exists */
                if (!ident_here(p)) return syntax_error(p);
                f->schema = f->name;
                f->name = take_ident(p);
            }
        } else {
            f->name = a;
        }
        f->kind = F_TABLE;
    }
    span_to(&f->pos, prev_pos(p));
    if ((rc = parse_alias(p, &f->alias, false))) return rc;
    if (f->alias && accept_op(p, "(")) {
        VRV_VEC(const char *) cols = {0};
        do {
            if (!ident_here(p)) {
                vrv_vec_free(&cols);
                return syntax_error(p);
            }
            vrv_vec_push(&cols, take_ident(p));
        } while (accept_op(p, ","));
        f->ncol_aliases = cols.n;
        f->col_aliases = vrv_arena_memdup(p->a, cols.v, cols.n * sizeof *cols.v);
        vrv_vec_free(&cols);
        if ((rc = NEED_OP(p, ")"))) return rc;
    }
    *out = f;
    return 0;
}

static int parse_from(parser *p, sql_from **out)
{
    sql_from *l = NULL;
    int rc = parse_table_primary(p, &l);
    if (rc) return rc;
    for (;;) {
        sql_join_type jt;
        bool comma = false;
        sql_pos jpos = cur(p)->pos;
        if (accept_op(p, ",")) {
            jt = J_CROSS;
            comma = true;
        } else if (accept_kw(p, "CROSS")) {
            if ((rc = NEED_KW(p, "JOIN"))) return rc;
            jt = J_CROSS;
        } else if (accept_kw(p, "JOIN")) {
            jt = J_INNER;
        } else if (accept_kw(p, "INNER")) {
            if ((rc = NEED_KW(p, "JOIN"))) return rc;
            jt = J_INNER;
        } else if (accept_kw(p, "LEFT") || accept_kw(p, "RIGHT") || accept_kw(p, "FULL")) {
            const sql_token *w = &p->t[p->i - 1];
            jt = is_word(w, "LEFT") ? J_LEFT : is_word(w, "RIGHT") ? J_RIGHT : J_FULL;
            accept_kw(p, "OUTER");
            if ((rc = NEED_KW(p, "JOIN"))) return rc;
        } else if (peek_kw1(p, "NATURAL")) {
            return sql_fail(p->err, VRV_SQL_E_PLAN, &cur(p)->pos,
                            "Query could not be planned. A possible reason is [NATURAL JOIN is not "
                            "supported; use JOIN ... ON]");
        } else {
            break;
        }
        sql_from *r;
        if ((rc = parse_table_primary(p, &r))) return rc;
        sql_from *j = vrv_arena_calloc(p->a, sizeof *j);
        j->kind = F_JOIN;
        j->left = l;
        j->right = r;
        j->join_type = jt;
        j->pos = jpos;
        if (!comma && jt != J_CROSS) {
            if (accept_kw(p, "ON")) {
                if ((rc = parse_expr(p, &j->on))) return rc;
            } else if (accept_kw(p, "USING")) {
                return sql_fail(p->err, VRV_SQL_E_PLAN, prev_pos(p),
                                "Query could not be planned. A possible reason is [JOIN ... USING "
                                "is not supported; use JOIN ... ON]");
            } else {
                return syntax_error(p);
            }
        }
        span_to(&j->pos, prev_pos(p));
        l = j;
    }
    *out = l;
    return 0;
}

/* ---- GROUP BY with grouping sets -------------------------------------------------------- */

#define MAX_GROUPING_SETS 4096 /* after expansion; CUBE of 12 elements is already 4096 */

/* One grouping set: indexes into the GROUP BY expressions. */
typedef struct gset {
    size_t *v;
    size_t n;
} gset;

/* A list of grouping sets (arena memory). */
typedef struct gset_list {
    gset *v;
    size_t n;
} gset_list;

static gset gset_concat(parser *p, gset a, gset b)
{
    gset r = {vrv_arena_alloc(p->a, (a.n + b.n + 1) * sizeof(size_t)), a.n + b.n};
    if (a.n) memcpy(r.v, a.v, a.n * sizeof(size_t));
    if (b.n) memcpy(r.v + a.n, b.v, b.n * sizeof(size_t));
    return r;
}

static gset_list gsets_alloc(parser *p, size_t n)
{
    gset_list l = {vrv_arena_calloc(p->a, (n + 1) * sizeof(gset)), 0};
    return l;
}

static int too_many_sets(parser *p)
{
    return sql_fail(p->err, VRV_SQL_E_PLAN, &cur(p)->pos,
                    "Query could not be planned. A possible reason is [more than %d grouping sets]",
                    MAX_GROUPING_SETS);
}

/* Every combination of one set of a and one set of b, concatenated. */
static int gsets_product(parser *p, gset_list a, gset_list b, gset_list *out)
{
    if (a.n * b.n > MAX_GROUPING_SETS) return too_many_sets(p);
    gset_list r = gsets_alloc(p, a.n * b.n);
    for (size_t i = 0; i < a.n; i++)
        for (size_t k = 0; k < b.n; k++) r.v[r.n++] = gset_concat(p, a.v[i], b.v[k]);
    *out = r;
    return 0;
}

static size_t group_expr(ast_vec *exprs, sql_ast *e)
{
    vrv_vec_push(exprs, e);
    return exprs->n - 1;
}

/* An element of ROLLUP / CUBE / a parenthesised set: `expr`, `(expr, ...)`
 * or `()`; one set. */
static int grouping_row(parser *p, ast_vec *exprs, gset *out)
{
    gset r = {NULL, 0};
    if (accept_op(p, "(")) {
        if (accept_op(p, ")")) {
            *out = r;
            return 0;
        }
        sql_ast **v;
        size_t n;
        int rc = expr_list(p, &v, &n);
        if (rc) return rc;
        if ((rc = NEED_OP(p, ")"))) return rc;
        r.v = vrv_arena_alloc(p->a, (n + 1) * sizeof(size_t));
        for (size_t i = 0; i < n; i++) r.v[r.n++] = group_expr(exprs, v[i]);
        *out = r;
        return 0;
    }
    sql_ast *e;
    int rc = parse_expr(p, &e);
    if (rc) return rc;
    r.v = vrv_arena_alloc(p->a, sizeof(size_t));
    r.v[r.n++] = group_expr(exprs, e);
    *out = r;
    return 0;
}

static int grouping_element(parser *p, ast_vec *exprs, bool nested, gset_list *out);

/* ROLLUP (e1, ..., en): the prefixes, longest first; CUBE: every subset,
 * from the whole list down to (). */
static int rollup_cube(parser *p, ast_vec *exprs, bool cube, gset_list *out)
{
    int rc;
    if ((rc = NEED_OP(p, "("))) return rc;
    VRV_VEC(gset) rows = {0};
    for (;;) {
        gset g;
        if ((rc = grouping_row(p, exprs, &g))) break;
        vrv_vec_push(&rows, g);
        if (!accept_op(p, ",")) break;
    }
    if (rc == 0) rc = NEED_OP(p, ")");
    if (rc == 0 && (cube ? rows.n > 12 : rows.n + 1 > MAX_GROUPING_SETS)) rc = too_many_sets(p);
    if (rc) {
        vrv_vec_free(&rows);
        return rc;
    }
    size_t n = rows.n;
    gset_list l = gsets_alloc(p, cube ? (size_t)1 << n : n + 1);
    if (!cube) {
        for (size_t len = n + 1; len-- > 0;) {
            gset s = {NULL, 0};
            for (size_t i = 0; i < len; i++) s = gset_concat(p, s, rows.v[i]);
            l.v[l.n++] = s;
        }
    } else {
        /* masks from all bits down to none: the first element is the most
         * significant, so (a, b) gives (a, b), (a), (b), () */
        for (size_t m = ((size_t)1 << n); m-- > 0;) {
            gset s = {NULL, 0};
            for (size_t i = 0; i < n; i++)
                if (m & ((size_t)1 << (n - 1 - i))) s = gset_concat(p, s, rows.v[i]);
            l.v[l.n++] = s;
        }
    }
    vrv_vec_free(&rows);
    *out = l;
    return 0;
}

/* One element of GROUP BY or of GROUPING SETS (...): its grouping sets. */
static int grouping_element(parser *p, ast_vec *exprs, bool nested, gset_list *out)
{
    int rc;
    if (++p->depth > MAX_NEST) return sql_fail(p->err, VRV_SQL_E_PARSE, &cur(p)->pos, "Expression is nested too deeply");
    if (accept_kw(p, "GROUPING")) {
        if ((rc = NEED_KW(p, "SETS")) || (rc = NEED_OP(p, "("))) goto out;
        gset_list all = {NULL, 0};
        for (;;) {
            gset_list one;
            if ((rc = grouping_element(p, exprs, true, &one))) goto out;
            if (all.n + one.n > MAX_GROUPING_SETS) {
                rc = too_many_sets(p);
                goto out;
            }
            gset_list m = gsets_alloc(p, all.n + one.n);
            for (size_t i = 0; i < all.n; i++) m.v[m.n++] = all.v[i];
            for (size_t i = 0; i < one.n; i++) m.v[m.n++] = one.v[i];
            all = m;
            if (!accept_op(p, ",")) break;
        }
        if ((rc = NEED_OP(p, ")"))) goto out;
        *out = all;
    } else if (accept_kw(p, "ROLLUP")) {
        rc = rollup_cube(p, exprs, false, out);
    } else if (accept_kw(p, "CUBE")) {
        rc = rollup_cube(p, exprs, true, out);
    } else if (nested || (is_op(cur(p), "(") && is_op(&p->t[p->i + 1], ")"))) {
        /* inside GROUPING SETS a parenthesised list is one set */
        gset g;
        if ((rc = grouping_row(p, exprs, &g))) goto out;
        *out = gsets_alloc(p, 1);
        out->v[out->n++] = g;
    } else {
        sql_ast *e;
        if ((rc = parse_expr(p, &e))) goto out;
        *out = gsets_alloc(p, 1);
        out->v[0].v = vrv_arena_alloc(p->a, sizeof(size_t));
        out->v[0].v[0] = group_expr(exprs, e);
        out->v[0].n = 1;
        out->n = 1;
    }
out:
    p->depth--;
    return rc;
}

/* GROUP BY's list: plain expressions (s->group), or with GROUPING SETS,
 * ROLLUP or CUBE anywhere, the cross product of the elements' sets. */
static int parse_group_by(parser *p, sql_select *s)
{
    ast_vec exprs = {0};
    gset_list sets = gsets_alloc(p, 1);
    sets.v[sets.n++] = (gset){NULL, 0};
    bool special = false;
    int rc = 0;
    for (;;) {
        special |= peek_kw1(p, "GROUPING") || peek_kw1(p, "ROLLUP") || peek_kw1(p, "CUBE");
        gset_list one;
        if ((rc = grouping_element(p, &exprs, false, &one))) break;
        if ((rc = gsets_product(p, sets, one, &sets))) break;
        if (!accept_op(p, ",")) break;
    }
    if (rc) {
        vrv_vec_free(&exprs);
        return rc;
    }
    s->group = vec_finish(p, &exprs, &s->ngroup);
    if (special) {
        s->ngsets = sets.n;
        s->gsets = vrv_arena_calloc(p->a, (sets.n + 1) * sizeof *s->gsets);
        s->gset_len = vrv_arena_calloc(p->a, (sets.n + 1) * sizeof *s->gset_len);
        for (size_t i = 0; i < sets.n; i++) {
            s->gsets[i] = sets.v[i].v;
            s->gset_len[i] = sets.v[i].n;
        }
    }
    return 0;
}

static int parse_select(parser *p, sql_select **out)
{
    sql_select *s = vrv_arena_calloc(p->a, sizeof *s);
    s->pos = cur(p)->pos;
    int rc;
    if ((rc = NEED_KW(p, "SELECT"))) return rc;
    if (accept_kw(p, "DISTINCT")) s->distinct = true;
    else accept_kw(p, "ALL");
    VRV_VEC(sql_item) items = {0};
    for (;;) {
        sql_item it = {0};
        it.pos = cur(p)->pos;
        if (accept_op(p, "*")) {
            it.expr = node(p, A_STAR, &it.pos);
        } else {
            if ((rc = parse_expr(p, &it.expr))) break;
            if (it.expr->kind != A_STAR && (rc = parse_alias(p, &it.alias, false))) break;
        }
        span_to(&it.pos, prev_pos(p));
        vrv_vec_push(&items, it);
        if (!accept_op(p, ",")) break;
    }
    if (rc) {
        vrv_vec_free(&items);
        return rc;
    }
    s->nitems = items.n;
    s->items = vrv_arena_memdup(p->a, items.v, items.n * sizeof *items.v);
    vrv_vec_free(&items);
    if (accept_kw(p, "FROM")) {
        if ((rc = parse_from(p, &s->from))) return rc;
    }
    if (accept_kw(p, "WHERE")) {
        if ((rc = parse_expr(p, &s->where))) return rc;
    }
    if (accept_kw(p, "GROUP")) {
        if ((rc = NEED_KW(p, "BY"))) return rc;
        s->group_present = true;
        if (is_op(cur(p), "(") && is_op(&p->t[p->i + 1], ")") && !is_op(&p->t[p->i + 2], ",")) {
            p->i += 2; /* GROUP BY (): one group */
        } else {
            if ((rc = parse_group_by(p, s))) return rc;
        }
    }
    if (accept_kw(p, "HAVING")) {
        if ((rc = parse_expr(p, &s->having))) return rc;
    }
    if (peek_kw1(p, "WINDOW"))
        return sql_fail(p->err, VRV_SQL_E_PLAN, &cur(p)->pos,
                        "Query could not be planned. A possible reason is [WINDOW clauses are not "
                        "supported by varve]");
    span_to(&s->pos, prev_pos(p));
    *out = s;
    return 0;
}

static int parse_values(parser *p, sql_query **out)
{
    sql_query *q = vrv_arena_calloc(p->a, sizeof *q);
    q->kind = Q_VALUES;
    q->pos = cur(p)->pos;
    int rc;
    if ((rc = NEED_KW(p, "VALUES"))) return rc;
    VRV_VEC(sql_ast **) rows = {0};
    size_t width = 0;
    for (;;) {
        sql_ast **vals;
        size_t nv;
        sql_pos rp = cur(p)->pos;
        if (accept_op(p, "(")) {
            if ((rc = expr_list(p, &vals, &nv)) || (rc = NEED_OP(p, ")"))) break;
        } else {
            if ((rc = expr_list(p, &vals, &nv))) break;
            if (nv > 1) nv = 1;
        }
        if (rows.n == 0) {
            width = nv;
        } else if (nv != width) {
            rc = sql_fail(p->err, VRV_SQL_E_VALIDATE, &rp,
                          "Values passed to VALUES operator must have compatible types");
            break;
        }
        vrv_vec_push(&rows, vals);
        if (!accept_op(p, ",")) break;
    }
    if (rc) {
        vrv_vec_free(&rows);
        return rc;
    }
    q->nrows = rows.n;
    q->nrowvals = width;
    q->rows = vrv_arena_memdup(p->a, rows.v, rows.n * sizeof *rows.v);
    vrv_vec_free(&rows);
    span_to(&q->pos, prev_pos(p));
    *out = q;
    return 0;
}

static int parse_query_term(parser *p, sql_query **out)
{
    int rc;
    if (accept_op(p, "(")) {
        if ((rc = parse_query_stmt(p, out)) || (rc = NEED_OP(p, ")"))) return rc;
        return 0;
    }
    if (peek_kw1(p, "VALUES")) return parse_values(p, out);
    sql_query *q = vrv_arena_calloc(p->a, sizeof *q);
    q->kind = Q_SELECT;
    q->pos = cur(p)->pos;
    if ((rc = parse_select(p, &q->sel))) return rc;
    q->pos = q->sel->pos;
    *out = q;
    return 0;
}

static int parse_query_expr(parser *p, sql_query **out)
{
    sql_query *l = NULL;
    int rc = parse_query_term(p, &l);
    if (rc) return rc;
    for (;;) {
        sql_pos pos = cur(p)->pos;
        if (accept_kw(p, "UNION")) {
            bool all = accept_kw(p, "ALL");
            if (!all) accept_kw(p, "DISTINCT");
            if (!all)
                return sql_fail(p->err, VRV_SQL_E_PLAN, &pos,
                                "Query could not be planned. A possible reason is [SQL requires "
                                "'UNION' but only 'UNION ALL' is supported.]");
            sql_query *r;
            if ((rc = parse_query_term(p, &r))) return rc;
            sql_query *u = vrv_arena_calloc(p->a, sizeof *u);
            u->kind = Q_UNION;
            u->left = l;
            u->right = r;
            u->pos = l->pos;
            span_to(&u->pos, prev_pos(p));
            l = u;
            continue;
        }
        if (peek_kw1(p, "EXCEPT") || peek_kw1(p, "INTERSECT") || peek_kw1(p, "MINUS"))
            return sql_fail(p->err, VRV_SQL_E_PLAN, &pos,
                            "Query could not be planned. A possible reason is [%.*s is not "
                            "supported]",
                            (int)cur(p)->len, cur(p)->text);
        break;
    }
    *out = l;
    return 0;
}

/* A LIMIT/OFFSET/FETCH count: an unsigned integer or a ? parameter. */
static int parse_count(parser *p, sql_ast **out)
{
    const sql_token *t = cur(p);
    if (t->kind == TK_INT || t->kind == TK_PARAM) return parse_primary(p, out);
    expect_note(p, "<UNSIGNED_INTEGER_LITERAL>");
    expect_note(p, KW("?"));
    return syntax_error(p);
}

static int parse_query_stmt(parser *p, sql_query **out)
{
    int rc;
    if (++p->depth > MAX_NEST)
        return sql_fail(p->err, VRV_SQL_E_PARSE, &cur(p)->pos, "Query is nested too deeply");
    VRV_VEC(sql_cte) ctes = {0};
    if (accept_kw(p, "WITH")) {
        if (peek_kw1(p, "RECURSIVE")) {
            vrv_vec_free(&ctes);
            return sql_fail(p->err, VRV_SQL_E_PLAN, &cur(p)->pos,
                            "Query could not be planned. A possible reason is [WITH RECURSIVE is "
                            "not supported]");
        }
        do {
            sql_cte c = {0};
            if (!ident_here(p)) {
                rc = syntax_error(p);
                break;
            }
            c.name = take_ident(p);
            if (is_op(cur(p), "(")) {
                vrv_vec_free(&ctes);
                return sql_fail(p->err, VRV_SQL_E_PLAN, &cur(p)->pos,
                                "Query could not be planned. A possible reason is [column lists "
                                "in WITH are not supported; alias the columns in the query]");
            }
            if ((rc = NEED_KW(p, "AS")) || (rc = NEED_OP(p, "(")) ||
                (rc = parse_query_stmt(p, &c.query)) || (rc = NEED_OP(p, ")")))
                break;
            vrv_vec_push(&ctes, c);
        } while (accept_op(p, ","));
        if (rc) {
            vrv_vec_free(&ctes);
            return rc;
        }
    }
    sql_query *q = NULL;
    if ((rc = parse_query_expr(p, &q))) {
        vrv_vec_free(&ctes);
        return rc;
    }
    /* ORDER BY / LIMIT / OFFSET apply to the whole query expression: wrap a
     * union, or a query that already has them, so each level keeps its own */
    bool has_tail = peek_kw1(p, "ORDER") || peek_kw1(p, "LIMIT") || peek_kw1(p, "OFFSET") ||
                    peek_kw1(p, "FETCH");
    if (has_tail && (q->norder || q->limit || q->offset || q->nctes)) {
        sql_query *w = vrv_arena_calloc(p->a, sizeof *w);
        sql_select *s = vrv_arena_calloc(p->a, sizeof *s);
        s->pos = q->pos;
        s->nitems = 1;
        s->items = vrv_arena_calloc(p->a, sizeof *s->items);
        s->items[0].expr = node(p, A_STAR, &q->pos);
        s->items[0].pos = q->pos;
        s->from = vrv_arena_calloc(p->a, sizeof *s->from);
        s->from->kind = F_SUBQUERY;
        s->from->query = q;
        s->from->pos = q->pos;
        w->kind = Q_SELECT;
        w->sel = s;
        w->pos = q->pos;
        q = w;
    }
    if (accept_kw(p, "ORDER")) {
        if ((rc = NEED_KW(p, "BY"))) {
            vrv_vec_free(&ctes);
            return rc;
        }
        VRV_VEC(sql_order) ord = {0};
        for (;;) {
            sql_order o = {0};
            if ((rc = parse_expr(p, &o.expr))) break;
            if (accept_kw(p, "DESC")) o.desc = true;
            else accept_kw(p, "ASC");
            if (accept_kw(p, "NULLS")) {
                if (accept_kw(p, "FIRST")) o.nulls = 1;
                else if (accept_kw(p, "LAST")) o.nulls = 2;
                else {
                    rc = syntax_error(p);
                    break;
                }
            }
            vrv_vec_push(&ord, o);
            if (!accept_op(p, ",")) break;
        }
        if (rc) {
            vrv_vec_free(&ord);
            vrv_vec_free(&ctes);
            return rc;
        }
        q->norder = ord.n;
        q->order = vrv_arena_memdup(p->a, ord.v, ord.n * sizeof *ord.v);
        vrv_vec_free(&ord);
    }
    if (accept_kw(p, "LIMIT")) {
        if (accept_kw(p, "ALL")) {
            /* no limit */
        } else {
            sql_ast *first;
            if ((rc = parse_count(p, &first))) {
                vrv_vec_free(&ctes);
                return rc;
            }
            if (accept_op(p, ",")) {
                /* LIMIT offset, count */
                q->offset = first;
                if ((rc = parse_count(p, &q->limit))) {
                    vrv_vec_free(&ctes);
                    return rc;
                }
            } else {
                q->limit = first;
            }
        }
    }
    if (accept_kw(p, "OFFSET")) {
        if ((rc = parse_count(p, &q->offset))) {
            vrv_vec_free(&ctes);
            return rc;
        }
        if (!accept_kw(p, "ROWS")) accept_kw(p, "ROW");
    }
    if (accept_kw(p, "FETCH")) {
        if (!accept_kw(p, "FIRST") && !accept_kw(p, "NEXT")) rc = syntax_error(p);
        if (rc == 0) rc = parse_count(p, &q->limit);
        if (rc == 0 && !accept_kw(p, "ROWS") && !accept_kw(p, "ROW")) rc = syntax_error(p);
        if (rc == 0 && !accept_kw(p, "ONLY")) rc = syntax_error(p);
        if (rc) {
            vrv_vec_free(&ctes);
            return rc;
        }
    }
    if (ctes.n) {
        q->nctes = ctes.n;
        q->ctes = vrv_arena_memdup(p->a, ctes.v, ctes.n * sizeof *ctes.v);
    }
    vrv_vec_free(&ctes);
    p->depth--;
    *out = q;
    return 0;
}

int sql_parse(vrv_arena *a, const char *s, size_t n, sql_stmt **out, vrv_sql_error *err)
{
    sql_token *toks;
    size_t ntok;
    int rc = sql_lex(a, s, n, &toks, &ntok, err);
    if (rc) return rc;
    parser P = {.a = a, .t = toks, .n = ntok, .err = err};
    parser *p = &P;
    sql_stmt *st = vrv_arena_calloc(a, sizeof *st);
    VRV_VEC(sql_set) sets = {0};
    /* SET key = value; ... */
    while (is_word(cur(p), "SET")) {
        p->i++;
        sql_set set = {0};
        if (!ident_here(p)) {
            vrv_vec_free(&sets);
            return syntax_error(p);
        }
        set.key = take_ident(p);
        if ((rc = NEED_OP(p, "=")) || (rc = parse_unary(p, &set.value))) {
            vrv_vec_free(&sets);
            return rc;
        }
        if (set.value->kind != A_NUM && set.value->kind != A_STR && set.value->kind != A_BOOL &&
            set.value->kind != A_NULL) {
            vrv_vec_free(&sets);
            return sql_fail(err, VRV_SQL_E_VALIDATE, &set.value->pos,
                            "Assigned value must be a literal for SET statement");
        }
        vrv_vec_push(&sets, set);
        if ((rc = NEED_OP(p, ";"))) {
            vrv_vec_free(&sets);
            return rc;
        }
    }
    st->nsets = sets.n;
    st->sets = sets.n ? vrv_arena_memdup(a, sets.v, sets.n * sizeof *sets.v) : NULL;
    vrv_vec_free(&sets);
    if (accept_kw(p, "EXPLAIN")) {
        if ((rc = NEED_KW(p, "PLAN"))) return rc;
        /* the optional detail clauses Calcite accepts */
        for (;;) {
            if (accept_kw(p, "INCLUDING") || accept_kw(p, "EXCLUDING")) {
                accept_kw(p, "ALL");
                if ((rc = NEED_KW(p, "ATTRIBUTES"))) return rc;
            } else if (accept_kw(p, "WITH") || accept_kw(p, "WITHOUT")) {
                if (!accept_kw(p, "IMPLEMENTATION") && !accept_kw(p, "TYPE"))
                    return syntax_error(p);
            } else if (accept_kw(p, "AS")) {
                if (!accept_kw(p, "JSON") && !accept_kw(p, "XML") && !accept_kw(p, "DOT"))
                    return syntax_error(p);
            } else {
                break;
            }
        }
        if ((rc = NEED_KW(p, "FOR"))) return rc;
        st->explain = true;
    }
    if (peek_kw1(p, "INSERT") || peek_kw1(p, "REPLACE") || peek_kw1(p, "DELETE") ||
        peek_kw1(p, "UPDATE"))
        return sql_fail(err, VRV_SQL_E_PLAN, &cur(p)->pos,
                        "Query could not be planned. A possible reason is [%.*s statements need the "
                        "multi-stage query engine, which varve does not have]",
                        (int)cur(p)->len, cur(p)->text);
    if (!peek_kw1(p, "SELECT") && !peek_kw1(p, "WITH") && !peek_kw1(p, "VALUES") &&
        !is_op(cur(p), "(")) {
        expect_note(p, KW("("));
        expect_note(p, KW("EXPLAIN"));
        expect_note(p, KW("SET"));
        return syntax_error(p);
    }
    if ((rc = parse_query_stmt(p, &st->query))) return rc;
    accept_op(p, ";");
    if (cur(p)->kind != TK_EOF) {
        expect_note(p, "<EOF>");
        return syntax_error(p);
    }
    st->nparams = p->nparams;
    *out = st;
    return 0;
}
