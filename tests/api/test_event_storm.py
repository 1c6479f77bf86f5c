#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""An event storm: three of every four packets a looping capture carries
are pings to the broadcast address, each from a source of its own, so the
ICMP guard raises an event per packet (no aggregation can fold distinct
sources) - over a million a second. The fourth is UDP the bridge
forwards. Checks: the workers never wait (every packet is accounted for:
each port's rx is forwarded + icmp-broadcast drops, nothing else, and
exactly a quarter of the packets are forwarded), events beyond what the
rings take are counted as lost, and the SQLite store stays under its
max_rows."""
import json
import os
import re
import shutil
import socket
import struct
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pcap"))
import wwtest  # noqa: E402
from scapy.all import Ether, IP, ICMP, UDP, Raw  # noqa: E402

PREFIX = "ww-storm-%d" % os.getpid()
SOURCES = 49152
PINGS_PER_UDP = 3
MAX_ROWS = 1000
SECONDS = 6


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def curl(*args):
    out = subprocess.run(["curl", "-s", "-f", *args], capture_output=True, text=True,
                         timeout=30)
    if out.returncode != 0:
        raise AssertionError("curl %s: %s" % (args, out.stderr))
    return json.loads(out.stdout)


def ip_checksum(hdr):
    total = sum(struct.unpack("!10H", hdr))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return struct.pack("!H", ~total & 0xffff)


def write_storm(path):
    """SOURCES pings to the broadcast address, each from a source of its
    own, a UDP packet after every PINGS_PER_UDP: one frame built by scapy,
    the sources patched in (scapy would take a minute for them all)."""
    ping = bytearray(bytes(Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="10.100.0.0", dst="255.255.255.255")
                           / ICMP(id=1)))
    udp = bytes(Ether() / IP(src="10.10.0.1", dst="10.10.0.2") / UDP(sport=1000, dport=53)
                / Raw(b"q" * 18))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(SOURCES):
            ping[14 + 12:14 + 16] = bytes((10, 100 + (i >> 16), (i >> 8) & 255, i & 255))
            ping[14 + 10:14 + 12] = b"\0\0"
            ping[14 + 10:14 + 12] = ip_checksum(bytes(ping[14:34]))
            frames = [bytes(ping)] + ([udp] if i % PINGS_PER_UDP == 0 else [])
            for frame in frames:
                f.write(struct.pack("<IIII", 1700000000, i, len(frame), len(frame)))
                f.write(frame)


class EventStorm(unittest.TestCase):
    def test_storm(self):
        tmp = tempfile.mkdtemp(prefix="ww-storm-")
        try:
            self.storm(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree("/var/run/dpdk/" + PREFIX, ignore_errors=True)

    def storm(self, tmp):
        cap = os.path.join(tmp, "storm.pcap")
        write_storm(cap)
        port = free_port()
        cfg = {
            "ports": [{"name": "outside", "device": "net_pcap0,rx_pcap=%s,infinite_rx=1" % cap},
                      {"name": "inside", "device": "net_null1,no-rx=1"}],
            "bridges": [{"name": "br0", "ports": ["outside", "inside"]}],
            "mbufs": 131071,
            "guards": {"icmp": {}},
            "telemetry": {"events": {"max_rows": MAX_ROWS}},
            "http": {"listen": "127.0.0.1:%d" % port},
        }
        path = os.path.join(tmp, "wirewall.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        state = os.path.join(tmp, "state")
        # A file, not a pipe: every event is also an "event:" line on
        # stdout, and a pipe nobody reads would stall the control plane.
        log = open(os.path.join(tmp, "out.log"), "w+")
        proc = subprocess.Popen(
            [wwtest.WIREWALL, "-l", "0-1", "--no-huge", "-m", "1024", "--no-pci",
             "--file-prefix", PREFIX, "--no-shconf", "--log-level", "*:warning", "--",
             "--config", path, "--state-dir", state],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            password = None
            deadline = time.time() + 30
            while password is None and time.time() < deadline:
                with open(log.name) as f:
                    m = re.search(r'created with password (\S+)', f.read(4096))
                password = m.group(1) if m else None
                time.sleep(0.1)
            self.assertIsNotNone(password, "no password line")
            base = "http://127.0.0.1:%d/api/v1" % port
            jar = os.path.join(tmp, "jar")
            for _ in range(50):
                try:
                    curl("-c", jar, "-H", "Content-Type: application/json", "-d",
                         json.dumps({"user": "admin", "password": password}), base + "/login")
                    break
                except AssertionError:
                    time.sleep(0.2)
            first = curl("-b", jar, base + "/stats")
            t0 = time.time()
            time.sleep(SECONDS)
            last = curl("-b", jar, base + "/stats")
            dt = time.time() - t0
        finally:
            proc.send_signal(2)
            proc.wait(timeout=30)
        log.close()
        self.assertEqual(proc.returncode, 0)

        def events(s):
            g = s["guards"]
            return g["events"].get("icmp-broadcast", 0) + g["events_lost"]
        rate = (events(last) - events(first)) / dt
        o = last["ports"]["outside"]
        drops = {k: v for k, v in o["drops"].items() if v}
        print("storm: %.2f M events/s raised by the worker, %d delivered, %d lost; "
              "%.2f Mpps in; drops %s" % (rate / 1e6, last["guards"]["events"].get("icmp-broadcast", 0),
                                          last["guards"]["events_lost"],
                                          (o["rx_packets"] - first["ports"]["outside"]["rx_packets"]) / dt / 1e6,
                                          drops))
        self.assertGreater(rate, 300000, "the storm did not storm")
        self.assertTrue(last["conserved"])
        self.assertEqual(set(drops), {"icmp-broadcast"}, drops)
        # Every packet accounted for: the UDP half forwarded, the pings dropped.
        self.assertEqual(o["rx_packets"], o["forwarded_packets"] + drops["icmp-broadcast"])
        self.assertLessEqual(abs(o["forwarded_packets"] * PINGS_PER_UDP - drops["icmp-broadcast"]),
                             256)
        rows = sqlite3.connect(os.path.join(state, "events.db")).execute(
            "SELECT count(*) FROM events").fetchone()[0]
        print("store: %d rows (max_rows %d)" % (rows, MAX_ROWS))
        self.assertGreater(rows, 0)
        self.assertLessEqual(rows, MAX_ROWS)


if __name__ == "__main__":
    unittest.main()
