/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/stats top talkers: exact counts while fewer addresses than the
 * capacity were seen, each side of a record counted for its own sender,
 * IPv6 (and IPv4 never mistaken for the IPv6 address of the same bytes),
 * rankings by bytes and by packets that differ, the window (records stop
 * counting when older than it; a bucket reused for a later minute starts
 * empty; a clock set back is followed), Space-Saving step by step, the
 * guarantees of one summary seen whole (also with hashes of 4 and 8
 * slots), and the heavy hitters of a flood from 100,000 small senders
 * through summaries of 256 over several buckets, every reported count
 * within its error of the truth. Time is made up. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "talkers.h"

#define T0 1700000040ull            /* the start of a minute */

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

/* ---- helpers ---- */

static void
set_ip4(uint8_t out[16], uint32_t ip)
{
	uint32_t n = htonl(ip);

	memset(out, 0, 16);
	memcpy(out, &n, 4);
}

/* @p src sent @p p0 packets of @p b0 bytes to @p dst, which answered with
 * @p p1 packets of @p b1 bytes. */
static struct ww_flow_record
rec4(uint32_t src, uint32_t dst, uint64_t p0, uint64_t b0, uint64_t p1,
     uint64_t b1)
{
	struct ww_flow_record r = {
		.packets = { p0, p1 },
		.bytes = { b0, b1 },
		.family = 4,
		.proto = 17,
		.end_reason = WW_FLOW_END_IDLE,
	};

	set_ip4(r.addr[0], src);
	set_ip4(r.addr[1], dst);
	return r;
}

static struct ww_flow_record
rec6(const char *src, const char *dst, uint64_t p0, uint64_t b0, uint64_t p1,
     uint64_t b1)
{
	struct ww_flow_record r = rec4(0, 0, p0, b0, p1, b1);

	r.family = 6;
	assert_int_equal(inet_pton(AF_INET6, src, r.addr[0]), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, r.addr[1]), 1);
	return r;
}

static void
add4(struct ww_talkers *t, uint32_t src, uint32_t dst, uint64_t p0,
     uint64_t b0, uint64_t p1, uint64_t b1, uint64_t now_s)
{
	struct ww_flow_record r = rec4(src, dst, p0, b0, p1, b1);

	ww_talkers_add(t, &r, now_s);
}

static const char *
str(json_t *e, const char *key)
{
	return json_string_value(json_object_get(e, key));
}

static uint64_t
num(json_t *e, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(e, key));
}

struct talker {
	const char *addr;
	uint64_t bytes, packets, error;
};

/* The top list must be exactly @p want. */
static void
assert_top(struct ww_talkers *t, const char *by, unsigned int n,
	   uint64_t now_s, const struct talker *want, size_t nb)
{
	json_t *j = ww_talkers_top(t, by, n, now_s);

	assert_true(json_is_array(j));
	assert_int_equal(json_array_size(j), nb);
	for (size_t i = 0; i < nb; i++) {
		json_t *e = json_array_get(j, i);

		assert_string_equal(str(e, "addr"), want[i].addr);
		assert_int_equal(num(e, "bytes"), want[i].bytes);
		assert_int_equal(num(e, "packets"), want[i].packets);
		assert_int_equal(num(e, "error"), want[i].error);
	}
	json_decref(j);
}

/* ---- the tests ---- */

static void
test_bad_input(void **state)
{
	struct ww_talkers *t = ww_talkers_create(0, 0);
	struct ww_flow_record r = rec4(IP4(10, 0, 0, 1), IP4(10, 0, 0, 2),
				       1, 100, 1, 100);

	assert_non_null(t);
	assert_null(ww_talkers_create(1u << 30, 0));
	assert_null(ww_talkers_top(t, "flows", 10, T0));
	assert_null(ww_talkers_top(NULL, "bytes", 10, T0));
	r.family = 0;                                /* not an IP flow */
	ww_talkers_add(t, &r, T0);
	ww_talkers_add(t, NULL, T0);
	ww_talkers_add(NULL, &r, T0);
	assert_top(t, "bytes", 10, T0, NULL, 0);
	r.family = 4;
	ww_talkers_add(t, &r, T0);
	assert_top(t, "bytes", 0, T0, NULL, 0);
	ww_talkers_free(t);
	ww_talkers_free(NULL);
}

/* Fewer addresses than the capacity: every count exact, error 0, over
 * records in several buckets. */
static void
test_exact(void **state)
{
	struct ww_talkers *t = ww_talkers_create(16, 0);
	const struct talker want[] = {
		{ "10.0.0.3", 9000, 9, 0 },
		{ "10.0.0.1", 3000, 30, 0 },
		{ "10.0.0.2", 2000, 2, 0 },
		{ "10.0.0.4", 500, 5, 0 },
	};

	assert_non_null(t);
	add4(t, IP4(10, 0, 0, 1), IP4(10, 0, 0, 9), 10, 1000, 0, 0, T0);
	add4(t, IP4(10, 0, 0, 1), IP4(10, 0, 0, 9), 20, 2000, 0, 0, T0 + 61);
	add4(t, IP4(10, 0, 0, 2), IP4(10, 0, 0, 9), 2, 2000, 0, 0, T0 + 130);
	add4(t, IP4(10, 0, 0, 3), IP4(10, 0, 0, 9), 4, 4000, 0, 0, T0 + 5);
	add4(t, IP4(10, 0, 0, 3), IP4(10, 0, 0, 9), 5, 5000, 0, 0, T0 + 300);
	add4(t, IP4(10, 0, 0, 4), IP4(10, 0, 0, 9), 5, 500, 0, 0, T0 + 1000);
	assert_top(t, "bytes", 10, T0 + 1000, want, 4);
	assert_top(t, NULL, 2, T0 + 1000, want, 2);  /* NULL: by bytes */
	ww_talkers_free(t);
}

static void
test_directions(void **state)
{
	struct ww_talkers *t = ww_talkers_create(0, 0);
	const struct talker want[] = {
		{ "192.0.2.80", 150000, 100, 0 },
		{ "10.0.0.1", 4000, 60, 0 },
	};

	assert_non_null(t);
	add4(t, IP4(10, 0, 0, 1), IP4(192, 0, 2, 80), 60, 4000, 100, 150000,
	     T0);
	assert_top(t, "bytes", 10, T0, want, 2);
	/* a side that sent nothing is not a talker */
	add4(t, IP4(10, 0, 0, 5), IP4(192, 0, 2, 81), 1, 60, 0, 0, T0);
	assert_top(t, "bytes", 2, T0, want, 2);
	ww_talkers_free(t);
}

/* 10.0.0.1 and a00:1:: have the same 16 bytes: only the family tells. */
static void
test_ipv6(void **state)
{
	struct ww_talkers *t = ww_talkers_create(0, 0);
	struct ww_flow_record r = rec6("2001:db8::1", "2001:db8:0:1::53",
				       3, 300, 2, 700);
	const struct talker want[] = {
		{ "a00:1::", 2000, 1, 0 },
		{ "10.0.0.1", 1000, 1, 0 },
		{ "2001:db8:0:1::53", 700, 2, 0 },
		{ "2001:db8::1", 300, 3, 0 },
	};

	assert_non_null(t);
	ww_talkers_add(t, &r, T0);
	r = rec6("a00:1::", "2001:db8::1", 1, 2000, 0, 0);
	ww_talkers_add(t, &r, T0);
	add4(t, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 1000, 0, 0, T0);
	assert_top(t, "bytes", 10, T0, want, 4);
	ww_talkers_free(t);
}

/* Big frames against small ones: the orders differ. */
static void
test_by(void **state)
{
	struct ww_talkers *t = ww_talkers_create(0, 0);
	const struct talker bytes[] = {
		{ "10.0.0.1", 15000, 10, 0 },
		{ "10.0.0.2", 6400, 100, 0 },
	};
	const struct talker packets[] = {
		{ "10.0.0.2", 6400, 100, 0 },
		{ "10.0.0.1", 15000, 10, 0 },
	};

	assert_non_null(t);
	add4(t, IP4(10, 0, 0, 1), IP4(10, 0, 0, 9), 10, 15000, 0, 0, T0);
	add4(t, IP4(10, 0, 0, 2), IP4(10, 0, 0, 9), 100, 6400, 0, 0, T0);
	assert_top(t, "bytes", 10, T0, bytes, 2);
	assert_top(t, "packets", 10, T0, packets, 2);
	ww_talkers_free(t);
}

static void
test_expiry(void **state)
{
	/* 60 s in buckets of 1 s: the boundary to the second */
	struct ww_talkers *t = ww_talkers_create(0, 60);
	const struct talker a[] = { { "10.0.0.1", 100, 1, 0 } };
	const struct talker ab[] = {
		{ "10.0.0.2", 200, 2, 0 }, { "10.0.0.1", 100, 1, 0 },
	};
	const struct talker b[] = { { "10.0.0.2", 200, 2, 0 } };
	const struct talker cb[] = {
		{ "10.0.0.3", 300, 3, 0 }, { "10.0.0.2", 200, 2, 0 },
	};
	const struct talker d[] = { { "10.0.0.4", 400, 4, 0 } };

	assert_non_null(t);
	add4(t, IP4(10, 0, 0, 1), IP4(10, 0, 0, 9), 1, 100, 0, 0, T0);
	add4(t, IP4(10, 0, 0, 2), IP4(10, 0, 0, 9), 2, 200, 0, 0, T0 + 30);
	assert_top(t, "bytes", 10, T0, a, 1);
	assert_top(t, "bytes", 10, T0 + 59, ab, 2);
	assert_top(t, "bytes", 10, T0 + 60, b, 1);
	assert_top(t, "bytes", 10, T0 + 90, NULL, 0);
	/* T0's bucket again, a minute on: it starts empty */
	add4(t, IP4(10, 0, 0, 3), IP4(10, 0, 0, 9), 3, 300, 0, 0, T0 + 60);
	assert_top(t, "packets", 10, T0 + 60, cb, 2);
	/* the clock set back an hour: counting goes on at the new time, and
	 * what was counted at the wrong time is not in its window */
	add4(t, IP4(10, 0, 0, 4), IP4(10, 0, 0, 9), 4, 400, 0, 0, T0 - 3600);
	assert_top(t, "bytes", 10, T0 - 3600, d, 1);
	ww_talkers_free(t);

	/* the default hour, in minutes */
	t = ww_talkers_create(0, 0);
	assert_non_null(t);
	add4(t, IP4(10, 0, 0, 1), IP4(10, 0, 0, 9), 1, 100, 0, 0, T0);
	add4(t, IP4(10, 0, 0, 2), IP4(10, 0, 0, 9), 2, 200, 0, 0, T0 + 1800);
	assert_top(t, "bytes", 10, T0 + 3599, ab, 2);
	assert_top(t, "bytes", 10, T0 + 3600, b, 1);
	assert_top(t, "bytes", 10, T0 + 7200, NULL, 0);
	ww_talkers_free(t);
}

/* Space-Saving step by step, capacity 4: the smallest count makes room
 * and its count becomes the newcomer's error. */
static void
test_eviction(void **state)
{
	struct ww_talkers *t = ww_talkers_create(4, 0);
	const struct talker bytes[] = {
		{ "10.0.0.1", 110, 11, 0 },
		{ "10.0.0.4", 40, 5, 0 },
		{ "10.0.0.3", 30, 4, 0 },
		{ "10.0.0.6", 26, 4, 21 },
	};
	const struct talker packets[] = {
		{ "10.0.0.1", 110, 11, 0 },
		{ "10.0.0.4", 40, 5, 0 },
		{ "10.0.0.3", 30, 4, 0 },
		{ "10.0.0.6", 26, 4, 3 },
	};

	assert_non_null(t);
	/* the biggest first: each newcomer has to go up the heap */
	add4(t, IP4(10, 0, 0, 4), IP4(10, 0, 0, 9), 5, 40, 0, 0, T0);
	add4(t, IP4(10, 0, 0, 3), IP4(10, 0, 0, 9), 4, 30, 0, 0, T0);
	add4(t, IP4(10, 0, 0, 2), IP4(10, 0, 0, 9), 2, 20, 0, 0, T0);
	add4(t, IP4(10, 0, 0, 1), IP4(10, 0, 0, 9), 1, 10, 0, 0, T0);
	/* the smallest grows: 10.0.0.2 is the smallest now */
	add4(t, IP4(10, 0, 0, 1), IP4(10, 0, 0, 9), 10, 100, 0, 0, T0);
	/* in for 10.0.0.2 (20 bytes, 2 packets) */
	add4(t, IP4(10, 0, 0, 5), IP4(10, 0, 0, 9), 1, 1, 0, 0, T0);
	/* in for 10.0.0.5 (21 bytes, 3 packets) */
	add4(t, IP4(10, 0, 0, 6), IP4(10, 0, 0, 9), 1, 5, 0, 0, T0);
	assert_top(t, "bytes", 10, T0, bytes, 4);
	assert_top(t, "packets", 10, T0, packets, 4);
	ww_talkers_free(t);
}

/* ---- heavy hitters in a flood ---- */

#define SMALL 100000                 /* senders, of RECORDS records */
#define RECORDS 200000
#define HEAVY 5
#define MEDIUM 50
#define SMALL_BASE IP4(11, 0, 0, 0)
#define HEAVY_BASE IP4(192, 0, 2, 1)
#define MEDIUM_BASE IP4(198, 51, 100, 1)
#define SENDERS (SMALL + HEAVY + MEDIUM)

struct truth {
	uint64_t bytes[SENDERS];     /* small, heavy, then medium senders */
	uint64_t packets[SENDERS];
};

static uint64_t
lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

/* Which sender @p addr is, as an index into struct truth. */
static size_t
sender(const char *addr)
{
	struct in_addr in;
	uint32_t ip;

	assert_int_equal(inet_pton(AF_INET, addr, &in), 1);
	ip = ntohl(in.s_addr);
	if (ip >= HEAVY_BASE && ip < HEAVY_BASE + HEAVY)
		return SMALL + (ip - HEAVY_BASE);
	if (ip >= MEDIUM_BASE && ip < MEDIUM_BASE + MEDIUM)
		return SMALL + HEAVY + (ip - MEDIUM_BASE);
	assert_true(ip >= SMALL_BASE && ip < SMALL_BASE + SMALL);
	return ip - SMALL_BASE;
}

/* Sender @p who's address: sender()'s inverse. */
static uint32_t
addr_of(size_t who)
{
	if (who >= SMALL + HEAVY)
		return MEDIUM_BASE + (uint32_t)(who - SMALL - HEAVY);
	if (who >= SMALL)
		return HEAVY_BASE + (uint32_t)(who - SMALL);
	return SMALL_BASE + (uint32_t)who;
}

static void
send_rec(struct ww_talkers *t, struct truth *tr, size_t who, uint64_t packets,
	 uint64_t bytes, uint64_t now_s)
{
	add4(t, addr_of(who), IP4(203, 0, 113, 1), packets, bytes, 0, 0, now_s);
	tr->bytes[who] += bytes;
	tr->packets[who] += packets;
}

/* Every count listed is an upper bound, count - error a lower one; the
 * heavy hitters come first, the biggest first, and exact. */
static void
check_flood(struct ww_talkers *t, const char *by, const uint64_t *truth,
	    uint64_t now_s)
{
	json_t *j = ww_talkers_top(t, by, 2000, now_s);

	assert_true(json_is_array(j));
	assert_true(json_array_size(j) >= HEAVY);
	for (size_t i = 0; i < json_array_size(j); i++) {
		json_t *e = json_array_get(j, i);
		size_t who = sender(str(e, "addr"));
		uint64_t count = num(e, by), error = num(e, "error");

		if (i < HEAVY) {
			/* kept from the start of every bucket: exact */
			assert_int_equal(who, SMALL + HEAVY - 1 - i);
			assert_int_equal(count, truth[who]);
			assert_int_equal(error, 0);
		}
		assert_true(truth[who] <= count);
		assert_true(truth[who] + error >= count);
	}
	json_decref(j);
}

/* Over about four minutes (five buckets): records of 60 to 1500 bytes
 * from senders drawn among 100,000, most of them in more than one bucket;
 * heavy sender h sends 2000 * (h + 1) bytes in h + 1 packets in 2.5 % of
 * the records each; 50 medium senders about as much as a bucket's
 * smallest kept count, so that they are kept in some buckets and not in
 * others. */
static void
test_heavy_hitters(void **state)
{
	struct ww_talkers *t = ww_talkers_create(256, 0);
	struct truth *tr = calloc(1, sizeof(*tr));
	uint64_t x = 42, now_s = T0 + 17;

	assert_non_null(t);
	assert_non_null(tr);
	for (uint32_t i = 0; i < RECORDS; i++) {
		uint32_t who = lcg(&x) % SMALL, k = i % 40;

		now_s = T0 + 17 + i / 800;
		send_rec(t, tr, who, 1, 60 + lcg(&x) % 1441, now_s);
		if (k < HEAVY)
			send_rec(t, tr, SMALL + k, k + 1, 2000 * (k + 1),
				 now_s);
		if (i % 64 == 7) {
			who = SMALL + HEAVY + lcg(&x) % MEDIUM;
			send_rec(t, tr, who, 10, 15000 + lcg(&x) % 10000,
				 now_s);
		}
	}
	check_flood(t, "bytes", tr->bytes, now_s);
	check_flood(t, "packets", tr->packets, now_s);
	ww_talkers_free(t);
	free(tr);
}

/* The summary of one bucket, seen whole: it keeps min(capacity, senders
 * seen) distinct addresses, its counts add up to everything sent, no
 * error exceeds the smallest count, and every address not kept sent at
 * most that smallest count. */
static void
check_summary(struct ww_talkers *t, unsigned int capacity,
	      const uint64_t *truth, unsigned int senders, uint64_t now_s)
{
	json_t *j = ww_talkers_top(t, "bytes", capacity + 10, now_s);
	uint64_t total = 0, sum = 0, min = UINT64_MAX, max_error = 0;
	bool *listed = calloc(senders, sizeof(*listed));
	unsigned int seen = 0;

	assert_non_null(listed);
	for (unsigned int who = 0; who < senders; who++) {
		total += truth[who];
		seen += truth[who] != 0;
	}
	assert_int_equal(json_array_size(j), seen < capacity ? seen : capacity);
	for (size_t i = 0; i < json_array_size(j); i++) {
		json_t *e = json_array_get(j, i);
		size_t who = sender(str(e, "addr"));
		uint64_t count = num(e, "bytes"), error = num(e, "error");

		assert_false(listed[who]);
		listed[who] = true;
		sum += count;
		min = count < min ? count : min;
		max_error = error > max_error ? error : max_error;
		assert_true(truth[who] <= count);
		assert_true(truth[who] + error >= count);
	}
	json_decref(j);
	assert_int_equal(sum, total);
	assert_true(max_error <= min);
	for (unsigned int who = 0; who < senders; who++)
		assert_true(listed[who] || truth[who] <= min);
	free(listed);
}

/* @p records records from @p senders senders (low addresses more often)
 * within a minute, through a summary of @p capacity, checked every
 * @p every records and at the end. */
static void
check_one_bucket(unsigned int capacity, unsigned int senders,
		 unsigned int records, unsigned int every)
{
	struct ww_talkers *t = ww_talkers_create(capacity, 0);
	uint64_t *truth = calloc(senders, sizeof(*truth));
	uint64_t x = 7;

	assert_non_null(t);
	assert_non_null(truth);
	for (unsigned int i = 0; i < records; i++) {
		uint32_t who = lcg(&x) % senders;
		uint64_t b = 1 + lcg(&x) % 1000;

		who = who * (lcg(&x) % senders) / senders;
		add4(t, SMALL_BASE + who, IP4(203, 0, 113, 1), 1, b, 0, 0,
		     T0 + (uint64_t)i * 50 / records);
		truth[who] += b;
		if (every != 0 && i % every == 0)
			check_summary(t, capacity, truth, senders, T0 + 59);
	}
	check_summary(t, capacity, truth, senders, T0 + 59);
	ww_talkers_free(t);
	free(truth);
}

static void
test_one_bucket(void **state)
{
	check_one_bucket(64, 4096, 50000, 0);
	/* hashes of 4 and 8 slots for 1 and 4 addresses kept: evictions
	 * move keys along short, crowded probe chains all the time */
	check_one_bucket(1, 3, 1000, 1);
	check_one_bucket(4, 9, 5000, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_by),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_heavy_hitters),
		cmocka_unit_test(test_one_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
