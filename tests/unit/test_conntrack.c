/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/conntrack: frames built here are parsed by lib/packet and walked
 * through a table: the TCP state machine (handshake, resets, closes, port
 * reuse, strict and loose pickup), UDP and ICMP pseudo-states, ICMP errors
 * related to the flow they quote, IPv6, timeouts and the reaper, the cap
 * under both policies, zones, bursts, flush, foreach and the memory a
 * table takes per flow. Time is the test's: nanoseconds it makes up. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "conntrack.h"
#include "frames.h"
#include "packet.h"
#include "ut_eal.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define T0 S(1000)
#define ZONE 0

#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_GRE 47
#define P_ICMPV6 58

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10
#define URG 0x20

#define NEW WW_CT_STATE_NEW
#define EST WW_CT_STATE_ESTABLISHED
#define REL WW_CT_STATE_RELATED
#define INV WW_CT_STATE_INVALID

static struct rte_mempool *pool;

/* ---- frames (struct tuple, headers and mbufs: frames.h) ---- */

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

/* The other direction of @p t: addresses and ports swapped. */
static struct tuple
rev(struct tuple t)
{
	struct tuple r = t;

	memcpy(r.src, t.dst, 16);
	memcpy(r.dst, t.src, 16);
	r.sport = t.dport;
	r.dport = t.sport;
	return r;
}

static struct rte_mbuf *
frame_frag(const struct tuple *t, uint8_t proto, const struct fb *l4,
	   uint16_t frag)
{
	return tuple_mbuf(pool, t, proto, l4, frag);
}

static struct rte_mbuf *
frame(const struct tuple *t, uint8_t proto, const struct fb *l4)
{
	return tuple_mbuf(pool, t, proto, l4, 0);
}

static struct rte_mbuf *
tcp(const struct tuple *t, uint8_t flags)
{
	return tuple_tcp(pool, t, flags);
}

static struct rte_mbuf *
udp(const struct tuple *t)
{
	return tuple_udp(pool, t);
}

/* ICMP or ICMPv6 (by the tuple) with @p type; the identifier is sport. */
static struct rte_mbuf *
icmp(const struct tuple *t, uint8_t type)
{
	return tuple_icmp(pool, t, type);
}

static struct rte_mbuf *
echo(const struct tuple *t, bool reply)
{
	if (t->v6)
		return icmp(t, reply ? 129 : 128);
	return icmp(t, reply ? 0 : 8);
}

/*
 * ICMP error @p type from @p outer quoting a datagram of @p inner with
 * protocol @p proto; @p quote_l4 bytes of its transport header are kept.
 */
static struct rte_mbuf *
icmp_error(const struct tuple *outer, uint8_t type,
	   const struct tuple *inner, uint8_t proto, uint32_t quote_l4)
{
	struct fb l = { .len = 0 }, q = { .len = 0 };

	if (proto == P_TCP)
		put_tcp(&q, inner, ACK);
	else if (proto == P_UDP)
		put_udp_hdr(&q, inner->sport, inner->dport, 8 + 4);
	else /* an echo request, identifier = sport */
		put_icmp_hdr(&q, inner->v6 ? 128 : 8, 0, inner->sport, 1);
	put8(&l, type);
	put8(&l, 0);
	put16(&l, 0);
	put32(&l, 0); /* unused, or the MTU of packet-too-big */
	put_ip(&l, inner, proto, 20, 0);
	putn(&l, q.b, quote_l4 < q.len ? quote_l4 : q.len);
	return frame(outer, outer->v6 ? P_ICMPV6 : P_ICMP, &l);
}

static struct rte_mbuf *
arp_frame(void)
{
	static const uint8_t sha[6] = { 0x02, 0x02, 0x02, 0x02, 0x02, 0x02 };
	static const uint8_t tha[6] = { 0 };
	struct fb f = { .len = 0 };

	for (int i = 0; i < 12; i++)
		put8(&f, i == 0 ? 0xff : 0x02);
	put16(&f, 0x0806);
	put_arp(&f, 1, sha, IP4(10, 0, 0, 1), tha, IP4(10, 0, 0, 2));
	return fb_mbuf(pool, &f);
}

/* ---- table helpers ---- */

static struct ww_ct_table *
table(const char *name, uint32_t max_flows, uint8_t policy, bool strict)
{
	struct ww_ct_config cfg;
	struct ww_ct_table *t;

	ww_ct_config_default(&cfg);
	cfg.max_flows = max_flows;
	cfg.full_policy = policy;
	cfg.strict = strict;
	t = ww_ct_create(name, &cfg, SOCKET_ID_ANY);
	assert_non_null(t);
	return t;
}

static struct ww_ct_stats
stats(const struct ww_ct_table *t)
{
	struct ww_ct_stats s;

	ww_ct_get_stats(t, &s);
	return s;
}

/*
 * One packet through the table as a worker would: lookup, and commit when
 * NEW and trackable (asserting that commit succeeds). Frees the mbuf.
 * Returns the lookup's ct_state; @p out (if set) gets the result.
 */
static uint8_t
ctz(struct ww_ct_table *t, struct rte_mbuf *m, uint16_t zone, uint64_t now,
    struct ww_ct_result *out)
{
	struct ww_ct_result r;
	uint8_t st;

	ww_ct_lookup_burst(t, &m, 1, zone, now, &r);
	st = r.ct_state;
	if (r.trackable) {
		assert_int_equal(st, NEW);
		assert_int_equal(ww_ct_commit(t, m, &r, now), 0);
		assert_int_not_equal(r.flow, UINT32_MAX);
	}
	if (out != NULL)
		*out = r;
	rte_pktmbuf_free(m);
	return st;
}

static uint8_t
ct(struct ww_ct_table *t, struct rte_mbuf *m, uint64_t now,
   struct ww_ct_result *out)
{
	return ctz(t, m, ZONE, now, out);
}

/* Lookup only: nothing is committed. */
static struct ww_ct_result
peek(struct ww_ct_table *t, struct rte_mbuf *m, uint64_t now)
{
	struct ww_ct_result r;

	ww_ct_lookup_burst(t, &m, 1, ZONE, now, &r);
	rte_pktmbuf_free(m);
	return r;
}

struct collect {
	unsigned int n;
	struct ww_ct_flow_info f[8];
};

static void
collect_fn(const struct ww_ct_flow_info *fi, void *arg)
{
	struct collect *c = arg;

	if (c->n < RTE_DIM(c->f))
		c->f[c->n] = *fi;
	c->n++;
}

static struct collect
flows(struct ww_ct_table *t)
{
	struct collect c = { .n = 0 };

	ww_ct_foreach(t, collect_fn, &c);
	return c;
}

/* The state of the table's only flow. */
static int
only_state(struct ww_ct_table *t)
{
	struct collect c = flows(t);

	assert_int_equal(c.n, 1);
	assert_int_equal(stats(t).active, 1);
	assert_int_equal(stats(t).by_state[c.f[0].state], 1);
	return c.f[0].state;
}

/* ---- TCP ---- */

static void
tcp_handshake(struct ww_ct_table *t, const struct tuple *c, uint64_t now)
{
	struct tuple s = rev(*c);

	assert_int_equal(ct(t, tcp(c, SYN), now, NULL), NEW);
	assert_int_equal(ct(t, tcp(&s, SYN | ACK), now, NULL), EST);
	assert_int_equal(ct(t, tcp(c, ACK), now, NULL), EST);
}

static void
test_tcp_handshake(void **state)
{
	struct ww_ct_table *t = table("ct-hs", 1024, WW_CT_FULL_DROP_NEW, true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 40000, IP4(192, 0, 2, 80), 80);
	struct tuple s = rev(c);
	struct ww_ct_result r, r0;

	assert_int_equal(ct(t, tcp(&c, SYN), T0, &r0), NEW);
	assert_int_equal(r0.reply, 0);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_SYN_SENT);
	/* An opener's ACK before the SYN+ACK is not part of the handshake. */
	assert_int_equal(ct(t, tcp(&c, ACK), T0, NULL), INV);
	/* The opener retransmits its SYN: fine, no second flow. */
	assert_int_equal(ct(t, tcp(&c, SYN), T0, &r), EST);
	assert_int_equal(r.flow, r0.flow);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_SYN_SENT);

	assert_int_equal(ct(t, tcp(&s, SYN | ACK), T0, &r), EST);
	assert_int_equal(r.reply, 1);
	assert_int_equal(r.flow, r0.flow);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_SYN_RECV);
	assert_int_equal(ct(t, tcp(&s, SYN | ACK), T0, NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_SYN_RECV);

	assert_int_equal(ct(t, tcp(&c, ACK), T0, &r), EST);
	assert_int_equal(r.reply, 0);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_ESTABLISHED);

	assert_int_equal(ct(t, tcp(&c, PSH | ACK), T0, &r), EST);
	assert_int_equal(r.reply, 0);
	assert_int_equal(ct(t, tcp(&s, PSH | ACK), T0, &r), EST);
	assert_int_equal(r.reply, 1);
	/* A new SYN from the opener on an established flow. */
	assert_int_equal(ct(t, tcp(&c, SYN), T0, NULL), INV);
	/* Flags no stack sends. */
	assert_int_equal(ct(t, tcp(&c, FIN | PSH | URG), T0, NULL), INV);
	assert_int_equal(ct(t, tcp(&c, 0), T0, NULL), INV);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_ESTABLISHED);

	assert_int_equal(stats(t).created, 1);
	ww_ct_free(t);
}

static void
test_tcp_no_flow(void **state)
{
	struct ww_ct_table *t = table("ct-noflow", 1024, WW_CT_FULL_DROP_NEW,
				      true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 40001, IP4(192, 0, 2, 80), 80);
	struct tuple s = rev(c);
	struct ww_ct_result r;

	r = peek(t, tcp(&s, SYN | ACK), T0);
	assert_int_equal(r.ct_state, INV);
	assert_int_equal(r.trackable, 0);
	assert_int_equal(peek(t, tcp(&c, RST), T0).ct_state, INV);
	assert_int_equal(peek(t, tcp(&c, RST | ACK), T0).ct_state, INV);
	assert_int_equal(peek(t, tcp(&c, SYN | FIN), T0).ct_state, INV);
	/* Strict: no pickup mid-stream. */
	assert_int_equal(peek(t, tcp(&c, ACK), T0).ct_state, INV);
	assert_int_equal(peek(t, tcp(&c, PSH | ACK), T0).ct_state, INV);
	assert_int_equal(stats(t).active, 0);
	ww_ct_free(t);
}

static void
test_tcp_loose_pickup(void **state)
{
	struct ww_ct_table *t = table("ct-loose", 1024, WW_CT_FULL_DROP_NEW,
				      false);
	struct tuple c = v4(IP4(10, 0, 0, 1), 40002, IP4(192, 0, 2, 80), 80);
	struct tuple s = rev(c);
	struct ww_ct_result r;

	assert_int_equal(ct(t, tcp(&c, PSH | ACK), T0, &r), NEW);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_ESTABLISHED);
	assert_int_equal(ct(t, tcp(&s, ACK), T0, &r), EST);
	assert_int_equal(r.reply, 1);
	/* Loose does not make a SYN+ACK or a RST a new flow. */
	assert_int_equal(peek(t, tcp(&s, RST), T0).ct_state, EST);
	s.sport = 81;
	assert_int_equal(peek(t, tcp(&s, SYN | ACK), T0).ct_state, INV);
	assert_int_equal(peek(t, tcp(&s, RST), T0).ct_state, INV);
	ww_ct_free(t);
}

static void
test_tcp_rst(void **state)
{
	struct ww_ct_table *t = table("ct-rst", 1024, WW_CT_FULL_DROP_NEW, true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 40003, IP4(192, 0, 2, 80), 80);
	struct tuple s = rev(c);

	/* Refused: the server answers the SYN with RST+ACK. */
	assert_int_equal(ct(t, tcp(&c, SYN), T0, NULL), NEW);
	assert_int_equal(ct(t, tcp(&s, RST | ACK), T0, NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_CLOSE);
	ww_ct_flush(t);

	tcp_handshake(t, &c, T0);
	assert_int_equal(ct(t, tcp(&c, RST), T0, NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_CLOSE);
	/* Stragglers are allowed but do not revive it. */
	assert_int_equal(ct(t, tcp(&s, ACK), T0, NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_CLOSE);
	/* CLOSE times out after 10 s. */
	assert_int_equal(peek(t, tcp(&s, ACK), T0 + S(10)).ct_state, INV);
	assert_int_equal(stats(t).active, 0);
	assert_int_equal(stats(t).expired, 1);
	ww_ct_free(t);
}

static void
test_tcp_fin_and_reuse(void **state)
{
	struct ww_ct_table *t = table("ct-fin", 1024, WW_CT_FULL_DROP_NEW, true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 40004, IP4(192, 0, 2, 80), 80);
	struct tuple s = rev(c);
	struct ww_ct_result r;

	tcp_handshake(t, &c, T0);
	assert_int_equal(ct(t, tcp(&c, FIN | ACK), T0, NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_FIN_WAIT);
	assert_int_equal(ct(t, tcp(&s, ACK), T0, NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_FIN_WAIT);
	assert_int_equal(ct(t, tcp(&s, FIN | ACK), T0, NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_FIN_WAIT);
	assert_int_equal(ct(t, tcp(&c, ACK), T0, NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_TIME_WAIT);
	/* A late ACK is allowed and changes nothing. */
	assert_int_equal(ct(t, tcp(&s, ACK), T0, NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_TIME_WAIT);

	/* The same ports again: the old flow goes, the SYN is new. */
	assert_int_equal(ct(t, tcp(&c, SYN), T0 + S(1), &r), NEW);
	assert_int_equal(r.reply, 0);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_SYN_SENT);
	assert_int_equal(stats(t).created, 2);
	assert_int_equal(ct(t, tcp(&s, SYN | ACK), T0 + S(1), NULL), EST);
	assert_int_equal(ct(t, tcp(&c, ACK), T0 + S(1), NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_ESTABLISHED);
	/* After a reset, the other side may open it (it becomes side 0). */
	assert_int_equal(ct(t, tcp(&c, RST), T0 + S(1), NULL), EST);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_CLOSE);
	assert_int_equal(ct(t, tcp(&s, SYN), T0 + S(2), &r), NEW);
	assert_int_equal(r.reply, 0);
	assert_int_equal(ct(t, tcp(&c, SYN | ACK), T0 + S(2), &r), EST);
	assert_int_equal(r.reply, 1);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_SYN_RECV);
	assert_int_equal(stats(t).created, 3);
	ww_ct_free(t);
}

/* ---- UDP, ICMP, other ---- */

static void
test_udp(void **state)
{
	struct ww_ct_table *t = table("ct-udp", 1024, WW_CT_FULL_DROP_NEW, true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 5353, IP4(192, 0, 2, 53), 53);
	struct tuple s = rev(c);
	struct ww_ct_result r;

	assert_int_equal(ct(t, udp(&c), T0, NULL), NEW);
	assert_int_equal(only_state(t), WW_CT_FS_UDP_UNREPLIED);
	assert_int_equal(ct(t, udp(&c), T0, &r), EST);
	assert_int_equal(r.reply, 0);
	assert_int_equal(only_state(t), WW_CT_FS_UDP_UNREPLIED);
	assert_int_equal(ct(t, udp(&s), T0, &r), EST);
	assert_int_equal(r.reply, 1);
	assert_int_equal(only_state(t), WW_CT_FS_UDP_REPLIED);
	assert_int_equal(ct(t, udp(&c), T0, NULL), EST);
	ww_ct_free(t);
}

static void
test_icmp_echo(void **state)
{
	struct ww_ct_table *t = table("ct-echo", 1024, WW_CT_FULL_DROP_NEW,
				      true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 0x4242, IP4(192, 0, 2, 1), 0);
	struct tuple s = rev(c);
	struct ww_ct_result r;

	s.sport = c.sport; /* the identifier, both ways */
	assert_int_equal(ct(t, echo(&c, false), T0, NULL), NEW);
	assert_int_equal(only_state(t), WW_CT_FS_ICMP);
	assert_int_equal(ct(t, echo(&s, true), T0, &r), EST);
	assert_int_equal(r.reply, 1);
	assert_int_equal(ct(t, echo(&c, false), T0, NULL), EST);
	/* A reply nobody asked for (another identifier). */
	s.sport = 0x4343;
	r = peek(t, echo(&s, true), T0);
	assert_int_equal(r.ct_state, INV);
	assert_int_equal(r.trackable, 0);
	/* Other ICMP types are not tracked. */
	r = peek(t, icmp(&c, 13), T0); /* timestamp */
	assert_int_equal(r.ct_state, NEW);
	assert_int_equal(r.trackable, 0);
	assert_int_equal(only_state(t), WW_CT_FS_ICMP);
	ww_ct_free(t);
}

static void
test_icmp_errors(void **state)
{
	struct ww_ct_table *t = table("ct-icmperr", 1024, WW_CT_FULL_DROP_NEW,
				      true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 5000, IP4(192, 0, 2, 53), 53);
	struct tuple other = v4(IP4(10, 0, 0, 1), 5001, IP4(192, 0, 2, 53), 53);
	struct tuple rtr = v4(IP4(198, 51, 100, 1), 0, IP4(10, 0, 0, 1), 0);
	struct tuple ping = v4(IP4(10, 0, 0, 1), 77, IP4(192, 0, 2, 9), 0);
	struct ww_ct_result r, r0;
	struct collect before, after;

	assert_int_equal(ct(t, udp(&c), T0, &r0), NEW);
	before = flows(t);
	/* Port unreachable from the server, quoting our datagram. */
	r = peek(t, icmp_error(&rtr, 3, &c, P_UDP, 8), T0 + S(5));
	assert_int_equal(r.ct_state, REL);
	assert_int_equal(r.flow, r0.flow);
	assert_int_equal(r.trackable, 0);
	/* It does not refresh the flow nor count on it. */
	after = flows(t);
	assert_int_equal(after.f[0].last_ns, before.f[0].last_ns);
	assert_int_equal(after.f[0].packets[0] + after.f[0].packets[1], 1);
	/* Time exceeded quoting only the ports is enough. */
	assert_int_equal(peek(t, icmp_error(&rtr, 11, &c, P_UDP, 4), T0)
			 .ct_state, REL);
	/* A quote cut inside the ports is not. */
	assert_int_equal(peek(t, icmp_error(&rtr, 3, &c, P_UDP, 3), T0)
			 .ct_state, INV);
	/* About a flow nobody tracks. */
	r = peek(t, icmp_error(&rtr, 3, &other, P_UDP, 8), T0);
	assert_int_equal(r.ct_state, INV);
	assert_int_equal(r.flow, UINT32_MAX);
	/* About a ping. */
	assert_int_equal(peek(t, icmp_error(&rtr, 3, &ping, P_ICMP, 8), T0)
			 .ct_state, INV);
	assert_int_equal(ct(t, echo(&ping, false), T0, NULL), NEW);
	assert_int_equal(peek(t, icmp_error(&rtr, 11, &ping, P_ICMP, 8), T0)
			 .ct_state, REL);
	/* Same flow in another zone is another flow. */
	{
		struct rte_mbuf *m = icmp_error(&rtr, 3, &c, P_UDP, 8);

		ww_ct_lookup_burst(t, &m, 1, 7, T0, &r);
		rte_pktmbuf_free(m);
		assert_int_equal(r.ct_state, INV);
	}
	ww_ct_free(t);
}

static void
test_ipv6(void **state)
{
	struct ww_ct_table *t = table("ct-v6", 1024, WW_CT_FULL_DROP_NEW, true);
	struct tuple c = v6(1, 40000, 0x80, 443);
	struct tuple s = rev(c);
	struct tuple rtr = v6(0xfe, 0, 1, 0);
	struct tuple pc = v6(1, 0x99, 2, 0), ps = rev(pc);
	struct ww_ct_result r;

	tcp_handshake(t, &c, T0);
	assert_int_equal(only_state(t), WW_CT_FS_TCP_ESTABLISHED);
	assert_int_equal(ct(t, tcp(&s, PSH | ACK), T0, &r), EST);
	assert_int_equal(r.reply, 1);
	assert_int_equal(peek(t, tcp(&s, SYN | ACK), T0).ct_state, EST);
	/* Packet too big, quoting our segment. */
	assert_int_equal(peek(t, icmp_error(&rtr, 2, &c, P_TCP, 8), T0)
			 .ct_state, REL);
	ww_ct_flush(t);

	ps.sport = pc.sport;
	assert_int_equal(ct(t, echo(&pc, false), T0, NULL), NEW);
	assert_int_equal(only_state(t), WW_CT_FS_ICMP);
	assert_int_equal(ct(t, echo(&ps, true), T0, &r), EST);
	assert_int_equal(r.reply, 1);
	ps.sport = 1;
	assert_int_equal(peek(t, echo(&ps, true), T0).ct_state, INV);
	/* Neighbour discovery: not tracked. */
	r = peek(t, icmp(&pc, 135), T0);
	assert_int_equal(r.ct_state, NEW);
	assert_int_equal(r.trackable, 0);
	assert_int_equal(stats(t).active, 1);
	ww_ct_free(t);
}

static void
test_other_packets(void **state)
{
	struct ww_ct_table *t = table("ct-other", 1024, WW_CT_FULL_DROP_NEW,
				      true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 0, IP4(192, 0, 2, 1), 0);
	struct tuple s = rev(c);
	struct fb gre = { .len = 0 };
	struct ww_ct_result r;

	r = peek(t, arp_frame(), T0);
	assert_int_equal(r.ct_state, 0);
	assert_int_equal(r.trackable, 0);

	/* A later fragment: classified, never committed. */
	put32(&gre, 0x12345678);
	r = peek(t, frame_frag(&c, P_UDP, &gre, 100), T0);
	assert_int_equal(r.ct_state, NEW);
	assert_int_equal(r.trackable, 0);

	/* GRE: addresses and protocol. */
	assert_int_equal(ct(t, frame(&c, P_GRE, &gre), T0, NULL), NEW);
	assert_int_equal(only_state(t), WW_CT_FS_OTHER);
	assert_int_equal(ct(t, frame(&s, P_GRE, &gre), T0, &r), EST);
	assert_int_equal(r.reply, 1);
	ww_ct_free(t);
}

/* ---- time ---- */

static void
test_timeouts(void **state)
{
	struct ww_ct_table *t = table("ct-time", 1024, WW_CT_FULL_DROP_NEW,
				      true);
	struct tuple a = v4(IP4(10, 0, 0, 1), 1001, IP4(192, 0, 2, 53), 53);
	struct tuple b = v4(IP4(10, 0, 0, 1), 1002, IP4(192, 0, 2, 53), 53);
	struct tuple c = v4(IP4(10, 0, 0, 1), 1003, IP4(192, 0, 2, 53), 53);
	struct ww_ct_result r;

	assert_int_equal(ct(t, udp(&a), T0, NULL), NEW);
	assert_int_equal(ct(t, udp(&b), T0, NULL), NEW);
	assert_int_equal(ct(t, udp(&c), T0, NULL), NEW);
	assert_int_equal(stats(t).by_state[WW_CT_FS_UDP_UNREPLIED], 3);

	/* 29 s later everything is still there. */
	assert_int_equal(ww_ct_expire(t, T0 + S(29), 64), 0);
	assert_int_equal(ct(t, udp(&c), T0 + S(20), NULL), EST);
	assert_int_equal(peek(t, udp(&a), T0 + S(29)).ct_state, EST);
	assert_int_equal(stats(t).active, 3);

	/* b: last seen at T0, gone at 30 s for a lookup, before any reaping. */
	r = peek(t, udp(&b), T0 + S(30));
	assert_int_equal(r.ct_state, NEW);
	assert_int_equal(r.trackable, 1);
	assert_int_equal(stats(t).active, 2);
	assert_int_equal(stats(t).expired, 1);

	/* At 50 s the reaper finds a and c queued at 0 s: c (last seen at
	 * 20 s) is due and goes; a (seen at 29 s) is not and is requeued. */
	assert_int_equal(ww_ct_expire(t, T0 + S(50), 64), 1);
	assert_int_equal(stats(t).active, 1);
	assert_int_equal(stats(t).expired, 2);
	assert_int_equal(only_state(t), WW_CT_FS_UDP_UNREPLIED);
	/* a was requeued at 50 s: the reaper is late (up to one timeout),
	 * lookups are not. */
	assert_int_equal(ww_ct_expire(t, T0 + S(59), 64), 0);
	assert_int_equal(stats(t).active, 1);
	assert_int_equal(peek(t, udp(&a), T0 + S(59)).ct_state, NEW);
	assert_int_equal(stats(t).active, 0);
	assert_int_equal(stats(t).by_state[WW_CT_FS_UDP_UNREPLIED], 0);
	assert_int_equal(stats(t).expired, 3);

	/* The reaper keeps to its budget. */
	for (uint16_t p = 0; p < 10; p++) {
		struct tuple x = v4(IP4(10, 0, 1, 1), 2000 + p,
				    IP4(192, 0, 2, 53), 53);

		assert_int_equal(ct(t, udp(&x), T0 + S(100), NULL), NEW);
	}
	assert_int_equal(ww_ct_expire(t, T0 + S(130), 4), 4);
	assert_int_equal(stats(t).active, 6);
	assert_int_equal(ww_ct_expire(t, T0 + S(130), 100), 6);
	assert_int_equal(stats(t).active, 0);
	assert_int_equal(stats(t).expired, 13);
	ww_ct_free(t);
}

/* ---- cap ---- */

static void
test_cap_drop_new(void **state)
{
	struct ww_ct_table *t = table("ct-cap", 4, WW_CT_FULL_DROP_NEW, true);
	struct tuple x = v4(IP4(10, 0, 0, 1), 3000, IP4(192, 0, 2, 53), 53);
	struct ww_ct_result r;
	struct rte_mbuf *m;

	for (int i = 0; i < 4; i++) {
		x.sport = 3000 + i;
		assert_int_equal(ct(t, udp(&x), T0, NULL), NEW);
	}
	x.sport = 3999;
	m = udp(&x);
	ww_ct_lookup_burst(t, &m, 1, ZONE, T0, &r);
	assert_int_equal(r.ct_state, NEW);
	assert_int_equal(ww_ct_commit(t, m, &r, T0), -ENOSPC);
	rte_pktmbuf_free(m);
	assert_int_equal(stats(t).refused_full, 1);
	assert_int_equal(stats(t).active, 4);
	assert_int_equal(stats(t).max_flows, 4);

	/* An expired flow is room, whatever the policy. */
	m = udp(&x);
	ww_ct_lookup_burst(t, &m, 1, ZONE, T0 + S(31), &r);
	assert_int_equal(ww_ct_commit(t, m, &r, T0 + S(31)), 0);
	rte_pktmbuf_free(m);
	assert_int_equal(stats(t).active, 4);
	assert_int_equal(stats(t).expired, 1);
	ww_ct_free(t);
}

static void
test_cap_early_drop(void **state)
{
	struct ww_ct_table *t = table("ct-early", 4, WW_CT_FULL_EARLY_DROP,
				      true);
	struct tuple est = v4(IP4(10, 0, 0, 1), 4000, IP4(192, 0, 2, 80), 80);
	struct tuple x = v4(IP4(10, 0, 0, 1), 5000, IP4(192, 0, 2, 53), 53);
	struct ww_ct_result r;
	struct rte_mbuf *m;

	tcp_handshake(t, &est, T0);
	for (int i = 0; i < 3; i++) {
		x.sport = 5000 + i;
		assert_int_equal(ct(t, udp(&x), T0 + S(1 + i), NULL), NEW);
	}
	/* Full: the oldest unreplied UDP flow (5000) makes room. */
	x.sport = 5999;
	assert_int_equal(ct(t, udp(&x), T0 + S(5), NULL), NEW);
	assert_int_equal(stats(t).early_dropped, 1);
	assert_int_equal(stats(t).active, 4);
	x.sport = 5000;
	assert_int_equal(peek(t, udp(&x), T0 + S(5)).ct_state, NEW);
	x.sport = 5001;
	assert_int_equal(peek(t, udp(&x), T0 + S(5)).ct_state, EST);
	assert_int_equal(peek(t, tcp(&est, ACK), T0 + S(5)).ct_state, EST);
	ww_ct_free(t);

	/* Nothing but established flows: refused. */
	t = table("ct-early2", 2, WW_CT_FULL_EARLY_DROP, true);
	tcp_handshake(t, &est, T0);
	x.sport = 6000;
	assert_int_equal(ct(t, udp(&x), T0, NULL), NEW);
	x = rev(x);
	assert_int_equal(ct(t, udp(&x), T0, NULL), EST); /* replied now */
	assert_int_equal(stats(t).active, 2);
	est.sport = 4001;
	m = tcp(&est, SYN);
	ww_ct_lookup_burst(t, &m, 1, ZONE, T0, &r);
	assert_int_equal(r.ct_state, NEW);
	assert_int_equal(ww_ct_commit(t, m, &r, T0), -ENOSPC);
	rte_pktmbuf_free(m);
	assert_int_equal(stats(t).refused_full, 1);
	assert_int_equal(stats(t).early_dropped, 0);
	assert_int_equal(stats(t).by_state[WW_CT_FS_TCP_ESTABLISHED], 1);
	assert_int_equal(stats(t).by_state[WW_CT_FS_UDP_REPLIED], 1);
	ww_ct_free(t);
}

/* ---- zones, bursts, flush, foreach ---- */

static void
test_zones(void **state)
{
	struct ww_ct_table *t = table("ct-zones", 1024, WW_CT_FULL_DROP_NEW,
				      true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 7000, IP4(192, 0, 2, 53), 53);
	struct tuple s = rev(c);

	assert_int_equal(ctz(t, udp(&c), 1, T0, NULL), NEW);
	assert_int_equal(ctz(t, udp(&c), 2, T0, NULL), NEW);
	assert_int_equal(stats(t).active, 2);
	assert_int_equal(ctz(t, udp(&s), 2, T0, NULL), EST);
	assert_int_equal(stats(t).by_state[WW_CT_FS_UDP_REPLIED], 1);
	assert_int_equal(stats(t).by_state[WW_CT_FS_UDP_UNREPLIED], 1);
	assert_int_equal(ctz(t, tcp(&s, SYN | ACK), 3, T0, NULL), INV);
	ww_ct_free(t);
}

static void
test_burst(void **state)
{
	struct ww_ct_table *t = table("ct-burst", 1024, WW_CT_FULL_DROP_NEW,
				      true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 8000, IP4(192, 0, 2, 53), 53);
	struct rte_mbuf *m[150];
	struct ww_ct_result r[150];
	struct collect f;
	unsigned int i;

	/* Two packets of one new flow in one burst: one flow. */
	m[0] = udp(&c);
	m[1] = udp(&c);
	ww_ct_lookup_burst(t, m, 2, ZONE, T0, r);
	assert_int_equal(r[0].ct_state, NEW);
	assert_int_equal(r[1].ct_state, NEW);
	assert_int_equal(ww_ct_commit(t, m[0], &r[0], T0), 0);
	assert_int_equal(ww_ct_commit(t, m[1], &r[1], T0), 0);
	assert_int_equal(r[1].flow, r[0].flow);
	assert_int_equal(r[1].ct_state, EST);
	assert_int_equal(stats(t).created, 1);
	f = flows(t);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.f[0].packets[0], 2);
	rte_pktmbuf_free_bulk(m, 2);

	/* Bursts longer than one bulk lookup: 150 new flows, then their
	 * replies, with one that closes and reopens a flow in the middle. */
	ww_ct_flush(t);
	for (i = 0; i < 150; i++) {
		c.sport = 9000 + i;
		m[i] = udp(&c);
	}
	ww_ct_lookup_burst(t, m, 150, ZONE, T0, r);
	for (i = 0; i < 150; i++) {
		assert_int_equal(r[i].ct_state, NEW);
		assert_int_equal(ww_ct_commit(t, m[i], &r[i], T0), 0);
	}
	rte_pktmbuf_free_bulk(m, 150);
	assert_int_equal(stats(t).active, 150);
	for (i = 0; i < 150; i++) {
		c.sport = 9000 + i;
		struct tuple s = rev(c);
		m[i] = udp(&s);
	}
	ww_ct_lookup_burst(t, m, 150, ZONE, T0, r);
	for (i = 0; i < 150; i++) {
		assert_int_equal(r[i].ct_state, EST);
		assert_int_equal(r[i].reply, 1);
	}
	rte_pktmbuf_free_bulk(m, 150);
	assert_int_equal(stats(t).by_state[WW_CT_FS_UDP_REPLIED], 150);

	/* In one burst: a flow expires and the next packet of it sees no
	 * flow either, without reading the deleted entry. */
	c.sport = 9000;
	m[0] = udp(&c);
	m[1] = udp(&c);
	ww_ct_lookup_burst(t, m, 2, ZONE, T0 + S(180), r);
	assert_int_equal(r[0].ct_state, NEW);
	assert_int_equal(r[1].ct_state, NEW);
	assert_int_equal(ww_ct_commit(t, m[0], &r[0], T0 + S(180)), 0);
	assert_int_equal(ww_ct_commit(t, m[1], &r[1], T0 + S(180)), 0);
	rte_pktmbuf_free_bulk(m, 2);
	assert_int_equal(stats(t).expired, 1);
	assert_int_equal(stats(t).active, 150);
	ww_ct_free(t);
}

static void
test_flush(void **state)
{
	struct ww_ct_table *t = table("ct-flush", 1024, WW_CT_FULL_DROP_NEW,
				      true);
	struct tuple c = v4(IP4(10, 0, 0, 1), 9000, IP4(192, 0, 2, 53), 53);
	struct ww_ct_stats s;

	tcp_handshake(t, &c, T0);
	assert_int_equal(ct(t, udp(&c), T0, NULL), NEW);
	ww_ct_flush(t);
	s = stats(t);
	assert_int_equal(s.active, 0);
	for (unsigned int i = 0; i < WW_CT_FS_MAX; i++)
		assert_int_equal(s.by_state[i], 0);
	assert_int_equal(flows(t).n, 0);
	assert_int_equal(peek(t, tcp(&c, ACK), T0).ct_state, INV);
	assert_int_equal(ct(t, udp(&c), T0, NULL), NEW);
	assert_int_equal(only_state(t), WW_CT_FS_UDP_UNREPLIED);
	ww_ct_free(t);
}

static void
test_foreach_orientation(void **state)
{
	struct ww_ct_table *t = table("ct-foreach", 1024, WW_CT_FULL_DROP_NEW,
				      true);
	/* The opener has the higher address: the key stores it second. */
	struct tuple c = v4(IP4(10, 0, 0, 9), 5000, IP4(10, 0, 0, 1), 80);
	struct tuple s = rev(c);
	struct rte_mbuf *m;
	uint32_t len_c, len_s;
	struct collect f;

	m = tcp(&c, SYN);
	len_c = m->pkt_len;
	assert_int_equal(ct(t, m, T0, NULL), NEW);
	m = tcp(&s, SYN | ACK);
	len_s = m->pkt_len;
	assert_int_equal(ct(t, m, T0 + S(1), NULL), EST);
	assert_int_equal(ct(t, tcp(&s, ACK), T0 + S(1), NULL), INV);

	f = flows(t);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.f[0].family, 4);
	assert_int_equal(f.f[0].proto, P_TCP);
	assert_int_equal(f.f[0].zone, ZONE);
	assert_int_equal(f.f[0].state, WW_CT_FS_TCP_SYN_RECV);
	assert_memory_equal(f.f[0].addr[0], c.src, 4);
	assert_memory_equal(f.f[0].addr[1], c.dst, 4);
	assert_int_equal(f.f[0].port[0], 5000);
	assert_int_equal(f.f[0].port[1], 80);
	assert_int_equal(f.f[0].packets[0], 1);
	assert_int_equal(f.f[0].packets[1], 1);
	assert_int_equal(f.f[0].bytes[0], len_c);
	assert_int_equal(f.f[0].bytes[1], len_s);
	assert_int_equal(f.f[0].last_ns, T0 + S(1));
	assert_int_equal(f.f[0].expires_ns, T0 + S(1) + S(60));
	ww_ct_free(t);
}

/* ---- creation, names, memory ---- */

static void
test_create(void **state)
{
	struct ww_ct_config cfg;
	struct ww_ct_table *t, *t2;

	ww_ct_config_default(&cfg);
	assert_int_equal(cfg.max_flows, 200000);
	assert_int_equal(cfg.full_policy, WW_CT_FULL_DROP_NEW);
	assert_true(cfg.strict);
	assert_int_equal(cfg.timeout_s[WW_CT_FS_TCP_ESTABLISHED], 432000);
	assert_int_equal(cfg.timeout_s[WW_CT_FS_UDP_UNREPLIED], 30);

	cfg.max_flows = 0;
	assert_null(ww_ct_create("ct-bad", &cfg, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	cfg.max_flows = 16u * 1024 * 1024 + 1;
	assert_null(ww_ct_create("ct-bad", &cfg, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	cfg.max_flows = 100;
	cfg.timeout_s[WW_CT_FS_ICMP] = 0;
	assert_null(ww_ct_create("ct-bad", &cfg, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);

	ww_ct_config_default(&cfg);
	cfg.max_flows = 1;
	t = ww_ct_create("ct-same", &cfg, SOCKET_ID_ANY);
	assert_non_null(t);
	t2 = ww_ct_create("ct-same", &cfg, SOCKET_ID_ANY);
	assert_null(t2);
	assert_int_equal(rte_errno, EEXIST);
	ww_ct_free(t);
	/* The name is free again. */
	t = ww_ct_create("ct-same", &cfg, SOCKET_ID_ANY);
	assert_non_null(t);
	ww_ct_free(t);
	ww_ct_free(NULL);
}

static void
test_names(void **state)
{
	assert_string_equal(ww_ct_flow_state_name(WW_CT_FS_TCP_SYN_SENT),
			    "syn-sent");
	assert_string_equal(ww_ct_flow_state_name(WW_CT_FS_OTHER), "other");
	assert_string_equal(ww_ct_flow_state_name(WW_CT_FS_MAX), "unknown");
	assert_string_equal(ww_ct_timeout_key(WW_CT_FS_UDP_REPLIED),
			    "udp_stream");
	assert_null(ww_ct_timeout_key(WW_CT_FS_MAX));
}

static void
test_memory_per_flow(void **state)
{
	static const uint32_t sizes[] = { 100000, 131072, 262144 };

	for (unsigned int i = 0; i < RTE_DIM(sizes); i++) {
		struct ww_ct_table *t;
		char name[32];
		double per_flow;

		snprintf(name, sizeof(name), "ct-mem-%u", sizes[i]);
		t = table(name, sizes[i], WW_CT_FULL_DROP_NEW, true);
		per_flow = (double)ww_ct_memory(t) / sizes[i];
		printf("conntrack: %u flows take %zu bytes, %.1f per flow\n",
		       sizes[i], ww_ct_memory(t), per_flow);
		assert_true(ww_ct_memory(t) >= (size_t)sizes[i] * (64 + 48));
		if (sizes[i] == 100000)
			assert_true(per_flow <= 128.0);
		ww_ct_free(t);
	}
}

/* ---- setup ---- */

static int
setup(void **state)
{
	pool = ut_eal_start("ct");
	return pool == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	ut_eal_stop(pool);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_handshake),
		cmocka_unit_test(test_tcp_no_flow),
		cmocka_unit_test(test_tcp_loose_pickup),
		cmocka_unit_test(test_tcp_rst),
		cmocka_unit_test(test_tcp_fin_and_reuse),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_icmp_errors),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_other_packets),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_cap_drop_new),
		cmocka_unit_test(test_cap_early_drop),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_foreach_orientation),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_memory_per_flow),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
