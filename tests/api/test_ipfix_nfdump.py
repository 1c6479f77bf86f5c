#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""IPFIX export read back by a real collector: nfcapd (Debian's nfdump
package) listens on loopback, ipfix_send exports a known set of flow
records through lib/export, nfcapd is stopped so it writes its file, and
nfdump's JSON must hold every direction that carried packets, and nothing
else: addresses, ports (ICMP type and code), protocol, packets, bytes,
times, TCP flags, ingress interface. A second run exports many records in
small messages: nfcapd must count no sequence error."""
import collections
import datetime
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
IPFIX_SEND = os.environ.get("IPFIX_SEND") or os.path.join(
    HERE, "..", "..", "build", "tests", "ipfix_send")
WIREWALL = os.environ.get("WIREWALL") or os.path.join(HERE, "..", "..", "build", "app",
                                                     "wirewall")
NOW_MS = int(time.time()) * 1000

# proto, side 0, side 1, (packets, bytes) of each side, first/last ms
# before now, TCP flags of each side, flowEndReason, ingress port.
FLOWS = [
    (6, ("10.0.0.1", 40000), ("192.0.2.80", 443), (10, 1000), (8, 9000),
     (-10000, -4500), (0x1b, 0x12), 3, 2),
    (17, ("10.0.0.2", 5353), ("10.0.0.53", 53), (1, 80), (1, 200),
     (-8000, -7999), (0, 0), 1, 0),
    (6, ("2001:db8::1", 51000), ("2001:db8:1::80", 80), (12, 1500),
     (10, 14000), (-9000, -1000), (0x1a, 0x1a), 2, 1),
    (17, ("2001:db8::5", 123), ("2001:db8::6", 123), (4, 360), (0, 0),
     (-6000, -3000), (0, 0), 1, 1),
    # only side 1 sent (a reply to traffic not seen)
    (17, ("10.0.0.7", 1000), ("10.0.0.8", 2000), (0, 0), (2, 160),
     (-5000, -4000), (0, 0), 4, 0),
    # echo request and reply: type 8 code 0 in side 0's port
    (1, ("10.0.0.9", 8 << 8), ("10.0.0.10", 0), (4, 392), (4, 392),
     (-3000, -2000), (0, 0), 1, 0),
]


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_taken(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", port))
        return False
    except OSError:
        return True
    finally:
        s.close()


def line(f):
    proto, (a, pa), (b, pb), c0, c1, (t0, t1), fl, reason, inp = f
    return "%d %s %d %s %d %d %d %d %d %d %d 0x%x 0x%x %d %d" % (
        proto, a, pa, b, pb, c0[0], c0[1], c1[0], c1[1],
        NOW_MS + t0, NOW_MS + t1, fl[0], fl[1], reason, inp)


def utc_ms(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03d" % (ms % 1000)


def ip(a):
    return ipaddress.ip_address(a).compressed


def expected(flows):
    """nfdump's view of each direction that carried packets, by key."""
    want = {}
    for proto, s0, s1, c0, c1, (t0, t1), fl, reason, inp in flows:
        for d, (src, dst, cnt, flags) in enumerate(
                ((s0, s1, c0, fl[0]), (s1, s0, c1, fl[1]))):
            if cnt[0] == 0:
                continue
            if proto == 1:
                # type and code stay side 0's, the source port is 0
                sport, dport = 0, s0[1] if d == 0 else s1[1]
            else:
                sport, dport = src[1], dst[1]
            want[(ip(src[0]), ip(dst[0]), proto, sport, dport)] = {
                "packets": cnt[0], "bytes": cnt[1], "flags": flags,
                "first": utc_ms(NOW_MS + t0), "last": utc_ms(NOW_MS + t1),
                "input_snmp": inp,
            }
    return want


def flags_of(s):
    """nfdump's "...AP.SF" (with CWR, ECE first) as bits."""
    bits = 0
    for c, name in zip(reversed(s), reversed("CEUAPRSF")):
        if c == name:
            bits |= 1 << "FSRPAUEC".index(name)
    return bits


def key_of(r):
    src = ip(r.get("src4_addr") or r.get("src6_addr"))
    dst = ip(r.get("dst4_addr") or r.get("dst6_addr"))
    if r["proto"] in (1, 58):
        return (src, dst, r["proto"], 0,
                r.get("icmp_type", 0) << 8 | r.get("icmp_code", 0))
    return (src, dst, r["proto"], r["src_port"], r["dst_port"])


class NfdumpTest(unittest.TestCase):
    def setUp(self):
        for tool in ("nfcapd", "nfdump"):
            if shutil.which(tool) is None:
                self.fail("%s not found: apt-get install nfdump" % tool)
        self.assertTrue(os.access(IPFIX_SEND, os.X_OK),
                        "no ipfix_send at %s" % IPFIX_SEND)
        self.tmp = tempfile.mkdtemp(prefix="ww-ipfix-")
        self.dir = os.path.join(self.tmp, "flows")
        os.mkdir(self.dir)
        self.nfcapd = None

    def tearDown(self):
        if self.nfcapd is not None and self.nfcapd.poll() is None:
            os.kill(self.nfcapd.pid, signal.SIGKILL)
            self.nfcapd.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start_nfcapd(self):
        self.port = free_udp_port()
        self.log = open(os.path.join(self.tmp, "nfcapd.log"), "w+")
        self.nfcapd = subprocess.Popen(
            ["nfcapd", "-w", self.dir, "-p", str(self.port),
             "-b", "127.0.0.1"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while not port_taken(self.port):
            self.assertIsNone(self.nfcapd.poll(), self.nfcapd_log())
            self.assertLess(time.time(), deadline,
                            "nfcapd did not bind: " + self.nfcapd_log())
            time.sleep(0.05)

    def nfcapd_log(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop_nfcapd(self):
        """SIGTERM: nfcapd closes its file. Its log has the counts."""
        time.sleep(1.0)   # let it take what the socket holds
        os.kill(self.nfcapd.pid, signal.SIGTERM)
        self.nfcapd.wait(timeout=20)
        log = self.nfcapd_log()
        self.log.close()
        self.assertEqual(self.nfcapd.returncode, 0, log)
        return log

    def send(self, lines, *args):
        p = subprocess.run(
            [IPFIX_SEND] + list(args) + ["127.0.0.1:%d" % self.port],
            input="\n".join(lines) + "\n", capture_output=True, text=True,
            timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def read_flows(self):
        files = [f for f in os.listdir(self.dir) if f.startswith("nfcapd.")]
        self.assertTrue(files, "nfcapd wrote no file")
        p = subprocess.run(["nfdump", "-R", self.dir, "-o", "json"],
                           capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, TZ="UTC"))
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else []

    def test_flows(self):
        self.start_nfcapd()
        out = self.send([line(f) for f in FLOWS], "-d", "42")
        log = self.stop_nfcapd()
        want = expected(FLOWS)
        self.assertIn("records %d " % len(want), out)
        self.assertIn("Observation domain 42", log)
        got = {}
        for r in self.read_flows():
            k = key_of(r)
            self.assertNotIn(k, got, "flow twice: %s" % (k,))
            got[k] = {
                "packets": r["in_packets"], "bytes": r["in_bytes"],
                "first": r["first"], "last": r["last"],
                "input_snmp": r["input_snmp"],
                "flags": flags_of(r["tcp_flags"]) if "tcp_flags" in r else 0,
            }
        self.assertEqual(sorted(got), sorted(want))
        for k in want:
            self.assertEqual(got[k], want[k], "flow %s" % (k,))
        print("nfdump read the %d flows back" % len(got))

    def test_wirewall_exports_a_capture(self):
        """The appliance itself: `wirewall replay` of a capture with
        telemetry.ipfix pointing at nfcapd; nfdump's flows equal the
        replay's flow records, direction by direction."""
        from scapy.all import Ether, IP, IPv6, TCP, UDP, Raw, wrpcap
        self.start_nfcapd()
        pkts, t = [], 1_700_000_000.0
        for i in range(20):
            for p in (Ether() / IP(src="10.1.0.1", dst="10.1.0.2") / TCP(sport=40000 + i, dport=80, flags="S"),
                      Ether() / IP(src="10.1.0.2", dst="10.1.0.1") / TCP(sport=80, dport=40000 + i, flags="SA"),
                      Ether() / IP(src="10.1.0.1", dst="10.1.0.2") / TCP(sport=40000 + i, dport=80, flags="PA") / Raw(b"x" * (10 * i)),
                      Ether() / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=5000 + i, dport=53) / Raw(b"q" * 20)):
                t += 0.001
                p.time = t
                pkts.append(p)
        cap = os.path.join(self.tmp, "in.pcap")
        wrpcap(cap, pkts)
        cfg = {"ports": [{"name": "outside", "device": "net_null0"},
                         {"name": "inside", "device": "net_null1"}],
               "bridges": [{"name": "br0", "ports": ["outside", "inside"]}],
               "telemetry": {"ipfix": {"collectors": ["127.0.0.1:%d" % self.port]}}}
        cfg_path = os.path.join(self.tmp, "wirewall.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        report = os.path.join(self.tmp, "report.json")
        p = subprocess.run([WIREWALL, "replay", "--config", cfg_path, "--in", "outside=" + cap,
                            "--report", report], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.stop_nfcapd()
        with open(report) as f:
            records = json.load(f)["flows"]
        want = collections.Counter()
        for r in records:
            proto = {"TCP": 6, "UDP": 17}[r["proto"]]
            a, b = (ip(r["src_ip"]), r["src_port"]), (ip(r["dest_ip"]), r["dest_port"])
            fl = r["flow"]
            if fl["pkts_toserver"]:
                want[(a[0], b[0], proto, a[1], b[1])] += fl["pkts_toserver"]
            if fl["pkts_toclient"]:
                want[(b[0], a[0], proto, b[1], a[1])] += fl["pkts_toclient"]
        got = collections.Counter()
        for r in self.read_flows():
            got[key_of(r)] += r["in_packets"]
        self.assertEqual(len(want), 60)
        self.assertEqual(got, want)

    def test_many_small_messages(self):
        flows = []
        for i in range(120):
            a, b = ("10.2.%d.1" % i, "10.3.%d.1" % i) if i % 2 else \
                   ("2001:db8:2::%x" % i, "2001:db8:3::%x" % i)
            flows.append((17, (a, 10000 + i), (b, 53), (i + 1, 100 * (i + 1)),
                          (i % 3, 70 * (i % 3)), (-5000, -1000), (0, 0), 1, 0))
        self.start_nfcapd()
        out = self.send([line(f) for f in flows], "-m", "300")
        log = self.stop_nfcapd()
        want = expected(flows)
        self.assertIn("records %d " % len(want), out)
        msgs = int(out.split()[3])
        self.assertGreater(msgs, len(want) * 52 // 300)
        self.assertIn("Flows: %d," % len(want), log)
        self.assertIn("Sequence Errors: 0,", log)
        got = {key_of(r): (r["in_packets"], r["in_bytes"])
               for r in self.read_flows()}
        self.assertEqual(got, {k: (v["packets"], v["bytes"])
                               for k, v in want.items()})
        print("%d flows in %d messages, no sequence error" % (len(got), msgs))


if __name__ == "__main__":
    unittest.main(verbosity=2)
