#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flow records against tshark: for a capture replayed through wirewall,
the flow records of each TCP and UDP conversation add up to the frames and
bytes `tshark -q -z conv,tcp` and `-z conv,udp` count on the same capture,
in each direction - forwarded flows and dropped ones, long flows cut by
the active timeout, reused ports, IPv4 and IPv6. Generated captures, and a
real one taken with tcpdump while nc and ping run between two network
namespaces."""
import collections
import json
import os
import re
import shutil
import subprocess
import time
import unittest

from scapy.all import IP, IPv6, TCP, UDP, ICMP, Raw, Ether, wrpcap

import traffic
import wwtest

TSHARK = shutil.which("tshark")


def tshark_conv(path):
    """{(proto, frozenset of endpoints): {endpoint: (frames, bytes, exact)}}:
    what each endpoint sent, from tshark's conversation tables."""
    out = subprocess.run([TSHARK, "-r", path, "-q", "-z", "conv,tcp", "-z", "conv,udp"],
                         capture_output=True, text=True, check=True).stdout
    convs, proto = {}, None
    line_re = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+([\d,]+)\s+(bytes|kB|MB)\s+"
                         r"(\d+)\s+([\d,]+)\s+(bytes|kB|MB)")
    for line in out.splitlines():
        if line.startswith("TCP Conversations"):
            proto = "TCP"
        elif line.startswith("UDP Conversations"):
            proto = "UDP"
        m = line_re.match(line)
        if not m:
            continue
        a, b = endpoint(m.group(1)), endpoint(m.group(2))
        # "<-": what B sent to A; "->": what A sent to B.
        convs[(proto, frozenset((a, b)))] = {
            b: (int(m.group(3)), size(m.group(4), m.group(5))),
            a: (int(m.group(6)), size(m.group(7), m.group(8))),
        }
    return convs


def endpoint(text):
    addr, port = text.rsplit(":", 1)
    return (addr, int(port))


def size(number, unit):
    return (int(number.replace(",", "")), unit)


def record_sums(records):
    """The same shape from flow records: what each endpoint sent."""
    sums = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0]))
    for r in records:
        if r["proto"] not in ("TCP", "UDP"):
            continue
        a = (r["src_ip"], r["src_port"])
        b = (r["dest_ip"], r["dest_port"])
        conv = sums[(r["proto"], frozenset((a, b)))]
        f = r["flow"]
        conv[a][0] += f["pkts_toserver"]
        conv[a][1] += f["bytes_toserver"]
        conv[b][0] += f["pkts_toclient"]
        conv[b][1] += f["bytes_toclient"]
    return sums


def same_bytes(ours, theirs):
    value, unit = theirs
    if unit == "bytes":
        return ours == value
    scale = 1000 if unit == "kB" else 1000 * 1000
    return abs(ours / scale - value) <= 1     # tshark rounds to its unit


class FlowsVsTshark(unittest.TestCase):
    def check(self, records, capture):
        theirs = tshark_conv(capture)
        ours = record_sums(records)
        self.assertTrue(theirs, "tshark saw no conversation")
        self.assertEqual(set(ours), set(theirs), "conversations differ")
        for key, sides in theirs.items():
            for ep, (frames, nbytes) in sides.items():
                got = ours[key][ep]
                self.assertEqual(got[0], frames, "%s %s frames" % (key, ep))
                self.assertTrue(same_bytes(got[1], nbytes),
                                "%s %s bytes: %d vs %s" % (key, ep, got[1], nbytes))
        return theirs

    def replay(self, tmp, inputs, config, merged):
        flows = os.path.join(tmp, "flows.jsonl")
        res = wwtest.replay(tmp, inputs, config, extra=("--flows", flows))
        self.assertEqual(res.returncode, 0, res.stderr)
        with open(flows) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(lines, res.report["flows"], "--flows file = report")
        wrpcap(merged, sorted((p for ps in inputs.values() for p in ps),
                              key=lambda p: p.time))
        return res, lines

    def test_generated(self):
        """Forwarded and dropped flows, v4 and v6, a long flow, port reuse."""
        out, inn = [], []
        t = [1_700_000_000.0]

        def at(lst, pkt, dt=0.001):
            t[0] += dt
            pkt.time = t[0]
            lst.append(pkt)

        def tcp_session(c, s, sport, dport, v6=False, payload=300, rounds=3):
            L3 = IPv6 if v6 else IP
            at(out, traffic.e_out() / L3(src=c, dst=s) / TCP(sport=sport, dport=dport, flags="S", seq=1))
            at(inn, traffic.e_in() / L3(src=s, dst=c) / TCP(sport=dport, dport=sport, flags="SA", seq=100, ack=2))
            at(out, traffic.e_out() / L3(src=c, dst=s) / TCP(sport=sport, dport=dport, flags="A", seq=2, ack=101))
            for i in range(rounds):
                at(out, traffic.e_out() / L3(src=c, dst=s) / TCP(sport=sport, dport=dport, flags="PA", seq=2 + i * payload, ack=101) / Raw(b"q" * payload))
                at(inn, traffic.e_in() / L3(src=s, dst=c) / TCP(sport=dport, dport=sport, flags="PA", seq=101 + i * 900, ack=2 + (i + 1) * payload) / Raw(b"r" * 900))
            at(out, traffic.e_out() / L3(src=c, dst=s) / TCP(sport=sport, dport=dport, flags="FA", seq=2 + rounds * payload, ack=101 + rounds * 900))
            at(inn, traffic.e_in() / L3(src=s, dst=c) / TCP(sport=dport, dport=sport, flags="FA", seq=101 + rounds * 900, ack=3 + rounds * payload))
            at(out, traffic.e_out() / L3(src=c, dst=s) / TCP(sport=sport, dport=dport, flags="A", seq=3 + rounds * payload, ack=102 + rounds * 900))

        tcp_session("10.10.0.1", "10.10.0.2", 40001, 80)
        tcp_session("fd00:10::1", "fd00:10::2", 40002, 443, v6=True)
        # The same ports again after the close: a new connection.
        t[0] += 0.5
        tcp_session("10.10.0.1", "10.10.0.2", 40001, 80)
        # Dropped: closed ports of the protected side, a mid-stream ACK.
        for p in range(3):
            at(out, traffic.e_out() / IP(src="10.10.0.1", dst="10.10.0.2") / TCP(sport=41000 + p, dport=6000, flags="S"))
        at(out, traffic.e_out() / IP(src="10.10.0.3", dst="10.10.0.2") / TCP(sport=42000, dport=80, flags="A"))
        # UDP both ways, and UDP that is dropped.
        for i in range(4):
            at(out, traffic.e_out() / IP(src="10.10.0.1", dst="10.10.0.2") / UDP(sport=5353, dport=53) / Raw(b"d" * 40))
            at(inn, traffic.e_in() / IP(src="10.10.0.2", dst="10.10.0.1") / UDP(sport=53, dport=5353) / Raw(b"a" * 120))
        at(out, traffic.e_out() / IP(src="10.10.0.1", dst="10.10.0.2") / UDP(sport=7000, dport=7001) / Raw(b"x" * 10))
        # A long UDP flow: 8 s with a 2 s active timeout gives interim records.
        for i in range(80):
            at(out, traffic.e_out() / IP(src="10.10.0.1", dst="10.10.0.2") / UDP(sport=6001, dport=53) / Raw(b"s" * 20), dt=0.1)
            at(inn, traffic.e_in() / IP(src="10.10.0.2", dst="10.10.0.1") / UDP(sport=53, dport=6001) / Raw(b"t" * 60), dt=0.001)
        # ICMP (not in tshark's tcp/udp tables, in the records all the same).
        at(out, traffic.e_out() / IP(src="10.10.0.1", dst="10.10.0.2") / ICMP(id=7, seq=1))

        cfg = wwtest.bridge_config(protected="inside")
        cfg["security_groups"] = [{"name": "in", "bridge": "br0", "rules": [
            "tcp dport {80, 443} accept", "udp dport 53 accept", "icmp type echo-request accept"]}]
        cfg["telemetry"] = {"flows": {"active_timeout_s": 2}}
        with wwtest.tempdir() as tmp:
            res, records = self.replay(tmp, {"outside": out, "inside": inn}, cfg,
                                       os.path.join(tmp, "all.pcap"))
            convs = self.check(records, os.path.join(tmp, "all.pcap"))
        reasons = collections.Counter(r["flow"]["reason"] for r in records)
        actions = collections.Counter(r["flow"]["action"] for r in records)
        self.assertGreaterEqual(reasons["active"], 2, reasons)     # the long flow
        self.assertGreaterEqual(reasons["closed"] + reasons["forced"], 3, reasons)
        self.assertGreater(actions["dropped"], 0, actions)
        self.assertGreater(actions["forwarded"], 0, actions)
        self.assertEqual(len([k for k in convs if k[0] == "TCP"]), 6)
        # Accounting: every received packet is in exactly one record.
        rx = sum(p["rx_packets"] for p in res.report["ports"].values())
        self.assertEqual(rx, sum(r["flow"]["pkts_toserver"] + r["flow"]["pkts_toclient"]
                                 for r in records))
        tcp = [r for r in records if r["proto"] == "TCP" and r["dest_port"] == 80
               and r["flow"]["action"] == "forwarded"]
        self.assertTrue(all(r["tcp"]["tcp_flags_ts"] == "1b" for r in tcp), tcp)

    def test_real_capture(self):
        """tcpdump's capture of nc (TCP and UDP) and ping between two
        namespaces, replayed on one port."""
        if os.geteuid() != 0:
            self.skipTest("needs root (network namespaces)")
        with wwtest.tempdir() as tmp:
            cap = os.path.join(tmp, "real.pcap")
            capture_real_traffic(tmp, cap)
            from scapy.all import rdpcap
            pkts = rdpcap(cap)
            self.assertGreater(len(pkts), 20)
            cfg = wwtest.bridge_config()
            cfg["conntrack"] = {"strict": False}
            res, records = self.replay(tmp, {"outside": list(pkts)}, cfg,
                                       os.path.join(tmp, "all.pcap"))
            self.check(records, cap)


def capture_real_traffic(tmp, cap):
    ns = ["wwfl-a-%d" % os.getpid(), "wwfl-b-%d" % os.getpid()]
    veth = ["wwfla%d" % (os.getpid() % 10000), "wwflb%d" % (os.getpid() % 10000)]

    def sh(*args, **kw):
        return subprocess.run(list(args), check=True, capture_output=True, **kw)
    try:
        for n in ns:
            sh("ip", "netns", "add", n)
        sh("ip", "link", "add", veth[0], "netns", ns[0], "type", "veth", "peer", "name", veth[1], "netns", ns[1])
        for n, v, a in ((ns[0], veth[0], "10.77.0.1/24"), (ns[1], veth[1], "10.77.0.2/24")):
            sh("ip", "-n", n, "addr", "add", a, "dev", v)
            sh("ip", "-n", n, "link", "set", v, "up")
        dump = subprocess.Popen(["ip", "netns", "exec", ns[0], "tcpdump", "-i", veth[0], "-w", cap,
                                 "-U", "ip or ip6"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1)
        srv = subprocess.Popen(["ip", "netns", "exec", ns[1], "nc", "-l", "5001"],
                               stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        time.sleep(0.3)
        sh("ip", "netns", "exec", ns[0], "nc", "-N", "-w", "3", "10.77.0.2", "5001",
           input=os.urandom(200000))
        srv.wait(timeout=10)
        usrv = subprocess.Popen(["ip", "netns", "exec", ns[1], "timeout", "3", "nc", "-u", "-l", "5002"],
                                stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        time.sleep(0.3)
        for i in range(5):
            subprocess.run(["ip", "netns", "exec", ns[0], "timeout", "1", "nc", "-u", "-w", "0",
                            "10.77.0.2", "5002"], input=b"hello %d\n" % i, capture_output=True)
        sh("ip", "netns", "exec", ns[0], "ping", "-c", "3", "-i", "0.2", "10.77.0.2")
        usrv.wait(timeout=10)
        time.sleep(0.5)
        dump.terminate()
        dump.wait(timeout=10)
    finally:
        for n in ns:
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


if __name__ == "__main__":
    unittest.main()
