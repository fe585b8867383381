#!/usr/bin/env bash
# kinesis_reshard.sh — resharding under load on a real `varve server` over
# kinesalite. Both shards of a 2-shard stream are split (2 -> 4) while
# records are produced: the closed parents are read to their end (EOS is
# committed for them), their children are read from TRIM_HORIZON once the
# parents are done, and every record lands exactly once (count, sum of ids,
# no id twice). Then the four open shards are merged pairwise under load
# (4 -> 2) with the same result.
source "$(dirname "$0")/lib/server.sh"
source "$(dirname "$0")/lib/kinesis.sh"
trap 'k_stop; t_cleanup' EXIT

k_start
k_produce rs 1 300 2
t_start --task-slots 8
spec=$(k_spec kr rs '{"taskDuration":"PT20S"}' '{}')
[ "$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$spec" \
    "$T_URL/druid/indexer/v1/supervisor" | jq -r .id)" = kr ] || fail "supervisor not created"
k_wait_for "before the split" "300 45150" 60 kr k_count_sum kr

# Split both shards while 300 more records go in.
for i in $(seq 301 600); do
    printf '{"time":"2026-01-01T00:%02d:%02d.000Z","id":"r%d","value":%d}\n' \
        $((i / 60 % 60)) $((i % 60)) "$i" "$i"
done >"$T_DIR/load.json"
"$VARVE_BIN" produce --kinesis-endpoint "$K_URL" --stream rs --file "$T_DIR/load.json" \
    --rate 150 --quiet 2>"$T_DIR/load.err" &
PRODUCER=$!
sleep 0.7
k_split rs shardId-000000000000
k_split rs shardId-000000000001
wait "$PRODUCER" || fail "produce under load: $(cat "$T_DIR/load.err")"
[ "$(k_open_shards rs | wc -l)" = 4 ] || fail "open shards: $(k_open_shards rs)"
k_produce rs 601 700
k_wait_for "after the split" "700 245350" 90 kr k_count_sum kr
parents() { k_stored kr | jq -r '[."shardId-000000000000", ."shardId-000000000001"] | join(" ")'; }
k_wait_for "parents committed as EOS" "EOS EOS" 30 kr parents
[ "$(k_dups kr)" = 0 ] || fail "ids ingested more than once after the split"

# Merge the four children pairwise (4 -> 2) while records go in.
for i in $(seq 701 1000); do
    printf '{"time":"2026-01-01T00:%02d:%02d.000Z","id":"r%d","value":%d}\n' \
        $((i / 60 % 60)) $((i % 60)) "$i" "$i"
done >"$T_DIR/load.json"
"$VARVE_BIN" produce --kinesis-endpoint "$K_URL" --stream rs --file "$T_DIR/load.json" \
    --rate 150 --quiet 2>"$T_DIR/load.err" &
PRODUCER=$!
sleep 0.7
read -r c1 c2 c3 c4 <<<"$(k_open_shards rs | tr '\n' ' ')"
k_merge rs "$c1" "$c2"
k_merge rs "$c3" "$c4"
wait "$PRODUCER" || fail "produce under load: $(cat "$T_DIR/load.err")"
[ "$(k_open_shards rs | wc -l)" = 2 ] || fail "open shards: $(k_open_shards rs)"
k_produce rs 1001 1100
k_wait_for "after the merge" "1100 605550" 90 kr k_count_sum kr
[ "$(k_dups kr)" = 0 ] || fail "ids ingested more than once after the merge"
expect_req 200 '{"id":"kr"}' POST /druid/indexer/v1/supervisor/kr/terminate
t_stop
