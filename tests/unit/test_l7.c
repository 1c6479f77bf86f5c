/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/guard/l7: Host, target and SNI taken from real and hand-built
 * payloads and matched against host and URL patterns. Payloads are put in
 * buffers of exactly their size and cut at every length, so under
 * valgrind any read past the data is an error; a cut payload matches only
 * once the name in it is whole.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_errno.h>

#include "l7.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * ClientHellos sent by OpenSSL 3.0 s_client to a local socket:
 * ch13 "-servername www.example.com -alpn h2,http/1.1" (TLS 1.3, session
 * id, key share), ch12 the same with -tls1_2, chnosni with -noservername.
 */
static const uint8_t ch13[] = {
	0x16, 0x03, 0x01, 0x01, 0x4e, 0x01, 0x00, 0x01, 0x4a, 0x03, 0x03, 0x9d,
	0x4a, 0x4c, 0xc1, 0x66, 0x92, 0xd5, 0xa6, 0x5f, 0x1d, 0xfc, 0x00, 0x6b,
	0xff, 0x97, 0xe1, 0x75, 0xaf, 0x80, 0xa6, 0x82, 0x9e, 0x5b, 0xf3, 0xb5,
	0x1a, 0x5a, 0x13, 0x2b, 0xaa, 0xee, 0x83, 0x20, 0x5a, 0x39, 0xa4, 0x37,
	0x13, 0x85, 0x88, 0xe6, 0x33, 0x2d, 0xba, 0x70, 0x43, 0xee, 0x8e, 0x4f,
	0x89, 0x3e, 0x83, 0xc4, 0xac, 0x19, 0x50, 0xbb, 0x8b, 0x1b, 0x0b, 0x3c,
	0x64, 0x88, 0x3d, 0x8f, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0xc3,
	0x00, 0x00, 0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f, 0x77, 0x77, 0x77,
	0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d,
	0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16,
	0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18,
	0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23,
	0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08,
	0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x16, 0x00, 0x00,
	0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03,
	0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a,
	0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01,
	0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02,
	0x06, 0x02, 0x00, 0x2b, 0x00, 0x09, 0x08, 0x03, 0x04, 0x03, 0x03, 0x03,
	0x02, 0x03, 0x01, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33, 0x00,
	0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0xa7, 0x71, 0xa2, 0x99, 0xce,
	0x38, 0xa1, 0xb3, 0xba, 0x6f, 0x15, 0x0d, 0x98, 0x47, 0xbd, 0xaf, 0xd0,
	0x69, 0x91, 0xe4, 0xcb, 0xeb, 0xc7, 0xa9, 0xc4, 0x73, 0x1c, 0x5b, 0x6d,
	0x75, 0xf5, 0x64,
};
static const uint8_t ch12[] = {
	0x16, 0x03, 0x01, 0x00, 0xcf, 0x01, 0x00, 0x00, 0xcb, 0x03, 0x03, 0xa5,
	0x36, 0x45, 0x86, 0x2d, 0x43, 0xd4, 0x56, 0x2e, 0x0f, 0x81, 0x78, 0xb8,
	0x45, 0x11, 0xd3, 0x67, 0x6a, 0x06, 0x01, 0xef, 0x0a, 0x0e, 0x1c, 0x9d,
	0x93, 0x3a, 0x5d, 0xb0, 0xe3, 0x57, 0x23, 0x00, 0x00, 0x38, 0xc0, 0x2c,
	0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b,
	0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23,
	0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09,
	0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c,
	0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x6a, 0x00, 0x00,
	0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f, 0x77, 0x77, 0x77, 0x2e, 0x65,
	0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x00, 0x0b,
	0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a,
	0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x00, 0x23,
	0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d,
	0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07,
	0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05,
	0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01,
	0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
};
static const uint8_t chnosni[] = {
	0x16, 0x03, 0x01, 0x01, 0x24, 0x01, 0x00, 0x01, 0x20, 0x03, 0x03, 0x48,
	0x7a, 0xc4, 0xa0, 0xfc, 0xdf, 0x56, 0x54, 0x62, 0x03, 0x02, 0xb0, 0xa3,
	0xca, 0x4a, 0xd7, 0x15, 0xa4, 0xa1, 0xa7, 0xbf, 0x0e, 0x4c, 0x5f, 0x57,
	0xd9, 0xa0, 0xf1, 0xfd, 0xa7, 0x94, 0x57, 0x20, 0x9d, 0xf0, 0x64, 0x20,
	0x7e, 0xf1, 0xb3, 0x34, 0x7c, 0xe3, 0x48, 0xf5, 0x9c, 0x5c, 0xaa, 0x83,
	0x0e, 0xab, 0x53, 0x2c, 0xd7, 0x2f, 0xd6, 0xfb, 0xf4, 0x0b, 0x65, 0xb7,
	0xfb, 0x13, 0xe7, 0x06, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x99,
	0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16,
	0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18,
	0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23,
	0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d,
	0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07,
	0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05,
	0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01,
	0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x09,
	0x08, 0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01, 0x00, 0x2d, 0x00,
	0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00,
	0x20, 0x8f, 0xd6, 0xb1, 0xed, 0x57, 0xa8, 0xe2, 0xcb, 0x72, 0x3c, 0x8a,
	0xa6, 0x27, 0x02, 0x7c, 0x1c, 0x6e, 0xff, 0x88, 0x36, 0x93, 0x4d, 0x55,
	0x20, 0xef, 0xa1, 0xb4, 0x84, 0x6f, 0x95, 0x4c, 0x5d,
};

#define SNI "www.example.com"

/* ---- helpers ---- */

/* A copy of @p n bytes in a block of exactly that size (free it). */
static uint8_t *
exact(const void *p, size_t n)
{
	uint8_t *b = malloc(n);

	assert_true(b != NULL || n == 0);
	if (n > 0)
		memcpy(b, p, n);
	return b;
}

static struct ww_l7_list *
list(const char *const *hosts, unsigned int nb_hosts,
     const char *const *urls, unsigned int nb_urls)
{
	char err[256] = "";
	struct ww_l7_list *l = ww_l7_create(hosts, nb_hosts, urls, nb_urls,
					    err, sizeof(err));

	if (l == NULL)
		fail_msg("ww_l7_create: %s", err);
	return l;
}

static int
match_http(const struct ww_l7_list *l, const char *req, char *what,
	   size_t size)
{
	uint8_t *b = exact(req, strlen(req));
	int ret = ww_l7_match_http(l, b, strlen(req), what, size);

	free(b);
	return ret;
}

static int
match_tls(const struct ww_l7_list *l, const uint8_t *d, size_t n,
	  char *what, size_t size)
{
	uint8_t *b = exact(d, n);
	int ret = ww_l7_match_tls(l, b, n, what, size);

	free(b);
	return ret;
}

static int
sni_of(const uint8_t *d, size_t n, char *out, size_t size)
{
	uint8_t *b = exact(d, n);
	int ret = ww_l7_tls_sni(b, n, out, size);

	free(b);
	return ret;
}

/* Where @p s ends in @p d, or 0. */
static size_t
end_of(const uint8_t *d, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(d + i, s, k) == 0)
			return i + k;
	return 0;
}

/* ---- a ClientHello by hand ---- */

struct hb {
	uint8_t b[2048];
	size_t len;
	size_t open[8];         /* where each open length field is */
	size_t width[8];
	unsigned int depth;
	size_t sni_start;       /* where the server_name extension starts */
	size_t sni_end;         /* and ends */
};

static void
put(struct hb *h, const void *p, size_t n)
{
	assert_true(h->len + n <= sizeof(h->b));
	memcpy(h->b + h->len, p, n);
	h->len += n;
}

static void
u8(struct hb *h, uint8_t v)
{
	put(h, &v, 1);
}

static void
u16(struct hb *h, uint16_t v)
{
	u8(h, v >> 8);
	u8(h, v & 0xff);
}

/* A length field of @p width bytes, filled in by vec_close(). */
static void
vec_open(struct hb *h, size_t width)
{
	static const uint8_t zeros[4];

	assert_true(h->depth < DIM(h->open));
	h->open[h->depth] = h->len;
	h->width[h->depth++] = width;
	put(h, zeros, width);
}

static void
vec_close(struct hb *h)
{
	unsigned int d = --h->depth;
	size_t w = h->width[d], n = h->len - h->open[d] - w;

	assert_true(n < (size_t)1 << (8 * w));
	for (size_t i = 0; i < w; i++)
		h->b[h->open[d] + i] = (uint8_t)(n >> (8 * (w - 1 - i)));
}

static void
ext(struct hb *h, uint16_t type, const void *body, size_t n)
{
	u16(h, type);
	vec_open(h, 2);
	put(h, body, n);
	vec_close(h);
}

/* server_name, with first an entry of an unknown name type if @p odd. */
static void
ext_sni(struct hb *h, const char *name, bool odd)
{
	h->sni_start = h->len;
	u16(h, 0);
	vec_open(h, 2);
	vec_open(h, 2);
	if (odd) {
		u8(h, 7);
		u16(h, 3);
		put(h, "abc", 3);
	}
	u8(h, 0);
	vec_open(h, 2);
	put(h, name, strlen(name));
	vec_close(h);
	vec_close(h);
	vec_close(h);
	h->sni_end = h->len;
}

/*
 * A TLS 1.3 ClientHello as browsers send them: GREASE, a session id, a
 * key share, a dozen extensions and padding, the server_name first or
 * last (Chrome shuffles them).
 */
static void
build_hello(struct hb *h, const char *sni, bool sni_last, bool odd)
{
	static const uint8_t groups[] = { 0, 6, 0x2a, 0x2a, 0, 0x1d, 0, 0x17 };
	static const uint8_t alpn[] = { 0, 12, 2, 'h', '2',
					8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
	static const uint8_t sigalgs[] = { 0, 6, 4, 3, 8, 4, 4, 1 };
	static const uint8_t versions[] = { 6, 0x3a, 0x3a, 3, 4, 3, 3 };
	static const uint8_t status[] = { 1, 0, 0, 0, 0 };
	static const uint8_t padding[64];
	static const uint16_t suites[] = { 0x0a0a, 0x1301, 0x1302, 0x1303,
					   0xc02b, 0xc02f, 0xcca9, 0x009c };

	memset(h, 0, sizeof(*h));
	u8(h, 22);
	u16(h, 0x0301);
	vec_open(h, 2);
	u8(h, 1);
	vec_open(h, 3);
	u16(h, 0x0303);
	for (unsigned int i = 0; i < 32; i++)
		u8(h, (uint8_t)(i * 7));
	vec_open(h, 1);
	for (unsigned int i = 0; i < 32; i++)
		u8(h, (uint8_t)(0xa0 + i));
	vec_close(h);
	vec_open(h, 2);
	for (unsigned int i = 0; i < DIM(suites); i++)
		u16(h, suites[i]);
	vec_close(h);
	vec_open(h, 1);
	u8(h, 0);
	vec_close(h);
	vec_open(h, 2);
	if (sni != NULL && !sni_last)
		ext_sni(h, sni, odd);
	ext(h, 0x2a2a, NULL, 0);
	ext(h, 0x0017, NULL, 0);
	ext(h, 0xff01, "", 1);
	ext(h, 0x000a, groups, sizeof(groups));
	ext(h, 0x000b, "\x01\x00", 2);
	ext(h, 0x0023, NULL, 0);
	ext(h, 0x0010, alpn, sizeof(alpn));
	ext(h, 0x0005, status, sizeof(status));
	ext(h, 0x000d, sigalgs, sizeof(sigalgs));
	ext(h, 0x0012, NULL, 0);
	u16(h, 0x0033);                 /* key_share: x25519 */
	vec_open(h, 2);
	vec_open(h, 2);
	u16(h, 0x001d);
	vec_open(h, 2);
	for (unsigned int i = 0; i < 32; i++)
		u8(h, (uint8_t)(0x55 ^ i));
	vec_close(h);
	vec_close(h);
	vec_close(h);
	ext(h, 0x002d, "\x01\x01", 2);
	ext(h, 0x002b, versions, sizeof(versions));
	ext(h, 0x001b, "\x02\x00\x02", 3);
	ext(h, 0xfe0d, "\x00\x00\x01\x00\x01", 5);    /* ECH, GREASE-like */
	ext(h, 0x0015, padding, sizeof(padding));
	if (sni != NULL && sni_last)
		ext_sni(h, sni, odd);
	vec_close(h);
	vec_close(h);
	vec_close(h);
	assert_int_equal(h->depth, 0);
}

static void
set16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- TLS ---- */

static void
test_tls_captured(void **state)
{
	static const char *const exact_host[] = { SNI };
	static const char *const suffix[] = { ".example.com" };
	static const char *const parent[] = { "example.com" };
	static const char *const upper[] = { "WWW.Example.COM." };
	static const char *const urls[] = { "www.example.com/" };
	struct ww_l7_list *e = list(exact_host, 1, NULL, 0);
	struct ww_l7_list *s = list(suffix, 1, NULL, 0);
	struct ww_l7_list *p = list(parent, 1, NULL, 0);
	struct ww_l7_list *u = list(upper, 1, NULL, 0);
	struct ww_l7_list *url = list(NULL, 0, urls, 1);
	const struct { const uint8_t *d; size_t n; } hellos[] = {
		{ ch13, sizeof(ch13) }, { ch12, sizeof(ch12) },
	};
	char out[64], what[64];

	(void)state;
	for (unsigned int i = 0; i < DIM(hellos); i++) {
		const uint8_t *d = hellos[i].d;
		size_t n = hellos[i].n;

		assert_int_equal(sni_of(d, n, out, sizeof(out)), strlen(SNI));
		assert_string_equal(out, SNI);
		assert_int_equal(match_tls(e, d, n, what, sizeof(what)), 1);
		assert_string_equal(what, SNI);
		assert_int_equal(match_tls(s, d, n, what, sizeof(what)), 1);
		assert_string_equal(what, SNI);
		assert_int_equal(match_tls(u, d, n, what, sizeof(what)), 1);
		/* example.com is not www.example.com; URLs are for HTTP. */
		assert_int_equal(match_tls(p, d, n, what, sizeof(what)), 0);
		assert_int_equal(match_tls(url, d, n, what, sizeof(what)), 0);
		/* what is cut to its size, or not written at all. */
		assert_int_equal(match_tls(e, d, n, what, 4), 1);
		assert_string_equal(what, "www");
		assert_int_equal(match_tls(e, d, n, NULL, 0), 1);
		/* the name alone, cut */
		assert_int_equal(sni_of(d, n, out, 8), strlen(SNI));
		assert_string_equal(out, "www.exa");
	}
	assert_int_equal(sni_of(chnosni, sizeof(chnosni), out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(match_tls(s, chnosni, sizeof(chnosni), what,
				   sizeof(what)), 0);
	ww_l7_free(e);
	ww_l7_free(s);
	ww_l7_free(p);
	ww_l7_free(u);
	ww_l7_free(url);
}

static void
test_tls_built(void **state)
{
	static const char *const hosts[] = { ".example.com", "exact.org" };
	struct ww_l7_list *l = list(hosts, DIM(hosts), NULL, 0);
	char out[300], what[64], name[300];
	struct hb h;

	(void)state;
	for (int last = 0; last < 2; last++) {
		build_hello(&h, "Cdn.Static.EXAMPLE.com.", last, false);
		assert_int_equal(sni_of(h.b, h.len, out, sizeof(out)), 23);
		assert_string_equal(out, "Cdn.Static.EXAMPLE.com.");
		assert_int_equal(match_tls(l, h.b, h.len, what, sizeof(what)), 1);
		assert_string_equal(what, "cdn.static.example.com");

		build_hello(&h, "exact.org", last, true);
		assert_int_equal(sni_of(h.b, h.len, out, sizeof(out)), 9);
		assert_int_equal(match_tls(l, h.b, h.len, what, sizeof(what)), 1);
		assert_string_equal(what, "exact.org");

		/* Label boundary; exact is not suffix. */
		build_hello(&h, "badexample.com", last, false);
		assert_int_equal(match_tls(l, h.b, h.len, what, sizeof(what)), 0);
		build_hello(&h, "www.exact.org", last, false);
		assert_int_equal(match_tls(l, h.b, h.len, what, sizeof(what)), 0);
		build_hello(&h, "example.com.evil.net", last, false);
		assert_int_equal(match_tls(l, h.b, h.len, what, sizeof(what)), 0);
	}
	build_hello(&h, NULL, false, false);
	assert_int_equal(sni_of(h.b, h.len, out, sizeof(out)), -EINVAL);
	assert_int_equal(match_tls(l, h.b, h.len, what, sizeof(what)), 0);

	/* 255 characters are a name; 256 are not. */
	memset(name, 'a', 300);
	memcpy(name + 243, ".example.com", 13);
	build_hello(&h, name, true, false);
	assert_int_equal(sni_of(h.b, h.len, out, sizeof(out)), 255);
	assert_int_equal(match_tls(l, h.b, h.len, what, sizeof(what)), 1);
	memset(name, 'a', 300);
	memcpy(name + 244, ".example.com", 13);
	build_hello(&h, name, true, false);
	assert_int_equal(sni_of(h.b, h.len, out, sizeof(out)), -EINVAL);
	assert_int_equal(match_tls(l, h.b, h.len, what, sizeof(what)), 0);

	/* Not a name to log. */
	build_hello(&h, "www.example.com\n", true, false);
	assert_int_equal(sni_of(h.b, h.len, out, sizeof(out)), -EINVAL);
	ww_l7_free(l);
}

/* Each field that says what the payload is, wrong in turn. */
static void
test_tls_malformed(void **state)
{
	static const char *const hosts[] = { ".example.com" };
	struct ww_l7_list *l = list(hosts, DIM(hosts), NULL, 0);
	char out[64];
	struct hb h, m;

	(void)state;
	build_hello(&h, SNI, false, false);
	assert_int_equal(match_tls(l, h.b, h.len, NULL, 0), 1);

	m = h;
	m.b[0] = 23;                            /* application data */
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);
	assert_int_equal(match_tls(l, m.b, m.len, NULL, 0), 0);
	m = h;
	m.b[1] = 2;                             /* SSL 2 */
	assert_int_equal(match_tls(l, m.b, m.len, NULL, 0), 0);
	m = h;
	m.b[5] = 2;                             /* ServerHello */
	assert_int_equal(match_tls(l, m.b, m.len, NULL, 0), 0);

	/* The record or the handshake ends before the name does: the bytes
	 * after are not the ClientHello's, even if they are there. */
	m = h;
	set16(m.b + 3, m.sni_end - 5 - 1);
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);
	set16(m.b + 3, m.sni_end - 5);
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), strlen(SNI));
	m = h;
	m.b[6] = 0;
	set16(m.b + 7, m.sni_end - 9 - 1);
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);
	set16(m.b + 7, m.sni_end - 9);
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), strlen(SNI));

	/* Lengths inside the extension that overrun it. */
	m = h;
	set16(m.b + h.sni_start + 2, 0xffff);   /* extension */
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);
	m = h;
	set16(m.b + h.sni_start + 4, 3);        /* list shorter than entry */
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);
	m = h;
	set16(m.b + h.sni_start + 7, 0xffff);   /* name */
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);
	m = h;
	set16(m.b + h.sni_start + 7, 0);        /* empty name */
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);
	m = h;
	m.b[h.sni_start + 6] = 1;               /* not a host_name */
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);

	/* A list that ends two bytes into an entry, at the end of the data. */
	build_hello(&m, SNI, true, true);
	m.len = m.sni_start + 4 + 2 + 6 + 2;
	set16(m.b + m.sni_start + 2, m.len - m.sni_start - 4);
	set16(m.b + m.sni_start + 4, m.len - m.sni_start - 6);
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);

	/* Session id and cipher suite lengths past the end. */
	m = h;
	m.b[43] = 0xff;
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);
	m = h;
	set16(m.b + 44 + 32, 0xfffe);
	assert_int_equal(sni_of(m.b, m.len, out, sizeof(out)), -EINVAL);

	assert_int_equal(ww_l7_tls_sni(NULL, 0, out, sizeof(out)), -EINVAL);
	assert_int_equal(ww_l7_match_tls(l, NULL, 0, NULL, 0), 0);
	assert_int_equal(ww_l7_match_tls(NULL, h.b, h.len, NULL, 0), 0);
	ww_l7_free(l);
}

/*
 * Every cut of a ClientHello, in a block of exactly that size: no name
 * and no match until the server_name extension is whole, then the name.
 */
static void
check_tls_cuts(const struct ww_l7_list *l, const uint8_t *d, size_t n,
	       size_t sni_end)
{
	char out[64], what[64];
	int want;

	assert_true(sni_end > 0 && sni_end <= n);
	for (size_t k = 0; k < n; k++) {
		want = k >= sni_end;
		if (sni_of(d, k, out, sizeof(out)) != (want ? 15 : -EINVAL))
			fail_msg("cut at %zu of %zu (name ends at %zu)",
				 k, n, sni_end);
		if (match_tls(l, d, k, what, sizeof(what)) != want)
			fail_msg("match cut at %zu of %zu", k, n);
	}
}

static void
test_tls_cuts(void **state)
{
	static const char *const hosts[] = { ".example.com" };
	struct ww_l7_list *l = list(hosts, DIM(hosts), NULL, 0);
	struct hb h;

	(void)state;
	check_tls_cuts(l, ch13, sizeof(ch13), end_of(ch13, sizeof(ch13), SNI));
	check_tls_cuts(l, ch12, sizeof(ch12), end_of(ch12, sizeof(ch12), SNI));
	build_hello(&h, SNI, false, true);
	check_tls_cuts(l, h.b, h.len, h.sni_end);
	/* Name last: every cut is no match. */
	build_hello(&h, SNI, true, false);
	assert_int_equal(h.sni_end, h.len);
	check_tls_cuts(l, h.b, h.len, h.sni_end);
	ww_l7_free(l);
}

/* ---- HTTP ---- */

static const char *const http_hosts[] = {
	"www.example.com", ".blocked.org", "Exact.NET.",
};
static const char *const http_urls[] = {
	"example.com/ads/", ".tracker.io/pixel", "www.example.com/private",
};

struct http_case {
	const char *req;
	const char *what;       /* NULL: no match */
};

static const struct http_case http_cases[] = {
	{ "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n",
	  "www.example.com" },
	{ "GET / HTTP/1.1\r\nHost: www.example.com:8080\r\n\r\n",
	  "www.example.com" },
	{ "GET / HTTP/1.1\r\nHOST: WWW.EXAMPLE.COM\r\n\r\n",
	  "www.example.com" },
	{ "GET / HTTP/1.1\r\nhost: www.example.com.\r\n\r\n",
	  "www.example.com" },
	{ "GET / HTTP/1.1\r\nHost: www.example.com.:80\r\n\r\n",
	  "www.example.com" },
	{ "POST /form HTTP/1.0\r\nHost: www.example.com\r\n\r\n",
	  "www.example.com" },
	{ "GET / HTTP/1.1\nHost: www.example.com\n\n", "www.example.com" },
	/* headers before, odd whitespace, folding */
	{ "GET / HTTP/1.1\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
	  "Host: \t www.example.com \t\r\nConnection: close\r\n\r\n",
	  "www.example.com" },
	{ "GET / HTTP/1.1\r\nHost :www.example.com\r\n\r\n",
	  "www.example.com" },
	{ "GET / HTTP/1.1\r\nHost:\r\n \twww.example.com\r\n\r\n",
	  "www.example.com" },
	{ "GET / HTTP/1.1\r\nX: a\r\n b\r\nHost: www.example.com\r\n\r\n",
	  "www.example.com" },
	/* absolute-form: the target's host, with or without a Host header */
	{ "GET http://www.example.com:80/x HTTP/1.1\r\n\r\n",
	  "www.example.com" },
	{ "GET HTTP://user:pw@WWW.example.com HTTP/1.1\r\n\r\n",
	  "www.example.com" },
	{ "GET http://a.blocked.org/ HTTP/1.1\r\nHost: fine.com\r\n\r\n",
	  "a.blocked.org" },
	{ "CONNECT www.example.com:443 HTTP/1.1\r\n\r\n", "www.example.com" },
	/* suffix at label boundaries, exact is exact */
	{ "GET / HTTP/1.1\r\nHost: blocked.org\r\n\r\n", "blocked.org" },
	{ "GET / HTTP/1.1\r\nHost: x.Y.blocked.org\r\n\r\n",
	  "x.y.blocked.org" },
	{ "GET / HTTP/1.1\r\nHost: notblocked.org\r\n\r\n", NULL },
	{ "GET / HTTP/1.1\r\nHost: blocked.org.evil.com\r\n\r\n", NULL },
	{ "GET / HTTP/1.1\r\nHost: a.www.example.com\r\n\r\n", NULL },
	{ "GET / HTTP/1.1\r\nHost: EXACT.net\r\n\r\n", "exact.net" },
	{ "GET / HTTP/1.1\r\nHost: www.exact.net\r\n\r\n", NULL },
	/* URL patterns: host, then path prefix, case-sensitive */
	{ "GET /ads/x.gif HTTP/1.1\r\nHost: example.com\r\n\r\n",
	  "example.com/ads/x.gif" },
	{ "GET /ads/ HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
	  "example.com/ads/" },
	{ "GET /ads HTTP/1.1\r\nHost: example.com\r\n\r\n", NULL },
	{ "GET /Ads/x HTTP/1.1\r\nHost: example.com\r\n\r\n", NULL },
	{ "GET /ads/x HTTP/1.1\r\nHost: a.example.com\r\n\r\n", NULL },
	{ "GET http://example.com/ads/1?a=b HTTP/1.1\r\n"
	  "Host: example.com\r\n\r\n", "example.com/ads/1?a=b" },
	{ "GET /pixel?id=1 HTTP/1.1\r\nHost: cdn.tracker.io\r\n\r\n",
	  "cdn.tracker.io/pixel?id=1" },
	{ "GET /pixel HTTP/1.1\r\nHost: tracker.io\r\n\r\n",
	  "tracker.io/pixel" },
	{ "GET /pixel HTTP/1.1\r\nHost: eviltracker.io\r\n\r\n", NULL },
	{ "GET /index HTTP/1.1\r\nHost: cdn.tracker.io\r\n\r\n", NULL },
	/* a host match wins over a URL match on the same name */
	{ "GET /private/a HTTP/1.1\r\nHost: www.example.com\r\n\r\n",
	  "www.example.com" },
	/* no Host */
	{ "GET / HTTP/1.0\r\n\r\n", NULL },
	{ "GET / HTTP/1.1\r\nHost:\r\nX: www.example.com\r\n\r\n", NULL },
	{ "GET / HTTP/1.1\r\nX-Host: www.example.com\r\n\r\n", NULL },
	{ "GET / HTTP/1.1\r\nHostname: www.example.com\r\n\r\n", NULL },
	{ "GET / HTTP/1.1\r\n\r\nHost: www.example.com\r\n\r\n", NULL },
	{ "GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", NULL },
	/* not HTTP/1.x */
	{ "get / HTTP/1.1\r\nHost: www.example.com\r\n\r\n", NULL },
	{ "GET  / HTTP/1.1\r\nHost: www.example.com\r\n\r\n", NULL },
	{ "GET / HTTP/2.0\r\nHost: www.example.com\r\n\r\n", NULL },
	{ "GET / http/1.1\r\nHost: www.example.com\r\n\r\n", NULL },
	{ "GET /\r\nHost: www.example.com\r\n\r\n", NULL },
	{ "GET / HTTP/1.1 \r\nHost: www.example.com\r\n\r\n", NULL },
	{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", NULL },
	{ "SSH-2.0-OpenSSH_9.6\r\n", NULL },
	{ "\x16\x03\x01\x00\x05www.example.com", NULL },
	{ "ABCDEFGHIJKLMNOPQRSTU / HTTP/1.1\r\nHost: www.example.com\r\n\r\n",
	  NULL },
	{ "", NULL },
};

static void
test_http_match(void **state)
{
	static const char ads[] =
		"GET /ads/x.gif HTTP/1.1\r\nHost: example.com\r\n\r\n";
	struct ww_l7_list *l = list(http_hosts, DIM(http_hosts),
				    http_urls, DIM(http_urls));
	char what[128];
	int ret;

	(void)state;
	for (unsigned int i = 0; i < DIM(http_cases); i++) {
		const struct http_case *c = &http_cases[i];

		strcpy(what, "-");
		ret = match_http(l, c->req, what, sizeof(what));
		if (ret != (c->what != NULL))
			fail_msg("case %u \"%s\": %d", i, c->req, ret);
		if (c->what != NULL && strcmp(what, c->what) != 0)
			fail_msg("case %u: \"%s\", not \"%s\"", i, what,
				 c->what);
	}
	/* what cut to its size, across host and path */
	assert_int_equal(match_http(l, ads, what, 15), 1);
	assert_string_equal(what, "example.com/ad");
	assert_int_equal(match_http(l, ads, what, 8), 1);
	assert_string_equal(what, "example");
	assert_int_equal(match_http(l, ads, NULL, 0), 1);
	assert_int_equal(ww_l7_match_http(NULL, (const uint8_t *)"GET", 3,
					  NULL, 0), 0);
	assert_int_equal(ww_l7_match_http(l, NULL, 0, NULL, 0), 0);
	ww_l7_free(l);
}

struct request_case {
	const char *req;
	int ret;
	const char *host;
	const char *target;
};

static const struct request_case request_cases[] = {
	{ "GET /a?b HTTP/1.1\r\nHost: Www.Example.com:8080\r\n\r\n", 0,
	  "www.example.com", "/a?b" },
	{ "GET http://Www.Example.com:8080 HTTP/1.1\r\n\r\n", 0,
	  "www.example.com", "/" },
	{ "GET http://h.net/p HTTP/1.1\r\nHost: other.net\r\n\r\n", 0,
	  "other.net", "/p" },
	{ "OPTIONS * HTTP/1.1\r\nHost: h.net\r\n\r\n", 0, "h.net", "*" },
	{ "CONNECT h.net:443 HTTP/1.1\r\n\r\n", 0, "h.net", "" },
	{ "GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", 0,
	  "[2001:db8::1]", "/" },
	{ "GET / HTTP/1.0\r\n\r\n", 0, "", "/" },
	{ "GET / HTTP/1.1\r\n", 0, "", "/" },
	{ "GET / HTTP/1.1", -EINVAL, NULL, NULL },
	{ "GET / HTTP/1.1\r", -EINVAL, NULL, NULL },
	{ "HELLO", -EINVAL, NULL, NULL },
};

static void
test_http_request(void **state)
{
	char host[64], target[64];
	uint8_t *b;
	size_t n;
	int ret;

	(void)state;
	for (unsigned int i = 0; i < DIM(request_cases); i++) {
		const struct request_case *c = &request_cases[i];

		n = strlen(c->req);
		b = exact(c->req, n);
		ret = ww_l7_http_request(b, n, host, sizeof(host), target,
					 sizeof(target));
		free(b);
		if (ret != c->ret)
			fail_msg("case %u \"%s\": %d", i, c->req, ret);
		if (ret == 0) {
			assert_string_equal(host, c->host);
			assert_string_equal(target, c->target);
		}
	}
	/* outputs cut to their size */
	n = strlen(request_cases[0].req);
	b = exact(request_cases[0].req, n);
	assert_int_equal(ww_l7_http_request(b, n, host, 4, target, 3), 0);
	assert_string_equal(host, "www");
	assert_string_equal(target, "/a");
	assert_int_equal(ww_l7_http_request(b, n, NULL, 0, NULL, 0), 0);
	free(b);
}

/*
 * Every cut of a request head: not a request until its first line ends,
 * no host until something ends the Host value (it might be the start of
 * a longer name), then the match.
 */
static void
test_http_cuts(void **state)
{
	static const char req[] =
		"GET /ads/banner.png HTTP/1.1\r\nUser-Agent: curl/8.5.0\r\n"
		"Host: WWW.Example.COM.:8080\r\nAccept: */*\r\n\r\n";
	static const char *const hosts[] = { "www.example.com" };
	static const char *const urls[] = { ".example.com/ads/" };
	struct ww_l7_list *h = list(hosts, 1, NULL, 0);
	struct ww_l7_list *u = list(NULL, 0, urls, 1);
	size_t n = strlen(req);
	size_t line_end = end_of((const uint8_t *)req, n, "HTTP/1.1\r\n");
	size_t host_end = end_of((const uint8_t *)req, n, ":8080");
	char host[64], target[64], what[64];
	uint8_t *b;
	int ret;

	(void)state;
	for (size_t k = 0; k <= n; k++) {
		b = exact(req, k);
		ret = ww_l7_http_request(b, k, host, sizeof(host), target,
					 sizeof(target));
		if (k < line_end) {
			assert_int_equal(ret, -EINVAL);
		} else {
			assert_int_equal(ret, 0);
			assert_string_equal(host, k > host_end ?
					    "www.example.com" : "");
			assert_string_equal(target, "/ads/banner.png");
		}
		if (ww_l7_match_http(h, b, k, what, sizeof(what)) !=
		    (k > host_end))
			fail_msg("host list, cut at %zu", k);
		if (ww_l7_match_http(u, b, k, what, sizeof(what)) !=
		    (k > host_end))
			fail_msg("URL list, cut at %zu", k);
		free(b);
	}
	assert_string_equal(what, "www.example.com/ads/banner.png");
	ww_l7_free(h);
	ww_l7_free(u);
}

/* The same for a folded Host value and for an absolute-form target. */
static void
test_http_cuts_odd(void **state)
{
	static const char folded[] =
		"GET / HTTP/1.1\r\nHost:\r\n\t www.example.com\r\n\r\n";
	static const char absolute[] =
		"GET http://www.example.com/ HTTP/1.1\r\nX: y\r\n\r\n";
	static const char *const hosts[] = { "www.example.com" };
	struct ww_l7_list *l = list(hosts, 1, NULL, 0);
	const struct { const char *req; size_t from; } cases[] = {
		{ folded, end_of((const uint8_t *)folded, sizeof(folded) - 1,
				 ".com") + 1 },
		{ absolute, end_of((const uint8_t *)absolute,
				   sizeof(absolute) - 1, "HTTP/1.1\r\n") },
	};
	uint8_t *b;
	int ret;

	(void)state;
	for (unsigned int i = 0; i < DIM(cases); i++) {
		size_t n = strlen(cases[i].req);

		for (size_t k = 0; k <= n; k++) {
			b = exact(cases[i].req, k);
			ret = ww_l7_match_http(l, b, k, NULL, 0);
			free(b);
			if (ret != (k >= cases[i].from))
				fail_msg("case %u cut at %zu: %d", i, k, ret);
		}
	}
	ww_l7_free(l);
}

/* ---- lists ---- */

/* 5000 host patterns (half exact, half suffix) and 5000 URL patterns. */
static void
test_many(void **state)
{
	enum { N = 5000 };
	char **hosts = calloc(N, sizeof(*hosts));
	char **urls = calloc(N, sizeof(*urls));
	struct ww_l7_list *l;
	char req[256], what[256], want[256];

	(void)state;
	assert_non_null(hosts);
	assert_non_null(urls);
	for (unsigned int i = 0; i < N; i++) {
		hosts[i] = malloc(64);
		urls[i] = malloc(64);
		assert_non_null(hosts[i]);
		assert_non_null(urls[i]);
		snprintf(hosts[i], 64, "%sh%u.Site%u.com", i % 2 ? "." : "",
			 i, i % 97);
		snprintf(urls[i], 64, "u%u.site%u.org/p%u/", i, i % 89, i);
	}
	l = list((const char *const *)hosts, N, (const char *const *)urls, N);
	for (unsigned int i = 0; i < N; i++) {
		snprintf(want, sizeof(want), "h%u.site%u.com", i, i % 97);
		snprintf(req, sizeof(req),
			 "GET / HTTP/1.1\r\nHost: h%u.site%u.com\r\n\r\n",
			 i, i % 97);
		assert_int_equal(match_http(l, req, what, sizeof(what)), 1);
		assert_string_equal(what, want);
		/* a subdomain: only suffix patterns take it */
		snprintf(req, sizeof(req),
			 "GET / HTTP/1.1\r\nHost: www.h%u.site%u.com\r\n\r\n",
			 i, i % 97);
		assert_int_equal(match_http(l, req, what, sizeof(what)),
				 i % 2);
		/* the same label in another domain */
		snprintf(req, sizeof(req),
			 "GET / HTTP/1.1\r\nHost: h%u.site%u.com\r\n\r\n",
			 i, (i + 1) % 97);
		assert_int_equal(match_http(l, req, what, sizeof(what)), 0);
		snprintf(req, sizeof(req),
			 "GET /p%u/x HTTP/1.1\r\nHost: u%u.site%u.org\r\n\r\n",
			 i, i, i % 89);
		assert_int_equal(match_http(l, req, what, sizeof(what)), 1);
		snprintf(req, sizeof(req),
			 "GET /p%u/x HTTP/1.1\r\nHost: u%u.site%u.org\r\n\r\n",
			 i + 1, i, i % 89);
		assert_int_equal(match_http(l, req, what, sizeof(what)), 0);
	}
	ww_l7_free(l);
	for (unsigned int i = 0; i < N; i++) {
		free(hosts[i]);
		free(urls[i]);
	}
	free(hosts);
	free(urls);
}

static void
test_empty_and_duplicates(void **state)
{
	static const char *const hosts[] = { "a.com", ".a.com", "A.com." };
	static const char *const urls[] = { "a.com/x", "a.com/x", ".a.com/y" };
	struct ww_l7_list *l = list(NULL, 0, NULL, 0);
	char what[64];

	(void)state;
	assert_int_equal(match_http(l, http_cases[0].req, what,
				    sizeof(what)), 0);
	assert_int_equal(match_tls(l, ch13, sizeof(ch13), what,
				   sizeof(what)), 0);
	ww_l7_free(l);
	ww_l7_free(NULL);

	l = list(hosts, DIM(hosts), urls, DIM(urls));
	assert_int_equal(match_http(l, "GET / HTTP/1.1\r\nHost: b.a.com\r\n\r\n",
				    what, sizeof(what)), 1);
	assert_string_equal(what, "b.a.com");
	ww_l7_free(l);

	l = list(NULL, 0, urls, DIM(urls));
	assert_int_equal(match_http(l, "GET /x HTTP/1.1\r\nHost: b.a.com\r\n\r\n",
				    what, sizeof(what)), 0);
	assert_int_equal(match_http(l, "GET /y HTTP/1.1\r\nHost: b.a.com\r\n\r\n",
				    what, sizeof(what)), 1);
	assert_string_equal(what, "b.a.com/y");
	assert_int_equal(match_http(l, "GET /x HTTP/1.1\r\nHost: a.com\r\n\r\n",
				    what, sizeof(what)), 1);
	ww_l7_free(l);
}

struct pattern_case {
	const char *pattern;
	bool url;
	const char *err;        /* NULL: valid */
};

static const struct pattern_case pattern_cases[] = {
	{ "example.com", false, NULL },
	{ ".example.com", false, NULL },
	{ "Example.COM.", false, NULL },
	{ "xn--bcher-kva.example", false, NULL },
	{ "localhost", false, NULL },
	{ "example.com/ads/", true, NULL },
	{ ".example.com/", true, NULL },
	{ "example.com./a?b=c", true, NULL },
	{ "", false, "\"\": empty pattern" },
	{ "ex ample.com", false,
	  "\"ex ample.com\": host names take letters, digits, '-' and '.'" },
	{ "exämple.com", false, "host names take letters" },
	{ "*.example.com", false,
	  "\"*.example.com\": no wildcards: \".example.com\" matches "
	  "example.com and every name under it" },
	{ "example.com:8080", false, "\"example.com:8080\": no port" },
	{ "http://example.com/ads/", true, "no port" },
	{ "a..b", false, "\"a..b\": empty label in the host name" },
	{ "..example.com", false, "empty label" },
	{ ".", false, "\".\": no host name" },
	{ "/ads/", true, "\"/ads/\": no host name" },
	{ "example.com/ads", false,
	  "\"example.com/ads\": a host pattern has no path" },
	{ "example.com", true,
	  "\"example.com\": a URL pattern is a host and a path starting "
	  "with '/'" },
	{ "example.com/a b", true,
	  "\"example.com/a b\": paths take printable characters" },
	{ "example.com/a\tb", true, "paths take printable characters" },
};

static void
test_patterns(void **state)
{
	char err[256], big[300];

	(void)state;
	for (unsigned int i = 0; i < DIM(pattern_cases); i++) {
		const struct pattern_case *c = &pattern_cases[i];
		int ret;

		err[0] = '\0';
		ret = ww_l7_check_pattern(c->pattern, c->url, err, sizeof(err));
		if (c->err == NULL && ret != 0)
			fail_msg("\"%s\": %s", c->pattern, err);
		if (c->err != NULL && (ret != -EINVAL ||
				       strstr(err, c->err) == NULL))
			fail_msg("\"%s\": %d \"%s\", want \"%s\"", c->pattern,
				 ret, err, c->err);
	}
	memset(big, 'a', sizeof(big));
	big[255] = '\0';
	assert_int_equal(ww_l7_check_pattern(big, false, err, sizeof(err)), 0);
	big[255] = 'a';
	big[256] = '\0';
	assert_int_equal(ww_l7_check_pattern(big, false, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\": "
			    "longer than 255 characters");
	assert_int_equal(ww_l7_check_pattern(NULL, false, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "\"\": missing pattern");
	/* small or no room for the message */
	assert_int_equal(ww_l7_check_pattern("a b", false, err, 8), -EINVAL);
	assert_string_equal(err, "\"a b\": ");
	assert_int_equal(ww_l7_check_pattern("a b", false, err, 3), -EINVAL);
	assert_string_equal(err, "\"a");
	assert_int_equal(ww_l7_check_pattern("a b", false, NULL, 0), -EINVAL);
}

static void
test_create_errors(void **state)
{
	static const char *const hosts[] = { "ok.com", "bad host", "ok.net" };
	static const char *const urls[] = { "ok.com/", "ok.com" };
	char err[256] = "";

	(void)state;
	rte_errno = 0;
	assert_null(ww_l7_create(hosts, DIM(hosts), NULL, 0, err, sizeof(err)));
	assert_int_equal(rte_errno, EINVAL);
	assert_string_equal(err, "\"bad host\": host names take letters, "
			    "digits, '-' and '.'");
	assert_null(ww_l7_create(hosts, 1, urls, DIM(urls), err, sizeof(err)));
	assert_true(strstr(err, "\"ok.com\": a URL pattern") == err);
	/* a URL in the host list, a host in the URL list */
	assert_null(ww_l7_create(urls, 1, NULL, 0, err, sizeof(err)));
	assert_null(ww_l7_create(NULL, 0, hosts, 1, err, sizeof(err)));
	assert_null(ww_l7_create(NULL, 1, NULL, 0, err, sizeof(err)));
	assert_string_equal(err, "\"\": missing pattern");
	assert_null(ww_l7_create(hosts, DIM(hosts), NULL, 0, NULL, 0));
}

/*
 * Random damage to good payloads, cut at random lengths: whatever the
 * functions answer, valgrind sees no read outside the buffer.
 */
static void
test_damaged(void **state)
{
	static const char req[] =
		"GET http://x.example.com/ads/ HTTP/1.1\r\nHost: "
		"www.example.com:80\r\nAccept: */*\r\n\r\n";
	static const char *const hosts[] = { ".example.com", "com" };
	static const char *const urls[] = { ".example.com/ads/" };
	struct ww_l7_list *l = list(hosts, DIM(hosts), urls, DIM(urls));
	uint32_t seed = 12345;
	char out[300], host[300], target[300];
	uint8_t work[2048], *b;
	size_t n, k;
	struct hb h;
	int ret;

	(void)state;
	build_hello(&h, SNI, true, true);
	for (unsigned int iter = 0; iter < 3000; iter++) {
		const uint8_t *src;

#define RND() (seed = seed * 1103515245u + 12345u, seed >> 8)
		switch (iter % 4) {
		case 0: src = ch13; n = sizeof(ch13); break;
		case 1: src = ch12; n = sizeof(ch12); break;
		case 2: src = h.b; n = h.len; break;
		default: src = (const uint8_t *)req; n = sizeof(req) - 1; break;
		}
		memcpy(work, src, n);
		for (unsigned int j = RND() % 4 + 1; j > 0; j--) {
			k = RND() % n;
			work[k] = (uint8_t)(RND() % 3 == 0 ? 0xff * (RND() & 1)
							   : RND());
		}
		n = RND() % 2 ? n : RND() % (n + 1);
		b = exact(work, n);
		ret = ww_l7_tls_sni(b, n, out, sizeof(out));
		assert_true(ret == -EINVAL || (ret > 0 && ret <= 255));
		ret = ww_l7_match_tls(l, b, n, out, sizeof(out));
		assert_true(ret == 0 || ret == 1);
		ret = ww_l7_http_request(b, n, host, sizeof(host), target,
					 sizeof(target));
		assert_true(ret == 0 || ret == -EINVAL);
		ret = ww_l7_match_http(l, b, n, out, sizeof(out));
		assert_true(ret == 0 || ret == 1);
		free(b);
#undef RND
	}
	ww_l7_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_captured),
		cmocka_unit_test(test_tls_built),
		cmocka_unit_test(test_tls_malformed),
		cmocka_unit_test(test_tls_cuts),
		cmocka_unit_test(test_http_match),
		cmocka_unit_test(test_http_request),
		cmocka_unit_test(test_http_cuts),
		cmocka_unit_test(test_http_cuts_odd),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_empty_and_duplicates),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_damaged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
