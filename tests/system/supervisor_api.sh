#!/usr/bin/env bash
# supervisor_api.sh — the supervisor API of a real `varve server` over the
# embedded Kafka mock cluster: a Druid Kafka spec (nested and legacy
# flattened forms) is accepted, the status shows the partitions, the stream's
# latest offsets and the lag of the produced backlog; the list, spec,
# history, health, suspend/resume, handoff and reset endpoints answer with
# Druid's shapes and errors; a restarted server re-creates the supervisor; a
# terminated one stays terminated.
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

# 100 events, round robin: 25 per partition.
"$VARVE_BIN" gen --count 100 --seed 5 --start 2026-01-01T00:00:00Z >"$T_DIR/events.json"
"$VARVE_BIN" produce --bootstrap "$BS" --topic events --file "$T_DIR/events.json" 2>"$T_DIR/produce.err" ||
    fail "produce: $(cat "$T_DIR/produce.err")"

t_start
S=/druid/indexer/v1/supervisor

spec() { # spec ID [extra ioConfig JSON]
    jq -cn --arg id "$1" --arg bs "$BS" --argjson io "${2:-{\}}" '{
      type: "kafka", id: $id,
      spec: {
        dataSchema: {dataSource: "wiki", timestampSpec: {column: "time", format: "iso"},
                     dimensionsSpec: {dimensions: ["channel", "page"]},
                     granularitySpec: {segmentGranularity: "hour", queryGranularity: "none"}},
        ioConfig: ({topic: "events", inputFormat: {type: "json"},
                    consumerProperties: {"bootstrap.servers": $bs},
                    taskCount: 2, replicas: 1, useEarliestOffset: true,
                    startDelay: "PT0.5S", period: "PT2S"} + $io),
        tuningConfig: {type: "kafka", offsetFetchPeriod: "PT5S"}}}'
}

# Malformed specs: Druid's error body naming the field.
expect_req 400 '{"error":"request body: empty, expected JSON"}' POST $S --data-binary ''
got=$(req POST $S --data-binary "$(spec wiki '{"taskCount":0}')")
case "$got" in "400 {\"error\":\"spec.ioConfig.taskCount"*) ;; *) fail "taskCount 0: $got" ;; esac
got=$(req POST $S --data-binary '{"type":"kafka","spec":{"dataSchema":{"dataSource":"x"},"ioConfig":{"topic":"t"}}}')
case "$got" in "400 {\"error\":\"spec."*) ;; *) fail "incomplete spec: $got" ;; esac
expect_req 400 '{"error":"dataSchema: required"}' POST $S --data-binary '{"type":"kinesis"}'
expect_req 400 '{"error":"type: unsupported supervisor type '"'"'kafka8'"'"' (supported: kafka, kinesis)"}' \
    POST $S --data-binary '{"type":"kafka8"}'
expect_req 200 '[]' GET $S

# Unknown supervisors.
expect_req 404 '{"error":"[nope] does not exist"}' GET $S/nope
expect_req 404 '{"error":"[nope] does not exist"}' GET $S/nope/status
expect_req 404 '{"error":"[nope] does not exist or health check not implemented"}' GET $S/nope/health
expect_req 404 '{"error":"[nope] does not exist"}' POST $S/nope/suspend
expect_req 404 '{"error":"[nope] does not exist"}' POST $S/nope/reset
expect_req 404 '{"error":"[nope] does not exist"}' POST $S/nope/terminate
expect_req 404 '{"error":"No history for [nope]."}' GET $S/nope/history
expect_req 404 '{"error":"Supervisor was not found [nope]"}' POST $S/nope/taskGroups/handoff \
    --data-binary '{"taskGroupIds":[0]}'

# Create (nested form).
expect_req 200 '{"id":"wiki"}' POST $S -H 'Content-Type: application/json' --data-binary "$(spec wiki)"
expect_req 200 '["wiki"]' GET $S
got=$(curl -s "$T_URL$S/wiki")
[ "$(echo "$got" | jq -r '.spec.ioConfig.topic, .ioConfig.taskCount, .suspended' | tr '\n' ' ')" = "events 2 false " ] ||
    fail "spec: $got"

# The status: 4 partitions in 2 groups, and, after the first offset refresh
# (startDelay + 15 s), the latest offsets and the lag of the whole backlog.
for _ in $(seq 1 300); do
    st=$(curl -s "$T_URL$S/wiki/status")
    [ "$(echo "$st" | jq -r '.payload.offsetsLastUpdated // empty')" != "" ] && break
    sleep 0.1
done
echo "$st" | jq -e '.id == "wiki" and (.generationTime | test("Z$"))' >/dev/null || fail "report: $st"
p=$(echo "$st" | jq -c '.payload | {id, dataSource, stream, partitions, replicas, durationSeconds, latestOffsets, suspended}')
json_eq "$p" '{"id":"wiki","dataSource":"wiki","stream":"events","partitions":4,"replicas":1,"durationSeconds":3600,"latestOffsets":{"0":25,"1":25,"2":25,"3":25},"suspended":false}'
# The tasks read the backlog as the status is taken: each partition's lag is
# what is left of its 25 records, and the aggregate their sum.
echo "$st" | jq -e '.payload | ([.minimumLag[] | select(. >= 0 and . <= 25)] | length) == 4 and
    .aggregateLag == ([.minimumLag[]] | add)' >/dev/null || fail "lag: $st"
# Once the tasks have read everything, no lag is left.
for _ in $(seq 1 300); do
    st=$(curl -s "$T_URL$S/wiki/status")
    [ "$(echo "$st" | jq -c '.payload | [.aggregateLag, .minimumLag]')" = '[0,{"0":0,"1":0,"2":0,"3":0}]' ] && break
    sleep 0.1
done
[ "$(echo "$st" | jq -c '.payload | [.aggregateLag, .minimumLag]')" = '[0,{"0":0,"1":0,"2":0,"3":0}]' ] ||
    fail "lag after the tasks read the backlog: $st"
echo "$st" | jq -e '.payload | (.activeTasks | type) == "array" and (.publishingTasks | type) == "array" and (.recentErrors | type) == "array"' >/dev/null ||
    fail "task lists: $st"
# Every task this supervisor created belongs to it and reads its group's partitions from offset 0.
curl -s "$T_URL/druid/indexer/v1/tasks?datasource=wiki&type=index_kafka" >"$T_DIR/tasks.json"
[ "$(jq length "$T_DIR/tasks.json")" -ge 2 ] || fail "tasks: $(cat "$T_DIR/tasks.json")"
id=$(jq -r '.[-1].id' "$T_DIR/tasks.json")
pl=$(curl -s "$T_URL/druid/indexer/v1/task/$id" | jq -c '.payload | {supervisorId, g: .ioConfig.taskGroupId, s: .ioConfig.startSequenceNumbers.partitionOffsetMap}')
case "$pl" in
    '{"supervisorId":"wiki","g":0,"s":{"0":0,"2":0}}' | '{"supervisorId":"wiki","g":1,"s":{"1":0,"3":0}}') ;;
    *) fail "task payload: $pl" ;;
esac

# List flags.
l=$(curl -s "$T_URL$S?state=true" | jq -c '.[0] | {id, dataSource, suspended, k: (keys | sort)}')
json_eq "$l" '{"id":"wiki","dataSource":"wiki","suspended":false,"k":["dataSource","detailedState","healthy","id","state","suspended"]}'
l=$(curl -s "$T_URL$S?full" | jq -c '.[0] | {id, t: .spec.type}')
json_eq "$l" '{"id":"wiki","t":"kafka"}'
l=$(curl -s "$T_URL$S?system" | jq -c '.[0] | {type, source, suspended, s: (.specString | fromjson | .spec.ioConfig.topic)}')
json_eq "$l" '{"type":"kafka","source":"events","suspended":false,"s":"events"}'

# Health answers 200 or 503 with Druid's body.
got=$(req GET $S/wiki/health)
case "$got" in "200 {\"healthy\":true}" | "503 {\"healthy\":false}") ;; *) fail "health: $got" ;; esac

# Handoff, reset, resetOffsets.
expect_req 400 '{"error":"List of task groups to handoff can'"'"'t be empty"}' POST $S/wiki/taskGroups/handoff --data-binary '{}'
expect_req 202 '' POST $S/wiki/taskGroups/handoff --data-binary '{"taskGroupIds":[0,9]}'
expect_req 200 '{"id":"wiki"}' POST $S/wiki/reset
expect_req 400 '{"error":"Stream[other] doesn'"'"'t exist in the supervisor[wiki]. Supervisor is consuming stream[events]."}' \
    POST $S/wiki/resetOffsets --data-binary '{"type":"kafka","partitions":{"type":"end","stream":"other","partitionOffsetMap":{"0":1}}}'
expect_req 200 '{"id":"wiki"}' POST $S/wiki/resetOffsets \
    --data-binary '{"type":"kafka","partitions":{"type":"end","stream":"events","partitionOffsetMap":{"0":5}}}'
for _ in $(seq 1 100); do
    m=$(python3 -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT commit_metadata_payload FROM druid_dataSource WHERE dataSource = ?", ("wiki",)).fetchone()
print(r[0] if r else "")' "$T_DIR/data/metadata.db" 2>/dev/null || true)
    [ -n "$m" ] && break
    sleep 0.1
done
# Partition 0 is at the offset given; the row may also hold what the group
# handed off above committed for its other partition.
[ "$(echo "$m" | jq -c '.partitions.partitionOffsetMap["0"]')" = 5 ] || fail "stored offsets after resetOffsets: $m"

# Suspend and resume return the spec; a second time is a 400.
got=$(curl -s -XPOST "$T_URL$S/wiki/suspend" | jq -c '.suspended')
[ "$got" = true ] || fail "suspend: $got"
expect_req 400 '{"error":"[wiki] is already suspended"}' POST $S/wiki/suspend
for _ in $(seq 1 100); do
    s=$(curl -s "$T_URL$S?state=true" | jq -r '.[0].state')
    [ "$s" = SUSPENDED ] && break
    sleep 0.1
done
[ "$s" = SUSPENDED ] || fail "state after suspend: $s"
got=$(curl -s -XPOST "$T_URL$S/wiki/resume" | jq -c '.suspended')
[ "$got" = false ] || fail "resume: $got"
expect_req 400 '{"error":"[wiki] is already running"}' POST $S/wiki/resume
expect_req 200 '{"status":"success"}' POST $S/suspendAll
expect_req 200 '{"status":"success"}' POST $S/resumeAll

# History: every version, newest first.
[ "$(curl -s "$T_URL$S/wiki/history" | jq -c '[.[].spec.suspended]')" = '[false,true,false,true,false]' ] ||
    fail "history: $(curl -s "$T_URL$S/wiki/history" | jq -c '[.[].spec.suspended]')"
[ "$(curl -s "$T_URL$S/wiki/history?count=2" | jq length)" = 2 ] || fail "history count"
expect_req 400 '{"error":"Count must be greater than zero if set (count was 0)"}' GET "$S/wiki/history?count=0"
[ "$(curl -s "$T_URL$S/history" | jq -c '.wiki | length')" = 5 ] || fail "all history"

# The legacy flattened form makes a second supervisor of the same data source.
flat=$(spec flat | jq -c '{type, id, dataSchema: .spec.dataSchema, ioConfig: .spec.ioConfig, tuningConfig: .spec.tuningConfig}')
expect_req 200 '{"id":"flat"}' POST $S --data-binary "$flat"
expect_req 200 '["flat","wiki"]' GET $S

# A restarted server re-creates both.
t_stop
t_start
expect_req 200 '["flat","wiki"]' GET $S
[ "$(curl -s "$T_URL$S/wiki" | jq -r '.spec.ioConfig.topic')" = events ] || fail "spec after restart"

# Terminate: gone from the list, kept in the history, not re-created.
expect_req 200 '{"id":"flat"}' POST $S/flat/terminate
expect_req 404 '{"error":"[flat] does not exist"}' POST $S/flat/terminate
expect_req 200 '["wiki"]' GET $S
[ "$(curl -s "$T_URL$S/flat/history" | jq -r '.[0].spec.type')" = NoopSupervisorSpec ] || fail "tombstone"
expect_req 200 '{"id":"wiki"}' POST $S/wiki/shutdown
expect_req 200 '{"status":"success"}' POST $S/terminateAll
t_stop
t_start
expect_req 200 '[]' GET $S
t_stop
