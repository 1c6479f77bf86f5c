#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Replay: captures in, captures and a report out. Bytes out equal bytes in
for valid traffic both ways, malformed frames are counted by reason, every
port's counters conserve, bad configurations and arguments are refused with
the place named and nothing written."""
import json
import os
import subprocess
import unittest

from scapy.all import Ether, IP, UDP, Raw, wrpcap

import traffic
import wwtest


def frames(pkts):
    return [bytes(p) for p in pkts]


class ValidTraffic(unittest.TestCase):
    def test_bytes_out_equal_bytes_in_both_ways(self):
        to_in, to_out = traffic.conversation()
        wwtest.stamp(to_in, step=0.002)
        wwtest.stamp(to_out, start=1_700_000_000.001, step=0.002)
        with wwtest.tempdir() as tmp:
            r = wwtest.replay(tmp, {"outside": to_in, "inside": to_out})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.outputs["inside"], frames(to_in))
            self.assertEqual(r.outputs["outside"], frames(to_out))
            ports = r.report["ports"]
            o, i = ports["outside"], ports["inside"]
            self.assertEqual(o["rx_packets"], len(to_in))
            self.assertEqual(o["rx_bytes"], sum(len(f) for f in frames(to_in)))
            self.assertEqual(o["forwarded_packets"], len(to_in))
            self.assertEqual(i["tx_packets"], len(to_in))
            self.assertEqual(i["tx_bytes"], o["rx_bytes"])
            self.assertEqual(i["rx_packets"], len(to_out))
            self.assertEqual(o["tx_packets"], len(to_out))
            self.assertEqual(o["drops_total"] + i["drops_total"], 0)
            self.assertTrue(r.report["conserved"])
            self.assertTrue(o["conserved"] and i["conserved"])

    def test_worker_clock_follows_capture_time(self):
        pkts = wwtest.stamp([traffic.e_out() / IP() / UDP() for _ in range(50)],
                            start=1_600_000_000.25, step=0.5)
        with wwtest.tempdir() as tmp:
            r = wwtest.replay(tmp, {"outside": pkts})
            self.assertEqual(r.returncode, 0, r.stderr)
            t = r.report["capture_time"]
            self.assertEqual(t["first_ns"], 1_600_000_000_250_000_000)
            self.assertEqual(t["last_ns"], 1_600_000_000_250_000_000 + 49 * 500_000_000)

    def test_inputs_merge_in_timestamp_order(self):
        # Interleaved captures: the clock must never go backwards, so the
        # last packet seen is the globally latest one, whichever file has it.
        a = wwtest.stamp([traffic.e_out() / IP() / UDP() for _ in range(40)], start=100.0, step=1.0)
        b = wwtest.stamp([traffic.e_in() / IP() / UDP() for _ in range(40)], start=100.5, step=1.0)
        with wwtest.tempdir() as tmp:
            r = wwtest.replay(tmp, {"outside": a, "inside": b})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.report["capture_time"]["first_ns"], 100_000_000_000)
            self.assertEqual(r.report["capture_time"]["last_ns"], 139_500_000_000)
            self.assertEqual(len(r.outputs["inside"]), 40)
            self.assertEqual(len(r.outputs["outside"]), 40)

    def test_large_capture_and_empty_capture(self):
        pkts = [traffic.e_out() / IP(dst="10.0.%d.%d" % (i // 250, i % 250)) / UDP(sport=i % 60000 + 1)
                for i in range(20000)]
        with wwtest.tempdir() as tmp:
            empty = os.path.join(tmp, "empty.pcap")
            wrpcap(empty, [])
            r = wwtest.replay(tmp, {"outside": pkts, "inside": empty})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.report["ports"]["outside"]["forwarded_packets"], 20000)
            self.assertEqual(r.outputs["inside"], frames(pkts))
            self.assertEqual(r.report["ports"]["inside"]["rx_packets"], 0)


    def test_pcapng_input(self):
        # tshark and dumpcap write pcapng: replay reads it as well.
        pkts = wwtest.stamp([traffic.e_out() / IP() / UDP(sport=i + 1) for i in range(10)])
        with wwtest.tempdir() as tmp:
            classic, ng = os.path.join(tmp, "c.pcap"), os.path.join(tmp, "c.pcapng")
            wrpcap(classic, pkts)
            subprocess.run(["editcap", "-F", "pcapng", classic, ng], check=True)
            r = wwtest.replay(tmp, {"outside": ng})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.outputs["inside"], frames(pkts))


class Malformed(unittest.TestCase):
    def test_each_malformed_frame_counted_by_its_reason(self):
        cases = traffic.malformed()
        good = traffic.e_out() / IP(src="10.10.0.1", dst="10.10.0.2") / UDP(sport=1, dport=2) / Raw(b"ok")
        pkts = []
        for _, f in cases:
            pkts.append(Ether(f) if len(f) >= 14 else Raw(f))
            pkts.append(good.copy())
        wwtest.stamp(pkts)
        with wwtest.tempdir() as tmp:
            r = wwtest.replay(tmp, {"outside": pkts})
            self.assertEqual(r.returncode, 0, r.stderr)
            drops = r.report["ports"]["outside"]["drops"]
            for reason, _ in cases:
                self.assertEqual(drops.get(reason), 1, "reason %s: %s" % (reason, drops))
            self.assertEqual(r.report["ports"]["outside"]["drops_total"], len(cases))
            self.assertEqual(r.report["drops"], drops)
            self.assertEqual(r.outputs["inside"], [bytes(good)] * len(cases))
            # the printed counters name each reason and say what it means
            self.assertRegex(r.stdout, r"drop ipv4-bad-ihl +1 +IPv4 header length below 20 bytes")
            self.assertTrue(r.report["conserved"])


class BadInput(unittest.TestCase):
    def refused(self, config, inputs=None, extra=(), expect=()):
        pkts = inputs or {"outside": [traffic.e_out() / IP() / UDP()]}
        with wwtest.tempdir() as tmp:
            r = wwtest.replay(tmp, pkts, config=config, extra=extra)
            self.assertNotEqual(r.returncode, 0)
            for text in expect:
                self.assertIn(text, r.stderr)
            # nothing written: no report, no output capture
            self.assertFalse(os.path.exists(os.path.join(tmp, "report.json")))
            return r

    def test_bad_configs_name_the_path(self):
        base = wwtest.BRIDGE_CONFIG
        cases = [
            (dict(base, colour="blue"), ['config.json: $: unknown key "colour"']),
            (dict(base, workers="one"), ["$.workers: expected an integer, got a string"]),
            (dict(base, bridges=[{"name": "br0", "ports": ["outside", "dmz"]}]),
             ['$.bridges[0].ports[1]: no port named "dmz"']),
            (dict(base, ports=[{"name": "outside"}]), ['$.ports[0]: missing required key "device"']),
            ('{"ports": [', ["config.json:1:", "invalid JSON"]),
        ]
        for config, expect in cases:
            with self.subTest(config=config):
                r = self.refused(json.dumps(config) if isinstance(config, dict) else config, expect=expect)
                self.assertIn("configuration rejected", r.stderr)

    def test_bad_arguments(self):
        self.refused(None, inputs={"dmz": [traffic.e_out()]}, expect=['no port named "dmz"'])
        with wwtest.tempdir() as tmp:
            r = wwtest.replay(tmp, {"outside": os.path.join(tmp, "missing.pcap")})
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("cannot read the capture", r.stderr)
            r = wwtest.replay(tmp, {}, outputs=())
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("at least one --in", r.stderr)
            r = wwtest.replay(tmp, {"outside": [traffic.e_out()]}, extra=("--bogus",))
            self.assertIn('unknown option "--bogus"', r.stderr)

    def test_non_ethernet_capture_is_refused(self):
        with wwtest.tempdir() as tmp:
            raw = os.path.join(tmp, "raw.pcap")
            wrpcap(raw, [IP() / UDP()], linktype=101)  # DLT_RAW: no Ethernet
            r = wwtest.replay(tmp, {"outside": raw})
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("not Ethernet", r.stderr)

    def test_unbridged_input_is_refused(self):
        cfg = dict(wwtest.BRIDGE_CONFIG, bridges=[])
        self.refused(json.dumps(cfg), expect=["is in no bridge"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
