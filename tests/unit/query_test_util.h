/*
 * query_test_util.h — fixtures for the query tests: two small
 * wikipedia-edits segments (2021-03-04 and 2021-03-05: multi-value tags,
 * nulls and empty strings, long/double/float metrics), a real-time index
 * (2021-03-06, rollup), and a structural JSON comparison that keeps the
 * long/double distinction and ignores object key order.
 */
#ifndef VRV_QUERY_TEST_UTIL_H
#define VRV_QUERY_TEST_UTIL_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "base/mem.h"
#include "ingest/index.h"
#include "query/adapter.h"
#include "query/query.h"
#include "segment/seg_reader.h"
#include "segment/seg_writer.h"
#include "task/merge.h"
#include "test.h"

static inline vrv_value QS(const char *s)
{
    return vrv_string(s, strlen(s));
}

static const vrv_seg_column_def qt_cols[] = {
    {"page", VRV_C_STRING, NULL, false, true},   {"tags", VRV_C_STRING, NULL, false, true},
    {"user", VRV_C_STRING, NULL, false, true},   {"added", VRV_C_LONG, NULL, true, false},
    {"delta", VRV_C_DOUBLE, NULL, true, false},  {"ratio", VRV_C_FLOAT, NULL, true, false},
};

#define QT_DAY0 1614816000000LL /* 2021-03-04T00:00:00Z */
#define QT_H 3600000LL

static inline vrv_segment *qt_write(const char *name, const char *interval, vrv_value (*rows)[6],
                             const vrv_ms *times, size_t n)
{
    vrv_seg_writer *w = vrv_seg_writer_new(qt_cols, 6, NULL);
    for (size_t r = 0; r < n; r++) vrv_seg_writer_add(w, times[r], rows[r]);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.vseg", vrv_test_tmpdir(), name);
    json_t *meta = json_pack(
        "{s:s,s:s,s:s,s:i,s:o,s:b,s:[{s:s,s:s,s:s},{s:s,s:s,s:s}]}", "dataSource", "wiki",
        "interval", interval, "version", "v1", "partitionNum", 0, "queryGranularity",
        json_pack("{s:s}", "type", "none"), "rollup", 0, "aggregators", "type", "longSum", "name",
        "added", "fieldName", "added", "type", "doubleSum", "name", "delta", "fieldName", "delta");
    vrv_error err;
    CHECK_INT(vrv_seg_writer_finish(w, meta, path, NULL, &err), 0);
    json_decref(meta);
    vrv_seg_writer_free(w);
    vrv_segment *seg = NULL;
    CHECK_INT(vrv_segment_open(path, &seg, &err), 0);
    return seg;
}

/* Day 0 (2021-03-04) and day 1 (2021-03-05). */
static inline vrv_segment *qt_seg_a(void)
{
    static vrv_value t1[1], t23[2], tags1[2];
    tags1[0] = QS("t1");
    tags1[1] = QS("t2");
    t1[0] = QS("t1");
    t23[0] = QS("t2");
    t23[1] = QS("t3");
    vrv_value rows[4][6] = {
        {QS("A"), vrv_array(tags1, 2), QS("u1"), vrv_long(10), vrv_double(1.5), vrv_float(0.1f)},
        {QS("B"), vrv_array(t1, 1), vrv_null(), vrv_long(20), vrv_double(-2.0), vrv_float(0.2f)},
        {QS("A"), vrv_null(), QS(""), vrv_null(), vrv_double(3.25), vrv_float(0.3f)},
        {QS("C"), vrv_array(t23, 2), QS("u2"), vrv_long(5), vrv_double(0.0), vrv_float(0.4f)},
    };
    vrv_ms times[4] = {QT_DAY0 + 5 * QT_H + 6 * 60000 + 7000, QT_DAY0 + 5 * QT_H + 30 * 60000,
                       QT_DAY0 + 7 * QT_H, QT_DAY0 + 24 * QT_H - 1000};
    return qt_write("a", "2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z", rows, times, 4);
}

static inline vrv_segment *qt_seg_b(void)
{
    static vrv_value t3[1];
    t3[0] = QS("t3");
    vrv_value rows[2][6] = {
        {QS("A"), vrv_array(t3, 1), QS("u1"), vrv_long(7), vrv_double(10.0), vrv_float(0.5f)},
        {QS("B"), vrv_array(NULL, 0), QS("u3"), vrv_long(1), vrv_null(), vrv_null()},
    };
    vrv_ms times[2] = {QT_DAY0 + 25 * QT_H, QT_DAY0 + 26 * QT_H};
    return qt_write("b", "2021-03-05T00:00:00.000Z/2021-03-06T00:00:00.000Z", rows, times, 2);
}

/* The real-time index of day 2 (2021-03-06): dims page, user; metrics
 * count and longSum(added); rollup. */
typedef struct qt_rt {
    vrv_agg_list aggs;
    vrv_index_metric_ops ops[2];
    vrv_index_metric metrics[2];
    vrv_index *idx;
} qt_rt;

static inline void qt_rt_init(qt_rt *rt)
{
    json_t *j = json_loads("[{\"type\":\"count\",\"name\":\"count\"},"
                           "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]",
                           0, NULL);
    vrv_error err;
    CHECK_INT(vrv_agg_parse_list(j, "metricsSpec", VRV_AGG_CTX_INGEST, &rt->aggs, &err), 0);
    json_decref(j);
    for (size_t i = 0; i < 2; i++) {
        const vrv_agg_spec *inner = vrv_agg_unwrap(rt->aggs.v[i]);
        vrv_task_agg_ops(inner, &rt->ops[i]);
        rt->metrics[i] = (vrv_index_metric){rt->aggs.v[i]->name, &rt->ops[i], inner};
    }
    static const vrv_index_dim dims[] = {{"page", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true},
                                         {"user", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true}};
    vrv_index_schema s = {true, 2, dims, 2, rt->metrics};
    rt->idx = vrv_index_new(&s);
    vrv_ms d2 = QT_DAY0 + 48 * QT_H;
    vrv_value r1[] = {QS("A"), QS("u1")}, r2[] = {QS("D"), QS("u4")};
    vrv_value m1[] = {vrv_null(), vrv_long(3)}, m2[] = {vrv_null(), vrv_long(4)},
              m3[] = {vrv_null(), vrv_long(1)};
    vrv_index_add(rt->idx, d2, r1, 2, m1, NULL);
    vrv_index_add(rt->idx, d2, r1, 2, m2, NULL);
    vrv_index_add(rt->idx, d2 + QT_H, r2, 2, m3, NULL);
}

static inline void qt_rt_free(qt_rt *rt)
{
    vrv_index_free(rt->idx);
    vrv_agg_list_free(&rt->aggs);
}

/* ---- JSON comparison ------------------------------------------------------------ */

static inline bool qt_json_eq(const json_t *a, const json_t *b, char *where, size_t wn)
{
    if (json_typeof(a) != json_typeof(b)) {
        snprintf(where, wn, "type differs");
        return false;
    }
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b)) {
            snprintf(where, wn, "object sizes %zu vs %zu", json_object_size(a), json_object_size(b));
            return false;
        }
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v) {
            json_t *o = json_object_get(b, k);
            if (!o) {
                snprintf(where, wn, "key %s missing", k);
                return false;
            }
            if (!qt_json_eq(v, o, where, wn)) {
                size_t l = strlen(where);
                snprintf(where + l, wn - l, " <- .%s", k);
                return false;
            }
        }
        return true;
    }
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b)) {
            snprintf(where, wn, "array sizes %zu vs %zu", json_array_size(a), json_array_size(b));
            return false;
        }
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!qt_json_eq(json_array_get(a, i), json_array_get(b, i), where, wn)) {
                size_t l = strlen(where);
                snprintf(where + l, wn - l, " <- [%zu]", i);
                return false;
            }
        return true;
    case JSON_REAL:
        if (json_real_value(a) != json_real_value(b)) {
            snprintf(where, wn, "%.17g vs %.17g", json_real_value(a), json_real_value(b));
            return false;
        }
        return true;
    default:
        if (!json_equal(a, b)) {
            snprintf(where, wn, "values differ");
            return false;
        }
        return true;
    }
}

/* Runs query text over the adapters and returns the rendered body (malloc'd). */
static inline char *qt_run(const char *query, vrv_adapter *const *ads, size_t n)
{
    vrv_query *q = NULL;
    vrv_query_error qe;
    int rc = vrv_query_parse(query, strlen(query), &q, &qe);
    if (rc) {
        vrv_test_fail(__FILE__, __LINE__, "parse failed: %s", qe.err.msg);
        return NULL;
    }
    vrv_buf out = VRV_BUF_INIT;
    vrv_error err;
    rc = vrv_query_execute(q, ads, n, 0, &out, &err);
    vrv_query_free(q);
    if (rc) {
        vrv_test_fail(__FILE__, __LINE__, "execute failed: %s", err.msg);
        vrv_buf_free(&out);
        return NULL;
    }
    return vrv_buf_detach(&out);
}

#define QT_EXPECT(query, ads, n, expected)                                                         \
    do {                                                                                           \
        char *got_ = qt_run((query), (ads), (n));                                                  \
        json_t *g_ = got_ ? json_loads(got_, JSON_DECODE_INT_AS_REAL * 0, NULL) : NULL;            \
        json_t *e_ = json_loads((expected), 0, NULL);                                              \
        char w_[512] = "";                                                                         \
        if (!e_) vrv_test_fail(__FILE__, __LINE__, "bad expected JSON");                           \
        else if (!g_ || !qt_json_eq(e_, g_, w_, sizeof w_))                                        \
            vrv_test_fail(__FILE__, __LINE__, "result differs (%s):\n  got      %s\n  expected %s", \
                          w_, got_ ? got_ : "(none)", (expected));                                  \
        json_decref(g_);                                                                           \
        json_decref(e_);                                                                           \
        free(got_);                                                                                \
    } while (0)

#endif
