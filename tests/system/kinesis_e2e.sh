#!/usr/bin/env bash
# kinesis_e2e.sh — a Druid Kinesis supervisor spec on a real `varve server`
# over kinesalite: records with unique ids produced to a 2-shard stream are
# read by taskCount 2 tasks that roll over every few seconds and cut a
# checkpoint every 40 rows, and appear exactly once in query results (count
# and sum of ids); the stored positions are Druid's KinesisDataSourceMetadata
# (sequence numbers as strings); the status payload has the Kinesis lag
# fields. Records produced while the server is stopped are ingested exactly
# once after its restart.
source "$(dirname "$0")/lib/server.sh"
source "$(dirname "$0")/lib/kinesis.sh"
trap 'k_stop; t_cleanup' EXIT

k_start
k_produce ev 1 300 2
t_start --task-slots 8
spec=$(k_spec ke ev '{}' '{"maxRowsPerSegment":40}')
[ "$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$spec" \
    "$T_URL/druid/indexer/v1/supervisor" | jq -r .id)" = ke ] || fail "supervisor not created"

k_wait_for "first batch" "300 45150" 60 ke k_count_sum ke
k_produce ev 301 600
k_wait_for "second batch" "600 180300" 60 ke k_count_sum ke

# The stored metadata: both shards, sequence numbers as decimal strings.
st=$(k_stored ke)
[ "$(echo "$st" | jq -r 'keys | join(",")')" = "shardId-000000000000,shardId-000000000001" ] ||
    fail "stored shards: $st"
echo "$st" | jq -e 'all(.[]; type == "string" and test("^[0-9]+$"))' >/dev/null ||
    fail "stored positions are not sequence numbers: $st"

# The status payload: Kinesis's fields, lag in milliseconds.
p=$(curl -s "$T_URL/druid/indexer/v1/supervisor/ke/status" | jq -c .payload)
[ "$(echo "$p" | jq -r .stream)" = ev ] || fail "status: $p"
[ "$(echo "$p" | jq -r .partitions)" = 2 ] || fail "status: $p"
echo "$p" | jq -e 'has("aggregateLagMillis") and has("minimumLagMillis") and
    (has("latestOffsets") | not) and (has("aggregateLag") | not)' >/dev/null || fail "status: $p"
"$VARVE_BIN" supervisor status ke --url "$T_URL" | grep -Eq '^aggregateLagMillis +0$' ||
    fail "varve supervisor status: $("$VARVE_BIN" supervisor status ke --url "$T_URL")"

# Stopped while tasks read; records arrive meanwhile.
k_produce ev 601 800
t_stop
k_produce ev 801 1000
t_start --task-slots 8
k_wait_for "after a restart" "1000 500500" 90 ke k_count_sum ke
[ "$(k_dups ke)" = 0 ] || fail "ids ingested more than once"
curl -s "$T_URL/druid/indexer/v1/supervisor/ke/status" | jq -e '.payload.healthy' >/dev/null ||
    fail "unhealthy: $(curl -s "$T_URL/druid/indexer/v1/supervisor/ke/status")"
expect_req 200 '{"id":"ke"}' POST /druid/indexer/v1/supervisor/ke/terminate
t_stop
