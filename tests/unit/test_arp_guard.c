/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/guard ARP guard: frames built here are parsed by lib/packet and
 * walked through a guard with a context of the test's own (ports, time,
 * arrays for generated packets, an event ring behind an aggregator with a
 * zero window, so every event reaches the ring). Covers the checks in
 * their order, static bindings, the whole verification by probe (bytes of
 * the probe included, VLAN tags kept), conflicts, probe timeouts, the
 * protected side's sender check, rate limits, gratuitous ARP and probes,
 * a disabled guard, eviction, foreach and flush. Time is made up. */
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

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "arp_guard.h"
#include "frames.h"
#include "guard.h"
#include "packet.h"
#include "ut_eal.h"
#include "ut_guard.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define MS(x) ((uint64_t)(x) * 1000000ull)
#define T0 S(1000)

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define GW IP4(10, 0, 0, 254)

#define OP_REQ 1
#define OP_REP 2

#define MAX_BACK 8

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t ZERO[6] = { 0 };
static const uint8_t PORT_MAC[6] = { 0x02, 0xee, 0, 0, 0, 0x01 };
static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t MAC_EVIL[6] = { 0x02, 0, 0, 0, 0, 0x66 };

static struct rte_mempool *pool;

/* ---- the test's worker: guard, context, events ---- */

static struct {
	struct ww_guard_config cfg;
	struct ww_guard_ctx ctx;
	struct ww_arp_guard *g;
	struct rte_ring *ring;
	struct ww_event_agg *agg;
	struct rte_mbuf *back[MAX_BACK], *fwd[MAX_BACK];
	struct ww_arp_binding statics[2];
} w;

static unsigned int instance;

/* A guard of @p max_bindings in place of the current one. */
static void
new_guard(uint32_t max_bindings)
{
	char name[32];

	ww_arp_guard_free(w.g);
	snprintf(name, sizeof(name), "arp-ut-%u", instance++);
	w.g = ww_arp_guard_create(name, max_bindings, SOCKET_ID_ANY);
	assert_non_null(w.g);
}

static int
setup_worker(void **state)
{
	char name[32];

	memset(&w, 0, sizeof(w));
	snprintf(name, sizeof(name), "arp-ut-ev-%u", instance++);
	if (ut_guard_worker_open(&w.cfg, &w.ring, &w.agg, &w.ctx, name, 64, T0,
				 pool) != 0)
		return -1;
	w.ctx.port_idx = 0;
	w.ctx.from_protected = false;
	memcpy(&w.ctx.port_mac, PORT_MAC, 6);
	w.ctx.back = w.back;
	w.ctx.max_back = MAX_BACK;
	w.ctx.fwd = w.fwd;
	w.ctx.max_fwd = MAX_BACK;
	new_guard(64);
	return 0;
}

static void
free_back(void)
{
	rte_pktmbuf_free_bulk(w.back, w.ctx.nb_back);
	w.ctx.nb_back = 0;
}

static int
teardown_worker(void **state)
{
	free_back();
	ww_arp_guard_free(w.g);
	ut_events_close(w.ring, w.agg);
	w.g = NULL;
	return 0;
}

#define WORKER_TEST(f) cmocka_unit_test_setup_teardown(f, setup_worker, \
						       teardown_worker)

/* ---- frames ---- */

struct arp_spec {
	uint16_t op;
	const uint8_t *eth_dst, *eth_src;
	const uint8_t *sha, *tha;
	uint32_t sip, tip;          /* host order */
	unsigned int nb_vlan;
	uint16_t tci[2];
	bool pad;                   /* to 60 bytes, as on the wire */
};

static struct rte_mbuf *
arp_build(const struct arp_spec *s)
{
	struct fb f = { .len = 0 };

	putn(&f, s->eth_dst, 6);
	putn(&f, s->eth_src, 6);
	for (unsigned int i = 0; i < s->nb_vlan; i++) {
		put16(&f, i == 0 && s->nb_vlan == 2 ? 0x88a8 : 0x8100);
		put16(&f, s->tci[i]);
	}
	put16(&f, 0x0806);
	put_arp(&f, s->op, s->sha, s->sip, s->tha, s->tip);
	while (s->pad && f.len < 60)
		put8(&f, 0);
	return fb_mbuf(pool, &f);
}

/* "who has 10.0.0.254, tell @p ip" from @p mac: a claim of ip for mac. */
static struct rte_mbuf *
claim(const uint8_t *mac, uint32_t ip)
{
	struct arp_spec s = { .op = OP_REQ, .eth_dst = BCAST, .eth_src = mac,
			      .sha = mac, .tha = ZERO, .sip = ip, .tip = GW };

	return arp_build(&s);
}

/* @p mac's answer to our probe for @p ip. */
static struct rte_mbuf *
answer(const uint8_t *mac, uint32_t ip)
{
	struct arp_spec s = { .op = OP_REP, .eth_dst = PORT_MAC,
			      .eth_src = mac, .sha = mac, .tha = PORT_MAC,
			      .sip = ip, .tip = 0 };

	return arp_build(&s);
}

/* ---- running frames ---- */

struct result {
	uint8_t verdict;
	uint16_t reason;
};

/* One frame through the guard; frees it. */
static struct result
run(struct rte_mbuf *m)
{
	struct result r;

	ww_arp_guard_burst(w.g, &w.ctx, &m, 1);
	r.verdict = ww_pkt_meta(m)->verdict;
	r.reason = ww_pkt_meta(m)->reason;
	rte_pktmbuf_free(m);
	return r;
}

static void
assert_forwarded(struct rte_mbuf *m)
{
	struct result r = run(m);

	assert_int_equal(r.verdict, WW_VERDICT_FORWARD);
	assert_int_equal(r.reason, WW_REASON_NONE);
}

static void
assert_dropped(struct rte_mbuf *m, unsigned int reason)
{
	struct result r = run(m);

	assert_int_equal(r.verdict, WW_VERDICT_DROP);
	assert_string_equal(ww_reason_name(r.reason), ww_reason_name(reason));
}

/* ---- events ---- */

/* The next event is of @p kind, about sender IP @p ip, MAC @p mac and
 * (if not NULL) @p mac2. @return it. */
static struct ww_event
expect_event(unsigned int kind, uint32_t ip, const uint8_t *mac,
	     const uint8_t *mac2)
{
	struct ww_event ev;
	uint8_t a[4];

	ev = ut_next_event(w.ring, &w.ctx, kind);
	addr4_to(a, ip);
	assert_memory_equal(ev.src, a, 4);
	assert_memory_equal(&ev.mac, mac, 6);
	if (mac2 != NULL)
		assert_memory_equal(&ev.mac2, mac2, 6);
	return ev;
}

/* ---- bindings ---- */

struct collect {
	unsigned int n;
	struct ww_arp_binding_info b[1024 + 16];
};

static void
collect_fn(const struct ww_arp_binding_info *b, void *arg)
{
	struct collect *c = arg;

	if (c->n < RTE_DIM(c->b))
		c->b[c->n] = *b;
	c->n++;
}

static struct collect
bindings(void)
{
	struct collect c = { .n = 0 };

	ww_arp_guard_foreach(w.g, collect_fn, &c);
	return c;
}

/* The entry for @p ip, or NULL. */
static const struct ww_arp_binding_info *
binding(const struct collect *c, uint32_t ip)
{
	for (unsigned int i = 0; i < c->n && i < RTE_DIM(c->b); i++)
		if (c->b[i].ip == rte_cpu_to_be_32(ip))
			return &c->b[i];
	return NULL;
}

static void
assert_binding(uint32_t ip, uint8_t state, const uint8_t *mac)
{
	struct collect c = bindings();
	const struct ww_arp_binding_info *b = binding(&c, ip);

	assert_non_null(b);
	assert_int_equal(b->state, state);
	assert_memory_equal(&b->mac, mac, 6);
}

static void
assert_unbound(uint32_t ip)
{
	struct collect c = bindings();

	assert_null(binding(&c, ip));
}

/* The probe we expect out for @p ip behind @p nb_vlan tags. */
static void
assert_probe(struct rte_mbuf *p, uint32_t ip, unsigned int nb_vlan,
	     const uint16_t *tci)
{
	struct arp_spec s = { .op = OP_REQ, .eth_dst = BCAST,
			      .eth_src = PORT_MAC, .sha = PORT_MAC,
			      .tha = ZERO, .sip = 0, .tip = ip,
			      .nb_vlan = nb_vlan, .pad = true };
	struct rte_mbuf *want;
	struct ww_pkt_meta *meta;

	if (nb_vlan > 0)
		memcpy(s.tci, tci, nb_vlan * sizeof(*tci));
	want = arp_build(&s);
	assert_int_equal(p->nb_segs, 1);
	assert_int_equal(rte_pktmbuf_pkt_len(p), 60);
	assert_int_equal(rte_pktmbuf_data_len(p), 60);
	assert_memory_equal(rte_pktmbuf_mtod(p, void *),
			    rte_pktmbuf_mtod(want, void *), 60);
	/* A frame stages after us can read as any parsed one. */
	meta = ww_pkt_meta(p);
	assert_int_equal(meta->l3, WW_L3_ARP);
	assert_int_equal(meta->l3_off, ww_pkt_meta(want)->l3_off);
	assert_int_equal(meta->vlan_count, nb_vlan);
	assert_int_equal(meta->verdict, WW_VERDICT_FORWARD);
	assert_int_equal(meta->reason, WW_REASON_NONE);
	rte_pktmbuf_free(want);
}

/* One probe went out for @p ip (no tags); it is freed. */
static void
expect_probe(uint32_t ip)
{
	assert_int_equal(w.ctx.nb_back, 1);
	assert_probe(w.back[0], ip, 0, NULL);
	free_back();
}

/* From nothing to a verified binding of @p ip to @p mac at the current
 * time; events drained. */
static void
verify(const uint8_t *mac, uint32_t ip)
{
	assert_dropped(claim(mac, ip), WW_REASON_ARP_UNVERIFIED);
	expect_probe(ip);
	expect_event(WW_EV_ARP_PROBE, ip, mac, NULL);
	assert_dropped(answer(mac, ip), WW_REASON_ARP_PROBE_ANSWER);
	expect_event(WW_EV_ARP_VERIFIED, ip, mac, mac);
	ut_expect_no_event(w.ring);
	assert_binding(ip, 0, mac);
}

/* ---- the checks in order ---- */

static void
test_bad_opcode(void **state)
{
	static const uint16_t ops[] = { 0, 3, 4, 8, 9, 0xffff };

	for (unsigned int i = 0; i < RTE_DIM(ops); i++) {
		struct arp_spec s = { .op = ops[i], .eth_dst = BCAST,
				      .eth_src = MAC_A, .sha = MAC_A,
				      .tha = ZERO, .sip = IP4(10, 0, 0, 1),
				      .tip = GW };
		struct ww_event ev;

		assert_dropped(arp_build(&s), WW_REASON_ARP_BAD_OPCODE);
		ev = expect_event(WW_EV_ARP_BAD_OPCODE, IP4(10, 0, 0, 1),
				  MAC_A, NULL);
		assert_int_equal(ev.value, ops[i]);
	}
	/* Nothing learned, nothing probed. */
	assert_int_equal(bindings().n, 0);
	assert_int_equal(w.ctx.nb_back, 0);
	ut_expect_no_event(w.ring);
}

static void
test_broadcast_reply(void **state)
{
	struct arp_spec s = { .op = OP_REP, .eth_dst = BCAST, .eth_src = MAC_A,
			      .sha = MAC_A, .tha = BCAST,
			      .sip = IP4(10, 0, 0, 1), .tip = GW };

	assert_dropped(arp_build(&s), WW_REASON_ARP_BROADCAST_REPLY);
	expect_event(WW_EV_ARP_BROADCAST_REPLY, IP4(10, 0, 0, 1), MAC_A,
		     NULL);
	/* Also one that looks like an answer to our probe. */
	s.tip = 0;
	assert_dropped(arp_build(&s), WW_REASON_ARP_BROADCAST_REPLY);
	expect_event(WW_EV_ARP_BROADCAST_REPLY, IP4(10, 0, 0, 1), MAC_A,
		     NULL);
	/* A request to the broadcast MAC is fine. */
	w.cfg.arp.verify = false;
	s.op = OP_REQ;
	s.tha = ZERO;
	s.tip = GW;
	assert_forwarded(arp_build(&s));
	/* So is a reply to a unicast MAC. */
	s.op = OP_REP;
	s.eth_dst = MAC_B;
	s.tha = MAC_B;
	assert_forwarded(arp_build(&s));
	ut_expect_no_event(w.ring);
}

static void
test_static_binding(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 1);
	struct arp_spec s = { .op = OP_REP, .eth_dst = MAC_B,
			      .eth_src = MAC_EVIL, .sha = MAC_EVIL,
			      .tha = MAC_B, .sip = ip,
			      .tip = IP4(10, 0, 0, 2) };

	w.statics[0].ip = rte_cpu_to_be_32(ip);
	memcpy(&w.statics[0].mac, MAC_A, 6);
	w.statics[1].ip = rte_cpu_to_be_32(IP4(10, 0, 0, 9));
	memcpy(&w.statics[1].mac, MAC_B, 6);
	w.cfg.arp.bindings = w.statics;
	w.cfg.arp.nb_static = 2;

	/* The bound MAC passes at once: no probe, nothing learned. */
	assert_forwarded(claim(MAC_A, ip));
	assert_forwarded(claim(MAC_B, IP4(10, 0, 0, 9)));
	assert_int_equal(w.ctx.nb_back, 0);
	assert_int_equal(bindings().n, 0);
	ut_expect_no_event(w.ring);

	/* Someone else claiming it, request or reply. */
	assert_dropped(claim(MAC_EVIL, ip), WW_REASON_ARP_SPOOF);
	expect_event(WW_EV_ARP_SPOOF, ip, MAC_EVIL, MAC_A);
	assert_dropped(arp_build(&s), WW_REASON_ARP_SPOOF);
	expect_event(WW_EV_ARP_SPOOF, ip, MAC_EVIL, MAC_A);
	assert_int_equal(w.ctx.nb_back, 0);

	/* Even when verify is off, and whatever answers "our probe". */
	w.cfg.arp.verify = false;
	assert_dropped(claim(MAC_EVIL, ip), WW_REASON_ARP_SPOOF);
	expect_event(WW_EV_ARP_SPOOF, ip, MAC_EVIL, MAC_A);
	assert_dropped(answer(MAC_EVIL, ip), WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	assert_int_equal(bindings().n, 0);
	assert_dropped(claim(MAC_EVIL, ip), WW_REASON_ARP_SPOOF);
	expect_event(WW_EV_ARP_SPOOF, ip, MAC_EVIL, MAC_A);
	assert_forwarded(claim(MAC_A, ip));
}

/* ---- verification ---- */

static void
test_verify(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 5);
	struct ww_event ev;

	/* A new claim: dropped, probed. */
	assert_dropped(claim(MAC_A, ip), WW_REASON_ARP_UNVERIFIED);
	expect_probe(ip);
	ev = expect_event(WW_EV_ARP_PROBE, ip, MAC_A, MAC_A);
	assert_int_equal(ev.family, 4);
	assert_binding(ip, 1, MAC_A);
	assert_int_equal(bindings().b[0].since_ns, T0);

	/* The host retries before the answer: still dropped, no second
	 * probe, no event. */
	w.ctx.now_ns = T0 + MS(100);
	assert_dropped(claim(MAC_A, ip), WW_REASON_ARP_UNVERIFIED);
	assert_int_equal(w.ctx.nb_back, 0);
	ut_expect_no_event(w.ring);

	/* The answer: taken, the binding verified. */
	w.ctx.now_ns = T0 + MS(200);
	assert_dropped(answer(MAC_A, ip), WW_REASON_ARP_PROBE_ANSWER);
	expect_event(WW_EV_ARP_VERIFIED, ip, MAC_A, MAC_A);
	assert_binding(ip, 0, MAC_A);
	assert_int_equal(bindings().b[0].since_ns, T0 + MS(200));
	assert_int_equal(bindings().n, 1);

	/* The retry passes, as later claims of the same binding do. */
	w.ctx.now_ns = T0 + MS(300);
	assert_forwarded(claim(MAC_A, ip));
	w.ctx.now_ns = T0 + S(3600);
	assert_forwarded(claim(MAC_A, ip));
	assert_int_equal(w.ctx.nb_back, 0);
	ut_expect_no_event(w.ring);

	/* Another MAC claiming the address later: a spoof. */
	assert_dropped(claim(MAC_EVIL, ip), WW_REASON_ARP_SPOOF);
	expect_event(WW_EV_ARP_SPOOF, ip, MAC_EVIL, MAC_A);
	assert_int_equal(w.ctx.nb_back, 0);
	assert_binding(ip, 0, MAC_A);
	/* A late answer claiming it as well changes nothing. */
	assert_dropped(answer(MAC_EVIL, ip), WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	assert_binding(ip, 0, MAC_A);
}

/* The attacker's claim makes us ask; the owner's answer settles it. */
static void
test_verify_spoofed_claim(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 254);

	assert_dropped(claim(MAC_EVIL, ip), WW_REASON_ARP_UNVERIFIED);
	expect_probe(ip);
	expect_event(WW_EV_ARP_PROBE, ip, MAC_EVIL, NULL);
	assert_binding(ip, 1, MAC_EVIL);

	assert_dropped(answer(MAC_A, ip), WW_REASON_ARP_PROBE_ANSWER);
	/* The binding is the answer's, mac2 the MAC that claimed. */
	expect_event(WW_EV_ARP_VERIFIED, ip, MAC_A, MAC_EVIL);
	assert_binding(ip, 0, MAC_A);

	w.ctx.now_ns += MS(10);
	assert_dropped(claim(MAC_EVIL, ip), WW_REASON_ARP_SPOOF);
	expect_event(WW_EV_ARP_SPOOF, ip, MAC_EVIL, MAC_A);
	assert_forwarded(claim(MAC_A, ip));
}

static void
test_probe_keeps_vlan_tags(void **state)
{
	static const uint16_t one[] = { 42 };
	static const uint16_t two[] = { 100, 0x2007 };
	const uint32_t ip = IP4(10, 0, 1, 1);
	struct arp_spec s = { .op = OP_REQ, .eth_dst = BCAST,
			      .eth_src = MAC_A, .sha = MAC_A, .tha = ZERO,
			      .sip = ip, .tip = GW, .nb_vlan = 1,
			      .tci = { 42 }, .pad = true };

	assert_dropped(arp_build(&s), WW_REASON_ARP_UNVERIFIED);
	assert_int_equal(w.ctx.nb_back, 1);
	assert_probe(w.back[0], ip, 1, one);
	free_back();

	s.nb_vlan = 2;
	s.tci[0] = 100;
	s.tci[1] = 0x2007;
	s.sip = IP4(10, 0, 1, 2);
	assert_dropped(arp_build(&s), WW_REASON_ARP_UNVERIFIED);
	assert_int_equal(w.ctx.nb_back, 1);
	assert_probe(w.back[0], IP4(10, 0, 1, 2), 2, two);
	free_back();
}

static void
test_conflict(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 6);

	assert_dropped(claim(MAC_A, ip), WW_REASON_ARP_UNVERIFIED);
	expect_probe(ip);
	expect_event(WW_EV_ARP_PROBE, ip, MAC_A, NULL);

	/* The first answer binds; the same MAC answering twice is fine. */
	w.ctx.now_ns = T0 + MS(100);
	assert_dropped(answer(MAC_A, ip), WW_REASON_ARP_PROBE_ANSWER);
	expect_event(WW_EV_ARP_VERIFIED, ip, MAC_A, MAC_A);
	assert_dropped(answer(MAC_A, ip), WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	assert_binding(ip, 0, MAC_A);

	/* A second MAC answering the same probe in time: conflict, the
	 * address is unbound. */
	w.ctx.now_ns = T0 + MS(900);
	assert_dropped(answer(MAC_B, ip), WW_REASON_ARP_PROBE_ANSWER);
	expect_event(WW_EV_ARP_CONFLICT, ip, MAC_B, MAC_A);
	assert_unbound(ip);
	assert_int_equal(bindings().n, 0);
	/* A third answer finds no probe. */
	assert_dropped(answer(MAC_EVIL, ip), WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	assert_int_equal(bindings().n, 0);

	/* The next claim probes afresh. */
	assert_dropped(claim(MAC_A, ip), WW_REASON_ARP_UNVERIFIED);
	expect_probe(ip);
	expect_event(WW_EV_ARP_PROBE, ip, MAC_A, NULL);
}

/* A different answer after the probe's time is no conflict. */
static void
test_conflict_window(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 7);

	verify(MAC_A, ip);
	w.ctx.now_ns = T0 + MS(1000);
	assert_dropped(answer(MAC_B, ip), WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	assert_binding(ip, 0, MAC_A);
}

static void
test_probe_timeout(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 8);

	w.cfg.arp.probe_timeout_ms = 500;
	assert_dropped(claim(MAC_A, ip), WW_REASON_ARP_UNVERIFIED);
	expect_probe(ip);
	expect_event(WW_EV_ARP_PROBE, ip, MAC_A, NULL);

	/* Pending until the timeout... */
	w.ctx.now_ns = T0 + MS(499);
	assert_dropped(claim(MAC_A, ip), WW_REASON_ARP_UNVERIFIED);
	assert_int_equal(w.ctx.nb_back, 0);
	ut_expect_no_event(w.ring);

	/* ... an answer after it is taken but verifies nothing ... */
	w.ctx.now_ns = T0 + MS(500);
	assert_dropped(answer(MAC_A, ip), WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	assert_binding(ip, 1, MAC_A);

	/* ... and a claim after it probes again (this time for B). */
	w.ctx.now_ns = T0 + MS(600);
	assert_dropped(claim(MAC_B, ip), WW_REASON_ARP_UNVERIFIED);
	expect_probe(ip);
	expect_event(WW_EV_ARP_PROBE, ip, MAC_B, NULL);
	assert_binding(ip, 1, MAC_B);
	assert_int_equal(bindings().b[0].since_ns, T0 + MS(600));

	w.ctx.now_ns = T0 + MS(1099);
	assert_dropped(answer(MAC_B, ip), WW_REASON_ARP_PROBE_ANSWER);
	expect_event(WW_EV_ARP_VERIFIED, ip, MAC_B, MAC_B);
	assert_forwarded(claim(MAC_B, ip));
}

/* Answers count on the port the probe left by, from anyone but a
 * protected host lying about its MAC. */
static void
test_answer_checks(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 9);
	struct arp_spec s = { .op = OP_REP, .eth_dst = PORT_MAC,
			      .eth_src = MAC_EVIL, .sha = MAC_A,
			      .tha = PORT_MAC, .sip = ip, .tip = 0 };

	assert_dropped(claim(MAC_A, ip), WW_REASON_ARP_UNVERIFIED);
	expect_probe(ip);
	expect_event(WW_EV_ARP_PROBE, ip, MAC_A, NULL);

	w.ctx.port_idx = 1;
	assert_dropped(answer(MAC_A, ip), WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	assert_binding(ip, 1, MAC_A);

	w.ctx.port_idx = 0;
	w.ctx.from_protected = true;
	assert_dropped(arp_build(&s), WW_REASON_ARP_PROBE_ANSWER);
	expect_event(WW_EV_ARP_SENDER_MISMATCH, ip, MAC_A, MAC_EVIL);
	assert_binding(ip, 1, MAC_A);

	/* An answer to another MAC is no answer to us: a claim. */
	s.eth_dst = MAC_B;
	s.eth_src = MAC_A;
	assert_dropped(arp_build(&s), WW_REASON_ARP_UNVERIFIED);
	ut_expect_no_event(w.ring);
	assert_binding(ip, 1, MAC_A);

	assert_dropped(answer(MAC_A, ip), WW_REASON_ARP_PROBE_ANSWER);
	expect_event(WW_EV_ARP_VERIFIED, ip, MAC_A, MAC_A);
	assert_binding(ip, 0, MAC_A);
	/* An unsolicited "answer" for an address never probed. */
	assert_dropped(answer(MAC_B, IP4(10, 0, 0, 99)),
		       WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	assert_unbound(IP4(10, 0, 0, 99));
	assert_int_equal(w.ctx.nb_back, 0);
}

static void
test_sender_mismatch(void **state)
{
	struct arp_spec s = { .op = OP_REQ, .eth_dst = BCAST,
			      .eth_src = MAC_EVIL, .sha = MAC_A,
			      .tha = ZERO, .sip = IP4(10, 0, 0, 1),
			      .tip = GW };

	w.cfg.arp.verify = false;
	w.ctx.from_protected = true;
	assert_dropped(arp_build(&s), WW_REASON_ARP_SPOOF);
	expect_event(WW_EV_ARP_SENDER_MISMATCH, IP4(10, 0, 0, 1), MAC_A,
		     MAC_EVIL);
	assert_int_equal(bindings().n, 0);
	/* Probes from there too. */
	s.sip = 0;
	assert_dropped(arp_build(&s), WW_REASON_ARP_SPOOF);
	expect_event(WW_EV_ARP_SENDER_MISMATCH, 0, MAC_A, MAC_EVIL);

	/* From the unprotected side the frame's source is not ours to
	 * judge. */
	w.ctx.from_protected = false;
	s.sip = IP4(10, 0, 0, 1);
	assert_forwarded(arp_build(&s));
	ut_expect_no_event(w.ring);
	assert_binding(IP4(10, 0, 0, 1), 0, MAC_A);

	/* A matching one from the protected side goes on as usual. */
	w.ctx.from_protected = true;
	s.eth_src = MAC_A;
	assert_forwarded(arp_build(&s));
	ut_expect_no_event(w.ring);
}

static void
test_rate(void **state)
{
	struct arp_spec s = { .op = OP_REQ, .eth_dst = BCAST, .eth_src = MAC_A,
			      .sha = MAC_A, .tha = ZERO, .sip = 0,
			      .tip = IP4(10, 0, 0, 1) };
	struct ww_event ev;

	w.cfg.arp.rate = 5;
	w.cfg.arp.burst = 10;
	for (int i = 0; i < 10; i++)
		assert_forwarded(arp_build(&s));
	assert_dropped(arp_build(&s), WW_REASON_ARP_RATE);
	ev = expect_event(WW_EV_ARP_RATE, 0, MAC_A, NULL);
	assert_int_equal(ev.value, 5);
	ut_expect_no_event(w.ring);
	/* Other MACs have their own buckets. */
	s.eth_src = s.sha = MAC_B;
	assert_forwarded(arp_build(&s));
	s.eth_src = s.sha = MAC_A;

	/* 5 per second: one more every 200 ms, not before. */
	w.ctx.now_ns = T0 + MS(200);
	assert_forwarded(arp_build(&s));
	assert_dropped(arp_build(&s), WW_REASON_ARP_RATE);
	expect_event(WW_EV_ARP_RATE, 0, MAC_A, NULL);
	w.ctx.now_ns = T0 + MS(399);
	assert_dropped(arp_build(&s), WW_REASON_ARP_RATE);
	expect_event(WW_EV_ARP_RATE, 0, MAC_A, NULL);

	/* The rate comes before everything below it: a claim over the
	 * limit makes no probe. */
	s.sip = IP4(10, 0, 0, 2);
	assert_dropped(arp_build(&s), WW_REASON_ARP_RATE);
	expect_event(WW_EV_ARP_RATE, IP4(10, 0, 0, 2), MAC_A, NULL);
	assert_int_equal(w.ctx.nb_back, 0);

	/* Refilled up to the burst, no further. */
	s.sip = 0;
	w.ctx.now_ns = T0 + S(60);
	for (int i = 0; i < 10; i++)
		assert_forwarded(arp_build(&s));
	assert_dropped(arp_build(&s), WW_REASON_ARP_RATE);
	expect_event(WW_EV_ARP_RATE, 0, MAC_A, NULL);

	/* rate 0: no limit. */
	w.cfg.arp.rate = 0;
	for (int i = 0; i < 50; i++)
		assert_forwarded(arp_build(&s));
	ut_expect_no_event(w.ring);
}

static void
test_gratuitous(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 20);
	struct arp_spec s = { .op = OP_REQ, .eth_dst = BCAST, .eth_src = MAC_A,
			      .sha = MAC_A, .tha = ZERO, .sip = ip,
			      .tip = ip };

	/* A gratuitous request (an announcement) is a claim like any. */
	assert_dropped(arp_build(&s), WW_REASON_ARP_UNVERIFIED);
	expect_probe(ip);
	expect_event(WW_EV_ARP_PROBE, ip, MAC_A, NULL);
	assert_dropped(answer(MAC_A, ip), WW_REASON_ARP_PROBE_ANSWER);
	expect_event(WW_EV_ARP_VERIFIED, ip, MAC_A, MAC_A);
	assert_forwarded(arp_build(&s));
	/* Someone else's announcement for it. */
	s.eth_src = s.sha = MAC_EVIL;
	assert_dropped(arp_build(&s), WW_REASON_ARP_SPOOF);
	expect_event(WW_EV_ARP_SPOOF, ip, MAC_EVIL, MAC_A);

	/* A gratuitous reply is broadcast: dropped as such. */
	s.op = OP_REP;
	s.eth_src = s.sha = MAC_A;
	s.tha = MAC_A;
	assert_dropped(arp_build(&s), WW_REASON_ARP_BROADCAST_REPLY);
	expect_event(WW_EV_ARP_BROADCAST_REPLY, ip, MAC_A, NULL);

	/* Verify off: the first announcement is learned as it is. */
	w.cfg.arp.verify = false;
	s.op = OP_REQ;
	s.tha = ZERO;
	s.sip = s.tip = IP4(10, 0, 0, 21);
	assert_forwarded(arp_build(&s));
	assert_binding(IP4(10, 0, 0, 21), 0, MAC_A);
	assert_int_equal(w.ctx.nb_back, 0);
	ut_expect_no_event(w.ring);
}

static void
test_probes_pass(void **state)
{
	struct arp_spec s = { .op = OP_REQ, .eth_dst = BCAST, .eth_src = MAC_A,
			      .sha = MAC_A, .tha = ZERO, .sip = 0,
			      .tip = IP4(10, 0, 0, 30), .pad = true };

	assert_forwarded(arp_build(&s));
	assert_int_equal(w.ctx.nb_back, 0);
	assert_int_equal(bindings().n, 0);
	ut_expect_no_event(w.ring);
	/* Even a probe for a statically bound address, from another MAC:
	 * asking is not claiming. */
	w.statics[0].ip = rte_cpu_to_be_32(IP4(10, 0, 0, 30));
	memcpy(&w.statics[0].mac, MAC_B, 6);
	w.cfg.arp.bindings = w.statics;
	w.cfg.arp.nb_static = 1;
	assert_forwarded(arp_build(&s));
	ut_expect_no_event(w.ring);
}

static void
test_verify_off(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 40);

	w.cfg.arp.verify = false;
	assert_forwarded(claim(MAC_A, ip));
	assert_binding(ip, 0, MAC_A);
	assert_int_equal(bindings().b[0].since_ns, T0);
	assert_forwarded(claim(MAC_A, ip));
	assert_dropped(claim(MAC_B, ip), WW_REASON_ARP_SPOOF);
	expect_event(WW_EV_ARP_SPOOF, ip, MAC_B, MAC_A);
	/* A learned binding has no probe to answer. */
	assert_dropped(answer(MAC_B, ip), WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	assert_binding(ip, 0, MAC_A);
	assert_int_equal(w.ctx.nb_back, 0);

	/* A probe left from when verify was on: the claim is learned. */
	w.cfg.arp.verify = true;
	assert_dropped(claim(MAC_A, IP4(10, 0, 0, 41)),
		       WW_REASON_ARP_UNVERIFIED);
	expect_probe(IP4(10, 0, 0, 41));
	expect_event(WW_EV_ARP_PROBE, IP4(10, 0, 0, 41), MAC_A, NULL);
	w.cfg.arp.verify = false;
	assert_forwarded(claim(MAC_B, IP4(10, 0, 0, 41)));
	assert_binding(IP4(10, 0, 0, 41), 0, MAC_B);
	assert_int_equal(bindings().n, 2);
}

static void
test_disabled(void **state)
{
	struct arp_spec bad = { .op = 7, .eth_dst = BCAST, .eth_src = MAC_A,
				.sha = MAC_B, .tha = ZERO,
				.sip = IP4(10, 0, 0, 1), .tip = GW };
	struct arp_spec bcast = { .op = OP_REP, .eth_dst = BCAST,
				  .eth_src = MAC_A, .sha = MAC_A, .tha = ZERO,
				  .sip = IP4(10, 0, 0, 1), .tip = GW };

	w.cfg.arp.enabled = false;
	w.cfg.arp.rate = 1;
	w.cfg.arp.burst = 1;
	w.ctx.from_protected = true;
	w.statics[0].ip = rte_cpu_to_be_32(IP4(10, 0, 0, 1));
	memcpy(&w.statics[0].mac, MAC_EVIL, 6);
	w.cfg.arp.bindings = w.statics;
	w.cfg.arp.nb_static = 1;

	assert_forwarded(arp_build(&bad));
	assert_forwarded(arp_build(&bcast));
	for (int i = 0; i < 5; i++)
		assert_forwarded(claim(MAC_A, IP4(10, 0, 0, 1)));
	assert_forwarded(claim(MAC_A, IP4(10, 0, 0, 2)));
	assert_forwarded(answer(MAC_A, IP4(10, 0, 0, 2)));
	assert_int_equal(w.ctx.nb_back, 0);
	assert_int_equal(bindings().n, 0);
	ut_expect_no_event(w.ring);
}

/* Other packets, and ARP already dropped, are not touched. */
static void
test_not_ours(void **state)
{
	static const uint8_t ip4[] = {
		0x45, 0, 0, 20, 0, 1, 0, 0, 64, 253, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
	};
	struct fb f = { .len = 0 };
	struct rte_mbuf *m;
	struct result r;

	putn(&f, MAC_B, 6);
	putn(&f, MAC_A, 6);
	put16(&f, 0x0800);
	putn(&f, ip4, sizeof(ip4));
	assert_forwarded(fb_mbuf(pool, &f));

	m = claim(MAC_A, IP4(10, 0, 0, 1));
	ww_guard_drop(m, WW_REASON_BLOCKLIST);
	r = run(m);
	assert_int_equal(r.verdict, WW_VERDICT_DROP);
	assert_int_equal(r.reason, WW_REASON_BLOCKLIST);
	assert_int_equal(w.ctx.nb_back, 0);
	assert_int_equal(bindings().n, 0);
	ut_expect_no_event(w.ring);
}

/* One burst: a claim and its repeat make one probe; the answer in the
 * same burst verifies; a claim after it in the burst passes. */
static void
test_burst(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 50);
	struct rte_mbuf *m[5] = {
		claim(MAC_A, ip), claim(MAC_A, ip), answer(MAC_A, ip),
		claim(MAC_A, ip), claim(MAC_EVIL, ip),
	};
	static const uint16_t want[5] = {
		WW_REASON_ARP_UNVERIFIED, WW_REASON_ARP_UNVERIFIED,
		WW_REASON_ARP_PROBE_ANSWER, WW_REASON_NONE,
		WW_REASON_ARP_SPOOF,
	};

	ww_arp_guard_burst(w.g, &w.ctx, m, RTE_DIM(m));
	for (unsigned int i = 0; i < RTE_DIM(m); i++) {
		assert_int_equal(ww_pkt_meta(m[i])->reason, want[i]);
		assert_int_equal(ww_pkt_meta(m[i])->verdict,
				 want[i] == WW_REASON_NONE ?
				 WW_VERDICT_FORWARD : WW_VERDICT_DROP);
	}
	rte_pktmbuf_free_bulk(m, RTE_DIM(m));
	expect_probe(ip);
	expect_event(WW_EV_ARP_PROBE, ip, MAC_A, NULL);
	expect_event(WW_EV_ARP_VERIFIED, ip, MAC_A, MAC_A);
	expect_event(WW_EV_ARP_SPOOF, ip, MAC_EVIL, MAC_A);
	ut_expect_no_event(w.ring);
}

/* No room for the probe: no probe, no pending state; the retry probes. */
static void
test_no_room(void **state)
{
	const uint32_t ip = IP4(10, 0, 0, 60);

	w.ctx.max_back = 0;
	assert_dropped(claim(MAC_A, ip), WW_REASON_ARP_UNVERIFIED);
	assert_int_equal(w.ctx.nb_back, 0);
	assert_int_equal(bindings().n, 0);
	ut_expect_no_event(w.ring);

	w.ctx.max_back = 2;
	w.ctx.nb_back = 2; /* filled by an earlier stage */
	w.back[0] = w.back[1] = NULL;
	assert_dropped(claim(MAC_A, ip), WW_REASON_ARP_UNVERIFIED);
	assert_int_equal(w.ctx.nb_back, 2);
	assert_int_equal(bindings().n, 0);
	w.ctx.nb_back = 0;

	w.ctx.max_back = MAX_BACK;
	assert_dropped(claim(MAC_A, ip), WW_REASON_ARP_UNVERIFIED);
	expect_probe(ip);
	expect_event(WW_EV_ARP_PROBE, ip, MAC_A, NULL);
}

/* ---- table ---- */

static void
test_eviction(void **state)
{
	struct collect c;

	new_guard(4);
	w.cfg.arp.verify = false;
	for (uint32_t i = 1; i <= 4; i++) {
		w.ctx.now_ns = T0 + S(i);
		assert_forwarded(claim(MAC_A, IP4(10, 0, 0, i)));
	}
	assert_int_equal(bindings().n, 4);
	/* .1 is confirmed again: .2 is now the least recently confirmed. */
	w.ctx.now_ns = T0 + S(10);
	assert_forwarded(claim(MAC_A, IP4(10, 0, 0, 1)));
	assert_forwarded(claim(MAC_A, IP4(10, 0, 0, 5)));
	c = bindings();
	assert_int_equal(c.n, 4);
	assert_null(binding(&c, IP4(10, 0, 0, 2)));
	for (uint32_t i = 1; i <= 5; i++)
		if (i != 2)
			assert_non_null(binding(&c, IP4(10, 0, 0, i)));
	/* Forgotten means unbound: another MAC may have it now. */
	assert_forwarded(claim(MAC_B, IP4(10, 0, 0, 2)));
	assert_binding(IP4(10, 0, 0, 2), 0, MAC_B);
	assert_unbound(IP4(10, 0, 0, 3));

	/* A probe takes the place of the least recently confirmed... */
	w.cfg.arp.verify = true;
	w.ctx.now_ns = T0 + S(20);
	assert_dropped(claim(MAC_A, IP4(10, 0, 0, 6)),
		       WW_REASON_ARP_UNVERIFIED);
	expect_probe(IP4(10, 0, 0, 6));
	expect_event(WW_EV_ARP_PROBE, IP4(10, 0, 0, 6), MAC_A, NULL);
	assert_unbound(IP4(10, 0, 0, 4));
	assert_binding(IP4(10, 0, 0, 6), 1, MAC_A);
	/* ... but a probe goes before any binding: made-up claims only
	 * push out each other. */
	assert_dropped(claim(MAC_A, IP4(10, 0, 0, 7)),
		       WW_REASON_ARP_UNVERIFIED);
	expect_probe(IP4(10, 0, 0, 7));
	expect_event(WW_EV_ARP_PROBE, IP4(10, 0, 0, 7), MAC_A, NULL);
	c = bindings();
	assert_int_equal(c.n, 4);
	assert_null(binding(&c, IP4(10, 0, 0, 6)));
	assert_binding(IP4(10, 0, 0, 7), 1, MAC_A);
	assert_binding(IP4(10, 0, 0, 1), 0, MAC_A);
	assert_binding(IP4(10, 0, 0, 5), 0, MAC_A);
	assert_binding(IP4(10, 0, 0, 2), 0, MAC_B);
	/* The evicted probe's answer finds nothing. */
	assert_dropped(answer(MAC_A, IP4(10, 0, 0, 6)),
		       WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	assert_unbound(IP4(10, 0, 0, 6));
}

/* A table much larger than a hash bucket fills up to the last entry. */
static void
test_fill(void **state)
{
	const uint32_t n = 1000;

	new_guard(n);
	w.cfg.arp.verify = false;
	w.cfg.arp.rate = 0;
	for (uint32_t i = 0; i < n + 10; i++) {
		w.ctx.now_ns = T0 + i;
		assert_forwarded(claim(MAC_A, IP4(10, 1, i >> 8, i & 0xff)));
	}
	assert_int_equal(bindings().n, n);
	/* The first ten went. */
	for (uint32_t i = 0; i < 10; i++)
		assert_unbound(IP4(10, 1, 0, i));
	assert_binding(IP4(10, 1, 0, 10), 0, MAC_A);
}

static void
test_foreach_flush(void **state)
{
	struct collect c;

	verify(MAC_A, IP4(10, 0, 0, 1));
	w.ctx.now_ns = T0 + S(1);
	verify(MAC_B, IP4(10, 0, 0, 2));
	w.ctx.now_ns = T0 + S(2);
	assert_dropped(claim(MAC_A, IP4(10, 0, 0, 3)),
		       WW_REASON_ARP_UNVERIFIED);
	expect_probe(IP4(10, 0, 0, 3));
	expect_event(WW_EV_ARP_PROBE, IP4(10, 0, 0, 3), MAC_A, NULL);

	c = bindings();
	assert_int_equal(c.n, 3);
	assert_int_equal(binding(&c, IP4(10, 0, 0, 1))->since_ns, T0);
	assert_int_equal(binding(&c, IP4(10, 0, 0, 2))->since_ns, T0 + S(1));
	assert_int_equal(binding(&c, IP4(10, 0, 0, 3))->since_ns, T0 + S(2));
	assert_int_equal(binding(&c, IP4(10, 0, 0, 3))->state, 1);

	ww_arp_guard_flush(w.g);
	assert_int_equal(bindings().n, 0);
	/* Everything is new again, and the table holds as much as before. */
	assert_dropped(claim(MAC_A, IP4(10, 0, 0, 1)),
		       WW_REASON_ARP_UNVERIFIED);
	expect_probe(IP4(10, 0, 0, 1));
	expect_event(WW_EV_ARP_PROBE, IP4(10, 0, 0, 1), MAC_A, NULL);
	assert_dropped(answer(MAC_A, IP4(10, 0, 0, 3)),
		       WW_REASON_ARP_PROBE_ANSWER);
	ut_expect_no_event(w.ring);
	w.cfg.arp.verify = false;
	for (uint32_t i = 10; i < 10 + 63; i++)
		assert_forwarded(claim(MAC_B, IP4(10, 0, 1, i)));
	assert_int_equal(bindings().n, 64);
	assert_binding(IP4(10, 0, 0, 1), 1, MAC_A);
}

/* No events wanted: the guard works without an aggregator. */
static void
test_no_events(void **state)
{
	w.ctx.events = NULL;
	assert_dropped(claim(MAC_A, IP4(10, 0, 0, 1)),
		       WW_REASON_ARP_UNVERIFIED);
	expect_probe(IP4(10, 0, 0, 1));
	assert_dropped(answer(MAC_A, IP4(10, 0, 0, 1)),
		       WW_REASON_ARP_PROBE_ANSWER);
	assert_binding(IP4(10, 0, 0, 1), 0, MAC_A);
	assert_dropped(claim(MAC_B, IP4(10, 0, 0, 1)), WW_REASON_ARP_SPOOF);
	ut_expect_no_event(w.ring);
}

static void
test_create(void **state)
{
	struct ww_arp_guard *g, *g2;

	assert_null(ww_arp_guard_create(NULL, 16, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(ww_arp_guard_create("arp-zero", 0, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	g = ww_arp_guard_create("arp-same", 1, SOCKET_ID_ANY);
	assert_non_null(g);
	g2 = ww_arp_guard_create("arp-same", 16, SOCKET_ID_ANY);
	assert_null(g2);
	assert_int_equal(rte_errno, EEXIST);
	ww_arp_guard_free(g);
	g = ww_arp_guard_create("arp-same", 16, SOCKET_ID_ANY);
	assert_non_null(g);
	ww_arp_guard_free(g);
	ww_arp_guard_free(NULL);
}

/* A guard of one: each new address replaces the last. */
static void
test_one_binding(void **state)
{
	new_guard(1);
	verify(MAC_A, IP4(10, 0, 0, 1));
	w.ctx.now_ns += S(1);
	verify(MAC_B, IP4(10, 0, 0, 2));
	assert_int_equal(bindings().n, 1);
	assert_unbound(IP4(10, 0, 0, 1));
}

/* ---- setup ---- */

static int
setup(void **state)
{
	pool = ut_eal_start("arp");
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
		WORKER_TEST(test_bad_opcode),
		WORKER_TEST(test_broadcast_reply),
		WORKER_TEST(test_static_binding),
		WORKER_TEST(test_verify),
		WORKER_TEST(test_verify_spoofed_claim),
		WORKER_TEST(test_probe_keeps_vlan_tags),
		WORKER_TEST(test_conflict),
		WORKER_TEST(test_conflict_window),
		WORKER_TEST(test_probe_timeout),
		WORKER_TEST(test_answer_checks),
		WORKER_TEST(test_sender_mismatch),
		WORKER_TEST(test_rate),
		WORKER_TEST(test_gratuitous),
		WORKER_TEST(test_probes_pass),
		WORKER_TEST(test_verify_off),
		WORKER_TEST(test_disabled),
		WORKER_TEST(test_not_ours),
		WORKER_TEST(test_burst),
		WORKER_TEST(test_no_room),
		WORKER_TEST(test_eviction),
		WORKER_TEST(test_fill),
		WORKER_TEST(test_foreach_flush),
		WORKER_TEST(test_no_events),
		WORKER_TEST(test_create),
		WORKER_TEST(test_one_binding),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
