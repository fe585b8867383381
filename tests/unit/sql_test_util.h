/*
 * sql_test_util.h — fixtures for the SQL tests: an env that runs native
 * queries with the query engine over in-memory tables, the "wiki" table
 * (two days of edits: multi-value tags, nulls and empty strings, long,
 * double and float metrics), and helpers that run a statement and compare
 * the result body with the expected text.
 */
#ifndef VRV_SQL_TEST_UTIL_H
#define VRV_SQL_TEST_UTIL_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "query/adapter.h"
#include "query/query.h"
#include "sql/sql.h"
#include "test.h"

typedef struct st_env {
    vrv_adapter *ads[8];
    size_t n;
    json_t *sys; /* {"segments":[...], ...} */
} st_env;

static inline int st_run(void *ctx, const json_t *query, vrv_buf *out, vrv_error *err)
{
    st_env *e = ctx;
    vrv_query *q = NULL;
    vrv_query_error qe;
    if (vrv_query_parse_json(query, &q, &qe) < 0) {
        *err = qe.err;
        return qe.err.code ? qe.err.code : VRV_EINVAL;
    }
    int rc = vrv_query_execute(q, e->ads, e->n, 0, out, err);
    vrv_query_free(q);
    return rc;
}

static inline json_t *st_datasources(void *ctx)
{
    st_env *e = ctx;
    json_t *a = json_array();
    for (size_t i = 0; i < e->n; i++) {
        const char *ds = vrv_adapter_datasource(e->ads[i]);
        bool have = false;
        for (size_t k = 0; k < json_array_size(a); k++)
            have |= !strcmp(json_string_value(json_array_get(a, k)), ds);
        if (!have) json_array_append_new(a, json_string(ds));
    }
    return a;
}

static inline json_t *st_sys_rows(void *ctx, const char *table)
{
    st_env *e = ctx;
    return json_incref(json_object_get(e->sys, table));
}

static inline vrv_value SV(const char *s)
{
    return s ? vrv_string(s, strlen(s)) : vrv_null();
}

#define ST_DAY0 1614816000000LL /* 2021-03-04T00:00:00Z */
#define ST_H 3600000LL

/* wiki: __time, channel, page, user, tags (multi-value), added (LONG),
 * delta (DOUBLE), ratio (FLOAT). */
static inline vrv_adapter *st_wiki(void)
{
    const char *names[] = {"channel", "page", "user", "tags", "added", "delta", "ratio"};
    vrv_ctype types[] = {VRV_C_STRING, VRV_C_STRING, VRV_C_STRING, VRV_C_STRING,
                         VRV_C_LONG,   VRV_C_DOUBLE, VRV_C_FLOAT};
    vrv_table_builder *b = vrv_table_builder_new(names, types, 7);
    static vrv_value t12[2], t2[1], t23[2];
    t12[0] = SV("t1");
    t12[1] = SV("t2");
    t2[0] = SV("t2");
    t23[0] = SV("t2");
    t23[1] = SV("t3");
    struct {
        vrv_ms t;
        vrv_value v[7];
    } rows[] = {
        {ST_DAY0 + 1 * ST_H, {SV("#en"), SV("Apple"), SV("alice"), vrv_array(t12, 2), vrv_long(10), vrv_double(1.5), vrv_float(0.5f)}},
        {ST_DAY0 + 2 * ST_H, {SV("#en"), SV("Banana"), SV("bob"), vrv_array(t2, 1), vrv_long(20), vrv_double(-2.0), vrv_float(0.25f)}},
        {ST_DAY0 + 3 * ST_H, {SV("#fr"), SV("Apple"), vrv_null(), vrv_null(), vrv_null(), vrv_double(3.25), vrv_null()}},
        {ST_DAY0 + 5 * ST_H, {SV("#fr"), SV("Cherry"), SV(""), vrv_array(t23, 2), vrv_long(5), vrv_double(0.0), vrv_float(1.0f)}},
        {ST_DAY0 + 25 * ST_H, {SV("#en"), SV("Apple"), SV("alice"), vrv_array(t2, 1), vrv_long(7), vrv_double(10.0), vrv_float(0.75f)}},
        {ST_DAY0 + 26 * ST_H, {SV("#de"), SV("Durian"), SV("carol"), vrv_array(NULL, 0), vrv_long(1), vrv_null(), vrv_float(2.0f)}},
        {ST_DAY0 + 30 * ST_H, {SV("#en"), SV("Banana"), SV("carol"), vrv_array(t12, 2), vrv_long(30), vrv_double(4.5), vrv_float(0.5f)}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) vrv_table_builder_add(b, rows[i].t, rows[i].v);
    vrv_interval iv = vrv_interval_make(ST_DAY0, ST_DAY0 + 48 * ST_H);
    return vrv_table_builder_finish(b, "wiki", "wiki_2021-03-04", &iv);
}

static inline void st_init(st_env *e)
{
    memset(e, 0, sizeof *e);
    e->ads[e->n++] = st_wiki();
    e->sys = json_object();
}

static inline void st_free(st_env *e)
{
    for (size_t i = 0; i < e->n; i++) vrv_adapter_free(e->ads[i]);
    json_decref(e->sys);
}

static inline vrv_sql_env st_sql_env(st_env *e)
{
    vrv_sql_env env = {st_run, st_datasources, st_sys_rows, e};
    return env;
}

/* Runs sql with an optional context (JSON text) and returns the body in
 * fmt (malloc'd), or "ERROR <kind>: <message>" on failure. */
static inline char *st_query(st_env *e, const char *sql, const char *ctx, vrv_sql_format fmt,
                             unsigned headers)
{
    vrv_sql_env env = st_sql_env(e);
    json_t *c = ctx ? json_loads(ctx, 0, NULL) : NULL;
    vrv_sql_result *r = NULL;
    vrv_sql_error err;
    int rc = vrv_sql_execute(&env, sql, strlen(sql), c, NULL, &r, &err);
    json_decref(c);
    vrv_buf out = VRV_BUF_INIT;
    if (rc) {
        vrv_buf_printf(&out, "ERROR %d: %s", (int)err.kind, err.err.msg);
    } else {
        vrv_sql_result_write(r, fmt, headers, &out);
        vrv_sql_result_free(r);
    }
    return vrv_buf_detach(&out);
}

#define ST_EXPECT(env, sql, expected)                                                              \
    do {                                                                                           \
        char *got_ = st_query((env), (sql), NULL, VRV_SQL_FORMAT_ARRAY, 0);                        \
        if (strcmp(got_, expected) != 0)                                                           \
            vrv_test_fail(__FILE__, __LINE__, "%s\n  got      %s  expected %s", (sql), got_,       \
                          (expected));                                                             \
        free(got_);                                                                                \
    } while (0)

#endif
