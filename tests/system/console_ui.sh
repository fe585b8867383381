#!/usr/bin/env bash
# console_ui.sh — the web console in headless Chromium (Debian's chromium,
# driven by playwright-core from tests/tools): a mock Kafka cluster with a
# topic of JSON records, a `varve server`, and console_ui.js doing what a
# user does — a spec with a bad field, a preview through the sampler,
# submit, the supervisor RUNNING, the lag falling to 0, an early hand-off,
# the rows in the Datasources view and a query finding them, every view.
# Screenshots are kept in <build dir>/artifacts/console_ui/ (printed at the
# end).
#
# A machine without the browser or the driver fails this test: it is never
# skipped (scripts/install-deps installs both).
source "$(dirname "$0")/lib/server.sh"

[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing: run scripts/install-deps (Debian package chromium)"
TOOLS="$VARVE_SRC/tests/tools"
[ -f "$TOOLS/node_modules/playwright-core/package.json" ] ||
    fail "playwright-core is missing from tests/tools/node_modules: run scripts/install-deps"
command -v node >/dev/null || fail "node is missing: run scripts/install-deps"

ART="$(cd "$(dirname "$VARVE_BIN")" && pwd)/artifacts/console_ui"
rm -rf "$ART"
mkdir -p "$ART"

MOCK_PID=""
stop_mock() {
    if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
}
trap 'stop_mock; t_cleanup' EXIT

"$VARVE_BIN" kafka-mock --brokers 1 --topic events:2 --bootstrap-file "$T_DIR/bs.txt" \
    >"$T_DIR/mock.out" 2>"$T_DIR/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do [ -s "$T_DIR/bs.txt" ] && break; sleep 0.05; done
[ -s "$T_DIR/bs.txt" ] || fail "no mock cluster: $(cat "$T_DIR/mock.err")"
BS=$(cat "$T_DIR/bs.txt")

N=40
for i in $(seq 1 $N); do
    printf '{"time":"2024-06-01T00:%02d:00Z","page":"p%d","user":"u%d","n":%d}\n' $((i - 1)) $((i % 5)) $((i % 3)) "$i"
done >"$T_DIR/events.json"
"$VARVE_BIN" produce --bootstrap "$BS" --topic events --file "$T_DIR/events.json" --quiet 2>"$T_DIR/produce.err" ||
    fail "produce: $(cat "$T_DIR/produce.err")"

t_start

node "$VARVE_SRC/tests/system/console_ui.js" "$T_URL" "$BS" "$N" "$ART" 2>&1 | tee "$ART/console_ui.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "browser test failed (screenshots so far in $ART)"

t_alive
echo "console_ui: screenshots in $ART"
ls "$ART"
