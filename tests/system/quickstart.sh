#!/usr/bin/env bash
# `varve quickstart` end to end: the embedded Kafka cluster, the producer and
# the wikipedia supervisor make generated edits queryable within seconds; an
# event produced with kcat by hand is found by a filtered query; Ctrl-C stops
# everything cleanly after the tasks published; a second run over the same
# data dir serves what the first one ingested and ingests again.
set -euo pipefail
: "${VARVE_BIN:?}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/varve-qs-XXXXXX")
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" || true; fi
    if [ "${FAILED:-0}" = 1 ]; then
        echo "--- quickstart output ---" >&2; tail -20 "$dir/out" >&2 || true
        echo "--- server log ---" >&2; tail -40 "$dir/data/log/server.log" >&2 || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { FAILED=1; echo "FAIL: $*" >&2; exit 1; }

start() {
    rm -f "$dir/port" "$dir/bootstrap"
    "$VARVE_BIN" quickstart --data-dir "$dir/data" --port 0 --port-file "$dir/port" \
        --bootstrap-file "$dir/bootstrap" --rate 200 > "$dir/out" 2>&1 &
    pid=$!
    for _ in $(seq 1 200); do [ -s "$dir/port" ] && break; sleep 0.1; done
    [ -s "$dir/port" ] || fail "quickstart did not come up"
    url="http://127.0.0.1:$(cat "$dir/port")"
    bootstrap=$(cat "$dir/bootstrap")
}

# count [FILTER_JSON]: rows of wikipedia matching the filter (0 when none yet).
count() {
    local filter=${1:-null}
    curl -s -H 'Content-Type: application/json' "$url/druid/v2" -d "{\"queryType\":\"timeseries\",
        \"dataSource\":\"wikipedia\",\"granularity\":\"all\",\"intervals\":[\"2000/3000\"],
        \"filter\":$filter,\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}" |
        jq -r '.[0].result.n // 0' 2>/dev/null || echo 0
}

wait_count() { # FILTER MIN SECONDS
    local n=0
    for _ in $(seq 1 $(($3 * 5))); do
        n=$(count "$1")
        [ "$n" -ge "$2" ] && return 0
        sleep 0.2
    done
    fail "count($1) = $n after $3 s, expected >= $2"
}

stop() {
    kill -INT "$pid"
    for _ in $(seq 1 900); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && fail "quickstart did not stop within 90 s"
    wait "$pid" || fail "quickstart exited with $?"
    pid=""
}

start
grep -q "^  Kafka      $bootstrap  topic wikipedia" "$dir/out" || fail "banner without the bootstrap address"
wait_count null 1 30
mine='{"type":"equals","column":"channel","matchValueType":"STRING","matchValue":"#quickstart-test"}'
echo "{\"time\":\"$(date -u +%FT%T.000Z)\",\"channel\":\"#quickstart-test\",\"page\":\"Hello\",\"added\":7}" |
    kcat -P -b "$bootstrap" -t wikipedia -p 0
wait_count "$mine" 1 10
stop
grep -q "produced [0-9]* events" "$dir/out" || fail "no producer summary at exit"

# second run over the same data dir: the first run's rows are served again
start
wait_count "$mine" 1 30
before=$(count null)
wait_count null $((before + 1)) 30
[ "$(count "$mine")" = 1 ] || fail "the hand-produced event is counted $(count "$mine") times"
stop
echo "quickstart: ok"
