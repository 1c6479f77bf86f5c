#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Filtering, replayed: security groups close the protected side to new
connections they do not allow, explicit rules come first (first match
wins), replies of allowed connections pass both ways, conntrack follows
capture time (timeouts, the flow cap and its policies), reject answers go
back out of the port the packet came from, bad filtering configuration is
refused with its path. Then the live prompt: rule-set replacement under
load loses nothing, and the filtering commands say what they should.

Run with Debian's /usr/bin/python3 (scapy)."""
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
import unittest

from scapy.all import (Ether, ICMP, ICMPv6DestUnreach, IP, IPv6, TCP, UDP,
                       wrpcap)

import filter_traffic as F
import wwtest

SERVER, SERVER6 = F.SERVER, F.SERVER6
SG_SERVERS = {"name": "servers", "bridge": "br0",
              "rules": ["ip saddr 10.0.0.0/8 tcp dport 22 accept",
                        "tcp dport { 80, 443 } accept",
                        "icmp type echo-request accept"]}
SG_SERVERS6 = {"name": "servers6", "bridge": "br0",
               "rules": ["ip6 saddr 2001:db8::/32 tcp dport 22 accept",
                         "icmpv6 type echo-request accept"]}
PREFIX = "ww-filter-%d" % os.getpid()


def config(sgs=(), rules=None, conntrack=None, protected="inside", **extra):
    if sgs:
        extra["security_groups"] = list(sgs)
    if rules is not None:
        extra["rules"] = list(rules)
    return wwtest.bridge_config(protected, conntrack, **extra)


only = wwtest.only


class FilterCase(unittest.TestCase):
    maxDiff = None

    def run_replay(self, tl, cfg):
        with wwtest.tempdir() as tmp:
            r = wwtest.replay(tmp, tl.inputs(), cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        # 9. accounting holds for every port in every test
        self.assertTrue(r.report["conserved"], r.stdout)
        for name, port in r.report["ports"].items():
            self.assertTrue(port["conserved"], name)
        return r

    def assertPassed(self, r, passed):
        """Exactly the events in @passed came out, each on the peer port of
        the one it came in on, byte for byte and in order."""
        self.assertEqual(r.outputs["inside"], F.frames(passed, "outside"))
        self.assertEqual(r.outputs["outside"], F.frames(passed, "inside"))

    def assertDrops(self, r, outside=None, inside=None):
        ports = r.report["ports"]
        self.assertEqual(only(ports["outside"]["drops"]), outside or {})
        self.assertEqual(only(ports["inside"]["drops"]), inside or {})
        total = {}
        for d in (outside or {}, inside or {}):
            for k, v in d.items():
                total[k] = total.get(k, 0) + v
        self.assertEqual(only(r.report["drops"]), total)

    def hits(self, r):
        """(origin, rule, packets, bytes) in evaluation order, leaving out the
        IPv6-discovery entry every protected bridge has (test_ndp checks it)."""
        return [(e["origin"], e["rule"], e["packets"], e["bytes"]) for e in self.entries(r)]

    def entries(self, r):
        return [e for e in r.report["rules"] if not e["origin"].endswith(" ipv6-discovery")]


def size(events):
    return sum(len(bytes(p)) for _, p in events)


# ---- 1, 5: security groups ----

class SecurityGroups(FilterCase):
    def test_ipv4_group_opens_only_what_it_allows(self):
        tl = F.Timeline()
        ssh = tl.add(F.tcp_session("10.1.2.3", SERVER, 40000, 22))
        ssh_foreign = tl.add(F.tcp_syn("172.16.0.5", SERVER, 40001, 22))
        telnet = tl.add(F.tcp_syn("10.1.2.3", SERVER, 40002, 23))
        https = tl.add(F.tcp_session("198.51.100.7", SERVER, 40003, 443))
        echo = tl.add(F.ping("198.51.100.7", SERVER))
        r = self.run_replay(tl, config([SG_SERVERS]))
        self.assertPassed(r, ssh + https + echo)
        self.assertNotIn(bytes(ssh_foreign[0][1]), r.outputs["inside"])
        self.assertDrops(r, outside={"policy-drop": 2})
        o, i = r.report["ports"]["outside"], r.report["ports"]["inside"]
        # a session is 6 packets from the client, 4 from the server
        self.assertEqual(o["rx_packets"], 6 + 1 + 1 + 6 + 1)
        self.assertEqual(o["forwarded_packets"], 6 + 6 + 1)
        self.assertEqual(i["tx_packets"], 13)
        self.assertEqual(i["rx_packets"], 4 + 4 + 1)
        self.assertEqual(i["forwarded_packets"], 9)
        self.assertEqual(o["tx_packets"], 9)
        syn = len(bytes(ssh[0][1]))
        self.assertEqual(self.hits(r), [
            ("sg servers", "ip saddr 10.0.0.0/8 tcp dport 22 accept", 1, syn),
            ("sg servers", "tcp dport { 80, 443 } accept", 1, syn),
            ("sg servers", "icmp type echo-request accept", 1, len(bytes(echo[0][1]))),
            ("br0 default-closed", "drop", 2, size(ssh_foreign + telnet)),
        ])
        for e in r.report["rules"]:
            self.assertEqual(e["iif"], "outside")
        self.assertEqual([e.get("handle") for e in self.entries(r)], [1, 2, 3, None])
        ct = r.report["conntrack"]
        self.assertEqual((ct["active"], ct["created"]), (3, 3))
        self.assertEqual(only(ct["by_state"]), {"time-wait": 2, "icmp": 1})

    def test_ipv6_group(self):
        tl = F.Timeline()
        ssh = tl.add(F.tcp_session("2001:db8::5", SERVER6, 40000, 22))
        foreign = tl.add(F.tcp_syn("2001:db9::5", SERVER6, 40001, 22))
        other_port = tl.add(F.tcp_syn("2001:db8::5", SERVER6, 40002, 80))
        echo = tl.add(F.ping("2001:db9::7", SERVER6, ident=9))
        # a port the group does not name
        v4only = tl.add(F.tcp_syn("2001:db8::5", SERVER6, 40003, 443))
        r = self.run_replay(tl, config([SG_SERVERS6]))
        self.assertPassed(r, ssh + echo)
        self.assertDrops(r, outside={"policy-drop": 3})
        self.assertEqual(self.hits(r), [
            ("sg servers6", "ip6 saddr 2001:db8::/32 tcp dport 22 accept", 1, len(bytes(ssh[0][1]))),
            ("sg servers6", "icmpv6 type echo-request accept", 1, len(bytes(echo[0][1]))),
            ("br0 default-closed", "drop", 3, size(foreign + other_port + v4only)),
        ])
        self.assertEqual(r.report["conntrack"]["created"], 2)

    def test_ipv4_rules_do_not_open_ipv6(self):
        tl = F.Timeline()
        v6 = tl.add(F.tcp_syn("2001:db8::5", SERVER6, 40000, 443))
        v6echo = tl.add(F.ping("2001:db8::5", SERVER6)[:1])
        v4 = tl.add(F.tcp_syn("10.1.2.3", SERVER, 40000, 443))
        r = self.run_replay(tl, config([SG_SERVERS]))
        # "tcp dport { 80, 443 }" has no family: it opens both
        self.assertPassed(r, v6 + v4)
        self.assertDrops(r, outside={"policy-drop": 1})
        self.assertEqual(self.hits(r)[-1], ("br0 default-closed", "drop", 1, size(v6echo)))

    def test_hits_count_connections_not_packets(self):
        # Three datagrams of one new flow, close enough to be one burst,
        # and three of another, far apart: two connections, two hits,
        # however the packets were batched.
        tl = F.Timeline()
        burst = tl.add(F.udp("10.1.2.3", SERVER, 41000, 443, "outside", b"a") * 3, step=0.0001)
        tl.wait(1)
        spread = tl.add(F.udp("10.1.2.4", SERVER, 41000, 443, "outside", b"b") * 3, step=0.5)
        r = self.run_replay(tl, config([SG_SERVERS], rules=["udp dport 443 accept"]))
        self.assertPassed(r, burst + spread)
        self.assertDrops(r)
        self.assertEqual(self.hits(r)[0], ("rules", "udp dport 443 accept", 2,
                                           len(bytes(burst[0][1])) * 2))
        ct = r.report["conntrack"]
        self.assertEqual((ct["created"], ct["active"]), (2, 2))

    def test_ndp_passes_a_protected_bridge(self):
        # Neighbour discovery is not a connection: default-closed must not
        # drop it, or nothing on the inside can be reached over IPv6.
        tl = F.Timeline()
        nd = tl.add(F.ndp("fe80::1", SERVER6))
        nd6 = tl.add(F.ndp("2001:db8::1", SERVER6))
        r = self.run_replay(tl, config([SG_SERVERS6]))
        self.assertDrops(r)
        self.assertPassed(r, nd + nd6)
        self.assertEqual(r.report["conntrack"]["created"], 0)
        # Let in by the bridge's own entry, ahead of default-closed.
        disc = [e for e in r.report["rules"] if e["origin"] == "br0 ipv6-discovery"]
        self.assertEqual(len(disc), 1)
        self.assertEqual(disc[0]["rule"], "icmpv6 type 130-137 accept")
        self.assertEqual(disc[0]["packets"], 6)


# ---- 2: replies ----

class Replies(FilterCase):
    def test_connections_from_inside_pass_both_ways(self):
        tl = F.Timeline()
        ev = []
        ev += tl.add(F.tcp_session(SERVER, "203.0.113.9", 50000, 80, client_port="inside"))
        ev += tl.add(F.tcp_session(SERVER6, "2001:db8::9", 50001, 443, client_port="inside"))
        ev += tl.add(F.udp_exchange(SERVER, "203.0.113.53", 5353, 53))
        ev += tl.add(F.udp_exchange(SERVER6, "2001:db8::53", 5353, 53))
        ev += tl.add(F.ping(SERVER, "203.0.113.9", port="inside"))
        ev += tl.add(F.ping(SERVER6, "2001:db8::9", port="inside"))
        r = self.run_replay(tl, config([SG_SERVERS]))
        self.assertPassed(r, ev)
        self.assertDrops(r)
        # no rule decided anything: new connections leaving are accepted
        self.assertEqual([h[2] for h in self.hits(r)], [0, 0, 0, 0])
        ct = r.report["conntrack"]
        self.assertEqual(ct["created"], 6)
        self.assertEqual(only(ct["by_state"]), {"time-wait": 2, "udp-replied": 2, "icmp": 2})

    def test_icmp_errors_of_a_connection_are_related(self):
        # An ICMP error quoting a tracked flow's datagram comes back in
        # through default-closed; one quoting no flow does not.
        tl = F.Timeline()
        q = tl.add(F.udp(SERVER, "203.0.113.53", 5353, 53, "inside", b"query"))
        quoted = bytes(q[0][1][IP])[:28]
        err = tl.add([("outside", F.pkt("outside", "198.51.100.1", SERVER,
                                        ICMP(type=3, code=3) / quoted))])
        q6 = tl.add(F.udp(SERVER6, "2001:db8::53", 5353, 53, "inside", b"query"))
        err6 = tl.add([("outside", F.pkt("outside", "2001:db8::1", SERVER6,
                                         ICMPv6DestUnreach(code=4) / bytes(q6[0][1][IPv6])))])
        other = bytes(F.pkt("inside", SERVER, "203.0.113.54", UDP(sport=5353, dport=53))[IP])[:28]
        stray = tl.add([("outside", F.pkt("outside", "198.51.100.1", SERVER,
                                          ICMP(type=3, code=3) / other))])
        r = self.run_replay(tl, config([SG_SERVERS]))
        self.assertPassed(r, q + err + q6 + err6)
        # an error about nothing we know fits no state
        self.assertDrops(r, outside={"ct-invalid": 1})
        del stray

    def test_reply_of_denied_connection_never_arrives(self):
        # A connection from outside that was refused leaves no state: the
        # inside's answer (a forged SYN-ACK) is invalid.
        tl = F.Timeline()
        syn = tl.add(F.tcp_syn("172.16.0.5", SERVER, 40001, 22))
        synack = tl.add(F.tcp_segment(SERVER, "172.16.0.5", 22, 40001, "SA", port="inside",
                                      seq=5000, ack=1001))
        r = self.run_replay(tl, config([SG_SERVERS]))
        self.assertPassed(r, [])
        self.assertDrops(r, outside={"policy-drop": 1}, inside={"ct-invalid": 1})
        del syn, synack


# ---- 3: invalid ----

class Invalid(FilterCase):
    def events(self, tl):
        synack = tl.add(F.tcp_segment("203.0.113.9", SERVER, 80, 50000, "SA"))
        synack6 = tl.add(F.tcp_segment("2001:db8::9", SERVER6, 80, 50000, "SA"))
        mid = tl.add(F.tcp_segment("10.1.2.3", SERVER, 40000, 22, "A", data=b"mid-stream"))
        back = tl.add(F.tcp_segment(SERVER, "10.1.2.3", 22, 40000, "A", port="inside",
                                    seq=9000, ack=7010))
        return synack + synack6, mid, back

    def test_unsolicited_synack_and_midstream_ack_are_invalid(self):
        tl = F.Timeline()
        synacks, mid, back = self.events(tl)
        r = self.run_replay(tl, config([SG_SERVERS]))
        self.assertPassed(r, [])
        self.assertDrops(r, outside={"ct-invalid": 3}, inside={"ct-invalid": 1})
        # invalid packets meet the rules but the group's (new-only) rules
        # and default-closed do not match them
        self.assertEqual([h[2] for h in self.hits(r)], [0, 0, 0, 0])
        self.assertEqual(r.report["conntrack"]["created"], 0)

    def test_midstream_pickup_when_not_strict(self):
        tl = F.Timeline()
        synacks, mid, back = self.events(tl)
        more = tl.add(F.tcp_segment("10.1.2.3", SERVER, 40000, 22, "A", seq=7010, ack=9000))
        # not allowed by the group: picked up as new, then closed
        refused = tl.add(F.tcp_segment("172.16.0.5", SERVER, 40000, 22, "A"))
        r = self.run_replay(tl, config([SG_SERVERS], conntrack={"strict": False}))
        self.assertPassed(r, mid + back + more)
        # a SYN-ACK is never a connection's first packet, strict or not
        self.assertDrops(r, outside={"ct-invalid": 2, "policy-drop": 1})
        self.assertEqual(self.hits(r), [
            ("sg servers", "ip saddr 10.0.0.0/8 tcp dport 22 accept", 1, len(bytes(mid[0][1]))),
            ("sg servers", "tcp dport { 80, 443 } accept", 0, 0),
            ("sg servers", "icmp type echo-request accept", 0, 0),
            ("br0 default-closed", "drop", 1, size(refused)),
        ])
        self.assertEqual(r.report["conntrack"]["created"], 1)
        self.assertEqual(only(r.report["conntrack"]["by_state"]), {"established": 1})


# ---- 4: reject ----

def valid_checksums(testcase, frame):
    """Every checksum in @frame is what scapy computes."""
    p = Ether(frame)
    for layer in (IP, TCP, UDP, ICMP, ICMPv6DestUnreach):
        if layer in p and hasattr(p[layer], "chksum"):
            q = Ether(frame)
            del q[layer].chksum
            testcase.assertEqual(bytes(q), frame, "bad %s checksum" % layer.__name__)
    # ICMP errors quote the original; its checksums are not ours to fix
    return p


class Reject(FilterCase):
    RULES = ["tcp dport 23 reject", "udp dport 69 reject"]

    def test_tcp_reset_and_port_unreachable(self):
        tl = F.Timeline()
        syn = tl.add(F.tcp_syn("10.1.2.3", SERVER, 40000, 23, seq=0x11223344))
        tftp = tl.add(F.udp("10.1.2.3", SERVER, 40001, 69, "outside", b"\x00\x01file\x00octet\x00"))
        syn6 = tl.add(F.tcp_syn("2001:db8::5", SERVER6, 40002, 23, seq=0xfffffffe))
        tftp6 = tl.add(F.udp("2001:db8::5", SERVER6, 40003, 69, "outside", b"x" * 100))
        # from the inside: the answer goes back in
        syn_in = tl.add(F.tcp_syn(SERVER, "203.0.113.9", 50000, 23, port="inside", seq=5))
        r = self.run_replay(tl, config([SG_SERVERS], rules=self.RULES))

        def ans(port, src, dst):
            return F.l2(F.PEER[port]) / (IPv6(src=src, dst=dst, hlim=64) if ":" in src else
                                         IP(src=src, dst=dst, ttl=64, id=0, flags="DF"))
        ip4 = bytes(tftp[0][1][IP])
        expected_out = [
            ans("outside", SERVER, "10.1.2.3") /
            TCP(sport=23, dport=40000, flags="RA", seq=0, ack=0x11223345, window=0),
            ans("outside", SERVER, "10.1.2.3") / ICMP(type=3, code=3) / ip4[:28],
            ans("outside", SERVER6, "2001:db8::5") /
            TCP(sport=23, dport=40002, flags="RA", seq=0, ack=0xffffffff, window=0),
            ans("outside", SERVER6, "2001:db8::5") / ICMPv6DestUnreach(code=4) /
            bytes(tftp6[0][1][IPv6]),
        ]
        expected_in = [ans("inside", "203.0.113.9", SERVER) /
                       TCP(sport=23, dport=50000, flags="RA", seq=0, ack=6, window=0)]
        self.assertEqual(r.outputs["outside"], [bytes(p) for p in expected_out])
        self.assertEqual(r.outputs["inside"], [bytes(p) for p in expected_in])
        for f in r.outputs["outside"] + r.outputs["inside"]:
            valid_checksums(self, f)
        # the details, said once more in words
        rst = Ether(r.outputs["outside"][0])
        self.assertEqual((rst.src, rst.dst), (F.MAC_IN, F.MAC_OUT))
        self.assertEqual((rst[IP].src, rst[IP].dst), (SERVER, "10.1.2.3"))
        self.assertEqual((rst[TCP].sport, rst[TCP].dport), (23, 40000))
        self.assertEqual(str(rst[TCP].flags), "RA")
        self.assertEqual(rst[TCP].ack, 0x11223344 + 1)
        unreach = Ether(r.outputs["outside"][1])
        self.assertEqual((unreach[ICMP].type, unreach[ICMP].code), (3, 3))
        self.assertEqual(bytes(unreach[ICMP].payload)[:20], ip4[:20])
        u6 = Ether(r.outputs["outside"][3])
        self.assertEqual((u6[ICMPv6DestUnreach].type, u6[ICMPv6DestUnreach].code), (1, 4))

        self.assertDrops(r, outside={"rule-reject": 4}, inside={"rule-reject": 1})
        o, i = r.report["ports"]["outside"], r.report["ports"]["inside"]
        self.assertEqual(o["tx_packets"], 4)
        self.assertEqual(o["tx_bytes"], sum(len(bytes(p)) for p in expected_out))
        self.assertEqual(i["tx_packets"], 1)
        self.assertEqual(o["forwarded_packets"] + i["forwarded_packets"], 0)
        self.assertEqual(self.hits(r)[:2], [
            ("rules", "tcp dport 23 reject", 3, size(syn + syn6 + syn_in)),
            ("rules", "udp dport 69 reject", 2, size(tftp + tftp6)),
        ])
        self.assertEqual(r.report["conntrack"]["created"], 0)

    def test_reset_of_a_segment_with_ack(self):
        # RFC 793: the RST takes the segment's ack as its sequence, no ACK.
        # A mid-stream segment meets the rules only when picked up as new.
        tl = F.Timeline()
        seg = tl.add(F.tcp_segment("10.1.2.3", SERVER, 40004, 23, "PA", seq=100, ack=0xabcdef01,
                                   data=b"hi"))
        r = self.run_replay(tl, config([SG_SERVERS], rules=self.RULES,
                                       conntrack={"strict": False}))
        expected = (F.l2("inside") / IP(src=SERVER, dst="10.1.2.3", ttl=64, id=0, flags="DF") /
                    TCP(sport=23, dport=40004, flags="R", seq=0xabcdef01, ack=0, window=0))
        self.assertEqual(r.outputs["outside"], [bytes(expected)])
        self.assertEqual(r.outputs["inside"], [])
        self.assertDrops(r, outside={"rule-reject": 1})
        del seg


# ---- 6: timeouts on capture time ----

class Timeouts(FilterCase):
    def test_udp_reply_in_time_passes_late_one_is_policy_dropped(self):
        tl = F.Timeline()
        q = tl.add(F.udp(SERVER, "203.0.113.53", 5353, 53, "inside", b"query"))
        tl.wait(10)
        a = tl.add(F.udp("203.0.113.53", SERVER, 53, 5353, "outside", b"answer"))
        tl.wait(100)
        late = tl.add(F.udp("203.0.113.53", SERVER, 53, 5353, "outside", b"late"))
        r = self.run_replay(tl, config([SG_SERVERS],
                                       conntrack={"timeouts": {"udp": 30, "udp_stream": 30}}))
        self.assertPassed(r, q + a)
        self.assertDrops(r, outside={"policy-drop": 1})
        self.assertEqual(self.hits(r)[-1], ("br0 default-closed", "drop", 1, size(late)))
        ct = r.report["conntrack"]
        self.assertEqual((ct["created"], ct["expired"], ct["active"]), (1, 1, 0))

    def test_udp_default_timeouts_keep_the_flow(self):
        # udp_stream defaults to 180 s: the same late answer passes
        tl = F.Timeline()
        ev = tl.add(F.udp(SERVER, "203.0.113.53", 5353, 53, "inside", b"query"))
        tl.wait(10)
        ev += tl.add(F.udp("203.0.113.53", SERVER, 53, 5353, "outside", b"answer"))
        tl.wait(100)
        ev += tl.add(F.udp("203.0.113.53", SERVER, 53, 5353, "outside", b"late"))
        r = self.run_replay(tl, config([SG_SERVERS]))
        self.assertPassed(r, ev)
        self.assertDrops(r)

    def handshake_then_silence(self, silence):
        tl = F.Timeline()
        s = F.tcp_session(SERVER, "203.0.113.9", 50000, 80, client_port="inside")
        head = tl.add(s[:6])      # handshake, request, ack, response
        tl.wait(silence)
        tail = tl.add(F.tcp_segment("203.0.113.9", SERVER, 80, 50000, "PA", seq=5001 + 24,
                                    ack=1019, data=b"more"))
        return tl, head, tail

    def test_tcp_established_survives_an_hour(self):
        tl, head, tail = self.handshake_then_silence(3600)
        r = self.run_replay(tl, config([SG_SERVERS]))
        self.assertPassed(r, head + tail)
        self.assertDrops(r)
        self.assertEqual(only(r.report["conntrack"]["by_state"]), {"established": 1})

    def test_tcp_established_timeout(self):
        tl, head, tail = self.handshake_then_silence(120)
        r = self.run_replay(tl, config([SG_SERVERS], conntrack={"timeouts": {"tcp_established": 60}}))
        self.assertPassed(r, head)
        self.assertDrops(r, outside={"ct-invalid": 1})
        ct = r.report["conntrack"]
        self.assertEqual((ct["created"], ct["expired"], ct["active"]), (1, 1, 0))


# ---- 7: the flow cap ----

class Cap(FilterCase):
    def flows(self, tl, ports, step=1.0):
        out = []
        for p in ports:
            out.append(tl.add(F.udp(SERVER, "203.0.113.53", p, 53, "inside", b"q%d" % p)))
            tl.wait(step)
        return out

    def reply(self, tl, p, data=b"answer"):
        return tl.add(F.udp("203.0.113.53", SERVER, 53, p, "outside", data))

    def test_drop_new_refuses_the_fifth_keeps_the_four(self):
        tl = F.Timeline()
        first = self.flows(tl, [6001, 6002, 6003, 6004])
        fifth = self.flows(tl, [6005])[0]
        passed = sum(first, [])
        for p in (6001, 6002, 6003, 6004):
            passed += self.reply(tl, p)
            passed += tl.add(F.udp(SERVER, "203.0.113.53", p, 53, "inside", b"again"))
        again = tl.add(F.udp(SERVER, "203.0.113.53", 6005, 53, "inside", b"retry"))
        late = self.reply(tl, 6005)
        r = self.run_replay(tl, config([SG_SERVERS], conntrack={"max_flows": 4}))
        self.assertPassed(r, passed)
        self.assertDrops(r, inside={"ct-full": 2}, outside={"policy-drop": 1})
        ct = r.report["conntrack"]
        self.assertEqual((ct["active"], ct["max_flows"], ct["created"], ct["refused_full"],
                          ct["early_dropped"]), (4, 4, 4, 2, 0))
        self.assertEqual(only(ct["by_state"]), {"udp-replied": 4})
        del fifth, again, late

    def test_early_drop_evicts_the_oldest_unreplied(self):
        tl = F.Timeline()
        a = self.flows(tl, [6001])[0]
        a += self.reply(tl, 6001)          # a is established: never evicted
        tl.wait(1)
        b, c, d = self.flows(tl, [6002, 6003, 6004])
        e = self.flows(tl, [6005])[0]      # evicts b, the oldest unreplied
        passed = a + b + c + d + e
        for p in (6001, 6003, 6004, 6005):
            passed += self.reply(tl, p)
        late_b = self.reply(tl, 6002)      # b is gone: a new connection in
        r = self.run_replay(tl, config([SG_SERVERS],
                                       conntrack={"max_flows": 4, "full_policy": "early-drop"}))
        self.assertPassed(r, passed)
        self.assertDrops(r, outside={"policy-drop": 1})
        ct = r.report["conntrack"]
        self.assertEqual((ct["active"], ct["created"], ct["refused_full"], ct["early_dropped"]),
                         (4, 5, 0, 1))
        self.assertEqual(only(ct["by_state"]), {"udp-replied": 4})
        self.assertEqual(self.hits(r)[-1], ("br0 default-closed", "drop", 1, size(late_b)))

    def test_early_drop_with_nothing_to_evict_refuses(self):
        tl = F.Timeline()
        passed = []
        for p in (6001, 6002):
            passed += self.flows(tl, [p])[0]
            passed += self.reply(tl, p)
        refused = self.flows(tl, [6003])[0]
        r = self.run_replay(tl, config([SG_SERVERS],
                                       conntrack={"max_flows": 2, "full_policy": "early-drop"}))
        self.assertPassed(r, passed)
        self.assertDrops(r, inside={"ct-full": 1})
        ct = r.report["conntrack"]
        self.assertEqual((ct["active"], ct["refused_full"], ct["early_dropped"]), (2, 1, 0))
        del refused


# ---- 8: explicit rules first ----

class Order(FilterCase):
    def test_explicit_rules_first_first_match_wins(self):
        tl = F.Timeline()
        banned = tl.add(F.tcp_syn("10.9.9.9", SERVER, 40000, 443))
        banned22 = tl.add(F.tcp_syn("10.9.9.9", SERVER, 40001, 22))
        allowed = tl.add(F.tcp_syn("10.1.2.3", SERVER, 40002, 443))
        dns_out = tl.add(F.udp(SERVER, "8.8.8.8", 5353, 53, "inside", b"q"))
        ntp_out = tl.add(F.udp(SERVER, "8.8.8.8", 123, 123, "inside", b"t"))
        dns_in = tl.add(F.udp("8.8.8.8", SERVER, 5353, 53, "outside", b"q"))
        r = self.run_replay(tl, config([SG_SERVERS], rules=[
            "ip saddr 10.9.9.9 drop", "iif inside udp dport 53 drop",
            "tcp dport 443 accept"]))
        self.assertPassed(r, allowed + ntp_out)
        self.assertDrops(r, outside={"rule-drop": 2, "policy-drop": 1}, inside={"rule-drop": 1})
        self.assertEqual(self.hits(r), [
            ("rules", "ip saddr 10.9.9.9 drop", 2, size(banned + banned22)),
            ("rules", "iif inside udp dport 53 drop", 1, size(dns_out)),
            ("rules", "tcp dport 443 accept", 1, size(allowed)),
            ("sg servers", "ip saddr 10.0.0.0/8 tcp dport 22 accept", 0, 0),
            ("sg servers", "tcp dport { 80, 443 } accept", 0, 0),
            ("sg servers", "icmp type echo-request accept", 0, 0),
            ("br0 default-closed", "drop", 1, size(dns_in)),
        ])
        rules = self.entries(r)
        self.assertEqual([e.get("iif") for e in rules],
                         [None, "inside", None, "outside", "outside", "outside", "outside"])
        self.assertEqual([e["action"] for e in rules],
                         ["drop", "drop", "accept", "accept", "accept", "accept", "drop"])

    def test_log_rules_report_each_hit(self):
        # Only rules with "log" report; each hit once, with the packet's
        # addresses, ports, port of entry and the capture's time.
        tl = F.Timeline()
        tl.add(F.tcp_syn("10.9.9.9", SERVER, 40000, 443))
        tl.add(F.tcp_syn("10.1.2.3", SERVER, 40002, 443))
        r = self.run_replay(tl, config([SG_SERVERS], rules=[
            "ip saddr 10.9.9.9 counter log drop", "tcp dport 443 accept"]))
        self.assertDrops(r, outside={"rule-drop": 1})
        log = r.report["log"]
        self.assertEqual(len(log), 1)
        self.assertEqual({k: log[0][k] for k in ("event_type", "rule", "action", "in_port",
                                                  "src_ip", "src_port", "dest_ip",
                                                  "dest_port", "proto")},
                         {"event_type": "rule", "rule": "ip saddr 10.9.9.9 counter log drop",
                          "action": "drop", "in_port": "outside", "src_ip": "10.9.9.9",
                          "src_port": 40000, "dest_ip": SERVER, "dest_port": 443, "proto": 6})
        self.assertEqual(log[0]["timestamp_ns"], r.report["capture_time"]["first_ns"])


# ---- 10: bad configurations ----

class BadConfig(unittest.TestCase):
    def refused(self, cfg, *expect):
        pkts = {"outside": [F.pkt("outside", "10.1.2.3", SERVER, UDP())]}
        with wwtest.tempdir() as tmp:
            r = wwtest.replay(tmp, pkts, json.dumps(cfg))
            self.assertIn("configuration rejected", r.stderr)
            for text in expect:
                self.assertIn(text, r.stderr)
            self.assertFalse(os.path.exists(os.path.join(tmp, "report.json")))
            self.assertNotEqual(r.returncode, 0)
            return r

    def test_exit_status_is_1_without_usage(self):
        # A configuration error is not a usage error: status 1, as live.
        sg = dict(SG_SERVERS, rules=["tcp dport 22 accept", "tcp dport { 80, x } accept"])
        r = self.refused(config([sg]), "$.security_groups[0].rules[1]: column 17:")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertNotIn("usage:", r.stderr)

    def test_syntax_error_names_path_and_column(self):
        sg = dict(SG_SERVERS, rules=["tcp dport 22 accept", "tcp dport { 80, x } accept"])
        self.refused(config([sg]), "$.security_groups[0].rules[1]: column 17:")
        self.refused(config([SG_SERVERS], rules=["tcp dport 22 acept"]),
                     "$.rules[0]: column 14:")
        self.refused(config([SG_SERVERS], rules=[{"proto": "tcp", "dport": [22, "x"],
                                                  "action": "drop"}]),
                     "$.rules[0].dport[1]")

    def test_group_on_an_unprotected_bridge(self):
        self.refused(config([SG_SERVERS], protected=None),
                     '$.security_groups[0].bridge', 'bridge "br0" has no protected side')

    def test_group_holds_accept_rules_only(self):
        sg = dict(SG_SERVERS, rules=["tcp dport 22 accept", "tcp dport 23 reject"])
        self.refused(config([sg]), "$.security_groups[0].rules[1]", "allow rules only")
        sg = dict(SG_SERVERS, rules=["udp dport 53 drop"])
        self.refused(config([sg]), "$.security_groups[0].rules[0]", "allow rules only")
        sg = dict(SG_SERVERS, rules=["iif outside udp dport 53 accept"])
        self.refused(config([sg]), "$.security_groups[0].rules[0]", "takes no iif")

    def test_unknown_conntrack_keys(self):
        self.refused(config([SG_SERVERS], conntrack={"max_flow": 4}),
                     '$.conntrack: unknown key "max_flow"')
        self.refused(config([SG_SERVERS], conntrack={"timeouts": {"udp_reply": 3}}),
                     '$.conntrack.timeouts.udp_reply: unknown timeout "udp_reply"')
        self.refused(config([SG_SERVERS], conntrack={"full_policy": "random"}),
                     "$.conntrack.full_policy")
        self.refused(config([SG_SERVERS], rules=["iif dmz tcp dport 22 drop"]),
                     '$.rules[0]: iif "dmz"')


# ---- 11: live ----

def tearDownModule():
    shutil.rmtree("/var/run/dpdk/" + PREFIX, ignore_errors=True)


class Live:
    """wirewall -i on net_pcap ports; commands typed one at a time, each
    answer read back before the next."""

    def __init__(self, tmp, cfg):
        path = os.path.join(tmp, "wirewall.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        args = [wwtest.WIREWALL, "-l", "0-1", "--no-huge", "-m", "512", "--no-pci",
                "--file-prefix", PREFIX, "--no-shconf", "--no-telemetry",
                "--log-level", "*:warning", "--", "--config", path,
                "--state-dir", os.path.join(tmp, "state"), "--http", "off", "-i"]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.out = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            for line in self.proc.stdout:
                self.lines.put(line)
        except (ValueError, OSError):
            pass
        self.lines.put(None)

    def cmd(self, text, until, times=1, timeout=15):
        """Type @text; return what it printed up to the @times-th line
        matching @until."""
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        got, deadline = [], time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("%r: no %r in %r" % (text, until, "".join(got)))
            if line is None:
                raise AssertionError("%r: wirewall exited: %s %s" % (
                    text, "".join(got), self.proc.stderr.read()))
            got.append(line)
            self.out.append(line)
            if re.search(until, line):
                times -= 1
                if times == 0:
                    return "".join(got)

    def quit(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("wirewall did not stop")
        time.sleep(0.2)
        rest = []
        while True:
            try:
                line = self.lines.get(timeout=2)
            except queue.Empty:
                break
            if line is None:
                break
            rest.append(line)
        err = self.proc.stderr.read()
        self.proc.stderr.close()
        self.proc.stdout.close()
        return "".join(rest), err


def port_block(out, name):
    """The last 'show port stats' block of port @name."""
    blocks = re.findall(r"(?:Port \d+: |port \d+: )%s(.*?Accounting: [^\n]*)" % name, out, re.S)
    return blocks[-1] if blocks else ""


def stat(block, key):
    m = re.search(r"%s:\s+(\d+)" % key, block)
    return int(m.group(1)) if m else None


class LiveRules(unittest.TestCase):
    def live_config(self, tmp, rx, ct_enabled, sg_rules, inside_dev=None):
        return {
            "workers": 1,
            "mbufs": 8192,
            "ports": [
                {"name": "outside", "device": "net_pcap0,rx_pcap=%s,infinite_rx=1" % rx
                 if ct_enabled is False else "net_pcap0,rx_pcap=%s" % rx},
                {"name": "inside", "device": inside_dev or "net_null0,no-rx=1"},
            ],
            "bridges": [{"name": "br0", "ports": ["outside", "inside"], "protected": "inside"}],
            "conntrack": {"enabled": ct_enabled},
            "security_groups": [{"name": "servers", "bridge": "br0", "rules": sg_rules}],
        }

    def test_replacing_rules_under_load_loses_nothing(self):
        with wwtest.tempdir() as tmp:
            rx = os.path.join(tmp, "load.pcap")
            wrpcap(rx, F.scenario_load(1000).inputs()["outside"])
            live = Live(tmp, self.live_config(tmp, rx, False, ["udp dport 5000 accept"]))
            try:
                first = live.cmd("show port stats outside", r"Accounting:")
                for i in range(30):
                    out = live.cmd("rule add udp dport 9999 drop", r"rule added: handle \d+|(^|> )error: ")
                    h = int(re.search(r"rule added: handle (\d+)", out).group(1))
                    out = live.cmd("sg add-rule servers udp dport 6000 accept",
                                   r"rule added: handle \d+|(^|> )error: ")
                    g = int(re.search(r"rule added: handle (\d+)", out).group(1))
                    self.assertIn("rule deleted", live.cmd("rule delete %d" % h, r"rule deleted|(^|> )error: "))
                    self.assertIn("rule deleted", live.cmd("sg del-rule servers %d" % g,
                                                           r"rule deleted|(^|> )error: "))
                listing = live.cmd("rule list", r"unless a rule accepts them")
                stats = live.cmd("show port stats all", r"Accounting:", times=2)
            finally:
                rest, err = live.quit()
            self.assertEqual(live.proc.returncode, 0, err)
            # only the group's rule and default-closed are left
            self.assertNotIn("dport 9999", listing)
            self.assertNotIn("dport 6000", listing)
            self.assertRegex(listing, r"\n  1 +sg servers +\d+ +\d+  \(iif outside\) udp dport 5000 accept")
            o0 = port_block(first, "outside")
            o, i = port_block(stats, "outside"), port_block(stats, "inside")
            self.assertGreater(stat(o, "RX-packets"), stat(o0, "RX-packets"))   # traffic flowed
            self.assertGreater(stat(o, "RX-packets"), 0)
            self.assertEqual(stat(o, "Dropped"), 0, o)
            self.assertNotIn("drop ", o)
            # what outside received went on, or is in flight (queued)
            self.assertGreater(stat(i, "TX-packets"), 0)
            self.assertNotIn("VIOLATED", stats + rest)
            self.assertIn("holds", o)
            final = port_block(rest, "outside")
            self.assertEqual(stat(final, "Dropped"), 0, final)

    def test_filtering_commands(self):
        with wwtest.tempdir() as tmp:
            rx = os.path.join(tmp, "flows.pcap")
            tl = F.Timeline()
            for k in range(5):
                for n in range(3):
                    tl.add(F.udp("10.1.2.3" if k < 3 else "10.7.7.%d" % k, SERVER,
                                 41000 + k, 5000, "outside", b"x" * (10 * (k + 1))))
            tl.add(F.tcp_syn("10.1.2.3", SERVER, 40000, 23))
            wrpcap(rx, tl.inputs()["outside"])
            cfg = self.live_config(tmp, rx, True, ["udp dport 5000 accept", "tcp dport 22 accept"],
                                   inside_dev="net_pcap1,tx_pcap=%s/out.pcap" % tmp)
            del cfg["conntrack"]
            live = Live(tmp, cfg)
            try:
                time.sleep(1.5)
                listing = live.cmd("rule list", r"unless a rule accepts them")
                bad = live.cmd("rule add tcp dport x accept", r"(^|> )error: ")
                after = live.cmd("rule list", r"unless a rule accepts them")
                groups = live.cmd("sg list", r"servers")
                show = live.cmd("sg show servers", r"unless a rule accepts them")
                ct = live.cmd("show conntrack", r"refused when full")
                top = live.cmd("show conntrack top 5", r"expires in", times=5)
                addr = live.cmd("show conntrack addr 10.1.2.3", r"expires in", times=3)
                none = live.cmd("show conntrack addr 192.0.2.1", r"no connections")
                flushed = live.cmd("conntrack flush", r"flushed")
                ct2 = live.cmd("show conntrack", r"refused when full")
                badtop = live.cmd("show conntrack top 0", r"(^|> )error: ")
            finally:
                rest, err = live.quit()
            self.assertEqual(live.proc.returncode, 0, err)
            # rule list: handle, origin, hits (new connections only), rule
            self.assertRegex(listing, r"handle +from +packets +bytes +rule")
            self.assertRegex(listing, r"\n  1 +sg servers +\d+ +\d+  \(iif outside\) udp dport 5000 accept\n")
            self.assertRegex(listing, r"\n  2 +sg servers +0 +0  \(iif outside\) tcp dport 22 accept\n")
            self.assertRegex(listing, r"\n  - +br0 default-closed +1 +54  \(iif outside\) drop\n")
            # a bad rule: column and reason, nothing changed
            self.assertRegex(bad, r"error: column 11: ")
            self.assertEqual(listing[listing.index("  handle"):], after[after.index("  handle"):])
            self.assertRegex(groups, r"servers +br0 +inside +2")
            self.assertIn("udp dport 5000 accept", show)
            self.assertNotIn("default-closed", show)
            self.assertRegex(ct, r"connections: 5 of \d+ \(conntrack.max_flows\)")
            self.assertRegex(ct, r"udp-unreplied +5\n")
            self.assertRegex(ct, r"created 5, expired 0, early-dropped 0, refused when full 0")
            tops = re.findall(r"udp +br0 (\S+):(\d+) -> (\S+):(\d+) +(\S+) +packets (\d+)/(\d+) "
                              r"bytes (\d+)/(\d+)", top)
            self.assertEqual(len(tops), 5, top)
            # biggest first: the flows' payloads were 50, 40, ... bytes
            self.assertEqual([int(t[1]) for t in tops], [41004, 41003, 41002, 41001, 41000])
            self.assertEqual([(int(t[5]), int(t[6])) for t in tops], [(3, 0)] * 5)
            self.assertEqual({t[4] for t in tops}, {"udp-unreplied"})
            addrs = re.findall(r"udp +br0 (\S+):(\d+) -> (\S+):5000", addr)
            self.assertEqual(sorted(a[1] for a in addrs), ["41000", "41001", "41002"])
            self.assertEqual({a[0] for a in addrs}, {"10.1.2.3"})
            self.assertIn("(no connections)", none)
            self.assertIn("connection tables flushed", flushed)
            self.assertRegex(ct2, r"connections: 0 of \d+")
            self.assertIn("error:", badtop)
            self.assertEqual(len(wwtest.read_frames(os.path.join(tmp, "out.pcap"))), 15)
            # hits are new connections: 5 flows of 3 datagrams each, 50+40+30+20+10 bytes
            # of payload plus 42 of headers in the first datagram of each
            self.assertRegex(listing, r"\n  1 +sg servers +5 +%d  \(iif outside\) udp dport 5000 accept\n"
                             % (5 * 42 + 150))


if __name__ == "__main__":
    unittest.main(verbosity=2)
