/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame builder shared by the unit tests that build frames byte by byte
 * (test_packet, test_conntrack and the guards'): a fixed buffer and helpers
 * that append big-endian fields to it (appending past the buffer fails the
 * test), the Ethernet, IPv4, IPv6, TCP, UDP and ICMP headers those tests
 * write, the addresses and ports of one packet (struct tuple), and mbufs
 * holding a built frame, parsed by lib/packet. */
#ifndef WW_TESTS_FRAMES_H
#define WW_TESTS_FRAMES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <cmocka.h>

#include <rte_mbuf.h>

#include "packet.h"

#define FB_MAX 512

struct fb {
	uint8_t b[FB_MAX];
	uint32_t len;
};

static inline void
put8(struct fb *f, uint8_t v)
{
	assert_true(f->len < FB_MAX);
	f->b[f->len++] = v;
}

static inline void
put16(struct fb *f, uint16_t v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static inline void
put32(struct fb *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static inline void
putn(struct fb *f, const uint8_t *p, uint32_t n)
{
	while (n--)
		put8(f, *p++);
}

/* ---- addresses ---- */

/* Stores the host-order IPv4 address @p ip in network order at @p out. */
static inline void
addr4_to(uint8_t out[4], uint32_t ip)
{
	for (int i = 0; i < 4; i++)
		out[i] = ip >> (24 - 8 * i);
}

/* Stores 2001:db8::@p host at @p out. */
static inline void
addr6_to(uint8_t out[16], uint16_t host)
{
	static const uint8_t pfx[4] = { 0x20, 0x01, 0x0d, 0xb8 };

	memset(out, 0, 16);
	memcpy(out, pfx, 4);
	out[14] = host >> 8;
	out[15] = host & 0xff;
}

/* Addresses and ports of one packet (IPv4 in the first 4 bytes). */
struct tuple {
	bool v6;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/* IPv4 @p src:@p sport -> @p dst:@p dport (addresses in host order). */
static inline struct tuple
v4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct tuple t = { .sport = sport, .dport = dport };

	addr4_to(t.src, src);
	addr4_to(t.dst, dst);
	return t;
}

/* IPv6 2001:db8::@p src:@p sport -> 2001:db8::@p dst:@p dport. */
static inline struct tuple
v6(uint16_t src, uint16_t sport, uint16_t dst, uint16_t dport)
{
	struct tuple t = { .v6 = true, .sport = sport, .dport = dport };

	addr6_to(t.src, src);
	addr6_to(t.dst, dst);
	return t;
}

/* ---- headers ---- */

/* Ethernet header 02:00:00:00:00:02 -> 02:00:00:00:00:01 of @p type. */
static inline void
put_eth(struct fb *f, uint16_t type)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02,
	};

	putn(f, macs, sizeof(macs));
	put16(f, type);
}

/* ARP for IPv4 over Ethernet: @p op, sender and target (IPs in host order). */
static inline void
put_arp(struct fb *f, uint16_t op, const uint8_t sha[6], uint32_t sip,
	const uint8_t tha[6], uint32_t tip)
{
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, op);
	putn(f, sha, 6);
	put32(f, sip);
	putn(f, tha, 6);
	put32(f, tip);
}

/* IPv4 header (id 0x1234, TTL 64, no checksum) for @p l4len bytes. */
static inline void
put_ipv4(struct fb *f, const uint8_t src[4], const uint8_t dst[4],
	 uint8_t proto, uint32_t l4len, uint16_t frag)
{
	put8(f, 0x45);
	put8(f, 0);
	put16(f, 20 + l4len);
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	putn(f, src, 4);
	putn(f, dst, 4);
}

/* IPv6 header (hop limit 64) with next header @p nh, @p plen bytes after. */
static inline void
put_ipv6(struct fb *f, const uint8_t src[16], const uint8_t dst[16],
	 uint8_t nh, uint32_t plen)
{
	put32(f, 0x60000000);
	put16(f, plen);
	put8(f, nh);
	put8(f, 64);
	putn(f, src, 16);
	putn(f, dst, 16);
}

/* IPv4 or IPv6 header (by @p t) for @p l4len bytes; @p frag is IPv4's. */
static inline void
put_ip(struct fb *f, const struct tuple *t, uint8_t proto, uint32_t l4len,
       uint16_t frag)
{
	if (t->v6)
		put_ipv6(f, t->src, t->dst, proto, l4len);
	else
		put_ipv4(f, t->src, t->dst, proto, l4len, frag);
}

/* TCP header of @p t's ports with @p flags: seq 1000, no ack, window 65535. */
static inline void
put_tcp(struct fb *f, const struct tuple *t, uint8_t flags)
{
	put16(f, t->sport);
	put16(f, t->dport);
	put32(f, 1000);    /* seq */
	put32(f, 0);       /* ack */
	put8(f, 5 << 4);   /* data offset */
	put8(f, flags);
	put16(f, 65535);   /* window */
	put16(f, 0);
	put16(f, 0);
}

/* UDP header (no checksum) saying @p len bytes with the header. */
static inline void
put_udp_hdr(struct fb *f, uint16_t sport, uint16_t dport, uint16_t len)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, len);
	put16(f, 0);
}

/* UDP datagram: header and 4 bytes of payload (0xdeadbeef). */
static inline void
put_udp(struct fb *f, uint16_t sport, uint16_t dport)
{
	put_udp_hdr(f, sport, dport, 8 + 4);
	put32(f, 0xdeadbeef);
}

/* ICMP or ICMPv6 header (no checksum); the last 4 bytes as echo id, seq. */
static inline void
put_icmp_hdr(struct fb *f, uint8_t type, uint8_t code, uint16_t ident,
	     uint16_t seq)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put16(f, ident);
	put16(f, seq);
}

/* ---- mbufs ---- */

/* An mbuf from @p mp holding exactly the frame, parsed without error. */
static inline struct rte_mbuf *
fb_mbuf(struct rte_mempool *mp, const struct fb *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *p;

	assert_non_null(m);
	p = rte_pktmbuf_append(m, f->len);
	assert_non_null(p);
	memcpy(p, f->b, f->len);
	assert_int_equal(ww_packet_parse_burst(&m, 1), 0);
	assert_int_equal(ww_pkt_meta(m)->reason, WW_REASON_NONE);
	return m;
}

/* Ethernet, IP header by @p t (IPv4 @p frag) and the bytes of @p l4. */
static inline struct rte_mbuf *
tuple_mbuf(struct rte_mempool *mp, const struct tuple *t, uint8_t proto,
	   const struct fb *l4, uint16_t frag)
{
	struct fb f = { .len = 0 };

	put_eth(&f, t->v6 ? 0x86dd : 0x0800);
	put_ip(&f, t, proto, l4->len, frag);
	putn(&f, l4->b, l4->len);
	return fb_mbuf(mp, &f);
}

/* A TCP segment of @p t with @p flags and no payload. */
static inline struct rte_mbuf *
tuple_tcp(struct rte_mempool *mp, const struct tuple *t, uint8_t flags)
{
	struct fb l = { .len = 0 };

	put_tcp(&l, t, flags);
	return tuple_mbuf(mp, t, IPPROTO_TCP, &l, 0);
}

/* A UDP datagram of @p t with 4 bytes of payload. */
static inline struct rte_mbuf *
tuple_udp(struct rte_mempool *mp, const struct tuple *t)
{
	struct fb l = { .len = 0 };

	put_udp(&l, t->sport, t->dport);
	return tuple_mbuf(mp, t, IPPROTO_UDP, &l, 0);
}

/* ICMP or ICMPv6 (by @p t) of @p type, code 0, identifier @p t->sport,
 * sequence 1 and 4 bytes of payload. */
static inline struct rte_mbuf *
tuple_icmp(struct rte_mempool *mp, const struct tuple *t, uint8_t type)
{
	struct fb l = { .len = 0 };

	put_icmp_hdr(&l, type, 0, t->sport, 1);
	put32(&l, 0x01020304);
	return tuple_mbuf(mp, t, t->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP,
			  &l, 0);
}

#endif /* WW_TESTS_FRAMES_H */
