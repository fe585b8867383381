#!/usr/bin/env bash
# console_api.sh — what `varve server` does for the web console, over HTTP:
# the console's files at / and /console/... with their content types, ETags
# and 304 revalidation, byte for byte the files of web/; Druid's JSON errors
# for unknown files and other methods; and POST /druid/indexer/v1/sampler
# over pasted records (exact SamplerResponse) and over the first records of
# a Kafka topic of the mock cluster, with errors that name the field.
source "$(dirname "$0")/lib/server.sh"

MOCK_PID=""
stop_mock() {
    if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
}
trap 'stop_mock; t_cleanup' EXIT

t_start

# ---- the console's files ----------------------------------------------------
hdr() { rm -f "$T_DIR/file"; curl -s -D - -o "$T_DIR/file" "$@" | tr -d '\r'; }

h=$(hdr "$T_URL/")
echo "$h" | grep -q '^HTTP/1.1 200' || fail "GET /: $h"
echo "$h" | grep -qi '^Content-Type: text/html; charset=utf-8$' || fail "GET / content type: $h"
echo "$h" | grep -qi '^Cache-Control: no-cache$' || fail "GET / cache control: $h"
cmp -s "$T_DIR/file" "$VARVE_SRC/web/index.html" || fail "GET / is not web/index.html"
etag=$(echo "$h" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
[[ "$etag" =~ ^\"[0-9a-f]{16}\"$ ]] || fail "ETag: [$etag]"

# Revalidation: the same ETag is a 304 without a body; another one a 200.
h=$(hdr -H "If-None-Match: $etag" "$T_URL/")
echo "$h" | grep -q '^HTTP/1.1 304' || fail "If-None-Match: $h"
[ ! -s "$T_DIR/file" ] || fail "304 with a body"
h=$(hdr -H 'If-None-Match: "0000000000000000", W/'"$etag" "$T_URL/")
echo "$h" | grep -q '^HTTP/1.1 304' || fail "If-None-Match list: $h"
h=$(hdr -H 'If-None-Match: "0000000000000000"' "$T_URL/")
echo "$h" | grep -q '^HTTP/1.1 200' || fail "stale If-None-Match: $h"

h=$(hdr "$T_URL/unified-console.html")
cmp -s "$T_DIR/file" "$VARVE_SRC/web/index.html" || fail "/unified-console.html is not the console"

# Every file of web/ is served, byte for byte, with its type.
n=0
while IFS= read -r f; do
    rel=${f#"$VARVE_SRC/web/"}
    h=$(hdr "$T_URL/console/$rel")
    echo "$h" | grep -q '^HTTP/1.1 200' || fail "/console/$rel: $h"
    cmp -s "$T_DIR/file" "$f" || fail "/console/$rel differs from web/$rel"
    case "$rel" in
    *.js) want='text/javascript; charset=utf-8' ;;
    *.css) want='text/css; charset=utf-8' ;;
    *.html) want='text/html; charset=utf-8' ;;
    *.svg) want='image/svg+xml' ;;
    *) want='' ;;
    esac
    [ -z "$want" ] || echo "$h" | grep -qi "^Content-Type: $want\$" || fail "/console/$rel type: $h"
    n=$((n + 1))
done < <(find "$VARVE_SRC/web" -type f ! -name '.*' | sort)
[ "$n" -ge 8 ] || fail "only $n console files"

expect_req 404 '{"error":"Console file [js/nope.js] not found"}' GET /console/js/nope.js
expect_req 404 '{"error":"Console file [../CMakeLists.txt] not found"}' GET /console/%2E%2E%2FCMakeLists.txt
got=$(req POST /console/js/app.js)
[ "${got%% *}" = 405 ] || fail "POST to a console file: $got"
# The API is still there.
expect_req 200 'true' GET /status/health
expect_req 200 '[]' GET /druid/indexer/v1/supervisor

# ---- the sampler over pasted records ----------------------------------------
SAMPLER=/druid/indexer/v1/sampler
inline() { # inline DATA [samplerConfig]
    jq -cn --arg data "$1" --argjson cfg "${2:-{\}}" '{
      type: "index_parallel",
      spec: {dataSchema: {dataSource: "wiki", timestampSpec: {column: "time", format: "iso"},
                          dimensionsSpec: {dimensions: ["channel"]},
                          metricsSpec: [{type: "count", name: "count"}],
                          granularitySpec: {queryGranularity: "hour", rollup: true}},
             ioConfig: {type: "index_parallel", inputSource: {type: "inline", data: $data},
                        inputFormat: {type: "json"}}},
      samplerConfig: $cfg}'
}
DATA='{"time":"2024-01-01T10:15:00Z","channel":"#en"}
{"time":"2024-01-01T10:45:00Z","channel":"#en"}
{"time":"nope","channel":"#fr"}'
expect_req 200 '{"numRowsRead":3,"numRowsIndexed":2,"logicalDimensions":[{"type":"string","name":"channel","multiValueHandling":"SORTED_ARRAY","createBitmapIndex":true}],"physicalDimensions":[{"type":"string","name":"channel","multiValueHandling":"SORTED_ARRAY","createBitmapIndex":true}],"logicalSegmentSchema":[{"name":"__time","type":"LONG"},{"name":"channel","type":"STRING"},{"name":"count","type":"LONG"}],"data":[{"input":{"time":"2024-01-01T10:15:00Z","channel":"#en"},"parsed":{"__time":1704103200000,"channel":"#en","count":2}},{"input":{"time":"nope","channel":"#fr"},"unparseable":true,"error":"Timestamp[nope] is unparseable! Event: {\"time\":\"nope\",\"channel\":\"#fr\"}"}]}' \
    POST $SAMPLER -H 'Content-Type: application/json' --data-binary "$(inline "$DATA")"
got=$(curl -s -X POST "$T_URL$SAMPLER" --data-binary "$(inline "$DATA" '{"numRows":1}')" | jq -c '[.numRowsRead, (.data | length)]')
[ "$got" = "[1,1]" ] || fail "numRows 1: $got"

# Errors name the field.
expect_req 400 '{"error":"samplerConfig.numRows: must be <= 5000"}' \
    POST $SAMPLER --data-binary "$(inline "$DATA" '{"numRows":5001}')"
expect_req 400 '{"error":"type: required, one of [index, index_parallel, kafka]"}' POST $SAMPLER --data-binary '{"spec":{}}'
expect_req 400 "{\"error\":\"Could not resolve type id 'hadoop' as a subtype of \`SamplerSpec\`: known type ids = [index, index_parallel, kafka]\"}" \
    POST $SAMPLER --data-binary '{"type":"hadoop","spec":{}}'
got=$(req POST $SAMPLER --data-binary "$(inline "$DATA" | jq -c '.spec.ioConfig.inputFormat = {type: "xml"}')")
case "$got" in "400 {\"error\":\"spec.ioConfig.inputFormat"*) ;; *) fail "bad inputFormat: $got" ;; esac
got=$(req POST $SAMPLER --data-binary "$(inline "$DATA" | jq -c '.spec.dataSchema.timestampSpec.format = 7')")
case "$got" in "400 {\"error\":\"spec.dataSchema.timestampSpec.format"*) ;; *) fail "bad timestampSpec: $got" ;; esac
got=$(req POST $SAMPLER --data-binary '{"type":"index_parallel"')
case "$got" in "400 {\"error\":"*) ;; *) fail "truncated body: $got" ;; esac
# No dataSchema at all: Druid's defaults (column "timestamp", every field a dimension).
got=$(curl -s -X POST "$T_URL$SAMPLER" --data-binary "$(jq -cn '{type: "index", spec: {ioConfig: {type: "index",
    inputSource: {type: "inline", data: "{\"timestamp\":\"2024-02-02T00:00:00Z\",\"a\":\"x\"}"}, inputFormat: {type: "json"}}}}')" |
    jq -c '.data[0].parsed')
[ "$got" = '{"__time":1706832000000,"a":"x"}' ] || fail "no dataSchema: $got"

# ---- the sampler over a Kafka topic -----------------------------------------
"$VARVE_BIN" kafka-mock --brokers 1 --topic clicks:2 --bootstrap-file "$T_DIR/bs.txt" \
    >"$T_DIR/mock.out" 2>"$T_DIR/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do [ -s "$T_DIR/bs.txt" ] && break; sleep 0.05; done
[ -s "$T_DIR/bs.txt" ] || fail "no mock cluster: $(cat "$T_DIR/mock.err")"
BS=$(cat "$T_DIR/bs.txt")
for i in 1 2 3 4 5 6; do echo "{\"time\":\"2024-03-01T00:0$i:00Z\",\"page\":\"p$i\",\"n\":$i}"; done >"$T_DIR/clicks.json"
echo 'garbage' >>"$T_DIR/clicks.json"
"$VARVE_BIN" produce --bootstrap "$BS" --topic clicks --file "$T_DIR/clicks.json" --quiet 2>"$T_DIR/produce.err" ||
    fail "produce: $(cat "$T_DIR/produce.err")"
kspec() { # kspec TOPIC [samplerConfig]
    jq -cn --arg bs "$BS" --arg topic "$1" --argjson cfg "${2:-{\}}" '{type: "kafka",
      spec: {dataSchema: {dataSource: "clicks", timestampSpec: {column: "time", format: "iso"},
                          dimensionsSpec: {dimensions: ["page"]},
                          metricsSpec: [{type: "longSum", name: "n", fieldName: "n"}],
                          granularitySpec: {rollup: false}},
             ioConfig: {topic: $topic, inputFormat: {type: "json"},
                        consumerProperties: {"bootstrap.servers": $bs}},
             tuningConfig: {type: "kafka"}},
      samplerConfig: $cfg}'
}
start=$(date +%s%N)
got=$(curl -s -X POST "$T_URL$SAMPLER" --data-binary "$(kspec clicks '{"timeoutMs":20000}')")
took=$((($(date +%s%N) - start) / 1000000))
# every record of both partitions, read up to the end without waiting for the timeout
[ "$(echo "$got" | jq -c '[.numRowsRead, .numRowsIndexed]')" = "[7,6]" ] || fail "kafka sample: $got"
[ "$(echo "$got" | jq -c '[.data[] | select(.parsed) | .parsed.page] | sort')" = '["p1","p2","p3","p4","p5","p6"]' ] ||
    fail "kafka rows: $got"
[ "$(echo "$got" | jq -c '.data[] | select(.parsed.page == "p4")')" = '{"input":{"time":"2024-03-01T00:04:00Z","page":"p4","n":4},"parsed":{"__time":1709251440000,"page":"p4","n":4}}' ] ||
    fail "kafka row p4: $got"
[ "$(echo "$got" | jq -c '[.data[] | select(.unparseable) | has("input")]')" = '[false]' ] || fail "garbage record: $got"
[ "$took" -lt 15000 ] || fail "kafka sample waited for the timeout (${took} ms)"
got=$(curl -s -X POST "$T_URL$SAMPLER" --data-binary "$(kspec clicks '{"numRows":2}')" | jq -c '[.numRowsRead, (.data | length)]')
[ "$got" = "[2,2]" ] || fail "kafka numRows: $got"
got=$(req POST $SAMPLER --data-binary "$(kspec nosuchtopic '{"timeoutMs":5000}')")
case "$got" in "400 {\"error\":\"Failed to sample data: "*) ;; *) fail "missing topic: $got" ;; esac
got=$(req POST $SAMPLER --data-binary "$(kspec clicks | jq -c 'del(.spec.ioConfig.consumerProperties)')")
case "$got" in "400 {\"error\":\"spec.ioConfig.consumerProperties"*) ;; *) fail "no consumerProperties: $got" ;; esac

t_alive
echo "console_api: ok"
