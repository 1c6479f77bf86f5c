/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/packet: every well-formed shape parses into the expected metadata,
 * every malformed reason is produced by a frame built to cause exactly it,
 * and no truncation of a frame makes the parser read past its buffer (the
 * sweeps copy into buffers of the exact size: run under valgrind or ASan).
 * Frames are built by small append helpers, then poked where a test needs
 * one field wrong. No EAL is needed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "frames.h"
#include "packet.h"

#define L3 14                 /* first byte after an untagged Ethernet header */
#define V4_TOTLEN (L3 + 2)    /* IPv4 total length */
#define V4_FRAG (L3 + 6)      /* IPv4 flags and fragment offset */
#define V6_PLEN (L3 + 4)      /* IPv6 payload length */
#define V6_L4 (L3 + 40)       /* first byte after the IPv6 header */

#define ET_IPV4 0x0800
#define ET_ARP 0x0806
#define ET_IPV6 0x86dd
#define ET_VLAN 0x8100
#define ET_QINQ 0x88a8
#define ET_QINQ1 0x9100
#define ET_LLDP 0x88cc
#define ET_LOCAL 0x88b5       /* IEEE local experimental */

#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10

#define V4_MF 0x2000

/* ---- frame builder (struct fb, put8() to putn(): frames.h) ---- */

static void
fill(struct fb *f, uint32_t n, uint8_t v)
{
	while (n--)
		put8(f, v);
}

static void
set16(struct fb *f, uint32_t at, uint16_t v)
{
	assert_true(at + 2 <= f->len);
	f->b[at] = v >> 8;
	f->b[at + 1] = v & 0xff;
}

/* Starts the frame. */
static void
eth(struct fb *f, uint16_t type)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02,
	};

	f->len = 0;
	putn(f, macs, sizeof(macs));
	put16(f, type);
}

static void
tag(struct fb *f, uint16_t tci, uint16_t type)
{
	put16(f, tci);
	put16(f, type);
}

static void
arp(struct fb *f, uint16_t op)
{
	put16(f, 1);      /* Ethernet */
	put16(f, ET_IPV4);
	put8(f, 6);
	put8(f, 4);
	put16(f, op);
	fill(f, 6, 0x02); /* sender MAC, IP, target MAC, IP */
	put32(f, 0xc0000201);
	fill(f, 6, 0);
	put32(f, 0xc0000202);
}

/* IPv4 header with @p opt (a multiple of 4 bytes); ipv4_end() sets the
 * total length once the payload is in. */
static uint32_t
ipv4_begin(struct fb *f, uint8_t proto, uint16_t frag, const uint8_t *opt,
	   uint8_t optlen)
{
	uint32_t at = f->len;

	assert_int_equal(optlen % 4, 0);
	put8(f, 0x40 | (20 + optlen) / 4);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0xc0000201);
	put32(f, 0xc6336402);
	putn(f, opt, optlen);
	return at;
}

static void
ipv4_end(struct fb *f, uint32_t at)
{
	set16(f, at + 2, f->len - at);
}

static uint32_t
ipv6_begin(struct fb *f, uint8_t nh)
{
	static const uint8_t addrs[32] = {
		0x20, 0x01, 0x0d, 0xb8, [15] = 1,
		0x20, 0x01, 0x0d, 0xb8, [31] = 2,
	};
	uint32_t at = f->len;

	put32(f, 0x60000000);
	put16(f, 0);
	put8(f, nh);
	put8(f, 64);
	putn(f, addrs, sizeof(addrs));
	return at;
}

static void
ipv6_end(struct fb *f, uint32_t at)
{
	set16(f, at + 4, f->len - at - 40);
}

/* Hop-by-hop, routing or destination options: (len + 1) * 8 bytes, the
 * options all Pad1. */
static void
ext6(struct fb *f, uint8_t nh, uint8_t len)
{
	put8(f, nh);
	put8(f, len);
	fill(f, (len + 1u) * 8 - 2, 0);
}

static void
ah6(struct fb *f, uint8_t nh, uint8_t len)
{
	put8(f, nh);
	put8(f, len);
	fill(f, (len + 2u) * 4 - 2, 0);
}

static void
frag6(struct fb *f, uint8_t nh, uint16_t offset8, bool more)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, (uint16_t)(offset8 << 3 | more));
	put32(f, 0xdeadbeef);
}

static void
tcp(struct fb *f, uint16_t sport, uint16_t dport, uint8_t flags,
    const uint8_t *opt, uint8_t optlen)
{
	assert_int_equal(optlen % 4, 0);
	put16(f, sport);
	put16(f, dport);
	put32(f, 1);
	put32(f, 0);
	put8(f, (uint8_t)((20 + optlen) / 4) << 4);
	put8(f, flags);
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
	putn(f, opt, optlen);
}

static uint32_t
udp_begin(struct fb *f, uint16_t sport, uint16_t dport)
{
	uint32_t at = f->len;

	put16(f, sport);
	put16(f, dport);
	put16(f, 0);
	put16(f, 0);
	return at;
}

static void
udp_end(struct fb *f, uint32_t at)
{
	set16(f, at + 4, f->len - at);
}

/* ICMP or ICMPv6 header with an echo identifier (zero rest otherwise). */
static void
icmp(struct fb *f, uint8_t type, uint8_t code, uint16_t ident)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put16(f, ident);
	put16(f, 1);
}

/* ---- the frames ---- */

static void
b_other(struct fb *f)
{
	eth(f, ET_LOCAL);
	fill(f, 46, 0x5a);
}

static void
b_vlan_udp(struct fb *f)
{
	uint32_t ip, u;

	eth(f, ET_VLAN);
	tag(f, 0x2064, ET_IPV4); /* priority 1, VLAN 100 */
	ip = ipv4_begin(f, IPPROTO_UDP, 0, NULL, 0);
	u = udp_begin(f, 1000, 53);
	fill(f, 12, 0xab);
	udp_end(f, u);
	ipv4_end(f, ip);
}

static void
b_qinq_tcp(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_QINQ);
	tag(f, 10, ET_VLAN);
	tag(f, 20, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_TCP, 0, NULL, 0);
	tcp(f, 1234, 22, TCP_ACK, NULL, 0);
	ipv4_end(f, ip);
}

static void
b_qinq9100_lldp(struct fb *f)
{
	eth(f, ET_QINQ1);
	tag(f, 0x0fff, ET_VLAN);
	tag(f, 1, ET_LLDP);
	fill(f, 40, 0);
}

static void
b_three_tags(struct fb *f)
{
	eth(f, ET_QINQ);
	tag(f, 1, ET_VLAN);
	tag(f, 2, ET_VLAN);
	tag(f, 3, ET_IPV4);
	fill(f, 40, 0);
}

static void
b_arp(struct fb *f)
{
	eth(f, ET_ARP);
	arp(f, 1);
	fill(f, 18, 0); /* padding to 60 */
}

/* Router alert, NOP, EOL, then padding; MSS and SACK-permitted. */
static const uint8_t ip_opts[8] = { 148, 4, 0, 0, 1, 0, 0, 0 };
static const uint8_t tcp_opts[8] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };

static void
b_v4_tcp_opts(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_TCP, 0, ip_opts, sizeof(ip_opts));
	tcp(f, 40000, 443, TCP_PSH | TCP_ACK, tcp_opts, sizeof(tcp_opts));
	fill(f, 16, 0xab);
	ipv4_end(f, ip);
}

static void
b_v4_opt_eol_garbage(struct fb *f)
{
	/* After EOL the rest of the header is padding, whatever it holds. */
	static const uint8_t opt[4] = { 0, 0xff, 0xff, 0xff };
	uint32_t ip;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_TCP, 0, opt, sizeof(opt));
	tcp(f, 1, 2, TCP_SYN, NULL, 0);
	fill(f, 2, 0);
	ipv4_end(f, ip);
}

static void
b_v4_opt_no_len(struct fb *f)
{
	/* NOPs, then a timestamp option type in the last byte: no room for
	 * its length. */
	static const uint8_t opt[4] = { 1, 1, 1, 0x44 };
	uint32_t ip;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_TCP, 0, opt, sizeof(opt));
	tcp(f, 1, 2, TCP_SYN, NULL, 0);
	ipv4_end(f, ip);
}

static void
b_v4_udp(struct fb *f)
{
	uint32_t ip, u;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_UDP, 0, NULL, 0);
	u = udp_begin(f, 33000, 53);
	fill(f, 12, 0xab);
	udp_end(f, u);
	ipv4_end(f, ip);
}

static void
b_v4_icmp_echo(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_ICMP, 0, NULL, 0);
	icmp(f, 8, 0, 0x1234);
	fill(f, 32, 0xab);
	ipv4_end(f, ip);
}

static void
b_v4_icmp_unreach(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_ICMP, 0, NULL, 0);
	icmp(f, 3, 3, 0);
	fill(f, 28, 0x45); /* quoted header and 8 bytes */
	ipv4_end(f, ip);
}

static void
b_v4_frag_first(struct fb *f)
{
	uint32_t ip, u;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_UDP, V4_MF, NULL, 0);
	u = udp_begin(f, 4000, 4001);
	fill(f, 100, 0xab);
	ipv4_end(f, ip);
	set16(f, u + 4, 1008); /* the whole datagram's, not this piece's */
}

static void
b_v4_frag_later(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_UDP, 185, NULL, 0); /* byte 1480, last */
	fill(f, 100, 0xab);
	ipv4_end(f, ip);
}

static void
b_v4_frag_at_limit(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV4);
	/* 8189 * 8 + 20 = 65532: the last that fits in 65535 */
	ip = ipv4_begin(f, IPPROTO_UDP, 8189, NULL, 0);
	fill(f, 20, 0xab);
	ipv4_end(f, ip);
}

static void
b_v4_padded(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_TCP, 0, NULL, 0);
	tcp(f, 40000, 443, TCP_ACK, NULL, 0);
	ipv4_end(f, ip);
	fill(f, 6, 0); /* 54 -> 60 bytes */
}

static void
b_v4_gre(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_GRE, 0, NULL, 0);
	fill(f, 8, 0);
	ipv4_end(f, ip);
}

static void
b_v6_tcp(struct fb *f)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xa0 };
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_TCP);
	tcp(f, 50000, 80, TCP_SYN, mss, sizeof(mss));
	ipv6_end(f, ip);
}

static void
b_v6_udp_ext(struct fb *f)
{
	uint32_t ip, u;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_HOPOPTS);
	ext6(f, IPPROTO_DSTOPTS, 0); /* 8 bytes */
	ext6(f, IPPROTO_UDP, 1);     /* 16 bytes */
	u = udp_begin(f, 5000, 4789);
	fill(f, 20, 0xab);
	udp_end(f, u);
	ipv6_end(f, ip);
}

static void
b_v6_routing_ah_tcp(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_ROUTING);
	ext6(f, IPPROTO_AH, 0); /* 8 bytes */
	ah6(f, IPPROTO_TCP, 4); /* 24 bytes */
	tcp(f, 179, 50001, TCP_ACK, NULL, 0);
	ipv6_end(f, ip);
}

static void
b_v6_eight_ext(struct fb *f)
{
	uint32_t ip, u;
	int i;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_DSTOPTS);
	for (i = 0; i < 7; i++)
		ext6(f, IPPROTO_DSTOPTS, 0);
	ext6(f, IPPROTO_UDP, 0);
	u = udp_begin(f, 1, 2);
	udp_end(f, u);
	ipv6_end(f, ip);
}

static void
b_v6_nine_ext(struct fb *f)
{
	uint32_t ip, u;
	int i;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_DSTOPTS);
	for (i = 0; i < 8; i++)
		ext6(f, IPPROTO_DSTOPTS, 0);
	ext6(f, IPPROTO_UDP, 0);
	u = udp_begin(f, 1, 2);
	udp_end(f, u);
	ipv6_end(f, ip);
}

static void
b_v6_frag_first(struct fb *f)
{
	uint32_t ip, u;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_FRAGMENT);
	frag6(f, IPPROTO_UDP, 0, true);
	u = udp_begin(f, 6000, 6001);
	fill(f, 64, 0xab);
	ipv6_end(f, ip);
	set16(f, u + 4, 2000);
}

static void
b_v6_frag_later(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_FRAGMENT);
	frag6(f, IPPROTO_UDP, 181, false);
	fill(f, 64, 0xab);
	ipv6_end(f, ip);
}

/* The fragmentable part starts with destination options that are not in
 * this piece: the chain must stop at the fragment header. */
static void
b_v6_frag_later_ext(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_FRAGMENT);
	frag6(f, IPPROTO_DSTOPTS, 181, true);
	fill(f, 64, 0xff);
	ipv6_end(f, ip);
}

static void
b_v6_atomic_frag(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_FRAGMENT);
	frag6(f, IPPROTO_TCP, 0, false);
	tcp(f, 1, 2, TCP_SYN, NULL, 0);
	ipv6_end(f, ip);
}

static void
b_v6_two_frags(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_FRAGMENT);
	frag6(f, IPPROTO_FRAGMENT, 0, true);
	frag6(f, IPPROTO_UDP, 0, true);
	fill(f, 16, 0);
	ipv6_end(f, ip);
}

static void
b_v6_icmp_echo(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_ICMPV6);
	icmp(f, 128, 0, 0x4321);
	fill(f, 16, 0xab);
	ipv6_end(f, ip);
}

static void
b_v6_ns(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_ICMPV6);
	put8(f, 135);
	put8(f, 0);
	put16(f, 0);
	put32(f, 0);           /* reserved */
	fill(f, 16, 0x20);     /* target */
	put8(f, 1);            /* source link-layer address option */
	put8(f, 1);
	fill(f, 6, 0x02);
	ipv6_end(f, ip);
}

static void
b_v6_icmp_short(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_ICMPV6);
	put8(f, 2);            /* packet too big, with only its 4-byte header */
	put8(f, 0);
	put16(f, 0);
	ipv6_end(f, ip);
}

/* ICMP in IPv6 and ICMPv6 in IPv4 are just unknown protocols. */
static void
b_v6_icmpv4(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_ICMP);
	icmp(f, 8, 0, 7);
	ipv6_end(f, ip);
}

static void
b_v4_icmpv6(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV4);
	ip = ipv4_begin(f, IPPROTO_ICMPV6, 0, NULL, 0);
	icmp(f, 128, 0, 7);
	ipv4_end(f, ip);
}

static void
b_v6_esp(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_ESP);
	put32(f, 0x1000);      /* SPI */
	put32(f, 1);           /* sequence */
	fill(f, 32, 0xee);
	ipv6_end(f, ip);
}

static void
b_v6_nonxt(struct fb *f)
{
	uint32_t ip;

	eth(f, ET_IPV6);
	ip = ipv6_begin(f, IPPROTO_HOPOPTS);
	ext6(f, IPPROTO_NONE, 0);
	ipv6_end(f, ip);
}

/* ---- helpers ---- */

/* Parses @p len bytes from a heap buffer of exactly that size, with
 * @p pkt_len as the frame length; the meta is dirtied first so a field
 * left unset shows. */
static enum ww_reason
parse_exact(const uint8_t *frame, uint32_t len, uint32_t pkt_len,
	    struct ww_pkt_meta *meta)
{
	uint8_t *buf = malloc(len ? len : 1);
	enum ww_reason r;

	assert_non_null(buf);
	memcpy(buf, frame, len);
	memset(meta, 0xa5, sizeof(*meta));
	r = ww_packet_parse(buf, len, pkt_len, meta);
	free(buf);
	return r;
}

static bool
is_malformed(enum ww_reason r)
{
	return r >= WW_REASON_MALFORMED_FIRST && r <= WW_REASON_MALFORMED_LAST;
}

#define CHECK_FIELD(what, got, want, field) do { \
	if ((got)->field != (want)->field) \
		fail_msg("%s: " #field " is %u, want %u", (what), \
			 (unsigned int)(got)->field, \
			 (unsigned int)(want)->field); \
} while (0)

static void
check_meta(const char *what, const struct ww_pkt_meta *got,
	   const struct ww_pkt_meta *want)
{
	CHECK_FIELD(what, got, want, reason);
	CHECK_FIELD(what, got, want, verdict);
	CHECK_FIELD(what, got, want, l3_off);
	CHECK_FIELD(what, got, want, l4_off);
	CHECK_FIELD(what, got, want, payload_off);
	CHECK_FIELD(what, got, want, l3_end);
	CHECK_FIELD(what, got, want, ether_type);
	CHECK_FIELD(what, got, want, vlan_count);
	CHECK_FIELD(what, got, want, vlan_tci[0]);
	CHECK_FIELD(what, got, want, vlan_tci[1]);
	CHECK_FIELD(what, got, want, l3);
	CHECK_FIELD(what, got, want, l4_proto);
	CHECK_FIELD(what, got, want, flags);
	CHECK_FIELD(what, got, want, tcp_flags);
	CHECK_FIELD(what, got, want, icmp_type);
	CHECK_FIELD(what, got, want, icmp_code);
	CHECK_FIELD(what, got, want, sport);
	CHECK_FIELD(what, got, want, dport);
}

/* ---- well-formed frames ---- */

#define F_FRAG WW_PKT_F_FRAGMENT
#define F_LATER WW_PKT_F_LATER_FRAG
#define F_OPT WW_PKT_F_IP_OPTIONS
#define F_L4 WW_PKT_F_L4

struct good_case {
	const char *what;
	void (*build)(struct fb *f);
	uint32_t data_len;          /* readable bytes; 0: the whole frame */
	struct ww_pkt_meta want;    /* reason NONE, verdict FORWARD: zero */
};

static const struct good_case good_cases[] = {
	{ "plain Ethernet, not IP", b_other, 0, {
		.l3_off = 14, .l3_end = 60, .ether_type = ET_LOCAL,
		.l3 = WW_L3_OTHER } },
	{ "single VLAN, IPv4 UDP", b_vlan_udp, 0, {
		.l3_off = 18, .l4_off = 38, .payload_off = 46, .l3_end = 58,
		.ether_type = ET_IPV4, .vlan_tci = { 0x2064 }, .vlan_count = 1,
		.l3 = WW_L3_IPV4, .l4_proto = IPPROTO_UDP, .flags = F_L4,
		.sport = 1000, .dport = 53 } },
	{ "QinQ 88a8/8100, IPv4 TCP", b_qinq_tcp, 0, {
		.l3_off = 22, .l4_off = 42, .payload_off = 62, .l3_end = 62,
		.ether_type = ET_IPV4, .vlan_tci = { 10, 20 }, .vlan_count = 2,
		.l3 = WW_L3_IPV4, .l4_proto = IPPROTO_TCP, .flags = F_L4,
		.tcp_flags = TCP_ACK, .sport = 1234, .dport = 22 } },
	{ "QinQ 9100/8100, LLDP", b_qinq9100_lldp, 0, {
		.l3_off = 22, .l3_end = 62, .ether_type = ET_LLDP,
		.vlan_tci = { 0x0fff, 1 }, .vlan_count = 2,
		.l3 = WW_L3_OTHER } },
	{ "ARP request, padded", b_arp, 0, {
		.l3_off = 14, .l3_end = 42, .ether_type = ET_ARP,
		.l3 = WW_L3_ARP } },
	{ "IPv4 TCP, IP and TCP options", b_v4_tcp_opts, 0, {
		.l3_off = 14, .l4_off = 42, .payload_off = 70, .l3_end = 86,
		.ether_type = ET_IPV4, .l3 = WW_L3_IPV4,
		.l4_proto = IPPROTO_TCP, .flags = F_OPT | F_L4,
		.tcp_flags = TCP_PSH | TCP_ACK, .sport = 40000,
		.dport = 443 } },
	{ "IPv4 TCP, segmented after the TCP header", b_v4_tcp_opts, 62, {
		.l3_off = 14, .l4_off = 42, .payload_off = 70, .l3_end = 86,
		.ether_type = ET_IPV4, .l3 = WW_L3_IPV4,
		.l4_proto = IPPROTO_TCP, .flags = F_OPT | F_L4,
		.tcp_flags = TCP_PSH | TCP_ACK, .sport = 40000,
		.dport = 443 } },
	{ "IPv4 options: bytes after EOL ignored", b_v4_opt_eol_garbage, 0, {
		.l3_off = 14, .l4_off = 38, .payload_off = 58, .l3_end = 60,
		.ether_type = ET_IPV4, .l3 = WW_L3_IPV4,
		.l4_proto = IPPROTO_TCP, .flags = F_OPT | F_L4,
		.tcp_flags = TCP_SYN, .sport = 1, .dport = 2 } },
	{ "IPv4 UDP", b_v4_udp, 0, {
		.l3_off = 14, .l4_off = 34, .payload_off = 42, .l3_end = 54,
		.ether_type = ET_IPV4, .l3 = WW_L3_IPV4,
		.l4_proto = IPPROTO_UDP, .flags = F_L4, .sport = 33000,
		.dport = 53 } },
	{ "IPv4 ICMP echo request", b_v4_icmp_echo, 0, {
		.l3_off = 14, .l4_off = 34, .payload_off = 42, .l3_end = 74,
		.ether_type = ET_IPV4, .l3 = WW_L3_IPV4,
		.l4_proto = IPPROTO_ICMP, .flags = F_L4, .icmp_type = 8,
		.sport = 0x1234 } },
	{ "IPv4 ICMP port unreachable", b_v4_icmp_unreach, 0, {
		.l3_off = 14, .l4_off = 34, .payload_off = 42, .l3_end = 70,
		.ether_type = ET_IPV4, .l3 = WW_L3_IPV4,
		.l4_proto = IPPROTO_ICMP, .flags = F_L4, .icmp_type = 3,
		.icmp_code = 3 } },
	{ "IPv4 first fragment, UDP", b_v4_frag_first, 0, {
		.l3_off = 14, .l4_off = 34, .payload_off = 42, .l3_end = 142,
		.ether_type = ET_IPV4, .l3 = WW_L3_IPV4,
		.l4_proto = IPPROTO_UDP, .flags = F_FRAG | F_L4,
		.sport = 4000, .dport = 4001 } },
	{ "IPv4 later fragment", b_v4_frag_later, 0, {
		.l3_off = 14, .l3_end = 134, .ether_type = ET_IPV4,
		.l3 = WW_L3_IPV4, .l4_proto = IPPROTO_UDP,
		.flags = F_FRAG | F_LATER } },
	{ "IPv4 fragment ending at 65532", b_v4_frag_at_limit, 0, {
		.l3_off = 14, .l3_end = 54, .ether_type = ET_IPV4,
		.l3 = WW_L3_IPV4, .l4_proto = IPPROTO_UDP,
		.flags = F_FRAG | F_LATER } },
	{ "IPv4 TCP with Ethernet padding", b_v4_padded, 0, {
		.l3_off = 14, .l4_off = 34, .payload_off = 54, .l3_end = 54,
		.ether_type = ET_IPV4, .l3 = WW_L3_IPV4,
		.l4_proto = IPPROTO_TCP, .flags = F_L4, .tcp_flags = TCP_ACK,
		.sport = 40000, .dport = 443 } },
	{ "IPv4 unknown protocol (GRE)", b_v4_gre, 0, {
		.l3_off = 14, .l3_end = 42, .ether_type = ET_IPV4,
		.l3 = WW_L3_IPV4, .l4_proto = IPPROTO_GRE } },
	{ "IPv4 carrying ICMPv6: no L4", b_v4_icmpv6, 0, {
		.l3_off = 14, .l3_end = 42, .ether_type = ET_IPV4,
		.l3 = WW_L3_IPV4, .l4_proto = IPPROTO_ICMPV6 } },
	{ "IPv6 carrying ICMP: no L4", b_v6_icmpv4, 0, {
		.l3_off = 14, .l3_end = 62, .ether_type = ET_IPV6,
		.l3 = WW_L3_IPV6, .l4_proto = IPPROTO_ICMP } },
	{ "IPv6 TCP", b_v6_tcp, 0, {
		.l3_off = 14, .l4_off = 54, .payload_off = 78, .l3_end = 78,
		.ether_type = ET_IPV6, .l3 = WW_L3_IPV6,
		.l4_proto = IPPROTO_TCP, .flags = F_L4, .tcp_flags = TCP_SYN,
		.sport = 50000, .dport = 80 } },
	{ "IPv6 UDP after hop-by-hop and destination options", b_v6_udp_ext,
	  0, {
		.l3_off = 14, .l4_off = 78, .payload_off = 86, .l3_end = 106,
		.ether_type = ET_IPV6, .l3 = WW_L3_IPV6,
		.l4_proto = IPPROTO_UDP, .flags = F_OPT | F_L4, .sport = 5000,
		.dport = 4789 } },
	{ "IPv6 TCP after routing and AH", b_v6_routing_ah_tcp, 0, {
		.l3_off = 14, .l4_off = 86, .payload_off = 106, .l3_end = 106,
		.ether_type = ET_IPV6, .l3 = WW_L3_IPV6,
		.l4_proto = IPPROTO_TCP, .flags = F_OPT | F_L4,
		.tcp_flags = TCP_ACK, .sport = 179, .dport = 50001 } },
	{ "IPv6 eight extension headers", b_v6_eight_ext, 0, {
		.l3_off = 14, .l4_off = 118, .payload_off = 126, .l3_end = 126,
		.ether_type = ET_IPV6, .l3 = WW_L3_IPV6,
		.l4_proto = IPPROTO_UDP, .flags = F_OPT | F_L4, .sport = 1,
		.dport = 2 } },
	{ "IPv6 first fragment, UDP", b_v6_frag_first, 0, {
		.l3_off = 14, .l4_off = 62, .payload_off = 70, .l3_end = 134,
		.ether_type = ET_IPV6, .l3 = WW_L3_IPV6,
		.l4_proto = IPPROTO_UDP, .flags = F_OPT | F_FRAG | F_L4,
		.sport = 6000, .dport = 6001 } },
	{ "IPv6 later fragment", b_v6_frag_later, 0, {
		.l3_off = 14, .l3_end = 126, .ether_type = ET_IPV6,
		.l3 = WW_L3_IPV6, .l4_proto = IPPROTO_UDP,
		.flags = F_OPT | F_FRAG | F_LATER } },
	{ "IPv6 later fragment, options in the missing part",
	  b_v6_frag_later_ext, 0, {
		.l3_off = 14, .l3_end = 126, .ether_type = ET_IPV6,
		.l3 = WW_L3_IPV6, .l4_proto = IPPROTO_DSTOPTS,
		.flags = F_OPT | F_FRAG | F_LATER } },
	{ "IPv6 atomic fragment is no fragment", b_v6_atomic_frag, 0, {
		.l3_off = 14, .l4_off = 62, .payload_off = 82, .l3_end = 82,
		.ether_type = ET_IPV6, .l3 = WW_L3_IPV6,
		.l4_proto = IPPROTO_TCP, .flags = F_OPT | F_L4,
		.tcp_flags = TCP_SYN, .sport = 1, .dport = 2 } },
	{ "ICMPv6 echo request", b_v6_icmp_echo, 0, {
		.l3_off = 14, .l4_off = 54, .payload_off = 62, .l3_end = 78,
		.ether_type = ET_IPV6, .l3 = WW_L3_IPV6,
		.l4_proto = IPPROTO_ICMPV6, .flags = F_L4, .icmp_type = 128,
		.sport = 0x4321 } },
	{ "ICMPv6 neighbour solicitation", b_v6_ns, 0, {
		.l3_off = 14, .l4_off = 54, .payload_off = 58, .l3_end = 86,
		.ether_type = ET_IPV6, .l3 = WW_L3_IPV6,
		.l4_proto = IPPROTO_ICMPV6, .flags = F_L4, .icmp_type = 135 } },
	{ "ICMPv6 4-byte header only", b_v6_icmp_short, 0, {
		.l3_off = 14, .l4_off = 54, .payload_off = 58, .l3_end = 58,
		.ether_type = ET_IPV6, .l3 = WW_L3_IPV6,
		.l4_proto = IPPROTO_ICMPV6, .flags = F_L4, .icmp_type = 2 } },
	{ "IPv6 ESP", b_v6_esp, 0, {
		.l3_off = 14, .l3_end = 94, .ether_type = ET_IPV6,
		.l3 = WW_L3_IPV6, .l4_proto = IPPROTO_ESP } },
	{ "IPv6 no next header", b_v6_nonxt, 0, {
		.l3_off = 14, .l3_end = 62, .ether_type = ET_IPV6,
		.l3 = WW_L3_IPV6, .l4_proto = IPPROTO_NONE, .flags = F_OPT } },
};

static void
test_good_frames(void **state)
{
	struct ww_pkt_meta meta;
	unsigned int i;
	struct fb f;

	for (i = 0; i < RTE_DIM(good_cases); i++) {
		const struct good_case *c = &good_cases[i];
		uint32_t dlen;

		c->build(&f);
		dlen = c->data_len ? c->data_len : f.len;
		if (parse_exact(f.b, dlen, f.len, &meta) != WW_REASON_NONE)
			fail_msg("%s: %s", c->what, ww_reason_name(meta.reason));
		check_meta(c->what, &meta, &c->want);
	}
}

/* The same frames at an odd address: every field is read at any
 * alignment (UBSan flags a misaligned load). */
static void
test_good_frames_unaligned(void **state)
{
	struct ww_pkt_meta meta;
	unsigned int i;
	uint8_t *buf;
	struct fb f;

	for (i = 0; i < RTE_DIM(good_cases); i++) {
		const struct good_case *c = &good_cases[i];

		c->build(&f);
		buf = malloc(f.len + 1);
		assert_non_null(buf);
		memcpy(buf + 1, f.b, f.len);
		assert_int_equal(ww_packet_parse(buf + 1, c->data_len ?
						 c->data_len : f.len, f.len,
						 &meta), WW_REASON_NONE);
		check_meta(c->what, &meta, &c->want);
		free(buf);
	}
}

/* ---- malformed frames ---- */

struct bad_case {
	const char *what;
	void (*build)(struct fb *f);
	int at;             /* byte to overwrite; 0: none (never Ethernet) */
	int width;          /* 1 or 2 bytes, big-endian */
	uint16_t val;
	uint32_t keep;      /* bytes of the frame kept; 0: all */
	uint32_t data_len;  /* readable bytes of what is kept; 0: all */
	enum ww_reason want;
};

#define R(x) WW_REASON_##x

static const struct bad_case bad_cases[] = {
	{ "13-byte frame", b_other, .keep = 13, .want = R(ETH_TRUNCATED) },
	{ "ends inside the tag", b_vlan_udp, .keep = 16,
	  .want = R(VLAN_TRUNCATED) },
	{ "ends after the TPID", b_vlan_udp, .keep = 14,
	  .want = R(VLAN_TRUNCATED) },
	{ "three tags", b_three_tags, .want = R(VLAN_TOO_DEEP) },
	{ "ARP 27 bytes", b_arp, .keep = L3 + 27, .want = R(ARP_TRUNCATED) },
	{ "ARP htype 6", b_arp, L3, 2, 6, .want = R(ARP_BAD_FORMAT) },
	{ "ARP ptype IPv6", b_arp, L3 + 2, 2, ET_IPV6,
	  .want = R(ARP_BAD_FORMAT) },
	{ "ARP hlen 8", b_arp, L3 + 4, 1, 8, .want = R(ARP_BAD_FORMAT) },
	{ "ARP plen 16", b_arp, L3 + 5, 1, 16, .want = R(ARP_BAD_FORMAT) },
	{ "IPv4 header 19 bytes", b_v4_udp, .keep = L3 + 19,
	  .want = R(IPV4_TRUNCATED) },
	{ "IPv4 header past data_len", b_v4_udp, .data_len = L3 + 19,
	  .want = R(IPV4_TRUNCATED) },
	{ "IPv4 version 6", b_v4_udp, L3, 1, 0x65,
	  .want = R(IPV4_BAD_VERSION) },
	{ "IPv4 IHL 4", b_v4_udp, L3, 1, 0x44, .want = R(IPV4_BAD_IHL) },
	{ "IPv4 IHL 15 past the data", b_v4_udp, L3, 1, 0x4f,
	  .want = R(IPV4_BAD_IHL) },
	{ "IPv4 total length below IHL", b_v4_udp, V4_TOTLEN, 2, 19,
	  .want = R(IPV4_BAD_TOTAL_LENGTH) },
	{ "IPv4 total length one past the frame", b_v4_udp, V4_TOTLEN, 2, 41,
	  .want = R(IPV4_BAD_TOTAL_LENGTH) },
	{ "IPv4 total length 65535", b_v4_udp, V4_TOTLEN, 2, 65535,
	  .want = R(IPV4_BAD_TOTAL_LENGTH) },
	{ "IPv4 option length 1", b_v4_tcp_opts, L3 + 21, 1, 1,
	  .want = R(IPV4_BAD_OPTIONS) },
	{ "IPv4 option length 0", b_v4_tcp_opts, L3 + 21, 1, 0,
	  .want = R(IPV4_BAD_OPTIONS) },
	{ "IPv4 option past the header", b_v4_tcp_opts, L3 + 21, 1, 9,
	  .want = R(IPV4_BAD_OPTIONS) },
	{ "IPv4 option without its length", b_v4_opt_no_len,
	  .want = R(IPV4_BAD_OPTIONS) },
	{ "IPv4 option without its length, header ends at data_len",
	  b_v4_opt_no_len, .data_len = L3 + 24,
	  .want = R(IPV4_BAD_OPTIONS) },
	{ "IPv4 reserved flag", b_v4_udp, V4_FRAG, 2, 0x8000,
	  .want = R(IPV4_BAD_FRAGMENT) },
	{ "IPv4 fragment to 65540", b_v4_udp, V4_FRAG, 2, 8190,
	  .want = R(IPV4_BAD_FRAGMENT) },
	{ "IPv6 header 39 bytes", b_v6_tcp, .keep = L3 + 39,
	  .want = R(IPV6_TRUNCATED) },
	{ "IPv6 version 4", b_v6_tcp, L3, 1, 0x40,
	  .want = R(IPV6_BAD_VERSION) },
	{ "IPv6 payload one past the frame", b_v6_tcp, V6_PLEN, 2, 25,
	  .want = R(IPV6_BAD_PAYLOAD_LENGTH) },
	{ "IPv6 payload 65535", b_v6_tcp, V6_PLEN, 2, 65535,
	  .want = R(IPV6_BAD_PAYLOAD_LENGTH) },
	{ "IPv6 no room for the next header", b_v6_udp_ext, V6_PLEN, 2, 8,
	  .want = R(IPV6_EXT_TRUNCATED) },
	{ "IPv6 destination options one past the payload", b_v6_udp_ext,
	  V6_PLEN, 2, 23, .want = R(IPV6_EXT_TRUNCATED) },
	{ "IPv6 destination options length 10", b_v6_udp_ext, V6_L4 + 9, 1,
	  10, .want = R(IPV6_EXT_TRUNCATED) },
	{ "IPv6 fragment header 4 bytes", b_v6_frag_first, V6_PLEN, 2, 4,
	  .want = R(IPV6_EXT_TRUNCATED) },
	{ "IPv6 extension past data_len", b_v6_udp_ext, .data_len = V6_L4 + 9,
	  .want = R(IPV6_EXT_TRUNCATED) },
	{ "IPv6 nine extension headers", b_v6_nine_ext,
	  .want = R(IPV6_EXT_TOO_MANY) },
	{ "IPv6 two fragment headers", b_v6_two_frags,
	  .want = R(IPV6_BAD_FRAGMENT) },
	{ "IPv6 fragment past 65535", b_v6_frag_first, V6_L4 + 2, 2,
	  8191 << 3 | 1, .want = R(IPV6_BAD_FRAGMENT) },
	{ "TCP header ends past the datagram", b_v4_tcp_opts, V4_TOTLEN, 2,
	  28 + 19, .want = R(TCP_TRUNCATED) },
	{ "TCP header past data_len", b_v4_tcp_opts, .data_len = 61,
	  .want = R(TCP_TRUNCATED) },
	{ "TCP data offset 4", b_v4_tcp_opts, 42 + 12, 1, 0x40,
	  .want = R(TCP_BAD_DATA_OFFSET) },
	{ "TCP data offset past the datagram", b_v4_tcp_opts, 42 + 12, 1,
	  0xf0, .want = R(TCP_BAD_DATA_OFFSET) },
	{ "TCP options into the padding", b_v4_padded, 34 + 12, 1, 0x60,
	  .want = R(TCP_BAD_DATA_OFFSET) },
	{ "UDP header 7 bytes", b_v4_udp, V4_TOTLEN, 2, 27,
	  .want = R(UDP_TRUNCATED) },
	{ "UDP length 7", b_v4_udp, 34 + 4, 2, 7, .want = R(UDP_BAD_LENGTH) },
	{ "UDP length one past the datagram", b_v4_udp, 34 + 4, 2, 21,
	  .want = R(UDP_BAD_LENGTH) },
	{ "UDP length below 8 in a first fragment", b_v4_frag_first, 34 + 4,
	  2, 4, .want = R(UDP_BAD_LENGTH) },
	{ "IPv6 UDP length past the datagram", b_v6_udp_ext, 78 + 4, 2, 29,
	  .want = R(UDP_BAD_LENGTH) },
	{ "ICMP header 7 bytes", b_v4_icmp_echo, V4_TOTLEN, 2, 27,
	  .want = R(ICMP_TRUNCATED) },
	{ "ICMPv6 header 3 bytes", b_v6_ns, V6_PLEN, 2, 3,
	  .want = R(ICMPV6_TRUNCATED) },
	{ "ICMPv6 echo without identifier", b_v6_icmp_echo, V6_PLEN, 2, 6,
	  .want = R(ICMPV6_TRUNCATED) },
};

/* The frame of a bad case; returns how many of its bytes are kept. */
static uint32_t
build_bad(const struct bad_case *c, struct fb *f)
{
	c->build(f);
	if (c->width == 1)
		f->b[c->at] = (uint8_t)c->val;
	else if (c->width == 2)
		set16(f, c->at, c->val);
	return c->keep ? c->keep : f->len;
}

static void
test_bad_frames(void **state)
{
	bool seen[WW_REASON_MAX] = { false };
	struct ww_pkt_meta meta;
	enum ww_reason r;
	unsigned int i;
	uint32_t len;
	struct fb f;

	for (i = 0; i < RTE_DIM(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];

		len = build_bad(c, &f);
		r = parse_exact(f.b, c->data_len ? c->data_len : len, len,
				&meta);
		if (r != c->want)
			fail_msg("%s: got %s, want %s", c->what,
				 ww_reason_name(r), ww_reason_name(c->want));
		assert_int_equal(meta.reason, r);
		assert_int_equal(meta.verdict, WW_VERDICT_DROP);
		seen[r] = true;
	}
	for (i = WW_REASON_MALFORMED_FIRST; i <= WW_REASON_MALFORMED_LAST; i++)
		if (!seen[i])
			fail_msg("no test frame gives %s", ww_reason_name(i));
}

/* "On a malformed frame the fields up to the bad header are set." */
static void
test_bad_keeps_outer_fields(void **state)
{
	struct ww_pkt_meta meta;
	struct fb f;

	b_qinq_tcp(&f);
	f.b[42 + 12] = 0x40; /* TCP data offset 4 */
	assert_int_equal(parse_exact(f.b, f.len, f.len, &meta),
			 WW_REASON_TCP_BAD_DATA_OFFSET);
	assert_int_equal(meta.vlan_count, 2);
	assert_int_equal(meta.vlan_tci[1], 20);
	assert_int_equal(meta.l3_off, 22);
	assert_int_equal(meta.l3, WW_L3_IPV4);
	assert_int_equal(meta.l3_end, 62);
	assert_int_equal(meta.l4_proto, IPPROTO_TCP);
	assert_int_equal(meta.flags & WW_PKT_F_L4, 0);
}

/* ---- truncation sweeps ---- */

/* Cut the frame at every length: while the frame is short the parser must
 * say malformed, at full length NONE, and never read past the buffer. */
static void
sweep_strict(void (*build)(struct fb *f))
{
	struct ww_pkt_meta meta;
	enum ww_reason r;
	uint32_t k;
	struct fb f;

	build(&f);
	for (k = 0; k <= f.len; k++) {
		r = parse_exact(f.b, k, k, &meta);
		if (k == f.len)
			assert_int_equal(r, WW_REASON_NONE);
		else if (!is_malformed(r))
			fail_msg("cut at %u: %s", k, ww_reason_name(r));
		else if (k < L3)
			assert_int_equal(r, WW_REASON_ETH_TRUNCATED);
		assert_int_equal(meta.reason, r);
	}
}

/* Only the first @p k bytes readable but the frame whole (segmented):
 * fine exactly when the headers the parser reads are all in there. */
static void
sweep_segmented(void (*build)(struct fb *f), uint32_t headers_end)
{
	struct ww_pkt_meta meta;
	enum ww_reason r;
	uint32_t k;
	struct fb f;

	build(&f);
	for (k = 0; k <= f.len; k++) {
		r = parse_exact(f.b, k, f.len, &meta);
		if (k >= headers_end)
			assert_int_equal(r, WW_REASON_NONE);
		else if (!is_malformed(r))
			fail_msg("readable %u: %s", k, ww_reason_name(r));
	}
}

static void
test_truncate_ipv4_tcp(void **state)
{
	sweep_strict(b_v4_tcp_opts);
	sweep_segmented(b_v4_tcp_opts, 42 + 20); /* TCP options not read */
}

static void
test_truncate_ipv6_udp(void **state)
{
	sweep_strict(b_v6_udp_ext);
	sweep_segmented(b_v6_udp_ext, 78 + 8);
}

typedef void (*cut_check)(const uint8_t *frame, uint32_t data_len,
			  uint32_t pkt_len, const char *what);

/* Every good frame cut at every length, both ways: the frame ends there,
 * or only the readable part does (a segmented frame). */
static void
for_each_cut(cut_check check)
{
	unsigned int i;
	uint32_t k;
	struct fb f;

	for (i = 0; i < RTE_DIM(good_cases); i++) {
		good_cases[i].build(&f);
		for (k = 0; k <= f.len; k++) {
			check(f.b, k, k, good_cases[i].what);
			check(f.b, k, f.len, good_cases[i].what);
		}
	}
}

static void
none_or_malformed(const uint8_t *frame, uint32_t data_len, uint32_t pkt_len,
		  const char *what)
{
	struct ww_pkt_meta meta;
	enum ww_reason r = parse_exact(frame, data_len, pkt_len, &meta);

	if (r != WW_REASON_NONE && !is_malformed(r))
		fail_msg("%s readable %u of %u: %u", what, data_len, pkt_len, r);
}

/* No over-read, and only ever NONE or a malformed reason. */
static void
test_truncate_all_good(void **state)
{
	for_each_cut(none_or_malformed);
}

static void
test_data_len_above_pkt_len(void **state)
{
	struct ww_pkt_meta meta;
	struct fb f;

	/* The frame ends where pkt_len says, whatever data_len claims. */
	b_v4_udp(&f);
	assert_int_equal(parse_exact(f.b, f.len, f.len - 1, &meta),
			 WW_REASON_IPV4_BAD_TOTAL_LENGTH);
	assert_int_equal(parse_exact(f.b, f.len, L3 + 19, &meta),
			 WW_REASON_IPV4_TRUNCATED);
}

/* A frame longer than 16-bit offsets can describe (LRO): a datagram
 * inside the first 64 KiB is fine, the rest of the frame is padding. */
static void
test_pkt_len_above_64k(void **state)
{
	struct ww_pkt_meta meta;
	struct fb f;

	b_v4_udp(&f);
	assert_int_equal(parse_exact(f.b, f.len, 100000, &meta),
			 WW_REASON_NONE);
	assert_int_equal(meta.l3_end, 54);
	assert_int_equal(meta.dport, 53);
	b_v6_tcp(&f);
	set16(&f, V6_PLEN, 65535);
	assert_int_equal(parse_exact(f.b, f.len, 100000, &meta),
			 WW_REASON_IPV6_BAD_PAYLOAD_LENGTH);
	b_other(&f);
	assert_int_equal(parse_exact(f.b, f.len, 100000, &meta),
			 WW_REASON_NONE);
	assert_int_equal(meta.l3_end, UINT16_MAX);
}

/* ---- burst over mbufs built by hand (no mempool, no EAL) ---- */

struct fake_pkt {
	struct rte_mbuf m;
	uint8_t priv[WW_PKT_META_PRIV_SIZE];
	uint8_t data[FB_MAX];
};

static void
fake_init(struct fake_pkt *p, void (*build)(struct fb *f))
{
	struct fb f;

	build(&f);
	memset(p, 0, sizeof(*p));
	memcpy(p->data, f.b, f.len);
	p->m.buf_addr = p->data;
	p->m.buf_len = sizeof(p->data);
	p->m.data_off = 0;
	p->m.data_len = f.len;
	p->m.pkt_len = f.len;
	p->m.nb_segs = 1;
}

static void
test_burst(void **state)
{
	static void (*const builds[])(struct fb *f) = {
		b_v4_tcp_opts, b_three_tags, b_v6_udp_ext, b_arp,
		b_v6_nine_ext, b_v4_padded, b_v6_icmp_echo,
	};
	struct rte_mbuf *pkts[RTE_DIM(builds)];
	struct fake_pkt *fp;
	unsigned int i;

	assert_true(sizeof(struct ww_pkt_meta) <= WW_PKT_META_PRIV_SIZE);
	fp = aligned_alloc(RTE_CACHE_LINE_SIZE,
			   RTE_ALIGN_CEIL(sizeof(*fp) * RTE_DIM(builds),
					  RTE_CACHE_LINE_SIZE));
	assert_non_null(fp);
	for (i = 0; i < RTE_DIM(builds); i++) {
		fake_init(&fp[i], builds[i]);
		pkts[i] = &fp[i].m;
		assert_ptr_equal(ww_pkt_meta(pkts[i]), fp[i].priv);
	}
	assert_int_equal(ww_packet_parse_burst(pkts, RTE_DIM(builds)), 2);
	assert_int_equal(ww_pkt_meta(pkts[0])->dport, 443);
	assert_int_equal(ww_pkt_meta(pkts[1])->reason,
			 WW_REASON_VLAN_TOO_DEEP);
	assert_int_equal(ww_pkt_meta(pkts[1])->verdict, WW_VERDICT_DROP);
	assert_int_equal(ww_pkt_meta(pkts[2])->sport, 5000);
	assert_int_equal(ww_pkt_meta(pkts[3])->l3, WW_L3_ARP);
	assert_int_equal(ww_pkt_meta(pkts[4])->reason,
			 WW_REASON_IPV6_EXT_TOO_MANY);
	assert_int_equal(ww_pkt_meta(pkts[5])->l3_end, 54);
	assert_int_equal(ww_pkt_meta(pkts[6])->sport, 0x4321);
	assert_int_equal(ww_packet_parse_burst(pkts, 0), 0);
	assert_int_equal(ww_packet_parse_burst(&pkts[1], 1), 1);
	free(fp);
}

/*
 * The burst takes a shortcut for the common frame (untagged IPv4 TCP/UDP):
 * whatever the frame and wherever it is cut, the burst must give exactly
 * the metadata of ww_packet_parse(). The data lies in a buffer of exactly
 * the readable size, so valgrind sees any over-read of the shortcut.
 */
static void
burst_equals_single(const uint8_t *frame, uint32_t data_len, uint32_t pkt_len,
		    const char *what)
{
	struct fake_pkt *p = aligned_alloc(RTE_CACHE_LINE_SIZE,
		RTE_ALIGN_CEIL(sizeof(*p), RTE_CACHE_LINE_SIZE));
	uint8_t *data = malloc(data_len ? data_len : 1);
	struct rte_mbuf *m = &p->m;
	struct ww_pkt_meta single;

	assert_non_null(p);
	assert_non_null(data);
	memset(p, 0, sizeof(*p));
	memcpy(data, frame, data_len);
	m->buf_addr = data;
	m->buf_len = data_len;
	m->data_len = data_len;
	m->pkt_len = pkt_len;
	m->nb_segs = 1;
	memset(ww_pkt_meta(m), 0xa5, sizeof(struct ww_pkt_meta));
	ww_packet_parse(data, data_len, pkt_len, &single);
	ww_packet_parse_burst(&m, 1);
	if (memcmp(ww_pkt_meta(m), &single, sizeof(single)) != 0)
		fail_msg("%s (readable %u of %u): burst and single parse differ",
			 what, data_len, pkt_len);
	free(data);
	free(p);
}

static void
test_burst_equals_single(void **state)
{
	unsigned int i;
	struct fb f;

	for_each_cut(burst_equals_single);
	for (i = 0; i < RTE_DIM(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint32_t keep = build_bad(c, &f);

		burst_equals_single(f.b, c->data_len ? c->data_len : keep, keep,
				    c->what);
	}
}

/* ---- reason names ---- */

static void
test_reason_names(void **state)
{
	unsigned int i, j;

	for (i = 0; i < WW_REASON_MAX; i++) {
		const char *name = ww_reason_name(i);

		assert_non_null(name);
		assert_true(name[0] != '\0');
		assert_string_not_equal(name, "unknown");
		assert_string_not_equal(ww_reason_help(i), "unknown");
		assert_int_equal(ww_reason_from_name(name), (int)i);
		for (j = 0; j < i; j++)
			assert_string_not_equal(ww_reason_name(j), name);
	}
	assert_string_equal(ww_reason_name(WW_REASON_NONE), "none");
	assert_string_equal(ww_reason_name(WW_REASON_TX_FULL), "tx-full");
	assert_string_equal(ww_reason_name(WW_REASON_MAX), "unknown");
	assert_string_equal(ww_reason_help(WW_REASON_MAX), "unknown");
	assert_string_equal(ww_reason_name(~0u), "unknown");
	assert_int_equal(ww_reason_from_name("no-such-reason"), -ENOENT);
	assert_int_equal(ww_reason_from_name(""), -ENOENT);
	assert_int_equal(ww_reason_from_name("TX-FULL"), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_frames),
		cmocka_unit_test(test_good_frames_unaligned),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_bad_keeps_outer_fields),
		cmocka_unit_test(test_truncate_ipv4_tcp),
		cmocka_unit_test(test_truncate_ipv6_udp),
		cmocka_unit_test(test_truncate_all_good),
		cmocka_unit_test(test_data_len_above_pkt_len),
		cmocka_unit_test(test_pkt_len_above_64k),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_burst_equals_single),
		cmocka_unit_test(test_reason_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
