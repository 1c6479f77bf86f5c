# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Shared by the e2e tests (test_lab.sh, test_filter.sh, test_guards.sh), which source it
# first thing after `set -euo pipefail`:
#
#   . "$(dirname "$0")/common.sh"
#
# It sets the state they share (paths, the wirewall binary from their first
# argument, the recorded PIDs, the check count) and defines the helpers they
# share: logging and results, starting checks, starting wirewall with its
# management server (start_wirewall_http), waiting for wirewall to
# forward, stopping it (cleanly or by force), the EXIT trap's cleanup, the
# prompt through a FIFO (ww_cmd, show_file), ping
# and listener helpers.
#
# Each script sets, before cleanup can run:
#   LAB, NS_OUT, NS_IN, IN_V4   the lab (tools/lab) and its hosts
#   FILE_PREFIX                 the DPDK file prefix wirewall runs with
#   E2E_NAME                    names the test in the summary line
#   WW_LOG_TAIL                 lines of wirewall output shown on failure
# and may define cleanup_hook (run by cleanup once wirewall is gone) and
# FAILS (the count of checks that failed without stopping the test; the
# summary line then reports it).

# Variables set here are used by the scripts that source this file:
# shellcheck disable=SC2034

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_TOOL="$ROOT/tools/lab"
WW_LIFETIME=100         # hard cap on wirewall's life (s), whatever happens

# The script's first argument (sourcing keeps the script's positional
# parameters), else $WIREWALL, else the build's.
WIREWALL=${1:-${WIREWALL:-$ROOT/build/app/wirewall}}
if [ -d "$WIREWALL" ]; then
	WIREWALL="$WIREWALL/wirewall"
fi

T0=$SECONDS
TMP=
WW_PID=
WW_PGID=
WW_LOG=
CHECKS=0

log() { printf '[%3ds] %s\n' "$((SECONDS - T0))" "$*"; }
pass() { CHECKS=$((CHECKS + 1)); log "PASS: $*"; }
fail() { log "FAIL: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }
# bad: a check failed; go on with the others (the script counts FAILS).
bad() { FAILS=$((FAILS + 1)); log "FAIL: $*"; }
# check COMMAND... -- MESSAGE: pass or bad, by COMMAND's status.
check() {
	local -a argv=()
	while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
		argv+=("$1")
		shift
	done
	shift
	if "${argv[@]}"; then pass "$*"; else bad "$*"; fi
}

# preflight TOOL...: skip unless root; fail if a TOOL, tools/lab or the
# wirewall binary is missing (a missing tool is a failure, so CI cannot pass
# on a machine that setup did not equip); then install the traps.
preflight() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || fail "'$t' not installed (tools/setup installs it)"
	done
	[ -x "$LAB_TOOL" ] || fail "$LAB_TOOL not found or not executable"
	[ -x "$WIREWALL" ] || fail "wirewall binary '$WIREWALL' not found or not executable"

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# await_forwarding WHAT: wirewall, just started in the background as
# $WW_PID, forwards WHAT (a ping outside -> inside) within 20 s; else the
# test fails.
await_forwarding() {
	local what=$1 fwd=0 deadline rc
	log "wirewall started (pid $WW_PID, log $WW_LOG)"
	deadline=$((SECONDS + 20))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if ! kill -0 "$WW_PID" 2>/dev/null; then
			rc=0
			wait "$WW_PID" || rc=$?
			WW_PID=
			fail "wirewall exited early (exit $rc)"
		fi
		if timeout 3 ip netns exec "$NS_OUT" ping -n -c 1 -W 1 "$IN_V4" >/dev/null 2>&1; then
			fwd=1
			break
		fi
		sleep 0.2
	done
	[ "$fwd" = 1 ] || fail "wirewall did not forward $what within 20 s"
	pass "wirewall forwards (after $((SECONDS - T0)) s)"
}

# start_wirewall_http CONF STATE BASE: run wirewall on CONF with STATE as
# its state directory in the background (WW_PID, output to $WW_LOG), and
# wait until its management server at BASE (http://ADDR:PORT) answers;
# else the test fails.
start_wirewall_http() {
	local conf=$1 state=$2 base=$3 _
	timeout -k 15 "$WW_LIFETIME" "$WIREWALL" -l 0-1 --no-huge -m 512 \
		--file-prefix "$FILE_PREFIX" --no-pci -- --config "$conf" \
		--state-dir "$state" >"$WW_LOG" 2>&1 </dev/null &
	WW_PID=$!
	WW_PGID=$WW_PID
	for _ in $(seq 1 100); do
		kill -0 "$WW_PID" 2>/dev/null || fail "wirewall exited early"
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/login")" = 200 ] && return 0
		sleep 0.2
	done
	fail "the management server did not answer within 20 s"
}

# stop_wirewall_sigint: stop wirewall with SIGINT, as a user would; it must
# be gone within 10 s.  Sets WW_RC to its exit status.
WW_RC=
stop_wirewall_sigint() {
	local stopped=0 _
	log "stopping wirewall with SIGINT (pid $WW_PID)"
	kill -INT "$WW_PID"
	for _ in $(seq 1 100); do
		if ! kill -0 "$WW_PID" 2>/dev/null; then
			stopped=1
			break
		fi
		sleep 0.1
	done
	[ "$stopped" = 1 ] || fail "wirewall still running 10 s after SIGINT"
	WW_RC=0
	wait "$WW_PID" || WW_RC=$?
	WW_PID=
	reap_wirewall_group
}

# shellcheck disable=SC2317  # functions below are called from the EXIT trap
# Stop the wirewall we started (by its recorded PID only).  WW_PID is the
# `timeout` wrapper, which forwards INT/TERM to wirewall; it runs in its own
# process group, so the last resort kills exactly that group.
stop_wirewall_hard() {
	[ -n "$WW_PID" ] || return 0
	if kill -0 "$WW_PID" 2>/dev/null; then
		kill -INT "$WW_PID" 2>/dev/null || true
		local _
		for _ in $(seq 1 30); do
			kill -0 "$WW_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$WW_PID" 2>/dev/null; then
			kill -TERM "$WW_PID" 2>/dev/null || true
		fi
		for _ in $(seq 1 20); do
			kill -0 "$WW_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$WW_PID" 2>/dev/null; then
			kill -KILL -- "-$WW_PID" 2>/dev/null || true
		fi
	fi
	wait "$WW_PID" 2>/dev/null || true
	WW_PID=
}

# Anything wirewall left behind in the process group `timeout` created
# (the group's id is the PID we recorded).
reap_wirewall_group() {
	[ -n "$WW_PGID" ] || return 0
	kill -KILL -- "-$WW_PGID" 2>/dev/null || true
	WW_PGID=
}

# shellcheck disable=SC2317
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	stop_wirewall_hard
	reap_wirewall_group
	if declare -F cleanup_hook >/dev/null; then
		cleanup_hook
	fi
	# Background helpers (nc, sleep) we started, if any are left.
	local j
	for j in $(jobs -p); do
		kill "$j" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$WW_LOG" ] && [ -f "$WW_LOG" ]; then
		echo "---- last $WW_LOG_TAIL lines of wirewall output ($WW_LOG) ----"
		tail -n "$WW_LOG_TAIL" "$WW_LOG"
		echo "----"
	fi
	timeout 30 "$LAB_TOOL" down "$LAB" >/dev/null 2>&1
	rm -rf "/var/run/dpdk/$FILE_PREFIX" 2>/dev/null
	[ -n "$TMP" ] && rm -rf "$TMP"
	if [ "$rc" -eq 0 ]; then
		log "$E2E_NAME: all $CHECKS checks passed"
	elif [ "$rc" -ne 77 ] && [ -n "${FAILS-}" ]; then
		log "$E2E_NAME: FAILED (exit $rc): $FAILS failed, $CHECKS passed"
	elif [ "$rc" -ne 77 ]; then
		log "$E2E_NAME: FAILED (exit $rc) after $CHECKS passed checks"
	fi
	exit "$rc"
}

# ping_ok NS DST [COUNT [MIN]]: at least MIN of COUNT echo replies.
ping_ok() {
	local ns=$1 dst=$2 count=${3:-5} min=${4:-4} out recv
	out=$(timeout $((count + 5)) ip netns exec "$ns" ping -n -c "$count" -i 0.2 -W 1 "$dst" 2>&1) || true
	recv=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out")
	recv=${recv:-0}
	log "  ping $ns -> $dst: $recv/$count replies"
	[ "$recv" -ge "$min" ]
}

# ping_fails NS DST: no echo reply at all.
ping_fails() {
	local ns=$1 dst=$2
	! timeout 10 ip netns exec "$ns" ping -n -c 2 -i 0.5 -W 1 "$dst" >/dev/null 2>&1
}

# Wait until something listens on TCP PORT in namespace NS.
wait_listen() {
	local ns=$1 port=$2 _ out
	for _ in $(seq 1 50); do
		# (no `| grep -q`: with pipefail an early grep exit can fail it)
		out=$(timeout 5 ip netns exec "$ns" ss -Hltn "sport = :$port" 2>/dev/null) || true
		[ -n "$out" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- the prompt, through a FIFO the script opened on fd 3 ----

# ww_cmd OUTFILE COMMAND: type COMMAND at the prompt, wait for its output and
# store it in OUTFILE.  After the command comes a line no command matches
# ("sync-N"); its error message marks the end of the command's output.
CMD_N=0
ww_cmd() {
	local out=$1 cmd=$2 mark off text _
	CMD_N=$((CMD_N + 1))
	mark="sync-$CMD_N"
	off=$(stat -c %s "$WW_LOG")
	printf '%s\n%s\n' "$cmd" "$mark" >&3
	for _ in $(seq 1 100); do
		text=$(tail -c +"$((off + 1))" "$WW_LOG")
		if grep -qF "no command matches \"$mark\"" <<<"$text"; then
			awk -v m="no command matches \"$mark\"" 'index($0, m) { exit } { print }' \
				<<<"$text" >"$out"
			return 0
		fi
		kill -0 "$WW_PID" 2>/dev/null || { log "  wirewall is gone (command: $cmd)"; return 1; }
		sleep 0.1
	done
	log "  no answer to \"$cmd\" within 10 s"
	return 1
}

# show_file FILE: print FILE indented (a command's output, for the log).
show_file() { sed 's/^/    | /' "$1"; }
