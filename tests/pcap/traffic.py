#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Scapy generators for the replay tests. Each returns lists of packets; run
as a script to write them as pcaps: traffic.py NAME OUTDIR"""
import sys

from scapy.all import (ARP, Dot1AD, Dot1Q, Ether, ICMP, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6ND_NS, IP, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       Raw, TCP, UDP, wrpcap)

MAC_OUT = "02:00:00:00:00:01"   # outside host
MAC_IN = "02:00:00:00:00:02"    # inside host
IP_OUT, IP_IN = "10.10.0.1", "10.10.0.2"
IP6_OUT, IP6_IN = "fd00:10::1", "fd00:10::2"


def e_out():
    return Ether(src=MAC_OUT, dst=MAC_IN)


def e_in():
    return Ether(src=MAC_IN, dst=MAC_OUT)


def conversation():
    """Valid traffic of many kinds, as (outside->inside, inside->outside)."""
    to_in = [
        e_out() / ARP(op=1, hwsrc=MAC_OUT, psrc=IP_OUT, pdst=IP_IN),
        e_out() / IP(src=IP_OUT, dst=IP_IN) / TCP(sport=40000, dport=80, flags="S"),
        e_out() / IP(src=IP_OUT, dst=IP_IN) / TCP(sport=40000, dport=80, flags="A"),
        e_out() / IP(src=IP_OUT, dst=IP_IN) / TCP(sport=40000, dport=80, flags="PA") / Raw(b"GET / HTTP/1.1\r\n\r\n"),
        e_out() / IP(src=IP_OUT, dst=IP_IN) / UDP(sport=5353, dport=53) / Raw(b"\x12\x34" + b"\x00" * 10),
        e_out() / IP(src=IP_OUT, dst=IP_IN) / ICMP(type=8, id=7, seq=1) / Raw(b"ping" * 8),
        e_out() / IP(src=IP_OUT, dst=IP_IN, options=b"\x94\x04\x00\x00") / UDP(sport=1, dport=2),
        e_out() / IP(src=IP_OUT, dst=IP_IN, flags="MF", frag=0, id=99) / UDP(sport=1000, dport=2000) / Raw(b"A" * 64),
        e_out() / IP(src=IP_OUT, dst=IP_IN, frag=9, id=99, proto=17) / Raw(b"B" * 32),
        e_out() / Dot1Q(vlan=10) / IP(src=IP_OUT, dst=IP_IN) / TCP(sport=1234, dport=22, flags="S"),
        e_out() / Dot1AD(vlan=100) / Dot1Q(vlan=10) / IP(src=IP_OUT, dst=IP_IN) / UDP(sport=9, dport=9),
        e_out() / IPv6(src=IP6_OUT, dst=IP6_IN) / TCP(sport=40001, dport=443, flags="S"),
        e_out() / IPv6(src=IP6_OUT, dst=IP6_IN) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / UDP(sport=7, dport=7) / Raw(b"x" * 20),
        e_out() / IPv6(src=IP6_OUT, dst=IP6_IN) / IPv6ExtHdrFragment(offset=0, m=1, id=5) / UDP(sport=7, dport=7) / Raw(b"y" * 40),
        e_out() / IPv6(src=IP6_OUT, dst=IP6_IN) / ICMPv6EchoRequest(id=3, seq=1),
        Ether(src=MAC_OUT, dst="33:33:ff:00:00:02") / IPv6(src=IP6_OUT, dst="ff02::1:ff00:2") / ICMPv6ND_NS(tgt=IP6_IN),
        e_out() / IP(src=IP_OUT, dst=IP_IN, proto=47) / Raw(b"\x00" * 24),   # GRE: unknown L4, bridged
        Ether(src=MAC_OUT, dst="01:80:c2:00:00:0e", type=0x88cc) / Raw(b"\x02\x07\x04" + b"\x00" * 40),  # LLDP
    ]
    to_out = [
        e_in() / ARP(op=2, hwsrc=MAC_IN, psrc=IP_IN, hwdst=MAC_OUT, pdst=IP_OUT),
        e_in() / IP(src=IP_IN, dst=IP_OUT) / TCP(sport=80, dport=40000, flags="SA"),
        e_in() / IP(src=IP_IN, dst=IP_OUT) / TCP(sport=80, dport=40000, flags="PA") / Raw(b"HTTP/1.1 200 OK\r\n\r\n"),
        e_in() / IP(src=IP_IN, dst=IP_OUT) / ICMP(type=0, id=7, seq=1) / Raw(b"ping" * 8),
        e_in() / IPv6(src=IP6_IN, dst=IP6_OUT) / ICMPv6EchoReply(id=3, seq=1),
        e_in() / IPv6(src=IP6_IN, dst=IP6_OUT) / TCP(sport=443, dport=40001, flags="SA"),
    ]
    return to_in, to_out


def _ip4(**kw):
    return bytes(e_out() / IP(src=IP_OUT, dst=IP_IN, **kw))


def _ip6(payload, **kw):
    return bytes(e_out() / IPv6(src=IP6_OUT, dst=IP6_IN, **kw) / payload)


def _set(frame, offset, value):
    b = bytearray(frame)
    b[offset:offset + len(value)] = value
    return bytes(b)


def malformed():
    """One frame per malformed reason: list of (reason, frame bytes)."""
    eth = bytes(e_out())[:12]
    ip4_tcp = bytes(e_out() / IP(src=IP_OUT, dst=IP_IN) / TCP(sport=1, dport=2))
    return [
        ("eth-truncated", eth[:10]),
        ("vlan-truncated", eth + b"\x81\x00\x00\x0a"),
        ("vlan-too-deep", bytes(e_out() / Dot1AD(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / IP() / UDP())),
        ("arp-truncated", eth + b"\x08\x06" + bytes(ARP())[:12]),
        ("arp-bad-format", _set(bytes(e_out() / ARP(psrc=IP_OUT, pdst=IP_IN)), 14, b"\x00\x06")),
        ("ipv4-truncated", eth + b"\x08\x00" + b"\x45\x00\x00\x28\x00\x00"),
        ("ipv4-bad-version", _set(ip4_tcp, 14, b"\x55")),
        ("ipv4-bad-ihl", _set(ip4_tcp, 14, b"\x44")),
        ("ipv4-bad-total-length", _set(ip4_tcp, 16, b"\x03\xe8")),
        ("ipv4-bad-options", bytes(e_out() / IP(src=IP_OUT, dst=IP_IN, options=b"\x44\x00\x00\x00") / UDP())),
        ("ipv4-bad-fragment", bytes(e_out() / IP(src=IP_OUT, dst=IP_IN, frag=8190, proto=17) / Raw(b"z" * 100))),
        ("ipv6-truncated", eth + b"\x86\xdd" + b"\x60\x00\x00\x00\x00\x08"),
        ("ipv6-bad-version", _set(_ip6(UDP()), 14, b"\x40")),
        ("ipv6-bad-payload-length", _set(_ip6(UDP()), 18, b"\x03\xe8")),
        ("ipv6-ext-truncated", _ip6(Raw(b"\x11\x00\x00\x00"), nh=0)),
        ("ipv6-ext-too-many", _ip6(IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                                   IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                                   IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / UDP())),
        ("ipv6-bad-fragment", _ip6(IPv6ExtHdrFragment(m=1) / IPv6ExtHdrFragment(m=1) / UDP())),
        ("tcp-truncated", _ip4(proto=6) + b"\x00\x01\x00\x02\x00\x00"),
        ("tcp-bad-data-offset", bytes(e_out() / IP(src=IP_OUT, dst=IP_IN) / TCP(dataofs=4))),
        ("udp-truncated", _ip4(proto=17) + b"\x00\x01\x00"),
        ("udp-bad-length", bytes(e_out() / IP(src=IP_OUT, dst=IP_IN) / UDP(len=100) / Raw(b"q" * 10))),
        ("icmp-truncated", _ip4(proto=1) + b"\x08\x00\x00"),
        ("icmpv6-truncated", _ip6(Raw(b"\x80"), nh=58)),
    ]


def main():
    name, out = sys.argv[1], sys.argv[2]
    if name == "conversation":
        a, b = conversation()
        wrpcap(out + "/outside.pcap", a)
        wrpcap(out + "/inside.pcap", b)
    elif name == "malformed":
        wrpcap(out + "/malformed.pcap", [Ether(f) if len(f) >= 14 else Raw(f) for _, f in malformed()])
    else:
        sys.exit("unknown traffic %r (conversation, malformed)" % name)


if __name__ == "__main__":
    main()
