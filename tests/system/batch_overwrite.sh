#!/usr/bin/env bash
# batch_overwrite.sh — what a batch task does to data already there and how
# it cuts segments: appendToExisting adds partitions to the existing
# version; an overwrite gets a new version that overshadows the old one
# where it has data; dropExisting also retires the old segments of the
# intervals it covers; maxRowsPerSegment (with spills forced by
# maxRowsInMemory 1) and maxTotalRows give several partitions of a chunk —
# each checked through the published segments and query totals.
source "$(dirname "$0")/lib/server.sh"
source "$(dirname "$0")/lib/batch.sh"

t_start
day1=$(jq -cn --arg d "$WIKI_DIR" '{type: "local", baseDir: $d, filter: "edits-2024-03-01.json"}')
all=$(jq -cn --arg d "$WIKI_DIR" '{type: "local", baseDir: $d, filter: "edits-*"}')

# ---- appendToExisting: a second partition in the first task's version ----
id=$(submit "$(wiki_spec index app "$day1" '{"intervals":["2024-03-01/2024-03-02"]}')")
wait_task "$id"
v1=$(used_segments app | jq -r '.[0].version')
id=$(submit "$(wiki_spec index app "$day1" '{}' '{"appendToExisting":true}')")
wait_task "$id"
wait_loaded app
jeq "$(used_segments app | jq -c 'map({identifier, partitionNum: .shardSpec.partitionNum,
        partitions: .shardSpec.partitions}) | sort_by(.partitionNum)')" \
    "[{\"identifier\":\"app_2024-03-01T00:00:00.000Z_2024-03-02T00:00:00.000Z_$v1\",\"partitionNum\":0,\"partitions\":1},
      {\"identifier\":\"app_2024-03-01T00:00:00.000Z_2024-03-02T00:00:00.000Z_${v1}_1\",\"partitionNum\":1,\"partitions\":1}]"
text_eq "$(daily app)" \
    '[{"timestamp":"2024-03-01T00:00:00.000Z","result":{"rows":8,"stored":6,"added":46,"deleted":6,"score":8.0}}]'
[ "$(report "$id" | jq -r .ingestionStatsAndErrors.payload.segmentsPublished)" = 1 ] || fail "append report"

# ---- overwrite: a new version where the new data is, the old data elsewhere ----
id=$(submit "$(wiki_spec index_parallel ow "$all" '{"intervals":["2024-03-01/2024-03-04"]}')")
wait_task "$id"
wait_loaded ow
text_eq "$(daily ow)" "$WIKI_DAILY"
old=$(used_segments ow | jq -c 'map(.identifier) | sort')
row='{"time":"2024-03-02T10:00:00Z","channel":"#en","page":"Pear","user":"zoe","tags":["z"],"added":100,"deleted":0,"score":1.5}'
src=$(jq -cn --arg d "$row" '{type: "inline", data: $d}')
id=$(submit "$(wiki_spec index_parallel ow "$src" '{"intervals":["2024-03-01/2024-03-03"]}')")
wait_task "$id"
wait_loaded ow
text_eq "$(daily ow)" "[$WIKI_DAY1,"'{"timestamp":"2024-03-02T00:00:00.000Z","result":{"rows":1,"stored":1,"added":100,"deleted":0,"score":1.5}},'"$WIKI_DAY3]"
v2=$(report "$id" >/dev/null; used_segments ow | jq -r 'map(select(.interval | startswith("2024-03-02"))) | max_by(.version) | .version')
[ "$v2" \> "$(echo "$old" | jq -r '.[0]' | sed 's/.*Z_//')" ] || fail "the overwrite's version $v2 is not newer"

# ---- dropExisting: the old segments of the intervals are retired in the same publish ----
row='{"time":"2024-03-02T11:00:00Z","channel":"#en","page":"Plum","user":"zoe","tags":["z"],"added":50,"deleted":5,"score":0.5}'
src=$(jq -cn --arg d "$row" '{type: "inline", data: $d}')
id=$(submit "$(wiki_spec index_parallel ow "$src" '{"intervals":["2024-03-01/2024-03-03"]}' '{"dropExisting":true}')")
wait_task "$id"
wait_loaded ow
text_eq "$(daily ow)" '[{"timestamp":"2024-03-02T00:00:00.000Z","result":{"rows":1,"stored":1,"added":50,"deleted":5,"score":0.5}},'"$WIKI_DAY3]"
used=$(used_segments ow | jq -c 'map(.interval) | sort')
jeq "$used" '["2024-03-02T00:00:00.000Z/2024-03-03T00:00:00.000Z","2024-03-03T00:00:00.000Z/2024-03-04T00:00:00.000Z"]'
grep -q "marked 2 unused" "$T_DIR/data/tasks/$id/log" || fail "dropExisting: $(grep published "$T_DIR/data/tasks/$id/log")"

# ---- maxRowsPerSegment 2 with a persist after every row: two partitions a day ----
id=$(submit "$(wiki_spec index_parallel parts "$all" '{"intervals":["2024-03-01/2024-03-04"]}' '{}' \
    '{"maxRowsInMemory":1,"partitionsSpec":{"type":"dynamic","maxRowsPerSegment":2}}')")
wait_task "$id"
wait_loaded parts
segs=$(used_segments parts)
jeq "$(echo "$segs" | jq -c 'map({day: .interval[8:10], p: .shardSpec.partitionNum, of: .shardSpec.partitions}) | sort_by(.day, .p)')" \
    '[{"day":"01","p":0,"of":2},{"day":"01","p":1,"of":2},{"day":"02","p":0,"of":2},{"day":"02","p":1,"of":2},
      {"day":"03","p":0,"of":2},{"day":"03","p":1,"of":2}]'
text_eq "$(daily parts)" "$WIKI_DAILY"
jeq "$(group_by parts tags)" "$WIKI_BY_TAGS"
[ "$(grep -c 'persisted 1 rows' "$T_DIR/data/tasks/$id/log")" -ge 9 ] || fail "maxRowsInMemory 1 did not persist each row"

# ---- maxTotalRows 4: the chunks open at that point get segments of their own ----
id=$(submit "$(wiki_spec index_parallel gens "$all" '{"intervals":["2024-03-01/2024-03-04"]}' '{}' \
    '{"partitionsSpec":{"type":"dynamic","maxTotalRows":4}}')")
wait_task "$id"
wait_loaded gens
jeq "$(used_segments gens | jq -c 'map({day: .interval[8:10], p: .shardSpec.partitionNum, of: .shardSpec.partitions}) | sort_by(.day, .p)')" \
    '[{"day":"01","p":0,"of":1},{"day":"02","p":0,"of":2},{"day":"02","p":1,"of":2},
      {"day":"03","p":0,"of":2},{"day":"03","p":1,"of":2}]'
text_eq "$(daily gens)" "$WIKI_DAILY"
t_stop
echo "batch_overwrite: ok"
