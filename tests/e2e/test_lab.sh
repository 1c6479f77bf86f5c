#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test: wirewall bridging the two hosts of a lab (tools/lab).
#
#   tests/e2e/test_lab.sh [WIREWALL]
#
# WIREWALL: the wirewall binary; default $WIREWALL, else build/app/wirewall
# (or build/app/wirewall/wirewall when that is a directory) under the repo
# root.  Needs root.  Exit 0 pass, 1 fail, 77 skip (not root); a missing tool is a failure,
# so CI cannot pass on a machine that setup did not equip.
#
# Checks:
#   - without wirewall, the outside host cannot ping the inside host;
#   - with wirewall, "inside" protected by a security group that opens just
#     what comes from outside below (echo requests, TCP 5201 and 5203):
#     IPv4 ping both ways, IPv6 ping both ways (neighbour discovery must
#     cross the protected bridge: it is not a connection), TCP transfers
#     (nc, random data, sha256 compared) outside->inside and inside->outside
#     over IPv4 and outside->inside over IPv6;
#   - SIGINT stops wirewall with exit 0 within 10 s, printing final counters;
#   - afterwards the hosts cannot reach each other again (ping, TCP).

set -euo pipefail

# The helpers and state both e2e tests share.
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"

LAB=${WW_E2E_LAB:-e2e}
NS_OUT="$LAB-outside"
NS_IN="$LAB-inside"
OUT_V4=10.10.0.1
IN_V4=10.10.0.2
OUT_V6=fd00:10::1
IN_V6=fd00:10::2
XFER_SIZE=4M
FILE_PREFIX="e2e-$$"
E2E_NAME=e2e
WW_LOG_TAIL=40

# When IPv6 fails: did neighbour discovery get through?
neigh6() {
	log "  IPv6 neighbours of $1:"
	timeout 5 ip netns exec "$1" ip -6 neigh show dev eth0 2>&1 | sed 's/^/      /' || true
}

# tcp_fails SRC_NS DST_NS DST_ADDR PORT: a listener waits in DST_NS, yet
# SRC_NS cannot connect to it.
tcp_fails() {
	local src_ns=$1 dst_ns=$2 dst=$3 port=$4 lpid rc=0
	timeout 15 ip netns exec "$dst_ns" nc -l "$dst" "$port" >/dev/null </dev/null &
	lpid=$!
	wait_listen "$dst_ns" "$port" || { kill "$lpid" 2>/dev/null; fail "nc listener on $port did not start"; }
	timeout 10 ip netns exec "$src_ns" nc -z -w 3 "$dst" "$port" >/dev/null 2>&1 || rc=$?
	kill "$lpid" 2>/dev/null || true
	wait "$lpid" 2>/dev/null || true
	[ "$rc" -ne 0 ]
}

# tcp_xfer SRC_NS DST_NS DST_ADDR PORT LABEL: send $TMP/src.bin from SRC_NS
# to a listener in DST_NS, compare sha256.
tcp_xfer() {
	local src_ns=$1 dst_ns=$2 dst=$3 port=$4 what=$5
	local out="$TMP/dst-$port.bin" lpid rc=0 t
	local -a fam=()
	[[ "$dst" == *:* ]] && fam=(-6)
	rm -f "$out"
	timeout 30 ip netns exec "$dst_ns" nc "${fam[@]}" -l "$dst" "$port" >"$out" </dev/null &
	lpid=$!
	wait_listen "$dst_ns" "$port" || { kill "$lpid" 2>/dev/null; fail "$what: nc listener did not start"; }
	t=$SECONDS
	timeout 30 ip netns exec "$src_ns" nc "${fam[@]}" -N -w 10 "$dst" "$port" <"$TMP/src.bin" || rc=$?
	[ "$rc" -eq 0 ] || { kill "$lpid" 2>/dev/null; fail "$what: sender nc failed (exit $rc)"; }
	wait "$lpid" || rc=$?
	[ "$rc" -eq 0 ] || fail "$what: receiver nc failed (exit $rc, got $(stat -c %s "$out") bytes)"
	local want got
	want=$(sha256sum <"$TMP/src.bin" | cut -d' ' -f1)
	got=$(sha256sum <"$out" | cut -d' ' -f1)
	[ "$want" = "$got" ] ||
		fail "$what: data differs (sent $(stat -c %s "$TMP/src.bin") bytes, got $(stat -c %s "$out"); sha256 $want vs $got)"
	pass "$what: $(stat -c %s "$out") bytes identical (sha256 ${got:0:16}...) in $((SECONDS - t)) s"
}

# ------------------------------------------------------------------ setup

preflight ip ethtool ping nc ss sha256sum timeout

TMP=$(mktemp -d /tmp/ww-e2e.XXXXXX)
WW_LOG="$TMP/wirewall.log"
CONF="$TMP/wirewall.json"

log "wirewall: $WIREWALL"
log "lab: $LAB, temp dir: $TMP"

timeout 30 "$LAB_TOOL" down "$LAB" >/dev/null 2>&1 || true
timeout 30 "$LAB_TOOL" up "$LAB" || fail "tools/lab up $LAB failed"
timeout 30 "$LAB_TOOL" status "$LAB" >/dev/null || fail "tools/lab status $LAB says the lab is not up"
pass "lab '$LAB' is up"

# "inside" is protected: new connections from outside are dropped
# (default-closed) unless a security group allows them.  The group opens
# what the checks below need from outside: echo requests (IPv4 and IPv6)
# and the TCP ports of the outside -> inside transfers.  What inside opens
# (ping, the transfer to 5202) is allowed and tracked; its replies pass.
cat >"$CONF" <<EOF
{
  "workers": 1,
  "ports": [
    {"name": "outside", "device": "net_af_packet0,iface=$LAB-out"},
    {"name": "inside", "device": "net_af_packet1,iface=$LAB-in"}
  ],
  "bridges": [{"name": "br0", "ports": ["outside", "inside"], "protected": "inside"}],
  "security_groups": [
    {"name": "e2e", "bridge": "br0", "rules": [
      "icmp type echo-request accept",
      "icmpv6 type echo-request accept",
      "tcp dport 5201 accept",
      "tcp dport 5203 accept"
    ]}
  ]
}
EOF

head -c "$XFER_SIZE" /dev/urandom >"$TMP/src.bin"

# ------------------------------------------------------ without wirewall

ping_fails "$NS_OUT" "$IN_V4" ||
	fail "outside can ping $IN_V4 without wirewall: something else bridges the lab"
pass "without wirewall, $NS_OUT cannot ping $IN_V4"

# ------------------------------------------------------- start wirewall

# `timeout` caps wirewall's lifetime, puts it in its own process group,
# gives it a default SIGINT disposition (background jobs of a script
# otherwise start with SIGINT ignored) and forwards our SIGINT to it.
# Note -k: once timeout has forwarded a signal it SIGKILLs the group that
# many seconds later, so it must exceed the 10 s allowed for a clean exit.
log "starting: $WIREWALL -l 0-1 --no-huge -m 512 --file-prefix $FILE_PREFIX --no-pci -- --config $CONF --state-dir $TMP/state --http off"
timeout -k 15 "$WW_LIFETIME" "$WIREWALL" -l 0-1 --no-huge -m 512 \
	--file-prefix "$FILE_PREFIX" --no-pci -- --config "$CONF" --state-dir "$TMP/state" --http off \
	</dev/null >"$WW_LOG" 2>&1 &
WW_PID=$!
WW_PGID=$WW_PID
await_forwarding "a ping"

# ------------------------------------------------------- through wirewall

ping_ok "$NS_OUT" "$IN_V4" || fail "IPv4 ping outside -> inside"
pass "IPv4 ping outside -> inside"
ping_ok "$NS_IN" "$OUT_V4" || fail "IPv4 ping inside -> outside"
pass "IPv4 ping inside -> outside"
ping_ok "$NS_OUT" "$IN_V6" || { neigh6 "$NS_OUT"; fail "IPv6 ping outside -> inside"; }
pass "IPv6 ping outside -> inside"
ping_ok "$NS_IN" "$OUT_V6" || { neigh6 "$NS_IN"; fail "IPv6 ping inside -> outside"; }
pass "IPv6 ping inside -> outside"

tcp_xfer "$NS_OUT" "$NS_IN" "$IN_V4" 5201 "TCP/IPv4 outside -> inside"
tcp_xfer "$NS_IN" "$NS_OUT" "$OUT_V4" 5202 "TCP/IPv4 inside -> outside"
tcp_xfer "$NS_OUT" "$NS_IN" "$IN_V6" 5203 "TCP/IPv6 outside -> inside"

kill -0 "$WW_PID" 2>/dev/null || fail "wirewall died during the traffic checks"

# -------------------------------------------------------- stop wirewall

stop_wirewall_sigint
[ "$WW_RC" -eq 0 ] || fail "wirewall exited with status $WW_RC after SIGINT"
pass "wirewall exited 0 after SIGINT"

grep -q 'port 0: outside' "$WW_LOG" && grep -q 'port 1: inside' "$WW_LOG" ||
	fail "wirewall printed no final counters for both ports"
# Every packet accounted for: rx = forwarded + dropped + to-host + queued.
[ "$(grep -c 'queued: holds' "$WW_LOG")" -eq 2 ] ||
	fail "the accounting check does not hold on both ports"
# The transfers alone were 12 MB (3 x 4 MiB): the counters saw them.
awk '/RX-bytes:/ { sum += $4 } END { exit !(sum > 12000000) }' "$WW_LOG" ||
	fail "the ports' RX-bytes do not add up to the 12 MB transferred"
pass "wirewall printed final counters, accounting holds:"
# From the first line naming port "outside", at most 20 lines.
awk '/outside/ { p = 1 } p && n++ < 20 { print "    " $0 }' "$WW_LOG"

ping_fails "$NS_OUT" "$IN_V4" ||
	fail "outside still reaches $IN_V4 after wirewall stopped"
pass "after wirewall stopped, $NS_OUT cannot ping $IN_V4 again"
tcp_fails "$NS_OUT" "$NS_IN" "$IN_V4" 5204 ||
	fail "outside still connects to $IN_V4:5204 after wirewall stopped"
pass "after wirewall stopped, $NS_OUT cannot connect to $IN_V4:5204"

log "total time $((SECONDS - T0)) s"
exit 0
