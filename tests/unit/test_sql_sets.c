/*
 * test_sql_sets.c — GROUP BY GROUPING SETS, ROLLUP and CUBE with GROUPING(),
 * the DataSketches aggregate and scalar functions, and the aggregates Druid
 * plans onto the `expression` aggregator (STRING_AGG, LISTAGG, ARRAY_AGG,
 * BIT_AND/OR/XOR): exact results over the wiki table, the native queries of
 * EXPLAIN PLAN FOR, and the errors of misuse with their positions.
 */
#include "sql_test_util.h"

#define ETERNITY                                                                                   \
    "{\"type\":\"intervals\",\"intervals\":[\"-146136543-09-08T08:23:32.096Z/"                     \
    "146140482-04-24T15:36:27.903Z\"]}"
#define WIKI "{\"type\":\"table\",\"name\":\"wiki\"}"

/* The query of the PLAN column of EXPLAIN PLAN FOR sql, compared as JSON
 * with expected (integers and doubles kept apart, key order free). */
static void expect_query(st_env *e, const char *sql, const char *expected, int line)
{
    char stmt[4096];
    snprintf(stmt, sizeof stmt, "EXPLAIN PLAN FOR %s", sql);
    char *r = st_query(e, stmt, "{\"sqlQueryId\":\"q\"}", VRV_SQL_FORMAT_ARRAY, 0);
    json_t *res = json_loads(r, 0, NULL);
    const char *plan = json_string_value(json_array_get(json_array_get(res, 0), 0));
    json_t *got = plan ? json_loads(plan, 0, NULL) : NULL;
    json_t *q = got ? json_object_get(json_array_get(got, 0), "query") : NULL;
    json_t *want = json_loads(expected, 0, NULL);
    if (!want)
        vrv_test_fail(__FILE__, line, "bad expected JSON for %s", sql);
    else if (!q || !json_equal(q, want)) {
        char *s = q ? json_dumps(q, JSON_COMPACT) : NULL;
        vrv_test_fail(__FILE__, line, "%s\n  got      %s\n  expected %s", sql, s ? s : r, expected);
        free(s);
    }
    json_decref(got);
    json_decref(want);
    json_decref(res);
    free(r);
}
#define EXPECT_QUERY(e, sql, expected) expect_query((e), (sql), (expected), __LINE__)

/* The body of sql with the names and both type headers (array format). */
static inline void expect_typed(st_env *e, const char *sql, const char *expected, int line)
{
    char *got = st_query(e, sql, NULL, VRV_SQL_FORMAT_ARRAY,
                         VRV_SQL_HEADER | VRV_SQL_TYPES_HEADER | VRV_SQL_SQL_TYPES_HEADER);
    if (strcmp(got, expected) != 0)
        vrv_test_fail(__FILE__, line, "%s\n  got      %s  expected %s", sql, got, expected);
    free(got);
}
#define EXPECT_TYPED(e, sql, expected) expect_typed((e), (sql), (expected), __LINE__)

/* ---- grouping sets ---------------------------------------------------------------------- */

TEST(rollup_cube_grouping_sets)
{
    st_env e;
    st_init(&e);
    /* ROLLUP: (channel, page), (channel), (); GROUPING's first argument is
     * the high bit, set where the set leaves the key out */
    ST_EXPECT(&e,
              "SELECT channel, page, COUNT(*), GROUPING(channel, page) FROM wiki GROUP BY ROLLUP "
              "(channel, page)",
              "[[\"#de\",\"Durian\",1,0],[\"#en\",\"Apple\",2,0],[\"#en\",\"Banana\",2,0],[\"#fr\","
              "\"Apple\",1,0],"
              "[\"#fr\",\"Cherry\",1,0],[\"#de\",null,1,1],[\"#en\",null,4,1],[\"#fr\",null,2,1],["
              "null,null,7,3]]\n");
    ST_EXPECT(
        &e,
        "SELECT channel, page, COUNT(*), GROUPING(page, channel) FROM wiki GROUP BY CUBE (channel, "
        "page)",
        "[[\"#de\",\"Durian\",1,0],[\"#en\",\"Apple\",2,0],[\"#en\",\"Banana\",2,0],[\"#fr\","
        "\"Apple\",1,0],"
        "[\"#fr\",\"Cherry\",1,0],[\"#de\",null,1,2],[\"#en\",null,4,2],[\"#fr\",null,2,2],[null,"
        "\"Apple\",3,1],"
        "[null,\"Banana\",2,1],[null,\"Cherry\",1,1],[null,\"Durian\",1,1],[null,null,7,3]]\n");
    /* sets are ordered as Calcite orders them: by the keys' first appearance */
    ST_EXPECT(
        &e,
        "SELECT channel, page, SUM(added) FROM wiki GROUP BY GROUPING SETS ((page), (channel), ())",
        "[[null,\"Apple\",17],[null,\"Banana\",50],[null,\"Cherry\",5],[null,\"Durian\",1],[\"#"
        "de\",null,1],"
        "[\"#en\",null,67],[\"#fr\",null,5],[null,null,73]]\n");
    ST_EXPECT(
        &e, "SELECT channel, COUNT(*) FROM wiki GROUP BY GROUPING SETS (channel, ROLLUP (page))",
        "[[\"#de\",1],[\"#en\",4],[\"#fr\",2],[null,3],[null,2],[null,1],[null,1],[null,7]]\n");
    /* a plain key crossed with a ROLLUP */
    ST_EXPECT(&e,
              "SELECT channel, page, COUNT(*) FROM wiki WHERE channel <> '#en' GROUP BY channel, "
              "ROLLUP (page)",
              "[[\"#de\",\"Durian\",1],[\"#fr\",\"Apple\",1],[\"#fr\",\"Cherry\",1],[\"#de\",null,"
              "1],[\"#fr\",null,2]]\n");
    ST_EXPECT(&e,
              "SELECT FLOOR(__time TO DAY) AS d, channel, SUM(added) FROM wiki GROUP BY GROUPING "
              "SETS ((1, 2), (1))",
              "[[\"2021-03-04T00:00:00.000Z\",\"#en\",30],[\"2021-03-04T00:00:00.000Z\",\"#fr\",5],"
              "[\"2021-03-05T00:00:00.000Z\",\"#de\",1],[\"2021-03-05T00:00:00.000Z\",\"#en\",37],"
              "[\"2021-03-04T00:00:00.000Z\",null,35],[\"2021-03-05T00:00:00.000Z\",null,38]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki GROUP BY GROUPING SETS (())", "[[7]]\n");
    /* HAVING, ORDER BY and LIMIT apply within each set, as groupBy's subtotals do */
    ST_EXPECT(
        &e, "SELECT channel, COUNT(*) AS c FROM wiki GROUP BY ROLLUP (channel) HAVING COUNT(*) > 1",
        "[[\"#en\",4],[\"#fr\",2],[null,7]]\n");
    ST_EXPECT(&e,
              "SELECT channel, COUNT(*) AS c FROM wiki GROUP BY ROLLUP (channel) ORDER BY c DESC",
              "[[\"#en\",4],[\"#fr\",2],[\"#de\",1],[null,7]]\n");
    ST_EXPECT(&e,
              "SELECT c, n FROM (SELECT channel AS c, COUNT(*) AS n FROM wiki GROUP BY ROLLUP "
              "(channel)) WHERE n > 1",
              "[[\"#en\",4],[\"#fr\",2],[null,7]]\n");
    /* GROUPING over a plain GROUP BY is 0 */
    ST_EXPECT(&e, "SELECT channel, COUNT(*), GROUPING(channel) FROM wiki GROUP BY channel",
              "[[\"#de\",1,0],[\"#en\",4,0],[\"#fr\",2,0]]\n");
    st_free(&e);
}

TEST(grouping_sets_plan)
{
    st_env e;
    st_init(&e);
    EXPECT_QUERY(&e,
                 "SELECT channel, page, SUM(added), GROUPING(page) FROM wiki GROUP BY GROUPING "
                 "SETS ((page), (channel), ())",
                 "{\"queryType\":\"groupBy\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
                 ",\"granularity\":{\"type\":\"all\"},"
                 "\"dimensions\":[{\"type\":\"default\",\"dimension\":\"page\",\"outputName\":"
                 "\"d0\",\"outputType\":\"STRING\"},"
                 "{\"type\":\"default\",\"dimension\":\"channel\",\"outputName\":\"d1\","
                 "\"outputType\":\"STRING\"}],"
                 "\"aggregations\":[{\"type\":\"longSum\",\"name\":\"a0\",\"fieldName\":\"added\"},"
                 "{\"type\":\"grouping\",\"name\":\"a1\",\"groupings\":[\"d0\"]}],"
                 "\"subtotalsSpec\":[[\"d0\"],[\"d1\"],[]],\"context\":{\"sqlQueryId\":\"q\"}}");
    /* one key and an ORDER BY + LIMIT would be a topN without the sets */
    EXPECT_QUERY(
        &e, "SELECT channel, COUNT(*) FROM wiki GROUP BY ROLLUP (channel) ORDER BY 2 DESC LIMIT 2",
        "{\"queryType\":\"groupBy\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
        ",\"granularity\":{\"type\":\"all\"},"
        "\"dimensions\":[{\"type\":\"default\",\"dimension\":\"channel\",\"outputName\":\"d0\","
        "\"outputType\":\"STRING\"}],"
        "\"aggregations\":[{\"type\":\"count\",\"name\":\"a0\"}],\"subtotalsSpec\":[[\"d0\"],[]],"
        "\"limitSpec\":{\"type\":\"default\",\"columns\":[{\"dimension\":\"a0\",\"direction\":"
        "\"descending\","
        "\"dimensionOrder\":{\"type\":\"numeric\"}}],\"limit\":2},\"context\":{\"sqlQueryId\":"
        "\"q\"}}");
    /* the one set of every key is a plain GROUP BY */
    EXPECT_QUERY(&e,
                 "SELECT channel, COUNT(*) FROM wiki GROUP BY GROUPING SETS ((channel)) ORDER BY 2 "
                 "DESC LIMIT 2",
                 "{\"queryType\":\"topN\",\"dataSource\":" WIKI
                 ",\"dimension\":{\"type\":\"default\",\"dimension\":\"channel\","
                 "\"outputName\":\"d0\",\"outputType\":\"STRING\"},\"metric\":{\"type\":"
                 "\"numeric\",\"metric\":\"a0\"},"
                 "\"threshold\":2,\"intervals\":" ETERNITY ",\"granularity\":{\"type\":\"all\"},"
                 "\"aggregations\":[{\"type\":\"count\",\"name\":\"a0\"}],\"context\":{"
                 "\"sqlQueryId\":\"q\"}}");
    st_free(&e);
}

TEST(grouping_sets_errors)
{
    st_env e;
    st_init(&e);
    ST_EXPECT(&e, "SELECT channel, COUNT(*), GROUPING(page) FROM wiki GROUP BY channel",
              "ERROR 2: Argument to GROUPING operator must be a grouped expression (line [1], "
              "column [36])");
    ST_EXPECT(&e, "SELECT GROUPING(channel) FROM wiki",
              "ERROR 2: Argument to GROUPING operator must be a grouped expression (line [1], "
              "column [17])");
    ST_EXPECT(&e, "SELECT channel, COUNT(*) FROM wiki GROUP BY ROLLUP (channel",
              "ERROR 1: Received an unexpected token [<EOF>] (line [1], column [60]), acceptable "
              "options: [\"*\", \"/\", "
              "\"%\", \"||\", \"+\", \"-\", \"=\", \"<>\", \"!=\", \"<=\", \">=\", \"<\", \">\", "
              "\"IS\", \"NOT\", \"BETWEEN\", "
              "\"IN\", \"LIKE\", \"SIMILAR\", \"AND\", \"OR\", \",\", \")\"]");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki GROUP BY GROUPING (channel)",
              "ERROR 1: Received an unexpected token [(] (line [1], column [45]), acceptable "
              "options: [\"SETS\"]");
    ST_EXPECT(&e, "SELECT channel, COUNT(DISTINCT page) FROM wiki GROUP BY ROLLUP (channel)",
              "[[\"#de\",1],[\"#en\",2],[\"#fr\",2],[null,4]]\n");
    st_free(&e);
}

/* ---- sketches -----------------------------------------------------------------------------------
 */

#include "agg/agg.h"

/* The serialized sketch of spec (JSON) over vals, as a complex bytes value
 * in arena. */
static vrv_value sketch_of(const char *spec, const vrv_value *vals, size_t n, vrv_arena *arena)
{
    json_t *j = json_loads(spec, 0, NULL);
    vrv_agg_spec *s = NULL;
    vrv_error err;
    CHECK(vrv_agg_parse(j, "spec", VRV_AGG_CTX_QUERY, &s, &err) == 0);
    json_decref(j);
    void *st = vrv_malloc(vrv_agg_state_size(s) + 16);
    vrv_agg_init(s, st);
    for (size_t i = 0; i < n; i++) vrv_agg_add(s, st, &vals[i], 0);
    vrv_value live = vrv_agg_get(s, st);
    vrv_value out = vrv_agg_complex_to_bytes(&live, arena);
    vrv_agg_destroy(s, st);
    free(st);
    vrv_agg_spec_free(s);
    return out;
}

/* sk: three rows of stored sketches, as thetaSketch, HLLSketchBuild and
 * quantilesDoublesSketch metrics store them:
 *   2021-03-04T00  #en  theta/hll {a, b}     qs {1, 2}
 *   2021-03-04T01  #en  theta/hll {b, c}     qs {3}
 *   2021-03-04T02  #fr  theta/hll {c, d, e}  qs {4, 5} */
static vrv_adapter *st_sketches(void)
{
    const char *names[] = {"channel", "theta", "hll", "qs"};
    vrv_ctype types[] = {VRV_C_STRING, VRV_C_COMPLEX, VRV_C_COMPLEX, VRV_C_COMPLEX};
    vrv_table_builder *b = vrv_table_builder_new(names, types, 4);
    const char *chan[] = {"#en", "#en", "#fr"};
    vrv_value items[3][3] = {{SV("a"), SV("b")}, {SV("b"), SV("c")}, {SV("c"), SV("d"), SV("e")}};
    size_t nitems[] = {2, 2, 3};
    vrv_value nums[3][2] = {
        {vrv_double(1), vrv_double(2)}, {vrv_double(3)}, {vrv_double(4), vrv_double(5)}};
    size_t nnums[] = {2, 1, 2};
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    for (size_t r = 0; r < 3; r++) {
        vrv_value v[4];
        v[0] = SV(chan[r]);
        v[1] = sketch_of("{\"type\":\"thetaSketch\",\"name\":\"x\",\"fieldName\":\"x\"}", items[r],
                         nitems[r], &ar);
        v[2] = sketch_of("{\"type\":\"HLLSketchBuild\",\"name\":\"x\",\"fieldName\":\"x\"}",
                         items[r], nitems[r], &ar);
        v[3] = sketch_of("{\"type\":\"quantilesDoublesSketch\",\"name\":\"x\",\"fieldName\":\"x\"}",
                         nums[r], nnums[r], &ar);
        vrv_table_builder_add(b, ST_DAY0 + (vrv_ms)r * ST_H, v);
    }
    vrv_interval iv = vrv_interval_make(ST_DAY0, ST_DAY0 + 24 * ST_H);
    vrv_adapter *a = vrv_table_builder_finish(b, "sk", "sk_2021-03-04", &iv);
    vrv_arena_destroy(&ar);
    return a;
}

TEST(sketch_functions)
{
    st_env e;
    st_init(&e);
    /* four pages, six non-null added values 1 5 7 10 20 30: estimates are
     * exact at this size, quantiles are the sketch's inclusive ones */
    ST_EXPECT(&e,
              "SELECT HLL_SKETCH_ESTIMATE(DS_HLL(page)), THETA_SKETCH_ESTIMATE(DS_THETA(page)), "
              "DS_GET_QUANTILE(DS_QUANTILES_SKETCH(added), 0.5) FROM wiki",
              "[[4.0,4.0,7.0]]\n");
    ST_EXPECT(&e,
              "SELECT channel, HLL_SKETCH_ESTIMATE(DS_HLL(page), TRUE), "
              "HLL_SKETCH_ESTIMATE_WITH_ERROR_BOUNDS(DS_HLL(page)) "
              "FROM wiki GROUP BY channel",
              "[[\"#de\",1.0,\"[1.0,1.0,1.0]\"],[\"#en\",2.0,\"[2.0,2.0,2.0]\"],[\"#fr\",2.0,\"[2."
              "0,2.0,2.0]\"]]\n");
    ST_EXPECT(&e, "SELECT HLL_SKETCH_TO_STRING(DS_HLL(page)) FROM wiki WHERE channel = '#de'",
              "[[\"### HLL SKETCH SUMMARY: \\n  Log Config K   : 12\\n  Hll Target     : HLL_4\\n  "
              "Current Mode   : LIST\\n"
              "  LB             : 1.0\\n  Estimate       : 1.0\\n  UB             : 1.0\\n  Coupon "
              "Count   : 1\\n\"]]\n");
    /* #en pages {Apple, Banana}, #fr {Apple, Cherry} */
    ST_EXPECT(&e,
              "SELECT THETA_SKETCH_ESTIMATE(THETA_SKETCH_UNION(DS_THETA(page) FILTER (WHERE "
              "channel = '#en'), "
              "DS_THETA(page) FILTER (WHERE channel = '#fr'))), "
              "THETA_SKETCH_ESTIMATE(THETA_SKETCH_INTERSECT(DS_THETA(page) FILTER (WHERE channel = "
              "'#en'), "
              "DS_THETA(page) FILTER (WHERE channel = '#fr'))), "
              "THETA_SKETCH_ESTIMATE(THETA_SKETCH_NOT(1024, DS_THETA(page) FILTER (WHERE channel = "
              "'#en'), "
              "DS_THETA(page) FILTER (WHERE channel = '#fr'))) FROM wiki",
              "[[3.0,1.0,1.0]]\n");
    ST_EXPECT(&e,
              "SELECT THETA_SKETCH_ESTIMATE_WITH_ERROR_BOUNDS(DS_THETA(page), 2), "
              "HLL_SKETCH_ESTIMATE(HLL_SKETCH_UNION(DS_HLL(page), DS_HLL(channel))) FROM wiki",
              "[[{\"estimate\":4.0,\"highBound\":4.0,\"lowBound\":4.0,\"numStdDev\":2},7.0]]\n");
    ST_EXPECT(&e,
              "SELECT DS_GET_QUANTILES(DS_QUANTILES_SKETCH(added), 0, 0.5, 1), "
              "DS_HISTOGRAM(DS_QUANTILES_SKETCH(added), 5, 15), "
              "DS_CDF(DS_QUANTILES_SKETCH(added), 5, 15), DS_RANK(DS_QUANTILES_SKETCH(added), 10) "
              "FROM wiki",
              "[[\"[1.0,7.0,30.0]\",\"[2.0,2.0,2.0]\",\"[0.3333333333333333,0.6666666666666666,1.0]"
              "\",0.6666666666666666]]\n");
    char *r = st_query(&e, "SELECT DS_GET_QUANTILES(DS_QUANTILES_SKETCH(added), 0.5, 1) FROM wiki",
                       "{\"sqlStringifyArrays\":false}", VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(r, "[[[7.0,30.0]]]\n");
    free(r);
    ST_EXPECT(&e,
              "SELECT DS_QUANTILE_SUMMARY(DS_QUANTILES_SKETCH(added)) FROM wiki WHERE added < 6",
              "[[\"\\n### Quantiles HeapUpdateDoublesSketch SUMMARY: \\n   Empty                   "
              "     : false\\n"
              "   Estimation Mode              : false\\n   K                            : 128\\n"
              "   N                            : 2\\n   Levels (Total, Valid)        : 0, 0\\n"
              "   BaseBuffer Count             : 2\\n   Retained Items               : 2\\n"
              "   Min Item                     : 1.0\\n   Max Item                     : 5.0\\n### "
              "END SKETCH SUMMARY\\n\"]]\n");
    /* a sketch function inside an expression, in HAVING and ORDER BY */
    ST_EXPECT(&e,
              "SELECT channel, THETA_SKETCH_ESTIMATE(DS_THETA(page)) * 10 AS x FROM wiki GROUP BY "
              "channel "
              "HAVING THETA_SKETCH_ESTIMATE(DS_THETA(page)) > 1 ORDER BY x DESC, channel",
              "[[\"#en\",20.0],[\"#fr\",20.0]]\n");
    st_free(&e);
}

TEST(sketch_columns)
{
    st_env e;
    st_init(&e);
    e.ads[e.n++] = st_sketches();
    ST_EXPECT(
        &e,
        "SELECT channel, THETA_SKETCH_ESTIMATE(DS_THETA(theta)), HLL_SKETCH_ESTIMATE(DS_HLL(hll)), "
        "DS_GET_QUANTILE(DS_QUANTILES_SKETCH(qs), 0.5), APPROX_COUNT_DISTINCT_DS_THETA(theta), "
        "APPROX_COUNT_DISTINCT_DS_HLL(hll), APPROX_QUANTILE_DS(qs, 0.5) FROM sk GROUP BY ROLLUP "
        "(channel)",
        "[[\"#en\",3.0,3.0,2.0,3,3,2.0],[\"#fr\",3.0,3.0,4.0,3,3,4.0],[null,5.0,5.0,3.0,5,5,3.0]]"
        "\n");
    ST_EXPECT(&e,
              "SELECT DS_RANK(DS_QUANTILES_SKETCH(qs), 3), DS_CDF(DS_QUANTILES_SKETCH(qs), 2.5), "
              "DS_HISTOGRAM(DS_QUANTILES_SKETCH(qs), 2.5) FROM sk",
              "[[0.6,\"[0.4,1.0]\",\"[2.0,3.0]\"]]\n");
    ST_EXPECT(&e,
              "SELECT channel, THETA_SKETCH_ESTIMATE(THETA_SKETCH_INTERSECT(DS_THETA(theta), "
              "DS_THETA(theta) FILTER (WHERE channel = '#en'))) FROM sk GROUP BY channel",
              "[[\"#en\",3.0],[\"#fr\",0.0]]\n");
    st_free(&e);
}

/* A sketch returned as a column is the base64 of its serialized form, typed
 * COMPLEX<...> / OTHER. */
TEST(sketch_values)
{
    st_env e;
    st_init(&e);
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    vrv_value pages[] = {SV("Apple"), SV("Banana"), SV("Cherry"), SV("Durian")};
    vrv_value added[] = {vrv_long(10), vrv_long(20), vrv_long(5),
                         vrv_long(7),  vrv_long(1),  vrv_long(30)};
    vrv_value th =
        sketch_of("{\"type\":\"thetaSketch\",\"name\":\"x\",\"fieldName\":\"x\"}", pages, 4, &ar);
    vrv_value hl = sketch_of("{\"type\":\"HLLSketchBuild\",\"name\":\"x\",\"fieldName\":\"x\"}",
                             pages, 4, &ar);
    vrv_value qs = sketch_of(
        "{\"type\":\"quantilesDoublesSketch\",\"name\":\"x\",\"fieldName\":\"x\"}", added, 6, &ar);
    char want[4096];
    snprintf(want, sizeof want,
             "[[\"EXPR$0\",\"EXPR$1\",\"EXPR$2\"],[\"COMPLEX<HLLSketch>\",\"COMPLEX<thetaSketch>\","
             "\"COMPLEX<quantilesDoublesSketch>\"],"
             "[\"OTHER\",\"OTHER\",\"OTHER\"],[\"%s\",\"%s\",\"%s\"]]\n",
             vrv_agg_base64(&ar, hl.u.ptr, hl.len, NULL),
             vrv_agg_base64(&ar, th.u.ptr, th.len, NULL),
             vrv_agg_base64(&ar, qs.u.ptr, qs.len, NULL));
    EXPECT_TYPED(&e, "SELECT DS_HLL(page), DS_THETA(page), DS_QUANTILES_SKETCH(added) FROM wiki",
                 want);
    vrv_arena_destroy(&ar);
    st_free(&e);
}

TEST(sketch_plans)
{
    st_env e;
    st_init(&e);
    e.ads[e.n++] = st_sketches();
    EXPECT_QUERY(
        &e,
        "SELECT DS_HLL(hll), DS_THETA(channel, 1024), DS_QUANTILES_SKETCH(qs, 64), "
        "HLL_SKETCH_ESTIMATE(HLL_SKETCH_UNION(10, 'HLL_8', DS_HLL(hll), DS_HLL(channel))), "
        "DS_GET_QUANTILES(DS_QUANTILES_SKETCH(qs, 64), 0.25, 0.75) FROM sk",
        "{\"queryType\":\"timeseries\",\"dataSource\":{\"type\":\"table\",\"name\":\"sk\"},"
        "\"intervals\":" ETERNITY ","
        "\"granularity\":{\"type\":\"all\"},\"aggregations\":["
        "{\"type\":\"HLLSketchMerge\",\"name\":\"a0\",\"fieldName\":\"hll\",\"lgK\":12,"
        "\"tgtHllType\":\"HLL_4\","
        "\"shouldFinalize\":false,\"round\":false},"
        "{\"type\":\"thetaSketch\",\"name\":\"a1\",\"fieldName\":\"channel\",\"size\":1024,"
        "\"shouldFinalize\":false,"
        "\"isInputThetaSketch\":false},"
        "{\"type\":\"quantilesDoublesSketch\",\"name\":\"a2:agg\",\"fieldName\":\"qs\",\"k\":64,"
        "\"shouldFinalize\":false},"
        "{\"type\":\"HLLSketchBuild\",\"name\":\"a3\",\"fieldName\":\"channel\",\"lgK\":12,"
        "\"tgtHllType\":\"HLL_4\","
        "\"shouldFinalize\":false,\"round\":false}],"
        "\"postAggregations\":[{\"type\":\"HLLSketchEstimate\",\"name\":\"p3\",\"field\":{\"type\":"
        "\"HLLSketchUnion\","
        "\"name\":\"p2\",\"fields\":[{\"type\":\"fieldAccess\",\"name\":\"p0\",\"fieldName\":"
        "\"a0\"},"
        "{\"type\":\"fieldAccess\",\"name\":\"p1\",\"fieldName\":\"a3\"}],\"lgK\":10,"
        "\"tgtHllType\":\"HLL_8\"},\"round\":false},"
        "{\"type\":\"quantilesDoublesSketchToQuantiles\",\"name\":\"p5\",\"field\":{\"type\":"
        "\"fieldAccess\",\"name\":\"p4\","
        "\"fieldName\":\"a2:agg\"},\"fractions\":[0.25,0.75]}],\"context\":{\"sqlQueryId\":\"q\"}"
        "}");
    EXPECT_QUERY(
        &e,
        "SELECT channel, THETA_SKETCH_ESTIMATE(DS_THETA(theta)) + 1 AS x FROM sk GROUP BY channel "
        "HAVING THETA_SKETCH_ESTIMATE(DS_THETA(theta)) > 2 ORDER BY x",
        "{\"queryType\":\"groupBy\",\"dataSource\":{\"type\":\"table\",\"name\":\"sk\"},"
        "\"intervals\":" ETERNITY ","
        "\"granularity\":{\"type\":\"all\"},\"dimensions\":[{\"type\":\"default\",\"dimension\":"
        "\"channel\","
        "\"outputName\":\"d0\",\"outputType\":\"STRING\"}],\"aggregations\":[{\"type\":"
        "\"thetaSketch\",\"name\":\"a0\","
        "\"fieldName\":\"theta\",\"size\":16384,\"shouldFinalize\":false,\"isInputThetaSketch\":"
        "true}],"
        "\"postAggregations\":[{\"type\":\"thetaSketchEstimate\",\"name\":\"p1\",\"field\":{"
        "\"type\":\"fieldAccess\","
        "\"name\":\"p0\",\"fieldName\":\"a0\"}},{\"type\":\"expression\",\"name\":\"p2\","
        "\"expression\":\"(\\\"p1\\\" + 1)\","
        "\"outputType\":\"DOUBLE\"}],\"having\":{\"type\":\"filter\",\"filter\":{\"type\":"
        "\"expression\","
        "\"expression\":\"(\\\"p1\\\" > "
        "2)\"},\"finalize\":true},\"limitSpec\":{\"type\":\"default\",\"columns\":["
        "{\"dimension\":\"p2\",\"direction\":\"ascending\",\"dimensionOrder\":{\"type\":"
        "\"numeric\"}}]},"
        "\"context\":{\"sqlQueryId\":\"q\"}}");
    st_free(&e);
}

TEST(sketch_errors)
{
    st_env e;
    st_init(&e);
    e.ads[e.n++] = st_sketches();
    ST_EXPECT(&e, "SELECT HLL_SKETCH_ESTIMATE(DS_THETA(theta)) FROM sk",
              "ERROR 2: Cannot apply 'HLL_SKETCH_ESTIMATE' to arguments of type "
              "'HLL_SKETCH_ESTIMATE(<COMPLEX<thetaSketch>>)'. Supported form(s): "
              "'HLL_SKETCH_ESTIMATE(<COMPLEX<HLLSketch>>, <BOOLEAN>)' (line [1], column [8])");
    ST_EXPECT(&e, "SELECT THETA_SKETCH_ESTIMATE(channel) FROM sk",
              "ERROR 2: Cannot apply 'THETA_SKETCH_ESTIMATE' to arguments of type "
              "'THETA_SKETCH_ESTIMATE(<VARCHAR>)'. Supported form(s): "
              "'THETA_SKETCH_ESTIMATE(<COMPLEX<thetaSketch>>)' "
              "(line [1], column [8])");
    ST_EXPECT(&e, "SELECT HLL_SKETCH_ESTIMATE(hll) FROM sk",
              "ERROR 3: Query could not be planned. A possible reason is [HLL_SKETCH_ESTIMATE "
              "reads sketches built by "
              "an aggregation (DS_HLL, DS_THETA, DS_QUANTILES_SKETCH or a sketch function over "
              "them), not a column]");
    ST_EXPECT(&e, "SELECT DS_GET_QUANTILE(DS_QUANTILES_SKETCH(qs)) FROM sk",
              "ERROR 2: Invalid number of arguments to function 'DS_GET_QUANTILE'. Was expecting 2 "
              "arguments "
              "(line [1], column [8])");
    ST_EXPECT(&e,
              "SELECT DS_GET_QUANTILE(DS_QUANTILES_SKETCH(qs), channel) FROM sk GROUP BY channel",
              "ERROR 2: Argument 2 of 'DS_GET_QUANTILE' must be a literal number (line [1], column "
              "[49])");
    ST_EXPECT(&e, "SELECT DS_HLL(channel, 'x') FROM sk",
              "ERROR 2: Argument 2 of 'DS_HLL' must be a literal integer (line [1], column [24])");
    ST_EXPECT(&e, "SELECT DS_THETA(channel, 10, 20) FROM sk",
              "ERROR 2: Invalid number of arguments to function 'DS_THETA'. Was expecting between "
              "1 and 2 arguments "
              "(line [1], column [8])");
    ST_EXPECT(&e, "SELECT HLL_SKETCH_UNION(1, 2, 3, DS_HLL(channel)) FROM sk",
              "ERROR 2: Cannot apply 'HLL_SKETCH_UNION' to arguments of type "
              "'HLL_SKETCH_UNION(<INTEGER>, <INTEGER>, "
              "<INTEGER>, <COMPLEX<HLLSketch>>)'. Supported form(s): "
              "'HLL_SKETCH_UNION(<COMPLEX<HLLSketch>>, ...)' "
              "(line [1], column [8])");
    st_free(&e);
}

/* ---- aggregates on the expression aggregator ----------------------------------------------- */

TEST(string_array_bit_aggregates)
{
    st_env e;
    st_init(&e);
    /* rows fold in time order; DISTINCT keeps a sorted set, as array_set_add does */
    ST_EXPECT(&e,
              "SELECT STRING_AGG(page, ','), STRING_AGG(DISTINCT page, '|'), LISTAGG(DISTINCT "
              "channel) FROM wiki",
              "[[\"Apple,Banana,Apple,Cherry,Apple,Durian,Banana\",\"Apple|Banana|Cherry|Durian\","
              "\"#de,#en,#fr\"]]\n");
    /* ARRAY_AGG keeps nulls; arrays are JSON text unless sqlStringifyArrays is false */
    ST_EXPECT(&e, "SELECT ARRAY_AGG(added), ARRAY_AGG(DISTINCT added) FROM wiki",
              "[[\"[10,20,null,5,7,1,30]\",\"[null,1,5,7,10,20,30]\"]]\n");
    char *r = st_query(&e, "SELECT ARRAY_AGG(page) FROM wiki WHERE channel = '#fr'",
                       "{\"sqlStringifyArrays\":false}", VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(r, "[[[\"Apple\",\"Cherry\"]]]\n");
    free(r);
    /* BIT_AND starts from 0 as Druid's BitwiseSqlAggregator does, so it is 0
     * whenever a value was seen; 10|20|5|7|1|30 = 31, 10^20^5^7^1^30 = 3 */
    ST_EXPECT(&e, "SELECT BIT_AND(added), BIT_OR(added), BIT_XOR(added) FROM wiki", "[[0,31,3]]\n");
    /* user: #fr has a null (skipped by STRING_AGG, kept by ARRAY_AGG) and '' */
    ST_EXPECT(&e,
              "SELECT channel, STRING_AGG(\"user\", ','), ARRAY_AGG(\"user\"), BIT_OR(added), "
              "BIT_XOR(added) "
              "FROM wiki GROUP BY channel",
              "[[\"#de\",\"carol\",\"[\\\"carol\\\"]\",1,1],"
              "[\"#en\",\"alice,bob,alice,carol\",\"[\\\"alice\\\",\\\"bob\\\",\\\"alice\\\","
              "\\\"carol\\\"]\",31,7],"
              "[\"#fr\",\"\",\"[null,\\\"\\\"]\",5,5]]\n");
    /* a multi-value column folds each value; an empty row is null */
    ST_EXPECT(&e, "SELECT STRING_AGG(tags, '+') FROM wiki", "[[\"t1+t2+t2+t2+t3+t2+t1+t2\"]]\n");
    ST_EXPECT(&e,
              "SELECT STRING_AGG(page, ', ') FILTER (WHERE added > 7), STRING_AGG(UPPER(page), "
              "'''') FROM wiki "
              "WHERE channel = '#en'",
              "[[\"Apple, Banana, Banana\",\"APPLE'BANANA'APPLE'BANANA\"]]\n");
    /* nothing aggregated: null */
    ST_EXPECT(&e,
              "SELECT STRING_AGG(page, ','), ARRAY_AGG(page), BIT_AND(added) FROM wiki WHERE "
              "channel = 'nope'",
              "[[null,null,null]]\n");
    /* over grouping sets */
    ST_EXPECT(&e,
              "SELECT channel, STRING_AGG(DISTINCT page, ',') FROM wiki GROUP BY ROLLUP (channel)",
              "[[\"#de\",\"Durian\"],[\"#en\",\"Apple,Banana\"],[\"#fr\",\"Apple,Cherry\"],[null,"
              "\"Apple,Banana,Cherry,Durian\"]]\n");
    st_free(&e);
}

/* Partial results of two segments are combined with the combine expression. */
TEST(expression_aggregates_combine)
{
    st_env e;
    st_init(&e);
    e.ads[e.n++] = st_wiki();
    ST_EXPECT(
        &e,
        "SELECT STRING_AGG(page, ',') FILTER (WHERE channel = '#fr'), ARRAY_AGG(DISTINCT channel), "
        "BIT_XOR(added), BIT_OR(added) FROM wiki",
        "[[\"Apple,Cherry,Apple,Cherry\",\"[\\\"#de\\\",\\\"#en\\\",\\\"#fr\\\"]\",0,31]]\n");
    ST_EXPECT(&e,
              "SELECT channel, ARRAY_AGG(added) FROM wiki WHERE channel <> '#en' GROUP BY channel",
              "[[\"#de\",\"[1,1]\"],[\"#fr\",\"[null,5,null,5]\"]]\n");
    st_free(&e);
}

TEST(expression_aggregates_plan)
{
    st_env e;
    st_init(&e);
    EXPECT_QUERY(
        &e,
        "SELECT STRING_AGG(DISTINCT page, '|') FILTER (WHERE added > 1), ARRAY_AGG(added + 1, "
        "4096), "
        "BIT_XOR(added) FROM wiki",
        "{\"queryType\":\"timeseries\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY ","
        "\"virtualColumns\":[{\"type\":\"expression\",\"name\":\"v0\",\"expression\":\"("
        "\\\"added\\\" + 1)\","
        "\"outputType\":\"LONG\"}],\"granularity\":{\"type\":\"all\"},\"aggregations\":["
        "{\"type\":\"filtered\",\"aggregator\":{\"type\":\"expression\",\"name\":\"a0\",\"fields\":"
        "[\"page\"],"
        "\"accumulatorIdentifier\":\"__acc\",\"initialValue\":\"[]\",\"initialCombineValue\":\"[]"
        "\","
        "\"isNullUnlessAggregated\":true,\"shouldAggregateNullInputs\":false,"
        "\"shouldCombineAggregateNullInputs\":false,\"fold\":\"array_set_add(\\\"__acc\\\", "
        "\\\"page\\\")\","
        "\"combine\":\"array_set_add_all(\\\"__acc\\\", \\\"a0\\\")\",\"compare\":null,"
        "\"finalize\":\"if(array_length(o) == 0, null, array_to_string(o, "
        "'|'))\",\"maxSizeBytes\":1024},"
        "\"filter\":{\"type\":\"and\",\"fields\":[{\"type\":\"not\",\"field\":{\"type\":\"null\","
        "\"column\":\"page\"}},"
        "{\"type\":\"range\",\"column\":\"added\",\"matchValueType\":\"LONG\",\"lower\":1,"
        "\"lowerOpen\":true}]},"
        "\"name\":\"a0\"},"
        "{\"type\":\"expression\",\"name\":\"a1\",\"fields\":[\"v0\"],\"accumulatorIdentifier\":\"_"
        "_acc\","
        "\"initialValue\":\"ARRAY<LONG>[]\",\"initialCombineValue\":\"ARRAY<LONG>[]\","
        "\"isNullUnlessAggregated\":true,"
        "\"shouldAggregateNullInputs\":true,\"shouldCombineAggregateNullInputs\":false,"
        "\"fold\":\"array_append(\\\"__acc\\\", "
        "\\\"v0\\\")\",\"combine\":\"array_concat(\\\"__acc\\\", \\\"a1\\\")\","
        "\"compare\":null,\"finalize\":null,\"maxSizeBytes\":4096},"
        "{\"type\":\"filtered\",\"aggregator\":{\"type\":\"expression\",\"name\":\"a2\",\"fields\":"
        "[\"added\"],"
        "\"accumulatorIdentifier\":\"__acc\",\"initialValue\":\"0\",\"initialCombineValue\":\"0\","
        "\"isNullUnlessAggregated\":true,\"shouldAggregateNullInputs\":false,"
        "\"shouldCombineAggregateNullInputs\":false,\"fold\":\"bitwiseXor(\\\"__acc\\\", "
        "\\\"added\\\")\","
        "\"combine\":\"bitwiseXor(\\\"__acc\\\", "
        "\\\"a2\\\")\",\"compare\":null,\"finalize\":null,\"maxSizeBytes\":1024},"
        "\"filter\":{\"type\":\"not\",\"field\":{\"type\":\"null\",\"column\":\"added\"}},\"name\":"
        "\"a2\"}],"
        "\"context\":{\"sqlQueryId\":\"q\"}}");
    st_free(&e);
}

TEST(expression_aggregates_errors)
{
    st_env e;
    st_init(&e);
    ST_EXPECT(&e, "SELECT STRING_AGG(page) FROM wiki",
              "ERROR 2: Invalid number of arguments to function 'STRING_AGG'. Was expecting "
              "between 2 and 3 arguments "
              "(line [1], column [8])");
    ST_EXPECT(
        &e, "SELECT STRING_AGG(page, channel) FROM wiki",
        "ERROR 2: Argument 2 of 'STRING_AGG' must be a literal string (line [1], column [25])");
    ST_EXPECT(
        &e, "SELECT ARRAY_AGG(page, 'x') FROM wiki",
        "ERROR 2: Argument 2 of 'ARRAY_AGG' must be a literal integer (line [1], column [24])");
    ST_EXPECT(&e, "SELECT BIT_AND(page) FROM wiki",
              "ERROR 2: Cannot apply 'BIT_AND' to arguments of type 'BIT_AND(<VARCHAR>)'. "
              "Supported form(s): "
              "'BIT_AND(<INTEGER>)' (line [1], column [8])");
    ST_EXPECT(&e, "SELECT BIT_OR(DISTINCT added) FROM wiki",
              "ERROR 3: Query could not be planned. A possible reason is [BIT_OR(DISTINCT) is not "
              "supported]");
    /* a result past maxSizeBytes fails the query with Druid's message:
     * ["Apple", "Banana"] takes 27 bytes serialized */
    ST_EXPECT(&e, "SELECT ARRAY_AGG(page, 20) FROM wiki",
              "ERROR 6: Unable to serialize [ARRAY<STRING>], size [27] is larger than max [20]");
    st_free(&e);
}
