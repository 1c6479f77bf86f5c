/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/export IPFIX: collectors refused at creation with the reason, and
 * what a collector bound on loopback receives, decoded here on the RFC
 * 7011 layout (not with the encoder's code): message headers (version,
 * length, export time, sequence numbers, domain), the template set and
 * each template's fields, data records of both templates with their
 * values, both directions of a conversation and one-way ones, ICMP type
 * and code, messages never over the MTU, template refresh, two
 * collectors, send errors counted. Time is made up. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "ipfix.h"

#define T0 1700000000ull
#define MSG_MAX 65536
#define RECS_MAX 2048
#define TMPL_FIELDS_MAX 32

/* ---- a small decoder ---- */

struct tmpl {
	uint16_t id;
	uint16_t nb;
	uint16_t ie[TMPL_FIELDS_MAX];
	uint16_t len[TMPL_FIELDS_MAX];
};

/* One data record, by Information Element. */
struct drec {
	uint16_t set_id;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto;
	uint16_t flags;
	uint64_t packets, octets, start_ms, end_ms;
	uint8_t reason;
	uint32_t in_if;
};

struct msg {
	size_t size;               /* the datagram's */
	uint16_t version, length;
	uint32_t export_time, seq, domain;
	unsigned int nb_tmpl;
	struct tmpl tmpl[4];
	unsigned int nb_rec;
	struct drec rec[RECS_MAX];
};

/* Templates learnt from earlier messages (a collector keeps them). */
static struct tmpl known[4];
static unsigned int nb_known;

static uint64_t
get(const uint8_t *p, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

static void
decode_template_set(struct msg *m, const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off + 4 <= len) {
		struct tmpl *t = &m->tmpl[m->nb_tmpl++];

		assert_true(m->nb_tmpl <= 4);
		t->id = (uint16_t)get(p + off, 2);
		t->nb = (uint16_t)get(p + off + 2, 2);
		assert_true(t->nb <= TMPL_FIELDS_MAX);
		off += 4;
		assert_true(off + 4u * t->nb <= len);
		for (unsigned int i = 0; i < t->nb; i++, off += 4) {
			/* no enterprise bit: IANA elements only */
			assert_int_equal(p[off] & 0x80, 0);
			t->ie[i] = (uint16_t)get(p + off, 2);
			t->len[i] = (uint16_t)get(p + off + 2, 2);
		}
		known[nb_known < 4 ? nb_known++ : 3] = *t;
	}
	assert_int_equal(off, len);
}

static const struct tmpl *
find_template(uint16_t id)
{
	for (unsigned int i = nb_known; i-- > 0;)
		if (known[i].id == id)
			return &known[i];
	return NULL;
}

static void
decode_field(struct drec *r, uint16_t ie, const uint8_t *p, uint16_t len)
{
	switch (ie) {
	case 8: case 27: memcpy(r->src, p, len); break;
	case 12: case 28: memcpy(r->dst, p, len); break;
	case 7: r->sport = (uint16_t)get(p, len); break;
	case 11: r->dport = (uint16_t)get(p, len); break;
	case 4: r->proto = (uint8_t)get(p, len); break;
	case 6: r->flags = (uint16_t)get(p, len); break;
	case 2: r->packets = get(p, len); break;
	case 1: r->octets = get(p, len); break;
	case 152: r->start_ms = get(p, len); break;
	case 153: r->end_ms = get(p, len); break;
	case 136: r->reason = (uint8_t)get(p, len); break;
	case 10: r->in_if = (uint32_t)get(p, len); break;
	default: fail_msg("unexpected element %u", ie);
	}
}

static void
decode_data_set(struct msg *m, uint16_t id, const uint8_t *p, size_t len)
{
	const struct tmpl *t = find_template(id);
	size_t off = 0, rlen = 0;

	assert_non_null(t);
	for (unsigned int i = 0; i < t->nb; i++)
		rlen += t->len[i];
	/* whatever is left after the records is padding, shorter than one */
	while (len - off >= rlen) {
		struct drec *r = &m->rec[m->nb_rec++];

		assert_true(m->nb_rec <= RECS_MAX);
		memset(r, 0, sizeof(*r));
		r->set_id = id;
		for (unsigned int i = 0; i < t->nb; i++) {
			decode_field(r, t->ie[i], p + off, t->len[i]);
			off += t->len[i];
		}
	}
}

static void
decode(struct msg *m, const uint8_t *p, size_t size)
{
	size_t off = 16;

	memset(m, 0, offsetof(struct msg, rec));
	m->size = size;
	assert_true(size >= 16);
	m->version = (uint16_t)get(p, 2);
	m->length = (uint16_t)get(p + 2, 2);
	m->export_time = (uint32_t)get(p + 4, 4);
	m->seq = (uint32_t)get(p + 8, 4);
	m->domain = (uint32_t)get(p + 12, 4);
	assert_int_equal(m->version, 10);
	assert_int_equal(m->length, size);
	while (off < size) {
		uint16_t id, len;

		assert_true(off + 4 <= size);
		id = (uint16_t)get(p + off, 2);
		len = (uint16_t)get(p + off + 2, 2);
		assert_true(len >= 4 && off + len <= size);
		if (id == 2)
			decode_template_set(m, p + off + 4, len - 4u);
		else if (id >= 256)
			decode_data_set(m, id, p + off + 4, len - 4u);
		else
			fail_msg("unexpected set id %u", id);
		off += len;
	}
}

/* ---- the collector's side ---- */

static int
rx_open(int family, char *spec, size_t size)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t len = sizeof(ss);
	char a[INET6_ADDRSTRLEN];
	uint16_t port;
	int fd;

	if (family == AF_INET)
		inet_pton(AF_INET, "127.0.0.1",
			  &((struct sockaddr_in *)&ss)->sin_addr);
	else
		inet_pton(AF_INET6, "::1",
			  &((struct sockaddr_in6 *)&ss)->sin6_addr);
	fd = socket(family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&ss, family == AF_INET ?
		 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) != 0) {
		close(fd);
		return -1;
	}
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (family == AF_INET) {
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		snprintf(spec, size, "127.0.0.1:%u", port);
	} else {
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  a, sizeof(a));
		snprintf(spec, size, "[%s]:%u", a, port);
	}
	return fd;
}

/* Receive and decode one message; false if none came in @p ms. */
static bool
rx_msg(int fd, struct msg *m, int ms)
{
	static uint8_t buf[MSG_MAX];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, ms) != 1)
		return false;
	n = recv(fd, buf, sizeof(buf), 0);
	assert_true(n > 0);
	decode(m, buf, (size_t)n);
	return true;
}

static void
assert_no_msg(int fd)
{
	struct msg *m = malloc(sizeof(*m));

	assert_false(rx_msg(fd, m, 50));
	free(m);
}

/* ---- fixtures ---- */

struct fx {
	int rx;
	char spec[64];
	struct ww_ipfix *x;
	struct msg *m;
};

static struct ww_ipfix *
create(struct fx *f, uint32_t domain, uint32_t refresh, uint16_t mtu)
{
	struct ww_ipfix_params p = {
		.collectors = { f->spec }, .nb_collectors = 1,
		.domain_id = domain, .template_refresh_s = refresh, .mtu = mtu,
	};
	char err[256] = "";

	f->x = ww_ipfix_create(&p, err, sizeof(err));
	if (f->x == NULL)
		fail_msg("create: %s", err);
	return f->x;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->m = malloc(sizeof(*f->m));
	assert_non_null(f->m);
	f->rx = rx_open(AF_INET, f->spec, sizeof(f->spec));
	assert_true(f->rx >= 0);
	nb_known = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	ww_ipfix_free(f->x);
	close(f->rx);
	free(f->m);
	free(f);
	return 0;
}

static struct ww_flow_record
rec_v4(const char *a, uint16_t pa, const char *b, uint16_t pb, uint8_t proto)
{
	struct ww_flow_record r = {
		.family = 4, .proto = proto, .port = { pa, pb },
		.end_reason = WW_FLOW_END_IDLE, .in_port = 1,
	};

	inet_pton(AF_INET, a, r.addr[0]);
	inet_pton(AF_INET, b, r.addr[1]);
	return r;
}

static struct ww_flow_record
rec_v6(const char *a, uint16_t pa, const char *b, uint16_t pb, uint8_t proto)
{
	struct ww_flow_record r = {
		.family = 6, .proto = proto, .port = { pa, pb },
		.end_reason = WW_FLOW_END_IDLE, .in_port = 1,
	};

	inet_pton(AF_INET6, a, r.addr[0]);
	inet_pton(AF_INET6, b, r.addr[1]);
	return r;
}

static const uint16_t want_v4[][2] = {
	{ 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 }, { 6, 2 },
	{ 2, 8 }, { 1, 8 }, { 152, 8 }, { 153, 8 }, { 136, 1 }, { 10, 4 },
};
static const uint16_t want_v6[][2] = {
	{ 27, 16 }, { 28, 16 }, { 7, 2 }, { 11, 2 }, { 4, 1 }, { 6, 2 },
	{ 2, 8 }, { 1, 8 }, { 152, 8 }, { 153, 8 }, { 136, 1 }, { 10, 4 },
};

static void
assert_template(const struct tmpl *t, uint16_t id, const uint16_t (*w)[2])
{
	assert_int_equal(t->id, id);
	assert_int_equal(t->nb, 12);
	for (unsigned int i = 0; i < 12; i++) {
		assert_int_equal(t->ie[i], w[i][0]);
		assert_int_equal(t->len[i], w[i][1]);
	}
}

static void
assert_templates(const struct msg *m)
{
	assert_int_equal(m->nb_tmpl, 2);
	assert_template(&m->tmpl[0], 256, want_v4);
	assert_template(&m->tmpl[1], 257, want_v6);
}

/* Data record @p d is direction @p dir of @p r. */
static void
assert_rec(const struct drec *d, const struct ww_flow_record *r,
	   unsigned int dir, int64_t off_ns)
{
	size_t alen = r->family == 4 ? 4 : 16;

	assert_int_equal(d->set_id, r->family == 4 ? 256 : 257);
	assert_memory_equal(d->src, r->addr[dir], alen);
	assert_memory_equal(d->dst, r->addr[!dir], alen);
	assert_int_equal(d->sport, r->port[dir]);
	assert_int_equal(d->dport, r->port[!dir]);
	assert_int_equal(d->proto, r->proto);
	assert_int_equal(d->flags, r->tcp_flags[dir]);
	assert_int_equal(d->packets, r->packets[dir]);
	assert_int_equal(d->octets, r->bytes[dir]);
	assert_int_equal(d->start_ms, ((int64_t)r->first_ns + off_ns) / 1000000);
	assert_int_equal(d->end_ms, ((int64_t)r->last_ns + off_ns) / 1000000);
	assert_int_equal(d->reason, r->end_reason);
	assert_int_equal(d->in_if, r->in_port);
}

/* ---- tests ---- */

static void
test_create_errors(void **state)
{
	static const struct {
		const char *spec, *why;
	} bad[] = {
		{ "nfcapd", "not HOST:PORT" },
		{ "127.0.0.1", "not HOST:PORT" },
		{ "127.0.0.1:", "port" },
		{ "127.0.0.1:0", "port" },
		{ "127.0.0.1:65536", "port" },
		{ "127.0.0.1:47x", "port" },
		{ "127.0.0.1:-1", "port" },
		{ ":4739", "host" },
		{ "::1:4739", "brackets" },
		{ "[::1]4739", "not [IPV6]:PORT" },
		{ "[::1", "not [IPV6]:PORT" },
		{ "[]:4739", "host" },
		{ "[fe80::zz]:4739", "cannot resolve fe80::zz" },
		{ "[127.0.0.1]:4739", "collector" },
	};
	struct ww_ipfix_params p = { .nb_collectors = 1 };
	char err[256];

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p.collectors[0] = bad[i].spec;
		err[0] = '\0';
		errno = 0;
		assert_null(ww_ipfix_create(&p, err, sizeof(err)));
		assert_int_equal(errno, EINVAL);
		if (strstr(err, bad[i].spec) == NULL ||
		    strstr(err, bad[i].why) == NULL)
			fail_msg("%s: \"%s\"", bad[i].spec, err);
	}
	p.collectors[0] = "127.0.0.1:4739";
	p.nb_collectors = 0;
	assert_null(ww_ipfix_create(&p, err, sizeof(err)));
	p.nb_collectors = WW_IPFIX_COLLECTORS_MAX + 1;
	assert_null(ww_ipfix_create(&p, err, sizeof(err)));
	p.nb_collectors = 1;
	p.mtu = 150;
	assert_null(ww_ipfix_create(&p, err, sizeof(err)));
	assert_non_null(strstr(err, "mtu"));
	assert_null(ww_ipfix_create(NULL, NULL, 0));
	ww_ipfix_free(NULL);
	/* a name resolves, and no error leaves a handle open */
	p.mtu = 0;
	p.collectors[0] = "localhost:4739";
	ww_ipfix_free(ww_ipfix_create(&p, err, sizeof(err)));
}

static void
test_v4_both_directions(void **state)
{
	struct fx *f = *state;
	struct ww_flow_record r = rec_v4("10.0.0.1", 40000, "192.0.2.80", 443, 6);
	const int64_t off = (int64_t)T0 * 1000000000 - 123456789;
	struct ww_ipfix_stats st;

	r.packets[0] = 10, r.bytes[0] = 1000;
	r.packets[1] = 8, r.bytes[1] = 9000;
	r.tcp_flags[0] = 0x1b, r.tcp_flags[1] = 0x12;
	r.first_ns = 5000000000ull, r.last_ns = 7500000000ull;
	r.end_reason = WW_FLOW_END_CLOSED;
	r.in_port = 3;
	create(f, 7, 0, 0);
	ww_ipfix_add(f->x, &r, off);
	assert_int_equal(ww_ipfix_flush(f->x, T0 + 5), 1);
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_int_equal(f->m->export_time, T0 + 5);
	assert_int_equal(f->m->seq, 0);
	assert_int_equal(f->m->domain, 7);
	assert_templates(f->m);
	assert_int_equal(f->m->nb_rec, 2);
	assert_rec(&f->m->rec[0], &r, 0, off);
	assert_rec(&f->m->rec[1], &r, 1, off);
	assert_int_equal(f->m->rec[0].start_ms, T0 * 1000 + 4876);
	assert_int_equal(f->m->rec[0].end_ms, T0 * 1000 + 7376);
	assert_no_msg(f->rx);
	ww_ipfix_get_stats(f->x, &st);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.messages, 1);
	assert_int_equal(st.bytes, f->m->size);
	assert_int_equal(st.send_errors, 0);
	/* nothing queued, templates not due: nothing sent */
	assert_int_equal(ww_ipfix_flush(f->x, T0 + 6), 0);
	assert_no_msg(f->rx);
}

static void
test_v6_one_direction(void **state)
{
	struct fx *f = *state;
	struct ww_flow_record r[4] = {
		rec_v6("2001:db8::1", 5353, "2001:db8::2", 53, 17),
		rec_v4("10.0.0.2", 123, "10.0.0.3", 124, 17),
		rec_v4("10.0.0.4", 1, "10.0.0.5", 2, 6),
		rec_v6("2001:db8::1", 0x8000, "2001:db8::3", 0, 58),
	};

	r[0].packets[0] = 3, r[0].bytes[0] = 300;
	r[0].first_ns = 1000000, r[0].last_ns = 2999999;
	/* only side 1 sent: its record alone, swapped */
	r[1].packets[1] = 1, r[1].bytes[1] = 90;
	r[1].end_reason = WW_FLOW_END_LACK;
	/* no packets either way (an interim with nothing new) */
	r[2].end_reason = WW_FLOW_END_ACTIVE;
	r[3].packets[0] = 2, r[3].bytes[0] = 236;
	create(f, 0, 0, 0);
	for (unsigned int i = 0; i < 4; i++)
		ww_ipfix_add(f->x, &r[i], 0);
	assert_int_equal(ww_ipfix_flush(f->x, T0), 1);
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_int_equal(f->m->domain, 1);
	assert_int_equal(f->m->seq, 0);
	assert_templates(f->m);
	assert_int_equal(f->m->nb_rec, 3);
	assert_rec(&f->m->rec[0], &r[0], 0, 0);
	assert_int_equal(f->m->rec[0].start_ms, 1);
	assert_int_equal(f->m->rec[0].end_ms, 2);
	assert_rec(&f->m->rec[1], &r[1], 1, 0);
	/* ICMP: type and code where a destination port would be */
	assert_int_equal(f->m->rec[2].set_id, 257);
	assert_int_equal(f->m->rec[2].proto, 58);
	assert_int_equal(f->m->rec[2].sport, 0);
	assert_int_equal(f->m->rec[2].dport, 0x8000);
	assert_int_equal(f->m->rec[2].packets, 2);
	assert_no_msg(f->rx);
}

/* Records i of a mixed stream: v4 and v6 by turns of three, one or both
 * ways; packets[0] = i + 1 tells them apart. */
static struct ww_flow_record
nth(unsigned int i)
{
	struct ww_flow_record r = (i / 3) % 2 ?
		rec_v6("2001:db8::a", (uint16_t)i, "2001:db8::b", 80, 6) :
		rec_v4("10.1.0.1", (uint16_t)i, "10.1.0.2", 80, 6);

	r.packets[0] = i + 1, r.bytes[0] = 100 * (i + 1);
	r.packets[1] = i % 2, r.bytes[1] = 60 * (i % 2);
	return r;
}

static void
test_mtu(void **state)
{
	struct fx *f = *state;
	const unsigned int n = 500, want = n + n / 2;
	unsigned int got = 0, msgs = 0, i = 0, dir = 0;
	struct ww_ipfix_stats st;
	struct ww_flow_record r;

	create(f, 0, 0, 600);
	assert_int_equal(ww_ipfix_flush(f->x, T0), 1);  /* templates alone */
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_templates(f->m);
	assert_int_equal(f->m->nb_rec, 0);
	for (unsigned int k = 0; k < n; k++) {
		r = nth(k);
		ww_ipfix_add(f->x, &r, 0);
	}
	assert_int_equal(ww_ipfix_flush(f->x, T0 + 1), 1);
	while (rx_msg(f->rx, f->m, 200)) {
		assert_true(f->m->size <= 600);
		assert_int_equal(f->m->nb_tmpl, 0);
		assert_int_equal(f->m->seq, got);
		assert_true(f->m->nb_rec > 0);
		/* full messages: the next record would not have fitted */
		if (got + f->m->nb_rec < want)
			assert_true(f->m->size + 76 + 4 > 600);
		for (unsigned int k = 0; k < f->m->nb_rec; k++) {
			r = nth(i);
			assert_rec(&f->m->rec[k], &r, dir, 0);
			/* the next: the reverse, if any, else the next record */
			if (dir == 0 && r.packets[1] != 0) {
				dir = 1;
			} else {
				dir = 0;
				i++;
			}
		}
		got += f->m->nb_rec;
		msgs++;
	}
	assert_int_equal(got, want);
	assert_int_equal(i, n);
	ww_ipfix_get_stats(f->x, &st);
	assert_int_equal(st.records, want);
	assert_int_equal(st.messages, msgs + 1);
	assert_true(msgs >= want * 52 / 600);
}

static void
add_one(struct fx *f, unsigned int i)
{
	struct ww_flow_record r = nth(i);

	ww_ipfix_add(f->x, &r, 0);
}

static void
test_template_refresh(void **state)
{
	struct fx *f = *state;

	create(f, 0, 30, 0);
	add_one(f, 0);
	assert_int_equal(ww_ipfix_flush(f->x, T0), 1);
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_int_equal(f->m->nb_tmpl, 2);
	assert_int_equal(f->m->seq, 0);
	assert_int_equal(f->m->nb_rec, 1);
	add_one(f, 1);
	assert_int_equal(ww_ipfix_flush(f->x, T0 + 10), 1);
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_int_equal(f->m->nb_tmpl, 0);
	assert_int_equal(f->m->seq, 1);
	assert_int_equal(f->m->nb_rec, 2);
	add_one(f, 2);
	assert_int_equal(ww_ipfix_flush(f->x, T0 + 29), 1);
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_int_equal(f->m->nb_tmpl, 0);
	assert_int_equal(f->m->seq, 3);
	add_one(f, 3);
	assert_int_equal(ww_ipfix_flush(f->x, T0 + 30), 1);
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_templates(f->m);
	assert_int_equal(f->m->seq, 4);
	assert_int_equal(f->m->export_time, T0 + 30);
	assert_int_equal(f->m->nb_rec, 2);
	/* nothing to send */
	assert_int_equal(ww_ipfix_flush(f->x, T0 + 31), 0);
	assert_no_msg(f->rx);
	/* the templates alone when due, with the next sequence number */
	assert_int_equal(ww_ipfix_flush(f->x, T0 + 60), 1);
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_templates(f->m);
	assert_int_equal(f->m->seq, 6);
	assert_int_equal(f->m->nb_rec, 0);
	/* a clock stepped back: templates again */
	add_one(f, 4);
	assert_int_equal(ww_ipfix_flush(f->x, T0 + 50), 1);
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_int_equal(f->m->nb_tmpl, 2);
	assert_int_equal(f->m->seq, 6);
	assert_no_msg(f->rx);
}

/* Records queued into a full message while templates were not due, and
 * due by the flush: the templates go first, in a message of their own. */
static void
test_refresh_full_message(void **state)
{
	struct fx *f = *state;
	unsigned int n;

	create(f, 0, 30, 400);
	assert_int_equal(ww_ipfix_flush(f->x, T0), 1);
	assert_true(rx_msg(f->rx, f->m, 1000));
	/* 400 - 16 - 4 = 380: seven v4 records, 364 bytes of data */
	for (n = 0; n < 7; n++) {
		struct ww_flow_record r = rec_v4("10.0.0.1", (uint16_t)n,
						 "10.0.0.2", 80, 17);

		r.packets[0] = 1, r.bytes[0] = 60;
		ww_ipfix_add(f->x, &r, 0);
	}
	assert_no_msg(f->rx);
	assert_int_equal(ww_ipfix_flush(f->x, T0 + 30), 2);
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_templates(f->m);
	assert_int_equal(f->m->nb_rec, 0);
	assert_int_equal(f->m->seq, 0);
	assert_true(rx_msg(f->rx, f->m, 1000));
	assert_int_equal(f->m->nb_tmpl, 0);
	assert_int_equal(f->m->nb_rec, 7);
	assert_int_equal(f->m->seq, 0);
	assert_int_equal(f->m->size, 16 + 4 + 7 * 52);
}

static void
test_two_collectors(void **state)
{
	struct fx *f = *state;
	char spec6[64];
	int rx6 = rx_open(AF_INET6, spec6, sizeof(spec6));
	struct ww_ipfix_params p = {
		.collectors = { f->spec, spec6 }, .nb_collectors = 2,
	};
	struct ww_ipfix_stats st;
	char err[256];

	if (rx6 < 0)
		skip();
	f->x = ww_ipfix_create(&p, err, sizeof(err));
	assert_non_null(f->x);
	add_one(f, 1);
	assert_int_equal(ww_ipfix_flush(f->x, T0), 1);
	for (unsigned int i = 0; i < 2; i++) {
		nb_known = 0;
		assert_true(rx_msg(i ? rx6 : f->rx, f->m, 1000));
		assert_templates(f->m);
		assert_int_equal(f->m->nb_rec, 2);
	}
	ww_ipfix_get_stats(f->x, &st);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.messages, 2);
	assert_int_equal(st.bytes, 2 * f->m->size);
	close(rx6);
}

/* A collector that is not listening: ICMP port unreachable comes back,
 * the next send reports it; counted, and nothing blocks. */
static void
test_send_errors(void **state)
{
	struct fx *f = *state;
	struct ww_ipfix_stats st;

	close(f->rx);
	f->rx = rx_open(AF_INET, f->spec, sizeof(f->spec));
	create(f, 0, 0, 0);
	close(f->rx);
	f->rx = socket(AF_INET, SOCK_DGRAM, 0);
	for (unsigned int i = 0; i < 5; i++) {
		add_one(f, i);
		ww_ipfix_flush(f->x, T0 + i);
	}
	ww_ipfix_get_stats(f->x, &st);
	assert_int_equal(st.records, 5 + 2);
	assert_true(st.send_errors >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test_setup_teardown(test_v4_both_directions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_v6_one_direction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_refresh, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refresh_full_message,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_collectors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_send_errors, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
