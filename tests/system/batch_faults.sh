#!/usr/bin/env bash
# batch_faults.sh — batch tasks meeting bad input and trouble: rows that do
# not parse (exact row counters and parse exceptions in the report, in both
# phases), maxParseExceptions exceeded (FAILED with Druid's message, the
# report still written), the live report of a running task, kill -9 of a
# running task (FAILED, the server and its locks fine), a shutdown request
# (the task stops at once and says why), and a server stopped under a
# running task.
source "$(dirname "$0")/lib/server.sh"
source "$(dirname "$0")/lib/batch.sh"

t_start
http_start "$WIKI_DIR"

# ---- bad rows ----
bad='{"time":"2024-03-01T00:00:00Z","page":"ok1","added":1}
not json
{"time":"garbage","page":"x"}
{"time":"2024-03-01T01:00:00Z","page":"p","added":"zz"}
{"time":"2024-05-01T00:00:00Z","page":"outside"}
{"time":"2024-03-01T02:00:00Z","page":"ok2","added":2}'
nb=$(printf '%s' "$bad" | wc -c)
src=$(jq -cn --arg d "$bad" '{type: "inline", data: $d}')
id=$(submit "$(wiki_spec index_parallel bad "$src" '{"intervals":["2024-03-01/2024-03-02"]}' '{}' '{"maxSavedParseExceptions":10}')")
wait_task "$id"
wait_loaded bad
jeq "$(report "$id" | jq -c '.ingestionStatsAndErrors.payload | {ingestionState, errorMsg, rowStats,
        unparseableEvents: (.unparseableEvents | map_values(map(del(.timeOfExceptionMillis))))}')" \
    "{\"ingestionState\":\"COMPLETED\",\"errorMsg\":null,
      \"rowStats\":{\"determinePartitions\":{\"processed\":0,\"processedBytes\":0,\"processedWithError\":0,\"thrownAway\":0,\"thrownAwayByReason\":{},\"unparseable\":0},
        \"buildSegments\":{\"processed\":2,\"processedBytes\":$nb,\"processedWithError\":1,\"thrownAway\":1,\"thrownAwayByReason\":{\"filtered\":1},\"unparseable\":2}},
      \"unparseableEvents\":{\"determinePartitions\":[],\"buildSegments\":[
        {\"input\":\"{\\\"time\\\":\\\"2024-03-01T01:00:00Z\\\",\\\"page\\\":\\\"p\\\",\\\"added\\\":\\\"zz\\\"}\",\"errorType\":\"processedWithError\",\"details\":[\"Unable to parse value[zz] for field[added]\"]},
        {\"input\":\"{\\\"time\\\":\\\"garbage\\\",\\\"page\\\":\\\"x\\\"}\",\"errorType\":\"unparseable\",\"details\":[\"Timestamp[garbage] is unparseable! Event: {\\\"time\\\":\\\"garbage\\\",\\\"page\\\":\\\"x\\\"}\"]},
        {\"input\":\"not json\",\"errorType\":\"unparseable\",\"details\":[\"line 2: byte 0: invalid literal, expected 'null'\"]}]}}"
jeq "$(query '{"queryType":"timeseries","dataSource":"bad","intervals":["2024-03-01/2024-03-02"],"granularity":"all",
    "aggregations":[{"type":"longSum","name":"rows","fieldName":"count"},{"type":"longSum","name":"added","fieldName":"added"}]}' |
    jq -c '.[0].result')" '{"rows":3,"added":3}'

# Without intervals the first pass meets the same rows (no column is converted there).
id=$(submit "$(wiki_spec index bad2 "$src" '{}' '{}' '{"maxSavedParseExceptions":10}')")
wait_task "$id"
jeq "$(report "$id" | jq -c '.ingestionStatsAndErrors.payload | {rowStats,
        events: (.unparseableEvents | map_values(map(.errorType)))}')" \
    "{\"rowStats\":{\"determinePartitions\":{\"processed\":4,\"processedBytes\":$nb,\"processedWithError\":0,\"thrownAway\":0,\"thrownAwayByReason\":{},\"unparseable\":2},
        \"buildSegments\":{\"processed\":3,\"processedBytes\":$nb,\"processedWithError\":1,\"thrownAway\":0,\"thrownAwayByReason\":{},\"unparseable\":2}},
      \"events\":{\"determinePartitions\":[\"unparseable\",\"unparseable\"],\"buildSegments\":[\"processedWithError\",\"unparseable\",\"unparseable\"]}}"
[ "$(used_segments bad2 | jq -r 'map(.interval) | sort | join(" ")')" = \
  "2024-03-01T00:00:00.000Z/2024-03-02T00:00:00.000Z 2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z" ] ||
    fail "bad2 segments: $(used_segments bad2)"

# ---- maxParseExceptions exceeded ----
id=$(submit "$(wiki_spec index_parallel bad3 "$src" '{"intervals":["2024-03-01/2024-03-02"]}' '{}' '{"maxParseExceptions":1}')")
wait_task "$id" FAILED
[ "$(task_status "$id" | jq -r .errorMsg)" = "Max parse exceptions[1] exceeded" ] || fail "status: $(task_status "$id")"
jeq "$(report "$id" | jq -c '.ingestionStatsAndErrors.payload | {ingestionState, errorMsg, segmentAvailabilityConfirmed,
        unparseableEvents, build: .rowStats.buildSegments, segmentsPublished}')" \
    '{"ingestionState":"BUILD_SEGMENTS","errorMsg":"Max parse exceptions[1] exceeded","segmentAvailabilityConfirmed":false,
      "unparseableEvents":{},"segmentsPublished":null,
      "build":{"processed":1,"processedBytes":'"$nb"',"processedWithError":0,"thrownAway":0,"thrownAwayByReason":{},"unparseable":2}}'
[ "$(used_segments bad3)" = "[]" ] || fail "a failed task published: $(used_segments bad3)"

# ---- a running task: its live report, then kill -9 ----
slow_spec() { # DS: day 1 at once, day 2 from the slow path
    wiki_spec index_parallel "$1" "$(jq -cn --arg u "$H_URL" '{type: "http",
        uris: [($u + "/edits-2024-03-01.json"), ($u + "/slow/edits-2024-03-02.json")]}')" \
        '{"intervals":["2024-03-01/2024-03-03"]}'
}
# wait_processed ID N: until the live report counts N processed rows.
wait_processed() {
    for _ in $(seq 1 300); do
        [ "$(report "$1" | jq -r '.ingestionStatsAndErrors.payload.rowStats.totals.buildSegments.processed // empty')" = "$2" ] && return 0
        sleep 0.1
    done
    fail "task $1 never processed $2 rows: $(report "$1")"
}
id=$(submit "$(slow_spec slow)")
wait_processed "$id" 4
live=$(report "$id")
jeq "$(echo "$live" | jq -c '.ingestionStatsAndErrors | {type, taskId, state: .payload.ingestionState,
        keys: (.payload | keys), windows: (.payload.rowStats.movingAverages.buildSegments | keys),
        totals: .payload.rowStats.totals}')" \
    "{\"type\":\"ingestionStatsAndErrors\",\"taskId\":\"$id\",\"state\":\"BUILD_SEGMENTS\",
      \"keys\":[\"ingestionState\",\"rowStats\",\"unparseableEvents\"],\"windows\":[\"15m\",\"1m\",\"5m\"],
      \"totals\":{\"buildSegments\":{\"processed\":4,\"processedBytes\":$(wc -c <"$WIKI_DIR/edits-2024-03-01.json"),
        \"processedWithError\":0,\"thrownAway\":0,\"thrownAwayByReason\":{},\"unparseable\":0}}}"
st=$(task_status "$id")
[ "$(echo "$st" | jq -r '.statusCode, .runnerStatusCode, (.location.port > 0)' | tr '\n' ' ')" = "RUNNING RUNNING true " ] ||
    fail "running status $st"
kill -9 "$(cat "$T_DIR/data/tasks/$id/started")"
wait_task "$id" FAILED 20
[ "$(task_status "$id" | jq -r .errorMsg)" = \
  "Task execution process exited unsuccessfully with code[137]. See middleManager logs for more details." ] ||
    fail "killed task: $(task_status "$id")"
t_alive
[ "$(used_segments slow)" = "[]" ] || fail "a killed task published: $(used_segments slow)"
# Its lock is gone: the same interval can be written at once.
src=$(jq -cn --arg d "$WIKI_DIR" '{type: "local", files: [($d + "/edits-2024-03-01.json"), ($d + "/edits-2024-03-02.json")]}')
id=$(submit "$(wiki_spec index_parallel slow "$src" '{"intervals":["2024-03-01/2024-03-03"]}')")
wait_task "$id"
wait_loaded slow
text_eq "$(daily slow)" "[$WIKI_DAY1,$WIKI_DAY2]"

# ---- a shutdown request: the task stops mid-transfer and reports why ----
id=$(submit "$(slow_spec slow2)")
wait_processed "$id" 4
expect_req 200 "{\"task\":\"$id\"}" POST "/druid/indexer/v1/task/$id/shutdown"
wait_task "$id" FAILED 5
[ "$(task_status "$id" | jq -r .errorMsg)" = "Shutdown request from user" ] || fail "shutdown: $(task_status "$id")"
for _ in $(seq 1 100); do [ -s "$T_DIR/data/tasks/$id/status.json" ] && break; sleep 0.1; done
jeq "$(jq -c '{status, errorMsg}' "$T_DIR/data/tasks/$id/status.json")" \
    '{"status":"FAILED","errorMsg":"Task was stopped (SIGTERM) before it finished"}'
jeq "$(report "$id" | jq -c '.ingestionStatsAndErrors.payload | {ingestionState, errorMsg, p: .rowStats.buildSegments.processed}')" \
    '{"ingestionState":"BUILD_SEGMENTS","errorMsg":"Task was stopped (SIGTERM) before it finished","p":4}'
[ "$(used_segments slow2)" = "[]" ] || fail "a stopped task published"

# ---- the server stops under a running task; the next start knows why it failed ----
id=$(submit "$(slow_spec slow3)")
wait_processed "$id" 4
t_stop
t_start
wait_task "$id" FAILED 5
[ "$(task_status "$id" | jq -r .errorMsg)" = "Task was stopped (SIGTERM) before it finished" ] ||
    fail "after restart: $(task_status "$id")"
t_alive
t_stop
echo "batch_faults: ok"
