#!/usr/bin/env bash
# supervisor_rows.sh — what a Kafka supervisor does with each row, on a real
# `varve server` over the embedded Kafka mock cluster: csv and tsv records go
# through the row pipeline; rows older than lateMessageRejectionPeriod or
# newer than earlyMessageRejectionPeriod (relative to the task group's start)
# are thrown away and counted by reason; an unparseable record is counted and
# saved with Druid's message; the supervisor's stats and the task's report
# agree; and a topicPattern supervisor picks up a topic created after it
# started (its partitions join at the next rollover, after
# repartitionTransitionDuration), every record once.
source "$(dirname "$0")/lib/server.sh"

MOCK_PID=""
stop_mock() {
    if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
}
trap 'stop_mock; t_cleanup' EXIT

"$VARVE_BIN" kafka-mock --brokers 1 --topic csvev:2 --topic tsvev:2 --bootstrap-file "$T_DIR/bs.txt" \
    >"$T_DIR/mock.out" 2>"$T_DIR/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do [ -s "$T_DIR/bs.txt" ] && break; sleep 0.05; done
[ -s "$T_DIR/bs.txt" ] || fail "no mock cluster: $(cat "$T_DIR/mock.err")"
BS=$(cat "$T_DIR/bs.txt")

produce() { # produce TOPIC FILE
    "$VARVE_BIN" produce --bootstrap "$BS" --topic "$1" --file "$2" \
        2>"$T_DIR/produce.err" || fail "produce: $(cat "$T_DIR/produce.err")"
}

sql() { # sql STATEMENT: the rows as compact JSON
    curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2/sql" \
        --data-binary "$(jq -cn --arg q "$1" '{query: $q}')" | jq -c .
}

# wait_for WHAT WANT SECONDS CMD...: until CMD prints WANT.
wait_for() {
    local what=$1 want=$2 secs=$3 got=""
    shift 3
    for _ in $(seq 1 $((secs * 4))); do
        got=$("$@" || true)
        [ "$got" = "$want" ] && return 0
        sleep 0.25
    done
    fail "$what: [$got], expected [$want]"
}

# spec DATASOURCE IOCONFIG_EXTRA TUNING_EXTRA DIMENSIONS
spec() {
    jq -cn --arg bs "$BS" --arg ds "$1" --argjson io "$2" --argjson tu "$3" --argjson dims "$4" '{
      type: "kafka",
      spec: {
        dataSchema: {dataSource: $ds, timestampSpec: {column: "time", format: "iso"},
                     dimensionsSpec: {dimensions: $dims},
                     metricsSpec: [{type: "longSum", name: "value", fieldName: "value"}],
                     granularitySpec: {segmentGranularity: "hour", queryGranularity: "none",
                                       rollup: false}},
        ioConfig: ({consumerProperties: {"bootstrap.servers": $bs},
                    taskCount: 1, replicas: 1, useEarliestOffset: true,
                    taskDuration: "PT1H", startDelay: "PT0.5S", period: "PT1S"} + $io),
        tuningConfig: ({type: "kafka", offsetFetchPeriod: "PT2S"} + $tu)}}'
}
submit() { # submit SPEC: the supervisor id
    curl -s -X POST -H 'Content-Type: application/json' --data-binary "$1" \
        "$T_URL/druid/indexer/v1/supervisor" | jq -r .id
}

# A server started with glibc.malloc.hugetlb passes it to its tasks unchanged
# (docs/configuration.md: the way to keep tasks off huge pages).
GLIBC_TUNABLES=glibc.malloc.hugetlb=0 t_start --task-slots 8

# ---- csv: good, late, early and unparseable rows ---------------------------------------
# The task group starts now, so with one hour of tolerance either way a row of
# 2000 is late and a row of 2100 is early.
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
{
    for i in 1 2 3 4 5 6; do echo "$now,a$i,$i"; done
    echo "2000-01-01T00:00:00Z,late,100"
    echo "2100-01-01T00:00:00Z,early,1000"
    echo "notatime,bad,7"
} >"$T_DIR/rows.csv"
produce csvev "$T_DIR/rows.csv"
[ "$(submit "$(spec csvrows '{"topic":"csvev","inputFormat":{"type":"csv","columns":["time","name","value"]},
                              "lateMessageRejectionPeriod":"PT1H","earlyMessageRejectionPeriod":"PT1H"}' \
                   '{"maxSavedParseExceptions":10}' '["name"]')")" = csvrows ] || fail "csv supervisor not created"

wait_for "csv rows" '[{"c":6,"s":21}]' 60 sql 'SELECT COUNT(*) AS c, SUM("value") AS s FROM csvrows'
wait_for "task tunables" "GLIBC_TUNABLES=glibc.malloc.hugetlb=0" 30 t_task_tunables
q='SELECT name, SUM("value") AS v FROM csvrows GROUP BY name ORDER BY name'
[ "$(sql "$q")" = '[{"name":"a1","v":1},{"name":"a2","v":2},{"name":"a3","v":3},{"name":"a4","v":4},{"name":"a5","v":5},{"name":"a6","v":6}]' ] ||
    fail "csv rows: $(sql "$q")"

# The row accounting of the supervisor's stats: 9 records read, 6 rows.
totals() {
    curl -s "$T_URL/druid/indexer/v1/supervisor/$1/stats" | jq -c '[.[][] | .totals.buildSegments][0] | del(.processedBytes)'
}
wait_for "csv stats" '{"processed":6,"processedWithError":0,"thrownAway":2,"thrownAwayByReason":{"beforeMinimumMessageTime":1,"afterMaximumMessageTime":1},"unparseable":1}' 30 totals csvrows

# The task's live report saves the unparseable record with Druid's message.
task=$(curl -s "$T_URL/druid/indexer/v1/supervisor/csvrows/status" | jq -r '.payload.activeTasks[0].id')
rep=$(curl -s "$T_URL/druid/indexer/v1/task/$task/reports")
json_eq "$(echo "$rep" | jq -c '.ingestionStatsAndErrors.payload.unparseableEvents.buildSegments | map(del(.timeOfExceptionMillis))')" \
    '[{"input":"notatime,bad,7","errorType":"unparseable","details":["Timestamp[notatime] is unparseable! Event: notatime,bad,7"]}]'
json_eq "$(echo "$rep" | jq -c '.ingestionStatsAndErrors.payload.rowStats.totals.buildSegments | del(.processedBytes)')" \
    '{"processed":6,"processedWithError":0,"thrownAway":2,"thrownAwayByReason":{"beforeMinimumMessageTime":1,"afterMaximumMessageTime":1},"unparseable":1}'

# ---- tsv with a header row skipped and a multi-value column ----------------------------
printf 'time\tname\ttags\tvalue\n' >"$T_DIR/rows.tsv"
for i in 1 2 3 4; do printf '%s\tt%d\tx|y%d\t%d\n' "$now" "$i" "$i" $((i * 10)); done >>"$T_DIR/rows.tsv"
produce tsvev "$T_DIR/rows.tsv"
# findColumnsFromHeader does not apply to a stream (each record is parsed on
# its own), so the header record is a row whose time does not parse.
[ "$(submit "$(spec tsvrows '{"topic":"tsvev","inputFormat":{"type":"tsv","columns":["time","name","tags","value"],"listDelimiter":"|"}}' \
                   '{}' '["name","tags"]')")" = tsvrows ] || fail "tsv supervisor not created"
wait_for "tsv rows" '[{"c":4,"s":100}]' 60 sql 'SELECT COUNT(*) AS c, SUM("value") AS s FROM tsvrows'
[ "$(sql 'SELECT tags, COUNT(*) AS n FROM tsvrows GROUP BY tags ORDER BY tags')" = \
  '[{"tags":"x","n":4},{"tags":"y1","n":1},{"tags":"y2","n":1},{"tags":"y3","n":1},{"tags":"y4","n":1}]' ] ||
    fail "tsv tags: $(sql 'SELECT tags, COUNT(*) AS n FROM tsvrows GROUP BY tags ORDER BY tags')"
wait_for "tsv stats" '{"processed":4,"processedWithError":0,"thrownAway":0,"thrownAwayByReason":{},"unparseable":1}' 30 totals tsvrows

# ---- topicPattern: a topic created later joins at the next rollover -------------------
for i in 1 2 3; do echo "{\"time\":\"$now\",\"value\":$i}"; done >"$T_DIR/a.json"
produce pat-a "$T_DIR/a.json"
[ "$(submit "$(spec pat '{"topicPattern":"pat-.*","inputFormat":{"type":"json"},"taskCount":2}' \
                   '{"repartitionTransitionDuration":"PT2S"}' '[]')")" = pat ] || fail "pattern supervisor not created"
wait_for "first topic" '[{"c":3,"s":6}]' 60 sql 'SELECT COUNT(*) AS c, SUM("value") AS s FROM pat'
for i in 10 20 30 40 50; do echo "{\"time\":\"$now\",\"value\":$i}"; done >"$T_DIR/b.json"
produce pat-b "$T_DIR/b.json"
wait_for "second topic" '[{"c":8,"s":156}]' 90 sql 'SELECT COUNT(*) AS c, SUM("value") AS s FROM pat'
parts() { curl -s "$T_URL/druid/indexer/v1/supervisor/pat/status" | jq -r .payload.partitions; }
wait_for "partitions" 8 10 parts
# Each task reads partitions of both topics once the groups were re-formed.
wait_for "groups over both topics" '["pat-a","pat-b"]' 60 sh -c \
    "curl -s '$T_URL/druid/indexer/v1/supervisor/pat/status' | jq -c '[.payload.activeTasks[].startingOffsets | keys[] | split(\":\")[0]] | unique'"
t_alive
echo "supervisor_rows: ok"
