/*
 * test_query_context.c — context keys that change how a query runs or what
 * it returns (bySegment, the scan ordering limits), interruption of a run by
 * its check (timeouts, cancellation), and join conditions: several keys,
 * expressions on the left side, constant conditions, the left rows outside
 * the query's intervals; over the wikipedia-edits fixtures of
 * query_test_util.h.
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

#define SEG_A "wiki_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v1"
#define SEG_B "wiki_2021-03-05T00:00:00.000Z_2021-03-06T00:00:00.000Z_v1"

/* Parses text, expecting success. */
static vrv_query *parse(const char *text)
{
    vrv_query *q = NULL;
    vrv_query_error qe;
    if (vrv_query_parse(text, strlen(text), &q, &qe))
        vrv_test_fail(__FILE__, __LINE__, "parse failed: %s", qe.err.msg);
    return q;
}

/* Parses text, expecting a 400 whose cause is msg. */
static void parse_fails(const char *text, const char *msg, int line)
{
    vrv_query *q = NULL;
    vrv_query_error qe;
    if (vrv_query_parse(text, strlen(text), &q, &qe) == 0) {
        vrv_test_fail(__FILE__, line, "parse succeeded: %s", text);
        vrv_query_free(q);
        return;
    }
    if (qe.cls != VRV_QERR_INVALID || strcmp(qe.err.msg, msg) != 0)
        vrv_test_fail(__FILE__, line, "error differs:\n  got      [%d] %s\n  expected %s", qe.cls,
                      qe.err.msg, msg);
}

TEST(by_segment_wraps_each_segment)
{
    setup();
    /* each segment's own finalized rows, stamped with the segment's start;
     * the interval is the part of the segment the query read */
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":\"wiki\",\"intervals\":"
              "[\"2021-03-04T06/2021-03-06\"],\"granularity\":\"all\",\"aggregations\":[{\"type\":"
              "\"count\",\"name\":\"n\"},{\"type\":\"floatSum\",\"name\":\"r\",\"fieldName\":"
              "\"ratio\"}],\"context\":{\"bySegment\":true}}",
              g_ads, 2,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"results\":[{\"timestamp\":"
              "\"2021-03-04T06:00:00.000Z\",\"result\":{\"n\":2,\"r\":0.70000005}}],\"segment\":\"" SEG_A
              "\",\"interval\":\"2021-03-04T06:00:00.000Z/2021-03-05T00:00:00.000Z\"}},"
              "{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":{\"results\":[{\"timestamp\":"
              "\"2021-03-05T01:00:00.000Z\",\"result\":{\"n\":2,\"r\":0.5}}],\"segment\":\"" SEG_B
              "\",\"interval\":\"2021-03-05T00:00:00.000Z/2021-03-06T00:00:00.000Z\"}}]");
    QT_EXPECT("{\"queryType\":\"groupBy\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-05/"
              "2021-03-06\"],\"granularity\":\"all\",\"dimensions\":[\"page\"],\"aggregations\":"
              "[{\"type\":\"count\",\"name\":\"n\"}],\"context\":{\"bySegment\":\"true\","
              "\"serializeDateTimeAsLong\":true}}",
              g_ads, 2,
              "[{\"timestamp\":1614902400000,\"result\":{\"results\":[{\"version\":\"v1\","
              "\"timestamp\":1614902400000,\"event\":{\"page\":\"A\",\"n\":1}},{\"version\":\"v1\","
              "\"timestamp\":1614902400000,\"event\":{\"page\":\"B\",\"n\":1}}],\"segment\":\"" SEG_B
              "\",\"interval\":\"2021-03-05T00:00:00.000Z/2021-03-06T00:00:00.000Z\"}}]");
    /* nothing served: no wrapper rows, and no synthesized empty row */
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":\"nope\",\"intervals\":[\"2021-03-04/"
              "2021-03-06\"],\"granularity\":\"all\",\"aggregations\":[{\"type\":\"count\",\"name\":"
              "\"n\"}],\"context\":{\"bySegment\":true}}",
              g_ads, 2, "[]");
}

TEST(by_segment_partials_travel_and_merge)
{
    setup();
    vrv_query *q = parse("{\"queryType\":\"topN\",\"dataSource\":\"wiki\",\"intervals\":"
                         "[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"dimension\":\"page\","
                         "\"threshold\":1,\"metric\":\"n\",\"aggregations\":[{\"type\":\"count\","
                         "\"name\":\"n\"}],\"context\":{\"bySegment\":true}}");
    if (!q) return;
    /* two servers, one segment each, their answers merged on the broker */
    vrv_query_partial *pa, *pb, *all = vrv_query_partial_new(q), *back;
    vrv_error err;
    CHECK_INT(vrv_query_run(q, &g_ads[1], 1, &pb, &err), 0);
    CHECK_INT(vrv_query_run(q, &g_ads[0], 1, &pa, &err), 0);
    vrv_buf wire = VRV_BUF_INIT;
    vrv_query_partial_to_json(pb, &wire);
    vrv_query_partial_free(pb);
    CHECK_INT(vrv_query_partial_from_json(q, wire.data, wire.len, &back, &err), 0);
    CHECK_INT(vrv_query_merge(all, back, &err), 0);
    CHECK_INT(vrv_query_merge(all, pa, &err), 0);
    vrv_buf out = VRV_BUF_INIT;
    CHECK_INT(vrv_query_render(q, all, 0, &out, &err), 0);
    CHECK_STR(out.data,
              "[{\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"result\":{\"results\":[{\"timestamp\":"
              "\"2021-03-04T05:06:07.000Z\",\"result\":[{\"page\":\"A\",\"n\":2}]}],\"segment\":\"" SEG_A
              "\",\"interval\":\"2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z\"}},"
              "{\"timestamp\":\"2021-03-05T00:00:00.000Z\",\"result\":{\"results\":[{\"timestamp\":"
              "\"2021-03-05T01:00:00.000Z\",\"result\":[{\"page\":\"A\",\"n\":1}]}],\"segment\":\"" SEG_B
              "\",\"interval\":\"2021-03-05T00:00:00.000Z/2021-03-06T00:00:00.000Z\"}}]");
    /* a malformed per-segment entry is rejected */
    vrv_query_partial *bad = NULL;
    const char *txt = "{\"queryType\":\"topN\",\"bySegment\":[{\"segment\":\"x\"}]}";
    CHECK_INT(vrv_query_partial_from_json(q, txt, strlen(txt), &bad, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "partial result: bySegment[0]: malformed");
    vrv_buf_free(&out);
    vrv_buf_free(&wire);
    vrv_query_partial_free(all);
    vrv_query_free(q);
}

TEST(scan_time_ordering_limits)
{
    setup();
    /* past maxRowsQueuedForOrdering, more segments in one time chunk than
     * maxSegmentPartitionsOrderedInMemory are refused */
    vrv_query *q = parse("{\"queryType\":\"scan\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-04/"
                         "2021-03-06\"],\"columns\":[\"__time\"],\"order\":\"descending\","
                         "\"context\":{\"maxRowsQueuedForOrdering\":2,"
                         "\"maxSegmentPartitionsOrderedInMemory\":0}}");
    if (!q) return;
    vrv_buf out = VRV_BUF_INIT;
    vrv_error err;
    CHECK_INT(vrv_query_execute(q, g_ads, 2, 0, &out, &err), VRV_ELIMIT);
    CHECK_STR(err.msg, "Time ordering is not supported for a Scan query with 1 segments per time "
                       "chunk and a row limit of 9,223,372,036,854,775,807. Try reducing your query "
                       "limit below maxRowsQueuedForOrdering (currently 2), or using compaction to "
                       "reduce the number of segments per time chunk, or raising "
                       "maxSegmentPartitionsOrderedInMemory (currently 0) above the number of "
                       "segments you have per time chunk.");
    vrv_query_free(q);
    /* within the row limit it runs */
    QT_EXPECT("{\"queryType\":\"scan\",\"dataSource\":\"wiki\",\"intervals\":[\"2021-03-04/"
              "2021-03-06\"],\"columns\":[\"__time\"],\"order\":\"descending\",\"limit\":2,"
              "\"resultFormat\":\"compactedList\",\"context\":{\"maxRowsQueuedForOrdering\":2,"
              "\"maxSegmentPartitionsOrderedInMemory\":0}}",
              g_ads, 2,
              "[{\"segmentId\":null,\"columns\":[\"__time\"],\"events\":[[1614909600000],"
              "[1614906000000]],\"rowSignature\":[{\"name\":\"__time\",\"type\":\"LONG\"}]}]");
    vrv_buf_free(&out);
}

/* ---- interruption --------------------------------------------------------------- */

typedef struct stopper {
    int calls, stop_at;
} stopper;

static int stop_after(void *ctx, vrv_error *err)
{
    stopper *s = ctx;
    if (++s->calls >= s->stop_at)
        return vrv_error_set(err, VRV_ETIMEOUT, "Query did not complete within configured timeout");
    return 0;
}

/* One segment of n rows, one per ms, with a long column x = row. */
static vrv_segment *long_segment(size_t n)
{
    static const vrv_seg_column_def cols[] = {{"x", VRV_C_LONG, NULL, true, false}};
    vrv_seg_writer *w = vrv_seg_writer_new(cols, 1, NULL);
    for (size_t r = 0; r < n; r++) {
        vrv_value v = vrv_long((int64_t)r);
        vrv_seg_writer_add(w, QT_DAY0 + (vrv_ms)r, &v);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/long.vseg", vrv_test_tmpdir());
    json_t *meta = json_pack("{s:s,s:s,s:s,s:i}", "dataSource", "big", "interval",
                             "2021-03-04/2021-03-05", "version", "v1", "partitionNum", 0);
    vrv_error err;
    CHECK_INT(vrv_seg_writer_finish(w, meta, path, NULL, &err), 0);
    json_decref(meta);
    vrv_seg_writer_free(w);
    vrv_segment *seg = NULL;
    CHECK_INT(vrv_segment_open(path, &seg, &err), 0);
    return seg;
}

TEST(a_check_interrupts_the_run)
{
    /* 40 blocks: checks before the segment and every 16 blocks within it */
    vrv_segment *seg = long_segment(40 * 8192);
    vrv_adapter *a = vrv_adapter_segment(seg, NULL);
    const char *texts[] = {
        "{\"queryType\":\"timeseries\",\"dataSource\":\"big\",\"intervals\":[\"2021/2022\"],"
        "\"granularity\":\"hour\",\"aggregations\":[{\"type\":\"longSum\",\"name\":\"x\","
        "\"fieldName\":\"x\"}]}",
        "{\"queryType\":\"scan\",\"dataSource\":\"big\",\"intervals\":[\"2021/2022\"],"
        "\"columns\":[\"x\"]}",
        "{\"queryType\":\"timeBoundary\",\"dataSource\":\"big\",\"filter\":{\"type\":\"range\","
        "\"column\":\"x\",\"matchValueType\":\"LONG\",\"lower\":200000}}",
        "{\"queryType\":\"search\",\"dataSource\":\"big\",\"intervals\":[\"2021/2022\"],"
        "\"searchDimensions\":[\"x\"],\"query\":{\"type\":\"contains\",\"value\":\"77777\"}}",
        "{\"queryType\":\"groupBy\",\"dataSource\":{\"type\":\"join\",\"left\":\"big\",\"right\":"
        "{\"type\":\"inline\",\"columnNames\":[\"k\"],\"rows\":[[\"1\"]]},\"rightPrefix\":\"j.\","
        "\"condition\":\"x == \\\"j.k\\\"\"},\"intervals\":[\"2021/2022\"],\"granularity\":\"all\","
        "\"dimensions\":[\"j.k\"],\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        vrv_query *q = parse(texts[i]);
        if (!q) continue;
        /* stopped within the segment: the second check fails */
        stopper s = {0, 2};
        vrv_query_check chk = {stop_after, &s};
        vrv_query_partial *p = NULL;
        vrv_error err;
        int rc = vrv_query_run_checked(q, &a, 1, &chk, &p, &err);
        if (rc != VRV_ETIMEOUT) vrv_test_fail(__FILE__, __LINE__, "query %zu: rc %d", i, rc);
        CHECK(p == NULL);
        CHECK_INT(s.calls, 2);
        /* a check that never fires changes nothing */
        stopper never = {0, 1 << 30};
        chk.ctx = &never;
        CHECK_INT(vrv_query_run_checked(q, &a, 1, &chk, &p, &err), 0);
        CHECK(never.calls >= 2);
        vrv_query_partial_free(p);
        vrv_query_free(q);
    }
    vrv_adapter_free(a);
    vrv_segment_close(seg);
}

/* ---- joins ------------------------------------------------------------------------ */

#define JOIN(right, cond, type)                                                                    \
    "{\"queryType\":\"groupBy\",\"dataSource\":{\"type\":\"join\",\"left\":\"wiki\",\"right\":"    \
    right ",\"rightPrefix\":\"j.\",\"condition\":" cond ",\"joinType\":\"" type "\"},"             \
    "\"intervals\":[\"2021-03-04/2021-03-06\"],\"granularity\":\"all\",\"dimensions\":[\"j.v\"],"  \
    "\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}"
#define EV(e) "{\"version\":\"v1\",\"timestamp\":\"2021-03-04T00:00:00.000Z\",\"event\":" e "}"

TEST(join_on_several_keys)
{
    setup();
    /* (page, user) against (k, u): "" is a key, null never matches */
    QT_EXPECT(JOIN("{\"type\":\"inline\",\"columnNames\":[\"k\",\"u\",\"v\"],\"rows\":[[\"A\",\"u1\","
                   "\"A-u1\"],[\"B\",\"u3\",\"B-u3\"],[\"A\",\"\",\"A-empty\"],[\"B\",null,\"B-null\"]]}",
                   "\"((page == \\\"j.k\\\") && (\\\"j.u\\\" == user))\"", "LEFT"),
              g_ads, 2,
              "[" EV("{\"j.v\":null,\"n\":2}") "," EV("{\"j.v\":\"A-empty\",\"n\":1}") "," EV(
                  "{\"j.v\":\"A-u1\",\"n\":2}") "," EV("{\"j.v\":\"B-u3\",\"n\":1}") "]");
}

TEST(join_on_a_left_expression_and_typed_keys)
{
    setup();
    /* added + 1 against a LONG key; a STRING key compares string forms, so
     * "20.0" does not match the long 20 */
    QT_EXPECT(JOIN("{\"type\":\"inline\",\"columnNames\":[\"k\",\"v\"],\"columnTypes\":[\"LONG\","
                   "\"STRING\"],\"rows\":[[11,\"eleven\"],[21,\"twentyone\"],[6,\"six\"]]}",
                   "\"added + 1 == \\\"j.k\\\"\"", "INNER"),
              g_ads, 2,
              "[" EV("{\"j.v\":\"eleven\",\"n\":1}") "," EV("{\"j.v\":\"six\",\"n\":1}") "," EV(
                  "{\"j.v\":\"twentyone\",\"n\":1}") "]");
    QT_EXPECT(JOIN("{\"type\":\"inline\",\"columnNames\":[\"k\",\"v\"],\"rows\":[[\"10\",\"ten\"],"
                   "[\"20.0\",\"twenty\"]]}",
                   "\"added == \\\"j.k\\\"\"", "INNER"),
              g_ads, 2, "[" EV("{\"j.v\":\"ten\",\"n\":1}") "]");
}

TEST(join_constant_conditions)
{
    setup();
    /* true: every left row with every right row; false: nothing matches */
    QT_EXPECT(JOIN("{\"type\":\"inline\",\"columnNames\":[\"v\"],\"rows\":[[\"a\"],[\"b\"]]}", "\"1\"",
                   "INNER"),
              g_ads, 2, "[" EV("{\"j.v\":\"a\",\"n\":6}") "," EV("{\"j.v\":\"b\",\"n\":6}") "]");
    QT_EXPECT(JOIN("{\"type\":\"inline\",\"columnNames\":[\"v\"],\"rows\":[[\"a\"],[\"b\"]]}", "\"0\"",
                   "LEFT"),
              g_ads, 2, "[" EV("{\"j.v\":null,\"n\":6}") "]");
    QT_EXPECT(JOIN("{\"type\":\"inline\",\"columnNames\":[\"v\"],\"rows\":[[\"a\"],[\"b\"]]}", "\"0\"",
                   "INNER"),
              g_ads, 2, "[]");
}

TEST(join_conditions_rejected)
{
    parse_fails(JOIN("{\"type\":\"inline\",\"columnNames\":[\"v\"],\"rows\":[]}",
                     "\"page != \\\"j.v\\\"\"", "INNER"),
                "dataSource.condition: [page != \"j.v\"] must be an equality of a left expression "
                "and a column with prefix [j.]",
                __LINE__);
    parse_fails(JOIN("{\"type\":\"inline\",\"columnNames\":[\"v\"],\"rows\":[]}",
                     "\"\\\"j.v\\\" == \\\"j.v\\\"\"", "INNER"),
                "dataSource.condition: [\"j.v\" == \"j.v\"] must be an equality of a left "
                "expression and a column with prefix [j.]",
                __LINE__);
    parse_fails(JOIN("{\"type\":\"inline\",\"columnNames\":[\"v\"],\"rows\":[]}",
                     "\"lower(\\\"j.v\\\") == page\"", "INNER"),
                "dataSource.condition: [lower(\"j.v\") == page] must be an equality of a left "
                "expression and a column with prefix [j.]",
                __LINE__);
    parse_fails(JOIN("{\"type\":\"inline\",\"columnNames\":[\"v\"],\"rows\":[]}",
                     "\"page == \\\"j.v\\\" && \"", "INNER"),
                "dataSource.condition: expression 'page == \"j.v\" && ': unexpected end at 17",
                __LINE__);
}

TEST(join_left_rows_outside_the_intervals_are_left_out)
{
    setup();
    /* the second day only: the left rows of the first day do not join */
    QT_EXPECT("{\"queryType\":\"timeseries\",\"dataSource\":{\"type\":\"join\",\"left\":\"wiki\","
              "\"right\":{\"type\":\"inline\",\"columnNames\":[\"k\"],\"rows\":[[\"A\"],[\"B\"]]},"
              "\"rightPrefix\":\"j.\",\"condition\":\"page == \\\"j.k\\\"\",\"joinType\":\"LEFT\"},"
              "\"intervals\":[\"2021-03-05/2021-03-06\"],\"granularity\":\"all\",\"aggregations\":"
              "[{\"type\":\"count\",\"name\":\"n\"},{\"type\":\"stringFirst\",\"name\":\"f\","
              "\"fieldName\":\"j.k\"}]}",
              g_ads, 2, "[{\"timestamp\":\"2021-03-05T01:00:00.000Z\",\"result\":{\"n\":2,\"f\":\"A\"}}]");
}
