# tests/system/lib/kinesis.sh — kinesalite for the Kinesis system tests:
# started through tests/tools/kserve.js on an ephemeral 127.0.0.1 port
# (K_URL), AWS credentials in the environment for varve's signing (kinesalite
# accepts any), the Kinesis API called with curl's SigV4, records produced
# with `varve produce --kinesis-endpoint`, and the stored commit metadata
# read from the metadata store. Source after lib/server.sh.

K_PID=""
K_URL=""
export AWS_ACCESS_KEY_ID=varvetest AWS_SECRET_ACCESS_KEY=varvetestsecret AWS_REGION=us-east-1

k_stop() {
    if [ -n "$K_PID" ]; then kill "$K_PID" 2>/dev/null || true; wait "$K_PID" 2>/dev/null || true; fi
    K_PID=""
}

# k_start: kinesalite on an ephemeral port.
k_start() {
    command -v node >/dev/null || fail "node is needed (scripts/install-deps)"
    [ -d "$VARVE_SRC/tests/tools/node_modules/kinesalite" ] ||
        fail "kinesalite is not installed (scripts/install-deps)"
    node "$VARVE_SRC/tests/tools/kserve.js" --port 0 >"$T_DIR/kserve.out" 2>"$T_DIR/kserve.err" &
    K_PID=$!
    for _ in $(seq 200); do
        grep -q '^port ' "$T_DIR/kserve.out" 2>/dev/null && break
        sleep 0.05
    done
    grep -q '^port ' "$T_DIR/kserve.out" || fail "kinesalite did not start: $(cat "$T_DIR/kserve.err")"
    K_URL="http://127.0.0.1:$(awk '/^port /{print $2}' "$T_DIR/kserve.out")"
}

# k_api OPERATION JSON: one Kinesis API call; prints the answer.
k_api() {
    curl -s -X POST "$K_URL/" --aws-sigv4 "aws:amz:us-east-1:kinesis" \
        --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
        -H "Content-Type: application/x-amz-json-1.1" -H "X-Amz-Target: Kinesis_20131202.$1" \
        --data-binary "$2"
}

# k_wait_active STREAM: until the stream is ACTIVE again (after a reshard).
k_wait_active() {
    for _ in $(seq 100); do
        [ "$(k_api DescribeStream "{\"StreamName\":\"$1\"}" | jq -r .StreamDescription.StreamStatus)" = ACTIVE ] &&
            return 0
        sleep 0.1
    done
    fail "stream $1 did not become ACTIVE"
}

# k_open_shards STREAM: the ids of its open shards, one a line.
k_open_shards() {
    k_api ListShards "{\"StreamName\":\"$1\"}" |
        jq -r '.Shards[] | select(.SequenceNumberRange.EndingSequenceNumber == null) | .ShardId'
}

# k_split STREAM SHARD: splits SHARD in the middle of its hash key range.
k_split() {
    local mid
    mid=$(k_api ListShards "{\"StreamName\":\"$1\"}" | jq -r --arg s "$2" \
        '.Shards[] | select(.ShardId == $s) | .HashKeyRange | "\(.StartingHashKey) \(.EndingHashKey)"' |
        python3 -c 'import sys; a, b = map(int, sys.stdin.read().split()); print((a + b + 1) // 2)')
    k_api SplitShard "{\"StreamName\":\"$1\",\"ShardToSplit\":\"$2\",\"NewStartingHashKey\":\"$mid\"}" >/dev/null
    k_wait_active "$1"
}

# k_merge STREAM SHARD ADJACENT
k_merge() {
    k_api MergeShards "{\"StreamName\":\"$1\",\"ShardToMerge\":\"$2\",\"AdjacentShardToMerge\":\"$3\"}" >/dev/null
    k_wait_active "$1"
}

# k_produce STREAM FROM TO [SHARDS]: records id FROM..TO (value = id), stamped
# within one hour, round robin over the open shards; --create SHARDS makes the
# stream first.
k_produce() {
    local create=()
    [ -n "${4:-}" ] && create=(--create "$4")
    for i in $(seq "$2" "$3"); do
        printf '{"time":"2026-01-01T00:%02d:%02d.000Z","id":"r%d","value":%d}\n' \
            $((i / 60 % 60)) $((i % 60)) "$i" "$i"
    done >"$T_DIR/batch.json"
    "$VARVE_BIN" produce --kinesis-endpoint "$K_URL" --stream "$1" "${create[@]}" \
        --file "$T_DIR/batch.json" --quiet 2>"$T_DIR/produce.err" ||
        fail "produce: $(cat "$T_DIR/produce.err")"
}

# k_stored DATASOURCE: the stored positions {shard: position}.
k_stored() {
    python3 -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT commit_metadata_payload FROM druid_dataSource WHERE dataSource = ?", (sys.argv[2],)).fetchone()
print(r[0] if r else "{}")' "$T_DIR/data/metadata.db" "$1" | jq -c '.partitions.partitionSequenceNumberMap // {}'
}

# k_count_sum DATASOURCE: "rows sum" through the broker.
k_count_sum() {
    curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2" --data-binary '{
      "queryType":"timeseries","dataSource":"'"$1"'","granularity":"all",
      "intervals":["2026-01-01/2026-01-02"],
      "aggregations":[{"type":"count","name":"rows"},{"type":"longSum","name":"sum","fieldName":"value"}]}' |
        jq -r 'if length == 0 then "0 0" else "\(.[0].result.rows) \(.[0].result.sum)" end'
}

# k_dups DATASOURCE: how many ids were ingested more than once.
k_dups() {
    curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2" --data-binary '{
      "queryType":"groupBy","dataSource":"'"$1"'","granularity":"all","intervals":["2026-01-01/2026-01-02"],
      "dimensions":["id"],"aggregations":[{"type":"count","name":"n"}],
      "having":{"type":"greaterThan","aggregation":"n","value":1}}' | jq length
}

# k_spec DATASOURCE STREAM IO_JSON TUNING_JSON: a Druid Kinesis supervisor spec.
k_spec() {
    jq -cn --arg ds "$1" --arg st "$2" --arg ep "$K_URL" --argjson io "$3" --argjson tu "$4" '{
      type: "kinesis",
      spec: {
        dataSchema: {dataSource: $ds, timestampSpec: {column: "time", format: "iso"},
                     dimensionsSpec: {dimensions: ["id"]},
                     metricsSpec: [{type: "longSum", name: "value", fieldName: "value"}],
                     granularitySpec: {segmentGranularity: "hour", queryGranularity: "none",
                                       rollup: false}},
        ioConfig: ({stream: $st, endpoint: $ep, inputFormat: {type: "json"},
                    taskCount: 2, replicas: 1, useEarliestSequenceNumber: true,
                    taskDuration: "PT10S", startDelay: "PT0.5S", period: "PT2S",
                    completionTimeout: "PT120S"} + $io),
        tuningConfig: ({type: "kinesis", offsetFetchPeriod: "PT5S",
                        repartitionTransitionDuration: "PT2S",
                        handoffConditionTimeout: 60000} + $tu)}}'
}

# k_wait_for WHAT WANT SECONDS SUPERVISOR CMD...: until CMD prints WANT.
k_wait_for() {
    local what=$1 want=$2 secs=$3 sup=$4 got=""
    shift 4
    for _ in $(seq 1 $((secs * 4))); do
        got=$("$@" || true)
        [ "$got" = "$want" ] && return 0
        sleep 0.25
    done
    fail "$what: [$got], expected [$want]
$(curl -s "$T_URL/druid/indexer/v1/supervisor/$sup/status" | jq -c .payload)"
}
