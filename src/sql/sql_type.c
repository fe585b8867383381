/*
 * sql_type.c — SQL types as Druid's Calcite layer sees them: the names the
 * headers and INFORMATION_SCHEMA show, the native (Druid) type of each
 * (RowSignatures / Calcites.getColumnTypeForRelDataType), the SQL type of a
 * native column, the result types of arithmetic and of branches; plus the
 * module's error helper and SQL timestamp literal parsing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

int sql_fail(vrv_sql_error *e, vrv_sql_errkind kind, const sql_pos *pos, const char *fmt, ...)
{
    if (!e) return VRV_EINVAL;
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->err.code = kind == VRV_SQL_E_UNSUPPORTED ? VRV_EUNSUPPORTED : VRV_EINVAL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err.msg, sizeof e->err.msg, fmt, ap);
    va_end(ap);
    if (pos && pos->line > 0) {
        e->has_pos = true;
        e->line = pos->line;
        e->column = pos->col;
        e->end_line = pos->end_line ? pos->end_line : pos->line;
        e->end_column = pos->end_col ? pos->end_col : pos->col;
    }
    return e->err.code;
}

sql_type sql_type_make(sql_tid id, bool nullable)
{
    sql_type t = {(uint8_t)id, 0, nullable, NULL};
    return t;
}

bool sql_type_is_integer(sql_type t)
{
    return t.id == ST_INTEGER || t.id == ST_BIGINT;
}

bool sql_type_is_numeric(sql_type t)
{
    return t.id == ST_INTEGER || t.id == ST_BIGINT || t.id == ST_DECIMAL || t.id == ST_FLOAT ||
           t.id == ST_REAL || t.id == ST_DOUBLE;
}

bool sql_type_is_string(sql_type t)
{
    return t.id == ST_CHAR || t.id == ST_VARCHAR;
}

bool sql_type_is_time(sql_type t)
{
    return t.id == ST_TIMESTAMP || t.id == ST_DATE;
}

static const char *tid_name(uint8_t id)
{
    switch (id) {
    case ST_NULL: return "NULL";
    case ST_BOOLEAN: return "BOOLEAN";
    case ST_INTEGER: return "INTEGER";
    case ST_BIGINT: return "BIGINT";
    case ST_DECIMAL: return "DECIMAL";
    case ST_FLOAT: return "FLOAT";
    case ST_REAL: return "REAL";
    case ST_DOUBLE: return "DOUBLE";
    case ST_CHAR: return "CHAR";
    case ST_VARCHAR: return "VARCHAR";
    case ST_TIMESTAMP: return "TIMESTAMP";
    case ST_DATE: return "DATE";
    case ST_INTERVAL_DT: return "INTERVAL_DAY_TIME";
    case ST_INTERVAL_YM: return "INTERVAL_YEAR_MONTH";
    case ST_ARRAY: return "ARRAY";
    case ST_OTHER: return "OTHER";
    }
    return "OTHER";
}

const char *sql_type_name(sql_type t)
{
    return tid_name(t.id);
}

static const char *native_scalar(uint8_t id)
{
    switch (id) {
    case ST_BOOLEAN:
    case ST_INTEGER:
    case ST_BIGINT:
    case ST_TIMESTAMP:
    case ST_DATE:
    case ST_INTERVAL_DT:
    case ST_INTERVAL_YM: return "LONG";
    case ST_DECIMAL:
    case ST_REAL:
    case ST_DOUBLE: return "DOUBLE";
    case ST_FLOAT: return "FLOAT";
    case ST_CHAR:
    case ST_VARCHAR: return "STRING";
    default: return NULL;
    }
}

const char *sql_type_native(sql_type t, vrv_arena *a)
{
    if (t.id == ST_ARRAY) {
        const char *e = native_scalar(t.elem);
        return vrv_arena_printf(a, "ARRAY<%s>", e ? e : "STRING");
    }
    if (t.id == ST_OTHER) return vrv_arena_printf(a, "COMPLEX<%s>", t.complex ? t.complex : "json");
    return native_scalar(t.id);
}

sql_type sql_type_from_native(const char *native, bool is_time, vrv_arena *a)
{
    if (is_time) return sql_type_make(ST_TIMESTAMP, false);
    if (!native) return sql_type_make(ST_VARCHAR, true);
    if (!strcasecmp(native, "LONG")) return sql_type_make(ST_BIGINT, true);
    if (!strcasecmp(native, "DOUBLE")) return sql_type_make(ST_DOUBLE, true);
    if (!strcasecmp(native, "FLOAT")) return sql_type_make(ST_FLOAT, true);
    if (!strcasecmp(native, "STRING")) return sql_type_make(ST_VARCHAR, true);
    if (!strncasecmp(native, "ARRAY<", 6)) {
        sql_type t = sql_type_make(ST_ARRAY, true);
        const char *e = native + 6;
        t.elem = !strncasecmp(e, "LONG", 4)     ? ST_BIGINT
                 : !strncasecmp(e, "DOUBLE", 6) ? ST_DOUBLE
                 : !strncasecmp(e, "FLOAT", 5)  ? ST_FLOAT
                                                : ST_VARCHAR;
        return t;
    }
    sql_type t = sql_type_make(ST_OTHER, true);
    if (!strncasecmp(native, "COMPLEX<", 8)) {
        size_t n = strlen(native);
        t.complex = vrv_arena_strndup(a, native + 8, n > 9 ? n - 9 : 0);
    } else {
        t.complex = vrv_arena_strdup(a, native);
    }
    return t;
}

/* Order of numeric widening: the result of mixing two numeric types is the
 * wider one (Calcite's leastRestrictive over numbers, approximate types
 * winning over exact ones). */
static int num_rank(uint8_t id)
{
    switch (id) {
    case ST_INTEGER: return 1;
    case ST_BIGINT: return 2;
    case ST_DECIMAL: return 3;
    case ST_REAL: return 4;
    case ST_FLOAT: return 5;
    case ST_DOUBLE: return 6;
    default: return 0;
    }
}

sql_type sql_type_arith(sql_type a, sql_type b)
{
    bool nullable = a.nullable || b.nullable || a.id == ST_NULL || b.id == ST_NULL;
    if (a.id == ST_NULL) a = b;
    if (b.id == ST_NULL) b = a;
    /* strings in arithmetic are cast to the other side's numeric type */
    if (sql_type_is_string(a) && sql_type_is_numeric(b)) a = b;
    if (sql_type_is_string(b) && sql_type_is_numeric(a)) b = a;
    int ra = num_rank(a.id), rb = num_rank(b.id);
    sql_type r;
    if (ra == 0 && rb == 0) r = sql_type_make(ST_BIGINT, nullable);
    else r = sql_type_make(ra >= rb ? (sql_tid)a.id : (sql_tid)b.id, nullable);
    /* FLOAT with anything but FLOAT is computed in double, as Druid's
     * expressions read FLOAT as DOUBLE */
    if (r.id == ST_FLOAT && !(a.id == ST_FLOAT && b.id == ST_FLOAT)) r.id = ST_DOUBLE;
    if (r.id == ST_REAL) r.id = ST_DOUBLE;
    return r;
}

sql_type sql_type_common(sql_type a, sql_type b)
{
    bool nullable = a.nullable || b.nullable || a.id == ST_NULL || b.id == ST_NULL;
    if (a.id == ST_NULL) {
        b.nullable = true;
        return b;
    }
    if (b.id == ST_NULL) {
        a.nullable = true;
        return a;
    }
    sql_type r = a;
    if (a.id == b.id) {
        r.nullable = nullable;
        return r;
    }
    if (sql_type_is_string(a) && sql_type_is_string(b)) return sql_type_make(ST_VARCHAR, nullable);
    if (sql_type_is_numeric(a) && sql_type_is_numeric(b)) {
        r = sql_type_make(num_rank(a.id) >= num_rank(b.id) ? (sql_tid)a.id : (sql_tid)b.id, nullable);
        return r;
    }
    if (sql_type_is_time(a) && sql_type_is_time(b)) return sql_type_make(ST_TIMESTAMP, nullable);
    if (sql_type_is_string(a) || sql_type_is_string(b)) return sql_type_make(ST_VARCHAR, nullable);
    r.nullable = nullable;
    return r;
}

int sql_parse_timestamp(sql_ctx *c, const char *s, size_t n, vrv_ms *out)
{
    vrv_error e;
    /* 'yyyy-MM-dd HH:mm:ss[.SSS]' as SQL writes it, ISO with a 'T' as Druid
     * also accepts, or a date alone; a wall time is read in sqlTimeZone */
    int rc = vrv_tz_parse_time(c->tz, s, n, VRV_TIME_PARSE_SPACE | VRV_TIME_PARSE_DATE_FIRST, out,
                               &e);
    return rc;
}
