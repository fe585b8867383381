#!/usr/bin/env bash
# realtime_handoff.sh — rows are queryable the moment a streaming task reads
# them, and exactly once through persist, publish and handoff. First a task
# submitted by hand: its rows through the broker while it reads, its segment
# list and per-segment query endpoints, its rows gone with it when it is
# shut down unpublished. Then a Kafka
# supervisor over the embedded mock cluster rolls its task over every few
# seconds (taskDuration) and checkpoints at maxRowsPerSegment, so segments
# are published and handed off many times while N records are produced at a
# steady rate; a querier asks count and longSum continuously from the first
# record to after the last handoff. Every answer must be within [0, N] and
# never smaller than the one before (a row is never counted twice, never
# lost for a moment); the last answer is N with no task left serving. Then a
# task is killed (kill -9) while queries run: they answer within their
# timeout (the dead task's rows drop out until its replacement reads them
# again), and the total comes back to N.
source "$(dirname "$0")/lib/server.sh"

MOCK_PID=""
QUERIER_PID=""
PRODUCER_PID=""
stop_all() {
    if [ -n "$PRODUCER_PID" ]; then kill "$PRODUCER_PID" 2>/dev/null || true; fi
    if [ -n "$QUERIER_PID" ]; then kill "$QUERIER_PID" 2>/dev/null || true; fi
    if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
}
trap 'stop_all; t_cleanup' EXIT

"$VARVE_BIN" kafka-mock --brokers 1 --topic rt:2 --topic solo:1 --bootstrap-file "$T_DIR/bs.txt" \
    >"$T_DIR/mock.out" 2>"$T_DIR/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do [ -s "$T_DIR/bs.txt" ] && break; sleep 0.05; done
[ -s "$T_DIR/bs.txt" ] || fail "no mock cluster: $(cat "$T_DIR/mock.err")"
BS=$(cat "$T_DIR/bs.txt")

N=3000
SUM=$((N * (N + 1) / 2))
# record i: id i, value i, stamped within two hours (two segment intervals)
python3 - "$N" >"$T_DIR/records.json" <<'PY'
import sys
for i in range(1, int(sys.argv[1]) + 1):
    print('{"time":"2026-01-01T%02d:%02d:%02d.000Z","id":"r%d","value":%d}'
          % (i * 2 // 3600, i * 2 // 60 % 60, i * 2 % 60, i, i))
PY

t_start --task-slots 6

# A task submitted by hand (no supervisor, no end): its rows are queryable
# through the broker while it reads, and its own port serves its segment
# list (DataSegments of size 0 under the allocated ids) and the broker's
# per-segment requests, a segment it does not have reported missing.
for i in $(seq 1 10); do
    printf '{"time":"2026-02-01T00:00:%02d.000Z","id":"s%d","value":%d}\n' "$i" "$i" "$i"
done >"$T_DIR/solo.json"
"$VARVE_BIN" produce --bootstrap "$BS" --topic solo --file "$T_DIR/solo.json" --quiet || fail "produce failed"
cat >"$T_DIR/solo-task.json" <<JS
{"type": "index_kafka", "id": "solo",
 "dataSchema": {"dataSource": "solo", "timestampSpec": {"column": "time", "format": "iso"},
   "dimensionsSpec": {"dimensions": ["id"]},
   "metricsSpec": [{"type": "longSum", "name": "value", "fieldName": "value"}],
   "granularitySpec": {"segmentGranularity": "hour", "queryGranularity": "none", "rollup": false}},
 "tuningConfig": {"type": "kafka", "maxRowsInMemory": 4},
 "ioConfig": {"type": "kafka", "taskGroupId": 0, "baseSequenceName": "solo",
   "startSequenceNumbers": {"type": "start", "stream": "solo", "partitionOffsetMap": {"0": 0}},
   "endSequenceNumbers": {"type": "end", "stream": "solo", "partitionOffsetMap": {"0": 9223372036854775807}},
   "consumerProperties": {"bootstrap.servers": "$BS"}, "inputFormat": {"type": "json"}}}
JS
solo=$(submit "$T_DIR/solo-task.json")
solo_q='{"queryType":"timeseries","dataSource":"solo","granularity":"all","intervals":["2026-02-01/2026-02-02"],"aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"sum","fieldName":"value"}]}'
got=""
for _ in $(seq 1 300); do
    got=$(curl -s -H 'Content-Type: application/json' "$T_URL/druid/v2" --data-binary "$solo_q")
    [ "$got" = '[{"timestamp":"2026-02-01T00:00:01.000Z","result":{"rows":10,"sum":55}}]' ] && break
    sleep 0.1
done
[ "$got" = '[{"timestamp":"2026-02-01T00:00:01.000Z","result":{"rows":10,"sum":55}}]' ] ||
    fail "the hand-submitted task's rows through the broker: $got"
loc=$(curl -s "$T_URL/druid/indexer/v1/task/$solo/status" | jq -r '"\(.status.location.host):\(.status.location.port)"')
list=$(curl -s "http://$loc/druid-internal/v1/segments?counter=-1")
echo "$list" | jq -e '.resetCounter == true and (.requests | length) == 1 and
    (.requests[0] | .action == "load" and .segment.size == 0 and .segment.dataSource == "solo" and
     .segment.metrics == "value" and .segment.dimensions == "id" and .segment.loadSpec == {} and
     .segment.interval == "2026-02-01T00:00:00.000Z/2026-02-01T01:00:00.000Z")' >/dev/null ||
    fail "segment list: $list"
counter=$(echo "$list" | jq .counter.counter)
same=$(curl -s "http://$loc/druid-internal/v1/segments?counter=$counter")
[ "$(echo "$same" | jq -c '[.resetCounter, (.requests | length), .counter.counter]')" = "[false,0,$counter]" ] ||
    fail "unchanged segment list: $same"
seg=$(echo "$list" | jq -c '.requests[0].segment')
q=$(jq -cn --argjson s "$seg" '{queryType: "timeseries", dataSource: "solo", granularity: "all",
    aggregations: [{type: "count", name: "rows"}],
    intervals: {type: "segments", segments: [
      {itvl: "2026-02-01T00:00:00.000Z/2026-02-01T00:00:06.000Z", ver: $s.version, part: $s.shardSpec.partitionNum},
      {itvl: $s.interval, ver: "1999-01-01T00:00:00.000Z", part: 0}]}}')
hdr=$(curl -s -D - -o "$T_DIR/partial.json" -H 'Content-Type: application/json' --data-binary "$q" "http://$loc/druid/v2" |
    tr -d '\r' | sed -n 's/^X-Druid-Response-Context: //Ip')
[ "$hdr" = '{"missingSegments":[{"itvl":"2026-02-01T00:00:00.000Z/2026-02-01T01:00:00.000Z","ver":"1999-01-01T00:00:00.000Z","part":0}]}' ] ||
    fail "missing segments: [$hdr]"
[ -s "$T_DIR/partial.json" ] || fail "no partial result"
plain=$(curl -s -H 'Content-Type: application/json' "http://$loc/druid/v2" --data-binary "$solo_q")
[ "$plain" = '[{"timestamp":"2026-02-01T00:00:01.000Z","result":{"rows":10,"sum":55}}]' ] ||
    fail "a plain query to the task: $plain"
# Stopped without publishing: its rows leave the query results with it.
expect_req 200 "{\"task\":\"$solo\"}" POST "/druid/indexer/v1/task/$solo/shutdown"
wait_task "$solo" FAILED 60
got=$(curl -s -H 'Content-Type: application/json' "$T_URL/druid/v2" --data-binary "$solo_q")
for _ in $(seq 1 50); do
    case "$got" in *'"rows":0,'*) break ;; esac
    sleep 0.1
    got=$(curl -s -H 'Content-Type: application/json' "$T_URL/druid/v2" --data-binary "$solo_q")
done
case "$got" in *'"rows":0,'*) ;; *) fail "a stopped task's rows are still served: $got" ;; esac
spec=$(jq -cn --arg bs "$BS" '{
  type: "kafka",
  spec: {
    dataSchema: {dataSource: "rt", timestampSpec: {column: "time", format: "iso"},
                 dimensionsSpec: {dimensions: ["id"]},
                 metricsSpec: [{type: "longSum", name: "value", fieldName: "value"}],
                 granularitySpec: {segmentGranularity: "hour", queryGranularity: "none",
                                   rollup: false}},
    ioConfig: {topic: "rt", inputFormat: {type: "json"},
               consumerProperties: {"bootstrap.servers": $bs},
               taskCount: 1, replicas: 1, useEarliestOffset: true,
               taskDuration: "PT4S", startDelay: "PT0.2S", period: "PT1S",
               completionTimeout: "PT120S"},
    tuningConfig: {type: "kafka", maxRowsPerSegment: 500, maxRowsInMemory: 150,
                   intermediatePersistPeriod: "PT2S", handoffConditionTimeout: 120000}}}')
[ "$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$spec" \
    "$T_URL/druid/indexer/v1/supervisor" | jq -r .id)" = rt ] || fail "supervisor not created"

# The querier: timeseries count + longSum as fast as answers come, one line
# per answer: "<ms since start> <status> <count> <sum> <elapsed ms>".
cat >"$T_DIR/querier.py" <<'PY'
import json, sys, time, urllib.request, urllib.error
url = sys.argv[1] + "/druid/v2"
q = json.dumps({"queryType": "timeseries", "dataSource": "rt", "granularity": "all",
                "intervals": ["2026-01-01/2026-01-02"],
                "aggregations": [{"type": "count", "name": "rows"},
                                 {"type": "longSum", "name": "sum", "fieldName": "value"}],
                "context": {"timeout": 5000}}).encode()
t0 = time.time()
while True:
    s = time.time()
    req = urllib.request.Request(url, data=q, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            body, status = json.loads(r.read()), r.status
        res = body[0]["result"] if body else {"rows": 0, "sum": 0}
        line = "%d %d %d %d" % ((s - t0) * 1000, status, res["rows"], res["sum"] or 0)
    except urllib.error.HTTPError as e:
        line = "%d %d -1 -1 %s" % ((s - t0) * 1000, e.code, e.read().decode()[:300].replace("\n", " "))
    print("%s %d" % (line, (time.time() - s) * 1000), flush=True)
    time.sleep(0.01)
PY
ANSWERS=$T_DIR/answers.txt
python3 "$T_DIR/querier.py" "$T_URL" >"$ANSWERS" 2>"$T_DIR/querier.err" &
QUERIER_PID=$!
last() { tail -n 1 "$ANSWERS" | awk '{ print $3 " " $4 }'; }

"$VARVE_BIN" produce --bootstrap "$BS" --topic rt --file "$T_DIR/records.json" --rate 150 --quiet &
PRODUCER_PID=$!

# answers_ok FROM_LINE: every answer from that line on is 200, within
# [0, N] / [0, SUM], and none is below the one before it.
answers_ok() {
    tail -n +"$1" "$ANSWERS" | awk -v n="$N" -v s="$SUM" '
        $2 != 200 { print "line " NR ": HTTP " $0; bad = 1; exit }
        $3 > n || $4 > s { print "above the total: " $0; bad = 1; exit }
        $3 < pc || $4 < ps { print "went down from " pc " " ps ": " $0; bad = 1; exit }
        { pc = $3; ps = $4 }
        END { exit bad }'
}

wait "$PRODUCER_PID" || fail "produce failed"
PRODUCER_PID=""

# Wait until everything is read, then suspend: the last task publishes, the
# historical loads every segment and the task exits after its handoffs.
for _ in $(seq 1 600); do [ "$(last)" = "$N $SUM" ] && break; sleep 0.1; done
[ "$(last)" = "$N $SUM" ] || fail "queries reached $(last), expected $N $SUM"
curl -s -X POST "$T_URL/druid/indexer/v1/supervisor/rt/suspend" >/dev/null
for _ in $(seq 1 1200); do
    [ "$(curl -s "$T_URL/druid/indexer/v1/runningTasks" | jq length)" = 0 ] &&
        [ "$(curl -s "$T_URL/druid/indexer/v1/pendingTasks" | jq length)" = 0 ] && break
    sleep 0.1
done
[ "$(curl -s "$T_URL/druid/indexer/v1/runningTasks" | jq length)" = 0 ] || fail "tasks still running after the suspend"
sleep 0.5
kill "$QUERIER_PID"
wait "$QUERIER_PID" 2>/dev/null || true
QUERIER_PID=""

[ "$(last)" = "$N $SUM" ] || fail "after every handoff: $(last), expected $N $SUM"
answers_ok 1 || fail "an answer broke exactly-once (of $(wc -l <"$ANSWERS") answers)"
answers=$(wc -l <"$ANSWERS")
partial=$(awk -v n="$N" '$3 > 0 && $3 < n' "$ANSWERS" | wc -l)
[ "$partial" -gt 20 ] || fail "only $partial answers saw the data arrive ($answers answers)"
# many handoffs happened: published segments, every one of them served by the historical
published=$(curl -s "$T_URL/druid/coordinator/v1/metadata/datasources/rt/segments" | jq length)
[ "$published" -ge 5 ] || fail "only $published segments published"
tasks=$(curl -s "$T_URL/druid/indexer/v1/completeTasks" | jq '[.[] | select(.dataSource == "rt" and .statusCode == "SUCCESS")] | length')
[ "$tasks" -ge 3 ] || fail "only $tasks tasks completed"
echo "handoff: $answers answers, $partial while data arrived, $published segments from $tasks tasks"

# A task killed while queries run: every answer comes within its timeout
# (5 s) and never counts a row twice; its replacement reads the rows again.
N2=$((N + 600))
SUM2=$((N2 * (N2 + 1) / 2))
python3 - "$N" "$N2" >"$T_DIR/records2.json" <<'PY'
import sys
for i in range(int(sys.argv[1]) + 1, int(sys.argv[2]) + 1):
    print('{"time":"2026-01-01T02:%02d:%02d.000Z","id":"r%d","value":%d}' % (i // 60 % 60, i % 60, i, i))
PY
"$VARVE_BIN" produce --bootstrap "$BS" --topic rt --file "$T_DIR/records2.json" --quiet || fail "produce failed"
curl -s -X POST "$T_URL/druid/indexer/v1/supervisor/rt/resume" >/dev/null
ANSWERS=$T_DIR/answers2.txt
python3 "$T_DIR/querier.py" "$T_URL" >"$ANSWERS" 2>"$T_DIR/querier.err" &
QUERIER_PID=$!
for _ in $(seq 1 300); do [ "$(last)" = "$N2 $SUM2" ] && break; sleep 0.1; done
[ "$(last)" = "$N2 $SUM2" ] || fail "after the resume: $(last), expected $N2 $SUM2"
killed=""
for _ in $(seq 1 100); do
    task=$(curl -s "$T_URL/druid/indexer/v1/runningTasks" | jq -r '.[0].id // empty')
    pid=$( (pgrep -f -- "task --id $task " || true) | head -1)
    if [ -n "$task" ] && [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; then killed=$task; break; fi
    sleep 0.1
done
[ -n "$killed" ] || fail "no running task to kill"
# its replacement starts from the last checkpoint and reads the rows again
sleep 1
for _ in $(seq 1 600); do [ "$(last)" = "$N2 $SUM2" ] && break; sleep 0.1; done
kill "$QUERIER_PID"
wait "$QUERIER_PID" 2>/dev/null || true
QUERIER_PID=""
[ "$(last)" = "$N2 $SUM2" ] || fail "after the kill: $(last), expected $N2 $SUM2"
awk -v n="$N2" -v s="$SUM2" '
    $NF > 6000 { print "answer took " $NF " ms: " $0; bad = 1 }
    $2 == 200 && ($3 > n || $4 > s) { print "above the total: " $0; bad = 1 }
    $2 != 200 && $0 !~ /"error"/ { print "an error without a body: " $0; bad = 1 }
    END { exit bad }' "$ANSWERS" || fail "queries around the kill misbehaved"
curl -s -X POST "$T_URL/druid/indexer/v1/supervisor/rt/terminate" >/dev/null
t_stop
echo "realtime_handoff: ok"
