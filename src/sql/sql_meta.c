/*
 * sql_meta.c — the metadata tables (druid-query.md §10.3):
 * INFORMATION_SCHEMA.SCHEMATA, TABLES and COLUMNS, computed from the
 * datasources and their schemas, and sys.segments, sys.servers,
 * sys.server_segments, sys.tasks and sys.supervisors with the columns of
 * Druid's SystemSchema, whose rows the env supplies. Each becomes an inline
 * datasource, so any query over them (filters, aggregations, ordering) runs
 * through the native engine like a query over a table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/sql_int.h"

static const vrv_sql_column_def segments_cols[] = {
    {"segment_id", "VARCHAR"},    {"datasource", "VARCHAR"},   {"start", "VARCHAR"},
    {"end", "VARCHAR"},           {"size", "BIGINT"},          {"version", "VARCHAR"},
    {"partition_num", "BIGINT"},  {"num_replicas", "BIGINT"},  {"num_rows", "BIGINT"},
    {"is_active", "BIGINT"},      {"is_published", "BIGINT"},  {"is_available", "BIGINT"},
    {"is_realtime", "BIGINT"},    {"is_overshadowed", "BIGINT"}, {"shard_spec", "VARCHAR"},
    {"dimensions", "VARCHAR"},    {"metrics", "VARCHAR"},      {"last_compaction_state", "VARCHAR"},
    {"replication_factor", "BIGINT"},
};

static const vrv_sql_column_def servers_cols[] = {
    {"server", "VARCHAR"},         {"host", "VARCHAR"},       {"plaintext_port", "BIGINT"},
    {"tls_port", "BIGINT"},        {"server_type", "VARCHAR"}, {"tier", "VARCHAR"},
    {"current_size", "BIGINT"},    {"max_size", "BIGINT"},    {"is_leader", "BIGINT"},
    {"start_time", "VARCHAR"},     {"version", "VARCHAR"},    {"build_revision", "VARCHAR"},
    {"labels", "VARCHAR"},         {"available_processors", "BIGINT"}, {"total_memory", "BIGINT"},
};

static const vrv_sql_column_def server_segments_cols[] = {
    {"server", "VARCHAR"},
    {"segment_id", "VARCHAR"},
};

static const vrv_sql_column_def tasks_cols[] = {
    {"task_id", "VARCHAR"},        {"group_id", "VARCHAR"},   {"type", "VARCHAR"},
    {"datasource", "VARCHAR"},     {"created_time", "VARCHAR"}, {"queue_insertion_time", "VARCHAR"},
    {"status", "VARCHAR"},         {"runner_status", "VARCHAR"}, {"duration", "BIGINT"},
    {"location", "VARCHAR"},       {"host", "VARCHAR"},       {"plaintext_port", "BIGINT"},
    {"tls_port", "BIGINT"},        {"error_msg", "VARCHAR"},
};

static const vrv_sql_column_def supervisors_cols[] = {
    {"supervisor_id", "VARCHAR"}, {"datasource", "VARCHAR"}, {"state", "VARCHAR"},
    {"detailed_state", "VARCHAR"}, {"healthy", "BIGINT"},    {"type", "VARCHAR"},
    {"source", "VARCHAR"},         {"suspended", "BIGINT"},  {"spec", "VARCHAR"},
};

static const vrv_sql_column_def schemata_cols[] = {
    {"CATALOG_NAME", "VARCHAR"},
    {"SCHEMA_NAME", "VARCHAR"},
    {"SCHEMA_OWNER", "VARCHAR"},
    {"DEFAULT_CHARACTER_SET_CATALOG", "VARCHAR"},
    {"DEFAULT_CHARACTER_SET_SCHEMA", "VARCHAR"},
    {"DEFAULT_CHARACTER_SET_NAME", "VARCHAR"},
    {"SQL_PATH", "VARCHAR"},
};

static const vrv_sql_column_def tables_cols[] = {
    {"TABLE_CATALOG", "VARCHAR"}, {"TABLE_SCHEMA", "VARCHAR"}, {"TABLE_NAME", "VARCHAR"},
    {"TABLE_TYPE", "VARCHAR"},    {"IS_JOINABLE", "VARCHAR"},  {"IS_BROADCAST", "VARCHAR"},
};

static const vrv_sql_column_def columns_cols[] = {
    {"TABLE_CATALOG", "VARCHAR"},
    {"TABLE_SCHEMA", "VARCHAR"},
    {"TABLE_NAME", "VARCHAR"},
    {"COLUMN_NAME", "VARCHAR"},
    {"ORDINAL_POSITION", "VARCHAR"},
    {"COLUMN_DEFAULT", "VARCHAR"},
    {"IS_NULLABLE", "VARCHAR"},
    {"DATA_TYPE", "VARCHAR"},
    {"CHARACTER_MAXIMUM_LENGTH", "VARCHAR"},
    {"CHARACTER_OCTET_LENGTH", "VARCHAR"},
    {"NUMERIC_PRECISION", "VARCHAR"},
    {"NUMERIC_PRECISION_RADIX", "VARCHAR"},
    {"NUMERIC_SCALE", "VARCHAR"},
    {"DATETIME_PRECISION", "VARCHAR"},
    {"CHARACTER_SET_NAME", "VARCHAR"},
    {"COLLATION_NAME", "VARCHAR"},
    {"JDBC_TYPE", "BIGINT"},
};

typedef struct sys_table {
    const char *name;
    const vrv_sql_column_def *cols;
    size_t ncols;
} sys_table;

static const sys_table sys_tables[] = {
    {"segments", segments_cols, VRV_ARRAY_LEN(segments_cols)},
    {"server_segments", server_segments_cols, VRV_ARRAY_LEN(server_segments_cols)},
    {"servers", servers_cols, VRV_ARRAY_LEN(servers_cols)},
    {"supervisors", supervisors_cols, VRV_ARRAY_LEN(supervisors_cols)},
    {"tasks", tasks_cols, VRV_ARRAY_LEN(tasks_cols)},
};

static const sys_table info_tables[] = {
    {"COLUMNS", columns_cols, VRV_ARRAY_LEN(columns_cols)},
    {"SCHEMATA", schemata_cols, VRV_ARRAY_LEN(schemata_cols)},
    {"TABLES", tables_cols, VRV_ARRAY_LEN(tables_cols)},
};

/* The schemas of Druid's root schema, in its (sorted) order. */
static const char *const schemas[] = {"INFORMATION_SCHEMA", "druid", "lookup", "sys", "view"};

const vrv_sql_column_def *vrv_sql_sys_columns(const char *table, size_t *n)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(sys_tables); i++)
        if (!strcmp(sys_tables[i].name, table)) {
            *n = sys_tables[i].ncols;
            return sys_tables[i].cols;
        }
    *n = 0;
    return NULL;
}

bool sql_meta_schema_known(const char *schema)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(schemas); i++)
        if (!strcmp(schemas[i], schema)) return true;
    return false;
}

static const sys_table *find_table(const char *schema, const char *name)
{
    const sys_table *t = NULL;
    size_t n = 0;
    if (!strcmp(schema, "sys")) {
        t = sys_tables;
        n = VRV_ARRAY_LEN(sys_tables);
    } else if (!strcmp(schema, "INFORMATION_SCHEMA")) {
        t = info_tables;
        n = VRV_ARRAY_LEN(info_tables);
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, name)) return &t[i];
    return NULL;
}

static sql_type col_type(const char *sqltype)
{
    return sql_type_make(!strcmp(sqltype, "BIGINT") ? ST_BIGINT : ST_VARCHAR, true);
}

/* ---- INFORMATION_SCHEMA rows ------------------------------------------------------------- */

static json_t *s_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* A column's INFORMATION_SCHEMA.COLUMNS facts, as Calcite's types give them. */
static void column_row(json_t *rows, const char *schema, const char *table, const char *col, size_t pos,
                       sql_type t)
{
    const char *dt;
    char buf[96];
    const char *prec = NULL, *radix = NULL, *scale = NULL, *dtprec = NULL, *cs = NULL, *coll = NULL;
    long jdbc;
    switch (t.id) {
    case ST_TIMESTAMP: dt = "TIMESTAMP"; dtprec = "3"; jdbc = 93; break;
    case ST_DATE: dt = "DATE"; dtprec = "0"; jdbc = 91; break;
    case ST_BIGINT: dt = "BIGINT"; prec = "19"; radix = "10"; scale = "0"; jdbc = -5; break;
    case ST_INTEGER: dt = "INTEGER"; prec = "10"; radix = "10"; scale = "0"; jdbc = 4; break;
    case ST_DOUBLE: dt = "DOUBLE"; prec = "15"; radix = "10"; scale = "-2147483648"; jdbc = 8; break;
    case ST_FLOAT: dt = "FLOAT"; prec = "15"; radix = "10"; scale = "-2147483648"; jdbc = 6; break;
    case ST_BOOLEAN: dt = "BOOLEAN"; jdbc = 16; break;
    case ST_VARCHAR:
    case ST_CHAR:
        dt = "VARCHAR";
        cs = "UTF-16LE";
        coll = "UTF-16LE$en_US$primary";
        jdbc = 12;
        break;
    case ST_ARRAY:
        snprintf(buf, sizeof buf, "%s ARRAY",
                 t.elem == ST_BIGINT ? "BIGINT" : t.elem == ST_DOUBLE ? "DOUBLE" : "VARCHAR");
        dt = buf;
        jdbc = 2003;
        break;
    default:
        snprintf(buf, sizeof buf, "COMPLEX<%s>", t.complex ? t.complex : "json");
        dt = buf;
        jdbc = 1111;
        break;
    }
    char ord[24];
    snprintf(ord, sizeof ord, "%zu", pos);
    json_array_append_new(
        rows, json_pack("[s, s, s, s, s, s, s, s, n, n, o, o, o, o, o, o, I]", "druid", schema, table, col,
                        ord, "", t.nullable ? "YES" : "NO", dt, s_or_null(prec), s_or_null(radix),
                        s_or_null(scale), s_or_null(dtprec), s_or_null(cs), s_or_null(coll),
                        (json_int_t)jdbc));
}

static json_t *datasource_names(sql_ctx *c)
{
    if (!c->env->datasources) return json_array();
    if (!c->datasources) c->datasources = c->env->datasources(c->env->ctx);
    return json_incref(c->datasources);
}

static int info_rows(sql_ctx *c, const sys_table *t, json_t *rows)
{
    if (!strcmp(t->name, "SCHEMATA")) {
        for (size_t i = 0; i < VRV_ARRAY_LEN(schemas); i++)
            json_array_append_new(rows, json_pack("[s, s, n, n, n, n, n]", "druid", schemas[i]));
        return 0;
    }
    json_t *ds = datasource_names(c);
    bool tables = !strcmp(t->name, "TABLES");
    for (size_t s = 0; s < VRV_ARRAY_LEN(schemas); s++) {
        const char *schema = schemas[s];
        if (!strcmp(schema, "druid")) {
            size_t i;
            json_t *v;
            json_array_foreach(ds, i, v)
            {
                const char *name = json_string_value(v);
                if (!name) continue;
                if (tables) {
                    json_array_append_new(rows, json_pack("[s, s, s, s, s, s]", "druid", schema, name, "TABLE", "NO", "NO"));
                    continue;
                }
                sql_sig sig = {0};
                if (!sql_table_schema(c, name, &sig)) {
                    if (c->err->kind != VRV_SQL_E_NONE) {
                        json_decref(ds);
                        return c->err->err.code;
                    }
                    continue;
                }
                for (size_t k = 0; k < sig.n; k++) column_row(rows, schema, name, sig.v[k].name, k + 1, sig.v[k].type);
            }
            continue;
        }
        const sys_table *list = NULL;
        size_t n = 0;
        if (!strcmp(schema, "sys")) {
            list = sys_tables;
            n = VRV_ARRAY_LEN(sys_tables);
        } else if (!strcmp(schema, "INFORMATION_SCHEMA")) {
            list = info_tables;
            n = VRV_ARRAY_LEN(info_tables);
        }
        for (size_t k = 0; k < n; k++) {
            if (tables) {
                json_array_append_new(rows, json_pack("[s, s, s, s, s, s]", "druid", schema, list[k].name,
                                                      "SYSTEM_TABLE", "NO", "NO"));
                continue;
            }
            for (size_t col = 0; col < list[k].ncols; col++)
                column_row(rows, schema, list[k].name, list[k].cols[col].name, col + 1,
                           col_type(list[k].cols[col].type));
        }
    }
    json_decref(ds);
    return 0;
}

/* ---- sys rows ------------------------------------------------------------------------------------ */

static void sys_rows(sql_ctx *c, const sys_table *t, json_t *rows)
{
    json_t *objs = c->env->sys_rows ? c->env->sys_rows(c->env->ctx, t->name) : NULL;
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o)
    {
        json_t *row = json_array();
        for (size_t k = 0; k < t->ncols; k++) {
            json_t *v = json_object_get(o, t->cols[k].name);
            bool big = !strcmp(t->cols[k].type, "BIGINT");
            if (!v || json_is_null(v)) json_array_append_new(row, json_null());
            else if (big && json_is_boolean(v)) json_array_append_new(row, json_integer(json_is_true(v)));
            else if (big && json_is_number(v)) json_array_append_new(row, json_integer((json_int_t)json_number_value(v)));
            else if (!big && json_is_string(v)) json_array_append(row, v);
            else if (!big) {
                /* JSON-valued columns (shard_spec, spec, ...) as their text */
                char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                json_array_append_new(row, json_string(s));
                free(s);
            } else json_array_append_new(row, json_null());
        }
        json_array_append_new(rows, row);
    }
    json_decref(objs);
}

int sql_meta_table(sql_ctx *c, const char *schema, const char *name, json_t **ds, sql_sig *sig)
{
    const sys_table *t = find_table(schema, name);
    if (!t) return VRV_ENOTFOUND;
    json_t *rows = json_array();
    if (!strcmp(schema, "sys")) {
        sys_rows(c, t, rows);
    } else {
        int rc = info_rows(c, t, rows);
        if (rc) {
            json_decref(rows);
            return rc;
        }
    }
    json_t *names = json_array(), *types = json_array();
    memset(sig, 0, sizeof *sig);
    for (size_t k = 0; k < t->ncols; k++) {
        json_array_append_new(names, json_string(t->cols[k].name));
        json_array_append_new(types, json_string(!strcmp(t->cols[k].type, "BIGINT") ? "LONG" : "STRING"));
        sql_sig_add(c->arena, sig, t->cols[k].name, NULL, t->cols[k].name, col_type(t->cols[k].type), NULL);
    }
    *ds = json_pack("{s:s, s:o, s:o, s:o}", "type", "inline", "columnNames", names, "columnTypes", types,
                    "rows", rows);
    return 0;
}
