/*
 * sql_native.c — resolved SQL expressions written as Druid native
 * expressions, in the form Druid's SQL layer writes them: quoted
 * identifiers ("__time"), parenthesised binary operators ("(\"x\" + 1)"),
 * comma-joined call arguments, CAST(x, 'LONG'), case_searched for CASE,
 * timestamp_floor/shift/extract/format/parse for the TIME family with the
 * statement's zone, and the casts Druid's CastOperatorConversion emits
 * between strings, numbers and timestamps.
 */
#include <stdio.h>
#include <string.h>

#include "base/numfmt.h"
#include "sql/sql_int.h"

static void quote_ident(vrv_buf *b, const char *s)
{
    vrv_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') vrv_buf_putc(b, '\\');
        vrv_buf_putc(b, *s);
    }
    vrv_buf_putc(b, '"');
}

static void quote_string(vrv_buf *b, const char *s, size_t n)
{
    vrv_buf_putc(b, '\'');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\'' || c == '\\') {
            vrv_buf_putc(b, '\\');
            vrv_buf_putc(b, (char)c);
        } else if (c < 0x20) {
            vrv_buf_printf(b, "\\u%04X", c);
        } else {
            vrv_buf_putc(b, (char)c);
        }
    }
    vrv_buf_putc(b, '\'');
}

static void literal(vrv_buf *b, const rex *r)
{
    const vrv_value *v = &r->lit;
    char num[VRV_NUMFMT_MAX];
    switch (v->type) {
    case VRV_V_NULL: vrv_buf_puts(b, "null"); break;
    case VRV_V_LONG: vrv_fmt_long(v->u.l, num); vrv_buf_puts(b, num); break;
    case VRV_V_DOUBLE: vrv_fmt_double(v->u.d, num); vrv_buf_puts(b, num); break;
    case VRV_V_FLOAT: vrv_fmt_double((double)v->u.f, num); vrv_buf_puts(b, num); break;
    case VRV_V_STRING: quote_string(b, v->u.s, v->len); break;
    default: vrv_buf_puts(b, "null"); break;
    }
}

typedef struct wr {
    sql_ctx *c;
    const sql_source *src;
    sql_name_fn names;
    void *ud;
    vrv_buf *out;
} wr;

static int emit(wr *w, const rex *r);

static int emit_args(wr *w, const rex *r, size_t from)
{
    for (size_t i = from; i < r->nargs; i++) {
        if (i > from) vrv_buf_putc(w->out, ',');
        int rc = emit(w, r->args[i]);
        if (rc) return rc;
    }
    return 0;
}

static int call(wr *w, const char *name, const rex *r)
{
    vrv_buf_puts(w->out, name);
    vrv_buf_putc(w->out, '(');
    int rc = emit_args(w, r, 0);
    vrv_buf_putc(w->out, ')');
    return rc;
}

static int binop(wr *w, const char *op, const rex *r)
{
    vrv_buf_putc(w->out, '(');
    for (uint32_t i = 0; i < r->nargs; i++) {
        if (i) vrv_buf_printf(w->out, " %s ", op);
        int rc = emit(w, r->args[i]);
        if (rc) return rc;
    }
    vrv_buf_putc(w->out, ')');
    return 0;
}

static const char *tz_id(wr *w)
{
    return vrv_tz_id(w->c->tz);
}

static int cast(wr *w, const rex *r)
{
    const rex *x = r->args[0];
    sql_type from = x->type, to = r->type;
    vrv_buf *b = w->out;
    int rc;
    if (sql_type_is_string(to)) {
        if (from.id == ST_TIMESTAMP || from.id == ST_DATE) {
            vrv_buf_puts(b, "timestamp_format(");
            if ((rc = emit(w, x))) return rc;
            vrv_buf_puts(b, from.id == ST_DATE ? ",'yyyy-MM-dd'," : ",'yyyy-MM-dd HH:mm:ss',");
            quote_string(b, tz_id(w), strlen(tz_id(w)));
            vrv_buf_putc(b, ')');
            return 0;
        }
        if (sql_type_is_string(from) || from.id == ST_NULL) return emit(w, x);
        vrv_buf_puts(b, "CAST(");
        if ((rc = emit(w, x))) return rc;
        vrv_buf_puts(b, ", 'STRING')");
        return 0;
    }
    if (to.id == ST_TIMESTAMP || to.id == ST_DATE) {
        if (sql_type_is_string(from)) {
            if (to.id == ST_DATE) vrv_buf_puts(b, "timestamp_floor(");
            vrv_buf_puts(b, "timestamp_parse(");
            if ((rc = emit(w, x))) return rc;
            vrv_buf_puts(b, ",null,");
            quote_string(b, tz_id(w), strlen(tz_id(w)));
            vrv_buf_putc(b, ')');
            if (to.id == ST_DATE) {
                vrv_buf_puts(b, ",'P1D',null,");
                quote_string(b, tz_id(w), strlen(tz_id(w)));
                vrv_buf_putc(b, ')');
            }
            return 0;
        }
        if (to.id == ST_DATE && from.id == ST_TIMESTAMP) {
            vrv_buf_puts(b, "timestamp_floor(");
            if ((rc = emit(w, x))) return rc;
            vrv_buf_puts(b, ",'P1D',null,");
            quote_string(b, tz_id(w), strlen(tz_id(w)));
            vrv_buf_putc(b, ')');
            return 0;
        }
        if (sql_type_is_integer(from) || sql_type_is_time(from) || from.id == ST_NULL) return emit(w, x);
        vrv_buf_puts(b, "CAST(");
        if ((rc = emit(w, x))) return rc;
        vrv_buf_puts(b, ", 'LONG')");
        return 0;
    }
    if (to.id == ST_BOOLEAN) {
        if (sql_type_is_string(from)) {
            vrv_buf_puts(b, "(lower(");
            if ((rc = emit(w, x))) return rc;
            vrv_buf_puts(b, ") == 'true')");
            return 0;
        }
        vrv_buf_puts(b, "(");
        if ((rc = emit(w, x))) return rc;
        vrv_buf_puts(b, " != 0)");
        return 0;
    }
    if (sql_type_is_integer(to)) {
        if (sql_type_is_integer(from) || sql_type_is_time(from) || from.id == ST_BOOLEAN ||
            from.id == ST_NULL)
            return emit(w, x);
        vrv_buf_puts(b, "CAST(");
        if ((rc = emit(w, x))) return rc;
        vrv_buf_puts(b, ", 'LONG')");
        return 0;
    }
    if (sql_type_is_numeric(to)) {
        if (from.id == ST_NULL) return emit(w, x);
        vrv_buf_puts(b, "CAST(");
        if ((rc = emit(w, x))) return rc;
        vrv_buf_puts(b, ", 'DOUBLE')");
        return 0;
    }
    return emit(w, x);
}

static int emit_call(wr *w, const rex *r)
{
    vrv_buf *b = w->out;
    int rc;
    switch ((rex_fn)r->fn) {
    case FN_AND: return binop(w, "&&", r);
    case FN_OR: return binop(w, "||", r);
    case FN_NOT:
        vrv_buf_putc(b, '!');
        return emit(w, r->args[0]);
    case FN_EQ: return binop(w, "==", r);
    case FN_NE: return binop(w, "!=", r);
    case FN_LT: return binop(w, "<", r);
    case FN_LE: return binop(w, "<=", r);
    case FN_GT: return binop(w, ">", r);
    case FN_GE: return binop(w, ">=", r);
    case FN_ADD: return binop(w, "+", r);
    case FN_SUB: return binop(w, "-", r);
    case FN_MUL: return binop(w, "*", r);
    case FN_DIV: return binop(w, "/", r);
    case FN_MOD: return binop(w, "%", r);
    case FN_NEG:
        vrv_buf_putc(b, '-');
        return emit(w, r->args[0]);
    case FN_IS_NULL: return call(w, "isnull", r);
    case FN_IS_NOT_NULL: return call(w, "notnull", r);
    case FN_IS_TRUE:
    case FN_IS_NOT_TRUE:
    case FN_IS_FALSE:
    case FN_IS_NOT_FALSE: {
        /* IS TRUE / IS FALSE turn unknown into false */
        if (r->fn == FN_IS_NOT_TRUE || r->fn == FN_IS_NOT_FALSE) vrv_buf_putc(b, '!');
        vrv_buf_puts(b, "(notnull(");
        if ((rc = emit(w, r->args[0]))) return rc;
        vrv_buf_puts(b, ") && ");
        if (r->fn == FN_IS_FALSE || r->fn == FN_IS_NOT_FALSE) vrv_buf_putc(b, '!');
        if ((rc = emit(w, r->args[0]))) return rc;
        vrv_buf_putc(b, ')');
        return 0;
    }
    case FN_IS_NOT_DISTINCT:
    case FN_IS_DISTINCT: {
        if (r->fn == FN_IS_DISTINCT) vrv_buf_putc(b, '!');
        vrv_buf_puts(b, "(nvl((");
        if ((rc = emit(w, r->args[0]))) return rc;
        vrv_buf_puts(b, " == ");
        if ((rc = emit(w, r->args[1]))) return rc;
        vrv_buf_puts(b, "),0) || (isnull(");
        if ((rc = emit(w, r->args[0]))) return rc;
        vrv_buf_puts(b, ") && isnull(");
        if ((rc = emit(w, r->args[1]))) return rc;
        vrv_buf_puts(b, ")))");
        return 0;
    }
    case FN_LIKE: return call(w, "like", r);
    case FN_IN: {
        vrv_buf_putc(b, '(');
        for (uint32_t i = 1; i < r->nargs; i++) {
            if (i > 1) vrv_buf_puts(b, " || ");
            vrv_buf_putc(b, '(');
            if ((rc = emit(w, r->args[0]))) return rc;
            vrv_buf_puts(b, " == ");
            if ((rc = emit(w, r->args[i]))) return rc;
            vrv_buf_putc(b, ')');
        }
        vrv_buf_putc(b, ')');
        return 0;
    }
    case FN_CASE: return call(w, "case_searched", r);
    case FN_CAST: return cast(w, r);
    case FN_NATIVE: return call(w, r->name, r);
    case FN_TIME_FLOOR: return call(w, "timestamp_floor", r);
    case FN_TIME_CEIL: return call(w, "timestamp_ceil", r);
    case FN_TIME_SHIFT: return call(w, "timestamp_shift", r);
    case FN_TIME_EXTRACT: return call(w, "timestamp_extract", r);
    case FN_TIME_FORMAT: return call(w, "timestamp_format", r);
    case FN_TIME_PARSE: return call(w, "timestamp_parse", r);
    case FN_TIME_IN_INTERVAL: {
        vrv_buf_puts(b, "((");
        if ((rc = emit(w, r->args[0]))) return rc;
        vrv_buf_puts(b, " >= ");
        literal(b, r->args[1]);
        vrv_buf_puts(b, ") && (");
        if ((rc = emit(w, r->args[0]))) return rc;
        vrv_buf_puts(b, " < ");
        literal(b, r->args[2]);
        vrv_buf_puts(b, "))");
        return 0;
    }
    case FN_NONE:
    case FN_SKETCH:
    case FN_SCALAR_SUBQUERY: break;
    }
    return sql_fail(w->c->err, VRV_SQL_E_UNSUPPORTED, NULL,
                    "Unhandled Query Planning Failure, see broker logs for details");
}

static int emit(wr *w, const rex *r)
{
    switch ((rex_kind)r->kind) {
    case RX_LIT: literal(w->out, r); return 0;
    case RX_COL: quote_ident(w->out, w->src->phys.v[r->index].native); return 0;
    case RX_KEY:
    case RX_AGG: {
        const char *n = w->names ? w->names(w->ud, r) : NULL;
        if (!n)
            return sql_fail(w->c->err, VRV_SQL_E_UNSUPPORTED, NULL,
                            "Unhandled Query Planning Failure, see broker logs for details");
        quote_ident(w->out, n);
        return 0;
    }
    case RX_CALL:
        if (r->fn == FN_SKETCH) {
            /* a sketch function is a post-aggregator: read by its name */
            const char *n = w->names ? w->names(w->ud, r) : NULL;
            if (!n) return w->c->err->kind ? VRV_EINVAL : sql_fail(w->c->err, VRV_SQL_E_UNSUPPORTED, NULL,
                                                                   "Unhandled Query Planning Failure, see broker logs for details");
            quote_ident(w->out, n);
            return 0;
        }
        return emit_call(w, r);
    }
    return 0;
}

int sql_native_expr(sql_ctx *c, const rex *r, const sql_source *src, sql_name_fn names, void *ud,
                    vrv_buf *out)
{
    wr w = {c, src, names, ud, out};
    return emit(&w, r);
}
