#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The web console in a real browser: Debian's chromium, driven headless by
# playwright-core (tests/ui/node_modules, installed by tools/setup), against
# a live wirewall between the hosts of its own lab (tools/lab --hosts).
#
#   tests/ui/test_console.sh [WIREWALL [SCREENSHOT-DIR]]
#
# This script builds the lab and starts wirewall with its HTTP server on a
# free loopback port; console.mjs does the rest (the browser steps and the
# traffic that proves them) and writes a screenshot of every page, on a
# laptop and on a phone screen, into SCREENSHOT-DIR (default
# build/meson-logs/console). Needs root. Exit 0 pass, 1 fail, 77 skip.

set -euo pipefail

# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/../e2e/common.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${WW_UI_LAB:-e2eu}
NS_OUT="$LAB-outside"
NS_IN="$LAB-inside"
IN_V4=10.10.0.2
FILE_PREFIX="ui-console-$$"
E2E_NAME="web console"
WW_LOG_TAIL=60
WW_LIFETIME=400
SHOTS=${2:-$ROOT/build/meson-logs/console}
PORT=$((20000 + ($$ + 7919) % 20000))

preflight ip ethtool ping nc ss nmap curl jq node
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium not installed (tools/setup installs it)"
[ -f "$HERE/node_modules/playwright-core/package.json" ] ||
	fail "playwright-core not installed in tests/ui (tools/setup runs npm ci there)"

TMP=$(mktemp -d /tmp/ww-ui.XXXXXX)
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png

timeout 30 "$LAB_TOOL" down "$LAB" >/dev/null 2>&1 || true
timeout 30 "$LAB_TOOL" up "$LAB" --hosts >/dev/null || fail "tools/lab up $LAB --hosts failed"
pass "lab '$LAB' (--hosts) is up"

# The lab's ports and bridge (tools/lab config), and: port 5000 closed
# until the test adds its rule through the console; the scan detector
# blocks a scanner after 20 ports; the HTTP server on a port of its own.
"$LAB_TOOL" config "$LAB" | jq --argjson port "$PORT" '. + {
  "security_groups": [
    {"name": "web", "bridge": "br0", "rules": ["icmp type echo-request accept", "tcp dport 80 accept"]}
  ],
  "guards": {
    "blocklist": {"enabled": true, "sets": {"manual": []}},
    "scan": {"enabled": true, "ports": 20, "hosts": 20, "window_ms": 10000, "block_ttl": 600}
  },
  "http": {"listen": "127.0.0.1:\($port)"}
}' >"$TMP/wirewall.json" || fail "cannot write the configuration"

WW_LOG="$TMP/wirewall.log"
start_wirewall_http "$TMP/wirewall.json" "$TMP/state" "http://127.0.0.1:$PORT"
await_forwarding "a ping outside -> inside"

PASSWORD=$(sed -n 's/.*user "admin" created with password \([^ ]*\) .*/\1/p' "$WW_LOG")
[ -n "$PASSWORD" ] || fail "wirewall printed no generated password"

log "console at http://127.0.0.1:$PORT/, screenshots into $SHOTS"
rc=0
WW_URL="http://127.0.0.1:$PORT/" WW_PASSWORD="$PASSWORD" WW_LAB="$LAB" \
	WW_SHOTS="$SHOTS" WW_TMP="$TMP" \
	timeout 300 node "$HERE/console.mjs" || rc=$?
[ "$rc" = 0 ] || fail "the browser steps failed (exit $rc)"
pass "the browser steps passed"

stop_wirewall_sigint
[ "$WW_RC" = 0 ] || fail "SIGINT stops wirewall (exit $WW_RC)"
exit 0
