/*
 * sql_analyze.c — from syntax tree to analysed SELECT blocks: name
 * resolution against the FROM clause (tables, metadata tables, merged or
 * nested subqueries, joins, VALUES, unions, WITH), SQL typing with
 * Calcite's implicit coercions, aggregate extraction and the GROUP BY
 * rules ("Expression 'x' is not being grouped"), HAVING and ORDER BY with
 * ordinals and aliases, DISTINCT, LIMIT and OFFSET, dynamic parameters, and
 * the lowering of SQL functions onto Druid's native expression functions
 * (SUBSTRING's 1-based index, STRPOS, the TIME_* family with sqlTimeZone,
 * INTERVAL arithmetic, ...). Validation errors carry Calcite's messages and
 * the position of the offending text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/numfmt.h"
#include "sql/sql_int.h"

/* ---- rex helpers ------------------------------------------------------------------ */

rex *rex_lit(sql_ctx *c, vrv_value v, sql_type t, sql_pos pos)
{
    rex *r = vrv_arena_calloc(c->arena, sizeof *r);
    r->kind = RX_LIT;
    r->lit = v;
    r->type = t;
    r->pos = pos;
    return r;
}

rex *rex_call(sql_ctx *c, rex_fn fn, sql_type t, rex **args, size_t n, sql_pos pos)
{
    rex *r = vrv_arena_calloc(c->arena, sizeof *r);
    r->kind = RX_CALL;
    r->fn = (uint8_t)fn;
    r->type = t;
    r->pos = pos;
    r->nargs = (uint32_t)n;
    if (n) {
        r->args = vrv_arena_alloc(c->arena, n * sizeof *args);
        memcpy(r->args, args, n * sizeof *args);
    }
    return r;
}

static rex *rex_native(sql_ctx *c, const char *name, sql_type t, rex **args, size_t n, sql_pos pos)
{
    rex *r = rex_call(c, FN_NATIVE, t, args, n, pos);
    r->name = name;
    return r;
}

static rex *rex_ref(sql_ctx *c, rex_kind k, int index, sql_type t, sql_pos pos)
{
    rex *r = vrv_arena_calloc(c->arena, sizeof *r);
    r->kind = (uint8_t)k;
    r->index = index;
    r->type = t;
    r->pos = pos;
    return r;
}

static bool value_equal(const vrv_value *a, const vrv_value *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case VRV_V_NULL: return true;
    case VRV_V_LONG: return a->u.l == b->u.l;
    case VRV_V_DOUBLE: return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
    case VRV_V_FLOAT: return a->u.f == b->u.f;
    case VRV_V_STRING: return a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
    default: return false;
    }
}

bool rex_equal(const rex *a, const rex *b)
{
    if (a == b) return true;
    if (!a || !b || a->kind != b->kind) return false;
    switch (a->kind) {
    case RX_LIT: return a->type.id == b->type.id && value_equal(&a->lit, &b->lit);
    case RX_COL:
    case RX_KEY:
    case RX_AGG: return a->index == b->index;
    case RX_CALL:
        if (a->fn != b->fn || a->nargs != b->nargs || a->type.id != b->type.id) return false;
        if ((a->fn == FN_NATIVE || a->fn == FN_SKETCH) && strcmp(a->name, b->name) != 0) return false;
        for (uint32_t i = 0; i < a->nargs; i++)
            if (!rex_equal(a->args[i], b->args[i])) return false;
        return true;
    }
    return false;
}

bool rex_is_lit(const rex *r)
{
    return r && r->kind == RX_LIT;
}

bool rex_is_null_lit(const rex *r)
{
    return r && r->kind == RX_LIT && r->lit.type == VRV_V_NULL;
}

/* True when r reads no column, key or aggregate. */
static bool rex_constant(const rex *r)
{
    if (r->kind == RX_LIT) return true;
    if (r->kind != RX_CALL) return false;
    for (uint32_t i = 0; i < r->nargs; i++)
        if (!rex_constant(r->args[i])) return false;
    return true;
}

static sql_type T(sql_tid id, bool nullable)
{
    return sql_type_make(id, nullable);
}

static rex *lit_long(sql_ctx *c, int64_t v, sql_tid t, sql_pos pos)
{
    return rex_lit(c, vrv_long(v), T(t, false), pos);
}

static rex *lit_str(sql_ctx *c, const char *s, sql_pos pos)
{
    return rex_lit(c, vrv_string(s, strlen(s)), T(ST_VARCHAR, false), pos);
}

static rex *lit_null(sql_ctx *c, sql_type t, sql_pos pos)
{
    t.nullable = true;
    return rex_lit(c, vrv_null(), t, pos);
}

static rex *lit_bool(sql_ctx *c, bool v, sql_pos pos)
{
    vrv_value x = vrv_long(v);
    x.flags = VRV_VF_BOOL;
    return rex_lit(c, x, T(ST_BOOLEAN, false), pos);
}

/* ---- signatures ----------------------------------------------------------------------- */

void sql_sig_add(vrv_arena *a, sql_sig *s, const char *name, const char *table, const char *native,
                 sql_type t, rex *expr)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        sql_col *v = vrv_arena_alloc(a, nc * sizeof *v);
        if (s->n) memcpy(v, s->v, s->n * sizeof *v);
        s->v = v;
        s->cap = nc;
    }
    sql_col col = {name, table, native, t, expr};
    s->v[s->n++] = col;
}

/* ---- the analyser state ---------------------------------------------------------------- */

typedef enum amode { M_PLAIN = 0, M_AGG } amode;

typedef struct an {
    sql_ctx *c;
    const sql_sig *vis;   /* the columns in scope */
    sql_block *b;         /* keys and aggregates (M_AGG) */
    amode mode;
    const char *clause;   /* "WHERE", "GROUP BY", "SELECT", ... */
    bool in_agg;          /* inside an aggregate's arguments */
    /* aliases of the SELECT list usable here (HAVING, ORDER BY) */
    const char **alias_names;
    rex **alias_rex;
    size_t naliases;
} an;

static int ana(an *A, const sql_ast *n, rex **out);
static int analyze_select(sql_ctx *c, const sql_query *q, sql_block *b);

static int fail_v(an *A, const sql_pos *pos, const char *fmt, ...) VRV_PRINTF(3, 4);
static int fail_v(an *A, const sql_pos *pos, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sql_fail(A->c->err, VRV_SQL_E_VALIDATE, pos, "%s (line [%d], column [%d])", msg,
                    pos ? pos->line : 0, pos ? pos->col : 0);
}

static int fail_c(sql_ctx *c, const sql_pos *pos, const char *fmt, ...) VRV_PRINTF(3, 4);
static int fail_c(sql_ctx *c, const sql_pos *pos, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sql_fail(c->err, VRV_SQL_E_VALIDATE, pos, "%s (line [%d], column [%d])", msg,
                    pos ? pos->line : 0, pos ? pos->col : 0);
}

static int fail_plan(sql_ctx *c, const sql_pos *pos, const char *fmt, ...) VRV_PRINTF(3, 4);
static int fail_plan(sql_ctx *c, const sql_pos *pos, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (void)pos;
    return sql_fail(c->err, VRV_SQL_E_PLAN, NULL,
                    "Query could not be planned. A possible reason is [%s]", msg);
}

/* The type as Calcite writes it in messages: <VARCHAR>, <BIGINT>, ... */
static const char *msg_type(sql_type t)
{
    if (t.id == ST_TIMESTAMP) return "TIMESTAMP(3)";
    if (t.id == ST_CHAR || t.id == ST_VARCHAR) return t.id == ST_CHAR ? "CHAR" : "VARCHAR";
    return sql_type_name(t);
}

/* ---- aggregates: which names are ------------------------------------------------------- */

typedef struct agg_def {
    const char *name;
    sql_agg_fn fn;
    int min, max;
} agg_def;

static const agg_def agg_defs[] = {
    {"COUNT", AGG_COUNT, 0, 1},
    {"SUM", AGG_SUM, 1, 1},
    {"MIN", AGG_MIN, 1, 1},
    {"MAX", AGG_MAX, 1, 1},
    {"AVG", AGG_AVG, 1, 1},
    {"APPROX_COUNT_DISTINCT", AGG_APPROX_DISTINCT, 1, 1},
    {"APPROX_COUNT_DISTINCT_BUILTIN", AGG_APPROX_DISTINCT, 1, 1},
    {"APPROX_COUNT_DISTINCT_DS_HLL", AGG_DS_HLL, 1, 3},
    {"APPROX_COUNT_DISTINCT_DS_THETA", AGG_DS_THETA, 1, 2},
    {"APPROX_QUANTILE_DS", AGG_QUANTILE_DS, 2, 3},
    {"EARLIEST", AGG_EARLIEST, 1, 2},
    {"LATEST", AGG_LATEST, 1, 2},
    {"EARLIEST_BY", AGG_EARLIEST_BY, 2, 3},
    {"LATEST_BY", AGG_LATEST_BY, 2, 3},
    {"ANY_VALUE", AGG_ANY_VALUE, 1, 2},
    {"GROUPING", AGG_GROUPING, 1, 64},
    {"DS_HLL", AGG_SK_HLL, 1, 3},
    {"DS_THETA", AGG_SK_THETA, 1, 2},
    {"DS_QUANTILES_SKETCH", AGG_SK_QUANTILES, 1, 2},
    {"STRING_AGG", AGG_STRING_AGG, 2, 3},
    {"LISTAGG", AGG_STRING_AGG, 1, 3},
    {"ARRAY_AGG", AGG_ARRAY_AGG, 1, 2},
    {"BIT_AND", AGG_BIT_AND, 1, 1},
    {"BIT_OR", AGG_BIT_OR, 1, 1},
    {"BIT_XOR", AGG_BIT_XOR, 1, 1},
};

static const agg_def *find_agg(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < VRV_ARRAY_LEN(agg_defs); i++)
        if (!strcasecmp(agg_defs[i].name, name)) return &agg_defs[i];
    return NULL;
}

/* Whether the tree holds an aggregate call (subqueries are their own). */
static bool has_agg(const sql_ast *n)
{
    if (!n) return false;
    if (n->kind == A_CALL && find_agg(n->s)) return true;
    if (n->kind == A_SUBQUERY || n->kind == A_EXISTS) return false;
    for (size_t i = 0; i < n->nargs; i++)
        if (has_agg(n->args[i])) return true;
    return has_agg(n->operand) || has_agg(n->els);
}

/* ---- literals and parameters ------------------------------------------------------------ */

static int num_literal(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    if (n->flag == 0) {
        int64_t v;
        if (!vrv_str_to_i64(vrv_str_c(n->s), &v))
            return fail_v(A, &n->pos, "Numeric literal '%s' out of range", n->s);
        *out = lit_long(c, v, (v >= INT32_MIN && v <= INT32_MAX) ? ST_INTEGER : ST_BIGINT, n->pos);
        return 0;
    }
    double d;
    if (!vrv_str_to_double(vrv_str_c(n->s), &d))
        return fail_v(A, &n->pos, "Numeric literal '%s' out of range", n->s);
    *out = rex_lit(c, vrv_double(d), T(n->flag == 1 ? ST_DECIMAL : ST_DOUBLE, false), n->pos);
    return 0;
}

/* An INTERVAL literal's value: milliseconds (day-time) or months. */
static int interval_literal(an *A, const sql_ast *n, rex **out)
{
    const char *s = n->s;
    int sign = n->flag;
    while (*s == ' ') s++;
    if (*s == '-') {
        sign = -sign;
        s++;
    } else if (*s == '+') {
        s++;
    }
    /* the fields of the text, separated by anything but digits */
    int64_t f[8];
    size_t nf = 0;
    const char *p = s;
    bool frac_next = false;
    int frac_digits = 0;
    while (*p && nf < 8) {
        if (*p >= '0' && *p <= '9') {
            int64_t v = 0;
            const char *st = p;
            while (*p >= '0' && *p <= '9') {
                if (v > INT64_MAX / 10 - 10) return fail_v(A, &n->pos, "Interval field value %s exceeds precision of %s(2) field", s, n->unit);
                v = v * 10 + (*p - '0');
                p++;
            }
            if (frac_next) frac_digits = (int)(p - st);
            f[nf++] = v;
            frac_next = false;
        } else {
            frac_next = *p == '.';
            if (*p != ' ' && *p != ':' && *p != '-' && *p != '.')
                return fail_v(A, &n->pos, "Illegal interval literal format '%s' for INTERVAL %s", n->s,
                              n->unit);
            p++;
        }
    }
    if (nf == 0) return fail_v(A, &n->pos, "Illegal interval literal format '%s' for INTERVAL %s", n->s, n->unit);
    const char *u1 = n->unit, *u2 = n->unit2 ? n->unit2 : n->unit;
    bool ym = !strcmp(u1, "YEAR") || !strcmp(u1, "MONTH") || !strcmp(u1, "QUARTER");
    if (ym) {
        int64_t months;
        if (!strcmp(u1, "YEAR") && !strcmp(u2, "MONTH"))
            months = f[0] * 12 + (nf > 1 ? f[1] : 0);
        else if (!strcmp(u1, "YEAR"))
            months = f[0] * 12;
        else if (!strcmp(u1, "QUARTER"))
            months = f[0] * 3;
        else
            months = f[0];
        *out = rex_lit(A->c, vrv_long(sign * months), T(ST_INTERVAL_YM, false), n->pos);
        return 0;
    }
    static const struct {
        const char *u;
        int64_t ms;
    } units[] = {{"WEEK", VRV_MS_PER_WEEK}, {"DAY", VRV_MS_PER_DAY},  {"HOUR", VRV_MS_PER_HOUR},
                 {"MINUTE", VRV_MS_PER_MINUTE}, {"SECOND", 1000}, {"MILLISECOND", 1}};
    size_t first = VRV_ARRAY_LEN(units);
    for (size_t k = 0; k < VRV_ARRAY_LEN(units); k++)
        if (!strcmp(units[k].u, u1)) first = k;
    if (first == VRV_ARRAY_LEN(units))
        return fail_v(A, &n->pos, "Illegal interval literal format '%s' for INTERVAL %s", n->s, u1);
    int64_t ms = 0;
    size_t k = first;
    for (size_t i = 0; i < nf; i++) {
        if (k >= VRV_ARRAY_LEN(units)) break;
        bool is_frac = i > 0 && k > 0 && !strcmp(units[k - 1].u, "SECOND") && frac_digits > 0 && i == nf - 1;
        if (is_frac) {
            int64_t v = f[i];
            int d = frac_digits;
            while (d > 3) {
                v /= 10;
                d--;
            }
            while (d < 3) {
                v *= 10;
                d++;
            }
            ms += v;
            break;
        }
        ms += f[i] * units[k].ms;
        if (!strcmp(units[k].u, u2)) {
            k++;
            if (i + 1 < nf && frac_digits > 0 && !strcmp(units[k - 1].u, "SECOND")) continue;
            break;
        }
        k++;
    }
    *out = rex_lit(A->c, vrv_long(sign * ms), T(ST_INTERVAL_DT, false), n->pos);
    return 0;
}

static int typed_literal(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    vrv_ms t;
    if (!strcmp(n->unit, "TIME"))
        return fail_v(A, &n->pos, "TIME literals are not supported; use TIMESTAMP '%s'", n->s);
    if (sql_parse_timestamp(c, n->s, strlen(n->s), &t) < 0)
        return fail_v(A, &n->pos, "Illegal %s literal '%s': not in format '%s'", n->unit, n->s,
                      !strcmp(n->unit, "DATE") ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss");
    if (!strcmp(n->unit, "DATE")) {
        vrv_period day = {0};
        day.days = 1;
        vrv_gran g;
        vrv_gran_make_period(&g, &day, c->tz, NULL, NULL);
        t = vrv_gran_bucket_start(&g, t);
        *out = rex_lit(c, vrv_long(t), T(ST_DATE, false), n->pos);
        return 0;
    }
    *out = rex_lit(c, vrv_long(t), T(ST_TIMESTAMP, false), n->pos);
    return 0;
}

/* A dynamic parameter: {"type":"VARCHAR","value":...} bound to its literal. */
static int param_literal(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    const json_t *p = c->params ? json_array_get(c->params, (size_t)n->flag) : NULL;
    if (!p)
        return sql_fail(c->err, VRV_SQL_E_VALIDATE, &n->pos, "No value bound for parameter (position [%d])",
                        n->flag + 1);
    const char *type = json_string_value(json_object_get(p, "type"));
    const json_t *v = json_object_get(p, "value");
    if (!type)
        return sql_fail(c->err, VRV_SQL_E_REQUEST, NULL, "parameters[%d].type: required", n->flag);
    if (!v || json_is_null(v)) {
        sql_type t = T(ST_VARCHAR, true);
        if (!strcasecmp(type, "BIGINT") || !strcasecmp(type, "INTEGER")) t = T(ST_BIGINT, true);
        else if (!strcasecmp(type, "DOUBLE") || !strcasecmp(type, "FLOAT") || !strcasecmp(type, "REAL") || !strcasecmp(type, "DECIMAL")) t = T(ST_DOUBLE, true);
        else if (!strcasecmp(type, "TIMESTAMP")) t = T(ST_TIMESTAMP, true);
        else if (!strcasecmp(type, "BOOLEAN")) t = T(ST_BOOLEAN, true);
        *out = lit_null(c, t, n->pos);
        return 0;
    }
    if (!strcasecmp(type, "VARCHAR") || !strcasecmp(type, "CHAR")) {
        if (json_is_string(v)) {
            *out = rex_lit(c, vrv_string(vrv_arena_strndup(c->arena, json_string_value(v), json_string_length(v)), json_string_length(v)), T(ST_VARCHAR, false), n->pos);
            return 0;
        }
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        *out = rex_lit(c, vrv_string(vrv_arena_strdup(c->arena, s), strlen(s)), T(ST_VARCHAR, false), n->pos);
        free(s);
        return 0;
    }
    if (!strcasecmp(type, "BIGINT") || !strcasecmp(type, "INTEGER") || !strcasecmp(type, "SMALLINT") || !strcasecmp(type, "TINYINT")) {
        int64_t l;
        if (json_is_integer(v)) l = json_integer_value(v);
        else if (json_is_real(v)) l = (int64_t)json_real_value(v);
        else if (json_is_string(v) && vrv_str_to_i64(vrv_str_c(json_string_value(v)), &l)) {
        } else
            return sql_fail(c->err, VRV_SQL_E_REQUEST, NULL, "parameters[%d].value: not a valid %s", n->flag, type);
        *out = lit_long(c, l, !strcasecmp(type, "BIGINT") ? ST_BIGINT : ST_INTEGER, n->pos);
        return 0;
    }
    if (!strcasecmp(type, "DOUBLE") || !strcasecmp(type, "FLOAT") || !strcasecmp(type, "REAL") || !strcasecmp(type, "DECIMAL")) {
        double d;
        if (json_is_number(v)) d = json_number_value(v);
        else if (json_is_string(v) && vrv_str_to_double(vrv_str_c(json_string_value(v)), &d)) {
        } else
            return sql_fail(c->err, VRV_SQL_E_REQUEST, NULL, "parameters[%d].value: not a valid %s", n->flag, type);
        *out = rex_lit(c, vrv_double(d), T(!strcasecmp(type, "FLOAT") ? ST_FLOAT : ST_DOUBLE, false), n->pos);
        return 0;
    }
    if (!strcasecmp(type, "BOOLEAN")) {
        bool b;
        if (json_is_boolean(v)) b = json_is_true(v);
        else if (json_is_string(v)) b = !strcasecmp(json_string_value(v), "true");
        else if (json_is_number(v)) b = json_number_value(v) != 0;
        else return sql_fail(c->err, VRV_SQL_E_REQUEST, NULL, "parameters[%d].value: not a valid BOOLEAN", n->flag);
        *out = lit_bool(c, b, n->pos);
        return 0;
    }
    if (!strcasecmp(type, "TIMESTAMP") || !strcasecmp(type, "DATE")) {
        vrv_ms t;
        if (json_is_integer(v)) t = json_integer_value(v);
        else if (json_is_string(v) && sql_parse_timestamp(c, json_string_value(v), json_string_length(v), &t) == 0) {
        } else
            return sql_fail(c->err, VRV_SQL_E_REQUEST, NULL, "parameters[%d].value: not a valid %s", n->flag, type);
        *out = rex_lit(c, vrv_long(t), T(!strcasecmp(type, "DATE") ? ST_DATE : ST_TIMESTAMP, false), n->pos);
        return 0;
    }
    return sql_fail(c->err, VRV_SQL_E_REQUEST, NULL, "parameters[%d].type: unsupported SQL type [%s]", n->flag, type);
}

/* ---- casts and coercion ----------------------------------------------------------------- */

static rex *cast_to(an *A, rex *x, sql_type t)
{
    sql_ctx *c = A->c;
    if (x->type.id == t.id) return x;
    t.nullable = x->type.nullable || t.nullable;
    if (x->kind == RX_LIT) {
        /* fold literal casts the planner would otherwise emit */
        vrv_value v = x->lit;
        if (v.type == VRV_V_NULL) return lit_null(c, t, x->pos);
        if (sql_type_is_numeric(t) || t.id == ST_BOOLEAN) {
            if (v.type == VRV_V_STRING) {
                int64_t l;
                double d;
                vrv_str s = vrv_str_make(v.u.s, v.len);
                while (s.n && s.p[0] == ' ') s.p++, s.n--;
                while (s.n && s.p[s.n - 1] == ' ') s.n--;
                if (sql_type_is_integer(t) && vrv_str_to_i64(s, &l)) return rex_lit(c, vrv_long(l), t, x->pos);
                if (vrv_str_to_double(s, &d)) {
                    if (sql_type_is_integer(t)) return rex_lit(c, vrv_long((int64_t)d), t, x->pos);
                    return rex_lit(c, vrv_double(d), t, x->pos);
                }
            } else if (v.type == VRV_V_LONG && !sql_type_is_integer(t) && t.id != ST_BOOLEAN) {
                return rex_lit(c, vrv_double((double)v.u.l), t, x->pos);
            } else if (v.type == VRV_V_LONG) {
                return rex_lit(c, v, t, x->pos);
            } else if (v.type == VRV_V_DOUBLE && sql_type_is_integer(t)) {
                return rex_lit(c, vrv_long((int64_t)v.u.d), t, x->pos);
            } else if (v.type == VRV_V_DOUBLE) {
                return rex_lit(c, v, t, x->pos);
            }
        }
        if (sql_type_is_time(t) && v.type == VRV_V_STRING) {
            vrv_ms ms;
            if (sql_parse_timestamp(c, v.u.s, v.len, &ms) == 0) {
                if (t.id == ST_DATE) {
                    vrv_period day = {0};
                    day.days = 1;
                    vrv_gran g;
                    vrv_gran_make_period(&g, &day, c->tz, NULL, NULL);
                    ms = vrv_gran_bucket_start(&g, ms);
                }
                return rex_lit(c, vrv_long(ms), t, x->pos);
            }
        }
        if (sql_type_is_string(t) && (v.type == VRV_V_LONG || v.type == VRV_V_DOUBLE) &&
            sql_type_is_numeric(x->type)) {
            vrv_buf b = VRV_BUF_INIT;
            vrv_value_append_string(&v, &b);
            rex *r = rex_lit(c, vrv_string(vrv_arena_strndup(c->arena, b.data, b.len), b.len), t, x->pos);
            vrv_buf_free(&b);
            return r;
        }
        if (sql_type_is_string(t) && sql_type_is_string(x->type)) return rex_lit(c, v, t, x->pos);
        if (sql_type_is_time(t) && sql_type_is_time(x->type)) return rex_lit(c, v, t, x->pos);
    }
    rex *args[1] = {x};
    return rex_call(c, FN_CAST, t, args, 1, x->pos);
}

/* Calcite's implicit coercion of two operands of a comparison. */
static int coerce_pair(an *A, rex **l, rex **r, const char *op, const sql_pos *pos)
{
    sql_type a = (*l)->type, b = (*r)->type;
    if (a.id == ST_NULL || b.id == ST_NULL || a.id == b.id) return 0;
    if (sql_type_is_numeric(a) && sql_type_is_numeric(b)) return 0;
    if (sql_type_is_string(a) && sql_type_is_string(b)) return 0;
    if (sql_type_is_time(a) && sql_type_is_time(b)) return 0;
    if (sql_type_is_time(a) && sql_type_is_string(b)) {
        *r = cast_to(A, *r, a);
        return 0;
    }
    if (sql_type_is_time(b) && sql_type_is_string(a)) {
        *l = cast_to(A, *l, b);
        return 0;
    }
    if (sql_type_is_numeric(a) && sql_type_is_string(b)) {
        *r = cast_to(A, *r, a);
        return 0;
    }
    if (sql_type_is_numeric(b) && sql_type_is_string(a)) {
        *l = cast_to(A, *l, b);
        return 0;
    }
    if (a.id == ST_BOOLEAN || b.id == ST_BOOLEAN) return 0;
    return fail_v(A, pos, "Cannot apply '%s' to arguments of type '<%s> %s <%s>'. Supported form(s): '<COMPARABLE_TYPE> %s <COMPARABLE_TYPE>'",
                  op, msg_type(a), op, msg_type(b), op);
}

static bool is_bool(sql_type t)
{
    return t.id == ST_BOOLEAN || t.id == ST_NULL;
}

static rex *make_bool_call(an *A, rex_fn fn, rex **args, size_t n, sql_pos pos)
{
    bool nullable = false;
    for (size_t i = 0; i < n; i++) nullable |= args[i]->type.nullable || args[i]->type.id == ST_NULL;
    if (fn == FN_IS_NULL || fn == FN_IS_NOT_NULL || fn == FN_IS_TRUE || fn == FN_IS_FALSE ||
        fn == FN_IS_NOT_TRUE || fn == FN_IS_NOT_FALSE || fn == FN_IS_DISTINCT ||
        fn == FN_IS_NOT_DISTINCT)
        nullable = false;
    return rex_call(A->c, fn, T(ST_BOOLEAN, nullable), args, n, pos);
}

/* ---- identifiers ----------------------------------------------------------------------------- */

static int resolve_column(an *A, const sql_ast *n, rex **out, bool report)
{
    const sql_sig *vis = A->vis;
    const char *col = n->names[n->nnames - 1];
    const char *tab = n->nnames >= 2 ? n->names[n->nnames - 2] : NULL;
    long hit = -1;
    bool table_seen = false;
    for (size_t i = 0; vis && i < vis->n; i++) {
        const sql_col *cc = &vis->v[i];
        if (tab) {
            if (!cc->table || strcmp(cc->table, tab) != 0) continue;
            table_seen = true;
        }
        if (strcmp(cc->name, col) != 0) continue;
        if (hit >= 0) {
            if (!report) return VRV_ENOTFOUND;
            return fail_v(A, &n->pos, "Column '%s' is ambiguous", col);
        }
        hit = (long)i;
    }
    if (hit < 0) {
        if (!report) return VRV_ENOTFOUND;
        if (tab && !table_seen) return fail_v(A, &n->pos, "Table '%s' not found", tab);
        if (tab) return fail_v(A, &n->pos, "Column '%s' not found in table '%s'", col, tab);
        return fail_v(A, &n->pos, "Column '%s' not found in any table", col);
    }
    *out = vis->v[hit].expr;
    return 0;
}

static long find_alias(an *A, const sql_ast *n)
{
    if (n->kind != A_IDENT || n->nnames != 1) return -1;
    for (size_t i = 0; i < A->naliases; i++)
        if (A->alias_names[i] && !strcmp(A->alias_names[i], n->names[0])) return (long)i;
    return -1;
}

static long find_key(const sql_block *b, const rex *r)
{
    for (size_t i = 0; i < b->nkeys; i++)
        if (rex_equal(b->keys[i], r)) return (long)i;
    return -1;
}

/* Calcite's text of an expression in "is not being grouped" messages. */
static const char *ast_text(an *A, const sql_ast *n)
{
    if (n->kind == A_IDENT) {
        vrv_buf b = VRV_BUF_INIT;
        for (size_t i = 0; i < n->nnames; i++) {
            if (i) vrv_buf_putc(&b, '.');
            vrv_buf_puts(&b, n->names[i]);
        }
        const char *s = vrv_arena_strdup(A->c->arena, b.data ? b.data : "");
        vrv_buf_free(&b);
        return s;
    }
    return "expression";
}

/* ---- the generic analysis ----------------------------------------------------------------------- */

static int ana_node(an *A, const sql_ast *n, rex **out);

/* Analyses n; in an aggregating context, a sub-expression equal to a group
 * key becomes a reference to the key, a column that is not grouped is an
 * error, and aggregate calls become aggregate references. */
static int ana(an *A, const sql_ast *n, rex **out)
{
    if (A->mode != M_AGG || A->in_agg) return ana_node(A, n, out);
    if (n->kind == A_IDENT) {
        rex *r;
        if (resolve_column(A, n, &r, false) == 0) {
            long k = find_key(A->b, r);
            if (k >= 0) {
                *out = rex_ref(A->c, RX_KEY, (int)k, A->b->keys[k]->type, n->pos);
                return 0;
            }
        }
        long al = find_alias(A, n);
        if (al >= 0) {
            *out = A->alias_rex[al];
            return 0;
        }
        int rc = resolve_column(A, n, &r, true);
        if (rc) return rc;
        return fail_v(A, &n->pos, "Expression '%s' is not being grouped", ast_text(A, n));
    }
    if (!has_agg(n) && n->kind != A_SUBQUERY && n->kind != A_EXISTS && n->kind != A_IN_QUERY) {
        vrv_sql_error saved = *A->c->err;
        an P = *A;
        P.mode = M_PLAIN;
        P.naliases = 0;
        rex *r;
        if (ana_node(&P, n, &r) == 0) {
            long k = find_key(A->b, r);
            if (k >= 0) {
                *out = rex_ref(A->c, RX_KEY, (int)k, A->b->keys[k]->type, n->pos);
                return 0;
            }
            if (rex_constant(r)) {
                *out = r;
                return 0;
            }
        }
        *A->c->err = saved;
    }
    return ana_node(A, n, out);
}

static int ana_args(an *A, const sql_ast *n, rex **args)
{
    for (size_t i = 0; i < n->nargs; i++) {
        int rc = ana(A, n->args[i], &args[i]);
        if (rc) return rc;
    }
    return 0;
}

/* ---- operators ----------------------------------------------------------------------------------- */

static const char *op_text(int op)
{
    switch (op) {
    case OP_EQ: return "=";
    case OP_NE: return "<>";
    case OP_LT: return "<";
    case OP_LE: return "<=";
    case OP_GT: return ">";
    case OP_GE: return ">=";
    case OP_ADD: return "+";
    case OP_SUB: return "-";
    case OP_MUL: return "*";
    case OP_DIV: return "/";
    case OP_MOD: return "MOD";
    case OP_CONCAT: return "||";
    case OP_AND: return "AND";
    case OP_OR: return "OR";
    default: return "?";
    }
}

/* Arithmetic with time: TIMESTAMP +/- INTERVAL. */
static int time_arith(an *A, const sql_ast *n, rex *l, rex *r, rex **out)
{
    sql_ctx *c = A->c;
    if (n->op == OP_ADD && sql_type_is_time(r->type) &&
        (l->type.id == ST_INTERVAL_DT || l->type.id == ST_INTERVAL_YM)) {
        rex *t = l;
        l = r;
        r = t;
    }
    if (!sql_type_is_time(l->type) || (n->op != OP_ADD && n->op != OP_SUB) ||
        (r->type.id != ST_INTERVAL_DT && r->type.id != ST_INTERVAL_YM))
        return fail_v(A, &n->pos, "Cannot apply '%s' to arguments of type '<%s> %s <%s>'", op_text(n->op),
                      msg_type(l->type), op_text(n->op), msg_type(r->type));
    sql_type rt = l->type;
    rt.nullable = l->type.nullable || r->type.nullable;
    if (r->type.id == ST_INTERVAL_DT) {
        /* fixed lengths are plain millisecond arithmetic */
        rex *ms = r;
        ms->type = T(ST_BIGINT, r->type.nullable);
        rex *args[2] = {l, ms};
        *out = rex_call(c, n->op == OP_ADD ? FN_ADD : FN_SUB, rt, args, 2, n->pos);
        return 0;
    }
    /* months: timestamp_shift in sqlTimeZone */
    if (r->kind != RX_LIT)
        return fail_plan(c, &n->pos, "a year-month INTERVAL must be a literal");
    int64_t months = r->lit.u.l * (n->op == OP_SUB ? -1 : 1);
    char per[48];
    snprintf(per, sizeof per, "P%lldM", (long long)months);
    rex *args[4] = {l, lit_str(c, vrv_arena_strdup(c->arena, per), n->pos), lit_long(c, 1, ST_INTEGER, n->pos),
                    lit_str(c, vrv_tz_id(c->tz), n->pos)};
    *out = rex_call(c, FN_TIME_SHIFT, rt, args, 4, n->pos);
    return 0;
}

static int ana_op(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    rex *a[2] = {NULL, NULL};
    int rc = ana_args(A, n, a);
    if (rc) return rc;
    switch (n->op) {
    case OP_NOT:
        if (!is_bool(a[0]->type))
            return fail_v(A, &n->pos, "Cannot apply 'NOT' to arguments of type 'NOT<%s>'. Supported form(s): 'NOT<BOOLEAN>'", msg_type(a[0]->type));
        *out = make_bool_call(A, FN_NOT, a, 1, n->pos);
        return 0;
    case OP_AND:
    case OP_OR:
        for (int i = 0; i < 2; i++)
            if (!is_bool(a[i]->type))
                return fail_v(A, &n->pos, "Cannot apply '%s' to arguments of type '<%s> %s <%s>'. Supported form(s): '<BOOLEAN> %s <BOOLEAN>'",
                              op_text(n->op), msg_type(a[0]->type), op_text(n->op), msg_type(a[1]->type), op_text(n->op));
        *out = make_bool_call(A, n->op == OP_AND ? FN_AND : FN_OR, a, 2, n->pos);
        return 0;
    case OP_EQ:
    case OP_NE:
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: {
        if ((rc = coerce_pair(A, &a[0], &a[1], op_text(n->op), &n->pos))) return rc;
        static const rex_fn fns[] = {[OP_EQ] = FN_EQ, [OP_NE] = FN_NE, [OP_LT] = FN_LT,
                                     [OP_LE] = FN_LE, [OP_GT] = FN_GT, [OP_GE] = FN_GE};
        *out = make_bool_call(A, fns[n->op], a, 2, n->pos);
        return 0;
    }
    case OP_NEG:
    case OP_POS:
        if (!sql_type_is_numeric(a[0]->type) && a[0]->type.id != ST_NULL &&
            a[0]->type.id != ST_INTERVAL_DT && a[0]->type.id != ST_INTERVAL_YM)
            return fail_v(A, &n->pos, "Cannot apply '%s' to arguments of type '%s<%s>'", n->op == OP_NEG ? "-" : "+",
                          n->op == OP_NEG ? "-" : "+", msg_type(a[0]->type));
        if (n->op == OP_POS) {
            *out = a[0];
            return 0;
        }
        if (a[0]->kind == RX_LIT && a[0]->lit.type == VRV_V_LONG) {
            *out = rex_lit(c, vrv_long(-a[0]->lit.u.l), a[0]->type, n->pos);
            return 0;
        }
        *out = rex_call(c, FN_NEG, a[0]->type, a, 1, n->pos);
        return 0;
    case OP_CONCAT: {
        for (int i = 0; i < 2; i++)
            if (!sql_type_is_string(a[i]->type) && a[i]->type.id != ST_NULL)
                a[i] = cast_to(A, a[i], T(ST_VARCHAR, a[i]->type.nullable));
        *out = rex_native(c, "concat", T(ST_VARCHAR, a[0]->type.nullable || a[1]->type.nullable), a, 2, n->pos);
        return 0;
    }
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_MOD: {
        sql_type ta = a[0]->type, tb = a[1]->type;
        if (sql_type_is_time(ta) || sql_type_is_time(tb) || ta.id == ST_INTERVAL_DT ||
            ta.id == ST_INTERVAL_YM || tb.id == ST_INTERVAL_DT || tb.id == ST_INTERVAL_YM) {
            if ((ta.id == ST_INTERVAL_DT || ta.id == ST_INTERVAL_YM) && sql_type_is_numeric(tb) &&
                n->op == OP_MUL) {
                *out = rex_call(c, FN_MUL, ta, a, 2, n->pos);
                return 0;
            }
            if ((tb.id == ST_INTERVAL_DT || tb.id == ST_INTERVAL_YM) && sql_type_is_numeric(ta) &&
                n->op == OP_MUL) {
                rex *s[2] = {a[1], a[0]};
                *out = rex_call(c, FN_MUL, tb, s, 2, n->pos);
                return 0;
            }
            return time_arith(A, n, a[0], a[1], out);
        }
        for (int i = 0; i < 2; i++) {
            sql_type t = a[i]->type;
            if (!sql_type_is_numeric(t) && !sql_type_is_string(t) && t.id != ST_NULL && t.id != ST_BOOLEAN)
                return fail_v(A, &n->pos,
                              "Cannot apply '%s' to arguments of type '<%s> %s <%s>'. Supported form(s): '<NUMERIC> %s <NUMERIC>'",
                              op_text(n->op), msg_type(ta), op_text(n->op), msg_type(tb), op_text(n->op));
        }
        sql_type rt = sql_type_arith(ta, tb);
        for (int i = 0; i < 2; i++)
            if (sql_type_is_string(a[i]->type)) a[i] = cast_to(A, a[i], T((sql_tid)rt.id, true));
        static const rex_fn fns[] = {[OP_ADD] = FN_ADD, [OP_SUB] = FN_SUB, [OP_MUL] = FN_MUL,
                                     [OP_DIV] = FN_DIV, [OP_MOD] = FN_MOD};
        if (n->op == OP_MOD && !sql_type_is_integer(rt)) rt.id = ST_DOUBLE;
        *out = rex_call(c, fns[n->op], rt, a, 2, n->pos);
        return 0;
    }
    }
    return fail_v(A, &n->pos, "unsupported operator");
}

/* ---- functions ------------------------------------------------------------------------------------ */

static int arity(an *A, const sql_ast *n, size_t min, size_t max)
{
    if (n->nargs < min || n->nargs > max) {
        if (min == max)
            return fail_v(A, &n->pos, "Invalid number of arguments to function '%s'. Was expecting %zu arguments",
                          n->s, min);
        return fail_v(A, &n->pos,
                      "Invalid number of arguments to function '%s'. Was expecting between %zu and %zu arguments",
                      n->s, min, max);
    }
    return 0;
}

static bool nullable_any(rex **a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i]->type.nullable || a[i]->type.id == ST_NULL) return true;
    return false;
}

static rex *tz_arg(an *A, rex *given, const sql_pos *pos)
{
    if (given && !rex_is_null_lit(given)) return given;
    return lit_str(A->c, vrv_tz_id(A->c->tz), *pos);
}

/* A string literal argument (period, unit, pattern, zone). */
static int lit_string_arg(an *A, const sql_ast *fn, rex *r, int i, const char **out)
{
    if (r->kind == RX_LIT && r->lit.type == VRV_V_STRING) {
        *out = vrv_arena_strndup(A->c->arena, r->lit.u.s, r->lit.len);
        return 0;
    }
    if (rex_is_null_lit(r)) {
        *out = NULL;
        return 0;
    }
    return fail_v(A, &r->pos, "Argument %d of function '%s' must be a literal string", i + 1, fn->s);
}

static const char *period_of_unit(const char *u)
{
    static const struct {
        const char *u, *p;
    } m[] = {{"MILLISECOND", "PT0.001S"}, {"SECOND", "PT1S"},  {"MINUTE", "PT1M"},
             {"HOUR", "PT1H"},             {"DAY", "P1D"},      {"WEEK", "P1W"},
             {"MONTH", "P1M"},             {"QUARTER", "P3M"},  {"YEAR", "P1Y"},
             {"DECADE", "P10Y"},           {"CENTURY", "P100Y"}, {"MILLENNIUM", "P1000Y"}};
    for (size_t i = 0; i < VRV_ARRAY_LEN(m); i++)
        if (!strcasecmp(m[i].u, u)) return m[i].p;
    return NULL;
}

static rex *time_floor(an *A, bool ceil, rex *t, const char *period, rex *origin, rex *tz,
                       sql_pos pos)
{
    sql_ctx *c = A->c;
    rex *args[4] = {t, lit_str(c, period, pos), origin ? origin : lit_null(c, T(ST_TIMESTAMP, true), pos),
                    tz_arg(A, tz, &pos)};
    sql_type rt = T(ST_TIMESTAMP, t->type.nullable);
    return rex_call(c, ceil ? FN_TIME_CEIL : FN_TIME_FLOOR, rt, args, 4, pos);
}

/* A TIMESTAMP argument: strings are parsed as SQL timestamps. */
static int time_arg(an *A, const sql_ast *fn, rex **r)
{
    if (sql_type_is_time((*r)->type) || (*r)->type.id == ST_NULL) return 0;
    if (sql_type_is_string((*r)->type)) {
        *r = cast_to(A, *r, T(ST_TIMESTAMP, true));
        return 0;
    }
    return fail_v(A, &(*r)->pos, "Cannot apply '%s' to arguments of type '%s(<%s>)'", fn->s, fn->s,
                  msg_type((*r)->type));
}

static int numeric_arg(an *A, const sql_ast *fn, rex **r)
{
    if (sql_type_is_numeric((*r)->type) || (*r)->type.id == ST_NULL || (*r)->type.id == ST_BOOLEAN) return 0;
    if (sql_type_is_string((*r)->type)) {
        *r = cast_to(A, *r, T(ST_DOUBLE, true));
        return 0;
    }
    return fail_v(A, &(*r)->pos, "Cannot apply '%s' to arguments of type '%s(<%s>)'. Supported form(s): '%s(<NUMERIC>)'",
                  fn->s, fn->s, msg_type((*r)->type), fn->s);
}

static rex *string_arg(an *A, rex *r)
{
    if (sql_type_is_string(r->type) || r->type.id == ST_NULL) return r;
    return cast_to(A, r, T(ST_VARCHAR, r->type.nullable));
}

static int ana_agg(an *A, const sql_ast *n, const agg_def *d, rex **out);

/* ---- sketch functions ------------------------------------------------------------------------- */

enum { SKP_NONE = 0, SKP_BOOL, SKP_INT, SKP_NUM, SKP_NUMS, SKP_HLL_UNION, SKP_SIZE };

/* The sketch functions over sketch aggregates (DS_HLL, DS_THETA,
 * DS_QUANTILES_SKETCH, and the APPROX_* aggregates over stored sketch
 * columns are not sketches: they are estimates). Each becomes one of the
 * datasketches post-aggregators. */
static const struct sketch_def {
    const char *name;
    const char *kind;  /* the complex type of the sketch operands */
    int lead;          /* literals before the sketches: SKP_HLL_UNION (lgK, tgtHllType), SKP_SIZE */
    int trail;         /* literals after the one sketch: SKP_* */
    int min, max;      /* arity */
    sql_tid ret;
} sketch_defs[] = {
    {"HLL_SKETCH_ESTIMATE", "HLLSketch", SKP_NONE, SKP_BOOL, 1, 2, ST_DOUBLE},
    {"HLL_SKETCH_ESTIMATE_WITH_ERROR_BOUNDS", "HLLSketch", SKP_NONE, SKP_INT, 1, 2, ST_ARRAY},
    {"HLL_SKETCH_UNION", "HLLSketch", SKP_HLL_UNION, SKP_NONE, 1, 1000, ST_OTHER},
    {"HLL_SKETCH_TO_STRING", "HLLSketch", SKP_NONE, SKP_NONE, 1, 1, ST_VARCHAR},
    {"THETA_SKETCH_ESTIMATE", "thetaSketch", SKP_NONE, SKP_NONE, 1, 1, ST_DOUBLE},
    {"THETA_SKETCH_ESTIMATE_WITH_ERROR_BOUNDS", "thetaSketch", SKP_NONE, SKP_INT, 2, 2, ST_OTHER},
    {"THETA_SKETCH_UNION", "thetaSketch", SKP_SIZE, SKP_NONE, 1, 1000, ST_OTHER},
    {"THETA_SKETCH_INTERSECT", "thetaSketch", SKP_SIZE, SKP_NONE, 1, 1000, ST_OTHER},
    {"THETA_SKETCH_NOT", "thetaSketch", SKP_SIZE, SKP_NONE, 1, 1000, ST_OTHER},
    {"DS_GET_QUANTILE", "quantilesDoublesSketch", SKP_NONE, SKP_NUM, 2, 2, ST_DOUBLE},
    {"DS_GET_QUANTILES", "quantilesDoublesSketch", SKP_NONE, SKP_NUMS, 2, 1000, ST_ARRAY},
    {"DS_HISTOGRAM", "quantilesDoublesSketch", SKP_NONE, SKP_NUMS, 2, 1000, ST_ARRAY},
    {"DS_CDF", "quantilesDoublesSketch", SKP_NONE, SKP_NUMS, 2, 1000, ST_ARRAY},
    {"DS_RANK", "quantilesDoublesSketch", SKP_NONE, SKP_NUM, 2, 2, ST_DOUBLE},
    {"DS_QUANTILE_SUMMARY", "quantilesDoublesSketch", SKP_NONE, SKP_NONE, 1, 1, ST_VARCHAR},
};

static bool is_sketch_of(const rex *r, const char *kind)
{
    if (r->type.id != ST_OTHER || !r->type.complex) return false;
    if (!strcmp(r->type.complex, kind)) return true;
    return !strcmp(kind, "HLLSketch") && !strcmp(r->type.complex, "HLLSketchBuild");
}

/* "<COMPLEX<HLLSketch>>, <DOUBLE>" as Calcite lists argument types. */
static const char *arg_types_text(an *A, rex **a, size_t n)
{
    vrv_buf b = VRV_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i) vrv_buf_puts(&b, ", ");
        if (a[i]->type.id == ST_OTHER && a[i]->type.complex) vrv_buf_printf(&b, "<COMPLEX<%s>>", a[i]->type.complex);
        else vrv_buf_printf(&b, "<%s>", msg_type(a[i]->type));
    }
    const char *s = vrv_arena_strdup(A->c->arena, b.data ? b.data : "");
    vrv_buf_free(&b);
    return s;
}

/* Analyses a sketch function call; returns 1 when name is not one. */
static int ana_sketch_fn(an *A, const sql_ast *n, rex **a, size_t na, rex **out)
{
    const struct sketch_def *d = NULL;
    for (size_t i = 0; i < VRV_ARRAY_LEN(sketch_defs) && !d; i++)
        if (!strcasecmp(sketch_defs[i].name, n->s)) d = &sketch_defs[i];
    if (!d) return 1;
    int rc;
    if ((rc = arity(A, n, (size_t)d->min, (size_t)d->max))) return rc;
    /* leading literals of the set operations: as many as come before the
     * first sketch */
    size_t lead = 0;
    while (d->lead != SKP_NONE && lead < na && !is_sketch_of(a[lead], d->kind)) lead++;
    size_t maxlead = d->lead == SKP_HLL_UNION ? 2 : d->lead == SKP_SIZE ? 1 : 0;
    size_t nsk = d->lead != SKP_NONE ? na - lead : 1;
    bool ok = lead <= maxlead && nsk >= 1;
    for (size_t i = lead; ok && i < lead + nsk; i++) ok = is_sketch_of(a[i], d->kind);
    if (!ok)
        return fail_v(A, &n->pos, "Cannot apply '%s' to arguments of type '%s(%s)'. Supported form(s): '%s(<COMPLEX<%s>>%s)'",
                      d->name, d->name, arg_types_text(A, a, na), d->name, d->kind,
                      d->lead != SKP_NONE      ? ", ..."
                      : d->trail == SKP_BOOL   ? ", <BOOLEAN>"
                      : d->trail != SKP_NONE   ? ", <NUMERIC>"
                                               : "");
    for (size_t i = 0; i < na; i++) {
        const rex *r = a[i];
        bool literal = i < lead || i >= lead + nsk;
        if (!literal) {
            if (r->kind != RX_AGG && !(r->kind == RX_CALL && r->fn == FN_SKETCH))
                return fail_plan(A->c, &n->args[i]->pos,
                                 "%s reads sketches built by an aggregation (DS_HLL, DS_THETA, DS_QUANTILES_SKETCH "
                                 "or a sketch function over them), not a column",
                                 d->name);
            continue;
        }
        int want = i < lead ? (d->lead == SKP_HLL_UNION && i == 1 ? 's' : 'i')
                   : d->trail == SKP_BOOL ? 'b'
                   : d->trail == SKP_INT  ? 'i'
                                          : 'n';
        bool good = rex_is_lit(r) && !rex_is_null_lit(r) &&
                    (want == 's'   ? sql_type_is_string(r->type)
                     : want == 'b' ? r->type.id == ST_BOOLEAN
                     : want == 'i' ? sql_type_is_integer(r->type)
                                   : sql_type_is_numeric(r->type));
        if (!good)
            return fail_v(A, &n->args[i]->pos, "Argument %zu of '%s' must be a literal %s", i + 1, d->name,
                          want == 's' ? "string" : want == 'b' ? "boolean" : want == 'i' ? "integer" : "number");
    }
    sql_type t = T(d->ret, false);
    if (d->ret == ST_ARRAY) t.elem = ST_DOUBLE;
    if (d->ret == ST_OTHER) t.complex = d->lead != SKP_NONE ? d->kind : "json";
    t.nullable = true;
    *out = rex_call(A->c, FN_SKETCH, t, a, na, n->pos);
    (*out)->name = d->name;
    return 0;
}

static int ana_call(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    const char *f = n->s;
    const agg_def *ad = find_agg(f);
    if (ad) return ana_agg(A, n, ad, out);
    if (n->filter)
        return fail_v(A, &n->pos, "FILTER expression not allowed for non-aggregate function %s", f);
    if (n->star) return fail_v(A, &n->pos, "Unknown identifier '*'");
    if (n->distinct)
        return fail_v(A, &n->pos, "DISTINCT/ALL not allowed with %s function", f);
    /* niladic time functions */
    if (!strcasecmp(f, "CURRENT_TIMESTAMP") || !strcasecmp(f, "LOCALTIMESTAMP") ||
        !strcasecmp(f, "NOW")) {
        *out = rex_lit(c, vrv_long(c->now), T(ST_TIMESTAMP, false), n->pos);
        return 0;
    }
    if (!strcasecmp(f, "CURRENT_DATE")) {
        vrv_period day = {0};
        day.days = 1;
        vrv_gran g;
        vrv_gran_make_period(&g, &day, c->tz, NULL, NULL);
        *out = rex_lit(c, vrv_long(vrv_gran_bucket_start(&g, c->now)), T(ST_DATE, false), n->pos);
        return 0;
    }
    if (!strcasecmp(f, "CURRENT_TIME") || !strcasecmp(f, "LOCALTIME"))
        return fail_plan(c, &n->pos, "%s (the TIME type) is not supported", f);
    rex **a = vrv_arena_calloc(c->arena, (n->nargs + 4) * sizeof *a);
    int rc = ana_args(A, n, a);
    if (rc) return rc;
    size_t na = n->nargs;
    if ((rc = ana_sketch_fn(A, n, a, na, out)) != 1) return rc;

    /* plain native functions: SQL name, native name, arity, result */
    enum { R_ARG0 = -1, R_COMMON = -2, R_ARITH = -3 };
    static const struct {
        const char *sql, *nat;
        int min, max;
        int ret;       /* sql_tid or R_* */
        char argkind;  /* 'n' numeric args, 's' string args, 0 none */
    } simple[] = {
        {"ABS", "abs", 1, 1, R_ARG0, 'n'},
        {"CEIL", "ceil", 1, 1, R_ARG0, 'n'},
        {"CEILING", "ceil", 1, 1, R_ARG0, 'n'},
        {"FLOOR", "floor", 1, 1, R_ARG0, 'n'},
        {"EXP", "exp", 1, 1, ST_DOUBLE, 'n'},
        {"LN", "log", 1, 1, ST_DOUBLE, 'n'},
        {"LOG10", "log10", 1, 1, ST_DOUBLE, 'n'},
        {"POWER", "pow", 2, 2, ST_DOUBLE, 'n'},
        {"SQRT", "sqrt", 1, 1, ST_DOUBLE, 'n'},
        {"CBRT", "cbrt", 1, 1, ST_DOUBLE, 'n'},
        {"SIN", "sin", 1, 1, ST_DOUBLE, 'n'},
        {"COS", "cos", 1, 1, ST_DOUBLE, 'n'},
        {"TAN", "tan", 1, 1, ST_DOUBLE, 'n'},
        {"COT", "cot", 1, 1, ST_DOUBLE, 'n'},
        {"ASIN", "asin", 1, 1, ST_DOUBLE, 'n'},
        {"ACOS", "acos", 1, 1, ST_DOUBLE, 'n'},
        {"ATAN", "atan", 1, 1, ST_DOUBLE, 'n'},
        {"ATAN2", "atan2", 2, 2, ST_DOUBLE, 'n'},
        {"DEGREES", "todegrees", 1, 1, ST_DOUBLE, 'n'},
        {"RADIANS", "toradians", 1, 1, ST_DOUBLE, 'n'},
        {"SIGN", "signum", 1, 1, R_ARG0, 'n'},
        {"ROUND", "round", 1, 2, R_ARG0, 'n'},
        {"MOD", NULL, 2, 2, R_ARITH, 'n'},
        {"SAFE_DIVIDE", "safe_divide", 2, 2, R_ARITH, 'n'},
        {"DIV", "div", 2, 2, ST_BIGINT, 'n'},
        {"BITWISE_AND", "bitwiseAnd", 2, 2, ST_BIGINT, 'n'},
        {"BITWISE_OR", "bitwiseOr", 2, 2, ST_BIGINT, 'n'},
        {"BITWISE_XOR", "bitwiseXor", 2, 2, ST_BIGINT, 'n'},
        {"BITWISE_COMPLEMENT", "bitwiseComplement", 1, 1, ST_BIGINT, 'n'},
        {"BITWISE_SHIFT_LEFT", "bitwiseShiftLeft", 2, 2, ST_BIGINT, 'n'},
        {"BITWISE_SHIFT_RIGHT", "bitwiseShiftRight", 2, 2, ST_BIGINT, 'n'},
        {"GREATEST", "greatest", 1, 1000, R_COMMON, 0},
        {"LEAST", "least", 1, 1000, R_COMMON, 0},
        {"LOWER", "lower", 1, 1, ST_VARCHAR, 's'},
        {"UPPER", "upper", 1, 1, ST_VARCHAR, 's'},
        {"CHAR_LENGTH", "strlen", 1, 1, ST_INTEGER, 's'},
        {"CHARACTER_LENGTH", "strlen", 1, 1, ST_INTEGER, 's'},
        {"LENGTH", "strlen", 1, 1, ST_INTEGER, 's'},
        {"STRLEN", "strlen", 1, 1, ST_INTEGER, 's'},
        {"CONCAT", "concat", 1, 1000, ST_VARCHAR, 's'},
        {"TEXTCAT", "concat", 2, 2, ST_VARCHAR, 's'},
        {"LEFT", "left", 2, 2, ST_VARCHAR, 0},
        {"RIGHT", "right", 2, 2, ST_VARCHAR, 0},
        {"REPLACE", "replace", 3, 3, ST_VARCHAR, 's'},
        {"REVERSE", "reverse", 1, 1, ST_VARCHAR, 's'},
        {"REPEAT", "repeat", 2, 2, ST_VARCHAR, 0},
        {"LPAD", "lpad", 2, 3, ST_VARCHAR, 0},
        {"RPAD", "rpad", 2, 3, ST_VARCHAR, 0},
        {"BTRIM", "trim", 1, 2, ST_VARCHAR, 's'},
        {"LTRIM", "ltrim", 1, 2, ST_VARCHAR, 's'},
        {"RTRIM", "rtrim", 1, 2, ST_VARCHAR, 's'},
        {"REGEXP_EXTRACT", "regexp_extract", 2, 3, ST_VARCHAR, 0},
        {"REGEXP_LIKE", "regexp_like", 2, 2, ST_BOOLEAN, 's'},
        {"REGEXP_REPLACE", "regexp_replace", 3, 3, ST_VARCHAR, 's'},
        {"CONTAINS_STRING", "contains_string", 2, 2, ST_BOOLEAN, 's'},
        {"ICONTAINS_STRING", "icontains_string", 2, 2, ST_BOOLEAN, 's'},
        {"PARSE_LONG", "parse_long", 1, 2, ST_BIGINT, 0},
        {"STRING_FORMAT", "format", 1, 1000, ST_VARCHAR, 0},
        {"NVL", "nvl", 2, 2, R_COMMON, 0},
        {"IFNULL", "nvl", 2, 2, R_COMMON, 0},
        {"COALESCE", "coalesce", 1, 1000, R_COMMON, 0},
        {"HUMAN_READABLE_BINARY_BYTE_FORMAT", "human_readable_binary_byte_format", 1, 2, ST_VARCHAR, 0},
        {"HUMAN_READABLE_DECIMAL_BYTE_FORMAT", "human_readable_decimal_byte_format", 1, 2, ST_VARCHAR, 0},
        {"HUMAN_READABLE_DECIMAL_FORMAT", "human_readable_decimal_format", 1, 2, ST_VARCHAR, 0},
        {"IPV4_MATCH", "ipv4_match", 2, 2, ST_BOOLEAN, 0},
        {"IPV4_PARSE", "ipv4_parse", 1, 1, ST_BIGINT, 0},
        {"IPV4_STRINGIFY", "ipv4_stringify", 1, 1, ST_VARCHAR, 0},
    };
    for (size_t k = 0; k < VRV_ARRAY_LEN(simple); k++) {
        if (strcasecmp(simple[k].sql, f) != 0) continue;
        if ((rc = arity(A, n, (size_t)simple[k].min, (size_t)simple[k].max))) return rc;
        for (size_t i = 0; i < na; i++) {
            if (simple[k].argkind == 'n' && (rc = numeric_arg(A, n, &a[i]))) return rc;
            if (simple[k].argkind == 's') a[i] = string_arg(A, a[i]);
        }
        sql_type rt;
        bool nullable = nullable_any(a, na);
        if (simple[k].ret == R_ARG0) {
            rt = a[0]->type;
            if (rt.id == ST_NULL) rt = T(ST_DOUBLE, true);
        } else if (simple[k].ret == R_COMMON) {
            rt = a[0]->type;
            for (size_t i = 1; i < na; i++) rt = sql_type_common(rt, a[i]->type);
            if (rt.id == ST_NULL) rt = T(ST_VARCHAR, true);
            if (rt.id == ST_CHAR) rt.id = ST_VARCHAR;
            if (!strcasecmp(f, "NVL") || !strcasecmp(f, "IFNULL") || !strcasecmp(f, "COALESCE")) {
                /* nullable only when every argument is */
                nullable = true;
                for (size_t i = 0; i < na; i++)
                    if (!a[i]->type.nullable && a[i]->type.id != ST_NULL) nullable = false;
            }
        } else if (simple[k].ret == R_ARITH) {
            rt = sql_type_arith(a[0]->type, a[1]->type);
        } else {
            rt = T((sql_tid)simple[k].ret, nullable);
        }
        rt.nullable = nullable || !strcasecmp(f, "SAFE_DIVIDE") || !strcasecmp(f, "PARSE_LONG") ||
                      !strcasecmp(f, "REGEXP_EXTRACT");
        if (!strcasecmp(f, "MOD")) {
            if (!sql_type_is_integer(rt)) rt.id = ST_DOUBLE;
            *out = rex_call(c, FN_MOD, rt, a, 2, n->pos);
            return 0;
        }
        if (!strcasecmp(f, "BTRIM") || !strcasecmp(f, "LTRIM") || !strcasecmp(f, "RTRIM")) {
            if (na == 1) a[na++] = lit_str(c, " ", n->pos);
        }
        if ((!strcasecmp(f, "LPAD") || !strcasecmp(f, "RPAD")) && na == 2)
            a[na++] = lit_str(c, " ", n->pos);
        *out = rex_native(c, simple[k].nat, rt, a, na, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "TRUNCATE") || !strcasecmp(f, "TRUNC")) {
        if ((rc = arity(A, n, 1, 2)) || (rc = numeric_arg(A, n, &a[0]))) return rc;
        int64_t digits = 0;
        if (na == 2) {
            if (a[1]->kind != RX_LIT || a[1]->lit.type != VRV_V_LONG)
                return fail_v(A, &a[1]->pos, "Argument 2 of function '%s' must be a literal integer", f);
            digits = a[1]->lit.u.l;
        }
        if (sql_type_is_integer(a[0]->type) && digits >= 0) {
            *out = a[0];
            return 0;
        }
        /* x >= 0 ? floor(x * 10^d) / 10^d : ceil(x * 10^d) / 10^d */
        double scale = pow(10.0, (double)digits);
        rex *sc = rex_lit(c, vrv_double(scale), T(ST_DOUBLE, false), n->pos);
        rex *m[2] = {a[0], sc};
        rex *prod = rex_call(c, FN_MUL, T(ST_DOUBLE, a[0]->type.nullable), m, 2, n->pos);
        rex *fl = rex_native(c, "floor", T(ST_DOUBLE, true), &prod, 1, n->pos);
        rex *ce = rex_native(c, "ceil", T(ST_DOUBLE, true), &prod, 1, n->pos);
        rex *d1[2] = {fl, sc}, *d2[2] = {ce, sc};
        rex *q1 = rex_call(c, FN_DIV, T(ST_DOUBLE, true), d1, 2, n->pos);
        rex *q2 = rex_call(c, FN_DIV, T(ST_DOUBLE, true), d2, 2, n->pos);
        rex *zero = rex_lit(c, vrv_long(0), T(ST_INTEGER, false), n->pos);
        rex *g[2] = {a[0], zero};
        rex *cond = make_bool_call(A, FN_GE, g, 2, n->pos);
        rex *cs[3] = {cond, q1, q2};
        *out = rex_call(c, FN_CASE, T(ST_DOUBLE, a[0]->type.nullable), cs, 3, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "SUBSTR")) {
        if ((rc = arity(A, n, 2, 3))) return rc;
        goto substring;
    }
    if (!strcasecmp(f, "NULLIF")) {
        if ((rc = arity(A, n, 2, 2))) return rc;
        if ((rc = coerce_pair(A, &a[0], &a[1], "=", &n->pos))) return rc;
        rex *eq = make_bool_call(A, FN_EQ, a, 2, n->pos);
        sql_type rt = a[0]->type;
        rt.nullable = true;
        rex *cs[3] = {eq, lit_null(c, rt, n->pos), a[0]};
        *out = rex_call(c, FN_CASE, rt, cs, 3, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "STRPOS")) {
        if ((rc = arity(A, n, 2, 2))) return rc;
        a[0] = string_arg(A, a[0]);
        a[1] = string_arg(A, a[1]);
        rex *sp = rex_native(c, "strpos", T(ST_INTEGER, nullable_any(a, 2)), a, 2, n->pos);
        rex *p[2] = {sp, lit_long(c, 1, ST_INTEGER, n->pos)};
        *out = rex_call(c, FN_ADD, sp->type, p, 2, n->pos);
        return 0;
    }
    /* ---- time functions ---- */
    if (!strcasecmp(f, "TIME_FLOOR") || !strcasecmp(f, "TIME_CEIL")) {
        if ((rc = arity(A, n, 2, 4)) || (rc = time_arg(A, n, &a[0]))) return rc;
        const char *per;
        if ((rc = lit_string_arg(A, n, a[1], 1, &per))) return rc;
        if (!per) {
            *out = lit_null(c, T(ST_TIMESTAMP, true), n->pos);
            return 0;
        }
        vrv_period pp;
        vrv_error pe;
        if (vrv_period_parse(per, strlen(per), &pp, &pe) < 0)
            return fail_v(A, &a[1]->pos, "Invalid period [%s] for function %s", per, f);
        rex *origin = na > 2 ? a[2] : NULL;
        if (origin && !rex_is_null_lit(origin) && (rc = time_arg(A, n, &origin))) return rc;
        *out = time_floor(A, !strcasecmp(f, "TIME_CEIL"), a[0], per, origin, na > 3 ? a[3] : NULL, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "DATE_TRUNC")) {
        if ((rc = arity(A, n, 2, 2)) || (rc = time_arg(A, n, &a[1]))) return rc;
        const char *unit;
        if ((rc = lit_string_arg(A, n, a[0], 0, &unit))) return rc;
        const char *per = unit ? period_of_unit(unit) : NULL;
        if (!per) return fail_v(A, &a[0]->pos, "Unsupported DATE_TRUNC unit [%s]", unit ? unit : "null");
        *out = time_floor(A, false, a[1], per, NULL, NULL, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "TIME_SHIFT")) {
        if ((rc = arity(A, n, 3, 4)) || (rc = time_arg(A, n, &a[0]))) return rc;
        const char *per;
        if ((rc = lit_string_arg(A, n, a[1], 1, &per))) return rc;
        if (!per) {
            *out = lit_null(c, T(ST_TIMESTAMP, true), n->pos);
            return 0;
        }
        rex *args[4] = {a[0], a[1], a[2], tz_arg(A, na > 3 ? a[3] : NULL, &n->pos)};
        *out = rex_call(c, FN_TIME_SHIFT, T(ST_TIMESTAMP, nullable_any(a, 3)), args, 4, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "TIME_EXTRACT")) {
        if ((rc = arity(A, n, 1, 3)) || (rc = time_arg(A, n, &a[0]))) return rc;
        const char *unit = "MILLISECOND";
        if (na > 1 && (rc = lit_string_arg(A, n, a[1], 1, &unit))) return rc;
        if (!unit) unit = "MILLISECOND";
        char *u = vrv_arena_strdup(c->arena, unit);
        for (char *q = u; *q; q++)
            if (*q >= 'a' && *q <= 'z') *q = (char)(*q - 32);
        rex *args[3] = {a[0], lit_str(c, u, n->pos), tz_arg(A, na > 2 ? a[2] : NULL, &n->pos)};
        *out = rex_call(c, FN_TIME_EXTRACT, T(ST_BIGINT, a[0]->type.nullable), args, 3, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "TIME_FORMAT")) {
        if ((rc = arity(A, n, 1, 3)) || (rc = time_arg(A, n, &a[0]))) return rc;
        rex *pat = na > 1 && !rex_is_null_lit(a[1]) ? a[1] : lit_str(c, "yyyy-MM-dd'T'HH:mm:ss.SSSZZ", n->pos);
        rex *args[3] = {a[0], pat, tz_arg(A, na > 2 ? a[2] : NULL, &n->pos)};
        *out = rex_call(c, FN_TIME_FORMAT, T(ST_VARCHAR, a[0]->type.nullable), args, 3, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "TIME_PARSE")) {
        if ((rc = arity(A, n, 1, 3))) return rc;
        a[0] = string_arg(A, a[0]);
        rex *pat = na > 1 ? a[1] : lit_null(c, T(ST_VARCHAR, true), n->pos);
        rex *args[3] = {a[0], pat, tz_arg(A, na > 2 ? a[2] : NULL, &n->pos)};
        *out = rex_call(c, FN_TIME_PARSE, T(ST_TIMESTAMP, true), args, 3, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "TIME_IN_INTERVAL")) {
        if ((rc = arity(A, n, 2, 2)) || (rc = time_arg(A, n, &a[0]))) return rc;
        const char *iv;
        if ((rc = lit_string_arg(A, n, a[1], 1, &iv))) return rc;
        vrv_interval interval;
        vrv_error ie;
        if (!iv || vrv_interval_parse(iv, strlen(iv), &interval, &ie) < 0)
            return fail_v(A, &a[1]->pos, "Function '%s' second argument is not a valid ISO8601 interval: %s", f,
                          iv ? iv : "null");
        rex *args[3] = {a[0], rex_lit(c, vrv_long(interval.start), T(ST_TIMESTAMP, false), a[1]->pos),
                        rex_lit(c, vrv_long(interval.end), T(ST_TIMESTAMP, false), a[1]->pos)};
        *out = rex_call(c, FN_TIME_IN_INTERVAL, T(ST_BOOLEAN, a[0]->type.nullable), args, 3, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "MILLIS_TO_TIMESTAMP")) {
        if ((rc = arity(A, n, 1, 1)) || (rc = numeric_arg(A, n, &a[0]))) return rc;
        rex *r = a[0];
        if (!sql_type_is_integer(r->type)) r = cast_to(A, r, T(ST_BIGINT, r->type.nullable));
        if (r->kind == RX_LIT) {
            *out = rex_lit(c, r->lit, T(ST_TIMESTAMP, false), n->pos);
            return 0;
        }
        *out = rex_call(c, FN_CAST, T(ST_TIMESTAMP, r->type.nullable), &r, 1, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "TIMESTAMP_TO_MILLIS")) {
        if ((rc = arity(A, n, 1, 1)) || (rc = time_arg(A, n, &a[0]))) return rc;
        *out = rex_call(c, FN_CAST, T(ST_BIGINT, a[0]->type.nullable), a, 1, n->pos);
        return 0;
    }
    if (!strcasecmp(f, "LOOKUP"))
        return fail_plan(c, &n->pos, "LOOKUP: varve has no lookups");
    return fail_v(A, &n->pos, "No match found for function signature %s(%s)", f,
                  na == 0 ? "" : "<...>");
substring: {
    /* SUBSTRING(s, i[, n]) is 1-based; substring() is 0-based */
    a[0] = string_arg(A, a[0]);
    if ((rc = numeric_arg(A, n, &a[1]))) return rc;
    rex *start;
    if (a[1]->kind == RX_LIT && a[1]->lit.type == VRV_V_LONG)
        start = lit_long(c, a[1]->lit.u.l - 1, ST_INTEGER, a[1]->pos);
    else {
        rex *s[2] = {a[1], lit_long(c, 1, ST_INTEGER, n->pos)};
        start = rex_call(c, FN_SUB, a[1]->type, s, 2, n->pos);
    }
    rex *len = na > 2 ? a[2] : lit_long(c, -1, ST_INTEGER, n->pos);
    rex *args[3] = {a[0], start, len};
    *out = rex_native(c, "substring", T(ST_VARCHAR, nullable_any(a, na)), args, 3, n->pos);
    return 0;
}
}

/* ---- aggregates --------------------------------------------------------------------------------- */

static int register_agg(an *A, sql_agg *g, rex **out, const sql_pos *pos)
{
    sql_block *b = A->b;
    for (size_t i = 0; i < b->naggs; i++) {
        sql_agg *h = &b->aggs[i];
        if (h->fn != g->fn || h->nargs != g->nargs || h->distinct != g->distinct || !rex_equal(h->filter, g->filter))
            continue;
        if ((h->filter == NULL) != (g->filter == NULL)) continue;
        bool same = true;
        for (size_t k = 0; k < g->nargs && same; k++) same = rex_equal(h->args[k], g->args[k]);
        if (same) {
            *out = rex_ref(A->c, RX_AGG, (int)i, h->type, *pos);
            return 0;
        }
    }
    if (b->naggs == b->cap_aggs) {
        size_t nc = b->cap_aggs ? b->cap_aggs * 2 : 8;
        sql_agg *v = vrv_arena_alloc(A->c->arena, nc * sizeof *v);
        if (b->naggs) memcpy(v, b->aggs, b->naggs * sizeof *v);
        b->aggs = v;
        b->cap_aggs = nc;
    }
    b->aggs[b->naggs] = *g;
    *out = rex_ref(A->c, RX_AGG, (int)b->naggs, g->type, *pos);
    b->naggs++;
    return 0;
}

/* GROUPING(k1, ..., kn): each argument must be a group key; a bit per
 * argument, the first the most significant, set when the row's grouping set
 * leaves that key out (Druid's `grouping` aggregator). */
static int ana_grouping(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    if (n->distinct || n->filter || n->star)
        return fail_v(A, &n->pos, "Invalid use of GROUPING");
    an P = *A;
    P.in_agg = true;
    P.mode = M_PLAIN;
    P.naliases = 0;
    sql_agg g = {0};
    g.fn = AGG_GROUPING;
    g.pos = n->pos;
    g.nargs = n->nargs;
    g.args = vrv_arena_calloc(c->arena, (n->nargs + 1) * sizeof *g.args);
    for (size_t i = 0; i < n->nargs; i++) {
        rex *r;
        int rc = ana(&P, n->args[i], &r);
        if (rc) return rc;
        long k = find_key(A->b, r);
        if (k < 0)
            return fail_v(A, &n->args[i]->pos, "Argument to GROUPING operator must be a grouped expression");
        g.args[i] = rex_ref(c, RX_KEY, (int)k, r->type, n->args[i]->pos);
    }
    g.type = T(ST_BIGINT, false);
    return register_agg(A, &g, out, &n->pos);
}

static int ana_agg(an *A, const sql_ast *n, const agg_def *d, rex **out)
{
    sql_ctx *c = A->c;
    if (A->in_agg) return fail_v(A, &n->pos, "Aggregate expressions cannot be nested");
    if (A->mode != M_AGG)
        return fail_v(A, &n->pos, "Aggregate expression is illegal in %s clause", A->clause);
    int rc;
    if (d->fn == AGG_COUNT && n->star) {
        if (n->nargs) return fail_v(A, &n->pos, "Invalid number of arguments to function 'COUNT'");
    } else if ((rc = arity(A, n, (size_t)(d->min ? d->min : 1), (size_t)d->max))) {
        return rc;
    }
    if (d->fn == AGG_GROUPING) return ana_grouping(A, n, out);
    an P = *A;
    P.in_agg = true;
    P.mode = M_PLAIN;
    P.naliases = 0;
    sql_agg g = {0};
    g.fn = d->fn;
    g.pos = n->pos;
    g.nargs = n->nargs;
    g.args = vrv_arena_calloc(c->arena, (n->nargs + 1) * sizeof *g.args);
    for (size_t i = 0; i < n->nargs; i++)
        if ((rc = ana(&P, n->args[i], &g.args[i]))) return rc;
    if (n->filter) {
        an F = P;
        F.clause = "FILTER";
        if ((rc = ana(&F, n->filter, &g.filter))) return rc;
        if (!is_bool(g.filter->type))
            return fail_v(A, &n->filter->pos, "FILTER expression must be of type BOOLEAN");
    }
    sql_type at = g.nargs ? g.args[0]->type : T(ST_NULL, true);
    switch (d->fn) {
    case AGG_COUNT:
        if (n->distinct) {
            if (g.nargs != 1) return fail_plan(c, &n->pos, "COUNT(DISTINCT) of several expressions is not supported");
            g.fn = AGG_COUNT_DISTINCT;
        }
        g.type = T(ST_BIGINT, false);
        break;
    case AGG_SUM:
    case AGG_AVG:
        if (sql_type_is_string(at)) {
            g.args[0] = cast_to(&P, g.args[0], T(ST_DOUBLE, true));
            at = g.args[0]->type;
        }
        if (!sql_type_is_numeric(at) && at.id != ST_NULL)
            return fail_v(A, &n->pos, "Cannot apply '%s' to arguments of type '%s(<%s>)'. Supported form(s): '%s(<NUMERIC>)'",
                          d->name, d->name, msg_type(at), d->name);
        g.type = sql_type_is_integer(at) ? T(ST_BIGINT, true)
                 : at.id == ST_FLOAT     ? T(ST_FLOAT, true)
                                         : T(ST_DOUBLE, true);
        if (n->distinct) return fail_plan(c, &n->pos, "%s(DISTINCT) is not supported", d->name);
        break;
    case AGG_MIN:
    case AGG_MAX:
        if (!sql_type_is_numeric(at) && !sql_type_is_time(at) && at.id != ST_NULL)
            return fail_plan(c, &n->pos, "%s does not support type [%s]", d->name, sql_type_name(at));
        g.type = at;
        if (at.id == ST_INTEGER) g.type.id = ST_BIGINT;
        if (at.id == ST_DECIMAL || at.id == ST_REAL) g.type.id = ST_DOUBLE;
        g.type.nullable = true;
        break;
    case AGG_APPROX_DISTINCT:
    case AGG_DS_HLL:
    case AGG_DS_THETA:
        g.type = T(ST_BIGINT, false);
        break;
    case AGG_SK_HLL:
    case AGG_SK_THETA:
    case AGG_SK_QUANTILES: {
        if (d->fn == AGG_SK_QUANTILES && !(at.id == ST_OTHER && at.complex && !strcmp(at.complex, "quantilesDoublesSketch")))
            if ((rc = numeric_arg(&P, n, &g.args[0]))) return rc;
        for (size_t i = 1; i < g.nargs; i++) {
            bool str = d->fn == AGG_SK_HLL && i == 2;
            const rex *r = g.args[i];
            if (!rex_is_lit(r) || (str ? !sql_type_is_string(r->type) : !sql_type_is_integer(r->type)))
                return fail_v(A, &n->args[i]->pos, "Argument %zu of '%s' must be a literal %s", i + 1, d->name,
                              str ? "string" : "integer");
        }
        g.type = T(ST_OTHER, true);
        g.type.complex = d->fn == AGG_SK_HLL ? "HLLSketch" : d->fn == AGG_SK_THETA ? "thetaSketch" : "quantilesDoublesSketch";
        break;
    }
    case AGG_STRING_AGG:
    case AGG_ARRAY_AGG: {
        bool sa = d->fn == AGG_STRING_AGG;
        if (at.id == ST_OTHER || at.id == ST_ARRAY)
            return fail_plan(c, &n->pos, "Cannot use %s on %s inputs", d->name, at.id == ST_OTHER ? "complex" : "ARRAY");
        for (size_t i = 1; i < g.nargs; i++) {
            bool sep = sa && i == 1;
            const rex *r = g.args[i];
            if (!rex_is_lit(r) || rex_is_null_lit(r) || (sep ? !sql_type_is_string(r->type) : !sql_type_is_integer(r->type)))
                return fail_v(A, &n->args[i]->pos, "Argument %zu of '%s' must be a literal %s", i + 1, d->name,
                              sep ? "string" : "integer");
            if (!sep && (r->lit.u.l < 10 || r->lit.u.l > INT32_MAX))
                return fail_v(A, &n->args[i]->pos, "Argument %zu of '%s' must be a size between 10 and %d bytes", i + 1,
                              d->name, INT32_MAX);
        }
        g.distinct = n->distinct;
        if (sa) {
            g.type = T(ST_VARCHAR, true);
        } else {
            g.type = T(ST_ARRAY, true);
            g.type.elem = at.id == ST_INTEGER                      ? ST_BIGINT
                          : at.id == ST_CHAR || at.id == ST_NULL   ? ST_VARCHAR
                          : at.id == ST_DECIMAL || at.id == ST_REAL ? ST_DOUBLE
                          : sql_type_is_time(at) || at.id == ST_BOOLEAN ? ST_BIGINT
                                                                   : at.id;
        }
        break;
    }
    case AGG_BIT_AND:
    case AGG_BIT_OR:
    case AGG_BIT_XOR:
        if (!sql_type_is_integer(at) && at.id != ST_NULL)
            return fail_v(A, &n->pos, "Cannot apply '%s' to arguments of type '%s(<%s>)'. Supported form(s): '%s(<INTEGER>)'",
                          d->name, d->name, msg_type(at), d->name);
        g.type = T(ST_BIGINT, true);
        break;
    case AGG_QUANTILE_DS:
        if (!(at.id == ST_OTHER && at.complex && !strcmp(at.complex, "quantilesDoublesSketch")))
            if ((rc = numeric_arg(&P, n, &g.args[0]))) return rc;
        if (!rex_is_lit(g.args[1]) || !sql_type_is_numeric(g.args[1]->type))
            return fail_v(A, &g.args[1]->pos, "APPROX_QUANTILE_DS: the fraction must be a numeric literal");
        g.type = T(ST_DOUBLE, true);
        break;
    case AGG_EARLIEST:
    case AGG_LATEST:
    case AGG_EARLIEST_BY:
    case AGG_LATEST_BY:
    case AGG_ANY_VALUE:
        g.type = at;
        if (at.id == ST_INTEGER) g.type.id = ST_BIGINT;
        if (at.id == ST_DECIMAL || at.id == ST_REAL) g.type.id = ST_DOUBLE;
        if (at.id == ST_CHAR) g.type.id = ST_VARCHAR;
        g.type.nullable = true;
        if (d->fn == AGG_EARLIEST_BY || d->fn == AGG_LATEST_BY) {
            if ((rc = time_arg(&P, n, &g.args[1]))) return rc;
        }
        break;
    default:
        break;
    }
    if (n->distinct && d->fn != AGG_COUNT && d->fn != AGG_APPROX_DISTINCT && d->fn != AGG_DS_HLL &&
        d->fn != AGG_DS_THETA && d->fn != AGG_MIN && d->fn != AGG_MAX && d->fn != AGG_STRING_AGG &&
        d->fn != AGG_ARRAY_AGG)
        return fail_plan(c, &n->pos, "%s(DISTINCT) is not supported", d->name);
    return register_agg(A, &g, out, &n->pos);
}

/* ---- the other expression forms -------------------------------------------------------------- */

static int ana_case(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    size_t np = n->nargs / 2;
    rex **args = vrv_arena_calloc(c->arena, (n->nargs + 1) * sizeof *args);
    rex *operand = NULL;
    int rc;
    if (n->operand && (rc = ana(A, n->operand, &operand))) return rc;
    sql_type rt = T(ST_NULL, true);
    bool nullable = n->els == NULL;
    for (size_t i = 0; i < np; i++) {
        rex *w, *t;
        if ((rc = ana(A, n->args[2 * i], &w)) || (rc = ana(A, n->args[2 * i + 1], &t))) return rc;
        if (operand) {
            rex *o = operand;
            if ((rc = coerce_pair(A, &o, &w, "=", &n->pos))) return rc;
            rex *eq[2] = {o, w};
            w = make_bool_call(A, FN_EQ, eq, 2, w->pos);
        } else if (!is_bool(w->type)) {
            return fail_v(A, &w->pos, "Expected a boolean type");
        }
        args[2 * i] = w;
        args[2 * i + 1] = t;
        rt = i == 0 ? t->type : sql_type_common(rt, t->type);
        nullable |= t->type.nullable || t->type.id == ST_NULL;
    }
    rex *e = NULL;
    if (n->els) {
        if ((rc = ana(A, n->els, &e))) return rc;
        rt = sql_type_common(rt, e->type);
        nullable |= e->type.nullable || e->type.id == ST_NULL;
    }
    if (rt.id == ST_NULL)
        return fail_v(A, &n->pos, "ELSE clause or at least one THEN clause must be non-NULL");
    if (rt.id == ST_CHAR) rt.id = ST_VARCHAR;
    rt.nullable = nullable;
    size_t na = 2 * np;
    args[na++] = e ? e : lit_null(c, rt, n->pos);
    /* branches of another numeric type are cast to the result's */
    for (size_t i = 0; i < na; i++) {
        bool is_result = (i % 2 == 1) || i == na - 1;
        if (is_result && args[i]->type.id != rt.id && !rex_is_null_lit(args[i]) &&
            !(sql_type_is_string(rt) && sql_type_is_string(args[i]->type)))
            args[i] = cast_to(A, args[i], rt);
    }
    *out = rex_call(c, FN_CASE, rt, args, na, n->pos);
    return 0;
}

static int type_of_spec(an *A, const sql_typespec *ts, const sql_pos *pos, sql_type *out)
{
    static const struct {
        const char *name;
        sql_tid id;
    } m[] = {{"BIGINT", ST_BIGINT},     {"INTEGER", ST_INTEGER},   {"SMALLINT", ST_INTEGER},
             {"TINYINT", ST_INTEGER},   {"DOUBLE", ST_DOUBLE},     {"FLOAT", ST_FLOAT},
             {"REAL", ST_REAL},         {"DECIMAL", ST_DECIMAL},   {"VARCHAR", ST_VARCHAR},
             {"CHAR", ST_VARCHAR},      {"BOOLEAN", ST_BOOLEAN},   {"TIMESTAMP", ST_TIMESTAMP},
             {"DATE", ST_DATE}};
    for (size_t i = 0; i < VRV_ARRAY_LEN(m); i++)
        if (!strcmp(m[i].name, ts->name)) {
            *out = T(m[i].id, true);
            if (ts->array) {
                out->elem = out->id;
                out->id = ST_ARRAY;
            }
            return 0;
        }
    return fail_v(A, pos, "Cast to type %s is not supported", ts->name);
}

static int ana_cast(an *A, const sql_ast *n, rex **out)
{
    rex *x;
    int rc = ana(A, n->args[0], &x);
    if (rc) return rc;
    sql_type t;
    if ((rc = type_of_spec(A, &n->type, &n->pos, &t))) return rc;
    if (t.id == ST_ARRAY && x->type.id != ST_ARRAY && x->type.id != ST_NULL)
        return fail_v(A, &n->pos, "Cast function cannot convert value of type %s to type %s ARRAY",
                      sql_type_name(x->type), n->type.name);
    t.nullable = x->type.nullable || x->type.id == ST_NULL;
    if (x->type.id == t.id && t.id != ST_ARRAY) {
        *out = x;
        return 0;
    }
    rex *r = cast_to(A, x, t);
    /* a cast that can fail (string to number or time) can give null */
    if (sql_type_is_string(x->type) && !sql_type_is_string(t)) r->type.nullable = true;
    *out = r;
    return 0;
}

static int ana_between(an *A, const sql_ast *n, rex **out)
{
    rex *a[3];
    int rc = ana_args(A, n, a);
    if (rc) return rc;
    rex *x1 = a[0], *x2 = a[0], *lo = a[1], *hi = a[2];
    if ((rc = coerce_pair(A, &x1, &lo, "BETWEEN ASYMMETRIC", &n->pos)) ||
        (rc = coerce_pair(A, &x2, &hi, "BETWEEN ASYMMETRIC", &n->pos)))
        return rc;
    rex *ge[2] = {x1, lo}, *le[2] = {x2, hi};
    rex *p[2] = {make_bool_call(A, FN_GE, ge, 2, n->pos), make_bool_call(A, FN_LE, le, 2, n->pos)};
    rex *r = make_bool_call(A, FN_AND, p, 2, n->pos);
    if (n->flag) {
        /* SYMMETRIC: either order of the bounds */
        rex *ge2[2] = {x1, hi}, *le2[2] = {x2, lo};
        rex *q[2] = {make_bool_call(A, FN_GE, ge2, 2, n->pos), make_bool_call(A, FN_LE, le2, 2, n->pos)};
        rex *o[2] = {r, make_bool_call(A, FN_AND, q, 2, n->pos)};
        r = make_bool_call(A, FN_OR, o, 2, n->pos);
    }
    if (n->not_) r = make_bool_call(A, FN_NOT, &r, 1, n->pos);
    *out = r;
    return 0;
}

/* x IN (v1, v2, ...): literals become one IN; otherwise an OR of equalities. */
static int in_of(an *A, rex *x, rex **vals, size_t nv, bool neg, sql_pos pos, rex **out)
{
    sql_ctx *c = A->c;
    int rc;
    bool all_lit = true;
    for (size_t i = 0; i < nv; i++) {
        rex *xx = x;
        if ((rc = coerce_pair(A, &xx, &vals[i], "IN", &pos))) return rc;
        if (xx != x) {
            /* the column side needed a cast: keep it for every value */
            x = xx;
        }
        if (!rex_is_lit(vals[i])) all_lit = false;
    }
    rex *r;
    if (nv == 0) {
        r = lit_bool(c, false, pos);
    } else if (all_lit) {
        rex **args = vrv_arena_calloc(c->arena, (nv + 1) * sizeof *args);
        args[0] = x;
        for (size_t i = 0; i < nv; i++) args[i + 1] = cast_to(A, vals[i], x->type);
        r = make_bool_call(A, FN_IN, args, nv + 1, pos);
    } else {
        r = NULL;
        for (size_t i = 0; i < nv; i++) {
            rex *eq[2] = {x, vals[i]};
            rex *e = make_bool_call(A, FN_EQ, eq, 2, pos);
            if (!r) {
                r = e;
            } else {
                rex *o[2] = {r, e};
                r = make_bool_call(A, FN_OR, o, 2, pos);
            }
        }
    }
    if (neg) r = make_bool_call(A, FN_NOT, &r, 1, pos);
    *out = r;
    return 0;
}

static int ana_in_list(an *A, const sql_ast *n, rex **out)
{
    rex **a = vrv_arena_calloc(A->c->arena, n->nargs * sizeof *a);
    int rc = ana_args(A, n, a);
    if (rc) return rc;
    return in_of(A, a[0], a + 1, n->nargs - 1, n->not_, n->pos, out);
}

/* Turns one value of a result set back into a literal of its SQL type. */
static rex *result_value_lit(sql_ctx *c, const vrv_sql_result *r, size_t row, size_t col, sql_pos pos)
{
    const vrv_value *v = &r->vals.v[row * r->ncols + col];
    sql_type t = r->types[col];
    t.nullable = false;
    if (v->type == VRV_V_NULL) return lit_null(c, t, pos);
    if (sql_type_is_time(t) && v->type == VRV_V_STRING) {
        vrv_ms ms = 0;
        vrv_time_parse(v->u.s, v->len, 0, &ms, NULL);
        return rex_lit(c, vrv_long(ms), t, pos);
    }
    vrv_value x = *v;
    if (x.type == VRV_V_STRING) x.u.s = vrv_arena_strndup(c->arena, x.u.s, x.len);
    if (x.type == VRV_V_FLOAT) x = vrv_double(x.u.f);
    return rex_lit(c, x, t, pos);
}

static int run_subquery(an *A, const sql_query *q, const sql_pos *pos, vrv_sql_result **res)
{
    sql_ctx *c = A->c;
    if (++c->depth > SQL_MAX_DEPTH) return fail_plan(c, pos, "subqueries nest too deeply");
    int rc = sql_run_query(c, q, res);
    c->depth--;
    return rc;
}

static int ana_in_query(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    rex *x;
    int rc = ana(A, n->args[0], &x);
    if (rc) return rc;
    vrv_sql_result *res;
    if ((rc = run_subquery(A, n->query, &n->pos, &res))) return rc;
    if (res->ncols != 1) {
        vrv_sql_result_free(res);
        return fail_v(A, &n->pos, "Values passed to IN operator must have compatible types");
    }
    /* distinct values; a null among them makes NOT IN never true */
    VRV_VEC(rex *) vals = {0};
    bool has_null = false;
    for (size_t i = 0; i < res->nrows; i++) {
        rex *v = result_value_lit(c, res, i, 0, n->pos);
        if (rex_is_null_lit(v)) {
            has_null = true;
            continue;
        }
        bool dup = false;
        for (size_t k = 0; k < vals.n && !dup; k++) dup = rex_equal(vals.v[k], v);
        if (!dup) vrv_vec_push(&vals, v);
    }
    vrv_sql_result_free(res);
    if (n->not_ && has_null) {
        vrv_vec_free(&vals);
        *out = lit_bool(c, false, n->pos);
        return 0;
    }
    rex **vv = vrv_arena_calloc(c->arena, (vals.n + 1) * sizeof *vv);
    if (vals.n) memcpy(vv, vals.v, vals.n * sizeof *vv);
    size_t nv = vals.n;
    vrv_vec_free(&vals);
    return in_of(A, x, vv, nv, n->not_, n->pos, out);
}

static int ana_scalar_subquery(an *A, const sql_ast *n, rex **out)
{
    vrv_sql_result *res;
    int rc = run_subquery(A, n->query, &n->pos, &res);
    if (rc) return rc;
    if (res->ncols != 1) {
        vrv_sql_result_free(res);
        return fail_v(A, &n->pos, "Cannot apply a scalar subquery with %zu columns", res->ncols);
    }
    if (res->nrows > 1) {
        vrv_sql_result_free(res);
        return sql_fail(A->c->err, VRV_SQL_E_RUNTIME, NULL,
                        "Subquery used as an expression returned more than one row");
    }
    if (res->nrows == 0) {
        sql_type t = res->types[0];
        *out = lit_null(A->c, t, n->pos);
    } else {
        *out = result_value_lit(A->c, res, 0, 0, n->pos);
        (*out)->type.nullable = true;
    }
    vrv_sql_result_free(res);
    return 0;
}

static int ana_exists(an *A, const sql_ast *n, rex **out)
{
    vrv_sql_result *res;
    int rc = run_subquery(A, n->query, &n->pos, &res);
    if (rc) return rc;
    *out = lit_bool(A->c, res->nrows > 0, n->pos);
    vrv_sql_result_free(res);
    return 0;
}

static int ana_like(an *A, const sql_ast *n, rex **out)
{
    rex *a[3] = {NULL, NULL, NULL};
    int rc = ana_args(A, n, a);
    if (rc) return rc;
    a[0] = string_arg(A, a[0]);
    if (!rex_is_lit(a[1]) || (a[1]->lit.type != VRV_V_STRING && a[1]->lit.type != VRV_V_NULL))
        return fail_plan(A->c, &n->pos, "LIKE patterns must be literal strings");
    if (n->nargs > 2) {
        if (!rex_is_lit(a[2]) || a[2]->lit.type != VRV_V_STRING)
            return fail_v(A, &a[2]->pos, "LIKE escape must be a literal string");
        if (a[2]->lit.len != 1)
            return sql_fail(A->c->err, VRV_SQL_E_RUNTIME, NULL, "Invalid escape character '%.*s'",
                            (int)a[2]->lit.len, a[2]->lit.u.s);
    }
    rex *r;
    if (rex_is_null_lit(a[1])) r = lit_null(A->c, T(ST_BOOLEAN, true), n->pos);
    else r = make_bool_call(A, FN_LIKE, a, n->nargs, n->pos);
    if (n->not_) r = make_bool_call(A, FN_NOT, &r, 1, n->pos);
    *out = r;
    return 0;
}

static int ana_is(an *A, const sql_ast *n, rex **out)
{
    rex *a[2] = {NULL, NULL};
    int rc = ana_args(A, n, a);
    if (rc) return rc;
    rex_fn fn;
    const char *w = n->unit;
    if (!strcmp(w, "NULL")) fn = n->not_ ? FN_IS_NOT_NULL : FN_IS_NULL;
    else if (!strcmp(w, "TRUE")) fn = n->not_ ? FN_IS_NOT_TRUE : FN_IS_TRUE;
    else if (!strcmp(w, "FALSE")) fn = n->not_ ? FN_IS_NOT_FALSE : FN_IS_FALSE;
    else {
        if ((rc = coerce_pair(A, &a[0], &a[1], "IS DISTINCT FROM", &n->pos))) return rc;
        fn = n->not_ ? FN_IS_NOT_DISTINCT : FN_IS_DISTINCT;
    }
    if ((fn == FN_IS_TRUE || fn == FN_IS_FALSE || fn == FN_IS_NOT_TRUE || fn == FN_IS_NOT_FALSE) &&
        !is_bool(a[0]->type))
        return fail_v(A, &n->pos, "Cannot apply 'IS %s%s' to arguments of type '<%s> IS %s%s'", n->not_ ? "NOT " : "", w,
                      msg_type(a[0]->type), n->not_ ? "NOT " : "", w);
    /* constant folding of IS [NOT] NULL over literals */
    if ((fn == FN_IS_NULL || fn == FN_IS_NOT_NULL) && rex_is_lit(a[0])) {
        bool isnull = rex_is_null_lit(a[0]);
        *out = lit_bool(A->c, fn == FN_IS_NULL ? isnull : !isnull, n->pos);
        return 0;
    }
    *out = make_bool_call(A, fn, a, fn == FN_IS_DISTINCT || fn == FN_IS_NOT_DISTINCT ? 2 : 1, n->pos);
    return 0;
}

static int ana_extract(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    rex *t;
    int rc = ana(A, n->args[0], &t);
    if (rc) return rc;
    if ((rc = time_arg(A, n, &t))) return rc;
    const char *u = n->unit;
    if (!strcmp(u, "NANOSECOND")) return fail_plan(c, &n->pos, "EXTRACT(NANOSECOND) is not supported");
    rex *args[3] = {t, lit_str(c, u, n->pos), tz_arg(A, NULL, &n->pos)};
    *out = rex_call(c, FN_TIME_EXTRACT, T(ST_BIGINT, t->type.nullable), args, 3, n->pos);
    return 0;
}

static int ana_floor_to(an *A, const sql_ast *n, rex **out)
{
    rex *t;
    int rc = ana(A, n->args[0], &t);
    if (rc) return rc;
    if ((rc = time_arg(A, n, &t))) return rc;
    const char *per = period_of_unit(n->unit);
    if (!per) return fail_v(A, &n->pos, "%s TO %s is not supported", n->flag ? "CEIL" : "FLOOR", n->unit);
    *out = time_floor(A, n->flag == 1, t, per, NULL, NULL, n->pos);
    if (t->type.id == ST_DATE) (*out)->type.id = ST_DATE;
    return 0;
}

static int ana_trim(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    rex *x, *chars;
    int rc = ana(A, n->args[0], &x);
    if (rc) return rc;
    if (n->nargs > 1) {
        if ((rc = ana(A, n->args[1], &chars))) return rc;
    } else {
        chars = lit_str(c, " ", n->pos);
    }
    x = string_arg(A, x);
    const char *fn = !strcmp(n->unit, "LEADING") ? "ltrim" : !strcmp(n->unit, "TRAILING") ? "rtrim" : "trim";
    rex *args[2] = {x, chars};
    *out = rex_native(c, fn, T(ST_VARCHAR, nullable_any(args, 2)), args, 2, n->pos);
    return 0;
}

static int ana_position(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    rex *a[3] = {NULL, NULL, NULL};
    int rc = ana_args(A, n, a);
    if (rc) return rc;
    a[0] = string_arg(A, a[0]);
    a[1] = string_arg(A, a[1]);
    rex *args[3] = {a[1], a[0], NULL};
    size_t na = 2;
    if (a[2]) {
        if ((rc = numeric_arg(A, n, &a[2]))) return rc;
        rex *s[2] = {a[2], lit_long(c, 1, ST_INTEGER, n->pos)};
        args[na++] = rex_call(c, FN_SUB, a[2]->type, s, 2, n->pos);
    }
    rex *sp = rex_native(c, "strpos", T(ST_INTEGER, nullable_any(a, na)), args, na, n->pos);
    rex *p[2] = {sp, lit_long(c, 1, ST_INTEGER, n->pos)};
    *out = rex_call(c, FN_ADD, sp->type, p, 2, n->pos);
    return 0;
}

static int ana_substring(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    rex *a[3] = {NULL, NULL, NULL};
    int rc = ana_args(A, n, a);
    if (rc) return rc;
    a[0] = string_arg(A, a[0]);
    if ((rc = numeric_arg(A, n, &a[1]))) return rc;
    rex *start;
    if (a[1]->kind == RX_LIT && a[1]->lit.type == VRV_V_LONG)
        start = lit_long(c, a[1]->lit.u.l - 1, ST_INTEGER, a[1]->pos);
    else {
        rex *s[2] = {a[1], lit_long(c, 1, ST_INTEGER, n->pos)};
        start = rex_call(c, FN_SUB, a[1]->type, s, 2, n->pos);
    }
    rex *len = n->nargs > 2 ? a[2] : lit_long(c, -1, ST_INTEGER, n->pos);
    rex *args[3] = {a[0], start, len};
    *out = rex_native(c, "substring", T(ST_VARCHAR, nullable_any(a, n->nargs)), args, 3, n->pos);
    return 0;
}

static int64_t unit_ms(const char *u)
{
    if (!strcmp(u, "MILLISECOND")) return 1;
    if (!strcmp(u, "SECOND")) return 1000;
    if (!strcmp(u, "MINUTE")) return VRV_MS_PER_MINUTE;
    if (!strcmp(u, "HOUR")) return VRV_MS_PER_HOUR;
    if (!strcmp(u, "DAY")) return VRV_MS_PER_DAY;
    if (!strcmp(u, "WEEK")) return VRV_MS_PER_WEEK;
    return 0;
}

static int ana_tsadd(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    rex *a[2];
    int rc = ana_args(A, n, a);
    if (rc) return rc;
    if ((rc = numeric_arg(A, n, &a[0])) || (rc = time_arg(A, n, &a[1]))) return rc;
    const char *u = n->unit;
    int64_t ms = unit_ms(u);
    sql_type rt = T(ST_TIMESTAMP, a[0]->type.nullable || a[1]->type.nullable);
    if (ms) {
        rex *m[2] = {a[0], lit_long(c, ms, ST_BIGINT, n->pos)};
        rex *prod = rex_call(c, FN_MUL, T(ST_BIGINT, a[0]->type.nullable), m, 2, n->pos);
        rex *s[2] = {a[1], prod};
        *out = rex_call(c, FN_ADD, rt, s, 2, n->pos);
        return 0;
    }
    const char *per = period_of_unit(u);
    if (!per) return fail_v(A, &n->pos, "TIMESTAMPADD unit %s is not supported", u);
    rex *args[4] = {a[1], lit_str(c, per, n->pos), a[0], tz_arg(A, NULL, &n->pos)};
    *out = rex_call(c, FN_TIME_SHIFT, rt, args, 4, n->pos);
    return 0;
}

static int ana_tsdiff(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    rex *a[2];
    int rc = ana_args(A, n, a);
    if (rc) return rc;
    if ((rc = time_arg(A, n, &a[0])) || (rc = time_arg(A, n, &a[1]))) return rc;
    int64_t ms = unit_ms(n->unit);
    if (!ms) return fail_plan(c, &n->pos, "TIMESTAMPDIFF with unit %s is not supported", n->unit);
    rex *d[2] = {a[1], a[0]};
    rex *diff = rex_call(c, FN_SUB, T(ST_BIGINT, nullable_any(a, 2)), d, 2, n->pos);
    rex *q[2] = {diff, lit_long(c, ms, ST_BIGINT, n->pos)};
    *out = rex_native(c, "div", T(ST_INTEGER, nullable_any(a, 2)), q, 2, n->pos);
    return 0;
}

static int ana_node(an *A, const sql_ast *n, rex **out)
{
    sql_ctx *c = A->c;
    switch ((sql_ast_kind)n->kind) {
    case A_NUM: return num_literal(A, n, out);
    case A_STR:
        *out = rex_lit(c, vrv_string(n->s, (size_t)n->flag), T(ST_CHAR, false), n->pos);
        return 0;
    case A_BOOL: *out = lit_bool(c, n->flag != 0, n->pos); return 0;
    case A_NULL: *out = lit_null(c, T(ST_NULL, true), n->pos); return 0;
    case A_TYPED_LIT: return typed_literal(A, n, out);
    case A_INTERVAL: return interval_literal(A, n, out);
    case A_PARAM: return param_literal(A, n, out);
    case A_IDENT: {
        int rc = resolve_column(A, n, out, false);
        if (rc == 0) return 0;
        long al = find_alias(A, n);
        if (al >= 0) {
            *out = A->alias_rex[al];
            return 0;
        }
        return resolve_column(A, n, out, true);
    }
    case A_STAR: return fail_v(A, &n->pos, "Unknown identifier '*'");
    case A_OP: return ana_op(A, n, out);
    case A_CALL: return ana_call(A, n, out);
    case A_CASE: return ana_case(A, n, out);
    case A_CAST: return ana_cast(A, n, out);
    case A_EXTRACT: return ana_extract(A, n, out);
    case A_FLOOR_TO: return ana_floor_to(A, n, out);
    case A_BETWEEN: return ana_between(A, n, out);
    case A_IN_LIST: return ana_in_list(A, n, out);
    case A_IN_QUERY: return ana_in_query(A, n, out);
    case A_LIKE: return ana_like(A, n, out);
    case A_IS: return ana_is(A, n, out);
    case A_SUBQUERY: return ana_scalar_subquery(A, n, out);
    case A_EXISTS: return ana_exists(A, n, out);
    case A_TRIM: return ana_trim(A, n, out);
    case A_POSITION: return ana_position(A, n, out);
    case A_SUBSTRING: return ana_substring(A, n, out);
    case A_TSADD: return ana_tsadd(A, n, out);
    case A_TSDIFF: return ana_tsdiff(A, n, out);
    case A_ARRAY: return fail_plan(c, &n->pos, "ARRAY values are not supported");
    }
    return fail_v(A, &n->pos, "unsupported expression");
}

/* ---- FROM ------------------------------------------------------------------------------------------ */

typedef struct from_res {
    sql_source src;
    sql_sig vis;
    rex *where;     /* filters of merged subqueries */
    sql_block *agg; /* an aggregating subquery whose outputs vis reads: the
                       outer query continues its aggregation (WHERE becomes
                       HAVING, ORDER BY its limitSpec) unless it aggregates
                       again, which nests it */
    const char *alias;
} from_res;

static json_t *ds_table(const char *name)
{
    return json_pack("{s:s, s:s}", "type", "table", "name", name);
}

static void add_resource(sql_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->resources.n; i++)
        if (!strcmp(c->resources.v[i], name)) return;
    vrv_vec_push(&c->resources, vrv_arena_strdup(c->arena, name));
}

static int from_item(sql_ctx *c, const sql_from *f, from_res *out);

/* A source reading the physical columns `phys` of a datasource, every one
 * visible under the qualifier `table`. */
static void plain_source(sql_ctx *c, from_res *fr, json_t *ds, const sql_sig *phys, const char *table,
                         bool table_time)
{
    memset(fr, 0, sizeof *fr);
    fr->src.ds = ds;
    fr->src.table_time = table_time;
    for (size_t i = 0; i < phys->n; i++) {
        sql_sig_add(c->arena, &fr->src.phys, phys->v[i].native, NULL, phys->v[i].native, phys->v[i].type, NULL);
        rex *r = rex_ref(c, RX_COL, (int)i, phys->v[i].type, (sql_pos){0, 0, 0, 0});
        sql_sig_add(c->arena, &fr->vis, phys->v[i].name, table, NULL, phys->v[i].type, r);
    }
}

/* Plans a block as a nested native query: a "query" datasource whose
 * columns are the block's outputs. */
static int nested_source(sql_ctx *c, const sql_block *b, const char *alias, from_res *fr)
{
    sql_plan plan;
    int rc = sql_plan_block(c, b, &plan);
    if (rc) return rc;
    memset(fr, 0, sizeof *fr);
    fr->src.ds = json_pack("{s:s, s:O}", "type", "query", "query", plan.query);
    fr->src.table_time = false;
    for (size_t i = 0; i < plan.nfields; i++) {
        const sql_field *f = &plan.fields[i];
        const char *nat = f->kind == SF_TIMESTAMP ? "__time" : f->native;
        long have = -1;
        for (size_t k = 0; k < fr->src.phys.n; k++)
            if (!strcmp(fr->src.phys.v[k].native, nat)) have = (long)k;
        if (have < 0) {
            have = (long)fr->src.phys.n;
            sql_sig_add(c->arena, &fr->src.phys, nat, NULL, nat, f->type, NULL);
        }
        rex *r = rex_ref(c, RX_COL, (int)have, f->type, (sql_pos){0, 0, 0, 0});
        sql_sig_add(c->arena, &fr->vis, f->name, alias, NULL, f->type, r);
    }
    sql_plan_clear(&plan);
    return 0;
}

/* Whether a block can be merged into the query reading it: it only
 * filters and projects. */
static bool mergeable(const sql_block *b)
{
    return !b->aggregate && b->limit < 0 && b->offset == 0;
}

/* Runs a query and makes its rows an inline datasource. */
static int materialize(sql_ctx *c, const sql_query *q, const char *alias, const sql_pos *pos,
                       from_res *fr)
{
    vrv_sql_result *res;
    if (++c->depth > SQL_MAX_DEPTH) return fail_plan(c, pos, "subqueries nest too deeply");
    int rc = sql_run_query(c, q, &res);
    c->depth--;
    if (rc) return rc;
    memset(fr, 0, sizeof *fr);
    json_t *names = json_array(), *types = json_array(), *rows = json_array();
    for (size_t k = 0; k < res->ncols; k++) {
        /* the result dies below: keep its names and types in the statement's arena */
        const char *nm = vrv_arena_strdup(c->arena, res->names[k]);
        sql_type t = res->types[k];
        if (t.complex) t.complex = vrv_arena_strdup(c->arena, t.complex);
        json_array_append_new(names, json_string(nm));
        const char *nt = sql_type_native(t, c->arena);
        json_array_append_new(types, json_string(nt ? nt : "STRING"));
        sql_sig_add(c->arena, &fr->src.phys, nm, NULL, nm, t, NULL);
        rex *r = rex_ref(c, RX_COL, (int)k, t, *pos);
        sql_sig_add(c->arena, &fr->vis, nm, alias, NULL, t, r);
    }
    for (size_t i = 0; i < res->nrows; i++) {
        json_t *row = json_array();
        for (size_t k = 0; k < res->ncols; k++) {
            const vrv_value *v = &res->vals.v[i * res->ncols + k];
            json_t *j;
            switch (v->type) {
            case VRV_V_LONG: j = (v->flags & VRV_VF_BOOL) ? json_integer(v->u.l) : json_integer(v->u.l); break;
            case VRV_V_DOUBLE: j = json_real(v->u.d); break;
            case VRV_V_FLOAT: j = json_real(v->u.f); break;
            case VRV_V_STRING:
                if (sql_type_is_time(res->types[k])) {
                    vrv_ms ms = 0;
                    vrv_time_parse(v->u.s, v->len, 0, &ms, NULL);
                    j = json_integer(ms);
                } else {
                    j = json_stringn(v->u.s, v->len);
                }
                break;
            default: j = json_null(); break;
            }
            json_array_append_new(row, j);
        }
        json_array_append_new(rows, row);
    }
    fr->src.ds = json_pack("{s:s, s:o, s:o, s:o}", "type", "inline", "columnNames", names,
                           "columnTypes", types, "rows", rows);
    vrv_sql_result_free(res);
    return 0;
}

/* A UNION ALL in FROM: one union datasource when every branch reads a
 * whole table's same columns; otherwise the branches' rows, run first. */
static int union_source(sql_ctx *c, const sql_query *q, const char *alias, const sql_pos *pos,
                        from_res *fr)
{
    /* collect the branches */
    VRV_VEC(const sql_query *) br = {0};
    VRV_VEC(const sql_query *) stack = {0};
    vrv_vec_push(&stack, q);
    while (stack.n) {
        const sql_query *x = stack.v[--stack.n];
        if (x->kind == Q_UNION && !x->norder && !x->limit && !x->offset) {
            vrv_vec_push(&stack, x->right);
            vrv_vec_push(&stack, x->left);
        } else {
            vrv_vec_push(&br, x);
        }
    }
    vrv_vec_free(&stack);
    bool simple = br.n > 1;
    const char **tables = vrv_arena_calloc(c->arena, br.n * sizeof *tables);
    for (size_t i = 0; i < br.n && simple; i++) {
        const sql_query *x = br.v[i];
        const sql_select *s = x->sel;
        simple = x->kind == Q_SELECT && !x->norder && !x->limit && !x->offset && !x->nctes && s &&
                 !s->distinct && !s->where && !s->group_present && !s->having && s->from &&
                 s->from->kind == F_TABLE && !s->from->schema && s->nitems >= 1;
        for (size_t k = 0; simple && k < s->nitems; k++)
            simple = (s->items[k].expr->kind == A_IDENT && s->items[k].expr->nnames == 1 && !s->items[k].alias) ||
                     (s->items[k].expr->kind == A_STAR && s->items[k].expr->nnames == 0);
        if (simple) tables[i] = s->from->name;
        /* the same table twice must count twice: a union datasource would not */
        for (size_t k = 0; simple && k < i; k++) simple = strcmp(tables[k], tables[i]) != 0;
    }
    if (simple) {
        /* analyse the first branch for the columns; the others must match */
        sql_block b0;
        int rc = sql_analyze(c, br.v[0], &b0);
        if (rc) {
            vrv_vec_free(&br);
            return rc;
        }
        for (size_t i = 1; i < br.n && simple; i++) {
            sql_block bi;
            if ((rc = sql_analyze(c, br.v[i], &bi))) {
                json_decref(b0.src.ds);
                vrv_vec_free(&br);
                return rc;
            }
            simple = bi.nout == b0.nout;
            for (size_t k = 0; simple && k < bi.nout; k++)
                simple = !strcmp(bi.names[k], b0.names[k]) && bi.out[k]->kind == RX_COL &&
                         b0.out[k]->kind == RX_COL &&
                         !strcmp(bi.src.phys.v[bi.out[k]->index].native, b0.src.phys.v[b0.out[k]->index].native);
            json_decref(bi.src.ds);
        }
        if (simple) {
            json_t *names = json_array();
            for (size_t i = 0; i < br.n; i++) {
                bool dup = false;
                for (size_t k = 0; k < i; k++) dup |= !strcmp(tables[k], tables[i]);
                if (!dup) json_array_append_new(names, json_string(tables[i]));
            }
            memset(fr, 0, sizeof *fr);
            fr->src.ds = json_pack("{s:s, s:o}", "type", "union", "dataSources", names);
            fr->src.table_time = true;
            fr->src.phys = b0.src.phys;
            for (size_t k = 0; k < b0.nout; k++)
                sql_sig_add(c->arena, &fr->vis, b0.names[k], alias, NULL, b0.out[k]->type, b0.out[k]);
            json_decref(b0.src.ds);
            vrv_vec_free(&br);
            return 0;
        }
        json_decref(b0.src.ds);
    }
    vrv_vec_free(&br);
    return materialize(c, q, alias, pos, fr);
}

static int values_source(sql_ctx *c, const sql_query *q, const char *alias, from_res *fr)
{
    an A = {.c = c, .mode = M_PLAIN, .clause = "VALUES"};
    size_t w = q->nrowvals;
    sql_type *types = vrv_arena_calloc(c->arena, (w + 1) * sizeof *types);
    rex **vals = vrv_arena_calloc(c->arena, (q->nrows * w + 1) * sizeof *vals);
    int rc;
    for (size_t i = 0; i < q->nrows; i++)
        for (size_t k = 0; k < w; k++) {
            rex *r;
            if ((rc = ana(&A, q->rows[i][k], &r))) return rc;
            if (!rex_is_lit(r))
                return fail_plan(c, &q->rows[i][k]->pos, "VALUES may only hold literals");
            vals[i * w + k] = r;
            types[k] = i == 0 ? r->type : sql_type_common(types[k], r->type);
        }
    memset(fr, 0, sizeof *fr);
    json_t *names = json_array(), *ntypes = json_array(), *rows = json_array();
    for (size_t k = 0; k < w; k++) {
        if (types[k].id == ST_CHAR) types[k].id = ST_VARCHAR;
        if (types[k].id == ST_NULL) types[k] = T(ST_VARCHAR, true);
        const char *name = vrv_arena_printf(c->arena, "EXPR$%zu", k);
        json_array_append_new(names, json_string(name));
        const char *nt = sql_type_native(types[k], c->arena);
        json_array_append_new(ntypes, json_string(nt ? nt : "STRING"));
        sql_sig_add(c->arena, &fr->src.phys, name, NULL, name, types[k], NULL);
        rex *r = rex_ref(c, RX_COL, (int)k, types[k], q->pos);
        sql_sig_add(c->arena, &fr->vis, name, alias, NULL, types[k], r);
    }
    for (size_t i = 0; i < q->nrows; i++) {
        json_t *row = json_array();
        for (size_t k = 0; k < w; k++) {
            const vrv_value *v = &vals[i * w + k]->lit;
            json_t *j = json_null();
            if (v->type == VRV_V_LONG) j = (v->flags & VRV_VF_BOOL) ? json_boolean(v->u.l) : json_integer(v->u.l);
            else if (v->type == VRV_V_DOUBLE) j = json_real(v->u.d);
            else if (v->type == VRV_V_STRING) j = json_stringn(v->u.s, v->len);
            if (json_is_integer(j) && !sql_type_is_integer(types[k]) && sql_type_is_numeric(types[k])) {
                json_t *d = json_real((double)json_integer_value(j));
                json_decref(j);
                j = d;
            }
            json_array_append_new(row, j);
        }
        json_array_append_new(rows, row);
    }
    fr->src.ds = json_pack("{s:s, s:o, s:o, s:o}", "type", "inline", "columnNames", names,
                           "columnTypes", ntypes, "rows", rows);
    return 0;
}

static const sql_cte *find_cte(sql_ctx *c, const char *name)
{
    for (size_t i = c->ctes.n; i > 0; i--)
        if (!strcmp(c->ctes.v[i - 1].name, name)) return &c->ctes.v[i - 1];
    return NULL;
}

/* A subquery in FROM: merged into the outer query when it only filters and
 * projects, else nested as a query datasource. */
static int subquery_source(sql_ctx *c, const sql_query *q, const char *alias, const sql_pos *pos,
                           from_res *fr)
{
    if (q->kind == Q_UNION && !q->norder && !q->limit && !q->offset)
        return union_source(c, q, alias, pos, fr);
    if (q->kind == Q_VALUES && !q->norder && !q->limit && !q->offset) return values_source(c, q, alias, fr);
    if (++c->depth > SQL_MAX_DEPTH) return fail_plan(c, pos, "subqueries nest too deeply");
    sql_block b;
    int rc = sql_analyze(c, q, &b);
    c->depth--;
    if (rc) return rc;
    /* ORDER BY without LIMIT means nothing in a subquery (Calcite drops it) */
    if (b.limit < 0 && b.offset == 0) b.nsort = 0;
    if (mergeable(&b) && b.nsort == 0) {
        memset(fr, 0, sizeof *fr);
        fr->src = b.src;
        fr->where = b.where;
        for (size_t i = 0; i < b.nout; i++)
            sql_sig_add(c->arena, &fr->vis, b.names[i], alias, NULL, b.out[i]->type, b.out[i]);
        return 0;
    }
    if (b.aggregate && b.limit < 0 && b.offset == 0) {
        memset(fr, 0, sizeof *fr);
        fr->src = b.src;
        fr->agg = vrv_arena_memdup(c->arena, &b, sizeof b);
        fr->alias = alias;
        for (size_t i = 0; i < b.nout; i++)
            sql_sig_add(c->arena, &fr->vis, b.names[i], alias, NULL, b.out[i]->type, b.out[i]);
        return 0;
    }
    rc = nested_source(c, &b, alias, fr);
    json_decref(b.src.ds);
    return rc;
}

/* An aggregating subquery that cannot be continued: nested after all. */
static int nest_agg(sql_ctx *c, from_res *fr)
{
    if (!fr->agg) return 0;
    sql_block *b = fr->agg;
    from_res y;
    int rc = nested_source(c, b, fr->alias, &y);
    json_decref(fr->src.ds);
    if (rc) {
        memset(fr, 0, sizeof *fr);
        return rc;
    }
    /* keep the visible names (column aliases may have renamed them) */
    for (size_t i = 0; i < y.vis.n && i < fr->vis.n; i++) {
        y.vis.v[i].name = fr->vis.v[i].name;
        y.vis.v[i].table = fr->vis.v[i].table;
    }
    *fr = y;
    return 0;
}

static int table_source(sql_ctx *c, const sql_from *f, from_res *fr)
{
    const char *alias = f->alias ? f->alias : f->name;
    if (!f->schema) {
        const sql_cte *cte = find_cte(c, f->name);
        if (cte) return subquery_source(c, cte->query, alias, &f->pos, fr);
    }
    if (f->schema && strcmp(f->schema, "druid") != 0) {
        if (!sql_meta_schema_known(f->schema)) return fail_c(c, &f->pos, "Object '%s' not found", f->schema);
        json_t *ds = NULL;
        sql_sig sig = {0};
        int rc = sql_meta_table(c, f->schema, f->name, &ds, &sig);
        if (rc == VRV_ENOTFOUND)
            return fail_c(c, &f->pos, "Object '%s' not found within '%s'", f->name, f->schema);
        if (rc) return rc;
        plain_source(c, fr, ds, &sig, alias, false);
        return 0;
    }
    sql_sig sig = {0};
    if (!sql_table_schema(c, f->name, &sig)) {
        if (c->err->kind != VRV_SQL_E_NONE) return c->err->err.code;
        if (f->schema) return fail_c(c, &f->pos, "Object '%s' not found within 'druid'", f->name);
        return fail_c(c, &f->pos, "Object '%s' not found", f->name);
    }
    add_resource(c, f->name);
    plain_source(c, fr, ds_table(f->name), &sig, alias, true);
    fr->src.table = f->name;
    return 0;
}

/* Splits an ON condition into equalities left-expr = right-column and the
 * rest. */
typedef struct join_keys {
    VRV_VEC(rex *) left;
    VRV_VEC(int) right; /* physical index in the right source */
} join_keys;

static bool reads_side(const rex *r, size_t nleft, bool right)
{
    if (r->kind == RX_COL) return right ? (size_t)r->index >= nleft : (size_t)r->index < nleft;
    if (r->kind != RX_CALL) return false;
    for (uint32_t i = 0; i < r->nargs; i++)
        if (reads_side(r->args[i], nleft, right)) return true;
    return false;
}

typedef VRV_VEC(const rex *) rex_cvec;

static void conjuncts(const rex *r, rex_cvec *out)
{
    if (r->kind == RX_CALL && r->fn == FN_AND) {
        for (uint32_t i = 0; i < r->nargs; i++) conjuncts(r->args[i], out);
        return;
    }
    vrv_vec_push(out, r);
}

static int join_source(sql_ctx *c, const sql_from *f, from_res *fr)
{
    if (f->join_type == J_RIGHT || f->join_type == J_FULL)
        return fail_plan(c, &f->pos, "%s JOIN is not supported; varve joins are INNER or LEFT",
                         f->join_type == J_RIGHT ? "RIGHT" : "FULL");
    from_res L, R;
    int rc = from_item(c, f->left, &L);
    if (rc == 0) rc = nest_agg(c, &L);
    if (rc) return rc;
    if ((rc = from_item(c, f->right, &R)) || (rc = nest_agg(c, &R))) {
        json_decref(L.src.ds);
        return rc;
    }
    /* the right side is always read through a query (Druid's rule for a
     * table on the right); the left side too when it is not a plain table */
    from_res *sides[2] = {&L, &R};
    for (int s = 0; s < 2; s++) {
        from_res *x = sides[s];
        bool plain = x->where == NULL && x->src.table != NULL;
        for (size_t i = 0; plain && i < x->vis.n; i++) plain = x->vis.v[i].expr->kind == RX_COL;
        if (s == 0 && plain) continue;
        if (s == 1 && json_is_object(x->src.ds) &&
            !strcmp(json_string_value(json_object_get(x->src.ds, "type")), "query") && !x->where) {
            bool cols = true;
            for (size_t i = 0; cols && i < x->vis.n; i++) cols = x->vis.v[i].expr->kind == RX_COL;
            if (cols) continue;
        }
        /* a scan of the visible columns */
        sql_block b = {0};
        b.src = x->src;
        b.where = x->where;
        b.limit = -1;
        b.nout = x->vis.n;
        b.out = vrv_arena_calloc(c->arena, (b.nout + 1) * sizeof *b.out);
        b.names = vrv_arena_calloc(c->arena, (b.nout + 1) * sizeof *b.names);
        for (size_t i = 0; i < b.nout; i++) {
            b.out[i] = x->vis.v[i].expr;
            b.names[i] = x->vis.v[i].name;
        }
        from_res y;
        rc = nested_source(c, &b, NULL, &y);
        if (rc) {
            json_decref(L.src.ds);
            json_decref(R.src.ds);
            return rc;
        }
        /* keep the qualifiers */
        for (size_t i = 0; i < y.vis.n; i++) y.vis.v[i].table = x->vis.v[i].table;
        json_decref(x->src.ds);
        *x = y;
    }
    /* the join's physical columns: left's, then right's under the prefix */
    const char *prefix;
    /* a prefix no left column starts with */
    for (int k = 0;; k++) {
        prefix = vrv_arena_printf(c->arena, "j%d.", k);
        bool clash = false;
        for (size_t i = 0; i < L.src.phys.n && !clash; i++)
            clash = !strncmp(L.src.phys.v[i].native, prefix, strlen(prefix));
        if (!clash) break;
    }
    memset(fr, 0, sizeof *fr);
    size_t nl = L.src.phys.n;
    for (size_t i = 0; i < nl; i++)
        sql_sig_add(c->arena, &fr->src.phys, L.src.phys.v[i].native, NULL, L.src.phys.v[i].native, L.src.phys.v[i].type, NULL);
    for (size_t i = 0; i < R.src.phys.n; i++) {
        const char *nat = vrv_arena_printf(c->arena, "%s%s", prefix, R.src.phys.v[i].native);
        sql_type t = R.src.phys.v[i].type;
        if (f->join_type == J_LEFT) t.nullable = true;
        sql_sig_add(c->arena, &fr->src.phys, nat, NULL, nat, t, NULL);
    }
    for (size_t i = 0; i < L.vis.n; i++) sql_sig_add(c->arena, &fr->vis, L.vis.v[i].name, L.vis.v[i].table, NULL, L.vis.v[i].type, L.vis.v[i].expr);
    for (size_t i = 0; i < R.vis.n; i++) {
        const rex *e = R.vis.v[i].expr;
        sql_type t = e->type;
        if (f->join_type == J_LEFT) t.nullable = true;
        rex *r = rex_ref(c, RX_COL, (int)(nl + (size_t)e->index), t, (sql_pos){0, 0, 0, 0});
        sql_sig_add(c->arena, &fr->vis, R.vis.v[i].name, R.vis.v[i].table, NULL, t, r);
    }
    fr->src.table_time = L.src.table_time;
    fr->src.table = NULL;
    fr->where = L.where;
    /* the condition */
    vrv_buf cond = VRV_BUF_INIT;
    if (f->on) {
        an A = {.c = c, .vis = &fr->vis, .mode = M_PLAIN, .clause = "ON"};
        rex *on;
        if ((rc = ana(&A, f->on, &on))) goto out;
        rex_cvec parts = {0};
        conjuncts(on, &parts);
        VRV_VEC(const char *) eqs = {0};
        rex *rest = NULL;
        for (size_t i = 0; i < parts.n && rc == 0; i++) {
            const rex *p = parts.v[i];
            bool eq = false;
            if (p->kind == RX_CALL && p->fn == FN_EQ) {
                const rex *a = p->args[0], *b = p->args[1];
                if (a->kind == RX_COL && (size_t)a->index >= nl && !reads_side(b, nl, true)) {
                    const rex *t = a;
                    a = b;
                    b = t;
                }
                if (b->kind == RX_COL && (size_t)b->index >= nl && !reads_side(a, nl, true) &&
                    reads_side(a, nl, false)) {
                    vrv_buf e = VRV_BUF_INIT;
                    sql_source tmp = fr->src;
                    rc = sql_native_expr(c, a, &tmp, NULL, NULL, &e);
                    if (rc == 0) {
                        const char *rn = fr->src.phys.v[b->index].native;
                        vrv_buf q = VRV_BUF_INIT;
                        vrv_buf_printf(&q, "(%s == ", e.data);
                        vrv_buf_putc(&q, '"');
                        for (const char *s = rn; *s; s++) {
                            if (*s == '"' || *s == '\\') vrv_buf_putc(&q, '\\');
                            vrv_buf_putc(&q, *s);
                        }
                        vrv_buf_puts(&q, "\")");
                        vrv_vec_push(&eqs, vrv_arena_strdup(c->arena, q.data));
                        vrv_buf_free(&q);
                        eq = true;
                    }
                    vrv_buf_free(&e);
                }
            }
            if (!eq && rc == 0) {
                if (f->join_type != J_INNER) {
                    rc = fail_plan(c, &f->pos,
                                   "SQL requires a join with '%s' condition that is not supported.",
                                   "non-equality");
                } else if (!rest) {
                    rest = (rex *)p;
                } else {
                    rex *x[2] = {rest, (rex *)p};
                    rest = rex_call(c, FN_AND, T(ST_BOOLEAN, true), x, 2, p->pos);
                }
            }
        }
        vrv_vec_free(&parts);
        if (rc == 0) {
            if (eqs.n == 0) vrv_buf_puts(&cond, "1");
            else if (eqs.n == 1) vrv_buf_puts(&cond, eqs.v[0]);
            else {
                vrv_buf_putc(&cond, '(');
                for (size_t i = 0; i < eqs.n; i++) {
                    if (i) vrv_buf_puts(&cond, " && ");
                    vrv_buf_puts(&cond, eqs.v[i]);
                }
                vrv_buf_putc(&cond, ')');
            }
            if (rest) {
                if (fr->where) {
                    rex *x[2] = {fr->where, rest};
                    fr->where = rex_call(c, FN_AND, T(ST_BOOLEAN, true), x, 2, rest->pos);
                } else {
                    fr->where = rest;
                }
            }
        }
        vrv_vec_free(&eqs);
    } else {
        vrv_buf_puts(&cond, "1");
    }
    if (rc == 0)
        fr->src.ds = json_pack("{s:s, s:O, s:O, s:s, s:s, s:s}", "type", "join", "left", L.src.ds,
                               "right", R.src.ds, "rightPrefix", prefix, "condition", cond.data,
                               "joinType", f->join_type == J_LEFT ? "LEFT" : "INNER");
out:
    vrv_buf_free(&cond);
    json_decref(L.src.ds);
    json_decref(R.src.ds);
    return rc;
}

static int from_item(sql_ctx *c, const sql_from *f, from_res *out)
{
    int rc;
    switch (f->kind) {
    case F_TABLE: rc = table_source(c, f, out); break;
    case F_SUBQUERY:
        rc = subquery_source(c, f->query, f->alias, &f->pos, out);
        break;
    case F_VALUES: rc = values_source(c, f->query, f->alias, out); break;
    case F_JOIN: rc = join_source(c, f, out); break;
    default: rc = fail_plan(c, &f->pos, "unsupported FROM item");
    }
    if (rc) return rc;
    if (f->ncol_aliases) {
        if (f->ncol_aliases != out->vis.n) {
            json_decref(out->src.ds);
            return fail_c(c, &f->pos, "List of column aliases must have same degree as table; table has %zu columns %s, whereas alias list has %zu columns",
                          out->vis.n, "", f->ncol_aliases);
        }
        for (size_t i = 0; i < out->vis.n; i++) out->vis.v[i].name = f->col_aliases[i];
    }
    return 0;
}

/* ---- SELECT ----------------------------------------------------------------------------------------- */

static const char *derive_name(sql_ctx *c, const sql_item *it, size_t i)
{
    if (it->alias) return it->alias;
    if (it->expr->kind == A_IDENT) return it->expr->names[it->expr->nnames - 1];
    return vrv_arena_printf(c->arena, "EXPR$%zu", i);
}

/* Calcite's SqlValidatorUtil.uniquify: a repeated name gets a counter. */
static void uniquify(sql_ctx *c, const char **names, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        bool dup = false;
        for (size_t k = 0; k < i && !dup; k++) dup = !strcmp(names[k], names[i]);
        if (!dup) continue;
        for (int suffix = 0;; suffix++) {
            const char *cand = vrv_arena_printf(c->arena, "%s%d", names[i], suffix);
            bool used = false;
            for (size_t k = 0; k < n && !used; k++) used = k != i && !strcmp(names[k], cand);
            if (!used) {
                names[i] = cand;
                break;
            }
        }
    }
}

static int count_literal(an *A, const sql_ast *n, int64_t *out)
{
    rex *r;
    int rc = ana(A, n, &r);
    if (rc) return rc;
    if (r->kind != RX_LIT || r->lit.type != VRV_V_LONG || r->lit.u.l < 0)
        return fail_v(A, &n->pos, "Argument must be a non-negative integer literal");
    *out = r->lit.u.l;
    return 0;
}

static rex *and_of(sql_ctx *c, rex *a, rex *b)
{
    if (!a) return b;
    if (!b) return a;
    rex *x[2] = {a, b};
    return rex_call(c, FN_AND, T(ST_BOOLEAN, a->type.nullable || b->type.nullable), x, 2, a->pos);
}

/* Calcite's ImmutableBitSet.COMPARATOR: a set before the sets it
 * contains, otherwise by the first differing member. */
static int set_cmp(const size_t *a, size_t na, const size_t *b, size_t nb)
{
    bool a_in_b = true, b_in_a = true;
    for (size_t i = 0, k = 0; i < na || k < nb;) {
        if (k == nb || (i < na && a[i] < b[k])) {
            a_in_b = false;
            i++;
        } else if (i == na || b[k] < a[i]) {
            b_in_a = false;
            k++;
        } else {
            i++;
            k++;
        }
    }
    if (a_in_b && b_in_a) return 0;
    if (b_in_a) return -1;
    if (a_in_b) return 1;
    for (size_t i = 0; i < na && i < nb; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return na < nb ? -1 : na > nb ? 1 : 0;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The grouping sets of s as sets of key indexes, sorted as Calcite sorts an
 * Aggregate's groupSets (duplicates kept: GROUPING SETS is a multiset). */
static void grouping_sets(sql_ctx *c, const sql_select *s, const size_t *gkey, sql_block *b)
{
    b->nsets = s->ngsets;
    b->sets = vrv_arena_calloc(c->arena, (s->ngsets + 1) * sizeof *b->sets);
    b->set_len = vrv_arena_calloc(c->arena, (s->ngsets + 1) * sizeof *b->set_len);
    for (size_t i = 0; i < s->ngsets; i++) {
        size_t *v = vrv_arena_calloc(c->arena, (s->gset_len[i] + 1) * sizeof *v);
        size_t n = 0;
        for (size_t k = 0; k < s->gset_len[i]; k++) v[n++] = gkey[s->gsets[i][k]];
        qsort(v, n, sizeof *v, cmp_size);
        size_t u = 0;
        for (size_t k = 0; k < n; k++)
            if (u == 0 || v[u - 1] != v[k]) v[u++] = v[k];
        /* stable insertion by the comparator */
        size_t at = i;
        while (at > 0 && set_cmp(b->sets[at - 1], b->set_len[at - 1], v, u) > 0) {
            b->sets[at] = b->sets[at - 1];
            b->set_len[at] = b->set_len[at - 1];
            at--;
        }
        b->sets[at] = v;
        b->set_len[at] = u;
    }
}

static int analyze_select(sql_ctx *c, const sql_query *q, sql_block *b)
{
    const sql_select *s = q->sel;
    memset(b, 0, sizeof *b);
    b->limit = -1;
    from_res fr;
    int rc;
    if (s->from) {
        if ((rc = from_item(c, s->from, &fr))) return rc;
    } else {
        /* SELECT without FROM reads one row of nothing */
        memset(&fr, 0, sizeof fr);
        fr.src.ds = json_pack("{s:s, s:[], s:[], s:[[]]}", "type", "inline", "columnNames",
                              "columnTypes", "rows");
    }
    /* over an aggregating subquery: continue its aggregation, or nest it
     * when this query aggregates again */
    bool outer_agg = s->group_present || s->distinct || has_agg(s->having);
    for (size_t i = 0; i < s->nitems; i++) outer_agg |= has_agg(s->items[i].expr);
    for (size_t i = 0; i < q->norder; i++) outer_agg |= has_agg(q->order[i].expr);
    if (fr.agg && outer_agg && (rc = nest_agg(c, &fr))) return rc;
    bool cont = fr.agg != NULL;
    if (cont) {
        sql_block *in = fr.agg;
        b->aggregate = true;
        b->keys = in->keys;
        b->nkeys = in->nkeys;
        b->sets = in->sets;
        b->set_len = in->set_len;
        b->nsets = in->nsets;
        b->aggs = in->aggs;
        b->naggs = in->naggs;
        b->cap_aggs = in->cap_aggs;
        b->having = in->having;
        fr.where = in->where;
    }
    b->src = fr.src;
    an A = {.c = c, .vis = &fr.vis, .b = b, .mode = M_PLAIN, .clause = "WHERE"};
    rex *w = NULL;
    if (s->where) {
        if ((rc = ana(&A, s->where, &w))) goto fail;
        if (!is_bool(w->type)) {
            rc = fail_v(&A, &s->where->pos, "WHERE clause must be a condition");
            goto fail;
        }
    }
    if (cont) {
        b->where = fr.where;
        b->having = and_of(c, b->having, w);
    } else {
        b->where = and_of(c, fr.where, w);
    }

    /* the SELECT list, stars expanded */
    VRV_VEC(const sql_ast *) asts = {0};
    VRV_VEC(rex *) pre = {0};
    VRV_VEC(const char *) names = {0};
    VRV_VEC(sql_pos) poss = {0};
    for (size_t i = 0; i < s->nitems; i++) {
        const sql_item *it = &s->items[i];
        if (it->expr->kind == A_STAR) {
            const char *qual = it->expr->nnames ? it->expr->names[it->expr->nnames - 1] : NULL;
            size_t added = 0;
            for (size_t k = 0; k < fr.vis.n; k++) {
                if (qual && (!fr.vis.v[k].table || strcmp(fr.vis.v[k].table, qual) != 0)) continue;
                vrv_vec_push(&asts, NULL);
                vrv_vec_push(&pre, fr.vis.v[k].expr);
                vrv_vec_push(&names, fr.vis.v[k].name);
                vrv_vec_push(&poss, it->pos);
                added++;
            }
            if (qual && added == 0) {
                rc = fail_v(&A, &it->pos, "Unknown identifier '%s'", qual);
                break;
            }
            if (!qual && !s->from) {
                rc = fail_v(&A, &it->pos, "SELECT * requires a FROM clause");
                break;
            }
            continue;
        }
        vrv_vec_push(&asts, it->expr);
        vrv_vec_push(&pre, NULL);
        vrv_vec_push(&names, derive_name(c, it, asts.n - 1));
        vrv_vec_push(&poss, it->pos);
    }
    if (rc) goto fail_vecs;
    b->nout = asts.n;
    b->out = vrv_arena_calloc(c->arena, (b->nout + 1) * sizeof *b->out);
    b->names = vrv_arena_calloc(c->arena, (b->nout + 1) * sizeof *b->names);
    for (size_t i = 0; i < b->nout; i++) b->names[i] = names.v[i];
    /* derived names of expressions use their position after expansion */
    for (size_t i = 0; i < b->nout; i++)
        if (asts.v[i] && !strncmp(b->names[i], "EXPR$", 5) && asts.v[i]->kind != A_IDENT) {
            bool aliased = false;
            for (size_t k = 0; k < s->nitems; k++)
                if (s->items[k].expr == asts.v[i] && s->items[k].alias) aliased = true;
            if (!aliased) b->names[i] = vrv_arena_printf(c->arena, "EXPR$%zu", i);
        }

    bool agg = s->group_present || has_agg(s->having);
    for (size_t i = 0; i < asts.n; i++) agg |= has_agg(asts.v[i]);
    for (size_t i = 0; i < q->norder; i++) agg |= has_agg(q->order[i].expr);
    bool distinct = s->distinct;

    if (cont) {
        /* the outputs read the subquery's keys and aggregates directly */
        A.clause = "SELECT";
        for (size_t i = 0; i < b->nout && rc == 0; i++) {
            if (pre.v[i]) b->out[i] = pre.v[i];
            else rc = ana(&A, asts.v[i], &b->out[i]);
        }
    } else if (!agg && !distinct) {
        A.clause = "SELECT";
        for (size_t i = 0; i < b->nout && rc == 0; i++) {
            if (pre.v[i]) b->out[i] = pre.v[i];
            else rc = ana(&A, asts.v[i], &b->out[i]);
        }
        if (rc == 0 && s->having) rc = fail_v(&A, &s->having->pos, "HAVING clause requires GROUP BY or aggregate functions");
    } else if (!agg && distinct) {
        /* SELECT DISTINCT: the outputs are the group keys */
        b->aggregate = true;
        b->keys = vrv_arena_calloc(c->arena, (b->nout + 1) * sizeof *b->keys);
        A.clause = "SELECT";
        for (size_t i = 0; i < b->nout && rc == 0; i++) {
            rex *r = pre.v[i];
            if (!r) rc = ana(&A, asts.v[i], &r);
            if (rc) break;
            long k = find_key(b, r);
            if (k < 0) {
                k = (long)b->nkeys;
                b->keys[b->nkeys++] = r;
            }
            b->out[i] = rex_ref(c, RX_KEY, (int)k, r->type, poss.v[i]);
        }
    } else {
        b->aggregate = true;
        /* GROUP BY keys: ordinals and aliases refer to the SELECT list */
        b->keys = vrv_arena_calloc(c->arena, (s->ngroup + 1) * sizeof *b->keys);
        size_t *gkey = vrv_arena_calloc(c->arena, (s->ngroup + 1) * sizeof *gkey);
        A.clause = "GROUP BY";
        for (size_t g = 0; g < s->ngroup && rc == 0; g++) {
            const sql_ast *ge = s->group[g];
            rex *r = NULL;
            if (ge->kind == A_NUM && ge->flag == 0) {
                int64_t ord = atoll(ge->s);
                if (ord < 1 || (size_t)ord > b->nout) {
                    rc = fail_v(&A, &ge->pos, "Ordinal out of range");
                    break;
                }
                const sql_ast *item = asts.v[ord - 1];
                if (item && has_agg(item)) {
                    rc = fail_v(&A, &ge->pos, "Aggregate expression is illegal in GROUP BY clause");
                    break;
                }
                if (pre.v[ord - 1]) r = pre.v[ord - 1];
                else rc = ana(&A, item, &r);
            } else if (ge->kind == A_IDENT && ge->nnames == 1) {
                rex *tmp;
                if (resolve_column(&A, ge, &tmp, false) == 0) {
                    r = tmp;
                } else {
                    long hit = -1;
                    for (size_t i = 0; i < b->nout; i++)
                        if (!strcmp(b->names[i], ge->names[0])) hit = (long)i;
                    if (hit >= 0 && asts.v[hit] && !has_agg(asts.v[hit])) rc = ana(&A, asts.v[hit], &r);
                    else if (hit >= 0 && pre.v[hit]) r = pre.v[hit];
                    else rc = resolve_column(&A, ge, &tmp, true);
                }
            } else {
                rc = ana(&A, ge, &r);
            }
            if (rc) break;
            long k = find_key(b, r);
            if (k < 0) {
                k = (long)b->nkeys;
                b->keys[b->nkeys++] = r;
            }
            gkey[g] = (size_t)k;
        }
        if (rc == 0 && s->ngsets) grouping_sets(c, s, gkey, b);
        /* outputs, in terms of keys and aggregates */
        A.mode = M_AGG;
        A.clause = "SELECT";
        for (size_t i = 0; i < b->nout && rc == 0; i++) {
            if (pre.v[i]) {
                long k = find_key(b, pre.v[i]);
                if (k < 0) {
                    rc = fail_v(&A, &poss.v[i], "Expression '%s' is not being grouped", b->names[i]);
                    break;
                }
                b->out[i] = rex_ref(c, RX_KEY, (int)k, pre.v[i]->type, poss.v[i]);
            } else {
                rc = ana(&A, asts.v[i], &b->out[i]);
            }
        }
        if (rc == 0 && distinct && s->group_present) {
            /* DISTINCT over groups: a no-op when the outputs are exactly the keys */
            bool ok = true;
            bool *seen = vrv_arena_calloc(c->arena, b->nkeys + 1);
            for (size_t i = 0; i < b->nout; i++) {
                if (b->out[i]->kind != RX_KEY) ok = false;
                else seen[b->out[i]->index] = true;
            }
            for (size_t k = 0; k < b->nkeys; k++) ok &= seen[k];
            if (!ok) rc = fail_plan(c, &s->pos, "SELECT DISTINCT over grouped results that are not the group keys is not supported");
        }
        if (rc == 0 && s->having) {
            A.clause = "HAVING";
            A.alias_names = (const char **)b->names;
            A.alias_rex = b->out;
            A.naliases = b->nout;
            rex *h;
            rc = ana(&A, s->having, &h);
            if (rc == 0 && !is_bool(h->type)) rc = fail_v(&A, &s->having->pos, "HAVING clause must be a condition");
            if (rc == 0) b->having = h;
            A.naliases = 0;
        }
    }
    if (rc) goto fail_vecs;

    /* ORDER BY: ordinals, output names, then expressions */
    if (q->norder) {
        b->sort = vrv_arena_calloc(c->arena, q->norder * sizeof *b->sort);
        A.clause = "ORDER BY";
        A.alias_names = (const char **)b->names;
        A.alias_rex = b->out;
        A.naliases = b->nout;
        if (!b->aggregate || cont) A.mode = M_PLAIN;
        for (size_t i = 0; i < q->norder && rc == 0; i++) {
            const sql_order *o = &q->order[i];
            rex *r = NULL;
            if (o->expr->kind == A_NUM && o->expr->flag == 0) {
                int64_t ord = atoll(o->expr->s);
                if (ord < 1 || (size_t)ord > b->nout) {
                    rc = fail_v(&A, &o->expr->pos, "Ordinal out of range");
                    break;
                }
                r = b->out[ord - 1];
            } else {
                long hit = find_alias(&A, o->expr);
                if (hit >= 0) {
                    r = b->out[hit];
                } else {
                    rc = ana(&A, o->expr, &r);
                    if (rc) break;
                    if (distinct) {
                        bool in_list = false;
                        for (size_t k = 0; k < b->nout && !in_list; k++) in_list = rex_equal(b->out[k], r);
                        if (!in_list) {
                            rc = fail_v(&A, &o->expr->pos, "Expression '%s' is not in the select clause",
                                        ast_text(&A, o->expr));
                            break;
                        }
                    }
                }
            }
            b->sort[b->nsort].e = r;
            b->sort[b->nsort].desc = o->desc;
            b->nsort++;
        }
        A.naliases = 0;
    }
    if (rc == 0 && q->limit) rc = count_literal(&A, q->limit, &b->limit);
    if (rc == 0 && q->offset) rc = count_literal(&A, q->offset, &b->offset);
    if (rc) goto fail_vecs;
    uniquify(c, b->names, b->nout);
    vrv_vec_free(&asts);
    vrv_vec_free(&pre);
    vrv_vec_free(&names);
    vrv_vec_free(&poss);
    return 0;
fail_vecs:
    vrv_vec_free(&asts);
    vrv_vec_free(&pre);
    vrv_vec_free(&names);
    vrv_vec_free(&poss);
fail:
    json_decref(fr.src.ds);
    b->src.ds = NULL;
    return rc;
}

int sql_analyze(sql_ctx *c, const sql_query *q, sql_block *out)
{
    if (++c->depth > SQL_MAX_DEPTH) {
        c->depth--;
        return fail_plan(c, &q->pos, "the query nests too deeply");
    }
    size_t nctes = c->ctes.n;
    for (size_t i = 0; i < q->nctes; i++) vrv_vec_push(&c->ctes, q->ctes[i]);
    int rc;
    if (q->kind == Q_SELECT) {
        rc = analyze_select(c, q, out);
    } else {
        /* VALUES or UNION ALL with ORDER BY / LIMIT: SELECT * FROM (...) */
        sql_query inner = *q;
        inner.norder = 0;
        inner.order = NULL;
        inner.limit = inner.offset = NULL;
        inner.nctes = 0;
        sql_from f = {.kind = F_SUBQUERY, .query = &inner, .pos = q->pos};
        sql_ast star = {.kind = A_STAR, .pos = q->pos};
        sql_item item = {.expr = &star, .pos = q->pos};
        sql_select s = {.items = &item, .nitems = 1, .from = &f, .pos = q->pos};
        sql_query outer = {.kind = Q_SELECT, .sel = &s, .order = q->order, .norder = q->norder,
                           .limit = q->limit, .offset = q->offset, .pos = q->pos};
        rc = analyze_select(c, &outer, out);
    }
    c->ctes.n = nctes;
    c->depth--;
    return rc;
}
