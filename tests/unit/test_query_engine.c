/*
 * test_query_engine.c — the grouped engine's internal paths give the same
 * answers: timeseries folded over whole blocks versus row by row, groupBy
 * over dictionary ids in a dense table versus hashed keys (several
 * dimensions, and the buckets past the dense-table budget), over the
 * wikipedia-edits fixture segments of query_test_util.h.
 */
#include "query_test_util.h"

static vrv_segment *g_a, *g_b;
static vrv_adapter *g_ads[2];

static void setup(void)
{
    if (g_a) return;
    g_a = qt_seg_a();
    g_b = qt_seg_b();
    g_ads[0] = vrv_adapter_segment(g_a, NULL);
    g_ads[1] = vrv_adapter_segment(g_b, NULL);
}

__attribute__((destructor)) static void teardown(void)
{
    vrv_adapter_free(g_ads[0]);
    vrv_adapter_free(g_ads[1]);
    if (g_a) vrv_segment_close(g_a);
    if (g_b) vrv_segment_close(g_b);
}

/* Every typed aggregator, and one over a column no segment has. */
#define TYPED_AGGS                                                                                 \
    "\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},"                                       \
    "{\"type\":\"longSum\",\"name\":\"ls\",\"fieldName\":\"added\"},"                              \
    "{\"type\":\"longMin\",\"name\":\"lmin\",\"fieldName\":\"added\"},"                            \
    "{\"type\":\"longMax\",\"name\":\"lmax\",\"fieldName\":\"added\"},"                            \
    "{\"type\":\"doubleSum\",\"name\":\"ds\",\"fieldName\":\"delta\"},"                            \
    "{\"type\":\"doubleMin\",\"name\":\"dmin\",\"fieldName\":\"delta\"},"                          \
    "{\"type\":\"doubleMax\",\"name\":\"dmax\",\"fieldName\":\"delta\"},"                          \
    "{\"type\":\"floatSum\",\"name\":\"fs\",\"fieldName\":\"ratio\"},"                             \
    "{\"type\":\"floatMin\",\"name\":\"fmin\",\"fieldName\":\"ratio\"},"                           \
    "{\"type\":\"floatMax\",\"name\":\"fmax\",\"fieldName\":\"ratio\"},"                           \
    "{\"type\":\"longSum\",\"name\":\"gone\",\"fieldName\":\"nope\"},"                             \
    "{\"type\":\"doubleSum\",\"name\":\"tsum\",\"fieldName\":\"__time\"}]"

#define TS(gran, extra)                                                                            \
    "{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-04/"          \
    "2021-03-06\"],\"granularity\":\"" gran "\"," extra TYPED_AGGS "}"

/* A filter that matches every row sends the rows through (row, group)
 * pairs instead of the whole-block fold; the answers must not differ. */
#define ALL_ROWS "\"filter\":{\"type\":\"true\"},"

TEST(timeseries_block_fold_matches_row_fold)
{
    setup();
    const char *day =
        "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"n\":4,\"ls\":35,\"lmin\":5,"
        "\"lmax\":20,\"ds\":2.75,\"dmin\":-2.0,\"dmax\":3.25,\"fs\":1.0,\"fmin\":0.1,\"fmax\":0.4,"
        "\"gone\":null,\"tsum\":6.459413766E12}},"
        "{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":{\"n\":2,\"ls\":8,\"lmin\":1,"
        "\"lmax\":7,\"ds\":10.0,\"dmin\":10.0,\"dmax\":10.0,\"fs\":0.5,\"fmin\":0.5,\"fmax\":0.5,"
        "\"gone\":null,\"tsum\":3.2298156E12}}]";
    QT_EXPECT(TS("day", ""), g_ads, 2, day);
    QT_EXPECT(TS("day", ALL_ROWS), g_ads, 2, day);
    /* granularity all: one row; the float sum and min/max of two segments
     * are combined, so they print as the float's double expansion */
    const char *all =
        "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":{\"n\":6,\"ls\":43,\"lmin\":1,"
        "\"lmax\":20,\"ds\":12.75,\"dmin\":-2.0,\"dmax\":10.0,\"fs\":1.5,"
        "\"fmin\":0.10000000149011612,\"fmax\":0.5,\"gone\":null,\"tsum\":9.689229366E12}}]";
    QT_EXPECT(TS("all", ""), g_ads, 2, all);
    QT_EXPECT(TS("all", ALL_ROWS), g_ads, 2, all);
    /* hour buckets: the fold is cut at every bucket change inside a block */
    char *fast = qt_run(TS("hour", ""), g_ads, 2);
    char *slow = qt_run(TS("hour", ALL_ROWS), g_ads, 2);
    CHECK(fast && slow);
    if (fast && slow) CHECK_STR(fast, slow);
    json_t *j = fast ? json_loads(fast, 0, NULL) : NULL;
    /* 05:00 .. 23:00 of the first day, 01:00 .. 02:00 of the second */
    CHECK_INT(json_array_size(j), 19 + 2);
    json_decref(j);
    free(fast);
    free(slow);
}

/* An inline table of n rows: row i at i ms with dimension values k<i % nk>
 * and c<i % nc>, and x = i. */
static char *inline_table(int n, int nk, int nc)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "{\"type\":\"inline\",\"columnNames\":[\"__time\",\"k\",\"c\",\"x\"],"
                       "\"columnTypes\":[\"LONG\",\"STRING\",\"STRING\",\"LONG\"],\"rows\":[");
    for (int i = 0; i < n; i++)
        vrv_buf_printf(&b, "%s[%d,\"k%05d\",\"c%d\",%d]", i ? "," : "", i, i % nk, i % nc, i);
    vrv_buf_printf(&b, "]}");
    return vrv_buf_detach(&b);
}

static char *groupby(const char *ds, const char *gran, const char *dims, bool virt)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b,
                   "{\"queryType\":\"groupBy\",\"dataSource\":%s,\"intervals\":[\"1970/1971\"],"
                   "\"granularity\":\"%s\",\"dimensions\":%s,%s\"aggregations\":[{\"type\":"
                   "\"count\",\"name\":\"n\"},{\"type\":\"longSum\",\"name\":\"x\",\"fieldName\":"
                   "\"x\"}]}",
                   ds, gran, dims,
                   virt ? "\"virtualColumns\":[{\"type\":\"expression\",\"name\":\"vk\","
                          "\"expression\":\"k\",\"outputType\":\"STRING\"},{\"type\":\"expression\","
                          "\"name\":\"vc\",\"expression\":\"c\",\"outputType\":\"STRING\"}],"
                        : "");
    char *out = qt_run(b.data, NULL, 0);
    vrv_buf_free(&b);
    return out;
}

/* Renames the virtual dimensions' output names back so results compare. */
#define VDIMS2                                                                                     \
    "[{\"type\":\"default\",\"dimension\":\"vk\",\"outputName\":\"k\"},{\"type\":\"default\","    \
    "\"dimension\":\"vc\",\"outputName\":\"c\"}]"

TEST(groupby_dense_ids_match_hashed_keys)
{
    /* two dictionary dimensions (dense table) against the same values
     * through virtual columns (hashed keys), in one bucket and per ms */
    char *ds = inline_table(600, 50, 7);
    const char *grans[] = {"all", "none", "minute"};
    for (size_t g = 0; g < 3; g++) {
        char *dense = groupby(ds, grans[g], "[\"k\",\"c\"]", false);
        char *hashed = groupby(ds, grans[g], VDIMS2, true);
        CHECK(dense && hashed);
        if (dense && hashed) CHECK_STR(dense, hashed);
        free(dense);
        free(hashed);
    }
    /* 600 rows, k = i % 50 and c = i % 7: 350 distinct (k, c) pairs */
    char *all = groupby(ds, "all", "[\"k\",\"c\"]", false);
    json_t *j = all ? json_loads(all, 0, NULL) : NULL;
    CHECK_INT(json_array_size(j), 350);
    json_t *first = json_object_get(json_array_get(j, 0), "event");
    CHECK_STR(json_string_value(json_object_get(first, "k")), "k00000");
    CHECK_STR(json_string_value(json_object_get(first, "c")), "c0");
    /* i = 0, 350: the rows with i % 50 == 0 and i % 7 == 0 */
    CHECK_INT(json_integer_value(json_object_get(first, "n")), 2);
    CHECK_INT(json_integer_value(json_object_get(first, "x")), 350);
    json_decref(j);
    free(all);
    free(ds);
}

TEST(groupby_dense_budget_spent_hashes_later_buckets)
{
    /* 6,000 one-row buckets of a 6,000-value dimension: the id tables of
     * the first buckets use up the budget and the later buckets hash */
    char *ds = inline_table(6000, 6000, 3);
    char *dense = groupby(ds, "none", "[\"k\"]", false);
    char *hashed = groupby(ds, "none",
                           "[{\"type\":\"default\",\"dimension\":\"vk\",\"outputName\":\"k\"}]", true);
    CHECK(dense && hashed);
    if (dense && hashed) CHECK_STR(dense, hashed);
    json_t *j = dense ? json_loads(dense, 0, NULL) : NULL;
    CHECK_INT(json_array_size(j), 6000);
    json_t *last = json_array_get(j, 5999);
    CHECK_STR(json_string_value(json_object_get(last, "timestamp")), "1970-01-01T00:00:05.999Z");
    CHECK_STR(json_string_value(json_object_get(json_object_get(last, "event"), "k")), "k05999");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(last, "event"), "x")), 5999);
    json_decref(j);
    free(dense);
    free(hashed);
    free(ds);
}

TEST(topn_multi_value_dense)
{
    setup();
    /* tags is multi-value: a row counts for each of its values, null rows
     * (no tags, or an empty list) group under null */
    QT_EXPECT("{\"queryType\":\"topN\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-04/"
              "2021-03-06\"],\"granularity\":\"all\",\"dimension\":\"tags\",\"threshold\":3,"
              "\"metric\":\"added\",\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},"
              "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":["
              "{\"tags\":\"t1\",\"n\":2,\"added\":30},{\"tags\":\"t2\",\"n\":2,\"added\":15},"
              "{\"tags\":\"t3\",\"n\":2,\"added\":12}]}]");
}

TEST(scan_time_ordered_with_limit)
{
    setup();
    /* each segment contributes only its last (first) limit + offset rows */
    QT_EXPECT("{\"queryType\":\"scan\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-04/"
              "2021-03-06\"],\"columns\":[\"__time\",\"page\"],\"order\":\"descending\",\"limit\":3,"
              "\"offset\":1,\"resultFormat\":\"compactedList\"}",
              g_ads, 2,
              "[{\"segmentId\":null,\"columns\":[\"__time\",\"page\"],\"events\":[[1614906000000,"
              "\"A\"],[1614902399000,\"C\"],[1614841200000,\"A\"]],\"rowSignature\":[{\"name\":"
              "\"__time\",\"type\":\"LONG\"},{\"name\":\"page\",\"type\":\"STRING\"}]}]");
    QT_EXPECT("{\"queryType\":\"scan\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-04T05:10/"
              "2021-03-06\"],\"columns\":[\"__time\",\"page\"],\"order\":\"ascending\",\"limit\":2,"
              "\"filter\":{\"type\":\"not\",\"field\":{\"type\":\"selector\",\"dimension\":\"page\","
              "\"value\":\"A\"}},\"resultFormat\":\"compactedList\"}",
              g_ads, 2,
              "[{\"segmentId\":null,\"columns\":[\"__time\",\"page\"],\"events\":[[1614835800000,"
              "\"B\"],[1614902399000,\"C\"]],\"rowSignature\":[{\"name\":\"__time\",\"type\":"
              "\"LONG\"},{\"name\":\"page\",\"type\":\"STRING\"}]}]");
    /* timeBoundary walks in from both ends */
    QT_EXPECT("{\"queryType\":\"timeBoundary\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-04T06/"
              "2021-03-05T01:30\"],\"filter\":{\"type\":\"not\",\"field\":{\"type\":\"selector\","
              "\"dimension\":\"page\",\"value\":\"C\"}}}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T07:00:00.000Z\",\"result\":{\"minTime\":"
              "\"2021-03-04T07:00:00.000Z\",\"maxTime\":\"2021-03-05T01:00:00.000Z\"}}]");
}
