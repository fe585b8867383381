#!/usr/bin/env bash
# sql_http.sh — POST /druid/v2/sql on a running `varve server`: every
# resultFormat byte for byte with the header rows, the query id headers,
# text/plain and form bodies, Druid's error bodies and statuses (request
# errors, parse, validation and planning errors), the metadata tables, and
# cancellation of an unknown query.
source "$(dirname "$0")/lib/server.sh"

t_start

sql() { # sql JSON_BODY -> "<status> <body>"
    req POST /druid/v2/sql -H 'Content-Type: application/json' --data-binary "$1"
}
expect_sql() { # expect_sql STATUS BODY JSON_BODY
    local got
    got=$(sql "$3")
    [ "$got" = "$1 $2" ] || fail "$3 -> [$got], expected [$1 $2]"
}

Q='"query":"SELECT 1 + 1 AS x, '"'"'a,b'"'"' AS s, CAST(NULL AS VARCHAR) AS n"'
expect_sql 200 '[{"x":2,"s":"a,b","n":null}]' "{$Q}"
expect_sql 200 '[[2,"a,b",null]]' "{$Q,\"resultFormat\":\"array\"}"
expect_sql 200 '[{"x":2,"s":"a,b","n":null}]' "{$Q,\"resultFormat\":\"OBJECT\"}"
expect_sql 200 '[{"x":{"type":"LONG","sqlType":"INTEGER"},"s":{"type":"STRING","sqlType":"CHAR"},"n":{"type":"STRING","sqlType":"VARCHAR"}},{"x":2,"s":"a,b","n":null}]' \
    "{$Q,\"header\":true,\"typesHeader\":true,\"sqlTypesHeader\":true}"
expect_sql 200 '[{"x":null,"s":null,"n":null},{"x":2,"s":"a,b","n":null}]' "{$Q,\"header\":true}"
expect_sql 200 '[["x","s","n"],["LONG","STRING","STRING"],[2,"a,b",null]]' \
    "{$Q,\"resultFormat\":\"array\",\"header\":true,\"typesHeader\":true}"

# Line formats end with a blank line; CSV quotes only where needed.
curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2/sql" \
    --data-binary "{$Q,\"resultFormat\":\"objectLines\"}" > "$T_DIR/ol"
printf '{"x":2,"s":"a,b","n":null}\n\n' | cmp -s - "$T_DIR/ol" || fail "objectLines: $(od -c "$T_DIR/ol")"
curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2/sql" \
    --data-binary "{$Q,\"resultFormat\":\"arrayLines\",\"header\":true}" > "$T_DIR/al"
printf '["x","s","n"]\n[2,"a,b",null]\n\n' | cmp -s - "$T_DIR/al" || fail "arrayLines: $(od -c "$T_DIR/al")"
curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2/sql" \
    --data-binary "{$Q,\"resultFormat\":\"csv\",\"header\":true,\"sqlTypesHeader\":true}" > "$T_DIR/csv"
printf 'x,s,n\nINTEGER,CHAR,VARCHAR\n2,"a,b",\n\n' | cmp -s - "$T_DIR/csv" || fail "csv: $(od -c "$T_DIR/csv")"
curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2/sql" \
    --data-binary '{"query":"SELECT 1 FROM INFORMATION_SCHEMA.SCHEMATA WHERE 1 = 0","resultFormat":"objectLines"}' > "$T_DIR/empty"
printf '\n\n' | cmp -s - "$T_DIR/empty" || fail "empty objectLines: $(od -c "$T_DIR/empty")"

# Query ids: the context's sqlQueryId, in both headers.
curl -s -D "$T_DIR/hdr" -o /dev/null -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2/sql" \
    --data-binary '{"query":"SELECT 1","context":{"sqlQueryId":"my-query"},"header":true}'
grep -qi '^X-Druid-SQL-Query-Id: my-query' "$T_DIR/hdr" || fail "X-Druid-SQL-Query-Id: $(cat "$T_DIR/hdr")"
grep -qi '^X-Druid-Query-Id: my-query' "$T_DIR/hdr" || fail "X-Druid-Query-Id"
grep -qi '^X-Druid-SQL-Header-Included: yes' "$T_DIR/hdr" || fail "X-Druid-SQL-Header-Included"
grep -qi '^Content-Type: application/json' "$T_DIR/hdr" || fail "Content-Type"

# Plain-text and form bodies are the statement itself, answered as objects.
expect_req 200 '[{"EXPR$0":3}]' POST /druid/v2/sql -H 'Content-Type: text/plain' --data-binary 'SELECT 1 + 2'
expect_req 200 '[{"EXPR$0":3}]' POST /druid/v2/sql -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary 'SELECT%201%20%2B%202'

# Parameters and the time zone.
expect_sql 200 '[{"EXPR$0":"ab","EXPR$1":6}]' \
    '{"query":"SELECT ? || '"'"'b'"'"', ? * 2","parameters":[{"type":"VARCHAR","value":"a"},{"type":"INTEGER","value":3}]}'
expect_sql 200 '[{"EXPR$0":"2021-03-04T00:00:00.000+05:30"}]' \
    '{"query":"SELECT TIMESTAMP '"'"'2021-03-04 00:00:00'"'"'","context":{"sqlTimeZone":"Asia/Kolkata"}}'

# Request errors: {"error": ...} only.
expect_req 400 '{"error":"Unsupported Content-Type: missing; send application/json"}' POST /druid/v2/sql --data-binary 'SELECT 1' -H 'Content-Type:'
expect_req 415 '{"error":"Unsupported Content-Type: application/xml; send application/json"}' \
    POST /druid/v2/sql -H 'Content-Type: application/xml' --data-binary 'SELECT 1'
expect_sql 400 '{"error":"Empty query"}' '{"query":""}'
expect_sql 400 '{"error":"If typesHeader is set, header must also be set"}' '{"query":"SELECT 1","typesHeader":true}'
got=$(sql '{"query":')
case "$got" in "400 {\"error\":\"Malformed SQL query wrapped in JSON: "*) ;; *) fail "malformed JSON: $got" ;; esac

# Parse, validation and planning errors in the druidException shape.
expect_sql 400 '{"error":"druidException","errorCode":"invalidInput","persona":"USER","category":"INVALID_INPUT","errorMessage":"Object '"'"'nope'"'"' not found (line [1], column [15])","context":{"sourceType":"sql","line":"1","column":"15","endLine":"1","endColumn":"18"}}' \
    '{"query":"SELECT * FROM nope"}'
got=$(sql '{"query":"SELECT FROM x"}')
echo "$got" | grep -q '^400 {"error":"druidException","errorCode":"invalidInput","persona":"USER","category":"INVALID_INPUT","errorMessage":"Received an unexpected token \[FROM\] (line \[1\], column \[8\]), acceptable options: \[' \
    || fail "parse error: $got"
echo "$got" | grep -q '"token":"FROM"' || fail "parse error token: $got"
expect_sql 400 '{"error":"druidException","errorCode":"general","persona":"USER","category":"INVALID_INPUT","errorMessage":"Query could not be planned. A possible reason is [SQL requires '"'"'UNION'"'"' but only '"'"'UNION ALL'"'"' is supported.]","context":{}}' \
    '{"query":"SELECT 1 UNION SELECT 2"}'

# Metadata tables.
expect_sql 200 '[{"SCHEMA_NAME":"INFORMATION_SCHEMA"},{"SCHEMA_NAME":"druid"},{"SCHEMA_NAME":"lookup"},{"SCHEMA_NAME":"sys"},{"SCHEMA_NAME":"view"}]' \
    '{"query":"SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA"}'
expect_sql 200 '[{"TABLE_NAME":"segments"},{"TABLE_NAME":"server_segments"},{"TABLE_NAME":"servers"},{"TABLE_NAME":"supervisors"},{"TABLE_NAME":"tasks"}]' \
    '{"query":"SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = '"'"'sys'"'"'"}'
expect_sql 200 "[{\"server_type\":\"broker\",\"plaintext_port\":$T_PORT},{\"server_type\":\"coordinator\",\"plaintext_port\":$T_PORT},{\"server_type\":\"historical\",\"plaintext_port\":$T_PORT},{\"server_type\":\"overlord\",\"plaintext_port\":$T_PORT}]" \
    '{"query":"SELECT server_type, plaintext_port FROM sys.servers ORDER BY server_type LIMIT 10"}'
expect_sql 200 '[{"EXPR$0":0}]' '{"query":"SELECT COUNT(*) FROM sys.segments"}'
expect_sql 200 '[]' '{"query":"SELECT task_id, status FROM sys.tasks"}'

# Cancelling a query nobody runs.
expect_req 404 '' DELETE /druid/v2/sql/nope
t_alive
echo "sql_http: ok"
