# tests/system/lib/server.sh — helpers for system tests that drive a real
# `varve server`: start it on an ephemeral loopback port in a temporary data
# directory, call its HTTP API, wait for tasks and segments, compare JSON.
# Sourced by tests/system/*.sh; expects $VARVE_BIN and $VARVE_SRC.

set -euo pipefail

: "${VARVE_BIN:?VARVE_BIN must name the varve binary}"
: "${VARVE_SRC:=.}"

T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/varve-sys-XXXXXX")
T_PID=""
T_PORT=""
T_URL=""
T_FAILED=0

t_cleanup() {
    if [ -n "$T_PID" ] && kill -0 "$T_PID" 2>/dev/null; then
        kill "$T_PID" 2>/dev/null || true
        wait "$T_PID" 2>/dev/null || true
    fi
    if [ "$T_FAILED" -ne 0 ] || [ "${KEEP_DIR:-0}" = 1 ]; then
        echo "--- server log ($T_DIR) ---" >&2
        tail -n 60 "$T_DIR/data/log/server.log" 2>/dev/null >&2 || true
    fi
    if [ "${KEEP_DIR:-0}" != 1 ]; then rm -rf "$T_DIR"; fi
}
trap t_cleanup EXIT

fail() {
    T_FAILED=1
    echo "FAIL: $*" >&2
    exit 1
}

# t_start [extra server args...]: starts the server over $T_DIR/data and waits
# until /status/health answers.
t_start() {
    rm -f "$T_DIR/port"
    "$VARVE_BIN" server --data-dir "$T_DIR/data" --port 0 --port-file "$T_DIR/port" "$@" \
        2>>"$T_DIR/stderr" &
    T_PID=$!
    for _ in $(seq 1 200); do
        if [ -s "$T_DIR/port" ]; then
            T_PORT=$(cat "$T_DIR/port")
            T_URL="http://127.0.0.1:$T_PORT"
            if [ "$(curl -s "$T_URL/status/health" || true)" = "true" ]; then return 0; fi
        fi
        kill -0 "$T_PID" 2>/dev/null || fail "server exited at start: $(cat "$T_DIR/stderr")"
        sleep 0.05
    done
    fail "server did not become healthy"
}

# t_stop: SIGTERM and wait.
t_stop() {
    kill "$T_PID"
    wait "$T_PID" || true
    T_PID=""
}

# t_task_tunables: GLIBC_TUNABLES as the server's running task processes were
# started with, a line per distinct value ("unset" when absent). glibc cuts
# the variable at each ':' in the process's memory when it parses it, so the
# pieces are the lines that follow it in /proc/PID/environ.
t_task_tunables() {
    local pid
    for pid in $(pgrep -P "$T_PID" -f ' task --id '); do
        { tr '\0' '\n' </proc/"$pid"/environ; } 2>/dev/null |
            awk '/^GLIBC_TUNABLES=/ {v = $0; on = 1; next}
                 on && /^glibc\./ {v = v ":" $0; next}
                 {on = 0}
                 END {print v == "" ? "unset" : v}'
    done | sort -u
}

# t_alive: the server process still runs and answers.
t_alive() {
    kill -0 "$T_PID" 2>/dev/null || fail "server died"
    [ "$(curl -s "$T_URL/status/health")" = "true" ] || fail "server does not answer"
}

# req METHOD PATH [curl args...]: prints "<status> <body>" on one line.
req() {
    local method=$1 path=$2
    shift 2
    local out
    out=$(curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$method" "$T_URL$path" "$@")
    echo "$out $(cat "$T_DIR/body")"
}

# expect_req STATUS BODY METHOD PATH [curl args]: exact status and body.
expect_req() {
    local want_status=$1 want_body=$2
    shift 2
    local got
    got=$(req "$@")
    [ "$got" = "$want_status $want_body" ] || fail "$* -> [$got], expected [$want_status $want_body]"
}

# json_eq GOT WANT: the same JSON value (key order ignored, numbers typed as written).
json_eq() {
    python3 - "$1" "$2" <<'PY' || fail "JSON differs:
  got:  $1
  want: $2"
import json, sys
def norm(v):
    if isinstance(v, dict): return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list): return [norm(x) for x in v]
    if isinstance(v, bool): return ("b", v)
    if isinstance(v, int): return ("i", v)
    if isinstance(v, float): return ("f", v)
    return v
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.exit(0 if norm(a) == norm(b) else 1)
PY
}

# submit FILE_OR_JSON: posts a task spec, prints the task id.
submit() {
    local body=$1 out
    if [ -f "$body" ]; then body=$(cat "$body"); fi
    out=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$body" \
        "$T_URL/druid/indexer/v1/task")
    echo "$out" | jq -er .task || fail "submit refused: $out"
}

# wait_task ID [STATUS] [SECONDS]: waits until the task completes; checks its status.
wait_task() {
    local id=$1 want=${2:-SUCCESS} secs=${3:-60} st
    for _ in $(seq 1 $((secs * 10))); do
        st=$(curl -s "$T_URL/druid/indexer/v1/task/$id/status" | jq -r '.status.statusCode // empty')
        if [ "$st" = "SUCCESS" ] || [ "$st" = "FAILED" ]; then
            [ "$st" = "$want" ] || fail "task $id ended $st, expected $want: $(curl -s "$T_URL/druid/indexer/v1/task/$id/status")
$(curl -s "$T_URL/druid/indexer/v1/task/$id/log" | tail -20)"
            return 0
        fi
        sleep 0.1
    done
    fail "task $id did not complete in ${secs}s"
}

# wait_loaded DS: waits until every used segment of DS is served.
wait_loaded() {
    local ds=$1 v
    for _ in $(seq 1 300); do
        v=$(curl -s "$T_URL/druid/coordinator/v1/loadstatus" | jq -r --arg d "$ds" '.[$d] // empty')
        if [ "$v" = "100.0" ] || [ "$v" = "100" ]; then return 0; fi
        sleep 0.1
    done
    fail "segments of $ds not loaded: $(curl -s "$T_URL/druid/coordinator/v1/loadstatus")"
}
