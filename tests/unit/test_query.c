/*
 * test_query.c — native queries end to end over two segments and a
 * real-time index, expected results worked out by hand from the rows in
 * query_test_util.h:
 *
 *   2021-03-04 05:06:07  A  [t1,t2]  u1    added 10    delta 1.5   ratio 0.1
 *   2021-03-04 05:30:00  B  [t1]     null  added 20    delta -2.0  ratio 0.2
 *   2021-03-04 07:00:00  A  null     ""    added null  delta 3.25  ratio 0.3
 *   2021-03-04 23:59:59  C  [t2,t3]  u2    added 5     delta 0.0   ratio 0.4
 *   2021-03-05 01:00:00  A  [t3]     u1    added 7     delta 10.0  ratio 0.5
 *   2021-03-05 02:00:00  B  []       u3    added 1     delta null  ratio null
 *   real-time 2021-03-06 00:00 A u1 (2 rows rolled up, added 3+4), 01:00 D u4 added 1
 */
#include "base/numfmt.h"
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

#define WIKI "\"queryType\":\"%s\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-04/2021-03-06\"]"

TEST(timeseries_all)
{
    setup();
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"aggregations\":["
              "{\"type\":\"count\",\"name\":\"rows\"},"
              "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"},"
              "{\"type\":\"doubleSum\",\"name\":\"delta\",\"fieldName\":\"delta\"},"
              "{\"type\":\"longMax\",\"name\":\"maxAdded\",\"fieldName\":\"added\"},"
              "{\"type\":\"doubleMin\",\"name\":\"minDelta\",\"fieldName\":\"delta\"}],"
              "\"postAggregations\":[{\"type\":\"arithmetic\",\"name\":\"avg\",\"fn\":\"/\","
              "\"fields\":[{\"type\":\"fieldAccess\",\"fieldName\":\"added\"},"
              "{\"type\":\"fieldAccess\",\"fieldName\":\"rows\"}]}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":{\"rows\":6,\"added\":43,"
              "\"delta\":12.75,\"maxAdded\":20,\"minDelta\":-2.0,\"avg\":7.166666666666667}}]");
}

TEST(timeseries_day_filter_and_zero_fill)
{
    setup();
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"day\",\"filter\":{\"type\":\"selector\","
              "\"dimension\":\"page\",\"value\":\"A\"},\"aggregations\":["
              "{\"type\":\"count\",\"name\":\"rows\"},"
              "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"rows\":2,\"added\":10}},"
              "{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":{\"rows\":1,\"added\":7}}]");
    /* nothing matches: every bucket is still there, with empty values */
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"day\",\"filter\":{\"type\":\"equals\","
              "\"column\":\"page\",\"matchValueType\":\"STRING\",\"matchValue\":\"Z\"},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"},"
              "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"rows\":0,\"added\":null}},"
              "{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":{\"rows\":0,\"added\":null}}]");
    /* skipEmptyBuckets, descending, serializeDateTimeAsLong, grandTotal */
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
              "\"2021-03-04/2021-03-06\",\"granularity\":\"hour\",\"descending\":true,"
              "\"filter\":{\"type\":\"in\",\"dimension\":\"page\",\"values\":[\"B\"]},"
              "\"context\":{\"skipEmptyBuckets\":\"true\",\"serializeDateTimeAsLong\":true,"
              "\"grandTotal\":true},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"}]}",
              g_ads, 2,
              "[{\"timestamp\":1614909600000,\"result\":{\"rows\":1}},"
              "{\"timestamp\":1614834000000,\"result\":{\"rows\":1}},"
              "{\"timestamp\":null,\"result\":{\"rows\":2}}]");
}

TEST(timeseries_hour_zero_fill_range)
{
    setup();
    char *got = qt_run("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
                       "[\"2021-03-04/2021-03-06\"],\"granularity\":\"hour\","
                       "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"}]}",
                       g_ads, 2);
    json_t *j = json_loads(got, 0, NULL);
    /* day 0: hours 05..23 (19), day 1: hours 01..02 (2) */
    CHECK_INT(json_array_size(j), 21);
    CHECK_STR(json_string_value(json_object_get(json_array_get(j, 0), "timestamp")),
              "2021-03-04T05:00:00.000Z");
    CHECK_INT(json_integer_value(json_object_get(
                  json_object_get(json_array_get(j, 1), "result"), "rows")),
              0);
    json_decref(j);
    free(got);
}

TEST(timeseries_no_data)
{
    setup();
    const char *q = "{\"queryType\":\"timeseries\",\"dataSource\":\"nope\",\"intervals\":"
                    "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"aggregations\":["
                    "{\"type\":\"count\",\"name\":\"rows\"},"
                    "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"},"
                    "{\"type\":\"hyperUnique\",\"name\":\"u\",\"fieldName\":\"user\"}]%s}";
    char buf[1024];
    snprintf(buf, sizeof buf, q, "");
    QT_EXPECT(buf, g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"rows\":0,\"added\":null,"
              "\"u\":0.0}}]");
    snprintf(buf, sizeof buf, q, ",\"context\":{\"skipEmptyBuckets\":true}");
    QT_EXPECT(buf, g_ads, 2, "[]");
    /* other granularities give nothing */
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":\"nope\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"day\","
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"}]}",
              g_ads, 2, "[]");
    /* segments overlap but the filter matches nothing: stamped by the data */
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"filter\":{\"type\":\"false\"},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":{\"rows\":0}}]");
}

TEST(float_combine_rule)
{
    setup();
    /* one segment: a Float at float precision */
    float a = 0.1f;
    a += 0.2f;
    a += 0.3f;
    a += 0.4f;
    char *got = qt_run("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
                       "[\"2021-03-04/2021-03-05\"],\"granularity\":\"all\",\"aggregations\":["
                       "{\"type\":\"floatSum\",\"name\":\"r\",\"fieldName\":\"ratio\"}]}",
                       g_ads, 2);
    char fbuf[64];
    fbuf[vrv_fmt_float(a, fbuf)] = 0;
    CHECK(got && strstr(got, fbuf) != NULL);
    free(got);
    /* two segments: combined as float, written as the double expansion */
    float b = a + 0.5f;
    got = qt_run("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
                 "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"aggregations\":["
                 "{\"type\":\"floatSum\",\"name\":\"r\",\"fieldName\":\"ratio\"}]}",
                 g_ads, 2);
    json_t *j = json_loads(got, 0, NULL);
    json_t *r = json_object_get(json_object_get(json_array_get(j, 0), "result"), "r");
    CHECK(json_is_real(r));
    CHECK_DBL(json_real_value(r), (double)b);
    json_decref(j);
    free(got);
}

TEST(topn)
{
    setup();
    QT_EXPECT("{\"queryType\":\"topN\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"dimension\":\"page\","
              "\"threshold\":2,\"metric\":\"added\",\"aggregations\":["
              "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"},"
              "{\"type\":\"count\",\"name\":\"rows\"}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":["
              "{\"page\":\"B\",\"added\":21,\"rows\":2},{\"page\":\"A\",\"added\":17,\"rows\":3}]}]");
    /* ties on rows: metric descending, then dimension ascending; inverted */
    QT_EXPECT("{\"queryType\":\"topN\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"dimension\":{\"type\":"
              "\"default\",\"dimension\":\"page\",\"outputName\":\"p\"},"
              "\"threshold\":5,\"metric\":{\"type\":\"inverted\",\"metric\":\"rows\"},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":["
              "{\"p\":\"C\",\"rows\":1},{\"p\":\"B\",\"rows\":2},{\"p\":\"A\",\"rows\":3}]}]");
    /* dimension ordering with previousStop, per-day buckets */
    QT_EXPECT("{\"queryType\":\"topN\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"day\",\"dimension\":\"page\","
              "\"threshold\":5,\"metric\":{\"type\":\"dimension\",\"previousStop\":\"A\"},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":["
              "{\"page\":\"B\",\"rows\":1},{\"page\":\"C\",\"rows\":1}]},"
              "{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":[{\"page\":\"B\",\"rows\":1}]}]");
}

TEST(groupby_multi_value_and_limit)
{
    setup();
    QT_EXPECT("{\"queryType\":\"groupBy\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"dimensions\":[\"tags\"],"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"},"
              "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}",
              g_ads, 2,
              "[{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":"
              "{\"tags\":null,\"rows\":2,\"added\":1}},"
              "{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":"
              "{\"tags\":\"t1\",\"rows\":2,\"added\":30}},"
              "{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":"
              "{\"tags\":\"t2\",\"rows\":2,\"added\":15}},"
              "{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":"
              "{\"tags\":\"t3\",\"rows\":2,\"added\":12}}]");
    QT_EXPECT("{\"queryType\":\"groupBy\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"dimensions\":[\"tags\"],"
              "\"limitSpec\":{\"type\":\"default\",\"limit\":2,\"columns\":[{\"dimension\":"
              "\"added\",\"direction\":\"desc\"}]},"
              "\"having\":{\"type\":\"greaterThan\",\"aggregation\":\"added\",\"value\":1},"
              "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}",
              g_ads, 2,
              "[{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":"
              "{\"tags\":\"t1\",\"added\":30}},"
              "{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":"
              "{\"tags\":\"t2\",\"added\":15}}]");
}

TEST(groupby_not_excludes_nulls)
{
    setup();
    QT_EXPECT("{\"queryType\":\"groupBy\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"dimensions\":[\"page\","
              "\"user\"],\"filter\":{\"type\":\"not\",\"field\":{\"type\":\"equals\",\"column\":"
              "\"user\",\"matchValueType\":\"STRING\",\"matchValue\":\"u1\"}},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"}]}",
              g_ads, 2,
              "[{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":"
              "{\"page\":\"A\",\"user\":\"\",\"rows\":1}},"
              "{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":"
              "{\"page\":\"B\",\"user\":\"u3\",\"rows\":1}},"
              "{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":"
              "{\"page\":\"C\",\"user\":\"u2\",\"rows\":1}}]");
}

TEST(groupby_summary_row)
{
    setup();
    QT_EXPECT("{\"queryType\":\"groupBy\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"dimensions\":[],"
              "\"filter\":{\"type\":\"null\",\"column\":\"page\"},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"},"
              "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}",
              g_ads, 2,
              "[{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":"
              "{\"rows\":0,\"added\":null}}]");
}

TEST(scan_list_and_compacted)
{
    setup();
    QT_EXPECT("{\"queryType\":\"scan\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"columns\":[\"__time\",\"page\",\"tags\",\"added\","
              "\"nope\"],\"limit\":2}",
              g_ads, 2,
              "[{\"segmentId\":\"wiki_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v1\","
              "\"columns\":[\"__time\",\"page\",\"tags\",\"added\",\"nope\"],\"events\":["
              "{\"__time\":1614834367000,\"page\":\"A\",\"tags\":[\"t1\",\"t2\"],\"added\":10,"
              "\"nope\":null},"
              "{\"__time\":1614835800000,\"page\":\"B\",\"tags\":\"t1\",\"added\":20,\"nope\":null}],"
              "\"rowSignature\":[{\"name\":\"__time\",\"type\":\"LONG\"},{\"name\":\"page\","
              "\"type\":\"STRING\"},{\"name\":\"tags\",\"type\":\"STRING\"},{\"name\":\"added\","
              "\"type\":\"LONG\"},{\"name\":\"nope\"}]}]");
    QT_EXPECT("{\"queryType\":\"scan\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-06\"],\"columns\":[\"__time\",\"delta\"],"
              "\"resultFormat\":\"compactedList\",\"order\":\"descending\",\"limit\":2,\"offset\":1}",
              g_ads, 2,
              "[{\"segmentId\":null,\"columns\":[\"__time\",\"delta\"],\"events\":["
              "[1614906000000,10.0],[1614902399000,0.0]],"
              "\"rowSignature\":[{\"name\":\"__time\",\"type\":\"LONG\"},{\"name\":\"delta\","
              "\"type\":\"DOUBLE\"}]}]");
}

TEST(time_boundary_and_datasource_metadata)
{
    setup();
    QT_EXPECT("{\"queryType\":\"timeBoundary\",\"dataSource\":\"wiki\"}", g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":{\"minTime\":"
              "\"2021-03-04T05:06:07.000Z\",\"maxTime\":\"2021-03-05T02:00:00.000Z\"}}]");
    QT_EXPECT("{\"queryType\":\"timeBoundary\",\"dataSource\":\"wiki\",\"bound\":\"maxTime\","
              "\"filter\":{\"type\":\"selector\",\"dimension\":\"page\",\"value\":\"C\"}}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T23:59:59.000Z\",\"result\":{\"maxTime\":"
              "\"2021-03-04T23:59:59.000Z\"}}]");
    QT_EXPECT("{\"queryType\":\"timeBoundary\",\"dataSource\":\"nope\"}", g_ads, 2, "[]");
    QT_EXPECT("{\"queryType\":\"dataSourceMetadata\",\"dataSource\":\"wiki\"}", g_ads, 2,
              "[{\"timestamp\":\"2021-03-05T02:00:00.000Z\",\"result\":{\"maxIngestedEventTime\":"
              "\"2021-03-05T02:00:00.000Z\"}}]");
}

TEST(realtime_index)
{
    setup();
    qt_rt rt;
    qt_rt_init(&rt);
    vrv_interval iv = vrv_interval_make(QT_DAY0 + 48 * QT_H, QT_DAY0 + 72 * QT_H);
    vrv_adapter *rta = vrv_adapter_index(rt.idx, "wiki", NULL, iv, NULL);
    vrv_adapter *ads[3] = {g_ads[0], g_ads[1], rta};
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-06/2021-03-07\"],\"granularity\":\"all\",\"aggregations\":["
              "{\"type\":\"count\",\"name\":\"stored\"},"
              "{\"type\":\"longSum\",\"name\":\"events\",\"fieldName\":\"count\"},"
              "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}",
              ads, 3,
              "[{\"timestamp\":\"2021-03-06T00:00:00.000Z\",\"result\":{\"stored\":2,\"events\":3,"
              "\"added\":8}}]");
    QT_EXPECT("{\"queryType\":\"topN\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-07\"],\"granularity\":\"all\",\"dimension\":\"page\","
              "\"threshold\":1,\"metric\":\"added\",\"aggregations\":["
              "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}",
              ads, 3,
              "[{\"timestamp\":\"2021-03-04T05:06:07.000Z\",\"result\":[{\"page\":\"A\","
              "\"added\":24}]}]");
    QT_EXPECT("{\"queryType\":\"dataSourceMetadata\",\"dataSource\":\"wiki\"}", ads, 3,
              "[{\"timestamp\":\"2021-03-06T01:00:00.000Z\",\"result\":{\"maxIngestedEventTime\":"
              "\"2021-03-06T01:00:00.000Z\"}}]");
    vrv_adapter_free(rta);
    qt_rt_free(&rt);
}

TEST(period_granularity_in_zone)
{
    setup();
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04/2021-03-05\"],\"granularity\":{\"type\":\"period\",\"period\":"
              "\"P1D\",\"timeZone\":\"America/Los_Angeles\"},"
              "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"}]}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-03T00:00:00.000-08:00\",\"result\":{\"rows\":3}},"
              "{\"timestamp\":\"2021-03-04T00:00:00.000-08:00\",\"result\":{\"rows\":1}}]");
}

TEST(partial_round_trip)
{
    setup();
    const char *text = "{\"queryType\":\"groupBy\",\"dataSource\":\"wiki\",\"intervals\":"
                       "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"dimensions\":[\"page\"],"
                       "\"aggregations\":[{\"type\":\"count\",\"name\":\"rows\"},"
                       "{\"type\":\"doubleSum\",\"name\":\"delta\",\"fieldName\":\"delta\"},"
                       "{\"type\":\"hyperUnique\",\"name\":\"users\",\"fieldName\":\"user\"}]}";
    vrv_query *q;
    vrv_query_error qe;
    CHECK_INT(vrv_query_parse(text, strlen(text), &q, &qe), 0);
    vrv_error err;
    vrv_query_partial *pa, *pb, *back;
    CHECK_INT(vrv_query_run(q, &g_ads[0], 1, &pa, &err), 0);
    CHECK_INT(vrv_query_run(q, &g_ads[1], 1, &pb, &err), 0);
    vrv_buf wire = VRV_BUF_INIT;
    vrv_query_partial_to_json(pb, &wire);
    vrv_query_partial_free(pb);
    CHECK_INT(vrv_query_partial_from_json(q, wire.data, wire.len, &back, &err), 0);
    vrv_buf_free(&wire);
    CHECK_INT(vrv_query_merge(pa, back, &err), 0);
    vrv_buf out = VRV_BUF_INIT;
    CHECK_INT(vrv_query_render(q, pa, 0, &out, &err), 0);
    char *direct = qt_run(text, g_ads, 2);
    json_t *x = json_loads(out.data, 0, NULL), *y = json_loads(direct, 0, NULL);
    char w[256] = "";
    CHECK(x && y && qt_json_eq(x, y, w, sizeof w));
    json_decref(x);
    json_decref(y);
    free(direct);
    vrv_buf_free(&out);
    vrv_query_partial_free(pa);
    vrv_query_free(q);
}

TEST(parse_errors)
{
    vrv_query *q;
    vrv_query_error qe;
    vrv_buf b = VRV_BUF_INIT;
    const char *bad = "{\"queryType\":\"timeseries\"";
    CHECK(vrv_query_parse(bad, strlen(bad), &q, &qe) < 0);
    CHECK_INT(qe.cls, VRV_QERR_JSON);
    CHECK_INT(vrv_query_error_body(&qe, NULL, &b), 400);
    CHECK(strstr(b.data, "\"error\":\"Json parse failed\"") != NULL);
    CHECK(strstr(b.data, "JsonParseException") != NULL);
    vrv_buf_reset(&b);
    const char *unk = "{\"queryType\":\"fancy\",\"dataSource\":\"x\"}";
    CHECK(vrv_query_parse(unk, strlen(unk), &q, &qe) < 0);
    CHECK_INT(qe.cls, VRV_QERR_UNKNOWN_TYPE);
    CHECK_INT(vrv_query_error_body(&qe, "h:8082", &b), 500);
    CHECK_STR(b.data, "{\"error\":\"Unknown exception\",\"errorMessage\":\"Unhandled exception "
                      "made it to the top\",\"errorClass\":\"com.fasterxml.jackson.databind.exc."
                      "InvalidTypeIdException\",\"host\":\"h:8082\"}");
    vrv_buf_reset(&b);
    const char *nods = "{\"queryType\":\"timeseries\",\"intervals\":[\"2021/2022\"],"
                       "\"granularity\":\"all\"}";
    CHECK(vrv_query_parse(nods, strlen(nods), &q, &qe) < 0);
    CHECK_INT(qe.cls, VRV_QERR_INVALID);
    vrv_query_error_body(&qe, NULL, &b);
    CHECK(strstr(b.data, "\"errorMessage\":\"Invalid native query: dataSource: required\"") != NULL);
    vrv_buf_free(&b);
    const char *scan = "{\"queryType\":\"scan\",\"dataSource\":\"x\",\"intervals\":\"2021/2022\","
                       "\"order\":\"ascending\",\"columns\":[\"a\"]}";
    CHECK(vrv_query_parse(scan, strlen(scan), &q, &qe) < 0);
    CHECK_INT(qe.cls, VRV_QERR_INVALID);
}
