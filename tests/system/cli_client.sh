#!/usr/bin/env bash
# cli_client.sh — the client verbs against a running server: `varve
# supervisor` (submit, list, status, suspend, resume, terminate), `varve task`
# (list, status of an unknown task) and `varve query` (tables and --json), the
# exit statuses and the server's error messages.
source "$VARVE_SRC/tests/system/lib/server.sh"
B=$VARVE_BIN
t_start
export VARVE_URL=$T_URL

"$B" kafka-mock --brokers 1 --topic clicks:2 --bootstrap-file "$T_DIR/bs.txt" >/dev/null 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null; wait $mock 2>/dev/null; t_cleanup' EXIT
for _ in $(seq 100); do [ -s "$T_DIR/bs.txt" ] && break; sleep 0.05; done
BS=$(cat "$T_DIR/bs.txt")

# no supervisors yet
out=$("$B" supervisor list)
[ "$out" = "id  dataSource  state  detailedState  healthy
--  ----------  -----  -------------  -------
(no rows)" ] || fail "empty list: [$out]"

sed "s/localhost:9092/$BS/" "$VARVE_SRC/examples/clicks-kafka.json" > "$T_DIR/spec.json"
out=$("$B" supervisor submit "$T_DIR/spec.json")
[ "$out" = "supervisor clicks submitted" ] || fail "submit: [$out]"
json_eq "$("$B" supervisor list --json | jq -c '[.[] | {id, dataSource}]')" '[{"id":"clicks","dataSource":"clicks"}]'
"$B" supervisor list | grep -Eq '^clicks +clicks +[A-Z_]+ +[A-Z_]+ +(true|false)$' ||
    fail "list table: $("$B" supervisor list)"
"$B" supervisor status clicks | grep -Eq '^dataSource +clicks$' || fail "status: $("$B" supervisor status clicks)"
for _ in $(seq 100); do # the first run finds the partitions
    "$B" supervisor status clicks | grep -Eq '^partitions +2$' && break
    sleep 0.1
done
"$B" supervisor status clicks | grep -Eq '^partitions +2$' || fail "status partitions: $("$B" supervisor status clicks)"

out=$("$B" supervisor suspend clicks)
[ "$out" = "supervisor clicks: suspend done" ] || fail "suspend: [$out]"
[ "$("$B" supervisor status clicks --json | jq -r .payload.suspended)" = true ] || fail "not suspended"
"$B" supervisor resume clicks >/dev/null || fail "resume"
[ "$("$B" supervisor status clicks --json | jq -r .payload.suspended)" = false ] || fail "not resumed"

# errors: the server's message, exit status 1; usage errors exit 2
set +e
err=$("$B" supervisor status nope 2>&1 >/dev/null); rc=$?
set -e
[ $rc -eq 1 ] || fail "status of an unknown supervisor exited $rc"
[ "$err" = "varve supervisor: the server answered 404: [nope] does not exist" ] || fail "error text: [$err]"
set +e
"$B" supervisor frobnicate clicks >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || fail "an unknown command exited $rc"
set +e
err=$("$B" supervisor list --url http://127.0.0.1:1 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "an unreachable server exited $rc"
echo "$err" | grep -q '^varve supervisor: GET http://127.0.0.1:1/druid/indexer/v1/supervisor?state=true: ' ||
    fail "unreachable: [$err]"

"$B" supervisor terminate clicks >/dev/null || fail "terminate"
"$B" task list --json | jq -e 'type == "array"' >/dev/null || fail "task list --json"
set +e
"$B" task status no_such_task >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || fail "status of an unknown task exited $rc"

# a native query over an inline datasource: the table and the raw JSON
q='{"queryType":"groupBy","dataSource":{"type":"inline","columnNames":["__time","page","n"],
"columnTypes":["LONG","STRING","LONG"],"rows":[[0,"a",1],[0,"b",5],[1000,"a",2]]},
"intervals":["1970/2000"],"granularity":"all","dimensions":["page"],
"aggregations":[{"type":"longSum","name":"n","fieldName":"n"}]}'
out=$(echo "$q" | "$B" query -)
[ "$out" = "timestamp                 page  n
------------------------  ----  -
1970-01-01T00:00:00.000Z  a     3
1970-01-01T00:00:00.000Z  b     5" ] || fail "query table: [$out]"
json_eq "$(echo "$q" | "$B" query --json -)" \
  '[{"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"page":"a","n":3}},
    {"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"n":5,"page":"b"}}]'
set +e
err=$(echo '{"queryType":"timeseries"}' | "$B" query - 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "a bad query exited $rc"
echo "$err" | grep -q '^varve query: the server answered 400: ' || fail "bad query: [$err]"
t_alive
echo "cli_client: ok"
