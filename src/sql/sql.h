/*
 * sql.h — Druid SQL: a statement's text in, a typed result set out
 * (druid-query.md §10, §11).
 *
 * What this module owns: the lexer and recursive-descent parser of Druid's
 * SQL dialect (Calcite's grammar as Druid accepts it), name resolution and
 * typing against the tables' schemas, the planner that turns a statement
 * into Druid native queries (timeseries, topN, groupBy, scan, timeBoundary,
 * nested queries, joins, unions), the conversion of native results into SQL
 * rows with Druid's value coercions, the metadata tables (INFORMATION_SCHEMA
 * and sys.*) and the result formats of POST /druid/v2/sql. What it does not
 * own: running native queries, where the tables' data lives, and HTTP — all
 * reached through a vrv_sql_env the caller provides.
 *
 * Flow:
 *     vrv_sql_result *r;  vrv_sql_error e;
 *     if (vrv_sql_execute(&env, text, len, context, params, &r, &e) == 0) {
 *         vrv_sql_result_write(r, VRV_SQL_FORMAT_OBJECT, 0, &body);
 *         vrv_sql_result_free(r);
 *     } else  ... e.kind, e.err.msg, e.line/column: Druid's error shapes ...
 *
 * A table's schema is learnt the way Druid's broker learns it: a
 * segmentMetadata query through env->run (newest segment first, a column's
 * type from the newest segment that has it).
 *
 * Thread safety: no global state; one call works on its own arena. The env's
 * callbacks may be called from the calling thread only.
 */
#ifndef VRV_SQL_H
#define VRV_SQL_H

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/value.h"

/* How a statement reaches data. */
typedef struct vrv_sql_env {
    /* Runs one native query (JSON, borrowed) and appends Druid's result
     * array to out. Returns 0, or a negative VRV_E* code with err set
     * (VRV_ETIMEOUT, VRV_ECANCELED, VRV_ELIMIT, ... keep their meaning). */
    int (*run)(void *ctx, const json_t *query, vrv_buf *out, vrv_error *err);
    /* The names of the queryable datasources (a new JSON array of strings). */
    json_t *(*datasources)(void *ctx);
    /* The rows of a system table ("segments", "servers", "server_segments",
     * "tasks", "supervisors"): a new JSON array of objects keyed by the
     * column names of vrv_sql_sys_columns (a missing key is null). NULL, or
     * the member itself NULL, when this node has no such rows. */
    json_t *(*sys_rows)(void *ctx, const char *table);
    void *ctx;
} vrv_sql_env;

/* What went wrong, in the terms of Druid's SQL error bodies (§11.3). */
typedef enum vrv_sql_errkind {
    VRV_SQL_E_NONE = 0,
    VRV_SQL_E_PARSE,       /* 400 invalidInput; token + expected set */
    VRV_SQL_E_VALIDATE,    /* 400 invalidInput: unknown table/column, type mismatch */
    VRV_SQL_E_PLAN,        /* 400 general/USER/INVALID_INPUT "Query could not be planned..." */
    VRV_SQL_E_UNSUPPORTED, /* 501 general/OPERATOR/UNSUPPORTED */
    VRV_SQL_E_REQUEST,     /* 400 {"error": msg}: bad context or parameters */
    VRV_SQL_E_RUNTIME,     /* a native query failed: err.code says how (timeout, ...) */
} vrv_sql_errkind;

typedef struct vrv_sql_error {
    vrv_sql_errkind kind;
    vrv_error err;          /* the code and Druid's full message */
    bool has_pos;           /* line..end_column are set (1-based) */
    int line, column, end_line, end_column;
    char token[128];        /* PARSE: the unexpected token's text */
    char expected[1024];    /* PARSE: the acceptable options, as Druid lists them */
    char query_id[64];      /* the sqlQueryId, once known ("" before) */
} vrv_sql_error;

typedef struct vrv_sql_result vrv_sql_result;

/* Parses, plans and runs one statement (optionally preceded by `SET k = v;`
 * statements, which override context). context and parameters are the
 * request's (borrowed; either may be NULL): parameters is the JSON list of
 * {"type","value"} bound in order to `?`. On success *out is a new result
 * (vrv_sql_result_free). EXPLAIN PLAN FOR gives the one-row PLAN,
 * RESOURCES, ATTRIBUTES result. */
int vrv_sql_execute(const vrv_sql_env *env, const char *sql, size_t len, const json_t *context,
                    const json_t *parameters, vrv_sql_result **out, vrv_sql_error *err);
void vrv_sql_result_free(vrv_sql_result *r);

/* The result set: columns (name, Druid type "LONG"/"STRING"/..., SQL type
 * "BIGINT"/"VARCHAR"/...) and rows of values already coerced to the SQL
 * types (TIMESTAMP as ISO strings in sqlTimeZone, BOOLEAN as VRV_VF_BOOL
 * longs, ...). Everything is owned by r. */
size_t vrv_sql_result_ncols(const vrv_sql_result *r);
const char *vrv_sql_result_name(const vrv_sql_result *r, size_t col);
const char *vrv_sql_result_druid_type(const vrv_sql_result *r, size_t col); /* NULL: none */
const char *vrv_sql_result_sql_type(const vrv_sql_result *r, size_t col);
size_t vrv_sql_result_nrows(const vrv_sql_result *r);
const vrv_value *vrv_sql_result_row(const vrv_sql_result *r, size_t row);
/* The sqlQueryId the statement ran with (the context's, else a UUID). */
const char *vrv_sql_result_query_id(const vrv_sql_result *r);

/* resultFormat of POST /druid/v2/sql. */
typedef enum vrv_sql_format {
    VRV_SQL_FORMAT_OBJECT = 0,
    VRV_SQL_FORMAT_ARRAY,
    VRV_SQL_FORMAT_OBJECT_LINES,
    VRV_SQL_FORMAT_ARRAY_LINES,
    VRV_SQL_FORMAT_CSV,
} vrv_sql_format;

/* Case-insensitive ("object", "arrayLines", "CSV"); false when unknown. */
bool vrv_sql_format_parse(const char *s, vrv_sql_format *out);

#define VRV_SQL_HEADER           0x1u /* header: column names */
#define VRV_SQL_TYPES_HEADER     0x2u /* typesHeader: Druid types */
#define VRV_SQL_SQL_TYPES_HEADER 0x4u /* sqlTypesHeader: SQL types */

/* Appends the result in fmt, byte for byte as Druid's writers produce it
 * (§10.1), with the header rows the flags ask for. */
void vrv_sql_result_write(const vrv_sql_result *r, vrv_sql_format fmt, unsigned headers,
                          vrv_buf *out);

/* ---- metadata tables ------------------------------------------------------ */

typedef struct vrv_sql_column_def {
    const char *name;
    const char *type; /* SQL type: "VARCHAR", "BIGINT", ... */
} vrv_sql_column_def;

/* The columns of sys.<table> ("segments", "servers", "server_segments",
 * "tasks", "supervisors"), as Druid's SystemSchema defines them; NULL for
 * an unknown table. */
const vrv_sql_column_def *vrv_sql_sys_columns(const char *table, size_t *n);

#endif
