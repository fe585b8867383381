/*
 * test_sql_diff.c — differential test of Druid SQL against SQLite: the same
 * rows (400 generated edits with nulls, empty strings, negative numbers and
 * doubles that add up exactly) are loaded into a varve table and into an
 * in-memory SQLite table, and statements whose results involve no
 * approximation must give identical rows in both — in order when ORDER BY
 * fixes it, as multisets otherwise.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "base/vec.h"
#include "sql_test_util.h"

#define DIFF_ROWS 400

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

typedef struct drow {
    vrv_ms t;
    const char *channel, *page, *user;
    bool added_null, delta_null;
    int64_t added;
    double delta;
} drow;

static drow rows[DIFF_ROWS];
static char pages[DIFF_ROWS][8], users[DIFF_ROWS][8];

static void make_rows(void)
{
    static const char *channels[] = {"#en", "#fr", "#de", "#ja", "", NULL};
    for (size_t i = 0; i < DIFF_ROWS; i++) {
        drow *r = &rows[i];
        /* distinct times over three days, not in insertion order */
        r->t = ST_DAY0 + (vrv_ms)((i * 7919) % (72 * 60)) * 60000 + (vrv_ms)i;
        r->channel = channels[rnd() % 6];
        snprintf(pages[i], sizeof pages[i], "P%d", (int)(rnd() % 17));
        r->page = pages[i];
        uint64_t u = rnd() % 10;
        if (u == 0) r->user = NULL;
        else if (u == 1) r->user = "";
        else {
            snprintf(users[i], sizeof users[i], "u%d", (int)(u % 7));
            r->user = users[i];
        }
        r->added_null = rnd() % 7 == 0;
        r->added = (int64_t)(rnd() % 1000) - 100;
        r->delta_null = rnd() % 11 == 0;
        /* eighths add up exactly in any order */
        r->delta = (double)((int64_t)(rnd() % 2000) - 1000) / 8.0;
    }
}

static vrv_adapter *varve_table(void)
{
    const char *names[] = {"channel", "page", "user", "added", "delta"};
    vrv_ctype types[] = {VRV_C_STRING, VRV_C_STRING, VRV_C_STRING, VRV_C_LONG, VRV_C_DOUBLE};
    vrv_table_builder *b = vrv_table_builder_new(names, types, 5);
    for (size_t i = 0; i < DIFF_ROWS; i++) {
        const drow *r = &rows[i];
        vrv_value v[5] = {SV(r->channel), SV(r->page), SV(r->user),
                          r->added_null ? vrv_null() : vrv_long(r->added),
                          r->delta_null ? vrv_null() : vrv_double(r->delta)};
        vrv_table_builder_add(b, r->t, v);
    }
    vrv_interval iv = vrv_interval_make(ST_DAY0, ST_DAY0 + 72 * ST_H);
    return vrv_table_builder_finish(b, "wiki", "wiki_diff", &iv);
}

static sqlite3 *sqlite_table(void)
{
    sqlite3 *db;
    CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "PRAGMA case_sensitive_like = 1; CREATE TABLE wiki(__time INTEGER, channel TEXT, "
                               "page TEXT, user TEXT, added INTEGER, delta REAL)",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(db, "INSERT INTO wiki VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL), SQLITE_OK);
    for (size_t i = 0; i < DIFF_ROWS; i++) {
        const drow *r = &rows[i];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, r->t);
        if (r->channel) sqlite3_bind_text(st, 2, r->channel, -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, 2);
        sqlite3_bind_text(st, 3, r->page, -1, SQLITE_STATIC);
        if (r->user) sqlite3_bind_text(st, 4, r->user, -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, 4);
        if (r->added_null) sqlite3_bind_null(st, 5);
        else sqlite3_bind_int64(st, 5, r->added);
        if (r->delta_null) sqlite3_bind_null(st, 6);
        else sqlite3_bind_double(st, 6, r->delta);
        CHECK_INT(sqlite3_step(st), SQLITE_DONE);
    }
    sqlite3_finalize(st);
    return db;
}

/* One value as comparable text: numbers by value (so 3 and 3.0 agree:
 * the long/double distinction is tested elsewhere), strings quoted. */
static void norm_number(vrv_buf *b, double d)
{
    if (d == (double)(int64_t)d && d > -1e15 && d < 1e15) vrv_buf_printf(b, "%lld", (long long)d);
    else vrv_buf_printf(b, "%.15g", d);
}

static char *varve_rows(st_env *e, const char *sql, const char *ctx)
{
    vrv_sql_env env = st_sql_env(e);
    json_t *c = json_loads(ctx ? ctx : "{\"useApproximateCountDistinct\":false}", 0, NULL);
    vrv_sql_result *r = NULL;
    vrv_sql_error err;
    vrv_buf out = VRV_BUF_INIT;
    if (vrv_sql_execute(&env, sql, strlen(sql), c, NULL, &r, &err) != 0) {
        vrv_buf_printf(&out, "ERROR %s", err.err.msg);
        json_decref(c);
        return vrv_buf_detach(&out);
    }
    json_decref(c);
    for (size_t i = 0; i < vrv_sql_result_nrows(r); i++) {
        const vrv_value *v = vrv_sql_result_row(r, i);
        for (size_t k = 0; k < vrv_sql_result_ncols(r); k++) {
            if (k) vrv_buf_putc(&out, '|');
            switch (v[k].type) {
            case VRV_V_NULL: vrv_buf_puts(&out, "null"); break;
            case VRV_V_LONG: norm_number(&out, (double)v[k].u.l); break;
            case VRV_V_DOUBLE: norm_number(&out, v[k].u.d); break;
            case VRV_V_FLOAT: norm_number(&out, v[k].u.f); break;
            default: vrv_buf_printf(&out, "'%.*s'", (int)v[k].len, v[k].u.s); break;
            }
        }
        vrv_buf_putc(&out, '\n');
    }
    vrv_sql_result_free(r);
    return vrv_buf_detach(&out);
}

static char *sqlite_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    vrv_buf out = VRV_BUF_INIT;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        vrv_buf_printf(&out, "SQLITE ERROR %s", sqlite3_errmsg(db));
        return vrv_buf_detach(&out);
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int k = 0; k < sqlite3_column_count(st); k++) {
            if (k) vrv_buf_putc(&out, '|');
            switch (sqlite3_column_type(st, k)) {
            case SQLITE_NULL: vrv_buf_puts(&out, "null"); break;
            case SQLITE_INTEGER: norm_number(&out, (double)sqlite3_column_int64(st, k)); break;
            case SQLITE_FLOAT: norm_number(&out, sqlite3_column_double(st, k)); break;
            default: vrv_buf_printf(&out, "'%s'", (const char *)sqlite3_column_text(st, k)); break;
            }
        }
        vrv_buf_putc(&out, '\n');
    }
    sqlite3_finalize(st);
    return vrv_buf_detach(&out);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of s sorted (for results whose order SQL leaves open). */
static char *sorted_lines(const char *s)
{
    char *copy = vrv_strdup(s);
    VRV_VEC(char *) lines = {0};
    for (char *p = copy, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl) break;
        *nl = '\0';
        vrv_vec_push(&lines, p);
    }
    if (lines.n > 1) qsort(lines.v, lines.n, sizeof *lines.v, cmp_line);
    vrv_buf out = VRV_BUF_INIT;
    for (size_t i = 0; i < lines.n; i++) {
        vrv_buf_puts(&out, lines.v[i]);
        vrv_buf_putc(&out, '\n');
    }
    vrv_vec_free(&lines);
    free(copy);
    return vrv_buf_detach(&out);
}

typedef struct dcase {
    const char *varve;   /* Druid SQL */
    const char *sqlite;  /* the same question for SQLite; NULL: the same text */
    bool ordered;        /* ORDER BY fixes the order of every row */
} dcase;

/* 1614902400000 = 2021-03-05T00:00:00Z */
static const dcase cases[] = {
    {"SELECT COUNT(*), SUM(added), MIN(added), MAX(added), SUM(delta), MIN(delta), MAX(delta) FROM wiki", NULL, true},
    {"SELECT COUNT(added), COUNT(\"user\"), COUNT(channel), COUNT(*) FROM wiki", NULL, true},
    {"SELECT channel, COUNT(*), SUM(added), MAX(delta) FROM wiki GROUP BY channel", NULL, false},
    {"SELECT channel, COUNT(*) AS c FROM wiki GROUP BY channel ORDER BY c DESC, channel", NULL, true},
    {"SELECT page, SUM(added) AS s FROM wiki GROUP BY page ORDER BY s DESC, page LIMIT 5", NULL, true},
    {"SELECT page, SUM(added) AS s FROM wiki GROUP BY page ORDER BY s DESC, page LIMIT 5 OFFSET 3", NULL, true},
    {"SELECT channel, page, COUNT(*), SUM(added) FROM wiki GROUP BY 1, 2 HAVING COUNT(*) > 3", NULL, false},
    {"SELECT channel, page, SUM(added) FROM wiki GROUP BY 1, 2 HAVING SUM(added) > 1000 ORDER BY 3 DESC, 1, 2 LIMIT 10",
     NULL, true},
    {"SELECT page, COUNT(DISTINCT \"user\"), COUNT(*), MAX(added) FROM wiki GROUP BY page", NULL, false},
    {"SELECT channel, COUNT(DISTINCT page) FROM wiki WHERE delta > 0 GROUP BY channel", NULL, false},
    {"SELECT COUNT(DISTINCT page) FROM wiki WHERE added > 500", NULL, true},
    {"SELECT channel, AVG(CAST(added AS DOUBLE)), AVG(delta) FROM wiki GROUP BY channel",
     "SELECT channel, AVG(CAST(added AS REAL)), AVG(delta) FROM wiki GROUP BY channel", false},
    {"SELECT COUNT(*) FROM wiki WHERE channel = '#en' AND added > 100", NULL, true},
    {"SELECT COUNT(*) FROM wiki WHERE channel <> '#en'", NULL, true},
    {"SELECT COUNT(*) FROM wiki WHERE channel IN ('#fr', '#de', '')", NULL, true},
    {"SELECT COUNT(*) FROM wiki WHERE channel NOT IN ('#fr', '#de')", NULL, true},
    {"SELECT COUNT(*) FROM wiki WHERE \"user\" IS NULL OR \"user\" = ''", NULL, true},
    {"SELECT COUNT(*) FROM wiki WHERE page LIKE 'P1%' AND NOT (page LIKE '%0')", NULL, true},
    {"SELECT COUNT(*) FROM wiki WHERE added BETWEEN -50 AND 50 OR delta < -100", NULL, true},
    {"SELECT COUNT(*) FROM wiki WHERE NOT (added > 0 AND delta > 0)", NULL, true},
    {"SELECT COUNT(*) FROM wiki WHERE added >= delta", NULL, true},
    {"SELECT COUNT(*) FROM wiki WHERE added IN (1, 2, 3, 500, 899) OR channel IS NULL", NULL, true},
    {"SELECT CASE WHEN added > 500 THEN 'hi' WHEN added IS NULL THEN NULL ELSE 'lo' END AS k, COUNT(*) FROM wiki GROUP BY 1",
     NULL, false},
    {"SELECT page, added FROM wiki WHERE added > 850", NULL, false},
    {"SELECT UPPER(page), LENGTH(page), added * 2 + 1, added / 7, added % 7, COALESCE(channel, 'none') FROM wiki "
     "WHERE added IS NOT NULL AND added > 880",
     NULL, false},
    {"SELECT SUBSTRING(page, 2), page || '-' || \"user\", NULLIF(channel, '') FROM wiki WHERE delta > 120", NULL, false},
    {"SELECT COUNT(*) FROM (SELECT channel, page FROM wiki GROUP BY channel, page)", NULL, true},
    {"SELECT MAX(c), MIN(c), SUM(c) FROM (SELECT page, COUNT(*) AS c FROM wiki GROUP BY page)", NULL, true},
    {"SELECT DISTINCT channel FROM wiki", NULL, false},
    {"SELECT DISTINCT channel, \"user\" FROM wiki WHERE added < 0", NULL, false},
    {"SELECT COUNT(*) FROM wiki WHERE page IN (SELECT page FROM wiki WHERE channel = '#fr' AND added > 700)", NULL, true},
    {"SELECT a.channel, COUNT(*) FROM wiki a JOIN (SELECT page, MAX(added) AS m FROM wiki GROUP BY page) b "
     "ON a.page = b.page WHERE a.added = b.m GROUP BY a.channel",
     NULL, false},
    {"SELECT COUNT(*), SUM(added) FROM wiki WHERE __time >= TIMESTAMP '2021-03-05 00:00:00'",
     "SELECT COUNT(*), SUM(added) FROM wiki WHERE __time >= 1614902400000", true},
    {"SELECT FLOOR(__time TO DAY) AS d, COUNT(*), SUM(delta) FROM wiki GROUP BY 1",
     "SELECT strftime('%Y-%m-%dT00:00:00.000Z', __time / 1000, 'unixepoch') AS d, COUNT(*), SUM(delta) FROM wiki GROUP BY 1",
     false},
    {"SELECT __time, page FROM wiki ORDER BY __time DESC LIMIT 5",
     "SELECT strftime('%Y-%m-%dT%H:%M:%S.', __time / 1000, 'unixepoch') || substr('000' || (__time % 1000), -3, 3) || 'Z', "
     "page FROM wiki ORDER BY __time DESC LIMIT 5",
     true},
    {"SELECT channel, SUM(added) FILTER (WHERE delta > 0), COUNT(*) FILTER (WHERE page = 'P3') FROM wiki GROUP BY channel",
     "SELECT channel, SUM(CASE WHEN delta > 0 THEN added END), COUNT(CASE WHEN page = 'P3' THEN 1 END) FROM wiki GROUP BY channel",
     false},
    {"SELECT channel FROM wiki WHERE added > 895 UNION ALL SELECT page FROM wiki WHERE added < -95", NULL, false},
    {"SELECT ch, c FROM (SELECT channel AS ch, COUNT(*) AS c FROM wiki GROUP BY channel) WHERE c > 60 ORDER BY c DESC, ch",
     NULL, true},
    {"SELECT channel, SUM(added) / COUNT(*) AS r FROM wiki GROUP BY channel HAVING SUM(added) / COUNT(*) > 300 "
     "ORDER BY r, channel",
     NULL, true},
    {"SELECT page, SUM(CASE WHEN delta > 0 THEN 1 ELSE 0 END), MIN(added + 1000) FROM wiki GROUP BY page", NULL, false},
    {"SELECT COUNT(*) FROM wiki WHERE (__time < TIMESTAMP '2021-03-04 12:00:00' OR __time >= TIMESTAMP '2021-03-06 00:00:00') "
     "AND added > 0",
     "SELECT COUNT(*) FROM wiki WHERE (__time < 1614859200000 OR __time >= 1614988800000) AND added > 0", true},
    {"SELECT \"user\", MIN(delta), MAX(delta) FROM wiki WHERE \"user\" <> '' GROUP BY 1 ORDER BY 1 DESC", NULL, true},
    {"SELECT page, COUNT(*) FROM wiki GROUP BY page ORDER BY page LIMIT 4", NULL, true},
    {"SELECT added, COUNT(*) FROM wiki WHERE added IS NOT NULL GROUP BY added ORDER BY added DESC LIMIT 3", NULL, true},
    {"SELECT LOWER(UPPER(page)) || CAST(added AS VARCHAR) FROM wiki WHERE added < -90", NULL, false},
    {"SELECT COUNT(*) FROM wiki WHERE channel LIKE '#_n' OR channel = ''", NULL, true},
};

TEST(sqlite_differential)
{
    make_rows();
    st_env e;
    memset(&e, 0, sizeof e);
    e.ads[e.n++] = varve_table();
    e.sys = json_object();
    sqlite3 *db = sqlite_table();
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        const dcase *d = &cases[i];
        char *got = varve_rows(&e, d->varve, NULL);
        char *want = sqlite_rows(db, d->sqlite ? d->sqlite : d->varve);
        if (!d->ordered) {
            char *g = sorted_lines(got), *w = sorted_lines(want);
            free(got);
            free(want);
            got = g;
            want = w;
        }
        if (strcmp(got, want) != 0)
            vrv_test_fail(__FILE__, __LINE__, "%s\n--- varve\n%s--- sqlite\n%s", d->varve, got, want);
        /* a result that no row reaches proves nothing */
        if (!*want) vrv_test_fail(__FILE__, __LINE__, "%s: empty result", d->varve);
        free(got);
        free(want);
    }
    sqlite3_close(db);
    st_free(&e);
}
