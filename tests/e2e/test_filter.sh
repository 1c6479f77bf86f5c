#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of stateful filtering: wirewall between the two hosts of
# its own lab (tools/lab), real tools (ping, nc) in the namespaces, the
# prompt driven through a FIFO.
#
#   tests/e2e/test_filter.sh [WIREWALL]
#
# WIREWALL: the wirewall binary; default $WIREWALL, else build/app/wirewall
# (or build/app/wirewall/wirewall when that is a directory) under the repo
# root.  Needs root.  Exit 0 pass, 1 fail, 77 skip (not root); a missing
# tool is a failure.  The lab is named $WW_E2E_FILTER_LAB (default "e2ef"),
# distinct from test_lab.sh's, and so is the DPDK file prefix.
#
# The configuration protects "inside" with a security group allowing
# `tcp dport 5000` and ICMP echo requests, and has an explicit rule
# `tcp dport 23 reject`.  Checks:
#   - the prompt answers through the FIFO (sg list, rule list);
#   - IPv4 ping outside -> inside (allowed) and inside -> outside (outbound);
#   - TCP outside -> inside port 5000 connects, the bytes arrive intact;
#   - TCP outside -> inside port 6000 (closed, a listener waits) times out:
#     the SYNs are dropped as policy-drop (counted live and at the end);
#   - TCP outside -> inside port 23 is refused at once (the reject rule's
#     RST; a listener waits on 23, so the refusal is wirewall's), counted
#     as rule-reject;
#   - TCP inside -> outside port 7000 connects, the bytes arrive intact;
#   - `sg add-rule` at the prompt opens 6000: the same listener is now
#     reached and gets its bytes; `sg show` counts the hits;
#   - `show conntrack` lists an open connection as established, and the
#     outbound one with inside as opener;
#   - SIGINT stops wirewall (exit 0), whose final counters show
#     policy-drop > 0 and rule-reject > 0 on outside, and accounting that
#     holds: rx = forwarded + drops + to-host + queued on each port, the
#     drop lines add up, each port sends what its peer forwarded (plus the
#     reject answers on outside), the transfers are in the byte counts.
# Checks after the start report every failure and go on; the test fails if
# any did.

# Functions run through check() and awk programs in single quotes:
# shellcheck disable=SC2317,SC2016

set -euo pipefail

# The helpers and state both e2e tests share.
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"

LAB=${WW_E2E_FILTER_LAB:-e2ef}
NS_OUT="$LAB-outside"
NS_IN="$LAB-inside"
OUT_V4=10.10.0.1
IN_V4=10.10.0.2
SG=web
XFER_SIZE=1M

FIFO=
FILE_PREFIX="e2e-filter-$$"
E2E_NAME="e2e filter"
WW_LOG_TAIL=60
FAILS=0

# (bad and check, checks that let the test go on: common.sh)
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Run by cleanup once wirewall is gone: close the prompt FIFO (fd 3) and
# the held connection's (fd 4).
cleanup_hook() {
	exec 3>&- 4>&- 2>/dev/null
}

# listen NS PORT OUTFILE [LIFETIME]: start `nc -l` in NS; sets LPID.
LPID=
listen() {
	local ns=$1 port=$2 out=$3 life=${4:-30}
	rm -f "$out"
	timeout "$life" ip netns exec "$ns" nc -l "$port" >"$out" </dev/null 3>&- 4>&- &
	LPID=$!
	wait_listen "$ns" "$port" || { kill "$LPID" 2>/dev/null; fail "nc listener on $ns port $port did not start"; }
}

# same_bytes FILE: FILE equals $TMP/src.bin (size and sha256).
same_bytes() {
	local f=$1 want got
	[ -f "$f" ] || { log "  $f missing"; return 1; }
	want=$(sha256sum <"$TMP/src.bin" | cut -d' ' -f1)
	got=$(sha256sum <"$f" | cut -d' ' -f1)
	log "  sent $(stat -c %s "$TMP/src.bin") bytes, received $(stat -c %s "$f") (sha256 ${want:0:12} vs ${got:0:12})"
	[ "$want" = "$got" ]
}

# tcp_xfer SRC_NS DST DST_PORT LPID OUTFILE: send $TMP/src.bin from SRC_NS to
# DST:PORT, where listener LPID writes to OUTFILE; 0 when the bytes arrive.
tcp_xfer() {
	local src_ns=$1 dst=$2 port=$3 lpid=$4 out=$5 rc=0
	timeout 20 ip netns exec "$src_ns" nc -N -w 5 "$dst" "$port" <"$TMP/src.bin" 3>&- 4>&- || rc=$?
	if [ "$rc" -ne 0 ]; then
		log "  sender nc to $dst:$port failed (exit $rc)"
		kill "$lpid" 2>/dev/null || true
		wait "$lpid" 2>/dev/null || true
		return 1
	fi
	wait "$lpid" || rc=$?
	[ "$rc" -eq 0 ] || { log "  receiver nc on $port failed (exit $rc)"; return 1; }
	same_bytes "$out"
}

# (ww_cmd and show_file, the prompt through the FIFO on fd 3: common.sh)

# drop_count FILE REASON: the count on the line "drop REASON N" (0 if none).
drop_count() {
	awk -v r="$2" '$1 == "drop" && $2 == r { print $3; f = 1; exit } END { if (!f) print 0 }' "$1"
}

# ------------------------------------------------------------------ setup

preflight ip ethtool ping nc ss sha256sum timeout mkfifo awk date

TMP=$(mktemp -d /tmp/ww-e2e-filter.XXXXXX)
WW_LOG="$TMP/wirewall.log"
CONF="$TMP/wirewall.json"
FIFO="$TMP/prompt.fifo"

log "wirewall: $WIREWALL"
log "lab: $LAB, temp dir: $TMP"

timeout 30 "$LAB_TOOL" down "$LAB" >/dev/null 2>&1 || true
timeout 30 "$LAB_TOOL" up "$LAB" >/dev/null || fail "tools/lab up $LAB failed"
timeout 30 "$LAB_TOOL" status "$LAB" >/dev/null || fail "tools/lab status $LAB says the lab is not up"
pass "lab '$LAB' is up"

cat >"$CONF" <<EOF
{
  "workers": 1,
  "ports": [
    {"name": "outside", "device": "net_af_packet0,iface=$LAB-out"},
    {"name": "inside", "device": "net_af_packet1,iface=$LAB-in"}
  ],
  "bridges": [{"name": "br0", "ports": ["outside", "inside"], "protected": "inside"}],
  "rules": ["tcp dport 23 reject"],
  "security_groups": [
    {"name": "$SG", "bridge": "br0", "rules": [
      "tcp dport 5000 accept",
      "icmp type echo-request accept"
    ]}
  ]
}
EOF

head -c "$XFER_SIZE" /dev/urandom >"$TMP/src.bin"
XFER_BYTES=$(stat -c %s "$TMP/src.bin")

ping_fails "$NS_OUT" "$IN_V4" ||
	fail "outside can ping $IN_V4 without wirewall: something else bridges the lab"
pass "without wirewall, $NS_OUT cannot ping $IN_V4"

# ------------------------------------------------------- start wirewall

# The prompt reads a FIFO that we hold open read-write on fd 3 (so opening
# it never blocks and wirewall never sees EOF while we run).  `timeout`
# caps wirewall's life, gives it its own process group and a default
# SIGINT disposition, and forwards our SIGINT to it (-k must exceed the
# 10 s allowed for a clean exit).
mkfifo "$FIFO"
exec 3<>"$FIFO"
log "starting: $WIREWALL -l 0-1 --no-huge -m 512 --file-prefix $FILE_PREFIX --no-pci -- --config $CONF --state-dir $TMP/state --http off -i <$FIFO"
timeout -k 15 "$WW_LIFETIME" "$WIREWALL" -l 0-1 --no-huge -m 512 \
	--file-prefix "$FILE_PREFIX" --no-pci -- --config "$CONF" --state-dir "$TMP/state" --http off -i \
	<"$FIFO" >"$WW_LOG" 2>&1 3>&- &
WW_PID=$!
WW_PGID=$WW_PID
await_forwarding "an (allowed) ping"

# ------------------------------------------------------------ the prompt

O="$TMP/cmd.out"
ww_cmd "$O" "sg list" || fail "the prompt does not answer through the FIFO"
show_file "$O"
check grep -qE "^ +$SG +br0 +inside +2\$" "$O" -- "sg list: group $SG on br0 protects inside with 2 rules"
ww_cmd "$O" "rule list" || fail "the prompt does not answer"
show_file "$O"
check grep -qE "^ +[0-9]+ +rules .*tcp dport 23 reject" "$O" -- "rule list: the explicit rule 'tcp dport 23 reject'"
check grep -qE "sg $SG .*\(iif outside\).*tcp dport 5000 accept" "$O" -- "rule list: the group's rules act on what enters from outside"
check grep -qE "br0 default-closed" "$O" -- "rule list: br0 default-closed"

# ------------------------------------------------------------------ ping

check ping_ok "$NS_OUT" "$IN_V4" -- "IPv4 ping outside -> inside (icmp echo-request allowed)"
check ping_ok "$NS_IN" "$OUT_V4" -- "IPv4 ping inside -> outside (outbound allowed, replies pass)"

# ------------------------------------------------- TCP outside -> inside

listen "$NS_IN" 5000 "$TMP/in-5000.bin"
check tcp_xfer "$NS_OUT" "$IN_V4" 5000 "$LPID" "$TMP/in-5000.bin" -- \
	"TCP outside -> inside:5000 (allowed) connects, $XFER_BYTES bytes identical"

# Port 6000: a listener waits, but nothing allows the port: the SYNs are
# dropped, the client times out (it is not refused).
ww_cmd "$O" "show port stats outside" || fail "the prompt does not answer"
pd_before=$(drop_count "$O" policy-drop)
listen "$NS_IN" 6000 "$TMP/in-6000.bin" 45
L6000=$LPID
t=$(now_ms)
rc=0
timeout 10 ip netns exec "$NS_OUT" nc -v -z -w 3 "$IN_V4" 6000 >"$TMP/nc6000.err" 2>&1 3>&- || rc=$?
dt=$(($(now_ms) - t))
log "  nc -z -w 3 $IN_V4 6000: exit $rc after $dt ms: $(tr '\n' ' ' <"$TMP/nc6000.err")"
check [ "$rc" -ne 0 ] -- "TCP outside -> inside:6000 (closed) does not connect"
check [ "$dt" -ge 2500 ] -- "TCP outside -> inside:6000 times out (${dt} ms; SYNs dropped, not refused)"
check kill -0 "$L6000" -- "the listener on inside:6000 got no connection"
ww_cmd "$O" "show port stats outside" || fail "the prompt does not answer"
pd_after=$(drop_count "$O" policy-drop)
log "  outside policy-drop: $pd_before before, $pd_after after"
check [ "$pd_after" -ge $((pd_before + 2)) ] -- \
	"the SYN to 6000 and its retransmission counted as policy-drop ($pd_before -> $pd_after)"

# Port 23: the explicit reject rule answers with a RST: refused at once.
# A listener waits on inside:23, so a refusal can only come from wirewall.
listen "$NS_IN" 23 "$TMP/in-23.bin" 45
L23=$LPID
t=$(now_ms)
rc=0
timeout 10 ip netns exec "$NS_OUT" nc -v -w 3 "$IN_V4" 23 </dev/null >"$TMP/nc23.err" 2>&1 3>&- || rc=$?
dt=$(($(now_ms) - t))
log "  nc -w 3 $IN_V4 23: exit $rc after $dt ms: $(tr '\n' ' ' <"$TMP/nc23.err")"
check [ "$rc" -ne 0 ] -- "TCP outside -> inside:23 does not connect"
check grep -qi "refused" "$TMP/nc23.err" -- "TCP outside -> inside:23 is refused (connection refused)"
check [ "$dt" -lt 1000 ] -- "TCP outside -> inside:23 fails fast (${dt} ms, well under the 3 s timeout)"
check kill -0 "$L23" -- "the listener on inside:23 got no connection"
ww_cmd "$O" "show port stats outside" || fail "the prompt does not answer"
check [ "$(drop_count "$O" rule-reject)" -ge 1 ] -- "the SYN to 23 counted as rule-reject (live)"
kill "$L23" 2>/dev/null || true
wait "$L23" 2>/dev/null || true

# ------------------------------------------------- TCP inside -> outside

listen "$NS_OUT" 7000 "$TMP/out-7000.bin"
check tcp_xfer "$NS_IN" "$OUT_V4" 7000 "$LPID" "$TMP/out-7000.bin" -- \
	"TCP inside -> outside:7000 (outbound) connects, $XFER_BYTES bytes identical"

# ------------------------------------------------- a rule added live

ww_cmd "$O" "sg add-rule $SG tcp dport 6000 accept" || fail "the prompt does not answer"
show_file "$O"
check grep -qE "rule added: handle [0-9]+" "$O" -- "sg add-rule $SG tcp dport 6000 accept: rule added"
if kill -0 "$L6000" 2>/dev/null; then
	check tcp_xfer "$NS_OUT" "$IN_V4" 6000 "$L6000" "$TMP/in-6000.bin" -- \
		"after sg add-rule, TCP outside -> inside:6000 connects to the same listener, $XFER_BYTES bytes identical"
else
	bad "the listener on inside:6000 is gone; cannot check the added rule"
fi
ww_cmd "$O" "sg show $SG" || fail "the prompt does not answer"
show_file "$O"
check awk '/tcp dport 6000 accept/ && $3 > 0 { f = 1 } END { exit !f }' "$O" -- \
	"sg show $SG: the new rule counted hits"

# ----------------------------------------------------------- conntrack

# Hold one connection open (the client's stdin is a FIFO we keep open).
mkfifo "$TMP/hold.fifo"
exec 4<>"$TMP/hold.fifo"
listen "$NS_IN" 5000 "$TMP/in-hold.bin"
LHOLD=$LPID
timeout 30 ip netns exec "$NS_OUT" nc -N "$IN_V4" 5000 <"$TMP/hold.fifo" 3>&- 4>&- &
CHOLD=$!
echo "hello through wirewall" >&4
for _ in $(seq 1 50); do
	[ -s "$TMP/in-hold.bin" ] && break
	sleep 0.1
done
check grep -q "hello through wirewall" "$TMP/in-hold.bin" -- "a held-open connection outside -> inside:5000 carries data"

ww_cmd "$O" "show conntrack" || fail "the prompt does not answer"
show_file "$O"
check awk '$1 == "established" && $2 >= 1 { f = 1 } END { exit !f }' "$O" -- \
	"show conntrack: at least one established connection"
ww_cmd "$O" "show conntrack addr $IN_V4" || fail "the prompt does not answer"
show_file "$O"
check grep -qE "^ +tcp +br0 $OUT_V4:[0-9]+ -> $IN_V4:5000 +established" "$O" -- \
	"show conntrack addr $IN_V4: the open connection $OUT_V4 -> $IN_V4:5000, established"
check grep -qE "^ +tcp +br0 $IN_V4:[0-9]+ -> $OUT_V4:7000 " "$O" -- \
	"show conntrack addr $IN_V4: the outbound connection, opened by inside, to $OUT_V4:7000"
check grep -qE "^ +tcp +br0 $OUT_V4:[0-9]+ -> $IN_V4:6000 " "$O" -- \
	"show conntrack addr $IN_V4: the connection to 6000 allowed live"
ww_cmd "$O" "show conntrack top 3" || fail "the prompt does not answer"
show_file "$O"
# The three transfers are the biggest connections (by bytes).
check awk -v min="$XFER_BYTES" '$1 == "tcp" {
		for (i = 1; i < NF; i++) if ($i == "bytes") { split($(i + 1), b, "/"); if (b[1] + b[2] > min) n++ }
	} END { exit n != 3 }' "$O" -- "show conntrack top 3: the three transfers, each over $XFER_BYTES bytes"

# Close the held connection (EOF on the client's stdin; -N sends FIN).
exec 4>&-
wait "$CHOLD" 2>/dev/null || true
wait "$LHOLD" 2>/dev/null || true

kill -0 "$WW_PID" 2>/dev/null || fail "wirewall died during the checks"

# -------------------------------------------------------- stop wirewall

stop_wirewall_sigint
exec 3>&-
check [ "$WW_RC" -eq 0 ] -- "wirewall exited 0 after SIGINT"

# ------------------------------------------------------ final counters

FINAL="$TMP/final.txt"
awk '/final counters:/ { p = 1 } p' "$WW_LOG" >"$FINAL"
if ! grep -q 'port 0: outside' "$FINAL" || ! grep -q 'port 1: inside' "$FINAL"; then
	fail "wirewall printed no final counters for both ports"
fi
log "final counters:"
show_file "$FINAL"

# port_section NAME: the final counters of one port.
port_section() {
	awk -v n="$1" '/---- port [0-9]+: / { p = ($4 == n) } p' "$FINAL"
}
port_section outside >"$TMP/final-outside.txt"
port_section inside >"$TMP/final-inside.txt"

# field FILE LABEL: the number after "LABEL:" (e.g. RX-packets, Dropped).
field() {
	awk -v l="$2:" '{ for (i = 1; i < NF; i++) if ($i == l) { print $(i + 1); exit } }' "$1"
}

pd=$(drop_count "$TMP/final-outside.txt" policy-drop)
rj=$(drop_count "$TMP/final-outside.txt" rule-reject)
check [ "$pd" -gt 0 ] -- "final counters: outside policy-drop $pd > 0"
check [ "$rj" -gt 0 ] -- "final counters: outside rule-reject $rj > 0"
check [ "$(grep -c 'queued: holds' "$FINAL")" -eq 2 ] -- "final counters: the accounting check holds on both ports"

for p in outside inside; do
	f="$TMP/final-$p.txt"
	rx=$(field "$f" RX-packets); fw=$(field "$f" Forwarded); dr=$(field "$f" Dropped)
	th=$(field "$f" To-host); qu=$(field "$f" Queued)
	ds=$(awk '$1 == "drop" { s += $3 } END { print s + 0 }' "$f")
	check [ "$rx" -eq $((fw + dr + th + qu)) ] -- \
		"$p: RX-packets $rx = forwarded $fw + dropped $dr + to-host $th + queued $qu"
	check [ "$dr" -eq "$ds" ] -- "$p: the drop reasons add up to Dropped ($ds = $dr)"
done
out_tx=$(field "$TMP/final-outside.txt" TX-packets)
in_tx=$(field "$TMP/final-inside.txt" TX-packets)
out_fw=$(field "$TMP/final-outside.txt" Forwarded)
in_fw=$(field "$TMP/final-inside.txt" Forwarded)
check [ "$in_tx" -eq "$out_fw" ] -- "inside TX-packets $in_tx = outside forwarded $out_fw"
check [ "$out_tx" -eq $((in_fw + rj)) ] -- \
	"outside TX-packets $out_tx = inside forwarded $in_fw + $rj reject answer(s)"
out_rxb=$(field "$TMP/final-outside.txt" RX-bytes)
in_rxb=$(field "$TMP/final-inside.txt" RX-bytes)
check [ "$out_rxb" -gt $((2 * XFER_BYTES)) ] -- "outside RX-bytes $out_rxb include the two transfers into inside"
check [ "$in_rxb" -gt "$XFER_BYTES" ] -- "inside RX-bytes $in_rxb include the transfer to outside"

log "total time $((SECONDS - T0)) s"
[ "$FAILS" -eq 0 ] || exit 1
exit 0
