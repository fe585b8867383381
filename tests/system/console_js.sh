#!/usr/bin/env bash
# console_js.sh — the console's pure JavaScript modules (where an error's
# JSON path points in a spec, native results as rows, which results make a
# chart, formatting) under Node, with exact expectations.
set -euo pipefail
: "${VARVE_SRC:=.}"
command -v node >/dev/null || { echo "FAIL: node is missing: run scripts/install-deps" >&2; exit 1; }
node "$VARVE_SRC/tests/system/console_js.mjs" "$(cd "$VARVE_SRC" && pwd)"
