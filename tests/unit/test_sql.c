/*
 * test_sql.c — Druid SQL statements over the wiki table with their exact
 * results (array format), planned into native queries and run by the query
 * engine: aggregations and their query types, filters with SQL's null
 * semantics, time functions, expressions, subqueries, joins, unions,
 * metadata tables and error messages.
 */
#include "sql_test_util.h"

/* The wiki rows (time, channel, page, user, tags, added, delta, ratio):
 *   2021-03-04T01  #en  Apple   alice  [t1,t2]  10    1.5   0.5
 *   2021-03-04T02  #en  Banana  bob    [t2]     20   -2.0   0.25
 *   2021-03-04T03  #fr  Apple   null   null     null  3.25  null
 *   2021-03-04T05  #fr  Cherry  ''     [t2,t3]   5    0.0   1.0
 *   2021-03-05T01  #en  Apple   alice  [t2]      7   10.0   0.75
 *   2021-03-05T02  #de  Durian  carol  []        1    null  2.0
 *   2021-03-05T06  #en  Banana  carol  [t1,t2]  30    4.5   0.5 */

TEST(aggregates)
{
    st_env e;
    st_init(&e);
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki", "[[7]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) AS c, SUM(added), SUM(delta), MIN(ratio), MAX(added), AVG(added) FROM wiki",
              "[[7,73,17.25,0.25,30,12]]\n");
    ST_EXPECT(&e, "SELECT AVG(CAST(added AS DOUBLE)), AVG(delta) FROM wiki",
              "[[12.166666666666666,2.875]]\n");
    ST_EXPECT(&e, "SELECT COUNT(added), COUNT(\"user\"), COUNT(tags), COUNT(__time) FROM wiki", "[[6,6,5,7]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*), SUM(added) FROM wiki WHERE channel = 'nope'", "[[0,null]]\n");
    ST_EXPECT(&e, "SELECT channel, COUNT(*) AS c, SUM(added) FROM wiki GROUP BY channel",
              "[[\"#de\",1,1],[\"#en\",4,67],[\"#fr\",2,5]]\n");
    ST_EXPECT(&e, "SELECT channel, COUNT(*) AS c, SUM(added) FROM wiki GROUP BY channel ORDER BY c DESC LIMIT 2",
              "[[\"#en\",4,67],[\"#fr\",2,5]]\n");
    ST_EXPECT(&e, "SELECT channel, SUM(delta), MIN(ratio), MAX(added) FROM wiki GROUP BY channel",
              "[[\"#de\",null,2.0,1],[\"#en\",14.0,0.25,30],[\"#fr\",3.25,1.0,5]]\n");
    ST_EXPECT(&e, "SELECT channel, SUM(added) FILTER (WHERE page = 'Apple') FROM wiki GROUP BY channel",
              "[[\"#de\",null],[\"#en\",17],[\"#fr\",null]]\n");
    ST_EXPECT(&e, "SELECT channel, COUNT(*) FROM wiki GROUP BY channel HAVING COUNT(*) > 1",
              "[[\"#en\",4],[\"#fr\",2]]\n");
    ST_EXPECT(&e, "SELECT channel AS ch, COUNT(*) AS n FROM wiki GROUP BY ch HAVING n = 1", "[[\"#de\",1]]\n");
    ST_EXPECT(&e, "SELECT page, COUNT(*) FROM wiki GROUP BY page ORDER BY COUNT(*) DESC, page LIMIT 10 OFFSET 1",
              "[[\"Banana\",2],[\"Cherry\",1],[\"Durian\",1]]\n");
    ST_EXPECT(&e, "SELECT channel, COUNT(*) FROM wiki GROUP BY channel ORDER BY channel DESC LIMIT 2",
              "[[\"#fr\",2],[\"#en\",4]]\n");
    ST_EXPECT(&e, "SELECT tags, COUNT(*) FROM wiki GROUP BY tags",
              "[[null,2],[\"t1\",2],[\"t2\",5],[\"t3\",1]]\n");
    ST_EXPECT(&e, "SELECT EARLIEST(page), LATEST(page), EARLIEST(added), LATEST(delta) FROM wiki",
              "[[\"Apple\",\"Banana\",10,4.5]]\n");
    ST_EXPECT(&e, "SELECT COUNT(DISTINCT page), APPROX_COUNT_DISTINCT(\"user\") FROM wiki", "[[4,4]]\n");
    ST_EXPECT(&e, "SELECT MAX(__time), MIN(__time) FROM wiki",
              "[[\"2021-03-05T06:00:00.000Z\",\"2021-03-04T01:00:00.000Z\"]]\n");
    ST_EXPECT(&e, "SELECT channel, SUM(added) * 2 + 1 AS x, COUNT(*) / 2 FROM wiki GROUP BY 1 ORDER BY x",
              "[[\"#de\",3,0],[\"#fr\",11,1],[\"#en\",135,2]]\n");
    ST_EXPECT(&e, "SELECT UPPER(channel), COUNT(*) FROM wiki GROUP BY channel ORDER BY 1 LIMIT 5",
              "[[\"#DE\",1],[\"#EN\",4],[\"#FR\",2]]\n");
    ST_EXPECT(&e, "SELECT DISTINCT channel FROM wiki", "[[\"#de\"],[\"#en\"],[\"#fr\"]]\n");
    ST_EXPECT(&e, "SELECT DISTINCT channel, page FROM wiki WHERE added > 5 ORDER BY page DESC",
              "[[\"#en\",\"Banana\"],[\"#en\",\"Apple\"]]\n");
    st_free(&e);
}

TEST(exact_count_distinct)
{
    st_env e;
    st_init(&e);
    char *r = st_query(&e, "SELECT channel, COUNT(DISTINCT page), COUNT(*) FROM wiki GROUP BY channel",
                       "{\"useApproximateCountDistinct\":false}", VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(r, "[[\"#de\",1,1],[\"#en\",2,4],[\"#fr\",2,2]]\n");
    free(r);
    r = st_query(&e, "SELECT COUNT(DISTINCT \"user\") FROM wiki", "{\"useApproximateCountDistinct\":false}",
                 VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(r, "[[4]]\n");
    free(r);
    st_free(&e);
}

TEST(filters)
{
    st_env e;
    st_init(&e);
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE \"user\" IS NULL", "[[1]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE \"user\" IS NOT NULL", "[[6]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE \"user\" = ''", "[[1]]\n");
    /* <> does not match null: three-valued logic */
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE \"user\" <> 'alice'", "[[4]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE NOT (\"user\" = 'alice')", "[[4]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE \"user\" <> 'alice' OR \"user\" IS NULL", "[[5]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE channel IN ('#en', '#de')", "[[5]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE channel NOT IN ('#en', '#de')", "[[2]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE added IN (5, 7, 99)", "[[2]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE added > 5", "[[4]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE added >= 5 AND added < 20", "[[3]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE added BETWEEN 5 AND 10", "[[3]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE delta < 0.5", "[[2]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE ratio = 0.5", "[[2]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE page LIKE 'B%'", "[[2]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE page NOT LIKE '_pple'", "[[4]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE page LIKE 'A!%' ESCAPE '!'", "[[0]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE tags = 't2'", "[[5]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE tags <> 't2'", "[[0]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE UPPER(page) = 'APPLE'", "[[3]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE added + 1 > delta", "[[4]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE REGEXP_LIKE(page, '^[AB]')", "[[5]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE CONTAINS_STRING(page, 'an')", "[[3]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE 1 = 0", "[[0]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE added = NULL", "[[0]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE (added > 5) IS NOT TRUE", "[[3]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE (added > 5) IS FALSE", "[[2]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE added = '10'", "[[1]]\n");
    st_free(&e);
}

TEST(time)
{
    st_env e;
    st_init(&e);
    ST_EXPECT(&e, "SELECT FLOOR(__time TO DAY), COUNT(*), AVG(added) FROM wiki GROUP BY 1",
              "[[\"2021-03-04T00:00:00.000Z\",4,11],[\"2021-03-05T00:00:00.000Z\",3,12]]\n");
    ST_EXPECT(&e, "SELECT TIME_FLOOR(__time, 'PT6H'), COUNT(*) FROM wiki GROUP BY 1 ORDER BY 1 DESC",
              "[[\"2021-03-05T06:00:00.000Z\",1],[\"2021-03-05T00:00:00.000Z\",2],"
              "[\"2021-03-04T00:00:00.000Z\",4]]\n");
    ST_EXPECT(&e, "SELECT TIME_FLOOR(__time, 'PT6H') AS t, COUNT(*) AS c FROM wiki GROUP BY 1 ORDER BY c DESC LIMIT 1",
              "[[\"2021-03-04T00:00:00.000Z\",4]]\n");
    ST_EXPECT(&e, "SELECT __time, page FROM wiki ORDER BY __time DESC LIMIT 2",
              "[[\"2021-03-05T06:00:00.000Z\",\"Banana\"],[\"2021-03-05T02:00:00.000Z\",\"Durian\"]]\n");
    ST_EXPECT(&e,
              "SELECT TIME_FORMAT(__time, 'yyyy-MM-dd HH'), page FROM wiki WHERE __time BETWEEN "
              "TIMESTAMP '2021-03-04 02:00:00' AND TIMESTAMP '2021-03-04 03:00:00'",
              "[[\"2021-03-04 02\",\"Banana\"],[\"2021-03-04 03\",\"Apple\"]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE __time >= '2021-03-05'", "[[3]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE __time < TIMESTAMP '2021-03-04 03:00:00' OR __time > TIMESTAMP '2021-03-05 05:00:00'",
              "[[3]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE TIME_IN_INTERVAL(__time, '2021-03-04T02:00:00Z/PT2H')", "[[2]]\n");
    ST_EXPECT(&e, "SELECT EXTRACT(HOUR FROM __time) AS h, COUNT(*) FROM wiki GROUP BY 1",
              "[[1,2],[2,2],[3,1],[5,1],[6,1]]\n");
    ST_EXPECT(&e, "SELECT TIME_EXTRACT(__time, 'DAY'), EXTRACT(MONTH FROM __time) FROM wiki LIMIT 1", "[[4,3]]\n");
    ST_EXPECT(&e, "SELECT __time + INTERVAL '1' DAY, __time - INTERVAL '90' MINUTE FROM wiki LIMIT 1",
              "[[\"2021-03-05T01:00:00.000Z\",\"2021-03-03T23:30:00.000Z\"]]\n");
    ST_EXPECT(&e, "SELECT TIME_SHIFT(__time, 'P1M', -1), TIMESTAMPADD(HOUR, 2, __time) FROM wiki LIMIT 1",
              "[[\"2021-02-04T01:00:00.000Z\",\"2021-03-04T03:00:00.000Z\"]]\n");
    ST_EXPECT(&e, "SELECT TIMESTAMPDIFF(HOUR, TIMESTAMP '2021-03-04 00:00:00', __time) FROM wiki LIMIT 2",
              "[[1],[2]]\n");
    ST_EXPECT(&e, "SELECT CAST(__time AS DATE), CAST(__time AS VARCHAR), TIMESTAMP_TO_MILLIS(__time) FROM wiki LIMIT 1",
              "[[\"2021-03-04T00:00:00.000Z\",\"2021-03-04 01:00:00\",1614819600000]]\n");
    ST_EXPECT(&e, "SELECT TIME_PARSE('2021-03-04T05:06:07Z'), MILLIS_TO_TIMESTAMP(0), DATE_TRUNC('month', TIMESTAMP '2021-03-04 05:00:00')",
              "[[\"2021-03-04T05:06:07.000Z\",\"1970-01-01T00:00:00.000Z\",\"2021-03-01T00:00:00.000Z\"]]\n");
    ST_EXPECT(&e, "SELECT TIME_CEIL(__time, 'P1D'), CEIL(__time TO HOUR) FROM wiki LIMIT 1",
              "[[\"2021-03-05T00:00:00.000Z\",\"2021-03-04T01:00:00.000Z\"]]\n");
    /* sqlTimeZone: floors, literals and rendering in the zone */
    char *r = st_query(&e, "SELECT FLOOR(__time TO DAY) AS d, COUNT(*) FROM wiki GROUP BY 1",
                       "{\"sqlTimeZone\":\"America/Los_Angeles\"}", VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(r, "[[\"2021-03-03T00:00:00.000-08:00\",4],[\"2021-03-04T00:00:00.000-08:00\",3]]\n");
    free(r);
    r = st_query(&e, "SELECT COUNT(*) FROM wiki WHERE __time >= TIMESTAMP '2021-03-04 17:00:00'",
                 "{\"sqlTimeZone\":\"America/Los_Angeles\"}", VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(r, "[[3]]\n");
    free(r);
    r = st_query(&e, "SELECT CURRENT_TIMESTAMP, CURRENT_DATE", "{\"sqlCurrentTimestamp\":\"2021-03-04T05:06:07Z\"}",
                 VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(r, "[[\"2021-03-04T05:06:07.000Z\",\"2021-03-04T00:00:00.000Z\"]]\n");
    free(r);
    r = st_query(&e, "SELECT COUNT(*) FROM wiki WHERE __time >= CURRENT_TIMESTAMP - INTERVAL '1' DAY",
                 "{\"sqlCurrentTimestamp\":\"2021-03-05T04:00:00Z\"}", VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(r, "[[4]]\n");
    free(r);
    st_free(&e);
}

TEST(expressions)
{
    st_env e;
    st_init(&e);
    ST_EXPECT(&e, "SELECT 1 + 1, 'x' || 'y', 7 / 2, 7 / 2.0, 7 % 3, -(2), NULL", "[[2,\"xy\",3,3.5,1,-2,null]]\n");
    ST_EXPECT(&e, "SELECT UPPER(page) AS p, LENGTH(page) FROM wiki WHERE page LIKE 'B%'",
              "[[\"BANANA\",6],[\"BANANA\",6]]\n");
    ST_EXPECT(&e, "SELECT SUBSTRING(page, 2, 3), page || '!', SUBSTRING(page FROM 3), LOWER(channel) FROM wiki LIMIT 2",
              "[[\"ppl\",\"Apple!\",\"ple\",\"#en\"],[\"ana\",\"Banana!\",\"nana\",\"#en\"]]\n");
    ST_EXPECT(&e,
              "SELECT page, CASE WHEN added > 10 THEN 'big' WHEN added IS NULL THEN 'none' ELSE 'small' END AS sz "
              "FROM wiki LIMIT 3",
              "[[\"Apple\",\"small\"],[\"Banana\",\"big\"],[\"Apple\",\"none\"]]\n");
    ST_EXPECT(&e, "SELECT CASE channel WHEN '#en' THEN 1 WHEN '#fr' THEN 2 END FROM wiki WHERE __time < '2021-03-04 04:00:00'",
              "[[1],[1],[2]]\n");
    ST_EXPECT(&e, "SELECT COALESCE(\"user\", 'anon'), NVL(added, -1), NULLIF(channel, '#en') FROM wiki LIMIT 3",
              "[[\"alice\",10,null],[\"bob\",20,null],[\"anon\",-1,\"#fr\"]]\n");
    ST_EXPECT(&e, "SELECT CAST(added AS VARCHAR), CAST('12' AS BIGINT) + 1, CAST('x' AS BIGINT), CAST(delta AS BIGINT) FROM wiki LIMIT 2",
              "[[\"10\",13,null,1],[\"20\",13,null,-2]]\n");
    ST_EXPECT(&e, "SELECT ABS(-3), POWER(2, 10), SQRT(16), ROUND(2.567, 1), FLOOR(2.5), CEIL(2.5), MOD(7, 3), LN(1)",
              "[[3,1024.0,4.0,2.6,2.0,3.0,1,0.0]]\n");
    ST_EXPECT(&e, "SELECT TRIM('  a  '), LTRIM('xxa', 'x'), TRIM(LEADING 'x' FROM 'xxb'), POSITION('n' IN 'Banana'), STRPOS('Banana', 'z')",
              "[[\"a\",\"a\",\"b\",3,0]]\n");
    ST_EXPECT(&e, "SELECT REPLACE('aXbX', 'X', '-'), REVERSE('abc'), REPEAT('ab', 2), LPAD('7', 3, '0'), RIGHT('abcd', 2), LEFT('abcd', 2)",
              "[[\"a-b-\",\"cba\",\"abab\",\"007\",\"cd\",\"ab\"]]\n");
    ST_EXPECT(&e, "SELECT REGEXP_EXTRACT('abc123', '[0-9]+'), REGEXP_REPLACE('a1b2', '[0-9]', '#'), CHAR_LENGTH('héllo')",
              "[[\"123\",\"a#b#\",5]]\n");
    ST_EXPECT(&e, "SELECT 1 = 1, 1 > 2, 'a' < 'b', NULL IS NULL, 2 BETWEEN 1 AND 3, 'x' IN ('x', 'y')",
              "[[true,false,true,true,true,true]]\n");
    ST_EXPECT(&e, "SELECT GREATEST(1, 5, 3), LEAST('b', 'a'), SAFE_DIVIDE(1, 0), DIV(7, 2), TRUNCATE(2.789, 1)",
              "[[5,\"a\",null,3,2.7]]\n");
    ST_EXPECT(&e, "SELECT page, added FROM wiki WHERE added IS NOT NULL AND delta IS NULL", "[[\"Durian\",1]]\n");
    ST_EXPECT(&e, "SELECT tags FROM wiki LIMIT 4", "[[\"[\\\"t1\\\",\\\"t2\\\"]\"],[\"t2\"],[null],[\"[\\\"t2\\\",\\\"t3\\\"]\"]]\n");
    ST_EXPECT(&e, "SELECT ratio, delta, ratio * 2 FROM wiki LIMIT 2", "[[0.5,1.5,1.0],[0.25,-2.0,0.5]]\n");
    st_free(&e);
}

TEST(subqueries_joins_unions)
{
    st_env e;
    st_init(&e);
    ST_EXPECT(&e, "SELECT COUNT(*) FROM (SELECT channel FROM wiki GROUP BY channel)", "[[3]]\n");
    ST_EXPECT(&e, "SELECT ch, c FROM (SELECT channel AS ch, COUNT(*) AS c FROM wiki GROUP BY channel) WHERE c > 1 ORDER BY c",
              "[[\"#fr\",2],[\"#en\",4]]\n");
    ST_EXPECT(&e, "SELECT SUM(c), MAX(c) FROM (SELECT page, COUNT(*) AS c FROM wiki GROUP BY page)", "[[7,3]]\n");
    ST_EXPECT(&e, "SELECT p FROM (SELECT page AS p, added FROM wiki WHERE added > 5) WHERE added < 25", "[[\"Apple\"],[\"Banana\"],[\"Apple\"]]\n");
    ST_EXPECT(&e, "SELECT channel FROM wiki WHERE page IN (SELECT page FROM wiki WHERE channel = '#fr')",
              "[[\"#en\"],[\"#fr\"],[\"#fr\"],[\"#en\"]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE added > (SELECT AVG(added) FROM wiki)", "[[2]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE EXISTS (SELECT 1 FROM wiki WHERE channel = '#de')", "[[7]]\n");
    ST_EXPECT(&e, "WITH t AS (SELECT channel, COUNT(*) AS c FROM wiki GROUP BY channel) SELECT MAX(c) FROM t", "[[4]]\n");
    ST_EXPECT(&e, "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(x, y)", "[[1,\"a\"],[2,\"b\"]]\n");
    ST_EXPECT(&e, "SELECT channel FROM wiki WHERE added > 20 UNION ALL SELECT page FROM wiki WHERE added < 5",
              "[[\"#en\"],[\"Durian\"]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM (SELECT channel FROM wiki UNION ALL SELECT channel FROM wiki)", "[[14]]\n");
    ST_EXPECT(&e,
              "SELECT a.page, b.channel FROM wiki a JOIN (SELECT page, channel FROM wiki WHERE channel = '#de') b "
              "ON a.page = b.page",
              "[[\"Durian\",\"#de\"]]\n");
    ST_EXPECT(&e,
              "SELECT w.channel, COUNT(*) FROM wiki w LEFT JOIN (SELECT page, COUNT(*) AS n FROM wiki GROUP BY page) p "
              "ON w.page = p.page WHERE p.n > 1 GROUP BY w.channel",
              "[[\"#en\",4],[\"#fr\",1]]\n");
    st_free(&e);
}

TEST(metadata_tables)
{
    st_env e;
    st_init(&e);
    ST_EXPECT(&e, "SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA",
              "[[\"INFORMATION_SCHEMA\"],[\"druid\"],[\"lookup\"],[\"sys\"],[\"view\"]]\n");
    ST_EXPECT(&e, "SELECT * FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'druid'",
              "[[\"druid\",\"druid\",\"wiki\",\"TABLE\",\"NO\",\"NO\"]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'sys'", "[[5]]\n");
    ST_EXPECT(&e,
              "SELECT COLUMN_NAME, ORDINAL_POSITION, IS_NULLABLE, DATA_TYPE, JDBC_TYPE FROM INFORMATION_SCHEMA.COLUMNS "
              "WHERE TABLE_SCHEMA = 'druid' AND TABLE_NAME = 'wiki'",
              "[[\"__time\",\"1\",\"NO\",\"TIMESTAMP\",93],[\"channel\",\"2\",\"YES\",\"VARCHAR\",12],"
              "[\"page\",\"3\",\"YES\",\"VARCHAR\",12],[\"user\",\"4\",\"YES\",\"VARCHAR\",12],"
              "[\"tags\",\"5\",\"YES\",\"VARCHAR\",12],[\"added\",\"6\",\"YES\",\"BIGINT\",-5],"
              "[\"delta\",\"7\",\"YES\",\"DOUBLE\",8],[\"ratio\",\"8\",\"YES\",\"FLOAT\",6]]\n");
    json_object_set_new(e.sys, "tasks",
                        json_loads("[{\"task_id\":\"t1\",\"datasource\":\"wiki\",\"status\":\"SUCCESS\",\"duration\":12},"
                                   "{\"task_id\":\"t2\",\"datasource\":\"wiki\",\"status\":\"RUNNING\",\"duration\":-1}]",
                                   0, NULL));
    ST_EXPECT(&e, "SELECT task_id, duration FROM sys.tasks WHERE status = 'SUCCESS'", "[[\"t1\",12]]\n");
    ST_EXPECT(&e, "SELECT status, COUNT(*) FROM sys.tasks GROUP BY status", "[[\"RUNNING\",1],[\"SUCCESS\",1]]\n");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM sys.segments", "[[0]]\n");
    ST_EXPECT(&e, "SELECT * FROM sys.supervisors", "[]\n");
    st_free(&e);
}

TEST(errors)
{
    st_env e;
    st_init(&e);
    ST_EXPECT(&e, "SELECT FROM wiki",
              "ERROR 1: Received an unexpected token [FROM] (line [1], column [8]), acceptable options: "
              "[\"DISTINCT\", \"ALL\", \"*\", \"NOT\", \"-\", \"+\", <IDENTIFIER>, <QUOTED_IDENTIFIER>, "
              "<UNSIGNED_INTEGER_LITERAL>, <QUOTED_STRING>, \"TRUE\", \"FALSE\", \"NULL\", \"CASE\", \"CAST\", "
              "\"INTERVAL\", \"TIMESTAMP\", \"?\"]");
    ST_EXPECT(&e, "SELECT x FROM wiki", "ERROR 2: Column 'x' not found in any table (line [1], column [8])");
    ST_EXPECT(&e, "SELECT * FROM nope", "ERROR 2: Object 'nope' not found (line [1], column [15])");
    ST_EXPECT(&e, "SELECT * FROM druid.nope", "ERROR 2: Object 'nope' not found within 'druid' (line [1], column [15])");
    ST_EXPECT(&e, "SELECT * FROM sys.nope", "ERROR 2: Object 'nope' not found within 'sys' (line [1], column [15])");
    ST_EXPECT(&e, "SELECT w.x FROM wiki w", "ERROR 2: Column 'x' not found in table 'w' (line [1], column [8])");
    ST_EXPECT(&e, "SELECT page, COUNT(*) FROM wiki GROUP BY channel",
              "ERROR 2: Expression 'page' is not being grouped (line [1], column [8])");
    ST_EXPECT(&e, "SELECT COUNT(*) FROM wiki WHERE SUM(added) > 1",
              "ERROR 2: Aggregate expression is illegal in WHERE clause (line [1], column [33])");
    ST_EXPECT(&e, "SELECT page FROM wiki ORDER BY page",
              "ERROR 3: Query could not be planned. A possible reason is [SQL query requires order by non-time "
              "column [[page ASC]], which is not supported.]");
    ST_EXPECT(&e, "SELECT FOO(page) FROM wiki",
              "ERROR 2: No match found for function signature FOO(<...>) (line [1], column [8])");
    ST_EXPECT(&e, "SELECT SUM(page) FROM wiki", "[[null]]\n");
    ST_EXPECT(&e, "SELECT page FROM wiki GROUP BY 3", "ERROR 2: Ordinal out of range (line [1], column [32])");
    ST_EXPECT(&e, "SELECT 'unterminated", "ERROR 1: Lexical error at line 1, column 21.  Encountered: <EOF> after : \"\"");
    ST_EXPECT(&e, "SELECT channel FROM wiki UNION SELECT page FROM wiki",
              "ERROR 3: Query could not be planned. A possible reason is [SQL requires 'UNION' but only 'UNION ALL' is supported.]");
    ST_EXPECT(&e, "SELECT count FROM wiki",
              "ERROR 1: Received an unexpected token [count] (line [1], column [8]), acceptable options: "
              "[\"DISTINCT\", \"ALL\", \"*\", \"NOT\", \"-\", \"+\", <IDENTIFIER>, <QUOTED_IDENTIFIER>, "
              "<UNSIGNED_INTEGER_LITERAL>, <QUOTED_STRING>, \"TRUE\", \"FALSE\", \"NULL\", \"CASE\", \"CAST\", "
              "\"INTERVAL\", \"TIMESTAMP\", \"?\"]");
    st_free(&e);
}

TEST(formats)
{
    st_env e;
    st_init(&e);
    const char *q = "SELECT 1 AS a, 'x,\"y\"' AS b, CAST(NULL AS VARCHAR) AS c, 2.5 AS d, TRUE AS e";
    char *r = st_query(&e, q, NULL, VRV_SQL_FORMAT_OBJECT, 0);
    CHECK_STR(r, "[{\"a\":1,\"b\":\"x,\\\"y\\\"\",\"c\":null,\"d\":2.5,\"e\":true}]\n");
    free(r);
    r = st_query(&e, q, NULL, VRV_SQL_FORMAT_ARRAY, VRV_SQL_HEADER | VRV_SQL_TYPES_HEADER | VRV_SQL_SQL_TYPES_HEADER);
    CHECK_STR(r, "[[\"a\",\"b\",\"c\",\"d\",\"e\"],[\"LONG\",\"STRING\",\"STRING\",\"DOUBLE\",\"LONG\"],"
                 "[\"INTEGER\",\"CHAR\",\"VARCHAR\",\"DECIMAL\",\"BOOLEAN\"],[1,\"x,\\\"y\\\"\",null,2.5,true]]\n");
    free(r);
    r = st_query(&e, q, NULL, VRV_SQL_FORMAT_CSV, VRV_SQL_HEADER);
    CHECK_STR(r, "a,b,c,d,e\n1,\"x,\"\"y\"\"\",,2.5,true\n\n");
    free(r);
    r = st_query(&e, q, NULL, VRV_SQL_FORMAT_OBJECT_LINES, VRV_SQL_HEADER | VRV_SQL_TYPES_HEADER);
    CHECK_STR(r, "{\"a\":{\"type\":\"LONG\"},\"b\":{\"type\":\"STRING\"},\"c\":{\"type\":\"STRING\"},"
                 "\"d\":{\"type\":\"DOUBLE\"},\"e\":{\"type\":\"LONG\"}}\n"
                 "{\"a\":1,\"b\":\"x,\\\"y\\\"\",\"c\":null,\"d\":2.5,\"e\":true}\n\n");
    free(r);
    r = st_query(&e, q, NULL, VRV_SQL_FORMAT_ARRAY_LINES, 0);
    CHECK_STR(r, "[1,\"x,\\\"y\\\"\",null,2.5,true]\n\n");
    free(r);
    /* a one-column row of an empty field is written "" so it is not a blank line */
    r = st_query(&e, "SELECT '' AS s", NULL, VRV_SQL_FORMAT_CSV, 0);
    CHECK_STR(r, "\"\"\n\n");
    free(r);
    r = st_query(&e, "SELECT page FROM wiki WHERE 1 = 0", NULL, VRV_SQL_FORMAT_ARRAY_LINES, 0);
    CHECK_STR(r, "\n\n");
    free(r);
    r = st_query(&e, "SELECT page FROM wiki WHERE 1 = 0", NULL, VRV_SQL_FORMAT_OBJECT, 0);
    CHECK_STR(r, "[]\n");
    free(r);
    /* doubles keep a fraction, floats print at float precision, NaN is a string */
    r = st_query(&e, "SELECT SUM(delta), SUM(ratio), CAST(SUM(added) AS DOUBLE), 0.0 / 0 FROM wiki", NULL,
                 VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(r, "[[17.25,5.0,73.0,\"NaN\"]]\n");
    free(r);
    r = st_query(&e, "SELECT SUM(delta), SUM(ratio), 0.0 / 0 FROM wiki", NULL, VRV_SQL_FORMAT_CSV, 0);
    CHECK_STR(r, "17.25,5.0,NaN\n\n");
    free(r);
    vrv_sql_format f;
    CHECK(vrv_sql_format_parse("ObjectLines", &f) && f == VRV_SQL_FORMAT_OBJECT_LINES);
    CHECK(vrv_sql_format_parse("CSV", &f) && f == VRV_SQL_FORMAT_CSV);
    CHECK(!vrv_sql_format_parse("xml", &f));
    st_free(&e);
}

TEST(parameters)
{
    st_env e;
    st_init(&e);
    vrv_sql_env env = st_sql_env(&e);
    json_t *params = json_loads("[{\"type\":\"VARCHAR\",\"value\":\"#en\"},{\"type\":\"BIGINT\",\"value\":5},"
                                "{\"type\":\"TIMESTAMP\",\"value\":\"2021-03-05 00:00:00\"}]",
                                0, NULL);
    const char *sql = "SELECT COUNT(*) FROM wiki WHERE channel = ? AND added > ? AND __time < ?";
    vrv_sql_result *r = NULL;
    vrv_sql_error err;
    CHECK_INT(vrv_sql_execute(&env, sql, strlen(sql), NULL, params, &r, &err), 0);
    if (r) {
        CHECK_INT(vrv_sql_result_row(r, 0)[0].u.l, 2);
        vrv_sql_result_free(r);
    }
    json_decref(params);
    /* a placeholder without a value */
    sql = "SELECT ? + 1";
    CHECK(vrv_sql_execute(&env, sql, strlen(sql), NULL, NULL, &r, &err) != 0);
    CHECK_STR(err.err.msg, "No value bound for parameter (position [1])");
    /* SET statements override the context */
    char *s = st_query(&e, "SET sqlTimeZone = 'Asia/Kolkata'; SET sqlQueryId = 'x'; SELECT TIMESTAMP '2021-03-04 05:30:00'",
                       NULL, VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(s, "[[\"2021-03-04T05:30:00.000+05:30\"]]\n");
    free(s);
    s = st_query(&e, "SELECT 1", "{\"sqlTimeZone\":\"Nowhere/Land\"}", VRV_SQL_FORMAT_ARRAY, 0);
    CHECK_STR(s, "ERROR 5: Query context parse failed: sqlTimeZone: unknown time zone \"Nowhere/Land\"");
    free(s);
    st_free(&e);
}
