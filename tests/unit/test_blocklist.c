/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/guard block lists: prefix text in and out, entries per set (add,
 * refresh, delete, flush, count, foreach), expiry, never-block, the cap,
 * and the read side on frames built here and parsed by lib/packet (exact
 * addresses and prefixes of both families, as source and destination),
 * with a reader thread on RCU while the writer changes the lists, and a
 * million IPv4 addresses (fewer under valgrind, or with WW_UT_BIG=0).
 * The prefix filter is tested white box (this file includes blocklist.c,
 * so the linker takes no blocklist.o from the library): its bits in both
 * LPM copies after every change, lookups against a brute-force verdict for
 * random addresses, a reader that must never miss a prefix listed all
 * along while others come and go, and the lookup rate with one IPv4
 * prefix and traffic outside it, with and without the filter.
 * Time is the test's: nanoseconds it makes up. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

/* White box: the filter and the LPM copies are looked at directly. The
 * truncation test of ww_bl_prefix_format(), inlined here, would warn. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "blocklist.c"
#pragma GCC diagnostic pop
#include "frames.h"
#include "packet.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define T0 S(1000)
#define L3 14

static struct rte_mempool *pool;

/* ---- helpers ---- */

static struct ww_bl_prefix
pfx(const char *text)
{
	struct ww_bl_prefix p;
	char msg[128];

	if (ww_bl_prefix_parse(text, &p, msg, sizeof(msg)) != 0)
		fail_msg("%s: %s", text, msg);
	return p;
}

static int
add(struct ww_blocklist *bl, const char *set, const char *text)
{
	struct ww_bl_prefix p = pfx(text);

	return ww_blocklist_add(bl, set, &p, 0, WW_BL_MANUAL, NULL, T0);
}

static int
add_auto(struct ww_blocklist *bl, const char *text, uint32_t ttl_s)
{
	struct ww_bl_prefix p = pfx(text);

	return ww_blocklist_add(bl, WW_BL_AUTO_SET, &p, ttl_s, WW_BL_AUTO,
				"port-scan", T0);
}

static int
del(struct ww_blocklist *bl, const char *set, const char *text)
{
	struct ww_bl_prefix p = pfx(text);

	return ww_blocklist_del(bl, set, &p);
}

static bool
never(struct ww_blocklist *bl, const char *text)
{
	struct ww_bl_prefix p = pfx(text);

	return ww_blocklist_never(bl, &p);
}

static struct ww_blocklist *
lists(const char *name, uint32_t max)
{
	struct ww_blocklist *bl = ww_blocklist_create(name, max, NULL,
						      SOCKET_ID_ANY);

	assert_non_null(bl);
	return bl;
}

/* ---- frames ---- */

/* UDP from @p src to @p dst, IPv4 or IPv6 by the addresses' text. */
static struct rte_mbuf *
udp(const char *src, const char *dst)
{
	struct ww_bl_prefix s = pfx(src), d = pfx(dst);
	struct tuple t = { .v6 = s.family == 6, .sport = 1234, .dport = 53 };

	assert_int_equal(s.family, d.family);
	memcpy(t.src, s.addr, sizeof(t.src));
	memcpy(t.dst, d.addr, sizeof(t.dst));
	return tuple_udp(pool, &t);
}

/* ARP request from 192.0.2.1 for 192.0.2.2. */
static struct rte_mbuf *
arp(void)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t zero[6] = { 0 };
	struct fb f = { .len = 0 };

	put_eth(&f, 0x0806);
	put_arp(&f, 1, mac, 0xc0000201, zero, 0xc0000202);
	return fb_mbuf(pool, &f);
}

/* hit of one packet from @p src to @p dst. */
static uint8_t
look(struct ww_blocklist *bl, const char *src, const char *dst)
{
	struct rte_mbuf *m = udp(src, dst);
	uint8_t hit = 0xee;
	uint16_t n;

	n = ww_blocklist_lookup_burst(bl, &m, 1, &hit);
	assert_int_equal(n, hit != 0);
	rte_pktmbuf_free(m);
	return hit;
}

/* ---- foreach ---- */

struct seen {
	unsigned int n, stop_after;
	struct ww_bl_entry e[16];
};

static int
collect(const struct ww_bl_entry *e, void *arg)
{
	struct seen *s = arg;

	if (s->n < RTE_DIM(s->e))
		s->e[s->n] = *e;
	s->n++;
	return s->stop_after != 0 && s->n >= s->stop_after;
}

static const struct ww_bl_entry *
seen_find(const struct seen *s, const char *set, const char *text)
{
	char buf[64];

	for (unsigned int i = 0; i < RTE_MIN(s->n, RTE_DIM(s->e)); i++) {
		ww_bl_prefix_format(&s->e[i].prefix, buf, sizeof(buf));
		if (strcmp(s->e[i].set, set) == 0 && strcmp(buf, text) == 0)
			return &s->e[i];
	}
	return NULL;
}

/* ---- tests ---- */

static void
round_trip(const char *in, const char *out, uint8_t family, uint8_t len)
{
	struct ww_bl_prefix p = pfx(in);
	char buf[64];

	assert_int_equal(p.family, family);
	assert_int_equal(p.len, len);
	ww_bl_prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, out);
}

static void
parse_error(const char *in, const char *want)
{
	struct ww_bl_prefix p;
	char msg[128] = "";

	assert_int_equal(ww_bl_prefix_parse(in, &p, msg, sizeof(msg)),
			 -EINVAL);
	if (strstr(msg, want) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", in ? in : "(null)",
			 msg, want);
}

static void
test_parse_format(void **state)
{
	struct ww_bl_prefix p;
	char small[8];

	round_trip("203.0.113.7", "203.0.113.7", 4, 32);
	round_trip("203.0.113.7/32", "203.0.113.7", 4, 32);
	round_trip("198.51.100.0/24", "198.51.100.0/24", 4, 24);
	round_trip("10.0.0.0/8", "10.0.0.0/8", 4, 8);
	round_trip("128.0.0.0/1", "128.0.0.0/1", 4, 1);
	round_trip("2001:db8::/32", "2001:db8::/32", 6, 32);
	round_trip("2001:DB8:0:0::1", "2001:db8::1", 6, 128);
	round_trip("2001:db8::1/128", "2001:db8::1", 6, 128);
	round_trip("2001:db8:1:2::/63", "2001:db8:1:2::/63", 6, 63);
	round_trip("::ffff:192.0.2.1", "::ffff:192.0.2.1", 6, 128);
	p = pfx("198.51.100.0/24");
	assert_memory_equal(p.addr, "\xc6\x33\x64\x00", 4);

	parse_error("10.0.0.1/8", "host bits set");
	parse_error("10.0.0.1/8", "10.0.0.0/8");
	parse_error("2001:db8::1/32", "2001:db8::/32");
	parse_error("198.51.100.0/33", "bad prefix length");
	parse_error("2001:db8::/129", "bad prefix length");
	parse_error("10.0.0.0/0", "bad prefix length");
	parse_error("10.0.0.0/", "bad prefix length");
	parse_error("10.0.0.0/-8", "bad prefix length");
	parse_error("10.0.0.0/+8", "bad prefix length");
	parse_error("10.0.0.0/ 8", "bad prefix length");
	parse_error("10.0.0.0/8x", "bad prefix length");
	parse_error("10.0.0.0/0x8", "bad prefix length");
	parse_error("10.0.0.0/8/8", "bad prefix length");
	parse_error("10.0.0.0/0008", "bad prefix length");
	parse_error("", "empty");
	parse_error(NULL, "empty");
	parse_error("1.2.3", "not an IPv4 address");
	parse_error("1.2.3.256", "not an IPv4 address");
	parse_error(" 1.2.3.4", "not an IPv4 address");
	parse_error("1.2.3.4 ", "not an IPv4 address");
	parse_error("example.com", "not an IPv4 address");
	parse_error("2001:db8:::1", "not an IPv6 address");
	parse_error("/24", "not an IP address");
	parse_error("1111:2222:3333:4444:5555:6666:7777:8888:9999/64",
		    "not an IPv6 address");
	parse_error("1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb",
		    "not an IP address");
	/* No message buffer: the error alone. */
	assert_int_equal(ww_bl_prefix_parse("x", &p, NULL, 0), -EINVAL);

	/* A small buffer truncates, never overflows. */
	p = pfx("2001:db8::/32");
	ww_bl_prefix_format(&p, small, sizeof(small));
	assert_string_equal(small, "2001:db");
}

static void
test_sets_and_entries(void **state)
{
	struct ww_blocklist *bl = lists("bl-sets", 100);
	struct ww_bl_prefix p = pfx("192.0.2.1");
	struct seen s = { 0 };
	const struct ww_bl_entry *e;
	const char *names[8];

	assert_int_equal(ww_blocklist_count(bl, NULL), 0);
	assert_int_equal(ww_blocklist_sets(bl, names, 8), 0);
	assert_int_equal(ww_blocklist_add(bl, "static", &p, 0, WW_BL_STATIC,
					  "", T0), 0);
	assert_int_equal(add(bl, "static", "198.51.100.0/24"), 0);
	assert_int_equal(add(bl, "static", "2001:db8::7"), 0);
	assert_int_equal(add(bl, "manual", "192.0.2.1"), 0);
	assert_int_equal(add(bl, "manual", "2001:db8:1::/48"), 0);
	assert_int_equal(add_auto(bl, "203.0.113.9", 60), 0);
	/* The same entry again is a refresh, not a second entry. */
	assert_int_equal(add(bl, "manual", "192.0.2.1"), 0);

	assert_int_equal(ww_blocklist_count(bl, NULL), 6);
	assert_int_equal(ww_blocklist_count(bl, "static"), 3);
	assert_int_equal(ww_blocklist_count(bl, "manual"), 2);
	assert_int_equal(ww_blocklist_count(bl, WW_BL_AUTO_SET), 1);
	assert_int_equal(ww_blocklist_count(bl, "nope"), 0);
	assert_int_equal(ww_blocklist_sets(bl, names, 8), 3);
	assert_string_equal(names[0], "static");
	assert_string_equal(names[1], "manual");
	assert_string_equal(names[2], "auto");
	assert_int_equal(ww_blocklist_sets(bl, names, 2), 2);

	ww_blocklist_foreach(bl, NULL, collect, &s);
	assert_int_equal(s.n, 6);
	e = seen_find(&s, "auto", "203.0.113.9");
	assert_non_null(e);
	assert_int_equal(e->origin, WW_BL_AUTO);
	assert_string_equal(e->reason, "port-scan");
	assert_true(e->added_ns == T0);
	assert_true(e->expires_ns == T0 + S(60));
	e = seen_find(&s, "static", "192.0.2.1");
	assert_non_null(e);
	assert_int_equal(e->origin, WW_BL_STATIC);
	assert_string_equal(e->reason, "");
	assert_true(e->expires_ns == 0);
	assert_non_null(seen_find(&s, "manual", "2001:db8:1::/48"));
	assert_non_null(seen_find(&s, "static", "2001:db8::7"));

	/* Oldest first. */
	memset(&s, 0, sizeof(s));
	ww_blocklist_foreach(bl, "static", collect, &s);
	assert_int_equal(s.n, 3);
	assert_ptr_equal(seen_find(&s, "static", "192.0.2.1"), &s.e[0]);
	assert_ptr_equal(seen_find(&s, "static", "198.51.100.0/24"), &s.e[1]);
	assert_ptr_equal(seen_find(&s, "static", "2001:db8::7"), &s.e[2]);
	memset(&s, 0, sizeof(s));
	ww_blocklist_foreach(bl, "manual", collect, &s);
	assert_int_equal(s.n, 2);
	assert_non_null(seen_find(&s, "manual", "192.0.2.1"));
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	ww_blocklist_foreach(bl, NULL, collect, &s);
	assert_int_equal(s.n, 2);
	memset(&s, 0, sizeof(s));
	ww_blocklist_foreach(bl, "nope", collect, &s);
	assert_int_equal(s.n, 0);

	/* Deleting from one set keeps the other's. */
	assert_int_equal(look(bl, "192.0.2.1", "192.0.2.99"), 1);
	assert_int_equal(del(bl, "static", "192.0.2.1"), 0);
	assert_int_equal(del(bl, "static", "192.0.2.1"), -ENOENT);
	assert_int_equal(look(bl, "192.0.2.1", "192.0.2.99"), 1);
	assert_int_equal(ww_blocklist_count(bl, "manual"), 2);
	assert_int_equal(del(bl, "manual", "192.0.2.1"), 0);
	assert_int_equal(look(bl, "192.0.2.1", "192.0.2.99"), 0);
	assert_int_equal(del(bl, "nope", "192.0.2.1"), -ENOENT);
	assert_int_equal(del(bl, "static", "192.0.2.77"), -ENOENT);

	/* NULL: from every set. */
	assert_int_equal(add(bl, "manual", "198.51.100.0/24"), 0);
	assert_int_equal(ww_blocklist_count(bl, NULL), 5);
	assert_int_equal(del(bl, NULL, "198.51.100.0/24"), 0);
	assert_int_equal(ww_blocklist_count(bl, NULL), 3);
	assert_int_equal(del(bl, NULL, "198.51.100.0/24"), -ENOENT);

	/* Flush one set, then all; the sets stay. */
	assert_int_equal(ww_blocklist_flush(bl, "manual"), 1);
	assert_int_equal(ww_blocklist_flush(bl, "nope"), 0);
	assert_int_equal(ww_blocklist_count(bl, NULL), 2);
	assert_int_equal(look(bl, "2001:db8::7", "2001:db8::8"), 1);
	assert_int_equal(ww_blocklist_flush(bl, NULL), 2);
	assert_int_equal(ww_blocklist_count(bl, NULL), 0);
	assert_int_equal(look(bl, "2001:db8::7", "2001:db8::8"), 0);
	assert_int_equal(look(bl, "203.0.113.9", "192.0.2.99"), 0);
	assert_int_equal(ww_blocklist_sets(bl, names, 8), 3);
	/* And take entries again. */
	assert_int_equal(add(bl, "manual", "192.0.2.1"), 0);
	assert_int_equal(look(bl, "192.0.2.99", "192.0.2.1"), 2);
	ww_blocklist_free(bl);
	ww_blocklist_free(NULL);
}

static void
test_bad_arguments(void **state)
{
	struct ww_blocklist *bl = lists("bl-args", 200);
	struct ww_bl_prefix p = pfx("192.0.2.1"), bad;
	static const char *const bad_names[] = {
		"", "a b", "a/b", "caf\xc3\xa9", "x\n",
		"abcdefghijklmnopqrstuvwxyz012345", /* 32 characters */
	};
	char name[16];

	for (unsigned int i = 0; i < RTE_DIM(bad_names); i++)
		assert_int_equal(ww_blocklist_add(bl, bad_names[i], &p, 0,
						  WW_BL_MANUAL, NULL, T0),
				 -EINVAL);
	assert_int_equal(ww_blocklist_add(bl, NULL, &p, 0, WW_BL_MANUAL,
					  NULL, T0), -EINVAL);
	/* 31 characters */
	assert_int_equal(add(bl, "abcdefghijklmnopqrstuvwxyz01234",
			     "192.0.2.1"), 0);
	assert_int_equal(add(bl, "A.b_c-9", "192.0.2.1"), 0);
	assert_int_equal(ww_blocklist_add(bl, "x", &p, 0, 7, NULL, T0),
			 -EINVAL);
	bad = pfx("10.0.0.0/8");
	bad.addr[3] = 1; /* host bits */
	assert_int_equal(ww_blocklist_add(bl, "x", &bad, 0, WW_BL_MANUAL,
					  NULL, T0), -EINVAL);
	bad = pfx("10.0.0.0/8");
	bad.len = 33;
	assert_int_equal(ww_blocklist_add(bl, "x", &bad, 0, WW_BL_MANUAL,
					  NULL, T0), -EINVAL);
	bad.family = 5;
	assert_int_equal(ww_blocklist_add(bl, "x", &bad, 0, WW_BL_MANUAL,
					  NULL, T0), -EINVAL);
	assert_int_equal(ww_blocklist_count(bl, NULL), 2);

	/* 64 sets, never-block included. */
	for (unsigned int i = 2; i < WW_BL_SETS_MAX; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		assert_int_equal(add(bl, name, "192.0.2.1"), 0);
	}
	assert_int_equal(add(bl, "one-too-many", "192.0.2.1"), -E2BIG);
	assert_int_equal(add(bl, "s2", "192.0.2.2"), 0);
	assert_int_equal(ww_blocklist_count(bl, NULL), WW_BL_SETS_MAX + 1);
	/* One address on 64 sets: one delete takes it off all. */
	assert_int_equal(look(bl, "192.0.2.1", "192.0.2.3"), 1);
	assert_int_equal(del(bl, NULL, "192.0.2.1"), 0);
	assert_int_equal(look(bl, "192.0.2.1", "192.0.2.3"), 0);
	assert_int_equal(ww_blocklist_count(bl, NULL), 1);
	ww_blocklist_free(bl);

	assert_null(ww_blocklist_create(NULL, 10, NULL, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(ww_blocklist_create("bl-zero", 0, NULL, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
}

static void
test_full(void **state)
{
	struct ww_blocklist *bl = lists("bl-full", 4);
	struct ww_bl_prefix p = pfx("192.0.2.1");

	assert_int_equal(add(bl, "a", "192.0.2.1"), 0);
	assert_int_equal(add(bl, "a", "2001:db8::1"), 0);
	assert_int_equal(add(bl, "b", "192.0.2.1"), 0);
	assert_int_equal(add(bl, "b", "10.0.0.0/8"), 0);
	assert_int_equal(add(bl, "a", "192.0.2.2"), -ENOSPC);
	assert_int_equal(add(bl, "c", "2001:db8::/32"), -ENOSPC);
	assert_int_equal(ww_blocklist_count(bl, NULL), 4);
	/* Full, a refresh is still fine. */
	assert_int_equal(ww_blocklist_add(bl, "a", &p, 30, WW_BL_AUTO, "x",
					  T0), 0);
	assert_int_equal(del(bl, "b", "10.0.0.0/8"), 0);
	assert_int_equal(add(bl, "a", "192.0.2.2"), 0);
	assert_int_equal(add(bl, "a", "192.0.2.3"), -ENOSPC);
	assert_int_equal(look(bl, "192.0.2.2", "192.0.2.1"), 1);
	assert_int_equal(look(bl, "10.1.1.1", "192.0.2.9"), 0);
	ww_blocklist_free(bl);
}

static void
test_refresh_and_expiry(void **state)
{
	struct ww_blocklist *bl = lists("bl-expiry", 100);
	struct ww_bl_prefix p = pfx("192.0.2.1");
	struct seen s = { 0 };
	const struct ww_bl_entry *e;

	assert_int_equal(ww_blocklist_add(bl, "auto", &p, 10, WW_BL_AUTO,
					  "port-scan", T0), 0);
	assert_int_equal(add_auto(bl, "192.0.2.2", 20), 0);
	assert_int_equal(add_auto(bl, "2001:db8::/64", 30), 0);
	assert_int_equal(add(bl, "manual", "192.0.2.3"), 0);

	/* Refresh: later expiry, another origin and reason; added_ns stays. */
	assert_int_equal(ww_blocklist_add(bl, "auto", &p, 100, WW_BL_MANUAL,
					  "operator", T0 + S(5)), 0);
	ww_blocklist_foreach(bl, "auto", collect, &s);
	e = seen_find(&s, "auto", "192.0.2.1");
	assert_non_null(e);
	assert_int_equal(e->origin, WW_BL_MANUAL);
	assert_string_equal(e->reason, "operator");
	assert_true(e->added_ns == T0);
	assert_true(e->expires_ns == T0 + S(105));
	assert_int_equal(ww_blocklist_count(bl, NULL), 4);

	/* Not a nanosecond early. */
	assert_int_equal(ww_blocklist_expire(bl, T0), 0);
	assert_int_equal(ww_blocklist_expire(bl, T0 + S(10)), 0);
	assert_int_equal(look(bl, "192.0.2.1", "192.0.2.9"), 1);
	assert_int_equal(ww_blocklist_expire(bl, T0 + S(20) - 1), 0);
	assert_int_equal(look(bl, "192.0.2.9", "192.0.2.2"), 2);
	assert_int_equal(ww_blocklist_expire(bl, T0 + S(20)), 1);
	assert_int_equal(look(bl, "192.0.2.9", "192.0.2.2"), 0);
	assert_int_equal(look(bl, "2001:db8::5", "2001:db8:1::5"), 1);
	assert_int_equal(ww_blocklist_expire(bl, T0 + S(30)), 1);
	assert_int_equal(look(bl, "2001:db8::5", "2001:db8:1::5"), 0);
	assert_int_equal(ww_blocklist_expire(bl, T0 + S(105) - 1), 0);
	assert_int_equal(ww_blocklist_expire(bl, T0 + S(105)), 1);
	assert_int_equal(look(bl, "192.0.2.1", "192.0.2.9"), 0);
	/* No expiry: there for good. */
	assert_int_equal(ww_blocklist_expire(bl, UINT64_MAX), 0);
	assert_int_equal(ww_blocklist_count(bl, NULL), 1);

	/* Refreshed to "never": the old expiry no longer applies. */
	assert_int_equal(add_auto(bl, "192.0.2.4", 10), 0);
	p = pfx("192.0.2.4");
	assert_int_equal(ww_blocklist_add(bl, "auto", &p, 0, WW_BL_AUTO,
					  NULL, T0), 0);
	assert_int_equal(ww_blocklist_expire(bl, T0 + S(1000)), 0);

	/* Many refreshes leave many stale heap items: each entry still
	 * expires once, at its last expiry. */
	for (unsigned int i = 0; i < 5000; i++) {
		assert_int_equal(ww_blocklist_add(bl, "auto", &p, 10 + i % 7,
						  WW_BL_AUTO, "rate",
						  T0 + S(i)), 0);
	}
	assert_int_equal(ww_blocklist_expire(bl, T0 + S(4999) + S(10)), 0);
	assert_int_equal(ww_blocklist_expire(bl, T0 + S(4999) + S(14)), 1);
	assert_int_equal(ww_blocklist_count(bl, NULL), 1);
	/* A deleted entry's expiry does nothing. */
	assert_int_equal(add_auto(bl, "192.0.2.5", 10), 0);
	assert_int_equal(del(bl, "auto", "192.0.2.5"), 0);
	assert_int_equal(ww_blocklist_expire(bl, UINT64_MAX), 0);
	assert_true(ww_blocklist_memory(bl) > 0);
	ww_blocklist_free(bl);
}

static void
test_never_block(void **state)
{
	struct ww_blocklist *bl = lists("bl-never", 100);

	/* Before the set exists nothing is protected. */
	assert_false(never(bl, "10.1.2.3"));
	assert_int_equal(add(bl, WW_BL_NEVER, "10.0.0.0/8"), 0);
	assert_int_equal(add(bl, WW_BL_NEVER, "192.0.2.1"), 0);
	assert_int_equal(add(bl, WW_BL_NEVER, "2001:db8:ff::/48"), 0);

	assert_true(never(bl, "10.1.2.3"));
	assert_true(never(bl, "10.0.0.0/16"));
	assert_true(never(bl, "192.0.2.1"));
	assert_false(never(bl, "192.0.2.2"));
	assert_false(never(bl, "11.0.0.1"));
	assert_true(never(bl, "2001:db8:ff:1::1"));
	assert_false(never(bl, "2001:db8:fe::1"));

	/* Automatic blocks of never-block addresses are refused... */
	assert_int_equal(add_auto(bl, "10.1.2.3", 60), -EPERM);
	assert_int_equal(add_auto(bl, "192.0.2.1", 60), -EPERM);
	assert_int_equal(add_auto(bl, "2001:db8:ff::9", 60), -EPERM);
	assert_int_equal(add_auto(bl, "10.1.0.0/16", 60), -EPERM);
	/* ... and so are prefixes holding one. */
	assert_int_equal(add_auto(bl, "192.0.2.0/24", 60), -EPERM);
	assert_int_equal(add_auto(bl, "2001:db8::/32", 60), -EPERM);
	assert_int_equal(add_auto(bl, "192.0.2.2", 60), 0);
	assert_int_equal(add_auto(bl, "192.0.3.0/24", 60), 0);
	assert_int_equal(ww_blocklist_count(bl, WW_BL_AUTO_SET), 2);

	/* Never-block is not a block list, and not an allow list either:
	 * the operator may still block by hand. */
	assert_int_equal(look(bl, "10.1.2.3", "192.0.2.1"), 0);
	assert_int_equal(look(bl, "2001:db8:ff::1", "2001:db8:ff::2"), 0);
	assert_int_equal(add(bl, "manual", "10.1.2.3"), 0);
	assert_int_equal(add(bl, "manual", "192.0.2.1"), 0);
	assert_int_equal(look(bl, "10.1.2.3", "192.0.2.9"), 1);
	assert_int_equal(look(bl, "10.9.9.9", "192.0.2.1"), 2);
	assert_int_equal(del(bl, "manual", "192.0.2.1"), 0);
	assert_int_equal(look(bl, "10.9.9.9", "192.0.2.1"), 0);
	assert_true(never(bl, "192.0.2.1"));

	/* Off the list, the address can be blocked automatically again. */
	assert_int_equal(del(bl, WW_BL_NEVER, "192.0.2.1"), 0);
	assert_false(never(bl, "192.0.2.1"));
	assert_int_equal(add_auto(bl, "192.0.2.1", 60), 0);
	assert_int_equal(look(bl, "10.9.9.9", "192.0.2.1"), 2);
	assert_int_equal(del(bl, WW_BL_NEVER, "10.0.0.0/8"), 0);
	assert_false(never(bl, "10.1.2.3"));
	assert_int_equal(add_auto(bl, "10.1.2.4", 60), 0);
	ww_blocklist_free(bl);
}

static void
test_prefixes(void **state)
{
	struct ww_blocklist *bl = lists("bl-prefixes", 1000);

	assert_int_equal(add(bl, "drop", "198.51.100.0/24"), 0);
	assert_int_equal(look(bl, "198.51.100.7", "192.0.2.1"), 1);
	assert_int_equal(look(bl, "192.0.2.1", "198.51.100.200"), 2);
	assert_int_equal(look(bl, "198.51.100.1", "198.51.100.2"), 1);
	assert_int_equal(look(bl, "198.51.101.1", "192.0.2.1"), 0);

	/* Nested prefixes of other sets, and an exact address. */
	assert_int_equal(add(bl, "wide", "198.51.0.0/16"), 0);
	assert_int_equal(add(bl, "narrow", "198.51.100.128/25"), 0);
	assert_int_equal(add(bl, "narrow", "198.51.100.8/30"), 0);
	assert_int_equal(add(bl, "host", "203.0.113.7"), 0);
	assert_int_equal(add(bl, "net", "203.0.113.0/24"), 0);
	assert_int_equal(look(bl, "198.51.7.7", "192.0.2.1"), 1);
	assert_int_equal(del(bl, "drop", "198.51.100.0/24"), 0);
	assert_int_equal(look(bl, "198.51.100.7", "192.0.2.1"), 1);
	assert_int_equal(del(bl, "wide", "198.51.0.0/16"), 0);
	assert_int_equal(look(bl, "198.51.100.7", "192.0.2.1"), 0);
	assert_int_equal(look(bl, "198.51.100.9", "192.0.2.1"), 1);
	assert_int_equal(look(bl, "192.0.2.1", "198.51.100.200"), 2);
	assert_int_equal(look(bl, "203.0.113.8", "192.0.2.1"), 1);
	assert_int_equal(del(bl, "net", "203.0.113.0/24"), 0);
	assert_int_equal(look(bl, "203.0.113.8", "192.0.2.1"), 0);
	assert_int_equal(look(bl, "192.0.2.1", "203.0.113.7"), 2);

	/* A prefix on two sets stays until off both. */
	assert_int_equal(add(bl, "drop", "198.51.100.128/25"), 0);
	assert_int_equal(del(bl, "narrow", "198.51.100.128/25"), 0);
	assert_int_equal(look(bl, "192.0.2.1", "198.51.100.200"), 2);
	assert_int_equal(del(bl, "drop", "198.51.100.128/25"), 0);
	assert_int_equal(look(bl, "192.0.2.1", "198.51.100.200"), 0);

	/* IPv6. */
	assert_int_equal(add(bl, "drop", "2001:db8:1::/48"), 0);
	assert_int_equal(add(bl, "drop6", "2001:db8:2:3::/64"), 0);
	assert_int_equal(add(bl, "other", "2001:db8::99"), 0);
	assert_int_equal(add(bl, "other", "2001:db8:4::/127"), 0);
	assert_int_equal(look(bl, "2001:db8:1::5", "2001:db8::1"), 1);
	assert_int_equal(look(bl, "2001:db8::1", "2001:db8:1:ffff::1"), 2);
	assert_int_equal(look(bl, "2001:db8:2:3:4::1", "2001:db8::1"), 1);
	assert_int_equal(look(bl, "2001:db8:2:4::1", "2001:db8::1"), 0);
	assert_int_equal(look(bl, "2001:db8::1", "2001:db8::99"), 2);
	assert_int_equal(look(bl, "2001:db8:4::1", "2001:db8::1"), 1);
	assert_int_equal(look(bl, "2001:db8:4::2", "2001:db8::1"), 0);
	assert_int_equal(look(bl, "2001:db8:2::1", "2001:db8::1"), 0);
	/* An IPv4 prefix does not match IPv6 and the other way round. */
	assert_int_equal(look(bl, "::ffff:198.51.100.9", "2001:db8::1"), 0);
	/* Two LPM copies per family now (rte_lpm's and rte_lpm6's tbl24 are
	 * 64 MB each). */
	assert_true(ww_blocklist_memory(bl) > 4 * (size_t)64 << 20);
	printf("blocklist: prefixes of both families: %zu bytes\n",
	       ww_blocklist_memory(bl));

	/* Many prefix changes go through the two LPM copies. */
	for (unsigned int i = 0; i < 300; i++) {
		char text[32];

		snprintf(text, sizeof(text), "100.%u.%u.0/24", i / 256,
			 i % 256);
		assert_int_equal(add(bl, "many", text), 0);
	}
	assert_int_equal(look(bl, "100.1.20.5", "192.0.2.1"), 1);
	assert_int_equal(look(bl, "100.1.60.5", "192.0.2.1"), 0);
	assert_int_equal(ww_blocklist_flush(bl, "many"), 300);
	assert_int_equal(look(bl, "100.1.20.5", "192.0.2.1"), 0);

	/* Every prefix gone: exact addresses alone still match. */
	assert_int_equal(del(bl, "narrow", "198.51.100.8/30"), 0);
	assert_int_equal(del(bl, "drop", "2001:db8:1::/48"), 0);
	assert_int_equal(del(bl, "drop6", "2001:db8:2:3::/64"), 0);
	assert_int_equal(del(bl, "other", "2001:db8:4::/127"), 0);
	assert_int_equal(look(bl, "198.51.100.9", "192.0.2.1"), 0);
	assert_int_equal(look(bl, "2001:db8:1::5", "2001:db8::1"), 0);
	assert_int_equal(look(bl, "192.0.2.1", "203.0.113.7"), 2);
	assert_int_equal(look(bl, "2001:db8::1", "2001:db8::99"), 2);
	assert_int_equal(add(bl, "drop", "198.51.100.0/24"), 0);
	assert_int_equal(look(bl, "198.51.100.7", "192.0.2.1"), 1);
	ww_blocklist_free(bl);
}

static void
test_lookup_burst(void **state)
{
	struct ww_blocklist *bl = lists("bl-burst", 100);
	struct rte_mbuf *m[80];
	uint8_t hit[80];
	unsigned int want = 0;

	assert_int_equal(add(bl, "a", "192.0.2.66"), 0);
	assert_int_equal(add(bl, "a", "2001:db8::66"), 0);
	assert_int_equal(add(bl, "b", "198.51.100.0/24"), 0);
	assert_int_equal(add(bl, "b", "2001:db8:1::/48"), 0);

	/* More than one bulk lookup's worth, families and kinds mixed. */
	for (unsigned int i = 0; i < RTE_DIM(m); i++) {
		switch (i % 8) {
		case 0: m[i] = udp("192.0.2.66", "192.0.2.1"); break;
		case 1: m[i] = udp("192.0.2.1", "192.0.2.66"); break;
		case 2: m[i] = udp("192.0.2.1", "198.51.100.3"); break;
		case 3: m[i] = udp("2001:db8::66", "2001:db8::1"); break;
		case 4: m[i] = udp("2001:db8::1", "2001:db8:1::1"); break;
		case 5: m[i] = arp(); break;
		case 6: /* on the list, but already dropped */
			m[i] = udp("192.0.2.66", "198.51.100.3");
			ww_pkt_meta(m[i])->verdict = WW_VERDICT_DROP;
			break;
		default: m[i] = udp("2001:db8::1", "2001:db8::2"); break;
		}
	}
	memset(hit, 0xee, sizeof(hit));
	for (unsigned int i = 0; i < RTE_DIM(m); i++)
		want += i % 8 < 5;
	assert_int_equal(ww_blocklist_lookup_burst(bl, m, RTE_DIM(m), hit),
			 want);
	for (unsigned int i = 0; i < RTE_DIM(m); i++) {
		static const uint8_t expect[8] = { 1, 2, 2, 1, 2, 0, 0, 0 };

		assert_int_equal(hit[i], expect[i % 8]);
	}
	/* An empty burst. */
	assert_int_equal(ww_blocklist_lookup_burst(bl, m, 0, hit), 0);
	rte_pktmbuf_free_bulk(m, RTE_DIM(m));
	ww_blocklist_free(bl);
}

/* ---- RCU ---- */

struct reader {
	struct ww_blocklist *bl;
	struct rte_rcu_qsbr *v;
	struct rte_mbuf *m[4];
	uint64_t loops;
	bool stop;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	uint8_t hit[4];

	rte_rcu_qsbr_thread_register(r->v, 0);
	rte_rcu_qsbr_thread_online(r->v, 0);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		ww_blocklist_lookup_burst(r->bl, r->m, RTE_DIM(r->m), hit);
		rte_rcu_qsbr_quiescent(r->v, 0);
		__atomic_store_n(&r->loops, r->loops + 1, __ATOMIC_RELEASE);
	}
	rte_rcu_qsbr_thread_offline(r->v, 0);
	rte_rcu_qsbr_thread_unregister(r->v, 0);
	return NULL;
}

static void
addr_text(char *buf, size_t size, unsigned int i)
{
	snprintf(buf, size, "192.0.%u.%u", 2 + i / 250, 1 + i % 250);
}

static void
test_rcu_reader(void **state)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *v = rte_zmalloc("bl-rcu", sz, RTE_CACHE_LINE_SIZE);
	struct reader r = { 0 };
	unsigned int rounds = 100;
	char text[32];
	pthread_t th;

	assert_non_null(v);
	assert_int_equal(rte_rcu_qsbr_init(v, 1), 0);
	/* The smallest table: 8 slots, all taken, so every re-add needs a
	 * slot whose reader has moved on. */
	r.bl = ww_blocklist_create("bl-rcu", 10, v, SOCKET_ID_ANY);
	assert_non_null(r.bl);
	r.v = v;
	for (unsigned int i = 0; i < 8; i++) {
		addr_text(text, sizeof(text), i);
		assert_int_equal(add(r.bl, "a", text), 0);
	}
	r.m[0] = udp("192.0.2.1", "198.51.100.1");
	r.m[1] = udp("198.51.100.1", "192.0.2.2");
	r.m[2] = udp("2001:db8::1", "2001:db8:1::1");
	r.m[3] = udp("203.0.113.1", "198.51.100.77");
	assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
	while (__atomic_load_n(&r.loops, __ATOMIC_ACQUIRE) == 0)
		sched_yield();

	for (unsigned int i = 0; i < rounds; i++) {
		addr_text(text, sizeof(text), i);
		assert_int_equal(del(r.bl, "a", text), 0);
		addr_text(text, sizeof(text), i + 8);
		assert_int_equal(add(r.bl, "a", text), 0);
		/* Prefixes: each change publishes an LPM copy. */
		if (i % 10 == 0) {
			assert_int_equal(add(r.bl, "p", "198.51.100.0/24"), 0);
			assert_int_equal(add(r.bl, "p", "2001:db8:1::/48"), 0);
		} else if (i % 10 == 5) {
			assert_int_equal(ww_blocklist_flush(r.bl, "p"), 2);
		}
	}
	assert_int_equal(ww_blocklist_count(r.bl, "a"), 8);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(r.loops > 0);

	/* The last 8 addresses are there, the others gone. */
	for (unsigned int i = 0; i < rounds + 8; i++) {
		addr_text(text, sizeof(text), i);
		assert_int_equal(look(r.bl, text, "203.0.113.1"),
				 i >= rounds ? 1 : 0);
	}
	rte_pktmbuf_free_bulk(r.m, RTE_DIM(r.m));
	ww_blocklist_free(r.bl);
	rte_free(v);
}

/* ---- a million addresses ---- */

static bool
under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

#ifdef HAVE_VALGRIND_H
	if (RUNNING_ON_VALGRIND)
		return true;
#endif
	return p != NULL && strstr(p, "vgpreload") != NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Distinct addresses: multiplying by an odd number is a bijection. */
static uint32_t
nth_addr(uint32_t i)
{
	return (i * 2654435761u) ^ 0x5bd1e995u;
}

static struct ww_bl_prefix
v4_exact(uint32_t a)
{
	struct ww_bl_prefix p = { .family = 4, .len = 32 };

	p.addr[0] = a >> 24;
	p.addr[1] = a >> 16;
	p.addr[2] = a >> 8;
	p.addr[3] = a;
	return p;
}

static void
set_addrs(struct rte_mbuf *m, uint32_t src, uint32_t dst)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, L3);
	struct ww_bl_prefix s = v4_exact(src), d = v4_exact(dst);

	memcpy(ip + 12, s.addr, 4);
	memcpy(ip + 16, d.addr, 4);
}

/* Packets from the @p n addresses from @p first to as many absent ones
 * from @p absent, 32 a burst: how many hit. */
static uint32_t
lookup_range(struct ww_blocklist *bl, struct rte_mbuf **m, uint32_t first,
	     uint32_t n, uint32_t absent)
{
	uint32_t hits = 0;
	uint8_t hit[32];

	for (uint32_t i = 0; i < n; i += 32) {
		uint16_t b = (uint16_t)RTE_MIN(32u, n - i);

		for (uint16_t j = 0; j < b; j++)
			set_addrs(m[j], nth_addr(first + i + j),
				  nth_addr(absent + i + j));
		hits += ww_blocklist_lookup_burst(bl, m, b, hit);
	}
	return hits;
}

static void
test_million(void **state)
{
	const char *env = getenv("WW_UT_BIG");
	bool big = env != NULL ? strcmp(env, "0") != 0 : !under_valgrind();
	uint32_t n = big ? 1000000 : 20000;
	struct ww_blocklist *bl;
	struct rte_mbuf *m[32];
	struct ww_bl_prefix p;
	double t0, t1, t2;

	bl = lists("bl-million", n);
	t0 = now_s();
	for (uint32_t i = 0; i < n; i++) {
		p = v4_exact(nth_addr(i));
		if (ww_blocklist_add(bl, "big", &p, 0, WW_BL_STATIC, NULL,
				     T0) != 0)
			fail_msg("add #%u", i);
	}
	t1 = now_s();
	assert_int_equal(ww_blocklist_count(bl, NULL), n);
	p = v4_exact(nth_addr(2 * n + 2000));
	assert_int_equal(ww_blocklist_add(bl, "big", &p, 0, WW_BL_STATIC,
					  NULL, T0), -ENOSPC);

	for (unsigned int j = 0; j < RTE_DIM(m); j++)
		m[j] = udp("192.0.2.1", "192.0.2.2");
	t2 = now_s();
	/* Every one found (as source; destinations are absent). */
	assert_int_equal(lookup_range(bl, m, 0, n, n), n);
	t2 = now_s() - t2;
	/* 1000 absent, as source and destination. */
	assert_int_equal(lookup_range(bl, m, 2 * n, 1000, 2 * n + 1000), 0);

	printf("blocklist: %u IPv4 addresses: %.0f inserts/s, %zu bytes "
	       "(%.1f per entry), %.1f Mpackets/s looked up (2 keys each)\n",
	       n, n / (t1 - t0), ww_blocklist_memory(bl),
	       (double)ww_blocklist_memory(bl) / n, n / t2 / 1e6);

	/* And all gone again. */
	assert_int_equal(ww_blocklist_flush(bl, NULL), n);
	assert_int_equal(lookup_range(bl, m, 0, RTE_MIN(n, 10000u), n), 0);
	rte_pktmbuf_free_bulk(m, RTE_DIM(m));
	ww_blocklist_free(bl);
}

/* ---- the prefix filter ---- */

/* xorshift64*: the same addresses every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* What the test listed (never-block aside), exact addresses included. */
struct plist {
	unsigned int n;
	struct ww_bl_prefix p[64];
};

static void
plist_add(struct plist *l, const char *text)
{
	assert_true(l->n < RTE_DIM(l->p));
	l->p[l->n++] = pfx(text);
}

static void
plist_del(struct plist *l, const char *text)
{
	struct ww_bl_prefix p = pfx(text);

	for (unsigned int i = 0; i < l->n; i++)
		if (l->p[i].family == p.family && l->p[i].len == p.len &&
		    memcmp(l->p[i].addr, p.addr, 16) == 0) {
			l->p[i] = l->p[--l->n];
			return;
		}
	fail_msg("%s not in the test's list", text);
}

/* Listed and in the list of the test: both or neither. */
static void
both_add(struct ww_blocklist *bl, struct plist *l, const char *set,
	 const char *text)
{
	assert_int_equal(add(bl, set, text), 0);
	plist_add(l, text);
}

static void
both_del(struct ww_blocklist *bl, struct plist *l, const char *text)
{
	assert_int_equal(del(bl, NULL, text), 0);
	plist_del(l, text);
}

/* Bit by bit, not with the library's mask helpers. */
static bool
in_prefix(const struct ww_bl_prefix *p, uint8_t family, const uint8_t *a)
{
	if (p->family != family)
		return false;
	for (unsigned int b = 0; b < p->len; b++)
		if ((a[b / 8] ^ p->addr[b / 8]) >> (7 - b % 8) & 1)
			return false;
	return true;
}

static bool
covered(const struct plist *l, uint8_t family, const uint8_t *a)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (in_prefix(&l->p[i], family, a))
			return true;
	return false;
}

/* The filter family @p f should have for the list: every bit of every
 * prefix, nothing else. */
static bool
want_filter(const struct plist *l, unsigned int f, uint64_t *bits,
	    uint32_t *classes)
{
	bool any = false;

	memset(bits, 0, FLT_WORDS * sizeof(*bits));
	*classes = 0;
	for (unsigned int i = 0; i < l->n; i++) {
		const struct ww_bl_prefix *p = &l->p[i];

		if (p->family != (f ? 6 : 4) || p->len == (f ? 128 : 32))
			continue;
		any = true;
		if (f == 0) {
			uint32_t top = (uint32_t)p->addr[0] << 8 | p->addr[1];
			unsigned int sh = p->len >= 16 ? 0 : 16 - p->len;

			for (uint32_t b = 0; b < FLT_BITS; b++)
				if (b >> sh == top >> sh)
					bits[b / 64] |= UINT64_C(1) << (b % 64);
		} else if (p->len < 32) {
			*classes |= F6_SHORT;
		} else {
			unsigned int c = p->len < 48 ? C6_32 : C6_48;
			uint32_t b = v6_bit(load_hi64(p->addr), c);

			*classes |= 1u << c;
			bits[b / 64] |= UINT64_C(1) << (b % 64);
		}
	}
	return any;
}

/* The published copy and the spare both carry exactly that filter. */
static void
check_filter(const struct ww_blocklist *bl, const struct plist *l)
{
	static uint64_t want[FLT_WORDS];
	uint32_t classes;

	for (unsigned int f = 0; f < 2; f++) {
		const struct bl_pub *copies[2] = {
			bl->pub[f], bl->spare[f].pub,
		};

		if (!want_filter(l, f, want, &classes)) {
			assert_null(bl->pub[f]);
			continue;
		}
		assert_non_null(bl->pub[f]);
		assert_ptr_equal(bl->pub[f], bl->cur[f].pub);
		assert_ptr_equal(bl->pub[f]->t, bl->cur[f].t);
		for (unsigned int c = 0; c < 2; c++) {
			if (copies[c] == NULL)
				continue;
			assert_int_equal(copies[c]->classes, classes);
			if (memcmp(copies[c]->bits, want, sizeof(want)) != 0)
				fail_msg("IPv%u filter of copy %u differs",
					 f ? 6 : 4, c);
		}
	}
}

static unsigned int
filter_bits_set(const struct bl_pub *p)
{
	unsigned int n = 0;

	for (unsigned int w = 0; w < FLT_WORDS; w++)
		n += (unsigned int)__builtin_popcountll(p->bits[w]);
	return n;
}

/* A random address of @p family; three out of four share their first 8,
 * 16, 32, 48 or all but one of the bits of a listed prefix, or all of
 * them. */
static void
rand_addr(const struct plist *l, uint8_t family, uint8_t *out)
{
	unsigned int alen = family == 6 ? 16 : 4, keep, n = 0;
	const struct ww_bl_prefix *mine[RTE_DIM(l->p)], *p;
	static const unsigned int keeps[] = { 8, 16, 32, 48, 0, 1, 1 };

	for (unsigned int i = 0; i < alen; i++)
		out[i] = (uint8_t)rnd();
	for (unsigned int i = 0; i < l->n; i++)
		if (l->p[i].family == family)
			mine[n++] = &l->p[i];
	if (n == 0 || rnd() % 4 == 0)
		return;
	p = mine[rnd() % n];
	keep = keeps[rnd() % RTE_DIM(keeps)];
	if (keep == 0)
		keep = p->len - 1;
	else if (keep == 1)
		keep = p->len;
	keep = RTE_MIN(keep, 8 * alen);
	for (unsigned int b = 0; b < keep; b++) {
		uint8_t m = (uint8_t)(0x80 >> b % 8);

		out[b / 8] = (uint8_t)((out[b / 8] & ~m) | (p->addr[b / 8] & m));
	}
}

#define RB 48 /* a burst of two chunks */

/* @p rounds bursts of random IPv4 and IPv6 packets: every verdict as the
 * brute force says. @return the hits. */
static unsigned int
compare_random(struct ww_blocklist *bl, const struct plist *l,
	       unsigned int rounds)
{
	struct rte_mbuf *m4[RB], *m6[RB], *m[RB];
	uint8_t hit[RB], want[RB];
	unsigned int total = 0;

	for (unsigned int j = 0; j < RB; j++) {
		m4[j] = udp("192.0.2.1", "192.0.2.2");
		m6[j] = udp("2001:db8::1", "2001:db8::2");
	}
	for (unsigned int r = 0; r < rounds; r++) {
		unsigned int nw = 0;

		for (unsigned int j = 0; j < RB; j++) {
			bool v6 = rnd() % 3 == 0;
			uint8_t src[16], dst[16], *ip;

			m[j] = v6 ? m6[j] : m4[j];
			ip = rte_pktmbuf_mtod_offset(m[j], uint8_t *, L3);
			rand_addr(l, v6 ? 6 : 4, src);
			rand_addr(l, v6 ? 6 : 4, dst);
			memcpy(ip + (v6 ? 8 : 12), src, v6 ? 16 : 4);
			memcpy(ip + (v6 ? 24 : 16), dst, v6 ? 16 : 4);
			want[j] = covered(l, v6 ? 6 : 4, src) ? 1 :
				  covered(l, v6 ? 6 : 4, dst) ? 2 : 0;
			nw += want[j] != 0;
		}
		memset(hit, 0xee, sizeof(hit));
		assert_int_equal(ww_blocklist_lookup_burst(bl, m, RB, hit), nw);
		for (unsigned int j = 0; j < RB; j++)
			if (hit[j] != want[j])
				fail_msg("round %u packet %u: hit %u, want %u",
					 r, j, hit[j], want[j]);
		total += nw;
	}
	rte_pktmbuf_free_bulk(m4, RB);
	rte_pktmbuf_free_bulk(m6, RB);
	return total;
}

static inline uint32_t
top16(const char *text)
{
	struct ww_bl_prefix p = pfx(text);

	return (uint32_t)p.addr[0] << 8 | p.addr[1];
}

static void
test_filter_v4(void **state)
{
	struct ww_blocklist *bl = lists("bl-filter4", 1000);
	struct plist l = { 0 };
	const struct bl_pub *p;
	unsigned int hits;

	/* Never-block is not matched: no LPM, no bit. */
	assert_int_equal(add(bl, WW_BL_NEVER, "10.0.0.0/8"), 0);
	check_filter(bl, &l);

	both_add(bl, &l, "a", "198.51.100.0/24");
	check_filter(bl, &l);
	both_add(bl, &l, "b", "198.51.7.0/24");     /* the same /16 */
	both_add(bl, &l, "a", "203.0.113.0/25");
	both_add(bl, &l, "c", "100.64.0.0/10");     /* 64 bits */
	both_add(bl, &l, "c", "172.16.0.0/12");     /* 16 bits */
	both_add(bl, &l, "d", "44.0.0.0/8");        /* 256 bits */
	both_add(bl, &l, "d", "192.0.2.128/26");
	both_add(bl, &l, "e", "192.0.2.1");         /* exact: no bit */
	both_add(bl, &l, "e", "8.8.8.8");
	check_filter(bl, &l);
	p = bl->pub[0];
	assert_int_equal(filter_bits_set(p), 1 + 1 + 64 + 16 + 256 + 1);
	assert_true(flt_maybe4(p, top16("198.51.0.0") << 16));
	assert_false(flt_maybe4(p, top16("198.52.0.0") << 16));
	assert_true(flt_maybe4(p, top16("100.64.0.0") << 16));
	assert_true(flt_maybe4(p, top16("100.127.0.0") << 16 | 0xffff));
	assert_false(flt_maybe4(p, top16("100.63.0.0") << 16 | 0xffff));
	assert_false(flt_maybe4(p, top16("100.128.0.0") << 16));
	assert_true(flt_maybe4(p, top16("172.31.0.0") << 16));
	assert_false(flt_maybe4(p, top16("172.32.0.0") << 16));
	assert_false(flt_maybe4(p, top16("172.15.0.0") << 16));
	assert_false(flt_maybe4(p, top16("8.8.0.0") << 16));
	hits = compare_random(bl, &l, 200);
	assert_true(hits > 200 * RB / 4);

	/* A delete clears its bit, unless a neighbour in the same /16 still
	 * needs it. */
	both_del(bl, &l, "198.51.100.0/24");
	check_filter(bl, &l);
	assert_true(flt_maybe4(bl->pub[0], top16("198.51.0.0") << 16));
	assert_int_equal(look(bl, "198.51.100.7", "192.0.2.9"), 0);
	assert_int_equal(look(bl, "198.51.7.7", "192.0.2.9"), 1);
	assert_int_equal(look(bl, "192.0.2.9", "198.51.7.7"), 2);
	both_del(bl, &l, "198.51.7.0/24");
	check_filter(bl, &l);
	assert_false(flt_maybe4(bl->pub[0], top16("198.51.0.0") << 16));
	assert_int_equal(look(bl, "198.51.7.7", "192.0.2.9"), 0);
	both_del(bl, &l, "172.16.0.0/12");
	check_filter(bl, &l);
	assert_int_equal(filter_bits_set(bl->pub[0]), 1 + 64 + 256 + 1);
	compare_random(bl, &l, 100);

	/* A prefix on two sets keeps its bit until off both. */
	assert_int_equal(add(bl, "z", "203.0.113.0/25"), 0);
	assert_int_equal(del(bl, "a", "203.0.113.0/25"), 0);
	check_filter(bl, &l);
	assert_int_equal(del(bl, "z", "203.0.113.0/25"), 0);
	plist_del(&l, "203.0.113.0/25");
	check_filter(bl, &l);

	/* Expiry: the bit stays for the prefix that does not expire. */
	both_add(bl, &l, "f", "203.0.113.128/25");
	p = bl->pub[0];
	{
		struct ww_bl_prefix q = pfx("203.0.113.0/25");

		assert_int_equal(ww_blocklist_add(bl, "auto", &q, 10,
						  WW_BL_MANUAL, NULL, T0), 0);
		q = pfx("192.0.3.0/24");
		assert_int_equal(ww_blocklist_add(bl, "auto", &q, 10,
						  WW_BL_MANUAL, NULL, T0), 0);
	}
	assert_int_equal(look(bl, "203.0.113.9", "192.0.2.9"), 1);
	assert_int_equal(ww_blocklist_expire(bl, T0 + S(10)), 2);
	check_filter(bl, &l);
	assert_true(flt_maybe4(bl->pub[0], top16("203.0.0.0") << 16));
	assert_true(flt_maybe4(bl->pub[0], top16("192.0.0.0") << 16));
	assert_int_equal(look(bl, "203.0.113.9", "192.0.2.9"), 0);
	assert_int_equal(look(bl, "203.0.113.200", "192.0.2.9"), 1);
	assert_int_equal(look(bl, "192.0.3.1", "192.0.2.9"), 0);
	compare_random(bl, &l, 100);

	/* Flushed: no prefix, no filter; and back again. */
	ww_blocklist_flush(bl, NULL);
	l.n = 0;
	check_filter(bl, &l);
	assert_null(bl->fcnt[0]);
	compare_random(bl, &l, 20);
	both_add(bl, &l, "a", "198.51.100.0/24");
	check_filter(bl, &l);
	assert_int_equal(filter_bits_set(bl->pub[0]), 1);
	compare_random(bl, &l, 50);
	(void)p;
	ww_blocklist_free(bl);
}

static void
test_filter_v6(void **state)
{
	struct ww_blocklist *bl = lists("bl-filter6", 1000);
	struct plist l = { 0 };
	struct ww_bl_prefix a;
	unsigned int through = 0;
	uint32_t b48;

	both_add(bl, &l, "a", "64:ff9b:1::/48");
	both_add(bl, &l, "a", "2001:db8:2:3::/64");
	check_filter(bl, &l);
	assert_int_equal(bl->pub[1]->classes, F6_48);
	assert_int_equal(filter_bits_set(bl->pub[1]), 2);
	/* Selective: random addresses of 2001:db8::/32 (other /48s) almost
	 * never get through. */
	a = pfx("2001:db8::");
	for (unsigned int i = 0; i < 10000; i++) {
		uint64_t r = rnd();

		memcpy(a.addr + 4, &r, 8);
		a.addr[4] = 0xf0; /* not 2001:db8:2::/48 */
		through += flt_maybe6(bl->pub[1], a.addr);
	}
	assert_true(through < 100);
	printf("blocklist: 2 IPv6 prefixes /48 and /64: %u of 10000 random "
	       "addresses of another /48 get past the filter\n", through);
	compare_random(bl, &l, 100);

	both_add(bl, &l, "b", "2001:db8::/32");
	both_add(bl, &l, "b", "2001:db8:1::/48");
	both_add(bl, &l, "c", "2001:db8::99");      /* exact: no bit */
	check_filter(bl, &l);
	assert_int_equal(bl->pub[1]->classes, F6_32 | F6_48);
	compare_random(bl, &l, 100);

	/* Shorter than /32: every address is looked up. */
	both_add(bl, &l, "d", "2a00::/20");
	check_filter(bl, &l);
	assert_int_equal(bl->pub[1]->classes, F6_SHORT | F6_32 | F6_48);
	a = pfx("2a00:fff::1");
	assert_true(flt_maybe6(bl->pub[1], a.addr));
	assert_int_equal(look(bl, "2a00:fff::1", "2001:db9::1"), 1);
	assert_int_equal(look(bl, "2001:db9::1", "2a00:fff::1"), 2);
	assert_int_equal(look(bl, "2a00:1fff::1", "2001:db9::1"), 0);
	compare_random(bl, &l, 200);
	both_del(bl, &l, "2a00::/20");
	check_filter(bl, &l);
	assert_int_equal(bl->pub[1]->classes, F6_32 | F6_48);
	assert_int_equal(look(bl, "2a00:fff::1", "2001:db9::1"), 0);

	/* A /64 inside a listed /48 hashes to the /48's bit: deleting the
	 * /48 leaves the bit to the /64. */
	both_add(bl, &l, "e", "2001:db8:1:5::/64");
	a = pfx("2001:db8:1::");
	b48 = v6_bit(load_hi64(a.addr), C6_48);
	both_del(bl, &l, "2001:db8:1::/48");
	check_filter(bl, &l);
	assert_true(flt_test(bl->pub[1], b48));
	assert_int_equal(look(bl, "2001:db8:1:6::1", "2001:db9::1"), 1);
	assert_int_equal(del(bl, "b", "2001:db8::/32"), 0);
	plist_del(&l, "2001:db8::/32");
	assert_int_equal(look(bl, "2001:db8:1:6::1", "2001:db9::1"), 0);
	assert_int_equal(look(bl, "2001:db8:1:5::1", "2001:db9::1"), 1);
	both_del(bl, &l, "2001:db8:1:5::/64");
	check_filter(bl, &l);
	assert_int_equal(bl->pub[1]->classes, F6_48);
	assert_int_equal(look(bl, "2001:db8:1:5::1", "2001:db9::1"), 0);
	compare_random(bl, &l, 100);

	/* IPv4 and IPv6 filters are apart. */
	both_add(bl, &l, "v4", "198.51.100.0/24");
	check_filter(bl, &l);
	compare_random(bl, &l, 100);
	ww_blocklist_flush(bl, NULL);
	l.n = 0;
	check_filter(bl, &l);
	ww_blocklist_free(bl);
}

/* A reader on RCU while prefixes come and go: a prefix listed all along is
 * never missed, an address never listed never hits. */
struct freader {
	struct ww_blocklist *bl;
	struct rte_rcu_qsbr *v;
	struct rte_mbuf *m[4];
	uint64_t loops, wrong;
	bool stop;
};

static void *
freader_main(void *arg)
{
	static const uint8_t want[4] = { 1, 2, 0, 0 };
	struct freader *r = arg;
	uint8_t hit[4];

	rte_rcu_qsbr_thread_register(r->v, 0);
	rte_rcu_qsbr_thread_online(r->v, 0);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		ww_blocklist_lookup_burst(r->bl, r->m, RTE_DIM(r->m), hit);
		/* m[3]'s verdict depends on the moment: not checked. */
		for (unsigned int i = 0; i < 3; i++)
			r->wrong += hit[i] != want[i];
		rte_rcu_qsbr_quiescent(r->v, 0);
		__atomic_store_n(&r->loops, r->loops + 1, __ATOMIC_RELEASE);
	}
	rte_rcu_qsbr_thread_offline(r->v, 0);
	rte_rcu_qsbr_thread_unregister(r->v, 0);
	return NULL;
}

static void
test_filter_rcu(void **state)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *v = rte_zmalloc("bl-frcu", sz,
					     RTE_CACHE_LINE_SIZE);
	unsigned int rounds = under_valgrind() ? 20 : 200;
	struct freader r = { 0 };
	uint64_t loops;
	pthread_t th;

	assert_non_null(v);
	assert_int_equal(rte_rcu_qsbr_init(v, 1), 0);
	r.bl = ww_blocklist_create("bl-frcu", 100, v, SOCKET_ID_ANY);
	assert_non_null(r.bl);
	r.v = v;
	assert_int_equal(add(r.bl, "stay", "198.51.100.0/24"), 0);
	assert_int_equal(add(r.bl, "stay", "2001:db8:1::/48"), 0);
	r.m[0] = udp("198.51.100.1", "203.0.113.1");
	r.m[1] = udp("2001:db8:9::1", "2001:db8:1::1");
	r.m[2] = udp("203.0.113.1", "198.51.99.1");
	r.m[3] = udp("198.51.200.1", "172.20.0.1");
	assert_int_equal(pthread_create(&th, NULL, freader_main, &r), 0);
	while (__atomic_load_n(&r.loops, __ATOMIC_ACQUIRE) == 0)
		sched_yield();

	for (unsigned int i = 0; i < rounds; i++) {
		/* Bits shared with the prefixes that stay, bits of their own,
		 * a short prefix of each family, and copies built anew. */
		assert_int_equal(add(r.bl, "go", "198.51.200.0/24"), 0);
		assert_int_equal(add(r.bl, "go", "2001:db8:1:5::/64"), 0);
		assert_int_equal(add(r.bl, "go", "172.16.0.0/12"), 0);
		if (i % 4 == 0)
			assert_int_equal(add(r.bl, "go", "2a00::/20"), 0);
		if (i % 2 == 0)
			assert_int_equal(del(r.bl, "go", "198.51.200.0/24"),
					 0);
		assert_int_equal(del(r.bl, "go", "2001:db8:1:5::/64"), 0);
		if (i % 3 == 0)
			ww_blocklist_flush(r.bl, "go");
	}
	ww_blocklist_flush(r.bl, "go");
	/* Let the reader see the last copy at least once. */
	loops = __atomic_load_n(&r.loops, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&r.loops, __ATOMIC_ACQUIRE) < loops + 2)
		sched_yield();
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	printf("blocklist: filter under RCU: %u rounds, %" PRIu64
	       " reader bursts, %" PRIu64 " wrong verdicts\n", rounds,
	       r.loops, r.wrong);
	assert_true(r.loops > 0);
	assert_true(r.wrong == 0);
	assert_int_equal(look(r.bl, "198.51.200.1", "172.20.0.1"), 0);
	rte_pktmbuf_free_bulk(r.m, RTE_DIM(r.m));
	ww_blocklist_free(r.bl);
	rte_free(v);
}

/* Bursts of 32 over @p n address pairs, @p total packets: seconds. */
static double
bench_lookups(struct ww_blocklist *bl, struct rte_mbuf **m,
	      const uint32_t *addrs, uint32_t n, uint32_t total)
{
	uint8_t hit[32];
	uint32_t k = 0;
	double t = now_s();

	for (uint32_t i = 0; i < total; i += 32) {
		for (unsigned int j = 0; j < 32; j++) {
			set_addrs(m[j], addrs[2 * k], addrs[2 * k + 1]);
			k = k + 1 == n ? 0 : k + 1;
		}
		if (ww_blocklist_lookup_burst(bl, m, 32, hit) != 0)
			fail_msg("a hit outside the prefix");
	}
	return now_s() - t;
}

static void
test_filter_bench(void **state)
{
	const char *env = getenv("WW_UT_BIG");
	bool big = env != NULL ? strcmp(env, "0") != 0 : !under_valgrind();
	uint32_t total = big ? 1u << 23 : 1u << 12, n = 1u << 16;
	struct ww_blocklist *bl = lists("bl-filter-bench", 100);
	uint32_t *addrs = malloc(2 * n * sizeof(*addrs));
	struct rte_mbuf *m[32];
	struct plist l = { 0 };
	double with, without;

	assert_non_null(addrs);
	both_add(bl, &l, "bench", "192.0.2.0/24");
	/* A second change, so that both copies exist. */
	both_add(bl, &l, "bench", "198.51.100.0/24");
	both_del(bl, &l, "198.51.100.0/24");
	check_filter(bl, &l);
	assert_non_null(bl->spare[0].pub);
	for (uint32_t i = 0; i < 2 * n; i++) {
		do
			addrs[i] = (uint32_t)rnd();
		while (addrs[i] >> 16 == 0xc000);
	}
	for (unsigned int j = 0; j < RTE_DIM(m); j++)
		m[j] = udp("192.0.2.1", "192.0.2.2");

	bench_lookups(bl, m, addrs, n, RTE_MIN(total, 1u << 16));
	with = bench_lookups(bl, m, addrs, n, total);
	/* As before the filter: every address to the LPM. */
	memset(bl->pub[0]->bits, 0xff, sizeof(bl->pub[0]->bits));
	memset(bl->spare[0].pub->bits, 0xff, sizeof(bl->pub[0]->bits));
	bench_lookups(bl, m, addrs, n, RTE_MIN(total, 1u << 16));
	without = bench_lookups(bl, m, addrs, n, total);
	flt_sync(bl, 0, NULL, bl->pub[0]);
	flt_sync(bl, 0, NULL, bl->spare[0].pub);
	check_filter(bl, &l);
	printf("blocklist: one IPv4 prefix, traffic outside it (IPv4, 2 "
	       "addresses each, no hugepages): %.1f Mpackets/s with the "
	       "filter, %.1f without (%.1fx)\n", total / with / 1e6,
	       total / without / 1e6, without / with);
	assert_int_equal(look(bl, "192.0.2.9", "8.8.8.8"), 1);
	rte_pktmbuf_free_bulk(m, RTE_DIM(m));
	free(addrs);
	ww_blocklist_free(bl);
}

/* ---- setup ---- */

static int
setup(void **state)
{
	char prefix[64];
	char *argv[] = {
		"test_blocklist", "--no-huge", "-m", "1024", "--no-pci",
		"--no-shconf", "--no-telemetry", prefix,
		"--log-level=*:error", "-l", "0",
	};

	snprintf(prefix, sizeof(prefix), "--file-prefix=ww-ut-bl-%d",
		 (int)getpid());
	if (rte_eal_init(RTE_DIM(argv), argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("bl-ut", 511, 0, WW_PKT_META_PRIV_SIZE,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char dir[PATH_MAX];

	/* --no-shconf leaves only an empty runtime directory: remove it. */
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_mempool_free(pool);
	rte_eal_cleanup();
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_sets_and_entries),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_refresh_and_expiry),
		cmocka_unit_test(test_never_block),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_lookup_burst),
		cmocka_unit_test(test_rcu_reader),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_filter_v4),
		cmocka_unit_test(test_filter_v6),
		cmocka_unit_test(test_filter_rcu),
		cmocka_unit_test(test_filter_bench),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
