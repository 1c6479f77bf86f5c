#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of the guards (lib/guard): wirewall between the two
# segments of its own lab with extra hosts (tools/lab up NAME --hosts), real
# attack tools in the namespaces, the prompt driven through a FIFO.
#
#   tests/e2e/test_guards.sh [WIREWALL]
#
# WIREWALL: the wirewall binary; default $WIREWALL, else build/app/wirewall
# (or build/app/wirewall/wirewall when that is a directory) under the repo
# root.  Needs root.  Exit 0 pass, 1 fail, 77 skip (not root); a missing
# tool is a failure.  The lab is named $WW_E2E_GUARDS_LAB (default "e2eg"),
# distinct from the other e2e tests', and so is the DPDK file prefix.
#
# The lab (tools/lab --hosts): on the outside segment NAME-outside
# (10.10.0.1) and NAME-outside2 (10.10.0.3), on the protected inside one
# NAME-inside (10.10.0.2) and NAME-attack (10.10.0.4); a switch on each
# segment.  The configuration enables every guard (the "guards" object
# below) and a security group letting tcp 5000, 8080, 443 and ICMP echo
# requests into inside.
#
# Each section runs its own wirewall (started, checked, stopped with
# SIGINT), so that an address one section gets blocked cannot spoil the next:
#   http      python3 -m http.server on inside:8080: curl with Host
#             ok.example gets the page, with Host blocked.example gets
#             nothing (curl fails); an "http-block" event.  TLS on 443 (an
#             nc listener stands for the server): a ClientHello with SNI
#             ok.example reaches it, one with SNI blocked.example does not;
#             a "tls-block" event.
#   icmp      normal and 900-byte pings are answered; 1200-byte pings
#             (max_size 1000) are not; a flood ping (-f -c 500) loses most
#             of its packets (rate 20/s, burst 40) and plain ping works
#             afterwards; "icmp-size" and "icmp-rate" events.
#   arp       arping from outside gets inside's true MAC; then arpspoof in
#             NAME-attack (protected segment) tells NAME-outside that
#             10.10.0.2 is at the attacker's MAC for 5 s: NAME-outside's
#             ARP entry for 10.10.0.2 never shows the attacker's MAC and
#             ends with the true one (arpspoof is killed with SIGKILL, so
#             it does not re-ARP the true MAC itself); outside still pings
#             inside; an "arp-spoof" event.
#   scan      nmap -sS -T4 -p 1-200 from NAME-outside: "port-scan" and
#             "auto-block" events with src 10.10.0.1; afterwards
#             NAME-outside cannot connect to inside:5000 (it could before)
#             while NAME-outside2 still can.
#   synflood  a held nc connection NAME-outside -> inside:5000 carries a
#             line; hping3 --flood -S -p 5000 from NAME-outside2 for 3 s:
#             a "syn-flood" or "syn-flood-target" event (the source is
#             blocked as too-fast within its burst, which races the total
#             rate's threshold), the held connection carries lines sent
#             during and after the flood, a "syn-flood-end" event follows
#             (quiet_s 3), wirewall still forwards.
#   synspoof  the same with hping3 --rand-source (spoofed sources, nothing
#             to block): a "syn-flood" event.
# Every event line (`event: {json}` on wirewall's stdout) must parse and
# carry "event", "category" and "level"; where a check names the source it
# reads "src" or eve.json's "src_ip" (a syn-flood has no source).  `show guards` and
# `blocklist list` are shown in the log, not checked (format not fixed).
#
# Checks report every failure and go on; the test fails if any did.
#
# Knobs: WW_E2E_GUARDS_ONLY="scan arp" runs only those sections (default
# all, in the order above); WW_E2E_GUARDS=0 leaves the "guards" object out
# of the configuration (a wirewall without guards: the guard checks must
# then fail, which shows that they can).

# Functions run through check() and python programs in single quotes:
# shellcheck disable=SC2317,SC2016

set -euo pipefail

# The helpers and state the e2e tests share.
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"

LAB=${WW_E2E_GUARDS_LAB:-e2eg}
NS_OUT="$LAB-outside"
NS_OUT2="$LAB-outside2"
NS_IN="$LAB-inside"
NS_ATT="$LAB-attack"
OUT_V4=10.10.0.1
IN_V4=10.10.0.2
OUT2_V4=10.10.0.3
# synspoof (hping3 --rand-source) is not in the default list: a spoofed
# flood fills the connection table with half-open flows and new
# connections are refused as ct-full until they time out (see README,
# Protection: limits). Run it with WW_E2E_GUARDS_ONLY=synspoof.
SECTIONS=${WW_E2E_GUARDS_ONLY:-http icmp arp scan synflood}
WITH_GUARDS=${WW_E2E_GUARDS:-1}
PY=/usr/bin/python3     # Debian's (scapy and friends), not a pyenv shim

FIFO=
FILE_PREFIX="e2e-guards-$$"
E2E_NAME="e2e guards"
WW_LOG_TAIL=60
FAILS=0

# (bad and check, checks that let the test go on: common.sh)

# Run by cleanup once wirewall is gone: close the prompt FIFO (fd 3) and
# the held connection's (fd 4).
cleanup_hook() {
	exec 3>&- 4>&- 2>/dev/null
}

# bg_stop PID: stop a background helper we started (by its PID) and reap it.
bg_stop() {
	[ -n "${1:-}" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# mac NS: the MAC address of NS's eth0.
mac() {
	ip -n "$1" -o link show dev eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# neigh_mac NS ADDR: the MAC NS's ARP cache holds for ADDR ("" if none).
neigh_mac() {
	local out
	out=$(ip -n "$1" neigh show "$2" dev eth0 2>/dev/null) || true
	sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p' <<<"$out" | head -n 1
}

# tcp_connects NS PORT: NS opens a TCP connection to inside:PORT within 3 s.
tcp_connects() {
	timeout 10 ip netns exec "$1" nc -z -w 3 "$IN_V4" "$2" 3>&- 4>&-
}
tcp_fails() { ! tcp_connects "$@"; }

# has TEXT STRING: TEXT contains STRING (case-insensitive).
has() { grep -qiF -- "$2" <<<"$1"; }
# file_lacks FILE STRING: FILE (binary or not) does not contain STRING.
file_lacks() { ! grep -qaF -- "$2" "$1"; }

# (ww_cmd and show_file, the prompt through the FIFO on fd 3: common.sh)

# ---- events: lines `event: {json}` in wirewall's output ----

# events KIND [KEY=VALUE...]: print the events of kind KIND (the "event"
# key; "a|b" for either) in $WW_LOG whose KEY is VALUE (an address also matches
# "VALUE:port" or "VALUE/len"), one JSON text a line.  Key src also
# matches src_ip, dst also dest_ip (eve.json's names).
events() {
	"$PY" - "$WW_LOG" "$@" <<'EOF'
import json, sys
log, kind, *filters = sys.argv[1:]
kinds = kind.split("|")
want = [f.split("=", 1) for f in filters]
alias = {"src": ("src", "src_ip"), "dst": ("dst", "dest_ip")}
dec = json.JSONDecoder()
for line in open(log, errors="replace"):
    i = line.find("event: {")
    if i < 0:
        continue
    try:
        ev, _ = dec.raw_decode(line[i + 7:])
    except ValueError:
        continue
    if not isinstance(ev, dict) or ev.get("event") not in kinds:
        continue
    def match(k, v):
        for key in alias.get(k, (k,)):
            got = ev.get(key)
            got = "" if got is None else str(got)
            if got == v or got.startswith(v + ":") or got.startswith(v + "/"):
                return True
        return False
    if all(match(k, v) for k, v in want):
        print(json.dumps(ev, sort_keys=True))
EOF
}

# await_event SECONDS KIND [KEY=VALUE...]: such an event appears within
# SECONDS; log the first ones.
await_event() {
	local secs=$1 deadline out
	shift
	deadline=$((SECONDS + secs))
	while :; do
		out=$(events "$@")
		if [ -n "$out" ]; then
			head -n 3 <<<"$out" | sed 's/^/    event: /'
			return 0
		fi
		[ "$SECONDS" -lt "$deadline" ] || break
		sleep 0.2
	done
	log "  no '$1' event${2:+ with $2}${3:+ $3} within $secs s"
	return 1
}

# events_well_formed: every event line of $WW_LOG is a JSON object with
# the keys event, category and level; events without src (src_ip) or dst
# (dest_ip) are only counted (a syn-flood has neither).
# Prints the count of each kind.
events_well_formed() {
	"$PY" - "$WW_LOG" <<'EOF'
import json, sys
dec = json.JSONDecoder()
n = bad = nosrc = nodst = 0
kinds = {}
for line in open(sys.argv[1], errors="replace"):
    i = line.find("event: ")
    if i < 0:
        continue
    n += 1
    try:
        ev, _ = dec.raw_decode(line[i + 7:].lstrip())
    except ValueError:
        ev = None
    if not isinstance(ev, dict):
        ev = {}
    missing = [k for k in ("event", "category", "level") if k not in ev]
    if "src" not in ev and "src_ip" not in ev:
        nosrc += 1
    if "dst" not in ev and "dest_ip" not in ev:
        nodst += 1
    if missing:
        bad += 1
        if bad <= 3:
            print("    malformed event line (missing %s): %s" % (", ".join(missing), line.rstrip()))
    else:
        kinds[ev["event"]] = kinds.get(ev["event"], 0) + 1
print("    %d event line(s), %d malformed, %d without src/src_ip, %d without dst/dest_ip; kinds: %s" %
      (n, bad, nosrc, nodst, ", ".join("%s %d" % kv for kv in sorted(kinds.items())) or "none"))
sys.exit(1 if bad else 0)
EOF
}

# ---------------------------------------------- wirewall, one per section

CONF=
WW_RUN=

# start_ww SECTION: empty the hosts' neighbour caches (a clean slate: what
# one section's attack left there cannot spoil the next), start wirewall
# with the prompt on a fresh FIFO (fd 3), output in $TMP/ww-SECTION.log;
# wait until it forwards.
start_ww() {
	local ns
	WW_RUN=$1
	for ns in "$NS_OUT" "$NS_OUT2" "$NS_IN" "$NS_ATT"; do
		ip -n "$ns" neigh flush dev eth0 2>/dev/null || true
	done
	WW_LOG="$TMP/ww-$WW_RUN.log"
	FIFO="$TMP/prompt-$WW_RUN.fifo"
	mkfifo "$FIFO"
	# Held read-write: opening never blocks, wirewall never sees EOF.
	exec 3<>"$FIFO"
	# Each section starts from the same document and no saved state:
	# wirewall saves prompt changes and blocks (an earlier section's
	# automatic block would block this one's hosts).
	cp "$CONF" "$TMP/conf-$WW_RUN.json"
	log "[$WW_RUN] starting wirewall (log $WW_LOG)"
	timeout -k 15 "$WW_LIFETIME" "$WIREWALL" -l 0-1 --no-huge -m 512 \
		--file-prefix "$FILE_PREFIX" --no-pci -- --config "$TMP/conf-$WW_RUN.json" \
		--state-dir "$TMP/state-$WW_RUN" --http off -i \
		<"$FIFO" >"$WW_LOG" 2>&1 3>&- 4>&- &
	WW_PID=$!
	WW_PGID=$WW_PID
	# The ARP guard verifies new claims with a probe of its own: the first
	# exchange may take a retry; await_forwarding tries for 20 s.
	await_forwarding "a ping outside -> inside"
}

# stop_ww: show the guards' state, check the events' form, stop wirewall
# with SIGINT (exit 0 expected).
stop_ww() {
	local o="$TMP/cmd-$WW_RUN.out"
	if ww_cmd "$o" "show guards"; then
		log "  show guards:"
		show_file "$o"
	fi
	if ww_cmd "$o" "blocklist list"; then
		log "  blocklist list:"
		show_file "$o"
	fi
	check events_well_formed -- "[$WW_RUN] every event line is JSON with event, category, level"
	if ! kill -0 "$WW_PID" 2>/dev/null; then
		bad "[$WW_RUN] wirewall died during the section"
		WW_RC=0
		wait "$WW_PID" || WW_RC=$?
		WW_PID=
		reap_wirewall_group
		log "  wirewall exit status $WW_RC; last lines:"
		tail -n 20 "$WW_LOG" | sed 's/^/    | /'
	else
		stop_wirewall_sigint
		check [ "$WW_RC" -eq 0 ] -- "[$WW_RUN] wirewall exited 0 after SIGINT"
	fi
	exec 3>&-
	rm -f "$FIFO"
	rm -rf "/var/run/dpdk/$FILE_PREFIX" 2>/dev/null || true
}

# --------------------------------------------------------------- sections

section_http() {
	local page="wirewall e2e page $$" srv lp out rc
	start_ww http
	mkdir -p "$TMP/www"
	echo "$page" >"$TMP/www/index.html"
	timeout 60 ip netns exec "$NS_IN" "$PY" -m http.server 8080 --bind "$IN_V4" \
		--directory "$TMP/www" >"$TMP/http-server.log" 2>&1 </dev/null 3>&- 4>&- &
	srv=$!
	wait_listen "$NS_IN" 8080 || fail "[http] the HTTP server on inside:8080 did not start"

	# curl_host HOST: fetch http://inside:8080/ with Host: HOST; the body.
	curl_host() {
		timeout 15 ip netns exec "$NS_OUT" curl -sS -m 5 -H "Host: $1" \
			"http://$IN_V4:8080/" 3>&- 4>&-
	}
	rc=0; out=$(curl_host ok.example 2>&1) || rc=$?
	log "  curl Host: ok.example -> exit $rc: ${out:0:80}"
	check [ "$rc:$out" = "0:$page" ] -- "[http] GET with Host: ok.example gets the page"
	rc=0; out=$(curl_host blocked.example 2>&1) || rc=$?
	log "  curl Host: blocked.example -> exit $rc: ${out:0:80}"
	check [ "$rc" -ne 0 ] -- "[http] GET with Host: blocked.example fails (no answer: reset or timeout)"
	check await_event 5 http-block -- "[http] an http-block event"
	rc=0; out=$(curl_host ok.example 2>&1) || rc=$?
	check [ "$rc:$out" = "0:$page" ] -- "[http] afterwards, GET with Host: ok.example still gets the page"
	bg_stop "$srv"

	# TLS: an nc listener on inside:443 stands for the server and records
	# what arrives; curl's ClientHello carries the SNI in clear.
	# tls_hello NAME: curl https://NAME/ (resolved to inside) for 3 s; the
	# listener's capture is in $TMP/tls-NAME.bin.
	tls_hello() {
		rm -f "$TMP/tls-$1.bin"
		timeout 20 ip netns exec "$NS_IN" nc -l 443 >"$TMP/tls-$1.bin" </dev/null 3>&- 4>&- &
		lp=$!
		wait_listen "$NS_IN" 443 || { bg_stop "$lp"; log "  nc listener on inside:443 did not start"; return 1; }
		timeout 10 ip netns exec "$NS_OUT" curl -sS -k -m 3 --resolve "$1:443:$IN_V4" \
			"https://$1/" >/dev/null 2>&1 3>&- 4>&- || true
		sleep 0.5
		bg_stop "$lp"
		log "  TLS to $1: the server got $(stat -c %s "$TMP/tls-$1.bin" 2>/dev/null || echo 0) bytes"
	}
	tls_hello ok.example
	check grep -qa "ok.example" "$TMP/tls-ok.example.bin" -- "[http] a TLS ClientHello with SNI ok.example reaches inside:443"
	tls_hello blocked.example
	check file_lacks "$TMP/tls-blocked.example.bin" blocked.example -- \
		"[http] a TLS ClientHello with SNI blocked.example does not reach inside:443"
	check await_event 5 tls-block -- "[http] a tls-block event"
	stop_ww
}

section_icmp() {
	local out sent recv
	start_ww icmp
	check ping_ok "$NS_OUT" "$IN_V4" 5 4 -- "[icmp] plain ping outside -> inside is answered"
	out=$(timeout 15 ip netns exec "$NS_OUT" ping -n -c 3 -i 0.3 -W 1 -s 900 "$IN_V4" 2>&1) || true
	recv=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out")
	log "  ping -s 900: ${recv:-0}/3 replies"
	check [ "${recv:-0}" -ge 2 ] -- "[icmp] ping -s 900 (under max_size 1000) is answered"
	out=$(timeout 15 ip netns exec "$NS_OUT" ping -n -c 3 -i 0.3 -W 2 -s 1200 "$IN_V4" 2>&1) || true
	recv=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out")
	log "  ping -s 1200: ${recv:-0}/3 replies"
	check [ "${recv:-0}" -eq 0 ] -- "[icmp] ping -s 1200 (over max_size 1000) gets no answer"
	check await_event 5 icmp-size -- "[icmp] an icmp-size event"

	# (no -w: with a deadline, -c counts replies, not requests)
	out=$(timeout 40 ip netns exec "$NS_OUT" ping -n -q -f -c 500 -W 1 "$IN_V4" 2>&1) || true
	sent=$(sed -n 's/^\([0-9][0-9]*\) packets transmitted.*/\1/p' <<<"$out")
	recv=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out")
	log "  ping -f -c 500: ${recv:-0}/${sent:-0} replies"
	check [ "${sent:-0}:$((${recv:-0} < 250))" = 500:1 ] -- \
		"[icmp] a flood ping (500 echo requests) loses most of them (rate 20/s, burst 40)"
	check await_event 5 icmp-rate -- "[icmp] an icmp-rate event"
	sleep 2
	check ping_ok "$NS_OUT" "$IN_V4" 5 4 -- "[icmp] after the flood, plain ping is answered again"
	stop_ww
}

section_arp() {
	local in_mac att_mac out_mac out m poisoned=0 samples=0 trace='' sp final _
	start_ww arp
	in_mac=$(mac "$NS_IN")
	att_mac=$(mac "$NS_ATT")
	out_mac=$(mac "$NS_OUT")
	log "  MACs: inside $in_mac, attack $att_mac, outside $out_mac"

	# A legitimate ARP exchange passes (the guard may verify it first).
	out=$(timeout 15 ip netns exec "$NS_OUT" arping -c 6 -C 1 -w 8 -i eth0 "$IN_V4" 2>&1) || true
	check has "$out" "from $in_mac ($IN_V4)" -- "[arp] arping outside -> $IN_V4 is answered with inside's MAC"
	check ping_ok "$NS_OUT" "$IN_V4" 5 3 -- "[arp] outside pings inside"
	m=$(neigh_mac "$NS_OUT" "$IN_V4")
	check [ "$m" = "$in_mac" ] -- "[arp] before the attack, outside's ARP entry for $IN_V4 is inside's MAC ($m)"

	# The attacker knows its victim's MAC (as a sniffing attacker would):
	# arpspoof then need not resolve it through wirewall.  The inside host
	# keeps quiet meanwhile (a fixed entry for outside): otherwise its own
	# ARP probe, re-confirming outside about 5 s after the pings, repairs
	# outside's cache in the middle of the attack, and what the cache holds
	# at the end would depend on timing rather than on the guard.
	ip -n "$NS_ATT" neigh replace "$OUT_V4" lladdr "$out_mac" dev eth0 nud permanent
	ip -n "$NS_IN" neigh replace "$OUT_V4" lladdr "$out_mac" dev eth0 nud permanent
	# (`ip netns exec` execs arpspoof: $sp is arpspoof's PID)
	ip netns exec "$NS_ATT" arpspoof -i eth0 -t "$OUT_V4" "$IN_V4" \
		>"$TMP/arpspoof.log" 2>&1 </dev/null 3>&- 4>&- &
	sp=$!
	for _ in $(seq 1 10); do
		sleep 0.5
		kill -0 "$sp" 2>/dev/null || break
		m=$(neigh_mac "$NS_OUT" "$IN_V4")
		samples=$((samples + 1))
		case "$m" in
		"$att_mac") poisoned=$((poisoned + 1)); trace+=A ;;
		"$in_mac") trace+=t ;;
		*) trace+=- ;;
		esac
	done
	# SIGKILL after 5 s: arpspoof does not get to re-ARP the true MAC.
	kill -KILL "$sp" 2>/dev/null || true
	wait "$sp" 2>/dev/null || true
	final=$(neigh_mac "$NS_OUT" "$IN_V4")
	log "  arpspoof sent $(grep -c 'is-at' "$TMP/arpspoof.log" || true) spoofed replies; outside's entry showed the attacker's MAC in $poisoned of $samples samples ($trace: A attacker, t true, - none); now: ${final:-none}"
	# (arpspoof prints MACs without leading zeros: 0c is c)
	check grep -q "arp reply $IN_V4 is-at " "$TMP/arpspoof.log" -- \
		"[arp] arpspoof ran: it sent '$IN_V4 is-at <its MAC>' replies to outside"
	check [ "$poisoned" -eq 0 ] -- "[arp] during the attack, outside's ARP entry for $IN_V4 never pointed at the attacker"
	check [ "$final" = "$in_mac" ] -- "[arp] after the attack, outside's ARP entry for $IN_V4 holds inside's true MAC"
	check await_event 5 arp-spoof -- "[arp] an arp-spoof event"
	check ping_ok "$NS_OUT" "$IN_V4" 5 3 -- "[arp] after the attack, outside still pings inside"
	ip -n "$NS_ATT" neigh del "$OUT_V4" dev eth0 2>/dev/null || true
	ip -n "$NS_IN" neigh del "$OUT_V4" dev eth0 2>/dev/null || true
	ip -n "$NS_OUT" neigh del "$IN_V4" dev eth0 2>/dev/null || true
	stop_ww
}

section_scan() {
	local lp rc
	start_ww scan
	timeout 60 ip netns exec "$NS_IN" nc -l -k 5000 >/dev/null </dev/null 3>&- 4>&- &
	lp=$!
	wait_listen "$NS_IN" 5000 || fail "[scan] nc listener on inside:5000 did not start"
	# (first contact of outside2: its ARP exchange may take a retry)
	ping_ok "$NS_OUT2" "$IN_V4" 5 1 || log "  (outside2 does not ping inside)"
	check tcp_connects "$NS_OUT" 5000 -- "[scan] before the scan, outside connects to inside:5000"
	check tcp_connects "$NS_OUT2" 5000 -- "[scan] before the scan, outside2 connects to inside:5000"

	rc=0
	timeout 90 ip netns exec "$NS_OUT" nmap -n -Pn -sS -T4 --max-retries 1 -p 1-200 "$IN_V4" \
		>"$TMP/nmap.txt" 2>&1 </dev/null 3>&- 4>&- || rc=$?
	log "  nmap -sS -T4 -p 1-200 $IN_V4 (exit $rc): $(grep -E '^(Not shown|All|Nmap done)' "$TMP/nmap.txt" | tr '\n' ' ')"
	check await_event 5 port-scan src="$OUT_V4" -- "[scan] a port-scan event for $OUT_V4"
	check await_event 5 auto-block src="$OUT_V4" -- "[scan] an auto-block event for $OUT_V4"
	check tcp_fails "$NS_OUT" 5000 -- "[scan] after the scan, outside ($OUT_V4) cannot connect to inside:5000"
	check tcp_connects "$NS_OUT2" 5000 -- "[scan] after the scan, outside2 ($OUT2_V4) still connects to inside:5000"
	bg_stop "$lp"
	stop_ww
}

# flood_section NAME KINDS HPING3_ARGS...: a held connection outside ->
# inside:5000 carries a line; hping3 --flood -S -p 5000 HPING3_ARGS from
# outside2 for 3 s raises an event of one of KINDS ("a|b"); the held
# connection carries lines sent during and after the flood; syn-flood-end
# follows; wirewall still forwards.
flood_section() {
	local name=$1 kinds=$2 lp cp hp held="$TMP/held-$1.txt" _
	shift 2
	start_ww "$name"
	rm -f "$held"
	timeout 60 ip netns exec "$NS_IN" nc -l 5000 >"$held" </dev/null 3>&- 4>&- &
	lp=$!
	wait_listen "$NS_IN" 5000 || fail "[$name] nc listener on inside:5000 did not start"
	ping_ok "$NS_OUT2" "$IN_V4" 5 1 || log "  (outside2 does not ping inside)"

	# The held connection: the client's stdin is a FIFO we keep open (fd 4).
	mkfifo "$TMP/hold.fifo"
	exec 4<>"$TMP/hold.fifo"
	timeout 60 ip netns exec "$NS_OUT" nc -N "$IN_V4" 5000 <"$TMP/hold.fifo" >/dev/null 3>&- 4>&- &
	cp=$!
	echo "line 1 before the flood" >&4
	for _ in $(seq 1 50); do
		grep -q "line 1" "$held" 2>/dev/null && break
		sleep 0.1
	done
	check grep -q "line 1 before the flood" "$held" -- "[$name] a held connection outside -> inside:5000 carries data"

	# (hping3 stops on SIGINT and prints its count)
	timeout -s INT 3 ip netns exec "$NS_OUT2" hping3 --flood -S -p 5000 "$@" "$IN_V4" \
		>"$TMP/hping3-$name.log" 2>&1 </dev/null 3>&- 4>&- &
	hp=$!
	sleep 1.5
	echo "line 2 during the flood" >&4
	wait "$hp" 2>/dev/null || true
	log "  hping3 --flood -S -p 5000 $* $IN_V4 for 3 s: $(grep -E 'packets transmitted' "$TMP/hping3-$name.log" || echo '?')"
	echo "line 3 after the flood" >&4
	check await_event 5 "$kinds" -- "[$name] a $kinds event"
	for _ in $(seq 1 150); do
		grep -q "line 3" "$held" 2>/dev/null && break
		sleep 0.1
	done
	check grep -q "line 2 during the flood" "$held" -- "[$name] the held connection carried a line sent during the flood"
	check grep -q "line 3 after the flood" "$held" -- "[$name] the held connection carries a line sent after the flood"
	check await_event 20 syn-flood-end -- "[$name] a syn-flood-end event once the flood stopped"
	check ping_ok "$NS_OUT" "$IN_V4" 5 3 -- "[$name] wirewall still forwards (outside pings inside)"
	# Close the held connection (EOF on the client's stdin; -N sends FIN).
	exec 4>&-
	wait "$cp" 2>/dev/null || true
	bg_stop "$lp"
	rm -f "$TMP/hold.fifo"
	stop_ww
}

# One source floods.  The rate guard blocks it (too-fast) after its burst,
# and the block lists come before the SYN counters: whether the total rate
# (syn-flood) or only the rate to one host (syn-flood-target) crosses its
# threshold before the block is a race, so either event will do.
section_synflood() {
	flood_section synflood "syn-flood|syn-flood-target"
}

# Spoofed sources (hping3 --rand-source), the classic SYN flood: no single
# source to block, the total rate is far over syn_per_s: syn-flood.
section_synspoof() {
	flood_section synspoof syn-flood --rand-source
}

# ------------------------------------------------------------------ setup

preflight ip ethtool ping nc ss timeout mkfifo awk stat curl nmap hping3 arpspoof arping "$PY"

for s in $SECTIONS; do
	declare -F "section_$s" >/dev/null || fail "unknown section '$s' in WW_E2E_GUARDS_ONLY"
done

TMP=$(mktemp -d /tmp/ww-e2e-guards.XXXXXX)
CONF="$TMP/wirewall.json"
log "wirewall: $WIREWALL"
log "lab: $LAB (--hosts), temp dir: $TMP, sections: $SECTIONS"

timeout 30 "$LAB_TOOL" down "$LAB" >/dev/null 2>&1 || true
timeout 30 "$LAB_TOOL" up "$LAB" --hosts >/dev/null || fail "tools/lab up $LAB --hosts failed"
timeout 30 "$LAB_TOOL" status "$LAB" >/dev/null || fail "tools/lab status $LAB says the lab is not up"
pass "lab '$LAB' (--hosts) is up"

ping_fails "$NS_OUT" "$IN_V4" ||
	fail "outside can ping $IN_V4 without wirewall: something else bridges the lab"
check ping_ok "$NS_OUT" "$OUT2_V4" 3 2 -- "the outside switch joins outside and outside2"
check ping_ok "$NS_ATT" "$IN_V4" 3 2 -- "the inside switch joins attack and inside"
pass "without wirewall, $NS_OUT cannot ping $IN_V4"

GUARDS='
  "guards": {
    "arp":  {"enabled": true, "verify": true, "rate": 50, "burst": 100, "probe_timeout_ms": 1000},
    "icmp": {"enabled": true, "max_size": 1000, "rate": 20, "burst": 40},
    "blocklist": {"enabled": true, "sets": {"manual": []}, "never_block": []},
    "scan": {"enabled": true, "ports": 20, "hosts": 20, "window_ms": 10000, "block_ttl": 600},
    "rate": {"enabled": true, "new_per_s": 200, "burst": 400, "block_ttl": 600},
    "synflood": {"enabled": true, "syn_per_s": 2000, "dst_syn_per_s": 1000, "half_open": 5000,
                 "source_syn_per_s": 100, "source_burst": 200, "quiet_s": 3},
    "http": {"enabled": true, "ports": [80, 8080], "tls_ports": [443],
             "hosts": ["blocked.example"], "urls": []},
    "events": {"window_s": 10}
  },'
if [ "$WITH_GUARDS" = 0 ]; then
	log "WW_E2E_GUARDS=0: no \"guards\" in the configuration (the guard checks should fail)"
	GUARDS=
fi
cat >"$CONF" <<EOF
{
  "workers": 1,
  "ports": [
    {"name": "outside", "device": "net_af_packet0,iface=$LAB-out"},
    {"name": "inside", "device": "net_af_packet1,iface=$LAB-in"}
  ],
  "bridges": [{"name": "br0", "ports": ["outside", "inside"], "protected": "inside"}],$GUARDS
  "security_groups": [
    {"name": "guarded", "bridge": "br0", "rules": [
      "tcp dport 5000 accept",
      "tcp dport 8080 accept",
      "tcp dport 443 accept",
      "icmp type echo-request accept"
    ]}
  ]
}
EOF

# ------------------------------------------------------------ the sections

for s in $SECTIONS; do
	"section_$s"
done

log "total time $((SECONDS - T0)) s"
[ "$FAILS" -eq 0 ] || exit 1
exit 0
