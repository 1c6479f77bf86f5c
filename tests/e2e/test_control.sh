#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of the control plane: wirewall between the two hosts of
# its own lab, steered through its REST API with curl only.
#
#   tests/e2e/test_control.sh [WIREWALL]
#
# Checks:
#   - the first start prints a generated password, once; a second start
#     does not;
#   - without a session the API answers 401; with the password, login
#     gives a session cookie and a CSRF token;
#   - TCP outside -> inside:5000 is dropped (default-closed); a security
#     group rule added through REST opens it and the bytes arrive; its hit
#     counter counts;
#   - a block-list entry added through REST (ttl 600) stops the outside
#     host's pings;
#   - after a restart (SIGINT, then the same --config and --state-dir):
#     the block-list entry still blocks, with less than 600 s left; the
#     rule is still there with its handle;
#   - DELETE of the entry lets pings through again, and the rule still
#     lets the bytes through; DELETE of the rule closes the port.
# Needs root. Exit 0 pass, 1 fail, 77 skip.

# shellcheck disable=SC2317
set -euo pipefail

# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"

LAB=${WW_E2E_CONTROL_LAB:-e2ec}
NS_OUT="$LAB-outside"
NS_IN="$LAB-inside"
IN_V4=10.10.0.2
OUT_V4=10.10.0.1
FILE_PREFIX="e2e-control-$$"
E2E_NAME="e2e control"
WW_LOG_TAIL=60
FAILS=0
PORT=$((20000 + $$ % 20000))
API="http://127.0.0.1:$PORT/api/v1"

preflight ip ethtool ping nc ss curl jq timeout

TMP=$(mktemp -d /tmp/ww-e2e-control.XXXXXX)
CONF="$TMP/wirewall.json"
STATE="$TMP/state"
JAR="$TMP/cookies"

timeout 30 "$LAB_TOOL" down "$LAB" >/dev/null 2>&1 || true
timeout 30 "$LAB_TOOL" up "$LAB" >/dev/null || fail "tools/lab up $LAB failed"
pass "lab '$LAB' is up"

cat >"$CONF" <<EOF
{
  "workers": 1,
  "ports": [
    {"name": "outside", "device": "net_af_packet0,iface=$LAB-out"},
    {"name": "inside", "device": "net_af_packet1,iface=$LAB-in"}
  ],
  "bridges": [{"name": "br0", "ports": ["outside", "inside"], "protected": "inside"}],
  "security_groups": [
    {"name": "web", "bridge": "br0", "rules": ["icmp type echo-request accept"]}
  ],
  "guards": {"blocklist": {}},
  "http": {"listen": "127.0.0.1:$PORT"}
}
EOF
head -c 200000 /dev/urandom >"$TMP/src.bin"

# start_wirewall N: run it in the background, log to $TMP/wirewall-N.log;
# wait until its API answers.
start_wirewall() {
	WW_LOG="$TMP/wirewall-$1.log"
	start_wirewall_http "$CONF" "$STATE" "http://127.0.0.1:$PORT"
}

# api METHOD PATH [BODY]: curl with the session; the status code on stdout,
# the body in $TMP/body.
api() {
	local method=$1 path=$2 body=${3-}
	local -a args=(-s -o "$TMP/body" -w '%{http_code}' -X "$method" -b "$JAR" -c "$JAR")
	[ -n "${CSRF-}" ] && args+=(-H "X-CSRF-Token: $CSRF")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
	curl "${args[@]}" "$API$path"
}

login() {
	local code
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' -c "$JAR" \
		-H 'Content-Type: application/json' \
		--data "{\"user\":\"admin\",\"password\":\"$PASSWORD\"}" "$API/login")
	[ "$code" = 200 ] || { log "  login: $code $(cat "$TMP/body")"; return 1; }
	CSRF=$(jq -r .csrf "$TMP/body")
	[ -n "$CSRF" ] && [ "$CSRF" != null ]
}

# tcp_passes: a 200 kB transfer outside -> inside:5000 arrives whole.
tcp_passes() {
	rm -f "$TMP/in.bin"
	timeout 15 ip netns exec "$NS_IN" nc -l 5000 >"$TMP/in.bin" </dev/null &
	local lpid=$!
	wait_listen "$NS_IN" 5000 || return 1
	timeout 10 ip netns exec "$NS_OUT" nc -N -w 3 "$IN_V4" 5000 <"$TMP/src.bin" || true
	wait "$lpid" 2>/dev/null || true
	cmp -s "$TMP/src.bin" "$TMP/in.bin"
}

tcp_blocked() {
	! timeout 8 ip netns exec "$NS_OUT" nc -z -w 3 "$IN_V4" 5000
}

# ------------------------------------------------------------ first start

start_wirewall 1
await_forwarding "a ping"
PASSWORD=$(sed -n 's/.*user "admin" created with password \([^ ]*\) .*/\1/p' "$WW_LOG")
[ -n "$PASSWORD" ] || fail "the first start printed no generated password"
pass "the first start generated a password for admin"
check test "$(stat -c %a "$STATE/users.json")" = 600 -- "users.json is mode 600"
check bash -c "! grep -q '$PASSWORD' '$STATE/users.json'" -- "the password is not stored in clear"

code=$(api GET /rules)
check test "$code" = 401 -- "no session: 401 (got $code)"
login || fail "cannot log in with the generated password"
pass "login gives a session and a CSRF token"

check tcp_blocked -- "TCP outside -> inside:5000 is closed (default-closed)"

code=$(api POST /security-groups/web/rules '{"rule":"tcp dport 5000 accept"}')
check test "$code" = 201 -- "POST a security-group rule: 201 (got $code)"
HANDLE=$(jq -r .handle "$TMP/body")
log "  rule handle $HANDLE"
check tcp_passes -- "the rule added through REST opens inside:5000: the bytes arrive"
api GET "/security-groups/web/rules/$HANDLE" >/dev/null
check test "$(jq -r .packets "$TMP/body")" -gt 0 -- "its hit counter counts ($(jq -r .packets "$TMP/body") packets)"

check ping_ok "$NS_OUT" "$IN_V4" -- "outside pings inside before the block"
code=$(api POST /blocklist "{\"address\":\"$OUT_V4\",\"ttl\":600}")
check test "$code" = 201 -- "POST a block-list entry with ttl 600: 201 (got $code)"
check ping_fails "$NS_OUT" "$IN_V4" -- "the entry stops outside's pings"

# ------------------------------------------------------------------ restart

stop_wirewall_sigint
check test "$WW_RC" = 0 -- "SIGINT stops wirewall (exit $WW_RC)"
sleep 2
start_wirewall 2
check bash -c "! grep -q 'created with password' '$WW_LOG'" -- "a second start creates no user"
login || fail "cannot log in after the restart"
code=$(api GET "/security-groups/web/rules/$HANDLE")
check test "$code" = 200 -- "after the restart the rule is there with handle $HANDLE (got $code)"
check test "$(jq -r .text "$TMP/body")" = "tcp dport 5000 accept" -- "  and reads 'tcp dport 5000 accept'"
check ping_fails "$NS_OUT" "$IN_V4" -- "after the restart the block-list entry still blocks"
api GET "/blocklist?q=$OUT_V4" >/dev/null
left=$(jq -r '.items[0].ttl_left' "$TMP/body")
check test "$left" -gt 0 -a "$left" -lt 600 -- "  with $left s of its 600 left"

# -------------------------------------------------------------- and undo

code=$(api DELETE "/blocklist/manual/$OUT_V4")
check test "$code" = 204 -- "DELETE the block-list entry: 204 (got $code)"
check ping_ok "$NS_OUT" "$IN_V4" -- "outside pings inside again"
check tcp_passes -- "after the restart the rule still lets the bytes through"
code=$(api DELETE "/security-groups/web/rules/$HANDLE")
check test "$code" = 204 -- "DELETE the rule: 204 (got $code)"
check tcp_blocked -- "inside:5000 is closed again"

stop_wirewall_sigint
check test "$WW_RC" = 0 -- "SIGINT stops wirewall (exit $WW_RC)"
[ "$FAILS" = 0 ] || exit 1
