#!/usr/bin/env bash
# kafka_cli.sh — `varve kafka-mock` and `varve produce` end to end: start a
# standalone mock cluster, produce generated events, read them back with kcat
# (an independent Kafka client) and check every line arrived once, spread
# evenly over the partitions; then stop the cluster with SIGTERM.
set -euo pipefail

B=${VARVE_BIN:?VARVE_BIN must point at the varve binary}
D=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$D"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$B" kafka-mock --brokers 3 --topic events:4 --topic logs:2:1 --bootstrap-file "$D/bs.txt" \
    >"$D/mock.out" 2>"$D/mock.err" &
pid=$!
for _ in $(seq 100); do [ -s "$D/bs.txt" ] && break; sleep 0.05; done
[ -s "$D/bs.txt" ] || fail "no bootstrap file: $(cat "$D/mock.err")"
BS=$(cat "$D/bs.txt")
[[ "$BS" =~ ^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$ ]] || fail "bootstrap '$BS'"
[ "$(head -1 "$D/mock.out")" = "$BS" ] || fail "stdout does not start with the bootstrap address"
grep -q "topic events: 4 partitions" "$D/mock.err" || fail "mock stderr: $(cat "$D/mock.err")"

# 2000 generated events, round robin over 4 partitions
"$B" gen --count 2000 --seed 7 --start 2026-01-01T00:00:00Z >"$D/events.json"
"$B" produce --bootstrap "$BS" --topic events --file "$D/events.json" 2>"$D/produce.err" ||
    fail "produce: $(cat "$D/produce.err")"
grep -q "varve produce: 2000 records to events (4 partitions) in .* s, 0 failed" "$D/produce.err" ||
    fail "produce summary: $(cat "$D/produce.err")"
kcat -C -b "$BS" -t events -o beginning -e -q -X fetch.wait.max.ms=10 | sort >"$D/back.sorted"
sort "$D/events.json" | cmp -s - "$D/back.sorted" || fail "events read back differ from those sent"
for p in 0 1 2 3; do
    n=$(kcat -C -b "$BS" -t events -p $p -o beginning -e -q -X fetch.wait.max.ms=10 | wc -l)
    [ "$n" -eq 500 ] || fail "partition $p holds $n records, expected 500"
done

# a paced pipe from standard input, random partitioner
"$B" gen --count 50 --seed 3 | "$B" produce --bootstrap "$BS" --topic logs --rate 1000 \
    --partitioner random -X linger.ms=5 2>"$D/pipe.err" || fail "pipe: $(cat "$D/pipe.err")"
grep -q "50 records to logs (2 partitions)" "$D/pipe.err" || fail "pipe summary: $(cat "$D/pipe.err")"
n=$(kcat -C -b "$BS" -t logs -o beginning -e -q -X fetch.wait.max.ms=10 | wc -l)
[ "$n" -eq 50 ] || fail "logs holds $n records, expected 50"

# usage errors
set +e
"$B" produce --topic events </dev/null 2>/dev/null; [ $? -eq 2 ] || fail "produce without --bootstrap"
"$B" produce --bootstrap "$BS" --topic events -X no.such.setting=1 </dev/null 2>"$D/x.err"
[ $? -eq 1 ] && grep -q "no.such.setting" "$D/x.err" || fail "bad -X: $(cat "$D/x.err")"
"$B" kafka-mock --topic events 2>/dev/null; [ $? -eq 2 ] || fail "kafka-mock bad --topic"
"$B" kafka-mock --brokers 0 2>/dev/null; [ $? -eq 2 ] || fail "kafka-mock --brokers 0"
set -e

# SIGTERM stops the cluster cleanly and removes the bootstrap file
kill -TERM "$pid"
wait "$pid" || fail "kafka-mock exited with $?"
pid=
[ ! -e "$D/bs.txt" ] || fail "bootstrap file left behind"
echo "kafka_cli: ok"
