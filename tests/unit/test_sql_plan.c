/*
 * test_sql_plan.c — the native queries Druid SQL statements plan into, as
 * EXPLAIN PLAN FOR shows them: the query type Druid's rules pick
 * (timeseries, topN, groupBy, scan, timeBoundary, nested and join
 * datasources), filters and intervals from WHERE, virtual columns,
 * aggregators and post-aggregators, having and limitSpec, the context, and
 * the signature and column mappings of the PLAN column.
 */
#include "sql_test_util.h"

#define ETERNITY "{\"type\":\"intervals\",\"intervals\":[\"-146136543-09-08T08:23:32.096Z/146140482-04-24T15:36:27.903Z\"]}"
#define WIKI "{\"type\":\"table\",\"name\":\"wiki\"}"

/* The PLAN column of EXPLAIN PLAN FOR sql, compared as JSON with expected
 * (integers and doubles kept apart, key order free). */
static void expect_plan(st_env *e, const char *sql, const char *ctx, const char *expected, int line)
{
    char stmt[4096];
    snprintf(stmt, sizeof stmt, "EXPLAIN PLAN FOR %s", sql);
    char *r = st_query(e, stmt, ctx ? ctx : "{\"sqlQueryId\":\"q\"}", VRV_SQL_FORMAT_ARRAY, 0);
    json_t *res = json_loads(r, 0, NULL);
    const char *plan = json_string_value(json_array_get(json_array_get(res, 0), 0));
    json_t *got = plan ? json_loads(plan, 0, NULL) : NULL;
    json_t *want = json_loads(expected, 0, NULL);
    if (!want) vrv_test_fail(__FILE__, line, "bad expected JSON for %s", sql);
    else if (!got || !json_equal(got, want))
        vrv_test_fail(__FILE__, line, "%s\n  got      %s\n  expected %s", sql, plan ? plan : r, expected);
    json_decref(got);
    json_decref(want);
    json_decref(res);
    free(r);
}
#define EXPECT_PLAN(e, sql, ctx, expected) expect_plan((e), (sql), (ctx), (expected), __LINE__)

TEST(plan_timeseries)
{
    st_env e;
    st_init(&e);
    EXPECT_PLAN(&e, "SELECT COUNT(*) FROM wiki", NULL,
                "[{\"query\":{\"queryType\":\"timeseries\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
                ",\"granularity\":{\"type\":\"all\"},\"aggregations\":[{\"type\":\"count\",\"name\":\"a0\"}],"
                "\"context\":{\"sqlQueryId\":\"q\"}},\"signature\":[{\"name\":\"a0\",\"type\":\"LONG\"}],"
                "\"columnMappings\":[{\"queryColumn\":\"a0\",\"outputColumn\":\"EXPR$0\"}]}]");
    EXPECT_PLAN(&e,
                "SELECT FLOOR(__time TO HOUR) AS h, SUM(added), AVG(delta) FROM wiki WHERE channel IN ('#en','#fr') "
                "GROUP BY 1",
                NULL,
                "[{\"query\":{\"queryType\":\"timeseries\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
                ",\"filter\":{\"type\":\"in\",\"dimension\":\"channel\",\"values\":[\"#en\",\"#fr\"]},"
                "\"granularity\":\"HOUR\",\"aggregations\":[{\"type\":\"longSum\",\"name\":\"a0\",\"fieldName\":\"added\"},"
                "{\"type\":\"doubleSum\",\"name\":\"a1:sum\",\"fieldName\":\"delta\"},"
                "{\"type\":\"filtered\",\"aggregator\":{\"type\":\"count\",\"name\":\"a1:count\"},"
                "\"filter\":{\"type\":\"not\",\"field\":{\"type\":\"null\",\"column\":\"delta\"}},\"name\":\"a1:count\"}],"
                "\"postAggregations\":[{\"type\":\"arithmetic\",\"name\":\"a1\",\"fn\":\"quotient\",\"fields\":["
                "{\"type\":\"fieldAccess\",\"name\":\"a1:sum\",\"fieldName\":\"a1:sum\"},"
                "{\"type\":\"fieldAccess\",\"name\":\"a1:count\",\"fieldName\":\"a1:count\"}]}],"
                "\"context\":{\"skipEmptyBuckets\":true,\"sqlQueryId\":\"q\",\"timestampResultField\":\"d0\"}},"
                "\"signature\":[{\"name\":\"d0\",\"type\":\"LONG\"},{\"name\":\"a0\",\"type\":\"LONG\"},"
                "{\"name\":\"a1\",\"type\":\"DOUBLE\"}],\"columnMappings\":[{\"queryColumn\":\"d0\",\"outputColumn\":\"h\"},"
                "{\"queryColumn\":\"a0\",\"outputColumn\":\"EXPR$1\"},{\"queryColumn\":\"a1\",\"outputColumn\":\"EXPR$2\"}]}]");
    /* ordered by time, descending, with a limit */
    EXPECT_PLAN(&e, "SELECT TIME_FLOOR(__time, 'P1D', NULL, 'America/Los_Angeles') AS d, COUNT(*) FROM wiki GROUP BY 1 ORDER BY 1 DESC LIMIT 2",
                NULL,
                "[{\"query\":{\"queryType\":\"timeseries\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
                ",\"descending\":true,\"granularity\":{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"America/Los_Angeles\",\"origin\":null},"
                "\"aggregations\":[{\"type\":\"count\",\"name\":\"a0\"}],\"limit\":2,"
                "\"context\":{\"skipEmptyBuckets\":true,\"sqlQueryId\":\"q\",\"timestampResultField\":\"d0\"}},"
                "\"signature\":[{\"name\":\"d0\",\"type\":\"LONG\"},{\"name\":\"a0\",\"type\":\"LONG\"}],"
                "\"columnMappings\":[{\"queryColumn\":\"d0\",\"outputColumn\":\"d\"},{\"queryColumn\":\"a0\",\"outputColumn\":\"EXPR$1\"}]}]");
    EXPECT_PLAN(&e, "SELECT MAX(__time) FROM wiki", "{\"sqlQueryId\":\"q\",\"enableTimeBoundaryPlanning\":true}",
                "[{\"query\":{\"queryType\":\"timeBoundary\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
                ",\"bound\":\"maxTime\",\"context\":{\"enableTimeBoundaryPlanning\":true,\"maxTimeArrayOutputName\":\"a0\","
                "\"sqlQueryId\":\"q\"}},\"signature\":[{\"name\":\"maxTime\",\"type\":\"LONG\"}],"
                "\"columnMappings\":[{\"queryColumn\":\"maxTime\",\"outputColumn\":\"EXPR$0\"}]}]");
    st_free(&e);
}

TEST(plan_topn_groupby)
{
    st_env e;
    st_init(&e);
    EXPECT_PLAN(&e,
                "SELECT channel, COUNT(*) AS c FROM wiki WHERE page = 'Apple' AND __time >= TIMESTAMP '2021-03-04 00:00:00' "
                "AND __time < TIMESTAMP '2021-03-05 00:00:00' GROUP BY channel ORDER BY c DESC LIMIT 10",
                NULL,
                "[{\"query\":{\"queryType\":\"topN\",\"dataSource\":" WIKI ",\"dimension\":{\"type\":\"default\","
                "\"dimension\":\"channel\",\"outputName\":\"d0\",\"outputType\":\"STRING\"},\"metric\":{\"type\":\"numeric\","
                "\"metric\":\"a0\"},\"threshold\":10,\"intervals\":{\"type\":\"intervals\",\"intervals\":["
                "\"2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z\"]},\"filter\":{\"type\":\"equals\",\"column\":\"page\","
                "\"matchValueType\":\"STRING\",\"matchValue\":\"Apple\"},\"granularity\":{\"type\":\"all\"},"
                "\"aggregations\":[{\"type\":\"count\",\"name\":\"a0\"}],\"context\":{\"sqlQueryId\":\"q\"}},"
                "\"signature\":[{\"name\":\"d0\",\"type\":\"STRING\"},{\"name\":\"a0\",\"type\":\"LONG\"}],"
                "\"columnMappings\":[{\"queryColumn\":\"d0\",\"outputColumn\":\"channel\"},{\"queryColumn\":\"a0\",\"outputColumn\":\"c\"}]}]");
    /* without useApproximateTopN a metric ordering is a groupBy */
    EXPECT_PLAN(&e, "SELECT channel, COUNT(*) AS c FROM wiki GROUP BY channel ORDER BY c DESC LIMIT 10",
                "{\"sqlQueryId\":\"q\",\"useApproximateTopN\":false}",
                "[{\"query\":{\"queryType\":\"groupBy\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
                ",\"granularity\":{\"type\":\"all\"},\"dimensions\":[{\"type\":\"default\",\"dimension\":\"channel\","
                "\"outputName\":\"d0\",\"outputType\":\"STRING\"}],\"aggregations\":[{\"type\":\"count\",\"name\":\"a0\"}],"
                "\"limitSpec\":{\"type\":\"default\",\"columns\":[{\"dimension\":\"a0\",\"direction\":\"descending\","
                "\"dimensionOrder\":{\"type\":\"numeric\"}}],\"limit\":10},\"context\":{\"sqlQueryId\":\"q\","
                "\"useApproximateTopN\":false}},\"signature\":[{\"name\":\"d0\",\"type\":\"STRING\"},{\"name\":\"a0\","
                "\"type\":\"LONG\"}],\"columnMappings\":[{\"queryColumn\":\"d0\",\"outputColumn\":\"channel\"},"
                "{\"queryColumn\":\"a0\",\"outputColumn\":\"c\"}]}]");
    EXPECT_PLAN(&e,
                "SELECT channel, page, COUNT(DISTINCT \"user\") FROM wiki WHERE added > 5 OR \"user\" IS NULL "
                "GROUP BY 1, 2 HAVING COUNT(*) > 1 ORDER BY 3 DESC LIMIT 5",
                NULL,
                "[{\"query\":{\"queryType\":\"groupBy\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
                ",\"filter\":{\"type\":\"or\",\"fields\":[{\"type\":\"range\",\"column\":\"added\",\"matchValueType\":\"LONG\","
                "\"lower\":5,\"lowerOpen\":true},{\"type\":\"null\",\"column\":\"user\"}]},\"granularity\":{\"type\":\"all\"},"
                "\"dimensions\":[{\"type\":\"default\",\"dimension\":\"channel\",\"outputName\":\"d0\",\"outputType\":\"STRING\"},"
                "{\"type\":\"default\",\"dimension\":\"page\",\"outputName\":\"d1\",\"outputType\":\"STRING\"}],"
                "\"aggregations\":[{\"type\":\"cardinality\",\"name\":\"a0\",\"fields\":[{\"type\":\"default\",\"dimension\":\"user\","
                "\"outputName\":\"user\",\"outputType\":\"STRING\"}],\"byRow\":false,\"round\":true},"
                "{\"type\":\"count\",\"name\":\"a1\"}],\"having\":{\"type\":\"filter\",\"filter\":{\"type\":\"range\","
                "\"column\":\"a1\",\"matchValueType\":\"LONG\",\"lower\":1,\"lowerOpen\":true},\"finalize\":true},"
                "\"limitSpec\":{\"type\":\"default\",\"columns\":[{\"dimension\":\"a0\",\"direction\":\"descending\","
                "\"dimensionOrder\":{\"type\":\"numeric\"}}],\"limit\":5},\"context\":{\"sqlQueryId\":\"q\"}},"
                "\"signature\":[{\"name\":\"d0\",\"type\":\"STRING\"},{\"name\":\"d1\",\"type\":\"STRING\"},"
                "{\"name\":\"a0\",\"type\":\"LONG\"}],\"columnMappings\":[{\"queryColumn\":\"d0\",\"outputColumn\":\"channel\"},"
                "{\"queryColumn\":\"d1\",\"outputColumn\":\"page\"},{\"queryColumn\":\"a0\",\"outputColumn\":\"EXPR$2\"}]}]");
    EXPECT_PLAN(&e, "SELECT page, SUM(added) / COUNT(*) AS r FROM wiki GROUP BY page HAVING SUM(added) > 10 ORDER BY r DESC",
                NULL,
                "[{\"query\":{\"queryType\":\"groupBy\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
                ",\"granularity\":{\"type\":\"all\"},\"dimensions\":[{\"type\":\"default\",\"dimension\":\"page\","
                "\"outputName\":\"d0\",\"outputType\":\"STRING\"}],\"aggregations\":[{\"type\":\"longSum\",\"name\":\"a0\","
                "\"fieldName\":\"added\"},{\"type\":\"count\",\"name\":\"a1\"}],\"postAggregations\":[{\"type\":\"expression\","
                "\"name\":\"p0\",\"expression\":\"(\\\"a0\\\" / \\\"a1\\\")\",\"outputType\":\"LONG\"}],\"having\":{\"type\":"
                "\"filter\",\"filter\":{\"type\":\"range\",\"column\":\"a0\",\"matchValueType\":\"LONG\",\"lower\":10,"
                "\"lowerOpen\":true},\"finalize\":true},\"limitSpec\":{\"type\":\"default\",\"columns\":[{\"dimension\":\"p0\","
                "\"direction\":\"descending\",\"dimensionOrder\":{\"type\":\"numeric\"}}]},\"context\":{\"sqlQueryId\":\"q\"}},"
                "\"signature\":[{\"name\":\"d0\",\"type\":\"STRING\"},{\"name\":\"p0\",\"type\":\"LONG\"}],"
                "\"columnMappings\":[{\"queryColumn\":\"d0\",\"outputColumn\":\"page\"},{\"queryColumn\":\"p0\",\"outputColumn\":\"r\"}]}]");
    st_free(&e);
}

TEST(plan_scan_nested_join)
{
    st_env e;
    st_init(&e);
    EXPECT_PLAN(&e, "SELECT __time, UPPER(page) AS p FROM wiki WHERE page LIKE 'A%' ORDER BY __time DESC LIMIT 3", NULL,
                "[{\"query\":{\"queryType\":\"scan\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
                ",\"virtualColumns\":[{\"type\":\"expression\",\"name\":\"v0\",\"expression\":\"upper(\\\"page\\\")\","
                "\"outputType\":\"STRING\"}],\"resultFormat\":\"compactedList\",\"limit\":3,\"order\":\"descending\","
                "\"filter\":{\"type\":\"like\",\"dimension\":\"page\",\"pattern\":\"A%\"},\"columns\":[\"__time\",\"v0\"],"
                "\"legacy\":false,\"context\":{\"sqlQueryId\":\"q\"},\"granularity\":{\"type\":\"all\"}},"
                "\"signature\":[{\"name\":\"__time\",\"type\":\"LONG\"},{\"name\":\"v0\",\"type\":\"STRING\"}],"
                "\"columnMappings\":[{\"queryColumn\":\"__time\",\"outputColumn\":\"__time\"},{\"queryColumn\":\"v0\","
                "\"outputColumn\":\"p\"}]}]");
    EXPECT_PLAN(&e, "SELECT COUNT(*) FROM (SELECT channel FROM wiki GROUP BY channel)", NULL,
                "[{\"query\":{\"queryType\":\"timeseries\",\"dataSource\":{\"type\":\"query\",\"query\":{\"queryType\":"
                "\"groupBy\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY ",\"granularity\":{\"type\":\"all\"},"
                "\"dimensions\":[{\"type\":\"default\",\"dimension\":\"channel\",\"outputName\":\"d0\",\"outputType\":\"STRING\"}],"
                "\"aggregations\":[],\"context\":{\"sqlQueryId\":\"q\"}}},\"intervals\":" ETERNITY ",\"granularity\":"
                "{\"type\":\"all\"},\"aggregations\":[{\"type\":\"count\",\"name\":\"a0\"}],\"context\":{\"sqlQueryId\":\"q\"}},"
                "\"signature\":[{\"name\":\"a0\",\"type\":\"LONG\"}],\"columnMappings\":[{\"queryColumn\":\"a0\","
                "\"outputColumn\":\"EXPR$0\"}]}]");
    EXPECT_PLAN(&e, "SELECT COUNT(DISTINCT page) FROM wiki", "{\"sqlQueryId\":\"q\",\"useApproximateCountDistinct\":false}",
                "[{\"query\":{\"queryType\":\"timeseries\",\"dataSource\":{\"type\":\"query\",\"query\":{\"queryType\":"
                "\"groupBy\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY ",\"granularity\":{\"type\":\"all\"},"
                "\"dimensions\":[{\"type\":\"default\",\"dimension\":\"page\",\"outputName\":\"d0\",\"outputType\":\"STRING\"}],"
                "\"aggregations\":[],\"context\":{\"sqlQueryId\":\"q\",\"useApproximateCountDistinct\":false}}},"
                "\"intervals\":" ETERNITY ",\"granularity\":{\"type\":\"all\"},\"aggregations\":[{\"type\":\"filtered\","
                "\"aggregator\":{\"type\":\"count\",\"name\":\"a0\"},\"filter\":{\"type\":\"not\",\"field\":{\"type\":\"null\","
                "\"column\":\"d0\"}},\"name\":\"a0\"}],\"context\":{\"sqlQueryId\":\"q\",\"useApproximateCountDistinct\":false}},"
                "\"signature\":[{\"name\":\"a0\",\"type\":\"LONG\"}],\"columnMappings\":[{\"queryColumn\":\"a0\","
                "\"outputColumn\":\"EXPR$0\"}]}]");
    EXPECT_PLAN(&e,
                "SELECT w.channel, p.n FROM wiki w JOIN (SELECT page, COUNT(*) AS n FROM wiki GROUP BY page) p "
                "ON w.page = p.page",
                NULL,
                "[{\"query\":{\"queryType\":\"scan\",\"dataSource\":{\"type\":\"join\",\"left\":" WIKI ",\"right\":"
                "{\"type\":\"query\",\"query\":{\"queryType\":\"groupBy\",\"dataSource\":" WIKI ",\"intervals\":" ETERNITY
                ",\"granularity\":{\"type\":\"all\"},\"dimensions\":[{\"type\":\"default\",\"dimension\":\"page\","
                "\"outputName\":\"d0\",\"outputType\":\"STRING\"}],\"aggregations\":[{\"type\":\"count\",\"name\":\"a0\"}],"
                "\"context\":{\"sqlQueryId\":\"q\"}}},\"rightPrefix\":\"j0.\",\"condition\":\"(\\\"page\\\" == \\\"j0.d0\\\")\","
                "\"joinType\":\"INNER\"},\"intervals\":" ETERNITY ",\"resultFormat\":\"compactedList\",\"columns\":"
                "[\"channel\",\"j0.a0\"],\"legacy\":false,\"context\":{\"sqlQueryId\":\"q\"},\"granularity\":{\"type\":\"all\"}},"
                "\"signature\":[{\"name\":\"channel\",\"type\":\"STRING\"},{\"name\":\"j0.a0\",\"type\":\"LONG\"}],"
                "\"columnMappings\":[{\"queryColumn\":\"channel\",\"outputColumn\":\"channel\"},{\"queryColumn\":\"j0.a0\","
                "\"outputColumn\":\"n\"}]}]");
    /* a virtual column never shadows an input column named like one */
    const char *names[] = {"v0", "v1x"};
    vrv_ctype types[] = {VRV_C_STRING, VRV_C_STRING};
    vrv_table_builder *b = vrv_table_builder_new(names, types, 2);
    vrv_value row[2] = {SV("a"), SV("b")};
    vrv_table_builder_add(b, ST_DAY0, row);
    e.ads[e.n++] = vrv_table_builder_finish(b, "vt", "vt_1", NULL);
    EXPECT_PLAN(&e, "SELECT UPPER(v0) FROM vt", NULL,
                "[{\"query\":{\"queryType\":\"scan\",\"dataSource\":{\"type\":\"table\",\"name\":\"vt\"},"
                "\"intervals\":" ETERNITY ",\"virtualColumns\":[{\"type\":\"expression\",\"name\":\"_v0\","
                "\"expression\":\"upper(\\\"v0\\\")\",\"outputType\":\"STRING\"}],\"resultFormat\":\"compactedList\","
                "\"columns\":[\"_v0\"],\"legacy\":false,\"context\":{\"sqlQueryId\":\"q\"},\"granularity\":{\"type\":\"all\"}},"
                "\"signature\":[{\"name\":\"_v0\",\"type\":\"STRING\"}],\"columnMappings\":[{\"queryColumn\":\"_v0\","
                "\"outputColumn\":\"EXPR$0\"}]}]");
    ST_EXPECT(&e, "SELECT UPPER(v0), v1x FROM vt", "[[\"A\",\"b\"]]\n");
    st_free(&e);
}

TEST(plan_resources)
{
    st_env e;
    st_init(&e);
    char *r = st_query(&e, "EXPLAIN PLAN FOR SELECT COUNT(*) FROM wiki", NULL, VRV_SQL_FORMAT_OBJECT, 0);
    json_t *j = json_loads(r, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(json_array_get(j, 0), "RESOURCES")),
              "[{\"name\":\"wiki\",\"type\":\"DATASOURCE\"}]");
    CHECK_STR(json_string_value(json_object_get(json_array_get(j, 0), "ATTRIBUTES")), "{\"statementType\":\"SELECT\"}");
    json_decref(j);
    free(r);
    st_free(&e);
}
