#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""What other tools read from a running wirewall, through those tools:
GET /metrics scraped with curl and parsed with the Prometheus client's own
parser (Debian's python3-prometheus-client), open and behind an API token;
the /wirewall/... DPDK telemetry commands through dpdk-telemetry.py; and a
capture of a live port with dpdk-dumpcap (a DPDK secondary process, so
that appliance runs on hugepages).

Live wirewalls on net_null ports: net_null receives packets by itself, so
counters move without any traffic generator. Run with Debian's
/usr/bin/python3; WIREWALL names the binary."""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))
sys.path.insert(0, HERE)
import wwtest  # noqa: E402  (WIREWALL, bridge_config)
import test_rest  # noqa: E402  (the live wirewall, curl with sessions, tokens)
from test_rest import Api, free_port  # noqa: E402

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402


TELEMETRY = "/usr/bin/dpdk-telemetry.py"
DUMPCAP = "/usr/bin/dpdk-dumpcap"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Families every scrape of this configuration has (conntrack on, guards
# on, a rule and a security group), and their types.
FAMILIES = {
    "wirewall_port_rx_packets_total": "counter",
    "wirewall_port_rx_bytes_total": "counter",
    "wirewall_port_tx_packets_total": "counter",
    "wirewall_port_tx_bytes_total": "counter",
    "wirewall_port_forwarded_packets_total": "counter",
    "wirewall_port_forwarded_bytes_total": "counter",
    "wirewall_port_drops_total": "counter",
    "wirewall_port_to_host_packets_total": "counter",
    "wirewall_port_queued_packets_total": "counter",
    "wirewall_rule_hits_packets_total": "counter",
    "wirewall_rule_hits_bytes_total": "counter",
    "wirewall_conntrack_flows": "gauge",
    "wirewall_conntrack_max_flows": "gauge",
    "wirewall_conntrack_created_total": "counter",
    "wirewall_conntrack_expired_total": "counter",
    "wirewall_conntrack_early_dropped_total": "counter",
    "wirewall_conntrack_refused_full_total": "counter",
    "wirewall_events_total": "counter",
    "wirewall_events_lost_total": "counter",
    "wirewall_auto_blocks_total": "counter",
    "wirewall_blocklist_entries": "gauge",
    "wirewall_build_info": "gauge",
    "wirewall_up": "gauge",
}
PORTS = ["outside", "inside"]
# A few drop reasons (the list is lib/packet's WW_FOREACH_REASON).
SOME_REASONS = {"eth-truncated", "tx-full", "rule-drop", "policy-drop",
                "ct-invalid", "ct-full", "blocklist", "arp-spoof"}
CT_STATES = {"syn-sent", "syn-recv", "established", "fin-wait", "time-wait",
             "close", "udp-unreplied", "udp-replied", "icmp", "other"}


def tearDownModule():
    # The appliances take their file prefixes from test_rest's list.
    for p in test_rest._prefixes:
        remove_dpdk_files(p)


def remove_dpdk_files(prefix):
    """The runtime directory and any hugepage files of a file prefix."""
    shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    for f in glob.glob("/dev/hugepages/%smap_*" % prefix):
        try:
            os.unlink(f)
        except OSError:
            pass


def observe_config(metrics, conntrack=None):
    return wwtest.bridge_config(
        protected="inside", conntrack=conntrack,
        rules=["tcp dport 9 drop"],
        security_groups=[{"name": "dns", "bridge": "br0", "rules": ["udp dport 53 accept"]}],
        http={"metrics": metrics})


class Appliance(test_rest.Appliance):
    """test_rest's live wirewall with DPDK telemetry on (it is what this
    test reads), on hugepages or not; its DPDK files go when it stops."""

    def __init__(self, tmp, config, name, hugepages=False):
        super().__init__(tmp, config, name=name)
        self.EAL = ["-m", "256"] if hugepages else ["--no-huge", "-m", "512"]

    def stop(self):
        if self.proc is None:
            return None
        rc = super().stop()
        remove_dpdk_files(self.prefix)
        return rc


def parse_metrics(text):
    """{family name: (type, help, [samples])} by the Prometheus parser.
    It names a counter family without "_total"; the samples keep it."""
    out = {}
    for fam in text_string_to_metric_families(text):
        out[fam.name] = fam
    return out


def samples(fams, name):
    """[(labels, value)] of the family whose samples are called name."""
    key = name[:-len("_total")] if name.endswith("_total") else name
    fam = fams.get(key)
    if fam is None:
        return None
    return [(s.labels, s.value) for s in fam.samples if s.name == name]


def value(fams, name, **labels):
    for lab, v in samples(fams, name) or []:
        if lab == labels:
            return v
    return None


def telemetry(prefix, *commands):
    """Run dpdk-telemetry.py -f prefix with commands on stdin: one JSON
    object per command (stdin is not a terminal: no prompt, no banner)."""
    proc = subprocess.run([TELEMETRY, "-f", prefix], input="\n".join(commands) + "\n",
                          capture_output=True, text=True, timeout=60)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    replies = [json.loads(ln) for ln in lines]
    if len(replies) != len(commands):
        raise AssertionError("dpdk-telemetry.py: %d replies to %d commands:\n%s\n%s"
                             % (len(replies), len(commands), proc.stdout, proc.stderr))
    return [list(r.values())[0] for r in replies]


class OpenMetrics(unittest.TestCase):
    """"metrics": "open": the scrape needs no credentials. The same
    appliance answers the telemetry commands (its socket is on: no
    --no-telemetry)."""

    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.TemporaryDirectory(prefix="ww-obs-")
        cls.tmp = cls.tmpdir.name
        cls.app = Appliance(cls.tmp, observe_config("open"), "open").start()
        cls.api = Api(cls.app, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()
        cls.tmpdir.cleanup()

    def scrape(self):
        r = self.api.get("/metrics", cookie=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("content-type"), CONTENT_TYPE)
        return r.body

    def test_every_family_has_help_and_type(self):
        text = self.scrape()
        fams = parse_metrics(text)
        names = {}
        for fam in fams.values():
            # A sample outside any declared family comes back "untyped"
            # without help.
            self.assertIn(fam.type, ("counter", "gauge"), fam)
            self.assertTrue(fam.documentation, fam)
            full = fam.name + "_total" if fam.type == "counter" else fam.name
            names[full] = fam.type
            for s in fam.samples:
                self.assertEqual(s.name, full, s)
        self.assertEqual(names, FAMILIES)
        # The text itself: HELP then TYPE once per family, before its
        # samples, counters named *_total, no two samples alike.
        declared, seen = [], set()
        for line in text.splitlines():
            m = re.match(r"# (HELP|TYPE) (\S+)", line)
            if m:
                declared.append((m.group(1), m.group(2)))
                continue
            self.assertRegex(line, r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? \d+$')
            name = re.match(r"[a-z_]+", line).group(0)
            self.assertEqual(declared[-1], ("TYPE", name), line)
            key = line.rsplit(" ", 1)[0]
            self.assertNotIn(key, seen)
            seen.add(key)
        self.assertEqual(declared[0::2], [("HELP", n) for n in FAMILIES])
        self.assertEqual(declared[1::2], [("TYPE", n) for n in FAMILIES])
        for line in text.splitlines():
            m = re.match(r"# TYPE (\S+) counter$", line)
            if m:
                self.assertTrue(m.group(1).endswith("_total"), line)

    def test_rx_grows_while_traffic_flows(self):
        first = parse_metrics(self.scrape())
        time.sleep(0.5)
        second = parse_metrics(self.scrape())
        for port in PORTS:
            a = value(first, "wirewall_port_rx_packets_total", port=port)
            b = value(second, "wirewall_port_rx_packets_total", port=port)
            self.assertGreater(a, 0, port)
            self.assertGreater(b, a, port)
            self.assertGreater(value(second, "wirewall_port_rx_bytes_total", port=port), 0)
            self.assertGreater(value(second, "wirewall_port_tx_packets_total", port=port), 0)

    def test_drops_by_reason(self):
        fams = parse_metrics(self.scrape())
        drops = samples(fams, "wirewall_port_drops_total")
        by_port = {}
        for labels, _ in drops:
            self.assertEqual(set(labels), {"port", "reason"})
            by_port.setdefault(labels["port"], set()).add(labels["reason"])
        self.assertEqual(set(by_port), set(PORTS))
        self.assertEqual(by_port["outside"], by_port["inside"])
        self.assertLessEqual(SOME_REASONS, by_port["outside"])
        self.assertNotIn("none", by_port["outside"])  # not a drop
        # Every packet in exactly one bucket (read at one instant).
        for port in PORTS:
            rx = value(fams, "wirewall_port_rx_packets_total", port=port)
            rest = (value(fams, "wirewall_port_forwarded_packets_total", port=port)
                    + value(fams, "wirewall_port_to_host_packets_total", port=port)
                    + value(fams, "wirewall_port_queued_packets_total", port=port)
                    + sum(v for lab, v in drops if lab["port"] == port))
            self.assertEqual(rx, rest, port)

    def test_conntrack(self):
        fams = parse_metrics(self.scrape())
        self.assertEqual(fams["wirewall_conntrack_flows"].type, "gauge")
        states = {lab["state"] for lab, _ in samples(fams, "wirewall_conntrack_flows")}
        self.assertEqual(states, CT_STATES)
        self.assertEqual(value(fams, "wirewall_conntrack_max_flows"), 200000)
        for name in ("created", "expired", "early_dropped", "refused_full"):
            self.assertIsNotNone(value(fams, "wirewall_conntrack_%s_total" % name), name)

    def test_rules_events_blocklists_build(self):
        fams = parse_metrics(self.scrape())
        rules = [lab for lab, _ in samples(fams, "wirewall_rule_hits_packets_total")]
        self.assertIn({"handle": "1", "origin": "rules"}, rules)
        self.assertIn({"handle": "2", "origin": "sg dns"}, rules)
        # entries the appliance generates: no handle
        self.assertIn({"origin": "br0 default-closed"}, rules)
        self.assertIn({"origin": "br0 ipv6-discovery"}, rules)
        self.assertEqual(rules, [lab for lab, _ in samples(fams, "wirewall_rule_hits_bytes_total")])
        events = samples(fams, "wirewall_events_total")
        self.assertIn(({"event": "port-scan", "category": "scan"}, 0.0), events)
        self.assertIn(({"event": "arp-spoof", "category": "arp"}, 0.0), events)
        self.assertEqual(value(fams, "wirewall_auto_blocks_total"), 0)
        self.assertEqual(value(fams, "wirewall_up"), 1)
        (labels, v), = samples(fams, "wirewall_build_info")
        self.assertEqual(v, 1)
        self.assertRegex(labels["version"], r"^\d+\.\d+\.\d+")
        # a block-list entry added through REST shows in its set
        api = Api(self.app, self.tmp)
        self.assertEqual(api.login("admin", self.app.password).status, 200)
        r = api.post("/api/v1/blocklist", {"address": "192.0.2.7"})
        self.assertEqual(r.status, 201, r)
        try:
            fams = parse_metrics(self.scrape())
            sets = dict((lab["set"], v) for lab, v in samples(fams, "wirewall_blocklist_entries"))
            self.assertEqual(sets.get(r.json["set"]), 1, sets)
        finally:
            api.delete("/api/v1/blocklist/%s/192.0.2.7" % r.json["set"])

    def test_telemetry(self):
        port0, ethdev, ports, info, ct, events, by_index, bad, none = telemetry(
            self.app.prefix, "/wirewall/port_stats,outside", "/ethdev/stats,0",
            "/wirewall/ports", "/wirewall/info", "/wirewall/conntrack",
            "/wirewall/events", "/wirewall/port_stats,1", "/wirewall/port_stats,nope",
            "/wirewall/port_stats")
        self.assertEqual(port0["port"], "outside")
        self.assertGreater(port0["rx_packets"], 0)
        self.assertGreater(port0["rx_bytes"], 0)
        for k in ("tx_packets", "tx_bytes", "forwarded_packets", "to_host_packets",
                  "queued_packets"):
            self.assertIn(k, port0)
        # drop reasons as the metrics have them, '_' for '-' (telemetry's
        # rule for keys)
        self.assertLessEqual({r.replace("-", "_") for r in SOME_REASONS}, set(port0["drops"]))
        self.assertGreater(ethdev["ipackets"], 0)
        self.assertEqual(ports, PORTS)
        self.assertEqual(info["workers"], 1)
        self.assertEqual(info["ports"], 2)
        self.assertIn("version", info)
        self.assertIn("revision", info)
        self.assertEqual(ct["enabled"], 1)
        self.assertEqual(ct["max_flows"], 200000)
        self.assertEqual(set(ct["by_state"]), {s.replace("-", "_") for s in CT_STATES})
        self.assertIn("port_scan", events)
        self.assertEqual(by_index["port"], "inside")
        self.assertIsNone(bad)   # unknown port: the command fails
        self.assertIsNone(none)  # a port is required

    def test_capture_needs_hugepages(self):
        """--no-huge: a secondary process has no memory to attach to, so
        wirewall says capture is off and goes on; dpdk-dumpcap fails."""
        self.assertIn("packet capture (dpdk-dumpcap) off: secondary processes "
                      "cannot attach to --no-huge memory", self.app.out)
        out = os.path.join(self.tmp, "nohuge.pcapng")
        proc = subprocess.run([DUMPCAP, "--file-prefix=" + self.app.prefix, "-i", "0",
                               "-c", "5", "-w", out], capture_output=True, text=True,
                              timeout=120)
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIsNone(self.app.proc.poll())
        self.scrape()


class TokenMetrics(unittest.TestCase):
    """"metrics": "token": a scrape needs credentials (an API token). This
    appliance runs without conntrack: no conntrack families then."""

    def test_token(self):
        with tempfile.TemporaryDirectory(prefix="ww-obs-") as tmp:
            config = observe_config("token", conntrack={"enabled": False})
            app = Appliance(tmp, config, "token").start()
            try:
                anon = Api(app, tmp)
                r = anon.get("/metrics", cookie=False)
                self.assertEqual(r.status, 401, r)
                admin = Api(app, tmp)
                self.assertEqual(admin.login("admin", app.password).status, 200)
                r = admin.post("/api/v1/tokens", {"name": "prometheus"})
                self.assertEqual(r.status, 201, r)
                token = r.json["token"]
                r = anon.get("/metrics", cookie=False, token=token)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.header("content-type"), CONTENT_TYPE)
                self.assertIn("wirewall_up 1", r.body)
                fams = parse_metrics(r.body)
                self.assertEqual({n for n in fams if "conntrack" in n}, set())
                self.assertLessEqual(set(fams), {n[:-6] if n.endswith("_total") else n
                                                 for n in FAMILIES})
                ct, = telemetry(app.prefix, "/wirewall/conntrack")
                self.assertEqual(ct, {"enabled": 0})
                r = anon.get("/metrics", cookie=False, token=token[:-1] + "x")
                self.assertEqual(r.status, 401, r)
            finally:
                app.stop()


def hugepages_free():
    with open("/proc/meminfo") as f:
        m = re.search(r"HugePages_Free:\s+(\d+)", f.read())
    return int(m.group(1)) if m else 0


def ensure_hugepages(need):
    """Free 2 MB pages for -m 256 (and dumpcap's pool); reserve 512 if
    there are too few, as tools/setup does. Why not, if it fails."""
    if hugepages_free() >= need:
        return None
    try:
        with open("/proc/sys/vm/nr_hugepages", "w") as f:
            f.write("512")
    except OSError as e:
        return "cannot reserve hugepages: %s" % e
    if not os.path.ismount("/dev/hugepages"):
        return "/dev/hugepages is not mounted"
    if hugepages_free() < need:
        return "only %d hugepages free after asking for 512" % hugepages_free()
    return None


class Capture(unittest.TestCase):
    """dpdk-dumpcap, a secondary process, captures from a live wirewall:
    that appliance runs on hugepages with its own file prefix."""

    def test_dumpcap(self):
        why = ensure_hugepages(200)
        if why:
            self.skipTest("no hugepages for a DPDK secondary process: " + why)
        with tempfile.TemporaryDirectory(prefix="ww-obs-") as tmp:
            app = Appliance(tmp, observe_config("open"), "huge", hugepages=True).start()
            try:
                self.assertNotIn("packet capture", app.out)  # on
                # -i takes DPDK's port id or device name
                for iface, count in (("0", 20), ("net_null1", 5)):
                    out = os.path.join(tmp, "port-%s.pcapng" % iface)
                    proc = subprocess.run([DUMPCAP, "--file-prefix=" + app.prefix, "-i", iface,
                                           "-c", str(count), "-w", out],
                                          capture_output=True, text=True, timeout=120)
                    self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                    info = subprocess.run(["capinfos", "-M", "-t", "-c", out],
                                          capture_output=True, text=True, timeout=60)
                    self.assertEqual(info.returncode, 0, info.stderr)
                    self.assertRegex(info.stdout, r"File type:\s+.*pcapng")
                    # dumpcap (DPDK 22.11) checks -c after writing a whole
                    # burst from its ring: at least count, fewer than
                    # count + 32.
                    n = int(re.search(r"Number of packets:\s+(\d+)", info.stdout).group(1))
                    self.assertTrue(count <= n < count + 32, info.stdout)
                    frames = subprocess.run(["tshark", "-n", "-r", out, "-T", "fields",
                                             "-e", "frame.len"],
                                            capture_output=True, text=True, timeout=60)
                    self.assertEqual(frames.returncode, 0, frames.stderr)
                    self.assertEqual(len(frames.stdout.split()), n)
                # Ending a capture while workers run pdump's callbacks:
                # wirewall waits for them before dumpcap frees their
                # ring and pool (DPDK 22.11 alone does not: it crashed
                # about one time in eight). A few more in a row.
                for i in range(10):
                    out = os.path.join(tmp, "again-%d.pcapng" % i)
                    proc = subprocess.run([DUMPCAP, "--file-prefix=" + app.prefix,
                                           "-i", str(i % 2), "-c", "5", "-q", "-w", out],
                                          capture_output=True, text=True, timeout=120)
                    self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                    self.assertIsNone(app.proc.poll(), "wirewall died after capture %d" % i)
                # wirewall is still there and still counting
                self.assertIsNone(app.proc.poll())
                r = Api(app, tmp).get("/metrics", cookie=False)
                self.assertEqual(r.status, 200, r)
            finally:
                rc = app.stop()
            self.assertEqual(rc, 0, app.out + app.err)
            self.assertEqual(glob.glob("/dev/hugepages/%smap_*" % app.prefix), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
