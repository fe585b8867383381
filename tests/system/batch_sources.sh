#!/usr/bin/env bash
# batch_sources.sh — batch ingestion end to end from every input source:
# local files (baseDir + filter, and `files`), inline data and HTTP URIs,
# `index_parallel` and `index` tasks, with and without granularitySpec
# intervals (the determine-partitions pass), submitted through the
# overlord's API, checked through native queries against the hand-worked
# results of tests/data/batch/README.md, the published segments and the
# completion reports; then the server restarts over the same data
# directory and serves the same segments and task history.
source "$(dirname "$0")/lib/server.sh"
source "$(dirname "$0")/lib/batch.sh"

t_start
http_start "$WIKI_DIR"
bytes=$(( $(cat "$WIKI_DIR"/*.json | wc -c) + $(zcat "$WIKI_DIR"/edits-2024-03-03.json.gz | wc -c) ))

# ---- local: two files by filter, the gzip one by name; intervals given ----
src=$(jq -cn --arg d "$WIKI_DIR" '{type: "local", baseDir: $d, filter: "*.json",
    files: [($d + "/edits-2024-03-03.json.gz")]}')
local_id=$(submit "$(wiki_spec index_parallel wiki_local "$src" '{"intervals":["2024-03-01/2024-03-04"]}')")
wait_task "$local_id"
wait_loaded wiki_local
text_eq "$(daily wiki_local)" "$WIKI_DAILY"
jeq "$(group_by wiki_local tags)" "$WIKI_BY_TAGS"
jeq "$(group_by wiki_local user)" "$WIKI_BY_USER"
jeq "$(query '{"queryType":"timeseries","dataSource":"wiki_local","intervals":["2024-03-01/2024-03-04"],
    "granularity":"all","filter":{"type":"selector","dimension":"tags","value":"a"},
    "aggregations":[{"type":"longSum","name":"rows","fieldName":"count"}]}')" \
    '[{"timestamp":"2024-03-01T01:00:00.000Z","result":{"rows":5}}]'

zero='{"processed":0,"processedBytes":0,"processedWithError":0,"thrownAway":0,"thrownAwayByReason":{},"unparseable":0}'
jeq "$(report "$local_id" | jq -c '.ingestionStatsAndErrors | del(.payload.segmentAvailabilityWaitTimeMs)')" \
    "{\"type\":\"ingestionStatsAndErrors\",\"taskId\":\"$local_id\",\"payload\":{
      \"ingestionState\":\"COMPLETED\",\"unparseableEvents\":{},
      \"rowStats\":{\"determinePartitions\":$zero,\"buildSegments\":{\"processed\":12,\"processedBytes\":$bytes,
        \"processedWithError\":0,\"thrownAway\":0,\"thrownAwayByReason\":{},\"unparseable\":0}},
      \"errorMsg\":null,\"segmentAvailabilityConfirmed\":false,\"recordsProcessed\":{},\"segmentsPublished\":3}}"
jeq "$(report "$local_id" | jq -c .taskContext)" \
    "{\"type\":\"taskContext\",\"taskId\":\"$local_id\",\"payload\":{\"forceTimeChunkLock\":true,\"useLineageBasedSegmentAllocation\":true}}"

# One version (the lock's) for the three day chunks, partition 0 of 1 each.
segs=$(used_segments wiki_local)
[ "$(echo "$segs" | jq length)" = 3 ] || fail "wiki_local segments: $segs"
version=$(echo "$segs" | jq -r '.[0].version')
jeq "$(echo "$segs" | jq -c 'map({interval, version, shardSpec, dimensions, metrics, binaryVersion,
        loadType: .loadSpec.type, sized: (.size > 0), identifier}) | sort_by(.interval)')" \
    "$(jq -cn --arg v "$version" '[range(1;4) | "2024-03-0\(.)T00:00:00.000Z/2024-03-0\(.+1)T00:00:00.000Z" as $iv |
        {interval: $iv, version: $v, shardSpec: {type: "numbered", partitionNum: 0, partitions: 1},
         dimensions: "channel,page,user,tags", metrics: "count,added,deleted,score", binaryVersion: 9,
         loadType: "local", sized: true,
         identifier: ("wiki_local_" + ($iv | sub("/"; "_")) + "_" + $v)}]')"
st=$(task_status "$local_id")
[ "$(echo "$st" | jq -r '.statusCode, .location.host, (.location.port > 0)' | tr '\n' ' ')" = "SUCCESS localhost true " ] ||
    fail "status $st"

# ---- inline, an `index` task without intervals: the intervals come from a first pass ----
inline=$(cat "$WIKI_DIR"/edits-2024-03-01.json "$WIKI_DIR"/edits-2024-03-02.json)
src=$(jq -cn --arg d "$inline" '{type: "inline", data: $d}')
inline_id=$(submit "$(wiki_spec index wiki_inline "$src")")
wait_task "$inline_id"
wait_loaded wiki_inline
text_eq "$(daily wiki_inline)" "[$WIKI_DAY1,$WIKI_DAY2]"
ib=$(printf '%s' "$inline" | wc -c)
two="{\"processed\":8,\"processedBytes\":$ib,\"processedWithError\":0,\"thrownAway\":0,\"thrownAwayByReason\":{},\"unparseable\":0}"
jeq "$(report "$inline_id" | jq -c '.ingestionStatsAndErrors.payload | {ingestionState, rowStats, segmentsPublished}')" \
    "{\"ingestionState\":\"COMPLETED\",\"rowStats\":{\"determinePartitions\":$two,\"buildSegments\":$two},\"segmentsPublished\":2}"
[ "$(used_segments wiki_inline | jq -r 'map(.interval) | sort | join(" ")')" = \
  "2024-03-01T00:00:00.000Z/2024-03-02T00:00:00.000Z 2024-03-02T00:00:00.000Z/2024-03-03T00:00:00.000Z" ] ||
    fail "wiki_inline intervals: $(used_segments wiki_inline)"

# ---- http, without intervals, waiting for the segments to be served ----
src=$(jq -cn --arg u "$H_URL" '{type: "http", uris: [($u + "/edits-2024-03-01.json"),
    ($u + "/edits-2024-03-02.json"), ($u + "/edits-2024-03-03.json.gz")]}')
http_id=$(submit "$(wiki_spec index_parallel wiki_http "$src" '{}' '{}' '{"awaitSegmentAvailabilityTimeoutMillis":60000}')")
wait_task "$http_id"
jeq "$(report "$http_id" | jq -c '.ingestionStatsAndErrors.payload |
        {ingestionState, segmentAvailabilityConfirmed, waited: (.segmentAvailabilityWaitTimeMs >= 0),
         processed: .rowStats.buildSegments.processed, determined: .rowStats.determinePartitions.processed}')" \
    '{"ingestionState":"COMPLETED","segmentAvailabilityConfirmed":true,"waited":true,"processed":12,"determined":12}'
text_eq "$(daily wiki_http)" "$WIKI_DAILY"

# A URI that is not there fails the task with the URI named.
src=$(jq -cn --arg u "$H_URL" '{type: "http", uris: [($u + "/missing.json")]}')
id=$(submit "$(wiki_spec index_parallel wiki_missing "$src" '{"intervals":["2024-03-01/2024-03-02"]}')")
wait_task "$id" FAILED
msg=$(task_status "$id" | jq -r .errorMsg)
case "$msg" in "reading input [$H_URL/missing.json]: $H_URL/missing.json: HTTP 404"*) ;;
    *) fail "missing URI: $msg" ;; esac

# ---- restart: the same segments are served again, the task history is kept ----
before=$(curl -s "$T_URL/druid/indexer/v1/task/$local_id/status" | jq -c '.status | {id, statusCode, errorMsg, dataSource, type}')
t_stop
t_start
wait_loaded wiki_local
wait_loaded wiki_http
text_eq "$(daily wiki_local)" "$WIKI_DAILY"
text_eq "$(daily wiki_http)" "$WIKI_DAILY"
jeq "$(curl -s "$T_URL/druid/indexer/v1/task/$local_id/status" | jq -c '.status | {id, statusCode, errorMsg, dataSource, type}')" "$before"
[ "$(report "$local_id" | jq -r .ingestionStatsAndErrors.payload.segmentsPublished)" = 3 ] || fail "report after restart"
t_stop
echo "batch_sources: ok"
