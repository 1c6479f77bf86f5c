# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers of the replay and CLI tests: run wirewall on captures and
read back what it wrote. Run with Debian's /usr/bin/python3 (scapy)."""
import copy
import json
import os
import subprocess
import sys
import tempfile

from scapy.all import PcapReader, wrpcap  # noqa: F401  (re-exported)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WIREWALL = os.environ.get("WIREWALL", os.path.join(ROOT, "build", "app", "wirewall"))

# A plain two-port bridge (no protected side, no connection tracking: every
# well-formed frame passes); devices are replaced by replay, so any string
# will do. The filtering tests build their own configurations.
BRIDGE_CONFIG = {
    "workers": 1,
    "ports": [
        {"name": "outside", "device": "net_null0"},
        {"name": "inside", "device": "net_null1"},
    ],
    "bridges": [{"name": "br0", "ports": ["outside", "inside"]}],
    "conntrack": {"enabled": False},
}


class Result:
    def __init__(self, proc, report, outputs):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.report = report
        self.outputs = outputs  # port -> list of raw frames (bytes)


def bridge_config(protected=None, conntrack=None, **extra):
    """Two ports in one bridge (devices replaced by replay), the protected
    side and conntrack settings if given, then any other top-level keys."""
    cfg = {
        "workers": 1,
        "ports": [{"name": "outside", "device": "net_null0"},
                  {"name": "inside", "device": "net_null1"}],
        "bridges": [{"name": "br0", "ports": ["outside", "inside"]}],
    }
    if protected:
        cfg["bridges"][0]["protected"] = protected
    if conntrack is not None:
        cfg["conntrack"] = conntrack
    cfg.update(copy.deepcopy(extra))
    return cfg


def only(drops):
    """The non-zero drop counters."""
    return {k: v for k, v in drops.items() if v}


def scenario_main(scenarios, prog):
    """`prog NAME OUTDIR`: write scenario NAME's inputs as OUTDIR/NAME-PORT.pcap."""
    if len(sys.argv) != 3 or sys.argv[1] not in scenarios:
        sys.exit("usage: %s {%s} OUTDIR" % (prog, ",".join(scenarios)))
    name, out = sys.argv[1], sys.argv[2]
    for port, pkts in scenarios[name]().inputs().items():
        if pkts:
            wrpcap("%s/%s-%s.pcap" % (out, name, port), pkts)


def stamp(packets, start=1_700_000_000.0, step=0.001):
    """Give packets increasing capture times (seconds)."""
    for i, p in enumerate(packets):
        p.time = start + i * step
    return packets


def read_frames(path):
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    with PcapReader(path) as r:
        return [bytes(p) for p in r]


def replay(tmp, inputs, config=None, outputs=("outside", "inside"), extra=()):
    """inputs: port -> list of scapy packets (or a path). Returns a Result."""
    cfg_path = os.path.join(tmp, "config.json")
    if not (isinstance(config, str) and os.path.exists(config)):
        with open(cfg_path, "w") as f:
            f.write(config if isinstance(config, str) else json.dumps(config or BRIDGE_CONFIG))
    else:
        cfg_path = config
    args = [WIREWALL, "replay", "--config", cfg_path]
    for port, pkts in inputs.items():
        path = pkts if isinstance(pkts, str) else os.path.join(tmp, "in-%s.pcap" % port)
        if not isinstance(pkts, str):
            wrpcap(path, pkts)
        args += ["--in", "%s=%s" % (port, path)]
    out_paths = {p: os.path.join(tmp, "out-%s.pcap" % p) for p in outputs}
    for port, path in out_paths.items():
        args += ["--out", "%s=%s" % (port, path)]
    report_path = os.path.join(tmp, "report.json")
    args += ["--report", report_path, *extra]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    report = None
    if proc.returncode == 0 and os.path.exists(report_path):
        with open(report_path) as f:
            report = json.load(f)
    return Result(proc, report, {p: read_frames(path) for p, path in out_paths.items()})


def tempdir():
    return tempfile.TemporaryDirectory(prefix="ww-test-")
