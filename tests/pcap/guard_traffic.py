#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Scapy generators for the guard tests: ARP claims, probes and their
answers, ICMP of every kind, scans, floods, HTTP requests and TLS
ClientHellos. As in filter_traffic.py, a conversation is a list of
(port the packet is received on, packet); a Timeline stamps them with
capture times (whole microseconds, so the times in events can be
predicted exactly) and splits them into one capture per port.

Run as a script to write a scenario's pcaps:
    guard_traffic.py NAME OUTDIR      (NAME: see SCENARIOS)"""
import datetime
import socket
import struct
from decimal import Decimal

from scapy.all import (ARP, Ether, ICMP, ICMPv6EchoRequest,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_Redirect,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr,
                       IP, IPv6, IPv6ExtHdrFragment, Raw, TCP, UDP)
from scapy.pton_ntop import inet_ntop, inet_pton
from scapy.utils6 import in6_getnsma, in6_getnsmac

from filter_traffic import MAC_IN, MAC_OUT, PEER, SERVER, SERVER6, l2, pkt, tcp_session  # noqa: F401

import wwtest

BCAST = "ff:ff:ff:ff:ff:ff"
ZERO_MAC = "00:00:00:00:00:00"
MAC_ATK = "02:00:00:00:00:66"   # someone claiming what is not theirs
MAC_HOST2 = "02:00:00:00:00:03" # a second host on the protected side
ROUTER = "192.168.1.1"          # the router's address (outside)
START_US = 1_700_000_000_000_000


# ---- time ----

def iso(us):
    """An event timestamp for capture time @us (microseconds)."""
    t = datetime.datetime.fromtimestamp(us // 1_000_000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (us % 1_000_000)


def us_of(p):
    """Capture time of a stamped packet, in microseconds."""
    return int(Decimal(p.time) * 1_000_000)


class Timeline:
    """Events with capture times in whole microseconds. add() appends a
    conversation at the clock, one step apart (2 ms by default: more than
    a replay run, so every packet is a burst of its own); wait() moves the
    clock on; at() puts a conversation at a given time without moving the
    clock (floods with traffic in between). inputs() sorts by time."""

    def __init__(self, start_us=START_US, step_us=2000):
        self.t = start_us
        self.start = start_us
        self.step = step_us
        self.events = []   # (time, order, port, packet)

    def _put(self, t, port, p):
        p = p.copy()
        p.time = Decimal(t) / 1_000_000
        self.events.append((t, len(self.events), port, p))
        return (port, p)

    def add(self, events, step_us=None):
        added = []
        for port, p in events:
            added.append(self._put(self.t, port, p))
            self.t += self.step if step_us is None else step_us
        return added

    def at(self, offset_s, events, step_us=None):
        """@events from @offset_s seconds after the start, @step_us apart."""
        t = self.start + int(round(offset_s * 1_000_000))
        added = []
        for port, p in events:
            added.append(self._put(t, port, p))
            t += self.step if step_us is None else step_us
        self.t = max(self.t, t)
        return added

    def wait(self, seconds):
        self.t += int(round(seconds * 1_000_000))

    def ordered(self):
        return [(port, p) for t, _, port, p in sorted(self.events, key=lambda e: e[:2])]

    def inputs(self):
        out = {}
        for port, p in self.ordered():
            out.setdefault(port, []).append(p)
        return out


def frames(events, rx_port=None):
    """Bytes of the events' packets in capture-time order (those received
    on @rx_port if given)."""
    ordered = sorted(events, key=lambda e: Decimal(e[1].time))
    return [bytes(p) for port, p in ordered if rx_port is None or port == rx_port]


# ---- ARP ----

def arp(port, op, hwsrc, psrc, pdst, hwdst=ZERO_MAC, eth_src=None, eth_dst=BCAST):
    """An ARP message received on @port; the frame's source is the sender
    MAC unless @eth_src says otherwise."""
    return [(port, Ether(src=eth_src or hwsrc, dst=eth_dst) /
             ARP(op=op, hwsrc=hwsrc, psrc=psrc, hwdst=hwdst, pdst=pdst))]


def arp_claim(port, mac, ip, asked=ROUTER, **kw):
    """who-has @asked tell @ip: a request that claims @ip for @mac."""
    return arp(port, 1, mac, ip, asked, **kw)


def arp_reply(port, mac, ip, to_mac, to_ip, eth_dst=None):
    """@ip is-at @mac, sent to @to_mac (unicast unless @eth_dst)."""
    return arp(port, 2, mac, ip, to_ip, hwdst=to_mac, eth_dst=eth_dst or to_mac)


def probe_answer(port, mac, ip, port_mac):
    """A host's answer to an RFC 5227 probe from @port_mac: a reply to
    that MAC whose target IP is 0.0.0.0 (the probe's sender IP)."""
    return arp(port, 2, mac, ip, "0.0.0.0", hwdst=port_mac, eth_dst=port_mac)


def probe(port_mac, ip):
    """The RFC 5227 probe the appliance sends for @ip (before padding)."""
    return (Ether(src=port_mac, dst=BCAST) /
            ARP(op=1, hwsrc=port_mac, psrc="0.0.0.0", hwdst=ZERO_MAC, pdst=ip))


# ---- ICMP ----

def icmp4(port, src, dst, type_, code=0, data=b"icmp" * 8, eth_dst=None, **ip):
    e = Ether(src=l2(port).src, dst=eth_dst or l2(port).dst)
    return [(port, e / IP(src=src, dst=dst, **ip) / ICMP(type=type_, code=code) / Raw(data))]


def icmp6(port, src, dst, layer, eth_dst=None, hlim=64):
    e = Ether(src=l2(port).src, dst=eth_dst or l2(port).dst)
    return [(port, e / IPv6(src=src, dst=dst, hlim=hlim) / layer)]


def icmp6_type(port, src, dst, type_, code=0, data=b"\x00" * 4 + b"icmp6" * 4):
    """An ICMPv6 message of any type: 4 bytes of header, the rest raw."""
    hdr = struct.pack("!BBH", type_, code, 0)
    return [(port, l2(port) / IPv6(src=src, dst=dst, nh=58, hlim=64) /
             Raw(hdr + data))]


def fix_icmp6_checksums(events):
    """Raw ICMPv6 messages get their checksum computed by scapy's
    in6_chksum (so the parser and the guards see a well formed message)."""
    from scapy.layers.inet6 import in6_chksum
    out = []
    for port, p in events:
        if Raw in p and p[IPv6].nh == 58:
            body = bytearray(bytes(p[Raw]))
            body[2:4] = b"\x00\x00"
            c = in6_chksum(58, p[IPv6], bytes(body))
            body[2:4] = struct.pack("!H", c)
            p = p.copy()
            p[Raw].load = bytes(body)
        out.append((port, p))
    return out


def echo6(port, src, dst, ident=7, seq=1, eth_dst=None, size=16):
    return icmp6(port, src, dst, ICMPv6EchoRequest(id=ident, seq=seq, data=b"p" * size),
                 eth_dst=eth_dst)


def with_ip_len(port, src, dst, total, v6=False):
    """An echo request whose IP datagram is exactly @total bytes long."""
    if v6:
        return icmp6(port, src, dst, ICMPv6EchoRequest(id=1, seq=1, data=b"x" * (total - 48)))
    return icmp4(port, src, dst, 8, data=b"x" * (total - 28))


def fragments4(port, src, dst):
    """An echo request cut in two: the first fragment and the last."""
    whole = IP(src=src, dst=dst, id=4242) / ICMP(type=8, id=3, seq=1) / Raw(b"f" * 64)
    raw = bytes(whole[ICMP])
    first = IP(src=src, dst=dst, id=4242, flags="MF", frag=0, proto=1) / Raw(raw[:40])
    last = IP(src=src, dst=dst, id=4242, frag=5, proto=1) / Raw(raw[40:])
    return [(port, l2(port) / first), (port, l2(port) / last)]


def fragment6(port, src, dst):
    """The first fragment of an ICMPv6 echo request."""
    whole = ICMPv6EchoRequest(id=3, seq=1, data=b"f" * 64)
    raw = bytes(IPv6(src=src, dst=dst) / whole)[40:]
    return [(port, l2(port) / IPv6(src=src, dst=dst) /
             IPv6ExtHdrFragment(nh=58, m=1, offset=0, id=77) / Raw(raw[:48]))]


def ns(port, src, target, mac):
    """A multicast neighbour solicitation for @target."""
    nsma = inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, target)))
    return [(port, Ether(src=mac, dst=in6_getnsmac(inet_pton(socket.AF_INET6, nsma))) /
             IPv6(src=src, dst=nsma, hlim=255) / ICMPv6ND_NS(tgt=target) /
             ICMPv6NDOptSrcLLAddr(lladdr=mac))]


def na(port, src, dst, target, mac):
    return [(port, Ether(src=mac, dst=l2(port).dst) / IPv6(src=src, dst=dst, hlim=255) /
             ICMPv6ND_NA(tgt=target, S=1, O=1, R=0) / ICMPv6NDOptDstLLAddr(lladdr=mac))]


def redirect6(port, src, dst, target, to):
    return [(port, l2(port) / IPv6(src=src, dst=dst, hlim=255) /
             ICMPv6ND_Redirect(tgt=target, dst=to))]


# ---- TCP and UDP ----

def syn(src, dst, sport, dport, port="outside", seq=1000):
    return [(port, pkt(port, src, dst, TCP(sport=sport, dport=dport, flags="S", seq=seq)))]


def probe_flags(src, dst, sport, dport, flags, port="outside"):
    """A TCP probe with @flags ("F", "" (NULL), "FPU" (Xmas)) and no connection."""
    return [(port, pkt(port, src, dst, TCP(sport=sport, dport=dport, flags=flags, seq=555)))]


def udp(src, dst, sport, dport, port="outside", data=b"datagram"):
    return [(port, pkt(port, src, dst, UDP(sport=sport, dport=dport) / Raw(data)))]


def port_sweep(src, dst, ports, sport=50000):
    """A SYN to each port of @ports, from one source port each."""
    out = []
    for i, p in enumerate(ports):
        out += syn(src, dst, sport + i, p)
    return out


def host_sweep(src, hosts, dport=22, sport=51000):
    out = []
    for i, h in enumerate(hosts):
        out += syn(src, h, sport + i, dport)
    return out


def handshake(client, server, sport, dport, client_port="outside", cs=1000, ss=5000):
    c, s = client_port, PEER[client_port]
    return [
        (c, pkt(c, client, server, TCP(sport=sport, dport=dport, flags="S", seq=cs))),
        (s, pkt(s, server, client, TCP(sport=dport, dport=sport, flags="SA", seq=ss, ack=cs + 1))),
        (c, pkt(c, client, server, TCP(sport=sport, dport=dport, flags="A", seq=cs + 1, ack=ss + 1))),
    ]


def data(client, server, sport, dport, payload, client_port="outside", from_client=True,
         cs=1000, ss=5000, sent_c=0, sent_s=0):
    """A data segment of an established connection (sequence numbers as
    handshake() left them, plus what each side sent since)."""
    c, s = client_port, PEER[client_port]
    if from_client:
        return [(c, pkt(c, client, server, TCP(sport=sport, dport=dport, flags="PA",
                                               seq=cs + 1 + sent_c, ack=ss + 1 + sent_s)) /
                 Raw(payload))]
    return [(s, pkt(s, server, client, TCP(sport=dport, dport=sport, flags="PA",
                                           seq=ss + 1 + sent_s, ack=cs + 1 + sent_c)) /
             Raw(payload))]


# ---- HTTP and TLS ----

def http_get(host, path="/", extra=b""):
    return (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host.encode() +
            b"\r\nUser-Agent: wwtest\r\nAccept: */*\r\n" + extra + b"\r\n")


def client_hello(sni):
    """A TLS 1.3-style ClientHello record with a server_name extension
    after another extension (supported_versions)."""
    name = sni.encode()
    sni_list = struct.pack("!BH", 0, len(name)) + name
    sni_ext = struct.pack("!HHH", 0, len(sni_list) + 2, len(sni_list)) + sni_list
    versions = struct.pack("!HHB", 0x002b, 3, 2) + b"\x03\x04"
    groups = struct.pack("!HHH", 0x000a, 4, 2) + b"\x00\x1d"
    exts = versions + groups + sni_ext
    body = (b"\x03\x03" + bytes(range(32)) + b"\x20" + bytes(range(32, 64)) +
            struct.pack("!H", 4) + b"\x13\x01\x13\x02" + b"\x01\x00" +
            struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def request_flow(client, server, sport, dport, request, client_port="outside",
                 response=b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"):
    """Handshake, request, the rest (answer, close) as tcp_session() has
    them: returns (handshake, [request], rest)."""
    s = tcp_session(client, server, sport, dport, client_port, request=request,
                    response=response)
    return s[:3], s[3:4], s[4:]


def reset_back(req):
    """What a client hears when its request @req (a scapy packet) is cut:
    the server's RST, as the reject answers of test_filter are built (the
    segment carries an ACK, so the reset takes it as its sequence)."""
    ip = req[IPv6] if IPv6 in req else req[IP]
    t = req[TCP]
    e = Ether(src=req[Ether].dst, dst=req[Ether].src)
    if IPv6 in req:
        l3 = IPv6(src=ip.dst, dst=ip.src, hlim=64)
    else:
        l3 = IP(src=ip.dst, dst=ip.src, ttl=64, id=0, flags="DF")
    return e / l3 / TCP(sport=t.dport, dport=t.sport, flags="R", seq=t.ack, ack=0, window=0)


# ---- floods ----

def spoofed(i):
    return "100.64.%d.%d" % (i // 250, i % 250 + 1)


# ---- scenarios, for running as a script ----

def scenario_scan():
    tl = Timeline(step_us=10_000)
    tl.add(port_sweep("203.0.113.66", SERVER, range(20, 45)))
    tl.add(tcp_session("10.1.2.3", SERVER, 40000, 22))
    return tl


def scenario_http():
    tl = Timeline()
    for i, host in enumerate(("blocked.example", "www.bad.example", "ok.example")):
        h, r, rest = request_flow("10.1.2.3", SERVER, 42000 + i, 80, http_get(host, "/ads/x"))
        tl.add(h + r + rest)
    h, r, rest = request_flow("10.1.2.3", SERVER, 42010, 443, client_hello("www.bad.example"))
    tl.add(h + r + rest)
    return tl


SCENARIOS = {"scan": scenario_scan, "http": scenario_http}


if __name__ == "__main__":
    wwtest.scenario_main(SCENARIOS, "guard_traffic.py")
