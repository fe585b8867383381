#!/usr/bin/env bash
# `varve sample` over every case in tests/data/sample/: each case holds a Druid
# spec, its input (input.* or the spec's own inputSource), the rows Druid would
# store (expected.jsonl, worked out by hand) and the row stats and parse
# exceptions (expected-stats.json, exception timestamps ignored), and
# optionally the expected exit status (expected-rc).
set -u
bin=${VARVE_BIN:-build/varve}
src=${VARVE_SRC:-.}
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for dir in "$src"/tests/data/sample/*/; do
    name=$(basename "$dir")
    args=(sample --spec "$dir/spec.json")
    for f in "$dir"/input.*; do [ -e "$f" ] && args+=(--input "$f"); done
    "$bin" "${args[@]}" > "$tmp/out.jsonl" 2> "$tmp/err.txt"
    rc=$?
    want_rc=0
    [ -f "$dir/expected-rc" ] && want_rc=$(cat "$dir/expected-rc")
    if [ "$rc" != "$want_rc" ]; then
        echo "FAIL $name: exit status $rc, expected $want_rc"; cat "$tmp/err.txt"; fail=1; continue
    fi
    if ! diff -u "$dir/expected.jsonl" "$tmp/out.jsonl" > "$tmp/diff.txt"; then
        echo "FAIL $name: rows differ"; cat "$tmp/diff.txt"; fail=1; continue
    fi
    if ! python3 - "$dir/expected-stats.json" "$tmp/err.txt" <<'PY'
import json, sys
want = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().strip().splitlines()
got = json.loads(lines[-1])
for e in got.get("unparseableEvents", []):
    assert isinstance(e.pop("timeOfExceptionMillis"), int)
if got != want:
    print("stats differ:\n want", json.dumps(want), "\n got ", json.dumps(got))
    sys.exit(1)
PY
    then
        echo "FAIL $name: stats differ"; fail=1; continue
    fi
    echo "ok   $name"
done
exit $fail
