#!/usr/bin/env bash
# supervisor_e2e.sh — a Kafka supervisor ingests end to end on a real
# `varve server` over the embedded Kafka mock cluster: records produced to a
# 4-partition topic, read by taskCount 2 x replicas 2 tasks that roll over
# every few seconds, appear exactly once in query results (count and sum of
# unique ids), and the committed offsets in the metadata store advance to the
# end of every partition. Later batches, produced while the supervisor runs
# through rollovers, a spec update, checkpoints every 40 rows and a restart of
# the server, are ingested exactly once too.
source "$(dirname "$0")/lib/server.sh"

MOCK_PID=""
stop_mock() {
    if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
}
trap 'stop_mock; t_cleanup' EXIT

"$VARVE_BIN" kafka-mock --brokers 1 --topic events:4 --bootstrap-file "$T_DIR/bs.txt" \
    >"$T_DIR/mock.out" 2>"$T_DIR/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do [ -s "$T_DIR/bs.txt" ] && break; sleep 0.05; done
[ -s "$T_DIR/bs.txt" ] || fail "no mock cluster: $(cat "$T_DIR/mock.err")"
BS=$(cat "$T_DIR/bs.txt")

# produce FROM TO: records id FROM..TO, round robin over the 4 partitions,
# stamped within one hour.
produce() {
    for i in $(seq "$1" "$2"); do
        printf '{"time":"2026-01-01T00:%02d:%02d.000Z","id":"r%d","value":%d}\n' \
            $((i / 60 % 60)) $((i % 60)) "$i" "$i"
    done >"$T_DIR/batch.json"
    "$VARVE_BIN" produce --bootstrap "$BS" --topic events --file "$T_DIR/batch.json" \
        2>"$T_DIR/produce.err" || fail "produce: $(cat "$T_DIR/produce.err")"
}

# count_sum: "rows sum" of the data source through the broker.
count_sum() {
    curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2" --data-binary '{
      "queryType":"timeseries","dataSource":"e2e","granularity":"all",
      "intervals":["2026-01-01/2026-01-02"],
      "aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"sum","fieldName":"value"}]}' |
        jq -r 'if length == 0 then "0 0" else "\(.[0].result.rows) \(.[0].result.sum)" end'
}

stored() {
    python3 -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT commit_metadata_payload FROM druid_dataSource WHERE dataSource = ?", ("e2e",)).fetchone()
print(r[0] if r else "{}")' "$T_DIR/data/metadata.db" | jq -c '.partitions.partitionOffsetMap // {}'
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
    fail "$what: [$got], expected [$want]
$(curl -s "$T_URL/druid/indexer/v1/supervisor/e2e/status" | jq -c .payload)"
}

produce 1 400
unset GLIBC_TUNABLES
t_start --task-slots 12
spec() { # spec TUNING_JSON
    jq -cn --arg bs "$BS" --argjson tu "$1" '{
      type: "kafka",
      spec: {
        dataSchema: {dataSource: "e2e", timestampSpec: {column: "time", format: "iso"},
                     dimensionsSpec: {dimensions: ["id"]},
                     metricsSpec: [{type: "longSum", name: "value", fieldName: "value"}],
                     granularitySpec: {segmentGranularity: "hour", queryGranularity: "none",
                                       rollup: false}},
        ioConfig: {topic: "events", inputFormat: {type: "json"},
                   consumerProperties: {"bootstrap.servers": $bs},
                   taskCount: 2, replicas: 2, useEarliestOffset: true,
                   taskDuration: "PT8S", startDelay: "PT0.5S", period: "PT2S",
                   completionTimeout: "PT120S"},
        tuningConfig: ({type: "kafka", offsetFetchPeriod: "PT5S",
                        handoffConditionTimeout: 60000} + $tu)}}'
}
[ "$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$(spec '{}')" \
    "$T_URL/druid/indexer/v1/supervisor" | jq -r .id)" = e2e ] || fail "supervisor not created"

# 400 records: 100 per partition, ids 1..400 once each.
wait_for "first batch" "400 80200" 120 count_sum
# Tasks run with malloc's heap on transparent huge pages.
wait_for "task tunables" "GLIBC_TUNABLES=glibc.malloc.hugetlb=1" 30 t_task_tunables
wait_for "stored offsets" '{"0":100,"1":100,"2":100,"3":100}' 60 stored

# A second batch while it runs, and a spec update in between (the running
# groups publish and the new spec's tasks continue from where they stopped).
# The new spec cuts segments at 40 rows, so its tasks ask for checkpoints:
# both replicas of a group end each sequence at the same offsets.
produce 401 600
sleep 1
[ "$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$(spec '{"maxRowsInMemory":50000,"maxRowsPerSegment":40}')" \
    "$T_URL/druid/indexer/v1/supervisor" | jq -r .id)" = e2e ] || fail "supervisor not updated"
produce 601 800
wait_for "second batch" "800 320400" 180 count_sum
wait_for "stored offsets" '{"0":200,"1":200,"2":200,"3":200}' 60 stored

st=$(curl -s "$T_URL/druid/indexer/v1/supervisor/e2e/status")
[ "$(echo "$st" | jq -r .payload.healthy)" = true ] || fail "unhealthy: $st"
[ "$(echo "$st" | jq -r .payload.partitions)" = 4 ] || fail "partitions: $st"

# The server stops while tasks read; records arrive while it is down. The
# restarted server re-creates the supervisor, which carries on from the
# committed offsets (or adopts the tasks the server restored).
produce 801 900
t_stop
produce 901 1000
GLIBC_TUNABLES=glibc.malloc.arena_max=8 t_start --task-slots 12
wait_for "after a restart" "1000 500500" 180 count_sum
# The server's own tunables are kept, the huge pages added to them.
wait_for "task tunables" "GLIBC_TUNABLES=glibc.malloc.arena_max=8:glibc.malloc.hugetlb=1" 60 t_task_tunables
wait_for "stored offsets" '{"0":250,"1":250,"2":250,"3":250}' 60 stored

# Every segment published once: no duplicate rows for any id.
dups=$(curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2" --data-binary '{
  "queryType":"groupBy","dataSource":"e2e","granularity":"all","intervals":["2026-01-01/2026-01-02"],
  "dimensions":["id"],"aggregations":[{"type":"count","name":"n"}],
  "having":{"type":"greaterThan","aggregation":"n","value":1}}' | jq length)
[ "$dups" = 0 ] || fail "$dups ids were ingested more than once"
expect_req 200 '{"id":"e2e"}' POST /druid/indexer/v1/supervisor/e2e/terminate
t_stop
