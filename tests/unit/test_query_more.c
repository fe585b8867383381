/*
 * test_query_more.c — datasource forms (union, inline, join, nested query),
 * virtual columns, every filter type through bitmaps and row matchers,
 * having specs, subtotals, result forms, first/last/mean aggregators,
 * expression post-aggregators, search and segmentMetadata, over the rows
 * listed in test_query.c.
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

#define TS_HEAD "{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\","
#define GB_HEAD "{\"queryType\":\"groupBy\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\","
#define EV(e) "{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":" e "}"

static void count_with(const char *filter, long expected, int line)
{
    char q[2048], e[256];
    snprintf(q, sizeof q, TS_HEAD "\"filter\":%s,\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}",
             filter);
    snprintf(e, sizeof e, "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":{\"n\":%ld}}]",
             expected);
    char *got = qt_run(q, g_ads, 2);
    json_t *g = got ? json_loads(got, 0, NULL) : NULL, *x = json_loads(e, 0, NULL);
    char w[256] = "";
    if (!g || !qt_json_eq(x, g, w, sizeof w))
        vrv_test_fail(__FILE__, line, "filter %s: got %s, expected n=%ld", filter, got ? got : "-",
                      expected);
    json_decref(g);
    json_decref(x);
    free(got);
}

TEST(filters)
{
    setup();
    count_with("{\"type\":\"bound\",\"dimension\":\"page\",\"lower\":\"B\"}", 3, __LINE__);
    count_with("{\"type\":\"bound\",\"dimension\":\"added\",\"lower\":\"6\",\"ordering\":\"numeric\"}", 3,
               __LINE__);
    count_with("{\"type\":\"like\",\"dimension\":\"page\",\"pattern\":\"A%\"}", 3, __LINE__);
    count_with("{\"type\":\"regex\",\"dimension\":\"user\",\"pattern\":\"^u\"}", 4, __LINE__);
    count_with("{\"type\":\"search\",\"dimension\":\"tags\",\"query\":{\"type\":\"contains\","
               "\"value\":\"T3\"}}",
               2, __LINE__);
    count_with("{\"type\":\"range\",\"column\":\"added\",\"matchValueType\":\"LONG\",\"lower\":5,"
               "\"upper\":20,\"upperOpen\":true}",
               3, __LINE__);
    count_with("{\"type\":\"interval\",\"dimension\":\"__time\",\"intervals\":"
               "[\"2021-03-04T05:00/2021-03-04T06:00\"]}",
               2, __LINE__);
    count_with("{\"type\":\"expression\",\"expression\":\"added > 9\"}", 2, __LINE__);
    count_with("{\"type\":\"isfalse\",\"field\":{\"type\":\"selector\",\"dimension\":\"user\","
               "\"value\":\"u1\"}}",
               3, __LINE__);
    count_with("{\"type\":\"inType\",\"column\":\"page\",\"matchValueType\":\"STRING\",\"values\":"
               "[\"A\",\"C\"]}",
               4, __LINE__);
    /* not over a multi-value column: no value may match, and null rows stay out */
    count_with("{\"type\":\"not\",\"field\":{\"type\":\"in\",\"dimension\":\"tags\",\"values\":"
               "[\"t1\"]}}",
               2, __LINE__);
    count_with("{\"type\":\"selector\",\"dimension\":\"tags\",\"value\":null}", 2, __LINE__);
    count_with("{\"type\":\"selector\",\"dimension\":\"added\",\"value\":\"20\"}", 1, __LINE__);
    count_with("{\"type\":\"equals\",\"column\":\"delta\",\"matchValueType\":\"LONG\",\"matchValue\":10}",
               1, __LINE__);
    count_with("{\"type\":\"null\",\"column\":\"user\"}", 1, __LINE__);
    count_with("{\"type\":\"selector\",\"dimension\":\"nope\",\"value\":null}", 6, __LINE__);
    count_with("{\"type\":\"or\",\"fields\":[{\"type\":\"selector\",\"dimension\":\"page\","
               "\"value\":\"C\"},{\"type\":\"and\",\"fields\":[{\"type\":\"selector\",\"dimension\":"
               "\"page\",\"value\":\"A\"},{\"type\":\"expression\",\"expression\":\"delta > 2\"}]}]}",
               3, __LINE__);
    count_with("{\"type\":\"columnComparison\",\"dimensions\":[\"page\",\"page\"]}", 6, __LINE__);
    count_with("{\"type\":\"not\",\"field\":{\"type\":\"true\"}}", 0, __LINE__);
}

TEST(union_inline_join_nested)
{
    setup();
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":{\"type\":\"union\",\"dataSources\":"
              "[\"wiki\",\"missing\"]},\"intervals\":[\"2021-03-04/2021-03-06\"],\"granularity\":"
              "\"all\",\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}",
              g_ads, 2, "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":{\"n\":6}}]");
    QT_EXPECT("{\"queryType\":\"groupBy\",\"dataSource\":{\"type\":\"inline\",\"columnNames\":"
              "[\"k\",\"v\"],\"columnTypes\":[\"STRING\",\"LONG\"],\"rows\":[[\"x\",1],[\"y\",2],"
              "[\"x\",3]]},\"intervals\":[\"1970/1971\"],\"granularity\":\"all\",\"dimensions\":"
              "[\"k\"],\"aggregations\":[{\"type\":\"longSum\",\"name\":\"v\",\"fieldName\":\"v\"}]}",
              g_ads, 2,
              "[{\"version\":\"v1\",\"timestamp\":\"1970-01-01T00:00:00.000Z\",\"event\":{\"k\":\"x\","
              "\"v\":4}},{\"version\":\"v1\",\"timestamp\":\"1970-01-01T00:00:00.000Z\",\"event\":"
              "{\"k\":\"y\",\"v\":2}}]");
    const char *join = "{\"queryType\":\"groupBy\",\"dataSource\":{\"type\":\"join\",\"left\":"
                       "\"wiki\",\"right\":{\"type\":\"inline\",\"columnNames\":[\"k\",\"v\"],"
                       "\"rows\":[[\"A\",\"Apple\"],[\"B\",\"Banana\"]]},\"rightPrefix\":\"j.\","
                       "\"condition\":\"page == \\\"j.k\\\"\",\"joinType\":\"%s\"},\"intervals\":"
                       "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"dimensions\":[\"j.v\"],"
                       "\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}";
    char q[2048];
    snprintf(q, sizeof q, join, "INNER");
    QT_EXPECT(q, g_ads, 2, "[" EV("{\"j.v\":\"Apple\",\"n\":3}") "," EV("{\"j.v\":\"Banana\",\"n\":2}") "]");
    snprintf(q, sizeof q, join, "LEFT");
    QT_EXPECT(q, g_ads, 2,
              "[" EV("{\"j.v\":null,\"n\":1}") "," EV("{\"j.v\":\"Apple\",\"n\":3}") "," EV(
                  "{\"j.v\":\"Banana\",\"n\":2}") "]");
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":{\"type\":\"query\",\"query\":"
              GB_HEAD "\"dimensions\":[\"page\"],\"aggregations\":[{\"type\":\"count\",\"name\":"
              "\"rows\"}]}},\"intervals\":[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\","
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"groups\"},{\"type\":\"longSum\","
              "\"name\":\"total\",\"fieldName\":\"rows\"},{\"type\":\"longMax\",\"name\":\"most\","
              "\"fieldName\":\"rows\"}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"groups\":3,\"total\":6,"
              "\"most\":3}}]");
}

TEST(virtual_columns_and_expression_inputs)
{
    setup();
    QT_EXPECT(GB_HEAD "\"virtualColumns\":[{\"type\":\"expression\",\"name\":\"v0\",\"expression\":"
              "\"concat(page, '-x')\",\"outputType\":\"STRING\"}],\"dimensions\":[\"v0\"],"
              "\"filter\":{\"type\":\"selector\",\"dimension\":\"v0\",\"value\":\"A-x\"},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"},{\"type\":\"longSum\","
              "\"name\":\"dbl\",\"expression\":\"added * 2\"}]}",
              g_ads, 2, "[" EV("{\"v0\":\"A-x\",\"rows\":3,\"dbl\":34}") "]");
    /* a numeric dimension is a string unless outputType says otherwise */
    QT_EXPECT(GB_HEAD "\"dimensions\":[\"added\",{\"type\":\"default\",\"dimension\":\"added\","
              "\"outputName\":\"a2\",\"outputType\":\"LONG\"}],\"filter\":{\"type\":\"bound\","
              "\"dimension\":\"added\",\"lower\":\"10\",\"ordering\":\"numeric\"},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}",
              g_ads, 2,
              "[" EV("{\"added\":\"10\",\"a2\":10,\"n\":1}") "," EV("{\"added\":\"20\",\"a2\":20,\"n\":1}") "]");
}

TEST(having_subtotals_result_forms)
{
    setup();
#define PAGE_COUNT GB_HEAD "\"dimensions\":[\"page\"],\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"}]"
    QT_EXPECT(PAGE_COUNT ",\"having\":{\"type\":\"lessThan\",\"aggregation\":\"rows\",\"value\":3}}",
              g_ads, 2, "[" EV("{\"page\":\"B\",\"rows\":2}") "," EV("{\"page\":\"C\",\"rows\":1}") "]");
    QT_EXPECT(PAGE_COUNT ",\"having\":{\"type\":\"dimSelector\",\"dimension\":\"page\",\"value\":\"C\"}}",
              g_ads, 2, "[" EV("{\"page\":\"C\",\"rows\":1}") "]");
    QT_EXPECT(PAGE_COUNT ",\"having\":{\"type\":\"or\",\"havingSpecs\":[{\"type\":\"equalTo\","
              "\"aggregation\":\"rows\",\"value\":3},{\"type\":\"filter\",\"filter\":{\"type\":"
              "\"selector\",\"dimension\":\"page\",\"value\":\"C\"}}]}}",
              g_ads, 2, "[" EV("{\"page\":\"A\",\"rows\":3}") "," EV("{\"page\":\"C\",\"rows\":1}") "]");
    QT_EXPECT(PAGE_COUNT ",\"context\":{\"resultAsArray\":true}}", g_ads, 2,
              "[[\"A\",3],[\"B\",2],[\"C\",1]]");
    QT_EXPECT(PAGE_COUNT ",\"limitSpec\":{\"type\":\"default\",\"offset\":1,\"limit\":1}}", g_ads, 2,
              "[" EV("{\"page\":\"B\",\"rows\":2}") "]");
    QT_EXPECT(GB_HEAD "\"dimensions\":[\"page\",\"user\"],\"subtotalsSpec\":[[\"page\"],[]],"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"},{\"type\":\"grouping\","
              "\"name\":\"g\",\"groupings\":[\"page\",\"user\"]}]}",
              g_ads, 2,
              "[" EV("{\"page\":\"A\",\"user\":null,\"rows\":3,\"g\":1}") "," EV(
                  "{\"page\":\"B\",\"user\":null,\"rows\":2,\"g\":1}") "," EV("{\"page\":\"C\","
                                                                             "\"user\":null,\"rows\":1,"
                                                                             "\"g\":1}") "," EV("{\"page\":"
                                                                                                "null,\"user\":"
                                                                                                "null,\"rows\":"
                                                                                                "6,\"g\":3}") "]");
}

TEST(first_last_mean_expression_postagg)
{
    setup();
    QT_EXPECT(TS_HEAD "\"aggregations\":[{\"type\":\"stringFirst\",\"name\":\"f\",\"fieldName\":"
              "\"page\"},{\"type\":\"longLast\",\"name\":\"l\",\"fieldName\":\"added\"},{\"type\":"
              "\"doubleMean\",\"name\":\"m\",\"fieldName\":\"delta\"},{\"type\":\"count\",\"name\":"
              "\"rows\"},{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}],"
              "\"postAggregations\":[{\"type\":\"expression\",\"name\":\"e\",\"expression\":"
              "\"added / rows\"},{\"type\":\"constant\",\"name\":\"c\",\"value\":2.5}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":{\"f\":\"A\",\"l\":1,\"m\":2.55,"
              "\"rows\":6,\"added\":43,\"e\":7,\"c\":2.5}}]");
    char *got = qt_run(TS_HEAD "\"context\":{\"finalize\":false},\"aggregations\":[{\"type\":"
                       "\"hyperUnique\",\"name\":\"u\",\"fieldName\":\"user\"}]}",
                       g_ads, 2);
    json_t *j = json_loads(got, 0, NULL);
    CHECK(json_is_string(json_object_get(json_object_get(json_array_get(j, 0), "result"), "u")));
    json_decref(j);
    free(got);
}

TEST(search)
{
    setup();
    QT_EXPECT("{\"queryType\":\"search\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"searchDimensions\":[\"tags\",\"page\"],\"query\":"
              "{\"type\":\"insensitive_contains\",\"value\":\"T\"}}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":[{\"dimension\":\"tags\","
              "\"value\":\"t1\",\"count\":2},{\"dimension\":\"tags\",\"value\":\"t2\",\"count\":2},"
              "{\"dimension\":\"tags\",\"value\":\"t3\",\"count\":2}]}]");
}

/* Druid's SearchQueryRunner: each segment answers one result stamped with
 * its start (the broker buckets it), cut to the limit before the merge; a
 * segment without hits still answers. */
TEST(search_per_segment_results)
{
    setup();
#define SEARCH(extra) "{\"queryType\":\"search\",\"dataSource\":\"wiki\",\"intervals\":" \
    "[\"2021-03-04/2021-03-06\"],\"searchDimensions\":[\"page\",\"user\"]," extra "}"
    /* hour granularity: the hits of a segment sit in its start's bucket */
    QT_EXPECT(SEARCH("\"granularity\":\"hour\",\"query\":{\"type\":\"contains\",\"value\":\"u\"}"),
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":[{\"dimension\":\"user\","
              "\"value\":\"u1\",\"count\":1},{\"dimension\":\"user\",\"value\":\"u2\",\"count\":1}]},"
              "{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":[{\"dimension\":\"user\","
              "\"value\":\"u1\",\"count\":1},{\"dimension\":\"user\",\"value\":\"u3\",\"count\":1}]}]");
    /* limit 1 per segment: u1 of each, merged */
    QT_EXPECT(SEARCH("\"limit\":1,\"query\":{\"type\":\"contains\",\"value\":\"u\"}"), g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":[{\"dimension\":\"user\","
              "\"value\":\"u1\",\"count\":2}]}]");
    /* strlen order, then the dimension name */
    QT_EXPECT(SEARCH("\"sort\":{\"type\":\"strlen\"},\"query\":{\"type\":\"regex\",\"pattern\":\"^[AB]|2$\"}"),
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":[{\"dimension\":\"page\","
              "\"value\":\"A\",\"count\":3},{\"dimension\":\"page\",\"value\":\"B\",\"count\":2},"
              "{\"dimension\":\"user\",\"value\":\"u2\",\"count\":1}]}]");
    /* no hits: each queried segment still answers, with an empty list */
    QT_EXPECT(SEARCH("\"granularity\":\"day\",\"query\":{\"type\":\"contains\",\"value\":\"zz\"}"),
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":[]},"
              "{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":[]}]");
    QT_EXPECT("{\"queryType\":\"search\",\"dataSource\":\"wiki\",\"intervals\":[\"2020/2021\"],"
              "\"query\":{\"type\":\"contains\",\"value\":\"u\"}}",
              g_ads, 2, "[]");
    /* the partial carries the stamp and the markers across servers */
    vrv_query *q = NULL;
    vrv_query_error qe;
    const char *text = SEARCH("\"granularity\":\"day\",\"query\":{\"type\":\"contains\",\"value\":\"zz\"}");
    CHECK_INT(vrv_query_parse(text, strlen(text), &q, &qe), 0);
    vrv_query_partial *p, *back, *all = vrv_query_partial_new(q);
    vrv_error err;
    CHECK_INT(vrv_query_run(q, g_ads, 2, &p, &err), 0);
    vrv_buf wire = VRV_BUF_INIT, out = VRV_BUF_INIT;
    vrv_query_partial_to_json(p, &wire);
    vrv_query_partial_free(p);
    CHECK_INT(vrv_query_partial_from_json(q, wire.data, wire.len, &back, &err), 0);
    CHECK_INT(vrv_query_merge(all, back, &err), 0);
    CHECK_INT(vrv_query_render(q, all, 0, &out, &err), 0);
    CHECK_STR(out.data, "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":[]},"
                        "{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":[]}]");
    vrv_buf_free(&wire);
    vrv_buf_free(&out);
    vrv_query_partial_free(all);
    vrv_query_free(q);
}

TEST(segment_metadata)
{
    setup();
    QT_EXPECT("{\"queryType\":\"segmentMetadata\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-05\"]}",
              g_ads, 2,
              "[{\"id\":\"wiki_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v1\","
              "\"intervals\":[\"2021-03-04T00:00:00.000Z/2021-03-04T23:59:59.001Z\"],\"columns\":{"
              "\"__time\":{\"typeSignature\":\"LONG\",\"type\":\"LONG\",\"hasMultipleValues\":false,"
              "\"hasNulls\":false,\"size\":0,\"cardinality\":null,\"minValue\":null,\"maxValue\":null,"
              "\"errorMessage\":null},"
              "\"page\":{\"typeSignature\":\"STRING\",\"type\":\"STRING\",\"hasMultipleValues\":false,"
              "\"hasNulls\":false,\"size\":0,\"cardinality\":3,\"minValue\":\"A\",\"maxValue\":\"C\","
              "\"errorMessage\":null},"
              "\"tags\":{\"typeSignature\":\"STRING\",\"type\":\"STRING\",\"hasMultipleValues\":true,"
              "\"hasNulls\":true,\"size\":0,\"cardinality\":4,\"minValue\":null,\"maxValue\":\"t3\","
              "\"errorMessage\":null},"
              "\"user\":{\"typeSignature\":\"STRING\",\"type\":\"STRING\",\"hasMultipleValues\":false,"
              "\"hasNulls\":true,\"size\":0,\"cardinality\":4,\"minValue\":null,\"maxValue\":\"u2\","
              "\"errorMessage\":null},"
              "\"added\":{\"typeSignature\":\"LONG\",\"type\":\"LONG\",\"hasMultipleValues\":false,"
              "\"hasNulls\":true,\"size\":0,\"cardinality\":null,\"minValue\":null,\"maxValue\":null,"
              "\"errorMessage\":null},"
              "\"delta\":{\"typeSignature\":\"DOUBLE\",\"type\":\"DOUBLE\",\"hasMultipleValues\":false,"
              "\"hasNulls\":false,\"size\":0,\"cardinality\":null,\"minValue\":null,\"maxValue\":null,"
              "\"errorMessage\":null},"
              "\"ratio\":{\"typeSignature\":\"FLOAT\",\"type\":\"FLOAT\",\"hasMultipleValues\":false,"
              "\"hasNulls\":false,\"size\":0,\"cardinality\":null,\"minValue\":null,\"maxValue\":null,"
              "\"errorMessage\":null}},"
              "\"size\":0,\"numRows\":4,\"aggregators\":null,\"projections\":null,"
              "\"timestampSpec\":null,\"queryGranularity\":null,\"rollup\":null}]");
    char *got = qt_run("{\"queryType\":\"segmentMetadata\",\"dataSource\":\"wiki\",\"merge\":true,"
                       "\"toInclude\":{\"type\":\"list\",\"columns\":[\"page\"]},\"analysisTypes\":"
                       "[\"cardinality\",\"aggregators\",\"rollup\"]}",
                       g_ads, 2);
    json_t *j = json_loads(got, 0, NULL);
    json_t *m = json_array_get(j, 0);
    CHECK_INT(json_array_size(j), 1);
    CHECK_STR(json_string_value(json_object_get(m, "id")),
              "wiki_2021-03-05T00:00:00.000Z_2021-03-06T00:00:00.000Z_merged");
    CHECK_INT(json_integer_value(json_object_get(m, "numRows")), 6);
    CHECK_INT(json_object_size(json_object_get(m, "columns")), 1);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(json_object_get(m, "columns"), "page"),
                                                 "cardinality")),
              3);
    CHECK(json_is_false(json_object_get(m, "rollup")));
    CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(m, "aggregators"),
                                                                "added"),
                                                "type")),
              "longSum");
    json_decref(j);
    free(got);
}

TEST(period_granularity_across_dst)
{
    /* America/Los_Angeles moved to PDT on 2021-03-14: that day is 23 hours
     * long and the next bucket is rendered with -07:00 */
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":{\"type\":\"inline\","
              "\"columnNames\":[\"__time\",\"x\"],\"columnTypes\":[\"LONG\",\"LONG\"],"
              "\"rows\":[[1615705200000,1],[1615712400000,2],[1615788000000,3],[1615795200000,4]]},"
              "\"intervals\":[\"2021-03-13/2021-03-17\"],\"granularity\":{\"type\":\"period\","
              "\"period\":\"P1D\",\"timeZone\":\"America/Los_Angeles\"},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},{\"type\":\"longSum\","
              "\"name\":\"x\",\"fieldName\":\"x\"}]}",
              NULL, 0,
              "[{\"timestamp\":\"2021-03-13T00:00:00.000-08:00\",\"result\":{\"n\":1,\"x\":1}},"
              "{\"timestamp\":\"2021-03-14T00:00:00.000-08:00\",\"result\":{\"n\":2,\"x\":5}},"
              "{\"timestamp\":\"2021-03-15T00:00:00.000-07:00\",\"result\":{\"n\":1,\"x\":4}}]");
}
