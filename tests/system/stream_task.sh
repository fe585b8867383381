#!/usr/bin/env bash
# stream_task.sh — index_kafka tasks end to end, without a supervisor: an
# embedded Kafka mock cluster holds numbered records (n = 1, 2, ...; record n
# on partition (n-1) % 2, so the first k offsets of both partitions hold
# n = 1..2k); tasks submitted through POST /druid/indexer/v1/task with
# explicit start and end offsets publish segments and offsets together.
# Checked: the segments published, the stored commit metadata, query totals
# (count and sum of n) equal to what was produced; a second task from the
# committed offsets; a wrong start refused with Druid's message; two replicas
# publishing once; the chat endpoints of a running task; kill -9 of a task
# process and of the server mid-read without a lost or duplicated record.
source "$(dirname "$0")/lib/server.sh"

MOCK_PID=""
stop_mock() { [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null || true; }
trap 'stop_mock; t_cleanup' EXIT

"$VARVE_BIN" kafka-mock --brokers 1 --topic events:2 --topic bad:1 --topic big:1 --bootstrap-file "$T_DIR/bs.txt" \
    >"$T_DIR/mock.out" 2>"$T_DIR/mock.err" &
MOCK_PID=$!
for _ in $(seq 200); do [ -s "$T_DIR/bs.txt" ] && break; sleep 0.05; done
[ -s "$T_DIR/bs.txt" ] || fail "no mock cluster: $(cat "$T_DIR/mock.err")"
BS=$(cat "$T_DIR/bs.txt")

# produce FROM TO: records n = FROM..TO, 7 s apart from 2021-03-04T05:00:00Z.
produce() {
    python3 - "$1" "$2" >"$T_DIR/ev.json" <<'PY'
import datetime, sys
base = datetime.datetime(2021, 3, 4, 5, 0, 0)
for n in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
    t = base + datetime.timedelta(seconds=7 * n)
    print('{"ts":"%s","n":%d,"host":"h%d"}' % (t.strftime("%Y-%m-%dT%H:%M:%SZ"), n, n % 3))
PY
    "$VARVE_BIN" produce --bootstrap "$BS" --topic events --file "$T_DIR/ev.json" \
        2>"$T_DIR/produce.err" || fail "produce: $(cat "$T_DIR/produce.err")"
}

# task ID BASE START END [TUNING]: the task JSON; START/END are offsets of both
# partitions (END "NOEND": open-ended, as a supervisor starts a task).
task() {
    local id=$1 base=$2 s=$3 e=$4 tuning=${5:-}
    [ "$e" = NOEND ] && e=9223372036854775807
    cat <<JS
{"type":"index_kafka","id":"$id",
 "dataSchema":{"dataSource":"ev","timestampSpec":{"column":"ts","format":"iso"},
   "dimensionsSpec":{"dimensions":["host"]},
   "metricsSpec":[{"type":"count","name":"count"},{"type":"longSum","name":"n","fieldName":"n"}],
   "granularitySpec":{"segmentGranularity":"hour","queryGranularity":"none","rollup":false}},
 "tuningConfig":{"type":"kafka","maxRowsInMemory":100$tuning},
 "ioConfig":{"type":"kafka","taskGroupId":0,"baseSequenceName":"$base",
   "startSequenceNumbers":{"type":"start","stream":"events","partitionOffsetMap":{"0":$s,"1":$s}},
   "endSequenceNumbers":{"type":"end","stream":"events","partitionOffsetMap":{"0":$e,"1":$e}},
   "consumerProperties":{"bootstrap.servers":"$BS"},"inputFormat":{"type":"json"}}}
JS
}

stored_metadata() {
    python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute("select commit_metadata_payload from druid_dataSource where dataSource=?",("ev",)).fetchone(); print(r[0] if r else "")' \
        "$T_DIR/data/metadata.db"
}

expect_metadata() {
    local want="{\"type\":\"kafka\",\"partitions\":{\"type\":\"end\",\"stream\":\"events\",\"topic\":\"events\",\"partitionSequenceNumberMap\":{\"0\":$1,\"1\":$1},\"partitionOffsetMap\":{\"0\":$1,\"1\":$1}}}"
    [ "$(stored_metadata)" = "$want" ] || fail "stored metadata: $(stored_metadata), expected $want"
}

# totals COUNT SUM: the timeseries over everything published.
totals() {
    local q='{"queryType":"timeseries","dataSource":"ev","granularity":"all","intervals":["2021-01-01/2022-01-01"],"aggregations":[{"type":"longSum","name":"count","fieldName":"count"},{"type":"longSum","name":"n","fieldName":"n"}]}'
    local got
    for _ in $(seq 100); do
        got=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$q" "$T_URL/druid/v2")
        [ "$got" = "[{\"timestamp\":\"2021-03-04T05:00:07.000Z\",\"result\":{\"count\":$1,\"n\":$2}}]" ] && return 0
        sleep 0.1
    done
    fail "query totals: $got, expected count $1 and sum $2"
}

segments() {
    curl -s "$T_URL/druid/coordinator/v1/metadata/datasources/ev/segments?full" |
        jq -c '[.[] | {interval, p: .shardSpec.partitionNum, core: .shardSpec.partitions}] | sort_by(.interval, .p)'
}

report() { cat "$T_DIR/data/tasks/$1/report.json"; }

t_start
produce 1 1000

# ---- a task with a finite end publishes its segments and offsets together -----------
submit "$(task ta seqA 0 300)" >/dev/null
wait_task ta SUCCESS 120
expect_metadata 300
# n = 1..600 at 7 s steps from 05:00:07 to 06:10:00: two hour chunks
json_eq "$(segments)" '[{"interval":"2021-03-04T05:00:00.000Z/2021-03-04T06:00:00.000Z","p":0,"core":0},{"interval":"2021-03-04T06:00:00.000Z/2021-03-04T07:00:00.000Z","p":0,"core":0}]'
wait_loaded ev
totals 600 180300
r=$(report ta)
json_eq "$(echo "$r" | jq -c '.ingestionStatsAndErrors.payload | {ingestionState, errorMsg, segmentAvailabilityConfirmed, rowStats, recordsProcessed}')" \
    '{"ingestionState":"COMPLETED","errorMsg":null,"segmentAvailabilityConfirmed":true,"rowStats":{"buildSegments":{"processed":600,"processedBytes":'"$(head -600 "$T_DIR/ev.json" | tr -d '\n' | wc -c)"',"processedWithError":0,"thrownAway":0,"thrownAwayByReason":{},"unparseable":0}},"recordsProcessed":{"KafkaTopicPartition{partition=0, topic='"'"'null'"'"', multiTopicPartition=false}":300,"KafkaTopicPartition{partition=1, topic='"'"'null'"'"', multiTopicPartition=false}":300}}'

# ---- the next task starts from the committed offsets ----------------------------------
submit "$(task tb seqB 300 500)" >/dev/null
wait_task tb SUCCESS 120
expect_metadata 500
totals 1000 500500
# n = 601..1000 all fall in the 06:00 chunk: seqB appends its partition 1
json_eq "$(segments)" '[{"interval":"2021-03-04T05:00:00.000Z/2021-03-04T06:00:00.000Z","p":0,"core":0},{"interval":"2021-03-04T06:00:00.000Z/2021-03-04T07:00:00.000Z","p":0,"core":0},{"interval":"2021-03-04T06:00:00.000Z/2021-03-04T07:00:00.000Z","p":1,"core":0}]'

# ---- a start that does not match the stored offsets fails the publish ----------------
submit "$(task tc seqC 100 200)" >/dev/null
wait_task tc FAILED 120
msg=$(report tc | jq -r .ingestionStatsAndErrors.payload.errorMsg)
want="Failed to publish segments because of [Inconsistency between stored metadata state[KafkaDataSourceMetadata{SeekableStreamStartSequenceNumbers=SeekableStreamEndSequenceNumbers{stream='events', partitionSequenceNumberMap={0=500, 1=500}}}] and target state[KafkaDataSourceMetadata{SeekableStreamStartSequenceNumbers=SeekableStreamStartSequenceNumbers{stream='events', partitionSequenceNumberMap={0=100, 1=100}, exclusivePartitions=[]}}]. Try resetting the supervisor.]"
[ "$msg" = "$want" ] || fail "errorMsg: $msg"
st=$(curl -s "$T_URL/druid/indexer/v1/task/tc/status" | jq -r .status.errorMsg)
[ "$st" = "${want:0:100}..." ] || fail "status errorMsg: $st"
expect_metadata 500
totals 1000 500500

# ---- two replicas of one sequence publish once ------------------------------------------
produce 1001 1200
submit "$(task r1 seqR 500 600)" >/dev/null
submit "$(task r2 seqR 500 600)" >/dev/null
wait_task r1 SUCCESS 120
wait_task r2 SUCCESS 120
expect_metadata 600
totals 1200 720600
n=$(curl -s "$T_URL/druid/coordinator/v1/metadata/datasources/ev/segments" | jq length)
[ "$n" -eq 5 ] || fail "replicas published $n segments in all, expected 5"
grep -q "already been published by another task" "$T_DIR/data/tasks/r1/log" "$T_DIR/data/tasks/r2/log" ||
    fail "no replica lost the publish race"

# ---- a running task's chat endpoints ------------------------------------------------------
submit "$(task tl seqL 600 NOEND)" >/dev/null
for _ in $(seq 200); do
    loc=$(curl -s "$T_URL/druid/indexer/v1/task/tl/status" | jq -r '.status.location.port')
    [ "$loc" != "-1" ] && [ -n "$loc" ] && break
    sleep 0.1
done
CHAT="http://127.0.0.1:$loc/druid/worker/v1/chat/tl"
chat() { curl -s -o "$T_DIR/b" -w '%{http_code}' "$@"; }
for _ in $(seq 100); do [ "$(curl -s "$CHAT/status")" = '"READING"' ] && break; sleep 0.1; done
[ "$(curl -s "$CHAT/status")" = '"READING"' ] || fail "status: $(curl -s "$CHAT/status")"
json_eq "$(curl -s "$CHAT/offsets/end")" '{"0":9223372036854775807,"1":9223372036854775807}'
json_eq "$(curl -s "$CHAT/checkpoints")" '{"0":{"0":600,"1":600}}'
curl -s "$CHAT/time/start" | jq -e 'test("^20[0-9-]+T[0-9:.]+Z$")' >/dev/null || fail "time/start"
[ "$(chat "http://127.0.0.1:$loc/druid/worker/v1/chat/other/status")" = 404 ] || fail "another task's chat"
produce 1201 1300
for _ in $(seq 200); do
    [ "$(curl -s "$CHAT/offsets/current" | jq -c .)" = '{"0":650,"1":650}' ] && break
    sleep 0.1
done
json_eq "$(curl -s "$CHAT/offsets/current")" '{"0":650,"1":650}'
[ "$(chat -X POST "$CHAT/pause")" = 200 ] || fail "pause: $(cat "$T_DIR/b")"
json_eq "$(cat "$T_DIR/b")" '{"0":650,"1":650}'
[ "$(curl -s "$CHAT/status")" = '"PAUSED"' ] || fail "not paused"
got=$(chat -X POST -H 'Content-Type: application/json' --data-binary '{"7":5}' "$CHAT/offsets/end?finish=false")
[ "$got $(cat "$T_DIR/b")" = "400 Request contains partitions not being handled by this task, my partitions: [0, 1]" ] ||
    fail "foreign partition: $got $(cat "$T_DIR/b")"
got=$(chat -X POST "$CHAT/offsets/end")
[ "$got $(cat "$T_DIR/b")" = "400 Request body must contain a map of { partition:endOffset }" ] ||
    fail "no body: $got $(cat "$T_DIR/b")"
got=$(chat -X POST -H 'Content-Type: application/json' --data-binary '{"0":640,"1":650}' "$CHAT/offsets/end?finish=false")
[ "$got $(cat "$T_DIR/b")" = "400 End sequence must be >= current sequence for partition [0] (current: 650)" ] ||
    fail "end below current: $got $(cat "$T_DIR/b")"
# A checkpoint at 650 closes sequence 0, which is published while sequence 1 reads on.
got=$(chat -X POST -H 'Content-Type: application/json' --data-binary '{"0":650,"1":650}' "$CHAT/offsets/end?finish=false")
[ "$got" = 200 ] || fail "checkpoint: $got $(cat "$T_DIR/b")"
json_eq "$(cat "$T_DIR/b")" '{"0":650,"1":650}'
for _ in $(seq 200); do
    [ "$(curl -s "$CHAT/checkpoints" | jq -c .)" = '{"1":{"0":650,"1":650}}' ] && break
    sleep 0.1
done
json_eq "$(curl -s "$CHAT/checkpoints")" '{"1":{"0":650,"1":650}}'
expect_metadata 650
totals 1300 845650
[ "$(curl -s "$CHAT/status")" = '"READING"' ] || fail "not resumed: $(curl -s "$CHAT/status")"
json_eq "$(curl -s "$CHAT/rowStats" | jq -c '.totals.buildSegments | {processed, unparseable}')" \
    '{"processed":100,"unparseable":0}'
curl -s "$CHAT/rowStats" | jq -e '.movingAverages.buildSegments["5m"].processed >= 0' >/dev/null ||
    fail "rowStats: $(curl -s "$CHAT/rowStats")"
curl -s "$CHAT/liveReports" | jq -e '.ingestionStatsAndErrors.payload.ingestionState == "BUILD_SEGMENTS"' >/dev/null ||
    fail "liveReports: $(curl -s "$CHAT/liveReports")"
curl -s "$T_URL/druid/indexer/v1/task/tl/reports" | jq -e '.ingestionStatsAndErrors.payload.rowStats.totals.buildSegments.processed == 100' >/dev/null ||
    fail "reports through the overlord: $(curl -s "$T_URL/druid/indexer/v1/task/tl/reports")"
# A finish at 700 while paused at 650: the task reads up to 700, publishes and ends.
[ "$(chat -X POST "$CHAT/pause")" = 200 ] || fail "pause 2: $(cat "$T_DIR/b")"
produce 1301 1400
got=$(chat -X POST -H 'Content-Type: application/json' --data-binary '{"0":700,"1":700}' "$CHAT/offsets/end?finish=true")
[ "$got" = 200 ] || fail "finish: $got $(cat "$T_DIR/b")"
wait_task tl SUCCESS 120
expect_metadata 700
totals 1400 980700

# ---- kill -9 of a task mid-read; a replacement reads the same range once ---------------
produce 1401 1500
submit "$(task tk seqK 700 800 ',"intermediatePersistPeriod":"PT0.2S"')" >/dev/null
for _ in $(seq 300); do
    jq -e '.metadata.nextPartitions.partitionOffsetMap == {"0":750,"1":750}' \
        "$T_DIR/data/tasks/tk/persist/commit.json" >/dev/null 2>&1 && break
    sleep 0.1
done
jq -e '.metadata.nextPartitions.partitionOffsetMap == {"0":750,"1":750}' \
    "$T_DIR/data/tasks/tk/persist/commit.json" >/dev/null || fail "tk did not persist at 750"
kill -9 "$(cat "$T_DIR/data/tasks/tk/started")"
wait_task tk FAILED 60
expect_metadata 700
submit "$(task tk2 seqK 700 800)" >/dev/null
produce 1501 1600
wait_task tk2 SUCCESS 120
expect_metadata 800
totals 1600 1280800

# ---- kill -9 of the server mid-read: the task is restored from its committed spills ----
produce 1601 1700
submit "$(task tr seqS 800 900 ',"intermediatePersistPeriod":"PT0.2S"')" >/dev/null
for _ in $(seq 300); do
    jq -e '.metadata.nextPartitions.partitionOffsetMap == {"0":850,"1":850}' \
        "$T_DIR/data/tasks/tr/persist/commit.json" >/dev/null 2>&1 && break
    sleep 0.1
done
jq -e '.metadata.nextPartitions.partitionOffsetMap == {"0":850,"1":850}' \
    "$T_DIR/data/tasks/tr/persist/commit.json" >/dev/null || fail "tr did not persist at 850"
spills=$(find "$T_DIR/data/tasks/tr/persist/sinks" -name '*.vseg' | wc -l)
[ "$spills" -gt 0 ] || fail "tr has no spill files"
kill -9 "$T_PID"
wait "$T_PID" 2>/dev/null || true
T_PID=""
t_start
produce 1701 1800
wait_task tr SUCCESS 120
grep -q "restored [0-9]* sinks" "$T_DIR/data/tasks/tr/log" || fail "tr did not restore its sinks"
expect_metadata 900
totals 1800 1620900

# ---- parse exceptions are counted and saved ---------------------------------------------
printf '%s\n' '{"ts":"2021-03-04T05:00:00Z","n":1}' 'not json' '{"ts":"2021-03-04T05:00:01Z","n":2}' \
    '{"ts":"yesterday","n":3}' '{"ts":"2021-03-04T05:00:02Z","n":4}' '{"ts":"2020-01-01T00:00:00Z","n":5}' \
    >"$T_DIR/bad.json"
"$VARVE_BIN" produce --bootstrap "$BS" --topic bad --file "$T_DIR/bad.json" 2>"$T_DIR/produce.err" ||
    fail "produce bad: $(cat "$T_DIR/produce.err")"
# (and the rejection window: a row before minimumMessageTime is thrown away;
# the kafka input format adds the record's topic as a column)
submit "$(task tp seqP 0 6 ',"maxSavedParseExceptions":5' | sed 's/"events"/"bad"/g; s/"0":6,"1":6/"0":6/;
    s/"0":0,"1":0/"0":0/; s/"ev"/"bad"/; s/"dimensions":\["host"\]/"dimensions":["host","kafka.topic"]/;
    s/"inputFormat":{"type":"json"}/"minimumMessageTime":"2021-01-01T00:00:00Z","inputFormat":{"type":"kafka","valueFormat":{"type":"json"}}/')" >/dev/null
wait_task tp SUCCESS 120
q='{"queryType":"timeseries","dataSource":"bad","granularity":"all","intervals":["2021-01-01/2022-01-01"],"filter":{"type":"selector","dimension":"kafka.topic","value":"bad"},"aggregations":[{"type":"longSum","name":"count","fieldName":"count"},{"type":"longSum","name":"n","fieldName":"n"}]}'
for _ in $(seq 100); do
    got=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$q" "$T_URL/druid/v2")
    [ "$got" = '[{"timestamp":"2021-03-04T05:00:00.000Z","result":{"count":3,"n":7}}]' ] && break
    sleep 0.1
done
[ "$got" = '[{"timestamp":"2021-03-04T05:00:00.000Z","result":{"count":3,"n":7}}]' ] || fail "kafka.topic rows: $got"
json_eq "$(report tp | jq -c '.ingestionStatsAndErrors.payload | {rowStats: .rowStats.buildSegments | {processed, unparseable, processedWithError, thrownAway, thrownAwayByReason}, inputs: [.unparseableEvents.buildSegments[] | .input]}')" \
    '{"rowStats":{"processed":3,"unparseable":2,"processedWithError":0,"thrownAway":1,"thrownAwayByReason":{"beforeMinimumMessageTime":1}},"inputs":["{\"ts\":\"yesterday\",\"n\":3}","not json"]}'

# ---- offsets the stream no longer holds fail the task clearly ------------------------------
python3 -c '
import sys
pad = "x" * 1100
for n in range(1, 6001): print("{\"ts\":\"2021-03-04T05:00:00Z\",\"n\":%d,\"pad\":\"%s\"}" % (n, pad))
' >"$T_DIR/big.json"
"$VARVE_BIN" produce --bootstrap "$BS" --topic big --file "$T_DIR/big.json" 2>"$T_DIR/produce.err" ||
    fail "produce big: $(cat "$T_DIR/produce.err")"
submit "$(task tg seqG 0 6000 | sed 's/"events"/"big"/g; s/"0":6000,"1":6000/"0":6000/; s/"0":0,"1":0/"0":0/; s/"ev"/"big"/')" >/dev/null
wait_task tg FAILED 120
msg=$(report tg | jq -r .ingestionStatsAndErrors.payload.errorMsg)
[[ "$msg" =~ ^Offset\[0\]\ of\ partition\[0\]\ of\ \[big\]\ is\ out\ of\ range\ \(earliest\ available\ offset:\ [1-9][0-9]*\):\ the\ records\ were\ deleted\ before\ they\ were\ read\;\ reset\ the\ supervisor\ or\ set\ resetOffsetAutomatically$ ]] ||
    fail "out of range: $msg"

t_alive
echo "stream_task: ok"
