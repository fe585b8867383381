#!/usr/bin/env bash
# server_http.sh — `varve server` answers every role's status endpoints, and
# malformed requests (bad JSON, invalid specs, a huge body, unknown paths and
# methods) with Druid's error bodies and status codes, without dying. A
# restart over the same data directory keeps the task history.
source "$(dirname "$0")/lib/server.sh"

t_start

# Status and readiness of every role.
expect_req 200 true GET /status/health
req GET /status | grep -q '"version":"' || fail "/status"
expect_req 200 '{"cacheInitialized":true}' GET /druid/historical/v1/loadstatus
expect_req 200 '{"inventoryInitialized":true}' GET /druid/broker/v1/loadstatus
expect_req 200 '' GET /druid/broker/v1/readiness
expect_req 200 '{"leader":true}' GET /druid/coordinator/v1/isLeader
expect_req 200 '{"leader":true}' GET /druid/indexer/v1/isLeader
expect_req 200 "http://localhost:$T_PORT" GET /druid/indexer/v1/leader
expect_req 200 '[]' GET /druid/v2/datasources
expect_req 200 '[]' GET /druid/coordinator/v1/datasources
expect_req 200 '[]' GET /druid/coordinator/v1/metadata/datasources
expect_req 200 '{}' GET /druid/coordinator/v1/loadstatus
expect_req 200 '[]' GET /druid/indexer/v1/tasks
expect_req 200 '[]' GET /druid/indexer/v1/runningTasks
expect_req 204 '' GET '/druid/coordinator/v1/datasources/nope/loadstatus?forceMetadataRefresh=false'
expect_req 400 '{"error":"Invalid request. forceMetadataRefresh must be specified"}' \
    GET /druid/coordinator/v1/datasources/nope/loadstatus
expect_req 200 '{"dimensions":[],"metrics":[]}' GET /druid/v2/datasources/nope

# Unknown tasks.
expect_req 404 '{"task":"nope","status":null}' GET /druid/indexer/v1/task/nope/status
expect_req 404 '{"task":"nope","payload":null}' GET /druid/indexer/v1/task/nope
expect_req 404 '{"error":"No log was found for this task. The task may not exist, or it may not have begun running yet."}' \
    GET /druid/indexer/v1/task/nope/log
expect_req 404 '{"error":"No task reports were found for this task. The task may not exist, or it may not have completed yet."}' \
    GET /druid/indexer/v1/task/nope/reports
expect_req 400 '{"error":"Invalid task state[sleeping]. Must be one of [pending, waiting, running, complete]."}' \
    GET '/druid/indexer/v1/tasks?state=sleeping'

# Malformed submissions.
expect_req 400 '{"error":"request body: invalid JSON at line 1 column 8: end of file expected near '"'"'}'"'"'"}' \
    POST /druid/indexer/v1/task -H 'Content-Type: application/json' --data-binary '{"a":1}}'
expect_req 400 '{"error":"request body: empty, expected JSON"}' POST /druid/indexer/v1/task --data-binary ''
expect_req 400 '{"error":"Could not resolve type id '"'"'index_hadoop'"'"' as a subtype of `Task`: known type ids = [index, index_kafka, index_kinesis, index_parallel]"}' \
    POST /druid/indexer/v1/task --data-binary '{"type":"index_hadoop"}'
got=$(req POST /druid/indexer/v1/task --data-binary '{"type":"index_parallel","spec":{"dataSchema":{"dataSource":"x"},"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":"a"},"inputFormat":{"type":"json"}}}}')
case "$got" in "400 {\"error\":\"spec.dataSchema.timestampSpec"*|"400 {\"error\":\"spec."*) ;; *) fail "invalid spec: $got" ;; esac

# A body over the limit (16 MiB by default) is refused before it is read.
head -c 17000000 /dev/zero | tr '\0' 'a' >"$T_DIR/huge"
got=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T_DIR/huge" "$T_URL/druid/indexer/v1/task" || true)
[ "$got" = 413 ] || fail "huge body gave $got"
t_alive

# Unknown paths and methods.
expect_req 404 '{"error":"Not found: GET /druid/nothing/here"}' GET /druid/nothing/here
got=$(req DELETE /druid/indexer/v1/tasks)
[ "${got%% *}" = 405 ] || fail "DELETE tasks gave $got"
got=$(req GET '/druid/indexer/v1/task/%zz/status')
[ "${got%% *}" = 400 ] || fail "bad escape gave $got"
expect_req 400 '{"error":"Invalid request payload, either interval or segmentIds array must be specified"}' \
    POST /druid/coordinator/v1/datasources/x/markUnused --data-binary '{}'
expect_req 200 '{"numChangedSegments":0}' \
    POST /druid/coordinator/v1/datasources/x/markUnused --data-binary '{"interval":"2021-01-01/2022-01-01"}'

# Garbage on the wire does not hurt.
printf 'GARBAGE\r\n\r\n' | timeout 5 bash -c "cat >/dev/tcp/127.0.0.1/$T_PORT" 2>/dev/null || true
printf 'GET /status/health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab' |
    timeout 3 bash -c "cat >/dev/tcp/127.0.0.1/$T_PORT" 2>/dev/null || true
t_alive

# Task history survives a restart: a task that failed on its own (an
# unparseable row with maxParseExceptions 0), so its end does not race a
# shutdown request.
id=$(submit '{"type":"index_parallel","id":"history_1","spec":{"dataSchema":{"dataSource":"h","timestampSpec":{"column":"ts"},"dimensionsSpec":{"dimensions":["d"]},"granularitySpec":{"intervals":["2000-01-01/2000-01-02"]}},"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":"not json"},"inputFormat":{"type":"json"}},"tuningConfig":{"type":"index_parallel","maxParseExceptions":0}}}')
[ "$id" = history_1 ] || fail "id $id"
wait_task history_1 FAILED 10
before=$(curl -s "$T_URL/druid/indexer/v1/task/history_1/status" | jq -c '.status | {id, statusCode, errorMsg, dataSource, type, createdTime}')
[ "$(echo "$before" | jq -r '.errorMsg | test("parse")')" = true ] || fail "history_1: $before"
expect_req 409 '{"error":"Task[history_1] already exists"}' POST /druid/indexer/v1/task \
    --data-binary '{"type":"index_parallel","id":"history_1","spec":{"dataSchema":{"dataSource":"h","timestampSpec":{"column":"ts"},"dimensionsSpec":{"dimensions":["d"]}},"ioConfig":{"type":"index_parallel","inputSource":{"type":"inline","data":"{}"},"inputFormat":{"type":"json"}}}}'
t_stop
t_start
after=$(curl -s "$T_URL/druid/indexer/v1/task/history_1/status" | jq -c '.status | {id, statusCode, errorMsg, dataSource, type, createdTime}')
json_eq "$after" "$before"
[ "$(curl -s "$T_URL/druid/indexer/v1/completeTasks" | jq -r '.[0].id')" = history_1 ] || fail "completeTasks"
t_stop
echo "server_http: ok"
