# tests/system/lib/batch.sh — helpers for the batch ingestion system tests:
# the wikipedia-edits test dataset (tests/data/batch/wiki, worked out by hand
# in tests/data/batch/README.md), spec building, native queries, segment
# listings and a local HTTP file server. Sourced after lib/server.sh.

WIKI_DIR="$VARVE_SRC/tests/data/batch/wiki"
H_PID=""
H_URL=""

b_cleanup() {
    if [ -n "$H_PID" ]; then kill "$H_PID" 2>/dev/null || true; wait "$H_PID" 2>/dev/null || true; fi
    t_cleanup
}
trap b_cleanup EXIT

# http_start DIR: serves DIR on 127.0.0.1 (H_URL); /slow/<file> answers after 60 s.
http_start() {
    rm -f "$T_DIR/http.port"
    python3 "$VARVE_SRC/tests/system/lib/http_files.py" "$1" "$T_DIR/http.port" &
    H_PID=$!
    for _ in $(seq 1 100); do
        if [ -s "$T_DIR/http.port" ]; then
            H_URL="http://127.0.0.1:$(cat "$T_DIR/http.port")"
            return 0
        fi
        sleep 0.05
    done
    fail "the HTTP file server did not start"
}

# wiki_spec TYPE DS INPUT_SOURCE [GRANULARITY_EXTRA] [IO_EXTRA] [TUNING_EXTRA]: a
# spec over the wiki dataset's schema; the extras are JSON objects merged in.
wiki_spec() {
    jq -cn --arg type "$1" --arg ds "$2" --argjson src "$3" --argjson gran "${4:-{\}}" \
        --argjson io "${5:-{\}}" --argjson tuning "${6:-{\}}" '{
      type: $type,
      spec: {
        dataSchema: {
          dataSource: $ds,
          timestampSpec: {column: "time", format: "iso"},
          dimensionsSpec: {dimensions: ["channel", "page", "user", "tags"]},
          metricsSpec: [
            {type: "count", name: "count"},
            {type: "longSum", name: "added", fieldName: "added"},
            {type: "longSum", name: "deleted", fieldName: "deleted"},
            {type: "doubleSum", name: "score", fieldName: "score"}],
          granularitySpec: ({segmentGranularity: "day", queryGranularity: "hour", rollup: true} + $gran)},
        ioConfig: ({type: $type, inputSource: $src, inputFormat: {type: "json"}} + $io),
        tuningConfig: ({type: $type} + $tuning)}}'
}

# query JSON: posts a native query, prints the result body (fails on non-200).
query() {
    local out
    out=$(curl -s -o "$T_DIR/qbody" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary "$1" "$T_URL/druid/v2")
    [ "$out" = 200 ] || fail "query answered $out: $(cat "$T_DIR/qbody")"
    cat "$T_DIR/qbody"
}

# daily DS [INTERVAL]: the daily timeseries the dataset's checks use.
daily() {
    query "$(jq -cn --arg ds "$1" --arg iv "${2:-2024-03-01/2024-03-04}" '{
      queryType: "timeseries", dataSource: $ds, intervals: [$iv], granularity: "day",
      aggregations: [
        {type: "longSum", name: "rows", fieldName: "count"},
        {type: "count", name: "stored"},
        {type: "longSum", name: "added", fieldName: "added"},
        {type: "longSum", name: "deleted", fieldName: "deleted"},
        {type: "doubleSum", name: "score", fieldName: "score"}]}')"
}

# group_by DS DIM: rows and added per value of DIM over the whole dataset (events only).
group_by() {
    query "$(jq -cn --arg ds "$1" --arg dim "$2" '{
      queryType: "groupBy", dataSource: $ds, intervals: ["2024-03-01/2024-03-04"],
      granularity: "all", dimensions: [$dim],
      aggregations: [
        {type: "longSum", name: "rows", fieldName: "count"},
        {type: "longSum", name: "added", fieldName: "added"}]}')" | jq -c '[.[].event]'
}

# used_segments DS: the used segments of DS in the metadata store (full DataSegments).
used_segments() {
    curl -s "$T_URL/druid/coordinator/v1/metadata/datasources/$1/segments?full"
}

# report ID: the task's report (live or complete).
report() {
    curl -s "$T_URL/druid/indexer/v1/task/$1/reports"
}

# task_status ID: the TaskStatusPlus of a task.
task_status() {
    curl -s "$T_URL/druid/indexer/v1/task/$1/status" | jq -c .status
}

# jeq GOT WANT: the same JSON value, keys in any order (jq -S; jq reads 4.0
# and 4 alike: use text_eq where the number's form matters).
jeq() {
    local a b
    a=$(printf '%s' "$1" | jq -S -c . 2>/dev/null) || fail "not JSON: $1"
    b=$(printf '%s' "$2" | jq -S -c .) || fail "expected value is not JSON: $2"
    [ "$a" = "$b" ] || fail "JSON differs:
  got:  $1
  want: $2"
}

# text_eq GOT WANT: exactly the same text.
text_eq() {
    [ "$1" = "$2" ] || fail "text differs:
  got:  $1
  want: $2"
}

# The wiki dataset, all three days: what `daily` answers (README.md).
# As Druid writes it: the text is compared exactly.
WIKI_DAY1='{"timestamp":"2024-03-01T00:00:00.000Z","result":{"rows":4,"stored":3,"added":23,"deleted":3,"score":4.0}}'
WIKI_DAY2='{"timestamp":"2024-03-02T00:00:00.000Z","result":{"rows":4,"stored":3,"added":29,"deleted":6,"score":6.25}}'
WIKI_DAY3='{"timestamp":"2024-03-03T00:00:00.000Z","result":{"rows":4,"stored":3,"added":23,"deleted":6,"score":7.125}}'
WIKI_DAILY="[$WIKI_DAY1,$WIKI_DAY2,$WIKI_DAY3]"
WIKI_BY_TAGS='[{"tags":null,"rows":3,"added":8},{"tags":"a","rows":5,"added":43},
 {"tags":"b","rows":5,"added":33},{"tags":"c","rows":3,"added":35}]'
WIKI_BY_USER='[{"user":null,"rows":2,"added":10},{"user":"alice","rows":3,"added":17},
 {"user":"bob","rows":3,"added":14},{"user":"carol","rows":1,"added":20},
 {"user":"dave","rows":2,"added":8},{"user":"erin","rows":1,"added":6}]'
