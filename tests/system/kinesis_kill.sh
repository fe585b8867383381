#!/usr/bin/env bash
# kinesis_kill.sh — kill -9 of Kinesis reading tasks on a real `varve server`
# over kinesalite: while records go in and tasks checkpoint every 40 rows,
# one task of each group is killed mid-read (twice); the supervisor replaces
# them from the last checkpoint and every record lands exactly once (count,
# sum of ids, no id twice).
source "$(dirname "$0")/lib/server.sh"
source "$(dirname "$0")/lib/kinesis.sh"
trap 'k_stop; t_cleanup' EXIT

k_start
k_produce kv 1 200 2
t_start --task-slots 8
spec=$(k_spec kk kv '{"taskDuration":"PT30S"}' '{"maxRowsPerSegment":40}')
[ "$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$spec" \
    "$T_URL/druid/indexer/v1/supervisor" | jq -r .id)" = kk ] || fail "supervisor not created"
k_wait_for "first batch" "200 20100" 60 kk k_count_sum kk

for i in $(seq 201 800); do
    printf '{"time":"2026-01-01T00:%02d:%02d.000Z","id":"r%d","value":%d}\n' \
        $((i / 60 % 60)) $((i % 60)) "$i" "$i"
done >"$T_DIR/load.json"
"$VARVE_BIN" produce --kinesis-endpoint "$K_URL" --stream kv --file "$T_DIR/load.json" \
    --rate 100 --quiet 2>"$T_DIR/load.err" &
PRODUCER=$!

# kill_readers: kill -9 every task the supervisor lists as reading.
kill_readers() {
    local n=0 id pid
    for id in $(curl -s "$T_URL/druid/indexer/v1/supervisor/kk/status" | jq -r '.payload.activeTasks[].id'); do
        pid=$(cat "$T_DIR/data/tasks/$id/started" 2>/dev/null || true)
        if [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; then n=$((n + 1)); fi
    done
    [ "$n" -gt 0 ] || fail "no reading task to kill"
}
sleep 2
kill_readers
sleep 3
kill_readers
wait "$PRODUCER" || fail "produce under load: $(cat "$T_DIR/load.err")"
k_wait_for "after the kills" "800 320400" 90 kk k_count_sum kk
[ "$(k_dups kk)" = 0 ] || fail "ids ingested more than once"
expect_req 200 '{"id":"kk"}' POST /druid/indexer/v1/supervisor/kk/terminate
t_stop
