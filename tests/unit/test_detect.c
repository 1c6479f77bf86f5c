/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/guard detectors: frames built here are parsed by lib/packet and
 * handed to the detectors with the conntrack state the test says they got
 * (conntrack itself is tested elsewhere), in a context of the test's own
 * (an event ring behind an aggregator with a zero window, so every event
 * reaches the ring). Covers port and host scans (IPv4 and IPv6) crossing
 * their thresholds once per window, slow scans that never do, FIN, NULL
 * and Xmas probes, packets that are not attempts, too-fast sources, SYN
 * floods started by the SYN rate, the half-open count or one target, the
 * per-source SYN limit while a flood lasts, the flood's end after quiet_s
 * seconds, and every detector disabled. Time is made up. */
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

#include "../../lib/conntrack/conntrack.h"
#include "detect.h"
#include "frames.h"
#include "guard.h"
#include "packet.h"
#include "ut_eal.h"
#include "ut_guard.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define MS(x) ((uint64_t)(x) * 1000000ull)
#define T0 S(1000)

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define SCANNER IP4(192, 0, 2, 66)
#define CLIENT IP4(192, 0, 2, 10)
#define SERVER IP4(10, 0, 0, 1)
#define NET(i) (IP4(10, 0, 1, 0) + (i))

#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
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

#define RING_SIZE 1024

static struct rte_mempool *pool;

/* ---- the test's worker: detectors, context, events ---- */

static struct {
	struct ww_guard_config cfg;
	struct ww_guard_ctx ctx;
	struct ww_detect *d;
	struct rte_ring *ring;
	struct ww_event_agg *agg;
} w;

static unsigned int instance;

static void
new_detect(uint32_t max_sources)
{
	char name[32];

	ww_detect_free(w.d);
	snprintf(name, sizeof(name), "det-ut-%u", instance++);
	w.d = ww_detect_create(name, max_sources, SOCKET_ID_ANY);
	assert_non_null(w.d);
}

static int
setup_worker(void **state)
{
	char name[32];

	memset(&w, 0, sizeof(w));
	snprintf(name, sizeof(name), "det-ut-ev-%u", instance++);
	if (ut_guard_worker_open(&w.cfg, &w.ring, &w.agg, &w.ctx, name,
				 RING_SIZE, T0, pool) != 0)
		return -1;
	/* The thresholds these cases are written for (defaults may move). */
	w.cfg.scan.ports = 20;
	w.cfg.scan.hosts = 20;
	w.ctx.port_idx = 1;
	new_detect(1024);
	return 0;
}

static int
teardown_worker(void **state)
{
	ww_detect_free(w.d);
	ut_events_close(w.ring, w.agg);
	w.d = NULL;
	return 0;
}

#define WORKER_TEST(f) cmocka_unit_test_setup_teardown(f, setup_worker, \
						       teardown_worker)

/* ---- frames (struct tuple, v4(), v6(), headers, mbufs: frames.h) ---- */

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

/* ICMP or ICMPv6 (by the tuple) of @p type. */
static struct rte_mbuf *
icmp(const struct tuple *t, uint8_t type)
{
	return tuple_icmp(pool, t, type);
}

/* ---- running frames ---- */

/* After classify: one packet with conntrack state @p ct; frees it. */
static void
seen(struct rte_mbuf *m, uint8_t ct)
{
	ww_detect_burst(w.d, &w.ctx, &m, &ct, 1);
	rte_pktmbuf_free(m);
}

/* Before conntrack: one packet through the SYN limit; frees it.
 * @return its reason. */
static uint16_t
syn_limit(struct rte_mbuf *m)
{
	uint16_t reason;

	ww_detect_syn_limit_burst(w.d, &w.ctx, &m, 1);
	reason = ww_pkt_meta(m)->reason;
	assert_int_equal(ww_pkt_meta(m)->verdict, reason == WW_REASON_NONE ?
			 WW_VERDICT_FORWARD : WW_VERDICT_DROP);
	rte_pktmbuf_free(m);
	return reason;
}

/* @p n SYNs from @p n distinct sources to @p dst, through the limit. */
static void
syns_to(uint32_t dst, unsigned int n, uint32_t first_src)
{
	for (unsigned int i = 0; i < n; i++) {
		struct tuple t = v4(first_src + i, 40000, dst, 80);

		assert_int_equal(syn_limit(tcp(&t, SYN)), WW_REASON_NONE);
	}
}

static struct ww_detect_stats
stats(void)
{
	struct ww_detect_stats st;

	ww_detect_get_stats(w.d, &st);
	return st;
}

/* ---- events ---- */

/* The next event is of @p kind from @p t's source; @return it. */
static struct ww_event
expect_event(unsigned int kind, const struct tuple *t)
{
	struct ww_event ev;

	ev = ut_next_event(w.ring, &w.ctx, kind);
	if (t == NULL) {
		assert_int_equal(ev.family, 0);
	} else {
		assert_int_equal(ev.family, t->v6 ? 6 : 4);
		assert_memory_equal(ev.src, t->src, t->v6 ? 16 : 4);
	}
	return ev;
}

/* ---- scans ---- */

static void
test_port_scan(void **state)
{
	struct tuple t = v4(SCANNER, 50000, SERVER, 0);
	struct ww_event ev;
	unsigned int p;

	w.cfg.rate.enabled = false; /* 1000 ports in no time */
	/* A SYN scan, one port a millisecond; closed ports (the rules drop
	 * the SYNs) count as well as open ones. */
	for (p = 1; p < 20; p++) {
		t.dport = p;
		seen(tcp(&t, SYN), NEW);
		w.ctx.now_ns += MS(1);
	}
	ut_expect_no_event(w.ring);
	for (; p <= 100; p++) {
		t.dport = p;
		seen(tcp(&t, SYN), NEW);
		if (rte_ring_count(w.ring) != 0)
			break;
		w.ctx.now_ns += MS(1);
	}
	/* The estimate may lose a port to a collision, hardly two. */
	assert_in_range(p, 20, 21);
	ev = expect_event(WW_EV_SCAN_PORTS, &t);
	assert_int_equal(ev.value, w.cfg.scan.ports);
	assert_int_equal(ev.block_ttl_s, w.cfg.scan.block_ttl_s);
	assert_int_equal(ev.block_ttl_s, 600);
	assert_int_equal(ev.proto, P_TCP);
	assert_int_equal(ev.dport, p);

	/* The rest of the scan in the window raises nothing more. */
	for (p++; p <= 1000; p++) {
		t.dport = p;
		seen(tcp(&t, SYN), NEW);
	}
	ut_expect_no_event(w.ring);
	assert_int_equal(stats().scans, 1);

	/* A new window: the source would be blocked by now; if not, it is
	 * reported again. */
	w.ctx.now_ns += MS(w.cfg.scan.window_ms);
	for (p = 1; p <= 30; p++) {
		t.dport = 1000 + p;
		seen(udp(&t), NEW);
	}
	ev = expect_event(WW_EV_SCAN_PORTS, &t);
	assert_int_equal(ev.proto, P_UDP);
	ut_expect_no_event(w.ring);
	assert_int_equal(stats().scans, 2);
}

static void
test_port_scan_threshold(void **state)
{
	struct tuple t = v4(SCANNER, 50000, SERVER, 0);
	struct ww_event ev;

	w.cfg.scan.ports = 100;
	w.cfg.scan.block_ttl_s = 3600;
	for (unsigned int p = 1; p <= 80; p++) {
		t.dport = 1000 + p * 7;
		seen(tcp(&t, SYN), NEW);
	}
	ut_expect_no_event(w.ring);
	for (unsigned int p = 81; p <= 130; p++) {
		t.dport = 1000 + p * 7;
		seen(tcp(&t, SYN), NEW);
	}
	ev = expect_event(WW_EV_SCAN_PORTS, &t);
	assert_int_equal(ev.value, 100);
	assert_int_equal(ev.block_ttl_s, 3600);
	ut_expect_no_event(w.ring);
}

static void
test_repeats_are_not_scans(void **state)
{
	struct tuple t = v4(CLIENT, 40000, SERVER, 443);

	/* A busy client: hundreds of connections to a few services. */
	for (unsigned int i = 0; i < 300; i++) {
		t.sport = 40000 + i;
		t.dport = i % 3 == 0 ? 443 : i % 3 == 1 ? 80 : 8080;
		seen(tcp(&t, SYN), NEW);
		w.ctx.now_ns += MS(10);
	}
	ut_expect_no_event(w.ring);
	assert_int_equal(stats().scans, 0);
}

static void
test_slow_scan(void **state)
{
	struct tuple t = v4(SCANNER, 50000, SERVER, 0);

	/* 19 ports a window, 5 windows: 95 ports, never 20 in one window. */
	for (unsigned int p = 1; p <= 95; p++) {
		t.dport = p;
		seen(tcp(&t, SYN), NEW);
		w.ctx.now_ns += MS(w.cfg.scan.window_ms) / 19 + 1;
	}
	ut_expect_no_event(w.ring);
	assert_int_equal(stats().scans, 0);
}

static void
test_host_scan(void **state)
{
	struct tuple t = v4(SCANNER, 7, 0, 0);
	struct tuple u = v4(CLIENT, 40000, 0, 53);
	struct ww_event ev;
	unsigned int i;

	/* A ping sweep: echo requests are new connections too. */
	for (i = 0; i < 19; i++) {
		t = v4(SCANNER, 7, NET(i), 0);
		seen(icmp(&t, 8), NEW);
	}
	ut_expect_no_event(w.ring);
	for (; i < 254; i++) {
		t = v4(SCANNER, 7, NET(i), 0);
		seen(icmp(&t, 8), NEW);
		if (rte_ring_count(w.ring) != 0)
			break;
	}
	assert_in_range(i, 19, 20);
	ev = expect_event(WW_EV_SCAN_HOSTS, &t);
	assert_int_equal(ev.value, w.cfg.scan.hosts);
	assert_int_equal(ev.block_ttl_s, 600);
	assert_int_equal(ev.proto, P_ICMP);
	for (; i < 254; i++) {
		t = v4(SCANNER, 7, NET(i), 0);
		seen(icmp(&t, 8), NEW);
	}
	ut_expect_no_event(w.ring);

	/* A UDP sweep of one port: a host scan, not a port scan. */
	for (i = 0; i < 30; i++) {
		u = v4(CLIENT, 40000, NET(i), 53);
		seen(udp(&u), NEW);
	}
	ev = expect_event(WW_EV_SCAN_HOSTS, &u);
	assert_int_equal(ev.proto, P_UDP);
	ut_expect_no_event(w.ring);
	assert_int_equal(stats().scans, 2);
}

static void
test_ipv6_scan(void **state)
{
	struct tuple t = v6(0x66, 50000, 1, 0);
	struct ww_event ev;

	for (unsigned int p = 1; p <= 40; p++) {
		t.dport = p;
		seen(tcp(&t, SYN), NEW);
	}
	ev = expect_event(WW_EV_SCAN_PORTS, &t);
	assert_int_equal(ev.family, 6);
	ut_expect_no_event(w.ring);

	/* Neighbour discovery and MLD to many groups: no sweep. */
	for (unsigned int i = 0; i < 100; i++) {
		t = v6(0x77, 0, 0x100 + i, 0);
		t.dst[0] = 0xff;
		t.dst[1] = 0x02;
		seen(icmp(&t, i & 1 ? 135 : 143), NEW);
	}
	ut_expect_no_event(w.ring);
	/* An echo sweep is one. */
	for (unsigned int i = 0; i < 40; i++) {
		t = v6(0x77, 9, 0x100 + i, 0);
		seen(icmp(&t, 128), NEW);
	}
	expect_event(WW_EV_SCAN_HOSTS, &t);
	ut_expect_no_event(w.ring);
}

static void
test_stealth(void **state)
{
	static const uint8_t probes[] = { FIN, 0, FIN | PSH | URG };
	struct tuple t;
	struct ww_event ev;

	for (unsigned int i = 0; i < RTE_DIM(probes); i++) {
		t = v4(SCANNER + i, 50000, SERVER, 22);
		seen(tcp(&t, probes[i]), INV);
		ev = expect_event(WW_EV_SCAN_STEALTH, &t);
		assert_int_equal(ev.value, probes[i]);
		assert_int_equal(ev.block_ttl_s, 0);
		/* Once per window. */
		t.dport = 23;
		seen(tcp(&t, probes[i]), INV);
		ut_expect_no_event(w.ring);
	}
	/* The next window: again. */
	w.ctx.now_ns += MS(w.cfg.scan.window_ms);
	t = v4(SCANNER, 50000, SERVER, 22);
	seen(tcp(&t, FIN), INV);
	expect_event(WW_EV_SCAN_STEALTH, &t);

	/* Late packets of a forgotten connection, and other invalid TCP,
	 * are not probes. */
	t = v4(CLIENT, 40000, SERVER, 22);
	seen(tcp(&t, FIN | ACK), INV);
	seen(tcp(&t, ACK), INV);
	seen(tcp(&t, RST), INV);
	seen(tcp(&t, SYN | ACK), INV);
	seen(tcp(&t, SYN | FIN), INV);
	ut_expect_no_event(w.ring);

	/* NULL probes over many ports: a port scan as well. */
	t = v4(SCANNER + 10, 50000, SERVER, 0);
	for (unsigned int p = 1; p <= 40; p++) {
		t.dport = p;
		seen(tcp(&t, 0), INV);
	}
	expect_event(WW_EV_SCAN_STEALTH, &t);
	ev = expect_event(WW_EV_SCAN_PORTS, &t);
	assert_int_equal(ev.block_ttl_s, 600);
	ut_expect_no_event(w.ring);
}

static void
test_not_attempts(void **state)
{
	struct tuple t = v4(SCANNER, 50000, SERVER, 0);
	struct rte_mbuf *m[4];
	uint8_t ct[4] = { 0, EST, REL, INV };

	/* Dropped before conntrack (state 0), established, related, and
	 * an invalid SYN+ACK: none is an attempt. */
	for (unsigned int p = 1; p <= 200; p++) {
		t.dport = p;
		m[0] = tcp(&t, SYN);
		m[1] = tcp(&t, ACK);
		m[2] = udp(&t);
		m[3] = tcp(&t, SYN | ACK);
		ww_detect_burst(w.d, &w.ctx, m, ct, 4);
		rte_pktmbuf_free_bulk(m, 4);
	}
	ut_expect_no_event(w.ring);
	assert_int_equal(stats().scans, 0);
	assert_int_equal(stats().fast_sources, 0);
}

static void
test_burst(void **state)
{
	struct rte_mbuf *m[32];
	uint8_t ct[32];
	struct tuple t;

	/* A burst of 32 ports: one event, at the packet that crossed. */
	for (unsigned int i = 0; i < 32; i++) {
		t = v4(SCANNER, 50000, SERVER, 100 + i);
		m[i] = tcp(&t, SYN);
		ct[i] = NEW;
	}
	ww_detect_burst(w.d, &w.ctx, m, ct, 32);
	expect_event(WW_EV_SCAN_PORTS, &t);
	ut_expect_no_event(w.ring);
	rte_pktmbuf_free_bulk(m, 32);
}

/* ---- too-fast sources ---- */

static void
test_too_fast(void **state)
{
	struct tuple t = v4(CLIENT, 40000, SERVER, 80);
	struct ww_event ev;
	unsigned int i;

	w.cfg.rate.new_per_s = 10;
	w.cfg.rate.burst = 20;
	w.cfg.rate.block_ttl_s = 300;
	/* One service, new ports each time: not a scan, just many. */
	for (i = 0; i < 20; i++) {
		t.sport = 40000 + i;
		seen(tcp(&t, SYN), NEW);
	}
	ut_expect_no_event(w.ring);
	t.sport = 40000 + i;
	seen(tcp(&t, SYN), NEW);
	ev = expect_event(WW_EV_RATE_NEW, &t);
	assert_int_equal(ev.value, 21);
	assert_int_equal(ev.block_ttl_s, 300);
	assert_int_equal(stats().fast_sources, 1);
	for (i = 0; i < 100; i++)
		seen(udp(&t), NEW);
	ut_expect_no_event(w.ring);

	/* Within the rate, a source may go on for ever. */
	t = v4(CLIENT + 1, 40000, SERVER, 80);
	for (i = 0; i < 200; i++) {
		seen(tcp(&t, SYN), NEW);
		w.ctx.now_ns += MS(100);
	}
	ut_expect_no_event(w.ring);

	/* A new window reports a source still too fast. */
	t = v4(CLIENT, 40000, SERVER, 80);
	for (i = 0; i < 21; i++)
		seen(tcp(&t, SYN), NEW);
	ev = expect_event(WW_EV_RATE_NEW, &t);
	assert_int_equal(ev.value, 21);
	assert_int_equal(stats().fast_sources, 2);
	/* Other states do not count. */
	t = v4(CLIENT + 2, 40000, SERVER, 80);
	for (i = 0; i < 100; i++)
		seen(tcp(&t, ACK), EST);
	ut_expect_no_event(w.ring);
}

/* ---- SYN flood ---- */

static void
tick(uint64_t half_open)
{
	ww_detect_tick(w.d, &w.ctx, half_open);
}

/* Move to @p ns and tick, as the worker does every burst. */
static void
at(uint64_t ns, uint64_t half_open)
{
	w.ctx.now_ns = ns;
	tick(half_open);
}

static void
test_flood_rate(void **state)
{
	struct ww_event ev;

	w.cfg.synflood.syn_per_s = 100;
	w.cfg.synflood.quiet_s = 3;
	at(T0, 0);
	/* 100 a second is the most that is fine. */
	syns_to(SERVER, 100, IP4(198, 51, 100, 0));
	ut_expect_no_event(w.ring);
	at(T0 + MS(999), 0);
	assert_false(stats().flood);
	at(T0 + S(1), 0);
	assert_int_equal(stats().syn_rate, 100);
	assert_false(stats().flood);

	/* 101 within a second: a flood, at once. */
	syns_to(SERVER, 100, IP4(198, 51, 100, 0));
	ut_expect_no_event(w.ring);
	syns_to(IP4(10, 0, 0, 2), 1, IP4(203, 0, 113, 1));
	ev = expect_event(WW_EV_SYNFLOOD_START, NULL);
	assert_int_equal(ev.value, 101);
	assert_int_equal(ev.block_ttl_s, 0);
	assert_true(stats().flood);
	assert_int_equal(stats().floods, 1);
	/* More of it, and the second after: the same flood. */
	w.ctx.now_ns += MS(500);
	for (unsigned int i = 0; i < 1000; i++) {
		struct tuple t = v4(IP4(100, 64, 0, 0) + i, 1024, SERVER, 80);

		syn_limit(tcp(&t, SYN));
	}
	at(T0 + S(2) + MS(10), 0);
	assert_int_equal(stats().syn_rate, 1101);
	syns_to(SERVER, 500, IP4(100, 65, 0, 0));
	ut_expect_no_event(w.ring);
	assert_int_equal(stats().floods, 1);

	/* Then quiet: seconds 3, 4, 5 below every threshold end it. */
	at(T0 + S(3), 0);
	assert_int_equal(stats().syn_rate, 500);
	syns_to(SERVER, 50, IP4(100, 66, 0, 0));
	at(T0 + S(4), 0);
	at(T0 + S(5), 0);
	assert_true(stats().flood);
	at(T0 + S(5) + MS(999), 0);
	assert_true(stats().flood);
	ut_expect_no_event(w.ring);
	at(T0 + S(6), 0);
	assert_false(stats().flood);
	ev = expect_event(WW_EV_SYNFLOOD_END, NULL);
	assert_int_equal(ev.value, 5); /* seconds, from T0 + 1 s */
	ut_expect_no_event(w.ring);
	assert_int_equal(stats().floods, 1);

	/* A second flood is a new one. */
	syns_to(SERVER, 101, IP4(198, 51, 100, 0));
	expect_event(WW_EV_SYNFLOOD_START, NULL);
	assert_int_equal(stats().floods, 2);
}

static void
test_flood_half_open(void **state)
{
	struct ww_event ev;

	w.cfg.synflood.half_open = 1000;
	w.cfg.synflood.quiet_s = 2;
	at(T0, 1000);
	ut_expect_no_event(w.ring);
	at(T0 + MS(300), 1001);
	ev = expect_event(WW_EV_SYNFLOOD_START, NULL);
	assert_int_equal(ev.value, 1001);
	assert_true(stats().flood);
	at(T0 + MS(600), 5000);
	ut_expect_no_event(w.ring);
	/* Below again, but the second it was over does not count. */
	at(T0 + MS(900), 10);
	at(T0 + S(1), 10);
	at(T0 + S(2), 10);
	assert_true(stats().flood);
	/* Over in the middle of a quiet second: the count starts again. */
	at(T0 + S(2) + MS(500), 2000);
	at(T0 + S(2) + MS(600), 10);
	at(T0 + S(3), 10);
	at(T0 + S(4), 10);
	assert_true(stats().flood);
	ut_expect_no_event(w.ring);
	at(T0 + S(5), 10);
	assert_false(stats().flood);
	expect_event(WW_EV_SYNFLOOD_END, NULL);
	ut_expect_no_event(w.ring);
}

static void
test_flood_idle(void **state)
{
	w.cfg.synflood.syn_per_s = 10;
	w.cfg.synflood.quiet_s = 5;
	at(T0, 0);
	syns_to(SERVER, 11, IP4(198, 51, 100, 0));
	expect_event(WW_EV_SYNFLOOD_START, NULL);
	/* Nothing for a minute: the next burst ends it, once. */
	at(T0 + S(60), 0);
	assert_false(stats().flood);
	assert_int_equal(stats().syn_rate, 0);
	expect_event(WW_EV_SYNFLOOD_END, NULL);
	ut_expect_no_event(w.ring);
	/* Idle with many half-open connections left: still a flood. */
	syns_to(SERVER, 11, IP4(198, 51, 100, 0));
	expect_event(WW_EV_SYNFLOOD_START, NULL);
	at(T0 + S(60) + MS(1), w.cfg.synflood.half_open + 1);
	at(T0 + S(120), w.cfg.synflood.half_open + 1);
	assert_true(stats().flood);
	ut_expect_no_event(w.ring);
}

static void
test_flood_target(void **state)
{
	struct tuple t = v4(IP4(203, 0, 113, 1), 40000, SERVER, 80);
	struct tuple u = v4(IP4(198, 51, 102, 0), 40000, IP4(10, 0, 0, 2), 80);
	struct ww_event ev;

	w.cfg.synflood.dst_syn_per_s = 50;
	w.cfg.synflood.quiet_s = 1;
	w.cfg.events.window_s = 10;
	at(T0, 0);
	syns_to(SERVER, 50, IP4(198, 51, 100, 0));
	syns_to(IP4(10, 0, 0, 2), 50, IP4(198, 51, 100, 0));
	ut_expect_no_event(w.ring);
	assert_false(stats().flood);
	assert_int_equal(syn_limit(tcp(&t, SYN)), WW_REASON_NONE);
	ev = expect_event(WW_EV_SYNFLOOD_DST, &t);
	assert_int_equal(ev.value, 51);
	assert_memory_equal(ev.dst, t.dst, 4);
	assert_int_equal(ev.block_ttl_s, 0);
	/* The per-source limit is on; the total rate is no flood. */
	assert_true(stats().flood);
	assert_int_equal(stats().floods, 1);
	/* Once a window per destination; each destination its own. */
	syns_to(SERVER, 100, IP4(198, 51, 101, 0));
	ut_expect_no_event(w.ring);
	syns_to(IP4(10, 0, 0, 2), 1, IP4(198, 51, 102, 0));
	ev = expect_event(WW_EV_SYNFLOOD_DST, &u);
	assert_memory_equal(ev.dst, u.dst, 4);
	ut_expect_no_event(w.ring);

	/* Counts are per second; the window still holds the event back. */
	at(T0 + S(1), 0);
	assert_true(stats().flood);
	syns_to(SERVER, 60, IP4(198, 51, 103, 0));
	ut_expect_no_event(w.ring);
	at(T0 + S(2), 0);
	assert_true(stats().flood);
	/* A second below every threshold: over. */
	at(T0 + S(3), 0);
	assert_false(stats().flood);
	expect_event(WW_EV_SYNFLOOD_END, NULL);
	ut_expect_no_event(w.ring);

	/* Past the window, the same target is reported again. */
	at(T0 + S(11), 0);
	syns_to(SERVER, 50, IP4(198, 51, 104, 0));
	ut_expect_no_event(w.ring);
	assert_int_equal(syn_limit(tcp(&t, SYN)), WW_REASON_NONE);
	expect_event(WW_EV_SYNFLOOD_DST, &t);
	assert_int_equal(stats().floods, 2);
	ut_expect_no_event(w.ring);
}

static void
test_syn_limit(void **state)
{
	struct tuple a = v4(IP4(203, 0, 113, 1), 40000, SERVER, 80);
	struct tuple b = v4(IP4(203, 0, 113, 2), 40000, SERVER, 80);
	struct ww_event ev;
	unsigned int dropped = 0;

	w.cfg.synflood.source_syn_per_s = 10;
	w.cfg.synflood.source_burst = 20;
	w.cfg.synflood.quiet_s = 1;
	at(T0, 0);
	/* No flood: no limit. */
	for (unsigned int i = 0; i < 100; i++)
		assert_int_equal(syn_limit(tcp(&a, SYN)), WW_REASON_NONE);
	ut_expect_no_event(w.ring);

	at(T0 + MS(100), w.cfg.synflood.half_open + 1);
	expect_event(WW_EV_SYNFLOOD_START, NULL);
	for (unsigned int i = 0; i < 30; i++)
		if (syn_limit(tcp(&a, SYN)) == WW_REASON_SYN_LIMIT)
			dropped++;
	assert_int_equal(dropped, 10);
	ev = expect_event(WW_EV_SYN_LIMIT, &a);
	assert_int_equal(ev.value, 10);
	for (unsigned int i = 1; i < dropped; i++)
		expect_event(WW_EV_SYN_LIMIT, &a);
	ut_expect_no_event(w.ring);
	assert_int_equal(stats().syn_limited, 10);
	/* Another source has its own bucket; SYN+ACKs and the rest of a
	 * connection are never limited. */
	assert_int_equal(syn_limit(tcp(&b, SYN)), WW_REASON_NONE);
	for (unsigned int i = 0; i < 50; i++) {
		assert_int_equal(syn_limit(tcp(&a, SYN | ACK)), WW_REASON_NONE);
		assert_int_equal(syn_limit(tcp(&a, ACK)), WW_REASON_NONE);
	}
	/* The bucket refills: 100 ms buys one SYN. */
	w.ctx.now_ns += MS(100);
	assert_int_equal(syn_limit(tcp(&a, SYN)), WW_REASON_NONE);
	assert_int_equal(syn_limit(tcp(&a, SYN)), WW_REASON_SYN_LIMIT);
	expect_event(WW_EV_SYN_LIMIT, &a);
	/* Limited SYNs still count as SYNs of the second. */
	at(T0 + S(1), w.cfg.synflood.half_open + 1);
	assert_int_equal(stats().syn_rate, 100 + 30 + 1 + 2);

	/* Packets already dropped are not counted or touched. */
	{
		struct rte_mbuf *m = tcp(&a, SYN);

		ww_guard_drop(m, WW_REASON_BLOCKLIST);
		ww_detect_syn_limit_burst(w.d, &w.ctx, &m, 1);
		assert_int_equal(ww_pkt_meta(m)->reason, WW_REASON_BLOCKLIST);
		rte_pktmbuf_free(m);
	}

	/* The flood over, the limit is lifted. */
	at(T0 + S(2), 0);
	at(T0 + S(3), 0);
	assert_false(stats().flood);
	expect_event(WW_EV_SYNFLOOD_END, NULL);
	for (unsigned int i = 0; i < 100; i++)
		assert_int_equal(syn_limit(tcp(&a, SYN)), WW_REASON_NONE);
	assert_int_equal(stats().syn_limited, 11);
	ut_expect_no_event(w.ring);
}

static void
test_syn_limit_aggregated(void **state)
{
	struct tuple a = v4(IP4(203, 0, 113, 1), 40000, SERVER, 80);
	struct ww_event ev;

	/* With the events' window, a limited source is one event and one
	 * summary. */
	w.cfg.events.window_s = 10;
	w.cfg.synflood.source_syn_per_s = 1;
	w.cfg.synflood.source_burst = 1;
	at(T0, w.cfg.synflood.half_open + 1);
	expect_event(WW_EV_SYNFLOOD_START, NULL);
	assert_int_equal(syn_limit(tcp(&a, SYN)), WW_REASON_NONE);
	for (unsigned int i = 0; i < 50; i++)
		assert_int_equal(syn_limit(tcp(&a, SYN)), WW_REASON_SYN_LIMIT);
	expect_event(WW_EV_SYN_LIMIT, &a);
	ut_expect_no_event(w.ring);
	ww_event_agg_flush(w.agg);
	assert_int_equal(rte_ring_dequeue_elem(w.ring, &ev, sizeof(ev)), 0);
	assert_int_equal(ev.kind, WW_EV_SYN_LIMIT);
	assert_int_equal(ev.count, 49);
	ut_expect_no_event(w.ring);
}

/* ---- disabled ---- */

static void
test_disabled(void **state)
{
	struct tuple t = v4(SCANNER, 50000, SERVER, 0);

	w.cfg.scan.enabled = false;
	w.cfg.rate.enabled = false;
	w.cfg.synflood.enabled = false;
	w.cfg.rate.new_per_s = 1;
	w.cfg.rate.burst = 1;
	w.cfg.synflood.syn_per_s = 1;
	for (unsigned int p = 1; p <= 500; p++) {
		t.dport = p;
		seen(tcp(&t, SYN), NEW);
		seen(tcp(&t, FIN), INV);
		assert_int_equal(syn_limit(tcp(&t, SYN)), WW_REASON_NONE);
	}
	at(T0 + S(1), UINT64_MAX);
	assert_false(stats().flood);
	for (unsigned int p = 1; p <= 100; p++)
		assert_int_equal(syn_limit(tcp(&t, SYN)), WW_REASON_NONE);
	ut_expect_no_event(w.ring);

	/* Scans off, rate on: only too-fast. */
	w.cfg.rate.enabled = true;
	t = v4(SCANNER + 1, 50000, SERVER, 0);
	for (unsigned int p = 1; p <= 100; p++) {
		t.dport = p;
		seen(tcp(&t, SYN), NEW);
	}
	expect_event(WW_EV_RATE_NEW, &t);
	ut_expect_no_event(w.ring);

	/* Scans on, rate off: only the scan. */
	w.cfg.rate.enabled = false;
	w.cfg.scan.enabled = true;
	t = v4(SCANNER + 2, 50000, SERVER, 0);
	for (unsigned int p = 1; p <= 100; p++) {
		t.dport = p;
		seen(tcp(&t, SYN), NEW);
	}
	expect_event(WW_EV_SCAN_PORTS, &t);
	ut_expect_no_event(w.ring);

	/* A flood in progress when its detector is turned off is forgotten. */
	w.cfg.synflood.enabled = true;
	at(T0 + S(2), 0);
	syns_to(SERVER, 2, IP4(198, 51, 100, 0));
	expect_event(WW_EV_SYNFLOOD_START, NULL);
	assert_true(stats().flood);
	w.cfg.synflood.enabled = false;
	at(T0 + S(2) + MS(1), 0);
	assert_false(stats().flood);
	ut_expect_no_event(w.ring);
}

static void
test_source_table_bounded(void **state)
{
	struct tuple t;

	/* 4 sources at once: a fifth forgets the least recent. */
	new_detect(4);
	w.cfg.scan.ports = 10;
	for (unsigned int s = 0; s < 4; s++) {
		t = v4(SCANNER + s, 50000, SERVER, 0);
		for (unsigned int p = 1; p <= 6; p++) {
			t.dport = p;
			seen(tcp(&t, SYN), NEW);
		}
		w.ctx.now_ns += MS(1);
	}
	/* Source 0 is the most recent again; source 1 is evicted. */
	t = v4(SCANNER, 50000, SERVER, 7);
	seen(tcp(&t, SYN), NEW);
	t = v4(SCANNER + 4, 50000, SERVER, 1);
	seen(tcp(&t, SYN), NEW);
	ut_expect_no_event(w.ring);
	/* Source 0 remembers its 7 ports; source 1 starts from nothing. */
	for (unsigned int p = 8; p <= 10; p++) {
		t = v4(SCANNER, 50000, SERVER, p);
		seen(tcp(&t, SYN), NEW);
	}
	expect_event(WW_EV_SCAN_PORTS, &t);
	for (unsigned int p = 7; p <= 10; p++) {
		t = v4(SCANNER + 1, 50000, SERVER, p);
		seen(tcp(&t, SYN), NEW);
	}
	ut_expect_no_event(w.ring);
}

static void
test_create(void **state)
{
	rte_errno = 0;
	assert_null(ww_detect_create("det-ut-zero", 0, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(ww_detect_create(NULL, 16, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	ww_detect_free(NULL);
}

/* ---- setup ---- */

static int
setup(void **state)
{
	pool = ut_eal_start("det");
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
		WORKER_TEST(test_port_scan),
		WORKER_TEST(test_port_scan_threshold),
		WORKER_TEST(test_repeats_are_not_scans),
		WORKER_TEST(test_slow_scan),
		WORKER_TEST(test_host_scan),
		WORKER_TEST(test_ipv6_scan),
		WORKER_TEST(test_stealth),
		WORKER_TEST(test_not_attempts),
		WORKER_TEST(test_burst),
		WORKER_TEST(test_too_fast),
		WORKER_TEST(test_flood_rate),
		WORKER_TEST(test_flood_half_open),
		WORKER_TEST(test_flood_idle),
		WORKER_TEST(test_flood_target),
		WORKER_TEST(test_syn_limit),
		WORKER_TEST(test_syn_limit_aggregated),
		WORKER_TEST(test_disabled),
		WORKER_TEST(test_source_table_bounded),
		WORKER_TEST(test_create),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
