/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/guard ICMP guard: frames built here are parsed by lib/packet and
 * walked through a guard with a context of the test's own (an event ring
 * behind an aggregator with a zero window, so every event reaches the
 * ring). Covers every drop reason for ICMP and ICMPv6 and the order of the
 * checks, the default types, redirects allowed on demand, echo requests to
 * broadcast and multicast addresses, the per-source rate limit as time
 * passes, NDP under the limit, the bounded source table, a disabled guard
 * and packets that are not its business. Time is made up. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "frames.h"
#include "guard.h"
#include "icmp_guard.h"
#include "packet.h"
#include "ut_eal.h"
#include "ut_guard.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define MS(x) ((uint64_t)(x) * 1000000ull)
#define T0 S(1000)

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define HOST_A IP4(192, 0, 2, 1)
#define HOST_B IP4(192, 0, 2, 2)
#define SERVER IP4(10, 0, 0, 1)

#define P_ICMP 1
#define P_UDP 17
#define P_ICMPV6 58

#define FRAG_NONE 0
#define FRAG_FIRST 1
#define FRAG_LATER 2

#define RING_SIZE 1024

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST4[6] = { 0x01, 0x00, 0x5e, 0, 0, 0x01 };

static struct rte_mempool *pool;

/* ---- the test's worker: guard, context, events ---- */

static struct {
	struct ww_guard_config cfg;
	struct ww_guard_ctx ctx;
	struct ww_icmp_guard *g;
	struct rte_ring *ring;
	struct ww_event_agg *agg;
} w;

static unsigned int instance;

static void
new_guard(uint32_t max_sources)
{
	char name[32];

	ww_icmp_guard_free(w.g);
	snprintf(name, sizeof(name), "icmp-ut-%u", instance++);
	w.g = ww_icmp_guard_create(name, max_sources, SOCKET_ID_ANY);
	assert_non_null(w.g);
}

static int
setup_worker(void **state)
{
	char name[32];

	memset(&w, 0, sizeof(w));
	snprintf(name, sizeof(name), "icmp-ut-ev-%u", instance++);
	if (ut_guard_worker_open(&w.cfg, &w.ring, &w.agg, &w.ctx, name,
				 RING_SIZE, T0, pool) != 0)
		return -1;
	w.ctx.port_idx = 1;
	new_guard(256);
	return 0;
}

static int
teardown_worker(void **state)
{
	ww_icmp_guard_free(w.g);
	ut_events_close(w.ring, w.agg);
	w.g = NULL;
	return 0;
}

#define WORKER_TEST(f) cmocka_unit_test_setup_teardown(f, setup_worker, \
						       teardown_worker)

/* ---- frames ---- */

struct spec {
	bool v6;
	uint8_t proto;
	uint8_t src[16], dst[16];
	const uint8_t *eth_dst;
	uint8_t type, code;
	uint16_t extra;     /* bytes after the 8-byte ICMP header */
	int frag;           /* FRAG_* */
};

/* ICMP @p type from @p src to @p dst. */
static struct spec
icmp4(uint32_t src, uint32_t dst, uint8_t type)
{
	struct spec s = { .proto = P_ICMP, .type = type, .eth_dst = MAC_B };

	addr4_to(s.src, src);
	addr4_to(s.dst, dst);
	return s;
}

/* ICMPv6 @p type from 2001:db8::src to 2001:db8::dst. */
static struct spec
icmp6(uint16_t src, uint16_t dst, uint8_t type)
{
	struct spec s = { .v6 = true, .proto = P_ICMPV6, .type = type,
			  .eth_dst = MAC_B };

	addr6_to(s.src, src);
	addr6_to(s.dst, dst);
	return s;
}

static void
put_l4(struct fb *l, const struct spec *s)
{
	if (s->frag == FRAG_LATER) {
		/* The middle of a datagram: no header at all. */
		for (unsigned int i = 0; i < 16u + s->extra; i++)
			put8(l, 0xab);
		return;
	}
	if (s->proto == P_UDP)
		put_udp_hdr(l, 40000, 53, 8 + s->extra);
	else
		put_icmp_hdr(l, s->type, s->code, 0x1234, 1);
	for (unsigned int i = 0; i < s->extra; i++)
		put8(l, i);
}

static struct rte_mbuf *
build(const struct spec *s)
{
	struct fb f = { .len = 0 }, l = { .len = 0 };
	uint16_t frag4 = s->frag == FRAG_FIRST ? 0x2000 :
			 s->frag == FRAG_LATER ? 185 : 0;

	put_l4(&l, s);
	putn(&f, s->eth_dst, 6);
	putn(&f, MAC_A, 6);
	if (s->v6) {
		bool fh = s->frag != FRAG_NONE;

		put16(&f, 0x86dd);
		put_ipv6(&f, s->src, s->dst, fh ? 44 : s->proto,
			 l.len + (fh ? 8 : 0));
		if (fh) {
			put8(&f, s->proto);
			put8(&f, 0);
			put16(&f, s->frag == FRAG_FIRST ? 0x0001 : 185 << 3);
			put32(&f, 0xcafe);
		}
	} else {
		put16(&f, 0x0800);
		put_ipv4(&f, s->src, s->dst, s->proto, l.len, frag4);
	}
	putn(&f, l.b, l.len);
	return fb_mbuf(pool, &f);
}

/* ---- running frames ---- */

struct result {
	uint8_t verdict;
	uint16_t reason;
};

/* One frame through the guard; frees it. */
static struct result
run(const struct spec *s)
{
	struct rte_mbuf *m = build(s);
	struct result r;

	ww_icmp_guard_burst(w.g, &w.ctx, &m, 1);
	r.verdict = ww_pkt_meta(m)->verdict;
	r.reason = ww_pkt_meta(m)->reason;
	rte_pktmbuf_free(m);
	return r;
}

static void
assert_passes(const struct spec *s)
{
	struct result r = run(s);

	assert_int_equal(r.verdict, WW_VERDICT_FORWARD);
	assert_string_equal(ww_reason_name(r.reason), "none");
}

static void
assert_dropped(const struct spec *s, unsigned int reason)
{
	struct result r = run(s);

	assert_int_equal(r.verdict, WW_VERDICT_DROP);
	assert_string_equal(ww_reason_name(r.reason), ww_reason_name(reason));
}

/* ---- events ---- */

/* The next event is of @p kind about @p s; @return it. */
static struct ww_event
expect_event(unsigned int kind, const struct spec *s)
{
	struct ww_event ev;

	ev = ut_next_event(w.ring, &w.ctx, kind);
	assert_int_equal(ev.family, s->v6 ? 6 : 4);
	assert_int_equal(ev.proto, s->proto);
	assert_int_equal(ev.block_ttl_s, 0);
	assert_memory_equal(ev.src, s->src, s->v6 ? 16 : 4);
	assert_memory_equal(ev.dst, s->dst, s->v6 ? 16 : 4);
	return ev;
}

static void
drop_events(void)
{
	struct ww_event ev;

	while (rte_ring_dequeue_elem(w.ring, &ev, sizeof(ev)) == 0)
		;
}

/* Drop with @p reason and one event of @p kind whose value is @p value. */
static void
assert_rejected(const struct spec *s, unsigned int reason, unsigned int kind,
		uint32_t value)
{
	struct ww_event ev;

	assert_dropped(s, reason);
	ev = expect_event(kind, s);
	assert_int_equal(ev.value, value);
	ut_expect_no_event(w.ring);
}

/* ---- tests ---- */

static void
test_default_types(void **state)
{
	uint64_t a4[4], a6[4];

	ww_icmp_guard_default_types(a4, a6);
	for (unsigned int t = 0; t < 256; t++) {
		bool in4 = t == 0 || t == 3 || t == 8 || t == 11 || t == 12;
		bool in6 = (t >= 1 && t <= 4) || (t >= 128 && t <= 136) ||
			   t == 143;

		assert_int_equal(ww_guard_type_allowed(a4, t), in4);
		assert_int_equal(ww_guard_type_allowed(a6, t), in6);
	}
	/* The default configuration uses them. */
	assert_memory_equal(w.cfg.icmp.allow4, a4, sizeof(a4));
	assert_memory_equal(w.cfg.icmp.allow6, a6, sizeof(a6));
}

static void
test_allowed_types_pass(void **state)
{
	static const uint8_t t4[] = { 0, 3, 8, 11, 12 };
	static const uint8_t t6[] = { 1, 2, 3, 4, 128, 129, 130, 131, 132,
				      133, 134, 135, 136, 143 };
	struct spec s;

	for (unsigned int i = 0; i < RTE_DIM(t4); i++) {
		s = icmp4(HOST_A, SERVER, t4[i]);
		assert_passes(&s);
	}
	for (unsigned int i = 0; i < RTE_DIM(t6); i++) {
		s = icmp6(1, 2, t6[i]);
		assert_passes(&s);
	}
	ut_expect_no_event(w.ring);
}

static void
test_type_not_allowed(void **state)
{
	struct spec s = icmp4(HOST_A, SERVER, 13); /* timestamp */

	assert_rejected(&s, WW_REASON_ICMP_TYPE, WW_EV_ICMP_TYPE, 13);
	s = icmp4(HOST_A, SERVER, 17); /* address mask */
	assert_rejected(&s, WW_REASON_ICMP_TYPE, WW_EV_ICMP_TYPE, 17);
	s = icmp6(1, 2, 200);
	assert_rejected(&s, WW_REASON_ICMP_TYPE, WW_EV_ICMP_TYPE, 200);
	s = icmp6(1, 2, 139); /* node information query */
	assert_rejected(&s, WW_REASON_ICMP_TYPE, WW_EV_ICMP_TYPE, 139);

	/* An allowed type is the configuration's, not the default's. */
	ww_guard_type_set(w.cfg.icmp.allow4, 13, true);
	ww_guard_type_set(w.cfg.icmp.allow6, 129, false);
	s = icmp4(HOST_A, SERVER, 13);
	assert_passes(&s);
	s = icmp6(1, 2, 129);
	assert_rejected(&s, WW_REASON_ICMP_TYPE, WW_EV_ICMP_TYPE, 129);
}

static void
test_redirect(void **state)
{
	struct spec s4 = icmp4(HOST_A, SERVER, 5);
	struct spec s6 = icmp6(1, 2, 137);

	s4.code = 1; /* for the host */
	assert_rejected(&s4, WW_REASON_ICMP_TYPE, WW_EV_ICMP_REDIRECT, 5);
	assert_rejected(&s6, WW_REASON_ICMP_TYPE, WW_EV_ICMP_REDIRECT, 137);

	ww_guard_type_set(w.cfg.icmp.allow4, 5, true);
	ww_guard_type_set(w.cfg.icmp.allow6, 137, true);
	assert_passes(&s4);
	assert_passes(&s6);
	ut_expect_no_event(w.ring);
}

static void
test_size(void **state)
{
	struct spec s4 = icmp4(HOST_A, SERVER, 8);
	struct spec s6 = icmp6(1, 2, 128);

	w.cfg.icmp.max_size = 100;
	/* IPv4: 20 + 8 + extra; IPv6: 40 + 8 + extra. */
	s4.extra = 72;
	assert_passes(&s4);
	s4.extra = 73;
	assert_rejected(&s4, WW_REASON_ICMP_SIZE, WW_EV_ICMP_SIZE, 101);
	s6.extra = 52;
	assert_passes(&s6);
	s6.extra = 200;
	assert_rejected(&s6, WW_REASON_ICMP_SIZE, WW_EV_ICMP_SIZE, 248);

	/* The size is the datagram's, even for a type not allowed. */
	s4 = icmp4(HOST_A, SERVER, 13);
	s4.extra = 100;
	assert_rejected(&s4, WW_REASON_ICMP_SIZE, WW_EV_ICMP_SIZE, 128);
}

static void
test_fragment(void **state)
{
	struct spec s;

	s = icmp4(HOST_A, SERVER, 8);
	s.frag = FRAG_FIRST;
	assert_rejected(&s, WW_REASON_ICMP_FRAGMENT, WW_EV_ICMP_FRAGMENT, 28);
	s.frag = FRAG_LATER;
	assert_rejected(&s, WW_REASON_ICMP_FRAGMENT, WW_EV_ICMP_FRAGMENT, 36);
	s = icmp6(1, 2, 128);
	s.frag = FRAG_FIRST;
	assert_rejected(&s, WW_REASON_ICMP_FRAGMENT, WW_EV_ICMP_FRAGMENT,
			40 + 8 + 8);
	s.frag = FRAG_LATER;
	assert_rejected(&s, WW_REASON_ICMP_FRAGMENT, WW_EV_ICMP_FRAGMENT,
			40 + 8 + 16);

	/* First of the checks: an oversized fragment is a fragment. */
	w.cfg.icmp.max_size = 50;
	s = icmp4(HOST_A, SERVER, 5);
	s.extra = 100;
	s.frag = FRAG_FIRST;
	assert_rejected(&s, WW_REASON_ICMP_FRAGMENT, WW_EV_ICMP_FRAGMENT, 128);

	/* Fragments of other protocols are not the ICMP guard's. */
	s = icmp4(HOST_A, SERVER, 0);
	s.proto = P_UDP;
	s.frag = FRAG_FIRST;
	assert_passes(&s);
	ut_expect_no_event(w.ring);
}

static void
test_broadcast(void **state)
{
	struct spec s;

	s = icmp4(HOST_A, IP4(255, 255, 255, 255), 8);
	s.eth_dst = BCAST;
	assert_rejected(&s, WW_REASON_ICMP_BROADCAST, WW_EV_ICMP_BROADCAST, 0);
	/* A unicast frame to the limited broadcast address. */
	s.eth_dst = MAC_B;
	assert_rejected(&s, WW_REASON_ICMP_BROADCAST, WW_EV_ICMP_BROADCAST, 0);
	s = icmp4(HOST_A, IP4(224, 0, 0, 1), 8);
	s.eth_dst = MCAST4;
	assert_rejected(&s, WW_REASON_ICMP_BROADCAST, WW_EV_ICMP_BROADCAST, 0);
	s = icmp4(HOST_A, IP4(239, 255, 255, 250), 8);
	assert_rejected(&s, WW_REASON_ICMP_BROADCAST, WW_EV_ICMP_BROADCAST, 0);
	/* A directed broadcast is seen by its Ethernet destination. */
	s = icmp4(HOST_A, IP4(10, 0, 0, 255), 8);
	s.eth_dst = BCAST;
	assert_rejected(&s, WW_REASON_ICMP_BROADCAST, WW_EV_ICMP_BROADCAST, 0);

	s = icmp6(1, 2, 128);
	s.dst[0] = 0xff;
	s.dst[1] = 0x02;
	memset(s.dst + 2, 0, 13);
	s.dst[15] = 1; /* ff02::1 */
	assert_rejected(&s, WW_REASON_ICMP_BROADCAST, WW_EV_ICMP_BROADCAST, 0);
	s = icmp6(1, 2, 128);
	s.eth_dst = MCAST4; /* any group bit */
	assert_rejected(&s, WW_REASON_ICMP_BROADCAST, WW_EV_ICMP_BROADCAST, 0);

	/* Only echo requests: replies, errors and NDP to groups pass. */
	s = icmp4(HOST_A, IP4(224, 0, 0, 1), 0);
	s.eth_dst = MCAST4;
	assert_passes(&s);
	s = icmp4(HOST_A, IP4(255, 255, 255, 255), 3);
	s.eth_dst = BCAST;
	assert_passes(&s);
	s = icmp6(1, 2, 135);
	s.dst[0] = 0xff;
	s.dst[1] = 0x02;
	assert_passes(&s);
	/* Unicast echo requests pass. */
	s = icmp4(HOST_A, SERVER, 8);
	assert_passes(&s);
	s = icmp4(HOST_A, IP4(223, 255, 255, 255), 8);
	assert_passes(&s);
	s = icmp6(1, 2, 128);
	assert_passes(&s);
	ut_expect_no_event(w.ring);
}

static void
test_rate(void **state)
{
	struct spec a = icmp4(HOST_A, SERVER, 8);
	struct spec b = icmp4(HOST_B, SERVER, 0);
	struct ww_event ev;

	w.cfg.icmp.rate = 10;
	w.cfg.icmp.burst = 20;
	for (int i = 0; i < 20; i++)
		assert_passes(&a);
	assert_dropped(&a, WW_REASON_ICMP_RATE);
	ev = expect_event(WW_EV_ICMP_RATE, &a);
	assert_int_equal(ev.value, 10);
	ut_expect_no_event(w.ring);
	assert_dropped(&a, WW_REASON_ICMP_RATE);
	drop_events();
	/* Every type counts against the source, errors too. */
	a.type = 3;
	assert_dropped(&a, WW_REASON_ICMP_RATE);
	a.type = 8;
	drop_events();

	/* Another source has a bucket of its own. */
	for (int i = 0; i < 20; i++)
		assert_passes(&b);
	assert_dropped(&b, WW_REASON_ICMP_RATE);
	drop_events();

	/* 100 ms: one token back, then dry again. */
	w.ctx.now_ns += MS(100);
	assert_passes(&a);
	assert_dropped(&a, WW_REASON_ICMP_RATE);
	w.ctx.now_ns += MS(50);
	assert_dropped(&a, WW_REASON_ICMP_RATE);
	w.ctx.now_ns += MS(50);
	assert_passes(&a);
	drop_events();

	/* Long after: never more than the burst. */
	w.ctx.now_ns += S(60);
	for (int i = 0; i < 20; i++)
		assert_passes(&a);
	assert_dropped(&a, WW_REASON_ICMP_RATE);
	drop_events();

	/* Sources are addresses: IPv6 2001:db8::1 has its own. */
	{
		struct spec s6 = icmp6(1, 2, 128);

		for (int i = 0; i < 20; i++)
			assert_passes(&s6);
		assert_dropped(&s6, WW_REASON_ICMP_RATE);
		expect_event(WW_EV_ICMP_RATE, &s6);
	}
}

static void
test_rate_aggregated(void **state)
{
	struct spec a = icmp4(HOST_A, SERVER, 8);
	struct ww_event ev;

	/* With a window, a flood makes one event and one summary. */
	w.cfg.events.window_s = 10;
	w.cfg.icmp.rate = 1;
	w.cfg.icmp.burst = 1;
	assert_passes(&a);
	for (int i = 0; i < 100; i++)
		assert_dropped(&a, WW_REASON_ICMP_RATE);
	expect_event(WW_EV_ICMP_RATE, &a);
	ut_expect_no_event(w.ring);
	ww_event_agg_flush(w.agg);
	assert_int_equal(rte_ring_dequeue_elem(w.ring, &ev, sizeof(ev)), 0);
	assert_int_equal(ev.kind, WW_EV_ICMP_RATE);
	assert_int_equal(ev.count, 99);
	ut_expect_no_event(w.ring);
}

static void
test_ndp_not_limited(void **state)
{
	struct spec s = icmp6(1, 2, 135);

	w.cfg.icmp.rate = 1;
	w.cfg.icmp.burst = 1;
	for (unsigned int t = 133; t <= 136; t++) {
		s.type = t;
		for (int i = 0; i < 50; i++)
			assert_passes(&s);
	}
	ut_expect_no_event(w.ring);
	/* The same source's echo requests are limited; NDP still passes. */
	s.type = 128;
	assert_passes(&s);
	assert_dropped(&s, WW_REASON_ICMP_RATE);
	expect_event(WW_EV_ICMP_RATE, &s);
	s.type = 136;
	assert_passes(&s);
	/* MLD is not NDP: limited. */
	s.type = 143;
	assert_dropped(&s, WW_REASON_ICMP_RATE);
	expect_event(WW_EV_ICMP_RATE, &s);
	/* NDP is still subject to the type, size and fragment checks. */
	w.cfg.icmp.max_size = 60;
	s.type = 135;
	s.extra = 20;
	assert_rejected(&s, WW_REASON_ICMP_SIZE, WW_EV_ICMP_SIZE, 68);
}

static void
test_source_table_bounded(void **state)
{
	struct spec s[5];

	/* One set of 4 ways: the fifth source evicts the least recent. */
	new_guard(4);
	w.cfg.icmp.rate = 1;
	w.cfg.icmp.burst = 1;
	for (int i = 0; i < 5; i++)
		s[i] = icmp4(HOST_A + i, SERVER, 8);
	for (int i = 0; i < 4; i++) {
		assert_passes(&s[i]);
		assert_dropped(&s[i], WW_REASON_ICMP_RATE);
		w.ctx.now_ns += 1000; /* far below a token */
	}
	/* Source 0 was seen last now: source 1 is the least recent. */
	assert_dropped(&s[0], WW_REASON_ICMP_RATE);
	assert_passes(&s[4]);
	assert_passes(&s[1]);           /* forgotten: a fresh bucket */
	assert_dropped(&s[0], WW_REASON_ICMP_RATE);
	drop_events();
}

static void
test_disabled(void **state)
{
	struct spec s;

	w.cfg.icmp.enabled = false;
	w.cfg.icmp.max_size = 50;
	w.cfg.icmp.rate = 1;
	w.cfg.icmp.burst = 1;
	s = icmp4(HOST_A, SERVER, 5);
	assert_passes(&s);
	s.frag = FRAG_FIRST;
	assert_passes(&s);
	s = icmp4(HOST_A, IP4(255, 255, 255, 255), 8);
	s.extra = 100;
	for (int i = 0; i < 10; i++)
		assert_passes(&s);
	s = icmp6(1, 2, 137);
	assert_passes(&s);
	ut_expect_no_event(w.ring);
}

static void
test_not_its_business(void **state)
{
	struct spec s = icmp4(HOST_A, SERVER, 13);
	struct rte_mbuf *m[3];

	/* Already dropped by an earlier stage: left as it is. */
	m[0] = build(&s);
	ww_guard_drop(m[0], WW_REASON_BLOCKLIST);
	/* UDP: not ICMP. */
	s.proto = P_UDP;
	m[1] = build(&s);
	/* A burst: one of three dropped. */
	s = icmp4(HOST_A, SERVER, 13);
	m[2] = build(&s);
	ww_icmp_guard_burst(w.g, &w.ctx, m, 3);
	assert_int_equal(ww_pkt_meta(m[0])->reason, WW_REASON_BLOCKLIST);
	assert_int_equal(ww_pkt_meta(m[1])->verdict, WW_VERDICT_FORWARD);
	assert_int_equal(ww_pkt_meta(m[2])->reason, WW_REASON_ICMP_TYPE);
	expect_event(WW_EV_ICMP_TYPE, &s);
	ut_expect_no_event(w.ring);
	rte_pktmbuf_free_bulk(m, 3);
}

static void
test_no_events(void **state)
{
	struct spec s = icmp4(HOST_A, SERVER, 13);

	/* Without an aggregator the guard still drops. */
	w.ctx.events = NULL;
	assert_dropped(&s, WW_REASON_ICMP_TYPE);
	ut_expect_no_event(w.ring);
}

static void
test_create(void **state)
{
	rte_errno = 0;
	assert_null(ww_icmp_guard_create("icmp-ut-zero", 0, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(ww_icmp_guard_create(NULL, 16, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	ww_icmp_guard_free(NULL);
}

/* ---- setup ---- */

static int
setup(void **state)
{
	pool = ut_eal_start("icmp");
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
		WORKER_TEST(test_default_types),
		WORKER_TEST(test_allowed_types_pass),
		WORKER_TEST(test_type_not_allowed),
		WORKER_TEST(test_redirect),
		WORKER_TEST(test_size),
		WORKER_TEST(test_fragment),
		WORKER_TEST(test_broadcast),
		WORKER_TEST(test_rate),
		WORKER_TEST(test_rate_aggregated),
		WORKER_TEST(test_ndp_not_limited),
		WORKER_TEST(test_source_table_bounded),
		WORKER_TEST(test_disabled),
		WORKER_TEST(test_not_its_business),
		WORKER_TEST(test_no_events),
		WORKER_TEST(test_create),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
