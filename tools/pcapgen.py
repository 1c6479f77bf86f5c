#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Tiny packet builder and classic-pcap writer (stdlib only, no scapy).

Importable by tests and tools; also a CLI:

    tools/pcapgen.py mix --out F.pcap --packets 4096 --seed 1

Frames are written without FCS (as every capture tool does): a "64-byte
frame" on the wire is a 60-byte record here.  Addresses are given as
bytes (4 for IPv4, 16 for IPv6) or as strings, whichever is handier.
"""

import argparse
import ipaddress
import random
import struct
import sys

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
PROTO_TCP = 6
PROTO_UDP = 17

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10

LINKTYPE_ETHERNET = 1
MIN_FRAME = 60          # minimum Ethernet frame without the 4-byte FCS
PCAP_MAGIC = 0xA1B2C3D4  # microsecond timestamps
DEFAULT_TS = 1_700_000_000.0  # fixed, so a given seed gives a byte-identical file


# --- addresses ---------------------------------------------------------------

def mac(text):
    """'02:00:00:00:00:01' -> 6 bytes (bytes pass through)."""
    if isinstance(text, bytes):
        return text
    return bytes(int(part, 16) for part in text.split(":"))


def ip(addr):
    """IPv4/IPv6 address string (or int/bytes) -> packed bytes."""
    if isinstance(addr, bytes):
        return addr
    return ipaddress.ip_address(addr).packed


# --- checksums ---------------------------------------------------------------

def checksum(data):
    """RFC 1071 internet checksum of data (bytes)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _pseudo_header(src, dst, proto, length):
    """IPv4 or IPv6 pseudo-header for the L4 checksum, chosen by address size."""
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!IxxxB", length, proto)


def _l4_checksum(src, dst, proto, segment):
    csum = checksum(_pseudo_header(src, dst, proto, len(segment)) + segment)
    # UDP sends a computed 0 as 0xffff (0 means "no checksum").
    return 0xFFFF if (csum == 0 and proto == PROTO_UDP) else csum


# --- headers -----------------------------------------------------------------

def eth(dst, src, ethertype, payload=b""):
    return mac(dst) + mac(src) + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ttl=64, ident=0, tos=0, df=True):
    """IPv4 header (no options) with a correct header checksum, plus payload."""
    src, dst = ip(src), ip(dst)
    flags_frag = 0x4000 if df else 0
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ident,
                      flags_frag, ttl, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, next_header, payload, hop_limit=64, flow_label=0):
    src, dst = ip(src), ip(dst)
    first = (6 << 28) | (flow_label & 0xFFFFF)
    return struct.pack("!IHBB16s16s", first, len(payload), next_header,
                       hop_limit, src, dst) + payload


def tcp(src, dst, sport, dport, payload=b"", flags=TCP_ACK, seq=0, ack=0,
        window=65535):
    """TCP segment; src/dst are the IP addresses, needed for the checksum."""
    src, dst = ip(src), ip(dst)
    ack = ack if flags & TCP_ACK else 0
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      window, 0, 0)
    seg = hdr + payload
    csum = _l4_checksum(src, dst, PROTO_TCP, seg)
    return seg[:16] + struct.pack("!H", csum) + seg[18:]


def udp(src, dst, sport, dport, payload=b""):
    src, dst = ip(src), ip(dst)
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    csum = _l4_checksum(src, dst, PROTO_UDP, seg)
    return seg[:6] + struct.pack("!H", csum) + seg[8:]


# --- whole frames ------------------------------------------------------------

_L3_HDR = {4: 20, 6: 40}
_L4_HDR = {PROTO_TCP: 20, PROTO_UDP: 8}


def frame(src, dst, proto, sport, dport, size=MIN_FRAME,
          eth_src="02:00:00:00:00:01", eth_dst="02:00:00:00:00:02",
          flags=TCP_ACK, seq=0, ack=0, ident=0):
    """Ethernet + IPv4/IPv6 + TCP/UDP frame of `size` bytes (without FCS).

    The room left up to `size` is L4 payload rather than Ethernet padding, so
    IP/L4 lengths cover the whole frame -- except for SYNs, which carry no
    data (as real ones) and get zero Ethernet padding instead.  Frames whose
    headers alone exceed `size` (IPv6: 62 bytes UDP, 74 bytes TCP) come out
    at their minimum size.
    """
    src, dst = ip(src), ip(dst)
    family = 4 if len(src) == 4 else 6
    room = size - 14 - _L3_HDR[family] - _L4_HDR[proto]
    syn = proto == PROTO_TCP and flags & TCP_SYN
    payload = b"" if syn else bytes(max(room, 0))
    if not payload:
        flags &= ~TCP_PSH  # PSH without data would look like a dup ACK
    if proto == PROTO_TCP:
        l4 = tcp(src, dst, sport, dport, payload, flags=flags, seq=seq, ack=ack)
    else:
        l4 = udp(src, dst, sport, dport, payload)
    if family == 4:
        l3 = eth(eth_dst, eth_src, ETH_IPV4, ipv4(src, dst, proto, l4, ident=ident))
    else:
        l3 = eth(eth_dst, eth_src, ETH_IPV6, ipv6(src, dst, proto, l4))
    return l3 + bytes(max(size - len(l3), 0))


# --- pcap file ---------------------------------------------------------------

def write_pcap(path, frames, linktype=LINKTYPE_ETHERNET, start_ts=DEFAULT_TS,
               step_us=1, snaplen=65535):
    """Write frames (iterable of bytes) as a classic little-endian pcap file.

    Timestamps start at start_ts (seconds, float) and advance step_us per
    frame.  Returns the number of frames written.
    """
    ts_us = int(round(start_ts * 1e6))
    count = 0
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", PCAP_MAGIC, 2, 4, 0, 0, snaplen, linktype))
        for data in frames:
            sec, usec = divmod(ts_us, 1_000_000)
            caplen = min(len(data), snaplen)
            out.write(struct.pack("<IIII", sec, usec, caplen, len(data)))
            out.write(data[:caplen])
            ts_us += step_us
            count += 1
    return count


def read_pcap(path):
    """Return (linktype, [(timestamp_float, frame_bytes), ...]) of a classic pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif struct.unpack(">I", data[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D):
        endian, magic = ">", struct.unpack(">I", data[:4])[0]
    else:
        raise ValueError("%s: not a classic pcap file" % path)
    frac = 1e-9 if magic == 0xA1B23C4D else 1e-6
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    records, pos = [], 24
    while pos + 16 <= len(data):
        sec, sub, caplen, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pos += 16
        records.append((sec + sub * frac, data[pos:pos + caplen]))
        pos += caplen
    return linktype, records


# --- traffic mix -------------------------------------------------------------

def _random_v4(rng, inside):
    """Inside hosts live in 10/8; outside hosts anywhere unicast and public-ish."""
    if inside:
        return bytes([10, rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)])
    first = rng.choice([f for f in range(1, 224) if f not in (10, 127)])
    return bytes([first, rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)])


def _random_v6(rng, inside):
    prefix = bytes.fromhex("fd000000000000aa") if inside else bytes.fromhex("20010db8")
    return prefix + bytes(rng.randrange(256) for _ in range(16 - len(prefix)))


def mix_flows(count, rng, ipv6_share=0.1, tcp_share=0.6):
    """`count` distinct 5-tuples (src, dst, proto, sport, dport), outside -> inside."""
    flows, seen = [], set()
    while len(flows) < count:
        v6 = rng.random() < ipv6_share
        addr = _random_v6 if v6 else _random_v4
        proto = PROTO_TCP if rng.random() < tcp_share else PROTO_UDP
        flow = (addr(rng, False), addr(rng, True), proto,
                rng.randrange(1024, 65536), rng.randrange(1, 65536))
        if flow not in seen:
            seen.add(flow)
            flows.append(flow)
    return flows


def _tcp_payload_len(data):
    """Payload bytes of an untagged Ethernet/IP/TCP frame (0 for UDP)."""
    if data[12:14] == b"\x08\x00":
        ip_len = struct.unpack("!H", data[16:18])[0]
        return max(ip_len - 20 - 20, 0) if data[23] == PROTO_TCP else 0
    pl_len = struct.unpack("!H", data[18:20])[0]
    return max(pl_len - 20, 0) if data[20] == PROTO_TCP else 0


def mix(packets=4096, seed=1, flows=None, ipv6_share=0.1, tcp_share=0.6,
        size=MIN_FRAME, syn_first=True):
    """Seeded list of frames over many flows, round-robin across flows.

    flows defaults to max(1024, packets // 4), capped at packets.  The first
    round carries each TCP flow's SYN and later rounds ACKs with advancing
    sequence numbers, so a stateful device sees plausible connections.
    With syn_first=False every TCP frame is a data segment (a capture that
    loops forever must not reopen its connections on every pass).
    """
    rng = random.Random(seed)
    if flows is None:
        flows = max(1024, packets // 4)
    tuples = mix_flows(min(flows, packets), rng, ipv6_share, tcp_share)
    # Per flow: (our next seq, peer's seq to acknowledge), both random ISNs.
    seqs = [[rng.randrange(1 << 32), rng.randrange(1 << 32)] for _ in tuples]
    out = []
    for i in range(packets):
        n, first = i % len(tuples), i < len(tuples) and syn_first
        src, dst, proto, sport, dport = tuples[n]
        seq, peer = seqs[n]
        flags = TCP_SYN if first else TCP_ACK | TCP_PSH
        data = frame(src, dst, proto, sport, dport, size=size, flags=flags,
                     seq=seq, ack=(peer + 1) & 0xFFFFFFFF, ident=i & 0xFFFF)
        # The SYN consumes one sequence number; data segments their payload.
        seqs[n][0] = (seq + (1 if first else _tcp_payload_len(data))) & 0xFFFFFFFF
        out.append(data)
    return out


def five_tuple(data):
    """(src, dst, proto, sport, dport) of an untagged Ethernet IPv4/IPv6
    TCP/UDP frame without IP options or IPv6 extension headers; else None."""
    if data[12:14] == b"\x08\x00":
        src, dst, proto, l4 = data[26:30], data[30:34], data[23], 14 + 20
    elif data[12:14] == b"\x86\xdd":
        src, dst, proto, l4 = data[22:38], data[38:54], data[20], 14 + 40
    else:
        return None
    if proto not in (PROTO_TCP, PROTO_UDP) or len(data) < l4 + 4:
        return None
    sport, dport = struct.unpack("!HH", data[l4:l4 + 4])
    return ipaddress.ip_address(src), ipaddress.ip_address(dst), proto, sport, dport


def describe(frames):
    """Short summary dict of a frame list (for logs and JSON reports)."""
    sizes = [len(f) for f in frames]
    v6 = sum(1 for f in frames if f[12:14] == b"\x86\xdd")
    flows = {five_tuple(f) for f in frames} - {None}
    return {"frames": len(frames), "ipv6_frames": v6, "flows": len(flows),
            "min_len": min(sizes), "max_len": max(sizes),
            "avg_len": round(sum(sizes) / len(sizes), 2),
            "fcs_included": False}


# --- CLI ---------------------------------------------------------------------

def _cli(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mix", help="many-flow IPv4/IPv6 TCP/UDP mix")
    m.add_argument("--out", required=True)
    m.add_argument("--packets", type=int, default=4096)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--flows", type=int, default=None,
                   help="distinct 5-tuples (default max(1024, packets/4))")
    m.add_argument("--ipv6-share", type=float, default=0.1)
    m.add_argument("--size", type=int, default=MIN_FRAME,
                   help="frame size without FCS (default 60 = 64 on the wire)")
    args = ap.parse_args(argv)
    frames = mix(args.packets, args.seed, args.flows, args.ipv6_share, size=args.size)
    write_pcap(args.out, frames)
    info = describe(frames)
    print("%s: %d frames, %d flows, %d IPv6, %d-%d bytes (no FCS)" % (
        args.out, info["frames"], info["flows"], info["ipv6_frames"],
        info["min_len"], info["max_len"]))
    return 0


if __name__ == "__main__":
    sys.exit(_cli(sys.argv[1:]))
