#!/usr/bin/env bash
# sql_batch.sh — Druid SQL over data a batch task loaded into a running
# `varve server`: aggregations planned as timeseries, topN, groupBy and scan
# over two daily segments, time bounds as intervals, the table's schema in
# INFORMATION_SCHEMA, its segments and task in sys.*, EXPLAIN's resources,
# and `varve sql` printing a table.
source "$(dirname "$0")/lib/server.sh"

t_start

DATA=$(printf '%s\n' \
    '{"ts":"2024-03-01T01:00:00Z","channel":"#en","page":"Apple","user":"alice","added":10,"score":0.5}' \
    '{"ts":"2024-03-01T02:00:00Z","channel":"#en","page":"Banana","user":"bob","added":20,"score":1.5}' \
    '{"ts":"2024-03-01T05:00:00Z","channel":"#fr","page":"Apple","added":5,"score":2.0}' \
    '{"ts":"2024-03-02T01:00:00Z","channel":"#en","page":"Apple","user":"carol","added":7,"score":0.25}' \
    '{"ts":"2024-03-02T03:00:00Z","channel":"#de","page":"Cherry","user":"bob","added":1}')
SPEC=$(jq -nc --arg data "$DATA" '{type: "index_parallel", spec: {
  dataSchema: {dataSource: "edits", timestampSpec: {column: "ts", format: "iso"},
    dimensionsSpec: {dimensions: ["channel", "page", "user"]},
    metricsSpec: [{type: "count", name: "count"}, {type: "longSum", name: "added", fieldName: "added"},
                  {type: "doubleSum", name: "score", fieldName: "score"}],
    granularitySpec: {segmentGranularity: "day", queryGranularity: "none", rollup: false,
                      intervals: ["2024-03-01/2024-03-03"]}},
  ioConfig: {type: "index_parallel", inputSource: {type: "inline", data: $data}, inputFormat: {type: "json"}},
  tuningConfig: {type: "index_parallel"}}}')
id=$(submit "$SPEC")
wait_task "$id" SUCCESS 120
wait_loaded edits

sql() {
    curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2/sql" --data-binary "$1"
}
expect_sql() { # expect_sql EXPECTED_JSON QUERY [resultFormat]
    local got
    got=$(sql "{\"query\":$(printf '%s' "$2" | jq -Rs .),\"resultFormat\":\"${3:-array}\"}")
    json_eq "$got" "$1"
}

expect_sql '[[5,43,4.25]]' 'SELECT COUNT(*), SUM(added), SUM(score) FROM edits'
expect_sql '[["#en",3]]' 'SELECT channel, COUNT(*) AS c FROM edits GROUP BY channel ORDER BY c DESC LIMIT 1'
expect_sql '[["#de",1,1],["#en",3,37],["#fr",1,5]]' 'SELECT channel, COUNT(*), SUM(added) FROM edits GROUP BY 1'
expect_sql '[["2024-03-01T00:00:00.000Z",35],["2024-03-02T00:00:00.000Z",8]]' \
    'SELECT FLOOR(__time TO DAY) AS d, SUM(added) FROM edits GROUP BY 1'
expect_sql '[{"page":"Apple","user":"carol"},{"page":"Cherry","user":"bob"}]' \
    "SELECT page, \"user\" FROM edits WHERE __time >= '2024-03-02'" object
expect_sql '[[1]]' 'SELECT COUNT(*) FROM edits WHERE "user" IS NULL'
expect_sql '[["Apple",3,22.0]]' \
    'SELECT page, COUNT(*), SUM(added) * 1.0 FROM edits GROUP BY page HAVING COUNT(*) > 1'
expect_sql '[["2024-03-02T03:00:00.000Z","Cherry"]]' 'SELECT __time, page FROM edits ORDER BY __time DESC LIMIT 1'
expect_sql '[["__time","TIMESTAMP"],["channel","VARCHAR"],["page","VARCHAR"],["user","VARCHAR"],["count","BIGINT"],["added","BIGINT"],["score","DOUBLE"]]' \
    "SELECT COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'druid' AND TABLE_NAME = 'edits'"
expect_sql '[["edits","2024-03-01T00:00:00.000Z","2024-03-02T00:00:00.000Z",0,3,1,1,1,0],["edits","2024-03-02T00:00:00.000Z","2024-03-03T00:00:00.000Z",0,2,1,1,1,0]]' \
    'SELECT datasource, "start", "end", partition_num, num_rows, is_active, is_published, is_available, is_overshadowed FROM sys.segments ORDER BY "start"'
expect_sql '[[2]]' 'SELECT COUNT(*) FROM sys.server_segments'
expect_sql "[[\"$id\",\"index_parallel\",\"edits\",\"SUCCESS\"]]" \
    'SELECT task_id, type, datasource, status FROM sys.tasks'
got=$(sql '{"query":"EXPLAIN PLAN FOR SELECT COUNT(*) FROM edits","resultFormat":"array"}')
json_eq "$(echo "$got" | jq -c '.[0][1] | fromjson')" '[{"name":"edits","type":"DATASOURCE"}]'
json_eq "$(echo "$got" | jq -c '.[0][0] | fromjson | .[0].query.queryType')" '"timeseries"'

"$VARVE_BIN" sql --url "$T_URL" 'SELECT channel, SUM(added) AS added FROM edits GROUP BY 1' > "$T_DIR/table"
cat > "$T_DIR/want" <<'TABLE'
┌─────────┬───────┐
│ channel │ added │
├─────────┼───────┤
│ #de     │     1 │
│ #en     │    37 │
│ #fr     │     5 │
└─────────┴───────┘
TABLE
head -7 "$T_DIR/table" | cmp -s - "$T_DIR/want" || fail "varve sql table:
$(cat "$T_DIR/table")"
grep -q '^Retrieved 3 rows in ' "$T_DIR/table" || fail "varve sql footer: $(cat "$T_DIR/table")"
t_alive
echo "sql_batch: ok"
