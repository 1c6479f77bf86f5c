#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Guards, replayed: the ARP guard (opcodes, broadcast replies, rate,
bindings static and verified by the appliance's own RFC 5227 probe,
spoofing), the ICMP guard (types, redirects, size, fragments, broadcast,
rate, NDP), block lists (exact, prefixes, both families, TTLs on capture
time), the detectors (port, host and stealth scans, too-fast sources, SYN
floods) and the automatic blocks they make, HTTP Host/URL and TLS SNI
blocking with the resets both ends hear. Every replay also checks that
accounting holds, that the --events file says what the report's "events"
says, that every event is well formed, and that the report's totals per
kind add up the events' counts. Bad guard settings are refused with their
path.

Run with Debian's /usr/bin/python3 (scapy)."""
import json
import os
import re
import subprocess
import unittest

from scapy.all import ARP, Ether, IP, IPv6, TCP, UDP

import guard_traffic as G
import wwtest

SERVER, SERVER6 = G.SERVER, G.SERVER6
CLIENT = "10.1.2.3"

CATEGORY = {
    "arp-bad-opcode": "arp", "arp-broadcast-reply": "arp", "arp-spoof": "arp",
    "arp-sender-mismatch": "arp", "arp-rate": "arp", "arp-probe": "arp",
    "arp-verified": "arp", "arp-conflict": "arp",
    "icmp-type": "icmp", "icmp-redirect": "icmp", "icmp-size": "icmp",
    "icmp-fragment": "icmp", "icmp-broadcast": "icmp", "icmp-rate": "icmp",
    "blocklist-hit": "blocklist", "auto-block": "blocklist", "never-block": "blocklist",
    "port-scan": "scan", "host-scan": "scan", "stealth-scan": "scan",
    "too-fast": "rate",
    "syn-flood": "synflood", "syn-flood-target": "synflood", "syn-flood-end": "synflood",
    "syn-limit": "synflood",
    "http-block": "http", "tls-block": "tls",
}
LEVELS = {"info", "notice", "warning", "alert"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def config(guards, protected=None, conntrack=None, **extra):
    if guards is not None:
        extra["guards"] = guards
    return wwtest.bridge_config(protected, conntrack, **extra)


only = wwtest.only


def bucket(times_us, rate, burst):
    """What an ideal token bucket (full at the first packet) lets through
    of packets at @times_us, and how close a decision came to flipping
    (rounding in a real bucket must not decide a test)."""
    tokens, last, passed, margins = float(burst), None, [], []
    for t in times_us:
        if last is not None:
            tokens = min(float(burst), tokens + rate * (t - last) / 1e6)
        last = t
        margins.append(abs(tokens - 1.0))
        ok = tokens >= 1.0
        if ok:
            tokens -= 1.0
        passed.append(ok)
    return passed, min(margins)


class GuardCase(unittest.TestCase):
    maxDiff = None

    def run_replay(self, tl, cfg):
        inputs = tl.inputs() if isinstance(tl, G.Timeline) else tl
        with wwtest.tempdir() as tmp:
            ev_path = os.path.join(tmp, "events.jsonl")
            r = wwtest.replay(tmp, inputs, cfg, extra=("--events", ev_path))
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(ev_path) as f:
                lines = f.read().splitlines()
        self.assertTrue(r.report["conserved"], r.stdout)
        for name, port in r.report["ports"].items():
            self.assertTrue(port["conserved"], name)
        self.check_events(r, lines)
        r.events = r.report["events"]
        return r

    def check_events(self, r, lines):
        """The --events file holds the report's events, one JSON object a
        line; every event is well formed; the report's totals add up."""
        report_events = r.report["events"]
        self.assertEqual([json.loads(line) for line in lines], report_events)
        first = r.report["capture_time"]["first_ns"] // 1000
        last = r.report["capture_time"]["last_ns"] // 1000
        totals = {}
        for e in report_events:
            kind = e.get("event")
            self.assertIn(kind, CATEGORY, e)
            self.assertEqual(e["event_type"], "alert", e)
            self.assertEqual(e["category"], CATEGORY[kind], e)
            self.assertIn(e["level"], LEVELS, e)
            self.assertRegex(e["timestamp"], TIMESTAMP)
            # capture time, not the time of the run
            self.assertTrue(G.iso(first) <= e["timestamp"] <= G.iso(last), e)
            self.assertIsInstance(e["count"], int)
            self.assertGreaterEqual(e["count"], 1, e)
            self.assertIsInstance(e["detail"], str)
            if "in_port" in e:
                self.assertIn(e["in_port"], ("outside", "inside"), e)
            if "src_ip" in e:
                self.assertIn("dest_ip", e)
            totals[kind] = totals.get(kind, 0) + e["count"]
        self.assertEqual(r.report["guards"]["events"], totals)
        self.assertEqual(r.report["guards"]["events_lost"], 0)

    # ---- what came out ----

    def assertPassed(self, r, passed, extra_out=(), extra_in=()):
        """Exactly @passed came out, each on the peer of the port it came in
        on, byte for byte and in order (plus frames the appliance made,
        checked by the caller: @extra_out/@extra_in are their positions
        removed before comparing)."""
        out_in = [f for i, f in enumerate(r.outputs["inside"]) if i not in extra_in]
        out_out = [f for i, f in enumerate(r.outputs["outside"]) if i not in extra_out]
        self.assertEqual(out_in, G.frames(passed, "outside"))
        self.assertEqual(out_out, G.frames(passed, "inside"))

    def assertDrops(self, r, outside=None, inside=None):
        ports = r.report["ports"]
        self.assertEqual(only(ports["outside"]["drops"]), outside or {})
        self.assertEqual(only(ports["inside"]["drops"]), inside or {})
        total = {}
        for d in (outside or {}, inside or {}):
            for k, v in d.items():
                total[k] = total.get(k, 0) + v
        self.assertEqual(only(r.report["drops"]), total)

    def events(self, r, kind=None, **match):
        return [e for e in r.events if (kind is None or e["event"] == kind) and
                all(e.get(k) == v for k, v in match.items())]

    def kinds(self, r):
        return [e["event"] for e in r.events]

    def assertBlockedAfter(self, r, attempts, n):
        """The first @n - 1 attempts passed, the @n-th (the one that made the
        count) may have, every one after it was dropped. @return how many
        were dropped."""
        out = set(r.outputs["inside"])
        passed = [i + 1 for i, f in enumerate(G.frames(attempts, "outside")) if f in out]
        self.assertIn(passed, (list(range(1, n)), list(range(1, n + 1))),
                      "attempts that passed (1 = first)")
        return len(attempts) - len(passed)

    def assertFate(self, r, **named):
        """Each named conversation passed (True) or not (False), all its
        packets alike: a readable verdict per name."""
        out = set(r.outputs["inside"]) | set(r.outputs["outside"])
        got = {name: all(bytes(p) in out for _, p in ev) for name, (ev, _) in named.items()}
        self.assertEqual(got, {name: want for name, (_, want) in named.items()})

    def assertFields(self, ev, **fields):
        self.assertEqual({k: ev.get(k) for k in fields}, fields, ev)


def size(events):
    return sum(len(bytes(p)) for _, p in events)


# ================================================================ ARP

ARP_PROTECTED = {"protected": "inside"}


class ArpGuard(GuardCase):
    def learn_port_mac(self, port="inside"):
        """The MAC the appliance's port @port probes with: one unverified
        claim, and the probe it makes."""
        tl = G.Timeline()
        tl.add(G.arp_claim(port, G.MAC_IN if port == "inside" else G.MAC_OUT,
                           SERVER if port == "inside" else G.ROUTER,
                           asked=G.ROUTER if port == "inside" else SERVER))
        r = self.run_replay(tl, config({"arp": {}}, **ARP_PROTECTED))
        self.assertEqual(len(r.outputs[port]), 1, "no probe out of %s" % port)
        return Ether(r.outputs[port][0]).src

    def assertProbe(self, frame, port_mac, ip):
        p = Ether(frame)
        self.assertIn(ARP, p)
        self.assertEqual((p.dst, p.src), (G.BCAST, port_mac))
        a = p[ARP]
        self.assertEqual((a.hwtype, a.ptype, a.hwlen, a.plen, a.op), (1, 0x0800, 6, 4, 1))
        self.assertEqual((a.hwsrc, a.psrc, a.pdst), (port_mac, "0.0.0.0", ip))
        # the frame is the probe, padded to the Ethernet minimum at most
        self.assertEqual(frame[:42], bytes(G.probe(port_mac, ip)))
        self.assertLessEqual(len(frame), 60)
        self.assertEqual(frame[42:], b"\x00" * (len(frame) - 42))

    def test_unverified_claim_is_probed_from_the_ingress_port(self):
        tl = G.Timeline()
        claim = tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        r = self.run_replay(tl, config({"arp": {}}, **ARP_PROTECTED))
        self.assertEqual(r.outputs["outside"], [])
        self.assertEqual(len(r.outputs["inside"]), 1)
        port_mac = Ether(r.outputs["inside"][0]).src
        self.assertProbe(r.outputs["inside"][0], port_mac, SERVER)
        self.assertNotIn(port_mac, (G.MAC_IN, G.MAC_OUT, G.ZERO_MAC, G.BCAST))
        self.assertFalse(int(port_mac.split(":")[0], 16) & 1, "multicast port MAC")
        self.assertDrops(r, inside={"arp-unverified": 1})
        i = r.report["ports"]["inside"]
        self.assertEqual((i["tx_packets"], i["tx_bytes"], i["forwarded_packets"]),
                         (1, len(r.outputs["inside"][0]), 0))
        self.assertEqual(r.report["ports"]["outside"]["tx_packets"], 0)
        self.assertEqual(self.kinds(r), ["arp-probe"])
        self.assertFields(r.events[0], src_ip=SERVER, mac=G.MAC_IN, in_port="inside",
                          count=1, timestamp=G.iso(G.us_of(claim[0][1])))
        # the same claim on the outside: probed out of the outside, by
        # that port's own MAC
        out_mac = self.learn_port_mac("outside")
        self.assertNotEqual(out_mac, port_mac)

    def test_answered_probe_verifies_the_binding(self):
        port_mac = self.learn_port_mac("inside")
        tl = G.Timeline(step_us=10_000)
        claim = tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        answer = tl.add(G.probe_answer("inside", G.MAC_IN, SERVER, port_mac))
        retry = tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        reply = tl.add(G.arp_reply("inside", G.MAC_IN, SERVER, G.MAC_OUT, G.ROUTER))
        # the router's own claim is probed out of the outside port
        router = tl.add(G.arp_claim("outside", G.MAC_OUT, G.ROUTER, asked=SERVER))
        # someone else claiming the verified address
        spoof = tl.add(G.arp_reply("outside", G.MAC_ATK, SERVER, G.MAC_OUT, G.ROUTER,
                                   eth_dst=G.MAC_IN))
        r = self.run_replay(tl, config({"arp": {}}, **ARP_PROTECTED))
        # out of the inside: the probe for the server's claim; out of the
        # outside: what passed, then the probe for the router's claim
        self.assertPassed(r, retry + reply, extra_in=(0,), extra_out=(2,))
        self.assertProbe(r.outputs["inside"][0], port_mac, SERVER)
        self.assertProbe(r.outputs["outside"][2], Ether(r.outputs["outside"][2]).src, G.ROUTER)
        self.assertDrops(r, inside={"arp-unverified": 1, "arp-probe-answer": 1},
                         outside={"arp-unverified": 1, "arp-spoof": 1})
        self.assertEqual(self.kinds(r), ["arp-probe", "arp-verified", "arp-probe", "arp-spoof"])
        probe_ev, verified, _, spoofed = r.events
        self.assertFields(probe_ev, src_ip=SERVER, mac=G.MAC_IN, in_port="inside",
                          timestamp=G.iso(G.us_of(claim[0][1])))
        self.assertFields(verified, src_ip=SERVER, mac=G.MAC_IN, in_port="inside",
                          timestamp=G.iso(G.us_of(answer[0][1])))
        self.assertFields(spoofed, src_ip=SERVER, mac=G.MAC_ATK, bound_mac=G.MAC_IN,
                          in_port="outside", count=1,
                          timestamp=G.iso(G.us_of(spoof[0][1])))
        self.assertEqual(r.report["ports"]["inside"]["tx_packets"], 1 + 0)   # probe only
        self.assertEqual(r.report["ports"]["outside"]["tx_packets"], 1 + 2)  # probe + 2 passed
        del router

    def test_late_answer_verifies_nothing(self):
        port_mac = self.learn_port_mac("inside")
        tl = G.Timeline()
        tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        tl.wait(0.3)
        tl.add(G.probe_answer("inside", G.MAC_IN, SERVER, port_mac))   # 300 ms > 100 ms
        retry = tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        r = self.run_replay(tl, config({"arp": {"probe_timeout_ms": 100}}, **ARP_PROTECTED))
        self.assertEqual(r.outputs["outside"], [])
        # the retry is a new claim: probed again
        self.assertEqual(len(r.outputs["inside"]), 2)
        for f in r.outputs["inside"]:
            self.assertProbe(f, port_mac, SERVER)
        drops = only(r.report["ports"]["inside"]["drops"])
        self.assertEqual(drops.get("arp-unverified"), 2, drops)
        self.assertEqual(sum(drops.values()), 3, drops)
        self.assertNotIn("arp-verified", self.kinds(r))
        self.assertEqual(r.report["guards"]["events"]["arp-probe"], 2)
        del retry

    def test_two_answers_are_a_conflict(self):
        port_mac = self.learn_port_mac("inside")
        tl = G.Timeline(step_us=10_000)
        tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        tl.add(G.probe_answer("inside", G.MAC_IN, SERVER, port_mac))
        second = tl.add(G.probe_answer("inside", G.MAC_HOST2, SERVER, port_mac))
        retry = tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        r = self.run_replay(tl, config({"arp": {}}, **ARP_PROTECTED))
        # neither answer goes anywhere, and a contested address is not
        # trusted: the retry does not pass
        self.assertEqual(r.outputs["outside"], [])
        self.assertNotIn(bytes(retry[0][1]), r.outputs["outside"])
        drops = only(r.report["ports"]["inside"]["drops"])
        self.assertEqual(drops.get("arp-probe-answer"), 2, drops)
        ev = self.events(r, "arp-conflict")
        self.assertEqual(len(ev), 1, self.kinds(r))
        self.assertEqual({ev[0].get("mac"), ev[0].get("other_mac")}, {G.MAC_IN, G.MAC_HOST2})
        self.assertFields(ev[0], src_ip=SERVER, in_port="inside",
                          timestamp=G.iso(G.us_of(second[0][1])))

    def test_answer_on_the_other_port_verifies_nothing(self):
        in_mac, out_mac = self.learn_port_mac("inside"), self.learn_port_mac("outside")
        tl = G.Timeline()
        tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        # answers arriving outside: to the probing port's MAC, and to the
        # outside port's own (someone out there guessing)
        tl.add(G.probe_answer("outside", G.MAC_IN, SERVER, in_mac))
        tl.add(G.probe_answer("outside", G.MAC_ATK, SERVER, out_mac))
        retry = tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        r = self.run_replay(tl, config({"arp": {}}, **ARP_PROTECTED))
        self.assertNotIn(bytes(retry[0][1]), r.outputs["outside"])
        self.assertNotIn("arp-verified", self.kinds(r))
        self.assertEqual(only(r.report["ports"]["inside"]["drops"]), {"arp-unverified": 2})
        self.assertEqual(r.report["ports"]["outside"]["forwarded_packets"], 0)
        self.assertEqual(r.report["ports"]["inside"]["forwarded_packets"], 0)

    def test_static_bindings_pass_without_probe_and_stop_spoofing(self):
        tl = G.Timeline()
        good = tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        good += tl.add(G.arp_reply("outside", G.MAC_OUT, G.ROUTER, G.MAC_IN, SERVER))
        spoof_out = tl.add(G.arp_reply("outside", G.MAC_ATK, SERVER, G.MAC_OUT, G.ROUTER,
                                       eth_dst=G.MAC_IN))
        spoof_in = tl.add(G.arp_claim("inside", G.MAC_HOST2, G.ROUTER))
        r = self.run_replay(tl, config({"arp": {"bindings": [
            {"ip": SERVER, "mac": G.MAC_IN}, {"ip": G.ROUTER, "mac": G.MAC_OUT}]}},
            **ARP_PROTECTED))
        self.assertPassed(r, good)
        self.assertDrops(r, outside={"arp-spoof": 1}, inside={"arp-spoof": 1})
        self.assertEqual(self.kinds(r), ["arp-spoof", "arp-spoof"])
        self.assertFields(r.events[0], src_ip=SERVER, mac=G.MAC_ATK, bound_mac=G.MAC_IN,
                          in_port="outside", timestamp=G.iso(G.us_of(spoof_out[0][1])))
        self.assertFields(r.events[1], src_ip=G.ROUTER, mac=G.MAC_HOST2, bound_mac=G.MAC_OUT,
                          in_port="inside", timestamp=G.iso(G.us_of(spoof_in[0][1])))

    def test_sender_mac_must_be_the_frame_source_on_the_protected_side(self):
        tl = G.Timeline()
        lie_in = tl.add(G.arp_claim("inside", G.MAC_HOST2, SERVER, eth_src=G.MAC_IN))
        # the same frame arriving outside is no one's lie to judge
        lie_out = tl.add(G.arp_claim("outside", G.MAC_ATK, "198.51.100.1", eth_src=G.MAC_OUT))
        honest = tl.add(G.arp_claim("inside", G.MAC_IN, SERVER))
        r = self.run_replay(tl, config({"arp": {"verify": False}}, **ARP_PROTECTED))
        self.assertPassed(r, lie_out + honest)
        self.assertDrops(r, inside={"arp-spoof": 1})
        self.assertEqual(self.kinds(r), ["arp-sender-mismatch"])
        self.assertFields(r.events[0], src_ip=SERVER, mac=G.MAC_HOST2, in_port="inside",
                          timestamp=G.iso(G.us_of(lie_in[0][1])))

    def test_bad_opcodes_and_broadcast_replies(self):
        tl = G.Timeline()
        bad = []
        for op in (0, 3, 4, 9):   # none, RARP request/reply, InARP...
            bad += tl.add(G.arp("outside", op, G.MAC_OUT, G.ROUTER, SERVER))
        bcast = tl.add(G.arp("outside", 2, G.MAC_OUT, G.ROUTER, SERVER, hwdst=G.MAC_IN))
        ok = tl.add(G.arp_claim("outside", G.MAC_OUT, G.ROUTER, asked=SERVER))      # broadcast request
        ok += tl.add(G.arp_reply("inside", G.MAC_IN, SERVER, G.MAC_OUT, G.ROUTER))  # unicast reply
        ok += tl.add(G.arp_claim("inside", G.MAC_IN, SERVER, asked=SERVER))         # gratuitous
        r = self.run_replay(tl, config({"arp": {"verify": False}}, **ARP_PROTECTED))
        self.assertPassed(r, ok)
        self.assertDrops(r, outside={"arp-bad-opcode": 4, "arp-broadcast-reply": 1})
        self.assertEqual(r.report["guards"]["events"],
                         {"arp-bad-opcode": 4, "arp-broadcast-reply": 1})
        first = self.events(r, "arp-bad-opcode")[0]
        self.assertFields(first, src_ip=G.ROUTER, mac=G.MAC_OUT, in_port="outside", count=1,
                          timestamp=G.iso(G.us_of(bad[0][1])))
        self.assertFields(self.events(r, "arp-broadcast-reply")[0], src_ip=G.ROUTER,
                          timestamp=G.iso(G.us_of(bcast[0][1])))

    def test_rate_per_sender_mac(self):
        tl = G.Timeline()
        flood, other = [], []
        for i in range(30):
            flood += tl.add(G.arp_claim("outside", G.MAC_ATK, "198.51.100.9",
                                        asked="192.168.1.%d" % (i + 2)))
            if i % 6 == 0:
                other += tl.add(G.arp_claim("outside", G.MAC_OUT, G.ROUTER, asked=SERVER))
        tl.wait(1.0)
        for i in range(10):
            flood += tl.add(G.arp_claim("outside", G.MAC_ATK, "198.51.100.9", asked=SERVER))
        passed, margin = bucket([G.us_of(p) for _, p in flood], 5, 10)
        self.assertGreater(margin, 0.01)   # the scenario is not on a boundary
        r = self.run_replay(tl, config({"arp": {"verify": False, "rate": 5, "burst": 10}},
                                       **ARP_PROTECTED))
        ok = [e for e, p in zip(flood, passed) if p]
        self.assertEqual(len(ok), 10 + 5)
        self.assertPassed(r, ok + other)
        dropped = len(flood) - len(ok)
        self.assertDrops(r, outside={"arp-rate": dropped})
        # one event, then one summary of the repeats
        ev = self.events(r, "arp-rate")
        self.assertEqual([e["count"] for e in ev], [1, dropped - 1])
        self.assertFields(ev[0], mac=G.MAC_ATK, src_ip="198.51.100.9", in_port="outside",
                          timestamp=G.iso(G.us_of(flood[passed.index(False)][1])))
        self.assertEqual(self.kinds(r), ["arp-rate", "arp-rate"])


# ================================================================ ICMP

NO_CT = {"enabled": False}


class IcmpGuard(GuardCase):
    def test_default_types(self):
        tl = G.Timeline()
        ok, bad, redirect = [], [], []
        for t in (0, 3, 8, 11, 12):
            ok += tl.add(G.icmp4("outside", "198.51.100.1", SERVER, t))
        for t in (13, 14, 15, 17, 9, 10, 30):
            bad += tl.add(G.icmp4("outside", "198.51.100.2", SERVER, t))
        redirect += tl.add(G.icmp4("outside", "198.51.100.3", SERVER, 5, code=1))
        v6ok = []
        for t in (1, 2, 3, 4, 128, 129, 130, 131, 132, 143):
            v6ok += tl.add(G.fix_icmp6_checksums(G.icmp6_type("outside", "2001:db8::1", SERVER6, t)))
        v6ok += tl.add(G.ns("outside", "fe80::1", SERVER6, G.MAC_OUT))
        v6ok += tl.add(G.na("inside", SERVER6, "fe80::1", SERVER6, G.MAC_IN))
        v6bad = []
        for t in (139, 140, 200, 100):
            v6bad += tl.add(G.fix_icmp6_checksums(G.icmp6_type("outside", "2001:db8::2", SERVER6, t)))
        redirect += tl.add(G.redirect6("outside", "fe80::1", SERVER6, "fe80::2", "2001:db8::9"))
        r = self.run_replay(tl, config({"icmp": {}}, conntrack=NO_CT))
        self.assertPassed(r, ok + v6ok)
        self.assertDrops(r, outside={"icmp-type": len(bad) + len(v6bad) + len(redirect)})
        self.assertEqual(r.report["guards"]["events"],
                         {"icmp-type": len(bad) + len(v6bad), "icmp-redirect": 2})
        first = self.events(r, "icmp-type", src_ip="198.51.100.2")[0]
        self.assertFields(first, dest_ip=SERVER, proto=1, icmp_type=13, icmp_code=0,
                          in_port="outside", count=1, timestamp=G.iso(G.us_of(bad[0][1])))
        self.assertFields(self.events(r, "icmp-type", src_ip="2001:db8::2")[0],
                          proto=58, icmp_type=139, count=1)
        self.assertFields(self.events(r, "icmp-redirect", src_ip="198.51.100.3")[0],
                          proto=1, icmp_type=5, icmp_code=1, dest_ip=SERVER)
        self.assertFields(self.events(r, "icmp-redirect", src_ip="fe80::1")[0],
                          proto=58, icmp_type=137)

    def test_allow_lists_and_redirects_setting(self):
        tl = G.Timeline()
        echo = tl.add(G.icmp4("outside", "198.51.100.1", SERVER, 8))
        reply = tl.add(G.icmp4("outside", "198.51.100.1", SERVER, 0))
        ts = tl.add(G.icmp4("outside", "198.51.100.1", SERVER, 13))
        redirect = tl.add(G.icmp4("outside", "198.51.100.1", SERVER, 5))
        e6 = tl.add(G.echo6("outside", "2001:db8::1", SERVER6))
        u6 = tl.add(G.fix_icmp6_checksums(G.icmp6_type("outside", "2001:db8::1", SERVER6, 1)))
        r6 = tl.add(G.redirect6("outside", "fe80::1", SERVER6, "fe80::2", "2001:db8::9"))
        cfg = {"icmp": {"allow": ["echo-request", 13], "allow6": ["echo-request"],
                        "redirects": True}}
        r = self.run_replay(tl, config(cfg, conntrack=NO_CT))
        self.assertPassed(r, echo + ts + redirect + e6 + r6)
        self.assertDrops(r, outside={"icmp-type": 2})
        self.assertEqual(r.report["guards"]["events"], {"icmp-type": 2})
        del reply, u6

    def test_size_fragments_broadcast(self):
        tl = G.Timeline()
        ok = tl.add(G.with_ip_len("outside", "198.51.100.1", SERVER, 1000))
        ok += tl.add(G.with_ip_len("outside", "2001:db8::1", SERVER6, 1000, v6=True))
        big = tl.add(G.with_ip_len("outside", "198.51.100.1", SERVER, 1001))
        big += tl.add(G.with_ip_len("outside", "2001:db8::1", SERVER6, 1001, v6=True))
        frag = tl.add(G.fragments4("outside", "198.51.100.2", SERVER))
        frag += tl.add(G.fragment6("outside", "2001:db8::2", SERVER6))
        bcast = tl.add(G.icmp4("outside", "198.51.100.3", "255.255.255.255", 8, eth_dst=G.BCAST))
        bcast += tl.add(G.icmp4("outside", "198.51.100.3", "192.168.1.255", 8, eth_dst=G.BCAST))
        bcast += tl.add(G.icmp4("outside", "198.51.100.3", "224.0.0.1", 8,
                                eth_dst="01:00:5e:00:00:01"))
        bcast += tl.add(G.icmp4("outside", "198.51.100.3", "255.255.255.255", 8))  # unicast MAC
        bcast += tl.add(G.icmp4("outside", "198.51.100.3", "239.1.2.3", 8))
        bcast += tl.add(G.echo6("outside", "2001:db8::3", "ff02::1", eth_dst="33:33:00:00:00:01"))
        bcast += tl.add(G.echo6("outside", "2001:db8::3", "ff05::2"))
        # not echo requests: multicast is their business
        ok += tl.add(G.ns("outside", "fe80::1", SERVER6, G.MAC_OUT))
        ok += tl.add(G.icmp4("outside", "198.51.100.3", "224.0.0.1", 0,
                             eth_dst="01:00:5e:00:00:01"))
        r = self.run_replay(tl, config({"icmp": {"max_size": 1000}}, conntrack=NO_CT))
        self.assertPassed(r, ok)
        self.assertDrops(r, outside={"icmp-size": 2, "icmp-fragment": 3,
                                     "icmp-broadcast": len(bcast)})
        self.assertEqual(r.report["guards"]["events"],
                         {"icmp-size": 2, "icmp-fragment": 3, "icmp-broadcast": len(bcast)})
        self.assertFields(self.events(r, "icmp-size", src_ip="198.51.100.1")[0],
                          dest_ip=SERVER, proto=1, icmp_type=8, count=1,
                          timestamp=G.iso(G.us_of(big[0][1])))
        self.assertFields(self.events(r, "icmp-fragment", src_ip="198.51.100.2")[0],
                          dest_ip=SERVER, count=1, timestamp=G.iso(G.us_of(frag[0][1])))
        self.assertFields(self.events(r, "icmp-broadcast", src_ip="198.51.100.3")[0],
                          dest_ip="255.255.255.255", icmp_type=8, count=1)
        self.assertFields(self.events(r, "icmp-broadcast", src_ip="2001:db8::3")[0],
                          dest_ip="ff02::1", proto=58, icmp_type=128)

    def test_rate_per_source_spares_ndp(self):
        tl = G.Timeline()
        flood, other, ndp = [], [], []
        for i in range(40):
            flood += tl.add(G.echo6("outside", "2001:db8::66", SERVER6, seq=i))
            if i % 10 == 0:
                other += tl.add(G.icmp4("outside", "198.51.100.1", SERVER, 8))
                other += tl.add(G.echo6("outside", "2001:db8::1", SERVER6, seq=i))
        # the flooding host's neighbour discovery still works
        ndp += tl.add(G.ns("outside", "2001:db8::66", SERVER6, G.MAC_OUT))
        ndp += tl.add(G.na("outside", "2001:db8::66", SERVER6, "2001:db8::66", G.MAC_OUT))
        tl.wait(0.55)
        for i in range(10):
            flood += tl.add(G.echo6("outside", "2001:db8::66", SERVER6, seq=100 + i))
        passed, margin = bucket([G.us_of(p) for _, p in flood], 10, 20)
        self.assertGreater(margin, 0.01)
        r = self.run_replay(tl, config({"icmp": {"rate": 10, "burst": 20}}, conntrack=NO_CT))
        ok = [e for e, p in zip(flood, passed) if p]
        self.assertEqual(len(ok), 20 + 6)
        self.assertPassed(r, ok + other + ndp)
        dropped = len(flood) - len(ok)
        self.assertDrops(r, outside={"icmp-rate": dropped})
        ev = self.events(r, "icmp-rate")
        self.assertEqual([e["count"] for e in ev], [1, dropped - 1])
        self.assertFields(ev[0], src_ip="2001:db8::66", dest_ip=SERVER6, proto=58,
                          icmp_type=128, in_port="outside",
                          timestamp=G.iso(G.us_of(flood[20][1])))

    def test_disabled_or_absent_guard_changes_nothing(self):
        tl = G.Timeline()
        ev = tl.add(G.icmp4("outside", "198.51.100.1", SERVER, 5))
        ev += tl.add(G.icmp4("outside", "198.51.100.1", "255.255.255.255", 8, eth_dst=G.BCAST))
        ev += tl.add(G.with_ip_len("outside", "198.51.100.1", SERVER, 3000))
        for cfg in ({"icmp": {"enabled": False, "max_size": 100}}, {}):
            r = self.run_replay(tl, config(cfg, conntrack=NO_CT))
            self.assertPassed(r, ev)
            self.assertDrops(r)
            self.assertEqual(r.events, [])


# ================================================================ block lists

class BlockLists(GuardCase):
    SETS = {"bad": ["203.0.113.7", "198.51.100.0/24", "2001:db8:bad::/48", "2001:db8::99"],
            "more": ["192.0.2.1"]}

    def test_exact_and_prefix_both_families_source_or_destination(self):
        tl = G.Timeline()
        blocked, ok = [], []
        blocked += tl.add(G.udp("203.0.113.7", SERVER, 4000, 53))
        ok += tl.add(G.udp("203.0.113.8", SERVER, 4000, 53))
        blocked += tl.add(G.udp("198.51.100.200", SERVER, 4001, 53))
        ok += tl.add(G.udp("198.51.101.1", SERVER, 4001, 53))
        blocked += tl.add(G.udp(SERVER, "192.0.2.1", 5000, 443, port="inside"))   # destination
        ok += tl.add(G.udp(SERVER, "192.0.2.2", 5000, 443, port="inside"))
        blocked += tl.add(G.udp("2001:db8:bad:1::1", SERVER6, 4002, 53))
        ok += tl.add(G.udp("2001:db8:bae::1", SERVER6, 4002, 53))
        blocked += tl.add(G.udp(SERVER6, "2001:db8::99", 5001, 53, port="inside"))
        ok += tl.add(G.udp(SERVER6, "2001:db8::98", 5001, 53, port="inside"))
        ok += tl.add(G.icmp4("outside", "203.0.113.9", SERVER, 8))
        blocked += tl.add(G.icmp4("outside", "203.0.113.7", SERVER, 8))
        blocked += tl.add(G.syn("198.51.100.1", SERVER, 4003, 22))
        r = self.run_replay(tl, config({"blocklist": {"sets": self.SETS}}))
        self.assertPassed(r, ok)
        self.assertDrops(r, outside={"blocklist": 5}, inside={"blocklist": 2})
        self.assertEqual(r.report["guards"]["blocklists"], {"bad": 4, "more": 1})
        self.assertEqual(r.report["guards"]["events"], {"blocklist-hit": 7})
        hit = self.events(r, "blocklist-hit", src_ip="203.0.113.7")
        self.assertEqual([e["count"] for e in hit], [1, 1])   # one, one repeat
        self.assertFields(hit[0], dest_ip=SERVER, proto=17, src_port=4000, dest_port=53,
                          in_port="outside", timestamp=G.iso(G.us_of(blocked[0][1])))
        self.assertFields(self.events(r, "blocklist-hit", dest_ip="192.0.2.1")[0],
                          src_ip=SERVER, in_port="inside", count=1)
        self.assertFields(self.events(r, "blocklist-hit", src_ip="2001:db8:bad:1::1")[0],
                          dest_ip=SERVER6, proto=17, count=1)
        # nothing of what was dropped made a connection
        self.assertEqual(r.report["conntrack"]["created"], len(ok))

    def test_a_listed_peer_cuts_an_established_connection(self):
        # block lists are not connection tracking: both directions of a
        # connection to a listed address go
        tl = G.Timeline()
        tl.add(G.tcp_session(CLIENT, SERVER, 40000, 22))
        r = self.run_replay(tl, config({"blocklist": {"sets": {"x": [CLIENT]}}}))
        self.assertPassed(r, [])
        self.assertDrops(r, outside={"blocklist": 6}, inside={"blocklist": 4})
        self.assertEqual(r.report["guards"]["events"], {"blocklist-hit": 10})

    def test_entries_with_ttl_expire_on_capture_time(self):
        tl = G.Timeline()
        sets = {"tmp": [{"addr": "203.0.113.9", "ttl": 60},
                        {"addr": "2001:db8:9::/48", "ttl": 60}],
                "perm": ["203.0.113.10"]}
        early = tl.add(G.udp("203.0.113.9", SERVER, 4000, 53))
        early += tl.add(G.udp("2001:db8:9::1", SERVER6, 4000, 53))
        early += tl.add(G.udp("203.0.113.10", SERVER, 4000, 53))
        tl.wait(30)
        mid = tl.add(G.udp("203.0.113.9", SERVER, 4001, 53))
        tl.wait(31)
        late = tl.add(G.udp("203.0.113.9", SERVER, 4002, 53))
        late += tl.add(G.udp("2001:db8:9::1", SERVER6, 4002, 53))
        perm = tl.add(G.udp("203.0.113.10", SERVER, 4002, 53))
        r = self.run_replay(tl, config({"blocklist": {"sets": sets}}))
        self.assertFate(r, early=(early[:1], False), early6=(early[1:2], False),
                        perm_early=(early[2:], False), at_30s=(mid, False),
                        at_61s=(late[:1], True), at_61s_v6=(late[1:], True),
                        perm_at_61s=(perm, False))
        self.assertPassed(r, late)
        self.assertDrops(r, outside={"blocklist": len(early + mid + perm)})
        self.assertEqual(r.report["guards"]["blocklists"], {"tmp": 0, "perm": 1})
        del mid

    def test_disabled_block_lists_block_nothing(self):
        tl = G.Timeline()
        ev = tl.add(G.udp("203.0.113.7", SERVER, 4000, 53))
        r = self.run_replay(tl, config({"blocklist": {"enabled": False, "sets": self.SETS}}))
        self.assertPassed(r, ev)
        self.assertDrops(r)
        self.assertEqual(r.events, [])


# ================================================================ detectors

SCAN = {"ports": 10, "hosts": 10, "window_ms": 5000, "block_ttl": 600}
SCANNER, SCANNER6 = "203.0.113.66", "2001:db8:66::1"


class Scans(GuardCase):
    def test_port_scan_blocks_the_source_others_pass(self):
        tl = G.Timeline(step_us=10_000)
        sweep = tl.add(G.port_sweep(SCANNER, SERVER, range(20, 35)))
        sweep6 = tl.add(G.port_sweep(SCANNER6, SERVER6, range(1000, 1015)))
        normal = tl.add(G.tcp_session(CLIENT, SERVER, 40000, 22))
        normal += tl.add(G.tcp_session("2001:db8::5", SERVER6, 40001, 443))
        r = self.run_replay(tl, config({"scan": SCAN, "blocklist": {}}))
        dropped = self.assertBlockedAfter(r, sweep, 10)
        dropped6 = self.assertBlockedAfter(r, sweep6, 10)
        self.assertGreaterEqual(dropped, 5)
        self.assertEqual([f for f in r.outputs["inside"] if f in G.frames(normal, "outside")],
                         G.frames(normal, "outside"))
        self.assertEqual(r.outputs["outside"], G.frames(normal, "inside"))
        self.assertDrops(r, outside={"blocklist": dropped + dropped6})
        for src, dst, ports in ((SCANNER, SERVER, sweep), (SCANNER6, SERVER6, sweep6)):
            ev = self.events(r, src_ip=src)
            kinds = [e["event"] for e in ev]
            self.assertEqual(kinds[:2], ["port-scan", "auto-block"], kinds)
            self.assertEqual(set(kinds[2:]), {"blocklist-hit"}, kinds)
            scan, block = ev[:2]
            self.assertFields(scan, dest_ip=dst, proto=6, dest_port=ports[9][1][TCP].dport,
                              block_ttl=600, in_port="outside", count=1,
                              timestamp=G.iso(G.us_of(ports[9][1])))
            self.assertFields(block, block_ttl=600, count=1)
            self.assertEqual(sum(e["count"] for e in ev[2:]), len(ports) - 9 - (
                1 if G.frames(ports, "outside")[9] in r.outputs["inside"] else 0))
        self.assertNotIn("host-scan", self.kinds(r))
        g = r.report["guards"]
        self.assertEqual(g["auto_blocks"], 2)
        self.assertEqual(sum(g["blocklists"].values()), 2)

    def test_refused_attempts_count(self):
        # a scanner mostly hits closed ports: default-closed drops every
        # SYN, the scan is seen all the same
        tl = G.Timeline(step_us=10_000)
        sweep = tl.add(G.port_sweep(SCANNER, SERVER, range(23, 38)))
        ssh = tl.add(G.tcp_session(CLIENT, SERVER, 40000, 22))
        sg = {"name": "servers", "bridge": "br0", "rules": ["tcp dport 22 accept"]}
        r = self.run_replay(tl, config({"scan": SCAN, "blocklist": {}}, protected="inside",
                                       security_groups=[sg]))
        self.assertPassed(r, ssh)
        self.assertDrops(r, outside={"policy-drop": 10, "blocklist": 5})
        self.assertEqual(self.kinds(r)[:2], ["port-scan", "auto-block"])
        self.assertFields(r.events[0], src_ip=SCANNER, dest_port=32,
                          timestamp=G.iso(G.us_of(sweep[9][1])))

    def test_defaults(self):
        # an empty object turns the guard on with working thresholds: a
        # sweep of 1000 ports in 2 s is a scan by any default
        tl = G.Timeline()
        sweep = tl.add(G.port_sweep(SCANNER, SERVER, range(1000, 2000), sport=10000))
        r = self.run_replay(tl, config({"scan": {}, "blocklist": {}}))
        self.assertEqual(self.kinds(r)[:2], ["port-scan", "auto-block"])
        self.assertFields(r.events[0], src_ip=SCANNER, dest_ip=SERVER)
        self.assertGreater(r.events[0].get("block_ttl", 0), 0)
        n = [G.iso(G.us_of(p)) for _, p in sweep].index(r.events[0]["timestamp"]) + 1
        self.assertLess(n, 1000)
        self.assertBlockedAfter(r, sweep, n)

    def test_below_threshold_and_slow_scans_pass(self):
        tl = G.Timeline(step_us=10_000)
        quick = tl.add(G.port_sweep(SCANNER, SERVER, range(20, 29)))           # 9 ports
        hosts = tl.add(G.host_sweep("203.0.113.67", ["192.168.1.%d" % i for i in range(20, 29)]))
        slow = []
        for i in range(15):                   # 15 ports, one every 1.2 s: 5 a window
            slow += tl.add(G.syn("203.0.113.68", SERVER, 52000 + i, 100 + i))
            tl.wait(1.2)
        r = self.run_replay(tl, config({"scan": SCAN, "blocklist": {}}))
        self.assertPassed(r, quick + hosts + slow)
        self.assertDrops(r)
        self.assertEqual(r.events, [])

    def test_host_scan(self):
        tl = G.Timeline(step_us=10_000)
        hosts = ["192.168.1.%d" % i for i in range(20, 35)]
        sweep = tl.add(G.host_sweep(SCANNER, hosts, dport=3389))
        normal = tl.add(G.tcp_session(CLIENT, SERVER, 40000, 22))
        r = self.run_replay(tl, config({"scan": SCAN, "blocklist": {}}))
        dropped = self.assertBlockedAfter(r, sweep, 10)
        self.assertDrops(r, outside={"blocklist": dropped})
        kinds = [e["event"] for e in self.events(r, src_ip=SCANNER)]
        self.assertEqual(kinds[:2], ["host-scan", "auto-block"], kinds)
        self.assertNotIn("port-scan", kinds)
        self.assertFields(self.events(r, "host-scan")[0], src_ip=SCANNER, dest_ip=hosts[9],
                          dest_port=3389, block_ttl=600,
                          timestamp=G.iso(G.us_of(sweep[9][1])))
        self.assertEqual(r.outputs["outside"], G.frames(normal, "inside"))

    def test_stealth_probes(self):
        tl = G.Timeline(step_us=10_000)
        probes = tl.add(G.probe_flags(SCANNER, SERVER, 53000, 22, "F"))
        probes += tl.add(G.probe_flags(SCANNER, SERVER, 53001, 23, ""))
        probes += tl.add(G.probe_flags(SCANNER, SERVER, 53002, 25, "FPU"))
        # a FIN that closes a connection is no probe
        normal = tl.add(G.tcp_session(CLIENT, SERVER, 40000, 22))
        r = self.run_replay(tl, config({"scan": SCAN, "blocklist": {}}))
        self.assertPassed(r, normal)
        self.assertDrops(r, outside={"ct-invalid": 3})
        ev = self.events(r, "stealth-scan")
        self.assertGreaterEqual(len(ev), 1)
        self.assertEqual({e["src_ip"] for e in ev}, {SCANNER})
        self.assertFields(ev[0], dest_ip=SERVER, proto=6, dest_port=22, in_port="outside",
                          timestamp=G.iso(G.us_of(probes[0][1])))
        self.assertEqual(self.events(r, src_ip=CLIENT), [])

    def test_never_block(self):
        tl = G.Timeline(step_us=10_000)
        sweep = tl.add(G.port_sweep(SCANNER, SERVER, range(20, 35)))
        r = self.run_replay(tl, config({"scan": SCAN, "blocklist": {
            "never_block": ["203.0.113.0/24"]}}))
        self.assertPassed(r, sweep)
        self.assertDrops(r)
        self.assertEqual(self.kinds(r), ["port-scan", "never-block"])
        self.assertFields(r.events[1], src_ip=SCANNER, count=1)
        self.assertEqual(r.report["guards"]["auto_blocks"], 0)


class TooFast(GuardCase):
    RATE = {"new_per_s": 5, "burst": 10, "block_ttl": 300}

    def fast(self, tl):
        fast, normal = [], []
        for i in range(20):
            fast += tl.add(G.syn("203.0.113.70", SERVER, 30000 + i, 80))
            if i % 5 == 0:
                normal += tl.add(G.udp(CLIENT, SERVER, 41000 + i, 53))
        return fast, normal

    def test_fast_source_is_blocked_others_pass(self):
        tl = G.Timeline(step_us=10_000)
        fast, normal = self.fast(tl)
        passed, _ = bucket([G.us_of(p) for _, p in fast], 5, 10)
        first_over = passed.index(False)        # the 11th
        self.assertEqual(first_over, 10)
        self.assertGreater(bucket([G.us_of(p) for _, p in fast[:first_over + 1]], 5, 10)[1],
                           0.01)
        r = self.run_replay(tl, config({"rate": self.RATE, "blocklist": {}}))
        # what the bucket let through passed; the one that ran it dry may
        # have, nothing after it did
        dropped = self.assertBlockedAfter(r, fast, first_over + 1)
        self.assertEqual([f for f in r.outputs["inside"] if f in G.frames(normal)],
                         G.frames(normal))
        self.assertDrops(r, outside={"blocklist": dropped})
        kinds = [e["event"] for e in self.events(r, src_ip="203.0.113.70")]
        self.assertEqual(kinds[:2], ["too-fast", "auto-block"], kinds)
        self.assertEqual(set(kinds[2:]), {"blocklist-hit"}, kinds)
        self.assertFields(self.events(r, "too-fast")[0], dest_ip=SERVER, dest_port=80,
                          proto=6, block_ttl=300, in_port="outside",
                          timestamp=G.iso(G.us_of(fast[first_over][1])))
        self.assertFields(self.events(r, "auto-block")[0], block_ttl=300)
        self.assertEqual(r.report["guards"]["auto_blocks"], 1)
        self.assertEqual(sum(r.report["guards"]["blocklists"].values()), 1)
        self.assertEqual(self.events(r, src_ip=CLIENT), [])

    def test_block_ends_after_its_ttl(self):
        tl = G.Timeline(step_us=10_000)
        fast, _ = self.fast(tl)
        tl.wait(100)
        still = tl.add(G.syn("203.0.113.70", SERVER, 31000, 80))
        tl.wait(201)                 # 300 s after the block
        again = tl.add(G.syn("203.0.113.70", SERVER, 31001, 80))
        tl.wait(1)
        more = tl.add(G.syn("203.0.113.70", SERVER, 31002, 80))
        r = self.run_replay(tl, config({"rate": self.RATE, "blocklist": {}}))
        self.assertEqual(r.report["guards"]["auto_blocks"], 1)
        self.assertFate(r, at_100s=(still, False), at_301s=(again, True),
                        at_302s=(more, True))
        # expired by the end of the capture
        self.assertEqual(sum(r.report["guards"]["blocklists"].values()), 0)


SYNFLOOD = {"syn_per_s": 50, "dst_syn_per_s": 100000, "half_open": 100000,
            "source_syn_per_s": 2, "source_burst": 5, "quiet_s": 2}
FLOODERS = ["203.0.113.%d" % i for i in (1, 2, 3)]


class SynFlood(GuardCase):
    def test_flood_limits_each_source_established_connections_pass(self):
        tl = G.Timeline()
        est = tl.at(0.0, G.handshake(CLIENT, SERVER, 40000, 22))
        flood = []
        for i in range(375):                         # 1.5 s, 250 SYNs a second
            flood += tl.at(0.1 + i * 0.004, G.syn(FLOODERS[i % 3], SERVER, 20000 + i, 80))
        # the established connection talks during the flood
        talk, sent = [], 0
        for k in range(10):
            talk += tl.at(0.201 + k * 0.1, G.data(CLIENT, SERVER, 40000, 22, b"ping%02d" % k,
                                                  sent_c=sent))
            talk += tl.at(0.203 + k * 0.1, G.data(CLIENT, SERVER, 40000, 22, b"pong%02d" % k,
                                                  from_client=False, sent_c=sent + 6,
                                                  sent_s=6 * k))
            sent += 6
        newcomer = tl.at(0.801, G.handshake("10.9.8.7", SERVER, 45000, 443))
        # afterwards, something keeps the clock moving
        tick = []
        for k in range(20):
            tick += tl.at(1.7 + k * 0.25, G.udp(CLIENT, SERVER, 42000 + k, 53))
        after = tl.at(6.201, G.syn(FLOODERS[0], SERVER, 29999, 80))
        r = self.run_replay(tl, config({"synflood": SYNFLOOD}))

        syns = sorted([G.us_of(p) for _, p in est[:1] + flood])
        ev = self.events(r, "syn-flood")
        self.assertEqual(len(ev), 1, self.kinds(r))
        start = ev[0]["timestamp"]
        # the 51st SYN of the second started it, at the latest the second's end
        self.assertGreaterEqual(start, G.iso(syns[50]))
        self.assertLessEqual(start, G.iso(G.START_US + 1_000_000 + 4000))
        out = r.outputs["inside"]
        limited = 0
        for src in FLOODERS:
            mine = [(port, p) for port, p in flood if p[IP].src == src]
            after_start = [f for port, p in mine if G.iso(G.us_of(p)) >= start
                           for f in [bytes(p)] if f in out]
            # burst + rate x the rest of the flood (< 1.3 s) at most
            self.assertLessEqual(len(after_start), 5 + 3, src)
            lost = len([1 for _, p in mine if bytes(p) not in out])
            self.assertGreater(lost, 0, src)
            limited += lost
            lim = self.events(r, "syn-limit", src_ip=src)
            self.assertEqual(lim[0]["count"], 1)
            self.assertEqual(sum(e["count"] for e in lim), lost)
            self.assertFields(lim[0], dest_ip=SERVER, proto=6, dest_port=80, in_port="outside")
        self.assertGreaterEqual(limited, 200)
        self.assertDrops(r, outside={"syn-limit": limited})
        # established and unflooding sources are not touched
        for f in G.frames(est + talk + newcomer + tick + after, "outside"):
            self.assertIn(f, out)
        self.assertEqual(r.outputs["outside"], G.frames(est + talk + newcomer, "inside"))
        end = self.events(r, "syn-flood-end")
        self.assertEqual(len(end), 1, self.kinds(r))
        last_flood = G.us_of(flood[-1][1])
        self.assertGreaterEqual(end[0]["timestamp"], G.iso(last_flood + 2_000_000))
        self.assertLessEqual(end[0]["timestamp"], G.iso(last_flood + 4_000_000))
        self.assertLess(end[0]["timestamp"], G.iso(G.us_of(after[0][1])))
        # events, not a flood of them
        self.assertLessEqual(len(r.events), 2 + 2 * len(FLOODERS))

    def test_flood_on_one_target(self):
        tl = G.Timeline()
        cfg = dict(SYNFLOOD, syn_per_s=100000, dst_syn_per_s=30)
        many = tl.add([e for i in range(40)
                         for e in G.syn(G.spoofed(i), SERVER, 20000 + i, 80)], step_us=5000)
        one = tl.add([e for i in range(12)
                      for e in G.syn("203.0.113.9", "192.168.1.20", 21000 + i, 22)],
                     step_us=10_000)
        r = self.run_replay(tl, config({"synflood": cfg}))
        out = r.outputs["inside"]
        for f in G.frames(many):
            self.assertIn(f, out)        # one SYN each: within every limit
        ev = self.events(r, "syn-flood-target")
        self.assertEqual(len(ev), 1, self.kinds(r))
        self.assertFields(ev[0], dest_ip=SERVER, timestamp=G.iso(G.us_of(many[30][1])))
        passed = [f for f in G.frames(one) if f in out]
        self.assertEqual(passed, G.frames(one)[:len(passed)])
        self.assertLessEqual(len(passed), 6)
        self.assertGreaterEqual(len(passed), 5)
        self.assertDrops(r, outside={"syn-limit": len(one) - len(passed)})

    def test_half_open_connections(self):
        tl = G.Timeline()
        cfg = dict(SYNFLOOD, syn_per_s=100000, half_open=20, source_burst=200,
                   source_syn_per_s=100)
        syns = tl.add([e for i in range(30)
                       for e in G.syn(G.spoofed(i), SERVER, 20000 + i, 80)], step_us=50_000)
        r = self.run_replay(tl, config({"synflood": cfg}))
        self.assertPassed(r, syns)
        ev = self.events(r, "syn-flood")
        self.assertEqual(len(ev), 1, self.kinds(r))
        self.assertGreaterEqual(ev[0]["timestamp"], G.iso(G.us_of(syns[20][1])))
        self.assertLessEqual(ev[0]["timestamp"], G.iso(G.us_of(syns[21][1])))
        self.assertEqual(r.report["conntrack"]["by_state"]["syn-sent"], 30)


# ================================================================ HTTP / TLS

def split(stamped):
    """A handshake and the request after it, as stamped."""
    return stamped[:3], stamped[3:4]


HTTP = {"ports": [80, 8080], "tls_ports": [443],
        "hosts": ["blocked.example", ".bad.example"], "urls": ["ok.example/ads/"]}


class HttpTls(GuardCase):
    def assertResets(self, r, req, back_port, fwd_port, back_index=-1, fwd_index=-1):
        """The client hears the server's RST; the server hears a RST+ACK in
        the client's name, with the request's sequence numbers."""
        back = r.outputs[back_port][back_index]
        self.assertEqual(back, bytes(G.reset_back(req)))
        fwd = Ether(r.outputs[fwd_port][fwd_index])
        ip = IPv6 if IPv6 in req else IP
        self.assertEqual((fwd.src, fwd.dst), (req[Ether].src, req[Ether].dst))
        self.assertEqual((fwd[ip].src, fwd[ip].dst), (req[ip].src, req[ip].dst))
        t = fwd[TCP]
        self.assertEqual((t.sport, t.dport, str(t.flags), t.seq, t.ack),
                         (req[TCP].sport, req[TCP].dport, "RA", req[TCP].seq, req[TCP].ack))
        self.assertEqual(bytes(t.payload), b"")
        # checksums as they should be
        again = Ether(r.outputs[fwd_port][fwd_index])
        del again[TCP].chksum
        if ip is IP:
            del again[IP].chksum
            del again[IP].len
        else:
            del again[IPv6].plen
        self.assertEqual(bytes(again)[:len(bytes(fwd))], bytes(fwd))
        return back, fwd

    def test_blocked_host_resets_both_ends(self):
        tl = G.Timeline()
        hs, req, rest = G.request_flow(CLIENT, SERVER, 42000, 80, G.http_get("blocked.example"))
        hs, req = split(tl.add(hs + req))
        # the client goes on regardless: the flow is dropped from now on
        tl.add(G.data(CLIENT, SERVER, 42000, 80, b"more", sent_c=len(req[0][1][TCP].payload)))
        late = tl.add(rest)
        r = self.run_replay(tl, config({"http": HTTP}))
        self.assertPassed(r, hs, extra_in=(2,), extra_out=(1,))
        self.assertEqual(len(r.outputs["inside"]), 3)
        self.assertEqual(len(r.outputs["outside"]), 2)
        self.assertResets(r, req[0][1], "outside", "inside")
        n_in = len([1 for port, _ in late if port == "inside"])
        self.assertDrops(r, outside={"http-block": 1 + 1 + len(late) - n_in},
                         inside={"http-block": n_in})
        ev = self.events(r, "http-block")
        self.assertEqual(ev[0]["count"], 1)
        self.assertFields(ev[0], src_ip=CLIENT, dest_ip=SERVER, proto=6, src_port=42000,
                          dest_port=80, in_port="outside", detail="blocked.example",
                          category="http", timestamp=G.iso(G.us_of(req[0][1])))
        self.assertEqual(self.kinds(r), ["http-block"])
        o, i = r.report["ports"]["outside"], r.report["ports"]["inside"]
        self.assertEqual(o["tx_packets"], 2)   # SYN-ACK, RST
        self.assertEqual(i["tx_packets"], 3)   # SYN, ACK, RST+ACK
        self.assertEqual(o["forwarded_packets"], 2)

    def test_host_patterns(self):
        tl = G.Timeline()
        cases = [("www.bad.example", True, "www.bad.example"),
                 ("a.b.bad.example", True, "a.b.bad.example"),
                 ("notbad.example", False, None),
                 ("blocked.example.com", False, None),
                 ("sub.blocked.example", False, None),
                 ("ok.example", False, None)]
        blocked, passed = [], []
        for i, (host, hit, detail) in enumerate(cases):
            # a client each: events of one kind from one source aggregate
            hs, req, rest = G.request_flow("10.1.2.%d" % (10 + i), SERVER, 43000 + i, 8080,
                                           G.http_get(host))
            if hit:
                stamped = tl.add(hs + req)
                passed += stamped[:3]
                blocked.append((stamped[3], detail))
            else:
                passed += tl.add(hs + req + rest)
        # port 8081 is not looked at
        passed += tl.add(sum(G.request_flow(CLIENT, SERVER, 43100, 8081,
                                            G.http_get("blocked.example")), []))
        r = self.run_replay(tl, config({"http": HTTP}))
        for f in G.frames(passed, "outside"):
            self.assertIn(f, r.outputs["inside"])
        for f in G.frames(passed, "inside"):
            self.assertIn(f, r.outputs["outside"])
        self.assertDrops(r, outside={"http-block": len(blocked)})
        ev = self.events(r, "http-block")
        self.assertEqual(sorted(e["detail"] for e in ev), sorted(d for _, d in blocked))
        self.assertEqual(r.report["guards"]["events"], {"http-block": len(blocked)})
        self.assertEqual(len(r.outputs["outside"]), len(G.frames(passed, "inside")) + len(blocked))

    def test_url_prefix(self):
        tl = G.Timeline()
        hs, req, rest = G.request_flow(CLIENT, SERVER, 44000, 80, G.http_get("ok.example",
                                                                             "/ads/banner.png"))
        hs, req = split(tl.add(hs + req))
        fine = tl.add(sum(G.request_flow(CLIENT, SERVER, 44001, 80,
                                         G.http_get("ok.example", "/news/ads/")), []))
        fine += tl.add(sum(G.request_flow(CLIENT, SERVER, 44002, 80,
                                          G.http_get("other.example", "/ads/")), []))
        r = self.run_replay(tl, config({"http": HTTP}))
        self.assertPassed(r, hs + fine, extra_in=(2,), extra_out=(1,))
        self.assertResets(r, req[0][1], "outside", "inside", back_index=1, fwd_index=2)
        self.assertDrops(r, outside={"http-block": 1})
        self.assertFields(self.events(r, "http-block")[0], detail="ok.example/ads/banner.png",
                          dest_port=80, src_port=44000)

    def test_only_the_first_request_is_inspected(self):
        tl = G.Timeline()
        first = G.http_get("ok.example", "/")
        hs, req, _ = G.request_flow(CLIENT, SERVER, 44500, 80, first)
        ev = tl.add(hs + req)   # stamped copies
        ev += tl.add(G.data(CLIENT, SERVER, 44500, 80, G.http_get("blocked.example"),
                            sent_c=len(first)))
        r = self.run_replay(tl, config({"http": HTTP}))
        self.assertPassed(r, ev)
        self.assertDrops(r)

    def test_tls_sni(self):
        tl = G.Timeline()
        hs, req, rest = G.request_flow(CLIENT, SERVER, 45000, 443, G.client_hello("www.bad.example"),
                                       response=b"\x16\x03\x03\x00\x04\x02\x00\x00\x00")
        hs, req = split(tl.add(hs + req))
        late = tl.add(rest)
        fine = tl.add(sum(G.request_flow(CLIENT, SERVER, 45001, 443, G.client_hello("good.example"),
                                         response=b"\x16\x03\x03\x00\x04\x02\x00\x00\x00"), []))
        r = self.run_replay(tl, config({"http": HTTP}))
        self.assertPassed(r, hs + fine, extra_in=(2,), extra_out=(1,))
        self.assertResets(r, req[0][1], "outside", "inside", back_index=1, fwd_index=2)
        n_in = len([1 for port, _ in late if port == "inside"])
        self.assertDrops(r, outside={"tls-block": 1 + len(late) - n_in},
                         inside={"tls-block": n_in})
        self.assertEqual(self.kinds(r), ["tls-block"])
        self.assertFields(r.events[0], src_ip=CLIENT, dest_ip=SERVER, dest_port=443, proto=6,
                          detail="www.bad.example", category="tls",
                          timestamp=G.iso(G.us_of(req[0][1])))

    def test_ipv6_client_on_the_inside(self):
        tl = G.Timeline()
        hs, req, rest = G.request_flow(SERVER6, "2001:db8::80", 46000, 80,
                                       G.http_get("blocked.example"), client_port="inside")
        hs, req = split(tl.add(hs + req))
        r = self.run_replay(tl, config({"http": HTTP}))
        self.assertPassed(r, hs, extra_out=(2,), extra_in=(1,))
        self.assertResets(r, req[0][1], "inside", "outside")
        self.assertDrops(r, inside={"http-block": 1})
        self.assertFields(self.events(r, "http-block")[0], src_ip=SERVER6,
                          dest_ip="2001:db8::80", in_port="inside", detail="blocked.example")


# ================================================================ events

class Aggregation(GuardCase):
    def test_a_flood_makes_two_events_per_source_and_window(self):
        tl = G.Timeline()
        one = G.icmp4("outside", "198.51.100.1", SERVER, 13)
        tl.add(one * 2000, step_us=250)           # 0.5 s
        tl.add(G.icmp4("outside", "198.51.100.2", SERVER, 13) * 3)
        r = self.run_replay(tl, config({"icmp": {}}, conntrack=NO_CT))
        self.assertDrops(r, outside={"icmp-type": 2003})
        a = self.events(r, "icmp-type", src_ip="198.51.100.1")
        b = self.events(r, "icmp-type", src_ip="198.51.100.2")
        self.assertEqual([e["count"] for e in a], [1, 1999])
        self.assertEqual([e["count"] for e in b], [1, 2])
        self.assertEqual(r.report["guards"]["events"], {"icmp-type": 2003})
        self.assertEqual(a[0]["timestamp"], G.iso(G.START_US))

    def test_windows(self):
        # 5 s of a flood with 2 s windows: every window opens with a count
        # of 1 and closes with a summary of its repeats
        tl = G.Timeline()
        one = G.icmp4("outside", "198.51.100.1", SERVER, 13)
        tl.add(one * 1000, step_us=5000)
        r = self.run_replay(tl, config({"icmp": {}, "events": {"window_s": 2}}, conntrack=NO_CT))
        counts = [e["count"] for e in self.events(r, "icmp-type")]
        self.assertEqual(sum(counts), 1000)
        self.assertEqual(counts[0::2], [1] * len(counts[0::2]), counts)
        self.assertEqual(len(counts), 6, counts)
        self.assertTrue(all(c > 300 for c in counts[1:-1:2]), counts)


# ================================================================ no guards

class NoGuards(GuardCase):
    def test_absent_guards_touch_nothing(self):
        tl = G.Timeline()
        ev = tl.add(G.arp("outside", 3, G.MAC_OUT, G.ROUTER, SERVER))
        ev += tl.add(G.arp_claim("inside", G.MAC_HOST2, SERVER, eth_src=G.MAC_IN))
        ev += tl.add(G.icmp4("outside", "198.51.100.1", SERVER, 5))
        ev += tl.add(G.icmp4("outside", "198.51.100.1", "255.255.255.255", 8, eth_dst=G.BCAST))
        ev += tl.add(G.port_sweep(SCANNER, SERVER, range(20, 60)))
        ev += tl.add(G.tcp_session(CLIENT, SERVER, 42000, 80, request=G.http_get("blocked.example")))
        for guards in (None, {}, {"events": {"window_s": 5}}):
            r = self.run_replay(tl, config(guards))
            self.assertPassed(r, ev)
            self.assertDrops(r)
            self.assertEqual(r.events, [])
            self.assertEqual(r.report["guards"]["auto_blocks"], 0)


# ================================================================ bad settings

class BadConfig(unittest.TestCase):
    def refused(self, guards, *expect):
        with wwtest.tempdir() as tmp:
            cfg = os.path.join(tmp, "config.json")
            pcap = os.path.join(tmp, "in.pcap")
            report = os.path.join(tmp, "report.json")
            with open(cfg, "w") as f:
                json.dump(config(guards), f)
            wwtest.wrpcap(pcap, [G.pkt("outside", CLIENT, SERVER, UDP())])
            proc = subprocess.run([wwtest.WIREWALL, "replay", "--config", cfg, "--in",
                                   "outside=" + pcap, "--report", report],
                                  capture_output=True, timeout=60)
            err = proc.stderr.decode("utf-8", "replace")
            self.assertEqual(proc.returncode, 1, err)
            self.assertNotIn("usage:", err)
            self.assertIn("configuration rejected", err)
            for text in expect:
                self.assertIn(text, err)
            # the message is text: no garbage after the path
            self.assertRegex(err, r"^[\x20-\x7e\n]*$")
            self.assertFalse(os.path.exists(report))

    def test_out_of_range(self):
        self.refused({"scan": {"ports": 1}}, "$.guards.scan.ports: 1 is out of range (2..65536)")
        self.refused({"arp": {"probe_timeout_ms": 0}}, "$.guards.arp.probe_timeout_ms")
        self.refused({"icmp": {"max_size": 10}}, "$.guards.icmp.max_size")
        self.refused({"synflood": {"syn_per_s": -5}}, "$.guards.synflood.syn_per_s")

    def test_unknown_keys_list_the_expected(self):
        self.refused({"scan": {"port": 5}}, "$.guards.scan", 'unknown key "port"', "ports",
                     "window_ms")
        self.refused({"dns": {}}, "$.guards", 'unknown key "dns"', "arp", "synflood")
        self.refused({"blocklist": {"sets": {"x": [{"address": "1.2.3.4"}]}}},
                     "$.guards.blocklist.sets.x[0]", 'unknown key "address"', "addr", "ttl")

    def test_bad_values(self):
        self.refused({"arp": {"bindings": [{"ip": "10.0.0.1", "mac": "02:00:00:00:00:01"},
                                           {"ip": "10.0.0.2", "mac": "nope"}]}},
                     "$.guards.arp.bindings[1]", "mac")
        self.refused({"blocklist": {"sets": {"bad": ["203.0.113.7", "203.0.113.300"]}}},
                     "$.guards.blocklist.sets.bad[1]")
        self.refused({"icmp": {"allow": ["echo-request", "echo-requets"]}},
                     "$.guards.icmp.allow[1]")
        self.refused({"icmp": {"enabled": "yes"}}, "$.guards.icmp.enabled", "boolean")
        self.refused({"http": {"ports": [80, 70000]}}, "$.guards.http.ports[1]")
        self.refused({"http": {"hosts": ["ok.example", "bad*.example"]}},
                     "$.guards.http.hosts[1]")


if __name__ == "__main__":
    unittest.main(verbosity=2)
