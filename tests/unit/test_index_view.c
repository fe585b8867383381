/*
 * test_index_view.c — queries over a growing rollup index through a view
 * (query/index_view.h): every answer equals the answer over one adapter of
 * the whole index, rows are never counted twice or missed as parts are
 * added, merged and rebuilt after folds, and the copying stays bounded.
 */
#include <stdio.h>
#include <stdlib.h>

#include "query/index_view.h"
#include "query_test_util.h"

static const char *TOTALS =
    "{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
    "[\"2021-03-06/2021-03-07\"],\"granularity\":\"all\",\"aggregations\":["
    "{\"type\":\"count\",\"name\":\"stored\"},"
    "{\"type\":\"longSum\",\"name\":\"events\",\"fieldName\":\"count\"},"
    "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}";

static const char *TOP =
    "{\"queryType\":\"topN\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-06/2021-03-07\"],"
    "\"granularity\":\"all\",\"dimension\":\"page\",\"threshold\":3,\"metric\":\"added\","
    "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}";

/* The view's answer equals the whole-index adapter's. */
static void same_answer(vrv_index_view *v, const vrv_index *idx, vrv_interval iv, const char *q)
{
    vrv_adapter **ads = NULL;
    size_t n = 0;
    vrv_index_view_read(v, idx, "wiki", "seg", iv, NULL, &ads, &n);
    vrv_adapter *whole = vrv_adapter_index(idx, "wiki", "seg", iv, NULL);
    size_t rows = 0;
    for (size_t i = 0; i < n; i++) rows += vrv_adapter_rows(ads[i]);
    CHECK_INT(rows, vrv_index_rows(idx));
    char *got = qt_run(q, ads, n);
    char *want = qt_run(q, &whole, 1);
    CHECK(got && want);
    if (got && want) CHECK_STR(got, want);
    free(got);
    free(want);
    vrv_adapter_free(whole);
    for (size_t i = 0; i < n; i++) vrv_adapter_free(ads[i]);
    free(ads);
}

TEST(growing_index_answers_every_row_once)
{
    qt_rt rt;
    qt_rt_init(&rt); /* 2 rows, one of them folded */
    vrv_interval iv = vrv_interval_make(QT_DAY0 + 48 * QT_H, QT_DAY0 + 72 * QT_H);
    vrv_index_view *v = vrv_index_view_new();
    same_answer(v, rt.idx, iv, TOTALS);
    char page[32], user[32];
    long added = 0;
    for (int i = 0; i < 20000; i++) {
        /* Mostly new rows; every 7th event folds into a row from long ago, so
         * old parts go stale and are copied again. */
        int key = i % 7 == 6 ? (i * 31) % (i + 1) : i;
        snprintf(page, sizeof page, "p%d", key % 500);
        snprintf(user, sizeof user, "u%d", key);
        vrv_value dims[] = {vrv_string(page, strlen(page)), vrv_string(user, strlen(user))};
        vrv_value m[] = {vrv_null(), vrv_long(i % 10)};
        added += i % 10;
        vrv_index_add(rt.idx, QT_DAY0 + 48 * QT_H + (key % 3600) * 1000, dims, 2, m, NULL);
        if (i % 997 == 0 || i == 19999) {
            same_answer(v, rt.idx, iv, TOTALS);
            same_answer(v, rt.idx, iv, TOP);
        }
    }
    /* Parts stay few: O(log rows). */
    CHECK(vrv_index_view_parts(v) <= 16);
    char want[256];
    snprintf(want, sizeof want,
             "[{\"timestamp\":\"2021-03-06T00:00:00.000Z\",\"result\":{\"stored\":%zu,"
             "\"events\":%llu,\"added\":%ld}}]",
             vrv_index_rows(rt.idx), (unsigned long long)vrv_index_input_rows(rt.idx), added + 8);
    vrv_adapter **ads = NULL;
    size_t n = 0;
    vrv_index_view_read(v, rt.idx, "wiki", "seg", iv, NULL, &ads, &n);
    QT_EXPECT(TOTALS, ads, n, want);
    for (size_t i = 0; i < n; i++) vrv_adapter_free(ads[i]);
    free(ads);
    vrv_index_view_free(v);
    qt_rt_free(&rt);
}

TEST(appends_copy_only_new_rows)
{
    /* Without folds, a query after k new rows copies O(k log n) rows, not n. */
    qt_rt rt;
    qt_rt_init(&rt);
    vrv_interval iv = vrv_interval_make(QT_DAY0 + 48 * QT_H, QT_DAY0 + 72 * QT_H);
    vrv_index_view *v = vrv_index_view_new();
    char user[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(user, sizeof user, "u%d", i);
        vrv_value dims[] = {vrv_string("x", 1), vrv_string(user, strlen(user))};
        vrv_value m[] = {vrv_null(), vrv_long(1)};
        vrv_index_add(rt.idx, QT_DAY0 + 48 * QT_H + i, dims, 2, m, NULL);
        if (i % 100 == 99) {
            vrv_adapter **ads = NULL;
            size_t n = 0;
            vrv_index_view_read(v, rt.idx, "wiki", "seg", iv, NULL, &ads, &n);
            for (size_t k = 0; k < n; k++) vrv_adapter_free(ads[k]);
            free(ads);
        }
    }
    /* 500 queries over up to 50,000 rows: copying all would be 12.5M rows. */
    uint64_t copied = vrv_index_view_rows_copied(v);
    CHECK(copied < 50000 * 25);
    same_answer(v, rt.idx, iv, TOTALS);
    vrv_index_view_free(v);
    qt_rt_free(&rt);
}

TEST(another_index_or_none_starts_over)
{
    qt_rt a, b;
    qt_rt_init(&a);
    qt_rt_init(&b);
    vrv_interval iv = vrv_interval_make(QT_DAY0 + 48 * QT_H, QT_DAY0 + 72 * QT_H);
    vrv_index_view *v = vrv_index_view_new();
    same_answer(v, a.idx, iv, TOTALS);
    vrv_value dims[] = {vrv_string("z", 1), vrv_string("y", 1)};
    vrv_value m[] = {vrv_null(), vrv_long(100)};
    vrv_index_add(b.idx, QT_DAY0 + 50 * QT_H, dims, 2, m, NULL);
    same_answer(v, b.idx, iv, TOTALS);
    vrv_adapter **ads = NULL;
    size_t n = 0;
    vrv_index_view_read(v, NULL, "wiki", "seg", iv, NULL, &ads, &n);
    CHECK_INT(n, 0);
    CHECK_INT(vrv_index_view_parts(v), 0);
    free(ads);
    vrv_index_view_free(v);
    qt_rt_free(&a);
    qt_rt_free(&b);
}
