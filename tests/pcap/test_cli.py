#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The live appliance and its prompt, on net_pcap ports: --cmdline-file and
-i run the testpmd-style commands; bad commands get a clear error; quit and
SIGINT stop it cleanly with final counters; bad start-up input is refused."""
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import time
import unittest

from scapy.all import IP, UDP, Raw, wrpcap

import traffic
import wwtest

PACKETS = 25
PREFIX = "ww-cli-%d" % os.getpid()


def tearDownModule():
    # --no-shconf leaves an empty runtime directory; leave nothing.
    shutil.rmtree("/var/run/dpdk/" + PREFIX, ignore_errors=True)


def live_config(tmp, rx_pcap):
    return {
        "workers": 1,
        "ports": [
            {"name": "outside", "device": "net_pcap0,rx_pcap=%s" % rx_pcap},
            {"name": "inside", "device": "net_pcap1,tx_pcap=%s/out.pcap" % tmp},
        ],
        "bridges": [{"name": "br0", "ports": ["outside", "inside"], "protected": "inside"}],
        # The test traffic is DNS from outside: the protected side allows it.
        "security_groups": [{"name": "dns", "bridge": "br0", "rules": ["udp dport 53 accept"]}],
    }


def start(tmp, app_args, stdin=subprocess.DEVNULL, config=None, eal=("-l", "0-1"),
          stdout=subprocess.PIPE):
    rx = os.path.join(tmp, "in.pcap")
    wrpcap(rx, [traffic.e_out() / IP(src="10.10.0.1", dst="10.10.0.2") / UDP(sport=i + 1, dport=53)
                for i in range(PACKETS)])
    cfg = os.path.join(tmp, "wirewall.json")
    with open(cfg, "w") as f:
        json.dump(config or live_config(tmp, rx), f)
    args = [wwtest.WIREWALL, *eal, "--no-huge", "-m", "256", "--no-pci",
            "--file-prefix", PREFIX, "--no-shconf", "--no-telemetry",
            "--log-level", "*:warning", "--", "--config", cfg,
            "--state-dir", os.path.join(tmp, "state"), "--http", "off", *app_args]
    return subprocess.Popen(args, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                            text=True)


def prompt(test, tmp, steps, config=None, eal=("-l", "0-1")):
    """Run wirewall -i and type each (delay s, text) step after its delay;
    check it exits 0 and return what it printed."""
    proc = start(tmp, ["-i"], stdin=subprocess.PIPE, config=config, eal=eal)
    for delay, text in steps:
        time.sleep(delay)
        proc.stdin.write(text)
        proc.stdin.flush()
    out, err = finish(proc)
    test.assertEqual(proc.returncode, 0, err)
    return out


def finish(proc, timeout=20):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError("wirewall did not stop: %s %s" % (out[-2000:], err[-2000:]))
    return out, err


class CommandFile(unittest.TestCase):
    def test_commands_errors_and_quit(self):
        with wwtest.tempdir() as tmp:
            cmds = os.path.join(tmp, "cmds")
            with open(cmds, "w") as f:
                f.write("help\nshow port info all\nshow config\nshow port stats outside\n"
                        "show port stats dmz\nfrobnicate now\nclear port stats all\nshow port stats 1\nquit\n")
            proc = start(tmp, ["--cmdline-file", cmds])
            out, err = finish(proc)
            self.assertEqual(proc.returncode, 0, err)
            self.assertIn("show port stats <port>", out)                 # help
            self.assertIn("Driver: net_pcap", out)                        # port info
            self.assertIn("Bridge: br0, peer inside", out)
            self.assertIn('"protected": "inside"', out)                   # show config
            self.assertIn('error: no command matches "show port stats dmz"', out)
            self.assertIn("usage:  show port stats <port>\n", out)
            self.assertIn("<port> is \"all\", a port name or a port number", out)
            self.assertIn('error: no command matches "frobnicate now"', out)
            self.assertIn('unknown command "frobnicate"', out)
            self.assertIn("counters of all ports cleared", out)
            self.assertIn("2 command(s) failed", out)
            self.assertIn("final counters", out)

    def test_missing_command_file(self):
        with wwtest.tempdir() as tmp:
            proc = start(tmp, ["--cmdline-file", os.path.join(tmp, "nope"), "-i"],
                         stdin=subprocess.PIPE)
            proc.stdin.write("quit\n")
            proc.stdin.flush()
            out, err = finish(proc)
            self.assertIn("cannot read command file", out)


class GuardCommands(unittest.TestCase):
    """blocklist, guard, show guards, show arp, arp flush: what the operator
    types and reads; bad arguments are refused and change nothing."""

    def test_blocklist_and_guard_settings(self):
        with wwtest.tempdir() as tmp:
            rx = os.path.join(tmp, "in.pcap")
            cfg = live_config(tmp, rx)
            cfg["guards"] = {"scan": {"ports": 30}, "icmp": {}, "arp": {},
                             "blocklist": {"sets": {"feeds": ["192.0.2.0/24"]}}}
            cmds = os.path.join(tmp, "cmds")
            with open(cmds, "w") as f:
                f.write("blocklist add 203.0.113.7 ttl 600\n"
                        "blocklist add 198.51.100.0/24 set feeds\n"
                        "blocklist add 2001:db8::7 set feeds\n"
                        "blocklist add 10.0.0.300\n"
                        "blocklist add 203.0.113.8 ttl abc\n"
                        "blocklist add 203.0.113.9/24\n"
                        "blocklist list\n"
                        "blocklist del 203.0.113.7\n"
                        "blocklist del 203.0.113.99\n"
                        "blocklist list feeds\n"
                        "guard scan ports 10\n"
                        "guard scan ports 1\n"
                        "guard scan speed 3\n"
                        "guard icmp enabled off\n"
                        "show guards\n"
                        "show arp\n"
                        "arp flush\n"
                        "blocklist flush feeds\n"
                        "blocklist list\n"
                        "quit\n")
            proc = start(tmp, ["--cmdline-file", cmds], config=cfg)
            out, err = finish(proc)
            self.assertEqual(proc.returncode, 0, err)
            self.assertIn("203.0.113.7 added to manual (expires)", out)
            self.assertIn("198.51.100.0/24 added to feeds", out)
            self.assertIn("2001:db8::7 added to feeds", out)
            self.assertRegex(out, r"error: .*10\.0\.0\.300")
            self.assertIn('error: ttl "abc": seconds from 1 to 31536000', out)
            self.assertRegex(out, r"error: .*203\.0\.113\.9/24")   # host bits set
            # the first list: config entry, manual with expiry, feeds
            self.assertRegex(out, r"203\.0\.113\.7 +manual +manual +in (600|599) s")
            self.assertRegex(out, r"192\.0\.2\.0/24 +feeds +config +never")
            self.assertIn("4 entries", out)
            self.assertIn("203.0.113.7 removed", out)
            self.assertIn("error: 203.0.113.99 is not on any block list", out)
            self.assertIn("3 entries", out)                 # feeds: 3
            self.assertIn("guards.scan.ports = 10", out)
            self.assertIn("error: $.guards.scan.ports: 1 is out of range (2..65536)", out)
            self.assertIn('unknown key "speed"', out)
            self.assertIn("guards.icmp.enabled = off", out)
            self.assertIn("scan      on  10 ports or 100 hosts", out)   # 1 refused: 10 stays
            self.assertIn("icmp      off", out)
            self.assertIn("feeds", out)
            self.assertIn("learned ARP bindings forgotten", out)
            self.assertIn("3 entries removed", out)
            self.assertIn("(none)", out)
            self.assertIn("6 command(s) failed", out)


class Interactive(unittest.TestCase):
    def test_prompt_counts_every_packet(self):
        with wwtest.tempdir() as tmp:
            # the capture is tiny: drained long before the first show;
            # the second show has rates
            out = prompt(self, tmp, [(2, "show port stats all\n"),
                                     (0.5, "show port stats outside\nquit\n")])
            self.assertIn("RX-packets: %-14d" % PACKETS, out)
            self.assertIn("Forwarded:  %-14d" % PACKETS, out)
            self.assertIn("rx = forwarded + dropped + to-host + queued: holds", out)
            self.assertNotIn("VIOLATED", out)
            # the capture was drained before the first show: rates are zero
            self.assertEqual(out.count("Throughput (since last show)"), 1)
            self.assertRegex(out, r"Rx-pps: 0 +Rx-bps: 0 +Tx-pps: 0 +Tx-bps: 0")
            self.assertEqual(len(wwtest.read_frames(os.path.join(tmp, "out.pcap"))), PACKETS)

    def test_rates_under_load(self):
        # net_pcap replays the capture forever into net_null: a steady load.
        with wwtest.tempdir() as tmp:
            rx = os.path.join(tmp, "loop.pcap")
            wrpcap(rx, [traffic.e_out() / IP() / UDP(sport=i + 1) for i in range(64)])
            cfg = {"workers": 1,
                   "ports": [{"name": "outside", "device": "net_pcap0,rx_pcap=%s,infinite_rx=1" % rx},
                             {"name": "inside", "device": "net_null0,no-rx=1"}],
                   "bridges": [{"name": "br0", "ports": ["outside", "inside"]}]}
            out = prompt(self, tmp, [(1, "show port stats all\n"),
                                     (1, "show port stats all\nquit\n")], config=cfg)
            rates = re.findall(r"Rx-pps: (\d+) +Rx-bps: (\d+) +Tx-pps: (\d+) +Tx-bps: (\d+)", out)
            self.assertEqual(len(rates), 2, out)
            (o_rx, o_rxb, o_tx, _), (i_rx, _, i_tx, i_txb) = [tuple(map(int, r)) for r in rates]
            self.assertGreater(o_rx, 100000)           # outside receives ...
            self.assertEqual(o_tx, 0)
            self.assertEqual(i_rx, 0)                  # ... inside sends it on
            self.assertGreater(i_tx, 100000)
            # bits per packet: 42-byte frames (Ethernet, IPv4, UDP)
            self.assertAlmostEqual(o_rxb / o_rx, 42 * 8, delta=1)
            self.assertAlmostEqual(i_txb / i_tx, 42 * 8, delta=1)
            self.assertNotIn("VIOLATED", out)

    def test_sigint_stops_cleanly_with_final_counters(self):
        with wwtest.tempdir() as tmp:
            proc = start(tmp, [])
            time.sleep(2)
            proc.send_signal(signal.SIGINT)
            out, err = finish(proc)
            self.assertEqual(proc.returncode, 0, err)
            self.assertIn("final counters", out)
            self.assertIn("port 0: outside", out)
            self.assertIn("RX-packets: %-14d" % PACKETS, out)


class Completion(unittest.TestCase):
    def test_tab_completes_commands_and_port_names(self):
        # The prompt on a real terminal (a pty): TAB completes each word.
        master, slave = pty.openpty()
        with wwtest.tempdir() as tmp:
            proc = start(tmp, ["-i"], stdin=slave, stdout=slave)
            os.close(slave)
            try:
                seen = self.type_and_read(master, b"", b"wirewall> ")
                for keys in (b"sh\t", b"po\t", b"st\t", b"ins\t"):
                    seen += self.type_and_read(master, keys, None, wait=0.5)
                # cmdline redraws with ANSI sequences: compare the text
                self.assertIn(b"show port stats inside ", re.sub(rb"\x1b\[[0-9;]*[A-Za-z]", b"", seen))
                seen += self.type_and_read(master, b"\r", b"Port 1: inside")
                os.write(master, b"quit\r")
                self.type_and_read(master, b"", b"final counters")
                self.assertEqual(proc.wait(timeout=20), 0)
            finally:
                if proc.poll() is None:
                    proc.kill()
                os.close(master)

    @staticmethod
    def type_and_read(fd, keys, until, wait=10.0):
        os.write(fd, keys)
        got, deadline = b"", time.monotonic() + wait
        while time.monotonic() < deadline and (until is None or until not in got):
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                got += os.read(fd, 4096)
        if until is not None and until not in got:
            raise AssertionError("waited for %r, got %r" % (until, got))
        return got


class TxFull(unittest.TestCase):
    """What the peer port does not take is dropped as tx-full and counted."""

    def setUp(self):
        # A veth whose MTU is too small for some frames: pcap's send fails
        # for those, as a full TX queue would refuse them.
        self.dev = "wwtx%d" % (os.getpid() % 100000)
        subprocess.run(["ip", "link", "add", self.dev, "type", "veth", "peer", "name",
                        self.dev + "p"], check=True)
        subprocess.run(["ip", "link", "set", self.dev, "mtu", "68", "up"], check=True)

    def tearDown(self):
        subprocess.run(["ip", "link", "del", self.dev], check=False)

    def test_refused_packets_are_counted(self):
        small = [traffic.e_out() / IP() / UDP(sport=i + 1) for i in range(3)]
        big = [traffic.e_out() / IP() / UDP(sport=i + 1) / Raw(b"x" * 150) for i in range(5)]
        with wwtest.tempdir() as tmp:
            rx = os.path.join(tmp, "mix.pcap")
            wrpcap(rx, small + big)       # one burst: net_pcap stops at the first refusal
            cfg = {"workers": 1,
                   "ports": [{"name": "outside", "device": "net_pcap0,rx_pcap=" + rx},
                             {"name": "inside", "device": "net_pcap1,tx_iface=" + self.dev}],
                   "bridges": [{"name": "br0", "ports": ["outside", "inside"]}]}
            out = prompt(self, tmp, [(2, "show port stats outside\nquit\n")], config=cfg)
            self.assertIn("RX-packets: 8 ", out)
            self.assertIn("Forwarded:  3 ", out)
            self.assertRegex(out, r"drop tx-full +5 ")
            self.assertIn("TX-packets: 3 ", out)    # inside sent the small ones
            self.assertNotIn("VIOLATED", out)


class Workers(unittest.TestCase):
    def test_two_bridges_on_two_workers(self):
        # Ports without RSS: each bridge belongs whole to one worker.
        with wwtest.tempdir() as tmp:
            a, c = os.path.join(tmp, "a.pcap"), os.path.join(tmp, "c.pcap")
            wrpcap(a, [traffic.e_out() / IP() / UDP(sport=i + 1) for i in range(30)])
            wrpcap(c, [traffic.e_in() / IP() / UDP(sport=i + 1) for i in range(20)])
            cfg = {"workers": 2,
                   "ports": [{"name": "a", "device": "net_pcap0,rx_pcap=" + a},
                             {"name": "b", "device": "net_pcap1,tx_pcap=%s/b.pcap" % tmp},
                             {"name": "c", "device": "net_pcap2,rx_pcap=" + c},
                             {"name": "d", "device": "net_pcap3,tx_pcap=%s/d.pcap" % tmp}],
                   "bridges": [{"name": "br0", "ports": ["a", "b"]},
                               {"name": "br1", "ports": ["c", "d"]}]}
            out = prompt(self, tmp, [(2, "show port info all\nquit\n")], config=cfg,
                         eal=["--lcores", "(0-2)@(0,1)"])
            self.assertIn("2 worker(s)", out)
            self.assertIn("Polled by: worker 0 (lcore 1, queue 0)", out)
            self.assertIn("Polled by: worker 1 (lcore 2, queue 0)", out)
            self.assertEqual(len(wwtest.read_frames(os.path.join(tmp, "b.pcap"))), 30)
            self.assertEqual(len(wwtest.read_frames(os.path.join(tmp, "d.pcap"))), 20)
            self.assertNotIn("VIOLATED", out)


class StartupErrors(unittest.TestCase):
    def test_bad_config_exits_before_eal(self):
        with wwtest.tempdir() as tmp:
            cfg = live_config(tmp, "/nonexistent.pcap")
            cfg["bridges"][0]["protected"] = "dmz"
            proc = start(tmp, [], config=cfg)
            out, err = finish(proc)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("$.bridges[0].protected", err)
            self.assertNotIn("EAL", err)

    def test_missing_device_is_named(self):
        with wwtest.tempdir() as tmp:
            cfg = live_config(tmp, "/nonexistent.pcap")
            proc = start(tmp, [], config=cfg)
            out, err = finish(proc)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("port outside", err)

    def test_bad_option(self):
        with wwtest.tempdir() as tmp:
            proc = start(tmp, ["--colour"])
            out, err = finish(proc)
            self.assertEqual(proc.returncode, 2)
            self.assertIn('unknown option "--colour"', err)

    def test_too_few_lcores(self):
        with wwtest.tempdir() as tmp:
            rx = os.path.join(tmp, "in.pcap")
            cfg = live_config(tmp, rx)
            cfg["workers"] = 4
            proc = start(tmp, [], config=cfg)
            out, err = finish(proc)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("asks for 4 worker(s)", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
