#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crash safety of the saved configuration: wirewall is killed with
SIGKILL in the middle of a stream of rule changes typed at its prompt.
Every time, the file it leaves must parse, load, and equal one of the
committed states: the last change the prompt acknowledged, or the one in
flight - never a torn or mixed document."""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pcap"))
import wwtest  # noqa: E402

PREFIX = "ww-crash-%d" % os.getpid()
BASE_RULES = ["tcp dport 23 drop"]
CHANGES = 400


def config():
    return {
        "workers": 1,
        "ports": [{"name": "outside", "device": "net_null0"},
                  {"name": "inside", "device": "net_null1"}],
        "bridges": [{"name": "br0", "ports": ["outside", "inside"], "protected": "inside"}],
        "rules": list(BASE_RULES),
    }


def change(rnd, i):
    """The i-th change (1-based) of round @rnd: a rule of its own."""
    return "tcp dport %d drop" % (10000 + 1000 * rnd + i)


def start(tmp, cfg_path, stdin):
    args = [wwtest.WIREWALL, "-l", "0-1", "--no-huge", "-m", "256", "--no-pci",
            "--file-prefix", PREFIX, "--no-shconf", "--no-telemetry",
            "--log-level", "*:warning", "--", "--config", cfg_path,
            "--state-dir", os.path.join(tmp, "state"), "--http", "off", "-i"]
    return subprocess.Popen(args, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ww-crash-")
        self.cfg_path = os.path.join(self.tmp, "wirewall.json")
        with open(self.cfg_path, "w") as f:
            json.dump(config(), f)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree("/var/run/dpdk/" + PREFIX, ignore_errors=True)

    def stream_and_kill(self, rnd, kill_after):
        """Type CHANGES rule additions as fast as wirewall takes them; kill
        it after @kill_after seconds. Return the last revision it
        acknowledged."""
        proc = start(self.tmp, self.cfg_path, subprocess.PIPE)
        acked = []

        def read():
            for line in proc.stdout:
                m = re.search(r"revision (\d+) saved", line)
                if m:
                    acked.append(int(m.group(1)))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        # Wait until it serves the prompt, then pour the changes in.
        deadline = time.time() + 20
        while time.time() < deadline and not acked:
            proc.stdin.write("config save\n")
            proc.stdin.flush()
            time.sleep(0.2)
        self.assertTrue(acked, "wirewall never acknowledged a save")
        base = acked[-1]

        def pour():
            try:
                for i in range(1, CHANGES + 1):
                    proc.stdin.write("rule add %s\n" % change(rnd, i))
                proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass

        threading.Thread(target=pour, daemon=True).start()
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        reader.join(timeout=5)
        return base, max(acked)

    def check_file(self, rnd, before, base, last_acked):
        with open(self.cfg_path) as f:
            doc = json.load(f)          # whole: never torn
        rev = doc["revision"]
        self.assertIn(rev, (last_acked, last_acked + 1),
                      "file at revision %d, last acknowledged %d" % (rev, last_acked))
        done = rev - base
        want = before + [change(rnd, i) for i in range(1, done + 1)]
        self.assertEqual(doc["rules"], want)
        return rev, done, want

    def check_loads(self, rev):
        proc = start(self.tmp, self.cfg_path, subprocess.PIPE)
        out, err = proc.communicate("show config\nquit\n", timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn('"revision": %d' % rev, out)

    def test_kill_during_changes(self):
        rng = random.Random(7)
        survived = []
        rules = list(BASE_RULES)
        for rnd in range(3):
            base, last_acked = self.stream_and_kill(rnd, rng.uniform(0.3, 1.5))
            rev, done, rules = self.check_file(rnd, rules, base, last_acked)
            self.check_loads(rev)
            survived.append(done)
            # The next round starts from this state.
        print("changes committed before each kill: %s" % survived)
        self.assertTrue(any(0 < d < CHANGES for d in survived),
                        "every kill fell before or after the stream: %s" % survived)


if __name__ == "__main__":
    unittest.main()
