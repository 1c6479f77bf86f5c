#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Scapy generators for the filtering tests (security groups, explicit
rules, reject, connection tracking). A conversation is a list of events
(port the packet is received on, packet); a Timeline stamps them with
capture times and splits them into one capture per port.

Run as a script to write a scenario's pcaps:
    filter_traffic.py NAME OUTDIR      (NAME: see SCENARIOS)"""
import socket

from scapy.all import (Ether, ICMP, ICMPv6EchoReply, ICMPv6EchoRequest,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, IP, IPv6, Raw, TCP, UDP)
from scapy.pton_ntop import inet_ntop, inet_pton
from scapy.utils6 import in6_getnsma, in6_getnsmac

import wwtest

MAC_OUT = "02:00:00:00:00:01"   # the router on the outside
MAC_IN = "02:00:00:00:00:02"    # the servers' side
SERVER = "192.168.1.10"         # a server on the protected side
SERVER6 = "fd00:1::10"
PEER = {"outside": "inside", "inside": "outside"}


def l2(port):
    """Ethernet header of a frame received on @port."""
    if port == "outside":
        return Ether(src=MAC_OUT, dst=MAC_IN)
    return Ether(src=MAC_IN, dst=MAC_OUT)


def l3(src, dst, **kw):
    return IPv6(src=src, dst=dst, **kw) if ":" in src else IP(src=src, dst=dst, **kw)


def pkt(port, src, dst, l4):
    return l2(port) / l3(src, dst) / l4


# ---- conversations: lists of (rx port, packet) ----

def tcp_session(client, server, sport, dport, client_port="outside",
                request=b"GET / HTTP/1.0\r\n\r\n", response=b"HTTP/1.0 200 OK\r\n\r\nhello"):
    """Handshake, one request and its answer, FIN close from the client."""
    c, s = client_port, PEER[client_port]
    cs, ss = 1000, 5000            # initial sequence numbers

    def C(flags, seq, ack, data=b""):
        p = pkt(c, client, server, TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack))
        return (c, p / Raw(data) if data else p)

    def S(flags, seq, ack, data=b""):
        p = pkt(s, server, client, TCP(sport=dport, dport=sport, flags=flags, seq=seq, ack=ack))
        return (s, p / Raw(data) if data else p)

    q, r = len(request), len(response)
    return [
        C("S", cs, 0),
        S("SA", ss, cs + 1),
        C("A", cs + 1, ss + 1),
        C("PA", cs + 1, ss + 1, request),
        S("A", ss + 1, cs + 1 + q),
        S("PA", ss + 1, cs + 1 + q, response),
        C("A", cs + 1 + q, ss + 1 + r),
        C("FA", cs + 1 + q, ss + 1 + r),
        S("FA", ss + 1 + r, cs + 2 + q),
        C("A", cs + 2 + q, ss + 2 + r),
    ]


def tcp_syn(client, server, sport, dport, port="outside", seq=1000):
    return [(port, pkt(port, client, server, TCP(sport=sport, dport=dport, flags="S", seq=seq)))]


def tcp_segment(src, dst, sport, dport, flags, port="outside", seq=7000, ack=9000, data=b""):
    p = pkt(port, src, dst, TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack))
    return [(port, p / Raw(data) if data else p)]


def udp(src, dst, sport, dport, port, data=b"datagram"):
    return [(port, pkt(port, src, dst, UDP(sport=sport, dport=dport) / Raw(data)))]


def udp_exchange(client, server, sport, dport, client_port="inside"):
    """A query and its answer."""
    return (udp(client, server, sport, dport, client_port, b"query") +
            udp(server, client, dport, sport, PEER[client_port], b"answer"))


def ping(src, dst, ident=7, seq=1, port="outside"):
    """Echo request and its reply (ICMP or ICMPv6 by the address family)."""
    back = PEER[port]
    if ":" in src:
        return [(port, pkt(port, src, dst, ICMPv6EchoRequest(id=ident, seq=seq, data=b"ping" * 4))),
                (back, pkt(back, dst, src, ICMPv6EchoReply(id=ident, seq=seq, data=b"ping" * 4)))]
    return [(port, pkt(port, src, dst, ICMP(type=8, id=ident, seq=seq) / Raw(b"ping" * 8))),
            (back, pkt(back, dst, src, ICMP(type=0, id=ident, seq=seq) / Raw(b"ping" * 8)))]


def ndp(outside_ip, inside_ip):
    """Neighbour discovery across the bridge: a multicast NS from outside
    and the NA from inside, a unicast NS from outside (reachability check)
    and its NA, and an unsolicited NA from outside to all nodes."""
    nsma = inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, inside_ip)))
    return [
        ("outside", Ether(src=MAC_OUT, dst=in6_getnsmac(inet_pton(socket.AF_INET6, nsma))) /
         IPv6(src=outside_ip, dst=nsma, hlim=255) /
         ICMPv6ND_NS(tgt=inside_ip) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_OUT)),
        ("inside", Ether(src=MAC_IN, dst=MAC_OUT) /
         IPv6(src=inside_ip, dst=outside_ip, hlim=255) /
         ICMPv6ND_NA(tgt=inside_ip, S=1, O=1, R=0) / ICMPv6NDOptDstLLAddr(lladdr=MAC_IN)),
        ("outside", Ether(src=MAC_OUT, dst=MAC_IN) /
         IPv6(src=outside_ip, dst=inside_ip, hlim=255) /
         ICMPv6ND_NS(tgt=inside_ip) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_OUT)),
        ("inside", Ether(src=MAC_IN, dst=MAC_OUT) /
         IPv6(src=inside_ip, dst=outside_ip, hlim=255) /
         ICMPv6ND_NA(tgt=inside_ip, S=1, O=1, R=0) / ICMPv6NDOptDstLLAddr(lladdr=MAC_IN)),
        ("outside", Ether(src=MAC_OUT, dst="33:33:00:00:00:01") /
         IPv6(src=outside_ip, dst="ff02::1", hlim=255) /
         ICMPv6ND_NA(tgt=outside_ip, S=0, O=1, R=1) / ICMPv6NDOptDstLLAddr(lladdr=MAC_OUT)),
    ]


class Timeline:
    """Events with capture times, in order. add() appends a conversation
    one step apart; wait() moves the clock on."""

    def __init__(self, start=1_700_000_000.0, step=0.002):
        self.t = start
        self.step = step
        self.events = []   # (port, packet), times set on the packets

    def add(self, events, step=None):
        added = []
        for port, p in events:
            p = p.copy()           # the same packet may be listed twice
            p.time = self.t
            self.t += self.step if step is None else step
            self.events.append((port, p))
            added.append((port, p))
        return added

    def wait(self, seconds):
        self.t += seconds

    def inputs(self):
        """port -> packets received there, in time order."""
        out = {}
        for port, p in self.events:
            out.setdefault(port, []).append(p)
        return out


def frames(events, rx_port=None):
    """Bytes of the events' packets (those received on @rx_port if given)."""
    return [bytes(p) for port, p in events if rx_port is None or port == rx_port]


# ---- scenarios, for running as a script ----

def scenario_sg():
    tl = Timeline()
    tl.add(tcp_session("10.1.2.3", SERVER, 40000, 22))
    tl.add(tcp_syn("172.16.0.5", SERVER, 40001, 22))
    tl.add(tcp_syn("10.1.2.3", SERVER, 40002, 23))
    tl.add(tcp_session("198.51.100.7", SERVER, 40003, 443))
    tl.add(ping("198.51.100.7", SERVER))
    return tl


def scenario_load(n=1000):
    """Many 64-byte UDP frames from outside to the server's port 5000."""
    out = []
    for i in range(n):
        p = pkt("outside", "10.1.%d.%d" % (i // 250, i % 250 + 1), SERVER,
                UDP(sport=10000 + i, dport=5000))
        p = p / Raw(b"\x00" * (60 - len(p)))   # 60 bytes + FCS = 64 on the wire
        out.append(("outside", p))
    tl = Timeline()
    tl.add(out)
    return tl


SCENARIOS = {"sg": scenario_sg, "load": scenario_load}


if __name__ == "__main__":
    wwtest.scenario_main(SCENARIOS, "filter_traffic.py")
