#!/usr/bin/env bash
# dump_segment.sh — `varve dump-segment` over a segment a batch task
# published: its rows in storage order (rolled up, __time in milliseconds or
# ISO-8601, a multi-value dimension as an array), only some columns, the
# scan result of several files (one line each, with the segment id), the
# footer metadata, and a clear error for a file that is not a segment.
source "$(dirname "$0")/lib/server.sh"
source "$(dirname "$0")/lib/batch.sh"

t_start
rows='{"time":"2024-03-01T10:20:00Z","channel":"#fr","page":"Pear","user":"ann","tags":["a","b"],"added":5,"deleted":1,"score":0.5}
{"time":"2024-03-01T09:00:00Z","channel":"#en","page":"Apple","user":"bob","tags":"c","added":7,"deleted":0,"score":1.25}
{"time":"2024-03-01T10:40:00Z","channel":"#fr","page":"Pear","user":"ann","tags":["a","b"],"added":3,"deleted":2,"score":2}'
src=$(jq -cn --arg d "$rows" '{type: "inline", data: $d}')
id=$(submit "$(wiki_spec index dump "$src" '{"intervals":["2024-03-01/2024-03-02"]}')")
wait_task "$id"
file=$(used_segments dump | jq -r '.[0].loadSpec.path')
[ -f "$file" ] || fail "no published file: $file"

text_eq "$("$VARVE_BIN" dump-segment "$file")" \
'{"__time":1709283600000,"channel":"#en","page":"Apple","user":"bob","tags":"c","count":1,"added":7,"deleted":0,"score":1.25}
{"__time":1709287200000,"channel":"#fr","page":"Pear","user":"ann","tags":["a","b"],"count":2,"added":8,"deleted":3,"score":2.5}'
text_eq "$("$VARVE_BIN" dump-segment --time-iso8601 --column page --column added "$file")" \
'{"__time":"2024-03-01T09:00:00.000Z","page":"Apple","added":7}
{"__time":"2024-03-01T10:00:00.000Z","page":"Pear","added":8}'
scan=$("$VARVE_BIN" dump-segment --dump scan --column user "$file" "$file")
[ "$(echo "$scan" | wc -l)" = 2 ] || fail "--dump scan of two files: $scan"
sid=$(used_segments dump | jq -r '.[0].identifier')
jeq "$(echo "$scan" | head -1 | jq -c '{segmentId, columns, events}')" \
    "{\"segmentId\":\"$sid\",\"columns\":[\"__time\",\"user\"],\"events\":[{\"__time\":1709283600000,\"user\":\"bob\"},{\"__time\":1709287200000,\"user\":\"ann\"}]}"
meta=$("$VARVE_BIN" dump-segment --dump metadata "$file")
jeq "$(echo "$meta" | jq -c '{dataSource, interval, partitionNum, dimensions, metrics, rollup}')" \
    '{"dataSource":"dump","interval":"2024-03-01T00:00:00.000Z/2024-03-02T00:00:00.000Z","partitionNum":0,
      "dimensions":["channel","page","user","tags"],"metrics":["count","added","deleted","score"],"rollup":true}'

printf 'not a segment' > "$T_DIR/bad.vseg"
set +e
err=$("$VARVE_BIN" dump-segment "$T_DIR/bad.vseg" 2>&1 >/dev/null)
rc=$?
"$VARVE_BIN" dump-segment --dump bitmaps "$file" >/dev/null 2>&1
rc2=$?
set -e
[ "$rc" = 1 ] || fail "a bad file: exit $rc"
case "$err" in *"$T_DIR/bad.vseg"*) ;; *) fail "the error does not name the file: $err" ;; esac
[ "$rc2" = 2 ] || fail "--dump bitmaps: exit $rc2, expected a usage error"
t_stop
echo "dump_segment: ok"
